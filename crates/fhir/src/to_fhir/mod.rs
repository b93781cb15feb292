//! Records to FHIR: each stored record kind as the R4 resource that carries it.
//!
//! Invariants:
//! - `id` is the record's id; where two record kinds share one FHIR type the second kind
//!   gets a prefix (`problem-7` for problem-list Conditions, `payer-3` for payer
//!   Organizations), so ids stay unique per type and map back to exactly one record.
//! - `meta.versionId` is the store's version and `meta.lastUpdated` its update time.
//! - Every coding names its canonical system URI (see `systems`).
//! - The output always passes `validate_value` (the integration tests check every kind).

mod claim;
mod clinical;
mod document;
mod group;
mod task;

pub use claim::{
    benefit_outcome, benefit_status, claim_status, explanation_of_benefit, stored_claim,
};
#[allow(unused_imports)]
pub(crate) use clinical::*;
pub use document::{DOCUMENT_CATEGORY, document_content_url};
pub use task::{
    FOLLOW_UP_KIND, QUERY_PART, RESPONSIBLE, REVIEW_RULE, REVIEW_STATUS, REVIEW_TASK,
    deficiency_task_status, follow_up_task_status, query_task_status,
};

use crate::datatypes::{
    Address as FhirAddress, CodeableConcept, ContactPoint, HumanName, Identifier, Meta, Period,
    Reference,
};
use crate::resources as fhir;
use crate::systems::*;
use records::{
    Address, AdministrativeSex, Coverage, CoverageOrder, Organization, OrganizationKind, Payer,
    PayerKind, Provider, Relationship,
};
use store::Stored;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Our own code systems for distinctions FHIR's value sets do not make.
pub const ORGANIZATION_KIND: &str = "urn:chartroom:organization-kind";
/// Payer kinds (Medicare, Medicaid, ...).
pub const PAYER_KIND: &str = "urn:chartroom:payer-kind";
/// Note types, alongside the LOINC document type.
pub const NOTE_TYPE: &str = "urn:chartroom:note-type";
/// NUCC provider taxonomy.
pub const NUCC_TAXONOMY: &str = "http://nucc.org/provider-taxonomy";

/// The FHIR id of a record: its id, prefixed for the second and later kinds sharing a FHIR
/// type (see `id_prefix`).
pub fn resource_id(kind: &str, id: i64) -> String {
    match id_prefix(kind) {
        Some(prefix) => format!("{prefix}{id}"),
        None => id.to_string(),
    }
}

/// The prefix of a record kind's FHIR ids when it shares its FHIR type with another kind:
/// `problem-` (Condition), `payer-` (Organization), `query-` and `followup-` (Task),
/// `scan-` (DocumentReference: scanned documents beside notes).
pub fn id_prefix(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "problem" => "problem-",
        "payer" => "payer-",
        "physician_query" => "query-",
        "follow_up_task" => "followup-",
        "scanned_document" => "scan-",
        _ => return None,
    })
}

/// A record kind that has a FHIR form.
pub trait ToFhir: Sized {
    /// The resource.
    type Resource: serde::Serialize;
    /// The resource for a stored record.
    fn to_fhir(stored: &Stored<Self>) -> Self::Resource;
}

pub(crate) fn instant(at: OffsetDateTime) -> String {
    // RFC 3339 output of a valid OffsetDateTime cannot fail for years 0000-9999, which the
    // records model enforces; an empty string would be caught by validation.
    at.format(&Rfc3339).unwrap_or_default()
}

pub(crate) fn meta(stored_meta: &store::Meta) -> Option<Meta> {
    Some(Meta {
        version_id: Some(stored_meta.version.to_string()),
        last_updated: Some(instant(stored_meta.updated_at)),
        profile: Vec::new(),
    })
}

pub(crate) fn reference(resource_type: &str, kind: &str, id: i64) -> Reference {
    Reference::to(resource_type, &resource_id(kind, id))
}

pub(crate) fn patient_ref(id: records::PatientId) -> Reference {
    reference("Patient", "patient", id.0)
}

pub(crate) fn non_empty(text: &Option<String>) -> Option<String> {
    text.as_ref().filter(|t| !t.trim().is_empty()).cloned()
}

/// URIs may not hold white space; an MRN authority such as `Main Campus` is percent-encoded.
fn uri_part(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn address(address: &Address) -> Vec<FhirAddress> {
    let line: Vec<String> = [&address.line1, &address.line2]
        .into_iter()
        .filter_map(non_empty)
        .collect();
    let fhir_address = FhirAddress {
        use_: None,
        line,
        city: non_empty(&address.city),
        state: non_empty(&address.state),
        postal_code: non_empty(&address.postal_code),
        country: non_empty(&address.country),
    };
    if fhir_address == FhirAddress::default() {
        Vec::new()
    } else {
        vec![fhir_address]
    }
}

fn telecom(phone: &Option<String>, email: &Option<String>) -> Vec<ContactPoint> {
    let mut points = Vec::new();
    if let Some(phone) = non_empty(phone) {
        points.push(ContactPoint {
            system: Some("phone".into()),
            value: Some(phone),
            use_: None,
        });
    }
    if let Some(email) = non_empty(email) {
        points.push(ContactPoint {
            system: Some("email".into()),
            value: Some(email),
            use_: None,
        });
    }
    points
}

fn npi_identifier(npi: &Option<records::Npi>) -> Vec<Identifier> {
    npi.iter()
        .map(|npi| Identifier {
            system: Some(NPI.into()),
            value: Some(npi.to_string()),
            ..Identifier::default()
        })
        .collect()
}

pub(crate) fn gender(sex: AdministrativeSex) -> &'static str {
    match sex {
        AdministrativeSex::Male => "male",
        AdministrativeSex::Female => "female",
        AdministrativeSex::Other => "other",
        AdministrativeSex::Unknown => "unknown",
    }
}

impl ToFhir for records::Patient {
    type Resource = fhir::Patient;
    fn to_fhir(stored: &Stored<Self>) -> fhir::Patient {
        let patient = &stored.record;
        let mut given = vec![patient.given_name.clone()];
        given.extend(non_empty(&patient.middle_name));
        let mut names = vec![HumanName {
            use_: Some("official".into()),
            family: Some(patient.family_name.clone()),
            given,
            prefix: non_empty(&patient.name_prefix).into_iter().collect(),
            suffix: non_empty(&patient.name_suffix).into_iter().collect(),
            ..HumanName::default()
        }];
        if let Some(preferred) = non_empty(&patient.preferred_name) {
            names.push(HumanName {
                use_: Some("usual".into()),
                given: vec![preferred],
                ..HumanName::default()
            });
        }
        fhir::Patient {
            id: Some(resource_id("patient", stored.meta.id)),
            meta: meta(&stored.meta),
            identifier: patient_identifiers(patient),
            name: names,
            telecom: telecom(&patient.phone, &patient.email),
            gender: Some(gender(patient.sex).into()),
            birth_date: Some(patient.birth_date.to_string()),
            deceased_date_time: patient.deceased_date.map(|d| d.to_string()),
            address: address(&patient.address),
            communication: non_empty(&patient.language)
                .map(|language| fhir::PatientCommunication {
                    language: CodeableConcept::text(&language),
                    preferred: Some(true),
                })
                .into_iter()
                .collect(),
            ..fhir::Patient::default()
        }
    }
}

/// The identifiers as they were sent, and the MRN under Chartroom's MRN system unless one
/// of them is the MRN already (so a Patient read back shows what its sender sent).
fn patient_identifiers(patient: &records::Patient) -> Vec<Identifier> {
    let is_the_mrn = |i: &records::PatientIdentifier| {
        let typed_mr = i.type_code.as_deref() == Some("MR")
            || i.system
                .as_deref()
                .is_some_and(|s| s.starts_with(MRN_SYSTEM_PREFIX));
        typed_mr && records::Mrn::parse(&i.value).is_ok_and(|mrn| mrn == patient.mrn)
    };
    let mut identifiers = Vec::with_capacity(patient.identifiers.len() + 1);
    if !patient.identifiers.iter().any(is_the_mrn) {
        identifiers.push(Identifier {
            use_: Some("usual".into()),
            type_: Some(CodeableConcept::coded(
                IDENTIFIER_TYPE,
                "MR",
                Some("Medical record number"),
            )),
            system: Some(format!(
                "{MRN_SYSTEM_PREFIX}{}",
                uri_part(&patient.mrn_authority)
            )),
            value: Some(patient.mrn.to_string()),
        });
    }
    identifiers.extend(patient.identifiers.iter().map(|i| {
        Identifier {
            use_: i.use_.clone(),
            type_: i
                .type_code
                .as_deref()
                .map(|code| CodeableConcept::coded(IDENTIFIER_TYPE, code, None)),
            system: i.system.clone(),
            value: Some(i.value.clone()),
        }
    }));
    identifiers
}

impl ToFhir for Provider {
    type Resource = fhir::Practitioner;
    fn to_fhir(stored: &Stored<Self>) -> fhir::Practitioner {
        let provider = &stored.record;
        let mut qualification = Vec::new();
        if let Some(credentials) = non_empty(&provider.credentials) {
            qualification.push(fhir::PractitionerQualification {
                code: CodeableConcept::text(&credentials),
            });
        }
        if let Some(taxonomy) = non_empty(&provider.taxonomy) {
            qualification.push(fhir::PractitionerQualification {
                code: CodeableConcept::coded(
                    NUCC_TAXONOMY,
                    &taxonomy,
                    provider.specialty.as_deref(),
                ),
            });
        }
        fhir::Practitioner {
            id: Some(resource_id("provider", stored.meta.id)),
            meta: meta(&stored.meta),
            identifier: npi_identifier(&provider.npi),
            active: Some(true),
            name: vec![HumanName {
                use_: Some("official".into()),
                family: Some(provider.family_name.clone()),
                given: vec![provider.given_name.clone()],
                ..HumanName::default()
            }],
            qualification,
            ..fhir::Practitioner::default()
        }
    }
}

fn organization_kind(kind: OrganizationKind) -> (&'static str, &'static str) {
    match kind {
        OrganizationKind::Facility => ("prov", "facility"),
        OrganizationKind::Practice => ("prov", "practice"),
        OrganizationKind::Laboratory => ("prov", "laboratory"),
        OrganizationKind::Other => ("other", "other"),
    }
}

impl ToFhir for Organization {
    type Resource = fhir::Organization;
    fn to_fhir(stored: &Stored<Self>) -> fhir::Organization {
        let organization = &stored.record;
        let (fhir_type, kind) = organization_kind(organization.kind);
        fhir::Organization {
            id: Some(resource_id("organization", stored.meta.id)),
            meta: meta(&stored.meta),
            identifier: npi_identifier(&organization.npi),
            active: Some(true),
            type_: vec![
                CodeableConcept::coded(ORGANIZATION_TYPE, fhir_type, None),
                CodeableConcept::coded(ORGANIZATION_KIND, kind, None),
            ],
            name: Some(organization.name.clone()),
            telecom: telecom(&organization.phone, &None),
            address: address(&organization.address),
            ..fhir::Organization::default()
        }
    }
}

pub(crate) fn payer_kind(kind: PayerKind) -> &'static str {
    match kind {
        PayerKind::Medicare => "medicare",
        PayerKind::Medicaid => "medicaid",
        PayerKind::Commercial => "commercial",
        PayerKind::Government => "government",
        PayerKind::SelfPay => "self_pay",
    }
}

impl ToFhir for Payer {
    type Resource = fhir::Organization;
    fn to_fhir(stored: &Stored<Self>) -> fhir::Organization {
        let payer = &stored.record;
        fhir::Organization {
            id: Some(resource_id("payer", stored.meta.id)),
            meta: meta(&stored.meta),
            identifier: non_empty(&payer.payer_code)
                .map(|code| Identifier {
                    system: Some(PAYER_CODE_SYSTEM.into()),
                    value: Some(code),
                    ..Identifier::default()
                })
                .into_iter()
                .collect(),
            active: Some(true),
            type_: vec![
                CodeableConcept::coded(ORGANIZATION_TYPE, "pay", Some("Payer")),
                CodeableConcept::coded(PAYER_KIND, payer_kind(payer.kind), None),
            ],
            name: Some(payer.name.clone()),
            telecom: telecom(&payer.phone, &None),
            address: address(&payer.address),
            ..fhir::Organization::default()
        }
    }
}

pub(crate) fn relationship(relationship: Relationship) -> &'static str {
    match relationship {
        Relationship::SelfSubscriber => "self",
        Relationship::Spouse => "spouse",
        Relationship::Child => "child",
        Relationship::Other => "other",
    }
}

impl ToFhir for Coverage {
    type Resource = fhir::Coverage;
    fn to_fhir(stored: &Stored<Self>) -> fhir::Coverage {
        let coverage = &stored.record;
        let mut class = Vec::new();
        if let Some(plan) = non_empty(&coverage.plan_name) {
            class.push(fhir::CoverageClass {
                type_: CodeableConcept::coded(COVERAGE_CLASS, "plan", None),
                value: plan.clone(),
                name: Some(plan),
            });
        }
        if let Some(group) = non_empty(&coverage.group_number) {
            class.push(fhir::CoverageClass {
                type_: CodeableConcept::coded(COVERAGE_CLASS, "group", None),
                value: group,
                name: None,
            });
        }
        fhir::Coverage {
            id: Some(resource_id("coverage", stored.meta.id)),
            meta: meta(&stored.meta),
            status: "active".into(),
            subscriber: non_empty(&coverage.subscriber_name).map(|name| Reference::named(&name)),
            subscriber_id: Some(coverage.member_id.clone()),
            beneficiary: patient_ref(coverage.patient_id),
            relationship: Some(CodeableConcept::coded(
                SUBSCRIBER_RELATIONSHIP,
                relationship(coverage.relationship),
                None,
            )),
            period: Some(Period {
                start: Some(coverage.effective_start.to_string()),
                end: coverage.effective_end.map(|d| d.to_string()),
            }),
            payor: vec![reference("Organization", "payer", coverage.payer_id.0)],
            class,
            order: Some(match coverage.coverage_order {
                CoverageOrder::Primary => 1,
                CoverageOrder::Secondary => 2,
                CoverageOrder::Tertiary => 3,
            }),
            ..fhir::Coverage::default()
        }
    }
}
