//! The records desk on both stores: every look and change of a paper chart volume or request
//! is one audit entry in the transaction that made it; a refused change writes neither the
//! change nor an entry; a label names its volume.

use archive::paper::{LabelFormat, RecordsDesk};
use privacy::{Action, AuditEvent, Channel};
use store::{AuditFilter, AuditTrail, RequestFilter};
use test_support::{TestStore, backend_tests};

fn entries(store: &TestStore) -> Vec<(Action, Option<String>, String)> {
    store
        .audit_entries(&AuditFilter::default())
        .unwrap()
        .into_iter()
        .map(|e| {
            (
                e.event.action,
                e.event.record_kind.clone(),
                e.event.reason.clone().unwrap_or_default(),
            )
        })
        .collect()
}

fn every_desk_step_is_audited_in_its_transaction(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    let trail = AuditTrail::open_or_create(dir.path()).unwrap();
    let patient = store
        .write(|tx| {
            Ok(tx
                .create(
                    &store::Actor::new("test"),
                    &records::Patient::new(
                        records::Mrn::parse("M00000051").unwrap(),
                        "CHARTROOM",
                        "Label",
                        "Lena",
                        time::macros::date!(1970 - 01 - 01),
                        records::AdministrativeSex::Female,
                    ),
                )?
                .meta
                .id)
        })
        .unwrap();
    let event = |action| AuditEvent::new(store.clock().now(), "hana", action, Channel::Web);
    let desk = RecordsDesk {
        trail: &trail,
        store,
        by: "hana",
        event: &event,
    };
    let volume = desk.register(patient, "Shelf D-4").unwrap();
    let today = store.clock().now().date();
    let due = today + time::Duration::days(3);
    desk.check_out(&volume.barcode, "Dr. Osler", "Clinic 4", due, None)
        .unwrap();
    let before = entries(store).len();
    let refused = desk
        .check_out(&volume.barcode, "Other", "X", due, None)
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("already checked out to Dr. Osler")
    );
    assert_eq!(entries(store).len(), before, "a refusal writes no entry");
    desk.check_in(&volume.barcode, None).unwrap();
    let request = desk
        .request(
            &volume.barcode,
            "Clinic 7",
            "Clinic 7",
            today + time::Duration::days(1),
            "appointment",
        )
        .unwrap();
    let lines = desk
        .requests(RequestFilter::Open, Some(today + time::Duration::days(1)))
        .unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].name, "Label, Lena");
    let (filled, out) = desk.fill(request.id, due).unwrap();
    assert_eq!(
        (filled.status.as_str(), out.holder.as_deref()),
        ("filled", Some("Clinic 7"))
    );
    let second = desk
        .request(
            &volume.barcode,
            "Clinic 8",
            "Clinic 8",
            today + time::Duration::days(2),
            "review",
        )
        .unwrap();
    desk.cancel(second.id, "no longer needed").unwrap();
    let found = desk.find(&volume.barcode.to_lowercase()).unwrap().unwrap();
    assert_eq!(found.movements.len(), 4);
    assert_eq!(found.requests.len(), 2);
    assert!(desk.find("M00000051-V9").unwrap().is_none());
    let (_, svg) = desk.label(&volume.barcode, LabelFormat::Svg).unwrap();
    let svg = String::from_utf8(svg).unwrap();
    assert!(
        svg.contains("Label, Lena")
            && svg.contains("MRN M00000051   Volume 1")
            && svg.contains("Home: Shelf D-4")
    );
    assert!(desk.label("NOPE-V1", LabelFormat::Png).is_err());
    store.clock.advance(time::Duration::days(30));
    let overdue = desk.overdue(store.clock().now().date()).unwrap();
    assert_eq!(overdue.len(), 1);

    let all = entries(store);
    let kinds: Vec<(Action, Option<&str>)> =
        all.iter().map(|(a, k, _)| (*a, k.as_deref())).collect();
    use Action::*;
    assert_eq!(
        kinds,
        vec![
            (Create, Some("chart_volume")),
            (Update, Some("chart_volume")),
            (Update, Some("chart_volume")),
            (Create, Some("chart_request")),
            (Read, None),
            (Update, Some("chart_request")),
            (Update, Some("chart_volume")),
            (Create, Some("chart_request")),
            (Update, Some("chart_request")),
            (Read, None),
            (Print, Some("chart_volume")),
            (Read, None),
        ]
    );
    let reasons: Vec<String> = entries(store).into_iter().map(|(_, _, r)| r).collect();
    assert!(
        reasons[6].contains("checked out for request"),
        "{reasons:?}"
    );
    assert!(
        reasons[8].contains("cancelled: no longer needed"),
        "{reasons:?}"
    );
    let verified = trail.verify(store).unwrap();
    assert!(verified.is_ok(), "{verified:?}");
}

fn a_merge_relabels_the_retired_charts_volumes_and_an_unmerge_puts_them_back(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    let trail = AuditTrail::open_or_create(dir.path()).unwrap();
    let add = |mrn: &str, given: &str| {
        store
            .write(|tx| {
                Ok(tx
                    .create(
                        &store::Actor::new("test"),
                        &records::Patient::new(
                            records::Mrn::parse(mrn).unwrap(),
                            "CHARTROOM",
                            "Merge",
                            given,
                            time::macros::date!(1970 - 01 - 01),
                            records::AdministrativeSex::Female,
                        ),
                    )?
                    .meta
                    .id)
            })
            .unwrap()
    };
    let (surviving, retired) = (add("M00000061", "Mia"), add("M00000062", "Mya"));
    let event = |action| AuditEvent::new(store.clock().now(), "hana", action, Channel::Web);
    let desk = RecordsDesk {
        trail: &trail,
        store,
        by: "hana",
        event: &event,
    };
    for _ in 0..2 {
        let kept = desk.register(surviving, "Shelf A-1").unwrap();
        desk.label(&kept.barcode, LabelFormat::Png).unwrap();
    }
    let paper = desk.register(retired, "Shelf B-2").unwrap();
    desk.label(&paper.barcode, LabelFormat::Png).unwrap();
    assert!(desk.to_relabel().unwrap().is_empty(), "every label printed");
    let listed = |desk: &RecordsDesk<'_>| -> Vec<(String, String)> {
        desk.to_relabel()
            .unwrap()
            .into_iter()
            .map(|r| (r.label, r.view.volume.barcode))
            .collect()
    };
    let merge = trail
        .write(store, |a| {
            a.merge_patients(
                surviving,
                retired,
                "same person",
                &store::Actor::new("user:hana"),
                event(Action::Update),
            )
        })
        .unwrap();
    assert_eq!(
        listed(&desk),
        [("M00000062-V1".to_owned(), "M00000061-V3".to_owned())],
        "numbered after the surviving chart's two volumes"
    );
    let scanned = desk.find("M00000062-V1").unwrap().unwrap();
    assert_eq!(
        (scanned.volume.id, scanned.mrn.as_str()),
        (paper.id, "M00000061"),
        "the old label finds the volume on the surviving chart"
    );
    desk.label("M00000061-V3", LabelFormat::Svg).unwrap();
    assert!(listed(&desk).is_empty(), "the new label is on");
    assert!(
        desk.find("M00000062-V1").unwrap().is_none(),
        "the old label is off"
    );

    trail
        .write(store, |a| {
            a.unmerge_patients(
                merge.id,
                "two people",
                &store::Actor::new("user:hana"),
                event(Action::Update),
            )
        })
        .unwrap();
    let back = store
        .read(|tx| tx.chart_volume_by_id(paper.id))
        .unwrap()
        .unwrap();
    assert_eq!(back, paper, "put back exactly");
    assert_eq!(
        listed(&desk),
        [("M00000061-V3".to_owned(), "M00000062-V1".to_owned())],
        "the merged chart's label went on, so the old one is needed again"
    );
    desk.label(&paper.barcode, LabelFormat::Png).unwrap();
    assert!(listed(&desk).is_empty());
    let reads: Vec<String> = entries(store)
        .into_iter()
        .filter(|(_, _, r)| r.contains("labels to print"))
        .map(|(a, _, _)| format!("{a:?}"))
        .collect();
    assert_eq!(
        reads.len(),
        2,
        "each listing naming a patient is an audited read: {reads:?}"
    );
    assert!(trail.verify(store).unwrap().is_ok());
}

backend_tests!(
    every_desk_step_is_audited_in_its_transaction,
    a_merge_relabels_the_retired_charts_volumes_and_an_unmerge_puts_them_back
);
