//! Numbered schema migrations, one SQL file per backend per step, applied in order at open.
//!
//! Each step runs in its own transaction together with its `schema_migrations` row, so a
//! crash mid-migration leaves the schema at the previous step, never between two.

use crate::conn::{Conn, Dialect};
use crate::error::{Error, Result};
use crate::value::Value;

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "records",
        sqlite: include_str!("../migrations/sqlite/0001_records.sql"),
        postgres: include_str!("../migrations/postgres/0001_records.sql"),
    },
    Migration {
        version: 2,
        name: "security",
        sqlite: include_str!("../migrations/sqlite/0002_security.sql"),
        postgres: include_str!("../migrations/postgres/0002_security.sql"),
    },
    Migration {
        version: 3,
        name: "saved_queries",
        sqlite: include_str!("../migrations/sqlite/0003_saved_queries.sql"),
        postgres: include_str!("../migrations/postgres/0003_saved_queries.sql"),
    },
    Migration {
        version: 4,
        name: "amendments",
        sqlite: include_str!("../migrations/sqlite/0004_amendments.sql"),
        postgres: include_str!("../migrations/postgres/0004_amendments.sql"),
    },
    Migration {
        version: 5,
        name: "name_keys",
        sqlite: include_str!("../migrations/sqlite/0005_name_keys.sql"),
        postgres: include_str!("../migrations/postgres/0005_name_keys.sql"),
    },
    Migration {
        version: 6,
        name: "patient_groups",
        sqlite: include_str!("../migrations/sqlite/0006_patient_groups.sql"),
        postgres: include_str!("../migrations/postgres/0006_patient_groups.sql"),
    },
    Migration {
        version: 7,
        name: "written_name_keys",
        sqlite: include_str!("../migrations/sqlite/0007_written_name_keys.sql"),
        postgres: include_str!("../migrations/postgres/0007_written_name_keys.sql"),
    },
    Migration {
        version: 8,
        name: "patient_identifiers",
        sqlite: include_str!("../migrations/sqlite/0008_patient_identifiers.sql"),
        postgres: include_str!("../migrations/postgres/0008_patient_identifiers.sql"),
    },
    Migration {
        version: 9,
        name: "deficiencies",
        sqlite: include_str!("../migrations/sqlite/0009_deficiencies.sql"),
        postgres: include_str!("../migrations/postgres/0009_deficiencies.sql"),
    },
    Migration {
        version: 10,
        name: "physician_queries",
        sqlite: include_str!("../migrations/sqlite/0010_physician_queries.sql"),
        postgres: include_str!("../migrations/postgres/0010_physician_queries.sql"),
    },
    Migration {
        version: 11,
        name: "encounter_service",
        sqlite: include_str!("../migrations/sqlite/0011_encounter_service.sql"),
        postgres: include_str!("../migrations/postgres/0011_encounter_service.sql"),
    },
    Migration {
        version: 12,
        name: "review_indexes",
        sqlite: include_str!("../migrations/sqlite/0012_review_indexes.sql"),
        postgres: include_str!("../migrations/postgres/0012_review_indexes.sql"),
    },
    Migration {
        version: 13,
        name: "x12_control_numbers",
        sqlite: include_str!("../migrations/sqlite/0013_x12_control_numbers.sql"),
        postgres: include_str!("../migrations/postgres/0013_x12_control_numbers.sql"),
    },
    Migration {
        version: 14,
        name: "audit_patients",
        sqlite: include_str!("../migrations/sqlite/0014_audit_patients.sql"),
        postgres: include_str!("../migrations/postgres/0014_audit_patients.sql"),
    },
    Migration {
        version: 15,
        name: "write_off_requests",
        sqlite: include_str!("../migrations/sqlite/0015_write_off_requests.sql"),
        postgres: include_str!("../migrations/postgres/0015_write_off_requests.sql"),
    },
    Migration {
        version: 16,
        name: "claims",
        sqlite: include_str!("../migrations/sqlite/0016_claims.sql"),
        postgres: include_str!("../migrations/postgres/0016_claims.sql"),
    },
    Migration {
        version: 17,
        name: "claim_kind",
        sqlite: include_str!("../migrations/sqlite/0017_claim_kind.sql"),
        postgres: include_str!("../migrations/postgres/0017_claim_kind.sql"),
    },
    Migration {
        version: 18,
        name: "claim_acknowledgments",
        sqlite: include_str!("../migrations/sqlite/0018_claim_acknowledgments.sql"),
        postgres: include_str!("../migrations/postgres/0018_claim_acknowledgments.sql"),
    },
    Migration {
        version: 19,
        name: "release_of_information",
        sqlite: include_str!("../migrations/sqlite/0019_release_of_information.sql"),
        postgres: include_str!("../migrations/postgres/0019_release_of_information.sql"),
    },
    Migration {
        version: 20,
        name: "charges_encounter",
        sqlite: include_str!("../migrations/sqlite/0020_charges_encounter.sql"),
        postgres: include_str!("../migrations/postgres/0020_charges_encounter.sql"),
    },
    Migration {
        version: 21,
        name: "break_glass_review",
        sqlite: include_str!("../migrations/sqlite/0021_break_glass_review.sql"),
        postgres: include_str!("../migrations/postgres/0021_break_glass_review.sql"),
    },
    Migration {
        version: 22,
        name: "follow_up_tasks",
        sqlite: include_str!("../migrations/sqlite/0022_follow_up_tasks.sql"),
        postgres: include_str!("../migrations/postgres/0022_follow_up_tasks.sql"),
    },
    Migration {
        version: 23,
        name: "patient_index",
        sqlite: include_str!("../migrations/sqlite/0023_patient_index.sql"),
        postgres: include_str!("../migrations/postgres/0023_patient_index.sql"),
    },
    Migration {
        version: 24,
        name: "syndromic_counts",
        sqlite: include_str!("../migrations/sqlite/0024_syndromic_counts.sql"),
        postgres: include_str!("../migrations/postgres/0024_syndromic_counts.sql"),
    },
    Migration {
        version: 25,
        name: "remittances",
        sqlite: include_str!("../migrations/sqlite/0025_remittances.sql"),
        postgres: include_str!("../migrations/postgres/0025_remittances.sql"),
    },
    Migration {
        version: 26,
        name: "legal_holds",
        sqlite: include_str!("../migrations/sqlite/0026_legal_holds.sql"),
        postgres: include_str!("../migrations/postgres/0026_legal_holds.sql"),
    },
    Migration {
        version: 27,
        name: "chart_volumes",
        sqlite: include_str!("../migrations/sqlite/0027_chart_volumes.sql"),
        postgres: include_str!("../migrations/postgres/0027_chart_volumes.sql"),
    },
    Migration {
        version: 28,
        name: "surveillance_alerts",
        sqlite: include_str!("../migrations/sqlite/0028_surveillance_alerts.sql"),
        postgres: include_str!("../migrations/postgres/0028_surveillance_alerts.sql"),
    },
    Migration {
        version: 29,
        name: "audit_writes",
        sqlite: include_str!("../migrations/sqlite/0029_audit_writes.sql"),
        postgres: include_str!("../migrations/postgres/0029_audit_writes.sql"),
    },
    Migration {
        version: 30,
        name: "mpi_models",
        sqlite: include_str!("../migrations/sqlite/0030_mpi_models.sql"),
        postgres: include_str!("../migrations/postgres/0030_mpi_models.sql"),
    },
    Migration {
        version: 31,
        name: "data_use_agreements",
        sqlite: include_str!("../migrations/sqlite/0031_data_use_agreements.sql"),
        postgres: include_str!("../migrations/postgres/0031_data_use_agreements.sql"),
    },
    Migration {
        version: 32,
        name: "mpi_overlays",
        sqlite: include_str!("../migrations/sqlite/0032_mpi_overlays.sql"),
        postgres: include_str!("../migrations/postgres/0032_mpi_overlays.sql"),
    },
    Migration {
        version: 33,
        name: "hl7_outbox",
        sqlite: include_str!("../migrations/sqlite/0033_hl7_outbox.sql"),
        postgres: include_str!("../migrations/postgres/0033_hl7_outbox.sql"),
    },
    Migration {
        version: 34,
        name: "archived_charts",
        sqlite: include_str!("../migrations/sqlite/0034_archived_charts.sql"),
        postgres: include_str!("../migrations/postgres/0034_archived_charts.sql"),
    },
    Migration {
        version: 35,
        name: "destruction",
        sqlite: include_str!("../migrations/sqlite/0035_destruction.sql"),
        postgres: include_str!("../migrations/postgres/0035_destruction.sql"),
    },
    Migration {
        version: 36,
        name: "dictations",
        sqlite: include_str!("../migrations/sqlite/0036_dictations.sql"),
        postgres: include_str!("../migrations/postgres/0036_dictations.sql"),
    },
    Migration {
        version: 37,
        name: "chart_requests",
        sqlite: include_str!("../migrations/sqlite/0037_chart_requests.sql"),
        postgres: include_str!("../migrations/postgres/0037_chart_requests.sql"),
    },
    Migration {
        version: 38,
        name: "review_facts",
        sqlite: include_str!("../migrations/sqlite/0038_review_facts.sql"),
        postgres: include_str!("../migrations/postgres/0038_review_facts.sql"),
    },
    Migration {
        version: 39,
        name: "scanned_documents",
        sqlite: include_str!("../migrations/sqlite/0039_scanned_documents.sql"),
        postgres: include_str!("../migrations/postgres/0039_scanned_documents.sql"),
    },
    Migration {
        version: 40,
        name: "claim_adjudication",
        sqlite: include_str!("../migrations/sqlite/0040_claim_adjudication.sql"),
        postgres: include_str!("../migrations/postgres/0040_claim_adjudication.sql"),
    },
    Migration {
        version: 41,
        name: "case_reports",
        sqlite: include_str!("../migrations/sqlite/0041_case_reports.sql"),
        postgres: include_str!("../migrations/postgres/0041_case_reports.sql"),
    },
    Migration {
        version: 42,
        name: "registry_messages",
        sqlite: include_str!("../migrations/sqlite/0042_registry_messages.sql"),
        postgres: include_str!("../migrations/postgres/0042_registry_messages.sql"),
    },
    Migration {
        version: 43,
        name: "changed_since_indexes",
        sqlite: include_str!("../migrations/sqlite/0043_changed_since_indexes.sql"),
        postgres: include_str!("../migrations/postgres/0043_changed_since_indexes.sql"),
    },
    Migration {
        version: 44,
        name: "charge_details",
        sqlite: include_str!("../migrations/sqlite/0044_charge_details.sql"),
        postgres: include_str!("../migrations/postgres/0044_charge_details.sql"),
    },
    Migration {
        version: 45,
        name: "audit_patient_writes",
        sqlite: include_str!("../migrations/sqlite/0045_audit_patient_writes.sql"),
        postgres: include_str!("../migrations/postgres/0045_audit_patient_writes.sql"),
    },
];

/// The newest schema version this build knows.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Creates the bookkeeping table if needed and returns the applied version.
pub(crate) fn current_version(conn: &mut dyn Conn) -> Result<i64> {
    conn.batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )",
    )?;
    let row = conn.query_one(
        "SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM schema_migrations",
        &[],
    )?;
    Ok(row.map_or(0, |r| r.int(0)))
}

/// Applies one pending migration, if there is one; returns whether it did.
pub(crate) fn apply_next(conn: &mut dyn Conn, applied_at: &str) -> Result<bool> {
    let current = current_version(conn)?;
    if current > latest_version() {
        return Err(Error::Database(format!(
            "the database is at schema version {current}, newer than this build of Chartroom knows ({}); upgrade Chartroom",
            latest_version()
        )));
    }
    let Some(next) = MIGRATIONS.iter().find(|m| m.version == current + 1) else {
        return Ok(false);
    };
    let sql = match conn.dialect() {
        Dialect::Sqlite => next.sqlite,
        Dialect::Postgres => next.postgres,
    };
    conn.batch(sql)
        .map_err(|e| Error::Database(format!("migration {} ({}): {e}", next.version, next.name)))?;
    conn.execute(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
        &[
            Value::Int(next.version),
            Value::from(next.name),
            Value::from(applied_at),
        ],
    )?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::filter::fold_name;

    /// Patients stored while the name keys were generated columns keep the same keys
    /// when schema 7 makes them written columns.
    #[test]
    fn schema_7_keeps_the_name_keys_of_stored_patients() {
        let db = crate::sqlite::SqliteDb::open_in_memory().unwrap();
        let keys = db
            .with_tx(|conn| {
                while current_version(conn)? < 6 {
                    apply_next(conn, "2026-01-01T00:00:00Z")?;
                }
                conn.execute(
                    "INSERT INTO patients (version, created_at, created_by, updated_at, updated_by, mrn, mrn_authority, family_name, given_name, birth_date, sex) \
                     VALUES (1, 'x', 't', 'x', 't', 'M1', 'MAIN', 'Müller-Łopez', 'ZOË', '1980-01-01', 'female')",
                    &[],
                )?;
                apply_next(conn, "2026-01-02T00:00:00Z")?;
                assert_eq!(current_version(conn)?, 7);
                conn.query("SELECT family_key, given_key FROM patients", &[])
            })
            .unwrap();
        assert_eq!(keys[0].text(0), Some(fold_name("Müller-Łopez").as_str()));
        assert_eq!(keys[0].text(1), Some(fold_name("ZOË").as_str()));
    }
}
