//! `chartroom codes build-pcs`: the ICD-10-PCS builder on the command line, asking on a
//! terminal for each axis the statement leaves open (only the values a table row allows).

use std::io::{BufRead, IsTerminal, Write};

use anyhow::Result;
use codes::{CodeSets, PcsBuild, PcsBuildRequest, PcsQuestion};
use time::Date;

use super::answer_arg;
use crate::output;

/// Builds, asks while on a terminal, and prints the result.
pub(super) fn build(
    sets: &CodeSets,
    statement: String,
    dos: Date,
    answers: &[String],
    json: bool,
) -> Result<()> {
    let mut req = PcsBuildRequest {
        statement,
        answers: answers
            .iter()
            .map(|a| answer_arg(a, "AXIS=VALUE"))
            .collect::<Result<_>>()?,
    };
    let mut built = sets.build_pcs(&req, dos)?;
    let interactive = !json && std::io::stdin().is_terminal();
    while interactive && let Some(q) = &built.question {
        let Some(answer) = ask(q)? else { break };
        req.answers.push((q.id.clone(), answer));
        built = sets.build_pcs(&req, dos)?;
    }
    if json {
        return output::json(&built);
    }
    print(&built);
    Ok(())
}

/// Asks one question; an empty line (or end of input) leaves it open.
fn ask(q: &PcsQuestion) -> Result<Option<String>> {
    print_question(q);
    loop {
        print!("answer (empty to stop): ");
        std::io::stdout().flush()?;
        let mut line = String::new();
        if std::io::stdin().lock().read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let line = line.trim();
        if line.is_empty() {
            return Ok(None);
        }
        if q.choices.iter().any(|c| {
            c.value.to_string().eq_ignore_ascii_case(line) || c.label.eq_ignore_ascii_case(line)
        }) {
            return Ok(Some(line.to_string()));
        }
        crate::say!("{line:?} is not one of the values offered");
    }
}

fn print_question(q: &PcsQuestion) {
    crate::say!("{}", q.prompt);
    for c in &q.choices {
        let mark = if c.suggested { "*" } else { " " };
        crate::say!("  {mark} {}  {}", c.value, c.label);
        if !c.definition.is_empty() {
            crate::say!("       {}", c.definition);
        }
    }
}

fn print(b: &PcsBuild) {
    crate::say!("{} ({})", b.statement, b.release);
    for a in &b.axes {
        crate::say!("  {} {:<12} {} {}", a.position, a.axis, a.value, a.label);
    }
    match (&b.code, &b.description) {
        (Some(code), Some(description)) => crate::say!("code {code}: {description}"),
        _ => {
            if let Some(q) = &b.question {
                crate::say!("open: {}", q.id);
                print_question(q);
                for c in q.choices.iter().take(3) {
                    crate::say!("  e.g. --answer {}={}", q.id, c.value);
                }
            }
        }
    }
    crate::say!("how:");
    for s in &b.steps {
        crate::say!("  [{:?}] {} ({})", s.kind, s.text, s.source);
    }
}
