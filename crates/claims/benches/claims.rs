//! Claims throughput on a demo population: build (from the store) + write 837P; the whole
//! records path (draft, scrub with the code sets, submit: claims stored, control numbers,
//! 837P written, one transaction); and 835 posting (payments, and each stored claim's
//! adjudication). Prints claims/s and claim payments/s, on SQLite and, when
//! `CHARTROOM_TEST_POSTGRES_URL` names a server, PostgreSQL.
//!
//! `cargo bench -p claims --bench claims` (release); figures in ARCHITECTURE.md (Claims, Measured).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use claims::{
    Numbers, ScrubSettings, Scrubber, Submitter, build_professionals, draft_claims,
    post_remittance, read_remittances, scrub_claims, submit_claims, write_837p,
};
use records::{ClaimId, ClaimKind, CoverageOrder, Encounter, EncounterId};
use std::time::Instant;
use store::{Actor, Filter, Op, Sort, Value};

fn main() {
    println!("SQLite (in memory):");
    run(&test_support::sqlite_store());
    if let Some(store) = test_support::postgres_store() {
        println!("PostgreSQL:");
        run(&store);
    }
}

fn run(store: &test_support::TestStore) {
    let patients = std::env::var("CLAIMS_BENCH_PATIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    demo::generate(
        store,
        &demo::DemoOptions {
            patients,
            seed: 15,
            as_of: time::macros::date!(2026 - 03 - 01),
            batch_size: 100,
        },
        &mut |_| {},
    )
    .unwrap();
    let encounters = store
        .read(|tx| {
            tx.search::<Encounter>(
                &[Filter::Compare("status", Op::Eq, Value::from("finished"))],
                &[Sort("id", false)],
                i64::MAX,
                0,
            )
        })
        .unwrap();
    let ids: Vec<EncounterId> = encounters.iter().map(|e| EncounterId(e.meta.id)).collect();
    let submitter = Submitter {
        name: "BENCH BILLING".into(),
        id: "BENCH".into(),
        contact: "Billing".into(),
        phone: "4135550100".into(),
        receiver_name: "CLEARINGHOUSE".into(),
        receiver_id: "CLEAR".into(),
        billing_tax_id: "043456789".into(),
        production: false,
    };

    let started = Instant::now();
    let claims: Vec<_> = store
        .read(|tx| build_professionals(tx, &ids, CoverageOrder::Primary))
        .unwrap()
        .into_iter()
        .filter_map(|(_, built)| built.ok())
        .collect();
    let built_at = started.elapsed().as_secs_f64();
    let numbers = Numbers {
        interchange: 1,
        group: 1,
        first_transaction: 1,
    };
    let at = time::macros::datetime!(2026-03-02 14:05);
    let text = write_837p(&claims, &submitter, numbers, at, x12::Delimiters::default()).unwrap();
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "build + write: {} claims from {} encounters in {elapsed:.3} s = {:.0} claims/s (build {built_at:.3} s)",
        claims.len(),
        ids.len(),
        claims.len() as f64 / elapsed
    );

    let started = Instant::now();
    let write_only = 20;
    for _ in 0..write_only {
        std::hint::black_box(
            write_837p(&claims, &submitter, numbers, at, x12::Delimiters::default()).unwrap(),
        );
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "write only: {:.0} claims/s ({} bytes per file)",
        (claims.len() * write_only) as f64 / elapsed,
        text.len()
    );

    // The records path: draft, scrub and submit every claim in one transaction.
    let codes = codes::CodeSets::embedded().unwrap();
    // Each code-set release is read on its first use (a running server has them read); they
    // are read here, before the clock starts, for every date of service in the population.
    // A release that is missing is the scrubber's finding, not the benchmark's failure.
    let mut dates: Vec<time::Date> = encounters
        .iter()
        .map(|e| e.record.admit_at.date())
        .collect();
    dates.dedup();
    for date in dates {
        let _ = codes.icd10cm(date);
        let _ = codes.icd10pcs(date);
        let _ = codes.flat(codes::System::Hcpcs, date);
        let _ = codes.flat(codes::System::Cpt, date);
    }
    let _ = codes.edits();
    let _ = codes.ncci();
    let settings = ScrubSettings::default();
    let scrubber = Scrubber {
        codes: &codes,
        settings: &settings,
        today: time::macros::date!(2026 - 03 - 02),
    };
    let actor = Actor::new("bench");
    let started = Instant::now();
    let mut phases = [0.0; 3];
    let (n_sent, n_held) = store
        .write(|tx| {
            let drafted: Vec<i64> = draft_claims(
                tx,
                &actor,
                &ids,
                CoverageOrder::Primary,
                ClaimKind::Professional,
            )?
            .into_iter()
            .filter_map(|(_, claim)| Some(claim.ok()?.meta.id))
            .collect();
            phases[0] = started.elapsed().as_secs_f64();
            let drafted: Vec<ClaimId> = scrub_claims(tx, &actor, &scrubber, &drafted)?
                .into_iter()
                .map(|c| ClaimId(c.meta.id))
                .collect();
            phases[1] = started.elapsed().as_secs_f64();
            let sent = submit_claims(
                tx,
                &actor,
                &drafted,
                &submitter,
                at,
                x12::Delimiters::default(),
            )?;
            phases[2] = started.elapsed().as_secs_f64();
            Ok((sent.sent.len(), sent.held.len()))
        })
        .unwrap();
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "draft + scrub + submit: {} claims ({n_sent} sent, {n_held} held by edits) in {elapsed:.3} s = {:.0} claims/s \
         (draft {:.3} s, scrub {:.3} s, submit {:.3} s, commit {:.3} s)",
        n_sent + n_held,
        (n_sent + n_held) as f64 / elapsed,
        phases[0],
        phases[1] - phases[0],
        phases[2] - phases[1],
        elapsed - phases[2],
    );

    // An 835 paying every claim in full, posted in one transaction.
    let mut body = String::new();
    let mut paid = 0;
    for claim in &claims {
        let total = x12::format_cents(claim.total_cents());
        paid += claim.total_cents();
        body.push_str(&format!(
            "CLP*{}*1*{total}*{total}**12*P{}~",
            claim.claim_id, claim.claim_id
        ));
    }
    let n_segments = 6 + claims.len();
    let remittance = format!(
        "ISA*00*          *00*          *ZZ*PAYER          *ZZ*BENCH          *260315*1200*^*00501*000000001*0*P*:~\
GS*HP*PAYER*BENCH*20260315*1200*1*X*005010X221A1~ST*835*0001~BPR*I*{}*C*CHK************20260315~TRN*1*BENCH1*1~\
N1*PR*PAYER~LX*1~{body}SE*{n_segments}*0001~GE*1*1~IEA*1*000000001~",
        x12::format_cents(paid)
    );
    let started = Instant::now();
    let remittances = read_remittances(&remittance).unwrap();
    let report = store
        .write(|tx| {
            Ok(post_remittance(
                tx,
                &actor,
                &remittances[0],
                time::macros::date!(2026 - 03 - 16),
            ))
        })
        .unwrap()
        .unwrap();
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "835 read + post: {} claim payments in {elapsed:.3} s = {:.0} claim payments/s",
        report.posted,
        report.posted as f64 / elapsed
    );
}
