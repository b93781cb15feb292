//! Validation at the model boundary: every problem at once, each with its field path.

use serde::Serialize;
use std::fmt;

/// One problem with one field, e.g. `coverages[1].member_id: must not be empty`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Dotted path to the field, with indices for lists (`names[0].family`).
    pub path: String,
    /// What is wrong, lower-case, naming what was expected.
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Every problem found in one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    /// True when nothing was wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The problems, in the order they were found.
    pub fn iter(&self) -> impl Iterator<Item = &FieldError> {
        self.0.iter()
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (idx, error) in self.0.iter().enumerate() {
            if idx > 0 {
                f.write_str("; ")?;
            }
            error.fmt(f)?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

/// Records that can check themselves.
pub trait Validate {
    /// Checks every field and appends each problem to `v`.
    fn check(&self, v: &mut Validator);

    /// All problems at once, or `Ok(())`.
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut v = Validator::default();
        self.check(&mut v);
        v.finish()
    }

    /// Checks that replacing `before` with this record is allowed (a signed note stays as
    /// signed); most records allow any valid change.
    fn check_change(&self, before: &Self, v: &mut Validator)
    where
        Self: Sized,
    {
        let _ = (before, v);
    }

    /// Checks what depends on the day the record is written (a birth date in the future);
    /// the caller's clock gives `today`, since this crate reads none.
    fn check_as_of(&self, today: time::Date, v: &mut Validator)
    where
        Self: Sized,
    {
        let _ = (today, v);
    }

    /// Every problem with writing this record on `today`, replacing `before` when it is
    /// an update, or `Ok(())`.
    fn validate_write(
        &self,
        before: Option<&Self>,
        today: time::Date,
    ) -> Result<(), ValidationErrors>
    where
        Self: Sized,
    {
        let mut v = Validator::default();
        self.check(&mut v);
        if let Some(before) = before {
            self.check_change(before, &mut v);
        }
        self.check_as_of(today, &mut v);
        v.finish()
    }

    /// Every problem with this record and with the change from `before`, or `Ok(())`.
    fn validate_change(&self, before: &Self) -> Result<(), ValidationErrors>
    where
        Self: Sized,
    {
        let mut v = Validator::default();
        self.check(&mut v);
        self.check_change(before, &mut v);
        v.finish()
    }
}

/// Collects field errors under a path prefix.
#[derive(Debug, Default)]
pub struct Validator {
    prefix: Vec<String>,
    errors: Vec<FieldError>,
}

impl Validator {
    fn path(&self, field: &str) -> String {
        let mut path = self.prefix.join(".");
        if !path.is_empty() && !field.is_empty() {
            path.push('.');
        }
        path.push_str(field);
        path
    }

    /// Records a problem with `field`.
    pub fn error(&mut self, field: &str, message: impl Into<String>) {
        let path = self.path(field);
        self.errors.push(FieldError {
            path,
            message: message.into(),
        });
    }

    /// Checks a nested value under `field` (e.g. `coverages[0]`).
    pub fn nested(&mut self, field: impl Into<String>, value: &dyn Validate) {
        self.prefix.push(field.into());
        value.check(self);
        self.prefix.pop();
    }

    /// A required text field must hold something other than white space.
    pub fn required(&mut self, field: &str, value: &str) {
        if value.trim().is_empty() {
            self.error(field, "is required");
        }
    }

    /// Text must fit its column and the forms that show it.
    pub fn max_len(&mut self, field: &str, value: &str, max: usize) {
        let n_chars = value.chars().count();
        if n_chars > max {
            self.error(
                field,
                format!("is {n_chars} characters; at most {max} allowed"),
            );
        }
    }

    /// Optional text, when present, must not be blank and must fit.
    pub fn optional_text(&mut self, field: &str, value: Option<&str>, max: usize) {
        if let Some(value) = value {
            if value.trim().is_empty() {
                self.error(field, "is blank; leave it out instead");
            }
            self.max_len(field, value, max);
        }
    }

    /// An end must not come before its start.
    pub fn ordered<T: PartialOrd + fmt::Display>(
        &mut self,
        field: &str,
        start: Option<T>,
        end: Option<T>,
        start_name: &str,
    ) {
        if let (Some(start), Some(end)) = (start, end)
            && end < start
        {
            self.error(field, format!("{end} is before {start_name} {start}"));
        }
    }

    /// Money is whole cents and never negative where the sign is carried by the kind.
    pub fn non_negative(&mut self, field: &str, cents: i64) {
        if cents < 0 {
            self.error(field, format!("is {cents}; must not be negative"));
        }
    }

    /// Adds the problems `record` finds in itself, except on fields already refused: a
    /// form's text that did not parse left a stand-in there, not what was typed.
    pub fn check_unless_refused(&mut self, record: &dyn Validate) {
        let mut whole = Validator::default();
        record.check(&mut whole);
        for error in whole.errors {
            if !self.errors.iter().any(|e| e.path == error.path) {
                self.errors.push(error);
            }
        }
    }

    /// All problems, or `Ok(())`.
    pub fn finish(self) -> Result<(), ValidationErrors> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ValidationErrors(self.errors))
        }
    }
}
