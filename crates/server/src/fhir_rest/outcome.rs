//! Failed FHIR interactions as OperationOutcomes: every issue names what is wrong and,
//! where there is one, the element (FHIRPath) or search parameter it concerns.
//!
//! Invariant: internal failures keep their details in the log (`WebError::internal`);
//! the client sees a generic message, as on the JSON API.

use super::headers::fhir_response;
use crate::error::WebError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// One `OperationOutcome.issue`.
#[derive(Debug, Clone)]
pub(crate) struct OutcomeIssue {
    pub severity: &'static str,
    pub code: &'static str,
    pub diagnostics: String,
    pub expression: Option<String>,
}

impl OutcomeIssue {
    pub(crate) fn error(code: &'static str, diagnostics: impl Into<String>) -> Self {
        Self {
            severity: "error",
            code,
            diagnostics: diagnostics.into(),
            expression: None,
        }
    }

    pub(crate) fn at(mut self, expression: impl Into<String>) -> Self {
        self.expression = Some(expression.into());
        self
    }

    pub(crate) fn warning(mut self) -> Self {
        self.severity = "warning";
        self
    }

    pub(crate) fn to_json(&self) -> Value {
        let mut issue = json!({
            "severity": self.severity,
            "code": self.code,
            "diagnostics": self.diagnostics,
        });
        if let Some(expression) = &self.expression {
            issue["expression"] = json!([expression]);
        }
        issue
    }
}

impl From<&fhir::Issue> for OutcomeIssue {
    fn from(issue: &fhir::Issue) -> Self {
        Self {
            severity: match issue.severity {
                fhir::IssueSeverity::Error => "error",
                fhir::IssueSeverity::Warning => "warning",
            },
            code: issue.code,
            diagnostics: issue.message.clone(),
            expression: (!issue.expression.is_empty()).then(|| issue.expression.clone()),
        }
    }
}

/// An OperationOutcome body.
pub(crate) fn outcome_json(issues: &[OutcomeIssue]) -> Value {
    json!({
        "resourceType": "OperationOutcome",
        "issue": issues.iter().map(OutcomeIssue::to_json).collect::<Vec<_>>(),
    })
}

/// A failed interaction: the status and the issues.
#[derive(Debug)]
pub(crate) struct FhirError {
    pub status: StatusCode,
    pub issues: Vec<OutcomeIssue>,
}

impl FhirError {
    pub(crate) fn new(status: StatusCode, issue: OutcomeIssue) -> Self {
        Self {
            status,
            issues: vec![issue],
        }
    }

    /// 400: a request the server cannot read (bad JSON, a bad parameter value).
    pub(crate) fn bad_request(expression: &str, message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            OutcomeIssue::error("invalid", message).at(expression),
        )
    }

    /// 404 for a resource that does not exist.
    pub(crate) fn not_found(type_name: &str, id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            OutcomeIssue::error(
                "not-found",
                format!("there is no {type_name} with id \"{}\"", printable(id)),
            ),
        )
    }

    /// 410 for a deleted resource.
    pub(crate) fn gone(type_name: &str, id: &str) -> Self {
        Self::new(
            StatusCode::GONE,
            OutcomeIssue::error("deleted", format!("{type_name}/{id} was deleted")),
        )
    }

    /// 412: the version named in `If-Match` is not the current one.
    pub(crate) fn stale(type_name: &str, id: &str, expected: i64, actual: i64) -> Self {
        Self::new(
            StatusCode::PRECONDITION_FAILED,
            OutcomeIssue::error(
                "conflict",
                format!(
                    "{type_name}/{id} is at version {actual}, not {expected}: someone changed it since you read it; read it again"
                ),
            ),
        )
    }

    /// 403: the roles do not cover this record kind.
    pub(crate) fn forbidden(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            OutcomeIssue::error("forbidden", message),
        )
    }

    /// 422 with every validation or mapping issue.
    pub(crate) fn unprocessable(issues: Vec<OutcomeIssue>) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            issues,
        }
    }

    /// A copy (the status and issues).
    pub(crate) fn clone_issues(&self) -> Self {
        Self {
            status: self.status,
            issues: self.issues.clone(),
        }
    }

    pub(crate) fn internal(details: impl std::fmt::Display) -> Self {
        WebError::internal(details).into()
    }
}

/// An id as it may be quoted back (control characters shown escaped, length capped).
fn printable(id: &str) -> String {
    id.chars().take(64).flat_map(char::escape_debug).collect()
}

impl From<WebError> for FhirError {
    fn from(error: WebError) -> Self {
        let (status, code) = error.status_and_issue_type();
        let mut issue = OutcomeIssue::error(code, error.to_string());
        if let WebError::BadRequest { field, .. } = &error {
            issue = issue.at(field.clone());
        }
        Self::new(status, issue)
    }
}

impl From<store::Error> for FhirError {
    fn from(error: store::Error) -> Self {
        match error {
            store::Error::Invalid { kind, errors } => Self::unprocessable(
                errors
                    .0
                    .iter()
                    .map(|e| {
                        OutcomeIssue::error(
                            "invariant",
                            format!("{kind}.{}: {}", e.path, e.message),
                        )
                        .at(format!("{kind}.{}", e.path))
                    })
                    .collect(),
            ),
            store::Error::VersionConflict {
                kind,
                id,
                expected,
                actual,
            } => Self::stale(kind, &id.to_string(), expected, actual),
            store::Error::Deleted { kind, id } => Self::gone(kind, &id.to_string()),
            store::Error::NotFound { kind, id } => Self::not_found(kind, &id.to_string()),
            store::Error::Conflict(message) => Self::new(
                StatusCode::CONFLICT,
                OutcomeIssue::error("conflict", message),
            ),
            unavailable @ store::Error::Unavailable { .. } => WebError::from(unavailable).into(),
            other => Self::internal(other),
        }
    }
}

impl IntoResponse for FhirError {
    fn into_response(self) -> Response {
        crate::error::with_retry_after(fhir_response(
            self.status,
            outcome_json(&self.issues).to_string(),
        ))
    }
}
