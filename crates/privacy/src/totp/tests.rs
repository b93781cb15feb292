//! TOTP against the RFC 6238 SHA-1 test vector, skew, and refusals.

use super::*;
use time::Duration;
use time::macros::datetime;

/// RFC 6238 appendix B: the ASCII secret "12345678901234567890".
const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

#[test]
fn rfc_6238_vector() {
    let at = OffsetDateTime::from_unix_timestamp(59).unwrap();
    assert_eq!(totp_code(RFC_SECRET, at).unwrap(), "287082");
    let at = OffsetDateTime::from_unix_timestamp(1_111_111_109).unwrap();
    assert_eq!(totp_code(RFC_SECRET, at).unwrap(), "081804");
}

#[test]
fn codes_match_their_step_with_one_step_of_skew() {
    let secret = totp_secret([9; 20]);
    let now = datetime!(2026-11-25 10:00:15 UTC);
    let step = now.unix_timestamp() / 30;
    let code = totp_code(&secret, now).unwrap();
    assert_eq!(totp_matching_step(&secret, &code, now).unwrap(), Some(step));
    assert_eq!(
        totp_matching_step(&secret, &format!("{} {}", &code[..3], &code[3..]), now).unwrap(),
        Some(step)
    );
    assert_eq!(
        totp_matching_step(&secret, &code, now + Duration::seconds(30)).unwrap(),
        Some(step)
    );
    assert_eq!(
        totp_matching_step(&secret, &code, now + Duration::seconds(90)).unwrap(),
        None
    );
    assert_eq!(totp_matching_step(&secret, "12345", now).unwrap(), None);
    assert_eq!(totp_matching_step(&secret, "abcdef", now).unwrap(), None);
    assert!(totp_matching_step("not base32!", "123456", now).is_err());
}

#[test]
fn enrolment_uri_names_issuer_and_user() {
    let uri = totp_uri(&totp_secret([1; 20]), "ann").unwrap();
    assert!(uri.starts_with("otpauth://totp/Chartroom:ann?"), "{uri}");
    assert!(uri.contains("issuer=Chartroom"), "{uri}");
}
