//! HL7 v2: any bytes parse or are refused with an error; a message that parses writes
//! back as text that parses again with the same segments.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(message) = hl7::parse_bytes(data) else {
        return;
    };
    let written = hl7::write(&message);
    let again = hl7::parse(&written).expect("a message Chartroom wrote must parse again");
    assert_eq!(
        message.segments.len(),
        again.segments.len(),
        "writing a message changed its segment count"
    );
    // Answering it must not panic either (the listener does this for every message).
    let _ = hl7::build_ack(
        Some(&message),
        hl7::AckCode::Accept,
        &[],
        time::OffsetDateTime::UNIX_EPOCH,
        "fuzz",
    );
});
