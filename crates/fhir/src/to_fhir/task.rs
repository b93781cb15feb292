//! Chart review's work items as read-only `Task`s, for outside workflow tools: a
//! deficiency (id `7`), a physician query (`query-7`) and a data-collection follow-up task
//! (`followup-7`).
//!
//! Invariants:
//! - `Task.status` is the nearest R4 task status; Chartroom's own status is kept exactly in
//!   `businessStatus` (`urn:chartroom:review-status`), so nothing is lost in the mapping.
//! - The due time is `restriction.period.end`; the work's own times are
//!   `executionPeriod` (started, closed).
//! - The chart the work is about is `for` (the Patient) and `encounter`; what a deficiency
//!   names (`note:12`, `diagnosis:3`...) is `focus`; a query is `partOf` its deficiency.

use super::{ToFhir, instant, meta, patient_ref, reference};
use crate::datatypes::{Annotation, CodeableConcept, Period, Reference};
use crate::resources as fhir;
use records::{
    Deficiency, DeficiencyStatus, FollowUpStatus, FollowUpTask, PhysicianQuery, QueryStatus,
    RecordKind, Severity,
};
use store::Stored;
use time::OffsetDateTime;

/// Chartroom's own status of a review work item.
pub const REVIEW_STATUS: &str = "urn:chartroom:review-status";
/// The review rule a deficiency comes from.
pub const REVIEW_RULE: &str = "urn:chartroom:review-rule";
/// Kinds of review work that are not deficiencies (`physician-query`).
pub const REVIEW_TASK: &str = "urn:chartroom:review-task";
/// What a follow-up task is to obtain (insurance, consent...).
pub const FOLLOW_UP_KIND: &str = "urn:chartroom:follow-up-kind";
/// Who answers for a deficiency (attending, HIM technician...).
pub const RESPONSIBLE: &str = "urn:chartroom:responsible";
/// What a query's inputs and outputs are.
pub const QUERY_PART: &str = "urn:chartroom:query-part";

/// The R4 `Task.status` of a deficiency's status.
pub fn deficiency_task_status(status: DeficiencyStatus) -> &'static str {
    match status {
        DeficiencyStatus::Open => "ready",
        DeficiencyStatus::Assigned | DeficiencyStatus::Answered => "in-progress",
        DeficiencyStatus::Queried => "on-hold",
        DeficiencyStatus::Resolved => "completed",
        DeficiencyStatus::Waived => "cancelled",
    }
}

/// The R4 `Task.status` of a physician query's status.
pub fn query_task_status(status: QueryStatus) -> &'static str {
    match status {
        QueryStatus::Open => "requested",
        QueryStatus::Answered => "completed",
        QueryStatus::Withdrawn => "cancelled",
    }
}

/// The R4 `Task.status` of a follow-up task: an open one is being chased (escalation is
/// its business status and its priority).
pub fn follow_up_task_status(status: FollowUpStatus) -> &'static str {
    match status {
        FollowUpStatus::Open | FollowUpStatus::Escalated => "in-progress",
        FollowUpStatus::Done => "completed",
        FollowUpStatus::Cancelled => "cancelled",
    }
}

fn business_status(code: &str) -> CodeableConcept {
    CodeableConcept::coded(REVIEW_STATUS, code, Some(code))
}

fn due(at: OffsetDateTime) -> Option<fhir::TaskRestriction> {
    Some(fhir::TaskRestriction {
        period: Some(Period {
            start: None,
            end: Some(instant(at)),
        }),
    })
}

fn period(start: OffsetDateTime, end: Option<OffsetDateTime>) -> Option<Period> {
    Some(Period {
        start: Some(instant(start)),
        end: end.map(instant),
    })
}

fn named(who: &str) -> Reference {
    Reference::named(who)
}

fn reason(text: Option<&String>) -> CodeableConcept {
    text.map(|t| CodeableConcept::text(t)).unwrap_or_default()
}

fn part(code: &str, display: &str, value: &str) -> fhir::TaskParameter {
    fhir::TaskParameter {
        type_: CodeableConcept::coded(QUERY_PART, code, Some(display)),
        value_string: value.to_owned(),
    }
}

/// What a deficiency's subject (`note:12`, `diagnosis:3`, `patient`) names, as a reference.
fn subject_reference(deficiency: &Deficiency) -> Reference {
    let (kind, id) = match deficiency.subject.split_once(':') {
        Some((kind, id)) => (kind, id.parse::<i64>().ok()),
        None => (deficiency.subject.as_str(), None),
    };
    match (kind, id) {
        ("patient", _) => patient_ref(deficiency.patient_id),
        ("encounter", Some(id)) => reference("Encounter", "encounter", id),
        ("note", Some(id)) => reference("DocumentReference", "note", id),
        ("diagnosis", Some(id)) => reference("Condition", "diagnosis", id),
        ("procedure", Some(id)) => reference("Procedure", "procedure", id),
        _ => Reference::default(),
    }
}

impl ToFhir for Deficiency {
    type Resource = fhir::Task;
    fn to_fhir(stored: &Stored<Self>) -> fhir::Task {
        let d = &stored.record;
        let mut note = Vec::new();
        if let Some(assignee) = &d.assignee {
            note.push(Annotation {
                text: format!("assigned to {assignee}"),
                ..Annotation::default()
            });
        }
        fhir::Task {
            id: Some(stored.meta.id.to_string()),
            meta: meta(&stored.meta),
            status: deficiency_task_status(d.status).into(),
            status_reason: reason(d.closed_reason.as_ref()),
            business_status: business_status(d.status.as_str()),
            intent: "order".into(),
            priority: Some(
                match d.severity {
                    Severity::High => "urgent",
                    Severity::Medium | Severity::Low => "routine",
                }
                .into(),
            ),
            code: CodeableConcept::coded(REVIEW_RULE, &d.rule_id, None),
            description: Some(d.message.clone()),
            focus: subject_reference(d),
            for_: patient_ref(d.patient_id),
            encounter: d
                .encounter_id
                .map(|e| reference("Encounter", "encounter", e.0))
                .unwrap_or_default(),
            execution_period: period(d.since, d.closed_at),
            authored_on: Some(instant(stored.meta.created_at)),
            last_modified: Some(instant(stored.meta.updated_at)),
            requester: named("Chartroom chart review"),
            performer_type: vec![CodeableConcept::coded(
                RESPONSIBLE,
                d.responsible.as_str(),
                Some(&d.responsible.as_str().replace('_', " ")),
            )],
            owner: match (d.provider_id, &d.assignee) {
                (Some(provider), _) => reference("Practitioner", "provider", provider.0),
                (None, Some(assignee)) => named(assignee),
                (None, None) => Reference::default(),
            },
            note,
            restriction: due(d.due_at),
            ..fhir::Task::default()
        }
    }
}

impl ToFhir for PhysicianQuery {
    type Resource = fhir::Task;
    fn to_fhir(stored: &Stored<Self>) -> fhir::Task {
        let q = &stored.record;
        let mut input: Vec<fhir::TaskParameter> = q
            .indicators
            .iter()
            .map(|i| part("indicator", "Clinical indicator", i))
            .collect();
        input.extend(
            q.options
                .iter()
                .map(|o| part("option", "Answer offered", o)),
        );
        let mut output = Vec::new();
        if let Some(answer) = &q.answer {
            output.push(part("answer", "Answer", answer));
        }
        if let Some(comment) = q.comment.as_ref().filter(|c| !c.trim().is_empty()) {
            output.push(part("comment", "Comment", comment));
        }
        fhir::Task {
            id: Some(super::resource_id(PhysicianQuery::KIND, stored.meta.id)),
            meta: meta(&stored.meta),
            part_of: q
                .deficiency_id
                .map(|d| Reference::to("Task", &d.to_string()))
                .into_iter()
                .collect(),
            status: query_task_status(q.status).into(),
            business_status: business_status(q.status.as_str()),
            intent: "order".into(),
            priority: Some("routine".into()),
            code: CodeableConcept::coded(REVIEW_TASK, "physician-query", Some("Physician query")),
            description: Some(q.question.clone()),
            for_: patient_ref(q.patient_id),
            encounter: q
                .encounter_id
                .map(|e| reference("Encounter", "encounter", e.0))
                .unwrap_or_default(),
            execution_period: period(q.asked_at, q.answered_at),
            authored_on: Some(instant(q.asked_at)),
            last_modified: Some(instant(stored.meta.updated_at)),
            requester: named(&q.asked_by),
            owner: reference("Practitioner", "provider", q.provider_id.0),
            input,
            output,
            ..fhir::Task::default()
        }
    }
}

impl ToFhir for FollowUpTask {
    type Resource = fhir::Task;
    fn to_fhir(stored: &Stored<Self>) -> fhir::Task {
        let t = &stored.record;
        let kind = t.kind.as_str();
        let mut note: Vec<Annotation> = vec![Annotation {
            text: format!("to obtain from {}", t.obtain_from),
            ..Annotation::default()
        }];
        note.extend(t.contacts.iter().map(|c| Annotation {
            author_string: Some(c.by.clone()),
            time: Some(instant(c.at)),
            text: format!("{}: {}", c.method, c.outcome),
        }));
        fhir::Task {
            id: Some(super::resource_id(FollowUpTask::KIND, stored.meta.id)),
            meta: meta(&stored.meta),
            status: follow_up_task_status(t.status).into(),
            status_reason: reason(t.closed_reason.as_ref()),
            business_status: business_status(t.status.as_str()),
            intent: "order".into(),
            priority: Some(
                if t.status == FollowUpStatus::Escalated {
                    "asap"
                } else {
                    "routine"
                }
                .into(),
            ),
            code: CodeableConcept::coded(FOLLOW_UP_KIND, kind, Some(&kind.replace('_', " "))),
            description: Some(t.description.clone()),
            for_: patient_ref(t.patient_id),
            encounter: t
                .encounter_id
                .map(|e| reference("Encounter", "encounter", e.0))
                .unwrap_or_default(),
            execution_period: period(stored.meta.created_at, t.closed_at),
            authored_on: Some(instant(stored.meta.created_at)),
            last_modified: Some(instant(stored.meta.updated_at)),
            requester: named(&t.opened_by),
            owner: t.assignee.as_deref().map(named).unwrap_or_default(),
            note,
            restriction: due(t.due_at),
            ..fhir::Task::default()
        }
    }
}
