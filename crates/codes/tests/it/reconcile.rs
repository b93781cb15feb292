//! Reconciliation against the CMS/CDC files themselves (skipped with a note when
//! `../shared/data` is absent, e.g. on a bare clone).

use std::collections::{BTreeSet, HashMap};
use std::io::Read;

use super::{d, sets, shared_data};

fn gz(p: &std::path::Path) -> String {
    let mut s = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(p).unwrap())
        .read_to_string(&mut s)
        .unwrap();
    s
}

/// The order file is ASCII; the tabular XML has accents (Sézary, Charcôt).
fn fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            'É' => 'E',
            c => c,
        })
        .collect()
}

#[test]
fn fy2026_matches_code_list_and_order_file() {
    let Some(shared) = shared_data() else {
        println!("note: ../shared/data not present; CMS reconciliation skipped");
        return;
    };
    let r = sets().icd10cm(d("2026-06-01")).unwrap();
    let list: BTreeSet<String> = gz(&shared.join("icd10cm/code-list-FY2026-April.txt.gz"))
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    let ours: BTreeSet<String> = r.nodes().iter().map(|n| n.code.clone()).collect();
    let missing: Vec<_> = list.difference(&ours).collect();
    let extra: Vec<_> = ours.difference(&list).collect();
    assert!(
        missing.is_empty(),
        "missing from our FY2026: {:?}",
        &missing[..missing.len().min(20)]
    );
    assert!(
        extra.is_empty(),
        "not in the CMS code list: {:?}",
        &extra[..extra.len().min(20)]
    );
    // Billable flag and title against the CMS order file.
    let order = gz(&shared.join("icd10cm/order/icd10cm_order_2026.txt.gz"));
    let mut checked = 0;
    let mut titles = HashMap::new();
    for line in order.lines() {
        let code = line[6..13].trim();
        let billable = &line[14..15] == "1";
        let title = line[77..].trim();
        let n = r
            .get(code)
            .unwrap_or_else(|| panic!("{code} from the order file is missing"));
        assert_eq!(n.billable, billable, "billable flag of {code}");
        if fold(&n.title) != fold(title) {
            titles.insert(code.to_string(), (n.title.clone(), title.to_string()));
        }
        checked += 1;
    }
    assert_eq!(checked, 98_186);
    assert!(
        titles.is_empty(),
        "titles differ: {:?}",
        titles.iter().take(10).collect::<Vec<_>>()
    );
}
