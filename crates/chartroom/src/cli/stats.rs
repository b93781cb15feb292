//! `chartroom stats`, and the text rendering of a chart.

use crate::output;
use anyhow::Result;
use store::{PatientSummary, Store};

pub fn run(store: &Store, json: bool) -> Result<()> {
    let stats = store.read(|tx| tx.stats())?;
    if json {
        return output::json(&stats);
    }
    crate::say!("Records store: {}\n", store.location().label());
    let rows: Vec<Vec<String>> = stats
        .records
        .iter()
        .map(|(kind, n)| vec![kind.clone(), output::count(*n as u64)])
        .collect();
    output::table(&["records", "count"], &rows);
    crate::say!();
    crate::say!(
        "Unsigned notes:              {}",
        output::count(stats.unsigned_notes as u64)
    );
    crate::say!(
        "Patients without insurance:  {}",
        output::count(stats.patients_without_coverage as u64)
    );
    crate::say!(
        "Charges:                     {}",
        output::money(stats.balance.charges_cents)
    );
    crate::say!(
        "Payments:                    {}",
        output::money(stats.balance.payments_cents)
    );
    crate::say!(
        "Adjustments:                 {}",
        output::money(stats.balance.adjustments_cents)
    );
    crate::say!(
        "Open balance:                {}",
        output::money(stats.balance.balance_cents)
    );
    Ok(())
}

fn section(title: &str, n: usize) {
    crate::say!("\n{title} ({n})");
}

pub fn print_chart(chart: &PatientSummary) {
    let p = &chart.patient.record;
    crate::say!(
        "{}   MRN {} ({})   record {}",
        p.display_name(),
        p.mrn,
        p.mrn_authority,
        chart.patient.meta.id
    );
    crate::say!(
        "Born {}   sex {}{}",
        p.birth_date,
        p.sex.code(),
        p.deceased_date
            .map(|d| format!("   died {d}"))
            .unwrap_or_default()
    );
    let address: Vec<&str> = [
        &p.address.line1,
        &p.address.city,
        &p.address.state,
        &p.address.postal_code,
    ]
    .iter()
    .filter_map(|part| part.as_deref())
    .collect();
    if !address.is_empty() {
        crate::say!("{}", address.join(", "));
    }
    section("Insurance", chart.coverages.len());
    for c in &chart.coverages {
        let end = c
            .record
            .effective_end
            .map(|d| d.to_string())
            .unwrap_or_else(|| "open".into());
        crate::say!(
            "  {:?} payer {} member {} from {} to {end}",
            c.record.coverage_order,
            c.record.payer_id,
            c.record.member_id,
            c.record.effective_start
        );
    }
    section("Encounters", chart.encounters.len());
    for e in &chart.encounters {
        crate::say!(
            "  #{} {} {} {:?} {}",
            e.meta.id,
            e.record.admit_at.date(),
            e.record.class.as_str(),
            e.record.status,
            e.record.reason.as_deref().unwrap_or("")
        );
    }
    section("Diagnoses", chart.diagnoses.len());
    for d in &chart.diagnoses {
        crate::say!(
            "  enc #{} {:8} {:?} POA {:?} {}",
            d.record.encounter_id,
            d.record.code,
            d.record.rank,
            d.record.poa,
            d.record.description.as_deref().unwrap_or("")
        );
    }
    section("Problems", chart.problems.len());
    for pr in &chart.problems {
        crate::say!(
            "  {} {} {:?} {}",
            pr.record.code_system,
            pr.record.code,
            pr.record.status,
            pr.record.description
        );
    }
    section("Procedures", chart.procedures.len());
    for pr in &chart.procedures {
        crate::say!(
            "  {} {} {} {}",
            pr.record.performed_at.date(),
            pr.record.code_system.as_str(),
            pr.record.code,
            pr.record.description.as_deref().unwrap_or("")
        );
    }
    section("Immunizations", chart.immunizations.len());
    for i in &chart.immunizations {
        crate::say!(
            "  {} CVX {:4} {:?} {}",
            i.record.administered_at.date(),
            i.record.cvx,
            i.record.status,
            i.record.description.as_deref().unwrap_or("")
        );
    }
    section("Observations", chart.observations.len());
    for o in chart.observations.iter().rev().take(10) {
        let value = match &o.record.value {
            records::ObservationValue::Quantity {
                value_number,
                value_unit,
            } => format!("{value_number} {}", value_unit.as_deref().unwrap_or("")),
            records::ObservationValue::Coded {
                value_code,
                value_display,
            } => value_display.clone().unwrap_or_else(|| value_code.clone()),
            records::ObservationValue::Text { value_text } => value_text.clone(),
        };
        crate::say!(
            "  {} {:8} {} = {value}",
            o.record.effective_at.date(),
            o.record.code,
            o.record.description.as_deref().unwrap_or("")
        );
    }
    section("Medications", chart.medications.len());
    for m in &chart.medications {
        crate::say!(
            "  {} {:?} {}",
            m.record.start_at.date(),
            m.record.status,
            m.record.description
        );
    }
    section("Allergies", chart.allergies.len());
    for a in &chart.allergies {
        crate::say!(
            "  {} ({:?}) {}",
            a.record.substance,
            a.record.category,
            a.record.reaction.as_deref().unwrap_or("")
        );
    }
    section("Notes", chart.notes.len());
    for n in &chart.notes {
        let signed = n
            .record
            .signed_at
            .map(|at| format!("signed {}", at.date()))
            .unwrap_or_else(|| "UNSIGNED".into());
        crate::say!(
            "  {} {} {signed}",
            n.record.authored_at.date(),
            n.record.note_type.label()
        );
    }
    crate::say!(
        "\nAccount: charges {}  payments {}  adjustments {}  balance {}",
        output::money(chart.balance.charges_cents),
        output::money(chart.balance.payments_cents),
        output::money(chart.balance.adjustments_cents),
        output::money(chart.balance.balance_cents)
    );
}
