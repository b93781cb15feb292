-- Chartroom schema 37 (SQLite): the paper chart request queue. A clinic asks for a volume by
-- a day (tomorrow's appointment); the file room pulls it and fills the request by checking
-- the volume out to the requester (the movement is linked), or the request is cancelled
-- with a reason. Rows are never deleted: a filled or cancelled request is the history.

CREATE TABLE chart_requests (
    id INTEGER PRIMARY KEY,
    volume_id INTEGER NOT NULL REFERENCES chart_volumes (id),
    requester TEXT NOT NULL,
    deliver_to TEXT NOT NULL,
    needed_by TEXT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'filled', 'cancelled')),
    requested_at TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    closed_at TEXT,
    closed_by TEXT,
    movement_id INTEGER REFERENCES chart_movements (id),
    cancel_reason TEXT
);
CREATE INDEX chart_requests_open ON chart_requests (needed_by) WHERE status = 'open';
CREATE INDEX chart_requests_volume ON chart_requests (volume_id);
