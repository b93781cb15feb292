//! Physician queries about deficiencies: asked with the chart's indicators and the answers
//! offered (Other and Clinically undetermined always among them), answered once by the
//! physician, and the deficiency follows (queried, then answered) until review finds the
//! chart fixed.

use records::{
    Deficiency, DeficiencyStatus, OTHER, PhysicianQuery, QueryStatus, RecordKind, UNDETERMINED,
};
use store::{Actor, Filter, Op, Stored, Tx, Value};

/// A new query about a deficiency.
#[derive(Debug, Clone)]
pub struct NewQuery {
    /// The deficiency it is about.
    pub deficiency_id: i64,
    /// The physician to ask, when not the deficiency's own.
    pub provider_id: Option<i64>,
    /// Who asks.
    pub asked_by: String,
    /// The question.
    pub question: String,
    /// Clinical indicators quoted from the chart.
    pub indicators: Vec<String>,
    /// The clinical answers offered (Other and Clinically undetermined are added).
    pub options: Vec<String>,
}

fn set_status(
    tx: &mut Tx<'_>,
    actor: &Actor,
    deficiency: &Stored<Deficiency>,
    status: DeficiencyStatus,
) -> store::Result<()> {
    if !deficiency.record.status.is_open() {
        return Ok(());
    }
    let mut record = deficiency.record.clone();
    record.status = status;
    tx.update(actor, deficiency.meta.id, deficiency.meta.version, &record)
        .map(|_| ())
}

/// Why a query cannot be asked.
#[derive(Debug, thiserror::Error)]
pub enum AskError {
    /// The deficiency has no physician responsible and the asker named none.
    #[error("deficiency {deficiency} names no physician; say whom to ask")]
    NoPhysician {
        /// The deficiency asked about.
        deficiency: i64,
    },
    /// Reading or writing failed, the deficiency is closed, or the query is not valid.
    #[error(transparent)]
    Store(#[from] store::Error),
}

impl From<AskError> for store::Error {
    fn from(error: AskError) -> Self {
        match error {
            AskError::Store(e) => e,
            no_physician @ AskError::NoPhysician { .. } => Self::Conflict(no_physician.to_string()),
        }
    }
}

/// Asks the query; the deficiency becomes `queried`.
pub fn ask(
    tx: &mut Tx<'_>,
    actor: &Actor,
    new: &NewQuery,
) -> Result<Stored<PhysicianQuery>, AskError> {
    let deficiency: Stored<Deficiency> = tx.get(new.deficiency_id)?;
    if !deficiency.record.status.is_open() {
        return Err(store::Error::Conflict(format!(
            "deficiency {} is {}; there is nothing to query",
            new.deficiency_id,
            deficiency.record.status.as_str()
        ))
        .into());
    }
    let Some(provider) = new
        .provider_id
        .map(records::ProviderId)
        .or(deficiency.record.provider_id)
    else {
        return Err(AskError::NoPhysician {
            deficiency: new.deficiency_id,
        });
    };
    let mut options: Vec<String> = new.options.iter().map(|o| o.trim().to_owned()).collect();
    for always in [OTHER, UNDETERMINED] {
        if !options.iter().any(|o| o.eq_ignore_ascii_case(always)) {
            options.push(always.to_owned());
        }
    }
    let query = PhysicianQuery {
        patient_id: deficiency.record.patient_id,
        encounter_id: deficiency.record.encounter_id,
        deficiency_id: Some(new.deficiency_id),
        provider_id: provider,
        asked_by: new.asked_by.clone(),
        indicators: new.indicators.iter().map(|i| i.trim().to_owned()).collect(),
        question: new.question.trim().to_owned(),
        options,
        status: QueryStatus::Open,
        answer: None,
        comment: None,
        asked_at: tx.now(),
        answered_at: None,
        answered_by: None,
    };
    let stored = tx.create(actor, &query)?;
    set_status(tx, actor, &deficiency, DeficiencyStatus::Queried)?;
    Ok(stored)
}

/// Records the physician's answer (one of the options offered), once; the deficiency
/// becomes `answered`.
pub fn answer(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: i64,
    choice: &str,
    comment: Option<&str>,
    by: &str,
) -> store::Result<Stored<PhysicianQuery>> {
    let current: Stored<PhysicianQuery> = tx.get(id)?;
    if current.record.status != QueryStatus::Open {
        return Err(store::Error::Conflict(format!(
            "{} {id} is {}; it cannot be answered again",
            PhysicianQuery::KIND.replace('_', " "),
            current.record.status.as_str()
        )));
    }
    let mut record = current.record.clone();
    record.answer = Some(
        record
            .option(choice)
            .map_or_else(|| choice.trim().to_owned(), str::to_owned),
    );
    record.comment = comment
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned);
    record.status = QueryStatus::Answered;
    record.answered_at = Some(tx.now());
    record.answered_by = Some(by.to_owned());
    let stored = tx.update(actor, id, current.meta.version, &record)?;
    if let Some(deficiency_id) = record.deficiency_id {
        let deficiency: Stored<Deficiency> = tx.get(deficiency_id)?;
        set_status(tx, actor, &deficiency, DeficiencyStatus::Answered)?;
    }
    Ok(stored)
}

/// Queries waiting for `provider`'s answer (or every open one), oldest first.
pub fn open_queries(
    tx: &mut Tx<'_>,
    provider: Option<i64>,
) -> store::Result<Vec<Stored<PhysicianQuery>>> {
    let mut filters = vec![Filter::Compare(
        "status",
        Op::Eq,
        Value::from(QueryStatus::Open.as_str()),
    )];
    if let Some(provider) = provider {
        filters.push(Filter::Compare("provider_id", Op::Eq, Value::Int(provider)));
    }
    tx.search(&filters, &[store::Sort("asked_at", false)], 1000, 0)
}

/// Takes back an open query (asked in error, or overtaken), with the reason; its
/// deficiency goes back to assigned (or open) while it stays unresolved.
pub fn withdraw(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: i64,
    reason: &str,
) -> store::Result<Stored<PhysicianQuery>> {
    let current: Stored<PhysicianQuery> = tx.get(id)?;
    if current.record.status != QueryStatus::Open {
        return Err(store::Error::Conflict(format!(
            "{} {id} is {}; only an open query can be withdrawn",
            PhysicianQuery::KIND.replace('_', " "),
            current.record.status.as_str()
        )));
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(store::Error::Conflict(format!(
            "say why physician query {id} is withdrawn"
        )));
    }
    let mut record = current.record.clone();
    record.status = QueryStatus::Withdrawn;
    record.comment = Some(format!("Withdrawn: {reason}"));
    let stored = tx.update(actor, id, current.meta.version, &record)?;
    if let Some(deficiency_id) = record.deficiency_id {
        let deficiency: Stored<Deficiency> = tx.get(deficiency_id)?;
        if deficiency.record.status == DeficiencyStatus::Queried {
            let back = if deficiency.record.assignee.is_some() {
                DeficiencyStatus::Assigned
            } else {
                DeficiencyStatus::Open
            };
            set_status(tx, actor, &deficiency, back)?;
        }
    }
    Ok(stored)
}
