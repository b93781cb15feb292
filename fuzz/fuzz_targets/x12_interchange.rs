//! X12: any bytes are read as an interchange or refused with a position; the 835 reader,
//! the 999/277CA reader and the payer-side 837 review run on whatever reads.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(interchange) = x12::read_bytes(data) else {
        return;
    };
    for transaction in interchange.transactions() {
        let _ = claims::read_835(transaction);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = claims::read_acknowledgments(text);
        let _ = claims::review_837(text);
    }
});
