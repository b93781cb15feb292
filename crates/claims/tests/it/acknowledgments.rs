//! 999 and 277CA acknowledgments read back onto the claims: a 277CA accepts or rejects each
//! claim it names (with the payer's number), a 999 rejection rejects every claim of its
//! transaction set with the IK3/IK4 errors, acceptance by a 999 changes nothing, reading
//! the same file again changes nothing, and what matches no claim is reported. Both backends.

use crate::build::office_visit;
use crate::submitter;
use claims::{
    ScrubSettings, Scrubber, apply_acknowledgments, draft_claim, read_acknowledgments, scrub_claim,
    submit_claims,
};
use records::*;
use store::{Actor, Stored};
use test_support::{TestStore, backend_tests};
use time::macros::{date, datetime};

/// An interchange around one transaction set of `body` segments (ST and SE added).
fn interchange(functional_id: &str, st01: &str, version: &str, body: &[String]) -> String {
    let n = body.len() + 2;
    format!(
        "ISA*00*          *00*          *ZZ*PAYER01        *ZZ*CHARTROOM01    *260221*1200*^*00501*000000901*0*P*:~\
GS*{functional_id}*PAYER01*CHARTROOM01*20260221*1200*901*X*{version}~ST*{st01}*0001*{version}~{}~SE*{n}*0001~GE*1*901~IEA*1*000000901~",
        body.join("~")
    )
}

fn claim_277(clm01: &str, category: &str) -> String {
    let body: Vec<String> = [
        "BHT*0085*08*T1*20260221*1200*TH",
        "HL*1**20*1",
        "NM1*PR*2*EXAMPLE HEALTH PLAN*****PI*EXHP1",
        "TRN*1*T1",
        "DTP*050*D8*20260221",
        "DTP*009*D8*20260221",
        "HL*2*1*21*1",
        "NM1*41*2*SPRINGFIELD GENERAL BILLING*****46*CHARTROOM01",
        "TRN*2*B1",
        "STC*A1:19:PR*20260221*WQ*150.5",
        "HL*3*2*19*1",
        "NM1*85*2*MAPLE FAMILY PRACTICE*****XX*1234567893",
        "TRN*1*0",
        "HL*4*3*PT",
        "NM1*QC*1*LOPEZ*ANA****MI*XZ123",
        &format!("TRN*2*{clm01}"),
        &format!("STC*{category}*20260221*WQ*150.5"),
        "REF*1K*PCN900",
        "DTP*472*D8*20260210",
        "HL*5*3*PT",
        "NM1*QC*1*DOE*JO****MI*Z9",
        "TRN*2*ACME-7",
        "STC*A2:20*20260221*WQ*10",
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    interchange("HN", "277", "005010X214", &body)
}

fn reject_999(group: i64, transaction: i64, ik5: &str) -> String {
    let body = vec![
        format!("AK1*HC*{group}*005010X222A1"),
        format!("AK2*837*{transaction:04}*005010X222A1"),
        "IK3*CLM*23**8".to_owned(),
        "IK4*2*782*1".to_owned(),
        format!("IK5*{ik5}*5"),
        "AK9*R*1*1*0".to_owned(),
    ];
    interchange("FA", "999", "005010X231A1", &body)
}

fn actor() -> Actor {
    Actor::new("test:biller")
}

fn sent_claim(store: &TestStore) -> Stored<Claim> {
    let ids = store
        .write(|tx| office_visit(tx, Relationship::SelfSubscriber))
        .unwrap();
    let drafted = store
        .write(|tx| {
            draft_claim(
                tx,
                &actor(),
                ids.encounter,
                CoverageOrder::Primary,
                ClaimKind::Professional,
            )
        })
        .unwrap()
        .unwrap();
    resend(store, drafted.meta.id)
}

/// Scrubs claim `id` and sends it alone.
fn resend(store: &TestStore, id: i64) -> Stored<Claim> {
    let codes = codes::CodeSets::embedded().unwrap();
    let settings = ScrubSettings::default();
    let scrubber = Scrubber {
        codes: &codes,
        settings: &settings,
        today: date!(2026 - 02 - 20),
    };
    store
        .write(|tx| {
            scrub_claim(tx, &actor(), &scrubber, id)?;
            let sent = submit_claims(
                tx,
                &actor(),
                &[ClaimId(id)],
                &submitter(),
                datetime!(2026-02-20 10:00),
                x12::Delimiters::default(),
            )?;
            Ok(sent.sent.into_iter().next().unwrap())
        })
        .unwrap()
}

fn apply(store: &TestStore, text: &str) -> claims::AckReport {
    let acks = read_acknowledgments(text).unwrap();
    store
        .write(|tx| apply_acknowledgments(tx, &actor(), &acks))
        .unwrap()
        .0
}

fn acknowledgments_accept_and_reject_claims(store: &TestStore) {
    let sent = sent_claim(store);
    let id = sent.meta.id;
    let clm01 = sent.record.control_number.clone();
    let group = sent.record.group_control.unwrap();
    let transaction = sent.record.transaction_control.unwrap();

    // The X12 was fine: the claim waits for the payer.
    let fine = apply(store, &reject_999(group, transaction, "A"));
    assert_eq!((fine.changed.len(), fine.unchanged), (0, 1));

    let report = apply(store, &claim_277(&clm01, "A3:21"));
    assert_eq!(report.changed, [(id, ClaimStatus::Rejected)]);
    assert_eq!(
        report.unmatched,
        ["STC, segment 26 (claim ACME-7): is not a claim Chartroom sent"]
    );
    let rejected = store.read(|tx| tx.get::<Claim>(id)).unwrap().record;
    assert_eq!(rejected.status, ClaimStatus::Rejected);
    assert_eq!(
        rejected.status_reason.as_deref(),
        Some("277CA rejected: A3:21")
    );

    // Fixed and sent again; the payer accepts it and gives its number.
    let again = resend(store, id);
    assert_eq!(again.record.status, ClaimStatus::Submitted);
    let accepted = apply(store, &claim_277(&clm01, "A2:20"));
    assert_eq!(accepted.changed, [(id, ClaimStatus::Accepted)]);
    let claim = store.read(|tx| tx.get::<Claim>(id)).unwrap().record;
    assert_eq!(claim.payer_claim_number.as_deref(), Some("PCN900"));
    let repeated = apply(store, &claim_277(&clm01, "A2:20"));
    assert_eq!((repeated.changed.len(), repeated.unchanged), (0, 1));

    // A 999 rejecting the transaction set it went out in rejects it, naming the errors.
    let group = again.record.group_control.unwrap();
    let transaction = again.record.transaction_control.unwrap();
    let refused = apply(store, &reject_999(group, transaction, "R"));
    assert_eq!(refused.changed, [(id, ClaimStatus::Rejected)]);
    let claim = store.read(|tx| tx.get::<Claim>(id)).unwrap().record;
    assert_eq!(
        claim.status_reason.as_deref(),
        Some("999 rejected the transaction set: CLM segment 23: error 8; element 2: error 1")
    );
    let unknown = apply(store, &reject_999(group + 1000, 1, "R"));
    assert_eq!(
        unknown.unmatched,
        [format!(
            "AK2, segment 5: no claim went out in group {}, transaction set 1",
            group + 1000
        )]
    );
}

fn a_damaged_acknowledgment_is_refused_whole(_store: &TestStore) {
    let text = reject_999(1, 1, "R").replace("AK2*837*0001", "AK2*837*X1");
    let errors = read_acknowledgments(&text).unwrap_err();
    let errors: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("\"X1\" is not a control number"),
        "{errors:?}"
    );
    let truncated = &text[..text.find("SE*").unwrap()];
    assert!(read_acknowledgments(truncated).is_err());
}

backend_tests!(
    acknowledgments_accept_and_reject_claims,
    a_damaged_acknowledgment_is_refused_whole,
);
