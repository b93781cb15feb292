-- Chartroom schema 10 (SQLite): physician queries, records like the others, so the
-- question, the indicators quoted, the answers offered and the answer chosen stay in the
-- record with their history.

CREATE TABLE physician_queries (
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
    deficiency_id INTEGER REFERENCES deficiencies (id),
    provider_id INTEGER NOT NULL REFERENCES providers (id),
    asked_by TEXT NOT NULL,
    indicators TEXT NOT NULL,
    question TEXT NOT NULL,
    options TEXT NOT NULL,
    status TEXT NOT NULL,
    answer TEXT,
    comment TEXT,
    asked_at TEXT NOT NULL,
    answered_at TEXT,
    answered_by TEXT
);
CREATE INDEX physician_queries_provider ON physician_queries (provider_id, status) WHERE deleted_at IS NULL;
CREATE INDEX physician_queries_patient ON physician_queries (patient_id);
