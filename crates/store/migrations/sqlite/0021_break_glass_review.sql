-- The privacy officer's review of each emergency access: who reviewed it, when, and the
-- note they wrote (once; a grant without a review is waiting, and its age is reported).
ALTER TABLE break_glass_grants ADD COLUMN reviewed_at TEXT;
ALTER TABLE break_glass_grants ADD COLUMN reviewed_by TEXT;
ALTER TABLE break_glass_grants ADD COLUMN review_note TEXT;
CREATE INDEX break_glass_grants_unreviewed ON break_glass_grants (granted_at) WHERE reviewed_at IS NULL;
