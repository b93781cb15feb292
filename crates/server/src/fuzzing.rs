//! Entry points for the fuzz targets in `fuzz/` (feature `fuzzing`, never in the product):
//! parsers that live behind the HTTP layer, reachable without a running server.

/// Reads `query` as a FHIR search on one of the served resource types (`pick` chooses it,
/// and whether unknown parameters are strict); never panics, whatever the text.
pub fn fhir_search(pick: usize, query: &str) {
    crate::fhir_rest::fuzz_search(pick, query);
}
