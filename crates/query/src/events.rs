//! `EventTable`: one kind of per-patient event (immunizations, diagnoses, procedures,
//! observations, encounters, A/R items) as columns sorted by patient ordinal, plus a small
//! write-optimised delta, so scans are sequential and writes are cheap.
//!
//! Layout: the *base* is a set of parallel columns (`patient`, `date`, `code`, ...) sorted
//! by patient ordinal, so one patient's events are contiguous (a CSR layout without an
//! offsets array: a patient's range is found by binary search on `patient`). Writes after
//! the bulk build go to the *delta*, a `BTreeMap` ordered by `(patient, event key)`;
//! deleted base rows are marked in `dead`. `compact` folds delta and tombstones back into
//! a fresh base once they exceed an eighth of it, so writes cost O(log n) amortised.
//!
//! Invariants (checked by the incremental-equals-bulk test):
//! - Every live event is in exactly one place: a base row whose `dead` bit is clear, or
//!   the delta; `location` maps its key there.
//! - A scan visits one patient's rows contiguously (base rows, then that patient's delta
//!   rows), in increasing patient order; grouping relies on this to count distinct
//!   patients with a "last patient seen" word per group instead of a hash set.
//! - `code_patients[c]` holds exactly the patients with at least one live row of code `c`.
//! - Columns a kind does not use are empty; every used column has `len()` entries.

use std::collections::BTreeMap;

use crate::dictionary::Dictionary;
use crate::facts::EventKey;
use crate::keyindex::KeyIndex;
use roaring::RoaringBitmap;

/// Which kind of event a table holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// Immunizations: code = CVX, status, date.
    Immunization,
    /// Diagnoses: code = ICD-10-CM, date.
    Diagnosis,
    /// Procedures: code = CPT/HCPCS/ICD-10-PCS, date, provider (the performer: the
    /// rendering provider of its claim line).
    Procedure,
    /// Observations: code = LOINC, value, date.
    Observation,
    /// Encounters: class (in `status`), service (in `code`), date, provider (the
    /// attending), facility, payer.
    Encounter,
    /// Accounts-receivable items: amount, paid, due date (in `date`), payer, financial
    /// class (in `status`).
    ArItem,
    /// Clinical notes: type (in `code`), signed or not (in `status`), author (in
    /// `provider`), date written, the encounter it belongs to (`encounter`) and the days
    /// from that encounter's start to the note (`lag`). Never the text.
    Note,
}

/// An encounter's discharge day (`end`) or a note's days after its encounter (`lag`)
/// when there is none.
pub(crate) const NO_DAY: i32 = i32::MIN;

impl EventKind {
    /// All kinds, in the order the engine stores them.
    pub const ALL: [EventKind; 7] = [
        EventKind::Immunization,
        EventKind::Diagnosis,
        EventKind::Procedure,
        EventKind::Observation,
        EventKind::Encounter,
        EventKind::ArItem,
        EventKind::Note,
    ];

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    fn has_code(self) -> bool {
        !matches!(self, EventKind::ArItem)
    }
    fn has_status(self) -> bool {
        matches!(
            self,
            EventKind::Immunization | EventKind::Encounter | EventKind::ArItem | EventKind::Note
        )
    }
    fn has_value(self) -> bool {
        matches!(self, EventKind::Observation)
    }
    fn has_money(self) -> bool {
        matches!(self, EventKind::ArItem)
    }
    fn has_care_site(self) -> bool {
        matches!(self, EventKind::Encounter)
    }
    fn has_provider(self) -> bool {
        matches!(
            self,
            EventKind::Encounter | EventKind::Procedure | EventKind::Note
        )
    }
    fn has_payer(self) -> bool {
        matches!(self, EventKind::Encounter | EventKind::ArItem)
    }
    fn has_end(self) -> bool {
        matches!(self, EventKind::Encounter)
    }
    fn has_link(self) -> bool {
        matches!(self, EventKind::Note)
    }
}

/// One event, decoded from the columns (unused fields are zero).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Row {
    pub(crate) key: EventKey,
    pub(crate) patient: u32,
    pub(crate) date: i32,
    pub(crate) code: u32,
    pub(crate) status: u8,
    pub(crate) value: f64,
    pub(crate) amount: i64,
    pub(crate) paid: i64,
    pub(crate) provider: i64,
    pub(crate) facility: i64,
    pub(crate) payer: i64,
    /// Encounters: the discharge day, `NO_DAY` when not discharged.
    pub(crate) end: i32,
    /// Notes: the encounter's key (0 for none).
    pub(crate) encounter: i64,
    /// Notes: days from the encounter's start to the note, `NO_DAY` without one.
    pub(crate) lag: i32,
}

/// Read access to one row's fields, implemented by decoded rows and by base-column
/// positions, so a filter reads only the columns it tests.
pub(crate) trait RowAccess {
    fn key(&self) -> EventKey;
    fn patient(&self) -> u32;
    fn date(&self) -> i32;
    fn code(&self) -> u32;
    fn status(&self) -> u8;
    fn value(&self) -> f64;
    fn amount(&self) -> i64;
    fn paid(&self) -> i64;
    fn provider(&self) -> i64;
    fn facility(&self) -> i64;
    fn payer(&self) -> i64;
    fn end(&self) -> i32;
    fn encounter(&self) -> i64;
    fn lag(&self) -> i32;
}

impl RowAccess for Row {
    fn key(&self) -> EventKey {
        self.key
    }
    fn patient(&self) -> u32 {
        self.patient
    }
    fn date(&self) -> i32 {
        self.date
    }
    fn code(&self) -> u32 {
        self.code
    }
    fn status(&self) -> u8 {
        self.status
    }
    fn value(&self) -> f64 {
        self.value
    }
    fn amount(&self) -> i64 {
        self.amount
    }
    fn paid(&self) -> i64 {
        self.paid
    }
    fn provider(&self) -> i64 {
        self.provider
    }
    fn facility(&self) -> i64 {
        self.facility
    }
    fn payer(&self) -> i64 {
        self.payer
    }
    fn end(&self) -> i32 {
        self.end
    }
    fn encounter(&self) -> i64 {
        self.encounter
    }
    fn lag(&self) -> i32 {
        self.lag
    }
}

#[derive(Debug, Clone, Default)]
struct Columns {
    key: Vec<EventKey>,
    patient: Vec<u32>,
    date: Vec<i32>,
    code: Vec<u32>,
    status: Vec<u8>,
    value: Vec<f64>,
    amount: Vec<i64>,
    paid: Vec<i64>,
    provider: Vec<i64>,
    facility: Vec<i64>,
    payer: Vec<i64>,
    end: Vec<i32>,
    encounter: Vec<i64>,
    lag: Vec<i32>,
}

impl Columns {
    fn push(&mut self, kind: EventKind, row: &Row) {
        self.key.push(row.key);
        self.patient.push(row.patient);
        self.date.push(row.date);
        if kind.has_code() {
            self.code.push(row.code);
        }
        if kind.has_status() {
            self.status.push(row.status);
        }
        if kind.has_value() {
            self.value.push(row.value);
        }
        if kind.has_money() {
            self.amount.push(row.amount);
            self.paid.push(row.paid);
        }
        if kind.has_provider() {
            self.provider.push(row.provider);
        }
        if kind.has_care_site() {
            self.facility.push(row.facility);
        }
        if kind.has_payer() {
            self.payer.push(row.payer);
        }
        if kind.has_end() {
            self.end.push(row.end);
        }
        if kind.has_link() {
            self.encounter.push(row.encounter);
            self.lag.push(row.lag);
        }
    }

    /// Decodes one row, reading only the columns `kind` has: a scan decodes every
    /// matching row, and the unused columns would cost a check each.
    #[inline]
    fn row(&self, kind: EventKind, idx: usize) -> Row {
        let at = BaseRef { columns: self, idx };
        let mut row = Row {
            key: self.key.get(idx).copied().unwrap_or(0),
            patient: at.patient(),
            date: at.date(),
            ..Row::default()
        };
        match kind {
            EventKind::Immunization => {
                row.code = at.code();
                row.status = at.status();
            }
            EventKind::Diagnosis => row.code = at.code(),
            EventKind::Procedure => {
                row.code = at.code();
                row.provider = at.provider();
            }
            EventKind::Observation => {
                row.code = at.code();
                row.value = at.value();
            }
            EventKind::Encounter => {
                row.status = at.status();
                row.code = at.code();
                row.provider = at.provider();
                row.facility = at.facility();
                row.payer = at.payer();
                row.end = at.end();
            }
            EventKind::Note => {
                row.code = at.code();
                row.status = at.status();
                row.provider = at.provider();
                row.encounter = at.encounter();
                row.lag = at.lag();
            }
            EventKind::ArItem => {
                row.amount = at.amount();
                row.paid = at.paid();
                row.payer = at.payer();
                row.status = at.status();
            }
        }
        row
    }

    fn len(&self) -> usize {
        self.patient.len()
    }
}

/// A base row read in place.
#[derive(Clone, Copy)]
pub(crate) struct BaseRef<'a> {
    columns: &'a Columns,
    idx: usize,
}

macro_rules! column_getter {
    ($name:ident, $ty:ty, $default:expr) => {
        #[inline]
        fn $name(&self) -> $ty {
            self.columns
                .$name
                .get(self.idx)
                .copied()
                .unwrap_or($default)
        }
    };
}

impl RowAccess for BaseRef<'_> {
    column_getter!(key, EventKey, 0);
    column_getter!(patient, u32, u32::MAX);
    column_getter!(date, i32, 0);
    column_getter!(code, u32, u32::MAX);
    column_getter!(status, u8, u8::MAX);
    column_getter!(value, f64, 0.0);
    column_getter!(amount, i64, 0);
    column_getter!(paid, i64, 0);
    column_getter!(provider, i64, 0);
    column_getter!(facility, i64, 0);
    column_getter!(payer, i64, 0);
    column_getter!(end, i32, NO_DAY);
    column_getter!(encounter, i64, 0);
    column_getter!(lag, i32, NO_DAY);
}

#[derive(Debug, Clone, Copy)]
enum Location {
    Base(u32),
    Delta(u32),
}

/// Marks a packed `Location::Delta`; base row indices and patient ordinals stay below it
/// (two billion rows of one kind, two billion patients).
const DELTA_BIT: u32 = 1 << 31;

impl Location {
    fn pack(self) -> u32 {
        match self {
            Location::Base(idx) => idx & !DELTA_BIT,
            Location::Delta(patient) => patient | DELTA_BIT,
        }
    }

    fn unpack(packed: u32) -> Location {
        if packed & DELTA_BIT == 0 {
            Location::Base(packed)
        } else {
            Location::Delta(packed & !DELTA_BIT)
        }
    }
}

/// One kind of event, see the module docs.
#[derive(Debug, Clone)]
pub(crate) struct EventTable {
    kind: EventKind,
    base: Columns,
    dead: Vec<u64>,
    n_dead: usize,
    delta: BTreeMap<(u32, EventKey), Row>,
    /// Event key to `Location`, packed by `Location::pack`.
    location: KeyIndex,
    pub(crate) codes: Dictionary,
    code_patients: Vec<RoaringBitmap>,
    /// Earliest and latest date of any row ever added since the last rebuild (a
    /// superset of the live rows' range, which is all time grouping needs).
    date_span: Option<(i32, i32)>,
}

impl EventTable {
    pub(crate) fn new(kind: EventKind) -> EventTable {
        EventTable {
            kind,
            base: Columns::default(),
            dead: Vec::new(),
            n_dead: 0,
            delta: BTreeMap::new(),
            location: KeyIndex::default(),
            codes: Dictionary::default(),
            code_patients: Vec::new(),
            date_span: None,
        }
    }

    /// Builds the base from rows in any order; later rows with a repeated key win.
    pub(crate) fn bulk(kind: EventKind, codes: Dictionary, mut rows: Vec<Row>) -> EventTable {
        let mut table = EventTable::new(kind);
        table.codes = codes;
        // A stable sort keeps each patient's rows in the order the store gave them.
        rows.sort_by_key(|row| row.patient);
        let mut seen = KeyIndex::with_capacity(rows.len());
        let mut kept = Vec::with_capacity(rows.len());
        for row in rows {
            if let Some(previous) = seen.get(row.key) {
                // Duplicate key: the later row replaces the earlier one.
                if let Some(slot) = kept.get_mut(previous as usize) {
                    *slot = None;
                }
            }
            seen.insert(row.key, u32::try_from(kept.len()).unwrap_or(u32::MAX));
            kept.push(Some(row));
        }
        kept.sort_by_key(|row| row.map_or(u32::MAX, |row| row.patient));
        for row in kept.into_iter().flatten() {
            table.push_base(row);
        }
        table.dead = vec![0; table.base.len().div_ceil(64)];
        table
    }

    fn push_base(&mut self, row: Row) {
        let idx = u32::try_from(self.base.len()).unwrap_or(u32::MAX);
        self.base.push(self.kind, &row);
        self.location.insert(row.key, Location::Base(idx).pack());
        self.note_code(row.code, row.patient);
        self.note_date(row.date);
    }

    fn note_date(&mut self, date: i32) {
        self.date_span = Some(match self.date_span {
            Some((lo, hi)) => (lo.min(date), hi.max(date)),
            None => (date, date),
        });
    }

    /// The first and last dates of the table's rows, `None` when it has none.
    pub(crate) fn date_span(&self) -> Option<(i32, i32)> {
        self.date_span
    }

    fn note_code(&mut self, code: u32, patient: u32) {
        if !self.kind.has_code() {
            return;
        }
        let idx = code as usize;
        if self.code_patients.len() <= idx {
            self.code_patients.resize_with(idx + 1, RoaringBitmap::new);
        }
        if let Some(bitmap) = self.code_patients.get_mut(idx) {
            bitmap.insert(patient);
        }
    }

    pub(crate) fn kind(&self) -> EventKind {
        self.kind
    }

    /// Number of live rows.
    pub(crate) fn len(&self) -> usize {
        self.base.len() - self.n_dead + self.delta.len()
    }

    /// Inserts or replaces the event with `row.key`.
    pub(crate) fn upsert(&mut self, row: Row) {
        self.remove(row.key);
        self.delta.insert((row.patient, row.key), row);
        self.location
            .insert(row.key, Location::Delta(row.patient).pack());
        self.note_code(row.code, row.patient);
        self.note_date(row.date);
    }

    /// Removes the event with `key`; false if it was not present.
    pub(crate) fn remove(&mut self, key: EventKey) -> bool {
        let Some(location) = self.location.remove(key).map(Location::unpack) else {
            return false;
        };
        let removed = match location {
            Location::Base(idx) => {
                self.mark_dead(idx as usize);
                self.base.row(self.kind, idx as usize)
            }
            Location::Delta(patient) => match self.delta.remove(&(patient, key)) {
                Some(row) => row,
                None => return false,
            },
        };
        self.forget_code_if_last(removed.code, removed.patient);
        true
    }

    /// Removes every event of a patient.
    pub(crate) fn remove_patient(&mut self, patient: u32) {
        let (start, end) = self.base_range(patient);
        for idx in start..end {
            if !self.is_dead(idx) {
                if let Some(&key) = self.base.key.get(idx) {
                    self.location.remove(key);
                }
                self.mark_dead(idx);
            }
        }
        let keys: Vec<EventKey> = self
            .delta
            .range((patient, EventKey::MIN)..=(patient, EventKey::MAX))
            .map(|(&(_, key), _)| key)
            .collect();
        for key in keys {
            self.delta.remove(&(patient, key));
            self.location.remove(key);
        }
        for bitmap in &mut self.code_patients {
            bitmap.remove(patient);
        }
    }

    fn forget_code_if_last(&mut self, code: u32, patient: u32) {
        if !self.kind.has_code() {
            return;
        }
        let mut still_there = false;
        self.scan_patient_rows(patient, &mut |row: &dyn RowAccess| {
            if row.code() == code {
                still_there = true;
            }
        });
        if !still_there && let Some(bitmap) = self.code_patients.get_mut(code as usize) {
            bitmap.remove(patient);
        }
    }

    fn mark_dead(&mut self, idx: usize) {
        if let Some(word) = self.dead.get_mut(idx / 64) {
            let bit = 1u64 << (idx % 64);
            if *word & bit == 0 {
                *word |= bit;
                self.n_dead += 1;
            }
        }
    }

    #[inline]
    fn is_dead(&self, idx: usize) -> bool {
        self.dead
            .get(idx / 64)
            .is_some_and(|word| word >> (idx % 64) & 1 == 1)
    }

    /// Base rows of one patient, as a half-open index range.
    fn base_range(&self, patient: u32) -> (usize, usize) {
        let start = self.base.patient.partition_point(|&p| p < patient);
        let end = self.base.patient.partition_point(|&p| p <= patient);
        (start, end)
    }

    /// True when delta and tombstones are large enough that a rebuild pays for itself.
    pub(crate) fn wants_compaction(&self) -> bool {
        self.delta.len() + self.n_dead > 4096 + self.base.len() / 8
    }

    /// Folds delta and tombstones into a fresh sorted base.
    pub(crate) fn compact(&mut self) {
        let mut rows = Vec::with_capacity(self.len());
        self.scan_all(&mut |row: &Row| rows.push(*row));
        let codes = std::mem::take(&mut self.codes);
        *self = EventTable::bulk(self.kind, codes, rows);
    }

    /// Visits every live row of one patient (base first, then delta).
    pub(crate) fn scan_patient_rows(&self, patient: u32, visit: &mut dyn FnMut(&dyn RowAccess)) {
        let (start, end) = self.base_range(patient);
        for idx in start..end {
            if !self.is_dead(idx) {
                visit(&BaseRef {
                    columns: &self.base,
                    idx,
                });
            }
        }
        for row in self
            .delta
            .range((patient, EventKey::MIN)..=(patient, EventKey::MAX))
            .map(|(_, row)| row)
        {
            visit(row);
        }
    }

    fn scan_all(&self, visit: &mut dyn FnMut(&Row)) {
        self.scan(
            0,
            u32::MAX,
            &|_: &BaseRef<'_>| true,
            &|_: &Row| true,
            &mut |row| visit(row),
        );
    }

    /// Visits, in patient order and one patient's rows together, every live row with a
    /// patient ordinal in `lo..hi` that passes the filter. `base_test` and `delta_test` are
    /// the same predicate instantiated for in-place and decoded rows.
    #[inline]
    pub(crate) fn scan<B, D, V>(
        &self,
        lo: u32,
        hi: u32,
        base_test: &B,
        delta_test: &D,
        visit: &mut V,
    ) where
        B: Fn(&BaseRef<'_>) -> bool,
        D: Fn(&Row) -> bool,
        V: FnMut(&Row),
    {
        let kind = self.kind;
        self.scan_as(
            lo,
            hi,
            base_test,
            delta_test,
            &|columns: &Columns, idx| columns.row(kind, idx),
            &|row: &Row| *row,
            &mut |row: Row| visit(&row),
        );
    }

    /// Like `scan`, handing over only the patient ordinal of each matching row, for
    /// tests that only ask whether a patient has one.
    #[inline]
    pub(crate) fn scan_patients<B, D, V>(
        &self,
        lo: u32,
        hi: u32,
        base_test: &B,
        delta_test: &D,
        visit: &mut V,
    ) where
        B: Fn(&BaseRef<'_>) -> bool,
        D: Fn(&Row) -> bool,
        V: FnMut(u32),
    {
        self.scan_as(
            lo,
            hi,
            base_test,
            delta_test,
            &|columns: &Columns, idx| columns.patient.get(idx).copied().unwrap_or(u32::MAX),
            &|row: &Row| row.patient,
            visit,
        );
    }

    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn scan_as<T, B, D, E, F, V>(
        &self,
        lo: u32,
        hi: u32,
        base_test: &B,
        delta_test: &D,
        decode_base: &E,
        decode_delta: &F,
        visit: &mut V,
    ) where
        B: Fn(&BaseRef<'_>) -> bool,
        D: Fn(&Row) -> bool,
        E: Fn(&Columns, usize) -> T,
        F: Fn(&Row) -> T,
        V: FnMut(T),
    {
        let start = self.base.patient.partition_point(|&p| p < lo);
        let end = self.base.patient.partition_point(|&p| p < hi);
        let mut delta = self
            .delta
            .range((lo, EventKey::MIN)..(hi, EventKey::MIN))
            .map(|(_, row)| row)
            .peekable();
        let check_dead = self.n_dead > 0;
        // The next delta row's patient, cached so patients without delta rows cost one compare.
        let mut next_delta = delta.peek().map_or(u32::MAX, |row| row.patient);
        let patients = self.base.patient.get(start..end).unwrap_or(&[]);
        for (offset, &patient) in patients.iter().enumerate() {
            let idx = start + offset;
            if patient >= next_delta {
                // Delta rows of earlier patients (and of this one) go first, so each
                // patient's rows stay contiguous.
                while let Some(row) = delta.next_if(|row| row.patient <= patient) {
                    if delta_test(row) {
                        visit(decode_delta(row));
                    }
                }
                next_delta = delta.peek().map_or(u32::MAX, |row| row.patient);
            }
            if check_dead && self.is_dead(idx) {
                continue;
            }
            let at = BaseRef {
                columns: &self.base,
                idx,
            };
            if base_test(&at) {
                visit(decode_base(&self.base, idx));
            }
        }
        for row in delta {
            if delta_test(row) {
                visit(decode_delta(row));
            }
        }
    }

    /// Patients with at least one live row whose code is in `codes` (ids).
    pub(crate) fn patients_with_codes(&self, codes: impl Iterator<Item = u32>) -> RoaringBitmap {
        let mut union = RoaringBitmap::new();
        for code in codes {
            if let Some(bitmap) = self.code_patients.get(code as usize) {
                union |= bitmap;
            }
        }
        union
    }
}

#[cfg(test)]
mod tests;
