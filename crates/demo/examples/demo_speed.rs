//! Generates a demo population into an in-memory store and prints counts and speed:
//! `cargo run --release -p demo --example demo_speed -- 10000 1`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Instant;
use store::{Location, Store, SystemClock};

fn main() {
    let mut args = std::env::args().skip(1);
    let patients: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let location = args
        .next()
        .map_or(Location::Memory, |dir| Location::parse(&dir));
    let store = Store::open(&location, Arc::new(SystemClock)).expect("open store");
    let options = demo::DemoOptions {
        patients,
        seed,
        as_of: time::macros::date!(2026 - 11 - 25),
        batch_size: 500,
    };
    let started = Instant::now();
    let report = demo::generate(&store, &options, &mut |_| {}).expect("generate");
    let seconds = started.elapsed().as_secs_f64();
    println!("{report:#?}");
    let stats = store.read(|tx| tx.stats()).unwrap();
    println!(
        "without coverage: {}, balance: {:?}",
        stats.patients_without_coverage, stats.balance
    );
    println!(
        "{patients} patients in {seconds:.2} s = {:.0} patients/s",
        f64::from(patients) / seconds
    );
}
