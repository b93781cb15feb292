//! Keeps surveillance current while the server runs: a thread brings the daily syndrome
//! counts up to date every second (`surveillance::counts::step`, which reads only what was
//! written since its last step), and once a minute runs detection over the last two weeks
//! by place, so the public-health queue follows the encounters within about a minute. Case
//! finding (`surveillance::cases::step`) is stepped with the counts, so a reportable
//! condition coded on any channel is in the case queue within about a second.

use crate::state::AppState;
use std::time::Duration;
use store::Actor;
use surveillance::SyndromeSet;
use surveillance::alerts::{self, DetectOptions};
use surveillance::cases::{self, TriggerSet};

/// How long the watcher sleeps between count steps.
const STEP_EVERY: Duration = Duration::from_secs(1);

/// Steps between detection runs.
const DETECT_EVERY: u32 = 60;

/// Days detection looks back on each run.
const DETECT_DAYS: i64 = 14;

impl AppState {
    /// Starts the surveillance thread with `syndromes` and the reportable-condition
    /// `triggers` (the pages and API use them too).
    pub fn keep_surveillance_current(
        &self,
        syndromes: SyndromeSet,
        triggers: TriggerSet,
    ) -> std::io::Result<()> {
        let _ = self.syndromes.set(syndromes.clone());
        let _ = self.triggers.set(triggers.clone());
        let state = self.clone();
        std::thread::Builder::new()
            .name("surveillance".into())
            .spawn(move || {
                let actor = Actor::new("job:surveillance");
                // Each detection run that opens or updates alerts is an entry sealing them
                // (this thread's writes only).
                let template = privacy::AuditEvent::new(
                    state.store.clock().now(),
                    "job:surveillance",
                    privacy::Action::Update,
                    privacy::Channel::Job,
                )
                .categories(&[
                    privacy::DataCategory::Encounters,
                    privacy::DataCategory::Diagnoses,
                ])
                .reason("surveillance alerts");
                state
                    .store
                    .audit_writes(Some((std::sync::Arc::clone(&state.trail), template)));
                for pass in 0_u32.. {
                    // A failed step keeps its mark and is tried again next time.
                    if let Err(e) = cases::step(&state.store, &triggers) {
                        eprintln!("chartroom serve: case finding failed: {e}");
                    }
                    if let Err(e) = surveillance::counts::step(&state.store, &syndromes) {
                        eprintln!("chartroom serve: surveillance counts failed: {e}");
                    } else if pass % DETECT_EVERY == 0 {
                        let today = state.store.clock().now().date();
                        let options = DetectOptions {
                            methods: alerts::DEFAULT_METHODS.to_vec(),
                            from: today - time::Duration::days(DETECT_DAYS),
                            to: today,
                            syndromes: Vec::new(),
                            by_place: true,
                            min_observed: 1,
                        };
                        if let Err(e) = state
                            .store
                            .write(|tx| alerts::detect(tx, &actor, &syndromes, &options))
                        {
                            eprintln!("chartroom serve: surveillance detection failed: {e}");
                        }
                    }
                    std::thread::sleep(STEP_EVERY);
                }
            })
            .map(|_| ())
    }

    /// The triggers in force: those `serve` finds cases with, else the defaults.
    pub(crate) fn triggers(&self) -> Option<TriggerSet> {
        self.triggers
            .get()
            .cloned()
            .or_else(|| TriggerSet::defaults(&self.codes).ok())
    }

    /// The syndromes in force: those `serve` counts with, else the defaults.
    pub(crate) fn syndromes(&self) -> Option<SyndromeSet> {
        self.syndromes
            .get()
            .cloned()
            .or_else(|| SyndromeSet::defaults(&self.codes).ok())
    }
}
