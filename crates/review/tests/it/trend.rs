//! The monthly delinquency trend, rebuilt from due and closing times: a record counts at a
//! month's end when a deficiency had fallen due before it and was not yet closed; a
//! record with several counts once; due exactly at the end is not yet late.

use crate::charts::*;
use records::*;
use test_support::{TestStore, backend_tests};
use time::OffsetDateTime;
use time::macros::datetime;

backend_tests!(the_trend_counts_each_month_end_from_due_and_closing_times,);

fn deficiency(
    chart: &Chart,
    encounter: bool,
    subject: &str,
    due_at: OffsetDateTime,
    closed_at: Option<OffsetDateTime>,
) -> Deficiency {
    Deficiency {
        patient_id: PatientId(chart.patient),
        encounter_id: encounter.then_some(EncounterId(chart.encounter)),
        rule_id: "note-unsigned".into(),
        subject: subject.into(),
        status: if closed_at.is_some() {
            DeficiencyStatus::Resolved
        } else {
            DeficiencyStatus::Open
        },
        severity: Severity::High,
        responsible: Responsible::Attending,
        provider_id: Some(ProviderId(chart.provider)),
        assignee: None,
        message: "Note unsigned".into(),
        since: due_at - time::Duration::days(1),
        due_at,
        closed_at,
        closed_reason: closed_at.map(|_| "signed".into()),
    }
}

fn the_trend_counts_each_month_end_from_due_and_closing_times(store: &TestStore) {
    store
        .write(|tx| {
            let c = complete_chart(tx);
            for d in [
                deficiency(
                    &c,
                    false,
                    "note:1",
                    datetime!(2025-12-01 00:00 UTC),
                    Some(datetime!(2026-01-05 00:00 UTC)),
                ),
                deficiency(
                    &c,
                    true,
                    "note:2",
                    datetime!(2026-01-10 00:00 UTC),
                    Some(datetime!(2026-02-15 00:00 UTC)),
                ),
                deficiency(&c, false, "note:3", datetime!(2026-02-20 00:00 UTC), None),
                deficiency(&c, false, "note:4", datetime!(2026-02-25 00:00 UTC), None),
                deficiency(&c, true, "note:5", datetime!(2026-03-01 00:00 UTC), None),
            ] {
                tx.create(&actor(), &d)?;
            }
            Ok(())
        })
        .unwrap();
    // The test clock reads 2026-03-02 14:00; the chart's one inpatient stay ended 2026-02-04.
    let now = store.clock().now();
    let trend = store
        .read(|tx| review::delinquency_trend(tx, now, 4))
        .unwrap();
    let months: Vec<(&str, u64)> = trend
        .iter()
        .map(|p| (p.month.as_str(), p.delinquent_records))
        .collect();
    assert_eq!(
        months,
        [
            ("2025-12", 1),
            ("2026-01", 1),
            ("2026-02", 1),
            ("2026-03", 2)
        ],
        "two deficiencies of one record count once; due exactly at the month's end is not late"
    );
    assert_eq!(trend[0].at, datetime!(2026-01-01 00:00 UTC));
    assert_eq!(trend[3].at, now, "the running month is read now");
    assert_eq!(
        trend[1].delinquency_rate, None,
        "no discharge before February"
    );
    assert_eq!(trend[2].delinquency_rate.map(f64::round), Some(1200.0));
}
