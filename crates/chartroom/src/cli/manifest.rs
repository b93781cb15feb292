//! `chartroom verify-manifest DIR`: checks the files a delivery holds against the
//! `manifest.sha256` beside them (what Chartroom writes with every export); imports run
//! the same check first (`checked_before_import`) and refuse a delivery that fails it, as
//! a restore does with a backup (`checked_file`).

use anyhow::{Context, Result, bail};
use std::path::Path;

/// Checks `dir` and prints each file's verdict; exit 1 (an error) when a listed file is
/// missing or differs, or there is no manifest.
pub fn verify(dir: &Path, json: bool) -> Result<()> {
    let Some(check) = manifest::check_dir(dir)? else {
        bail!(
            "{}: no {} here to check against",
            dir.display(),
            manifest::MANIFEST_FILE
        );
    };
    if json {
        crate::output::json(&serde_json::json!({
            "matched": check.matched,
            "problems": check.problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "unlisted": check.unlisted,
        }))?;
    } else {
        for name in &check.matched {
            crate::say!("{name}: OK");
        }
        for problem in &check.problems {
            crate::say!("{problem}");
        }
        for name in &check.unlisted {
            crate::say!(
                "{name}: not listed in {}, not checked",
                manifest::MANIFEST_FILE
            );
        }
    }
    if !check.passed() {
        bail!(
            "{} of {} files listed in {} do not check out",
            check.problems.len(),
            check.problems.len() + check.matched.len(),
            dir.join(manifest::MANIFEST_FILE).display()
        );
    }
    crate::say!(
        "{} files match {}",
        check.matched.len(),
        dir.join(manifest::MANIFEST_FILE).display()
    );
    Ok(())
}

/// Before an import of `path` (a directory or a file): when a manifest is beside the
/// files, every file it lists must match, and every file about to be read must be listed;
/// the error names each file that fails. `None` when there is no manifest to check.
pub fn checked_before_import(path: &Path) -> Result<Option<usize>> {
    if path.is_file() {
        return checked_file(path, "nothing was imported").map(|checked| checked.then_some(1));
    }
    let Some(check) = manifest::check_dir(path)? else {
        return Ok(None);
    };
    let mut refused: Vec<String> = check.problems.iter().map(ToString::to_string).collect();
    refused.extend(
        check
            .unlisted
            .iter()
            .map(|name| format!("{name}: not listed in {}", manifest::MANIFEST_FILE)),
    );
    if !refused.is_empty() {
        bail!(
            "{}: the delivery does not match its {} ({}); nothing was imported",
            path.display(),
            manifest::MANIFEST_FILE,
            refused.join("; ")
        );
    }
    Ok(Some(check.matched.len()))
}

/// Before a file is read (a backup restored, a delivery imported): when a manifest is
/// beside it, the file must be listed there and match; the error names the file and says
/// `undone` ("nothing was restored"). `false` when there is no manifest to check.
pub fn checked_file(path: &Path, undone: &str) -> Result<bool> {
    match manifest::check_file(path)? {
        manifest::FileVerdict::NoManifest => Ok(false),
        manifest::FileVerdict::Matches => Ok(true),
        manifest::FileVerdict::NotListed => bail!(
            "{}: not listed in the {} beside it; {undone}",
            path.display(),
            manifest::MANIFEST_FILE
        ),
        manifest::FileVerdict::Problem(problem) => bail!("{problem}; {undone}"),
    }
}

/// Lists the file just written at `path` in the manifest of its directory, keeping the
/// other files that manifest lists.
pub fn record_beside(path: &Path) -> Result<()> {
    let (dir, name) = dir_and_name(path);
    manifest::record(dir, &[name])?;
    Ok(())
}

/// Lists the finished file `partial` in the manifest of `out`'s directory under `out`'s
/// name, then renames it to `out`. So a file under its name is always listed, even when
/// the process is killed between the two steps (that leaves a listed name without a file,
/// which a rerun writes), and a restore never refuses a whole backup as unlisted.
pub fn place_listed(partial: &Path, out: &Path) -> Result<()> {
    let (dir, name) = dir_and_name(out);
    let digest = manifest::digest_file(partial)?;
    let mut listed = manifest::Manifest::read(dir)?.unwrap_or_default();
    listed.insert(&name, digest)?;
    listed.write(dir)?;
    std::fs::rename(partial, out)
        .with_context(|| format!("cannot move {} to {}", partial.display(), out.display()))
}

fn dir_and_name(path: &Path) -> (&Path, String) {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    (dir, name)
}
