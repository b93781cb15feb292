-- Chartroom schema 6 (SQLite): patient groups (FHIR Group, Bulk Data Group-level export).
-- A group is a record like the others (version, who and when, soft delete, every change in
-- record_history); its roster is one JSON list of patient ids, so a changed roster is one
-- versioned change with the old and new list in history.

CREATE TABLE patient_groups (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    deleted_at TEXT,
    deleted_by TEXT,
    deleted_reason TEXT,
    name TEXT NOT NULL,
    identifier_system TEXT,
    identifier_value TEXT,
    members TEXT NOT NULL
);
CREATE INDEX patient_groups_name ON patient_groups (name);
CREATE INDEX patient_groups_identifier ON patient_groups (identifier_value);
