//! Typeahead search: a word index with prefix ranges, typo tolerance and static ranking.
//!
//! Design (CRATES.md §5 recipe, hand-written because our documents are short and few):
//! every document (a title, inclusion term or index path pointing at one target code) is
//! tokenised into lower-case words; the vocabulary is sorted so all words with a given prefix
//! form one contiguous range, and each word has a posting list of document ids.
//! Invariant: document ids are assigned in static-rank order (billable first, then more
//! specific, then shorter), so scanning candidates in id order meets the best ones first and
//! a capped scan still returns good results for very short queries.

use rustc_hash::FxHashMap;
use serde::Serialize;

/// Where a document's text came from; titles outrank synonyms and index paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Source {
    /// The code's own title.
    Title,
    /// An inclusion term or other synonym.
    Synonym,
    /// An Alphabetic Index (or table) path that leads to the code.
    Index,
    /// Where a coder starts: an Index main term with its default code, a term whose `see`
    /// reference leads to the code, or a lay name of the condition (ICD-10-CM Official
    /// Guidelines I.A.1: the Index comes before the Tabular).
    Entry,
}

/// A document to index.
#[derive(Debug, Clone)]
pub(crate) struct Doc {
    /// The code the document leads to (system-specific id).
    pub target: u32,
    /// The searchable text.
    pub text: String,
    /// Its origin.
    pub source: Source,
    /// Static rank, lower is better; below 2^40 means billable or active.
    pub rank: u64,
}

/// A search result before the caller attaches code and title.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawHit {
    pub target: u32,
    pub score: i64,
    /// The matching text when it is not the title.
    pub matched: Option<String>,
}

/// Immutable search index over one release.
///
/// Everything is kept in a few flat arrays (strings as one text with end offsets, posting
/// lists as one array cut by `cum`), so the built index is written to and read from the
/// search cache ([`crate::search_cache`]) as a handful of contiguous sections, with no
/// allocation per word or document.
#[derive(Debug, PartialEq)]
pub struct SearchIndex {
    /// The sorted vocabulary, concatenated; word `i` ends at `vocab_end[i]`.
    vocab_text: String,
    vocab_end: Vec<u64>,
    /// Posting lists of all words, concatenated; word `i`'s is `postings[cum[i]..cum[i + 1]]`.
    postings: Vec<u32>,
    /// `cum[i]` = total postings of words `0..i`, to size a prefix range in O(1).
    cum: Vec<u64>,
    /// Word ids of all documents, concatenated (document `d` is
    /// `doc_words[doc_start[d]..doc_start[d + 1]]`); one flat array keeps the scoring loop
    /// on sequential memory instead of a pointer chase per document.
    doc_words: Vec<u32>,
    doc_start: Vec<u32>,
    doc_target: Vec<u32>,
    doc_source: Vec<Source>,
    /// Billable or active target (static rank below 2^40).
    doc_preferred: Vec<bool>,
    /// Words outside parentheses: nonessential modifiers such as "(mellitus) (sugar)" may
    /// be typed but do not make a text longer or less exact.
    doc_core_len: Vec<u16>,
    /// Positions of those words (first 64).
    doc_core_mask: Vec<u64>,
    /// Document texts, concatenated; document `d`'s ends at `doc_text_end[d]`.
    doc_text: String,
    doc_text_end: Vec<u64>,
    /// Sorted normalised codes (concatenated, ends in `code_end`) with their target, for
    /// code-prefix queries.
    code_text: String,
    code_end: Vec<u64>,
    code_target: Vec<u32>,
    /// Per ASCII letter or digit: bitmap of documents with a word starting with it (36
    /// bitmaps of `ceil(documents / 64)` words, one after the other). A one-character token
    /// is the worst case for posting lists (a fifth of all postings); these bitmaps (about
    /// 1.6 MB) make it as cheap as any other token.
    initial_bits: Vec<u64>,
}

/// Item `i` of texts concatenated into `text`, each ending at `ends[i]`.
fn nth_str<'a>(text: &'a str, ends: &[u64], i: usize) -> Option<&'a str> {
    let b = usize::try_from(*ends.get(i)?).ok()?;
    let a = match i.checked_sub(1) {
        Some(p) => usize::try_from(*ends.get(p)?).ok()?,
        None => 0,
    };
    text.get(a..b)
}

/// Concatenates texts, returning the text and each one's end offset.
fn concat<'a>(items: impl Iterator<Item = &'a str>) -> (String, Vec<u64>) {
    let mut text = String::new();
    let mut ends = Vec::new();
    for item in items {
        text.push_str(item);
        ends.push(text.len() as u64);
    }
    (text, ends)
}

/// The first index in `lo..hi` where `pred` turns false (it must be true, then false).
fn partition(mut lo: usize, mut hi: usize, pred: impl Fn(usize) -> bool) -> usize {
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// Which word positions of `text` (as [`tokenize`] splits it) are core words — outside
/// parentheses and brackets, and not [`FILLER`] — as a bit mask over the first 64 words,
/// and how many core words there are.
fn core_words(text: &str) -> (u64, u16) {
    let mut depth = 0i32;
    let mut mask = 0u64;
    let mut count = 0u16;
    let mut pos = 0u32;
    let mut word = String::new();
    let mut word_depth = 0i32;
    let mut finish = |word: &mut String, word_depth: i32, pos: &mut u32| {
        if word.is_empty() {
            return;
        }
        if word_depth <= 0 && !FILLER.iter().any(|f| f.eq_ignore_ascii_case(word)) {
            count = count.saturating_add(1);
            if *pos < 64 {
                mask |= 1 << *pos;
            }
        }
        *pos += 1;
        word.clear();
    };
    for c in text.chars() {
        if c.is_alphanumeric() {
            if word.is_empty() {
                word_depth = depth;
            }
            word.push(c);
            continue;
        }
        finish(&mut word, word_depth, &mut pos);
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            _ => {}
        }
    }
    finish(&mut word, word_depth, &mut pos);
    (mask, count)
}

/// The word ids of document `d`.
fn doc_slice<'a>(words: &'a [u32], start: &[u32], d: usize) -> &'a [u32] {
    let a = start.get(d).copied().unwrap_or(0) as usize;
    let b = start.get(d + 1).copied().unwrap_or(0) as usize;
    words.get(a..b).unwrap_or(&[])
}

/// Slot of an ASCII letter or digit in `initial_bits`.
fn initial_slot(c: char) -> Option<usize> {
    match c {
        '0'..='9' => Some(c as usize - '0' as usize),
        'a'..='z' => Some(10 + c as usize - 'a' as usize),
        _ => None,
    }
}

/// Splits text into lower-case alphanumeric words.
pub(crate) fn tokenize(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

impl SearchIndex {
    /// Builds the index from documents and the list of `(normalised code, target)`.
    pub(crate) fn build(mut docs: Vec<Doc>, mut codes: Vec<(String, u32)>) -> Self {
        docs.sort_by_key(|a| (a.rank, a.source, a.target));
        let mut word_ids: FxHashMap<String, u32> = FxHashMap::default();
        let mut raw_words: Vec<String> = Vec::new();
        let mut doc_words_tmp: Vec<Vec<u32>> = Vec::with_capacity(docs.len());
        // One reusable buffer per word: allocating only for words not seen before keeps
        // the build of ~400k documents to a few hundred milliseconds.
        let mut buf = String::new();
        for d in &docs {
            let mut ws = Vec::new();
            for piece in d
                .text
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
            {
                buf.clear();
                if piece.is_ascii() {
                    buf.push_str(piece);
                    buf.make_ascii_lowercase();
                } else {
                    buf.push_str(&piece.to_lowercase());
                }
                let id = match word_ids.get(buf.as_str()) {
                    Some(&id) => id,
                    None => {
                        let id = raw_words.len() as u32;
                        raw_words.push(buf.clone());
                        word_ids.insert(buf.clone(), id);
                        id
                    }
                };
                ws.push(id);
            }
            doc_words_tmp.push(ws);
        }
        // Renumber words in sorted order so prefix matches are contiguous ranges.
        let mut order: Vec<u32> = (0..raw_words.len() as u32).collect();
        order.sort_by(|&a, &b| raw_words.get(a as usize).cmp(&raw_words.get(b as usize)));
        let mut new_id = vec![0u32; raw_words.len()];
        for (new, &old) in order.iter().enumerate() {
            if let Some(slot) = new_id.get_mut(old as usize) {
                *slot = new as u32;
            }
        }
        let vocab: Vec<String> = order
            .iter()
            .filter_map(|&o| raw_words.get(o as usize).cloned())
            .collect();
        let mut postings: Vec<Vec<u32>> = vec![Vec::new(); vocab.len()];
        let mut doc_words: Vec<u32> = Vec::with_capacity(docs.len() * 8);
        let mut doc_start: Vec<u32> = Vec::with_capacity(docs.len() + 1);
        doc_start.push(0);
        for (doc, ws) in doc_words_tmp.into_iter().enumerate() {
            let mapped: Vec<u32> = ws
                .iter()
                .filter_map(|&w| new_id.get(w as usize).copied())
                .collect();
            let mut uniq = mapped.clone();
            uniq.sort_unstable();
            uniq.dedup();
            for w in uniq {
                if let Some(p) = postings.get_mut(w as usize) {
                    p.push(doc as u32);
                }
            }
            doc_words.extend_from_slice(&mapped);
            doc_start.push(doc_words.len() as u32);
        }
        let mut cum = Vec::with_capacity(vocab.len() + 1);
        let mut total = 0u64;
        cum.push(0);
        for p in &postings {
            total += p.len() as u64;
            cum.push(total);
        }
        codes.sort();
        let core: Vec<(u64, u16)> = docs.iter().map(|d| core_words(&d.text)).collect();
        let ndocs = doc_start.len().saturating_sub(1);
        let mut initial_bits = vec![vec![0u64; ndocs.div_ceil(64)]; INITIALS];
        for d in 0..ndocs {
            let ws = doc_slice(&doc_words, &doc_start, d);
            for &w in ws {
                let slot = vocab
                    .get(w as usize)
                    .and_then(|v| v.chars().next())
                    .and_then(initial_slot);
                if let Some(b) = slot
                    .and_then(|s| initial_bits.get_mut(s))
                    .and_then(|bits| bits.get_mut(d / 64))
                {
                    *b |= 1 << (d % 64);
                }
            }
        }
        let (vocab_text, vocab_end) = concat(vocab.iter().map(String::as_str));
        let (doc_text, doc_text_end) = concat(docs.iter().map(|d| d.text.as_str()));
        let (code_text, code_end) = concat(codes.iter().map(|(c, _)| c.as_str()));
        SearchIndex {
            initial_bits: initial_bits.into_iter().flatten().collect(),
            vocab_text,
            vocab_end,
            postings: postings.into_iter().flatten().collect(),
            cum,
            doc_words,
            doc_start,
            doc_target: docs.iter().map(|d| d.target).collect(),
            doc_source: docs.iter().map(|d| d.source).collect(),
            doc_preferred: docs.iter().map(|d| d.rank >> 40 == 0).collect(),
            doc_core_len: core.iter().map(|c| c.1).collect(),
            doc_core_mask: core.iter().map(|c| c.0).collect(),
            doc_text,
            doc_text_end,
            code_text,
            code_end,
            code_target: codes.iter().map(|(_, t)| *t).collect(),
        }
    }

    /// Word `i` of the sorted vocabulary.
    pub(crate) fn word(&self, i: usize) -> Option<&str> {
        nth_str(&self.vocab_text, &self.vocab_end, i)
    }

    fn code(&self, i: usize) -> Option<&str> {
        nth_str(&self.code_text, &self.code_end, i)
    }

    fn postings_of(&self, w: usize) -> &[u32] {
        let (Some(&a), Some(&b)) = (self.cum.get(w), self.cum.get(w + 1)) else {
            return &[];
        };
        self.postings.get(a as usize..b as usize).unwrap_or(&[])
    }

    fn initial(&self, slot: usize) -> Option<&[u64]> {
        let n = self.doc_target.len().div_ceil(64);
        self.initial_bits.get(slot * n..(slot + 1) * n)
    }

    /// Number of indexed documents.
    pub fn len(&self) -> usize {
        self.doc_target.len()
    }

    /// True when nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.doc_target.is_empty()
    }

    /// Approximate heap size in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.vocab_text.len()
            + self.doc_text.len()
            + self.code_text.len()
            + (self.vocab_end.len()
                + self.cum.len()
                + self.doc_core_mask.len()
                + self.doc_text_end.len()
                + self.code_end.len()
                + self.initial_bits.len())
                * 8
            + (self.postings.len()
                + self.doc_words.len()
                + self.doc_start.len()
                + self.doc_target.len()
                + self.code_target.len())
                * 4
            + self.doc_core_len.len() * 2
            + self.doc_source.len()
            + self.doc_preferred.len()
    }

    fn prefix_range(&self, token: &str) -> (usize, usize) {
        let n = self.vocab_end.len();
        let lo = partition(0, n, |i| self.word(i).is_some_and(|w| w < token));
        let hi = partition(lo, n, |i| {
            self.word(i).is_some_and(|w| w.starts_with(token))
        });
        (lo, hi)
    }

    /// Words within a small edit distance of `token` (compared with a same-length prefix of
    /// the word, since the user may not have finished typing); only tried when the token is
    /// no prefix of any word. The first letter is trusted, which keeps the scan to one
    /// letter's share of the vocabulary.
    fn typo_words(&self, token: &str) -> Vec<u32> {
        let n = token.chars().count();
        if n < 4 {
            return Vec::new();
        }
        let max = if n >= 8 { 2 } else { 1 };
        // The intended word shares the characters before the typo, and the longest prefix of
        // the token that still matches a word reaches at least that far (less one, in case
        // the typo happened to continue some other word). Searching only that range keeps
        // the scan to a few hundred words instead of a whole letter.
        let chars: Vec<char> = token.chars().collect();
        let mut k = 1;
        while k < chars.len() {
            let p: String = chars.iter().take(k + 1).collect();
            let (a, b) = self.prefix_range(&p);
            if a == b {
                break;
            }
            k += 1;
        }
        let keep = k.saturating_sub(1).max(1);
        let first: String = chars.iter().take(keep).collect();
        let (lo, hi) = self.prefix_range(&first);
        let mut out = Vec::new();
        for i in lo..hi {
            let Some(w) = self.word(i) else { continue };
            let wl = w.chars().count();
            if wl + max < n {
                continue;
            }
            let wc: Vec<char> = w.chars().take(n + 1).collect();
            let best = [n.saturating_sub(1), n, n + 1]
                .iter()
                .filter(|&&l| l >= 1 && l <= wc.len())
                .map(|&l| damerau(&chars, wc.get(..l).unwrap_or(&[])))
                .min()
                .unwrap_or(usize::MAX);
            if best <= max {
                out.push(i as u32);
            }
        }
        out
    }

    /// Runs a query; returns at most `limit` targets with scores, best first.
    pub(crate) fn search(&self, query: &str, limit: usize) -> Vec<RawHit> {
        let mut hits: Vec<RawHit> = Vec::new();
        // Code-like queries: a prefix range over the sorted codes.
        let norm = crate::code::normalize(query);
        let looks_like_code = !norm.is_empty()
            && norm.len() <= 7
            && norm.chars().all(|c| c.is_ascii_alphanumeric())
            && norm.chars().any(|c| c.is_ascii_digit());
        if looks_like_code {
            let n = self.code_end.len();
            let lo = partition(0, n, |i| self.code(i).is_some_and(|c| c < norm.as_str()));
            for (c, t) in (lo..n)
                .filter_map(|i| Some((self.code(i)?, self.code_target.get(i)?)))
                .take_while(|(c, _)| c.starts_with(&norm))
                .take(limit)
            {
                let exact = c == norm;
                // Exact first, then shorter (parents before children) in code order.
                let score = 1_000_000 + if exact { 1000 } else { 0 } - c.len() as i64;
                hits.push(RawHit {
                    target: *t,
                    score,
                    matched: None,
                });
            }
            if !hits.is_empty() {
                hits.sort_by_key(|h| std::cmp::Reverse(h.score));
                return hits;
            }
        }
        let tokens = self.query_words_typed(query);
        if tokens.is_empty() {
            return hits;
        }
        // Each token matches a range of words (prefix) or, failing that, typo neighbours.
        struct Tok {
            text: String,
            lo: usize,
            hi: usize,
            exact: Option<u32>,
            /// The word as typed, when a plural was folded to its singular and the documents
            /// also have the plural ("hemorrhoids").
            also_exact: Option<u32>,
            typos: Vec<u32>,
            size: u64,
            selector: bool,
        }
        let mut toks = Vec::with_capacity(tokens.len());
        for (t, typed) in &tokens {
            let (lo, hi) = self.prefix_range(t);
            let also_exact = (typed != t)
                .then(|| self.prefix_range(typed))
                .filter(|(a, b)| a < b && self.word(*a) == Some(typed.as_str()))
                .map(|(a, _)| a as u32);
            let exact = (lo < hi && self.word(lo) == Some(t.as_str())).then_some(lo as u32);
            let typos = if lo == hi {
                self.typo_words(t)
            } else {
                Vec::new()
            };
            let size = if lo < hi {
                self.cum.get(hi).copied().unwrap_or(0) - self.cum.get(lo).copied().unwrap_or(0)
            } else {
                typos
                    .iter()
                    .map(|&w| self.postings_of(w as usize).len() as u64)
                    .sum()
            };
            if size == 0 {
                // A word found nowhere (an abbreviation we do not know, a stray letter) is
                // dropped rather than emptying the result, as long as another word matched.
                continue;
            }
            toks.push(Tok {
                text: t.clone(),
                lo,
                hi,
                exact,
                also_exact,
                typos,
                size,
                selector: SELECTORS.contains(&t.as_str()),
            });
        }
        // Candidate documents: the rarest token's postings, marked in a bitmap so they come
        // out sorted (that is, in static-rank order) without a sort.
        let ndocs = self.doc_target.len();
        // Each token contributes a bitmap (precomputed for one-letter tokens) and the bitmaps
        // are intersected, so multi-word queries score only documents matching them all.
        let words_of = |t: &Tok| -> Vec<u32> {
            if t.lo < t.hi {
                (t.lo as u32..t.hi as u32).collect()
            } else {
                t.typos.clone()
            }
        };
        if toks.is_empty() {
            return hits;
        }
        // One bitmap per token (precomputed for one-letter tokens). A token found in most
        // documents would not narrow anything; it is left out of the bitmaps but still
        // scored.
        let nwords = ndocs.div_ceil(64);
        let mut bitmaps: Vec<Vec<u64>> = Vec::new();
        // Selector words rank but never choose candidates: documents missing "right" must
        // not be left behind documents that have it and lack the condition.
        let all_selectors = toks.iter().all(|t| t.selector);
        for t in toks
            .iter()
            .filter(|t| all_selectors || !t.selector)
            .take(MAX_SOFT_TOKENS)
        {
            let mut chars = t.text.chars();
            let single = match (chars.next(), chars.next()) {
                (Some(c), None) => initial_slot(c).and_then(|s| self.initial(s)),
                _ => None,
            };
            if single.is_none() && t.size > 400_000 {
                continue;
            }
            let mut bits = match single {
                Some(b) => b.to_vec(),
                None => vec![0u64; nwords],
            };
            for w in words_of(t).into_iter().filter(|_| single.is_none()) {
                for &d in self.postings_of(w as usize) {
                    if let Some(b) = bits.get_mut((d / 64) as usize) {
                        *b |= 1 << (d % 64);
                    }
                }
            }
            bitmaps.push(bits);
        }
        // Score one document: each token's best word, none for a token it lacks (a word
        // that does not match lowers the rank instead of removing the document).
        let score_doc = |d: u32| -> Option<i64> {
            let words = doc_slice(&self.doc_words, &self.doc_start, d as usize);
            let mut score: i64 = 0;
            let mut covered: u64 = 0;
            let mut n_matched = 0usize;
            for t in &toks {
                let mut tbest: i64 = -1;
                for (pos, &w) in words.iter().enumerate() {
                    let s = if Some(w) == t.exact || Some(w) == t.also_exact {
                        30
                    } else if (w as usize) >= t.lo && (w as usize) < t.hi {
                        20
                    } else if t.typos.contains(&w) {
                        8
                    } else {
                        continue;
                    };
                    // Earlier words matter more: "diabetes" in "Diabetes mellitus…" beats
                    // a mention at the end of a long title.
                    let s = s * 4 - (pos as i64).min(10);
                    tbest = tbest.max(s);
                    if pos < 64 {
                        covered |= 1 << pos;
                    }
                }
                if tbest >= 0 {
                    score += if t.selector { tbest / 10 } else { tbest };
                    n_matched += 1;
                }
            }
            if n_matched == 0 {
                return None;
            }
            let source = self
                .doc_source
                .get(d as usize)
                .copied()
                .unwrap_or(Source::Index);
            score = score * 10
                + match source {
                    Source::Title => 30,
                    Source::Synonym => 15,
                    Source::Index | Source::Entry => 10,
                };
            // Shorter documents match the query more tightly.
            let core = i64::from(self.doc_core_len.get(d as usize).copied().unwrap_or(0));
            score -= core * 3;
            // The query names the whole text (every word outside parentheses): "hypertension"
            // is exactly the I10 Includes note, "pain chest" exactly an index entry.
            let mask = self.doc_core_mask.get(d as usize).copied().unwrap_or(0);
            if i64::from((covered & mask).count_ones()) >= core {
                score += 100;
                // Named exactly by the Index where a coder starts (a main term's default
                // code, a `see` reference, a lay name): the Index leads, titles follow.
                score += match source {
                    Source::Entry => 60,
                    Source::Index => 40,
                    Source::Title | Source::Synonym => 0,
                };
            }
            // Billable (or active) codes first, as coders must report those; worth about
            // twenty words of title length, less than one whole query word.
            if self.doc_preferred.get(d as usize).copied().unwrap_or(false) {
                score += 60;
            }
            Some(score)
        };
        // Score candidates; keep the best document per target.
        let mut best: FxHashMap<u32, (i64, u32, u32)> = FxHashMap::default();
        let record = |best: &mut FxHashMap<u32, (i64, u32, u32)>, d: u32, score: i64| {
            let target = self.doc_target.get(d as usize).copied().unwrap_or(0);
            let e = best.entry(target).or_insert((i64::MIN, d, 0));
            if score > e.0 {
                e.0 = score;
                e.1 = d;
            }
            e.2 += 1;
        };
        if bitmaps.is_empty() {
            // Only non-ASCII one-character queries or words found almost everywhere: scan in
            // static-rank order, capped.
            let mut matched_docs = 0usize;
            for d in 0..ndocs as u32 {
                if let Some(score) = score_doc(d) {
                    record(&mut best, d, score);
                    matched_docs += 1;
                    if matched_docs >= 1000 {
                        break;
                    }
                }
            }
        } else {
            // Documents matching every token first, then those missing one, two, …: each
            // level is the union of the intersections of its token subsets, and a level is
            // only opened while fewer than `limit` codes have been found.
            // Per document, how many tokens it has, as a bit-sliced counter (four planes:
            // up to 15 tokens), so a level is one pass over the planes, not a pass per
            // subset of tokens.
            let n = bitmaps.len();
            let mut planes = vec![[0u64; 4]; nwords];
            for b in &bitmaps {
                for (pl, &x) in planes.iter_mut().zip(b) {
                    let mut carry = x;
                    for p in pl.iter_mut() {
                        let sum = *p ^ carry;
                        carry &= *p;
                        *p = sum;
                    }
                }
            }
            let mut seen = vec![0u64; nwords];
            for need in (1..=n).rev() {
                let mut level: Vec<u64> = planes
                    .iter()
                    .map(|pl| {
                        pl.iter().enumerate().fold(!0u64, |acc, (bit, &p)| {
                            acc & if need & (1 << bit) != 0 { p } else { !p }
                        })
                    })
                    .collect();
                for (l, s) in level.iter_mut().zip(seen.iter_mut()) {
                    *l &= !*s;
                    *s |= *l;
                }
                let mut matched_docs = 0usize;
                'level: for (i, mut b) in level.into_iter().enumerate() {
                    while b != 0 {
                        let d = i as u32 * 64 + b.trailing_zeros();
                        b &= b - 1;
                        if let Some(score) = score_doc(d) {
                            record(&mut best, d, score);
                            matched_docs += 1;
                            if matched_docs >= 1000 {
                                break 'level;
                            }
                        }
                    }
                }
                if best.len() >= limit {
                    break;
                }
            }
        }
        // A target reached by several documents (its title, synonyms and index paths) is
        // where the index leads coders for these words; each extra document adds a little,
        // capped so that a heavily indexed code cannot drown an exact title.
        let mut ranked: Vec<(i64, u32, u32)> = best
            .into_iter()
            .map(|(t, (s, d, n))| (s + 25 * i64::from(n.saturating_sub(1).min(4)), d, t))
            .collect();
        // Ties go to the lower document id, which is the better static rank.
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked.truncate(limit);
        ranked
            .into_iter()
            .map(|(score, d, target)| RawHit {
                target,
                score,
                matched: match self.doc_source.get(d as usize) {
                    Some(Source::Title) | None => None,
                    Some(_) => {
                        nth_str(&self.doc_text, &self.doc_text_end, d as usize).map(str::to_string)
                    }
                },
            })
            .collect()
    }
}

/// Number of first-character bitmaps: ASCII digits and letters.
const INITIALS: usize = 36;

/// Appends `items` as their count (u64) and each item little-endian.
fn put<const N: usize, T: Copy>(out: &mut Vec<u8>, items: &[T], bytes: impl Fn(T) -> [u8; N]) {
    out.extend_from_slice(&(items.len() as u64).to_le_bytes());
    out.reserve(items.len() * N);
    for &x in items {
        out.extend_from_slice(&bytes(x));
    }
}

/// Reads back what [`put`] wrote, straight into each array: no copy of the whole file is
/// held, and on a little-endian machine the numbers are not converted one by one (the
/// search cache is 39.5 MB; reading it whole and then decoding it was most of its cost).
/// `None` when the bytes run out or a section is longer than what is left.
struct Sections<R> {
    from: R,
    /// Bytes left to read; no section may claim more, so a damaged count allocates nothing.
    left: u64,
}

impl<R: std::io::Read> Sections<R> {
    fn count(&mut self, size: usize) -> Option<usize> {
        let mut head = [0u8; 8];
        self.take(&mut head)?;
        let n = u64::from_le_bytes(head);
        let bytes = n.checked_mul(size as u64)?;
        self.left = self.left.checked_sub(bytes)?;
        usize::try_from(n).ok()
    }

    fn take(&mut self, into: &mut [u8]) -> Option<()> {
        self.left = self.left.checked_sub(into.len() as u64)?;
        self.from.read_exact(into).ok()
    }

    fn fill(&mut self, into: &mut [u8]) -> Option<()> {
        // `count` has already taken the section's length from `left`.
        self.left += into.len() as u64;
        self.take(into)
    }

    fn items(&mut self, size: usize) -> Option<Vec<u8>> {
        let n = self.count(size)?;
        let mut v = vec![0u8; n.checked_mul(size)?];
        self.fill(&mut v)?;
        Some(v)
    }

    fn text(&mut self) -> Option<String> {
        String::from_utf8(self.items(1)?).ok()
    }

    fn nums<T: bytemuck::Pod>(&mut self, from_le: fn(T) -> T) -> Option<Vec<T>> {
        let n = self.count(std::mem::size_of::<T>())?;
        let mut v = vec![T::zeroed(); n];
        self.fill(bytemuck::cast_slice_mut(&mut v))?;
        if cfg!(target_endian = "big") {
            v.iter_mut().for_each(|x| *x = from_le(*x));
        }
        Some(v)
    }

    fn u16s(&mut self) -> Option<Vec<u16>> {
        self.nums(u16::from_le)
    }

    fn u32s(&mut self) -> Option<Vec<u32>> {
        self.nums(u32::from_le)
    }

    fn u64s(&mut self) -> Option<Vec<u64>> {
        self.nums(u64::from_le)
    }
}

impl Source {
    fn byte(self) -> u8 {
        match self {
            Source::Title => 0,
            Source::Synonym => 1,
            Source::Index => 2,
            Source::Entry => 3,
        }
    }

    fn from_byte(b: u8) -> Option<Self> {
        Some(match b {
            0 => Source::Title,
            1 => Source::Synonym,
            2 => Source::Index,
            3 => Source::Entry,
            _ => return None,
        })
    }
}

impl SearchIndex {
    /// The index as the search cache keeps it: every array in a fixed order, each as its
    /// length and its items little-endian (so the file reads the same on any machine).
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.heap_bytes() + 256);
        put(&mut out, self.vocab_text.as_bytes(), |b| [b]);
        put(&mut out, &self.vocab_end, u64::to_le_bytes);
        put(&mut out, &self.postings, u32::to_le_bytes);
        put(&mut out, &self.cum, u64::to_le_bytes);
        put(&mut out, &self.doc_words, u32::to_le_bytes);
        put(&mut out, &self.doc_start, u32::to_le_bytes);
        put(&mut out, &self.doc_target, u32::to_le_bytes);
        let sources: Vec<u8> = self.doc_source.iter().map(|s| s.byte()).collect();
        put(&mut out, &sources, |b| [b]);
        let preferred: Vec<u8> = self.doc_preferred.iter().map(|&p| u8::from(p)).collect();
        put(&mut out, &preferred, |b| [b]);
        put(&mut out, &self.doc_core_len, u16::to_le_bytes);
        put(&mut out, &self.doc_core_mask, u64::to_le_bytes);
        put(&mut out, self.doc_text.as_bytes(), |b| [b]);
        put(&mut out, &self.doc_text_end, u64::to_le_bytes);
        put(&mut out, self.code_text.as_bytes(), |b| [b]);
        put(&mut out, &self.code_end, u64::to_le_bytes);
        put(&mut out, &self.code_target, u32::to_le_bytes);
        put(&mut out, &self.initial_bits, u64::to_le_bytes);
        out
    }

    /// Reads the `len` bytes [`Self::encode`] wrote from `from`; `None` when they are not
    /// such an index (cut short, trailing bytes, arrays of inconsistent lengths, text that
    /// is not UTF-8).
    pub(crate) fn read_from(from: impl std::io::Read, len: u64) -> Option<SearchIndex> {
        let mut r = Sections { from, left: len };
        let ix = SearchIndex {
            vocab_text: r.text()?,
            vocab_end: r.u64s()?,
            postings: r.u32s()?,
            cum: r.u64s()?,
            doc_words: r.u32s()?,
            doc_start: r.u32s()?,
            doc_target: r.u32s()?,
            doc_source: r
                .items(1)?
                .iter()
                .map(|&b| Source::from_byte(b))
                .collect::<Option<Vec<_>>>()?,
            doc_preferred: r.items(1)?.iter().map(|&b| b != 0).collect(),
            doc_core_len: r.u16s()?,
            doc_core_mask: r.u64s()?,
            doc_text: r.text()?,
            doc_text_end: r.u64s()?,
            code_text: r.text()?,
            code_end: r.u64s()?,
            code_target: r.u32s()?,
            initial_bits: r.u64s()?,
        };
        let ndocs = ix.doc_target.len();
        let consistent = r.left == 0
            && ix.cum.len() == ix.vocab_end.len() + 1
            && ix.cum.last().copied() == Some(ix.postings.len() as u64)
            && ix
                .vocab_end
                .last()
                .is_none_or(|&e| e == ix.vocab_text.len() as u64)
            && ix.doc_start.len() == ndocs + 1
            && ix.doc_start.last().copied() == Some(ix.doc_words.len() as u32)
            && [
                ix.doc_source.len(),
                ix.doc_preferred.len(),
                ix.doc_core_len.len(),
                ix.doc_core_mask.len(),
                ix.doc_text_end.len(),
            ]
            .iter()
            .all(|&n| n == ndocs)
            && ix
                .doc_text_end
                .last()
                .is_none_or(|&e| e == ix.doc_text.len() as u64)
            && ix.code_end.len() == ix.code_target.len()
            && ix
                .code_end
                .last()
                .is_none_or(|&e| e == ix.code_text.len() as u64)
            && ix.initial_bits.len() == INITIALS * ndocs.div_ceil(64);
        consistent.then_some(ix)
    }
}

/// Optimal-string-alignment distance (Damerau-Levenshtein with adjacent transpositions).
fn damerau(a: &[char], b: &[char]) -> usize {
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    let at = |i: usize, j: usize| i * w + j;
    for i in 0..=a.len() {
        if let Some(x) = d.get_mut(at(i, 0)) {
            *x = i;
        }
    }
    for j in 0..=b.len() {
        if let Some(x) = d.get_mut(j) {
            *x = j;
        }
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a.get(i - 1) != b.get(j - 1));
            let get = |i, j| d.get(at(i, j)).copied().unwrap_or(usize::MAX / 2);
            let mut v = (get(i - 1, j) + 1)
                .min(get(i, j - 1) + 1)
                .min(get(i - 1, j - 1) + cost);
            if i > 1 && j > 1 && a.get(i - 1) == b.get(j - 2) && a.get(i - 2) == b.get(j - 1) {
                v = v.min(get(i - 2, j - 2) + 1);
            }
            if let Some(x) = d.get_mut(at(i, j)) {
                *x = v;
            }
        }
    }
    d.get(at(a.len(), b.len())).copied().unwrap_or(usize::MAX)
}

mod words;

pub(crate) use words::SELECTORS;
use words::{FILLER, MAX_SOFT_TOKENS};

#[cfg(test)]
mod tests;
