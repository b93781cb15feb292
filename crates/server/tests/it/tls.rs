//! HTTPS: with a certificate and key the server speaks TLS only, the session cookie is
//! `Secure`, and a non-loopback address is allowed without the insecure flag.

use crate::harness::PASSWORD;
use privacy::{AuditKey, HashCost, Role, RoleSet};
use rustls::pki_types::{CertificateDer, ServerName};
use server::{AppState, ServeConfig, ServerConfig, TlsFiles};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use store::{AuditTrail, Location, NewUser, Store, SystemClock};

/// Starts an HTTPS server in the background; returns its address and the certificate.
fn start(dir: &std::path::Path) -> (SocketAddr, CertificateDer<'static>) {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert_path = dir.join("cert.pem");
    let key_path = dir.join("key.pem");
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.signing_key.serialize_pem()).unwrap();
    let store = Arc::new(Store::open(&Location::Memory, Arc::new(SystemClock)).unwrap());
    let hash = privacy::hash_password(PASSWORD, &[2; 16], HashCost::Test).unwrap();
    store
        .security(|s| {
            s.create_user(
                &NewUser {
                    username: "doc".into(),
                    display_name: String::new(),
                    password_hash: hash,
                    roles: RoleSet::of(&[Role::Physician]),
                },
                "test",
            )
        })
        .unwrap();
    let trail = Arc::new(AuditTrail::with_key(
        AuditKey::from_bytes(&[3; 32]).unwrap(),
        dir,
    ));
    let config = ServerConfig {
        secure_cookies: true,
        hash_cost: HashCost::Test,
        ..ServerConfig::default()
    };
    let state = AppState::new(store, trail, config).unwrap();
    let serve = ServeConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        tls: Some(TlsFiles {
            cert: cert_path,
            key: key_path,
        }),
        insecure_non_loopback: false,
    };
    let (tx, rx) = std::sync::mpsc::channel();
    // The server runs until the test process ends.
    std::thread::spawn(move || {
        let _ = server::serve_blocking(&serve, state, |addr| tx.send(addr).unwrap());
    });
    (rx.recv().unwrap(), cert.cert.der().clone())
}

fn https(addr: SocketAddr, cert: &CertificateDer<'static>, request: &str) -> String {
    https_with(
        rustls::crypto::ring::default_provider(),
        addr,
        cert,
        request,
    )
    .unwrap()
}

/// A request over TLS from a client offering what `provider` offers.
fn https_with(
    provider: rustls::crypto::CryptoProvider,
    addr: SocketAddr,
    cert: &CertificateDer<'static>,
    request: &str,
) -> Result<String, std::io::Error> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.clone()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from("localhost").unwrap();
    let mut connection = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let mut socket = TcpStream::connect(addr).unwrap();
    let mut tls = rustls::Stream::new(&mut connection, &mut socket);
    tls.write_all(request.as_bytes())?;
    let mut response = Vec::new();
    let _ = tls.read_to_end(&mut response);
    let suite = connection
        .negotiated_cipher_suite()
        .map(|s| format!("{:?}", s.suite()));
    Ok(format!(
        "{}\r\nx-test-suite: {}",
        String::from_utf8_lossy(&response),
        suite.unwrap_or_default()
    ))
}

#[test]
fn https_serves_with_secure_cookies_and_refuses_plain_http() {
    let dir = tempfile::tempdir().unwrap();
    let (addr, cert) = start(dir.path());
    let health = https(
        addr,
        &cert,
        "GET /api/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(
        health
            .to_ascii_lowercase()
            .contains("strict-transport-security: max-age=31536000"),
        "{health}"
    );
    assert!(
        health.contains("x-test-suite: TLS13_AES_256_GCM_SHA384"),
        "{health}"
    );

    let body = format!(r#"{{"username":"doc","password":"{PASSWORD}"}}"#);
    let login = https(
        addr,
        &cert,
        &format!(
            "POST /api/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(login.starts_with("HTTP/1.1 200"), "{login}");
    let cookie = login
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .unwrap();
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );

    let mut plain = TcpStream::connect(addr).unwrap();
    plain
        .write_all(b"GET /api/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = Vec::new();
    let _ = plain.read_to_end(&mut answer);
    assert!(
        !String::from_utf8_lossy(&answer).contains("200 OK"),
        "no plain HTTP on the TLS port"
    );
}

#[test]
fn unusable_certificates_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let missing = TlsFiles {
        cert: dir.path().join("nope.pem"),
        key: dir.path().join("nope.key"),
    };
    let error = server::tls_config(&missing).unwrap_err().to_string();
    assert!(
        error.starts_with("TLS: ") && error.contains("nope.pem"),
        "{error}"
    );
}

/// Only AES-GCM suites are offered: a client that speaks nothing else but ChaCha20-Poly1305
/// (TLS 1.3 or 1.2) gets no connection.
#[test]
fn only_aes_gcm_cipher_suites_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let (addr, cert) = start(dir.path());
    let request = "GET /api/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    use rustls::crypto::ring::cipher_suite as suite;
    for offered in [
        suite::TLS13_CHACHA20_POLY1305_SHA256,
        suite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        suite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    ] {
        let provider = rustls::crypto::CryptoProvider {
            cipher_suites: vec![offered],
            ..rustls::crypto::ring::default_provider()
        };
        let answer = https_with(provider, addr, &cert, request);
        assert!(
            answer.as_ref().is_err() || !answer.as_ref().unwrap().contains("200 OK"),
            "{offered:?}: {answer:?}"
        );
    }
    let provider = rustls::crypto::CryptoProvider {
        cipher_suites: vec![suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256],
        ..rustls::crypto::ring::default_provider()
    };
    let answer = https_with(provider, addr, &cert, request).unwrap();
    assert!(answer.contains("200 OK"), "{answer}");
}
