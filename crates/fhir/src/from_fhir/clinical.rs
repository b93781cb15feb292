//! FHIR to records for care events: encounters, conditions, procedures, immunizations,
//! observations, medication statements, allergies and document references.
//!
//! Invariants are the parent module's; the choices made here where FHIR says more or less
//! than the records model are commented where they are made.

use super::{Cx, Mapped, parse_instant};
use crate::datatypes::CodeableConcept;
use crate::resources as fhir;
use crate::systems::*;
use crate::to_fhir::NOTE_TYPE;
use base64::Engine as _;
use records::{
    Allergy, AllergyCategory, AllergyCriticality, ClinicalNote, Diagnosis, DiagnosisRank,
    Encounter, EncounterClass, EncounterStatus, Immunization, ImmunizationStatus, Medication,
    MedicationStatus, NoteType, Observation, ObservationValue, Problem, ProblemStatus, Procedure,
    ProviderId,
};

/// Text fits the records model's limit (descriptions are 250 characters).
fn clip(text: Option<&str>, max: usize) -> Option<String> {
    let text = text?.trim();
    if text.is_empty() {
        None
    } else {
        Some(text.chars().take(max).collect())
    }
}

fn provider(id: Option<i64>) -> Option<ProviderId> {
    id.map(ProviderId)
}

pub(super) fn encounter(resource: &fhir::Encounter, cx: &mut Cx<'_>) -> Mapped {
    let patient_id = cx.required_ref("patient", "subject", resource.subject.as_ref());
    let status = match resource.status.as_str() {
        "planned" => EncounterStatus::Planned,
        "arrived" | "triaged" | "in-progress" | "onleave" => EncounterStatus::InProgress,
        "cancelled" => EncounterStatus::Cancelled,
        "entered-in-error" => EncounterStatus::EnteredInError,
        _ => EncounterStatus::Finished,
    };
    // v3 ActCode: IMP, ACUTE and NONAC are admitted stays; VR is virtual; EMER the ED;
    // everything else (AMB, HH, FLD, OBSENC) is billed as outpatient.
    let class = match resource.class.as_ref().and_then(|c| c.code.as_deref()) {
        Some("IMP" | "ACUTE" | "NONAC") => EncounterClass::Inpatient,
        Some("EMER") => EncounterClass::Emergency,
        Some("VR") => EncounterClass::Telehealth,
        _ => EncounterClass::Outpatient,
    };
    let period = resource.period.as_ref();
    let admit_at = cx.required_instant("period.start", period.and_then(|p| p.start.as_deref()));
    let discharge_at = cx.instant("period.end", period.and_then(|p| p.end.as_deref()));
    let attending = resource
        .participant
        .iter()
        .enumerate()
        .find_map(|(idx, p)| Some((idx, p.individual.as_ref()?)));
    let attending_id = match attending {
        Some((idx, reference)) => cx.optional_ref(
            "provider",
            &format!("participant[{idx}].individual"),
            Some(reference),
        ),
        None => None,
    };
    let facility_id = cx.optional_ref(
        "organization",
        "serviceProvider",
        resource.service_provider.as_ref(),
    );
    let discharge_disposition = resource
        .hospitalization
        .as_ref()
        .and_then(|h| h.discharge_disposition.as_ref())
        .and_then(|d| d.code_in(NUBC_DISCHARGE))
        .map(str::to_owned);
    let reason = resource
        .reason_code
        .first()
        .and_then(|r| clip(r.label(), 200));
    Mapped::Encounter(Encounter {
        patient_id: patient_id.into(),
        class,
        status,
        admit_at,
        discharge_at,
        attending_id: provider(attending_id),
        facility_id: facility_id.map(Into::into),
        payer_id: None,
        discharge_disposition,
        reason,
        // The service is kept as words (`Medicine`); a coded serviceType without text or
        // display keeps its code, so nothing sent is lost.
        service: resource.service_type.as_ref().and_then(|service| {
            clip(
                service
                    .label()
                    .or_else(|| service.first_code().map(|(_, code)| code)),
                60,
            )
        }),
    })
}

fn category_is(categories: &[CodeableConcept], code: &str) -> bool {
    categories
        .iter()
        .any(|c| c.code_in(CONDITION_CATEGORY) == Some(code))
}

fn problem_status(
    clinical: Option<&CodeableConcept>,
    verification: Option<&CodeableConcept>,
    system: &str,
) -> ProblemStatus {
    if verification
        .and_then(|v| v.first_code())
        .map(|(_, code)| code)
        == Some("entered-in-error")
    {
        return ProblemStatus::EnteredInError;
    }
    match clinical.and_then(|c| c.code_in(system)) {
        Some("inactive" | "remission") => ProblemStatus::Inactive,
        Some("resolved") => ProblemStatus::Resolved,
        _ => ProblemStatus::Active,
    }
}

pub(super) fn condition(resource: &fhir::Condition, cx: &mut Cx<'_>) -> Mapped {
    let patient_id = cx.required_ref("patient", "subject", Some(&resource.subject));
    let Some(code) = resource.code.as_ref() else {
        return Mapped::Skipped("no code".into());
    };
    let encounter_id = cx.optional_ref("encounter", "encounter", resource.encounter.as_ref());
    let onset_at = cx.instant("onsetDateTime", resource.onset_date_time.as_deref());
    let description = clip(code.label(), 250);
    // An encounter diagnosis coded in ICD-10-CM is a billing diagnosis on its encounter;
    // anything else (a problem-list item, or a diagnosis coded in SNOMED CT as Synthea
    // writes them) goes on the problem list.
    if let (Some(icd), Some(encounter_id), false) = (
        code.code_in(ICD10CM),
        encounter_id,
        category_is(&resource.category, "problem-list-item"),
    ) {
        let code = records::normalize_icd10cm(icd).unwrap_or_else(|_| icd.to_owned());
        return Mapped::Diagnosis(Diagnosis {
            patient_id: patient_id.into(),
            encounter_id: encounter_id.into(),
            code,
            rank: DiagnosisRank::Secondary,
            sequence: 1,
            poa: None,
            description,
            onset_at,
        });
    }
    let (code_system, code_text) = match (code.code_in(SNOMED), code.code_in(ICD10CM)) {
        (Some(snomed), _) => ("snomed", snomed),
        (None, Some(icd)) => ("icd10cm", icd),
        _ => {
            cx.issue(
                "code-invalid",
                "code",
                "a SNOMED CT or ICD-10-CM code is required",
            );
            return Mapped::Skipped(String::new());
        }
    };
    let resolved_at = cx.instant("abatementDateTime", resource.abatement_date_time.as_deref());
    Mapped::Problem(Problem {
        patient_id: patient_id.into(),
        encounter_id: encounter_id.map(Into::into),
        code_system: code_system.into(),
        code: code_text.into(),
        description: description.unwrap_or_else(|| code_text.to_owned()),
        status: problem_status(
            resource.clinical_status.as_ref(),
            resource.verification_status.as_ref(),
            CONDITION_CLINICAL,
        ),
        onset_at,
        resolved_at,
    })
}

pub(super) fn procedure(resource: &fhir::Procedure, cx: &mut Cx<'_>) -> Mapped {
    if !matches!(resource.status.as_str(), "completed" | "in-progress") {
        return Mapped::Skipped(format!(
            "status {} is not a performed procedure",
            resource.status
        ));
    }
    let patient_id = cx.required_ref("patient", "subject", Some(&resource.subject));
    let coded = resource.code.as_ref().and_then(|code| {
        code.coding.iter().find_map(|coding| {
            Some((
                procedure_system_from_uri(coding.system.as_deref()?)?,
                coding.code.clone()?,
            ))
        })
    });
    let Some((code_system, code)) = coded else {
        cx.issue(
            "code-invalid",
            "code",
            "an ICD-10-PCS, CPT, HCPCS or SNOMED CT code is required",
        );
        return Mapped::Skipped(String::new());
    };
    let performed = resource.performed_date_time.as_deref().or_else(|| {
        resource
            .performed_period
            .as_ref()
            .and_then(|p| p.start.as_deref())
    });
    let performed_at = cx.required_instant("performed[x]", performed);
    let encounter_id = cx.optional_ref("encounter", "encounter", resource.encounter.as_ref());
    let performer_id = match resource.performer.first() {
        Some(performer) => {
            cx.optional_ref("provider", "performer[0].actor", Some(&performer.actor))
        }
        None => None,
    };
    Mapped::Procedure(Procedure {
        patient_id: patient_id.into(),
        encounter_id: encounter_id.map(Into::into),
        code_system,
        code,
        modifiers: Vec::new(),
        units: 1,
        performed_at,
        performer_id: provider(performer_id),
        description: clip(resource.code.as_ref().and_then(CodeableConcept::label), 250),
    })
}

pub(super) fn immunization(resource: &fhir::Immunization, cx: &mut Cx<'_>) -> Mapped {
    let patient_id = cx.required_ref("patient", "patient", Some(&resource.patient));
    let status = match resource.status.as_str() {
        "not-done" => ImmunizationStatus::NotDone,
        "entered-in-error" => ImmunizationStatus::EnteredInError,
        _ => ImmunizationStatus::Completed,
    };
    let Some(cvx) = resource.vaccine_code.code_in(CVX).map(str::to_owned) else {
        cx.issue(
            "code-invalid",
            "vaccineCode",
            format!("a CVX code ({CVX}) is required"),
        );
        return Mapped::Skipped(String::new());
    };
    let administered_at =
        cx.required_instant("occurrence[x]", resource.occurrence_date_time.as_deref());
    let encounter_id = cx.optional_ref("encounter", "encounter", resource.encounter.as_ref());
    let performer_id = match resource.performer.first() {
        Some(performer) => {
            cx.optional_ref("provider", "performer[0].actor", Some(&performer.actor))
        }
        None => None,
    };
    Mapped::Immunization(Immunization {
        patient_id: patient_id.into(),
        encounter_id: encounter_id.map(Into::into),
        cvx,
        administered_at,
        status,
        lot_number: resource.lot_number.clone(),
        site: resource
            .site
            .as_ref()
            .and_then(|s| s.code_in(V2_SITE))
            .map(str::to_owned),
        route: resource
            .route
            .as_ref()
            .and_then(|r| r.code_in(V2_ROUTE))
            .map(str::to_owned),
        performer_id: provider(performer_id),
        description: clip(resource.vaccine_code.label(), 250),
    })
}

fn observation_value(
    quantity: Option<&crate::datatypes::Quantity>,
    concept: Option<&CodeableConcept>,
    text: Option<&String>,
) -> Option<ObservationValue> {
    if let Some(quantity) = quantity {
        return Some(ObservationValue::Quantity {
            value_number: quantity.value.as_ref()?.to_f64()?,
            value_unit: quantity.code.clone().or_else(|| quantity.unit.clone()),
        });
    }
    if let Some(concept) = concept {
        let coding = concept.coding.iter().find(|c| c.code.is_some());
        return Some(ObservationValue::Coded {
            value_code: coding.and_then(|c| c.code.clone())?,
            value_display: coding
                .and_then(|c| c.display.clone())
                .or_else(|| concept.text.clone()),
        });
    }
    text.map(|text| ObservationValue::Text {
        value_text: text.chars().take(2000).collect(),
    })
}

pub(super) fn observation(resource: &fhir::Observation, cx: &mut Cx<'_>) -> Mapped {
    if matches!(resource.status.as_str(), "cancelled" | "entered-in-error") {
        return Mapped::Skipped(format!("status {}", resource.status));
    }
    // Chartroom keeps observations coded in LOINC; a code outside LOINC's shape (Synthea
    // writes placeholders such as `X9999-1`) is skipped like an observation with no LOINC
    // code at all, rather than failing the patient's whole bundle.
    let Some(code) = resource
        .code
        .code_in(LOINC)
        .filter(|c| is_loinc(c))
        .map(str::to_owned)
    else {
        return Mapped::Skipped("not coded in LOINC".into());
    };
    let patient_id = cx.required_ref("patient", "subject", resource.subject.as_ref());
    let encounter_id = cx.optional_ref("encounter", "encounter", resource.encounter.as_ref());
    let effective_at = cx.required_instant("effective[x]", resource.effective_date_time.as_deref());
    let category = resource
        .category
        .iter()
        .find_map(|c| c.code_in(OBSERVATION_CATEGORY))
        .map(str::to_owned);
    let make = |code: String, description: Option<String>, value: ObservationValue| Observation {
        patient_id: patient_id.into(),
        encounter_id: encounter_id.map(Into::into),
        code,
        description,
        category: category.clone(),
        value,
        effective_at,
    };
    if let Some(value) = observation_value(
        resource.value_quantity.as_ref(),
        resource.value_codeable_concept.as_ref(),
        resource.value_string.as_ref(),
    ) {
        return Mapped::Observations(vec![make(code, clip(resource.code.label(), 250), value)]);
    }
    // A panel (blood pressure) has its values on components; each becomes an observation
    // of its own, as the records model keeps one value per observation.
    let components: Vec<Observation> = resource
        .component
        .iter()
        .filter_map(|component| {
            let code = component
                .code
                .code_in(LOINC)
                .filter(|c| is_loinc(c))?
                .to_owned();
            let value = observation_value(
                component.value_quantity.as_ref(),
                component.value_codeable_concept.as_ref(),
                component.value_string.as_ref(),
            )?;
            Some(make(code, clip(component.code.label(), 250), value))
        })
        .collect();
    if components.is_empty() {
        Mapped::Skipped("no value".into())
    } else {
        Mapped::Observations(components)
    }
}

/// Digits, a hyphen and a check digit, as the records model requires.
fn is_loinc(code: &str) -> bool {
    code.split_once('-').is_some_and(|(number, check)| {
        (1..=7).contains(&number.len())
            && number.bytes().all(|b| b.is_ascii_digit())
            && check.len() == 1
            && check.bytes().all(|b| b.is_ascii_digit())
    })
}

pub(super) fn medication(resource: &fhir::MedicationStatement, cx: &mut Cx<'_>) -> Mapped {
    let patient_id = cx.required_ref("patient", "subject", Some(&resource.subject));
    let status = match resource.status.as_str() {
        "completed" => MedicationStatus::Completed,
        "stopped" | "not-taken" => MedicationStatus::Stopped,
        "entered-in-error" => MedicationStatus::EnteredInError,
        _ => MedicationStatus::Active,
    };
    let concept = resource.medication_codeable_concept.as_ref();
    let Some((_, code)) = concept.and_then(CodeableConcept::first_code) else {
        cx.issue(
            "required",
            "medication[x]",
            "a coded medication is required",
        );
        return Mapped::Skipped(String::new());
    };
    let code = code.to_owned();
    let description =
        clip(concept.and_then(CodeableConcept::label), 250).unwrap_or_else(|| code.clone());
    let period = resource.effective_period.as_ref();
    let start_at = cx.required_instant(
        "effectivePeriod.start",
        period.and_then(|p| p.start.as_deref()),
    );
    let end_at = cx.instant("effectivePeriod.end", period.and_then(|p| p.end.as_deref()));
    let encounter_id = cx.optional_ref("encounter", "context", resource.context.as_ref());
    let prescriber_id = cx.optional_ref(
        "provider",
        "informationSource",
        resource.information_source.as_ref(),
    );
    Mapped::Medication(Medication {
        patient_id: patient_id.into(),
        encounter_id: encounter_id.map(Into::into),
        code,
        description,
        status,
        start_at,
        end_at,
        dosage: resource
            .dosage
            .first()
            .and_then(|d| clip(d.text.as_deref(), 250)),
        prescriber_id: provider(prescriber_id),
    })
}

pub(super) fn allergy(resource: &fhir::AllergyIntolerance, cx: &mut Cx<'_>) -> Mapped {
    let patient_id = cx.required_ref("patient", "patient", Some(&resource.patient));
    let code = resource.code.as_ref();
    let Some(substance) = clip(code.and_then(CodeableConcept::label), 200) else {
        cx.issue(
            "required",
            "code",
            "the substance (code with text or display) is required",
        );
        return Mapped::Skipped(String::new());
    };
    let category = match resource.category.first().map(String::as_str) {
        Some("food") => AllergyCategory::Food,
        Some("environment") => AllergyCategory::Environment,
        Some("biologic") => AllergyCategory::Biologic,
        _ => AllergyCategory::Medication,
    };
    let criticality = resource.criticality.as_deref().map(|c| match c {
        "low" => AllergyCriticality::Low,
        "high" => AllergyCriticality::High,
        _ => AllergyCriticality::UnableToAssess,
    });
    Mapped::Allergy(Allergy {
        patient_id: patient_id.into(),
        code: code.and_then(|c| c.code_in(SNOMED)).map(str::to_owned),
        substance,
        category,
        criticality,
        reaction: resource
            .reaction
            .first()
            .and_then(|r| r.manifestation.first())
            .and_then(|m| clip(m.label(), 250)),
        status: problem_status(
            resource.clinical_status.as_ref(),
            resource.verification_status.as_ref(),
            ALLERGY_CLINICAL,
        ),
        onset_at: cx.instant("onsetDateTime", resource.onset_date_time.as_deref()),
    })
}

fn note_type(concept: Option<&CodeableConcept>) -> NoteType {
    let Some(concept) = concept else {
        return NoteType::Other;
    };
    match concept.code_in(NOTE_TYPE) {
        Some("history_and_physical") => return NoteType::HistoryAndPhysical,
        Some("progress") => return NoteType::Progress,
        Some("consultation") => return NoteType::Consultation,
        Some("operative_report") => return NoteType::OperativeReport,
        Some("discharge_summary") => return NoteType::DischargeSummary,
        Some("emergency_department") => return NoteType::EmergencyDepartment,
        Some("telehealth") => return NoteType::Telehealth,
        Some("radiology_report") => return NoteType::RadiologyReport,
        Some(_) => return NoteType::Other,
        None => {}
    }
    match concept.code_in(LOINC) {
        Some("34117-2") => NoteType::HistoryAndPhysical,
        Some("11506-3") => NoteType::Progress,
        Some("11488-4") => NoteType::Consultation,
        Some("11504-8") => NoteType::OperativeReport,
        Some("18842-5") => NoteType::DischargeSummary,
        Some("18748-4") => NoteType::RadiologyReport,
        Some("34111-5") => NoteType::EmergencyDepartment,
        _ => NoteType::Other,
    }
}

pub(super) fn note(resource: &fhir::DocumentReference, cx: &mut Cx<'_>) -> Mapped {
    if resource.status == "entered-in-error" {
        return Mapped::Skipped("entered in error".into());
    }
    let patient_id = cx.required_ref("patient", "subject", resource.subject.as_ref());
    let attachment = resource.content.first().map(|c| &c.attachment);
    let text = attachment
        .and_then(|a| a.data.as_deref())
        .and_then(|data| {
            base64::engine::general_purpose::STANDARD
                .decode(data.trim())
                .ok()
        })
        .and_then(|bytes| String::from_utf8(bytes).ok());
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
        cx.issue(
            "required",
            "content[0].attachment.data",
            "the note text (base64 UTF-8) is required",
        );
        return Mapped::Skipped(String::new());
    };
    let authored = resource
        .date
        .as_deref()
        .or_else(|| attachment.and_then(|a| a.creation.as_deref()));
    let authored_at = cx.required_instant("date", authored);
    let author_id = match resource.author.first() {
        Some(author) => cx.optional_ref("provider", "author[0]", Some(author)),
        None => None,
    };
    let context = resource.context.as_ref();
    let encounter_id = match context.and_then(|c| c.encounter.first()) {
        Some(encounter) => cx.optional_ref("encounter", "context.encounter[0]", Some(encounter)),
        None => None,
    };
    // A final document is signed: by its authenticator, else its author, at the end of the
    // context period, else when it was written. A final note with nobody to sign stays
    // unsigned, so the deficiency queue asks for a signature.
    let signer_id = match resource.authenticator.as_ref() {
        Some(authenticator) => cx.optional_ref("provider", "authenticator", Some(authenticator)),
        None => author_id,
    };
    let signed = resource.doc_status.as_deref() == Some("final") && signer_id.is_some();
    let signed_at = signed.then(|| {
        context
            .and_then(|c| c.period.as_ref())
            .and_then(|p| p.end.as_deref())
            .and_then(parse_instant)
            .unwrap_or(authored_at)
    });
    Mapped::Note(ClinicalNote {
        patient_id: patient_id.into(),
        encounter_id: encounter_id.map(Into::into),
        note_type: note_type(resource.type_.as_ref()),
        author_id: provider(author_id),
        authored_at,
        text,
        signed_at,
        signer_id: if signed { provider(signer_id) } else { None },
    })
}
