-- Chartroom schema 17 (SQLite): a claim is professional (837P) or institutional
-- (837I); the claims written before were all professional. One live claim per encounter,
-- coverage order and kind.

ALTER TABLE claims ADD COLUMN kind TEXT NOT NULL DEFAULT 'professional';
