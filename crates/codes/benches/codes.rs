//! Bench (filled below).
fn main() {}
