//! Categories of chart data, and the permission each needs to read and to write.
//!
//! Audit entries name the categories an access touched, so "who saw this patient's notes"
//! is one filter; access decisions ask here which permission a category needs.

use crate::roles::{Permission, named_enum};

named_enum! {
    /// A kind of chart data.
    pub enum DataCategory ("data category") {
        /// Names, birth date, sex, address, MRN.
        Demographics = "demographics",
        /// Coverage and payers.
        Insurance = "insurance",
        /// Visits and stays.
        Encounters = "encounters",
        /// Diagnosis codes.
        Diagnoses = "diagnoses",
        /// Procedure codes.
        Procedures = "procedures",
        /// Immunizations.
        Immunizations = "immunizations",
        /// Results and other observations.
        Results = "results",
        /// Medications.
        Medications = "medications",
        /// Allergies.
        Allergies = "allergies",
        /// The problem list.
        Problems = "problems",
        /// Clinical note text.
        Notes = "notes",
        /// Charges, payments and balances.
        Billing = "billing",
    }
}

impl DataCategory {
    /// The permission needed to read this category.
    pub fn read_permission(self) -> Permission {
        match self {
            Self::Demographics => Permission::ReadDemographics,
            Self::Insurance => Permission::ReadInsurance,
            Self::Encounters => Permission::ReadEncounters,
            Self::Diagnoses | Self::Procedures => Permission::ReadCodes,
            Self::Immunizations
            | Self::Results
            | Self::Medications
            | Self::Allergies
            | Self::Problems => Permission::ReadClinical,
            Self::Notes => Permission::ReadNotes,
            Self::Billing => Permission::ReadBilling,
        }
    }

    /// The permission needed to create, change or delete data in this category.
    pub fn write_permission(self) -> Permission {
        match self {
            Self::Demographics => Permission::WriteDemographics,
            Self::Insurance => Permission::WriteInsurance,
            Self::Encounters => Permission::WriteEncounters,
            Self::Diagnoses | Self::Procedures => Permission::WriteCodes,
            Self::Immunizations
            | Self::Results
            | Self::Medications
            | Self::Allergies
            | Self::Problems => Permission::WriteClinical,
            Self::Notes => Permission::WriteNotes,
            Self::Billing => Permission::WriteBilling,
        }
    }

    /// The category of a store record kind (`patient`, `coverage`, `clinical_note`, ...),
    /// for auditing reads and writes of one record.
    pub fn of_record_kind(kind: &str) -> Option<Self> {
        Some(match kind {
            "patient" => Self::Demographics,
            "coverage" | "payer" => Self::Insurance,
            "encounter" | "encounter_participant" => Self::Encounters,
            "diagnosis" => Self::Diagnoses,
            "procedure" => Self::Procedures,
            "immunization" => Self::Immunizations,
            "observation" => Self::Results,
            "medication" => Self::Medications,
            "allergy" => Self::Allergies,
            "problem" => Self::Problems,
            "clinical_note" | "note" | "scanned_document" => Self::Notes,
            "charge" | "posting" | "charge_detail" => Self::Billing,
            _ => return None,
        })
    }

    /// Reads a comma-separated list (the stored form).
    pub fn parse_list(text: &str) -> Option<Vec<Self>> {
        text.split(',')
            .filter(|part| !part.trim().is_empty())
            .map(Self::parse)
            .collect()
    }

    /// The stored form of a list: names joined by commas.
    pub fn to_list(categories: &[Self]) -> String {
        categories
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}
