use super::FacilityZone;
use time::macros::datetime;

#[test]
fn chicago_follows_daylight_saving_both_ways() {
    let zone = FacilityZone::named("America/Chicago").unwrap();
    assert_eq!(
        zone.to_local(datetime!(2026-01-10 14:00 UTC)),
        datetime!(2026-01-10 08:00)
    );
    assert_eq!(
        zone.to_local(datetime!(2026-07-10 14:00 UTC)),
        datetime!(2026-07-10 09:00)
    );
    assert_eq!(zone.abbreviation(datetime!(2026-01-10 14:00 UTC)), "CST");
    assert_eq!(zone.abbreviation(datetime!(2026-07-10 14:00 UTC)), "CDT");
    assert_eq!(
        zone.from_local(datetime!(2026-07-10 09:00)),
        datetime!(2026-07-10 14:00 UTC)
    );
    // 02:30 on 2026-03-08 does not exist in Chicago; read with the offset before the change.
    assert_eq!(
        zone.from_local(datetime!(2026-03-08 02:30)),
        datetime!(2026-03-08 08:30 UTC)
    );
    // 01:30 on 2026-11-01 happens twice; the first is meant.
    assert_eq!(
        zone.from_local(datetime!(2026-11-01 01:30)),
        datetime!(2026-11-01 06:30 UTC)
    );
}

#[test]
fn an_unknown_zone_is_named_in_the_refusal() {
    assert_eq!(
        FacilityZone::named("Mars/Olympus").unwrap_err(),
        "\"Mars/Olympus\" is not a time zone of the tz database (e.g. America/Chicago)"
    );
    let utc = FacilityZone::default();
    assert_eq!(
        utc.to_local(datetime!(2026-01-10 14:00 UTC)),
        datetime!(2026-01-10 14:00)
    );
    assert_eq!(utc.abbreviation(datetime!(2026-01-10 14:00 UTC)), "UTC");
}
