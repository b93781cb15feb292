//! Remittances kept as they arrive: received, posted with the payments that matched no
//! claim kept for the work queue, reposted once the claim can be matched; billing's work
//! (denials, held claims, unposted and unmatched remittances) in one read. Both backends.

use crate::lifecycle::{drafted, scrub, submit};
use claims::{billing_work, post_received, read_remittances, receive_remittance};
use records::{Charge, Encounter, EncounterId, RemittanceStatus};
use store::{Actor, Value};
use test_support::{TestStore, backend_tests};
use time::macros::date;

/// An 835 paying claim `a` 100.00 and claim `b` 80.00 (claim-level adjustments only).
fn two_payments(a: &str, b: &str) -> String {
    let body = format!(
        "ST*835*0001~BPR*I*180*C*CHK************20260315~TRN*1*CHK3001*1512345678~\
N1*PR*EXAMPLE HEALTH PLAN~N1*PE*MAPLE FAMILY PRACTICE*XX*1234567893~LX*1~\
CLP*{a}*1*150.5*100*0*12*PCN801~CAS*CO*45*50.5~\
CLP*{b}*1*150.5*80*0*12*PCN802~CAS*CO*45*70.5~SE*11*0001~"
    );
    format!(
        "ISA*00*          *00*          *ZZ*PAYER01        *ZZ*CHARTROOM01    *260315*1200*^*00501*000000313*0*P*:~\
GS*HP*PAYER01*CHARTROOM01*20260315*1200*313*X*005010X221A1~{body}GE*1*313~IEA*1*000000313~"
    )
}

/// Posts `remittance` as received from `in/era-0315.835` on `on`.
fn post(
    store: &TestStore,
    remittance: &claims::Remittance,
    on: time::Date,
) -> (claims::PostReport, store::Stored<records::RemittanceAdvice>) {
    store
        .write(|tx| {
            post_received(
                tx,
                &Actor::new("test:biller"),
                remittance,
                "in/era-0315.835",
                on,
            )
            .map_err(|e| store::Error::Conflict(e.to_string()))
        })
        .unwrap()
}

fn remittances_are_kept_until_every_payment_is_matched(store: &TestStore) {
    let actor = Actor::new("test:biller");
    let (ids, claim) = drafted(store);
    scrub(store, claim.meta.id, date!(2026 - 02 - 20));
    submit(store, &[claim.meta.id]);
    // A second visit of the same encounter's shape, without charges yet: its payment
    // cannot be posted.
    let bare = store
        .write(|tx| {
            let visit = tx.get::<Encounter>(ids.encounter.0)?.record;
            tx.create(&actor, &visit)
        })
        .unwrap()
        .meta
        .id;
    let text = two_payments(&format!("E{}", ids.encounter.0), &format!("E{bare}"));
    let remittance = read_remittances(&text).unwrap().remove(0);

    let received = store
        .write(|tx| {
            receive_remittance(
                tx,
                &actor,
                &remittance,
                "in/era-0315.835",
                date!(2026 - 03 - 15),
            )
        })
        .unwrap();
    assert_eq!(received.record.status, RemittanceStatus::Received);
    assert_eq!(received.record.payment_cents, 18_000);
    assert_eq!(received.record.claim_payments, 2);
    let again = store
        .write(|tx| {
            receive_remittance(
                tx,
                &actor,
                &remittance,
                "elsewhere.835",
                date!(2026 - 03 - 16),
            )
        })
        .unwrap();
    assert_eq!(
        again.meta.id, received.meta.id,
        "one record per payer and trace"
    );
    assert_eq!(
        again.meta.version, received.meta.version,
        "receiving again changes nothing"
    );
    let work = store.read(|tx| billing_work(tx, 20)).unwrap();
    assert_eq!(work.unposted.len(), 1);
    assert_eq!(work.unposted[0].record.trace, "CHK3001");
    assert!(work.unmatched.is_empty());

    let (report, posted) = post(store, &remittance, date!(2026 - 03 - 17));
    assert_eq!(report.posted, 1);
    assert_eq!(posted.meta.id, received.meta.id);
    assert_eq!(posted.record.status, RemittanceStatus::Posted);
    assert_eq!(posted.record.posted_on, Some(date!(2026 - 03 - 17)));
    assert_eq!(
        posted.record.file_name, "in/era-0315.835",
        "kept as received"
    );
    assert_eq!(posted.record.unmatched_count, 1);
    let missed = &posted.record.unmatched[0];
    assert_eq!(missed.claim_id, format!("E{bare}"));
    assert_eq!(missed.paid_cents, 8_000);
    assert!(missed.reason.contains("no charges"), "{}", missed.reason);
    let work = store.read(|tx| billing_work(tx, 20)).unwrap();
    assert!(work.unposted.is_empty(), "posted: no longer waiting");
    assert_eq!(work.unmatched.len(), 1);
    assert!(work.held.is_empty() && work.denials.is_empty(), "{work:?}");

    // The visit's charge is entered; posting the same 835 again posts only that payment.
    store
        .write(|tx| {
            let mut charge = tx
                .select::<Charge>("encounter_id = ?", &[Value::Int(ids.encounter.0)], "id", 1)?
                .remove(0)
                .record;
            charge.encounter_id = Some(EncounterId(bare));
            tx.create(&actor, &charge)
        })
        .unwrap();
    let (report, cleared) = post(store, &remittance, date!(2026 - 03 - 18));
    assert_eq!((report.posted, report.already_posted), (1, 1));
    assert_eq!(report.paid_cents, 8_000);
    assert_eq!(cleared.record.unmatched_count, 0);
    assert!(cleared.record.unmatched.is_empty());
    let work = store.read(|tx| billing_work(tx, 20)).unwrap();
    assert!(work.is_empty(), "{work:?}");
}

fn an_unbalanced_remittance_records_nothing(store: &TestStore) {
    let actor = Actor::new("test:biller");
    let text = two_payments("E1", "E2").replace("BPR*I*180", "BPR*I*181");
    let remittance = read_remittances(&text).unwrap().remove(0);
    let refused = store.write(|tx| {
        post_received(tx, &actor, &remittance, "bad.835", date!(2026 - 03 - 15))
            .map_err(|e| store::Error::Conflict(e.to_string()))
    });
    assert!(refused.is_err());
    let work = store.read(|tx| billing_work(tx, 20)).unwrap();
    assert!(work.unposted.is_empty() && work.unmatched.is_empty());
}

backend_tests!(
    remittances_are_kept_until_every_payment_is_matched,
    an_unbalanced_remittance_records_nothing
);
