//! FHIR REST throughput on the embedded SQLite store, driven in-process through the axum
//! router (no socket), one client: creates, transaction Bundles of 100, and searches over
//! 10,000 patients. Prints figures; not a timed test.
//!
//! `cargo bench -p server --bench fhir_rest`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // A bench fails by panicking.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use privacy::{HashCost, Role, RoleSet};
use serde_json::{Value, json};
use server::{AppState, ServerConfig, app};
use std::sync::Arc;
use std::time::Instant;
use store::{AuditTrail, Location, NewUser, Store, SystemClock};
use tower::ServiceExt;

const FAMILIES: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
];
const GIVEN: &[&str] = &[
    "Ann", "Bo", "Cy", "Di", "Ed", "Flo", "Gus", "Hal", "Ida", "Jo",
];

fn patient(n: usize) -> Value {
    let family = FAMILIES[n % FAMILIES.len()];
    let given = GIVEN[(n / FAMILIES.len()) % GIVEN.len()];
    let year = 1930 + (n * 7919) % 90;
    let month = 1 + (n * 31) % 12;
    let day = 1 + (n * 17) % 28;
    json!({
        "resourceType": "Patient",
        "identifier": [
            {"system": "urn:chartroom:mrn:MAIN", "value": format!("B{n:07}")},
            {"system": "http://hl7.org/fhir/sid/us-ssn", "value": format!("999-{:02}-{:04}", n / 10_000, n % 10_000)},
        ],
        "name": [{"use": "official", "family": family, "given": [given]}],
        "gender": if n.is_multiple_of(2) { "female" } else { "male" },
        "birthDate": format!("{year}-{month:02}-{day:02}"),
    })
}

struct Client {
    app: axum::Router,
    cookie: String,
}

impl Client {
    async fn send(&self, method: &str, uri: &str, body: Option<&Value>) -> (StatusCode, Value) {
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .header("cookie", &self.cookie);
        let body = match body {
            Some(json) => {
                request = request.header("content-type", "application/fhir+json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        let response = self
            .app
            .clone()
            .oneshot(request.body(body).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }
}

fn rate(label: &str, n: usize, started: Instant) {
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{label:<48} {n:>6} in {seconds:>7.2} s = {:>8.0} /s",
        n as f64 / seconds
    );
}

async fn searches(client: &Client, label: &str, n: usize, query: impl Fn(usize) -> String) {
    let started = Instant::now();
    for i in 0..n {
        let (status, body) = client.send("GET", &query(i), None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    rate(label, n, started);
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        Store::open(
            &Location::DataDir(dir.path().to_owned()),
            Arc::new(SystemClock),
        )
        .unwrap(),
    );
    let trail = Arc::new(AuditTrail::open_or_create(dir.path()).unwrap());
    let config = ServerConfig {
        hash_cost: HashCost::Test,
        ..ServerConfig::default()
    };
    let hash = privacy::hash_password("Bench-Password-42", &[1; 16], HashCost::Test).unwrap();
    store
        .security(|s| {
            s.create_user(
                &NewUser {
                    username: "bench".into(),
                    display_name: String::new(),
                    password_hash: hash,
                    roles: RoleSet::of(&[Role::HimTechnician]),
                },
                "bench",
            )
        })
        .unwrap();
    let app = app(AppState::new(store.clone(), trail, config).unwrap());
    let login = Request::builder()
        .method("POST")
        .uri("/api/login")
        .header("content-type", "application/json")
        .body(Body::from(
            json!({"username": "bench", "password": "Bench-Password-42"}).to_string(),
        ))
        .unwrap();
    let response = app.clone().oneshot(login).await.unwrap();
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let client = Client { app, cookie };

    println!(
        "FHIR REST on embedded SQLite ({}), one client, in-process",
        dir.path().display()
    );
    let n_single = 6_000;
    let started = Instant::now();
    for n in 0..n_single {
        let (status, body) = client
            .send("POST", "/fhir/Patient", Some(&patient(n)))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    rate("create Patient, 1 client", n_single, started);

    let n_bundles = 40;
    let started = Instant::now();
    for b in 0..n_bundles {
        let entries: Vec<Value> = (0..100)
            .map(|i| {
                let n = n_single + b * 100 + i;
                json!({"fullUrl": format!("urn:uuid:p{n}"), "resource": patient(n), "request": {"method": "POST", "url": "Patient"}})
            })
            .collect();
        let bundle = json!({"resourceType": "Bundle", "type": "transaction", "entry": entries});
        let (status, body) = client.send("POST", "/fhir", Some(&bundle)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    rate(
        "resources in transaction Bundles of 100",
        n_bundles * 100,
        started,
    );
    let total = n_single + n_bundles * 100;
    println!("patients stored: {total}");

    let n = 2_000;
    searches(&client, "search identifier=MRN", n, |i| {
        format!(
            "/fhir/Patient?identifier=urn:chartroom:mrn:MAIN|B{:07}",
            (i * 7) % total
        )
    })
    .await;
    searches(&client, "search identifier=VALUE (no system)", n, |i| {
        format!("/fhir/Patient?identifier=B{:07}", (i * 7) % total)
    })
    .await;
    searches(&client, "search identifier=SSN-system|value", n, |i| {
        let k = (i * 7) % total;
        format!(
            "/fhir/Patient?identifier=http://hl7.org/fhir/sid/us-ssn|999-{:02}-{:04}",
            k / 10_000,
            k % 10_000
        )
    })
    .await;
    searches(&client, "search family=<3-letter prefix>", n, |i| {
        format!(
            "/fhir/Patient?family={}",
            &FAMILIES[i % FAMILIES.len()][..3]
        )
    })
    .await;
    searches(
        &client,
        "search birthdate=ge..&birthdate=lt..&gender=",
        n,
        |i| {
            let year = 1930 + i % 85;
            format!(
                "/fhir/Patient?birthdate=ge{year}-01-01&birthdate=lt{}-01-01&gender={}",
                year + 2,
                if i.is_multiple_of(2) {
                    "female"
                } else {
                    "male"
                }
            )
        },
    )
    .await;
    searches(&client, "search family=<name>&_total=accurate", n, |i| {
        format!(
            "/fhir/Patient?family={}&_total=accurate",
            FAMILIES[i % FAMILIES.len()]
        )
    })
    .await;
}
