-- Chartroom schema 12 (SQLite): the review metrics counted from indexes alone. The work
-- queue's index (status, due_at) now also carries every column the metrics group and
-- compare (deleted_at too, so SQLite knows the index covers the query), and inpatient
-- discharges are found by date (the delinquency rate's denominator).

DROP INDEX deficiencies_queue;
CREATE INDEX deficiencies_queue ON deficiencies (status, due_at, provider_id, since, patient_id, encounter_id, deleted_at) WHERE deleted_at IS NULL;
CREATE INDEX encounters_discharges ON encounters (class, discharge_at) WHERE deleted_at IS NULL;
