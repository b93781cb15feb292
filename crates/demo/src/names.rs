//! Embedded name, street and place lists. The names are plausible but chosen to be
//! uncommon, and every phone number is in the 555-01xx range reserved for fiction, so
//! nobody mistakes demo charts for real people.

pub(crate) const FEMALE_GIVEN: &[&str] = &[
    "Alma", "Beatrix", "Celia", "Dorothea", "Elowen", "Flora", "Greta", "Hazel", "Ione", "Juniper",
    "Kestrel", "Linnea", "Marisol", "Nerys", "Odette", "Pilar", "Quilla", "Rosalind", "Saoirse", "Tamsin",
    "Ulla", "Verity", "Wren", "Xiomara", "Yara", "Zinnia", "Anouk", "Briony", "Carys", "Delphine",
];

pub(crate) const MALE_GIVEN: &[&str] = &[
    "Alden", "Bram", "Casimir", "Dashiell", "Emrys", "Fitz", "Gideon", "Hollis", "Ignatius", "Jory",
    "Kit", "Lysander", "Mattias", "Nico", "Osric", "Peregrine", "Quentin", "Rafferty", "Soren", "Thaddeus",
    "Ulric", "Vaughn", "Wystan", "Xavi", "Yannick", "Zeb", "Anselm", "Barnaby", "Cormac", "Desmond",
];

pub(crate) const FAMILY: &[&str] = &[
    "Ashcombe", "Bellwether", "Birchall", "Blackwood", "Brambley", "Calloway", "Carrow", "Castellan",
    "Dunmore", "Eastleigh", "Ellery", "Fairweather", "Fenwick", "Galloway", "Garrick", "Greyhaven",
    "Halloran", "Hawthorne", "Holloway", "Ingleby", "Jessop", "Kettering", "Kingsley", "Larkspur",
    "Lockhart", "Mallory", "Merriweather", "Northcott", "Oakhurst", "Pendleton", "Penhallow", "Quimby",
    "Ravenscroft", "Redfern", "Rookwood", "Saltmarsh", "Sedgwick", "Sherwin", "Stonebridge", "Tallis",
    "Thistlewood", "Thornbury", "Underhill", "Vance", "Wakefield", "Westerly", "Whitlock", "Winterbourne",
    "Yardley", "Ashdown", "Brightwater", "Coldridge", "Delacourt", "Esterly", "Foxhall", "Gladwell",
    "Harrowgate", "Ivesdale", "Juniperwood", "Kimbrell", "Quintana", "Okafor", "Nakashima", "Oyelaran",
];

pub(crate) const STREETS: &[&str] = &[
    "Maple", "Oak", "Elm", "Cedar", "Birch", "Willow", "Chestnut", "Hawthorn", "Linden", "Spruce",
    "Harbor", "Meadow", "Orchard", "Mill", "River", "Summit", "Bay", "Granite", "Pleasant", "Union",
];

pub(crate) const STREET_KINDS: &[&str] = &["St", "Ave", "Rd", "Ln", "Way", "Ct", "Pl", "Dr"];

/// Real-format Massachusetts ZIP codes with their post-office city and telephone area code.
pub(crate) const PLACES: &[(&str, &str, &str)] = &[
    ("01002", "Amherst", "413"), ("01040", "Holyoke", "413"), ("01060", "Northampton", "413"),
    ("01089", "West Springfield", "413"), ("01101", "Springfield", "413"), ("01201", "Pittsfield", "413"),
    ("01301", "Greenfield", "413"), ("01420", "Fitchburg", "978"), ("01602", "Worcester", "508"),
    ("01605", "Worcester", "508"), ("01701", "Framingham", "508"), ("01801", "Woburn", "781"),
    ("01810", "Andover", "978"), ("01841", "Lawrence", "978"), ("01852", "Lowell", "978"),
    ("01887", "Wilmington", "978"), ("01902", "Lynn", "781"), ("01930", "Gloucester", "978"),
    ("01970", "Salem", "978"), ("02035", "Foxborough", "508"), ("02062", "Norwood", "781"),
    ("02081", "Walpole", "508"), ("02108", "Boston", "617"), ("02115", "Boston", "617"),
    ("02118", "Boston", "617"), ("02130", "Jamaica Plain", "617"), ("02139", "Cambridge", "617"),
    ("02145", "Somerville", "617"), ("02148", "Malden", "781"), ("02169", "Quincy", "617"),
    ("02184", "Braintree", "781"), ("02301", "Brockton", "508"), ("02360", "Plymouth", "508"),
    ("02420", "Lexington", "781"), ("02453", "Waltham", "781"), ("02458", "Newton", "617"),
    ("02474", "Arlington", "781"), ("02601", "Hyannis", "508"), ("02720", "Fall River", "508"),
    ("02740", "New Bedford", "508"), ("02780", "Taunton", "508"),
];

/// Preferred language (BCP 47) with weights, roughly as a Massachusetts registration desk sees them.
pub(crate) const LANGUAGES: &[(&str, u32)] = &[("en", 84), ("es", 9), ("pt", 3), ("zh", 1), ("vi", 1), ("ht", 2)];

/// Race categories (OMB) with weights; `None` is "declined or not recorded".
pub(crate) const RACES: &[(Option<&str>, u32)] = &[
    (Some("White"), 62), (Some("Black or African American"), 9), (Some("Asian"), 7),
    (Some("American Indian or Alaska Native"), 1), (Some("Native Hawaiian or Other Pacific Islander"), 1),
    (Some("Other"), 6), (None, 14),
];
