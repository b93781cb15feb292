//! Answers a parsed query against the engine's columns.
//!
//! Plan, the same for every query: compile the patient-level filter parts into patient
//! sets; compile the row-level parts into a `RowPred`; scan the subject (patients, one
//! event table, or open A/R items aggregated per patient) chunk by chunk; group; merge.

mod dims;
mod filter;
mod group;
pub(crate) mod list;
pub(crate) mod parallel;

use crate::bitset::PatientSet;
use crate::day;
use crate::error::Result;
use crate::events::{EventKind, EventTable, Row};
use crate::lang::ast::{Measure, Query, Subject};
use crate::patients::Patients;
use crate::table::{Cell, ColumnKind, Table};

use dims::{DimEval, Span};
use filter::{Compiled, Ctx, RowPred, patient_set, row_pred};
use group::{GroupRow, Groups, MeasureEval};

/// Lists the patients `query` keeps (a `list patients` query), only those in `within`
/// when given.
pub(crate) fn list_patients(
    patients: &Patients,
    tables: &[EventTable],
    query: &Query,
    within: Option<&PatientSet>,
) -> Result<Vec<list::ListedPatient>> {
    let ctx = Ctx {
        patients,
        tables,
        as_of_day: query.as_of.map(day::day),
        as_of_ymd: query.as_of.map(day::ymd),
    };
    let spec = query.list.as_ref().ok_or_else(list::not_a_list)?;
    list::run(&ctx, query, spec, within)
}

/// Runs `query` over the given columns, counting only patients in `within` when given
/// (the caller's row-level permission: the patients a role may see).
pub(crate) fn run(
    patients: &Patients,
    tables: &[EventTable],
    query: &Query,
    within: Option<&PatientSet>,
) -> Result<Table> {
    if query.list.is_some() {
        return Err(crate::error::Error::Unanswerable(
            "a list of patients is not a table of counts; it is answered by Engine::list".into(),
        ));
    }
    let ctx = Ctx {
        patients,
        tables,
        as_of_day: query.as_of.map(day::day),
        as_of_ymd: query.as_of.map(day::ymd),
    };
    // Event subjects compile their row filter first: its date window, cut with the
    // table's date range, bounds time groupings so they index dense arrays.
    let (event_pred, span) = match query.subject {
        Subject::Events(kind) => {
            let table = ctx.table(kind)?;
            let mut preds = Vec::new();
            if let Some(within) = within {
                preds.push(RowPred::Patient(within.clone()));
            }
            if let Some(expr) = &query.filter {
                preds.push(row_pred(&ctx, table, expr)?);
            }
            let pred = Compiled::new(RowPred::All(preds));
            let table_span = table.date_span();
            let (table_lo, table_hi) = table_span.unwrap_or((0, 0));
            let (filter_lo, filter_hi) = pred.date_window();
            let asked = match table_span {
                Some((table_lo, table_hi)) => (
                    if filter_lo == i32::MIN {
                        table_lo
                    } else {
                        filter_lo
                    },
                    if filter_hi == i32::MAX {
                        table_hi
                    } else {
                        filter_hi
                    },
                ),
                None if filter_lo != i32::MIN && filter_hi != i32::MAX => (filter_lo, filter_hi),
                None => (1, 0),
            };
            (
                Some(pred),
                Span {
                    rows: (table_lo.max(filter_lo), table_hi.min(filter_hi)),
                    asked,
                },
            )
        }
        Subject::Patients | Subject::Balances => (
            None,
            Span {
                rows: (0, 0),
                asked: (1, 0),
            },
        ),
    };
    let dims: Vec<DimEval> = query
        .group_by
        .iter()
        .map(|d| DimEval::compile(&ctx, d, &span))
        .collect::<Result<_>>()?;
    let default = match query.subject {
        Subject::Events(_) => Measure::Count,
        Subject::Patients | Subject::Balances => Measure::Patients,
    };
    let measures: Vec<MeasureEval> = if query.measures.is_empty() {
        vec![MeasureEval::compile(
            &ctx,
            &crate::lang::ast::MeasureSpec {
                measure: default.clone(),
                name: None,
            },
            query.subject,
        )?]
    } else {
        query
            .measures
            .iter()
            .map(|spec| MeasureEval::compile(&ctx, spec, query.subject))
            .collect::<Result<_>>()?
    };
    let default_name = default.to_string();
    let universe = patients.live.universe();
    let kind = match query.subject {
        Subject::Events(kind) => Some(kind),
        Subject::Balances => Some(EventKind::ArItem),
        Subject::Patients => None,
    };
    let new_groups = || Groups::new(&ctx, kind, &dims, &measures);
    let parts: Vec<Groups> = match query.subject {
        Subject::Patients => {
            let mut set = match &query.filter {
                Some(expr) => patient_set(&ctx, expr)?,
                None => patients.live.clone(),
            };
            if let Some(within) = within {
                set.and_with(within);
            }
            if dims.is_empty() {
                return Ok(patient_totals(
                    &set,
                    &measures,
                    &query.measures,
                    &default_name,
                    &ctx,
                ));
            }
            // Dense groups over patient columns: each patient's slot comes from a
            // precomputed array, so the loop below is a load and a counter update.
            let slots = new_groups().patient_slots(&ctx, &dims);
            parallel::map_chunks(universe, |lo, hi| {
                let mut groups = new_groups();
                // One row value reused for every patient: only the ordinal changes.
                let mut group_row = GroupRow {
                    n: 1,
                    ..GroupRow::default()
                };
                for patient in set.iter_range(lo, hi) {
                    group_row.row.patient = patient;
                    match &slots {
                        Some(slots) => match slots.get(patient as usize) {
                            Some(&slot) if slot != u32::MAX => {
                                groups.add_at(slot as usize, &ctx, &measures, &group_row)
                            }
                            _ => {}
                        },
                        None => groups.add(&ctx, &dims, &measures, &group_row),
                    }
                }
                groups
            })
        }
        Subject::Events(kind) => {
            let table = ctx.table(kind)?;
            let pred = event_pred.unwrap_or_else(|| Compiled::new(RowPred::True));
            parallel::map_chunks(universe, |lo, hi| {
                let mut groups = new_groups();
                table.scan(
                    lo,
                    hi,
                    &|row| pred.test(row),
                    &|row| pred.test(row),
                    &mut |row: &Row| {
                        let group_row = GroupRow {
                            row: *row,
                            n: 1,
                            ..GroupRow::default()
                        };
                        groups.add(&ctx, &dims, &measures, &group_row);
                    },
                );
                groups
            })
        }
        Subject::Balances => {
            let table = ctx.table(EventKind::ArItem)?;
            let mut preds = vec![RowPred::open_only()];
            if let Some(within) = within {
                preds.push(RowPred::Patient(within.clone()));
            }
            if let Some(expr) = &query.filter {
                preds.push(row_pred(&ctx, table, expr)?);
            }
            let pred = Compiled::new(RowPred::All(preds));
            let as_of = ctx.as_of_day.unwrap_or(0);
            // Grouped by payer or financial class, a patient's items aggregate per payer
            // (and class): each payer's share, aged by its own oldest item.
            let by_payer = dims
                .iter()
                .any(|dim| matches!(dim, DimEval::Payer | DimEval::FinancialClass));
            parallel::map_chunks(universe, |lo, hi| {
                let mut groups = new_groups();
                if by_payer {
                    // The current patient's aggregates, one per payer and class.
                    let mut current: Vec<GroupRow> = Vec::new();
                    table.scan(
                        lo,
                        hi,
                        &|row| pred.test(row),
                        &|row| pred.test(row),
                        &mut |row: &Row| {
                            let days_past_due = i64::from(as_of) - i64::from(row.date);
                            if current
                                .first()
                                .is_some_and(|acc| acc.row.patient != row.patient)
                            {
                                for done in current.drain(..) {
                                    groups.add(&ctx, &dims, &measures, &done);
                                }
                            }
                            match current.iter_mut().find(|acc| {
                                acc.row.payer == row.payer && acc.row.status == row.status
                            }) {
                                Some(acc) => fold_item(acc, row, days_past_due),
                                None => current.push(first_item(row, days_past_due)),
                            }
                        },
                    );
                    for done in current {
                        groups.add(&ctx, &dims, &measures, &done);
                    }
                } else {
                    // One aggregate per patient: no search, which Q2's scan feels.
                    let mut current: Option<GroupRow> = None;
                    table.scan(
                        lo,
                        hi,
                        &|row| pred.test(row),
                        &|row| pred.test(row),
                        &mut |row: &Row| {
                            let days_past_due = i64::from(as_of) - i64::from(row.date);
                            match &mut current {
                                Some(acc) if acc.row.patient == row.patient => {
                                    fold_item(acc, row, days_past_due)
                                }
                                _ => {
                                    if let Some(done) =
                                        current.replace(first_item(row, days_past_due))
                                    {
                                        groups.add(&ctx, &dims, &measures, &done);
                                    }
                                }
                            }
                        },
                    );
                    if let Some(done) = current {
                        groups.add(&ctx, &dims, &measures, &done);
                    }
                }
                groups
            })
        }
    };
    let mut parts = parts.into_iter();
    let mut total = parts.next().unwrap_or_else(new_groups);
    for part in parts {
        total.merge(part);
    }
    let mut table = total.into_table(
        &ctx,
        kind,
        &dims,
        &query.group_by,
        &measures,
        &query.measures,
        &default_name,
    );
    if dims.is_empty() && table.rows.is_empty() {
        // An ungrouped count of nothing is one row of zeros, not an empty table.
        table.rows.push(
            measures
                .iter()
                .map(|m| {
                    if matches!(
                        m,
                        MeasureEval::Patients
                            | MeasureEval::PatientsWhere(_)
                            | MeasureEval::Count
                            | MeasureEval::Rows
                    ) {
                        Cell::Int(0)
                    } else {
                        Cell::Number(0.0)
                    }
                })
                .collect(),
        );
    }
    Ok(table)
}

/// A balance aggregate's first open item.
#[inline]
fn first_item(row: &Row, days_past_due: i64) -> GroupRow {
    GroupRow {
        row: *row,
        n: 1,
        open: row.amount.saturating_sub(row.paid),
        amount: row.amount,
        paid: row.paid,
        days_past_due,
    }
}

/// Adds an open item to a balance aggregate. Saturating: sums of cents cannot overflow
/// in practice, and a wrong total beats a panic if one did.
#[inline]
fn fold_item(acc: &mut GroupRow, row: &Row, days_past_due: i64) {
    acc.n += 1;
    acc.open = acc.open.saturating_add(row.amount.saturating_sub(row.paid));
    acc.amount = acc.amount.saturating_add(row.amount);
    acc.paid = acc.paid.saturating_add(row.paid);
    acc.days_past_due = acc.days_past_due.max(days_past_due);
}

/// Ungrouped patient counts straight from the filter set's popcount.
fn patient_totals(
    set: &PatientSet,
    measures: &[MeasureEval],
    specs: &[crate::lang::ast::MeasureSpec],
    default_name: &str,
    ctx: &Ctx<'_>,
) -> Table {
    let mut columns = Vec::new();
    let mut kinds = Vec::new();
    let mut row = Vec::new();
    let n = set.count() as i64;
    for (idx, measure) in measures.iter().enumerate() {
        columns.push(specs.get(idx).map_or_else(
            || default_name.to_owned(),
            |spec| {
                spec.name
                    .clone()
                    .unwrap_or_else(|| spec.measure.to_string())
            },
        ));
        let (cell, kind) = match measure {
            MeasureEval::Patients | MeasureEval::Count | MeasureEval::Rows => {
                (Cell::Int(n), ColumnKind::Count)
            }
            MeasureEval::PatientsWhere(extra) => {
                let mut both = set.clone();
                both.and_with(extra);
                (Cell::Int(both.count() as i64), ColumnKind::Count)
            }
            MeasureEval::SumInt(_) | MeasureEval::AvgInt(_) => {
                let as_of = ctx.as_of_ymd.unwrap_or(0);
                let sum: i64 = set
                    .iter()
                    .map(|p| {
                        i64::from(day::age_years(
                            ctx.patients.birth_ymd.get(p as usize).copied().unwrap_or(0),
                            as_of,
                        ))
                    })
                    .sum();
                if matches!(measure, MeasureEval::SumInt(_)) {
                    (Cell::Int(sum), ColumnKind::Amount)
                } else {
                    (
                        Cell::Number(if n == 0 { 0.0 } else { sum as f64 / n as f64 }),
                        ColumnKind::Amount,
                    )
                }
            }
            MeasureEval::SumFloat | MeasureEval::AvgFloat => {
                (Cell::Number(0.0), ColumnKind::Amount)
            }
        };
        row.push(cell);
        kinds.push(kind);
    }
    Table {
        columns,
        kinds,
        rows: vec![row],
    }
}
