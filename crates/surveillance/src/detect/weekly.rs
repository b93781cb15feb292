//! Daily counts summed by MMWR week (Sunday to Saturday) for the weekly methods. Only
//! complete weeks are summed: a part week would read as a fall in visits. The week's date is
//! its Sunday, as pynssp's weekly examples (`freq="W"`) and the MMWR calendar date them.

use super::{Point, TooShort};
use time::{Date, Duration};

/// A daily series' complete MMWR weeks.
#[derive(Debug, Clone, PartialEq)]
pub struct Weeks {
    /// Visits per week.
    pub counts: Vec<f64>,
    /// The first complete week's Sunday.
    pub first_week: Date,
    /// The index of that Sunday in the daily series.
    pub first_index: usize,
}

/// The complete MMWR weeks of daily `counts` whose first day is `first`.
pub fn weeks(counts: &[f64], first: Date) -> Weeks {
    let first_index = usize::from((7 - first.weekday().number_days_from_sunday()) % 7);
    let weekly = counts
        .get(first_index..)
        .unwrap_or_default()
        .chunks_exact(7)
        .map(|week| week.iter().sum())
        .collect();
    Weeks {
        counts: weekly,
        first_week: first + Duration::days(first_index as i64),
        first_index,
    }
}

impl Weeks {
    /// Complete weeks that end before day `from` (an index into the daily series).
    pub fn complete_before(&self, from: usize) -> usize {
        (from.saturating_sub(self.first_index) / 7).min(self.counts.len())
    }

    /// A weekly method's `TooShort` in days of history before `from`.
    pub(super) fn too_short(&self, short: TooShort, from: usize) -> TooShort {
        TooShort {
            needed: self.first_index + short.needed * 7,
            days: from,
            unit: "days of history",
            ..short
        }
    }

    /// Each week's point on its Saturday in a daily series of `days` days.
    pub(super) fn on_days(&self, points: Vec<Option<Point>>, days: usize) -> Vec<Option<Point>> {
        let mut out = vec![None; days];
        for (w, point) in points.into_iter().enumerate() {
            if let Some(slot) = out.get_mut(self.first_index + 7 * w + 6) {
                *slot = point;
            }
        }
        out
    }
}
