//! Type-level search: `GET /fhir/<Type>?...` and `POST /fhir/<Type>/_search` (form body),
//! answered with a searchset Bundle that pages by `_count`/`_offset`.
//!
//! Invariants:
//! - Every condition becomes a store filter (SQL WHERE with bound values); nothing is
//!   filtered after loading, so a page costs one indexed query per record kind.
//! - Repeated parameters AND, comma-separated values OR (R4 3.1.1.5.3).
//! - An unknown parameter is never silently ignored: with `Prefer: handling=strict` it is
//!   a 400 naming it; otherwise the searchset carries an OperationOutcome entry
//!   (`search.mode = outcome`) naming it.
//! - Only record kinds the user may read are searched or included; one audit entry covers
//!   the whole answer.

mod filters;
pub(crate) mod params;

use super::bundles::{BundleOut, EntryOut, entry, raw};
use super::headers::{Prefer, fhir_response};
use super::kinds::{Kind, ResourceType, resource_type, with_record};
use super::outcome::{FhirError, OutcomeIssue, outcome_json};
use super::resource::Found;
use super::run::{audited, blocking};
use super::trail;
use crate::auth::Principal;
use crate::state::AppState;
use axum::http::StatusCode;
use axum::response::Response;
use filters::{Applies, one_value, sort_column};
use params::encode;
use privacy::{Action, Permission};
use serde_json::json;
use store::{Filter, Sort, Tx, Value};
use time::OffsetDateTime;

/// Results per page unless `_count` says otherwise, and the most it may say.
const DEFAULT_COUNT: i64 = 20;
const MAX_COUNT: i64 = 1000;
/// Records included per `_revinclude` at most.
const MAX_REVINCLUDE: i64 = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Total {
    None,
    Estimate,
    Accurate,
}

/// A parsed search.
#[derive(Debug)]
pub(crate) struct Query {
    t: &'static ResourceType,
    /// Each kind still in play with its filters (a kind a parameter rules out is gone).
    kinds: Vec<(Kind, Vec<Filter>)>,
    sort: Vec<(String, bool)>,
    count: i64,
    offset: i64,
    total: Total,
    include_patients: bool,
    revinclude: Vec<&'static ResourceType>,
    warnings: Vec<OutcomeIssue>,
    /// The parameters as understood, for paging links.
    echo: Vec<(String, String)>,
}

fn number(name: &str, value: &str, max: i64) -> Result<i64, FhirError> {
    value
        .parse::<i64>()
        .ok()
        .filter(|n| (0..=max).contains(n))
        .ok_or_else(|| {
            FhirError::bad_request(
                name,
                format!("\"{value}\" is not a whole number from 0 to {max}"),
            )
        })
}

impl Query {
    /// Parses a query string (`family=smi&_count=10`).
    pub(crate) fn parse(
        t: &'static ResourceType,
        text: &str,
        strict: bool,
        now: OffsetDateTime,
    ) -> Result<Self, FhirError> {
        Self::from_pairs(t, &params::form_pairs(text), strict, now)
    }

    /// Reads name/value pairs.
    pub(crate) fn from_pairs(
        t: &'static ResourceType,
        pairs: &[(String, String)],
        strict: bool,
        now: OffsetDateTime,
    ) -> Result<Self, FhirError> {
        let mut query = Self {
            t,
            kinds: t.kinds.iter().map(|k| (*k, k.base_filters())).collect(),
            sort: Vec::new(),
            count: DEFAULT_COUNT,
            offset: 0,
            total: Total::Estimate,
            include_patients: false,
            revinclude: Vec::new(),
            warnings: Vec::new(),
            echo: Vec::new(),
        };
        let mut unknown = Vec::new();
        for (name, value) in pairs {
            if value.is_empty() {
                continue;
            }
            let mut echo = true;
            match name.as_str() {
                "_count" => {
                    query.count = number(name, value, MAX_COUNT)?;
                    echo = false;
                }
                "_offset" => {
                    query.offset = number(name, value, i64::from(i32::MAX))?;
                    echo = false;
                }
                "_total" => {
                    query.total = match value.as_str() {
                        "none" => Total::None,
                        "estimate" => Total::Estimate,
                        "accurate" => Total::Accurate,
                        _ => {
                            return Err(FhirError::bad_request(
                                name,
                                format!("\"{value}\" is not none, estimate or accurate"),
                            ));
                        }
                    }
                }
                "_summary" if value == "count" => {
                    query.count = 0;
                    query.total = Total::Accurate;
                }
                "_format" | "_pretty" => echo = false,
                "_sort" => {
                    for key in value.split(',').filter(|k| !k.is_empty()) {
                        let (descending, key) = match key.strip_prefix('-') {
                            Some(rest) => (true, rest),
                            None => (false, key),
                        };
                        if t.kinds.iter().any(|k| sort_column(*k, key).is_some()) {
                            query.sort.push((key.to_owned(), descending));
                        } else {
                            unknown.push(format!("_sort={key}"));
                        }
                    }
                }
                "_include" => {
                    let mut parts = value.split(':');
                    let (source, param, target) = (parts.next(), parts.next(), parts.next());
                    let names_patient =
                        matches!(param, Some("patient" | "subject" | "beneficiary"))
                            && matches!(target, None | Some("Patient"));
                    if source == Some(t.name)
                        && names_patient
                        && t.kinds.iter().any(|k| k.on_chart())
                        && t.name != "Patient"
                    {
                        query.include_patients = true;
                    } else {
                        unknown.push(format!("_include={value}"));
                    }
                }
                "_revinclude" => {
                    let mut parts = value.split(':');
                    let (source, param) = (parts.next().and_then(resource_type), parts.next());
                    match source {
                        Some(source)
                            if t.name == "Patient"
                                && matches!(param, Some("patient" | "subject" | "beneficiary"))
                                && source.kinds.iter().any(|k| k.on_chart()) =>
                        {
                            query.revinclude.push(source);
                        }
                        _ => unknown.push(format!("_revinclude={value}")),
                    }
                }
                "_id" => {
                    for (kind, filters) in &mut query.kinds {
                        let ids: Vec<Value> = value
                            .split(',')
                            .filter_map(|id| t.parse_id(id))
                            .filter(|(k, _)| k == kind)
                            .map(|(_, id)| Value::Int(id))
                            .collect();
                        filters.push(Filter::In("id", ids));
                    }
                }
                _ => {
                    if !query.apply(name, value, now)? {
                        unknown.push(name.clone());
                        echo = false;
                    }
                }
            }
            if echo {
                query.echo.push((name.clone(), value.clone()));
            }
        }
        if !unknown.is_empty() {
            let issues: Vec<OutcomeIssue> = unknown
                .iter()
                .map(|name| {
                    OutcomeIssue::error(
                        "not-supported",
                        format!(
                            "Chartroom does not support the search parameter {name} on {}",
                            t.name
                        ),
                    )
                    .at(name.clone())
                })
                .collect();
            if strict {
                return Err(FhirError {
                    status: StatusCode::BAD_REQUEST,
                    issues,
                });
            }
            query.warnings = issues
                .into_iter()
                .map(|mut issue| {
                    issue
                        .diagnostics
                        .push_str(" (ignored; send Prefer: handling=strict to make this an error)");
                    issue.warning()
                })
                .collect();
        }
        Ok(query)
    }

    /// Applies a search parameter to every kind; false when no kind knows it.
    fn apply(
        &mut self,
        raw_name: &str,
        value: &str,
        now: OffsetDateTime,
    ) -> Result<bool, FhirError> {
        let (name, modifier) = match raw_name.split_once(':') {
            Some((name, modifier)) => (name, Some(modifier)),
            None => (raw_name, None),
        };
        let mut known = false;
        let mut per_kind = Vec::new();
        for (kind, _) in &self.kinds {
            let mut alternatives = Vec::new();
            let mut understood = false;
            for one in value.split(',') {
                match one_value(*kind, name, modifier, one, now)? {
                    Applies::Filter(filter) => {
                        understood = true;
                        alternatives.push(filter);
                    }
                    Applies::Nothing => understood = true,
                    Applies::Unknown => {}
                }
            }
            known |= understood;
            per_kind.push(alternatives);
        }
        if !known {
            return Ok(false);
        }
        for ((_, filters), alternatives) in self.kinds.iter_mut().zip(per_kind) {
            filters.push(Filter::Any(alternatives));
        }
        Ok(true)
    }

    fn sort_for(&self, kind: Kind) -> Vec<Sort> {
        self.sort
            .iter()
            .filter_map(|(name, descending)| sort_column(kind, name).map(|c| Sort(c, *descending)))
            .collect()
    }

    fn link(&self, base: &str, relation: &str, offset: i64) -> serde_json::Value {
        let mut query: Vec<String> = self
            .echo
            .iter()
            .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
            .collect();
        query.push(format!("_count={}", self.count));
        query.push(format!("_offset={offset}"));
        json!({
            "relation": relation,
            "url": format!("{base}/{}?{}", self.t.name, query.join("&")),
        })
    }
}

/// What a search found.
pub(crate) struct Results {
    matches: Vec<Found>,
    included: Vec<Found>,
    total: Option<u64>,
    more: bool,
}

fn readable<'q>(query: &'q Query, principal: &Principal) -> Vec<&'q (Kind, Vec<Filter>)> {
    query
        .kinds
        .iter()
        // One who may break the glass searches too; `emergency::may_see` then refuses a
        // page holding a record neither a role nor a live grant opens.
        .filter(|(kind, _)| {
            principal.allows(kind.read_permission()) || principal.allows(Permission::BreakGlass)
        })
        .collect()
}

fn page_of<R: super::resource::Serve>(
    tx: &mut Tx<'_>,
    kind: Kind,
    filters: &[Filter],
    sort: &[Sort],
    limit: i64,
    offset: i64,
) -> Result<Vec<Found>, FhirError> {
    let stored = tx.search::<R>(filters, sort, limit, offset)?;
    stored.iter().map(|s| Found::of(tx, kind, s)).collect()
}

/// Runs the search: one page of matches (one more than `_count` is read to know whether
/// there is a next page), the total if asked for, and the included records.
fn run(tx: &mut Tx<'_>, principal: &Principal, query: &Query) -> Result<Results, FhirError> {
    let kinds = readable(query, principal);
    if kinds.is_empty() {
        return Err(FhirError::forbidden(format!(
            "your roles do not allow reading any {}",
            query.t.name
        )));
    }
    let mut matches = Vec::new();
    let mut offset = query.offset;
    let mut need = query.count + 1;
    for (kind, filters) in &kinds {
        if need <= 0 {
            break;
        }
        let sort = query.sort_for(*kind);
        let page = with_record!(*kind, R => page_of::<R>(tx, *kind, filters, &sort, need, offset))?;
        if page.is_empty() && offset > 0 {
            // The offset may reach past this kind: skip its records and go on.
            let n = with_record!(*kind, R => tx.count::<R>(filters))?;
            offset -= n.min(offset);
        } else {
            offset = 0;
        }
        need -= page.len() as i64;
        matches.extend(page);
    }
    let more = matches.len() as i64 > query.count;
    matches.truncate(usize::try_from(query.count).unwrap_or(0));
    let total = match query.total {
        Total::None => None,
        Total::Accurate => {
            let mut n = 0;
            for (kind, filters) in &kinds {
                n += with_record!(*kind, R => tx.count::<R>(filters))?;
            }
            Some(n.max(0) as u64)
        }
        Total::Estimate if !more && (query.offset == 0 || !matches.is_empty()) => {
            Some((query.offset as u64) + matches.len() as u64)
        }
        Total::Estimate => None,
    };
    let mut included = Vec::new();
    let patients: Vec<Value> = {
        let mut ids: Vec<i64> = matches.iter().filter_map(|f| f.patient).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter().map(Value::Int).collect()
    };
    if query.include_patients
        && !patients.is_empty()
        && principal.allows(Permission::ReadDemographics)
    {
        let filters = [Filter::In("id", patients.clone())];
        included.extend(page_of::<records::Patient>(
            tx,
            Kind::Patient,
            &filters,
            &[],
            MAX_COUNT,
            0,
        )?);
    }
    for source in &query.revinclude {
        for kind in source
            .kinds
            .iter()
            .filter(|k| k.on_chart() && principal.allows(k.read_permission()))
        {
            if patients.is_empty() {
                continue;
            }
            let mut filters = kind.base_filters();
            filters.push(Filter::In("patient_id", patients.clone()));
            included.extend(with_record!(*kind, R => page_of::<R>(tx, *kind, &filters, &[Sort("id", false)], MAX_REVINCLUDE, 0))?);
        }
    }
    Ok(Results {
        matches,
        included,
        total,
        more,
    })
}

/// The records matching `query` (at most `limit`), for conditional interactions.
pub(crate) fn matching(
    tx: &mut Tx<'_>,
    principal: &Principal,
    query: &Query,
    limit: i64,
) -> Result<Vec<Found>, FhirError> {
    let mut matches = Vec::new();
    for (kind, filters) in readable(query, principal) {
        let found = with_record!(*kind, R => page_of::<R>(tx, *kind, filters, &[], limit, 0))?;
        matches.extend(found);
    }
    Ok(matches)
}

/// The searchset Bundle for a search, audited in the same transaction as its reads.
pub(crate) fn searchset(
    tx: &mut Tx<'_>,
    principal: &Principal,
    query: &Query,
    base: &str,
) -> Result<(BundleOut, Vec<Found>), FhirError> {
    let found = run(tx, principal, query)?;
    let mut bundle = BundleOut::new("searchset");
    bundle.total = found.total;
    bundle.link.push(query.link(base, "self", query.offset));
    if found.more {
        bundle
            .link
            .push(query.link(base, "next", query.offset + query.count));
    }
    if query.offset > 0 {
        bundle
            .link
            .push(query.link(base, "previous", (query.offset - query.count).max(0)));
    }
    for record in &found.matches {
        let mut e = entry(base, record);
        e.search = Some(json!({"mode": "match"}));
        bundle.entry.push(e);
    }
    for record in &found.included {
        let mut e = entry(base, record);
        e.search = Some(json!({"mode": "include"}));
        bundle.entry.push(e);
    }
    if !query.warnings.is_empty() {
        bundle.entry.push(EntryOut {
            resource: raw(&outcome_json(&query.warnings).to_string()),
            search: Some(json!({"mode": "outcome"})),
            ..EntryOut::default()
        });
    }
    let mut shown = found.matches;
    shown.extend(found.included);
    Ok((bundle, shown))
}

/// `GET /fhir/<Type>?...` and `POST /fhir/<Type>/_search`.
pub(crate) async fn search(
    state: AppState,
    principal: Principal,
    t: &'static ResourceType,
    pairs: Vec<(String, String)>,
    prefer: Prefer,
    base: String,
) -> Result<Response, FhirError> {
    let now = state.store.clock().now();
    let query = Query::from_pairs(t, &pairs, prefer.strict, now)?;
    let text = blocking(&state, move |state| {
        audited(state, |audited| {
            let (bundle, shown) = searchset(&mut audited.records(), &principal, &query, &base)?;
            let refs: Vec<&Found> = shown.iter().collect();
            let basis = match super::emergency::may_see(audited, state, &principal, &refs)? {
                Ok(basis) => basis,
                Err(refusal) => return Ok(Err(refusal)),
            };
            let event = trail::event(&principal, audited.now(), Action::Read);
            audited.append(&super::emergency::noted(
                trail::about_many(event, &refs, &format!("FHIR search {}", t.name)),
                basis,
            ))?;
            Ok(Ok(bundle.to_text()))
        })
    })
    .await??;
    Ok(fhir_response(StatusCode::OK, text))
}
