//! The R4 resources Chartroom serves, as serde structs holding the elements we map.
//!
//! Each struct carries `resourceType`, `id` and `meta` first, then its elements in the
//! order of the specification. Choice elements (`deceased[x]`) are one field per allowed
//! type, because serde's untagged enums cannot keep decimal text; `validate` enforces that
//! at most one is present. Elements we do not map are not fields: validation checks them on
//! input, and we never emit them.

mod clinical;
mod exchange;
mod financial;
mod workflow;

pub use clinical::*;
pub use exchange::*;
pub use financial::*;
pub use workflow::*;

use crate::datatypes::{
    Address, Attachment, CodeableConcept, ContactPoint, HumanName, Identifier, Period, Quantity,
    Reference,
};
use serde::{Deserialize, Serialize};

/// Whether a field is left out of the JSON: FHIR forbids nulls, empty strings and empty
/// arrays.
pub(crate) trait Skip {
    fn skip(&self) -> bool;
}

impl<T> Skip for Option<T> {
    fn skip(&self) -> bool {
        self.is_none()
    }
}

impl<T> Skip for Vec<T> {
    fn skip(&self) -> bool {
        self.is_empty()
    }
}

impl Skip for Reference {
    fn skip(&self) -> bool {
        self.reference.is_none() && self.identifier.is_none() && self.display.is_none()
    }
}

impl Skip for CodeableConcept {
    fn skip(&self) -> bool {
        self.coding.is_empty() && self.text.is_none()
    }
}

impl Skip for String {
    fn skip(&self) -> bool {
        self.is_empty()
    }
}

/// Declares a resource struct: `resourceType`, `id`, `meta`, then the listed elements,
/// each with its JSON name.
macro_rules! resource {
    ($(#[$doc:meta])* $name:ident { $($field:ident : $ty:ty = $json:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[allow(missing_docs)]
        pub struct $name {
            /// Always the struct's name.
            #[serde(rename = "resourceType")]
            pub resource_type: String,
            /// Logical id.
            #[serde(default, skip_serializing_if = "crate::resources::Skip::skip")]
            pub id: Option<String>,
            /// Version and last update.
            #[serde(default, skip_serializing_if = "crate::resources::Skip::skip")]
            pub meta: Option<crate::datatypes::Meta>,
            $(
                #[serde(rename = $json, default, skip_serializing_if = "crate::resources::Skip::skip")]
                pub $field: $ty,
            )*
        }

        impl Default for $name {
            fn default() -> Self {
                Self {
                    resource_type: stringify!($name).to_owned(),
                    id: None,
                    meta: None,
                    $($field: Default::default(),)*
                }
            }
        }

        impl $name {
            /// The FHIR resource type name.
            pub const RESOURCE_TYPE: &'static str = stringify!($name);
        }
    };
}
pub(crate) use resource;

resource! {
    /// `Patient`: demographics.
    Patient {
        identifier: Vec<Identifier> = "identifier",
        active: Option<bool> = "active",
        name: Vec<HumanName> = "name",
        telecom: Vec<ContactPoint> = "telecom",
        gender: Option<String> = "gender",
        birth_date: Option<String> = "birthDate",
        deceased_boolean: Option<bool> = "deceasedBoolean",
        deceased_date_time: Option<String> = "deceasedDateTime",
        address: Vec<Address> = "address",
        communication: Vec<PatientCommunication> = "communication",
        link: Vec<PatientLink> = "link",
    }
}

/// `Patient.link`: another Patient resource about the same person (a merge's
/// `replaced-by` on the retired chart, `replaces` on the surviving one).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PatientLink {
    /// The other Patient.
    pub other: crate::datatypes::Reference,
    /// `replaced-by`, `replaces`, `refer` or `seealso`.
    #[serde(rename = "type")]
    pub type_: String,
}

/// `Patient.communication`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PatientCommunication {
    /// The language (BCP 47).
    pub language: CodeableConcept,
    /// Preferred.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred: Option<bool>,
}

resource! {
    /// `Practitioner`: a clinician.
    Practitioner {
        identifier: Vec<Identifier> = "identifier",
        active: Option<bool> = "active",
        name: Vec<HumanName> = "name",
        qualification: Vec<PractitionerQualification> = "qualification",
    }
}

/// `Practitioner.qualification`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PractitionerQualification {
    /// The qualification (credential or taxonomy).
    pub code: CodeableConcept,
}

resource! {
    /// `Organization`: a facility, practice, laboratory or payer.
    Organization {
        identifier: Vec<Identifier> = "identifier",
        active: Option<bool> = "active",
        type_: Vec<CodeableConcept> = "type",
        name: Option<String> = "name",
        telecom: Vec<ContactPoint> = "telecom",
        address: Vec<Address> = "address",
    }
}

resource! {
    /// `Coverage`: an insurance policy.
    Coverage {
        identifier: Vec<Identifier> = "identifier",
        status: String = "status",
        subscriber: Option<Reference> = "subscriber",
        subscriber_id: Option<String> = "subscriberId",
        beneficiary: Reference = "beneficiary",
        relationship: Option<CodeableConcept> = "relationship",
        period: Option<Period> = "period",
        payor: Vec<Reference> = "payor",
        class: Vec<CoverageClass> = "class",
        order: Option<u32> = "order",
    }
}

/// `Coverage.class`: plan and group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CoverageClass {
    /// `plan` or `group`.
    #[serde(rename = "type")]
    pub type_: CodeableConcept,
    /// The value.
    pub value: String,
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

resource! {
    /// `Group`: a roster of patients (type `person`, `actual`), for Group-level `$export`.
    Group {
        identifier: Vec<Identifier> = "identifier",
        active: Option<bool> = "active",
        type_: String = "type",
        actual: Option<bool> = "actual",
        code: Option<CodeableConcept> = "code",
        name: Option<String> = "name",
        quantity: Option<u32> = "quantity",
        managing_entity: Option<Reference> = "managingEntity",
        characteristic: Vec<serde_json::Value> = "characteristic",
        member: Vec<GroupMember> = "member",
    }
}

/// `Group.member`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupMember {
    /// The member (a Patient).
    pub entity: Reference,
    /// When it was a member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// Whether it is no longer a member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inactive: Option<bool>,
}

resource! {
    /// `DocumentReference`: a clinical note.
    DocumentReference {
        status: String = "status",
        doc_status: Option<String> = "docStatus",
        type_: Option<CodeableConcept> = "type",
        category: Vec<CodeableConcept> = "category",
        subject: Option<Reference> = "subject",
        date: Option<String> = "date",
        author: Vec<Reference> = "author",
        authenticator: Option<Reference> = "authenticator",
        content: Vec<DocumentContent> = "content",
        context: Option<DocumentContext> = "context",
    }
}

/// `DocumentReference.content`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DocumentContent {
    /// The document.
    pub attachment: Attachment,
}

/// `DocumentReference.context`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DocumentContext {
    /// The encounter documented.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub encounter: Vec<Reference>,
    /// When the service happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
}

/// Quantity used by several clinical resources, re-exported for them.
pub(crate) type FhirQuantity = Quantity;
