//! The ICD-10-CM encoder on the web: a statement in, the codes out with the Index path, the
//! Tabular checks and the notes applied (each with its source), and every open question
//! as a small form whose choices are the only answers. `/codes/encode` stands alone
//! (reference data); the diagnosis form uses the same view with the encounter's date and
//! patient, and an "Add" button per code (see `diagnosis_form`).
//!
//! Invariants: answers travel in the page as `QUESTION=VALUE` pairs separated by `;`, so a
//! question answered stays answered on the next step; a bad pair is a 422 naming the field.

use super::forms::{PageForm, PageResult, check_token, html};
use super::layout::{Nav, field_error, nav, page, token_field};
use crate::auth::Principal;
use crate::codes_api::MAX_STATEMENT;
use crate::state::AppState;
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use codes::{CodingEdit, EncodedCode, Encoding, Step};
use maud::{Markup, html};
use serde::Deserialize;

/// Reads the answers carried in the page plus the one just picked.
pub(crate) fn parse_answers(
    carried: &str,
    picked: &str,
    errors: &mut Vec<(String, String)>,
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (field, text) in [("answers", carried), ("answer", picked)] {
        for pair in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some((q, v)) if !q.trim().is_empty() && !v.trim().is_empty() => {
                    let (q, v) = (q.trim().to_owned(), v.trim().to_owned());
                    out.retain(|(seen, _)| *seen != q);
                    out.push((q, v));
                }
                _ => errors.push((
                    field.to_owned(),
                    format!("\"{pair}\" is not QUESTION=VALUE"),
                )),
            }
        }
    }
    out
}

/// The answers as the page carries them.
pub(crate) fn answers_text(answers: &[(String, String)]) -> String {
    answers
        .iter()
        .map(|(q, v)| format!("{q}={v}"))
        .collect::<Vec<_>>()
        .join(";")
}

/// Checks the statement field.
pub(crate) fn check_statement(text: &str, errors: &mut Vec<(String, String)>) {
    if text.trim().is_empty() {
        errors.push((
            "statement".to_owned(),
            "write the diagnostic statement".to_owned(),
        ));
    } else if text.len() > MAX_STATEMENT {
        errors.push((
            "statement".to_owned(),
            format!("is {} bytes; at most {MAX_STATEMENT}", text.len()),
        ));
    }
}

/// Where a question's form posts and what it carries besides the answers.
pub(crate) struct Again<'a> {
    /// The form's action.
    pub action: String,
    /// Hidden fields repeated from the form that asked (statement, date, encounter).
    pub hidden: Vec<(&'a str, String)>,
    /// The answers so far.
    pub answers: &'a [(String, String)],
}

/// What a page puts beside each code the encoder gives (a button adding it).
pub(crate) type AddButton<'a> = dyn Fn(usize, &EncodedCode) -> Markup + 'a;

/// The encoder's answer: codes (with `add` beside each, when given), questions, how it was
/// reached, age and sex edits, the nearest Index terms when there is no entry.
pub(crate) fn encoding_view(
    nav: &Nav,
    encoding: &Encoding,
    again: &Again<'_>,
    add: Option<&AddButton<'_>>,
) -> Markup {
    html! {
        section #encoding aria-live="polite" {
            h2 { "Codes for “" (encoding.statement) "” (" (encoding.release) ")" }
            @if encoding.codes.is_empty() {
                p.error role="status" { "No index entry for this statement." }
                @if !encoding.nearest.is_empty() {
                    p { "Nearest Index terms:" }
                    ul.nearest { @for n in &encoding.nearest { li { (n) } } }
                }
            } @else {
                table.results.encoded {
                    thead { tr { th { "#" } th { "Code" } th { "Title" } th { "Why" } @if add.is_some() { th { "Add" } } } }
                    tbody {
                        @for (i, c) in encoding.codes.iter().enumerate() {
                            tr {
                                td { (i + 1) }
                                td { code { (c.code) } @if !c.billable { " " span.muted { "(incomplete: answer below)" } } }
                                td { (c.title) }
                                td { (c.reason) }
                                @if let Some(add) = add { td { @if c.billable { (add(i, c)) } } }
                            }
                        }
                    }
                }
            }
            @for q in &encoding.questions {
                form.stack.question method="post" action=(again.action) {
                    (token_field(nav))
                    @for (name, value) in &again.hidden { input type="hidden" name=(name) value=(value); }
                    input type="hidden" name="answers" value=(answers_text(again.answers));
                    @let field = format!("answer-{}", q.id);
                    label for=(field) { (q.prompt) }
                    select id=(field) name="answer" {
                        @for c in &q.choices {
                            option value={ (q.id) "=" (c.value) } { (c.value) " · " (c.code) " " (c.label) }
                        }
                    }
                    button type="submit" { "Answer" }
                }
            }
            @if !encoding.edits.is_empty() {
                ul.edits { @for e in &encoding.edits { li.error { (e.message) " " span.muted { "(" (e.source) ")" } } } }
            }
            (steps_view(&encoding.steps))
        }
    }
}

/// How an answer was reached (the encoder's or the PCS builder's), each step with its source.
pub(crate) fn steps_view(steps: &[Step]) -> Markup {
    html! {
        details.steps open {
            summary { "How: " (steps.len()) " steps" }
            table.results {
                thead { tr { th { "Step" } th { "What" } th { "Source" } } }
                tbody {
                    @for s in steps {
                        tr { td { (format!("{:?}", s.kind).to_lowercase()) } td { (s.text) } td { (s.source) } }
                    }
                }
            }
        }
    }
}

/// The coding edits as a list, each with its rule and source.
pub(crate) fn edits_view(title: &str, edits: &[CodingEdit]) -> Markup {
    html! {
        section.coding-edits {
            h2 { (title) }
            @if edits.is_empty() {
                p { "No coding edits." }
            } @else {
                ul.edits {
                    @for e in edits {
                        li class=(format!("{:?}", e.severity).to_lowercase()) {
                            strong { (format!("{:?}", e.severity)) } " [" code { (e.rule) } "] " (e.message)
                            " " span.muted { "(" (e.source) ")" }
                        }
                    }
                }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct EncodeForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    statement: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    sex: String,
    #[serde(default)]
    age: String,
    #[serde(default)]
    answers: String,
    #[serde(default)]
    answer: String,
}

const TITLE: &str = "Encode a diagnostic statement";

fn form_markup(nav: &Nav, form: &EncodeForm, errors: &[(String, String)]) -> Markup {
    html! {
        @if !errors.is_empty() {
            p.error role="alert" { "Nothing was encoded; see the fields below." }
        }
        form.stack.wide method="post" action="/codes/encode" {
            (token_field(nav))
            label for="statement" { "Diagnostic statement" }
            textarea #statement name="statement" rows="3" required
                placeholder="e.g. type 2 diabetes with diabetic chronic kidney disease stage 3" { (form.statement) }
            (field_error(errors, "statement"))
            label for="date" { "Date of service" }
            input #date name="date" type="date" value=(form.date);
            (field_error(errors, "date"))
            label for="sex" { "Sex" }
            select #sex name="sex" {
                @for (value, label) in [("", "—"), ("F", "Female"), ("M", "Male")] {
                    option value=(value) selected[form.sex == value] { (label) }
                }
            }
            (field_error(errors, "sex"))
            label for="age" { "Age in years" }
            input #age name="age" inputmode="numeric" value=(form.age);
            (field_error(errors, "age"))
            (field_error(errors, "answers"))
            (field_error(errors, "answer"))
            button type="submit" { "Encode" }
        }
    }
}

/// `GET /codes/encode`: the statement form.
pub(crate) async fn encode_page(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> PageResult {
    let nav = nav(&state, &principal);
    Ok(html(
        StatusCode::OK,
        page(
            TITLE,
            Some(&nav),
            form_markup(&nav, &EncodeForm::default(), &[]),
        ),
    ))
}

/// `POST /codes/encode`: the encoder's answer, questions as forms.
pub(crate) async fn encode(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    PageForm(form): PageForm<EncodeForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let nav = nav(&state, &principal);
    let mut errors = Vec::new();
    check_statement(&form.statement, &mut errors);
    let dos = match form.date.trim() {
        "" => Some(state.store.clock().now().date()),
        text => {
            let parsed = codes::parse_date(text);
            if parsed.is_none() {
                errors.push((
                    "date".to_owned(),
                    format!("\"{text}\" is not a date (YYYY-MM-DD)"),
                ));
            }
            parsed
        }
    };
    let sex = crate::codes_api::sex(Some(&form.sex))
        .map_err(|_| {
            errors.push(("sex".to_owned(), format!("\"{}\" is not F or M", form.sex)));
        })
        .ok()
        .flatten();
    let age = match form.age.trim() {
        "" => None,
        text => match text.parse::<u16>() {
            Ok(age) if age <= 124 => Some(age),
            _ => {
                errors.push((
                    "age".to_owned(),
                    format!("\"{text}\" is not an age in years (0 to 124)"),
                ));
                None
            }
        },
    };
    let answers = parse_answers(&form.answers, &form.answer, &mut errors);
    let (Some(dos), true) = (dos, errors.is_empty()) else {
        return Ok(html(
            StatusCode::UNPROCESSABLE_ENTITY,
            page(TITLE, Some(&nav), form_markup(&nav, &form, &errors)),
        ));
    };
    let req = codes::EncodeRequest {
        statement: form.statement.trim().to_owned(),
        patient: codes::Patient {
            sex,
            age_years: age,
        },
        answers: answers.clone(),
    };
    let encoding = state
        .blocking(move |state| {
            state
                .codes
                .encode(&req, dos)
                .map_err(|e| crate::error::WebError::bad("date", e.to_string()))
        })
        .await?;
    let again = Again {
        action: "/codes/encode".into(),
        hidden: vec![
            ("statement", form.statement.clone()),
            ("date", dos.to_string()),
            ("sex", form.sex.clone()),
            ("age", form.age.clone()),
        ],
        answers: &answers,
    };
    let body = html! {
        (form_markup(&nav, &form, &[]))
        (encoding_view(&nav, &encoding, &again, None))
    };
    Ok(html(StatusCode::OK, page(TITLE, Some(&nav), body)))
}
