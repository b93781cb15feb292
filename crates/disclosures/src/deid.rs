//! Research extracts: one row per patient, de-identified by HIPAA Safe Harbor
//! (45 CFR 164.514(b)(2)) or reduced to a limited data set under a data use agreement
//! (164.514(e)), with a k-anonymity check over the quasi-identifiers the caller names.
//!
//! What a row holds. Safe Harbor: a research id (a number in a shuffled order, drawn from
//! the caller's seed, never derived from the chart), the age (90 and over as `90+`), a
//! ten-year age band, the birth year (none for ages over 89), sex, the ZIP3 (`000` for the
//! areas of 20,000 people or fewer, `data/deid/restricted-zip3.txt`), the state, race,
//! ethnicity, the year of death, the number of visits and the years of the first and last,
//! and the diagnosis codes. A limited data set keeps dates (birth, death, first and last
//! visit), the town, state and five-digit ZIP instead, and leaves out diagnoses of 42 CFR
//! Part 2 programs (a DUA is not a Part 2 consent; they are counted in the report).
//! The caller may add the chart's other tables (`tables`): procedures, results,
//! medications and immunizations, one file each keyed by research id, coded columns only.
//!
//! Invariants:
//! - No direct identifier is ever read into a row: names, street lines, phone, e-mail, MRN
//!   and the identifiers other systems gave are not copied; free text (reasons, diagnosis
//!   descriptions, notes) is dropped, not scrubbed.
//! - An extract whose smallest class over the quasi-identifiers is under k is refused, or,
//!   when the caller asks to suppress, loses exactly the records of those classes; the
//!   report says which.
//! - Every extract is one audit entry (an export) with its parameters, counts and the
//!   SHA-256 of the data file, in the caller's transaction; a limited data set's entry
//!   names the patients and the agreement. Neither enters the accounting of disclosures
//!   (de-identified data is not PHI; a limited data set is excluded by 164.528(a)(1)(viii)).

use crate::{Error, Result};
use privacy::{Action, AuditEvent, DataCategory};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use records::{DataUseAgreement, PatientId, RecordKind};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap};
use store::{Audited, Stored};
use time::{Date, Duration};

/// The three-digit ZIP areas of 20,000 people or fewer, as published (see data/README.md).
mod tables;

pub use tables::{Table, TableReport};

const RESTRICTED_ZIP3_FILE: &str = include_str!("../../../data/deid/restricted-zip3.txt");

/// The three-digit ZIP areas Safe Harbor writes as `000`.
pub fn restricted_zip3() -> Vec<&'static str> {
    RESTRICTED_ZIP3_FILE
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

/// A US ZIP as Safe Harbor allows it: its first three digits, `000` for a restricted area;
/// none when the code is not a US ZIP (five digits, optionally ZIP+4).
pub fn safe_harbor_zip3(postal_code: &str) -> Option<String> {
    let zip = us_zip5(postal_code)?;
    let zip3 = &zip[..3];
    Some(if restricted_zip3().contains(&zip3) {
        "000".to_owned()
    } else {
        zip3.to_owned()
    })
}

fn us_zip5(postal_code: &str) -> Option<&str> {
    let code = postal_code.trim();
    let zip = code.get(..5)?;
    let rest = &code[5..];
    let ok = zip.bytes().all(|b| b.is_ascii_digit())
        && (rest.is_empty()
            || (rest.len() == 5
                && rest.starts_with('-')
                && rest[1..].bytes().all(|b| b.is_ascii_digit())));
    ok.then_some(zip)
}

/// How an extract is de-identified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// HIPAA Safe Harbor, 164.514(b)(2): all 18 identifiers removed or generalised.
    SafeHarbor,
    /// A limited data set, 164.514(e): direct identifiers removed, dates and town kept,
    /// under a data use agreement.
    Limited,
    /// Safe Harbor's removals and generalisations, with the dates shifted instead of cut
    /// to the year: each patient's dates moved by one random offset of 1 to `MAX_SHIFT`
    /// days either way, drawn for this extract from the caller's seed and never written,
    /// so intervals within a patient survive and no real date appears.
    ShiftedDates,
}

/// The largest date shift, in days.
pub const MAX_SHIFT: i64 = 365;

impl Method {
    /// Its name in messages and reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::SafeHarbor => "Safe Harbor",
            Self::ShiftedDates => "Safe Harbor with shifted dates",
            Self::Limited => "limited data set",
        }
    }

    /// The columns of its rows, in order.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Self::SafeHarbor => &[
                "research_id",
                "age",
                "age_band",
                "birth_year",
                "sex",
                "zip3",
                "state",
                "race",
                "ethnicity",
                "deceased_year",
                "visits",
                "first_visit_year",
                "last_visit_year",
                "diagnoses",
            ],
            Self::ShiftedDates => &[
                "research_id",
                "age",
                "age_band",
                "birth_date",
                "sex",
                "zip3",
                "state",
                "race",
                "ethnicity",
                "deceased_date",
                "visits",
                "first_visit",
                "last_visit",
                "diagnoses",
            ],
            Self::Limited => &[
                "research_id",
                "age",
                "age_band",
                "birth_date",
                "sex",
                "city",
                "state",
                "zip",
                "race",
                "ethnicity",
                "deceased_date",
                "visits",
                "first_visit",
                "last_visit",
                "diagnoses",
            ],
        }
    }

    /// The quasi-identifiers checked when the caller names none.
    pub fn default_quasi(self) -> &'static [&'static str] {
        match self {
            Self::SafeHarbor | Self::ShiftedDates => &["age_band", "sex", "zip3"],
            Self::Limited => &["age_band", "sex", "zip"],
        }
    }

    /// What was removed and what generalised, for the report.
    fn treatment(self) -> (Vec<&'static str>, Vec<&'static str>) {
        let removed = vec![
            "names",
            "street address",
            "telephone and fax numbers",
            "e-mail addresses",
            "medical record numbers and other identifiers (SSN, plan and account numbers)",
            "free text (visit reasons, diagnosis descriptions, notes)",
        ];
        match self {
            Self::SafeHarbor => (
                [
                    removed,
                    vec!["city", "URLs, IP addresses, device and biometric identifiers, photographs (none are extracted)"],
                ]
                .concat(),
                vec![
                    "dates to the year (birth, death, first and last visit)",
                    "ages over 89 to 90+, with no birth year",
                    "ZIP codes to three digits, 000 for areas of 20,000 people or fewer",
                    "record order shuffled and numbered afresh (research_id)",
                ],
            ),
            Self::ShiftedDates => (
                [
                    removed,
                    vec!["city", "URLs, IP addresses, device and biometric identifiers, photographs (none are extracted)"],
                ]
                .concat(),
                vec![
                    "dates shifted by one random offset per patient (1 to 365 days either way), drawn for this extract and kept by no one",
                    "ages over 89 to 90+, with no birth date",
                    "ZIP codes to three digits, 000 for areas of 20,000 people or fewer",
                    "record order shuffled and numbered afresh (research_id)",
                ],
            ),
            Self::Limited => (
                [
                    removed,
                    vec!["diagnoses of 42 CFR Part 2 programs (substance use)"],
                ]
                .concat(),
                vec!["record order shuffled and numbered afresh (research_id)"],
            ),
        }
    }
}

/// What the caller asks for.
#[derive(Debug, Clone)]
pub struct ExtractOptions {
    /// Safe Harbor (years or shifted dates) or a limited data set.
    pub method: Method,
    /// The data use agreement a limited data set goes under.
    pub dua: Option<i64>,
    /// The smallest class size allowed (1: no check).
    pub k: usize,
    /// The quasi-identifiers (column names; empty: the method's default).
    pub quasi: Vec<String>,
    /// Drop the records of classes under k instead of refusing the extract.
    pub suppress: bool,
    /// CSV or NDJSON.
    pub format: Format,
    /// The order of the rows, the research ids and the date shifts are drawn from this
    /// (the caller's randomness; never stored).
    pub seed: u64,
    /// The chart's other tables to add, a file each.
    pub tables: Vec<Table>,
}

/// The data file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Comma-separated, a header line, RFC 4180 quoting; diagnoses space-separated.
    Csv,
    /// One JSON object a line; diagnoses an array.
    Ndjson,
}

impl Format {
    /// Reads `csv` or `ndjson`.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(Self::Csv),
            "ndjson" | "jsonl" => Some(Self::Ndjson),
            _ => None,
        }
    }

    /// The data file's name.
    pub fn file_name(self) -> &'static str {
        match self {
            Self::Csv => "extract.csv",
            Self::Ndjson => "extract.ndjson",
        }
    }
}

/// The agreement a limited data set went under, as the report shows it.
#[derive(Debug, Clone, Serialize)]
pub struct DuaSummary {
    /// `DUA-n`.
    pub number: String,
    /// The recipient (and organisation).
    pub recipient: String,
    /// The permitted purpose.
    pub purpose: String,
    /// Its last day.
    pub expires_on: String,
}

/// A class under k, as the report lists it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SmallClass {
    /// Its quasi-identifier values, in the order asked.
    pub values: Vec<String>,
    /// How many records it held.
    pub size: usize,
}

/// What the extract is and how it was made safe.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Safe Harbor or limited.
    pub method: Method,
    /// The agreement of a limited data set.
    pub dua: Option<DuaSummary>,
    /// The day ages are counted to.
    pub as_of: String,
    /// The data file's format.
    pub format: Format,
    /// The columns.
    pub columns: Vec<String>,
    /// The records written.
    pub records: usize,
    /// The k asked for.
    pub k: usize,
    /// The quasi-identifiers the classes are formed on.
    pub quasi_identifiers: Vec<String>,
    /// The smallest class in the data written (0 when nothing is written).
    pub smallest_class: usize,
    /// How many classes the data written has.
    pub classes: usize,
    /// The classes under k before suppression, smallest first (at most 50 listed).
    pub classes_under_k: Vec<SmallClass>,
    /// How many classes were under k.
    pub n_classes_under_k: usize,
    /// Records dropped to reach k.
    pub suppressed_records: usize,
    /// Diagnoses left out (Part 2, in a limited data set).
    pub withheld_diagnoses: usize,
    /// What was removed.
    pub removed: Vec<&'static str>,
    /// What was generalised.
    pub generalised: Vec<&'static str>,
    /// The data file's name.
    pub file: &'static str,
    /// Its SHA-256.
    pub sha256: String,
    /// The other tables' files, beside the patients'.
    pub tables: Vec<TableReport>,
}

/// An extract: the data file's bytes and its report. The rows' patients are kept in
/// memory for the facility (and the tests) and never written.
#[derive(Debug, Clone)]
pub struct Extract {
    /// The data file.
    pub data: Vec<u8>,
    /// The other tables' files: name and bytes, as the report lists them.
    pub table_files: Vec<(String, Vec<u8>)>,
    /// The report.
    pub report: Report,
    /// The rows, as written.
    pub rows: Vec<Vec<Value>>,
    /// The patient of each row (the facility's key; never written out).
    pub patients: Vec<PatientId>,
}

fn age_on(birth: Date, day: Date) -> i64 {
    let mut age = i64::from(day.year() - birth.year());
    if (day.month() as u8, day.day()) < (birth.month() as u8, birth.day()) {
        age -= 1;
    }
    age.max(0)
}

fn age_band(age: i64) -> String {
    if age >= 90 {
        "90+".to_owned()
    } else {
        let low = age / 10 * 10;
        format!("{low}-{}", low + 9)
    }
}

fn text(value: Option<&str>) -> Value {
    match value.map(str::trim) {
        Some(v) if !v.is_empty() => Value::String(v.to_owned()),
        _ => Value::Null,
    }
}

/// What an extract reads of a patient: none of the direct identifiers (names, street,
/// phone, e-mail, MRN and other numbers are never loaded, so no row can copy them), and
/// 100,000 patients read in a fraction of the time whole records take.
struct Person {
    id: i64,
    birth_date: Date,
    deceased_date: Option<Date>,
    sex: records::AdministrativeSex,
    city: Option<String>,
    state: Option<String>,
    postal_code: Option<String>,
    race: Option<String>,
    ethnicity: Option<String>,
}

fn persons(tx: &mut store::Tx<'_>) -> Result<Vec<Person>> {
    let rows = tx.query(
        "SELECT id, birth_date, deceased_date, sex, city, state, postal_code, race, ethnicity \
         FROM patients WHERE deleted_at IS NULL ORDER BY id",
        &[],
    )?;
    let owned = |row: &store::Row, i: usize| row.text(i).map(str::to_owned);
    rows.iter()
        .map(|row| {
            let id = row.int(0);
            let birth_date = row.get(1).as_date().ok_or_else(|| {
                Error::Refused(format!("patient {id} has no readable birth date"))
            })?;
            Ok(Person {
                id,
                birth_date,
                deceased_date: row.get(2).as_date(),
                sex: row
                    .text(3)
                    .and_then(records::AdministrativeSex::parse)
                    .unwrap_or(records::AdministrativeSex::Unknown),
                city: owned(row, 4),
                state: owned(row, 5),
                postal_code: owned(row, 6),
                race: owned(row, 7),
                ethnicity: owned(row, 8),
            })
        })
        .collect()
}

/// A patient's visits and codes, as the extract reads them.
#[derive(Default)]
struct History {
    visits: Vec<Date>,
    codes: BTreeSet<String>,
}

/// One row per patient; the patients in the shuffled order.
fn rows(
    method: Method,
    patients: &[Person],
    histories: &HashMap<i64, History>,
    as_of: Date,
    shifts: &HashMap<i64, i64>,
) -> Vec<(PatientId, Vec<Value>)> {
    let empty = History::default();
    patients
        .iter()
        .map(|p| {
            let history = histories.get(&p.id).unwrap_or(&empty);
            let reference = p.deceased_date.unwrap_or(as_of);
            let age = age_on(p.birth_date, reference);
            let first = history.visits.iter().min();
            let last = history.visits.iter().max();
            let diagnoses: Vec<Value> = history.codes.iter().cloned().map(Value::String).collect();
            let shift = Duration::days(shifts.get(&p.id).copied().unwrap_or(0));
            // Safe Harbor's dates: the year, or the whole date moved by the patient's shift.
            let when = |d: &Date| match method {
                Method::ShiftedDates => json!((*d + shift).to_string()),
                _ => json!(d.year()),
            };
            let row = match method {
                Method::SafeHarbor | Method::ShiftedDates => vec![
                    Value::Null,
                    if age >= 90 { json!("90+") } else { json!(age) },
                    json!(age_band(age)),
                    if age >= 90 {
                        Value::Null
                    } else {
                        when(&p.birth_date)
                    },
                    json!(p.sex.code()),
                    p.postal_code
                        .as_deref()
                        .and_then(safe_harbor_zip3)
                        .map_or(Value::Null, Value::String),
                    text(p.state.as_deref()),
                    text(p.race.as_deref()),
                    text(p.ethnicity.as_deref()),
                    p.deceased_date.as_ref().map_or(Value::Null, when),
                    json!(history.visits.len()),
                    first.map_or(Value::Null, when),
                    last.map_or(Value::Null, when),
                    Value::Array(diagnoses),
                ],
                Method::Limited => vec![
                    Value::Null,
                    json!(age),
                    json!(age_band(age)),
                    json!(p.birth_date.to_string()),
                    json!(p.sex.code()),
                    text(p.city.as_deref()),
                    text(p.state.as_deref()),
                    text(p.postal_code.as_deref()),
                    text(p.race.as_deref()),
                    text(p.ethnicity.as_deref()),
                    p.deceased_date
                        .map_or(Value::Null, |d| json!(d.to_string())),
                    json!(history.visits.len()),
                    first.map_or(Value::Null, |d| json!(d.to_string())),
                    last.map_or(Value::Null, |d| json!(d.to_string())),
                    Value::Array(diagnoses),
                ],
            };
            (PatientId(p.id), row)
        })
        .collect()
}

/// A cell as the k-anonymity classes and CSV see it.
fn cell_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(cell_text).collect::<Vec<_>>().join(" "),
        other => other.to_string(),
    }
}

/// The classes over the columns `quasi` (indexes into each row), with their sizes.
fn classes(rows: &[Vec<Value>], quasi: &[usize]) -> HashMap<Vec<String>, usize> {
    let mut classes: HashMap<Vec<String>, usize> = HashMap::new();
    for row in rows {
        let key: Vec<String> = quasi.iter().map(|i| cell_text(&row[*i])).collect();
        *classes.entry(key).or_default() += 1;
    }
    classes
}

fn quasi_indexes(method: Method, quasi: &[String]) -> Result<(Vec<String>, Vec<usize>)> {
    let columns = method.columns();
    let names: Vec<String> = if quasi.is_empty() {
        method
            .default_quasi()
            .iter()
            .map(|s| (*s).to_owned())
            .collect()
    } else {
        quasi
            .iter()
            .map(|q| q.trim().to_ascii_lowercase())
            .collect()
    };
    let allowed: Vec<&str> = columns
        .iter()
        .copied()
        .filter(|c| !matches!(*c, "research_id" | "diagnoses"))
        .collect();
    let mut indexes = Vec::with_capacity(names.len());
    for name in &names {
        if !allowed.contains(&name.as_str()) {
            return Err(Error::Refused(format!(
                "--quasi: \"{name}\" is not a column of a {} extract; choose among {}",
                method.name(),
                allowed.join(", ")
            )));
        }
        let index = columns.iter().position(|c| c == name).unwrap_or_default();
        if !indexes.contains(&index) {
            indexes.push(index);
        }
    }
    Ok((names, indexes))
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

fn render(format: Format, columns: &[&str], rows: &[Vec<Value>]) -> Vec<u8> {
    let mut out = String::new();
    match format {
        Format::Csv => {
            out.push_str(&columns.join(","));
            out.push('\n');
            for row in rows {
                let cells: Vec<String> = row.iter().map(|v| csv_field(&cell_text(v))).collect();
                out.push_str(&cells.join(","));
                out.push('\n');
            }
        }
        Format::Ndjson => {
            for row in rows {
                let object: serde_json::Map<String, Value> = columns
                    .iter()
                    .zip(row)
                    .map(|(c, v)| ((*c).to_owned(), v.clone()))
                    .collect();
                out.push_str(&Value::Object(object).to_string());
                out.push('\n');
            }
        }
    }
    out.into_bytes()
}

/// Makes an extract of every current patient as `options` ask, audited as an export in the
/// caller's transaction (see the module's invariants). Refused, with nothing written, when
/// the agreement is missing or not in force, a quasi-identifier is not a column, or a class
/// is under k and suppression was not asked for.
pub fn research_extract(
    audited: &mut Audited<'_>,
    who: &AuditEvent,
    options: &ExtractOptions,
) -> Result<Extract> {
    let as_of = audited.now().date();
    let method = options.method;
    let k = options.k.max(1);
    let (quasi_names, quasi) = quasi_indexes(method, &options.quasi)?;
    let dua = match (method, options.dua) {
        (Method::Limited, None) => {
            return Err(Error::Refused(
                "a limited data set goes only under a data use agreement (164.514(e)(4)): give --dua".into(),
            ));
        }
        (Method::Limited, Some(id)) => {
            let found: Option<Stored<DataUseAgreement>> = audited.records().find(id)?;
            let dua = found.filter(|d| d.meta.deleted.is_none()).ok_or_else(|| {
                Error::Refused(format!("{} is not on file", DataUseAgreement::number(id)))
            })?;
            if !dua.record.in_force(as_of) {
                return Err(Error::Refused(format!(
                    "{} is in force from {} to {}, not on {as_of}",
                    DataUseAgreement::number(id),
                    dua.record.signed_on,
                    dua.record.expires_on
                )));
            }
            Some(dua)
        }
        (Method::SafeHarbor | Method::ShiftedDates, _) => None,
    };
    let mut tx = audited.records();
    let patients = persons(&mut tx)?;
    // Only the columns of each visit and diagnosis the rows use, not whole records (a
    // million visits and two million diagnoses at 100,000 patients).
    let encounters = tx.query(
        "SELECT patient_id, admit_at, id, service FROM encounters WHERE deleted_at IS NULL",
        &[],
    )?;
    let diagnoses = tx.query(
        "SELECT patient_id, code, encounter_id FROM diagnoses WHERE deleted_at IS NULL",
        &[],
    )?;
    let loaded = tables::load(&mut tx, &options.tables)?;
    drop(tx);
    // Everything recorded in a Part 2 program's visit is a Part 2 record: a limited data
    // set leaves those rows of the other tables out, as it leaves out the diagnoses.
    let mut part2_encounters: BTreeSet<i64> = BTreeSet::new();
    for e in &encounters {
        if e.text(3).and_then(crate::sensitive::class_of_service)
            == Some(records::ReleaseCategory::SubstanceUse)
        {
            part2_encounters.insert(e.int(2));
        }
    }
    let mut histories: HashMap<i64, History> = HashMap::new();
    for e in &encounters {
        if let Some(at) = e.get(1).as_instant() {
            histories
                .entry(e.int(0))
                .or_default()
                .visits
                .push(at.date());
        }
    }
    let mut withheld_diagnoses = 0;
    for d in &diagnoses {
        let code = d.text(1).unwrap_or_default();
        let part2 = crate::sensitive::class_of_diagnosis(code)
            == Some(records::ReleaseCategory::SubstanceUse);
        if part2 && let Some(encounter) = d.get(2).as_int() {
            part2_encounters.insert(encounter);
        }
        if method == Method::Limited && part2 {
            withheld_diagnoses += 1;
            continue;
        }
        histories
            .entry(d.int(0))
            .or_default()
            .codes
            .insert(code.trim().to_ascii_uppercase());
    }
    // The shifts come from their own stream of the seed, one per patient in id order, so
    // the row order does not tell them; nonzero, and drawn again while a shifted date would
    // land on one of the patient's real dates, so no real date of theirs is written.
    let mut shifts: HashMap<i64, i64> = HashMap::new();
    if method == Method::ShiftedDates {
        let mut draw = rand::rngs::StdRng::seed_from_u64(options.seed ^ 0x5348_4946_5444_4154);
        let none = History::default();
        let mut table_dates: HashMap<i64, BTreeSet<Date>> = HashMap::new();
        for table in &loaded {
            table.dates_of(&mut table_dates);
        }
        for p in &patients {
            let visits = &histories.get(&p.id).unwrap_or(&none).visits;
            let mut real: BTreeSet<Date> = visits.iter().copied().collect();
            real.extend(table_dates.remove(&p.id).unwrap_or_default());
            real.insert(p.birth_date);
            real.extend(p.deceased_date);
            let mut days = 0;
            for _ in 0..64 {
                days = draw.random_range(1..=MAX_SHIFT);
                if draw.random_bool(0.5) {
                    days = -days;
                }
                let shift = Duration::days(days);
                if !real.iter().any(|d| real.contains(&(*d + shift))) {
                    break;
                }
            }
            shifts.insert(p.id, days);
        }
    }
    let mut all = rows(method, &patients, &histories, as_of, &shifts);
    let mut rng = rand::rngs::StdRng::seed_from_u64(options.seed);
    all.shuffle(&mut rng);

    // k-anonymity over the chosen columns.
    let just_rows: Vec<Vec<Value>> = all.iter().map(|(_, r)| r.clone()).collect();
    let sizes = classes(&just_rows, &quasi);
    let mut small: Vec<SmallClass> = sizes
        .iter()
        .filter(|(_, n)| **n < k)
        .map(|(values, n)| SmallClass {
            values: values.clone(),
            size: *n,
        })
        .collect();
    small.sort_by(|a, b| a.size.cmp(&b.size).then_with(|| a.values.cmp(&b.values)));
    let n_small = small.len();
    let in_small: usize = small.iter().map(|c| c.size).sum();
    if n_small > 0 && !options.suppress {
        let smallest = &small[0];
        return Err(Error::Refused(format!(
            "not {k}-anonymous over {}: the smallest class ({}) has {} record(s); {n_small} class(es) holding {in_small} record(s) are under {k}. Suppress them (--suppress), choose coarser quasi-identifiers, or lower k",
            quasi_names.join(","),
            smallest.values.join(", "),
            smallest.size
        )));
    }
    let small_keys: BTreeSet<&Vec<String>> = small.iter().map(|c| &c.values).collect();
    let kept: Vec<(PatientId, Vec<Value>)> = all
        .into_iter()
        .filter(|(_, row)| {
            let key: Vec<String> = quasi.iter().map(|i| cell_text(&row[*i])).collect();
            !small_keys.contains(&key)
        })
        .collect();
    let (patients_kept, mut rows_kept): (Vec<PatientId>, Vec<Vec<Value>>) =
        kept.into_iter().unzip();
    let mut research_ids: HashMap<i64, String> = HashMap::new();
    for (n, (row, patient)) in rows_kept.iter_mut().zip(&patients_kept).enumerate() {
        let id = format!("R{:06}", n + 1);
        row[0] = json!(id);
        research_ids.insert(patient.0, id);
    }
    let dating = tables::Dating {
        method,
        shifts: &shifts,
    };
    let (table_reports, table_files): (Vec<TableReport>, Vec<(String, Vec<u8>)>) = loaded
        .iter()
        .map(|table| {
            let (report, data) = tables::write(
                table,
                options.format,
                &research_ids,
                &part2_encounters,
                &dating,
            );
            let file = (report.file.clone(), data);
            (report, file)
        })
        .unzip();
    let after = classes(&rows_kept, &quasi);
    let columns = method.columns();
    let data = render(options.format, columns, &rows_kept);
    let sha256 = hex::encode(Sha256::digest(&data));
    let (removed, generalised) = method.treatment();
    small.truncate(50);
    let report = Report {
        method,
        dua: dua.as_ref().map(|d| DuaSummary {
            number: DataUseAgreement::number(d.meta.id),
            recipient: match &d.record.organization {
                Some(org) => format!("{} ({org})", d.record.recipient),
                None => d.record.recipient.clone(),
            },
            purpose: d.record.purpose.clone(),
            expires_on: d.record.expires_on.to_string(),
        }),
        as_of: as_of.to_string(),
        format: options.format,
        columns: columns.iter().map(|c| (*c).to_owned()).collect(),
        records: rows_kept.len(),
        k,
        quasi_identifiers: quasi_names.clone(),
        smallest_class: after.values().copied().min().unwrap_or(0),
        classes: after.len(),
        classes_under_k: small,
        n_classes_under_k: n_small,
        suppressed_records: in_small,
        withheld_diagnoses,
        removed,
        generalised,
        file: options.format.file_name(),
        sha256,
        tables: table_reports,
    };
    let summary = format!(
        "research extract ({}{}): {} records, k={k} over {}, smallest class {}, {} suppressed, {} sha256 {}",
        method.name(),
        report
            .dua
            .as_ref()
            .map(|d| format!(" under {} to {}", d.number, d.recipient))
            .unwrap_or_default(),
        report.records,
        quasi_names.join(","),
        report.smallest_class,
        report.suppressed_records,
        report.file,
        report.sha256
    ) + &report
        .tables
        .iter()
        .map(|t| format!("; {} {} rows sha256 {}", t.file, t.records, t.sha256))
        .collect::<String>();
    let mut event = who.clone();
    event.action = Action::Export;
    let mut categories = vec![
        DataCategory::Demographics,
        DataCategory::Encounters,
        DataCategory::Diagnoses,
    ];
    categories.extend(report.tables.iter().map(|t| t.table.category()));
    let mut event = event
        .categories(&categories)
        .reason(&summary)
        .changes(None, serde_json::to_string(&report).ok());
    if let Some(dua) = &dua {
        // A limited data set is PHI: every patient in it can find the entry.
        event = event
            .record(DataUseAgreement::KIND, dua.meta.id)
            .patients(&patients_kept);
    }
    audited.append(&event)?;
    Ok(Extract {
        data,
        table_files,
        report,
        rows: rows_kept,
        patients: patients_kept,
    })
}

/// Records a data use agreement, audited with its values.
pub fn add_dua(
    audited: &mut Audited<'_>,
    who: &AuditEvent,
    dua: DataUseAgreement,
) -> Result<Stored<DataUseAgreement>> {
    let stored = audited
        .records()
        .create(&store::Actor::new(format!("roi:{}", who.user)), &dua)?;
    let mut event = who.clone();
    event.action = Action::Create;
    audited.append(
        &event
            .record(DataUseAgreement::KIND, stored.meta.id)
            .reason("data use agreement: recorded")
            .changes(None, serde_json::to_string(&stored.record).ok()),
    )?;
    Ok(stored)
}

/// The data use agreements on file, newest first (not patient data: not audited).
pub fn duas(tx: &mut store::Tx<'_>) -> Result<Vec<Stored<DataUseAgreement>>> {
    Ok(tx.select("1 = 1", &[], "id DESC", i64::MAX)?)
}
