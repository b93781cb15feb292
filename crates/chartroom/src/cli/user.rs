//! `chartroom user add|list|disable|enable|roles|provider`: accounts, their roles, and the
//! provider a physician's account signs notes as.
//!
//! Invariants:
//! - No default password: a password is typed twice at a terminal or read from standard
//!   input with `--password-stdin`, and must pass the policy.
//! - Every change is a `permission-change` audit entry in the same transaction, with the
//!   old and new values (never the password hash).

use super::audited::{CliAuditor, hash_cost};
use crate::output;
use anyhow::{Context, Result, bail};
use privacy::{Action, Role, RoleSet};
use serde_json::json;
use std::io::{BufRead, IsTerminal};
use store::{NewUser, Store, User};
use time::format_description::well_known::Rfc3339;

#[derive(Debug, clap::Subcommand)]
pub enum UserCmd {
    /// Create a user (the first administrator: `chartroom user add NAME --admin`).
    Add {
        /// Sign-in name: letters, digits, '.', '_' or '-'.
        username: String,
        /// A role to hold (repeat for several): administrator, him-technician, physician,
        /// billing, front-desk, public-health, researcher, auditor.
        #[arg(long = "role", value_name = "ROLE")]
        roles: Vec<String>,
        /// Make the user an administrator.
        #[arg(long)]
        admin: bool,
        /// Name shown to people (defaults to the username).
        #[arg(long, value_name = "NAME", default_value = "")]
        display_name: String,
        /// Read the password from the first line of standard input instead of prompting.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users, their roles and status.
    List,
    /// Disable a user: they cannot sign in and their sessions and tokens stop at once.
    Disable {
        /// The user.
        username: String,
    },
    /// Enable a disabled user again.
    Enable {
        /// The user.
        username: String,
    },
    /// Set a new password (asked twice, or --password-stdin); their sessions end and their
    /// API tokens are revoked.
    Password {
        /// The user.
        username: String,
        /// Read the password from the first line of standard input instead of prompting.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Remove a user's authenticator (a lost phone); their sessions end, their API tokens are
    /// revoked, and they enrol a new one at next sign-in.
    ResetMfa {
        /// The user.
        username: String,
    },
    /// Link a user to the provider they sign notes as (by NPI or provider record id).
    Provider {
        /// The user.
        username: String,
        /// The provider's NPI.
        #[arg(long, conflicts_with = "id", required_unless_present = "id")]
        npi: Option<String>,
        /// The provider's record id (for providers without an NPI).
        #[arg(long)]
        id: Option<i64>,
    },
    /// Replace a user's roles (their sessions end; removing a role revokes their API tokens).
    Roles {
        /// The user.
        username: String,
        /// The new roles (repeat for several).
        #[arg(long = "role", value_name = "ROLE", required = true)]
        roles: Vec<String>,
    },
}

fn parse_roles(names: &[String], admin: bool) -> Result<RoleSet> {
    let mut roles = names
        .iter()
        .flat_map(|n| n.split(','))
        .filter(|n| !n.trim().is_empty())
        .map(Role::from_name)
        .collect::<privacy::Result<Vec<Role>>>()?;
    if admin {
        roles.push(Role::Administrator);
    }
    if roles.is_empty() {
        bail!("give at least one --role (or --admin)");
    }
    Ok(RoleSet::of(&roles))
}

fn read_password(username: &str, from_stdin: bool) -> Result<String> {
    let password = if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        line.trim_end_matches(['\n', '\r']).to_owned()
    } else if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("Password for {username}: "))?;
        privacy::check_password_policy(username, &first)?;
        let second = rpassword::prompt_password("Type it again: ")?;
        if first != second {
            bail!("the two passwords differ; nothing was changed");
        }
        first
    } else {
        bail!("no password: run this in a terminal to be asked for one, or pass --password-stdin");
    };
    privacy::check_password_policy(username, &password)?;
    Ok(password)
}

fn status(user: &User, now: time::OffsetDateTime) -> &'static str {
    if user.disabled {
        "disabled"
    } else if user.locked_until.is_some_and(|until| until > now) {
        "locked"
    } else {
        "active"
    }
}

/// Applies `change` to one user and audits it with the values before and after.
fn change_user(
    store: &Store,
    auditor: &CliAuditor,
    username: &str,
    reason: &str,
    change: impl FnOnce(&mut store::Security<'_>) -> store::Result<User>,
) -> Result<User> {
    let by = auditor.event(store, Action::PermissionChange);
    let changed = auditor
        .trail()
        .write(store, |audited| audited.change_user(by, reason, change));
    if let Err(error) = &changed {
        // The change rolled back with its entry; the attempt is still worth a record.
        record_refusal(store, auditor, reason, username, error)?;
    }
    changed.with_context(|| format!("changing user \"{username}\""))
}

/// Records a refused account change as a failure naming the change and why (the error
/// texts name policies and users, never a password).
fn record_refusal(
    store: &Store,
    auditor: &CliAuditor,
    reason: &str,
    username: &str,
    error: &dyn std::fmt::Display,
) -> Result<()> {
    let attempt = auditor
        .event(store, Action::PermissionChange)
        .outcome(privacy::Outcome::Failure)
        .reason(&format!("{reason} for \"{username}\" refused: {error}"));
    auditor.trail().record(store, &attempt)?;
    Ok(())
}

/// `user add`: checks the name, roles and password, then creates the user with its
/// audit entry.
fn add_user(
    store: &Store,
    auditor: &CliAuditor,
    username: &str,
    roles: &[String],
    admin: bool,
    display_name: String,
    password_stdin: bool,
) -> Result<User> {
    let username = store::check_username(username)?;
    let roles = parse_roles(roles, admin)?;
    let password = read_password(&username, password_stdin)?;
    let salt = store::random_bytes::<16>()?;
    let password_hash = privacy::hash_password(&password, &salt, hash_cost())?;
    let new = NewUser {
        username,
        display_name,
        password_hash,
        roles,
    };
    let by = auditor.event(store, Action::PermissionChange);
    Ok(auditor
        .trail()
        .write(store, |audited| audited.create_user(&new, by))?)
}

pub fn run(store: &Store, auditor: &CliAuditor, cmd: UserCmd, json: bool) -> Result<()> {
    match cmd {
        UserCmd::Add {
            username,
            roles,
            admin,
            display_name,
            password_stdin,
        } => {
            let added = add_user(
                store,
                auditor,
                &username,
                &roles,
                admin,
                display_name,
                password_stdin,
            );
            match added {
                Ok(user) => {
                    crate::say!("Created user {} with roles {}.", user.username, user.roles);
                    Ok(())
                }
                Err(error) => {
                    // A refused creation (bad password, duplicate, unknown role) is evidence too.
                    let name = store::normalize_username(&username);
                    record_refusal(store, auditor, "user add", &name, &format!("{error:#}"))?;
                    Err(error)
                }
            }
        }
        UserCmd::List => {
            let users = store.security(|s| s.users())?;
            let now = store.clock().now();
            if json {
                let rows: Vec<serde_json::Value> = users
                    .iter()
                    .map(|u| {
                        json!({
                            "username": u.username,
                            "display_name": u.display_name,
                            "roles": u.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
                            "status": status(u, now),
                            "mfa": u.totp_secret.is_some(),
                            "created_at": u.created_at.format(&Rfc3339).ok(),
                        })
                    })
                    .collect();
                return output::json(&rows);
            }
            if users.is_empty() {
                crate::say!(
                    "No users yet. Create the first administrator with: chartroom user add NAME --admin"
                );
                return Ok(());
            }
            let rows: Vec<Vec<String>> = users
                .iter()
                .map(|u| {
                    vec![
                        u.username.clone(),
                        u.display_name.clone(),
                        u.roles.to_list(),
                        status(u, now).into(),
                        if u.totp_secret.is_some() { "yes" } else { "no" }.into(),
                    ]
                })
                .collect();
            output::table(&["username", "name", "roles", "status", "mfa"], &rows);
            Ok(())
        }
        UserCmd::Disable { username } => {
            change_user(store, auditor, &username, "user disabled", |s| {
                s.set_disabled(&username, true)
            })?;
            crate::say!(
                "Disabled {}; their sessions and tokens stopped.",
                store::normalize_username(&username)
            );
            Ok(())
        }
        UserCmd::Enable { username } => {
            change_user(store, auditor, &username, "user enabled", |s| {
                s.set_disabled(&username, false)
            })?;
            crate::say!("Enabled {}.", store::normalize_username(&username));
            Ok(())
        }
        UserCmd::Password {
            username,
            password_stdin,
        } => {
            let name = store::normalize_username(&username);
            store.security(|s| s.existing_user(&name))?;
            let password = read_password(&name, password_stdin)?;
            let salt = store::random_bytes::<16>()?;
            let hash = privacy::hash_password(&password, &salt, hash_cost())?;
            change_user(store, auditor, &name, "password reset", |s| {
                s.reset_password(&name, &hash)
            })?;
            crate::say!(
                "New password set for {name}; their sessions ended and their API tokens were revoked."
            );
            Ok(())
        }
        UserCmd::ResetMfa { username } => {
            let user = change_user(store, auditor, &username, "authenticator removed", |s| {
                s.reset_mfa(&username)
            })?;
            crate::say!(
                "Removed the authenticator of {}; their sessions ended, their API tokens were revoked, and they enrol a new one at next sign-in.",
                user.username
            );
            Ok(())
        }
        UserCmd::Provider { username, npi, id } => {
            let name = store::normalize_username(&username);
            let npi = npi
                .as_deref()
                .map(records::Npi::parse)
                .transpose()
                .map_err(anyhow::Error::msg)?;
            let by = auditor.event(store, Action::PermissionChange);
            let provider = auditor
                .trail()
                .write(store, |audited| {
                    audited.security().existing_user(&name)?;
                    let mut records = audited.records();
                    let provider = match (&npi, id) {
                        (Some(npi), _) => records.provider_by_npi(npi)?.ok_or_else(|| {
                            store::Error::Conflict(format!("no provider has NPI {npi}"))
                        })?,
                        (None, Some(id)) => records.get::<records::Provider>(id)?,
                        (None, None) => {
                            return Err(store::Error::Conflict("give --npi or --id".into()));
                        }
                    };
                    records.link_account_provider(&name, records::ProviderId(provider.meta.id))?;
                    let event = by
                        .record("provider", provider.meta.id)
                        .reason(&format!("{name} signs as provider {}", provider.meta.id));
                    audited.append(&event)?;
                    Ok(provider)
                })
                .with_context(|| format!("linking user \"{name}\" to a provider"))?;
            crate::say!(
                "{name} now signs notes as {} (provider {}).",
                provider.record.display_name(),
                provider.meta.id
            );
            Ok(())
        }
        UserCmd::Roles { username, roles } => {
            let roles = parse_roles(&roles, false)?;
            let user = change_user(store, auditor, &username, "roles changed", |s| {
                s.set_roles(&username, &roles)
            })?;
            crate::say!(
                "{} now has roles {}; their sessions ended.",
                user.username,
                user.roles
            );
            Ok(())
        }
    }
}
