-- Chartroom schema 29 (SQLite): the record writes an audit entry stands for (each write's
-- kind, id, version and action, the record_history row it left with that row's SHA-256, or
-- the created values; the clinical time), as JSON text under the entry's MAC (layout 3),
-- so what changed is in the chain and an edited history row is named by `audit verify`.
-- TEXT, kept byte for byte, like the old and new values.
ALTER TABLE audit_log ADD COLUMN writes TEXT;
