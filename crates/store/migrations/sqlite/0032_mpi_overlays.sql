-- Chartroom schema 32 (SQLite): possible overlays. A chart whose identity changes (sex or
-- birth date recorded differently from before, demographics that no longer look like the
-- same person, blood type results that disagree) may hold two people's records, as when a
-- registrar picks the wrong chart; it is flagged here for an HIM technician to review.
-- A flag is decided once (one person after all, or an overlay to separate), never deleted.

CREATE TABLE mpi_overlays (
    id INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients (id),
    found_at TEXT NOT NULL,
    found_by TEXT NOT NULL,
    findings TEXT NOT NULL,
    status TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    reason TEXT
);
CREATE INDEX mpi_overlays_patient ON mpi_overlays (patient_id, id);
CREATE INDEX mpi_overlays_status ON mpi_overlays (status, id);
