//! An audit entry as a flat row, the one layout every audit export uses (the command line's
//! CSV and JSON, the audit report page's CSV), so exports from any channel line up.

use crate::{AuditEntry, DataCategory};
use time::format_description::well_known::Rfc3339;

fn opt<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// The columns of an audit export, in order.
pub const AUDIT_COLUMNS: [&str; 19] = [
    "seq",
    "at",
    "user",
    "roles",
    "action",
    "outcome",
    "channel",
    "patient_id",
    "patients",
    "record_kind",
    "record_id",
    "categories",
    "source",
    "client",
    "reason",
    "old_values",
    "new_values",
    "mac",
    "writes",
];

/// One entry as the export's columns (`AUDIT_COLUMNS`), every value as text.
pub fn audit_row(entry: &AuditEntry) -> [String; 19] {
    let e = &entry.event;
    [
        entry.seq.to_string(),
        e.at.format(&Rfc3339).unwrap_or_default(),
        e.user.clone(),
        e.roles.to_list(),
        e.action.to_string(),
        e.outcome.to_string(),
        e.channel.to_string(),
        opt(e.patient_id),
        e.patients
            .iter()
            .map(|p| p.0.to_string())
            .collect::<Vec<_>>()
            .join(" "),
        opt(e.record_kind.clone()),
        opt(e.record_id),
        DataCategory::to_list(&e.categories),
        opt(e.source.clone()),
        opt(e.client.clone()),
        opt(e.reason.clone()),
        opt(e.old_values.clone()),
        opt(e.new_values.clone()),
        entry.mac.to_hex(),
        opt(e.writes.clone()),
    ]
}
