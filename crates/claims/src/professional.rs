//! The 837P (005010X222A1) writer: one interchange, one functional group, one transaction
//! set per 5,000 claims, each claim under its own billing provider (2000A), subscriber
//! (2000B) and, when the patient is not the subscriber, patient (2000C) hierarchical level.
//!
//! The segments and their order are the TR3's; situational segments are written when the
//! claim carries their data (PRV when a taxonomy is known, 2000C for dependents).

use crate::claim::{Demographics, ProfessionalClaim, RenderingProvider};
use crate::service_segments;
use crate::submitter::Submitter;
use records::AdministrativeSex;
use time::PrimitiveDateTime;
use x12::{Delimiters, GroupHeader, InterchangeHeader, InterchangeWriter, Result, Usage, d8};

/// The most claims one 837 transaction set carries (TR3 1.4.1: at most 5,000 CLM per ST).
pub const MAX_CLAIMS_PER_TRANSACTION: usize = 5_000;

/// The implementation convention written in GS08 and ST03.
const VERSION: &str = "005010X222A1";

/// Control numbers reserved for one file (see `store::Tx::reserve_control_numbers`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Numbers {
    /// ISA13.
    pub interchange: u32,
    /// GS06.
    pub group: u32,
    /// ST02 of the first transaction set; the next ones follow.
    pub first_transaction: u32,
}

impl Numbers {
    /// How many transaction-set numbers a file of `n_claims` claims needs.
    pub fn transactions_for(n_claims: usize) -> u32 {
        u32::try_from(n_claims.div_ceil(MAX_CLAIMS_PER_TRANSACTION).max(1)).unwrap_or(u32::MAX)
    }
}

/// Writes `claims` as one 837P interchange created `at`.
pub fn write_837p(
    claims: &[ProfessionalClaim],
    submitter: &Submitter,
    numbers: Numbers,
    at: PrimitiveDateTime,
    delimiters: Delimiters,
) -> Result<String> {
    write_837(
        claims,
        VERSION,
        submitter,
        numbers,
        at,
        delimiters,
        |claim| &claim.claim_id,
        write_claim,
    )
}

/// Writes one 837 interchange of `claims` (837P or 837I, by `version`): the envelopes,
/// a transaction set per 5,000 claims with its BHT and loops 1000A/1000B, each claim
/// written by `write_one`.
#[allow(clippy::too_many_arguments)] // The envelope's parts, and the claim's two hooks.
pub(crate) fn write_837<C>(
    claims: &[C],
    version: &str,
    submitter: &Submitter,
    numbers: Numbers,
    at: PrimitiveDateTime,
    delimiters: Delimiters,
    claim_id: impl Fn(&C) -> &str,
    write_one: impl Fn(&mut InterchangeWriter, &C, &Submitter, &mut u32) -> Result<()>,
) -> Result<String> {
    let mut w = InterchangeWriter::new(
        &InterchangeHeader {
            sender_qualifier: "ZZ".into(),
            sender_id: submitter.id.clone(),
            receiver_qualifier: "ZZ".into(),
            receiver_id: submitter.receiver_id.clone(),
            date: at.date(),
            time: at.time(),
            control_number: numbers.interchange,
            ack_requested: false,
            usage: if submitter.production {
                Usage::Production
            } else {
                Usage::Test
            },
        },
        delimiters,
    )?;
    w.begin_group(&GroupHeader {
        functional_id: "HC".into(),
        application_sender: submitter.id.clone(),
        application_receiver: submitter.receiver_id.clone(),
        control_number: numbers.group,
        version: version.into(),
    })?;
    let hhmm = format!("{:02}{:02}", at.hour(), at.minute());
    for (batch_idx, batch) in claims.chunks(MAX_CLAIMS_PER_TRANSACTION).enumerate() {
        let number = numbers.first_transaction + u32::try_from(batch_idx).unwrap_or(u32::MAX);
        w.begin_transaction("837", number, version)?;
        let reference = number.to_string();
        w.segment("BHT")
            .el("0019")
            .el("00")
            .el(&reference)
            .el(&d8(at.date()))
            .el(&hhmm)
            .el("CH")
            .end()?;
        nm1(
            &mut w,
            "41",
            Name::Organization(&submitter.name),
            "46",
            &submitter.id,
        )?;
        w.segment("PER")
            .el("IC")
            .el(&submitter.contact)
            .el("TE")
            .el(&submitter.phone)
            .end()?;
        nm1(
            &mut w,
            "40",
            Name::Organization(&submitter.receiver_name),
            "46",
            &submitter.receiver_id,
        )?;
        let mut hl = 0u32;
        for claim in batch {
            write_one(&mut w, claim, submitter, &mut hl).map_err(|e| x12::Error {
                message: format!("claim {}: {}", claim_id(claim), e.message),
                ..e
            })?;
        }
        w.end_transaction()?;
    }
    w.end_group()?;
    w.finish()
}

fn write_claim(
    w: &mut InterchangeWriter,
    claim: &ProfessionalClaim,
    submitter: &Submitter,
    hl: &mut u32,
) -> Result<()> {
    write_parties(w, claim, submitter, hl, claim.subscriber.filing.code())?;
    write_claim_lines(w, claim)
}

/// Loops 2000A, 2000B (2010BA, 2010BB) and 2000C, which the 837P and 837I share;
/// `filing` is SBR09.
pub(crate) fn write_parties(
    w: &mut InterchangeWriter,
    claim: &ProfessionalClaim,
    submitter: &Submitter,
    hl: &mut u32,
    filing: &str,
) -> Result<()> {
    // 2000A billing provider.
    *hl += 1;
    let billing_hl = hl.to_string();
    w.segment("HL")
        .el(&billing_hl)
        .empty()
        .el("20")
        .el("1")
        .end()?;
    if let Some(taxonomy) = &claim.billing.taxonomy {
        w.segment("PRV").el("BI").el("PXC").el(taxonomy).end()?;
    }
    let billing = &claim.billing;
    nm1(
        w,
        "85",
        Name::Organization(&billing.name),
        "XX",
        &billing.npi.to_string(),
    )?;
    address(w, &billing.address)?;
    w.segment("REF")
        .el("EI")
        .el(&submitter.billing_tax_id)
        .end()?;

    // 2000B subscriber.
    *hl += 1;
    let subscriber_hl = hl.to_string();
    let subscriber = &claim.subscriber;
    let has_patient_level = claim.patient.is_some();
    w.segment("HL")
        .el(&subscriber_hl)
        .el(&billing_hl)
        .el("22")
        .el(if has_patient_level { "1" } else { "0" })
        .end()?;
    let responsibility = subscriber.payer_responsibility.to_string();
    w.segment("SBR")
        .el(&responsibility)
        .el(if has_patient_level { "" } else { "18" })
        .opt(subscriber.group_number.as_deref())
        .empty()
        .empty()
        .empty()
        .empty()
        .empty()
        .el(filing)
        .end()?;
    nm1(
        w,
        "IL",
        Name::Person(&subscriber.family_name, &subscriber.given_name),
        "MI",
        &subscriber.member_id,
    )?;
    if let Some(demographics) = &subscriber.demographics {
        person(w, demographics)?;
    }
    nm1(
        w,
        "PR",
        Name::Organization(&claim.payer.name),
        "PI",
        &claim.payer.id,
    )?;

    // 2000C patient, when not the subscriber.
    if let Some(patient) = &claim.patient {
        *hl += 1;
        let patient_hl = hl.to_string();
        w.segment("HL")
            .el(&patient_hl)
            .el(&subscriber_hl)
            .el("23")
            .el("0")
            .end()?;
        w.segment("PAT").el(patient.relationship).end()?;
        w.segment("NM1")
            .el("QC")
            .el("1")
            .el(&patient.family_name)
            .el(&patient.given_name)
            .end()?;
        person(w, &patient.demographics)?;
    }
    Ok(())
}

/// Loops 2300 and 2400 of the 837P.
fn write_claim_lines(w: &mut InterchangeWriter, claim: &ProfessionalClaim) -> Result<()> {
    // 2300 claim.
    let frequency = claim.frequency.to_string();
    w.segment("CLM")
        .el(&claim.claim_id)
        .cents(claim.total_cents())
        .empty()
        .empty()
        .composite(&[claim.place_of_service, "B", &frequency])
        .el("Y")
        .el("A")
        .el("Y")
        .el("Y")
        .end()?;
    if let Some(number) = &claim.payer_claim_number {
        w.segment("REF").el("F8").el(number).end()?;
    }
    service_segments::write_claim_transport(w, claim)?;
    let mut hi = w.segment("HI");
    for (idx, code) in claim.diagnoses.iter().enumerate() {
        hi = hi.composite(&[if idx == 0 { "ABK" } else { "ABF" }, code]);
    }
    hi.end()?;
    service_segments::write_anesthesia_procedures(w, claim)?;
    // 2310B only when someone other than the billing provider gave the care (TR3: required
    // when the rendering NPI differs from the billing provider's).
    if let Some(rendering) = &claim.rendering
        && rendering.npi != claim.billing.npi
    {
        clinician(w, "82", "PE", rendering)?;
    }
    service_segments::write_transport_locations(w, claim)?;
    let matched = crate::coordination::write_other_payers(w, claim)?;

    // 2400 service lines.
    for (idx, line) in claim.lines.iter().enumerate() {
        w.segment("LX")
            .int(i64::try_from(idx + 1).unwrap_or(i64::MAX))
            .end()?;
        let mut procedure = vec!["HC", line.code.as_str()];
        procedure.extend(line.modifiers.iter().take(4).map(String::as_str));
        let pointers: Vec<String> = line.pointers.iter().map(u8::to_string).collect();
        let pointers: Vec<&str> = pointers.iter().map(String::as_str).collect();
        let (basis, count) = service_segments::unit_basis(line, idx + 1)?;
        w.segment("SV1")
            .composite(&procedure)
            .cents(line.charge_cents)
            .el(basis)
            .int(count)
            .empty()
            .empty()
            .composite(&pointers)
            .end()?;
        service_segments::write_equipment(w, line)?;
        service_segments::write_line_transport(w, claim, line)?;
        w.segment("DTP")
            .el("472")
            .el("D8")
            .el(&d8(line.service_date))
            .end()?;
        service_segments::write_line_dates_and_counts(w, line)?;
        service_segments::write_drug(w, line)?;
        service_segments::write_ordering(w, line)?;
        service_segments::write_line_locations(w, claim, line)?;
        crate::coordination::write_line_adjudications(w, claim, &matched, idx, None)?;
    }
    Ok(())
}

/// Who an NM1 names: a person (NM102 `1`, family and given names) or an organization
/// (NM102 `2`, its name).
pub(crate) enum Name<'a> {
    Person(&'a str, &'a str),
    Organization(&'a str),
}

/// An NM1 naming `name` as entity `entity` (`85`, `IL`, `PR`, `82` ...) with its id
/// under `qualifier` (`XX` NPI, `MI` member, `PI` payer, `46` ETIN).
pub(crate) fn nm1(
    w: &mut InterchangeWriter,
    entity: &str,
    name: Name<'_>,
    qualifier: &str,
    id: &str,
) -> Result<()> {
    let (kind, last, first) = match name {
        Name::Person(family, given) => ("1", family, given),
        Name::Organization(name) => ("2", name, ""),
    };
    w.segment("NM1")
        .el(entity)
        .el(kind)
        .el(last)
        .el(first)
        .empty()
        .empty()
        .empty()
        .el(qualifier)
        .el(id)
        .end()
}

/// A clinician's NM1 (entity `82` rendering, `71` attending) and PRV (`PE`, `AT`) when
/// the taxonomy is known.
pub(crate) fn clinician(
    w: &mut InterchangeWriter,
    entity: &str,
    provider_code: &str,
    provider: &RenderingProvider,
) -> Result<()> {
    nm1(
        w,
        entity,
        Name::Person(&provider.family_name, &provider.given_name),
        "XX",
        &provider.npi.to_string(),
    )?;
    if let Some(taxonomy) = &provider.taxonomy {
        w.segment("PRV")
            .el(provider_code)
            .el("PXC")
            .el(taxonomy)
            .end()?;
    }
    Ok(())
}

fn address(
    w: &mut InterchangeWriter,
    (line1, city, state, zip): &(String, String, String, String),
) -> Result<()> {
    w.segment("N3").el(line1).end()?;
    w.segment("N4").el(city).el(state).el(zip).end()
}

fn person(w: &mut InterchangeWriter, demographics: &Demographics) -> Result<()> {
    address(w, &demographics.address)?;
    let sex = match demographics.sex {
        AdministrativeSex::Female => "F",
        AdministrativeSex::Male => "M",
        _ => "U",
    };
    w.segment("DMG")
        .el("D8")
        .el(&d8(demographics.birth_date))
        .el(sex)
        .end()
}
