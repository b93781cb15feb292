//! The FHIR R4 invariants of the types Chartroom validates: each constraint's key, its
//! FHIRPath expression and human text as the specification gives them, and a Rust check
//! that holds exactly when the expression does.
//!
//! Why Rust checks instead of a FHIRPath engine: no well-kept FHIRPath crate evaluates R4
//! constraints today, and the constraints on these types are short; each check sits beside
//! the expression it implements, and each is tested with a resource that breaks it.
//! A violated invariant is an `invariant` issue at the element, naming key and expression.

use super::{Issue, IssueSeverity};
use serde_json::{Map, Value};
use std::cmp::Ordering;

type Object = Map<String, Value>;

/// One constraint.
pub(super) struct Invariant {
    pub key: &'static str,
    /// The types (datatype, backbone element or resource names) it is declared on.
    pub on: &'static [&'static str],
    pub human: &'static str,
    pub expression: &'static str,
    holds: fn(&Object) -> bool,
}

const QUANTITIES: &[&str] = &["Quantity", "Age", "Duration", "Count", "Distance"];

pub(super) const INVARIANTS: &[Invariant] = &[
    Invariant {
        key: "ext-1",
        on: &["Extension"],
        human: "Must have either extensions or value[x], not both",
        expression: "extension.exists() != value.exists()",
        holds: |o| o.contains_key("extension") != has_choice(o, "value"),
    },
    Invariant {
        key: "per-1",
        on: &["Period"],
        human: "If present, start SHALL have a lower value than end",
        expression: "start.hasValue().not() or end.hasValue().not() or (start <= end)",
        holds: |o| match (text(o, "start"), text(o, "end")) {
            (Some(start), Some(end)) => time_order(start, end) != Some(Ordering::Greater),
            _ => true,
        },
    },
    Invariant {
        key: "qty-3",
        on: QUANTITIES,
        human: "If a code for the unit is present, the system SHALL also be present",
        expression: "code.empty() or system.exists()",
        holds: |o| !o.contains_key("code") || o.contains_key("system"),
    },
    Invariant {
        key: "cpt-2",
        on: &["ContactPoint"],
        human: "A system is required if a value is provided.",
        expression: "value.empty() or system.exists()",
        holds: |o| !o.contains_key("value") || o.contains_key("system"),
    },
    Invariant {
        key: "att-1",
        on: &["Attachment"],
        human: "If the Attachment has data, it SHALL have a contentType",
        expression: "data.empty() or contentType.exists()",
        holds: |o| !o.contains_key("data") || o.contains_key("contentType"),
    },
    Invariant {
        key: "rng-2",
        on: &["Range"],
        human: "If present, low SHALL have a lower value than high",
        expression: "low.empty() or high.empty() or (low <= high)",
        holds: |o| match (quantity(o, "low"), quantity(o, "high")) {
            (Some((low, low_unit)), Some((high, high_unit))) if low_unit == high_unit => {
                low <= high
            }
            _ => true,
        },
    },
    Invariant {
        key: "rat-1",
        on: &["Ratio"],
        human: "Numerator and denominator SHALL both be present, or both are absent. If both are absent, there SHALL be some extension present",
        expression: "(numerator.empty() xor denominator.exists()) and (numerator.exists() or extension.exists())",
        holds: |o| {
            (o.contains_key("numerator") == o.contains_key("denominator"))
                && (o.contains_key("numerator") || o.contains_key("extension"))
        },
    },
    Invariant {
        key: "pat-1",
        on: &["PatientContact"],
        human: "SHALL at least contain a contact's details or a reference to an organization",
        expression: "name.exists() or telecom.exists() or address.exists() or organization.exists()",
        holds: |o| {
            ["name", "telecom", "address", "organization"]
                .iter()
                .any(|k| o.contains_key(*k))
        },
    },
    Invariant {
        key: "org-1",
        on: &["Organization"],
        human: "The organization SHALL at least have a name or an identifier, and possibly more than one",
        expression: "(identifier.count() + name.count()) > 0",
        holds: |o| o.contains_key("identifier") || o.contains_key("name"),
    },
    Invariant {
        key: "obs-3",
        on: &["ObservationReferenceRange"],
        human: "Must have at least a low or a high or text",
        expression: "low.exists() or high.exists() or text.exists()",
        holds: |o| ["low", "high", "text"].iter().any(|k| o.contains_key(*k)),
    },
    Invariant {
        key: "obs-6",
        on: &["Observation"],
        human: "dataAbsentReason SHALL only be present if Observation.value[x] is not present",
        expression: "dataAbsentReason.empty() or value.empty()",
        holds: |o| !o.contains_key("dataAbsentReason") || !has_choice(o, "value"),
    },
    Invariant {
        key: "obs-7",
        on: &["Observation"],
        human: "If Observation.code is the same as an Observation.component.code then the value element associated with the code SHALL NOT be present",
        expression: "value.empty() or component.code.where(coding.intersect(%resource.code.coding).exists()).empty()",
        holds: |o| {
            if !has_choice(o, "value") {
                return true;
            }
            let own = codings(o.get("code"));
            items(o, "component").all(|component| {
                !codings(component.get("code")).any(|c| own.clone().any(|m| m == c))
            })
        },
    },
    Invariant {
        key: "ait-1",
        on: &["AllergyIntolerance"],
        human: "AllergyIntolerance.clinicalStatus SHALL be present if verificationStatus is not entered-in-error.",
        expression: "verificationStatus.coding.where(system = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification' and code = 'entered-in-error').exists() or clinicalStatus.exists()",
        holds: |o| entered_in_error(o, ALLERGY_VERIFICATION) || o.contains_key("clinicalStatus"),
    },
    Invariant {
        key: "ait-2",
        on: &["AllergyIntolerance"],
        human: "AllergyIntolerance.clinicalStatus SHALL NOT be present if verification Status is entered-in-error",
        expression: "verificationStatus.coding.where(system = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification' and code = 'entered-in-error').empty() or clinicalStatus.empty()",
        holds: |o| !entered_in_error(o, ALLERGY_VERIFICATION) || !o.contains_key("clinicalStatus"),
    },
    Invariant {
        key: "con-4",
        on: &["Condition"],
        human: "If condition is abated, then clinicalStatus must be either inactive, resolved, or remission",
        expression: "abatement.empty() or clinicalStatus.coding.where(system='http://terminology.hl7.org/CodeSystem/condition-clinical' and (code='resolved' or code='remission' or code='inactive')).exists()",
        holds: |o| {
            !has_choice(o, "abatement")
                || codings(o.get("clinicalStatus")).any(|(system, code)| {
                    system == CONDITION_CLINICAL
                        && matches!(code, "resolved" | "remission" | "inactive")
                })
        },
    },
    Invariant {
        key: "con-5",
        on: &["Condition"],
        human: "Condition.clinicalStatus SHALL NOT be present if verification Status is entered-in-error",
        expression: "verificationStatus.coding.where(system='http://terminology.hl7.org/CodeSystem/condition-ver-status' and code='entered-in-error').empty() or clinicalStatus.empty()",
        holds: |o| {
            !entered_in_error(o, CONDITION_VERIFICATION) || !o.contains_key("clinicalStatus")
        },
    },
    Invariant {
        key: "grp-1",
        on: &["Group"],
        human: "Can only have members if group is \"actual\"",
        expression: "member.empty() or (actual = true)",
        holds: |o| !o.contains_key("member") || o.get("actual") == Some(&Value::Bool(true)),
    },
    Invariant {
        key: "bdl-1",
        on: &["Bundle"],
        human: "total only when a search or history",
        expression: "total.empty() or (type = 'searchset') or (type = 'history')",
        holds: |o| {
            !o.contains_key("total") || matches!(text(o, "type"), Some("searchset" | "history"))
        },
    },
    Invariant {
        key: "bdl-2",
        on: &["Bundle"],
        human: "entry.search only when a search",
        expression: "entry.search.empty() or (type = 'searchset')",
        holds: |o| {
            text(o, "type") == Some("searchset")
                || items(o, "entry").all(|e| !e.contains_key("search"))
        },
    },
    Invariant {
        key: "bdl-3",
        on: &["Bundle"],
        human: "entry.request mandatory for batch/transaction/history, otherwise prohibited",
        expression: "entry.all(request.exists() = (%resource.type = 'batch' or %resource.type = 'transaction' or %resource.type = 'history'))",
        holds: |o| {
            let wanted = matches!(text(o, "type"), Some("batch" | "transaction" | "history"));
            items(o, "entry").all(|e| e.contains_key("request") == wanted)
        },
    },
    Invariant {
        key: "bdl-4",
        on: &["Bundle"],
        human: "entry.response mandatory for batch-response/transaction-response/history, otherwise prohibited",
        expression: "entry.all(response.exists() = (%resource.type = 'batch-response' or %resource.type = 'transaction-response' or %resource.type = 'history'))",
        holds: |o| {
            let wanted = matches!(
                text(o, "type"),
                Some("batch-response" | "transaction-response" | "history")
            );
            items(o, "entry").all(|e| e.contains_key("response") == wanted)
        },
    },
    Invariant {
        key: "bdl-5",
        on: &["BundleEntry"],
        human: "must be a resource unless there's a request or response",
        expression: "resource.exists() or request.exists() or response.exists()",
        holds: |o| {
            ["resource", "request", "response"]
                .iter()
                .any(|k| o.contains_key(*k))
        },
    },
    Invariant {
        key: "bdl-8",
        on: &["BundleEntry"],
        human: "fullUrl cannot be a version specific reference",
        expression: "fullUrl.contains('/_history/').not()",
        holds: |o| !text(o, "fullUrl").is_some_and(|url| url.contains("/_history/")),
    },
];

/// `ele-1`, on every element that is not a resource.
pub(super) const ELE_1: (&str, &str, &str) = (
    "ele-1",
    "All FHIR elements must have a @value or children",
    "hasValue() or (children().count() > id.count())",
);

const ALLERGY_VERIFICATION: &str =
    "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification";
const CONDITION_VERIFICATION: &str = "http://terminology.hl7.org/CodeSystem/condition-ver-status";
const CONDITION_CLINICAL: &str = "http://terminology.hl7.org/CodeSystem/condition-clinical";

fn text<'o>(object: &'o Object, key: &str) -> Option<&'o str> {
    object.get(key).and_then(Value::as_str)
}

fn has_choice(object: &Object, stem: &str) -> bool {
    object.keys().any(|key| {
        key.strip_prefix(stem)
            .is_some_and(|rest| rest.chars().next().is_some_and(char::is_uppercase))
    })
}

fn items<'o>(object: &'o Object, key: &str) -> impl Iterator<Item = &'o Object> + 'o {
    object
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
}

/// The `(system, code)` pairs of a CodeableConcept.
fn codings(concept: Option<&Value>) -> impl Iterator<Item = (&str, &str)> + Clone {
    concept
        .and_then(|c| c.get("coding"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|coding| {
            (
                coding.get("system").and_then(Value::as_str).unwrap_or(""),
                coding.get("code").and_then(Value::as_str).unwrap_or(""),
            )
        })
}

fn entered_in_error(object: &Object, system: &str) -> bool {
    codings(object.get("verificationStatus"))
        .any(|(s, code)| s == system && code == "entered-in-error")
}

/// A Quantity's value and unit code (or unit text), when it has a value.
fn quantity<'o>(object: &'o Object, key: &str) -> Option<(f64, Option<&'o str>)> {
    let q = object.get(key)?.as_object()?;
    let value = q.get("value")?.as_f64()?;
    Some((value, text(q, "code").or_else(|| text(q, "unit"))))
}

/// FHIRPath's order of two date or dateTime values: by instant when both carry a time;
/// otherwise part by part down to the coarser precision, and unknown (`None`) when they
/// agree that far but differ in precision (`2020-04` against `2020-04-15`).
pub(super) fn time_order(a: &str, b: &str) -> Option<Ordering> {
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;
    if let (Ok(a), Ok(b)) = (
        OffsetDateTime::parse(a, &Rfc3339),
        OffsetDateTime::parse(b, &Rfc3339),
    ) {
        return Some(a.cmp(&b));
    }
    let parts = |text: &str| -> Vec<u32> {
        let date = text.split('T').next().unwrap_or("");
        date.split('-').filter_map(|p| p.parse().ok()).collect()
    };
    let (pa, pb) = (parts(a), parts(b));
    for (x, y) in pa.iter().zip(&pb) {
        match x.cmp(y) {
            Ordering::Equal => {}
            other => return Some(other),
        }
    }
    (pa.len() == pb.len() && a.contains('T') == b.contains('T')).then_some(Ordering::Equal)
}

/// Every invariant declared on `type_name` that `object` breaks, as issues at `path`.
pub(super) fn check(type_name: &str, is_element: bool, object: &Object, path: &str) -> Vec<Issue> {
    let mut issues = Vec::new();
    let mut broken = |key: &str, human: &str, expression: &str| {
        issues.push(Issue {
            severity: IssueSeverity::Error,
            code: "invariant",
            expression: path.to_owned(),
            message: format!("{key}: {human} ({expression})"),
        });
    };
    // `_given` objects ("Element") carry a primitive's id beside its value, which is
    // where that element's value lives, so ele-1 does not apply to them alone.
    if is_element && type_name != "Element" && !object.keys().any(|k| k != "id") {
        let (key, human, expression) = ELE_1;
        broken(key, human, expression);
    }
    for invariant in INVARIANTS {
        if invariant.on.contains(&type_name) && !(invariant.holds)(object) {
            broken(invariant.key, invariant.human, invariant.expression);
        }
    }
    issues
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn keys(type_name: &str, value: Value) -> Vec<String> {
        let object = value.as_object().cloned().unwrap_or_default();
        check(type_name, true, &object, type_name)
            .into_iter()
            .map(|issue| issue.message.split(':').next().unwrap_or("").to_owned())
            .collect()
    }

    #[test]
    fn every_invariant_is_broken_by_an_example_and_holds_for_another() {
        let verified =
            |system: &str, code: &str| json!({"coding": [{"system": system, "code": code}]});
        let cases = [
            (
                "ext-1",
                "Extension",
                json!({"url": "u", "valueString": "x", "extension": [{}]}),
                json!({"url": "u", "valueString": "x"}),
            ),
            (
                "per-1",
                "Period",
                json!({"start": "2021", "end": "2020-12-31"}),
                json!({"start": "2020-12-31", "end": "2021"}),
            ),
            (
                "qty-3",
                "Age",
                json!({"value": 3, "code": "a"}),
                json!({"value": 3, "code": "a", "system": "http://unitsofmeasure.org"}),
            ),
            (
                "cpt-2",
                "ContactPoint",
                json!({"value": "x"}),
                json!({"system": "email", "value": "x"}),
            ),
            (
                "att-1",
                "Attachment",
                json!({"data": "aGk="}),
                json!({"data": "aGk=", "contentType": "text/plain"}),
            ),
            (
                "rng-2",
                "Range",
                json!({"low": {"value": 5}, "high": {"value": 4}}),
                json!({"low": {"value": 4}, "high": {"value": 5}}),
            ),
            (
                "rat-1",
                "Ratio",
                json!({"numerator": {"value": 1}}),
                json!({"numerator": {"value": 1}, "denominator": {"value": 2}}),
            ),
            (
                "pat-1",
                "PatientContact",
                json!({"gender": "male"}),
                json!({"telecom": [{"system": "phone", "value": "1"}]}),
            ),
            (
                "org-1",
                "Organization",
                json!({"active": true}),
                json!({"name": "Harbor General"}),
            ),
            (
                "obs-3",
                "ObservationReferenceRange",
                json!({"age": {"low": {"value": 1}}}),
                json!({"text": "normal"}),
            ),
            (
                "obs-6",
                "Observation",
                json!({"valueString": "x", "dataAbsentReason": {"text": "t"}}),
                json!({"dataAbsentReason": {"text": "t"}}),
            ),
            (
                "obs-7",
                "Observation",
                json!({"code": {"coding": [{"system": "s", "code": "c"}]}, "valueString": "x", "component": [{"code": {"coding": [{"system": "s", "code": "c"}]}}]}),
                json!({"code": {"coding": [{"system": "s", "code": "c"}]}, "component": [{"code": {"coding": [{"system": "s", "code": "c"}]}, "valueString": "x"}]}),
            ),
            (
                "ait-1",
                "AllergyIntolerance",
                json!({"verificationStatus": verified(ALLERGY_VERIFICATION, "confirmed")}),
                json!({"verificationStatus": verified(ALLERGY_VERIFICATION, "entered-in-error")}),
            ),
            (
                "ait-2",
                "AllergyIntolerance",
                json!({"clinicalStatus": {"text": "active"}, "verificationStatus": verified(ALLERGY_VERIFICATION, "entered-in-error")}),
                json!({"clinicalStatus": {"text": "active"}}),
            ),
            (
                "con-4",
                "Condition",
                json!({"abatementString": "gone", "clinicalStatus": verified(CONDITION_CLINICAL, "active")}),
                json!({"abatementString": "gone", "clinicalStatus": verified(CONDITION_CLINICAL, "resolved")}),
            ),
            (
                "con-5",
                "Condition",
                json!({"clinicalStatus": {"text": "active"}, "verificationStatus": verified(CONDITION_VERIFICATION, "entered-in-error")}),
                json!({"verificationStatus": verified(CONDITION_VERIFICATION, "entered-in-error")}),
            ),
            (
                "grp-1",
                "Group",
                json!({"actual": false, "member": [{}]}),
                json!({"actual": true, "member": [{}]}),
            ),
            (
                "bdl-1",
                "Bundle",
                json!({"type": "transaction", "total": 1}),
                json!({"type": "searchset", "total": 1}),
            ),
            (
                "bdl-2",
                "Bundle",
                json!({"type": "collection", "entry": [{"search": {}}]}),
                json!({"type": "searchset", "entry": [{"search": {}}]}),
            ),
            (
                "bdl-3",
                "Bundle",
                json!({"type": "transaction", "entry": [{"resource": {}}]}),
                json!({"type": "transaction", "entry": [{"request": {}}]}),
            ),
            (
                "bdl-4",
                "Bundle",
                json!({"type": "transaction-response", "entry": [{"resource": {}}]}),
                json!({"type": "transaction-response", "entry": [{"response": {}}]}),
            ),
            (
                "bdl-5",
                "BundleEntry",
                json!({"fullUrl": "urn:uuid:1"}),
                json!({"fullUrl": "urn:uuid:1", "resource": {}}),
            ),
            (
                "bdl-8",
                "BundleEntry",
                json!({"fullUrl": "http://h/fhir/Patient/1/_history/2", "resource": {}}),
                json!({"fullUrl": "http://h/fhir/Patient/1", "resource": {}}),
            ),
        ];
        assert_eq!(cases.len(), INVARIANTS.len(), "one case per invariant");
        for (key, type_name, breaks, holds) in cases {
            assert_eq!(keys(type_name, breaks), [key], "{key} broken");
            assert!(keys(type_name, holds).is_empty(), "{key} holds");
        }
        assert_eq!(keys("Identifier", json!({"id": "x"})), ["ele-1"]);
    }

    #[test]
    fn times_compare_as_fhirpath_does() {
        assert_eq!(
            time_order("2020-04", "2020-04-15"),
            None,
            "precisions differ"
        );
        assert_eq!(time_order("2020-05", "2020-04-15"), Some(Ordering::Greater));
        assert_eq!(
            time_order("2020-04-15T10:00:00+02:00", "2020-04-15T08:30:00Z"),
            Some(Ordering::Less),
            "instants in different offsets"
        );
        assert_eq!(
            time_order("2020-04-15", "2020-04-15"),
            Some(Ordering::Equal)
        );
    }
}
