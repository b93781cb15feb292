//! Unit tests for the PCS builder's reading of statements.

use super::reading::{Axis, label_side, label_words, read};
use super::slug;

#[test]
fn question_ids_are_axis_titles_in_slug_form() {
    assert_eq!(slug("Body System"), "body-system");
    assert_eq!(slug("Qualifier"), "qualifier");
}

#[test]
fn labels_lose_sides_and_filler() {
    assert_eq!(label_words("Femoral Shaft, Right"), ["femoral", "shaft"]);
    assert_eq!(
        label_words("Products of Conception"),
        ["product", "conception"]
    );
    assert_eq!(label_side("Kidneys, Bilateral"), Some("bilateral"));
    assert_eq!(label_side("Appendix"), None);
}

#[test]
fn surgical_words_name_organ_and_operation() {
    let r = read("laparoscopic appendectomy");
    assert!(r.body_words.contains("appendix"));
    assert!(r.for_label(Axis::Operation, "Resection").is_some());
    assert!(
        r.for_label(Axis::Approach, "Percutaneous Endoscopic")
            .is_some()
    );
    let orif = read("ORIF right femur");
    assert!(orif.body_words.contains("femoral"));
    assert_eq!(orif.sides, ["right"]);
    assert!(
        orif.for_label(Axis::Device, "Internal Fixation Device")
            .is_some()
    );
}

#[test]
fn partial_outweighs_ectomy_for_excision() {
    let r = read("partial colectomy");
    let weight = |l| r.for_label(Axis::Operation, l).map_or(0, |e| e.weight);
    assert!(weight("Excision") > weight("Resection"));
}
