//! The walk over a JSON resource against the structure definitions.
//!
//! Invariant: recursion only follows defined elements (and nested resources), so its depth
//! is bounded by the JSON nesting serde_json already limits; unknown elements are reported
//! without being descended into.

use super::definitions::{Definitions, ElementDef, Kind, TypeDef};
use super::invariants;
use super::primitives;
use super::{Issue, IssueSeverity};
use serde_json::{Map, Value};

pub(super) struct Walker<'a> {
    pub defs: &'static Definitions,
    pub issues: &'a mut Vec<Issue>,
}

impl Walker<'_> {
    fn error(&mut self, code: &'static str, expression: String, message: impl Into<String>) {
        self.issues.push(Issue {
            severity: IssueSeverity::Error,
            code,
            expression,
            message: message.into(),
        });
    }

    /// A resource at `path` (`None` at the top level, where the path starts with its type).
    /// `top` says whether an unsupported type is an error (top level) or a warning (inside
    /// a Bundle or `contained`).
    pub fn resource(&mut self, value: &Value, path: Option<&str>, top: bool) {
        let here = path.unwrap_or("").to_owned();
        let Some(object) = value.as_object() else {
            self.error(
                "structure",
                here,
                "expected a resource (a JSON object with resourceType)",
            );
            return;
        };
        let Some(resource_type) = object.get("resourceType").and_then(Value::as_str) else {
            self.error("required", here, "resourceType is missing or not a string");
            return;
        };
        let prefix = match path {
            Some(path) => path.to_owned(),
            None => resource_type.to_owned(),
        };
        let type_def = self
            .defs
            .types
            .get(resource_type)
            .filter(|def| matches!(def.kind, Kind::Resource | Kind::Base));
        match type_def {
            Some(type_def) => self.object(object, type_def, resource_type, &prefix, true),
            None => self.issues.push(Issue {
                severity: if top {
                    IssueSeverity::Error
                } else {
                    IssueSeverity::Warning
                },
                code: "not-supported",
                expression: prefix,
                message: format!("resource type {resource_type} is not supported here"),
            }),
        }
    }

    fn object(
        &mut self,
        object: &Map<String, Value>,
        type_def: &TypeDef,
        type_name: &str,
        path: &str,
        is_resource: bool,
    ) {
        if object.is_empty() {
            self.error(
                "structure",
                path.to_owned(),
                "empty object; an element needs a value or children",
            );
            return;
        }
        // Which choice stems have been seen, with the key that used them.
        let mut choices_seen: Vec<(&str, &str)> = Vec::new();
        for (key, value) in object {
            if is_resource && key == "resourceType" {
                continue;
            }
            if let Some(stem) = key.strip_prefix('_') {
                self.primitive_extension(type_def, stem, value, &format!("{path}.{key}"));
                continue;
            }
            let child_path = format!("{path}.{key}");
            let Some((element, ty)) = type_def.element_for(key) else {
                self.error(
                    "structure",
                    child_path,
                    format!("unknown element \"{key}\""),
                );
                continue;
            };
            if element.choice {
                if let Some((_, first)) =
                    choices_seen.iter().find(|(stem, _)| *stem == element.name)
                {
                    self.error(
                        "structure",
                        format!("{path}.{}[x]", element.name),
                        format!(
                            "only one value is allowed for {}[x]; found {first} and {key}",
                            element.name
                        ),
                    );
                    continue;
                }
                choices_seen.push((element.name, key));
            }
            self.element(element, ty, value, &child_path);
        }
        for element in &type_def.elements {
            if element.card.min == 0 {
                continue;
            }
            let present = if element.choice {
                choices_seen.iter().any(|(stem, _)| *stem == element.name)
                    || object.keys().any(|k| {
                        k.strip_prefix('_')
                            .and_then(|k| type_def.element_for(k))
                            .is_some_and(|(e, _)| e.name == element.name)
                    })
            } else {
                object.contains_key(element.name)
                    || object.contains_key(&format!("_{}", element.name))
            };
            if !present {
                let name = if element.choice {
                    format!("{}[x]", element.name)
                } else {
                    element.name.to_owned()
                };
                self.error(
                    "required",
                    format!("{path}.{name}"),
                    format!("{name} is required (minimum cardinality 1)"),
                );
            }
        }
        self.issues
            .extend(invariants::check(type_name, !is_resource, object, path));
    }

    fn element(&mut self, element: &ElementDef, ty: &'static str, value: &Value, path: &str) {
        if element.card.many {
            match value {
                Value::Array(items) if items.is_empty() => self.error(
                    "structure",
                    path.to_owned(),
                    "empty array; leave the element out instead",
                ),
                Value::Array(items) => {
                    for (idx, item) in items.iter().enumerate() {
                        self.item(element, ty, item, &format!("{path}[{idx}]"));
                    }
                }
                _ => self.error(
                    "structure",
                    path.to_owned(),
                    format!("expected an array ({} may repeat)", element.name),
                ),
            }
        } else if value.is_array() {
            self.error(
                "structure",
                path.to_owned(),
                format!(
                    "expected a single value, found an array ({} occurs at most once)",
                    element.name
                ),
            );
        } else {
            self.item(element, ty, value, path);
        }
    }

    fn item(&mut self, element: &ElementDef, ty: &'static str, value: &Value, path: &str) {
        if value.is_null() {
            self.error(
                "structure",
                path.to_owned(),
                "null is not allowed; leave the element out instead",
            );
            return;
        }
        if ty == "Resource" {
            self.resource(value, Some(path), false);
            return;
        }
        if primitives::is_primitive(ty) {
            if let Some(message) = primitives::check(ty, value) {
                self.error("value", path.to_owned(), message);
            } else if let (Some(codes), Some(text)) = (&element.codes, value.as_str())
                && !codes.contains(&text)
            {
                self.error(
                    "code-invalid",
                    path.to_owned(),
                    format!("\"{text}\" is not one of {}", codes.join(", ")),
                );
            }
            return;
        }
        let Some(object) = value.as_object() else {
            self.error(
                "structure",
                path.to_owned(),
                format!("expected a {ty} object"),
            );
            return;
        };
        // Types used but not defined (Timing's repeat, ContactDetail, Signature) are
        // accepted as any object: we never read them, and refusing them would refuse valid
        // resources.
        if let Some(type_def) = self.defs.types.get(ty) {
            self.object(object, type_def, ty, path, false);
        }
    }

    /// `_birthDate`: the id and extensions of a primitive; an array (with nulls) for lists.
    fn primitive_extension(&mut self, type_def: &TypeDef, stem: &str, value: &Value, path: &str) {
        let Some((element, ty)) = type_def.element_for(stem) else {
            self.error(
                "structure",
                path.to_owned(),
                format!("unknown element \"_{stem}\""),
            );
            return;
        };
        if !primitives::is_primitive(ty) {
            self.error(
                "structure",
                path.to_owned(),
                format!("{stem} is not a primitive, so _{stem} is not allowed"),
            );
            return;
        }
        let Some(element_def) = self.defs.types.get("Element") else {
            return;
        };
        let items: Vec<(String, &Value)> = match (element.card.many, value) {
            (true, Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(idx, item)| (format!("{path}[{idx}]"), item))
                .collect(),
            (false, Value::Object(_)) => vec![(path.to_owned(), value)],
            _ => {
                self.error(
                    "structure",
                    path.to_owned(),
                    "expected the element's id and extensions",
                );
                return;
            }
        };
        for (item_path, item) in items {
            match item {
                Value::Null => {}
                Value::Object(object) => {
                    self.object(object, element_def, "Element", &item_path, false)
                }
                _ => self.error(
                    "structure",
                    item_path,
                    "expected an object with id or extension",
                ),
            }
        }
    }
}
