//! Outbound ADT^A40 (merge patient, patient identifier list) for a merge the patient index
//! made, so the systems that hold the retired MRN retire it too: MSH, EVN, PID of the
//! surviving chart, MRG with the retired chart's MRN under its authority (HL7 v2.5.1
//! chapter 3.3.40).
//!
//! Invariants: the output re-parses with `parse`, and Chartroom's own inbound A40 applies
//! it (a round trip merges the same pair); an undone merge is not announced; nothing is
//! written.

use crate::message::Delimiters;
use crate::vxu::pid;
use crate::write::{SegmentWriter, format_ts, outbound_msh};
use records::Patient;
use store::{MergeRecord, Tx};
use time::OffsetDateTime;

/// The ADT^A40 announcing merge `merge_id`; segments end with CR.
pub fn outbound_a40(
    tx: &mut Tx<'_>,
    merge_id: i64,
    now: OffsetDateTime,
    control_id: &str,
) -> store::Result<String> {
    let (merge, surviving, retired) = merge_charts(tx, merge_id, "merged")?;
    let d = Delimiters::default();
    let mut out = String::new();
    outbound_msh(
        &mut out,
        d,
        now,
        &["ADT", "A40", "ADT_A39"],
        control_id,
        &[],
    );
    SegmentWriter::new(&mut out, d, "EVN")
        .skip(1)
        .field(&[&format_ts(merge.merged_at)])
        .end();
    pid(&mut out, d, &surviving);
    SegmentWriter::new(&mut out, d, "MRG")
        .field(&[retired.mrn.as_str(), "", "", &retired.mrn_authority, "MR"])
        .end();
    Ok(out)
}

/// Merge `merge_id` with its surviving and retired charts, when its status is `status`
/// (`merged` to announce it, `unmerged` to announce its undoing); otherwise a conflict
/// saying there is nothing to announce.
pub(crate) fn merge_charts(
    tx: &mut Tx<'_>,
    merge_id: i64,
    status: &str,
) -> store::Result<(MergeRecord, Patient, Patient)> {
    let merge = tx.merge_record(merge_id)?;
    if merge.status != status {
        return Err(store::Error::Conflict(if status == "merged" {
            format!("merge {merge_id} was undone: there is no merge to announce")
        } else {
            format!("merge {merge_id} stands: there is no unmerge to announce")
        }));
    }
    let surviving = tx.get::<Patient>(merge.surviving_id)?.record;
    let retired = tx
        .find::<Patient>(merge.retired_id)?
        .ok_or(store::Error::NotFound {
            kind: "patient",
            id: merge.retired_id,
        })?
        .record;
    Ok((merge, surviving, retired))
}
