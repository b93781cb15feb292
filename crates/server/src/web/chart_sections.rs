//! The chart page's sections (insurance, encounters, diagnoses ... charges): each a table
//! the reader's roles open, with the actions those roles offer. Encounters and results
//! are paged, newest first; other sections longer than a screen start collapsed, with
//! their count showing, and open when a link or a change leads to them. The print copy
//! shows everything open and unpaged.

use super::text::{at_facility, day, money, words};
use crate::patients::AllowedChart;
use maud::{Markup, html};
use privacy::DataCategory;
use records::ObservationValue;
use std::collections::HashMap;

/// Encounters listed on one page of the chart.
const ENCOUNTERS_PER_PAGE: usize = 20;
/// Results listed on one page of the chart.
const OBSERVATIONS_PER_PAGE: usize = 25;
/// A section with more rows than this starts collapsed.
const COLLAPSE_OVER: usize = 15;
/// Notes are long: more than this many and the section starts collapsed.
const COLLAPSE_NOTES_OVER: usize = 5;

/// The pages of the paged sections a reader asked for (`None` for the print copy, which
/// shows every row).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Pages {
    /// The page of encounters, from 1.
    pub encounters: usize,
    /// The page of results, from 1.
    pub observations: usize,
    /// An encounter a link points at (`#encounter-ID`): its page is shown instead.
    pub encounter: Option<i64>,
}

impl Pages {
    /// The pages named in a chart URL's query (`encounters_page`, `observations_page`,
    /// `encounter`); anything unreadable is page 1.
    pub(crate) fn from_query(query: Option<&str>) -> Self {
        let page = |name| {
            super::forms::id_in_query(query, name)
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(1)
                .max(1)
        };
        Self {
            encounters: page("encounters_page"),
            observations: page("observations_page"),
            encounter: super::forms::id_in_query(query, "encounter"),
        }
    }
}

/// What the chart offers its reader to do, by their roles (nothing on the print copy).
pub(crate) struct Offers<'a> {
    pub can_code: bool,
    pub visit_token: Option<&'a str>,
    pub remove_token: Option<&'a str>,
    pub can_write_notes: bool,
    pub can_write_clinical: bool,
    pub insurance_token: Option<&'a str>,
    pub today: time::Date,
    pub zone: &'a crate::zone::FacilityZone,
    /// The pages shown; `None` on the print copy.
    pub pages: Option<Pages>,
}

/// What was coded and written on encounter `id`: its diagnoses (first-listed first, as
/// coded), procedures and how many notes, so the visit reads whole from its row.
fn encounter_contents(c: &store::PatientSummary, id: i64) -> Markup {
    let diagnoses: Vec<&str> = c
        .diagnoses
        .iter()
        .filter(|d| d.record.encounter_id.0 == id)
        .map(|d| d.record.code.as_str())
        .collect();
    let procedures: Vec<&str> = c
        .procedures
        .iter()
        .filter(|p| p.record.encounter_id.is_some_and(|e| e.0 == id))
        .map(|p| p.record.code.as_str())
        .collect();
    let notes = c
        .notes
        .iter()
        .filter(|n| n.record.encounter_id.is_some_and(|e| e.0 == id))
        .count();
    html! {
        @if !diagnoses.is_empty() { a href="#diagnoses" title="Diagnoses" { @for code in &diagnoses { code { (code) } " " } } }
        @if !procedures.is_empty() { a href="#procedures" title="Procedures" { @for code in &procedures { code { (code) } " " } } }
        @if notes > 0 { a href="#notes" { (notes) @if notes == 1 { " note" } @else { " notes" } } }
    }
}

fn empty_row(columns: usize) -> Markup {
    html! { tr { td colspan=(columns) { "None recorded." } } }
}

/// A section titled `title` holding `count` rows, with the `actions` its reader may take
/// always in view: the rows open when short (or printed), else collapsed behind a "Show
/// all" toggle, so the page reads as a table of contents.
pub(crate) fn part(
    id: &str,
    title: &str,
    count: usize,
    open: bool,
    actions: Markup,
    body: Markup,
) -> Markup {
    html! {
        section id=(id) {
            h2 { (title) " " span.count { "(" (count) ")" } }
            (actions)
            details.part open[open] {
                summary { span.when-closed { "Show all " (count) } span.when-open { "Hide" } }
                (body)
            }
        }
    }
}

/// A page of `rows` (newest last in `rows`, shown newest first), the page shown and the
/// number of pages; every row when `page` is `None`.
fn page_of<T>(rows: &[T], page: Option<usize>, per_page: usize) -> (Vec<&T>, usize, usize) {
    let n_pages = rows.len().div_ceil(per_page).max(1);
    match page {
        Some(page) => {
            let page = page.clamp(1, n_pages);
            let shown = rows
                .iter()
                .rev()
                .skip((page - 1) * per_page)
                .take(per_page)
                .collect();
            (shown, page, n_pages)
        }
        None => (rows.iter().rev().collect(), 1, 1),
    }
}

/// Newer / Older links for a paged section; the other section's page is kept.
fn pager(
    anchor: &str,
    what: &str,
    total: usize,
    page: usize,
    n_pages: usize,
    link: impl Fn(usize) -> String,
) -> Markup {
    html! {
        @if n_pages > 1 {
            nav.pages aria-label={ (what) " pages" } {
                @if page > 1 { a href={ (link(page - 1)) "#" (anchor) } rel="prev" { "Newer" } " " }
                "Page " (page) " of " (n_pages) " (" (total) " " (what) ")"
                @if page < n_pages { " " a href={ (link(page + 1)) "#" (anchor) } rel="next" { "Older" } }
            }
        }
    }
}

pub(crate) fn sections(
    chart: &AllowedChart,
    offers: &Offers<'_>,
    payer_names: &HashMap<i64, String>,
) -> Markup {
    let Offers {
        can_code,
        visit_token,
        remove_token,
        can_write_notes,
        can_write_clinical,
        insurance_token,
        today,
        zone,
        pages,
    } = *offers;
    let print = pages.is_none();
    let c = &chart.summary;
    // An encounter a link points at is shown on its page.
    let encounter_page = pages.map(|p| {
        p.encounter
            .and_then(|id| c.encounters.iter().rev().position(|e| e.meta.id == id))
            .map_or(p.encounters, |idx| idx / ENCOUNTERS_PER_PAGE + 1)
    });
    let (encounters, encounter_page, encounter_pages) =
        page_of(&c.encounters, encounter_page, ENCOUNTERS_PER_PAGE);
    let (observations, observation_page, observation_pages) = page_of(
        &c.observations,
        pages.map(|p| p.observations),
        OBSERVATIONS_PER_PAGE,
    );
    let link = |encounters: usize, observations: usize| {
        format!("?encounters_page={encounters}&observations_page={observations}")
    };
    let open = |count: usize| print || count <= COLLAPSE_OVER;
    let add = |section: &str, words: &str| {
        html! { @if can_write_clinical { p { a.button href={ "/patients/" (c.patient.meta.id) "/clinical/" (section) "/new" } { (words) } } } }
    };
    let encounter_day = |id: Option<i64>| {
        id.and_then(|id| c.encounters.iter().find(|e| e.meta.id == id))
            .map(|e| day(e.record.admit_at.date()))
            .unwrap_or_default()
    };
    html! {
        @if chart.shows(DataCategory::Insurance) {
            (part("insurance", "Insurance", c.coverages.len(), open(c.coverages.len()), html! {
                @if insurance_token.is_some() { p { a.button href={ "/patients/" (c.patient.meta.id) "/coverages/new" } { "Add coverage" } } }
            }, html! {
                table { thead { tr { th { "Order" } th { "Plan" } th { "Member id" } th { "Relationship" } th { "From" } th { "To" } } }
                    tbody {
                        @for cov in &c.coverages { tr {
                            td { (words(&cov.record.coverage_order)) }
                            td { (payer_names.get(&cov.record.payer_id.0).map_or("", String::as_str)) @if let Some(plan) = &cov.record.plan_name { " · " (plan) } }
                            td { (cov.record.member_id) }
                            td { (words(&cov.record.relationship)) }
                            td { (day(cov.record.effective_start)) }
                            td { (cov.record.effective_end.map(day).unwrap_or_default())
                                @if let (Some(token), None) = (insurance_token, cov.record.effective_end) { (super::coverage_form::end_form(token, cov, today)) } }
                        } }
                        @if c.coverages.is_empty() { (empty_row(6)) }
                    }
                }
            }))
        }
        @if chart.shows(DataCategory::Encounters) {
            // Paged, so never collapsed: the visits are what a chart is read by.
            (part("encounters", "Encounters", c.encounters.len(), true, html! {
                @if visit_token.is_some() { p {
                    a.button href={ "/patients/" (c.patient.meta.id) "/check-in" } { "Check in" } " "
                    a.button href={ "/patients/" (c.patient.meta.id) "/encounters/new" } { "New encounter" } } }
            }, html! {
                table { thead { tr { th { "Admitted" } th { "Discharged" } th { "Class" } th { "Service" } th { "Status" } th { "Reason" } th { "Diagnoses, procedures, notes" } } }
                    tbody {
                        @for e in &encounters { tr id={ "encounter-" (e.meta.id) } {
                            td { (at_facility(zone, e.record.admit_at)) }
                            td { @if let Some(at) = e.record.discharge_at { (at_facility(zone, at)) } }
                            td { (words(&e.record.class)) }
                            td { (e.record.service.as_deref().unwrap_or("")) }
                            td { (words(&e.record.status))
                                @if let (Some(token), records::EncounterStatus::InProgress) = (visit_token, e.record.status) {
                                    (super::encounters::close_form(token, e))
                                } }
                            td { (e.record.reason.as_deref().unwrap_or(""))
                                @if visit_token.is_some() { " " a href={ "/encounters/" (e.meta.id) "/edit" } { "Change" } } }
                            td.coded { (encounter_contents(c, e.meta.id)) }
                        } }
                        @if c.encounters.is_empty() { (empty_row(7)) }
                    }
                }
                (pager("encounters", "encounters", c.encounters.len(), encounter_page, encounter_pages, |n| link(n, observation_page)))
            }))
        }
        @if chart.shows(DataCategory::Diagnoses) {
            (part("diagnoses", "Diagnoses", c.diagnoses.len(), open(c.diagnoses.len()), html! {
                @if can_code { p { a.button href={ "/patients/" (c.patient.meta.id) "/diagnoses/new" } { "Code a diagnosis" } } }
            }, html! {
                table { thead { tr { th { "Encounter" } th { "Code (ICD-10-CM)" } th { "Description" } th { "Rank" } th { "POA" } } }
                    tbody {
                        @for d in c.diagnoses.iter().rev() { tr {
                            td { (encounter_day(Some(d.record.encounter_id.0))) }
                            td { code { (d.record.code) } }
                            td { (d.record.description.as_deref().unwrap_or("")) }
                            td { (words(&d.record.rank)) }
                            td { (d.record.poa.as_ref().map(words).unwrap_or_default())
                                @if let Some(token) = remove_token { (super::removal::remove_form(token, "diagnoses", d.meta.id, d.meta.version)) } }
                        } }
                        @if c.diagnoses.is_empty() { (empty_row(5)) }
                    }
                }
            }))
        }
        @if chart.shows(DataCategory::Procedures) {
            (part("procedures", "Procedures", c.procedures.len(), open(c.procedures.len()), html! {
                @if can_code { p { a.button href={ "/patients/" (c.patient.meta.id) "/procedures/new" } { "Code a procedure" } } }
            }, html! {
                table { thead { tr { th { "Performed" } th { "System" } th { "Code" } th { "Description" } } }
                    tbody {
                        @for p in c.procedures.iter().rev() { tr {
                            td { (at_facility(zone, p.record.performed_at)) }
                            td { (words(&p.record.code_system)) }
                            td { code { (p.record.code) } }
                            td { @match (&p.record.description, p.record.code_system) {
                                    (Some(description), _) => { (description) }
                                    (None, records::ProcedureCodeSystem::Cpt) => { span.muted { "CPT format checked only" } }
                                    (None, _) => {}
                                }
                                @if let Some(token) = remove_token { (super::removal::remove_form(token, "procedures", p.meta.id, p.meta.version)) } }
                        } }
                        @if c.procedures.is_empty() { (empty_row(4)) }
                    }
                }
            }))
        }
        @if chart.shows(DataCategory::Immunizations) {
            (part("immunizations", "Immunizations", c.immunizations.len(), open(c.immunizations.len()), html! {}, html! {
                table { thead { tr { th { "Given" } th { "CVX" } th { "Vaccine" } th { "Status" } th { "Lot" } } }
                    tbody {
                        @for i in c.immunizations.iter().rev() { tr {
                            td { (at_facility(zone, i.record.administered_at)) }
                            td { code { (i.record.cvx) } }
                            td { (i.record.description.as_deref().unwrap_or("")) }
                            td { (words(&i.record.status)) }
                            td { (i.record.lot_number.as_deref().unwrap_or("")) }
                        } }
                        @if c.immunizations.is_empty() { (empty_row(5)) }
                    }
                }
            }))
        }
        @if chart.shows(DataCategory::Results) {
            // Paged like encounters, so never collapsed.
            (part("observations", "Results and observations", c.observations.len(), true, html! {
                (add("observations", "Add an observation"))
            }, html! {
                table { thead { tr { th { "When" } th { "LOINC" } th { "Test" } th { "Value" } } }
                    tbody {
                        @for o in &observations { tr {
                            td { (at_facility(zone, o.record.effective_at)) }
                            td { code { (o.record.code) } }
                            td { (o.record.description.as_deref().unwrap_or("")) }
                            td { (observation_value(&o.record.value)) }
                        } }
                        @if c.observations.is_empty() { (empty_row(4)) }
                    }
                }
                (trends(&c.observations, zone, print))
                (pager("observations", "results", c.observations.len(), observation_page, observation_pages, |n| link(encounter_page, n)))
            }))
        }
        @if chart.shows(DataCategory::Medications) {
            (part("medications", "Medications", c.medications.len(), open(c.medications.len()), html! {
                (add("medications", "Add a medication"))
            }, html! {
                table { thead { tr { th { "Started" } th { "Medication" } th { "Status" } th { "Dosage" } } }
                    tbody {
                        @for m in c.medications.iter().rev() { tr {
                            td { (at_facility(zone, m.record.start_at)) }
                            td { (m.record.description) " " code { (m.record.code) } }
                            td { (words(&m.record.status)) }
                            td { (m.record.dosage.as_deref().unwrap_or("")) }
                        } }
                        @if c.medications.is_empty() { (empty_row(4)) }
                    }
                }
            }))
        }
        @if chart.shows(DataCategory::Allergies) {
            (part("allergies", "Allergies", c.allergies.len(), open(c.allergies.len()), html! {
                (add("allergies", "Add an allergy"))
            }, html! {
                table { thead { tr { th { "Substance" } th { "Category" } th { "Reaction" } th { "Status" } } }
                    tbody {
                        @for a in &c.allergies { tr {
                            td { (a.record.substance) }
                            td { (words(&a.record.category)) }
                            td { (a.record.reaction.as_deref().unwrap_or("")) }
                            td { (words(&a.record.status)) }
                        } }
                        @if c.allergies.is_empty() { (empty_row(4)) }
                    }
                }
            }))
        }
        @if chart.shows(DataCategory::Problems) {
            (part("problems", "Problem list", c.problems.len(), open(c.problems.len()), html! {
                (add("problems", "Add a problem"))
            }, html! {
                table { thead { tr { th { "Code" } th { "Problem" } th { "Status" } } }
                    tbody {
                        @for p in &c.problems { tr {
                            td { code { (p.record.code) } }
                            td { (p.record.description) }
                            td { (words(&p.record.status)) }
                        } }
                        @if c.problems.is_empty() { (empty_row(3)) }
                    }
                }
            }))
        }
        @if chart.shows(DataCategory::Notes) {
            (part("notes", "Clinical notes", c.notes.len(), print || c.notes.len() <= COLLAPSE_NOTES_OVER, html! {
                @if can_write_notes { p { a.button href={ "/patients/" (c.patient.meta.id) "/notes/new" } { "Write a note" } } }
            }, html! {
                @for n in c.notes.iter().rev() {
                    article.note {
                        header {
                            strong { (n.record.note_type.label()) } " · " (at_facility(zone, n.record.authored_at))
                            @if let Some(encounter) = n.record.encounter_id { " · encounter of " (encounter_day(Some(encounter.0))) }
                            @match n.record.signed_at {
                                Some(at) => { " · signed " (at_facility(zone, at)) }
                                None => { " · " span.flag { "UNSIGNED" } }
                            }
                        }
                        p.note-text { (n.record.text) }
                    }
                }
                @if c.notes.is_empty() { p { "None recorded." } }
            }))
        }
        @if chart.shows(DataCategory::Billing) {
            (part("billing", "Charges and balance", c.charges.len(), open(c.charges.len()), html! {
                p { a.button href={ "/patients/" (c.patient.meta.id) "/ledger" } { "Ledger and postings" } }
                p { "Charges " (money(c.balance.charges_cents)) ", payments " (money(c.balance.payments_cents))
                    ", adjustments " (money(c.balance.adjustments_cents)) "; " strong { "balance " (money(c.balance.balance_cents)) } }
            }, html! {
                table { thead { tr { th { "Service date" } th { "Code" } th { "Description" } th { "Amount" } } }
                    tbody {
                        @for ch in c.charges.iter().rev() { tr {
                            td { (day(ch.record.service_date)) }
                            td { code { (ch.record.code.as_deref().unwrap_or("")) } }
                            td { (ch.record.description) }
                            td.num { (money(ch.record.amount_cents)) }
                        } }
                        @if c.charges.is_empty() { (empty_row(4)) }
                    }
                }
            }))
        }
    }
}

/// Tests charted as trends: the most measured numeric ones, each over its latest values.
const TRENDS: usize = 4;
const TREND_POINTS: usize = 30;

/// One test's trend: its LOINC and unit, its (day, value) points oldest first, its name.
type Trend<'a> = ((&'a str, &'a str), Vec<(String, f64)>, &'a str);

/// Line charts of the numeric results measured at least three times (the four most
/// measured tests, each in its unit, over its latest 30 values), behind a toggle.
fn trends(
    observations: &[store::Stored<records::Observation>],
    zone: &crate::zone::FacilityZone,
    print: bool,
) -> Markup {
    // Per test (LOINC and unit, oldest first): the values, the days and its name.
    let mut tests: Vec<Trend<'_>> = Vec::new();
    for o in observations {
        let ObservationValue::Quantity {
            value_number,
            value_unit,
        } = &o.record.value
        else {
            continue;
        };
        let key = (o.record.code.as_str(), value_unit.as_deref().unwrap_or(""));
        let point = (
            super::text::day_at(zone, o.record.effective_at),
            *value_number,
        );
        match tests.iter_mut().find(|(k, _, _)| *k == key) {
            Some((_, points, _)) => points.push(point),
            None => tests.push((
                key,
                vec![point],
                o.record.description.as_deref().unwrap_or(key.0),
            )),
        }
    }
    tests.retain(|(_, points, _)| points.len() >= 3);
    tests.sort_by_key(|(_, points, _)| std::cmp::Reverse(points.len()));
    tests.truncate(TRENDS);
    html! {
        @if !tests.is_empty() {
            details.trends open[print] {
                summary { "Trends (" (tests.len()) " tests)" }
                @for ((code, unit), points, name) in &tests {
                    @let latest: Vec<&(String, f64)> = points.iter().skip(points.len().saturating_sub(TREND_POINTS)).collect();
                    @let title = format!("{name} ({code}){}", if unit.is_empty() { String::new() } else { format!(", {unit}") });
                    @let days: Vec<String> = latest.iter().map(|(day, _)| day.clone()).collect();
                    (super::svg_chart::chart(&title, &days, &[super::svg_chart::Series {
                        name: (*name).to_owned(),
                        values: latest.iter().map(|(_, value)| Some(*value)).collect(),
                    }], true))
                }
            }
        }
    }
}

fn observation_value(value: &ObservationValue) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::Object(map)) => {
            if let Some(number) = map.get("value_number") {
                let unit = map.get("value_unit").and_then(|u| u.as_str()).unwrap_or("");
                format!("{number} {unit}").trim().to_owned()
            } else if let Some(code) = map.get("value_code").and_then(|c| c.as_str()) {
                map.get("value_display")
                    .and_then(|d| d.as_str())
                    .unwrap_or(code)
                    .to_owned()
            } else {
                map.values()
                    .filter_map(|v| v.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        }
        _ => String::new(),
    }
}
