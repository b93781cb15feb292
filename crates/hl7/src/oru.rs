//! Outbound ORU^R01 (unsolicited observation result) carrying laboratory results to public
//! health with an initial case report, shaped after the HL7 2.5.1 Implementation Guide for
//! Electronic Laboratory Reporting to Public Health (ELR, release 1): MSH, PID, then per
//! result ORC (RE), OBR (the test) and OBX (the result). No SPM: Chartroom keeps no specimen
//! records, and a segment of guesses would tell the health department less than none.
//!
//! Invariants: the output re-parses with `parse` to the values stored (the writer escapes
//! every value), so the same message fed to `process` stores the same results; every result
//! named must be a current laboratory result of the patient, else nothing is written.

use crate::message::Delimiters;
use crate::vxu::pid;
use crate::write::{SegmentWriter, format_ts, outbound_msh};
use records::{Observation, ObservationValue, Patient};
use store::{Stored, Tx};
use time::OffsetDateTime;

/// The ORU^R01 for these results of one patient (ids of `Observation`s); segments end with
/// CR. A result of another patient, a deleted one or none at all is refused naming it.
pub fn outbound_oru(
    tx: &mut Tx<'_>,
    patient_id: i64,
    observation_ids: &[i64],
    now: OffsetDateTime,
    control_id: &str,
) -> store::Result<String> {
    if observation_ids.is_empty() {
        return Err(store::Error::Conflict(
            "an ORU^R01 needs at least one laboratory result".into(),
        ));
    }
    let patient = tx.get::<Patient>(patient_id)?.record;
    let mut results: Vec<Stored<Observation>> = Vec::new();
    for id in observation_ids {
        let result = tx.get::<Observation>(*id)?;
        if result.meta.deleted.is_some() || result.record.patient_id.0 != patient_id {
            return Err(store::Error::Conflict(format!(
                "observation {id} is not a current result of patient {patient_id}"
            )));
        }
        results.push(result);
    }
    let d = Delimiters::default();
    let mut out = String::new();
    outbound_msh(
        &mut out,
        d,
        now,
        &["ORU", "R01", "ORU_R01"],
        control_id,
        &[&[], &[], &["NE"], &["NE"]],
    );
    pid(&mut out, d, &patient);
    for (idx, result) in results.iter().enumerate() {
        let r = &result.record;
        let set_id = (idx + 1).to_string();
        let filler = result.meta.id.to_string();
        let at = format_ts(r.effective_at);
        let description = r.description.clone().unwrap_or_default();
        SegmentWriter::new(&mut out, d, "ORC")
            .field(&["RE"])
            .skip(1)
            .field(&[&filler, "CHARTROOM"])
            .end();
        SegmentWriter::new(&mut out, d, "OBR")
            .field(&[&set_id])
            .skip(1)
            .field(&[&filler, "CHARTROOM"])
            .field(&[&r.code, &description, "LN"])
            .skip(2)
            .field(&[&at])
            .skip(17)
            // OBR-25 F: the result is final.
            .field(&["F"])
            .end();
        let number;
        // OBX-2 says how OBX-5 reads; coded answers are SNOMED CT organisms and findings.
        let (kind, value, unit): (&str, Vec<&str>, &str) = match &r.value {
            ObservationValue::Quantity {
                value_number,
                value_unit,
            } => {
                number = value_number.to_string();
                (
                    "NM",
                    vec![number.as_str()],
                    value_unit.as_deref().unwrap_or_default(),
                )
            }
            ObservationValue::Coded {
                value_code,
                value_display,
            } => (
                "CWE",
                vec![
                    value_code.as_str(),
                    value_display.as_deref().unwrap_or_default(),
                    "SCT",
                ],
                "",
            ),
            ObservationValue::Text { value_text } => ("ST", vec![value_text.as_str()], ""),
        };
        SegmentWriter::new(&mut out, d, "OBX")
            .field(&["1"])
            .field(&[kind])
            .field(&[&r.code, &description, "LN"])
            .skip(1)
            .field(&value)
            .field(&[unit])
            .skip(4)
            .field(&["F"])
            .skip(2)
            .field(&[&at])
            .end();
    }
    Ok(out)
}
