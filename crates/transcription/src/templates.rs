//! Note templates (data: `data/templates.toml`): the sections of each dictated note type,
//! which are required, and how a provider says each heading; a draft laid into its
//! template; a text read back into sections, with the empty required ones named.
//!
//! Invariants:
//! - The templates are checked whole when read: every note type a provider may dictate has
//!   exactly one, section names are unique within it, each has a required section; every
//!   problem is reported with the template it is in.
//! - A laid-out text is headings (`NAME:` on a line of its own) each followed by its text,
//!   so reading it back gives the same sections, and a transcriptionist's edit keeps the
//!   structure as long as the headings stay.

use records::NoteType;
use serde::Deserialize;

/// The note types a provider may dictate, in the order a form offers them.
pub const DICTATED_TYPES: &[NoteType] = &[
    NoteType::HistoryAndPhysical,
    NoteType::Progress,
    NoteType::Consultation,
    NoteType::OperativeReport,
    NoteType::DischargeSummary,
    NoteType::RadiologyReport,
];

/// The name of a dictated note type as typed (`discharge_summary`).
pub fn type_name(note_type: NoteType) -> &'static str {
    match note_type {
        NoteType::HistoryAndPhysical => "history_and_physical",
        NoteType::Progress => "progress",
        NoteType::Consultation => "consultation",
        NoteType::OperativeReport => "operative_report",
        NoteType::DischargeSummary => "discharge_summary",
        NoteType::RadiologyReport => "radiology_report",
        NoteType::EmergencyDepartment => "emergency_department",
        NoteType::Telehealth => "telehealth",
        NoteType::Other => "other",
    }
}

/// The dictated note type named `name`, or a message listing the ones there are.
pub fn parse_type(name: &str) -> Result<NoteType, String> {
    let wanted = name.trim().to_ascii_lowercase().replace(['-', ' '], "_");
    DICTATED_TYPES
        .iter()
        .copied()
        .find(|t| type_name(*t) == wanted)
        .ok_or_else(|| {
            let names: Vec<&str> = DICTATED_TYPES.iter().map(|t| type_name(*t)).collect();
            format!(
                "unknown note type {name:?} for a dictation; one of {}",
                names.join(", ")
            )
        })
}

/// One section of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Its heading ("Hospital course").
    pub name: String,
    /// Whether the note is incomplete without it.
    pub required: bool,
    /// The heading and the other ways it is said, each as normalised words.
    spoken: Vec<Vec<String>>,
}

/// The template of one note type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// The note type.
    pub note_type: NoteType,
    /// Its sections in order.
    pub sections: Vec<Section>,
}

/// Every template, and the department's shortcuts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Templates {
    templates: Vec<Template>,
    shortcuts: Vec<(String, String)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileTemplates {
    template: Vec<FileTemplate>,
    /// `.nkda = "No known drug allergies."`: what the editor expands as it is typed.
    #[serde(default)]
    shortcuts: std::collections::BTreeMap<toml::Spanned<String>, String>,
}

/// The longest expansion a shortcut may have.
const EXPANSION_LEN: usize = 1_000;

/// A shortcut's name: a dot, then 1 to 20 lower-case letters or digits.
fn is_shortcut_name(name: &str) -> bool {
    name.strip_prefix('.').is_some_and(|rest| {
        (1..=20).contains(&rest.len())
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileTemplate {
    note_type: toml::Spanned<String>,
    section: Vec<FileSection>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSection {
    name: toml::Spanned<String>,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    spoken: Vec<String>,
}

/// The templates Chartroom ships.
pub const DEFAULT_TEMPLATES: &str = include_str!("../data/templates.toml");

/// Lower-case words with punctuation and hyphens dropped: how headings and recognised
/// text are compared.
pub fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == '-' || c == '/')
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric() || *c == '\'')
                .collect::<String>()
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

impl Templates {
    /// The shipped templates.
    pub fn defaults() -> Result<Self, Vec<String>> {
        Self::parse(DEFAULT_TEMPLATES)
    }

    /// A facility's templates file (`path`) instead of the shipped ones; every problem is
    /// returned naming the file and its line.
    pub fn from_file(path: &std::path::Path) -> Result<Self, Vec<String>> {
        let shown = path.display();
        let text = std::fs::read_to_string(path).map_err(|e| vec![format!("{shown}: {e}")])?;
        Self::parse(&text).map_err(|problems| {
            problems
                .into_iter()
                .map(|p| format!("{shown}: {p}"))
                .collect()
        })
    }

    /// Reads and checks a templates file; every problem is returned, each naming where
    /// (its line, and the template it is in).
    pub fn parse(text: &str) -> Result<Self, Vec<String>> {
        let line_of = |offset: usize| {
            text.get(..offset)
                .map_or(0, |head| head.matches('\n').count())
                + 1
        };
        let file: FileTemplates = toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map(|span| format!("line {}: ", line_of(span.start)));
            vec![format!(
                "{}{}",
                at.unwrap_or_default(),
                e.message().trim_end()
            )]
        })?;
        let mut problems = Vec::new();
        let mut templates: Vec<Template> = Vec::new();
        for (idx, raw) in file.template.iter().enumerate() {
            let at = format!(
                "line {}: template {} ({})",
                line_of(raw.note_type.span().start),
                idx + 1,
                raw.note_type.get_ref()
            );
            let note_type = match parse_type(raw.note_type.get_ref()) {
                Ok(t) => t,
                Err(e) => {
                    problems.push(format!("{at}: {e}"));
                    continue;
                }
            };
            if templates.iter().any(|t| t.note_type == note_type) {
                problems.push(format!(
                    "{at}: a second template for {}",
                    raw.note_type.get_ref()
                ));
            }
            let mut sections: Vec<Section> = Vec::new();
            for raw_section in &raw.section {
                let name = raw_section.name.get_ref().trim();
                let at = format!(
                    "line {}: template {} ({})",
                    line_of(raw_section.name.span().start),
                    idx + 1,
                    raw.note_type.get_ref()
                );
                if name.is_empty() || name.len() > 100 || name.contains(':') {
                    problems.push(format!(
                        "{at}: section {:?} needs a name of 1 to 100 characters without ':'",
                        raw_section.name.get_ref()
                    ));
                    continue;
                }
                if sections.iter().any(|s| s.name.eq_ignore_ascii_case(name)) {
                    problems.push(format!("{at}: section {name:?} appears twice"));
                }
                let mut spoken = vec![words_of(name)];
                for other in &raw_section.spoken {
                    let words = words_of(other);
                    if words.is_empty() {
                        problems.push(format!(
                            "{at}: section {name:?} has an empty spoken heading"
                        ));
                    } else {
                        spoken.push(words);
                    }
                }
                sections.push(Section {
                    name: name.to_owned(),
                    required: raw_section.required,
                    spoken,
                });
            }
            if !sections.iter().any(|s| s.required) {
                problems.push(format!("{at}: no section is required"));
            }
            templates.push(Template {
                note_type,
                sections,
            });
        }
        let mut shortcuts = Vec::new();
        for (name, expansion) in &file.shortcuts {
            let at = format!(
                "line {}: shortcut {:?}",
                line_of(name.span().start),
                name.get_ref()
            );
            if !is_shortcut_name(name.get_ref()) {
                problems.push(format!(
                    "{at}: a shortcut is a dot and 1 to 20 lower-case letters or digits (.nkda)"
                ));
            } else if expansion.trim().is_empty() || expansion.len() > EXPANSION_LEN {
                problems.push(format!(
                    "{at}: its text must have 1 to {EXPANSION_LEN} characters"
                ));
            } else {
                shortcuts.push((name.get_ref().clone(), expansion.trim().to_owned()));
            }
        }
        for wanted in DICTATED_TYPES {
            if !templates.iter().any(|t| t.note_type == *wanted) {
                problems.push(format!("no template for {}", type_name(*wanted)));
            }
        }
        if problems.is_empty() {
            Ok(Self {
                templates,
                shortcuts,
            })
        } else {
            Err(problems)
        }
    }

    /// Every word of every heading and of the ways it is said.
    pub fn heading_words(&self) -> Vec<String> {
        self.templates
            .iter()
            .flat_map(|t| &t.sections)
            .flat_map(|s| s.spoken.iter().flatten())
            .cloned()
            .collect()
    }

    /// The department's shortcuts, by name: what the editor expands as it is typed.
    pub fn shortcuts(&self) -> &[(String, String)] {
        &self.shortcuts
    }

    /// The template of `note_type`, if it is dictated.
    pub fn of(&self, note_type: NoteType) -> Option<&Template> {
        self.templates.iter().find(|t| t.note_type == note_type)
    }
}

/// A section as filled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filled {
    /// The heading.
    pub name: String,
    /// Whether the note needs it.
    pub required: bool,
    /// What it says (trimmed; empty when nothing was said).
    pub text: String,
}

impl Filled {
    /// Required and still empty: flagged for the transcriptionist and refused at signing.
    pub fn flagged(&self) -> bool {
        self.required && self.text.is_empty()
    }
}

impl Template {
    /// The recognised words (in order) laid into the sections: each heading the provider
    /// said starts its section; what came before any heading goes to the first section.
    /// A heading is taken once, the longest spoken form first.
    pub fn lay_out(&self, words: &[String]) -> Vec<Filled> {
        self.sections
            .iter()
            .zip(self.lay_out_indices(words))
            .map(|(section, placed)| Filled {
                name: section.name.clone(),
                required: section.required,
                text: placed
                    .iter()
                    .filter_map(|idx| words.get(*idx).map(String::as_str))
                    .collect::<Vec<_>>()
                    .join(" "),
            })
            .collect()
    }

    /// As `lay_out`, but each section's words as their positions in `words` (the spoken
    /// headings are in no section), so an editor can keep each word's timing.
    pub fn lay_out_indices(&self, words: &[String]) -> Vec<Vec<usize>> {
        let mut filled: Vec<Vec<usize>> = vec![Vec::new(); self.sections.len()];
        let mut used = vec![false; self.sections.len()];
        let normalised: Vec<String> = words.iter().map(|w| words_of(w).concat()).collect();
        let mut current = 0;
        let mut at = 0;
        while at < words.len() {
            let mut best: Option<(usize, usize)> = None;
            for (idx, section) in self.sections.iter().enumerate() {
                if used[idx] {
                    continue;
                }
                for phrase in &section.spoken {
                    let fits = normalised.get(at..at + phrase.len()) == Some(phrase.as_slice());
                    if fits && best.is_none_or(|(_, len)| phrase.len() > len) {
                        best = Some((idx, phrase.len()));
                    }
                }
            }
            if let Some((idx, len)) = best {
                used[idx] = true;
                current = idx;
                at += len;
                continue;
            }
            if let Some(section) = filled.get_mut(current) {
                section.push(at);
            }
            at += 1;
        }
        filled
    }
}

/// A text read back into `template`'s sections: a line that is a section's heading
/// followed by `:` starts it (what follows the colon on that line belongs to it); text
/// before the first heading, or under a heading the template does not have, is returned
/// as `stray` so it is not lost.
pub fn read_sections(template: &Template, text: &str) -> (Vec<Filled>, Vec<String>) {
    let mut filled: Vec<Filled> = template
        .sections
        .iter()
        .map(|s| Filled {
            name: s.name.clone(),
            required: s.required,
            text: String::new(),
        })
        .collect();
    let mut stray = Vec::new();
    let mut current: Option<usize> = None;
    for line in text.lines() {
        let heading = line.split_once(':').and_then(|(head, rest)| {
            template
                .sections
                .iter()
                .position(|s| s.name.eq_ignore_ascii_case(head.trim()))
                .map(|idx| (idx, rest))
        });
        let (target, body) = match heading {
            Some((idx, rest)) => {
                current = Some(idx);
                (Some(idx), rest)
            }
            None => (current, line),
        };
        let body = body.trim();
        if body.is_empty() {
            continue;
        }
        match target.and_then(|idx| filled.get_mut(idx)) {
            Some(section) => {
                if !section.text.is_empty() {
                    section.text.push('\n');
                }
                section.text.push_str(body);
            }
            None => stray.push(body.to_owned()),
        }
    }
    (filled, stray)
}

/// Sections as a note's text: each heading on its own line, then its text, a blank line
/// between sections.
pub fn render(filled: &[Filled]) -> String {
    let mut out = String::new();
    for section in filled {
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(&section.name);
        out.push(':');
        if !section.text.is_empty() {
            out.push('\n');
            out.push_str(&section.text);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn the_shipped_templates_cover_every_dictated_type() {
        let templates = Templates::defaults().map_err(|e| e.join("; "));
        assert!(templates.is_ok(), "{templates:?}");
    }

    #[test]
    fn shortcuts_are_read_and_bad_ones_named_by_line() {
        let shipped = Templates::defaults().unwrap_or_else(|e| panic!("{e:?}"));
        assert!(
            shipped
                .shortcuts()
                .iter()
                .any(|(name, text)| name == ".nkda" && text == "No known drug allergies."),
            "{:?}",
            shipped.shortcuts()
        );
        let text = format!(
            "{}\n\".Bad\" = \"x\"\n\".empty\" = \" \"\n",
            DEFAULT_TEMPLATES.trim_end()
        );
        let problems = Templates::parse(&text).err().unwrap_or_default();
        let last = DEFAULT_TEMPLATES.trim_end().lines().count();
        assert!(
            problems.contains(&format!(
                "line {}: shortcut \".Bad\": a shortcut is a dot and 1 to 20 lower-case letters or digits (.nkda)",
                last + 1
            )),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(
                |p| p.ends_with("shortcut \".empty\": its text must have 1 to 1000 characters")
            ),
            "{problems:?}"
        );
    }

    #[test]
    fn problems_name_their_template() {
        let text = r#"
[[template]]
note_type = "progress"
section = [{ name = "Plan" }, { name = "plan", required = true }]

[[template]]
note_type = "x_ray"
section = [{ name = "Findings", required = true }]
"#;
        let problems = Templates::parse(text).err().unwrap_or_default();
        assert!(
            problems.contains(
                &"line 4: template 1 (progress): section \"plan\" appears twice".to_owned()
            ),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("line 7: template 2 (x_ray): unknown note type")),
            "{problems:?}"
        );
        let broken =
            Templates::parse("[[template]]\nnote_type = \"progress\"\nsection = [{ name = 3 }]\n")
                .err()
                .unwrap_or_default();
        assert!(broken[0].starts_with("line 3: "), "{broken:?}");
        assert!(
            problems.contains(&"no template for discharge_summary".to_owned()),
            "{problems:?}"
        );
    }

    #[test]
    fn a_draft_is_laid_under_the_headings_said_and_empty_ones_are_flagged() {
        let templates = Templates::defaults().unwrap_or_else(|_| Templates {
            templates: Vec::new(),
            shortcuts: Vec::new(),
        });
        let Some(template) = templates.of(NoteType::DischargeSummary) else {
            panic!("no discharge summary template");
        };
        let laid = template.lay_out(&words(
            "admission date march third discharge date march seventh diagnoses community acquired pneumonia \
             hospital course treated with ceftriaxone and azithromycin follow up with primary care in one week",
        ));
        let text: Vec<(&str, &str)> = laid
            .iter()
            .map(|f| (f.name.as_str(), f.text.as_str()))
            .collect();
        assert_eq!(
            text,
            vec![
                ("Admission date", "march third"),
                ("Discharge date", "march seventh"),
                ("Diagnoses", "community acquired pneumonia"),
                (
                    "Hospital course",
                    "treated with ceftriaxone and azithromycin"
                ),
                ("Discharge medications", ""),
                ("Follow-up", "with primary care in one week"),
            ]
        );
        let flagged: Vec<&str> = laid
            .iter()
            .filter(|f| f.flagged())
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(flagged, vec!["Discharge medications"]);
        let (back, stray) = read_sections(template, &render(&laid));
        assert_eq!(back, laid);
        assert!(stray.is_empty());
    }
}
