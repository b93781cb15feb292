//! Reading some columns of many records into a small struct of the caller's, for passes
//! over a whole population (chart review reads five columns of a note, not its text): the
//! rows go through the same serde reader as whole records, so enums, dates and instants
//! read as they do there.

use crate::error::{Error, Result};
use crate::table::{ColType, Column, Table};
use crate::tx::Tx;
use crate::value::Value;
use serde::de::DeserializeOwned;

/// Metadata columns a projection may name besides the record's own.
const META: &[Column] = &[
    Column {
        name: "id",
        ty: ColType::Int,
    },
    Column {
        name: "version",
        ty: ColType::Int,
    },
    Column {
        name: "created_at",
        ty: ColType::Timestamp,
    },
    Column {
        name: "updated_at",
        ty: ColType::Timestamp,
    },
];

fn column_of<R: Table>(name: &str) -> Result<Column> {
    META.iter()
        .chain(R::COLUMNS)
        .find(|c| c.name == name)
        .copied()
        .ok_or_else(|| Error::Database(format!("projection of {}: no column {name}", R::TABLE)))
}

impl Tx<'_> {
    /// `columns` of the current records of kind `R` where `condition` holds (with `?`
    /// placeholders for `params`), in `order_by` order, each row read into `P`, whose
    /// fields are named as the columns.
    pub fn project<R: Table, P: DeserializeOwned>(
        &mut self,
        columns: &[&str],
        condition: &str,
        params: &[Value],
        order_by: &str,
    ) -> Result<Vec<P>> {
        let columns = columns
            .iter()
            .map(|name| column_of::<R>(name))
            .collect::<Result<Vec<Column>>>()?;
        let list = columns
            .iter()
            .map(|c| c.name)
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {list} FROM {} WHERE deleted_at IS NULL AND ({condition}) ORDER BY {order_by}",
            R::TABLE
        );
        let id_at = columns.iter().position(|c| c.name == "id");
        let mut out = Vec::new();
        // Each row is read from the backend's cells as lent, not materialised first.
        self.query_cells(&sql, params, &mut |cells| {
            let read = P::deserialize(crate::row_de::cell_fields(&columns, cells.iter().copied()))
                .map_err(|e| Error::Corrupt {
                    kind: R::KIND,
                    id: match id_at.and_then(|at| cells.get(at)) {
                        Some(crate::row_de::CellValue::Int(id)) => *id,
                        _ => 0,
                    },
                    message: e.to_string(),
                })?;
            out.push(read);
            Ok(())
        })?;
        Ok(out)
    }
}
