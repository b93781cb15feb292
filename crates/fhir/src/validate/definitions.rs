//! The structure definitions the validator walks, read once from `definitions.txt`.
//!
//! Why a small text table instead of generated code: the elements of sixteen resources and
//! their datatypes fit in three hundred readable lines that a reviewer can check against
//! the specification, and adding an element is a one-word edit. Invariant: the table is
//! parsed at first use; a malformed line is a programming error that the unit tests catch,
//! and at run time it is reported as an issue rather than a panic.

use std::collections::HashMap;
use std::sync::OnceLock;

/// How often an element may occur.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Card {
    pub min: u8,
    pub many: bool,
}

/// One element of a type.
#[derive(Debug, Clone)]
pub(crate) struct ElementDef {
    /// JSON name; for a choice, the stem without `[x]`.
    pub name: &'static str,
    /// Allowed types; more than one only for choices.
    pub types: Vec<&'static str>,
    pub choice: bool,
    pub card: Card,
    /// Required binding: the only codes allowed.
    pub codes: Option<Vec<&'static str>>,
}

/// What base elements a type has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// DomainResource: id, meta, implicitRules, language, text, contained, extension, modifierExtension.
    Resource,
    /// Resource: id, meta, implicitRules, language.
    Base,
    /// Element: id, extension.
    Datatype,
    /// BackboneElement: id, extension, modifierExtension.
    Backbone,
}

#[derive(Debug, Clone)]
pub(crate) struct TypeDef {
    pub kind: Kind,
    pub elements: Vec<ElementDef>,
}

impl TypeDef {
    /// The element a JSON key names, with the choice type when the key is `valueQuantity`.
    pub fn element_for(&self, key: &str) -> Option<(&ElementDef, &'static str)> {
        for element in &self.elements {
            if element.choice {
                if let Some(suffix) = key.strip_prefix(element.name)
                    && let Some(ty) = element.types.iter().find(|ty| upper_first(ty) == suffix)
                {
                    return Some((element, ty));
                }
            } else if element.name == key {
                return element.types.first().map(|ty| (element, *ty));
            }
        }
        None
    }
}

fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// Every defined type by name.
pub(crate) struct Definitions {
    pub types: HashMap<&'static str, TypeDef>,
}

const SOURCE: &str = include_str!("definitions.txt");

/// The definitions, or the line that could not be read.
pub(crate) fn definitions() -> Result<&'static Definitions, &'static str> {
    static PARSED: OnceLock<Result<Definitions, String>> = OnceLock::new();
    match PARSED.get_or_init(|| parse(SOURCE)) {
        Ok(definitions) => Ok(definitions),
        Err(message) => Err(message.as_str()),
    }
}

fn base_elements(kind: Kind) -> Vec<ElementDef> {
    let element = |name: &'static str, ty: &'static str, many: bool| ElementDef {
        name,
        types: vec![ty],
        choice: false,
        card: Card { min: 0, many },
        codes: None,
    };
    match kind {
        Kind::Resource => vec![
            element("id", "id", false),
            element("meta", "Meta", false),
            element("implicitRules", "uri", false),
            element("language", "code", false),
            element("text", "Narrative", false),
            element("contained", "Resource", true),
            element("extension", "Extension", true),
            element("modifierExtension", "Extension", true),
        ],
        Kind::Base => vec![
            element("id", "id", false),
            element("meta", "Meta", false),
            element("implicitRules", "uri", false),
            element("language", "code", false),
        ],
        Kind::Datatype => vec![
            element("id", "string", false),
            element("extension", "Extension", true),
        ],
        Kind::Backbone => vec![
            element("id", "string", false),
            element("extension", "Extension", true),
            element("modifierExtension", "Extension", true),
        ],
    }
}

pub(crate) fn parse(source: &'static str) -> Result<Definitions, String> {
    let mut types: HashMap<&'static str, TypeDef> = HashMap::new();
    let mut current: Option<&'static str> = None;
    for (line_idx, line) in source.lines().enumerate() {
        let line_no = line_idx + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if !line.starts_with(' ') {
            let (name, kind) = trimmed
                .split_once(' ')
                .ok_or_else(|| format!("definitions.txt:{line_no}: expected `Name kind`"))?;
            let kind = match kind {
                "resource" => Kind::Resource,
                "base" => Kind::Base,
                "datatype" => Kind::Datatype,
                "backbone" => Kind::Backbone,
                other => return Err(format!("definitions.txt:{line_no}: unknown kind {other}")),
            };
            types.insert(
                name,
                TypeDef {
                    kind,
                    elements: base_elements(kind),
                },
            );
            current = Some(name);
            continue;
        }
        let type_def = current
            .and_then(|name| types.get_mut(name))
            .ok_or_else(|| format!("definitions.txt:{line_no}: element before any type"))?;
        for spec in trimmed.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            type_def
                .elements
                .push(parse_element(spec).map_err(|e| format!("definitions.txt:{line_no}: {e}"))?);
        }
    }
    Ok(Definitions { types })
}

fn parse_element(spec: &'static str) -> Result<ElementDef, String> {
    let (name, rest) = spec
        .split_once(' ')
        .ok_or_else(|| format!("`{spec}`: expected NAME TYPE"))?;
    let (type_part, codes) = match rest.split_once('{') {
        Some((before, codes)) => {
            let codes = codes
                .strip_suffix('}')
                .ok_or_else(|| format!("`{spec}`: unclosed binding"))?;
            (before, Some(codes.split('|').collect::<Vec<_>>()))
        }
        None => (rest, None),
    };
    let (type_part, card) = match type_part.chars().last() {
        Some('!') => (
            &type_part[..type_part.len() - 1],
            Card {
                min: 1,
                many: false,
            },
        ),
        Some('*') => (
            &type_part[..type_part.len() - 1],
            Card { min: 0, many: true },
        ),
        Some('+') => (
            &type_part[..type_part.len() - 1],
            Card { min: 1, many: true },
        ),
        _ => (
            type_part,
            Card {
                min: 0,
                many: false,
            },
        ),
    };
    let (name, choice) = match name.strip_suffix("[x]") {
        Some(stem) => (stem, true),
        None => (name, false),
    };
    let types: Vec<&'static str> = type_part.split('|').collect();
    if types.iter().any(|t| t.is_empty()) {
        return Err(format!("`{spec}`: empty type"));
    }
    Ok(ElementDef {
        name,
        types,
        choice,
        card,
        codes,
    })
}
