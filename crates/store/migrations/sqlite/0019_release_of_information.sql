-- Chartroom schema 19 (SQLite): release of information. Requests for copies of a
-- chart (requester, basis, authorisation as JSON, scope, status, due days), the disclosures
-- made (the accounting of disclosures, 45 CFR 164.528) and the patient's consents and
-- agreed restrictions; records like the others, so every step keeps its history.

CREATE TABLE roi_requests (
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
    requester_kind TEXT NOT NULL,
    requester_name TEXT NOT NULL,
    requester_organization TEXT,
    requester_address TEXT,
    identity_verified TEXT,
    purpose TEXT NOT NULL,
    legal_basis TEXT NOT NULL,
    subpoena_assurances TEXT,
    categories TEXT NOT NULL,
    from_date TEXT,
    to_date TEXT,
    minimum_necessary TEXT,
    delivery TEXT NOT NULL,
    authorization_form TEXT,
    status TEXT NOT NULL,
    received_on TEXT NOT NULL,
    due_on TEXT NOT NULL,
    extended_to TEXT,
    extension_reason TEXT,
    decided_by TEXT,
    decided_at TEXT,
    decision_reason TEXT,
    pages INTEGER,
    fee_cents INTEGER,
    packet_sha256 TEXT,
    received_by TEXT NOT NULL
);
CREATE TABLE disclosures (
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
    disclosed_at TEXT NOT NULL,
    recipient TEXT NOT NULL,
    recipient_address TEXT,
    description TEXT NOT NULL,
    purpose TEXT NOT NULL,
    legal_basis TEXT NOT NULL,
    accountable TEXT NOT NULL,
    request_id INTEGER REFERENCES roi_requests (id),
    channel TEXT NOT NULL,
    made_by TEXT NOT NULL
);
CREATE TABLE consents (
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
    kind TEXT NOT NULL,
    categories TEXT NOT NULL,
    recipient TEXT,
    encounter_id INTEGER REFERENCES encounters (id),
    effective_from TEXT NOT NULL,
    effective_to TEXT,
    revoked_on TEXT,
    note TEXT,
    recorded_by TEXT NOT NULL
);
CREATE INDEX roi_requests_status ON roi_requests (status, due_on) WHERE deleted_at IS NULL;
CREATE INDEX roi_requests_patient ON roi_requests (patient_id);
CREATE INDEX disclosures_patient ON disclosures (patient_id, disclosed_at);
CREATE INDEX consents_patient ON consents (patient_id);
