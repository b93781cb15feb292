//! Writes one planned patient: the patient and coverages, then each visit with its
//! diagnoses, procedures, immunizations, observations, notes and charges.

use crate::Counts;
use crate::billing::{self, Billing, Line};
use crate::notes::{self, Note};
use crate::plan::{self, Dose, Kind, Plan, Visit};
use crate::population::{self, Person};
use crate::random::{between, chance, patient_rng, pick, price, weighted};
use crate::reference::{PayerSlot, Reference, Role};
use crate::vitals::{self, Body, Target};
use crate::vocab::{self, Dx, Pcs, Service, System};
use rand::rngs::StdRng;
use records::{
    Diagnosis, DiagnosisRank, Encounter, EncounterClass, EncounterId, EncounterParticipant,
    EncounterStatus, Immunization, ImmunizationStatus, NoteType, OrganizationId, ParticipantRole,
    PatientId, PoaIndicator, Procedure, ProcedureCodeSystem, ProcedureId, ProviderId,
};
use store::{Actor, Tx};
use time::{Date, Duration, OffsetDateTime};

/// What every patient in a run shares.
pub(crate) struct Run<'a> {
    pub actor: &'a Actor,
    pub reference: &'a Reference,
    pub as_of: Date,
    pub seed: u64,
}

/// The clinicians a patient sees: one pediatrician and one adult primary-care doctor each.
struct Team {
    pediatrician: Option<ProviderId>,
    adult: Option<ProviderId>,
    np: Option<ProviderId>,
    hospitalists: Vec<ProviderId>,
    emergency: Vec<ProviderId>,
    surgeons: Vec<ProviderId>,
    obstetricians: Vec<ProviderId>,
    cardiologist: Option<ProviderId>,
}

impl Team {
    fn new(reference: &Reference, number: u64) -> Self {
        let nth = |ids: Vec<ProviderId>| {
            let n = u64::try_from(ids.len()).unwrap_or(1).max(1);
            ids.get(usize::try_from(number % n).unwrap_or(0)).copied()
        };
        let mut adults = reference.with_role(Role::Family);
        adults.extend(reference.with_role(Role::Internist));
        Self {
            pediatrician: nth(reference.with_role(Role::Pediatrician)),
            adult: nth(adults),
            np: nth(reference.with_role(Role::NursePractitioner)),
            hospitalists: reference.with_role(Role::Hospitalist),
            emergency: reference.with_role(Role::Emergency),
            surgeons: reference.with_role(Role::Surgeon),
            obstetricians: reference.with_role(Role::Obstetrician),
            cardiologist: nth(reference.with_role(Role::Cardiologist)),
        }
    }
}

fn any(rng: &mut StdRng, ids: &[ProviderId]) -> Option<ProviderId> {
    pick(rng, ids).copied()
}

/// Generates and writes patient `number` (its MRN is `D` and this number).
pub(crate) fn patient(
    tx: &mut Tx<'_>,
    run: &Run<'_>,
    number: u64,
    counts: &mut Counts,
) -> store::Result<()> {
    let mut rng = patient_rng(run.seed, number);
    let mut person = population::person(&mut rng, number, run.as_of)?;
    let plan = plan::plan(&mut rng, &person, run.as_of);
    person.patient.deceased_date = plan.deceased;
    let (patient_id, _) = population::store_person(tx, run.actor, run.reference, &person)?;
    counts.patients += 1;
    let body = Body::new(
        &mut rng,
        person.patient.birth_date,
        person.female(),
        plan.has("obesity"),
        plan.has("hypertension"),
        plan.has("diabetes"),
    );
    let team = Team::new(run.reference, number);
    for visit in &plan.visits {
        let mut writer = VisitWriter {
            run,
            person: &person,
            plan: &plan,
            body: &body,
            team: &team,
            patient_id,
            counts: &mut *counts,
        };
        writer.write(tx, &mut rng, visit)?;
    }
    for dose in &plan.reported {
        immunize(
            tx,
            &mut rng,
            run.actor,
            patient_id,
            None,
            None,
            dose,
            person.age_on(dose.at.date()),
        )?;
        counts.immunizations += 1;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)] // One call site; a struct would only rename the arguments.
fn immunize(
    tx: &mut Tx<'_>,
    rng: &mut StdRng,
    actor: &Actor,
    patient_id: PatientId,
    encounter_id: Option<EncounterId>,
    performer: Option<ProviderId>,
    dose: &Dose,
    age: i32,
) -> store::Result<()> {
    let site = match dose.vaccine.route {
        "PO" => None,
        "SC" => Some(if chance(rng, 0.5) { "LA" } else { "RA" }),
        _ if age < 1 => Some(if chance(rng, 0.5) { "LT" } else { "RT" }),
        _ => Some(if chance(rng, 0.5) { "LD" } else { "RD" }),
    };
    let given = dose.status != ImmunizationStatus::NotDone;
    tx.create(
        actor,
        &Immunization {
            patient_id,
            encounter_id,
            cvx: dose.vaccine.cvx.into(),
            administered_at: dose.at,
            status: dose.status,
            lot_number: given.then(|| format!("DL{:06}", between(rng, 0, 999_999))),
            site: site.filter(|_| given).map(Into::into),
            route: given.then(|| dose.vaccine.route.into()),
            performer_id: performer.filter(|_| given),
            description: Some(dose.vaccine.title.into()),
        },
    )?;
    Ok(())
}

/// A billable line on a visit.
enum Bill {
    /// A CPT/HCPCS service: a procedure and its charge.
    Service(Service, &'static [&'static str]),
    /// An ICD-10-PCS procedure with its facility charge.
    Pcs(Pcs, Option<ProviderId>),
    /// A facility (revenue code) charge without a procedure.
    Facility(&'static str, &'static str, i64, i32),
}

/// UB-04 revenue code for the facility line of an ICD-10-PCS procedure.
fn revenue_for(code: &str) -> (&'static str, &'static str) {
    match code {
        "4A023N7" | "027034Z" => ("0481", "Cardiac catheterization laboratory"),
        "5A1955Z" => ("0410", "Respiratory services"),
        "30233N1" => ("0391", "Blood administration"),
        "0DJ08ZZ" => ("0750", "Gastrointestinal services"),
        "10E0XZZ" => ("0720", "Labor room and delivery"),
        _ => (vocab::OPERATING_ROOM, "Operating room services"),
    }
}

struct VisitWriter<'a, 'c> {
    run: &'a Run<'a>,
    person: &'a Person,
    plan: &'a Plan,
    body: &'a Body,
    team: &'a Team,
    patient_id: PatientId,
    counts: &'c mut Counts,
}

impl VisitWriter<'_, '_> {
    fn chronic_dx(&self, skip: Option<usize>, most: usize) -> Vec<Dx> {
        self.plan
            .chronic
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != skip)
            .map(|(_, (_, dx))| *dx)
            .take(most)
            .collect()
    }

    fn write(&mut self, tx: &mut Tx<'_>, rng: &mut StdRng, visit: &Visit) -> store::Result<()> {
        let reference = self.run.reference;
        let day = visit.start.date();
        let age = self.person.age_on(day);
        let (primary, secondary) = self.person.payers_on(day);
        let primary = primary.map(|p| (p.slot, reference.payer(p.slot)));
        let secondary = secondary.map(|p| (p.slot, reference.payer(p.slot)));
        // Uninsured visits are registered as self-pay about half the time; the rest carry
        // no payer at all, which registration review should catch.
        let encounter_payer = primary
            .map(|(_, id)| id)
            .or_else(|| chance(rng, 0.5).then(|| reference.payer(PayerSlot::SelfPay)));
        let pcp = if age < 18 {
            self.team.pediatrician
        } else {
            self.team.adult
        };
        let clinic = if age < 18 {
            reference.pediatrics
        } else {
            reference.primary_care
        };
        let team = self.team;
        let mut participants: Vec<(ProviderId, ParticipantRole)> = Vec::new();
        let mut bills: Vec<Bill> = Vec::new();
        let mut diagnoses: Vec<(Dx, Option<PoaIndicator>)> = Vec::new();
        let office_em = || vocab::OFFICE_EM;
        let em = |rng: &mut StdRng, table: &'static [(Service, u32)]| {
            weighted(rng, table, |(_, w)| f64::from(*w)).map(|(s, _)| *s)
        };
        let mut orders: &'static [&'static str] = &[];
        let (attending, facility, reason, setting): (
            Option<ProviderId>,
            OrganizationId,
            String,
            &str,
        ) = match visit.kind {
            Kind::WellChild => {
                let normal = chance(rng, 0.9);
                diagnoses.push((
                    if normal {
                        vocab::CHILD_EXAM_NORMAL
                    } else {
                        vocab::CHILD_EXAM_ABNORMAL
                    },
                    None,
                ));
                bills.push(Bill::Service(vocab::preventive_visit(age), &[]));
                (pcp, clinic, "Well-child visit".into(), "Office visit")
            }
            Kind::WellAdult => {
                let normal = self.plan.chronic.is_empty() || chance(rng, 0.4);
                diagnoses.push((
                    if normal {
                        vocab::ADULT_EXAM_NORMAL
                    } else {
                        vocab::ADULT_EXAM_ABNORMAL
                    },
                    None,
                ));
                diagnoses.extend(self.chronic_dx(None, 3).into_iter().map(|d| (d, None)));
                let medicare = primary.is_some_and(|(slot, _)| slot == PayerSlot::Medicare);
                bills.push(Bill::Service(
                    if medicare && age >= 65 {
                        vocab::AWV_SUBSEQUENT
                    } else {
                        vocab::preventive_visit(age)
                    },
                    &[],
                ));
                (
                    pcp,
                    clinic,
                    "Annual physical examination".into(),
                    "Office visit",
                )
            }
            Kind::FollowUp(which) => {
                let (condition, dx) = self.plan.chronic.get(which).copied().unzip();
                if let Some(dx) = dx {
                    diagnoses.push((dx, None));
                }
                diagnoses.extend(
                    self.chronic_dx(Some(which), 4)
                        .into_iter()
                        .map(|d| (d, None)),
                );
                if let Some(service) = em(rng, office_em()) {
                    bills.push(Bill::Service(service, &[]));
                }
                (
                    pcp,
                    clinic,
                    format!(
                        "Follow-up of {}",
                        condition.map_or("chronic conditions", |c| c.name)
                    ),
                    "Office visit",
                )
            }
            Kind::Sick(acute) => {
                diagnoses.push((acute.dx, None));
                diagnoses.extend(acute.cause.map(|d| (d, None)));
                diagnoses.extend(self.chronic_dx(None, 2).into_iter().map(|d| (d, None)));
                orders = acute.orders;
                if let Some(service) = em(rng, office_em()) {
                    bills.push(Bill::Service(service, &[]));
                }
                (pcp, clinic, acute.dx.title.into(), "Office visit")
            }
            Kind::Prenatal => {
                // Prenatal care is billed globally with the delivery, so no charge here.
                diagnoses.push((vocab::PRENATAL, None));
                (
                    any(rng, &team.obstetricians),
                    reference.womens_health,
                    "Routine prenatal visit".into(),
                    "Prenatal visit",
                )
            }
            Kind::NurseVaccine => {
                diagnoses.push((vocab::IMMUNIZATION_VISIT, None));
                (pcp, clinic, "Immunization".into(), "Nurse visit")
            }
            Kind::Telehealth(about, acute) => {
                let first = about
                    .and_then(|i| self.plan.chronic.get(i))
                    .map_or(acute.dx, |(_, dx)| *dx);
                diagnoses.push((first, None));
                diagnoses.extend(
                    self.chronic_dx(about, 2)
                        .into_iter()
                        .filter(|d| d.code != first.code)
                        .map(|d| (d, None)),
                );
                let table: &'static [(Service, u32)] = &vocab::OFFICE_EM[..3];
                if let Some(service) = em(rng, table) {
                    bills.push(Bill::Service(service, &["95"]));
                }
                let who = if chance(rng, 0.4) && age >= 18 {
                    team.np
                } else {
                    pcp
                };
                (who, clinic, first.title.into(), "Video visit")
            }
            Kind::Emergency(acute) => {
                diagnoses.push((acute.dx, None));
                diagnoses.extend(acute.cause.map(|d| (d, None)));
                diagnoses.extend(self.chronic_dx(None, 2).into_iter().map(|d| (d, None)));
                orders = acute.orders;
                if let Some(service) = em(rng, vocab::ED_EM) {
                    let (code, title, cents) = vocab::ED_FACILITY;
                    let level = service.cents as f64 / 60_000.0;
                    bills.push(Bill::Service(service, &[]));
                    bills.push(Bill::Facility(
                        code,
                        title,
                        (cents as f64 * level) as i64,
                        1,
                    ));
                }
                (
                    any(rng, &team.emergency),
                    reference.hospital,
                    acute.dx.title.into(),
                    "Emergency department",
                )
            }
            Kind::Admission(admission) => {
                diagnoses.push((admission.dx, Some(PoaIndicator::Yes)));
                for dx in self.chronic_dx(None, 8) {
                    if dx.code != admission.dx.code {
                        diagnoses.push((dx, Some(present_on_admission(rng))));
                    }
                }
                if chance(rng, 0.08)
                    && let Some(acquired) = pick(rng, vocab::HOSPITAL_ACQUIRED)
                    && diagnoses.iter().all(|(d, _)| d.code != acquired.code)
                {
                    diagnoses.push((*acquired, Some(PoaIndicator::No)));
                }
                let hospitalist = any(rng, &team.hospitalists);
                let specialist = if admission.dx.code == "I21.4" {
                    team.cardiologist
                } else if admission.surgical {
                    any(rng, &team.surgeons)
                } else {
                    hospitalist
                };
                if let Some(specialist) = specialist.filter(|s| Some(*s) != hospitalist) {
                    let role = if admission.surgical && admission.dx.code != "I21.4" {
                        ParticipantRole::Operating
                    } else {
                        ParticipantRole::Consulting
                    };
                    participants.push((specialist, role));
                }
                for pcs in admission.pcs {
                    bills.push(Bill::Pcs(*pcs, specialist));
                }
                bills.push(Bill::Service(vocab::INITIAL_HOSPITAL_CARE, &[]));
                (
                    hospitalist,
                    reference.hospital,
                    admission.dx.title.into(),
                    "Inpatient admission",
                )
            }
            Kind::Delivery { cesarean } => {
                let principal = if cesarean {
                    vocab::REPEAT_CESAREAN
                } else {
                    vocab::VAGINAL_DELIVERY
                };
                diagnoses.push((principal, Some(poa(principal.code, PoaIndicator::Yes))));
                diagnoses.push((vocab::SINGLE_LIVEBORN, Some(PoaIndicator::Exempt)));
                diagnoses.push((vocab::WEEKS_39, Some(PoaIndicator::Exempt)));
                for dx in self.chronic_dx(None, 4) {
                    diagnoses.push((dx, Some(present_on_admission(rng))));
                }
                let ob = any(rng, &team.obstetricians);
                bills.push(Bill::Pcs(
                    if cesarean {
                        vocab::CESAREAN_PCS
                    } else {
                        vocab::DELIVERY_PCS
                    },
                    ob,
                ));
                bills.push(Bill::Service(
                    if cesarean {
                        Service {
                            system: System::Cpt,
                            code: "59510",
                            title: "Routine obstetric care including cesarean delivery",
                            cents: 650_000,
                            units: 1,
                        }
                    } else {
                        Service {
                            system: System::Cpt,
                            code: "59400",
                            title: "Routine obstetric care including vaginal delivery",
                            cents: 520_000,
                            units: 1,
                        }
                    },
                    &[],
                ));
                (
                    ob,
                    reference.hospital,
                    "Labor and delivery".into(),
                    "Inpatient admission",
                )
            }
        };
        for key in orders {
            if let Some(service) = vocab::order(key) {
                bills.push(Bill::Service(service, &[]));
            }
        }
        let inpatient = visit.class == EncounterClass::Inpatient;
        let disposition = match (visit.class, visit.end) {
            (_, None) | (EncounterClass::Outpatient | EncounterClass::Telehealth, _) => None,
            (EncounterClass::Emergency, _) => Some("01"),
            (EncounterClass::Inpatient, _) if visit.expired => Some("20"),
            (EncounterClass::Inpatient, _) => Some(match between(rng, 0, 19) {
                0..=14 => "01",
                15..=16 => "06",
                _ if age >= 65 => "03",
                _ => "01",
            }),
        };
        let encounter_id = EncounterId(
            tx.create(
                self.run.actor,
                &Encounter {
                    patient_id: self.patient_id,
                    class: visit.class,
                    status: if visit.end.is_some() {
                        EncounterStatus::Finished
                    } else {
                        EncounterStatus::InProgress
                    },
                    admit_at: visit.start,
                    discharge_at: visit.end,
                    attending_id: attending,
                    facility_id: Some(facility),
                    payer_id: encounter_payer,
                    discharge_disposition: disposition.map(Into::into),
                    reason: Some(reason.chars().take(200).collect()),
                    service: Some(service_of(&visit.kind, age).into()),
                },
            )?
            .meta
            .id,
        );
        self.counts.encounters += 1;
        for (provider_id, role) in participants {
            tx.create(
                self.run.actor,
                &EncounterParticipant {
                    patient_id: self.patient_id,
                    encounter_id,
                    provider_id,
                    role,
                },
            )?;
        }
        for (idx, (dx, poa_flag)) in diagnoses.iter().enumerate() {
            let first = idx == 0;
            tx.create(
                self.run.actor,
                &Diagnosis {
                    patient_id: self.patient_id,
                    encounter_id,
                    code: dx.code.into(),
                    rank: match (first, inpatient) {
                        (true, true) => DiagnosisRank::Principal,
                        (true, false) => DiagnosisRank::FirstListed,
                        _ => DiagnosisRank::Secondary,
                    },
                    sequence: i32::try_from(idx + 1).unwrap_or(i32::MAX),
                    poa: if inpatient {
                        poa_flag.map(|p| poa(dx.code, p))
                    } else {
                        None
                    },
                    description: Some(dx.title.into()),
                    onset_at: None,
                },
            )?;
            self.counts.diagnoses += 1;
        }

        // Labs that go with the visit.
        let target = Target {
            actor: self.run.actor,
            patient_id: self.patient_id,
            encounter_id,
            at: visit.start + Duration::minutes(5),
        };
        let mut labs: Vec<(Service, Lab)> = Vec::new();
        match visit.kind {
            Kind::FollowUp(_) | Kind::Telehealth(Some(_), _)
                if visit.class == EncounterClass::Outpatient =>
            {
                if self.plan.has("diabetes") && chance(rng, 0.6) {
                    labs.push((vocab::HBA1C, Lab::A1c));
                }
                if (self.plan.has("hypertension") || self.plan.has("chronic kidney disease"))
                    && chance(rng, 0.3)
                {
                    labs.push((vocab::CMP, Lab::Metabolic));
                }
            }
            Kind::WellAdult if age >= 20 && chance(rng, 0.7) => {
                labs.push((vocab::LIPID_PANEL, Lab::Lipids))
            }
            Kind::Admission(_) => labs.push((vocab::CMP, Lab::Metabolic)),
            _ => {}
        }
        for (service, _) in &labs {
            bills.push(Bill::Service(*service, &[]));
        }
        let measured = !matches!(visit.kind, Kind::NurseVaccine | Kind::Telehealth(..));
        if measured {
            let height = matches!(
                visit.kind,
                Kind::WellChild | Kind::WellAdult | Kind::Admission(_) | Kind::Delivery { .. }
            );
            let acute = matches!(
                visit.kind,
                Kind::Sick(_) | Kind::Emergency(_) | Kind::Admission(_)
            );
            vitals::vitals(tx, rng, self.body, &target, height, acute, self.counts)?;
        }
        let kidney = self.plan.has("chronic kidney disease");
        for (_, lab) in &labs {
            match lab {
                Lab::A1c => vitals::a1c(tx, rng, self.body, &target, self.counts)?,
                Lab::Lipids => vitals::lipids(tx, rng, self.body, &target, self.counts)?,
                Lab::Metabolic => {
                    vitals::metabolic(tx, rng, self.body, kidney, &target, self.counts)?
                }
            }
        }

        // Immunizations, and their product and administration lines.
        let medicare = primary.is_some_and(|(slot, _)| slot == PayerSlot::Medicare);
        let mut adult_admins = 0;
        for dose in &visit.doses {
            immunize(
                tx,
                rng,
                self.run.actor,
                self.patient_id,
                Some(encounter_id),
                attending,
                dose,
                age,
            )?;
            self.counts.immunizations += 1;
            if dose.status != ImmunizationStatus::Completed {
                continue;
            }
            bills.push(Bill::Service(dose.vaccine.product, &[]));
            let flu = dose.vaccine.title.starts_with("Influenza");
            let pneumo = dose.vaccine.title.starts_with("Pneumococcal");
            bills.push(Bill::Service(
                if age < 19 {
                    vocab::IMM_ADMIN_CHILD
                } else if medicare && flu {
                    vocab::FLU_ADMIN_MEDICARE
                } else if medicare && pneumo {
                    vocab::PNEUMO_ADMIN_MEDICARE
                } else {
                    adult_admins += 1;
                    if adult_admins == 1 {
                        vocab::IMM_ADMIN_ADULT
                    } else {
                        vocab::IMM_ADMIN_ADULT_EACH
                    }
                },
                &[],
            ));
        }

        // Procedures and charges. Stays still in progress are not billed yet.
        let billing = Billing {
            primary: primary.filter(|(slot, _)| *slot != PayerSlot::SelfPay),
            secondary,
        };
        let ctx = billing::Ctx {
            actor: self.run.actor,
            patient_id: self.patient_id,
            billing,
            as_of: self.run.as_of,
        };
        let billed = visit.end.is_some();
        let end = visit.end.unwrap_or(visit.start + Duration::hours(2));
        if inpatient && billed {
            bills.push(Bill::Service(vocab::DISCHARGE_DAY, &[]));
            let nights = i32::try_from((end.date() - day).whole_days().max(1)).unwrap_or(1);
            let (code, title, cents) = vocab::ROOM_AND_BOARD;
            bills.push(Bill::Facility(
                code,
                title,
                cents * i64::from(nights),
                nights,
            ));
        }
        let mut operated: Option<(OffsetDateTime, Option<ProviderId>, &'static str)> = None;
        for bill in &bills {
            let (procedure_id, code, title, cents, units, date) = match bill {
                Bill::Service(service, modifiers) => {
                    let at =
                        visit.start + Duration::minutes(between(rng, 5, 60)).min(end - visit.start);
                    // A procedure in the CPT surgery range (a laceration repair, a
                    // delivery) is documented in a procedure note.
                    let surgical = matches!(service.system, System::Cpt)
                        && service
                            .code
                            .parse::<u32>()
                            .is_ok_and(|n| (10_004..=69_990).contains(&n));
                    if surgical && operated.is_none() {
                        operated = Some((at, attending, service.title));
                    }
                    let id = tx
                        .create(
                            self.run.actor,
                            &Procedure {
                                patient_id: self.patient_id,
                                encounter_id: Some(encounter_id),
                                code_system: match service.system {
                                    System::Cpt => ProcedureCodeSystem::Cpt,
                                    System::Hcpcs => ProcedureCodeSystem::Hcpcs,
                                },
                                code: service.code.into(),
                                modifiers: modifiers.iter().map(|m| (*m).to_owned()).collect(),
                                units: service.units,
                                performed_at: at,
                                performer_id: attending,
                                description: Some(service.title.into()),
                            },
                        )?
                        .meta
                        .id;
                    self.counts.procedures += 1;
                    (
                        Some(ProcedureId(id)),
                        service.code,
                        service.title,
                        service.cents * i64::from(service.units),
                        service.units,
                        at.date(),
                    )
                }
                Bill::Pcs(pcs, performer) => {
                    let at = (visit.start + Duration::hours(between(rng, 3, 30))).min(end);
                    let id = tx
                        .create(
                            self.run.actor,
                            &Procedure {
                                patient_id: self.patient_id,
                                encounter_id: Some(encounter_id),
                                code_system: ProcedureCodeSystem::Icd10Pcs,
                                code: pcs.code.into(),
                                modifiers: Vec::new(),
                                units: 1,
                                performed_at: at,
                                performer_id: *performer,
                                description: Some(pcs.title.into()),
                            },
                        )?
                        .meta
                        .id;
                    self.counts.procedures += 1;
                    // Open or endoscopic Medical and Surgical procedures (section 0) have
                    // an operative report, the operating room's first of all.
                    let surgical = pcs.code.starts_with('0')
                        && matches!(pcs.code.get(4..5), Some("0" | "4" | "8" | "F"));
                    if revenue_for(pcs.code).0 == vocab::OPERATING_ROOM
                        || (surgical && operated.is_none())
                    {
                        operated = Some((at, *performer, pcs.title));
                    }
                    let (code, title) = revenue_for(pcs.code);
                    (Some(ProcedureId(id)), code, title, pcs.cents, 1, at.date())
                }
                Bill::Facility(code, title, cents, units) => {
                    (None, *code, *title, *cents, *units, end.date())
                }
            };
            if billed {
                let line = Line {
                    encounter_id,
                    procedure_id,
                    code,
                    description: title,
                    service_date: date,
                    amount_cents: price(rng, cents),
                    units,
                };
                billing::charge(tx, rng, &ctx, &line, self.counts)?;
            }
        }

        // Notes.
        let dx_only: Vec<Dx> = diagnoses.iter().map(|(d, _)| *d).collect();
        let as_of = self.run.as_of;
        let note = |tx: &mut Tx<'_>,
                    rng: &mut StdRng,
                    counts: &mut Counts,
                    note_type,
                    author,
                    at,
                    plan_text: &str| {
            notes::write(
                tx,
                rng,
                self.run.actor,
                self.patient_id,
                encounter_id,
                as_of,
                &Note {
                    note_type,
                    author,
                    at,
                    setting,
                    reason: &reason,
                    diagnoses: &dx_only,
                    plan: plan_text,
                },
                counts,
            )
        };
        match visit.class {
            EncounterClass::Outpatient => {
                let note_type = if matches!(visit.kind, Kind::NurseVaccine) {
                    NoteType::Other
                } else {
                    NoteType::Progress
                };
                note(
                    tx,
                    rng,
                    self.counts,
                    note_type,
                    attending,
                    end,
                    "continue current management; return as scheduled",
                )?;
            }
            EncounterClass::Telehealth => note(
                tx,
                rng,
                self.counts,
                NoteType::Telehealth,
                attending,
                end,
                "video visit completed; follow up in clinic as needed",
            )?,
            EncounterClass::Emergency => note(
                tx,
                rng,
                self.counts,
                NoteType::EmergencyDepartment,
                attending,
                end,
                "discharged home with return precautions",
            )?,
            EncounterClass::Inpatient => {
                note(
                    tx,
                    rng,
                    self.counts,
                    NoteType::HistoryAndPhysical,
                    attending,
                    visit.start + Duration::hours(2),
                    "admit; monitor; treat as above",
                )?;
                if (end - visit.start).whole_days() >= 3 {
                    note(
                        tx,
                        rng,
                        self.counts,
                        NoteType::Progress,
                        attending,
                        visit.start + Duration::days(1) + Duration::hours(6),
                        "improving; continue treatment",
                    )?;
                }
                // Recent stays often still lack their discharge summary (it is due 30 days
                // after discharge); older ones rarely, a few never got one.
                if let Some(discharged) = visit.end
                    && !chance(
                        rng,
                        match (as_of - discharged.date()).whole_days() {
                            ..=30 => 0.35,
                            days => notes::missing_share(days),
                        },
                    )
                {
                    let plan_text = if visit.expired {
                        "patient expired; family notified"
                    } else {
                        "discharged in stable condition; follow up with primary care in 1-2 weeks"
                    };
                    note(
                        tx,
                        rng,
                        self.counts,
                        NoteType::DischargeSummary,
                        attending,
                        discharged,
                        plan_text,
                    )?;
                }
            }
        }
        // The operative report (a procedure note for minor procedures), missing on a few
        // recent visits.
        if let Some((at, surgeon, title)) = operated
            && !chance(rng, notes::missing_share((as_of - at.date()).whole_days()))
        {
            note(
                tx,
                rng,
                self.counts,
                NoteType::OperativeReport,
                surgeon,
                (at + Duration::hours(1)).min(end.max(at)),
                &format!("{title}; tolerated well"),
            )?;
        }
        Ok(())
    }
}

enum Lab {
    A1c,
    Lipids,
    Metabolic,
}

/// POA indicator for a chronic condition on an inpatient stay: almost always present on
/// admission, occasionally undocumented (U) or clinically undetermined (W).
fn present_on_admission(rng: &mut StdRng) -> PoaIndicator {
    match between(rng, 0, 99) {
        0..=1 => PoaIndicator::Unknown,
        2 => PoaIndicator::ClinicallyUndetermined,
        _ => PoaIndicator::Yes,
    }
}

/// Exempt codes report "1" whatever the clinical answer was.
fn poa(code: &str, indicator: PoaIndicator) -> PoaIndicator {
    if vocab::poa_exempt(code) {
        PoaIndicator::Exempt
    } else {
        indicator
    }
}

/// The hospital service responsible for a visit (what review's queue filters by).
fn service_of(kind: &Kind, age: i32) -> &'static str {
    match kind {
        Kind::Emergency(_) => "Emergency",
        Kind::Admission(admission) if admission.surgical => "Surgery",
        Kind::Admission(_) => "Medicine",
        Kind::Prenatal | Kind::Delivery { .. } => "Obstetrics",
        Kind::WellChild => "Pediatrics",
        _ if age < 18 => "Pediatrics",
        Kind::WellAdult
        | Kind::FollowUp(_)
        | Kind::Sick(_)
        | Kind::NurseVaccine
        | Kind::Telehealth(..) => "Primary care",
    }
}
