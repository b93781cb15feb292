//! Immunization coverage, as public-health programs count it: the childhood series
//! completed by the second birthday (4:3:1:3:3:1:4) and seasonal influenza coverage by age
//! band for the season (1 July to 30 June) holding the as-of day.
//!
//! Invariants:
//! - Aggregate only, but for `catch_up`: every other answer is counts; nothing names a
//!   patient.
//! - A dose counts when it was given (status completed, not entered in error, the record
//!   not deleted); a combination vaccine counts toward every series it holds; two records
//!   of one series on one day are one dose.
//! - A childhood dose counts only when valid: given at or after ACIP's minimum age and
//!   minimum interval after the dose before it, less the 4-day grace period
//!   (`validity`, the table in `coverage/acip_minimums.toml`); a dose too early is counted
//!   as invalid instead, so the report says how many there were. So is a live vaccine
//!   given fewer than 28 days after another live vaccine not given the same day, with no
//!   grace period (`live`).
//! - `childhood`, `influenza` and `catch_up` are pure (the people in, the counts or one
//!   child's doses due out); `read_population` (everyone) and `read_person` (one child, for
//!   the catch-up list, the one patient-level answer here) are the only store reads, two
//!   narrow queries each.

pub mod catch_up;
pub mod late_start;
pub mod live;
pub mod validity;

use query::sets::FLU;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use store::{Tx, Value};
use time::{Date, Month};
use validity::Minimums;

/// One vaccine series of the childhood measure: how many doses complete it and the CVX
/// codes that count (CDC's CVX vaccine groups, combinations included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Series {
    /// Its name (`DTaP`).
    pub name: &'static str,
    /// Doses needed by the second birthday.
    pub doses: usize,
    /// CVX codes counted, without leading zeros.
    pub cvx: &'static [&'static str],
}

/// The 4:3:1:3:3:1:4 series (DTaP 4, polio 3, MMR 1, Hib 3, HepB 3, varicella 1, PCV 4),
/// each with the CVX codes of its group in CDC's table, combinations counted in each group
/// they belong to (e.g. 110 DTaP-HepB-IPV is DTaP, polio and HepB; 94 MMRV is MMR and
/// varicella). DTP and DT count as DTaP, OPV as polio, as the National Immunization Survey
/// counts them.
pub const CHILDHOOD_SERIES: [Series; 7] = [
    Series {
        name: "DTaP",
        doses: 4,
        cvx: &[
            "1", "20", "22", "28", "50", "102", "106", "107", "110", "120", "130", "146",
        ],
    },
    Series {
        name: "polio",
        doses: 3,
        cvx: &["2", "10", "89", "110", "120", "130", "146"],
    },
    Series {
        name: "MMR",
        doses: 1,
        cvx: &["3", "94"],
    },
    Series {
        name: "Hib",
        doses: 3,
        cvx: &[
            "17", "22", "46", "47", "48", "49", "50", "51", "102", "120", "146", "148",
        ],
    },
    Series {
        name: "HepB",
        doses: 3,
        cvx: &[
            "8", "42", "43", "44", "45", "51", "102", "104", "110", "146",
        ],
    },
    Series {
        name: "varicella",
        doses: 1,
        cvx: &["21", "94"],
    },
    Series {
        name: "PCV",
        doses: 4,
        cvx: &["100", "133", "152", "215", "216"],
    },
];

impl Series {
    /// A series of live vaccines (the 28-day rule applies to its doses).
    pub fn is_live(&self) -> bool {
        self.cvx.iter().any(|cvx| live::is_live(cvx))
    }

    /// `too_soon` (the live doses given too soon, by day) for a live series (MMR,
    /// varicella), nothing for the others: an inactivated dose given the same day as a
    /// live dose given too soon still counts.
    fn live_too_soon<'a>(&self, too_soon: &'a BTreeSet<Date>) -> &'a BTreeSet<Date> {
        static NONE: BTreeSet<Date> = BTreeSet::new();
        if self.is_live() { too_soon } else { &NONE }
    }
}

/// A CVX code without leading zeros ("08" and "8" are the same code).
fn bare(cvx: &str) -> &str {
    let trimmed = cvx.trim().trim_start_matches('0');
    if trimmed.is_empty() && !cvx.trim().is_empty() {
        "0"
    } else {
        trimmed
    }
}

/// A person as coverage needs them: birth date and the doses given (CVX, day).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Birth date.
    pub birth_date: Date,
    /// Doses given: CVX code and day.
    pub doses: Vec<(String, Date)>,
}

/// One series' figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeriesCoverage {
    /// The series.
    pub series: &'static str,
    /// Doses it needs.
    pub doses: usize,
    /// Children who had them all by their second birthday.
    pub complete: i64,
    /// Doses of the series given by the second birthday that do not count (too young, or
    /// too soon after the dose before).
    pub invalid_doses: i64,
}

/// The childhood measure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChildhoodCoverage {
    /// The as-of day.
    pub as_of: Date,
    /// The first birth date in the cohort (second birthday the day after a year before
    /// `as_of`).
    pub born_from: Date,
    /// The last (second birthday on `as_of`).
    pub born_to: Date,
    /// Children in the cohort: those whose second birthday fell in the year ending on
    /// `as_of`.
    pub children: i64,
    /// Each series.
    pub series: Vec<SeriesCoverage>,
    /// Children with every series complete (4:3:1:3:3:1:4).
    pub complete: i64,
    /// Doses of every series given too early, in all.
    pub invalid_doses: i64,
}

/// The same day `years` later (29 February becomes 28 February in a common year).
fn years_after(day: Date, years: i32) -> Date {
    let year = day.year() + years;
    Date::from_calendar_date(year, day.month(), day.day())
        .or_else(|_| Date::from_calendar_date(year, day.month(), 28))
        .unwrap_or(day)
}

/// Childhood series completion by age 24 months among the children who turned two in the
/// year ending on `as_of` (as HEDIS's Childhood Immunization Status counts the children
/// turning two in the measurement year): a dose counts when given on or before the second
/// birthday and valid by `minimums` (a series `minimums` lacks takes every dose).
pub fn childhood<'a>(
    people: impl IntoIterator<Item = &'a Person>,
    as_of: Date,
    minimums: &Minimums,
) -> ChildhoodCoverage {
    let born_to = years_after(as_of, -2);
    let born_from = years_after(as_of, -3).next_day().unwrap_or(born_to);
    let mut children = 0;
    let mut complete = 0;
    let mut per_series = [0i64; CHILDHOOD_SERIES.len()];
    let mut invalid_per_series = [0i64; CHILDHOOD_SERIES.len()];
    for person in people {
        if person.birth_date < born_from || person.birth_date > born_to {
            continue;
        }
        children += 1;
        let second_birthday = years_after(person.birth_date, 2);
        let live_too_soon = live::too_soon(&person.doses);
        let mut all = true;
        for (idx, series) in CHILDHOOD_SERIES.iter().enumerate() {
            let mut days: Vec<Date> = person
                .doses
                .iter()
                .filter(|(cvx, day)| *day <= second_birthday && series.cvx.contains(&bare(cvx)))
                .map(|(_, day)| *day)
                .collect();
            days.sort_unstable();
            days.dedup();
            let (valid, invalid) = match minimums.series.get(series.name) {
                Some(rules) => {
                    let evaluated = rules.evaluate_with(
                        person.birth_date,
                        &days,
                        minimums.grace_days,
                        series.live_too_soon(&live_too_soon),
                    );
                    (evaluated.valid, evaluated.invalid)
                }
                None => (days.len(), 0),
            };
            if let Some(count) = invalid_per_series.get_mut(idx) {
                *count += i64::try_from(invalid).unwrap_or(i64::MAX);
            }
            if valid >= series.doses {
                per_series[idx] += 1;
            } else {
                all = false;
            }
        }
        if all {
            complete += 1;
        }
    }
    ChildhoodCoverage {
        as_of,
        born_from,
        born_to,
        children,
        series: CHILDHOOD_SERIES
            .iter()
            .zip(per_series)
            .zip(invalid_per_series)
            .map(|((series, complete), invalid_doses)| SeriesCoverage {
                series: series.name,
                doses: series.doses,
                complete,
                invalid_doses,
            })
            .collect(),
        complete,
        invalid_doses: invalid_per_series.iter().sum(),
    }
}

/// Age bands of influenza coverage (CDC FluVaxView's): the youngest is 6 months, the age
/// vaccination starts.
pub const FLU_BANDS: [&str; 6] = ["6m-4y", "5-12y", "13-17y", "18-49y", "50-64y", "65y+"];

/// One age band's figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BandCoverage {
    /// The band.
    pub band: &'static str,
    /// People in it on the as-of day.
    pub people: i64,
    /// Of them, vaccinated this season by the as-of day.
    pub vaccinated: i64,
}

/// Influenza coverage for one season.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InfluenzaCoverage {
    /// The season, `2025-26`.
    pub season: String,
    /// Its first day (1 July).
    pub from: Date,
    /// The last day counted: the as-of day, or 30 June if the season is over.
    pub to: Date,
    /// Each band, youngest first.
    pub bands: Vec<BandCoverage>,
    /// All bands.
    pub people: i64,
    /// All bands, vaccinated.
    pub vaccinated: i64,
}

/// Whole years and the months past them between `birth` and `day`.
fn age(birth: Date, day: Date) -> (i32, i32) {
    let mut months = (day.year() - birth.year()) * 12 + i32::from(u8::from(day.month()))
        - i32::from(u8::from(birth.month()));
    if day.day() < birth.day() {
        months -= 1;
    }
    (months.div_euclid(12), months)
}

fn flu_band(birth: Date, day: Date) -> Option<usize> {
    let (years, months) = age(birth, day);
    match years {
        _ if months < 6 => None,
        0..=4 => Some(0),
        5..=12 => Some(1),
        13..=17 => Some(2),
        18..=49 => Some(3),
        50..=64 => Some(4),
        _ => Some(5),
    }
}

/// Influenza coverage in the season holding `as_of`: people by age band on `as_of` (born
/// by then and at least 6 months old), and of them those given a seasonal influenza
/// vaccine (the query language's `flu` set) from 1 July to `as_of`.
pub fn influenza<'a>(
    people: impl IntoIterator<Item = &'a Person>,
    as_of: Date,
) -> InfluenzaCoverage {
    let start_year = if as_of.month() >= Month::July {
        as_of.year()
    } else {
        as_of.year() - 1
    };
    let from = Date::from_calendar_date(start_year, Month::July, 1).unwrap_or(as_of);
    let mut bands: Vec<BandCoverage> = FLU_BANDS
        .iter()
        .map(|band| BandCoverage {
            band,
            people: 0,
            vaccinated: 0,
        })
        .collect();
    for person in people {
        let Some(band) = flu_band(person.birth_date, as_of) else {
            continue;
        };
        let vaccinated = person.doses.iter().any(|(cvx, day)| {
            *day >= from
                && *day <= as_of
                && bare(cvx)
                    .parse::<u16>()
                    .is_ok_and(|code| FLU.binary_search(&code).is_ok())
        });
        if let Some(figure) = bands.get_mut(band) {
            figure.people += 1;
            figure.vaccinated += i64::from(vaccinated);
        }
    }
    InfluenzaCoverage {
        season: format!("{start_year}-{:02}", (start_year + 1) % 100),
        from,
        to: as_of,
        people: bands.iter().map(|b| b.people).sum(),
        vaccinated: bands.iter().map(|b| b.vaccinated).sum(),
        bands,
    }
}

/// Every patient on file on `as_of` (born, not dead before it, not deleted, so not a chart
/// merged away) with the doses given on or before `as_of`.
pub fn read_population(tx: &mut Tx<'_>, as_of: Date) -> store::Result<Vec<Person>> {
    let mut people: BTreeMap<i64, Person> = BTreeMap::new();
    for row in tx.query(
        "SELECT id, birth_date FROM patients WHERE deleted_at IS NULL AND birth_date <= ? AND (deceased_date IS NULL OR deceased_date >= ?)",
        &[Value::Date(as_of), Value::Date(as_of)],
    )? {
        if let Some(birth_date) = row.get(1).as_date() {
            people.insert(
                row.int(0),
                Person {
                    birth_date,
                    doses: Vec::new(),
                },
            );
        }
    }
    for row in tx.query(
        "SELECT patient_id, cvx, administered_at FROM immunizations WHERE deleted_at IS NULL AND status = 'completed'",
        &[],
    )? {
        let (Some(person), Some(cvx), Some(at)) = (
            people.get_mut(&row.int(0)),
            row.text(1),
            row.get(2).as_instant(),
        ) else {
            continue;
        };
        if at.date() <= as_of {
            person.doses.push((cvx.to_owned(), at.date()));
        }
    }
    Ok(people.into_values().collect())
}

/// One patient as the catch-up list needs them: birth date and every completed, undeleted
/// dose; `None` for a patient not on file (or without a birth date).
pub fn read_person(tx: &mut Tx<'_>, patient_id: i64) -> store::Result<Option<Person>> {
    let Some(birth_date) = tx
        .query(
            "SELECT birth_date FROM patients WHERE id = ? AND deleted_at IS NULL",
            &[Value::Int(patient_id)],
        )?
        .first()
        .and_then(|row| row.get(0).as_date())
    else {
        return Ok(None);
    };
    let doses = tx
        .query(
            "SELECT cvx, administered_at FROM immunizations WHERE patient_id = ? AND deleted_at IS NULL AND status = 'completed'",
            &[Value::Int(patient_id)],
        )?
        .iter()
        .filter_map(|row| Some((row.text(0)?.to_owned(), row.get(1).as_instant()?.date())))
        .collect();
    Ok(Some(Person { birth_date, doses }))
}

/// A count as a reader limited to aggregates may see it: 1 to `min_cell - 1` withheld, as
/// the population queries and surveillance pages withhold them.
pub fn shown(count: i64, aggregate_only: bool, min_cell: i64) -> Option<i64> {
    (!(aggregate_only && count > 0 && count < min_cell)).then_some(count)
}

/// A coverage report as a reader sees it: one row per series or band, counts 1 to
/// `min_cell - 1` withheld (with the percentage, which would reveal them) when the reader
/// is limited to aggregates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageTable {
    /// `childhood` or `influenza`.
    pub report: &'static str,
    /// What is counted, in words.
    pub title: String,
    /// The as-of day.
    pub as_of: String,
    /// The first and last day (doses: the season; children: the birth dates of the cohort).
    pub from: String,
    /// The last day.
    pub to: String,
    /// Whether small cells were withheld.
    pub small_cells_suppressed: bool,
    /// The rows.
    pub rows: Vec<CoverageRow>,
}

/// One row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageRow {
    /// The series (`DTaP 4`) or age band.
    pub label: String,
    /// People counted (the denominator), `None` when withheld.
    pub people: Option<i64>,
    /// Of them, covered, `None` when withheld.
    pub covered: Option<i64>,
    /// Covered as a percentage of people, to one decimal, `None` when either is withheld
    /// or nobody is counted.
    pub percent: Option<f64>,
    /// Childhood: doses given too early that did not count (`None` for influenza, or
    /// withheld).
    pub invalid_doses: Option<i64>,
}

fn row(
    label: String,
    people: i64,
    covered: i64,
    aggregate_only: bool,
    min_cell: i64,
) -> CoverageRow {
    let people = shown(people, aggregate_only, min_cell);
    let covered = shown(covered, aggregate_only, min_cell);
    let percent = match (people, covered) {
        (Some(people), Some(covered)) if people > 0 => {
            // Lossless below 2^53 people.
            #[allow(clippy::cast_precision_loss)]
            let percent = (covered as f64 * 1000.0 / people as f64).round() / 10.0;
            Some(percent)
        }
        _ => None,
    };
    CoverageRow {
        label,
        people,
        covered,
        percent,
        invalid_doses: None,
    }
}

impl ChildhoodCoverage {
    /// The report as a reader sees it.
    pub fn table(&self, aggregate_only: bool, min_cell: i64) -> CoverageTable {
        let mut rows: Vec<CoverageRow> = self
            .series
            .iter()
            .map(|s| CoverageRow {
                invalid_doses: shown(s.invalid_doses, aggregate_only, min_cell),
                ..row(
                    format!("{} {}", s.series, s.doses),
                    self.children,
                    s.complete,
                    aggregate_only,
                    min_cell,
                )
            })
            .collect();
        rows.push(CoverageRow {
            invalid_doses: shown(self.invalid_doses, aggregate_only, min_cell),
            ..row(
                "4:3:1:3:3:1:4".into(),
                self.children,
                self.complete,
                aggregate_only,
                min_cell,
            )
        });
        CoverageTable {
            report: "childhood",
            title: "children who turned two in the year to the as-of day, with each series complete by their second birthday (valid doses only: ACIP minimum ages and intervals, 4-day grace period)".into(),
            as_of: self.as_of.to_string(),
            from: self.born_from.to_string(),
            to: self.born_to.to_string(),
            small_cells_suppressed: aggregate_only,
            rows,
        }
    }
}

impl InfluenzaCoverage {
    /// The report as a reader sees it.
    pub fn table(&self, aggregate_only: bool, min_cell: i64) -> CoverageTable {
        let mut rows: Vec<CoverageRow> = self
            .bands
            .iter()
            .map(|b| {
                row(
                    b.band.into(),
                    b.people,
                    b.vaccinated,
                    aggregate_only,
                    min_cell,
                )
            })
            .collect();
        rows.push(row(
            "all ages (6 months and over)".into(),
            self.people,
            self.vaccinated,
            aggregate_only,
            min_cell,
        ));
        CoverageTable {
            report: "influenza",
            title: format!(
                "people by age band on the as-of day given a seasonal influenza vaccine in season {}",
                self.season
            ),
            as_of: self.to.to_string(),
            from: self.from.to_string(),
            to: self.to.to_string(),
            small_cells_suppressed: aggregate_only,
            rows,
        }
    }
}

/// Which coverage report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report {
    /// The childhood series by 24 months.
    Childhood,
    /// Influenza by age band and season.
    Influenza,
}

/// Reads the population and makes `report` as of `as_of`, as a reader sees it.
pub fn report(
    tx: &mut Tx<'_>,
    report: Report,
    as_of: Date,
    aggregate_only: bool,
    min_cell: i64,
) -> store::Result<CoverageTable> {
    let people = read_population(tx, as_of)?;
    Ok(match report {
        Report::Childhood => {
            // The shipped table; a unit test reads it, so this fails only if it was edited
            // badly, and then says where.
            let minimums = Minimums::acip().map_err(|e| store::Error::Database(e.to_string()))?;
            childhood(&people, as_of, &minimums).table(aggregate_only, min_cell)
        }
        Report::Influenza => influenza(&people, as_of).table(aggregate_only, min_cell),
    })
}
