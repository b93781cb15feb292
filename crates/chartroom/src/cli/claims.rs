//! `chartroom claims`: claims from a terminal: build one (or see why it cannot be built),
//! write the 837P for finished encounters into a directory, receive an 835 (kept until
//! posted) or post one, and review an incoming 837 as a payer (the file is not patient data
//! of this store: nothing to audit).
//!
//! Invariants: control numbers are reserved in the same transaction that reads the claims,
//! so two runs never share one; the audit entry is written before the file; an 835 posts
//! in one transaction, whole or not at all.

use crate::cli::audited::CliAuditor;
use anyhow::{Context, Result, bail};
use claims::{
    CLAIM_CATEGORIES, ProfessionalClaim, ScrubSettings, Scrubber, Submitter, build_professional,
    draft_claim, post_received, read_remittances, receive_remittance, scrub_claim,
};
use records::{
    Claim, ClaimFrequency, ClaimId, ClaimKind, ClaimStatus, CoverageOrder, Encounter, EncounterId,
};
use std::path::{Path, PathBuf};
use store::{Actor, Filter, Op, Sort, Store, Stored, Value};

#[derive(Debug, clap::Subcommand)]
pub enum ClaimsCmd {
    /// Build the claim for one encounter and show it, or every reason it cannot be built.
    Build {
        /// Encounter id.
        encounter: i64,
        /// Which coverage to bill: primary, secondary or tertiary.
        #[arg(long, default_value = "primary")]
        order: String,
    },
    /// Draft and scrub the claims of finished encounters: each edit with its rule, source
    /// and field; claims with blocking edits wait in the work queue.
    Scrub {
        /// Only these encounters (default: every finished encounter).
        #[arg(long = "encounter", value_name = "ID")]
        encounters: Vec<i64>,
        /// Payers' filing limits in days by payer id (repeatable): `EXHP1=90`.
        #[arg(long = "filing-limit", value_name = "PAYER=DAYS")]
        filing_limits: Vec<String>,
    },
    /// Draft, scrub and send: write an 837P of the scrubbed claims into a directory.
    Submit {
        /// Where to write the file (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Only these encounters (default: every finished encounter).
        #[arg(long = "encounter", value_name = "ID")]
        encounters: Vec<i64>,
        /// Only these stored claims (replacements and voids are sent this way).
        #[arg(long = "claim", value_name = "ID", conflicts_with = "encounters")]
        claims: Vec<i64>,
        /// Payers' filing limits in days by payer id (repeatable): `EXHP1=90`.
        #[arg(long = "filing-limit", value_name = "PAYER=DAYS")]
        filing_limits: Vec<String>,
        #[command(flatten)]
        submitter: Box<SubmitterArgs>,
    },
    /// The claims with blocking edits open, oldest date of service first.
    Queue,
    /// Claims on file, newest first.
    List {
        /// Only this status (draft, scrubbed, submitted, accepted, rejected, paid, denied,
        /// partially_paid, corrected, voided).
        #[arg(long)]
        status: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Let a blocking edit through, with the reason.
    Override {
        /// Claim id.
        claim: i64,
        /// The edit, as the queue shows it (`timely-filing @ 2400 DTP03 (date of service)`).
        #[arg(long)]
        edit: String,
        /// Why the claim may go as it is.
        #[arg(long)]
        reason: String,
    },
    /// Draft a corrected claim (frequency 7) replacing one the payer has.
    Correct {
        /// Claim id.
        claim: i64,
    },
    /// Draft a void (frequency 8) of a claim the payer has.
    Void {
        /// Claim id.
        claim: i64,
    },
    /// Review an incoming 837 as a payer: the file, each claim's consistency and the
    /// scrubber's code-set edits; findings and a 277CA status category per claim.
    Review {
        /// The 837 file.
        file: PathBuf,
        /// Write the review as CSV here (default: print it).
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
        /// Write the 999 acknowledgment back to the sender here (control numbers drawn from
        /// the store for the 837's receiver, so they never repeat).
        #[arg(long = "ack-999", value_name = "FILE")]
        ack_999: Option<PathBuf>,
        /// Write the 277CA claim acknowledgment here: each claim accepted for adjudication
        /// (with the payer's claim number) or returned with the review's finding.
        #[arg(long = "ack-277", value_name = "FILE")]
        ack_277: Option<PathBuf>,
    },
    /// Read a 999 or 277CA acknowledgment onto the claims (accepted, rejected with why).
    Acknowledge {
        /// The 999 or 277CA file.
        file: PathBuf,
    },
    /// Post an 835 remittance: payments and adjustments onto the claims' charges; the
    /// payments that match no claim stay on billing's start page until a repost matches them.
    #[command(name = "post-835")]
    Post835 {
        /// The 835 file.
        file: PathBuf,
    },
    /// Receive an 835 without posting it: it waits on billing's start page until posted.
    #[command(name = "receive-835")]
    Receive835 {
        /// The 835 file.
        file: PathBuf,
    },
    /// A/R aging (0-30 ... 120+ days): what payers owe by payer, with days in A/R, or what
    /// patients owe by patient.
    Aging {
        /// `payer` or `patient`.
        #[arg(long, default_value = "payer")]
        by: String,
        /// The day to age on (default today).
        #[arg(long, value_parser = super::demo::parse_date)]
        as_of: Option<time::Date>,
    },
    /// A patient's statement: the itemised services, insurance payments, adjustments and
    /// the amount due, written as print-ready HTML and PDF.
    Statement {
        /// Patient id or MRN.
        patient: String,
        #[command(flatten)]
        args: StatementArgs,
    },
    /// The statement run: a statement (HTML and PDF) for every patient who owes at least
    /// `--min-due`, into one folder with its manifest.
    Statements {
        /// The least a patient must owe to be sent a statement, in dollars.
        #[arg(long, value_name = "DOLLARS", default_value = "5.00")]
        min_due: String,
        #[command(flatten)]
        args: StatementArgs,
    },
}

/// Where statements go, for which dates, from whom.
#[derive(Debug, clap::Args)]
pub struct StatementArgs {
    /// Where to write statement-<MRN>-<date>.html and .pdf (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The statement date (default today).
    #[arg(long, value_parser = super::demo::parse_date)]
    as_of: Option<time::Date>,
    /// Show settled services from this day on (default 90 days before the statement).
    #[arg(long, value_parser = super::demo::parse_date)]
    since: Option<time::Date>,
    /// Who the statement is from.
    #[arg(long, env = "CHARTROOM_FACILITY_NAME", default_value = "Chartroom")]
    facility: String,
    /// How to reach billing, printed under the name (a telephone number).
    #[arg(long, env = "CHARTROOM_BILLING_CONTACT")]
    contact: Option<String>,
}

impl StatementArgs {
    /// The statement date and the first day of settled services shown, `today` by default.
    fn window(&self, today: time::Date) -> (time::Date, time::Date) {
        let as_of = self.as_of.unwrap_or(today);
        (
            as_of,
            self.since.unwrap_or(as_of - time::Duration::days(90)),
        )
    }

    fn from(&self) -> claims::StatementFrom {
        claims::StatementFrom {
            name: self.facility.clone(),
            contact: self.contact.clone(),
        }
    }
}

/// The billing office's X12 identity (loops 1000A/1000B, ISA06/ISA08, REF*EI).
#[derive(Debug, clap::Args)]
pub struct SubmitterArgs {
    /// Submitter name (1000A NM103).
    #[arg(
        long,
        env = "CHARTROOM_X12_SUBMITTER_NAME",
        default_value = "CHARTROOM BILLING"
    )]
    submitter_name: String,
    /// Submitter id the receiver assigned (1000A NM109, ISA06), at most 15 characters.
    #[arg(long, env = "CHARTROOM_X12_SUBMITTER_ID", default_value = "CHARTROOM")]
    submitter_id: String,
    /// Billing contact (PER02).
    #[arg(long, env = "CHARTROOM_X12_CONTACT", default_value = "Billing Office")]
    contact: String,
    /// Contact telephone, digits (PER04).
    #[arg(long, env = "CHARTROOM_X12_PHONE", default_value = "0000000000")]
    phone: String,
    /// Receiver name (1000B NM103).
    #[arg(
        long,
        env = "CHARTROOM_X12_RECEIVER_NAME",
        default_value = "CLEARINGHOUSE"
    )]
    receiver_name: String,
    /// Receiver id (1000B NM109, ISA08), at most 15 characters.
    #[arg(long, env = "CHARTROOM_X12_RECEIVER_ID")]
    receiver_id: Option<String>,
    /// The billing provider's employer identification number (2010AA REF*EI), nine digits.
    #[arg(long, env = "CHARTROOM_X12_TAX_ID")]
    tax_id: Option<String>,
    /// Production data (ISA15 P); test data otherwise.
    #[arg(long)]
    production: bool,
    /// The delimiters the receiver asks for: element, repetition, component and segment
    /// terminator (`\n` for a newline terminator).
    #[arg(
        long,
        env = "CHARTROOM_X12_DELIMITERS",
        default_value = "*^:~",
        value_parser = x12::Delimiters::parse
    )]
    delimiters: x12::Delimiters,
}

impl SubmitterArgs {
    /// The billing office's X12 identity with the receiver's delimiters; `None` when
    /// neither the receiver id nor the tax id is given (one without the other is an error).
    pub fn identity(&self) -> Result<Option<(Submitter, x12::Delimiters)>> {
        let (receiver_id, tax_id) = match (self.receiver_id.clone(), self.tax_id.clone()) {
            (None, None) => return Ok(None),
            (Some(receiver), Some(tax)) => (receiver, tax),
            (None, Some(_)) => bail!("--tax-id is given without --receiver-id"),
            (Some(_), None) => bail!("--receiver-id is given without --tax-id"),
        };
        Ok(Some((
            Submitter {
                name: self.submitter_name.clone(),
                id: self.submitter_id.clone(),
                contact: self.contact.clone(),
                phone: self.phone.clone(),
                receiver_name: self.receiver_name.clone(),
                receiver_id,
                billing_tax_id: tax_id,
                production: self.production,
            },
            self.delimiters,
        )))
    }
}

fn parse_order(order: &str) -> Result<CoverageOrder> {
    Ok(match order {
        "primary" => CoverageOrder::Primary,
        "secondary" => CoverageOrder::Secondary,
        "tertiary" => CoverageOrder::Tertiary,
        other => bail!("--order {other:?}: use primary, secondary or tertiary"),
    })
}

pub fn run(store: &Store, auditor: &CliAuditor, data_dir: &Path, cmd: ClaimsCmd) -> Result<()> {
    match cmd {
        ClaimsCmd::Build { encounter, order } => {
            let order = parse_order(&order)?;
            let built = store.read(|tx| build_professional(tx, EncounterId(encounter), order))?;
            match built {
                Ok(claim) => {
                    auditor.shown(
                        store,
                        &[claim.patient_id.0],
                        CLAIM_CATEGORIES,
                        "claim built for review",
                    )?;
                    show(&claim);
                    Ok(())
                }
                Err(problems) => {
                    for problem in &problems {
                        crate::say!("{problem}");
                    }
                    bail!(
                        "the claim for encounter {encounter} cannot be built ({} problems)",
                        problems.len()
                    )
                }
            }
        }
        ClaimsCmd::Scrub {
            encounters,
            filing_limits,
        } => {
            let found = with_scrubber(store, data_dir, &filing_limits, |scrubber| {
                scrub_encounters(store, auditor, scrubber, &encounters)
            })?;
            report_scrub(&found);
            Ok(())
        }
        ClaimsCmd::Submit {
            out,
            encounters,
            claims,
            filing_limits,
            submitter,
        } => {
            let found = with_scrubber(store, data_dir, &filing_limits, |scrubber| {
                if claims.is_empty() {
                    scrub_encounters(store, auditor, scrubber, &encounters)
                } else {
                    scrub_stored(store, auditor, scrubber, &claims)
                }
            })?;
            report_scrub(&found);
            let ids: Vec<ClaimId> = if claims.is_empty() {
                found.claims.iter().map(|c| ClaimId(c.meta.id)).collect()
            } else {
                claims.into_iter().map(ClaimId).collect()
            };
            submit(store, auditor, &out, &ids, *submitter)
        }
        ClaimsCmd::Queue => {
            let queue = store.read(|tx| claims::work_queue(tx, i64::MAX))?;
            let patients: Vec<i64> = queue.iter().map(|c| c.record.patient_id.0).collect();
            auditor.shown(store, &patients, CLAIM_CATEGORIES, "claims work queue")?;
            for claim in &queue {
                show_claim(claim);
                for edit in claim.record.open_edits() {
                    crate::say!("  {}: {} ({})", edit.key(), edit.message, edit.source);
                }
            }
            crate::say!("{} claims wait in the work queue", queue.len());
            Ok(())
        }
        ClaimsCmd::List { status, limit } => {
            let filter = match status.as_deref() {
                None => None,
                Some(text) => Some(ClaimStatus::parse(text).ok_or_else(|| {
                    anyhow::anyhow!("--status {text:?}: use one of {}", status_names())
                })?),
            };
            let listed = store.read(|tx| match filter {
                Some(status) => tx.select::<Claim>(
                    "status = ?",
                    &[Value::from(status.as_str())],
                    "id DESC",
                    limit,
                ),
                None => tx.select::<Claim>("1 = 1", &[], "id DESC", limit),
            })?;
            let patients: Vec<i64> = listed.iter().map(|c| c.record.patient_id.0).collect();
            auditor.shown(store, &patients, CLAIM_CATEGORIES, "claims listed")?;
            for claim in &listed {
                show_claim(claim);
            }
            Ok(())
        }
        ClaimsCmd::Override {
            claim,
            edit,
            reason,
        } => {
            let now = store.clock().now();
            let user = auditor.user().to_owned();
            let changed = change_claims(store, auditor, |tx, actor| {
                let (before, after) =
                    claims::override_edit(tx, actor, ClaimId(claim), &edit, &reason, &user, now)?;
                Ok(vec![(Some(before), after)])
            })?;
            for claim in &changed {
                show_claim(claim);
            }
            Ok(())
        }
        ClaimsCmd::Acknowledge { file } => {
            super::manifest::checked_before_import(&file)?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let acks = claims::read_acknowledgments(&text).map_err(|errors| {
                let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
                anyhow::anyhow!(
                    "{}: nothing was applied:\n{}",
                    file.display(),
                    lines.join("\n")
                )
            })?;
            let mut report = claims::AckReport::default();
            let changed = change_claims(store, auditor, |tx, actor| {
                let (done, changes) = claims::apply_acknowledgments(tx, actor, &acks)?;
                report = done;
                Ok(changes
                    .into_iter()
                    .map(|(before, after)| (Some(before), after))
                    .collect())
            })?;
            for claim in &changed {
                show_claim(claim);
            }
            for unmatched in &report.unmatched {
                crate::say!("not matched (work queue): {unmatched}");
            }
            crate::say!(
                "{} acknowledgments: {} claims changed, {} already so, {} not matched",
                acks.len(),
                report.changed.len(),
                report.unchanged,
                report.unmatched.len()
            );
            Ok(())
        }
        ClaimsCmd::Correct { claim } => replace(store, auditor, claim, ClaimFrequency::Replacement),
        ClaimsCmd::Void { claim } => replace(store, auditor, claim, ClaimFrequency::Void),
        ClaimsCmd::Review {
            file,
            csv,
            ack_999,
            ack_277,
        } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let codes = codes::CodeSets::open(data_dir).context("loading the code sets")?;
            let review = claims::review_837_coded(&text, &codes);
            if let Some(path) = &ack_999 {
                write_ack_file(store, &text, path, "999", |numbers, at| {
                    claims::write_999(&text, numbers, at)
                })?;
            }
            if let Some(path) = &ack_277 {
                write_ack_file(store, &text, path, "277CA", |numbers, at| {
                    claims::write_277ca(&text, &review, numbers, at)
                })?;
            }
            for problem in &review.problems {
                crate::say!("bad segment: {problem}");
            }
            let table = claims::review_csv(&review);
            match csv {
                Some(path) => {
                    std::fs::write(&path, &table)
                        .with_context(|| format!("writing {}", path.display()))?;
                    super::manifest::record_beside(&path)?;
                }
                None => crate::say!("{}", table.trim_end()),
            }
            let rejected = review
                .claims
                .iter()
                .filter(|c| c.status_category() == "A3")
                .count();
            crate::say!(
                "{} claims reviewed: {} accepted (A2), {rejected} returned (A3); {} bad segments",
                review.claims.len(),
                review.claims.len() - rejected,
                review.problems.len()
            );
            Ok(())
        }
        ClaimsCmd::Receive835 { file } => {
            let remittances = read_835_file(&file, "received")?;
            auditor.bulk_write(store, &format!("835 received from {}", file.display()))?;
            let actor = Actor::new(format!("claims:{}", auditor.user()));
            let today = store.clock().now().date();
            let name = file.display().to_string();
            let _audited =
                auditor.auditing_writes(store, &format!("835 received from {}", file.display()));
            let kept = store
                .write(|tx| {
                    remittances
                        .iter()
                        .map(|r| receive_remittance(tx, &actor, r, &name, today))
                        .collect::<store::Result<Vec<_>>>()
                })
                .with_context(|| format!("{}: nothing was received", file.display()))?;
            for remittance in kept {
                let r = &remittance.record;
                crate::say!(
                    "{}: {} from {}, {} claim payments, {} since {}",
                    r.trace,
                    x12::format_cents(r.payment_cents),
                    r.payer_name,
                    r.claim_payments,
                    r.status.as_str(),
                    r.received_on
                );
            }
            Ok(())
        }
        ClaimsCmd::Aging { by, as_of } => {
            let as_of = as_of.unwrap_or_else(|| store.clock().now().date());
            match by.as_str() {
                "payer" => aging_by_payer(store, auditor, as_of),
                "patient" => aging_by_patient(store, auditor, as_of),
                other => bail!("--by {other:?}: use payer or patient"),
            }
        }
        ClaimsCmd::Statements { min_due, args } => statement_run(store, auditor, &args, &min_due),
        ClaimsCmd::Statement { patient, args } => {
            let patient = super::patient::patient_id(store, &patient)?;
            let (as_of, since) = args.window(store.clock().now().date());
            let from = args.from();
            let out = &args.out;
            let found = store
                .read(|tx| claims::statement(tx, patient, as_of, since, &from))?
                .ok_or_else(|| anyhow::anyhow!("no patient has id {patient}"))?;
            std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
            let (html, pdf) = statement_paths(&found, out);
            // The export is audited before anything is written.
            let event = auditor
                .event(store, privacy::Action::Export)
                .patient(records::PatientId(patient))
                .record("patient", patient)
                .categories(&[
                    privacy::DataCategory::Demographics,
                    privacy::DataCategory::Billing,
                ])
                .reason(&format!(
                    "patient statement of {as_of} to {}",
                    out.display()
                ));
            auditor
                .trail()
                .record(store, &event)
                .context("writing the audit trail (no statement was written)")?;
            write_statement(&found, out)?;
            let (label, due) = if found.amount_due_cents < 0 {
                ("credit balance", -found.amount_due_cents)
            } else {
                ("amount due", found.amount_due_cents)
            };
            crate::say!(
                "statement for {} ({}): {} services, {label} {}, waiting on insurance {}; wrote {} and {}",
                found.patient,
                found.mrn,
                found.lines.len(),
                records::ledger::dollars(due),
                records::ledger::dollars(found.insurance_pending_cents),
                html.display(),
                pdf.display()
            );
            Ok(())
        }
        ClaimsCmd::Post835 { file } => {
            let remittances = read_835_file(&file, "posted")?;
            auditor.bulk_write(store, &format!("835 posted from {}", file.display()))?;
            let actor = Actor::new(format!("claims:{}", auditor.user()));
            let today = store.clock().now().date();
            let name = file.display().to_string();
            let _audited =
                auditor.auditing_writes(store, &format!("835 posted from {}", file.display()));
            let reports = store
                .write(|tx| {
                    let mut reports = Vec::new();
                    for remittance in &remittances {
                        match post_received(tx, &actor, remittance, &name, today) {
                            Ok((report, _)) => reports.push((remittance.trace.clone(), report)),
                            Err(claims::PostError::Store(e)) => return Err(e),
                            Err(unbalanced) => {
                                return Err(store::Error::Conflict(unbalanced.to_string()));
                            }
                        }
                    }
                    Ok(reports)
                })
                .with_context(|| format!("{}: nothing was posted", file.display()))?;
            for (trace, report) in reports {
                crate::say!(
                    "{trace}: {} claim payments posted, {} already posted; paid {}, written off {}, patient responsibility {}",
                    report.posted,
                    report.already_posted,
                    x12::format_cents(report.paid_cents),
                    x12::format_cents(report.adjusted_cents),
                    x12::format_cents(report.patient_responsibility_cents)
                );
                for unmatched in &report.unmatched {
                    crate::say!("not matched (work queue): {unmatched}");
                }
                for (decided, next) in &report.next_payer {
                    match next {
                        claims::NextPayer::Drafted { claim_id, order } => crate::say!(
                            "claim {decided} leaves the patient a share: {order:?} claim {claim_id} drafted (scrub and submit it)"
                        ),
                        claims::NextPayer::NotBuilt { order, problems } => crate::say!(
                            "claim {decided} leaves the patient a share, but the {order:?} claim cannot be built: {}",
                            problems
                                .iter()
                                .map(ToString::to_string)
                                .collect::<Vec<_>>()
                                .join("; ")
                        ),
                    }
                }
            }
            Ok(())
        }
    }
}

/// Where `found`'s HTML and PDF go in `out`.
fn statement_paths(found: &claims::Statement, out: &Path) -> (PathBuf, PathBuf) {
    let stem = out.join(format!("statement-{}-{}", found.mrn, found.as_of));
    (stem.with_extension("html"), stem.with_extension("pdf"))
}

/// Writes `found` as HTML and PDF into `out`, each listed in the folder's manifest.
fn write_statement(found: &claims::Statement, out: &Path) -> Result<()> {
    let (html, pdf) = statement_paths(found, out);
    for (path, bytes) in [(&html, found.html().into_bytes()), (&pdf, found.pdf())] {
        std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))?;
        super::manifest::record_beside(path)?;
    }
    Ok(())
}

/// The statement run: every patient owing at least `min_due` on the statement date, one
/// audited export naming them all before any file is written.
fn statement_run(
    store: &Store,
    auditor: &CliAuditor,
    args: &StatementArgs,
    min_due: &str,
) -> Result<()> {
    let min_cents = x12::parse_cents(min_due.trim().trim_start_matches('$'))
        .ok()
        .filter(|c| *c >= 0)
        .ok_or_else(|| anyhow::anyhow!("--min-due {min_due:?}: expected dollars, e.g. 5.00"))?;
    let (as_of, since) = args.window(store.clock().now().date());
    let from = args.from();
    let out = &args.out;
    let owing: Vec<i64> = store
        .read(|tx| claims::patient_aging(tx, as_of))?
        .patients
        .iter()
        .filter(|p| p.total_cents() >= min_cents.max(1))
        .map(|p| p.patient_id)
        .collect();
    let statements = store.read(|tx| {
        let mut found = Vec::with_capacity(owing.len());
        for &patient in &owing {
            if let Some(statement) = claims::statement(tx, patient, as_of, since, &from)? {
                found.push(statement);
            }
        }
        Ok(found)
    })?;
    let patients: Vec<records::PatientId> = statements
        .iter()
        .map(|s| records::PatientId(s.patient_id))
        .collect();
    let event = auditor
        .event(store, privacy::Action::Export)
        .patients(&patients)
        .categories(&[
            privacy::DataCategory::Demographics,
            privacy::DataCategory::Billing,
        ])
        .reason(&format!(
            "statement run of {as_of}: {} patient statements to {}",
            statements.len(),
            out.display()
        ));
    auditor
        .trail()
        .record(store, &event)
        .context("writing the audit trail (no statement was written)")?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let mut total_due = 0;
    for statement in &statements {
        write_statement(statement, out)?;
        total_due += statement.amount_due_cents.max(0);
    }
    crate::say!(
        "statement run of {as_of}: {} statements written to {} (patients owing at least {}), {} due in all",
        statements.len(),
        out.display(),
        records::ledger::dollars(min_cents),
        records::ledger::dollars(total_due)
    );
    Ok(())
}

/// Writes the acknowledgment (`kind`: 999, 277CA) `write` makes of the 837 `text` to
/// `path`, its control numbers reserved for the 837's receiver (the payer answering) in the
/// transaction that writes the file.
fn write_ack_file(
    store: &Store,
    text: &str,
    path: &Path,
    kind: &str,
    write: impl Fn(claims::AckNumbers, time::PrimitiveDateTime) -> x12::Result<String>,
) -> Result<()> {
    let sender = x12::read(text)
        .map(|i| i.isa.element(8).trim().to_owned())
        .map_err(|e| anyhow::anyhow!("no {kind} can answer this file: {e}"))?;
    let at = store.clock().now();
    let at = time::PrimitiveDateTime::new(at.date(), at.time());
    store
        .write(|tx| {
            let numbers = claims::AckNumbers {
                interchange: tx.reserve_control_numbers(
                    &sender,
                    store::ControlKind::Interchange,
                    1,
                )?,
                group: tx.reserve_control_numbers(&sender, store::ControlKind::Group, 1)?,
            };
            let answer = write(numbers, at)
                .map_err(|e| store::Error::Conflict(format!("writing the {kind}: {e}")))?;
            std::fs::write(path, answer)
                .map_err(|e| store::Error::Conflict(format!("writing {}: {e}", path.display())))
        })
        .with_context(|| format!("{}: no {kind} was written", path.display()))?;
    crate::say!("wrote the {kind} to {}", path.display());
    Ok(())
}

/// Prints the A/R aging by payer, audited as a read of billing naming no patient.
fn aging_by_payer(store: &Store, auditor: &CliAuditor, as_of: time::Date) -> Result<()> {
    let report = store.read(|tx| claims::aging(tx, as_of))?;
    let event = auditor
        .event(store, privacy::Action::Read)
        .categories(&[privacy::DataCategory::Billing])
        .reason("A/R aging by payer");
    auditor
        .trail()
        .record(store, &event)
        .context("writing the audit trail (nothing was shown)")?;
    crate::say!("{}", aging_head("payer"));
    for payer in &report.payers {
        crate::say!("{}", aging_row(&payer.payer, &payer.cents));
    }
    crate::say!("{}", aging_row("All payers", &report.totals));
    crate::say!(
        "owed by payers on {as_of}: {}; days in A/R: {}",
        records::ledger::dollars(report.total_cents()),
        report.days_in_ar.map_or_else(
            || "none billed in the last 90 days".to_owned(),
            |d| format!("{d:.1}")
        )
    );
    Ok(())
}

/// Prints the A/R aging by patient, each patient listed audited as a read of their billing.
fn aging_by_patient(store: &Store, auditor: &CliAuditor, as_of: time::Date) -> Result<()> {
    let report = store.read(|tx| claims::patient_aging(tx, as_of))?;
    let patients: Vec<i64> = report.patients.iter().map(|p| p.patient_id).collect();
    auditor.shown(
        store,
        &patients,
        &[
            privacy::DataCategory::Demographics,
            privacy::DataCategory::Billing,
        ],
        "A/R aging by patient",
    )?;
    crate::say!("{}", aging_head("patient (MRN)"));
    for patient in &report.patients {
        crate::say!(
            "{}",
            aging_row(
                &format!("{} ({})", patient.patient, patient.mrn),
                &patient.cents
            )
        );
    }
    crate::say!("{}", aging_row("All patients", &report.totals));
    crate::say!(
        "owed by {} patients on {as_of}: {}; waiting on insurance {}",
        report.patients.len(),
        records::ledger::dollars(report.total_cents()),
        records::ledger::dollars(report.insurance_pending_cents)
    );
    Ok(())
}

fn aging_head(who: &str) -> String {
    let mut head = format!("{who:<40}");
    for bucket in claims::AGING_BUCKETS {
        head.push_str(&format!("{:>14}", format!("{bucket} days")));
    }
    head + &format!("{:>14}", "total")
}

fn aging_row(who: &str, cents: &[i64; 5]) -> String {
    let mut row = format!("{who:<40}");
    for c in cents {
        row.push_str(&format!("{:>14}", records::ledger::dollars(*c)));
    }
    row + &format!("{:>14}", records::ledger::dollars(cents.iter().sum()))
}

/// The remittances of an 835 file (checked against its manifest when one is beside it), or
/// every problem found, saying nothing was `done`.
fn read_835_file(file: &Path, done: &str) -> Result<Vec<claims::Remittance>> {
    super::manifest::checked_before_import(file)?;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    read_remittances(&text).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        anyhow::anyhow!(
            "{}: nothing was {done}:\n{}",
            file.display(),
            lines.join("\n")
        )
    })
}

fn show(claim: &ProfessionalClaim) {
    crate::say!(
        "claim {} for encounter {}: {} to {} ({}), member {}, place of service {}",
        claim.claim_id,
        claim.encounter_id.0,
        x12::format_cents(claim.total_cents()),
        claim.payer.name,
        claim.payer.id,
        claim.subscriber.member_id,
        claim.place_of_service
    );
    crate::say!("billing {} (NPI {})", claim.billing.name, claim.billing.npi);
    if let Some(rendering) = &claim.rendering {
        crate::say!(
            "rendering {} {} (NPI {})",
            rendering.given_name,
            rendering.family_name,
            rendering.npi
        );
    }
    crate::say!("diagnoses {}", claim.diagnoses.join(", "));
    for (idx, line) in claim.lines.iter().enumerate() {
        let pointers: Vec<String> = line.pointers.iter().map(u8::to_string).collect();
        crate::say!(
            "line {}: {}{}{} x{} {} on {}, diagnoses {}",
            idx + 1,
            line.code,
            if line.modifiers.is_empty() { "" } else { "-" },
            line.modifiers.join("-"),
            line.units,
            x12::format_cents(line.charge_cents),
            line.service_date,
            pointers.join(",")
        );
    }
}

/// Drafts a replacement or void of `claim`.
fn replace(
    store: &Store,
    auditor: &CliAuditor,
    claim: i64,
    frequency: ClaimFrequency,
) -> Result<()> {
    let changed = change_claims(store, auditor, |tx, actor| {
        let drafted = claims::draft_replacement(tx, actor, ClaimId(claim), frequency)?;
        Ok(vec![(None, drafted)])
    })?;
    for claim in &changed {
        show_claim(claim);
    }
    crate::say!("scrub and send it with: chartroom claims submit --claim ID --out DIR");
    Ok(())
}

/// What one scrub run did.
struct Scrubbed {
    claims: Vec<Stored<Claim>>,
    not_built: Vec<(i64, Vec<claims::BuildProblem>)>,
}

fn filing_settings(limits: &[String]) -> Result<ScrubSettings> {
    let mut settings = ScrubSettings::default();
    for limit in limits {
        let parsed = limit
            .split_once('=')
            .and_then(|(code, days)| Some((code.trim().to_owned(), days.trim().parse().ok()?)));
        match parsed {
            Some(pair) => settings.by_payer_code.push(pair),
            None => bail!("--filing-limit {limit:?}: expected PAYER=DAYS, e.g. EXHP1=90"),
        }
    }
    Ok(settings)
}

/// Runs `change` in one audited transaction, each claim change with its audit entry.
fn change_claims(
    store: &Store,
    auditor: &CliAuditor,
    change: impl FnOnce(
        &mut store::Tx<'_>,
        &Actor,
    ) -> store::Result<Vec<(Option<Stored<Claim>>, Stored<Claim>)>>,
) -> Result<Vec<Stored<Claim>>> {
    let actor = Actor::new(format!("claims:{}", auditor.user()));
    let who = auditor.event(store, privacy::Action::Update);
    Ok(auditor.trail().write(store, |audited| {
        let mut tx = audited.records();
        let changes = change(&mut tx, &actor)?;
        drop(tx);
        for (before, after) in &changes {
            claims::audit_claim_change(audited, &who, before.as_ref(), after)?;
        }
        Ok(changes.into_iter().map(|(_, after)| after).collect())
    })?)
}

/// Runs `f` with the scrubber: the code sets of the data directory, the filing limits
/// given, and today on the store's clock.
fn with_scrubber<T>(
    store: &Store,
    data_dir: &Path,
    filing_limits: &[String],
    f: impl FnOnce(&Scrubber<'_>) -> Result<T>,
) -> Result<T> {
    let settings = filing_settings(filing_limits)?;
    let codes = codes::CodeSets::open(data_dir).context("loading the code sets")?;
    f(&Scrubber {
        codes: &codes,
        settings: &settings,
        today: store.clock().now().date(),
    })
}

/// Scrubs the stored claims `ids` that are not sent yet (replacements and voids).
fn scrub_stored(
    store: &Store,
    auditor: &CliAuditor,
    scrubber: &Scrubber<'_>,
    ids: &[i64],
) -> Result<Scrubbed> {
    let claims = change_claims(store, auditor, |tx, actor| {
        let mut changes = Vec::new();
        for id in ids {
            let before = tx.get::<Claim>(*id)?;
            if before.record.status.is_open() {
                let after = scrub_claim(tx, actor, scrubber, *id)?;
                changes.push((Some(before), after));
            }
        }
        Ok(changes)
    })?;
    Ok(Scrubbed {
        claims,
        not_built: Vec::new(),
    })
}

fn scrub_encounters(
    store: &Store,
    auditor: &CliAuditor,
    scrubber: &Scrubber<'_>,
    only: &[i64],
) -> Result<Scrubbed> {
    let mut not_built = Vec::new();
    let claims = change_claims(store, auditor, |tx, actor| {
        let ids: Vec<i64> = if only.is_empty() {
            tx.search::<Encounter>(
                &[Filter::Compare("status", Op::Eq, Value::from("finished"))],
                &[Sort("id", false)],
                i64::MAX,
                0,
            )?
            .into_iter()
            .map(|e| e.meta.id)
            .collect()
        } else {
            only.to_vec()
        };
        let mut changes = Vec::new();
        for id in ids {
            let encounter = EncounterId(id);
            let mut problems = Vec::new();
            let mut n_kinds = 0;
            for kind in [ClaimKind::Professional, ClaimKind::Institutional] {
                let before = claims::live_claim(tx, encounter, CoverageOrder::Primary, kind)?;
                let drafted = match draft_claim(tx, actor, encounter, CoverageOrder::Primary, kind)?
                {
                    Ok(drafted) => drafted,
                    // An encounter without charges of one side has no claim of that kind.
                    Err(found) if found.iter().all(|p| p.field == "charges") => continue,
                    Err(found) => {
                        problems.extend(found);
                        continue;
                    }
                };
                n_kinds += 1;
                if drafted.record.status.is_open() {
                    let scrubbed = scrub_claim(tx, actor, scrubber, drafted.meta.id)?;
                    changes.push((before, scrubbed));
                }
            }
            if n_kinds == 0 && problems.is_empty() {
                problems.push(claims::BuildProblem {
                    source: format!("encounter {id}"),
                    field: "charges",
                    message: "none; a claim needs at least one charged service".into(),
                });
            }
            if !problems.is_empty() {
                not_built.push((id, problems));
            }
        }
        Ok(changes)
    })?;
    // A visit an agreed restriction keeps from the plan: the withholding is audited.
    let withheld: Vec<(i64, &claims::BuildProblem)> = not_built
        .iter()
        .flat_map(|(id, problems)| {
            problems
                .iter()
                .filter(|p| p.field == "restriction")
                .map(move |p| (*id, p))
        })
        .collect();
    if !withheld.is_empty() {
        let who = auditor.event(store, privacy::Action::Read);
        auditor.trail().write(store, |audited| {
            for (id, problem) in &withheld {
                claims::audit_withheld(audited, &who, EncounterId(*id), problem)?;
            }
            Ok(())
        })?;
    }
    Ok(Scrubbed { claims, not_built })
}

fn report_scrub(found: &Scrubbed) {
    for (id, problems) in &found.not_built {
        for problem in problems {
            crate::say!("encounter {id} not billed: {problem}");
        }
    }
    let mut held = 0;
    for claim in &found.claims {
        let open: Vec<_> = claim.record.open_edits().collect();
        if !open.is_empty() {
            held += 1;
            show_claim(claim);
            for edit in open {
                crate::say!("  {}: {} ({})", edit.key(), edit.message, edit.source);
            }
        }
    }
    crate::say!(
        "{} claims scrubbed: {} clean, {held} in the work queue; {} encounters not billed",
        found.claims.len(),
        found.claims.len() - held,
        found.not_built.len()
    );
}

fn status_names() -> String {
    let names: Vec<&str> = ClaimStatus::ALL.iter().map(|s| s.as_str()).collect();
    names.join(", ")
}

fn show_claim(claim: &Stored<Claim>) {
    let record = &claim.record;
    crate::say!(
        "claim {} ({} {}, frequency {}) encounter {} patient {} payer {} {:?}: {} on {}, {}{}",
        claim.meta.id,
        record.kind.transaction(),
        record.control_number,
        record.frequency.code(),
        record.encounter_id.0,
        record.patient_id.0,
        record.payer_id.0,
        record.coverage_order,
        x12::format_cents(record.total_cents),
        record.service_date,
        record.status.as_str(),
        record
            .status_reason
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default()
    );
}

fn submit(
    store: &Store,
    auditor: &CliAuditor,
    out: &std::path::Path,
    ids: &[ClaimId],
    args: SubmitterArgs,
) -> Result<()> {
    let (submitter, delimiters) = args.identity()?.ok_or_else(|| {
        anyhow::anyhow!(
            "claims submit needs the receiver's id and the billing tax id: --receiver-id and --tax-id (or CHARTROOM_X12_RECEIVER_ID and CHARTROOM_X12_TAX_ID)"
        )
    })?;
    let at = store.clock().now();
    let at = time::PrimitiveDateTime::new(at.date(), at.time());
    let mut sent = claims::Sent::default();
    change_claims(store, auditor, |tx, actor| {
        sent = claims::send_to_dir(tx, actor, ids, &submitter, at, delimiters, out)?;
        Ok(std::mem::take(&mut sent.changes))
    })?;
    for (id, reason) in &sent.held {
        crate::say!("claim {id} held: {reason}");
    }
    if sent.files.is_empty() {
        crate::say!("no claim to send ({} held)", sent.held.len());
    }
    for file in &sent.files {
        super::manifest::record_beside(&file.path)?;
        crate::say!(
            "wrote {} claims ({}) to {}; {} held",
            file.claims,
            x12::format_cents(file.total_cents),
            file.path.display(),
            sent.held.len()
        );
    }
    Ok(())
}
