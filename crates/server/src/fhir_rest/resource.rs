//! One stored record as a FHIR resource: its JSON, version, update time and patient, and
//! the reference resolver that lets incoming resources point at stored records.
//!
//! Invariant: resource JSON is always produced by the `fhir` crate's mapping (`ToFhir`,
//! `stored_claim` and `explanation_of_benefit` for stored claims), so the REST API and
//! the NDJSON export agree.

use super::kinds::{Kind, resource_type, with_record};
use super::outcome::FhirError;
use fhir::ToFhir;
use std::collections::HashMap;
use store::{Stored, Table, Tx};
use time::OffsetDateTime;

/// A record kind the FHIR API can show.
pub(crate) trait Serve: Table {
    /// The resource's JSON text, as `kind` shows the record.
    fn resource(tx: &mut Tx<'_>, kind: Kind, stored: &Stored<Self>) -> Result<String, FhirError>;
    /// The patient whose chart holds it.
    fn patient_id(stored: &Stored<Self>) -> Option<i64>;
    /// Whether `kind` has a resource for this record at all (a claim no 835 decided has
    /// no ExplanationOfBenefit): otherwise a read answers 404.
    fn shown_as(_kind: Kind, _stored: &Stored<Self>) -> bool {
        true
    }
}

macro_rules! serve_via_to_fhir {
    ($($record:ty => |$s:ident| $patient:expr),* $(,)?) => {$(
        impl Serve for $record {
            fn resource(_tx: &mut Tx<'_>, _kind: Kind, stored: &Stored<Self>) -> Result<String, FhirError> {
                serde_json::to_string(&<$record as ToFhir>::to_fhir(stored))
                    .map_err(FhirError::internal)
            }
            fn patient_id($s: &Stored<Self>) -> Option<i64> {
                $patient
            }
        }
    )*};
}

serve_via_to_fhir! {
    records::Provider => |_s| None,
    records::Organization => |_s| None,
    records::Payer => |_s| None,
    records::Coverage => |s| Some(s.record.patient_id.0),
    records::Encounter => |s| Some(s.record.patient_id.0),
    records::Diagnosis => |s| Some(s.record.patient_id.0),
    records::Problem => |s| Some(s.record.patient_id.0),
    records::Procedure => |s| Some(s.record.patient_id.0),
    records::Immunization => |s| Some(s.record.patient_id.0),
    records::Observation => |s| Some(s.record.patient_id.0),
    records::Medication => |s| Some(s.record.patient_id.0),
    records::Allergy => |s| Some(s.record.patient_id.0),
    records::ClinicalNote => |s| Some(s.record.patient_id.0),
    records::ScannedDocument => |s| s.record.patient_id.map(|p| p.0),
    records::PatientGroup => |_s| None,
    records::Charge => |s| Some(s.record.patient_id.0),
    records::Deficiency => |s| Some(s.record.patient_id.0),
    records::PhysicianQuery => |s| Some(s.record.patient_id.0),
    records::FollowUpTask => |s| Some(s.record.patient_id.0),
}

/// A Patient shows the merges it took part in as `Patient.link`: the chart a merge retired
/// is `active: false` and `replaced-by` the surviving one, which `replaces` it.
impl Serve for records::Patient {
    fn resource(tx: &mut Tx<'_>, _kind: Kind, stored: &Stored<Self>) -> Result<String, FhirError> {
        let mut patient = <records::Patient as ToFhir>::to_fhir(stored);
        let link = |id: i64, type_: &str| fhir::PatientLink {
            other: fhir::Reference::to("Patient", &id.to_string()),
            type_: type_.to_owned(),
        };
        if stored.meta.deleted.is_some()
            && let Some(survivor) = tx.surviving_patient(stored.meta.id)?
        {
            patient.active = Some(false);
            patient.link.push(link(survivor, "replaced-by"));
        }
        for retired in tx.patients_merged_into(stored.meta.id)? {
            patient.link.push(link(retired, "replaces"));
        }
        serde_json::to_string(&patient).map_err(FhirError::internal)
    }
    fn patient_id(stored: &Stored<Self>) -> Option<i64> {
        Some(stored.meta.id)
    }
}

/// A stored claim is a `Claim`, and an `ExplanationOfBenefit` once an 835 decided it.
impl Serve for records::Claim {
    fn resource(tx: &mut Tx<'_>, kind: Kind, stored: &Stored<Self>) -> Result<String, FhirError> {
        let json = if kind == Kind::Benefit {
            match fhir::explanation_of_benefit(tx, stored)? {
                Some(benefit) => serde_json::to_string(&benefit),
                None => return Err(FhirError::internal("an undecided claim has no benefit")),
            }
        } else {
            serde_json::to_string(&fhir::stored_claim(tx, stored)?)
        };
        json.map_err(FhirError::internal)
    }

    fn patient_id(stored: &Stored<Self>) -> Option<i64> {
        Some(stored.record.patient_id.0)
    }

    fn shown_as(kind: Kind, stored: &Stored<Self>) -> bool {
        kind != Kind::Benefit || stored.record.adjudicated_on.is_some()
    }
}

/// A record found for a FHIR interaction.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub kind: Kind,
    pub id: i64,
    pub version: i64,
    pub updated: OffsetDateTime,
    pub deleted: bool,
    pub patient: Option<i64>,
    /// The resource JSON (empty for a deleted record).
    pub json: String,
}

impl Found {
    pub(crate) fn of<R: Serve>(
        tx: &mut Tx<'_>,
        kind: Kind,
        stored: &Stored<R>,
    ) -> Result<Self, FhirError> {
        // A chart retired by a merge is still shown, inactive and linked to the chart it
        // was merged into, rather than gone.
        let deleted = stored.meta.deleted.is_some()
            && !(kind == Kind::Patient && tx.surviving_patient(stored.meta.id)?.is_some());
        Ok(Self {
            kind,
            id: stored.meta.id,
            version: stored.meta.version,
            updated: stored.meta.updated_at,
            deleted,
            patient: R::patient_id(stored),
            json: if deleted {
                String::new()
            } else {
                let json = R::resource(tx, kind, stored)?;
                // Only a record on a patient's chart can be the subject of an amendment.
                if kind.on_chart() && !kind.is_review_work() {
                    with_amendments(tx, kind, stored.meta.id, json)?
                } else {
                    json
                }
            },
        })
    }

    /// `Patient/12`.
    pub(crate) fn reference(&self) -> String {
        format!(
            "{}/{}",
            super::kinds::type_of(self.kind).name,
            self.kind.fhir_id(self.id)
        )
    }
}

/// The extension that carries a decided amendment request on the resource it is about.
pub(crate) const AMENDMENT_EXTENSION: &str = "urn:chartroom:amendment";

/// `json` with one `urn:chartroom:amendment` extension per decided amendment request about
/// the record (accepted: the record was amended; denied: the record is disputed), so
/// every reader of the record over FHIR sees them with it (45 CFR 164.526(c)(1), (d)(4)).
fn with_amendments(
    tx: &mut Tx<'_>,
    kind: Kind,
    id: i64,
    json: String,
) -> Result<String, FhirError> {
    let rows = tx.query(
        "SELECT id, status, description, decision_reason, decided_at, decided_by FROM amendment_requests WHERE linked_kind = ? AND linked_id = ? AND status <> 'pending' ORDER BY id",
        &[store::Value::from(kind.store_kind()), store::Value::Int(id)],
    )?;
    if rows.is_empty() {
        return Ok(json);
    }
    let mut resource: serde_json::Value =
        serde_json::from_str(&json).map_err(FhirError::internal)?;
    let extensions: Vec<serde_json::Value> = rows
        .iter()
        .map(|row| {
            let text = |idx: usize| row.text(idx).unwrap_or_default().to_owned();
            let decided = row
                .get(4)
                .as_instant()
                .and_then(|at| {
                    at.format(&time::format_description::well_known::Rfc3339)
                        .ok()
                })
                .unwrap_or_default();
            serde_json::json!({
                "url": AMENDMENT_EXTENSION,
                "extension": [
                    {"url": "request", "valueString": row.int(0).to_string()},
                    {"url": "status", "valueCode": text(1)},
                    {"url": "asked", "valueString": text(2)},
                    {"url": "reason", "valueString": text(3)},
                    {"url": "decided", "valueDateTime": decided},
                    {"url": "decidedBy", "valueString": text(5)},
                ],
            })
        })
        .collect();
    if let Some(object) = resource.as_object_mut() {
        match object
            .entry("extension")
            .or_insert_with(|| serde_json::Value::Array(Vec::new()))
        {
            serde_json::Value::Array(list) => list.extend(extensions),
            _ => return Err(FhirError::internal("a resource's extension is not a list")),
        }
    }
    serde_json::to_string(&resource).map_err(FhirError::internal)
}

/// The record `kind` `id`, deleted or not.
pub(crate) fn find(tx: &mut Tx<'_>, kind: Kind, id: i64) -> Result<Option<Found>, FhirError> {
    with_record!(kind, R => match tx.find::<R>(id)? {
        Some(stored) if R::shown_as(kind, &stored) => Found::of(tx, kind, &stored).map(Some),
        _ => Ok(None),
    })
}

/// Resolves references in incoming resources: first to entries of the same Bundle (by
/// full URL), then to stored records named `Type/id` (relative, or absolute under a
/// `/fhir/` base). Deleted records do not resolve.
pub(crate) struct Resolver<'a, 'b> {
    pub tx: &'a mut Tx<'b>,
    pub local: &'a HashMap<String, (Kind, i64)>,
    pub mrn: MrnSource,
}

/// Where the MRN of a Patient sent without a usable one comes from.
#[derive(Debug, Clone)]
pub(crate) enum MrnSource {
    /// A new facility MRN (the default for creates; `serve --patients-without-mrn assign`).
    Assign,
    /// None: the patient is refused (`serve --patients-without-mrn refuse`).
    Refuse,
    /// The MRN on file, for an update that leaves it out.
    OnFile(records::Mrn, String),
}

impl MrnSource {
    /// For a create, as the site is configured.
    pub(crate) fn for_create(assign: bool) -> Self {
        if assign { Self::Assign } else { Self::Refuse }
    }

    /// For an update of record `kind` `id`: a patient keeps its MRN when the update
    /// leaves it out.
    pub(crate) fn for_update(tx: &mut Tx<'_>, kind: Kind, id: i64) -> Self {
        if kind != Kind::Patient {
            return Self::Refuse;
        }
        match tx.find::<records::Patient>(id) {
            Ok(Some(stored)) => Self::OnFile(stored.record.mrn, stored.record.mrn_authority),
            _ => Self::Refuse,
        }
    }
}

fn type_for_store_kind(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "patient" => "Patient",
        "provider" => "Practitioner",
        "organization" | "payer" => "Organization",
        "encounter" => "Encounter",
        _ => return None,
    })
}

impl fhir::ReferenceResolver for Resolver<'_, '_> {
    fn resolve(&mut self, kind: &'static str, reference: &str) -> Option<i64> {
        if let Some((found, id)) = self.local.get(reference) {
            return (found.store_kind() == kind).then_some(*id);
        }
        let relative = reference
            .rsplit_once("/fhir/")
            .map_or(reference, |(_, rest)| rest);
        let mut parts = relative.split('/');
        let (type_name, id) = (parts.next()?, parts.next()?);
        if type_for_store_kind(kind)? != type_name {
            return None;
        }
        let (found, id) = resource_type(type_name)?.parse_id(id)?;
        if found.store_kind() != kind {
            return None;
        }
        let live = with_record!(found, R => matches!(
            self.tx.find::<R>(id),
            Ok(Some(stored)) if stored.meta.deleted.is_none()
        ));
        live.then_some(id)
    }

    fn mrn_for_unidentified(&mut self) -> Option<(records::Mrn, String)> {
        match &self.mrn {
            MrnSource::Assign => Some((
                self.tx.assign_mrn().ok()?,
                records::FACILITY_MRN_AUTHORITY.to_owned(),
            )),
            MrnSource::Refuse => None,
            MrnSource::OnFile(mrn, authority) => Some((mrn.clone(), authority.clone())),
        }
    }
}
