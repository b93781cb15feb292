//! A complete synthetic inpatient chart, and the review context.

use records::*;
use store::{Actor, Tx};
use time::OffsetDateTime;
use time::macros::{date, datetime};

pub const ADMIT: OffsetDateTime = datetime!(2026-02-01 08:30 UTC);
pub const DISCHARGE: OffsetDateTime = datetime!(2026-02-04 11:00 UTC);

pub fn actor() -> Actor {
    Actor::new("test:him")
}

/// Ids of what [`complete_chart`] wrote.
pub struct Chart {
    pub patient: i64,
    pub provider: i64,
    pub encounter: i64,

    pub coverage: i64,
}

pub fn codes() -> &'static codes::CodeSets {
    static CODES: std::sync::OnceLock<codes::CodeSets> = std::sync::OnceLock::new();
    CODES.get_or_init(|| codes::CodeSets::embedded().unwrap())
}

pub fn poa() -> &'static review::PoaExempt {
    static POA: std::sync::OnceLock<review::PoaExempt> = std::sync::OnceLock::new();
    POA.get_or_init(|| review::PoaExempt::embedded().unwrap())
}

pub fn context() -> review::Context<'static> {
    review::Context {
        codes: Some(codes()),
        poa_exempt: poa(),
    }
}

pub fn note(
    tx: &mut Tx<'_>,
    c: &Chart,
    note_type: NoteType,
    at: OffsetDateTime,
    signed: bool,
) -> i64 {
    tx.create(
        &actor(),
        &ClinicalNote {
            patient_id: PatientId(c.patient),
            encounter_id: Some(EncounterId(c.encounter)),
            note_type,
            author_id: Some(ProviderId(c.provider)),
            authored_at: at,
            text: "Synthetic note.".into(),
            signed_at: signed.then_some(at),
            signer_id: signed.then_some(ProviderId(c.provider)),
        },
    )
    .unwrap()
    .meta
    .id
}

pub fn diagnosis(
    tx: &mut Tx<'_>,
    c: &Chart,
    code: &str,
    rank: DiagnosisRank,
    poa: Option<PoaIndicator>,
) -> i64 {
    diagnosis_listed(tx, c, code, rank, poa, 1)
}

/// A diagnosis at `sequence` in the encounter's list.
pub fn diagnosis_listed(
    tx: &mut Tx<'_>,
    c: &Chart,
    code: &str,
    rank: DiagnosisRank,
    poa: Option<PoaIndicator>,
    sequence: i32,
) -> i64 {
    tx.create(
        &actor(),
        &Diagnosis {
            patient_id: PatientId(c.patient),
            encounter_id: EncounterId(c.encounter),
            code: code.into(),
            rank,
            sequence,
            poa,
            description: None,
            onset_at: None,
        },
    )
    .unwrap()
    .meta
    .id
}

/// An inpatient stay with everything review asks for: a signed history and physical and
/// discharge summary, a principal diagnosis with its POA indicator, coverage, an address.
pub fn complete_chart(tx: &mut Tx<'_>) -> Chart {
    let actor = actor();
    let provider = tx
        .create(
            &actor,
            &Provider {
                npi: Some(Npi::parse("1234567893").unwrap()),
                family_name: "Osler".into(),
                given_name: "Wilma".into(),
                credentials: Some("MD".into()),
                taxonomy: None,
                specialty: None,
                organization_id: None,
            },
        )
        .unwrap()
        .meta
        .id;
    let payer = tx
        .create(
            &actor,
            &Payer {
                name: "Example Health Plan".into(),
                payer_code: Some("EXHP1".into()),
                kind: PayerKind::Commercial,
                address: Address::default(),
                phone: None,
            },
        )
        .unwrap()
        .meta
        .id;
    let mrn = tx.assign_mrn().unwrap();
    let patient = tx
        .create(
            &actor,
            &Patient {
                mrn,
                mrn_authority: FACILITY_MRN_AUTHORITY.into(),
                family_name: "Review".into(),
                given_name: "Rita".into(),
                middle_name: None,
                name_prefix: None,
                name_suffix: None,
                preferred_name: None,
                birth_date: date!(1960 - 05 - 06),
                sex: AdministrativeSex::Female,
                address: Address {
                    line1: Some("1 Main St".into()),
                    city: Some("Springfield".into()),
                    state: Some("MA".into()),
                    postal_code: Some("01101".into()),
                    ..Address::default()
                },
                phone: None,
                email: None,
                language: None,
                race: None,
                ethnicity: None,
                deceased_date: None,
                identifiers: Vec::new(),
            },
        )
        .unwrap()
        .meta
        .id;
    let coverage = tx
        .create(
            &actor,
            &Coverage {
                patient_id: PatientId(patient),
                payer_id: PayerId(payer),
                plan_name: None,
                member_id: "M1".into(),
                group_number: None,
                subscriber_name: None,
                relationship: Relationship::SelfSubscriber,
                coverage_order: CoverageOrder::Primary,
                effective_start: date!(2020 - 01 - 01),
                effective_end: None,
            },
        )
        .unwrap()
        .meta
        .id;
    let encounter = tx
        .create(
            &actor,
            &Encounter {
                patient_id: PatientId(patient),
                class: EncounterClass::Inpatient,
                status: EncounterStatus::Finished,
                admit_at: ADMIT,
                discharge_at: Some(DISCHARGE),
                attending_id: Some(ProviderId(provider)),
                facility_id: None,
                payer_id: None,
                discharge_disposition: Some("01".into()),
                reason: None,
                service: None,
            },
        )
        .unwrap()
        .meta
        .id;
    let c = Chart {
        patient,
        provider,
        encounter,

        coverage,
    };
    note(
        tx,
        &c,
        NoteType::HistoryAndPhysical,
        ADMIT + time::Duration::hours(3),
        true,
    );
    note(tx, &c, NoteType::DischargeSummary, DISCHARGE, true);
    diagnosis(
        tx,
        &c,
        "I21.4",
        DiagnosisRank::Principal,
        Some(PoaIndicator::Yes),
    );
    tx.create(
        &actor,
        &Charge {
            patient_id: PatientId(patient),
            encounter_id: Some(EncounterId(encounter)),
            procedure_id: None,
            code: None,
            description: "Room and board".into(),
            service_date: ADMIT.date(),
            amount_cents: 100_000,
            units: 1,
            payer_id: None,
            due_date: None,
        },
    )
    .unwrap();
    c
}
