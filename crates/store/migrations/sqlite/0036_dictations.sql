-- Chartroom schema 36 (SQLite): dictations on their way to a signed note (crates/transcription)
-- and the text versions saved on the way. Records like the others, so every step (draft,
-- edit, transcribed, signed) is a version in their history. The audio itself is a file in
-- the data directory named by its SHA-256 (audio_sha256).

CREATE TABLE dictations (
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
    provider_id INTEGER NOT NULL REFERENCES providers(id),
    note_type TEXT NOT NULL,
    priority TEXT NOT NULL,
    status TEXT NOT NULL,
    audio_sha256 TEXT NOT NULL,
    audio_format TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    sample_rate INTEGER NOT NULL,
    dictated_at TEXT NOT NULL,
    draft_at TEXT,
    draft_problem TEXT,
    words TEXT NOT NULL,
    text TEXT NOT NULL,
    text_version INTEGER NOT NULL,
    transcriptionist TEXT,
    transcribed_at TEXT,
    signed_at TEXT,
    note_id INTEGER REFERENCES notes(id)
);
-- The queues: by status, then priority and age.
CREATE INDEX dictations_queue ON dictations (status, priority, dictated_at) WHERE deleted_at IS NULL;
CREATE INDEX dictations_patient ON dictations (patient_id);

CREATE TABLE dictation_texts (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    deleted_at TEXT,
    deleted_by TEXT,
    deleted_reason TEXT,
    dictation_id INTEGER NOT NULL REFERENCES dictations(id),
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    number INTEGER NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    saved_by TEXT NOT NULL,
    saved_at TEXT NOT NULL
);
CREATE UNIQUE INDEX dictation_texts_number ON dictation_texts (dictation_id, number);
CREATE INDEX dictation_texts_patient ON dictation_texts (patient_id);
