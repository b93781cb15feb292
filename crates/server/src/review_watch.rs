//! Keeps chart review current while the server runs: a thread reviews every chart once at
//! start, then every second re-reviews only the charts written since (`review::step`), so
//! the work queues follow the records within about a second. Each pass that changed
//! something is one `job` audit entry saying what it changed, beside the entries of its
//! transactions sealing each deficiency written. Once a minute it escalates
//! the data-collection follow-up tasks past due.

use crate::state::AppState;
use privacy::{Action, AuditEvent, Channel, DataCategory};
use review::{ReviewCounts, RuleSet, Watermark};
use std::time::Duration;
use store::Actor;

/// How long the watcher sleeps between passes.
const PASS_EVERY: Duration = Duration::from_secs(1);

fn audit(state: &AppState, what: &str, counts: &ReviewCounts) {
    if counts.opened + counts.reopened + counts.resolved == 0 {
        return;
    }
    let event = AuditEvent::new(
        state.store.clock().now(),
        "job:review",
        Action::Read,
        Channel::Job,
    )
    .categories(DataCategory::ALL)
    .reason(&format!(
        "{what}: {} charts, {} opened, {} reopened, {} resolved",
        counts.charts, counts.opened, counts.reopened, counts.resolved
    ));
    if let Err(e) = state.trail.record(&state.store, &event) {
        eprintln!("chartroom serve: chart review could not write its audit entry: {e}");
    }
}

/// Passes between escalations of overdue follow-up tasks.
const ESCALATE_EVERY: u32 = 60;

/// Escalates the follow-up tasks past due, each with its audit entry.
fn escalate(state: &AppState, actor: &Actor) {
    let now = state.store.clock().now();
    let who = AuditEvent::new(now, "job:review", Action::Update, Channel::Job);
    if let Err(e) = state.trail.write(&state.store, |audited| {
        review::escalate_audited(audited, actor, &who, now)
    }) {
        eprintln!("chartroom serve: escalating overdue follow-up tasks failed: {e}");
    }
}

impl AppState {
    /// Starts the review thread with `rules`.
    pub fn keep_review_current(&self, rules: RuleSet) -> std::io::Result<()> {
        let _ = self.review_rules.set(rules.clone());
        let state = self.clone();
        std::thread::Builder::new()
            .name("chart-review".into())
            .spawn(move || {
                let poa = match review::PoaExempt::embedded() {
                    Ok(poa) => poa,
                    Err(e) => {
                        eprintln!("chartroom serve: chart review is off: {e}");
                        return;
                    }
                };
                let cx = review::Context {
                    codes: Some(&state.codes),
                    poa_exempt: &poa,
                };
                let actor = Actor::new("job:review");
                // Every batch of charts whose deficiencies this thread changes is an entry
                // sealing what it opened, reopened or resolved (this thread's writes only:
                // request handlers audit theirs as their users).
                let template = AuditEvent::new(
                    state.store.clock().now(),
                    "job:review",
                    Action::Update,
                    Channel::Job,
                )
                .categories(DataCategory::ALL)
                .reason("chart review");
                state
                    .store
                    .audit_writes(Some((std::sync::Arc::clone(&state.trail), template)));
                // The mark is taken before the full pass, so what is written during it is
                // reviewed again by the first step rather than missed.
                let mut mark = Watermark::now(&state.store).unwrap_or_default();
                match review::review_all(&state.store, &actor, &rules, &cx, &mut |_| {}) {
                    Ok(counts) => audit(&state, "chart review at start", &counts),
                    Err(e) => eprintln!("chartroom serve: chart review at start failed: {e}"),
                }
                for pass in 0_u32.. {
                    if pass % ESCALATE_EVERY == 0 {
                        escalate(&state, &actor);
                    }
                    std::thread::sleep(PASS_EVERY);
                    match review::step(&state.store, &actor, &mut mark, &rules, &cx) {
                        Ok(counts) => audit(&state, "chart re-review", &counts),
                        // A failed pass keeps its mark and is tried again next time.
                        Err(e) => eprintln!("chartroom serve: chart re-review failed: {e}"),
                    }
                }
            })
            .map(|_| ())
    }
}
