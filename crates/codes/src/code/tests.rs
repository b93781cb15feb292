//! Unit tests for normalisation and packing.

use super::*;

#[test]
fn normalises_dots_case_and_spaces() {
    assert_eq!(normalize(" e11.21 "), "E1121");
    assert_eq!(pack("e11.21"), pack("E1121"));
}

#[test]
fn pack_round_trips() {
    for c in ["A00", "E1121", "S0000XA", "0016070", "Z", "J1100"] {
        let p = pack(c).unwrap();
        assert_eq!(unpack(p), c);
    }
    assert!(pack("S0000XAA").is_none());
    assert!(pack("").is_none());
    assert!(pack("E11#").is_none());
    assert_ne!(pack("A00"), pack("A000"));
}

#[test]
fn dotted() {
    assert_eq!(dotted_cm("E1121"), "E11.21");
    assert_eq!(dotted_cm("E11"), "E11");
    assert_eq!(dotted_cm("E08-E13"), "E08-E13");
}
