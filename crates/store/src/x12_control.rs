//! X12 control numbers (ISA13, GS06, ST02) per sender, reserved in blocks so that no two
//! files Chartroom writes ever carry the same number, even across restarts and servers.
//!
//! Invariants:
//! - A reservation is one upsert inside the caller's transaction: the numbers are used
//!   only if that transaction commits, and a concurrent writer waits on the row lock
//!   (PostgreSQL) or the database lock (SQLite) rather than getting the same block.
//! - Numbers do not wrap: past 999,999,999 a reservation is refused.

use crate::error::{Error, Result};
use crate::tx::Tx;
use crate::value::Value;

/// The largest nine-digit control number.
pub const MAX_CONTROL_NUMBER: i64 = 999_999_999;

/// Which envelope a control number is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlKind {
    /// ISA13 / IEA02.
    Interchange,
    /// GS06 / GE02.
    Group,
    /// ST02 / SE02.
    Transaction,
}

impl ControlKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Interchange => "interchange",
            Self::Group => "group",
            Self::Transaction => "transaction",
        }
    }
}

impl Tx<'_> {
    /// Reserves `count` consecutive `kind` control numbers for `sender` and returns the first.
    pub fn reserve_control_numbers(
        &mut self,
        sender: &str,
        kind: ControlKind,
        count: u32,
    ) -> Result<u32> {
        if count == 0 {
            return Err(Error::Conflict(
                "reserve at least one control number".into(),
            ));
        }
        let last = self
            .query(
                "SELECT last_number FROM x12_control_numbers WHERE sender = ? AND kind = ?",
                &[Value::from(sender), Value::from(kind.as_str())],
            )?
            .first()
            .map_or(0, |row| row.int(0));
        let count = i64::from(count);
        if last + count > MAX_CONTROL_NUMBER {
            return Err(Error::Conflict(format!(
                "the X12 {} control numbers of sender {sender} are used up ({last} of {MAX_CONTROL_NUMBER}): a new sender id is needed",
                kind.as_str()
            )));
        }
        let rows = self.query(
            "INSERT INTO x12_control_numbers (sender, kind, last_number) VALUES (?, ?, ?) \
             ON CONFLICT (sender, kind) DO UPDATE SET last_number = x12_control_numbers.last_number + ? \
             RETURNING last_number",
            &[
                Value::from(sender),
                Value::from(kind.as_str()),
                Value::Int(count),
                Value::Int(count),
            ],
        )?;
        let last = rows
            .first()
            .map(|row| row.int(0))
            .ok_or_else(|| Error::Database("reserving control numbers returned no row".into()))?;
        u32::try_from(last - count + 1)
            .map_err(|_| Error::Database(format!("control number {last} out of range")))
    }
}
