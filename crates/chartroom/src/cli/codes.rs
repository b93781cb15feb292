//! `chartroom codes …`: search, show and validate codes on a date of service, import a new
//! release file, and list the loaded releases.
//!
//! The code sets come from the `codes` crate (embedded data plus releases imported into
//! `<data dir>/codes/`); this module only parses arguments and prints.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use codes::{CodeSets, EncodeRequest, Encoding, ImportRequest, Patient, Question, Sex, System};
use store::Clock;
use time::Date;

use crate::cli::audited::CliAuditor;
use crate::config::StorageArgs;
use crate::output;

/// Code-set commands.
#[derive(Debug, Subcommand)]
pub enum CodesCmd {
    /// Typeahead search over codes, titles, synonyms and index terms.
    Search {
        /// What to look for: words, abbreviations ("diab mell neph") or a code prefix.
        query: Vec<String>,
        /// Code system: icd10cm, icd10pcs, hcpcs, cvx, cpt.
        #[arg(long, short = 's', default_value = "icd10cm")]
        system: String,
        /// Date of service (YYYY-MM-DD); today when absent.
        #[arg(long)]
        date: Option<String>,
        /// Maximum number of results.
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Search the ICD-10-CM Alphabetic Index, Drug, Neoplasm and External Cause index
        /// terms instead of codes.
        #[arg(long)]
        index: bool,
    },
    /// Show a code: title, hierarchy, notes, 7th characters, release history.
    Show {
        /// The code, with or without its dot.
        code: String,
        /// Code system: icd10cm, icd10pcs, hcpcs, cvx, cpt.
        #[arg(long, short = 's', default_value = "icd10cm")]
        system: String,
        /// Date of service (YYYY-MM-DD); today when absent.
        #[arg(long)]
        date: Option<String>,
    },
    /// Validate codes on a date of service, optionally against the patient's sex and age.
    Validate {
        /// One or more codes.
        #[arg(required = true)]
        codes: Vec<String>,
        /// Code system: icd10cm, icd10pcs, hcpcs, cvx, cpt.
        #[arg(long, short = 's', default_value = "icd10cm")]
        system: String,
        /// Date of service (YYYY-MM-DD); today when absent.
        #[arg(long)]
        date: Option<String>,
        #[command(flatten)]
        patient: PatientArgs,
    },
    /// Encode a diagnostic statement: walk the Alphabetic Index, verify in the Tabular List,
    /// and explain each step; missing detail (laterality, episode of care) is asked.
    Encode {
        /// The statement as written ("type 2 diabetes with diabetic chronic kidney disease").
        statement: Vec<String>,
        /// Date of service (YYYY-MM-DD); today when absent.
        #[arg(long)]
        date: Option<String>,
        #[command(flatten)]
        patient: PatientArgs,
        /// An answer to a question, as QUESTION=VALUE (e.g. M77.1=M77.11 or S93.402=A);
        /// repeat for several. On a terminal, open questions are asked instead.
        #[arg(long = "answer", value_name = "QUESTION=VALUE")]
        answers: Vec<String>,
    },
    /// Coding edits on an encounter's diagnosis codes, first-listed first: invalid or header
    /// codes, duplicates, Excludes1 pairs, manifestation first, missing code-first /
    /// use-additional partners, external cause first, MCE sex and age; each with its source.
    /// Given one number, the stored encounter with that id is read (its diagnoses in
    /// sequence, their POA indicators, the patient's sex and age, the admission's date; an
    /// inpatient stay also gets the POA and principal-diagnosis rules), audited as a read.
    Edits {
        /// An encounter id, or the diagnosis codes as listed on the claim.
        #[arg(required = true, value_name = "ENCOUNTER|CODES")]
        codes: Vec<String>,
        /// Date of service (YYYY-MM-DD); today when absent.
        #[arg(long)]
        date: Option<String>,
        #[command(flatten)]
        patient: PatientArgs,
    },
    /// Build an ICD-10-PCS code axis by axis (section, body system, root operation, body
    /// part, approach, device, qualifier) from a procedure statement, offering only the
    /// values a table row allows; what the statement does not say is asked.
    BuildPcs {
        /// The procedure statement ("laparoscopic appendectomy"); may be empty.
        statement: Vec<String>,
        /// Date of service (YYYY-MM-DD); today when absent.
        #[arg(long)]
        date: Option<String>,
        /// An answer, as AXIS=VALUE (e.g. approach=4, qualifier=Z, or 5=4); repeat for
        /// several. On a terminal, open questions are asked instead.
        #[arg(long = "answer", value_name = "AXIS=VALUE")]
        answers: Vec<String>,
    },
    /// The terminology helper: every meaning of each abbreviation ("MS"), the Index term a
    /// lay name leads to ("heart attack"), words split into their parts
    /// ("cholecystectomy"), and the nearest Alphabetic Index terms.
    Term {
        /// A term, abbreviation or phrase.
        #[arg(required = true)]
        text: Vec<String>,
    },
    /// Import a release file in the publisher's format without a rebuild.
    Import {
        /// The file: ICD-10-CM tabular XML, ICD-10-PCS tables XML, HCPCS fixed-width,
        /// CVX (CDC pipe-delimited), or CPT (code<TAB>description); gzip is fine.
        file: PathBuf,
        /// Code system of the file.
        #[arg(long, short = 's')]
        system: String,
        /// ICD-10-CM: the CMS order file, authoritative for billable codes and titles.
        #[arg(long)]
        order: Option<PathBuf>,
        /// ICD-10-CM: a flat code list (one code per line).
        #[arg(long)]
        code_list: Option<PathBuf>,
        /// Release name (default: derived from the file, e.g. FY2027).
        #[arg(long)]
        name: Option<String>,
        /// First date of service of the release (default: derived where the format allows).
        #[arg(long)]
        effective: Option<String>,
    },
    /// Import CMS NCCI files for the claim scrubber, in the publisher's formats: the
    /// practitioner PTP edits (`ccipra-v…-f1.txt` to `-f4.txt`, tab-delimited) and the
    /// Practitioner Services MUE table (CSV); gzip is fine. Each is checked whole (a bad row
    /// is named with its line) and kept in the data directory, replacing a file of the same
    /// name; `serve` reads them when it starts.
    ImportNcci {
        /// The files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// List the loaded releases and the dates they are in force.
    Releases,
}

fn date_arg(s: Option<&str>) -> Result<Date> {
    match s {
        Some(s) => {
            codes::parse_date(s).with_context(|| format!("--date {s:?} is not a date (YYYY-MM-DD)"))
        }
        None => Ok(store::SystemClock.now().date()),
    }
}

/// The patient facts that sex- and age-specific codes and the MCE edits need.
#[derive(Debug, Args)]
pub struct PatientArgs {
    /// Patient sex, for sex edits and sex-specific codes: F or M.
    #[arg(long)]
    sex: Option<String>,
    /// Patient age in years on the date of service, for age edits.
    #[arg(long)]
    age: Option<u16>,
}

impl PatientArgs {
    fn patient(&self) -> Result<Patient> {
        let sex = match self.sex.as_deref().map(str::to_ascii_uppercase).as_deref() {
            None => None,
            Some("F" | "FEMALE") => Some(Sex::Female),
            Some("M" | "MALE") => Some(Sex::Male),
            Some(other) => bail!("--sex {other:?}: expected F or M"),
        };
        Ok(Patient {
            sex,
            age_years: self.age,
        })
    }
}

/// Reads one `--answer KEY=VALUE`.
fn answer_arg(a: &str, shape: &str) -> Result<(String, String)> {
    a.split_once('=')
        .map(|(q, v)| (q.trim().to_string(), v.trim().to_string()))
        .with_context(|| format!("--answer {a:?}: expected {shape}"))
}

fn system_arg(s: &str) -> Result<System> {
    Ok(s.parse::<System>()?)
}

/// Runs a `codes` subcommand against the code sets for `data_dir`.
pub fn run(cmd: CodesCmd, json: bool, storage: &StorageArgs) -> Result<()> {
    let data_dir = storage.data_dir.as_path();
    // The built ICD-10-CM search index is kept in `<data dir>/cache/`, so a search does
    // not build it again on every call.
    // The process ends with the command, so the decoded code sets (millions of small
    // allocations, tens of milliseconds to free) are left to the operating system.
    let mut sets = std::mem::ManuallyDrop::new(
        CodeSets::open(data_dir)
            .context("loading code sets")?
            .with_search_cache(&data_dir.join(codes::search_cache::CACHE_DIR)),
    );
    match cmd {
        CodesCmd::Search {
            query,
            index: true,
            limit,
            ..
        } => {
            let hits = sets.search_index(&query.join(" "), limit)?;
            if json {
                return output::json(&hits);
            }
            for h in &hits {
                let mut line = format!("[{:?}] {}", h.kind, h.path);
                if !h.code.is_empty() {
                    line.push_str(&format!(" → {}", h.code));
                }
                if !h.see.is_empty() {
                    line.push_str(&format!(" (see {})", h.see));
                }
                if !h.see_also.is_empty() {
                    line.push_str(&format!(" (see also {})", h.see_also));
                }
                crate::say!("{line}");
                for (head, code) in &h.cells {
                    crate::say!("    {head}: {code}");
                }
            }
        }
        CodesCmd::Search {
            query,
            system,
            date,
            limit,
            index: false,
        } => {
            let system = system_arg(&system)?;
            let dos = date_arg(date.as_deref())?;
            if system == System::Icd10Cm {
                sets.prepare_cm_search(dos);
            }
            let hits = sets.search(system, &query.join(" "), dos, limit)?;
            report_cache(&sets);
            if json {
                return output::json(&hits);
            }
            let rows: Vec<Vec<String>> = hits
                .iter()
                .map(|h| {
                    vec![
                        h.code.clone(),
                        if h.billable {
                            "yes".into()
                        } else {
                            "no".into()
                        },
                        match &h.matched {
                            Some(m) => format!("{} (matched: {m})", h.title),
                            None => h.title.clone(),
                        },
                    ]
                })
                .collect();
            output::table(&["CODE", "BILLABLE", "TITLE"], &rows);
        }
        CodesCmd::Show { code, system, date } => {
            let system = system_arg(&system)?;
            let dos = date_arg(date.as_deref())?;
            let d = sets.show(system, &code, dos)?;
            if json {
                return output::json(&d);
            }
            crate::say!("{} {}", d.code, d.title);
            if let Some(s) = &d.short {
                crate::say!("  short: {s}");
            }
            crate::say!(
                "  system {} release {} · billable: {}",
                d.system,
                d.release,
                if d.billable { "yes" } else { "no" }
            );
            for (depth, h) in d.hierarchy.iter().enumerate() {
                crate::say!("  {}{} {}", "  ".repeat(depth), h.code, h.title);
            }
            for (k, v) in &d.facts {
                crate::say!("  {k}: {v}");
            }
            if !d.children.is_empty() {
                crate::say!("children:");
                for c in d.children.iter().take(40) {
                    crate::say!("  {} {}", c.code, c.title);
                }
                if d.children.len() > 40 {
                    crate::say!("  … {} more", d.children.len() - 40);
                }
            }
            if !d.seventh_characters.is_empty() {
                crate::say!("7th characters:");
                for (c, t) in &d.seventh_characters {
                    crate::say!("  {c} {t}");
                }
            }
            if !d.notes.is_empty() {
                crate::say!("notes:");
                for n in &d.notes {
                    crate::say!("  [{:?} at {}] {}", n.note.kind, n.from, n.note.text);
                }
            }
            let hist: Vec<String> = d
                .history
                .iter()
                .map(|(r, present)| format!("{r}: {}", if *present { "present" } else { "absent" }))
                .collect();
            crate::say!("history: {}", hist.join(", "));
        }
        CodesCmd::Validate {
            codes: list,
            system,
            date,
            patient,
        } => {
            let system = system_arg(&system)?;
            let dos = date_arg(date.as_deref())?;
            let patient = patient.patient()?;
            let results = list
                .iter()
                .map(|c| sets.validate(system, c, dos, &patient))
                .collect::<codes::Result<Vec<_>>>()?;
            if json {
                return output::json(&results);
            }
            for v in &results {
                let verdict = if v.valid { "valid" } else { "NOT valid" };
                crate::say!("{} ({} {}): {verdict}", v.code, v.system, v.release);
                if let Some(t) = &v.title {
                    crate::say!("  {t}");
                }
                for p in &v.problems {
                    crate::say!("  - {p}");
                }
                for e in v.edits.iter().filter(|e| !e.conflict) {
                    crate::say!("  note: {} ({})", e.message, e.source);
                }
                for e in v.edits.iter().filter(|e| e.conflict) {
                    crate::say!("  edit source: {}", e.source);
                }
                if !v.billable_children.is_empty() {
                    crate::say!("  billable codes below it:");
                    for c in &v.billable_children {
                        crate::say!("    {} {}", c.code, c.title);
                    }
                }
            }
        }
        CodesCmd::Encode {
            statement,
            date,
            patient,
            answers,
        } => {
            let dos = date_arg(date.as_deref())?;
            let mut req = EncodeRequest {
                statement: statement.join(" "),
                patient: patient.patient()?,
                answers: answers
                    .iter()
                    .map(|a| answer_arg(a, "QUESTION=VALUE"))
                    .collect::<Result<_>>()?,
            };
            let mut encoding = sets.encode(&req, dos)?;
            let interactive = !json && std::io::stdin().is_terminal();
            // Each answer can open the next question (a category, then its 7th character).
            while interactive && !encoding.questions.is_empty() {
                let before = req.answers.len();
                for q in &encoding.questions {
                    if let Some(answer) = ask(q)? {
                        req.answers.push((q.id.clone(), answer));
                    }
                }
                if req.answers.len() == before {
                    break;
                }
                encoding = sets.encode(&req, dos)?;
            }
            if json {
                return output::json(&encoding);
            }
            print_encoding(&encoding);
        }
        CodesCmd::Edits {
            codes: list,
            date,
            patient,
        } if encounter_arg(&list).is_some() => {
            if date.is_some() || patient.sex.is_some() || patient.age.is_some() {
                bail!(
                    "--date, --sex and --age are read from the stored encounter; give codes to set them"
                );
            }
            let id = encounter_arg(&list).unwrap_or_default();
            encounter_edits(&sets, storage, id, json)?;
        }
        CodesCmd::Edits {
            codes: list,
            date,
            patient,
        } => {
            let dos = date_arg(date.as_deref())?;
            let list: Vec<&str> = list.iter().map(String::as_str).collect();
            let edits = sets.coding_edits(&list, dos, &patient.patient()?)?;
            if json {
                return output::json(&edits);
            }
            print_edits(&edits, &list.join(" "));
        }
        CodesCmd::Term { text } => {
            let help = sets.terminology(&text.join(" "))?;
            if json {
                return output::json(&help);
            }
            print_term_help(&help);
        }
        CodesCmd::BuildPcs {
            statement,
            date,
            answers,
        } => {
            let dos = date_arg(date.as_deref())?;
            pcs::build(&sets, statement.join(" "), dos, &answers, json)?;
        }
        CodesCmd::Import {
            file,
            system,
            order,
            code_list,
            name,
            effective,
        } => {
            let effective_from = match effective.as_deref() {
                Some(s) => Some(
                    codes::parse_date(s)
                        .with_context(|| format!("--effective {s:?} is not a date"))?,
                ),
                None => None,
            };
            let req = ImportRequest {
                system: system_arg(&system)?,
                file,
                order,
                code_list,
                name,
                effective_from,
            };
            let info = sets.import(&req, data_dir)?;
            if json {
                return output::json(&info);
            }
            crate::say!(
                "imported {} {} ({} codes), in force from {}",
                info.system,
                info.name,
                info.codes,
                info.effective_from
            );
        }
        CodesCmd::ImportNcci { files } => {
            let mut imported = Vec::new();
            for file in &files {
                let done = CodeSets::import_ncci(file, data_dir)?;
                if !json {
                    crate::say!(
                        "imported {} ({} {} rows)",
                        file.display(),
                        done.rows,
                        match done.kind {
                            codes::ncci::NcciKind::Ptp => "PTP",
                            codes::ncci::NcciKind::Mue => "MUE",
                        }
                    );
                }
                imported.push(done);
            }
            let all = CodeSets::open(data_dir)?;
            let (pairs, mues) = all.ncci()?.map_or((0, 0), codes::ncci::Ncci::counts);
            if json {
                return output::json(&serde_json::json!({
                    "imported": imported,
                    "ptp_edits": pairs,
                    "mue_codes": mues,
                }));
            }
            crate::say!("NCCI edits now on file: {pairs} PTP pairs, {mues} MUE codes");
        }
        CodesCmd::Releases => {
            let rel = sets.releases();
            if json {
                return output::json(&rel);
            }
            let rows: Vec<Vec<String>> = rel
                .iter()
                .map(|r| {
                    vec![
                        r.system.to_string(),
                        r.name.clone(),
                        if r.effective_from == Date::MIN {
                            "always".into()
                        } else {
                            r.effective_from.to_string()
                        },
                        r.effective_to.map_or_else(|| "-".into(), |d| d.to_string()),
                        r.codes.to_string(),
                        format!("{:?}", r.origin).to_lowercase(),
                        r.source.clone(),
                    ]
                })
                .collect();
            output::table(
                &[
                    "SYSTEM", "RELEASE", "FROM", "TO", "CODES", "ORIGIN", "SOURCE",
                ],
                &rows,
            );
        }
    }
    Ok(())
}

/// Says on stderr when the search cache was damaged (and rebuilt) or could not be written;
/// the answer itself never depends on it.
fn report_cache(sets: &CodeSets) {
    for event in sets.cache_events() {
        match event {
            codes::search_cache::CacheOutcome::Rebuilt(m)
            | codes::search_cache::CacheOutcome::NotWritten(m) => eprintln!("chartroom: {m}"),
            _ => {}
        }
    }
}

/// The encounter id when the only argument is a number (codes always start with a letter).
fn encounter_arg(list: &[String]) -> Option<i64> {
    match list {
        [one] if one.bytes().all(|b| b.is_ascii_digit()) => one.parse().ok(),
        _ => None,
    }
}

/// `codes edits ENCOUNTER`: the stored encounter's coding edits (diagnoses, then
/// procedures), shown once the read of the patient's encounters, diagnoses and procedures
/// is audited.
fn encounter_edits(sets: &CodeSets, storage: &StorageArgs, id: i64, json: bool) -> Result<()> {
    let store = storage.open()?;
    let coding = store
        .read(|tx| review::read_encounter_coding(tx, id))
        .with_context(|| format!("reading encounter {id}"))?;
    let edits = review::encounter_coding_edits(sets, &coding)
        .with_context(|| format!("coding edits of encounter {id}"))?;
    CliAuditor::open(storage)?.shown(
        &store,
        &[coding.patient.meta.id],
        &[
            privacy::DataCategory::Demographics,
            privacy::DataCategory::Encounters,
            privacy::DataCategory::Diagnoses,
            privacy::DataCategory::Procedures,
        ],
        &format!("coding edits of encounter {id}"),
    )?;
    if json {
        return output::json(&edits);
    }
    let listed: Vec<String> = edits
        .diagnoses
        .iter()
        .map(|d| match &d.poa {
            Some(poa) => format!("{} (POA {poa})", d.code),
            None => d.code.clone(),
        })
        .collect();
    crate::say!(
        "encounter {} of patient {} on {} ({:?}): {}",
        edits.encounter_id,
        edits.patient_id,
        edits.date_of_service,
        edits.setting,
        if listed.is_empty() {
            "no diagnoses".to_owned()
        } else {
            listed.join(", ")
        }
    );
    print_edits(&edits.edits, &listed.join(" "));
    if edits.procedures.is_empty() {
        crate::say!("procedures: none billable");
        return Ok(());
    }
    let procedures: Vec<String> = edits
        .procedures
        .iter()
        .map(|p| {
            let mut shown = p.code.clone();
            if !p.modifiers.is_empty() {
                shown = format!("{shown}-{}", p.modifiers.join("-"));
            }
            if p.units > 1 {
                shown = format!("{shown} ×{}", p.units);
            }
            format!("{shown} on {}", p.date)
        })
        .collect();
    crate::say!("procedures: {}", procedures.join(", "));
    print_edits(&edits.procedure_edits, &procedures.join(" "));
    Ok(())
}

fn print_edits(edits: &[codes::CodingEdit], listed: &str) {
    if edits.is_empty() {
        crate::say!("no coding edits for {listed}");
    }
    for e in edits {
        crate::say!("{:?} [{}] {}", e.severity, e.rule, e.message);
        crate::say!("  source: {}", e.source);
    }
}

fn print_term_help(help: &codes::TermHelp) {
    for m in &help.abbreviations {
        let read = if m.expands { "  (read as this)" } else { "" };
        crate::say!(
            "{}: {} [{}]{read}",
            m.abbreviation.to_uppercase(),
            m.meaning,
            m.kind
        );
    }
    for l in &help.lay_names {
        crate::say!("\"{}\" → Index: {} → {}", l.lay, l.index_path, l.code);
    }
    for w in &help.word_parts {
        let parts: Vec<String> = w
            .parts
            .iter()
            .map(|p| format!("{} ({:?}: {})", p.part, p.kind, p.meaning).to_lowercase())
            .collect();
        crate::say!("{} = {}", w.word, parts.join(" + "));
    }
    for t in &help.index_terms {
        crate::say!("index: {t}");
    }
    if help.abbreviations.is_empty()
        && help.lay_names.is_empty()
        && help.word_parts.is_empty()
        && help.index_terms.is_empty()
    {
        crate::say!("nothing known about {:?}", help.text);
    }
}

/// Asks one question on the terminal; an empty line leaves it open.
fn ask(q: &Question) -> Result<Option<String>> {
    crate::say!("{}", q.prompt);
    for c in &q.choices {
        crate::say!("  {:<8} {} {}", c.value, c.code, c.label);
    }
    loop {
        print!("answer (empty to leave open): ");
        std::io::stdout().flush()?;
        let mut line = String::new();
        if std::io::stdin().lock().read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let line = line.trim();
        if line.is_empty() {
            return Ok(None);
        }
        if q.choices.iter().any(|c| c.value.eq_ignore_ascii_case(line)) {
            return Ok(Some(line.to_string()));
        }
        crate::say!("{line:?} is not one of the choices");
    }
}

fn print_encoding(e: &Encoding) {
    crate::say!("{} ({})", e.statement, e.release);
    for c in &e.codes {
        let mark = if c.billable { "" } else { "  (incomplete)" };
        crate::say!("  {} {}{mark}", c.code, c.title);
    }
    if e.codes.is_empty() {
        crate::say!("  no index entry");
        for n in &e.nearest {
            crate::say!("    nearest: {n}");
        }
    }
    for q in &e.questions {
        crate::say!("question {}: {}", q.id, q.prompt);
        for c in &q.choices {
            crate::say!("  --answer {}={}   {} {}", q.id, c.value, c.code, c.label);
        }
    }
    crate::say!("how:");
    for s in &e.steps {
        crate::say!("  [{:?}] {} ({})", s.kind, s.text, s.source);
    }
}

mod pcs;
#[cfg(test)]
mod tests;
