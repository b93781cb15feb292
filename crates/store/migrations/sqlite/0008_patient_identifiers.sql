-- Chartroom schema 8 (SQLite): identifiers other systems gave a patient, kept as sent.
-- The record keeps them as one JSON list (`patients.identifiers`), read back with the
-- patient; `patient_identifiers` holds one row per identifier, written by the store with
-- every create and update of the patient, so a search by value (with or without its
-- system) is an index lookup however many patients there are.
-- `assigned_numbers` holds the last number handed out per series (the facility's MRNs),
-- so numbers are assigned inside the writing transaction without scanning patients.

ALTER TABLE patients ADD COLUMN identifiers TEXT NOT NULL DEFAULT '[]';

CREATE TABLE patient_identifiers (
    patient_id INTEGER NOT NULL REFERENCES patients (id),
    system TEXT NOT NULL,
    value TEXT NOT NULL
);
CREATE INDEX patient_identifiers_value ON patient_identifiers (value, system);
CREATE INDEX patient_identifiers_patient ON patient_identifiers (patient_id);

-- An MRN searched without its assigning authority (FHIR `identifier=VALUE`) is an index
-- lookup too; the unique index leads with the authority.
CREATE INDEX patients_mrn_value ON patients (mrn);

CREATE TABLE assigned_numbers (
    series TEXT PRIMARY KEY,
    last BIGINT NOT NULL
);
