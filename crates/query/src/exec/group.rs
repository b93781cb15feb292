//! Grouping and measures: turns the rows a scan produces into result groups.
//!
//! A group key is up to four `i64` parts, one per dimension. When every dimension has a
//! small known cardinality (age bands, sex, ZIP3, codes, aging buckets, periods bounded
//! by the data's dates) groups live in dense arrays indexed by the mixed-radix key;
//! otherwise (providers, facilities, payers, too many combinations) in a hash map.
//! Distinct patients are counted with one "last patient seen" word per group, which is
//! exact because scans hand over each patient's rows contiguously (see `events`).

use rustc_hash::FxHashMap;

use crate::bitset::PatientSet;
use crate::day;
use crate::error::Result;
use crate::events::{EventKind, Row};
use crate::lang::ast::{Dimension, Field, Measure, MeasureSpec, Subject};
use crate::lang::dimension_name;
use crate::table::{Cell, ColumnKind};

use super::dims::DimEval;
use super::filter::{Ctx, patient_set};

/// Dense group arrays are used up to this many possible keys.
const DENSE_LIMIT: u64 = 1 << 18;

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

/// A compiled measure.
pub(crate) enum MeasureEval {
    Patients,
    PatientsWhere(PatientSet),
    Count,
    SumInt(Field),
    SumFloat,
    AvgInt(Field),
    AvgFloat,
    /// Rows in the group, read from the group header: `count` when every row is one
    /// event or patient, and `patients` when every row is a distinct patient. Needs no
    /// word of its own, which keeps large group arrays inside the L2 cache.
    Rows,
}

impl MeasureEval {
    pub(crate) fn compile(
        ctx: &Ctx<'_>,
        spec: &MeasureSpec,
        subject: Subject,
    ) -> Result<MeasureEval> {
        Ok(match &spec.measure {
            Measure::Patients if subject == Subject::Patients => MeasureEval::Rows,
            Measure::Patients => MeasureEval::Patients,
            Measure::PatientsWhere(expr) => MeasureEval::PatientsWhere(patient_set(ctx, expr)?),
            Measure::Count if subject != Subject::Balances => MeasureEval::Rows,
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
            MeasureEval::Patients
            | MeasureEval::PatientsWhere(_)
            | MeasureEval::Count
            | MeasureEval::Rows => ColumnKind::Count,
            _ => ColumnKind::Amount,
        }
    }
}

/// Accumulated groups of one chunk or of the whole query.
pub(crate) struct Groups {
    radices: Option<Vec<u64>>,
    /// How to pack a key into one `u64` for the hash path: per dimension
    /// `(shift, offset, divisor)`; `None` when some part is an unbounded key.
    packing: Option<Vec<(u32, i64, i64)>>,
    packed_index: FxHashMap<u64, u32>,
    index: FxHashMap<Key, u32>,
    keys: Vec<Key>,
    /// Per group, `stride` words: a header (rows in the high 32 bits, the last patient
    /// seen in the low 32), then one word per stored measure. One group's counters share
    /// a cache line, because groups are hit in random order.
    acc: Vec<i64>,
    /// Per group, one float per measure, only when a measure needs floats.
    floats: Vec<f64>,
    /// For each measure, its word after the header, if it stores one.
    int_slot: Vec<Option<usize>>,
    /// Stored words per group after the header.
    width: usize,
    /// Measures per group in `floats` (0 when no measure needs floats).
    float_width: usize,
}

/// Header of an empty group: no rows, no patient seen.
const EMPTY_HEADER: i64 = u32::MAX as i64;

impl Groups {
    pub(crate) fn new(
        ctx: &Ctx<'_>,
        kind: Option<EventKind>,
        dims: &[DimEval],
        measures: &[MeasureEval],
    ) -> Groups {
        let cards: Option<Vec<u64>> = dims.iter().map(|dim| dim.cardinality(ctx, kind)).collect();
        let radices = cards.filter(|cards| {
            cards
                .iter()
                .try_fold(1u64, |acc, &c| acc.checked_mul(c.max(1)))
                .is_some_and(|n| n <= DENSE_LIMIT)
        });
        let mut shift = 0u32;
        let packing: Option<Vec<(u32, i64, i64)>> = dims
            .iter()
            .map(|dim| {
                let (bits, offset, divisor) = dim.packing(ctx, kind)?;
                let spec = (shift, offset, divisor);
                shift += bits;
                Some(spec)
            })
            .collect::<Option<Vec<_>>>()
            .filter(|_| shift <= 64);
        let has_float = measures
            .iter()
            .any(|m| matches!(m, MeasureEval::SumFloat | MeasureEval::AvgFloat));
        let mut width = 0;
        let int_slot = measures
            .iter()
            .map(|m| match m {
                MeasureEval::Rows | MeasureEval::SumFloat | MeasureEval::AvgFloat => None,
                _ => {
                    width += 1;
                    Some(width - 1)
                }
            })
            .collect();
        let mut groups = Groups {
            radices: None,
            packing,
            packed_index: FxHashMap::default(),
            index: FxHashMap::default(),
            keys: Vec::new(),
            acc: Vec::new(),
            floats: Vec::new(),
            int_slot,
            width,
            float_width: if has_float { measures.len() } else { 0 },
        };
        if let Some(radices) = radices {
            let n: u64 = radices.iter().map(|&c| c.max(1)).product();
            let n = n as usize;
            let stride = groups.stride();
            groups.acc = vec![0; n * stride];
            for group in groups.acc.chunks_exact_mut(stride) {
                if let Some(header) = group.first_mut() {
                    *header = EMPTY_HEADER;
                }
            }
            groups.floats = vec![0.0; n * groups.float_width];
            groups.radices = Some(radices);
        }
        groups
    }

    fn stride(&self) -> usize {
        1 + self.width
    }

    fn n_slots(&self) -> usize {
        self.acc.len() / self.stride()
    }

    fn rows_of(&self, slot: usize) -> i64 {
        self.acc
            .get(slot * self.stride())
            .map_or(0, |&header| header >> 32)
    }

    fn int_of(&self, slot: usize, measure: usize) -> i64 {
        match self.int_slot.get(measure).copied().flatten() {
            Some(word) => self
                .acc
                .get(slot * self.stride() + 1 + word)
                .copied()
                .unwrap_or(0),
            None => 0,
        }
    }

    fn float_of(&self, slot: usize, measure: usize) -> f64 {
        self.floats
            .get(slot * self.float_width + measure)
            .copied()
            .unwrap_or(0.0)
    }

    /// The dense slot of a key, when groups are dense.
    fn dense_slot(radices: &[u64], key: &Key) -> usize {
        let mut slot = 0u64;
        for (part, radix) in key.iter().zip(radices) {
            slot = slot * radix.max(&1) + u64::try_from(*part).unwrap_or(0);
        }
        slot as usize
    }

    /// A key packed into one word for the hash path.
    fn packed(packing: &[(u32, i64, i64)], key: &Key) -> u64 {
        let mut packed = 0u64;
        for ((shift, offset, divisor), part) in packing.iter().zip(key) {
            packed |= ((part.saturating_add(*offset) / divisor.max(&1)) as u64) << shift;
        }
        packed
    }

    fn slot(&mut self, key: &Key) -> usize {
        if let Some(radices) = &self.radices {
            return Groups::dense_slot(radices, key);
        }
        let slot = self.keys.len();
        if let Some(packing) = &self.packing {
            // A one-word key keeps the map small enough to stay in cache at tens of
            // thousands of groups, where a four-word key did not.
            match self.packed_index.entry(Groups::packed(packing, key)) {
                std::collections::hash_map::Entry::Occupied(entry) => return *entry.get() as usize,
                std::collections::hash_map::Entry::Vacant(entry) => {
                    entry.insert(slot as u32);
                }
            }
        } else {
            match self.index.entry(*key) {
                std::collections::hash_map::Entry::Occupied(entry) => return *entry.get() as usize,
                std::collections::hash_map::Entry::Vacant(entry) => {
                    entry.insert(slot as u32);
                }
            }
        }
        self.keys.push(*key);
        self.acc.push(EMPTY_HEADER);
        self.acc.extend(std::iter::repeat_n(0, self.width));
        self.floats
            .extend(std::iter::repeat_n(0.0, self.float_width));
        slot
    }

    /// The slot of a key that has rows, without adding one.
    fn find(&self, key: &Key) -> Option<usize> {
        let slot = match (&self.radices, &self.packing) {
            (Some(radices), _) => Groups::dense_slot(radices, key),
            (None, Some(packing)) => {
                *self.packed_index.get(&Groups::packed(packing, key))? as usize
            }
            (None, None) => *self.index.get(key)? as usize,
        };
        (self.rows_of(slot) > 0).then_some(slot)
    }

    /// Every key of a result with zero-filled series dimensions, in display order: for
    /// each combination of the other dimensions' parts that has rows (the one empty
    /// combination when there are no others), every part of every series dimension.
    fn filled_order(&self, dims: &[DimEval], ranks: &[Option<Vec<i64>>]) -> Vec<Key> {
        let series: Vec<Option<u64>> = dims.iter().map(DimEval::series_count).collect();
        if series.iter().flatten().any(|&count| count == 0) {
            return Vec::new();
        }
        let mut outer: Vec<Key> = (0..self.n_slots())
            .filter(|&slot| self.rows_of(slot) > 0)
            .map(|slot| {
                let mut key = self.key_of(slot);
                for (part, count) in key.iter_mut().zip(&series) {
                    if count.is_some() {
                        *part = 0;
                    }
                }
                key
            })
            .collect();
        if series.iter().all(Option::is_some) {
            outer.push([0; 4]);
        }
        outer.sort_unstable();
        outer.dedup();
        let mut keys = Vec::new();
        for base in outer {
            let mut key = base;
            // Count through the series parts like an odometer, last dimension fastest.
            'odometer: loop {
                keys.push(key);
                for (part, count) in key.iter_mut().zip(&series).rev() {
                    let Some(count) = count else { continue };
                    *part += 1;
                    if (*part as u64) < *count {
                        continue 'odometer;
                    }
                    *part = 0;
                }
                break;
            }
        }
        let ranked = |key: &Key| {
            let mut sort = *key;
            for (part, ranks) in sort.iter_mut().zip(ranks) {
                if let Some(ranks) = ranks {
                    *part = ranks
                        .get(usize::try_from(*part).unwrap_or(usize::MAX))
                        .copied()
                        .unwrap_or(i64::MAX);
                }
            }
            sort
        };
        keys.sort_by_cached_key(ranked);
        keys
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
        self.add_at(slot, ctx, measures, group_row);
    }

    /// Adds one row to the group in `slot`.
    #[inline]
    pub(crate) fn add_at(
        &mut self,
        slot: usize,
        ctx: &Ctx<'_>,
        measures: &[MeasureEval],
        group_row: &GroupRow,
    ) {
        let stride = self.stride();
        let patient = group_row.row.patient;
        let Some(acc) = self.acc.get_mut(slot * stride..(slot + 1) * stride) else {
            return;
        };
        let [header, ints @ ..] = acc else {
            return;
        };
        let new_patient = *header as u32 != patient;
        *header = ((*header >> 32) + 1) << 32 | i64::from(patient);
        let mut ints = ints.iter_mut();
        for (idx, measure) in measures.iter().enumerate() {
            match measure {
                MeasureEval::Rows => {}
                MeasureEval::SumFloat | MeasureEval::AvgFloat => {
                    if let Some(float) = self.floats.get_mut(slot * self.float_width + idx) {
                        *float += group_row.row.value;
                    }
                }
                stored => {
                    let Some(int) = ints.next() else {
                        return;
                    };
                    match stored {
                        MeasureEval::Patients => *int += i64::from(new_patient),
                        MeasureEval::PatientsWhere(set) => {
                            *int += i64::from(new_patient && set.contains(patient))
                        }
                        MeasureEval::Count => *int += group_row.n,
                        MeasureEval::SumInt(field) | MeasureEval::AvgInt(field) => {
                            *int = int.saturating_add(int_field(ctx, *field, group_row))
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    /// For queries over patients with dense groups: every patient's slot, computed one
    /// dimension at a time in sequential passes over the demographic columns (`u32::MAX`
    /// for patients in no group). `None` when the groups are not dense.
    pub(crate) fn patient_slots(&self, ctx: &Ctx<'_>, dims: &[DimEval]) -> Option<Vec<u32>> {
        let radices = self.radices.as_ref()?;
        let patients = ctx.patients;
        let mut slots = vec![0u32; patients.len() as usize];
        fn fold<T: Copy + Into<u64>>(
            slots: &mut [u32],
            radix: u64,
            parts: &[T],
            skip: Option<u64>,
        ) {
            for (slot, &part) in slots.iter_mut().zip(parts) {
                let part: u64 = part.into();
                *slot = if *slot == u32::MAX || Some(part) == skip {
                    u32::MAX
                } else {
                    u32::try_from(u64::from(*slot) * radix + part).unwrap_or(u32::MAX)
                };
            }
        }
        for (dim, &radix) in dims.iter().zip(radices) {
            let radix = radix.max(1);
            match dim {
                DimEval::AgeBand {
                    band_of_patient, ..
                } => fold(&mut slots, radix, band_of_patient, Some(u64::from(u8::MAX))),
                DimEval::Sex => fold(&mut slots, radix, &patients.sex, None),
                DimEval::Zip3 => fold(&mut slots, radix, &patients.zip3, None),
                DimEval::Zip => fold(&mut slots, radix, &patients.zip, None),
                _ => return None,
            }
        }
        Some(slots)
    }

    /// Folds another chunk's groups in; chunks hold disjoint patients, so adding counts
    /// of distinct patients stays exact.
    pub(crate) fn merge(&mut self, other: Groups) {
        for slot in 0..other.n_slots() {
            let rows = other.rows_of(slot);
            if rows == 0 {
                continue;
            }
            let target = self.slot(&other.key_of(slot));
            let stride = self.stride();
            if let Some(header) = self.acc.get_mut(target * stride) {
                *header += rows << 32;
            }
            for word in 0..self.width {
                let theirs = other
                    .acc
                    .get(slot * stride + 1 + word)
                    .copied()
                    .unwrap_or(0);
                if let Some(mine) = self.acc.get_mut(target * stride + 1 + word) {
                    *mine = mine.saturating_add(theirs);
                }
            }
            for idx in 0..self.float_width {
                if let Some(mine) = self.floats.get_mut(target * self.float_width + idx) {
                    *mine += other.float_of(slot, idx);
                }
            }
        }
    }

    /// Non-empty dense slots in display order, by counting through the mixed-radix key
    /// with each digit mapped through its dimension's display order: no sort needed.
    fn dense_order(&self, radices: &[u64], ranks: &[Option<Vec<i64>>]) -> Vec<usize> {
        // For each dimension, its parts in display order.
        let orders: Vec<Vec<u64>> = radices
            .iter()
            .zip(ranks)
            .map(|(&radix, ranks)| {
                let mut parts: Vec<u64> = (0..radix.max(1)).collect();
                if let Some(ranks) = ranks {
                    parts
                        .sort_by_key(|&part| ranks.get(part as usize).copied().unwrap_or(i64::MAX));
                }
                parts
            })
            .collect();
        let total: u64 = radices.iter().map(|&r| r.max(1)).product();
        let mut out = Vec::new();
        let mut digits = vec![0u64; radices.len()];
        for _ in 0..total {
            let mut slot = 0u64;
            for ((digit, order), radix) in digits.iter().zip(&orders).zip(radices) {
                slot = slot * radix.max(&1) + order.get(*digit as usize).copied().unwrap_or(0);
            }
            if self.rows_of(slot as usize) > 0 {
                out.push(slot as usize);
            }
            // Increment the last digit, carrying leftwards.
            for (digit, radix) in digits.iter_mut().zip(radices).rev() {
                *digit += 1;
                if *digit < (*radix).max(1) {
                    break;
                }
                *digit = 0;
            }
        }
        out
    }

    /// The result table: non-empty groups sorted by their dimension values.
    #[allow(clippy::too_many_arguments)]
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
        // Sort the non-empty groups by numeric keys (dictionary ids replaced by their
        // rank), then label each distinct part once: tens of thousands of groups must
        // not cost tens of thousands of string comparisons and formats.
        let ranks: Vec<Option<Vec<i64>>> = dims.iter().map(|dim| dim.ranks(ctx, kind)).collect();
        let order: Vec<(Key, Option<usize>)> = if dims.iter().any(|d| d.series_count().is_some()) {
            self.filled_order(dims, &ranks)
                .into_iter()
                .map(|key| (key, self.find(&key)))
                .collect()
        } else {
            let slots: Vec<usize> = match &self.radices {
                Some(radices) => self.dense_order(radices, &ranks),
                None => {
                    let mut keyed: Vec<(Key, usize)> = (0..self.n_slots())
                        .filter(|&slot| self.rows_of(slot) > 0)
                        .map(|slot| {
                            let mut sort = self.key_of(slot);
                            for (part, ranks) in sort.iter_mut().zip(&ranks) {
                                if let Some(ranks) = ranks {
                                    *part = ranks
                                        .get(usize::try_from(*part).unwrap_or(usize::MAX))
                                        .copied()
                                        .unwrap_or(i64::MAX);
                                }
                            }
                            (sort, slot)
                        })
                        .collect();
                    keyed.sort_unstable();
                    keyed.into_iter().map(|(_, slot)| slot).collect()
                }
            };
            slots
                .into_iter()
                .map(|slot| (self.key_of(slot), Some(slot)))
                .collect()
        };
        let mut caches: Vec<FxHashMap<i64, Cell>> =
            dims.iter().map(|_| FxHashMap::default()).collect();
        let mut rows = Vec::with_capacity(order.len());
        for (key, slot) in order {
            let mut cells = Vec::with_capacity(columns.len());
            for ((dim, part), cache) in dims.iter().zip(key).zip(&mut caches) {
                cells.push(
                    cache
                        .entry(part)
                        .or_insert_with(|| dim.label(ctx, kind, part))
                        .clone(),
                );
            }
            let Some(slot) = slot else {
                // A period of a series with no rows: every measure is zero (a mean over
                // nothing too, so the series stays numeric from end to end).
                cells.extend(measures.iter().map(|measure| match measure {
                    MeasureEval::SumFloat | MeasureEval::AvgInt(_) | MeasureEval::AvgFloat => {
                        Cell::Number(0.0)
                    }
                    _ => Cell::Int(0),
                }));
                rows.push(cells);
                continue;
            };
            let n_rows = self.rows_of(slot);
            for (idx, measure) in measures.iter().enumerate() {
                let int = self.int_of(slot, idx);
                let float = self.float_of(slot, idx);
                cells.push(match measure {
                    MeasureEval::Rows => Cell::Int(n_rows),
                    MeasureEval::Patients
                    | MeasureEval::PatientsWhere(_)
                    | MeasureEval::Count
                    | MeasureEval::SumInt(_) => Cell::Int(int),
                    MeasureEval::SumFloat => Cell::Number(float),
                    MeasureEval::AvgInt(_) => Cell::Number(int as f64 / n_rows as f64),
                    MeasureEval::AvgFloat => Cell::Number(float / n_rows as f64),
                });
            }
            rows.push(cells);
        }
        crate::table::Table {
            columns,
            kinds,
            rows,
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
