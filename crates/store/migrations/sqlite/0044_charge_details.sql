-- Chartroom schema 44 (SQLite): what some services need on a claim beyond code, units and
-- amount (records::ChargeDetail), one row per charge: the drug given (NDC, quantity, unit:
-- 837 loop 2410), the anesthesia minutes and the surgery they were for, the ambulance trip
-- (CR1, CRC, pick-up and drop-off) and the durable medical equipment certification (CR3,
-- SV5, the ordering physician), each part JSON. Indexed by encounter, so the claim builder
-- reads an encounter's details in one lookup as it reads its charges.

CREATE TABLE charge_details (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    deleted_at TEXT,
    deleted_by TEXT,
    deleted_reason TEXT,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    encounter_id INTEGER NOT NULL REFERENCES encounters(id),
    charge_id INTEGER NOT NULL REFERENCES charges(id),
    drug TEXT,
    anesthesia TEXT,
    transport TEXT,
    equipment TEXT
);
CREATE UNIQUE INDEX charge_details_charge ON charge_details (charge_id);
CREATE INDEX charge_details_encounter ON charge_details (encounter_id);
CREATE INDEX charge_details_patient ON charge_details (patient_id);
