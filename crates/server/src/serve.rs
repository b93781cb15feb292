//! Binding and running: plain HTTP on loopback by default, HTTPS (rustls, TLS 1.2 and 1.3)
//! when a certificate and key are configured, and no plain-HTTP listener on another
//! address unless the operator says, with a flag named for it, that this is insecure.

use crate::routes::app;
use crate::state::AppState;
use axum::extract::connect_info::ConnectInfo;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// A PEM certificate chain and its private key.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// The certificate chain (PEM).
    pub cert: PathBuf,
    /// The private key (PEM).
    pub key: PathBuf,
}

/// How to listen.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Address and port.
    pub listen: SocketAddr,
    /// Serve HTTPS with this certificate and key.
    pub tls: Option<TlsFiles>,
    /// Allow plain HTTP on a non-loopback address.
    pub insecure_non_loopback: bool,
}

/// What can stop the server from starting or running.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Plain HTTP on a reachable address without the explicit flag.
    #[error(
        "refusing to serve plain HTTP on {0}, which is not a loopback address: patient data would cross the network unencrypted; give --tls-cert and --tls-key, listen on 127.0.0.1, or pass --insecure-non-loopback to accept the risk"
    )]
    NotLoopback(SocketAddr),
    /// The certificate or key cannot be used.
    #[error("TLS: {0}")]
    Tls(String),
    /// Binding or serving failed.
    #[error("serving on {addr}: {message}")]
    Io {
        /// The address.
        addr: SocketAddr,
        /// What failed.
        message: String,
    },
}

/// The ring provider restricted to AES-GCM suites (FIPS 140 approved; ChaCha20-Poly1305
/// is not), with ECDHE key exchange for forward secrecy.
fn aes_gcm_only() -> rustls::crypto::CryptoProvider {
    use rustls::crypto::ring::cipher_suite as suite;
    rustls::crypto::CryptoProvider {
        cipher_suites: vec![
            suite::TLS13_AES_256_GCM_SHA384,
            suite::TLS13_AES_128_GCM_SHA256,
            suite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            suite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        ],
        ..rustls::crypto::ring::default_provider()
    }
}

/// The rustls server configuration for `files` (TLS 1.2 or later; HTTP/1.1).
pub fn tls_config(files: &TlsFiles) -> Result<rustls::ServerConfig, ServeError> {
    let (certs, key) = cert_and_key(files)?;
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(aes_gcm_only()))
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| ServeError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| ServeError::Tls(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// A TLS configuration that also requires every client to present a certificate issued
/// by one of the CAs in `client_ca` (PEM), for machine-to-machine links such as MLLP over
/// TLS; the same suites and versions as `tls_config`.
pub fn mutual_tls_config(
    files: &TlsFiles,
    client_ca: &std::path::Path,
) -> Result<rustls::ServerConfig, ServeError> {
    let (certs, key) = cert_and_key(files)?;
    let mut roots = rustls::RootCertStore::empty();
    let cas = CertificateDer::pem_file_iter(client_ca)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| ServeError::Tls(format!("{}: {e}", client_ca.display())))?;
    for ca in cas {
        roots
            .add(ca)
            .map_err(|e| ServeError::Tls(format!("{}: {e}", client_ca.display())))?;
    }
    if roots.is_empty() {
        return Err(ServeError::Tls(format!(
            "{}: no CA certificate in it",
            client_ca.display()
        )));
    }
    let provider = Arc::new(aes_gcm_only());
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        Arc::clone(&provider),
    )
    .build()
    .map_err(|e| ServeError::Tls(format!("{}: {e}", client_ca.display())))?;
    rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| ServeError::Tls(e.to_string()))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(certs, key)
        .map_err(|e| ServeError::Tls(e.to_string()))
}

/// The certificate chain and private key `files` name.
fn cert_and_key(
    files: &TlsFiles,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), ServeError> {
    let certs = CertificateDer::pem_file_iter(&files.cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| ServeError::Tls(format!("{}: {e}", files.cert.display())))?;
    if certs.is_empty() {
        return Err(ServeError::Tls(format!(
            "{}: no certificate in it",
            files.cert.display()
        )));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .map_err(|e| ServeError::Tls(format!("{}: {e}", files.key.display())))?;
    Ok((certs, key))
}

/// Runs the server until Ctrl-C or SIGTERM, on its own runtime; `ready` is told the bound address.
pub fn serve_blocking(
    config: &ServeConfig,
    state: AppState,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    if config.tls.is_none() && !config.listen.ip().is_loopback() && !config.insecure_non_loopback {
        return Err(ServeError::NotLoopback(config.listen));
    }
    let tls = config.tls.as_ref().map(tls_config).transpose()?;
    let addr = config.listen;
    let io = |e: std::io::Error| ServeError::Io {
        addr,
        message: e.to_string(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(io)?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(io)?;
        ready(listener.local_addr().map_err(io)?);
        match tls {
            None => {
                let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
                axum::serve(listener, service)
                    .with_graceful_shutdown(stop_signal())
                    .await
                    .map_err(io)
            }
            Some(tls) => serve_tls(listener, tls, state).await.map_err(io),
        }
    })
}

/// Ctrl-C, or SIGTERM (how service managers stop a server): either ends serving and
/// returns to the caller, which then finishes its own work (the last audit anchor).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Accepts connections, completes the TLS handshake, and serves HTTP/1.1 on each until
/// Ctrl-C or SIGTERM. A failed handshake drops that connection only.
async fn serve_tls(
    listener: tokio::net::TcpListener,
    tls: rustls::ServerConfig,
    state: AppState,
) -> std::io::Result<()> {
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
    let router = app(state);
    let shutdown = stop_signal();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => accepted?,
            _ = &mut shutdown => return Ok(()),
        };
        let acceptor = acceptor.clone();
        let service = router.clone().layer(axum::Extension(ConnectInfo(peer)));
        tokio::spawn(async move {
            let Ok(stream) = acceptor.accept(stream).await else {
                return;
            };
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service))
                .await;
        });
    }
}
