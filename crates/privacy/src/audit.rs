//! The audit-event model: one access or change to patient data, one sign-in event, or one
//! permission change, with everything a privacy officer asks about it.
//!
//! Invariants:
//! - `at` is UTC with whole microseconds: both databases keep microseconds, so the value
//!   read back is the value the MAC was computed over.
//! - Old and new values are JSON *text*, kept byte for byte (a JSONB column would reorder
//!   keys and break the MAC).

use crate::category::DataCategory;
use crate::roles::{RoleSet, named_enum};
use records::PatientId;
use time::{OffsetDateTime, UtcOffset};

named_enum! {
    /// What was done.
    pub enum Action ("action") {
        /// Looked at data.
        Read = "read",
        /// Created a record.
        Create = "create",
        /// Changed a record.
        Update = "update",
        /// Deleted a record.
        Delete = "delete",
        /// Signed (authenticated) a note.
        Sign = "sign",
        /// Exported data to a file or another system.
        Export = "export",
        /// Printed data.
        Print = "print",
        /// Signed in: the password and, where needed, the second factor passed.
        Login = "login",
        /// The password checked out; the second factor is still to do.
        PasswordAccepted = "password-accepted",
        /// Signed out (or was signed out).
        Logout = "logout",
        /// A failed sign-in.
        LoginFailed = "login-failed",
        /// A user was created or disabled, or their roles changed.
        PermissionChange = "permission-change",
        /// Emergency access was granted (or, denied, refused).
        BreakGlass = "break-glass",
        /// The audit chain was checked; a failure names what broke.
        Verify = "verify",
    }
}

named_enum! {
    /// How it ended.
    pub enum Outcome ("outcome") {
        /// Done.
        Success = "success",
        /// Refused by policy.
        Denied = "denied",
        /// Attempted and failed for another reason.
        Failure = "failure",
    }
}

named_enum! {
    /// The way in.
    pub enum Channel ("channel") {
        /// The web UI.
        Web = "web",
        /// The JSON API.
        Api = "api",
        /// The FHIR API.
        Fhir = "fhir",
        /// The command line.
        Cli = "cli",
        /// A background job.
        Job = "job",
        /// An HL7 v2 interface (the MLLP listener).
        Hl7 = "hl7",
    }
}

/// One audited event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// When (UTC, whole microseconds).
    pub at: OffsetDateTime,
    /// Who: a username, or `os:<login>` on the command line, or `job:<name>`.
    pub user: String,
    /// The roles the user held at the time.
    pub roles: RoleSet,
    /// What was done.
    pub action: Action,
    /// How it ended.
    pub outcome: Outcome,
    /// The way in.
    pub channel: Channel,
    /// The patient whose data it was, if any.
    pub patient_id: Option<PatientId>,
    /// Every patient whose data it was, when there were several (a search page, a group
    /// export): sorted, without repeats; empty otherwise.
    pub patients: Vec<PatientId>,
    /// The kind of record touched (`patient`, `clinical_note`, `user`, ...).
    pub record_kind: Option<String>,
    /// The id of the record touched.
    pub record_id: Option<i64>,
    /// The categories of chart data touched.
    pub categories: Vec<DataCategory>,
    /// The network address the request came from.
    pub source: Option<String>,
    /// The client application (API and FHIR access).
    pub client: Option<String>,
    /// The reason given (deletes, emergency access, releases).
    pub reason: Option<String>,
    /// Values before a change, as JSON text.
    pub old_values: Option<String>,
    /// Values after a change, as JSON text.
    pub new_values: Option<String>,
    /// The record writes this entry stands for, as JSON text (a list: each write's kind,
    /// id, version and action, the `record_history` row it left and that row's SHA-256,
    /// or the created values; the clinical time when it differs from the entry's time).
    /// Set by the store from what the audited transaction wrote; `None` for entries
    /// without writes, so their MAC layout stays as before.
    pub writes: Option<String>,
}

/// `at` in UTC, cut to whole microseconds.
pub(crate) fn normalize_instant(at: OffsetDateTime) -> OffsetDateTime {
    let at = at.to_offset(UtcOffset::UTC);
    at.replace_nanosecond(at.nanosecond() / 1_000 * 1_000)
        .unwrap_or(at)
}

impl AuditEvent {
    /// A successful event with nothing else set yet.
    pub fn new(at: OffsetDateTime, user: &str, action: Action, channel: Channel) -> Self {
        Self {
            at: normalize_instant(at),
            user: user.to_owned(),
            roles: RoleSet::new(),
            action,
            outcome: Outcome::Success,
            channel,
            patient_id: None,
            patients: Vec::new(),
            record_kind: None,
            record_id: None,
            categories: Vec::new(),
            source: None,
            client: None,
            reason: None,
            old_values: None,
            new_values: None,
            writes: None,
        }
    }

    /// Sets the roles the user held.
    pub fn roles(mut self, roles: &RoleSet) -> Self {
        self.roles = roles.clone();
        self
    }

    /// Sets the outcome.
    pub fn outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = outcome;
        self
    }

    /// Names the patient.
    pub fn patient(mut self, patient_id: PatientId) -> Self {
        self.patient_id = Some(patient_id);
        self
    }

    /// Names the record touched.
    /// The patients the entry concerns: one becomes `patient_id`; several are listed in
    /// `patients` (sorted, without repeats), so a search for any of them finds the entry.
    pub fn patients(mut self, patients: &[PatientId]) -> Self {
        let mut patients = patients.to_vec();
        patients.sort_unstable_by_key(|p| p.0);
        patients.dedup();
        match patients.as_slice() {
            [] => self.patients = Vec::new(),
            [one] => {
                self.patient_id = Some(*one);
                self.patients = Vec::new();
            }
            _ => self.patients = patients,
        }
        self
    }

    /// Every patient the entry concerns: its patient, then the ones it lists.
    pub fn all_patients(&self) -> Vec<PatientId> {
        let listed = self
            .patients
            .iter()
            .filter(|p| Some(**p) != self.patient_id);
        self.patient_id.iter().chain(listed).copied().collect()
    }

    pub fn record(mut self, kind: &str, id: i64) -> Self {
        self.record_kind = Some(kind.to_owned());
        self.record_id = Some(id);
        self
    }

    /// Names the categories of data touched (sorted, without repeats).
    pub fn categories(mut self, categories: &[DataCategory]) -> Self {
        let mut categories = categories.to_vec();
        categories.sort();
        categories.dedup();
        self.categories = categories;
        self
    }

    /// Sets the source address.
    pub fn source(mut self, source: &str) -> Self {
        self.source = Some(source.to_owned());
        self
    }

    /// Sets the client application.
    pub fn client(mut self, client: &str) -> Self {
        self.client = Some(client.to_owned());
        self
    }

    /// Sets the reason.
    pub fn reason(mut self, reason: &str) -> Self {
        self.reason = Some(reason.to_owned());
        self
    }

    /// Records old and new values (JSON text) of a change.
    pub fn changes(mut self, old: Option<String>, new: Option<String>) -> Self {
        self.old_values = old;
        self.new_values = new;
        self
    }

    /// Records the writes the entry stands for (JSON text, see `writes`).
    pub fn writes(mut self, writes: Option<String>) -> Self {
        self.writes = writes;
        self
    }
}
