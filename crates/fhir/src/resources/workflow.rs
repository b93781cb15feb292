//! Workflow resources: `Task`, for chart review's work items (deficiencies, physician
//! queries, data-collection follow-up), served read-only.

use super::resource;
use crate::datatypes::{Annotation, CodeableConcept, Period, Reference};
use serde::{Deserialize, Serialize};

resource! {
    /// `Task`: a piece of work on a chart, with its state, owner and due time.
    Task {
        part_of: Vec<Reference> = "partOf",
        status: String = "status",
        status_reason: CodeableConcept = "statusReason",
        business_status: CodeableConcept = "businessStatus",
        intent: String = "intent",
        priority: Option<String> = "priority",
        code: CodeableConcept = "code",
        description: Option<String> = "description",
        focus: Reference = "focus",
        for_: Reference = "for",
        encounter: Reference = "encounter",
        execution_period: Option<Period> = "executionPeriod",
        authored_on: Option<String> = "authoredOn",
        last_modified: Option<String> = "lastModified",
        requester: Reference = "requester",
        performer_type: Vec<CodeableConcept> = "performerType",
        owner: Reference = "owner",
        note: Vec<Annotation> = "note",
        restriction: Option<TaskRestriction> = "restriction",
        input: Vec<TaskParameter> = "input",
        output: Vec<TaskParameter> = "output",
    }
}

/// `Task.restriction`: by when the work is sought.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskRestriction {
    /// The period (its end is the due time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
}

/// `Task.input` and `Task.output` with a text value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskParameter {
    /// What the value is.
    #[serde(rename = "type")]
    pub type_: CodeableConcept,
    /// The value.
    pub value_string: String,
}
