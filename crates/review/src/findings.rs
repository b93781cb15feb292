//! What the rules find in one chart: pure over the chart as read, no store and no clock,
//! so every rule is tested on charts built in memory.

use crate::poa::PoaExempt;
use crate::rules::{Anchor, Check, Rule, RuleSet};
use codes::CodeSets;
use records::{
    Charge, ClinicalNote, Coverage, Diagnosis, DiagnosisRank, Encounter, EncounterClass,
    EncounterStatus, NoteType, Patient, PoaIndicator, Procedure, ProcedureCodeSystem, Responsible,
    Severity,
};
use store::{PatientSummary, Stored};
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

/// The parts of a chart that review reads, borrowed from a whole chart or from rows read
/// for many charts at once.
#[derive(Debug, Clone, Copy)]
pub struct ChartView<'a> {
    /// The patient.
    pub patient: &'a Stored<Patient>,
    /// Their coverages.
    pub coverages: &'a [Stored<Coverage>],
    /// Their encounters.
    pub encounters: &'a [Stored<Encounter>],
    /// Their diagnoses.
    pub diagnoses: &'a [Stored<Diagnosis>],
    /// Their procedures.
    pub procedures: &'a [Stored<Procedure>],
    /// Their notes.
    pub notes: &'a [Stored<ClinicalNote>],
    /// Their charges.
    pub charges: &'a [Stored<Charge>],
}

impl<'a> From<&'a PatientSummary> for ChartView<'a> {
    fn from(chart: &'a PatientSummary) -> Self {
        Self {
            patient: &chart.patient,
            coverages: &chart.coverages,
            encounters: &chart.encounters,
            diagnoses: &chart.diagnoses,
            procedures: &chart.procedures,
            notes: &chart.notes,
            charges: &chart.charges,
        }
    }
}

/// Every finding of every enabled rule in `chart`.
pub fn analyse<'c>(
    chart: impl Into<ChartView<'c>>,
    rules: &RuleSet,
    cx: &Context<'_>,
) -> Vec<Finding> {
    let chart = chart.into();
    let mut found = Vec::new();
    for rule in rules.enabled() {
        Checker {
            chart: &chart,
            rule,
            cx,
            found: &mut found,
        }
        .run();
    }
    found
}

struct Checker<'c, 'a> {
    chart: &'c ChartView<'c>,
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

fn is_operative(procedure: &Procedure) -> bool {
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
    fn applies(&self, encounter: &Encounter) -> bool {
        self.rule.classes.contains(&encounter.class)
            && !matches!(
                encounter.status,
                EncounterStatus::Cancelled | EncounterStatus::EnteredInError
            )
    }

    /// When the rule's clock starts for an encounter: its admission, or its discharge
    /// (a visit that is over without a discharge time ends when it began).
    fn clock(&self, encounter: &Encounter) -> Option<OffsetDateTime> {
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

    fn encounters(&self) -> impl Iterator<Item = &Stored<Encounter>> {
        self.chart
            .encounters
            .iter()
            .filter(|e| self.applies(&e.record))
    }

    fn notes_of(&self, encounter: i64) -> impl Iterator<Item = &Stored<ClinicalNote>> {
        self.chart
            .notes
            .iter()
            .filter(move |n| n.record.encounter_id.map(|e| e.0) == Some(encounter))
    }

    fn diagnoses_of(&self, encounter: i64) -> impl Iterator<Item = &Stored<Diagnosis>> {
        self.chart
            .diagnoses
            .iter()
            .filter(move |d| d.record.encounter_id.0 == encounter)
    }

    fn push(
        &mut self,
        encounter: Option<&Stored<Encounter>>,
        subject: String,
        detail: &str,
        since: OffsetDateTime,
        provider: Option<i64>,
    ) {
        let attending = encounter.and_then(|e| e.record.attending_id.map(|p| p.0));
        let message = if detail.is_empty() {
            self.rule.message.clone()
        } else {
            format!("{}: {detail}", self.rule.message)
        };
        self.found.push(Finding {
            rule_id: self.rule.id.clone(),
            encounter_id: encounter.map(|e| e.meta.id),
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
        let hits: Vec<(Stored<Encounter>, OffsetDateTime)> = self
            .encounters()
            .filter(|e| missing(self, e.meta.id))
            .filter_map(|e| Some((e.clone(), self.clock(&e.record)?)))
            .collect();
        for (encounter, since) in hits {
            let detail = format!(
                "{} {} of {}{}",
                encounter.record.class.as_str(),
                "encounter",
                day(encounter.record.admit_at),
                if detail.is_empty() {
                    String::new()
                } else {
                    format!(", {detail}")
                }
            );
            self.push(
                Some(&encounter),
                format!("encounter:{}", encounter.meta.id),
                &detail,
                since,
                None,
            );
        }
    }

    fn unsigned_notes(&mut self) {
        let hits: Vec<(Stored<ClinicalNote>, Option<Stored<Encounter>>)> = self
            .chart
            .notes
            .iter()
            .filter(|n| n.record.is_unsigned())
            .filter_map(|n| {
                let encounter = n
                    .record
                    .encounter_id
                    .and_then(|id| self.chart.encounters.iter().find(|e| e.meta.id == id.0));
                match encounter {
                    Some(e) if !self.applies(&e.record) => None,
                    _ => Some((n.clone(), encounter.cloned())),
                }
            })
            .collect();
        for (note, encounter) in hits {
            let detail = format!(
                "{} written {}",
                note.record.note_type.label(),
                day(note.record.authored_at)
            );
            self.push(
                encounter.as_ref(),
                format!("note:{}", note.meta.id),
                &detail,
                note.record.authored_at,
                note.record.author_id.map(|p| p.0),
            );
        }
    }

    fn missing_notes(&mut self, note_type: NoteType) {
        let label = note_type.label().to_lowercase();
        self.per_encounter(
            |c, id| !c.notes_of(id).any(|n| n.record.note_type == note_type),
            &format!("no {label}"),
        );
    }

    fn operative_reports(&mut self) {
        let hits: Vec<(Stored<Encounter>, Stored<Procedure>)> = self
            .encounters()
            .filter(|e| {
                !self
                    .notes_of(e.meta.id)
                    .any(|n| n.record.note_type == NoteType::OperativeReport)
            })
            .filter_map(|e| {
                let first = self
                    .chart
                    .procedures
                    .iter()
                    .filter(|p| p.record.encounter_id.map(|id| id.0) == Some(e.meta.id))
                    .filter(|p| is_operative(&p.record))
                    .min_by_key(|p| p.record.performed_at)?;
                Some((e.clone(), first.clone()))
            })
            .collect();
        for (encounter, procedure) in hits {
            let detail = format!(
                "{} {} on {}",
                procedure.record.code_system.as_str(),
                procedure.record.code,
                day(procedure.record.performed_at)
            );
            self.push(
                Some(&encounter),
                format!("encounter:{}", encounter.meta.id),
                &detail,
                procedure.record.performed_at,
                procedure.record.performer_id.map(|p| p.0),
            );
        }
    }

    fn principal_missing(&mut self) {
        self.per_encounter(
            |c, id| {
                let encounter = c.chart.encounters.iter().find(|e| e.meta.id == id);
                let wanted = match encounter.map(|e| e.record.class) {
                    Some(EncounterClass::Inpatient) => DiagnosisRank::Principal,
                    _ => DiagnosisRank::FirstListed,
                };
                let mut diagnoses = c.diagnoses_of(id).peekable();
                diagnoses.peek().is_some() && !diagnoses.any(|d| d.record.rank == wanted)
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
        wrong: impl Fn(&Diagnosis) -> bool,
        detail: impl Fn(&Diagnosis) -> String,
    ) {
        let hits: Vec<(Stored<Encounter>, Stored<Diagnosis>, OffsetDateTime)> = self
            .encounters()
            .filter_map(|e| Some((e, self.clock(&e.record)?)))
            .flat_map(|(e, since)| {
                self.diagnoses_of(e.meta.id)
                    .filter(|d| wrong(&d.record))
                    .map(move |d| (e.clone(), d.clone(), since))
            })
            .collect();
        for (encounter, diagnosis, since) in hits {
            self.push(
                Some(&encounter),
                format!("diagnosis:{}", diagnosis.meta.id),
                &detail(&diagnosis.record),
                since,
                None,
            );
        }
    }

    fn demographics(&mut self) {
        let patient = &self.chart.patient.record;
        let mut gaps = Vec::new();
        if patient.sex == records::AdministrativeSex::Unknown {
            gaps.push("sex");
        }
        let address = &patient.address;
        for (label, value) in [
            ("street", &address.line1),
            ("city", &address.city),
            ("state", &address.state),
            ("ZIP", &address.postal_code),
        ] {
            if value.as_deref().is_none_or(|v| v.trim().is_empty()) {
                gaps.push(label);
            }
        }
        if gaps.is_empty() {
            return;
        }
        let since = self.chart.patient.meta.created_at;
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
                let has_charges = c
                    .chart
                    .charges
                    .iter()
                    .any(|ch| ch.record.encounter_id.map(|e| e.0) == Some(id));
                let Some(encounter) = c.chart.encounters.iter().find(|e| e.meta.id == id) else {
                    return false;
                };
                let on = encounter.record.admit_at.date();
                let covered = c.chart.coverages.iter().any(|cov| {
                    cov.record.effective_start <= on
                        && cov.record.effective_end.is_none_or(|end| on <= end)
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
        let patient = &self.chart.patient.record;
        let mut hits = Vec::new();
        for encounter in self.encounters() {
            let Some(since) = self.clock(&encounter.record) else {
                continue;
            };
            let dos = encounter.record.admit_at.date();
            let edits_patient = codes::Patient {
                sex: match patient.sex {
                    records::AdministrativeSex::Female => Some(codes::Sex::Female),
                    records::AdministrativeSex::Male => Some(codes::Sex::Male),
                    _ => None,
                },
                age_years: u16::try_from(patient.age_on(dos)).ok(),
            };
            let diagnoses = self.diagnoses_of(encounter.meta.id).map(|d| {
                (
                    codes::System::Icd10Cm,
                    d.record.code.as_str(),
                    format!("diagnosis:{}", d.meta.id),
                )
            });
            let procedures = self
                .chart
                .procedures
                .iter()
                .filter(|p| p.record.encounter_id.map(|e| e.0) == Some(encounter.meta.id))
                .filter_map(|p| {
                    let system = match p.record.code_system {
                        ProcedureCodeSystem::Icd10Pcs => codes::System::Icd10Pcs,
                        ProcedureCodeSystem::Hcpcs => codes::System::Hcpcs,
                        // CPT needs a licensed file and SNOMED CT is not a billing code set.
                        ProcedureCodeSystem::Cpt | ProcedureCodeSystem::Snomed => return None,
                    };
                    Some((
                        system,
                        p.record.code.as_str(),
                        format!("procedure:{}", p.meta.id),
                    ))
                });
            for (system, code, subject) in diagnoses.chain(procedures) {
                // No release in force on the date: nothing to check against, not an error
                // of the chart.
                let Ok(v) = codes.validate(system, code, dos, &edits_patient) else {
                    continue;
                };
                let mut problems = v.problems.clone();
                problems.extend(
                    v.edits
                        .iter()
                        .filter(|e| e.conflict)
                        .map(|e| e.message.clone()),
                );
                if !v.valid || !problems.is_empty() {
                    let detail = format!(
                        "{code} on {}: {}",
                        day(encounter.record.admit_at),
                        problems.join("; ")
                    );
                    hits.push((encounter.clone(), subject, detail, since));
                }
            }
        }
        for (encounter, subject, detail, since) in hits {
            self.push(Some(&encounter), subject, &detail, since, None);
        }
    }
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
