//! Building one claim from a hand-made chart: what goes where, and every reason a claim
//! cannot be built, each naming its record and field.

use crate::{keep_for_validator, write};
use claims::build_professional;
use records::*;
use store::Actor;
use test_support::sqlite_store;

pub use test_support::billing::{Ids, office_visit};

#[test]
fn an_office_visit_becomes_a_claim_with_pointers_modifiers_and_its_total() {
    let store = sqlite_store();
    let claim = store
        .write(|tx| {
            let ids = office_visit(tx, Relationship::SelfSubscriber)?;
            build_professional(tx, ids.encounter, CoverageOrder::Primary)
        })
        .unwrap()
        .unwrap();
    assert_eq!(claim.place_of_service, "11");
    assert_eq!(claim.billing.name, "Maple Family Practice");
    assert_eq!(claim.billing.address.3, "011012233");
    assert_eq!(
        claim.rendering.as_ref().unwrap().npi.to_string(),
        "1245319599"
    );
    assert_eq!(claim.subscriber.member_id, "XZ123");
    assert_eq!(claim.subscriber.payer_responsibility, 'P');
    assert!(claim.patient.is_none());
    assert_eq!(claim.diagnoses, ["J029", "E119", "I10"]);
    let lines: Vec<(&str, Vec<String>, i64, Vec<u8>)> = claim
        .lines
        .iter()
        .map(|l| {
            (
                l.code.as_str(),
                l.modifiers.clone(),
                l.charge_cents,
                l.pointers.clone(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("99213", vec!["25".to_owned()], 12_550, vec![1, 2, 3]),
            ("87880", vec![], 2_500, vec![1, 2, 3])
        ]
    );
    assert_eq!(claim.total_cents(), 15_050);

    let text = write(std::slice::from_ref(&claim));
    keep_for_validator("office-visit-837p.x12", &text);
    assert!(text.contains("*150.5***11:B:1*Y*A*Y*Y~HI*ABK:J029*ABF:E119*ABF:I10~NM1*82*1*Osler*Wilma****XX*1245319599~PRV*PE*PXC*207Q00000X~"), "{text}");
    assert!(text.contains("~LX*1~SV1*HC:99213:25*125.5*UN*1***1:2:3~DTP*472*D8*20260210~LX*2~SV1*HC:87880*25*UN*1***1:2:3~"), "{text}");
    assert!(text.contains("~SBR*P*18*G77******CI~NM1*IL*1*Lopez*Ana****MI*XZ123~N3*1 Main Street~N4*Springfield*MA*011012233~DMG*D8*20150601*F~NM1*PR*2*Example Health Plan*****PI*EXHP1~"), "{text}");
}

#[test]
fn a_child_on_a_parents_plan_goes_in_loop_2000c() {
    let store = sqlite_store();
    let claim = store
        .write(|tx| {
            let ids = office_visit(tx, Relationship::Child)?;
            build_professional(tx, ids.encounter, CoverageOrder::Primary)
        })
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            claim.subscriber.family_name.as_str(),
            claim.subscriber.given_name.as_str()
        ),
        ("Lopez", "Maria")
    );
    assert!(claim.subscriber.demographics.is_none());
    assert_eq!(claim.patient.as_ref().unwrap().relationship, "19");
    let text = write(std::slice::from_ref(&claim));
    keep_for_validator("dependent-837p.x12", &text);
    assert!(
        text.contains("~HL*2*1*22*1~SBR*P**G77******CI~NM1*IL*1*Lopez*Maria****MI*XZ123~NM1*PR*2*"),
        "{text}"
    );
    assert!(
        text.contains("~HL*3*2*23*0~PAT*19~NM1*QC*1*Lopez*Ana~N3*1 Main Street~"),
        "{text}"
    );
}

#[test]
fn every_reason_a_claim_cannot_be_built_is_named() {
    let store = sqlite_store();
    let (ids, problems) = store
        .write(|tx| {
            let ids = office_visit(tx, Relationship::SelfSubscriber)?;
            let actor = Actor::new("test:biller");
            let mut encounter = tx.get::<Encounter>(ids.encounter.0)?;
            encounter.record.status = EncounterStatus::InProgress;
            tx.update(
                &actor,
                ids.encounter.0,
                encounter.meta.version,
                &encounter.record,
            )?;
            let mut provider = tx.get::<Provider>(ids.provider)?;
            provider.record.npi = None;
            tx.update(
                &actor,
                ids.provider,
                provider.meta.version,
                &provider.record,
            )?;
            let mut payer = tx.get::<Payer>(ids.payer)?;
            payer.record.payer_code = None;
            tx.update(&actor, ids.payer, payer.meta.version, &payer.record)?;
            let problems =
                build_professional(tx, ids.encounter, CoverageOrder::Primary)?.unwrap_err();
            let secondary =
                build_professional(tx, ids.encounter, CoverageOrder::Secondary)?.unwrap_err();
            Ok((
                ids,
                [problems, secondary]
                    .map(|p| p.iter().map(ToString::to_string).collect::<Vec<_>>()),
            ))
        })
        .unwrap();
    let (e, pay, prov, pat) = (ids.encounter.0, ids.payer, ids.provider, ids.patient.0);
    assert_eq!(
        problems[0],
        [
            format!(
                "encounter {e}, status: is InProgress; a claim is built from a finished encounter"
            ),
            format!("payer {pay}, payer_code: no payer id for NM109 of loop 2010BB"),
            format!(
                "provider {prov} (attending), npi: missing; loop 2310B needs the rendering provider's NPI"
            ),
        ]
    );
    assert!(problems[1].contains(&format!("patient {pat}, coverage: no Secondary coverage in force on the date of service 2026-02-10")), "{:?}", problems[1]);
}
