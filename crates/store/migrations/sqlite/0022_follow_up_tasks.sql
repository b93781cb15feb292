-- Chartroom schema 22 (SQLite): data-collection follow-up tasks, records like the others,
-- so each contact attempt, escalation and closing is a version in their history.

CREATE TABLE follow_up_tasks (
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
    kind TEXT NOT NULL,
    description TEXT NOT NULL,
    obtain_from TEXT NOT NULL,
    assignee TEXT,
    status TEXT NOT NULL,
    due_at TEXT NOT NULL,
    contacts TEXT NOT NULL,
    escalated_at TEXT,
    opened_by TEXT NOT NULL,
    closed_at TEXT,
    closed_reason TEXT
);
CREATE INDEX follow_up_tasks_status ON follow_up_tasks (status, due_at) WHERE deleted_at IS NULL;
CREATE INDEX follow_up_tasks_patient ON follow_up_tasks (patient_id);
