//! The segments drug, anesthesia, ambulance and durable medical equipment services add to
//! the 837, each where the TR3 puts it (837P 005010X222A1, 837I 005010X223A2):
//!
//! - 2300: CR1 and CRC*07 (ambulance: the claim's first transport line), HI*BP/BO (the
//!   surgery anesthesia was given for), 2310E/2310F (pick-up and drop-off) after 2310B.
//! - 2400: SV1 units `MJ` with the minutes for anesthesia; SV5 (a DME rental or purchase
//!   price), PWK*CT (the certificate of medical necessity), CR3 (DME certification) before
//!   DTP*472; DTP*607/463/461 (DME dates) and QTY*PT (patients in the vehicle) after it;
//!   loop 2410 (LIN, CTP, REF*XZ: the drug) and 2420E (the ordering physician) after them.
//! - A line whose trip differs from the claim's (a second trip on one claim) carries its
//!   own CR1 and CRC*07 (before DTP*472) when those differ, and 2420G (NM1*PW) and 2420H
//!   (NM1*45) after 2420E when the places differ; a line with the claim's trip, or none,
//!   carries neither.
//!
//! A hand-made claim with a value the TR3 cannot carry (no minutes, a distance that is
//! not positive) is refused with the line and element named, never written.

use crate::claim::{ProfessionalClaim, ServiceLine};
use crate::professional::{Name, nm1};
use crate::submitter::street_address;
use records::{Address, AmbulanceTransport};
use x12::{Error, InterchangeWriter, Result, d8};

/// The claim's ambulance trip: the first line that carries one (2300 CR1, CRC, 2310E/F).
fn claim_trip(claim: &ProfessionalClaim) -> Option<&AmbulanceTransport> {
    claim
        .lines
        .iter()
        .find_map(|line| line.details.transport.as_ref())
}

/// 2300 CR1 and CRC*07 of an ambulance claim.
pub(crate) fn write_claim_transport(
    w: &mut InterchangeWriter,
    claim: &ProfessionalClaim,
) -> Result<()> {
    match claim_trip(claim) {
        Some(trip) => write_trip(w, trip),
        None => Ok(()),
    }
}

/// The trip of `line` when it is not the claim's (2300's): `None` for a line without a
/// trip or with the claim's own.
fn other_trip<'c>(
    claim: &'c ProfessionalClaim,
    line: &'c ServiceLine,
) -> Option<&'c AmbulanceTransport> {
    let trip = line.details.transport.as_ref()?;
    (Some(trip) != claim_trip(claim)).then_some(trip)
}

/// What CR1 and CRC*07 say of a trip: all of it but the vehicle, the places and the
/// patients aboard.
fn certified_as_other(a: &AmbulanceTransport, b: &AmbulanceTransport) -> bool {
    (
        &a.reason,
        a.distance_tenths,
        a.patient_weight_lbs,
        &a.round_trip_purpose,
        &a.stretcher_purpose,
        &a.conditions,
    ) != (
        &b.reason,
        b.distance_tenths,
        b.patient_weight_lbs,
        &b.round_trip_purpose,
        &b.stretcher_purpose,
        &b.conditions,
    )
}

/// 2400 CR1 and CRC*07 of a line whose trip is certified otherwise than the claim's.
pub(crate) fn write_line_transport(
    w: &mut InterchangeWriter,
    claim: &ProfessionalClaim,
    line: &ServiceLine,
) -> Result<()> {
    match (other_trip(claim, line), claim_trip(claim)) {
        (Some(trip), Some(first)) if certified_as_other(trip, first) => write_trip(w, trip),
        _ => Ok(()),
    }
}

/// 2420G (NM1*PW) and 2420H (NM1*45) of a line whose trip began or ended elsewhere than
/// the claim's.
pub(crate) fn write_line_locations(
    w: &mut InterchangeWriter,
    claim: &ProfessionalClaim,
    line: &ServiceLine,
) -> Result<()> {
    match (other_trip(claim, line), claim_trip(claim)) {
        (Some(trip), Some(first))
            if (&trip.pick_up, &trip.drop_off_name, &trip.drop_off)
                != (&first.pick_up, &first.drop_off_name, &first.drop_off) =>
        {
            write_places(w, trip, ("2420G", "2420H"))
        }
        _ => Ok(()),
    }
}

/// CR1 and CRC*07 of `trip`.
fn write_trip(w: &mut InterchangeWriter, trip: &AmbulanceTransport) -> Result<()> {
    if trip.distance_tenths <= 0 {
        return Err(Error::element(
            "CR1",
            None,
            6,
            None,
            format!(
                "transport distance is {} tenths of a mile; it must be more than 0",
                trip.distance_tenths
            ),
        ));
    }
    let cr1 = w.segment("CR1");
    // CR101/CR102 only when the weight is given (TR3: when the patient's weight matters).
    let cr1 = match trip.patient_weight_lbs {
        Some(pounds) => cr1.el("LB").int(i64::from(pounds)),
        None => cr1.empty().empty(),
    };
    cr1.empty()
        .el(&trip.reason)
        .el("DH")
        .decimal(i64::from(trip.distance_tenths), 1)
        .empty()
        .empty()
        .opt(trip.round_trip_purpose.as_deref())
        .opt(trip.stretcher_purpose.as_deref())
        .end()?;
    if !trip.conditions.is_empty() {
        let mut crc = w.segment("CRC").el("07").el("Y");
        for code in trip.conditions.iter().take(5) {
            crc = crc.el(code);
        }
        crc.end()?;
    }
    Ok(())
}

/// 2300 HI*BP (and BO): the surgical procedures the claim's anesthesia was for.
pub(crate) fn write_anesthesia_procedures(
    w: &mut InterchangeWriter,
    claim: &ProfessionalClaim,
) -> Result<()> {
    let mut codes: Vec<&str> = Vec::new();
    for line in &claim.lines {
        if let Some(anesthesia) = &line.details.anesthesia {
            for code in &anesthesia.surgical_procedures {
                if !codes.contains(&code.as_str()) {
                    codes.push(code);
                }
            }
        }
    }
    let Some((principal, others)) = codes.split_first() else {
        return Ok(());
    };
    let mut hi = w.segment("HI").composite(&["BP", principal]);
    if let Some(other) = others.first() {
        hi = hi.composite(&["BO", other]);
    }
    hi.end()
}

/// 2310E (NM1*PW) and 2310F (NM1*45): where the ambulance picked the patient up and
/// left them.
pub(crate) fn write_transport_locations(
    w: &mut InterchangeWriter,
    claim: &ProfessionalClaim,
) -> Result<()> {
    match claim_trip(claim) {
        Some(trip) => write_places(w, trip, ("2310E", "2310F")),
        None => Ok(()),
    }
}

/// NM1*PW and NM1*45 with their N3/N4: the trip's pick-up and drop-off, in the loops named.
fn write_places(
    w: &mut InterchangeWriter,
    trip: &AmbulanceTransport,
    (pick_up, drop_off): (&'static str, &'static str),
) -> Result<()> {
    w.segment("NM1").el("PW").el("2").end()?;
    location(w, &trip.pick_up, pick_up)?;
    w.segment("NM1")
        .el("45")
        .el("2")
        .opt(trip.drop_off_name.as_deref())
        .end()?;
    location(w, &trip.drop_off, drop_off)
}

fn location(w: &mut InterchangeWriter, place: &Address, loop_id: &'static str) -> Result<()> {
    let (line1, city, state, zip) = street_address(place).map_err(|field| {
        Error::segment("N3", None, format!("the address has no {field}")).in_loop(Some(loop_id))
    })?;
    w.segment("N3")
        .el(&line1)
        .opt(place.line2.as_deref())
        .end()?;
    w.segment("N4").el(&city).el(&state).el(&zip).end()
}

/// SV103 and SV104: `MJ` and the minutes for anesthesia, else `UN` and the units.
pub(crate) fn unit_basis(line: &ServiceLine, at: usize) -> Result<(&'static str, i64)> {
    match &line.details.anesthesia {
        None => Ok(("UN", i64::from(line.units))),
        Some(anesthesia) if anesthesia.minutes > 0 => Ok(("MJ", i64::from(anesthesia.minutes))),
        Some(anesthesia) => Err(Error::element(
            "SV1",
            None,
            4,
            None,
            format!(
                "line {at}: anesthesia minutes are {}; SV104 needs the minutes of anesthesia time (1 or more)",
                anesthesia.minutes
            ),
        )),
    }
}

/// 2400 SV5, PWK*CT and CR3 (between SV1 and DTP*472) of a DME line.
pub(crate) fn write_equipment(w: &mut InterchangeWriter, line: &ServiceLine) -> Result<()> {
    let Some(equipment) = &line.details.equipment else {
        return Ok(());
    };
    let dme = &equipment.detail;
    if dme.priced() {
        w.segment("SV5")
            .composite(&["HC", &line.code])
            .el("DA")
            .int(i64::from(dme.necessity_days.unwrap_or(0)))
            .opt(dme.rental_price_cents.map(x12::format_cents).as_deref())
            .opt(dme.purchase_price_cents.map(x12::format_cents).as_deref())
            .opt(dme.rental_unit.as_deref())
            .end()?;
    }
    if let Some(transmission) = &dme.cmn_transmission {
        w.segment("PWK").el("CT").el(transmission).end()?;
    }
    w.segment("CR3")
        .el(&dme.certification_type)
        .el("MO")
        .int(i64::from(dme.months))
        .end()
}

/// 2400 DTP*607, DTP*463, DTP*461 (DME) and QTY*PT (ambulance), after DTP*472.
pub(crate) fn write_line_dates_and_counts(
    w: &mut InterchangeWriter,
    line: &ServiceLine,
) -> Result<()> {
    if let Some(equipment) = &line.details.equipment {
        let dme = &equipment.detail;
        for (qualifier, date) in [
            ("607", dme.recertified_on),
            ("463", dme.therapy_began_on),
            ("461", dme.last_certified_on),
        ] {
            if let Some(date) = date {
                w.segment("DTP")
                    .el(qualifier)
                    .el("D8")
                    .el(&d8(date))
                    .end()?;
            }
        }
    }
    if let Some(count) = line
        .details
        .transport
        .as_ref()
        .and_then(|t| t.patient_count)
    {
        w.segment("QTY").el("PT").int(i64::from(count)).end()?;
    }
    Ok(())
}

/// Loop 2410 (837P and 837I): LIN**N4, CTP with the quantity and unit, REF*XZ.
pub(crate) fn write_drug(w: &mut InterchangeWriter, line: &ServiceLine) -> Result<()> {
    let Some(drug) = &line.details.drug else {
        return Ok(());
    };
    w.segment("LIN")
        .empty()
        .el("N4")
        .el(drug.ndc.as_str())
        .end()?;
    w.segment("CTP")
        .empty()
        .empty()
        .empty()
        .decimal(drug.quantity_thousandths, 3)
        .composite(&[drug.unit.code()])
        .end()?;
    if let Some(number) = &drug.prescription_number {
        w.segment("REF").el("XZ").el(number).end()?;
    }
    Ok(())
}

/// Loop 2420E: the physician who ordered a DME line.
pub(crate) fn write_ordering(w: &mut InterchangeWriter, line: &ServiceLine) -> Result<()> {
    let Some(ordering) = line
        .details
        .equipment
        .as_ref()
        .and_then(|e| e.ordering.as_ref())
    else {
        return Ok(());
    };
    nm1(
        w,
        "DK",
        Name::Person(&ordering.family_name, &ordering.given_name),
        "XX",
        &ordering.npi.to_string(),
    )
}
