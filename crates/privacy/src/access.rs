//! Access decisions: may this user, with these roles and emergency grants, read or write
//! this category of this patient's chart now?
//!
//! Invariants:
//! - Roles are asked through the matrix only; a break-the-glass grant adds read access to
//!   one patient's chart until it expires, never write access and never other patients.
//! - A grant needs the `BreakGlass` permission, a stated reason and a bounded duration.
//! - `now` is an argument: expiry is decided by the caller's clock.

use crate::category::DataCategory;
use crate::error::{Error, Result};
use crate::roles::{Permission, Role, RoleSet};
use records::PatientId;
use time::{Duration, OffsetDateTime};

/// Shortest reason accepted for emergency access, in characters; long enough that the
/// privacy officer reading the review list learns something.
pub const BREAK_GLASS_MIN_REASON: usize = 10;
/// Emergency access lasts this long unless the user asks for less.
pub const BREAK_GLASS_DEFAULT_MINUTES: i64 = 60;
/// The longest emergency access one grant gives; after that the user states a reason again.
pub const BREAK_GLASS_MAX_MINUTES: i64 = 8 * 60;

/// Reading or writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read.
    Read,
    /// Create, change or delete.
    Write,
}

/// Why an access was allowed (audited with the access).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Basis {
    /// One of the user's roles grants it.
    Role(Role),
    /// An emergency grant covers it.
    BreakGlass,
}

/// The answer to an access question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Allowed, and on what basis.
    Allowed(Basis),
    /// Denied: this permission is missing (and no live grant covers the chart).
    Denied {
        /// The permission that would have allowed it.
        needs: Permission,
    },
}

impl Decision {
    /// Whether the access may go ahead.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Self::Allowed(_))
    }
}

/// Time-limited emergency read access to one patient's chart, for a stated reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakGlassGrant {
    /// The user it was granted to.
    pub username: String,
    /// The chart it opens.
    pub patient_id: PatientId,
    /// Why, in the user's words.
    pub reason: String,
    /// When it was granted.
    pub granted_at: OffsetDateTime,
    /// When it stops working.
    pub expires_at: OffsetDateTime,
}

impl BreakGlassGrant {
    /// Grants emergency access if the policy allows: the user holds `BreakGlass`, gives a
    /// reason of at least `BREAK_GLASS_MIN_REASON` characters, and asks for at most
    /// `BREAK_GLASS_MAX_MINUTES`.
    pub fn request(
        username: &str,
        roles: &RoleSet,
        patient_id: PatientId,
        reason: &str,
        now: OffsetDateTime,
        minutes: i64,
    ) -> Result<Self> {
        if !roles.allows(Permission::BreakGlass) {
            return Err(Error::BreakGlass(format!(
                "{username} has no role that may break the glass (roles: {})",
                if roles.is_empty() {
                    "none".into()
                } else {
                    roles.to_list()
                }
            )));
        }
        let reason = reason.trim();
        if reason.chars().count() < BREAK_GLASS_MIN_REASON {
            return Err(Error::BreakGlass(format!(
                "a reason of at least {BREAK_GLASS_MIN_REASON} characters is required"
            )));
        }
        if !(1..=BREAK_GLASS_MAX_MINUTES).contains(&minutes) {
            return Err(Error::BreakGlass(format!(
                "access lasts 1 to {BREAK_GLASS_MAX_MINUTES} minutes, not {minutes}"
            )));
        }
        Ok(Self {
            username: username.to_owned(),
            patient_id,
            reason: reason.to_owned(),
            granted_at: now,
            expires_at: now + Duration::minutes(minutes),
        })
    }

    /// Whether the grant opens `patient_id` for `username` at `now`.
    pub fn covers(&self, username: &str, patient_id: PatientId, now: OffsetDateTime) -> bool {
        self.username == username
            && self.patient_id == patient_id
            && self.granted_at <= now
            && now < self.expires_at
    }
}

/// Who may break the glass: the users and roles a facility names (`serve
/// --break-glass-users`, `--break-glass-roles`), and only within roles holding
/// `BreakGlass`. Nobody by default: holding a physician's role is not enough, since
/// emergency access is for the staff a facility chooses for it (its emergency department,
/// its on-call physicians), not for every physician on staff.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmergencyStaff {
    users: Vec<String>,
    roles: RoleSet,
}

impl EmergencyStaff {
    /// The named users (already normalised usernames) and every holder of `roles`.
    pub fn new(users: Vec<String>, roles: RoleSet) -> Self {
        Self { users, roles }
    }

    /// Whether `username`, holding `roles`, may ask for emergency access.
    pub fn allows(&self, username: &str, roles: &RoleSet) -> bool {
        roles.allows(Permission::BreakGlass)
            && (self.users.iter().any(|u| u == username) || roles.any_of(&self.roles))
    }

    /// Why `username` may not (for the refusal and its audit entry), or `None` when they may.
    pub fn refusal(&self, username: &str, roles: &RoleSet) -> Option<String> {
        if self.allows(username, roles) {
            return None;
        }
        if !roles.allows(Permission::BreakGlass) {
            return Some(format!(
                "{username} has no role that may break the glass (roles: {})",
                if roles.is_empty() {
                    "none".into()
                } else {
                    roles.to_list()
                }
            ));
        }
        Some(if self.users.is_empty() && self.roles.is_empty() {
            format!(
                "{username} is not among the users this facility lets break the glass (no one is named: serve --break-glass-users or --break-glass-roles)"
            )
        } else {
            format!("{username} is not among the users this facility lets break the glass")
        })
    }
}

/// What an emergency grant opens: the categories of the chart a facility lets a
/// break-the-glass read show (`serve --emergency-set`). By default every category, since
/// the roles that may break the glass lack only insurance and billing; a facility narrows
/// it (`clinical`: demographics and the clinical record, never insurance or billing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmergencySet(Vec<DataCategory>);

/// The `clinical` emergency set: what an emergency needs, never insurance or billing.
pub const EMERGENCY_SET_CLINICAL: &[DataCategory] = &[
    DataCategory::Demographics,
    DataCategory::Encounters,
    DataCategory::Diagnoses,
    DataCategory::Procedures,
    DataCategory::Immunizations,
    DataCategory::Results,
    DataCategory::Medications,
    DataCategory::Allergies,
    DataCategory::Problems,
    DataCategory::Notes,
];

impl Default for EmergencySet {
    fn default() -> Self {
        Self::of(DataCategory::ALL)
    }
}

impl EmergencySet {
    /// The set of these categories (sorted, without repeats).
    pub fn of(categories: &[DataCategory]) -> Self {
        let mut categories = categories.to_vec();
        categories.sort();
        categories.dedup();
        Self(categories)
    }

    /// Reads a setting: `all` (the default), `clinical`, or categories separated by
    /// commas (`demographics,allergies,medications`); an unknown name is an error naming it.
    pub fn parse(text: &str) -> Result<Self> {
        match text.trim() {
            "" | "all" | "default" => return Ok(Self::default()),
            "clinical" => return Ok(Self::of(EMERGENCY_SET_CLINICAL)),
            _ => {}
        }
        let mut categories = Vec::new();
        for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let category = DataCategory::parse(name).ok_or_else(|| {
                Error::BreakGlass(format!(
                    "the emergency set names {name:?}, which is not a data category (one of: {})",
                    DataCategory::to_list(DataCategory::ALL)
                ))
            })?;
            categories.push(category);
        }
        Ok(Self::of(&categories))
    }

    /// The categories it opens.
    pub fn categories(&self) -> &[DataCategory] {
        &self.0
    }

    /// Whether an emergency grant opens `category`.
    pub fn unlocks(&self, category: DataCategory) -> bool {
        self.0.contains(&category)
    }

    /// `decision` as this set narrows it: an access allowed only by an emergency grant is
    /// denied for a category the set does not open.
    pub fn narrow(&self, decision: Decision, category: DataCategory) -> Decision {
        match decision {
            Decision::Allowed(Basis::BreakGlass) if !self.unlocks(category) => Decision::Denied {
                needs: category.read_permission(),
            },
            other => other,
        }
    }
}

/// Decides one access: roles first, then (for reads only) a live emergency grant for
/// this user and patient.
pub fn decide(
    username: &str,
    roles: &RoleSet,
    access: Access,
    category: DataCategory,
    patient_id: PatientId,
    grants: &[BreakGlassGrant],
    now: OffsetDateTime,
) -> Decision {
    let needs = match access {
        Access::Read => category.read_permission(),
        Access::Write => category.write_permission(),
    };
    if let Some(role) = roles.granting(needs) {
        return Decision::Allowed(Basis::Role(role));
    }
    let glass =
        access == Access::Read && grants.iter().any(|g| g.covers(username, patient_id, now));
    if glass {
        Decision::Allowed(Basis::BreakGlass)
    } else {
        Decision::Denied { needs }
    }
}

#[cfg(test)]
mod tests;
