//! FHIR to records: a validated R4 resource becomes the record Chartroom keeps, or is
//! skipped with a reason when it carries nothing Chartroom keeps.
//!
//! Invariants:
//! - Input has passed `validate_value` first; this module checks only what the records
//!   model needs beyond R4 (a medical record number, a LOINC code, a resolvable patient)
//!   and reports each gap as an `Issue` with its FHIRPath-like expression.
//! - References are resolved through `ReferenceResolver`, so the same mapping serves a
//!   transaction bundle (`urn:uuid:` full URLs) and the REST API (`Patient/12`).
//! - Decimal text is read with its precision; the records model then keeps an `f64`.

mod clinical;
mod group;

use crate::datatypes::{Address as FhirAddress, CodeableConcept, ContactPoint, HumanName};
use crate::resources as fhir;
use crate::systems::*;
use crate::to_fhir::{NUCC_TAXONOMY, ORGANIZATION_KIND, PAYER_KIND};
use crate::validate::{Issue, IssueSeverity};
use records::{
    Address, AdministrativeSex, Coverage, CoverageOrder, Mrn, Npi, Organization, OrganizationKind,
    PatientIdentifier, Payer, PayerId, PayerKind, Provider, Relationship,
};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

/// Finds the record a FHIR reference points at.
pub trait ReferenceResolver {
    /// The id of the record of `kind` (`patient`, `provider`, `organization`, `payer`,
    /// `encounter`) that `reference` (`Patient/12`, `urn:uuid:...`) names, if any.
    fn resolve(&mut self, kind: &'static str, reference: &str) -> Option<i64>;

    /// The MRN and assigning authority for a patient sent without a usable one: a new
    /// facility MRN, the one on file when an update leaves it out, or `None` where such a
    /// patient is refused (the default).
    fn mrn_for_unidentified(&mut self) -> Option<(Mrn, String)> {
        None
    }
}

/// What a resource becomes.
// One value lives per resource being mapped, briefly; boxing the patient would cost an
// allocation per resource to save a few hundred bytes of stack.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Mapped {
    /// A patient.
    Patient(records::Patient),
    /// A practitioner.
    Provider(Provider),
    /// A facility, practice or laboratory.
    Organization(Organization),
    /// A payer (an Organization typed `pay`).
    Payer(Payer),
    /// A coverage.
    Coverage(Coverage),
    /// An encounter.
    Encounter(records::Encounter),
    /// An encounter diagnosis coded in ICD-10-CM.
    Diagnosis(records::Diagnosis),
    /// A problem-list entry (or a diagnosis coded in SNOMED CT).
    Problem(records::Problem),
    /// A procedure.
    Procedure(records::Procedure),
    /// An immunization.
    Immunization(records::Immunization),
    /// One observation, or one per component of a panel.
    Observations(Vec<records::Observation>),
    /// A medication statement.
    Medication(records::Medication),
    /// An allergy.
    Allergy(records::Allergy),
    /// A clinical note.
    Note(records::ClinicalNote),
    /// A roster of patients (a `Group`).
    Group(records::PatientGroup),
    /// Nothing Chartroom keeps, and why.
    Skipped(String),
}

/// Maps one resource, given as JSON text (decimals intact), to its record.
pub fn from_json(text: &str, resolver: &mut dyn ReferenceResolver) -> Result<Mapped, Vec<Issue>> {
    let resource_type = serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| {
            v.get("resourceType")
                .and_then(|t| t.as_str())
                .map(str::to_owned)
        })
        .unwrap_or_default();
    let mut cx = Cx {
        issues: Vec::new(),
        resolver,
        resource_type: resource_type.clone(),
    };
    let mapped = match resource_type.as_str() {
        "Patient" => parse(text, &mut cx).map(|r| patient(&r, &mut cx)),
        "Practitioner" => parse(text, &mut cx).map(|r| practitioner(&r, &mut cx)),
        "Organization" => parse(text, &mut cx).map(|r| organization(&r, &mut cx)),
        "Coverage" => parse(text, &mut cx).map(|r| coverage(&r, &mut cx)),
        "Encounter" => parse(text, &mut cx).map(|r| clinical::encounter(&r, &mut cx)),
        "Condition" => parse(text, &mut cx).map(|r| clinical::condition(&r, &mut cx)),
        "Procedure" => parse(text, &mut cx).map(|r| clinical::procedure(&r, &mut cx)),
        "Immunization" => parse(text, &mut cx).map(|r| clinical::immunization(&r, &mut cx)),
        "Observation" => parse(text, &mut cx).map(|r| clinical::observation(&r, &mut cx)),
        "MedicationStatement" => parse(text, &mut cx).map(|r| clinical::medication(&r, &mut cx)),
        "AllergyIntolerance" => parse(text, &mut cx).map(|r| clinical::allergy(&r, &mut cx)),
        "DocumentReference" => parse(text, &mut cx).map(|r| clinical::note(&r, &mut cx)),
        "Group" => parse(text, &mut cx).map(|r| group::group(&r, &mut cx)),
        other => Some(Mapped::Skipped(format!("{other} is not kept by Chartroom"))),
    };
    match mapped {
        Some(mapped) if cx.issues.is_empty() => Ok(mapped),
        _ => Err(cx.issues),
    }
}

/// Mapping context: issues found so far and the reference resolver.
pub(crate) struct Cx<'a> {
    issues: Vec<Issue>,
    resolver: &'a mut dyn ReferenceResolver,
    resource_type: String,
}

impl Cx<'_> {
    pub(crate) fn issue(&mut self, code: &'static str, element: &str, message: impl Into<String>) {
        let expression = if element.is_empty() {
            self.resource_type.clone()
        } else {
            format!("{}.{element}", self.resource_type)
        };
        self.issues.push(Issue {
            severity: IssueSeverity::Error,
            code,
            expression,
            message: message.into(),
        });
    }

    /// The record a reference names; an issue when it is absent or does not resolve.
    pub(crate) fn required_ref(
        &mut self,
        kind: &'static str,
        element: &str,
        reference: Option<&crate::datatypes::Reference>,
    ) -> i64 {
        match reference.and_then(|r| r.reference.as_deref()) {
            None => {
                self.issue(
                    "required",
                    element,
                    format!("a reference to a {kind} is required"),
                );
                0
            }
            Some(target) => self.optional_ref_text(kind, element, target).unwrap_or(0),
        }
    }

    /// The record an optional reference names; an issue when present and unresolvable.
    pub(crate) fn optional_ref(
        &mut self,
        kind: &'static str,
        element: &str,
        reference: Option<&crate::datatypes::Reference>,
    ) -> Option<i64> {
        let target = reference.and_then(|r| r.reference.as_deref())?;
        self.optional_ref_text(kind, element, target)
    }

    fn optional_ref_text(
        &mut self,
        kind: &'static str,
        element: &str,
        target: &str,
    ) -> Option<i64> {
        let resolved = self.resolver.resolve(kind, target);
        if resolved.is_none() {
            self.issue(
                "not-found",
                element,
                format!(
                    "reference \"{target}\" does not name a {kind} in Chartroom or in this bundle"
                ),
            );
        }
        resolved
    }

    pub(crate) fn instant(&mut self, element: &str, text: Option<&str>) -> Option<OffsetDateTime> {
        let text = text?;
        let parsed = parse_instant(text);
        if parsed.is_none() {
            self.issue(
                "value",
                element,
                format!("\"{text}\" is not a date or time Chartroom can keep"),
            );
        }
        parsed
    }

    pub(crate) fn required_instant(&mut self, element: &str, text: Option<&str>) -> OffsetDateTime {
        if text.is_none() {
            self.issue("required", element, "a date and time is required");
        }
        self.instant(element, text)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}

fn parse<T: serde::de::DeserializeOwned>(text: &str, cx: &mut Cx<'_>) -> Option<T> {
    match serde_json::from_str(text) {
        Ok(resource) => Some(resource),
        Err(error) => {
            cx.issue("structure", "", format!("cannot be read: {error}"));
            None
        }
    }
}

/// A FHIR dateTime as an instant: full date-times keep their offset; partial dates
/// (`2020`, `2020-04`, `2020-04-12`) mean the start of that period in UTC.
pub(crate) fn parse_instant(text: &str) -> Option<OffsetDateTime> {
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(at);
    }
    parse_date(text).map(|date| date.midnight().assume_utc())
}

/// A FHIR date (`2020`, `2020-04`, `2020-04-12`) as a calendar date, partial dates taken
/// as their first day.
pub(crate) fn parse_date(text: &str) -> Option<Date> {
    let date_part = text.split('T').next().unwrap_or(text);
    let mut parts = date_part.split('-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u8 = parts.next().map_or(Some(1), |m| m.parse().ok())?;
    let day: u8 = parts.next().map_or(Some(1), |d| d.parse().ok())?;
    Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()
}

fn first_non_empty<'a>(items: impl IntoIterator<Item = &'a String>) -> Option<String> {
    items
        .into_iter()
        .map(|s| s.trim())
        .find(|s| !s.is_empty())
        .map(str::to_owned)
}

/// US ZIP+4 written without its hyphen (`018904303`, as Synthea writes it) gets one.
fn zip(code: &Option<String>) -> Option<String> {
    let code = code.as_deref()?.trim();
    if code.len() == 9 && code.bytes().all(|b| b.is_ascii_digit()) {
        Some(format!("{}-{}", &code[..5], &code[5..]))
    } else {
        Some(code.to_owned()).filter(|c| !c.is_empty())
    }
}

fn address(addresses: &[FhirAddress]) -> Address {
    let Some(first) = addresses.first() else {
        return Address::default();
    };
    Address {
        line1: first.line.first().cloned(),
        line2: first.line.get(1).cloned(),
        city: first.city.clone(),
        state: first.state.clone(),
        postal_code: zip(&first.postal_code),
        country: first.country.clone(),
    }
}

fn contact(points: &[ContactPoint], system: &str) -> Option<String> {
    points
        .iter()
        .find(|p| p.system.as_deref() == Some(system))
        .and_then(|p| p.value.clone())
}

fn official_name(names: &[HumanName]) -> Option<&HumanName> {
    names
        .iter()
        .find(|n| n.use_.as_deref() == Some("official"))
        .or_else(|| names.iter().find(|n| n.family.is_some()))
}

/// The family and first given name the records model requires, or an issue.
fn family_and_given(name: Option<&HumanName>, cx: &mut Cx<'_>) -> (String, String) {
    let family = name.and_then(|n| n.family.clone()).unwrap_or_default();
    let given = name
        .and_then(|n| n.given.first().cloned())
        .unwrap_or_default();
    if family.trim().is_empty() || given.trim().is_empty() {
        cx.issue("required", "name", "a family and a given name are required");
    }
    (family, given)
}

fn npi(identifiers: &[crate::datatypes::Identifier]) -> Option<Npi> {
    // An NPI failing its check digit (Synthea generates such numbers) is not kept, rather
    // than refusing the whole practitioner.
    identifiers
        .iter()
        .filter(|i| i.system.as_deref() == Some(NPI))
        .find_map(|i| Npi::parse(i.value.as_deref()?).ok())
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut idx = 0;
    while let Some(&b) = bytes.get(idx) {
        if b == b'%'
            && let Some(hex) = text.get(idx + 1..idx + 3)
            && let Ok(value) = u8::from_str_radix(hex, 16)
        {
            out.push(value);
            idx += 3;
        } else {
            out.push(b);
            idx += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn patient(resource: &fhir::Patient, cx: &mut Cx<'_>) -> Mapped {
    let (mrn, mrn_authority) = match medical_record_number(resource, cx) {
        Some(found) => found,
        None => match cx.resolver.mrn_for_unidentified() {
            Some((mrn, authority)) => (Some(mrn), authority),
            None => {
                cx.issue(
                    "required",
                    "identifier",
                    "a medical record number (an identifier typed MR) is required: this \
                     server does not assign one to patients sent without it",
                );
                (None, String::new())
            }
        },
    };
    // Chartroom's own MRN identifier is the MRN fields themselves (and is written back
    // from them); everything else is kept as sent.
    let own_mrn = |i: &&crate::datatypes::Identifier| {
        i.system
            .as_deref()
            .and_then(|s| s.strip_prefix(MRN_SYSTEM_PREFIX))
            .is_some_and(|authority| {
                percent_decode(authority) == mrn_authority
                    && mrn.as_ref().is_some_and(|mrn| {
                        Mrn::parse(i.value.as_deref().unwrap_or("")).is_ok_and(|v| v == *mrn)
                    })
            })
    };
    let identifiers: Vec<PatientIdentifier> = resource
        .identifier
        .iter()
        .filter(|i| !own_mrn(i))
        .filter_map(|i| {
            Some(PatientIdentifier {
                system: i.system.clone(),
                value: i.value.clone().filter(|v| !v.trim().is_empty())?,
                type_code: i
                    .type_
                    .as_ref()
                    .and_then(|t| t.code_in(IDENTIFIER_TYPE))
                    .map(str::to_owned),
                use_: i.use_.clone(),
            })
        })
        .collect();
    let name = official_name(&resource.name);
    let (family_name, given_name) = family_and_given(name, cx);
    let middle = name.map(|n| {
        n.given
            .iter()
            .skip(1)
            .cloned()
            .collect::<Vec<_>>()
            .join(" ")
    });
    let preferred_name = resource
        .name
        .iter()
        .find(|n| n.use_.as_deref() == Some("usual"))
        .and_then(|n| first_non_empty(&n.given));
    let birth_date = match resource.birth_date.as_deref().and_then(parse_date) {
        Some(date) => date,
        None => {
            cx.issue("required", "birthDate", "a date of birth is required");
            Date::MIN
        }
    };
    let sex = match resource.gender.as_deref() {
        Some("male") => AdministrativeSex::Male,
        Some("female") => AdministrativeSex::Female,
        Some("other") => AdministrativeSex::Other,
        _ => AdministrativeSex::Unknown,
    };
    let language = resource.communication.first().and_then(|c| {
        c.language
            .coding
            .iter()
            .find_map(|coding| coding.code.clone())
            .or_else(|| c.language.text.clone())
    });
    let Some(mrn) = mrn else {
        return Mapped::Skipped(String::new());
    };
    Mapped::Patient(records::Patient {
        mrn,
        mrn_authority,
        family_name,
        given_name,
        middle_name: middle.filter(|m| !m.is_empty()),
        name_prefix: name.and_then(|n| n.prefix.first().cloned()),
        name_suffix: name.and_then(|n| n.suffix.first().cloned()),
        preferred_name,
        birth_date,
        sex,
        address: address(&resource.address),
        phone: contact(&resource.telecom, "phone"),
        email: contact(&resource.telecom, "email"),
        language,
        race: None,
        ethnicity: None,
        deceased_date: resource.deceased_date_time.as_deref().and_then(parse_date),
        identifiers,
    })
}

/// The patient's MRN among its identifiers: the first typed MR (or under Chartroom's own
/// MRN system) whose value is a usable MRN, with its assigning authority. An MR value in
/// another system's form (too long, other characters) is kept only as an identifier.
fn medical_record_number(
    resource: &fhir::Patient,
    cx: &mut Cx<'_>,
) -> Option<(Option<Mrn>, String)> {
    let mut candidates = resource.identifier.iter().enumerate().filter(|(_, i)| {
        i.type_
            .as_ref()
            .is_some_and(|t| t.code_in(IDENTIFIER_TYPE) == Some("MR"))
            || i.system
                .as_deref()
                .is_some_and(|s| s.starts_with(MRN_SYSTEM_PREFIX))
    });
    candidates.find_map(|(idx, identifier)| {
        let system = identifier.system.as_deref().unwrap_or("unknown");
        let ours = system.strip_prefix(MRN_SYSTEM_PREFIX);
        let mrn = match Mrn::parse(identifier.value.as_deref().unwrap_or("")) {
            Ok(mrn) => mrn,
            // Our own MRN system holds only MRNs of our form: anything else is an error.
            Err(message) if ours.is_some() => {
                cx.issue("value", &format!("identifier[{idx}].value"), message);
                return Some((None, String::new()));
            }
            Err(_) => return None,
        };
        let authority = match ours {
            Some(authority) => percent_decode(authority),
            // The records model keeps 40 characters; the end of a URL names the host
            // less well than its start, so keep the start.
            None => system.chars().take(40).collect(),
        };
        Some((Some(mrn), authority))
    })
}

fn practitioner(resource: &fhir::Practitioner, cx: &mut Cx<'_>) -> Mapped {
    let name = official_name(&resource.name);
    let (family_name, given_name) = family_and_given(name, cx);
    let taxonomy = resource
        .qualification
        .iter()
        .find(|q| q.code.code_in(NUCC_TAXONOMY).is_some());
    let credentials = resource
        .qualification
        .iter()
        .find(|q| q.code.coding.is_empty())
        .and_then(|q| q.code.text.clone());
    Mapped::Provider(Provider {
        npi: npi(&resource.identifier),
        family_name,
        given_name,
        credentials,
        taxonomy: taxonomy.and_then(|q| q.code.code_in(NUCC_TAXONOMY).map(str::to_owned)),
        specialty: taxonomy.and_then(|q| q.code.coding.first().and_then(|c| c.display.clone())),
        organization_id: None,
    })
}

fn concept_code<'a>(concepts: &'a [CodeableConcept], system: &str) -> Option<&'a str> {
    concepts.iter().find_map(|c| c.code_in(system))
}

fn organization(resource: &fhir::Organization, cx: &mut Cx<'_>) -> Mapped {
    let Some(name) = resource.name.clone() else {
        cx.issue("required", "name", "a name is required");
        return Mapped::Skipped(String::new());
    };
    let address = address(&resource.address);
    let phone = contact(&resource.telecom, "phone");
    // `pay` is a payer and `ins` an insurance company (as Synthea types its payers).
    if matches!(
        concept_code(&resource.type_, ORGANIZATION_TYPE),
        Some("pay" | "ins")
    ) {
        let kind = match concept_code(&resource.type_, PAYER_KIND) {
            Some("medicare") => PayerKind::Medicare,
            Some("medicaid") => PayerKind::Medicaid,
            Some("government") => PayerKind::Government,
            Some("self_pay") => PayerKind::SelfPay,
            _ => PayerKind::Commercial,
        };
        let payer_code = resource
            .identifier
            .iter()
            .find(|i| i.system.as_deref() == Some(PAYER_CODE_SYSTEM))
            .and_then(|i| i.value.clone());
        return Mapped::Payer(Payer {
            name,
            payer_code,
            kind,
            address,
            phone,
        });
    }
    let kind = match concept_code(&resource.type_, ORGANIZATION_KIND) {
        Some("practice") => OrganizationKind::Practice,
        Some("laboratory") => OrganizationKind::Laboratory,
        Some("other") => OrganizationKind::Other,
        _ => OrganizationKind::Facility,
    };
    Mapped::Organization(Organization {
        name,
        kind,
        npi: npi(&resource.identifier),
        address,
        phone,
    })
}

fn coverage(resource: &fhir::Coverage, cx: &mut Cx<'_>) -> Mapped {
    let patient_id = cx.required_ref("patient", "beneficiary", Some(&resource.beneficiary));
    let Some(payor) = resource.payor.first() else {
        return Mapped::Skipped("no payor".into());
    };
    if payor.reference.is_none() {
        // Synthea names the payer only in words; there is no payer record to point at.
        return Mapped::Skipped("the payor is named only in words".into());
    }
    let member_id = resource
        .subscriber_id
        .clone()
        .or_else(|| resource.identifier.iter().find_map(|i| i.value.clone()))
        .unwrap_or_default();
    if member_id.trim().is_empty() {
        // Without a member id the coverage cannot be billed; Synthea writes none.
        return Mapped::Skipped("no member id (subscriberId)".into());
    }
    let payer_id = cx.required_ref("payer", "payor[0]", Some(payor));
    let effective_start = match resource
        .period
        .as_ref()
        .and_then(|p| p.start.as_deref())
        .and_then(parse_date)
    {
        Some(date) => date,
        None => {
            cx.issue(
                "required",
                "period.start",
                "the first day covered is required",
            );
            Date::MIN
        }
    };
    let class_value = |kind: &str| {
        resource
            .class
            .iter()
            .find(|c| c.type_.code_in(COVERAGE_CLASS) == Some(kind))
            .map(|c| c.name.clone().unwrap_or_else(|| c.value.clone()))
    };
    let relationship = match resource
        .relationship
        .as_ref()
        .and_then(|r| r.code_in(SUBSCRIBER_RELATIONSHIP))
    {
        Some("spouse") => Relationship::Spouse,
        Some("child") => Relationship::Child,
        Some("self") | None => Relationship::SelfSubscriber,
        Some(_) => Relationship::Other,
    };
    Mapped::Coverage(Coverage {
        patient_id: patient_id.into(),
        payer_id: PayerId(payer_id),
        plan_name: class_value("plan"),
        member_id,
        group_number: class_value("group"),
        subscriber_name: resource.subscriber.as_ref().and_then(|r| r.display.clone()),
        relationship,
        coverage_order: match resource.order {
            Some(2) => CoverageOrder::Secondary,
            Some(3) => CoverageOrder::Tertiary,
            _ => CoverageOrder::Primary,
        },
        effective_start,
        effective_end: resource
            .period
            .as_ref()
            .and_then(|p| p.end.as_deref())
            .and_then(parse_date),
    })
}
