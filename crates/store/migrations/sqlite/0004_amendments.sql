-- Chartroom schema 4 (SQLite): patients' amendment requests (HIPAA 164.526).
-- A request is recorded, then accepted or denied with a reason; an accepted request links
-- to the record that was changed. Requests are never deleted.

CREATE TABLE amendment_requests (
    id INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients (id),
    description TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    status TEXT NOT NULL,
    decided_at TEXT,
    decided_by TEXT,
    decision_reason TEXT,
    linked_kind TEXT,
    linked_id INTEGER
);
CREATE INDEX amendment_requests_patient ON amendment_requests (patient_id, id);
