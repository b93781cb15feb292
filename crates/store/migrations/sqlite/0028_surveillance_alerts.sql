-- Chartroom schema 28 (SQLite): public-health surveillance alerts, records like the others,
-- so each step of the work queue (investigated, dismissed, escalated with a note) is a
-- version in their history. Aggregate: a syndrome, a place and a day, never a patient.

CREATE TABLE surveillance_alerts (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    deleted_at TEXT,
    deleted_by TEXT,
    deleted_reason TEXT,
    syndrome TEXT NOT NULL,
    place TEXT NOT NULL,
    day TEXT NOT NULL,
    method TEXT NOT NULL,
    observed INTEGER NOT NULL,
    expected REAL NOT NULL,
    statistic REAL,
    threshold REAL,
    p_value REAL,
    level TEXT NOT NULL,
    status TEXT NOT NULL,
    note TEXT,
    worked_by TEXT,
    worked_at TEXT
);
CREATE UNIQUE INDEX surveillance_alerts_key ON surveillance_alerts (syndrome, place, day, method);
CREATE INDEX surveillance_alerts_status ON surveillance_alerts (status, day) WHERE deleted_at IS NULL;
