//! Legal holds: placed with who, when and why; released once, and kept in the history.

use super::fixtures::{actor, patient};
use store::Error;
use test_support::{TestStore, backend_tests};

fn holds_are_placed_released_once_and_kept(store: &TestStore) {
    let (one, two) = store
        .write(|tx| {
            let one = tx.create(&actor(), &patient("MRN-1", "Hold", "One"))?;
            let two = tx.create(&actor(), &patient("MRN-2", "Hold", "Two"))?;
            Ok((one.meta.id, two.meta.id))
        })
        .unwrap();
    let placed = store
        .write(|tx| {
            tx.place_hold(&store::NewHold {
                matter: Some("Doe v. County Hospital"),
                covers_all: false,
                patients: &[two, one, two],
                reason: "litigation: preserve the charts",
                placed_by: "user:him",
            })
        })
        .unwrap();
    assert_eq!(placed.patients, vec![one, two]);
    assert!(placed.active() && placed.covers(one) && !placed.covers(two + 100));
    assert_eq!(placed.placed_at, test_support::test_epoch());
    let everything = store
        .write(|tx| {
            tx.place_hold(&store::NewHold {
                matter: Some("State audit 2026"),
                covers_all: true,
                patients: &[],
                reason: "audit in progress",
                placed_by: "user:privacy",
            })
        })
        .unwrap();
    assert!(everything.covers(two + 100));

    // Refusals name what is missing, and write nothing.
    let refused = |hold: store::NewHold<'_>| store.write(|tx| tx.place_hold(&hold)).unwrap_err();
    let base = store::NewHold {
        matter: None,
        covers_all: false,
        patients: &[one],
        reason: "why",
        placed_by: "user:him",
    };
    assert!(
        refused(store::NewHold {
            reason: "  ",
            ..base.clone()
        })
        .to_string()
        .contains("needs a reason")
    );
    assert!(
        refused(store::NewHold {
            patients: &[],
            ..base.clone()
        })
        .to_string()
        .contains("at least one patient")
    );
    assert!(
        refused(store::NewHold {
            patients: &[],
            covers_all: true,
            ..base.clone()
        })
        .to_string()
        .contains("matter")
    );
    assert!(matches!(
        refused(store::NewHold {
            patients: &[9_999],
            ..base.clone()
        }),
        Error::NotFound { .. }
    ));
    assert_eq!(store.read(|tx| tx.legal_holds(true)).unwrap().len(), 2);

    store.clock.advance(time::Duration::days(3));
    let released = store
        .write(|tx| tx.release_hold(placed.id, "user:counsel", "case settled"))
        .unwrap();
    let release = released.release.clone().unwrap();
    assert_eq!(release.by, "user:counsel");
    assert_eq!(release.reason, "case settled");
    assert_eq!(
        release.at,
        test_support::test_epoch() + time::Duration::days(3)
    );
    let again = store
        .write(|tx| tx.release_hold(placed.id, "user:other", "again"))
        .unwrap_err();
    assert!(
        again
            .to_string()
            .contains("already released by user:counsel"),
        "{again}"
    );
    assert!(
        store
            .write(|tx| tx.release_hold(placed.id, "user:x", ""))
            .is_err()
    );

    let active = store.read(|tx| tx.legal_holds(false)).unwrap();
    assert_eq!(
        active.iter().map(|h| h.id).collect::<Vec<_>>(),
        vec![everything.id]
    );
    let history = store.read(|tx| tx.legal_holds(true)).unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0], released);
    assert_eq!(history[0].patients, vec![one, two]);
}

backend_tests!(holds_are_placed_released_once_and_kept);
