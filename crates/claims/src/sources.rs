//! What building claims reads from the chart, for a whole batch of encounters at once: one
//! query per kind of record (encounters, patients, coverages, consents, payers, providers,
//! organizations, diagnoses, charges, procedures, charge details), by id list or by the
//! encounters' and patients' indexed columns, held in maps. Building N claims then costs a
//! dozen queries, not a dozen per claim; one claim reads through the same path.

use records::{
    Charge, ChargeDetail, Consent, Coverage, Diagnosis, Encounter, EncounterId, Organization,
    Patient, Payer, Procedure, Provider,
};
use std::collections::HashMap;
use store::{Stored, Table, Tx};

/// The chart records of a batch of encounters, as this transaction reads them now.
#[derive(Default)]
pub(crate) struct Sources {
    encounters: HashMap<i64, Encounter>,
    patients: HashMap<i64, Patient>,
    payers: HashMap<i64, Payer>,
    providers: HashMap<i64, Provider>,
    organizations: HashMap<i64, Organization>,
    /// By patient, oldest first.
    coverages: HashMap<i64, Vec<Stored<Coverage>>>,
    consents: HashMap<i64, Vec<Stored<Consent>>>,
    /// By encounter, oldest first.
    diagnoses: HashMap<i64, Vec<Diagnosis>>,
    charges: HashMap<i64, Vec<Stored<Charge>>>,
    procedures: HashMap<i64, Vec<Stored<Procedure>>>,
    /// By encounter, then charge.
    details: HashMap<i64, HashMap<i64, ChargeDetail>>,
}

fn by_id<R: Table>(
    tx: &mut Tx<'_>,
    ids: impl Iterator<Item = i64>,
) -> store::Result<HashMap<i64, R>> {
    let ids: Vec<i64> = ids.collect();
    Ok(tx
        .find_many::<R>(&ids)?
        .into_iter()
        .map(|s| (s.meta.id, s.record))
        .collect())
}

fn grouped<R: Table>(
    tx: &mut Tx<'_>,
    column: &str,
    keys: &[i64],
    key_of: impl Fn(&R) -> i64,
) -> store::Result<HashMap<i64, Vec<Stored<R>>>> {
    let mut map: HashMap<i64, Vec<Stored<R>>> = HashMap::new();
    for stored in tx.select_in::<R>(column, keys)? {
        map.entry(key_of(&stored.record)).or_default().push(stored);
    }
    Ok(map)
}

fn get<R: Table>(map: &HashMap<i64, R>, id: i64) -> store::Result<&R> {
    map.get(&id)
        .ok_or(store::Error::NotFound { kind: R::KIND, id })
}

impl Sources {
    /// Reads everything the claims of `encounters` are built from.
    pub(crate) fn load(tx: &mut Tx<'_>, encounters: &[EncounterId]) -> store::Result<Self> {
        let mut sources = Self {
            encounters: by_id(tx, encounters.iter().map(|e| e.0))?,
            ..Self::default()
        };
        let encounter_ids: Vec<i64> = sources.encounters.keys().copied().collect();
        let patient_ids: Vec<i64> = sources
            .encounters
            .values()
            .map(|e| e.patient_id.0)
            .collect();
        sources.patients = by_id(tx, patient_ids.iter().copied())?;
        sources.coverages = grouped(tx, "patient_id", &patient_ids, |c: &Coverage| {
            c.patient_id.0
        })?;
        sources.consents = grouped(tx, "patient_id", &patient_ids, |c: &Consent| c.patient_id.0)?;
        sources.diagnoses = grouped(tx, "encounter_id", &encounter_ids, |d: &Diagnosis| {
            d.encounter_id.0
        })?
        .into_iter()
        .map(|(k, v)| (k, v.into_iter().map(|d| d.record).collect()))
        .collect();
        sources.charges = grouped(tx, "encounter_id", &encounter_ids, |c: &Charge| {
            c.encounter_id.map_or(0, |e| e.0)
        })?;
        sources.procedures = grouped(tx, "encounter_id", &encounter_ids, |p: &Procedure| {
            p.encounter_id.map_or(0, |e| e.0)
        })?;
        for detail in tx.select_in::<ChargeDetail>("encounter_id", &encounter_ids)? {
            sources
                .details
                .entry(detail.record.encounter_id.0)
                .or_default()
                .insert(detail.record.charge_id.0, detail.record);
        }
        let payer_ids: Vec<i64> = sources
            .coverages
            .values()
            .flatten()
            .map(|c| c.record.payer_id.0)
            .collect();
        sources.payers = by_id(tx, payer_ids.into_iter())?;
        let ordering = sources
            .details
            .values()
            .flat_map(HashMap::values)
            .filter_map(|d| d.equipment.as_ref()?.ordering_provider_id.map(|p| p.0));
        let provider_ids: Vec<i64> = sources
            .encounters
            .values()
            .filter_map(|e| e.attending_id.map(|p| p.0))
            .chain(ordering)
            .collect();
        sources.providers = by_id(tx, provider_ids.into_iter())?;
        let organization_ids: Vec<i64> = sources
            .encounters
            .values()
            .filter_map(|e| e.facility_id.map(|o| o.0))
            .chain(
                sources
                    .providers
                    .values()
                    .filter_map(|p| p.organization_id.map(|o| o.0)),
            )
            .collect();
        sources.organizations = by_id(tx, organization_ids.into_iter())?;
        Ok(sources)
    }

    pub(crate) fn encounter(&self, id: EncounterId) -> store::Result<&Encounter> {
        get(&self.encounters, id.0)
    }

    pub(crate) fn patient(&self, id: i64) -> store::Result<&Patient> {
        get(&self.patients, id)
    }

    pub(crate) fn payer(&self, id: i64) -> store::Result<&Payer> {
        get(&self.payers, id)
    }

    pub(crate) fn provider(&self, id: i64) -> store::Result<&Provider> {
        get(&self.providers, id)
    }

    pub(crate) fn organization(&self, id: i64) -> store::Result<&Organization> {
        get(&self.organizations, id)
    }

    pub(crate) fn coverages(&self, patient_id: i64) -> &[Stored<Coverage>] {
        self.coverages.get(&patient_id).map_or(&[], Vec::as_slice)
    }

    pub(crate) fn consents(&self, patient_id: i64) -> &[Stored<Consent>] {
        self.consents.get(&patient_id).map_or(&[], Vec::as_slice)
    }

    pub(crate) fn diagnoses(&self, encounter: EncounterId) -> &[Diagnosis] {
        self.diagnoses.get(&encounter.0).map_or(&[], Vec::as_slice)
    }

    pub(crate) fn charges(&self, encounter: EncounterId) -> &[Stored<Charge>] {
        self.charges.get(&encounter.0).map_or(&[], Vec::as_slice)
    }

    pub(crate) fn procedures(&self, encounter: EncounterId) -> &[Stored<Procedure>] {
        self.procedures.get(&encounter.0).map_or(&[], Vec::as_slice)
    }

    pub(crate) fn details(&self, encounter: EncounterId) -> Option<&HashMap<i64, ChargeDetail>> {
        self.details.get(&encounter.0)
    }
}
