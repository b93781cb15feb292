//! The researcher's page (`/research/extracts`, permission `read-deidentified`): a
//! de-identified extract of every current patient as `disclosures::research_extract` makes
//! it (Safe Harbor with dates to the year or shifted by a secret offset per patient; a
//! limited data set, which is PHI under an agreement, stays with the command line), the
//! k-anonymity report shown beside the data file to download and its SHA-256. Audited as an
//! export with the report, in the transaction that makes it.

use super::fields::{Labels, summary};
use super::forms::{PageForm, PageResult, check_token, html};
use super::layout::{Nav, field_error, nav, page, token_field};
use super::roi_intake::{Posted, value};
use crate::auth::Principal;
use crate::error::WebError;
use crate::state::AppState;
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine;
use disclosures::{Extract, ExtractOptions, Format, Method, Table};
use maud::{Markup, html};
use privacy::Action;

const LABELS: Labels = &[
    ("dates", "Dates"),
    ("k", "k"),
    ("quasi", "Quasi-identifiers"),
    ("format", "Format"),
    ("tables", "Other tables"),
];

/// The tables ticked on the form.
fn tables_of(posted: &Posted) -> (Vec<Table>, Vec<String>) {
    let mut tables = Vec::new();
    let mut unknown = Vec::new();
    for (_, name) in posted.iter().filter(|(n, _)| n == "tables") {
        match Table::parse(name) {
            Some(table) => tables.push(table),
            None => unknown.push(format!("\"{name}\" is not a table")),
        }
    }
    (tables, unknown)
}

const TITLE: &str = "De-identified research extract";

fn form(nav: &Nav, posted: &Posted, errors: &[(String, String)]) -> Markup {
    let dates = value(posted, "dates");
    let format = value(posted, "format");
    let k = match value(posted, "k") {
        "" => "5",
        typed => typed,
    };
    let (asked, _) = tables_of(posted);
    html! {
        p { "One row per current patient, de-identified by HIPAA Safe Harbor (45 CFR 164.514(b)(2)): names, addresses, numbers, contacts and free text removed; ages over 89 as 90+; ZIP codes to three digits (000 where 20,000 or fewer live). The extract is refused, or its small classes suppressed, unless every class over the quasi-identifiers holds at least k records." }
        (summary(LABELS, errors))
        form.grid method="post" action="/research/extracts" novalidate {
            (token_field(nav))
            label for="dates" { "Dates" }
            select #dates name="dates" {
                option value="years" selected[dates != "shifted"] { "to the year" }
                option value="shifted" selected[dates == "shifted"] { "shifted by a random offset per patient (1 to 365 days, kept by no one)" }
            }
            (field_error(errors, "dates"))
            label for="k" { "k (smallest class allowed)" }
            input #k name="k" value=(k) inputmode="numeric" maxlength="6";
            (field_error(errors, "k"))
            label for="quasi" { "Quasi-identifiers (columns, comma-separated; default age_band,sex,zip3)" }
            input #quasi name="quasi" value=(value(posted, "quasi")) maxlength="200";
            (field_error(errors, "quasi"))
            label { input #suppress type="checkbox" name="suppress" value="yes" checked[!value(posted, "suppress").is_empty()]; " Suppress the records of classes under k instead of refusing" }
            label for="format" { "Format" }
            select #format name="format" {
                option value="csv" selected[format != "ndjson"] { "CSV" }
                option value="ndjson" selected[format == "ndjson"] { "NDJSON" }
            }
            fieldset #tables {
                legend { "Other tables, a file each keyed by research id (coded columns only; dates as above)" }
                @for table in Table::ALL {
                    label { input type="checkbox" name="tables" value=(table.name()) checked[asked.contains(&table)]; " " (table.name()) }
                }
            }
            (field_error(errors, "tables"))
            button type="submit" { "Make the extract" }
        }
    }
}

fn options_of(posted: &Posted, seed: u64) -> Result<ExtractOptions, Vec<(String, String)>> {
    let mut errors = Vec::new();
    let method = match value(posted, "dates") {
        "" | "years" => Some(Method::SafeHarbor),
        "shifted" => Some(Method::ShiftedDates),
        other => {
            errors.push((
                "dates".to_owned(),
                format!("\"{other}\" is not years or shifted"),
            ));
            None
        }
    };
    let k = match value(posted, "k").trim() {
        "" => Some(5),
        text => match text.parse::<usize>() {
            Ok(k) if (1..=100_000).contains(&k) => Some(k),
            _ => {
                errors.push((
                    "k".to_owned(),
                    format!("\"{text}\" is not a whole number from 1 to 100000"),
                ));
                None
            }
        },
    };
    let format = match value(posted, "format") {
        "" => Some(Format::Csv),
        text => Format::parse(text).or_else(|| {
            errors.push((
                "format".to_owned(),
                format!("\"{text}\" is not csv or ndjson"),
            ));
            None
        }),
    };
    let (tables, unknown) = tables_of(posted);
    errors.extend(unknown.into_iter().map(|why| ("tables".to_owned(), why)));
    let (Some(method), Some(k), Some(format)) = (method, k, format) else {
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ExtractOptions {
        method,
        dua: None,
        k,
        quasi: value(posted, "quasi")
            .split(',')
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(str::to_owned)
            .collect(),
        suppress: !value(posted, "suppress").is_empty(),
        format,
        seed,
        tables,
    })
}

fn report(extract: &Extract) -> Markup {
    let r = &extract.report;
    let mime = match r.format {
        Format::Csv => "text/csv",
        Format::Ndjson => "application/x-ndjson",
    };
    let href = |data: &[u8]| {
        format!(
            "data:{mime};base64,{}",
            base64::engine::general_purpose::STANDARD.encode(data)
        )
    };
    html! {
        section #report {
            h2 { "The extract" }
            p { a #download href=(href(&extract.data)) download=(r.file) { "Download " (r.file) } " (" (r.records) " records, SHA-256 " code { (r.sha256) } ")" }
            @for (t, (name, data)) in r.tables.iter().zip(&extract.table_files) {
                p {
                    a.table-download href=(href(data)) download=(name) { "Download " (name) }
                    " (" (t.records) " rows, SHA-256 " code { (t.sha256) }
                    @if t.suppressed > 0 { "; " (t.suppressed) " of suppressed patients left out" }
                    @if t.free_text_dropped > 0 { "; " (t.free_text_dropped) " free-text results left out" }
                    ")"
                }
            }
            dl {
                dt { "Method" } dd { (r.method.name()) }
                dt { "As of" } dd { (r.as_of) }
                dt { "Columns" } dd { (r.columns.join(", ")) }
                dt { "k asked" } dd #k-asked { (r.k) }
                dt { "Quasi-identifiers" } dd { (r.quasi_identifiers.join(", ")) }
                dt { "Smallest class" } dd #smallest-class { (r.smallest_class) }
                dt { "Classes" } dd { (r.classes) }
                dt { "Classes under k (before suppression)" } dd { (r.n_classes_under_k) }
                dt { "Records suppressed" } dd #suppressed { (r.suppressed_records) }
                dt { "Removed" } dd { (r.removed.join("; ")) }
                dt { "Generalised" } dd { (r.generalised.join("; ")) }
            }
        }
    }
}

fn seed() -> Result<u64, WebError> {
    let mut bytes = [0u8; 8];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
        .map_err(|_| WebError::internal("no randomness for the extract"))?;
    Ok(u64::from_le_bytes(bytes))
}

/// `GET /research/extracts`: the form.
pub(crate) async fn show(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> PageResult {
    let nav = nav(&state, &principal);
    Ok(html(
        StatusCode::OK,
        page(TITLE, Some(&nav), form(&nav, &Vec::new(), &[])),
    ))
}

/// `POST /research/extracts`: the extract made and audited, its report and the data to
/// download; a refusal (a class under k, a column that is not one) is 422 naming it.
pub(crate) async fn make(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    PageForm(posted): PageForm<Posted>,
) -> PageResult {
    check_token(&state, &principal, value(&posted, "token"))?;
    let nav = nav(&state, &principal);
    let options = match options_of(&posted, seed()?) {
        Ok(options) => options,
        Err(errors) => {
            return Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                page(TITLE, Some(&nav), form(&nav, &posted, &errors)),
            ));
        }
    };
    let researcher = principal.clone();
    let made = state
        .blocking(move |state| {
            Ok(state.trail.write(&state.store, |audited| {
                let who = researcher.event(audited.now(), Action::Export);
                match disclosures::research_extract(audited, &who, &options) {
                    Ok(extract) => Ok(Ok(extract)),
                    Err(disclosures::Error::Refused(why)) => Ok(Err(why)),
                    Err(other) => Err(other.into()),
                }
            })?)
        })
        .await?;
    match made {
        Ok(extract) => Ok(html(
            StatusCode::OK,
            page(
                TITLE,
                Some(&nav),
                html! { (report(&extract)) (form(&nav, &posted, &[])) },
            ),
        )),
        Err(why) => {
            let field = if why.starts_with("--quasi") {
                "quasi"
            } else {
                "k"
            };
            let errors = vec![(
                field.to_owned(),
                why.replace("--quasi: ", "").replace(" (--suppress)", ""),
            )];
            Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                page(TITLE, Some(&nav), form(&nav, &posted, &errors)),
            ))
        }
    }
}
