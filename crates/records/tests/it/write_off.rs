//! Write-offs take effect only when someone other than the requester approves them.

use records::*;
use time::macros::datetime;

fn problems(errors: ValidationErrors) -> Vec<String> {
    errors.iter().map(ToString::to_string).collect()
}

fn asked() -> WriteOffRequest {
    WriteOffRequest::request(
        PatientId(1),
        Some(ChargeId(7)),
        2_500,
        "co-45",
        "small balance policy",
        "bo",
        datetime!(2026-06-01 09:00 UTC),
    )
    .unwrap()
}

#[test]
fn a_request_needs_an_amount_a_reason_code_and_why() {
    assert_eq!(asked().reason_code, "CO-45");
    assert_eq!(asked().status, WriteOffStatus::Pending);
    let refused = WriteOffRequest::request(
        PatientId(1),
        None,
        0,
        "45",
        " ",
        "bo",
        datetime!(2026-06-01 09:00 UTC),
    )
    .unwrap_err();
    assert_eq!(
        problems(refused),
        [
            "amount_cents: is 0; must be more than 0",
            "reason_code: \"45\" is not a group and reason code like CO-45",
            "justification: is required",
        ]
    );
}

#[test]
fn only_another_approver_decides_and_a_refusal_says_why() {
    let request = asked();
    let at = datetime!(2026-06-02 10:00 UTC);
    assert_eq!(
        problems(request.approved("bo", at, PostingId(3)).unwrap_err()),
        [
            "decided_by: the person who asked for a write-off cannot decide it; another approver must"
        ]
    );
    let approved = request.approved("cy", at, PostingId(3)).unwrap();
    assert_eq!(
        (
            approved.status,
            approved.decided_by.as_deref(),
            approved.posting_id
        ),
        (WriteOffStatus::Approved, Some("cy"), Some(PostingId(3)))
    );
    assert_eq!(
        problems(approved.refused("dee", at, "no").unwrap_err()),
        ["status: this write-off has been decided already"]
    );
    assert_eq!(
        problems(request.refused("cy", at, "  ").unwrap_err()),
        ["decision_reason: is required to refuse a write-off"]
    );
    let refused = request.refused("cy", at, "collect first").unwrap();
    assert_eq!(refused.status, WriteOffStatus::Refused);
    let posting = request.posting(at.date());
    assert_eq!(
        (
            posting.kind,
            posting.amount_cents,
            posting.reason_code.as_deref()
        ),
        (PostingKind::Adjustment, 2_500, Some("CO-45"))
    );
    assert!(posting.validate().is_ok());
}
