//! Syndromes as data: the defaults shipped in `default_syndromes.toml`, and a facility's file
//! that changes them by id or adds its own. A file is checked whole before it is used (the
//! way chart review reads its rules file): every problem is reported with its line, every
//! code is checked against the ICD-10-CM releases the code sets hold, and a rejected file
//! leaves the syndromes in force unchanged.

use crate::pattern::CodePattern;
use codes::{CmRelease, CodeSets, System};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;
use toml::Spanned;

/// The syndromes Chartroom ships, in the same format a facility file uses.
pub const DEFAULT_SYNDROMES: &str = include_str!("default_syndromes.toml");

/// The pseudo-syndrome that counts every visit: the denominator for percentages.
pub const ALL_VISITS: &str = "all";

/// At most this many syndromes, so a visit's syndromes fit one `u64` bit set.
pub const MAX_SYNDROMES: usize = 63;

/// A short digest of a definitions text, for marks kept beside derived data.
pub(crate) fn fingerprint_of(text: &str) -> String {
    // FNV-1a: stable across builds and platforms, unlike the standard hasher.
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{hash:016x}")
}

/// One syndrome in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Syndrome {
    /// Its id (`ili`), unique in the set.
    pub id: String,
    /// Its name for people (`Influenza-like illness`).
    pub name: String,
    /// Any one of these diagnosis codes puts a visit in the syndrome.
    pub codes: Vec<CodePattern>,
    /// Or one code of every group, together on one visit.
    pub together: Vec<Vec<CodePattern>>,
    /// Or one of these in the reason for visit, as whole words (lower case, split in words).
    pub keywords: Vec<Vec<String>>,
    /// Whether it is counted.
    pub enabled: bool,
}

/// The words of a text, lower case, split at anything but letters and digits.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

impl Syndrome {
    /// Whether a visit with these diagnosis codes (normalised: `J101`) and reason-for-visit
    /// words falls in this syndrome.
    pub fn matches(&self, codes: &[String], reason_words: &[String]) -> bool {
        let any = |patterns: &[CodePattern]| {
            codes
                .iter()
                .any(|code| patterns.iter().any(|p| p.matches(code)))
        };
        any(&self.codes)
            || (!self.together.is_empty() && self.together.iter().all(|group| any(group)))
            || self.keywords.iter().any(|keyword| {
                !keyword.is_empty()
                    && reason_words
                        .windows(keyword.len())
                        .any(|window| window == keyword.as_slice())
            })
    }
}

/// The syndromes in force, in id order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyndromeSet {
    /// By id.
    pub syndromes: Vec<Syndrome>,
}

/// One problem in a syndromes file: its line, field and what is wrong.
pub type SyndromeProblem = facility_file::Problem;

/// A rejected syndromes file: every problem found, each with its line.
pub type SyndromesError = facility_file::FileError;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SyndromesFile {
    #[serde(default)]
    syndromes: BTreeMap<String, Spanned<SyndromeSpec>>,
}

pub(crate) type SpannedList = Spanned<Vec<Spanned<String>>>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SyndromeSpec {
    name: Option<Spanned<String>>,
    codes: Option<SpannedList>,
    together: Option<Spanned<Vec<SpannedList>>>,
    keywords: Option<SpannedList>,
    enabled: Option<Spanned<bool>>,
}

/// Checks a facility file's code lists against the ICD-10-CM releases, collecting every
/// problem with its span; shared by the syndromes and the reportable-condition triggers.
pub(crate) struct Reader<'t> {
    releases: Vec<&'t CmRelease>,
    pub(crate) problems: facility_file::Problems<'t>,
}

impl<'t> Reader<'t> {
    /// A reader over the ICD-10-CM releases `codes` holds.
    pub(crate) fn new(codes: &'t CodeSets, problems: facility_file::Problems<'t>) -> Self {
        let releases: Vec<&CmRelease> = codes
            .releases()
            .into_iter()
            .filter(|info| info.system == System::Icd10Cm)
            .filter_map(|info| codes.icd10cm(info.effective_from).ok())
            .collect();
        Self { releases, problems }
    }

    pub(crate) fn problem(
        &mut self,
        span: Range<usize>,
        field: String,
        message: impl Into<String>,
    ) {
        self.problems.add(span, field, message);
    }

    /// A definition's name: the file's (1 to `max` characters), else the one it changes;
    /// a new definition without one is a problem at `new.0` (`new.1` says what it is).
    pub(crate) fn name(
        &mut self,
        given: Option<&Spanned<String>>,
        existing: Option<String>,
        max: usize,
        field: &str,
        new: (Range<usize>, &str),
    ) -> Option<String> {
        match given {
            Some(v) if !v.get_ref().trim().is_empty() && v.get_ref().len() <= max => {
                Some(v.get_ref().trim().to_owned())
            }
            Some(v) => {
                self.problem(
                    v.span(),
                    field.to_owned(),
                    format!("a name is 1 to {max} characters"),
                );
                None
            }
            None if existing.is_none() => {
                self.problem(
                    new.0,
                    field.to_owned(),
                    format!("{}, so it needs a name", new.1),
                );
                None
            }
            None => existing,
        }
    }

    /// The patterns of a list, each read and found in at least one ICD-10-CM release.
    pub(crate) fn patterns(&mut self, list: &SpannedList, field: &str) -> Vec<CodePattern> {
        let mut patterns = Vec::new();
        if list.get_ref().is_empty() {
            self.problem(list.span(), field.to_owned(), "the list is empty");
        }
        for item in list.get_ref() {
            match CodePattern::parse(item.get_ref()) {
                Ok(pattern) if self.releases.iter().any(|r| pattern.exists_in(r)) => {
                    patterns.push(pattern);
                }
                Ok(pattern) => {
                    let names: Vec<&str> =
                        self.releases.iter().map(|r| r.info.name.as_str()).collect();
                    self.problem(
                        item.span(),
                        field.to_owned(),
                        format!(
                            "\"{}\" names no ICD-10-CM code in {}",
                            pattern.text(),
                            match names.as_slice() {
                                [] => "the code sets (none loaded)".to_owned(),
                                [one] => (*one).to_owned(),
                                [first, .., last] => {
                                    format!("any release from {first} to {last}")
                                }
                            }
                        ),
                    );
                }
                Err(why) => self.problem(item.span(), field.to_owned(), why),
            }
        }
        patterns
    }
}

impl SyndromeSet {
    /// The syndromes Chartroom ships, checked against `codes`.
    pub fn defaults(codes: &CodeSets) -> Result<Self, SyndromesError> {
        Self::read(DEFAULT_SYNDROMES, "default syndromes", None, codes)
    }

    /// The defaults changed by a facility file's text (`file` names it in messages).
    pub fn with_facility_file(
        text: &str,
        file: &str,
        codes: &CodeSets,
    ) -> Result<Self, SyndromesError> {
        let defaults = Self::defaults(codes)?;
        Self::read(text, file, Some(&defaults), codes)
    }

    /// The syndromes that are counted.
    pub fn enabled(&self) -> impl Iterator<Item = &Syndrome> {
        self.syndromes.iter().filter(|s| s.enabled)
    }

    /// The syndrome with `id`.
    pub fn get(&self, id: &str) -> Option<&Syndrome> {
        self.syndromes.iter().find(|s| s.id == id)
    }

    /// A short text that changes whenever what the syndromes match changes, kept beside the
    /// counts so that counts made under other definitions are rebuilt, never mixed.
    pub fn fingerprint(&self) -> String {
        let mut text = String::new();
        for s in self.enabled() {
            text.push_str(&s.id);
            text.push('|');
            for p in &s.codes {
                text.push_str(p.text());
                text.push(',');
            }
            text.push('|');
            for group in &s.together {
                for p in group {
                    text.push_str(p.text());
                    text.push(',');
                }
                text.push(';');
            }
            text.push('|');
            for k in &s.keywords {
                text.push_str(&k.join(" "));
                text.push(',');
            }
            text.push('\n');
        }
        fingerprint_of(&text)
    }

    fn read(
        text: &str,
        file: &str,
        base: Option<&SyndromeSet>,
        codes: &CodeSets,
    ) -> Result<Self, SyndromesError> {
        let (parsed, problems) = facility_file::Problems::parse::<SyndromesFile>(text, file)?;
        let mut reader = Reader::new(codes, problems);
        let mut syndromes: BTreeMap<String, Syndrome> = base
            .map(|b| {
                b.syndromes
                    .iter()
                    .map(|s| (s.id.clone(), s.clone()))
                    .collect()
            })
            .unwrap_or_default();
        for (id, spec) in &parsed.syndromes {
            let prefix = format!("syndromes.{id}");
            if id.is_empty()
                || id.len() > 40
                || id == ALL_VISITS
                || !id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            {
                reader.problem(
                    spec.span(),
                    prefix,
                    format!(
                        "a syndrome id is 1 to 40 lower-case letters, digits and hyphens, and not \"{ALL_VISITS}\""
                    ),
                );
                continue;
            }
            let existing = syndromes.get(id).cloned();
            if let Some(syndrome) = merge(&mut reader, &prefix, spec, existing, id) {
                syndromes.insert(id.clone(), syndrome);
            }
        }
        if syndromes.values().filter(|s| s.enabled).count() > MAX_SYNDROMES {
            reader.problem(
                0..0,
                "syndromes".into(),
                format!("at most {MAX_SYNDROMES} syndromes can be enabled"),
            );
        }
        reader.problems.finish(Self {
            syndromes: syndromes.into_values().collect(),
        })
    }
}

/// A syndrome from its spec over the one it changes (`existing`), or a new one.
fn merge(
    reader: &mut Reader<'_>,
    prefix: &str,
    spec: &Spanned<SyndromeSpec>,
    existing: Option<Syndrome>,
    id: &str,
) -> Option<Syndrome> {
    let span = spec.span();
    let spec = spec.get_ref();
    let field = |name: &str| format!("{prefix}.{name}");
    let n_before = reader.problems.count();
    let name = reader.name(
        spec.name.as_ref(),
        existing.as_ref().map(|s| s.name.clone()),
        80,
        &field("name"),
        (span.clone(), &format!("{id} is not a default syndrome")),
    );
    let codes = match &spec.codes {
        Some(list) => reader.patterns(list, &field("codes")),
        None => existing
            .as_ref()
            .map(|s| s.codes.clone())
            .unwrap_or_default(),
    };
    let together = match &spec.together {
        Some(groups) => {
            if groups.get_ref().len() == 1 {
                reader.problem(
                    groups.span(),
                    field("together"),
                    "together needs two groups or more (one group is `codes`)",
                );
            }
            groups
                .get_ref()
                .iter()
                .map(|group| reader.patterns(group, &field("together")))
                .collect()
        }
        None => existing
            .as_ref()
            .map(|s| s.together.clone())
            .unwrap_or_default(),
    };
    let keywords = match &spec.keywords {
        Some(list) => {
            let mut keywords = Vec::new();
            for keyword in list.get_ref() {
                let split = words(keyword.get_ref());
                if split.is_empty() || keyword.get_ref().len() > 60 {
                    reader.problem(
                        keyword.span(),
                        field("keywords"),
                        format!(
                            "\"{}\" is not 1 to 60 characters with a letter or digit",
                            keyword.get_ref()
                        ),
                    );
                } else {
                    keywords.push(split);
                }
            }
            keywords
        }
        None => existing
            .as_ref()
            .map(|s| s.keywords.clone())
            .unwrap_or_default(),
    };
    let enabled = spec
        .enabled
        .as_ref()
        .map(|v| *v.get_ref())
        .or(existing.as_ref().map(|s| s.enabled))
        .unwrap_or(true);
    if codes.is_empty()
        && together.is_empty()
        && keywords.is_empty()
        && reader.problems.count() == n_before
    {
        reader.problem(
            span,
            field("codes"),
            "a syndrome needs codes, together or keywords",
        );
    }
    if reader.problems.count() > n_before {
        return None;
    }
    Some(Syndrome {
        id: id.to_owned(),
        name: name?,
        codes,
        together,
        keywords,
        enabled,
    })
}

#[cfg(test)]
mod tests;
