//! Signing a note: who may, when, and that a signed note stays as signed.

use records::*;
use time::macros::datetime;

fn unsigned_note() -> ClinicalNote {
    ClinicalNote {
        patient_id: PatientId(1),
        encounter_id: Some(EncounterId(2)),
        note_type: NoteType::Progress,
        author_id: Some(ProviderId(7)),
        authored_at: datetime!(2026-03-01 09:00 UTC),
        text: "Seen on rounds.".into(),
        signed_at: None,
        signer_id: None,
    }
}

fn messages(errors: ValidationErrors) -> Vec<String> {
    errors.iter().map(|e| e.to_string()).collect()
}

#[test]
fn author_signs_and_signer_and_time_are_set() {
    let at = datetime!(2026-03-01 12:00 UTC);
    let signed = unsigned_note().signed(ProviderId(7), None, at).unwrap();
    assert_eq!(signed.signed_at, Some(at));
    assert_eq!(signed.signer_id, Some(ProviderId(7)));
    assert_eq!(signed.text, "Seen on rounds.");
    assert!(signed.validate().is_ok());
}

#[test]
fn attending_of_the_encounter_may_sign_anothers_note() {
    let at = datetime!(2026-03-02 08:00 UTC);
    let signed = unsigned_note()
        .signed(ProviderId(9), Some(ProviderId(9)), at)
        .unwrap();
    assert_eq!(signed.signer_id, Some(ProviderId(9)));
}

#[test]
fn anyone_else_is_refused_with_every_reason() {
    let mut note = unsigned_note();
    note.signed_at = Some(datetime!(2026-03-01 10:00 UTC));
    note.signer_id = Some(ProviderId(7));
    assert_eq!(
        messages(
            note.signed(
                ProviderId(8),
                Some(ProviderId(9)),
                datetime!(2026-02-01 00:00 UTC)
            )
            .unwrap_err()
        ),
        [
            "signed_at: the note is already signed",
            "signer_id: provider 8 is neither the note's author nor the encounter's attending",
            "signed_at: is before the note was written",
        ]
    );
}

#[test]
fn signed_note_cannot_be_edited_or_unsigned() {
    let signed = unsigned_note()
        .signed(ProviderId(7), None, datetime!(2026-03-01 12:00 UTC))
        .unwrap();
    let mut edited = signed.clone();
    edited.text = "Rewritten.".into();
    assert_eq!(
        messages(edited.validate_change(&signed).unwrap_err()),
        ["signed_at: the note is signed and cannot be changed; write an addendum instead"]
    );
    let unsigned = unsigned_note();
    assert!(unsigned.validate_change(&signed).is_err());
    assert!(signed.validate_change(&signed).is_ok());
    let mut draft = unsigned_note();
    draft.text = "Seen on rounds; stable.".into();
    assert!(draft.validate_change(&unsigned_note()).is_ok());
}
