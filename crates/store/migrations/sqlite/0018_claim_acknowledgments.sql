-- Chartroom schema 18 (SQLite): the group (GS06) and transaction set (ST02)
-- control numbers a claim went out under, which a 999 acknowledgment names (AK102, AK202),
-- so the acknowledgment finds its claims.

ALTER TABLE claims ADD COLUMN group_control INTEGER;
ALTER TABLE claims ADD COLUMN transaction_control INTEGER;
CREATE INDEX claims_transaction ON claims (group_control, transaction_control);
