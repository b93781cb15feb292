//! Outbound MLLP over TLS: the registry client and the outbox reach Chartroom's own MLLP
//! listener (in process, over TLS, requiring client certificates) with a test CA made at
//! test time; a certificate from another CA, a plain listener, a missing client
//! certificate and a destination without its CA file are refused, naming the destination.

use crate::registry::{patient, trail, who};
use hl7::listener::{Config, serve};
use hl7::registry::{Registry, Retry, send_vxu};
use hl7::{Destination, TlsClientFiles};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// A CA with a server certificate for localhost and a client certificate, another CA
/// (the wrong one), all as PEM files in a temporary directory.
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let authority = |file: &str| {
            let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            let ca = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
            std::fs::write(dir.path().join(file), ca.pem()).unwrap();
            ca
        };
        let ca = authority("ca.pem");
        authority("wrong-ca.pem");
        for (name, file) in [("localhost", "server"), ("chartroom.example", "client")] {
            let key = KeyPair::generate().unwrap();
            let cert = CertificateParams::new(vec![name.to_owned()])
                .unwrap()
                .signed_by(&key, &ca)
                .unwrap();
            std::fs::write(dir.path().join(format!("{file}.pem")), cert.pem()).unwrap();
            std::fs::write(dir.path().join(format!("{file}.key")), key.serialize_pem()).unwrap();
        }
        Self { dir }
    }

    fn path(&self, file: &str) -> PathBuf {
        self.dir.path().join(file)
    }

    /// The listener's configuration: the server certificate, client certificates from
    /// the CA required.
    fn server_config(&self) -> rustls::ServerConfig {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_file(self.path("ca.pem")).unwrap())
            .unwrap();
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
            Arc::new(roots),
            Arc::clone(&provider),
        )
        .build()
        .unwrap();
        rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_client_cert_verifier(verifier)
            .with_single_cert(
                vec![CertificateDer::from_pem_file(self.path("server.pem")).unwrap()],
                PrivateKeyDer::from_pem_file(self.path("server.key")).unwrap(),
            )
            .unwrap()
    }

    /// Client files: the CA `ca`, with the client certificate when `client`.
    fn files(&self, ca: &str, client: bool) -> TlsClientFiles {
        TlsClientFiles {
            ca: Some(self.path(ca)),
            cert: client.then(|| self.path("client.pem")),
            key: client.then(|| self.path("client.key")),
        }
    }
}

/// Chartroom's MLLP listener on a loopback port (over TLS when `tls`), in front of its own
/// store; returns the port and the store.
fn listener(tls: Option<rustls::ServerConfig>) -> (u16, Arc<store::Store>, tempfile::TempDir) {
    let clock = Arc::new(store::FixedClock::new(test_support::test_epoch()));
    let store = Arc::new(store::Store::open(&store::Location::Memory, clock).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let audit = Arc::new(store::AuditTrail::open_or_create(dir.path()).unwrap());
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let served = Arc::clone(&store);
    let config = Config {
        log_messages: false,
        tls: tls.map(Arc::new),
        ..Config::default()
    };
    std::thread::spawn(move || serve(&listener, served, audit, &config));
    (port, store, dir)
}

fn registry_at(destination: Destination) -> Registry {
    Registry {
        name: "Wisconsin Immunization Registry".into(),
        address: destination,
        timeout: Duration::from_secs(3),
        retry: Retry {
            attempts: 1,
            backoff: Duration::from_millis(10),
        },
    }
}

/// Sends a VXU of a patient of a fresh store to `text` with `files`, one attempt; returns
/// the registry log's message.
fn vxu_to(text: &str, files: &TlsClientFiles) -> store::RegistryMessage {
    let here = test_support::sqlite_store();
    let sent_by = patient(&here);
    let (_dir, trail) = trail();
    let destination = Destination::parse(text, files).unwrap();
    send_vxu(
        &here,
        &trail,
        &registry_at(destination),
        &who(&here),
        sent_by,
    )
    .unwrap()
}

#[test]
fn a_vxu_goes_over_tls_to_a_receiver_the_ca_vouches_for() {
    let pki = Pki::new();
    let (port, there, _there_dir) = listener(Some(pki.server_config()));
    let here = test_support::sqlite_store();
    let sent_by = patient(&here);
    let (_dir, trail) = trail();
    let text = format!("mllps://localhost:{port}");
    let destination = Destination::parse(&text, &pki.files("ca.pem", true)).unwrap();
    assert!(destination.is_tls());
    assert_eq!(destination.to_string(), text);
    let sent = send_vxu(
        &here,
        &trail,
        &registry_at(destination),
        &who(&here),
        sent_by,
    )
    .unwrap();
    assert_eq!(
        (sent.status.as_str(), sent.ack_code.as_deref()),
        ("accepted", Some("AA")),
        "{sent:?}"
    );
    assert_eq!(sent.destination, text, "the log names the TLS destination");
    let stored = there
        .read(|tx| tx.select::<records::Immunization>("1 = 1", &[], "id", 10))
        .unwrap();
    assert!(!stored.is_empty(), "the receiver stored the immunizations");

    // `--tls-ca` with a bare HOST:PORT means TLS too.
    let bare =
        Destination::parse(&format!("localhost:{port}"), &pki.files("ca.pem", true)).unwrap();
    assert_eq!(bare.to_string(), text);
}

#[test]
fn a_receiver_the_ca_did_not_issue_is_refused_naming_it() {
    let pki = Pki::new();
    let (port, there, _there_dir) = listener(Some(pki.server_config()));
    let text = format!("mllps://localhost:{port}");
    let sent = vxu_to(&text, &pki.files("wrong-ca.pem", true));
    assert_eq!(sent.status, "failed", "{sent:?}");
    let error = sent.last_error.as_deref().unwrap();
    assert!(
        error.contains(&text) && error.contains("the receiver's certificate was refused"),
        "{error}"
    );
    assert!(
        there
            .read(|tx| tx.select::<records::Patient>("1 = 1", &[], "id", 10))
            .unwrap()
            .is_empty(),
        "nothing reached the receiver"
    );
}

#[test]
fn tls_to_a_plain_listener_or_without_a_client_certificate_fails() {
    let pki = Pki::new();

    let (plain_port, _plain, _plain_dir) = listener(None);
    let text = format!("mllps://localhost:{plain_port}");
    let sent = vxu_to(&text, &pki.files("ca.pem", true));
    assert_eq!(sent.status, "failed", "{sent:?}");
    let error = sent.last_error.as_deref().unwrap();
    assert!(
        error.contains(&text)
            && error.contains("TLS handshake failed")
            && error.contains("plain MLLP port"),
        "{error}"
    );

    let (port, _there, _there_dir) = listener(Some(pki.server_config()));
    let text = format!("mllps://localhost:{port}");
    let sent = vxu_to(&text, &pki.files("ca.pem", false));
    assert_eq!(sent.status, "failed", "{sent:?}");
    assert!(
        sent.last_error.as_deref().unwrap().contains(&text),
        "{:?}",
        sent.last_error
    );
}

#[test]
fn destinations_are_checked_when_configured() {
    let pki = Pki::new();
    let none = TlsClientFiles::default();
    let error = |text: &str, files: &TlsClientFiles| {
        Destination::parse(text, files).unwrap_err().to_string()
    };
    let e = error("mllps://localhost:2575", &none);
    assert!(
        e.starts_with("mllps://localhost:2575: ") && e.contains("needs the CA file"),
        "{e}"
    );
    let e = error("192.0.2.7:2575", &none);
    assert!(
        e.starts_with("192.0.2.7:2575: ") && e.contains("loopback address only"),
        "{e}"
    );
    let e = error("mllp://localhost:2575", &pki.files("ca.pem", false));
    assert!(e.contains("write mllps://"), "{e}");
    let e = error("localhost", &none);
    assert!(e.contains("not a HOST:PORT address"), "{e}");
    let missing = TlsClientFiles {
        ca: Some(pki.path("nowhere.pem")),
        ..TlsClientFiles::default()
    };
    let e = error("mllps://registry.example:6661", &missing);
    assert!(
        e.starts_with("mllps://registry.example:6661: TLS CA file ") && e.contains("nowhere.pem"),
        "{e}"
    );
    let plain = Destination::parse("127.0.0.1:2575", &none).unwrap();
    assert!(!plain.is_tls());
    // Another host over TLS is fine: no address check, the certificate vouches for it.
    let remote =
        Destination::parse("mllps://registry.example:6661", &pki.files("ca.pem", true)).unwrap();
    assert!(remote.is_tls());
}
