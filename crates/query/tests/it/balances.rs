//! Balances by payer, financial class and aging bucket together: each payer's share of
//! what a patient owes, aged by that payer's oldest open item, checked against sums made
//! item by item on the generated population.

use std::collections::{BTreeMap, BTreeSet};

use query::FinancialClass;

use crate::answers::strings;
use crate::fixture::{AS_OF, bulk, population};

fn bucket(days: i64) -> Option<&'static str> {
    match days {
        ..=30 => None,
        31..=90 => Some("31-90"),
        91..=180 => Some("91-180"),
        _ => Some("181+"),
    }
}

#[test]
fn balances_by_payer_and_aging_bucket_age_each_payers_share_by_its_oldest_item() {
    let pop = population(5_000, 3);
    let engine = bulk(&pop);
    // (patient, payer) -> (oldest days past due, open cents)
    let mut shares: BTreeMap<(i64, i64), (i64, i64)> = BTreeMap::new();
    for item in &pop.ar_items {
        let days = (AS_OF - item.due_date).whole_days();
        if item.paid_cents < item.amount_cents && days > 30 {
            let share = shares
                .entry((item.patient_key, item.payer_key))
                .or_default();
            share.0 = share.0.max(days);
            share.1 += item.amount_cents - item.paid_cents;
        }
    }
    let order = ["31-90", "91-180", "181+"];
    let mut expected: BTreeMap<(i64, usize), (BTreeSet<i64>, i64)> = BTreeMap::new();
    for ((patient, payer), (days, open)) in shares {
        let label = bucket(days).unwrap();
        let idx = order.iter().position(|l| *l == label).unwrap();
        let entry = expected.entry((payer, idx)).or_default();
        entry.0.insert(patient);
        entry.1 += open;
    }
    let table = engine
        .query("balances where days_past_due > 30 as of 2026-01-01 group by payer, aging_bucket(31-90,91-180,181+) measure patients, sum(open_cents)")
        .unwrap();
    assert_eq!(
        table.columns,
        ["payer", "aging_bucket", "patients", "sum(open_cents)"]
    );
    let expected: Vec<Vec<String>> = expected
        .into_iter()
        .map(|((payer, idx), (patients, open))| {
            vec![
                payer.to_string(),
                order[idx].to_owned(),
                patients.len().to_string(),
                open.to_string(),
            ]
        })
        .collect();
    assert_eq!(expected.len(), 12, "four payers, three buckets");
    assert_eq!(strings(&table), expected);
}

#[test]
fn balances_filter_and_group_by_financial_class() {
    let pop = population(5_000, 3);
    let engine = bulk(&pop);
    let wanted = [FinancialClass::Medicare, FinancialClass::Medicaid];
    let mut expected: BTreeMap<&str, (BTreeSet<i64>, i64, i64)> = BTreeMap::new();
    for item in &pop.ar_items {
        if item.paid_cents < item.amount_cents && wanted.contains(&item.financial_class) {
            let entry = expected.entry(item.financial_class.word()).or_default();
            entry.0.insert(item.patient_key);
            entry.1 += 1;
            entry.2 += item.amount_cents - item.paid_cents;
        }
    }
    let table = engine
        .query("balances where financial_class in (Medicare, medicaid) group by financial_class measure patients, count, sum(open_cents)")
        .unwrap();
    // Classes are shown in the language's order: medicare before medicaid.
    let expected: Vec<Vec<String>> = ["medicare", "medicaid"]
        .into_iter()
        .map(|class| {
            let (patients, n, open) = &expected[class];
            vec![
                class.to_owned(),
                patients.len().to_string(),
                n.to_string(),
                open.to_string(),
            ]
        })
        .collect();
    assert_eq!(strings(&table), expected);

    // The same test at patient level, and a class nobody is billed to.
    let medicare: BTreeSet<i64> = pop
        .ar_items
        .iter()
        .filter(|i| i.paid_cents < i.amount_cents && i.financial_class == FinancialClass::Medicare)
        .map(|i| i.patient_key)
        .collect();
    assert_eq!(
        engine
            .query("count patients where balance(financial_class = medicare)")
            .unwrap()
            .scalar(),
        Some(medicare.len() as i64)
    );
    assert_eq!(
        engine
            .query("count patients where balance(financial_class = self-pay)")
            .unwrap()
            .scalar(),
        Some(0)
    );
}

#[test]
fn balances_without_payer_dimensions_stay_one_row_per_patient() {
    let pop = population(5_000, 3);
    let engine = bulk(&pop);
    let owing: BTreeSet<i64> = pop
        .ar_items
        .iter()
        .filter(|i| i.paid_cents < i.amount_cents)
        .map(|i| i.patient_key)
        .collect();
    let table = engine.query("balances measure count, patients").unwrap();
    let items = pop
        .ar_items
        .iter()
        .filter(|i| i.paid_cents < i.amount_cents)
        .count();
    assert_eq!(
        strings(&table),
        [[items.to_string(), owing.len().to_string()]]
    );
}
