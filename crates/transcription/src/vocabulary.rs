//! The recogniser's medical vocabulary: a language model counted from clinical text
//! (`data/clinical-phrases.txt`, the drug and clinical words of `data/medical-words.txt`,
//! CVX vaccine names and HCPCS drug titles from `codes`), and a dictionary giving every
//! word of it a pronunciation: CMU's where the model's dictionary has the word, otherwise
//! espeak-ng's (`espeak-ng -v en-us -x`) mapped to CMU phones (`arpabet`).
//!
//! Invariants:
//! - The model is an ARPA bigram with absolute discounting (D = 0.5) backing off to
//!   add-0.1 unigrams; only words with a pronunciation are in it, so the engine never
//!   meets a word it cannot say.
//! - Built once into a directory (`ensure`) and reused; the files carry no clock, so two
//!   builds of the same inputs are byte for byte the same. A new release of the word list
//!   takes effect when the directory is removed.

use crate::templates::words_of;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The clinical sentences the model is counted from.
pub const CLINICAL_PHRASES: &str = include_str!("../data/clinical-phrases.txt");
/// The drug and clinical words.
pub const MEDICAL_WORDS: &str = include_str!("../data/medical-words.txt");

/// How much more a clinical sentence counts than a word-list entry or a code title.
const PHRASE_WEIGHT: u64 = 20;
const DISCOUNT: f64 = 0.5;
const UNIGRAM_FLOOR: f64 = 0.1;

/// espeak-ng's English phoneme names (longest first where one is a prefix of another)
/// and the CMU phones they are.
const ESPEAK_TO_CMU: &[(&str, &[&str])] = &[
    ("aI@", &["AY", "ER"]),
    ("aU@", &["AW", "ER"]),
    ("i@3", &["IH", "R"]),
    ("A@", &["AA", "R"]),
    ("o@", &["AO", "R"]),
    ("O@", &["AO", "R"]),
    ("e@", &["EH", "R"]),
    ("U@", &["UH", "R"]),
    ("i@", &["IY", "AH"]),
    ("3:", &["ER"]),
    ("@L", &["AH", "L"]),
    ("@2", &["AH"]),
    ("@5", &["AH"]),
    ("aI", &["AY"]),
    ("aU", &["AW"]),
    ("eI", &["EY"]),
    ("oU", &["OW"]),
    ("OI", &["OY"]),
    ("A:", &["AA"]),
    ("O:", &["AO"]),
    ("i:", &["IY"]),
    ("u:", &["UW"]),
    ("aa", &["AE"]),
    ("a#", &["AH"]),
    ("I2", &["IH"]),
    ("I#", &["IH"]),
    ("tS", &["CH"]),
    ("dZ", &["JH"]),
    ("t#", &["T"]),
    ("d#", &["D"]),
    ("r-", &["R"]),
    ("n-", &["N"]),
    ("m-", &["M"]),
    ("l-", &["L"]),
    ("3", &["ER"]),
    ("@", &["AH"]),
    ("a", &["AE"]),
    ("A", &["AA"]),
    ("E", &["EH"]),
    ("I", &["IH"]),
    ("i", &["IY"]),
    ("0", &["AA"]),
    ("O", &["AO"]),
    ("U", &["UH"]),
    ("u", &["UW"]),
    ("V", &["AH"]),
    ("e", &["EH"]),
    ("o", &["OW"]),
    ("T", &["TH"]),
    ("D", &["DH"]),
    ("S", &["SH"]),
    ("Z", &["ZH"]),
    ("N", &["NG"]),
    ("j", &["Y"]),
    ("r", &["R"]),
    ("l", &["L"]),
    ("L", &["L"]),
    ("x", &["K"]),
    ("C", &["HH"]),
    ("p", &["P"]),
    ("b", &["B"]),
    ("t", &["T"]),
    ("d", &["D"]),
    ("k", &["K"]),
    ("g", &["G"]),
    ("f", &["F"]),
    ("v", &["V"]),
    ("s", &["S"]),
    ("z", &["Z"]),
    ("h", &["HH"]),
    ("m", &["M"]),
    ("n", &["N"]),
    ("w", &["W"]),
];

/// espeak-ng's phonemes for one word (`s'EftrI2;,aksoUn`) as CMU phones; stress marks and
/// anything unknown are skipped.
pub fn arpabet(espeak: &str) -> Vec<&'static str> {
    let mut phones = Vec::new();
    let mut rest = espeak;
    while !rest.is_empty() {
        match ESPEAK_TO_CMU
            .iter()
            .find(|(name, _)| rest.starts_with(name))
        {
            Some((name, cmu)) => {
                phones.extend_from_slice(cmu);
                rest = &rest[name.len()..];
            }
            None => {
                let skip = rest.chars().next().map_or(1, char::len_utf8);
                rest = &rest[skip..];
            }
        }
    }
    phones
}

/// espeak-ng's pronunciations of `words` (one run for all), as CMU phones; `None` when
/// espeak-ng is not installed.
pub fn espeak_pronunciations(words: &[String]) -> Option<BTreeMap<String, Vec<&'static str>>> {
    let mut child = Command::new("espeak-ng")
        .args(["-v", "en-us", "-q", "-x", "--stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let input: String = words.iter().map(|w| format!("{w}.\n")).collect();
    let mut stdin = child.stdin.take()?;
    // Written from a thread so a full output pipe cannot stall the input.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().ok()?;
    writer.join().ok()?.ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if lines.len() != words.len() {
        return None;
    }
    Some(
        words
            .iter()
            .zip(lines)
            .map(|(w, l)| (w.clone(), arpabet(l)))
            .filter(|(_, p)| !p.is_empty())
            .collect(),
    )
}

/// A word the recogniser can be given: lower-case letters and apostrophes only.
fn speakable(word: &str) -> bool {
    !word.is_empty() && word.chars().all(|c| c.is_ascii_lowercase() || c == '\'')
}

/// The text the model is counted from: each sentence with its weight.
pub fn training_text(extra_titles: &[String]) -> Vec<(Vec<String>, u64)> {
    let lines = |text: &str, weight: u64| -> Vec<(Vec<String>, u64)> {
        text.lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .map(|l| (words_of(l), weight))
            .filter(|(w, _)| !w.is_empty())
            .collect()
    };
    let mut all = lines(CLINICAL_PHRASES, PHRASE_WEIGHT);
    all.extend(lines(MEDICAL_WORDS, 1));
    all.extend(
        extra_titles
            .iter()
            .map(|t| (words_of(t), 1))
            .filter(|(w, _)| !w.is_empty()),
    );
    for (words, _) in &mut all {
        words.retain(|w| speakable(w));
    }
    all.retain(|(w, _)| !w.is_empty());
    all
}

/// CVX vaccine names and HCPCS drug titles ("Injection, ceftriaxone sodium, per 250 mg")
/// in force on `on`, from the code sets compiled into `codes`.
pub fn code_set_titles(on: time::Date) -> Vec<String> {
    match codes::CodeSets::embedded() {
        Ok(sets) => code_set_titles_from(&sets, on),
        Err(_) => Vec::new(),
    }
}

/// As `code_set_titles`, from code sets already loaded.
pub fn code_set_titles_from(sets: &codes::CodeSets, on: time::Date) -> Vec<String> {
    let mut titles = Vec::new();
    if let Ok(cvx) = sets.flat(codes::System::Cvx, on) {
        titles.extend(cvx.entries().iter().map(|e| e.long.clone()));
    }
    if let Ok(hcpcs) = sets.flat(codes::System::Hcpcs, on) {
        titles.extend(
            hcpcs
                .entries()
                .iter()
                .filter(|e| e.long.starts_with("Injection,"))
                .map(|e| e.long.clone()),
        );
    }
    titles
}

/// Reads a CMU-format dictionary (`word PH ON ES`, alternates as `word(2)`).
pub fn read_dictionary(text: &str) -> BTreeMap<String, Vec<String>> {
    let mut dict: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in text.lines() {
        let Some((word, phones)) = line.split_once(char::is_whitespace) else {
            continue;
        };
        let base = word.split_once('(').map_or(word, |(w, _)| w);
        dict.entry(base.to_owned())
            .or_default()
            .push(phones.trim().to_owned());
    }
    dict
}

/// What a build made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    /// The ARPA language model.
    pub lm: PathBuf,
    /// The dictionary.
    pub dict: PathBuf,
    /// Words in the model.
    pub words: usize,
    /// Of them, pronounced by espeak-ng (not in the CMU dictionary).
    pub from_espeak: usize,
    /// Words dropped for want of a pronunciation.
    pub unpronounceable: usize,
}

/// Builds the model and dictionary into `dir` from `sentences`, with `cmu` the engine's
/// own dictionary text.
pub fn build(dir: &Path, sentences: &[(Vec<String>, u64)], cmu: &str) -> std::io::Result<Built> {
    let cmu = read_dictionary(cmu);
    let vocabulary: BTreeSet<&String> = sentences.iter().flat_map(|(w, _)| w).collect();
    let unknown: Vec<String> = vocabulary
        .iter()
        .filter(|w| !cmu.contains_key(w.as_str()))
        .map(|w| (*w).clone())
        .collect();
    let spoken = espeak_pronunciations(&unknown).unwrap_or_default();
    let mut dict_text = String::new();
    let mut known: BTreeSet<&str> = BTreeSet::new();
    for word in &vocabulary {
        if let Some(prons) = cmu.get(word.as_str()) {
            for (idx, pron) in prons.iter().enumerate() {
                let name = if idx == 0 {
                    (*word).clone()
                } else {
                    format!("{word}({})", idx + 1)
                };
                let _ = writeln!(dict_text, "{name} {pron}");
            }
            known.insert(word);
        } else if let Some(phones) = spoken.get(word.as_str()) {
            let _ = writeln!(dict_text, "{word} {}", phones.join(" "));
            known.insert(word);
        }
    }
    let lm_text = arpa_bigram(sentences, &known);
    std::fs::create_dir_all(dir)?;
    let lm = dir.join("medical.lm");
    let dict = dir.join("medical.dict");
    std::fs::write(&lm, lm_text)?;
    std::fs::write(&dict, dict_text)?;
    Ok(Built {
        lm,
        dict,
        words: known.len(),
        from_espeak: known.iter().filter(|w| !cmu.contains_key(**w)).count(),
        unpronounceable: vocabulary.len() - known.len(),
    })
}

/// The model and dictionary in `dir`, built there first if missing, for the engine whose
/// dictionary is `cmu_path`; `on` picks the code-set releases whose titles are counted.
pub fn ensure(dir: &Path, cmu_path: &Path, on: time::Date) -> std::io::Result<(PathBuf, PathBuf)> {
    let (lm, dict) = (dir.join("medical.lm"), dir.join("medical.dict"));
    if lm.exists() && dict.exists() {
        return Ok((lm, dict));
    }
    let cmu = std::fs::read_to_string(cmu_path)?;
    let built = build(dir, &training_text(&code_set_titles(on)), &cmu)?;
    Ok((built.lm, built.dict))
}

/// An ARPA bigram model of `sentences` over the words in `known`.
pub fn arpa_bigram(sentences: &[(Vec<String>, u64)], known: &BTreeSet<&str>) -> String {
    const START: &str = "<s>";
    const END: &str = "</s>";
    let mut unigrams: BTreeMap<&str, u64> = known.iter().map(|w| (*w, 0)).collect();
    let mut bigrams: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    let mut total = 0u64;
    for (words, weight) in sentences {
        let mut previous = START;
        let usable = words
            .iter()
            .map(String::as_str)
            .filter(|w| known.contains(w));
        for word in usable.chain(std::iter::once(END)) {
            *unigrams.entry(word).or_default() += weight;
            *bigrams.entry((previous, word)).or_default() += weight;
            total += weight;
            previous = word;
        }
    }
    let sentences_seen: u64 = sentences.iter().map(|(_, w)| w).sum();
    let vocabulary = unigrams.len() as f64;
    let p_uni =
        |count: u64| (count as f64 + UNIGRAM_FLOOR) / (total as f64 + UNIGRAM_FLOOR * vocabulary);
    // Counts of each history, and how many different words followed it.
    let mut history: BTreeMap<&str, (u64, u64, f64)> = BTreeMap::new();
    for ((h, w), count) in &bigrams {
        let entry = history.entry(h).or_default();
        entry.0 += count;
        entry.1 += 1;
        entry.2 += p_uni(unigrams.get(w).copied().unwrap_or(0));
    }
    history.entry(START).or_default().0 = sentences_seen.max(1);
    let backoff = |h: &str| -> f64 {
        match history.get(h) {
            Some(&(count, types, seen_mass)) if count > 0 => {
                let left = DISCOUNT * types as f64 / count as f64;
                (left / (1.0 - seen_mass).max(1e-9)).log10()
            }
            _ => 0.0,
        }
    };
    let mut out = String::new();
    let _ = writeln!(out, "\\data\\");
    let _ = writeln!(out, "ngram 1={}", unigrams.len() + 1);
    let _ = writeln!(out, "ngram 2={}", bigrams.len());
    let _ = writeln!(out, "\n\\1-grams:");
    let _ = writeln!(out, "-99.0000 {START} {:.4}", backoff(START));
    for (word, count) in &unigrams {
        let _ = writeln!(
            out,
            "{:.4} {word} {:.4}",
            p_uni(*count).log10(),
            backoff(word)
        );
    }
    let _ = writeln!(out, "\n\\2-grams:");
    for ((h, w), count) in &bigrams {
        let h_count = history.get(h).map_or(1, |e| e.0.max(1));
        let p = (*count as f64 - DISCOUNT).max(1e-9) / h_count as f64;
        let _ = writeln!(out, "{:.4} {h} {w}", p.log10());
    }
    let _ = writeln!(out, "\n\\end\\");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn espeak_phonemes_become_cmu_phones() {
        assert_eq!(
            arpabet("s'EftrI2;,aksoUn"),
            ["S", "EH", "F", "T", "R", "IH", "AE", "K", "S", "OW", "N"]
        );
        assert_eq!(arpabet("tS'eIndZ"), ["CH", "EY", "N", "JH"]);
        assert_eq!(arpabet("n'i@3"), ["N", "IH", "R"]);
    }

    #[test]
    fn the_model_gives_seen_pairs_their_discounted_share() {
        let sentences = vec![(vec!["chest".to_owned(), "pain".to_owned()], 2)];
        let known: BTreeSet<&str> = ["chest", "pain", "fever"].into_iter().collect();
        let lm = arpa_bigram(&sentences, &known);
        assert!(lm.contains("ngram 1=5"), "{lm}");
        assert!(lm.contains("ngram 2=3"), "{lm}");
        // P(pain | chest) = (2 - 0.5) / 2.
        assert!(
            lm.contains(&format!("{:.4} chest pain", (0.75f64).log10())),
            "{lm}"
        );
        // Fever was never said but stays possible.
        assert!(lm.lines().any(|l| l.ends_with(" fever 0.0000")), "{lm}");
    }
}
