//! FHIR search parameters: any query string for any resource type is read into store
//! filters or refused with an error naming the parameter; never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(query) = std::str::from_utf8(rest) else {
        return;
    };
    server::fuzzing::fhir_search(usize::from(pick), query);
});
