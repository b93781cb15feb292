//! Form fields with their labels, and the summary of a refused form that names each
//! problem by the label a person reads (never the record's field name), all at once.

use super::layout::field_error;
use maud::{Markup, html};

/// A form's fields: name as posted (and as the record's validation names it), label.
pub(crate) type Labels = &'static [(&'static str, &'static str)];

/// The label of `field`, or a plain fallback for problems that concern the whole record.
pub(crate) fn label(labels: Labels, field: &str) -> &str {
    labels.iter().find(|(name, _)| *name == field).map_or(
        if field == "status" { "Status" } else { field },
        |(_, label)| label,
    )
}

/// The records model's problems as (field, message) pairs.
pub(crate) fn problems(errors: records::ValidationErrors) -> Vec<(String, String)> {
    errors.0.into_iter().map(|e| (e.path, e.message)).collect()
}

/// Every problem of a refused form, each a link to its field, named by its label.
pub(crate) fn summary(labels: Labels, errors: &[(String, String)]) -> Markup {
    summary_in(labels, errors, "")
}

/// The summary of a form whose inputs' ids are their names after `prefix` (`wo-amount`),
/// as a page with two forms names them apart, so each link reaches its own field.
pub(crate) fn summary_in(labels: Labels, errors: &[(String, String)], prefix: &str) -> Markup {
    summary_saying(
        "Nothing was saved. Correct these fields:",
        labels,
        errors,
        prefix,
    )
}

/// The summary of a refused form that saves nothing (a report's filters), led by `lead`.
pub(crate) fn summary_saying(
    lead: &str,
    labels: Labels,
    errors: &[(String, String)],
    prefix: &str,
) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.error role="alert" {
                p { (lead) }
                ul { @for (field, message) in errors { li { a href={ "#" (prefix) (field) } { (label(labels, field)) } ": " (message) } } }
            }
        }
    }
}

fn invalid(errors: &[(String, String)], field: &str) -> Option<&'static str> {
    errors.iter().any(|(f, _)| f == field).then_some("true")
}

/// A labelled input of `kind` holding `value`, with its problems under it.
pub(crate) fn input(
    labels: Labels,
    field: &str,
    kind: &str,
    value: &str,
    required: bool,
    errors: &[(String, String)],
) -> Markup {
    html! {
        div.field {
            label for=(field) { (label(labels, field)) @if required { " *" } }
            input id=(field) name=(field) type=(kind) value=(value) aria-invalid=[invalid(errors, field)];
            (field_error(errors, field))
        }
    }
}

/// A labelled choice among `options` (value, words), `value` selected; `blank` adds an
/// empty first choice for optional fields.
pub(crate) fn select(
    labels: Labels,
    field: &str,
    options: &[(String, String)],
    value: &str,
    blank: bool,
    errors: &[(String, String)],
) -> Markup {
    html! {
        div.field {
            label for=(field) { (label(labels, field)) @if !blank { " *" } }
            select id=(field) name=(field) aria-invalid=[invalid(errors, field)] {
                @if blank { option value="" { "—" } }
                @for (option, words) in options { option value=(option) selected[option == value] { (words) } }
            }
            (field_error(errors, field))
        }
    }
}
