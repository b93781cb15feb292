//! `chartroom serve`: the JSON API on 127.0.0.1:8080 unless told otherwise.
//!
//! Invariants: HTTPS when `--tls-cert` and `--tls-key` are given (cookies then `Secure`);
//! plain HTTP only on a loopback address unless `--insecure-non-loopback` is given; the
//! audit key and head live in the data directory, as for the command line.

use super::audited::hash_cost;
use crate::config::StorageArgs;
use anyhow::{Context, Result, bail};
use server::{AppState, ServeConfig, ServerConfig, TlsFiles};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use store::AuditTrail;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    listen: SocketAddr,
    /// Sign users out after this many minutes without activity (1 to 480).
    #[arg(long, default_value_t = 15, value_name = "MINUTES")]
    idle_minutes: i64,
    /// The facility's time zone (IANA name, e.g. America/Chicago): pages show times in it,
    /// with UTC on hover, and read typed times in it.
    #[arg(
        long,
        env = "CHARTROOM_TIME_ZONE",
        default_value = "UTC",
        value_name = "ZONE"
    )]
    time_zone: String,
    /// The facility's name on release-of-information packets' cover sheets.
    #[arg(
        long,
        env = "CHARTROOM_FACILITY_NAME",
        default_value = "Chartroom",
        value_name = "NAME"
    )]
    facility_name: String,
    /// The release-of-information fee schedule (default: roi-fees.toml in the data
    /// directory, if any; else the built-in schedule).
    #[arg(long, value_name = "FILE")]
    roi_fees: Option<std::path::PathBuf>,
    /// Idle sign-out in seconds instead of minutes (for browser tests that watch it happen).
    #[arg(
        long,
        value_name = "SECONDS",
        hide = true,
        conflicts_with = "idle_minutes"
    )]
    idle_seconds: Option<i64>,
    /// Serve HTTPS with this PEM certificate chain (needs --tls-key).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Also listen for HL7 v2 over MLLP on this address (as `chartroom mllp` does), beside
    /// the web server and over the same store.
    #[arg(long, value_name = "ADDR")]
    mllp: Option<SocketAddr>,
    /// For --mllp: who may send (as `chartroom mllp --allow-sender`).
    #[command(flatten)]
    mllp_senders: super::mllp::SenderArgs,
    /// For --mllp on an address other than loopback: MLLP over TLS with --tls-cert and
    /// --tls-key, accepting only clients with a certificate from a CA in this PEM file.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    mllp_client_ca: Option<PathBuf>,
    /// Send the ADT^A40 of each merge made here (and the ADT^A37 of its unmerge once the
    /// A40 went) there over MLLP: HOST:PORT on this machine (plain), or mllps://HOST:PORT
    /// with --a40-tls-ca (MLLP over TLS, any host); the outbox is checked every few
    /// seconds (as `chartroom hl7 outbox --send` does once).
    #[arg(long, value_name = "DESTINATION")]
    a40_to: Option<String>,
    /// The CA (PEM) that issued the --a40-to receiver's certificate: send over TLS.
    #[arg(long, value_name = "FILE", requires = "a40_to")]
    a40_tls_ca: Option<PathBuf>,
    /// Chartroom's client certificate (PEM) for the --a40-to receiver (mutual TLS).
    #[arg(long, value_name = "FILE", requires_all = ["a40_tls_key", "a40_tls_ca"])]
    a40_tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --a40-tls-cert.
    #[arg(long, value_name = "FILE", requires = "a40_tls_cert")]
    a40_tls_key: Option<PathBuf>,
    /// Serve plain HTTP on an address other machines can reach: patient data and
    /// passwords cross the network unencrypted.
    #[arg(long)]
    insecure_non_loopback: bool,
    /// What a FHIR Patient sent without a usable medical record number gets: a new
    /// facility MRN (`assign`, as registration does) or a 422 (`refuse`). Its other
    /// identifiers are kept as sent either way.
    #[arg(
        long,
        value_enum,
        default_value = "assign",
        value_name = "ASSIGN|REFUSE"
    )]
    patients_without_mrn: PatientsWithoutMrn,
    /// The roles whose holders must pass a second factor (an authenticator code) on every
    /// way in, comma-separated, or `none`; anyone with an authenticator passes it too.
    #[arg(
        long,
        value_name = "ROLES",
        default_value = "administrator,him-technician,physician,auditor"
    )]
    mfa_roles: String,
    /// Start even when the audit chain check at start fails, but accept no changes (only
    /// sign-in, sign-out and reads), with a warning; without it the server refuses to start.
    #[arg(long)]
    read_only_if_tampered: bool,
    /// Append the sealed audit head to this file (created if missing; put it on another
    /// mount or host the database's writer cannot rewrite) at start, every minute in which
    /// it moved, and at shutdown; every chain check, at start too, also requires the log
    /// to hold each head anchored there.
    #[arg(long, value_name = "PATH", env = "CHARTROOM_AUDIT_ANCHOR")]
    audit_anchor: Option<PathBuf>,
    /// What an emergency (break-the-glass) grant opens, on the pages, the JSON API and
    /// FHIR alike: `all`, `clinical` (demographics and the clinical record, never
    /// insurance or billing), or data categories separated by commas.
    #[arg(
        long,
        value_name = "CATEGORIES",
        default_value = "all",
        env = "CHARTROOM_EMERGENCY_SET"
    )]
    emergency_set: String,
    /// Users who may break the glass (comma-separated; their roles must allow it too).
    /// Nobody may until users or roles are named here or in --break-glass-roles: having a
    /// physician's role is not enough.
    #[arg(long, value_name = "USERS", env = "CHARTROOM_BREAK_GLASS_USERS")]
    break_glass_users: Option<String>,
    /// Roles whose every holder may break the glass (comma-separated, e.g. `physician`
    /// to let every physician; only roles that allow it count). None by default.
    #[arg(long, value_name = "ROLES", env = "CHARTROOM_BREAK_GLASS_ROLES")]
    break_glass_roles: Option<String>,
    /// Seconds between anchors (tests watch it happen).
    #[arg(long, value_name = "SECONDS", default_value_t = 60, hide = true)]
    audit_anchor_seconds: u64,
    /// Take a backup (as `chartroom backup` does, online) into this directory on a
    /// schedule, keeping the newest --backup-keep; needs --backup-key.
    #[arg(long, value_name = "DIR", requires = "backup_key")]
    backup_dir: Option<PathBuf>,
    /// The backup key file (made by `chartroom backup --new-key`) scheduled backups use.
    #[arg(long, value_name = "KEYFILE", requires = "backup_dir")]
    backup_key: Option<PathBuf>,
    /// Hours between scheduled backups (the first one an interval after start).
    #[arg(long, value_name = "HOURS", default_value_t = 24)]
    backup_every_hours: u64,
    /// How many scheduled backups to keep; older ones are removed.
    #[arg(long, value_name = "N", default_value_t = 7)]
    backup_keep: usize,
    /// Seconds between scheduled backups, instead of hours (tests watch it happen).
    #[arg(long, value_name = "SECONDS", hide = true)]
    backup_every_seconds: Option<u64>,
    /// The billing office's X12 identity: given (at least --receiver-id and --tax-id), billing
    /// sends scrubbed claims from the Claims page and `/api/claims/submit` as 837 files into
    /// `<data dir>/claims-outbox`.
    #[command(flatten, next_help_heading = "Claims sent from the billing pages")]
    x12: super::claims::SubmitterArgs,
}

/// `--patients-without-mrn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum PatientsWithoutMrn {
    Assign,
    Refuse,
}

pub fn run(storage: &StorageArgs, args: &ServeArgs) -> Result<()> {
    if !(1..=480).contains(&args.idle_minutes) {
        bail!("--idle-minutes must be 1 to 480, not {}", args.idle_minutes);
    }
    let store = storage.open()?;
    if store.durability()? == Some(store::Durability::Normal) {
        crate::say!(
            "Durability is normal: a power loss may roll back the last acknowledged writes (--durability full syncs every commit)."
        );
    }
    let trail = AuditTrail::open_or_create(&storage.data_dir)
        .with_context(|| format!("opening the audit trail in {}", storage.data_dir.display()))?;
    let trail = match &args.audit_anchor {
        Some(path) => {
            if store::create_anchor_file(path)? {
                crate::say!("Created the audit anchor file {}.", path.display());
            }
            trail.with_anchor(path)
        }
        None => trail,
    };
    let read_only = check_audit_chain(&store, &trail, args.read_only_if_tampered)?;
    if store.security(|s| s.users())?.is_empty() {
        crate::say!(
            "No users yet: create the first administrator with `chartroom user add NAME --admin`."
        );
    }
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(TlsFiles {
            cert: cert.clone(),
            key: key.clone(),
        }),
        _ => None,
    };
    // Check the certificate before anything else, so a bad file is the first message.
    if let Some(files) = &tls {
        server::tls_config(files)?;
    }
    let config = ServerConfig {
        secure_cookies: tls.is_some(),
        idle_timeout: match args.idle_seconds {
            Some(seconds) if seconds >= 1 => time::Duration::seconds(seconds),
            Some(seconds) => bail!("--idle-seconds must be at least 1, not {seconds}"),
            None => time::Duration::minutes(args.idle_minutes),
        },
        hash_cost: hash_cost(),
        // FHIR `$export` files hold patient data: beside the database, not in /tmp.
        export_dir: Some(storage.data_dir.join("exports")),
        case_report_dir: Some(storage.data_dir.join("case-reports")),
        assign_mrn: args.patients_without_mrn == PatientsWithoutMrn::Assign,
        read_only,
        mfa_roles: match args.mfa_roles.trim() {
            "none" => privacy::RoleSet::new(),
            roles => privacy::RoleSet::parse_list(roles).context("--mfa-roles")?,
        },
        time_zone: server::FacilityZone::named(&args.time_zone)
            .map_err(anyhow::Error::msg)
            .context("--time-zone")?,
        emergency_set: privacy::EmergencySet::parse(&args.emergency_set)
            .context("--emergency-set")?,
        emergency_staff: privacy::EmergencyStaff::new(
            args.break_glass_users
                .as_deref()
                .unwrap_or_default()
                .split(',')
                .map(store::normalize_username)
                .filter(|u| !u.is_empty())
                .collect(),
            match args.break_glass_roles.as_deref().map(str::trim) {
                None | Some("" | "none") => privacy::RoleSet::new(),
                Some(roles) => {
                    privacy::RoleSet::parse_list(roles).context("--break-glass-roles")?
                }
            },
        ),
        roi_fees: super::roi::fees(args.roi_fees.as_deref(), &storage.data_dir)
            .context("--roi-fees")?,
        facility_name: args.facility_name.trim().to_owned(),
        claim_outbox: args
            .x12
            .identity()?
            .map(|(submitter, delimiters)| server::ClaimOutbox {
                dir: storage.data_dir.join("claims-outbox"),
                submitter,
                delimiters,
            }),
        // A malformed retention.toml stops the server here, naming its lines.
        retention_schedule: Some(Arc::new(super::retention::schedule_in_force(
            &storage.data_dir,
            None,
        )?)),
        // So does a malformed note-templates.toml.
        note_templates: Some(Arc::new(super::dictation::templates_in_force(
            &storage.data_dir,
        )?)),
        ..ServerConfig::default()
    };
    let store = Arc::new(store);
    let trail = Arc::new(trail);
    if let Some(addr) = args.mllp {
        let tls = super::mllp::mllp_tls(
            addr,
            args.tls_cert.as_ref(),
            args.tls_key.as_ref(),
            args.mllp_client_ca.as_ref(),
        )
        .context("--mllp")?;
        super::mllp::spawn(&store, &trail, addr, tls, &args.mllp_senders)?;
    }
    if let Some(to) = &args.a40_to {
        let tls = hl7::TlsClientFiles {
            ca: args.a40_tls_ca.clone(),
            cert: args.a40_tls_cert.clone(),
            key: args.a40_tls_key.clone(),
        };
        let to = super::hl7::destination("--a40-to", to, &tls)?;
        super::hl7::spawn_sender(&store, &trail, to)?;
    }
    // A malformed rules file stops the server here, naming its lines.
    let rules = super::review::rules_in_force(None, &storage.data_dir)?;
    // So does a malformed syndromes file.
    let syndromes = super::surveillance::syndromes_in_force(&storage.data_dir)?;
    // And a malformed reportable-condition triggers file.
    let triggers = super::report::triggers_in_force(&storage.data_dir)?;
    let anchoring = match &args.audit_anchor {
        Some(path) => Some(
            super::anchoring::start(
                &store,
                &trail,
                path.clone(),
                std::time::Duration::from_secs(args.audit_anchor_seconds.max(1)),
            )
            .context("--audit-anchor")?,
        ),
        None => None,
    };
    if let (Some(dir), Some(key)) = (&args.backup_dir, &args.backup_key) {
        let every = match args.backup_every_seconds {
            Some(seconds) => std::time::Duration::from_secs(seconds.max(1)),
            None => std::time::Duration::from_secs(args.backup_every_hours.max(1) * 3600),
        };
        super::backup::schedule(
            &store,
            &trail,
            &storage.data_dir,
            super::backup::Scheduled {
                dir: dir.clone(),
                key: key.clone(),
                every,
                keep: args.backup_keep.max(1),
            },
        )?;
    }
    let state = AppState::new(store, trail, config)?;
    state.warm_code_search();
    state
        .keep_review_current(rules)
        .context("starting chart review")?;
    state
        .keep_surveillance_current(syndromes, triggers)
        .context("starting surveillance")?;
    // Dictations are drafted on a thread of their own; the recogniser (and the medical
    // vocabulary, built on first start) is made there, so serving starts at once.
    let data_dir = storage.data_dir.clone();
    let today = state.store.clock().now().date();
    state
        .keep_dictations_drafted(move || {
            let (engine, warning) =
                transcription::pocketsphinx::with_medical_vocabulary(&data_dir, today);
            if let Some(warning) = warning {
                eprintln!("chartroom serve: {warning}");
            }
            if !engine.installed() {
                eprintln!(
                    "chartroom serve: PocketSphinx is not installed; dictations get no draft (\"{}\")",
                    transcription::NO_RECOGNISER
                );
            }
            Box::new(engine)
        })
        .context("starting the dictation drafts")?;
    let serve = ServeConfig {
        listen: args.listen,
        tls,
        insecure_non_loopback: args.insecure_non_loopback,
    };
    let scheme = if serve.tls.is_some() { "https" } else { "http" };
    let served = server::serve_blocking(&serve, state, |addr| {
        crate::say!(
            "Serving Chartroom on {scheme}://{addr}/ (web pages; JSON API under /api; Ctrl-C stops)."
        );
    });
    // The last anchor, after serving stopped, however it stopped.
    if let Some(anchoring) = anchoring {
        anchoring.finish();
    }
    served?;
    Ok(())
}

/// Verifies the audit chain from the last checkpoint before serving. A broken chain is
/// recorded as a failed check; the server then refuses to start, or with
/// `--read-only-if-tampered` starts accepting no changes (returned as the reason).
fn check_audit_chain(
    store: &store::Store,
    trail: &AuditTrail,
    read_only_if_tampered: bool,
) -> Result<Option<String>> {
    let Err(tamper) = trail.verify_incrementally(store)? else {
        return Ok(None);
    };
    let event = privacy::AuditEvent::new(
        store.clock().now(),
        &super::audited::os_user(),
        privacy::Action::Verify,
        privacy::Channel::Cli,
    )
    .outcome(privacy::Outcome::Failure)
    .reason(&format!(
        "audit chain check at server start failed: {tamper}"
    ));
    trail.record(store, &event)?;
    if !read_only_if_tampered {
        bail!(
            "refusing to start: the audit chain check failed: {tamper} (`chartroom audit verify` names the problem; `serve --read-only-if-tampered` starts without accepting changes)"
        );
    }
    eprintln!(
        "WARNING: the audit chain check failed: {tamper}\nWARNING: serving READ-ONLY: no changes are accepted until the chain is restored"
    );
    Ok(Some(tamper.to_string()))
}
