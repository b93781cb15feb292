//! A professional claim as the 837P carries it: plain data, built by `build` and written
//! by `professional`, so the writer needs no store and tests can state claims directly.

use records::{AdministrativeSex, CoverageOrder, EncounterId, Npi, PatientId, PayerId};
use time::Date;

/// The billing provider (loop 2010AA): an organization with an NPI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingProvider {
    /// NM103.
    pub name: String,
    /// NM109 (`XX`).
    pub npi: Npi,
    /// PRV03: the NUCC taxonomy, when known.
    pub taxonomy: Option<String>,
    /// N301, N401, N402, N403.
    pub address: (String, String, String, String),
}

/// The rendering provider (loop 2310B): the person who gave the care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderingProvider {
    /// NM103.
    pub family_name: String,
    /// NM104.
    pub given_name: String,
    /// NM109 (`XX`).
    pub npi: Npi,
    /// PRV03.
    pub taxonomy: Option<String>,
}

/// SBR09: the claim filing indicator, from the kind of payer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimFiling {
    /// `MB` Medicare Part B.
    MedicareB,
    /// `MC` Medicaid.
    Medicaid,
    /// `CI` commercial insurance.
    Commercial,
    /// `OF` other federal program.
    OtherFederal,
    /// `09` self-pay.
    SelfPay,
}

impl ClaimFiling {
    /// The SBR09 code.
    pub fn code(self) -> &'static str {
        match self {
            Self::MedicareB => "MB",
            Self::Medicaid => "MC",
            Self::Commercial => "CI",
            Self::OtherFederal => "OF",
            Self::SelfPay => "09",
        }
    }
}

/// The payer (loop 2010BB).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayerParty {
    /// NM103.
    pub name: String,
    /// NM109 (`PI`): the payer id.
    pub id: String,
}

/// The subscriber (loops 2000B, 2010BA).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscriber {
    /// SBR01: `P`, `S` or `T`.
    pub payer_responsibility: char,
    /// SBR03: the group number.
    pub group_number: Option<String>,
    /// SBR09.
    pub filing: ClaimFiling,
    /// NM103.
    pub family_name: String,
    /// NM104.
    pub given_name: String,
    /// NM109 (`MI`): the member id.
    pub member_id: String,
    /// N3/N4 and DMG, required when the subscriber is the patient.
    pub demographics: Option<Demographics>,
}

/// Address, birth date and sex of a person on the claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Demographics {
    /// N301, N401, N402, N403.
    pub address: (String, String, String, String),
    /// DMG02.
    pub birth_date: Date,
    /// DMG03.
    pub sex: AdministrativeSex,
}

/// The patient when not the subscriber (loops 2000C, 2010CA).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientParty {
    /// PAT01: `01` spouse, `19` child, `G8` other.
    pub relationship: &'static str,
    /// NM103.
    pub family_name: String,
    /// NM104.
    pub given_name: String,
    /// N3/N4 and DMG.
    pub demographics: Demographics,
}

/// One service line (loop 2400).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceLine {
    /// SV101-2: the CPT or HCPCS code.
    pub code: String,
    /// SV101-3 to SV101-6.
    pub modifiers: Vec<String>,
    /// SV102, in cents.
    pub charge_cents: i64,
    /// SV104.
    pub units: i32,
    /// SV107: pointers (from 1) into the claim's diagnoses, at most four.
    pub pointers: Vec<u8>,
    /// DTP03 (`472`).
    pub service_date: Date,
    /// What the line's service needs beyond code, units and charge (its charge's
    /// `records::ChargeDetail`): the drug, anesthesia time, ambulance trip, equipment.
    pub details: LineDetails,
}

/// A service line's drug, anesthesia, ambulance and equipment details, each written where
/// the TR3 puts it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineDetails {
    /// Loop 2410 (LIN, CTP, REF*XZ).
    pub drug: Option<LineDrug>,
    /// SV103 `MJ` with the minutes in SV104 (837P), and the surgery in 2300 HI*BP/BO.
    pub anesthesia: Option<records::AnesthesiaDetail>,
    /// 2300 CR1, CRC*07, 2310E, 2310F (from the claim's first transport line); QTY*PT.
    pub transport: Option<records::AmbulanceTransport>,
    /// SV5, PWK*CT, CR3, DTP*607/463/461, 2420E.
    pub equipment: Option<LineEquipment>,
}

/// The drug a line gave, its NDC already in the 11-digit form (loop 2410).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineDrug {
    /// LIN03.
    pub ndc: records::Ndc,
    /// CTP04, in thousandths of `unit`.
    pub quantity_thousandths: i64,
    /// CTP05-1.
    pub unit: records::DrugUnit,
    /// REF*XZ.
    pub prescription_number: Option<String>,
}

/// Durable medical equipment on a line, with the physician who ordered it (2420E).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineEquipment {
    /// Certification, prices and dates.
    pub detail: records::EquipmentDetail,
    /// 2420E NM1*DK.
    pub ordering: Option<RenderingProvider>,
}

/// A professional claim (837P loop 2300 and what it hangs from).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfessionalClaim {
    /// The encounter it bills.
    pub encounter_id: EncounterId,
    /// Whose care.
    pub patient_id: PatientId,
    /// CLM01: the patient control number, which the payer echoes in the 835 (CLP01).
    pub claim_id: String,
    /// CLM05-1: the place of service (`11` office, `12` home (DME), `21` inpatient, `22` outpatient hospital, `23` emergency, `41`/`42` ambulance, `10` telehealth).
    pub place_of_service: &'static str,
    /// CLM05-3: `1` original, `7` replacement, `8` void.
    pub frequency: char,
    /// REF*F8 (loop 2300): the payer's claim number a replacement or void names.
    pub payer_claim_number: Option<String>,
    /// The payer billed (the coverage's).
    pub payer_id: PayerId,
    /// Which of the patient's coverages is billed.
    pub coverage_order: CoverageOrder,
    /// Loop 2010AA.
    pub billing: BillingProvider,
    /// Loop 2310B.
    pub rendering: Option<RenderingProvider>,
    /// Loops 2000B/2010BA.
    pub subscriber: Subscriber,
    /// Loop 2010BB.
    pub payer: PayerParty,
    /// Loops 2000C/2010CA, when the patient is not the subscriber.
    pub patient: Option<PatientParty>,
    /// HI: ICD-10-CM codes without the dot, first listed first, at most twelve.
    pub diagnoses: Vec<String>,
    /// Loop 2400.
    pub lines: Vec<ServiceLine>,
    /// Loops 2320/2330A/2330B (and 2430 on the lines): the payers billed before this one,
    /// with their decisions, on a secondary or tertiary claim; empty on a primary one.
    pub other_payers: Vec<OtherPayer>,
}

/// A payer that adjudicated the claim before the one billed (coordination of benefits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherPayer {
    /// 2320 SBR02: the patient's relationship to that payer's subscriber (`18` self,
    /// `01` spouse, `19` child, `G8` other).
    pub relationship: &'static str,
    /// 2320 SBR01, SBR03, SBR09 and loop 2330A: that coverage's subscriber.
    pub subscriber: Subscriber,
    /// Loop 2330B.
    pub payer: PayerParty,
    /// What it decided (2320 CAS and AMT, 2430 SVD and CAS, the 573 dates).
    pub adjudication: records::ClaimAdjudication,
}

impl ProfessionalClaim {
    /// CLM02: the sum of the lines' charges.
    pub fn total_cents(&self) -> i64 {
        self.lines.iter().map(|l| l.charge_cents).sum()
    }
}
