//! Copy fees by a schedule the facility sets (`<data dir>/roi-fees.toml`, every key
//! optional over the defaults). A patient's own copies cost at most a reasonable,
//! cost-based fee (45 CFR 164.524(c)(4)); HHS accepts a flat $6.50 for electronic copies,
//! the default here; other requesters pay a search fee and per-page rates.

use records::{Delivery, LegalBasis};
use serde::Deserialize;

/// The fee schedule, in cents.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeeSchedule {
    /// A patient's own electronic copy, flat.
    pub patient_electronic_flat: i64,
    /// A patient's own paper copy, per page.
    pub patient_per_page: i64,
    /// Others: a search and handling fee per request.
    pub search: i64,
    /// Others: per page up to `tier_pages`.
    pub per_page: i64,
    /// Pages charged at `per_page`.
    pub tier_pages: i64,
    /// Others: per page after `tier_pages`.
    pub per_page_after: i64,
    /// Requests for treatment and public health are not charged.
    pub free_for_treatment: bool,
}

impl Default for FeeSchedule {
    fn default() -> Self {
        Self {
            patient_electronic_flat: 650,
            patient_per_page: 10,
            search: 1500,
            per_page: 100,
            tier_pages: 25,
            per_page_after: 50,
            free_for_treatment: true,
        }
    }
}

impl FeeSchedule {
    /// Reads a schedule file's text; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, String> {
        let schedule: Self = toml::from_str(text).map_err(|e| format!("{origin}: {e}"))?;
        for (name, cents) in [
            ("patient_electronic_flat", schedule.patient_electronic_flat),
            ("patient_per_page", schedule.patient_per_page),
            ("search", schedule.search),
            ("per_page", schedule.per_page),
            ("tier_pages", schedule.tier_pages),
            ("per_page_after", schedule.per_page_after),
        ] {
            if cents < 0 {
                return Err(format!("{origin}: {name} is {cents}; must not be negative"));
            }
        }
        Ok(schedule)
    }

    /// The fee for a packet of `pages` sent by `delivery` on `basis`.
    pub fn fee(&self, basis: LegalBasis, delivery: Delivery, pages: i64) -> i64 {
        match basis {
            LegalBasis::Treatment | LegalBasis::PublicHealth if self.free_for_treatment => 0,
            LegalBasis::PatientAccess => match delivery {
                Delivery::Print => pages * self.patient_per_page,
                _ => self.patient_electronic_flat,
            },
            _ => {
                let first = pages.min(self.tier_pages);
                let rest = (pages - first).max(0);
                self.search + first * self.per_page + rest * self.per_page_after
            }
        }
    }
}
