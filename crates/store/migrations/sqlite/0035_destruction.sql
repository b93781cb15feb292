-- Chartroom schema 35 (SQLite): destruction of records. A request names the charts, the
-- method and why; a second person approves it, and the approval destroys the charts and
-- writes the certificate of destruction (what, when, by what method, requested and
-- approved by whom) into the same row. Rows are never deleted: certificates are kept forever.
CREATE TABLE destruction_requests (
    id INTEGER PRIMARY KEY,
    patient_ids TEXT NOT NULL,
    method TEXT NOT NULL,
    reason TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('requested', 'destroyed')),
    approved_by TEXT,
    approved_at TEXT,
    certificate TEXT
);
CREATE TRIGGER destruction_requests_kept BEFORE DELETE ON destruction_requests
BEGIN
    SELECT RAISE(ABORT, 'certificates of destruction are kept forever: DELETE refused');
END;
