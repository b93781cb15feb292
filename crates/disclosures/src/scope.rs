//! What of a chart a request reaches: every item of the chart as a line of the packet,
//! with its part of the chart, its day, its encounter and the protected classes it
//! carries; then the items in scope (the parts and days asked, the protected classes only
//! when asked) and those withheld (protected and not asked, or under a restriction the
//! patient was granted), each withheld item with its reason.
//!
//! Invariants:
//! - An item is in the packet only when its part of the chart is asked, its day is in the
//!   range asked, every protected class it carries is asked, and no restriction in force
//!   covers it for this kind of requester.
//! - Withholding is never silent: each withheld item is counted with its reason.

use crate::sensitive::{
    class_of_diagnosis, class_of_observation, class_of_service, is_psychotherapy_service,
};
use records::{
    Consent, ConsentKind, EncounterId, ObservationValue, ReleaseCategory, RequesterKind, RoiRequest,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use store::PatientSummary;
use time::Date;

/// One item of a chart as the packet prints it.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Its part of the chart.
    pub category: ReleaseCategory,
    /// The record kind and id (`diagnosis`, 12).
    pub kind: &'static str,
    /// The record id.
    pub id: i64,
    /// The day of care it belongs to.
    pub day: Option<Date>,
    /// The encounter it was recorded in.
    pub encounter_id: Option<i64>,
    /// A one-line heading.
    pub title: String,
    /// The text under it.
    pub lines: Vec<String>,
    /// The protected classes it carries.
    pub classes: BTreeSet<ReleaseCategory>,
}

/// Why an item stays behind.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Withholding {
    /// A protected class the request does not ask for.
    NotAsked(ReleaseCategory),
    /// A restriction in force (the consent's id).
    Restricted(i64),
}

impl Withholding {
    /// In words, for the cover sheet and the audit entry.
    pub fn describe(&self) -> String {
        match self {
            Self::NotAsked(class) => format!("{} not asked for", class.label()),
            Self::Restricted(id) => format!("restriction {id} in force"),
        }
    }
}

/// The items a request reaches and those it leaves behind.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// The items to release, by part of the chart then day.
    pub items: Vec<Item>,
    /// Withheld items: how many for each reason.
    pub withheld: BTreeMap<Withholding, usize>,
    /// The record kinds and ids withheld (for the audit entry).
    pub withheld_records: Vec<(&'static str, i64)>,
    /// Protected classes among the items released, with how many items carry each.
    pub protected: BTreeMap<ReleaseCategory, usize>,
}

impl Scope {
    /// How many items were withheld.
    pub fn n_withheld(&self) -> usize {
        self.withheld.values().sum()
    }
}

fn day_of(at: time::OffsetDateTime) -> Date {
    at.date()
}

/// Every item of `chart`, in chart order, with its protected classes.
pub fn items_of(chart: &PatientSummary) -> Vec<Item> {
    // An encounter carries the classes of its service and of every diagnosis coded on it.
    let mut encounter_classes: HashMap<i64, BTreeSet<ReleaseCategory>> = HashMap::new();
    let mut psychotherapy: BTreeSet<i64> = BTreeSet::new();
    for encounter in &chart.encounters {
        let classes = encounter_classes.entry(encounter.meta.id).or_default();
        if let Some(service) = encounter.record.service.as_deref() {
            classes.extend(class_of_service(service));
            if is_psychotherapy_service(service) {
                psychotherapy.insert(encounter.meta.id);
            }
        }
    }
    for diagnosis in &chart.diagnoses {
        if let Some(class) = class_of_diagnosis(&diagnosis.record.code) {
            encounter_classes
                .entry(diagnosis.record.encounter_id.0)
                .or_default()
                .insert(class);
        }
    }
    for observation in &chart.observations {
        if let (Some(class), Some(encounter)) = (
            class_of_observation(&observation.record.code),
            observation.record.encounter_id,
        ) {
            encounter_classes
                .entry(encounter.0)
                .or_default()
                .insert(class);
        }
    }
    let classes_of = |encounter: Option<EncounterId>| -> BTreeSet<ReleaseCategory> {
        encounter
            .and_then(|e| encounter_classes.get(&e.0))
            .cloned()
            .unwrap_or_default()
    };

    let mut items = Vec::new();
    let patient = &chart.patient.record;
    let address = [
        patient.address.line1.as_deref(),
        patient.address.line2.as_deref(),
        patient.address.city.as_deref(),
        patient.address.state.as_deref(),
        patient.address.postal_code.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    items.push(Item {
        category: ReleaseCategory::Demographics,
        kind: "patient",
        id: chart.patient.meta.id,
        day: None,
        encounter_id: None,
        title: format!("{} (MRN {})", patient.display_name(), patient.mrn),
        lines: vec![
            format!("Born {}, sex {}", patient.birth_date, patient.sex.code()),
            format!("Address: {address}"),
            format!(
                "Phone: {}",
                patient.phone.as_deref().unwrap_or("none on file")
            ),
        ],
        classes: BTreeSet::new(),
    });
    for coverage in &chart.coverages {
        let c = &coverage.record;
        items.push(Item {
            category: ReleaseCategory::Insurance,
            kind: "coverage",
            id: coverage.meta.id,
            day: Some(c.effective_start),
            encounter_id: None,
            title: format!(
                "Coverage {} from {}",
                c.plan_name.as_deref().unwrap_or("(plan)"),
                c.effective_start
            ),
            lines: vec![format!(
                "Member {}, {:?} coverage{}",
                c.member_id,
                c.coverage_order,
                c.effective_end
                    .map(|end| format!(", ended {end}"))
                    .unwrap_or_default()
            )],
            classes: BTreeSet::new(),
        });
    }
    for encounter in &chart.encounters {
        let e = &encounter.record;
        items.push(Item {
            category: ReleaseCategory::Encounters,
            kind: "encounter",
            id: encounter.meta.id,
            day: Some(day_of(e.admit_at)),
            encounter_id: Some(encounter.meta.id),
            title: format!("{} encounter {}", e.class.as_str(), day_of(e.admit_at)),
            lines: [
                e.discharge_at
                    .map(|at| format!("Discharged {}", day_of(at))),
                e.service.as_ref().map(|s| format!("Service: {s}")),
                e.reason.as_ref().map(|r| format!("Reason: {r}")),
            ]
            .into_iter()
            .flatten()
            .collect(),
            classes: classes_of(Some(EncounterId(encounter.meta.id))),
        });
    }
    let encounter_day: HashMap<i64, Date> = chart
        .encounters
        .iter()
        .map(|e| (e.meta.id, day_of(e.record.admit_at)))
        .collect();
    for diagnosis in &chart.diagnoses {
        let d = &diagnosis.record;
        let mut classes = classes_of(Some(d.encounter_id));
        classes.extend(class_of_diagnosis(&d.code));
        items.push(Item {
            category: ReleaseCategory::Diagnoses,
            kind: "diagnosis",
            id: diagnosis.meta.id,
            day: encounter_day.get(&d.encounter_id.0).copied(),
            encounter_id: Some(d.encounter_id.0),
            title: format!("Diagnosis {}", d.code),
            lines: d.description.iter().cloned().collect(),
            classes,
        });
    }
    for procedure in &chart.procedures {
        let p = &procedure.record;
        items.push(Item {
            category: ReleaseCategory::Procedures,
            kind: "procedure",
            id: procedure.meta.id,
            day: Some(day_of(p.performed_at)),
            encounter_id: p.encounter_id.map(|e| e.0),
            title: format!("Procedure {} on {}", p.code, day_of(p.performed_at)),
            lines: p.description.iter().cloned().collect(),
            classes: classes_of(p.encounter_id),
        });
    }
    for immunization in &chart.immunizations {
        let i = &immunization.record;
        items.push(Item {
            category: ReleaseCategory::Immunizations,
            kind: "immunization",
            id: immunization.meta.id,
            day: Some(day_of(i.administered_at)),
            encounter_id: i.encounter_id.map(|e| e.0),
            title: format!(
                "Immunization CVX {} on {}",
                i.cvx,
                day_of(i.administered_at)
            ),
            lines: i.description.iter().cloned().collect(),
            classes: classes_of(i.encounter_id),
        });
    }
    for observation in &chart.observations {
        let o = &observation.record;
        let value = match &o.value {
            ObservationValue::Quantity {
                value_number,
                value_unit,
            } => format!("{value_number} {}", value_unit.as_deref().unwrap_or("")),
            ObservationValue::Coded {
                value_code,
                value_display,
            } => value_display.clone().unwrap_or_else(|| value_code.clone()),
            ObservationValue::Text { value_text } => value_text.clone(),
        };
        let mut classes = classes_of(o.encounter_id);
        classes.extend(class_of_observation(&o.code));
        items.push(Item {
            category: ReleaseCategory::Results,
            kind: "observation",
            id: observation.meta.id,
            day: Some(day_of(o.effective_at)),
            encounter_id: o.encounter_id.map(|e| e.0),
            title: format!(
                "{} (LOINC {}) on {}",
                o.description.as_deref().unwrap_or("Result"),
                o.code,
                day_of(o.effective_at)
            ),
            lines: vec![format!("Value: {}", value.trim())],
            classes,
        });
    }
    for medication in &chart.medications {
        let m = &medication.record;
        items.push(Item {
            category: ReleaseCategory::Medications,
            kind: "medication",
            id: medication.meta.id,
            day: Some(day_of(m.start_at)),
            encounter_id: m.encounter_id.map(|e| e.0),
            title: format!("{} from {}", m.description, day_of(m.start_at)),
            lines: m.dosage.iter().cloned().collect(),
            classes: classes_of(m.encounter_id),
        });
    }
    for allergy in &chart.allergies {
        let a = &allergy.record;
        items.push(Item {
            category: ReleaseCategory::Allergies,
            kind: "allergy",
            id: allergy.meta.id,
            day: a.onset_at.map(day_of),
            encounter_id: None,
            title: format!("Allergy to {}", a.substance),
            lines: a.reaction.iter().cloned().collect(),
            classes: BTreeSet::new(),
        });
    }
    for problem in &chart.problems {
        let p = &problem.record;
        let mut classes = classes_of(p.encounter_id);
        classes.extend(class_of_diagnosis(&p.code));
        items.push(Item {
            category: ReleaseCategory::Problems,
            kind: "problem",
            id: problem.meta.id,
            day: p.onset_at.map(day_of),
            encounter_id: p.encounter_id.map(|e| e.0),
            title: format!("Problem {} ({})", p.description, p.code),
            lines: Vec::new(),
            classes,
        });
    }
    for note in &chart.notes {
        let n = &note.record;
        let mut classes = classes_of(n.encounter_id);
        let category = if n.encounter_id.is_some_and(|e| psychotherapy.contains(&e.0)) {
            classes.insert(ReleaseCategory::PsychotherapyNotes);
            ReleaseCategory::PsychotherapyNotes
        } else {
            ReleaseCategory::Notes
        };
        items.push(Item {
            category,
            kind: "note",
            id: note.meta.id,
            day: Some(day_of(n.authored_at)),
            encounter_id: n.encounter_id.map(|e| e.0),
            title: format!(
                "{} {}{}",
                n.note_type.label(),
                day_of(n.authored_at),
                if n.is_unsigned() { " (unsigned)" } else { "" }
            ),
            lines: n.text.lines().map(str::to_owned).collect(),
            classes,
        });
    }
    for charge in &chart.charges {
        let c = &charge.record;
        items.push(Item {
            category: ReleaseCategory::Billing,
            kind: "charge",
            id: charge.meta.id,
            day: Some(c.service_date),
            encounter_id: c.encounter_id.map(|e| e.0),
            title: format!("Charge {} on {}", c.description, c.service_date),
            lines: vec![format!(
                "{} x {} = ${}.{:02}",
                c.code.as_deref().unwrap_or("-"),
                c.units,
                c.amount_cents / 100,
                c.amount_cents % 100
            )],
            classes: classes_of(c.encounter_id),
        });
    }
    items
}

/// The restriction in force on `today` that keeps `item` from `requester`, if any.
fn restriction_on(
    item: &Item,
    consents: &[(i64, Consent)],
    requester: RequesterKind,
    today: Date,
) -> Option<i64> {
    consents
        .iter()
        .filter(|(_, c)| c.kind == ConsentKind::Restriction && c.in_force(today))
        .filter(|(_, c)| {
            c.recipient
                .as_deref()
                .is_none_or(|kind| RequesterKind::parse(kind) == Some(requester))
        })
        .filter(|(_, c)| {
            c.encounter_id
                .is_none_or(|e| item.encounter_id == Some(e.0))
        })
        .filter(|(_, c)| {
            c.categories.is_empty()
                || c.categories.contains(&item.category)
                || item
                    .classes
                    .iter()
                    .any(|class| c.categories.contains(class))
        })
        .map(|(id, _)| *id)
        .next()
}

/// The items of `items` that `request` reaches on `today`, and those withheld.
pub fn scope(
    items: Vec<Item>,
    request: &RoiRequest,
    consents: &[(i64, Consent)],
    today: Date,
) -> Scope {
    let asked = |category: ReleaseCategory| request.categories.contains(&category);
    let in_range = |day: Option<Date>| match day {
        None => true,
        Some(day) => {
            request.from_date.is_none_or(|from| day >= from)
                && request.to_date.is_none_or(|to| day <= to)
        }
    };
    let mut scope = Scope::default();
    for item in items {
        // Psychotherapy notes are their own part of the chart: asking for notes reaches
        // them only to withhold them, so the cover sheet says they were left out.
        let reached = asked(item.category)
            || (item.category == ReleaseCategory::PsychotherapyNotes
                && asked(ReleaseCategory::Notes));
        if !reached || !in_range(item.day) {
            continue;
        }
        let withholding = if let Some(class) = item.classes.iter().find(|c| !asked(**c)) {
            Some(Withholding::NotAsked(*class))
        } else {
            restriction_on(&item, consents, request.requester_kind, today)
                .map(Withholding::Restricted)
        };
        match withholding {
            Some(reason) => {
                *scope.withheld.entry(reason).or_default() += 1;
                scope.withheld_records.push((item.kind, item.id));
            }
            None => {
                for class in &item.classes {
                    *scope.protected.entry(*class).or_default() += 1;
                }
                scope.items.push(item);
            }
        }
    }
    scope
}
