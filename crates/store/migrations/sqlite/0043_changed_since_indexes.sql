-- The population engine keeps in step with the store by reading the rows changed since its
-- last refresh (reports::sync). Without these, every refresh read each table whole: found by
-- the load generator (tools/load/run.sh), where population queries under writes took 10-22 s.
CREATE INDEX patients_updated_at ON patients (updated_at);
CREATE INDEX immunizations_updated_at ON immunizations (updated_at);
CREATE INDEX diagnoses_updated_at ON diagnoses (updated_at);
CREATE INDEX procedures_updated_at ON procedures (updated_at);
CREATE INDEX observations_updated_at ON observations (updated_at);
CREATE INDEX encounters_updated_at ON encounters (updated_at);
CREATE INDEX charges_updated_at ON charges (updated_at);
CREATE INDEX postings_updated_at ON postings (updated_at);
CREATE INDEX notes_updated_at ON notes (updated_at);
