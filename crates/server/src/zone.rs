//! The facility's time zone: times on pages are read and typed in it (UTC stays what is
//! stored, and pages show it on hover). The tz database comes compiled in with jiff, so
//! daylight-saving changes follow the rules in force on each date.

use time::{OffsetDateTime, PrimitiveDateTime};

/// A facility's clock face.
#[derive(Debug, Clone)]
pub struct FacilityZone {
    name: String,
    zone: jiff::tz::TimeZone,
}

impl Default for FacilityZone {
    fn default() -> Self {
        Self::utc()
    }
}

fn timestamp(at: OffsetDateTime) -> jiff::Timestamp {
    let nanos = i32::try_from(at.nanosecond()).unwrap_or(0);
    jiff::Timestamp::new(at.unix_timestamp(), nanos).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

impl FacilityZone {
    /// Coordinated Universal Time, the default.
    pub fn utc() -> Self {
        Self {
            name: "UTC".into(),
            zone: jiff::tz::TimeZone::UTC,
        }
    }

    /// The IANA zone `name` (`America/Chicago`), or why it is not one.
    pub fn named(name: &str) -> Result<Self, String> {
        let name = name.trim();
        jiff::tz::TimeZone::get(name)
            .map(|zone| Self {
                name: name.to_owned(),
                zone,
            })
            .map_err(|_| {
                format!("\"{name}\" is not a time zone of the tz database (e.g. America/Chicago)")
            })
    }

    /// The zone's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The wall-clock time at the facility at `at`.
    pub fn to_local(&self, at: OffsetDateTime) -> PrimitiveDateTime {
        let civil = timestamp(at).to_zoned(self.zone.clone()).datetime();
        let date = time::Date::from_calendar_date(
            i32::from(civil.year()),
            time::Month::try_from(u8::try_from(civil.month()).unwrap_or(1))
                .unwrap_or(time::Month::January),
            u8::try_from(civil.day()).unwrap_or(1),
        )
        .unwrap_or(at.date());
        let clock = time::Time::from_hms(
            u8::try_from(civil.hour()).unwrap_or(0),
            u8::try_from(civil.minute()).unwrap_or(0),
            u8::try_from(civil.second()).unwrap_or(0),
        )
        .unwrap_or(time::Time::MIDNIGHT);
        PrimitiveDateTime::new(date, clock)
    }

    /// The instant a wall-clock time typed at the facility means; a time that occurs
    /// twice (clocks turned back) is the first, one skipped (clocks turned forward) is
    /// read with the offset before the change, as RFC 5545 and most calendars do.
    pub fn from_local(&self, local: PrimitiveDateTime) -> OffsetDateTime {
        let fallback = local.assume_utc();
        let civil = jiff::civil::DateTime::new(
            i16::try_from(local.year()).unwrap_or(1970),
            i8::try_from(u8::from(local.month())).unwrap_or(1),
            i8::try_from(local.day()).unwrap_or(1),
            i8::try_from(local.hour()).unwrap_or(0),
            i8::try_from(local.minute()).unwrap_or(0),
            i8::try_from(local.second()).unwrap_or(0),
            0,
        );
        let Ok(civil) = civil else { return fallback };
        match self.zone.to_ambiguous_zoned(civil).compatible() {
            Ok(zoned) => OffsetDateTime::from_unix_timestamp(zoned.timestamp().as_second())
                .unwrap_or(fallback),
            Err(_) => fallback,
        }
    }

    /// The zone's abbreviation at `at` (`CST`, `CDT`), or its name where it has none.
    pub fn abbreviation(&self, at: OffsetDateTime) -> String {
        let info = self.zone.to_offset_info(timestamp(at));
        let abbreviation = info.abbreviation();
        if abbreviation.is_empty() || abbreviation.starts_with(['+', '-']) {
            self.name.clone()
        } else {
            abbreviation.to_owned()
        }
    }
}

#[cfg(test)]
mod tests;
