//! People: demographics drawn from an age pyramid, and the insurance they carry over the
//! demo's three-year window (including turning 65 onto Medicare part-way through).

use crate::names;
use crate::random::{below, between, chance, pick, weighted};
use crate::reference::{COMMERCIAL, PayerSlot, Reference};
use rand::rngs::StdRng;
use records::{
    Address, AdministrativeSex, Coverage, CoverageOrder, Mrn, Patient, PatientId, Relationship,
};
use store::{Actor, Tx, Value};
use time::{Date, Duration};

/// The MRN assigning authority demo patients are registered under.
pub const MRN_AUTHORITY: &str = records::FACILITY_MRN_AUTHORITY;

/// US population share by five-year age band (0-4 ... 90-94), census-like.
const AGE_BANDS: &[f64] = &[
    6.0, 6.0, 6.3, 6.4, 6.4, 6.8, 7.0, 6.7, 6.4, 6.0, 6.2, 6.3, 6.3, 5.5, 4.5, 3.2, 2.0, 1.2, 0.6,
];

/// A demo MRN: `D` and at least six digits.
pub(crate) fn mrn_text(number: u64) -> String {
    format!("D{number:06}")
}

/// The number after the highest demo MRN already in the store, so repeated runs append
/// patients with fresh MRNs instead of colliding.
pub(crate) fn next_mrn_number(tx: &mut Tx<'_>) -> store::Result<u64> {
    let rows = tx.query(
        "SELECT mrn FROM patients WHERE mrn_authority = ? AND mrn LIKE 'D%' ORDER BY LENGTH(mrn) DESC, mrn DESC LIMIT 20",
        &[Value::from(MRN_AUTHORITY)],
    )?;
    let highest = rows
        .iter()
        .filter_map(|row| row.text(0)?.strip_prefix('D')?.parse::<u64>().ok())
        .max()
        .unwrap_or(0);
    Ok(highest + 1)
}

/// One insurance policy over a span of dates.
#[derive(Debug, Clone)]
pub(crate) struct Policy {
    pub slot: PayerSlot,
    pub order: CoverageOrder,
    pub start: Date,
    pub end: Option<Date>,
    pub member_id: String,
    pub plan_name: Option<String>,
    pub group_number: Option<String>,
    pub relationship: Relationship,
    pub subscriber_name: Option<String>,
}

impl Policy {
    fn in_force(&self, on: Date) -> bool {
        self.start <= on && self.end.is_none_or(|end| on <= end)
    }
}

/// A demo person before they are stored.
pub(crate) struct Person {
    pub patient: Patient,
    pub policies: Vec<Policy>,
}

impl Person {
    pub fn age_on(&self, on: Date) -> i32 {
        self.patient.age_on(on)
    }

    pub fn female(&self) -> bool {
        self.patient.sex == AdministrativeSex::Female
    }

    /// The policy billed first on a date, then the secondary.
    pub fn payers_on(&self, on: Date) -> (Option<&Policy>, Option<&Policy>) {
        let find = |order| {
            self.policies
                .iter()
                .find(|p| p.order == order && p.in_force(on))
        };
        (find(CoverageOrder::Primary), find(CoverageOrder::Secondary))
    }
}

fn birth_date(rng: &mut StdRng, as_of: Date) -> Date {
    let band = weighted(rng, &(0..AGE_BANDS.len()).collect::<Vec<_>>(), |i| {
        AGE_BANDS.get(*i).copied().unwrap_or(0.0)
    })
    .copied()
    .unwrap_or(5);
    let age_days = (i64::try_from(band).unwrap_or(5) * 5) * 365 + between(rng, 0, 5 * 365 - 1);
    as_of - Duration::days(age_days + 1)
}

fn medicare_id(rng: &mut StdRng) -> String {
    // MBI format (CMS): C A AN N A AN N A A N N, letters without S L O I B Z.
    const LETTERS: &[u8] = b"ACDEFGHJKMNPQRTUVWXY";
    const ALNUM: &[u8] = b"ACDEFGHJKMNPQRTUVWXY0123456789";
    let mut out = String::with_capacity(11);
    let mut push = |set: &[u8], rng: &mut StdRng| {
        if let Some(c) = pick(rng, set) {
            out.push(char::from(*c));
        }
    };
    push(b"123456789", rng);
    push(LETTERS, rng);
    push(ALNUM, rng);
    push(b"0123456789", rng);
    push(LETTERS, rng);
    push(ALNUM, rng);
    push(b"0123456789", rng);
    push(LETTERS, rng);
    push(LETTERS, rng);
    push(b"0123456789", rng);
    push(b"0123456789", rng);
    out
}

fn policy(
    rng: &mut StdRng,
    slot: PayerSlot,
    order: CoverageOrder,
    start: Date,
    end: Option<Date>,
) -> Policy {
    let (member_id, plan_name, group_number) = match slot {
        PayerSlot::Medicare => (medicare_id(rng), Some("Original Medicare".to_owned()), None),
        PayerSlot::Medicaid => (
            format!("{:012}", 100_000_000_000 + below(rng, 899_999_999_999)),
            Some("MassHealth Standard".to_owned()),
            None,
        ),
        PayerSlot::Commercial(i) => {
            let (_, _, plan, prefix) = COMMERCIAL.get(i).copied().unwrap_or(COMMERCIAL[0]);
            (
                format!("{prefix}{:09}", below(rng, 1_000_000_000)),
                Some(plan.to_owned()),
                Some(format!("G{:05}", below(rng, 100_000))),
            )
        }
        PayerSlot::SelfPay => ("SELF".to_owned(), None, None),
    };
    Policy {
        slot,
        order,
        start,
        end,
        member_id,
        plan_name,
        group_number,
        relationship: Relationship::SelfSubscriber,
        subscriber_name: None,
    }
}

/// Insurance over the window: ~7% of people have none today (the review work needs
/// "missing insurance"), most of them since a plan ended in the last four months, Medicare from 65, Medicaid for some children and low-income
/// adults, commercial otherwise, and some a secondary policy.
fn policies(rng: &mut StdRng, patient: &Patient, as_of: Date) -> Vec<Policy> {
    let age = patient.age_on(as_of);
    let birth = patient.birth_date;
    let since = |rng: &mut StdRng| {
        (as_of - Duration::days(between(rng, 3 * 365 + 30, 12 * 365))).max(birth)
    };
    let commercial =
        |rng: &mut StdRng| PayerSlot::Commercial(usize::try_from(below(rng, 3)).unwrap_or(0));
    let mut out = Vec::new();
    let uninsured = match age {
        0..=17 => 0.04,
        18..=64 => 0.10,
        _ => 0.01,
    };
    if chance(rng, uninsured) {
        // Most of the uninsured lost a plan lately (a job ended, Medicaid lapsed): their
        // last weeks' visits have no coverage in force, which registration chases; the
        // rest never had one in the window.
        if chance(rng, 0.9) {
            let start = since(rng);
            let end = (as_of - Duration::days(between(rng, 10, 120))).max(start);
            let slot = if chance(rng, 0.4) {
                PayerSlot::Medicaid
            } else {
                commercial(rng)
            };
            out.push(policy(rng, slot, CoverageOrder::Primary, start, Some(end)));
        }
        return out;
    }
    if age >= 65 {
        // Medicare starts the first of the month of the 65th birthday.
        let sixty_five =
            Date::from_calendar_date(birth.year() + 65, birth.month(), 1).unwrap_or(birth);
        let earlier = since(rng);
        if sixty_five > earlier {
            // Turned 65 after the earlier plan began: commercial until then.
            let slot = commercial(rng);
            out.push(policy(
                rng,
                slot,
                CoverageOrder::Primary,
                earlier,
                Some(sixty_five - Duration::days(1)),
            ));
        }
        out.push(policy(
            rng,
            PayerSlot::Medicare,
            CoverageOrder::Primary,
            sixty_five.min(as_of),
            None,
        ));
        if chance(rng, 0.10) {
            out.push(policy(
                rng,
                PayerSlot::Medicaid,
                CoverageOrder::Secondary,
                sixty_five.min(as_of),
                None,
            ));
        } else if chance(rng, 0.35) {
            let slot = commercial(rng);
            let mut medigap = policy(
                rng,
                slot,
                CoverageOrder::Secondary,
                sixty_five.min(as_of),
                None,
            );
            medigap.plan_name = Some("Medicare Supplement Plan G".into());
            out.push(medigap);
        }
        return out;
    }
    let medicaid = if age < 18 { 0.40 } else { 0.18 };
    let start = since(rng);
    let slot = if chance(rng, medicaid) {
        PayerSlot::Medicaid
    } else {
        commercial(rng)
    };
    let mut primary = policy(rng, slot, CoverageOrder::Primary, start, None);
    if age < 18 || (age < 26 && chance(rng, 0.4)) {
        if matches!(slot, PayerSlot::Commercial(_)) {
            primary.relationship = Relationship::Child;
            let parent = pick(
                rng,
                names::FEMALE_GIVEN
                    .iter()
                    .chain(names::MALE_GIVEN)
                    .copied()
                    .collect::<Vec<_>>()
                    .as_slice(),
            )
            .copied()
            .unwrap_or("Alex");
            primary.subscriber_name = Some(format!("{parent} {}", patient.family_name));
        }
    } else if matches!(slot, PayerSlot::Commercial(_)) && chance(rng, 0.3) {
        primary.relationship = Relationship::Spouse;
        let spouse = pick(
            rng,
            if patient.sex == AdministrativeSex::Female {
                names::MALE_GIVEN
            } else {
                names::FEMALE_GIVEN
            },
        )
        .copied()
        .unwrap_or("Alex");
        primary.subscriber_name = Some(format!("{spouse} {}", patient.family_name));
    }
    let primary_is_commercial = matches!(slot, PayerSlot::Commercial(_));
    out.push(primary);
    if primary_is_commercial && chance(rng, 0.05) {
        let second = commercial(rng);
        out.push(policy(rng, second, CoverageOrder::Secondary, start, None));
    }
    out
}

/// Draws a person: sex ~50/50, age from the pyramid, a synthetic name and address.
pub(crate) fn person(rng: &mut StdRng, number: u64, as_of: Date) -> store::Result<Person> {
    let female = chance(rng, 0.51);
    let given_list = if female {
        names::FEMALE_GIVEN
    } else {
        names::MALE_GIVEN
    };
    let given = pick(rng, given_list).copied().unwrap_or("Alex");
    let family = pick(rng, names::FAMILY).copied().unwrap_or("Ashcombe");
    let birth = birth_date(rng, as_of);
    let (zip, city, area) =
        pick(rng, names::PLACES)
            .copied()
            .unwrap_or(("01101", "Springfield", "413"));
    let street = pick(rng, names::STREETS).copied().unwrap_or("Maple");
    let kind = pick(rng, names::STREET_KINDS).copied().unwrap_or("St");
    let middle = if chance(rng, 0.6) {
        pick(rng, given_list).map(|m| m.chars().take(1).collect::<String>())
    } else {
        None
    };
    let age = i32::try_from((as_of - birth).whole_days() / 365).unwrap_or(0);
    let suffix = (!female && age > 20 && chance(rng, 0.03)).then(|| "Jr.".to_owned());
    let preferred =
        (age > 12 && chance(rng, 0.05)).then(|| given.chars().take(3).collect::<String>());
    let email = (age >= 16 && chance(rng, 0.55)).then(|| {
        format!(
            "{}.{}{}@example.com",
            given.to_lowercase(),
            family.to_lowercase(),
            number % 1000
        )
    });
    let language =
        weighted(rng, names::LANGUAGES, |(_, w)| f64::from(*w)).map(|(l, _)| (*l).to_owned());
    let race =
        weighted(rng, names::RACES, |(_, w)| f64::from(*w)).and_then(|(r, _)| r.map(str::to_owned));
    let ethnicity = if race.is_none() && chance(rng, 0.6) {
        None
    } else if chance(rng, 0.13) {
        Some("Hispanic or Latino".to_owned())
    } else {
        Some("Not Hispanic or Latino".to_owned())
    };
    // A `D` and digits always parses; the error path only guards the contract.
    let mrn = Mrn::parse(&mrn_text(number)).map_err(store::Error::Conflict)?;
    let patient = Patient {
        mrn,
        mrn_authority: MRN_AUTHORITY.into(),
        family_name: family.into(),
        given_name: given.into(),
        middle_name: middle,
        name_prefix: None,
        name_suffix: suffix,
        preferred_name: preferred,
        birth_date: birth,
        sex: if female {
            AdministrativeSex::Female
        } else {
            AdministrativeSex::Male
        },
        address: Address {
            line1: Some(format!("{} {street} {kind}", between(rng, 1, 999))),
            line2: chance(rng, 0.15).then(|| format!("Apt {}", between(rng, 1, 40))),
            city: Some(city.into()),
            state: Some("MA".into()),
            postal_code: Some(zip.into()),
            country: Some("US".into()),
        },
        phone: chance(rng, 0.95).then(|| format!("({area}) 555-01{:02}", below(rng, 100))),
        email,
        language,
        race,
        ethnicity,
        deceased_date: None,
        identifiers: Vec::new(),
    };
    let policies = policies(rng, &patient, as_of);
    Ok(Person { patient, policies })
}

/// Stores the patient and their coverages.
pub(crate) fn store_person(
    tx: &mut Tx<'_>,
    actor: &Actor,
    reference: &Reference,
    person: &Person,
) -> store::Result<(PatientId, usize)> {
    let patient_id = PatientId(tx.create(actor, &person.patient)?.meta.id);
    for policy in &person.policies {
        tx.create(
            actor,
            &Coverage {
                patient_id,
                payer_id: reference.payer(policy.slot),
                plan_name: policy.plan_name.clone(),
                member_id: policy.member_id.clone(),
                group_number: policy.group_number.clone(),
                subscriber_name: policy.subscriber_name.clone(),
                relationship: policy.relationship,
                coverage_order: policy.order,
                effective_start: policy.start,
                effective_end: policy.end,
            },
        )?;
    }
    Ok((patient_id, person.policies.len()))
}
