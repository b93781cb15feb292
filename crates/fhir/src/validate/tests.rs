//! Golden validation cases: `test_data/validate/{ok,err}/<case>.json` next to
//! `<case>.expected`, one issue a line. `UPDATE_EXPECT=1 cargo test -p fhir` rewrites the
//! expectations; review the diff.

use super::*;
use std::path::Path;

fn render(issues: &[Issue]) -> String {
    issues
        .iter()
        .map(|issue| {
            format!(
                "{:?} {} {}: {}\n",
                issue.severity, issue.code, issue.expression, issue.message
            )
        })
        .collect()
}

fn run_dir(dir: &str, expect_errors: bool) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test_data/validate")
        .join(dir);
    let mut n_cases = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        n_cases += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        let issues = validate_resource(&text);
        let has_errors = issues.iter().any(|i| i.severity == IssueSeverity::Error);
        assert_eq!(
            has_errors,
            expect_errors,
            "{}: {}",
            path.display(),
            render(&issues)
        );
        let actual = render(&issues);
        let expected_path = path.with_extension("expected");
        if std::env::var_os("UPDATE_EXPECT").is_some() {
            std::fs::write(&expected_path, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_else(|_| {
            panic!(
                "{} is missing; run with UPDATE_EXPECT=1",
                expected_path.display()
            )
        });
        assert_eq!(actual, expected, "{}", path.display());
    }
    assert!(n_cases > 0);
}

#[test]
fn good_resources_have_no_errors() {
    run_dir("ok", false);
}

#[test]
fn bad_resources_report_every_issue() {
    run_dir("err", true);
}

#[test]
fn definitions_parse() {
    let defs = definitions::definitions().unwrap();
    for name in crate::capability::WRITABLE_TYPES {
        assert!(defs.types.contains_key(name), "{name}");
    }
    // Every element type is a primitive, a defined type, `Resource`, or one of the few
    // complex types deliberately left open.
    let open = [
        "Timing",
        "SampledData",
        "Signature",
        "ContactDetail",
        "Expression",
        "UsageContext",
        "ClaimPayee",
        "ClaimSupportingInfo",
        "ClaimAccident",
        "ClaimItemDetail",
        "ExplanationOfBenefitRelated",
        "ExplanationOfBenefitPayee",
        "ExplanationOfBenefitCareTeam",
        "ExplanationOfBenefitSupportingInfo",
        "ExplanationOfBenefitDiagnosis",
        "ExplanationOfBenefitProcedure",
        "ExplanationOfBenefitAccident",
        "ExplanationOfBenefitItemDetail",
        "ExplanationOfBenefitAddItem",
        "ExplanationOfBenefitProcessNote",
        "ExplanationOfBenefitBenefitBalance",
        "ChargeItemPerformer",
        "CapabilityStatementRestSecurity",
        "CapabilityStatementMessaging",
        "CapabilityStatementDocument",
    ];
    for (type_name, def) in &defs.types {
        for element in &def.elements {
            for ty in &element.types {
                let known = primitives::is_primitive(ty)
                    || defs.types.contains_key(ty)
                    || *ty == "Resource"
                    || open.contains(ty);
                assert!(known, "{type_name}.{}: {ty}", element.name);
            }
        }
    }
}

#[test]
fn outcome_lists_expressions() {
    let issues = validate_resource(r#"{"resourceType":"Patient","gender":"M"}"#);
    let outcome = operation_outcome(&issues);
    let json = serde_json::to_value(&outcome).unwrap();
    assert_eq!(json["issue"][0]["expression"][0], "Patient.gender");
    assert_eq!(json["issue"][0]["code"], "code-invalid");
    assert!(
        validate_value(&json).is_empty(),
        "{:?}",
        validate_value(&json)
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn json() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            "[a-zA-Z0-9 :+./-]{0,12}".prop_map(serde_json::Value::from),
        ];
        let keys = prop_oneof![
            Just("resourceType".to_owned()),
            Just("status".to_owned()),
            Just("code".to_owned()),
            Just("valueQuantity".to_owned()),
            Just("valueString".to_owned()),
            Just("entry".to_owned()),
            Just("resource".to_owned()),
            Just("_birthDate".to_owned()),
            Just("extension".to_owned()),
            "[a-zA-Z_]{1,8}",
        ];
        leaf.prop_recursive(6, 64, 8, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
                prop::collection::btree_map(keys.clone(), inner, 0..6)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn resource_type() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "Patient",
            "Observation",
            "Bundle",
            "Encounter",
            "Claim",
            "Nope",
        ])
    }

    proptest! {
        #[test]
        fn arbitrary_json_never_panics(value in json(), ty in resource_type()) {
            let _ = validate_value(&value);
            let mut value = value;
            if let Some(object) = value.as_object_mut() {
                object.insert("resourceType".into(), ty.into());
            }
            let _ = validate_value(&value);
        }

        #[test]
        fn arbitrary_text_never_panics(text in ".{0,200}") {
            let _ = validate_resource(&text);
        }
    }
}

#[test]
fn capability_statement_is_valid() {
    let json = serde_json::to_value(crate::capability_statement("2026-11-25", "0.1.0")).unwrap();
    assert!(
        validate_value(&json).is_empty(),
        "{:?}",
        validate_value(&json)
    );
    assert_eq!(json["fhirVersion"], "4.0.1");
}
