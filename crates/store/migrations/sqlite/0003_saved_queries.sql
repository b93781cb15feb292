-- Chartroom schema 3: saved population queries, kept like records (versioned, soft-deleted,
-- every change in record_history) so a report's definition has an audit trail too.

CREATE TABLE saved_queries (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    deleted_at TEXT,
    deleted_by TEXT,
    deleted_reason TEXT,
    name TEXT NOT NULL,
    owner TEXT NOT NULL,
    description TEXT,
    query_text TEXT NOT NULL
);
CREATE UNIQUE INDEX saved_queries_name ON saved_queries (name);
