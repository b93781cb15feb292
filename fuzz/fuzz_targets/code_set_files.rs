//! Code-set release files (CMS order, tabular, index, PCS tables, HCPCS, CPT, CVX, MCE
//! edits): the first byte picks the reader; any text is read or refused with a line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let path = Path::new("fuzz-input");
    match pick % 10 {
        0 => drop(codes::sources::parse_hcpcs(path, text)),
        1 => drop(codes::sources::parse_cvx(path, text)),
        2 => drop(codes::sources::parse_cpt(path, text)),
        3 => drop(codes::edits::parse_mce(path, text)),
        4 => drop(codes::index::parse_index_csv(path, text)),
        5 => {
            let kind = codes::index::IndexKind::ALL[usize::from(pick / 10) % 4];
            drop(codes::index::parse_index_xml(path, text, kind));
        }
        6 => drop(codes::pcs::parse_tables_xml(path, text)),
        7 => drop(codes::cm::parse_tabular(path, text)),
        8 => drop(codes::cm::parse_order_file(path, text)),
        _ => drop(codes::cm::parse_code_list(path, text)),
    }
});
