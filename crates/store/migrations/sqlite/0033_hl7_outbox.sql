-- Chartroom schema 33 (SQLite): HL7 messages waiting to be sent. A merge made in Chartroom
-- (not one an inbound ADT^A40 asked for) queues the ADT^A40 announcing it, in the merge's
-- transaction, so the systems holding the retired MRN retire it too; a sender builds the
-- message when it sends it and keeps what came of each attempt. Rows are never deleted.

CREATE TABLE hl7_outbox (
    id INTEGER PRIMARY KEY,
    message_type TEXT NOT NULL,
    merge_id INTEGER NOT NULL REFERENCES mpi_merges (id),
    queued_at TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_attempt_at TEXT,
    last_error TEXT,
    sent_to TEXT,
    ack TEXT
);
CREATE INDEX hl7_outbox_status ON hl7_outbox (status, id);
