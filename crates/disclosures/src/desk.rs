//! The release-of-information desk over the store, every step with its audit entry in
//! the caller's audited transaction, so the command line, the pages and the API write the
//! same entries: intake (create), review (a read of the chart parts checked; the status
//! follows the defects), release (the packet, the disclosure entered in the accounting,
//! the request closed, an export entry naming what was withheld), denial, the one
//! extension, the queue, consents, and the patient's accounting of disclosures.
//!
//! Invariants:
//! - Nothing is released while the review names a defect: release checks again in its own
//!   transaction and writes nothing when one is found.
//! - Every release enters a disclosure, accountable or not (164.528(a)(1) exclusions are
//!   still on file), in the same transaction as the request's change.

use crate::fees::FeeSchedule;
use crate::packet::{Cover, Packet, render};
use crate::scope::{Scope, items_of, scope};
use crate::validate::{Defect, validate};
use crate::{Error, Result};
use privacy::{Action, AuditEvent, DataCategory};
use records::{Consent, Disclosure, PatientId, RecordKind, ReleaseCategory, RoiRequest, RoiStatus};
use store::{Actor, Audited, Stored, Tx};
use time::{Date, Duration, OffsetDateTime};

/// Days to act on a request (164.524(b)(2)), and the one extension.
pub const DAYS_TO_ACT: i64 = 30;

/// How far back the accounting reaches (164.528(a)(3)).
pub const ACCOUNTING_YEARS: i32 = 6;

/// The chart categories a release-category reads, for audit entries.
fn audit_category(category: ReleaseCategory) -> DataCategory {
    use ReleaseCategory as R;
    match category {
        R::Demographics => DataCategory::Demographics,
        R::Insurance => DataCategory::Insurance,
        R::Encounters => DataCategory::Encounters,
        R::Diagnoses | R::SubstanceUse | R::Hiv | R::Genetic | R::Reproductive => {
            DataCategory::Diagnoses
        }
        R::Procedures => DataCategory::Procedures,
        R::Immunizations => DataCategory::Immunizations,
        R::Results => DataCategory::Results,
        R::Medications => DataCategory::Medications,
        R::Allergies => DataCategory::Allergies,
        R::Problems => DataCategory::Problems,
        R::Notes | R::PsychotherapyNotes => DataCategory::Notes,
        R::Billing => DataCategory::Billing,
    }
}

/// The audit categories of a request's parts, without repeats.
pub fn audit_categories(categories: &[ReleaseCategory]) -> Vec<DataCategory> {
    let mut out: Vec<DataCategory> = categories.iter().map(|c| audit_category(*c)).collect();
    out.sort_by_key(|c| c.as_str());
    out.dedup();
    out
}

fn actor(who: &AuditEvent) -> Actor {
    Actor::new(format!("roi:{}", who.user))
}

fn event(who: &AuditEvent, action: Action) -> AuditEvent {
    let mut event = who.clone();
    event.action = action;
    event
}

fn json<T: serde::Serialize>(value: &T) -> Option<String> {
    serde_json::to_string(value).ok()
}

/// A new request as received on `received_on` (due 30 days later), or every problem with it.
pub fn intake(
    audited: &mut Audited<'_>,
    who: &AuditEvent,
    mut request: RoiRequest,
) -> Result<Stored<RoiRequest>> {
    request.status = RoiStatus::Received;
    request.due_on = request.received_on + Duration::days(DAYS_TO_ACT);
    request.received_by = who.user.clone();
    let patient = request.patient_id;
    create(
        audited,
        who,
        patient,
        &request,
        "release of information: request received",
    )
}

/// A request with the chart it names and what the checks found.
#[derive(Debug, Clone)]
pub struct Review {
    /// The request as it stands after the review.
    pub request: Stored<RoiRequest>,
    /// Its number.
    pub number: String,
    /// "Family, Given".
    pub patient_name: String,
    /// The MRN.
    pub mrn: String,
    /// The birth date.
    pub birth_date: Date,
    /// Every defect; empty when it may be released.
    pub defects: Vec<Defect>,
    /// What it reaches and what it leaves behind.
    pub scope: Scope,
}

fn consents_with_ids(tx: &mut Tx<'_>, patient: PatientId) -> Result<Vec<(i64, Consent)>> {
    let stored: Vec<Stored<Consent>> = tx.for_patient(patient.0)?;
    Ok(stored
        .into_iter()
        .filter(|c| c.meta.deleted.is_none())
        .map(|c| (c.meta.id, c.record))
        .collect())
}

/// Checks request `id` on `today` (pure reads in `tx`).
pub fn check(tx: &mut Tx<'_>, id: i64, today: Date) -> Result<Review> {
    let request: Stored<RoiRequest> = tx.get(id)?;
    let chart = tx.chart(request.record.patient_id.0)?;
    let consents = consents_with_ids(tx, request.record.patient_id)?;
    let scope = scope(items_of(&chart), &request.record, &consents, today);
    // The protected classes the chart holds in scope, released or withheld for not asked.
    let mut present: Vec<ReleaseCategory> = scope.protected.keys().copied().collect();
    for reason in scope.withheld.keys() {
        if let crate::scope::Withholding::NotAsked(class) = reason {
            present.push(*class);
        }
    }
    let plain: Vec<Consent> = consents.into_iter().map(|(_, c)| c).collect();
    let defects = validate(&request.record, &plain, &present, today);
    let patient = &chart.patient.record;
    Ok(Review {
        number: RoiRequest::number(id),
        patient_name: patient.display_name(),
        mrn: patient.mrn.to_string(),
        birth_date: patient.birth_date,
        request,
        defects,
        scope,
    })
}

/// Reviews request `id`: the checks on today's date, audited as a read of the chart parts
/// it names; a request with no defect becomes `validated`, a validated one that now has
/// one goes back to `received`.
pub fn review(audited: &mut Audited<'_>, who: &AuditEvent, id: i64) -> Result<Review> {
    let today = audited.now().date();
    let mut review = check(&mut audited.records(), id, today)?;
    let record = &review.request.record;
    let next = match (record.status, review.defects.is_empty()) {
        (RoiStatus::Received, true) => Some(RoiStatus::Validated),
        (RoiStatus::Validated, false) => Some(RoiStatus::Received),
        _ => None,
    };
    audited.append(
        &event(who, Action::Read)
            .patient(record.patient_id)
            .record(RoiRequest::KIND, id)
            .categories(&audit_categories(&record.categories))
            .reason(&format!(
                "release of information: {} reviewed, {} defects",
                review.number,
                review.defects.len()
            )),
    )?;
    if let Some(status) = next {
        let changed = RoiRequest {
            status,
            ..record.clone()
        };
        review.request = update(audited, who, &review.request, changed, "validation")?;
    }
    Ok(review)
}

fn update(
    audited: &mut Audited<'_>,
    who: &AuditEvent,
    before: &Stored<RoiRequest>,
    after: RoiRequest,
    what: &str,
) -> Result<Stored<RoiRequest>> {
    let stored =
        audited
            .records()
            .update(&actor(who), before.meta.id, before.meta.version, &after)?;
    audited.append(
        &event(who, Action::Update)
            .patient(after.patient_id)
            .record(RoiRequest::KIND, before.meta.id)
            .reason(&format!("release of information: {what}"))
            .changes(json(&before.record), json(&stored.record)),
    )?;
    Ok(stored)
}

/// A release: the request closed, the disclosure entered, the packet.
#[derive(Debug, Clone)]
pub struct Released {
    /// The request, now released.
    pub request: Stored<RoiRequest>,
    /// The accounting entry.
    pub disclosure: Stored<Disclosure>,
    /// The packet to send.
    pub packet: Packet,
    /// What was withheld, in words.
    pub withheld: Vec<String>,
    /// Exactly what was released and what withheld (for a FHIR bundle of the same items).
    pub scope: Scope,
}

/// Releases request `id`: checked again now, refused with every defect when one remains
/// (nothing is written); otherwise the packet is rendered, the disclosure entered, the
/// request closed with pages, fee and checksum, and the export audited with what was
/// withheld.
pub fn release(
    audited: &mut Audited<'_>,
    who: &AuditEvent,
    id: i64,
    fees: &FeeSchedule,
    facility: &str,
) -> Result<Released> {
    let now = audited.now();
    let review = check(&mut audited.records(), id, now.date())?;
    if !review.defects.is_empty() {
        return Err(Error::Defective {
            number: review.number,
            defects: review.defects,
        });
    }
    let request = &review.request.record;
    let patient = format!(
        "{} (MRN {}), born {}",
        review.patient_name, review.mrn, review.birth_date
    );
    // The fee depends on the page count and the cover shows the fee: render once to count,
    // and again when the fee line would change the layout (it never adds a page).
    let draft = render(
        &Cover {
            number: &review.number,
            facility,
            patient: &patient,
            released_on: now.date(),
            released_by: &who.user,
            fee_cents: 0,
        },
        request,
        &review.scope,
    );
    let fee_cents = fees.fee(request.legal_basis, request.delivery, draft.pages as i64);
    let packet = render(
        &Cover {
            number: &review.number,
            facility,
            patient: &patient,
            released_on: now.date(),
            released_by: &who.user,
            fee_cents,
        },
        request,
        &review.scope,
    );
    let description = format!(
        "{} ({} items, {} pages)",
        request
            .categories
            .iter()
            .map(|c| c.label())
            .collect::<Vec<_>>()
            .join(", "),
        review.scope.items.len(),
        packet.pages
    );
    let disclosure = Disclosure {
        patient_id: request.patient_id,
        disclosed_at: now,
        recipient: match &request.requester_organization {
            Some(org) => format!("{} ({org})", request.requester_name),
            None => request.requester_name.clone(),
        },
        recipient_address: request.requester_address.clone(),
        description,
        purpose: request.purpose.clone(),
        legal_basis: request.legal_basis,
        accountable: request.legal_basis.accountable(),
        request_id: Some(id),
        channel: "roi".into(),
        made_by: who.user.clone(),
    };
    let disclosure = enter_disclosure(audited, who, disclosure)?;
    let withheld: Vec<String> = review
        .scope
        .withheld
        .iter()
        .map(|(reason, n)| format!("{n} withheld: {}", reason.describe()))
        .collect();
    audited.append(
        &event(who, Action::Export)
            .patient(request.patient_id)
            .record(RoiRequest::KIND, id)
            .categories(&audit_categories(&request.categories))
            .reason(&format!(
                "release of information: {} to {}, {} pages, sha256 {}{}",
                review.number,
                request.requester_name,
                packet.pages,
                packet.sha256,
                if withheld.is_empty() {
                    String::new()
                } else {
                    format!("; {}", withheld.join("; "))
                }
            ))
            .changes(
                None,
                json(&serde_json::json!({ "withheld": review.scope.withheld_records })),
            ),
    )?;
    let closed = RoiRequest {
        status: RoiStatus::Released,
        decided_by: Some(who.user.clone()),
        decided_at: Some(now),
        pages: Some(packet.pages as i64),
        fee_cents: Some(fee_cents),
        packet_sha256: Some(packet.sha256.clone()),
        ..request.clone()
    };
    let request = update(audited, who, &review.request, closed, "released")?;
    Ok(Released {
        request,
        disclosure,
        packet,
        withheld,
        scope: review.scope,
    })
}

/// Enters a disclosure made (a release, a public-health report, a registry message).
pub fn enter_disclosure(
    audited: &mut Audited<'_>,
    who: &AuditEvent,
    disclosure: Disclosure,
) -> Result<Stored<Disclosure>> {
    let patient = disclosure.patient_id;
    create(
        audited,
        who,
        patient,
        &disclosure,
        "accounting of disclosures: disclosure entered",
    )
}

/// Creates `record` on `patient`'s chart with its audit entry (its new values).
fn create<R: store::Table + RecordKind + serde::Serialize>(
    audited: &mut Audited<'_>,
    who: &AuditEvent,
    patient: PatientId,
    record: &R,
    reason: &str,
) -> Result<Stored<R>> {
    let stored = audited.records().create(&actor(who), record)?;
    audited.append(
        &event(who, Action::Create)
            .patient(patient)
            .record(R::KIND, stored.meta.id)
            .reason(reason)
            .changes(None, json(&stored.record)),
    )?;
    Ok(stored)
}

fn open_request(tx: &mut Tx<'_>, id: i64) -> Result<Stored<RoiRequest>> {
    let request: Stored<RoiRequest> = tx.get(id)?;
    if !request.record.status.is_open() {
        return Err(Error::Closed {
            number: RoiRequest::number(id),
            status: request.record.status,
        });
    }
    Ok(request)
}

/// Corrects open request `id` as the desk received better papers (a signed authorisation
/// form, the requester's identity verified): the new values replace the old, the status,
/// due day and who took it in kept, and the change audited with both; a closed request is
/// refused. The next review decides whether it may now be released.
pub fn correct(
    audited: &mut Audited<'_>,
    who: &AuditEvent,
    id: i64,
    corrected: RoiRequest,
) -> Result<Stored<RoiRequest>> {
    let before = open_request(&mut audited.records(), id)?;
    if corrected.patient_id != before.record.patient_id {
        return Err(Error::Refused(format!(
            "{} is for another patient; take in a new request instead",
            RoiRequest::number(id)
        )));
    }
    let after = RoiRequest {
        status: before.record.status,
        received_on: before.record.received_on,
        due_on: before.record.due_on,
        received_by: before.record.received_by.clone(),
        extended_to: before.record.extended_to,
        extension_reason: before.record.extension_reason.clone(),
        ..corrected
    };
    update(audited, who, &before, after, "corrected")
}

/// Denies request `id` for `reason` (told to the requester in writing, 164.524(d)).
pub fn deny(
    audited: &mut Audited<'_>,
    who: &AuditEvent,
    id: i64,
    reason: &str,
) -> Result<Stored<RoiRequest>> {
    let before = open_request(&mut audited.records(), id)?;
    let denied = RoiRequest {
        status: RoiStatus::Denied,
        decided_by: Some(who.user.clone()),
        decided_at: Some(audited.now()),
        decision_reason: Some(reason.trim().to_owned()).filter(|r| !r.is_empty()),
        ..before.record.clone()
    };
    update(audited, who, &before, denied, "denied")
}

/// Takes the one 30-day extension of request `id`, with the reason the requester is told.
pub fn extend(
    audited: &mut Audited<'_>,
    who: &AuditEvent,
    id: i64,
    reason: &str,
) -> Result<Stored<RoiRequest>> {
    let before = open_request(&mut audited.records(), id)?;
    if before.record.extended_to.is_some() {
        return Err(Error::Refused(format!(
            "{} was extended already; 164.524(b)(2)(iii) allows one extension",
            RoiRequest::number(id)
        )));
    }
    let extended = RoiRequest {
        extended_to: Some(before.record.due_on + Duration::days(DAYS_TO_ACT)),
        extension_reason: Some(reason.trim().to_owned()).filter(|r| !r.is_empty()),
        ..before.record.clone()
    };
    update(audited, who, &before, extended, "extended 30 days")
}

/// A line of the desk's queue.
#[derive(Debug, Clone, serde::Serialize)]
pub struct QueueRow {
    /// The request.
    #[serde(flatten)]
    pub request: Stored<RoiRequest>,
    /// Its number.
    pub number: String,
    /// "Family, Given".
    pub patient_name: String,
    /// The MRN.
    pub mrn: String,
    /// Past its due day.
    pub late: bool,
}

/// Requests in `statuses` (open ones when empty), due first, at most `limit`, audited as a
/// read of each listed patient's demographics.
pub fn queue(
    audited: &mut Audited<'_>,
    who: &AuditEvent,
    statuses: &[RoiStatus],
    limit: i64,
) -> Result<Vec<QueueRow>> {
    let today = audited.now().date();
    let statuses: Vec<RoiStatus> = if statuses.is_empty() {
        vec![RoiStatus::Received, RoiStatus::Validated]
    } else {
        statuses.to_vec()
    };
    let mut tx = audited.records();
    let placeholders = vec!["?"; statuses.len()].join(", ");
    let params: Vec<store::Value> = statuses
        .iter()
        .map(|s| store::Value::Text(s.as_str().to_owned()))
        .collect();
    let found: Vec<Stored<RoiRequest>> = tx.select(
        &format!("status IN ({placeholders}) AND deleted_at IS NULL"),
        &params,
        "due_on, id",
        limit,
    )?;
    let mut rows = Vec::with_capacity(found.len());
    let mut patients = Vec::new();
    for request in found {
        let patient: Stored<records::Patient> = tx.get(request.record.patient_id.0)?;
        patients.push(request.record.patient_id);
        rows.push(QueueRow {
            number: RoiRequest::number(request.meta.id),
            patient_name: patient.record.display_name(),
            mrn: patient.record.mrn.to_string(),
            late: request.record.is_late(today),
            request,
        });
    }
    drop(tx);
    patients.sort_by_key(|p| p.0);
    patients.dedup();
    if !patients.is_empty() {
        audited.append(
            &event(who, Action::Read)
                .patients(&patients)
                .categories(&[DataCategory::Demographics])
                .reason("release of information: request queue"),
        )?;
    }
    Ok(rows)
}

/// Records a consent or agreed restriction.
pub fn add_consent(
    audited: &mut Audited<'_>,
    who: &AuditEvent,
    consent: Consent,
) -> Result<Stored<Consent>> {
    let patient = consent.patient_id;
    create(audited, who, patient, &consent, "consents: recorded")
}

/// Records that the patient revoked consent `id` on `on`.
pub fn revoke_consent(
    audited: &mut Audited<'_>,
    who: &AuditEvent,
    id: i64,
    on: Date,
) -> Result<Stored<Consent>> {
    let before: Stored<Consent> = audited.records().get(id)?;
    if let Some(already) = before.record.revoked_on {
        return Err(Error::Refused(format!(
            "consent {id} was revoked on {already} already"
        )));
    }
    let revoked = Consent {
        revoked_on: Some(on),
        ..before.record.clone()
    };
    let stored = audited
        .records()
        .update(&actor(who), id, before.meta.version, &revoked)?;
    audited.append(
        &event(who, Action::Update)
            .patient(revoked.patient_id)
            .record(Consent::KIND, id)
            .reason("consents: revoked")
            .changes(json(&before.record), json(&stored.record)),
    )?;
    Ok(stored)
}

/// A patient's consents and restrictions, audited as a read of their demographics.
pub fn consents_of(
    audited: &mut Audited<'_>,
    who: &AuditEvent,
    patient: PatientId,
) -> Result<Vec<Stored<Consent>>> {
    let consents: Vec<Stored<Consent>> = audited.records().for_patient(patient.0)?;
    audited.append(
        &event(who, Action::Read)
            .patient(patient)
            .categories(&[DataCategory::Demographics])
            .reason("consents: listed"),
    )?;
    Ok(consents)
}

/// A patient's accounting of disclosures.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Accounting {
    /// "Family, Given".
    pub patient_name: String,
    /// The MRN.
    pub mrn: String,
    /// The first instant covered.
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
    /// The disclosures the patient is owed an account of, newest first.
    pub disclosures: Vec<Stored<Disclosure>>,
    /// Disclosures on file left out as 164.528(a)(1) says (treatment, payment,
    /// operations, the patient's own, under an authorisation).
    pub excluded: usize,
}

/// The accounting of `patient`'s disclosures over the last six years (164.528), audited as
/// a read of their demographics.
pub fn accounting(
    audited: &mut Audited<'_>,
    who: &AuditEvent,
    patient: PatientId,
) -> Result<Accounting> {
    let now = audited.now();
    let since = now
        .replace_year(now.year() - ACCOUNTING_YEARS)
        .unwrap_or(now - Duration::days(365 * 6 + 2));
    let mut tx = audited.records();
    let stored: Stored<records::Patient> = tx.get(patient.0)?;
    let all: Vec<Stored<Disclosure>> = tx.for_patient(patient.0)?;
    drop(tx);
    let recent: Vec<Stored<Disclosure>> = all
        .into_iter()
        .filter(|d| d.meta.deleted.is_none() && d.record.disclosed_at >= since)
        .collect();
    let excluded = recent.iter().filter(|d| !d.record.accountable).count();
    let mut disclosures: Vec<Stored<Disclosure>> = recent
        .into_iter()
        .filter(|d| d.record.accountable)
        .collect();
    disclosures.sort_by_key(|d| std::cmp::Reverse(d.record.disclosed_at));
    audited.append(
        &event(who, Action::Read)
            .patient(patient)
            .categories(&[DataCategory::Demographics])
            .reason("accounting of disclosures"),
    )?;
    Ok(Accounting {
        patient_name: stored.record.display_name(),
        mrn: stored.record.mrn.to_string(),
        since,
        disclosures,
        excluded,
    })
}
