//! Small synthetic charts for the storage tests.

use records::*;
use store::{Actor, Stored, Tx};
use time::macros::{date, datetime};

pub fn actor() -> Actor {
    Actor::new("test:clerk")
}

pub fn patient(mrn: &str, family: &str, given: &str) -> Patient {
    Patient {
        mrn: Mrn::parse(mrn).unwrap(),
        mrn_authority: "CHARTROOM".into(),
        family_name: family.into(),
        given_name: given.into(),
        middle_name: None,
        name_prefix: None,
        name_suffix: None,
        preferred_name: None,
        birth_date: date!(1980 - 04 - 12),
        sex: AdministrativeSex::Female,
        address: Address {
            line1: Some("12 Test Lane".into()),
            city: Some("Springfield".into()),
            state: Some("MA".into()),
            postal_code: Some("01101".into()),
            ..Address::default()
        },
        phone: Some("555-0100".into()),
        email: None,
        language: Some("en".into()),
        race: None,
        ethnicity: None,
        deceased_date: None,
        identifiers: Vec::new(),
    }
}

/// Everything a chart can hold, one of each, so every table is written and read back.
pub struct Chart {
    pub patient: Stored<Patient>,
    pub encounter: Stored<Encounter>,
    pub charge: Stored<Charge>,
}

pub fn full_chart(tx: &mut Tx<'_>) -> store::Result<Chart> {
    let actor = actor();
    let org = tx.create(
        &actor,
        &Organization {
            name: "Synthetic General Hospital".into(),
            kind: OrganizationKind::Facility,
            npi: Some(Npi::from_base(123_456_789)),
            address: Address::default(),
            phone: None,
        },
    )?;
    let payer = tx.create(
        &actor,
        &Payer {
            name: "Example Health Plan".into(),
            payer_code: Some("EXHP1".into()),
            kind: PayerKind::Commercial,
            address: Address::default(),
            phone: None,
        },
    )?;
    let provider = tx.create(
        &actor,
        &Provider {
            npi: Some(Npi::parse("1234567893").unwrap()),
            family_name: "Osler".into(),
            given_name: "Wilma".into(),
            credentials: Some("MD".into()),
            taxonomy: Some("207R00000X".into()),
            specialty: Some("Internal medicine".into()),
            organization_id: Some(OrganizationId(org.meta.id)),
        },
    )?;
    let patient = tx.create(&actor, &patient("MRN-1001", "Testperson", "Alma"))?;
    let patient_id = PatientId(patient.meta.id);
    tx.create(
        &actor,
        &Coverage {
            patient_id,
            payer_id: PayerId(payer.meta.id),
            plan_name: Some("Gold".into()),
            member_id: "XZ123".into(),
            group_number: Some("G-77".into()),
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
            admit_at: datetime!(2026-02-01 08:30 UTC),
            discharge_at: Some(datetime!(2026-02-04 11:00 UTC)),
            attending_id: Some(ProviderId(provider.meta.id)),
            facility_id: Some(OrganizationId(org.meta.id)),
            payer_id: Some(PayerId(payer.meta.id)),
            discharge_disposition: Some("01".into()),
            reason: Some("Chest pain".into()),
            service: None,
        },
    )?;
    let encounter_id = EncounterId(encounter.meta.id);
    tx.create(
        &actor,
        &EncounterParticipant {
            patient_id,
            encounter_id,
            provider_id: ProviderId(provider.meta.id),
            role: ParticipantRole::Consulting,
        },
    )?;
    tx.create(
        &actor,
        &Diagnosis {
            patient_id,
            encounter_id,
            code: "I21.4".into(),
            rank: DiagnosisRank::Principal,
            sequence: 1,
            poa: Some(PoaIndicator::Yes),
            description: Some("NSTEMI".into()),
            onset_at: None,
        },
    )?;
    let procedure = tx.create(
        &actor,
        &Procedure {
            patient_id,
            encounter_id: Some(encounter_id),
            code_system: ProcedureCodeSystem::Icd10Pcs,
            code: "4A023N7".into(),
            modifiers: vec![],
            units: 1,
            performed_at: datetime!(2026-02-02 09:00 UTC),
            performer_id: Some(ProviderId(provider.meta.id)),
            description: Some("Left heart catheterization".into()),
        },
    )?;
    tx.create(
        &actor,
        &Immunization {
            patient_id,
            encounter_id: Some(encounter_id),
            cvx: "158".into(),
            administered_at: datetime!(2026-02-03 10:00 UTC),
            status: ImmunizationStatus::Completed,
            lot_number: Some("LOT42".into()),
            site: Some("LD".into()),
            route: Some("IM".into()),
            performer_id: None,
            description: Some("Influenza, injectable, quadrivalent".into()),
        },
    )?;
    tx.create(
        &actor,
        &Observation {
            patient_id,
            encounter_id: Some(encounter_id),
            code: "8867-4".into(),
            description: Some("Heart rate".into()),
            category: Some("vital-signs".into()),
            value: ObservationValue::Quantity {
                value_number: 72.5,
                value_unit: Some("/min".into()),
            },
            effective_at: datetime!(2026-02-01 09:00 UTC),
        },
    )?;
    tx.create(
        &actor,
        &Medication {
            patient_id,
            encounter_id: Some(encounter_id),
            code: "197361".into(),
            description: "Amlodipine 5 MG Oral Tablet".into(),
            status: MedicationStatus::Active,
            start_at: datetime!(2026-02-04 10:00 UTC),
            end_at: None,
            dosage: Some("1 tablet daily".into()),
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
        &Problem {
            patient_id,
            encounter_id: Some(encounter_id),
            code_system: "icd10cm".into(),
            code: "I10".into(),
            description: "Essential hypertension".into(),
            status: ProblemStatus::Active,
            onset_at: Some(datetime!(2019-05-01 00:00 UTC)),
            resolved_at: None,
        },
    )?;
    tx.create(
        &actor,
        &ClinicalNote {
            patient_id,
            encounter_id: Some(encounter_id),
            note_type: NoteType::HistoryAndPhysical,
            author_id: Some(ProviderId(provider.meta.id)),
            authored_at: datetime!(2026-02-01 10:00 UTC),
            text: "Synthetic H&P text.".into(),
            signed_at: None,
            signer_id: None,
        },
    )?;
    let charge = tx.create(
        &actor,
        &Charge {
            patient_id,
            encounter_id: Some(encounter_id),
            procedure_id: Some(ProcedureId(procedure.meta.id)),
            code: Some("93458".into()),
            description: "Left heart cath".into(),
            service_date: date!(2026 - 02 - 02),
            amount_cents: 250_000,
            units: 1,
            payer_id: Some(PayerId(payer.meta.id)),
            due_date: Some(date!(2026 - 03 - 04)),
        },
    )?;
    tx.create(
        &actor,
        &Posting {
            patient_id,
            charge_id: Some(ChargeId(charge.meta.id)),
            kind: PostingKind::Payment,
            source: PostingSource::Payer,
            payer_id: Some(PayerId(payer.meta.id)),
            posted_on: date!(2026 - 02 - 20),
            amount_cents: 180_000,
            reason_code: None,
            reference: Some("EFT123".into()),
        },
    )?;
    tx.create(
        &actor,
        &Posting {
            patient_id,
            charge_id: Some(ChargeId(charge.meta.id)),
            kind: PostingKind::Adjustment,
            source: PostingSource::Payer,
            payer_id: Some(PayerId(payer.meta.id)),
            posted_on: date!(2026 - 02 - 20),
            amount_cents: 50_000,
            reason_code: Some("CO-45".into()),
            reference: None,
        },
    )?;
    Ok(Chart {
        patient,
        encounter,
        charge,
    })
}
