//! The population query language: any text parses or is refused; a parsed query prints as
//! text that parses back to the same query.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(parsed) = query::parse(text) else {
        return;
    };
    let printed = parsed.to_string();
    let again = query::parse(&printed)
        .unwrap_or_else(|e| panic!("printed query {printed:?} does not parse: {e}"));
    assert_eq!(
        parsed, again,
        "print then parse changed the query {printed:?}"
    );
});
