//! Checking files against a manifest: a whole delivery (`check_dir`, what
//! `chartroom verify-manifest DIR` runs) or one file about to be imported (`check_file`).

use crate::error::{Error, Result};
use crate::file::{MANIFEST_FILE, Manifest, digest_file};
use std::path::Path;

/// One listed file that does not check out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Listed, but not in the directory.
    Missing {
        /// The file's name.
        name: String,
    },
    /// Its bytes are not the ones the manifest was written for.
    Differs {
        /// The file's name.
        name: String,
        /// The digest listed, in hex.
        listed: String,
        /// The digest of the file as it is, in hex.
        found: String,
    },
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Missing { name } => write!(f, "{name}: listed in {MANIFEST_FILE} but missing"),
            Self::Differs {
                name,
                listed,
                found,
            } => write!(
                f,
                "{name}: SHA-256 differs from {MANIFEST_FILE} (listed {listed}, file {found})"
            ),
        }
    }
}

/// What checking a directory found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Check {
    /// The files whose digest matches, in name order.
    pub matched: Vec<String>,
    /// The listed files that are missing or differ.
    pub problems: Vec<Problem>,
    /// Files in the directory the manifest does not list (not checked).
    pub unlisted: Vec<String>,
}

impl Check {
    /// Whether every listed file is there with its digest.
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

fn verdict(dir: &Path, name: &str, listed: &[u8; 32]) -> Result<Option<Problem>> {
    let path = dir.join(name);
    if !path.is_file() {
        return Ok(Some(Problem::Missing {
            name: name.to_owned(),
        }));
    }
    let found = digest_file(&path)?;
    Ok((found != *listed).then(|| Problem::Differs {
        name: name.to_owned(),
        listed: hex::encode(listed),
        found: hex::encode(found),
    }))
}

/// Checks every file `dir`'s manifest lists; `Ok(None)` when there is no manifest.
pub fn check_dir(dir: &Path) -> Result<Option<Check>> {
    let Some(manifest) = Manifest::read(dir)? else {
        return Ok(None);
    };
    let mut check = Check::default();
    for (name, listed) in manifest.entries() {
        match verdict(dir, name, listed)? {
            Some(problem) => check.problems.push(problem),
            None => check.matched.push(name.to_owned()),
        }
    }
    let listing = std::fs::read_dir(dir).map_err(|e| Error::io(dir, "cannot list", &e))?;
    for entry in listing {
        let entry = entry.map_err(|e| Error::io(dir, "cannot list", &e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        let hidden = name.starts_with('.');
        if is_file && !hidden && name != MANIFEST_FILE && manifest.digest(&name).is_none() {
            check.unlisted.push(name);
        }
    }
    check.unlisted.sort();
    Ok(Some(check))
}

/// What the manifest beside one file says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileVerdict {
    /// There is no manifest beside the file.
    NoManifest,
    /// There is one, and it does not list the file.
    NotListed,
    /// Listed, and the digest matches.
    Matches,
    /// Listed, and the file differs (or, when asked about a listed name, is missing).
    Problem(Problem),
}

/// Checks `path` against the manifest in its directory, if there is one.
pub fn check_file(path: &Path) -> Result<FileVerdict> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let Some(manifest) = Manifest::read(dir)? else {
        return Ok(FileVerdict::NoManifest);
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Some(listed) = manifest.digest(&name) else {
        return Ok(FileVerdict::NotListed);
    };
    Ok(match verdict(dir, &name, listed)? {
        Some(problem) => FileVerdict::Problem(problem),
        None => FileVerdict::Matches,
    })
}
