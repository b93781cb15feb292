//! `chartroom surveillance`: the demo's planted GI cluster found from the terminal, the
//! queue read with small cells withheld, an alert worked (audited) by public health and
//! refused to billing, and a bad syndromes file refused naming its lines.

use crate::audit_trail::{fails, ok, run};
use serde_json::Value;

#[test]
fn public_health_finds_and_works_the_planted_outbreak() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&data, &["init"]);
    let demo: Value = serde_json::from_str(&ok(
        &data,
        &[
            "--json",
            "demo",
            "--patients",
            "150",
            "--seed",
            "3",
            "--outbreaks",
        ],
    ))
    .unwrap();
    let zip3 = demo["outbreaks"]["gi_zip3"].as_str().unwrap().to_owned();
    let first = demo["outbreaks"]["gi_days"][0]["day"]
        .as_str()
        .unwrap()
        .to_owned();
    for (name, role) in [("ph", "public-health"), ("bo", "billing")] {
        let added = run(
            &data,
            &["user", "add", name, "--role", role, "--password-stdin"],
            "Correct-Horse-42\n",
        );
        assert!(added.status.success(), "{added:?}");
    }

    // Nobody named like the login: the command says how to name a user.
    let nobody = fails(&data, &["surveillance", "alerts"], "");
    assert!(
        nobody.contains("no Chartroom user is named \"clerk\""),
        "{nobody}"
    );

    let detected: Value = serde_json::from_str(&ok(
        &data,
        &["--json", "surveillance", "detect", "--as", "ph"],
    ))
    .unwrap();
    assert!(detected["opened"].as_u64().unwrap() > 0, "{detected}");

    let queue: Value = serde_json::from_str(&ok(
        &data,
        &[
            "--json",
            "surveillance",
            "alerts",
            "--as",
            "ph",
            "--syndrome",
            "gi",
            "--place",
            &zip3,
        ],
    ))
    .unwrap();
    assert_eq!(queue["small_cells_suppressed"], true);
    let alerts = queue["alerts"].as_array().unwrap();
    let on_first = alerts
        .iter()
        .find(|a| a["day"] == first.as_str() && a["method"] == "c2" && a["level"] == "red")
        .unwrap_or_else(|| panic!("no red C2 alert on {first} in {zip3}: {queue}"));
    assert_eq!(on_first["observed"], Value::Null, "6 visits are withheld");
    let id = on_first["id"].as_i64().unwrap().to_string();

    let counts = ok(
        &data,
        &[
            "surveillance",
            "counts",
            "gi",
            "--place",
            &zip3,
            "--as",
            "ph",
        ],
    );
    assert!(counts.contains("counts under 11 shown as <11"), "{counts}");
    assert!(counts.contains(&first), "{counts}");

    // The other methods by name: the demo's months are far too short for Farrington's five
    // years of weeks, which detection says instead of alerting.
    let more: Value = serde_json::from_str(&ok(
        &data,
        &[
            "--json",
            "surveillance",
            "detect",
            "--as",
            "ph",
            "--method",
            "switch",
            "--method",
            "farrington",
        ],
    ))
    .unwrap();
    assert!(
        more["too_short"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t.as_str().unwrap().contains("farrington: the series has")),
        "{more}"
    );
    let unknown = fails(
        &data,
        &["surveillance", "detect", "--as", "ph", "--method", "holt"],
        "",
    );
    assert!(
        unknown.contains("\"holt\" is not one of c1, c2, c3, ewma, cusum, regression, switch, nbinom, serfling, farrington"),
        "{unknown}"
    );

    let refused = fails(
        &data,
        &[
            "surveillance",
            "work",
            &id,
            "investigated",
            "--note",
            "daycare norovirus",
            "--as",
            "bo",
        ],
        "",
    );
    assert!(
        refused.contains("needs the work-surveillance-alerts permission")
            && refused.contains("roles holding it: public-health"),
        "{refused}"
    );
    let worked = ok(
        &data,
        &[
            "surveillance",
            "work",
            &id,
            "investigated",
            "--note",
            "daycare norovirus",
            "--as",
            "ph",
        ],
    );
    assert!(worked.contains("marked investigated"), "{worked}");
    let listed: Value = serde_json::from_str(&ok(
        &data,
        &[
            "--json",
            "surveillance",
            "alerts",
            "--status",
            "investigated",
            "--as",
            "ph",
        ],
    ))
    .unwrap();
    assert_eq!(listed["alerts"][0]["note"], "daycare norovirus", "{listed}");
    assert_eq!(listed["alerts"][0]["worked_by"], "user:ph", "{listed}");

    let audit = ok(&data, &["--json", "audit", "list", "--limit", "50"]);
    assert!(
        audit.contains(&format!(
            "surveillance alert {id} (gi {zip3} {first} c2) marked investigated"
        )),
        "{audit}"
    );
    assert!(
        audit.contains("surveillance: working a surveillance alert needs the work-surveillance-alerts permission"),
        "{audit}"
    );
}

#[test]
fn a_bad_syndromes_file_is_refused_naming_its_lines() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&data, &["init"]);
    let file = dir.path().join("syndromes.toml");
    std::fs::write(
        &file,
        "[syndromes.gi]\ncodes = [\"A08.4\"]\n\n[syndromes.local]\nname = \"Local\"\ncodes = [\"Q99.99\", \"J1*0\"]\n",
    )
    .unwrap();
    let path = file.display().to_string();
    let refused = fails(&data, &["surveillance", "syndromes", "--file", &path], "");
    assert!(
        refused.contains(&format!(
            "{path}:6: syndromes.local.codes: \"Q99.99\" names no ICD-10-CM code"
        )),
        "{refused}"
    );
    assert!(
        refused.contains(&format!("{path}:6: syndromes.local.codes: \"J1*0\"")),
        "{refused}"
    );
    std::fs::write(
        &file,
        "[syndromes.local]\nname = \"Local\"\ncodes = [\"A08.4\"]\n",
    )
    .unwrap();
    let accepted = ok(&data, &["surveillance", "syndromes", "--file", &path]);
    assert!(
        accepted.contains("accepted") && accepted.contains("local"),
        "{accepted}"
    );
    let listed = ok(&data, &["surveillance", "syndromes"]);
    assert!(
        listed.contains("gi") && !listed.contains("local"),
        "{listed}"
    );
}
