//! The HTTP API driven in-process (no socket): route rules, sign-in, sessions, patient
//! data and its audit entries.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests fail by panicking.

mod admin;
mod audit_writes;
mod cases;
mod chart_page;
mod claims;
mod clinical_form;
mod coverage_form;
mod dictations;
mod documents;
mod emergency;
mod encoder;
mod encounter_form;
mod encounters;
mod error_pages;
mod fhir_claims;
mod fhir_export;
mod fhir_group;
mod fhir_identifiers;
mod fhir_match;
mod fhir_rest;
mod fhir_schema;
mod fhir_search;
mod fhir_transaction;
mod harness;
mod immunization_coverage;
mod ledger;
mod lifecycle;
mod mfa;
mod mpi;
mod pages;
mod paper_charts;
mod patients;
mod population;
mod registration;
mod remittances;
mod removal;
mod review;
mod review_metrics;
mod review_queries;
mod review_tasks;
mod robust;
mod roi;
mod routes;
mod sessions;
mod signing;
mod tls;
mod tokens;
mod write_offs;
