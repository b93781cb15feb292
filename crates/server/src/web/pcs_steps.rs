//! The ICD-10-PCS builder on the procedure form: a coder steps section → body system →
//! root operation → body part → approach → device → qualifier, optionally starting from a
//! procedure statement, and adds the finished code to the encounter through the procedure
//! form's audited write.
//!
//! Each step is a plain GET of the procedure form carrying the statement and the answers so
//! far (`AXIS=VALUE` pairs separated by `;`, as the encoder's pages carry theirs), so the
//! steps need no script and a step can be bookmarked or reloaded.
//!
//! Invariants: which values a step offers, and which the statement chooses, is decided by
//! `codes::CodeSets::build_pcs` (the same builder as `chartroom codes build-pcs` and
//! `/api/codes/build-pcs`) on the release in force on the encounter's date; this module only
//! renders it. A bad encounter or answer is a 422 naming the field; a statement travels in
//! the URI, which the HTTP layer keeps under 64 kB (below the API's 100 kB limit).
//! A finished code shows the procedure coding edits adding it to the encounter raises
//! (`review::procedure_edits_raised`, audited), and its Add button carries their
//! fingerprint, so the save needs no second confirmation unless they changed meanwhile.

use super::coding::{Context, encounter_options, find_encounter};
use super::encoder::{answers_text, edits_view, parse_answers, steps_view};
use super::layout::{Nav, field_error, token_field};
use super::text::day;
use crate::auth::Principal;
use crate::codes_api::read_procedure_edits;
use crate::error::WebError;
use crate::state::AppState;
use maud::{Markup, html};
use records::Encounter;
use serde::Deserialize;
use store::Stored;

/// The builder's step as the procedure form's query carries it.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct BuildQuery {
    /// The encounter whose date picks the release (the newest when empty).
    #[serde(default)]
    pub encounter_id: String,
    /// The procedure statement; present (even empty) once the coder has started building.
    pub statement: Option<String>,
    /// The answers so far, `AXIS=VALUE;...`.
    #[serde(default)]
    answers: String,
    /// The answer just picked.
    #[serde(default)]
    answer: String,
}

/// A build in progress: the builder's answer, the answers that led to it and the encounter
/// it is for.
pub(crate) struct Built<'a> {
    build: codes::PcsBuild,
    answers: Vec<(String, String)>,
    encounter: &'a Stored<Encounter>,
    /// Once the code is finished: the coding edits of the encounter with it added.
    edits: Option<Vec<codes::CodingEdit>>,
}

/// The encounter the builder codes for: the one chosen, else the newest.
pub(crate) fn builder_encounter<'a>(
    context: &'a Context,
    query: &BuildQuery,
    errors: &mut Vec<(String, String)>,
) -> Option<&'a Stored<Encounter>> {
    let text = query.encounter_id.trim();
    if text.is_empty() {
        if context.encounters.is_empty() {
            errors.push((
                "pcs_encounter".to_owned(),
                "the patient has no encounter to code a procedure for".to_owned(),
            ));
        }
        return context.encounters.last();
    }
    let found = find_encounter(context, text);
    if found.is_none() {
        errors.push((
            "pcs_encounter".to_owned(),
            format!("\"{text}\" is not one of this patient's encounters"),
        ));
    }
    found
}

/// Runs the builder for the query's step, when the coder has started one; problems go to
/// `errors` under the builder's fields.
pub(crate) async fn build<'a>(
    state: &AppState,
    principal: &Principal,
    context: &'a Context,
    query: &BuildQuery,
    errors: &mut Vec<(String, String)>,
) -> Result<Option<Built<'a>>, WebError> {
    let Some(statement) = &query.statement else {
        return Ok(None);
    };
    let encounter = builder_encounter(context, query, errors);
    let answers = parse_answers(&query.answers, &query.answer, errors);
    let (Some(encounter), true) = (encounter, errors.is_empty()) else {
        return Ok(None);
    };
    let dos = encounter.record.admit_at.date();
    let req = codes::PcsBuildRequest {
        statement: statement.trim().to_owned(),
        answers: answers.clone(),
    };
    let build = state
        .blocking(move |state| Ok(state.codes.build_pcs(&req, dos)))
        .await?;
    match build {
        Ok(build) => {
            let edits = match &build.code {
                Some(code) => {
                    let line = codes::ProcedureLine {
                        system: codes::System::Icd10Pcs,
                        code: code.clone(),
                        modifiers: Vec::new(),
                        units: 1,
                        date: dos,
                    };
                    let (principal, eid) = (principal.clone(), encounter.meta.id);
                    Some(
                        state
                            .blocking(move |state| {
                                read_procedure_edits(state, &principal, eid, line)
                            })
                            .await?,
                    )
                }
                None => None,
            };
            Ok(Some(Built {
                build,
                answers,
                encounter,
                edits,
            }))
        }
        Err(e) => {
            errors.push(("pcs_encounter".to_owned(), format!("{}: {e}", day(dos))));
            Ok(None)
        }
    }
}

/// The builder: its start form, then the axes chosen so far, the next question with only
/// the values a table row allows (root operations and approaches with their definitions),
/// or the finished code with a button adding it to the encounter.
pub(crate) fn builder_view(
    nav: &Nav,
    context: &Context,
    query: &BuildQuery,
    built: Option<&Built<'_>>,
    errors: &[(String, String)],
) -> Markup {
    let id = context.patient.meta.id;
    let action = format!("/patients/{id}/procedures/new");
    let chosen = built.map_or_else(
        || query.encounter_id.clone(),
        |b| b.encounter.meta.id.to_string(),
    );
    let statement = query.statement.as_deref().unwrap_or_default();
    html! {
        section #pcs-builder {
            h2 { "Build an ICD-10-PCS code" }
            p.note { "Step through the axes: each step offers only the values a table row of the ICD-10-PCS release in force on the encounter's date allows. A procedure statement chooses what it says." }
            @if !errors.is_empty() {
                p.error role="alert" { "The builder could not continue; see the fields below." }
            }
            form.stack.wide method="get" action=(action) {
                label for="pcs_encounter" { "Encounter" }
                select #pcs_encounter name="encounter_id" { (encounter_options(context, &chosen)) }
                (field_error(errors, "pcs_encounter"))
                label for="pcs_statement" { "Procedure statement (optional)" }
                input #pcs_statement name="statement" value=(statement)
                    placeholder="e.g. laparoscopic appendectomy";
                (field_error(errors, "answers"))
                (field_error(errors, "answer"))
                button type="submit" { "Build" }
            }
            @if let Some(built) = built {
                (build_view(nav, id, &action, statement, built))
            }
        }
    }
}

fn build_view(nav: &Nav, id: i64, action: &str, statement: &str, built: &Built<'_>) -> Markup {
    let b = &built.build;
    let encounter = built.encounter.meta.id.to_string();
    html! {
        section #pcs-build aria-live="polite" {
            h3 { "ICD-10-PCS " (b.release) " on " (day(built.encounter.record.admit_at.date())) }
            @if !b.axes.is_empty() {
                table.results.pcs-axes {
                    thead { tr { th { "#" } th { "Axis" } th { "Value" } th { "Label" } th { "Chosen by" } } }
                    tbody {
                        @for a in &b.axes {
                            tr {
                                td { (a.position) }
                                td { (a.axis) }
                                td { code { (a.value) } }
                                td { (a.label) }
                                td { (how(a.how)) }
                            }
                        }
                    }
                }
            }
            @if let Some(code) = &b.code {
                p #pcs-code { "Code: " strong { code { (code) } } " " (b.description.as_deref().unwrap_or("")) }
                @if let Some(edits) = &built.edits {
                    (edits_view(&format!("Coding edits adding {code} to the encounter raises"), edits))
                }
                form.inline method="post" action={ "/patients/" (id) "/procedures" } {
                    (token_field(nav))
                    input type="hidden" name="encounter_id" value=(encounter);
                    input type="hidden" name="system" value="icd10pcs";
                    input type="hidden" name="code" value=(code);
                    input type="hidden" name="units" value="1";
                    @if let Some(edits) = &built.edits {
                        input type="hidden" name="seen" value=(review::edits_fingerprint(edits));
                    }
                    button type="submit" { "Add " (code) }
                }
            }
            @if let Some(q) = &b.question {
                form.stack.question #pcs-question method="get" action=(action) {
                    input type="hidden" name="encounter_id" value=(encounter);
                    input type="hidden" name="statement" value=(statement);
                    input type="hidden" name="answers" value=(answers_text(&built.answers));
                    fieldset {
                        legend { (q.prompt) }
                        @for (i, c) in q.choices.iter().enumerate() {
                            @let field = format!("pcs-{}-{}", q.id, c.value);
                            div.choice {
                                input type="radio" id=(field) name="answer" value={ (q.id) "=" (c.value) }
                                    required checked[i == 0 && c.suggested];
                                label for=(field) {
                                    code { (c.value) } " " (c.label)
                                    @if c.suggested { " " span.muted { "(the statement points here)" } }
                                }
                                @if !c.definition.is_empty() {
                                    p.muted.definition { (c.definition) }
                                }
                            }
                        }
                    }
                    button type="submit" { "Next" }
                }
            }
            form.inline method="get" action=(action) {
                input type="hidden" name="encounter_id" value=(encounter);
                input type="hidden" name="statement" value=(statement);
                button type="submit" { "Start over" }
            }
            (steps_view(&b.steps))
        }
    }
}

fn how(how: codes::PcsHow) -> &'static str {
    match how {
        codes::PcsHow::Statement => "the statement",
        codes::PcsHow::Answer => "your answer",
        codes::PcsHow::OnlyValue => "the only value allowed",
        codes::PcsHow::Default => "nothing named one (Guidelines B6.1a)",
    }
}
