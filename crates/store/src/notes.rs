//! Note signing: which notes wait for a provider's signature, the signature itself, and
//! which provider a user account signs as.
//!
//! Invariants:
//! - Who may sign and what signing sets are `records::ClinicalNote::signed`'s rules; this
//!   module only reads what they need (the encounter's attending) and stores the result as
//!   an ordinary update, so the unsigned version stays in the note's history.
//! - An account speaks for at most one provider; the link lives in `external_ids` (source
//!   `account`, kind `provider`, key the username), so no schema change was needed.

use crate::error::{Error, Result};
use crate::tx::{Actor, Stored, Tx};
use crate::value::Value;
use records::{ClinicalNote, Encounter, Npi, Provider, ProviderId};

const ACCOUNT_SOURCE: &str = "account";
const PROVIDER_KIND: &str = "provider";

impl Tx<'_> {
    /// Unsigned notes `provider` may sign (as author, or as attending of the note's
    /// encounter), oldest first, at most `limit`.
    pub fn unsigned_notes_for(
        &mut self,
        provider: ProviderId,
        limit: i64,
    ) -> Result<Vec<Stored<ClinicalNote>>> {
        self.select(
            "signed_at IS NULL AND (author_id = ? OR encounter_id IN \
             (SELECT id FROM encounters WHERE attending_id = ? AND deleted_at IS NULL))",
            &[Value::Int(provider.0), Value::Int(provider.0)],
            "authored_at, id",
            limit.max(0),
        )
    }

    /// Signs note `id` (read at `version`) as `signer`, now; refused with every reason
    /// when the note is signed already, or `signer` is neither author nor attending.
    pub fn sign_note(
        &mut self,
        actor: &Actor,
        id: i64,
        version: i64,
        signer: ProviderId,
    ) -> Result<Stored<ClinicalNote>> {
        let note = self.get::<ClinicalNote>(id)?;
        let attending = match note.record.encounter_id {
            Some(encounter) => self.get::<Encounter>(encounter.0)?.record.attending_id,
            None => None,
        };
        let signed = note
            .record
            .signed(signer, attending, self.now())
            .map_err(|errors| Error::Invalid {
                kind: "note",
                errors,
            })?;
        self.update(actor, id, version, &signed)
    }

    /// The current provider with `npi`, if any.
    pub fn provider_by_npi(&mut self, npi: &Npi) -> Result<Option<Stored<Provider>>> {
        Ok(self
            .select("npi = ?", &[Value::from(npi.to_string())], "id", 1)?
            .into_iter()
            .next())
    }

    /// The provider the account `username` signs as, if it is linked to one.
    pub fn account_provider(&mut self, username: &str) -> Result<Option<ProviderId>> {
        Ok(self
            .external_id(ACCOUNT_SOURCE, PROVIDER_KIND, username)?
            .map(ProviderId))
    }

    /// Links the account `username` to `provider` (replacing an earlier link); the
    /// provider must exist.
    pub fn link_account_provider(&mut self, username: &str, provider: ProviderId) -> Result<()> {
        self.get::<Provider>(provider.0)?;
        self.unlink_external_id(ACCOUNT_SOURCE, PROVIDER_KIND, username)?;
        self.link_external_id(ACCOUNT_SOURCE, PROVIDER_KIND, username, provider.0)
    }
}
