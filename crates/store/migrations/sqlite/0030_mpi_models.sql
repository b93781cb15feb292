-- Chartroom schema 30 (SQLite): the patient index's trained models. A full match that keeps
-- its pairs keeps the model it estimated (every level's m and u, the prior, the thresholds
-- and similarity bands, as JSON), so registration scores a new patient against the index
-- with the weights the population gave, not with a fresh estimate per form. Models are
-- never changed or deleted; the newest is in force.

CREATE TABLE mpi_models (
    id INTEGER PRIMARY KEY,
    trained_at TEXT NOT NULL,
    trained_by TEXT NOT NULL,
    n_patients INTEGER NOT NULL,
    n_compared INTEGER NOT NULL,
    model TEXT NOT NULL
);

-- Registration looks patients up by phone as a blocking rule does.
CREATE INDEX patients_phone ON patients (phone) WHERE deleted_at IS NULL;
