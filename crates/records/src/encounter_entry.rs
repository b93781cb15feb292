//! An encounter as a person types it: the text of a form turned into the record, for
//! opening a visit and for changing or closing one, with every problem at once under the
//! record's field names (so each channel can name the field its own way).
//!
//! Times are typed in the facility's local time; the caller converts them, because this
//! crate knows no time zone (and reads no clock).

use crate::encounter::{Encounter, EncounterClass, EncounterStatus};
use crate::ids::{PatientId, ProviderId};
use crate::validation::{ValidationErrors, Validator};
use time::{OffsetDateTime, PrimitiveDateTime};

/// Turns a wall-clock time typed at the facility into an instant.
pub type FromLocal<'a> = &'a dyn Fn(PrimitiveDateTime) -> OffsetDateTime;

/// Turns an instant into the facility's wall-clock time, to fill a form.
pub type ToLocal<'a> = &'a dyn Fn(OffsetDateTime) -> PrimitiveDateTime;

/// The fields of the encounter form, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EncounterEntry {
    /// `inpatient`, `outpatient`, `emergency` or `telehealth`.
    pub class: String,
    /// Admission (visit start), `YYYY-MM-DDTHH:MM` local time.
    pub admit_at: String,
    /// Discharge (visit end), local time; empty while the visit goes on.
    pub discharge_at: String,
    /// The attending provider's record id; empty for none.
    pub attending_id: String,
    /// The hospital service responsible.
    pub service: String,
    /// UB-04 patient discharge status; only with a discharge time.
    pub discharge_disposition: String,
    /// Reason for visit in words.
    pub reason: String,
}

/// The `datetime-local` text for `at` (minutes, no seconds).
pub fn local_text(at: PrimitiveDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute()
    )
}

pub(crate) fn parse_local(text: &str) -> Option<PrimitiveDateTime> {
    let minutes = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let seconds =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let text = text.trim().replacen(' ', "T", 1);
    PrimitiveDateTime::parse(&text, minutes)
        .or_else(|_| PrimitiveDateTime::parse(&text, seconds))
        .ok()
}

fn optional(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

impl EncounterEntry {
    /// The form filled in from `encounter`.
    pub fn of(encounter: &Encounter, to_local: ToLocal<'_>) -> Self {
        Self {
            class: encounter.class.as_str().to_owned(),
            admit_at: local_text(to_local(encounter.admit_at)),
            discharge_at: encounter
                .discharge_at
                .map(|at| local_text(to_local(at)))
                .unwrap_or_default(),
            attending_id: encounter
                .attending_id
                .map(|id| id.0.to_string())
                .unwrap_or_default(),
            service: encounter.service.clone().unwrap_or_default(),
            discharge_disposition: encounter.discharge_disposition.clone().unwrap_or_default(),
            reason: encounter.reason.clone().unwrap_or_default(),
        }
    }

    /// A new encounter for `patient_id`: in progress, or finished when a discharge time
    /// is given; or every problem with what was typed.
    pub fn opened(
        &self,
        patient_id: PatientId,
        from_local: FromLocal<'_>,
    ) -> Result<Encounter, ValidationErrors> {
        let base = Encounter::check_in(
            patient_id,
            EncounterClass::Outpatient,
            OffsetDateTime::UNIX_EPOCH,
            None,
            None,
        );
        self.written(&base, None, from_local)
    }

    /// `before` as changed by the form: a discharge time typed for a visit in progress
    /// closes it; or every problem with what was typed.
    pub fn applied(
        &self,
        before: &Encounter,
        from_local: FromLocal<'_>,
    ) -> Result<Encounter, ValidationErrors> {
        self.written(before, Some(before), from_local)
    }

    fn written(
        &self,
        base: &Encounter,
        before: Option<&Encounter>,
        from_local: FromLocal<'_>,
    ) -> Result<Encounter, ValidationErrors> {
        let mut v = Validator::default();
        let mut record = base.clone();
        match EncounterClass::ALL
            .into_iter()
            .find(|class| class.as_str() == self.class.trim())
        {
            Some(class) => record.class = class,
            None if self.class.trim().is_empty() => v.error("class", "is required"),
            None => v.error(
                "class",
                format!(
                    "\"{}\" is not inpatient, outpatient, emergency or telehealth",
                    self.class.trim()
                ),
            ),
        }
        let time_of =
            |v: &mut Validator, field: &str, text: &str| -> Option<Option<OffsetDateTime>> {
                if text.trim().is_empty() {
                    return Some(None);
                }
                match parse_local(text) {
                    Some(local) => Some(Some(from_local(local))),
                    None => {
                        v.error(
                            field,
                            format!(
                                "\"{}\" is not a date and time (YYYY-MM-DD HH:MM)",
                                text.trim()
                            ),
                        );
                        None
                    }
                }
            };
        match time_of(&mut v, "admit_at", &self.admit_at) {
            Some(Some(at)) => record.admit_at = at,
            Some(None) => v.error("admit_at", "is required"),
            None => {}
        }
        if let Some(discharge_at) = time_of(&mut v, "discharge_at", &self.discharge_at) {
            record.discharge_at = discharge_at;
        }
        match optional(&self.attending_id) {
            None => record.attending_id = None,
            Some(text) => match text.parse::<i64>() {
                Ok(id) if id > 0 => record.attending_id = Some(ProviderId(id)),
                _ => v.error("attending_id", format!("\"{text}\" is not a provider")),
            },
        }
        record.service = optional(&self.service);
        record.reason = optional(&self.reason);
        record.discharge_disposition = optional(&self.discharge_disposition);
        let status = before.map_or(EncounterStatus::InProgress, |b| b.status);
        match status {
            EncounterStatus::Cancelled | EncounterStatus::EnteredInError => v.error(
                "status",
                "a cancelled or mistaken encounter is kept as it was and cannot be changed",
            ),
            EncounterStatus::Planned | EncounterStatus::InProgress => {
                // Typing the discharge closes the visit, as the close button does.
                if !self.discharge_at.trim().is_empty() {
                    record.status = EncounterStatus::Finished;
                }
            }
            EncounterStatus::Finished => {
                if self.discharge_at.trim().is_empty()
                    && before.is_some_and(|b| b.discharge_at.is_some())
                {
                    v.error("discharge_at", "is required once the visit is closed");
                }
            }
        }
        if record.discharge_disposition.is_some() && self.discharge_at.trim().is_empty() {
            v.error(
                "discharge_disposition",
                "goes with a discharge time; give the discharge time too",
            );
        }
        v.check_unless_refused(&record);
        v.finish()?;
        Ok(record)
    }
}
