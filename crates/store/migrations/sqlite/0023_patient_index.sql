-- Chartroom schema 23 (SQLite): the master patient index's work.
-- Candidate pairs found by matching (one row per pair, lower id first, rescored by later
-- runs while open), the reviewers' decisions on them (never deleted: a "not duplicate" pair
-- is never proposed again), and merges with every record each one moved, so an unmerge
-- puts each record back on the chart it came from.

CREATE TABLE mpi_candidates (
    id INTEGER PRIMARY KEY,
    patient_a INTEGER NOT NULL REFERENCES patients (id),
    patient_b INTEGER NOT NULL REFERENCES patients (id),
    probability REAL NOT NULL,
    weight REAL NOT NULL,
    class TEXT NOT NULL,
    contributions TEXT NOT NULL,
    found_at TEXT NOT NULL,
    status TEXT NOT NULL,
    UNIQUE (patient_a, patient_b)
);
CREATE INDEX mpi_candidates_status ON mpi_candidates (status, probability);
CREATE INDEX mpi_candidates_b ON mpi_candidates (patient_b);

CREATE TABLE mpi_decisions (
    id INTEGER PRIMARY KEY,
    candidate_id INTEGER NOT NULL REFERENCES mpi_candidates (id),
    decision TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX mpi_decisions_candidate ON mpi_decisions (candidate_id, id);

CREATE TABLE mpi_merges (
    id INTEGER PRIMARY KEY,
    surviving_id INTEGER NOT NULL REFERENCES patients (id),
    retired_id INTEGER NOT NULL REFERENCES patients (id),
    candidate_id INTEGER REFERENCES mpi_candidates (id),
    merged_by TEXT NOT NULL,
    merged_at TEXT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    unmerged_by TEXT,
    unmerged_at TEXT,
    unmerge_reason TEXT
);
CREATE INDEX mpi_merges_surviving ON mpi_merges (surviving_id);
CREATE INDEX mpi_merges_retired ON mpi_merges (retired_id);
CREATE INDEX mpi_merges_merged_at ON mpi_merges (merged_at);

-- One row per thing a merge moved: a record (kind and id), a group's roster (its members
-- before, as JSON) or an external key (its source, kind and key, as JSON).
CREATE TABLE mpi_merge_moves (
    merge_id INTEGER NOT NULL REFERENCES mpi_merges (id),
    kind TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    detail TEXT
);
CREATE INDEX mpi_merge_moves_merge ON mpi_merge_moves (merge_id);
