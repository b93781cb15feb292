//! Insurance coverage as the front desk types it from the card, and ending one: every
//! problem at once under the record's field names, and the rule that a patient holds one
//! coverage of each order (primary, secondary, tertiary) at a time, so the payer billed
//! first is never in doubt (the coordination of benefits a claim's SBR01 states).

use crate::ids::{PatientId, PayerId};
use crate::patient::{Coverage, CoverageOrder, Relationship};
use crate::validation::{Validate, ValidationErrors, Validator};
use serde::de::DeserializeOwned;
use time::Date;

/// The coverage form's fields, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoverageEntry {
    /// The payer's record id.
    pub payer_id: String,
    /// Plan name.
    pub plan_name: String,
    /// Member id on the card.
    pub member_id: String,
    /// Group number.
    pub group_number: String,
    /// The subscriber's name when not the patient.
    pub subscriber_name: String,
    /// `self_subscriber`, `spouse`, `child` or `other`.
    pub relationship: String,
    /// `primary`, `secondary` or `tertiary`.
    pub coverage_order: String,
    /// First day covered, `YYYY-MM-DD`.
    pub effective_start: String,
    /// Last day covered, empty while it lasts.
    pub effective_end: String,
}

fn date_of(v: &mut Validator, field: &str, text: &str) -> Option<Date> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    match Date::parse(text, format) {
        Ok(date) => Some(date),
        Err(_) => {
            v.error(field, format!("\"{text}\" is not a date (YYYY-MM-DD)"));
            None
        }
    }
}

fn choice<T: DeserializeOwned>(
    v: &mut Validator,
    field: &str,
    text: &str,
    words: &str,
) -> Option<T> {
    let text = text.trim();
    if text.is_empty() {
        v.error(field, "is required");
        return None;
    }
    let found = serde_json::from_value(serde_json::Value::String(text.to_owned())).ok();
    if found.is_none() {
        v.error(field, format!("\"{text}\" is not one of {words}"));
    }
    found
}

fn optional(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

fn overlaps(a: &Coverage, b: &Coverage) -> bool {
    let a_end = a.effective_end.unwrap_or(Date::MAX);
    let b_end = b.effective_end.unwrap_or(Date::MAX);
    a.effective_start <= b_end && b.effective_start <= a_end
}

fn order_words(order: CoverageOrder) -> &'static str {
    match order {
        CoverageOrder::Primary => "primary",
        CoverageOrder::Secondary => "secondary",
        CoverageOrder::Tertiary => "tertiary",
    }
}

/// The problem when `coverage` would be a second coverage of its order in force on some
/// day with one of `others` (the patient's other coverages), naming that one's dates.
pub fn order_conflict(coverage: &Coverage, others: &[Coverage]) -> Option<String> {
    others
        .iter()
        .find(|other| other.coverage_order == coverage.coverage_order && overlaps(coverage, other))
        .map(|other| {
            let until = other
                .effective_end
                .map_or("with no end".to_owned(), |end| format!("until {end}"));
            format!(
                "the patient already has a {} coverage from {} {until}; end it first or choose another order",
                order_words(coverage.coverage_order),
                other.effective_start
            )
        })
}

impl CoverageEntry {
    /// A new coverage for `patient_id`, or every problem with what was typed.
    pub fn coverage(&self, patient_id: PatientId) -> Result<Coverage, ValidationErrors> {
        let mut v = Validator::default();
        let payer_id = match self.payer_id.trim() {
            "" => {
                v.error("payer_id", "is required");
                None
            }
            text => match text.parse::<i64>() {
                Ok(id) if id > 0 => Some(PayerId(id)),
                _ => {
                    v.error("payer_id", format!("\"{text}\" is not a payer"));
                    None
                }
            },
        };
        let relationship: Option<Relationship> = choice(
            &mut v,
            "relationship",
            &self.relationship,
            "self_subscriber, spouse, child, other",
        );
        let coverage_order: Option<CoverageOrder> = choice(
            &mut v,
            "coverage_order",
            &self.coverage_order,
            "primary, secondary, tertiary",
        );
        let effective_start = date_of(&mut v, "effective_start", &self.effective_start);
        if self.effective_start.trim().is_empty() {
            v.error("effective_start", "is required");
        }
        let effective_end = date_of(&mut v, "effective_end", &self.effective_end);
        let subscriber_name = optional(&self.subscriber_name);
        if relationship == Some(Relationship::SelfSubscriber) && subscriber_name.is_some() {
            v.error(
                "subscriber_name",
                "is left empty when the patient is the subscriber",
            );
        }
        let (Some(payer_id), Some(relationship), Some(coverage_order), Some(effective_start)) =
            (payer_id, relationship, coverage_order, effective_start)
        else {
            // Still report what the record's own rules find in the text that did parse.
            v.required("member_id", &self.member_id);
            v.finish()?;
            return Err(ValidationErrors::default());
        };
        let coverage = Coverage {
            patient_id,
            payer_id,
            plan_name: optional(&self.plan_name),
            member_id: self.member_id.trim().to_owned(),
            group_number: optional(&self.group_number),
            subscriber_name,
            relationship,
            coverage_order,
            effective_start,
            effective_end,
        };
        v.check_unless_refused(&coverage);
        v.finish()?;
        Ok(coverage)
    }
}

impl Coverage {
    /// The coverage ended on `last_day` (its last covered day), or why it cannot be: it
    /// has ended already, or the day is before it began.
    pub fn ended(&self, last_day: Date) -> Result<Self, ValidationErrors> {
        let mut v = Validator::default();
        if let Some(end) = self.effective_end {
            v.error(
                "effective_end",
                format!("the coverage already ended on {end}"),
            );
        }
        let ended = Self {
            effective_end: Some(last_day),
            ..self.clone()
        };
        ended.check(&mut v);
        v.finish()?;
        Ok(ended)
    }
}
