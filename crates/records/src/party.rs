//! Providers, organizations (facilities, practices) and payers.

use crate::RecordKind;
use crate::identifiers::Npi;
use crate::ids::OrganizationId;
use crate::patient::Address;
use crate::validation::{Validate, Validator};
use serde::{Deserialize, Serialize};

/// A clinician who can attend, perform or author.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provider {
    /// National Provider Identifier (check digit validated by the type); absent for
    /// clinicians who do not bill, and in feeds that do not carry it.
    pub npi: Option<Npi>,
    /// Family name.
    pub family_name: String,
    /// Given name.
    pub given_name: String,
    /// Credentials as written after the name (MD, DO, NP).
    pub credentials: Option<String>,
    /// NUCC health care provider taxonomy code (10 characters, e.g. `207Q00000X`).
    pub taxonomy: Option<String>,
    /// Specialty in words.
    pub specialty: Option<String>,
    /// The organization the provider practises with.
    pub organization_id: Option<OrganizationId>,
}

impl RecordKind for Provider {
    const KIND: &'static str = "provider";
}

impl Provider {
    /// "Given Family, MD".
    pub fn display_name(&self) -> String {
        match &self.credentials {
            Some(credentials) => {
                format!("{} {}, {}", self.given_name, self.family_name, credentials)
            }
            None => format!("{} {}", self.given_name, self.family_name),
        }
    }
}

impl Validate for Provider {
    fn check(&self, v: &mut Validator) {
        v.required("family_name", &self.family_name);
        v.max_len("family_name", &self.family_name, 80);
        v.required("given_name", &self.given_name);
        v.max_len("given_name", &self.given_name, 80);
        v.optional_text("credentials", self.credentials.as_deref(), 20);
        v.optional_text("specialty", self.specialty.as_deref(), 80);
        if let Some(taxonomy) = self.taxonomy.as_deref() {
            // NUCC taxonomy codes are ten characters ending in X (X12 PRV03).
            let well_formed = taxonomy.len() == 10
                && taxonomy.ends_with('X')
                && taxonomy.bytes().all(|b| b.is_ascii_alphanumeric());
            if !well_formed {
                v.error(
                    "taxonomy",
                    format!(
                        "\"{taxonomy}\" is not a NUCC taxonomy code (10 characters ending in X)"
                    ),
                );
            }
        }
    }
}

/// What an organization is to us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganizationKind {
    /// A hospital or other facility where encounters happen.
    Facility,
    /// A physician practice or clinic.
    Practice,
    /// A laboratory.
    Laboratory,
    /// Anything else.
    Other,
}

/// An organization or facility.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    /// Name.
    pub name: String,
    /// What kind of organization.
    pub kind: OrganizationKind,
    /// Organizational (type 2) NPI.
    pub npi: Option<Npi>,
    /// Address.
    #[serde(flatten)]
    pub address: Address,
    /// Main phone number.
    pub phone: Option<String>,
}

impl RecordKind for Organization {
    const KIND: &'static str = "organization";
}

impl Validate for Organization {
    fn check(&self, v: &mut Validator) {
        v.required("name", &self.name);
        v.max_len("name", &self.name, 120);
        self.address.check(v);
        v.optional_text("phone", self.phone.as_deref(), 30);
    }
}

/// What kind of payer, which decides claim rules later (Medicare secondary payer, etc.).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PayerKind {
    /// Medicare.
    Medicare,
    /// Medicaid.
    Medicaid,
    /// Commercial insurance.
    Commercial,
    /// Other government programs (TRICARE, VA).
    Government,
    /// The patient pays.
    SelfPay,
}

/// A payer: an insurer or program that pays claims.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payer {
    /// Name.
    pub name: String,
    /// The payer id used on X12 claims (NM109 of loop 2010BB).
    pub payer_code: Option<String>,
    /// Kind of payer.
    pub kind: PayerKind,
    /// Claims address.
    #[serde(flatten)]
    pub address: Address,
    /// Phone number.
    pub phone: Option<String>,
}

impl RecordKind for Payer {
    const KIND: &'static str = "payer";
}

impl Validate for Payer {
    fn check(&self, v: &mut Validator) {
        v.required("name", &self.name);
        v.max_len("name", &self.name, 120);
        v.optional_text("payer_code", self.payer_code.as_deref(), 80);
        self.address.check(v);
        v.optional_text("phone", self.phone.as_deref(), 30);
    }
}
