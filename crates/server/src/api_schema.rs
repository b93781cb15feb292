//! Schemas for body fields that are text with a closed set of values or a checked form,
//! so that `/api/openapi.json` allows what the handlers accept and names what they refuse
//! (schemathesis holds the document to that in `tools/api-conformance`). Fields use them
//! through `#[schema(schema_with = …, required = true)]`; the checks themselves stay in the handlers.

use privacy::{Action, Channel, Outcome, Permission, Role};
use utoipa::openapi::schema::{ArrayBuilder, KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{Array, Object};

fn one_of<'a>(names: impl IntoIterator<Item = &'a str>) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(names.into_iter().map(str::to_owned)))
        .build()
}

fn list_of(item: Object) -> Array {
    ArrayBuilder::new().items(item).build()
}

/// Text that must say something: at least one character that is not a space.
pub(crate) fn said() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(r"\S"))
        .build()
}

/// A calendar date, `YYYY-MM-DD`.
pub(crate) fn date() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
        .build()
}

/// A scanned document's type (`records::DOCUMENT_TYPES`).
pub(crate) fn document_type() -> Object {
    one_of(records::DOCUMENT_TYPES.iter().map(|t| t.code))
}

/// A dictated note type (`transcription::DICTATED_TYPES`).
pub(crate) fn dictated_note_type() -> Object {
    one_of(
        transcription::DICTATED_TYPES
            .iter()
            .map(|t| transcription::type_name(*t)),
    )
}

/// A dictation's priority.
pub(crate) fn dictation_priority() -> Object {
    one_of(["stat", "routine"])
}

/// An instant, RFC 3339.
pub(crate) fn instant() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
        .build()
}

/// A decision on a candidate duplicate pair.
pub(crate) fn pair_decision() -> Object {
    one_of(["duplicate", "not_duplicate", "needs_info"])
}

/// What public health did with an alert.
pub(crate) fn alert_work() -> Object {
    one_of(["investigated", "dismissed", "escalated"])
}

/// A case status a person may set (`reported` comes from sending the report).
pub(crate) fn case_status() -> Object {
    one_of(["new", "reviewed", "not_reportable"])
}

/// `F` or `M`.
pub(crate) fn sex_letter() -> Object {
    one_of(["F", "M", "f", "m"])
}

/// A new password as the policy takes it (`privacy::check_password_policy`): 12 or more
/// characters mixing two kinds; the document asks for a lower-case letter and a digit,
/// one of the mixes the policy accepts. (That it may not contain the username is said,
/// not schematised.)
pub(crate) fn new_password() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(12))
        .pattern(Some("[a-z].*[0-9]|[0-9].*[a-z]"))
        .description(Some(
            "12 or more characters mixing kinds; not containing the username",
        ))
        .build()
}

/// A new patient's fields as the registration form names them, as text.
pub(crate) fn new_patient() -> Object {
    let text = || ObjectBuilder::new().schema_type(Type::String);
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property("family_name", text().pattern(Some(r"\S")))
        .property("given_name", text().pattern(Some(r"\S")))
        .property("birth_date", date())
        .property("sex", one_of(["female", "male", "other", "unknown"]))
        .required("family_name")
        .required("given_name")
        .required("birth_date")
        .required("sex")
        .additional_properties(Some(text()))
        .build()
}

/// Changes to a record: at least one field.
pub(crate) fn changes() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .min_properties(Some(1))
        .build()
}

/// A code system the code sets serve.
pub(crate) fn code_system() -> Object {
    one_of(["icd10cm", "icd10pcs", "hcpcs", "cvx", "cpt"])
}

/// A username's form (`store::check_username`).
pub(crate) fn username() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(r"^\s*[A-Za-z0-9][A-Za-z0-9._-]{0,63}\s*$"))
        .build()
}

/// Roles, by name.
pub(crate) fn roles() -> Array {
    list_of(one_of(Role::ALL.iter().map(|r| r.as_str())))
}

/// Permissions, by name.
pub(crate) fn permissions() -> Array {
    list_of(one_of(Permission::ALL.iter().map(|p| p.as_str())))
}

/// An audited action.
pub(crate) fn audit_action() -> Object {
    one_of(Action::ALL.iter().map(|a| a.as_str()))
}

/// A channel of the audit trail.
pub(crate) fn audit_channel() -> Object {
    one_of(Channel::ALL.iter().map(|c| c.as_str()))
}

/// An outcome of the audit trail.
pub(crate) fn audit_outcome() -> Object {
    one_of(Outcome::ALL.iter().map(|o| o.as_str()))
}

/// Statuses of candidate duplicate pairs.
pub(crate) fn pair_statuses() -> Array {
    list_of(one_of([
        "open",
        "needs_info",
        "duplicate",
        "not_duplicate",
        "merged",
    ]))
}

/// Statuses of deficiencies.
pub(crate) fn deficiency_statuses() -> Array {
    list_of(one_of([
        "open", "assigned", "queried", "answered", "resolved", "waived",
    ]))
}

/// Kinds of follow-up task.
pub(crate) fn task_kind() -> Object {
    one_of(records::FollowUpKind::ALL.iter().map(|k| k.as_str()))
}

/// Outbreak detection methods.
pub(crate) fn detection_methods() -> Array {
    list_of(one_of(
        surveillance::detect::Method::ALL.map(surveillance::detect::Method::as_str),
    ))
}
