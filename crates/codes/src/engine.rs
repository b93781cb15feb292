//! `CodeSets`: every loaded release of every system, chosen by date of service; loading the
//! embedded data and the user's imported releases; importing new releases at run time.
//!
//! Invariants: per system, releases are sorted by `effective_from` and their
//! `effective_to` is the day before the next one's; an import parses and checks everything
//! before it writes or inserts anything, so a bad file leaves the loaded releases untouched.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use time::Date;

use crate::cm::{self, CmRelease, ImportInputs};
use crate::edits::{self, Edits};
use crate::error::{Error, Result};
use crate::index::{self, Index};
use crate::packfile;
use crate::pcs::{self, PcsRelease};
use crate::pcs_builder::definitions::Definitions;
use crate::release::{self, Origin, ReleaseInfo, System};
use crate::simple::{self, SimpleRelease};
use crate::sources;

/// The processed files shipped in `data/codes/` and compiled into the binary, so a fresh
/// clone and an installed binary need nothing else.
const EMBEDDED: [(&str, &[u8]); 27] = [
    (
        "icd10cm-FY2025.gz",
        include_bytes!("../../../data/codes/icd10cm-FY2025.gz"),
    ),
    (
        "icd10cm-FY2026.gz",
        include_bytes!("../../../data/codes/icd10cm-FY2026.gz"),
    ),
    (
        "icd10pcs-FY2026.gz",
        include_bytes!("../../../data/codes/icd10pcs-FY2026.gz"),
    ),
    (
        "hcpcs-2026-Q1.gz",
        include_bytes!("../../../data/codes/hcpcs-2026-Q1.gz"),
    ),
    (
        "cvx-2025.gz",
        include_bytes!("../../../data/codes/cvx-2025.gz"),
    ),
    (
        "icd10cm-index-FY2025.gz",
        include_bytes!("../../../data/codes/icd10cm-index-FY2025.gz"),
    ),
    (
        "edits-mce-v37.gz",
        include_bytes!("../../../data/codes/edits-mce-v37.gz"),
    ),
    (
        "icd10pcs-definitions-2026.gz",
        include_bytes!("../../../data/codes/icd10pcs-definitions-2026.gz"),
    ),
    // Earlier releases last, so the positions of the index, edits and definitions above stay
    // as read below. ICD-10-CM FY2016-FY2024 and ICD-10-PCS FY2016-FY2025 from CMS order
    // files (data/README.md).
    (
        "icd10cm-FY2024.gz",
        include_bytes!("../../../data/codes/icd10cm-FY2024.gz"),
    ),
    (
        "icd10cm-FY2016.gz",
        include_bytes!("../../../data/codes/icd10cm-FY2016.gz"),
    ),
    (
        "icd10cm-FY2017.gz",
        include_bytes!("../../../data/codes/icd10cm-FY2017.gz"),
    ),
    (
        "icd10cm-FY2018.gz",
        include_bytes!("../../../data/codes/icd10cm-FY2018.gz"),
    ),
    (
        "icd10cm-FY2019.gz",
        include_bytes!("../../../data/codes/icd10cm-FY2019.gz"),
    ),
    (
        "icd10cm-FY2020.gz",
        include_bytes!("../../../data/codes/icd10cm-FY2020.gz"),
    ),
    (
        "icd10cm-FY2021.gz",
        include_bytes!("../../../data/codes/icd10cm-FY2021.gz"),
    ),
    (
        "icd10cm-FY2022.gz",
        include_bytes!("../../../data/codes/icd10cm-FY2022.gz"),
    ),
    (
        "icd10cm-FY2023.gz",
        include_bytes!("../../../data/codes/icd10cm-FY2023.gz"),
    ),
    (
        "icd10pcs-FY2016.gz",
        include_bytes!("../../../data/codes/icd10pcs-FY2016.gz"),
    ),
    (
        "icd10pcs-FY2017.gz",
        include_bytes!("../../../data/codes/icd10pcs-FY2017.gz"),
    ),
    (
        "icd10pcs-FY2018.gz",
        include_bytes!("../../../data/codes/icd10pcs-FY2018.gz"),
    ),
    (
        "icd10pcs-FY2019.gz",
        include_bytes!("../../../data/codes/icd10pcs-FY2019.gz"),
    ),
    (
        "icd10pcs-FY2020.gz",
        include_bytes!("../../../data/codes/icd10pcs-FY2020.gz"),
    ),
    (
        "icd10pcs-FY2021.gz",
        include_bytes!("../../../data/codes/icd10pcs-FY2021.gz"),
    ),
    (
        "icd10pcs-FY2022.gz",
        include_bytes!("../../../data/codes/icd10pcs-FY2022.gz"),
    ),
    (
        "icd10pcs-FY2023.gz",
        include_bytes!("../../../data/codes/icd10pcs-FY2023.gz"),
    ),
    (
        "icd10pcs-FY2024.gz",
        include_bytes!("../../../data/codes/icd10pcs-FY2024.gz"),
    ),
    (
        "icd10pcs-FY2025.gz",
        include_bytes!("../../../data/codes/icd10pcs-FY2025.gz"),
    ),
];

/// HCPCS releases before January 2026, derived when used from the January 2026 file's own
/// added and termination dates (see [`simple::within_year`]), with their code counts (checked
/// by the tests) so listing releases decodes nothing. Codes CMS terminated and has since
/// dropped from its file are missing, so the earlier years are the less complete.
const HCPCS_DERIVED: [(i32, usize); 11] = [
    (2015, 5704),
    (2016, 5867),
    (2017, 5990),
    (2018, 6149),
    (2019, 6373),
    (2020, 6585),
    (2021, 6571),
    (2022, 6714),
    (2023, 6996),
    (2024, 7434),
    (2025, 7662),
];

/// Sub-directory of the caller's data directory that holds imported releases.
pub const IMPORT_DIR: &str = "codes";

/// The index release name with its indexes.
type NamedIndexes = (String, Vec<Index>);

/// All loaded code sets.
#[derive(Debug, Default, Clone)]
pub struct CodeSets {
    pub(crate) cm: Vec<Arc<Slot<CmRelease>>>,
    pub(crate) pcs: Vec<Arc<Slot<PcsRelease>>>,
    pub(crate) hcpcs: Vec<Arc<Slot<SimpleRelease>>>,
    pub(crate) cvx: Vec<Arc<Slot<SimpleRelease>>>,
    pub(crate) cpt: Vec<Arc<Slot<SimpleRelease>>>,
    indexes: Arc<OnceLock<std::result::Result<NamedIndexes, String>>>,
    edits: Arc<OnceLock<std::result::Result<Edits, String>>>,
    pcs_definitions: Arc<OnceLock<std::result::Result<Definitions, String>>>,
    /// Search over the index terms themselves, built on first use.
    pub(crate) index_search: Arc<OnceLock<crate::search::SearchIndex>>,
    /// Main-term lookups per index (same order as [`CodeSets::indexes`]), built on first use.
    main_terms: Arc<OnceLock<Vec<crate::crossref::MainTerms>>>,
    /// Where the NCCI files imported into the data directory are (`open` only).
    ncci_dir: Option<PathBuf>,
    /// The NCCI tables, read from `ncci_dir` on first use (none imported: `None`).
    ncci: Arc<OnceLock<std::result::Result<Option<crate::ncci::Ncci>, String>>>,
    /// Where built ICD-10-CM search indexes are kept (`with_search_cache`), if anywhere.
    search_cache: Option<PathBuf>,
    /// What each use of the search cache did, for the caller to report (`cache_events`).
    cache_events: Arc<std::sync::Mutex<Vec<crate::search_cache::CacheOutcome>>>,
}

/// The data directory's folder holding imported NCCI files (gzip, the publisher's format).
pub const NCCI_DIR: &str = "ncci";

/// A release known by its metadata and decoded on first use.
///
/// Why lazy: a command such as `chartroom codes validate E11.9` needs one ICD-10-CM release
/// out of nine embedded files; decoding only what is asked keeps start-up and memory to
/// that. Embedded data was checked when it was built and by the tests, so a decode failure
/// here is reported as an error on use, never a panic. Imported releases are decoded when
/// opened, so a damaged user file is reported by `open`.
#[derive(Debug)]
pub(crate) struct Slot<T> {
    pub(crate) info: ReleaseInfo,
    embedded: Option<(&'static str, &'static [u8])>,
    /// A release derived from the embedded file of a later one, for `info`'s year
    /// ([`Decode::derive`]).
    pub(crate) derived: bool,
    cell: OnceLock<std::result::Result<T, String>>,
    /// ICD-10-CM: the packed codes of a release not decoded, read from its file for the
    /// code page's history without decoding the tree (a few MB instead of tens per release).
    members: OnceLock<rustc_hash::FxHashSet<u64>>,
}

/// A release type that can be decoded from a processed file.
pub(crate) trait Decode: Sized {
    fn decode(system: System, path: &Path, text: &str, origin: Origin) -> Result<Self>;

    /// The release for `info` derived from this later one (only flat releases are).
    fn derive(self, info: &ReleaseInfo) -> Result<Self> {
        Err(Error::Unsupported(format!(
            "{} {} cannot be derived",
            info.system, info.name
        )))
    }
}

impl Decode for CmRelease {
    fn decode(_: System, path: &Path, text: &str, origin: Origin) -> Result<Self> {
        read_cm(path, text, origin)
    }
}

/// Decodes an ICD-10-CM release and notes what it was decoded from (its search cache's key).
fn read_cm(path: &Path, text: &str, origin: Origin) -> Result<CmRelease> {
    let mut r = cm::read_pack(path, text, origin)?;
    r.fingerprint = Some(u64::from(crc32fast::hash(text.as_bytes())) << 32 ^ text.len() as u64);
    Ok(r)
}

impl Decode for PcsRelease {
    fn decode(_: System, path: &Path, text: &str, origin: Origin) -> Result<Self> {
        pcs::read(path, text, origin)
    }
}

impl Decode for SimpleRelease {
    fn decode(system: System, path: &Path, text: &str, origin: Origin) -> Result<Self> {
        simple::read(system, path, text, origin)
    }

    fn derive(self, info: &ReleaseInfo) -> Result<Self> {
        simple::within_year(self, info)
    }
}

impl<T: Decode> Slot<T> {
    fn ready(info: ReleaseInfo, value: T) -> Self {
        Slot {
            info,
            embedded: None,
            derived: false,
            cell: OnceLock::from(Ok(value)),
            members: OnceLock::new(),
        }
    }

    /// The decoded release, decoding it now if needed.
    pub(crate) fn load(&self) -> Result<&T> {
        let r = self.cell.get_or_init(|| match self.embedded {
            Some((name, bytes)) => {
                let path = packfile::embedded_path(name);
                packfile::read_maybe_gz(&path, bytes)
                    .and_then(|text| T::decode(self.info.system, &path, &text, Origin::Embedded))
                    .and_then(|r| {
                        if self.derived {
                            r.derive(&self.info)
                        } else {
                            Ok(r)
                        }
                    })
                    .map_err(|e| e.to_string())
            }
            None => Err("release was never loaded".to_string()),
        });
        r.as_ref().map_err(|m| {
            Error::Unsupported(format!(
                "loading {} {}: {m}",
                self.info.system, self.info.name
            ))
        })
    }
}

impl Slot<CmRelease> {
    /// Does this release have the code? Answered from the decoded release when it is
    /// decoded, else from the codes listed in its file (read once, the tree not built).
    pub(crate) fn has_code(&self, code_text: &str) -> bool {
        if let Some(Ok(r)) = self.cell.get() {
            return r.find(code_text).is_some();
        }
        let (Some(packed), Some((name, bytes))) =
            (crate::code::pack(code_text.trim()), self.embedded)
        else {
            return self.load().is_ok_and(|r| r.find(code_text).is_some());
        };
        self.members
            .get_or_init(|| {
                let path = packfile::embedded_path(name);
                let text = packfile::read_maybe_gz(&path, bytes).unwrap_or_default();
                text.lines()
                    .filter_map(|l| {
                        let mut f = l.split('\t');
                        (f.next() == Some("N") && matches!(f.next(), Some("K" | "D")))
                            .then(|| f.next().and_then(crate::code::pack))
                            .flatten()
                    })
                    .collect()
            })
            .contains(&packed)
    }
}

/// Reads the `REL` record of an embedded processed file without decoding the rest.
fn embedded_info(name: &str, bytes: &[u8], system: System) -> Result<ReleaseInfo> {
    let path = packfile::embedded_path(name);
    if bytes.is_empty() {
        return Err(Error::parse(
            &path,
            0,
            "file is empty (run codes-prep to build the processed data)",
        ));
    }
    let mut rd = std::io::BufReader::new(flate2::read::GzDecoder::new(bytes));
    let mut head = String::new();
    for _ in 0..2 {
        rd.read_line(&mut head)
            .map_err(|e| Error::parse(&path, 0, format!("gzip stream: {e}")))?;
    }
    let rel = head.lines().nth(1).unwrap_or_default();
    let f: Vec<&str> = rel.split('\t').collect();
    if f.first() != Some(&"REL") {
        return Err(Error::parse(&path, 2, "expected a REL record"));
    }
    Ok(ReleaseInfo {
        system,
        name: f.get(1).copied().unwrap_or_default().to_string(),
        effective_from: f
            .get(2)
            .and_then(|d| release::parse_date(d))
            .ok_or_else(|| Error::parse(&path, 2, "REL: bad date"))?,
        effective_to: None,
        source: f.get(3).copied().unwrap_or_default().to_string(),
        origin: Origin::Embedded,
        codes: f.get(4).and_then(|n| n.parse().ok()).unwrap_or(0),
    })
}

/// One release of any system, before it joins a [`CodeSets`].
#[derive(Debug)]
pub enum Loaded {
    /// ICD-10-CM.
    Cm(CmRelease),
    /// ICD-10-PCS.
    Pcs(PcsRelease),
    /// HCPCS, CVX or CPT.
    Simple(SimpleRelease),
}

impl Loaded {
    /// Metadata of the release.
    pub fn info(&self) -> &ReleaseInfo {
        match self {
            Loaded::Cm(r) => &r.info,
            Loaded::Pcs(r) => &r.info,
            Loaded::Simple(r) => &r.info,
        }
    }
}

/// What to import.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    /// The code system.
    pub system: System,
    /// The main file: tabular XML, PCS tables XML, HCPCS fixed-width, CVX, or CPT TSV.
    pub file: PathBuf,
    /// ICD-10-CM only: the CMS order file (authoritative billable list and titles).
    pub order: Option<PathBuf>,
    /// ICD-10-CM only: a flat code list.
    pub code_list: Option<PathBuf>,
    /// Release name; derived from the file when absent (`FY2027` from `<version>2027`).
    pub name: Option<String>,
    /// First date of service; derived when absent (October 1 before the fiscal year for
    /// ICD-10; the latest action date's quarter for HCPCS).
    pub effective_from: Option<Date>,
}

/// Decodes one processed file (by its name prefix) into a release.
pub(crate) fn decode(name: &str, path: &Path, bytes: &[u8], origin: Origin) -> Result<Loaded> {
    if bytes.is_empty() {
        return Err(Error::parse(
            path,
            0,
            "file is empty (run codes-prep to build the processed data)",
        ));
    }
    let text = packfile::read_maybe_gz(path, bytes)?;
    let loaded = if name.starts_with("icd10cm-index") || name.starts_with("edits") {
        return Err(Error::Unsupported(format!("{name} is not a release file")));
    } else if name.starts_with("icd10cm") {
        Loaded::Cm(read_cm(path, &text, origin)?)
    } else if name.starts_with("icd10pcs") {
        Loaded::Pcs(pcs::read(path, &text, origin)?)
    } else {
        let system = System::ALL
            .into_iter()
            .find(|s| name.starts_with(s.name()))
            .ok_or_else(|| Error::parse(path, 0, "file name does not start with a code system"))?;
        Loaded::Simple(simple::read(system, path, &text, origin)?)
    };
    Ok(loaded)
}

impl CodeSets {
    /// Loads the data compiled into the binary. Only release headers are read here; each
    /// release, the indexes and the edits are decoded on first use.
    pub fn embedded() -> Result<Self> {
        let mut sets = CodeSets::default();
        for (name, bytes) in EMBEDDED {
            let system = if name.starts_with("icd10cm-index")
                || name.starts_with("edits")
                || name.starts_with("icd10pcs-definitions")
            {
                continue;
            } else if name.starts_with("icd10cm") {
                System::Icd10Cm
            } else if name.starts_with("icd10pcs") {
                System::Icd10Pcs
            } else if name.starts_with("hcpcs") {
                System::Hcpcs
            } else {
                System::Cvx
            };
            let info = embedded_info(name, bytes, system)?;
            fn slot<T>(
                info: ReleaseInfo,
                name: &'static str,
                bytes: &'static [u8],
                derived: bool,
            ) -> Arc<Slot<T>> {
                Arc::new(Slot {
                    info,
                    embedded: Some((name, bytes)),
                    derived,
                    cell: OnceLock::new(),
                    members: OnceLock::new(),
                })
            }
            match system {
                System::Icd10Cm => sets.cm.push(slot(info, name, bytes, false)),
                System::Icd10Pcs => sets.pcs.push(slot(info, name, bytes, false)),
                System::Hcpcs => {
                    for (year, codes) in HCPCS_DERIVED {
                        let from = Date::from_calendar_date(year, time::Month::January, 1)
                            .map_err(|e| Error::Unsupported(e.to_string()))?;
                        let derived = ReleaseInfo {
                            name: year.to_string(),
                            effective_from: from,
                            source: format!(
                                "derived from {}: codes added by December 31 {year} and not terminated before January 1 {year}",
                                info.source
                            ),
                            codes,
                            ..info.clone()
                        };
                        sets.hcpcs.push(slot(derived, name, bytes, true));
                    }
                    sets.hcpcs.push(slot(info, name, bytes, false));
                }
                _ => sets.cvx.push(slot(info, name, bytes, false)),
            }
        }
        sets.rechain();
        Ok(sets)
    }

    /// Loads the embedded data plus every release imported into `data_dir` (in
    /// `data_dir/codes/`). A damaged imported file is an error naming it.
    pub fn open(data_dir: &Path) -> Result<Self> {
        let mut sets = CodeSets::embedded()?;
        sets.ncci_dir = Some(data_dir.join(NCCI_DIR));
        let dir = data_dir.join(IMPORT_DIR);
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(sets),
            Err(e) => return Err(Error::io(&dir, e)),
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "gz"))
            .collect();
        files.sort();
        for path in files {
            let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            let loaded = decode(&name, &path, &bytes, Origin::Imported)?;
            sets.insert(loaded)?;
        }
        Ok(sets)
    }

    /// Keeps built ICD-10-CM search indexes in `dir` (`<data dir>/cache`, see
    /// [`crate::search_cache`]) and reads them there on later runs instead of building them.
    #[must_use]
    pub fn with_search_cache(mut self, dir: &Path) -> Self {
        self.search_cache = Some(dir.to_path_buf());
        self
    }

    /// What the search cache did since the last call (read, written, replaced, rebuilt
    /// because it was damaged, not written), oldest first.
    pub fn cache_events(&self) -> Vec<crate::search_cache::CacheOutcome> {
        self.cache_events
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }

    /// The ICD-10-CM search index of `r`: from the search cache when one is set and holds
    /// it for this release and this build of Chartroom, else built (and cached).
    pub(crate) fn cm_search_index(&self, r: &CmRelease) -> crate::search::SearchIndex {
        let (Some(dir), Some(fingerprint)) = (&self.search_cache, r.fingerprint) else {
            return self.build_cm_index(r);
        };
        let (_, index_bytes) = EMBEDDED.get(5).copied().unwrap_or(("", &[]));
        let key = crate::search_cache::key(fingerprint, index_bytes);
        let file = crate::search_cache::path(dir, &r.info.name);
        let (index, outcome) =
            crate::search_cache::load_or_build(&file, key, || self.build_cm_index(r));
        if let Ok(mut events) = self.cache_events.lock() {
            events.push(outcome);
        }
        index
    }

    /// Adds a release, keeping each system's releases ordered by start date.
    pub fn insert(&mut self, loaded: Loaded) -> Result<()> {
        let info = loaded.info().clone();
        if self
            .releases()
            .iter()
            .any(|r| r.system == info.system && r.name == info.name)
        {
            return Err(Error::DuplicateRelease {
                system: info.system.to_string(),
                release: info.name,
            });
        }
        match loaded {
            Loaded::Cm(r) => self.cm.push(Arc::new(Slot::ready(r.info.clone(), r))),
            Loaded::Pcs(r) => self.pcs.push(Arc::new(Slot::ready(r.info.clone(), r))),
            Loaded::Simple(r) => {
                let slot = Arc::new(Slot::ready(r.info.clone(), r));
                match slot.info.system {
                    System::Hcpcs => self.hcpcs.push(slot),
                    System::Cvx => self.cvx.push(slot),
                    _ => self.cpt.push(slot),
                }
            }
        }
        self.rechain();
        Ok(())
    }

    fn rechain(&mut self) {
        self.cm.sort_by_key(|r| r.info.effective_from);
        self.pcs.sort_by_key(|r| r.info.effective_from);
        self.hcpcs.sort_by_key(|r| r.info.effective_from);
        self.cvx.sort_by_key(|r| r.info.effective_from);
        self.cpt.sort_by_key(|r| r.info.effective_from);
    }

    /// Every loaded release, by system then start date.
    pub fn releases(&self) -> Vec<ReleaseInfo> {
        let mut out: Vec<ReleaseInfo> = Vec::new();
        let mut add = |mut v: Vec<ReleaseInfo>| {
            // The end date is derived, not stored, so releases shared with readers stay
            // immutable when a later release is imported.
            release::chain_dates(&mut v.iter_mut().collect::<Vec<_>>());
            out.extend(v);
        };
        add(self.cm.iter().map(|r| r.info.clone()).collect());
        add(self.pcs.iter().map(|r| r.info.clone()).collect());
        add(self.hcpcs.iter().map(|r| r.info.clone()).collect());
        add(self.cvx.iter().map(|r| r.info.clone()).collect());
        add(self.cpt.iter().map(|r| r.info.clone()).collect());
        out
    }

    /// The ICD-10-CM release in force on the date of service.
    pub fn icd10cm(&self, dos: Date) -> Result<&CmRelease> {
        pick(&self.cm, dos, System::Icd10Cm)
    }

    /// The ICD-10-PCS release in force on the date of service.
    pub fn icd10pcs(&self, dos: Date) -> Result<&PcsRelease> {
        pick(&self.pcs, dos, System::Icd10Pcs)
    }

    /// The HCPCS, CVX or CPT release in force on the date of service.
    pub fn flat(&self, system: System, dos: Date) -> Result<&SimpleRelease> {
        let v = match system {
            System::Hcpcs => &self.hcpcs,
            System::Cvx => &self.cvx,
            System::Cpt => &self.cpt,
            other => {
                return Err(Error::Unsupported(format!(
                    "{other} is not a flat code set"
                )));
            }
        };
        pick(v, dos, system)
    }

    /// The Alphabetic Index, Drugs, Neoplasm and External Cause indexes, and their release
    /// name; decoded on first use.
    pub fn indexes(&self) -> Result<(&str, &[Index])> {
        let r = self.indexes.get_or_init(|| {
            let (name, bytes) = EMBEDDED.get(5).copied().unwrap_or(("", &[]));
            let path = packfile::embedded_path(name);
            packfile::read_maybe_gz(&path, bytes)
                .and_then(|text| index::read(&path, &text))
                .map_err(|e| e.to_string())
        });
        match r {
            Ok((name, ix)) => Ok((name.as_str(), ix.as_slice())),
            Err(m) => Err(Error::Unsupported(format!(
                "loading the ICD-10-CM index: {m}"
            ))),
        }
    }

    /// The indexes with their main-term lookups, for following cross-references.
    pub(crate) fn cross_refs(&self) -> Result<(&[Index], &[crate::crossref::MainTerms])> {
        let (_, indexes) = self.indexes()?;
        let mains = self.main_terms.get_or_init(|| {
            indexes
                .iter()
                .map(crate::crossref::MainTerms::build)
                .collect()
        });
        Ok((indexes, mains.as_slice()))
    }

    /// The sex and age edits; decoded on first use.
    pub fn edits(&self) -> Result<&Edits> {
        let r = self.edits.get_or_init(|| {
            let (name, bytes) = EMBEDDED.get(6).copied().unwrap_or(("", &[]));
            let path = packfile::embedded_path(name);
            packfile::read_maybe_gz(&path, bytes)
                .and_then(|text| edits::read(&path, &text))
                .map_err(|e| e.to_string())
        });
        r.as_ref()
            .map_err(|m| Error::Unsupported(format!("loading the code edits: {m}")))
    }

    /// The ICD-10-PCS Definitions (root operations, approaches, Body Part and Device keys);
    /// decoded on first use.
    pub fn pcs_definitions(&self) -> Result<&Definitions> {
        let r = self.pcs_definitions.get_or_init(|| {
            let (name, bytes) = EMBEDDED.get(7).copied().unwrap_or(("", &[]));
            let path = packfile::embedded_path(name);
            packfile::read_maybe_gz(&path, bytes)
                .and_then(|text| crate::pcs_builder::definitions::read(&path, &text))
                .map_err(|e| e.to_string())
        });
        r.as_ref()
            .map_err(|m| Error::Unsupported(format!("loading the PCS definitions: {m}")))
    }

    /// The NCCI edits imported into the data directory (`import_ncci`), read on first use;
    /// `None` when none were imported. A file damaged since its import is an error naming
    /// it and its line.
    pub fn ncci(&self) -> Result<Option<&crate::ncci::Ncci>> {
        let loaded = self.ncci.get_or_init(|| {
            let Some(dir) = &self.ncci_dir else {
                return Ok(None);
            };
            read_ncci_dir(dir).map_err(|e| e.to_string())
        });
        loaded
            .as_ref()
            .map(Option::as_ref)
            .map_err(|m| Error::Unsupported(format!("loading the NCCI edits: {m}")))
    }

    /// Checks a CMS NCCI file (a practitioner PTP text file or MUE CSV, plain or gzip) and
    /// keeps it, gzip-compressed, in `data_dir/ncci/` under its own name; a file of the same
    /// name is replaced (the next quarter's). Read by the next `open`.
    pub fn import_ncci(path: &Path, data_dir: &Path) -> Result<crate::ncci::NcciFile> {
        let text = packfile::read_file(path)?;
        let mut check = crate::ncci::Ncci::default();
        let file = check.add(path, &text)?.clone();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("ncci")
            .trim_end_matches(".gz");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut gz, text.as_bytes()).map_err(|e| Error::io(path, e))?;
        let bytes = gz.finish().map_err(|e| Error::io(path, e))?;
        let target = data_dir
            .join(NCCI_DIR)
            .join(format!("{}.gz", sanitize(name)));
        packfile::write_atomic(&target, &bytes)?;
        Ok(file)
    }

    /// Parses a publisher's release file, stores the processed form in
    /// `data_dir/codes/<system>-<name>.gz` and adds it. Nothing is written or changed unless
    /// the whole file parsed.
    pub fn import(&mut self, req: &ImportRequest, data_dir: &Path) -> Result<ReleaseInfo> {
        let (loaded, bytes) = build_release(req, Origin::Imported)?;
        let info = loaded.info().clone();
        if self
            .releases()
            .iter()
            .any(|r| r.system == info.system && r.name == info.name)
        {
            return Err(Error::DuplicateRelease {
                system: info.system.to_string(),
                release: info.name,
            });
        }
        let file = data_dir.join(IMPORT_DIR).join(format!(
            "{}-{}.gz",
            info.system.name(),
            sanitize(&info.name)
        ));
        packfile::write_atomic(&file, &bytes)?;
        self.insert(loaded)?;
        Ok(self
            .releases()
            .into_iter()
            .find(|r| r.system == info.system && r.name == info.name)
            .unwrap_or(info))
    }
}

/// Every NCCI file kept in `dir`, in name order; `None` when there are none.
fn read_ncci_dir(dir: &Path) -> Result<Option<crate::ncci::Ncci>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(dir, e)),
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "gz"))
        .collect();
    if files.is_empty() {
        return Ok(None);
    }
    files.sort();
    let mut ncci = crate::ncci::Ncci::default();
    for path in files {
        let text = packfile::read_file(&path)?;
        ncci.add(&path, &text)?;
    }
    Ok(Some(ncci))
}

/// Release names become file names; keep them to a safe alphabet.
fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn pick<T: Decode>(v: &[Arc<Slot<T>>], dos: Date, system: System) -> Result<&T> {
    release::in_force(v, dos, |r| r.info.effective_from)
        .and_then(|i| v.get(i))
        .ok_or(Error::NoRelease {
            system: system.to_string(),
            date: dos,
        })?
        .load()
}

/// The first October 1 of fiscal year `fy` (FY2026 starts 2025-10-01).
fn fiscal_start(path: &Path, version: &str) -> Result<Date> {
    let fy: i32 = version.trim().parse().map_err(|_| {
        Error::parse(
            path,
            0,
            format!("<version> {version:?} is not a year; give the effective date"),
        )
    })?;
    Date::from_calendar_date(fy - 1, time::Month::October, 1)
        .map_err(|e| Error::parse(path, 0, format!("fiscal year {fy}: {e}")))
}

/// Parses a publisher's file into a release and its processed bytes (shared by the prep
/// tool and run-time import).
pub fn build_release(req: &ImportRequest, origin: Origin) -> Result<(Loaded, Vec<u8>)> {
    let path = req.file.as_path();
    let text = packfile::read_file(path)?;
    let mk_info = |name: String, from: Date, source: String| ReleaseInfo {
        system: req.system,
        name,
        effective_from: from,
        effective_to: None,
        source,
        origin: origin.clone(),
        codes: 0,
    };
    let file_label = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_string();
    match req.system {
        System::Icd10Cm => {
            let inputs = ImportInputs {
                tabular: req.file.clone(),
                order: req.order.clone(),
                code_list: req.code_list.clone(),
            };
            let (release, _report, bytes) =
                cm::import(&inputs, req.name.clone(), req.effective_from, origin)?;
            Ok((Loaded::Cm(release), bytes))
        }
        System::Icd10Pcs => {
            let (version, tables) = pcs::parse_tables_xml(path, &text)?;
            let from = match req.effective_from {
                Some(d) => d,
                None => fiscal_start(path, &version)?,
            };
            let name = req
                .name
                .clone()
                .unwrap_or_else(|| format!("FY{}", version.trim()));
            let info = mk_info(
                name,
                from,
                format!("CMS ICD-10-PCS tables {file_label}, public domain"),
            );
            let bytes = pcs::write(&info, &tables)?;
            Ok((Loaded::Pcs(pcs::from_tables(info, tables)), bytes))
        }
        System::Hcpcs | System::Cvx | System::Cpt => {
            let entries = match req.system {
                System::Hcpcs => sources::parse_hcpcs(path, &text)?,
                System::Cvx => sources::parse_cvx(path, &text)?,
                _ => sources::parse_cpt(path, &text)?,
            };
            let from = match (req.effective_from, req.system) {
                (Some(d), _) => d,
                (None, System::Hcpcs) => entries
                    .iter()
                    .filter_map(|e| e.action_effective)
                    .max()
                    .and_then(|d| Date::from_calendar_date(d.year(), d.month(), 1).ok())
                    .ok_or_else(|| {
                        Error::parse(path, 0, "no action dates; give the effective date")
                    })?,
                (None, System::Cvx) => Date::MIN,
                (None, _) => {
                    return Err(Error::Unsupported(format!(
                        "{}: give the effective date of this {} release",
                        path.display(),
                        req.system
                    )));
                }
            };
            let name = req.name.clone().unwrap_or_else(|| match req.system {
                System::Hcpcs => format!("{}-Q{}", from.year(), (from.month() as u8 - 1) / 3 + 1),
                _ => from.year().to_string(),
            });
            let source = match req.system {
                System::Hcpcs => format!("CMS HCPCS Level II {file_label}, public domain"),
                System::Cvx => format!("CDC CVX {file_label}, public domain"),
                _ => format!("licensed CPT file {file_label} (AMA licence; not redistributed)"),
            };
            let info = mk_info(name, from, source);
            let bytes = simple::write(&info, &entries)?;
            let release = SimpleRelease::new(info, entries, path)?;
            Ok((Loaded::Simple(release), bytes))
        }
    }
}
