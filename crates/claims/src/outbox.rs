//! Sending claims to a directory the clearinghouse's transport picks up: the 837 files of
//! one submission written inside its transaction, so the command line and the billing
//! pages send the same way.
//!
//! Invariants: a file that cannot be written sends nothing (the caller's transaction is
//! refused, so no claim is marked sent and no control number is used); each claim's
//! change is returned with the claim as it was, for the caller's audit entries.

use std::path::{Path, PathBuf};

use records::{Claim, ClaimId, ClaimKind};
use store::{Actor, Stored, Tx};
use time::PrimitiveDateTime;

use crate::lifecycle::submit_claims;
use crate::submitter::Submitter;

/// One 837 written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenFile {
    /// Where.
    pub path: PathBuf,
    /// 837P or 837I.
    pub kind: ClaimKind,
    /// How many claims it carries.
    pub claims: usize,
    /// Their total charge.
    pub total_cents: i64,
}

/// What sending did.
#[derive(Debug, Clone, Default)]
pub struct Sent {
    /// The files written.
    pub files: Vec<WrittenFile>,
    /// The claims held back, each with why.
    pub held: Vec<(ClaimId, String)>,
    /// Each claim sent: as it was, and as it is now.
    pub changes: Vec<(Option<Stored<Claim>>, Stored<Claim>)>,
}

/// Sends the scrubbed claims among `ids` (`submit_claims`) and writes each file into `dir`
/// (created if missing) as `837-<ISA13>.x12`, in the caller's transaction.
pub fn send_to_dir(
    tx: &mut Tx<'_>,
    actor: &Actor,
    ids: &[ClaimId],
    submitter: &Submitter,
    at: PrimitiveDateTime,
    delimiters: x12::Delimiters,
    dir: &Path,
) -> store::Result<Sent> {
    let refused = |what: String| store::Error::Conflict(format!("{what}; nothing was sent"));
    let before: Vec<Stored<Claim>> = ids
        .iter()
        .map(|id| tx.get::<Claim>(id.0))
        .collect::<store::Result<_>>()?;
    let submission = submit_claims(tx, actor, ids, submitter, at, delimiters)?;
    if !submission.files.is_empty() {
        std::fs::create_dir_all(dir)
            .map_err(|e| refused(format!("creating {}: {e}", dir.display())))?;
    }
    let mut files = Vec::new();
    for file in &submission.files {
        let path = dir.join(format!(
            "{}-{:09}.x12",
            file.kind.transaction(),
            file.numbers.interchange
        ));
        std::fs::write(&path, &file.text)
            .map_err(|e| refused(format!("writing {}: {e}", path.display())))?;
        let of_kind = submission
            .sent
            .iter()
            .filter(|c| c.record.kind == file.kind);
        files.push(WrittenFile {
            path,
            kind: file.kind,
            claims: of_kind.clone().count(),
            total_cents: of_kind.map(|c| c.record.total_cents).sum(),
        });
    }
    let changes = submission
        .sent
        .into_iter()
        .map(|after| {
            let earlier = before.iter().find(|b| b.meta.id == after.meta.id).cloned();
            (earlier, after)
        })
        .collect();
    Ok(Sent {
        files,
        held: submission.held,
        changes,
    })
}
