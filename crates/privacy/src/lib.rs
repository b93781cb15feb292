//! Chartroom's access policy, as pure functions over values: no IO, no clock, no SQL.
//!
//! - `roles`: the roles a user can hold, the permissions, and the one permission matrix.
//! - `category`: the categories of chart data and the permission each needs.
//! - `access`: access decisions and time-limited emergency ("break the glass") grants.
//! - `audit`: the audit-event model (who, role, when, patient, record, action, outcome, ...).
//! - `chain`: the keyed hash chain over audit entries and its verification.
//! - `password`: the password policy, argon2id hashing (the salt is an input), lockout and
//!   secret hashes.
//! - `totp`: one-time passwords for the second sign-in factor (the time is an input).
//!
//! Invariants:
//! - Which role may do what is written once, in `roles::MATRIX`; everything else asks it.
//! - Time and randomness are arguments, so every decision is reproducible in a test.
//! - An audit entry's MAC covers a canonical, length-prefixed encoding of every field, its
//!   sequence number and the previous entry's MAC, so any change, removal, reordering or
//!   insertion breaks the chain at a point `chain::verify` can name.

mod access;
mod audit;
mod audit_row;
mod category;
mod chain;
mod error;
mod password;
mod roles;
mod totp;

pub use access::{
    Access, BREAK_GLASS_DEFAULT_MINUTES, BREAK_GLASS_MAX_MINUTES, BREAK_GLASS_MIN_REASON, Basis,
    BreakGlassGrant, Decision, EMERGENCY_SET_CLINICAL, EmergencySet, EmergencyStaff, decide,
};
pub use audit::{Action, AuditEvent, Channel, Outcome};
pub use audit_row::{AUDIT_COLUMNS, audit_row};
pub use category::DataCategory;
pub use chain::{
    Anchor, AuditEntry, AuditKey, ChainWalk, GENESIS, Head, Mac, Tamper, Verified, read_anchors,
    seal, verify,
};
pub use error::{Error, Result};
pub use password::{
    ADDRESS_FAILURES_ALLOWED, ADDRESS_WINDOW_MINUTES, HashCost, LOCKOUT_AFTER, LOCKOUT_MINUTES,
    check_password_policy, hash_password, lockout_until, secret_hash, verify_password,
};
pub use roles::{MATRIX, MFA_ROLES_BY_DEFAULT, Permission, PermissionSet, Role, RoleSet};
pub use totp::{TOTP_ISSUER, totp_code, totp_matching_step, totp_secret, totp_uri};
