//! A patient's account as a ledger: charges and postings in date order with the balance
//! after each, and money typed by a person read into cents.

use crate::financial::{Charge, Posting, PostingKind};
use time::Date;

/// One line of a ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerLine {
    /// Date of service (charges) or date posted (postings).
    pub date: Date,
    /// The record's kind (`charge` or `posting`) and id.
    pub kind: &'static str,
    /// The record's id.
    pub id: i64,
    /// What it is, in words.
    pub description: String,
    /// How much it moves the balance: charges and refunds up, payments and adjustments down.
    pub effect_cents: i64,
    /// The balance after this line.
    pub balance_cents: i64,
}

/// The ledger of charges and postings (each with its record id), oldest first; on one
/// date, charges come before the postings against them.
pub fn ledger(charges: &[(i64, &Charge)], postings: &[(i64, &Posting)]) -> Vec<LedgerLine> {
    let mut lines: Vec<LedgerLine> = charges
        .iter()
        .map(|(id, charge)| LedgerLine {
            date: charge.service_date,
            kind: "charge",
            id: *id,
            description: match &charge.code {
                Some(code) => format!("{code} {}", charge.description),
                None => charge.description.clone(),
            },
            effect_cents: charge.amount_cents,
            balance_cents: 0,
        })
        .chain(postings.iter().map(|(id, posting)| LedgerLine {
            date: posting.posted_on,
            kind: "posting",
            id: *id,
            description: posting_words(posting),
            effect_cents: posting.balance_effect_cents(),
            balance_cents: 0,
        }))
        .collect();
    lines.sort_by_key(|line| (line.date, line.kind != "charge", line.id));
    let mut balance = 0;
    for line in &mut lines {
        balance += line.effect_cents;
        line.balance_cents = balance;
    }
    lines
}

fn posting_words(posting: &Posting) -> String {
    let kind = match posting.kind {
        PostingKind::Payment => "Payment",
        PostingKind::Adjustment => "Adjustment",
        PostingKind::Refund => "Refund",
    };
    let mut words = kind.to_owned();
    if let Some(code) = &posting.reason_code {
        words.push_str(&format!(" {code}"));
    }
    if let Some(reference) = &posting.reference {
        words.push_str(&format!(" (ref. {reference})"));
    }
    words
}

/// Cents as a person reads dollars: `$1,234.56`, `-$0.05`.
pub fn dollars(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    let digits = (cents / 100).to_string();
    let mut dollars = String::with_capacity(digits.len() + digits.len() / 3);
    for (idx, digit) in digits.chars().enumerate() {
        if idx > 0 && (digits.len() - idx).is_multiple_of(3) {
            dollars.push(',');
        }
        dollars.push(digit);
    }
    format!("{sign}${dollars}.{:02}", cents % 100)
}

/// Reads an amount as a person types it (`1,234.56`, `$80`, `0.5`) into cents; `None`
/// when it is not a plain amount with at most two decimals.
pub fn cents_from_text(text: &str) -> Option<i64> {
    let text = text.trim().trim_start_matches('$').replace(',', "");
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    if whole.is_empty() && fraction.is_empty()
        || fraction.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let fraction: i64 = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<i64>().ok()? * 10,
        _ => fraction.parse().ok()?,
    };
    whole.checked_mul(100)?.checked_add(fraction)
}
