//! Retention: schedules as data (`schedule`) and the report of which charts may be
//! archived or destroyed, when and why (`report`); legal holds block both.

pub mod report;
pub mod schedule;

pub use report::{
    ArchivedRetention, ArchivedStatus, ChartRetention, RetentionReport, Status, add_years, report,
};
pub use schedule::{AppliesTo, DEFAULT_SCHEDULE, Rule, SCHEDULE_FILE, Schedule, ScheduleError};
