-- Chartroom schema 45 (SQLite): each audit entry's writes split by the chart they touched,
-- so a patient's audit report reads that patient's few writes rather than the whole of a
-- bulk entry's `writes` (a demo or import batch seals tens of thousands, megabytes of JSON
-- read through overflow pages on every report that lists it). One row per patient the entry
-- names or wrote to: `writes` the JSON list of that chart's writes (possibly empty), `total`
-- how many the entry has in all. The rows are derived from the sealed `writes`, which the MAC
-- covers; `audit verify` derives them again and names an entry whose rows differ. As for
-- audit_log, triggers refuse every UPDATE and DELETE.
--
-- Entries written before this schema have no rows; `audit_patient_writes_from` holds the
-- first entry that does, so a report reads the older ones' `writes` as before.

CREATE TABLE audit_patient_writes (
    seq BIGINT NOT NULL,
    patient_id BIGINT NOT NULL,
    total BIGINT NOT NULL,
    writes TEXT NOT NULL,
    PRIMARY KEY (seq, patient_id)
);

CREATE TABLE audit_patient_writes_from AS
    SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM audit_log;

CREATE TRIGGER audit_patient_writes_no_update BEFORE UPDATE ON audit_patient_writes
BEGIN
    SELECT RAISE(ABORT, 'audit_patient_writes is append-only: UPDATE refused');
END;

CREATE TRIGGER audit_patient_writes_no_delete BEFORE DELETE ON audit_patient_writes
BEGIN
    SELECT RAISE(ABORT, 'audit_patient_writes is append-only: DELETE refused');
END;
