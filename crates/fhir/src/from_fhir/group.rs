//! FHIR `Group` to a patient group: a roster of actual patients with a name. What the
//! records model cannot keep (other member types, descriptive groups by characteristic,
//! inactive members) is refused with the element named, never dropped.

use super::{Cx, Mapped};
use crate::resources as fhir;
use records::{PatientGroup, PatientId};

pub(crate) fn group(resource: &fhir::Group, cx: &mut Cx<'_>) -> Mapped {
    if resource.type_ != "person" {
        cx.issue(
            "not-supported",
            "type",
            format!(
                "Chartroom keeps groups of patients (type person), not of {}",
                resource.type_
            ),
        );
    }
    if resource.actual != Some(true) {
        cx.issue(
            "not-supported",
            "actual",
            "Chartroom keeps actual rosters (actual: true), not descriptive groups",
        );
    }
    if !resource.characteristic.is_empty() {
        cx.issue(
            "not-supported",
            "characteristic[0]",
            "Chartroom keeps rosters, not groups defined by characteristics; list the members",
        );
    }
    let name = resource
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    if name.is_none() {
        cx.issue("required", "name", "a group needs a name");
    }
    let (identifier_system, identifier_value) = match resource.identifier.as_slice() {
        [] => (None, None),
        [one] => {
            if one.value.is_none() {
                cx.issue(
                    "required",
                    "identifier[0].value",
                    "an identifier needs a value",
                );
            }
            (one.system.clone(), one.value.clone())
        }
        _ => {
            cx.issue(
                "not-supported",
                "identifier[1]",
                "Chartroom keeps one identifier per group",
            );
            (None, None)
        }
    };
    if let Some(quantity) = resource.quantity
        && usize::try_from(quantity).ok() != Some(resource.member.len())
    {
        cx.issue(
            "value",
            "quantity",
            format!(
                "quantity is {quantity} but the group lists {} members",
                resource.member.len()
            ),
        );
    }
    let mut members: Vec<PatientId> = Vec::with_capacity(resource.member.len());
    for (idx, member) in resource.member.iter().enumerate() {
        if member.inactive == Some(true) {
            cx.issue(
                "not-supported",
                &format!("member[{idx}].inactive"),
                "Chartroom keeps current members only; leave former members out",
            );
            continue;
        }
        let element = format!("member[{idx}].entity");
        let id = cx.required_ref("patient", &element, Some(&member.entity));
        if id == 0 {
            continue;
        }
        if members.iter().any(|m| m.0 == id) {
            cx.issue(
                "business-rule",
                &element,
                format!("patient {id} is already a member of this group"),
            );
            continue;
        }
        members.push(PatientId(id));
    }
    if members.len() > records::MAX_GROUP_MEMBERS {
        cx.issue(
            "too-costly",
            "member",
            format!("at most {} members per group", records::MAX_GROUP_MEMBERS),
        );
    }
    Mapped::Group(PatientGroup {
        name: name.unwrap_or_default().to_owned(),
        identifier_system,
        identifier_value,
        members,
    })
}
