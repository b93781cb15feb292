-- Chartroom schema 20 (SQLite): charges by encounter, so a claim reads its
-- encounter's charges with one index lookup instead of the patient's whole account.

CREATE INDEX charges_encounter ON charges (encounter_id);
