//! Patient groups as FHIR `Group`: type `person`, `actual`, the name, the identifier and
//! one `member` per patient on the roster.

use super::{ToFhir, meta, patient_ref};
use crate::datatypes::Identifier;
use crate::resources as fhir;
use records::PatientGroup;
use store::Stored;

impl ToFhir for PatientGroup {
    type Resource = fhir::Group;
    fn to_fhir(stored: &Stored<Self>) -> fhir::Group {
        let group = &stored.record;
        fhir::Group {
            id: Some(stored.meta.id.to_string()),
            meta: meta(&stored.meta),
            identifier: group
                .identifier_value
                .as_ref()
                .map(|value| Identifier {
                    system: group.identifier_system.clone(),
                    value: Some(value.clone()),
                    ..Identifier::default()
                })
                .into_iter()
                .collect(),
            active: Some(true),
            type_: "person".into(),
            actual: Some(true),
            name: Some(group.name.clone()),
            quantity: u32::try_from(group.members.len()).ok(),
            member: group
                .members
                .iter()
                .map(|id| fhir::GroupMember {
                    entity: patient_ref(*id),
                    ..fhir::GroupMember::default()
                })
                .collect(),
            ..fhir::Group::default()
        }
    }
}
