//! Posting an 835 onto the office visit's charges: payments and write-offs by group, the
//! patient's share left on the balance, reposting changes nothing, unknown claims reported,
//! an unbalanced remittance posts nothing. Run on both backends.

use crate::build::office_visit;
use claims::{PostError, post_remittance, read_remittances};
use records::{Posting, Relationship};
use store::Actor;
use test_support::{TestStore, backend_tests};
use time::macros::date;

fn remittance_for(claim_id: &str, bpr: &str) -> String {
    let body = format!(
        "ST*835*0001~BPR*I*{bpr}*C*CHK************20260315~TRN*1*CHK1001*1512345678~\
N1*PR*EXAMPLE HEALTH PLAN~N1*PE*MAPLE FAMILY PRACTICE*XX*1234567893~LX*1~\
CLP*{claim_id}*1*150.5*100*20*12*PCN777~\
SVC*HC:99213:25*125.5*90**1~CAS*CO*45*20.5~CAS*PR*2*15~\
SVC*HC:87880*25*10**1~CAS*CO*45*10~CAS*PR*2*5~\
CLP*E999999*1*50*50**12*PCN778~CLP*ACME-1*4*10*0**12*PCN779~CAS*CO*29*10~SE*17*0001~"
    );
    format!(
        "ISA*00*          *00*          *ZZ*PAYER01        *ZZ*CHARTROOM01    *260315*1200*^*00501*000000311*0*P*:~\
GS*HP*PAYER01*CHARTROOM01*20260315*1200*311*X*005010X221A1~{body}GE*1*311~IEA*1*000000311~"
    )
}

fn balance(store: &TestStore, patient: i64) -> i64 {
    store
        .read(|tx| tx.account_balance(patient))
        .unwrap()
        .balance_cents
}

fn postings(store: &TestStore, patient: i64) -> Vec<(String, i64, Option<String>)> {
    store
        .read(|tx| tx.for_patient::<Posting>(patient))
        .unwrap()
        .into_iter()
        .map(|p| {
            (
                format!("{:?}", p.record.kind),
                p.record.amount_cents,
                p.record.reason_code,
            )
        })
        .collect()
}

fn an_835_posts_payments_and_write_offs_and_reposting_changes_nothing(store: &TestStore) {
    let ids = store
        .write(|tx| office_visit(tx, Relationship::SelfSubscriber))
        .unwrap();
    let patient = ids.patient.0;
    assert_eq!(balance(store, patient), 15_050);
    let claim_id = format!("E{}", ids.encounter.0);
    let text = remittance_for(&claim_id, "150");
    let remittances = read_remittances(&text).unwrap();
    let actor = Actor::new("test:biller");
    let post = || {
        store.write(|tx| {
            post_remittance(tx, &actor, &remittances[0], date!(2026 - 03 - 16)).map_err(|e| match e
            {
                PostError::Store(e) => e,
                other => panic!("{other}"),
            })
        })
    };
    let report = post().unwrap();
    assert_eq!((report.posted, report.already_posted), (1, 0));
    assert_eq!(
        (
            report.paid_cents,
            report.adjusted_cents,
            report.patient_responsibility_cents
        ),
        (10_000, 3_050, 2_000)
    );
    let unmatched: Vec<String> = report.unmatched.iter().map(ToString::to_string).collect();
    assert_eq!(unmatched.len(), 2, "{unmatched:?}");
    assert_eq!(
        unmatched[0],
        "CLP, segment 16 (claim E999999): encounter 999999 does not exist"
    );
    assert_eq!(
        unmatched[1],
        "CLP, segment 17 (claim ACME-1): is not a claim Chartroom sent (its claims are E and the encounter number)"
    );
    assert_eq!(
        postings(store, patient),
        [
            ("Payment".into(), 9_000, None),
            ("Adjustment".into(), 2_050, Some("CO-45".into())),
            ("Payment".into(), 1_000, None),
            ("Adjustment".into(), 1_000, Some("CO-45".into())),
        ]
    );
    assert_eq!(
        balance(store, patient),
        2_000,
        "the patient's share stays on the balance"
    );

    let again = post().unwrap();
    assert_eq!(
        (again.posted, again.already_posted, again.unmatched.len()),
        (0, 1, 2)
    );
    assert_eq!(postings(store, patient).len(), 4);
    assert_eq!(balance(store, patient), 2_000);
}

fn an_unbalanced_835_posts_nothing(store: &TestStore) {
    let ids = store
        .write(|tx| office_visit(tx, Relationship::SelfSubscriber))
        .unwrap();
    let text = remittance_for(&format!("E{}", ids.encounter.0), "151");
    let remittances = read_remittances(&text).unwrap();
    let actor = Actor::new("test:biller");
    let result = store.write(|tx| {
        Ok(post_remittance(
            tx,
            &actor,
            &remittances[0],
            date!(2026 - 03 - 16),
        ))
    });
    let error = result.unwrap().unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("the remittance does not balance, nothing was posted: BPR02 151 is not"),
        "{error}"
    );
    assert!(postings(store, ids.patient.0).is_empty());
}

backend_tests!(
    an_835_posts_payments_and_write_offs_and_reposting_changes_nothing,
    an_unbalanced_835_posts_nothing
);

#[test]
fn every_public_835_posts_without_error_its_unknown_claims_reported() {
    let store = test_support::sqlite_store();
    let actor = Actor::new("test:biller");
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/x12/samples/py835");
    for entry in std::fs::read_dir(root).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for remittance in read_remittances(&text).unwrap() {
            let report = store
                .write(|tx| {
                    Ok(post_remittance(
                        tx,
                        &actor,
                        &remittance,
                        date!(2026 - 03 - 16),
                    ))
                })
                .unwrap()
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(report.posted, 0);
            assert_eq!(report.unmatched.len(), remittance.claims.len());
        }
    }
}
