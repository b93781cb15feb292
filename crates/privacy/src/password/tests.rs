//! Password policy cases and hash round trips.

use super::*;

#[test]
fn policy_refusals_and_acceptance() {
    let refused = |user: &str, pw: &str| check_password_policy(user, pw).unwrap_err().to_string();
    assert!(refused("ann", "Short1!").contains("at least 12 characters long, this one has 7"));
    assert!(refused("ann", "abcdefghijklmnop").contains("two kinds of character"));
    assert!(refused("ann", "123456789012345").contains("two kinds of character"));
    assert!(refused("annsmith", "xxAnnSmith-2026").contains("must not contain the username"));
    check_password_policy("ann", "correct horse battery").unwrap();
    check_password_policy("ann", "Tr0ub4dor&3xyz").unwrap();
}

#[test]
fn hashes_are_argon2id_and_verify() {
    let phc = hash_password("correct horse battery", &[3; 16], HashCost::Test).unwrap();
    assert!(phc.starts_with("$argon2id$v=19$"), "{phc}");
    assert!(verify_password("correct horse battery", &phc).unwrap());
    assert!(!verify_password("correct horse batterY", &phc).unwrap());
    assert!(verify_password("x", "not a hash").is_err());
}

#[test]
fn production_cost_is_the_owasp_minimum() {
    let params = HashCost::Production.params().unwrap();
    assert_eq!(
        (params.m_cost(), params.t_cost(), params.p_cost()),
        (19 * 1024, 2, 1)
    );
}

#[test]
fn lockout_starts_at_the_threshold_and_doubles() {
    use time::macros::datetime;
    let now = datetime!(2026-11-25 10:00 UTC);
    assert_eq!(lockout_until(LOCKOUT_AFTER - 1, now), None);
    assert_eq!(
        lockout_until(LOCKOUT_AFTER, now),
        Some(now + time::Duration::minutes(15))
    );
    assert_eq!(
        lockout_until(LOCKOUT_AFTER + 1, now),
        Some(now + time::Duration::minutes(30))
    );
    assert_eq!(
        lockout_until(1000, now),
        Some(now + time::Duration::minutes(15 * 64))
    );
}

#[test]
fn secret_hashes_are_sha256_hex() {
    assert_eq!(
        secret_hash("abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}
