use super::*;

#[test]
fn shipped_settings_read() {
    let settings = Settings::embedded().unwrap();
    assert!(settings.thresholds.review < settings.thresholds.auto_link);
    assert_eq!(
        settings.blocking.rules.first(),
        Some(&BlockingRule::BirthDate)
    );
}

fn with(from: &str, to: &str) -> String {
    assert!(EMBEDDED.contains(from), "{from}");
    EMBEDDED.replacen(from, to, 1)
}

#[test]
fn bad_settings_are_named() {
    for (from, to, expected) in [
        (
            "review = 0.8",
            "review = 0.9995",
            "mpi.toml: thresholds.auto_link: 0.999 must lie between thresholds.review (0.9995) and 1",
        ),
        (
            "review = 0.8",
            "review = 1.5",
            "mpi.toml: thresholds.review: 1.5 is not a probability between 0 and 1",
        ),
        (
            "name_near = 0.80",
            "name_near = 0.95",
            "mpi.toml: bands.name_near: 0.95 must be below bands.name_close (0.92)",
        ),
        (
            "name_far = 0.70",
            "name_far = 0.85",
            "mpi.toml: bands.name_far: 0.85 must be below bands.name_near (0.8)",
        ),
        (
            "weight = -12.0",
            "weight = 3.0",
            "mpi.toml: twins.weight: 3 must be a negative weight",
        ),
    ] {
        let err = Settings::parse("mpi.toml", &with(from, to)).unwrap_err();
        assert_eq!(err.to_string(), expected);
    }
}

#[test]
fn settings_written_before_the_far_band_still_read() {
    let settings = Settings::parse("mpi.toml", &with("name_far = 0.70\n", "")).unwrap();
    assert_eq!(settings.bands.name_far, 0.70);
}

#[test]
fn unknown_rule_and_key_name_their_line() {
    let err = Settings::parse("mpi.toml", &with("\"phone\",", "\"fax\","))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("mpi.toml: TOML parse error at line "),
        "{err}"
    );
    assert!(err.contains("unknown variant `fax`"), "{err}");
    let err = Settings::parse("mpi.toml", &with("[twins]", "[twins]\ncolour = 1"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown field `colour`"), "{err}");
}
