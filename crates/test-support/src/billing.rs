//! A chart that bills: a practice with an NPI, a payer, an attending with an NPI and
//! taxonomy, a patient with a primary coverage, and a finished office visit coded with three
//! diagnoses, a CPT procedure with a modifier and two charges. Claims are built, submitted
//! and paid from it in the claims tests and the server's FHIR tests alike.

use records::*;
use store::{Actor, Tx};
use time::macros::{date, datetime};

/// The ids of what `office_visit` wrote.
pub struct Ids {
    /// The office visit.
    pub encounter: EncounterId,
    /// Its patient.
    pub patient: PatientId,
    /// The payer of the patient's primary coverage.
    pub payer: i64,
    /// The attending.
    pub provider: i64,
}

/// The address of the practice and the patient.
pub fn address() -> Address {
    Address {
        line1: Some("1 Main Street".into()),
        city: Some("Springfield".into()),
        state: Some("MA".into()),
        postal_code: Some("01101-2233".into()),
        ..Address::default()
    }
}

/// An office visit with three diagnoses (given out of order) and two charged services.
pub fn office_visit(tx: &mut Tx<'_>, relationship: Relationship) -> store::Result<Ids> {
    let actor = Actor::new("test:biller");
    let practice = tx.create(
        &actor,
        &Organization {
            name: "Maple Family Practice".into(),
            kind: OrganizationKind::Practice,
            npi: Some(Npi::from_base(123_456_789)),
            address: address(),
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
            npi: Some(Npi::parse("1245319599").unwrap()),
            family_name: "Osler".into(),
            given_name: "Wilma".into(),
            credentials: Some("MD".into()),
            taxonomy: Some("207Q00000X".into()),
            specialty: None,
            organization_id: Some(OrganizationId(practice.meta.id)),
        },
    )?;
    let mut person = Patient::new(
        Mrn::parse("M00000042").unwrap(),
        "CHARTROOM",
        "Lopez",
        "Ana",
        date!(2015 - 06 - 01),
        AdministrativeSex::Female,
    );
    person.address = address();
    let patient = tx.create(&actor, &person)?;
    let patient_id = PatientId(patient.meta.id);
    tx.create(
        &actor,
        &Coverage {
            patient_id,
            payer_id: PayerId(payer.meta.id),
            plan_name: None,
            member_id: "XZ123".into(),
            group_number: Some("G77".into()),
            subscriber_name: (relationship != Relationship::SelfSubscriber)
                .then(|| "Maria Lopez".into()),
            relationship,
            coverage_order: CoverageOrder::Primary,
            effective_start: date!(2020 - 01 - 01),
            effective_end: None,
        },
    )?;
    let encounter = tx.create(
        &actor,
        &Encounter {
            patient_id,
            class: EncounterClass::Outpatient,
            status: EncounterStatus::Finished,
            admit_at: datetime!(2026-02-10 09:00 UTC),
            discharge_at: Some(datetime!(2026-02-10 09:30 UTC)),
            attending_id: Some(ProviderId(provider.meta.id)),
            facility_id: None,
            payer_id: Some(PayerId(payer.meta.id)),
            discharge_disposition: None,
            reason: None,
            service: None,
        },
    )?;
    let encounter_id = EncounterId(encounter.meta.id);
    for (code, rank, sequence) in [
        ("E11.9", DiagnosisRank::Secondary, 2),
        ("J02.9", DiagnosisRank::FirstListed, 1),
        ("I10", DiagnosisRank::Secondary, 3),
    ] {
        tx.create(
            &actor,
            &Diagnosis {
                patient_id,
                encounter_id,
                code: code.into(),
                rank,
                sequence,
                poa: None,
                description: None,
                onset_at: None,
            },
        )?;
    }
    let visit = tx.create(
        &actor,
        &Procedure {
            patient_id,
            encounter_id: Some(encounter_id),
            code_system: ProcedureCodeSystem::Cpt,
            code: "99213".into(),
            modifiers: vec!["25".into()],
            units: 1,
            performed_at: datetime!(2026-02-10 09:10 UTC),
            performer_id: Some(ProviderId(provider.meta.id)),
            description: None,
        },
    )?;
    for (code, cents, procedure) in [
        ("99213", 12_550, Some(ProcedureId(visit.meta.id))),
        ("87880", 2_500, None),
    ] {
        tx.create(
            &actor,
            &Charge {
                patient_id,
                encounter_id: Some(encounter_id),
                procedure_id: procedure,
                code: Some(code.into()),
                description: "Service".into(),
                service_date: date!(2026 - 02 - 10),
                amount_cents: cents,
                units: 1,
                payer_id: Some(PayerId(payer.meta.id)),
                due_date: None,
            },
        )?;
    }
    Ok(Ids {
        encounter: encounter_id,
        patient: patient_id,
        payer: payer.meta.id,
        provider: provider.meta.id,
    })
}
