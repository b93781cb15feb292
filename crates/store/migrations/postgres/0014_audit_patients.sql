-- Chartroom schema 14 (PostgreSQL): every patient an audit entry concerns when it
-- concerns several (a FHIR search page, a group export), one row per patient, so a search
-- by patient finds the entry. The rows are part of the entry: its MAC covers the list,
-- and, as for audit_log, triggers refuse every UPDATE, DELETE and TRUNCATE.

CREATE TABLE audit_patients (
    seq BIGINT NOT NULL,
    patient_id BIGINT NOT NULL,
    PRIMARY KEY (seq, patient_id)
);

CREATE INDEX audit_patients_patient ON audit_patients (patient_id, seq);

CREATE FUNCTION audit_patients_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_patients is append-only: % refused', TG_OP;
END;
$$;

CREATE TRIGGER audit_patients_no_change BEFORE UPDATE OR DELETE ON audit_patients
    FOR EACH ROW EXECUTE FUNCTION audit_patients_append_only();
CREATE TRIGGER audit_patients_no_truncate BEFORE TRUNCATE ON audit_patients
    FOR EACH STATEMENT EXECUTE FUNCTION audit_patients_append_only();
