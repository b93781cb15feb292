//! US postal facts a registration is checked against: the states, the District of
//! Columbia, the territories and the military "states", as USPS abbreviates and names
//! them (USPS Publication 28, appendix B), and the ZIP code's shape.

/// USPS abbreviation and name of every state, DC, territory, freely associated state and
/// armed-forces address "state".
const STATES: &[(&str, &str)] = &[
    ("AL", "Alabama"),
    ("AK", "Alaska"),
    ("AZ", "Arizona"),
    ("AR", "Arkansas"),
    ("CA", "California"),
    ("CO", "Colorado"),
    ("CT", "Connecticut"),
    ("DE", "Delaware"),
    ("DC", "District of Columbia"),
    ("FL", "Florida"),
    ("GA", "Georgia"),
    ("HI", "Hawaii"),
    ("ID", "Idaho"),
    ("IL", "Illinois"),
    ("IN", "Indiana"),
    ("IA", "Iowa"),
    ("KS", "Kansas"),
    ("KY", "Kentucky"),
    ("LA", "Louisiana"),
    ("ME", "Maine"),
    ("MD", "Maryland"),
    ("MA", "Massachusetts"),
    ("MI", "Michigan"),
    ("MN", "Minnesota"),
    ("MS", "Mississippi"),
    ("MO", "Missouri"),
    ("MT", "Montana"),
    ("NE", "Nebraska"),
    ("NV", "Nevada"),
    ("NH", "New Hampshire"),
    ("NJ", "New Jersey"),
    ("NM", "New Mexico"),
    ("NY", "New York"),
    ("NC", "North Carolina"),
    ("ND", "North Dakota"),
    ("OH", "Ohio"),
    ("OK", "Oklahoma"),
    ("OR", "Oregon"),
    ("PA", "Pennsylvania"),
    ("RI", "Rhode Island"),
    ("SC", "South Carolina"),
    ("SD", "South Dakota"),
    ("TN", "Tennessee"),
    ("TX", "Texas"),
    ("UT", "Utah"),
    ("VT", "Vermont"),
    ("VA", "Virginia"),
    ("WA", "Washington"),
    ("WV", "West Virginia"),
    ("WI", "Wisconsin"),
    ("WY", "Wyoming"),
    ("AS", "American Samoa"),
    ("GU", "Guam"),
    ("MP", "Northern Mariana Islands"),
    ("PR", "Puerto Rico"),
    ("VI", "Virgin Islands"),
    ("UM", "United States Minor Outlying Islands"),
    ("FM", "Federated States of Micronesia"),
    ("MH", "Marshall Islands"),
    ("PW", "Palau"),
    ("AA", "Armed Forces Americas"),
    ("AE", "Armed Forces Europe"),
    ("AP", "Armed Forces Pacific"),
];

/// Whether `text` is a US state, DC, territory or military state, by its USPS
/// abbreviation or its name (any case), as registrations and Synthea exports write it.
pub fn is_us_state(text: &str) -> bool {
    let text = text.trim();
    STATES
        .iter()
        .any(|(code, name)| code.eq_ignore_ascii_case(text) || name.eq_ignore_ascii_case(text))
}

/// Whether `zip` is a ZIP code: 5 digits, or ZIP+4 as 9 digits with or without the
/// hyphen after the fifth.
pub fn is_zip(zip: &str) -> bool {
    let digits = zip.bytes().filter(u8::is_ascii_digit).count();
    match zip.len() {
        5 | 9 => digits == zip.len(),
        10 => digits == 9 && zip.as_bytes().get(5) == Some(&b'-'),
        _ => false,
    }
}
