-- Chartroom schema 24 (SQLite): syndromic surveillance counts, kept in step with encounters.
-- A visit's row says what it added to the counts (day, ZIP3, age band, syndromes), so a
-- changed or deleted visit takes back exactly that; the counts are the daily totals by
-- syndrome ('all' is every visit, the denominator), ZIP3 and age band; the watermark says
-- what was counted, under which syndrome definitions.

CREATE TABLE syndromic_visits (
    encounter_id INTEGER PRIMARY KEY,
    day TEXT NOT NULL,
    zip3 TEXT NOT NULL,
    age_band TEXT NOT NULL,
    syndromes TEXT NOT NULL
);

CREATE TABLE syndromic_counts (
    syndrome TEXT NOT NULL,
    zip3 TEXT NOT NULL,
    day TEXT NOT NULL,
    age_band TEXT NOT NULL,
    visits INTEGER NOT NULL,
    PRIMARY KEY (syndrome, zip3, day, age_band)
);
CREATE INDEX syndromic_counts_day ON syndromic_counts (day);

CREATE TABLE syndromic_watermark (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    fingerprint TEXT NOT NULL,
    encounters INTEGER NOT NULL,
    diagnoses INTEGER NOT NULL,
    history INTEGER NOT NULL
);
