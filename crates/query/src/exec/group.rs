//! Grouping and measures: turns the rows a scan produces into result groups.
//!
//! A group key is up to four `i64` parts, one per dimension. When every dimension has a
//! small known cardinality (age bands, sex, ZIP3, codes, aging buckets) groups live in
//! dense arrays indexed by the mixed-radix key; otherwise (weeks, providers) in a hash map.
//! Distinct patients are counted with one "last patient seen" word per group, which is
//! exact because scans hand over each patient's rows contiguously (see `events`).

use rustc_hash::FxHashMap;

use crate::bitset::PatientSet;
use crate::day;
use crate::error::Result;
use crate::events::{EventKind, Row};
use crate::facts::{EncounterClass, ImmunizationStatus, Sex};
use crate::lang::ast::{Band, Dimension, Field, Measure, MeasureSpec, Period};
use crate::lang::dimension_name;
use crate::table::{Cell, ColumnKind};

use super::filter::{Ctx, patient_set};

/// Dense group arrays are used up to this many possible keys.
const DENSE_LIMIT: u64 = 1 << 20;

pub(crate) type Key = [i64; 4];

/// What a scan hands to grouping: one event, one balance aggregate, or one patient.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct GroupRow {
    pub(crate) row: Row,
    /// Rows this stands for (A/R items aggregated into a balance row; otherwise 1).
    pub(crate) n: i64,
    /// Open cents (summed over a balance row's items).
    pub(crate) open: i64,
    /// Amount cents (summed).
    pub(crate) amount: i64,
    /// Paid cents (summed).
    pub(crate) paid: i64,
    /// Days past due of the oldest item.
    pub(crate) days_past_due: i64,
}

/// A compiled dimension.
pub(crate) enum DimEval {
    AgeBand {
        by_age: Vec<u8>,
        bands: Vec<Band>,
        as_of: u32,
    },
    Sex,
    Zip3,
    Zip,
    Period(Period),
    Code,
    Status,
    Class,
    Provider,
    Facility,
    Payer,
    Aging(Vec<Band>),
}

fn band_of(bands: &[Band], value: i64) -> Option<usize> {
    bands.iter().position(|band| {
        value >= i64::from(band.lo) && band.hi.is_none_or(|hi| value <= i64::from(hi))
    })
}

fn band_label(band: &Band) -> String {
    band.to_string()
}

impl DimEval {
    pub(crate) fn compile(ctx: &Ctx<'_>, dimension: &Dimension) -> Result<DimEval> {
        Ok(match dimension {
            Dimension::AgeBand(bands) => {
                let as_of = ctx.as_of_ymd("age_band")?;
                // Ages 0..=150 by table lookup; older (data errors) fall back to a search.
                let by_age = (0..=150i64)
                    .map(|age| band_of(bands, age).map_or(u8::MAX, |idx| idx as u8))
                    .collect();
                DimEval::AgeBand {
                    by_age,
                    bands: bands.clone(),
                    as_of,
                }
            }
            Dimension::Sex => DimEval::Sex,
            Dimension::Zip3 => DimEval::Zip3,
            Dimension::Zip => DimEval::Zip,
            Dimension::Period(period) => DimEval::Period(*period),
            Dimension::Code => DimEval::Code,
            Dimension::Status => DimEval::Status,
            Dimension::Class => DimEval::Class,
            Dimension::Provider => DimEval::Provider,
            Dimension::Facility => DimEval::Facility,
            Dimension::Payer => DimEval::Payer,
            Dimension::AgingBucket(bands) => {
                ctx.as_of_ymd("aging_bucket")?;
                DimEval::Aging(bands.clone())
            }
        })
    }

    /// Number of distinct parts, when small and known ahead.
    fn cardinality(&self, ctx: &Ctx<'_>, kind: Option<EventKind>) -> Option<u64> {
        Some(match self {
            DimEval::AgeBand { bands, .. } | DimEval::Aging(bands) => bands.len() as u64,
            DimEval::Sex => Sex::ALL.len() as u64,
            DimEval::Zip3 => ctx.patients.zip3s.len() as u64,
            DimEval::Zip => ctx.patients.zips.len() as u64,
            DimEval::Code => ctx.table(kind?).ok()?.codes.len() as u64,
            DimEval::Status => 3,
            DimEval::Class => 6,
            DimEval::Period(_) | DimEval::Provider | DimEval::Facility | DimEval::Payer => {
                return None;
            }
        })
    }

    /// This dimension's part of the key for a row; `None` leaves the row out.
    #[inline]
    fn part(&self, ctx: &Ctx<'_>, group_row: &GroupRow) -> Option<i64> {
        let row = &group_row.row;
        let patient = row.patient as usize;
        Some(match self {
            DimEval::AgeBand {
                by_age,
                bands,
                as_of,
            } => {
                let age = day::age_years(*ctx.patients.birth_ymd.get(patient)?, *as_of);
                match by_age.get(age as usize) {
                    Some(&u8::MAX) => return None,
                    Some(&idx) => i64::from(idx),
                    None => band_of(bands, i64::from(age))? as i64,
                }
            }
            DimEval::Sex => i64::from(*ctx.patients.sex.get(patient)?),
            DimEval::Zip3 => i64::from(*ctx.patients.zip3.get(patient)?),
            DimEval::Zip => i64::from(*ctx.patients.zip.get(patient)?),
            DimEval::Period(Period::Week) => i64::from(day::week_start(row.date)),
            DimEval::Period(Period::Month) => i64::from(day::month_start(row.date)),
            DimEval::Period(Period::Year) => i64::from(day::year_start(row.date)),
            DimEval::Code => i64::from(row.code),
            DimEval::Status | DimEval::Class => i64::from(row.status),
            DimEval::Provider => row.provider,
            DimEval::Facility => row.facility,
            DimEval::Payer => row.payer,
            DimEval::Aging(bands) => band_of(bands, group_row.days_past_due)? as i64,
        })
    }

    /// The cell shown for a part, and the key the rows are sorted by.
    fn label(&self, ctx: &Ctx<'_>, kind: Option<EventKind>, part: i64) -> (Cell, SortKey) {
        let id = u32::try_from(part).unwrap_or(u32::MAX);
        let text = |text: String| (Cell::Text(text.clone()), SortKey::Text(text));
        match self {
            DimEval::AgeBand { bands, .. } | DimEval::Aging(bands) => {
                let label = bands.get(id as usize).map(band_label).unwrap_or_default();
                (Cell::Text(label), SortKey::Num(part))
            }
            DimEval::Sex => {
                let letter = Sex::ALL
                    .into_iter()
                    .find(|sex| i64::from(sex.code()) == part)
                    .unwrap_or(Sex::Unknown)
                    .letter();
                (Cell::Text(letter.into()), SortKey::Num(part))
            }
            DimEval::Zip3 => text(ctx.patients.zip3s.text(id).to_owned()),
            DimEval::Zip => text(ctx.patients.zips.text(id).to_owned()),
            DimEval::Period(_) => (
                Cell::Text(day::iso(i32::try_from(part).unwrap_or(0))),
                SortKey::Num(part),
            ),
            DimEval::Code => {
                let code = kind
                    .and_then(|kind| ctx.table(kind).ok())
                    .map(|table| table.codes.text(id).to_owned())
                    .unwrap_or_default();
                // CVX codes sort numerically, other codes as text.
                match code.parse::<i64>() {
                    Ok(n) if kind == Some(EventKind::Immunization) => {
                        (Cell::Text(code), SortKey::Num(n))
                    }
                    _ => text(code),
                }
            }
            DimEval::Status => {
                let word = [
                    ImmunizationStatus::Completed,
                    ImmunizationStatus::EnteredInError,
                    ImmunizationStatus::NotDone,
                ]
                .into_iter()
                .find(|status| *status as i64 == part)
                .map_or("", ImmunizationStatus::code);
                (Cell::Text(word.into()), SortKey::Num(part))
            }
            DimEval::Class => {
                let word = [
                    EncounterClass::Ambulatory,
                    EncounterClass::Emergency,
                    EncounterClass::Inpatient,
                    EncounterClass::Observation,
                    EncounterClass::Virtual,
                    EncounterClass::Home,
                ]
                .into_iter()
                .find(|class| *class as i64 == part)
                .map_or("", EncounterClass::word);
                (Cell::Text(word.into()), SortKey::Num(part))
            }
            DimEval::Provider | DimEval::Facility | DimEval::Payer => {
                (Cell::Int(part), SortKey::Num(part))
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum SortKey {
    Num(i64),
    Text(String),
}

/// A compiled measure.
pub(crate) enum MeasureEval {
    Patients,
    PatientsWhere(PatientSet),
    Count,
    SumInt(Field),
    SumFloat,
    AvgInt(Field),
    AvgFloat,
}

impl MeasureEval {
    pub(crate) fn compile(ctx: &Ctx<'_>, spec: &MeasureSpec) -> Result<MeasureEval> {
        Ok(match &spec.measure {
            Measure::Patients => MeasureEval::Patients,
            Measure::PatientsWhere(expr) => MeasureEval::PatientsWhere(patient_set(ctx, expr)?),
            Measure::Count => MeasureEval::Count,
            Measure::Sum(Field::Value) => MeasureEval::SumFloat,
            Measure::Avg(Field::Value) => MeasureEval::AvgFloat,
            Measure::Sum(field) | Measure::Avg(field) => {
                if *field == Field::Age {
                    ctx.as_of_ymd("age")?;
                }
                if matches!(spec.measure, Measure::Sum(_)) {
                    MeasureEval::SumInt(*field)
                } else {
                    MeasureEval::AvgInt(*field)
                }
            }
        })
    }

    fn kind(&self) -> ColumnKind {
        match self {
            MeasureEval::Patients | MeasureEval::PatientsWhere(_) | MeasureEval::Count => {
                ColumnKind::Count
            }
            _ => ColumnKind::Amount,
        }
    }
}

/// Accumulated groups of one chunk or of the whole query.
pub(crate) struct Groups {
    radices: Option<Vec<u64>>,
    index: FxHashMap<Key, u32>,
    keys: Vec<Key>,
    last_patient: Vec<u32>,
    rows: Vec<i64>,
    ints: Vec<i64>,
    floats: Vec<f64>,
    width: usize,
}

impl Groups {
    pub(crate) fn new(
        ctx: &Ctx<'_>,
        kind: Option<EventKind>,
        dims: &[DimEval],
        n_measures: usize,
    ) -> Groups {
        let cards: Option<Vec<u64>> = dims.iter().map(|dim| dim.cardinality(ctx, kind)).collect();
        let radices = cards.filter(|cards| {
            cards
                .iter()
                .try_fold(1u64, |acc, &c| acc.checked_mul(c.max(1)))
                .is_some_and(|n| n <= DENSE_LIMIT)
        });
        let mut groups = Groups {
            radices: None,
            index: FxHashMap::default(),
            keys: Vec::new(),
            last_patient: Vec::new(),
            rows: Vec::new(),
            ints: Vec::new(),
            floats: Vec::new(),
            width: n_measures,
        };
        if let Some(radices) = radices {
            let n: u64 = radices.iter().map(|&c| c.max(1)).product();
            let n = n as usize;
            groups.last_patient = vec![u32::MAX; n];
            groups.rows = vec![0; n];
            groups.ints = vec![0; n * n_measures];
            groups.floats = vec![0.0; n * n_measures];
            groups.radices = Some(radices);
        }
        groups
    }

    fn slot(&mut self, key: &Key) -> usize {
        if let Some(radices) = &self.radices {
            let mut slot = 0u64;
            for (part, radix) in key.iter().zip(radices) {
                slot = slot * radix.max(&1) + u64::try_from(*part).unwrap_or(0);
            }
            return slot as usize;
        }
        if let Some(&slot) = self.index.get(key) {
            return slot as usize;
        }
        let slot = self.keys.len();
        self.index.insert(*key, slot as u32);
        self.keys.push(*key);
        self.last_patient.push(u32::MAX);
        self.rows.push(0);
        self.ints.extend(std::iter::repeat_n(0, self.width));
        self.floats.extend(std::iter::repeat_n(0.0, self.width));
        slot
    }

    fn key_of(&self, slot: usize) -> Key {
        let mut key = [0i64; 4];
        match &self.radices {
            Some(radices) => {
                let mut rest = slot as u64;
                for (idx, radix) in radices.iter().enumerate().rev() {
                    let radix = (*radix).max(1);
                    if let Some(part) = key.get_mut(idx) {
                        *part = (rest % radix) as i64;
                    }
                    rest /= radix;
                }
            }
            None => key = self.keys.get(slot).copied().unwrap_or(key),
        }
        key
    }

    /// Adds one row to its group (rows whose key has a `None` part are left out).
    #[inline]
    pub(crate) fn add(
        &mut self,
        ctx: &Ctx<'_>,
        dims: &[DimEval],
        measures: &[MeasureEval],
        group_row: &GroupRow,
    ) {
        let mut key = [0i64; 4];
        for (part, dim) in key.iter_mut().zip(dims) {
            match dim.part(ctx, group_row) {
                Some(value) => *part = value,
                None => return,
            }
        }
        let slot = self.slot(&key);
        let patient = group_row.row.patient;
        let new_patient = match self.last_patient.get_mut(slot) {
            Some(last) if *last != patient => {
                *last = patient;
                true
            }
            _ => false,
        };
        if let Some(rows) = self.rows.get_mut(slot) {
            *rows += 1;
        }
        let base = slot * self.width;
        for (idx, measure) in measures.iter().enumerate() {
            let (Some(int), Some(float)) = (
                self.ints.get_mut(base + idx),
                self.floats.get_mut(base + idx),
            ) else {
                continue;
            };
            match measure {
                MeasureEval::Patients => *int += i64::from(new_patient),
                MeasureEval::PatientsWhere(set) => {
                    *int += i64::from(new_patient && set.contains(patient))
                }
                MeasureEval::Count => *int += group_row.n,
                MeasureEval::SumInt(field) | MeasureEval::AvgInt(field) => {
                    *int += int_field(ctx, *field, group_row)
                }
                MeasureEval::SumFloat | MeasureEval::AvgFloat => *float += group_row.row.value,
            }
        }
    }

    /// Folds another chunk's groups in; chunks hold disjoint patients, so adding counts
    /// of distinct patients stays exact.
    pub(crate) fn merge(&mut self, other: Groups) {
        for slot in 0..other.rows.len() {
            let rows = other.rows.get(slot).copied().unwrap_or(0);
            if rows == 0 {
                continue;
            }
            let key = other.key_of(slot);
            let target = self.slot(&key);
            if let Some(mine) = self.rows.get_mut(target) {
                *mine += rows;
            }
            for idx in 0..self.width {
                let from = slot * self.width + idx;
                let to = target * self.width + idx;
                if let (Some(mine), Some(theirs)) = (self.ints.get_mut(to), other.ints.get(from)) {
                    *mine += theirs;
                }
                if let (Some(mine), Some(theirs)) =
                    (self.floats.get_mut(to), other.floats.get(from))
                {
                    *mine += theirs;
                }
            }
        }
    }

    /// The result table: non-empty groups sorted by their dimension values.
    pub(crate) fn into_table(
        self,
        ctx: &Ctx<'_>,
        kind: Option<EventKind>,
        dims: &[DimEval],
        dimensions: &[Dimension],
        measures: &[MeasureEval],
        specs: &[MeasureSpec],
        default_name: &str,
    ) -> crate::table::Table {
        let mut columns: Vec<String> = dimensions
            .iter()
            .map(|d| dimension_name(d).to_owned())
            .collect();
        let mut kinds = vec![ColumnKind::Dimension; dims.len()];
        for (idx, measure) in measures.iter().enumerate() {
            let name = match specs.get(idx) {
                Some(spec) => spec
                    .name
                    .clone()
                    .unwrap_or_else(|| spec.measure.to_string()),
                None => default_name.to_owned(),
            };
            columns.push(name);
            kinds.push(measure.kind());
        }
        let mut keyed: Vec<(Vec<SortKey>, Vec<Cell>)> = Vec::new();
        for slot in 0..self.rows.len() {
            let rows = self.rows.get(slot).copied().unwrap_or(0);
            if rows == 0 {
                continue;
            }
            let key = self.key_of(slot);
            let mut sort = Vec::with_capacity(dims.len());
            let mut cells = Vec::with_capacity(columns.len());
            for (dim, part) in dims.iter().zip(key) {
                let (cell, sort_key) = dim.label(ctx, kind, part);
                cells.push(cell);
                sort.push(sort_key);
            }
            for (idx, measure) in measures.iter().enumerate() {
                let int = self.ints.get(slot * self.width + idx).copied().unwrap_or(0);
                let float = self
                    .floats
                    .get(slot * self.width + idx)
                    .copied()
                    .unwrap_or(0.0);
                cells.push(match measure {
                    MeasureEval::Patients
                    | MeasureEval::PatientsWhere(_)
                    | MeasureEval::Count
                    | MeasureEval::SumInt(_) => Cell::Int(int),
                    MeasureEval::SumFloat => Cell::Number(float),
                    MeasureEval::AvgInt(_) => Cell::Number(int as f64 / rows as f64),
                    MeasureEval::AvgFloat => Cell::Number(float / rows as f64),
                });
            }
            keyed.push((sort, cells));
        }
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        crate::table::Table {
            columns,
            kinds,
            rows: keyed.into_iter().map(|(_, cells)| cells).collect(),
        }
    }
}

fn int_field(ctx: &Ctx<'_>, field: Field, group_row: &GroupRow) -> i64 {
    match field {
        Field::OpenCents => group_row.open,
        Field::AmountCents => group_row.amount,
        Field::PaidCents => group_row.paid,
        Field::Age => {
            let birth = ctx
                .patients
                .birth_ymd
                .get(group_row.row.patient as usize)
                .copied()
                .unwrap_or(0);
            i64::from(day::age_years(birth, ctx.as_of_ymd.unwrap_or(0)))
        }
        _ => 0,
    }
}
