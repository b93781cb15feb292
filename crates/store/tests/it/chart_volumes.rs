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

/// The request queue: a clinic asks for a volume by a day; the pull list is in shelf
/// order; filling checks the volume out to the requester and links the movement; a filled
/// or cancelled request is closed for good; bad requests are refused by what is wrong.
fn requests_are_pulled_filled_and_cancelled(store: &TestStore) {
    let today = store.store.clock().now().date();
    let mut barcodes = Vec::new();
    for (mrn, family, home) in [
        ("M00000021", "Zed", "Shelf B-1"),
        ("M00000022", "Amos", "Shelf A-9"),
        ("M00000023", "Lane", "Shelf A-2"),
    ] {
        let id = store
            .write(|tx| Ok(tx.create(&actor(), &patient(mrn, family, "Pat"))?.meta.id))
            .unwrap();
        let volume = store
            .write(|tx| tx.add_chart_volume(id, home, "user:him"))
            .unwrap();
        barcodes.push(volume.barcode);
    }
    let tomorrow = today + time::Duration::days(1);
    let later = today + time::Duration::days(5);
    let ask = |barcode: &str, who: &str, day| {
        store.write(|tx| tx.request_chart(barcode, who, "Clinic 4", day, "appointment", "user:fd"))
    };
    let first = ask(&barcodes[0], "Dr. Osler", tomorrow).unwrap();
    let second = ask(&barcodes[1], "Dr. Osler", tomorrow).unwrap();
    let third = ask(&barcodes[2], "Dr. Osler", later).unwrap();
    assert_eq!(first.status, "open");
    let dup = ask(&barcodes[0], " dr. osler ", tomorrow).unwrap_err();
    assert!(
        dup.to_string().contains(&format!(
            "already requested by dr. osler for {tomorrow} (request {})",
            first.id
        )),
        "{dup}"
    );
    let past = ask(&barcodes[0], "Dr. Osler", today - time::Duration::days(1)).unwrap_err();
    assert!(past.to_string().contains("is in the past"), "{past}");
    let unknown = ask("M99999999-V1", "Dr. Osler", tomorrow).unwrap_err();
    assert!(
        unknown
            .to_string()
            .contains("no chart volume has the barcode \"M99999999-V1\"")
    );
    let blank = store
        .write(|tx| {
            tx.request_chart(
                &barcodes[0],
                "Dr. Osler",
                "Clinic 4",
                tomorrow,
                " ",
                "user:fd",
            )
        })
        .unwrap_err();
    assert!(
        blank
            .to_string()
            .contains("why the chart is needed is required")
    );

    // Tomorrow's pull list: shelf order, the later request not yet on it.
    let pull = store.read(|tx| tx.pull_list(tomorrow)).unwrap();
    assert_eq!(
        pull.iter()
            .map(|l| (
                l.volume.home_location.as_str(),
                l.name.as_str(),
                l.request.id
            ))
            .collect::<Vec<_>>(),
        vec![
            ("Shelf A-9", "Amos, Pat", second.id),
            ("Shelf B-1", "Zed, Pat", first.id)
        ]
    );
    assert_eq!(store.read(|tx| tx.pull_list(later)).unwrap().len(), 3);

    let due = tomorrow + time::Duration::days(7);
    let (filled, volume) = store
        .write(|tx| tx.fill_chart_request(first.id, due, "user:him"))
        .unwrap();
    assert_eq!(filled.status, "filled");
    assert_eq!(filled.closed_by.as_deref(), Some("user:him"));
    assert_eq!(
        (
            volume.holder.as_deref(),
            volume.current_location.as_str(),
            volume.due_back
        ),
        (Some("Dr. Osler"), "Clinic 4", Some(due))
    );
    let moves = store.read(|tx| tx.chart_movements(volume.id)).unwrap();
    let checkout = moves.last().unwrap();
    assert_eq!(filled.movement_id, Some(checkout.id));
    assert_eq!(
        checkout.note.as_deref(),
        Some(format!("request {}: appointment", first.id).as_str())
    );
    let again = store
        .write(|tx| tx.fill_chart_request(first.id, due, "user:him"))
        .unwrap_err();
    assert!(
        again
            .to_string()
            .contains(&format!("chart request {} is already filled", first.id)),
        "{again}"
    );

    // A request for a volume already out is refused by its holder, and nothing changes.
    let busy = ask(&barcodes[0], "Dr. Blackwell", later).unwrap();
    let refused = store
        .write(|tx| tx.fill_chart_request(busy.id, due, "user:him"))
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("already checked out to Dr. Osler"),
        "{refused}"
    );
    assert_eq!(
        store
            .read(|tx| tx.chart_request(busy.id))
            .unwrap()
            .unwrap()
            .status,
        "open"
    );

    let cancelled = store
        .write(|tx| tx.cancel_chart_request(second.id, "appointment moved", "user:him"))
        .unwrap();
    assert_eq!(
        (
            cancelled.status.as_str(),
            cancelled.cancel_reason.as_deref()
        ),
        ("cancelled", Some("appointment moved"))
    );
    assert!(
        store
            .write(|tx| tx.cancel_chart_request(second.id, "again", "user:him"))
            .unwrap_err()
            .to_string()
            .contains("already cancelled")
    );
    assert!(
        store
            .write(|tx| tx.cancel_chart_request(third.id, "  ", "user:him"))
            .is_err()
    );
    assert!(
        store
            .write(|tx| tx.cancel_chart_request(9999, "x", "user:him"))
            .is_err()
    );
    let open: Vec<i64> = store
        .read(|tx| tx.chart_requests(store::RequestFilter::Open, None))
        .unwrap()
        .iter()
        .map(|l| l.request.id)
        .collect();
    assert_eq!(open, vec![third.id, busy.id]);
    let all = store
        .read(|tx| tx.chart_requests(store::RequestFilter::All, None))
        .unwrap();
    assert_eq!(all.len(), 4);
    assert_eq!(
        store
            .read(|tx| tx.chart_requests_of(volume.id))
            .unwrap()
            .len(),
        2
    );
}

backend_tests!(
    volumes_move_and_every_movement_is_kept,
    requests_are_pulled_filled_and_cancelled
);
