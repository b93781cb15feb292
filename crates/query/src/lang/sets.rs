//! Named code sets usable in queries (`cvx in flu`).
//!
//! `flu` is every seasonal-influenza CVX code: the nine the benchmark names (140, 141,
//! 150, 155, 158, 185, 186, 197, 205) plus every other code whose parent in the CDC CVX
//! table is 88 ("influenza, unspecified formulation"), checked against the CVX release
//! in the shared data (cvx.tsv, `parents` column). Pandemic and avian codes (H1N1 125-128,
//! H5N1 123/160, H5N8 321-323) are left out on purpose: they are not seasonal coverage,
//! and counting them would inflate flu-shot rates.

/// Seasonal influenza CVX codes, ascending.
pub const FLU: [u16; 30] = [
    15, 16, 88, 111, 135, 140, 141, 144, 149, 150, 151, 153, 155, 158, 161, 166, 168, 171, 185,
    186, 194, 197, 200, 201, 202, 205, 231, 320, 331, 333,
];

/// The CVX codes of a named set.
pub fn cvx_set(name: &str) -> Option<&'static [u16]> {
    match name {
        "flu" => Some(&FLU),
        _ => None,
    }
}
