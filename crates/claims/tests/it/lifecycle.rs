//! Claims as records through their lifecycle: drafted, scrubbed (with the edits and
//! overrides), submitted in an 837P, paid by an 835, replaced (frequency 7, REF*F8) and
//! voided; steps the lifecycle does not have are refused. Run on both backends.

use crate::build::office_visit;
use crate::{keep_for_validator, submitter};
use claims::{
    ScrubSettings, Scrubber, draft_claim, draft_replacement, post_remittance, read_remittances,
    scrub_claim, submit_claims, work_queue,
};
use records::*;
use store::{Actor, Stored};
use test_support::{TestStore, backend_tests};
use time::macros::{date, datetime};

fn actor() -> Actor {
    Actor::new("test:biller")
}

fn code_sets() -> &'static codes::CodeSets {
    static SETS: std::sync::OnceLock<codes::CodeSets> = std::sync::OnceLock::new();
    SETS.get_or_init(|| codes::CodeSets::embedded().unwrap())
}

pub fn scrub(store: &TestStore, id: i64, today: time::Date) -> Stored<Claim> {
    let settings = ScrubSettings::default();
    let scrubber = Scrubber {
        codes: code_sets(),
        settings: &settings,
        today,
    };
    store
        .write(|tx| scrub_claim(tx, &actor(), &scrubber, id))
        .unwrap()
}

/// Drafts the primary professional claim of `encounter`.
fn draft(
    tx: &mut store::Tx<'_>,
    encounter: EncounterId,
) -> store::Result<Result<Stored<Claim>, Vec<claims::BuildProblem>>> {
    draft_claim(
        tx,
        &actor(),
        encounter,
        CoverageOrder::Primary,
        ClaimKind::Professional,
    )
}

/// The office visit and its claim, drafted.
pub fn drafted(store: &TestStore) -> (crate::build::Ids, Stored<Claim>) {
    let ids = store
        .write(|tx| office_visit(tx, Relationship::SelfSubscriber))
        .unwrap();
    let drafted = store.write(|tx| draft(tx, ids.encounter)).unwrap().unwrap();
    (ids, drafted)
}

fn keys(claim: &Claim) -> Vec<String> {
    claim.edits.iter().map(ClaimEdit::key).collect()
}

pub fn submit(store: &TestStore, ids: &[i64]) -> claims::Submission {
    let ids: Vec<ClaimId> = ids.iter().map(|id| ClaimId(*id)).collect();
    store
        .write(|tx| {
            submit_claims(
                tx,
                &actor(),
                &ids,
                &submitter(),
                datetime!(2026-02-20 10:00),
                x12::Delimiters::default(),
            )
        })
        .unwrap()
}

/// The one 837P file of a submission.
fn only_file(submission: &claims::Submission) -> (String, claims::Numbers) {
    assert_eq!(submission.files.len(), 1);
    let file = &submission.files[0];
    assert_eq!(file.kind, ClaimKind::Professional);
    (file.text.clone(), file.numbers)
}

pub fn remittance(claim_id: &str) -> String {
    let body = format!(
        "ST*835*0001~BPR*I*100*C*CHK************20260315~TRN*1*CHK2001*1512345678~\
N1*PR*EXAMPLE HEALTH PLAN~N1*PE*MAPLE FAMILY PRACTICE*XX*1234567893~LX*1~\
CLP*{claim_id}*1*150.5*100*20*12*PCN777~\
SVC*HC:99213:25*125.5*100**1~CAS*CO*45*10.5~CAS*PR*2*15~\
SVC*HC:87880*25*0**1~CAS*CO*97*20~CAS*PR*2*5~SE*14*0001~"
    );
    format!(
        "ISA*00*          *00*          *ZZ*PAYER01        *ZZ*CHARTROOM01    *260315*1200*^*00501*000000312*0*P*:~\
GS*HP*PAYER01*CHARTROOM01*20260315*1200*312*X*005010X221A1~{body}GE*1*312~IEA*1*000000312~"
    )
}

/// Posts `remittance` for the claim of `encounter` on `on`: paid $100.00, CO-45 $10.50 and
/// CO-97 $20.00 written off, PR-2 $15.00 and $5.00 left to the patient.
pub fn post_remittance_of(store: &TestStore, encounter: EncounterId, on: time::Date) {
    let remittances = read_remittances(&remittance(&format!("E{}", encounter.0))).unwrap();
    store
        .write(|tx| {
            post_remittance(tx, &actor(), &remittances[0], on)
                .map_err(|e| store::Error::Conflict(e.to_string()))
        })
        .unwrap();
}

fn a_claim_goes_from_draft_to_paid_and_is_replaced_then_voided(store: &TestStore) {
    let (ids, drafted) = drafted(store);
    let id = drafted.meta.id;
    assert_eq!(drafted.record.status, ClaimStatus::Draft);
    assert_eq!(
        drafted.record.control_number,
        format!("E{}", ids.encounter.0)
    );
    assert_eq!(drafted.record.total_cents, 15_050);
    assert_eq!(drafted.record.service_date, date!(2026 - 02 - 10));
    let again = store.write(|tx| draft(tx, ids.encounter)).unwrap().unwrap();
    assert_eq!(again.meta.id, id, "one live claim per encounter and payer");

    // Not scrubbed yet: held.
    let held = submit(store, &[id]);
    assert!(held.files.is_empty());
    assert_eq!(
        held.held,
        [(
            ClaimId(id),
            "is draft; only a scrubbed claim is sent".to_owned()
        )]
    );

    let scrubbed = scrub(store, id, date!(2026 - 02 - 20));
    assert_eq!(
        scrubbed.record.open_edits().count(),
        0,
        "{:?}",
        keys(&scrubbed.record)
    );
    assert_eq!(scrubbed.record.status, ClaimStatus::Scrubbed);

    let sent = submit(store, &[id]);
    let (text, numbers) = only_file(&sent);
    assert!(text.contains(&format!("CLM*E{}*150.5***11:B:1*", ids.encounter.0)));
    assert_eq!(sent.sent[0].record.status, ClaimStatus::Submitted);
    assert_eq!(
        sent.sent[0].record.interchange,
        Some(i64::from(numbers.interchange))
    );
    keep_for_validator("claims-lifecycle-original.x12", &text);

    let remittances = read_remittances(&remittance(&format!("E{}", ids.encounter.0))).unwrap();
    let report = store
        .write(|tx| {
            post_remittance(tx, &actor(), &remittances[0], date!(2026 - 03 - 16)).map_err(|e| {
                match e {
                    claims::PostError::Store(e) => e,
                    other => panic!("{other}"),
                }
            })
        })
        .unwrap();
    assert_eq!(report.adjudicated, [(id, ClaimStatus::PartiallyPaid)]);
    let paid = store.read(|tx| tx.get::<Claim>(id)).unwrap().record;
    assert_eq!(paid.payer_claim_number.as_deref(), Some("PCN777"));
    assert_eq!(
        (paid.paid_cents, paid.patient_responsibility_cents),
        (10_000, 2_000)
    );
    assert_eq!(paid.adjustment_codes, ["PR-2", "CO-97", "CO-45"]);
    let reason = paid.status_reason.unwrap();
    assert!(reason.starts_with("CO-97: "), "{reason}");

    // The chart is corrected; a replacement goes out naming the payer's claim number.
    let replacement = store
        .write(|tx| draft_replacement(tx, &actor(), ClaimId(id), ClaimFrequency::Replacement))
        .unwrap();
    assert_eq!(replacement.record.frequency, ClaimFrequency::Replacement);
    assert_eq!(replacement.record.replaces_claim_id, Some(ClaimId(id)));
    scrub(store, replacement.meta.id, date!(2026 - 03 - 20));
    let resent = submit(store, &[replacement.meta.id]);
    let (text, resent_numbers) = only_file(&resent);
    assert!(text.contains(":B:7*"), "CLM05-3 is 7: {text}");
    assert!(text.contains("~REF*F8*PCN777~"), "{text}");
    keep_for_validator("claims-lifecycle-replacement.x12", &text);
    assert_ne!(resent_numbers.interchange, numbers.interchange);
    let original = store.read(|tx| tx.get::<Claim>(id)).unwrap();
    assert_eq!(original.record.status, ClaimStatus::Corrected);

    // A corrected claim is not replaced twice; the replacement can be voided once the
    // payer has given it a number.
    let refused = store
        .write(|tx| draft_replacement(tx, &actor(), ClaimId(id), ClaimFrequency::Void))
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("only a claim the payer has can be replaced or voided"),
        "{refused}"
    );
    let void = store
        .write(|tx| {
            draft_replacement(
                tx,
                &actor(),
                ClaimId(replacement.meta.id),
                ClaimFrequency::Void,
            )
        })
        .unwrap();
    scrub(store, void.meta.id, date!(2026 - 03 - 21));
    let voided = submit(store, &[void.meta.id]);
    assert!(only_file(&voided).0.contains(":B:8*"));
    let history = store
        .read(|tx| tx.get::<Claim>(replacement.meta.id))
        .unwrap();
    assert_eq!(history.record.status, ClaimStatus::Voided);
}

fn steps_the_lifecycle_does_not_have_are_refused(store: &TestStore) {
    let (_, drafted) = drafted(store);
    let paid = Claim {
        status: ClaimStatus::Paid,
        ..drafted.record.clone()
    };
    let refused = store
        .write(|tx| tx.update(&actor(), drafted.meta.id, drafted.meta.version, &paid))
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("a draft claim cannot become paid"),
        "{refused}"
    );
    let void_without_number = store
        .write(|tx| draft_replacement(tx, &actor(), ClaimId(drafted.meta.id), ClaimFrequency::Void))
        .unwrap_err()
        .to_string();
    assert!(
        void_without_number.contains("only a claim the payer has")
            && void_without_number.contains("payer_claim_number"),
        "{void_without_number}"
    );
}

fn a_late_claim_waits_in_the_queue_until_overridden_with_a_reason(store: &TestStore) {
    let (_, drafted) = drafted(store);
    let id = drafted.meta.id;
    // The plan accepts claims for 180 days; this one is 200 days late.
    let late = scrub(store, id, date!(2026 - 08 - 29));
    assert_eq!(late.record.status, ClaimStatus::Draft);
    let open: Vec<&ClaimEdit> = late.record.open_edits().collect();
    assert_eq!(open.len(), 1, "{:?}", keys(&late.record));
    assert_eq!(open[0].rule, "timely-filing");
    assert!(open[0].source.contains("42 CFR 424.44"));
    assert_eq!(
        open[0].message,
        "200 days since the date of service 2026-02-10; Example Health Plan accepts claims for 180 days"
    );
    let queue = store.read(|tx| work_queue(tx, 100)).unwrap();
    assert_eq!(queue.iter().map(|c| c.meta.id).collect::<Vec<_>>(), [id]);

    let key = open[0].key();
    let no_reason = late
        .record
        .overridden(&key, " ", "bo", datetime!(2026-08-29 10:00 UTC))
        .unwrap_err();
    assert_eq!(
        no_reason.to_string(),
        "reason: is required to override an edit"
    );
    let overridden = late
        .record
        .overridden(
            &key,
            "payer granted an extension (letter 2026-08-01)",
            "bo",
            datetime!(2026-08-29 10:00 UTC),
        )
        .unwrap();
    assert_eq!(overridden.status, ClaimStatus::Scrubbed);
    store
        .write(|tx| tx.update(&actor(), id, late.meta.version, &overridden))
        .unwrap();
    // A scrub again keeps the override, since the same edit is found.
    let rescrubbed = scrub(store, id, date!(2026 - 08 - 30));
    assert_eq!(rescrubbed.record.status, ClaimStatus::Scrubbed);
    assert_eq!(rescrubbed.record.overrides.len(), 1);
    assert!(store.read(|tx| work_queue(tx, 100)).unwrap().is_empty());
}

fn a_second_claim_for_the_same_service_is_a_duplicate(store: &TestStore) {
    let (ids, first) = drafted(store);
    let copy = store
        .write(|tx| {
            tx.create(
                &actor(),
                &Claim {
                    control_number: "MANUAL-1".into(),
                    ..first.record.clone()
                },
            )
        })
        .unwrap();
    let found = scrub(store, copy.meta.id, date!(2026 - 02 - 20));
    assert_eq!(keys(&found.record), ["duplicate @ 2300 CLM01"]);
    assert_eq!(
        found.record.edits[0].message,
        format!(
            "claim {} (encounter {}, draft) bills the same patient, payer, date of service and amount",
            first.meta.id, ids.encounter.0
        )
    );
}

fn a_medicare_claim_needs_an_mbi_and_valid_codes(store: &TestStore) {
    let ids = store
        .write(|tx| office_visit(tx, Relationship::SelfSubscriber))
        .unwrap();
    store
        .write(|tx| {
            let payer = tx.get::<Payer>(ids.payer)?;
            let medicare = Payer {
                kind: PayerKind::Medicare,
                ..payer.record
            };
            tx.update(&actor(), ids.payer, payer.meta.version, &medicare)?;
            let diagnosis = tx
                .for_patient::<Diagnosis>(ids.patient.0)?
                .into_iter()
                .find(|d| d.record.code == "I10")
                .unwrap();
            let header = Diagnosis {
                code: "E11".into(),
                ..diagnosis.record
            };
            tx.update(&actor(), diagnosis.meta.id, diagnosis.meta.version, &header)?;
            Ok(())
        })
        .unwrap();
    let drafted = store.write(|tx| draft(tx, ids.encounter)).unwrap().unwrap();
    let found = scrub(store, drafted.meta.id, date!(2026 - 02 - 20));
    let keys = keys(&found.record);
    assert!(
        keys.contains(&"member-id @ 2010BA NM109".to_owned()),
        "{keys:?}"
    );
    assert!(
        keys.contains(&"diagnosis-code @ 2300 HI03-2".to_owned()),
        "{keys:?}"
    );
    let header = found
        .record
        .edits
        .iter()
        .find(|e| e.rule == "diagnosis-code")
        .unwrap();
    assert!(
        header
            .message
            .starts_with("E11: E11 is a header, not billable"),
        "{}",
        header.message
    );
    assert_eq!(found.record.status, ClaimStatus::Draft);
}

/// A visit the patient paid for in full and restricted from the health plan (164.522(a)(1)(vi))
/// is never put on a claim to the plan: the builder names the restriction, so no claim is
/// drafted and a claim drafted before the restriction fails its scrub on it; a restriction
/// of another visit, of another recipient or revoked leaves the claim alone.
fn a_restricted_self_paid_visit_is_never_billed_to_the_plan(store: &TestStore) {
    let (ids, before) = drafted(store);
    let restriction = |encounter: Option<EncounterId>, recipient: &str| Consent {
        patient_id: ids.patient,
        kind: ConsentKind::Restriction,
        categories: vec![],
        recipient: Some(recipient.into()),
        encounter_id: encounter,
        effective_from: date!(2026 - 03 - 01),
        effective_to: None,
        revoked_on: None,
        note: Some("paid in full at the desk".into()),
        recorded_by: "hana".into(),
    };
    // Another visit's restriction, and one keeping attorneys out, change nothing.
    store
        .write(|tx| {
            let visit: Stored<Encounter> = tx.get(ids.encounter.0)?;
            let other = tx.create(&actor(), &visit.record)?;
            tx.create(
                &actor(),
                &restriction(Some(EncounterId(other.meta.id)), "insurer"),
            )?;
            tx.create(&actor(), &restriction(Some(ids.encounter), "attorney"))
        })
        .unwrap();
    assert!(store.write(|tx| draft(tx, ids.encounter)).unwrap().is_ok());
    let kept = store
        .write(|tx| tx.create(&actor(), &restriction(Some(ids.encounter), "insurer")))
        .unwrap();
    let refused = store
        .write(|tx| draft(tx, ids.encounter))
        .unwrap()
        .unwrap_err();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].source, format!("consent {}", kept.meta.id));
    assert_eq!(refused[0].field, "restriction");
    assert!(
        refused[0].message.contains("164.522(a)(1)(vi)"),
        "{}",
        refused[0].message
    );
    let scrubbed = scrub(store, before.meta.id, date!(2026 - 03 - 02));
    assert_eq!(scrubbed.record.status, ClaimStatus::Draft);
    let edit = scrubbed
        .record
        .edits
        .iter()
        .find(|e| e.rule == "buildable")
        .expect("the scrub names the restriction");
    assert!(edit.field.ends_with("restriction"), "{edit:?}");
    // Revoked by the patient: the visit may be billed again.
    store
        .write(|tx| {
            let c: Stored<Consent> = tx.get(kept.meta.id)?;
            let revoked = Consent {
                revoked_on: Some(date!(2026 - 03 - 02)),
                ..c.record
            };
            tx.update(&actor(), c.meta.id, c.meta.version, &revoked)
        })
        .unwrap();
    assert!(store.write(|tx| draft(tx, ids.encounter)).unwrap().is_ok());
}

/// Sending to the claim outbox (what `claims submit --out` and the billing page do): the
/// 837 written under its interchange number with its claims counted, each sent claim
/// returned with what it was; a claim not scrubbed is held with why; a directory that
/// cannot be written sends nothing (the transaction is refused, the claim stays scrubbed).
fn claims_go_to_the_outbox_or_nowhere(store: &TestStore) {
    let (_, drafted) = drafted(store);
    let id = drafted.meta.id;
    let scrubbed = scrub(store, id, date!(2026 - 02 - 20));
    assert_eq!(scrubbed.record.status, ClaimStatus::Scrubbed);
    let send = |ids: &[ClaimId], dir: &std::path::Path| {
        store.write(|tx| {
            claims::send_to_dir(
                tx,
                &actor(),
                ids,
                &submitter(),
                datetime!(2026-02-20 10:00),
                x12::Delimiters::default(),
                dir,
            )
        })
    };
    let only = |dir: &std::path::Path| send(&[ClaimId(id)], dir);
    let dir = tempfile::tempdir().unwrap();
    // A file where the directory should be: nothing is sent.
    let blocked = dir.path().join("blocked");
    std::fs::write(&blocked, "not a directory").unwrap();
    let refused = send(&[ClaimId(id), ClaimId(id + 1000)], &blocked.join("outbox"));
    assert!(
        matches!(&refused, Err(store::Error::NotFound { .. })),
        "the unknown claim is named first: {refused:?}"
    );
    let refused = only(&blocked.join("outbox")).unwrap_err();
    assert!(
        refused.to_string().contains("nothing was sent"),
        "{refused}"
    );
    let unchanged = store.read(|tx| tx.get::<Claim>(id)).unwrap();
    assert_eq!(unchanged.record.status, ClaimStatus::Scrubbed);

    let outbox = dir.path().join("outbox");
    let sent = only(&outbox).unwrap();
    assert_eq!(sent.files.len(), 1, "{sent:?}");
    let file = &sent.files[0];
    assert_eq!((file.kind, file.claims), (ClaimKind::Professional, 1));
    assert_eq!(file.total_cents, scrubbed.record.total_cents);
    assert!(file.path.starts_with(&outbox), "{}", file.path.display());
    let text = std::fs::read_to_string(&file.path).unwrap();
    assert!(text.starts_with("ISA*") && text.contains("~CLM*"), "{text}");
    keep_for_validator("outbox-837p.x12", &text);
    assert_eq!(sent.changes.len(), 1);
    let (before, after) = &sent.changes[0];
    assert_eq!(
        before.as_ref().map(|b| b.record.status),
        Some(ClaimStatus::Scrubbed)
    );
    assert_eq!(after.record.status, ClaimStatus::Submitted);

    // Sent already: held, and no file.
    let again = only(&outbox).unwrap();
    assert!(again.files.is_empty());
    assert_eq!(again.held.len(), 1);
    assert!(again.held[0].1.contains("is submitted"), "{:?}", again.held);
}

backend_tests!(
    claims_go_to_the_outbox_or_nowhere,
    a_restricted_self_paid_visit_is_never_billed_to_the_plan,
    a_claim_goes_from_draft_to_paid_and_is_replaced_then_voided,
    steps_the_lifecycle_does_not_have_are_refused,
    a_late_claim_waits_in_the_queue_until_overridden_with_a_reason,
    a_second_claim_for_the_same_service_is_a_duplicate,
    a_medicare_claim_needs_an_mbi_and_valid_codes,
);
