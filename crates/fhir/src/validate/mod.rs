//! Validation of incoming FHIR JSON: structure, cardinality, datatypes and formats,
//! required bindings, one value per choice element, unknown elements, and the R4
//! invariants of these types (`invariants`).
//!
//! Invariants:
//! - Never panics and never stops early: every problem becomes an `Issue` with a
//!   FHIRPath-like expression (`Patient.name[0].given[1]`); within an object, issues follow
//!   the element names in sorted order (serde_json's map order), so reports are stable.
//! - Only the shapes in `definitions.txt` are known; an element that is not there is an
//!   error, never silently dropped.
//! - A resource type we do not serve is an error at the top level and a warning inside a
//!   Bundle (the importer skips those entries; it does not store them unchecked).

mod definitions;
mod invariants;
mod primitives;
mod walk;

use crate::resources::{OperationOutcome, OperationOutcomeIssue};
use serde::Serialize;
use serde_json::Value;
use std::fmt;

/// How bad an issue is (OperationOutcome `issue.severity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IssueSeverity {
    /// The resource cannot be accepted.
    Error,
    /// Worth knowing; the resource is accepted.
    Warning,
}

/// One problem, ready for `OperationOutcome.issue`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    /// Error or warning.
    pub severity: IssueSeverity,
    /// IssueType code: `structure`, `required`, `value`, `code-invalid`, `invalid`.
    pub code: &'static str,
    /// FHIRPath-like location (`Observation.valueQuantity.value`).
    pub expression: String,
    /// What was wrong, lower-case, naming what was expected and what was found.
    pub message: String,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.expression, self.message)
    }
}

/// Validates a parsed resource; returns every issue found (empty when valid).
pub fn validate_value(resource: &Value) -> Vec<Issue> {
    let mut issues = Vec::new();
    match definitions::definitions() {
        Ok(defs) => walk::Walker {
            defs,
            issues: &mut issues,
        }
        .resource(resource, None, true),
        Err(message) => issues.push(Issue {
            severity: IssueSeverity::Error,
            code: "exception",
            expression: String::new(),
            message: format!("the validator's definitions are broken: {message}"),
        }),
    }
    issues
}

/// Parses and validates JSON text; text that is not JSON is one `structure` issue with the
/// line and column.
pub fn validate_resource(text: &str) -> Vec<Issue> {
    match serde_json::from_str::<Value>(text) {
        Ok(value) => validate_value(&value),
        Err(error) => vec![Issue {
            severity: IssueSeverity::Error,
            code: "structure",
            expression: String::new(),
            message: format!(
                "not JSON (line {}, column {}): {error}",
                error.line(),
                error.column()
            ),
        }],
    }
}

/// The OperationOutcome that reports `issues` (one `information` issue when there are none,
/// since an OperationOutcome needs at least one).
pub fn operation_outcome(issues: &[Issue]) -> OperationOutcome {
    let mut issue: Vec<OperationOutcomeIssue> = issues
        .iter()
        .map(|issue| OperationOutcomeIssue {
            severity: match issue.severity {
                IssueSeverity::Error => "error".into(),
                IssueSeverity::Warning => "warning".into(),
            },
            code: issue.code.into(),
            diagnostics: Some(issue.message.clone()),
            expression: if issue.expression.is_empty() {
                Vec::new()
            } else {
                vec![issue.expression.clone()]
            },
        })
        .collect();
    if issue.is_empty() {
        issue.push(OperationOutcomeIssue {
            severity: "information".into(),
            code: "informational".into(),
            diagnostics: Some("no problems found".into()),
            expression: Vec::new(),
        });
    }
    OperationOutcome {
        issue,
        ..OperationOutcome::default()
    }
}

#[cfg(test)]
mod tests;
