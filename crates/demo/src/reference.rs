//! Reference data shared by every demo patient: organizations, providers and payers.
//!
//! Created once per store and remembered under the external-id source `demo`, so a second
//! demo run (or a run into a store that holds imported data) reuses them instead of
//! creating duplicates.

use records::{
    Address, Npi, Organization, OrganizationId, OrganizationKind, Payer, PayerId, PayerKind,
    Provider, ProviderId,
};
use store::{Actor, Tx};

/// The external-id source under which demo reference data is remembered.
pub(crate) const SOURCE: &str = "demo";

/// What a provider does, which decides the encounters they attend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Family,
    Internist,
    Hospitalist,
    Pediatrician,
    Emergency,
    Surgeon,
    Obstetrician,
    Cardiologist,
    NursePractitioner,
}

/// Which organization a provider practises with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Org {
    Hospital,
    Primary,
    Pediatrics,
    Women,
}

struct ProviderSpec {
    key: &'static str,
    given: &'static str,
    family: &'static str,
    credentials: &'static str,
    role: Role,
    org: Org,
}

const fn p(
    key: &'static str,
    given: &'static str,
    family: &'static str,
    credentials: &'static str,
    role: Role,
    org: Org,
) -> ProviderSpec {
    ProviderSpec {
        key,
        given,
        family,
        credentials,
        role,
        org,
    }
}

const PROVIDERS: &[ProviderSpec] = &[
    p(
        "fm-1",
        "Imogen",
        "Ashgrove",
        "MD",
        Role::Family,
        Org::Primary,
    ),
    p(
        "fm-2",
        "Tobias",
        "Wrenfield",
        "DO",
        Role::Family,
        Org::Primary,
    ),
    p(
        "fm-3",
        "Marguerite",
        "Osterley",
        "MD",
        Role::Family,
        Org::Primary,
    ),
    p(
        "fm-4",
        "Anders",
        "Coldwell",
        "MD",
        Role::Family,
        Org::Primary,
    ),
    p(
        "im-1",
        "Harriet",
        "Penrose",
        "MD",
        Role::Internist,
        Org::Primary,
    ),
    p(
        "im-2",
        "Ezra",
        "Blackmoor",
        "MD",
        Role::Internist,
        Org::Primary,
    ),
    p(
        "hosp-1",
        "Ottilie",
        "Marchbank",
        "MD",
        Role::Hospitalist,
        Org::Hospital,
    ),
    p(
        "hosp-2",
        "Rupert",
        "Saltonstall",
        "DO",
        Role::Hospitalist,
        Org::Hospital,
    ),
    p(
        "peds-1",
        "Clementine",
        "Fairbairn",
        "MD",
        Role::Pediatrician,
        Org::Pediatrics,
    ),
    p(
        "peds-2",
        "Jasper",
        "Underwood",
        "MD",
        Role::Pediatrician,
        Org::Pediatrics,
    ),
    p(
        "peds-3",
        "Ingrid",
        "Halvorsen",
        "MD",
        Role::Pediatrician,
        Org::Pediatrics,
    ),
    p(
        "ed-1",
        "Magnus",
        "Thorne",
        "MD",
        Role::Emergency,
        Org::Hospital,
    ),
    p(
        "ed-2",
        "Philippa",
        "Greaves",
        "DO",
        Role::Emergency,
        Org::Hospital,
    ),
    p(
        "ed-3",
        "Leopold",
        "Ainsworth",
        "MD",
        Role::Emergency,
        Org::Hospital,
    ),
    p(
        "surg-1",
        "Beatrice",
        "Kingsmill",
        "MD",
        Role::Surgeon,
        Org::Hospital,
    ),
    p(
        "surg-2",
        "Edmund",
        "Larkin",
        "MD",
        Role::Surgeon,
        Org::Hospital,
    ),
    p(
        "ob-1",
        "Rosamund",
        "Whitcombe",
        "MD",
        Role::Obstetrician,
        Org::Women,
    ),
    p(
        "ob-2",
        "Florian",
        "Hartigan",
        "MD",
        Role::Obstetrician,
        Org::Women,
    ),
    p(
        "card-1",
        "Cecily",
        "Dunstable",
        "MD",
        Role::Cardiologist,
        Org::Hospital,
    ),
    p(
        "np-1",
        "Maren",
        "Eastbrook",
        "NP",
        Role::NursePractitioner,
        Org::Primary,
    ),
];

fn taxonomy(role: Role) -> (&'static str, &'static str) {
    match role {
        Role::Family => ("207Q00000X", "Family medicine"),
        Role::Internist | Role::Hospitalist => ("207R00000X", "Internal medicine"),
        Role::Pediatrician => ("208000000X", "Pediatrics"),
        Role::Emergency => ("207P00000X", "Emergency medicine"),
        Role::Surgeon => ("208600000X", "Surgery"),
        Role::Obstetrician => ("207V00000X", "Obstetrics and gynecology"),
        Role::Cardiologist => ("207RC0000X", "Cardiovascular disease"),
        Role::NursePractitioner => ("363LF0000X", "Nurse practitioner, family"),
    }
}

/// The payers a demo population is insured by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PayerSlot {
    Medicare,
    Medicaid,
    Commercial(usize),
    SelfPay,
}

/// The three commercial plans: payer name, X12 payer id, plan name, member-id prefix.
pub(crate) const COMMERCIAL: [(&str, &str, &str, &str); 3] = [
    ("Bayside Health Plan", "DEMO1", "Bayside PPO", "BHP"),
    (
        "Granite Mutual Insurance",
        "DEMO2",
        "Granite Choice HMO",
        "GMI",
    ),
    (
        "Northstar Benefit Trust",
        "DEMO3",
        "Northstar Open Access",
        "NBT",
    ),
];

fn payer_spec(slot: PayerSlot) -> (&'static str, &'static str, Option<&'static str>, PayerKind) {
    match slot {
        PayerSlot::Medicare => (
            "medicare",
            "Medicare Part A and B (demo jurisdiction)",
            Some("DEMOMCR"),
            PayerKind::Medicare,
        ),
        PayerSlot::Medicaid => (
            "medicaid",
            "MassHealth Standard (demo)",
            Some("DEMOMCD"),
            PayerKind::Medicaid,
        ),
        PayerSlot::Commercial(i) => {
            let (name, code, _, _) = COMMERCIAL.get(i).copied().unwrap_or(COMMERCIAL[0]);
            (
                ["commercial-1", "commercial-2", "commercial-3"]
                    .get(i)
                    .copied()
                    .unwrap_or("commercial-1"),
                name,
                Some(code),
                PayerKind::Commercial,
            )
        }
        PayerSlot::SelfPay => ("self-pay", "Self-pay", None, PayerKind::SelfPay),
    }
}

/// Ids of the reference records, resolved for this store.
#[derive(Debug, Clone)]
pub(crate) struct Reference {
    pub hospital: OrganizationId,
    pub primary_care: OrganizationId,
    pub pediatrics: OrganizationId,
    pub womens_health: OrganizationId,
    providers: Vec<(Role, ProviderId)>,
    medicare: PayerId,
    medicaid: PayerId,
    commercial: [PayerId; 3],
    self_pay: PayerId,
}

impl Reference {
    /// Providers with a role, in a stable order.
    pub fn with_role(&self, role: Role) -> Vec<ProviderId> {
        self.providers
            .iter()
            .filter(|(r, _)| *r == role)
            .map(|(_, id)| *id)
            .collect()
    }

    /// The payer record for a slot.
    pub fn payer(&self, slot: PayerSlot) -> PayerId {
        match slot {
            PayerSlot::Medicare => self.medicare,
            PayerSlot::Medicaid => self.medicaid,
            PayerSlot::Commercial(i) => self
                .commercial
                .get(i)
                .copied()
                .unwrap_or(self.commercial[0]),
            PayerSlot::SelfPay => self.self_pay,
        }
    }
}

fn address(line1: &str, city: &str, zip: &str) -> Address {
    Address {
        line1: Some(line1.into()),
        city: Some(city.into()),
        state: Some("MA".into()),
        postal_code: Some(zip.into()),
        country: Some("US".into()),
        ..Address::default()
    }
}

/// Finds the record remembered under `key`, or creates it with `make` and remembers it.
fn ensure<R: store::Table>(
    tx: &mut Tx<'_>,
    actor: &Actor,
    kind: &str,
    key: &str,
    make: impl FnOnce() -> R,
) -> store::Result<i64> {
    if let Some(id) = tx.external_id(SOURCE, kind, key)? {
        return Ok(id);
    }
    let id = tx.create(actor, &make())?.meta.id;
    tx.link_external_id(SOURCE, kind, key, id)?;
    Ok(id)
}

fn organization(
    tx: &mut Tx<'_>,
    actor: &Actor,
    key: &str,
    name: &str,
    kind: OrganizationKind,
    npi_base: u32,
    line1: &str,
) -> store::Result<OrganizationId> {
    ensure(tx, actor, "organization", key, || Organization {
        name: name.into(),
        kind,
        npi: Some(Npi::from_base(npi_base)),
        // ZIP+4: the 837's billing provider (loop 2010AA N403) needs all nine digits.
        address: address(line1, "Springfield", "01101-2501"),
        phone: Some("(413) 555-0100".into()),
    })
    .map(OrganizationId)
}

/// Looks up (or creates) every reference record.
pub(crate) fn ensure_all(tx: &mut Tx<'_>, actor: &Actor) -> store::Result<Reference> {
    let hospital = organization(
        tx,
        actor,
        "hospital",
        "Harborview General Hospital (demo)",
        OrganizationKind::Facility,
        160_100_001,
        "1 Harborview Plaza",
    )?;
    let primary_care = organization(
        tx,
        actor,
        "primary-care",
        "Harborview Family & Internal Medicine (demo)",
        OrganizationKind::Practice,
        160_100_002,
        "40 Orchard St",
    )?;
    let pediatrics = organization(
        tx,
        actor,
        "pediatrics",
        "Northside Pediatrics (demo)",
        OrganizationKind::Practice,
        160_100_003,
        "212 Maple Ave",
    )?;
    let womens_health = organization(
        tx,
        actor,
        "womens-health",
        "Harborview Women's Health (demo)",
        OrganizationKind::Practice,
        160_100_004,
        "3 Harborview Plaza",
    )?;
    let mut providers = Vec::with_capacity(PROVIDERS.len());
    for (idx, spec) in PROVIDERS.iter().enumerate() {
        let (code, specialty) = taxonomy(spec.role);
        let org = match spec.org {
            Org::Hospital => hospital,
            Org::Primary => primary_care,
            Org::Pediatrics => pediatrics,
            Org::Women => womens_health,
        };
        let npi_base = 134_000_000 + u32::try_from(idx).unwrap_or(0) * 1_237;
        let id = ensure(tx, actor, "provider", spec.key, || Provider {
            npi: Some(Npi::from_base(npi_base)),
            family_name: spec.family.into(),
            given_name: spec.given.into(),
            credentials: Some(spec.credentials.into()),
            taxonomy: Some(code.into()),
            specialty: Some(specialty.into()),
            organization_id: Some(org),
        })?;
        providers.push((spec.role, ProviderId(id)));
    }
    let mut payer = |slot: PayerSlot| -> store::Result<PayerId> {
        let (key, name, code, kind) = payer_spec(slot);
        ensure(tx, actor, "payer", key, || Payer {
            name: name.into(),
            payer_code: code.map(Into::into),
            kind,
            address: address("PO Box 5550", "Boston", "02108"),
            phone: Some("(617) 555-0199".into()),
        })
        .map(PayerId)
    };
    Ok(Reference {
        hospital,
        primary_care,
        pediatrics,
        womens_health,
        providers,
        medicare: payer(PayerSlot::Medicare)?,
        medicaid: payer(PayerSlot::Medicaid)?,
        commercial: [
            payer(PayerSlot::Commercial(0))?,
            payer(PayerSlot::Commercial(1))?,
            payer(PayerSlot::Commercial(2))?,
        ],
        self_pay: payer(PayerSlot::SelfPay)?,
    })
}
