//! Unit tests for DT and DTM.

use super::*;
use time::macros::{date, datetime};

#[test]
fn dates_and_times() {
    assert_eq!(parse_date("20240229").unwrap(), date!(2024 - 02 - 29));
    assert!(parse_date("20230229").is_err());
    assert_eq!(
        parse_date("20241345").unwrap_err(),
        "\"20241345\" is not a valid DT value (YYYYMMDD)"
    );
    assert_eq!(
        parse_dtm("20120113").unwrap(),
        datetime!(2012-01-13 0:00 UTC)
    );
    assert_eq!(
        parse_dtm("201201130000-0500").unwrap(),
        datetime!(2012-01-13 0:00 -5)
    );
    assert_eq!(
        parse_dtm("20090224104145.123-0600").unwrap(),
        datetime!(2009-02-24 10:41:45 -6)
    );
    assert!(parse_dtm("2012011").is_err());
    assert!(parse_dtm("20120113256000").is_err());
    assert!(parse_dtm("20120113+5").is_err());
    assert!(parse_dtm("é").is_err());
}
