-- Chartroom schema 31 (SQLite): data use agreements (45 CFR 164.514(e)(4)), the records a
-- limited data set for research is extracted under: recipient, purpose, signed and ending
-- days. Records like the others, so a change keeps its history; not a patient's.

CREATE TABLE data_use_agreements (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    deleted_at TEXT,
    deleted_by TEXT,
    deleted_reason TEXT,
    recipient TEXT NOT NULL,
    organization TEXT,
    purpose TEXT NOT NULL,
    signed_on TEXT NOT NULL,
    expires_on TEXT NOT NULL,
    note TEXT,
    recorded_by TEXT NOT NULL
);
