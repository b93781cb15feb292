//! Records to FHIR for what happens in care: encounters, diagnoses and problems,
//! procedures, immunizations, observations, medications, allergies and notes.
//!
//! Invariants are the parent module's: record ids become FHIR ids, store metadata becomes
//! `meta`, codings name canonical URIs.

use super::{NOTE_TYPE, ToFhir, instant, meta, non_empty, patient_ref, reference, resource_id};
use crate::datatypes::{Attachment, CodeableConcept, Coding, Period, Quantity};
use crate::decimal::Decimal;
use crate::resources as fhir;
use crate::systems::*;
use base64::Engine as _;
use records::{
    Allergy, AllergyCategory, AllergyCriticality, ClinicalNote, Diagnosis, Encounter,
    EncounterClass, EncounterStatus, Immunization, ImmunizationStatus, Medication,
    MedicationStatus, NoteType, Observation, ObservationValue, Problem, ProblemStatus, Procedure,
};
use store::Stored;

pub(crate) fn encounter_class(class: EncounterClass) -> (&'static str, &'static str) {
    match class {
        EncounterClass::Inpatient => ("IMP", "inpatient encounter"),
        EncounterClass::Outpatient => ("AMB", "ambulatory"),
        EncounterClass::Emergency => ("EMER", "emergency"),
        EncounterClass::Telehealth => ("VR", "virtual"),
    }
}

pub(crate) fn encounter_status(status: EncounterStatus) -> &'static str {
    match status {
        EncounterStatus::Planned => "planned",
        EncounterStatus::InProgress => "in-progress",
        EncounterStatus::Finished => "finished",
        EncounterStatus::Cancelled => "cancelled",
        EncounterStatus::EnteredInError => "entered-in-error",
    }
}

impl ToFhir for Encounter {
    type Resource = fhir::Encounter;
    fn to_fhir(stored: &Stored<Self>) -> fhir::Encounter {
        let encounter = &stored.record;
        let (class_code, class_display) = encounter_class(encounter.class);
        fhir::Encounter {
            id: Some(resource_id("encounter", stored.meta.id)),
            meta: meta(&stored.meta),
            status: encounter_status(encounter.status).into(),
            class: Some(Coding::new(ACT_CODE, class_code, Some(class_display))),
            service_type: non_empty(&encounter.service)
                .map(|service| CodeableConcept::text(&service)),
            subject: Some(patient_ref(encounter.patient_id)),
            participant: encounter
                .attending_id
                .map(|id| fhir::EncounterParticipant {
                    type_: vec![CodeableConcept::coded(
                        PARTICIPATION_TYPE,
                        "ATND",
                        Some("attender"),
                    )],
                    individual: Some(reference("Practitioner", "provider", id.0)),
                })
                .into_iter()
                .collect(),
            period: Some(Period {
                start: Some(instant(encounter.admit_at)),
                end: encounter.discharge_at.map(instant),
            }),
            reason_code: non_empty(&encounter.reason)
                .map(|reason| CodeableConcept::text(&reason))
                .into_iter()
                .collect(),
            hospitalization: encounter.discharge_disposition.as_ref().map(|code| {
                fhir::EncounterHospitalization {
                    discharge_disposition: Some(CodeableConcept::coded(NUBC_DISCHARGE, code, None)),
                }
            }),
            service_provider: encounter
                .facility_id
                .map(|id| reference("Organization", "organization", id.0)),
            ..fhir::Encounter::default()
        }
    }
}

fn concept_with_label(system: &str, code: &str, label: &Option<String>) -> CodeableConcept {
    CodeableConcept::coded(system, code, non_empty(label).as_deref())
}

impl ToFhir for Diagnosis {
    type Resource = fhir::Condition;
    fn to_fhir(stored: &Stored<Self>) -> fhir::Condition {
        let diagnosis = &stored.record;
        fhir::Condition {
            id: Some(resource_id("diagnosis", stored.meta.id)),
            meta: meta(&stored.meta),
            verification_status: Some(CodeableConcept::coded(
                CONDITION_VERIFICATION,
                "confirmed",
                None,
            )),
            category: vec![CodeableConcept::coded(
                CONDITION_CATEGORY,
                "encounter-diagnosis",
                Some("Encounter Diagnosis"),
            )],
            code: Some(concept_with_label(
                ICD10CM,
                &diagnosis.code,
                &diagnosis.description,
            )),
            subject: patient_ref(diagnosis.patient_id),
            encounter: Some(reference(
                "Encounter",
                "encounter",
                diagnosis.encounter_id.0,
            )),
            onset_date_time: diagnosis.onset_at.map(instant),
            ..fhir::Condition::default()
        }
    }
}

fn clinical_status(status: ProblemStatus) -> Option<&'static str> {
    match status {
        ProblemStatus::Active => Some("active"),
        ProblemStatus::Inactive => Some("inactive"),
        ProblemStatus::Resolved => Some("resolved"),
        // FHIR invariant con-5 / ait-1: no clinical status when entered in error.
        ProblemStatus::EnteredInError => None,
    }
}

impl ToFhir for Problem {
    type Resource = fhir::Condition;
    fn to_fhir(stored: &Stored<Self>) -> fhir::Condition {
        let problem = &stored.record;
        let system = if problem.code_system == "icd10cm" {
            ICD10CM
        } else {
            SNOMED
        };
        fhir::Condition {
            id: Some(resource_id("problem", stored.meta.id)),
            meta: meta(&stored.meta),
            clinical_status: clinical_status(problem.status)
                .map(|code| CodeableConcept::coded(CONDITION_CLINICAL, code, None)),
            verification_status: Some(CodeableConcept::coded(
                CONDITION_VERIFICATION,
                if problem.status == ProblemStatus::EnteredInError {
                    "entered-in-error"
                } else {
                    "confirmed"
                },
                None,
            )),
            category: vec![CodeableConcept::coded(
                CONDITION_CATEGORY,
                "problem-list-item",
                Some("Problem List Item"),
            )],
            code: Some(CodeableConcept::coded(
                system,
                &problem.code,
                Some(&problem.description),
            )),
            subject: patient_ref(problem.patient_id),
            encounter: problem
                .encounter_id
                .map(|id| reference("Encounter", "encounter", id.0)),
            onset_date_time: problem.onset_at.map(instant),
            abatement_date_time: problem.resolved_at.map(instant),
            ..fhir::Condition::default()
        }
    }
}

impl ToFhir for Procedure {
    type Resource = fhir::Procedure;
    fn to_fhir(stored: &Stored<Self>) -> fhir::Procedure {
        let procedure = &stored.record;
        fhir::Procedure {
            id: Some(resource_id("procedure", stored.meta.id)),
            meta: meta(&stored.meta),
            status: "completed".into(),
            code: Some(concept_with_label(
                procedure_system(procedure.code_system),
                &procedure.code,
                &procedure.description,
            )),
            subject: patient_ref(procedure.patient_id),
            encounter: procedure
                .encounter_id
                .map(|id| reference("Encounter", "encounter", id.0)),
            performed_date_time: Some(instant(procedure.performed_at)),
            performer: procedure
                .performer_id
                .map(|id| fhir::ProcedurePerformer {
                    actor: reference("Practitioner", "provider", id.0),
                })
                .into_iter()
                .collect(),
            ..fhir::Procedure::default()
        }
    }
}

pub(crate) fn immunization_status(status: ImmunizationStatus) -> &'static str {
    match status {
        ImmunizationStatus::Completed => "completed",
        ImmunizationStatus::NotDone => "not-done",
        ImmunizationStatus::EnteredInError => "entered-in-error",
    }
}

impl ToFhir for Immunization {
    type Resource = fhir::Immunization;
    fn to_fhir(stored: &Stored<Self>) -> fhir::Immunization {
        let immunization = &stored.record;
        fhir::Immunization {
            id: Some(resource_id("immunization", stored.meta.id)),
            meta: meta(&stored.meta),
            status: immunization_status(immunization.status).into(),
            vaccine_code: concept_with_label(CVX, &immunization.cvx, &immunization.description),
            patient: patient_ref(immunization.patient_id),
            encounter: immunization
                .encounter_id
                .map(|id| reference("Encounter", "encounter", id.0)),
            occurrence_date_time: Some(instant(immunization.administered_at)),
            primary_source: Some(true),
            lot_number: non_empty(&immunization.lot_number),
            site: non_empty(&immunization.site)
                .map(|site| CodeableConcept::coded(V2_SITE, &site, None)),
            route: non_empty(&immunization.route)
                .map(|route| CodeableConcept::coded(V2_ROUTE, &route, None)),
            performer: immunization
                .performer_id
                .map(|id| fhir::ImmunizationPerformer {
                    actor: reference("Practitioner", "provider", id.0),
                })
                .into_iter()
                .collect(),
            ..fhir::Immunization::default()
        }
    }
}

impl ToFhir for Observation {
    type Resource = fhir::Observation;
    fn to_fhir(stored: &Stored<Self>) -> fhir::Observation {
        let observation = &stored.record;
        let mut resource = fhir::Observation {
            id: Some(resource_id("observation", stored.meta.id)),
            meta: meta(&stored.meta),
            status: "final".into(),
            category: non_empty(&observation.category)
                .map(|category| CodeableConcept::coded(OBSERVATION_CATEGORY, &category, None))
                .into_iter()
                .collect(),
            code: concept_with_label(LOINC, &observation.code, &observation.description),
            subject: Some(patient_ref(observation.patient_id)),
            encounter: observation
                .encounter_id
                .map(|id| reference("Encounter", "encounter", id.0)),
            effective_date_time: Some(instant(observation.effective_at)),
            ..fhir::Observation::default()
        };
        match &observation.value {
            ObservationValue::Quantity {
                value_number,
                value_unit,
            } => {
                let unit = non_empty(value_unit);
                resource.value_quantity = Some(Quantity {
                    value: Decimal::from_f64(*value_number),
                    system: unit.as_ref().map(|_| UCUM.to_owned()),
                    code: unit.clone(),
                    unit,
                });
            }
            ObservationValue::Coded {
                value_code,
                value_display,
            } => {
                resource.value_codeable_concept = Some(CodeableConcept {
                    coding: vec![Coding {
                        code: Some(value_code.clone()),
                        display: non_empty(value_display),
                        ..Coding::default()
                    }],
                    text: non_empty(value_display),
                });
            }
            ObservationValue::Text { value_text } => {
                resource.value_string = non_empty(&Some(value_text.clone()));
            }
        }
        resource
    }
}

pub(crate) fn medication_status(status: MedicationStatus) -> &'static str {
    match status {
        MedicationStatus::Active => "active",
        MedicationStatus::Completed => "completed",
        MedicationStatus::Stopped => "stopped",
        MedicationStatus::EnteredInError => "entered-in-error",
    }
}

impl ToFhir for Medication {
    type Resource = fhir::MedicationStatement;
    fn to_fhir(stored: &Stored<Self>) -> fhir::MedicationStatement {
        let medication = &stored.record;
        fhir::MedicationStatement {
            id: Some(resource_id("medication", stored.meta.id)),
            meta: meta(&stored.meta),
            status: medication_status(medication.status).into(),
            medication_codeable_concept: Some(CodeableConcept::coded(
                RXNORM,
                &medication.code,
                Some(&medication.description),
            )),
            subject: patient_ref(medication.patient_id),
            context: medication
                .encounter_id
                .map(|id| reference("Encounter", "encounter", id.0)),
            effective_period: Some(Period {
                start: Some(instant(medication.start_at)),
                end: medication.end_at.map(instant),
            }),
            information_source: medication
                .prescriber_id
                .map(|id| reference("Practitioner", "provider", id.0)),
            dosage: non_empty(&medication.dosage)
                .map(|text| fhir::Dosage { text: Some(text) })
                .into_iter()
                .collect(),
            ..fhir::MedicationStatement::default()
        }
    }
}

pub(crate) fn allergy_category(category: AllergyCategory) -> &'static str {
    match category {
        AllergyCategory::Food => "food",
        AllergyCategory::Medication => "medication",
        AllergyCategory::Environment => "environment",
        AllergyCategory::Biologic => "biologic",
    }
}

pub(crate) fn allergy_criticality(criticality: AllergyCriticality) -> &'static str {
    match criticality {
        AllergyCriticality::Low => "low",
        AllergyCriticality::High => "high",
        AllergyCriticality::UnableToAssess => "unable-to-assess",
    }
}

impl ToFhir for Allergy {
    type Resource = fhir::AllergyIntolerance;
    fn to_fhir(stored: &Stored<Self>) -> fhir::AllergyIntolerance {
        let allergy = &stored.record;
        let code = match non_empty(&allergy.code) {
            Some(code) => CodeableConcept::coded(SNOMED, &code, Some(&allergy.substance)),
            None => CodeableConcept::text(&allergy.substance),
        };
        fhir::AllergyIntolerance {
            id: Some(resource_id("allergy", stored.meta.id)),
            meta: meta(&stored.meta),
            clinical_status: clinical_status(allergy.status)
                .map(|code| CodeableConcept::coded(ALLERGY_CLINICAL, code, None)),
            verification_status: (allergy.status == ProblemStatus::EnteredInError).then(|| {
                CodeableConcept::coded(
                    "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
                    "entered-in-error",
                    None,
                )
            }),
            category: vec![allergy_category(allergy.category).into()],
            criticality: allergy.criticality.map(|c| allergy_criticality(c).into()),
            code: Some(code),
            patient: patient_ref(allergy.patient_id),
            onset_date_time: allergy.onset_at.map(instant),
            reaction: non_empty(&allergy.reaction)
                .map(|reaction| fhir::AllergyReaction {
                    manifestation: vec![CodeableConcept::text(&reaction)],
                    description: None,
                })
                .into_iter()
                .collect(),
            ..fhir::AllergyIntolerance::default()
        }
    }
}

/// LOINC document type codes for note types (LOINC Document Ontology).
pub(crate) fn note_loinc(note_type: NoteType) -> &'static str {
    match note_type {
        NoteType::HistoryAndPhysical => "34117-2",
        NoteType::Progress => "11506-3",
        NoteType::Consultation => "11488-4",
        NoteType::OperativeReport => "11504-8",
        NoteType::DischargeSummary => "18842-5",
        NoteType::EmergencyDepartment => "34111-5",
        NoteType::Telehealth => "11506-3",
        NoteType::RadiologyReport => "18748-4",
        NoteType::Other => "34109-9",
    }
}

pub(crate) fn note_type_name(note_type: NoteType) -> &'static str {
    match note_type {
        NoteType::HistoryAndPhysical => "history_and_physical",
        NoteType::Progress => "progress",
        NoteType::Consultation => "consultation",
        NoteType::OperativeReport => "operative_report",
        NoteType::DischargeSummary => "discharge_summary",
        NoteType::EmergencyDepartment => "emergency_department",
        NoteType::Telehealth => "telehealth",
        NoteType::RadiologyReport => "radiology_report",
        NoteType::Other => "other",
    }
}

impl ToFhir for ClinicalNote {
    type Resource = fhir::DocumentReference;
    fn to_fhir(stored: &Stored<Self>) -> fhir::DocumentReference {
        let note = &stored.record;
        fhir::DocumentReference {
            id: Some(resource_id("note", stored.meta.id)),
            meta: meta(&stored.meta),
            status: "current".into(),
            // An unsigned note is a draft; signing makes it final (HIM deficiency rules).
            doc_status: Some(
                if note.is_unsigned() {
                    "preliminary"
                } else {
                    "final"
                }
                .into(),
            ),
            type_: Some(CodeableConcept {
                coding: vec![
                    Coding::new(LOINC, note_loinc(note.note_type), None),
                    Coding::new(NOTE_TYPE, note_type_name(note.note_type), None),
                ],
                text: Some(note.note_type.label().into()),
            }),
            subject: Some(patient_ref(note.patient_id)),
            date: Some(instant(note.authored_at)),
            author: note
                .author_id
                .map(|id| reference("Practitioner", "provider", id.0))
                .into_iter()
                .collect(),
            authenticator: note
                .signer_id
                .map(|id| reference("Practitioner", "provider", id.0)),
            content: vec![fhir::DocumentContent {
                attachment: Attachment {
                    content_type: Some("text/plain; charset=utf-8".into()),
                    data: Some(base64::engine::general_purpose::STANDARD.encode(&note.text)),
                    creation: Some(instant(note.authored_at)),
                    ..Attachment::default()
                },
            }],
            context: note.encounter_id.map(|id| fhir::DocumentContext {
                encounter: vec![reference("Encounter", "encounter", id.0)],
                period: note.signed_at.map(|signed| Period {
                    start: None,
                    end: Some(instant(signed)),
                }),
            }),
            ..fhir::DocumentReference::default()
        }
    }
}
