//! Users, sign-in sessions, API tokens and emergency ("break the glass") grants.
//!
//! Invariants:
//! - Usernames are stored lower-case and trimmed, so `Ann` and `ann` are one user.
//! - Only password hashes (argon2id PHC strings), session-id hashes and token hashes are
//!   stored; the secrets themselves never reach the database.
//! - Users are never deleted, only disabled, so nothing cascades into sessions, tokens,
//!   grants or the audit log.
//! - Nothing here touches `audit_log`; auditing is `audit.rs`, in the same transaction
//!   when the caller goes through `AuditTrail::write`.

use crate::Store;
use crate::conn::Conn;
use crate::error::{Error, Result};
use crate::value::{Row, Value};
use privacy::{BreakGlassGrant, PermissionSet, Role, RoleSet};
use records::PatientId;
use time::OffsetDateTime;

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Row id.
    pub id: i64,
    /// Sign-in name (lower case).
    pub username: String,
    /// Name shown to people.
    pub display_name: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Roles held.
    pub roles: RoleSet,
    /// A disabled user cannot sign in and their sessions and tokens stop working.
    pub disabled: bool,
    /// Failed sign-ins since the last success.
    pub failed_attempts: i64,
    /// Sign-in refused until then.
    pub locked_until: Option<OffsetDateTime>,
    /// TOTP secret (base32), once enrolled.
    pub totp_secret: Option<String>,
    /// The last TOTP time step accepted, so a code is never accepted twice.
    pub totp_last_step: Option<i64>,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Created by.
    pub created_by: String,
    /// Last changed.
    pub updated_at: OffsetDateTime,
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Sign-in name.
    pub username: String,
    /// Name shown to people.
    pub display_name: String,
    /// Argon2id PHC string (hash the password before calling).
    pub password_hash: String,
    /// Roles.
    pub roles: RoleSet,
}

/// A signed-in session (the cookie holds the id; only its hash is stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// SHA-256 of the session id, hex.
    pub id_hash: String,
    /// The user.
    pub user_id: i64,
    /// Signed in at.
    pub created_at: OffsetDateTime,
    /// Last request that counted as activity.
    pub last_activity: OffsetDateTime,
    /// Hard expiry.
    pub expires_at: OffsetDateTime,
    /// Whether the second factor was passed.
    pub mfa_passed: bool,
    /// Where the sign-in came from.
    pub source: Option<String>,
}

/// An API token (the program holds the secret; only its hash is stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    /// Row id.
    pub id: i64,
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    /// Owner.
    pub user_id: i64,
    /// What the token is for.
    pub name: String,
    /// Permissions the token may use (never more than its owner's roles give).
    pub scopes: PermissionSet,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Stops working then.
    pub expires_at: OffsetDateTime,
    /// Revoked then.
    pub revoked_at: Option<OffsetDateTime>,
}

/// A stored emergency grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredGrant {
    /// Row id.
    pub id: i64,
    /// The grant.
    pub grant: BreakGlassGrant,
    /// The privacy officer's review, once written.
    pub review: Option<GrantReview>,
}

/// A privacy officer's review of one emergency access (schema 21).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantReview {
    /// When.
    pub reviewed_at: OffsetDateTime,
    /// Who.
    pub reviewed_by: String,
    /// What they found.
    pub note: String,
}

/// Normalizes a username: trimmed, lower case.
pub fn normalize_username(username: &str) -> String {
    username.trim().to_lowercase()
}

/// Checks a username's form: 1 to 64 of `a-z 0-9 . _ -`, starting with a letter or digit.
pub fn check_username(username: &str) -> Result<String> {
    let name = normalize_username(username);
    let valid_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    let starts_well = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    if name.is_empty() || name.len() > 64 || !valid_chars || !starts_well {
        return Err(Error::Conflict(format!(
            "username \"{}\": use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit",
            username.trim()
        )));
    }
    Ok(name)
}

fn as_bool(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::Int(n) => *n != 0,
        _ => false,
    }
}

fn instant(row: &Row, idx: usize, what: &'static str, id: i64) -> Result<OffsetDateTime> {
    row.get(idx).as_instant().ok_or_else(|| Error::Corrupt {
        kind: what,
        id,
        message: format!("column {idx} is not an instant"),
    })
}

fn text(row: &Row, idx: usize) -> String {
    row.text(idx).unwrap_or_default().to_owned()
}

const USER_COLUMNS: &str = "id, username, display_name, password_hash, roles, disabled, failed_attempts, locked_until, totp_secret, totp_last_step, created_at, created_by, updated_at";

fn read_user(row: &Row) -> Result<User> {
    let id = row.int(0);
    let roles =
        RoleSet::parse_list(row.text(4).unwrap_or_default()).map_err(|e| Error::Corrupt {
            kind: "user",
            id,
            message: e.to_string(),
        })?;
    Ok(User {
        id,
        username: text(row, 1),
        display_name: text(row, 2),
        password_hash: text(row, 3),
        roles,
        disabled: as_bool(row.get(5)),
        failed_attempts: row.int(6),
        locked_until: row.get(7).as_instant(),
        totp_secret: row.text(8).map(str::to_owned),
        totp_last_step: row.get(9).as_int(),
        created_at: instant(row, 10, "user", id)?,
        created_by: text(row, 11),
        updated_at: instant(row, 12, "user", id)?,
    })
}

const SESSION_COLUMNS: &str =
    "id_hash, user_id, created_at, last_activity, expires_at, mfa_passed, source";

fn read_session(row: &Row) -> Result<SessionRecord> {
    let user_id = row.int(1);
    Ok(SessionRecord {
        id_hash: text(row, 0),
        user_id,
        created_at: instant(row, 2, "session", user_id)?,
        last_activity: instant(row, 3, "session", user_id)?,
        expires_at: instant(row, 4, "session", user_id)?,
        mfa_passed: as_bool(row.get(5)),
        source: row.text(6).map(str::to_owned),
    })
}

const TOKEN_COLUMNS: &str =
    "id, token_hash, user_id, name, scopes, created_at, expires_at, revoked_at";

fn read_token(row: &Row) -> Result<ApiToken> {
    let id = row.int(0);
    let scopes = row
        .text(4)
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
        .map(privacy::Permission::from_name)
        .collect::<privacy::Result<PermissionSet>>()
        .map_err(|e| Error::Corrupt {
            kind: "api token",
            id,
            message: e.to_string(),
        })?;
    Ok(ApiToken {
        id,
        token_hash: text(row, 1),
        user_id: row.int(2),
        name: text(row, 3),
        scopes,
        created_at: instant(row, 5, "api token", id)?,
        expires_at: instant(row, 6, "api token", id)?,
        revoked_at: row.get(7).as_instant(),
    })
}

const GRANT_COLUMNS: &str = "id, username, patient_id, reason, granted_at, expires_at, reviewed_at, reviewed_by, review_note";

fn read_grant(row: &Row) -> Result<StoredGrant> {
    let id = row.int(0);
    let review = row.get(6).as_instant().map(|reviewed_at| GrantReview {
        reviewed_at,
        reviewed_by: text(row, 7),
        note: text(row, 8),
    });
    Ok(StoredGrant {
        review,
        id,
        grant: BreakGlassGrant {
            username: text(row, 1),
            patient_id: PatientId(row.int(2)),
            reason: text(row, 3),
            granted_at: instant(row, 4, "break-glass grant", id)?,
            expires_at: instant(row, 5, "break-glass grant", id)?,
        },
    })
}

/// Security data inside one transaction.
pub struct Security<'a> {
    conn: &'a mut dyn Conn,
    now: OffsetDateTime,
}

impl Store {
    /// Runs `f` on users, sessions, tokens and grants in one transaction.
    pub fn security<T>(&self, f: impl FnOnce(&mut Security<'_>) -> Result<T>) -> Result<T> {
        let now = self.clock().now();
        self.with_conn(|conn| f(&mut Security::new(conn, now)))
    }
}

impl<'a> Security<'a> {
    pub(crate) fn new(conn: &'a mut dyn Conn, now: OffsetDateTime) -> Self {
        Self { conn, now }
    }

    /// The transaction's clock reading.
    pub fn now(&self) -> OffsetDateTime {
        self.now
    }

    /// The row `sql` finds, read by `read`, if there is one.
    fn optional<T>(
        &mut self,
        sql: &str,
        params: &[Value],
        read: fn(&Row) -> Result<T>,
    ) -> Result<Option<T>> {
        self.conn
            .query_one(sql, params)?
            .map(|row| read(&row))
            .transpose()
    }

    /// The row an `INSERT ... RETURNING` into `table` wrote, read by `read`.
    fn inserted<T>(
        &mut self,
        table: &str,
        sql: &str,
        params: &[Value],
        read: fn(&Row) -> Result<T>,
    ) -> Result<T> {
        self.optional(sql, params, read)?
            .ok_or_else(|| Error::Database(format!("insert into {table} returned no row")))
    }

    /// Creates a user; refuses a username that is taken (in any letter case).
    pub fn create_user(&mut self, new: &NewUser, created_by: &str) -> Result<User> {
        let username = check_username(&new.username)?;
        if self.user(&username)?.is_some() {
            return Err(Error::Conflict(format!(
                "user \"{username}\" already exists"
            )));
        }
        let display_name = match new.display_name.trim() {
            "" => username.clone(),
            name => name.to_owned(),
        };
        let sql = format!(
            "INSERT INTO users (username, display_name, password_hash, roles, disabled, failed_attempts, created_at, created_by, updated_at) \
             VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?) RETURNING {USER_COLUMNS}"
        );
        self.inserted(
            "users",
            &sql,
            &[
                Value::from(username.as_str()),
                Value::from(display_name),
                Value::from(new.password_hash.as_str()),
                Value::from(new.roles.to_list()),
                Value::Bool(false),
                Value::Timestamp(self.now),
                Value::from(created_by),
                Value::Timestamp(self.now),
            ],
            read_user,
        )
    }

    /// The user with this username (any letter case), if any.
    pub fn user(&mut self, username: &str) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE username = ?");
        self.optional(
            &sql,
            &[Value::from(normalize_username(username))],
            read_user,
        )
    }

    /// The user with this row id, if any.
    pub fn user_by_id(&mut self, id: i64) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?");
        self.optional(&sql, &[Value::Int(id)], read_user)
    }

    /// The user, or an error naming the username.
    pub fn existing_user(&mut self, username: &str) -> Result<User> {
        self.user(username)?.ok_or_else(|| {
            Error::Conflict(format!(
                "no user is named \"{}\"",
                normalize_username(username)
            ))
        })
    }

    /// Every user, by username.
    pub fn users(&mut self) -> Result<Vec<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY username");
        self.conn.query(&sql, &[])?.iter().map(read_user).collect()
    }

    /// Disables or re-enables a user; disabling also ends their sessions and revokes their
    /// tokens, so it takes effect at once. The last active administrator cannot be
    /// disabled. Returns the user as it was before.
    pub fn set_disabled(&mut self, username: &str, disabled: bool) -> Result<User> {
        let before = self.existing_user(username)?;
        if disabled {
            self.keep_an_administrator(&before, &before.roles, true)?;
        }
        self.conn.execute(
            "UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?",
            &[
                Value::Bool(disabled),
                Value::Timestamp(self.now),
                Value::Int(before.id),
            ],
        )?;
        if disabled {
            self.revoke_access(before.id)?;
        }
        Ok(before)
    }

    /// Replaces a user's roles and ends their sessions (they sign in again under the new
    /// roles); removing a role revokes their tokens too, since a token made under the old
    /// roles should not outlive the decision to take one away. The last active
    /// administrator keeps the administrator role. Returns the user as it was before.
    pub fn set_roles(&mut self, username: &str, roles: &RoleSet) -> Result<User> {
        let before = self.existing_user(username)?;
        self.keep_an_administrator(&before, roles, before.disabled)?;
        self.conn.execute(
            "UPDATE users SET roles = ?, updated_at = ? WHERE id = ?",
            &[
                Value::from(roles.to_list()),
                Value::Timestamp(self.now),
                Value::Int(before.id),
            ],
        )?;
        if before.roles.iter().any(|role| !roles.contains(role)) {
            self.revoke_access(before.id)?;
        } else {
            self.end_user_sessions(before.id)?;
        }
        Ok(before)
    }

    /// Replaces a user's password hash, clears the lockout, and ends their sessions and
    /// revokes their tokens (whoever knew the old password may hold either). Returns the
    /// user as it was before.
    pub fn reset_password(&mut self, username: &str, password_hash: &str) -> Result<User> {
        let before = self.existing_user(username)?;
        self.conn.execute(
            "UPDATE users SET password_hash = ?, failed_attempts = 0, locked_until = NULL, updated_at = ? WHERE id = ?",
            &[
                Value::from(password_hash),
                Value::Timestamp(self.now),
                Value::Int(before.id),
            ],
        )?;
        self.revoke_access(before.id)?;
        Ok(before)
    }

    /// Removes a user's authenticator (a lost phone), ends their sessions and revokes their
    /// tokens; they enrol a new one at next sign-in. Returns the user as it was before.
    pub fn reset_mfa(&mut self, username: &str) -> Result<User> {
        let before = self.existing_user(username)?;
        self.set_totp_secret(before.id, None)?;
        self.revoke_access(before.id)?;
        Ok(before)
    }

    /// Ends every session of a user and revokes every live token, in this transaction.
    fn revoke_access(&mut self, user_id: i64) -> Result<()> {
        self.end_user_sessions(user_id)?;
        self.conn.execute(
            "UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
            &[Value::Timestamp(self.now), Value::Int(user_id)],
        )?;
        Ok(())
    }

    /// Refuses a change that would leave no active administrator: with none, nobody could
    /// manage accounts or undo the change from the web or the API.
    fn keep_an_administrator(
        &mut self,
        user: &User,
        roles: &RoleSet,
        disabled: bool,
    ) -> Result<()> {
        let admin =
            |roles: &RoleSet, disabled: bool| !disabled && roles.contains(Role::Administrator);
        if !admin(&user.roles, user.disabled) || admin(roles, disabled) {
            return Ok(());
        }
        let others = self
            .users()?
            .iter()
            .filter(|other| other.id != user.id && admin(&other.roles, other.disabled))
            .count();
        if others == 0 {
            return Err(Error::Conflict(format!(
                "{} is the only active administrator, so they must stay an enabled administrator; make another user an administrator first",
                user.username
            )));
        }
        Ok(())
    }

    /// Counts a failed sign-in and locks the account until `locked_until` when given.
    /// Returns the new count of failures.
    pub fn record_failed_login(
        &mut self,
        user_id: i64,
        locked_until: Option<OffsetDateTime>,
    ) -> Result<i64> {
        let row = self.conn.query_one(
            "UPDATE users SET failed_attempts = failed_attempts + 1, locked_until = COALESCE(?, locked_until), updated_at = ? WHERE id = ? RETURNING failed_attempts",
            &[
                Value::from(locked_until),
                Value::Timestamp(self.now),
                Value::Int(user_id),
            ],
        )?;
        row.map(|r| r.int(0)).ok_or(Error::NotFound {
            kind: "user",
            id: user_id,
        })
    }

    /// Clears the failure count after a successful sign-in.
    pub fn record_successful_login(&mut self, user_id: i64) -> Result<()> {
        self.conn.execute(
            "UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE id = ?",
            &[Value::Int(user_id)],
        )?;
        Ok(())
    }

    /// Enrols (or with `None` removes) a TOTP secret.
    pub fn set_totp_secret(&mut self, user_id: i64, secret: Option<&str>) -> Result<()> {
        self.conn.execute(
            "UPDATE users SET totp_secret = ?, totp_last_step = NULL, updated_at = ? WHERE id = ?",
            &[
                Value::from(secret),
                Value::Timestamp(self.now),
                Value::Int(user_id),
            ],
        )?;
        Ok(())
    }

    /// Every user with an authenticator secret, as `(user id, stored text)`.
    pub fn totp_secrets(&mut self) -> Result<Vec<(i64, String)>> {
        let rows = self.conn.query(
            "SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL ORDER BY id",
            &[],
        )?;
        Ok(rows.iter().map(|row| (row.int(0), text(row, 1))).collect())
    }

    /// Replaces the stored form of a user's authenticator secret (the same secret, newly
    /// encrypted), keeping the last step used so no code works twice.
    pub fn reseal_totp_secret(&mut self, user_id: i64, stored: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE users SET totp_secret = ? WHERE id = ?",
            &[Value::from(stored), Value::Int(user_id)],
        )?;
        Ok(())
    }

    /// Records the TOTP step just accepted; refuses (returns false) a step at or before the
    /// last one accepted, so each code works once.
    pub fn accept_totp_step(&mut self, user_id: i64, step: i64) -> Result<bool> {
        let changed = self.conn.execute(
            "UPDATE users SET totp_last_step = ? WHERE id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)",
            &[Value::Int(step), Value::Int(user_id), Value::Int(step)],
        )?;
        Ok(changed == 1)
    }

    /// Stores a new session.
    pub fn create_session(&mut self, session: &SessionRecord) -> Result<()> {
        self.conn.execute(
            &format!("INSERT INTO sessions ({SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"),
            &[
                Value::from(session.id_hash.as_str()),
                Value::Int(session.user_id),
                Value::Timestamp(session.created_at),
                Value::Timestamp(session.last_activity),
                Value::Timestamp(session.expires_at),
                Value::Bool(session.mfa_passed),
                Value::from(session.source.clone()),
            ],
        )?;
        Ok(())
    }

    /// The session with this id hash, if any.
    pub fn session(&mut self, id_hash: &str) -> Result<Option<SessionRecord>> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id_hash = ?");
        self.optional(&sql, &[Value::from(id_hash)], read_session)
    }

    /// Records activity on a session (not called for background polling).
    pub fn touch_session(&mut self, id_hash: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE sessions SET last_activity = ? WHERE id_hash = ?",
            &[Value::Timestamp(self.now), Value::from(id_hash)],
        )?;
        Ok(())
    }

    /// Marks the second factor passed.
    pub fn pass_session_mfa(&mut self, id_hash: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE sessions SET mfa_passed = ? WHERE id_hash = ?",
            &[Value::Bool(true), Value::from(id_hash)],
        )?;
        Ok(())
    }

    /// Ends one session (sign-out, idle time-out).
    pub fn end_session(&mut self, id_hash: &str) -> Result<bool> {
        Ok(self.conn.execute(
            "DELETE FROM sessions WHERE id_hash = ?",
            &[Value::from(id_hash)],
        )? == 1)
    }

    /// Ends every session of a user; returns how many.
    pub fn end_user_sessions(&mut self, user_id: i64) -> Result<u64> {
        self.conn.execute(
            "DELETE FROM sessions WHERE user_id = ?",
            &[Value::Int(user_id)],
        )
    }

    /// Stores a new API token.
    pub fn create_token(
        &mut self,
        token_hash: &str,
        user_id: i64,
        name: &str,
        scopes: PermissionSet,
        expires_at: OffsetDateTime,
    ) -> Result<ApiToken> {
        let scopes_text = scopes
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!(
            "INSERT INTO api_tokens (token_hash, user_id, name, scopes, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING {TOKEN_COLUMNS}"
        );
        self.inserted(
            "api_tokens",
            &sql,
            &[
                Value::from(token_hash),
                Value::Int(user_id),
                Value::from(name),
                Value::from(scopes_text),
                Value::Timestamp(self.now),
                Value::Timestamp(expires_at),
            ],
            read_token,
        )
    }

    /// The token with this hash, if any (revoked and expired ones too: the caller decides).
    pub fn token(&mut self, token_hash: &str) -> Result<Option<ApiToken>> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = ?");
        self.optional(&sql, &[Value::from(token_hash)], read_token)
    }

    /// Revokes a token; returns whether it was live.
    pub fn revoke_token(&mut self, id: i64) -> Result<bool> {
        Ok(self.conn.execute(
            "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            &[Value::Timestamp(self.now), Value::Int(id)],
        )? == 1)
    }

    /// A user's tokens, newest first (revoked and expired ones too).
    pub fn user_tokens(&mut self, user_id: i64) -> Result<Vec<ApiToken>> {
        let sql =
            format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = ? ORDER BY id DESC");
        self.conn
            .query(&sql, &[Value::Int(user_id)])?
            .iter()
            .map(read_token)
            .collect()
    }

    /// The token with this id, if any.
    pub fn token_by_id(&mut self, id: i64) -> Result<Option<ApiToken>> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = ?");
        self.optional(&sql, &[Value::Int(id)], read_token)
    }

    /// Stores an emergency grant for user `user_id`.
    pub fn create_grant(&mut self, user_id: i64, grant: &BreakGlassGrant) -> Result<StoredGrant> {
        let sql = format!(
            "INSERT INTO break_glass_grants (user_id, username, patient_id, reason, granted_at, expires_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING {GRANT_COLUMNS}"
        );
        self.inserted(
            "break_glass_grants",
            &sql,
            &[
                Value::Int(user_id),
                Value::from(grant.username.as_str()),
                Value::Int(grant.patient_id.0),
                Value::from(grant.reason.as_str()),
                Value::Timestamp(grant.granted_at),
                Value::Timestamp(grant.expires_at),
            ],
            read_grant,
        )
    }

    /// The user's grants on a patient that have not expired yet.
    pub fn live_grants(
        &mut self,
        username: &str,
        patient_id: PatientId,
    ) -> Result<Vec<BreakGlassGrant>> {
        let sql = format!(
            "SELECT {GRANT_COLUMNS} FROM break_glass_grants WHERE username = ? AND patient_id = ? AND expires_at > ? ORDER BY id"
        );
        self.conn
            .query(
                &sql,
                &[
                    Value::from(normalize_username(username)),
                    Value::Int(patient_id.0),
                    Value::Timestamp(self.now),
                ],
            )?
            .iter()
            .map(|row| read_grant(row).map(|g| g.grant))
            .collect()
    }

    /// Grants not reviewed yet, however old, oldest first (the privacy officer's queue).
    pub fn unreviewed_grants(&mut self) -> Result<Vec<StoredGrant>> {
        let sql = format!(
            "SELECT {GRANT_COLUMNS} FROM break_glass_grants WHERE reviewed_at IS NULL ORDER BY granted_at, id"
        );
        self.conn.query(&sql, &[])?.iter().map(read_grant).collect()
    }

    /// Marks grant `id` reviewed by `reviewer` with `note` (required), once: a second
    /// review is a conflict naming the first. Returns the grant before and after.
    pub fn review_grant(
        &mut self,
        id: i64,
        reviewer: &str,
        note: &str,
    ) -> Result<(StoredGrant, StoredGrant)> {
        let note = note.trim();
        if note.is_empty() {
            return Err(Error::Invalid {
                kind: "break_glass_grant",
                errors: records::ValidationErrors(vec![records::FieldError {
                    path: "note".into(),
                    message: "is required: say what the review found".into(),
                }]),
            });
        }
        let sql = format!("SELECT {GRANT_COLUMNS} FROM break_glass_grants WHERE id = ?");
        let before =
            self.optional(&sql, &[Value::Int(id)], read_grant)?
                .ok_or(Error::NotFound {
                    kind: "break_glass_grant",
                    id,
                })?;
        if let Some(review) = &before.review {
            return Err(Error::Conflict(format!(
                "emergency access {id} was already reviewed by {} ({})",
                review.reviewed_by, review.note
            )));
        }
        self.conn.execute(
            "UPDATE break_glass_grants SET reviewed_at = ?, reviewed_by = ?, review_note = ? WHERE id = ? AND reviewed_at IS NULL",
            &[
                Value::Timestamp(self.now),
                Value::from(reviewer),
                Value::from(note),
                Value::Int(id),
            ],
        )?;
        let after = StoredGrant {
            review: Some(GrantReview {
                reviewed_at: self.now,
                reviewed_by: reviewer.to_owned(),
                note: note.to_owned(),
            }),
            ..before.clone()
        };
        Ok((before, after))
    }

    /// Grants made since `since`, newest first (the privacy officer's review list).
    pub fn grants_since(&mut self, since: OffsetDateTime) -> Result<Vec<StoredGrant>> {
        let sql = format!(
            "SELECT {GRANT_COLUMNS} FROM break_glass_grants WHERE granted_at >= ? ORDER BY granted_at DESC, id DESC"
        );
        self.conn
            .query(&sql, &[Value::Timestamp(since)])?
            .iter()
            .map(read_grant)
            .collect()
    }
}
