use super::*;
use std::path::PathBuf;
use time::macros::date;

fn fixture(name: &str) -> (PathBuf, String) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("test_data/ncci")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    (path, text)
}

fn loaded() -> Ncci {
    let mut ncci = Ncci::default();
    for name in ["ptp-practitioner.txt", "mue-practitioner.csv"] {
        let (path, text) = fixture(name);
        ncci.add(&path, &text).unwrap();
    }
    ncci
}

fn line<'a>(
    n: usize,
    code: &'a str,
    modifiers: &'a [String],
    units: u32,
    date: Date,
) -> NcciLine<'a> {
    NcciLine {
        line: n,
        code,
        modifiers,
        units,
        date,
    }
}

#[test]
fn the_publishers_layouts_are_read_past_their_notices_and_headers() {
    let ncci = loaded();
    assert_eq!(ncci.counts(), (5, 3));
    assert_eq!(ncci.files[0].kind, NcciKind::Ptp);
    assert_eq!(ncci.files[0].rows, 5);
    assert_eq!(ncci.files[1].kind, NcciKind::Mue);
    let edit = ncci.ptp("29881", "29880", date!(2026 - 03 - 02)).unwrap();
    assert_eq!(edit.modifier, ModifierIndicator::NotAllowed);
    assert_eq!(edit.rationale, "Mutually exclusive procedures");
    // Deleted 2023-01-01: in force the day before, not on it.
    assert!(ncci.ptp("99213", "36415", date!(2022 - 12 - 31)).is_some());
    assert!(ncci.ptp("99213", "36415", date!(2023 - 01 - 01)).is_none());
    // Not yet in force, and indicator 9 never.
    assert!(ncci.ptp("20610", "20611", date!(2014 - 12 - 31)).is_none());
    assert!(ncci.ptp("43239", "43235", date!(2026 - 01 - 01)).is_none());
    // The pair has an order.
    assert!(ncci.ptp("29880", "29881", date!(2026 - 03 - 02)).is_none());
    let mue = ncci.mue("20610").unwrap();
    assert_eq!((mue.units, mue.adjudication), (2, Adjudication::DayPolicy));
    assert_eq!(mue.rationale, "Anatomic Consideration");
}

#[test]
fn pairs_on_one_day_are_denied_unless_a_modifier_may_and_does_bypass_them() {
    let ncci = loaded();
    let day = date!(2026 - 03 - 02);
    let none: Vec<String> = Vec::new();
    let m59 = vec!["59".to_owned()];
    let xs = vec!["XS".to_owned()];
    let lt = vec!["LT".to_owned()];
    // Indicator 0: no modifier helps; the finding is on the column two line.
    let found = ncci.check(&[
        line(1, "29881", &none, 1, day),
        line(2, "29880", &m59, 1, day),
    ]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].rule, found[0].line), ("ncci-ptp", 2));
    assert!(
        found[0].message.contains("modifier indicator 0"),
        "{}",
        found[0].message
    );
    // Indicator 1: found without a modifier, bypassed by one on either line.
    let found = ncci.check(&[
        line(1, "97597", &none, 1, day),
        line(2, "11042", &none, 1, day),
    ]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].line, 1, "97597 is the column two code");
    assert!(found[0].message.contains("59, XE, XS, XP or XU"));
    assert!(
        ncci.check(&[
            line(1, "11042", &none, 1, day),
            line(2, "97597", &xs, 1, day)
        ])
        .is_empty()
    );
    assert!(
        ncci.check(&[
            line(1, "11042", &lt, 1, day),
            line(2, "97597", &none, 1, day)
        ])
        .is_empty()
    );
    // Another day is another encounter; an edit deleted before the day does not apply.
    assert!(
        ncci.check(&[
            line(1, "29881", &none, 1, day),
            line(2, "29880", &none, 1, date!(2026 - 03 - 03))
        ])
        .is_empty()
    );
    assert_eq!(
        ncci.check(&[
            line(1, "99213", &none, 1, date!(2022 - 05 - 01)),
            line(2, "36415", &none, 1, date!(2022 - 05 - 01))
        ])
        .len(),
        1
    );
    assert!(
        ncci.check(&[
            line(1, "99213", &none, 1, day),
            line(2, "36415", &none, 1, day)
        ])
        .is_empty()
    );
}

#[test]
fn units_over_the_mue_are_counted_per_line_or_per_day_as_the_indicator_says() {
    let ncci = loaded();
    let day = date!(2026 - 03 - 02);
    let none: Vec<String> = Vec::new();
    // MAI 2: the day's lines together.
    let found = ncci.check(&[
        line(1, "20610", &none, 2, day),
        line(2, "20610", &none, 1, day),
    ]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].rule, found[0].line), ("mue", 2));
    assert!(
        found[0].message.contains("3 units of 20610") && found[0].message.contains("MAI 2"),
        "{}",
        found[0].message
    );
    assert!(
        ncci.check(&[
            line(1, "20610", &none, 1, day),
            line(2, "20610", &none, 1, date!(2026 - 03 - 04))
        ])
        .is_empty()
    );
    // MAI 1: each line on its own.
    assert!(
        ncci.check(&[
            line(1, "97597", &none, 1, day),
            line(2, "97597", &none, 1, day)
        ])
        .is_empty()
    );
    let found = ncci.check(&[line(1, "97597", &none, 2, day)]);
    assert_eq!(found.len(), 1);
    assert!(found[0].message.contains("per line"));
    // MAI 3 says an appeal with records may pay more.
    let found = ncci.check(&[line(1, "36415", &none, 4, day)]);
    assert!(found[0].message.contains("MAI 3"), "{}", found[0].message);
    // A code without an MUE or a pair is nothing.
    assert!(ncci.check(&[line(1, "99214", &none, 9, day)]).is_empty());
}

#[test]
fn a_damaged_file_is_refused_naming_its_line() {
    let (path, text) = fixture("ptp-practitioner.txt");
    let bad_date = text.replace("20150101", "2015-01-01");
    let err = read_ptp(&path, &bad_date).unwrap_err().to_string();
    assert!(
        err.contains(":9:") && err.contains("effective date \"2015-01-01\""),
        "{err}"
    );
    let bad_indicator = text.replace("\t*\t0\tMutually", "\t*\t2\tMutually");
    let err = read_ptp(&path, &bad_indicator).unwrap_err().to_string();
    assert!(
        err.contains(":7:") && err.contains("modifier indicator \"2\""),
        "{err}"
    );
    let truncated = format!("{text}29881\t29880\t\n");
    let err = read_ptp(&path, &truncated).unwrap_err().to_string();
    assert!(err.contains(":12:") && err.contains("3 fields"), "{err}");
    let garbage_after = format!("{text}this is not a row\n");
    let err = read_ptp(&path, &garbage_after).unwrap_err().to_string();
    assert!(err.contains(":12:"), "{err}");
    let err = read_ptp(&path, "nothing here\n").unwrap_err().to_string();
    assert!(err.contains("no PTP rows"), "{err}");

    let (path, text) = fixture("mue-practitioner.csv");
    let bad_units = text.replace("\"20610\",\"2\"", "\"20610\",\"two\"");
    let err = read_mue(&path, &bad_units).unwrap_err().to_string();
    assert!(
        err.contains(":3:") && err.contains("MUE value \"two\""),
        "{err}"
    );
    let bad_mai = text.replace("1 Line Edit", "Line Edit");
    let err = read_mue(&path, &bad_mai).unwrap_err().to_string();
    assert!(
        err.contains(":4:") && err.contains("adjudication indicator"),
        "{err}"
    );
    let err = read_mue(&path, "\"HCPCS/CPT Code\",\"MUE Values\"\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("no MUE rows"), "{err}");
}

#[test]
fn nothing_in_a_file_panics_the_reader() {
    // Any bytes: an error or rows, never a panic.
    let path = PathBuf::from("fuzz.txt");
    for text in [
        "\t\t\t\t\t\n",
        "AAAAA\tBBBBB\t\t99999999\t*\t1\n",
        "AAAAA\tBBBBB\t\t20200230\t*\t1\n",
        "\u{feff}29881\t29880\t\t20100101\t*\t0\n",
        "\"HCPCS\"\n\"AAAAA\",\"4294967296\",\"1\"\n",
        "\"HCPCS\"\n\"AAAAA\",\"1\",\"\"\n",
    ] {
        let _ = read_ptp(&path, text);
        let _ = read_mue(&path, text);
    }
}
