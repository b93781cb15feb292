//! The writer: fixed-width ISA, counts and numbers that agree, refused delimiters; what it
//! writes reads back without a problem.

use time::macros::{date, time};
use x12::{ControlNumbers, Delimiters, GroupHeader, InterchangeHeader, InterchangeWriter, Usage};

fn header(control_number: u32) -> InterchangeHeader {
    InterchangeHeader {
        sender_qualifier: "ZZ".into(),
        sender_id: "CHARTROOM".into(),
        receiver_qualifier: "ZZ".into(),
        receiver_id: "PAYER01".into(),
        date: date!(2026 - 03 - 02),
        time: time!(14:05),
        control_number,
        ack_requested: false,
        usage: Usage::Test,
    }
}

fn group(control_number: u32) -> GroupHeader {
    GroupHeader {
        functional_id: "HC".into(),
        application_sender: "CHARTROOM".into(),
        application_receiver: "PAYER01".into(),
        control_number,
        version: "005010X222A1".into(),
    }
}

fn two_transactions(delimiters: Delimiters) -> String {
    let mut w = InterchangeWriter::new(&header(42), delimiters).unwrap();
    let mut numbers = ControlNumbers::new(17, 2);
    w.begin_group(&group(5)).unwrap();
    for claim in ["A1", "A2"] {
        w.begin_transaction("837", numbers.take().unwrap(), "005010X222A1")
            .unwrap();
        w.segment("BHT")
            .el("0019")
            .el("00")
            .el(claim)
            .el("20260302")
            .el("1405")
            .el("CH")
            .end()
            .unwrap();
        w.segment("CLM")
            .el(claim)
            .cents(12_550)
            .empty()
            .empty()
            .composite(&["11", "B", "1"])
            .end()
            .unwrap();
        w.segment("REF").el("F8").el("").empty().end().unwrap();
        w.end_transaction().unwrap();
    }
    assert!(numbers.take().is_err());
    w.end_group().unwrap();
    w.finish().unwrap()
}

#[test]
fn written_interchange_reads_back_with_counts_that_agree() {
    let text = two_transactions(Delimiters::default());
    assert!(text.starts_with(
        "ISA*00*          *00*          *ZZ*CHARTROOM      *ZZ*PAYER01        *260302*1405*^*00501*000000042*0*T*:~GS*HC*CHARTROOM*PAYER01*20260302*1405*5*X*005010X222A1~ST*837*0017*005010X222A1~"
    ), "{text}");
    assert_eq!(text.find("~GS").unwrap() + 1, 106);
    assert!(
        text.contains("~CLM*A1*125.5***11:B:1~REF*F8~SE*5*0017~"),
        "{text}"
    );
    assert!(
        text.ends_with("~SE*5*0018~GE*2*5~IEA*1*000000042~"),
        "{text}"
    );
    let interchange = crate::read_clean(&text);
    assert_eq!(interchange.transactions().count(), 2);
}

#[test]
fn configured_delimiters_are_written_and_read_back() {
    let delimiters = Delimiters {
        element: b'|',
        repetition: b'{',
        component: b'}',
        segment: b'\n',
    };
    let text = two_transactions(delimiters);
    assert!(text.contains("\nCLM|A1|125.5|||11}B}1\n"), "{text}");
    let interchange = crate::read_clean(&text);
    assert_eq!(interchange.delimiters, delimiters);
}

#[test]
fn data_holding_a_delimiter_is_refused_naming_the_element() {
    let mut w = InterchangeWriter::new(&header(1), Delimiters::default()).unwrap();
    w.begin_group(&group(1)).unwrap();
    w.begin_transaction("837", 1, "005010X222A1").unwrap();
    let error = w
        .segment("NM1")
        .el("IL")
        .el("1")
        .el("O*BRIEN")
        .end()
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "NM103: \"O*BRIEN\" holds the delimiter '*', which X12 cannot escape"
    );
    let error = w
        .segment("SV1")
        .composite(&["HC", "99213", "2:5"])
        .end()
        .unwrap_err();
    assert_eq!(error.element.as_deref(), Some("SV101-3"));
    // Refused segments are not written and not counted.
    w.end_transaction().unwrap();
    w.end_group().unwrap();
    let text = w.finish().unwrap();
    assert!(
        text.contains("ST*837*0001*005010X222A1~SE*2*0001~"),
        "{text}"
    );
}

#[test]
fn envelope_values_that_do_not_fit_are_refused() {
    let mut long = header(1);
    long.sender_id = "A SENDER ID LONGER THAN 15".into();
    assert_eq!(
        InterchangeWriter::new(&long, Delimiters::default())
            .unwrap_err()
            .element
            .as_deref(),
        Some("ISA06")
    );
    assert!(InterchangeWriter::new(&header(0), Delimiters::default()).is_err());
    assert!(InterchangeWriter::new(&header(1_000_000_000), Delimiters::default()).is_err());
    let same = Delimiters {
        element: b'*',
        repetition: b'*',
        component: b':',
        segment: b'~',
    };
    assert!(InterchangeWriter::new(&header(1), same).is_err());
    let mut w = InterchangeWriter::new(&header(1), Delimiters::default()).unwrap();
    assert!(
        w.segment("CLM").el("A").end().is_err(),
        "a segment outside ST/SE"
    );
    assert!(
        w.begin_transaction("837", 1, "005010X222A1").is_err(),
        "ST outside GS"
    );
    w.begin_group(&group(1)).unwrap();
    w.begin_transaction("837", 1, "005010X222A1").unwrap();
    assert!(w.end_group().is_err(), "GE with an open ST");
}

#[test]
fn delimiters_are_configured_as_four_characters_and_checked() {
    let d = x12::Delimiters::parse("|^>~").unwrap();
    assert_eq!(
        (d.element, d.repetition, d.component, d.segment),
        (b'|', b'^', b'>', b'~')
    );
    assert_eq!(x12::Delimiters::parse("*^:\\n").unwrap().segment, b'\n');
    for (text, why) in [
        ("*^:", "is not four delimiters"),
        ("*^:~~", "is not four delimiters"),
        ("*^*~", "is used twice"),
        ("*^A~", "letter, digit or space"),
        ("é:~", "ASCII"),
    ] {
        let refused = x12::Delimiters::parse(text).unwrap_err();
        assert!(refused.contains(why), "{text}: {refused}");
    }
}
