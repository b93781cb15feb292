//! Golden cases for the validator: a complete authorisation passes; one missing each
//! required element, an expired one, a revoked one, a Part 2 record without the specific
//! consent and a request beyond its scope each fail naming exactly their defect.

use disclosures::validate;
use records::*;
use time::macros::date;

const TODAY: time::Date = date!(2026 - 03 - 02);

pub fn complete() -> RoiRequest {
    RoiRequest {
        patient_id: PatientId(1),
        requester_kind: RequesterKind::Attorney,
        requester_name: "Dana Counsel".into(),
        requester_organization: Some("Counsel & Co".into()),
        requester_address: Some("1 Court St, Springfield MA 01101".into()),
        identity_verified: Some("letterhead and bar number checked".into()),
        purpose: "personal injury claim".into(),
        legal_basis: LegalBasis::Authorization,
        subpoena_assurances: None,
        categories: vec![ReleaseCategory::Encounters, ReleaseCategory::Diagnoses],
        from_date: Some(date!(2025 - 01 - 01)),
        to_date: Some(date!(2025 - 12 - 31)),
        minimum_necessary: None,
        delivery: Delivery::Pdf,
        authorization_form: Some(Authorization {
            description: Some("visits and diagnoses of 2025".into()),
            discloser: Some("Chartroom General".into()),
            recipient: Some("Dana Counsel".into()),
            purpose: Some("at the request of the individual".into()),
            expires_on: Some(date!(2026 - 12 - 31)),
            expiry_event: None,
            signed_on: Some(date!(2026 - 02 - 20)),
            signature: true,
            signed_by_representative: None,
            revocation_statement: true,
            conditioning_statement: true,
            redisclosure_notice: true,
            revoked_on: None,
            categories: vec![ReleaseCategory::Encounters, ReleaseCategory::Diagnoses],
            from_date: Some(date!(2025 - 01 - 01)),
            to_date: Some(date!(2025 - 12 - 31)),
        }),
        status: RoiStatus::Received,
        received_on: date!(2026 - 02 - 25),
        due_on: date!(2026 - 03 - 27),
        extended_to: None,
        extension_reason: None,
        decided_by: None,
        decided_at: None,
        decision_reason: None,
        pages: None,
        fee_cents: None,
        packet_sha256: None,
        received_by: "him".into(),
    }
}

fn form(request: &mut RoiRequest) -> &mut Authorization {
    request.authorization_form.as_mut().unwrap()
}

/// The defects of `request` as `field (rule)`.
fn defects(request: &RoiRequest, consents: &[Consent], present: &[ReleaseCategory]) -> Vec<String> {
    validate(request, consents, present, TODAY)
        .into_iter()
        .map(|d| format!("{} ({})", d.field, d.rule))
        .collect()
}

/// One change to the complete request.
type Change = Box<dyn FnOnce(&mut RoiRequest)>;

fn case(change: impl FnOnce(&mut RoiRequest)) -> Vec<String> {
    let mut request = complete();
    change(&mut request);
    defects(&request, &[], &[])
}

#[test]
fn a_complete_authorization_passes() {
    assert_eq!(case(|_| {}), Vec::<String>::new());
}

#[test]
fn each_missing_element_is_named() {
    let cases: Vec<(&str, Change)> = vec![
        (
            "authorization_form.description (45 CFR 164.508(c)(1)(i))",
            Box::new(|r| form(r).description = None),
        ),
        (
            "authorization_form.discloser (45 CFR 164.508(c)(1)(ii))",
            Box::new(|r| form(r).discloser = Some(" ".into())),
        ),
        (
            "authorization_form.recipient (45 CFR 164.508(c)(1)(iii))",
            Box::new(|r| form(r).recipient = None),
        ),
        (
            "authorization_form.purpose (45 CFR 164.508(c)(1)(iv))",
            Box::new(|r| form(r).purpose = None),
        ),
        (
            "authorization_form.expires_on (45 CFR 164.508(c)(1)(v))",
            Box::new(|r| form(r).expires_on = None),
        ),
        (
            "authorization_form.signature (45 CFR 164.508(c)(1)(vi))",
            Box::new(|r| form(r).signature = false),
        ),
        (
            "authorization_form.signed_on (45 CFR 164.508(c)(1)(vi))",
            Box::new(|r| form(r).signed_on = None),
        ),
        (
            "authorization_form.revocation_statement (45 CFR 164.508(c)(2)(i))",
            Box::new(|r| form(r).revocation_statement = false),
        ),
        (
            "authorization_form.conditioning_statement (45 CFR 164.508(c)(2)(ii))",
            Box::new(|r| form(r).conditioning_statement = false),
        ),
        (
            "authorization_form.redisclosure_notice (45 CFR 164.508(c)(2)(iii))",
            Box::new(|r| form(r).redisclosure_notice = false),
        ),
        (
            "identity_verified (45 CFR 164.514(h))",
            Box::new(|r| r.identity_verified = None),
        ),
        (
            "authorization_form (45 CFR 164.508(a))",
            Box::new(|r| r.authorization_form = None),
        ),
    ];
    for (expected, change) in cases {
        assert_eq!(case(change), [expected], "{expected}");
    }
    // An expiry event stands in for a date.
    assert_eq!(
        case(|r| {
            form(r).expires_on = None;
            form(r).expiry_event = Some("end of the lawsuit".into());
        }),
        Vec::<String>::new()
    );
}

#[test]
fn expired_revoked_and_future_dated_are_refused() {
    assert_eq!(
        case(|r| form(r).expires_on = Some(date!(2026 - 03 - 01))),
        ["authorization_form.expires_on (45 CFR 164.508(b)(2)(i))"]
    );
    assert_eq!(
        case(|r| form(r).revoked_on = Some(date!(2026 - 03 - 02))),
        ["authorization_form.revoked_on (45 CFR 164.508(b)(5))"]
    );
    // Revoked from a later day is still good today.
    assert_eq!(
        case(|r| form(r).revoked_on = Some(date!(2026 - 03 - 03))),
        Vec::<String>::new()
    );
    assert_eq!(
        case(|r| form(r).signed_on = Some(date!(2026 - 03 - 05))),
        ["authorization_form.signed_on (45 CFR 164.508(b)(2)(i))"]
    );
}

#[test]
fn a_request_beyond_its_scope_is_refused() {
    assert_eq!(
        case(|r| r.categories.push(ReleaseCategory::Notes)),
        ["categories (45 CFR 164.508(b)(2)(iii))"]
    );
    assert_eq!(
        case(|r| r.from_date = Some(date!(2024 - 06 - 01))),
        ["from_date (45 CFR 164.508(b)(2)(iii))"]
    );
    assert_eq!(
        case(|r| r.to_date = None),
        ["to_date (45 CFR 164.508(b)(2)(iii))"]
    );
}

#[test]
fn part2_records_need_the_specific_consent() {
    let mut request = complete();
    request.categories.push(ReleaseCategory::SubstanceUse);
    form(&mut request).categories.push(ReleaseCategory::Hiv);
    let present = [ReleaseCategory::SubstanceUse];
    assert_eq!(
        defects(&request, &[], &present),
        [
            "categories (45 CFR 164.508(b)(2)(iii))",
            "categories (42 CFR 2.31)"
        ]
    );
    // The authorisation naming Part 2 records specifically is the consent.
    form(&mut request)
        .categories
        .push(ReleaseCategory::SubstanceUse);
    assert_eq!(defects(&request, &[], &present), Vec::<String>::new());
    // Or a separate written consent naming this recipient, in force.
    let mut consent = Consent {
        patient_id: PatientId(1),
        kind: ConsentKind::SpecificDisclosure,
        categories: vec![ReleaseCategory::SubstanceUse],
        recipient: Some("counsel & co".into()),
        encounter_id: None,
        effective_from: date!(2026 - 01 - 01),
        effective_to: None,
        revoked_on: None,
        note: None,
        recorded_by: "him".into(),
    };
    let mut plain = complete();
    plain.legal_basis = LegalBasis::Treatment;
    plain.authorization_form = None;
    plain.categories = vec![ReleaseCategory::SubstanceUse];
    assert_eq!(
        defects(&plain, &[consent.clone()], &present),
        Vec::<String>::new()
    );
    consent.recipient = Some("Another Firm".into());
    assert_eq!(
        defects(&plain, &[consent.clone()], &present),
        ["categories (42 CFR 2.31)"]
    );
    consent.recipient = None;
    consent.revoked_on = Some(date!(2026 - 02 - 01));
    assert_eq!(
        defects(&plain, &[consent], &present),
        ["categories (42 CFR 2.31)"]
    );
}

#[test]
fn psychotherapy_notes_and_the_other_bases() {
    let mut access = complete();
    access.legal_basis = LegalBasis::PatientAccess;
    access.authorization_form = None;
    access.categories = vec![ReleaseCategory::Notes, ReleaseCategory::Hiv];
    assert_eq!(
        defects(&access, &[], &[]),
        Vec::<String>::new(),
        "patients get their own records"
    );
    access.categories.push(ReleaseCategory::PsychotherapyNotes);
    assert_eq!(
        defects(&access, &[], &[]),
        ["categories (45 CFR 164.524(a)(1)(i))"]
    );

    let combined = case(|r| {
        r.categories = vec![ReleaseCategory::PsychotherapyNotes];
        form(r).categories.push(ReleaseCategory::PsychotherapyNotes);
    });
    assert_eq!(
        combined,
        ["authorization_form.categories (45 CFR 164.508(b)(3)(ii))"]
    );

    let mut subpoena = complete();
    subpoena.legal_basis = LegalBasis::Subpoena;
    subpoena.authorization_form = None;
    assert_eq!(
        defects(&subpoena, &[], &[]),
        [
            "subpoena_assurances (45 CFR 164.512(e)(1)(ii))",
            "minimum_necessary (45 CFR 164.502(b))"
        ]
    );
    subpoena.subpoena_assurances = Some("notice to the patient, no objection in 14 days".into());
    subpoena.minimum_necessary = Some("the 2025 visits the claim concerns".into());
    assert_eq!(defects(&subpoena, &[], &[]), Vec::<String>::new());
}

#[test]
fn accountable_bases_follow_164_528() {
    use LegalBasis::*;
    let accountable: Vec<LegalBasis> = LegalBasis::ALL
        .iter()
        .copied()
        .filter(|b| b.accountable())
        .collect();
    assert_eq!(
        accountable,
        [
            PublicHealth,
            CourtOrder,
            Subpoena,
            RequiredByLaw,
            ResearchWaiver
        ]
    );
}
