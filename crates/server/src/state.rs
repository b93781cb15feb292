//! What every request handler shares: the store, the audit trail and the settings.

use privacy::{HashCost, RoleSet};
use std::path::PathBuf;
use std::sync::Arc;
use store::{AuditTrail, Store};
use time::Duration;

/// Server settings.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// A session without activity for this long ends; the user signs in again.
    pub idle_timeout: Duration,
    /// A session ends this long after sign-in, active or not.
    pub session_lifetime: Duration,
    /// Mark the session cookie `Secure` (set when serving over TLS).
    pub secure_cookies: bool,
    /// Cost of the dummy hash checked for unknown usernames, so their sign-in takes as
    /// long as a real one.
    pub hash_cost: HashCost,
    /// Where FHIR `$export` jobs write their files (`<data dir>/exports`); `None` puts
    /// them in a temporary directory removed with the server state.
    pub export_dir: Option<PathBuf>,
    /// Where case reports sent from the page or the API are written for the state's
    /// transport (`serve`: `<data dir>/case-reports`); `None` writes no files (the API's
    /// answer still carries the documents).
    pub case_report_dir: Option<PathBuf>,
    /// Whether a FHIR Patient sent without a usable MRN gets a new facility MRN (`true`)
    /// or is refused.
    pub assign_mrn: bool,
    /// Holders of these roles must pass a second factor on every way in (enrolling an
    /// authenticator first if they have none); anyone with an authenticator passes it too.
    pub mfa_roles: RoleSet,
    /// Set (to the reason) when the audit chain check at start failed and the server was
    /// told to serve anyway: then no request may change anything.
    pub read_only: Option<String>,
    /// The facility's time zone: pages show and read times in it (UTC on hover).
    pub time_zone: crate::zone::FacilityZone,
    /// What an emergency (break-the-glass) grant opens, on every channel.
    pub emergency_set: privacy::EmergencySet,
    /// Who may break the glass (`privacy::EmergencyStaff`): nobody until the facility
    /// names users or roles, and always within roles that allow it.
    pub emergency_staff: privacy::EmergencyStaff,
    /// The release-of-information fee schedule (`serve` reads `<data dir>/roi-fees.toml`
    /// or `--roi-fees`).
    pub roi_fees: disclosures::FeeSchedule,
    /// The facility's name on release packets' cover sheets (`--facility-name`).
    pub facility_name: String,
    /// The retention schedule the retention report applies (`serve` reads
    /// `<data dir>/retention.toml`); the shipped default when `None`.
    pub retention_schedule: Option<Arc<archive::retention::Schedule>>,
    /// The dictation note templates (`serve` reads `<data dir>/note-templates.toml`);
    /// the shipped ones when `None`.
    pub note_templates: Option<Arc<transcription::Templates>>,
    /// Where claims sent from the billing pages and `/api/claims/submit` are written, and
    /// who sends them; `None` (no submitter identity given to `serve`) sends nothing.
    pub claim_outbox: Option<ClaimOutbox>,
}

/// The 837 outbox: a directory the clearinghouse's transport picks files up from, and the
/// billing office's X12 identity (`serve --x12-receiver-id --x12-tax-id ...`).
#[derive(Debug, Clone)]
pub struct ClaimOutbox {
    /// Where the files go (`serve`: `<data dir>/claims-outbox`).
    pub dir: PathBuf,
    /// The submitter, receiver and billing tax id.
    pub submitter: claims::Submitter,
    /// The delimiters the receiver asks for.
    pub delimiters: x12::Delimiters,
}

impl ServerConfig {
    /// Where a session of `user` starts with the second factor.
    pub fn mfa_state(&self, user: &store::User) -> crate::auth::MfaState {
        use crate::auth::MfaState;
        MfaState::of(
            user,
            !MfaState::needed(user, &self.mfa_roles),
            &self.mfa_roles,
        )
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::minutes(15),
            session_lifetime: Duration::hours(12),
            secure_cookies: false,
            hash_cost: HashCost::Production,
            export_dir: None,
            case_report_dir: None,
            assign_mrn: true,
            mfa_roles: RoleSet::of(&privacy::MFA_ROLES_BY_DEFAULT),
            read_only: None,
            time_zone: crate::zone::FacilityZone::utc(),
            emergency_set: privacy::EmergencySet::default(),
            emergency_staff: privacy::EmergencyStaff::default(),
            roi_fees: disclosures::FeeSchedule::default(),
            facility_name: "Chartroom".to_owned(),
            retention_schedule: None,
            note_templates: None,
            claim_outbox: None,
        }
    }
}

/// Shared state.
#[derive(Clone)]
pub struct AppState {
    /// The records store.
    pub store: Arc<Store>,
    /// The audit trail.
    pub trail: Arc<AuditTrail>,
    /// Settings.
    pub config: Arc<ServerConfig>,
    /// A hash no password matches, verified for unknown usernames.
    pub(crate) dummy_hash: Arc<String>,
    /// The population-query engine, built on first use and refreshed before each run.
    pub(crate) population: Arc<crate::population::Population>,
    /// The code sets shipped with Chartroom.
    pub(crate) codes: Arc<codes::CodeSets>,
    /// The key of the pages' form tokens (random per process).
    pub(crate) form_key: Arc<String>,
    /// FHIR Bulk Data `$export` jobs of this process.
    pub(crate) exports: Arc<crate::fhir_rest::ExportJobs>,
    /// Seals authenticator secrets (key `totp.key` beside the audit key).
    pub(crate) totp_vault: Arc<crate::totp_vault::TotpVault>,
    /// The syndromes surveillance counts, set when `serve` starts keeping counts current.
    pub(crate) syndromes: Arc<std::sync::OnceLock<surveillance::SyndromeSet>>,
    /// The reportable-condition triggers case finding uses, set with the syndromes.
    pub(crate) triggers: Arc<std::sync::OnceLock<surveillance::cases::TriggerSet>>,
    /// The review rules in force, set when `serve` starts keeping review current (signing
    /// a dictation resolves the deficiency its note answers by them).
    pub(crate) review_rules: Arc<std::sync::OnceLock<review::RuleSet>>,
    /// The dictation note templates.
    pub(crate) templates: Arc<transcription::Templates>,
    /// The spelling check's words, loaded on first use.
    pub(crate) speller: Arc<std::sync::OnceLock<transcription::Speller>>,
    /// Wakes the drafting job when a dictation arrives.
    pub(crate) drafting: Arc<crate::transcription_watch::Wakeup>,
}

impl AppState {
    /// State over `store` and `trail`.
    pub fn new(
        store: Arc<Store>,
        trail: Arc<AuditTrail>,
        config: ServerConfig,
    ) -> store::Result<Self> {
        let salt = store::random_bytes::<16>()?;
        let secret = store::random_bytes::<16>()?;
        let password: String = secret.iter().map(|b| format!("{b:02x}")).collect();
        let form_key: String = store::random_bytes::<32>()?
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let dummy = privacy::hash_password(&password, &salt, config.hash_cost)
            .map_err(|e| store::Error::Database(e.to_string()))?;
        let exports = Arc::new(crate::fhir_rest::ExportJobs::new(config.export_dir.clone()));
        let templates = match &config.note_templates {
            Some(templates) => Arc::clone(templates),
            None => Arc::new(transcription::Templates::defaults().map_err(|problems| {
                store::Error::Database(format!(
                    "the shipped note templates: {}",
                    problems.join("; ")
                ))
            })?),
        };
        let totp_vault = crate::totp_vault::TotpVault::open_or_create(trail.dir())?;
        let sealed = totp_vault.seal_plain_secrets(&store)?;
        if sealed > 0 {
            eprintln!(
                "chartroom serve: encrypted {sealed} authenticator secrets stored in plain text by an earlier version"
            );
        }
        let codes_dir = trail.dir().to_path_buf();
        Ok(Self {
            totp_vault: Arc::new(totp_vault),
            exports,
            store,
            trail,
            config: Arc::new(config),
            dummy_hash: Arc::new(dummy),
            form_key: Arc::new(form_key),
            population: Arc::new(std::sync::Mutex::new(None)),
            syndromes: Arc::new(std::sync::OnceLock::new()),
            triggers: Arc::new(std::sync::OnceLock::new()),
            review_rules: Arc::new(std::sync::OnceLock::new()),
            templates,
            speller: Arc::new(std::sync::OnceLock::new()),
            drafting: Arc::new(crate::transcription_watch::Wakeup::default()),
            // The data directory's imported releases and NCCI files too, as the CLI reads
            // them, so the web's scrubber and coders see what `chartroom codes import` and
            // `import-ncci` loaded.
            codes: Arc::new(
                codes::CodeSets::open(&codes_dir)
                    .map_err(|e| store::Error::Database(format!("loading the code sets: {e}")))?,
            ),
        })
    }

    /// Builds the typeahead indexes of the diagnosis and procedure code sets in force today
    /// on a background thread, so the first coder's first keystroke does not wait for them
    /// (seconds on a small machine). Searches that come sooner wait for the same build.
    pub fn warm_code_search(&self) {
        let codes = self.codes.clone();
        let spawned = std::thread::Builder::new()
            .name("code-search-warmup".into())
            .spawn(move || {
                let today = time::OffsetDateTime::now_utc().date();
                for system in [codes::System::Icd10Cm, codes::System::Icd10Pcs] {
                    // A failure here is the first search's failure too; it reports it.
                    let _ = codes.search(system, "a", today, 1);
                }
            });
        // Without the thread the indexes are built on first use instead.
        drop(spawned);
    }

    /// The authenticator secret of `user` in plain text, if they enrolled one.
    pub fn authenticator_secret(&self, user: &store::User) -> Result<Option<String>, String> {
        user.totp_secret
            .as_deref()
            .map(|stored| self.totp_vault.open(user.id, stored))
            .transpose()
    }

    /// Runs store work on the blocking pool.
    pub(crate) async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&AppState) -> Result<T, crate::WebError> + Send + 'static,
    ) -> Result<T, crate::WebError> {
        self.on_blocking_pool(work, crate::WebError::internal).await
    }

    /// Runs store work off the async workers, reporting a failed blocking task with
    /// `failed` in the caller's error type.
    pub(crate) async fn on_blocking_pool<T: Send + 'static, E: Send + 'static>(
        &self,
        work: impl FnOnce(&AppState) -> Result<T, E> + Send + 'static,
        failed: impl FnOnce(String) -> E,
    ) -> Result<T, E> {
        // On the multi-threaded runtime the worker runs the store call itself and hands
        // its other tasks to the other workers: no thread hop, no wake-up, which is most of
        // a small request's latency. A current-thread runtime (tests) cannot do that.
        if tokio::runtime::Handle::current().runtime_flavor()
            == tokio::runtime::RuntimeFlavor::MultiThread
        {
            return tokio::task::block_in_place(|| work(self));
        }
        let state = self.clone();
        tokio::task::spawn_blocking(move || work(&state))
            .await
            .unwrap_or_else(|e| Err(failed(format!("blocking task failed: {e}"))))
    }
}
