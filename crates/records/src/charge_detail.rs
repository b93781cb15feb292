//! What some services need on a claim beyond code, units and amount: the drug given (NDC,
//! quantity, unit), the anesthesia time, the ambulance trip, the durable medical equipment
//! certification. One `ChargeDetail` per charge (`charge_details`, schema 44), a record
//! like the others (versions, history, audit), so the claim builder reads it with the
//! encounter's charges and a form or import adds it in the transaction that stores the charge.
//!
//! Quantities that may be fractional are fixed-point integers (thousandths of a drug unit,
//! tenths of a mile), never floating point, like money.

use crate::RecordKind;
use crate::dates::iso_date;
use crate::ids::{ChargeId, EncounterId, PatientId, ProviderId};
use crate::patient::Address;
use crate::validation::{Validate, Validator};
use serde::{Deserialize, Serialize};
use time::Date;

/// The claim details of one charge (at least one part present).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChargeDetail {
    /// Whose (so a merge moves it with the charge).
    pub patient_id: PatientId,
    /// The charge's encounter (the builder reads an encounter's details in one lookup).
    pub encounter_id: EncounterId,
    /// The charge it details (one detail per charge).
    pub charge_id: ChargeId,
    /// The drug given (837 loop 2410).
    pub drug: Option<DrugDetail>,
    /// The anesthesia time and the surgery it was for.
    pub anesthesia: Option<AnesthesiaDetail>,
    /// The ambulance trip (837P CR1, CRC*07, 2310E/2310F, QTY*PT).
    pub transport: Option<AmbulanceTransport>,
    /// Durable medical equipment (837P SV5, PWK*CT, CR3, 2420E).
    pub equipment: Option<EquipmentDetail>,
}

impl RecordKind for ChargeDetail {
    const KIND: &'static str = "charge_detail";
}

impl Validate for ChargeDetail {
    fn check(&self, v: &mut Validator) {
        if self.drug.is_none()
            && self.anesthesia.is_none()
            && self.transport.is_none()
            && self.equipment.is_none()
        {
            v.error(
                "",
                "holds nothing: give the drug, anesthesia, transport or equipment",
            );
        }
        if let Some(drug) = &self.drug {
            v.nested("drug", drug);
        }
        if let Some(anesthesia) = &self.anesthesia {
            v.nested("anesthesia", anesthesia);
        }
        if let Some(transport) = &self.transport {
            v.nested("transport", transport);
        }
        if let Some(equipment) = &self.equipment {
            v.nested("equipment", equipment);
        }
    }
}

/// A National Drug Code in the 11-digit 5-4-2 form the 837 carries (LIN03, no hyphens).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ndc(String);

impl Ndc {
    /// Reads an NDC as labelers print it: 11 digits (with or without hyphens as 5-4-2), or
    /// one of the 10-digit hyphenated forms 4-4-2, 5-3-2 and 5-4-1, padded with the leading
    /// zero of its short part (FDA/CMS conversion to 5-4-2). Ten digits without hyphens are
    /// refused: which part lacks its zero cannot be told.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let parts: Vec<&str> = text.split('-').collect();
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !parts.iter().all(|p| digits(p)) {
            return Err(format!(
                "{text:?} is not an NDC: digits, optionally hyphenated 5-4-2, 4-4-2, 5-3-2 or 5-4-1"
            ));
        }
        let lengths: Vec<usize> = parts.iter().map(|p| p.len()).collect();
        let padded = match lengths.as_slice() {
            [11] => text.to_owned(),
            [5, 4, 2] => parts.concat(),
            [4, 4, 2] => format!("0{}{}{}", parts[0], parts[1], parts[2]),
            [5, 3, 2] => format!("{}0{}{}", parts[0], parts[1], parts[2]),
            [5, 4, 1] => format!("{}{}0{}", parts[0], parts[1], parts[2]),
            [10] => {
                return Err(format!(
                    "{text:?} has 10 digits without hyphens: write it hyphenated (4-4-2, 5-3-2 or 5-4-1) so its missing zero can be placed"
                ));
            }
            _ => {
                let n: usize = lengths.iter().sum();
                return Err(format!(
                    "{text:?} has {n} digits in the form {}; an NDC has 11 (5-4-2) or 10 (4-4-2, 5-3-2, 5-4-1)",
                    lengths
                        .iter()
                        .map(usize::to_string)
                        .collect::<Vec<_>>()
                        .join("-")
                ));
            }
        };
        Ok(Self(padded))
    }

    /// The 11 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Ndc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The unit a drug quantity is counted in (837 CTP05-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DrugUnit {
    /// `UN` units (tablets, vials, each).
    #[serde(rename = "UN")]
    Unit,
    /// `ML` milliliters.
    #[serde(rename = "ML")]
    Milliliter,
    /// `GR` grams.
    #[serde(rename = "GR")]
    Gram,
    /// `F2` international units.
    #[serde(rename = "F2")]
    InternationalUnit,
    /// `ME` milligrams.
    #[serde(rename = "ME")]
    Milligram,
}

impl DrugUnit {
    /// The CTP05-1 code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Unit => "UN",
            Self::Milliliter => "ML",
            Self::Gram => "GR",
            Self::InternationalUnit => "F2",
            Self::Milligram => "ME",
        }
    }
}

/// The drug a service line gave (837 loop 2410).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrugDetail {
    /// The NDC as entered (any form `Ndc::parse` reads).
    pub ndc: String,
    /// CTP04, in thousandths of `unit` (1.5 ML is 1500).
    pub quantity_thousandths: i64,
    /// CTP05-1.
    pub unit: DrugUnit,
    /// REF*XZ: the pharmacy prescription number, when the drug was dispensed on one.
    pub prescription_number: Option<String>,
}

/// The most a drug quantity may be (CTP04 is R 1/15; far more than any dose).
const MAX_QUANTITY_THOUSANDTHS: i64 = 99_999_999_999;

impl Validate for DrugDetail {
    fn check(&self, v: &mut Validator) {
        if let Err(message) = Ndc::parse(&self.ndc) {
            v.error("ndc", message);
        }
        if !(1..=MAX_QUANTITY_THOUSANDTHS).contains(&self.quantity_thousandths) {
            v.error(
                "quantity_thousandths",
                format!(
                    "is {}; a drug quantity must be more than 0 (in thousandths of the unit)",
                    self.quantity_thousandths
                ),
            );
        }
        v.optional_text(
            "prescription_number",
            self.prescription_number.as_deref(),
            50,
        );
    }
}

/// Anesthesia time (837P SV103 `MJ`, SV104 minutes) and the surgery it was given for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnesthesiaDetail {
    /// Minutes from the anesthesiologist's start to the end of attendance.
    pub minutes: i32,
    /// The surgical procedures (CPT) the anesthesia was for, the principal first (837P
    /// 2300 HI*BP, HI*BO).
    #[serde(default)]
    pub surgical_procedures: Vec<String>,
}

impl Validate for AnesthesiaDetail {
    fn check(&self, v: &mut Validator) {
        // A day has 1,440 minutes; a longer case spans lines.
        if !(1..=1_440).contains(&self.minutes) {
            v.error(
                "minutes",
                format!("is {}; anesthesia time is 1 to 1440 minutes", self.minutes),
            );
        }
        if self.surgical_procedures.len() > 2 {
            v.error(
                "surgical_procedures",
                "more than 2; the 837P carries the principal (BP) and one other (BO)",
            );
        }
        for code in &self.surgical_procedures {
            if code.len() != 5 || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
                v.error(
                    "surgical_procedures",
                    format!("{code:?} is not a CPT or HCPCS code (five characters)"),
                );
            }
        }
    }
}

/// How the ambulance travelled: ground is place of service 41, air or water 42.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportMode {
    /// A land ambulance (POS 41).
    Ground,
    /// An air or water ambulance (POS 42).
    AirOrWater,
}

/// The ambulance trip (837P 2300 CR1, CRC*07, 2310E, 2310F; 2400 QTY*PT).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AmbulanceTransport {
    /// Ground or air/water.
    pub mode: TransportMode,
    /// CR104: `A` to nearest facility, `B` to the preferred physician, `C` to be near
    /// family, `D` to a specialist or specialised equipment, `E` rehabilitation.
    pub reason: String,
    /// CR106 in tenths of a mile (loaded miles).
    pub distance_tenths: i32,
    /// CR102 in pounds, when the weight matters (over the stretcher's or vehicle's limit).
    pub patient_weight_lbs: Option<i32>,
    /// CR109, when the trip is a round trip.
    pub round_trip_purpose: Option<String>,
    /// CR110, when a stretcher was needed.
    pub stretcher_purpose: Option<String>,
    /// CRC03-CRC07: the ambulance certification conditions met (`01` admitted, `04`
    /// moved by stretcher, `05` unconscious or in shock, `06` emergency, `07` restrained,
    /// `08` visible haemorrhaging, `09` medically necessary, `12` bed confined).
    #[serde(default)]
    pub conditions: Vec<String>,
    /// 2310E: where the patient was picked up.
    pub pick_up: Address,
    /// 2310F NM103: the drop-off facility's name.
    pub drop_off_name: Option<String>,
    /// 2310F: where the patient was left.
    pub drop_off: Address,
    /// QTY*PT: patients carried in the vehicle, when more than one.
    pub patient_count: Option<i32>,
}

/// CRC03-CRC07 codes (837P TR3 ambulance certification).
pub const AMBULANCE_CONDITIONS: [&str; 8] = ["01", "04", "05", "06", "07", "08", "09", "12"];

impl Validate for AmbulanceTransport {
    fn check(&self, v: &mut Validator) {
        if !matches!(self.reason.as_str(), "A" | "B" | "C" | "D" | "E") {
            v.error(
                "reason",
                format!(
                    "{:?} is not an ambulance transport reason (A-E)",
                    self.reason
                ),
            );
        }
        if self.distance_tenths <= 0 {
            v.error(
                "distance_tenths",
                format!(
                    "is {}; the transport distance (tenths of a mile) must be more than 0",
                    self.distance_tenths
                ),
            );
        }
        if let Some(weight) = self.patient_weight_lbs
            && !(1..=2_000).contains(&weight)
        {
            v.error(
                "patient_weight_lbs",
                format!("is {weight}; a patient weight is 1 to 2000 pounds"),
            );
        }
        v.optional_text("round_trip_purpose", self.round_trip_purpose.as_deref(), 80);
        v.optional_text("stretcher_purpose", self.stretcher_purpose.as_deref(), 80);
        if self.conditions.len() > 5 {
            v.error("conditions", "more than 5; CRC carries at most five");
        }
        for code in &self.conditions {
            if !AMBULANCE_CONDITIONS.contains(&code.as_str()) {
                v.error(
                    "conditions",
                    format!("{code:?} is not an ambulance certification condition code"),
                );
            }
        }
        for (field, place) in [("pick_up", &self.pick_up), ("drop_off", &self.drop_off)] {
            v.nested(field, place);
            if place.line1.is_none() || place.city.is_none() {
                v.error(field, "needs a street line and a city (837P N3, N4)");
            }
        }
        v.optional_text("drop_off_name", self.drop_off_name.as_deref(), 60);
        if let Some(count) = self.patient_count
            && !(2..=99).contains(&count)
        {
            v.error(
                "patient_count",
                format!("is {count}; give it only when 2 or more patients rode together"),
            );
        }
    }
}

/// A durable medical equipment item (837P 2400 SV5, PWK*CT, CR3, DTP, 2420E).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EquipmentDetail {
    /// CR301: `I` initial, `R` renewal, `S` revised certification.
    pub certification_type: String,
    /// CR303: how many months the equipment is needed.
    pub months: i32,
    /// PWK02 of the certificate of medical necessity, when one goes with the item: `AB`
    /// sent to the payer before, `AD` included with the claim, `AF` narrative included,
    /// `AG` no documentation required, `NS` not specified. None when the item needs no
    /// CMN (Medicare retired CMNs and DIFs for dates of service from 2023-01-01).
    pub cmn_transmission: Option<String>,
    /// SV503: days of medical necessity, when rental or purchase prices are reported.
    pub necessity_days: Option<i32>,
    /// SV504 in cents.
    pub rental_price_cents: Option<i64>,
    /// SV505 in cents.
    pub purchase_price_cents: Option<i64>,
    /// SV506: `1` weekly, `4` monthly, `6` daily rental.
    pub rental_unit: Option<String>,
    /// 2420E: the physician who ordered the equipment.
    pub ordering_provider_id: Option<ProviderId>,
    /// DTP*607: the revision or recertification date (`R` and `S`).
    #[serde(default, with = "iso_date::option")]
    pub recertified_on: Option<Date>,
    /// DTP*463: when the patient began using it.
    #[serde(default, with = "iso_date::option")]
    pub therapy_began_on: Option<Date>,
    /// DTP*461: the date of the last certification.
    #[serde(default, with = "iso_date::option")]
    pub last_certified_on: Option<Date>,
}

impl EquipmentDetail {
    /// Whether SV5 is written: a rental or purchase price was given.
    pub fn priced(&self) -> bool {
        self.rental_price_cents.is_some() || self.purchase_price_cents.is_some()
    }
}

impl Validate for EquipmentDetail {
    fn check(&self, v: &mut Validator) {
        if !matches!(self.certification_type.as_str(), "I" | "R" | "S") {
            v.error(
                "certification_type",
                format!(
                    "{:?} is not I (initial), R (renewal) or S (revised)",
                    self.certification_type
                ),
            );
        }
        if !(1..=99).contains(&self.months) {
            v.error(
                "months",
                format!(
                    "is {}; the length of need is 1 to 99 months (99: lifetime)",
                    self.months
                ),
            );
        }
        if let Some(code) = &self.cmn_transmission
            && !matches!(code.as_str(), "AB" | "AD" | "AF" | "AG" | "NS")
        {
            v.error(
                "cmn_transmission",
                format!("{code:?} is not a PWK02 code (AB, AD, AF, AG, NS)"),
            );
        }
        for (field, cents) in [
            ("rental_price_cents", self.rental_price_cents),
            ("purchase_price_cents", self.purchase_price_cents),
        ] {
            if let Some(cents) = cents {
                v.non_negative(field, cents);
            }
        }
        if self.priced() {
            if !self
                .necessity_days
                .is_some_and(|d| (1..=9_999).contains(&d))
            {
                v.error(
                    "necessity_days",
                    "needed (1 to 9999 days) with a rental or purchase price (SV503)",
                );
            }
            if !matches!(self.rental_unit.as_deref(), Some("1" | "4" | "6")) {
                v.error(
                    "rental_unit",
                    "needed with a rental or purchase price: 1 weekly, 4 monthly, 6 daily (SV506)",
                );
            }
        }
        if matches!(self.certification_type.as_str(), "R" | "S") && self.recertified_on.is_none() {
            v.error(
                "recertified_on",
                "a renewed or revised certification needs its date (DTP*607)",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn ndc_forms_become_5_4_2() {
        assert_eq!(Ndc::parse("00409-4888-20").unwrap().as_str(), "00409488820");
        assert_eq!(Ndc::parse("0409-4888-20").unwrap().as_str(), "00409488820");
        assert_eq!(Ndc::parse("12345-678-90").unwrap().as_str(), "12345067890");
        assert_eq!(Ndc::parse("12345-6789-1").unwrap().as_str(), "12345678901");
        assert_eq!(Ndc::parse("00409488820").unwrap().as_str(), "00409488820");
        assert!(Ndc::parse("0409488820").unwrap_err().contains("10 digits"));
        assert!(Ndc::parse("123456789").unwrap_err().contains("9 digits"));
        assert!(Ndc::parse("1234-567-89").is_err());
        assert!(Ndc::parse("12345-6789-2O").is_err());
        assert!(Ndc::parse("").is_err());
    }
}
