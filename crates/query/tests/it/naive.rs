//! The oracle: each benchmark question answered row by row over the fact vectors, with
//! calendar arithmetic from `time` rather than the engine's day-number tricks.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use query::{ImmunizationStatus, PatientFacts};
use time::{Date, Duration, macros::date};

use crate::fixture::{AS_OF, FLU, Population};

pub fn age(birth: Date, on: Date) -> i64 {
    let mut years = i64::from(on.year() - birth.year());
    if (on.month() as u8, on.day()) < (birth.month() as u8, birth.day()) {
        years -= 1;
    }
    years
}

pub fn monday_of(date: Date) -> Date {
    date - Duration::days(i64::from(date.weekday().number_days_from_monday()))
}

fn flu_completed_after(
    pop: &Population,
    after: Date,
    until: Option<Date>,
) -> impl Iterator<Item = &query::ImmunizationFact> {
    pop.immunizations.iter().filter(move |imm| {
        FLU.contains(&imm.cvx)
            && imm.status == ImmunizationStatus::Completed
            && imm.date > after
            && until.is_none_or(|u| imm.date <= u)
    })
}

pub fn q1(pop: &Population) -> i64 {
    let patients: BTreeSet<i64> = flu_completed_after(pop, date!(2025 - 01 - 01), Some(AS_OF))
        .map(|imm| imm.patient_key)
        .collect();
    patients.len() as i64
}

/// `(bucket, patients, open cents)` in bucket order.
pub fn q2(pop: &Population) -> Vec<(String, i64, i64)> {
    let mut per_patient: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    for item in &pop.ar_items {
        let days = (AS_OF - item.due_date).whole_days();
        if item.paid_cents < item.amount_cents && days > 90 {
            let entry = per_patient.entry(item.patient_key).or_insert((0, 0));
            entry.0 = entry.0.max(days);
            entry.1 += item.amount_cents - item.paid_cents;
        }
    }
    let labels = ["91-120", "121-180", "181-365", "366+"];
    let mut out: Vec<(String, i64, i64)> = labels.iter().map(|l| ((*l).to_owned(), 0, 0)).collect();
    for (oldest, open) in per_patient.values() {
        let idx = match oldest {
            ..=120 => 0,
            121..=180 => 1,
            181..=365 => 2,
            _ => 3,
        };
        out[idx].1 += 1;
        out[idx].2 += open;
    }
    out.retain(|row| row.1 > 0);
    out
}

fn band(age: i64) -> &'static str {
    match age {
        ..=17 => "0-17",
        18..=49 => "18-49",
        50..=64 => "50-64",
        _ => "65+",
    }
}

/// `(band, population, vaccinated)`.
pub fn q3(pop: &Population) -> Vec<(String, i64, i64)> {
    let vaccinated: BTreeSet<i64> = flu_completed_after(pop, date!(2025 - 01 - 01), None)
        .map(|imm| imm.patient_key)
        .collect();
    let mut out: BTreeMap<usize, (String, i64, i64)> = BTreeMap::new();
    let order = ["0-17", "18-49", "50-64", "65+"];
    for patient in &pop.patients {
        let label = band(age(patient.birth_date, AS_OF));
        let idx = order.iter().position(|l| *l == label).unwrap();
        let entry = out.entry(idx).or_insert((label.to_owned(), 0, 0));
        entry.1 += 1;
        entry.2 += i64::from(vaccinated.contains(&patient.patient_key));
    }
    out.into_values().collect()
}

pub fn q4(pop: &Population) -> usize {
    let zip: HashMap<i64, &PatientFacts> =
        pop.patients.iter().map(|p| (p.patient_key, p)).collect();
    let groups: BTreeSet<(String, Date)> = flu_completed_after(pop, date!(2025 - 01 - 01), None)
        .map(|imm| {
            (
                zip[&imm.patient_key].zip[..3].to_owned(),
                monday_of(imm.date),
            )
        })
        .collect();
    groups.len()
}
