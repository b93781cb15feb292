-- Chartroom schema 14 (SQLite): every patient an audit entry concerns when it concerns
-- several (a FHIR search page, a group export), one row per patient, so a search by
-- patient finds the entry. The rows are part of the entry: its MAC covers the list, and,
-- as for audit_log, triggers refuse every UPDATE and DELETE.

CREATE TABLE audit_patients (
    seq BIGINT NOT NULL,
    patient_id BIGINT NOT NULL,
    PRIMARY KEY (seq, patient_id)
);

CREATE INDEX audit_patients_patient ON audit_patients (patient_id, seq);

CREATE TRIGGER audit_patients_no_update BEFORE UPDATE ON audit_patients
BEGIN
    SELECT RAISE(ABORT, 'audit_patients is append-only: UPDATE refused');
END;

CREATE TRIGGER audit_patients_no_delete BEFORE DELETE ON audit_patients
BEGIN
    SELECT RAISE(ABORT, 'audit_patients is append-only: DELETE refused');
END;
