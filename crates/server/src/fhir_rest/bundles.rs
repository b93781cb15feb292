//! Bundles the server writes (searchset, history, batch-response, transaction-response),
//! with entry resources kept as the JSON text the mapping produced, so decimals keep
//! their precision.

use super::resource::Found;
use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;

/// A Bundle being answered.
#[derive(Debug, Serialize)]
pub(crate) struct BundleOut {
    #[serde(rename = "resourceType")]
    resource_type: &'static str,
    #[serde(rename = "type")]
    pub type_: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub link: Vec<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entry: Vec<EntryOut>,
}

/// One entry.
#[derive(Debug, Default, Serialize)]
pub(crate) struct EntryOut {
    #[serde(rename = "fullUrl", skip_serializing_if = "Option::is_none")]
    pub full_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<Box<RawValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<Value>,
}

impl BundleOut {
    pub(crate) fn new(type_: &'static str) -> Self {
        Self {
            resource_type: "Bundle",
            type_,
            total: None,
            link: Vec::new(),
            entry: Vec::new(),
        }
    }

    pub(crate) fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// JSON text as a raw entry resource (`None` when empty).
pub(crate) fn raw(json: &str) -> Option<Box<RawValue>> {
    if json.is_empty() {
        None
    } else {
        RawValue::from_string(json.to_owned()).ok()
    }
}

/// An entry showing a found record.
pub(crate) fn entry(base: &str, found: &Found) -> EntryOut {
    EntryOut {
        full_url: Some(format!("{base}/{}", found.reference())),
        resource: raw(&found.json),
        ..EntryOut::default()
    }
}
