//! Exchange resources: Bundle, OperationOutcome, CapabilityStatement.

use super::resource;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

resource! {
    /// `Bundle`: a transaction, batch or search set. Entry resources stay raw JSON text so
    /// each can be validated and mapped on its own, decimals intact.
    Bundle {
        type_: String = "type",
        total: Option<u64> = "total",
        entry: Vec<BundleEntry> = "entry",
    }
}

/// `Bundle.entry`.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleEntry {
    /// The entry's URI (`urn:uuid:...` inside a transaction).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_url: Option<String>,
    /// The resource, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<Box<RawValue>>,
    /// What to do with it in a transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<BundleRequest>,
}

impl Clone for BundleEntry {
    fn clone(&self) -> Self {
        Self {
            full_url: self.full_url.clone(),
            resource: self.resource.as_ref().map(|raw| raw.to_owned()),
            request: self.request.clone(),
        }
    }
}

impl PartialEq for BundleEntry {
    fn eq(&self, other: &Self) -> bool {
        self.full_url == other.full_url
            && self.resource.as_ref().map(|r| r.get()) == other.resource.as_ref().map(|r| r.get())
            && self.request == other.request
    }
}

/// `Bundle.entry.request`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleRequest {
    /// GET | HEAD | POST | PUT | DELETE | PATCH.
    pub method: String,
    /// Where.
    pub url: String,
    /// Conditional create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub if_none_exist: Option<String>,
}

resource! {
    /// `OperationOutcome`: what was wrong with a request.
    OperationOutcome {
        issue: Vec<OperationOutcomeIssue> = "issue",
    }
}

/// `OperationOutcome.issue`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OperationOutcomeIssue {
    /// fatal | error | warning | information.
    pub severity: String,
    /// IssueType code (`structure`, `required`, `value`, `code-invalid`, `invariant`).
    pub code: String,
    /// What was wrong, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<String>,
    /// FHIRPath expressions of the elements concerned.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expression: Vec<String>,
}

resource! {
    /// `CapabilityStatement`: what the server supports.
    CapabilityStatement {
        status: String = "status",
        date: String = "date",
        kind: String = "kind",
        software: Option<CapabilitySoftware> = "software",
        fhir_version: String = "fhirVersion",
        format: Vec<String> = "format",
        rest: Vec<CapabilityRest> = "rest",
    }
}

/// `CapabilityStatement.software`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CapabilitySoftware {
    /// Name.
    pub name: String,
    /// Version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// `CapabilityStatement.rest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CapabilityRest {
    /// `server`.
    pub mode: String,
    /// Resources served.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource: Vec<CapabilityResource>,
    /// System interactions (`transaction`, `batch`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interaction: Vec<CapabilityInteraction>,
    /// System operations (Bulk Data `export`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub operation: Vec<CapabilityOperation>,
}

/// `CapabilityStatement.rest.operation` and `.rest.resource.operation`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CapabilityOperation {
    /// The name used after `$` (`export`).
    pub name: String,
    /// The OperationDefinition's canonical URL.
    pub definition: String,
}

/// `CapabilityStatement.rest.resource`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CapabilityResource {
    /// Resource type.
    #[serde(rename = "type")]
    pub type_: String,
    /// Interactions.
    pub interaction: Vec<CapabilityInteraction>,
    /// `versioned`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versioning: Option<String>,
    /// Whether vread is supported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_history: Option<bool>,
    /// Type-level operations (`Patient/$export`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub operation: Vec<CapabilityOperation>,
}

/// An interaction code.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CapabilityInteraction {
    /// read | vread | update | delete | history-instance | create | search-type | transaction ...
    pub code: String,
}
