//! `Engine`: the in-memory analytic copy of the store that population queries run on,
//! and `EngineBuilder` for the bulk load at start-up.
//!
//! Consistency contract with the store: after each committed write the store calls the
//! matching `upsert_*` / `remove_*` here (inside the same critical section that publishes
//! the commit), so a query sees either all or none of a transaction. Every method is
//! idempotent: replaying a write (for example after a crash between commit and notify)
//! leaves the same state. The engine is a derived cache; it can always be rebuilt from
//! the store with `EngineBuilder`, which is what start-up does.

use crate::bitset::PatientSet;
use crate::dictionary::Dictionary;
use crate::error::{Error, Result};
use crate::events::{EventKind, EventTable, NO_DAY, Row};
use crate::exec::list::ListedPatient;
use crate::facts::{
    ArItemFact, DiagnosisFact, EncounterFact, EventKey, ImmunizationFact, NoteFact, NoteStatus,
    ObservationFact, PatientFacts, PatientKey, ProcedureFact,
};
use crate::lang::ast::Query;
use crate::lang::{normalize_code, parse};
use crate::patients::Patients;
use crate::table::Table;
use crate::{day, exec};

/// The population-query engine. Cheap to query from many threads (`&self`); writes need
/// `&mut self`, so the store wraps it in an `RwLock`.
#[derive(Debug, Clone)]
pub struct Engine {
    patients: Patients,
    tables: Vec<EventTable>,
}

impl Default for Engine {
    fn default() -> Engine {
        Engine::new()
    }
}

/// Converts one fact into a table row, interning its code.
trait IntoRow {
    const KIND: EventKind;
    fn patient_key(&self) -> PatientKey;
    fn row(&self, patient: u32, codes: &mut Dictionary) -> Row;
}

impl IntoRow for ImmunizationFact {
    const KIND: EventKind = EventKind::Immunization;
    fn patient_key(&self) -> PatientKey {
        self.patient_key
    }
    fn row(&self, patient: u32, codes: &mut Dictionary) -> Row {
        let code = codes.intern(&self.cvx.to_string());
        Row {
            key: self.event_key,
            patient,
            date: day::day(self.date),
            code,
            status: self.status as u8,
            ..Row::default()
        }
    }
}

impl IntoRow for DiagnosisFact {
    const KIND: EventKind = EventKind::Diagnosis;
    fn patient_key(&self) -> PatientKey {
        self.patient_key
    }
    fn row(&self, patient: u32, codes: &mut Dictionary) -> Row {
        let code = codes.intern(&normalize_code(&self.code, Some(EventKind::Diagnosis)));
        Row {
            key: self.event_key,
            patient,
            date: day::day(self.date),
            code,
            ..Row::default()
        }
    }
}

impl IntoRow for ProcedureFact {
    const KIND: EventKind = EventKind::Procedure;
    fn patient_key(&self) -> PatientKey {
        self.patient_key
    }
    fn row(&self, patient: u32, codes: &mut Dictionary) -> Row {
        let code = codes.intern(&normalize_code(&self.code, Some(EventKind::Procedure)));
        Row {
            key: self.event_key,
            patient,
            date: day::day(self.date),
            code,
            provider: self.provider_key,
            ..Row::default()
        }
    }
}

impl IntoRow for ObservationFact {
    const KIND: EventKind = EventKind::Observation;
    fn patient_key(&self) -> PatientKey {
        self.patient_key
    }
    fn row(&self, patient: u32, codes: &mut Dictionary) -> Row {
        let code = codes.intern(&self.code);
        Row {
            key: self.event_key,
            patient,
            date: day::day(self.date),
            code,
            value: self.value,
            ..Row::default()
        }
    }
}

impl IntoRow for EncounterFact {
    const KIND: EventKind = EventKind::Encounter;
    fn patient_key(&self) -> PatientKey {
        self.patient_key
    }
    fn row(&self, patient: u32, codes: &mut Dictionary) -> Row {
        let service = codes.intern(&normalize_code(&self.service, Some(EventKind::Encounter)));
        Row {
            key: self.event_key,
            patient,
            date: day::day(self.date),
            status: self.class as u8,
            code: service,
            provider: self.provider_key,
            facility: self.facility_key,
            payer: self.payer_key,
            end: self.discharge.map_or(NO_DAY, day::day),
            ..Row::default()
        }
    }
}

impl IntoRow for NoteFact {
    const KIND: EventKind = EventKind::Note;
    fn patient_key(&self) -> PatientKey {
        self.patient_key
    }
    fn row(&self, patient: u32, codes: &mut Dictionary) -> Row {
        let note_type = codes.intern(&normalize_code(&self.note_type, Some(EventKind::Note)));
        let status = if self.signed {
            NoteStatus::Signed
        } else {
            NoteStatus::Unsigned
        };
        Row {
            key: self.event_key,
            patient,
            date: day::day(self.date),
            code: note_type,
            status: status as u8,
            provider: self.author_key,
            encounter: self.encounter_key.unwrap_or(0),
            lag: self.days_after_encounter.unwrap_or(NO_DAY),
            ..Row::default()
        }
    }
}

impl IntoRow for ArItemFact {
    const KIND: EventKind = EventKind::ArItem;
    fn patient_key(&self) -> PatientKey {
        self.patient_key
    }
    fn row(&self, patient: u32, _codes: &mut Dictionary) -> Row {
        Row {
            key: self.item_key,
            patient,
            date: day::day(self.due_date),
            amount: self.amount_cents,
            paid: self.paid_cents,
            payer: self.payer_key,
            status: self.financial_class as u8,
            ..Row::default()
        }
    }
}

impl Engine {
    /// An empty engine.
    pub fn new() -> Engine {
        Engine {
            patients: Patients::with_capacity(0),
            tables: EventKind::ALL
                .iter()
                .map(|&kind| EventTable::new(kind))
                .collect(),
        }
    }

    /// Number of live patients.
    pub fn n_patients(&self) -> u64 {
        self.patients.live.count()
    }

    /// Number of live events of a kind.
    pub fn n_events(&self, kind: EventKind) -> usize {
        self.tables.get(kind.index()).map_or(0, EventTable::len)
    }

    /// Inserts a patient or replaces their demographics.
    pub fn upsert_patient(&mut self, facts: &PatientFacts) {
        self.patients.upsert(facts);
    }

    /// Removes a patient and all their events; false if unknown.
    pub fn remove_patient(&mut self, key: PatientKey) -> bool {
        let Some(ordinal) = self.patients.ordinal(key) else {
            return false;
        };
        for table in &mut self.tables {
            table.remove_patient(ordinal);
        }
        self.patients.remove(key);
        true
    }

    fn upsert<F: IntoRow>(&mut self, fact: &F) -> Result<()> {
        let patient = self
            .patients
            .ordinal(fact.patient_key())
            .ok_or(Error::UnknownPatient(fact.patient_key()))?;
        let Some(table) = self.tables.get_mut(F::KIND.index()) else {
            return Ok(());
        };
        let row = fact.row(patient, &mut table.codes);
        table.upsert(row);
        if table.wants_compaction() {
            table.compact();
        }
        Ok(())
    }

    fn remove(&mut self, kind: EventKind, key: EventKey) -> bool {
        self.tables
            .get_mut(kind.index())
            .is_some_and(|table| table.remove(key))
    }

    /// Inserts or replaces an immunization (by its event key).
    pub fn upsert_immunization(&mut self, fact: &ImmunizationFact) -> Result<()> {
        self.upsert(fact)
    }
    /// Inserts or replaces a diagnosis.
    pub fn upsert_diagnosis(&mut self, fact: &DiagnosisFact) -> Result<()> {
        self.upsert(fact)
    }
    /// Inserts or replaces a procedure.
    pub fn upsert_procedure(&mut self, fact: &ProcedureFact) -> Result<()> {
        self.upsert(fact)
    }
    /// Inserts or replaces an observation.
    pub fn upsert_observation(&mut self, fact: &ObservationFact) -> Result<()> {
        self.upsert(fact)
    }
    /// Inserts or replaces an encounter.
    pub fn upsert_encounter(&mut self, fact: &EncounterFact) -> Result<()> {
        self.upsert(fact)
    }
    /// Inserts or replaces an A/R item (a payment is an upsert with the new `paid_cents`).
    pub fn upsert_ar_item(&mut self, fact: &ArItemFact) -> Result<()> {
        self.upsert(fact)
    }
    /// Inserts or replaces a note (signing one is an upsert with `signed`).
    pub fn upsert_note(&mut self, fact: &NoteFact) -> Result<()> {
        self.upsert(fact)
    }

    /// Removes one event of a kind by key; false if it was not there.
    pub fn remove_event(&mut self, kind: EventKind, key: EventKey) -> bool {
        self.remove(kind, key)
    }

    /// Folds all pending writes into the sorted columns (also done automatically).
    pub fn compact(&mut self) {
        for table in &mut self.tables {
            table.compact();
        }
    }

    /// Runs a parsed query.
    pub fn run(&self, query: &Query) -> Result<Table> {
        exec::run(&self.patients, &self.tables, query, None)
    }

    /// Runs a parsed query counting only the patients in `within`, the set a role may
    /// see (build it with [`Engine::patient_set`]). Every subject, filter and measure is
    /// restricted, so no count includes a patient outside it.
    pub fn run_within(&self, query: &Query, within: &PatientSet) -> Result<Table> {
        exec::run(&self.patients, &self.tables, query, Some(within))
    }

    /// The patients a `list patients` query keeps, ordered and limited as it says, with
    /// what the engine knows of each; the caller adds names and MRNs from the chart. A
    /// counting query is refused here (and a list by [`Engine::run`]).
    pub fn list(&self, query: &Query) -> Result<Vec<ListedPatient>> {
        exec::list_patients(&self.patients, &self.tables, query, None)
    }

    /// [`Engine::list`] over only the patients in `within`.
    pub fn list_within(&self, query: &Query, within: &PatientSet) -> Result<Vec<ListedPatient>> {
        exec::list_patients(&self.patients, &self.tables, query, Some(within))
    }

    /// The set of live patients among `keys` (unknown keys are ignored).
    pub fn patient_set(&self, keys: impl IntoIterator<Item = PatientKey>) -> PatientSet {
        let mut set = PatientSet::empty(self.patients.len());
        for key in keys {
            if let Some(ordinal) = self.patients.ordinal(key) {
                set.insert(ordinal);
            }
        }
        set
    }

    /// Parses and runs query text.
    pub fn query(&self, text: &str) -> Result<Table> {
        self.run(&parse(text)?)
    }
}

/// Bulk loader: add all patients, then their events, then `build`. Faster than upserts
/// because each table is sorted once instead of growing a delta.
#[derive(Debug)]
pub struct EngineBuilder {
    patients: Patients,
    rows: Vec<Vec<Row>>,
    codes: Vec<Dictionary>,
}

impl Default for EngineBuilder {
    fn default() -> EngineBuilder {
        EngineBuilder::with_capacity(0)
    }
}

impl EngineBuilder {
    /// A builder expecting about `n_patients` patients.
    pub fn with_capacity(n_patients: usize) -> EngineBuilder {
        EngineBuilder {
            patients: Patients::with_capacity(n_patients),
            rows: EventKind::ALL.iter().map(|_| Vec::new()).collect(),
            codes: EventKind::ALL
                .iter()
                .map(|_| Dictionary::default())
                .collect(),
        }
    }

    /// Adds a patient (a repeated key replaces the earlier demographics).
    pub fn add_patient(&mut self, facts: &PatientFacts) {
        self.patients.upsert(facts);
    }

    fn add<F: IntoRow>(&mut self, fact: &F) -> Result<()> {
        let patient = self
            .patients
            .ordinal(fact.patient_key())
            .ok_or(Error::UnknownPatient(fact.patient_key()))?;
        let idx = F::KIND.index();
        if let (Some(rows), Some(codes)) = (self.rows.get_mut(idx), self.codes.get_mut(idx)) {
            rows.push(fact.row(patient, codes));
        }
        Ok(())
    }

    /// Adds an immunization; its patient must have been added.
    pub fn add_immunization(&mut self, fact: &ImmunizationFact) -> Result<()> {
        self.add(fact)
    }
    /// Adds a diagnosis.
    pub fn add_diagnosis(&mut self, fact: &DiagnosisFact) -> Result<()> {
        self.add(fact)
    }
    /// Adds a procedure.
    pub fn add_procedure(&mut self, fact: &ProcedureFact) -> Result<()> {
        self.add(fact)
    }
    /// Adds an observation.
    pub fn add_observation(&mut self, fact: &ObservationFact) -> Result<()> {
        self.add(fact)
    }
    /// Adds an encounter.
    pub fn add_encounter(&mut self, fact: &EncounterFact) -> Result<()> {
        self.add(fact)
    }
    /// Adds an A/R item.
    pub fn add_ar_item(&mut self, fact: &ArItemFact) -> Result<()> {
        self.add(fact)
    }
    /// Adds a note.
    pub fn add_note(&mut self, fact: &NoteFact) -> Result<()> {
        self.add(fact)
    }

    /// Sorts every table and returns the engine.
    pub fn build(self) -> Engine {
        let tables = EventKind::ALL
            .iter()
            .zip(self.rows.into_iter().zip(self.codes))
            .map(|(&kind, (rows, codes))| EventTable::bulk(kind, codes, rows))
            .collect();
        Engine {
            patients: self.patients,
            tables,
        }
    }
}
