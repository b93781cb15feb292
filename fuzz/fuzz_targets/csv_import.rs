//! CSV imports (Synthea export and the population extract): the first byte names the file,
//! the rest is its content; every row is stored or rejected with its line, never a panic.
//! The store is in memory and replaced every 500 inputs so a long run does not grow.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, Mutex};

const FILES: [&str; 15] = [
    "organizations",
    "payers",
    "providers",
    "patients",
    "payer_transitions",
    "encounters",
    "conditions",
    "procedures",
    "immunizations",
    "observations",
    "medications",
    "allergies",
    "claims_transactions",
    "ar_items",
    "patients",
];

struct Fresh {
    store: store::Store,
    used: u32,
}

fn open() -> store::Store {
    store::Store::open(&store::Location::Memory, Arc::new(store::SystemClock))
        .expect("an in-memory store opens")
}

static STORE: Mutex<Option<Fresh>> = Mutex::new(None);

fuzz_target!(|data: &[u8]| {
    let Some((&pick, content)) = data.split_first() else {
        return;
    };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let name = FILES[usize::from(pick) % FILES.len()];
    std::fs::write(dir.path().join(format!("{name}.csv")), content).expect("the input is written");
    let mut slot = STORE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let fresh = slot.get_or_insert_with(|| Fresh {
        store: open(),
        used: 0,
    });
    fresh.used += 1;
    if fresh.used > 500 {
        *fresh = Fresh {
            store: open(),
            used: 0,
        };
    }
    let options = interop::batch::ImportOptions {
        atomic: pick >= 128,
        ..Default::default()
    };
    let _ = interop::import(
        &fresh.store,
        dir.path(),
        &options,
        &mut interop::batch::NoProgress,
    );
});
