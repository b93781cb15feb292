//! `chartroom report registry|coverage|syndromic`: immunization-registry messages, coverage and
//! the syndromic surveillance export (the case queue, `report case`, is `report.rs`).
//! `report registry send PATIENT... --to HOST:PORT` sends each patient's VXU^V04 to the immunization registry over MLLP
//! (retried while unanswered, the ACK kept, the disclosure entered when accepted);
//! `report registry query PATIENT --to HOST:PORT` asks the registry what it holds (QBP^Q11,
//! RSP^K11); `report registry log` lists what was sent and what the registry said.
//! `report coverage childhood|influenza` counts immunization coverage (aggregate, as the
//! acting user may see it, like `surveillance`); `report coverage catch-up --patient` lists
//! one child's doses due (patient-level, audited as a read of the chart); `report syndromic --day --out|--to` writes
//! the day's syndromic surveillance batch or sends its messages over MLLP.
//!
//! Invariants: plain MLLP goes to a loopback address only (an interface engine on this
//! machine), anything else over TLS (`--to mllps://HOST:PORT --tls-ca FILE`), as
//! `hl7 outbox --send`; the log is audited before it is
//! printed; a command that leaves any message unaccepted exits non-zero.

use super::audited::CliAuditor;
use super::hl7::{MllpTlsArgs, destination, resolve};
use crate::output;
use anyhow::{Context, Result, bail};
use hl7::registry::{QueryAnswer, QueryKind, Registry, Retry};
use privacy::{Action, DataCategory, Permission};
use reports::coverage;
use std::time::Duration;
use store::{RegistryMessage, Store};

/// Immunization coverage: the childhood series (4:3:1:3:3:1:4) by 24 months, or
/// seasonal influenza by age band; counts 1-10 withheld from users without
/// patient-level reads.
/// `report coverage`.
#[derive(Debug, clap::Args)]
pub struct CoverageArgs {
    /// Which report.
    #[arg(value_enum)]
    pub report: CoverageKind,
    /// The as-of day (YYYY-MM-DD); today by default.
    #[arg(long, value_name = "DAY")]
    pub as_of: Option<String>,
    /// The child (record id or MRN), for `catch-up`.
    #[arg(long, required_if_eq("report", "catch-up"))]
    pub patient: Option<String>,
}

/// The day's syndromic surveillance batch (HL7 v2.5.1 ADT A01/A03/A04/A08 per the PHIN
/// guide, FHS/BHS batch) written to FILE, or its messages sent over MLLP (one frame each,
/// no ACK waited for: they declare PH_SS-NoAck); audited (how it went named) and entered in
/// each patient's accounting of disclosures (a limited data set) only once delivered.
/// `report syndromic`.
#[derive(Debug, clap::Args)]
pub struct SyndromicArgs {
    /// The day (YYYY-MM-DD, UTC).
    #[arg(long, value_name = "DAY")]
    pub day: String,
    /// Where to write the batch.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "to",
        conflicts_with = "to"
    )]
    pub out: Option<std::path::PathBuf>,
    /// Send the messages over MLLP instead: HOST:PORT on this machine (plain MLLP), or
    /// mllps://HOST:PORT with --tls-ca (MLLP over TLS, any host).
    #[arg(long, value_name = "DESTINATION")]
    pub to: Option<String>,
    #[command(flatten)]
    pub tls: MllpTlsArgs,
    /// Who receives it, as the accounting names the recipient.
    #[arg(long, default_value = "State syndromic surveillance program (NSSP)")]
    pub recipient: String,
    /// The facility (MSH-4, EVN-7).
    #[arg(long, env = "CHARTROOM_FACILITY_NAME", default_value = "Chartroom")]
    pub facility_name: String,
    /// The facility's NPI.
    #[arg(long)]
    pub facility_npi: Option<String>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum CoverageKind {
    /// DTaP 4, polio 3, MMR 1, Hib 3, HepB 3, varicella 1, PCV 4 by the second birthday.
    Childhood,
    /// Seasonal influenza by age band, season 1 July to 30 June.
    Influenza,
    /// One child's catch-up list (--patient): the next dose of each childhood series not
    /// complete, the earliest day ACIP's minimum ages and intervals (and the 28 days
    /// between live vaccines) allow it, and whether it is overdue.
    CatchUp,
}

#[derive(Debug, clap::Subcommand)]
pub enum RegistryCmd {
    /// Send each patient's immunization history (VXU^V04) to the registry over MLLP; an
    /// unanswered message is tried again (doubling waits), one the registry rejects (AE,
    /// AR) is not, and is shown with the registry's error.
    Send {
        /// Patients (record id or MRN).
        #[arg(required = true)]
        patients: Vec<String>,
        /// The registry's MLLP address: HOST:PORT on this machine (plain MLLP, e.g. the
        /// interface engine that reaches the registry), or mllps://HOST:PORT with --tls-ca
        /// (MLLP over TLS, any host).
        #[arg(long, value_name = "DESTINATION")]
        to: String,
        #[command(flatten)]
        tls: MllpTlsArgs,
        /// The registry, as the accounting of disclosures names the recipient.
        #[arg(long, default_value = "State immunization information system")]
        registry: String,
        /// Attempts in all for a message that gets no answer.
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=10))]
        attempts: u32,
        /// Seconds to wait after the first failed attempt (doubling after each).
        #[arg(long, default_value_t = 2, value_name = "SECS")]
        backoff: u64,
        /// Seconds to wait for a connection and for each ACK.
        #[arg(long, default_value_t = 10, value_name = "SECS")]
        timeout: u64,
    },
    /// Ask the registry for a patient's immunizations (QBP^Q11, Z34 history or Z44
    /// evaluated history and forecast) and print its answer (RSP^K11): the doses it holds,
    /// or no match, too many matches, or candidates, named as the registry said.
    Query {
        /// The patient (record id or MRN).
        patient: String,
        /// The registry's MLLP address, as for send.
        #[arg(long, value_name = "DESTINATION")]
        to: String,
        #[command(flatten)]
        tls: MllpTlsArgs,
        /// The registry, as the log names it.
        #[arg(long, default_value = "State immunization information system")]
        registry: String,
        /// z34: the immunization history; z44: the history evaluated with the forecast.
        #[arg(long, default_value = "z44", value_parser = ["z34", "z44"])]
        kind: String,
        /// Attempts in all for a query that gets no answer.
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=10))]
        attempts: u32,
        /// Seconds to wait for a connection and for the answer.
        #[arg(long, default_value_t = 10, value_name = "SECS")]
        timeout: u64,
    },
    /// The messages sent to the registry, newest first, with each ACK or failure.
    Log {
        /// Only this patient's (record id or MRN).
        #[arg(long)]
        patient: Option<String>,
        /// Only those with this status.
        #[arg(long, value_parser = ["sending", "accepted", "rejected", "failed"])]
        status: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
}

/// `report registry ...`.
pub fn run_registry(
    store: &Store,
    auditor: &CliAuditor,
    cmd: RegistryCmd,
    json: bool,
) -> Result<()> {
    match cmd {
        RegistryCmd::Send {
            patients,
            to,
            tls,
            registry,
            attempts,
            backoff,
            timeout,
        } => {
            let registry = registry_at(registry, (&to, &tls), timeout, attempts, Some(backoff))?;
            send(store, auditor, &registry, &patients, json)
        }
        RegistryCmd::Query {
            patient,
            to,
            tls,
            registry,
            kind,
            attempts,
            timeout,
        } => {
            let registry = registry_at(registry, (&to, &tls), timeout, attempts, None)?;
            let kind = if kind == "z34" {
                QueryKind::History
            } else {
                QueryKind::EvaluatedHistoryAndForecast
            };
            query(store, auditor, &registry, &patient, kind, json)
        }
        RegistryCmd::Log {
            patient,
            status,
            limit,
        } => log(
            store,
            auditor,
            patient.as_deref(),
            status.as_deref(),
            limit,
            json,
        ),
    }
}

/// `report coverage`.
pub fn run_coverage(
    store: &Store,
    auditor: &CliAuditor,
    args: CoverageArgs,
    user: Option<&str>,
    json: bool,
) -> Result<()> {
    let as_of = match args.as_of.as_deref() {
        Some(text) => super::surveillance::date("as-of", text)?,
        None => store.clock().now().date(),
    };
    if let (CoverageKind::CatchUp, Some(patient)) = (args.report, &args.patient) {
        return catch_up(store, auditor, patient, as_of, json);
    }
    coverage(store, auditor, args.report, as_of, user, json)
}

/// `report coverage catch-up --patient`: patient-level, so audited as a read of the child's
/// chart (like `report registry log`) before it is shown.
fn catch_up(
    store: &Store,
    auditor: &CliAuditor,
    patient: &str,
    as_of: time::Date,
    json: bool,
) -> Result<()> {
    let id = resolve(store, patient)?;
    let minimums = coverage::validity::Minimums::acip()?;
    let Some(person) = store.read(|tx| coverage::read_person(tx, id))? else {
        bail!("patient {patient}: no birth date on file, so no schedule to follow");
    };
    let due = coverage::catch_up::catch_up(&person, as_of, &minimums);
    auditor.shown(
        store,
        &[id],
        &[DataCategory::Demographics, DataCategory::Immunizations],
        "immunization catch-up list",
    )?;
    if json {
        return output::json(&serde_json::json!({ "as_of": as_of.to_string(), "due": due }));
    }
    if due.is_empty() {
        crate::say!(
            "Nothing owed as of {as_of}: every childhood series complete or no longer needed at this age."
        );
        return Ok(());
    }
    let rows: Vec<Vec<String>> = due
        .iter()
        .map(|dose| {
            let state = match (dose.due, dose.overdue) {
                (_, true) => "overdue",
                (true, false) => "due",
                (false, false) => "not yet",
            };
            vec![
                dose.series.to_owned(),
                format!("{} of {}", dose.dose, dose.of),
                dose.earliest.to_string(),
                state.to_owned(),
            ]
        })
        .collect();
    output::table(&["series", "dose", "earliest", "status"], &rows);
    Ok(())
}

/// `report syndromic`.
pub fn run_syndromic(
    store: &Store,
    auditor: &CliAuditor,
    args: SyndromicArgs,
    json: bool,
) -> Result<()> {
    let delivery = match (&args.out, &args.to) {
        (_, Some(to)) => Delivery::Mllp(destination("--to", to, &args.tls.files())?),
        (Some(out), None) => Delivery::File(out.clone()),
        (None, None) => bail!("report syndromic needs --out FILE or --to DESTINATION"),
    };
    syndromic(
        store,
        auditor,
        &args.day,
        &delivery,
        &args.recipient,
        hl7::syndromic::Facility {
            name: args.facility_name,
            npi: args.facility_npi,
        },
        json,
    )
}

/// The registry the flags name; `backoff` in seconds, the default when `None`.
fn registry_at(
    name: String,
    (to, tls): (&str, &MllpTlsArgs),
    timeout: u64,
    attempts: u32,
    backoff: Option<u64>,
) -> Result<Registry> {
    Ok(Registry {
        name,
        address: destination("--to", to, &tls.files())?,
        timeout: Duration::from_secs(timeout.max(1)),
        retry: Retry {
            attempts,
            backoff: backoff.map_or(Retry::default().backoff, Duration::from_secs),
        },
    })
}

fn describe(message: &RegistryMessage) -> String {
    let mut line = format!(
        "message {} {} {} (patient {}) to {} at {}: {}, {} attempt(s)",
        message.id,
        message.message_type,
        message.control_id,
        message.patient_id,
        message.registry,
        message.destination,
        message.status,
        message.attempts
    );
    if let Some(code) = &message.ack_code {
        line.push_str(&format!(", ACK {code}"));
    }
    match (
        message.status.as_str(),
        &message.ack_text,
        &message.last_error,
    ) {
        ("accepted" | "rejected", Some(text), _) => line.push_str(&format!(": {text}")),
        ("failed" | "sending", _, Some(error)) => line.push_str(&format!(": {error}")),
        _ => {}
    }
    line
}

fn send(
    store: &Store,
    auditor: &CliAuditor,
    registry: &Registry,
    patients: &[String],
    json: bool,
) -> Result<()> {
    let ids = patients
        .iter()
        .map(|p| resolve(store, p))
        .collect::<Result<Vec<_>>>()?;
    let who = auditor.event(store, privacy::Action::Export);
    let mut sent = Vec::new();
    for id in ids {
        let message = hl7::registry::send_vxu(store, auditor.trail(), registry, &who, id)
            .with_context(|| format!("patient {id}: the VXU^V04 was not sent"))?;
        if !json {
            crate::say!("{}", describe(&message));
        }
        sent.push(message);
    }
    if json {
        output::json(&sent)?;
    }
    let unaccepted = sent.iter().filter(|m| m.status != "accepted").count();
    if unaccepted > 0 {
        bail!(
            "{unaccepted} of {} message(s) not accepted by the registry (see above; `report registry log`)",
            sent.len()
        );
    }
    Ok(())
}

fn log(
    store: &Store,
    auditor: &CliAuditor,
    patient: Option<&str>,
    status: Option<&str>,
    limit: i64,
    json: bool,
) -> Result<()> {
    let patient = patient.map(|p| resolve(store, p)).transpose()?;
    let messages = store.read(|tx| tx.registry_messages(patient, status, limit.max(1)))?;
    let mut shown: Vec<i64> = messages.iter().map(|m| m.patient_id).collect();
    shown.sort_unstable();
    shown.dedup();
    if !shown.is_empty() {
        auditor.shown(
            store,
            &shown,
            &[DataCategory::Demographics, DataCategory::Immunizations],
            "immunization registry log",
        )?;
    }
    if json {
        return output::json(&messages);
    }
    if messages.is_empty() {
        crate::say!("No registry messages.");
    }
    for message in &messages {
        crate::say!("{}", describe(message));
    }
    Ok(())
}

fn query(
    store: &Store,
    auditor: &CliAuditor,
    registry: &Registry,
    patient: &str,
    kind: QueryKind,
    json: bool,
) -> Result<()> {
    let id = resolve(store, patient)?;
    let who = auditor.event(store, privacy::Action::Export);
    let (message, answer) = hl7::registry::query(store, auditor.trail(), registry, &who, id, kind)
        .with_context(|| format!("patient {id}: the QBP^Q11 was not sent"))?;
    if json {
        output::json(&serde_json::json!({ "message": message, "answer": answer }))?;
    } else {
        crate::say!("{}", describe(&message));
        crate::say!("{}", answer.summary());
        if let QueryAnswer::History {
            immunizations,
            forecast,
            ..
        } = &answer
        {
            let rows: Vec<Vec<String>> = immunizations
                .iter()
                .map(|i| {
                    vec![
                        i.administered.chars().take(8).collect(),
                        i.cvx.clone(),
                        i.vaccine.clone(),
                        i.lot.clone(),
                        i.completion.clone(),
                    ]
                })
                .collect();
            if !rows.is_empty() {
                output::table(&["given", "CVX", "vaccine", "lot", "status"], &rows);
            }
            for dose in forecast {
                crate::say!(
                    "due: {} {} on {}",
                    dose.vaccine,
                    dose.vaccine_text,
                    dose.due.chars().take(8).collect::<String>()
                );
            }
        }
    }
    match answer {
        QueryAnswer::History { .. } => Ok(()),
        QueryAnswer::Undelivered => bail!("the registry did not answer (see above)"),
        other => bail!("no history: {}", other.summary()),
    }
}

/// `report coverage`: the report as the acting user may see it, audited before it is shown.
fn coverage(
    store: &Store,
    auditor: &CliAuditor,
    kind: CoverageKind,
    as_of: time::Date,
    user: Option<&str>,
    json: bool,
) -> Result<()> {
    let who = super::surveillance::acting_for(
        store,
        auditor,
        user,
        (
            Permission::ReadAggregates,
            Action::Read,
            "reading immunization coverage",
        ),
        (
            "immunization coverage",
            &[DataCategory::Demographics, DataCategory::Immunizations],
        ),
    )?;
    let report = match kind {
        CoverageKind::Childhood => coverage::Report::Childhood,
        CoverageKind::Influenza => coverage::Report::Influenza,
        CoverageKind::CatchUp => bail!("report coverage catch-up needs --patient"),
    };
    let table = store.read(|tx| {
        coverage::report(
            tx,
            report,
            as_of,
            who.aggregate_only(),
            query::PUBLIC_HEALTH_MIN_CELL,
        )
    })?;
    let event = who
        .event(auditor, store, Action::Read)
        .categories(&[DataCategory::Demographics, DataCategory::Immunizations])
        .reason(&format!(
            "immunization coverage: {} as of {as_of}",
            table.report
        ));
    auditor
        .trail()
        .record(store, &event)
        .context("writing the audit trail (nothing was shown)")?;
    if json {
        return output::json(&table);
    }
    crate::say!(
        "{} ({} to {}), as of {}",
        table.title,
        table.from,
        table.to,
        table.as_of
    );
    let cell = |n: Option<i64>| n.map_or_else(|| "<11".to_owned(), |n| n.to_string());
    let childhood = report == coverage::Report::Childhood;
    let rows: Vec<Vec<String>> = table
        .rows
        .iter()
        .map(|row| {
            let mut cells = vec![
                row.label.clone(),
                cell(row.people),
                cell(row.covered),
                row.percent
                    .map_or_else(|| "-".to_owned(), |p| format!("{p:.1}%")),
            ];
            if childhood {
                // Doses given too early (ACIP minimum ages and intervals), not counted.
                cells.push(cell(row.invalid_doses));
            }
            cells
        })
        .collect();
    if childhood {
        output::table(
            &["", "people", "covered", "percent", "invalid doses"],
            &rows,
        );
    } else {
        output::table(&["", "people", "covered", "percent"], &rows);
    }
    Ok(())
}

/// Where the syndromic batch goes.
enum Delivery {
    /// Written to a file (handed to the state's transport).
    File(std::path::PathBuf),
    /// Sent over MLLP.
    Mllp(hl7::Destination),
}

impl Delivery {
    fn describe(&self) -> String {
        match self {
            Delivery::File(path) => format!("written to {}", path.display()),
            Delivery::Mllp(destination) => format!(
                "sent over MLLP to {destination}, each message written (PH_SS-NoAck: no ACK expected)"
            ),
        }
    }
}

/// `report syndromic`: the day's batch delivered inside the transaction that audits it and
/// enters the disclosures, so a batch that cannot be written or sent enters nothing.
fn syndromic(
    store: &Store,
    auditor: &CliAuditor,
    day: &str,
    delivery: &Delivery,
    recipient: &str,
    facility: hl7::syndromic::Facility,
    json: bool,
) -> Result<()> {
    let day = super::surveillance::date("day", day)?;
    if let Some(npi) = &facility.npi
        && records::Npi::parse(npi).is_err()
    {
        bail!("--facility-npi: \"{npi}\" is not an NPI (10 digits with a valid check digit)");
    }
    let who = auditor.event(store, privacy::Action::Export);
    let via = delivery.describe();
    let batch = hl7::syndromic::export_syndromic(
        store,
        auditor.trail(),
        &who,
        &facility,
        day,
        recipient,
        &via,
        |batch| match delivery {
            Delivery::File(out) => std::fs::write(out, &batch.text),
            Delivery::Mllp(destination) => {
                hl7::syndromic::send(destination, batch, Duration::from_secs(30))
            }
        },
    )
    .with_context(|| format!("the batch for {day} was not delivered ({via})"))?;
    let mut patients: Vec<i64> = batch.messages.iter().map(|m| m.patient_id).collect();
    patients.sort_unstable();
    patients.dedup();
    if json {
        return output::json(&serde_json::json!({
            "day": day.to_string(),
            "batch": batch.control_id,
            "messages": batch.messages.len(),
            "patients": patients.len(),
            "delivery": via,
        }));
    }
    crate::say!(
        "Batch {} for {day} {via}: {} message(s) for {} patient(s), each entered in the accounting of disclosures",
        batch.control_id,
        batch.messages.len(),
        patients.len()
    );
    Ok(())
}
