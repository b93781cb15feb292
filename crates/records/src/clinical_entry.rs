//! Allergies, medications, problems and observations as a person types them: the text of a
//! form turned into the record, with every problem at once under the record's field names,
//! and the checks a typed entry gets beyond the record's own (a LOINC check digit, a unit
//! for every measured value, nothing dated in the future).
//!
//! Whether an ICD-10-CM code exists on a date is the code-set engine's question and
//! whether an encounter is the patient's is the store's; the caller asks them.

use crate::clinical::{
    Allergy, Medication, MedicationStatus, Observation, ObservationValue, Problem,
};
use crate::encounter_entry::FromLocal;
use crate::ids::{EncounterId, PatientId};
use crate::validation::{FieldError, Validate, ValidationErrors, Validator};
use serde::de::DeserializeOwned;
use time::{OffsetDateTime, PrimitiveDateTime, Time};

/// A form's text and what is needed to read it: the facility's local time and now.
pub struct ClinicalEntry<'a> {
    /// The text posted for a field (empty when absent).
    pub text: &'a dyn Fn(&str) -> String,
    /// Turns a typed wall-clock time into an instant.
    pub from_local: FromLocal<'a>,
    /// Now, so that nothing is recorded as happening later.
    pub now: OffsetDateTime,
}

struct Reader<'e, 'a> {
    entry: &'e ClinicalEntry<'a>,
    v: Validator,
}

/// Whether `code` is a LOINC code whose last digit is its mod-10 check digit (LOINC
/// Users' Guide, "Calculating Mod 10 Check Digits"), so a mistyped digit is caught.
pub fn loinc_check_digit_ok(code: &str) -> bool {
    let Some((number, check)) = code.split_once('-') else {
        return false;
    };
    if number.is_empty()
        || number.len() > 7
        || !number.bytes().all(|b| b.is_ascii_digit())
        || check.len() != 1
    {
        return false;
    }
    let sum: u32 = number
        .bytes()
        .rev()
        .enumerate()
        .map(|(idx, b)| {
            let digit = u32::from(b - b'0');
            if idx % 2 == 0 {
                let doubled = digit * 2;
                doubled / 10 + doubled % 10
            } else {
                digit
            }
        })
        .sum();
    let expected = (10 - sum % 10) % 10;
    check
        .bytes()
        .next()
        .map(|b| u32::from(b.wrapping_sub(b'0')))
        == Some(expected)
}

impl Reader<'_, '_> {
    fn raw(&self, field: &str) -> String {
        (self.entry.text)(field).trim().to_owned()
    }

    fn optional(&self, field: &str) -> Option<String> {
        Some(self.raw(field)).filter(|t| !t.is_empty())
    }

    fn required(&mut self, field: &str) -> String {
        let text = self.raw(field);
        if text.is_empty() {
            self.v.error(field, "is required");
        }
        text
    }

    /// One of an enumeration's snake_case names; `words` lists them for the message.
    fn choice<T: DeserializeOwned>(&mut self, field: &str, words: &str) -> Option<T> {
        let text = self.raw(field);
        if text.is_empty() {
            return None;
        }
        match serde_json::from_value(serde_json::Value::String(text.clone())) {
            Ok(value) => Some(value),
            Err(_) => {
                self.v
                    .error(field, format!("\"{text}\" is not one of {words}"));
                None
            }
        }
    }

    fn required_choice<T: DeserializeOwned>(&mut self, field: &str, words: &str) -> Option<T> {
        if self.raw(field).is_empty() {
            self.v.error(field, "is required");
            return None;
        }
        self.choice(field, words)
    }

    /// A date (`YYYY-MM-DD`, the day's start) or a date and time, in local time, not later
    /// than now.
    fn when(&mut self, field: &str) -> Option<OffsetDateTime> {
        let text = self.raw(field);
        if text.is_empty() {
            return None;
        }
        let day = time::macros::format_description!("[year]-[month]-[day]");
        let local = time::Date::parse(&text, day)
            .map(|date| PrimitiveDateTime::new(date, Time::MIDNIGHT))
            .ok()
            .or_else(|| crate::encounter_entry::parse_local(&text));
        let Some(local) = local else {
            self.v.error(
                field,
                format!("\"{text}\" is not a date (YYYY-MM-DD) or date and time"),
            );
            return None;
        };
        let at = (self.entry.from_local)(local);
        if at > self.entry.now {
            self.v.error(field, format!("{text} is in the future"));
        }
        Some(at)
    }

    fn required_when(&mut self, field: &str) -> Option<OffsetDateTime> {
        if self.raw(field).is_empty() {
            self.v.error(field, "is required");
            return None;
        }
        self.when(field)
    }

    fn encounter(&mut self) -> Option<EncounterId> {
        let text = self.raw("encounter_id");
        if text.is_empty() {
            return None;
        }
        match text.parse::<i64>() {
            Ok(id) if id > 0 => Some(EncounterId(id)),
            _ => {
                self.v
                    .error("encounter_id", format!("\"{text}\" is not an encounter"));
                None
            }
        }
    }

    fn digits(&mut self, field: &str, code: &str, what: &str, max: usize) {
        if !code.is_empty() && (code.len() > max || !code.bytes().all(|b| b.is_ascii_digit())) {
            self.v.error(
                field,
                format!("\"{code}\" is not {what} (up to {max} digits)"),
            );
        }
    }

    /// The record once its own rules pass too, except on fields already refused as typed.
    fn finish<R: Validate>(self, record: Option<R>) -> Result<R, ValidationErrors> {
        let mut v = self.v;
        if let Some(record) = &record {
            v.check_unless_refused(record);
        }
        v.finish()?;
        record.ok_or_else(|| {
            ValidationErrors(vec![FieldError {
                path: "form".into(),
                message: "is incomplete".into(),
            }])
        })
    }
}

const STATUSES: &str = "active, inactive, resolved";

impl<'a> ClinicalEntry<'a> {
    fn reader(&self) -> Reader<'_, 'a> {
        Reader {
            entry: self,
            v: Validator::default(),
        }
    }

    /// An allergy: substance, category and status required; code (SNOMED CT or RxNorm)
    /// optional.
    pub fn allergy(&self, patient_id: PatientId) -> Result<Allergy, ValidationErrors> {
        let mut r = self.reader();
        let substance = r.required("substance");
        let code = r.optional("code");
        if let Some(code) = &code {
            r.digits("code", code, "a SNOMED CT or RxNorm code", 18);
        }
        let category = r.required_choice("category", "food, medication, environment, biologic");
        let criticality = r.choice("criticality", "low, high, unable_to_assess");
        let status = r.required_choice("status", STATUSES);
        let onset_at = r.when("onset_at");
        let reaction = r.optional("reaction");
        let record = match (category, status) {
            (Some(category), Some(status)) => Some(Allergy {
                patient_id,
                code,
                substance,
                category,
                criticality,
                reaction,
                status,
                onset_at,
            }),
            _ => None,
        };
        r.finish(record)
    }

    /// A medication: RxNorm code, description, status and start required.
    pub fn medication(&self, patient_id: PatientId) -> Result<Medication, ValidationErrors> {
        let mut r = self.reader();
        let code = r.required("code");
        r.digits("code", &code, "an RxNorm code", 8);
        let description = r.required("description");
        let status: Option<MedicationStatus> =
            r.required_choice("status", "active, completed, stopped");
        let start_at = r.required_when("start_at");
        let end_at = r.when("end_at");
        if end_at.is_some() && status == Some(MedicationStatus::Active) {
            r.v.error(
                "end_at",
                "an active medication has no end; choose completed or stopped",
            );
        }
        let encounter_id = r.encounter();
        let dosage = r.optional("dosage");
        let record = match (status, start_at) {
            (Some(status), Some(start_at)) => Some(Medication {
                patient_id,
                encounter_id,
                code,
                description,
                status,
                start_at,
                end_at,
                dosage,
                prescriber_id: None,
            }),
            _ => None,
        };
        r.finish(record)
    }

    /// A problem-list entry: code system, code, description and status required; a
    /// SNOMED CT code is checked for its shape here, an ICD-10-CM code by the caller.
    pub fn problem(&self, patient_id: PatientId) -> Result<Problem, ValidationErrors> {
        let mut r = self.reader();
        let code_system = r.required("code_system");
        let code = r.required("code");
        if code_system == "snomed" {
            r.digits("code", &code, "a SNOMED CT concept id", 18);
        }
        let code = if code_system == "icd10cm" && !code.is_empty() {
            match crate::normalize_icd10cm(&code) {
                Ok(normal) => normal,
                Err(message) => {
                    r.v.error("code", message);
                    code
                }
            }
        } else {
            code
        };
        let description = r.required("description");
        let status = r.required_choice("status", STATUSES);
        let onset_at = r.when("onset_at");
        let resolved_at = r.when("resolved_at");
        let encounter_id = r.encounter();
        let record = status.map(|status| Problem {
            patient_id,
            encounter_id,
            code_system,
            code,
            description,
            status,
            onset_at,
            resolved_at,
        });
        r.finish(record)
    }

    /// An observation: LOINC code (check digit verified), when, and either a number with
    /// its UCUM unit or a text result.
    pub fn observation(&self, patient_id: PatientId) -> Result<Observation, ValidationErrors> {
        let mut r = self.reader();
        let code = r.required("code");
        if !code.is_empty() && !loinc_check_digit_ok(&code) {
            r.v.error(
                "code",
                format!("\"{code}\" is not a LOINC code (12345-6, the last digit its check digit)"),
            );
        }
        let description = r.optional("description");
        let category = r.optional("category");
        let effective_at = r.required_when("effective_at");
        let encounter_id = r.encounter();
        let number = r.optional("value_number");
        let unit = r.optional("value_unit");
        let text = r.optional("value_text");
        let value = match (number, text) {
            (Some(_), Some(_)) => {
                r.v.error("value_text", "give a number or a text result, not both");
                None
            }
            (None, None) => {
                r.v.error(
                    "value_number",
                    "give a number with its unit, or a text result",
                );
                None
            }
            (None, Some(value_text)) => Some(ObservationValue::Text { value_text }),
            (Some(number), None) => {
                let parsed = number.parse::<f64>().ok().filter(|n| n.is_finite());
                if parsed.is_none() {
                    r.v.error("value_number", format!("\"{number}\" is not a number"));
                }
                match &unit {
                    None => r.v.error(
                        "value_unit",
                        "a measured value needs its unit (UCUM: kg, cm, mm[Hg], mg/dL, %, 1 for none)",
                    ),
                    Some(unit)
                        if unit.len() > 20
                            || !unit.bytes().all(|b| b.is_ascii_graphic()) =>
                    {
                        r.v.error(
                            "value_unit",
                            format!("\"{unit}\" is not a UCUM unit (no spaces, at most 20 characters)"),
                        );
                    }
                    Some(_) => {}
                }
                parsed.map(|value_number| ObservationValue::Quantity {
                    value_number,
                    value_unit: unit.clone(),
                })
            }
        };
        let record = match (value, effective_at) {
            (Some(value), Some(effective_at)) => Some(Observation {
                patient_id,
                encounter_id,
                code,
                description,
                category,
                value,
                effective_at,
            }),
            _ => None,
        };
        r.finish(record)
    }
}
