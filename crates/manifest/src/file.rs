//! The manifest file itself: digests of files by name, read from and written to
//! `manifest.sha256` in `sha256sum`'s text format.

use crate::error::{Error, Result};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

/// The manifest's file name in the directory whose files it lists.
pub const MANIFEST_FILE: &str = "manifest.sha256";

/// SHA-256 digests of files in one directory, by file name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    digests: BTreeMap<String, [u8; 32]>,
}

/// The SHA-256 digest of a file's bytes, read in blocks.
pub fn digest_file(path: &Path) -> Result<[u8; 32]> {
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, "cannot open", &e))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = file
            .read(&mut buffer)
            .map_err(|e| Error::io(path, "cannot read", &e))?;
        let Some(block) = buffer.get(..n) else { break };
        if block.is_empty() {
            break;
        }
        hasher.update(block);
    }
    Ok(hasher.finalize().into())
}

/// Why `name` cannot be listed, if it cannot: names stay inside the manifest's directory
/// and on one line.
fn name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("it is empty")
    } else if name.contains(['/', '\\']) {
        Some("it is a path, not a file name")
    } else if name.contains(['\n', '\r']) {
        Some("it holds a line break")
    } else if name == "." || name == ".." {
        Some("it is not a file")
    } else if name == MANIFEST_FILE {
        Some("a manifest does not list itself")
    } else {
        None
    }
}

impl Manifest {
    /// An empty manifest.
    pub fn new() -> Self {
        Self::default()
    }

    /// Lists `name` with `digest`, replacing an earlier line for it.
    pub fn insert(&mut self, name: &str, digest: [u8; 32]) -> Result<()> {
        if let Some(reason) = name_problem(name) {
            return Err(Error::Name {
                name: name.to_owned(),
                reason,
            });
        }
        self.digests.insert(name.to_owned(), digest);
        Ok(())
    }

    /// The digest listed for `name`.
    pub fn digest(&self, name: &str) -> Option<&[u8; 32]> {
        self.digests.get(name)
    }

    /// Every listed name with its digest, in name order.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &[u8; 32])> {
        self.digests
            .iter()
            .map(|(name, digest)| (name.as_str(), digest))
    }

    /// How many files are listed.
    pub fn len(&self) -> usize {
        self.digests.len()
    }

    /// Whether no file is listed.
    pub fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }

    /// Reads manifest text (`path` names it in errors). `sha256sum`'s binary marker
    /// (`<hex> *<name>`) is accepted too; every bad line is an error naming its number.
    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        let mut manifest = Self::new();
        for (idx, line) in text.lines().enumerate() {
            let syntax = |message: String| Error::Syntax {
                path: path.to_owned(),
                line: idx + 1,
                message,
            };
            if line.trim().is_empty() {
                continue;
            }
            let (hex_digest, rest) = line.split_at_checked(64).ok_or_else(|| {
                syntax("expected 64 hexadecimal digits, two spaces and a file name".into())
            })?;
            let mut digest = [0u8; 32];
            hex::decode_to_slice(hex_digest, &mut digest).map_err(|_| {
                syntax(format!(
                    "expected a SHA-256 digest (64 hexadecimal digits), found {hex_digest:?}"
                ))
            })?;
            let name = rest
                .strip_prefix("  ")
                .or_else(|| rest.strip_prefix(" *"))
                .ok_or_else(|| {
                    syntax("expected two spaces between the digest and the name".into())
                })?;
            if let Some(reason) = name_problem(name) {
                return Err(syntax(format!("{name:?}: {reason}")));
            }
            if manifest.digests.insert(name.to_owned(), digest).is_some() {
                return Err(syntax(format!("{name:?} is listed twice")));
            }
        }
        Ok(manifest)
    }

    /// The manifest as text, one line per file in name order.
    pub fn to_text(&self) -> String {
        self.digests
            .iter()
            .map(|(name, digest)| format!("{}  {name}\n", hex::encode(digest)))
            .collect()
    }

    /// The manifest in `dir`, if there is one.
    pub fn read(dir: &Path) -> Result<Option<Self>> {
        let path = dir.join(MANIFEST_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::parse(&text, &path).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(&path, "cannot read the manifest", &e)),
        }
    }

    /// Writes the manifest into `dir` (a temporary file, synced, then renamed over it).
    pub fn write(&self, dir: &Path) -> Result<()> {
        let path = dir.join(MANIFEST_FILE);
        let tmp = dir.join(format!(".{MANIFEST_FILE}.tmp"));
        let write = || -> std::io::Result<()> {
            let mut file = std::fs::File::create(&tmp)?;
            file.write_all(self.to_text().as_bytes())?;
            file.sync_all()?;
            std::fs::rename(&tmp, &path)
        };
        write().map_err(|e| Error::io(&path, "cannot write the manifest", &e))
    }
}

/// Digests the files `names` in `dir` and lists them in `dir`'s manifest, keeping the
/// other files it already lists; returns the manifest written.
pub fn record<S: AsRef<str>>(dir: &Path, names: &[S]) -> Result<Manifest> {
    let mut manifest = Manifest::read(dir)?.unwrap_or_default();
    for name in names {
        let name = name.as_ref();
        if let Some(reason) = name_problem(name) {
            return Err(Error::Name {
                name: name.to_owned(),
                reason,
            });
        }
        let digest = digest_file(&dir.join(name))?;
        manifest.insert(name, digest)?;
    }
    manifest.write(dir)?;
    Ok(manifest)
}
