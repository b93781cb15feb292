//! Sealing round-trips, is bound to the user and the key, and never shows the secret.

use super::*;

#[test]
fn a_sealed_secret_opens_only_for_its_user_under_its_key() {
    let vault = TotpVault::from_key(&[3; 32]).unwrap();
    let sealed = vault.seal(7, "JBSWY3DPEHPK3PXP").unwrap();
    assert!(sealed.starts_with("aes256gcm:"), "{sealed}");
    assert!(!sealed.contains("JBSWY3DPEHPK3PXP"));
    assert_ne!(
        sealed,
        vault.seal(7, "JBSWY3DPEHPK3PXP").unwrap(),
        "fresh nonce"
    );
    assert_eq!(vault.open(7, &sealed).unwrap(), "JBSWY3DPEHPK3PXP");
    assert!(vault.open(8, &sealed).is_err(), "another user's row");
    let other = TotpVault::from_key(&[4; 32]).unwrap();
    assert!(other.open(7, &sealed).is_err(), "another key");
    assert!(vault.open(7, "JBSWY3DPEHPK3PXP").is_err(), "plain text");
    assert!(vault.open(7, "aes256gcm:zz:00").is_err());
}
