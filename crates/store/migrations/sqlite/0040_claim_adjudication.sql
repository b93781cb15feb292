-- Chartroom schema 40 (SQLite): how the payer adjudicated a claim, claim and lines, as its
-- 835 said (JSON), so the claim to the next payer (coordination of benefits) can carry
-- the primary's payment and adjustments in 837 loops 2320 and 2430.

ALTER TABLE claims ADD COLUMN adjudication TEXT;
