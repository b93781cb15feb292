use super::soundex;

fn code(name: &str) -> String {
    soundex(name)
        .map(|c| String::from_utf8_lossy(&c).into_owned())
        .unwrap_or_default()
}

#[test]
fn national_archives_examples() {
    // The examples the National Archives gives for its coding rules.
    for (name, expected) in [
        ("washington", "W252"),
        ("lee", "L000"),
        ("gutierrez", "G362"),
        ("pfister", "P236"),
        ("jackson", "J250"),
        ("tymczak", "T522"),
        ("ashcraft", "A261"),
        ("robert", "R163"),
        ("rupert", "R163"),
        ("rubin", "R150"),
    ] {
        assert_eq!(code(name), expected, "{name}");
    }
}

#[test]
fn no_letters_no_code() {
    assert_eq!(soundex(""), None);
    assert_eq!(soundex("-'"), None);
}
