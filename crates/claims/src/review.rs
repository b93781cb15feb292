//! The payer's side: reviewing incoming 837P/837I files. Each claim (CLM, loop 2300) gets
//! its findings and a 277CA-style status; problems in the file itself are reported with
//! their segment number and loop, and the claims of sound transaction sets are still
//! reviewed.
//!
//! Findings (what pyx12 does not check): the billing and rendering NPIs' check digits,
//! CLM02 against the sum of the lines (SV102 / SV203), diagnosis codes shaped like
//! ICD-10-CM (ICD-9-CM qualifiers BK/BF refused), and line pointers (SV107) that point at no diagnosis.

use crate::claim::ServiceLine;
use codes::CodeSets;
use records::{Npi, normalize_icd10cm};
use x12::{Error, Transaction};

/// One claim's review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimReview {
    /// CLM01.
    pub claim_id: String,
    /// NM109 of loop 2010AA.
    pub billing_npi: String,
    /// CLM02, in cents.
    pub total_cents: i64,
    /// Segment number of the CLM.
    pub segment: usize,
    /// What the review found, each naming its element and segment.
    pub findings: Vec<String>,
    /// NM103 of loop 2010AA.
    pub billing_name: String,
    /// The patient (2010CA, else the subscriber of 2010BA): family and given names.
    pub patient: (String, String),
    /// NM109 of loop 2010BA: the member id.
    pub member_id: String,
    /// The dates of service: the lines' (DTP*472), else the statement's (DTP*434).
    pub service_dates: Option<(time::Date, time::Date)>,
}

impl ClaimReview {
    /// The 277CA claim status category: `A2` accepted, `A3` returned as unprocessable.
    pub fn status_category(&self) -> &'static str {
        if self.findings.is_empty() { "A2" } else { "A3" }
    }
}

/// A file's review: every claim found, and the problems of the file itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileReview {
    /// The claims, in file order.
    pub claims: Vec<ClaimReview>,
    /// Problems with the file's segments and envelopes.
    pub problems: Vec<Error>,
}

/// Reviews every claim of an 837 interchange (the file and the claims' own consistency).
pub fn review_837(text: &str) -> FileReview {
    review(text, None)
}

/// Reviews every claim of an 837 interchange as `review_837` does, and runs the scrubber's
/// code-set edits on each (ICD-10-CM validity, billability, age and sex on the date of
/// service, the Tabular's coding edits; CPT/HCPCS and modifiers on 837P lines) with the
/// releases of `codes`: the payer finds what the provider's scrubber should have.
pub fn review_837_coded(text: &str, codes: &CodeSets) -> FileReview {
    review(text, Some(codes))
}

fn review(text: &str, codes: Option<&CodeSets>) -> FileReview {
    let interchange = match x12::read(text) {
        Ok(interchange) => interchange,
        Err(error) => {
            return FileReview {
                claims: Vec::new(),
                problems: vec![error],
            };
        }
    };
    let mut review = FileReview {
        claims: Vec::new(),
        problems: interchange.problems.clone(),
    };
    // Claims of a transaction set with a broken envelope are still reviewed: the
    // problems say what is wrong with the file, the findings what is wrong with the claims.
    for transaction in interchange.transactions() {
        review.problems.extend(x12::element_errors(transaction));
        review_transaction(transaction, codes, &mut review);
    }
    review
        .problems
        .sort_by_key(|p| p.position.map(|at| at.segment));
    review
}

/// A DTP's date or range (`D8`, `RD8`).
fn dtp_dates(segment: &x12::Segment<'_>) -> Option<(time::Date, time::Date)> {
    let text = segment.element(3);
    match segment.element(2) {
        "D8" => x12::parse_d8(text).map(|d| (d, d)),
        "RD8" => {
            let (from, to) = text.split_once('-')?;
            Some((x12::parse_d8(from)?, x12::parse_d8(to)?))
        }
        _ => None,
    }
}

fn widen(dates: &mut Option<(time::Date, time::Date)>, (from, to): (time::Date, time::Date)) {
    *dates = Some(match *dates {
        Some((a, b)) => (a.min(from), b.max(to)),
        None => (from, to),
    });
}

/// What the code-set edits read of one claim.
#[derive(Default)]
struct Coding {
    diagnoses: Vec<String>,
    lines: Vec<ServiceLine>,
}

/// A DMG: birth date and sex.
fn demographics(segment: &x12::Segment<'_>) -> Option<(time::Date, codes::Sex)> {
    let born = (segment.element(1) == "D8")
        .then(|| x12::parse_d8(segment.element(2)))
        .flatten()?;
    let sex = match segment.element(3) {
        "F" => codes::Sex::Female,
        "M" => codes::Sex::Male,
        _ => return None,
    };
    Some((born, sex))
}

/// The code-set edits of `coding` on `claim`'s first date of service, as findings.
fn code_findings(
    codes: &CodeSets,
    claim: &mut ClaimReview,
    person: Option<(time::Date, codes::Sex)>,
    mut coding: Coding,
) {
    let Some((dos, _)) = claim.service_dates else {
        return;
    };
    let patient = codes::Patient {
        sex: person.map(|(_, sex)| sex),
        age_years: person.and_then(|(born, _)| {
            let mut years = dos.year() - born.year();
            if (dos.month(), dos.day()) < (born.month(), born.day()) {
                years -= 1;
            }
            u16::try_from(years).ok()
        }),
    };
    for line in &mut coding.lines {
        if line.service_date == time::Date::MIN {
            line.service_date = dos;
        }
    }
    let edits =
        crate::scrub::code_set_edits(codes, &patient, dos, &coding.diagnoses, &coding.lines);
    for edit in edits.into_iter().filter(|e| e.blocking) {
        claim.findings.push(format!(
            "{} ({}, claim segment {}): {} [{}]",
            edit.rule, edit.field, claim.segment, edit.message, edit.source
        ));
    }
}

fn review_transaction(
    transaction: &Transaction<'_>,
    codes: Option<&CodeSets>,
    review: &mut FileReview,
) {
    let mut billing_npi = String::new();
    let mut billing_name = String::new();
    // The subscriber (2010BA) and the patient when a dependent (2010CA) of the level the
    // next claim hangs from.
    let mut subscriber = (String::new(), String::new(), String::new());
    let mut dependent: Option<(String, String)> = None;
    let mut statement: Option<(time::Date, time::Date)> = None;
    // The DMG of the subscriber and of the dependent, as the names.
    let mut subscriber_born: Option<(time::Date, codes::Sex)> = None;
    let mut dependent_born: Option<(time::Date, codes::Sex)> = None;
    let mut coding = Coding::default();
    let mut current: Option<(ClaimReview, i64, usize)> = None;
    let finish = |current: &mut Option<(ClaimReview, i64, usize)>,
                  statement: &mut Option<(time::Date, time::Date)>,
                  (coding, person): (&mut Coding, Option<(time::Date, codes::Sex)>),
                  review: &mut FileReview| {
        let coding = std::mem::take(coding);
        if let Some((mut claim, lines, _)) = current.take() {
            if claim.service_dates.is_none() {
                claim.service_dates = statement.take();
            }
            if claim.service_dates.is_none() {
                claim.findings.push(format!(
                    "CLM, segment {}: no date of service (DTP*472 on the lines, or the statement's DTP*434)",
                    claim.segment
                ));
            }
            if lines != claim.total_cents {
                claim.findings.push(format!(
                    "CLM02, segment {}: total {} is not the sum of the lines {}",
                    claim.segment,
                    x12::format_cents(claim.total_cents),
                    x12::format_cents(lines)
                ));
            }
            if let Some(codes) = codes {
                code_findings(codes, &mut claim, person, coding);
            }
            review.claims.push(claim);
        }
    };
    for (idx, segment) in transaction.segments.iter().enumerate() {
        let at = segment.position.segment;
        let npi_finding = |what: &str| -> Option<String> {
            (segment.element(8) == "XX")
                .then(|| Npi::parse(segment.element(9)).err())
                .flatten()
                .map(|e| format!("NM109, segment {at} ({what}): {e}"))
        };
        match (segment.id, segment.element(1)) {
            // A claim's loops end where the next hierarchical level begins.
            ("HL", _) => {
                finish(
                    &mut current,
                    &mut statement,
                    (&mut coding, dependent_born.or(subscriber_born)),
                    review,
                );
                match segment.element(3) {
                    "22" => {
                        dependent = None;
                        dependent_born = None;
                    }
                    "20" => {
                        dependent = None;
                        dependent_born = None;
                        subscriber = Default::default();
                        subscriber_born = None;
                    }
                    _ => {}
                }
            }
            ("NM1", "85") => {
                billing_npi = segment.element(9).to_owned();
                billing_name = segment.element(3).to_owned();
            }
            // 2010BA and 2010CA; the NM1*IL of a claim's 2330A names another payer's subscriber.
            ("NM1", "IL") if current.is_none() => {
                subscriber = (
                    segment.element(3).to_owned(),
                    segment.element(4).to_owned(),
                    segment.element(9).to_owned(),
                );
            }
            ("NM1", "QC") if current.is_none() => {
                dependent = Some((segment.element(3).to_owned(), segment.element(4).to_owned()));
            }
            // 2010BA's DMG follows the subscriber's NM1, 2010CA's the patient's.
            ("DMG", _) if current.is_none() => {
                if dependent.is_some() {
                    dependent_born = demographics(segment);
                } else {
                    subscriber_born = demographics(segment);
                }
            }
            ("DTP", "472") => {
                if let (Some(line), Some((from, _))) = (coding.lines.last_mut(), dtp_dates(segment))
                {
                    line.service_date = from;
                }
                if let (Some((claim, _, _)), Some(dates)) = (current.as_mut(), dtp_dates(segment)) {
                    widen(&mut claim.service_dates, dates);
                }
            }
            ("DTP", "434") => {
                if let Some(dates) = dtp_dates(segment) {
                    widen(&mut statement, dates);
                }
            }
            ("CLM", _) => {
                finish(
                    &mut current,
                    &mut statement,
                    (&mut coding, dependent_born.or(subscriber_born)),
                    review,
                );
                let total_cents = segment.cents(2).unwrap_or(-1);
                let mut claim = ClaimReview {
                    claim_id: segment.element(1).to_owned(),
                    billing_npi: billing_npi.clone(),
                    total_cents,
                    segment: at,
                    findings: Vec::new(),
                    billing_name: billing_name.clone(),
                    patient: dependent
                        .clone()
                        .unwrap_or_else(|| (subscriber.0.clone(), subscriber.1.clone())),
                    member_id: subscriber.2.clone(),
                    service_dates: None,
                };
                if Npi::parse(&billing_npi).is_err() {
                    claim.findings.push(format!(
                        "billing provider NPI {billing_npi:?} is not valid (loop 2010AA)"
                    ));
                }
                current = Some((claim, 0, 0));
            }
            ("HI", _) => {
                if let Some((claim, _, n_diagnoses)) = current.as_mut() {
                    for index in 1..=12 {
                        let qualifier = segment.component(index, 1);
                        let code = segment.component(index, 2);
                        if code.is_empty() {
                            continue;
                        }
                        match qualifier {
                            "ABK" | "ABF" | "ABJ" | "APR" | "ABN" => {
                                *n_diagnoses += 1;
                                match normalize_icd10cm(code) {
                                    Err(message) => claim
                                        .findings
                                        .push(format!("HI{index:02}-2, segment {at}: {message}")),
                                    // The claim's own diagnoses, as the scrubber edits them.
                                    Ok(_) if matches!(qualifier, "ABK" | "ABF") => {
                                        coding.diagnoses.push(code.to_owned())
                                    }
                                    Ok(_) => {}
                                }
                            }
                            "BK" | "BF" => {
                                *n_diagnoses += 1;
                                claim.findings.push(format!(
                                    "HI{index:02}-1, segment {at}: {code} is ICD-9-CM (qualifier {qualifier}), not accepted for services since 2015-10-01"
                                ));
                            }
                            _ => {}
                        }
                    }
                }
            }
            ("NM1", "82") => {
                if let (Some(finding), Some((claim, _, _))) =
                    (npi_finding("rendering provider"), current.as_mut())
                {
                    claim.findings.push(finding);
                }
            }
            ("SV1" | "SV2", _) => {
                if segment.id == "SV1" && current.is_some() {
                    coding.lines.push(ServiceLine {
                        code: segment.component(1, 2).to_owned(),
                        modifiers: crate::remittance::procedure_modifiers(segment),
                        charge_cents: segment.cents(2).unwrap_or(0),
                        units: segment.element(4).parse().unwrap_or(1),
                        pointers: Vec::new(),
                        // The line's DTP*472 follows; the claim's first date until then.
                        service_date: time::Date::MIN,
                        details: crate::claim::LineDetails::default(),
                    });
                }
                if let Some((claim, lines, n_diagnoses)) = current.as_mut() {
                    let (amount_element, pointer_element) =
                        if segment.id == "SV1" { (2, 7) } else { (3, 0) };
                    match segment.cents(amount_element) {
                        Ok(cents) => *lines += cents,
                        Err(e) => claim
                            .findings
                            .push(e.in_loop(transaction.loop_of(idx)).to_string()),
                    }
                    if pointer_element > 0 {
                        for pointer in segment
                            .components(pointer_element)
                            .filter(|p| !p.is_empty())
                        {
                            let points = pointer
                                .parse::<usize>()
                                .is_ok_and(|p| p >= 1 && p <= *n_diagnoses);
                            if !points {
                                claim.findings.push(format!(
                                    "SV107, segment {at}: diagnosis pointer {pointer} points at no diagnosis (the claim has {n_diagnoses})"
                                ));
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    finish(
        &mut current,
        &mut statement,
        (&mut coding, dependent_born.or(subscriber_born)),
        review,
    );
}

/// The review as CSV: claim, billing NPI, total, status category, findings.
pub fn review_csv(review: &FileReview) -> String {
    let mut out = String::from("claim_id,billing_npi,total,status_category,findings\n");
    for claim in &review.claims {
        let cells = [
            claim.claim_id.clone(),
            claim.billing_npi.clone(),
            x12::format_cents(claim.total_cents),
            claim.status_category().to_owned(),
            claim.findings.join("; "),
        ];
        let quoted: Vec<String> = cells
            .iter()
            .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
            .collect();
        out.push_str(&quoted.join(","));
        out.push('\n');
    }
    out
}
