//! Adding an insurance coverage from the card (payer, plan, member id, subscriber and
//! relationship, order, dates) and ending one, from the chart. What the text means, and
//! that a patient holds one coverage of each order at a time, is `records::CoverageEntry`
//! and `records::order_conflict`, checked in the same transaction as the write, which is
//! versioned and audited.

use super::fields::{Labels, input, problems, select, summary};
use super::forms::{PageForm, PageResult, check_token, html, version_of};
use super::layout::{Nav, nav, page, token_field};
use super::text::day;
use crate::auth::Principal;
use crate::error::WebError;
use crate::patients::parse_id;
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use privacy::{Action, DataCategory};
use records::{Coverage, CoverageEntry, Patient, PatientId, Payer, order_conflict};
use serde::Deserialize;
use store::Stored;

const LABELS: Labels = &[
    ("payer_id", "Payer"),
    ("plan_name", "Plan"),
    ("member_id", "Member id"),
    ("group_number", "Group number"),
    ("relationship", "Patient's relationship to the subscriber"),
    ("subscriber_name", "Subscriber's name"),
    ("coverage_order", "Order"),
    ("effective_start", "Covered from"),
    ("effective_end", "Covered until"),
];

const RELATIONSHIPS: &[(&str, &str)] = &[
    ("self_subscriber", "Self"),
    ("spouse", "Spouse"),
    ("child", "Child"),
    ("other", "Other"),
];
const ORDERS: &[(&str, &str)] = &[
    ("primary", "Primary"),
    ("secondary", "Secondary"),
    ("tertiary", "Tertiary"),
];

/// The form as posted.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct CoverageForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    payer_id: String,
    #[serde(default)]
    plan_name: String,
    #[serde(default)]
    member_id: String,
    #[serde(default)]
    group_number: String,
    #[serde(default)]
    subscriber_name: String,
    #[serde(default)]
    relationship: String,
    #[serde(default)]
    coverage_order: String,
    #[serde(default)]
    effective_start: String,
    #[serde(default)]
    effective_end: String,
}

impl CoverageForm {
    fn entry(&self) -> CoverageEntry {
        CoverageEntry {
            payer_id: self.payer_id.clone(),
            plan_name: self.plan_name.clone(),
            member_id: self.member_id.clone(),
            group_number: self.group_number.clone(),
            subscriber_name: self.subscriber_name.clone(),
            relationship: self.relationship.clone(),
            coverage_order: self.coverage_order.clone(),
            effective_start: self.effective_start.clone(),
            effective_end: self.effective_end.clone(),
        }
    }
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(value, words)| ((*value).to_owned(), (*words).to_owned()))
        .collect()
}

fn form(
    nav: &Nav,
    patient: i64,
    entry: &CoverageEntry,
    payers: &[Stored<Payer>],
    errors: &[(String, String)],
) -> Markup {
    let payers: Vec<(String, String)> = payers
        .iter()
        .map(|p| (p.meta.id.to_string(), p.record.name.clone()))
        .collect();
    html! {
        (summary(LABELS, errors))
        form.grid method="post" action={ "/patients/" (patient) "/coverages" } novalidate {
            (token_field(nav))
            (select(LABELS, "payer_id", &payers, &entry.payer_id, false, errors))
            (input(LABELS, "plan_name", "text", &entry.plan_name, false, errors))
            (input(LABELS, "member_id", "text", &entry.member_id, true, errors))
            (input(LABELS, "group_number", "text", &entry.group_number, false, errors))
            (select(LABELS, "relationship", &pairs(RELATIONSHIPS), &entry.relationship, false, errors))
            (input(LABELS, "subscriber_name", "text", &entry.subscriber_name, false, errors))
            (select(LABELS, "coverage_order", &pairs(ORDERS), &entry.coverage_order, false, errors))
            (input(LABELS, "effective_start", "date", &entry.effective_start, true, errors))
            (input(LABELS, "effective_end", "date", &entry.effective_end, false, errors))
            p.note { "The subscriber's name is needed only when the patient is not the subscriber." }
            div.actions { button type="submit" { "Add coverage" } a href={ "/patients/" (patient) "#insurance" } { "Cancel" } }
        }
    }
}

fn payers(tx: &mut store::Tx<'_>) -> store::Result<Vec<Stored<Payer>>> {
    tx.select::<Payer>("1 = 1", &[], "name", 1000)
}

fn title_of(patient: &Stored<Patient>) -> String {
    format!("Add insurance for {}", patient.record.display_name())
}

/// `GET /patients/{id}/coverages/new`: the blank form, covered from today.
pub(crate) async fn new_form(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    let (patient, payers) = state
        .blocking(move |state| {
            Ok(state
                .store
                .read(|tx| Ok((tx.get::<Patient>(id)?, payers(tx)?)))?)
        })
        .await?;
    let nav = nav(&state, &principal);
    let entry = CoverageEntry {
        relationship: "self_subscriber".into(),
        coverage_order: "primary".into(),
        effective_start: day(state.store.clock().now().date()),
        ..CoverageEntry::default()
    };
    let body = form(&nav, id, &entry, &payers, &[]);
    Ok(html(
        StatusCode::OK,
        page(&title_of(&patient), Some(&nav), body),
    ))
}

/// `POST /patients/{id}/coverages`: adds the coverage unless the patient holds another of
/// its order on one of its days; or shows every problem with what was typed.
pub(crate) async fn create(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(posted): PageForm<CoverageForm>,
) -> PageResult {
    check_token(&state, &principal, &posted.token)?;
    let id = parse_id(&id)?;
    let entry = posted.entry();
    let writer = principal.clone();
    let (refused, patient, payers) = state
        .blocking(move |state| {
            let (patient, payers) = state
                .store
                .read(|tx| Ok((tx.get::<Patient>(id)?, payers(tx)?)))?;
            let coverage = match entry.coverage(PatientId(id)) {
                Ok(coverage) => coverage,
                Err(errors) => return Ok((problems(errors), patient, payers)),
            };
            let refused = state.trail.write(&state.store, |audited| {
                let mut records = audited.records();
                if !payers.iter().any(|p| p.meta.id == coverage.payer_id.0) {
                    return Ok(vec![(
                        "payer_id".to_owned(),
                        "choose a payer on file".to_owned(),
                    )]);
                }
                let held: Vec<Coverage> = records
                    .for_patient::<Coverage>(id)?
                    .into_iter()
                    .map(|c| c.record)
                    .collect();
                if let Some(conflict) = order_conflict(&coverage, &held) {
                    return Ok(vec![("coverage_order".to_owned(), conflict)]);
                }
                let actor = store::Actor::new(format!("user:{}", writer.username));
                let stored = records.create(&actor, &coverage)?;
                let event = writer
                    .event(audited.now(), Action::Create)
                    .patient(PatientId(id))
                    .record("coverage", stored.meta.id)
                    .categories(&[DataCategory::Insurance]);
                audited.append(&event)?;
                Ok(Vec::new())
            })?;
            Ok((refused, patient, payers))
        })
        .await?;
    if refused.is_empty() {
        return Ok(Redirect::to(&format!("/patients/{id}#insurance")).into_response());
    }
    let nav = nav(&state, &principal);
    let body = form(&nav, id, &posted.entry(), &payers, &refused);
    Ok(html(
        StatusCode::UNPROCESSABLE_ENTITY,
        page(&title_of(&patient), Some(&nav), body),
    ))
}

/// The end form beside a coverage in force, on the chart: its last covered day.
pub(crate) fn end_form(token: &str, coverage: &Stored<Coverage>, today: time::Date) -> Markup {
    let id = coverage.meta.id;
    html! {
        details.inline {
            summary { "End" }
            form.inline method="post" action={ "/coverages/" (id) "/end" } {
                input type="hidden" name="token" value=(token);
                input type="hidden" name="version" value=(coverage.meta.version);
                label for={ "last-day-" (id) } { "Last covered day" }
                input id={ "last-day-" (id) } name="last_day" type="date" value=(day(today)) required;
                button type="submit" { "End coverage" }
            }
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct EndForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    last_day: String,
}

/// `POST /coverages/{id}/end`: the coverage ends on the day given, versioned and audited.
pub(crate) async fn end(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(posted): PageForm<EndForm>,
) -> PageResult {
    check_token(&state, &principal, &posted.token)?;
    let id = parse_id(&id)?;
    let version = version_of(&posted.version)?;
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let last_day = time::Date::parse(posted.last_day.trim(), format).map_err(|_| {
        WebError::bad(
            "Last covered day",
            format!("\"{}\" is not a date (YYYY-MM-DD)", posted.last_day.trim()),
        )
    })?;
    let patient = state
        .blocking(move |state| {
            Ok(state.trail.write(&state.store, |audited| {
                let mut records = audited.records();
                let current = records.get::<Coverage>(id)?;
                let patient = current.record.patient_id.0;
                let ended =
                    current
                        .record
                        .ended(last_day)
                        .map_err(|errors| store::Error::Invalid {
                            kind: "coverage",
                            errors,
                        })?;
                let actor = store::Actor::new(format!("user:{}", principal.username));
                records.update(&actor, id, version, &ended)?;
                let event = principal
                    .event(audited.now(), Action::Update)
                    .patient(PatientId(patient))
                    .record("coverage", id)
                    .categories(&[DataCategory::Insurance])
                    .reason("coverage ended");
                audited.append(&event)?;
                Ok(patient)
            })?)
        })
        .await?;
    Ok(Redirect::to(&format!("/patients/{patient}#insurance")).into_response())
}
