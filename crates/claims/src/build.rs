//! Building a professional claim from a finished, coded encounter in the store.
//!
//! Rules (837P TR3 and payer practice):
//! - The coverage is the one of the asked order (primary, secondary, tertiary) in force on
//!   the date of service; the subscriber is the patient when the relationship is self,
//!   otherwise the patient goes in loop 2000C.
//! - The billing provider is the encounter's facility (else the attending's organization)
//!   and must carry an NPI; the rendering provider is the attending, with an NPI. An NPI is
//!   a `records::Npi`, so its check digit was verified when it was stored.
//! - Diagnoses: principal or first-listed first, then secondary by sequence; at most twelve
//!   (one HI segment). Each line points at the first four (the records model does not link a
//!   charge to the diagnoses that justify it, so the first-listed ones are used).
//! - Lines come from the encounter's charges (CPT/HCPCS code, units, amount) with the
//!   modifiers of the procedure each charge bills; at most fifty (loop 2400 repeat).

use crate::claim::{
    BillingProvider, ClaimFiling, Demographics, LineDetails, OtherPayer, PatientParty, PayerParty,
    ProfessionalClaim, RenderingProvider, ServiceLine, Subscriber,
};
use crate::line_details;
use crate::sources::Sources;
use crate::submitter::street_address;
use records::{
    Charge, ClaimKind, Consent, ConsentKind, Coverage, CoverageOrder, Diagnosis, DiagnosisRank,
    EncounterClass, EncounterId, EncounterStatus, Organization, OrganizationKind, Patient,
    PatientId, Payer, PayerKind, Provider, Relationship, ReleaseCategory, RequesterKind,
    TransportMode,
};
use std::fmt;
use store::{Stored, Tx};

/// Why a claim cannot be built: the record and the field at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildProblem {
    /// The record (`encounter 12`, `provider 4 (attending)`).
    pub source: String,
    /// The field (`status`, `npi`).
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for BuildProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, {}: {}", self.source, self.field, self.message)
    }
}

/// The most diagnoses one HI segment carries.
const MAX_DIAGNOSES: usize = 12;
/// The most service lines in one 837P claim.
const MAX_LINES: usize = 50;

pub(crate) struct Problems(pub(crate) Vec<BuildProblem>);

impl Problems {
    pub(crate) fn add(
        &mut self,
        source: impl Into<String>,
        field: &'static str,
        message: impl Into<String>,
    ) {
        self.0.push(BuildProblem {
            source: source.into(),
            field,
            message: message.into(),
        });
    }
}

/// Which charges a claim carries: the clinicians' CPT/HCPCS services (837P) or the
/// facility's revenue-code lines (837I).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Professional,
    Facility,
}

impl Side {
    fn max_diagnoses(self) -> usize {
        match self {
            Self::Professional => MAX_DIAGNOSES,
            // 837I: the principal diagnosis and 24 others.
            Self::Facility => 25,
        }
    }

    fn max_lines(self) -> usize {
        match self {
            Self::Professional => MAX_LINES,
            Self::Facility => 999,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Professional => "an 837P",
            Self::Facility => "an 837I",
        }
    }
}

/// A UB-04 revenue code: four digits (`0450`), as facility charges carry them.
pub(crate) fn is_revenue_code(code: &str) -> bool {
    code.len() == 4 && code.bytes().all(|b| b.is_ascii_digit())
}

/// A restriction the patient and the facility agreed on (45 CFR 164.522(a)(1)(vi): care
/// paid for in full out of pocket is not disclosed to the health plan) that keeps this
/// visit's bill from the plan: a `Restriction` consent in force today, naming no kind of
/// recipient or the insurer, covering this visit (or the whole chart) and its billing or
/// encounters (or every part). Such a visit never goes on a claim: the builder, and so the
/// scrubber and every claim command, names the restriction.
fn restricted_from_plan(
    today: time::Date,
    consents: &[Stored<Consent>],
    encounter_id: EncounterId,
    problems: &mut Problems,
) {
    for consent in consents.iter().filter(|c| c.meta.deleted.is_none()) {
        let c = &consent.record;
        let applies = c.kind == ConsentKind::Restriction
            && c.in_force(today)
            && c.recipient
                .as_deref()
                .is_none_or(|kind| RequesterKind::parse(kind) == Some(RequesterKind::Insurer))
            && c.encounter_id.is_none_or(|e| e == encounter_id)
            && (c.categories.is_empty()
                || c.categories.iter().any(|part| {
                    matches!(part, ReleaseCategory::Billing | ReleaseCategory::Encounters)
                }));
        if applies {
            problems.add(
                format!("consent {}", consent.meta.id),
                "restriction",
                format!(
                    "the patient restricted this visit from the health plan (in force since {}; \
                     45 CFR 164.522(a)(1)(vi), care paid in full out of pocket): it is not billed to the plan",
                    c.effective_from
                ),
            );
        }
    }
}

/// What building a claim gives: the claim, or every reason it cannot be built.
pub type Built<C> = Result<C, Vec<BuildProblem>>;

/// Builds the claim for `encounter_id` to the payer of coverage `order`; the outer error
/// is a store failure, the inner one every reason the claim cannot be built.
pub fn build_professional(
    tx: &mut Tx<'_>,
    encounter_id: EncounterId,
    order: CoverageOrder,
) -> store::Result<Built<ProfessionalClaim>> {
    let sources = Sources::load(tx, &[encounter_id])?;
    build_claim(tx, &sources, encounter_id, order, Side::Professional)
}

/// Builds the claims of `encounters` to the payers of `order`, reading the chart once for
/// all of them: each encounter with its claim or every reason it cannot be built.
pub fn build_professionals(
    tx: &mut Tx<'_>,
    encounters: &[EncounterId],
    order: CoverageOrder,
) -> store::Result<Vec<(EncounterId, Built<ProfessionalClaim>)>> {
    let sources = Sources::load(tx, encounters)?;
    encounters
        .iter()
        .map(|&id| {
            Ok((
                id,
                build_claim(tx, &sources, id, order, Side::Professional)?,
            ))
        })
        .collect()
}

/// The claim's parties, diagnoses and the lines of `side`, from the chart as `sources` read
/// it.
pub(crate) fn build_claim(
    tx: &mut Tx<'_>,
    sources: &Sources,
    encounter_id: EncounterId,
    order: CoverageOrder,
    side: Side,
) -> store::Result<Built<ProfessionalClaim>> {
    let mut problems = Problems(Vec::new());
    let encounter = sources.encounter(encounter_id)?;
    let source = format!("encounter {}", encounter_id.0);
    if encounter.status != EncounterStatus::Finished {
        problems.add(
            &source,
            "status",
            format!(
                "is {:?}; a claim is built from a finished encounter",
                encounter.status
            ),
        );
    }
    let patient_id = encounter.patient_id;
    let patient = sources.patient(patient_id.0)?;
    let date_of_service = encounter.admit_at.date();

    let coverage = sources
        .coverages(patient_id.0)
        .iter()
        .filter(|c| c.record.coverage_order == order && c.record.in_force_on(date_of_service))
        .min_by_key(|c| c.meta.id);
    let payer_id = coverage.as_ref().map(|c| c.record.payer_id);
    let (subscriber, payer, patient_party) = match coverage {
        None => {
            problems.add(
                format!("patient {}", patient_id.0),
                "coverage",
                format!("no {order:?} coverage in force on the date of service {date_of_service}"),
            );
            (None, None, None)
        }
        Some(coverage) => {
            let payer = sources.payer(coverage.record.payer_id.0)?;
            let payer_party = payer_party(payer, coverage.record.payer_id.0, &mut problems);
            let (subscriber, patient_party) = parties(
                patient,
                &coverage.record,
                coverage.meta.id,
                payer,
                &mut problems,
            );
            (subscriber, payer_party, patient_party)
        }
    };

    restricted_from_plan(
        tx.now().date(),
        sources.consents(patient_id.0),
        encounter_id,
        &mut problems,
    );
    let other_payers = other_payers(
        tx,
        sources,
        (patient_id, patient),
        (encounter_id, date_of_service),
        (order, side),
        &mut problems,
    )?;

    let (rendering, attending_organization) = match encounter.attending_id {
        None => {
            problems.add(&source, "attending_id", "no attending (rendering) provider");
            (None, None)
        }
        Some(id) => {
            let provider = sources.provider(id.0)?;
            (
                rendering_provider(provider, id.0, &mut problems),
                provider.organization_id,
            )
        }
    };
    let organization_id = encounter.facility_id.or(attending_organization);
    let billing = match organization_id {
        None => {
            problems.add(&source, "facility_id", "no facility or practice to bill as");
            None
        }
        Some(id) => {
            let organization = sources.organization(id.0)?;
            billing_provider(organization, id.0, &mut problems)
                .map(|billing| (billing, organization.kind))
        }
    };

    let diagnoses = diagnoses(
        sources.diagnoses(encounter_id),
        &source,
        side,
        &mut problems,
    );
    let lines = lines(
        sources,
        encounter_id,
        diagnoses.len(),
        &source,
        side,
        &mut problems,
    )?;

    let (Some(subscriber), Some(payer), Some(payer_id), Some((billing, kind)), true) =
        (subscriber, payer, payer_id, billing, problems.0.is_empty())
    else {
        return Ok(Err(problems.0));
    };
    Ok(Ok(ProfessionalClaim {
        encounter_id,
        patient_id,
        claim_id: format!("E{}", encounter_id.0),
        // An ambulance bills where the patient rode (POS 41 land, 42 air or water), not
        // where the trip began or ended.
        place_of_service: match lines.iter().find_map(|l| l.details.transport.as_ref()) {
            Some(trip) => match trip.mode {
                TransportMode::Ground => "41",
                TransportMode::AirOrWater => "42",
            },
            // Durable medical equipment is covered for use in the patient's home (SSA
            // 1861(n)): the supplier bills place of service 12.
            None if lines.iter().any(|l| l.details.equipment.is_some()) => "12",
            None => place_of_service(encounter.class, kind),
        },
        frequency: '1',
        payer_claim_number: None,
        payer_id,
        coverage_order: order,
        billing,
        rendering,
        subscriber,
        payer,
        patient: patient_party,
        diagnoses,
        lines,
        other_payers,
    }))
}

/// The orders billed before `order`: none for the primary.
fn earlier_orders(order: CoverageOrder) -> &'static [CoverageOrder] {
    match order {
        CoverageOrder::Primary => &[],
        CoverageOrder::Secondary => &[CoverageOrder::Primary],
        CoverageOrder::Tertiary => &[CoverageOrder::Primary, CoverageOrder::Secondary],
    }
}

/// The payers billed before the payer of `order` on this visit, each with its posted
/// decision (TR3 2320: a claim to a later payer carries every earlier payer's payment and
/// adjustments). A secondary claim cannot go before the primary's 835 is posted.
fn other_payers(
    tx: &mut Tx<'_>,
    sources: &Sources,
    (patient_id, patient): (PatientId, &Patient),
    (encounter_id, date_of_service): (EncounterId, time::Date),
    (order, side): (CoverageOrder, Side),
    problems: &mut Problems,
) -> store::Result<Vec<OtherPayer>> {
    let earlier = earlier_orders(order);
    if earlier.is_empty() {
        return Ok(Vec::new());
    }
    let kind = match side {
        Side::Professional => ClaimKind::Professional,
        Side::Facility => ClaimKind::Institutional,
    };
    let coverages = sources.coverages(patient_id.0);
    // The claims change as a batch is drafted and posted, so they are read as they are now.
    let claims = crate::lifecycle::claims_of_encounter(tx, encounter_id)?;
    let mut found = Vec::new();
    for &prior in earlier {
        let Some(coverage) = coverages
            .iter()
            .filter(|c| c.record.coverage_order == prior && c.record.in_force_on(date_of_service))
            .min_by_key(|c| c.meta.id)
        else {
            problems.add(
                format!("patient {}", patient_id.0),
                "coverage",
                format!(
                    "no {prior:?} coverage in force on {date_of_service}: a {order:?} claim follows the {prior:?} payer's decision"
                ),
            );
            continue;
        };
        let decided = claims
            .iter()
            .filter(|c| {
                c.record.coverage_order == prior
                    && c.record.kind == kind
                    && c.record.payer_id == coverage.record.payer_id
                    && c.record.adjudication.is_some()
            })
            .max_by_key(|c| c.meta.id);
        let Some(decided) = decided else {
            problems.add(
                format!("encounter {}", encounter_id.0),
                "claims",
                format!(
                    "the {prior:?} payer's decision is not posted yet (no 835 on its claim): \
                     the {order:?} claim carries it in loops 2320 and 2430"
                ),
            );
            continue;
        };
        let payer = sources.payer(coverage.record.payer_id.0)?;
        let party = payer_party(payer, coverage.record.payer_id.0, problems);
        let (subscriber, _) = parties(patient, &coverage.record, coverage.meta.id, payer, problems);
        if let (Some(payer), Some(subscriber), Some(adjudication)) =
            (party, subscriber, decided.record.adjudication.clone())
        {
            found.push(OtherPayer {
                relationship: relationship_code(coverage.record.relationship),
                subscriber,
                payer,
                adjudication,
            });
        }
    }
    Ok(found)
}

/// The individual relationship code (837 SBR02 in loop 2320, PAT01 in 2000C) of the
/// patient to the subscriber.
fn relationship_code(relationship: Relationship) -> &'static str {
    match relationship {
        Relationship::SelfSubscriber => "18",
        Relationship::Spouse => "01",
        Relationship::Child => "19",
        _ => "G8",
    }
}

fn place_of_service(class: EncounterClass, kind: OrganizationKind) -> &'static str {
    match (class, kind) {
        (EncounterClass::Inpatient, _) => "21",
        (EncounterClass::Emergency, _) => "23",
        (EncounterClass::Telehealth, _) => "10",
        (EncounterClass::Outpatient, OrganizationKind::Facility) => "22",
        (EncounterClass::Outpatient, _) => "11",
    }
}

fn payer_party(payer: &Payer, id: i64, problems: &mut Problems) -> Option<PayerParty> {
    match payer.payer_code.as_deref().filter(|c| !c.trim().is_empty()) {
        Some(code) => Some(PayerParty {
            name: payer.name.clone(),
            id: code.trim().to_owned(),
        }),
        None => {
            problems.add(
                format!("payer {id}"),
                "payer_code",
                "no payer id for NM109 of loop 2010BB",
            );
            None
        }
    }
}

fn filing(kind: PayerKind) -> ClaimFiling {
    match kind {
        PayerKind::Medicare => ClaimFiling::MedicareB,
        PayerKind::Medicaid => ClaimFiling::Medicaid,
        PayerKind::Commercial => ClaimFiling::Commercial,
        PayerKind::Government => ClaimFiling::OtherFederal,
        PayerKind::SelfPay => ClaimFiling::SelfPay,
    }
}

fn parties(
    patient: &Patient,
    coverage: &Coverage,
    coverage_id: i64,
    payer: &Payer,
    problems: &mut Problems,
) -> (Option<Subscriber>, Option<PatientParty>) {
    let demographics = match street_address(&patient.address) {
        Ok(address) => Some(Demographics {
            address,
            birth_date: patient.birth_date,
            sex: patient.sex,
        }),
        Err(field) => {
            problems.add(
                "patient address",
                field,
                "missing; N3/N4 need a street address",
            );
            None
        }
    };
    let responsibility = match coverage.coverage_order {
        CoverageOrder::Primary => 'P',
        CoverageOrder::Secondary => 'S',
        CoverageOrder::Tertiary => 'T',
    };
    let (family_name, given_name, demographics_of_subscriber, patient_party) =
        if coverage.relationship == Relationship::SelfSubscriber {
            (
                patient.family_name.clone(),
                patient.given_name.clone(),
                demographics,
                None,
            )
        } else {
            let name = coverage.subscriber_name.clone().unwrap_or_default();
            // Subscriber names are kept as written ("Given Family"); NM1 wants them apart.
            let (given, family) = name.trim().rsplit_once(' ').unwrap_or(("", name.trim()));
            let relationship = relationship_code(coverage.relationship);
            let party = demographics.map(|demographics| PatientParty {
                relationship,
                family_name: patient.family_name.clone(),
                given_name: patient.given_name.clone(),
                demographics,
            });
            (family.to_owned(), given.to_owned(), None, party)
        };
    if family_name.is_empty() {
        problems.add(
            format!("coverage {coverage_id}"),
            "subscriber_name",
            "missing",
        );
    }
    let subscriber = Subscriber {
        payer_responsibility: responsibility,
        group_number: coverage.group_number.clone(),
        filing: filing(payer.kind),
        family_name,
        given_name,
        member_id: coverage.member_id.clone(),
        demographics: demographics_of_subscriber,
    };
    (Some(subscriber), patient_party)
}

pub(crate) fn rendering_provider(
    provider: &Provider,
    id: i64,
    problems: &mut Problems,
) -> Option<RenderingProvider> {
    let Some(npi) = provider.npi else {
        problems.add(
            format!("provider {id} (attending)"),
            "npi",
            "missing; loop 2310B needs the rendering provider's NPI",
        );
        return None;
    };
    Some(RenderingProvider {
        family_name: provider.family_name.clone(),
        given_name: provider.given_name.clone(),
        npi,
        taxonomy: provider.taxonomy.clone(),
    })
}

fn billing_provider(
    organization: &Organization,
    id: i64,
    problems: &mut Problems,
) -> Option<BillingProvider> {
    let source = format!("organization {id} (billing provider)");
    let npi = organization.npi;
    if npi.is_none() {
        problems.add(
            &source,
            "npi",
            "missing; loop 2010AA needs the billing provider's NPI",
        );
    }
    let address = street_address(&organization.address)
        .map_err(|field| {
            problems.add(
                &source,
                field,
                "missing; loop 2010AA needs a street address",
            )
        })
        .ok();
    Some(BillingProvider {
        name: organization.name.clone(),
        npi: npi?,
        taxonomy: None,
        address: address?,
    })
}

fn diagnoses(
    of_encounter: &[Diagnosis],
    source: &str,
    side: Side,
    problems: &mut Problems,
) -> Vec<String> {
    let mut coded: Vec<&Diagnosis> = of_encounter
        .iter()
        .filter(|d| d.rank != DiagnosisRank::Admitting)
        .collect();
    coded.sort_by_key(|d| (d.rank == DiagnosisRank::Secondary, d.sequence));
    let mut codes: Vec<String> = Vec::new();
    for diagnosis in coded {
        let code = diagnosis.code.replace('.', "");
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    if codes.is_empty() {
        problems.add(
            source,
            "diagnoses",
            "none coded; a claim needs at least one ICD-10-CM diagnosis",
        );
    }
    if codes.len() > side.max_diagnoses() {
        problems.add(
            source,
            "diagnoses",
            format!(
                "{} coded; {} claim carries at most {}",
                codes.len(),
                side.name(),
                side.max_diagnoses()
            ),
        );
    }
    codes
}

fn lines(
    sources: &Sources,
    encounter_id: EncounterId,
    n_diagnoses: usize,
    source: &str,
    side: Side,
    problems: &mut Problems,
) -> store::Result<Vec<ServiceLine>> {
    let mut charges: Vec<&Stored<Charge>> = sources
        .charges(encounter_id)
        .iter()
        .filter(|c| {
            let facility = c.record.code.as_deref().is_some_and(is_revenue_code);
            facility == (side == Side::Facility)
        })
        .collect();
    charges.sort_by_key(|c| (c.record.service_date, c.meta.id));
    let procedures = sources.procedures(encounter_id);
    // The 837I has no pointers: its diagnoses belong to the stay.
    let pointers: Vec<u8> = match side {
        Side::Professional => (1..=n_diagnoses.min(4))
            .filter_map(|p| u8::try_from(p).ok())
            .collect(),
        Side::Facility => Vec::new(),
    };
    let details = sources.details(encounter_id);
    let mut lines = Vec::with_capacity(charges.len());
    for charge in charges {
        let Some(code) = charge.record.code.clone() else {
            problems.add(
                format!("charge {}", charge.meta.id),
                "code",
                match side {
                    Side::Professional => "missing; SV101-2 needs a CPT or HCPCS code",
                    Side::Facility => "missing; SV201 needs a revenue code",
                },
            );
            continue;
        };
        let modifiers = match (side, charge.record.procedure_id) {
            (Side::Professional, Some(id)) => procedures
                .iter()
                .find(|p| p.meta.id == id.0)
                .map(|p| p.record.modifiers.clone())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let line = lines.len() + 1;
        let details = match details.and_then(|d| d.get(&charge.meta.id)) {
            None => LineDetails::default(),
            Some(detail) => {
                let source = format!("charge {} (line {line})", charge.meta.id);
                line_details::resolve(sources, detail, &source, problems)?
            }
        };
        lines.push(ServiceLine {
            code,
            modifiers,
            charge_cents: charge.record.amount_cents,
            units: charge.record.units,
            pointers: pointers.clone(),
            service_date: charge.record.service_date,
            details,
        });
    }
    if lines.is_empty() && problems.0.iter().all(|p| p.field != "code") {
        problems.add(
            source,
            "charges",
            match side {
                Side::Professional => "none; a claim needs at least one charged service",
                Side::Facility => "no facility (revenue code) charge; an 837I needs at least one",
            },
        );
    }
    if lines.len() > side.max_lines() {
        problems.add(
            source,
            "charges",
            format!(
                "{} lines; {} claim carries at most {}",
                lines.len(),
                side.name(),
                side.max_lines()
            ),
        );
    }
    Ok(lines)
}
