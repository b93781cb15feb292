//! The head file: the newest entry's number and MAC, sealed under the head key.
//!
//! Without the seal, anyone able to delete the newest rows and write the data directory
//! could copy the MAC of the new last row into the file and make truncation invisible.
//! The seal is an HMAC under `AuditKey::head_key`, a key derived from the chain key, so
//! no MAC stored in the database is ever a valid seal.
//!
//! Invariants:
//! - An unsigned head (format 1, written by earlier versions) is never taken as evidence.
//! - Reading never panics; every defect is a `Tamper` naming what is wrong.

use super::{AuditKey, GENESIS, HmacSha256, Mac, Tamper};
use hmac::Mac as _;

/// The newest entry, as recorded outside the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    /// Its sequence number (0 for an empty log).
    pub seq: i64,
    /// Its MAC.
    pub mac: Mac,
}

const MAGIC_UNSIGNED: &str = "chartroom-audit-head 1";
const MAGIC: &str = "chartroom-audit-head 2";

impl Head {
    /// The head of an empty log.
    pub const EMPTY: Self = Self {
        seq: 0,
        mac: GENESIS,
    };

    fn seal_mac(&self, key: &AuditKey) -> HmacSha256 {
        let mut mac = key.head_key().mac();
        mac.update(MAGIC.as_bytes());
        mac.update(&self.seq.to_be_bytes());
        mac.update(&self.mac.0);
        mac
    }

    /// The head file's text, sealed under `key`'s head key.
    pub fn to_text(&self, key: &AuditKey) -> String {
        let seal = hex::encode(self.seal_mac(key).finalize().into_bytes());
        format!("{MAGIC}\nseq {}\nmac {}\nseal {seal}\n", self.seq, self.mac)
    }

    /// Reads the head file's text; only a head sealed under `key`'s head key is returned.
    pub fn read(text: &str, key: &AuditKey) -> Result<Self, Tamper> {
        let forged = |reason: &str| Tamper::HeadForged {
            reason: reason.to_owned(),
        };
        let mut lines = text.lines();
        let magic = lines.next();
        let seq = lines
            .next()
            .and_then(|l| l.strip_prefix("seq "))
            .and_then(|n| n.parse::<i64>().ok());
        if magic == Some(MAGIC_UNSIGNED) {
            return Err(match seq {
                Some(seq) => Tamper::HeadUnsigned { seq },
                None => forged("line 2 is not \"seq <number>\""),
            });
        }
        if magic != Some(MAGIC) {
            return Err(forged(&format!("the first line is not \"{MAGIC}\"")));
        }
        let seq = seq.ok_or_else(|| forged("line 2 is not \"seq <number>\""))?;
        let mac = lines
            .next()
            .and_then(|l| l.strip_prefix("mac "))
            .and_then(Mac::from_hex)
            .ok_or_else(|| forged("line 3 is not \"mac <64 hex digits>\""))?;
        let seal = lines
            .next()
            .and_then(|l| l.strip_prefix("seal "))
            .and_then(Mac::from_hex)
            .ok_or_else(|| forged("line 4 is not \"seal <64 hex digits>\""))?;
        let head = Self { seq, mac };
        // `verify_slice` compares in constant time.
        head.seal_mac(key)
            .verify_slice(&seal.0)
            .map_err(|_| forged("its seal does not match the audit key"))?;
        Ok(head)
    }
}
