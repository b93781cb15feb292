//! Counts and balances: what `chartroom stats` and account screens show.

use crate::error::Result;
use crate::tx::Tx;
use crate::value::Value;
use serde::Serialize;

/// An account's balance, from its charges and postings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct AccountBalance {
    /// Sum of charges.
    pub charges_cents: i64,
    /// Sum of payments.
    pub payments_cents: i64,
    /// Sum of adjustments.
    pub adjustments_cents: i64,
    /// Sum of refunds.
    pub refunds_cents: i64,
    /// What is still owed.
    pub balance_cents: i64,
}

const POSTING_SUMS: &str = "SELECT kind, CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT) FROM postings WHERE deleted_at IS NULL";

pub(crate) fn balance_from(charges_cents: i64, rows: &[crate::value::Row]) -> AccountBalance {
    let sum_of = |kind: &str| {
        rows.iter()
            .filter(|r| r.text(0) == Some(kind))
            .map(|r| r.int(1))
            .sum::<i64>()
    };
    let (payments_cents, adjustments_cents, refunds_cents) =
        (sum_of("payment"), sum_of("adjustment"), sum_of("refund"));
    AccountBalance {
        charges_cents,
        payments_cents,
        adjustments_cents,
        refunds_cents,
        balance_cents: charges_cents - payments_cents - adjustments_cents + refunds_cents,
    }
}

/// One patient's account balance.
pub fn account_balance(tx: &mut Tx<'_>, patient_id: i64) -> Result<AccountBalance> {
    let charges = tx.query(
        "SELECT CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT) FROM charges WHERE deleted_at IS NULL AND patient_id = ?",
        &[Value::Int(patient_id)],
    )?;
    let postings = tx.query(
        &format!("{POSTING_SUMS} AND patient_id = ? GROUP BY kind"),
        &[Value::Int(patient_id)],
    )?;
    Ok(balance_from(
        charges.first().map_or(0, |r| r.int(0)),
        &postings,
    ))
}

/// Size and state of the whole store.
#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    /// Current (not deleted) records per kind, in model order.
    pub records: Vec<(String, i64)>,
    /// Notes not yet signed.
    pub unsigned_notes: i64,
    /// Patients with no coverage on file.
    pub patients_without_coverage: i64,
    /// Balance over every account.
    pub balance: AccountBalance,
}

const COUNTED: &[(&str, &str)] = &[
    ("patients", "patients"),
    ("coverages", "coverages"),
    ("organizations", "organizations"),
    ("providers", "providers"),
    ("payers", "payers"),
    ("encounters", "encounters"),
    ("diagnoses", "diagnoses"),
    ("procedures", "procedures"),
    ("immunizations", "immunizations"),
    ("observations", "observations"),
    ("medications", "medications"),
    ("allergies", "allergies"),
    ("problems", "problems"),
    ("notes", "notes"),
    ("charges", "charges"),
    ("postings", "postings"),
];

impl Tx<'_> {
    /// Counts and balances over the whole store.
    pub fn stats(&mut self) -> Result<Stats> {
        let mut records = Vec::new();
        for (label, table) in COUNTED {
            let rows = self.query(
                &format!("SELECT CAST(COUNT(*) AS BIGINT) FROM {table} WHERE deleted_at IS NULL"),
                &[],
            )?;
            records.push(((*label).to_owned(), rows.first().map_or(0, |r| r.int(0))));
        }
        let count = |tx: &mut Self, sql: &str| -> Result<i64> {
            Ok(tx.query(sql, &[])?.first().map_or(0, |r| r.int(0)))
        };
        let unsigned_notes = count(
            self,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM notes WHERE deleted_at IS NULL AND signed_at IS NULL",
        )?;
        let patients_without_coverage = count(
            self,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM patients p WHERE p.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM coverages c WHERE c.patient_id = p.id AND c.deleted_at IS NULL)",
        )?;
        let charges = count(
            self,
            "SELECT CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT) FROM charges WHERE deleted_at IS NULL",
        )?;
        let postings = self.query(&format!("{POSTING_SUMS} GROUP BY kind"), &[])?;
        Ok(Stats {
            records,
            unsigned_notes,
            patients_without_coverage,
            balance: balance_from(charges, &postings),
        })
    }

    /// One patient's account balance.
    pub fn account_balance(&mut self, patient_id: i64) -> Result<AccountBalance> {
        account_balance(self, patient_id)
    }
}
