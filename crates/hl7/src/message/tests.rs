//! Unit tests for the parser: delimiters from MSH, the tree, line ends, positions, and the
//! properties (arbitrary bytes never panic; `parse(write(m)) == m`).

use super::*;
use crate::write::write;
use proptest::prelude::*;

const ADT: &str = "MSH|^~\\&|EHR|NORTH|CHARTROOM|CR|20260302140000+0000||ADT^A01^ADT_A01|C1|P|2.5.1\r\
EVN|A01|20260302140000\r\
PID|1||MRN-1^^^NORTH^MR~X9^^^OTHER^PI||Ashdown^Mara^J^^Dr^^L||19800412|F|||1 Elm St^Apt 2^Salem^OR^97301^US^L\r\
PV1|1|I\r";

#[test]
fn reads_fields_components_repetitions() {
    let m = parse(ADT).unwrap();
    assert_eq!(m.segments.len(), 4);
    let msh = m.msh().unwrap();
    assert_eq!(msh.text(1, 1), "|");
    assert_eq!(msh.text(2, 1), "^~\\&");
    assert_eq!(msh.text(9, 2), "A01");
    assert_eq!(msh.text(10, 1), "C1");
    let pid = m.first("PID").unwrap();
    assert_eq!(pid.line, 3);
    assert_eq!(pid.text(3, 1), "MRN-1");
    assert_eq!(pid.value(3, 2, 4, 1), "OTHER");
    assert_eq!(pid.text(5, 2), "Mara");
    assert_eq!(pid.text(11, 5), "97301");
    assert_eq!(pid.text(40, 1), "");
    assert_eq!(pid.value(0, 0, 0, 0), "");
}

#[test]
fn honours_declared_delimiters_and_escapes() {
    let m = parse("MSH#!*$%#A#B\rNTE#1#x$F$y!z*w%v$E$\r").unwrap();
    assert_eq!(m.delimiters.field, '#');
    let nte = m.first("NTE").unwrap();
    assert_eq!(nte.value(2, 1, 1, 1), "x#y");
    assert_eq!(nte.value(2, 1, 2, 1), "z");
    assert_eq!(nte.value(2, 2, 1, 2), "v$");
}

#[test]
fn accepts_lf_and_crlf() {
    let lf = ADT.replace('\r', "\n");
    let crlf = ADT.replace('\r', "\r\n");
    assert_eq!(parse(&lf).unwrap(), parse(ADT).unwrap());
    assert_eq!(parse(&crlf).unwrap(), parse(ADT).unwrap());
}

#[test]
fn errors_name_their_position() {
    assert_eq!(parse("").unwrap_err(), crate::Error::Empty);
    let e = parse("PID|1\r").unwrap_err();
    assert_eq!(
        e.to_string(),
        "hl7v2: MSH, line 1: expected an MSH segment, found \"PID\""
    );
    let e = parse("MSH|^~\r").unwrap_err();
    assert_eq!(
        e.to_string(),
        "hl7v2: MSH-2, line 1: MSH-2 must hold 4 encoding characters, found 2"
    );
    let e = parse("MSH|^^\\&|A\r").unwrap_err();
    assert!(e.to_string().contains("declared twice"), "{e}");
    let e = parse("MSH|^~\\&|A\rPID|1\rbad line\r").unwrap_err();
    assert_eq!(
        e.to_string(),
        "hl7v2: bad line, line 3: segment id \"bad line\" is not three letters or digits"
    );
}

#[test]
fn latin1_bytes_are_read() {
    let m = parse_bytes(b"MSH|^~\\&|A\rPID|1||1||M\xfcller^Jo\r").unwrap();
    assert_eq!(m.first("PID").unwrap().text(5, 1), "Müller");
}

#[test]
fn write_then_parse_is_identity_for_the_sample() {
    let m = parse(ADT).unwrap();
    assert_eq!(write(&m), ADT);
}

fn leaf() -> impl Strategy<Value = String> {
    // Any text, delimiters and line breaks included; segments never start with blanks
    // here because a leaf is never at a line start.
    any::<String>()
}

fn field() -> impl Strategy<Value = Field> {
    prop::collection::vec(
        prop::collection::vec(prop::collection::vec(leaf(), 1..3), 1..3),
        1..3,
    )
}

fn message() -> impl Strategy<Value = Message> {
    let segment = (
        prop::sample::select(vec!["PID", "OBX", "ZZ1", "NTE"]),
        prop::collection::vec(field(), 0..5),
    );
    (
        prop::collection::vec(field(), 0..6),
        prop::collection::vec(segment, 0..4),
    )
        .prop_map(|(msh_rest, others)| {
            let d = Delimiters::default();
            let mut msh_fields = vec![
                vec![vec![vec!["|".to_owned()]]],
                vec![vec![vec![d.encoding_characters()]]],
            ];
            msh_fields.extend(msh_rest);
            let mut segments = vec![Segment {
                name: "MSH".into(),
                fields: msh_fields,
                line: 1,
            }];
            for (i, (name, fields)) in others.into_iter().enumerate() {
                segments.push(Segment {
                    name: name.into(),
                    fields,
                    line: i + 2,
                });
            }
            Message {
                delimiters: d,
                segments,
            }
        })
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_bytes(&bytes);
        let mut framed = b"MSH|^~\\&|".to_vec();
        framed.extend_from_slice(&bytes);
        let _ = parse_bytes(&framed);
    }

    #[test]
    fn parse_inverts_write(m in message()) {
        let text = write(&m);
        prop_assert_eq!(parse(&text).unwrap(), m);
    }
}
