//! One audit entry by its sequence number (the FHIR API's `AuditEvent/{id}`).

use crate::Store;
use crate::audit::{COLUMNS, read_entry};
use crate::error::{Error, Result};
use crate::value::Value;
use privacy::AuditEntry;

impl Store {
    /// The audit entry numbered `seq`, if there is one. Reading needs no key.
    pub fn audit_entry(&self, seq: i64) -> Result<Option<AuditEntry>> {
        let rows = self.with_conn(|conn| {
            conn.query(
                &format!("SELECT {COLUMNS} FROM audit_log WHERE seq = ?"),
                &[Value::Int(seq)],
            )
        })?;
        rows.first()
            .map(|row| {
                read_entry(row).map_err(|message| Error::Corrupt {
                    kind: "audit entry",
                    id: seq,
                    message,
                })
            })
            .transpose()
    }
}
