//! Synthetic records covering every kind the FHIR mapping carries, including the ones the
//! demo population does not generate (medications, allergies, problems, payers, coverages).

use records::*;
use store::{Actor, Store};
use time::macros::{date, datetime};

/// Ids of the records `chart` wrote.
pub struct Chart {
    pub patient: i64,
    pub encounter: i64,
}

pub fn chart(store: &Store) -> Chart {
    let actor = Actor::new("test");
    store
        .write(|tx| {
            let organization = tx.create(
                &actor,
                &Organization {
                    name: "Harbor General".into(),
                    kind: OrganizationKind::Facility,
                    npi: None,
                    address: Address {
                        city: Some("Springfield".into()),
                        postal_code: Some("01101".into()),
                        ..Address::default()
                    },
                    phone: Some("555-0100".into()),
                },
            )?;
            let payer = tx.create(
                &actor,
                &Payer {
                    name: "Medicare".into(),
                    payer_code: Some("MCR".into()),
                    kind: PayerKind::Medicare,
                    address: Address::default(),
                    phone: None,
                },
            )?;
            let provider = tx.create(
                &actor,
                &Provider {
                    npi: None,
                    family_name: "Osei".into(),
                    given_name: "Kwame".into(),
                    credentials: Some("MD".into()),
                    taxonomy: Some("207Q00000X".into()),
                    specialty: Some("Family Medicine".into()),
                    organization_id: Some(OrganizationId(organization.meta.id)),
                },
            )?;
            let patient = tx.create(
                &actor,
                &Patient {
                    mrn: Mrn::parse("T-100").unwrap(),
                    mrn_authority: "Harbor General".into(),
                    family_name: "Quill".into(),
                    given_name: "Ada".into(),
                    middle_name: Some("B".into()),
                    name_prefix: None,
                    name_suffix: None,
                    preferred_name: Some("Addie".into()),
                    birth_date: date!(1980 - 04 - 12),
                    sex: AdministrativeSex::Female,
                    address: Address {
                        line1: Some("1 Main St".into()),
                        city: Some("Springfield".into()),
                        state: Some("MA".into()),
                        postal_code: Some("01101".into()),
                        country: Some("US".into()),
                        ..Address::default()
                    },
                    phone: Some("555-0101".into()),
                    email: Some("ada@example.org".into()),
                    language: Some("en".into()),
                    race: None,
                    ethnicity: None,
                    deceased_date: None,
                    identifiers: Vec::new(),
                },
            )?;
            let patient_id = PatientId(patient.meta.id);
            tx.create(
                &actor,
                &Coverage {
                    patient_id,
                    payer_id: PayerId(payer.meta.id),
                    plan_name: Some("Part B".into()),
                    member_id: "1EG4TE5MK73".into(),
                    group_number: None,
                    subscriber_name: None,
                    relationship: Relationship::SelfSubscriber,
                    coverage_order: CoverageOrder::Primary,
                    effective_start: date!(2020 - 01 - 01),
                    effective_end: None,
                },
            )?;
            let encounter = tx.create(
                &actor,
                &Encounter {
                    patient_id,
                    class: EncounterClass::Inpatient,
                    status: EncounterStatus::Finished,
                    admit_at: datetime!(2026-01-05 08:00 UTC),
                    discharge_at: Some(datetime!(2026-01-08 11:30 UTC)),
                    attending_id: Some(ProviderId(provider.meta.id)),
                    facility_id: Some(OrganizationId(organization.meta.id)),
                    payer_id: Some(PayerId(payer.meta.id)),
                    discharge_disposition: Some("01".into()),
                    reason: Some("Shortness of breath".into()),
                    service: Some("Medicine".into()),
                },
            )?;
            let encounter_id = EncounterId(encounter.meta.id);
            tx.create(
                &actor,
                &Diagnosis {
                    patient_id,
                    encounter_id,
                    code: "J18.9".into(),
                    rank: DiagnosisRank::Principal,
                    sequence: 1,
                    poa: Some(PoaIndicator::Yes),
                    description: Some("Pneumonia, unspecified organism".into()),
                    onset_at: None,
                },
            )?;
            tx.create(
                &actor,
                &Problem {
                    patient_id,
                    encounter_id: None,
                    code_system: "snomed".into(),
                    code: "38341003".into(),
                    description: "Hypertension".into(),
                    status: ProblemStatus::Active,
                    onset_at: Some(datetime!(2019-06-01 00:00 UTC)),
                    resolved_at: None,
                },
            )?;
            tx.create(
                &actor,
                &Procedure {
                    patient_id,
                    encounter_id: Some(encounter_id),
                    code_system: ProcedureCodeSystem::Icd10Pcs,
                    code: "0BH17EZ".into(),
                    modifiers: Vec::new(),
                    units: 1,
                    performed_at: datetime!(2026-01-05 09:00 UTC),
                    performer_id: Some(ProviderId(provider.meta.id)),
                    description: None,
                },
            )?;
            tx.create(
                &actor,
                &Immunization {
                    patient_id,
                    encounter_id: Some(encounter_id),
                    cvx: "140".into(),
                    administered_at: datetime!(2026-01-07 10:00 UTC),
                    status: ImmunizationStatus::Completed,
                    lot_number: Some("L123".into()),
                    site: Some("LD".into()),
                    route: Some("IM".into()),
                    performer_id: None,
                    description: Some("Influenza, seasonal, injectable".into()),
                },
            )?;
            for (code, value) in [("29463-7", 72.5), ("8302-2", 165.0)] {
                tx.create(
                    &actor,
                    &Observation {
                        patient_id,
                        encounter_id: Some(encounter_id),
                        code: code.into(),
                        description: None,
                        category: Some("vital-signs".into()),
                        value: ObservationValue::Quantity {
                            value_number: value,
                            value_unit: Some(if code == "8302-2" { "cm" } else { "kg" }.into()),
                        },
                        effective_at: datetime!(2026-01-05 08:30 UTC),
                    },
                )?;
            }
            tx.create(
                &actor,
                &Observation {
                    patient_id,
                    encounter_id: None,
                    code: "72166-2".into(),
                    description: Some("Tobacco smoking status".into()),
                    category: Some("social-history".into()),
                    value: ObservationValue::Coded {
                        value_code: "266919005".into(),
                        value_display: Some("Never smoker".into()),
                    },
                    effective_at: datetime!(2026-01-05 08:30 UTC),
                },
            )?;
            tx.create(
                &actor,
                &Medication {
                    patient_id,
                    encounter_id: Some(encounter_id),
                    code: "308182".into(),
                    description: "Amoxicillin 250 MG Oral Capsule".into(),
                    status: MedicationStatus::Completed,
                    start_at: datetime!(2026-01-05 12:00 UTC),
                    end_at: Some(datetime!(2026-01-12 12:00 UTC)),
                    dosage: Some("250 mg three times daily".into()),
                    prescriber_id: Some(ProviderId(provider.meta.id)),
                },
            )?;
            tx.create(
                &actor,
                &Allergy {
                    patient_id,
                    code: Some("91936005".into()),
                    substance: "Penicillin".into(),
                    category: AllergyCategory::Medication,
                    criticality: Some(AllergyCriticality::High),
                    reaction: Some("Hives".into()),
                    status: ProblemStatus::Active,
                    onset_at: None,
                },
            )?;
            tx.create(
                &actor,
                &ClinicalNote {
                    patient_id,
                    encounter_id: Some(encounter_id),
                    note_type: NoteType::DischargeSummary,
                    author_id: Some(ProviderId(provider.meta.id)),
                    authored_at: datetime!(2026-01-08 11:00 UTC),
                    text: "Discharged home in good condition.".into(),
                    signed_at: Some(datetime!(2026-01-08 12:00 UTC)),
                    signer_id: Some(ProviderId(provider.meta.id)),
                },
            )?;
            tx.create(
                &actor,
                &Charge {
                    patient_id,
                    encounter_id: Some(encounter_id),
                    procedure_id: None,
                    code: Some("99223".into()),
                    description: "Initial hospital care".into(),
                    service_date: date!(2026 - 01 - 05),
                    amount_cents: 41_250,
                    units: 1,
                    payer_id: Some(PayerId(payer.meta.id)),
                    due_date: Some(date!(2026 - 02 - 04)),
                },
            )?;
            Ok(Chart {
                patient: patient.meta.id,
                encounter: encounter.meta.id,
            })
        })
        .unwrap()
}
