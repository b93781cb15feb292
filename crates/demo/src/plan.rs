//! A patient's care over the window, planned before anything is written: chronic
//! conditions, then visits of every class at rates that depend on age and illness, then
//! vaccines placed on those visits. Planning first keeps the random draws independent of
//! database ids, which is what makes a seed reproduce the same charts.

use crate::population::Person;
use crate::random::{at_hours, below, between, chance, day_between, poisson, weighted};
use crate::vocab::{self, Acute, Admission, Chronic, Dx, Sex, Vaccine};
use rand::Rng;
use rand::rngs::StdRng;
use records::{EncounterClass, ImmunizationStatus};
use time::{Date, Duration, Month, OffsetDateTime};

/// Why a visit happened, which decides what is coded, billed and written on it.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    WellChild,
    WellAdult,
    FollowUp(usize),
    Sick(&'static Acute),
    Prenatal,
    NurseVaccine,
    Telehealth(Option<usize>, &'static Acute),
    Emergency(&'static Acute),
    Admission(&'static Admission),
    Delivery { cesarean: bool },
}

/// A vaccine dose placed on a visit (or reported from elsewhere).
#[derive(Clone, Copy)]
pub(crate) struct Dose {
    pub vaccine: Vaccine,
    pub at: OffsetDateTime,
    pub status: ImmunizationStatus,
}

/// One planned encounter.
pub(crate) struct Visit {
    pub kind: Kind,
    pub class: EncounterClass,
    pub start: OffsetDateTime,
    /// `None` for a stay still in progress on the as-of date.
    pub end: Option<OffsetDateTime>,
    pub doses: Vec<Dose>,
    /// Set on the stay the patient died in.
    pub expired: bool,
}

/// The whole plan for one patient.
pub(crate) struct Plan {
    /// Chronic conditions and the code each is charted with.
    pub chronic: Vec<(&'static Chronic, Dx)>,
    pub visits: Vec<Visit>,
    /// Doses given elsewhere (pharmacy, another practice) and recorded without a visit.
    pub reported: Vec<Dose>,
    pub deceased: Option<Date>,
}

impl Plan {
    pub fn has(&self, name: &str) -> bool {
        self.chronic.iter().any(|(c, _)| c.name == name)
    }
}

fn band(age: i32) -> usize {
    match age {
        i32::MIN..=17 => 0,
        18..=44 => 1,
        45..=64 => 2,
        _ => 3,
    }
}

fn sex_allows(rule: Sex, female: bool) -> bool {
    match rule {
        Sex::Any => true,
        Sex::Female => female,
        Sex::Male => !female,
    }
}

fn chronic_conditions(
    rng: &mut StdRng,
    person: &Person,
    as_of: Date,
) -> Vec<(&'static Chronic, Dx)> {
    let age = person.age_on(as_of);
    let mut out = Vec::new();
    if age < 3 {
        return out;
    }
    for condition in vocab::CHRONIC {
        let p = condition.prevalence.get(band(age)).copied().unwrap_or(0.0);
        if sex_allows(condition.sex, person.female())
            && chance(rng, p)
            && let Some((dx, _)) = weighted(rng, condition.variants, |(_, w)| f64::from(*w))
        {
            out.push((condition, *dx));
        }
    }
    out
}

fn pick_acute(
    rng: &mut StdRng,
    table: &'static [Acute],
    age: i32,
    female: bool,
) -> Option<&'static Acute> {
    weighted(rng, table, |a| {
        if age >= a.min_age && age <= a.max_age && sex_allows(a.sex, female) {
            f64::from(a.weight)
        } else {
            0.0
        }
    })
}

/// Days `first..last` that fall inside the window and after birth.
struct Window {
    start: Date,
    end: Date,
}

impl Window {
    fn contains(&self, day: Date) -> bool {
        self.start <= day && day < self.end
    }
    fn years(&self) -> f64 {
        (self.end - self.start).whole_days() as f64 / 365.25
    }
    fn day(&self, rng: &mut StdRng) -> Date {
        day_between(rng, self.start, self.end)
    }
}

fn office(rng: &mut StdRng, kind: Kind, day: Date, class: EncounterClass) -> Visit {
    let start = at_hours(rng, day, 8, 17);
    let minutes = if class == EncounterClass::Telehealth {
        between(rng, 12, 25)
    } else {
        between(rng, 15, 45)
    };
    Visit {
        kind,
        class,
        start,
        end: Some(start + Duration::minutes(minutes)),
        doses: Vec::new(),
        expired: false,
    }
}

/// Plans everything that happens to `person` in the three years before `as_of`.
pub(crate) fn plan(rng: &mut StdRng, person: &Person, as_of: Date) -> Plan {
    let birth = person.patient.birth_date;
    let window = Window {
        start: (as_of - Duration::days(3 * 365)).max(birth),
        end: as_of,
    };
    let age = person.age_on(as_of);
    let female = person.female();
    let chronic = chronic_conditions(rng, person, as_of);
    let n_serious = chronic.iter().filter(|(c, _)| c.serious).count() as f64;
    let years = window.years();
    let age_at = |day: Date| person.age_on(day);
    let mut visits = Vec::new();

    // Well-child visits on the schedule, with the vaccines due at each.
    for (age_days, vaccines) in vocab::CHILD_SCHEDULE {
        let day = birth + Duration::days(age_days + between(rng, 0, 10));
        if window.contains(day) {
            let mut visit = office(rng, Kind::WellChild, day, EncounterClass::Outpatient);
            for vaccine in *vaccines {
                visit.doses.push(Dose {
                    vaccine: *vaccine,
                    at: visit.start,
                    status: dose_status(rng, 0.01),
                });
            }
            visits.push(visit);
        }
    }
    // Yearly checkups for older children in the years the schedule has no visit.
    for year in 3..=17 {
        if matches!(year, 4 | 11 | 16) || !chance(rng, 0.75) {
            continue;
        }
        let day = birth + Duration::days(year * 365 + between(rng, 0, 90));
        if window.contains(day) {
            visits.push(office(
                rng,
                Kind::WellChild,
                day,
                EncounterClass::Outpatient,
            ));
        }
    }
    // Adult preventive exams, one chance a year.
    let exam_rate = if age >= 65 { 0.6 } else { 0.45 };
    let mut slot = window.start;
    while slot < window.end {
        let next = slot + Duration::days(365);
        let day = day_between(rng, slot, next.min(window.end));
        if age_at(day) >= 18 && chance(rng, exam_rate) {
            visits.push(office(
                rng,
                Kind::WellAdult,
                day,
                EncounterClass::Outpatient,
            ));
        }
        slot = next;
    }
    // Chronic follow-ups.
    if !chronic.is_empty() {
        let rate = (0.8 + 0.5 * n_serious + 0.3 * (chronic.len() as f64 - 1.0)).min(5.0);
        for _ in 0..poisson(rng, rate * years) {
            let which = usize::try_from(below(rng, chronic.len() as u64)).unwrap_or(0);
            let day = window.day(rng);
            visits.push(office(
                rng,
                Kind::FollowUp(which),
                day,
                EncounterClass::Outpatient,
            ));
        }
    }
    // Sick visits, telehealth, ED visits and admissions.
    let sick_rate = match age {
        0..=4 => 1.5,
        5..=17 => 0.8,
        18..=64 => 0.5,
        _ => 0.7,
    };
    for _ in 0..poisson(rng, sick_rate * years) {
        let day = window.day(rng);
        if let Some(acute) = pick_acute(rng, vocab::OFFICE_ACUTE, age_at(day), female) {
            visits.push(office(
                rng,
                Kind::Sick(acute),
                day,
                EncounterClass::Outpatient,
            ));
        }
    }
    let mental = chronic
        .iter()
        .position(|(c, _)| c.name == "anxiety" || c.name == "depression");
    let tele_rate = 0.15
        + if chronic.is_empty() { 0.0 } else { 0.25 }
        + if mental.is_some() { 0.6 } else { 0.0 };
    for _ in 0..poisson(rng, if age >= 5 { tele_rate * years } else { 0.0 }) {
        let day = window.day(rng);
        let about = match mental {
            Some(which) if chance(rng, 0.6) => Some(which),
            _ if !chronic.is_empty() && chance(rng, 0.5) => {
                Some(usize::try_from(below(rng, chronic.len() as u64)).unwrap_or(0))
            }
            _ => None,
        };
        if let Some(acute) = pick_acute(rng, vocab::OFFICE_ACUTE, age_at(day), female) {
            visits.push(office(
                rng,
                Kind::Telehealth(about, acute),
                day,
                EncounterClass::Telehealth,
            ));
        }
    }
    let ed_rate = match age {
        0..=4 => 0.5,
        5..=64 => 0.3,
        _ => 0.5,
    } + 0.1 * n_serious;
    for _ in 0..poisson(rng, ed_rate * years) {
        let day = window.day(rng);
        if let Some(acute) = pick_acute(rng, vocab::ED_ACUTE, age_at(day), female) {
            let start = at_hours(rng, day, 0, 24);
            let end = start + Duration::minutes(between(rng, 90, 480));
            visits.push(Visit {
                kind: Kind::Emergency(acute),
                class: EncounterClass::Emergency,
                start,
                end: Some(end),
                doses: Vec::new(),
                expired: false,
            });
        }
    }
    let admit_rate = match age {
        0..=17 => 0.015,
        18..=64 => 0.04,
        65..=79 => 0.12,
        _ => 0.22,
    } + 0.06 * n_serious;
    for _ in 0..poisson(rng, admit_rate * years) {
        let day = window.day(rng);
        let at_age = age_at(day);
        if let Some(admission) = weighted(rng, vocab::ADMISSIONS, |a| {
            if at_age >= a.min_age && at_age <= a.max_age {
                f64::from(a.weight)
            } else {
                0.0
            }
        }) {
            let start = at_hours(rng, day, 0, 24);
            let los = between(rng, admission.los.0, admission.los.1);
            visits.push(stay(rng, Kind::Admission(admission), start, los, as_of));
        }
    }
    // Pregnancy: prenatal visits and a delivery (or an ongoing pregnancy on the as-of date).
    if female && (18..=44).contains(&age) && chance(rng, 0.05 * years) {
        let delivery = day_between(
            rng,
            window.start + Duration::days(60),
            window.end + Duration::days(240),
        );
        for k in 0..9 {
            let day = delivery - Duration::days(250 - k * 30 + between(rng, 0, 6));
            if window.contains(day) {
                visits.push(office(rng, Kind::Prenatal, day, EncounterClass::Outpatient));
            }
        }
        if window.contains(delivery) {
            let start = at_hours(rng, delivery, 0, 24);
            let cesarean = chance(rng, 0.25);
            visits.push(stay(
                rng,
                Kind::Delivery { cesarean },
                start,
                if cesarean { 3 } else { 2 },
                as_of,
            ));
        }
    }
    visits.sort_by_key(|v| v.start);

    let mut plan = Plan {
        chronic,
        visits,
        reported: Vec::new(),
        deceased: None,
    };
    vaccinate(rng, &mut plan, person, &window);
    // Some of the oldest patients die in hospital; nothing happens to them afterwards.
    if let Some(idx) = plan.visits.iter().position(|v| {
        matches!(v.kind, Kind::Admission(_))
            && v.end.is_some()
            && person.age_on(v.start.date()) >= 75
    }) && chance(rng, 0.06)
        && let Some(visit) = plan.visits.get_mut(idx)
        && let Some(end) = visit.end
    {
        visit.expired = true;
        plan.deceased = Some(end.date());
        plan.visits.truncate(idx + 1);
        plan.reported.retain(|d| d.at < end);
        if let Some(visit) = plan.visits.get_mut(idx) {
            visit.doses.retain(|d| d.at < end);
        }
    }
    plan
}

fn stay(rng: &mut StdRng, kind: Kind, start: OffsetDateTime, los: i64, as_of: Date) -> Visit {
    let discharge_day = start.date() + Duration::days(los.max(1));
    let end = at_hours(rng, discharge_day, 10, 17);
    // A stay whose discharge would fall on or after the as-of date is still in progress.
    let end = (end.date() < as_of).then_some(end);
    Visit {
        kind,
        class: EncounterClass::Inpatient,
        start,
        end,
        doses: Vec::new(),
        expired: false,
    }
}

/// ~1% of doses entered in error; refusals only where asked (flu and COVID).
fn dose_status(rng: &mut StdRng, refusal: f64) -> ImmunizationStatus {
    let roll = rng.random::<f64>();
    if roll < 0.01 {
        ImmunizationStatus::EnteredInError
    } else if roll < 0.01 + refusal {
        ImmunizationStatus::NotDone
    } else {
        ImmunizationStatus::Completed
    }
}

/// Places a dose on an office visit near `day` when there is one, else on a nurse visit,
/// else records it as given elsewhere.
fn give(
    rng: &mut StdRng,
    plan: &mut Plan,
    vaccine: Vaccine,
    day: Date,
    within: (Date, Date),
    refusal: f64,
) {
    let status = dose_status(rng, refusal);
    let candidate = plan.visits.iter().position(|v| {
        v.class == EncounterClass::Outpatient
            && !matches!(v.kind, Kind::Prenatal)
            && (within.0..within.1).contains(&v.start.date())
    });
    if let Some(idx) = candidate.filter(|_| chance(rng, 0.6))
        && let Some(visit) = plan.visits.get_mut(idx)
    {
        visit.doses.push(Dose {
            vaccine,
            at: visit.start + Duration::minutes(10),
            status,
        });
        return;
    }
    if chance(rng, 0.25) {
        // Pharmacy or another practice: the dose is reported, not given here.
        let at = at_hours(rng, day, 9, 19);
        plan.reported.push(Dose {
            vaccine,
            at,
            status: ImmunizationStatus::Completed,
        });
        return;
    }
    let mut visit = office(rng, Kind::NurseVaccine, day, EncounterClass::Outpatient);
    visit.doses.push(Dose {
        vaccine,
        at: visit.start,
        status,
    });
    let at = plan.visits.partition_point(|v| v.start <= visit.start);
    plan.visits.insert(at, visit);
}

fn vaccinate(rng: &mut StdRng, plan: &mut Plan, person: &Person, window: &Window) {
    let birth = person.patient.birth_date;
    let age = person.age_on(window.end);
    // Seasonal flu: September to March, most doses in the autumn.
    for year in window.start.year() - 1..=window.end.year() {
        let open = Date::from_calendar_date(year, Month::September, 1).unwrap_or(window.start);
        let close = Date::from_calendar_date(year + 1, Month::April, 1).unwrap_or(window.end);
        let early = rng.random::<f64>().min(rng.random::<f64>());
        let day = open + Duration::days((early * 211.0) as i64);
        let age_then = person.age_on(day);
        let p = match age_then {
            0..=4 => 0.55,
            5..=17 => 0.45,
            18..=49 => 0.33,
            50..=64 => 0.5,
            _ => 0.7,
        };
        if !window.contains(day) || (day - birth).whole_days() < 183 || !chance(rng, p) {
            continue;
        }
        let table = match (year >= 2024, age_then >= 65) {
            (false, false) => vocab::FLU_QUADRIVALENT,
            (false, true) => vocab::FLU_QUADRIVALENT_65,
            (true, false) => vocab::FLU_TRIVALENT,
            (true, true) => vocab::FLU_TRIVALENT_65,
        };
        if let Some((vaccine, _)) = weighted(rng, table, |(_, w)| f64::from(*w)) {
            give(rng, plan, *vaccine, day, (open, close), 0.03);
        }
        // COVID-19 boosters in the same season for some.
        let covid = if age_then >= 65 {
            0.4
        } else if age_then >= 18 {
            0.15
        } else {
            0.05
        };
        if age_then >= 1
            && chance(rng, covid)
            && let Some((vaccine, _)) = weighted(rng, vocab::COVID, |(_, w)| f64::from(*w))
        {
            let day =
                (day + Duration::days(between(rng, 0, 30))).min(window.end - Duration::days(1));
            give(rng, plan, *vaccine, day, (open, close), 0.05);
        }
    }
    if age >= 19 && chance(rng, 0.08) {
        let day = window.day(rng);
        give(
            rng,
            plan,
            vocab::TDAP,
            day,
            (day - Duration::days(60), day + Duration::days(60)),
            0.0,
        );
    }
    if age >= 66 && chance(rng, 0.25) {
        let day = window.day(rng);
        let vaccine = if chance(rng, 0.8) {
            vocab::PCV20
        } else {
            vocab::PPSV23
        };
        give(
            rng,
            plan,
            vaccine,
            day,
            (day - Duration::days(90), day + Duration::days(90)),
            0.0,
        );
    }
    if age >= 51 && chance(rng, 0.15) {
        let first = window.day(rng);
        give(
            rng,
            plan,
            vocab::ZOSTER,
            first,
            (first - Duration::days(30), first + Duration::days(30)),
            0.0,
        );
        let second = first + Duration::days(between(rng, 60, 180));
        if window.contains(second) {
            give(
                rng,
                plan,
                vocab::ZOSTER,
                second,
                (second - Duration::days(30), second + Duration::days(30)),
                0.0,
            );
        }
    }
}
