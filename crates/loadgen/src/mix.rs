//! What a records department asks of the server, in the proportions the reliability issue
//! names: 70% chart reads and searches, 20% writes, 10% population queries and audit reports.

use hyper::Method;
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::json;

/// The patients already on file that reads, searches and new observations point at.
pub struct Population {
    pub ids: Vec<String>,
    pub family_names: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Operation {
    FhirPatientRead,
    ChartRead,
    PatientSearch,
    EncounterSearch,
    PatientCreate,
    ObservationCreate,
    PopulationQuery,
    AuditReport,
}

impl Operation {
    pub const ALL: [Operation; 8] = [
        Operation::FhirPatientRead,
        Operation::ChartRead,
        Operation::PatientSearch,
        Operation::EncounterSearch,
        Operation::PatientCreate,
        Operation::ObservationCreate,
        Operation::PopulationQuery,
        Operation::AuditReport,
    ];

    /// Share of the mix in percent; the eight add up to 100.
    pub fn weight(self) -> u32 {
        match self {
            Operation::FhirPatientRead => 20,
            Operation::ChartRead => 20,
            Operation::PatientSearch => 15,
            Operation::EncounterSearch => 15,
            Operation::PatientCreate => 10,
            Operation::ObservationCreate => 10,
            Operation::PopulationQuery => 5,
            Operation::AuditReport => 5,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Operation::FhirPatientRead => "FHIR Patient read",
            Operation::ChartRead => "whole chart read (API)",
            Operation::PatientSearch => "patient search by name",
            Operation::EncounterSearch => "FHIR Encounter search",
            Operation::PatientCreate => "FHIR Patient create",
            Operation::ObservationCreate => "FHIR Observation create",
            Operation::PopulationQuery => "population query",
            Operation::AuditReport => "audit report for a patient",
        }
    }

    pub fn is_write(self) -> bool {
        matches!(
            self,
            Operation::PatientCreate | Operation::ObservationCreate
        )
    }

    pub fn index(self) -> usize {
        Operation::ALL
            .iter()
            .position(|op| *op == self)
            .unwrap_or(0)
    }

    pub fn pick(rng: &mut StdRng) -> Operation {
        let mut roll = rng.random_range(0..100u32);
        for op in Operation::ALL {
            if roll < op.weight() {
                return op;
            }
            roll -= op.weight();
        }
        Operation::FhirPatientRead
    }
}

/// Population questions a department asks often; any demo population answers them.
const QUERIES: [&str; 4] = [
    "count patients where diagnosis(code in E08-E13)",
    "count patients group by sex",
    "count encounters group by class",
    "count patients where immunization(cvx in flu, status = completed)",
];

pub struct Call {
    pub method: Method,
    pub path: String,
    pub body: Option<(&'static str, String)>,
}

const FHIR_JSON: &str = "application/fhir+json";
const JSON: &str = "application/json";

impl Population {
    fn patient<'a>(&'a self, rng: &mut StdRng) -> &'a str {
        &self.ids[rng.random_range(0..self.ids.len())]
    }

    /// The request for one operation; `serial` keeps created patients distinct across clients.
    pub fn call(&self, op: Operation, rng: &mut StdRng, serial: u64) -> Call {
        let get = |path: String| Call {
            method: Method::GET,
            path,
            body: None,
        };
        let post = |path: &str, content_type, body: serde_json::Value| Call {
            method: Method::POST,
            path: path.to_owned(),
            body: Some((content_type, body.to_string())),
        };
        match op {
            Operation::FhirPatientRead => get(format!("/fhir/Patient/{}", self.patient(rng))),
            Operation::ChartRead => get(format!("/api/patients/{}", self.patient(rng))),
            Operation::PatientSearch => {
                let family = &self.family_names[rng.random_range(0..self.family_names.len())];
                // The front desk types the first letters of the family name.
                let typed: String = family.chars().take(4).collect();
                post(
                    "/api/patients/search",
                    JSON,
                    json!({ "text": typed, "limit": 20 }),
                )
            }
            Operation::EncounterSearch => get(format!(
                "/fhir/Encounter?patient=Patient/{}",
                self.patient(rng)
            )),
            Operation::PatientCreate => post(
                "/fhir/Patient",
                FHIR_JSON,
                json!({
                    "resourceType": "Patient",
                    "name": [{ "family": "Loadtest", "given": [format!("Client{serial}")] }],
                    "gender": if serial.is_multiple_of(2) { "female" } else { "male" },
                    "birthDate": format!("19{:02}-0{}-1{}", 30 + serial % 70, 1 + serial % 9, serial % 10),
                    "address": [{ "line": [format!("{serial} Load Street")], "city": "Springfield", "postalCode": "62701" }],
                }),
            ),
            Operation::ObservationCreate => post(
                "/fhir/Observation",
                FHIR_JSON,
                json!({
                    "resourceType": "Observation",
                    "status": "final",
                    "code": { "coding": [{ "system": "http://loinc.org", "code": "8867-4" }] },
                    "subject": { "reference": format!("Patient/{}", self.patient(rng)) },
                    "effectiveDateTime": "2026-01-02T10:00:00Z",
                    "valueQuantity": { "value": 60 + serial % 40, "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min" },
                }),
            ),
            Operation::PopulationQuery => post(
                "/api/query",
                JSON,
                json!({ "text": QUERIES[rng.random_range(0..QUERIES.len())] }),
            ),
            Operation::AuditReport => {
                let id: i64 = self.patient(rng).parse().unwrap_or(1);
                post(
                    "/api/audit/search",
                    JSON,
                    json!({ "patient_id": id, "limit": 100 }),
                )
            }
        }
    }
}
