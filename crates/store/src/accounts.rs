//! Audited account changes: creating a user, disabling, enabling and changing roles, each
//! with its `permission-change` audit entry in the same transaction. The command line and
//! the server both go through here, so the entries look the same from every channel.
//!
//! Invariants:
//! - The entry's old and new values name username, display name, roles, the disabled flag
//!   and whether an authenticator is enrolled: never the password hash or the TOTP secret.

use crate::audit::Audited;
use crate::error::Result;
use crate::security::{NewUser, Security, User};
use privacy::{Action, AuditEvent};
use serde_json::json;

/// The account fields an audit entry may show.
pub fn account_json(user: &User) -> String {
    json!({
        "username": user.username,
        "display_name": user.display_name,
        "roles": user.roles.to_list(),
        "disabled": user.disabled,
        "mfa": user.totp_secret.is_some(),
    })
    .to_string()
}

impl Audited<'_> {
    /// Creates a user; `by` is the base event (who, channel, source), completed here.
    pub fn create_user(&mut self, new: &NewUser, by: AuditEvent) -> Result<User> {
        let user = self.security().create_user(new, &by.user)?;
        let mut event = by.record("user", user.id).reason("user created");
        event.action = Action::PermissionChange;
        event.old_values = None;
        event.new_values = Some(account_json(&user));
        self.append(&event)?;
        Ok(user)
    }

    /// Applies `change` to a user (it returns the user as it was before) and audits the
    /// values before and after with `reason`.
    pub fn change_user(
        &mut self,
        by: AuditEvent,
        reason: &str,
        change: impl FnOnce(&mut Security<'_>) -> Result<User>,
    ) -> Result<User> {
        let before = change(&mut self.security())?;
        let after = self.security().existing_user(&before.username)?;
        let mut event = by.record("user", after.id).reason(reason);
        event.action = Action::PermissionChange;
        event.old_values = Some(account_json(&before));
        event.new_values = Some(account_json(&after));
        self.append(&event)?;
        Ok(after)
    }
}
