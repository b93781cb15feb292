//! Patients: demographics and insurance coverages.

use crate::RecordKind;
use crate::dates::iso_date;
use crate::identifiers::Mrn;
use crate::ids::{PatientId, PayerId};
use crate::validation::{Validate, Validator};
use serde::{Deserialize, Serialize};
use time::Date;

/// Administrative sex as registration records it (HL7 v2 table 0001 subset, FHIR
/// `AdministrativeGender`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdministrativeSex {
    /// Male.
    Male,
    /// Female.
    Female,
    /// Other.
    Other,
    /// Unknown or not recorded.
    Unknown,
}

impl AdministrativeSex {
    /// Reads the usual one-letter or spelled-out forms (`M`, `female`, `U`).
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "m" | "male" => Some(Self::Male),
            "f" | "female" => Some(Self::Female),
            "o" | "other" => Some(Self::Other),
            "u" | "unknown" | "" => Some(Self::Unknown),
            _ => None,
        }
    }

    /// The one-letter code used in listings and HL7 (`M`, `F`, `O`, `U`).
    pub fn code(self) -> &'static str {
        match self {
            Self::Male => "M",
            Self::Female => "F",
            Self::Other => "O",
            Self::Unknown => "U",
        }
    }
}

/// A postal address; every part optional because registration often starts incomplete.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Address {
    /// Street line.
    pub line1: Option<String>,
    /// Apartment, suite.
    pub line2: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State or province, as the postal service writes it.
    pub state: Option<String>,
    /// ZIP or postal code.
    pub postal_code: Option<String>,
    /// Country, ISO 3166 alpha-2 or alpha-3.
    pub country: Option<String>,
}

impl Validate for Address {
    fn check(&self, v: &mut Validator) {
        v.optional_text("line1", self.line1.as_deref(), 100);
        v.optional_text("line2", self.line2.as_deref(), 100);
        v.optional_text("city", self.city.as_deref(), 60);
        v.optional_text("state", self.state.as_deref(), 40);
        v.optional_text("country", self.country.as_deref(), 3);
        // State and ZIP are checked for US addresses only (no country, or the US).
        let us = self.country.as_deref().is_none_or(|c| {
            ["US", "USA"]
                .iter()
                .any(|us| us.eq_ignore_ascii_case(c.trim()))
        });
        if let Some(state) = self.state.as_deref()
            && us
            && !crate::postal::is_us_state(state)
        {
            v.error(
                "state",
                format!("\"{state}\" is not a US state or territory (its USPS abbreviation, e.g. MA, or its name)"),
            );
        }
        if let Some(zip) = self.postal_code.as_deref()
            && us
            && !crate::postal::is_zip(zip)
        {
            v.error(
                "postal_code",
                format!("\"{zip}\" is not a ZIP code (5 digits, or 9 as 12345-6789)"),
            );
        }
    }
}

/// The assigning authority of the MRNs this facility gives out (registration, and records
/// that arrive from outside without a medical record number).
pub const FACILITY_MRN_AUTHORITY: &str = "CHARTROOM";

/// An identifier another system gave the patient (its MRN there, a Social Security or
/// driver's licence number, a payer's member id), kept exactly as it was sent: what comes
/// in is what goes out and what a search by it finds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientIdentifier {
    /// The namespace (a URI: `urn:oid:2.16.840.1.113883.4.1` for SSNs), when one was sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The identifier itself, as sent (case and punctuation kept).
    pub value: String,
    /// Its kind, an HL7 v2 table 0203 code (`MR`, `SS`, `DL`, `MB`), when one was sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_code: Option<String>,
    /// FHIR `Identifier.use` (`usual`, `official`, `temp`, `secondary`, `old`).
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
}

impl Validate for PatientIdentifier {
    fn check(&self, v: &mut Validator) {
        v.optional_text("system", self.system.as_deref(), 255);
        v.required("value", &self.value);
        v.max_len("value", &self.value, 100);
        v.optional_text("type_code", self.type_code.as_deref(), 20);
        if let Some(use_) = self.use_.as_deref()
            && !matches!(use_, "usual" | "official" | "temp" | "secondary" | "old")
        {
            v.error(
                "use",
                format!("\"{use_}\" is not usual, official, temp, secondary or old"),
            );
        }
    }
}

/// A patient: who the chart belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Patient {
    /// Medical record number, unique within `mrn_authority`.
    pub mrn: Mrn,
    /// The facility or system that assigned the MRN (HL7 PID-3.4).
    pub mrn_authority: String,
    /// Legal family name.
    pub family_name: String,
    /// Legal given name(s), space separated.
    pub given_name: String,
    /// Middle name or initial.
    pub middle_name: Option<String>,
    /// Name prefix (Mr., Dr.).
    pub name_prefix: Option<String>,
    /// Name suffix (Jr., III).
    pub name_suffix: Option<String>,
    /// The name the patient goes by, when different from the legal given name.
    pub preferred_name: Option<String>,
    /// Date of birth.
    #[serde(with = "iso_date")]
    pub birth_date: Date,
    /// Administrative sex.
    pub sex: AdministrativeSex,
    /// Home address.
    #[serde(flatten)]
    pub address: Address,
    /// Phone number as given.
    pub phone: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Preferred language (BCP 47 tag or name).
    pub language: Option<String>,
    /// Race, as self-reported (optional by law and by choice).
    pub race: Option<String>,
    /// Ethnicity, as self-reported.
    pub ethnicity: Option<String>,
    /// Date of death.
    #[serde(with = "iso_date::option")]
    pub deceased_date: Option<Date>,
    /// Identifiers other systems gave the patient, as they were sent (the MRN above is this
    /// facility's own).
    #[serde(default)]
    pub identifiers: Vec<PatientIdentifier>,
}

impl RecordKind for Patient {
    const KIND: &'static str = "patient";
}

impl Patient {
    /// A patient with only the required fields; every optional one empty.
    pub fn new(
        mrn: Mrn,
        mrn_authority: &str,
        family_name: &str,
        given_name: &str,
        birth_date: Date,
        sex: AdministrativeSex,
    ) -> Self {
        Self {
            mrn,
            mrn_authority: mrn_authority.to_owned(),
            family_name: family_name.to_owned(),
            given_name: given_name.to_owned(),
            middle_name: None,
            name_prefix: None,
            name_suffix: None,
            preferred_name: None,
            birth_date,
            sex,
            address: Address::default(),
            phone: None,
            email: None,
            language: None,
            race: None,
            ethnicity: None,
            deceased_date: None,
            identifiers: Vec::new(),
        }
    }

    /// "Family, Given Middle" as a records department writes it.
    pub fn display_name(&self) -> String {
        match &self.middle_name {
            Some(middle) => format!("{}, {} {}", self.family_name, self.given_name, middle),
            None => format!("{}, {}", self.family_name, self.given_name),
        }
    }

    /// Age in whole years on `on`.
    pub fn age_on(&self, on: Date) -> i32 {
        crate::dates::age_on(self.birth_date, on)
    }
}

impl Validate for Patient {
    fn check(&self, v: &mut Validator) {
        v.required("mrn_authority", &self.mrn_authority);
        v.max_len("mrn_authority", &self.mrn_authority, 40);
        v.required("family_name", &self.family_name);
        v.max_len("family_name", &self.family_name, 80);
        v.required("given_name", &self.given_name);
        v.max_len("given_name", &self.given_name, 80);
        v.optional_text("middle_name", self.middle_name.as_deref(), 80);
        v.optional_text("name_prefix", self.name_prefix.as_deref(), 20);
        v.optional_text("name_suffix", self.name_suffix.as_deref(), 20);
        v.optional_text("preferred_name", self.preferred_name.as_deref(), 80);
        if self.birth_date.year() < 1880 {
            v.error("birth_date", format!("{} is before 1880", self.birth_date));
        }
        v.ordered(
            "deceased_date",
            Some(self.birth_date),
            self.deceased_date,
            "birth_date",
        );
        self.address.check(v);
        v.optional_text("phone", self.phone.as_deref(), 30);
        if let Some(email) = self.email.as_deref()
            && !email.contains('@')
        {
            v.error("email", format!("\"{email}\" is not an e-mail address"));
        }
        v.optional_text("language", self.language.as_deref(), 40);
        v.optional_text("race", self.race.as_deref(), 60);
        v.optional_text("ethnicity", self.ethnicity.as_deref(), 60);
        if self.identifiers.len() > 50 {
            v.error(
                "identifiers",
                format!(
                    "{} identifiers; at most 50 are kept",
                    self.identifiers.len()
                ),
            );
        }
        for (idx, identifier) in self.identifiers.iter().enumerate() {
            v.nested(format!("identifiers[{idx}]"), identifier);
        }
    }

    /// A birth or death date after tomorrow is a typing error (tomorrow, because the day
    /// has already begun east of UTC).
    fn check_as_of(&self, today: Date, v: &mut Validator) {
        let Some(latest) = today.next_day() else {
            return;
        };
        if self.birth_date > latest {
            v.error(
                "birth_date",
                format!("{} is in the future", self.birth_date),
            );
        }
        if let Some(died) = self.deceased_date
            && died > latest
        {
            v.error("deceased_date", format!("{died} is in the future"));
        }
    }
}

/// Which payer pays first (coordination of benefits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CoverageOrder {
    /// Billed first.
    Primary,
    /// Billed after the primary.
    Secondary,
    /// Billed third.
    Tertiary,
}

/// The patient's relationship to the subscriber (X12 2000B SBR02 / 2000C PAT01 meaning).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    /// The patient is the subscriber.
    SelfSubscriber,
    /// Spouse.
    Spouse,
    /// Child.
    Child,
    /// Any other relationship.
    Other,
}

/// An insurance coverage held by a patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// Whose coverage this is.
    pub patient_id: PatientId,
    /// The paying organization.
    pub payer_id: PayerId,
    /// Plan name.
    pub plan_name: Option<String>,
    /// Member (subscriber) id on the card.
    pub member_id: String,
    /// Group number.
    pub group_number: Option<String>,
    /// Name of the subscriber when not the patient.
    pub subscriber_name: Option<String>,
    /// The patient's relationship to the subscriber.
    pub relationship: Relationship,
    /// Primary, secondary or tertiary.
    pub coverage_order: CoverageOrder,
    /// First day covered.
    #[serde(with = "iso_date")]
    pub effective_start: Date,
    /// Last day covered, if it has ended.
    #[serde(with = "iso_date::option")]
    pub effective_end: Option<Date>,
}

impl RecordKind for Coverage {
    const KIND: &'static str = "coverage";
}

impl Coverage {
    /// Whether the coverage is in force on `on`.
    pub fn in_force_on(&self, on: Date) -> bool {
        self.effective_start <= on && self.effective_end.is_none_or(|end| on <= end)
    }
}

impl Validate for Coverage {
    fn check(&self, v: &mut Validator) {
        v.required("member_id", &self.member_id);
        v.max_len("member_id", &self.member_id, 40);
        v.optional_text("plan_name", self.plan_name.as_deref(), 100);
        v.optional_text("group_number", self.group_number.as_deref(), 40);
        v.optional_text("subscriber_name", self.subscriber_name.as_deref(), 120);
        if self.relationship != Relationship::SelfSubscriber && self.subscriber_name.is_none() {
            v.error(
                "subscriber_name",
                "is required when the patient is not the subscriber",
            );
        }
        v.ordered(
            "effective_end",
            Some(self.effective_start),
            self.effective_end,
            "effective_start",
        );
    }
}
