//! Physician queries: asked compliantly about a deficiency, answered once from the options
//! offered, the deficiency following; leading or incomplete queries refused.

use crate::charts::*;
use records::*;
use review::{NewQuery, QueueQuery, RuleSet, answer, ask, open_queries, queue, review_all};
use test_support::{TestStore, backend_tests};

/// A chart with an inpatient diagnosis lacking its POA indicator, reviewed; returns the
/// provider and the deficiency.
fn with_deficiency(store: &TestStore) -> (Chart, i64) {
    let chart = store.write(|tx| Ok(complete_chart(tx))).unwrap();
    store
        .write(|tx| {
            note(tx, &chart, NoteType::Progress, ADMIT, false);
            Ok(())
        })
        .unwrap();
    review_all(
        store,
        &actor(),
        &RuleSet::defaults().unwrap(),
        &context(),
        &mut |_| {},
    )
    .unwrap();
    let open = store.read(|tx| queue(tx, &QueueQuery::default())).unwrap();
    (chart, open[0].meta.id)
}

fn query(deficiency: i64, question: &str, options: &[&str]) -> NewQuery {
    NewQuery {
        deficiency_id: deficiency,
        provider_id: None,
        asked_by: "hana".into(),
        question: question.into(),
        indicators: vec!["WBC 18.2 on 2026-02-01".into(), "Temperature 39.1 C".into()],
        options: options.iter().map(|o| (*o).to_owned()).collect(),
    }
}

fn a_query_is_asked_answered_once_and_the_deficiency_follows(store: &TestStore) {
    let (chart, deficiency) = with_deficiency(store);
    let asked = store
        .write(|tx| {
            Ok(ask(
                tx,
                &actor(),
                &query(
                    deficiency,
                    "Based on the indicators, which condition was being treated?",
                    &["Sepsis", "SIRS without infection"],
                ),
            )?)
        })
        .unwrap();
    assert_eq!(
        asked.record.provider_id,
        ProviderId(chart.provider),
        "the deficiency's physician"
    );
    assert_eq!(
        asked.record.options,
        ["Sepsis", "SIRS without infection", OTHER, UNDETERMINED],
        "Other and Clinically undetermined are always offered"
    );
    let status = |store: &TestStore| {
        store
            .read(|tx| tx.get::<Deficiency>(deficiency))
            .unwrap()
            .record
            .status
    };
    assert_eq!(status(store), DeficiencyStatus::Queried);
    let waiting = store
        .read(|tx| open_queries(tx, Some(chart.provider)))
        .unwrap();
    assert_eq!(waiting.len(), 1);

    let not_offered =
        store.write(|tx| answer(tx, &actor(), asked.meta.id, "Pneumonia", None, "drosler"));
    assert!(
        matches!(not_offered, Err(store::Error::Invalid { .. })),
        "{not_offered:?}"
    );
    let answered = store
        .write(|tx| {
            answer(
                tx,
                &actor(),
                asked.meta.id,
                "sepsis",
                Some("See progress note."),
                "drosler",
            )
        })
        .unwrap();
    assert_eq!(answered.record.answer.as_deref(), Some("Sepsis"));
    assert_eq!(status(store), DeficiencyStatus::Answered);
    let again = store.write(|tx| answer(tx, &actor(), asked.meta.id, "Other", None, "drosler"));
    assert!(
        matches!(&again, Err(store::Error::Conflict(m)) if m == &format!("physician query {} is answered; it cannot be answered again", asked.meta.id)),
        "{again:?}"
    );
    store.clock.advance(time::Duration::hours(5));
    let m = store
        .read(|tx| review::metrics(tx, store.clock().now(), 21))
        .unwrap();
    assert_eq!((m.queries_asked, m.queries_answered), (1, 1));
    assert_eq!(
        m.median_answer_hours,
        Some(0.0),
        "answered at the same clock reading"
    );
}

fn a_leading_or_bare_query_is_refused(store: &TestStore) {
    let (_, deficiency) = with_deficiency(store);
    let leading = store.write(|tx| {
        Ok(ask(
            tx,
            &actor(),
            &query(
                deficiency,
                "Please document sepsis if you agree.",
                &["Sepsis"],
            ),
        )?)
    });
    let Err(store::Error::Invalid { errors, .. }) = leading else {
        panic!("{leading:?}")
    };
    assert!(
        errors.to_string().contains("leads the physician"),
        "{errors}"
    );
    let mut bare = query(deficiency, "Which condition was treated?", &[]);
    bare.indicators.clear();
    let refused = store.write(|tx| Ok(ask(tx, &actor(), &bare)?));
    let Err(store::Error::Invalid { errors, .. }) = refused else {
        panic!("{refused:?}")
    };
    let said = errors.to_string();
    assert!(
        said.contains("quote at least one clinical indicator"),
        "{said}"
    );
    assert!(
        said.contains("offer at least one clinical answer"),
        "{said}"
    );
    let open = store.read(|tx| queue(tx, &QueueQuery::default())).unwrap();
    assert_eq!(
        open[0].record.status,
        DeficiencyStatus::Open,
        "nothing changed"
    );
}

fn a_deficiency_without_a_physician_needs_one_named(store: &TestStore) {
    let chart = store.write(|tx| Ok(complete_chart(tx))).unwrap();
    store
        .write(|tx| {
            diagnosis_listed(tx, &chart, "E11.9", DiagnosisRank::Secondary, None, 2);
            Ok(())
        })
        .unwrap();
    review_all(
        store,
        &actor(),
        &RuleSet::defaults().unwrap(),
        &context(),
        &mut |_| {},
    )
    .unwrap();
    let open = store.read(|tx| queue(tx, &QueueQuery::default())).unwrap();
    let poa = open
        .iter()
        .find(|d| d.record.rule_id == "poa-missing")
        .unwrap();
    assert_eq!(poa.record.provider_id, None, "the technician's own work");
    let question = "Was the condition present on admission?";
    let asked = query(poa.meta.id, question, &["Yes", "No"]);
    let refused = store.write(|tx| Ok(ask(tx, &actor(), &asked))).unwrap();
    let Err(review::AskError::NoPhysician { deficiency }) = refused else {
        panic!("{refused:?}")
    };
    assert_eq!(deficiency, poa.meta.id);
    let mut named = asked.clone();
    named.provider_id = Some(chart.provider);
    let asked = store.write(|tx| Ok(ask(tx, &actor(), &named)?)).unwrap();
    assert_eq!(asked.record.provider_id, ProviderId(chart.provider));
    let status = |store: &TestStore| {
        store
            .read(|tx| tx.get::<Deficiency>(poa.meta.id))
            .unwrap()
            .record
            .status
    };
    assert_eq!(status(store), DeficiencyStatus::Queried);

    // Withdrawn with a reason: the deficiency is back in the queue; once is all.
    let withdrawn = store
        .write(|tx| review::withdraw(tx, &actor(), asked.meta.id, "asked of the wrong physician"))
        .unwrap();
    assert_eq!(withdrawn.record.status, QueryStatus::Withdrawn);
    assert_eq!(status(store), DeficiencyStatus::Open);
    let again = store.write(|tx| review::withdraw(tx, &actor(), asked.meta.id, "again"));
    let Err(store::Error::Conflict(said)) = again else {
        panic!("{again:?}")
    };
    assert!(said.contains("is withdrawn"), "{said}");
    assert!(
        store.read(|tx| open_queries(tx, None)).unwrap().is_empty(),
        "no longer waiting"
    );
}

backend_tests!(
    a_deficiency_without_a_physician_needs_one_named,
    a_query_is_asked_answered_once_and_the_deficiency_follows,
    a_leading_or_bare_query_is_refused,
);
