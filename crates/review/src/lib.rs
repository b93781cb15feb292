//! Chart review, the way a records department runs it: rules as data find what is missing
//! or wrong in each chart (deficiency analysis), each finding becomes a deficiency with a
//! due time and someone responsible, and re-review keeps them in step with the chart
//! (fixing the cause resolves it, undoing the fix reopens it). No HTTP here: the CLI and the
//! server call in.
//!
//! - `rules`: the rules (defaults in `default_rules.toml`, a facility file over them),
//!   checked with every problem's line.
//! - `facts`: what review reads of a chart (the fields the rules look at, no note text),
//!   from a whole chart or from a few columns of a range of charts at once.
//! - `findings`: what the rules see in one chart, pure over its facts.
//! - `reconcile`: findings to stored deficiencies, one chart or all; work queues; the
//!   assign / waive / resolve actions.
//! - `audited`: the queue and the actions with their audit entries, for every channel.
//! - `metrics`: open deficiencies by age and physician, delinquent records, the
//!   delinquency rate against monthly discharges, the suspension list.
//! - `trend`: the delinquency rate at each month's end, rebuilt from the deficiencies'
//!   due and closing times.
//! - `encounter_edits`: the coding edits of one stored encounter as its claim carries them
//!   (diagnoses in sequence with POA, inpatient rules for a stay), for the CLI, API and pages.
//! - POA-exempt codes: `codes::PoaExempt`, re-exported.
//! - `queries`: physician queries about deficiencies (compliant: indicators quoted, Other and
//!   Clinically undetermined always offered, no leading phrasing), answered once or
//!   withdrawn with a reason.
//! - `follow_up`: data-collection follow-up tasks (insurance, consents, outside records):
//!   contact attempts logged, escalated once past due, closed with a reason.
//! - `watch`: re-review of only the charts written since the last step (new rows by id,
//!   changes by `record_history` id), for a server that keeps queues current.
//!
//! Invariants:
//! - A finding is identified by patient, rule and subject (`note:12`), so reviewing again
//!   finds the same deficiency and never opens a second one (a unique index backs this).
//! - Review never closes a waived deficiency's waiver, and never resolves the deficiencies
//!   of a rule that did not run (disabled or removed).
//! - Every change to a deficiency is a version in its history, written in the caller's
//!   transaction.

mod audited;
mod encounter_edits;
mod facts;
mod findings;
mod follow_up;
mod metrics;
mod queries;
mod reconcile;
mod rules;
mod trend;
mod watch;

pub use audited::{
    QUEUE_CATEGORIES, QueryItem, QueueItem, TASK_CATEGORIES, TaskItem, act_audited,
    deficiency_audited, escalate_audited, queries_audited, query_audited, queue_audited,
    task_audited, tasks_audited,
};
pub use codes::PoaExempt;
pub use encounter_edits::{
    EncounterCoding, EncounterEdits, ListedDiagnosis, ListedProcedure, edits_fingerprint,
    edits_patient, encounter_coding_edits, encounter_procedure_edits, procedure_edits_raised,
    procedure_line, read_encounter_coding,
};
pub use facts::{
    ChartFacts, CoverageFacts, DiagnosisFacts, EncounterFacts, NoteFacts, PatientFacts,
    ProcedureFacts,
};
pub use findings::{Context, Finding, analyse};
pub use follow_up::{
    NewTask, TaskChange, TaskQuery, add_task, change_task, escalate_overdue, tasks,
};
pub use metrics::{Metrics, ProviderLine, metrics};
pub use queries::{AskError, NewQuery, answer, ask, open_queries, withdraw};
pub use reconcile::{
    Action, CAUSE_FIXED, QueueQuery, ReviewCounts, act, deficiencies_of, queue, review_all,
    review_patient,
};
pub use rules::{Anchor, Check, DEFAULT_RULES, Rule, RuleProblem, RuleSet, RulesError};
pub use trend::{MonthPoint, delinquency_trend};
pub use watch::{Watermark, step};
