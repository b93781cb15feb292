-- Chartroom schema 2 (SQLite): users, sessions, API tokens, emergency grants and the audit log.
-- Users are never deleted (they are disabled), so nothing cascades. audit_log has no foreign
-- keys at all and triggers refuse every UPDATE and DELETE: the application can only append.
-- Booleans are INTEGER 0/1; instants are fixed-width UTC text, as in schema 1.

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    roles TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    totp_secret TEXT,
    totp_last_step INTEGER,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    last_activity TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    mfa_passed INTEGER NOT NULL DEFAULT 0,
    source TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    last_used_at TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE break_glass_grants (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    username TEXT NOT NULL,
    patient_id INTEGER NOT NULL REFERENCES patients (id),
    reason TEXT NOT NULL,
    granted_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX break_glass_grants_user_patient ON break_glass_grants (username, patient_id);
CREATE INDEX break_glass_grants_granted ON break_glass_grants (granted_at);

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    username TEXT NOT NULL,
    roles TEXT NOT NULL,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    channel TEXT NOT NULL,
    patient_id BIGINT,
    record_kind TEXT,
    record_id BIGINT,
    categories TEXT NOT NULL,
    source TEXT,
    client TEXT,
    reason TEXT,
    old_values TEXT,
    new_values TEXT,
    mac TEXT NOT NULL
);
CREATE INDEX audit_log_patient ON audit_log (patient_id, seq);
CREATE INDEX audit_log_user ON audit_log (username, seq);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused');
END;
