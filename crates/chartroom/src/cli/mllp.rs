//! `chartroom mllp`: the HL7 v2 listener over MLLP (ADT^A01/A03/A04/A08/A37/A40, ORU^R01,
//! VXU^V04), one thread per connection, each message committed before its ACK.
//!
//! Invariants: plain MLLP only on a loopback address; any other address needs MLLP over
//! TLS with client certificates (`--tls-cert`, `--tls-key`, `--client-ca`), so patient
//! data never crosses the network unencrypted or from an unknown machine; bad frames and
//! messages are answered and logged, never fatal. `chartroom serve --mllp ADDR` runs the same listener
//! on a thread beside the web server.

use crate::config::StorageArgs;
use anyhow::{Context, Result, bail};
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
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
    /// Speak MLLP over TLS with this PEM certificate chain (needs --tls-key and
    /// --client-ca); required on any address other than loopback.
    #[arg(long, value_name = "FILE", requires_all = ["tls_key", "client_ca"])]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Accept only clients presenting a certificate issued by a CA in this PEM file.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    client_ca: Option<PathBuf>,
    #[command(flatten)]
    senders: SenderArgs,
}

/// The TLS configuration for MLLP (client certificates required), if asked for; an
/// address other than loopback without it is refused.
pub fn mllp_tls(
    addr: SocketAddr,
    cert: Option<&PathBuf>,
    key: Option<&PathBuf>,
    client_ca: Option<&PathBuf>,
) -> Result<Option<Arc<rustls::ServerConfig>>> {
    match (cert, key, client_ca) {
        (Some(cert), Some(key), Some(client_ca)) => {
            let files = server::TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
            };
            let config = server::mutual_tls_config(&files, client_ca).context("MLLP over TLS")?;
            Ok(Some(Arc::new(config)))
        }
        _ if addr.ip().is_loopback() => Ok(None),
        _ => bail!(
            "refusing MLLP on {addr}, which is not a loopback address: plain MLLP would carry patient data unencrypted from any machine; give --tls-cert, --tls-key and --client-ca (MLLP over TLS with client certificates), or listen on 127.0.0.1"
        ),
    }
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
    let tls = mllp_tls(
        args.listen,
        args.tls_cert.as_ref(),
        args.tls_key.as_ref(),
        args.client_ca.as_ref(),
    )?;
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
    let over = if tls.is_some() { " over TLS" } else { "" };
    crate::say!("Listening for HL7 v2 over MLLP{over} on {addr} (Ctrl-C stops).");
    let config = hl7::listener::Config {
        max_frame: args.max_frame,
        max_connections: args.max_connections,
        log_messages: !args.quiet,
        senders: args.senders.senders()?,
        tls,
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
    tls: Option<Arc<rustls::ServerConfig>>,
    senders: &SenderArgs,
) -> Result<()> {
    let listener =
        TcpListener::bind(addr).with_context(|| format!("listening for MLLP on {addr}"))?;
    let bound = listener.local_addr()?;
    let over = if tls.is_some() { " over TLS" } else { "" };
    crate::say!("Listening for HL7 v2 over MLLP{over} on {bound}.");
    let store = Arc::clone(store);
    let trail = Arc::clone(trail);
    let config = hl7::listener::Config {
        log_messages: false,
        senders: senders.senders()?,
        tls,
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
