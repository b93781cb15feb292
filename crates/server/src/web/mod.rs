//! The server-rendered web application: HTML pages over the same store, permissions and
//! audit trail as the JSON API, with no front-end build step (a stylesheet and a little
//! script of our own, embedded in the binary).
//!
//! Invariants:
//! - Every page is a route in the table with its access rule; the guard signs the request
//!   in and checks the permission before any handler runs, exactly as for the API.
//! - Every state-changing form carries the session's form token (`forms::check_token`);
//!   a form without it, or with another session's, changes nothing.
//! - Search terms and other patient details travel in POST bodies, never in URLs.
//! - Pages show only the chart sections the user may read (`patients::read_chart` empties
//!   the rest before anything is rendered).

use crate::guard::{Access, Entry, Surface, route};
use axum::http::Method;
use axum::routing::{get, post};
use privacy::Permission;

mod account_admin;
mod amendment_pages;
mod answer_plot;
mod assets;
mod audit_pages;
mod balances;
pub(crate) mod cases;
mod chart;
mod chart_sections;
pub(crate) mod charts;
pub(crate) mod claims;
mod clinical_form;
mod code_pages;
mod coding;
mod coverage_form;
pub(crate) mod demographics;
mod diagnosis_form;
pub(crate) mod documents;
mod emergency_review;
mod encoder;
mod encounter_form;
mod encounters;
mod fields;
mod forms;
pub(crate) mod layout;
mod ledger;
pub(crate) mod lifecycle;
pub(crate) mod mpi;
mod note_form;
mod pcs_steps;
mod procedure_form;
mod query_pages;
pub(crate) mod registration;
mod removal;
mod research;
pub(crate) mod review;
pub(crate) mod roi;
mod roi_accounting;
mod roi_consents;
mod roi_intake;
mod sign_in;
mod signing;
mod start;
pub(crate) mod surveillance;
mod svg_chart;
mod text;
pub(crate) mod transcription;
mod write_offs;

pub(crate) use layout::{not_found_page, refusal_page};

/// The page routes.
pub(crate) fn routes() -> Vec<Entry> {
    use Access::*;
    use Method as M;
    use Permission as P;
    let pre_mfa = SignedInBeforeMfa;
    vec![
        route(M::GET, "/", SignedIn, false, "start page", get(start::home)),
        route(
            M::GET,
            "/login",
            Public,
            false,
            "sign-in page",
            get(sign_in::login_page),
        ),
        route(
            M::POST,
            "/login",
            Public,
            false,
            "sign in",
            post(sign_in::login),
        ),
        route(
            M::GET,
            "/mfa",
            pre_mfa,
            false,
            "authenticator code page",
            get(sign_in::code_page),
        ),
        route(
            M::POST,
            "/mfa",
            pre_mfa,
            false,
            "check an authenticator code",
            post(sign_in::code),
        ),
        route(
            M::GET,
            "/mfa/enroll",
            pre_mfa,
            false,
            "authenticator enrolment page with its QR code",
            get(sign_in::enrol_page),
        ),
        route(
            M::POST,
            "/mfa/enroll",
            pre_mfa,
            false,
            "enrol an authenticator",
            post(sign_in::enrol),
        ),
        route(
            M::POST,
            "/logout",
            pre_mfa,
            false,
            "sign out",
            post(sign_in::logout),
        ),
        route(
            M::GET,
            "/patients",
            Needs(P::ReadDemographics),
            false,
            "patient search form",
            get(chart::search_page),
        ),
        route(
            M::POST,
            "/patients",
            Needs(P::ReadDemographics),
            true,
            "patient search results",
            post(chart::search),
        ),
        route(
            M::GET,
            "/patients/new",
            Needs(P::WriteDemographics),
            false,
            "patient registration form",
            get(registration::new_form),
        ),
        route(
            M::POST,
            "/patients/new",
            Needs(P::WriteDemographics),
            true,
            "register a patient (patients who may be the same person are shown first)",
            post(registration::register),
        ),
        route(
            M::GET,
            "/patients/{id}",
            Needs(P::ReadDemographics),
            true,
            "a patient's chart",
            get(chart::chart),
        ),
        route(
            M::POST,
            "/patients/{id}/print",
            Needs(P::ReadDemographics),
            true,
            "a chart's print copy (audited as a print)",
            post(chart::print),
        ),
        route(
            M::POST,
            "/patients/{id}/break-glass",
            Needs(P::BreakGlass),
            false,
            "emergency access to a chart, with a reason",
            post(chart::break_glass),
        ),
        route(
            M::GET,
            "/patients/{id}/notes/new",
            Needs(P::WriteNotes),
            true,
            "note form: kind of note, encounter, text",
            get(note_form::form),
        ),
        route(
            M::POST,
            "/patients/{id}/notes",
            Needs(P::WriteNotes),
            false,
            "write a note (unsigned, authored by the account's provider)",
            post(note_form::add),
        ),
        route(
            M::POST,
            "/diagnoses/{id}/remove",
            Needs(P::WriteCodes),
            false,
            "remove a diagnosis with a reason (soft delete; history kept)",
            post(removal::remove_diagnosis),
        ),
        route(
            M::POST,
            "/procedures/{id}/remove",
            Needs(P::WriteCodes),
            false,
            "remove a procedure with a reason (soft delete; history kept)",
            post(removal::remove_procedure),
        ),
        route(
            M::GET,
            "/patients/{id}/check-in",
            Needs(P::WriteEncounters),
            true,
            "check-in form: kind of visit, attending, reason",
            get(encounters::check_in_form),
        ),
        route(
            M::POST,
            "/patients/{id}/check-in",
            Needs(P::WriteEncounters),
            false,
            "check a patient in (opens an encounter)",
            post(encounters::check_in),
        ),
        route(
            M::GET,
            "/patients/{id}/clinical/{section}/new",
            Needs(P::WriteClinical),
            true,
            "form to add an allergy, medication, problem or observation",
            get(clinical_form::form),
        ),
        route(
            M::POST,
            "/patients/{id}/clinical/{section}",
            Needs(P::WriteClinical),
            true,
            "add an allergy, medication, problem or observation",
            post(clinical_form::add),
        ),
        route(
            M::GET,
            "/patients/{id}/coverages/new",
            Needs(P::WriteInsurance),
            true,
            "insurance coverage form: payer, member id, subscriber, order, dates",
            get(coverage_form::new_form),
        ),
        route(
            M::POST,
            "/patients/{id}/coverages",
            Needs(P::WriteInsurance),
            true,
            "add an insurance coverage (one of each order at a time)",
            post(coverage_form::create),
        ),
        route(
            M::POST,
            "/coverages/{id}/end",
            Needs(P::WriteInsurance),
            false,
            "end an insurance coverage on its last covered day",
            post(coverage_form::end),
        ),
        route(
            M::GET,
            "/patients/{id}/encounters/new",
            Needs(P::WriteEncounters),
            true,
            "encounter form: admission and discharge times, class, attending, service",
            get(encounter_form::new_form),
        ),
        route(
            M::POST,
            "/patients/{id}/encounters",
            Needs(P::WriteEncounters),
            true,
            "open an encounter with its details",
            post(encounter_form::create),
        ),
        route(
            M::GET,
            "/encounters/{id}/edit",
            Needs(P::WriteEncounters),
            true,
            "an encounter's form, filled in",
            get(encounter_form::edit_form),
        ),
        route(
            M::POST,
            "/encounters/{id}/edit",
            Needs(P::WriteEncounters),
            true,
            "change or close an encounter",
            post(encounter_form::update),
        ),
        route(
            M::POST,
            "/encounters/{id}/close",
            Needs(P::WriteEncounters),
            false,
            "close an encounter with its discharge time and disposition",
            post(encounters::close),
        ),
        route(
            M::GET,
            "/patients/{id}/ledger",
            Needs(P::ReadBilling),
            true,
            "a patient's ledger: charges and postings with the running balance",
            get(ledger::show),
        ),
        route(
            M::POST,
            "/patients/{id}/postings",
            Needs(P::WriteBilling),
            true,
            "post a payment, adjustment (with its reason code) or refund",
            post(ledger::post),
        ),
        route(
            M::POST,
            "/patients/{id}/write-offs",
            Needs(P::WriteBilling),
            true,
            "ask for a write-off (it waits for another person's approval)",
            post(write_offs::request),
        ),
        route(
            M::POST,
            "/write-offs/{id}/decision",
            Needs(P::ApproveWriteOffs),
            false,
            "approve a write-off (posting its adjustment) or refuse it with a reason",
            post(write_offs::decide),
        ),
        route(
            M::GET,
            "/roi",
            Needs(P::ReleaseInformation),
            false,
            "the release-of-information queue: open requests, due first",
            get(roi::queue),
        ),
        route(
            M::GET,
            "/patients/{id}/consents",
            Needs(P::ReleaseInformation),
            true,
            "a patient's consents and agreed restrictions, and the form recording one",
            get(roi_consents::show),
        ),
        route(
            M::POST,
            "/patients/{id}/consents",
            Needs(P::ReleaseInformation),
            true,
            "record a consent or agreed restriction (every problem beside its field)",
            post(roi_consents::add),
        ),
        route(
            M::POST,
            "/patients/{id}/consents/{consent}/revoke",
            Needs(P::ReleaseInformation),
            true,
            "record that the patient revoked a consent or restriction (on the day given, default today)",
            post(roi_consents::revoke),
        ),
        route(
            M::GET,
            "/patients/{id}/disclosures",
            Needs(P::ReleaseInformation),
            true,
            "a patient's accounting of disclosures over the last six years (164.528)",
            get(roi_accounting::show),
        ),
        route(
            M::POST,
            "/roi/{id}/papers",
            Needs(P::ReleaseInformation),
            true,
            "record the identity verification and authorisation form of an open request; the checks run again",
            post(roi::papers),
        ),
        route(
            M::GET,
            "/research/extracts",
            Needs(P::ReadDeidentified),
            false,
            "the researcher's de-identified extract form (Safe Harbor, dates to the year or shifted)",
            get(research::show),
        ),
        route(
            M::POST,
            "/research/extracts",
            Needs(P::ReadDeidentified),
            false,
            "make a de-identified extract: its k-anonymity report and the data file to download (audited)",
            post(research::make),
        ),
        route(
            M::GET,
            "/roi/new",
            Needs(P::ReleaseInformation),
            false,
            "the release-of-information intake form",
            get(roi_intake::new),
        ),
        route(
            M::POST,
            "/roi/new",
            Needs(P::ReleaseInformation),
            true,
            "take in a release-of-information request from the form (every problem beside its field)",
            post(roi_intake::take_in),
        ),
        route(
            M::GET,
            "/roi/{id}",
            Needs(P::ReleaseInformation),
            true,
            "a release-of-information request with its validation checklist and packet preview",
            get(roi::show),
        ),
        route(
            M::POST,
            "/roi/{id}/release",
            Needs(P::ReleaseInformation),
            true,
            "release a validated request: the PDF packet, entered in the accounting of disclosures",
            post(roi::release),
        ),
        route(
            M::POST,
            "/roi/{id}/deny",
            Needs(P::ReleaseInformation),
            true,
            "deny a release-of-information request with its reason",
            post(roi::deny),
        ),
        route(
            M::GET,
            "/patients/{id}/edit",
            Needs(P::WriteDemographics),
            true,
            "demographics form",
            get(demographics::form),
        ),
        route(
            M::POST,
            "/patients/{id}/edit",
            Needs(P::WriteDemographics),
            true,
            "save demographics",
            post(demographics::save),
        ),
        route(
            M::GET,
            "/patients/{id}/amendments",
            Needs(P::ManageAmendments),
            true,
            "a patient's amendment requests",
            get(amendment_pages::list),
        ),
        route(
            M::POST,
            "/patients/{id}/amendments",
            Needs(P::ManageAmendments),
            false,
            "record an amendment request",
            post(amendment_pages::request),
        ),
        route(
            M::POST,
            "/amendments/{id}/decision",
            Needs(P::ManageAmendments),
            false,
            "accept or deny an amendment request",
            post(amendment_pages::decide),
        ),
        route(
            M::POST,
            "/notes/{id}/sign",
            Needs(P::SignNotes),
            false,
            "sign a note (as the provider the account is linked to)",
            post(signing::sign),
        ),
        route(
            M::GET,
            "/admin/users",
            Needs(P::ManageUsers),
            false,
            "user administration",
            get(account_admin::users),
        ),
        route(
            M::POST,
            "/admin/users",
            Needs(P::ManageUsers),
            false,
            "create a user",
            post(account_admin::create),
        ),
        route(
            M::POST,
            "/admin/users/{username}",
            Needs(P::ManageUsers),
            false,
            "change a user's roles, disable or enable",
            post(account_admin::change),
        ),
        route(
            M::GET,
            "/audit",
            Needs(P::ReadAudit),
            false,
            "audit report",
            get(audit_pages::report),
        ),
        route(
            M::POST,
            "/audit",
            Needs(P::ReadAudit),
            false,
            "audit report, filtered",
            post(audit_pages::filtered),
        ),
        route(
            M::POST,
            "/audit/verify",
            Needs(P::ReadAudit),
            false,
            "verify the audit chain",
            post(audit_pages::verify),
        ),
        route(
            M::GET,
            "/break-glass",
            Needs(P::ReviewBreakGlass),
            false,
            "emergency access review",
            get(emergency_review::review_page),
        ),
        route(
            M::POST,
            "/break-glass/{id}/review",
            Needs(P::ReviewBreakGlass),
            false,
            "mark an emergency access reviewed, with a note",
            post(emergency_review::mark),
        ),
        route(
            M::GET,
            "/patients/{id}/diagnoses/new",
            Needs(P::WriteCodes),
            true,
            "diagnosis coding form with the code picker",
            get(diagnosis_form::form),
        ),
        route(
            M::POST,
            "/patients/{id}/diagnoses/encode",
            Needs(P::WriteCodes),
            true,
            "encode a statement on the diagnosis form (the encounter's date and patient), each code with its Add button and the edits it would bring",
            post(diagnosis_form::encode),
        ),
        route(
            M::POST,
            "/patients/{id}/diagnoses",
            Needs(P::WriteCodes),
            true,
            "code a diagnosis (validated on the encounter's date)",
            post(diagnosis_form::add),
        ),
        route(
            M::GET,
            "/patients/{id}/procedures/new",
            Needs(P::WriteCodes),
            true,
            "procedure coding form with the code picker and the ICD-10-PCS builder (GET steps)",
            get(procedure_form::form),
        ),
        route(
            M::POST,
            "/patients/{id}/procedures",
            Needs(P::WriteCodes),
            true,
            "code a procedure (validated on the encounter's date)",
            post(procedure_form::add),
        ),
        route(
            M::GET,
            "/codes",
            SignedIn,
            false,
            "code set search form",
            get(code_pages::search_page),
        ),
        route(
            M::POST,
            "/codes",
            SignedIn,
            false,
            "code set search",
            post(code_pages::search),
        ),
        route(
            M::GET,
            "/codes/encode",
            SignedIn,
            false,
            "the encoder: a diagnostic statement to ICD-10-CM codes, every step explained",
            get(encoder::encode_page),
        ),
        route(
            M::POST,
            "/codes/encode",
            SignedIn,
            false,
            "encode a statement (answers to the encoder's questions carried along)",
            post(encoder::encode),
        ),
        route(
            M::GET,
            "/codes/{system}/{code}",
            SignedIn,
            false,
            "a code's page",
            get(code_pages::show),
        ),
        route(
            M::GET,
            "/queries",
            Needs(P::ReadAggregates),
            false,
            "population query builder and saved queries",
            get(query_pages::page_get),
        ),
        route(
            M::POST,
            "/queries",
            Needs(P::ReadAggregates),
            true,
            "run, chart, export or save a population query",
            post(query_pages::submit),
        ),
        route(
            M::GET,
            "/static/chartroom.css",
            Public,
            false,
            "stylesheet",
            get(assets::css),
        ),
        route(
            M::GET,
            "/favicon.ico",
            Public,
            false,
            "icon",
            get(assets::favicon),
        ),
        route(
            M::GET,
            "/static/chartroom.js",
            Public,
            false,
            "script",
            get(assets::js),
        ),
    ]
    .into_iter()
    .map(|entry| entry.on(Surface::Page))
    .collect()
}
