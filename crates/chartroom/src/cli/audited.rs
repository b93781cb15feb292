//! Auditing for command-line work on patient data: who is at the terminal, the audit
//! trail in the data directory, and one call to record what was shown.
//!
//! Invariants:
//! - Data is printed only after its audit entries committed: a command whose audit fails
//!   shows nothing.
//! - The actor is `os:<login name>` (the terminal has no Chartroom sign-in), channel `cli`.

use crate::config::StorageArgs;
use anyhow::{Context, Result};
use privacy::{Action, AuditEvent, Channel, DataCategory, HashCost};
use records::PatientId;
use std::sync::Arc;
use store::{AuditTrail, Store};

/// Set to `1` to hash passwords with the cheapest argon2id parameters (test suites only).
pub const TEST_PARAMS_VAR: &str = "CHARTROOM_ARGON2_TEST_PARAMS";

/// The password-hash cost to use: production unless the test variable is set.
pub fn hash_cost() -> HashCost {
    match std::env::var(TEST_PARAMS_VAR).as_deref() {
        Ok("1") => HashCost::Test,
        _ => HashCost::Production,
    }
}

/// The command line's audit context.
pub struct CliAuditor {
    trail: Arc<AuditTrail>,
    user: String,
}

/// The operating-system login running this command.
pub(crate) fn os_user() -> String {
    let name = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_default();
    match name.trim() {
        "" => os_uid().map_or_else(|| "os:unknown".into(), |uid| format!("os:uid-{uid}")),
        name => format!("os:{name}"),
    }
}

/// The process's user id, when there is no login name in the environment (services,
/// containers).
fn os_uid() -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata("/proc/self").ok().map(|m| m.uid())
    }
    #[cfg(not(unix))]
    {
        None
    }
}

impl CliAuditor {
    /// Opens (creating on first use) the audit trail whose key and head live in the data
    /// directory, also when the records are in PostgreSQL.
    pub fn open(storage: &StorageArgs) -> Result<Self> {
        let trail = AuditTrail::open_or_create(&storage.data_dir).with_context(|| {
            format!("opening the audit trail in {}", storage.data_dir.display())
        })?;
        Ok(Self {
            trail: Arc::new(trail),
            user: os_user(),
        })
    }

    /// The trail.
    pub fn trail(&self) -> &AuditTrail {
        &self.trail
    }

    /// The operating-system login this command runs as.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// Records a chart review of every chart (it reads every category to find what is
    /// missing): once when it starts and once with what it changed.
    pub fn reviewing(&self, store: &Store, reason: &str) -> Result<()> {
        self.every_chart(store, Action::Read, reason)
    }

    /// Records a full match of the patient index: every patient's demographics read.
    pub fn matching(&self, store: &Store, reason: &str) -> Result<()> {
        let event = self
            .event(store, Action::Read)
            .categories(&[DataCategory::Demographics])
            .reason(reason);
        self.trail
            .record(store, &event)
            .map(|_| ())
            .context("writing the audit trail (nothing was read)")
    }

    /// One entry for work over every chart and every category.
    fn every_chart(&self, store: &Store, action: Action, reason: &str) -> Result<()> {
        let event = self
            .event(store, action)
            .categories(DataCategory::ALL)
            .reason(reason);
        self.trail
            .record(store, &event)
            .map(|_| ())
            .context("writing the audit trail")
    }

    /// A new event by this user on the command line.
    pub fn event(&self, store: &Store, action: Action) -> AuditEvent {
        AuditEvent::new(store.clock().now(), &self.user, action, Channel::Cli)
    }

    /// Records a bulk export of every chart before it is written (`reason` names the
    /// format and destination), so an export whose audit fails writes nothing.
    pub fn exporting(&self, store: &Store, reason: &str) -> Result<()> {
        let event = self
            .event(store, Action::Export)
            .categories(DataCategory::ALL)
            .reason(reason);
        self.trail
            .record(store, &event)
            .map(|_| ())
            .context("writing the audit trail (nothing was exported)")
    }

    /// Records a bulk write (an import, a demo population): once before it starts, so a
    /// run that is killed half way still left its trace, and once with what it stored.
    pub fn bulk_write(&self, store: &Store, reason: &str) -> Result<()> {
        self.every_chart(store, Action::Create, reason)
    }

    /// Audits every transaction of a bulk write (an import, a remittance posting) while the
    /// returned guard lives: each committed batch is one `create` entry in that batch's own
    /// transaction, naming its patients and sealing what it wrote (`store::WriteNote`s:
    /// the values created, the history rows of changes). `reason` names the source.
    pub fn auditing_writes<'s>(&self, store: &'s Store, reason: &str) -> WritesAudited<'s> {
        let template = self
            .event(store, Action::Create)
            .categories(DataCategory::ALL)
            .reason(reason);
        store.audit_writes(Some((Arc::clone(&self.trail), template)));
        WritesAudited(store)
    }

    /// As `auditing_writes`, for writes of the facility's own settings and work (saved
    /// queries), which touch no chart category.
    pub fn auditing_setting_writes<'s>(&self, store: &'s Store, reason: &str) -> WritesAudited<'s> {
        let template = self.event(store, Action::Create).reason(reason);
        store.audit_writes(Some((Arc::clone(&self.trail), template)));
        WritesAudited(store)
    }

    /// As `auditing_writes`, for a generated population: each create is sealed by the
    /// SHA-256 of its values, not a copy of them (which would double the store).
    pub fn auditing_generated_writes<'s>(
        &self,
        store: &'s Store,
        reason: &str,
    ) -> WritesAudited<'s> {
        let template = self
            .event(store, Action::Create)
            .categories(DataCategory::ALL)
            .reason(reason);
        store.audit_writes_by_digest(Some((Arc::clone(&self.trail), template)));
        WritesAudited(store)
    }

    /// Records a bulk write refused before it started (a delivery that fails its
    /// manifest), as a failure naming why.
    pub fn bulk_write_refused(&self, store: &Store, reason: &str) -> Result<()> {
        let event = self
            .event(store, Action::Create)
            .categories(DataCategory::ALL)
            .outcome(privacy::Outcome::Failure)
            .reason(reason);
        self.trail
            .record(store, &event)
            .map(|_| ())
            .context("writing the audit trail")
    }

    /// Records that these patients' data in `categories` was shown, one entry per patient,
    /// all in one transaction.
    pub fn shown(
        &self,
        store: &Store,
        patients: &[i64],
        categories: &[DataCategory],
        reason: &str,
    ) -> Result<()> {
        self.trail
            .write(store, |audited| {
                for id in patients {
                    let event = self
                        .event(store, Action::Read)
                        .patient(PatientId(*id))
                        .record("patient", *id)
                        .categories(categories)
                        .reason(reason);
                    audited.append(&event)?;
                }
                Ok(())
            })
            .context("writing the audit trail (nothing was shown)")
    }
}

/// Ends `CliAuditor::auditing_writes` when dropped (also when the bulk write fails).
pub struct WritesAudited<'s>(&'s Store);

impl Drop for WritesAudited<'_> {
    fn drop(&mut self) {
        self.0.audit_writes(None);
    }
}
