//! Time-based one-time passwords (RFC 6238): 6 digits, 30-second steps, SHA-1 (what
//! authenticator apps support), one step of clock skew either way.
//!
//! Invariants:
//! - The secret and the time are arguments; `matching_step` returns the step a code
//!   matched, and the caller stores it so a code is never accepted twice (RFC 6238 §5.2).
//! - Secrets are 20 bytes (160 bits, the RFC's recommendation), kept as base32 text.

use crate::error::{Error, Result};
use time::OffsetDateTime;
use totp_rs::{Builder, Secret, Totp};

/// The issuer shown in authenticator apps.
pub const TOTP_ISSUER: &str = "Chartroom";

fn totp(secret_base32: &str, account: &str) -> Result<Totp> {
    let secret = Secret::try_from_base32(secret_base32)
        .map_err(|e| Error::Totp(format!("the stored secret is not base32: {e}")))?;
    Builder::new()
        .with_secret(secret)
        .with_skew(1)
        .with_issuer(Some(TOTP_ISSUER))
        .with_account_name(account)
        .build()
        .map_err(|e| Error::Totp(e.to_string()))
}

/// The base32 text of a new secret made from 20 random bytes.
pub fn totp_secret(random: [u8; 20]) -> String {
    Secret::from(random).to_base32()
}

/// The `otpauth://` URI an authenticator app enrols from (as a QR code or typed).
pub fn totp_uri(secret_base32: &str, username: &str) -> Result<String> {
    totp(secret_base32, username)?
        .to_url()
        .map_err(|e| Error::Totp(e.to_string()))
}

/// The time step `code` is valid for at `now` (±1 step), if any.
pub fn totp_matching_step(
    secret_base32: &str,
    code: &str,
    now: OffsetDateTime,
) -> Result<Option<i64>> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Ok(None);
    }
    let Ok(seconds) = u64::try_from(now.unix_timestamp()) else {
        return Ok(None);
    };
    let step = totp(secret_base32, "user")?.check(&code, seconds);
    Ok(step.and_then(|s| i64::try_from(s).ok()))
}

/// The code for `now` (tests and enrolment checks).
pub fn totp_code(secret_base32: &str, now: OffsetDateTime) -> Result<String> {
    let seconds = u64::try_from(now.unix_timestamp())
        .map_err(|_| Error::Totp("the time is before 1970".into()))?;
    Ok(totp(secret_base32, "user")?.generate(seconds).to_string())
}

#[cfg(test)]
mod tests;
