-- Chartroom schema 15 (SQLite): write-off requests, records like the others, so that a
-- write-off asked for by billing moves the balance only when another approver approves
-- it, and the request, its decision and the posting it became keep their history.

CREATE TABLE write_off_requests (
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
    charge_id INTEGER REFERENCES charges (id),
    amount_cents INTEGER NOT NULL,
    reason_code TEXT NOT NULL,
    justification TEXT NOT NULL,
    status TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    decision_reason TEXT,
    posting_id INTEGER REFERENCES postings (id)
);
CREATE INDEX write_off_requests_status ON write_off_requests (status) WHERE deleted_at IS NULL;
CREATE INDEX write_off_requests_patient ON write_off_requests (patient_id);
