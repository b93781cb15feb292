//! Users and the audit trail from the terminal: add users under the password policy,
//! change roles, see chart reads in the audit report, and see `audit verify` name the
//! first bad entry after the audit table is edited by hand through SQL.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Runs chartroom with cheap password hashing and `stdin` as standard input.
pub(crate) fn run(data: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_chartroom"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("CHARTROOM_DATABASE_URL")
        .env("CHARTROOM_ARGON2_TEST_PARAMS", "1")
        .env("USER", "clerk")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command that does not read standard input may exit before the write: a broken
    // pipe is then expected, and the exit status and output still tell.
    if let Err(e) = child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    child.wait_with_output().unwrap()
}

pub(crate) fn ok(data: &Path, args: &[&str]) -> String {
    let output = run(data, args, "");
    assert!(
        output.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Runs a command that must fail with exit status 1; returns its standard error.
pub(crate) fn fails(data: &Path, args: &[&str], stdin: &str) -> String {
    let output = run(data, args, stdin);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn fixture() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../interop/tests/fixtures/synthea-mini")
        .display()
        .to_string()
}

/// The entries the fixture's import writes between "started" and "stored": one per
/// committed batch, each sealing what that batch wrote (issue 10).
const IMPORT_BATCHES: usize = 9;
/// The batches among them that wrote patient 1's records.
const BATCHES_OF_PATIENT_1: usize = 6;

/// A data directory with imported patients (2 entries: started, stored, and a batch entry
/// each between them), two users, and audited reads: 10 entries besides the batches.
fn populated(dir: &Path) -> std::path::PathBuf {
    let data = dir.join("data");
    ok(&data, &["init"]);
    ok(&data, &["import", &fixture()]);
    let added = run(
        &data,
        &["user", "add", "Ann", "--admin", "--password-stdin"],
        "Correct-Horse-42\n",
    );
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    assert!(
        String::from_utf8_lossy(&added.stdout)
            .contains("Created user ann with roles administrator.")
    );
    let added = run(
        &data,
        &["user", "add", "bo", "--role", "billing", "--password-stdin"],
        "another Good pass\n",
    );
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    ok(&data, &["patient", "search", "fakename"]); // two patients: entries 3 and 4
    ok(&data, &["patient", "show", "1"]);
    ok(
        &data,
        &[
            "user",
            "roles",
            "bo",
            "--role",
            "billing",
            "--role",
            "front-desk",
        ],
    );
    ok(&data, &["user", "disable", "bo"]);
    ok(&data, &["patient", "show", "2"]);
    data
}

#[test]
fn users_roles_and_the_audit_report() {
    let dir = tempfile::tempdir().unwrap();
    let data = populated(dir.path());

    let weak = fails(
        &data,
        &[
            "user",
            "add",
            "cy",
            "--role",
            "physician",
            "--password-stdin",
        ],
        "short\n",
    );
    assert!(
        weak.contains("password: must be at least 12 characters long"),
        "{weak}"
    );
    let named = fails(
        &data,
        &[
            "user",
            "add",
            "cyrus",
            "--role",
            "physician",
            "--password-stdin",
        ],
        "cyrus-2026-abc\n",
    );
    assert!(named.contains("must not contain the username"), "{named}");
    let no_role = fails(
        &data,
        &["user", "add", "cy", "--password-stdin"],
        "Correct-Horse-42\n",
    );
    assert!(
        no_role.contains("give at least one --role (or --admin)"),
        "{no_role}"
    );
    let bad_role = fails(
        &data,
        &["user", "add", "cy", "--role", "cook", "--password-stdin"],
        "Correct-Horse-42\n",
    );
    assert!(bad_role.contains("\"cook\" is not a role"), "{bad_role}");
    let dup = fails(
        &data,
        &[
            "user",
            "add",
            "ANN",
            "--role",
            "auditor",
            "--password-stdin",
        ],
        "Correct-Horse-42\n",
    );
    assert!(dup.contains("user \"ann\" already exists"), "{dup}");
    let no_tty = fails(&data, &["user", "add", "cy", "--role", "auditor"], "");
    assert!(no_tty.contains("--password-stdin"), "{no_tty}");

    let users = ok(&data, &["user", "list"]);
    assert!(users.contains("ann"), "{users}");
    let bo_line = users.lines().find(|l| l.starts_with("bo ")).unwrap();
    assert!(
        bo_line.contains("billing,front-desk") && bo_line.contains("disabled"),
        "{users}"
    );

    let report = ok(&data, &["audit", "list", "--patient", "1"]);
    assert_eq!(
        report.lines().count(),
        2 + BATCHES_OF_PATIENT_1 + 2,
        "the import's batches, then search + show of patient 1: {report}"
    );
    assert!(
        report.contains("os:clerk") && report.contains("chart shown"),
        "{report}"
    );
    let permission_changes = |outcome: &str| {
        ok(
            &data,
            &[
                "audit",
                "list",
                "--action",
                "permission-change",
                "--outcome",
                outcome,
            ],
        )
    };
    let changes = permission_changes("success");
    assert_eq!(changes.lines().count(), 2 + 4, "{changes}");
    // Each refused `user add` above is a failure entry naming why (issue 10), never the
    // password tried.
    let refused = permission_changes("failure");
    assert_eq!(refused.lines().count(), 2 + 6, "{refused}");
    assert!(
        refused.contains("user add for \"ann\" refused: user \"ann\" already exists")
            && refused.contains("user add for \"cy\" refused: "),
        "{refused}"
    );
    assert!(
        ok(
            &data,
            &[
                "audit",
                "list",
                "--since",
                "2000-01-01",
                "--until",
                "2000-12-31"
            ]
        )
        .contains("No audit entries match.")
    );

    let out = dir.path().join("export");
    ok(&data, &["export", "--csv", out.to_str().unwrap()]);
    let exports = ok(&data, &["audit", "list", "--action", "export"]);
    assert!(exports.contains("CSV export to"), "{exports}");

    let csv = dir.path().join("audit.csv");
    ok(&data, &["audit", "list", "--csv", csv.to_str().unwrap()]);
    let text = std::fs::read_to_string(&csv).unwrap();
    // Each look at the report is an entry too (issue 10): five lists before this one.
    assert_eq!(
        text.lines().count(),
        1 + 11 + IMPORT_BATCHES + 6 + 5,
        "{text}"
    );
    assert!(
        text.contains("audit report viewed (action export; 1 entries)"),
        "{text}"
    );
    assert!(
        text.contains(": 14 stored, 3 skipped, 6 rejected"),
        "the import is audited: {text}"
    );
    // Each batch's entry seals what it wrote (issue 10): the records' values and digests.
    assert!(
        text.contains(r#"""action"":""create"",""kind"":""patient"",""id"":1"#)
            && text.contains(r#"""sha256"":"#),
        "{text}"
    );
    assert!(
        text.contains(r#""{""disabled"":false,""display_name"":""bo"""#),
        "{text}"
    );
    assert!(
        !text.contains("argon2"),
        "no password hash in the audit trail"
    );

    let verify = ok(&data, &["audit", "verify"]);
    assert!(
        verify.starts_with(&format!(
            "OK: {} audit entries, chain intact",
            23 + IMPORT_BATCHES
        )),
        "{verify}"
    );

    let weak = run(
        &data,
        &["user", "password", "ann", "--password-stdin"],
        "ann-is-weak\n",
    );
    assert_eq!(weak.status.code(), Some(1));
    let reset = run(
        &data,
        &["user", "password", "ann", "--password-stdin"],
        "Battery-Staple-77\n",
    );
    assert!(
        reset.status.success(),
        "{}",
        String::from_utf8_lossy(&reset.stderr)
    );
    // Ann is the only active administrator: she stays one, and the refusal says why.
    for args in [
        &["user", "disable", "ann"][..],
        &["user", "roles", "ann", "--role", "auditor"][..],
    ] {
        let refused = fails(&data, args, "");
        assert!(
            refused.contains("ann is the only active administrator"),
            "{args:?}: {refused}"
        );
    }
    // A refused account change is audited as a failure (issue 10).
    let failures = permission_changes("failure");
    assert!(
        failures
            .contains("user disabled for \"ann\" refused: ann is the only active administrator"),
        "{failures}"
    );
    let mfa = ok(&data, &["user", "reset-mfa", "ann"]);
    assert!(mfa.contains("Removed the authenticator of ann"), "{mfa}");
    let changes = ok(
        &data,
        &[
            "audit",
            "list",
            "--user",
            "os:clerk",
            "--action",
            "permission-change",
            "--outcome",
            "success",
            "--limit",
            "2",
        ],
    );
    assert!(
        changes.contains("password reset") && changes.contains("authenticator removed"),
        "{changes}"
    );
    let meta = std::fs::metadata(data.join("audit.key")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    }
    assert_eq!(meta.len(), 32);
}

/// Copies a data directory (after every chartroom process has exited).
fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// Edits the audit table by hand, as someone with the database file would: the
/// triggers are dropped first, since they only stop the application.
fn tamper(data: &Path, sql: &str) {
    let db = rusqlite::Connection::open(data.join("chartroom.db")).unwrap();
    db.execute_batch(&format!(
        "DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete; DROP TRIGGER IF EXISTS audit_patients_no_update; DROP TRIGGER IF EXISTS audit_patients_no_delete; DROP TRIGGER IF EXISTS audit_patient_writes_no_update; DROP TRIGGER IF EXISTS audit_patient_writes_no_delete; {sql}"
    ))
    .unwrap();
}

#[test]
fn audit_verify_names_hand_edits() {
    let dir = tempfile::tempdir().unwrap();
    let data = populated(dir.path());
    let case = |name: &str, sql: &str, expected: &str| {
        let copy_dir = dir.path().join(name);
        copy(&data, &copy_dir);
        tamper(&copy_dir, sql);
        let stderr = fails(&copy_dir, &["audit", "verify"], "");
        assert!(
            stderr.contains(&format!("audit log check FAILED: {expected}")),
            "{name}: {stderr}"
        );
    };
    case(
        "update",
        "UPDATE audit_log SET username = 'someone-else' WHERE seq = 5",
        "entry 5 was altered",
    );
    case(
        "delete-middle",
        "DELETE FROM audit_log WHERE seq = 4",
        "entry 4 was deleted: the log goes from entry 3 to entry 5",
    );
    case(
        "delete-newest",
        "DELETE FROM audit_log WHERE seq >= 7",
        &format!(
            "entries are missing at the end: the log ends at entry 6, but the head recorded outside the database is entry {}",
            10 + IMPORT_BATCHES
        ),
    );
    case(
        "swap",
        "UPDATE audit_log SET seq = 100 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = 6; UPDATE audit_log SET seq = 6 WHERE seq = 100;",
        "entry 3 is out of order: it holds the entry written as number 6",
    );
    case(
        "renumber",
        "DELETE FROM audit_log WHERE seq = 2; UPDATE audit_log SET seq = seq - 1 WHERE seq > 2;",
        "entry 2 was deleted and the later entries renumbered",
    );
    // Tail truncation with the head rewritten from the table (issue 10): neither the old
    // unsigned format nor a row's MAC as the seal passes.
    let truncated = dir.path().join("truncated");
    copy(&data, &truncated);
    // The entries' patient lists and writes split by chart go with them, as a careful
    // intruder would do (left behind, the split names the cut: a later entry 7 would not
    // match it).
    tamper(
        &truncated,
        "DELETE FROM audit_log WHERE seq >= 7; DELETE FROM audit_patients WHERE seq >= 7; DELETE FROM audit_patient_writes WHERE seq >= 7",
    );
    let mac: String = rusqlite::Connection::open(truncated.join("chartroom.db"))
        .unwrap()
        .query_row("SELECT mac FROM audit_log WHERE seq = 6", [], |row| {
            row.get(0)
        })
        .unwrap();
    for (head, expected) in [
        (
            format!("chartroom-audit-head 1\nseq 6\nmac {mac}\n"),
            "audit log check FAILED: the head recorded outside the database (entry 6) is in the unsigned format of earlier versions",
        ),
        (
            format!("chartroom-audit-head 2\nseq 6\nmac {mac}\nseal {mac}\n"),
            "audit log check FAILED: the head recorded outside the database is not authentic (its seal does not match the audit key)",
        ),
    ] {
        std::fs::write(truncated.join("audit.head"), head).unwrap();
        let stderr = fails(&truncated, &["audit", "verify"], "");
        assert!(stderr.contains(expected), "{stderr}");
    }
    // The untouched original still verifies.
    let n = 10 + IMPORT_BATCHES;
    assert!(ok(&data, &["audit", "verify"]).starts_with(&format!("OK: {n} audit entries")));
    // The check is itself an audit entry (issue 10), so the next one counts it.
    let checks = ok(&data, &["audit", "list", "--action", "verify"]);
    assert!(
        checks.contains("os:clerk") && checks.contains(&format!("audit chain intact: {n} entries")),
        "{checks}"
    );
    // The check is an entry, and so is the look at the list above.
    assert!(ok(&data, &["audit", "verify"]).starts_with(&format!("OK: {} audit entries", n + 2)));
    // Without the head file, a clean cut at the end cannot be ruled out.
    std::fs::remove_file(data.join("audit.head")).unwrap();
    let stderr = fails(&data, &["audit", "verify"], "");
    assert!(
        stderr.contains("the head recorded outside the database is missing"),
        "{stderr}"
    );
}

/// The attack an anchor stops (issue 10): the newest entries cut and the head file of an
/// earlier moment put back, which is authentic, so `audit verify` alone passes; the
/// anchor file, kept elsewhere, names the cut.
#[test]
fn an_anchor_file_catches_a_cut_hidden_by_an_older_head() {
    let dir = tempfile::tempdir().unwrap();
    let data = populated(dir.path());
    let anchors = dir.path().join("elsewhere").join("audit.anchor");
    std::fs::create_dir(dir.path().join("elsewhere")).unwrap();
    let to = anchors.display().to_string();
    let older_head = std::fs::read(data.join("audit.head")).unwrap();
    let n = 10 + IMPORT_BATCHES;
    assert!(
        ok(&data, &["audit", "anchor", "--to", &to])
            .starts_with(&format!("Anchored audit entry {n} "))
    );
    ok(&data, &["patient", "show", "1"]);
    ok(&data, &["patient", "show", "2"]);
    assert!(
        ok(&data, &["audit", "anchor", "--to", &to])
            .starts_with(&format!("Anchored audit entry {} ", n + 2))
    );
    assert_eq!(
        std::fs::read_to_string(&anchors).unwrap().lines().count(),
        2
    );

    let cut = dir.path().join("cut");
    copy(&data, &cut);
    tamper(&cut, &format!("DELETE FROM audit_log WHERE seq > {n}"));
    std::fs::write(cut.join("audit.head"), &older_head).unwrap();
    let stderr = fails(&cut, &["audit", "verify", "--anchor", &to], "");
    assert!(
        stderr.contains(&format!("audit log check FAILED: entries are missing at the end: the log ends at entry {n}, but entry {} was anchored outside the host", n + 2)),
        "{stderr}"
    );
    // Without the anchor the cut passes (the failed check above is entry 11 now).
    assert!(ok(&cut, &["audit", "verify"]).starts_with(&format!("OK: {} audit entries", n + 1)));

    let verified = ok(&data, &["audit", "verify", "--anchor", &to]);
    assert!(
        verified.contains("The log holds every head anchored in")
            && verified.contains("(2 of them)"),
        "{verified}"
    );
    let stderr = fails(
        &data,
        &["audit", "verify", "--anchor", "/nonexistent/anchor"],
        "",
    );
    assert!(
        stderr.contains("--anchor /nonexistent/anchor: no such file"),
        "{stderr}"
    );
}

#[test]
fn the_application_cannot_edit_the_audit_table() {
    let dir = tempfile::tempdir().unwrap();
    let data = populated(dir.path());
    let db = rusqlite::Connection::open(data.join("chartroom.db")).unwrap();
    let update = db
        .execute("UPDATE audit_log SET reason = 'x' WHERE seq = 1", [])
        .unwrap_err();
    assert!(
        update.to_string().contains("audit_log is append-only"),
        "{update}"
    );
    let delete = db.execute("DELETE FROM audit_log", []).unwrap_err();
    assert!(
        delete.to_string().contains("audit_log is append-only"),
        "{delete}"
    );
}

/// A data directory left open to other users (an old install, a copied backup) is made
/// private when a command opens it, and the operator is told.
#[cfg(unix)]
#[test]
fn an_open_data_directory_is_narrowed_with_a_warning() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = populated(dir.path());
    let set = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    set(&data, 0o755);
    set(&data.join("chartroom.db"), 0o644);
    let output = run(&data, &["stats"], "");
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("warning: ")
            && stderr.contains("chartroom.db was open to other users (mode 0644); now 0600"),
        "{stderr}"
    );
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("chartroom.db")), 0o600);
    assert_eq!(mode(&data.join("audit.head")), 0o600);
    let again = run(&data, &["stats"], "");
    assert!(!String::from_utf8_lossy(&again.stderr).contains("warning"));
}
