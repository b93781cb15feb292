-- Chartroom schema 41 (SQLite): reportable-condition cases (crates/surveillance, `cases`).
-- A case is a record per patient, condition and encounter, found when a diagnosis or a
-- laboratory result matched a trigger code; each step of the case queue is a version in its
-- history. case_finding_watermark is where case finding stopped reading the diagnoses,
-- results and change history, and under which trigger list (a derived mark, not a record).

CREATE TABLE case_reports (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    deleted_at TEXT,
    deleted_by TEXT,
    deleted_reason TEXT,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    encounter_id INTEGER REFERENCES encounters(id),
    condition TEXT NOT NULL,
    condition_name TEXT NOT NULL,
    trigger_code TEXT NOT NULL,
    trigger_system TEXT NOT NULL,
    trigger_source TEXT NOT NULL,
    trigger_record_id INTEGER NOT NULL,
    found_at TEXT NOT NULL,
    withdrawn_at TEXT,
    status TEXT NOT NULL,
    note TEXT,
    worked_by TEXT,
    worked_at TEXT
);
CREATE UNIQUE INDEX case_reports_key ON case_reports (patient_id, condition, encounter_id);
CREATE INDEX case_reports_queue ON case_reports (status, found_at) WHERE deleted_at IS NULL;
CREATE INDEX case_reports_encounter ON case_reports (encounter_id);

CREATE TABLE case_finding_watermark (
    id INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    diagnoses INTEGER NOT NULL,
    observations INTEGER NOT NULL,
    history INTEGER NOT NULL
);
