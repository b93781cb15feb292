//! Deficiencies kept in step with the chart: opened, resolved when the cause is fixed,
//! reopened when it comes back, waivers kept, and a second review changes nothing.

use crate::charts::*;
use records::*;
use review::{Action, QueueQuery, ReviewCounts, RuleSet, act, queue, review_all};
use test_support::{TestStore, backend_tests};

fn run(store: &TestStore, rules: &RuleSet) -> ReviewCounts {
    review_all(store, &actor(), rules, &context(), &mut |_| {}).unwrap()
}

fn open_queue(store: &TestStore) -> Vec<store::Stored<Deficiency>> {
    store.read(|tx| queue(tx, &QueueQuery::default())).unwrap()
}

fn fixing_the_cause_resolves_and_undoing_it_reopens(store: &TestStore) {
    let rules = RuleSet::defaults().unwrap();
    // A diagnosis without its POA indicator: the cause can be fixed and undone (a signed
    // note cannot be unsigned, so a note is no use here).
    let (chart, diagnosis_id) = store
        .write(|tx| {
            let c = complete_chart(tx);
            let d = diagnosis(tx, &c, "E11.9", DiagnosisRank::Secondary, None);
            Ok((c, d))
        })
        .unwrap();
    let first = run(store, &rules);
    assert_eq!((first.charts, first.opened), (1, 1));
    let again = run(store, &rules);
    assert_eq!(
        (again.opened, again.still_open, again.resolved),
        (0, 1, 0),
        "idempotent"
    );
    let open = open_queue(store);
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].record.subject, format!("diagnosis:{diagnosis_id}"));

    let indicate = |poa: Option<PoaIndicator>| {
        store
            .write(|tx| {
                let current: store::Stored<Diagnosis> = tx.get(diagnosis_id)?;
                let mut record = current.record.clone();
                record.poa = poa;
                tx.update(&actor(), diagnosis_id, current.meta.version, &record)
            })
            .unwrap()
    };
    indicate(Some(PoaIndicator::Yes));
    assert_eq!(run(store, &rules).resolved, 1);
    assert!(open_queue(store).is_empty());
    let all: Vec<store::Stored<Deficiency>> =
        store.read(|tx| tx.for_patient(chart.patient)).unwrap();
    assert_eq!(all[0].record.status, DeficiencyStatus::Resolved);
    assert_eq!(
        all[0].record.closed_reason.as_deref(),
        Some(review::CAUSE_FIXED)
    );

    indicate(None);
    assert_eq!(run(store, &rules).reopened, 1);
    let reopened = open_queue(store);
    assert_eq!(
        reopened[0].meta.id, all[0].meta.id,
        "the same deficiency, not a new one"
    );
    assert_eq!(reopened[0].record.status, DeficiencyStatus::Open);
    let history = store
        .read(|tx| tx.history(Deficiency::KIND, reopened[0].meta.id))
        .unwrap();
    let statuses: Vec<String> = history
        .iter()
        .map(|h| serde_json::to_string(&h.changes).unwrap())
        .collect();
    assert_eq!(history.len(), 2, "resolved, then reopened: {history:#?}");
    assert!(
        statuses.iter().any(|s| s.contains("resolved")),
        "{statuses:?}"
    );
}

fn waivers_and_assignments_are_kept(store: &TestStore) {
    let rules = RuleSet::defaults().unwrap();
    store
        .write(|tx| {
            let c = complete_chart(tx);
            note(tx, &c, NoteType::Progress, ADMIT, false);
            diagnosis(tx, &c, "E11.9", DiagnosisRank::Secondary, None);
            Ok(())
        })
        .unwrap();
    run(store, &rules);
    let open = open_queue(store);
    assert_eq!(open.len(), 2);
    let (poa, unsigned) = if open[0].record.rule_id == "poa-missing" {
        (&open[0], &open[1])
    } else {
        (&open[1], &open[0])
    };
    store
        .write(|tx| {
            act(
                tx,
                &actor(),
                poa.meta.id,
                &Action::Waive("POA not required for this payer".into()),
            )?;
            act(
                tx,
                &actor(),
                unsigned.meta.id,
                &Action::Assign("hana".into()),
            )
        })
        .unwrap();
    let counts = run(store, &rules);
    assert_eq!((counts.opened, counts.reopened, counts.resolved), (0, 0, 0));
    let mine = store
        .read(|tx| {
            queue(
                tx,
                &QueueQuery {
                    assignee: Some("hana".into()),
                    ..QueueQuery::default()
                },
            )
        })
        .unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].record.status, DeficiencyStatus::Assigned);
    let refused = store.write(|tx| act(tx, &actor(), poa.meta.id, &Action::Assign("hana".into())));
    assert!(
        matches!(&refused, Err(store::Error::Conflict(m)) if m.contains("is waived")),
        "{refused:?}"
    );
    let no_reason =
        store.write(|tx| act(tx, &actor(), unsigned.meta.id, &Action::Waive(" ".into())));
    assert!(
        matches!(no_reason, Err(store::Error::Invalid { .. })),
        "{no_reason:?}"
    );
}

fn a_disabled_rule_leaves_its_deficiencies(store: &TestStore) {
    store
        .write(|tx| {
            let c = complete_chart(tx);
            note(tx, &c, NoteType::Progress, ADMIT, false);
            Ok(())
        })
        .unwrap();
    run(store, &RuleSet::defaults().unwrap());
    let quiet =
        RuleSet::with_facility_file("[rules.note-unsigned]\nenabled = false\n", "f.toml").unwrap();
    let counts = run(store, &quiet);
    assert_eq!(counts.resolved, 0);
    assert_eq!(open_queue(store).len(), 1);
}

backend_tests!(
    a_step_re_reviews_only_what_was_written,
    age_bands_and_lateness_at_their_edges,
    delinquency_metrics,
    fixing_the_cause_resolves_and_undoing_it_reopens,
    waivers_and_assignments_are_kept,
    a_disabled_rule_leaves_its_deficiencies,
    the_queue_filters_by_service_class_and_age,
);

fn the_queue_filters_by_service_class_and_age(store: &TestStore) {
    let rules = RuleSet::defaults().unwrap();
    // An inpatient surgical stay with an unsigned progress note, and an emergency visit
    // later that lacks its notes' signature and its diagnosis.
    let (stay, visit) = store
        .write(|tx| {
            let c = complete_chart(tx);
            let current: store::Stored<Encounter> = tx.get(c.encounter)?;
            let mut stay = current.record.clone();
            stay.service = Some("Surgery".into());
            tx.update(&actor(), c.encounter, current.meta.version, &stay)?;
            note(
                tx,
                &c,
                NoteType::Progress,
                ADMIT + time::Duration::days(1),
                false,
            );
            let mut visit = stay.clone();
            visit.class = EncounterClass::Emergency;
            visit.service = Some("Emergency medicine".into());
            visit.admit_at = DISCHARGE + time::Duration::days(20);
            visit.discharge_at = Some(visit.admit_at + time::Duration::hours(4));
            let visit = tx.create(&actor(), &visit)?.meta.id;
            let at_visit = crate::charts::Chart {
                encounter: visit,
                ..c
            };
            note(
                tx,
                &at_visit,
                NoteType::Progress,
                DISCHARGE + time::Duration::days(20),
                false,
            );
            Ok((c.encounter, visit))
        })
        .unwrap();
    run(store, &rules);
    let listed = |query: QueueQuery| -> Vec<store::Stored<Deficiency>> {
        store.read(|tx| queue(tx, &query)).unwrap()
    };
    let all = open_queue(store);
    let about = |found: &[store::Stored<Deficiency>]| -> Vec<Option<i64>> {
        let mut encounters: Vec<Option<i64>> = found
            .iter()
            .map(|d| d.record.encounter_id.map(|e| e.0))
            .collect();
        encounters.sort_unstable();
        encounters.dedup();
        encounters
    };
    assert!(about(&all).contains(&Some(stay)) && about(&all).contains(&Some(visit)));
    let surgery = listed(QueueQuery {
        service: Some("surg".into()),
        ..QueueQuery::default()
    });
    assert!(!surgery.is_empty());
    assert_eq!(about(&surgery), vec![Some(stay)], "{surgery:#?}");
    let emergency = listed(QueueQuery {
        encounter_class: Some(EncounterClass::Emergency),
        ..QueueQuery::default()
    });
    assert!(!emergency.is_empty());
    assert_eq!(about(&emergency), vec![Some(visit)], "{emergency:#?}");
    let none = listed(QueueQuery {
        service: Some("surg".into()),
        encounter_class: Some(EncounterClass::Emergency),
        ..QueueQuery::default()
    });
    assert!(none.is_empty(), "{none:#?}");
    assert_eq!(
        listed(QueueQuery {
            service: Some("  ".into()),
            ..QueueQuery::default()
        })
        .len(),
        all.len(),
        "a blank service filters nothing"
    );

    // Ages in whole days since the clock started, the metrics' way, at both edges.
    let now = store.clock().now();
    let age = |d: &store::Stored<Deficiency>| (now - d.record.since).whole_days();
    let mut ages: Vec<i64> = all.iter().map(age).collect();
    ages.sort_unstable();
    ages.dedup();
    assert!(ages.len() >= 2, "{ages:?}");
    for (min, max) in [
        (Some(ages[0]), Some(ages[0])),
        (Some(ages[1]), None),
        (None, Some(ages[1] - 1)),
        (Some(ages[0] + 1), Some(ages[1])),
    ] {
        let ids = |found: Vec<store::Stored<Deficiency>>| -> Vec<i64> {
            let mut ids: Vec<i64> = found.iter().map(|d| d.meta.id).collect();
            ids.sort_unstable();
            ids
        };
        let expected = ids(all
            .iter()
            .filter(|d| min.is_none_or(|m| age(d) >= m) && max.is_none_or(|m| age(d) <= m))
            .cloned()
            .collect());
        let got = ids(listed(QueueQuery::default().aged(now, min, max)));
        assert_eq!(got, expected, "ages {min:?}..{max:?} of {ages:?}");
        assert!(!got.is_empty());
    }
}

fn a_step_re_reviews_only_what_was_written(store: &TestStore) {
    let rules = RuleSet::defaults().unwrap();
    let chart = store.write(|tx| Ok(complete_chart(tx))).unwrap();
    let mut mark = review::Watermark::now(store).unwrap();
    let step = |mark: &mut review::Watermark| {
        review::step(store, &actor(), mark, &rules, &context()).unwrap()
    };
    assert_eq!(step(&mut mark).charts, 0, "nothing written since the mark");
    store
        .write(|tx| {
            diagnosis(tx, &chart, "E11.9", DiagnosisRank::Secondary, None);
            Ok(())
        })
        .unwrap();
    let counts = step(&mut mark);
    assert_eq!((counts.charts, counts.opened), (1, 1), "{counts:?}");
    assert_eq!(
        step(&mut mark).charts,
        0,
        "review's own writes do not wake it"
    );
    let dx: Vec<store::Stored<Diagnosis>> = store.read(|tx| tx.for_patient(chart.patient)).unwrap();
    let e11 = dx.iter().find(|d| d.record.code == "E11.9").unwrap();
    store
        .write(|tx| {
            let mut record = e11.record.clone();
            record.poa = Some(PoaIndicator::No);
            tx.update(&actor(), e11.meta.id, e11.meta.version, &record)
        })
        .unwrap();
    let fixed = step(&mut mark);
    assert_eq!(
        (fixed.charts, fixed.resolved),
        (1, 1),
        "an update is seen through its history"
    );
    assert!(open_queue(store).is_empty());
}

fn delinquency_metrics(store: &TestStore) {
    let chart = store
        .write(|tx| {
            let c = complete_chart(tx);
            note(tx, &c, NoteType::Progress, ADMIT, false);
            Ok(c)
        })
        .unwrap();
    run(store, &RuleSet::defaults().unwrap());
    let now = store.clock().now();
    let m = store.read(|tx| review::metrics(tx, now, 21)).unwrap();
    assert_eq!((m.open, m.delinquent, m.delinquent_records), (1, 1, 1));
    // Written 2026-02-01 08:30, due a day later; the test clock reads 2026-03-02 14:00.
    assert_eq!(
        m.by_age.iter().find(|(_, n)| *n == 1).unwrap().0,
        "15-30 days"
    );
    assert_eq!(m.by_provider.len(), 1);
    assert_eq!(m.by_provider[0].provider_id, chart.provider);
    assert_eq!(m.by_provider[0].most_days_overdue, 28);
    assert!((m.average_monthly_discharges - 1.0 / 12.0).abs() < 1e-9);
    assert_eq!(m.delinquency_rate.map(|r| r.round()), Some(1200.0));
    assert_eq!(m.suspension.len(), 1, "28 days past due is past 21");
    let lenient = store.read(|tx| review::metrics(tx, now, 30)).unwrap();
    assert!(lenient.suspension.is_empty());
}

/// Ages count whole days, as a person would: exactly 7 days old is "0-7 days", 8 days less
/// a minute too; 8 days is "8-14 days". Due exactly now is not yet late.
fn age_bands_and_lateness_at_their_edges(store: &TestStore) {
    use time::Duration;
    let now = store.clock().now();
    let ages = [
        (Duration::ZERO, "0-7 days"),
        (Duration::days(7), "0-7 days"),
        (Duration::days(8) - Duration::minutes(1), "0-7 days"),
        (Duration::days(8), "8-14 days"),
        (Duration::days(31), "31-60 days"),
        (Duration::days(61), "over 60 days"),
    ];
    store
        .write(|tx| {
            let c = complete_chart(tx);
            for (n, (age, _)) in ages.iter().enumerate() {
                tx.create(
                    &actor(),
                    &Deficiency {
                        patient_id: PatientId(c.patient),
                        encounter_id: None,
                        rule_id: "note-unsigned".into(),
                        subject: format!("note:{n}"),
                        status: DeficiencyStatus::Open,
                        severity: Severity::High,
                        responsible: Responsible::Attending,
                        provider_id: Some(ProviderId(c.provider)),
                        assignee: None,
                        message: "Note unsigned".into(),
                        since: now - *age,
                        // The youngest is due exactly now; the others a day after their start.
                        due_at: if n == 0 {
                            now
                        } else {
                            now - *age + Duration::days(1)
                        },
                        closed_at: None,
                        closed_reason: None,
                    },
                )?;
            }
            Ok(())
        })
        .unwrap();
    let m = store.read(|tx| review::metrics(tx, now, 21)).unwrap();
    let band = |label: &str| m.by_age.iter().find(|(l, _)| l == label).unwrap().1;
    for label in [
        "0-7 days",
        "8-14 days",
        "15-30 days",
        "31-60 days",
        "over 60 days",
    ] {
        let expected = ages.iter().filter(|(_, l)| *l == label).count() as u64;
        assert_eq!(band(label), expected, "{label}");
    }
    assert_eq!(m.open, 6);
    // Due exactly now is not late; every older one fell due a day after it started.
    assert_eq!(m.delinquent, 5);
    assert_eq!(m.delinquent_records, 1, "all on the one chart");
    assert_eq!(m.by_provider[0].most_days_overdue, 60);
}
