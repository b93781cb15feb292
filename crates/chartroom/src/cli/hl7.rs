//! `chartroom hl7`: HL7 v2 messages from the command line; `hl7 vxu PATIENT` prints a
//! VXU^V04 of the patient's immunizations for immunization-registry reporting, `hl7 a40
//! MERGE` the ADT^A40 announcing a patient-index merge to the systems that hold the
//! retired MRN, `hl7 a37 MERGE` the ADT^A37 announcing its unmerge, `hl7 outbox [--send
//! ADDR]` the A40s merges queued (and the A37s of their unmerges) and sends them.
//!
//! Invariants: the output re-parses with the `hl7` parser; what it shows is audited before
//! it is printed, like `patient show`.

use super::audited::CliAuditor;
use anyhow::{Context, Result, bail};
use privacy::DataCategory;
use store::{PatientQuery, Store};

#[derive(Debug, clap::Subcommand)]
pub enum Hl7Cmd {
    /// Print a VXU^V04 (immunization history) for one patient, for the immunization
    /// registry; the disclosure is entered in the patient's accounting (public health,
    /// 164.512(b)) in the transaction that audits it.
    Vxu {
        /// Record id (a number) or MRN.
        patient: String,
        /// The registry it goes to, as the accounting names the recipient.
        #[arg(long, default_value = "State immunization information system")]
        registry: String,
        /// End segments with CR only, as on the wire (default: LF, for terminals and files).
        #[arg(long)]
        cr: bool,
    },
    /// Print the ADT^A40 (merge patient) announcing a merge (its number from `mpi merge`
    /// or `mpi stats`).
    A40 {
        /// The merge's number.
        merge: i64,
        /// End segments with CR only, as on the wire (default: LF, for terminals and files).
        #[arg(long)]
        cr: bool,
    },
    /// Print the ADT^A37 (unlink patient information) announcing that a merge was undone
    /// (its number from `mpi merge` or `mpi stats`): the PID of the chart that stayed, then
    /// the PID of the chart restored.
    A37 {
        /// The merge's number.
        merge: i64,
        /// End segments with CR only, as on the wire (default: LF, for terminals and files).
        #[arg(long)]
        cr: bool,
    },
    /// The outbound messages (the ADT^A40 each merge made here queues, and the ADT^A37 of
    /// its unmerge once the A40 went); with --send, send
    /// the waiting ones over MLLP (plain MLLP only to this machine, e.g. an interface engine
    /// listening there; MLLP over TLS to any host).
    Outbox {
        /// Send the waiting messages there: HOST:PORT on this machine (plain MLLP), or
        /// mllps://HOST:PORT with --tls-ca (MLLP over TLS, any host).
        #[arg(long, value_name = "DESTINATION")]
        send: Option<String>,
        #[command(flatten)]
        tls: MllpTlsArgs,
        /// Seconds to wait for a connection and for each ACK.
        #[arg(long, default_value_t = 10, value_name = "SECS")]
        timeout: u64,
    },
}

fn print(text: &str, cr: bool) -> Result<()> {
    if cr {
        use std::io::Write;
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(text.as_bytes())?;
        stdout.flush()?;
    } else {
        crate::say!("{}", text.replace('\r', "\n").trim_end());
    }
    Ok(())
}

pub(super) fn resolve(store: &Store, patient: &str) -> Result<i64> {
    // MRNs are often all digits, so an exact MRN match wins over a record id.
    let query = PatientQuery {
        text: Some(patient.to_owned()),
        birth_date: None,
        limit: 2,
    };
    let found = store.read(|tx| tx.search_patients(&query))?;
    if let Some(p) = found
        .iter()
        .find(|p| p.record.mrn.as_str().eq_ignore_ascii_case(patient.trim()))
    {
        return Ok(p.meta.id);
    }
    match patient.trim().parse::<i64>() {
        Ok(id) => Ok(id),
        Err(_) => bail!("no patient has id or MRN \"{patient}\""),
    }
}

pub fn run(store: &Store, auditor: &CliAuditor, cmd: Hl7Cmd) -> Result<()> {
    match cmd {
        Hl7Cmd::Vxu {
            patient,
            registry,
            cr,
        } => {
            let id = resolve(store, &patient)?;
            let now = store.clock().now();
            let control = format!("VXU{}", now.unix_timestamp());
            let who = auditor.event(store, privacy::Action::Export);
            let text = auditor
                .trail()
                .write(store, |audited| {
                    let text = hl7::outbound_vxu(&mut audited.records(), id, now, &control)?;
                    audited.append(&hl7::registry::export_event(&who, id, None).reason(
                        &format!("VXU^V04 {control} to {registry} for registry reporting"),
                    ))?;
                    hl7::registry::enter_registry_disclosure(
                        audited, &who, id, &registry, &control, &text,
                    )?;
                    Ok(text)
                })
                .context("the VXU^V04 was not made: its disclosure could not be entered")?;
            print(&text, cr)
        }
        Hl7Cmd::A40 { merge, cr } => merge_message(store, auditor, merge, cr, false),
        Hl7Cmd::A37 { merge, cr } => merge_message(store, auditor, merge, cr, true),
        Hl7Cmd::Outbox { send, tls, timeout } => {
            let send = send
                .map(|to| destination("--send", &to, &tls.files()))
                .transpose()?;
            outbox(store, auditor, send.as_ref(), timeout)
        }
    }
}

/// MLLP over TLS to a destination (`chartroom hl7 outbox --send`, `report registry send`
/// and `query --to`): the CA that vouches for the receiver, and Chartroom's own
/// certificate for a receiver that asks for one.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct MllpTlsArgs {
    /// The CA certificate(s) (PEM) that issued the receiver's certificate: the messages go
    /// over TLS (as mllps://HOST:PORT does), to a receiver whose certificate chains to it
    /// and names the host.
    #[arg(long, value_name = "FILE")]
    pub tls_ca: Option<std::path::PathBuf>,
    /// Chartroom's client certificate chain (PEM), for a receiver that requires one
    /// (mutual TLS, IHE secure node); needs --tls-key and --tls-ca.
    #[arg(long, value_name = "FILE", requires_all = ["tls_key", "tls_ca"])]
    pub tls_cert: Option<std::path::PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<std::path::PathBuf>,
}

impl MllpTlsArgs {
    /// The files as the `hl7` crate takes them.
    pub fn files(&self) -> hl7::TlsClientFiles {
        hl7::TlsClientFiles {
            ca: self.tls_ca.clone(),
            cert: self.tls_cert.clone(),
            key: self.tls_key.clone(),
        }
    }
}

/// The MLLP destination `text` given to `flag`: plain to this machine, or over TLS with
/// `tls`; an error names the flag and the destination.
pub fn destination(flag: &str, text: &str, tls: &hl7::TlsClientFiles) -> Result<hl7::Destination> {
    hl7::Destination::parse(text, tls).map_err(|e| anyhow::anyhow!("{flag} {e}"))
}

/// Prints the ADT^A40 of merge `merge`, or with `unlink` the ADT^A37 of its unmerge,
/// audited as a showing of both charts' demographics.
fn merge_message(
    store: &Store,
    auditor: &CliAuditor,
    merge: i64,
    cr: bool,
    unlink: bool,
) -> Result<()> {
    let now = store.clock().now();
    let (event, what) = if unlink {
        ("A37", "ADT^A37 announcing an unmerge")
    } else {
        ("A40", "ADT^A40 announcing a merge")
    };
    let control = format!("{event}{}", now.unix_timestamp());
    let (text, charts) = store.read(|tx| {
        let record = tx.merge_record(merge)?;
        let text = if unlink {
            hl7::outbound_a37(tx, merge, now, &control)?
        } else {
            hl7::outbound_a40(tx, merge, now, &control)?
        };
        Ok((text, [record.surviving_id, record.retired_id]))
    })?;
    auditor.shown(store, &charts, &[DataCategory::Demographics], what)?;
    print(&text, cr)
}

/// Lists the outbound messages not yet sent, or sends the waiting ones to `send`.
fn outbox(
    store: &Store,
    auditor: &CliAuditor,
    send: Option<&hl7::Destination>,
    timeout: u64,
) -> Result<()> {
    if let Some(to) = send {
        let tried = hl7::send_outbox(
            store,
            auditor.trail(),
            to,
            std::time::Duration::from_secs(timeout.max(1)),
            auditor.user(),
            1000,
        )?;
        if tried.is_empty() {
            crate::say!("No messages are waiting.");
        }
        for one in &tried {
            crate::say!(
                "message {} {} (merge {}): {}{}{}",
                one.id,
                one.message_type,
                one.merge_id,
                one.status,
                one.ack_code
                    .as_deref()
                    .map(|c| format!(", ACK {c}"))
                    .unwrap_or_default(),
                one.error
                    .as_deref()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default()
            );
        }
        if tried.iter().any(|t| t.status == "waiting") {
            bail!("not every message was delivered; they wait for the next --send");
        }
        return Ok(());
    }
    let items = store.read(|tx| tx.outbox(&["waiting", "refused"], 1000))?;
    if items.is_empty() {
        crate::say!("No messages are waiting or refused.");
    }
    for item in items {
        crate::say!(
            "message {} {} (merge {}): {}, queued {}, {} attempts{}",
            item.id,
            item.message_type,
            item.merge_id,
            item.status,
            item.queued_at.date(),
            item.attempts,
            item.last_error
                .as_deref()
                .map(|e| format!(", last error: {e}"))
                .unwrap_or_default()
        );
    }
    Ok(())
}

/// How often `serve --a40-to` looks for waiting messages.
const SEND_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Starts the thread that sends the outbox to `to` for `serve --a40-to`, as the job
/// `job:hl7-out`; a failure is logged and tried again later.
pub fn spawn_sender(
    store: &std::sync::Arc<Store>,
    trail: &std::sync::Arc<store::AuditTrail>,
    to: hl7::Destination,
) -> Result<()> {
    let announced = format!(
        "Sending each merge's ADT^A40 (and an undone one's ADT^A37) to {to} over MLLP{}.",
        if to.is_tls() { " over TLS" } else { "" }
    );
    let store = std::sync::Arc::clone(store);
    let trail = std::sync::Arc::clone(trail);
    std::thread::Builder::new()
        .name("hl7-out".into())
        .spawn(move || {
            loop {
                match hl7::send_outbox(&store, &trail, &to, SEND_EVERY * 2, "job:hl7-out", 100) {
                    Ok(tried) => {
                        for one in tried.iter().filter(|t| t.status != "sent") {
                            eprintln!(
                                "hl7-out: message {} {} (merge {}) {}: {}",
                                one.id,
                                one.message_type,
                                one.merge_id,
                                one.status,
                                one.error.as_deref().unwrap_or("")
                            );
                        }
                    }
                    Err(e) => eprintln!("hl7-out: {e}"),
                }
                std::thread::sleep(SEND_EVERY);
            }
        })?;
    crate::say!("{announced}");
    Ok(())
}
