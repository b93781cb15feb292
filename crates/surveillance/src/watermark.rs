//! Where an incremental step stopped: one row (id 1) in the step's own table holding the
//! fingerprint of the definitions it counted with and the highest id it had seen in each
//! table it follows. The syndromic counts and case finding both step this way.

use store::{Tx, Value};

/// The stored fingerprint and ids, in the order of `columns`.
pub(crate) fn load<const N: usize>(
    tx: &mut Tx<'_>,
    table: &str,
    columns: [&str; N],
) -> store::Result<Option<(String, [i64; N])>> {
    let rows = tx.query(
        &format!(
            "SELECT fingerprint, {} FROM {table} WHERE id = 1",
            columns.join(", ")
        ),
        &[],
    )?;
    Ok(rows.first().map(|row| {
        let fingerprint = row.text(0).unwrap_or_default().to_owned();
        (fingerprint, std::array::from_fn(|i| row.int(i + 1)))
    }))
}

/// Writes the fingerprint and ids, in the order of `columns`.
pub(crate) fn save<const N: usize>(
    tx: &mut Tx<'_>,
    table: &str,
    columns: [&str; N],
    fingerprint: &str,
    ids: [i64; N],
) -> store::Result<()> {
    let updates: Vec<String> = std::iter::once("fingerprint".to_owned())
        .chain(columns.iter().map(|c| (*c).to_owned()))
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    let sql = format!(
        "INSERT INTO {table} (id, fingerprint, {}) VALUES (1, ?{}) ON CONFLICT (id) DO UPDATE SET {}",
        columns.join(", "),
        ", ?".repeat(N),
        updates.join(", ")
    );
    let values: Vec<Value> = std::iter::once(Value::from(fingerprint))
        .chain(ids.into_iter().map(Value::Int))
        .collect();
    tx.query(&sql, &values)?;
    Ok(())
}

/// The highest id in `table` (0 when empty).
pub(crate) fn highest(tx: &mut Tx<'_>, table: &str) -> store::Result<i64> {
    let rows = tx.query(
        &format!("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM {table}"),
        &[],
    )?;
    Ok(rows.first().map_or(0, |r| r.int(0)))
}
