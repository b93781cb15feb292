//! Outbound ADT^A37 (unlink patient information) for an unmerge of a merge Chartroom
//! announced by ADT^A40, so the systems that merged the two charts separate them again:
//! MSH, EVN, the PID of the chart that stayed, then the PID of the chart the unmerge
//! restored (HL7 v2.5.1 chapter 3.3.37, message structure ADT_A37: two PID segments, no
//! MRG). HL7 has no "unmerge" event; A37 is the one receivers that undo merges read.
//!
//! Invariants: the output re-parses with `parse`, and Chartroom's own inbound A37 applies
//! it (a round trip undoes the same merge); a merge that stands is not unlinked; nothing is
//! written.

use crate::a40::merge_charts;
use crate::message::Delimiters;
use crate::vxu::numbered_pid;
use crate::write::{SegmentWriter, format_ts, outbound_msh};
use store::Tx;
use time::OffsetDateTime;

/// The ADT^A37 announcing that merge `merge_id` was undone; segments end with CR.
pub fn outbound_a37(
    tx: &mut Tx<'_>,
    merge_id: i64,
    now: OffsetDateTime,
    control_id: &str,
) -> store::Result<String> {
    let (merge, surviving, restored) = merge_charts(tx, merge_id, "unmerged")?;
    let d = Delimiters::default();
    let mut out = String::new();
    outbound_msh(
        &mut out,
        d,
        now,
        &["ADT", "A37", "ADT_A37"],
        control_id,
        &[],
    );
    SegmentWriter::new(&mut out, d, "EVN")
        .skip(1)
        .field(&[&format_ts(merge.unmerged_at.unwrap_or(now))])
        .end();
    numbered_pid(&mut out, d, &surviving, "1");
    numbered_pid(&mut out, d, &restored, "2");
    Ok(out)
}
