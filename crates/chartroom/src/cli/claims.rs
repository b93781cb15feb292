//! `chartroom claims`: claims from a terminal: build one (or see why it cannot be built),
//! write the 837P for finished encounters into a directory, post an 835, and review an
//! incoming 837 as a payer (the file is not patient data of this store: nothing to audit).
//!
//! Invariants: control numbers are reserved in the same transaction that reads the claims,
//! so two runs never share one; the audit entry is written before the file; an 835 posts
//! in one transaction, whole or not at all.

use crate::cli::audited::CliAuditor;
use anyhow::{Context, Result, bail};
use claims::{
    Numbers, ProfessionalClaim, Submitter, build_professional, post_remittance, read_remittances,
    write_837p,
};
use privacy::DataCategory;
use records::{CoverageOrder, Encounter, EncounterId};
use std::path::PathBuf;
use store::{Actor, ControlKind, Filter, Op, Sort, Store, Value};

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
    /// Write an 837P of the claims of finished encounters into a directory.
    Submit {
        /// Where to write the file (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Only these encounters (default: every finished encounter).
        #[arg(long = "encounter", value_name = "ID")]
        encounters: Vec<i64>,
        #[command(flatten)]
        submitter: SubmitterArgs,
    },
    /// Review an incoming 837 as a payer: findings and a 277CA status category per claim.
    Review {
        /// The 837 file.
        file: PathBuf,
        /// Write the review as CSV here (default: print it).
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
    },
    /// Post an 835 remittance: payments and adjustments onto the claims' charges.
    #[command(name = "post-835")]
    Post835 {
        /// The 835 file.
        file: PathBuf,
    },
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
    receiver_id: String,
    /// The billing provider's employer identification number (2010AA REF*EI), nine digits.
    #[arg(long, env = "CHARTROOM_X12_TAX_ID")]
    tax_id: String,
    /// Production data (ISA15 P); test data otherwise.
    #[arg(long)]
    production: bool,
}

fn parse_order(order: &str) -> Result<CoverageOrder> {
    Ok(match order {
        "primary" => CoverageOrder::Primary,
        "secondary" => CoverageOrder::Secondary,
        "tertiary" => CoverageOrder::Tertiary,
        other => bail!("--order {other:?}: use primary, secondary or tertiary"),
    })
}

const CLAIM_CATEGORIES: &[DataCategory] = &[
    DataCategory::Demographics,
    DataCategory::Insurance,
    DataCategory::Encounters,
    DataCategory::Diagnoses,
    DataCategory::Procedures,
    DataCategory::Billing,
];

pub fn run(store: &Store, auditor: &CliAuditor, cmd: ClaimsCmd) -> Result<()> {
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
        ClaimsCmd::Submit {
            out,
            encounters,
            submitter,
        } => submit(store, auditor, &out, &encounters, submitter),
        ClaimsCmd::Review { file, csv } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let review = claims::review_837(&text);
            for problem in &review.problems {
                crate::say!("bad segment: {problem}");
            }
            let table = claims::review_csv(&review);
            match csv {
                Some(path) => std::fs::write(&path, &table)
                    .with_context(|| format!("writing {}", path.display()))?,
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
        ClaimsCmd::Post835 { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let remittances = read_remittances(&text).map_err(|errors| {
                let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
                anyhow::anyhow!(
                    "{}: nothing was posted:\n{}",
                    file.display(),
                    lines.join("\n")
                )
            })?;
            auditor.bulk_write(store, &format!("835 posted from {}", file.display()))?;
            let actor = Actor::new(format!("claims:{}", auditor.user()));
            let today = store.clock().now().date();
            let reports = store
                .write(|tx| {
                    let mut reports = Vec::new();
                    for remittance in &remittances {
                        match post_remittance(tx, &actor, remittance, today) {
                            Ok(report) => reports.push((remittance.trace.clone(), report)),
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
            }
            Ok(())
        }
    }
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

fn submit(
    store: &Store,
    auditor: &CliAuditor,
    out: &std::path::Path,
    only: &[i64],
    args: SubmitterArgs,
) -> Result<()> {
    let submitter = Submitter {
        name: args.submitter_name,
        id: args.submitter_id,
        contact: args.contact,
        phone: args.phone,
        receiver_name: args.receiver_name,
        receiver_id: args.receiver_id,
        billing_tax_id: args.tax_id,
        production: args.production,
    };
    let at = store.clock().now();
    let (claims, skipped, numbers) = store.write(|tx| {
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
        let mut claims = Vec::new();
        let mut skipped = Vec::new();
        for id in ids {
            match build_professional(tx, EncounterId(id), CoverageOrder::Primary)? {
                Ok(claim) => claims.push(claim),
                Err(problems) => skipped.push((id, problems)),
            }
        }
        let numbers = if claims.is_empty() {
            None
        } else {
            Some(Numbers {
                interchange: tx.reserve_control_numbers(
                    &submitter.id,
                    ControlKind::Interchange,
                    1,
                )?,
                group: tx.reserve_control_numbers(&submitter.id, ControlKind::Group, 1)?,
                first_transaction: tx.reserve_control_numbers(
                    &submitter.id,
                    ControlKind::Transaction,
                    Numbers::transactions_for(claims.len()),
                )?,
            })
        };
        Ok((claims, skipped, numbers))
    })?;
    for (id, problems) in &skipped {
        for problem in problems {
            crate::say!("encounter {id} not billed: {problem}");
        }
    }
    let Some(numbers) = numbers else {
        bail!(
            "no claim could be built ({} encounters not billed)",
            skipped.len()
        );
    };
    let text = write_837p(
        &claims,
        &submitter,
        numbers,
        time::PrimitiveDateTime::new(at.date(), at.time()),
        x12::Delimiters::default(),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let path = out.join(format!("837P-{:09}.x12", numbers.interchange));
    let mut patients: Vec<i64> = claims.iter().map(|c| c.patient_id.0).collect();
    patients.sort_unstable();
    patients.dedup();
    auditor.shown(
        store,
        &patients,
        CLAIM_CATEGORIES,
        &format!("837P claims written to {}", path.display()),
    )?;
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    crate::say!(
        "wrote {} claims ({}) to {}; {} encounters not billed",
        claims.len(),
        x12::format_cents(claims.iter().map(ProfessionalClaim::total_cents).sum()),
        path.display(),
        skipped.len()
    );
    Ok(())
}
