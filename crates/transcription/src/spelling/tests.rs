use super::*;

fn speller() -> Speller {
    let templates = Templates::defaults().unwrap_or_else(|p| panic!("{p:?}"));
    Speller::medical(
        &["Injection, ceftriaxone sodium, per 250 mg".to_owned()],
        &templates,
        Some(
            "the DH AH0\npatient P EY1 SH AH0 N T\nwas W AA1 Z\ngiven G IH1 V AH0 N\nwith W IH1 DH\nand AE1 N D\nfor F AO1 R\n",
        ),
    )
}

#[test]
fn a_misspelt_drug_is_flagged_with_the_medical_word_first() {
    let found = speller().check("Plan:\nThe patient was given ceftriaxon and azithromicin.");
    let words: Vec<(&str, usize, usize)> = found
        .iter()
        .map(|m| (m.word.as_str(), m.line, m.column))
        .collect();
    assert_eq!(words, vec![("ceftriaxon", 2, 23), ("azithromicin", 2, 38)]);
    assert_eq!(
        found[0].suggestions.first().map(String::as_str),
        Some("ceftriaxone")
    );
    assert_eq!(
        found[1].suggestions.first().map(String::as_str),
        Some("azithromycin")
    );
}

#[test]
fn headings_numbers_possessives_and_single_letters_pass() {
    let found =
        speller().check("Discharge medications:\nThe patient's dose was 250 mg x 2, given q 8 h.");
    let words: Vec<&str> = found.iter().map(|m| m.word.as_str()).collect();
    assert_eq!(words, vec!["dose"]);
}

#[test]
fn distance_counts_a_swap_as_one_edit() {
    let a: Vec<char> = "aspirni".chars().collect();
    assert_eq!(distance(&a, "aspirin", 2), Some(1));
    assert_eq!(distance(&a, "heparin", 2), None);
}
