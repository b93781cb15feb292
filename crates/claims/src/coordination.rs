//! Coordination of benefits: the claim to a later payer (secondary, tertiary) carries every
//! earlier payer's decision, claim and lines (837 loops 2320, 2330A, 2330B and 2430), and
//! posting an 835 that leaves the patient a share drafts the claim to the next payer the
//! patient has on the date of service.
//!
//! Balancing (837P and 837I TR3, loop 2320 and 2430 notes): for each earlier payer, CLM02
//! is its payment (2320 AMT*D) plus its claim-level (2320 CAS) and line-level (2430 CAS)
//! adjustments, and each line's charge is that line's SVD02 plus its CAS. The 835 the
//! decision came from balanced the same way, so the claim balances as long as its lines are
//! the ones the earlier payer decided on; `balance_problems` says where it does not, and
//! the scrubber holds the claim on it.

use crate::build::BuildProblem;
use crate::claim::ProfessionalClaim;
use crate::professional::{Name, nm1};
use records::{AdjustmentAmount, Claim, ClaimStatus, CoverageOrder, LineAdjudication};
use store::{Actor, Stored, Tx};
use x12::{InterchangeWriter, Result, d8};

/// For each earlier payer, the adjudicated line (index into its decision's lines) each
/// claim line answers to, if any.
pub(crate) struct MatchedLines(Vec<Vec<Option<usize>>>);

/// CARC 23, "the impact of prior payer(s) adjudication including payments and/or
/// adjustments": on a later payer's 835 it restates what the earlier payers' 835s already
/// posted, so it is neither a denial nor written off again.
pub(crate) const PRIOR_PAYER_IMPACT: &str = "23";

/// The CAS triplets one segment carries.
const CAS_TRIPLETS: usize = 6;

/// Matches each of `claim`'s lines to the line the earlier payer decided on: the first not
/// yet matched with the same code and modifiers, else the same code (payers drop or add
/// modifiers), as the 835 posting does.
pub(crate) fn match_lines(claim: &ProfessionalClaim) -> MatchedLines {
    MatchedLines(
        claim
            .other_payers
            .iter()
            .map(|other| {
                let decided = &other.adjudication.lines;
                let mut used = vec![false; decided.len()];
                claim
                    .lines
                    .iter()
                    .map(|line| {
                        let same = |l: &LineAdjudication, exact: bool| {
                            l.code == line.code && (!exact || l.modifiers == line.modifiers)
                        };
                        let at = (0..decided.len())
                            .find(|&i| !used[i] && same(&decided[i], true))
                            .or_else(|| {
                                (0..decided.len()).find(|&i| !used[i] && same(&decided[i], false))
                            })?;
                        used[at] = true;
                        Some(at)
                    })
                    .collect()
            })
            .collect(),
    )
}

/// Where a claim to a later payer does not balance with the earlier payers' decisions,
/// each naming the payer, the line and the amounts; empty when it balances.
pub fn balance_problems(claim: &ProfessionalClaim) -> Vec<String> {
    let matched = match_lines(claim);
    let mut problems = Vec::new();
    for (other, lines) in claim.other_payers.iter().zip(&matched.0) {
        let decided = &other.adjudication;
        let payer = &other.payer.name;
        let has_lines = lines.iter().any(Option::is_some);
        let mut accounted = decided.paid_cents + sum(&decided.adjustments);
        for (idx, (line, at)) in claim.lines.iter().zip(lines).enumerate() {
            match at {
                Some(at) => {
                    let l = &decided.lines[*at];
                    accounted += sum(&l.adjustments);
                    if l.paid_cents + sum(&l.adjustments) != line.charge_cents {
                        problems.push(format!(
                            "line {} ({}): charge {} is not {payer}'s payment {} and adjustments {} (loop 2430)",
                            idx + 1,
                            line.code,
                            x12::format_cents(line.charge_cents),
                            x12::format_cents(l.paid_cents),
                            x12::format_cents(sum(&l.adjustments)),
                        ));
                    }
                }
                None if has_lines => problems.push(format!(
                    "line {} ({}): {payer} decided on no such line (its 835 lists {})",
                    idx + 1,
                    line.code,
                    decided
                        .lines
                        .iter()
                        .map(|l| l.code.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                None => {}
            }
        }
        if accounted != claim.total_cents() {
            problems.push(format!(
                "total charge {} is not {payer}'s payment {} and adjustments {} (loops 2320 and 2430)",
                x12::format_cents(claim.total_cents()),
                x12::format_cents(decided.paid_cents),
                x12::format_cents(accounted - decided.paid_cents),
            ));
        }
    }
    problems
}

fn sum(adjustments: &[AdjustmentAmount]) -> i64 {
    adjustments.iter().map(|a| a.amount_cents).sum()
}

/// The patient's share (group PR) among `adjustments`.
fn patient_share(adjustments: &[AdjustmentAmount]) -> i64 {
    adjustments
        .iter()
        .filter(|a| a.group == "PR")
        .map(|a| a.amount_cents)
        .sum()
}

/// CAS segments for `adjustments`: one per group, in the order the groups first appear,
/// at most six reasons each (a seventh starts another segment of the group).
fn cas(w: &mut InterchangeWriter, adjustments: &[AdjustmentAmount]) -> Result<()> {
    let mut groups: Vec<&str> = Vec::new();
    for a in adjustments {
        if !groups.contains(&a.group.as_str()) {
            groups.push(&a.group);
        }
    }
    for group in groups {
        let of_group: Vec<&AdjustmentAmount> =
            adjustments.iter().filter(|a| a.group == group).collect();
        for chunk in of_group.chunks(CAS_TRIPLETS) {
            let mut segment = w.segment("CAS").el(group);
            for a in chunk {
                segment = segment.el(&a.reason).cents(a.amount_cents).empty();
            }
            segment.end()?;
        }
    }
    Ok(())
}

/// Loops 2320, 2330A and 2330B for each earlier payer; returns the line matching for 2430.
pub(crate) fn write_other_payers(
    w: &mut InterchangeWriter,
    claim: &ProfessionalClaim,
) -> Result<MatchedLines> {
    let matched = match_lines(claim);
    for (other, lines) in claim.other_payers.iter().zip(&matched.0) {
        let decided = &other.adjudication;
        let subscriber = &other.subscriber;
        let responsibility = subscriber.payer_responsibility.to_string();
        w.segment("SBR")
            .el(&responsibility)
            .el(other.relationship)
            .opt(subscriber.group_number.as_deref())
            .empty()
            .empty()
            .empty()
            .empty()
            .empty()
            .el(subscriber.filing.code())
            .end()?;
        cas(w, &decided.adjustments)?;
        w.segment("AMT").el("D").cents(decided.paid_cents).end()?;
        if decided.patient_responsibility_cents > 0 {
            w.segment("AMT")
                .el("EAF")
                .cents(decided.patient_responsibility_cents)
                .end()?;
        }
        // Benefits assigned (OI03) and the patient's release on file (OI06), as CLM08/09.
        w.segment("OI")
            .empty()
            .empty()
            .el("Y")
            .empty()
            .empty()
            .el("Y")
            .end()?;
        // 2330A other subscriber.
        nm1(
            w,
            "IL",
            Name::Person(&subscriber.family_name, &subscriber.given_name),
            "MI",
            &subscriber.member_id,
        )?;
        // 2330B other payer.
        nm1(
            w,
            "PR",
            Name::Organization(&other.payer.name),
            "PI",
            &other.payer.id,
        )?;
        // The claim-level remittance date goes here only when no line carries one (2430).
        if lines.iter().all(Option::is_none) {
            w.segment("DTP")
                .el("573")
                .el("D8")
                .el(&d8(decided.remitted_on))
                .end()?;
        }
    }
    Ok(matched)
}

/// Loop 2430 of line `line_idx` for each earlier payer that decided on it; `revenue_code`
/// is SVD04 on an institutional claim.
pub(crate) fn write_line_adjudications(
    w: &mut InterchangeWriter,
    claim: &ProfessionalClaim,
    matched: &MatchedLines,
    line_idx: usize,
    revenue_code: Option<&str>,
) -> Result<()> {
    let Some(line) = claim.lines.get(line_idx) else {
        return Ok(());
    };
    for (other, lines) in claim.other_payers.iter().zip(&matched.0) {
        let Some(Some(at)) = lines.get(line_idx) else {
            continue;
        };
        let decided = &other.adjudication.lines[*at];
        let mut procedure = vec!["HC", decided.code.as_str()];
        procedure.extend(decided.modifiers.iter().take(4).map(String::as_str));
        let svd = w
            .segment("SVD")
            .el(&other.payer.id)
            .cents(decided.paid_cents);
        let svd = match revenue_code {
            // An institutional line billed by revenue code alone names no procedure.
            Some(revenue) if decided.code == revenue => svd.empty().el(revenue),
            Some(revenue) => svd.composite(&procedure).el(revenue),
            None => svd.composite(&procedure).empty(),
        };
        svd.int(i64::from(line.units)).end()?;
        cas(w, &decided.adjustments)?;
        w.segment("DTP")
            .el("573")
            .el("D8")
            .el(&d8(other.adjudication.remitted_on))
            .end()?;
        let share = patient_share(&decided.adjustments);
        if share > 0 {
            w.segment("AMT").el("EAF").cents(share).end()?;
        }
    }
    Ok(())
}

/// The order billed after `order`, if any.
fn next_order(order: CoverageOrder) -> Option<CoverageOrder> {
    match order {
        CoverageOrder::Primary => Some(CoverageOrder::Secondary),
        CoverageOrder::Secondary => Some(CoverageOrder::Tertiary),
        CoverageOrder::Tertiary => None,
    }
}

/// What posting did about the next payer after a payer's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextPayer {
    /// The claim to the next payer, drafted now or already on file (`claims` id).
    Drafted { claim_id: i64, order: CoverageOrder },
    /// The patient has a next payer, but its claim cannot be built: every reason.
    NotBuilt {
        order: CoverageOrder,
        problems: Vec<BuildProblem>,
    },
}

/// After `decided` was adjudicated: when the payer left the patient a share and the patient
/// has coverage of the next order on the date of service, drafts the claim to that payer
/// (or finds the one on file), in the caller's transaction. `None` when nothing follows.
pub(crate) fn draft_next_payer(
    tx: &mut Tx<'_>,
    actor: &Actor,
    decided: &Stored<Claim>,
) -> store::Result<Option<NextPayer>> {
    let claim = &decided.record;
    let Some(adjudication) = &claim.adjudication else {
        return Ok(None);
    };
    let decided_on = matches!(
        claim.status,
        ClaimStatus::Paid | ClaimStatus::PartiallyPaid | ClaimStatus::Denied
    );
    let Some(order) = next_order(claim.coverage_order) else {
        return Ok(None);
    };
    if !decided_on || adjudication.patient_responsibility_cents <= 0 {
        return Ok(None);
    }
    let covered = tx
        .for_patient::<records::Coverage>(claim.patient_id.0)?
        .iter()
        .any(|c| c.record.coverage_order == order && c.record.in_force_on(claim.service_date));
    if !covered {
        return Ok(None);
    }
    let drafted = crate::lifecycle::draft_claim(tx, actor, claim.encounter_id, order, claim.kind)?;
    Ok(Some(match drafted {
        Ok(next) => NextPayer::Drafted {
            claim_id: next.meta.id,
            order,
        },
        Err(problems) => NextPayer::NotBuilt { order, problems },
    }))
}
