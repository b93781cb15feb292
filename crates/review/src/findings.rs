//! What the rules find in one chart: pure over the chart as read, no store and no clock,
//! so every rule is tested on charts built in memory.

use crate::facts::{ChartFacts, DiagnosisFacts, EncounterFacts, NoteFacts, ProcedureFacts};
use crate::rules::{Anchor, Check, Rule, RuleSet};
use codes::CodeSets;
use codes::PoaExempt;
use records::{
    DiagnosisRank, EncounterClass, EncounterStatus, NoteType, PoaIndicator, ProcedureCodeSystem,
    Responsible, Severity,
};
use time::OffsetDateTime;

/// One deficiency the rules see in a chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule.
    pub rule_id: String,
    /// The encounter, if the finding concerns one.
    pub encounter_id: Option<i64>,
    /// What it is about (`note:12`, `encounter:3`, `diagnosis:7`, `patient`).
    pub subject: String,
    /// The rule's message with the particulars.
    pub message: String,
    /// From the rule.
    pub severity: Severity,
    /// From the rule.
    pub responsible: Responsible,
    /// The physician who must act, when the rule's responsible is the attending.
    pub provider_id: Option<i64>,
    /// When the clock started.
    pub since: OffsetDateTime,
    /// When it becomes delinquent.
    pub due_at: OffsetDateTime,
}

/// What the checks need besides the chart.
pub struct Context<'a> {
    /// The code sets, for coding edits (`None`: coding edits are not checked).
    pub codes: Option<&'a CodeSets>,
    /// CMS's POA-exempt codes.
    pub poa_exempt: &'a PoaExempt,
}

/// Every finding of every enabled rule in `chart`.
pub fn analyse(chart: &ChartFacts, rules: &RuleSet, cx: &Context<'_>) -> Vec<Finding> {
    let mut found = Vec::new();
    for rule in rules.enabled() {
        Checker {
            chart,
            rule,
            cx,
            found: &mut found,
        }
        .run();
    }
    found
}

struct Checker<'c, 'a> {
    chart: &'c ChartFacts,
    rule: &'c Rule,
    cx: &'c Context<'a>,
    found: &'c mut Vec<Finding>,
}

/// Surgical CPT codes (Surgery section, 10004-69990), as five digits.
fn surgical_cpt(code: &str) -> bool {
    code.len() == 5
        && code
            .parse::<u32>()
            .is_ok_and(|n| (10_004..=69_990).contains(&n))
}

/// An ICD-10-PCS Medical and Surgical procedure (section 0) by an open or endoscopic
/// approach (5th character 0, 4, 8 or F): the procedures an operative report documents.
fn surgical_pcs(code: &str) -> bool {
    let code: Vec<char> = code.chars().filter(|c| *c != '.').collect();
    code.len() == 7
        && code.first() == Some(&'0')
        && code
            .get(4)
            .is_some_and(|a| matches!(a, '0' | '4' | '8' | 'F'))
}

fn is_operative(procedure: &ProcedureFacts) -> bool {
    match procedure.code_system {
        ProcedureCodeSystem::Icd10Pcs => surgical_pcs(&procedure.code),
        ProcedureCodeSystem::Cpt => surgical_cpt(&procedure.code),
        ProcedureCodeSystem::Hcpcs | ProcedureCodeSystem::Snomed => false,
    }
}

fn day(at: OffsetDateTime) -> String {
    at.date().to_string()
}

impl Checker<'_, '_> {
    fn applies(&self, encounter: &EncounterFacts) -> bool {
        self.rule.classes.contains(&encounter.class)
            && !matches!(
                encounter.status,
                EncounterStatus::Cancelled | EncounterStatus::EnteredInError
            )
    }

    /// When the rule's clock starts for an encounter: its admission, or its discharge
    /// (a visit that is over without a discharge time ends when it began).
    fn clock(&self, encounter: &EncounterFacts) -> Option<OffsetDateTime> {
        match self.rule.after {
            Anchor::Admission => Some(encounter.admit_at),
            Anchor::Discharge => match (encounter.discharge_at, encounter.class) {
                (Some(at), _) => Some(at),
                (None, EncounterClass::Inpatient) => None,
                (None, _) if encounter.status == EncounterStatus::Finished => {
                    Some(encounter.admit_at)
                }
                (None, _) => None,
            },
        }
    }

    fn encounters(&self) -> impl Iterator<Item = &EncounterFacts> {
        self.chart.encounters.iter().filter(|e| self.applies(e))
    }

    fn notes_of(&self, encounter: i64) -> impl Iterator<Item = &NoteFacts> {
        self.chart
            .notes
            .iter()
            .filter(move |n| n.encounter_id == Some(encounter))
    }

    fn diagnoses_of(&self, encounter: i64) -> impl Iterator<Item = &DiagnosisFacts> {
        self.chart
            .diagnoses
            .iter()
            .filter(move |d| d.encounter_id == encounter)
    }

    fn push(
        &mut self,
        encounter: Option<&EncounterFacts>,
        subject: String,
        detail: &str,
        since: OffsetDateTime,
        provider: Option<i64>,
    ) {
        let attending = encounter.and_then(|e| e.attending_id);
        let message = if detail.is_empty() {
            self.rule.message.clone()
        } else {
            format!("{}: {detail}", self.rule.message)
        };
        self.found.push(Finding {
            rule_id: self.rule.id.clone(),
            encounter_id: encounter.map(|e| e.id),
            subject,
            message,
            severity: self.rule.severity,
            responsible: self.rule.responsible,
            provider_id: match self.rule.responsible {
                Responsible::Attending => provider.or(attending),
                _ => None,
            },
            since,
            due_at: since + self.rule.due,
        });
    }

    fn run(&mut self) {
        match self.rule.check {
            Check::NoteUnsigned => self.unsigned_notes(),
            Check::NoteMissing(note_type) => self.missing_notes(note_type),
            Check::OperativeReportMissing => self.operative_reports(),
            Check::DiagnosisMissing => {
                self.per_encounter(|c, id| c.diagnoses_of(id).next().is_none(), "")
            }
            Check::PrincipalMissing => self.principal_missing(),
            Check::PoaMissing => self.poa_missing(),
            Check::DemographicsIncomplete => self.demographics(),
            Check::CoverageMissing => self.coverage_missing(),
            Check::CodingEdits => self.coding_edits(),
        }
    }

    /// A finding on every encounter where `missing` holds, once its clock has started.
    fn per_encounter(&mut self, missing: impl Fn(&Self, i64) -> bool, detail: &str) {
        let hits: Vec<(EncounterFacts, OffsetDateTime)> = self
            .encounters()
            .filter(|e| missing(self, e.id))
            .filter_map(|e| Some((*e, self.clock(e)?)))
            .collect();
        for (encounter, since) in hits {
            let detail = format!(
                "{} {} of {}{}",
                encounter.class.as_str(),
                "encounter",
                day(encounter.admit_at),
                if detail.is_empty() {
                    String::new()
                } else {
                    format!(", {detail}")
                }
            );
            self.push(
                Some(&encounter),
                format!("encounter:{}", encounter.id),
                &detail,
                since,
                None,
            );
        }
    }

    fn unsigned_notes(&mut self) {
        let hits: Vec<(NoteFacts, Option<EncounterFacts>)> = self
            .chart
            .notes
            .iter()
            .filter(|n| n.signed_at.is_none())
            .filter_map(|n| {
                let encounter = n
                    .encounter_id
                    .and_then(|id| self.chart.encounters.iter().find(|e| e.id == id));
                match encounter {
                    Some(e) if !self.applies(e) => None,
                    _ => Some((*n, encounter.copied())),
                }
            })
            .collect();
        for (note, encounter) in hits {
            let detail = format!(
                "{} written {}",
                note.note_type.label(),
                day(note.authored_at)
            );
            self.push(
                encounter.as_ref(),
                format!("note:{}", note.id),
                &detail,
                note.authored_at,
                note.author_id,
            );
        }
    }

    fn missing_notes(&mut self, note_type: NoteType) {
        let label = note_type.label().to_lowercase();
        self.per_encounter(
            |c, id| !c.notes_of(id).any(|n| n.note_type == note_type),
            &format!("no {label}"),
        );
    }

    fn operative_reports(&mut self) {
        let hits: Vec<(EncounterFacts, ProcedureFacts)> = self
            .encounters()
            .filter(|e| {
                !self
                    .notes_of(e.id)
                    .any(|n| n.note_type == NoteType::OperativeReport)
            })
            .filter_map(|e| {
                let first = self
                    .chart
                    .procedures
                    .iter()
                    .filter(|p| p.encounter_id == Some(e.id))
                    .filter(|p| is_operative(p))
                    .min_by_key(|p| p.performed_at)?;
                Some((*e, first.clone()))
            })
            .collect();
        for (encounter, procedure) in hits {
            let detail = format!(
                "{} {} on {}",
                procedure.code_system.as_str(),
                procedure.code,
                day(procedure.performed_at)
            );
            self.push(
                Some(&encounter),
                format!("encounter:{}", encounter.id),
                &detail,
                procedure.performed_at,
                procedure.performer_id,
            );
        }
    }

    fn principal_missing(&mut self) {
        self.per_encounter(
            |c, id| {
                let encounter = c.chart.encounters.iter().find(|e| e.id == id);
                let wanted = match encounter.map(|e| e.class) {
                    Some(EncounterClass::Inpatient) => DiagnosisRank::Principal,
                    _ => DiagnosisRank::FirstListed,
                };
                let mut diagnoses = c.diagnoses_of(id).peekable();
                diagnoses.peek().is_some() && !diagnoses.any(|d| d.rank == wanted)
            },
            "",
        );
    }

    fn poa_missing(&mut self) {
        let exempt = self.cx.poa_exempt;
        // No indicator on a code that must have one; and "exempt" on a code that is not
        // exempt, which is as wrong as none.
        self.per_diagnosis(
            |d| d.poa.is_none() && !exempt.contains(&d.code),
            |d| format!("{} has none", d.code),
        );
        self.per_diagnosis(
            |d| d.poa == Some(PoaIndicator::Exempt) && !exempt.contains(&d.code),
            |d| {
                format!(
                    "{} is marked exempt but is not on the POA-exempt list",
                    d.code
                )
            },
        );
    }

    /// A finding on every diagnosis of an applicable encounter where `wrong` holds.
    fn per_diagnosis(
        &mut self,
        wrong: impl Fn(&DiagnosisFacts) -> bool,
        detail: impl Fn(&DiagnosisFacts) -> String,
    ) {
        let hits: Vec<(EncounterFacts, DiagnosisFacts, OffsetDateTime)> = self
            .encounters()
            .filter_map(|e| Some((e, self.clock(e)?)))
            .flat_map(|(e, since)| {
                self.diagnoses_of(e.id)
                    .filter(|d| wrong(d))
                    .map(move |d| (*e, d.clone(), since))
            })
            .collect();
        for (encounter, diagnosis, since) in hits {
            self.push(
                Some(&encounter),
                format!("diagnosis:{}", diagnosis.id),
                &detail(&diagnosis),
                since,
                None,
            );
        }
    }

    fn demographics(&mut self) {
        let patient = &self.chart.patient;
        let mut gaps = Vec::new();
        if patient.sex == records::AdministrativeSex::Unknown {
            gaps.push("sex");
        }
        for (label, value) in [
            ("street", &patient.line1),
            ("city", &patient.city),
            ("state", &patient.state),
            ("ZIP", &patient.postal_code),
        ] {
            if value.as_deref().is_none_or(|v| v.trim().is_empty()) {
                gaps.push(label);
            }
        }
        if gaps.is_empty() {
            return;
        }
        let since = self.chart.patient.created_at;
        self.push(
            None,
            "patient".into(),
            &format!("no {}", gaps.join(", ")),
            since,
            None,
        );
    }

    fn coverage_missing(&mut self) {
        self.per_encounter(
            |c, id| {
                let has_charges = c.chart.charged_encounters.binary_search(&id).is_ok();
                let Some(encounter) = c.chart.encounters.iter().find(|e| e.id == id) else {
                    return false;
                };
                let on = encounter.admit_at.date();
                let covered = c.chart.coverages.iter().any(|cov| {
                    cov.effective_start <= on && cov.effective_end.is_none_or(|end| on <= end)
                });
                has_charges && !covered
            },
            "no coverage in force on its date",
        );
    }

    fn coding_edits(&mut self) {
        let Some(codes) = self.cx.codes else {
            return;
        };
        let patient = &self.chart.patient;
        let mut hits = Vec::new();
        for encounter in self.encounters() {
            let Some(since) = self.clock(encounter) else {
                continue;
            };
            let dos = encounter.admit_at.date();
            let edits_patient = codes::Patient {
                sex: match patient.sex {
                    records::AdministrativeSex::Female => Some(codes::Sex::Female),
                    records::AdministrativeSex::Male => Some(codes::Sex::Male),
                    _ => None,
                },
                age_years: u16::try_from(patient.age_on(dos)).ok(),
            };
            let mut found: Vec<(String, String, Vec<String>)> = Vec::new();
            let mut note = |subject: String, code: &str, message: String| match found
                .iter_mut()
                .find(|(s, _, _)| *s == subject)
            {
                Some((_, _, messages)) if !messages.contains(&message) => {
                    messages.push(message);
                }
                Some(_) => {}
                None => found.push((subject, code.to_owned(), vec![message])),
            };
            // The diagnoses together, in their sequence, through the code sets' edits (pairs
            // such as Excludes1 included); a pair's finding falls on the later code.
            let mut diagnoses: Vec<&DiagnosisFacts> = self.diagnoses_of(encounter.id).collect();
            diagnoses.sort_by_key(|d| (d.sequence, d.id));
            let listed: Vec<&str> = diagnoses.iter().map(|d| d.code.as_str()).collect();
            // No release in force on the date: nothing to check against, not an error of
            // the chart.
            if let Ok(edits) = codes.coding_edits(&listed, dos, &edits_patient) {
                for edit in edits
                    .into_iter()
                    .filter(|e| e.severity == codes::Severity::Error)
                {
                    let later = edit
                        .codes
                        .iter()
                        .filter_map(|c| listed.iter().rposition(|l| l == c))
                        .max();
                    if let Some(d) = later.and_then(|at| diagnoses.get(at)) {
                        note(format!("diagnosis:{}", d.id), &d.code, edit.message);
                    }
                }
            }
            // The procedures together, as their claim lists them, through the procedure
            // table (validity on the date, sex edits, NCCI pairs, MUEs); a finding falls on
            // the last procedure with its code. Duplicates are warnings the coder confirms
            // on the form, not deficiencies.
            let mut procedures: Vec<&ProcedureFacts> = self
                .chart
                .procedures
                .iter()
                .filter(|p| p.encounter_id == Some(encounter.id))
                .collect();
            procedures.sort_by_key(|p| (p.performed_at, p.id));
            let billed: Vec<(&ProcedureFacts, codes::ProcedureLine)> = procedures
                .into_iter()
                .filter_map(|p| Some((p, procedure_line(p)?)))
                .collect();
            let lines: Vec<codes::ProcedureLine> = billed.iter().map(|(_, l)| l.clone()).collect();
            if let Ok(edits) = codes.procedure_coding_edits(&lines, &edits_patient) {
                for edit in edits
                    .into_iter()
                    .filter(|e| e.severity == codes::Severity::Error)
                {
                    let on = billed
                        .iter()
                        .rev()
                        .find(|(p, _)| edit.codes.contains(&p.code));
                    if let Some((p, _)) = on {
                        note(format!("procedure:{}", p.id), &p.code, edit.message);
                    }
                }
            }
            for (subject, code, messages) in found {
                let detail = format!(
                    "{code} on {}: {}",
                    day(encounter.admit_at),
                    messages.join("; ")
                );
                hits.push((*encounter, subject, detail, since));
            }
        }
        for (encounter, subject, detail, since) in hits {
            self.push(Some(&encounter), subject, &detail, since, None);
        }
    }
}

/// A procedure as its claim would list it; `None` for SNOMED CT (clinical, never billed).
fn procedure_line(p: &ProcedureFacts) -> Option<codes::ProcedureLine> {
    crate::encounter_edits::billed_line(
        p.code_system,
        &p.code,
        &p.modifiers,
        p.units,
        p.performed_at.date(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operative_procedures_are_the_surgical_ones() {
        assert!(surgical_pcs("0DTJ4ZZ"), "laparoscopic appendectomy");
        assert!(
            surgical_pcs("0QS704Z"),
            "open reduction of the femoral shaft"
        );
        assert!(
            !surgical_pcs("0W9930Z"),
            "percutaneous drainage is bedside work"
        );
        assert!(!surgical_pcs("3E0234Z"), "administration section");
        assert!(surgical_cpt("44970") && surgical_cpt("10004") && surgical_cpt("69990"));
        assert!(!surgical_cpt("99213") && !surgical_cpt("10003") && !surgical_cpt("4497"));
    }
}
