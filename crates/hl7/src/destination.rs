//! Where outbound MLLP goes (the immunization registry, the ADT^A40/A37 outbox): plain
//! MLLP to an address on this machine, or MLLP over TLS to any host, and the one-frame
//! exchange (send a message, read its ACK) over either.
//!
//! Invariants:
//! - Plain MLLP goes to a loopback address only (an interface engine or TLS tunnel on this
//!   machine), as the listener accepts it: patient data never crosses the network
//!   unencrypted. `Destination::parse` refuses anything else, naming the address.
//! - MLLP over TLS verifies the receiver's certificate against the CA file the destination
//!   names (never the system's roots, never unverified) and the host name it was given;
//!   a client certificate is presented when configured (mutual TLS, IHE secure node).
//! - The TLS handshake completes before the message is written, so a receiver that fails
//!   it never sees patient data; the error names the destination and says what failed.

use crate::mllp::{DEFAULT_MAX_FRAME, Decoder, encode};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The files of an MLLP-over-TLS client: the CA that issued the receivers' certificates,
/// and Chartroom's own certificate and key when the receiver asks for one (mutual TLS).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsClientFiles {
    /// PEM file of the CA certificate(s) the receiver's certificate must chain to.
    pub ca: Option<PathBuf>,
    /// PEM file of Chartroom's client certificate chain.
    pub cert: Option<PathBuf>,
    /// PEM file of its private key.
    pub key: Option<PathBuf>,
}

/// Why a destination cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{destination}: {reason}")]
pub struct DestinationError {
    /// The destination as given.
    pub destination: String,
    /// What is wrong with it.
    pub reason: String,
}

/// One outbound MLLP destination.
#[derive(Clone)]
pub struct Destination {
    /// As given (`mllps://host:port`, `host:port`), for messages and the audit trail.
    label: String,
    host: String,
    port: u16,
    tls: Option<Arc<rustls::ClientConfig>>,
}

impl std::fmt::Debug for Destination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Destination")
            .field("label", &self.label)
            .field("tls", &self.tls.is_some())
            .finish()
    }
}

impl std::fmt::Display for Destination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label)
    }
}

impl Destination {
    /// Plain MLLP to `address`, unchecked (the caller knows it is on this machine).
    pub fn plain(address: SocketAddr) -> Self {
        Self {
            label: address.to_string(),
            host: address.ip().to_string(),
            port: address.port(),
            tls: None,
        }
    }

    /// A destination as configured: `mllps://HOST:PORT` (MLLP over TLS, which needs
    /// `tls.ca`), `mllp://HOST:PORT` or `HOST:PORT` (plain MLLP, loopback only; with
    /// `tls.ca` given, over TLS).
    pub fn parse(text: &str, tls: &TlsClientFiles) -> Result<Self, DestinationError> {
        let fail = |reason: String| DestinationError {
            destination: text.to_owned(),
            reason,
        };
        let trimmed = text.trim();
        let (secure, rest) = if let Some(rest) = trimmed.strip_prefix("mllps://") {
            (true, rest)
        } else if let Some(rest) = trimmed.strip_prefix("mllp://") {
            if tls.ca.is_some() {
                return Err(fail(
                    "mllp:// is plain MLLP, but a TLS CA file was given: write mllps:// for MLLP over TLS".into(),
                ));
            }
            (false, rest)
        } else {
            (tls.ca.is_some(), trimmed)
        };
        let (host, port) = rest
            .rsplit_once(':')
            .and_then(|(host, port)| Some((host, port.parse::<u16>().ok()?)))
            .filter(|(host, port)| !host.is_empty() && *port != 0)
            .ok_or_else(|| fail("not a HOST:PORT address".into()))?;
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        if !secure {
            if tls.cert.is_some() || tls.key.is_some() {
                return Err(fail(
                    "a client certificate is for MLLP over TLS: give the CA file too (mllps:// with the TLS CA option)".into(),
                ));
            }
            let loopback = (host.as_str(), port)
                .to_socket_addrs()
                .map_err(|e| fail(format!("the address does not resolve: {e}")))?
                .all(|a| a.ip().is_loopback());
            if !loopback {
                return Err(fail(
                    "plain MLLP carries patient data unencrypted, so it goes to a loopback address only (an interface engine or TLS tunnel on this machine); use mllps:// with a TLS CA file for another host".into(),
                ));
            }
            return Ok(Self {
                label: text.trim().to_owned(),
                host,
                port,
                tls: None,
            });
        }
        let ca = tls.ca.as_deref().ok_or_else(|| {
            fail("MLLP over TLS needs the CA file that issued the receiver's certificate (the TLS CA option)".into())
        })?;
        ServerName::try_from(host.clone())
            .map_err(|e| fail(format!("\"{host}\" is not a host name for TLS: {e}")))?;
        let config = client_config(ca, tls.cert.as_deref(), tls.key.as_deref()).map_err(fail)?;
        Ok(Self {
            label: if trimmed.starts_with("mllps://") {
                trimmed.to_owned()
            } else {
                format!("mllps://{trimmed}")
            },
            host,
            port,
            tls: Some(Arc::new(config)),
        })
    }

    /// Whether messages go over TLS.
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// Sends `text` in one MLLP frame and reads the answer's frame; an error says what
    /// failed (connection, TLS handshake, answer), the caller names the destination.
    pub(crate) fn exchange(&self, text: &str, timeout: Duration) -> std::io::Result<String> {
        send_and_read(self.open(timeout)?, text)
    }

    /// Sends each of `texts` in its own MLLP frame over one connection and reads no answer:
    /// for messages that ask for none (MSH-21 `PH_SS-NoAck`, the syndromic surveillance
    /// guide's profile), a completed write is the delivery.
    pub fn send_unacknowledged(&self, texts: &[&str], timeout: Duration) -> std::io::Result<()> {
        let mut stream = self.open(timeout)?;
        let mut frame = Vec::new();
        for text in texts {
            frame.clear();
            encode(text.as_bytes(), &mut frame);
            stream.write_all(&frame)?;
        }
        stream.flush()
    }

    /// A connection, its TLS handshake done when the destination is over TLS.
    fn open(&self, timeout: Duration) -> std::io::Result<Box<dyn Stream>> {
        let stream = self.connect(timeout)?;
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        match &self.tls {
            None => Ok(Box::new(stream)),
            Some(config) => {
                let name = ServerName::try_from(self.host.clone())
                    .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
                let mut session = rustls::ClientConnection::new(Arc::clone(config), name)
                    .map_err(std::io::Error::other)?;
                let mut stream = stream;
                while session.is_handshaking() {
                    if let Err(e) = session.complete_io(&mut stream) {
                        return Err(handshake_failed(e, timeout));
                    }
                }
                Ok(Box::new(rustls::StreamOwned::new(session, stream)))
            }
        }
    }

    /// A connection to the first address the host resolves to that answers.
    fn connect(&self, timeout: Duration) -> std::io::Result<TcpStream> {
        let mut last = None;
        for address in (self.host.as_str(), self.port).to_socket_addrs()? {
            match TcpStream::connect_timeout(&address, timeout) {
                Ok(stream) => return Ok(stream),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::NotFound, "the host has no address")
        }))
    }
}

/// A plain or TLS connection.
trait Stream: Read + Write {}

impl<T: Read + Write> Stream for T {}

/// The handshake's failure in words: a certificate the CA did not issue, a receiver that
/// does not speak TLS (a plain MLLP port: it waits for a frame, or answers one), or a
/// connection that broke.
fn handshake_failed(error: std::io::Error, timeout: Duration) -> std::io::Error {
    let kind = error.kind();
    let text = match kind {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => format!(
            "TLS handshake failed: no TLS answer within {} s (is it a plain MLLP port?)",
            timeout.as_secs()
        ),
        std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::ConnectionReset => {
            "TLS handshake failed: the receiver closed the connection (is it a plain MLLP port, or did it refuse Chartroom's client certificate?)".to_owned()
        }
        _ => match error.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>()) {
            Some(rustls::Error::InvalidCertificate(why)) => format!(
                "TLS handshake failed: the receiver's certificate was refused ({why:?}): it must be issued by the configured TLS CA for this host name"
            ),
            Some(rustls::Error::InvalidMessage(_)) => {
                "TLS handshake failed: the receiver does not speak TLS (a plain MLLP port?)"
                    .to_owned()
            }
            Some(other) => format!("TLS handshake failed: {other}"),
            None => format!("TLS handshake failed: {error}"),
        },
    };
    std::io::Error::new(kind, text)
}

/// The client configuration: roots from `ca` only, TLS 1.2 or 1.3, a client certificate
/// when `cert` and `key` are given (both or neither).
fn client_config(
    ca: &Path,
    cert: Option<&Path>,
    key: Option<&Path>,
) -> Result<rustls::ClientConfig, String> {
    let mut roots = rustls::RootCertStore::empty();
    let cas = CertificateDer::pem_file_iter(ca)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("TLS CA file {}: {e}", ca.display()))?;
    for certificate in cas {
        roots
            .add(certificate)
            .map_err(|e| format!("TLS CA file {}: {e}", ca.display()))?;
    }
    if roots.is_empty() {
        return Err(format!(
            "TLS CA file {}: no CA certificate in it",
            ca.display()
        ));
    }
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
    .map_err(|e| e.to_string())?
    .with_root_certificates(roots);
    match (cert, key) {
        (None, None) => Ok(builder.with_no_client_auth()),
        (Some(cert), Some(key)) => {
            let chain = CertificateDer::pem_file_iter(cert)
                .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                .map_err(|e| format!("TLS client certificate {}: {e}", cert.display()))?;
            if chain.is_empty() {
                return Err(format!(
                    "TLS client certificate {}: no certificate in it",
                    cert.display()
                ));
            }
            let key_der = PrivateKeyDer::from_pem_file(key)
                .map_err(|e| format!("TLS client key {}: {e}", key.display()))?;
            builder
                .with_client_auth_cert(chain, key_der)
                .map_err(|e| format!("TLS client certificate {}: {e}", cert.display()))
        }
        _ => Err("a TLS client certificate needs its key, and a key its certificate".into()),
    }
}

/// Writes `text` in one frame on `stream` and reads the answer's frame.
fn send_and_read(mut stream: impl Read + Write, text: &str) -> std::io::Result<String> {
    let mut frame = Vec::new();
    encode(text.as_bytes(), &mut frame);
    stream.write_all(&frame)?;
    stream.flush()?;
    let mut decoder = Decoder::new(DEFAULT_MAX_FRAME);
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match decoder.decode(&mut buf) {
            Ok(Some(payload)) => return Ok(String::from_utf8_lossy(&payload).into_owned()),
            Ok(None) => {}
            Err(e) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("the answer is not an MLLP frame: {e:?}"),
                ));
            }
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the connection closed before an ACK came",
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}
