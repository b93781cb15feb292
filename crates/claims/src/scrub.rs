//! The scrubber: the edits a claim must pass before it is sent, one rule each, every rule
//! naming where it comes from ([`RULES`]); a finding names the field at fault (and the line).
//!
//! Invariants:
//! - Scrubbing reads; `scrub_claim` writes only the claim's own findings and status, in the
//!   caller's transaction (draft when a blocking edit is left open, else scrubbed).
//! - Blocking edits stop submission until the chart is fixed or someone overrides the edit
//!   with a reason (`records::Claim::overridden`); warnings never block.
//! - The code-set edits are `codes`' own (validity and billability on the date of service,
//!   age and sex, the ICD-10-CM coding edits), with the release in force on that date.

use crate::build::is_revenue_code;
use crate::claim::{ProfessionalClaim, ServiceLine};
use crate::institutional::InstitutionalClaim;
use crate::lifecycle::{claims_by_id, institutional_from, professional_from};
use crate::sources::Sources;
use codes::{CodeSets, System};
use records::{
    AdministrativeSex, Claim, ClaimEdit, ClaimFrequency, ClaimKind, ClaimStatus, EncounterId,
    Patient, Payer, PayerKind,
};
use std::collections::HashMap;
use store::{Actor, Stored, Tx, Value};
use time::Date;

/// A rule of the scrubber.
#[derive(Debug)]
pub struct Rule {
    /// Stable id, named by findings and overrides.
    pub id: &'static str,
    /// What it checks.
    pub description: &'static str,
    /// Where it comes from.
    pub source: &'static str,
}

/// Every rule, in the order they run. Rules whose findings come from `codes` take the code
/// set rule's own id and source (`excludes1-pair`, "ICD-10-CM Tabular Excludes1 note").
pub const RULES: &[Rule] = &[
    Rule {
        id: "buildable",
        description: "the claim can be built from the chart (coverage, providers, codes, charges)",
        source: "837P TR3 (005010X222A1) required loops 2010AA, 2010BA, 2010BB, 2300, 2400",
    },
    Rule {
        id: "member-id",
        description: "the member id is present, letters and digits; a Medicare id is an MBI",
        source: "837P TR3 loop 2010BA NM109; CMS Medicare Beneficiary Identifier format",
    },
    Rule {
        id: "billing-zip",
        description: "the billing provider's ZIP code has nine digits (ZIP+4)",
        source: "837P/837I TR3 loop 2010AA N403 (nine-digit ZIP code required)",
    },
    Rule {
        id: "taxonomy",
        description: "a provider taxonomy is ten characters ending in X",
        source: "837P TR3 PRV03; NUCC Health Care Provider Taxonomy code set",
    },
    Rule {
        id: "claim-total",
        description: "CLM02 equals the sum of the lines and the stored claim's total",
        source: "837P TR3 loop 2300 CLM02 (total claim charge = sum of SV102)",
    },
    Rule {
        id: "line-charge",
        description: "each line has a charge and units above zero",
        source: "837P TR3 loop 2400 SV102, SV104",
    },
    Rule {
        id: "diagnosis-pointer",
        description: "each line points at one to four diagnoses that exist",
        source: "837P TR3 loop 2400 SV107 (pointers into HI)",
    },
    Rule {
        id: "modifier",
        description: "modifiers are two letters or digits, at most four, none repeated; HCPCS Level II modifiers exist",
        source: "837P TR3 SV101-3 to SV101-6; CMS HCPCS Level II modifier list",
    },
    Rule {
        id: "diagnosis-code",
        description: "each diagnosis is a billable ICD-10-CM code in force on the date of service, without age or sex conflicts",
        source: "ICD-10-CM release in force (CDC/CMS); MCE age and sex edits",
    },
    Rule {
        id: "procedure-code",
        description: "each line's HCPCS code exists and is in force on the date of service; CPT is checked when a licensed file is imported, else by shape",
        source: "CMS HCPCS Level II quarterly release; AMA CPT (licensed)",
    },
    Rule {
        id: "coding-edits",
        description: "the ICD-10-CM coding edits on the claim's diagnoses (Excludes1, code first, manifestation, use additional)",
        source: "codes::RULES (ICD-10-CM Tabular notes and Official Guidelines)",
    },
    Rule {
        id: "ncci-ptp",
        description: "no two lines of one day are an NCCI procedure-to-procedure pair in force, unless its modifier indicator is 1 and an NCCI-associated modifier is on either line",
        source: "CMS NCCI practitioner PTP edits (quarterly file imported with `chartroom codes import-ncci`); NCCI Policy Manual ch. I",
    },
    Rule {
        id: "mue",
        description: "no code is billed above its medically unlikely edit (per line for MAI 1, the day's lines together for MAI 2 and 3)",
        source: "CMS NCCI Practitioner Services MUE table (quarterly file imported with `chartroom codes import-ncci`)",
    },
    Rule {
        id: "revenue-code",
        description: "each facility line carries a four-digit UB-04 revenue code",
        source: "837I TR3 (005010X223A2) loop 2400 SV201; NUBC UB-04 revenue codes",
    },
    Rule {
        id: "poa",
        description: "every diagnosis of an inpatient claim has a present-on-admission indicator",
        source: "ICD-10-CM Official Guidelines Appendix I; 837I TR3 HI0n-9",
    },
    Rule {
        id: "pcs-code",
        description: "each inpatient procedure is a valid ICD-10-PCS code in force on its date",
        source: "ICD-10-PCS release in force (CMS)",
    },
    Rule {
        id: "cob-balance",
        description: "a claim to a later payer balances with each earlier payer's decision: the total is its payment and adjustments, and so is each line's charge",
        source: "837P/837I TR3 loops 2320 (AMT*D, CAS) and 2430 (SVD02, CAS) balancing",
    },
    Rule {
        id: "ndc",
        description: "a drug HCPCS line (J code; on the 837I revenue code 0636) billed to Medicaid or a payer listed as needing it carries the drug's NDC, quantity and unit",
        source: "Deficit Reduction Act of 2005 s. 6002 (Social Security Act 1927(a)(7)): NDC on physician-administered drugs billed to Medicaid; 837P/837I TR3 loop 2410 LIN03, CTP04, CTP05",
    },
    Rule {
        id: "anesthesia-time",
        description: "an anesthesia line (CPT 00100-01999) reports its time in minutes (SV103 MJ)",
        source: "837P TR3 loop 2400 SV103-SV104 (anesthesia minutes); CMS Claims Processing Manual ch. 12 s. 50 (anesthesia time)",
    },
    Rule {
        id: "ambulance-modifier",
        description: "an ambulance line (HCPCS A0425-A0436) has an origin/destination modifier first and the claim carries the trip (CR1, pick-up and drop-off)",
        source: "CMS Claims Processing Manual ch. 15 s. 30(A) (origin and destination modifiers); 837P TR3 loops 2300 CR1, 2310E, 2310F",
    },
    Rule {
        id: "dme-modifier",
        description: "a certified DME line (CR3) on an E or K code says whether it is rented or bought (RR, NU or UE)",
        source: "CMS Claims Processing Manual ch. 20 s. 130 (DMEPOS modifiers RR, NU, UE; capped rental KH, KI, KJ)",
    },
    Rule {
        id: "timely-filing",
        description: "the claim goes out within the payer's filing limit from the date of service",
        source: "payer filing limits: Medicare 1 year (42 CFR 424.44); Medicaid and others by contract (ScrubSettings)",
    },
    Rule {
        id: "duplicate",
        description: "no other live claim bills the same patient, payer, date of service and amount",
        source: "payer duplicate-claim edits (CARC 18)",
    },
];

fn rule(id: &str) -> &'static Rule {
    RULES.iter().find(|r| r.id == id).unwrap_or(&RULES[0])
}

/// The payers' filing limits, in days from the date of service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScrubSettings {
    /// By payer kind (days); self-pay has none.
    pub medicare_days: i64,
    /// Medicaid (state plans differ; Massachusetts allows 90 days, many states 365).
    pub medicaid_days: i64,
    /// Commercial plans (contracts commonly say 90 to 180 days).
    pub commercial_days: i64,
    /// Other government programs.
    pub government_days: i64,
    /// A payer's own limit by payer id (NM109 of 2010BB), over its kind's.
    pub by_payer_code: Vec<(String, i64)>,
    /// Days before the limit when a warning is given.
    pub warn_days: i64,
    /// Payer ids (NM109 of 2010BB) that need the NDC on drug lines besides Medicaid.
    pub ndc_payer_codes: Vec<String>,
}

impl Default for ScrubSettings {
    fn default() -> Self {
        Self {
            medicare_days: 365,
            medicaid_days: 365,
            commercial_days: 180,
            government_days: 365,
            by_payer_code: Vec::new(),
            warn_days: 30,
            ndc_payer_codes: Vec::new(),
        }
    }
}

impl ScrubSettings {
    /// Whether `payer` needs the NDC on drug lines: Medicaid always (rebates), others when
    /// listed.
    pub fn needs_ndc(&self, payer: &Payer) -> bool {
        payer.kind == PayerKind::Medicaid
            || payer
                .payer_code
                .as_deref()
                .is_some_and(|code| self.ndc_payer_codes.iter().any(|c| c == code))
    }

    /// The filing limit for `payer`, in days, if it has one.
    pub fn limit_days(&self, payer: &Payer) -> Option<i64> {
        if let Some((_, days)) = self
            .by_payer_code
            .iter()
            .find(|(code, _)| payer.payer_code.as_deref() == Some(code.as_str()))
        {
            return Some(*days);
        }
        match payer.kind {
            PayerKind::Medicare => Some(self.medicare_days),
            PayerKind::Medicaid => Some(self.medicaid_days),
            PayerKind::Commercial => Some(self.commercial_days),
            PayerKind::Government => Some(self.government_days),
            PayerKind::SelfPay => None,
        }
    }
}

/// What the scrubber needs besides the store: the code sets, the payers' limits, and the
/// day it runs (the claim would go out today).
#[derive(Debug, Clone, Copy)]
pub struct Scrubber<'a> {
    /// The code sets, releases by date.
    pub codes: &'a CodeSets,
    /// Filing limits.
    pub settings: &'a ScrubSettings,
    /// Today.
    pub today: Date,
}

pub(crate) struct Found(Vec<ClaimEdit>);

impl Found {
    pub(crate) fn add(
        &mut self,
        rule_id: &str,
        field: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.push(rule_id, field, message, true);
    }

    fn warn(&mut self, rule_id: &str, field: impl Into<String>, message: impl Into<String>) {
        self.push(rule_id, field, message, false);
    }

    fn push(
        &mut self,
        rule_id: &str,
        field: impl Into<String>,
        message: impl Into<String>,
        blocking: bool,
    ) {
        let rule = rule(rule_id);
        self.0.push(ClaimEdit {
            rule: rule.id.to_owned(),
            source: rule.source.to_owned(),
            field: field.into(),
            message: message.into(),
            blocking,
        });
    }
}

/// Scrubs stored claim `id` and writes what was found: the claim becomes `scrubbed` when no
/// blocking edit is left open (overrides given earlier for the same edit still hold), else
/// stays `draft` for the work queue.
pub fn scrub_claim(
    tx: &mut Tx<'_>,
    actor: &Actor,
    scrubber: &Scrubber<'_>,
    id: i64,
) -> store::Result<Stored<Claim>> {
    scrub_claims(tx, actor, scrubber, &[id])?
        .pop()
        .ok_or(store::Error::NotFound { kind: "claim", id })
}

/// Scrubs stored claims `ids` as `scrub_claim` does each, reading the chart and the claims
/// each could duplicate once for the whole batch: the claims as stored after, in the order
/// given.
pub fn scrub_claims(
    tx: &mut Tx<'_>,
    actor: &Actor,
    scrubber: &Scrubber<'_>,
    ids: &[i64],
) -> store::Result<Vec<Stored<Claim>>> {
    let claims = claims_by_id(tx, ids)?;
    let encounters: Vec<EncounterId> = claims.iter().map(|c| c.record.encounter_id).collect();
    let sources = Sources::load(tx, &encounters)?;
    let patients: Vec<i64> = claims.iter().map(|c| c.record.patient_id.0).collect();
    let mut on_file = SameBills::default();
    for claim in tx.select_in::<Claim>("patient_id", &patients)? {
        on_file.put(claim);
    }
    let mut scrubbed = Vec::with_capacity(claims.len());
    for stored in claims {
        // A claim named twice is scrubbed again as the first pass left it.
        let stored = on_file.current(stored);
        let same_bill = on_file.of(&stored.record);
        let edits = edits_from(tx, scrubber, &sources, &stored, same_bill)?;
        let next = stored
            .record
            .scrubbed(edits)
            .map_err(|errors| store::Error::Invalid {
                kind: "claim",
                errors,
            })?;
        let after = if next == stored.record {
            stored
        } else {
            tx.update_stored(actor, stored, &next)?
        };
        on_file.put(after.clone());
        scrubbed.push(after);
    }
    Ok(scrubbed)
}

/// Claims by patient, payer and date of service, each group in id order: the claims a
/// claim could duplicate.
#[derive(Default)]
struct SameBills(HashMap<(i64, i64, Date), Vec<Stored<Claim>>>);

impl SameBills {
    fn key(claim: &Claim) -> (i64, i64, Date) {
        (claim.patient_id.0, claim.payer_id.0, claim.service_date)
    }

    fn put(&mut self, claim: Stored<Claim>) {
        let group = self.0.entry(Self::key(&claim.record)).or_default();
        match group.iter_mut().find(|c| c.meta.id == claim.meta.id) {
            Some(found) => *found = claim,
            None => {
                group.push(claim);
                group.sort_by_key(|c| c.meta.id);
            }
        }
    }

    fn current(&self, claim: Stored<Claim>) -> Stored<Claim> {
        self.of(&claim.record)
            .iter()
            .find(|c| c.meta.id == claim.meta.id)
            .cloned()
            .unwrap_or(claim)
    }

    fn of(&self, claim: &Claim) -> &[Stored<Claim>] {
        self.0.get(&Self::key(claim)).map_or(&[], Vec::as_slice)
    }
}

/// Every edit stored claim `stored` fails now, without writing.
pub fn claim_edits(
    tx: &mut Tx<'_>,
    scrubber: &Scrubber<'_>,
    stored: &Stored<Claim>,
) -> store::Result<Vec<ClaimEdit>> {
    let sources = Sources::load(tx, &[stored.record.encounter_id])?;
    let claim = &stored.record;
    let same_bill = tx.select::<Claim>(
        "patient_id = ? AND payer_id = ? AND service_date = ?",
        &[
            Value::Int(claim.patient_id.0),
            Value::Int(claim.payer_id.0),
            Value::Date(claim.service_date),
        ],
        "id",
        i64::MAX,
    )?;
    edits_from(tx, scrubber, &sources, stored, &same_bill)
}

/// `claim_edits` from the chart as `sources` read it, given the claims on file with the same
/// patient, payer and date of service.
fn edits_from(
    tx: &mut Tx<'_>,
    scrubber: &Scrubber<'_>,
    sources: &Sources,
    stored: &Stored<Claim>,
    same_bill: &[Stored<Claim>],
) -> store::Result<Vec<ClaimEdit>> {
    let mut found = Found(Vec::new());
    let claim = &stored.record;
    let built = match claim.kind {
        ClaimKind::Professional => professional_from(tx, sources, claim)?.map(|b| (b, None)),
        ClaimKind::Institutional => {
            institutional_from(tx, sources, claim)?.map(|i| (i.base.clone(), Some(i)))
        }
    };
    let (built, institutional) = match built {
        Ok(built) => built,
        Err(problems) => {
            for problem in problems {
                found.add(
                    "buildable",
                    format!("{} {}", problem.source, problem.field),
                    problem.message,
                );
            }
            return Ok(found.0);
        }
    };
    // The claim's patient and payer are its encounter's and coverage's, unless the chart
    // changed since it was drafted.
    let patient = match sources.patient(claim.patient_id.0) {
        Ok(patient) => patient.clone(),
        Err(_) => tx.get::<Patient>(claim.patient_id.0)?.record,
    };
    let payer = match sources.payer(claim.payer_id.0) {
        Ok(payer) => payer.clone(),
        Err(_) => tx.get::<Payer>(claim.payer_id.0)?.record,
    };
    member_id(&built, &mut found);
    if built.billing.address.3.len() != 9 {
        found.add(
            "billing-zip",
            "2010AA N403",
            format!(
                "{:?} has {} digits; the billing provider's ZIP+4 is required",
                built.billing.address.3,
                built.billing.address.3.len()
            ),
        );
    }
    taxonomy(&built, &mut found);
    totals(claim, &built, &mut found);
    match &institutional {
        None => lines(&built, &mut found),
        Some(facility) => facility_lines(scrubber, &patient, facility, &mut found),
    }
    let lines: &[ServiceLine] = if institutional.is_none() {
        &built.lines
    } else {
        &[]
    };
    codes(
        scrubber.codes,
        &edits_patient(&patient, claim.service_date),
        claim.service_date,
        (&built.diagnoses, lines),
        &mut found,
    );
    if institutional.is_none() {
        ncci(scrubber.codes, &built.lines, &mut found);
    }
    for problem in crate::coordination::balance_problems(&built) {
        found.add("cob-balance", "2320 AMT*D / 2430 SVD02", problem);
    }
    crate::scrub_services::service_edits(
        &built,
        institutional.is_some(),
        scrubber.settings.needs_ndc(&payer),
        &mut found,
    );
    timely_filing(scrubber, &payer, claim, &mut found);
    duplicates(stored, same_bill, &mut found);
    Ok(found.0)
}

/// The NCCI edits on a practitioner claim's lines, when a site has imported the files;
/// files that no longer read are a warning on the claim, never a silent pass.
fn ncci(codes: &CodeSets, lines: &[ServiceLine], found: &mut Found) {
    let ncci = match codes.ncci() {
        Ok(Some(ncci)) => ncci,
        Ok(None) => return,
        Err(e) => {
            found.warn(
                "ncci-ptp",
                "NCCI files",
                format!("{e}; PTP and MUE edits not checked"),
            );
            return;
        }
    };
    let seen: Vec<codes::ncci::NcciLine<'_>> = lines
        .iter()
        .enumerate()
        .map(|(idx, l)| codes::ncci::NcciLine {
            line: idx + 1,
            code: l.code.as_str(),
            modifiers: &l.modifiers,
            units: u32::try_from(l.units).unwrap_or(0),
            date: l.service_date,
        })
        .collect();
    for finding in ncci.check(&seen) {
        let field = if finding.rule == "mue" {
            format!("line {} SV104", finding.line)
        } else {
            format!("line {} SV101", finding.line)
        };
        found.add(finding.rule, field, finding.message);
    }
}

fn member_id(claim: &ProfessionalClaim, found: &mut Found) {
    let id = claim.subscriber.member_id.trim();
    let field = "2010BA NM109";
    if id.is_empty() {
        found.add("member-id", field, "the member id is missing");
        return;
    }
    if !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') || id.len() > 80 {
        found.add(
            "member-id",
            field,
            format!("{id:?} is not a member id (letters, digits and hyphens, at most 80)"),
        );
    }
    if claim.subscriber.filing.code() == "MB" && !is_mbi(id) {
        found.add(
            "member-id",
            field,
            format!("{id:?} is not a Medicare Beneficiary Identifier (11 characters, CMS format)"),
        );
    }
}

/// The MBI's shape (CMS): C A AN N A AN N A A N N, letters without S L O I B Z.
fn is_mbi(id: &str) -> bool {
    let letter = |c: u8| c.is_ascii_uppercase() && !b"SLOIBZ".contains(&c);
    let digit = |c: u8| c.is_ascii_digit();
    let alnum = |c: u8| letter(c) || digit(c);
    let b = id.as_bytes();
    let shape: [&dyn Fn(u8) -> bool; 11] = [
        &|c| (b'1'..=b'9').contains(&c),
        &letter,
        &alnum,
        &digit,
        &letter,
        &alnum,
        &digit,
        &letter,
        &letter,
        &digit,
        &digit,
    ];
    b.len() == 11 && b.iter().zip(shape).all(|(c, ok)| ok(*c))
}

fn taxonomy(claim: &ProfessionalClaim, found: &mut Found) {
    let taxonomies = [
        ("2000A PRV03", claim.billing.taxonomy.as_deref()),
        (
            "2310B PRV03",
            claim.rendering.as_ref().and_then(|r| r.taxonomy.as_deref()),
        ),
    ];
    for (field, taxonomy) in taxonomies {
        let Some(code) = taxonomy else { continue };
        let ok = code.len() == 10
            && code.ends_with('X')
            && code.chars().all(|c| c.is_ascii_alphanumeric());
        if !ok {
            found.add(
                "taxonomy",
                field,
                format!("{code:?} is not a provider taxonomy code (ten characters ending in X)"),
            );
        }
    }
}

fn totals(claim: &Claim, built: &ProfessionalClaim, found: &mut Found) {
    let lines: i64 = built.lines.iter().map(|l| l.charge_cents).sum();
    if lines != built.total_cents() || lines != claim.total_cents {
        found.add(
            "claim-total",
            "2300 CLM02",
            format!(
                "the claim's total {} is not the sum of its lines {}; the charges changed since it was drafted",
                x12::format_cents(claim.total_cents),
                x12::format_cents(lines)
            ),
        );
    }
}

fn lines(claim: &ProfessionalClaim, found: &mut Found) {
    let n_diagnoses = claim.diagnoses.len();
    for (idx, line) in claim.lines.iter().enumerate() {
        let at = idx + 1;
        if line.charge_cents <= 0 {
            found.add(
                "line-charge",
                format!("line {at} SV102"),
                format!("the charge is {}", x12::format_cents(line.charge_cents)),
            );
        }
        if line.units <= 0 {
            found.add(
                "line-charge",
                format!("line {at} SV104"),
                format!("{} units", line.units),
            );
        }
        if line.pointers.is_empty() || line.pointers.len() > 4 {
            found.add(
                "diagnosis-pointer",
                format!("line {at} SV107"),
                format!(
                    "{} pointers; a line points at one to four diagnoses",
                    line.pointers.len()
                ),
            );
        }
        for pointer in &line.pointers {
            if *pointer == 0 || usize::from(*pointer) > n_diagnoses {
                found.add(
                    "diagnosis-pointer",
                    format!("line {at} SV107"),
                    format!(
                        "pointer {pointer} points at no diagnosis (the claim has {n_diagnoses})"
                    ),
                );
            }
        }
        let mut seen: Vec<&str> = Vec::new();
        if line.modifiers.len() > 4 {
            found.add(
                "modifier",
                format!("line {at} SV101-3"),
                format!(
                    "{} modifiers; a line carries at most four",
                    line.modifiers.len()
                ),
            );
        }
        for modifier in &line.modifiers {
            let shaped = modifier.len() == 2 && modifier.chars().all(|c| c.is_ascii_alphanumeric());
            if !shaped {
                found.add(
                    "modifier",
                    format!("line {at} SV101-3"),
                    format!("{modifier:?} is not a modifier (two letters or digits)"),
                );
            }
            if seen.contains(&modifier.as_str()) {
                found.add(
                    "modifier",
                    format!("line {at} SV101-3"),
                    format!("modifier {modifier} is repeated"),
                );
            }
            seen.push(modifier);
        }
    }
}

fn facility_lines(
    scrubber: &Scrubber<'_>,
    patient: &Patient,
    claim: &InstitutionalClaim,
    found: &mut Found,
) {
    for (idx, line) in claim.base.lines.iter().enumerate() {
        let at = idx + 1;
        if !is_revenue_code(&line.code) {
            found.add(
                "revenue-code",
                format!("line {at} SV201"),
                format!("{:?} is not a revenue code (four digits)", line.code),
            );
        }
        if line.charge_cents <= 0 || line.units <= 0 {
            found.add(
                "line-charge",
                format!("line {at} SV203"),
                format!(
                    "the charge is {} for {} units",
                    x12::format_cents(line.charge_cents),
                    line.units
                ),
            );
        }
    }
    if !claim.inpatient() {
        return;
    }
    for (idx, code) in claim.base.diagnoses.iter().enumerate() {
        if claim.poa.get(idx).cloned().flatten().is_none() {
            found.add(
                "poa",
                format!("2300 HI{:02}-9", idx + 1),
                format!("{code} has no present-on-admission indicator (Y, N, U, W or 1)"),
            );
        }
    }
    for (idx, (code, date)) in claim.procedures.iter().enumerate() {
        let edits_patient = edits_patient(patient, *date);
        let field = format!(
            "2300 HI {} {}",
            if idx == 0 { "BBR" } else { "BBQ" },
            idx + 1
        );
        match scrubber
            .codes
            .validate(System::Icd10Pcs, code, *date, &edits_patient)
        {
            Ok(v) if v.valid => {}
            Ok(v) => found.add(
                "pcs-code",
                field,
                format!("{code}: {}", v.problems.join("; ")),
            ),
            Err(e) => found.warn(
                "pcs-code",
                field,
                format!("{code}: not checked, no ICD-10-PCS release for {date}: {e}"),
            ),
        }
    }
}

fn edits_patient(patient: &Patient, dos: Date) -> codes::Patient {
    codes::Patient {
        sex: match patient.sex {
            AdministrativeSex::Female => Some(codes::Sex::Female),
            AdministrativeSex::Male => Some(codes::Sex::Male),
            _ => None,
        },
        age_years: u16::try_from(patient.age_on(dos)).ok(),
    }
}

/// The code-set edits of one claim (diagnoses and, on an 837P, the lines' CPT/HCPCS
/// codes and modifiers), which the payer's review of an incoming 837 runs too.
pub(crate) fn code_set_edits(
    codes: &CodeSets,
    person: &codes::Patient,
    dos: Date,
    diagnoses: &[String],
    lines: &[ServiceLine],
) -> Vec<ClaimEdit> {
    let mut found = Found(Vec::new());
    self::codes(codes, person, dos, (diagnoses, lines), &mut found);
    found.0
}

fn codes(
    codes: &CodeSets,
    edits_patient: &codes::Patient,
    dos: Date,
    (diagnoses, lines): (&[String], &[ServiceLine]),
    found: &mut Found,
) {
    for (idx, code) in diagnoses.iter().enumerate() {
        let field = format!("2300 HI{:02}-2", idx + 1);
        match codes.validate(System::Icd10Cm, code, dos, edits_patient) {
            Ok(v) if v.valid => {}
            Ok(v) => found.add(
                "diagnosis-code",
                field,
                format!("{code}: {}", v.problems.join("; ")),
            ),
            Err(e) => found.warn(
                "diagnosis-code",
                field,
                format!("{code}: not checked, no ICD-10-CM release for {dos}: {e}"),
            ),
        }
    }
    for (idx, line) in lines.iter().enumerate() {
        let field = format!("line {} SV101-2", idx + 1);
        let code = line.code.as_str();
        let hcpcs = code.len() == 5
            && code.as_bytes().first().is_some_and(u8::is_ascii_uppercase)
            && code.chars().skip(1).all(|c| c.is_ascii_digit());
        let cpt = code.len() == 5
            && code.chars().take(4).all(|c| c.is_ascii_digit())
            && code
                .chars()
                .last()
                .is_some_and(|c| c.is_ascii_digit() || c == 'F' || c == 'T');
        if hcpcs {
            match codes.validate(System::Hcpcs, code, line.service_date, edits_patient) {
                Ok(v) if v.exists && v.billable => {}
                Ok(v) => found.add(
                    "procedure-code",
                    field,
                    format!("{code}: {}", v.problems.join("; ")),
                ),
                Err(e) => found.warn(
                    "procedure-code",
                    field,
                    format!(
                        "{code}: not checked, no HCPCS release for {}: {e}",
                        line.service_date
                    ),
                ),
            }
        } else if cpt {
            // CPT is checked only against a licensed file the user imported; without one
            // the code set accepts it on its shape alone (`format_only`), as here.
            if let Ok(v) = codes.validate(System::Cpt, code, line.service_date, edits_patient)
                && !v.format_only
                && !(v.exists && v.billable)
            {
                found.add(
                    "procedure-code",
                    field,
                    format!("{code}: {}", v.problems.join("; ")),
                );
            }
        } else {
            found.add(
                "procedure-code",
                field,
                format!("{code:?} is neither a CPT code (five digits, or four and F or T) nor a HCPCS code (a letter and four digits)"),
            );
        }
        for (at, modifier) in line.modifiers.iter().enumerate() {
            let level_two = modifier.chars().any(|c| c.is_ascii_alphabetic());
            // Ambulance origin/destination pairs (RH, HR...) are CMS's own, not in the
            // HCPCS modifier file.
            let trip_pair = at == 0
                && crate::scrub_services::is_ambulance_code(&line.code)
                && crate::scrub_services::is_origin_destination(modifier);
            if !level_two || trip_pair {
                continue;
            }
            if let Ok(v) = codes.validate(System::Hcpcs, modifier, line.service_date, edits_patient)
                && !v.exists
            {
                found.add(
                    "modifier",
                    format!("line {} SV101-3", idx + 1),
                    format!(
                        "{modifier} is not a HCPCS Level II modifier in force on {}",
                        line.service_date
                    ),
                );
            }
        }
    }
    let listed: Vec<&str> = diagnoses.iter().map(String::as_str).collect();
    match codes.coding_edits(&listed, dos, edits_patient) {
        Ok(edits) => {
            for edit in edits {
                let blocking = edit.severity == codes::Severity::Error;
                found.0.push(ClaimEdit {
                    rule: edit.rule.to_owned(),
                    source: edit.source,
                    field: format!("2300 HI ({})", edit.codes.join(", ")),
                    message: edit.message,
                    blocking,
                });
            }
        }
        Err(e) => found.warn(
            "coding-edits",
            "2300 HI",
            format!("not checked, no ICD-10-CM release for {dos}: {e}"),
        ),
    }
}

fn timely_filing(scrubber: &Scrubber<'_>, payer: &Payer, claim: &Claim, found: &mut Found) {
    let Some(limit) = scrubber.settings.limit_days(payer) else {
        return;
    };
    let age = (scrubber.today - claim.service_date).whole_days();
    let field = "2400 DTP03 (date of service)";
    if age > limit {
        found.add(
            "timely-filing",
            field,
            format!(
                "{age} days since the date of service {}; {} accepts claims for {limit} days",
                claim.service_date, payer.name
            ),
        );
    } else if age > limit - scrubber.settings.warn_days {
        found.warn(
            "timely-filing",
            field,
            format!(
                "{} days left of {}'s {limit}-day filing limit",
                limit - age,
                payer.name
            ),
        );
    }
}

fn duplicates(stored: &Stored<Claim>, same_bill: &[Stored<Claim>], found: &mut Found) {
    let claim = &stored.record;
    if claim.frequency != ClaimFrequency::Original {
        return;
    }
    for other in same_bill.iter().filter(|c| c.meta.id != stored.meta.id) {
        let live = other.record.status.is_open()
            || other.record.status.is_at_payer()
            || other.record.status == ClaimStatus::Rejected;
        if live
            && other.record.frequency == ClaimFrequency::Original
            && other.record.total_cents == claim.total_cents
        {
            found.add(
                "duplicate",
                "2300 CLM01",
                format!(
                    "claim {} (encounter {}, {}) bills the same patient, payer, date of service and amount",
                    other.meta.id,
                    other.record.encounter_id.0,
                    other.record.status.as_str()
                ),
            );
        }
    }
}

/// The claims waiting for someone: drafts with blocking edits open, oldest date of
/// service first (the filing limit runs from it).
pub fn work_queue(tx: &mut Tx<'_>, limit: i64) -> store::Result<Vec<Stored<Claim>>> {
    Ok(tx
        .select::<Claim>(
            "status = ?",
            &[Value::from(ClaimStatus::Draft.as_str())],
            "service_date, id",
            limit,
        )?
        .into_iter()
        .filter(|c| c.record.open_edits().next().is_some())
        .collect())
}
