//! `chartroom roi`, `chartroom disclosures` and `chartroom consent`: the release-of-
//! information desk from a terminal. Take in a request, validate it (every defect named),
//! release its packet as a PDF, deny or extend it, list the queue; print a patient's
//! accounting of disclosures; record consents and restrictions. Each step is written with
//! its audit entries in one transaction (`disclosures::desk`).

use crate::cli::audited::CliAuditor;
use crate::cli::patient::patient_id;
use crate::output;
use anyhow::{Context, Result, bail};
use disclosures::FeeSchedule;
use privacy::Action;
use records::{
    Authorization, Consent, ConsentKind, Delivery, EncounterId, LegalBasis, PatientId,
    ReleaseCategory, RequesterKind, RoiRequest, RoiStatus,
};
use std::path::{Path, PathBuf};
use store::Store;
use time::Date;

/// The facility's fee schedule file, read from the data directory when present.
pub const FEES_FILE: &str = "roi-fees.toml";

pub(crate) fn date(text: &str) -> Result<Date, String> {
    Date::parse(
        text.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| format!("\"{text}\" is not a date (YYYY-MM-DD)"))
}

fn parsed<T>(text: &str, parse: fn(&str) -> Option<T>, all: &[&str]) -> Result<T, String> {
    parse(text).ok_or_else(|| format!("\"{text}\" is not one of {}", all.join(", ")))
}

macro_rules! value_parser {
    ($name:ident, $ty:ty) => {
        fn $name(text: &str) -> Result<$ty, String> {
            let names: Vec<&str> = <$ty>::ALL.iter().map(|v| v.as_str()).collect();
            parsed(text, <$ty>::parse, &names)
        }
    };
}
value_parser!(requester_kind, RequesterKind);
value_parser!(legal_basis, LegalBasis);
value_parser!(category, ReleaseCategory);
value_parser!(delivery, Delivery);
value_parser!(status, RoiStatus);
value_parser!(consent_kind, ConsentKind);

/// The authorisation as the signed form says it (leave all out when the basis needs none).
#[derive(Debug, clap::Args)]
pub struct AuthArgs {
    /// (c)(1)(i) The information to be disclosed, as the form describes it.
    #[arg(long, value_name = "TEXT")]
    auth_description: Option<String>,
    /// (c)(1)(ii) Who may disclose.
    #[arg(long, value_name = "TEXT")]
    auth_discloser: Option<String>,
    /// (c)(1)(iii) To whom.
    #[arg(long, value_name = "TEXT")]
    auth_recipient: Option<String>,
    /// (c)(1)(iv) For what purpose.
    #[arg(long, value_name = "TEXT")]
    auth_purpose: Option<String>,
    /// (c)(1)(v) Expiration date.
    #[arg(long, value_name = "DATE", value_parser = date)]
    auth_expires: Option<Date>,
    /// (c)(1)(v) Expiration event, instead of a date.
    #[arg(long, value_name = "TEXT")]
    auth_expiry_event: Option<String>,
    /// (c)(1)(vi) The day it was signed.
    #[arg(long, value_name = "DATE", value_parser = date)]
    auth_signed: Option<Date>,
    /// (c)(1)(vi) The signature is on the form.
    #[arg(long)]
    auth_signature: bool,
    /// A representative signed it: who and their authority.
    #[arg(long, value_name = "TEXT")]
    auth_representative: Option<String>,
    /// (c)(2)(i) The form states the right to revoke.
    #[arg(long)]
    auth_revocation_statement: bool,
    /// (c)(2)(ii) The form states treatment is not conditioned on signing.
    #[arg(long)]
    auth_conditioning_statement: bool,
    /// (c)(2)(iii) The form warns of redisclosure.
    #[arg(long)]
    auth_redisclosure_notice: bool,
    /// A part of the chart the form covers (repeat; protected classes must be named).
    #[arg(long = "auth-category", value_name = "CATEGORY", value_parser = category)]
    auth_categories: Vec<ReleaseCategory>,
    /// The first day of care the form covers.
    #[arg(long, value_name = "DATE", value_parser = date)]
    auth_from: Option<Date>,
    /// The last day of care the form covers.
    #[arg(long, value_name = "DATE", value_parser = date)]
    auth_to: Option<Date>,
}

impl AuthArgs {
    fn form(self) -> Option<Authorization> {
        let form = Authorization {
            description: self.auth_description,
            discloser: self.auth_discloser,
            recipient: self.auth_recipient,
            purpose: self.auth_purpose,
            expires_on: self.auth_expires,
            expiry_event: self.auth_expiry_event,
            signed_on: self.auth_signed,
            signature: self.auth_signature,
            signed_by_representative: self.auth_representative,
            revocation_statement: self.auth_revocation_statement,
            conditioning_statement: self.auth_conditioning_statement,
            redisclosure_notice: self.auth_redisclosure_notice,
            revoked_on: None,
            categories: self.auth_categories,
            from_date: self.auth_from,
            to_date: self.auth_to,
        };
        (form != Authorization::default()).then_some(form)
    }
}

/// A request as taken in.
#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// The patient (record id or MRN).
    #[arg(long)]
    pub patient: String,
    /// Who asks: patient, representative, attorney, insurer, provider, public_health,
    /// law_enforcement, researcher, other.
    #[arg(long, value_parser = requester_kind)]
    pub requester_kind: RequesterKind,
    /// The requester's name.
    #[arg(long)]
    pub requester: String,
    /// Their organisation.
    #[arg(long)]
    pub organization: Option<String>,
    /// Where the packet goes.
    #[arg(long)]
    pub address: Option<String>,
    /// How identity and authority were verified.
    #[arg(long, value_name = "HOW")]
    pub identity_verified: Option<String>,
    /// Why, in the requester's words.
    #[arg(long)]
    pub purpose: String,
    /// authorization, patient_access, treatment, payment, operations, public_health,
    /// court_order, subpoena, required_by_law, research_waiver.
    #[arg(long, value_parser = legal_basis)]
    pub basis: LegalBasis,
    /// For a subpoena: the assurances received.
    #[arg(long, value_name = "TEXT")]
    pub subpoena_assurances: Option<String>,
    /// A part of the chart asked for (repeat): demographics, insurance, encounters,
    /// diagnoses, procedures, immunizations, results, medications, allergies, problems,
    /// notes, billing, psychotherapy_notes, substance_use, hiv, genetic, reproductive.
    #[arg(long = "category", required = true, value_parser = category)]
    pub categories: Vec<ReleaseCategory>,
    /// The first day of care asked for.
    #[arg(long, value_parser = date)]
    pub from: Option<Date>,
    /// The last day of care asked for.
    #[arg(long, value_parser = date)]
    pub to: Option<Date>,
    /// Why each part is needed (minimum necessary).
    #[arg(long, value_name = "TEXT")]
    pub minimum_necessary: Option<String>,
    /// print, pdf, download, fhir.
    #[arg(long, default_value = "pdf", value_parser = delivery)]
    pub delivery: Delivery,
    /// The day it was received (default today).
    #[arg(long, value_parser = date)]
    pub received: Option<Date>,
    #[command(flatten)]
    pub auth: AuthArgs,
}

#[derive(Debug, clap::Subcommand)]
pub enum RoiCmd {
    /// Take in a request for copies of a chart (due 30 days after receipt).
    New(Box<NewArgs>),
    /// Check a request: every defect with its field and rule; exit 1 while one remains.
    Validate {
        /// Request id (the number without ROI-).
        id: i64,
    },
    /// Release a validated request: the packet as a PDF, entered in the accounting.
    Release {
        /// Request id.
        id: i64,
        /// Where to write the packet.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// The facility's name on the cover sheet.
        #[arg(long, env = "CHARTROOM_FACILITY_NAME", default_value = "Chartroom")]
        facility: String,
        /// A fee schedule (default: roi-fees.toml in the data directory, if any).
        #[arg(long, value_name = "FILE")]
        fees: Option<PathBuf>,
    },
    /// Deny a request, with the reason the requester is told.
    Deny {
        /// Request id.
        id: i64,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Take the one 30-day extension, with the reason the requester is told.
    Extend {
        /// Request id.
        id: i64,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// A research extract of every patient: Safe Harbor or a limited data set under a data
    /// use agreement, k-anonymous over the chosen quasi-identifiers, with its report.
    Extract(Box<super::research::ExtractArgs>),
    /// Data use agreements for limited data sets: add, list.
    #[command(subcommand)]
    Dua(super::research::DuaCmd),
    /// The queue: open requests, due first (or those of --status).
    List {
        /// received, validated, released, denied (repeat).
        #[arg(long, value_parser = status)]
        status: Vec<RoiStatus>,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
}

#[derive(Debug, clap::Subcommand)]
pub enum ConsentCmd {
    /// Record a consent or an agreed restriction.
    Add {
        /// The patient (record id or MRN).
        patient: String,
        /// treatment, research, hie_sharing, specific_disclosure, restriction.
        #[arg(long, value_parser = consent_kind)]
        kind: ConsentKind,
        /// A protected class a specific consent covers, or a part a restriction covers
        /// (repeat; none: all).
        #[arg(long = "category", value_parser = category)]
        categories: Vec<ReleaseCategory>,
        /// The recipient a specific consent names, or the kind of recipient a restriction
        /// keeps out (insurer, attorney, ...).
        #[arg(long)]
        recipient: Option<String>,
        /// The visit a restriction covers (encounter id).
        #[arg(long, value_name = "ID")]
        encounter: Option<i64>,
        /// In force from (default today).
        #[arg(long, value_parser = date)]
        from: Option<Date>,
        /// In force until.
        #[arg(long, value_parser = date)]
        to: Option<Date>,
        /// A note for the desk.
        #[arg(long)]
        note: Option<String>,
    },
    /// A patient's consents and restrictions.
    List {
        /// The patient (record id or MRN).
        patient: String,
    },
    /// Record that the patient revoked a consent.
    Revoke {
        /// Consent id.
        id: i64,
        /// The day of revocation (default today).
        #[arg(long, value_parser = date)]
        on: Option<Date>,
    },
}

pub(crate) fn fees(file: Option<&Path>, data_dir: &Path) -> Result<FeeSchedule> {
    let default_file = data_dir.join(FEES_FILE);
    let path = match file {
        Some(path) => path.to_owned(),
        None if default_file.is_file() => default_file,
        None => return Ok(FeeSchedule::default()),
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("reading the fee schedule {}", path.display()))?;
    FeeSchedule::from_toml(&text, &path.display().to_string()).map_err(anyhow::Error::msg)
}

fn range(from: Option<Date>, to: Option<Date>) -> String {
    match (from, to) {
        (None, None) => "all dates".into(),
        (Some(from), None) => format!("from {from}"),
        (None, Some(to)) => format!("until {to}"),
        (Some(from), Some(to)) => format!("{from} to {to}"),
    }
}

pub fn run(
    store: &Store,
    auditor: &CliAuditor,
    data_dir: &Path,
    cmd: RoiCmd,
    json: bool,
) -> Result<()> {
    let trail = auditor.trail();
    let who = auditor.event(store, Action::Read);
    match cmd {
        RoiCmd::New(args) => {
            let NewArgs {
                patient,
                requester_kind,
                requester,
                organization,
                address,
                identity_verified,
                purpose,
                basis,
                subpoena_assurances,
                categories,
                from,
                to,
                minimum_necessary,
                delivery,
                received,
                auth,
            } = *args;
            let patient = PatientId(patient_id(store, &patient)?);
            let received_on = received.unwrap_or(who.at.date());
            let request = RoiRequest {
                requester_organization: organization,
                requester_address: address,
                identity_verified,
                subpoena_assurances,
                from_date: from,
                to_date: to,
                minimum_necessary,
                delivery,
                authorization_form: auth.form(),
                ..RoiRequest::received(
                    patient,
                    (requester_kind, &requester),
                    &purpose,
                    basis,
                    categories,
                    received_on,
                )
            };
            let stored = trail.write(store, |a| Ok(disclosures::intake(a, &who, request)?))?;
            if json {
                return output::json(&stored);
            }
            crate::say!(
                "{} received, due {}. Next: chartroom roi validate {}",
                RoiRequest::number(stored.meta.id),
                stored.record.due_on,
                stored.meta.id
            );
            Ok(())
        }
        RoiCmd::Validate { id } => {
            let review = trail.write(store, |a| Ok(disclosures::review(a, &who, id)?))?;
            if json {
                output::json(&serde_json::json!({
                    "number": review.number,
                    "status": review.request.record.status,
                    "defects": review.defects,
                    "items": review.scope.items.len(),
                    "withheld": review.scope.withheld.iter().map(|(r, n)| format!("{n} {}", r.describe())).collect::<Vec<_>>(),
                }))?;
            } else {
                crate::say!(
                    "{} for {} (MRN {}): {}, {} items in scope ({}), {} withheld",
                    review.number,
                    review.patient_name,
                    review.mrn,
                    review.request.record.status.as_str(),
                    review.scope.items.len(),
                    range(
                        review.request.record.from_date,
                        review.request.record.to_date
                    ),
                    review.scope.n_withheld()
                );
                for (reason, n) in &review.scope.withheld {
                    crate::say!("  withheld: {n} ({})", reason.describe());
                }
                if !review.defects.is_empty() {
                    let rows: Vec<Vec<String>> = review
                        .defects
                        .iter()
                        .map(|d| vec![d.field.clone(), d.rule.to_owned(), d.message.clone()])
                        .collect();
                    output::table(&["field", "rule", "defect"], &rows);
                }
            }
            if !review.defects.is_empty() {
                bail!(
                    "{} has {} defect(s); nothing can be released",
                    review.number,
                    review.defects.len()
                );
            }
            Ok(())
        }
        RoiCmd::Release {
            id,
            out,
            facility,
            fees: fee_file,
        } => {
            let schedule = fees(fee_file.as_deref(), data_dir)?;
            // The packet is written inside the transaction: a file that cannot be written
            // releases nothing, and a failed commit removes the file.
            let written = trail.write(store, |a| {
                let released = disclosures::release(a, &who, id, &schedule, &facility)?;
                std::fs::write(&out, &released.packet.pdf).map_err(|e| {
                    store::Error::Conflict(format!("cannot write {}: {e}", out.display()))
                })?;
                Ok(released)
            });
            let released = match written {
                Ok(released) => released,
                Err(error) => {
                    if out.is_file() {
                        let _ = std::fs::remove_file(&out);
                    }
                    return Err(error.into());
                }
            };
            // The packet's SHA-256 beside it, so the recipient can check what arrived
            // (`chartroom verify-manifest`, or sha256sum -c).
            super::manifest::record_beside(&out)?;
            if json {
                return output::json(&serde_json::json!({
                    "number": RoiRequest::number(id),
                    "file": out,
                    "pages": released.packet.pages,
                    "sha256": released.packet.sha256,
                    "fee_cents": released.request.record.fee_cents,
                    "disclosure_id": released.disclosure.meta.id,
                    "accountable": released.disclosure.record.accountable,
                    "withheld": released.withheld,
                }));
            }
            crate::say!(
                "{} released to {}: {} ({} pages, fee {}, sha256 {}).",
                RoiRequest::number(id),
                released.disclosure.record.recipient,
                out.display(),
                released.packet.pages,
                output::money(released.request.record.fee_cents.unwrap_or(0)),
                released.packet.sha256
            );
            for line in &released.withheld {
                crate::say!("  {line}");
            }
            crate::say!(
                "Entered in the accounting of disclosures{}.",
                if released.disclosure.record.accountable {
                    ""
                } else {
                    " (on file; excluded from the patient's accounting by 164.528(a)(1))"
                }
            );
            Ok(())
        }
        RoiCmd::Deny { id, reason } => {
            let denied = trail.write(store, |a| Ok(disclosures::deny(a, &who, id, &reason)?))?;
            crate::say!("{} denied.", RoiRequest::number(denied.meta.id));
            Ok(())
        }
        RoiCmd::Extend { id, reason } => {
            let extended =
                trail.write(store, |a| Ok(disclosures::extend(a, &who, id, &reason)?))?;
            crate::say!(
                "{} now due {}.",
                RoiRequest::number(extended.meta.id),
                extended.record.due()
            );
            Ok(())
        }
        RoiCmd::Extract(args) => super::research::run_extract(store, auditor, *args, json),
        RoiCmd::Dua(cmd) => super::research::run_dua(store, auditor, cmd, json),
        RoiCmd::List { status, limit } => {
            let rows = trail.write(store, |a| Ok(disclosures::queue(a, &who, &status, limit)?))?;
            if json {
                return output::json(&rows);
            }
            if rows.is_empty() {
                crate::say!("No requests.");
                return Ok(());
            }
            let table: Vec<Vec<String>> = rows
                .iter()
                .map(|row| {
                    let r = &row.request.record;
                    vec![
                        row.number.clone(),
                        format!("{} ({})", row.patient_name, row.mrn),
                        r.requester_name.clone(),
                        r.legal_basis.as_str().to_owned(),
                        r.status.as_str().to_owned(),
                        format!("{}{}", r.due(), if row.late { " (late)" } else { "" }),
                    ]
                })
                .collect();
            output::table(
                &["request", "patient", "requester", "basis", "status", "due"],
                &table,
            );
            Ok(())
        }
    }
}

/// `chartroom disclosures PATIENT`: the accounting of disclosures for the last six years.
pub fn run_accounting(
    store: &Store,
    auditor: &CliAuditor,
    patient: &str,
    json: bool,
) -> Result<()> {
    let patient = PatientId(patient_id(store, patient)?);
    let who = auditor.event(store, Action::Read);
    let account = auditor
        .trail()
        .write(store, |a| Ok(disclosures::accounting(a, &who, patient)?))?;
    if json {
        return output::json(&account);
    }
    crate::say!(
        "Accounting of disclosures for {} (MRN {}) since {} (45 CFR 164.528): {} disclosures; {} more on file are excluded (treatment, payment, operations, the patient's own, under an authorization).",
        account.patient_name,
        account.mrn,
        account.since.date(),
        account.disclosures.len(),
        account.excluded
    );
    let rows: Vec<Vec<String>> = account
        .disclosures
        .iter()
        .map(|d| {
            let r = &d.record;
            vec![
                r.disclosed_at.date().to_string(),
                r.recipient.clone(),
                r.recipient_address.clone().unwrap_or_default(),
                r.description.clone(),
                format!("{} ({})", r.purpose, r.legal_basis.label()),
            ]
        })
        .collect();
    if !rows.is_empty() {
        output::table(&["date", "recipient", "address", "what", "purpose"], &rows);
    }
    Ok(())
}

/// `chartroom consent ...`.
pub fn run_consent(store: &Store, auditor: &CliAuditor, cmd: ConsentCmd, json: bool) -> Result<()> {
    let who = auditor.event(store, Action::Read);
    let trail = auditor.trail();
    match cmd {
        ConsentCmd::Add {
            patient,
            kind,
            categories,
            recipient,
            encounter,
            from,
            to,
            note,
        } => {
            let consent = Consent {
                patient_id: PatientId(patient_id(store, &patient)?),
                kind,
                categories,
                recipient,
                encounter_id: encounter.map(EncounterId),
                effective_from: from.unwrap_or(who.at.date()),
                effective_to: to,
                revoked_on: None,
                note,
                recorded_by: who.user.clone(),
            };
            let stored = trail.write(store, |a| Ok(disclosures::add_consent(a, &who, consent)?))?;
            if json {
                return output::json(&stored);
            }
            crate::say!("Consent {} recorded ({}).", stored.meta.id, kind.label());
            Ok(())
        }
        ConsentCmd::List { patient } => {
            let patient = PatientId(patient_id(store, &patient)?);
            let consents =
                trail.write(store, |a| Ok(disclosures::consents_of(a, &who, patient)?))?;
            if json {
                return output::json(&consents);
            }
            let today = who.at.date();
            let rows: Vec<Vec<String>> = consents
                .iter()
                .map(|c| {
                    let r = &c.record;
                    vec![
                        c.meta.id.to_string(),
                        r.kind.as_str().to_owned(),
                        r.categories
                            .iter()
                            .map(|c| c.as_str())
                            .collect::<Vec<_>>()
                            .join(","),
                        r.recipient.clone().unwrap_or_default(),
                        r.encounter_id.map(|e| e.0.to_string()).unwrap_or_default(),
                        range(Some(r.effective_from), r.effective_to),
                        if r.in_force(today) {
                            "in force"
                        } else {
                            "not in force"
                        }
                        .to_owned(),
                    ]
                })
                .collect();
            output::table(
                &[
                    "id",
                    "kind",
                    "covers",
                    "recipient",
                    "encounter",
                    "dates",
                    "status",
                ],
                &rows,
            );
            Ok(())
        }
        ConsentCmd::Revoke { id, on } => {
            let on = on.unwrap_or(who.at.date());
            let stored =
                trail.write(store, |a| Ok(disclosures::revoke_consent(a, &who, id, on)?))?;
            crate::say!("Consent {} revoked from {on}.", stored.meta.id);
            Ok(())
        }
    }
}
