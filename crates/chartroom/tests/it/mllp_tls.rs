//! `chartroom mllp` off loopback: refused without TLS; over TLS, a client with a
//! certificate from the configured CA is answered, one without is cut off at the handshake.

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;

fn chartroom(data: &std::path::Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_chartroom"));
    command
        .arg("--data-dir")
        .arg(data)
        .arg("mllp")
        .args(args)
        .env_remove("CHARTROOM_DATABASE_URL")
        .env_remove("CHARTROOM_MLLP_ALLOW_SENDERS")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

#[test]
fn plain_mllp_off_loopback_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let output = chartroom(dir.path(), &["--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("refusing MLLP on 0.0.0.0:0")
            && stderr.contains("--tls-cert, --tls-key and --client-ca"),
        "{stderr}"
    );
}

/// A CA, a server certificate for localhost and a client certificate, both from the CA.
struct Pki {
    ca: CertificateDer<'static>,
    client: (CertificateDer<'static>, PrivateKeyDer<'static>),
}

fn pki(dir: &std::path::Path) -> Pki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let issue = |name: &str| {
        let key = KeyPair::generate().unwrap();
        let cert = CertificateParams::new(vec![name.to_owned()])
            .unwrap()
            .signed_by(&key, &ca)
            .unwrap();
        (cert, key)
    };
    let (server, server_key) = issue("localhost");
    std::fs::write(dir.join("server.pem"), server.pem()).unwrap();
    std::fs::write(dir.join("server.key"), server_key.serialize_pem()).unwrap();
    std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
    let (client, client_key) = issue("ehr.example");
    Pki {
        ca: ca.der().clone(),
        client: (
            client.der().clone(),
            PrivateKeyDer::try_from(client_key.serialize_der()).unwrap(),
        ),
    }
}

/// Sends one message over TLS (with `client` as the client certificate, if any) and
/// returns the ACK, or the error that ended the exchange.
fn send_over_tls(
    addr: &str,
    pki: &Pki,
    client: Option<(CertificateDer<'static>, PrivateKeyDer<'static>)>,
) -> std::io::Result<String> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(pki.ca.clone()).unwrap();
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots);
    let config = match client {
        Some((cert, key)) => builder.with_client_auth_cert(vec![cert], key).unwrap(),
        None => builder.with_no_client_auth(),
    };
    let session =
        rustls::ClientConnection::new(Arc::new(config), ServerName::try_from("localhost").unwrap())
            .unwrap();
    let tcp = std::net::TcpStream::connect(addr)?;
    let mut stream = rustls::StreamOwned::new(session, tcp);
    let message = "MSH|^~\\&|EHR|NORTH|CHARTROOM|CR|20260301090000-0500||ADT^A04^ADT_A01|T-1|P|2.5.1\r\
                   PID|1||MRN-700^^^NORTH^MR||Tls^Ada||19800412|F\r\
                   PV1|1|O\r";
    stream.write_all(b"\x0b")?;
    stream.write_all(message.as_bytes())?;
    stream.write_all(b"\x1c\x0d")?;
    stream.flush()?;
    let mut ack = Vec::new();
    let mut byte = [0u8; 1];
    while stream.read(&mut byte)? == 1 {
        ack.push(byte[0]);
        if ack.ends_with(b"\x1c\x0d") {
            break;
        }
    }
    Ok(String::from_utf8_lossy(&ack).into_owned())
}

#[test]
fn mllp_over_tls_requires_a_client_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(dir.path());
    let path = |name: &str| dir.path().join(name).display().to_string();
    let mut child = chartroom(
        &dir.path().join("data"),
        &[
            "--listen",
            "127.0.0.1:0",
            "--tls-cert",
            &path("server.pem"),
            "--tls-key",
            &path("server.key"),
            "--client-ca",
            &path("ca.pem"),
        ],
    )
    .spawn()
    .unwrap();
    let addr = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map(|l| l.unwrap())
        .find_map(|l| {
            l.strip_prefix("Listening for HL7 v2 over MLLP over TLS on ")
                .and_then(|rest| rest.split(' ').next())
                .map(str::to_owned)
        })
        .unwrap();
    let answered = send_over_tls(
        &addr,
        &pki,
        Some((pki.client.0.clone(), pki.client.1.clone_key())),
    );
    let refused = send_over_tls(&addr, &pki, None);
    child.kill().unwrap();
    child.wait().unwrap();
    let ack = answered.unwrap();
    assert!(ack.contains("MSA|AA|T-1"), "{ack}");
    assert!(
        refused.as_ref().map_or(true, |ack| !ack.contains("MSA")),
        "{refused:?}"
    );
}
