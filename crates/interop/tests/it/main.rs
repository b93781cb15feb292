//! Import and export, run on SQLite and PostgreSQL.

mod synthea_import;
