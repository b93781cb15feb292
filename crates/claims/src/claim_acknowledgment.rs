//! The payer's 277CA (005010X214): the health care claim acknowledgment of an incoming 837,
//! after its review. The payer (2000A) tells the submitter (2000B) how many claims it took
//! in and for how much, then per billing provider (2000C) each claim (2000D/2200D): accepted
//! for adjudication (`A2:20`, with the payer's claim number in REF*1K) or returned as
//! unprocessable (`A3:21`, the review's first finding in STC12).
//!
//! Invariants:
//! - The 277CA goes back to whoever sent the 837: ISA and GS sender and receiver swapped,
//!   as the 999's.
//! - Every claim the review found is acknowledged once, under its billing provider, in file
//!   order; the counts and amounts of 2200B and 2200C are the sums of the claims below them.
//! - The payer's claim numbers are the 277CA's interchange number and the claim's place in
//!   it, so they never repeat as long as the interchange numbers do not.

use crate::implementation_ack::{AckNumbers, answering};
use crate::professional::{Name, nm1};
use crate::review::{ClaimReview, FileReview};
use x12::{Delimiters, InterchangeWriter, Result, d8};

/// The implementation convention of the 277CA.
const VERSION: &str = "005010X214";

/// The longest STC12 (free-form message text).
const MESSAGE_LEN: usize = 264;

/// The parties of the incoming 837's first transaction set: submitter (1000A), receiver
/// (1000B) and the submitter's batch id (BHT03).
#[derive(Default)]
struct Parties {
    submitter: (String, String),
    receiver: (String, String),
    batch: String,
}

fn parties(interchange: &x12::Interchange<'_>) -> Parties {
    let mut found = Parties::default();
    if let Some(transaction) = interchange.transactions().next() {
        for segment in &transaction.segments {
            match (segment.id, segment.element(1)) {
                ("BHT", _) => found.batch = segment.element(3).to_owned(),
                ("NM1", "41") => {
                    found.submitter = (segment.element(3).to_owned(), segment.element(9).to_owned())
                }
                ("NM1", "40") => {
                    found.receiver = (segment.element(3).to_owned(), segment.element(9).to_owned())
                }
                ("HL", _) => break,
                _ => {}
            }
        }
    }
    found
}

/// The payer's claim number for the `n`th claim (from 1) of the 277CA numbered `interchange`.
pub fn payer_claim_number(interchange: u32, n: usize) -> String {
    format!("PCN{interchange}-{n}")
}

/// Text safe in an element: the 837's own delimiters and control characters become spaces.
fn element_text(text: &str, delimiters: Delimiters, max: usize) -> String {
    let clean: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_control() || delimiters.occurs_in(&c.to_string()).is_some() {
                ' '
            } else {
                c
            }
        })
        .collect();
    let trimmed = clean.trim();
    match trimmed.char_indices().nth(max) {
        Some((at, _)) => trimmed[..at].trim_end().to_owned(),
        None => trimmed.to_owned(),
    }
}

/// Claims counted and summed: accepted, rejected.
#[derive(Default, Clone, Copy)]
struct Tally {
    accepted: (i64, i64),
    rejected: (i64, i64),
}

impl Tally {
    fn of<'a>(claims: impl Iterator<Item = &'a ClaimReview>) -> Self {
        let mut tally = Self::default();
        for claim in claims {
            let side = if claim.findings.is_empty() {
                &mut tally.accepted
            } else {
                &mut tally.rejected
            };
            side.0 += 1;
            side.1 += claim.total_cents.max(0);
        }
        tally
    }

    fn total_cents(self) -> i64 {
        self.accepted.1 + self.rejected.1
    }

    /// QTY and AMT with the qualifiers of the level (2200B: 90/AA, 2200C: QA/QC).
    fn write(self, w: &mut InterchangeWriter, quantities: (&str, &str)) -> Result<()> {
        if self.accepted.0 > 0 {
            w.segment("QTY")
                .el(quantities.0)
                .int(self.accepted.0)
                .end()?;
        }
        if self.rejected.0 > 0 {
            w.segment("QTY")
                .el(quantities.1)
                .int(self.rejected.0)
                .end()?;
        }
        if self.accepted.0 > 0 {
            w.segment("AMT").el("YU").cents(self.accepted.1).end()?;
        }
        if self.rejected.0 > 0 {
            w.segment("AMT").el("YY").cents(self.rejected.1).end()?;
        }
        Ok(())
    }
}

/// The 277CA answering the 837 `text` whose review is `review`, written at `at`; an error
/// when the 837's ISA cannot be read (there is then no one to answer).
pub fn write_277ca(
    text: &str,
    review: &FileReview,
    numbers: AckNumbers,
    at: time::PrimitiveDateTime,
) -> Result<String> {
    let incoming = x12::read(text)?;
    let isa = &incoming.isa;
    let delimiters = Delimiters::default();
    let mut w = answering(&incoming, numbers, at, "HN", VERSION)?;
    w.begin_transaction("277", 1, VERSION)?;
    let mut parties = parties(&incoming);
    // Without loops 1000A/1000B, the interchange's own ids name the two sides.
    if parties.receiver.1.is_empty() {
        parties.receiver = ("PAYER".into(), isa.element(8).trim().to_owned());
    }
    if parties.submitter.1.is_empty() {
        parties.submitter = ("SUBMITTER".into(), isa.element(6).trim().to_owned());
    }
    let today = d8(at.date());
    let batch = if parties.batch.is_empty() {
        "0".to_owned()
    } else {
        element_text(&parties.batch, delimiters, 50)
    };
    w.segment("BHT")
        .el("0085")
        .el("08")
        .el(&format!("{}", numbers.interchange))
        .el(&today)
        .el(&format!("{:02}{:02}", at.hour(), at.minute()))
        .el("TH")
        .end()?;

    // 2000A the payer (the 837's receiver), 2200A the receipt.
    w.segment("HL").el("1").empty().el("20").el("1").end()?;
    let (payer_name, payer_id) = &parties.receiver;
    nm1(
        &mut w,
        "PR",
        Name::Organization(&element_text(payer_name, delimiters, 60)),
        "46",
        &element_text(payer_id, delimiters, 80),
    )?;
    w.segment("TRN").el("1").el(&batch).end()?;
    w.segment("DTP").el("050").el("D8").el(&today).end()?;
    w.segment("DTP").el("009").el("D8").el(&today).end()?;

    // 2000B the submitter, 2200B what was taken in.
    w.segment("HL").el("2").el("1").el("21").el("1").end()?;
    let (submitter_name, submitter_id) = &parties.submitter;
    nm1(
        &mut w,
        "41",
        Name::Organization(&element_text(submitter_name, delimiters, 60)),
        "46",
        &element_text(submitter_id, delimiters, 80),
    )?;
    w.segment("TRN").el("2").el(&batch).end()?;
    let all = Tally::of(review.claims.iter());
    w.segment("STC")
        .composite(&["A1", "19", "PR"])
        .el(&today)
        .el("WQ")
        .cents(all.total_cents())
        .end()?;
    all.write(&mut w, ("90", "AA"))?;

    // 2000C per billing provider, in the order they first appear; 2000D per claim.
    let mut providers: Vec<(&str, &str)> = Vec::new();
    for claim in &review.claims {
        let key = (claim.billing_npi.as_str(), claim.billing_name.as_str());
        if !providers.contains(&key) {
            providers.push(key);
        }
    }
    let mut hl = 2u32;
    let mut n = 0usize;
    for (npi, name) in providers {
        hl += 1;
        let provider_hl = hl.to_string();
        w.segment("HL")
            .el(&provider_hl)
            .el("2")
            .el("19")
            .el("1")
            .end()?;
        nm1(
            &mut w,
            "85",
            Name::Organization(&element_text(name, delimiters, 60)),
            "XX",
            &element_text(npi, delimiters, 80),
        )?;
        w.segment("TRN").el("1").el("0").end()?;
        let of_provider = || {
            review
                .claims
                .iter()
                .filter(move |c| c.billing_npi == npi && c.billing_name == name)
        };
        let tally = Tally::of(of_provider());
        // STC02 is not used at the provider level (TR3 2200C).
        w.segment("STC")
            .composite(&["A1", "19"])
            .empty()
            .el("WQ")
            .cents(tally.total_cents())
            .end()?;
        tally.write(&mut w, ("QA", "QC"))?;
        for claim in of_provider() {
            n += 1;
            hl += 1;
            let number = payer_claim_number(numbers.interchange, n);
            write_claim(
                &mut w,
                claim,
                (hl, &provider_hl),
                &today,
                delimiters,
                number,
            )?;
        }
    }
    w.end_transaction()?;
    w.end_group()?;
    w.finish()
}

/// Loops 2000D, 2100D and 2200D of one claim.
fn write_claim(
    w: &mut InterchangeWriter,
    claim: &ClaimReview,
    (hl, parent): (u32, &str),
    today: &str,
    delimiters: Delimiters,
    payer_number: String,
) -> Result<()> {
    w.segment("HL")
        .el(&hl.to_string())
        .el(parent)
        .el("PT")
        .end()?;
    let (family, given) = &claim.patient;
    let member = element_text(&claim.member_id, delimiters, 80);
    w.segment("NM1")
        .el("QC")
        .el("1")
        .el(&element_text(family, delimiters, 60))
        .el(&element_text(given, delimiters, 35))
        .empty()
        .empty()
        .empty()
        .opt(Some("MI").filter(|_| !member.is_empty()))
        .el(&member)
        .end()?;
    w.segment("TRN")
        .el("2")
        .el(&element_text(&claim.claim_id, delimiters, 50))
        .end()?;
    let total = claim.total_cents.max(0);
    match claim.findings.first() {
        None => {
            w.segment("STC")
                .composite(&["A2", "20"])
                .el(today)
                .el("WQ")
                .cents(total)
                .end()?;
            w.segment("REF").el("1K").el(&payer_number).end()?;
        }
        Some(finding) => {
            let more = claim.findings.len() - 1;
            let message = if more == 0 {
                finding.clone()
            } else {
                format!("{finding} (and {more} more)")
            };
            w.segment("STC")
                .composite(&["A3", "21"])
                .el(today)
                .el("U")
                .cents(total)
                .empty()
                .empty()
                .empty()
                .empty()
                .empty()
                .empty()
                .empty()
                .el(&element_text(&message, delimiters, MESSAGE_LEN))
                .end()?;
        }
    }
    match claim.service_dates {
        Some((from, to)) if from == to => {
            w.segment("DTP").el("472").el("D8").el(&d8(from)).end()?;
        }
        Some((from, to)) => {
            w.segment("DTP")
                .el("472")
                .el("RD8")
                .el(&format!("{}-{}", d8(from), d8(to)))
                .end()?;
        }
        // DTP*472 is required; a claim without a date of service is acknowledged as
        // received today.
        None => {
            w.segment("DTP").el("472").el("D8").el(today).end()?;
        }
    }
    Ok(())
}
