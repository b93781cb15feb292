//! Authenticator (TOTP) secrets encrypted at rest: AES-256-GCM under `totp.key`, a key
//! file beside `audit.key` (32 random bytes, mode 0600) and never in the database.
//!
//! Invariants:
//! - The database holds `aes256gcm:<nonce hex>:<ciphertext and tag hex>`, never a secret
//!   in plain text; secrets stored in plain text by earlier versions are sealed when the
//!   server starts (`seal_plain_secrets`).
//! - The user's id is the associated data, so a sealed secret copied onto another user's
//!   row does not open.
//! - Nonces are 96 random bits per sealing; a user seals a handful in a lifetime, far from
//!   the 2^32 sealings under one key where random nonces start to risk a repeat.

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use std::path::Path;

const PREFIX: &str = "aes256gcm:";

/// The key that seals authenticator secrets.
pub struct TotpVault(LessSafeKey);

impl std::fmt::Debug for TotpVault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpVault(..)")
    }
}

fn aad(user_id: i64) -> [u8; 23] {
    let mut aad = [0u8; 23];
    let (label, id) = aad.split_at_mut(15);
    label.copy_from_slice(b"chartroom totp ");
    id.copy_from_slice(&user_id.to_be_bytes());
    aad
}

impl TotpVault {
    /// The vault whose key is `dir/totp.key`, created when there is none.
    pub fn open_or_create(dir: &Path) -> store::Result<Self> {
        let bytes = store::key_in(dir, store::TOTP_KEY_FILE)?;
        Self::from_key(&bytes)
    }

    fn from_key(bytes: &[u8; 32]) -> store::Result<Self> {
        let key = UnboundKey::new(&AES_256_GCM, bytes)
            .map_err(|_| store::Error::Database("the authenticator key is not usable".into()))?;
        Ok(Self(LessSafeKey::new(key)))
    }

    /// The stored form of `secret` for user `user_id`.
    pub fn seal(&self, user_id: i64, secret: &str) -> store::Result<String> {
        let nonce = store::random_bytes::<NONCE_LEN>()?;
        let mut sealed = secret.as_bytes().to_vec();
        self.0
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad(user_id)),
                &mut sealed,
            )
            .map_err(|_| store::Error::Database("sealing an authenticator secret failed".into()))?;
        Ok(format!(
            "{PREFIX}{}:{}",
            hex::encode(nonce),
            hex::encode(sealed)
        ))
    }

    /// The secret in `stored` for user `user_id`; an error when it is not sealed under
    /// this key for this user.
    pub fn open(&self, user_id: i64, stored: &str) -> Result<String, String> {
        let (nonce, sealed) = stored
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split_once(':'))
            .ok_or("the stored authenticator secret is not sealed")?;
        let nonce = hex::decode(nonce).map_err(|e| e.to_string())?;
        let nonce = Nonce::try_assume_unique_for_key(&nonce).map_err(|_| "bad nonce length")?;
        let mut sealed = hex::decode(sealed).map_err(|e| e.to_string())?;
        let plain = self
            .0
            .open_in_place(nonce, Aad::from(aad(user_id)), &mut sealed)
            .map_err(|_| "the stored authenticator secret does not open with totp.key")?;
        String::from_utf8(plain.to_vec()).map_err(|e| e.to_string())
    }

    /// Whether `stored` is sealed (rather than a plain secret from an earlier version).
    pub fn is_sealed(stored: &str) -> bool {
        stored.starts_with(PREFIX)
    }

    /// Seals every secret an earlier version stored in plain text, in one transaction;
    /// returns how many.
    pub fn seal_plain_secrets(&self, store: &store::Store) -> store::Result<usize> {
        store.security(|s| {
            let plain: Vec<(i64, String)> = s
                .totp_secrets()?
                .into_iter()
                .filter(|(_, stored)| !Self::is_sealed(stored))
                .collect();
            for (user_id, secret) in &plain {
                s.reseal_totp_secret(*user_id, &self.seal(*user_id, secret)?)?;
            }
            Ok(plain.len())
        })
    }
}

#[cfg(test)]
mod tests;
