//! Property tests: normalisation is the same with or without the dot, packing round-trips,
//! and no parser panics on arbitrary input (STYLE.md §6).

use std::path::Path;

use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn dot_does_not_matter(cat in "[A-Z][0-9][0-9A-Z]", rest in "[0-9A-Z]{0,4}") {
        let dotted = if rest.is_empty() { cat.clone() } else { format!("{cat}.{rest}") };
        let plain = format!("{cat}{rest}");
        prop_assert_eq!(codes::pack(&dotted), codes::pack(&plain));
        prop_assert_eq!(codes::pack(&dotted.to_lowercase()), codes::pack(&plain));
        prop_assert_eq!(codes::unpack(codes::pack(&plain).unwrap()), codes::normalize(&dotted));
    }

    #[test]
    fn parsers_never_panic(text in "(?s).{0,400}") {
        let p = Path::new("fuzz.txt");
        let _ = codes::cm::parse_order_file(p, &text);
        let _ = codes::cm::parse_code_list(p, &text);
        let _ = codes::cm::parse_tabular(p, &text);
        let _ = codes::pcs::parse_tables_xml(p, &text);
        let _ = codes::sources::parse_hcpcs(p, &text);
        let _ = codes::sources::parse_cvx(p, &text);
        let _ = codes::sources::parse_cpt(p, &text);
        let _ = codes::index::parse_index_csv(p, &text);
        let _ = codes::index::parse_index_xml(p, &text, codes::index::IndexKind::Drugs);
        let _ = codes::edits::parse_mce(p, &text);
    }

    #[test]
    fn fixed_width_lines_never_panic(line in "[ -~]{0,330}", ric in "[3478 ]") {
        let mut l = line.clone();
        if l.len() > 11 {
            l.replace_range(10..11, &ric);
        }
        let _ = codes::sources::parse_hcpcs(Path::new("h.txt"), &l);
        let _ = codes::cm::parse_order_file(Path::new("o.txt"), &l);
    }

    #[test]
    fn search_never_panics(q in "(?s).{0,40}") {
        let _ = super::sets().search(codes::System::Icd10Cm, &q, super::d("2026-01-15"), 10);
    }
}
