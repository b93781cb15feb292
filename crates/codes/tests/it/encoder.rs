//! The encoder on the development set and on the examples.

use std::collections::BTreeMap;

use super::devset::{cases, heldout_cases, heldout2_cases, heldout3_cases};
use super::{d, sets};
use codes::{EncodeRequest, Encoding, Patient, Sex};

fn encode_with(statement: &str, patient: Patient, answers: &[(&str, &str)]) -> Encoding {
    let req = EncodeRequest {
        statement: statement.to_string(),
        patient,
        answers: answers
            .iter()
            .map(|(q, a)| (q.to_string(), a.to_string()))
            .collect(),
    };
    sets().encode(&req, d("2026-01-15")).unwrap()
}

fn encode(statement: &str) -> Encoding {
    encode_with(statement, Patient::default(), &[])
}

fn codes_of(e: &Encoding) -> Vec<String> {
    e.codes.iter().map(|c| c.code.clone()).collect()
}

/// Encodes every case; prints the misses and, per ICD-10-CM chapter of the expected
/// first-listed code, top-1 and top-5 exact first-listed code and exact complete code sets.
/// Returns (top-1, top-5, complete sets) over all cases.
fn accuracy(name: &str, cases: &[super::devset::Case]) -> (f64, f64, f64) {
    let r = sets().icd10cm(d("2026-01-15")).unwrap();
    let mut chapters: BTreeMap<String, [usize; 4]> = BTreeMap::new();
    let mut total = [0usize; 4];
    for c in cases {
        let e = encode(&c.statement);
        let got = codes_of(&e);
        let top1 = got.first() == c.expected.first();
        let top5 = got.iter().take(5).any(|g| Some(g) == c.expected.first());
        let set = got == c.expected;
        if !set {
            println!(
                "miss: {:?} expected {:?}, got {:?}{}",
                c.statement,
                c.expected,
                got,
                if e.questions.is_empty() {
                    String::new()
                } else {
                    format!(
                        " asking {:?}",
                        e.questions.iter().map(|q| &q.id).collect::<Vec<_>>()
                    )
                }
            );
        }
        let chapter = r
            .find(&c.expected[0])
            .and_then(|i| r.chapter_of(i))
            .unwrap_or("?")
            .to_string();
        let row = chapters.entry(format!("{chapter:>2}")).or_default();
        for (i, hit) in [true, top1, top5, set].into_iter().enumerate() {
            row[i] += usize::from(hit);
            total[i] += usize::from(hit);
        }
    }
    let pct = |a: usize, n: usize| 100.0 * a as f64 / n.max(1) as f64;
    println!(
        "{name}: {} cases, top-1 {:.1}%, top-5 {:.1}%, complete sets {:.1}%",
        total[0],
        pct(total[1], total[0]),
        pct(total[2], total[0]),
        pct(total[3], total[0])
    );
    for (ch, [n, t1, t5, set]) in &chapters {
        println!("  chapter {ch}: {n:>3} cases, top-1 {t1:>3}, top-5 {t5:>3}, sets {set:>3}");
    }
    let n = total[0].max(1) as f64;
    (
        total[1] as f64 / n,
        total[2] as f64 / n,
        total[3] as f64 / n,
    )
}

#[test]
fn encoder_accuracy_on_the_development_set() {
    let (t1, _, sets_ok) = accuracy("encoder, development set", &cases());
    // Measured 99.0% / 99.0% on these cases; held-out cases will be lower, so the floors
    // guard against regressions only.
    assert!(t1 >= 0.95 && sets_ok >= 0.90, "top-1 {t1}, sets {sets_ok}");
}

/// The held-out-style sets' first runs, before any change they prompted: the first set
/// top-1 85.1%, complete sets 82.2% (101 cases); the second 78.7% / 75.3% (89 cases,
/// session 21); the third 96.6% / 96.6% (88 cases, written after the second set's
/// changes). The floors guard against regressions only.
#[test]
fn encoder_accuracy_on_the_held_out_style_sets() {
    for (name, cases, floor) in [
        ("encoder, held-out-style set", heldout_cases(), 0.80),
        ("encoder, second held-out-style set", heldout2_cases(), 0.85),
        ("encoder, third held-out-style set", heldout3_cases(), 0.90),
    ] {
        let (t1, t5, sets_ok) = accuracy(name, &cases);
        assert!(
            t1 >= floor && t5 >= t1 && sets_ok >= floor,
            "{name}: top-1 {t1}, sets {sets_ok}"
        );
    }
}

#[test]
fn missing_laterality_is_a_question_with_choices_and_takes_the_answer() {
    let e = encode("tennis elbow");
    assert!(!e.complete());
    let q = &e.questions[0];
    assert_eq!(q.id, "M77.1");
    let values: Vec<&str> = q.choices.iter().map(|c| c.value.as_str()).collect();
    assert!(
        values.contains(&"M77.11") && values.contains(&"M77.12"),
        "{values:?}"
    );
    let e = encode_with("tennis elbow", Patient::default(), &[("M77.1", "M77.12")]);
    assert_eq!(codes_of(&e), ["M77.12"]);
    assert!(e.complete());
    assert!(e.steps.iter().any(|s| s.kind == codes::StepKind::Answer));
}

#[test]
fn missing_episode_of_care_asks_for_the_seventh_character() {
    let e = encode("sprain of left ankle");
    let q = e.questions.first().expect("a question");
    let values: Vec<&str> = q.choices.iter().map(|c| c.value.as_str()).collect();
    assert_eq!(values, ["A", "D", "S"], "{q:?}");
    let e = encode_with("sprain of left ankle", Patient::default(), &[(&q.id, "D")]);
    assert_eq!(codes_of(&e), ["S93.402D"]);
}

#[test]
fn fracture_not_stated_open_or_closed_is_closed_and_cites_the_guideline() {
    let e = encode(
        "displaced transverse fracture of shaft of left humerus, subsequent encounter with delayed healing",
    );
    assert_eq!(codes_of(&e), ["S42.322G"]);
    let e = encode("displaced transverse fracture of shaft of left humerus, initial encounter");
    assert_eq!(codes_of(&e), ["S42.322A"]);
    assert!(
        e.steps.iter().any(|s| s.source.contains("I.C.19.c.1")),
        "{:?}",
        e.steps
    );
}

#[test]
fn poisoning_uses_the_drug_table_column_for_the_intent() {
    let e = encode("accidental overdose of acetaminophen, initial encounter");
    assert_eq!(codes_of(&e), ["T39.1X1A"]);
    let e = encode("intentional overdose of acetaminophen, initial encounter");
    assert_eq!(codes_of(&e), ["T39.1X2A"]);
    // No intent stated is accidental (Guidelines I.C.19.e.5.b).
    let e = encode("poisoning by acetaminophen, initial encounter");
    assert_eq!(codes_of(&e), ["T39.1X1A"]);
    assert!(e.steps.iter().any(|s| s.text.contains("I.C.19.e.5.b")));
}

#[test]
fn neoplasm_table_primary_and_metastatic_site() {
    let female = Patient {
        sex: Some(Sex::Female),
        age_years: Some(60),
    };
    let e = encode_with(
        "adenocarcinoma of the upper-outer quadrant of the left breast, metastatic to bone",
        female,
        &[],
    );
    let got = codes_of(&e);
    assert_eq!(
        got.first().map(String::as_str),
        Some("C50.412"),
        "{got:?} {:?}",
        e.steps
    );
    assert!(got.contains(&"C79.51".to_string()), "{got:?} {:?}", e.steps);
}

#[test]
fn combination_code_then_use_additional_code_partner() {
    let e = encode("type 2 diabetes mellitus with diabetic chronic kidney disease");
    assert_eq!(codes_of(&e), ["E11.22", "N18.9"]);
    let note = e
        .steps
        .iter()
        .find(|s| s.kind == codes::StepKind::Note)
        .unwrap();
    assert!(
        note.text.contains("use additional code at E11.22"),
        "{note:?}"
    );
    // The Index path is part of the answer.
    assert!(
        e.steps
            .iter()
            .any(|s| s.text.starts_with("Index: Diabetes"))
    );
}

#[test]
fn bad_statements_get_no_index_entry_with_nearest_terms() {
    for s in ["", "zzqx qqqv", "Lungenentzündung mit Fieber 肺炎"] {
        let e = encode(s);
        assert!(e.codes.is_empty(), "{s}: {:?}", e.codes);
        assert!(e.steps.iter().any(|st| st.text.contains("no index entry")));
    }
    let e = encode("zzqx pneumonia");
    assert_eq!(codes_of(&e), ["J18.9"]);
    let long = "chest pain ".repeat(10_000);
    let t = std::time::Instant::now();
    let e = encode(&long);
    assert_eq!(codes_of(&e).first().map(String::as_str), Some("R07.9"));
    assert!(t.elapsed().as_secs() < 5);
    let e = encode("xyzzy plugh");
    assert!(e.nearest.len() <= 5);
}

#[test]
fn several_conditions_under_one_main_term_and_their_partner() {
    let e = encode(
        "type 2 diabetes with diabetic peripheral angiopathy and foot ulcer of the left heel",
    );
    let got = codes_of(&e);
    for want in ["E11.621", "E11.51", "L97.429"] {
        assert!(got.contains(&want.to_string()), "{want}: {got:?}");
    }
}

#[test]
fn hypertension_links_are_presumed() {
    let e = encode("hypertension and chronic kidney disease stage 4");
    assert_eq!(codes_of(&e), ["I12.9", "N18.4"]);
    assert!(
        e.steps.iter().any(|s| s.source.contains("I.C.9.a.2")),
        "{:?}",
        e.steps
    );
    assert_eq!(
        codes_of(&encode("hypertension, end stage renal disease")),
        ["I12.0", "N18.6"]
    );
    assert_eq!(
        codes_of(&encode("hypertension and congestive heart failure")),
        ["I11.0", "I50.9"]
    );
}

#[test]
fn sepsis_and_pregnancy_are_sequenced_by_the_chapter_rules() {
    // I.C.1.d.4: the systemic infection before the localized one.
    let e = encode("pneumonia due to e coli with sepsis");
    assert_eq!(
        codes_of(&e).first().map(String::as_str),
        Some("A41.9"),
        "{e:#?}"
    );
    assert!(
        e.steps.iter().any(|s| s.source.contains("I.C.1.d.4")),
        "{e:#?}"
    );
    // Severe sepsis never first, and never without its infection (A41.9 when unstated).
    let e = encode("severe sepsis with septic shock due to pneumonia");
    let got = codes_of(&e);
    assert_eq!(got.first().map(String::as_str), Some("A41.9"), "{e:#?}");
    assert_eq!(got.get(1).map(String::as_str), Some("R65.21"), "{e:#?}");
    // I.C.15.a.1: a pregnancy code leads.
    let e = encode("urinary tract infection in pregnancy, second trimester");
    assert!(codes_of(&e)[0].starts_with('O'), "{e:#?}");
    // An ambiguous abbreviation is named, never read.
    let e = encode("MS");
    assert!(e.codes.is_empty(), "{e:#?}");
    assert!(
        e.steps
            .iter()
            .any(|s| s.text.contains("multiple sclerosis, mitral stenosis")),
        "{e:#?}"
    );
}

#[test]
fn neoplasm_main_term_goes_to_the_table_by_behaviour() {
    assert_eq!(codes_of(&encode("malignant neoplasm of prostate")), ["C61"]);
    assert_eq!(
        codes_of(&encode("secondary malignant neoplasm of liver")),
        ["C78.7"]
    );
    let e = encode("benign neoplasm of liver");
    assert_eq!(codes_of(&e), ["D13.4"], "{e:#?}");
}

/// The External Cause Index (Guidelines I.C.20): beside an injury, the words the
/// conditions left name the cause, reported after the injury with the 7th character of its
/// episode (G, a subsequent encounter for delayed healing, gives D); a phrase many causes
/// share ("contact with") does not pick an alias main term; no injury, no external cause.
#[test]
fn an_injury_s_cause_comes_from_the_external_cause_index() {
    for (statement, want) in [
        (
            "laceration of right hand, initial encounter, bitten by dog",
            vec!["S61.411A", "W54.0XXA"],
        ),
        (
            "displaced transverse fracture of shaft of left humerus, subsequent encounter with delayed healing, fell from bed",
            vec!["S42.322G", "W06.XXXD"],
        ),
        (
            "sprain of left ankle, initial encounter, fall on stairs",
            vec!["S93.402A", "W10.9XXA"],
        ),
        (
            "burn of left forearm, second degree, initial encounter, contact with hot coffee",
            vec!["T22.212A"],
        ),
        ("type 2 diabetes mellitus with fall", vec!["E11.9"]),
    ] {
        let e = encode(statement);
        assert_eq!(codes_of(&e), want, "{statement}: {:#?}", e.steps);
    }
    let e = encode(
        "displaced transverse fracture of shaft of left humerus, subsequent encounter with delayed healing, fell from bed",
    );
    let cause = &e.codes[1];
    assert!(
        cause.reason.contains("External Cause Index") && cause.reason.contains("S42.322G"),
        "{}",
        cause.reason
    );
    // Unsaid, the episode is a question for both; answered for the injury, it is the
    // cause's too.
    let asked = encode("laceration of right hand, bitten by dog");
    let ids: Vec<&str> = asked.questions.iter().map(|q| q.id.as_str()).collect();
    assert_eq!(ids, ["S61.411", "W54.0"]);
    let answered = encode_with(
        "laceration of right hand, bitten by dog",
        Patient::default(),
        &[(asked.questions[0].id.as_str(), "A")],
    );
    assert_eq!(codes_of(&answered), ["S61.411A", "W54.0XXA"]);
    assert!(answered.questions.is_empty());
    assert!(
        answered.steps.iter().any(|s| s.source.contains("I.C.20.a")),
        "{:#?}",
        answered.steps
    );
}

/// History statements walk "History" (Guidelines I.C.21.c.4): its "personal (of)" level
/// is passed through when unsaid, and the Index's "malignant neoplasm" is said "cancer".
#[test]
fn history_of_a_condition_is_the_history_code() {
    for (statement, want) in [
        ("history of falling", "Z91.81"),
        ("history of myocardial infarction", "I25.2"),
        ("personal history of breast cancer", "Z85.3"),
        ("personal history of nicotine dependence", "Z87.891"),
        ("family history of diabetes mellitus", "Z83.3"),
    ] {
        let e = encode(statement);
        assert_eq!(codes_of(&e), [want], "{statement}: {:#?}", e.steps);
    }
}

/// The Index names the noun ("Stenosis, trachea"), statements the adjective ("tracheal
/// stenosis"); and between two subterms the statement's words reach alike, the one said
/// whole wins over one reached through a title's alternatives ("Hypotension, postural" is
/// orthostatic, not "neurogenic, orthostatic").
#[test]
fn adjectives_reach_the_index_s_nouns_and_whole_titles_win_ties() {
    for (statement, code) in [
        ("tracheal stenosis", "J39.8"),
        ("vaginal bleeding", "N93.9"),
        ("postural hypotension", "I95.1"),
    ] {
        assert_eq!(
            codes_of(&encode(statement)).first().map(String::as_str),
            Some(code),
            "{statement}"
        );
    }
    assert_eq!(
        codes_of(&encode("pleural effusion in heart failure")),
        ["I50.9", "J90"]
    );
}

#[test]
fn what_the_flattened_index_hides_and_how_statements_spell_it() {
    // None of these statements is in the development or held-out-style sets.
    for (statement, want) in [
        // "and (on) chronic (congestive)": "chronic" is a subterm word, not a modifier.
        ("acute on chronic diastolic heart failure", "I50.33"),
        // "Sprain (joint) (ligament)" leaves "ligament" to "knee, cruciate ligament".
        (
            "sprain of posterior cruciate ligament of right knee, initial encounter",
            "S83.521A",
        ),
        // British spellings, and a state said as the word for having it.
        ("oesophagitis", "K20.90"),
        ("haemorrhoids", "K64.9"),
        ("dehydrated", "E86.0"),
        // "Pharyngitis, lymphonodular, acute" needs "lymphonodular": "acute" qualifies it.
        ("acute lymphonodular pharyngitis", "B08.8"),
        // The Tabular List's own defaults: the child holding the condition "NOS", and the
        // one "not specified as" what was not said.
        ("acute myeloid leukemia", "C92.00"),
        ("hairy cell leukemia", "C91.40"),
        ("clostridium difficile enterocolitis, recurrent", "A04.71"),
        // The colon is the large intestine, in the Index and in the Neoplasm Table.
        ("diverticulosis of sigmoid colon with bleeding", "K57.31"),
        ("adenoma of colon", "D12.6"),
        ("colonic polyp", "K63.5"),
        // An unspecified header's sibling named by the statement; the Index's words for
        // atherosclerosis; the letter A as a type, not an article.
        (
            "acute deep vein thrombosis of right popliteal vein",
            "I82.431",
        ),
        ("atherosclerotic cardiovascular disease", "I25.10"),
        ("hepatitis A with hepatic coma", "B15.0"),
        ("vitamin a deficiency", "E50.9"),
        ("a fracture of left wrist, initial encounter", "S62.102A"),
        // A genus by its initial.
        ("c diff colitis", "A04.72"),
        ("pneumonia due to h influenzae", "J14"),
    ] {
        let e = encode(statement);
        assert_eq!(codes_of(&e), [want], "{statement}: {:#?}", e.steps);
    }
    // A comma part unlike the title's first ("Autosensitization, cutaneous") is not a name
    // of the condition, so a leftover "cutaneous" codes nothing more.
    assert_eq!(
        codes_of(&encode("cutaneous abscess of right axilla")),
        ["L02.411"]
    );
    // A partner under the condition's own main term: Infection, Escherichia coli.
    assert_eq!(
        codes_of(&encode("kidney infection due to e coli")),
        ["N12", "B96.20"]
    );
    // A side or an episode of care is never a default: it stays a question.
    assert!(!encode("tennis elbow").complete());
    // "Degeneration, intervertebral disc" lists sites: the site is asked, not guessed.
    let e = encode("degenerative disc disease");
    let q = e.questions.first().expect("a question for the site");
    assert!(
        q.choices.iter().any(|c| c.code == "M51.36"),
        "{:?}",
        q.choices
    );
}
