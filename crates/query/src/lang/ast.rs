//! The query AST: what a parsed query says, independent of how the engine answers it.
//!
//! Invariant: every AST the parser returns has already been checked against the fields
//! each subject and event kind has, so the executor never meets, say, `cvx` on a
//! diagnosis. `print` writes the canonical text, and `parse(print(q)) == q` for every
//! `q` the parser returns.

use time::Date;

use crate::events::EventKind;

/// A whole query: what rows to count, which to keep, how to group and what to measure.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The unit being counted.
    pub subject: Subject,
    /// Rows (or patients) to keep; `None` keeps all.
    pub filter: Option<Expr>,
    /// The date ages and days past due are measured on.
    pub as_of: Option<Date>,
    /// Grouping dimensions, outermost first.
    pub group_by: Vec<Dimension>,
    /// Measures; empty means the subject's default (`count <subject>`).
    pub measures: Vec<MeasureSpec>,
    /// `list patients ...`: show the patients themselves, not a count. Only with the
    /// `patients` subject, and never with `group by` or `measure`.
    pub list: Option<ListSpec>,
}

/// What a patient list shows, in which order and how many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListSpec {
    /// The columns, in the order shown; never empty (the parser fills in
    /// [`ListColumn::DEFAULT`] when none are named).
    pub columns: Vec<ListColumn>,
    /// Sort keys, most significant first; empty keeps registration order.
    pub order_by: Vec<OrderKey>,
    /// At most this many patients.
    pub limit: Option<u64>,
}

/// A column of a patient list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListColumn {
    /// The facility's medical record number (from the chart).
    Mrn,
    /// Family and given names (from the chart).
    Name,
    /// Date of birth.
    BirthDate,
    /// Whole years on the as-of date.
    Age,
    /// Administrative sex.
    Sex,
    /// Five-digit ZIP.
    Zip,
    /// First three ZIP digits.
    Zip3,
    /// Date of the latest encounter.
    LastVisit,
    /// Attending provider of the latest encounter.
    Provider,
    /// Payer of the latest encounter.
    Payer,
    /// Open balance: what is still owed on open items, in cents.
    Balance,
}

impl ListColumn {
    /// The columns shown when a list names none.
    pub const DEFAULT: [ListColumn; 5] = [
        ListColumn::Mrn,
        ListColumn::Name,
        ListColumn::BirthDate,
        ListColumn::Sex,
        ListColumn::LastVisit,
    ];

    /// Every column, in the order the language lists them.
    pub const ALL: [ListColumn; 11] = [
        ListColumn::Mrn,
        ListColumn::Name,
        ListColumn::BirthDate,
        ListColumn::Age,
        ListColumn::Sex,
        ListColumn::Zip,
        ListColumn::Zip3,
        ListColumn::LastVisit,
        ListColumn::Provider,
        ListColumn::Payer,
        ListColumn::Balance,
    ];

    /// The word the column is written as (and its CSV header).
    pub fn word(self) -> &'static str {
        match self {
            ListColumn::Mrn => "mrn",
            ListColumn::Name => "name",
            ListColumn::BirthDate => "birth_date",
            ListColumn::Age => "age",
            ListColumn::Sex => "sex",
            ListColumn::Zip => "zip",
            ListColumn::Zip3 => "zip3",
            ListColumn::LastVisit => "last_visit",
            ListColumn::Provider => "provider",
            ListColumn::Payer => "payer",
            ListColumn::Balance => "balance",
        }
    }

    /// True when the engine holds the column's value, so a list can be ordered by it;
    /// names, MRNs and the provider's and payer's names are read from the chart after.
    pub fn sortable(self) -> bool {
        !matches!(
            self,
            ListColumn::Mrn | ListColumn::Name | ListColumn::Provider | ListColumn::Payer
        )
    }
}

/// One sort key of a patient list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderKey {
    /// The column sorted on.
    pub column: ListColumn,
    /// Largest first (`desc`).
    pub descending: bool,
}

/// What one result row counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// One row per live patient (`patients`).
    Patients,
    /// One row per event of a kind (`immunizations`, `diagnoses`, ...).
    Events(EventKind),
    /// One row per patient with open A/R items that pass the filter, aggregating those
    /// items: open amount summed, days past due of the oldest (`balances`). Grouped by
    /// payer or financial class, one row per patient and payer: each payer's share of
    /// what the patient owes, aged by that payer's oldest item.
    Balances,
}

/// A boolean filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// All must hold.
    And(Vec<Expr>),
    /// At least one must hold.
    Or(Vec<Expr>),
    /// Must not hold.
    Not(Box<Expr>),
    /// The patient has at least one event of the kind satisfying all the conditions
    /// (`immunization(cvx in flu, date > 2025-01-01)`).
    Has(EventKind, Vec<Expr>),
    /// The encounter (the row, or the one inside `encounter(...)`) has at least one note
    /// satisfying all the conditions (`has_note(type = discharge_summary)`); `not
    /// has_note(...)` is a missing document.
    HasNote(Vec<Expr>),
    /// The patient has a date of death on or before the as-of date (any, without one).
    Deceased,
    /// A field test.
    Cond(Cond),
}

/// `field op value` or `field in items`.
#[derive(Debug, Clone, PartialEq)]
pub struct Cond {
    /// The field tested.
    pub field: Field,
    /// The test.
    pub test: Test,
}

/// Fields of patients and events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// Whole years on the as-of date (patient).
    Age,
    /// Administrative sex (patient).
    Sex,
    /// Five-digit ZIP (patient).
    Zip,
    /// First three ZIP digits (patient).
    Zip3,
    /// CVX code (immunization).
    Cvx,
    /// Immunization status.
    Status,
    /// ICD-10-CM, procedure or LOINC code (diagnosis, procedure, observation).
    Code,
    /// Encounter class.
    Class,
    /// Event date (immunization, diagnosis, procedure, observation, encounter).
    Date,
    /// Observation value.
    Value,
    /// Provider key: an encounter's attending, a procedure's performer (rendering).
    Provider,
    /// Encounter facility key.
    Facility,
    /// Payer key (encounter, balance).
    Payer,
    /// Item amount (balance).
    AmountCents,
    /// Item amount paid (balance).
    PaidCents,
    /// Item amount still open (balance).
    OpenCents,
    /// Item due date (balance).
    DueDate,
    /// Days from due date to the as-of date (balance).
    DaysPastDue,
    /// The payer's financial class (balance): medicare, medicaid, commercial,
    /// government or self-pay.
    FinancialClass,
    /// The encounter's hospital service or department, ignoring case.
    Service,
    /// The encounter's discharge date (no date: never matches).
    DischargeDate,
    /// Days from the encounter's discharge to the as-of date (not discharged: never
    /// matches).
    DaysSinceDischarge,
    /// A note's type as the store names it (`discharge_summary`), ignoring case.
    NoteType,
    /// A note's author (provider key).
    Author,
    /// Days from the note's encounter's start to the note (no encounter: never matches).
    DaysAfterEncounter,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// The test applied to a field.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// Compare with one value.
    Compare(CmpOp, Value),
    /// Membership in any of the items.
    In(Vec<Item>),
}

/// A literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Whole number.
    Int(i64),
    /// Decimal number.
    Number(f64),
    /// Calendar date.
    Date(Date),
    /// Code or word (ZIP, ICD code, sex letter, status).
    Word(String),
}

/// One member of an `in` list.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// Exactly this value.
    One(Value),
    /// From `lo` to `hi`, both included (codes compare by prefix: `E08-E13` holds E11.9).
    Range(Value, Value),
    /// This value or more (`65+`).
    AtLeast(Value),
    /// Codes starting with this text (`E11*`).
    Prefix(String),
    /// A named code set (`flu`).
    Set(String),
}

/// A grouping dimension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dimension {
    /// Age on the as-of date, in the given bands; patients outside every band are left out.
    AgeBand(Vec<Band>),
    /// Sex.
    Sex,
    /// ZIP3.
    Zip3,
    /// ZIP.
    Zip,
    /// Day, week, month or year of the event date. The series periods (`day`,
    /// `mmwr_week`, `iso_week`) are zero-filled across the dates asked.
    Period(Period),
    /// Event code (CVX, ICD-10-CM, procedure, LOINC).
    Code,
    /// Immunization status.
    Status,
    /// Encounter class.
    Class,
    /// Encounter provider.
    Provider,
    /// Encounter facility.
    Facility,
    /// Encounter payer.
    Payer,
    /// Days past due of the patient's oldest open item, in the given bands.
    AgingBucket(Vec<Band>),
    /// The payer's financial class (balances).
    FinancialClass,
    /// The encounter's service or department.
    Service,
    /// A note's type.
    NoteType,
    /// A note's author.
    Author,
}

/// Calendar period for time grouping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// Week starting Monday, labelled by its Monday (`week(date)`).
    Week,
    /// Calendar month.
    Month,
    /// Calendar year.
    Year,
    /// Calendar day (`day(date)`), zero-filled.
    Day,
    /// MMWR (CDC epidemiological) week: Sunday to Saturday, week 1 the first with at
    /// least four days in the year, labelled `2025-W01` (`mmwr_week(date)`), zero-filled.
    MmwrWeek,
    /// ISO 8601 week: Monday to Sunday, week 1 the one holding the year's first
    /// Thursday, labelled `2025-W01` (`iso_week(date)`), zero-filled.
    IsoWeek,
}

impl Period {
    /// Every period, in the order the language lists them.
    pub const ALL: [Period; 6] = [
        Period::Day,
        Period::Week,
        Period::MmwrWeek,
        Period::IsoWeek,
        Period::Month,
        Period::Year,
    ];

    /// The word the period is written as (`day(date)`), and its column name.
    pub fn word(self) -> &'static str {
        match self {
            Period::Week => "week",
            Period::Month => "month",
            Period::Year => "year",
            Period::Day => "day",
            Period::MmwrWeek => "mmwr_week",
            Period::IsoWeek => "iso_week",
        }
    }

    /// True for the periods of a time series (day, MMWR week, ISO week): every period
    /// of the dates asked gets a row, zero when nothing happened, so the series can be
    /// charted and fed to outbreak detection, which read a missing day as a gap, not a
    /// zero. `week`, `month` and `year` keep showing only periods with rows: the
    /// benchmark's Q4 counts its non-empty groups.
    pub fn is_series(self) -> bool {
        matches!(self, Period::Day | Period::MmwrWeek | Period::IsoWeek)
    }
}

/// An inclusive band of whole numbers; `hi: None` means no upper bound (`65+`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Band {
    /// Lowest value in the band.
    pub lo: u32,
    /// Highest value in the band, if bounded.
    pub hi: Option<u32>,
}

/// A measure with an optional column name.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureSpec {
    /// What to compute.
    pub measure: Measure,
    /// Column name given with `as`.
    pub name: Option<String>,
}

/// What to compute per group.
#[derive(Debug, Clone, PartialEq)]
pub enum Measure {
    /// Distinct patients.
    Patients,
    /// Distinct patients who also satisfy a patient-level filter (coverage numerators).
    PatientsWhere(Expr),
    /// Rows: events, A/R items, or patients for the `patients` subject.
    Count,
    /// Sum of a numeric field.
    Sum(Field),
    /// Mean of a numeric field.
    Avg(Field),
}
