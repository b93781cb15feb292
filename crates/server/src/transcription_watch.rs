//! Drafting dictations while the server runs: a thread takes the dictations waiting for a
//! draft (stat first, then oldest) and runs the recogniser over each
//! (`transcription::draft_waiting`), woken by each upload and at least every few seconds.
//!
//! Invariants:
//! - One dictation that fails never stops the job: its problem is recorded on it ("no
//!   draft: recogniser not installed", "no draft: recognition failed: ...") and it goes on
//!   to editing; a failure to record even that is logged and the next one goes on.
//! - The recogniser is made on the job's own thread (building the medical vocabulary takes
//!   seconds), so the server answers meanwhile; dictations wait until it is ready.

use crate::state::AppState;
use std::sync::{Condvar, Mutex};
use std::time::Duration;
use transcription::Recognizer;

/// The longest the job sleeps when nothing wakes it.
const LOOK_EVERY: Duration = Duration::from_secs(5);

/// A flag the upload sets and the job waits on.
#[derive(Debug, Default)]
pub(crate) struct Wakeup {
    pending: Mutex<bool>,
    ring: Condvar,
}

impl Wakeup {
    /// Something arrived: the job looks now.
    pub(crate) fn wake(&self) {
        if let Ok(mut pending) = self.pending.lock() {
            *pending = true;
            self.ring.notify_all();
        }
    }

    /// Waits until woken or `at_most` has passed.
    fn wait(&self, at_most: Duration) {
        let Ok(pending) = self.pending.lock() else {
            return;
        };
        if let Ok((mut pending, _)) = self
            .ring
            .wait_timeout_while(pending, at_most, |pending| !*pending)
        {
            *pending = false;
        }
    }
}

/// What one pass did, for the log.
fn report(drafted: &[transcription::Drafted]) {
    for one in drafted {
        match &one.outcome {
            Ok(d) => {
                if let Some(problem) = &d.record.draft_problem {
                    eprintln!("chartroom serve: dictation {}: {problem}", one.id);
                }
            }
            Err(e) => eprintln!(
                "chartroom serve: dictation {} could not be drafted: {e}",
                one.id
            ),
        }
    }
}

impl AppState {
    /// Starts the drafting thread; `make` builds the recogniser on it.
    pub fn keep_dictations_drafted(
        &self,
        make: impl FnOnce() -> Box<dyn Recognizer> + Send + 'static,
    ) -> std::io::Result<()> {
        let state = self.clone();
        std::thread::Builder::new()
            .name("dictation-drafts".into())
            .spawn(move || {
                let recognizer = make();
                let audio = transcription::audio_store::in_data_dir(state.trail.dir());
                loop {
                    match transcription::draft_waiting(
                        &state.store,
                        &state.trail,
                        &audio,
                        recognizer.as_ref(),
                        &state.templates,
                    ) {
                        Ok(drafted) => report(&drafted),
                        // Reading the queue failed: tried again on the next pass.
                        Err(e) => eprintln!("chartroom serve: drafting dictations failed: {e}"),
                    }
                    state.drafting.wait(LOOK_EVERY);
                }
            })
            .map(|_| ())
    }
}
