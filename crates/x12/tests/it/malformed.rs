//! Damaged interchanges: each problem named with its segment number, id, element and loop;
//! the sound parts still read.

use x12::{Error, read};

const GOOD: &str = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *260302*1400*^*00501*000000007*0*T*:~\
GS*HC*SENDER*RECEIVER*20260302*1400*7*X*005010X222A1~\
ST*837*0001*005010X222A1~BHT*0019*00*1*20260302*1400*CH~NM1*41*2*CLINIC*****46*S1~HL*1**20*1~CLM*A1*100***11:B:1*Y*A*Y*Y~SE*6*0001~\
ST*837*0002*005010X222A1~BHT*0019*00*2*20260302*1400*CH~HL*1**20*1~CLM*A2*50***11:B:1*Y*A*Y*Y~SE*5*0002~\
GE*2*7~IEA*1*000000007~";

fn problems(text: &str) -> Vec<String> {
    read(text)
        .unwrap()
        .problems
        .iter()
        .map(Error::to_string)
        .collect()
}

#[test]
fn a_sound_interchange_has_no_problem() {
    let interchange = crate::read_clean(GOOD);
    assert_eq!(interchange.transactions().count(), 2);
}

#[test]
fn a_wrong_isa_length_names_the_element_that_is_off() {
    let short = GOOD.replacen("SENDER         *ZZ", "SENDER        *ZZ", 1);
    let error = read(&short).unwrap_err();
    assert_eq!(error.element.as_deref(), Some("ISA06"), "{error}");
    assert!(error.to_string().contains("segment 1"), "{error}");
    let error = read("ISA*00*  ~").unwrap_err();
    assert!(error.message.contains("it must be 106"), "{error}");
    assert!(
        read("GS*HC~")
            .unwrap_err()
            .message
            .contains("must start with ISA")
    );
    assert!(read("").is_err());
}

#[test]
fn mismatched_control_numbers_are_each_named() {
    let text = GOOD
        .replace("SE*5*0002", "SE*5*0009")
        .replace("GE*2*7", "GE*2*8")
        .replace("IEA*1*000000007", "IEA*1*000000070");
    assert_eq!(
        problems(&text),
        [
            "SE02, segment 13, loop trailer: SE02 0009 does not match ST02 0002",
            "GE02, segment 14: GE02 8 does not match GS06 7",
            "IEA02, segment 15: IEA02 000000070 does not match ISA13 000000007",
        ]
    );
}

#[test]
fn wrong_counts_are_named_with_what_was_found() {
    let text = GOOD
        .replace("SE*6*0001", "SE*9*0001")
        .replace("GE*2*7", "GE*3*7")
        .replace("IEA*1*", "IEA*2*");
    assert_eq!(
        problems(&text),
        [
            "SE01, segment 8, loop trailer: SE01 says 9 segments, the transaction set 0001 has 6 (ST to SE)",
            "GE01, segment 14: GE01 says 3 transaction sets, group 7 has 2",
            "IEA01, segment 15: IEA01 says 2 functional groups, the interchange has 1",
        ]
    );
    let interchange = read(&text).unwrap();
    let complete: Vec<bool> = interchange.transactions().map(|t| t.complete).collect();
    assert_eq!(complete, [false, true]);
}

#[test]
fn a_truncated_file_keeps_the_complete_transaction_sets() {
    let cut = &GOOD[..GOOD.find("CLM*A2").unwrap()];
    let interchange = read(cut).unwrap();
    let messages: Vec<String> = interchange.problems.iter().map(Error::to_string).collect();
    assert_eq!(
        messages,
        [
            "ST, segment 9: transaction set 0002 has no SE: the file ends first (truncated)",
            "GS, segment 2: functional group 7 has no GE: the file ends first (truncated)",
            "IEA: the interchange has no IEA: the file ends first (truncated)",
        ]
    );
    let complete: Vec<bool> = interchange.transactions().map(|t| t.complete).collect();
    assert_eq!(complete, [true, false]);
}

#[test]
fn a_bad_segment_is_reported_in_its_loop_and_the_rest_still_reads() {
    let text = GOOD
        .replace("CLM*A1*100", "clm*A1*100")
        .replace("HL*1**20*1~CLM*A2", "HL*1**20*1~REF*X~CLM*A2")
        .replace("SE*5*0002", "SE*6*0002");
    let interchange = read(&text).unwrap();
    let messages: Vec<String> = interchange.problems.iter().map(Error::to_string).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages[0].starts_with(
            "interchange, segment 7: \"clm*A1*100***11:B:1*\" does not start with a segment id"
        ),
        "{messages:?}"
    );
    assert!(messages[1].starts_with("SE01"), "{messages:?}");
    let second = interchange.transactions().nth(1).unwrap();
    assert!(second.complete);
    let error = second.error(4, 2, "claim amount missing");
    assert_eq!(
        error.to_string(),
        "CLM02, segment 13, loop 2300: claim amount missing"
    );
}

#[test]
fn segments_outside_envelopes_and_after_iea_are_reported() {
    let text = GOOD.replace("GE*2*7~", "GE*2*7~REF*X*1~").to_owned() + "ST*837*0003~";
    assert_eq!(
        problems(&text),
        [
            "REF, segment 15: segment outside a transaction set (not between ST and SE)",
            "ST, segment 17: segment after IEA, the end of the interchange",
        ]
    );
}

#[test]
fn delimiters_come_from_the_isa_and_line_breaks_are_not_data() {
    let text = GOOD
        .replace('*', "|")
        .replace('~', "!\r\n")
        .replace("|^|", "|{|")
        .replace("|:!", "|}!")
        .replace("11:B:1", "11}B}1");
    let interchange = crate::read_clean(&text);
    assert_eq!(interchange.delimiters.element, b'|');
    assert_eq!(interchange.delimiters.repetition, b'{');
    let clm = interchange.first_segment("CLM").unwrap().clone();
    assert_eq!(clm.component(5, 2), "B");
    assert_eq!(clm.position.offset, text.find("CLM").unwrap());
}

#[test]
fn not_utf8_is_refused_at_its_offset() {
    let mut bytes = GOOD.as_bytes().to_vec();
    let at = GOOD.find("CLINIC").unwrap();
    bytes[at] = 0xff;
    let error = x12::read_bytes(&bytes).unwrap_err();
    assert_eq!(error.position.unwrap().offset, at);
    assert_eq!(error.position.unwrap().segment, 5);
}

proptest::proptest! {
    #[test]
    fn reading_never_panics(cut in 0usize..GOOD.len(), junk in "[ -~]{0,20}") {
        let mut text = GOOD[..cut].to_owned();
        text.push_str(&junk);
        text.push_str(&GOOD[cut..]);
        let _ = read(&text);
        let _ = read(&GOOD[..cut]);
    }
}
