//! `chartroom serve` as a user starts it: it refuses plain HTTP on a reachable address,
//! and on loopback answers the health check and refuses patient data without a session.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

fn serve(data: &std::path::Path, listen: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_chartroom"))
        .arg("--data-dir")
        .arg(data)
        .args(["serve", "--listen", listen])
        .env_remove("CHARTROOM_DATABASE_URL")
        .env("CHARTROOM_ARGON2_TEST_PARAMS", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn get(addr: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

/// The address from the line `serve` prints once it listens.
fn served_addr(lines: impl Iterator<Item = std::io::Result<String>>) -> String {
    lines
        .map(|l| l.unwrap())
        .find_map(|l| {
            l.strip_prefix("Serving Chartroom on http://")
                .and_then(|rest| rest.split('/').next())
                .map(str::to_owned)
        })
        .unwrap()
}

/// A JSON POST with a cookie (empty for none); the whole response.
fn post(addr: &str, path: &str, cookie: &str, body: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn refuses_plain_http_on_a_reachable_address() {
    let dir = tempfile::tempdir().unwrap();
    let output = serve(dir.path(), "0.0.0.0:0").wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("refusing to serve plain HTTP on 0.0.0.0:0"),
        "{stderr}"
    );
}

#[test]
fn serves_health_and_guards_patient_data() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = serve(dir.path(), "127.0.0.1:0");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = served_addr(lines.by_ref());
    let health = get(&addr, "/api/health");
    let chart = get(&addr, "/api/patients/1");
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(chart.starts_with("HTTP/1.1 401"), "{chart}");
    assert!(
        chart
            .to_ascii_lowercase()
            .contains("cache-control: no-store"),
        "{chart}"
    );
}

/// `serve --mllp` takes HL7 beside the web server, only from the senders allowed
/// (`--allow-sender`): another is answered AR and audited as denied under its name.
#[test]
fn serve_with_mllp_takes_hl7_beside_the_web_server() {
    let dir = tempfile::tempdir().unwrap();
    let chartroom = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_chartroom"));
        command
            .arg("--data-dir")
            .arg(dir.path())
            .args(args)
            .env_remove("CHARTROOM_DATABASE_URL")
            .env_remove("CHARTROOM_MLLP_ALLOW_SENDERS")
            .env("CHARTROOM_ARGON2_TEST_PARAMS", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    };
    let mut child = chartroom(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--mllp",
        "127.0.0.1:0",
        "--allow-sender",
        "EHR^NORTH",
    ])
    .spawn()
    .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mllp = lines
        .by_ref()
        .map(|l| l.unwrap())
        .find_map(|l| {
            l.strip_prefix("Listening for HL7 v2 over MLLP on ")
                .map(|rest| rest.trim_end_matches('.').to_owned())
        })
        .unwrap();
    let web = served_addr(lines);
    let mut stream = TcpStream::connect(&mllp).unwrap();
    let mut send = |sender: &str, control: &str| {
        let message = format!(
            "MSH|^~\\&|{sender}|CHARTROOM|CR|20260301090000-0500||ADT^A04^ADT_A01|{control}|P|2.5.1\r\
             EVN|A04|20260301090000-0500\r\
             PID|1||MRN-900^^^NORTH^MR||Serveby^Ada||19800412|F\r\
             PV1|1|O\r"
        );
        stream.write_all(b"\x0b").unwrap();
        stream.write_all(message.as_bytes()).unwrap();
        stream.write_all(b"\x1c\x0d").unwrap();
        let mut ack = Vec::new();
        let mut byte = [0u8; 1];
        while stream.read(&mut byte).unwrap() == 1 {
            ack.push(byte[0]);
            if ack.ends_with(b"\x1c\x0d") {
                break;
            }
        }
        String::from_utf8_lossy(&ack).into_owned()
    };
    let accepted = send("EHR|NORTH", "S-1");
    let refused = send("LAB|SOUTH", "S-2");
    let health = get(&web, "/api/health");
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(accepted.contains("MSA|AA|S-1"), "{accepted}");
    assert!(refused.contains("MSA|AR|S-2"), "{refused}");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    let denied = chartroom(&["audit", "list", "--outcome", "denied", "--channel", "hl7"])
        .output()
        .unwrap();
    let denied = String::from_utf8_lossy(&denied.stdout);
    assert!(
        denied.contains("hl7:LAB^SOUTH") && denied.contains("from LAB^SOUTH answered AR"),
        "{denied}"
    );
    let stored = chartroom(&["audit", "list", "--outcome", "success", "--channel", "hl7"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&stored.stdout).contains("hl7:EHR^NORTH"));
}

/// The server over PostgreSQL: the synchronous client runs inside the server's runtime
/// (store calls are blocking sections there), so sign-in and a search must work.
#[test]
fn serves_from_postgresql_when_configured() {
    let Some(test_db) = test_support::postgres_store() else {
        return; // no PostgreSQL configured (CI always configures one)
    };
    let store::Location::Postgres(url) = test_db.location().clone() else {
        panic!("a PostgreSQL test store has a PostgreSQL location");
    };
    let dir = tempfile::tempdir().unwrap();
    let chartroom = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_chartroom"));
        command
            .arg("--data-dir")
            .arg(dir.path())
            .args(["--database", &url])
            .args(args)
            .env("CHARTROOM_ARGON2_TEST_PARAMS", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    };
    let mut add = chartroom(&[
        "user",
        "add",
        "ann",
        // Billing needs no second factor by default, so a password sign-in reaches the data.
        "--role",
        "billing",
        "--password-stdin",
    ])
    .spawn()
    .unwrap();
    add.stdin
        .take()
        .unwrap()
        .write_all(b"Correct-Horse-Battery-42\n")
        .unwrap();
    assert!(add.wait().unwrap().success());
    let mut child = chartroom(&["serve", "--listen", "127.0.0.1:0"])
        .spawn()
        .unwrap();
    let addr = served_addr(BufReader::new(child.stdout.take().unwrap()).lines());
    let post = |path: &str, cookie: &str, body: &str| post(&addr, path, cookie, body);
    let login = post(
        "/api/login",
        "",
        r#"{"username":"ann","password":"Correct-Horse-Battery-42"}"#,
    );
    let cookie = login
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .unwrap_or_default()
        .to_owned();
    let search = post("/api/patients/search", &cookie, r#"{"text":"smith"}"#);
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(login.starts_with("HTTP/1.1 200"), "{login}");
    assert!(search.starts_with("HTTP/1.1 200"), "{search}");
    assert!(search.contains(r#""patients":[]"#), "{search}");
}

#[test]
fn an_unknown_role_in_mfa_roles_is_refused_before_serving() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_chartroom"))
        .arg("--data-dir")
        .arg(dir.path())
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--mfa-roles",
            "physician,cook",
        ])
        .env_remove("CHARTROOM_DATABASE_URL")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--mfa-roles") && stderr.contains("\"cook\" is not a role"),
        "{stderr}"
    );
}

/// The audit chain is checked before serving: a hand-edited entry stops the start (and
/// the failed check is itself recorded), unless told to serve read-only.
#[test]
fn a_broken_audit_chain_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_chartroom"))
            .arg("--data-dir")
            .arg(&data)
            .args(args)
            .env_remove("CHARTROOM_DATABASE_URL")
            .env("CHARTROOM_ARGON2_TEST_PARAMS", "1")
            .output()
            .unwrap()
    };
    assert!(
        run(&["init", "--demo", "3", "--seed", "1"])
            .status
            .success()
    );
    let db = rusqlite::Connection::open(data.join("chartroom.db")).unwrap();
    db.execute_batch(
        "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET username = 'mallory' WHERE seq = 1",
    )
    .unwrap();
    drop(db);
    let refused = run(&["serve", "--listen", "127.0.0.1:0"]);
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("refusing to start: the audit chain check failed: entry 1 was altered"),
        "{stderr}"
    );
    let listed = run(&["audit", "list", "--action", "verify"]);
    assert!(
        String::from_utf8_lossy(&listed.stdout)
            .contains("audit chain check at server start failed"),
        "{}",
        String::from_utf8_lossy(&listed.stdout)
    );
}

/// `serve --audit-anchor`: the head is anchored at start, when it moved, and at a clean
/// stop (SIGTERM), and `audit verify --anchor` checks the log against every line.
#[cfg(unix)]
#[test]
fn serve_anchors_the_audit_head_while_running_and_at_stop() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let anchors = dir.path().join("elsewhere.anchor");
    let command = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_chartroom"));
        command
            .arg("--data-dir")
            .arg(&data)
            .args(args)
            .env_remove("CHARTROOM_DATABASE_URL")
            .env_remove("CHARTROOM_AUDIT_ANCHOR")
            .env("CHARTROOM_ARGON2_TEST_PARAMS", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    };
    assert!(
        command(&["init", "--demo", "10", "--seed", "1"])
            .output()
            .unwrap()
            .status
            .success()
    );
    let anchor_arg = anchors.display().to_string();
    let mut child = command(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--audit-anchor",
        &anchor_arg,
        "--audit-anchor-seconds",
        "1",
    ])
    .spawn()
    .unwrap();
    let addr = served_addr(BufReader::new(child.stdout.take().unwrap()).lines());
    let lines = || {
        std::fs::read_to_string(&anchors)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let anchored_seq = || {
        lines()
            .last()
            .and_then(|l| l.split(" seq=").nth(1))
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse::<i64>().ok())
    };
    // Polled, never timed: the anchorer appends within its interval of the head moving.
    let wait_for = |seq: i64| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while anchored_seq() != Some(seq) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert_eq!(anchored_seq(), Some(seq), "{:?}", lines());
    };
    // What start-up writes (the demo, the chart review, the jobs' first passes) is not this
    // test's business and changes as jobs are added: wait until the chart review at start
    // has finished (its summary entry is in the log; the first pass can take seconds while
    // the code sets load) and the anchor has caught up with the newest entry and stopped.
    let database = data.join("chartroom.db");
    let count = |sql: &str| -> i64 {
        rusqlite::Connection::open(&database)
            .unwrap()
            .query_row(sql, [], |row| row.get(0))
            .unwrap()
    };
    let settled = {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let mut last = None;
        let mut since = std::time::Instant::now();
        loop {
            let now = anchored_seq();
            let reviewed =
                count("SELECT COUNT(*) FROM audit_log WHERE reason LIKE 'chart review at start%'")
                    > 0;
            let newest = count("SELECT COALESCE(MAX(seq), 0) FROM audit_log");
            if now != last {
                last = now;
                since = std::time::Instant::now();
            } else if reviewed
                && last == Some(newest)
                && since.elapsed() >= std::time::Duration::from_secs(2)
            {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "{:?}", lines());
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        last.unwrap()
    };
    let failed_login = || {
        let body = r#"{"username":"nobody","password":"wrong"}"#;
        let response = post(&addr, "/api/login", "", body);
        assert!(response.starts_with("HTTP/1.1 401"), "{response}");
    };
    failed_login();
    wait_for(settled + 1);
    let count = lines().len();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert_eq!(lines().len(), count, "nothing new to anchor while idle");
    failed_login();
    let stopped = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    // The last failed sign-in is anchored by the stop at the latest.
    assert_eq!(anchored_seq(), Some(settled + 2), "{:?}", lines());
    let verified = command(&["audit", "verify", "--anchor", &anchor_arg])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&verified.stdout);
    assert!(
        verified.status.success() && stdout.contains(&format!("newest entry {} ", settled + 2)),
        "{stdout}{}",
        String::from_utf8_lossy(&verified.stderr)
    );
}
