//! The four benchmark questions, and one query per filter kind, on a generated population
//! of 20,000 patients, each checked against the naive oracle.

use std::collections::{BTreeMap, BTreeSet};

use query::{Cell, Engine, PUBLIC_HEALTH_MIN_CELL, Table};
use time::macros::date;

use crate::fixture::{AS_OF, Population, bulk, population};
use crate::naive;

pub const Q1: &str = "count patients where immunization(cvx in flu, status = completed, date > 2025-01-01, date <= 2026-01-01)";
pub const Q2: &str = "balances where days_past_due > 90 as of 2026-01-01 group by aging_bucket(91-120,121-180,181-365,366+) measure patients, sum(open_cents)";
pub const Q3: &str = "count patients as of 2026-01-01 group by age_band(0-17,18-49,50-64,65+) measure patients, patients where immunization(cvx in flu, status = completed, date > 2025-01-01)";
pub const Q4: &str = "count immunizations where cvx in flu and status = completed and date > 2025-01-01 group by zip3, week(date)";

fn setup() -> (Population, Engine) {
    let pop = population(20_000, 7);
    let engine = bulk(&pop);
    (pop, engine)
}

pub fn strings(table: &Table) -> Vec<Vec<String>> {
    table
        .rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Cell::Text(t) => t.to_string(),
                    Cell::Int(n) => n.to_string(),
                    Cell::Number(n) => format!("{n:.3}"),
                    Cell::Suppressed => "suppressed".into(),
                })
                .collect()
        })
        .collect()
}

fn triples(rows: Vec<(String, i64, i64)>) -> Vec<Vec<String>> {
    rows.into_iter()
        .map(|(a, b, c)| vec![a, b.to_string(), c.to_string()])
        .collect()
}

#[test]
fn q1_flu_vaccinated_patients_match_the_oracle() {
    let (pop, engine) = setup();
    let expected = naive::q1(&pop);
    assert!(
        expected > 1000,
        "fixture too small to mean anything: {expected}"
    );
    assert_eq!(engine.query(Q1).unwrap().scalar(), Some(expected));
}

#[test]
fn q2_overdue_balances_by_oldest_item_match_the_oracle() {
    let (pop, engine) = setup();
    let table = engine.query(Q2).unwrap();
    assert_eq!(
        table.columns,
        ["aging_bucket", "patients", "sum(open_cents)"]
    );
    assert_eq!(strings(&table), triples(naive::q2(&pop)));
}

#[test]
fn q3_flu_coverage_by_age_band_matches_the_oracle() {
    let (pop, engine) = setup();
    assert_eq!(
        strings(&engine.query(Q3).unwrap()),
        triples(naive::q3(&pop))
    );
}

#[test]
fn q4_zip3_week_groups_match_the_oracle() {
    let (pop, engine) = setup();
    let table = engine.query(Q4).unwrap();
    assert_eq!(table.rows.len(), naive::q4(&pop));
    // Weeks are labelled by their Monday.
    let first_week = &strings(&table)[0][1];
    let monday = time::Date::parse(
        first_week,
        &time::format_description::well_known::Iso8601::DATE,
    )
    .unwrap();
    assert_eq!(monday.weekday(), time::Weekday::Monday);
}

#[test]
fn diagnosis_code_range_and_prefix_and_not() {
    let (pop, engine) = setup();
    let in_range: BTreeSet<i64> = pop
        .diagnoses
        .iter()
        .filter(|d| {
            let code = d.code.replace('.', "");
            code.as_str() >= "E08" && (code.as_str() <= "E13" || code.starts_with("E13"))
        })
        .map(|d| d.patient_key)
        .collect();
    let got = engine
        .query("count patients where diagnosis(code in E08-E13)")
        .unwrap();
    assert_eq!(got.scalar(), Some(in_range.len() as i64));

    let flu: BTreeSet<i64> = pop
        .immunizations
        .iter()
        .filter(|i| crate::fixture::FLU.contains(&i.cvx))
        .map(|i| i.patient_key)
        .collect();
    let e11_no_flu = pop
        .diagnoses
        .iter()
        .filter(|d| d.code.starts_with("E11") && d.date >= date!(2024 - 01 - 01))
        .map(|d| d.patient_key)
        .filter(|p| !flu.contains(p))
        .collect::<BTreeSet<_>>();
    let got = engine.query("count patients where diagnosis(code = E11*, date >= 2024-01-01) and not immunization(cvx in flu)").unwrap();
    assert_eq!(got.scalar(), Some(e11_no_flu.len() as i64));
}

#[test]
fn demographics_filter_and_group_by_zip3() {
    let (pop, engine) = setup();
    let mut expected: BTreeMap<String, i64> = BTreeMap::new();
    for p in &pop.patients {
        if p.sex == query::Sex::Female && naive::age(p.birth_date, AS_OF) >= 65 {
            *expected.entry(p.zip[..3].to_owned()).or_default() += 1;
        }
    }
    let table = engine
        .query("count patients where sex = F and age >= 65 as of 2026-01-01 group by zip3")
        .unwrap();
    let got: Vec<(String, i64)> = strings(&table)
        .into_iter()
        .map(|r| (r[0].clone(), r[1].parse().unwrap()))
        .collect();
    assert_eq!(got, expected.into_iter().collect::<Vec<_>>());
}

#[test]
fn deceased_counts_deaths_on_or_before_the_as_of_date() {
    let (pop, engine) = setup();
    let cutoff = date!(2025 - 06 - 30);
    let expected = pop
        .patients
        .iter()
        .filter(|p| p.deceased.is_some_and(|d| d <= cutoff))
        .count();
    assert_eq!(
        engine
            .query("count patients where deceased as of 2025-06-30")
            .unwrap()
            .scalar(),
        Some(expected as i64)
    );
}

#[test]
fn observations_by_year_with_value_range() {
    let (pop, engine) = setup();
    let mut expected: BTreeMap<i32, (BTreeSet<i64>, i64)> = BTreeMap::new();
    for o in &pop.observations {
        if o.code == "4548-4" && o.value >= 6.5 {
            let entry = expected.entry(o.date.year()).or_default();
            entry.0.insert(o.patient_key);
            entry.1 += 1;
        }
    }
    let table = engine.query("observations where code = \"4548-4\" and value >= 6.5 group by year(date) measure patients, count").unwrap();
    let expected: Vec<Vec<String>> = expected
        .into_iter()
        .map(|(y, (p, n))| vec![format!("{y}-01-01"), p.len().to_string(), n.to_string()])
        .collect();
    assert_eq!(strings(&table), expected);
}

#[test]
fn emergency_encounters_by_provider() {
    let (pop, engine) = setup();
    let mut expected: BTreeMap<i64, (BTreeSet<i64>, i64)> = BTreeMap::new();
    for e in &pop.encounters {
        if e.class == query::EncounterClass::Emergency && e.date > date!(2024 - 06 - 30) {
            let entry = expected.entry(e.provider_key).or_default();
            entry.0.insert(e.patient_key);
            entry.1 += 1;
        }
    }
    let table = engine.query("encounters where class = emergency and date > 2024-06-30 group by provider measure patients, count").unwrap();
    let expected: Vec<Vec<String>> = expected
        .into_iter()
        .map(|(k, (p, n))| vec![k.to_string(), p.len().to_string(), n.to_string()])
        .collect();
    assert_eq!(strings(&table), expected);
}

#[test]
fn balance_test_inside_a_patient_filter() {
    let (pop, engine) = setup();
    let expected: BTreeSet<i64> = pop
        .ar_items
        .iter()
        .filter(|i| {
            i.amount_cents - i.paid_cents >= 100_000 && (AS_OF - i.due_date).whole_days() > 365
        })
        .map(|i| i.patient_key)
        .collect();
    let got = engine.query("count patients where balance(days_past_due > 365, open_cents >= 100000) as of 2026-01-01").unwrap();
    assert_eq!(got.scalar(), Some(expected.len() as i64));
}

#[test]
fn or_across_event_kinds() {
    let (pop, engine) = setup();
    let mut expected: BTreeSet<i64> = pop
        .diagnoses
        .iter()
        .filter(|d| d.code == "I10")
        .map(|d| d.patient_key)
        .collect();
    expected.extend(
        pop.procedures
            .iter()
            .filter(|p| p.code == "90686")
            .map(|p| p.patient_key),
    );
    let got = engine
        .query("count patients where diagnosis(code = I10) or procedure(code = 90686)")
        .unwrap();
    assert_eq!(got.scalar(), Some(expected.len() as i64));
}

#[test]
fn public_health_view_suppresses_small_cells() {
    let (_, engine) = setup();
    let mut table = engine.query("count immunizations where cvx in flu and date > 2025-06-01 group by zip3 measure patients, count").unwrap();
    let before = table.clone();
    table.suppress_small_cells(PUBLIC_HEALTH_MIN_CELL);
    let mut withheld = 0;
    for (row, original) in table.rows.iter().zip(&before.rows) {
        for (cell, old) in row.iter().zip(original).skip(1) {
            match old {
                Cell::Int(n) if (1..11).contains(n) => {
                    assert_eq!(cell, &Cell::Suppressed);
                    withheld += 1;
                }
                // Larger counts stay, unless withheld as a complement.
                other => assert!(cell == other || cell == &Cell::Suppressed),
            }
        }
    }
    assert!(withheld > 0, "the fixture should have some small cells");
    // No column is left with a single withheld count that its total would give back.
    for column in 1..table.columns.len() {
        let lone = table
            .rows
            .iter()
            .filter(|r| r[column] == Cell::Suppressed)
            .count();
        assert_ne!(lone, 1, "column {}", table.columns[column]);
    }
}

#[test]
fn csv_export_of_q2() {
    let (pop, engine) = setup();
    let csv = engine.query(Q2).unwrap().to_csv();
    let mut expected = String::from("aging_bucket,patients,sum(open_cents)\r\n");
    for (bucket, patients, cents) in naive::q2(&pop) {
        expected.push_str(&format!("{bucket},{patients},{cents}\r\n"));
    }
    assert_eq!(csv, expected);
}

#[test]
fn age_without_an_as_of_date_is_refused() {
    let (_, engine) = setup();
    let error = engine.query("count patients where age >= 65").unwrap_err();
    assert_eq!(
        error.to_string(),
        "query: age needs a date to be measured on; add `as of YYYY-MM-DD`"
    );
}

#[test]
fn age_bands_leave_out_patients_in_no_band() {
    let (pop, engine) = setup();
    let mut expected: BTreeMap<(u8, &str), i64> = BTreeMap::new();
    for p in &pop.patients {
        if (18..=64).contains(&naive::age(p.birth_date, AS_OF)) {
            let sex = if p.sex == query::Sex::Female {
                (0, "F")
            } else {
                (1, "M")
            };
            *expected.entry(sex).or_default() += 1;
        }
    }
    let table = engine
        .query("count patients as of 2026-01-01 group by sex, age_band(18-64)")
        .unwrap();
    let expected: Vec<Vec<String>> = expected
        .into_iter()
        .map(|((_, sex), n)| vec![sex.to_owned(), "18-64".to_owned(), n.to_string()])
        .collect();
    assert_eq!(strings(&table), expected);
}

#[test]
fn overdue_balances_by_sex_and_bucket_with_counts_of_items() {
    let (pop, engine) = setup();
    let sex_of: BTreeMap<i64, query::Sex> = pop
        .patients
        .iter()
        .map(|p| (p.patient_key, p.sex))
        .collect();
    let mut per_patient: BTreeMap<i64, (i64, i64, i64)> = BTreeMap::new();
    for item in &pop.ar_items {
        let days = (AS_OF - item.due_date).whole_days();
        if item.paid_cents < item.amount_cents && days > 180 {
            let entry = per_patient.entry(item.patient_key).or_default();
            entry.0 = entry.0.max(days);
            entry.1 += item.amount_cents - item.paid_cents;
            entry.2 += 1;
        }
    }
    let mut expected: BTreeMap<(String, usize), (i64, i64, i64)> = BTreeMap::new();
    for (patient, (oldest, open, items)) in per_patient {
        let sex = sex_of[&patient].letter().to_owned();
        let bucket = usize::from(oldest > 365);
        let entry = expected.entry((sex, bucket)).or_default();
        entry.0 += 1;
        entry.1 += items;
        entry.2 += open;
    }
    let labels = ["181-365", "366+"];
    let expected: Vec<Vec<String>> = expected
        .into_iter()
        .map(|((sex, bucket), (patients, items, open))| {
            vec![
                sex,
                labels[bucket].to_owned(),
                patients.to_string(),
                items.to_string(),
                open.to_string(),
            ]
        })
        .collect();
    let table = engine
        .query("balances where days_past_due > 180 as of 2026-01-01 group by sex, aging_bucket(181-365,366+) measure patients, count, sum(open_cents)")
        .unwrap();
    assert_eq!(strings(&table), expected);
}

#[test]
fn a_role_restricted_to_some_patients_counts_only_them() {
    let (pop, engine) = setup();
    let allowed: BTreeSet<i64> = pop
        .patients
        .iter()
        .map(|p| p.patient_key)
        .filter(|key| key % 3 == 0)
        .collect();
    let within = engine.patient_set(allowed.iter().copied());
    let mut restricted = pop.clone();
    restricted
        .patients
        .retain(|p| allowed.contains(&p.patient_key));
    restricted
        .immunizations
        .retain(|f| allowed.contains(&f.patient_key));
    restricted
        .ar_items
        .retain(|f| allowed.contains(&f.patient_key));
    for (query, expected) in [
        (Q1, vec![vec![naive::q1(&restricted).to_string()]]),
        (Q2, triples(naive::q2(&restricted))),
        (Q3, triples(naive::q3(&restricted))),
    ] {
        let got = engine
            .run_within(&query::parse(query).unwrap(), &within)
            .unwrap();
        assert_eq!(strings(&got), expected, "{query}");
    }
    let got = engine
        .run_within(&query::parse(Q4).unwrap(), &within)
        .unwrap();
    assert_eq!(got.rows.len(), naive::q4(&restricted));
}

#[test]
fn many_combinations_use_the_hash_path_and_still_match() {
    // ZIP x CVX x week over five years is millions of possible keys: too many for dense
    // arrays, so this runs through the packed-key hash map and its chunk merge.
    let (pop, engine) = setup();
    let zip_of: BTreeMap<i64, &str> = pop
        .patients
        .iter()
        .map(|p| (p.patient_key, p.zip.as_str()))
        .collect();
    let mut expected: BTreeMap<(String, u16, time::Date), (BTreeSet<i64>, i64)> = BTreeMap::new();
    for imm in &pop.immunizations {
        let entry = expected
            .entry((
                zip_of[&imm.patient_key].to_owned(),
                imm.cvx,
                naive::monday_of(imm.date),
            ))
            .or_default();
        entry.0.insert(imm.patient_key);
        entry.1 += 1;
    }
    let expected: Vec<Vec<String>> = expected
        .into_iter()
        .map(|((zip, cvx, week), (patients, n))| {
            vec![
                zip,
                cvx.to_string(),
                week.to_string(),
                patients.len().to_string(),
                n.to_string(),
            ]
        })
        .collect();
    let table = engine
        .query("immunizations group by zip, code, week(date) measure patients, count")
        .unwrap();
    assert_eq!(strings(&table), expected);
}
