-- Chartroom schema 26 (SQLite): legal holds. A hold covers the patients it lists, or every
-- record (a matter hold over the whole store); it blocks archival and destruction of what
-- it covers until released. Released holds stay, with who released them, when and why.

CREATE TABLE legal_holds (
    id INTEGER PRIMARY KEY,
    matter TEXT,
    covers TEXT NOT NULL CHECK (covers IN ('patients', 'all')),
    reason TEXT NOT NULL,
    placed_by TEXT NOT NULL,
    placed_at TEXT NOT NULL,
    released_by TEXT,
    released_at TEXT,
    release_reason TEXT
);
CREATE INDEX legal_holds_active ON legal_holds (released_at, id);

CREATE TABLE legal_hold_patients (
    hold_id INTEGER NOT NULL REFERENCES legal_holds (id),
    patient_id INTEGER NOT NULL REFERENCES patients (id),
    PRIMARY KEY (hold_id, patient_id)
);
CREATE INDEX legal_hold_patients_patient ON legal_hold_patients (patient_id);
