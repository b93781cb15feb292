//! Outbound VXU^V04 (unsolicited vaccination record update) for immunization-registry
//! reporting, shaped after the CDC HL7 2.5.1 Implementation Guide for Immunization
//! Messaging, release 1.5: MSH, PID, then ORC/RXA/RXR per immunization.
//!
//! Invariants: the output re-parses with `parse` to the values stored (the writer escapes
//! every value); entered-in-error immunizations are not reported; nothing is written.

use crate::message::Delimiters;
use crate::write::{SegmentWriter, format_ts, outbound_msh};
use records::{Immunization, ImmunizationStatus, Patient};
use store::Tx;
use time::OffsetDateTime;

fn date(d: time::Date) -> String {
    format!("{:04}{:02}{:02}", d.year(), u8::from(d.month()), d.day())
}

/// PID-1, 3 (the MRN typed MR under its authority), 5 (legal name), 7, 8 and 11.
pub(crate) fn pid(out: &mut String, d: Delimiters, patient: &Patient) {
    numbered_pid(out, d, patient, "1");
}

/// PID with set id `set_id` (PID-1), for a message carrying more than one (ADT^A37).
pub(crate) fn numbered_pid(out: &mut String, d: Delimiters, patient: &Patient, set_id: &str) {
    let a = &patient.address;
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    let dob = date(patient.birth_date);
    SegmentWriter::new(out, d, "PID")
        .field(&[set_id])
        .skip(1)
        .field(&[patient.mrn.as_str(), "", "", &patient.mrn_authority, "MR"])
        .skip(1)
        .field(&[
            &patient.family_name,
            &patient.given_name,
            &s(&patient.middle_name),
            &s(&patient.name_suffix),
            &s(&patient.name_prefix),
            "",
            "L",
        ])
        .skip(1)
        .field(&[&dob])
        .field(&[patient.sex.code()])
        .skip(2)
        .field(&[
            &s(&a.line1),
            &s(&a.line2),
            &s(&a.city),
            &s(&a.state),
            &s(&a.postal_code),
            &s(&a.country),
            "L",
        ])
        .end();
}

/// The VXU^V04 for one patient's immunizations; segments end with CR.
pub fn outbound_vxu(
    tx: &mut Tx<'_>,
    patient_id: i64,
    now: OffsetDateTime,
    control_id: &str,
) -> store::Result<String> {
    let patient = tx.get::<Patient>(patient_id)?.record;
    let shots = tx.for_patient::<Immunization>(patient_id)?;
    let d = Delimiters::default();
    let mut out = String::new();
    outbound_msh(
        &mut out,
        d,
        now,
        &["VXU", "V04", "VXU_V04"],
        control_id,
        &[&[], &[], &["ER"], &["AL"]],
    );
    pid(&mut out, d, &patient);
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    for shot in shots
        .iter()
        .filter(|s| s.record.status != ImmunizationStatus::EnteredInError)
    {
        let r = &shot.record;
        let id = shot.meta.id.to_string();
        SegmentWriter::new(&mut out, d, "ORC")
            .field(&["RE"])
            .skip(1)
            .field(&[&id, "CHARTROOM"])
            .end();
        let (completion, amount) = match r.status {
            ImmunizationStatus::Completed => ("CP", "999"),
            _ => ("NA", "999"),
        };
        let at = format_ts(r.administered_at);
        // RXA-6 999 means "amount not recorded" (CDC IG, RXA-6).
        SegmentWriter::new(&mut out, d, "RXA")
            .field(&["0"])
            .field(&["1"])
            .field(&[&at])
            .skip(1)
            .field(&[&r.cvx, &s(&r.description), "CVX"])
            .field(&[amount])
            .skip(8)
            .field(&[&s(&r.lot_number)])
            .skip(4)
            .field(&[completion])
            .field(&["A"])
            .end();
        if r.route.is_some() || r.site.is_some() {
            let route = s(&r.route);
            let site = s(&r.site);
            let mut w = SegmentWriter::new(&mut out, d, "RXR");
            if route.is_empty() {
                w.skip(1);
            } else {
                w.field(&[&route, "", "HL70162"]);
            }
            if !site.is_empty() {
                w.field(&[&site, "", "HL70163"]);
            }
            w.end();
        }
    }
    Ok(out)
}
