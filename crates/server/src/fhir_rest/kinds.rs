//! Which record kinds stand behind each FHIR resource type, which permission each needs,
//! and how a FHIR id names one record.
//!
//! Invariants:
//! - A FHIR id maps to exactly one record: `problem-7` is problem 7 beside diagnosis
//!   Condition `7`, `payer-3` is payer 3 beside facility Organization `3`, `query-7` and
//!   `followup-7` are a physician query and a follow-up task beside deficiency Task `7`
//!   (the `fhir` crate's `resource_id` and `id_prefix`), `scan-7` is scanned document 7
//!   beside note DocumentReference `7`; anything else that is not a
//!   positive integer names nothing.
//! - The route of a type needs the weakest permission among its kinds; each record kind's
//!   own permission is checked again before it is shown or written (a billing clerk may
//!   read diagnosis Conditions but not problem-list ones).

use privacy::{DataCategory, Permission};

/// A record kind served over FHIR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    Patient,
    Provider,
    Organization,
    Payer,
    Coverage,
    Encounter,
    Diagnosis,
    Problem,
    Procedure,
    Immunization,
    Observation,
    Medication,
    Allergy,
    Note,
    Document,
    Charge,
    /// A stored claim, served as `Claim`.
    Claim,
    /// The same stored claim, served as `ExplanationOfBenefit` once an 835 decided it.
    Benefit,
    Group,
    Deficiency,
    Query,
    FollowUp,
}

/// Runs `$body` with `$R` bound to the record type of `$kind`.
macro_rules! with_record {
    ($kind:expr, $R:ident => $body:expr) => {{
        use $crate::fhir_rest::kinds::Kind as K;
        match $kind {
            K::Patient => {
                type $R = records::Patient;
                $body
            }
            K::Provider => {
                type $R = records::Provider;
                $body
            }
            K::Organization => {
                type $R = records::Organization;
                $body
            }
            K::Payer => {
                type $R = records::Payer;
                $body
            }
            K::Coverage => {
                type $R = records::Coverage;
                $body
            }
            K::Encounter => {
                type $R = records::Encounter;
                $body
            }
            K::Diagnosis => {
                type $R = records::Diagnosis;
                $body
            }
            K::Problem => {
                type $R = records::Problem;
                $body
            }
            K::Procedure => {
                type $R = records::Procedure;
                $body
            }
            K::Immunization => {
                type $R = records::Immunization;
                $body
            }
            K::Observation => {
                type $R = records::Observation;
                $body
            }
            K::Medication => {
                type $R = records::Medication;
                $body
            }
            K::Allergy => {
                type $R = records::Allergy;
                $body
            }
            K::Note => {
                type $R = records::ClinicalNote;
                $body
            }
            K::Document => {
                type $R = records::ScannedDocument;
                $body
            }
            K::Charge => {
                type $R = records::Charge;
                $body
            }
            K::Claim | K::Benefit => {
                type $R = records::Claim;
                $body
            }
            K::Group => {
                type $R = records::PatientGroup;
                $body
            }
            K::Deficiency => {
                type $R = records::Deficiency;
                $body
            }
            K::Query => {
                type $R = records::PhysicianQuery;
                $body
            }
            K::FollowUp => {
                type $R = records::FollowUpTask;
                $body
            }
        }
    }};
}
pub(crate) use with_record;

impl Kind {
    /// The store's name for the kind (`patient`, `note`, ...).
    pub(crate) fn store_kind(self) -> &'static str {
        match self {
            Self::Patient => "patient",
            Self::Provider => "provider",
            Self::Organization => "organization",
            Self::Payer => "payer",
            Self::Coverage => "coverage",
            Self::Encounter => "encounter",
            Self::Diagnosis => "diagnosis",
            Self::Problem => "problem",
            Self::Procedure => "procedure",
            Self::Immunization => "immunization",
            Self::Observation => "observation",
            Self::Medication => "medication",
            Self::Allergy => "allergy",
            Self::Note => "note",
            Self::Document => "scanned_document",
            Self::Charge => "charge",
            Self::Claim | Self::Benefit => "claim",
            Self::Group => "group",
            Self::Deficiency => "deficiency",
            Self::Query => "physician_query",
            Self::FollowUp => "follow_up_task",
        }
    }

    /// The chart category, for audit entries (directory entries have none).
    pub(crate) fn category(self) -> Option<DataCategory> {
        match self {
            Self::Provider | Self::Organization | Self::Payer => None,
            // A roster names patients and nothing of their charts: demographic data, so
            // reading one needs `read-demographics` and changing one `write-demographics`,
            // the permissions of the Patient resources it lists (registration staff and
            // HIM keep rosters; a clinician who may read patients may read who is on one).
            Self::Group => Some(DataCategory::Demographics),
            // Review's work items say what a chart lacks, by encounter (audited as the
            // review queue is); reading them needs `review-chart` (below).
            Self::Deficiency | Self::Query | Self::FollowUp => Some(DataCategory::Encounters),
            // A claim and the payer's decision on it are the account's, as charges are.
            Self::Claim | Self::Benefit => Some(DataCategory::Billing),
            other => DataCategory::of_record_kind(other.store_kind()),
        }
    }

    /// What reading one record of this kind needs. Practitioners, facilities and payers
    /// are directory entries, readable with demographics.
    pub(crate) fn read_permission(self) -> Permission {
        if self.is_review_work() {
            return Permission::ReviewChart;
        }
        self.category()
            .map_or(Permission::ReadDemographics, DataCategory::read_permission)
    }

    /// Filters every search of this kind starts with: only claims an 835 decided have an
    /// ExplanationOfBenefit.
    pub(crate) fn base_filters(self) -> Vec<store::Filter> {
        match self {
            // A null column never matches a comparison, so this is "posted at all".
            Self::Benefit => vec![store::Filter::Compare(
                "adjudicated_on",
                store::Op::Ge,
                store::Value::Date(time::macros::date!(0001 - 01 - 01)),
            )],
            _ => Vec::new(),
        }
    }

    /// Chart review's work items (Task), read-only over FHIR.
    pub(crate) fn is_review_work(self) -> bool {
        matches!(self, Self::Deficiency | Self::Query | Self::FollowUp)
    }

    /// What creating, changing or deleting one needs.
    pub(crate) fn write_permission(self) -> Permission {
        match self {
            Self::Payer => Permission::WriteInsurance,
            review if review.is_review_work() => Permission::ReviewChart,
            other => other.category().map_or(
                Permission::WriteDemographics,
                DataCategory::write_permission,
            ),
        }
    }

    /// Whether records of this kind sit on a patient's chart (`patient_id`).
    pub(crate) fn on_chart(self) -> bool {
        !matches!(
            self,
            Self::Provider | Self::Organization | Self::Payer | Self::Group
        )
    }

    /// The FHIR id of record `id`.
    pub(crate) fn fhir_id(self, id: i64) -> String {
        fhir::resource_id(self.store_kind(), id)
    }
}

/// A FHIR resource type served under `/fhir/<name>`.
#[derive(Debug)]
pub(crate) struct ResourceType {
    /// `Patient`, `Condition`, ...
    pub name: &'static str,
    /// The record kinds behind it, the unprefixed one first.
    pub kinds: &'static [Kind],
    /// The route permission for reads and searches.
    pub read: Permission,
    /// The route permission for writes; `None` when read-only.
    pub write: Option<Permission>,
}

use Kind as K;
use Permission as P;

/// Every resource type with records behind it (AuditEvent is served apart).
pub(crate) const TYPES: &[ResourceType] = &[
    ResourceType {
        name: "Patient",
        kinds: &[K::Patient],
        read: P::ReadDemographics,
        write: Some(P::WriteDemographics),
    },
    ResourceType {
        name: "Practitioner",
        kinds: &[K::Provider],
        read: P::ReadDemographics,
        write: Some(P::WriteDemographics),
    },
    ResourceType {
        name: "Organization",
        kinds: &[K::Organization, K::Payer],
        read: P::ReadDemographics,
        write: Some(P::WriteDemographics),
    },
    ResourceType {
        name: "Coverage",
        kinds: &[K::Coverage],
        read: P::ReadInsurance,
        write: Some(P::WriteInsurance),
    },
    ResourceType {
        name: "Encounter",
        kinds: &[K::Encounter],
        read: P::ReadEncounters,
        write: Some(P::WriteEncounters),
    },
    ResourceType {
        name: "Condition",
        kinds: &[K::Diagnosis, K::Problem],
        read: P::ReadCodes,
        write: Some(P::WriteCodes),
    },
    ResourceType {
        name: "Procedure",
        kinds: &[K::Procedure],
        read: P::ReadCodes,
        write: Some(P::WriteCodes),
    },
    ResourceType {
        name: "Immunization",
        kinds: &[K::Immunization],
        read: P::ReadClinical,
        write: Some(P::WriteClinical),
    },
    ResourceType {
        name: "Observation",
        kinds: &[K::Observation],
        read: P::ReadClinical,
        write: Some(P::WriteClinical),
    },
    ResourceType {
        name: "MedicationStatement",
        kinds: &[K::Medication],
        read: P::ReadClinical,
        write: Some(P::WriteClinical),
    },
    ResourceType {
        name: "AllergyIntolerance",
        kinds: &[K::Allergy],
        read: P::ReadClinical,
        write: Some(P::WriteClinical),
    },
    ResourceType {
        name: "DocumentReference",
        kinds: &[K::Note, K::Document],
        read: P::ReadNotes,
        write: Some(P::WriteNotes),
    },
    ResourceType {
        name: "Group",
        kinds: &[K::Group],
        read: P::ReadDemographics,
        write: Some(P::WriteDemographics),
    },
    ResourceType {
        name: "ChargeItem",
        kinds: &[K::Charge],
        read: P::ReadBilling,
        write: None,
    },
    ResourceType {
        name: "Claim",
        kinds: &[K::Claim],
        read: P::ReadBilling,
        write: None,
    },
    ResourceType {
        name: "ExplanationOfBenefit",
        kinds: &[K::Benefit],
        read: P::ReadBilling,
        write: None,
    },
    ResourceType {
        name: "Task",
        kinds: &[K::Deficiency, K::Query, K::FollowUp],
        read: P::ReviewChart,
        write: None,
    },
];

/// The type called `name`.
pub(crate) fn resource_type(name: &str) -> Option<&'static ResourceType> {
    TYPES.iter().find(|t| t.name == name)
}

/// The FHIR type a record kind is served as.
pub(crate) fn type_of(kind: Kind) -> &'static ResourceType {
    TYPES
        .iter()
        .find(|t| t.kinds.contains(&kind))
        .unwrap_or(&TYPES[0])
}

impl ResourceType {
    /// The record a FHIR id of this type names, if it is well formed.
    pub(crate) fn parse_id(&self, id: &str) -> Option<(Kind, i64)> {
        let positive = |text: &str| text.parse::<i64>().ok().filter(|n| *n > 0);
        for kind in self.kinds.iter().skip(1) {
            let prefix = fhir::id_prefix(kind.store_kind()).unwrap_or_default();
            if let Some(rest) = id.strip_prefix(prefix).filter(|_| !prefix.is_empty()) {
                return positive(rest).map(|n| (*kind, n));
            }
        }
        let first = self.kinds.first()?;
        positive(id).map(|n| (*first, n))
    }
}
