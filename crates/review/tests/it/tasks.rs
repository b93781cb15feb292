//! Data-collection follow-up: opened, each contact logged, escalated once past due, closed
//! with a reason, and refused once closed.

use crate::charts::*;
use records::*;
use review::{NewTask, TaskChange, TaskQuery, add_task, change_task, escalate_overdue, tasks};
use test_support::{TestStore, backend_tests};
use time::Duration;

fn new_task(chart: &Chart, due_in: Duration, now: time::OffsetDateTime) -> NewTask {
    NewTask {
        patient_id: chart.patient,
        encounter_id: Some(chart.encounter),
        kind: FollowUpKind::Insurance,
        description: "Insurance card after the emergency visit".into(),
        obtain_from: "the patient".into(),
        assignee: Some("hana".into()),
        due_at: now + due_in,
        opened_by: "hana".into(),
    }
}

fn a_task_is_chased_escalated_when_late_and_closed(store: &TestStore) {
    let chart = store.write(|tx| Ok(complete_chart(tx))).unwrap();
    let now = store.clock().now();
    let late = store
        .write(|tx| add_task(tx, &actor(), &new_task(&chart, Duration::days(-1), now)))
        .unwrap();
    let later = store
        .write(|tx| add_task(tx, &actor(), &new_task(&chart, Duration::days(7), now)))
        .unwrap();
    assert_eq!(late.record.status, FollowUpStatus::Open);

    let contact = TaskChange::Contact {
        method: "phone".into(),
        outcome: "no answer; left a message".into(),
    };
    let called = store
        .write(|tx| change_task(tx, &actor(), late.meta.id, &contact, "hana"))
        .unwrap();
    assert_eq!(called.record.contacts.len(), 1);
    assert_eq!(called.record.contacts[0].by, "hana");
    assert_eq!(called.record.contacts[0].method, "phone");

    let escalated = store
        .write(|tx| escalate_overdue(tx, &actor(), now))
        .unwrap();
    assert_eq!(escalated.len(), 1, "only the one past due");
    assert_eq!(escalated[0].meta.id, late.meta.id);
    assert_eq!(escalated[0].record.status, FollowUpStatus::Escalated);
    assert_eq!(escalated[0].record.contacts.len(), 1, "its attempts kept");
    let again = store
        .write(|tx| escalate_overdue(tx, &actor(), now))
        .unwrap();
    assert!(again.is_empty(), "escalated once");

    let listed = store.read(|tx| tasks(tx, &TaskQuery::default())).unwrap();
    let ids: Vec<i64> = listed.iter().map(|t| t.meta.id).collect();
    assert_eq!(ids, [late.meta.id, later.meta.id], "escalated first");

    let done = TaskChange::Done("Card copied at the front desk".into());
    let closed = store
        .write(|tx| change_task(tx, &actor(), late.meta.id, &done, "hana"))
        .unwrap();
    assert_eq!(closed.record.status, FollowUpStatus::Done);
    assert!(closed.record.closed_at.is_some());
    let refused = store.write(|tx| change_task(tx, &actor(), late.meta.id, &contact, "hana"));
    let Err(store::Error::Conflict(said)) = refused else {
        panic!("{refused:?}")
    };
    assert!(said.contains("is done"), "{said}");

    let open = store.read(|tx| tasks(tx, &TaskQuery::default())).unwrap();
    assert_eq!(open.len(), 1, "the closed one left the list");
    let all = store
        .read(|tx| {
            tasks(
                tx,
                &TaskQuery {
                    all: true,
                    ..TaskQuery::default()
                },
            )
        })
        .unwrap();
    assert_eq!(all.len(), 2);
    let history = store
        .read(|tx| tx.history(FollowUpTask::KIND, late.meta.id))
        .unwrap();
    assert_eq!(
        history.len(),
        3,
        "contacted, escalated, closed after the first version: {history:#?}"
    );
}

fn a_bad_task_is_refused_with_its_fields(store: &TestStore) {
    let chart = store.write(|tx| Ok(complete_chart(tx))).unwrap();
    let now = store.clock().now();
    let mut blank = new_task(&chart, Duration::days(3), now);
    blank.description = "  ".into();
    let refused = store.write(|tx| add_task(tx, &actor(), &blank));
    let Err(store::Error::Invalid { errors, .. }) = refused else {
        panic!("{refused:?}")
    };
    assert!(errors.to_string().contains("description"), "{errors}");
    let task = store
        .write(|tx| add_task(tx, &actor(), &new_task(&chart, Duration::days(3), now)))
        .unwrap();
    let silent = TaskChange::Cancel(" ".into());
    let refused = store.write(|tx| change_task(tx, &actor(), task.meta.id, &silent, "hana"));
    let Err(store::Error::Invalid { errors, .. }) = refused else {
        panic!("{refused:?}")
    };
    assert!(errors.to_string().contains("closed_reason"), "{errors}");
}

backend_tests!(
    a_task_is_chased_escalated_when_late_and_closed,
    a_bad_task_is_refused_with_its_fields,
);
