-- Chartroom schema 1 (SQLite): the records model.
-- Every record table carries the same metadata: a version for optimistic locking, who and
-- when for creation and the last change, and a soft delete with its reason. Earlier values
-- live in record_history; nothing here is ever physically deleted by the application.

CREATE TABLE organizations (
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
    kind TEXT NOT NULL,
    npi TEXT,
    line1 TEXT,
    line2 TEXT,
    city TEXT,
    state TEXT,
    postal_code TEXT,
    country TEXT,
    phone TEXT
);

CREATE TABLE payers (
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
    payer_code TEXT,
    kind TEXT NOT NULL,
    line1 TEXT,
    line2 TEXT,
    city TEXT,
    state TEXT,
    postal_code TEXT,
    country TEXT,
    phone TEXT
);

CREATE TABLE providers (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    deleted_at TEXT,
    deleted_by TEXT,
    deleted_reason TEXT,
    npi TEXT,
    family_name TEXT NOT NULL,
    given_name TEXT NOT NULL,
    credentials TEXT,
    taxonomy TEXT,
    specialty TEXT,
    organization_id INTEGER REFERENCES organizations (id)
);

CREATE TABLE patients (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    deleted_at TEXT,
    deleted_by TEXT,
    deleted_reason TEXT,
    mrn TEXT NOT NULL,
    mrn_authority TEXT NOT NULL,
    family_name TEXT NOT NULL,
    given_name TEXT NOT NULL,
    middle_name TEXT,
    name_prefix TEXT,
    name_suffix TEXT,
    preferred_name TEXT,
    birth_date TEXT NOT NULL,
    sex TEXT NOT NULL,
    line1 TEXT,
    line2 TEXT,
    city TEXT,
    state TEXT,
    postal_code TEXT,
    country TEXT,
    phone TEXT,
    email TEXT,
    language TEXT,
    race TEXT,
    ethnicity TEXT,
    deceased_date TEXT
);

CREATE TABLE coverages (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    deleted_at TEXT,
    deleted_by TEXT,
    deleted_reason TEXT,
    patient_id INTEGER NOT NULL REFERENCES patients (id),
    payer_id INTEGER NOT NULL REFERENCES payers (id),
    plan_name TEXT,
    member_id TEXT NOT NULL,
    group_number TEXT,
    subscriber_name TEXT,
    relationship TEXT NOT NULL,
    coverage_order TEXT NOT NULL,
    effective_start TEXT NOT NULL,
    effective_end TEXT
);

CREATE TABLE encounters (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    deleted_at TEXT,
    deleted_by TEXT,
    deleted_reason TEXT,
    patient_id INTEGER NOT NULL REFERENCES patients (id),
    class TEXT NOT NULL,
    status TEXT NOT NULL,
    admit_at TEXT NOT NULL,
    discharge_at TEXT,
    attending_id INTEGER REFERENCES providers (id),
    facility_id INTEGER REFERENCES organizations (id),
    payer_id INTEGER REFERENCES payers (id),
    discharge_disposition TEXT,
    reason TEXT
);

CREATE TABLE encounter_participants (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    deleted_at TEXT,
    deleted_by TEXT,
    deleted_reason TEXT,
    patient_id INTEGER NOT NULL REFERENCES patients (id),
    encounter_id INTEGER NOT NULL REFERENCES encounters (id),
    provider_id INTEGER NOT NULL REFERENCES providers (id),
    role TEXT NOT NULL
);

CREATE TABLE diagnoses (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    deleted_at TEXT,
    deleted_by TEXT,
    deleted_reason TEXT,
    patient_id INTEGER NOT NULL REFERENCES patients (id),
    encounter_id INTEGER NOT NULL REFERENCES encounters (id),
    code TEXT NOT NULL,
    rank TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    poa TEXT,
    description TEXT,
    onset_at TEXT
);

CREATE TABLE procedures (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    deleted_at TEXT,
    deleted_by TEXT,
    deleted_reason TEXT,
    patient_id INTEGER NOT NULL REFERENCES patients (id),
    encounter_id INTEGER REFERENCES encounters (id),
    code_system TEXT NOT NULL,
    code TEXT NOT NULL,
    modifiers TEXT NOT NULL,
    units INTEGER NOT NULL,
    performed_at TEXT NOT NULL,
    performer_id INTEGER REFERENCES providers (id),
    description TEXT
);

CREATE TABLE immunizations (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    deleted_at TEXT,
    deleted_by TEXT,
    deleted_reason TEXT,
    patient_id INTEGER NOT NULL REFERENCES patients (id),
    encounter_id INTEGER REFERENCES encounters (id),
    cvx TEXT NOT NULL,
    administered_at TEXT NOT NULL,
    status TEXT NOT NULL,
    lot_number TEXT,
    site TEXT,
    route TEXT,
    performer_id INTEGER REFERENCES providers (id),
    description TEXT
);

CREATE TABLE observations (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    deleted_at TEXT,
    deleted_by TEXT,
    deleted_reason TEXT,
    patient_id INTEGER NOT NULL REFERENCES patients (id),
    encounter_id INTEGER REFERENCES encounters (id),
    code TEXT NOT NULL,
    description TEXT,
    category TEXT,
    value_type TEXT NOT NULL,
    value_number REAL,
    value_unit TEXT,
    value_code TEXT,
    value_display TEXT,
    value_text TEXT,
    effective_at TEXT NOT NULL
);

CREATE TABLE medications (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    deleted_at TEXT,
    deleted_by TEXT,
    deleted_reason TEXT,
    patient_id INTEGER NOT NULL REFERENCES patients (id),
    encounter_id INTEGER REFERENCES encounters (id),
    code TEXT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    start_at TEXT NOT NULL,
    end_at TEXT,
    dosage TEXT,
    prescriber_id INTEGER REFERENCES providers (id)
);

CREATE TABLE allergies (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    deleted_at TEXT,
    deleted_by TEXT,
    deleted_reason TEXT,
    patient_id INTEGER NOT NULL REFERENCES patients (id),
    code TEXT,
    substance TEXT NOT NULL,
    category TEXT NOT NULL,
    criticality TEXT,
    reaction TEXT,
    status TEXT NOT NULL,
    onset_at TEXT
);

CREATE TABLE problems (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    deleted_at TEXT,
    deleted_by TEXT,
    deleted_reason TEXT,
    patient_id INTEGER NOT NULL REFERENCES patients (id),
    encounter_id INTEGER REFERENCES encounters (id),
    code_system TEXT NOT NULL,
    code TEXT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    onset_at TEXT,
    resolved_at TEXT
);

CREATE TABLE notes (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    deleted_at TEXT,
    deleted_by TEXT,
    deleted_reason TEXT,
    patient_id INTEGER NOT NULL REFERENCES patients (id),
    encounter_id INTEGER REFERENCES encounters (id),
    note_type TEXT NOT NULL,
    author_id INTEGER REFERENCES providers (id),
    authored_at TEXT NOT NULL,
    text TEXT NOT NULL,
    signed_at TEXT,
    signer_id INTEGER REFERENCES providers (id)
);

CREATE TABLE charges (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    deleted_at TEXT,
    deleted_by TEXT,
    deleted_reason TEXT,
    patient_id INTEGER NOT NULL REFERENCES patients (id),
    encounter_id INTEGER REFERENCES encounters (id),
    procedure_id INTEGER REFERENCES procedures (id),
    code TEXT,
    description TEXT NOT NULL,
    service_date TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    units INTEGER NOT NULL,
    payer_id INTEGER REFERENCES payers (id),
    due_date TEXT
);

CREATE TABLE postings (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    deleted_at TEXT,
    deleted_by TEXT,
    deleted_reason TEXT,
    patient_id INTEGER NOT NULL REFERENCES patients (id),
    charge_id INTEGER REFERENCES charges (id),
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    payer_id INTEGER REFERENCES payers (id),
    posted_on TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    reason_code TEXT,
    reference TEXT
);

CREATE UNIQUE INDEX patients_mrn ON patients (mrn_authority, mrn);
CREATE INDEX patients_family ON patients (lower(family_name), lower(given_name));
CREATE INDEX patients_birth_date ON patients (birth_date);
CREATE INDEX coverages_patient ON coverages (patient_id);
CREATE INDEX encounters_patient ON encounters (patient_id, admit_at);
CREATE INDEX encounter_participants_encounter ON encounter_participants (encounter_id);
CREATE INDEX diagnoses_patient ON diagnoses (patient_id);
CREATE INDEX diagnoses_encounter ON diagnoses (encounter_id);
CREATE INDEX diagnoses_code ON diagnoses (code);
CREATE INDEX procedures_patient ON procedures (patient_id);
CREATE INDEX procedures_encounter ON procedures (encounter_id);
CREATE INDEX immunizations_patient ON immunizations (patient_id);
CREATE INDEX immunizations_cvx ON immunizations (cvx, administered_at);
CREATE INDEX observations_patient ON observations (patient_id, effective_at);
CREATE INDEX medications_patient ON medications (patient_id);
CREATE INDEX allergies_patient ON allergies (patient_id);
CREATE INDEX problems_patient ON problems (patient_id);
CREATE INDEX notes_patient ON notes (patient_id);
CREATE INDEX notes_encounter ON notes (encounter_id);
CREATE INDEX charges_patient ON charges (patient_id);
CREATE INDEX postings_patient ON postings (patient_id);
CREATE INDEX postings_charge ON postings (charge_id);

-- Keys of records that came from elsewhere (Synthea ids, HL7 PID-3), so a repeated import
-- finds the record it made before instead of duplicating it.
CREATE TABLE external_ids (
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    source_key TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    PRIMARY KEY (source, kind, source_key)
);

-- Every change and soft delete, with the old and new value of each changed field, so any
-- earlier version of a record can be rebuilt.
CREATE TABLE record_history (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    patient_id INTEGER,
    version INTEGER NOT NULL,
    action TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    reason TEXT,
    changes TEXT NOT NULL
);
CREATE INDEX record_history_record ON record_history (kind, record_id, version);
CREATE INDEX record_history_patient ON record_history (patient_id);
