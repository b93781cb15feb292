//! Retention schedules as data (every problem of a file named by line) and the report on
//! both stores: which charts may be archived or destroyed, when, why, and holds blocking.

use archive::retention::{Schedule, Status, report};
use records::*;
use store::{Actor, NewHold};
use test_support::{TestStore, backend_tests};
use time::macros::{date, datetime};
use time::{Date, OffsetDateTime};

#[test]
fn the_default_schedule_reads_and_documents_each_rule() {
    let schedule = Schedule::default_schedule().unwrap();
    assert_eq!(schedule.age_of_majority, 18);
    let ids: Vec<&str> = schedule.rules.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["research", "deceased", "minor", "adult"]);
    assert!(schedule.rules.iter().all(|r| !r.note.is_empty()));
}

#[test]
fn a_bad_schedule_file_is_refused_naming_every_line() {
    let text = r#"jurisdiction = "Test state"
age_of_majority = 18

[[rule]]
id = "adult"
applies_to = "grown-up"
archive_after_years = -1
keep_years_after_last_encounter = 7
note = "x"

[[rule]]
id = "adult"
applies_to = "adult"
archive_after_years = 3
keep_years_after_death = 5
note = "y"

[[rule]]
id = "none"
applies_to = "minor"
archive_after_years = 3
"#;
    let error = Schedule::read(text, "retention.toml").unwrap_err();
    let said = error.to_string();
    for expected in [
        "retention.toml:6: rule[1].applies_to: \"grown-up\" is not one of deceased, minor, adult, group:NAME",
        "retention.toml:7: rule[1].archive_after_years: -1 is not a number of years",
        "retention.toml:12: rule[2].id: \"adult\" is used by an earlier rule",
        "retention.toml:15: rule[2].keep_years_after_death: applies only to a rule for deceased patients",
        "rule[3].keep_years_after_last_encounter: the rule names no keep_years_* period",
        "rule[3].note: is missing",
    ] {
        assert!(said.contains(expected), "missing {expected:?} in:\n{said}");
    }
    let unknown = Schedule::read(
        "jurisdiction = \"x\"\nage_of_majority = 18\nkeep = 3\n",
        "f.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(
        unknown.starts_with("f.toml:3: file: unknown field `keep`"),
        "{unknown}"
    );
}

fn actor() -> Actor {
    Actor::new("test:him")
}

fn patient(tx: &mut store::Tx<'_>, mrn: &str, born: Date, died: Option<Date>) -> i64 {
    tx.create(
        &actor(),
        &Patient {
            mrn: Mrn::parse(mrn).unwrap(),
            mrn_authority: "CHARTROOM".into(),
            family_name: "Keeper".into(),
            given_name: mrn.into(),
            middle_name: None,
            name_prefix: None,
            name_suffix: None,
            preferred_name: None,
            birth_date: born,
            sex: AdministrativeSex::Female,
            address: Address::default(),
            phone: None,
            email: None,
            language: None,
            race: None,
            ethnicity: None,
            deceased_date: died,
            identifiers: Vec::new(),
        },
    )
    .unwrap()
    .meta
    .id
}

fn visit(tx: &mut store::Tx<'_>, patient_id: i64, at: OffsetDateTime) {
    tx.create(
        &actor(),
        &Encounter {
            patient_id: PatientId(patient_id),
            class: EncounterClass::Outpatient,
            status: EncounterStatus::Finished,
            admit_at: at,
            discharge_at: Some(at + time::Duration::hours(1)),
            attending_id: None,
            facility_id: None,
            payer_id: None,
            discharge_disposition: None,
            reason: None,
            service: None,
        },
    )
    .unwrap();
}

fn the_report_dates_each_chart_and_holds_block_it(store: &TestStore) {
    let ids = store
        .write(|tx| {
            let old = patient(tx, "OLD-ADULT", date!(1950 - 01 - 01), None);
            visit(tx, old, datetime!(2010-05-01 09:00 UTC));
            visit(tx, old, datetime!(2014-02-03 09:00 UTC));
            let mid = patient(tx, "MID-ADULT", date!(1970 - 01 - 01), None);
            visit(tx, mid, datetime!(2021-06-01 09:00 UTC));
            let recent = patient(tx, "NEW-ADULT", date!(1990 - 01 - 01), None);
            visit(tx, recent, datetime!(2026-01-10 09:00 UTC));
            let minor = patient(tx, "MINOR", date!(2010 - 07 - 01), None);
            visit(tx, minor, datetime!(2014-03-01 09:00 UTC));
            let dead = patient(
                tx,
                "DECEASED",
                date!(1930 - 01 - 01),
                Some(date!(2012 - 08 - 01)),
            );
            visit(tx, dead, datetime!(2012-07-20 09:00 UTC));
            let research = patient(tx, "RESEARCH", date!(1960 - 01 - 01), None);
            visit(tx, research, datetime!(2001-01-01 09:00 UTC));
            tx.create(
                &actor(),
                &PatientGroup {
                    name: "Research subjects".into(),
                    identifier_system: None,
                    identifier_value: None,
                    members: vec![PatientId(research)],
                },
            )?;
            Ok([old, mid, recent, minor, dead, research])
        })
        .unwrap();
    let [old, mid, recent, minor, dead, research] = ids;
    let schedule = Schedule::default_schedule().unwrap();
    let as_of = date!(2026 - 03 - 02);
    let run = || store.read(|tx| report(tx, &schedule, as_of)).unwrap();
    let first = run();
    let of = |r: &archive::retention::RetentionReport, id: i64| {
        r.charts
            .iter()
            .find(|c| c.patient_id == id)
            .unwrap()
            .clone()
    };

    let chart = of(&first, old);
    assert_eq!(chart.rule, "adult");
    assert_eq!(chart.last_activity, date!(2014 - 02 - 03));
    assert_eq!(chart.destroy_on, Some(date!(2024 - 02 - 03)));
    assert_eq!(chart.status, Status::EligibleForDestruction);
    assert!(
        chart
            .why
            .contains("10 years after the last activity = 2024-02-03"),
        "{}",
        chart.why
    );

    let chart = of(&first, mid);
    assert_eq!(
        (chart.archive_on, chart.status),
        (date!(2024 - 06 - 01), Status::EligibleForArchival)
    );
    assert_eq!(of(&first, recent).status, Status::Retained);

    // A minor: the later of ten years after the visit (2024) and majority + 3 (2031).
    let chart = of(&first, minor);
    assert_eq!(chart.rule, "minor");
    assert_eq!(chart.destroy_on, Some(date!(2031 - 07 - 01)));
    assert_eq!(chart.status, Status::EligibleForArchival);
    assert!(
        chart
            .why
            .contains("3 years after the age of majority (2028-07-01) = 2031-07-01"),
        "{}",
        chart.why
    );

    let chart = of(&first, dead);
    assert_eq!(
        (chart.rule.as_str(), chart.destroy_on),
        ("deceased", Some(date!(2022 - 08 - 01)))
    );
    assert_eq!(chart.status, Status::EligibleForDestruction);

    let chart = of(&first, research);
    assert_eq!((chart.rule.as_str(), chart.destroy_on), ("research", None));
    assert_eq!(chart.status, Status::EligibleForArchival);
    assert!(chart.why.contains("kept forever"));

    // Eligible charts come first, the soonest first.
    assert_eq!(first.charts[0].status, Status::EligibleForDestruction);
    assert_eq!(first.counts["eligible for destruction"], 2);

    // A hold on a patient blocks that chart; a matter hold blocks every chart.
    let hold = store
        .write(|tx| {
            tx.place_hold(&NewHold {
                matter: Some("Roe v. Clinic"),
                covers_all: false,
                patients: &[old],
                reason: "litigation",
                placed_by: "user:counsel",
            })
        })
        .unwrap();
    let held = run();
    let chart = of(&held, old);
    assert_eq!(
        (chart.status, chart.holds.clone()),
        (Status::Held, vec![hold.id])
    );
    assert!(
        chart
            .why
            .contains("eligible for destruction blocked by hold"),
        "{}",
        chart.why
    );
    assert!(chart.why.contains("(Roe v. Clinic)"));
    assert_eq!(of(&held, dead).status, Status::EligibleForDestruction);
    let all = store
        .write(|tx| {
            tx.place_hold(&NewHold {
                matter: Some("State survey"),
                covers_all: true,
                patients: &[],
                reason: "survey",
                placed_by: "user:counsel",
            })
        })
        .unwrap();
    let everything = run();
    assert!(
        everything
            .charts
            .iter()
            .all(|c| c.status == Status::Held || c.status == Status::Retained)
    );
    assert_eq!(of(&everything, recent).status, Status::Retained);

    // Released holds no longer block.
    store
        .write(|tx| {
            tx.release_hold(hold.id, "user:counsel", "settled")?;
            tx.release_hold(all.id, "user:counsel", "survey over")
        })
        .unwrap();
    assert_eq!(run().charts, first.charts);
}

backend_tests!(the_report_dates_each_chart_and_holds_block_it);
