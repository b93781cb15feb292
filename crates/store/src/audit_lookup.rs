//! One audit entry by its sequence number (the FHIR API's `AuditEvent/{id}`), and the
//! recent failed sign-ins from one address (the password-spraying throttle).

use crate::Store;
use crate::audit::{COLUMNS, attach_patients, read_entry};
use crate::error::{Error, Result};
use crate::value::Value;
use privacy::AuditEntry;

impl Store {
    /// The audit entry numbered `seq`, if there is one. Reading needs no key.
    pub fn audit_entry(&self, seq: i64) -> Result<Option<AuditEntry>> {
        self.with_conn(|conn| {
            let rows = conn.query(
                &format!("SELECT {COLUMNS} FROM audit_log WHERE seq = ?"),
                &[Value::Int(seq)],
            )?;
            let Some(row) = rows.first() else {
                return Ok(None);
            };
            let entry = read_entry(row).map_err(|message| Error::Corrupt {
                kind: "audit entry",
                id: seq,
                message,
            })?;
            let mut entries = [entry];
            attach_patients(conn, &mut entries)?;
            let [entry] = entries;
            Ok(Some(entry))
        })
    }

    /// Failed sign-ins from `source` at or after `since`, over every username.
    pub fn failed_logins_from(&self, source: &str, since: time::OffsetDateTime) -> Result<i64> {
        let rows = self.with_conn(|conn| {
            conn.query(
                "SELECT COUNT(*) FROM audit_log WHERE at >= ? AND action = ? AND source = ?",
                &[
                    Value::Timestamp(since),
                    Value::from(privacy::Action::LoginFailed.as_str()),
                    Value::from(source),
                ],
            )
        })?;
        Ok(rows.first().map_or(0, |row| row.int(0)))
    }
}
