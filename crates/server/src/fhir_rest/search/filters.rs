//! The search parameters each record kind understands, as store filters: R4's names for
//! the elements the mapping fills, matched against the columns behind them.
//!
//! Invariant: a parameter a kind understands but cannot satisfy (a code system it never
//! stores, `category=problem-list-item` on diagnoses) matches nothing rather than being
//! ignored, so results never include records the client excluded.

use super::super::kinds::Kind;
use super::super::outcome::FhirError;
use super::params::{date_filter, reference_id, token};
use store::{Filter, Op, Value};
use time::OffsetDateTime;

/// What one parameter means for one kind.
pub(crate) enum Applies {
    /// Records must pass this filter.
    Filter(Filter),
    /// No record of this kind can match.
    Nothing,
    /// The kind does not know the parameter.
    Unknown,
}

fn text(column: &'static str, value: &str) -> Filter {
    Filter::Compare(column, Op::Eq, Value::from(value))
}

/// A search value in FHIR's code spelling as the records model stores it.
fn stored_code(code: &str) -> String {
    code.replace('-', "_")
}

/// Where each kind keeps its date parameter, and whether the column is a date.
fn date_column(kind: Kind, name: &str) -> Option<(&'static str, bool)> {
    Some(match (kind, name) {
        (Kind::Patient, "birthdate") => ("birth_date", true),
        (Kind::Patient, "death-date") => ("deceased_date", true),
        (Kind::Encounter, "date") => ("admit_at", false),
        (Kind::Diagnosis | Kind::Problem, "onset-date") => ("onset_at", false),
        (Kind::Problem, "abatement-date") => ("resolved_at", false),
        (Kind::Procedure, "date") => ("performed_at", false),
        (Kind::Immunization, "date") => ("administered_at", false),
        (Kind::Observation, "date") => ("effective_at", false),
        (Kind::Medication, "effective") => ("start_at", false),
        (Kind::Allergy, "onset") => ("onset_at", false),
        (Kind::Note, "date") => ("authored_at", false),
        (Kind::Document, "date") => ("received_at", false),
        (Kind::Document, "period") => ("service_date", true),
        (Kind::Coverage, "period") => ("effective_start", true),
        (Kind::Charge, "occurrence") => ("service_date", true),
        (Kind::Charge, "entered-date") => ("created_at", false),
        (Kind::Claim, "created") => ("created_at", false),
        (Kind::Benefit, "created") => ("adjudicated_on", true),
        (Kind::Deficiency | Kind::FollowUp, "authored-on") => ("created_at", false),
        (Kind::Query, "authored-on") => ("asked_at", false),
        (Kind::Deficiency | Kind::Query | Kind::FollowUp, "modified") => ("updated_at", false),
        (_, "_lastUpdated") => ("updated_at", false),
        _ => return None,
    })
}

/// The sort column for a parameter name, if the kind can sort by it.
pub(crate) fn sort_column(kind: Kind, name: &str) -> Option<&'static str> {
    match (kind, name) {
        (_, "_id") => Some("id"),
        (Kind::Patient, "family") => Some("family_key"),
        (Kind::Patient, "given" | "name") => Some("given_key"),
        _ => date_column(kind, name).map(|(column, _)| column),
    }
}

/// Code systems a kind's `code` parameter can match, and the stored `code_system` value
/// where the kind keeps several.
fn code_systems(kind: Kind) -> &'static [(&'static str, Option<&'static str>)] {
    match kind {
        Kind::Diagnosis => &[(fhir::ICD10CM, None)],
        Kind::Problem => &[
            (fhir::SNOMED, Some("snomed")),
            (fhir::ICD10CM, Some("icd10cm")),
        ],
        Kind::Procedure => &[
            (fhir::ICD10PCS, Some("icd10_pcs")),
            (fhir::CPT, Some("cpt")),
            (fhir::HCPCS, Some("hcpcs")),
            (fhir::SNOMED, Some("snomed")),
        ],
        Kind::Immunization => &[(fhir::CVX, None)],
        Kind::Observation => &[(fhir::LOINC, None)],
        Kind::Medication => &[(fhir::RXNORM, None)],
        Kind::Allergy => &[(fhir::SNOMED, None)],
        Kind::Charge => &[(fhir::CPT, None), (fhir::HCPCS, None)],
        _ => &[],
    }
}

fn code_filter(kind: Kind, value: &str) -> Applies {
    let column = if kind == Kind::Immunization {
        "cvx"
    } else {
        "code"
    };
    let (system, code) = token(value);
    let systems = code_systems(kind);
    let stored_system = match system {
        None | Some("") => None,
        Some(system) => match systems.iter().find(|(uri, _)| *uri == system) {
            Some((_, stored)) => *stored,
            None => return Applies::Nothing,
        },
    };
    if code.is_empty() {
        return match stored_system {
            Some(stored) => Applies::Filter(text("code_system", stored)),
            None => Applies::Filter(Filter::All(vec![])),
        };
    }
    let mut codes = vec![Value::from(code)];
    // ICD-10 codes are written with and without the dot; accept either spelling.
    if matches!(kind, Kind::Diagnosis | Kind::Problem) {
        let other = if code.contains('.') {
            code.replace('.', "")
        } else {
            match (code.get(..3), code.get(3..)) {
                (Some(head), Some(tail)) if !tail.is_empty() => format!("{head}.{tail}"),
                _ => code.to_owned(),
            }
        };
        codes.push(Value::from(other));
    }
    let filter = Filter::In(column, codes);
    Applies::Filter(match stored_system {
        Some(stored) => Filter::All(vec![filter, text("code_system", stored)]),
        None => filter,
    })
}

fn identifier_filter(kind: Kind, value: &str) -> Result<Applies, FhirError> {
    let (sent_system, id) = token(value);
    if kind == Kind::Patient {
        return Ok(Applies::Filter(patient_identifier(sent_system, id)));
    }
    let system = sent_system.unwrap_or("");
    Ok(Applies::Filter(match kind {
        Kind::Provider | Kind::Organization if system.is_empty() || system == fhir::NPI => {
            text("npi", id)
        }
        Kind::Payer if system.is_empty() || system == fhir::PAYER_CODE_SYSTEM => {
            text("payer_code", id)
        }
        Kind::Provider | Kind::Organization | Kind::Payer => return Ok(Applies::Nothing),
        Kind::Claim if system.is_empty() => Filter::Any(vec![
            text("control_number", id),
            text("payer_claim_number", id),
        ]),
        Kind::Claim if system == fhir::CLAIM_CONTROL_NUMBER => text("control_number", id),
        Kind::Claim | Kind::Benefit if system.is_empty() || system == fhir::PAYER_CLAIM_NUMBER => {
            text("payer_claim_number", id)
        }
        Kind::Claim | Kind::Benefit => return Ok(Applies::Nothing),
        Kind::Group => {
            let value = text("identifier_value", id);
            if system.is_empty() {
                value
            } else {
                Filter::All(vec![value, text("identifier_system", system)])
            }
        }
        _ => return Ok(Applies::Unknown),
    }))
}

/// A patient's identifiers are matched as they were sent (`patient_identifiers`), and
/// the facility MRN under Chartroom's MRN system; `|value` asks for identifiers sent
/// without a system.
fn patient_identifier(system: Option<&str>, id: &str) -> Filter {
    // MRNs are kept upper-case, so `d000123` finds `D000123`.
    let mrn = records::Mrn::parse(id).map_or_else(|_| id.to_owned(), |m| m.to_string());
    let (system, or_mrn) = match system {
        None => (None, Some((mrn, None))),
        Some(system) => match system.strip_prefix(fhir::MRN_SYSTEM_PREFIX) {
            Some(authority) => {
                let authority =
                    super::params::form_pairs(&format!("a={}", authority.replace('+', "%2B")))
                        .into_iter()
                        .next()
                        .map(|(_, v)| v)
                        .unwrap_or_default();
                (Some(system), Some((mrn, Some(authority))))
            }
            // `|value`: sent without a system (stored as the empty text).
            None => (Some(system), None),
        },
    };
    Filter::PatientIdentifier {
        system: system.map(str::to_owned),
        value: id.to_owned(),
        or_mrn,
    }
}

fn has_encounter(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Diagnosis
            | Kind::Problem
            | Kind::Procedure
            | Kind::Immunization
            | Kind::Observation
            | Kind::Medication
            | Kind::Note
            | Kind::Document
            | Kind::Charge
            | Kind::Claim
            | Kind::Benefit
            | Kind::Deficiency
            | Kind::Query
            | Kind::FollowUp
    )
}

/// The stored statuses of a review work item (`kind`) shown as R4 task status `code`
/// (`fhir::deficiency_task_status` and its siblings, read backwards).
fn task_statuses(kind: Kind, code: &str) -> Vec<Value> {
    let names: Vec<&'static str> = match kind {
        Kind::Deficiency => records::DeficiencyStatus::ALL
            .into_iter()
            .filter(|s| fhir::deficiency_task_status(*s) == code)
            .map(records::DeficiencyStatus::as_str)
            .collect(),
        Kind::Query => [
            records::QueryStatus::Open,
            records::QueryStatus::Answered,
            records::QueryStatus::Withdrawn,
        ]
        .into_iter()
        .filter(|s| fhir::query_task_status(*s) == code)
        .map(records::QueryStatus::as_str)
        .collect(),
        Kind::FollowUp => records::FollowUpStatus::ALL
            .into_iter()
            .filter(|s| fhir::follow_up_task_status(*s) == code)
            .map(records::FollowUpStatus::as_str)
            .collect(),
        _ => Vec::new(),
    };
    names.into_iter().map(Value::from).collect()
}

fn in_or_nothing(column: &'static str, values: Vec<Value>) -> Applies {
    if values.is_empty() {
        Applies::Nothing
    } else {
        Applies::Filter(Filter::In(column, values))
    }
}

/// The stored claim statuses a `Claim` or `ExplanationOfBenefit` status code stands for
/// (`fhir::claim_status` and `fhir::benefit_status`, read backwards).
fn claim_statuses(kind: Kind, code: &str) -> Vec<Value> {
    records::ClaimStatus::ALL
        .into_iter()
        .filter(|s| match kind {
            Kind::Benefit => fhir::benefit_status(*s) == code,
            _ => fhir::claim_status(*s) == code,
        })
        .map(|s| Value::from(s.as_str()))
        .collect()
}

/// A Task parameter (status, business-status, code, owner, part-of) on review work item
/// kind `kind`.
fn task_filter(kind: Kind, name: &str, value: &str) -> Applies {
    let (system, code) = token(value);
    let system = system.filter(|s| !s.is_empty());
    match name {
        "status" => in_or_nothing("status", task_statuses(kind, code)),
        "business-status" => {
            if system.is_some_and(|s| s != fhir::REVIEW_STATUS) {
                return Applies::Nothing;
            }
            let known = match kind {
                Kind::Deficiency => records::DeficiencyStatus::parse(code).is_some(),
                Kind::Query => ["open", "answered", "withdrawn"].contains(&code),
                _ => records::FollowUpStatus::parse(code).is_some(),
            };
            if known {
                Applies::Filter(text("status", code))
            } else {
                Applies::Nothing
            }
        }
        "code" => match (kind, system) {
            (Kind::Deficiency, None | Some(fhir::REVIEW_RULE)) => {
                Applies::Filter(text("rule_id", code))
            }
            (Kind::Query, None | Some(fhir::REVIEW_TASK)) if code == "physician-query" => {
                Applies::Filter(Filter::All(vec![]))
            }
            (Kind::FollowUp, None | Some(fhir::FOLLOW_UP_KIND)) => {
                match records::FollowUpKind::parse(code) {
                    Some(k) => Applies::Filter(text("kind", k.as_str())),
                    None => Applies::Nothing,
                }
            }
            _ => Applies::Nothing,
        },
        "owner" => match (
            kind,
            reference_id(value, "Practitioner").and_then(|id| id.parse::<i64>().ok()),
        ) {
            (Kind::Deficiency | Kind::Query, Some(id)) => {
                Applies::Filter(Filter::Compare("provider_id", Op::Eq, Value::Int(id)))
            }
            _ => Applies::Nothing,
        },
        "part-of" => match (
            kind,
            reference_id(value, "Task").and_then(|id| id.parse::<i64>().ok()),
        ) {
            (Kind::Query, Some(id)) => {
                Applies::Filter(Filter::Compare("deficiency_id", Op::Eq, Value::Int(id)))
            }
            _ => Applies::Nothing,
        },
        _ => Applies::Unknown,
    }
}

/// What parameter `name` (modifier removed) with one value means for `kind`.
pub(crate) fn one_value(
    kind: Kind,
    name: &str,
    modifier: Option<&str>,
    value: &str,
    now: OffsetDateTime,
) -> Result<Applies, FhirError> {
    let names_a_patient = matches!(
        (kind, name),
        (k, "patient" | "subject") if k.on_chart()
    ) || (kind == Kind::Coverage && name == "beneficiary");
    if modifier.is_some()
        && !matches!(
            (name, modifier),
            ("family" | "given" | "name", Some("exact"))
        )
    {
        return Ok(Applies::Unknown);
    }
    if names_a_patient {
        return Ok(
            match reference_id(value, "Patient").and_then(|id| id.parse::<i64>().ok()) {
                Some(id) => Applies::Filter(Filter::Compare("patient_id", Op::Eq, Value::Int(id))),
                None => Applies::Nothing,
            },
        );
    }
    if name == "encounter" && has_encounter(kind) {
        return Ok(
            match reference_id(value, "Encounter").and_then(|id| id.parse::<i64>().ok()) {
                Some(id) => {
                    Applies::Filter(Filter::Compare("encounter_id", Op::Eq, Value::Int(id)))
                }
                None => Applies::Nothing,
            },
        );
    }
    if let Some((column, is_date)) = date_column(kind, name) {
        return date_filter(name, value, column, is_date, now).map(Applies::Filter);
    }
    if kind.is_review_work() {
        return Ok(task_filter(kind, name, value));
    }
    Ok(match (kind, name) {
        (_, "identifier") => return identifier_filter(kind, value),
        (Kind::Patient, "family" | "given" | "name") => {
            let columns: &[&'static str] = match name {
                "family" => &["family_key"],
                "given" => &["given_key"],
                _ => &["family_key", "given_key"],
            };
            let exact = modifier == Some("exact");
            Applies::Filter(Filter::Any(
                columns
                    .iter()
                    .map(|column| {
                        if exact {
                            let raw = if *column == "family_key" {
                                "family_name"
                            } else {
                                "given_name"
                            };
                            text(raw, value)
                        } else {
                            Filter::NamePrefix(column, value.to_owned())
                        }
                    })
                    .collect(),
            ))
        }
        (Kind::Provider, "family" | "given" | "name") => {
            let columns: &[&'static str] = match name {
                "family" => &["family_name"],
                "given" => &["given_name"],
                _ => &["family_name", "given_name"],
            };
            let exact = modifier == Some("exact");
            Applies::Filter(Filter::Any(
                columns
                    .iter()
                    .map(|column| {
                        if exact {
                            text(column, value)
                        } else {
                            Filter::TextPrefix(column, value.to_owned())
                        }
                    })
                    .collect(),
            ))
        }
        (Kind::Organization | Kind::Payer, "name") => {
            if modifier == Some("exact") {
                Applies::Filter(text("name", value))
            } else {
                Applies::Filter(Filter::TextPrefix("name", value.to_owned()))
            }
        }
        (Kind::Group, "name") => {
            if modifier == Some("exact") {
                Applies::Filter(text("name", value))
            } else {
                Applies::Filter(Filter::TextPrefix("name", value.to_owned()))
            }
        }
        (Kind::Group, "member") => {
            match reference_id(value, "Patient").and_then(|id| id.parse::<i64>().ok()) {
                Some(id) => Applies::Filter(Filter::ListHas("members", id)),
                None => Applies::Nothing,
            }
        }
        (Kind::Patient, "gender") => match value {
            "male" | "female" | "other" | "unknown" => Applies::Filter(text("sex", value)),
            _ => Applies::Nothing,
        },
        (Kind::Encounter | Kind::Immunization | Kind::Medication, "status") => {
            Applies::Filter(text("status", &stored_code(value)))
        }
        (Kind::Encounter, "class") => {
            let (_, code) = token(value);
            let class = match code {
                "IMP" => "inpatient",
                "AMB" => "outpatient",
                "EMER" => "emergency",
                "VR" => "telehealth",
                _ => return Ok(Applies::Nothing),
            };
            Applies::Filter(text("class", class))
        }
        (Kind::Diagnosis | Kind::Allergy, "clinical-status") if kind == Kind::Diagnosis => {
            Applies::Nothing
        }
        (Kind::Problem | Kind::Allergy, "clinical-status") => {
            let (_, code) = token(value);
            Applies::Filter(text("status", &stored_code(code)))
        }
        (Kind::Diagnosis | Kind::Problem, "category") => {
            let (_, code) = token(value);
            let wanted = if kind == Kind::Diagnosis {
                "encounter-diagnosis"
            } else {
                "problem-list-item"
            };
            if code == wanted {
                Applies::Filter(Filter::All(vec![]))
            } else {
                Applies::Nothing
            }
        }
        (Kind::Observation, "category") => {
            let (_, code) = token(value);
            Applies::Filter(Filter::In(
                "category",
                vec![Value::from(code), Value::from(stored_code(code))],
            ))
        }
        (Kind::Coverage, "status") | (Kind::Procedure, "status") | (Kind::Charge, "status") => {
            let always = match kind {
                Kind::Procedure => "completed",
                Kind::Charge => "billable",
                _ => "active",
            };
            if value == always {
                Applies::Filter(Filter::All(vec![]))
            } else {
                Applies::Nothing
            }
        }
        (Kind::Observation, "status") => {
            if value == "final" {
                Applies::Filter(Filter::All(vec![]))
            } else {
                Applies::Nothing
            }
        }
        (Kind::Claim | Kind::Benefit, "status") => {
            in_or_nothing("status", claim_statuses(kind, token(value).1))
        }
        (Kind::Claim | Kind::Benefit, "use") => {
            if value == "claim" {
                Applies::Filter(Filter::All(vec![]))
            } else {
                Applies::Nothing
            }
        }
        (Kind::Benefit, "claim") => {
            match reference_id(value, "Claim").and_then(|id| id.parse::<i64>().ok()) {
                Some(id) => Applies::Filter(Filter::Compare("id", Op::Eq, Value::Int(id))),
                None => Applies::Nothing,
            }
        }
        (Kind::Immunization, "vaccine-code") => code_filter(kind, value),
        (k, "code") if !code_systems(k).is_empty() && k != Kind::Immunization => {
            code_filter(kind, value)
        }
        _ => Applies::Unknown,
    })
}
