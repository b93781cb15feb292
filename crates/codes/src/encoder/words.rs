//! The words of a diagnostic statement as the encoder matches them against Index terms and
//! Tabular titles: lower-case, abbreviations spelled out, plurals folded on both sides.
//!
//! Invariant: statement words and title words go through the same [`norm`], so "bunions"
//! meets "Bunion" and "feet" meets "foot" without either side being special-cased.

use crate::search::tokenize;

/// Statement words beyond these are not walked: the Index needs a handful, and a pasted
/// page must not cost a walk per word.
pub(crate) const MAX_WORDS: usize = 64;

/// Words that never carry a condition, site or axis ("NEC" and "NOS" are conventions, not
/// detail).
const OPTIONAL: [&str; 17] = [
    "of", "the", "a", "an", "and", "or", "by", "to", "on", "at", "for", "nec", "nos", "as",
    "without",
    // "Radiculopathy, lumbar region" is said "lumbar radiculopathy"; "History, personal,
    // fall" is said "history of falling".
    "region", "personal",
];

/// Index phrases a statement says in one word: the Index's own cross-references ("Cancer —
/// see Neoplasm, malignant", "Carcinoma — see Neoplasm, malignant, by site").
const SAID_IN_ONE_WORD: [(&str, &[&str]); 1] =
    [("malignant neoplasm", &["cancer", "carcinoma", "malignancy"])];

/// Irregular plurals.
const IRREGULAR: [(&str, &str); 10] = [
    ("feet", "foot"),
    // Causes are said in the past tense ("fell from a ladder"); the Index names "Fall".
    ("fell", "fall"),
    ("fallen", "fall"),
    ("bitten", "bite"),
    ("burned", "burn"),
    ("burnt", "burn"),
    ("teeth", "tooth"),
    ("children", "child"),
    ("women", "woman"),
    ("men", "man"),
];

/// One word in the form both sides are compared in.
pub(crate) fn norm(word: &str) -> String {
    let w = word.to_lowercase();
    if let Some((_, s)) = IRREGULAR.iter().find(|(p, _)| *p == w) {
        return (*s).to_string();
    }
    if w == "both" || w == "bilat" {
        return "bilateral".to_string();
    }
    // A Latin noun in -a and its adjective in -al are one word to the Index ("pleural
    // effusion" is Effusion, pleura; "tibial" the tibia, "vaginal" the vagina): both sides
    // fold to the noun. Only the nouns' endings are folded, so "lateral", "personal" or
    // "normal" stay as they are.
    if w.len() > 5
        && let Some(noun) = w.strip_suffix('l').filter(|n| {
            ["ura", "bra", "hra", "ia", "ea", "ina"]
                .iter()
                .any(|end| n.ends_with(end))
        })
    {
        return noun.to_string();
    }
    if w.len() > 4 {
        if let Some(stem) = w.strip_suffix("ies") {
            return format!("{stem}y");
        }
        if !(w.ends_with("ss") || w.ends_with("us") || w.ends_with("is"))
            && let Some(stem) = w.strip_suffix('s')
        {
            return stem.to_string();
        }
    }
    w
}

/// Is this word one that no title requires?
pub(crate) fn optional(word: &str) -> bool {
    OPTIONAL.contains(&word)
}

/// The statement: its words as typed (lower-case) and normalised, at most [`MAX_WORDS`].
#[derive(Debug, Clone)]
pub(crate) struct Statement {
    /// Lower-case words as typed (abbreviations expanded).
    pub raw: Vec<String>,
    /// The same words normalised.
    pub norm: Vec<String>,
    /// Words a "without" / "no" denies, up to the next "with" or "and": never a condition.
    pub negated: u64,
}

impl Statement {
    pub(crate) fn new(text: &str) -> Self {
        let raw: Vec<String> = tokenize(text)
            .flat_map(|t| match crate::abbreviations::expansion(&t) {
                Some(full) => tokenize(full).collect::<Vec<_>>(),
                None => vec![t],
            })
            .take(MAX_WORDS)
            .collect();
        let mut norm: Vec<String> = raw.iter().map(|w| norm(w)).collect();
        let mut raw = raw;
        // "Right" or "left" alone is one side, which the Index files under "unilateral".
        if norm.len() < MAX_WORDS
            && (norm.iter().any(|w| w == "left" || w == "right"))
            && !norm.iter().any(|w| w == "unilateral")
        {
            norm.push("unilateral".into());
            raw.push("unilateral".into());
        }
        let mut negated = 0u64;
        let mut on = false;
        for (i, w) in norm.iter().enumerate() {
            match w.as_str() {
                "without" | "no" | "denie" | "denies" => on = true,
                "with" | "and" | "but" => on = false,
                _ if on => negated |= 1 << i,
                _ => {}
            }
        }
        Statement { raw, norm, negated }
    }

    /// A mask with every word available (denied words are never available).
    pub(crate) fn all(&self) -> u64 {
        let all = if self.norm.len() >= 64 {
            u64::MAX
        } else {
            (1u64 << self.norm.len()) - 1
        };
        all & !self.negated
    }

    /// Positions of `word` (normalised) among the available words.
    pub(crate) fn find(&self, word: &str, avail: u64) -> Option<usize> {
        self.norm
            .iter()
            .enumerate()
            .find(|(i, w)| avail & (1 << i) != 0 && w.as_str() == word)
            .map(|(i, _)| i)
    }

    /// Does the statement say this word anywhere?
    pub(crate) fn says(&self, word: &str) -> bool {
        self.find(&norm(word), self.all()).is_some()
    }

    /// Matches a title against the available words: every required word of some variant
    /// (comma-separated) must be present. Returns the words used (the variant's and those of
    /// the nonessential modifiers that are present), or `None`.
    pub(crate) fn match_title(&self, title: &str, nemod: &str, avail: u64) -> Option<u64> {
        self.match_words(&TitleWords::new(title, nemod), avail)
    }

    /// [`Self::match_title`] on a title whose words were normalised once ([`TitleWords`]):
    /// the Index walk tries the same terms for every statement, so it keeps them read.
    pub(crate) fn match_words(&self, title: &TitleWords, avail: u64) -> Option<u64> {
        let mut best: Option<(u64, &str)> = None;
        for variant in &title.variants {
            // An Index phrase the statement says in one word ("History, personal, malignant
            // neoplasm" for "history of breast cancer"), as the Index's own `see` says.
            if let Some(words) = variant.in_one_word
                && let Some(i) = words.iter().find_map(|w| self.find(w, avail))
            {
                let used = 1u64 << i;
                if best
                    .as_ref()
                    .is_none_or(|(b, _)| used.count_ones() > b.count_ones())
                {
                    best = Some((used, variant.phrase.as_str()));
                }
                continue;
            }
            let mut used = 0u64;
            let mut ok = true;
            for (w, optional) in &variant.words {
                match self.find(w, avail & !used) {
                    Some(i) => used |= 1 << i,
                    None if *optional => {}
                    None => {
                        ok = false;
                        break;
                    }
                }
            }
            if !ok || (variant.n_required == 0 && used == 0) {
                continue;
            }
            for w in &title.nemod {
                if let Some(i) = self.find(w, avail & !used) {
                    used |= 1 << i;
                }
            }
            if best
                .as_ref()
                .is_none_or(|(b, _)| used.count_ones() > b.count_ones())
            {
                best = Some((used, variant.whole.as_str()));
            }
        }
        // The other variants said as well ("diabetes … diabetic") are the same term; the
        // variant matched is not taken twice ("heart … heart failure").
        best.map(|(b, matched)| {
            title
                .commas
                .iter()
                .fold(b, |m, w| match self.find(w, avail & !m) {
                    Some(i) if !w.contains(' ') && w != matched => m | (1 << i),
                    _ => m,
                })
        })
    }

    /// How many content words of `mask` there are (optional words do not count).
    pub(crate) fn weight(&self, mask: u64) -> u32 {
        self.norm
            .iter()
            .enumerate()
            .filter(|(i, w)| mask & (1 << i) != 0 && !optional(w))
            .count() as u32
    }
}

/// A title's words in the form [`Statement::match_words`] compares them, read once.
#[derive(Debug, Clone)]
pub(crate) struct TitleWords {
    /// Each variant: comma-separated, and alternatives joined by "or" ("atrial or
    /// auricular").
    variants: Vec<Variant>,
    /// The nonessential modifiers' words.
    nemod: Vec<String>,
    /// Each comma-separated variant whole, normalised.
    commas: Vec<String>,
    /// The title trimmed and lower-cased.
    pub lower: String,
    /// Every word is one a statement may leave unsaid ("with", "History, personal (of)"
    /// has a subterm "personal"): the walk passes through it like a connective.
    pub all_optional: bool,
}

#[derive(Debug, Clone)]
struct Variant {
    /// Its words, each with whether a title may do without it.
    words: Vec<(String, bool)>,
    n_required: usize,
    /// The required words joined, as [`SAID_IN_ONE_WORD`] lists phrases.
    phrase: String,
    /// The statement words that say the phrase in one, when it is such a phrase.
    in_one_word: Option<&'static [&'static str]>,
    /// The variant whole, normalised.
    whole: String,
}

impl TitleWords {
    /// How many alternatives the title offers beyond one ("pleura, pleurisy, pleuritic"
    /// offers three more); a title said whole offers none.
    pub(crate) fn alternatives(&self) -> u32 {
        u32::try_from(self.variants.len().saturating_sub(1)).unwrap_or(u32::MAX)
    }

    pub(crate) fn new(title: &str, nemod: &str) -> Self {
        let variants = title
            .split(',')
            .flat_map(|v| v.split(" or "))
            .map(|variant| {
                let words: Vec<(String, bool)> = tokenize(variant)
                    .map(|w| {
                        let w = norm(&w);
                        let o = optional(&w);
                        (w, o)
                    })
                    .collect();
                let phrase = words
                    .iter()
                    .filter(|(_, o)| !o)
                    .map(|(w, _)| w.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                let in_one_word = SAID_IN_ONE_WORD
                    .iter()
                    .find(|(p, _)| *p == phrase)
                    .map(|(_, words)| *words);
                Variant {
                    n_required: words.iter().filter(|(_, o)| !o).count(),
                    words,
                    phrase,
                    in_one_word,
                    whole: norm(variant.trim()),
                }
            })
            .collect();
        let lower = title.trim().to_lowercase();
        TitleWords {
            variants,
            nemod: tokenize(nemod).map(|w| norm(&w)).collect(),
            commas: title.split(',').map(|v| norm(v.trim())).collect(),
            all_optional: !lower.is_empty() && tokenize(&lower).all(|w| optional(&norm(&w))),
            lower,
        }
    }
}
