//! FHIR R4 JSON: validation and the mapping to Chartroom's records never panic, whatever
//! the text (the REST API and bundle import run both on every resource they receive).
#![no_main]

use libfuzzer_sys::fuzz_target;

/// Resolves every reference to record 1, so mapping goes past the reference checks.
struct Everything;

impl fhir::ReferenceResolver for Everything {
    fn resolve(&mut self, _kind: &'static str, _reference: &str) -> Option<i64> {
        Some(1)
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let issues = fhir::validate_resource(text);
    if issues
        .iter()
        .all(|i| i.severity != fhir::IssueSeverity::Error)
    {
        let _ = fhir::from_json(text, &mut Everything);
    }
});
