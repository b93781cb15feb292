//! Population questions over the API: `POST /api/query` runs a query (text or a saved
//! query's name) on the in-memory engine derived from the store.
//!
//! Invariants:
//! - The engine is built once and refreshed from the store before every run, so an answer
//!   reflects every write committed before the request.
//! - A user who may see aggregates but no patient-level data (the public-health role) gets
//!   every count under 11 suppressed (`PUBLIC_HEALTH_MIN_CELL`).
//! - Every run is audited (the query's normal form as the reason, the data categories it
//!   reads) before the answer leaves.
//! - A user with patient-level access may count only categories their roles may read
//!   (`categories_of`); a refusal is audited as denied.
//! - The query text travels in the body, never in the URL.
//! - A patient list (`list patients ...`) is refused to aggregate-only roles; for the
//!   others every column's data category must be one their roles may read, and the
//!   audit entry names every patient listed (a disclosure of those columns to that
//!   user) before the list leaves.

use crate::auth::Principal;
use crate::body::JsonBody;
use crate::error::WebError;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use privacy::{Action, DataCategory, Permission};
use serde::Deserialize;
use serde_json::{Value, json};

/// The engine and where it stands with the store; built on first use.
pub type Population = std::sync::Mutex<Option<(query::Engine, reports::Sync)>>;

/// The data categories a query reads, each with the event test that reads it (`None` for
/// demographics, which every query reads: ages, sex, ZIP, who exists). A user with
/// patient-level access must hold each one's read permission (billing cannot count
/// results, a front-desk clerk cannot count diagnoses); aggregate-only roles may ask
/// anything and get small cells withheld.
fn reads_of(query: &query::ast::Query) -> Vec<(DataCategory, Option<query::EventKind>)> {
    use query::ast::{Expr, Measure, Subject};
    fn walk(expr: &Expr, kinds: &mut Vec<query::EventKind>) {
        match expr {
            Expr::And(parts) | Expr::Or(parts) => parts.iter().for_each(|p| walk(p, kinds)),
            Expr::Not(inner) => walk(inner, kinds),
            Expr::Has(kind, conditions) => {
                kinds.push(*kind);
                conditions.iter().for_each(|c| walk(c, kinds));
            }
            // An encounter's notes are notes data, as a patient's are.
            Expr::HasNote(conditions) => {
                kinds.push(query::EventKind::Note);
                conditions.iter().for_each(|c| walk(c, kinds));
            }
            Expr::Deceased | Expr::Cond(_) => {}
        }
    }
    let mut kinds = Vec::new();
    match query.subject {
        Subject::Events(kind) => kinds.push(kind),
        Subject::Balances => kinds.push(query::EventKind::ArItem),
        Subject::Patients => {}
    }
    if let Some(filter) = &query.filter {
        walk(filter, &mut kinds);
    }
    for spec in &query.measures {
        if let Measure::PatientsWhere(expr) = &spec.measure {
            walk(expr, &mut kinds);
        }
    }
    let mut reads = vec![(DataCategory::Demographics, None)];
    for kind in kinds {
        let category = match kind {
            query::EventKind::Immunization => DataCategory::Immunizations,
            query::EventKind::Diagnosis => DataCategory::Diagnoses,
            query::EventKind::Procedure => DataCategory::Procedures,
            query::EventKind::Observation => DataCategory::Results,
            query::EventKind::Encounter => DataCategory::Encounters,
            query::EventKind::ArItem => DataCategory::Billing,
            query::EventKind::Note => DataCategory::Notes,
        };
        if !reads.iter().any(|(c, _)| *c == category) {
            reads.push((category, Some(kind)));
        }
    }
    reads
}

/// The payer word a query groups or filters by, if any (`payer`, `financial_class`):
/// who pays for a patient's care is insurance data, read with its own permission as a
/// list's `payer` column is.
fn payer_word(query: &query::ast::Query) -> Option<&'static str> {
    use query::ast::{Dimension, Expr, Field, Measure};
    fn walk(expr: &Expr) -> Option<&'static str> {
        match expr {
            Expr::And(parts) | Expr::Or(parts) | Expr::Has(_, parts) | Expr::HasNote(parts) => {
                parts.iter().find_map(walk)
            }
            Expr::Not(inner) => walk(inner),
            Expr::Cond(cond) => match cond.field {
                Field::Payer => Some("payer"),
                Field::FinancialClass => Some("financial_class"),
                _ => None,
            },
            Expr::Deceased => None,
        }
    }
    let grouped = query.group_by.iter().find_map(|dimension| match dimension {
        Dimension::Payer => Some("payer"),
        Dimension::FinancialClass => Some("financial_class"),
        _ => None,
    });
    grouped
        .or_else(|| query.filter.as_ref().and_then(walk))
        .or_else(|| {
            query.measures.iter().find_map(|spec| match &spec.measure {
                Measure::PatientsWhere(expr) => walk(expr),
                _ => None,
            })
        })
}

/// The data category a list column shows.
fn column_category(column: query::ast::ListColumn) -> DataCategory {
    use query::ast::ListColumn;
    match column {
        ListColumn::Mrn
        | ListColumn::Name
        | ListColumn::BirthDate
        | ListColumn::Age
        | ListColumn::Sex
        | ListColumn::Zip
        | ListColumn::Zip3 => DataCategory::Demographics,
        ListColumn::LastVisit | ListColumn::Provider => DataCategory::Encounters,
        ListColumn::Payer => DataCategory::Insurance,
        ListColumn::Balance => DataCategory::Billing,
    }
}

/// The words a query writes for an event test, as a person typed it.
fn test_words(kind: query::EventKind) -> &'static str {
    match kind {
        query::EventKind::Immunization => "immunization(…)",
        query::EventKind::Diagnosis => "diagnosis(…)",
        query::EventKind::Procedure => "procedure(…)",
        query::EventKind::Observation => "observation(…)",
        query::EventKind::Encounter => "encounter(…)",
        query::EventKind::ArItem => "balance(…)",
        query::EventKind::Note => "note(…)",
    }
}

/// The words naming the notes a query reads: `has_note(…)` when only an encounter's own
/// notes are asked of, so a refusal names what the person wrote.
fn note_words(query: &query::ast::Query) -> &'static str {
    use query::ast::{Expr, Measure, Subject};
    fn patient_notes(expr: &Expr) -> bool {
        match expr {
            Expr::And(parts) | Expr::Or(parts) | Expr::HasNote(parts) => {
                parts.iter().any(patient_notes)
            }
            Expr::Has(kind, parts) => {
                *kind == query::EventKind::Note || parts.iter().any(patient_notes)
            }
            Expr::Not(inner) => patient_notes(inner),
            Expr::Deceased | Expr::Cond(_) => false,
        }
    }
    let subject = query.subject == Subject::Events(query::EventKind::Note);
    let filters = query.filter.iter().any(patient_notes)
        || query.measures.iter().any(|spec| match &spec.measure {
            Measure::PatientsWhere(expr) => patient_notes(expr),
            _ => false,
        });
    if subject || filters {
        "note(…)"
    } else {
        "has_note(…)"
    }
}

/// A population query request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct QueryBody {
    /// Query text, or the name of a saved query.
    #[schema(schema_with = crate::api_schema::said, required = true)]
    text: String,
}

fn cell_json(cell: &query::Cell) -> Value {
    match cell {
        query::Cell::Text(text) => json!(text.as_ref()),
        query::Cell::Int(n) => json!(n),
        query::Cell::Number(x) => json!(x),
        query::Cell::Suppressed => json!("<11"),
    }
}

/// `POST /api/query`: runs a population query.
pub async fn run(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    JsonBody(body): JsonBody<QueryBody>,
) -> Result<Json<Value>, WebError> {
    let text = body.text.trim().to_owned();
    if text.is_empty() {
        return Err(WebError::bad("text", "is required"));
    }
    let answer = state
        .blocking(move |state| {
            let answer = run_query(state, &principal, &text, Action::Read)?;
            let rows: Vec<Vec<Value>> = answer
                .table
                .rows
                .iter()
                .map(|row| row.iter().map(cell_json).collect())
                .collect();
            let mut answer_json = json!({
                "query": answer.query,
                "columns": answer.table.columns,
                "rows": rows,
                "small_cells_suppressed": answer.suppressed,
            });
            if let Some(patients) = answer.patient_ids {
                answer_json["patients"] = json!(patients);
            }
            Ok(answer_json)
        })
        .await?;
    Ok(Json(answer))
}

/// A population query's answer.
pub(crate) struct Answer {
    /// The query in its normal form.
    pub query: String,
    /// The result.
    pub table: query::Table,
    /// Whether small cells were withheld (aggregate-only roles).
    pub suppressed: bool,
    /// For a patient list, the record id of each row's patient (the chart it links to).
    pub patient_ids: Option<Vec<i64>>,
}

/// Runs `text` (a query, or a saved query's name) for `principal` on the engine, brought
/// up to date with the store first; audited (as `action`: a read, or an export for CSV)
/// before the answer is returned. Call on the blocking pool.
pub(crate) fn run_query(
    state: &AppState,
    principal: &Principal,
    text: &str,
    action: Action,
) -> Result<Answer, WebError> {
    let text = match reports::saved::find(&state.store, text).map_err(WebError::internal)? {
        Some(saved) => saved.record.query_text,
        None => text.to_owned(),
    };
    let parsed = query::parse(&text).map_err(|e| WebError::bad("text", e.to_string()))?;
    let aggregate_only = !principal.allows(Permission::ReadDemographics);
    let mut reads = reads_of(&parsed);
    let columns = parsed.list.as_ref().map(|spec| spec.columns.clone());
    // A column's category joins the reads, named by its column when a filter did not
    // already bring it in, so a refusal says which column needs what.
    let mut column_of: Vec<(DataCategory, query::ast::ListColumn)> = Vec::new();
    for column in columns.iter().flatten() {
        let category = column_category(*column);
        if !reads.iter().any(|(c, _)| *c == category) {
            reads.push((category, None));
            column_of.push((category, *column));
        }
    }
    let payer = payer_word(&parsed);
    if payer.is_some() && !reads.iter().any(|(c, _)| *c == DataCategory::Insurance) {
        reads.push((DataCategory::Insurance, None));
    }
    let categories: Vec<DataCategory> = reads.iter().map(|(category, _)| *category).collect();
    let refuse = |reason: String, shown: String| -> Result<Answer, WebError> {
        let event = principal
            .event(state.store.clock().now(), action)
            .outcome(privacy::Outcome::Denied)
            .categories(&categories)
            .reason(&reason);
        state.trail.record(&state.store, &event)?;
        Err(WebError::Forbidden(shown))
    };
    if aggregate_only && columns.is_some() {
        let reason = "a list of patients needs read-demographics; aggregate-only roles get counts"
            .to_owned();
        let shown = format!(
            "your roles ({}) see counts only, never lists of patients: write `count patients ...` instead",
            principal.roles.to_list()
        );
        return refuse(reason, shown);
    }
    if !aggregate_only
        && let Some((missing, test)) = reads
            .iter()
            .find(|(c, _)| !principal.allows(c.read_permission()))
    {
        let what = match (test, column_of.iter().find(|(c, _)| c == missing), payer) {
            (Some(query::EventKind::Note), _, _) => format!("the {} filter ", note_words(&parsed)),
            (Some(kind), _, _) => format!("the {} filter ", test_words(*kind)),
            (None, Some((_, column)), _) => format!("the `{}` column ", column.word()),
            (None, None, Some(word)) if *missing == DataCategory::Insurance => {
                format!("`{word}` ")
            }
            (None, None, _) => String::new(),
        };
        let reason = format!(
            "{what}reads {missing}, which needs {}",
            missing.read_permission()
        );
        let shown = format!(
            "{reason}; your roles ({}) do not include it",
            principal.roles.to_list()
        );
        return refuse(reason, shown);
    }
    let mut population = state
        .population
        .lock()
        .map_err(|_| WebError::internal("population engine lock poisoned"))?;
    match population.as_mut() {
        Some((engine, sync)) => {
            sync.refresh(&state.store, engine)
                .map_err(WebError::internal)?;
        }
        None => *population = Some(reports::load(&state.store).map_err(WebError::internal)?),
    }
    let (engine, _) = population
        .as_ref()
        .ok_or_else(|| WebError::internal("population engine missing"))?;
    if parsed.list.is_some() {
        let list =
            reports::list::run(&state.store, engine, &parsed, None).map_err(|e| match e {
                reports::Error::Query(e) => WebError::bad("text", e.to_string()),
                other => WebError::internal(other),
            })?;
        drop(population);
        // One entry names every patient listed: each is a disclosure of the columns
        // shown to this user, found by any of those patients' audit reports.
        let listed: Vec<records::PatientId> = list
            .patient_ids
            .iter()
            .map(|&id| records::PatientId(id))
            .collect();
        let event = principal
            .event(state.store.clock().now(), action)
            .categories(&categories)
            .patients(&listed)
            .reason(&format!(
                "patient list ({} patients): {parsed}",
                listed.len()
            ));
        state.trail.record(&state.store, &event)?;
        return Ok(Answer {
            query: parsed.to_string(),
            table: list.table,
            suppressed: false,
            patient_ids: Some(list.patient_ids),
        });
    }
    let mut table = engine
        .run(&parsed)
        .map_err(|e| WebError::bad("text", e.to_string()))?;
    drop(population);
    let suppressed = aggregate_only;
    if suppressed {
        table.suppress_small_cells(query::PUBLIC_HEALTH_MIN_CELL);
    }
    let event = principal
        .event(state.store.clock().now(), action)
        .categories(&categories)
        .reason(&format!("population query: {parsed}"));
    state.trail.record(&state.store, &event)?;
    Ok(Answer {
        query: parsed.to_string(),
        table,
        suppressed,
        patient_ids: None,
    })
}
