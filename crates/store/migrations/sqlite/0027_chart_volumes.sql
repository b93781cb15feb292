-- Chartroom schema 27 (SQLite): paper chart volumes and their movements. Each physical
-- volume has a barcode, a home location and a current location; every check-out, check-in
-- and transfer is a movement row, never edited, so where a chart has been is its history.

CREATE TABLE chart_volumes (
    id INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients (id),
    volume INTEGER NOT NULL,
    barcode TEXT NOT NULL UNIQUE,
    home_location TEXT NOT NULL,
    current_location TEXT NOT NULL,
    holder TEXT,
    due_back TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (patient_id, volume)
);
CREATE INDEX chart_volumes_due ON chart_volumes (due_back) WHERE holder IS NOT NULL;

CREATE TABLE chart_movements (
    id INTEGER PRIMARY KEY,
    volume_id INTEGER NOT NULL REFERENCES chart_volumes (id),
    kind TEXT NOT NULL CHECK (kind IN ('created', 'checkout', 'checkin', 'transfer')),
    at TEXT NOT NULL,
    by_user TEXT NOT NULL,
    from_location TEXT,
    to_location TEXT NOT NULL,
    holder TEXT,
    due_back TEXT,
    note TEXT
);
CREATE INDEX chart_movements_volume ON chart_movements (volume_id, id);
