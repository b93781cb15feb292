//! The patient statement: the itemised services with what insurance paid, what was
//! adjusted and what the patient paid on each, what still waits on insurance, the amount
//! due and its age; as a print-ready HTML page and as a PDF.
//!
//! Invariants:
//! - The lines reconcile: each line's balance is its charge less insurance payments,
//!   adjustments and the patient's payments; the lines' balances, less the money on
//!   account, are the account's balance, which is the amount due plus what waits on
//!   insurance. Charges settled
//!   before the statement's period and untouched since are left out (their balance is 0).
//! - Every text from the records is escaped in the HTML; the PDF writer escapes its own.

use crate::accounts::{Account, ChargeItem, accounts};
use crate::receivables::AGING_BUCKETS;
use records::dates::iso_date;
use records::ledger::dollars;
use std::fmt::Write as _;
use store::Tx;
use textpdf::{LINES_PER_PAGE, Line, MONO_WIDTH, Page};
use time::Date;

/// Who the statement comes from: the billing office.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct StatementFrom {
    /// The facility or practice.
    pub name: String,
    /// How to reach billing (a telephone, an address), when given.
    pub contact: Option<String>,
}

/// A patient's statement.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Statement {
    /// The billing office.
    pub from: StatementFrom,
    /// The statement date.
    #[serde(with = "iso_date")]
    pub as_of: Date,
    /// The first day of the period whose activity it shows.
    #[serde(with = "iso_date")]
    pub since: Date,
    /// The patient's record id.
    pub patient_id: i64,
    /// "Family, Given".
    pub patient: String,
    /// The MRN, the account number the patient quotes.
    pub mrn: String,
    /// The mailing address, line by line.
    pub address: Vec<String>,
    /// The services: open ones and those with activity in the period, by date.
    pub lines: Vec<ChargeItem>,
    /// Money on account (a credit), in cents.
    pub on_account_cents: i64,
    /// What still waits on insurance, in cents.
    pub insurance_pending_cents: i64,
    /// What the patient owes now (negative: a credit), in cents.
    pub amount_due_cents: i64,
    /// The amount due by age (`AGING_BUCKETS`), in cents.
    pub aging: [i64; 5],
}

impl Statement {
    /// The account's balance, in cents.
    pub fn balance_cents(&self) -> i64 {
        self.lines.iter().map(|l| l.balance_cents).sum::<i64>() - self.on_account_cents
    }

    fn total(&self, field: fn(&ChargeItem) -> i64) -> i64 {
        self.lines.iter().map(field).sum()
    }
}

/// The statement of `patient_id` on `as_of` showing activity from `since`; `None` when the
/// patient does not exist.
pub fn statement(
    tx: &mut Tx<'_>,
    patient_id: i64,
    as_of: Date,
    since: Date,
    from: &StatementFrom,
) -> store::Result<Option<Statement>> {
    let Some(person) = tx.find::<records::Patient>(patient_id)? else {
        return Ok(None);
    };
    let person = person.record;
    let account: Account = accounts(tx, Some(patient_id), as_of)?
        .remove(&patient_id)
        .unwrap_or_default();
    let aging = account.patient_aging(as_of);
    let insurance_pending_cents = account.insurance_pending_cents();
    let amount_due_cents = account.patient_due_cents();
    let a = &person.address;
    let city_line = [
        a.city.as_deref(),
        a.state.as_deref(),
        a.postal_code.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    let address = [a.line1.clone(), a.line2.clone(), Some(city_line)]
        .into_iter()
        .flatten()
        .filter(|l| !l.trim().is_empty())
        .collect();
    let lines = account
        .items
        .into_iter()
        .filter(|i| i.balance_cents != 0 || i.service_date >= since || i.last_posted >= Some(since))
        .collect();
    Ok(Some(Statement {
        from: from.clone(),
        as_of,
        since,
        patient_id,
        patient: format!("{} {}", person.given_name, person.family_name),
        mrn: person.mrn.to_string(),
        address,
        lines,
        on_account_cents: account.on_account_cents,
        insurance_pending_cents,
        amount_due_cents,
        aging,
    }))
}

/// `text` with the characters HTML gives meaning to escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// What the service line says: code and description.
fn service(item: &ChargeItem) -> String {
    match &item.code {
        Some(code) => format!("{code} {}", item.description),
        None => item.description.clone(),
    }
}

/// The amount due in words: due, or a credit.
fn due_words(cents: i64) -> (&'static str, String) {
    if cents < 0 {
        ("Credit balance", dollars(-cents))
    } else {
        ("Amount due", dollars(cents))
    }
}

const STYLE: &str = "body{font:10pt/1.35 Helvetica,Arial,sans-serif;margin:0.5in;color:#000}\
h1{font-size:14pt;margin:0}table{border-collapse:collapse;width:100%;margin:12pt 0}\
th,td{border-bottom:1px solid #999;padding:3pt 4pt;text-align:left;vertical-align:top}\
td.num,th.num{text-align:right;white-space:nowrap}tr.total td{font-weight:bold;border-top:2px solid #000}\
.due{font-size:13pt;font-weight:bold;border:2px solid #000;padding:6pt;display:inline-block}\
.head{display:flex;justify-content:space-between}@page{size:letter;margin:0.5in}\
@media print{body{margin:0}}";

impl Statement {
    /// A print-ready HTML page (one file, its style inside).
    pub fn html(&self) -> String {
        let mut h = String::new();
        let (due_label, due) = due_words(self.amount_due_cents);
        let _ = write!(
            h,
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Statement for {} on {}</title><style>{STYLE}</style></head><body>\
<div class=\"head\"><div><h1>{}</h1>",
            escape(&self.patient),
            self.as_of,
            escape(&self.from.name)
        );
        if let Some(contact) = &self.from.contact {
            let _ = write!(h, "<div>{}</div>", escape(contact));
        }
        let _ = write!(
            h,
            "<h2>Patient statement</h2></div><div><p>Statement date: {}<br>Account: {}<br>\
Activity since: {}</p><p class=\"due\">{due_label}: {due}</p></div></div><address>{}",
            self.as_of,
            escape(&self.mrn),
            self.since,
            escape(&self.patient)
        );
        for line in &self.address {
            let _ = write!(h, "<br>{}", escape(line));
        }
        h.push_str(
            "</address><table><thead><tr><th>Date</th><th>Service</th><th class=\"num\">Charge</th>\
<th class=\"num\">Insurance paid</th><th class=\"num\">Adjustments</th>\
<th class=\"num\">You paid</th><th class=\"num\">Balance</th></tr></thead><tbody>",
        );
        for item in &self.lines {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                item.service_date,
                escape(&service(item)),
                if item.with_insurance {
                    " <em>(waiting on insurance)</em>"
                } else {
                    ""
                },
                dollars(item.charge_cents),
                dollars(item.insurance_paid_cents),
                dollars(item.adjusted_cents),
                dollars(item.patient_paid_cents),
                dollars(item.balance_cents)
            );
        }
        if self.lines.is_empty() {
            h.push_str("<tr><td colspan=\"7\">No services in this period.</td></tr>");
        }
        let _ = write!(
            h,
            "<tr class=\"total\"><td></td><td>Totals</td><td class=\"num\">{}</td>\
<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
<td class=\"num\">{}</td></tr></tbody></table>",
            dollars(self.total(|i| i.charge_cents)),
            dollars(self.total(|i| i.insurance_paid_cents)),
            dollars(self.total(|i| i.adjusted_cents)),
            dollars(self.total(|i| i.patient_paid_cents)),
            dollars(self.total(|i| i.balance_cents))
        );
        h.push_str("<table><tbody>");
        for (label, cents) in self.summary() {
            let _ = write!(
                h,
                "<tr><td>{label}</td><td class=\"num\">{}</td></tr>",
                dollars(cents)
            );
        }
        let _ = write!(
            h,
            "<tr class=\"total\"><td>{due_label}</td><td class=\"num\">{due}</td></tr></tbody></table>\
<table><thead><tr>"
        );
        for bucket in AGING_BUCKETS {
            let _ = write!(h, "<th class=\"num\">{bucket} days</th>");
        }
        h.push_str("</tr></thead><tbody><tr>");
        for cents in self.aging {
            let _ = write!(h, "<td class=\"num\">{}</td>", dollars(cents));
        }
        h.push_str(
            "</tr></tbody></table><p>Please quote your account number with your payment.</p>\
</body></html>\n",
        );
        h
    }

    /// The summary's lines before the amount due.
    fn summary(&self) -> Vec<(&'static str, i64)> {
        let mut lines = vec![(
            "Balance of the services above",
            self.total(|i| i.balance_cents),
        )];
        if self.on_account_cents != 0 {
            lines.push(("Less money on account", -self.on_account_cents));
        }
        lines.push((
            "Less what waits on insurance",
            -self.insurance_pending_cents,
        ));
        lines
    }

    /// The statement as a PDF: US Letter, the service lines in fixed-width columns.
    pub fn pdf(&self) -> Vec<u8> {
        let (due_label, due) = due_words(self.amount_due_cents);
        let mut body = vec![Line::bold(self.from.name.clone())];
        if let Some(contact) = &self.from.contact {
            body.push(Line::plain(contact.clone()));
        }
        body.push(Line::plain(""));
        body.push(Line::bold("Patient statement"));
        body.push(Line::plain(format!(
            "Statement date: {}    Account: {}    Activity since: {}",
            self.as_of, self.mrn, self.since
        )));
        body.push(Line::plain(""));
        body.push(Line::plain(self.patient.clone()));
        body.extend(self.address.iter().map(|l| Line::plain(l.clone())));
        body.push(Line::plain(""));
        body.push(Line::bold(format!("{due_label}: {due}")));
        body.push(Line::plain(""));
        body.push(Line::mono_bold(row(
            "Date",
            "Service",
            ["Charge", "Insurance", "Adjusted", "You paid", "Balance"],
        )));
        for item in &self.lines {
            let mut text = service(item);
            if item.with_insurance {
                text.insert(0, '*');
            }
            body.push(Line::mono(row(
                &item.service_date.to_string(),
                &text,
                [
                    item.charge_cents,
                    item.insurance_paid_cents,
                    item.adjusted_cents,
                    item.patient_paid_cents,
                    item.balance_cents,
                ]
                .map(dollars),
            )));
        }
        body.push(Line::mono_bold(row(
            "",
            "Totals",
            [
                self.total(|i| i.charge_cents),
                self.total(|i| i.insurance_paid_cents),
                self.total(|i| i.adjusted_cents),
                self.total(|i| i.patient_paid_cents),
                self.total(|i| i.balance_cents),
            ]
            .map(dollars),
        )));
        if self.lines.iter().any(|i| i.with_insurance) {
            body.push(Line::plain("* waiting on insurance"));
        }
        body.push(Line::plain(""));
        for (label, cents) in self.summary() {
            body.push(Line::mono(format!("{label:<40}{:>14}", dollars(cents))));
        }
        body.push(Line::mono_bold(format!("{due_label:<40}{due:>14}")));
        body.push(Line::plain(""));
        let heads: String = AGING_BUCKETS
            .iter()
            .map(|b| format!("{:>14}", format!("{b} days")))
            .collect();
        body.push(Line::mono_bold(heads));
        body.push(Line::mono(
            self.aging
                .iter()
                .map(|c| format!("{:>14}", dollars(*c)))
                .collect::<String>(),
        ));
        body.push(Line::plain(""));
        body.push(Line::plain(
            "Please quote your account number with your payment.",
        ));
        let chunks: Vec<&[Line]> = body.chunks(LINES_PER_PAGE).collect();
        let count = chunks.len();
        let pages: Vec<Page> = chunks
            .into_iter()
            .enumerate()
            .map(|(idx, lines)| Page {
                header: format!("{} - statement for account {}", self.from.name, self.mrn),
                lines: lines.to_vec(),
                footer: format!("Statement of {}, page {} of {count}", self.as_of, idx + 1),
            })
            .collect();
        textpdf::write(
            &pages,
            None,
            &format!("Statement {} {}", self.mrn, self.as_of),
        )
    }
}

/// A service row in fixed-width columns: the date, the service cut to fit, and five
/// amounts of 12 characters, so `$999,999.99` still has a space before it.
fn row(date: &str, service: &str, amounts: [impl AsRef<str>; 5]) -> String {
    let service_width = MONO_WIDTH - 11 - 5 * 12;
    let service: String = service.chars().take(service_width - 1).collect();
    let mut out = format!("{date:<11}{service:<service_width$}");
    for amount in amounts {
        let _ = write!(out, "{:>12}", amount.as_ref());
    }
    out
}
