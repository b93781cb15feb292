//! Decimal text survives parsing and serializing.

use super::*;

#[test]
fn trailing_zero_round_trips() {
    #[derive(Serialize, Deserialize)]
    struct Holder {
        value: Decimal,
    }
    let holder: Holder = serde_json::from_str(r#"{"value": 72.50}"#).unwrap();
    assert_eq!(holder.value.as_str(), "72.50");
    assert_eq!(
        serde_json::to_string(&holder).unwrap(),
        r#"{"value":72.50}"#
    );
}

#[test]
fn grammar() {
    for good in ["0", "-0.5", "72.50", "1e3", "1.5E-7", "100"] {
        assert!(is_json_number(good), "{good}");
    }
    for bad in ["", "01", ".5", "1.", "+1", "1e", "NaN", "1 ", "0x10", "--1"] {
        assert!(!is_json_number(bad), "{bad}");
    }
}

#[test]
fn strings_are_not_decimals() {
    #[derive(Deserialize)]
    struct Holder {
        #[allow(dead_code)]
        value: Decimal,
    }
    assert!(serde_json::from_str::<Holder>(r#"{"value": "72.50"}"#).is_err());
}

#[test]
fn floats_print_shortest() {
    assert_eq!(Decimal::from_f64(72.5).unwrap().as_str(), "72.5");
    assert_eq!(Decimal::from_f64(3.0).unwrap().as_str(), "3");
    assert!(Decimal::from_f64(f64::NAN).is_none());
}
