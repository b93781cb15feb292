//! Coordination of benefits: the primary's 835 leaves the patient a share, the claim to the
//! secondary payer is drafted in the same posting and goes out carrying the primary's
//! decision (837P loops 2320, 2330A, 2330B and 2430, pyx12-checked), the secondary's 835
//! settles the rest without writing off the primary's adjustments twice, and a secondary
//! claim that no longer balances with the primary's decision is held. Run on both backends.

use crate::keep_for_validator;
use crate::lifecycle::{drafted, post_remittance_of, scrub, submit};
use claims::{NextPayer, PostReport, post_remittance, read_remittances};
use records::*;
use store::{Actor, Tx};
use test_support::{TestStore, backend_tests};
use time::macros::date;

fn actor() -> Actor {
    Actor::new("test:biller")
}

/// A secondary plan for `patient`: the mother's, the patient her child.
fn secondary_coverage(tx: &mut Tx<'_>, patient: PatientId) -> store::Result<i64> {
    let payer = tx.create(
        &actor(),
        &Payer {
            name: "Second Mutual".into(),
            payer_code: Some("SECM1".into()),
            kind: PayerKind::Commercial,
            address: Address::default(),
            phone: None,
        },
    )?;
    tx.create(
        &actor(),
        &Coverage {
            patient_id: patient,
            payer_id: PayerId(payer.meta.id),
            plan_name: None,
            member_id: "SM99001".into(),
            group_number: Some("SG5".into()),
            subscriber_name: Some("Maria Lopez".into()),
            relationship: Relationship::Child,
            coverage_order: CoverageOrder::Secondary,
            effective_start: date!(2021 - 01 - 01),
            effective_end: None,
        },
    )?;
    Ok(payer.meta.id)
}

/// The secondary payer's 835 for `claim_id`: it pays the patient's $20.00 share, the rest
/// restated as the prior payer's impact (OA-23).
fn secondary_remittance(claim_id: &str) -> String {
    let body = format!(
        "ST*835*0001~BPR*I*20*C*CHK************20260405~TRN*1*SM4001*1987654321~\
N1*PR*SECOND MUTUAL~N1*PE*MAPLE FAMILY PRACTICE*XX*1234567893~LX*1~\
CLP*{claim_id}*2*150.5*20*0*12*SM777~\
SVC*HC:99213:25*125.5*15**1~CAS*OA*23*110.5~\
SVC*HC:87880*25*5**1~CAS*OA*23*20~SE*12*0001~"
    );
    format!(
        "ISA*00*          *00*          *ZZ*SECM1          *ZZ*CHARTROOM01    *260405*1200*^*00501*000000411*0*P*:~\
GS*HP*SECM1*CHARTROOM01*20260405*1200*411*X*005010X221A1~{body}GE*1*411~IEA*1*000000411~"
    )
}

fn draft_secondary(
    store: &TestStore,
    encounter: EncounterId,
) -> Result<store::Stored<Claim>, Vec<claims::BuildProblem>> {
    store
        .write(|tx| {
            claims::draft_claim(
                tx,
                &actor(),
                encounter,
                CoverageOrder::Secondary,
                ClaimKind::Professional,
            )
        })
        .unwrap()
}

fn post(store: &TestStore, remittance: &claims::Remittance, on: time::Date) -> PostReport {
    store
        .write(|tx| {
            post_remittance(tx, &actor(), remittance, on)
                .map_err(|e| store::Error::Conflict(e.to_string()))
        })
        .unwrap()
}

fn sum_of(tx: &mut Tx<'_>, patient: PatientId) -> store::Result<(i64, i64)> {
    let charges: i64 = tx
        .for_patient::<Charge>(patient.0)?
        .iter()
        .map(|c| c.record.amount_cents)
        .sum();
    let credits: i64 = tx
        .for_patient::<Posting>(patient.0)?
        .iter()
        .map(|p| match p.record.kind {
            PostingKind::Refund => -p.record.amount_cents,
            _ => p.record.amount_cents,
        })
        .sum();
    Ok((charges, credits))
}

fn the_primary_835_drafts_the_secondary_claim_which_carries_its_decision(store: &TestStore) {
    let (ids, primary) = drafted(store);
    let secondary_payer = store
        .write(|tx| secondary_coverage(tx, ids.patient))
        .unwrap();

    // Before the primary has decided, no secondary claim can be built.
    let early = draft_secondary(store, ids.encounter).unwrap_err();
    assert!(
        early.iter().any(|p| p
            .message
            .contains("the Primary payer's decision is not posted yet")),
        "{early:?}"
    );

    scrub(store, primary.meta.id, date!(2026 - 02 - 20));
    submit(store, &[primary.meta.id]);
    // Paid $100.00; CO-45 $10.50 and CO-97 $20.00 written off; PR-2 $15.00 and $5.00.
    let remittances = read_remittances(&crate::lifecycle::remittance(&format!(
        "E{}",
        ids.encounter.0
    )))
    .unwrap();
    assert_eq!(remittances[0].paid_on, Some(date!(2026 - 03 - 15)));
    let report = post(store, &remittances[0], date!(2026 - 03 - 16));
    let [(decided, NextPayer::Drafted { claim_id, order })] = report.next_payer.as_slice() else {
        panic!("one secondary claim drafted: {:?}", report.next_payer);
    };
    assert_eq!(
        (*decided, *order),
        (primary.meta.id, CoverageOrder::Secondary)
    );
    let secondary = store.read(|tx| tx.get::<Claim>(*claim_id)).unwrap();
    assert_eq!(secondary.record.payer_id, PayerId(secondary_payer));
    assert_eq!(secondary.record.status, ClaimStatus::Draft);
    assert_eq!(secondary.record.total_cents, 15_050);
    let kept = store
        .read(|tx| tx.get::<Claim>(primary.meta.id))
        .unwrap()
        .record
        .adjudication
        .unwrap();
    assert_eq!(kept.remitted_on, date!(2026 - 03 - 15));
    assert_eq!((kept.paid_cents, kept.lines.len()), (10_000, 2));

    // Posting the same 835 again drafts nothing more.
    let again = post(store, &remittances[0], date!(2026 - 03 - 17));
    assert_eq!((again.already_posted, again.next_payer.len()), (1, 0));

    let scrubbed = scrub(store, *claim_id, date!(2026 - 03 - 20));
    assert_eq!(
        scrubbed.record.open_edits().count(),
        0,
        "{:?}",
        scrubbed.record.edits
    );
    let sent = submit(store, &[*claim_id]);
    assert_eq!(sent.files.len(), 1);
    let text = &sent.files[0].text;
    keep_for_validator("claims-cob-secondary.x12", text);
    for expected in [
        // 2000B: the secondary's subscriber (the mother), the patient below in 2000C.
        "~SBR*S**SG5******CI~NM1*IL*1*Lopez*Maria****MI*SM99001~",
        "~NM1*PR*2*Second Mutual*****PI*SECM1~",
        // 2320: the primary, the patient its own subscriber; what it paid and left.
        "~SBR*P*18*G77******CI~AMT*D*100~AMT*EAF*20~OI***Y***Y~",
        // 2330A and 2330B.
        "~NM1*IL*1*Lopez*Ana****MI*XZ123~NM1*PR*2*Example Health Plan*****PI*EXHP1~",
        // 2430 for each line: the primary's payment, adjustments and date.
        "~SVD*EXHP1*100*HC:99213:25**1~CAS*CO*45*10.5~CAS*PR*2*15~DTP*573*D8*20260315~AMT*EAF*15~",
        "~SVD*EXHP1*0*HC:87880**1~CAS*CO*97*20~CAS*PR*2*5~DTP*573*D8*20260315~AMT*EAF*5~",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
    assert!(
        !text.contains("~DTP*573*D8*20260315~LX"),
        "the claim-level date only when no line carries one"
    );

    // The secondary pays the patient's share; OA-23 restates the primary and is not
    // written off again, so the account is settled to the cent.
    let remittances =
        read_remittances(&secondary_remittance(&format!("E{}", ids.encounter.0))).unwrap();
    let report = post(store, &remittances[0], date!(2026 - 04 - 06));
    assert_eq!(report.adjudicated, [(*claim_id, ClaimStatus::Paid)]);
    assert_eq!((report.paid_cents, report.adjusted_cents), (2_000, 0));
    assert!(report.next_payer.is_empty(), "no tertiary coverage");
    let (charges, credits) = store.read(|tx| sum_of(tx, ids.patient)).unwrap();
    assert_eq!((charges, credits), (15_050, 15_050));
    let payments: Vec<Option<PayerId>> = store
        .read(|tx| tx.for_patient::<Posting>(ids.patient.0))
        .unwrap()
        .into_iter()
        .filter(|p| {
            p.record.kind == PostingKind::Payment && p.record.posted_on == date!(2026 - 04 - 06)
        })
        .map(|p| p.record.payer_id)
        .collect();
    assert_eq!(
        payments,
        [
            Some(PayerId(secondary_payer)),
            Some(PayerId(secondary_payer))
        ],
        "a secondary's payment is posted as the secondary's"
    );
}

fn a_secondary_claim_that_no_longer_balances_with_the_primary_is_held(store: &TestStore) {
    let (ids, primary) = drafted(store);
    store
        .write(|tx| secondary_coverage(tx, ids.patient))
        .unwrap();
    scrub(store, primary.meta.id, date!(2026 - 02 - 20));
    submit(store, &[primary.meta.id]);
    post_remittance_of(store, ids.encounter, date!(2026 - 03 - 16));
    // A service charged after the primary decided: the primary never saw it.
    store
        .write(|tx| {
            tx.create(
                &actor(),
                &Charge {
                    patient_id: ids.patient,
                    encounter_id: Some(ids.encounter),
                    procedure_id: None,
                    code: Some("36415".into()),
                    description: "Venipuncture".into(),
                    service_date: date!(2026 - 02 - 10),
                    amount_cents: 1_200,
                    units: 1,
                    payer_id: None,
                    due_date: None,
                },
            )
        })
        .unwrap();
    let secondary = draft_secondary(store, ids.encounter).unwrap();
    let held = scrub(store, secondary.meta.id, date!(2026 - 03 - 20));
    let cob: Vec<&str> = held
        .record
        .open_edits()
        .filter(|e| e.rule == "cob-balance")
        .map(|e| e.message.as_str())
        .collect();
    assert!(
        cob.iter()
            .any(|m| m.contains("line 3 (36415): Example Health Plan decided on no such line")),
        "{cob:?}"
    );
    assert!(
        cob.iter().any(|m| m.contains(
            "total charge 162.5 is not Example Health Plan's payment 100 and adjustments 50.5"
        )),
        "{cob:?}"
    );
    assert_eq!(held.record.status, ClaimStatus::Draft);
}

backend_tests!(
    the_primary_835_drafts_the_secondary_claim_which_carries_its_decision,
    a_secondary_claim_that_no_longer_balances_with_the_primary_is_held,
);
