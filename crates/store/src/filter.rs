//! Typed search filters over one record table, for search APIs (FHIR search): callers
//! say which column, which comparison and which value, and this module writes the SQL, so
//! no crate above the store writes SQL text.
//!
//! Invariants:
//! - Every column a filter or sort names is checked against the table's own columns (or
//!   the metadata columns, or the patients' folded name keys) before any SQL is built, so
//!   a caller cannot inject SQL through a column name; values are always bound.
//! - Soft-deleted records are never returned or counted.
//! - Name prefixes compare folded keys (`fold_name`, the same letter table as migration
//!   5's generated columns), so "muller" finds "Müller" through an index.

use crate::conn::Dialect;
use crate::error::{Error, Result};
use crate::table::{Column, Table};
use crate::tx::{Stored, Tx};
use crate::value::Value;

/// Accented letters and what they fold to; migration 5 applies the same replacements
/// after `lower()`.
const FOLDS: &[(&str, &str)] = &[
    ("à", "a"),
    ("À", "a"),
    ("á", "a"),
    ("Á", "a"),
    ("â", "a"),
    ("Â", "a"),
    ("ã", "a"),
    ("Ã", "a"),
    ("ä", "a"),
    ("Ä", "a"),
    ("å", "a"),
    ("Å", "a"),
    ("æ", "ae"),
    ("Æ", "ae"),
    ("ç", "c"),
    ("Ç", "c"),
    ("è", "e"),
    ("È", "e"),
    ("é", "e"),
    ("É", "e"),
    ("ê", "e"),
    ("Ê", "e"),
    ("ë", "e"),
    ("Ë", "e"),
    ("ì", "i"),
    ("Ì", "i"),
    ("í", "i"),
    ("Í", "i"),
    ("î", "i"),
    ("Î", "i"),
    ("ï", "i"),
    ("Ï", "i"),
    ("ñ", "n"),
    ("Ñ", "n"),
    ("ò", "o"),
    ("Ò", "o"),
    ("ó", "o"),
    ("Ó", "o"),
    ("ô", "o"),
    ("Ô", "o"),
    ("õ", "o"),
    ("Õ", "o"),
    ("ö", "o"),
    ("Ö", "o"),
    ("ø", "o"),
    ("Ø", "o"),
    ("œ", "oe"),
    ("Œ", "oe"),
    ("ù", "u"),
    ("Ù", "u"),
    ("ú", "u"),
    ("Ú", "u"),
    ("û", "u"),
    ("Û", "u"),
    ("ü", "u"),
    ("Ü", "u"),
    ("ý", "y"),
    ("Ý", "y"),
    ("ÿ", "y"),
    ("Ÿ", "y"),
    ("ß", "ss"),
    ("ł", "l"),
    ("Ł", "l"),
    ("š", "s"),
    ("Š", "s"),
    ("ž", "z"),
    ("Ž", "z"),
    ("č", "c"),
    ("Č", "c"),
    ("ć", "c"),
    ("Ć", "c"),
    ("ř", "r"),
    ("Ř", "r"),
    ("ě", "e"),
    ("Ě", "e"),
    ("ń", "n"),
    ("Ń", "n"),
    ("ś", "s"),
    ("Ś", "s"),
    ("ź", "z"),
    ("Ź", "z"),
    ("ż", "z"),
    ("Ż", "z"),
    ("ą", "a"),
    ("Ą", "a"),
    ("ę", "e"),
    ("Ę", "e"),
    ("ğ", "g"),
    ("Ğ", "g"),
    ("ı", "i"),
    ("I", "i"),
    ("ş", "s"),
    ("Ş", "s"),
];

/// A name or search term folded the way the patients' name keys are: lower case, accents
/// removed (`Müller` -> `muller`, `ß` -> `ss`).
pub fn fold_name(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for c in text.chars() {
        let mut buf = [0u8; 4];
        let as_str: &str = c.encode_utf8(&mut buf);
        match FOLDS.iter().find(|(from, _)| *from == as_str) {
            Some((_, to)) => folded.push_str(to),
            None => folded.extend(c.to_lowercase()),
        }
    }
    // Lower-casing may produce an accented lower-case letter from an upper-case one the
    // table lacks in that case; fold once more so both spellings meet.
    let mut again = String::with_capacity(folded.len());
    for c in folded.chars() {
        let mut buf = [0u8; 4];
        let as_str: &str = c.encode_utf8(&mut buf);
        match FOLDS.iter().find(|(from, _)| *from == as_str) {
            Some((_, to)) => again.push_str(to),
            None => again.push(c),
        }
    }
    again
}

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Op {
    fn sql(self) -> &'static str {
        match self {
            Self::Eq => "=",
            Self::Ne => "<>",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Gt => ">",
            Self::Ge => ">=",
        }
    }
}

/// One condition on a record table.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `column op value` (a null column never matches).
    Compare(&'static str, Op, Value),
    /// The column is one of these values (an empty list matches nothing).
    In(&'static str, Vec<Value>),
    /// The column is null.
    IsNull(&'static str),
    /// A folded name key (`family_key`, `given_key`) starts with the folded prefix.
    NamePrefix(&'static str, String),
    /// A text column starts with the prefix, ignoring case (names of practitioners and
    /// organizations, which are few enough not to need folded keys).
    TextPrefix(&'static str, String),
    /// A JSON list column (a group's `members`) holds this integer.
    ListHas(&'static str, i64),
    /// The patient holds an identifier with this value, under this system when one is
    /// given (the empty text: sent without a system). Patients only.
    PatientIdentifier {
        /// The identifier's system, or `None` for any.
        system: Option<String>,
        /// The value, compared exactly.
        value: String,
        /// Or the patient's own MRN is this (under this assigning authority, when one is
        /// given): one condition over both indexes, where an `Any` of two would make the
        /// database scan.
        or_mrn: Option<(String, Option<String>)>,
    },
    /// The column holds the id of a current record of another table matching every one
    /// of `filters` (a deficiency's encounter of a service): a subquery on that table,
    /// whose columns are checked as the outer table's are. Made by [`Filter::refers`].
    Refers {
        /// The column holding the other record's id.
        column: &'static str,
        /// The other table.
        table: &'static str,
        /// Its columns.
        columns: &'static [Column],
        /// Conditions on it.
        filters: Vec<Filter>,
    },
    /// Any of these holds (an empty list matches nothing).
    Any(Vec<Filter>),
    /// All of these hold.
    All(Vec<Filter>),
}

impl Filter {
    /// `column` holds the id of a current `T` matching every one of `filters`.
    pub fn refers<T: Table>(column: &'static str, filters: Vec<Filter>) -> Self {
        Self::Refers {
            column,
            table: T::TABLE,
            columns: T::COLUMNS,
            filters,
        }
    }
}

/// A sort key: column and whether descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort(pub &'static str, pub bool);

const META: &[&str] = &["id", "version", "created_at", "updated_at"];
const NAME_KEYS: &[&str] = &["family_key", "given_key"];

/// The table a condition is about: its name and columns.
#[derive(Clone, Copy)]
struct Scope {
    table: &'static str,
    columns: &'static [Column],
}

impl Scope {
    fn of<R: Table>() -> Self {
        Self {
            table: R::TABLE,
            columns: R::COLUMNS,
        }
    }
}

fn check_column<R: Table>(column: &str) -> Result<()> {
    check_in(Scope::of::<R>(), column)
}

fn check_in(scope: Scope, column: &str) -> Result<()> {
    let known = META.contains(&column)
        || scope.columns.iter().any(|c| c.name == column)
        || (scope.table == "patients" && NAME_KEYS.contains(&column));
    if known {
        Ok(())
    } else {
        Err(Error::Database(format!(
            "search on {}: no column {column}",
            scope.table
        )))
    }
}

/// The condition that folded name key `column` starts with `folded`, and its parameters.
pub(crate) fn name_key_prefix(
    dialect: Dialect,
    column: &str,
    folded: &str,
) -> (String, Vec<Value>) {
    match dialect {
        // Binary collation: a range over the key index.
        Dialect::Sqlite => (
            format!("({column} >= ? AND {column} < ?)"),
            vec![
                Value::Text(folded.to_owned()),
                Value::Text(format!("{folded}\u{10FFFF}")),
            ],
        ),
        // Collations other than C do not order by bytes, so the range trick is unsafe
        // there; LIKE with an escaped prefix is exact.
        Dialect::Postgres => (
            format!("{column} LIKE ? ESCAPE '\\'"),
            vec![Value::Text(like_escape(folded))],
        ),
    }
}

fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 1);
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

fn build(
    scope: Scope,
    filter: &Filter,
    dialect: Dialect,
    sql: &mut String,
    params: &mut Vec<Value>,
) -> Result<()> {
    match filter {
        Filter::Compare(column, op, value) => {
            check_in(scope, column)?;
            sql.push_str(&format!("{column} {} ?", op.sql()));
            params.push(value.clone());
        }
        Filter::In(column, values) => {
            check_in(scope, column)?;
            if values.is_empty() {
                sql.push_str("1 = 0");
            } else {
                let marks = vec!["?"; values.len()].join(", ");
                sql.push_str(&format!("{column} IN ({marks})"));
                params.extend(values.iter().cloned());
            }
        }
        Filter::IsNull(column) => {
            check_in(scope, column)?;
            sql.push_str(&format!("{column} IS NULL"));
        }
        Filter::NamePrefix(column, prefix) => {
            if !NAME_KEYS.contains(column) {
                return Err(Error::Database(format!(
                    "{column} is not a folded name key"
                )));
            }
            check_in(scope, column)?;
            let (condition, values) = name_key_prefix(dialect, column, &fold_name(prefix));
            sql.push_str(&condition);
            params.extend(values);
        }
        Filter::TextPrefix(column, prefix) => {
            check_in(scope, column)?;
            sql.push_str(&format!("lower({column}) LIKE ? ESCAPE '\\'"));
            params.push(Value::Text(like_escape(&prefix.to_lowercase())));
        }
        Filter::ListHas(column, value) => {
            check_in(scope, column)?;
            if !scope
                .columns
                .iter()
                .any(|c| c.name == *column && c.ty == crate::table::ColType::Json)
            {
                return Err(Error::Database(format!("{column} is not a JSON list")));
            }
            match dialect {
                Dialect::Sqlite => sql.push_str(&format!(
                    "EXISTS (SELECT 1 FROM json_each({column}) WHERE json_each.value = ?)"
                )),
                // A JSONB array contains a scalar it holds (and the GIN index serves it).
                Dialect::Postgres => sql.push_str(&format!("{column} @> to_jsonb(?::BIGINT)")),
            }
            params.push(Value::Int(*value));
        }
        Filter::PatientIdentifier {
            system,
            value,
            or_mrn,
        } => {
            if scope.table != "patients" {
                return Err(Error::Database(format!(
                    "search on {}: only patients have identifiers",
                    scope.table
                )));
            }
            sql.push_str("id IN (SELECT patient_id FROM patient_identifiers WHERE value = ?");
            params.push(Value::Text(value.clone()));
            if let Some(system) = system {
                sql.push_str(" AND system = ?");
                params.push(Value::Text(system.clone()));
            }
            if let Some((mrn, authority)) = or_mrn {
                sql.push_str(" UNION ALL SELECT id FROM patients WHERE mrn = ?");
                params.push(Value::Text(mrn.clone()));
                if let Some(authority) = authority {
                    sql.push_str(" AND mrn_authority = ?");
                    params.push(Value::Text(authority.clone()));
                }
            }
            sql.push(')');
        }
        Filter::Refers {
            column,
            table,
            columns,
            filters,
        } => {
            check_in(scope, column)?;
            let inner = Scope { table, columns };
            sql.push_str(&format!(
                "{column} IN (SELECT id FROM {table} WHERE deleted_at IS NULL AND "
            ));
            build(inner, &Filter::All(filters.clone()), dialect, sql, params)?;
            sql.push(')');
        }
        Filter::Any(filters) | Filter::All(filters) => {
            let joiner = if matches!(filter, Filter::Any(_)) {
                " OR "
            } else {
                " AND "
            };
            if filters.is_empty() {
                sql.push_str(if joiner == " OR " { "1 = 0" } else { "1 = 1" });
                return Ok(());
            }
            sql.push('(');
            for (idx, inner) in filters.iter().enumerate() {
                if idx > 0 {
                    sql.push_str(joiner);
                }
                build(scope, inner, dialect, sql, params)?;
            }
            sql.push(')');
        }
    }
    Ok(())
}

fn condition<R: Table>(filters: &[Filter], dialect: Dialect) -> Result<(String, Vec<Value>)> {
    let mut sql = String::new();
    let mut params = Vec::new();
    build(
        Scope::of::<R>(),
        &Filter::All(filters.to_vec()),
        dialect,
        &mut sql,
        &mut params,
    )?;
    Ok((sql, params))
}

impl Tx<'_> {
    /// Current records matching every filter, sorted (then by id, so pages are stable;
    /// unsorted name-prefix searches come alphabetically), `limit` of them after skipping
    /// `offset`.
    pub fn search<R: Table>(
        &mut self,
        filters: &[Filter],
        sort: &[Sort],
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Stored<R>>> {
        let (condition, params) = condition::<R>(filters, self.dialect())?;
        let mut order = Vec::new();
        // Without a requested order, a name-prefix search is ordered the way its index is
        // (alphabetically), so the database walks the index and stops at the page's end
        // instead of reading every match to sort it by id.
        if sort.is_empty()
            && let Some(column) = filters.iter().find_map(|f| match f {
                Filter::NamePrefix(column, _) => Some(*column),
                _ => None,
            })
        {
            order.push(column.to_owned());
            if column == "family_key" {
                order.push("given_key".to_owned());
            }
        }
        for Sort(column, descending) in sort {
            check_column::<R>(column)?;
            order.push(format!(
                "{column}{}",
                if *descending { " DESC" } else { "" }
            ));
        }
        if !sort.iter().any(|s| s.0 == "id") {
            order.push("id".into());
        }
        let limit = limit.max(0);
        let offset = offset.max(0);
        // The page's ids are chosen from the indexes first and only their rows are read:
        // selecting whole rows while sorting would read every match's row.
        let order = order.join(", ");
        let sql = format!(
            "{} ORDER BY {order}",
            Self::select_sql::<R>(&format!(
                "id IN (SELECT id FROM {} WHERE deleted_at IS NULL AND {condition} ORDER BY {order} LIMIT {limit} OFFSET {offset})",
                R::TABLE
            )),
        );
        self.query(&sql, &params)?
            .iter()
            .map(Self::stored_from_row)
            .collect()
    }

    /// How many current records match every filter.
    pub fn count<R: Table>(&mut self, filters: &[Filter]) -> Result<i64> {
        let (condition, params) = condition::<R>(filters, self.dialect())?;
        let sql = format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM {} WHERE deleted_at IS NULL AND {condition}",
            R::TABLE
        );
        Ok(self
            .query(&sql, &params)?
            .first()
            .map_or(0, |row| row.int(0)))
    }
}
