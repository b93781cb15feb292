//! A server over an in-memory store with a fixed clock, and helpers to call it.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, StatusCode, header};
use http_body_util::BodyExt;
use privacy::{AuditKey, HashCost, Role, RoleSet};
use records::{Address, AdministrativeSex, Mrn, Patient};
use serde_json::Value;
use server::{AppState, ServerConfig, app};
use std::sync::Arc;
use store::{AuditFilter, AuditTrail, FixedClock, Location, NewUser, Store};
use tower::ServiceExt;

pub const PASSWORD: &str = "Correct-Horse-42";

pub struct Harness {
    pub app: Router,
    pub store: Arc<Store>,
    pub clock: Arc<FixedClock>,
    pub trail: Arc<AuditTrail>,
    pub state: AppState,
    _dir: tempfile::TempDir,
    _database: Option<test_support::Database>,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
}

impl Harness {
    pub fn new() -> Self {
        Self::configured(|_| {})
    }

    /// A harness whose server settings `change` adjusts.
    pub fn configured(change: impl FnOnce(&mut ServerConfig)) -> Self {
        let clock = Arc::new(FixedClock::new(test_support::test_epoch()));
        let store = Store::open(&Location::Memory, clock.clone()).unwrap();
        Self::over(store, clock, None, change)
    }

    /// A harness over a test store (`test_support::postgres_store()` for PostgreSQL). The
    /// PostgreSQL client blocks, so call its store helpers outside the async runtime and
    /// only the requests inside it (`Runtime::block_on` per request).
    pub fn on(test_store: test_support::TestStore, change: impl FnOnce(&mut ServerConfig)) -> Self {
        let (store, clock, database) = test_store.into_parts();
        Self::over(store, clock, Some(database), change)
    }

    fn over(
        store: Store,
        clock: Arc<FixedClock>,
        database: Option<test_support::Database>,
        change: impl FnOnce(&mut ServerConfig),
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(store);
        let trail = Arc::new(AuditTrail::with_key(
            AuditKey::from_bytes(&[4; 32]).unwrap(),
            dir.path(),
        ));
        let mut config = ServerConfig {
            hash_cost: HashCost::Test,
            ..ServerConfig::default()
        };
        change(&mut config);
        let state = AppState::new(store.clone(), trail.clone(), config).unwrap();
        Self {
            app: app(state.clone()),
            state,
            store,
            clock,
            trail,
            _dir: dir,
            _database: database,
        }
    }

    pub fn add_user(&self, name: &str, roles: &[Role]) {
        let hash = privacy::hash_password(PASSWORD, &[1; 16], HashCost::Test).unwrap();
        self.store
            .security(|s| {
                s.create_user(
                    &NewUser {
                        username: name.into(),
                        display_name: String::new(),
                        password_hash: hash,
                        roles: RoleSet::of(roles),
                    },
                    "test",
                )
            })
            .unwrap();
    }

    pub fn add_patient(&self, mrn: &str) -> i64 {
        let patient = test_patient(mrn);
        self.store
            .write(|tx| tx.create(&store::Actor::new("test"), &patient))
            .unwrap()
            .meta
            .id
    }

    pub async fn call(
        &self,
        method: &str,
        uri: &str,
        cookie: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        match cookie {
            Some(cookie) => {
                self.send(method, uri, &[(header::COOKIE.as_str(), cookie)], body)
                    .await
            }
            None => self.send(method, uri, &[], body).await,
        }
    }

    /// Calls with an API token.
    pub async fn call_token(
        &self,
        method: &str,
        uri: &str,
        token: &str,
        body: Option<Value>,
    ) -> Reply {
        let bearer = format!("Bearer {token}");
        self.send(method, uri, &[("authorization", &bearer)], body)
            .await
    }

    /// Sends `body` as it is (not necessarily JSON).
    pub async fn send_raw(
        &self,
        method: &str,
        uri: &str,
        headers: &[(&str, &str)],
        body: impl AsRef<[u8]>,
    ) -> Reply {
        let mut request = Request::builder().method(method).uri(uri);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Body::from(body.as_ref().to_vec())).unwrap();
        reply(self.app.clone().oneshot(request).await.unwrap()).await
    }

    pub async fn send(
        &self,
        method: &str,
        uri: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> Reply {
        let mut request = Request::builder().method(method).uri(uri);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let body = match body {
            Some(json) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        reply(
            self.app
                .clone()
                .oneshot(request.body(body).unwrap())
                .await
                .unwrap(),
        )
        .await
    }

    /// Signs in (with the second factor when the user needs it: enrolling an authenticator
    /// on first use) and returns the `name=value` cookie to send back.
    pub async fn login(&self, name: &str) -> String {
        let reply = self.password_login(name).await;
        self.second_factor(
            name,
            &cookie_of(&reply),
            reply.body["mfa"].as_str().unwrap(),
        )
        .await
    }

    /// Passes the second factor of a session whose `mfa` state is given (`passed`,
    /// `enrolment-required` or `code-required`); returns the cookie to send from then on.
    pub async fn second_factor(&self, name: &str, cookie: &str, mfa: &str) -> String {
        let cookie = cookie.to_owned();
        match mfa {
            "passed" => cookie,
            "enrolment-required" => {
                let enrol = self
                    .call("POST", "/api/mfa/enroll", Some(&cookie), None)
                    .await;
                let secret = enrol.body["secret"].as_str().unwrap().to_owned();
                let code = privacy::totp_code(&secret, self.now()).unwrap();
                let confirmed = self
                    .call(
                        "POST",
                        "/api/mfa/confirm",
                        Some(&cookie),
                        Some(serde_json::json!({"secret": secret, "code": code})),
                    )
                    .await;
                assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
                cookie_of(&confirmed)
            }
            _ => {
                // A code is accepted once: move to the next 30-second step first.
                self.clock.advance(time::Duration::seconds(30));
                let verified = self
                    .call(
                        "POST",
                        "/api/mfa/verify",
                        Some(&cookie),
                        Some(serde_json::json!({"code": self.code(name)})),
                    )
                    .await;
                assert_eq!(verified.status, StatusCode::OK, "{}", verified.body);
                cookie_of(&verified)
            }
        }
    }

    /// Posts a form the way a browser does (same-origin, URL-encoded).
    pub async fn form(&self, uri: &str, cookie: Option<&str>, fields: &[(&str, &str)]) -> Reply {
        let body = serde_urlencoded::to_string(fields).unwrap();
        let mut headers = vec![
            ("content-type", "application/x-www-form-urlencoded"),
            ("sec-fetch-site", "same-origin"),
        ];
        if let Some(cookie) = cookie {
            headers.push(("cookie", cookie));
        }
        self.send_raw("POST", uri, &headers, &body).await
    }

    /// A finished encounter on the patient's chart.
    pub fn add_encounter(
        &self,
        patient: i64,
        class: records::EncounterClass,
        admit_at: time::OffsetDateTime,
        discharge_at: Option<time::OffsetDateTime>,
    ) -> i64 {
        let encounter = records::Encounter {
            patient_id: records::PatientId(patient),
            class,
            status: records::EncounterStatus::Finished,
            admit_at,
            discharge_at,
            attending_id: None,
            facility_id: None,
            payer_id: None,
            discharge_disposition: None,
            reason: Some("follow-up".into()),
            service: None,
        };
        self.store
            .write(|tx| tx.create(&store::Actor::new("test"), &encounter))
            .unwrap()
            .meta
            .id
    }

    /// A note on the patient's chart.
    pub fn add_note(&self, patient: i64, text: &str) {
        let note = records::ClinicalNote {
            patient_id: records::PatientId(patient),
            encounter_id: None,
            note_type: records::NoteType::Progress,
            author_id: None,
            authored_at: self.now(),
            text: text.into(),
            signed_at: None,
            signer_id: None,
        };
        self.store
            .write(|tx| tx.create(&store::Actor::new("test"), &note))
            .unwrap();
    }

    /// An office visit of `patient` on 2026-02-10 and the commercial payer it is billed to
    /// ("Example Health Plan", payer id EXHP1): the encounter's and the payer's ids.
    pub fn add_billed_visit(&self, patient: i64) -> (i64, i64) {
        let encounter = self.add_encounter(
            patient,
            records::EncounterClass::Outpatient,
            time::macros::datetime!(2026-02-10 09:00 UTC),
            Some(time::macros::datetime!(2026-02-10 09:30 UTC)),
        );
        let payer = records::Payer {
            name: "Example Health Plan".into(),
            payer_code: Some("EXHP1".into()),
            kind: records::PayerKind::Commercial,
            address: records::Address::default(),
            phone: None,
        };
        let payer = self
            .store
            .write(|tx| tx.create(&store::Actor::new("test"), &payer))
            .unwrap();
        (encounter, payer.meta.id)
    }

    /// A self-pay charge on `patient`'s account; returns its id.
    pub fn add_charge(&self, patient: i64, code: &str, amount_cents: i64) -> i64 {
        let charge = records::Charge {
            patient_id: records::PatientId(patient),
            encounter_id: None,
            procedure_id: None,
            code: Some(code.into()),
            description: "Office visit".into(),
            service_date: self.now().date(),
            amount_cents,
            units: 1,
            payer_id: None,
            due_date: None,
        };
        self.store
            .write(|tx| tx.create(&store::Actor::new("test"), &charge))
            .unwrap()
            .meta
            .id
    }

    /// The password step alone.
    pub async fn password_login(&self, name: &str) -> Reply {
        let reply = self
            .call(
                "POST",
                "/api/login",
                None,
                Some(serde_json::json!({"username": name, "password": PASSWORD})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply
    }

    /// The user's current authenticator code.
    pub fn code(&self, name: &str) -> String {
        let user = self.store.security(|s| s.existing_user(name)).unwrap();
        let secret = self.state.authenticator_secret(&user).unwrap().unwrap();
        privacy::totp_code(&secret, self.now()).unwrap()
    }

    pub fn now(&self) -> time::OffsetDateTime {
        store::Clock::now(&*self.clock)
    }

    pub fn audit(&self) -> Vec<privacy::AuditEntry> {
        self.store.audit_entries(&AuditFilter::default()).unwrap()
    }
}

/// The `name=value` part of the cookie a reply sets.
pub fn cookie_of(reply: &Reply) -> String {
    set_cookie(reply).split(';').next().unwrap().to_owned()
}

pub fn set_cookie(reply: &Reply) -> String {
    reply
        .headers
        .get(header::SET_COOKIE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

async fn reply(response: Response<Body>) -> Reply {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    Reply {
        status,
        headers,
        body,
    }
}

/// Runs `test` over SQLite, then over PostgreSQL when `CHARTROOM_TEST_POSTGRES_URL` is set;
/// the store is written outside the runtime (the PostgreSQL client blocks), requests in it.
pub fn on_both_backends(test: impl Fn(&Harness, &tokio::runtime::Runtime)) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    test(&Harness::new(), &runtime);
    match test_support::postgres_store() {
        Some(postgres) => test(&Harness::on(postgres, |_| {}), &runtime),
        None => eprintln!(
            "{} not set: PostgreSQL half skipped",
            test_support::POSTGRES_URL_VAR
        ),
    }
}

/// The primary professional claim of `add_billed_visit`'s visit, a draft of $150.50.
pub fn office_visit_claim(patient: i64, encounter: i64, payer: i64) -> records::Claim {
    records::Claim::original(
        records::ClaimKind::Professional,
        records::PatientId(patient),
        records::EncounterId(encounter),
        records::PayerId(payer),
        records::CoverageOrder::Primary,
        &format!("E{encounter}"),
        time::macros::date!(2026 - 02 - 10),
        15_050,
    )
}

/// A patient with the MRN `mrn` and otherwise the same details every time.
pub fn test_patient(mrn: &str) -> Patient {
    Patient {
        mrn: Mrn::parse(mrn).unwrap(),
        mrn_authority: "CHARTROOM".into(),
        family_name: "Testpatient".into(),
        given_name: "Tess".into(),
        middle_name: None,
        name_prefix: None,
        name_suffix: None,
        preferred_name: None,
        birth_date: time::macros::date!(1980 - 04 - 12),
        sex: AdministrativeSex::Female,
        address: Address::default(),
        phone: None,
        email: None,
        language: None,
        race: None,
        ethnicity: None,
        deceased_date: None,
        identifiers: Vec::new(),
    }
}
