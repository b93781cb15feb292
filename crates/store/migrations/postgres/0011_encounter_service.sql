-- Chartroom schema 11 (PostgreSQL): the hospital service responsible for an encounter
-- (medicine, surgery, ...), chosen when a visit is opened or changed in the browser.

ALTER TABLE encounters ADD COLUMN service TEXT;
