//! Building the engine from the store, and keeping it in step after writes.

use crate::Result;
use crate::facts::{Fact, Kind, PAGE, fact, is_deleted};
use query::{Engine, EngineBuilder, EventKind};
use store::Store;
use time::OffsetDateTime;

/// How far before its mark each refresh reads again. A row's `updated_at` is the time its
/// transaction was stamped, which can be before a refresh started while the commit comes
/// after that refresh's snapshot (the transaction waited for the embedded store's
/// connection, or shared a group commit: under 64 clients writes wait up to about a second);
/// read only from the mark, such a row would be behind the next mark and missed for good.
/// Applying a row again is idempotent, but every row of the margin is read again by every
/// refresh, so it is seconds, not minutes: a bulk load just before would be read whole by
/// each query for as long (two minutes made population queries under load 4 times slower).
/// A transaction longer than this (a bulk import running while queries are asked) can
/// still be missed until the engine is loaded again.
const LATE_COMMITS: time::Duration = time::Duration::seconds(10);

/// Where the engine stands relative to the store: every row changed before `since` is in
/// it (save commits later than `LATE_COMMITS`), and every chart archived, restored or destroyed up to `moves`
/// (`Tx::chart_moves_mark`).
#[derive(Debug, Clone)]
pub struct Sync {
    since: OffsetDateTime,
    moves: String,
}

fn event_kind(kind: Kind) -> Option<EventKind> {
    Some(match kind {
        Kind::Patient => return None,
        Kind::Immunization => EventKind::Immunization,
        Kind::Diagnosis => EventKind::Diagnosis,
        Kind::Procedure => EventKind::Procedure,
        Kind::Observation => EventKind::Observation,
        Kind::Encounter => EventKind::Encounter,
        Kind::ArItem => EventKind::ArItem,
        Kind::Note => EventKind::Note,
    })
}

/// Applies one fact; an event of a patient the engine does not hold (a soft-deleted
/// patient's chart stays in the store) is left out of population counts.
fn tolerate_unknown_patient(outcome: query::Result<()>) -> Result<()> {
    match outcome {
        Err(query::Error::UnknownPatient(_)) => Ok(()),
        other => Ok(other?),
    }
}

/// Reads every page of `kind` (changed since `since`, or all current rows) and hands each
/// row to `apply`.
fn scan(
    store: &Store,
    kind: Kind,
    since: Option<OffsetDateTime>,
    mut apply: impl FnMut(&store::Row) -> Result<()>,
) -> Result<u64> {
    let mut after = 0;
    let mut n_rows = 0;
    loop {
        let page = store.read(|tx| kind.page(tx, after, since))?;
        for row in &page {
            apply(row)?;
        }
        n_rows += page.len() as u64;
        match page.last() {
            Some(last) if page.len() as i64 == PAGE => after = last.int(0),
            _ => return Ok(n_rows),
        }
    }
}

/// Builds the engine from every current record.
pub fn load(store: &Store) -> Result<(Engine, Sync)> {
    // Rows written while the load runs carry a later time and are picked up by the first
    // refresh; a chart moved while it runs moves the mark read here, so that refresh
    // reloads.
    let since = store.clock().now();
    let moves = store.read(|tx| tx.chart_moves_mark())?;
    let mut builder = EngineBuilder::with_capacity(0);
    for kind in Kind::ALL {
        scan(store, kind, None, |row| {
            match fact(kind, row) {
                Some(Fact::Patient(facts)) => builder.add_patient(&facts),
                Some(Fact::Immunization(f)) => {
                    tolerate_unknown_patient(builder.add_immunization(&f))?
                }
                Some(Fact::Diagnosis(f)) => tolerate_unknown_patient(builder.add_diagnosis(&f))?,
                Some(Fact::Procedure(f)) => tolerate_unknown_patient(builder.add_procedure(&f))?,
                Some(Fact::Observation(f)) => {
                    tolerate_unknown_patient(builder.add_observation(&f))?
                }
                Some(Fact::Encounter(f)) => tolerate_unknown_patient(builder.add_encounter(&f))?,
                Some(Fact::ArItem(f)) => tolerate_unknown_patient(builder.add_ar_item(&f))?,
                Some(Fact::Note(f)) => tolerate_unknown_patient(builder.add_note(&f))?,
                None => {}
            }
            Ok(())
        })?;
    }
    Ok((builder.build(), Sync { since, moves }))
}

impl Sync {
    /// Applies every row created, changed or soft-deleted since the last load or refresh;
    /// returns how many rows were read.
    ///
    /// When a chart was archived, restored or destroyed since, the engine is loaded again
    /// whole instead: those moves leave no changed rows to read. They are rare (a records
    /// department's batch), so the reload's cost is paid seldom.
    pub fn refresh(&mut self, store: &Store, engine: &mut Engine) -> Result<u64> {
        let now = store.clock().now();
        let since = self.since - LATE_COMMITS;
        // One snapshot on a read connection of its own: before, each of the ten reads
        // queued for the embedded store's shared connection behind the writers' commits,
        // and the engine's lock was held meanwhile (64 clients: population queries p50 6 s).
        let changed = store.read_beside_writers(|tx| {
            if tx.chart_moves_mark()? != self.moves {
                return Ok(None);
            }
            Kind::ALL
                .into_iter()
                .map(|kind| Ok((kind, changed_rows(tx, kind, since)?)))
                .collect::<store::Result<Vec<_>>>()
                .map(Some)
        })?;
        let Some(changed) = changed else {
            let (fresh, sync) = load(store)?;
            *engine = fresh;
            *self = sync;
            return Ok(engine.n_patients());
        };
        let mut n_rows = 0;
        for (kind, rows) in changed {
            n_rows += rows.len() as u64;
            for row in &rows {
                apply_change(engine, kind, row)?;
            }
        }
        self.since = now;
        Ok(n_rows)
    }
}

/// Applies one changed row of `kind` to the engine: removed when soft-deleted, else
/// inserted or replaced.
fn apply_change(engine: &mut Engine, kind: Kind, row: &store::Row) -> Result<()> {
    if is_deleted(row) {
        match event_kind(kind) {
            Some(event) => {
                engine.remove_event(event, row.int(0));
            }
            None => {
                engine.remove_patient(row.int(0));
            }
        }
        return Ok(());
    }
    match fact(kind, row) {
        Some(Fact::Patient(facts)) => engine.upsert_patient(&facts),
        Some(Fact::Immunization(f)) => tolerate_unknown_patient(engine.upsert_immunization(&f))?,
        Some(Fact::Diagnosis(f)) => tolerate_unknown_patient(engine.upsert_diagnosis(&f))?,
        Some(Fact::Procedure(f)) => tolerate_unknown_patient(engine.upsert_procedure(&f))?,
        Some(Fact::Observation(f)) => tolerate_unknown_patient(engine.upsert_observation(&f))?,
        Some(Fact::Encounter(f)) => tolerate_unknown_patient(engine.upsert_encounter(&f))?,
        Some(Fact::ArItem(f)) => tolerate_unknown_patient(engine.upsert_ar_item(&f))?,
        Some(Fact::Note(f)) => tolerate_unknown_patient(engine.upsert_note(&f))?,
        None => {}
    }
    Ok(())
}

/// Every row of `kind` changed at or after `since`, page by page in the caller's snapshot.
fn changed_rows(
    tx: &mut store::Tx<'_>,
    kind: Kind,
    since: OffsetDateTime,
) -> store::Result<Vec<store::Row>> {
    let mut rows = Vec::new();
    loop {
        let after = rows.last().map_or(0, |row: &store::Row| row.int(0));
        let page = kind.page(tx, after, Some(since))?;
        let full = page.len() as i64 == PAGE;
        rows.extend(page);
        if !full {
            return Ok(rows);
        }
    }
}
