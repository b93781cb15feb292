//! Claims from the outside: built from a demo population and from hand-made charts,
//! written as 837P and read back; the files are kept for pyx12 when
//! `CHARTROOM_X12_SAMPLES` names a directory (test.sh validates them there).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests fail by panicking.

mod acknowledgments;
mod build;
mod coordination;
mod golden;
mod inbox;
mod institutional;
mod lifecycle;
mod ncci;
mod posting;
mod professional;
mod receivables;
mod remittance;
mod review;
mod service_kinds;
mod statement;

use claims::{Numbers, ProfessionalClaim, Submitter, build_professional, write_837p};
use records::{CoverageOrder, Encounter, EncounterId, EncounterStatus};
use store::{Filter, Op, Sort, Value};
use test_support::TestStore;
use time::macros::datetime;

/// The billing office of the tests.
pub fn submitter() -> Submitter {
    Submitter {
        name: "SPRINGFIELD GENERAL BILLING".into(),
        id: "CHARTROOM01".into(),
        contact: "Billing Office".into(),
        phone: "4135550100".into(),
        receiver_name: "CLEARINGHOUSE".into(),
        receiver_id: "CLEARHOUSE01".into(),
        billing_tax_id: "043456789".into(),
        production: false,
    }
}

/// A demo population of `patients` as of 2026-03-01.
pub fn demo_store(patients: u32) -> TestStore {
    let store = test_support::sqlite_store();
    let as_of = time::macros::date!(2026 - 03 - 01);
    demo::generate(
        &store,
        &demo::DemoOptions {
            patients,
            seed: 15,
            as_of,
            batch_size: 100,
        },
        &mut |_| {},
    )
    .unwrap();
    store
}

/// Every claim the finished encounters of `store` give, with the problems of the others.
pub fn build_all(store: &TestStore) -> (Vec<ProfessionalClaim>, Vec<String>) {
    build_each(store, build_professional)
}

/// What `build` makes of each finished encounter of `store`: the claims, and the problems
/// of the others.
pub fn build_each<C>(
    store: &TestStore,
    build: impl Fn(
        &mut store::Tx<'_>,
        EncounterId,
        CoverageOrder,
    ) -> store::Result<Result<C, Vec<claims::BuildProblem>>>,
) -> (Vec<C>, Vec<String>) {
    store
        .read(|tx| {
            let encounters = tx.search::<Encounter>(
                &[Filter::Compare("status", Op::Eq, Value::from("finished"))],
                &[Sort("id", false)],
                10_000,
                0,
            )?;
            let mut claims = Vec::new();
            let mut problems = Vec::new();
            for encounter in encounters {
                let id = EncounterId(encounter.meta.id);
                match build(tx, id, CoverageOrder::Primary)? {
                    Ok(claim) => claims.push(claim),
                    Err(found) => problems.extend(found.iter().map(ToString::to_string)),
                }
            }
            Ok((claims, problems))
        })
        .unwrap()
}

/// Writes `claims` as an 837P with fixed numbers and time.
pub fn write(claims: &[ProfessionalClaim]) -> String {
    let numbers = Numbers {
        interchange: 1001,
        group: 2001,
        first_transaction: 3001,
    };
    write_837p(
        claims,
        &submitter(),
        numbers,
        datetime!(2026-03-02 14:05),
        x12::Delimiters::default(),
    )
    .unwrap()
}

/// Keeps `text` as `name` for the pyx12 check in test.sh, when asked to.
pub fn keep_for_validator(name: &str, text: &str) {
    if let Ok(dir) = std::env::var("CHARTROOM_X12_SAMPLES") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(std::path::Path::new(&dir).join(name), text).unwrap();
    }
}

/// A finished encounter status, for fixtures.
pub const FINISHED: EncounterStatus = EncounterStatus::Finished;
