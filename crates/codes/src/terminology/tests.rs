//! The terminology helper on the examples.

use crate::CodeSets;

#[test]
fn abbreviations_lay_names_and_word_parts() {
    let sets = CodeSets::embedded().unwrap();
    let ms = sets.terminology("MS").unwrap();
    let meanings: Vec<&str> = ms.abbreviations.iter().map(|m| m.meaning).collect();
    assert!(
        meanings.contains(&"multiple sclerosis")
            && meanings.contains(&"mitral stenosis")
            && meanings.contains(&"morphine sulfate"),
        "{ms:?}"
    );
    let attack = sets.terminology("heart attack").unwrap();
    assert_eq!(
        attack.lay_names[0].index_path, "Infarct, myocardium",
        "{attack:?}"
    );
    assert!(attack.lay_names[0].code.starts_with("I21"), "{attack:?}");
    let chole = sets.terminology("cholecystectomy").unwrap();
    let parts: Vec<&str> = chole.word_parts[0].parts.iter().map(|p| p.part).collect();
    assert_eq!(parts.last(), Some(&"ectomy"), "{chole:?}");
    let nothing = sets.terminology("").unwrap();
    assert!(nothing.abbreviations.is_empty() && nothing.lay_names.is_empty());
}
