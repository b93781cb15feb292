//! The password policy and argon2id password hashes (PHC strings).
//!
//! Invariants:
//! - No password is accepted that is shorter than `MIN_LENGTH` characters, made of one
//!   character class only, or equal to (or containing) the username.
//! - Hashes are argon2id; production cost is the OWASP minimum (19 MiB, 2 passes, 1 lane).
//!   Verification reads the cost from the stored string, so cheap test hashes and
//!   production hashes both verify.
//! - The salt is an argument (16 random bytes from the caller's OS RNG): this crate does
//!   no IO.

use crate::error::{Error, Result};
use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};

/// The shortest password accepted, in characters.
pub const MIN_LENGTH: usize = 12;

/// How expensive a new hash is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashCost {
    /// OWASP minimum for argon2id: m = 19 MiB, t = 2, p = 1.
    Production,
    /// The cheapest argon2id parameters, for test suites only.
    Test,
}

impl HashCost {
    fn params(self) -> Result<Params> {
        let (m, t, p) = match self {
            Self::Production => (
                Params::DEFAULT_M_COST,
                Params::DEFAULT_T_COST,
                Params::DEFAULT_P_COST,
            ),
            Self::Test => (Params::MIN_M_COST, Params::MIN_T_COST, Params::MIN_P_COST),
        };
        Params::new(m, t, p, None).map_err(|e| Error::PasswordHash(e.to_string()))
    }
}

/// Checks a new password against the policy; the message says what to change.
pub fn check_password_policy(username: &str, password: &str) -> Result<()> {
    let n_chars = password.chars().count();
    if n_chars < MIN_LENGTH {
        return Err(Error::WeakPassword(format!(
            "must be at least {MIN_LENGTH} characters long, this one has {n_chars}"
        )));
    }
    let classes = [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_numeric()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ];
    if classes.iter().filter(|present| **present).count() < 2 {
        return Err(Error::WeakPassword(
            "must mix at least two kinds of character (lower case, upper case, digits, others)"
                .into(),
        ));
    }
    let name = username.trim().to_lowercase();
    if !name.is_empty() && password.to_lowercase().contains(&name) {
        return Err(Error::WeakPassword("must not contain the username".into()));
    }
    Ok(())
}

/// The argon2id PHC string of `password` with `salt` at `cost`.
pub fn hash_password(password: &str, salt: &[u8; 16], cost: HashCost) -> Result<String> {
    let hasher = Argon2::new(Algorithm::Argon2id, Version::V0x13, cost.params()?);
    hasher
        .hash_password_with_salt(password.as_bytes(), salt)
        .map(|hash| hash.to_string())
        .map_err(|e| Error::PasswordHash(e.to_string()))
}

/// Whether `password` matches the stored PHC string (constant-time comparison).
pub fn verify_password(password: &str, phc: &str) -> Result<bool> {
    match Argon2::default().verify_password(password.as_bytes(), phc) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::PasswordInvalid) => Ok(false),
        Err(e) => Err(Error::PasswordHash(e.to_string())),
    }
}

#[cfg(test)]
mod tests;

/// Consecutive failed sign-ins after which an account is locked.
pub const LOCKOUT_AFTER: i64 = 5;
/// How long the first lockout lasts; each further failure doubles it, up to 64 times.
pub const LOCKOUT_MINUTES: i64 = 15;

/// Failed sign-ins from one address, over every username, within
/// `ADDRESS_WINDOW_MINUTES`, after which that address may not try again until the window
/// moves on: password spraying (one common password against many accounts) never trips
/// the per-account lockout.
pub const ADDRESS_FAILURES_ALLOWED: i64 = 20;
/// The window of `ADDRESS_FAILURES_ALLOWED`.
pub const ADDRESS_WINDOW_MINUTES: i64 = 15;

/// When an account with `failures` consecutive failed sign-ins (this one included) may
/// next sign in, or `None` while it is under the threshold.
pub fn lockout_until(failures: i64, now: time::OffsetDateTime) -> Option<time::OffsetDateTime> {
    if failures < LOCKOUT_AFTER {
        return None;
    }
    let doublings = (failures - LOCKOUT_AFTER).clamp(0, 6) as u32;
    Some(now + time::Duration::minutes(LOCKOUT_MINUTES * (1_i64 << doublings)))
}

/// The SHA-256 of a session id or API token, hex: what the database keeps instead of the
/// secret, so a copy of the database cannot be used to sign in.
pub fn secret_hash(secret: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(secret.as_bytes()))
}
