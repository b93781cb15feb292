//! The ICD-10-PCS builder: the examples, questions that offer only allowed values,
//! answers taken back, bad input, and accuracy on the development set
//! (`test_data/pcs-devset.tsv`, printed with `--nocapture`).

use super::{d, sets};
use codes::{PcsBuild, PcsBuildRequest, PcsHow};

fn build(statement: &str, answers: &[(&str, &str)]) -> PcsBuild {
    let req = PcsBuildRequest {
        statement: statement.into(),
        answers: answers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    };
    sets().build_pcs(&req, d("2026-01-15")).unwrap()
}

#[test]
fn laparoscopic_appendectomy_is_resection_of_the_appendix() {
    let b = build("laparoscopic appendectomy", &[]);
    assert_eq!(b.code.as_deref(), Some("0DTJ4ZZ"), "{b:#?}");
    let op = b.axes.iter().find(|a| a.position == 3).unwrap();
    assert_eq!(
        (op.label.as_str(), op.how),
        ("Resection", PcsHow::Statement)
    );
    // The explanation gives the definition and says why Excision lost.
    assert!(
        b.steps
            .iter()
            .any(|s| s.text.contains("all of a body part"))
    );
    assert!(b.steps.iter().any(|s| s.text.starts_with("Excision")));
}

#[test]
fn orif_of_the_femoral_shaft_is_reposition_with_internal_fixation() {
    let b = build(
        "open reduction internal fixation of right femoral shaft",
        &[],
    );
    assert_eq!(b.code.as_deref(), Some("0QS804Z"), "{b:#?}");
    assert_eq!(
        b.description.as_deref(),
        Some(
            "Medical and Surgical, Lower Bones, Reposition, Femoral Shaft, Right, Open, Internal Fixation Device, No Qualifier"
        )
    );
}

#[test]
fn an_unsaid_approach_is_asked_with_only_the_allowed_values() {
    let b = build("appendectomy", &[]);
    assert!(b.code.is_none());
    let q = b.question.as_ref().unwrap();
    assert_eq!(q.id, "approach");
    let offered: String = q.choices.iter().map(|c| c.value).collect();
    let mut sorted: Vec<char> = offered.chars().collect();
    sorted.sort_unstable();
    // Table 0DT allows these approaches for the appendix, and no other.
    assert_eq!(sorted.into_iter().collect::<String>(), "0478");
    assert!(q.choices.iter().all(|c| !c.definition.is_empty()));
    let b = build("appendectomy", &[("approach", "4")]);
    assert_eq!(b.code.as_deref(), Some("0DTJ4ZZ"));
    // An answer the rows do not allow is refused and asked again.
    let b = build("appendectomy", &[("approach", "X")]);
    assert_eq!(b.question.map(|q| q.id).as_deref(), Some("approach"));
}

#[test]
fn an_unsaid_side_is_a_body_part_question() {
    let b = build("open total nephrectomy", &[]);
    let q = b.question.unwrap();
    assert_eq!(q.id, "body-part");
    let suggested: Vec<&str> = q
        .choices
        .iter()
        .filter(|c| c.suggested)
        .map(|c| c.label.as_str())
        .collect();
    assert!(suggested.contains(&"Kidney, Right") && suggested.contains(&"Kidney, Left"));
}

#[test]
fn root_operation_questions_carry_their_definitions() {
    let b = build("", &[("section", "0"), ("body-system", "D")]);
    let q = b.question.unwrap();
    assert_eq!(q.id, "operation");
    let resection = q.choices.iter().find(|c| c.label == "Resection").unwrap();
    assert!(resection.definition.contains("all of a body part"));
}

#[test]
fn empty_long_and_foreign_statements_start_from_the_section() {
    for statement in [
        "",
        &"lorem ipsum ".repeat(9_000),
        "appendicectomie par cœlioscopie",
    ] {
        let b = build(statement, &[]);
        assert!(b.code.is_none());
        assert!(b.question.is_some());
    }
}

#[test]
fn accuracy_on_the_development_set() {
    let text = include_str!("../../test_data/pcs-devset.tsv");
    let mut n = 0;
    let mut exact = 0;
    let mut failures = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 4, "statement, code, answers, source: {line}");
        let answers: Vec<(&str, &str)> = if f[2] == "-" {
            Vec::new()
        } else {
            f[2].split(',')
                .map(|a| a.split_once('=').unwrap())
                .collect()
        };
        assert!(
            sets()
                .icd10pcs(d("2026-01-15"))
                .unwrap()
                .validate(f[1])
                .is_ok(),
            "{line}"
        );
        let b = build(f[0], &answers);
        n += 1;
        if b.code.as_deref() == Some(f[1]) {
            exact += 1;
        } else {
            failures.push(format!(
                "{}: expected {}, got {:?} (question {:?})",
                f[0],
                f[1],
                b.code,
                b.question.map(|q| q.id)
            ));
        }
    }
    let pct = 100.0 * exact as f64 / n as f64;
    println!("PCS builder: {exact}/{n} exact ({pct:.1}%)");
    for f in &failures {
        println!("  {f}");
    }
    assert!(pct >= 95.0, "{failures:#?}");
}
