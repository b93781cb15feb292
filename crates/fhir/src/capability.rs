//! The CapabilityStatement for `/fhir/metadata`: what Chartroom serves.
//!
//! Invariant: the list of resource types here is the list the mapping and validation
//! cover; AuditEvent is read and search only.

use crate::resources::{
    CapabilityInteraction, CapabilityOperation, CapabilityResource, CapabilityRest,
    CapabilitySoftware, CapabilityStatement,
};

/// The Bulk Data Access IG's OperationDefinitions.
const BULK_EXPORT: &str = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export";
const BULK_PATIENT_EXPORT: &str =
    "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export";
const BULK_GROUP_EXPORT: &str = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export";

/// The FHIR specification's Patient `$match` OperationDefinition.
const PATIENT_MATCH: &str = "http://hl7.org/fhir/OperationDefinition/Patient-match";

fn export_operation(definition: &str) -> CapabilityOperation {
    CapabilityOperation {
        name: "export".into(),
        definition: definition.into(),
    }
}

/// Resource types served with records behind them (read, search, history; create,
/// update and delete unless read-only).
pub const WRITABLE_TYPES: &[&str] = &[
    "Patient",
    "Practitioner",
    "Organization",
    "Encounter",
    "Condition",
    "Procedure",
    "Immunization",
    "Observation",
    "MedicationStatement",
    "AllergyIntolerance",
    "Coverage",
    "ChargeItem",
    "Claim",
    "ExplanationOfBenefit",
    "DocumentReference",
    "Group",
    "Task",
];

/// Of those, the types served read-only (charges, claims and the payers' decisions change
/// through billing: the claims lifecycle, 835 posting; Tasks are chart review's work
/// items, changed through review itself).
const READ_ONLY_TYPES: &[&str] = &["ChargeItem", "Claim", "ExplanationOfBenefit", "Task"];

fn interactions(codes: &[&str]) -> Vec<CapabilityInteraction> {
    codes
        .iter()
        .map(|code| CapabilityInteraction {
            code: (*code).to_owned(),
        })
        .collect()
}

/// The statement, dated `date` (a FHIR dateTime; the caller passes its clock's reading, as
/// this crate reads no clock) for software `version`.
pub fn capability_statement(date: &str, version: &str) -> CapabilityStatement {
    let mut resources: Vec<CapabilityResource> = WRITABLE_TYPES
        .iter()
        .map(|type_| CapabilityResource {
            type_: (*type_).to_owned(),
            interaction: if READ_ONLY_TYPES.contains(type_) {
                interactions(&["read", "vread", "history-instance", "search-type"])
            } else {
                interactions(&[
                    "read",
                    "vread",
                    "update",
                    "delete",
                    "history-instance",
                    "create",
                    "search-type",
                ])
            },
            versioning: Some("versioned".into()),
            read_history: Some(true),
            operation: match *type_ {
                "Patient" => vec![
                    export_operation(BULK_PATIENT_EXPORT),
                    CapabilityOperation {
                        name: "match".into(),
                        definition: PATIENT_MATCH.into(),
                    },
                ],
                "Group" => vec![export_operation(BULK_GROUP_EXPORT)],
                _ => Vec::new(),
            },
        })
        .collect();
    resources.push(CapabilityResource {
        type_: "AuditEvent".into(),
        interaction: interactions(&["read", "search-type"]),
        versioning: None,
        read_history: None,
        operation: Vec::new(),
    });
    CapabilityStatement {
        status: "active".into(),
        date: date.to_owned(),
        kind: "instance".into(),
        software: Some(CapabilitySoftware {
            name: "Chartroom".into(),
            version: Some(version.to_owned()),
        }),
        fhir_version: "4.0.1".into(),
        format: vec!["json".into()],
        rest: vec![CapabilityRest {
            mode: "server".into(),
            resource: resources,
            interaction: interactions(&["transaction", "batch"]),
            operation: vec![export_operation(BULK_EXPORT)],
        }],
        ..CapabilityStatement::default()
    }
}
