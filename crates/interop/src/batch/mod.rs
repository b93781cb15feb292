//! The import machinery every CSV format shares: files in dependency order, rows in
//! batches that each commit in one transaction together with their external keys. A bad row is reported with file, line, column and reason and
//! the rest go on; a database failure in a batch makes the batch retry row by row, so one
//! bad row never costs its neighbours. With `atomic`, everything is one transaction and any
//! rejected row means nothing is stored.

pub(crate) mod context;
pub(crate) mod fields;
pub(crate) mod keys;

use crate::input::{LineTracking, open_input};
use crate::report::{FileReport, ImportReport, REJECTIONS_LISTED_PER_FILE, Rejection};
use crate::{Error, Result};
use context::{Ctx, MapFn, Outcome};
use fields::{Fields, MapError};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use store::{Actor, Store, Tx};

/// How to import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// All-or-nothing: one transaction, rolled back if any row is rejected.
    pub atomic: bool,
    /// Rows per transaction in the default mode.
    pub batch_rows: usize,
    /// Who the records are entered by; the format is appended (`import:synthea`).
    pub actor: Actor,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self {
            atomic: false,
            batch_rows: 5_000,
            actor: Actor::new("import"),
        }
    }
}

/// Receives progress as an import runs (the CLI draws bars with it).
pub trait Progress {
    /// A file is starting; `bytes` is its size on disk.
    fn file_started(&mut self, file: &str, bytes: u64);
    /// `bytes_read` of the current file have been read.
    fn advanced(&mut self, bytes_read: u64);
    /// The file is done.
    fn file_finished(&mut self, report: &FileReport);
}

/// Progress that goes nowhere.
pub struct NoProgress;

impl Progress for NoProgress {
    fn file_started(&mut self, _: &str, _: u64) {}
    fn advanced(&mut self, _: u64) {}
    fn file_finished(&mut self, _: &FileReport) {}
}

/// One file of a format: its name without `.csv`, the columns it cannot do without, and
/// the mapper for its rows.
pub(crate) struct FileSpec {
    pub name: &'static str,
    pub required: &'static [&'static str],
    pub map: MapFn,
}

/// A CSV format: its name, the source its keys are remembered under, and its files in the
/// order references need.
pub(crate) struct Format {
    pub name: &'static str,
    pub source: &'static str,
    pub files: &'static [FileSpec],
}

impl Format {
    fn known_files(&self) -> String {
        self.files
            .iter()
            .map(|f| format!("{}.csv", f.name))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn find_files(format: &'static Format, path: &Path) -> Result<Vec<(&'static FileSpec, PathBuf)>> {
    if path.is_file() {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let stem = name.trim_end_matches(".gz").trim_end_matches(".csv");
        return format
            .files
            .iter()
            .find(|spec| spec.name == stem)
            .map(|spec| vec![(spec, path.to_owned())])
            .ok_or_else(|| {
                Error::NothingToImport(format!(
                    "{}: not a {} file name (expected one of {})",
                    path.display(),
                    format.name,
                    format.known_files()
                ))
            });
    }
    if !path.is_dir() {
        return Err(Error::File {
            path: path.display().to_string(),
            message: "no such file or directory".into(),
        });
    }
    let found: Vec<_> = format
        .files
        .iter()
        .filter_map(|spec| {
            [
                format!("{}.csv", spec.name),
                format!("{}.csv.gz", spec.name),
            ]
            .into_iter()
            .map(|file| path.join(file))
            .find(|candidate| candidate.is_file())
            .map(|file| (spec, file))
        })
        .collect();
    if found.is_empty() {
        return Err(Error::NothingToImport(format!(
            "{}: no {} files here (expected {}, plain or .gz)",
            path.display(),
            format.name,
            format.known_files()
        )));
    }
    Ok(found)
}

type Batch = Vec<(u64, csv::StringRecord)>;

#[derive(Default)]
struct BatchResult {
    accepted: u64,
    skipped: u64,
    skip_reasons: BTreeMap<&'static str, u64>,
    rejections: Vec<Rejection>,
}

impl BatchResult {
    fn absorb(&mut self, other: BatchResult) {
        self.accepted += other.accepted;
        self.skipped += other.skipped;
        for (reason, n) in other.skip_reasons {
            *self.skip_reasons.entry(reason).or_default() += n;
        }
        self.rejections.extend(other.rejections);
    }
}

fn rejection(file: &str, line: u64, column: Option<String>, reason: String) -> Rejection {
    Rejection {
        file: file.to_owned(),
        line,
        column,
        reason,
    }
}

fn run_batch(
    tx: &mut Tx<'_>,
    ctx: &mut Ctx,
    spec: &FileSpec,
    file: &str,
    header: &HashMap<String, usize>,
    rows: &[(u64, csv::StringRecord)],
) -> store::Result<BatchResult> {
    let mut result = BatchResult::default();
    for (line, record) in rows {
        let fields = Fields { record, header };
        match (spec.map)(ctx, tx, &fields) {
            Ok(Outcome::Stored) => result.accepted += 1,
            Ok(Outcome::Skipped) => result.skipped += 1,
            Ok(Outcome::SkippedBecause(reason)) => {
                result.skipped += 1;
                *result.skip_reasons.entry(reason).or_default() += 1;
            }
            Err(MapError::Row(error)) => {
                result
                    .rejections
                    .push(rejection(file, *line, error.column, error.reason))
            }
            Err(MapError::Store(error)) => return Err(error),
        }
    }
    Ok(result)
}

/// Where batches are committed: each in its own transaction, or all in one.
enum Sink<'s, 't, 'c> {
    Batched(&'s Store),
    Atomic(&'t mut Tx<'c>),
}

impl Sink<'_, '_, '_> {
    fn commit(
        &mut self,
        ctx: &mut Ctx,
        spec: &FileSpec,
        file: &str,
        header: &HashMap<String, usize>,
        rows: &Batch,
    ) -> store::Result<BatchResult> {
        match self {
            Sink::Atomic(tx) => {
                let result = run_batch(tx, ctx, spec, file, header, rows)?;
                ctx.keys.commit();
                Ok(result)
            }
            Sink::Batched(store) => {
                match store.write(|tx| run_batch(tx, ctx, spec, file, header, rows)) {
                    Ok(result) => {
                        ctx.keys.commit();
                        Ok(result)
                    }
                    Err(_) => {
                        // One row broke the transaction; find it by going row by row.
                        ctx.keys.discard();
                        let mut combined = BatchResult::default();
                        for row in rows {
                            match store.write(|tx| {
                                run_batch(tx, ctx, spec, file, header, std::slice::from_ref(row))
                            }) {
                                Ok(result) => {
                                    ctx.keys.commit();
                                    combined.absorb(result);
                                }
                                Err(error) => {
                                    ctx.keys.discard();
                                    combined.rejections.push(rejection(
                                        file,
                                        row.0,
                                        None,
                                        error.to_string(),
                                    ));
                                }
                            }
                        }
                        Ok(combined)
                    }
                }
            }
        }
    }
}

fn import_file(
    sink: &mut Sink<'_, '_, '_>,
    ctx: &mut Ctx,
    spec: &FileSpec,
    path: &Path,
    batch_rows: usize,
    progress: &mut dyn Progress,
    report: &mut ImportReport,
) -> Result<()> {
    let file = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(spec.name)
        .to_owned();
    let (reader, size, bytes_read) = open_input(path)?;
    let (reader, lines) = LineTracking::new(reader);
    progress.file_started(&file, size);
    let mut file_report = FileReport {
        file: file.clone(),
        ..FileReport::default()
    };
    let mut listed = 0u64;
    let mut note = |report: &mut ImportReport, file_report: &mut FileReport, found: Rejection| {
        file_report.rejected += 1;
        listed += 1;
        if listed <= REJECTIONS_LISTED_PER_FILE {
            report.rejections.push(found);
        } else {
            report.rejections_not_listed += 1;
        }
    };
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(reader);
    let header: HashMap<String, usize> = match csv.headers() {
        Ok(names) => names
            .iter()
            .enumerate()
            .map(|(idx, name)| (name.trim().to_owned(), idx))
            .collect(),
        Err(error) => {
            note(
                report,
                &mut file_report,
                rejection(&file, 1, None, format!("cannot read the header: {error}")),
            );
            report.files.push(file_report);
            return Ok(());
        }
    };
    let missing: Vec<&str> = spec
        .required
        .iter()
        .copied()
        .filter(|c| !header.contains_key(*c))
        .collect();
    if !missing.is_empty() {
        note(
            report,
            &mut file_report,
            rejection(
                &file,
                1,
                None,
                format!(
                    "the header lacks {}; the file was skipped",
                    missing.join(", ")
                ),
            ),
        );
        report.files.push(file_report);
        return Ok(());
    }
    let mut batch: Batch = Vec::with_capacity(batch_rows);
    let mut records = csv.into_records();
    loop {
        let next = records.next();
        let done = next.is_none();
        match next {
            Some(Ok(record)) => {
                let line = record.position().map_or(0, |p| lines.line_at(p.byte()));
                batch.push((line, record));
            }
            Some(Err(error)) => {
                let line = error.position().map_or(0, |p| lines.line_at(p.byte()));
                note(
                    report,
                    &mut file_report,
                    rejection(&file, line, None, format!("unreadable row: {error}")),
                );
                if !matches!(
                    error.kind(),
                    csv::ErrorKind::UnequalLengths { .. } | csv::ErrorKind::Utf8 { .. }
                ) {
                    // An IO error or truncated gzip stream: nothing more can be read.
                    break;
                }
            }
            None => {}
        }
        if batch.len() >= batch_rows || (done && !batch.is_empty()) {
            let result = sink.commit(ctx, spec, &file, &header, &batch)?;
            file_report.accepted += result.accepted;
            file_report.skipped += result.skipped;
            for (reason, n) in result.skip_reasons {
                *file_report
                    .skip_reasons
                    .entry(reason.to_owned())
                    .or_default() += n;
            }
            for found in result.rejections {
                note(report, &mut file_report, found);
            }
            batch.clear();
            progress.advanced(bytes_read.load(std::sync::atomic::Ordering::Relaxed));
        }
        if done {
            break;
        }
    }
    progress.file_finished(&file_report);
    report.files.push(file_report);
    Ok(())
}

/// Imports a directory (or one file) of `format` into the store.
pub(crate) fn import(
    format: &'static Format,
    store: &Store,
    path: &Path,
    options: &ImportOptions,
    progress: &mut dyn Progress,
) -> Result<ImportReport> {
    let files = find_files(format, path)?;
    let mut report = ImportReport::default();
    let mut ctx = Ctx {
        keys: keys::Keys::new(format.source),
        // Records name the format they came from: `import:synthea`, `import:extract`.
        actor: Actor::new(format!("{}:{}", options.actor, format.source)),
    };
    let batch_rows = options.batch_rows.max(1);
    if !options.atomic {
        let mut sink = Sink::Batched(store);
        for (spec, file) in &files {
            import_file(
                &mut sink,
                &mut ctx,
                spec,
                file,
                batch_rows,
                progress,
                &mut report,
            )?;
        }
        return Ok(report);
    }
    let mut failure: Option<Error> = None;
    let outcome = store.write(|tx| {
        let mut sink = Sink::Atomic(tx);
        for (spec, file) in &files {
            if let Err(error) = import_file(
                &mut sink,
                &mut ctx,
                spec,
                file,
                batch_rows,
                progress,
                &mut report,
            ) {
                failure = Some(error);
                return Err(store::Error::Conflict("import failed".into()));
            }
        }
        if report.rejected() > 0 {
            return Err(store::Error::Conflict("rows were rejected".into()));
        }
        Ok(())
    });
    if let Some(error) = failure {
        return Err(error);
    }
    match outcome {
        Ok(()) => Ok(report),
        Err(_) if report.rejected() > 0 => {
            let first = report
                .rejections
                .first()
                .map(ToString::to_string)
                .unwrap_or_default();
            for file in &mut report.files {
                file.skipped += file.accepted;
                file.accepted = 0;
            }
            Err(Error::AtomicAborted {
                n_rejected: report.rejected() as usize,
                first,
                report: Box::new(report),
            })
        }
        Err(error) => Err(Error::Store(error)),
    }
}
