-- Chartroom schema 34 (PostgreSQL): archived charts. A chart moved out of the live tables
-- into its archive file (under the data directory) leaves one row here, so it is still
-- found by MRN and name, and its file is checked against the SHA-256 kept here before it
-- is read or restored. The row stays when the chart is restored or destroyed (its status
-- says which).
CREATE TABLE archived_charts (
    patient_id BIGINT PRIMARY KEY,
    mrn TEXT NOT NULL,
    mrn_authority TEXT NOT NULL,
    family_name TEXT NOT NULL,
    given_name TEXT NOT NULL,
    family_key TEXT NOT NULL,
    given_key TEXT NOT NULL,
    birth_date DATE,
    file TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes BIGINT NOT NULL,
    row_count BIGINT NOT NULL,
    destroy_on DATE,
    status TEXT NOT NULL CHECK (status IN ('archived', 'restored', 'destroyed')),
    archived_at TIMESTAMPTZ NOT NULL,
    archived_by TEXT NOT NULL,
    restored_at TIMESTAMPTZ,
    restored_by TEXT
);
CREATE INDEX archived_charts_mrn ON archived_charts (mrn);
CREATE INDEX archived_charts_name ON archived_charts (family_key, given_key);

-- A legal hold keeps naming the charts it covered after they are archived or destroyed
-- (released holds are history), so its patient column no longer refers to a live row.
ALTER TABLE legal_hold_patients DROP CONSTRAINT legal_hold_patients_patient_id_fkey;
