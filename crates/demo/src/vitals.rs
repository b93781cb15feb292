//! Observations: vital signs around a per-person baseline (children grow along a simple
//! curve) and the lab results that go with the tests billed.

use crate::Counts;
use crate::random::{normal, round1};
use crate::vocab::{self, Loinc};
use rand::rngs::StdRng;
use records::{EncounterId, Observation, ObservationValue, PatientId};
use store::{Actor, Tx};
use time::{Date, OffsetDateTime};

/// A person's physical baseline, drawn once so their vitals are consistent over visits.
pub(crate) struct Body {
    birth: Date,
    adult_height: f64,
    bmi: f64,
    systolic: f64,
    heart_rate: f64,
    a1c: f64,
    cholesterol: f64,
}

impl Body {
    pub fn new(
        rng: &mut StdRng,
        birth: Date,
        female: bool,
        obese: bool,
        hypertensive: bool,
        diabetic: bool,
    ) -> Self {
        let adult_height = if female {
            normal(rng, 162.0, 6.5)
        } else {
            normal(rng, 176.0, 7.0)
        };
        let bmi = if obese {
            normal(rng, 34.0, 3.5).max(30.1)
        } else {
            normal(rng, 25.5, 3.0).clamp(18.0, 29.9)
        };
        Self {
            birth,
            adult_height,
            bmi,
            systolic: if hypertensive {
                normal(rng, 138.0, 8.0)
            } else {
                normal(rng, 117.0, 8.0)
            },
            heart_rate: normal(rng, 72.0, 7.0),
            a1c: if diabetic {
                normal(rng, 7.6, 0.9).max(6.5)
            } else {
                normal(rng, 5.4, 0.3)
            },
            cholesterol: normal(rng, 195.0, 30.0),
        }
    }

    fn age_years(&self, at: OffsetDateTime) -> f64 {
        (at.date() - self.birth).whole_days() as f64 / 365.25
    }

    /// Height on a date: birth length, fast infant growth, then a straight line to adult height.
    fn height(&self, years: f64) -> f64 {
        if years < 1.0 {
            50.0 + 25.0 * years
        } else if years < 2.0 {
            75.0 + 12.0 * (years - 1.0)
        } else if years < 18.0 {
            87.0 + (self.adult_height - 87.0) * (years - 2.0) / 16.0
        } else {
            self.adult_height
        }
    }

    fn weight(&self, years: f64, height: f64) -> f64 {
        if years < 2.0 {
            3.4 + 6.0 * years.min(1.0) + 2.5 * (years - 1.0).max(0.0)
        } else if years < 18.0 {
            // Children's BMI runs lower and climbs towards the adult value through the teens.
            let child_bmi = 16.0 + (self.bmi - 16.0) * ((years - 2.0) / 16.0).powi(2);
            child_bmi * (height / 100.0).powi(2)
        } else {
            self.bmi * (height / 100.0).powi(2)
        }
    }
}

/// Where observations go.
pub(crate) struct Target<'a> {
    pub actor: &'a Actor,
    pub patient_id: PatientId,
    pub encounter_id: EncounterId,
    pub at: OffsetDateTime,
}

fn put(
    tx: &mut Tx<'_>,
    target: &Target<'_>,
    loinc: &Loinc,
    category: &str,
    value: f64,
    counts: &mut Counts,
) -> store::Result<()> {
    tx.create(
        target.actor,
        &Observation {
            patient_id: target.patient_id,
            encounter_id: Some(target.encounter_id),
            code: loinc.code.into(),
            description: Some(loinc.title.into()),
            category: Some(category.into()),
            value: ObservationValue::Quantity {
                value_number: value,
                value_unit: Some(loinc.unit.into()),
            },
            effective_at: target.at,
        },
    )?;
    counts.observations += 1;
    Ok(())
}

/// Vital signs for a visit; `measure_height` for checkups, admissions and children,
/// `acute` adds temperature and oxygen saturation.
pub(crate) fn vitals(
    tx: &mut Tx<'_>,
    rng: &mut StdRng,
    body: &Body,
    target: &Target<'_>,
    measure_height: bool,
    acute: bool,
    counts: &mut Counts,
) -> store::Result<()> {
    let years = body.age_years(target.at);
    let height = normal(rng, body.height(years), 0.6);
    let weight = normal(
        rng,
        body.weight(years, height),
        (body.weight(years, height) * 0.015).max(0.05),
    );
    let measure_height = measure_height || years < 18.0;
    if measure_height {
        put(
            tx,
            target,
            &vocab::HEIGHT,
            "vital-signs",
            round1(height),
            counts,
        )?;
    }
    put(
        tx,
        target,
        &vocab::WEIGHT,
        "vital-signs",
        round1(weight.max(1.5)),
        counts,
    )?;
    if measure_height && years >= 2.0 {
        put(
            tx,
            target,
            &vocab::BMI,
            "vital-signs",
            round1(weight / (height / 100.0).powi(2)),
            counts,
        )?;
    }
    if years >= 3.0 {
        let child = years < 13.0;
        let systolic = if child {
            normal(rng, 102.0, 7.0)
        } else {
            normal(rng, body.systolic, 7.0)
        };
        let diastolic = systolic * 0.62 + normal(rng, 4.0, 4.0);
        put(
            tx,
            target,
            &vocab::SYSTOLIC,
            "vital-signs",
            systolic.round(),
            counts,
        )?;
        put(
            tx,
            target,
            &vocab::DIASTOLIC,
            "vital-signs",
            diastolic.round(),
            counts,
        )?;
    }
    let base_rate = if years < 1.0 {
        130.0
    } else if years < 6.0 {
        105.0
    } else if years < 13.0 {
        88.0
    } else {
        body.heart_rate
    };
    let fever = if acute {
        normal(rng, 0.6, 0.5).max(0.0)
    } else {
        0.0
    };
    put(
        tx,
        target,
        &vocab::HEART_RATE,
        "vital-signs",
        (normal(rng, base_rate, 6.0) + fever * 8.0).round(),
        counts,
    )?;
    if acute {
        put(
            tx,
            target,
            &vocab::TEMPERATURE,
            "vital-signs",
            round1(normal(rng, 36.8, 0.2) + fever),
            counts,
        )?;
        put(
            tx,
            target,
            &vocab::SPO2,
            "vital-signs",
            normal(rng, 97.0, 1.5).clamp(86.0, 100.0).round(),
            counts,
        )?;
    }
    Ok(())
}

/// Hemoglobin A1c (%), drifting around the person's usual control.
pub(crate) fn a1c(
    tx: &mut Tx<'_>,
    rng: &mut StdRng,
    body: &Body,
    target: &Target<'_>,
    counts: &mut Counts,
) -> store::Result<()> {
    put(
        tx,
        target,
        &vocab::A1C,
        "laboratory",
        round1(normal(rng, body.a1c, 0.4).max(4.2)),
        counts,
    )
}

/// Total and HDL cholesterol (mg/dL).
pub(crate) fn lipids(
    tx: &mut Tx<'_>,
    rng: &mut StdRng,
    body: &Body,
    target: &Target<'_>,
    counts: &mut Counts,
) -> store::Result<()> {
    put(
        tx,
        target,
        &vocab::CHOLESTEROL,
        "laboratory",
        normal(rng, body.cholesterol, 12.0).max(100.0).round(),
        counts,
    )?;
    put(
        tx,
        target,
        &vocab::HDL,
        "laboratory",
        normal(rng, 52.0, 10.0).max(25.0).round(),
        counts,
    )
}

/// Creatinine and glucose from a metabolic panel.
pub(crate) fn metabolic(
    tx: &mut Tx<'_>,
    rng: &mut StdRng,
    body: &Body,
    kidney: bool,
    target: &Target<'_>,
    counts: &mut Counts,
) -> store::Result<()> {
    let creatinine = if kidney {
        normal(rng, 1.7, 0.3)
    } else {
        normal(rng, 0.9, 0.15)
    };
    put(
        tx,
        target,
        &vocab::CREATININE,
        "laboratory",
        (creatinine.max(0.3) * 100.0).round() / 100.0,
        counts,
    )?;
    let glucose = if body.a1c >= 6.5 {
        normal(rng, 150.0, 30.0)
    } else {
        normal(rng, 92.0, 10.0)
    };
    put(
        tx,
        target,
        &vocab::GLUCOSE,
        "laboratory",
        glucose.max(55.0).round(),
        counts,
    )
}
