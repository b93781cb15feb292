-- Chartroom schema 9 (SQLite): chart review's deficiencies, records like the others
-- (versions, history, soft delete), so every step of one (assigned, queried, resolved,
-- waived, reopened) is a version. One row per finding: the rule, the patient, the
-- encounter and the subject (`note:12`) identify it, so a re-review finds it again.

CREATE TABLE deficiencies (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    deleted_at TEXT,
    deleted_by TEXT,
    deleted_reason TEXT,
    patient_id INTEGER NOT NULL REFERENCES patients (id),
    encounter_id INTEGER REFERENCES encounters (id),
    rule_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    status TEXT NOT NULL,
    severity TEXT NOT NULL,
    responsible TEXT NOT NULL,
    provider_id INTEGER REFERENCES providers (id),
    assignee TEXT,
    message TEXT NOT NULL,
    since TEXT NOT NULL,
    due_at TEXT NOT NULL,
    closed_at TEXT,
    closed_reason TEXT
);
CREATE UNIQUE INDEX deficiencies_finding ON deficiencies (patient_id, rule_id, subject);
CREATE INDEX deficiencies_queue ON deficiencies (status, due_at) WHERE deleted_at IS NULL;
CREATE INDEX deficiencies_provider ON deficiencies (provider_id, status) WHERE deleted_at IS NULL;
