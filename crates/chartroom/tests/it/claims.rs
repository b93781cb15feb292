//! `chartroom claims` on a demo population: submit writes an 837P with fresh control
//! numbers each time (kept for pyx12 by test.sh), build explains a claim that cannot be
//! built, post-835 posts once, reposting changes nothing, and a truncated 835 posts nothing.

use crate::cli::{chartroom, stdout};
use std::path::Path;

const SUBMITTER: &[&str] = &["--receiver-id", "CLEARHOUSE01", "--tax-id", "043456789"];

fn submit(data: &Path, out: &Path) -> String {
    let mut args = vec!["claims", "submit", "--out", out.to_str().unwrap()];
    args.extend(SUBMITTER);
    stdout(&chartroom(data, &args))
}

/// Keeps `text` as `name` for the pyx12 check in test.sh, when asked to.
fn keep_for_validator(name: &str, text: &str) {
    if let Ok(keep) = std::env::var("CHARTROOM_X12_SAMPLES") {
        std::fs::create_dir_all(&keep).unwrap();
        std::fs::write(Path::new(&keep).join(name), text).unwrap();
    }
}

fn written_file(report: &str) -> String {
    let wrote = report
        .lines()
        .find(|l| l.starts_with("wrote "))
        .unwrap_or_else(|| panic!("no file written: {report}"));
    let path = wrote
        .split(" to ")
        .nth(1)
        .unwrap()
        .split(';')
        .next()
        .unwrap();
    std::fs::read_to_string(path).unwrap()
}

fn remittance(claim_id: &str, cents: &str) -> String {
    format!(
        "ISA*00*          *00*          *ZZ*PAYER01        *ZZ*CHARTROOM      *260315*1200*^*00501*000000311*0*P*:~\
GS*HP*PAYER01*CHARTROOM*20260315*1200*311*X*005010X221A1~ST*835*0001~BPR*I*{cents}*C*CHK************20260315~\
TRN*1*CHK77*1512345678~N1*PR*DEMO PAYER~N1*PE*DEMO PRACTICE~LX*1~CLP*{claim_id}*1*{cents}*{cents}**12*PCN1~\
CLP*E999999*1*10*0**12*PCN2~CAS*CO*29*10~SE*10*0001~GE*1*311~IEA*1*000000311~"
    )
}

#[test]
fn claims_are_submitted_as_837p_and_an_835_is_posted_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    stdout(&chartroom(
        &data,
        &["demo", "--patients", "10", "--seed", "3"],
    ));
    let out = dir.path().join("out");
    let first = submit(&data, &out);
    assert!(first.contains("claims ("), "{first}");
    assert!(first.contains("not billed: patient "), "{first}");
    let text = written_file(&first);
    keep_for_validator("cli-submit-837p.x12", &text);
    let interchange = x12::read(&text).unwrap();
    assert!(
        interchange.problems.is_empty(),
        "{:?}",
        interchange.problems
    );
    let again = submit(&data, &out);
    assert!(
        again.contains("no claim to send"),
        "sent claims are not sent twice: {again}"
    );
    let queue = stdout(&chartroom(&data, &["claims", "queue"]));
    assert!(
        queue.ends_with("claims wait in the work queue\n"),
        "{queue}"
    );

    // The first claim, accepted by the payer (277CA), then paid in full.
    let clm = interchange.first_segment("CLM").unwrap().clone();
    let ack = dir.path().join("accepted.277");
    std::fs::write(
        &ack,
        format!(
            "ISA*00*          *00*          *ZZ*PAYER01        *ZZ*CHARTROOM      *260315*1200*^*00501*000000312*0*P*:~\
GS*HN*PAYER01*CHARTROOM*20260315*1200*312*X*005010X214~ST*277*0001*005010X214~BHT*0085*08*T1*20260315*1200*TH~\
HL*1**20*1~NM1*PR*2*DEMO PAYER*****PI*P1~HL*2*1*21*1~NM1*41*2*CHARTROOM*****46*CHARTROOM~HL*3*2*19*1~\
NM1*85*2*DEMO PRACTICE*****XX*1234567893~HL*4*3*PT~NM1*QC*1*DOE*JO****MI*Z1~TRN*2*{}~STC*A2:20*20260315*WQ*{}~\
REF*1K*PCN1~SE*14*0001~GE*1*312~IEA*1*000000312~",
            clm.element(1),
            clm.element(2)
        ),
    )
    .unwrap();
    let acknowledged = stdout(&chartroom(
        &data,
        &["claims", "acknowledge", ack.to_str().unwrap()],
    ));
    assert!(
        acknowledged
            .ends_with("1 acknowledgments: 1 claims changed, 0 already so, 0 not matched\n"),
        "{acknowledged}"
    );
    assert!(
        acknowledged.contains(", accepted (277CA A2:20)"),
        "{acknowledged}"
    );
    let file = dir.path().join("paid.835");
    std::fs::write(&file, remittance(clm.element(1), clm.element(2))).unwrap();
    let file = file.to_str().unwrap();
    let received = stdout(&chartroom(&data, &["claims", "receive-835", file]));
    assert!(
        received.starts_with("CHK77: ") && received.contains(", 2 claim payments, received since "),
        "{received}"
    );
    let posted = stdout(&chartroom(&data, &["claims", "post-835", file]));
    assert!(
        posted.starts_with("CHK77: 1 claim payments posted, 0 already posted"),
        "{posted}"
    );
    assert!(posted.contains("not matched (work queue): CLP, segment 10 (claim E999999): encounter 999999 does not exist"), "{posted}");
    let again = stdout(&chartroom(&data, &["claims", "post-835", file]));
    assert!(
        again.starts_with("CHK77: 0 claim payments posted, 1 already posted"),
        "{again}"
    );
    let paid = stdout(&chartroom(&data, &["claims", "list", "--status", "paid"]));
    let claim_id = paid
        .strip_prefix("claim ")
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_else(|| panic!("{paid}"))
        .to_owned();
    assert!(paid.contains(", paid"), "{paid}");

    // A corrected claim goes out with frequency 7, the payer's number and new control numbers.
    let corrected = stdout(&chartroom(&data, &["claims", "correct", &claim_id]));
    let replacement = corrected
        .strip_prefix("claim ")
        .and_then(|rest| rest.split(' ').next())
        .unwrap()
        .to_owned();
    let mut args = vec![
        "claims",
        "submit",
        "--out",
        out.to_str().unwrap(),
        "--claim",
        &replacement,
    ];
    args.extend(SUBMITTER);
    let resent = stdout(&chartroom(&data, &args));
    let second_text = written_file(&resent);
    let second = x12::read(&second_text).unwrap();
    assert_ne!(
        interchange.control_number(),
        second.control_number(),
        "control numbers never repeat"
    );
    assert!(second.first_segment("REF").is_some());
    let listed = stdout(&chartroom(
        &data,
        &["claims", "list", "--status", "corrected"],
    ));
    assert!(listed.contains(&format!("claim {claim_id} ")), "{listed}");
    assert!(listed.contains(", corrected"), "{listed}");

    let truncated = dir.path().join("truncated.835");
    let full = remittance(clm.element(1), clm.element(2));
    std::fs::write(&truncated, &full[..full.find("CLP*E999999").unwrap()]).unwrap();
    let refused = chartroom(&data, &["claims", "post-835", truncated.to_str().unwrap()]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("nothing was posted"), "{stderr}");
    assert!(
        stderr.contains("transaction set 0001 has no SE: the file ends first (truncated)"),
        "{stderr}"
    );
}

#[test]
fn a_claim_that_cannot_be_built_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    stdout(&chartroom(
        &data,
        &["demo", "--patients", "10", "--seed", "3"],
    ));
    let output = chartroom(&data, &["claims", "build", "22"]);
    assert!(!output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("encounter 22, charges: none; a claim needs at least one charged service"),
        "{text}"
    );
    let shown = stdout(&chartroom(&data, &["claims", "build", "3"]));
    assert!(shown.starts_with("claim E3 for encounter 3: "), "{shown}");
    assert!(shown.contains("line 1: "), "{shown}");
}

#[test]
fn a_payer_reviews_an_incoming_837() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/x12/samples/badx12/X222-ambulance.edi");
    let damaged =
        std::fs::read_to_string(sample)
            .unwrap()
            .replacen("~DTP*439*D8*20050208~", "~dtp*439~", 1);
    let file = dir.path().join("in.837");
    std::fs::write(&file, damaged).unwrap();
    let csv = dir.path().join("review.csv");
    let shown = stdout(&chartroom(
        &data,
        &[
            "claims",
            "review",
            file.to_str().unwrap(),
            "--csv",
            csv.to_str().unwrap(),
            "--ack-999",
            dir.path().join("answer.999").to_str().unwrap(),
            "--ack-277",
            dir.path().join("answer.277").to_str().unwrap(),
        ],
    ));
    let status = std::fs::read_to_string(dir.path().join("answer.277")).unwrap();
    assert!(
        status.contains("~TRN*2*051068~STC*A3:21*"),
        "the claim is returned: {status}"
    );
    let numbers = |text: &str| {
        let isa = x12::read(text).unwrap().isa;
        isa.element(13).to_owned()
    };
    assert_ne!(
        numbers(&status),
        numbers(&std::fs::read_to_string(dir.path().join("answer.999")).unwrap()),
        "the two answers' interchange numbers never repeat"
    );
    keep_for_validator("cli-review-277ca.x12", &status);
    let answer = std::fs::read_to_string(dir.path().join("answer.999")).unwrap();
    assert!(answer.contains("~AK2*837*"), "{answer}");
    assert!(
        answer.contains("~IK5*R*5~AK9*R*1*1*0~"),
        "the damaged set is rejected: {answer}"
    );
    keep_for_validator("cli-review-999.x12", &answer);
    assert!(
        shown.contains(
            "bad segment: interchange, segment 24: \"dtp*439\" does not start with a segment id"
        ),
        "{shown}"
    );
    assert!(
        shown.ends_with("1 claims reviewed: 0 accepted (A2), 1 returned (A3); 2 bad segments\n"),
        "{shown}"
    );
    let table = std::fs::read_to_string(csv).unwrap();
    assert!(
        table.contains("\"051068\",\"2366554859\",\"766.5\",\"A3\""),
        "{table}"
    );
}

#[test]
fn billing_ages_what_patients_owe_and_writes_their_statements() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    stdout(&chartroom(
        &data,
        &["demo", "--patients", "30", "--seed", "3"],
    ));
    let by_payer = stdout(&chartroom(&data, &["claims", "aging"]));
    assert!(by_payer.contains("All payers"), "{by_payer}");
    let by_patient = stdout(&chartroom(
        &data,
        &[
            "claims",
            "aging",
            "--by",
            "patient",
            "--as-of",
            "2026-03-01",
        ],
    ));
    let last = by_patient.lines().last().unwrap();
    assert!(last.starts_with("owed by "), "{by_patient}");
    // The patient who owes most, and what they owe in all.
    let first = by_patient.lines().nth(1).unwrap();
    let mrn = first
        .split_once('(')
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(mrn, _)| mrn.to_owned())
        .unwrap_or_else(|| panic!("{by_patient}"));
    let total = first.split_whitespace().last().unwrap().to_owned();
    let out = dir.path().join("statements");
    let said = stdout(&chartroom(
        &data,
        &[
            "claims",
            "statement",
            &mrn,
            "--out",
            out.to_str().unwrap(),
            "--as-of",
            "2026-03-01",
            "--facility",
            "Springfield General",
        ],
    ));
    assert!(
        said.contains(&format!("({mrn}): ")) && said.contains(&format!(", amount due {total}, ")),
        "the statement asks for what the aging says the patient owes ({total}): {said}"
    );
    let html =
        std::fs::read_to_string(out.join(format!("statement-{mrn}-2026-03-01.html"))).unwrap();
    assert!(html.contains("Springfield General"));
    assert!(html.contains(&format!("Amount due: {total}")), "{html}");
    let pdf = std::fs::read(out.join(format!("statement-{mrn}-2026-03-01.pdf"))).unwrap();
    assert!(pdf.starts_with(b"%PDF-1.4"));
    assert!(out.join("manifest.sha256").exists());

    // The statement run: everyone the aging lists as owing at least $5.00, one file pair
    // each, the one printed above among them, every file in the folder's manifest.
    let owing = by_patient
        .lines()
        .skip(1)
        .filter(|line| !line.starts_with("All ") && !line.starts_with("owed by "))
        .filter(|line| {
            let total = line.split_whitespace().last().unwrap_or_default();
            x12::parse_cents(&total.replace(['$', ','], "")).is_ok_and(|c| c >= 500)
        })
        .count();
    assert!(owing > 0, "{by_patient}");
    let run = dir.path().join("run");
    let said = stdout(&chartroom(
        &data,
        &[
            "claims",
            "statements",
            "--out",
            run.to_str().unwrap(),
            "--as-of",
            "2026-03-01",
        ],
    ));
    assert!(
        said.starts_with(&format!(
            "statement run of 2026-03-01: {owing} statements written"
        )),
        "{said}"
    );
    let pdfs = std::fs::read_dir(&run)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "pdf")
        })
        .count();
    assert_eq!(pdfs, owing);
    assert!(
        run.join(format!("statement-{mrn}-2026-03-01.html"))
            .exists()
    );
    let manifest = std::fs::read_to_string(run.join("manifest.sha256")).unwrap();
    assert_eq!(manifest.lines().count(), 2 * owing);
    let bad = chartroom(
        &data,
        &[
            "claims",
            "statements",
            "--out",
            run.to_str().unwrap(),
            "--min-due",
            "five",
        ],
    );
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--min-due \"five\": expected dollars"));

    let refused = chartroom(&data, &["claims", "aging", "--by", "plan"]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("--by \"plan\": use payer or patient")
    );
}

#[test]
fn claims_go_out_with_the_delimiters_the_receiver_asks_for() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    stdout(&chartroom(
        &data,
        &["demo", "--patients", "10", "--seed", "4"],
    ));
    let out = dir.path().join("out");
    let refused = chartroom(
        &data,
        &[
            "claims",
            "submit",
            "--out",
            out.to_str().unwrap(),
            "--receiver-id",
            "CLEARHOUSE01",
            "--tax-id",
            "043456789",
            "--delimiters",
            "|^|~",
        ],
    );
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("delimiter '|' is used twice"), "{said}");
    assert!(!out.exists(), "nothing was sent");

    let mut args = vec!["claims", "submit", "--out", out.to_str().unwrap()];
    args.extend(SUBMITTER);
    args.extend(["--delimiters", "|^>\\n"]);
    let text = written_file(&stdout(&chartroom(&data, &args)));
    assert!(text.starts_with("ISA|00|"), "{text}");
    assert!(text.contains("\nGS|HC|"), "{text}");
    assert!(text.contains("|HC>"), "SV1 composites use '>': {text}");
    let interchange = x12::read(&text).unwrap();
    assert!(
        interchange.problems.is_empty(),
        "{:?}",
        interchange.problems
    );
    keep_for_validator("cli-submit-delimiters.x12", &text);
}
