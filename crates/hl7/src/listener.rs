//! The MLLP listener: one thread per connection, many messages per connection, each
//! message applied and committed before its ACK is written. Messages arriving on several
//! connections at once share a commit (`group_commit`).
//!
//! Invariants:
//! - A connection never buffers more than the frame limit; an oversized frame gets an AR
//!   naming the limit and the connection is closed.
//! - Bad input never ends the process: a bad frame or message is answered or logged with
//!   its position and kind only (no PHI in log lines), and the connection or the next
//!   message goes on.
//! - At most `max_connections` connections are served at once; more are closed at once
//!   with a log line, so a flood cannot exhaust threads.

use crate::ack::{AckCode, Problem, build_ack};
use crate::apply::{Outcome, process_grouped};
use crate::group_commit::GroupCommit;
use crate::mllp::{Decoder, FrameError, encode};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use store::{AuditTrail, Store};

/// Listener settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Largest MLLP payload accepted.
    pub max_frame: usize,
    /// Connections served at once.
    pub max_connections: usize,
    /// A connection idle this long is closed.
    pub idle_timeout: Duration,
    /// Log one line per message (type, outcome) on stderr.
    pub log_messages: bool,
    /// Who may send (MSH-3^MSH-4); anyone else is answered AR and audited.
    pub senders: crate::Senders,
    /// MLLP over TLS (IHE ITI TF-2 3.1, "secure node"): every connection is a TLS session
    /// under this configuration (which should require client certificates); none: plain.
    pub tls: Option<Arc<rustls::ServerConfig>>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            max_frame: crate::mllp::DEFAULT_MAX_FRAME,
            max_connections: 64,
            idle_timeout: Duration::from_secs(300),
            log_messages: true,
            senders: crate::Senders::any(),
            tls: None,
        }
    }
}

/// Accepts connections until the listener fails; each is served on its own thread.
pub fn serve(
    listener: &TcpListener,
    store: Arc<Store>,
    trail: Arc<AuditTrail>,
    config: &Config,
) -> std::io::Result<()> {
    let active = Arc::new(AtomicUsize::new(0));
    let group = Arc::new(GroupCommit::new(
        Arc::clone(&store),
        trail,
        config.senders.clone(),
    ));
    for stream in listener.incoming() {
        let stream = match stream {
            Ok(stream) => stream,
            Err(e) => {
                eprintln!("mllp: accept failed: {e}");
                continue;
            }
        };
        let peer = stream
            .peer_addr()
            .map_or_else(|_| "unknown peer".to_owned(), |a| a.to_string());
        if active.fetch_add(1, Ordering::SeqCst) >= config.max_connections {
            active.fetch_sub(1, Ordering::SeqCst);
            eprintln!(
                "mllp: {peer}: refused, {} connections already open",
                config.max_connections
            );
            continue;
        }
        let group = Arc::clone(&group);
        let config = config.clone();
        let active = Arc::clone(&active);
        let spawned = std::thread::Builder::new()
            .name(format!("mllp {peer}"))
            .spawn(move || {
                if let Err(e) = secured(stream, &group, &peer, &config) {
                    eprintln!("mllp: {peer}: connection ended: {e}");
                }
                active.fetch_sub(1, Ordering::SeqCst);
            });
        if let Err(e) = spawned {
            eprintln!("mllp: cannot start a thread: {e}");
        }
    }
    Ok(())
}

/// Serves one connection, inside a TLS session when the listener has one (the handshake,
/// client certificate included, happens at the first read; a failed one ends only this
/// connection).
fn secured(
    stream: TcpStream,
    group: &GroupCommit,
    peer: &str,
    config: &Config,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(config.idle_timeout))?;
    stream.set_nodelay(true)?;
    match &config.tls {
        None => connection(stream, group, peer, config),
        Some(tls) => {
            let session =
                rustls::ServerConnection::new(Arc::clone(tls)).map_err(std::io::Error::other)?;
            connection(
                rustls::StreamOwned::new(session, stream),
                group,
                peer,
                config,
            )
        }
    }
}

/// Serves one connection until the peer closes it.
fn connection(
    mut stream: impl Read + Write,
    group: &GroupCommit,
    peer: &str,
    config: &Config,
) -> std::io::Result<()> {
    let connection = group.open(peer);
    let store = connection.store();
    let mut decoder = Decoder::new(config.max_frame);
    let mut buf = Vec::with_capacity(8192);
    let mut chunk = vec![0u8; 64 * 1024];
    let mut out = Vec::with_capacity(1024);
    loop {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            if decoder.skipped() > 0 {
                eprintln!(
                    "mllp: {} bytes outside MLLP frames were discarded",
                    decoder.skipped()
                );
            }
            return Ok(());
        }
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(payload)) => {
                    let applied = process_grouped(&connection, &payload);
                    if config.log_messages {
                        log(&applied.outcome);
                    }
                    out.clear();
                    encode(applied.ack.as_bytes(), &mut out);
                    stream.write_all(&out)?;
                }
                Ok(None) => break,
                Err(e @ FrameError::TooLarge { .. }) => {
                    let problem = Problem {
                        location: None,
                        code: 100,
                        message: e.to_string(),
                    };
                    let ack = build_ack(
                        None,
                        AckCode::Reject,
                        &[problem],
                        store.clock().now(),
                        "ACKFRAME",
                    );
                    out.clear();
                    encode(ack.as_bytes(), &mut out);
                    stream.write_all(&out)?;
                    return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, e));
                }
            }
        }
    }
}

fn log(outcome: &Outcome) {
    match outcome {
        Outcome::Stored {
            message_type,
            duplicate: false,
        } => eprintln!("mllp: {message_type} stored (AA)"),
        Outcome::Stored {
            message_type,
            duplicate: true,
        } => {
            eprintln!("mllp: {message_type} resend, already stored (AA)");
        }
        // Positions and codes only: problem messages may quote patient data.
        Outcome::Error(problems) | Outcome::Rejected(problems) => {
            let code = if matches!(outcome, Outcome::Error(_)) {
                "AE"
            } else {
                "AR"
            };
            eprintln!(
                "mllp: message answered {code}: {}",
                crate::refusal::positions(problems)
            );
        }
    }
}
