-- Chartroom schema 7 (PostgreSQL): the patients' name keys become ordinary columns that
-- the store writes with each patient (`store::fold_name`, in Rust), instead of generated
-- columns computed with two hundred nested replace() calls on every insert and update.
-- DROP EXPRESSION keeps the values already stored.
-- The name-key indexes, and a new one on sex and birth date, cover current records only
-- (deleted_at IS NULL, as every record search asks).

ALTER TABLE patients ALTER COLUMN family_key DROP EXPRESSION;
ALTER TABLE patients ALTER COLUMN given_key DROP EXPRESSION;

DROP INDEX patients_family_key;
DROP INDEX patients_given_key;
CREATE INDEX patients_family_key ON patients (family_key, given_key) WHERE deleted_at IS NULL;
CREATE INDEX patients_given_key ON patients (given_key) WHERE deleted_at IS NULL;
CREATE INDEX patients_sex_birth_date ON patients (sex, birth_date) WHERE deleted_at IS NULL;
