//! Roles, permissions and the one permission matrix that joins them.
//!
//! Invariants:
//! - `MATRIX` is the only place that says what a role may do; `Role::permissions` and
//!   `RoleSet::permissions` read it, nothing else grants a permission (break-the-glass
//!   grants live in `access` and are time-limited, per patient).
//! - Every role appears in `MATRIX` exactly once (a unit test holds this).
//! - Names are stable lower-case kebab words: they are stored in the database and in
//!   audit entries, whose MACs cover them.

use crate::error::{Error, Result};
use std::fmt;

macro_rules! named_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident ($what:literal) {
        $($(#[$doc:meta])* $variant:ident = $text:literal),* $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name { $($(#[$doc])* $variant),* }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),*];

            /// The stable name (stored, audited, typed on the command line).
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),* }
            }

            /// Reads a name (case-insensitive; `_` and spaces count as `-`).
            pub fn parse(text: &str) -> Option<Self> {
                let wanted = text.trim().to_ascii_lowercase().replace(['_', ' '], "-");
                Self::ALL.iter().copied().find(|v| v.as_str() == wanted)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use named_enum;

named_enum! {
    /// A job a user does; a user may hold several.
    pub enum Role ("role") {
        /// Manages user accounts and roles; reads the audit trail; no chart access of its own.
        Administrator = "administrator",
        /// Keeps the whole chart complete and coded, reviews it, releases information.
        HimTechnician = "him-technician",
        /// Reads and writes clinical data and signs notes.
        Physician = "physician",
        /// Demographics, insurance, codes, charges and balances; never note text.
        Billing = "billing",
        /// Registers patients: demographics and insurance only.
        FrontDesk = "front-desk",
        /// Population counts only, with small cells suppressed.
        PublicHealth = "public-health",
        /// De-identified data only.
        Researcher = "researcher",
        /// Reads the audit trail and reviews emergency access; no chart access.
        Auditor = "auditor",
    }
}

impl Role {
    /// One line saying what the role is for (user administration screens, `--help`).
    pub fn purpose(self) -> &'static str {
        match self {
            Self::Administrator => {
                "manages user accounts and roles and reads the audit trail; no chart access"
            }
            Self::HimTechnician => {
                "keeps the whole chart complete and coded, reviews it and releases information"
            }
            Self::Physician => "reads and writes clinical data and signs notes",
            Self::Billing => {
                "demographics, insurance, codes, charges and balances; never note text"
            }
            Self::FrontDesk => {
                "registers and checks in patients: demographics, insurance, encounters"
            }
            Self::PublicHealth => "population counts only, small cells suppressed",
            Self::Researcher => "de-identified data only",
            Self::Auditor => "reads the audit trail and reviews emergency access; no chart access",
        }
    }

    /// Reads a role name, or says which names exist.
    pub fn from_name(text: &str) -> Result<Self> {
        Self::parse(text).ok_or_else(|| Error::UnknownRole(text.trim().to_owned()))
    }

    /// What this role may do, from `MATRIX`.
    pub fn permissions(self) -> PermissionSet {
        MATRIX
            .iter()
            .filter(|(role, _)| *role == self)
            .flat_map(|(_, permissions)| permissions.iter().copied())
            .collect()
    }
}

named_enum! {
    /// One thing a user may do.
    pub enum Permission ("permission") {
        /// Names, birth dates, addresses, MRNs; patient search.
        ReadDemographics = "read-demographics",
        /// Register a patient or correct demographics.
        WriteDemographics = "write-demographics",
        /// Coverage and payers.
        ReadInsurance = "read-insurance",
        /// Add or correct coverage.
        WriteInsurance = "write-insurance",
        /// Encounters (dates of service, class, provider, facility).
        ReadEncounters = "read-encounters",
        /// Record encounters.
        WriteEncounters = "write-encounters",
        /// Results, immunizations, medications, allergies, problems.
        ReadClinical = "read-clinical",
        /// Record clinical data.
        WriteClinical = "write-clinical",
        /// Note text.
        ReadNotes = "read-notes",
        /// Write notes.
        WriteNotes = "write-notes",
        /// Sign notes (authentication of the record).
        SignNotes = "sign-notes",
        /// Diagnosis and procedure codes.
        ReadCodes = "read-codes",
        /// Assign or correct codes.
        WriteCodes = "write-codes",
        /// Charges, payments, balances.
        ReadBilling = "read-billing",
        /// Post charges and payments.
        WriteBilling = "write-billing",
        /// Approve or refuse another person's write-off request.
        ApproveWriteOffs = "approve-write-offs",
        /// Review charts for deficiencies.
        ReviewChart = "review-chart",
        /// Release of information to requesters outside the facility.
        ReleaseInformation = "release-information",
        /// Bulk export of identified records.
        ExportRecords = "export-records",
        /// Population counts with small cells suppressed.
        ReadAggregates = "read-aggregates",
        /// De-identified extracts.
        ReadDeidentified = "read-deidentified",
        /// The audit trail.
        ReadAudit = "read-audit",
        /// The list of emergency accesses, for the privacy officer.
        ReviewBreakGlass = "review-break-glass",
        /// Create, disable and change users and their roles.
        ManageUsers = "manage-users",
        /// Open a chart one's roles do not cover, for a stated reason, for a limited time.
        BreakGlass = "break-glass",
        /// Record patients' amendment requests and accept or deny them.
        ManageAmendments = "manage-amendments",
        /// Work the master patient index: decide candidate duplicates, merge and unmerge
        /// charts.
        ManagePatientIndex = "manage-patient-index",
        /// Work the public-health alert queue: mark a surveillance alert investigated,
        /// dismissed or escalated with a note.
        WorkSurveillanceAlerts = "work-surveillance-alerts",
        /// Keep the records lifecycle: paper chart volumes (check-out, check-in, transfer,
        /// the request queue, labels), legal holds and the retention report.
        ManageRecordsLifecycle = "manage-records-lifecycle",
        /// Work dictations into notes: upload a recording, edit its draft, save text
        /// versions and hand it on for signature (the transcriptionist's desk; signing
        /// stays `SignNotes`, reading `ReadNotes`). Apart from `WriteNotes` because HIM
        /// technicians transcribe without writing clinical notes of their own.
        TranscribeDictations = "transcribe-dictations",
        /// Work reportable-condition cases: the case queue with each case's patient,
        /// visit and trigger, its status, and sending its initial case report to public
        /// health (which enters the disclosure). Patient-level, so apart from
        /// `WorkSurveillanceAlerts`, which is aggregate.
        ReportCases = "report-cases",
    }
}

impl Permission {
    /// Reads a permission name.
    pub fn from_name(text: &str) -> Result<Self> {
        Self::parse(text).ok_or_else(|| Error::UnknownPermission(text.trim().to_owned()))
    }

    fn bit(self) -> u64 {
        1 << (self as u32)
    }
}

use Permission::*;

/// The permission matrix: what each role may do. The one place this is written.
/// Population questions (`ReadAggregates`) belong to clinical, HIM and billing work as well
/// as public health; only roles without patient-level reads get small cells suppressed.
pub const MATRIX: &[(Role, &[Permission])] = &[
    (
        Role::Administrator,
        &[ManageUsers, ReadAudit, ReviewBreakGlass],
    ),
    (
        Role::HimTechnician,
        &[
            ReadDemographics,
            WriteDemographics,
            ReadInsurance,
            WriteInsurance,
            ReadEncounters,
            WriteEncounters,
            ReadClinical,
            ReadNotes,
            ReadCodes,
            WriteCodes,
            ReviewChart,
            ReleaseInformation,
            ExportRecords,
            ManageAmendments,
            ManagePatientIndex,
            ManageRecordsLifecycle,
            TranscribeDictations,
            ReportCases,
            ReadAggregates,
        ],
    ),
    (
        Role::Physician,
        &[
            ReadDemographics,
            ReadEncounters,
            WriteEncounters,
            ReadClinical,
            WriteClinical,
            ReadNotes,
            WriteNotes,
            SignNotes,
            TranscribeDictations,
            ReadCodes,
            WriteCodes,
            BreakGlass,
            ReadAggregates,
        ],
    ),
    (
        Role::Billing,
        &[
            ReadDemographics,
            ReadInsurance,
            WriteInsurance,
            ReadEncounters,
            ReadCodes,
            WriteCodes,
            ReadBilling,
            WriteBilling,
            // A write-off still needs a second person: nobody approves their own.
            ApproveWriteOffs,
            ReadAggregates,
        ],
    ),
    (
        Role::FrontDesk,
        &[
            ReadDemographics,
            WriteDemographics,
            ReadInsurance,
            WriteInsurance,
            // Checking a patient in opens their encounter.
            ReadEncounters,
            WriteEncounters,
        ],
    ),
    (
        Role::PublicHealth,
        // Case reports are patient-level by law (45 CFR 164.512(b)): the case queue shows
        // the patient, visit and trigger of each case and nothing else of the chart.
        &[ReadAggregates, WorkSurveillanceAlerts, ReportCases],
    ),
    // Researchers count, as public health does, with small cells withheld (they hold no
    // patient-level read); de-identified extracts will come with the disclosures duty.
    (Role::Researcher, &[ReadDeidentified, ReadAggregates]),
    (Role::Auditor, &[ReadAudit, ReviewBreakGlass]),
];

/// A set of permissions (a bit set; there are fewer than 64 permissions).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct PermissionSet(u64);

impl PermissionSet {
    /// Whether `permission` is in the set.
    pub fn contains(self, permission: Permission) -> bool {
        self.0 & permission.bit() != 0
    }

    /// Adds a permission.
    pub fn insert(&mut self, permission: Permission) {
        self.0 |= permission.bit();
    }

    /// Both sets together.
    pub fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// The permissions, in declaration order.
    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL
            .iter()
            .copied()
            .filter(move |p| self.contains(*p))
    }
}

impl FromIterator<Permission> for PermissionSet {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        let mut set = Self::default();
        for permission in iter {
            set.insert(permission);
        }
        set
    }
}

/// The roles whose holders must pass a second sign-in factor unless the server is told
/// otherwise: those who manage accounts, read the whole chart or the audit trail.
pub const MFA_ROLES_BY_DEFAULT: [Role; 4] = [
    Role::Administrator,
    Role::HimTechnician,
    Role::Physician,
    Role::Auditor,
];

/// The roles a user holds, kept sorted and without repeats.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct RoleSet(Vec<Role>);

impl RoleSet {
    /// No roles.
    pub fn new() -> Self {
        Self::default()
    }

    /// The set of `roles`.
    pub fn of(roles: &[Role]) -> Self {
        roles.iter().copied().collect()
    }

    /// Reads a comma-separated list of role names (the stored form); empty text is no roles.
    pub fn parse_list(text: &str) -> Result<Self> {
        text.split(',')
            .filter(|part| !part.trim().is_empty())
            .map(Role::from_name)
            .collect()
    }

    /// The stored form: role names joined by commas, in declaration order.
    pub fn to_list(&self) -> String {
        self.0
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Whether the user holds `role`.
    pub fn contains(&self, role: Role) -> bool {
        self.0.contains(&role)
    }

    /// Whether the user holds any of `others`.
    pub fn any_of(&self, others: &RoleSet) -> bool {
        self.0.iter().any(|role| others.contains(*role))
    }

    /// Whether there are no roles.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The roles.
    pub fn iter(&self) -> impl Iterator<Item = Role> + '_ {
        self.0.iter().copied()
    }

    /// Everything any of the roles may do.
    pub fn permissions(&self) -> PermissionSet {
        self.iter().fold(PermissionSet::default(), |set, role| {
            set.union(role.permissions())
        })
    }

    /// Whether any of the roles grants `permission`.
    pub fn allows(&self, permission: Permission) -> bool {
        self.permissions().contains(permission)
    }

    /// The first role (in declaration order) that grants `permission`.
    pub fn granting(&self, permission: Permission) -> Option<Role> {
        self.iter().find(|r| r.permissions().contains(permission))
    }
}

impl FromIterator<Role> for RoleSet {
    fn from_iter<I: IntoIterator<Item = Role>>(iter: I) -> Self {
        let mut roles: Vec<Role> = iter.into_iter().collect();
        roles.sort();
        roles.dedup();
        Self(roles)
    }
}

impl fmt::Display for RoleSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_list())
    }
}

#[cfg(test)]
mod tests;
