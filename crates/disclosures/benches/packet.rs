//! Packet speed: a 500-page release packet (cover sheet, items of every part of the
//! chart, watermark and page numbers) rendered and hashed. Prints the pages, bytes and
//! the time of each run. `cargo bench -p disclosures --bench packet`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // A bench fails by panicking.

use disclosures::{Cover, Item, Scope, render};
use records::{LegalBasis, PatientId, ReleaseCategory, RequesterKind, RoiRequest};
use std::collections::BTreeSet;
use std::time::Instant;
use time::macros::date;

fn main() {
    let request = RoiRequest::received(
        PatientId(1),
        (RequesterKind::Attorney, "Dana Counsel"),
        "injury claim",
        LegalBasis::CourtOrder,
        vec![ReleaseCategory::Encounters, ReleaseCategory::Notes],
        date!(2026 - 11 - 30),
    );
    // About 24,500 lines of notes: 500 pages of 50 lines with the headings.
    let items: Vec<Item> = (0..3_560)
        .map(|idx| Item {
            category: ReleaseCategory::Notes,
            kind: "note",
            id: idx,
            day: Some(date!(2025 - 01 - 01)),
            encounter_id: Some(idx),
            title: format!("Progress note {idx}"),
            lines: (0..6)
                .map(|line| format!("Line {line} of note {idx}: synthetic text about the visit, the plan and the follow-up."))
                .collect(),
            classes: BTreeSet::new(),
        })
        .collect();
    let scope = Scope {
        items,
        ..Scope::default()
    };
    let cover = Cover {
        number: "ROI-000001",
        facility: "Chartroom General",
        patient: "Testperson, Riley (MRN M00000001), born 1971-05-06",
        released_on: date!(2026 - 12 - 05),
        released_by: "hana",
        fee_cents: 0,
    };
    for run in 1..=5 {
        let started = Instant::now();
        let packet = render(&cover, &request, &scope);
        let elapsed = started.elapsed();
        println!(
            "run {run}: {} pages, {} bytes, sha256 {}..., {:.1} ms",
            packet.pages,
            packet.pdf.len(),
            &packet.sha256[..12],
            elapsed.as_secs_f64() * 1000.0
        );
    }
}
