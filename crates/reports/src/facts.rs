//! Store rows to engine facts: one paged SQL read per event kind, shared by the full load
//! and the incremental refresh.

use query::facts::{
    ArItemFact, DiagnosisFact, EncounterClass, EncounterFact, FinancialClass, ImmunizationFact,
    ImmunizationStatus, NoteFact, ObservationFact, PatientFacts, ProcedureFact, Sex,
};
use store::{Row, Tx, Value};
use time::Date;

/// Rows read per query, so a million-row table never sits in memory twice.
pub const PAGE: i64 = 50_000;

/// One kind of fact: its table, the SQL selecting its rows after an id (and changed since a
/// time), and how a row becomes a fact.
pub enum Fact {
    Patient(PatientFacts),
    Immunization(ImmunizationFact),
    Diagnosis(DiagnosisFact),
    Procedure(ProcedureFact),
    Observation(ObservationFact),
    Encounter(EncounterFact),
    ArItem(ArItemFact),
    Note(NoteFact),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Patient,
    Immunization,
    Diagnosis,
    Procedure,
    Observation,
    Encounter,
    ArItem,
    Note,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Patient,
        Kind::Immunization,
        Kind::Diagnosis,
        Kind::Procedure,
        Kind::Observation,
        Kind::Encounter,
        Kind::ArItem,
        Kind::Note,
    ];

    /// The table a kind's rows live in.
    fn table(self) -> &'static str {
        match self {
            Kind::Patient => "patients",
            Kind::Immunization => "immunizations",
            Kind::Diagnosis => "diagnoses",
            Kind::Procedure => "procedures",
            Kind::Observation => "observations",
            Kind::Encounter => "encounters",
            Kind::ArItem => "charges",
            Kind::Note => "notes",
        }
    }

    fn select(self) -> &'static str {
        match self {
            Kind::Patient => {
                "SELECT t.id, t.deleted_at, t.birth_date, t.sex, t.postal_code, t.deceased_date FROM patients t"
            }
            Kind::Immunization => {
                "SELECT t.id, t.deleted_at, t.patient_id, t.cvx, t.administered_at, t.status FROM immunizations t"
            }
            // A diagnosis is dated by its encounter's admission.
            Kind::Diagnosis => {
                "SELECT t.id, t.deleted_at, t.patient_id, t.code, e.admit_at FROM diagnoses t JOIN encounters e ON e.id = t.encounter_id"
            }
            Kind::Procedure => {
                "SELECT t.id, t.deleted_at, t.patient_id, t.code, t.performed_at, t.performer_id FROM procedures t"
            }
            Kind::Observation => {
                "SELECT t.id, t.deleted_at, t.patient_id, t.code, t.value_number, t.effective_at FROM observations t"
            }
            Kind::Encounter => {
                "SELECT t.id, t.deleted_at, t.patient_id, t.class, t.admit_at, t.attending_id, t.facility_id, t.payer_id, t.service, t.discharge_at FROM encounters t"
            }
            // Paid is what payments and adjustments took off the item, less refunds; the
            // payer's kind is the balance's financial class.
            Kind::ArItem => {
                "SELECT t.id, t.deleted_at, t.patient_id, t.amount_cents, \
                (SELECT CAST(COALESCE(SUM(CASE WHEN p.kind = 'refund' THEN -p.amount_cents ELSE p.amount_cents END), 0) AS BIGINT) \
                 FROM postings p WHERE p.charge_id = t.id AND p.deleted_at IS NULL), \
                COALESCE(t.due_date, t.service_date), t.payer_id, \
                (SELECT py.kind FROM payers py WHERE py.id = t.payer_id) FROM charges t"
            }
            // A note's few columns, never its text (the covering index of schema 38
            // holds them), with its encounter's admission for the days between.
            Kind::Note => {
                "SELECT t.id, t.deleted_at, t.patient_id, t.note_type, t.authored_at, t.author_id, \
                t.signed_at, t.encounter_id, e.admit_at FROM notes t LEFT JOIN encounters e ON e.id = t.encounter_id"
            }
        }
    }

    /// Rows with id above `after`, optionally only those changed at or after `since`.
    pub fn page(
        self,
        tx: &mut Tx<'_>,
        after: i64,
        since: Option<time::OffsetDateTime>,
    ) -> store::Result<Vec<Row>> {
        let mut sql = format!("{} WHERE t.id > ?", self.select());
        let mut params = vec![Value::Int(after)];
        // Changed rows are found through the `updated_at` indexes (schema 43) and read by id,
        // so a refresh costs what changed, not the size of the table.
        match since {
            // A payment changes an item's paid amount without touching the charge row.
            Some(since) if self == Kind::ArItem => {
                sql.push_str(" AND t.id IN (SELECT id FROM charges WHERE updated_at >= ? UNION SELECT charge_id FROM postings WHERE updated_at >= ?)");
                params.extend([Value::Timestamp(since), Value::Timestamp(since)]);
            }
            // A note's days after its encounter move when the encounter's admission does.
            Some(since) if self == Kind::Note => {
                sql.push_str(" AND t.id IN (SELECT id FROM notes WHERE updated_at >= ? UNION SELECT n.id FROM notes n JOIN encounters c ON c.id = n.encounter_id WHERE c.updated_at >= ?)");
                params.extend([Value::Timestamp(since), Value::Timestamp(since)]);
            }
            Some(since) => {
                sql.push_str(&format!(
                    " AND t.id IN (SELECT id FROM {} WHERE updated_at >= ?)",
                    self.table()
                ));
                params.push(Value::Timestamp(since));
            }
            // A full load needs only current rows.
            None => sql.push_str(" AND t.deleted_at IS NULL"),
        }
        sql.push_str(&format!(" ORDER BY t.id LIMIT {PAGE}"));
        tx.query(&sql, &params)
    }
}

fn date_of(value: &Value) -> Option<Date> {
    value.as_date().or_else(|| {
        value
            .as_instant()
            .map(|at| at.to_offset(time::UtcOffset::UTC).date())
    })
}

fn key(value: &Value) -> i64 {
    value.as_int().unwrap_or(0)
}

/// Whether the row is soft-deleted (the refresh removes such facts).
pub fn is_deleted(row: &Row) -> bool {
    !matches!(row.get(1), Value::Null)
}

/// The fact a row stands for; `None` when the row has nothing the engine can use (a
/// non-numeric observation, a CVX code that is not a number).
pub fn fact(kind: Kind, row: &Row) -> Option<Fact> {
    let id = row.int(0);
    let patient_key = key(row.get(2));
    Some(match kind {
        Kind::Patient => Fact::Patient(PatientFacts {
            patient_key: id,
            birth_date: date_of(row.get(2))?,
            sex: row.text(3).and_then(Sex::from_text).unwrap_or(Sex::Unknown),
            zip: row.text(4).unwrap_or_default().to_owned(),
            deceased: date_of(row.get(5)),
        }),
        Kind::Immunization => Fact::Immunization(ImmunizationFact {
            event_key: id,
            patient_key,
            cvx: row.text(3)?.parse().ok()?,
            date: date_of(row.get(4))?,
            status: match row.text(5)? {
                "completed" => ImmunizationStatus::Completed,
                "entered_in_error" => ImmunizationStatus::EnteredInError,
                _ => ImmunizationStatus::NotDone,
            },
        }),
        Kind::Diagnosis => Fact::Diagnosis(DiagnosisFact {
            event_key: id,
            patient_key,
            code: row.text(3)?.to_owned(),
            date: date_of(row.get(4))?,
        }),
        Kind::Procedure => Fact::Procedure(ProcedureFact {
            event_key: id,
            patient_key,
            code: row.text(3)?.to_owned(),
            date: date_of(row.get(4))?,
            provider_key: key(row.get(5)),
        }),
        Kind::Observation => Fact::Observation(ObservationFact {
            event_key: id,
            patient_key,
            code: row.text(3)?.to_owned(),
            value: match row.get(4) {
                Value::Real(x) => *x,
                Value::Int(n) => *n as f64,
                _ => return None,
            },
            date: date_of(row.get(5))?,
        }),
        Kind::Encounter => Fact::Encounter(EncounterFact {
            event_key: id,
            patient_key,
            class: match row.text(3)? {
                "inpatient" => EncounterClass::Inpatient,
                "emergency" => EncounterClass::Emergency,
                "telehealth" => EncounterClass::Virtual,
                _ => EncounterClass::Ambulatory,
            },
            date: date_of(row.get(4))?,
            provider_key: key(row.get(5)),
            facility_key: key(row.get(6)),
            payer_key: key(row.get(7)),
            service: row.text(8).unwrap_or_default().to_owned(),
            discharge: date_of(row.get(9)),
        }),
        Kind::ArItem => Fact::ArItem(ArItemFact {
            item_key: id,
            patient_key,
            amount_cents: row.int(3),
            paid_cents: row.int(4),
            due_date: date_of(row.get(5))?,
            payer_key: key(row.get(6)),
            // A charge billed to no payer is the patient's own.
            financial_class: row
                .text(7)
                .and_then(FinancialClass::from_text)
                .unwrap_or(FinancialClass::SelfPay),
        }),
        Kind::Note => {
            let date = date_of(row.get(4))?;
            let encounter_key = row.get(7).as_int();
            Fact::Note(NoteFact {
                event_key: id,
                patient_key,
                note_type: row.text(3)?.to_owned(),
                signed: !matches!(row.get(6), Value::Null),
                author_key: key(row.get(5)),
                date,
                encounter_key,
                days_after_encounter: encounter_key
                    .and(date_of(row.get(8)))
                    .map(|admit| i32::try_from((date - admit).whole_days()).unwrap_or(i32::MAX)),
            })
        }
    })
}
