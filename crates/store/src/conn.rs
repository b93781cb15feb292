//! The seam between repository code and a SQL backend: a connection inside a transaction.
//!
//! SQL is written once with `?` placeholders; the PostgreSQL backend renumbers them to
//! `$1, $2, ...`. Only features both engines share are used in repository SQL (RETURNING,
//! ON CONFLICT, CAST(... AS BIGINT) around SUM), so the same text runs on both.

use crate::error::Result;
use crate::row_de::CellValue;
use crate::value::{Row, Value};

/// Which SQL engine is behind a connection, for the few statements that differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Embedded SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// A connection with an open transaction. Dropping it without `commit` rolls back.
pub trait Conn {
    /// Runs a statement and returns the number of rows changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64>;
    /// Runs a query and returns every row.
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>>;
    /// Runs several statements with no parameters (migrations).
    fn batch(&mut self, sql: &str) -> Result<()>;
    /// The engine behind this connection.
    fn dialect(&self) -> Dialect;

    /// The first row of a query, if any.
    fn query_one(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// Runs a query and hands each row's cells to `row`, borrowed, in turn: a backend
    /// that can lend its row buffer (SQLite) allocates nothing per row.
    fn query_cells(
        &mut self,
        sql: &str,
        params: &[Value],
        row: &mut dyn FnMut(&[CellValue<'_>]) -> Result<()>,
    ) -> Result<()> {
        for values in self.query(sql, params)? {
            let cells: Vec<CellValue<'_>> = values.0.iter().map(CellValue::from).collect();
            row(&cells)?;
        }
        Ok(())
    }
}
