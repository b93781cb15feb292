-- Chartroom schema 25 (SQLite): remittance advices (835s) as billing receives them, kept
-- from arrival to posting, with the claim payments no claim matched for the work queue.

CREATE TABLE remittances (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    deleted_at TEXT,
    deleted_by TEXT,
    deleted_reason TEXT,
    payer_name TEXT NOT NULL,
    trace TEXT NOT NULL,
    payment_cents INTEGER NOT NULL,
    claim_payments INTEGER NOT NULL,
    file_name TEXT NOT NULL,
    received_on TEXT NOT NULL,
    status TEXT NOT NULL,
    posted_on TEXT,
    unmatched TEXT NOT NULL,
    unmatched_count INTEGER NOT NULL
);
CREATE UNIQUE INDEX remittances_trace ON remittances (payer_name, trace);
CREATE INDEX remittances_work ON remittances (status, unmatched_count) WHERE deleted_at IS NULL;
