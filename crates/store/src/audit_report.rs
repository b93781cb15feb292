//! The audit report a page at a time: the entries matching an `AuditFilter`, sorted by a
//! column, counted, and fixed at the newest entry there was when the first page was read,
//! so paging does not shift as new entries (the report's own views among them) arrive.

use crate::audit::{COLUMNS, attach_patients, filter_clauses, read_entries};
use crate::conn::Dialect;
use crate::{AuditFilter, Error, Result, Store, Value};
use privacy::AuditEntry;

/// The column a report page is sorted by; ties fall to the newest entry first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AuditSort {
    /// Entry number, which is also time order.
    #[default]
    Seq,
    /// Who.
    User,
    /// What was done.
    Action,
    /// Success, denied or failure.
    Outcome,
    /// Web, API, FHIR, command line, job, HL7.
    Channel,
    /// The patient (entries naming none first when ascending; an entry listing several
    /// sorts by the first).
    Patient,
    /// When (the entry's time, which may differ from `seq` order by a clock step).
    At,
    /// The record touched (kind, then id).
    Record,
    /// The chart categories touched.
    Categories,
    /// The reason given.
    Reason,
}

impl AuditSort {
    /// Every column, in the report's order.
    pub const ALL: &'static [AuditSort] = &[
        AuditSort::Seq,
        AuditSort::User,
        AuditSort::Action,
        AuditSort::Outcome,
        AuditSort::Channel,
        AuditSort::Patient,
        AuditSort::At,
        AuditSort::Record,
        AuditSort::Categories,
        AuditSort::Reason,
    ];

    /// The name a form sends (`seq`, `user`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            AuditSort::Seq => "seq",
            AuditSort::User => "user",
            AuditSort::Action => "action",
            AuditSort::Outcome => "outcome",
            AuditSort::Channel => "channel",
            AuditSort::Patient => "patient",
            AuditSort::At => "at",
            AuditSort::Record => "record",
            AuditSort::Categories => "categories",
            AuditSort::Reason => "reason",
        }
    }

    /// The column named `text`.
    pub fn parse(text: &str) -> Option<AuditSort> {
        Self::ALL.iter().copied().find(|s| s.as_str() == text)
    }

    /// The SQL key. Text sorts byte by byte on both engines (PostgreSQL's collation
    /// would otherwise skip the `-` of `break-glass`), and an entry without a patient
    /// sorts as patient 0 on both (their NULL orders differ).
    fn key(self, dialect: Dialect) -> String {
        let text = |column: &str| match dialect {
            Dialect::Sqlite => format!("{column} COLLATE BINARY"),
            Dialect::Postgres => format!("{column} COLLATE \"C\""),
        };
        match self {
            AuditSort::Seq => "seq".to_owned(),
            AuditSort::User => text("username"),
            AuditSort::Action => text("action"),
            AuditSort::Outcome => text("outcome"),
            AuditSort::Channel => text("channel"),
            AuditSort::Patient => "COALESCE(patient_id, (SELECT MIN(p.patient_id) FROM audit_patients p WHERE p.seq = audit_log.seq), 0)".to_owned(),
            AuditSort::At => "at".to_owned(),
            AuditSort::Record => format!(
                "{}, COALESCE(record_id, 0)",
                text("COALESCE(record_kind, '')")
            ),
            AuditSort::Categories => text("COALESCE(categories, '')"),
            AuditSort::Reason => text("COALESCE(reason, '')"),
        }
    }
}

/// Which page of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditPage {
    /// The column sorted by.
    pub sort: AuditSort,
    /// Smallest first (else largest, newest first for `Seq`).
    pub ascending: bool,
    /// Entries skipped (page number times page size).
    pub offset: i64,
    /// Entries on the page.
    pub limit: i64,
    /// The newest entry the report covers (`None`: the newest there is now).
    pub through_seq: Option<i64>,
}

/// One page of the report.
#[derive(Debug, Clone)]
pub struct AuditPageRows {
    /// The entries, in the page's order.
    pub entries: Vec<AuditEntry>,
    /// How many entries match in all (up to `through_seq`).
    pub total: i64,
    /// The newest entry the report covers; later pages pass it back.
    pub through_seq: i64,
}

impl Store {
    /// A page of the entries matching `filter`, sorted as `page` asks.
    pub fn audit_page(&self, filter: &AuditFilter, page: &AuditPage) -> Result<AuditPageRows> {
        if page.limit < 1 || page.offset < 0 {
            return Err(Error::Invalid {
                kind: "audit page",
                errors: records::ValidationErrors(vec![records::FieldError {
                    path: "limit".into(),
                    message: format!(
                        "a page needs at least one entry from offset 0 or more, not {} from {}",
                        page.limit, page.offset
                    ),
                }]),
            });
        }
        self.with_conn(|conn| {
            let through_seq = match page.through_seq {
                Some(seq) => seq,
                None => conn
                    .query_one("SELECT CAST(MAX(seq) AS BIGINT) FROM audit_log", &[])?
                    .and_then(|row| row.get(0).as_int())
                    .unwrap_or(0),
            };
            let (filter_sql, mut params) = filter_clauses(filter);
            let joiner = if filter_sql.is_empty() {
                " WHERE"
            } else {
                " AND"
            };
            let covered = format!("{filter_sql}{joiner} seq <= ?");
            params.push(Value::Int(through_seq));
            let total = conn
                .query_one(
                    &format!("SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log{covered}"),
                    &params,
                )?
                .map_or(0, |row| row.int(0));
            let direction = if page.ascending { "ASC" } else { "DESC" };
            let key = page.sort.key(conn.dialect());
            params.push(Value::Int(page.limit));
            params.push(Value::Int(page.offset));
            // The page's entry numbers first, then their rows: sorting whole rows would
            // carry every matching entry's `writes` (megabytes for a bulk entry) through
            // the sort, not just the page's.
            let order: Vec<i64> = conn
                .query(
                    &format!(
                        "SELECT seq FROM audit_log{covered} ORDER BY {key} {direction}, seq DESC LIMIT ? OFFSET ?"
                    ),
                    &params,
                )?
                .iter()
                .map(|row| row.int(0))
                .collect();
            let mut entries = Vec::with_capacity(order.len());
            let mut sorted = order.clone();
            sorted.sort_unstable();
            for chunk in sorted.chunks(500) {
                let marks = vec!["?"; chunk.len()].join(", ");
                let seqs: Vec<Value> = chunk.iter().map(|seq| Value::Int(*seq)).collect();
                entries.extend(read_entries(&conn.query(
                    &format!("SELECT {COLUMNS} FROM audit_log WHERE seq IN ({marks}) ORDER BY seq"),
                    &seqs,
                )?)?);
            }
            // The patient lists are read by a range of entry numbers, in their order.
            attach_patients(conn, &mut entries)?;
            entries.sort_by_key(|e| order.iter().position(|seq| *seq == e.seq));
            Ok(AuditPageRows {
                entries,
                total,
                through_seq,
            })
        })
    }
}
