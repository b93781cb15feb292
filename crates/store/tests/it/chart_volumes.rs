//! Paper chart volumes: barcodes from the MRN, check-out, transfer and check-in with every
//! movement kept, refusals naming where the chart is, and the overdue list.

use super::fixtures::{actor, patient};
use test_support::{TestStore, backend_tests};
use time::macros::date;

fn volumes_move_and_every_movement_is_kept(store: &TestStore) {
    let id = store
        .write(|tx| {
            Ok(tx
                .create(&actor(), &patient("M00000012", "Paper", "Chart"))?
                .meta
                .id)
        })
        .unwrap();
    let first = store
        .write(|tx| tx.add_chart_volume(id, "Shelf A-3", "user:him"))
        .unwrap();
    let second = store
        .write(|tx| tx.add_chart_volume(id, "Shelf A-3", "user:him"))
        .unwrap();
    assert_eq!(
        (first.barcode.as_str(), second.barcode.as_str()),
        ("M00000012-V1", "M00000012-V2")
    );
    let out = store
        .write(|tx| {
            tx.check_out_chart(
                " m00000012-v1 ",
                "Dr. Osler",
                "Clinic 4",
                date!(2026 - 03 - 05),
                "user:him",
                Some("appointment"),
            )
        })
        .unwrap();
    assert_eq!(
        (out.holder.as_deref(), out.current_location.as_str()),
        (Some("Dr. Osler"), "Clinic 4")
    );
    let again = store
        .write(|tx| {
            tx.check_out_chart(
                "M00000012-V1",
                "Other",
                "X",
                date!(2026 - 03 - 05),
                "user:him",
                None,
            )
        })
        .unwrap_err();
    assert!(
        again
            .to_string()
            .contains("already checked out to Dr. Osler, due back 2026-03-05"),
        "{again}"
    );
    assert!(
        store
            .write(|tx| tx.check_in_chart("M00000012-V2", None, "user:him"))
            .unwrap_err()
            .to_string()
            .contains("not checked out; it is at Shelf A-3")
    );
    assert!(
        store
            .write(|tx| tx.check_in_chart("NOPE", None, "user:him"))
            .is_err()
    );
    assert!(
        store
            .read(|tx| tx.overdue_charts(date!(2026 - 03 - 05)))
            .unwrap()
            .is_empty()
    );
    let overdue = store
        .read(|tx| tx.overdue_charts(date!(2026 - 03 - 06)))
        .unwrap();
    assert_eq!(
        overdue.iter().map(|v| v.id).collect::<Vec<_>>(),
        vec![first.id]
    );
    store
        .write(|tx| {
            tx.transfer_chart(
                "M00000012-V1",
                "Coding",
                "HIM coding",
                date!(2026 - 03 - 09),
                "user:him",
                None,
            )
        })
        .unwrap();
    let back = store
        .write(|tx| tx.check_in_chart("M00000012-V1", None, "user:him"))
        .unwrap();
    assert_eq!(
        (back.holder, back.current_location.as_str(), back.due_back),
        (None, "Shelf A-3", None)
    );
    let moves = store.read(|tx| tx.chart_movements(first.id)).unwrap();
    let kinds: Vec<_> = moves
        .iter()
        .map(|m| {
            (
                m.kind.as_str(),
                m.from_location.as_deref(),
                m.to_location.as_str(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("created", None, "Shelf A-3"),
            ("checkout", Some("Shelf A-3"), "Clinic 4"),
            ("transfer", Some("Clinic 4"), "HIM coding"),
            ("checkin", Some("HIM coding"), "Shelf A-3"),
        ]
    );
    assert_eq!(moves[1].note.as_deref(), Some("appointment"));
    assert_eq!(store.read(|tx| tx.chart_volumes_of(id)).unwrap().len(), 2);
}

backend_tests!(volumes_move_and_every_movement_is_kept);
