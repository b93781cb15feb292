//! The master patient index's tables: candidate pairs, decisions, and merges that an
//! unmerge undoes exactly.

use crate::fixtures::{actor, full_chart, patient};
use privacy::{Action, AuditEvent, AuditKey, Channel};
use records::*;
use serde_json::json;
use std::collections::BTreeMap;
use store::{
    Actor, AuditFilter, AuditTrail, Dialect, FoundPair, PairDecision, Tx, Value, chart_tables,
};
use test_support::{TestStore, backend_tests};
use time::macros::datetime;

fn trail() -> (tempfile::TempDir, AuditTrail) {
    let dir = tempfile::tempdir().unwrap();
    let trail = AuditTrail::with_key(AuditKey::from_bytes(&[22; 32]).unwrap(), dir.path());
    (dir, trail)
}

fn by(store: &TestStore) -> AuditEvent {
    AuditEvent::new(store.clock().now(), "him", Action::Update, Channel::Cli)
}

fn him() -> Actor {
    Actor::new("user:him")
}

fn found(a: i64, b: i64, probability: f64) -> FoundPair {
    FoundPair {
        patient_a: a,
        patient_b: b,
        probability,
        weight: 7.5,
        class: "review".into(),
        contributions: json!([{ "field": "family_name", "level": "exact", "weight": 3.2 }]),
    }
}

/// The table's column names, in table order.
fn columns(tx: &mut Tx<'_>, table: &str) -> Vec<String> {
    let (sql, params) = match tx.dialect() {
        Dialect::Sqlite => (
            "SELECT name FROM pragma_table_info(?) ORDER BY cid".to_owned(),
            vec![Value::from(table)],
        ),
        Dialect::Postgres => (
            "SELECT column_name::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position".to_owned(),
            vec![Value::from(table)],
        ),
    };
    tx.query(&sql, &params)
        .unwrap()
        .iter()
        .map(|row| row.text(0).unwrap().to_owned())
        .collect()
}

/// Every table a chart lives in, as rows of text; a record table without its version
/// bookkeeping (`version`, `updated_at`, `updated_by`: a merge and an unmerge are two new
/// versions, never a rewind), history without the merge's and unmerge's own rows.
fn snapshot(store: &TestStore) -> BTreeMap<String, Vec<String>> {
    store
        .read(|tx| {
            let mut tables: Vec<&str> = chart_tables().iter().map(|(t, _)| *t).collect();
            tables.extend([
                "patients",
                "patient_groups",
                "patient_identifiers",
                "external_ids",
                "amendment_requests",
                "record_history",
                "mpi_candidates",
                "mpi_decisions",
                "chart_volumes",
                "chart_movements",
            ]);
            let mut out = BTreeMap::new();
            for table in tables {
                let kept: Vec<String> = columns(tx, table)
                    .into_iter()
                    .filter(|c| !matches!(c.as_str(), "version" | "updated_at" | "updated_by"))
                    .collect();
                let filter = if table == "record_history" {
                    "WHERE action NOT IN ('merge', 'unmerge')"
                } else {
                    ""
                };
                let rows = tx
                    .query(
                        &format!(
                            "SELECT {} FROM {table} {filter} ORDER BY 1, 2, 3",
                            kept.join(", ")
                        ),
                        &[],
                    )
                    .unwrap();
                let rows = rows
                    .iter()
                    .map(|row| {
                        kept.iter()
                            .zip(&row.0)
                            .map(|(c, v)| format!("{c}={v:?}"))
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .collect();
                out.insert(table.to_owned(), rows);
            }
            Ok(out)
        })
        .unwrap()
}

fn versions(store: &TestStore) -> BTreeMap<(String, i64), i64> {
    store
        .read(|tx| {
            let mut out = BTreeMap::new();
            for (table, _) in chart_tables() {
                for row in tx
                    .query(&format!("SELECT id, version FROM {table}"), &[])
                    .unwrap()
                {
                    out.insert((table.to_owned(), row.int(0)), row.int(1));
                }
            }
            Ok(out)
        })
        .unwrap()
}

fn deficiency(patient_id: PatientId, subject: &str) -> Deficiency {
    Deficiency {
        patient_id,
        encounter_id: None,
        rule_id: "demographics-incomplete".into(),
        subject: subject.into(),
        status: DeficiencyStatus::Open,
        severity: Severity::Low,
        responsible: Responsible::FrontDesk,
        provider_id: None,
        assignee: None,
        message: "phone missing".into(),
        since: datetime!(2026-03-01 09:00 UTC),
        due_at: datetime!(2026-03-08 09:00 UTC),
        closed_at: None,
        closed_reason: None,
    }
}

/// Two charts of one person: the first has a record of every kind (one soft-deleted),
/// an amendment request, an external key, a group membership, a chart-wide deficiency the
/// second chart also has; the second has its own.
fn two_charts(store: &TestStore, trail: &AuditTrail) -> (i64, i64) {
    let (retired, surviving) = store
        .write(|tx| {
            let chart = full_chart(tx)?;
            let retired = chart.patient.meta.id;
            let pid = PatientId(retired);
            tx.create(&actor(), &deficiency(pid, "patient"))?;
            tx.create(&actor(), &deficiency(pid, "encounter:1"))?;
            let allergy = tx.create(
                &actor(),
                &Allergy {
                    patient_id: pid,
                    code: None,
                    substance: "Latex".into(),
                    category: AllergyCategory::Environment,
                    criticality: None,
                    reaction: None,
                    status: ProblemStatus::Active,
                    onset_at: None,
                },
            )?;
            tx.delete::<Allergy>(&actor(), allergy.meta.id, 1, "entered on the wrong chart")?;
            tx.link_external_id("synthea", "patient", "syn-1", retired)?;
            let mut second = patient("MRN-1002", "Testperson", "Alma");
            second.phone = Some("555-0199".into());
            let surviving = tx.create(&actor(), &second)?.meta.id;
            tx.create(&actor(), &deficiency(PatientId(surviving), "patient"))?;
            let other = tx
                .create(&actor(), &patient("MRN-1003", "Other", "Olga"))?
                .meta
                .id;
            tx.create(
                &actor(),
                &PatientGroup {
                    name: "Diabetes panel".into(),
                    identifier_system: None,
                    identifier_value: None,
                    members: vec![PatientId(retired), PatientId(other)],
                },
            )?;
            tx.create(
                &actor(),
                &PatientGroup {
                    name: "Both charts".into(),
                    identifier_system: None,
                    identifier_value: None,
                    members: vec![PatientId(surviving), PatientId(other), PatientId(retired)],
                },
            )?;
            tx.save_candidate_pairs(&[found(surviving, retired, 0.97)])?;
            // Paper: one volume on the surviving chart, two on the retired one (the second
            // checked out), renumbered 2 and 3 by the merge.
            tx.add_chart_volume(surviving, "Shelf A-1", "hana")?;
            tx.add_chart_volume(retired, "Shelf B-2", "hana")?;
            let second = tx.add_chart_volume(retired, "Shelf B-2", "hana")?;
            let due = tx.now().date() + time::Duration::days(2);
            tx.check_out_chart(&second.barcode, "Dr. Osler", "Clinic 4", due, "hana", None)?;
            Ok((retired, surviving))
        })
        .unwrap();
    trail
        .write(store, |a| {
            a.request_amendment(PatientId(retired), "my phone is 555-0199", by(store))
        })
        .unwrap();
    (retired, surviving)
}

fn merge_then_unmerge_restores_every_record(store: &TestStore) {
    let (_dir, trail) = trail();
    let (retired, surviving) = two_charts(store, &trail);
    let before = snapshot(store);
    let versions_before = versions(store);
    store.clock.advance(time::Duration::hours(1));

    let merge = trail
        .write(store, |a| {
            a.merge_patients(
                surviving,
                retired,
                "same person: same SSN on both cards",
                &him(),
                by(store),
            )
        })
        .unwrap();
    assert_eq!(merge.status, "merged");
    let moved: BTreeMap<&str, i64> = merge.moved.iter().map(|(k, n)| (k.as_str(), *n)).collect();
    // Everything of the retired chart but the chart-wide deficiency both charts had.
    assert_eq!(moved["encounter"], 1);
    assert_eq!(moved["allergy"], 2, "the soft-deleted allergy moves too");
    assert_eq!(moved["posting"], 2);
    assert_eq!(moved["deficiency"], 1);
    assert_eq!(moved["amendment_request"], 1);
    assert_eq!(moved["external_id"], 1);
    assert_eq!(moved["group"], 2);
    assert_eq!(moved["candidate"], 1);
    assert_eq!(moved["chart_volume"], 2);

    store
        .read(|tx| {
            let gone = tx.get::<Patient>(retired)?;
            let deletion = gone.meta.deleted.expect("retired patient is soft-deleted");
            assert!(
                deletion
                    .reason
                    .contains(&format!("merged into patient {surviving}"))
            );
            assert_eq!(tx.surviving_patient(retired)?, Some(surviving));
            assert_eq!(tx.for_patient::<Encounter>(retired)?.len(), 0);
            assert_eq!(tx.for_patient::<Encounter>(surviving)?.len(), 1);
            assert_eq!(tx.for_patient::<Charge>(surviving)?.len(), 1);
            assert_eq!(
                tx.external_id("synthea", "patient", "syn-1")?,
                Some(surviving)
            );
            let groups = tx.select::<PatientGroup>("1 = 1", &[], "id", 10)?;
            assert!(
                groups
                    .iter()
                    .all(|g| !g.record.members.contains(&PatientId(retired)))
            );
            assert_eq!(groups[1].record.members.len(), 2, "listed once, not twice");
            let encounter = tx.for_patient::<Encounter>(surviving)?.remove(0);
            let history = tx.history("encounter", encounter.meta.id)?;
            let last = history.last().unwrap();
            assert_eq!(last.action, "merge");
            assert_eq!(last.changes[0].field, "patient_id");
            assert_eq!(last.changes[0].old, json!(retired));
            assert_eq!(last.changes[0].new, json!(surviving));
            assert_eq!(
                tx.candidate_pair_of(retired, surviving)?.unwrap().status,
                "merged"
            );
            Ok(())
        })
        .unwrap();
    assert_eq!(store.amendments(PatientId(surviving)).unwrap().len(), 1);
    store
        .read(|tx| {
            let labels: Vec<_> = tx
                .chart_volumes_of(surviving)?
                .iter()
                .map(|v| (v.volume, v.barcode.clone(), v.current_location.clone()))
                .collect();
            assert_eq!(
                labels,
                [
                    (1, "MRN-1002-V1".to_owned(), "Shelf A-1".to_owned()),
                    (2, "MRN-1002-V2".to_owned(), "Shelf B-2".to_owned()),
                    (3, "MRN-1002-V3".to_owned(), "Clinic 4".to_owned()),
                ],
                "numbered after the surviving chart's own, where they were"
            );
            assert!(tx.chart_volumes_of(retired)?.is_empty());
            let relabel: Vec<_> = tx
                .volumes_to_relabel()?
                .into_iter()
                .map(|r| (r.label, r.volume.barcode, r.merge_id))
                .collect();
            assert_eq!(
                relabel,
                [
                    ("MRN-1001-V1".to_owned(), "MRN-1002-V2".to_owned(), merge.id),
                    ("MRN-1001-V2".to_owned(), "MRN-1002-V3".to_owned(), merge.id),
                ],
                "both need the surviving chart's label"
            );
            let scanned = tx.chart_volume("mrn-1001-v2 ")?.unwrap();
            assert_eq!(
                scanned.barcode, "MRN-1002-V3",
                "the old label still finds it"
            );
            assert_eq!(scanned.holder.as_deref(), Some("Dr. Osler"));
            Ok(())
        })
        .unwrap();

    store.clock.advance(time::Duration::hours(1));
    let undone = trail
        .write(store, |a| {
            a.unmerge_patients(
                merge.id,
                "two people: the SSN was mistyped",
                &him(),
                by(store),
            )
        })
        .unwrap();
    assert_eq!(undone.status, "unmerged");
    assert!(
        store.read(|tx| tx.volumes_to_relabel()).unwrap().is_empty(),
        "no label was printed, so the old ones are right again"
    );
    assert_eq!(
        undone.unmerge_reason.as_deref(),
        Some("two people: the SSN was mistyped")
    );

    let after = snapshot(store);
    for (table, rows) in &before {
        assert_eq!(
            rows, &after[table],
            "table {table} differs after merge and unmerge"
        );
    }
    // Each moved record is two versions on: the merge's and the unmerge's.
    let versions_after = versions(store);
    for (key, version) in &versions_before {
        let (table, id) = key;
        let moved = store
            .read(|tx| {
                let subject = if table == "deficiencies" {
                    "subject"
                } else {
                    "''"
                };
                let row = tx.query(
                    &format!("SELECT patient_id, {subject} FROM {table} WHERE id = ?"),
                    &[Value::Int(*id)],
                )?;
                let row = &row[0];
                // The chart-wide deficiency both charts had stayed behind.
                Ok(row.int(0) == retired && row.text(1) != Some("patient"))
            })
            .unwrap();
        let expected = if moved { version + 2 } else { *version };
        assert_eq!(versions_after[key], expected, "{key:?}");
    }
    let entries = store
        .audit_entries(&AuditFilter {
            patient_id: Some(PatientId(retired)),
            ..Default::default()
        })
        .unwrap();
    let merges: Vec<_> = entries
        .iter()
        .filter(|e| e.event.record_kind.as_deref() == Some("mpi_merge"))
        .collect();
    assert_eq!(merges.len(), 2, "the merge and the unmerge are audited");
    assert!(
        merges
            .iter()
            .all(|e| e.event.all_patients().contains(&PatientId(surviving)))
    );
    assert!(trail.verify(store).unwrap().is_ok());
}

fn merges_refused_with_their_reasons(store: &TestStore) {
    let (_dir, trail) = trail();
    let (retired, surviving) = two_charts(store, &trail);
    let merge = |s: i64, r: i64, reason: &str| {
        trail
            .write(store, |a| a.merge_patients(s, r, reason, &him(), by(store)))
            .map_err(|e| e.to_string())
    };
    assert!(
        merge(surviving, retired, " ")
            .unwrap_err()
            .contains("reason")
    );
    assert_eq!(
        merge(surviving, surviving, "x").unwrap_err(),
        format!("patient {surviving} cannot be merged into itself")
    );
    let pair = store
        .read(|tx| tx.candidate_pair_of(surviving, retired))
        .unwrap()
        .unwrap();
    trail
        .write(store, |a| {
            a.decide_pair(pair.id, PairDecision::NotDuplicate, "twins", by(store))
        })
        .unwrap();
    assert!(
        merge(surviving, retired, "same")
            .unwrap_err()
            .contains("were decided to be different people")
    );
    trail
        .write(store, |a| {
            a.decide_pair(
                pair.id,
                PairDecision::Duplicate,
                "not twins after all",
                by(store),
            )
        })
        .unwrap();
    let first = merge(surviving, retired, "same person").unwrap();
    assert_eq!(
        merge(surviving, retired, "again").unwrap_err(),
        format!("patient {retired} was merged into patient {surviving} already")
    );
    // A later merge involving the surviving chart must be undone first.
    let third = store
        .write(|tx| {
            Ok(tx
                .create(&actor(), &patient("MRN-1004", "Testperson", "Alma"))?
                .meta
                .id)
        })
        .unwrap();
    let second = merge(third, surviving, "same person again").unwrap();
    let unmerge = |id: i64| {
        trail
            .write(store, |a| {
                a.unmerge_patients(id, "mistake", &him(), by(store))
            })
            .map_err(|e| e.to_string())
    };
    assert_eq!(
        unmerge(first.id).unwrap_err(),
        format!(
            "merge {} is later and involves these charts; unmerge it first",
            second.id
        )
    );
    store
        .read(|tx| {
            assert_eq!(tx.surviving_patient(retired)?, Some(third));
            Ok(())
        })
        .unwrap();
    unmerge(second.id).unwrap();
    unmerge(first.id).unwrap();
    assert_eq!(
        unmerge(first.id).unwrap_err(),
        format!("merge {} was undone already", first.id)
    );
    // Nothing of a refused merge was kept.
    let figures = store.patient_index_figures().unwrap();
    assert_eq!(figures.merges.len(), 2);
    assert!(figures.merges.iter().all(|(_, stands)| !stands));
}

fn decided_pairs_are_never_proposed_again(store: &TestStore) {
    let (_dir, trail) = trail();
    let ids = store
        .write(|tx| {
            let mut ids = Vec::new();
            for (mrn, given) in [("Q-1", "Ann"), ("Q-2", "Anne"), ("Q-3", "Anna")] {
                ids.push(tx.create(&actor(), &patient(mrn, "Queue", given))?.meta.id);
            }
            Ok(ids)
        })
        .unwrap();
    let (a, b, c) = (ids[0], ids[1], ids[2]);
    let saved = store
        .write(|tx| tx.save_candidate_pairs(&[found(b, a, 0.9), found(a, c, 0.6)]))
        .unwrap();
    assert_eq!(saved.added, 2);
    let queue = store.read(|tx| tx.candidate_pairs(&["open"], 10)).unwrap();
    assert_eq!(queue.len(), 2);
    assert_eq!(
        (queue[0].patient_a, queue[0].patient_b),
        (a, b),
        "lower id first"
    );
    let decision = trail
        .write(store, |x| {
            x.decide_pair(
                queue[0].id,
                PairDecision::NotDuplicate,
                "different SSNs",
                by(store),
            )
        })
        .unwrap();
    assert_eq!(decision.decision, "not_duplicate");
    trail
        .write(store, |x| {
            x.decide_pair(
                queue[1].id,
                PairDecision::NeedsInfo,
                "ask for ID at next visit",
                by(store),
            )
        })
        .unwrap();
    let again = store
        .write(|tx| tx.save_candidate_pairs(&[found(a, b, 0.95), found(a, c, 0.7)]))
        .unwrap();
    assert_eq!(
        (again.added, again.rescored, again.already_decided),
        (0, 1, 1)
    );
    let open = store
        .read(|tx| tx.candidate_pairs(&["open", "needs_info"], 10))
        .unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].probability, 0.7);
    assert_eq!(open[0].status, "needs_info");
    let blank = trail
        .write(store, |x| {
            x.decide_pair(open[0].id, PairDecision::Duplicate, "", by(store))
        })
        .unwrap_err();
    assert!(blank.to_string().contains("reason: is required"), "{blank}");
    let figures = store.patient_index_figures().unwrap();
    assert_eq!(figures.n_patients, 3);
    assert_eq!(figures.n_needs_info, 1);
    assert_eq!(figures.decisions.len(), 2);
}

fn every_chart_table_is_moved_or_left_on_purpose(store: &TestStore) {
    let with_patient: Vec<String> = store
        .read(|tx| {
            let sql = match tx.dialect() {
                Dialect::Sqlite => "SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' AND p.name = 'patient_id' ORDER BY m.name",
                Dialect::Postgres => "SELECT table_name::text FROM information_schema.columns WHERE table_schema = current_schema() AND column_name = 'patient_id' ORDER BY table_name",
            };
            Ok(tx
                .query(sql, &[])?
                .iter()
                .map(|row| row.text(0).unwrap().to_owned())
                .collect())
        })
        .unwrap();
    for table in with_patient {
        assert!(
            chart_tables().iter().any(|(t, _)| *t == table)
                || store::NOT_MOVED.contains(&table.as_str())
                // Moved by a step of their own: requests keep no versions, and volumes
                // are relabelled (`chart_relabel`).
                || matches!(table.as_str(), "amendment_requests" | "chart_volumes"),
            "{table} has a patient_id: add it to store::chart_tables (a merge moves it) or to NOT_MOVED with the reason"
        );
    }
}

fn a_retired_mrn_finds_the_surviving_chart_in_search(store: &TestStore) {
    let (_dir, trail) = trail();
    let (surviving, retired) = store
        .write(|tx| {
            let keep = tx.create(&actor(), &patient("MRN-2001", "Quillfeather", "Odile"))?;
            let gone = tx.create(&actor(), &patient("MRN-2002", "Quilfeather", "Odile"))?;
            Ok((keep.meta.id, gone.meta.id))
        })
        .unwrap();
    let search = |text: &str| {
        store
            .read(|tx| {
                tx.search_patients(&store::PatientQuery {
                    text: Some(text.into()),
                    birth_date: None,
                    limit: 10,
                })
            })
            .unwrap()
            .iter()
            .map(|p| p.meta.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(search("MRN-2002"), [retired]);
    trail
        .write(store, |a| {
            a.merge_patients(surviving, retired, "same person", &him(), by(store))
        })
        .unwrap();
    assert_eq!(
        search("MRN-2002"),
        [surviving],
        "the alias finds the survivor"
    );
    assert_eq!(search("MRN-2001"), [surviving]);
    assert!(search("MRN-2999").is_empty());
}

fn the_newest_trained_model_is_in_force(store: &TestStore) {
    assert_eq!(store.read(|tx| tx.latest_mpi_model()).unwrap(), None);
    let first = json!({ "match_share": 0.001, "fields": [] });
    let second = json!({ "match_share": 0.002, "fields": [[{ "m": 0.9, "u": 0.01 }]] });
    store
        .write(|tx| tx.save_mpi_model("cli:him", 10, 45, &first))
        .unwrap();
    store.clock.advance(time::Duration::minutes(5));
    let id = store
        .write(|tx| tx.save_mpi_model("cli:him", 12, 66, &second))
        .unwrap();
    let saved = store.read(|tx| tx.latest_mpi_model()).unwrap().unwrap();
    assert_eq!(saved.id, id);
    assert_eq!(saved.model, second);
    assert_eq!((saved.n_patients, saved.n_compared), (12, 66));
    assert_eq!(saved.trained_by, "cli:him");
    assert_eq!(saved.trained_at, store.clock().now());
}

backend_tests!(
    a_retired_mrn_finds_the_surviving_chart_in_search,
    the_newest_trained_model_is_in_force,
    merge_then_unmerge_restores_every_record,
    merges_refused_with_their_reasons,
    decided_pairs_are_never_proposed_again,
    every_chart_table_is_moved_or_left_on_purpose,
);
