//! Outbreaks planted in a demo population, so surveillance has something to find
//! (`chartroom demo --outbreaks`):
//!
//! - a local gastrointestinal cluster: emergency visits for norovirus gastroenteropathy
//!   (A08.11, "vomiting and diarrhea") by patients of the ZIP3 with the most demo patients,
//!   on the five days ending three days before the as-of day (`GI_CLUSTER` visits a day,
//!   rising then falling);
//! - a seasonal influenza wave: emergency and outpatient visits for influenza (J11.1,
//!   "fever and cough") across every place over eight weeks, peaking five weeks before the
//!   as-of day, its height scaled to the population.
//!
//! Visits go to existing patients in turn (a seed picks where the turn starts), each a
//! finished encounter at the demo hospital with its emergency physician and one coded
//! diagnosis, so detection, the chart and claims see ordinary visits.

use crate::reference::{self, Role};
use records::{
    Diagnosis, DiagnosisRank, Encounter, EncounterClass, EncounterId, EncounterStatus, PatientId,
};
use store::{Actor, Store, Value};
use time::{Date, Duration, Time};

/// The GI cluster's visits on each of its days, first to last.
pub const GI_CLUSTER: [u32; 5] = [6, 11, 15, 10, 6];

/// Days before the as-of day of the GI cluster's last day.
const GI_LAST_DAYS_BEFORE: i64 = 3;

/// Days before the as-of day of the influenza wave's peak.
const FLU_PEAK_DAYS_BEFORE: i64 = 35;

/// The wave's spread (days, one standard deviation) and half-length.
const FLU_SD_DAYS: f64 = 9.0;
const FLU_HALF_DAYS: i64 = 28;

/// What was planted, so a test or a trainer knows where to look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planted {
    /// The ZIP3 of the GI cluster.
    pub gi_zip3: String,
    /// The GI cluster's days with their visits.
    pub gi_days: Vec<(Date, u32)>,
    /// The influenza wave's peak day.
    pub flu_peak: Date,
    /// The wave's days with their visits (days with none left out).
    pub flu_days: Vec<(Date, u32)>,
    /// Encounters written in all.
    pub encounters: u64,
}

/// The influenza wave's visits on each day, for a population of `patients`.
fn flu_wave(as_of: Date, patients: usize) -> Vec<(Date, u32)> {
    let peak_day = as_of - Duration::days(FLU_PEAK_DAYS_BEFORE);
    let height = (patients as f64 / 60.0).clamp(8.0, 400.0);
    (-FLU_HALF_DAYS..=FLU_HALF_DAYS)
        .filter_map(|offset| {
            let z = offset as f64 / FLU_SD_DAYS;
            let n = (height * (-0.5 * z * z).exp()).round() as u32;
            (n > 0).then(|| (peak_day + Duration::days(offset), n))
        })
        .collect()
}

/// Plants the GI cluster and the influenza wave among the patients already in `store`,
/// in one transaction. Nothing is planted (and `None` returned) in a store without
/// patients with a US ZIP.
pub fn plant(store: &Store, as_of: Date, seed: u64) -> store::Result<Option<Planted>> {
    let actor = Actor::new(crate::ACTOR);
    store.write(|tx| {
        let reference = reference::ensure_all(tx, &actor)?;
        let doctors = reference.with_role(Role::Emergency);
        let rows = tx.query(
            "SELECT id, postal_code FROM patients \
             WHERE deleted_at IS NULL AND deceased_date IS NULL AND birth_date < ? ORDER BY id",
            // Born before the wave's first day (a visit before birth is refused).
            &[Value::Date(as_of - Duration::days(FLU_PEAK_DAYS_BEFORE + FLU_HALF_DAYS + 1))],
        )?;
        let patients: Vec<(i64, String)> = rows
            .iter()
            .filter_map(|row| {
                let zip = row.text(1)?.trim();
                (zip.len() >= 5 && zip.bytes().take(3).all(|b| b.is_ascii_digit()))
                    .then(|| (row.int(0), zip.get(..3).unwrap_or_default().to_owned()))
            })
            .collect();
        if patients.is_empty() {
            return Ok(None);
        }
        // The ZIP3 with the most patients (the first such in order on a tie).
        let mut by_zip3: std::collections::BTreeMap<&str, usize> = Default::default();
        for (_, zip3) in &patients {
            *by_zip3.entry(zip3.as_str()).or_default() += 1;
        }
        let most = by_zip3.values().copied().max().unwrap_or_default();
        let gi_zip3 = by_zip3
            .iter()
            .find(|(_, n)| **n == most)
            .map(|(z, _)| (*z).to_owned())
            .unwrap_or_default();
        let local: Vec<i64> = patients
            .iter()
            .filter(|(_, z)| *z == gi_zip3)
            .map(|(id, _)| *id)
            .collect();
        let everyone: Vec<i64> = patients.iter().map(|(id, _)| *id).collect();
        let start = usize::try_from(seed % everyone.len() as u64).unwrap_or_default();
        let mut written = 0_u64;
        let mut visit = |tx: &mut store::Tx<'_>,
                         patient: i64,
                         day: Date,
                         k: u32,
                         class: EncounterClass,
                         code: &str,
                         title: &str,
                         reason: &str|
         -> store::Result<()> {
            let at = day.with_time(Time::MIDNIGHT).assume_utc()
                + Duration::hours(8)
                + Duration::minutes(i64::from(k % 12) * 67);
            let attending = doctors
                .get(usize::try_from(k).unwrap_or_default() % doctors.len().max(1))
                .copied();
            let encounter = tx.create(
                &actor,
                &Encounter {
                    patient_id: PatientId(patient),
                    class,
                    status: EncounterStatus::Finished,
                    admit_at: at,
                    discharge_at: Some(at + Duration::hours(3)),
                    attending_id: attending,
                    facility_id: Some(reference.hospital),
                    payer_id: None,
                    discharge_disposition: (class == EncounterClass::Emergency)
                        .then(|| "01".to_owned()),
                    reason: Some(reason.to_owned()),
                    service: Some(
                        if class == EncounterClass::Emergency {
                            "Emergency"
                        } else {
                            "Medicine"
                        }
                        .into(),
                    ),
                },
            )?;
            tx.create(
                &actor,
                &Diagnosis {
                    patient_id: PatientId(patient),
                    encounter_id: EncounterId(encounter.meta.id),
                    code: code.to_owned(),
                    rank: DiagnosisRank::FirstListed,
                    sequence: 1,
                    poa: None,
                    description: Some(title.to_owned()),
                    onset_at: None,
                },
            )?;
            written += 1;
            Ok(())
        };
        let last = as_of - Duration::days(GI_LAST_DAYS_BEFORE);
        let first = last - Duration::days(GI_CLUSTER.len() as i64 - 1);
        let gi_days: Vec<(Date, u32)> = GI_CLUSTER
            .iter()
            .enumerate()
            .map(|(i, n)| (first + Duration::days(i as i64), *n))
            .collect();
        let mut turn = start;
        for (day, n) in &gi_days {
            for k in 0..*n {
                let patient = local[turn % local.len()];
                turn += 1;
                visit(
                    tx,
                    patient,
                    *day,
                    k,
                    EncounterClass::Emergency,
                    "A08.11",
                    "Acute gastroenteropathy due to Norwalk agent",
                    "vomiting and diarrhea",
                )?;
            }
        }
        let flu_days = flu_wave(as_of, everyone.len());
        let mut turn = start;
        for (day, n) in &flu_days {
            for k in 0..*n {
                let patient = everyone[turn % everyone.len()];
                turn += 1;
                let class = if k % 3 == 0 {
                    EncounterClass::Outpatient
                } else {
                    EncounterClass::Emergency
                };
                visit(
                    tx,
                    patient,
                    *day,
                    k,
                    class,
                    "J11.1",
                    "Influenza due to unidentified influenza virus with other respiratory manifestations",
                    "fever and cough",
                )?;
            }
        }
        Ok(Some(Planted {
            gi_zip3,
            gi_days,
            flu_peak: as_of - Duration::days(FLU_PEAK_DAYS_BEFORE),
            flu_days,
            encounters: written,
        }))
    })
}
