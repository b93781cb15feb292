//! The `codes encode` wiring: arguments parsed, answers taken, bad input named.

use super::*;

fn storage(dir: &std::path::Path) -> StorageArgs {
    StorageArgs {
        data_dir: dir.to_path_buf(),
        database_url: None,
        durability: store::Durability::Full,
    }
}

fn encode(statement: &str, sex: Option<&str>, answers: &[&str]) -> Result<()> {
    let dir = tempfile::tempdir()?;
    run(
        CodesCmd::Encode {
            statement: vec![statement.to_string()],
            date: Some("2026-01-15".into()),
            patient: PatientArgs {
                sex: sex.map(str::to_string),
                age: Some(40),
            },
            answers: answers.iter().map(|a| a.to_string()).collect(),
        },
        true,
        &storage(dir.path()),
    )
}

#[test]
fn encode_takes_answers_and_patient() {
    encode("sprain of left ankle", Some("F"), &["S93.402=A"]).unwrap();
}

#[test]
fn encode_names_a_bad_answer_or_sex() {
    let e = encode("sprain of left ankle", None, &["S93.402"]).unwrap_err();
    assert!(e.to_string().contains("expected QUESTION=VALUE"), "{e}");
    let e = encode("sprain of left ankle", Some("X"), &[]).unwrap_err();
    assert!(e.to_string().contains("expected F or M"), "{e}");
}

#[test]
fn edits_run_on_the_listed_codes() {
    let dir = tempfile::tempdir().unwrap();
    run(
        CodesCmd::Edits {
            codes: vec!["E11.9".into(), "E10.9".into()],
            date: Some("2026-01-15".into()),
            patient: PatientArgs {
                sex: None,
                age: None,
            },
        },
        true,
        &storage(dir.path()),
    )
    .unwrap();
}

#[test]
fn build_pcs_takes_answers_and_refuses_bad_ones() {
    let dir = tempfile::tempdir().unwrap();
    let build = |answers: &[&str]| {
        run(
            CodesCmd::BuildPcs {
                statement: vec!["appendectomy".into()],
                date: Some("2026-01-15".into()),
                answers: answers.iter().map(|a| a.to_string()).collect(),
            },
            true,
            &storage(dir.path()),
        )
    };
    build(&["approach=4"]).unwrap();
    let e = build(&["approach"]).unwrap_err();
    assert!(e.to_string().contains("expected AXIS=VALUE"), "{e}");
}
