//! `chartroom review task`: data-collection follow-up from a terminal: open a task to obtain
//! what a chart lacks, log each contact attempt, close it, and list what is being chased
//! (overdue ones are escalated first).

use crate::cli::audited::CliAuditor;
use crate::output;
use anyhow::{Result, bail};
use privacy::Action as AuditAction;
use records::{FollowUpKind, FollowUpTask};
use review::{NewTask, TaskChange, TaskQuery};
use store::{Actor, Store, Stored};

#[derive(Debug, clap::Subcommand)]
pub enum TaskCmd {
    /// Open a task to obtain missing data from the patient or another provider.
    Add {
        /// Patient id.
        #[arg(long, value_name = "ID")]
        patient: i64,
        /// The encounter it concerns (encounter id).
        #[arg(long, value_name = "ID")]
        encounter: Option<i64>,
        /// insurance, consent, outside-records, demographics or other.
        #[arg(long)]
        kind: String,
        /// What to obtain, in words.
        #[arg(long)]
        what: String,
        /// From whom (the patient, a named provider).
        #[arg(long, value_name = "WHOM")]
        from: String,
        /// Days until it is due (escalated after that).
        #[arg(long, default_value_t = 14, value_name = "DAYS")]
        due_days: i64,
        /// The user who chases it.
        #[arg(long, value_name = "USER")]
        assign: Option<String>,
    },
    /// Log a contact attempt: how, and what came of it.
    Contact {
        /// Task id.
        id: i64,
        /// Phone, letter, fax, portal, in person...
        #[arg(long)]
        method: String,
        /// What came of it.
        #[arg(long)]
        outcome: String,
    },
    /// Close a task: what was obtained, or (with --cancel) why it is given up.
    Close {
        /// Task id.
        id: i64,
        /// What was obtained, or why it is given up.
        #[arg(long)]
        reason: String,
        /// Given up rather than obtained.
        #[arg(long)]
        cancel: bool,
    },
    /// The tasks being chased, escalated ones first, then by due date.
    List {
        /// Closed ones too.
        #[arg(long)]
        all: bool,
        /// Only this user's.
        #[arg(long, value_name = "USER")]
        assignee: Option<String>,
        /// Only this patient's (patient id).
        #[arg(long, value_name = "ID")]
        patient: Option<i64>,
    },
}

/// Escalates the tasks past due now, each audited; returns how many.
pub fn escalate(store: &Store, auditor: &CliAuditor, actor: &Actor) -> Result<usize> {
    let now = store.clock().now();
    let who = auditor.event(store, AuditAction::Update);
    Ok(auditor
        .trail()
        .write(store, |audited| {
            review::escalate_audited(audited, actor, &who, now)
        })?
        .len())
}

fn write(
    store: &Store,
    auditor: &CliAuditor,
    before: Option<i64>,
    change: impl FnOnce(&mut store::Tx<'_>) -> store::Result<Stored<FollowUpTask>>,
) -> Result<Stored<FollowUpTask>> {
    let who = auditor.event(
        store,
        if before.is_some() {
            AuditAction::Update
        } else {
            AuditAction::Create
        },
    );
    Ok(auditor.trail().write(store, |audited| {
        review::task_audited(audited, &who, before, change)
    })?)
}

fn say_task(task: &Stored<FollowUpTask>, json: bool, what: &str) -> Result<()> {
    if json {
        return output::json(task);
    }
    crate::say!(
        "Follow-up task {} {what}: {} ({}), due {}.",
        task.meta.id,
        task.record.description,
        task.record.status.as_str(),
        task.record.due_at.date()
    );
    Ok(())
}

pub fn run(store: &Store, auditor: &CliAuditor, cmd: TaskCmd, json: bool) -> Result<()> {
    let actor = Actor::new(format!("review:{}", auditor.user()));
    let by = auditor.user().to_owned();
    match cmd {
        TaskCmd::Add {
            patient,
            encounter,
            kind,
            what,
            from,
            due_days,
            assign,
        } => {
            let Some(kind) = FollowUpKind::parse(&kind) else {
                bail!(
                    "--kind {kind}: not one of insurance, consent, outside-records, demographics, other"
                );
            };
            if !(0..=365).contains(&due_days) {
                bail!("--due-days must be 0 to 365, not {due_days}");
            }
            if let Some(user) = &assign
                && store.security(|s| s.user(user.trim()))?.is_none()
            {
                bail!("--assign {user}: no such user");
            }
            let new = NewTask {
                patient_id: patient,
                encounter_id: encounter,
                kind,
                description: what,
                obtain_from: from,
                assignee: assign,
                due_at: store.clock().now() + time::Duration::days(due_days),
                opened_by: by,
            };
            let task = write(store, auditor, None, |tx| {
                review::add_task(tx, &actor, &new)
            })?;
            say_task(&task, json, "opened")
        }
        TaskCmd::Contact {
            id,
            method,
            outcome,
        } => {
            let change = TaskChange::Contact { method, outcome };
            let task = write(store, auditor, Some(id), |tx| {
                review::change_task(tx, &actor, id, &change, &by)
            })?;
            say_task(
                &task,
                json,
                &format!("has {} contact attempts", task.record.contacts.len()),
            )
        }
        TaskCmd::Close { id, reason, cancel } => {
            let change = if cancel {
                TaskChange::Cancel(reason)
            } else {
                TaskChange::Done(reason)
            };
            let task = write(store, auditor, Some(id), |tx| {
                review::change_task(tx, &actor, id, &change, &by)
            })?;
            say_task(&task, json, "closed")
        }
        TaskCmd::List {
            all,
            assignee,
            patient,
        } => {
            let escalated = escalate(store, auditor, &actor)?;
            let query = TaskQuery {
                all,
                assignee,
                patient_id: patient,
                limit: 500,
            };
            let who = auditor.event(store, AuditAction::Read);
            let found = auditor.trail().write(store, |audited| {
                review::tasks_audited(audited, &who, &query)
            })?;
            if json {
                return output::json(&found);
            }
            if escalated > 0 {
                crate::say!("{escalated} task(s) past due escalated now.");
            }
            if found.is_empty() {
                crate::say!("No follow-up tasks match.");
                return Ok(());
            }
            let now = store.clock().now();
            let rows: Vec<Vec<String>> = found
                .iter()
                .map(|t| {
                    let r = &t.task.record;
                    vec![
                        t.task.meta.id.to_string(),
                        format!("{} ({})", t.patient_name, t.mrn),
                        r.kind.as_str().to_owned(),
                        r.status.as_str().to_owned(),
                        r.assignee.clone().unwrap_or_default(),
                        format!(
                            "{}{}",
                            r.due_at.date(),
                            if r.status.is_open() && r.due_at < now {
                                " (late)"
                            } else {
                                ""
                            }
                        ),
                        r.contacts.len().to_string(),
                        format!("{} from {}", r.description, r.obtain_from),
                    ]
                })
                .collect();
            output::table(
                &[
                    "id", "patient", "kind", "status", "assignee", "due", "contacts", "what",
                ],
                &rows,
            );
            Ok(())
        }
    }
}
