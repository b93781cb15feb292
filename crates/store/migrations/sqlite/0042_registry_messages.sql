-- Chartroom schema 42 (SQLite): messages exchanged with an immunization registry (issue 18).
-- A VXU^V04 sent or a QBP^Q11 asked is one row: the message as sent (its control id kept
-- across retries, so the registry can tell a resend), every attempt counted, and the
-- registry's answer kept whole with its MSA-1 code and error text. Rows are never deleted.

CREATE TABLE registry_messages (
    id INTEGER PRIMARY KEY,
    message_type TEXT NOT NULL,
    patient_id INTEGER NOT NULL REFERENCES patients (id),
    registry TEXT NOT NULL,
    destination TEXT NOT NULL,
    control_id TEXT NOT NULL,
    message TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_attempt_at TEXT,
    answered_at TEXT,
    ack_code TEXT,
    ack_text TEXT,
    ack TEXT,
    last_error TEXT
);
CREATE INDEX registry_messages_patient ON registry_messages (patient_id, id);
CREATE INDEX registry_messages_status ON registry_messages (status, id);
