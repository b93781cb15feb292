//! The PostgreSQL backend, selected by a `postgres://` URL.
//!
//! A small pool of synchronous clients: Chartroom's servers call the store from blocking
//! worker threads, so the synchronous `postgres` client (which drives its own runtime) is
//! simpler than threading async through every repository function.

use crate::conn::{Conn, Dialect};
use crate::error::{Error, Result};
use crate::value::{Row, Value};
use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, NoTls, Statement, Transaction};
use std::collections::HashMap;
use std::error::Error as StdError;
use std::sync::Mutex;

/// Connections kept open for reuse.
const POOL_SIZE: usize = 8;

/// A PostgreSQL database reached by URL.
pub struct PgDb {
    config: postgres::Config,
    location: String,
    idle: Mutex<Vec<Pooled>>,
}

/// A client with the statements it has prepared, so repeated SQL skips planning.
struct Pooled {
    client: Client,
    statements: HashMap<String, Statement>,
}

/// The URL with any password removed, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl PgDb {
    /// Connects to `url` (and fails now, not at the first query, when it cannot).
    pub fn connect(url: &str) -> Result<Self> {
        let location = redact_url(url);
        let config: postgres::Config = url.parse().map_err(|e: postgres::Error| Error::Open {
            location: location.clone(),
            message: e.to_string(),
        })?;
        let db = Self {
            config,
            location,
            idle: Mutex::new(Vec::new()),
        };
        let pooled = db.new_client()?;
        db.give_back(pooled);
        Ok(db)
    }

    fn new_client(&self) -> Result<Pooled> {
        let client = self.config.connect(NoTls).map_err(|e| Error::Open {
            location: self.location.clone(),
            message: e.source().map_or_else(|| e.to_string(), |s| s.to_string()),
        })?;
        Ok(Pooled {
            client,
            statements: HashMap::new(),
        })
    }

    fn take(&self) -> Result<Pooled> {
        let reused = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        match reused {
            Some(pooled) if !pooled.client.is_closed() => Ok(pooled),
            _ => self.new_client(),
        }
    }

    fn give_back(&self, pooled: Pooled) {
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < POOL_SIZE
            && !pooled.client.is_closed()
        {
            idle.push(pooled);
        }
    }

    /// Runs `f` in a transaction, committing when it returns `Ok`.
    pub fn with_tx<T>(&self, f: impl FnOnce(&mut dyn Conn) -> Result<T>) -> Result<T> {
        self.run(false, f)
    }

    /// Runs read-only `f` in a REPEATABLE READ transaction: one snapshot throughout, on a
    /// pooled connection of its own, so writers go on beside it.
    pub fn read_snapshot<T>(&self, f: impl FnOnce(&mut dyn Conn) -> Result<T>) -> Result<T> {
        self.run(true, f)
    }

    fn run<T>(&self, snapshot: bool, f: impl FnOnce(&mut dyn Conn) -> Result<T>) -> Result<T> {
        let mut pooled = self.take()?;
        let outcome = (|| {
            let tx = if snapshot {
                pooled
                    .client
                    .build_transaction()
                    .isolation_level(postgres::IsolationLevel::RepeatableRead)
                    .read_only(true)
                    .start()?
            } else {
                pooled.client.transaction()?
            };
            let mut conn = PgTx {
                tx,
                statements: &mut pooled.statements,
            };
            let value = f(&mut conn)?;
            conn.tx.commit()?;
            Ok(value)
        })();
        self.give_back(pooled);
        outcome
    }
}

/// Rewrites `?` placeholders to `$1, $2, ...`, leaving quoted text alone.
pub fn number_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n_params = 0;
    let mut quote: Option<char> = None;
    for ch in sql.chars() {
        match (quote, ch) {
            (None, '\'' | '"') => {
                quote = Some(ch);
                out.push(ch);
            }
            (Some(open), _) if ch == open => {
                quote = None;
                out.push(ch);
            }
            (None, '?') => {
                n_params += 1;
                out.push('$');
                out.push_str(&n_params.to_string());
            }
            _ => out.push(ch),
        }
    }
    out
}

struct PgTx<'a> {
    tx: Transaction<'a>,
    statements: &'a mut HashMap<String, Statement>,
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn StdError + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(n) => match *ty {
                Type::INT4 => i32::try_from(*n)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*n)?.to_sql(ty, out),
                Type::FLOAT8 => (*n as f64).to_sql(ty, out),
                _ => n.to_sql(ty, out),
            },
            Value::Real(x) => x.to_sql(ty, out),
            Value::Text(text) => text.to_sql(ty, out),
            Value::Bool(b) => b.to_sql(ty, out),
            Value::Date(date) => date.to_sql(ty, out),
            Value::Timestamp(at) => at.to_sql(ty, out),
            Value::Json(json) => json.to_sql(ty, out),
        }
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn read_column(row: &postgres::Row, idx: usize) -> Result<Value> {
    fn opt<'a, T: postgres::types::FromSql<'a>>(
        row: &'a postgres::Row,
        idx: usize,
        wrap: impl Fn(T) -> Value,
    ) -> Result<Value> {
        Ok(row.try_get::<_, Option<T>>(idx)?.map_or(Value::Null, wrap))
    }
    let ty = row.columns().get(idx).map(|c| c.type_().clone());
    match ty {
        Some(Type::INT8) => opt::<i64>(row, idx, Value::Int),
        Some(Type::INT4) => opt::<i32>(row, idx, |n| Value::Int(n.into())),
        Some(Type::INT2) => opt::<i16>(row, idx, |n| Value::Int(n.into())),
        Some(Type::FLOAT8) => opt::<f64>(row, idx, Value::Real),
        Some(Type::FLOAT4) => opt::<f32>(row, idx, |x| Value::Real(x.into())),
        Some(Type::BOOL) => opt::<bool>(row, idx, Value::Bool),
        Some(Type::DATE) => opt::<time::Date>(row, idx, Value::Date),
        Some(Type::TIMESTAMPTZ) => opt::<time::OffsetDateTime>(row, idx, Value::Timestamp),
        Some(Type::JSON | Type::JSONB) => opt::<serde_json::Value>(row, idx, Value::Json),
        Some(Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME) => {
            opt::<String>(row, idx, Value::Text)
        }
        Some(other) => Err(Error::Database(format!(
            "column {idx} has PostgreSQL type {other}, which the store does not read; cast it"
        ))),
        None => Ok(Value::Null),
    }
}

impl PgTx<'_> {
    fn prepare(&mut self, sql: &str) -> Result<Statement> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.tx.prepare(&number_placeholders(sql))?;
        if self.statements.len() > 512 {
            self.statements.clear();
        }
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    fn params(params: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
        params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
    }
}

impl Conn for PgTx<'_> {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let statement = self.prepare(sql)?;
        Ok(self.tx.execute(&statement, &Self::params(params))?)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        let statement = self.prepare(sql)?;
        let rows = self.tx.query(&statement, &Self::params(params))?;
        rows.iter()
            .map(|row| {
                (0..row.len())
                    .map(|idx| read_column(row, idx))
                    .collect::<Result<Vec<_>>>()
                    .map(Row)
            })
            .collect()
    }

    fn batch(&mut self, sql: &str) -> Result<()> {
        self.tx.batch_execute(sql)?;
        Ok(())
    }

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }
}
