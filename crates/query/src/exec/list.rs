//! `list patients ...`: the patients a filter keeps, with the columns the engine holds,
//! ordered and cut to the limit.
//!
//! The engine holds no names or identifiers, so a listed patient is its store key plus
//! what the engine knows (birth date, age, sex, ZIP, last visit and its provider and
//! payer keys, open balance); the caller reads names and MRNs from the chart for the
//! patients returned. Hence a list can only be ordered by what the engine holds (the
//! parser refuses the rest), and ordering happens before the limit.
//!
//! Cost: the filter is the same patient set a count computes; the last visit and the
//! balance are read per listed patient from that patient's contiguous rows (a binary
//! search each), and only when a column or sort key asks for them, so a short list of
//! a large population reads a handful of rows.

use std::cmp::Ordering;

use time::Date;

use crate::bitset::PatientSet;
use crate::day;
use crate::error::{Error, Result};
use crate::events::{EventKind, RowAccess};
use crate::facts::{PatientKey, Sex};
use crate::lang::ast::{ListColumn, ListSpec, OrderKey, Query};

use super::filter::{Ctx, patient_set};

/// One patient of a list, as far as the engine knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedPatient {
    /// The store's key of the patient.
    pub key: PatientKey,
    /// Date of birth.
    pub birth_date: Option<Date>,
    /// Whole years on the query's as-of date, when it has one.
    pub age: Option<u32>,
    /// Administrative sex.
    pub sex: Sex,
    /// Five-digit ZIP as recorded.
    pub zip: String,
    /// Date of the latest encounter, if any (read only when asked for).
    pub last_visit: Option<Date>,
    /// Attending provider key of the latest encounter (0 or absent: none recorded).
    pub provider_key: Option<i64>,
    /// Payer key of the latest encounter (0 or absent: none recorded).
    pub payer_key: Option<i64>,
    /// Still owed on open items (paid less than the amount), in cents.
    pub balance_cents: i64,
}

/// Sortable values of one patient, computed once before sorting.
struct Keyed {
    patient: u32,
    last_visit: i32,
    provider: i64,
    payer: i64,
    balance: i64,
}

const NO_VISIT: i32 = i32::MIN;

/// Runs a list query over the columns; `within` restricts it to the patients a role may see.
pub(crate) fn run(
    ctx: &Ctx<'_>,
    query: &Query,
    spec: &ListSpec,
    within: Option<&PatientSet>,
) -> Result<Vec<ListedPatient>> {
    let wants = |column: ListColumn| {
        spec.columns.contains(&column) || spec.order_by.iter().any(|k| k.column == column)
    };
    if wants(ListColumn::Age) {
        ctx.as_of_ymd("`age`")?;
    }
    let mut set = match &query.filter {
        Some(expr) => patient_set(ctx, expr)?,
        None => ctx.patients.live.clone(),
    };
    if let Some(within) = within {
        set.and_with(within);
    }
    let visits =
        wants(ListColumn::LastVisit) || wants(ListColumn::Provider) || wants(ListColumn::Payer);
    let balances = wants(ListColumn::Balance);
    let limit = spec
        .limit
        .map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX));
    // Without sort keys the list is in ordinal (registration) order, so the limit can cut
    // the set before anything is read per patient.
    let chosen: Box<dyn Iterator<Item = u32>> = if spec.order_by.is_empty() {
        Box::new(set.iter().take(limit))
    } else {
        Box::new(set.iter())
    };
    let encounters = ctx.table(EventKind::Encounter)?;
    let items = ctx.table(EventKind::ArItem)?;
    let mut keyed: Vec<Keyed> = chosen
        .map(|patient| {
            let mut row = Keyed {
                patient,
                last_visit: NO_VISIT,
                provider: 0,
                payer: 0,
                balance: 0,
            };
            if visits {
                // The latest encounter wins; on the same day the later-keyed row, so the
                // answer does not depend on base or delta order.
                encounters.scan_patient_rows(patient, &mut |r: &dyn RowAccess| {
                    if r.date() >= row.last_visit {
                        row.last_visit = r.date();
                        row.provider = r.provider();
                        row.payer = r.payer();
                    }
                });
            }
            if balances {
                items.scan_patient_rows(patient, &mut |r: &dyn RowAccess| {
                    if r.paid() < r.amount() {
                        row.balance = row.balance.saturating_add(r.amount() - r.paid());
                    }
                });
            }
            row
        })
        .collect();
    if !spec.order_by.is_empty() {
        let as_of = ctx.as_of_ymd.unwrap_or(0);
        let compare = |a: &Keyed, b: &Keyed| -> Ordering {
            for key in &spec.order_by {
                let order = compare_on(ctx, *key, a, b, as_of);
                if order != Ordering::Equal {
                    return order;
                }
            }
            a.patient.cmp(&b.patient)
        };
        if keyed.len() > limit {
            // Only the first `limit` need sorting: partition, then sort that part.
            keyed.select_nth_unstable_by(limit, compare);
            keyed.truncate(limit);
        }
        keyed.sort_unstable_by(compare);
    }
    let patients = ctx.patients;
    Ok(keyed
        .into_iter()
        .map(|row| {
            let idx = row.patient as usize;
            let birth_day = patients.birth_day.get(idx).copied().unwrap_or(0);
            let birth_ymd = patients.birth_ymd.get(idx).copied().unwrap_or(0);
            let sex_code = patients
                .sex
                .get(idx)
                .copied()
                .unwrap_or(Sex::Unknown.code());
            ListedPatient {
                key: patients.keys.get(idx).copied().unwrap_or_default(),
                birth_date: day::date(birth_day),
                age: ctx.as_of_ymd.map(|as_of| day::age_years(birth_ymd, as_of)),
                sex: Sex::ALL
                    .into_iter()
                    .find(|s| s.code() == sex_code)
                    .unwrap_or(Sex::Unknown),
                zip: patients
                    .zips
                    .text(patients.zip.get(idx).copied().unwrap_or(0))
                    .to_owned(),
                last_visit: (row.last_visit != NO_VISIT)
                    .then(|| day::date(row.last_visit))
                    .flatten(),
                provider_key: (visits && row.provider != 0).then_some(row.provider),
                payer_key: (visits && row.payer != 0).then_some(row.payer),
                balance_cents: row.balance,
            }
        })
        .collect())
}

/// Compares two patients on one sort key; a patient without a value (no visit) sorts
/// last in either direction, where a reader expects the missing.
fn compare_on(ctx: &Ctx<'_>, key: OrderKey, a: &Keyed, b: &Keyed, as_of: u32) -> Ordering {
    let patients = ctx.patients;
    let at = |column: &[u32], p: u32| column.get(p as usize).copied().unwrap_or(0);
    let order = match key.column {
        ListColumn::BirthDate => {
            at(&patients.birth_ymd, a.patient).cmp(&at(&patients.birth_ymd, b.patient))
        }
        ListColumn::Age => day::age_years(at(&patients.birth_ymd, a.patient), as_of)
            .cmp(&day::age_years(at(&patients.birth_ymd, b.patient), as_of)),
        ListColumn::Sex => {
            let sex = |p: u32| patients.sex.get(p as usize).copied().unwrap_or(0);
            sex(a.patient).cmp(&sex(b.patient))
        }
        ListColumn::Zip => patients
            .zips
            .text(at(&patients.zip, a.patient))
            .cmp(patients.zips.text(at(&patients.zip, b.patient))),
        ListColumn::Zip3 => patients
            .zip3s
            .text(at(&patients.zip3, a.patient))
            .cmp(patients.zip3s.text(at(&patients.zip3, b.patient))),
        ListColumn::LastVisit => match (a.last_visit == NO_VISIT, b.last_visit == NO_VISIT) {
            (true, true) => Ordering::Equal,
            (true, false) => return Ordering::Greater,
            (false, true) => return Ordering::Less,
            (false, false) => a.last_visit.cmp(&b.last_visit),
        },
        ListColumn::Balance => a.balance.cmp(&b.balance),
        // Refused by the parser; kept neutral rather than a panic.
        ListColumn::Mrn | ListColumn::Name | ListColumn::Provider | ListColumn::Payer => {
            Ordering::Equal
        }
    };
    if key.descending {
        order.reverse()
    } else {
        order
    }
}

/// Refuses a count query handed to the list entry point.
pub(crate) fn not_a_list() -> Error {
    Error::Unanswerable("this query counts; write `list patients ...` to list patients".into())
}
