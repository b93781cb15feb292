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
const OPTIONAL: [&str; 19] = [
    "of", "the", "a", "an", "and", "or", "by", "to", "on", "at", "for", "nec", "nos", "as",
    "without",
    // "Failure, heart, diastolic, combined with systolic" is said "combined systolic and
    // diastolic": the link a title spells out need not be said (I.A.15).
    "with",
    // "Screening, neoplasm, breast, routine mammogram" is said "screening mammogram".
    "routine",
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

/// British spellings, folded to the American ones the Index uses ("haemophilus",
/// "oedema", "anaemia", "oesophagus", "diarrhoea"; "-our" is folded apart).
const BRITISH: [(&str, &str); 15] = [
    ("haem", "hem"),
    ("anaem", "anem"),
    ("aemia", "emia"),
    ("ischaem", "ischem"),
    ("paed", "ped"),
    ("anaesth", "anesth"),
    ("faec", "fec"),
    ("caec", "cec"),
    ("aetiol", "etiol"),
    ("oedem", "edem"),
    ("oesophag", "esophag"),
    ("rrhoea", "rrhea"),
    ("coeliac", "celiac"),
    ("foet", "fet"),
    ("oestr", "estr"),
];

/// A lower-case word in American spelling.
fn american(word: &str) -> String {
    let mut w = word.to_string();
    for (uk, us) in BRITISH {
        if w.contains(uk) {
            w = w.replace(uk, us);
        }
    }
    // "labour", "tumours": -our is -or ("four", "hour", "your" are too short to change).
    if w.len() > 5
        && let Some(stem) = w.strip_suffix("our").or_else(|| w.strip_suffix("ours"))
    {
        w = format!("{stem}or{}", if word.ends_with('s') { "s" } else { "" });
    }
    w
}

/// Organisms written with the genus's initial: (initial, species, genus).
const GENUS_INITIALS: [(&str, &[&str], &str); 7] = [
    ("e", &["coli"], "escherichia"),
    ("c", &["difficile", "diff"], "clostridium"),
    ("h", &["pylori"], "helicobacter"),
    ("h", &["influenzae"], "hemophilus"),
    ("s", &["aureus", "epidermidis"], "staphylococcus"),
    ("k", &["pneumoniae"], "klebsiella"),
    ("p", &["aeruginosa"], "pseudomonas"),
];

/// The letter "A" naming a type ("hepatitis A"), which the article "a" must not match.
const TYPE_A: &str = "a:";

/// Words the Index files under another ("Retention, urine", "Atherosclerosis — see
/// Arteriosclerosis").
const ADJECTIVES: [(&str, &str); 4] = [
    ("urinary", "urine"),
    ("colonic", "colon"),
    // "Atherosclerosis — see Arteriosclerosis": the Index's word for both.
    ("atherosclerotic", "arteriosclerotic"),
    ("atherosclerosis", "arteriosclerosis"),
];

/// One word in the form both sides are compared in.
pub(crate) fn norm(word: &str) -> String {
    let w = american(&word.to_lowercase());
    if let Some((_, s)) = IRREGULAR.iter().chain(&ADJECTIVES).find(|(p, _)| *p == w) {
        return (*s).to_string();
    }
    if let Some(stem) = state_stem(&w) {
        return stem.to_string();
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

/// A state and the word for having it are one: "altered mental status" is "Alteration,
/// mental status", "elevated" is "Elevation", "dehydrated" "Dehydration". ("Specified" and
/// "unspecified" are conventions the Tabular step reads as they are.)
pub(crate) fn state_stem(w: &str) -> Option<&str> {
    if w.len() <= 6 || w.ends_with("eed") || w.ends_with("ified") {
        return None;
    }
    ["ation", "ated", "ed"]
        .iter()
        .find_map(|suffix| w.strip_suffix(suffix))
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
    /// Words added as another name of a word said ("large intestine" for "colon"), and
    /// the word they stand for: one word, however it is matched.
    pub aliases: u64,
    alias_of: usize,
}

impl Statement {
    pub(crate) fn new(text: &str) -> Self {
        // A denial reaches to the end of its clause: "concussion without loss of
        // consciousness, initial encounter" does not deny the episode of care.
        let mut clause_starts = Vec::new();
        let mut raw: Vec<String> = Vec::new();
        for clause in text.split([',', ';']) {
            clause_starts.push(raw.len());
            raw.extend(
                tokenize(clause)
                    .flat_map(|t| match crate::abbreviations::expansion(&t) {
                        Some(full) => tokenize(full).collect::<Vec<_>>(),
                        None => vec![t],
                    })
                    .map(|w| american(&w)),
            );
        }
        raw.truncate(MAX_WORDS);
        // "E. coli", "C. diff": a genus said by its initial before its species.
        for i in 0..raw.len().saturating_sub(1) {
            if let Some((genus, species)) = GENUS_INITIALS
                .iter()
                .find(|(initial, species, _)| {
                    raw[i] == *initial && species.contains(&raw[i + 1].as_str())
                })
                .map(|(_, _, genus)| (*genus, raw[i + 1].clone()))
            {
                raw[i] = genus.to_string();
                if species == "diff" {
                    raw[i + 1] = "difficile".to_string();
                }
            }
        }
        let mut norm: Vec<String> = raw.iter().map(|w| norm(w)).collect();
        // "Right" or "left" alone is one side, which the Index files under "unilateral".
        if norm.len() < MAX_WORDS
            && (norm.iter().any(|w| w == "left" || w == "right"))
            && !norm.iter().any(|w| w == "unilateral")
        {
            norm.push("unilateral".into());
            raw.push("unilateral".into());
        }
        // The colon is the large intestine, under which the Index files most of its
        // conditions ("Diverticulosis, intestine, large").
        // "Hepatitis A", "vitamin A deficiency": a letter naming a type, not the article
        // (the Index's subterm "A").
        for i in 1..norm.len() {
            let next = norm.get(i + 1).map(String::as_str);
            let ends_clause = clause_starts.contains(&(i + 1))
                || matches!(
                    next,
                    None | Some("with" | "without" | "and" | "due" | "infection" | "virus")
                );
            let names_types = matches!(
                norm[i - 1].as_str(),
                "vitamin" | "hepatitis" | "influenza" | "type" | "group" | "hemophilia" | "stage"
            );
            if norm[i] == "a" && !clause_starts.contains(&i) && (ends_clause || names_types) {
                norm[i] = TYPE_A.into();
            }
        }
        let mut aliases = 0u64;
        let mut alias_of = 0;
        if norm.len() + 2 <= MAX_WORDS
            && !norm.iter().any(|w| w == "intestine")
            && let Some(colon) = norm.iter().position(|w| w == "colon")
        {
            alias_of = colon;
            for w in ["large", "intestine"] {
                aliases |= 1 << norm.len();
                norm.push(w.into());
                raw.push(w.into());
            }
        }
        let mut negated = 0u64;
        let mut on = false;
        for (i, w) in norm.iter().enumerate() {
            if clause_starts.contains(&i) {
                on = false;
            }
            match w.as_str() {
                "without" | "no" | "denie" | "denies" => on = true,
                "with" | "and" | "but" => on = false,
                _ if on => negated |= 1 << i,
                _ => {}
            }
        }
        Statement {
            raw,
            norm,
            negated,
            aliases,
            alias_of,
        }
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
        self.match_split(title, avail).map(|(used, _)| used)
    }

    /// [`Self::match_words`], also saying which of the words used only a nonessential
    /// modifier took: a subterm below may still need them ("Sprain (joint) (ligament),
    /// knee, cruciate ligament").
    pub(crate) fn match_split(&self, title: &TitleWords, avail: u64) -> Option<(u64, u64)> {
        let mut best: Option<(u64, &str, u64)> = None;
        for variant in &title.variants {
            // An Index phrase the statement says in one word ("History, personal, malignant
            // neoplasm" for "history of breast cancer"), as the Index's own `see` says.
            if let Some(words) = variant.in_one_word
                && let Some(i) = words.iter().find_map(|w| self.find(w, avail))
            {
                let used = 1u64 << i;
                if best
                    .as_ref()
                    .is_none_or(|(b, _, _)| used.count_ones() > b.count_ones())
                {
                    best = Some((used, variant.phrase.as_str(), 0));
                }
                continue;
            }
            let mut used = 0u64;
            let mut ok = !self.contradicts(&title.nemod);
            for ((w, optional), denied) in variant.words.iter().zip(&variant.denied) {
                match self.find(w, self.open_to(*denied, avail) & !used) {
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
            let mut nemod = 0u64;
            for (w, denied) in &title.nemod {
                if let Some(i) = self.find(w, self.open_to(*denied, avail) & !used) {
                    used |= 1 << i;
                    nemod |= 1 << i;
                }
            }
            if best
                .as_ref()
                .is_none_or(|(b, _, _)| used.count_ones() > b.count_ones())
            {
                best = Some((used, variant.whole.as_str(), nemod));
            }
        }
        // The other variants said as well ("diabetes … diabetic") are the same term; the
        // variant matched is not taken twice ("heart … heart failure").
        best.map(|(b, matched, nemod)| {
            let used = title
                .commas
                .iter()
                .fold(b, |m, w| match self.find(w, avail & !m) {
                    Some(i) if !w.contains(' ') && w != matched => m | (1 << i),
                    _ => m,
                });
            (used, nemod)
        })
    }

    /// The words a title word may take: what a title says is absent ("Migraine, without
    /// aura") takes the words the statement denies ("migraine without aura"); what it says is
    /// present never does.
    pub(crate) fn open_to(&self, denied_by_title: bool, avail: u64) -> u64 {
        if denied_by_title { self.negated } else { avail }
    }

    /// Whether the statement says present a word the title says is absent ("severe with
    /// psychotic features" against "severe (without psychotic symptoms)").
    fn contradicts(&self, words: &[(String, bool)]) -> bool {
        words
            .iter()
            .any(|(w, absent)| *absent && self.find(w, self.all()).is_some())
    }

    /// Whether the statement denies this word ("without aura").
    pub(crate) fn denies(&self, word: &str) -> bool {
        self.find(&norm(word), self.negated).is_some()
    }

    /// `mask` with a word's other names when it holds the word or one of them: what one
    /// condition used, none other may use again.
    pub(crate) fn close(&self, mask: u64) -> u64 {
        if self.aliases != 0 && mask & (self.aliases | (1 << self.alias_of)) != 0 {
            mask | self.aliases | (1 << self.alias_of)
        } else {
            mask
        }
    }

    /// How many content words of `mask` there are (optional words do not count).
    pub(crate) fn weight(&self, mask: u64) -> u32 {
        let mask = if mask & self.aliases != 0 {
            (mask & !self.aliases) | (1 << self.alias_of)
        } else {
            mask
        };
        self.norm
            .iter()
            .enumerate()
            .filter(|(i, w)| mask & (1 << i) != 0 && !optional(w))
            .count() as u32
    }
}

/// Words that qualify a condition rather than name one: as a later comma part of a title
/// ("Pharyngitis, lymphonodular, acute", "Arthritis, rheumatic, acute") they narrow the
/// first part and are never an alternative to it, so "acute" alone must not match them.
const QUALIFIERS: [&str; 26] = [
    "acute",
    "chronic",
    "subacute",
    "congenital",
    "acquired",
    "newborn",
    "neonatal",
    "primary",
    "secondary",
    "recurrent",
    "bilateral",
    "unilateral",
    "left",
    "right",
    "adult",
    "juvenile",
    "infantile",
    "mild",
    "moderate",
    "severe",
    "nontraumatic",
    "traumatic",
    "specified",
    "idiopathic",
    "hereditary",
    "senile",
];

/// Splits a title's later comma parts made only of [`QUALIFIERS`] (and conventions such as
/// NEC) off the title: they become words that count when said, like nonessential modifiers.
fn split_qualifiers(title: &str) -> (String, String) {
    let mut parts = title.split(',');
    let first = parts.next().unwrap_or_default().to_string();
    let mut kept = vec![first];
    let mut qualifiers = Vec::new();
    for part in parts {
        let only_qualifiers = tokenize(part).all(|w| {
            let w = w.to_lowercase();
            QUALIFIERS.contains(&w.as_str()) || w == "nec" || w == "nos"
        });
        if only_qualifiers && tokenize(part).next().is_some() {
            qualifiers.push(part.trim().to_string());
        } else {
            kept.push(part.to_string());
        }
    }
    (kept.join(","), qualifiers.join(" "))
}

/// A text's words, normalised, each marked with whether "without" or "no" before it in
/// its clause (up to "with", "and", a comma or a parenthesis) says it is absent: the same
/// reading [`Statement::new`] gives a statement.
pub(crate) fn denials(text: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for clause in text.split([',', ';', '(', ')']) {
        let mut on = false;
        for w in tokenize(clause).map(|w| norm(&w)) {
            match w.as_str() {
                "without" | "no" => on = true,
                "with" | "and" | "but" => on = false,
                _ => {}
            }
            let denied = on && w != "without" && w != "no";
            out.push((w, denied));
        }
    }
    out
}

/// A title without its square-bracketed parts, and those parts.
fn split_brackets(title: &str) -> (String, String) {
    let mut kept = String::new();
    let mut inside = String::new();
    let mut depth = 0usize;
    for ch in title.chars() {
        match ch {
            '[' => depth += 1,
            ']' => {
                depth = depth.saturating_sub(1);
                inside.push(' ');
            }
            _ if depth > 0 => inside.push(ch),
            _ => kept.push(ch),
        }
    }
    (kept.trim().to_string(), inside.trim().to_string())
}

/// The text of `nemod` outside its parentheses (nested ones too), spaces collapsed.
fn outside_parentheses(nemod: &str) -> String {
    let mut depth = 0usize;
    let mut out = String::new();
    for ch in nemod.chars() {
        match ch {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(ch),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A title's words in the form [`Statement::match_words`] compares them, read once.
#[derive(Debug, Clone)]
pub(crate) struct TitleWords {
    /// Each variant: comma-separated, and alternatives joined by "or" ("atrial or
    /// auricular").
    variants: Vec<Variant>,
    /// The nonessential modifiers' words, each with whether the title says it is absent.
    nemod: Vec<(String, bool)>,
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
    /// Per word: the title says it is absent ("without aura").
    denied: Vec<bool>,
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
        // "electrocardiogram [ECG] [EKG]": a bracket holds another name, never a word the
        // statement must say.
        let (title, bracketed) = split_brackets(title);
        let (title, qualifiers) = split_qualifiers(&title);
        let qualifiers = format!("{qualifiers} {bracketed}");
        let title = title.as_str();
        // The flattened Index puts everything from the first parenthesis on in the
        // nonessential column, so "and (on) chronic (congestive)" arrives as the title "and"
        // with "chronic" among the modifiers. Below a title of connectives only, the words
        // outside the parentheses are the subterm's real words.
        let residue = outside_parentheses(nemod);
        let joined;
        let title = if !residue.is_empty()
            && !residue.contains(',')
            && tokenize(title).all(|w| optional(&norm(&w)))
        {
            joined = format!("{title} {residue}");
            joined.as_str()
        } else {
            title
        };
        let variants: Vec<Variant> = title
            .split(',')
            .flat_map(|v| v.split(" or "))
            .map(|variant| {
                let (words, denied): (Vec<(String, bool)>, Vec<bool>) = denials(variant)
                    .into_iter()
                    .map(|(w, d)| {
                        let w = if w == "a" && variant.trim().len() == 1 {
                            TYPE_A.to_string()
                        } else {
                            w
                        };
                        let o = optional(&w);
                        ((w, o), d)
                    })
                    .unzip();
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
                    denied,
                    phrase,
                    in_one_word,
                    whole: norm(variant.trim()),
                }
            })
            .collect();
        let lower = title.trim().to_lowercase();
        let all_optional = !lower.is_empty() && variants.iter().all(|v| v.n_required == 0);
        TitleWords {
            variants,
            nemod: denials(&format!("{nemod} ({qualifiers})")),
            commas: title.split(',').map(|v| norm(v.trim())).collect(),
            all_optional,
            lower,
        }
    }
}
