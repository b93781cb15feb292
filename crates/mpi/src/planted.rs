//! A synthetic population with duplicates planted the way they happen at registration
//! (typos, nicknames, given and family swapped, day and month transposed, a year slip,
//! a surname changed by marriage, a move, a new phone) and twins who must not merge, with
//! the truth kept aside: which records are one person.
//!
//! Everything is synthetic: names are drawn from common given names and made-up family
//! names, phones are in the 555-0100 to 555-0199 range reserved for fiction, SSNs start
//! with 9 (never issued as SSNs). The same seed gives the same population.

use crate::nicknames::Nicknames;
use crate::normalize::Person;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use records::{Address, AdministrativeSex, Mrn, Patient, PatientIdentifier};
use time::{Date, Month};

/// The other facility whose MRNs some patients bring.
pub const OTHER_FACILITY: &str = "urn:chartroom:demo:facility:riverside";

/// How a record came to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plant {
    /// The person's first record.
    Original,
    /// A second record of a person, with what changed.
    Duplicate(Vec<Change>),
    /// A twin of the person before it: another person sharing family name, birth date and
    /// home.
    Twin,
}

/// One way a duplicate differs from the original.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Change {
    /// A letter wrong, missing, doubled or two swapped in a name.
    Typo,
    /// A nickname for the given name (Bill for William).
    Nickname,
    /// Given and family name swapped.
    Swapped,
    /// Day and month of birth transposed.
    TransposedDate,
    /// Birth year off by one.
    YearOff,
    /// A new family name after marriage (sometimes hyphenated with the old).
    MarriedName,
    /// A new address.
    Moved,
    /// A new phone number, or none.
    NewPhone,
}

impl Change {
    /// The change in words.
    pub fn label(self) -> &'static str {
        match self {
            Self::Typo => "typo",
            Self::Nickname => "nickname",
            Self::Swapped => "swapped names",
            Self::TransposedDate => "transposed date",
            Self::YearOff => "year off by one",
            Self::MarriedName => "married name",
            Self::Moved => "moved",
            Self::NewPhone => "new phone",
        }
    }
}

/// The population and its truth.
#[derive(Debug, Clone)]
pub struct Planted {
    /// Every record.
    pub patients: Vec<Patient>,
    /// The person each record belongs to (records of one person share the number).
    pub person: Vec<u32>,
    /// How each record came to be.
    pub plant: Vec<Plant>,
}

impl Planted {
    /// Every pair of records of one person, `(a, b)` with `a < b`.
    pub fn true_pairs(&self) -> Vec<(u32, u32)> {
        let mut by_person: std::collections::HashMap<u32, Vec<u32>> =
            std::collections::HashMap::new();
        for (idx, person) in self.person.iter().enumerate() {
            by_person.entry(*person).or_default().push(idx as u32);
        }
        let mut pairs: Vec<(u32, u32)> = by_person
            .values()
            .flat_map(|records| {
                records.iter().enumerate().flat_map(move |(i, &a)| {
                    records
                        .iter()
                        .skip(i + 1)
                        .map(move |&b| (a.min(b), a.max(b)))
                })
            })
            .collect();
        pairs.sort_unstable();
        pairs
    }

    /// Every record reduced for matching, on both cores.
    pub fn persons(&self, nicknames: &Nicknames) -> Vec<Person> {
        self.patients
            .par_iter()
            .map(|patient| Person::from_patient(patient, nicknames))
            .collect()
    }

    /// Every pair of twins (different people by the truth).
    pub fn twin_pairs(&self) -> Vec<(u32, u32)> {
        self.plant
            .iter()
            .enumerate()
            .filter(|(_, plant)| **plant == Plant::Twin)
            .filter_map(|(idx, _)| {
                Some((
                    u32::try_from(idx).ok()?.checked_sub(1)?,
                    u32::try_from(idx).ok()?,
                ))
            })
            .collect()
    }
}

const FEMALE: &[&str] = &[
    "Abigail",
    "Alexandra",
    "Allison",
    "Angela",
    "Barbara",
    "Beverly",
    "Catherine",
    "Katherine",
    "Kathleen",
    "Charlotte",
    "Christina",
    "Christine",
    "Cynthia",
    "Deborah",
    "Dorothy",
    "Eleanor",
    "Elizabeth",
    "Emily",
    "Frances",
    "Gabrielle",
    "Isabella",
    "Janet",
    "Jennifer",
    "Jessica",
    "Judith",
    "Margaret",
    "Michelle",
    "Nancy",
    "Pamela",
    "Patricia",
    "Rebecca",
    "Samantha",
    "Sarah",
    "Stephanie",
    "Susan",
    "Victoria",
    "Adelaide",
    "Bernadette",
    "Clementine",
    "Dagmar",
    "Florence",
    "Greta",
    "Harriet",
    "Imogen",
    "Josephine",
    "Lucinda",
    "Matilda",
    "Nadia",
    "Octavia",
    "Philippa",
    "Rosamund",
    "Tabitha",
    "Violet",
    "Winifred",
    "Yvonne",
    "Zara",
    "Annika",
    "Blanche",
    "Cordelia",
    "Maeve",
    "Ingrid",
    "Leonie",
    "Mirela",
    "Noemi",
    "Ottilie",
    "Perpetua",
    "Rhiannon",
    "Solveig",
    "Thea",
    "Ursula",
    "Vesna",
    "Wilhelmina",
    "Xenia",
    "Yolanda",
    "Zofia",
    "Agnieszka",
    "Bronwen",
];

const MALE: &[&str] = &[
    "Alexander",
    "Alfred",
    "Andrew",
    "Anthony",
    "Benjamin",
    "Bradley",
    "Charles",
    "Christopher",
    "Daniel",
    "David",
    "Dennis",
    "Donald",
    "Douglas",
    "Edward",
    "Francis",
    "Frederick",
    "Gabriel",
    "Gerald",
    "Gregory",
    "Harold",
    "Henry",
    "Jacob",
    "James",
    "John",
    "Jonathan",
    "Joseph",
    "Joshua",
    "Kenneth",
    "Lawrence",
    "Leonard",
    "Louis",
    "Matthew",
    "Michael",
    "Nathaniel",
    "Nicholas",
    "Patrick",
    "Peter",
    "Philip",
    "Richard",
    "Robert",
    "Ronald",
    "Samuel",
    "Stephen",
    "Steven",
    "Theodore",
    "Thomas",
    "Timothy",
    "Walter",
    "William",
    "Zachary",
    "Aurelio",
    "Bartholomew",
    "Cornelius",
    "Dietrich",
    "Ezekiel",
    "Godfrey",
    "Horatio",
    "Isidore",
    "Jasper",
    "Leopold",
    "Oswald",
    "Percival",
    "Quincy",
    "Reginald",
    "Sebastian",
    "Tobias",
    "Ulysses",
    "Valentin",
    "Winston",
    "Yusuf",
    "Ambrose",
    "Benedict",
    "Cormac",
    "Desmond",
    "Evander",
    "Florian",
    "Gunnar",
];

const NICKNAMES: &[(&str, &[&str])] = &[
    ("William", &["Bill", "Will", "Billy"]),
    ("Robert", &["Bob", "Rob", "Bobby"]),
    ("Margaret", &["Peggy", "Maggie", "Meg"]),
    ("Elizabeth", &["Liz", "Beth", "Betty"]),
    ("Richard", &["Rick", "Dick", "Rich"]),
    ("Katherine", &["Kathy", "Kate"]),
    ("Catherine", &["Cathy", "Kate"]),
    ("James", &["Jim", "Jimmy"]),
    ("Michael", &["Mike", "Mick"]),
    ("Jennifer", &["Jen", "Jenny"]),
    ("Patricia", &["Pat", "Patty", "Trish"]),
    ("Thomas", &["Tom", "Tommy"]),
    ("Joseph", &["Joe", "Joey"]),
    ("Susan", &["Sue", "Susie"]),
    ("Edward", &["Ed", "Eddie", "Ted"]),
    ("Anthony", &["Tony"]),
    ("Deborah", &["Debbie", "Deb"]),
    ("Christopher", &["Chris"]),
    ("Alexandra", &["Alex", "Sandra"]),
    ("Daniel", &["Dan", "Danny"]),
    ("Dorothy", &["Dot", "Dottie"]),
    ("Rebecca", &["Becky"]),
];

const FAMILY_HEAD: &[&str] = &[
    "Ash", "Bar", "Black", "Brad", "Brook", "Cal", "Car", "Clay", "Cran", "Dal", "Dun", "El",
    "Fair", "Fen", "Gold", "Green", "Hal", "Hart", "Hay", "Holl", "Kel", "Kings", "Lang", "Lind",
    "Mar", "Mel", "Mill", "Nor", "Oak", "Pem", "Quill", "Rad", "Red", "Ros", "Sal", "Shel", "Stan",
    "Stock", "Thorn", "Tren", "Wal", "West", "Whit", "Wil", "Win", "Yar", "Zel", "Ab",
];

const FAMILY_TAIL: &[&str] = &[
    "bury", "by", "cott", "croft", "dale", "den", "ford", "gate", "ham", "hurst", "ington", "land",
    "ley", "low", "mere", "more", "ridge", "ston", "thorpe", "ton", "well", "wick", "wood",
    "worth", "stead", "holm", "field", "brook", "combe", "shaw", "ner", "son", "man", "er", "ers",
    "ins", "ett", "ock", "rick", "ing",
];

const STREETS: &[&str] = &[
    "Elm",
    "Oak",
    "Maple",
    "Cedar",
    "Pine",
    "Birch",
    "Willow",
    "Chestnut",
    "Walnut",
    "Spruce",
    "Hawthorn",
    "Juniper",
    "Alder",
    "Linden",
    "Sycamore",
    "Magnolia",
    "Aspen",
    "Hazel",
    "Laurel",
    "Rowan",
    "Harbor",
    "River",
    "Lake",
    "Hill",
    "Meadow",
    "Orchard",
    "Mill",
    "Bridge",
    "Church",
    "School",
    "Market",
    "Union",
    "Prospect",
    "Summit",
    "Forest",
    "Garden",
    "Park",
    "Spring",
    "Highland",
    "Valley",
    "Ridge",
    "Sunset",
    "Franklin",
    "Washington",
    "Lincoln",
    "Adams",
    "Jefferson",
    "Madison",
    "Monroe",
    "Jackson",
];

const SUFFIXES: &[(&str, &str)] = &[
    ("Street", "St"),
    ("Avenue", "Ave"),
    ("Road", "Rd"),
    ("Lane", "Ln"),
    ("Drive", "Dr"),
    ("Court", "Ct"),
    ("Place", "Pl"),
    ("Terrace", "Ter"),
];

const CITIES: &[&str] = &[
    "Northfield",
    "Easton",
    "Westbury",
    "Southwick",
    "Millbrook",
    "Fairhaven",
    "Greenport",
    "Ashland",
    "Lakeview",
    "Riverside",
    "Oakdale",
    "Pinecrest",
];

/// A uniformly chosen item; callers pass non-empty lists.
fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    let idx = rng.random_range(0..items.len().max(1));
    &items[idx.min(items.len().saturating_sub(1))]
}

/// A family name; skewed so some names are common, as real surnames are.
fn family_name(rng: &mut StdRng) -> String {
    let n = FAMILY_HEAD.len() * FAMILY_TAIL.len();
    let skewed = (rng.random::<f64>().powi(2) * n as f64) as usize % n;
    let head = FAMILY_HEAD
        .get(skewed % FAMILY_HEAD.len())
        .copied()
        .unwrap_or("Ash");
    let tail = FAMILY_TAIL
        .get(skewed / FAMILY_HEAD.len())
        .copied()
        .unwrap_or("ton");
    format!("{head}{tail}")
}

fn given_name(rng: &mut StdRng, sex: AdministrativeSex) -> String {
    let names = if sex == AdministrativeSex::Female {
        FEMALE
    } else {
        MALE
    };
    (*pick(rng, names)).to_owned()
}

fn address(rng: &mut StdRng) -> Address {
    let (suffix, abbreviation) = *pick(rng, SUFFIXES);
    Address {
        line1: Some(format!(
            "{} {} {}",
            rng.random_range(1..10_000),
            pick(rng, STREETS),
            if rng.random_bool(0.5) {
                suffix
            } else {
                abbreviation
            }
        )),
        line2: None,
        city: Some((*pick(rng, CITIES)).to_owned()),
        state: Some("MA".to_owned()),
        postal_code: Some(format!("0{:04}", rng.random_range(1000..2800))),
        country: None,
    }
}

/// A fictional number: any area code, exchange 555, line 0100-0199.
fn phone(rng: &mut StdRng) -> String {
    format!(
        "({}) 555-01{:02}",
        rng.random_range(201..990),
        rng.random_range(0..100)
    )
}

fn birth_date(rng: &mut StdRng) -> Date {
    let year = rng.random_range(1925..2025);
    let month = Month::try_from(rng.random_range(1..=12u8)).unwrap_or(Month::January);
    let day = rng.random_range(1..=time::util::days_in_month(month, year));
    Date::from_calendar_date(year, month, day).unwrap_or(Date::MIN)
}

fn fold(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// A record's MRN at this facility: `P` and nine digits.
fn mrn(idx: usize) -> Option<Mrn> {
    Mrn::parse(&format!("P{idx:09}")).ok()
}

fn original(rng: &mut StdRng, mrn: Mrn) -> Patient {
    let sex = if rng.random_bool(0.5) {
        AdministrativeSex::Female
    } else {
        AdministrativeSex::Male
    };
    let mut patient = Patient::new(
        mrn,
        records::FACILITY_MRN_AUTHORITY,
        &family_name(rng),
        &given_name(rng, sex),
        birth_date(rng),
        sex,
    );
    patient.address = address(rng);
    if rng.random_bool(0.9) {
        patient.phone = Some(phone(rng));
    }
    if rng.random_bool(0.6) {
        patient.identifiers.push(PatientIdentifier {
            system: Some("urn:oid:2.16.840.1.113883.4.1".to_owned()),
            value: format!(
                "9{:02}-{:02}-{:04}",
                rng.random_range(0..100),
                rng.random_range(1..100),
                rng.random_range(1..10_000)
            ),
            type_code: Some("SS".to_owned()),
            use_: None,
        });
    }
    if rng.random_bool(0.25) {
        patient.identifiers.push(PatientIdentifier {
            system: Some(OTHER_FACILITY.to_owned()),
            value: format!("R{:07}", rng.random_range(0..10_000_000)),
            type_code: Some("MR".to_owned()),
            use_: None,
        });
    }
    patient
}

/// A letter wrong, dropped, doubled, or two adjacent swapped.
fn typo(rng: &mut StdRng, name: &str) -> String {
    let mut chars: Vec<char> = name.chars().collect();
    if chars.len() < 3 {
        return format!("{name}{}", chars.last().copied().unwrap_or('e'));
    }
    let at = rng.random_range(1..chars.len() - 1);
    match rng.random_range(0..4) {
        0 => chars.swap(at, at + 1),
        1 => {
            chars.remove(at);
        }
        2 => {
            let c = chars.get(at).copied().unwrap_or('e');
            chars.insert(at, c);
        }
        _ => {
            if let Some(c) = chars.get_mut(at) {
                *c = *pick(rng, &['a', 'e', 'i', 'o', 'n', 'r', 's', 't', 'l']);
            }
        }
    }
    chars.into_iter().collect()
}

fn duplicate(rng: &mut StdRng, of: &Patient, mrn: Mrn) -> (Patient, Vec<Change>) {
    let mut patient = of.clone();
    patient.mrn = mrn;
    // Outside systems' identifiers are not always brought the second time.
    if rng.random_bool(0.5) {
        patient.identifiers.clear();
    }
    let mut possible = vec![
        Change::Typo,
        Change::Typo,
        Change::Swapped,
        Change::YearOff,
        Change::Moved,
        Change::NewPhone,
    ];
    if NICKNAMES.iter().any(|(formal, _)| *formal == of.given_name) {
        possible.extend([Change::Nickname, Change::Nickname]);
    }
    let (month, day) = (u8::from(of.birth_date.month()), of.birth_date.day());
    if day <= 12 && day != month {
        possible.push(Change::TransposedDate);
    }
    if of.sex == AdministrativeSex::Female && of.birth_date.year() < 2005 {
        possible.extend([Change::MarriedName, Change::MarriedName]);
    }
    let n_changes = *pick(rng, &[1, 1, 2, 2, 3]);
    let mut changes = Vec::new();
    for _ in 0..n_changes {
        let change = *pick(rng, &possible);
        if !changes.contains(&change) {
            changes.push(change);
        }
    }
    changes.sort();
    for change in &changes {
        match change {
            Change::Typo => {
                if rng.random_bool(0.5) {
                    patient.given_name = typo(rng, &patient.given_name);
                } else {
                    patient.family_name = typo(rng, &patient.family_name);
                }
            }
            Change::Nickname => {
                if let Some((_, short)) = NICKNAMES
                    .iter()
                    .find(|(formal, _)| *formal == of.given_name)
                {
                    patient.given_name = (*pick(rng, short)).to_owned();
                }
            }
            Change::Swapped => std::mem::swap(&mut patient.given_name, &mut patient.family_name),
            Change::TransposedDate => {
                if let Ok(month) = Month::try_from(day)
                    && let Ok(date) = Date::from_calendar_date(
                        of.birth_date.year(),
                        month,
                        u8::from(of.birth_date.month()),
                    )
                {
                    patient.birth_date = date;
                }
            }
            Change::YearOff => {
                let year = of.birth_date.year() + if rng.random_bool(0.5) { 1 } else { -1 };
                if let Ok(date) = of.birth_date.replace_year(year) {
                    patient.birth_date = date;
                }
            }
            Change::MarriedName => {
                let new = family_name(rng);
                patient.family_name = if rng.random_bool(0.3) {
                    format!("{}-{new}", of.family_name)
                } else {
                    new
                };
            }
            Change::Moved => patient.address = address(rng),
            Change::NewPhone => patient.phone = rng.random_bool(0.7).then(|| phone(rng)),
        }
    }
    (patient, changes)
}

/// Second registrations of some of `originals` (about `share` of them, one each), made the
/// way they happen at the desk: each with the index of the record it duplicates and what
/// changed. Each keeps its original's MRN: the caller numbers them. The same seed gives the
/// same duplicates.
pub fn duplicates_of(
    originals: &[Patient],
    share: f64,
    seed: u64,
) -> Vec<(usize, Patient, Vec<Change>)> {
    let mut rng = StdRng::seed_from_u64(seed);
    let wanted = ((originals.len() as f64) * share.clamp(0.0, 1.0)).round() as usize;
    let mut order: Vec<usize> = (0..originals.len()).collect();
    // A partial Fisher-Yates shuffle: the first `wanted` are a uniform sample.
    for i in 0..wanted.min(order.len()) {
        let j = rng.random_range(i..order.len());
        order.swap(i, j);
    }
    order.truncate(wanted);
    order.sort_unstable();
    order
        .into_iter()
        .filter_map(|idx| {
            let of = originals.get(idx)?;
            let (patient, changes) = duplicate(&mut rng, of, of.mrn.clone());
            Some((idx, patient, changes))
        })
        .collect()
}

/// A population of `n` records of which about `duplicate_share` are planted duplicates and
/// about one in a hundred a twin of the record before it.
pub fn planted(n: usize, duplicate_share: f64, seed: u64) -> Planted {
    let mut rng = StdRng::seed_from_u64(seed);
    let nicknames = Nicknames::embedded().unwrap_or_default();
    let mut planted = Planted {
        patients: Vec::with_capacity(n),
        person: Vec::with_capacity(n),
        plant: Vec::with_capacity(n),
    };
    // Each person's first record: duplicates are made from these.
    let mut firsts: Vec<usize> = Vec::new();
    while planted.patients.len() < n {
        let idx = planted.patients.len();
        let Some(mrn) = mrn(idx) else { break };
        let roll = rng.random::<f64>();
        let n_people = u32::try_from(firsts.len()).unwrap_or(u32::MAX);
        let (patient, person, plant) = match planted.patients.last() {
            Some(_) if roll < duplicate_share && firsts.len() > 10 => {
                let of_idx = *pick(&mut rng, &firsts);
                let (Some(of), Some(&person)) =
                    (planted.patients.get(of_idx), planted.person.get(of_idx))
                else {
                    break;
                };
                let (patient, changes) = duplicate(&mut rng, of, mrn);
                (patient, person, Plant::Duplicate(changes))
            }
            Some(of)
                if roll < duplicate_share + 0.01
                    && planted.plant.last() == Some(&Plant::Original) =>
            {
                let mut twin = of.clone();
                twin.mrn = mrn;
                twin.identifiers.clear();
                if rng.random_bool(0.5) {
                    twin.sex = match of.sex {
                        AdministrativeSex::Female => AdministrativeSex::Male,
                        _ => AdministrativeSex::Female,
                    };
                }
                // Parents do not name twins Margaret and Greta: a twin's name is neither
                // the other's nor a nickname of it.
                while twin.given_name == of.given_name
                    || nicknames.same_name(&fold(&twin.given_name), &fold(&of.given_name))
                {
                    twin.given_name = given_name(&mut rng, twin.sex);
                }
                firsts.push(idx);
                (twin, n_people, Plant::Twin)
            }
            _ => {
                firsts.push(idx);
                (original(&mut rng, mrn), n_people, Plant::Original)
            }
        };
        planted.patients.push(patient);
        planted.person.push(person);
        planted.plant.push(plant);
    }
    planted
}

#[cfg(test)]
mod tests;
