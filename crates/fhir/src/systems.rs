//! Canonical code-system and identifier-system URIs, and the mapping between Chartroom's
//! code-system names and them.
//!
//! Invariant: every coding we emit names one of these URIs, as HL7 publishes them
//! (terminology.hl7.org "External Terminologies"), so receivers can match codes exactly.

/// ICD-10-CM diagnoses.
pub const ICD10CM: &str = "http://hl7.org/fhir/sid/icd-10-cm";
/// ICD-10-PCS inpatient procedures.
pub const ICD10PCS: &str = "http://www.cms.gov/Medicare/Coding/ICD10";
/// CDC vaccine codes.
pub const CVX: &str = "http://hl7.org/fhir/sid/cvx";
/// LOINC.
pub const LOINC: &str = "http://loinc.org";
/// CPT (AMA).
pub const CPT: &str = "http://www.ama-assn.org/go/cpt";
/// HCPCS Level II.
pub const HCPCS: &str = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets";
/// SNOMED CT.
pub const SNOMED: &str = "http://snomed.info/sct";
/// RxNorm.
pub const RXNORM: &str = "http://www.nlm.nih.gov/research/umls/rxnorm";
/// UCUM units.
pub const UCUM: &str = "http://unitsofmeasure.org";
/// NPI identifiers.
pub const NPI: &str = "http://hl7.org/fhir/sid/us-npi";
/// HL7 v3 ActCode (encounter class).
pub const ACT_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
/// Identifier types (`MR`).
pub const IDENTIFIER_TYPE: &str = "http://terminology.hl7.org/CodeSystem/v2-0203";
/// Observation categories.
pub const OBSERVATION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";
/// Condition clinical status.
pub const CONDITION_CLINICAL: &str = "http://terminology.hl7.org/CodeSystem/condition-clinical";
/// Condition verification status.
pub const CONDITION_VERIFICATION: &str =
    "http://terminology.hl7.org/CodeSystem/condition-ver-status";
/// Condition category (`encounter-diagnosis`, `problem-list-item`).
pub const CONDITION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/condition-category";
/// Allergy clinical status.
pub const ALLERGY_CLINICAL: &str =
    "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical";
/// Participation types (`ATND`, `CON`).
pub const PARTICIPATION_TYPE: &str = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
/// Discharge disposition (UB-04 FL17 codes are carried as NUBC).
pub const NUBC_DISCHARGE: &str = "https://www.nubc.org/CodeSystem/PatDischargeStatus";
/// HL7 v2 table 0162 (route).
pub const V2_ROUTE: &str = "http://terminology.hl7.org/CodeSystem/v2-0162";
/// HL7 v2 table 0163 (body site).
pub const V2_SITE: &str = "http://terminology.hl7.org/CodeSystem/v2-0163";
/// Subscriber relationship.
pub const SUBSCRIBER_RELATIONSHIP: &str =
    "http://terminology.hl7.org/CodeSystem/subscriber-relationship";
/// Coverage class (`plan`, `group`).
pub const COVERAGE_CLASS: &str = "http://terminology.hl7.org/CodeSystem/coverage-class";
/// Organization type (`prov`, `pay`).
pub const ORGANIZATION_TYPE: &str = "http://terminology.hl7.org/CodeSystem/organization-type";
/// Claim type (`institutional`, `professional`).
pub const CLAIM_TYPE: &str = "http://terminology.hl7.org/CodeSystem/claim-type";
/// Process priority (`normal`).
pub const PROCESS_PRIORITY: &str = "http://terminology.hl7.org/CodeSystem/processpriority";
/// Chartroom's own MRN namespace, qualified by the assigning authority.
pub const MRN_SYSTEM_PREFIX: &str = "urn:chartroom:mrn:";
/// Chartroom's own payer-code namespace.
pub const PAYER_CODE_SYSTEM: &str = "urn:chartroom:payer-code";

/// The URI of a procedure code system.
pub fn procedure_system(system: records::ProcedureCodeSystem) -> &'static str {
    match system {
        records::ProcedureCodeSystem::Icd10Pcs => ICD10PCS,
        records::ProcedureCodeSystem::Cpt => CPT,
        records::ProcedureCodeSystem::Hcpcs => HCPCS,
        records::ProcedureCodeSystem::Snomed => SNOMED,
    }
}

/// The procedure code system a URI names.
pub fn procedure_system_from_uri(uri: &str) -> Option<records::ProcedureCodeSystem> {
    Some(match uri {
        ICD10PCS => records::ProcedureCodeSystem::Icd10Pcs,
        CPT => records::ProcedureCodeSystem::Cpt,
        HCPCS => records::ProcedureCodeSystem::Hcpcs,
        SNOMED => records::ProcedureCodeSystem::Snomed,
        _ => return None,
    })
}
/// NUBC revenue codes (UB-04 FL42).
pub const NUBC_REVENUE: &str = "https://www.nubc.org/CodeSystem/RevenueCodes";
/// NUBC present-on-admission indicators (`Y`, `N`, `U`, `W`).
pub const NUBC_POA: &str = "https://www.nubc.org/CodeSystem/PresentOnAdmissionIndicator";
/// CMS place of service codes (837P CLM05-1).
pub const PLACE_OF_SERVICE: &str =
    "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set";
/// X12 claim adjustment group codes (CAS01: `CO`, `PR`, `OA`, `PI`, `CR`).
pub const CAS_GROUP: &str = "https://x12.org/codes/claim-adjustment-group-codes";
/// X12 claim adjustment reason codes (CARC, CAS02).
pub const CARC: &str = "https://x12.org/codes/claim-adjustment-reason-codes";
/// FHIR's adjudication categories (`submitted`, `eligible`, `benefit`).
pub const ADJUDICATION: &str = "http://terminology.hl7.org/CodeSystem/adjudication";
/// Related claim relationship (`prior`).
pub const RELATED_CLAIM: &str = "http://terminology.hl7.org/CodeSystem/ex-relatedclaimrelationship";
/// Diagnosis type on a claim (`principal`, `admitting`).
pub const DIAGNOSIS_TYPE: &str = "http://terminology.hl7.org/CodeSystem/ex-diagnosistype";
/// Payment type (`complete`, `partial`).
pub const PAYMENT_TYPE: &str = "http://terminology.hl7.org/CodeSystem/ex-paymenttype";
/// Why an element has no value (`not-applicable`).
pub const DATA_ABSENT_REASON: &str = "http://terminology.hl7.org/CodeSystem/data-absent-reason";
/// Chartroom's patient control numbers (837 CLM01, echoed in 835 CLP01).
pub const CLAIM_CONTROL_NUMBER: &str = "urn:chartroom:claim-control-number";
/// The payer's claim control numbers (835 CLP07), qualified by nothing: the payer is the
/// claim's insurer.
pub const PAYER_CLAIM_NUMBER: &str = "urn:chartroom:payer-claim-number";
/// Chartroom's claim statuses (`partially_paid`), beside the R4 status.
pub const CLAIM_LIFECYCLE: &str = "urn:chartroom:claim-status";
