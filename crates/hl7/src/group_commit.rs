//! Group commit for the MLLP listener: messages that arrive on several connections at
//! once are written in one store transaction, so the cost of a commit (the WAL write) is
//! shared instead of paid per message. A batch is written straight through; only when one
//! of its messages fails is it written again with a savepoint for each message.
//!
//! There is no committer thread: the first connection thread to find no batch in progress
//! leads. It takes every message waiting, writes them, commits, posts the answers and
//! steps down; threads whose message was in the batch pick their answer up, and one of
//! those still waiting leads the next batch. A lone connection therefore commits its own
//! message with no hand-off at all. When other connections sent a message moments ago, a
//! new leader lingers (at most `LINGER`) until each of them has its next message waiting:
//! the senders answered by the last batch are sending again at that moment, and without
//! the wait batches held two or three messages of eight. Connections that are open but
//! quiet are not waited for.
//!
//! Invariants:
//! - A message's answer is posted only after the transaction holding it committed, so AA
//!   still means stored. When the commit fails, every message of the batch is answered AE
//!   naming the failure, and nothing of the batch is kept.
//! - A message that fails leaves nothing, audit entry included, and the others in its
//!   batch are stored as if each had its own transaction: the failed attempt is rolled
//!   back whole and the batch written again with a savepoint per message.
//! - Messages from one connection keep their order: a connection has at most one message
//!   waiting (it waits for the ACK before reading the next frame's answer).

use crate::ack::{AckCode, Problem};
use crate::apply::{Checked, Outcome, concluded, write_audited};
use crate::message::Message;
use crate::refusal::{Senders, sender_user};
use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};
use store::{Actor, AuditTrail, Store};

/// At most this many messages share a transaction, so one commit never holds the store
/// for long.
const MAX_BATCH: usize = 256;

/// The longest a leader waits for the other busy connections' messages.
const LINGER: Duration = Duration::from_micros(200);

/// A connection that sent a message this recently is busy: its next one is expected.
const BUSY: Duration = Duration::from_millis(5);

/// One message waiting to be written.
struct Job {
    id: u64,
    checked: Box<Checked>,
    peer: String,
}

#[derive(Default)]
struct Queue {
    next_id: u64,
    waiting: Vec<Job>,
    leading: bool,
    /// The leader is waiting until this many messages wait (0: it is not waiting); the
    /// arrival that makes up the number wakes it.
    linger_for: usize,
    /// When each open connection last sent a message.
    last_sent: HashMap<u64, Instant>,
    next_connection: u64,
    answers: HashMap<u64, (Outcome, AckCode)>,
}

/// One open connection of the listener.
pub(crate) struct Opened<'a> {
    group: &'a GroupCommit,
    id: u64,
    peer: String,
}

impl Opened<'_> {
    /// Writes `checked`, possibly with other connections' messages, and returns its
    /// answer once committed.
    pub(crate) fn submit(&self, checked: Box<Checked>) -> (Outcome, AckCode) {
        self.group.submit(self.id, &self.peer, checked)
    }

    /// The store written to.
    pub(crate) fn store(&self) -> &Store {
        &self.group.store
    }

    /// Whether the listener accepts messages from `sender` (MSH-3^MSH-4).
    pub(crate) fn accepts(&self, sender: &str) -> bool {
        self.group.senders.allows(sender)
    }

    /// Records a message from this connection that was not stored.
    pub(crate) fn audit_refusal(&self, msg: Option<&Message>, outcome: &Outcome, denied: bool) {
        crate::apply::audit_refusal(
            &self.group.store,
            &self.group.trail,
            msg,
            Some(&self.peer),
            outcome,
            denied,
        );
    }
}

impl Drop for Opened<'_> {
    fn drop(&mut self) {
        self.group.lock().last_sent.remove(&self.id);
    }
}

/// Shared by every connection of one listener.
pub(crate) struct GroupCommit {
    store: Arc<Store>,
    trail: Arc<AuditTrail>,
    /// Who may send.
    senders: Senders,
    queue: Mutex<Queue>,
    turn: Condvar,
    arrived: Condvar,
}

impl GroupCommit {
    pub(crate) fn new(store: Arc<Store>, trail: Arc<AuditTrail>, senders: Senders) -> Self {
        Self {
            store,
            trail,
            senders,
            queue: Mutex::new(Queue::default()),
            turn: Condvar::new(),
            arrived: Condvar::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A new connection from `peer`.
    pub(crate) fn open(&self, peer: &str) -> Opened<'_> {
        let mut queue = self.lock();
        let id = queue.next_connection;
        queue.next_connection += 1;
        Opened {
            group: self,
            id,
            peer: peer.to_owned(),
        }
    }

    fn submit(&self, connection: u64, peer: &str, checked: Box<Checked>) -> (Outcome, AckCode) {
        let mut queue = self.lock();
        queue.last_sent.insert(connection, Instant::now());
        let id = queue.next_id;
        queue.next_id += 1;
        queue.waiting.push(Job {
            id,
            checked,
            peer: peer.to_owned(),
        });
        if queue.linger_for > 0 && queue.waiting.len() >= queue.linger_for {
            self.arrived.notify_one();
        }
        loop {
            if let Some(answer) = queue.answers.remove(&id) {
                return answer;
            }
            if !queue.leading && !queue.waiting.is_empty() {
                queue.leading = true;
                queue = self.linger(queue);
                let take = queue.waiting.len().min(MAX_BATCH);
                let batch: Vec<Job> = queue.waiting.drain(..take).collect();
                drop(queue);
                let answers = self.write(batch);
                queue = self.lock();
                queue.answers.extend(answers);
                queue.leading = false;
                self.turn.notify_all();
                continue;
            }
            queue = self
                .turn
                .wait(queue)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Waits (at most `LINGER`) until every busy connection has a message waiting.
    fn linger<'q>(
        &self,
        mut queue: std::sync::MutexGuard<'q, Queue>,
    ) -> std::sync::MutexGuard<'q, Queue> {
        let now = Instant::now();
        let busy = queue
            .last_sent
            .values()
            .filter(|sent| now.duration_since(**sent) < BUSY)
            .count();
        let until = now + LINGER;
        queue.linger_for = busy.min(MAX_BATCH);
        while queue.waiting.len() < queue.linger_for {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            queue = self
                .arrived
                .wait_timeout(queue, left)
                .map_or_else(|e| e.into_inner().0, |(q, _)| q);
        }
        queue.linger_for = 0;
        queue
    }

    /// One transaction for the whole batch. Checked messages rarely fail, so the batch is
    /// first written without savepoints (a savepoint copies every page its message
    /// touches); when one fails, that attempt is rolled back whole and the batch written
    /// again with a savepoint for each message.
    fn write(&self, batch: Vec<Job>) -> Vec<(u64, (Outcome, AckCode))> {
        let mut failure = None;
        let attempt = self.trail.write(&self.store, |audited| {
            let mut results = Vec::with_capacity(batch.len());
            for job in &batch {
                let mut problems = Vec::new();
                match self.write_one(audited, job, &mut problems) {
                    Ok(duplicate) => results.push((Ok(duplicate), problems)),
                    Err(e) => {
                        failure = Some(problems);
                        return Err(e);
                    }
                }
            }
            Ok(results)
        });
        let committed = match (attempt, failure) {
            // A lone message's failed attempt is its answer: nothing of it was kept.
            (Err(e), Some(problems)) if batch.len() == 1 => Ok(vec![(Err(e), problems)]),
            (Err(_), Some(_)) => self.write_with_savepoints(&batch),
            (attempt, _) => attempt,
        };
        match committed {
            Ok(results) => batch
                .iter()
                .zip(results)
                .map(|(job, (written, problems))| {
                    (job.id, concluded(&job.checked, written, problems))
                })
                .collect(),
            // Nothing of the batch was kept: each message gets the failure as its answer.
            Err(e) => batch
                .iter()
                .map(|job| {
                    let failed = Err(store::Error::Database(e.to_string()));
                    (job.id, concluded(&job.checked, failed, Vec::new()))
                })
                .collect(),
        }
    }

    /// The batch in one transaction, each message in its own savepoint.
    fn write_with_savepoints(&self, batch: &[Job]) -> store::Result<Vec<Written>> {
        self.trail.write(&self.store, |audited| {
            let mut results = Vec::with_capacity(batch.len());
            for job in batch {
                let mut problems = Vec::new();
                let written =
                    audited.savepoint(|audited| self.write_one(audited, job, &mut problems))?;
                results.push((written, problems));
            }
            Ok(results)
        })
    }

    fn write_one(
        &self,
        audited: &mut store::Audited<'_>,
        job: &Job,
        problems: &mut Vec<Problem>,
    ) -> store::Result<bool> {
        // Records and the audit entry name the sender, not the listener.
        let actor = Actor::new(sender_user(&job.checked.sender));
        write_audited(audited, &actor, &job.checked, Some(&job.peer), problems)
    }
}

/// What writing one message returned, and the data problems it found.
type Written = (store::Result<bool>, Vec<Problem>);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use super::*;
    use crate::apply::{Prepared, prepare};
    use crate::message::parse;

    const A01: &str = "MSH|^~\\&|EHR|NORTH|CHARTROOM|CR|20260301090000-0500||ADT^A01^ADT_A01|G-A01|P|2.5.1\r\
        PID|1||MRN-100^^^NORTH^MR||Ashdown^Mara||19800412|F|||1 Elm St^^Salem^OR^97301^US^L\r\
        PV1|1|I|||||||||||||||||V-1|||||||||||||||||||||||||20260301083000-0500\r";
    const A04: &str = "MSH|^~\\&|EHR|NORTH|CHARTROOM|CR|20260302090000-0500||ADT^A04^ADT_A01|G-A04|P|2.5.1\r\
        PID|1||MRN-200^^^NORTH^MR||Quill^Ona||19900101|F\r\
        PV1|1|O\r";
    // Moves the patient, then discharges before the admission: the move must not stay.
    const BAD_A03: &str = "MSH|^~\\&|EHR|NORTH|CHARTROOM|CR|20260303120000-0500||ADT^A03^ADT_A03|G-A03|P|2.5.1\r\
        PID|1||MRN-100^^^NORTH^MR||Ashdown^Mara||19800412|F|||9 Oak Ave^^Salem^OR^97302^US^L\r\
        PV1|1|I|||||||||||||||||V-1||||||||||||||||||||||||||20260201113000-0500\r";
    const ORU: &str = "MSH|^~\\&|LAB|NORTH|CHARTROOM|CR|20260302080000+0000||ORU^R01^ORU_R01|G-ORU|P|2.5.1\r\
        PID|1||MRN-100^^^NORTH^MR||Ashdown^Mara||19800412|F|||1 Elm St^^Salem^OR^97301^US^L\r\
        OBR|1||L-77|24323-8^Comprehensive metabolic panel^LN|||20260302073000+0000\r\
        OBX|1|NM|2345-7^Glucose^LN||95|mg/dL|70-99|N|||F|||20260302074500+0000\r";

    fn job(id: u64, text: &str) -> Job {
        let Prepared::Ready(checked) = prepare(&parse(text).unwrap()) else {
            panic!("{text} was answered before writing");
        };
        Job {
            id,
            checked,
            peer: "127.0.0.1:9".into(),
        }
    }

    fn codes(answers: &[(u64, (Outcome, AckCode))]) -> Vec<AckCode> {
        answers.iter().map(|(_, (_, code))| *code).collect()
    }

    #[test]
    fn a_failed_message_in_a_batch_leaves_the_others_and_the_chain_whole() {
        let clock = Arc::new(store::FixedClock::new(test_support::test_epoch()));
        let store = Arc::new(Store::open(&store::Location::Memory, clock).unwrap());
        let dir = tempfile::tempdir().unwrap();
        let trail = Arc::new(AuditTrail::open_or_create(dir.path()).unwrap());
        let group = GroupCommit::new(Arc::clone(&store), Arc::clone(&trail), Senders::any());
        assert_eq!(codes(&group.write(vec![job(0, A01)])), [AckCode::Accept]);
        // Alone, the bad message is answered from its one failed attempt.
        assert_eq!(codes(&group.write(vec![job(9, BAD_A03)])), [AckCode::Error]);
        let answers = group.write(vec![job(1, A04), job(2, BAD_A03), job(3, ORU)]);
        assert_eq!(
            codes(&answers),
            [AckCode::Accept, AckCode::Error, AckCode::Accept]
        );
        let Outcome::Error(problems) = &answers[1].1.0 else {
            panic!("{:?}", answers[1]);
        };
        assert!(problems[0].message.contains("discharge"), "{problems:?}");
        let rows = store
            .read(|tx| {
                tx.query(
                    "SELECT mrn, line1, (SELECT COUNT(*) FROM observations) FROM patients ORDER BY mrn",
                    &[],
                )
            })
            .unwrap();
        let seen: Vec<(String, String, i64)> = rows
            .iter()
            .map(|r| {
                let text = |i| r.text(i).unwrap_or_default().to_owned();
                (text(0), text(1), r.int(2))
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("MRN-100".to_owned(), "1 Elm St".to_owned(), 1),
                ("MRN-200".to_owned(), String::new(), 1),
            ]
        );
        assert_eq!(store.audit_count().unwrap(), 3);
        assert_eq!(trail.verify(&store).unwrap().map(|v| v.entries), Ok(3));
    }
}
