//! Anchors: sealed heads appended, one a line, to a file the database writer cannot rewrite.
//!
//! The head file lives beside the database, so whoever can rewrite the database and holds
//! the data directory can put back an older head (or seal a new one with the key found
//! there) after cutting the newest entries. An anchor file on another mount, opened only
//! for appending, keeps every head ever anchored: verification then requires the log to
//! reach each of them, with the same MAC.
//!
//! A line: `chartroom-audit-anchor-1 seq=N mac=HEX at=RFC3339 seal=HEX`, the seal an HMAC
//! under the head key over the magic, `seq`, the MAC and the time as written; its magic
//! differs from the head file's, so a head seal never passes as an anchor seal.
//!
//! Invariants:
//! - Reading never panics; a line that is not authentic is a `Tamper` naming its number.
//! - Anchors are evidence only in addition to the chain: an anchor never makes a broken
//!   chain pass.

use super::{AuditKey, Head, HmacSha256, Mac, Tamper};
use hmac::Mac as _;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const MAGIC: &str = "chartroom-audit-anchor-1";

/// One anchored head and when it was anchored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Anchor {
    /// The head anchored.
    pub head: Head,
    /// When (UTC).
    pub at: OffsetDateTime,
}

fn seal_mac(key: &AuditKey, head: &Head, at: &str) -> HmacSha256 {
    let mut mac = key.head_key().mac();
    mac.update(MAGIC.as_bytes());
    mac.update(&head.seq.to_be_bytes());
    mac.update(&head.mac.0);
    mac.update(at.as_bytes());
    mac
}

impl Anchor {
    /// The anchor's line (without its line break), sealed under `key`'s head key.
    pub fn to_line(&self, key: &AuditKey) -> String {
        // RFC 3339 always formats a UTC instant; the fallback keeps the no-panic rule.
        let at = self
            .at
            .to_offset(time::UtcOffset::UTC)
            .format(&Rfc3339)
            .unwrap_or_default();
        let seal = hex::encode(seal_mac(key, &self.head, &at).finalize().into_bytes());
        format!(
            "{MAGIC} seq={} mac={} at={at} seal={seal}",
            self.head.seq, self.head.mac
        )
    }

    /// Reads one line; only a line sealed under `key`'s head key is returned.
    fn read_line(line: &str, key: &AuditKey) -> Result<Self, String> {
        let mut words = line.split(' ');
        if words.next() != Some(MAGIC) {
            return Err(format!("it does not start with \"{MAGIC}\""));
        }
        let mut field = |name: &str| {
            words
                .next()
                .and_then(|w| w.strip_prefix(name))
                .and_then(|w| w.strip_prefix('='))
                .ok_or_else(|| format!("\"{name}=\" is missing or out of place"))
        };
        let seq = field("seq")?;
        let seq = seq
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| format!("seq \"{seq}\" is not an entry number"))?;
        let mac = Mac::from_hex(field("mac")?).ok_or("mac is not 64 hex digits")?;
        let at_text = field("at")?;
        let at = OffsetDateTime::parse(at_text, &Rfc3339)
            .map_err(|_| format!("at \"{at_text}\" is not an RFC 3339 instant"))?;
        let seal = Mac::from_hex(field("seal")?).ok_or("seal is not 64 hex digits")?;
        if words.next().is_some() {
            return Err("it has more than the four fields".into());
        }
        let head = Head { seq, mac };
        // `verify_slice` compares in constant time.
        seal_mac(key, &head, at_text)
            .verify_slice(&seal.0)
            .map_err(|_| "its seal does not match the audit key".to_owned())?;
        Ok(Self { head, at })
    }
}

/// Reads an anchor file's text: every non-empty line must be an authentic anchor.
pub fn read_anchors(text: &str, key: &AuditKey) -> Result<Vec<Anchor>, Tamper> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(idx, line)| {
            Anchor::read_line(line.trim_end_matches('\r'), key).map_err(|reason| {
                Tamper::AnchorForged {
                    line: idx + 1,
                    reason,
                }
            })
        })
        .collect()
}
