//! The electronic initial case report (eICR) of a reportable-condition case, as a FHIR R4
//! `document` Bundle shaped after the HL7 FHIR eCR Implementation Guide (US Realm): a
//! Composition typed LOINC 55751-2 (Public Health Case Report) with the eICR sections
//! (reason for visit, encounters, problems, results, immunizations), then the Patient, the
//! Encounter, its Conditions and laboratory Observations, the patient's Immunizations, the
//! attending Practitioner and the Organization, each resource as the FHIR API shows it.
//!
//! Invariants:
//! - Everything in the Bundle is the case's patient's (and the practitioner and
//!   organization of the visit): no other chart is read.
//! - Every entry's `fullUrl` is `{base}/{type}/{id}`, so the Composition's and the
//!   resources' relative references resolve inside the Bundle (FHIR R4 Bundle 2.36.4.1).
//! - Nothing is written; the caller audits the read and records the disclosure.

use crate::ToFhir;
use crate::systems::{ICD10CM, LOINC, SNOMED};
use records::{
    CaseReport, Diagnosis, Encounter, Immunization, ImmunizationStatus, Observation, Organization,
    Patient, Provider, RecordKind,
};
use serde_json::{Value, json};
use store::{Stored, Tx};
use time::OffsetDateTime;

/// What the report needs besides the case.
#[derive(Debug, Clone)]
pub struct EicrOptions<'a> {
    /// The FHIR base URL the entries' `fullUrl`s are written under
    /// (`https://chartroom.example.org/fhir`).
    pub base: &'a str,
    /// The facility's name, for the custodian when the visit names no organization.
    pub facility_name: &'a str,
    /// The document's identifier (`Bundle.identifier.value`), unique per report sent.
    pub document_id: &'a str,
    /// When the report is made.
    pub at: OffsetDateTime,
}

/// The eICR document Bundle of `case` as JSON.
pub fn initial_case_report(
    tx: &mut Tx<'_>,
    case: &Stored<CaseReport>,
    options: &EicrOptions<'_>,
) -> store::Result<Value> {
    let c = &case.record;
    let patient = tx.get::<Patient>(c.patient_id.0)?;
    let mut entries: Vec<Value> = Vec::new();
    let add = |entries: &mut Vec<Value>, resource: Value| -> Value {
        let kind = resource["resourceType"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let id = resource["id"].as_str().unwrap_or_default().to_owned();
        entries.push(json!({
            "fullUrl": format!("{}/{kind}/{id}", options.base),
            "resource": resource,
        }));
        json!({ "reference": format!("{kind}/{id}") })
    };
    let patient_ref = add(&mut entries, to_value(&patient));
    let mut encounter_ref = None;
    let mut author = None;
    let mut custodian = None;
    let mut diagnoses: Vec<Stored<Diagnosis>> = Vec::new();
    let mut results: Vec<Stored<Observation>> = Vec::new();
    let mut visit_text = "no visit: a result recorded outside a visit".to_owned();
    let mut reason = None;
    if let Some(encounter_id) = c.encounter_id {
        let encounter = tx.get::<Encounter>(encounter_id.0)?;
        visit_text = format!(
            "{} visit from {}{}",
            encounter.record.class.as_str(),
            crate::to_fhir::instant(encounter.record.admit_at),
            encounter
                .record
                .discharge_at
                .map(|at| format!(" to {}", crate::to_fhir::instant(at)))
                .unwrap_or_default()
        );
        reason = encounter.record.reason.clone();
        encounter_ref = Some(add(&mut entries, to_value(&encounter)));
        if let Some(provider) = encounter.record.attending_id {
            let provider = tx.get::<Provider>(provider.0)?;
            author = Some(add(&mut entries, to_value(&provider)));
        }
        if let Some(facility) = encounter.record.facility_id {
            let organization = tx.get::<Organization>(facility.0)?;
            custodian = Some(add(&mut entries, to_value(&organization)));
        }
        diagnoses = tx.select(
            "encounter_id = ?",
            &[store::Value::Int(encounter_id.0)],
            "sequence, id",
            i64::MAX,
        )?;
        results = tx.select(
            "encounter_id = ? AND category = 'laboratory'",
            &[store::Value::Int(encounter_id.0)],
            "effective_at, id",
            i64::MAX,
        )?;
    }
    if c.trigger_source == records::TriggerSource::Lab
        && !results.iter().any(|r| r.meta.id == c.trigger_record_id)
    {
        let trigger = tx.get::<Observation>(c.trigger_record_id)?;
        if trigger.meta.deleted.is_none() && trigger.record.patient_id == c.patient_id {
            results.push(trigger);
        }
    }
    let custodian = match custodian {
        Some(reference) => reference,
        None => add(
            &mut entries,
            json!({
                "resourceType": "Organization",
                "id": "facility",
                "active": true,
                "name": options.facility_name,
            }),
        ),
    };
    let author = author.unwrap_or_else(|| custodian.clone());
    let condition_refs: Vec<Value> = diagnoses
        .iter()
        .map(|d| add(&mut entries, to_value(d)))
        .collect();
    let result_refs: Vec<Value> = results
        .iter()
        .map(|r| add(&mut entries, to_value(r)))
        .collect();
    let shots: Vec<Stored<Immunization>> = tx
        .for_patient::<Immunization>(c.patient_id.0)?
        .into_iter()
        .filter(|s| s.record.status != ImmunizationStatus::EnteredInError)
        .collect();
    let shot_refs: Vec<Value> = shots
        .iter()
        .map(|s| add(&mut entries, to_value(s)))
        .collect();

    let trigger_system = match c.trigger_system.as_str() {
        "icd10cm" => ICD10CM,
        "loinc" => LOINC,
        _ => SNOMED,
    };
    let lines = |items: Vec<String>, none: &str| {
        if items.is_empty() {
            vec![none.to_owned()]
        } else {
            items
        }
    };
    let mut sections = vec![
        section(
            "29299-5",
            "Reason for visit",
            &[reason.unwrap_or_else(|| "not recorded".into())],
            Vec::new(),
        ),
        section(
            "46240-8",
            "Encounters",
            &[visit_text],
            encounter_ref.iter().cloned().collect(),
        ),
        section(
            "11450-4",
            "Problems",
            &lines(
                diagnoses
                    .iter()
                    .map(|d| {
                        let mark = if c.trigger_source == records::TriggerSource::Diagnosis
                            && d.meta.id == c.trigger_record_id
                        {
                            " (reportable-condition trigger)"
                        } else {
                            ""
                        };
                        format!(
                            "{} {}{mark}",
                            d.record.code,
                            d.record.description.clone().unwrap_or_default()
                        )
                    })
                    .collect(),
                "no diagnoses coded on the visit",
            ),
            condition_refs,
        ),
        section(
            "30954-2",
            "Results",
            &lines(
                results.iter().map(|r| result_line(&r.record)).collect(),
                "no laboratory results",
            ),
            result_refs,
        ),
        section(
            "11369-6",
            "Immunizations",
            &lines(
                shots
                    .iter()
                    .map(|s| {
                        format!(
                            "CVX {} {} on {}",
                            s.record.cvx,
                            s.record.description.clone().unwrap_or_default(),
                            s.record.administered_at.date()
                        )
                    })
                    .collect(),
                "none recorded",
            ),
            shot_refs,
        ),
    ];
    sections.insert(
        0,
        json!({
            "title": "Reportable condition",
            "code": { "text": "Reportable condition trigger" },
            "text": narrative(&[format!(
                "{} ({}): {} {} on a {} ({} {}), found {}",
                c.condition_name,
                c.condition,
                c.trigger_system,
                c.trigger_code,
                c.trigger_source.as_str(),
                CaseReport::KIND,
                case.meta.id,
                crate::to_fhir::instant(c.found_at),
            )]),
        }),
    );
    let stamp = crate::to_fhir::instant(options.at);
    let mut composition = json!({
        "resourceType": "Composition",
        "id": format!("eicr-{}", case.meta.id),
        "status": "final",
        "type": { "coding": [{ "system": LOINC, "code": "55751-2", "display": "Public Health Case Report" }] },
        "subject": patient_ref,
        "date": stamp,
        "author": [author],
        "title": format!("Initial Public Health Case Report: {}", c.condition_name),
        "custodian": custodian,
        "event": [{
            "code": [{ "coding": [{ "system": trigger_system, "code": c.trigger_code }] }],
        }],
        "section": sections,
    });
    if let Some(encounter) = encounter_ref {
        composition["encounter"] = encounter;
    }
    let composition_entry = json!({
        "fullUrl": format!("{}/Composition/eicr-{}", options.base, case.meta.id),
        "resource": composition,
    });
    entries.insert(0, composition_entry);
    Ok(json!({
        "resourceType": "Bundle",
        "identifier": { "system": "urn:chartroom:eicr", "value": options.document_id },
        "type": "document",
        "timestamp": stamp,
        "entry": entries,
    }))
}

fn to_value<R: ToFhir>(stored: &Stored<R>) -> Value {
    serde_json::to_value(R::to_fhir(stored)).unwrap_or(Value::Null)
}

/// A result in words: test, answer, time.
fn result_line(r: &Observation) -> String {
    let answer = match &r.value {
        records::ObservationValue::Quantity {
            value_number,
            value_unit,
        } => format!("{value_number} {}", value_unit.clone().unwrap_or_default()),
        records::ObservationValue::Coded {
            value_code,
            value_display,
        } => format!(
            "{} (SNOMED CT {value_code})",
            value_display.clone().unwrap_or_default()
        ),
        records::ObservationValue::Text { value_text } => value_text.clone(),
    };
    format!(
        "LOINC {} {}: {} at {}",
        r.code,
        r.description.clone().unwrap_or_default(),
        answer.trim(),
        crate::to_fhir::instant(r.effective_at)
    )
}

/// A Composition section: its LOINC code, narrative lines and entries.
fn section(code: &str, title: &str, text: &[String], entries: Vec<Value>) -> Value {
    let mut section = json!({
        "title": title,
        "code": { "coding": [{ "system": LOINC, "code": code, "display": title }] },
        "text": narrative(text),
    });
    if !entries.is_empty() {
        section["entry"] = Value::Array(entries);
    }
    section
}

/// Generated XHTML narrative, one paragraph per line, escaped.
fn narrative(lines: &[String]) -> Value {
    let mut div = String::from("<div xmlns=\"http://www.w3.org/1999/xhtml\">");
    for line in lines {
        div.push_str("<p>");
        for ch in line.chars() {
            match ch {
                '&' => div.push_str("&amp;"),
                '<' => div.push_str("&lt;"),
                '>' => div.push_str("&gt;"),
                _ => div.push(ch),
            }
        }
        div.push_str("</p>");
    }
    div.push_str("</div>");
    json!({ "status": "generated", "div": div })
}
