//! `chartroom report registry send|log` against a registry on a loopback port: one
//! patient's VXU^V04 accepted (the disclosure entered), another's rejected with the
//! registry's error (exit 1, no disclosure), both in the log.

use crate::cli::{chartroom, stdout};
use hl7::{AckCode, Problem, build_ack, parse};
use serde_json::Value;
use std::io::{Read, Write};

/// What the registry answers one connection's message with.
enum Reply {
    Ack(AckCode),
    /// An RSP^K11, `{control}` standing for the query's control id.
    Rsp(&'static str),
}

/// Answers each connection's message with the next reply; returns the messages read.
fn registry(replies: Vec<Reply>) -> (String, std::thread::JoinHandle<Vec<String>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let handle = std::thread::spawn(move || {
        let mut received = Vec::new();
        for reply in replies {
            let (mut stream, _) = listener.accept().unwrap();
            let mut decoder = hl7::mllp::Decoder::new(hl7::mllp::DEFAULT_MAX_FRAME);
            let (mut buf, mut chunk) = (Vec::new(), [0u8; 4096]);
            let payload = loop {
                if let Some(payload) = decoder.decode(&mut buf).unwrap() {
                    break payload;
                }
                let n = stream.read(&mut chunk).unwrap();
                buf.extend_from_slice(&chunk[..n]);
            };
            let text = String::from_utf8(payload).unwrap();
            let code = match reply {
                Reply::Ack(code) => code,
                Reply::Rsp(rsp) => {
                    let control = parse(&text).unwrap().msh().unwrap().text(10, 1).to_owned();
                    let mut frame = Vec::new();
                    hl7::mllp::encode(rsp.replace("{control}", &control).as_bytes(), &mut frame);
                    stream.write_all(&frame).unwrap();
                    received.push(text);
                    continue;
                }
            };
            let problems = match code {
                AckCode::Accept => vec![],
                _ => vec![Problem {
                    location: None,
                    code: 101,
                    message: "PID-11 the patient's address is required".into(),
                }],
            };
            let ack = build_ack(
                Some(&parse(&text).unwrap()),
                code,
                &problems,
                time::OffsetDateTime::UNIX_EPOCH,
                "IIS-1",
            );
            let mut frame = Vec::new();
            hl7::mllp::encode(ack.as_bytes(), &mut frame);
            stream.write_all(&frame).unwrap();
            received.push(text);
        }
        received
    });
    (address, handle)
}

fn json(data: &std::path::Path, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&stdout(&chartroom(data, &all))).unwrap()
}

#[test]
fn vxu_updates_go_to_the_registry_and_the_log_shows_each_ack() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    stdout(&chartroom(&data, &["init", "--demo", "3", "--seed", "5"]));
    let (address, thread) = registry(vec![
        Reply::Ack(AckCode::Accept),
        Reply::Ack(AckCode::Error),
    ]);
    let sent = chartroom(
        &data,
        &[
            "report",
            "registry",
            "send",
            "2",
            "3",
            "--to",
            &address,
            "--registry",
            "Demo State IIS",
        ],
    );
    let received = thread.join().unwrap();
    assert_eq!(received.len(), 2, "the rejected one is not sent again");
    assert!(!sent.status.success(), "a rejection exits non-zero");
    let out = String::from_utf8_lossy(&sent.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].contains("accepted, 1 attempt(s), ACK AA"), "{out}");
    assert!(
        lines[1]
            .contains("rejected, 1 attempt(s), ACK AE: PID-11 the patient's address is required"),
        "{out}"
    );
    assert!(String::from_utf8_lossy(&sent.stderr).contains("1 of 2 message(s) not accepted"));

    let log = json(&data, &["report", "registry", "log"]);
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["status"], "rejected");
    assert_eq!(log[1]["status"], "accepted");
    assert_eq!(log[1]["message"].as_str().unwrap(), received[0]);
    let accounted = json(&data, &["disclosures", "2"]);
    let lines = accounted["disclosures"].as_array().unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["record"]["recipient"], "Demo State IIS");
    let rejected = json(&data, &["disclosures", "3"]);
    assert_eq!(rejected["disclosures"].as_array().unwrap().len(), 0);

    let elsewhere = chartroom(
        &data,
        &["report", "registry", "send", "2", "--to", "192.0.2.1:2575"],
    );
    assert!(!elsewhere.status.success());
    assert!(String::from_utf8_lossy(&elsewhere.stderr).contains("loopback address only"));
}

/// `report registry query`: the registry's answer printed, a history as a table with its
/// forecast, no match named and exit 1.
#[test]
fn the_registry_is_asked_for_a_history() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    stdout(&chartroom(&data, &["init", "--demo", "3", "--seed", "5"]));
    let history = "MSH|^~\\&|IIS|IIS|||20260302140000+0000||RSP^K11^RSP_K11|R1|P|2.5.1|||||||||Z42^CDCPHINVS\rMSA|AA|{control}\rQAK|{control}|OK\rPID|1||9^^^IIS^SR\rORC|RE||1\rRXA|0|1|20240105||20^DTaP^CVX|999||||||||||||||CP\rORC|RE||0\rRXA|0|1|20260302||998^No vaccine administered^CVX|999\rOBX|1|CE|30979-9^Vaccines due next^LN|1|107^DTaP^CVX||||||F\rOBX|2|TS|30980-7^Date vaccine due^LN|1|20260401||||||F\r";
    let none = "MSH|^~\\&|IIS|IIS|||20260302140000+0000||RSP^K11^RSP_K11|R2|P|2.5.1|||||||||Z33^CDCPHINVS\rMSA|AA|{control}\rQAK|{control}|NF\r";
    let (address, thread) = registry(vec![Reply::Rsp(history), Reply::Rsp(none)]);
    let asked = stdout(&chartroom(
        &data,
        &["report", "registry", "query", "2", "--to", &address],
    ));
    assert!(
        asked.contains("Z42: 1 immunization(s) on file at the registry, 1 dose(s) forecast"),
        "{asked}"
    );
    assert!(
        asked
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["20240105", "20", "DTaP", "CP"]),
        "{asked}"
    );
    assert!(asked.contains("due: 107 DTaP on 20260401"), "{asked}");
    let missing = chartroom(
        &data,
        &[
            "report", "registry", "query", "3", "--kind", "z34", "--to", &address,
        ],
    );
    let received = thread.join().unwrap();
    assert!(received[0].contains("Z44^Request Evaluated History and Forecast"));
    assert!(received[1].contains("Z34^Request Immunization History"));
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stdout).contains("Z33 NF: no match"));
    let log = json(&data, &["report", "registry", "log", "--patient", "2"]);
    assert_eq!(log[0]["message_type"], "QBP^Q11");
    assert_eq!(log[0]["status"], "accepted");
}

/// `report coverage`: influenza coverage of an imported population, every figure for a
/// physician, the small ones withheld from public health; the childhood series as JSON.
#[test]
fn coverage_reports_from_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let extract = dir.path().join("extract");
    std::fs::create_dir_all(&extract).unwrap();
    std::fs::write(
        extract.join("patients.csv"),
        "patient_id,birth_date,sex,zip\n1,1950-01-01,F,02139\n2,1955-01-01,M,02139\n3,2023-06-01,F,02139\n",
    )
    .unwrap();
    std::fs::write(
        extract.join("immunizations.csv"),
        "imm_id,patient_id,cvx,admin_date,status\n1,1,140,2025-10-01,completed\n2,3,94,2024-06-01,completed\n",
    )
    .unwrap();
    stdout(&chartroom(&data, &["init"]));
    stdout(&chartroom(&data, &["import", extract.to_str().unwrap()]));
    for (name, role) in [("ph", "public-health"), ("doc", "physician")] {
        let added = crate::audit_trail::run(
            &data,
            &["user", "add", name, "--role", role, "--password-stdin"],
            "Correct-Horse-42\n",
        );
        assert!(added.status.success(), "{added:?}");
    }
    let args = |who| {
        vec![
            "report",
            "coverage",
            "influenza",
            "--as-of",
            "2026-03-01",
            "--as",
            who,
        ]
    };
    let doc = stdout(&chartroom(&data, &args("doc")));
    assert!(doc.contains("season 2025-26"), "{doc}");
    let older = doc.lines().find(|l| l.starts_with("65y+")).unwrap();
    assert_eq!(
        older.split_whitespace().collect::<Vec<_>>(),
        ["65y+", "2", "1", "50.0%"]
    );
    let ph = stdout(&chartroom(&data, &args("ph")));
    let older = ph.lines().find(|l| l.starts_with("65y+")).unwrap();
    assert_eq!(
        older.split_whitespace().collect::<Vec<_>>(),
        ["65y+", "<11", "<11", "-"]
    );
    let childhood = json(
        &data,
        &[
            "report",
            "coverage",
            "childhood",
            "--as-of",
            "2026-03-01",
            "--as",
            "doc",
        ],
    );
    let rows = childhood["rows"].as_array().unwrap();
    let mmr = rows.iter().find(|r| r["label"] == "MMR 1").unwrap();
    assert_eq!(
        (&mmr["people"], &mmr["covered"]),
        (&Value::from(1), &Value::from(1))
    );
    // The child's catch-up list: MMRV counts for MMR and varicella; nothing else given.
    let catch_up = json(
        &data,
        &[
            "report",
            "coverage",
            "catch-up",
            "--patient",
            "3",
            "--as-of",
            "2026-03-01",
        ],
    );
    let due = catch_up["due"].as_array().unwrap();
    let series: Vec<&str> = due.iter().map(|d| d["series"].as_str().unwrap()).collect();
    assert_eq!(series, ["DTaP", "polio", "Hib", "HepB", "PCV"]);
    assert_eq!(due[0]["earliest"], "2023-07-13");
    assert_eq!(
        (&due[0]["due"], &due[0]["overdue"]),
        (&Value::from(true), &Value::from(true))
    );
    let missing = chartroom(&data, &["report", "coverage", "catch-up"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("--patient"));
    let bad = chartroom(
        &data,
        &[
            "report",
            "coverage",
            "childhood",
            "--as-of",
            "1 March",
            "--as",
            "doc",
        ],
    );
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--as-of: \"1 March\" is not a date"));
}

/// `report syndromic`: the day's batch of the demo's visits (all written today) in a file
/// the crate's batch reader takes, each patient's disclosure entered; a day that is not one
/// is refused.
#[test]
fn the_syndromic_batch_is_written_and_disclosed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    stdout(&chartroom(&data, &["init", "--demo", "3", "--seed", "5"]));
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let out = dir.path().join("ss.hl7");
    let written = json(
        &data,
        &[
            "report",
            "syndromic",
            "--day",
            &today,
            "--out",
            out.to_str().unwrap(),
            "--facility-npi",
            "1234567893",
        ],
    );
    let batch = hl7::syndromic::parse_batch(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert!(!batch.messages.is_empty());
    assert_eq!(written["messages"], batch.messages.len());
    assert_eq!(batch.batch_control, written["batch"].as_str().unwrap());
    let accounted = json(&data, &["disclosures", "1"]);
    let lines = accounted["disclosures"].as_array().unwrap();
    assert!(
        lines
            .iter()
            .any(|l| l["record"]["channel"] == "hl7-syndromic"),
        "{accounted}"
    );
    let bad = chartroom(
        &data,
        &[
            "report",
            "syndromic",
            "--day",
            "yesterday",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--day: \"yesterday\" is not a date"));

    // Over MLLP to a receiver on this machine: each message in its own frame, no ACK
    // waited for, the delivery named.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let to = listener.local_addr().unwrap().to_string();
    let receiver = std::thread::spawn(move || {
        let (mut connection, _) = listener.accept().unwrap();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut connection, &mut bytes).unwrap();
        bytes.iter().filter(|b| **b == 0x0b).count()
    });
    let sent = json(
        &data,
        &["report", "syndromic", "--day", &today, "--to", &to],
    );
    assert_eq!(receiver.join().unwrap(), batch.messages.len());
    assert_eq!(sent["messages"], batch.messages.len());
    assert!(
        sent["delivery"]
            .as_str()
            .unwrap()
            .starts_with(&format!("sent over MLLP to {to}")),
        "{sent}"
    );
    let neither = chartroom(&data, &["report", "syndromic", "--day", &today]);
    assert!(!neither.status.success());
}
