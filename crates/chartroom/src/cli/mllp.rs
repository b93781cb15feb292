//! `chartroom mllp`: the HL7 v2 listener over MLLP (ADT^A01/A03/A04/A08, ORU^R01,
//! VXU^V04), one thread per connection, each message committed before its ACK.
//!
//! Invariants: listens on loopback unless `--insecure-non-loopback` is given (MLLP is plain
//! TCP: patient data crosses the network unencrypted); bad frames and messages are
//! answered and logged, never fatal. `chartroom serve --mllp ADDR` runs the same listener
//! on a thread beside the web server.

use crate::config::StorageArgs;
use anyhow::{Context, Result, bail};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

#[derive(Debug, clap::Args)]
pub struct MllpArgs {
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:2575", value_name = "ADDR")]
    listen: SocketAddr,
    /// Largest message accepted, in bytes (an oversized frame is answered AR and the
    /// connection closed).
    #[arg(long, default_value_t = hl7::mllp::DEFAULT_MAX_FRAME, value_name = "BYTES")]
    max_frame: usize,
    /// Connections served at once.
    #[arg(long, default_value_t = 64, value_name = "N")]
    max_connections: usize,
    /// Log nothing per message (errors are still logged).
    #[arg(long)]
    quiet: bool,
    /// Listen on an address other machines can reach.
    #[arg(long)]
    insecure_non_loopback: bool,
    #[command(flatten)]
    senders: SenderArgs,
}

/// Who may send, shared by `mllp` and `serve --mllp`.
#[derive(Debug, Clone, clap::Args)]
pub struct SenderArgs {
    /// Accept messages only from this sending application and facility (MSH-3^MSH-4, e.g.
    /// `EHR^NORTH`; repeat for several, or a comma-separated list in
    /// CHARTROOM_MLLP_ALLOW_SENDERS); any other sender is answered AR and audited. Without
    /// it every sender is accepted.
    #[arg(
        long = "allow-sender",
        alias = "mllp-allow-sender",
        value_name = "APP^FACILITY",
        env = "CHARTROOM_MLLP_ALLOW_SENDERS",
        value_delimiter = ','
    )]
    allow_sender: Vec<String>,
}

impl SenderArgs {
    /// The senders the listener accepts.
    pub fn senders(&self) -> Result<hl7::Senders> {
        if self.allow_sender.is_empty() {
            return Ok(hl7::Senders::any());
        }
        hl7::Senders::only(&self.allow_sender).map_err(|e| anyhow::anyhow!("--allow-sender {e}"))
    }
}

pub fn run(storage: &StorageArgs, args: &MllpArgs) -> Result<()> {
    if !args.listen.ip().is_loopback() && !args.insecure_non_loopback {
        bail!(
            "{} is not a loopback address: MLLP is unencrypted; add --insecure-non-loopback to listen there anyway",
            args.listen
        );
    }
    if args.max_frame < 64 || args.max_connections == 0 {
        bail!("--max-frame must be at least 64 and --max-connections at least 1");
    }
    let store = Arc::new(storage.open()?);
    let trail = Arc::new(
        store::AuditTrail::open_or_create(&storage.data_dir).with_context(|| {
            format!("opening the audit trail in {}", storage.data_dir.display())
        })?,
    );
    let listener =
        TcpListener::bind(args.listen).with_context(|| format!("listening on {}", args.listen))?;
    let addr = listener.local_addr()?;
    // The address on stdout, so scripts that pass port 0 learn the port.
    crate::say!("Listening for HL7 v2 over MLLP on {addr} (Ctrl-C stops).");
    let config = hl7::listener::Config {
        max_frame: args.max_frame,
        max_connections: args.max_connections,
        log_messages: !args.quiet,
        senders: args.senders.senders()?,
        ..hl7::listener::Config::default()
    };
    hl7::listener::serve(&listener, store, trail, &config)?;
    Ok(())
}

/// Starts the listener on `addr` on its own thread (for `chartroom serve --mllp`); the bind
/// happens here, so a taken port is an error before the web server starts.
pub fn spawn(
    store: &Arc<store::Store>,
    trail: &Arc<store::AuditTrail>,
    addr: SocketAddr,
    insecure_non_loopback: bool,
    senders: &SenderArgs,
) -> Result<()> {
    if !addr.ip().is_loopback() && !insecure_non_loopback {
        bail!(
            "--mllp {addr} is not a loopback address: MLLP is unencrypted; add --insecure-non-loopback to listen there anyway"
        );
    }
    let listener =
        TcpListener::bind(addr).with_context(|| format!("listening for MLLP on {addr}"))?;
    let bound = listener.local_addr()?;
    crate::say!("Listening for HL7 v2 over MLLP on {bound}.");
    let store = Arc::clone(store);
    let trail = Arc::clone(trail);
    let config = hl7::listener::Config {
        log_messages: false,
        senders: senders.senders()?,
        ..hl7::listener::Config::default()
    };
    std::thread::Builder::new()
        .name("mllp".into())
        .spawn(move || {
            if let Err(e) = hl7::listener::serve(&listener, store, trail, &config) {
                eprintln!("mllp: the listener stopped: {e}");
            }
        })
        .context("starting the MLLP listener thread")?;
    Ok(())
}
