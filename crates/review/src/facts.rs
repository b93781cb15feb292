//! What review reads of a chart: the fields the rules look at and nothing else (no note
//! text, no audit columns), so a full review of a population reads a fraction of its
//! bytes. The same facts come from a whole chart (one patient, `From<&PatientSummary>`)
//! or from a few columns of many charts at once (`ChartFacts::load_range`).

use records::dates::{iso_date, rfc3339};
use records::{
    AdministrativeSex, ClinicalNote, Coverage, Diagnosis, DiagnosisRank, Encounter, EncounterClass,
    EncounterStatus, NoteType, Patient, PoaIndicator, Procedure, ProcedureCodeSystem,
};
use serde::Deserialize;
use std::collections::HashMap;
use store::{PatientSummary, Stored, Tx, Value};
use time::{Date, OffsetDateTime};

/// The patient, as review sees them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PatientFacts {
    /// Patient id.
    pub id: i64,
    /// When the chart was registered (the clock of demographic gaps).
    #[serde(with = "rfc3339")]
    pub created_at: OffsetDateTime,
    /// Date of birth.
    #[serde(with = "iso_date")]
    pub birth_date: Date,
    /// Administrative sex.
    pub sex: AdministrativeSex,
    /// Street line.
    pub line1: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State.
    pub state: Option<String>,
    /// ZIP.
    pub postal_code: Option<String>,
    /// Soft-deleted (review leaves a deleted chart's deficiencies as they are).
    #[serde(default)]
    pub deleted: bool,
}

impl PatientFacts {
    /// Age in whole years on `on`.
    pub fn age_on(&self, on: Date) -> i32 {
        records::dates::age_on(self.birth_date, on)
    }
}

/// A coverage's dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct CoverageFacts {
    /// Owner.
    pub patient_id: i64,
    /// First day covered.
    #[serde(with = "iso_date")]
    pub effective_start: Date,
    /// Last day covered.
    #[serde(with = "iso_date::option")]
    pub effective_end: Option<Date>,
}

/// An encounter, as review sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct EncounterFacts {
    /// Encounter id.
    pub id: i64,
    /// Owner.
    pub patient_id: i64,
    /// Class.
    pub class: EncounterClass,
    /// Status.
    pub status: EncounterStatus,
    /// Admission or visit start.
    #[serde(with = "rfc3339")]
    pub admit_at: OffsetDateTime,
    /// Discharge or visit end.
    #[serde(with = "rfc3339::option")]
    pub discharge_at: Option<OffsetDateTime>,
    /// Attending physician.
    pub attending_id: Option<i64>,
}

/// A diagnosis, as review sees it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DiagnosisFacts {
    /// Diagnosis id.
    pub id: i64,
    /// Owner.
    pub patient_id: i64,
    /// Its encounter.
    pub encounter_id: i64,
    /// ICD-10-CM code.
    pub code: String,
    /// Principal, first-listed, secondary...
    pub rank: DiagnosisRank,
    /// Its place in the encounter's list (1 first).
    pub sequence: i32,
    /// Present on admission.
    pub poa: Option<PoaIndicator>,
}

/// A procedure, as review sees it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProcedureFacts {
    /// Procedure id.
    pub id: i64,
    /// Owner.
    pub patient_id: i64,
    /// Its encounter.
    pub encounter_id: Option<i64>,
    /// Code system.
    pub code_system: ProcedureCodeSystem,
    /// Code.
    pub code: String,
    /// Its modifiers (HCPCS/CPT).
    #[serde(default)]
    pub modifiers: Vec<String>,
    /// Units.
    #[serde(default)]
    pub units: i32,
    /// When.
    #[serde(with = "rfc3339")]
    pub performed_at: OffsetDateTime,
    /// Who.
    pub performer_id: Option<i64>,
}

/// A note, as review sees it (not its text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct NoteFacts {
    /// Note id.
    pub id: i64,
    /// Owner.
    pub patient_id: i64,
    /// Its encounter.
    pub encounter_id: Option<i64>,
    /// Type.
    pub note_type: NoteType,
    /// Author.
    pub author_id: Option<i64>,
    /// When written.
    #[serde(with = "rfc3339")]
    pub authored_at: OffsetDateTime,
    /// When signed.
    #[serde(with = "rfc3339::option")]
    pub signed_at: Option<OffsetDateTime>,
}

/// One chart's facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartFacts {
    /// The patient.
    pub patient: PatientFacts,
    /// Their coverages.
    pub coverages: Vec<CoverageFacts>,
    /// Their encounters.
    pub encounters: Vec<EncounterFacts>,
    /// Their diagnoses.
    pub diagnoses: Vec<DiagnosisFacts>,
    /// Their procedures.
    pub procedures: Vec<ProcedureFacts>,
    /// Their notes.
    pub notes: Vec<NoteFacts>,
    /// Encounters with at least one charge.
    pub charged_encounters: Vec<i64>,
}

fn patient_facts(stored: &Stored<Patient>) -> PatientFacts {
    let p = &stored.record;
    PatientFacts {
        id: stored.meta.id,
        created_at: stored.meta.created_at,
        birth_date: p.birth_date,
        sex: p.sex,
        line1: p.address.line1.clone(),
        city: p.address.city.clone(),
        state: p.address.state.clone(),
        postal_code: p.address.postal_code.clone(),
        deleted: stored.meta.deleted.is_some(),
    }
}

fn coverage_facts(c: &Stored<Coverage>) -> CoverageFacts {
    CoverageFacts {
        patient_id: c.record.patient_id.0,
        effective_start: c.record.effective_start,
        effective_end: c.record.effective_end,
    }
}

fn encounter_facts(e: &Stored<Encounter>) -> EncounterFacts {
    EncounterFacts {
        id: e.meta.id,
        patient_id: e.record.patient_id.0,
        class: e.record.class,
        status: e.record.status,
        admit_at: e.record.admit_at,
        discharge_at: e.record.discharge_at,
        attending_id: e.record.attending_id.map(|p| p.0),
    }
}

fn diagnosis_facts(d: &Stored<Diagnosis>) -> DiagnosisFacts {
    DiagnosisFacts {
        id: d.meta.id,
        patient_id: d.record.patient_id.0,
        encounter_id: d.record.encounter_id.0,
        code: d.record.code.clone(),
        rank: d.record.rank,
        sequence: d.record.sequence,
        poa: d.record.poa,
    }
}

fn procedure_facts(p: &Stored<Procedure>) -> ProcedureFacts {
    ProcedureFacts {
        id: p.meta.id,
        patient_id: p.record.patient_id.0,
        encounter_id: p.record.encounter_id.map(|e| e.0),
        code_system: p.record.code_system,
        code: p.record.code.clone(),
        modifiers: p.record.modifiers.clone(),
        units: p.record.units,
        performed_at: p.record.performed_at,
        performer_id: p.record.performer_id.map(|x| x.0),
    }
}

fn note_facts(n: &Stored<ClinicalNote>) -> NoteFacts {
    NoteFacts {
        id: n.meta.id,
        patient_id: n.record.patient_id.0,
        encounter_id: n.record.encounter_id.map(|e| e.0),
        note_type: n.record.note_type,
        author_id: n.record.author_id.map(|p| p.0),
        authored_at: n.record.authored_at,
        signed_at: n.record.signed_at,
    }
}

impl From<&PatientSummary> for ChartFacts {
    fn from(chart: &PatientSummary) -> Self {
        let mut charged: Vec<i64> = chart
            .charges
            .iter()
            .filter_map(|c| c.record.encounter_id.map(|e| e.0))
            .collect();
        charged.sort_unstable();
        charged.dedup();
        Self {
            patient: patient_facts(&chart.patient),
            coverages: chart.coverages.iter().map(coverage_facts).collect(),
            encounters: chart.encounters.iter().map(encounter_facts).collect(),
            diagnoses: chart.diagnoses.iter().map(diagnosis_facts).collect(),
            procedures: chart.procedures.iter().map(procedure_facts).collect(),
            notes: chart.notes.iter().map(note_facts).collect(),
            charged_encounters: charged,
        }
    }
}

/// Rows of one table for a range of patients, by patient.
struct ByPatient<F>(HashMap<i64, Vec<F>>);

impl<F: serde::de::DeserializeOwned> ByPatient<F> {
    fn read<R: store::Table>(
        tx: &mut Tx<'_>,
        columns: &[&str],
        which: &Which,
        patient: fn(&F) -> i64,
    ) -> store::Result<Self> {
        let mut grouped: HashMap<i64, Vec<F>> = HashMap::new();
        // In the order of the tables' patient indexes, so no sort: (patient_id) carries
        // the row id, encounters' index (patient_id, admit_at) its admission.
        let order = if R::TABLE == "encounters" {
            "patient_id, admit_at, id"
        } else {
            "patient_id, id"
        };
        for row in tx.project::<R, F>(columns, &which.rows, &which.params, order)? {
            grouped.entry(patient(&row)).or_default().push(row);
        }
        Ok(Self(grouped))
    }

    fn take(&mut self, patient: i64) -> Vec<F> {
        self.0.remove(&patient).unwrap_or_default()
    }
}

/// Which patients to read, as conditions on the patients table and on the others.
struct Which {
    patients: String,
    rows: String,
    params: Vec<Value>,
}

impl ChartFacts {
    /// The charts of the current patients with ids in `from..=to`, in id order: one read
    /// of a few columns per table, not one per table per chart.
    pub fn load_range(tx: &mut Tx<'_>, from: i64, to: i64) -> store::Result<Vec<ChartFacts>> {
        Self::load(
            tx,
            &Which {
                patients: "id BETWEEN ? AND ?".into(),
                rows: "patient_id BETWEEN ? AND ?".into(),
                params: vec![Value::Int(from), Value::Int(to)],
            },
        )
    }

    /// The charts of the current patients among `ids` (ids of deleted or unknown patients
    /// give no chart), in id order, a few hundred at a time.
    pub fn load_ids(tx: &mut Tx<'_>, ids: &[i64]) -> store::Result<Vec<ChartFacts>> {
        let mut charts = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(200) {
            let marks = vec!["?"; chunk.len()].join(", ");
            charts.extend(Self::load(
                tx,
                &Which {
                    patients: format!("id IN ({marks})"),
                    rows: format!("patient_id IN ({marks})"),
                    params: chunk.iter().map(|id| Value::Int(*id)).collect(),
                },
            )?);
        }
        Ok(charts)
    }

    fn load(tx: &mut Tx<'_>, which: &Which) -> store::Result<Vec<ChartFacts>> {
        let patients: Vec<PatientFacts> = tx.project::<Patient, PatientFacts>(
            &[
                "id",
                "created_at",
                "birth_date",
                "sex",
                "line1",
                "city",
                "state",
                "postal_code",
            ],
            &which.patients,
            &which.params,
            "id",
        )?;
        let mut coverages = ByPatient::read::<Coverage>(
            tx,
            &["patient_id", "effective_start", "effective_end"],
            which,
            |c: &CoverageFacts| c.patient_id,
        )?;
        let mut encounters = ByPatient::read::<Encounter>(
            tx,
            &[
                "id",
                "patient_id",
                "class",
                "status",
                "admit_at",
                "discharge_at",
                "attending_id",
            ],
            which,
            |e: &EncounterFacts| e.patient_id,
        )?;
        let mut diagnoses = ByPatient::read::<Diagnosis>(
            tx,
            &[
                "id",
                "patient_id",
                "encounter_id",
                "code",
                "rank",
                "sequence",
                "poa",
            ],
            which,
            |d: &DiagnosisFacts| d.patient_id,
        )?;
        let mut procedures = ByPatient::read::<Procedure>(
            tx,
            &[
                "id",
                "patient_id",
                "encounter_id",
                "code_system",
                "code",
                "performed_at",
                "performer_id",
            ],
            which,
            |p: &ProcedureFacts| p.patient_id,
        )?;
        let mut notes = ByPatient::read::<ClinicalNote>(
            tx,
            &[
                "id",
                "patient_id",
                "encounter_id",
                "note_type",
                "author_id",
                "authored_at",
                "signed_at",
            ],
            which,
            |n: &NoteFacts| n.patient_id,
        )?;
        // A charged encounter is all the charges tell review: one row per encounter.
        let mut charged: HashMap<i64, Vec<i64>> = HashMap::new();
        for row in tx.query(
            &format!(
                "SELECT DISTINCT patient_id, encounter_id FROM charges \
                 WHERE deleted_at IS NULL AND encounter_id IS NOT NULL AND {}",
                which.rows
            ),
            &which.params,
        )? {
            if let Some(encounter) = row.get(1).as_int() {
                charged.entry(row.int(0)).or_default().push(encounter);
            }
        }
        Ok(patients
            .into_iter()
            .map(|patient| {
                let id = patient.id;
                let mut charged = charged.remove(&id).unwrap_or_default();
                charged.sort_unstable();
                ChartFacts {
                    patient,
                    coverages: coverages.take(id),
                    encounters: encounters.take(id),
                    diagnoses: diagnoses.take(id),
                    procedures: procedures.take(id),
                    notes: notes.take(id),
                    charged_encounters: charged,
                }
            })
            .collect())
    }
}
