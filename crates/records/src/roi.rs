//! Release of information: a request for copies of a chart (who asks, for whom, why, what,
//! on what legal basis, with which authorisation), the disclosures made (the accounting
//! HIPAA 45 CFR 164.528 asks for) and the patient's consents and agreed restrictions.
//! These are records like the others, so every step of a request is a version in its
//! history. The rules that decide whether a request may be released live in the
//! `disclosures` crate; here are the shapes and the checks a record makes of itself.

use crate::RecordKind;
use crate::dates::{iso_date, rfc3339};
use crate::ids::{EncounterId, PatientId};
use crate::validation::{Validate, Validator};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

/// An enum stored as its snake_case name, with its label for people.
macro_rules! text_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal / $label:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant,)* }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),*];

            /// The stored and typed name.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text,)* }
            }

            /// The name in words.
            pub fn label(self) -> &'static str {
                match self { $(Self::$variant => $label,)* }
            }

            /// Reads a name (as stored, or with dashes for underscores).
            pub fn parse(text: &str) -> Option<Self> {
                let text = text.trim().to_ascii_lowercase().replace('-', "_");
                Self::ALL.iter().copied().find(|v| v.as_str() == text)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum! {
    /// Who asks for the records.
    pub enum RequesterKind {
        /// The patient.
        Patient = "patient" / "Patient",
        /// A personal representative (parent, guardian, executor).
        Representative = "representative" / "Personal representative",
        /// A lawyer.
        Attorney = "attorney" / "Attorney",
        /// A health plan or other insurer.
        Insurer = "insurer" / "Health plan or insurer",
        /// Another provider.
        Provider = "provider" / "Health care provider",
        /// A public-health authority.
        PublicHealth = "public_health" / "Public health authority",
        /// Law enforcement.
        LawEnforcement = "law_enforcement" / "Law enforcement",
        /// A researcher.
        Researcher = "researcher" / "Researcher",
        /// Anyone else (an employer, a school).
        Other = "other" / "Other",
    }
}

text_enum! {
    /// Why a disclosure is allowed: an authorisation, or a basis in the rule that needs none.
    pub enum LegalBasis {
        /// The patient's signed authorisation (45 CFR 164.508).
        Authorization = "authorization" / "Patient's authorization (164.508)",
        /// The patient's own right of access (45 CFR 164.524).
        PatientAccess = "patient_access" / "Patient's right of access (164.524)",
        /// Treatment (45 CFR 164.506).
        Treatment = "treatment" / "Treatment (164.506)",
        /// Payment (45 CFR 164.506).
        Payment = "payment" / "Payment (164.506)",
        /// Health care operations (45 CFR 164.506).
        Operations = "operations" / "Health care operations (164.506)",
        /// Public health activities (45 CFR 164.512(b)).
        PublicHealth = "public_health" / "Public health (164.512(b))",
        /// An order of a court (45 CFR 164.512(e)(1)(i)).
        CourtOrder = "court_order" / "Court order (164.512(e)(1)(i))",
        /// A subpoena without a court order; needs satisfactory assurances (164.512(e)(1)(ii)).
        Subpoena = "subpoena" / "Subpoena (164.512(e)(1)(ii))",
        /// Required by another law (45 CFR 164.512(a)).
        RequiredByLaw = "required_by_law" / "Required by law (164.512(a))",
        /// Research under an IRB or privacy board waiver (45 CFR 164.512(i)).
        ResearchWaiver = "research_waiver" / "Research with a waiver (164.512(i))",
    }
}

impl LegalBasis {
    /// Whether a disclosure on this basis belongs in the patient's accounting of
    /// disclosures: 164.528(a)(1) leaves out treatment, payment and operations, disclosures
    /// to the patient, and those under an authorisation.
    pub fn accountable(self) -> bool {
        !matches!(
            self,
            Self::Authorization
                | Self::PatientAccess
                | Self::Treatment
                | Self::Payment
                | Self::Operations
        )
    }
}

text_enum! {
    /// A part of the chart a request may ask for. The last five are specially protected:
    /// each is released only with the specific consent it needs.
    pub enum ReleaseCategory {
        /// Name, birth date, sex, address, MRN.
        Demographics = "demographics" / "Demographics",
        /// Coverage.
        Insurance = "insurance" / "Insurance",
        /// Visits and stays.
        Encounters = "encounters" / "Encounters",
        /// Diagnosis codes.
        Diagnoses = "diagnoses" / "Diagnoses",
        /// Procedure codes.
        Procedures = "procedures" / "Procedures",
        /// Immunizations.
        Immunizations = "immunizations" / "Immunizations",
        /// Results and other observations.
        Results = "results" / "Results",
        /// Medications.
        Medications = "medications" / "Medications",
        /// Allergies.
        Allergies = "allergies" / "Allergies",
        /// The problem list.
        Problems = "problems" / "Problems",
        /// Clinical notes.
        Notes = "notes" / "Clinical notes",
        /// Charges and payments.
        Billing = "billing" / "Billing",
        /// Psychotherapy notes (45 CFR 164.508(a)(2)).
        PsychotherapyNotes = "psychotherapy_notes" / "Psychotherapy notes",
        /// Substance-use-disorder records of a Part 2 program (42 CFR Part 2).
        SubstanceUse = "substance_use" / "Substance use disorder records (42 CFR Part 2)",
        /// HIV status and tests.
        Hiv = "hiv" / "HIV and AIDS",
        /// Genetic information (GINA).
        Genetic = "genetic" / "Genetic information",
        /// Reproductive health care.
        Reproductive = "reproductive" / "Reproductive health care",
    }
}

impl ReleaseCategory {
    /// The specially protected classes.
    pub const SENSITIVE: &'static [Self] = &[
        Self::PsychotherapyNotes,
        Self::SubstanceUse,
        Self::Hiv,
        Self::Genetic,
        Self::Reproductive,
    ];

    /// Whether this class needs a specific consent.
    pub fn is_sensitive(self) -> bool {
        Self::SENSITIVE.contains(&self)
    }
}

text_enum! {
    /// How the packet goes out.
    pub enum Delivery {
        /// Printed and mailed or handed over.
        Print = "print" / "Print",
        /// A PDF file.
        Pdf = "pdf" / "PDF",
        /// A secure download link.
        Download = "download" / "Secure download link",
        /// A FHIR bundle.
        Fhir = "fhir" / "FHIR bundle",
    }
}

text_enum! {
    /// Where a request stands: received, validated, then released or denied.
    pub enum RoiStatus {
        /// Taken in, not yet validated (or found defective).
        Received = "received" / "Received",
        /// Every check passed; ready to release.
        Validated = "validated" / "Validated",
        /// The packet went out.
        Released = "released" / "Released",
        /// Refused, with the reason.
        Denied = "denied" / "Denied",
    }
}

impl RoiStatus {
    /// Whether the desk still has to act.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Received | Self::Validated)
    }
}

/// A patient's authorisation, as the form the patient signed says it
/// (45 CFR 164.508(c): core elements (1)(i)-(vi) and required statements (2)(i)-(iii)).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authorization {
    /// (c)(1)(i): the information to be disclosed, described specifically.
    pub description: Option<String>,
    /// (c)(1)(ii): who may disclose it (this facility).
    pub discloser: Option<String>,
    /// (c)(1)(iii): to whom.
    pub recipient: Option<String>,
    /// (c)(1)(iv): for what purpose ("at the request of the individual" will do).
    pub purpose: Option<String>,
    /// (c)(1)(v): an expiration date ...
    #[serde(with = "iso_date::option", default)]
    pub expires_on: Option<Date>,
    /// ... or an expiration event.
    pub expiry_event: Option<String>,
    /// (c)(1)(vi): the date signed.
    #[serde(with = "iso_date::option", default)]
    pub signed_on: Option<Date>,
    /// (c)(1)(vi): the signature is on the form.
    #[serde(default)]
    pub signature: bool,
    /// Who signed, when not the patient, and their authority (a representative).
    pub signed_by_representative: Option<String>,
    /// (c)(2)(i): the statement of the right to revoke in writing.
    #[serde(default)]
    pub revocation_statement: bool,
    /// (c)(2)(ii): the statement that treatment is not conditioned on signing.
    #[serde(default)]
    pub conditioning_statement: bool,
    /// (c)(2)(iii): the notice that the recipient may redisclose.
    #[serde(default)]
    pub redisclosure_notice: bool,
    /// When the patient revoked it in writing.
    #[serde(with = "iso_date::option", default)]
    pub revoked_on: Option<Date>,
    /// What the authorisation covers; empty means what its description says, read as the
    /// request's categories without the protected classes.
    #[serde(default)]
    pub categories: Vec<ReleaseCategory>,
    /// The first day of care it covers.
    #[serde(with = "iso_date::option", default)]
    pub from_date: Option<Date>,
    /// The last day of care it covers.
    #[serde(with = "iso_date::option", default)]
    pub to_date: Option<Date>,
}

/// A request for copies of a chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoiRequest {
    /// Whose chart.
    pub patient_id: PatientId,
    /// Who asks.
    pub requester_kind: RequesterKind,
    /// The requester's name.
    pub requester_name: String,
    /// Their organisation.
    pub requester_organization: Option<String>,
    /// Where the packet goes.
    pub requester_address: Option<String>,
    /// How the requester's identity and authority were verified (45 CFR 164.514(h)).
    pub identity_verified: Option<String>,
    /// Why, in the requester's words.
    pub purpose: String,
    /// The legal basis of the disclosure.
    pub legal_basis: LegalBasis,
    /// For a subpoena: the satisfactory assurances received (164.512(e)(1)(ii)).
    pub subpoena_assurances: Option<String>,
    /// What of the chart is asked for.
    pub categories: Vec<ReleaseCategory>,
    /// The first day of care asked for.
    #[serde(with = "iso_date::option")]
    pub from_date: Option<Date>,
    /// The last day of care asked for.
    #[serde(with = "iso_date::option")]
    pub to_date: Option<Date>,
    /// For other than treatment or the patient's own access: why each part asked is
    /// needed (minimum necessary, 45 CFR 164.502(b), 164.514(d)).
    pub minimum_necessary: Option<String>,
    /// How the packet goes out.
    pub delivery: Delivery,
    /// The authorisation, when the basis is one.
    pub authorization_form: Option<Authorization>,
    /// Where it stands.
    pub status: RoiStatus,
    /// The day it was received.
    #[serde(with = "iso_date")]
    pub received_on: Date,
    /// When it must be answered: 30 days after receipt (164.524(b)(2)).
    #[serde(with = "iso_date")]
    pub due_on: Date,
    /// The one 30-day extension, when taken.
    #[serde(with = "iso_date::option")]
    pub extended_to: Option<Date>,
    /// Why the extension was needed (told to the requester in writing).
    pub extension_reason: Option<String>,
    /// Who released or denied it.
    pub decided_by: Option<String>,
    /// When.
    #[serde(with = "rfc3339::option")]
    pub decided_at: Option<OffsetDateTime>,
    /// Why it was denied.
    pub decision_reason: Option<String>,
    /// Pages in the packet released.
    pub pages: Option<i64>,
    /// The fee charged, in cents.
    pub fee_cents: Option<i64>,
    /// SHA-256 of the packet released, hex.
    pub packet_sha256: Option<String>,
    /// Who took it in.
    pub received_by: String,
}

impl RecordKind for RoiRequest {
    const KIND: &'static str = "roi_request";
}

impl RoiRequest {
    /// A request as received on `received_on`, due 30 days later, with nothing else
    /// known yet (no organisation, address, identity check, dates, authorisation).
    pub fn received(
        patient_id: PatientId,
        requester: (RequesterKind, &str),
        purpose: &str,
        legal_basis: LegalBasis,
        categories: Vec<ReleaseCategory>,
        received_on: Date,
    ) -> Self {
        Self {
            patient_id,
            requester_kind: requester.0,
            requester_name: requester.1.to_owned(),
            requester_organization: None,
            requester_address: None,
            identity_verified: None,
            purpose: purpose.to_owned(),
            legal_basis,
            subpoena_assurances: None,
            categories,
            from_date: None,
            to_date: None,
            minimum_necessary: None,
            delivery: Delivery::Pdf,
            authorization_form: None,
            status: RoiStatus::Received,
            received_on,
            due_on: received_on.saturating_add(time::Duration::days(30)),
            extended_to: None,
            extension_reason: None,
            decided_by: None,
            decided_at: None,
            decision_reason: None,
            pages: None,
            fee_cents: None,
            packet_sha256: None,
            received_by: String::new(),
        }
    }

    /// The request's number as the packet and the desk show it.
    pub fn number(id: i64) -> String {
        format!("ROI-{id:06}")
    }

    /// The day it is due, with its extension.
    pub fn due(&self) -> Date {
        self.extended_to.unwrap_or(self.due_on)
    }

    /// Whether an open request is past its due day on `today`.
    pub fn is_late(&self, today: Date) -> bool {
        self.status.is_open() && today > self.due()
    }
}

impl Validate for RoiRequest {
    fn check(&self, v: &mut Validator) {
        v.required("requester_name", &self.requester_name);
        v.max_len("requester_name", &self.requester_name, 200);
        v.optional_text(
            "requester_organization",
            self.requester_organization.as_deref(),
            200,
        );
        v.optional_text("requester_address", self.requester_address.as_deref(), 500);
        v.optional_text("identity_verified", self.identity_verified.as_deref(), 300);
        v.required("purpose", &self.purpose);
        v.max_len("purpose", &self.purpose, 500);
        v.optional_text("minimum_necessary", self.minimum_necessary.as_deref(), 1000);
        if self.categories.is_empty() {
            v.error("categories", "name at least one part of the chart");
        }
        v.ordered("to_date", self.from_date, self.to_date, "from_date");
        if self.due_on < self.received_on {
            v.error("due_on", "is before the day the request was received");
        }
        if let Some(extended) = self.extended_to {
            if extended <= self.due_on {
                v.error("extended_to", "must be after the first due day");
            }
            if self
                .extension_reason
                .as_deref()
                .is_none_or(|r| r.trim().is_empty())
            {
                v.error(
                    "extension_reason",
                    "is required with an extension (164.524(b)(2)(ii))",
                );
            }
        }
        if self.status == RoiStatus::Denied
            && self
                .decision_reason
                .as_deref()
                .is_none_or(|r| r.trim().is_empty())
        {
            v.error("decision_reason", "is required to deny a request");
        }
        if let Some(fee) = self.fee_cents {
            v.non_negative("fee_cents", fee);
        }
    }
}

/// A disclosure made: one line of a patient's accounting of disclosures (45 CFR
/// 164.528(b)(2): date, recipient and address, what, why).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disclosure {
    /// Whose information.
    pub patient_id: PatientId,
    /// When it left.
    #[serde(with = "rfc3339")]
    pub disclosed_at: OffsetDateTime,
    /// To whom.
    pub recipient: String,
    /// Their address, when known.
    pub recipient_address: Option<String>,
    /// What was disclosed, briefly.
    pub description: String,
    /// Why: the purpose, or a copy of the request.
    pub purpose: String,
    /// On what basis.
    pub legal_basis: LegalBasis,
    /// Whether the patient's accounting lists it (164.528(a)(1) exclusions are still
    /// recorded, so every release made through Chartroom is on file).
    pub accountable: bool,
    /// The release-of-information request it answered, if any.
    pub request_id: Option<i64>,
    /// How it left (`roi`, `public-health report`, `registry message`).
    pub channel: String,
    /// Who made it.
    pub made_by: String,
}

impl RecordKind for Disclosure {
    const KIND: &'static str = "disclosure";
}

impl Validate for Disclosure {
    fn check(&self, v: &mut Validator) {
        v.required("recipient", &self.recipient);
        v.max_len("recipient", &self.recipient, 200);
        v.required("description", &self.description);
        v.max_len("description", &self.description, 1000);
        v.required("purpose", &self.purpose);
        v.max_len("purpose", &self.purpose, 500);
        v.required("channel", &self.channel);
    }
}

text_enum! {
    /// What a consent is about.
    pub enum ConsentKind {
        /// Consent to treatment.
        Treatment = "treatment" / "Treatment",
        /// Consent to the use of records in research.
        Research = "research" / "Research",
        /// Consent to share through a health information exchange.
        HieSharing = "hie_sharing" / "HIE sharing",
        /// Written consent to disclose protected records (42 CFR 2.31 for Part 2; the
        /// specific consent HIV, genetic and reproductive records need).
        SpecificDisclosure = "specific_disclosure" / "Specific consent to disclose protected records",
        /// A restriction the facility agreed to (45 CFR 164.522(a)): not to disclose to
        /// a kind of recipient, e.g. the health plan about a visit paid in full out of
        /// pocket (164.522(a)(1)(vi)).
        Restriction = "restriction" / "Agreed restriction",
    }
}

/// A patient's consent or agreed restriction, with its dates and scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    /// Whose.
    pub patient_id: PatientId,
    /// What about.
    pub kind: ConsentKind,
    /// The protected classes a specific consent covers, or the parts of the chart a
    /// restriction covers (empty: all of them).
    pub categories: Vec<ReleaseCategory>,
    /// The recipient a specific consent names (empty: any), or the kind of recipient a
    /// restriction keeps out, as a `RequesterKind` name.
    pub recipient: Option<String>,
    /// The visit a restriction covers (self-paid care), when one.
    pub encounter_id: Option<EncounterId>,
    /// In force from.
    #[serde(with = "iso_date")]
    pub effective_from: Date,
    /// In force until (inclusive).
    #[serde(with = "iso_date::option")]
    pub effective_to: Option<Date>,
    /// When the patient revoked it.
    #[serde(with = "iso_date::option")]
    pub revoked_on: Option<Date>,
    /// Anything the desk should know.
    pub note: Option<String>,
    /// Who recorded it.
    pub recorded_by: String,
}

impl RecordKind for Consent {
    const KIND: &'static str = "consent";
}

impl Consent {
    /// Whether it is in force on `day`.
    pub fn in_force(&self, day: Date) -> bool {
        day >= self.effective_from
            && self.effective_to.is_none_or(|to| day <= to)
            && self.revoked_on.is_none_or(|revoked| day < revoked)
    }
}

impl Validate for Consent {
    fn check(&self, v: &mut Validator) {
        v.ordered(
            "effective_to",
            Some(self.effective_from),
            self.effective_to,
            "effective_from",
        );
        v.optional_text("recipient", self.recipient.as_deref(), 200);
        v.optional_text("note", self.note.as_deref(), 1000);
        if self.kind == ConsentKind::SpecificDisclosure {
            if self.categories.is_empty() {
                v.error(
                    "categories",
                    "name the protected classes a specific consent covers",
                );
            }
            if let Some(plain) = self.categories.iter().find(|c| !c.is_sensitive()) {
                v.error(
                    "categories",
                    format!("{plain} is not a protected class; a specific consent covers psychotherapy_notes, substance_use, hiv, genetic or reproductive"),
                );
            }
        }
        if self.kind == ConsentKind::Restriction
            && let Some(kind) = self.recipient.as_deref()
            && RequesterKind::parse(kind).is_none()
        {
            v.error(
                "recipient",
                format!("\"{kind}\" is not a kind of recipient (insurer, attorney, ...)"),
            );
        }
    }
}

/// A data use agreement (45 CFR 164.514(e)(4)): what lets a limited data set go to a
/// researcher. Not a patient's record: it names the recipient, the permitted purpose and
/// the day it ends; an extract under it is refused before it is signed or after it ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataUseAgreement {
    /// Who receives the data (a person or study).
    pub recipient: String,
    /// Their organisation.
    pub organization: Option<String>,
    /// The research, public-health or operations purpose the data may be used for.
    pub purpose: String,
    /// The day it was signed.
    #[serde(with = "iso_date")]
    pub signed_on: Date,
    /// The last day it allows an extract (inclusive).
    #[serde(with = "iso_date")]
    pub expires_on: Date,
    /// Anything the desk should know (the study number, the IRB).
    pub note: Option<String>,
    /// Who recorded it.
    pub recorded_by: String,
}

impl RecordKind for DataUseAgreement {
    const KIND: &'static str = "data_use_agreement";
}

impl DataUseAgreement {
    /// The agreement's number as the desk writes it.
    pub fn number(id: i64) -> String {
        format!("DUA-{id}")
    }

    /// Whether an extract may be made under it on `day`.
    pub fn in_force(&self, day: Date) -> bool {
        day >= self.signed_on && day <= self.expires_on
    }
}

impl Validate for DataUseAgreement {
    fn check(&self, v: &mut Validator) {
        v.required("recipient", &self.recipient);
        v.max_len("recipient", &self.recipient, 200);
        v.optional_text("organization", self.organization.as_deref(), 200);
        v.required("purpose", &self.purpose);
        v.max_len("purpose", &self.purpose, 1000);
        v.ordered(
            "expires_on",
            Some(self.signed_on),
            Some(self.expires_on),
            "signed_on",
        );
        v.optional_text("note", self.note.as_deref(), 1000);
    }
}
