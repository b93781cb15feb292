-- Chartroom schema 16 (SQLite): claims, records like the others (versions, history, soft
-- delete), so every step of one (scrubbed, overridden, submitted, acknowledged, paid,
-- denied, corrected, voided) is a version. A replacement or void names the claim it
-- replaces; the scrubber's findings and the overrides with their reasons are JSON lists.

CREATE TABLE claims (
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
    payer_id INTEGER NOT NULL REFERENCES payers (id),
    coverage_order TEXT NOT NULL,
    status TEXT NOT NULL,
    frequency TEXT NOT NULL,
    replaces_claim_id INTEGER REFERENCES claims (id),
    control_number TEXT NOT NULL,
    payer_claim_number TEXT,
    service_date TEXT NOT NULL,
    total_cents INTEGER NOT NULL,
    paid_cents INTEGER NOT NULL,
    patient_responsibility_cents INTEGER NOT NULL,
    submitted_on TEXT,
    interchange INTEGER,
    adjudicated_on TEXT,
    status_reason TEXT,
    adjustment_codes TEXT NOT NULL,
    edits TEXT NOT NULL,
    overrides TEXT NOT NULL
);
CREATE INDEX claims_encounter ON claims (encounter_id);
CREATE INDEX claims_patient ON claims (patient_id);
CREATE INDEX claims_status ON claims (status, service_date) WHERE deleted_at IS NULL;
CREATE INDEX claims_payer ON claims (payer_id, status) WHERE deleted_at IS NULL;
