//! The cause of an injury (Guidelines I.C.20): the statement's words the conditions left
//! unused are walked on the External Cause of Injuries Index, and the code it gives is
//! reported after the codes it explains, with the 7th character of the injury's encounter.
//!
//! Invariants: an external cause code is added only beside an injury or another effect of
//! an external cause (S00-T34, T66-T78), never first-listed; only the cause itself
//! (V00-Y38), not place, activity or status (Y92, Y93, Y99 need their own words and are left
//! to the coder); the 7th character follows the injury's episode (A for B and C too, S
//! for S, D for the other subsequent-care letters) or is a question like any other.

use crate::cm::CmRelease;
use crate::code;
use crate::index::IndexKind;

use super::walk::{Indexes, Landing, walk_from};
use super::words::Statement;
use super::{EncodeRequest, Encoding, Step, StepKind, tabular};

/// A code an external cause explains: injuries and the other effects of external causes.
fn explained_by_cause(code_text: &str) -> bool {
    let c = code::normalize(code_text);
    let Some(category) = c.get(..3) else {
        return false;
    };
    category.starts_with('S')
        || ("T00"..="T34").contains(&category)
        || ("T66"..="T78").contains(&category)
}

/// An external cause of the kind reported with an injury (not place, activity or status).
fn is_cause(code_text: &str) -> bool {
    let c = code::normalize(code_text);
    c.get(..3).is_some_and(|cat| ("V00"..="Y38").contains(&cat))
}

/// The external cause's 7th character for an injury's: the episode of care it names.
fn episode(injury: &str) -> Option<char> {
    let c = code::normalize(injury);
    if c.len() != 7 {
        return None;
    }
    match c.chars().last()? {
        'A' | 'B' | 'C' => Some('A'),
        'S' => Some('S'),
        'D' | 'E' | 'F' | 'G' | 'H' | 'J' | 'K' | 'M' | 'N' | 'P' | 'Q' | 'R' => Some('D'),
        _ => None,
    }
}

impl Indexes<'_> {
    /// The best landing on the External Cause Index for the words left.
    fn land_cause(&self, st: &Statement, avail: u64) -> Option<Landing> {
        let (ix, main) = self
            .list
            .iter()
            .zip(self.mains)
            .find(|(ix, _)| ix.kind == IndexKind::ExternalCause)?;
        let mut best: Option<Landing> = None;
        for (term, used, via) in self.starts(st, avail, ix, main) {
            // The main term's own name must be said ("Fall", "Bite"): a later variant such
            // as "Sliver, wood, contact with" is an alias of a phrase many causes share.
            let named = ix.terms.get(term as usize).is_some_and(|t| {
                let first = t.title.split(',').next().unwrap_or_default();
                st.match_title(first, "", avail).is_some()
            });
            if via.is_some() || !named {
                continue;
            }
            let Some(mut l) = walk_from(ix, main, st, term, avail & !used, &is_cause) else {
                continue;
            };
            l.used |= used;
            l.score += st.weight(used);
            if is_cause(&l.code) && best.as_ref().is_none_or(|b| l.score > b.score) {
                best = Some(l);
            }
        }
        best
    }
}

/// Adds the external cause after `codes` when one of them is an injury and the words the
/// conditions left name a cause.
pub(crate) fn add_cause(
    r: &CmRelease,
    indexes: &Indexes<'_>,
    st: &Statement,
    req: &EncodeRequest,
    unused: u64,
    codes: &mut Vec<(u32, String)>,
    out: &mut Encoding,
) {
    let Some(injury) = codes
        .iter()
        .filter_map(|(n, _)| r.node(*n))
        .find(|n| explained_by_cause(&n.code))
    else {
        return;
    };
    let injury_code = injury.code.clone();
    let Some(l) = indexes.land_cause(st, unused) else {
        return;
    };
    if st.weight(l.used) == 0 {
        return;
    }
    let mut steps: Vec<Step> = l
        .trail
        .iter()
        .map(|t| Step {
            kind: StepKind::Index,
            text: format!("External Cause {t}"),
            source: "External Cause of Injuries Index (Guidelines I.C.20)".into(),
        })
        .collect();
    let mut answers = req.answers.clone();
    let mut done = tabular::complete(r, &l.code, st, unused & !l.used, &[], &answers, &mut steps);
    // The cause's episode is the injury's (I.C.20.a): answered from it, not asked again.
    if let (Some(c), Some(letter)) = (&done, episode(&injury_code))
        && let Some(q) = &c.question
        && q.choices
            .iter()
            .any(|choice| choice.value == letter.to_string())
    {
        answers.push((q.id.clone(), letter.to_string()));
        steps.push(Step {
            kind: StepKind::Tabular,
            text: format!(
                "{}: 7th character {letter}, the episode of care of {}",
                q.id,
                injury.display_code()
            ),
            source: "Guidelines I.C.20.a (the external cause's 7th character follows the injury's encounter)".into(),
        });
        done = tabular::complete(r, &l.code, st, unused & !l.used, &[], &answers, &mut steps);
    }
    let Some(done) = done else {
        return;
    };
    if codes.iter().any(|(n, _)| *n == done.node) {
        return;
    }
    out.steps.extend(steps);
    if let Some(q) = done.question {
        out.questions.push(q);
    }
    codes.push((
        done.node,
        format!(
            "External Cause Index: {} (the cause of {}, sequenced after it, Guidelines I.C.20)",
            l.trail.last().cloned().unwrap_or_default(),
            injury.display_code()
        ),
    ));
}
