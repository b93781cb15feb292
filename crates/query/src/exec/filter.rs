//! Compiles filter expressions into patient sets and per-row predicates.
//!
//! Patient-level tests (demographics, `deceased`, `kind(...)`) become a `PatientSet`
//! computed once per query; row-level tests become a `RowPred` tree whose leaves are
//! precomputed (code tests become a bitset over the table's code dictionary, date and
//! amount tests closed intervals), so the per-row work is a few loads and compares.

use crate::bitset::PatientSet;
use crate::day;
use crate::error::{Error, Result};
use std::collections::HashSet;
use std::sync::Arc;

use crate::events::{EventKind, EventTable, NO_DAY, RowAccess};
use crate::facts::{EncounterClass, EventKey, FinancialClass, ImmunizationStatus, NoteStatus, Sex};
use crate::lang::ast::{CmpOp, Cond, Expr, Field, Item, Test, Value};
use crate::lang::{field_word, sets};
use crate::patients::{ALIVE, Patients};

/// What a query is evaluated against: the data and the as-of date.
pub(crate) struct Ctx<'e> {
    pub(crate) patients: &'e Patients,
    pub(crate) tables: &'e [EventTable],
    pub(crate) as_of_day: Option<i32>,
    pub(crate) as_of_ymd: Option<u32>,
}

impl Ctx<'_> {
    pub(crate) fn table(&self, kind: EventKind) -> Result<&EventTable> {
        self.tables
            .get(kind.index())
            .ok_or_else(|| Error::Unanswerable("event table missing".into()))
    }

    pub(crate) fn as_of_ymd(&self, what: &str) -> Result<u32> {
        self.as_of_ymd.ok_or_else(|| {
            Error::Unanswerable(format!(
                "{what} needs a date to be measured on; add `as of YYYY-MM-DD`"
            ))
        })
    }

    fn as_of_day(&self, what: &str) -> Result<i32> {
        self.as_of_day.ok_or_else(|| {
            Error::Unanswerable(format!(
                "{what} needs a date to be measured on; add `as of YYYY-MM-DD`"
            ))
        })
    }
}

/// Closed integer intervals, optionally negated.
#[derive(Debug, Clone)]
pub(crate) struct Ranges {
    intervals: Vec<(i64, i64)>,
    negate: bool,
}

impl Ranges {
    #[inline]
    pub(crate) fn contains(&self, x: i64) -> bool {
        self.intervals.iter().any(|&(lo, hi)| lo <= x && x <= hi) != self.negate
    }

    fn shifted_reversed(self, origin: i64) -> Ranges {
        // Days past due d = origin - due, so d in [lo, hi] <=> due in [origin-hi, origin-lo].
        let intervals = self
            .intervals
            .into_iter()
            .map(|(lo, hi)| (origin.saturating_sub(hi), origin.saturating_sub(lo)))
            .collect();
        Ranges {
            intervals,
            negate: self.negate,
        }
    }
}

/// Float intervals `(lo, lo_included, hi, hi_included)`, optionally negated.
#[derive(Debug, Clone)]
pub(crate) struct FloatRanges {
    intervals: Vec<(f64, bool, f64, bool)>,
    negate: bool,
}

impl FloatRanges {
    fn contains(&self, x: f64) -> bool {
        self.intervals.iter().any(|&(lo, lo_in, hi, hi_in)| {
            (x > lo || (lo_in && x == lo)) && (x < hi || (hi_in && x == hi))
        }) != self.negate
    }
}

/// A dense bitset over dictionary ids.
#[derive(Debug, Clone)]
pub(crate) struct CodeSet(Vec<u64>);

impl CodeSet {
    #[inline]
    pub(crate) fn contains(&self, id: u32) -> bool {
        self.0
            .get((id / 64) as usize)
            .is_some_and(|word| word >> (id % 64) & 1 == 1)
    }

    pub(crate) fn ids(&self) -> impl Iterator<Item = u32> + '_ {
        self.0.iter().enumerate().flat_map(|(word_idx, &word)| {
            (0..64u32)
                .filter(move |bit| word >> bit & 1 == 1)
                .map(move |bit| word_idx as u32 * 64 + bit)
        })
    }
}

/// A compiled per-row predicate.
#[derive(Debug, Clone)]
pub(crate) enum RowPred {
    True,
    All(Vec<RowPred>),
    Any(Vec<RowPred>),
    Not(Box<RowPred>),
    Codes(CodeSet),
    Status(u64),
    Date(Ranges),
    Value(FloatRanges),
    Provider(Ranges),
    Facility(Ranges),
    Payer(Ranges),
    Amount(Ranges),
    Paid(Ranges),
    Open(Ranges),
    Patient(PatientSet),
    /// An encounter's discharge day (none: no match).
    End(Ranges),
    /// A note's days after its encounter (none: no match).
    Lag(Ranges),
    /// The row's own key is one of these (encounters with a matching note).
    Keys(Arc<HashSet<EventKey>>),
}

impl RowPred {
    #[inline]
    pub(crate) fn test<R: RowAccess>(&self, row: &R) -> bool {
        match self {
            RowPred::True => true,
            RowPred::All(all) => all.iter().all(|pred| pred.test(row)),
            RowPred::Any(any) => any.iter().any(|pred| pred.test(row)),
            RowPred::Not(inner) => !inner.test(row),
            RowPred::Codes(codes) => codes.contains(row.code()),
            RowPred::Status(mask) => mask >> (row.status() & 63) & 1 == 1,
            RowPred::Date(ranges) => ranges.contains(i64::from(row.date())),
            RowPred::Value(ranges) => ranges.contains(row.value()),
            RowPred::Provider(ranges) => ranges.contains(row.provider()),
            RowPred::Facility(ranges) => ranges.contains(row.facility()),
            RowPred::Payer(ranges) => ranges.contains(row.payer()),
            RowPred::Amount(ranges) => ranges.contains(row.amount()),
            RowPred::Paid(ranges) => ranges.contains(row.paid()),
            RowPred::Open(ranges) => ranges.contains(row.amount().saturating_sub(row.paid())),
            RowPred::Patient(set) => set.contains(row.patient()),
            RowPred::End(ranges) => {
                let end = row.end();
                end != NO_DAY && ranges.contains(i64::from(end))
            }
            RowPred::Lag(ranges) => {
                let lag = row.lag();
                lag != NO_DAY && ranges.contains(i64::from(lag))
            }
            RowPred::Keys(keys) => keys.contains(&row.key()),
        }
    }

    /// Rows with open (unpaid) amount > 0: what every balance test implies.
    pub(crate) fn open_only() -> RowPred {
        RowPred::Open(Ranges {
            intervals: vec![(1, i64::MAX)],
            negate: false,
        })
    }
}

/// A row predicate flattened for the scan loop: the common conjunctive tests (date
/// window, status, code set, open amount) are checked inline, cheapest first, without the
/// recursive walk; anything else (OR, NOT, patient sets) stays in `rest`.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    date_lo: i32,
    date_hi: i32,
    status: u64,
    codes: Option<CodeSet>,
    open: Option<(i64, i64)>,
    rest: Vec<RowPred>,
}

fn single(ranges: &Ranges) -> Option<(i64, i64)> {
    match ranges.intervals.as_slice() {
        [interval] if !ranges.negate => Some(*interval),
        _ => None,
    }
}

impl Compiled {
    pub(crate) fn new(pred: RowPred) -> Compiled {
        let mut compiled = Compiled {
            date_lo: i32::MIN,
            date_hi: i32::MAX,
            status: u64::MAX,
            codes: None,
            open: None,
            rest: Vec::new(),
        };
        compiled.absorb(pred);
        compiled
    }

    fn absorb(&mut self, pred: RowPred) {
        match pred {
            RowPred::True => {}
            RowPred::All(all) => all.into_iter().for_each(|pred| self.absorb(pred)),
            RowPred::Date(ranges) if single(&ranges).is_some() => {
                let (lo, hi) = single(&ranges).unwrap_or((i64::MIN, i64::MAX));
                let clamp =
                    |x: i64| i32::try_from(x).unwrap_or(if x < 0 { i32::MIN } else { i32::MAX });
                self.date_lo = self.date_lo.max(clamp(lo));
                self.date_hi = self.date_hi.min(clamp(hi));
            }
            RowPred::Status(mask) => self.status &= mask,
            RowPred::Codes(codes) if self.codes.is_none() => self.codes = Some(codes),
            RowPred::Open(ranges) if self.open.is_none() && single(&ranges).is_some() => {
                self.open = single(&ranges)
            }
            other => self.rest.push(other),
        }
    }

    /// The inline tests are combined with `&`, not `&&`: each is a load and a compare,
    /// and one hard-to-predict branch at the end costs less than one per test (a date
    /// window passes about one row in five, a code set about one in two).
    #[inline(always)]
    pub(crate) fn test<R: RowAccess>(&self, row: &R) -> bool {
        let date = row.date();
        let mut ok = (date >= self.date_lo) & (date <= self.date_hi);
        if self.status != u64::MAX {
            ok &= self.status >> (row.status() & 63) & 1 == 1;
        }
        if let Some(codes) = &self.codes {
            ok &= codes.contains(row.code());
        }
        if let Some((lo, hi)) = self.open {
            let open = row.amount().saturating_sub(row.paid());
            ok &= (open >= lo) & (open <= hi);
        }
        ok && self.rest.iter().all(|pred| pred.test(row))
    }

    /// Dates every matching row lies within (inclusive).
    pub(crate) fn date_window(&self) -> (i32, i32) {
        (self.date_lo, self.date_hi)
    }

    /// The code set every matching row must have, if any.
    fn required_codes(&self) -> Option<&CodeSet> {
        self.codes.as_ref()
    }
}

/// The patients satisfying a patient-level expression.
pub(crate) fn patient_set(ctx: &Ctx<'_>, expr: &Expr) -> Result<PatientSet> {
    let live = &ctx.patients.live;
    Ok(match expr {
        Expr::And(all) => {
            let mut set = live.clone();
            for expr in all {
                set.and_with(&patient_set(ctx, expr)?);
            }
            set
        }
        Expr::Or(any) => {
            let mut set = PatientSet::empty(live.universe());
            for expr in any {
                set.or_with(&patient_set(ctx, expr)?);
            }
            set
        }
        Expr::Not(inner) => {
            let mut set = live.clone();
            set.and_not_with(&patient_set(ctx, inner)?);
            set
        }
        Expr::Has(kind, all) => {
            let table = ctx.table(*kind)?;
            let mut preds = Vec::with_capacity(all.len() + 1);
            if *kind == EventKind::ArItem {
                preds.push(RowPred::open_only());
            }
            for expr in all {
                preds.push(row_pred(ctx, table, expr)?);
            }
            exists(ctx, table, &Compiled::new(RowPred::All(preds)))
        }
        Expr::HasNote(_) => {
            return Err(Error::Unanswerable(
                "`has_note(...)` tests an encounter, not a patient".into(),
            ));
        }
        Expr::Deceased => {
            let cutoff = ctx.as_of_day.unwrap_or(ALIVE - 1);
            select_patients(ctx, |p| {
                ctx.patients
                    .deceased_day
                    .get(p)
                    .is_some_and(|&d| d <= cutoff)
            })
        }
        Expr::Cond(cond) => patient_cond(ctx, cond)?,
    })
}

fn select_patients(ctx: &Ctx<'_>, keep: impl Fn(usize) -> bool) -> PatientSet {
    let mut set = PatientSet::empty(ctx.patients.live.universe());
    for ordinal in ctx.patients.live.iter() {
        if keep(ordinal as usize) {
            set.insert(ordinal);
        }
    }
    set
}

fn patient_cond(ctx: &Ctx<'_>, cond: &Cond) -> Result<PatientSet> {
    let patients = ctx.patients;
    Ok(match cond.field {
        Field::Age => {
            let as_of = ctx.as_of_ymd("age")?;
            let ranges = int_ranges(&cond.test)?;
            select_patients(ctx, |p| {
                patients
                    .birth_ymd
                    .get(p)
                    .is_some_and(|&b| ranges.contains(i64::from(day::age_years(b, as_of))))
            })
        }
        Field::Sex => {
            let mask = word_mask(&cond.test, |word| Sex::from_text(word).map(Sex::code))?;
            select_patients(ctx, |p| {
                patients
                    .sex
                    .get(p)
                    .is_some_and(|&s| mask >> (s & 63) & 1 == 1)
            })
        }
        Field::Zip | Field::Zip3 => {
            let (dictionary, column) = if cond.field == Field::Zip {
                (&patients.zips, &patients.zip)
            } else {
                (&patients.zip3s, &patients.zip3)
            };
            let ids = code_set(dictionary.iter(), dictionary.len(), &cond.test, None)?;
            select_patients(ctx, |p| column.get(p).is_some_and(|&id| ids.contains(id)))
        }
        other => {
            return Err(Error::Unanswerable(format!(
                "`{}` is not a patient field",
                field_word(other)
            )));
        }
    })
}

/// Patients with at least one row of `table` passing `pred`.
fn exists(ctx: &Ctx<'_>, table: &EventTable, pred: &Compiled) -> PatientSet {
    let universe = ctx.patients.live.universe();
    let mut set = PatientSet::empty(universe);
    // A rare code narrows the scan to the patients who have it at all (the per-code
    // roaring sets), instead of reading the whole table.
    if let Some(codes) = pred.required_codes() {
        let candidates = table.patients_with_codes(codes.ids());
        if candidates.len() < u64::from(universe / 16) {
            for patient in &candidates {
                let mut hit = false;
                table.scan_patient_rows(patient, &mut |row| hit = hit || pred.test(&RowRef(row)));
                if hit {
                    set.insert(patient);
                }
            }
            return set;
        }
    }
    super::parallel::scan_into_set(table, universe, pred, &mut set);
    set
}

/// Adapter so a `&dyn RowAccess` can be passed where a sized `RowAccess` is expected.
struct RowRef<'a>(&'a dyn RowAccess);

impl RowAccess for RowRef<'_> {
    fn key(&self) -> EventKey {
        self.0.key()
    }
    fn end(&self) -> i32 {
        self.0.end()
    }
    fn encounter(&self) -> i64 {
        self.0.encounter()
    }
    fn lag(&self) -> i32 {
        self.0.lag()
    }
    fn patient(&self) -> u32 {
        self.0.patient()
    }
    fn date(&self) -> i32 {
        self.0.date()
    }
    fn code(&self) -> u32 {
        self.0.code()
    }
    fn status(&self) -> u8 {
        self.0.status()
    }
    fn value(&self) -> f64 {
        self.0.value()
    }
    fn amount(&self) -> i64 {
        self.0.amount()
    }
    fn paid(&self) -> i64 {
        self.0.paid()
    }
    fn provider(&self) -> i64 {
        self.0.provider()
    }
    fn facility(&self) -> i64 {
        self.0.facility()
    }
    fn payer(&self) -> i64 {
        self.0.payer()
    }
}

/// Compiles a row-level expression over `table` (patient-level parts become sets).
pub(crate) fn row_pred(ctx: &Ctx<'_>, table: &EventTable, expr: &Expr) -> Result<RowPred> {
    Ok(match expr {
        Expr::And(all) => RowPred::All(
            all.iter()
                .map(|e| row_pred(ctx, table, e))
                .collect::<Result<_>>()?,
        ),
        Expr::Or(any) => RowPred::Any(
            any.iter()
                .map(|e| row_pred(ctx, table, e))
                .collect::<Result<_>>()?,
        ),
        Expr::Not(inner) => RowPred::Not(Box::new(row_pred(ctx, table, inner)?)),
        Expr::Has(..) | Expr::Deceased => RowPred::Patient(patient_set(ctx, expr)?),
        Expr::HasNote(all) => {
            if table.kind() != EventKind::Encounter {
                return Err(Error::Unanswerable(
                    "`has_note(...)` tests an encounter's notes".into(),
                ));
            }
            RowPred::Keys(Arc::new(encounters_with_note(ctx, all)?))
        }
        Expr::Cond(cond) => match cond.field {
            Field::Age | Field::Sex | Field::Zip | Field::Zip3 => {
                RowPred::Patient(patient_set(ctx, expr)?)
            }
            Field::Cvx => {
                let ranges = cvx_ranges(&cond.test)?;
                let dictionary = &table.codes;
                let mut words = vec![0u64; dictionary.len().div_ceil(64)];
                for (id, text) in dictionary.iter() {
                    if text.parse::<i64>().is_ok_and(|cvx| ranges.contains(cvx))
                        && let Some(word) = words.get_mut((id / 64) as usize)
                    {
                        *word |= 1 << (id % 64);
                    }
                }
                RowPred::Codes(CodeSet(words))
            }
            Field::Code | Field::Service | Field::NoteType => RowPred::Codes(code_set(
                table.codes.iter(),
                table.codes.len(),
                &cond.test,
                Some(table.kind()),
            )?),
            Field::Status if table.kind() == EventKind::Note => {
                RowPred::Status(word_mask(&cond.test, |w| {
                    NoteStatus::from_text(w).map(|s| s as u8)
                })?)
            }
            Field::Status => RowPred::Status(word_mask(&cond.test, |w| {
                ImmunizationStatus::from_code(w).map(|s| s as u8)
            })?),
            Field::Class => RowPred::Status(word_mask(&cond.test, |w| {
                EncounterClass::from_text(w).map(|c| c as u8)
            })?),
            Field::FinancialClass => RowPred::Status(word_mask(&cond.test, |w| {
                FinancialClass::from_text(w).map(|c| c as u8)
            })?),
            Field::Date | Field::DueDate => RowPred::Date(int_ranges(&cond.test)?),
            Field::DaysPastDue => RowPred::Date(
                int_ranges(&cond.test)?
                    .shifted_reversed(i64::from(ctx.as_of_day("days_past_due")?)),
            ),
            Field::Value => RowPred::Value(float_ranges(&cond.test)?),
            Field::Provider | Field::Author => RowPred::Provider(int_ranges(&cond.test)?),
            Field::DischargeDate => RowPred::End(int_ranges(&cond.test)?),
            Field::DaysSinceDischarge => RowPred::End(
                int_ranges(&cond.test)?
                    .shifted_reversed(i64::from(ctx.as_of_day("days_since_discharge")?)),
            ),
            Field::DaysAfterEncounter => RowPred::Lag(int_ranges(&cond.test)?),
            Field::Facility => RowPred::Facility(int_ranges(&cond.test)?),
            Field::Payer => RowPred::Payer(int_ranges(&cond.test)?),
            Field::AmountCents => RowPred::Amount(int_ranges(&cond.test)?),
            Field::PaidCents => RowPred::Paid(int_ranges(&cond.test)?),
            Field::OpenCents => RowPred::Open(int_ranges(&cond.test)?),
        },
    })
}

/// The encounters with at least one live note passing all the conditions: one scan of
/// the notes table (a few columns, never text), so `not has_note(...)` costs a set lookup
/// per encounter row.
fn encounters_with_note(ctx: &Ctx<'_>, all: &[Expr]) -> Result<HashSet<EventKey>> {
    let notes = ctx.table(EventKind::Note)?;
    let preds = all
        .iter()
        .map(|expr| row_pred(ctx, notes, expr))
        .collect::<Result<Vec<_>>>()?;
    let pred = Compiled::new(RowPred::All(preds));
    let mut keys = HashSet::new();
    notes.scan(
        0,
        u32::MAX,
        &|row: &_| pred.test(row),
        &|row: &_| pred.test(row),
        &mut |row| {
            if row.encounter != 0 {
                keys.insert(row.encounter);
            }
        },
    );
    Ok(keys)
}

fn int_value(value: &Value) -> Result<i64> {
    match value {
        Value::Int(n) => Ok(*n),
        Value::Date(date) => Ok(i64::from(day::day(*date))),
        other => Err(Error::Unanswerable(format!(
            "expected a whole number or date, found {other}"
        ))),
    }
}

fn int_ranges(test: &Test) -> Result<Ranges> {
    Ok(match test {
        Test::Compare(op, value) => {
            let v = int_value(value)?;
            let (interval, negate) = match op {
                CmpOp::Eq => ((v, v), false),
                CmpOp::Ne => ((v, v), true),
                CmpOp::Lt => ((i64::MIN, v.saturating_sub(1)), false),
                CmpOp::Le => ((i64::MIN, v), false),
                CmpOp::Gt => ((v.saturating_add(1), i64::MAX), false),
                CmpOp::Ge => ((v, i64::MAX), false),
            };
            Ranges {
                intervals: vec![interval],
                negate,
            }
        }
        Test::In(items) => {
            let mut intervals = Vec::with_capacity(items.len());
            for item in items {
                intervals.push(match item {
                    Item::One(v) => (int_value(v)?, int_value(v)?),
                    Item::Range(lo, hi) => (int_value(lo)?, int_value(hi)?),
                    Item::AtLeast(lo) => (int_value(lo)?, i64::MAX),
                    Item::Prefix(_) | Item::Set(_) => {
                        return Err(Error::Unanswerable(
                            "prefixes and sets apply to codes only".into(),
                        ));
                    }
                });
            }
            Ranges {
                intervals,
                negate: false,
            }
        }
    })
}

fn cvx_ranges(test: &Test) -> Result<Ranges> {
    match test {
        Test::In(items) => {
            let mut expanded = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Item::Set(name) => {
                        let codes = sets::cvx_set(name).ok_or_else(|| {
                            Error::Unanswerable(format!("unknown code set `{name}`"))
                        })?;
                        expanded.extend(
                            codes
                                .iter()
                                .map(|&cvx| Item::One(Value::Int(i64::from(cvx)))),
                        );
                    }
                    other => expanded.push(other.clone()),
                }
            }
            int_ranges(&Test::In(expanded))
        }
        compare => int_ranges(compare),
    }
}

fn float_ranges(test: &Test) -> Result<FloatRanges> {
    let number = |value: &Value| -> Result<f64> {
        match value {
            Value::Number(n) => Ok(*n),
            Value::Int(n) => Ok(*n as f64),
            other => Err(Error::Unanswerable(format!(
                "expected a number, found {other}"
            ))),
        }
    };
    Ok(match test {
        Test::Compare(op, value) => {
            let v = number(value)?;
            let (interval, negate) = match op {
                CmpOp::Eq => ((v, true, v, true), false),
                CmpOp::Ne => ((v, true, v, true), true),
                CmpOp::Lt => ((f64::NEG_INFINITY, true, v, false), false),
                CmpOp::Le => ((f64::NEG_INFINITY, true, v, true), false),
                CmpOp::Gt => ((v, false, f64::INFINITY, true), false),
                CmpOp::Ge => ((v, true, f64::INFINITY, true), false),
            };
            FloatRanges {
                intervals: vec![interval],
                negate,
            }
        }
        Test::In(items) => {
            let mut intervals = Vec::new();
            for item in items {
                intervals.push(match item {
                    Item::One(v) => (number(v)?, true, number(v)?, true),
                    Item::Range(lo, hi) => (number(lo)?, true, number(hi)?, true),
                    Item::AtLeast(lo) => (number(lo)?, true, f64::INFINITY, true),
                    Item::Prefix(_) | Item::Set(_) => {
                        return Err(Error::Unanswerable(
                            "prefixes and sets apply to codes only".into(),
                        ));
                    }
                });
            }
            FloatRanges {
                intervals,
                negate: false,
            }
        }
    })
}

fn word_mask(test: &Test, code_of: impl Fn(&str) -> Option<u8>) -> Result<u64> {
    let code = |value: &Value| -> Result<u64> {
        match value {
            Value::Word(word) => code_of(word)
                .map(|c| 1u64 << (c & 63))
                .ok_or_else(|| Error::Unanswerable(format!("unknown value `{word}`"))),
            other => Err(Error::Unanswerable(format!(
                "expected a word, found {other}"
            ))),
        }
    };
    Ok(match test {
        Test::Compare(CmpOp::Eq, value) => code(value)?,
        Test::Compare(CmpOp::Ne, value) => !code(value)?,
        Test::Compare(..) => {
            return Err(Error::Unanswerable(
                "this field can only be compared with = or !=".into(),
            ));
        }
        Test::In(items) => {
            let mut mask = 0;
            for item in items {
                match item {
                    Item::One(value) => mask |= code(value)?,
                    _ => {
                        return Err(Error::Unanswerable(
                            "ranges and prefixes do not apply here".into(),
                        ));
                    }
                }
            }
            mask
        }
    })
}

/// Evaluates a code test against every dictionary entry: codes compare as text, a range
/// `lo-hi` holds every code from `lo` up to and including any code starting with `hi`.
fn code_set<'a>(
    entries: impl Iterator<Item = (u32, &'a str)>,
    len: usize,
    test: &Test,
    kind: Option<EventKind>,
) -> Result<CodeSet> {
    let norm = |value: &Value| -> Result<String> {
        match value {
            Value::Word(word) => Ok(crate::lang::normalize_code(word, kind)),
            other => Ok(other.to_string()),
        }
    };
    enum Check {
        Cmp(CmpOp, String),
        Items(Vec<(String, Option<String>, bool)>),
    }
    let check = match test {
        Test::Compare(op, value) => Check::Cmp(*op, norm(value)?),
        Test::In(items) => {
            let mut list = Vec::new();
            for item in items {
                list.push(match item {
                    Item::One(v) => (norm(v)?, None, false),
                    Item::Range(lo, hi) => (norm(lo)?, Some(norm(hi)?), false),
                    Item::Prefix(prefix) => (crate::lang::normalize_code(prefix, kind), None, true),
                    Item::AtLeast(_) | Item::Set(_) => {
                        return Err(Error::Unanswerable(
                            "`+` and named sets do not apply to codes".into(),
                        ));
                    }
                });
            }
            Check::Items(list)
        }
    };
    let mut words = vec![0u64; len.div_ceil(64)];
    for (id, text) in entries {
        let hit = match &check {
            Check::Cmp(op, v) => match op {
                CmpOp::Eq => text == v,
                CmpOp::Ne => text != v,
                CmpOp::Lt => text < v.as_str(),
                CmpOp::Le => text <= v.as_str(),
                CmpOp::Gt => text > v.as_str(),
                CmpOp::Ge => text >= v.as_str(),
            },
            Check::Items(items) => items.iter().any(|(lo, hi, prefix)| match (hi, prefix) {
                (_, true) => text.starts_with(lo.as_str()),
                (Some(hi), _) => {
                    text >= lo.as_str() && (text <= hi.as_str() || text.starts_with(hi.as_str()))
                }
                (None, false) => text == lo,
            }),
        };
        if hit && let Some(word) = words.get_mut((id / 64) as usize) {
            *word |= 1 << (id % 64);
        }
    }
    Ok(CodeSet(words))
}
