-- Chartroom schema 39 (SQLite): scanned documents (crates/documents). A record per document
-- (PDF, TIFF or JPEG pages): whose (none while it waits in the indexing queue), its type,
-- date of service and encounter; the content is a file in the data directory named by
-- its SHA-256 (content_sha256), as is its thumbnail. Moving a misfiled document to the
-- right chart is an update of patient_id, so record_history keeps where it was.

CREATE TABLE scanned_documents (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    deleted_at TEXT,
    deleted_by TEXT,
    deleted_reason TEXT,
    patient_id INTEGER REFERENCES patients(id),
    document_type TEXT,
    service_date TEXT,
    encounter_id INTEGER REFERENCES encounters(id),
    status TEXT NOT NULL,
    title TEXT,
    media_type TEXT NOT NULL,
    pages INTEGER NOT NULL,
    size_bytes INTEGER NOT NULL,
    content_sha256 TEXT NOT NULL,
    content_sha1 TEXT NOT NULL,
    thumbnail_sha256 TEXT,
    received_at TEXT NOT NULL,
    received_by TEXT NOT NULL,
    indexed_at TEXT,
    indexed_by TEXT
);
-- The indexing queue, oldest first; a chart's documents.
CREATE INDEX scanned_documents_queue ON scanned_documents (status, received_at) WHERE deleted_at IS NULL;
CREATE INDEX scanned_documents_patient ON scanned_documents (patient_id);
