//! Accounts that still owe: the billing office's worklist, largest balance first.

use crate::error::Result;
use crate::tx::Tx;
use crate::value::Value;

impl Tx<'_> {
    /// Patients whose account balance (charges, less payments and adjustments, plus
    /// refunds) is above zero: `(patient id, balance in cents)`, largest first, at most
    /// `limit`.
    pub fn open_balances(&mut self, limit: i64) -> Result<Vec<(i64, i64)>> {
        let rows = self.query(
            "SELECT patient_id, CAST(SUM(amount) AS BIGINT) AS balance FROM ( \
               SELECT patient_id, amount_cents AS amount FROM charges WHERE deleted_at IS NULL \
               UNION ALL \
               SELECT patient_id, CASE WHEN kind = 'refund' THEN amount_cents ELSE -amount_cents END \
                 FROM postings WHERE deleted_at IS NULL \
             ) AS entries GROUP BY patient_id HAVING SUM(amount) > 0 \
             ORDER BY balance DESC, patient_id LIMIT ?",
            &[Value::Int(limit.max(0))],
        )?;
        Ok(rows.iter().map(|row| (row.int(0), row.int(1))).collect())
    }
}
