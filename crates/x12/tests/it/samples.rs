//! Every public sample reads without a problem, with the loops the guides name.

use crate::samples_dir;
use x12::{TransactionKind, read};

fn each_sample(mut check: impl FnMut(&str, &str)) -> usize {
    let mut n = 0;
    for folder in ["badx12", "py835"] {
        let mut paths: Vec<_> = std::fs::read_dir(samples_dir().join(folder))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        for path in paths {
            let text = std::fs::read_to_string(&path).unwrap();
            check(&path.display().to_string(), &text);
            n += 1;
        }
    }
    n
}

#[test]
fn every_public_sample_reads_without_a_problem() {
    let n = each_sample(|name, text| {
        let interchange = read(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            interchange.problems.is_empty(),
            "{name}: {:?}",
            interchange.problems
        );
        assert!(interchange.transactions().count() >= 1, "{name}");
        assert!(interchange.transactions().all(|t| t.complete), "{name}");
    });
    assert_eq!(n, 28 + 31);
}

#[test]
fn the_ambulance_claim_has_its_837p_loops() {
    let text = std::fs::read_to_string(samples_dir().join("badx12/X222-ambulance.edi")).unwrap();
    let interchange = read(&text).unwrap();
    assert_eq!(interchange.control_number(), "000010216");
    let transaction = interchange.transactions().next().unwrap();
    assert_eq!(transaction.kind, TransactionKind::Professional);
    assert_eq!(transaction.control_number(), "000017712");
    let loop_of = |id: &str, first: &str| {
        let i = transaction
            .segments
            .iter()
            .position(|s| s.id == id && s.element(1) == first)
            .unwrap_or_else(|| panic!("no {id}*{first}"));
        transaction.loop_of(i).unwrap()
    };
    assert_eq!(loop_of("NM1", "41"), "1000A");
    assert_eq!(loop_of("NM1", "40"), "1000B");
    assert_eq!(loop_of("NM1", "85"), "2010AA");
    assert_eq!(loop_of("NM1", "IL"), "2010BA");
    assert_eq!(loop_of("NM1", "PR"), "2010BB");
    assert_eq!(loop_of("CLM", "051068"), "2300");
    assert_eq!(loop_of("LX", "1"), "2400");
    let clm = transaction.segments.iter().find(|s| s.id == "CLM").unwrap();
    assert_eq!(clm.cents(2).unwrap(), 76650);
    assert_eq!(clm.component(5, 1), "41");
    assert_eq!(clm.component(5, 3), "1");
    assert_eq!(clm.position.segment, 23);
}

#[test]
fn remittances_are_read_as_835_with_claim_and_service_loops() {
    let text =
        std::fs::read_to_string(samples_dir().join("py835/X221-multiple-claims-single-check.edi"))
            .unwrap();
    let interchange = read(&text).unwrap();
    let transaction = interchange.transactions().next().unwrap();
    assert_eq!(transaction.kind, TransactionKind::Remittance);
    let loops: Vec<_> = transaction
        .segments
        .iter()
        .zip(&transaction.loops)
        .filter(|(s, _)| matches!(s.id, "CLP" | "SVC" | "N1" | "LX"))
        .map(|(s, l)| (s.id, *l))
        .collect();
    assert!(
        loops.contains(&("N1", "1000A")) && loops.contains(&("N1", "1000B")),
        "{loops:?}"
    );
    assert!(
        loops
            .iter()
            .filter(|(id, l)| *id == "CLP" && *l == "2100")
            .count()
            >= 2,
        "{loops:?}"
    );
}
