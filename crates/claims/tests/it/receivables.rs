//! A/R aging by payer, days in A/R and the denials queue, from claims sent and decided.

use crate::lifecycle::{drafted, post_remittance_of, scrub, submit};
use claims::{AGING_BUCKETS, aging, denials};
use test_support::{TestStore, backend_tests};
use time::macros::date;

fn aging_follows_the_claim_until_the_payer_decides(store: &TestStore) {
    let (ids, claim) = drafted(store);
    scrub(store, claim.meta.id, date!(2026 - 02 - 20));
    submit(store, &[claim.meta.id]);
    let report = store.read(|tx| aging(tx, date!(2026 - 04 - 01))).unwrap();
    assert_eq!(report.payers.len(), 1);
    assert_eq!(report.payers[0].payer, "Example Health Plan");
    assert_eq!(AGING_BUCKETS[1], "31-60");
    assert_eq!(report.payers[0].cents, [0, 15_050, 0, 0, 0]);
    assert_eq!(report.total_cents(), 15_050);
    // Everything billed in the last 90 days is still owed: 90 days in A/R.
    assert_eq!(report.days_in_ar, Some(90.0));
    let later = store.read(|tx| aging(tx, date!(2026 - 07 - 01))).unwrap();
    assert_eq!(later.totals, [0, 0, 0, 0, 15_050]);
    assert_eq!(later.days_in_ar, None, "nothing billed in the last 90 days");

    post_remittance_of(store, ids.encounter, date!(2026 - 03 - 16));
    let settled = store.read(|tx| aging(tx, date!(2026 - 04 - 01))).unwrap();
    assert!(
        settled.payers.is_empty(),
        "a partly paid claim leaves insurance A/R"
    );
    let queue = store.read(denials).unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].reason, "CO-97");
    assert!(!queue[0].description.is_empty());
    assert_eq!(queue[0].claims[0].meta.id, claim.meta.id);
    assert_eq!(queue[0].cents, 15_050);
}

backend_tests!(aging_follows_the_claim_until_the_payer_decides);
