//! Patient groups: named rosters of patients (a care-management panel, a study cohort),
//! served as FHIR `Group` and exported with Bulk Data's Group-level `$export`.

use crate::RecordKind;
use crate::ids::PatientId;
use crate::validation::{Validate, Validator};
use serde::{Deserialize, Serialize};

/// The most members one group may list (its roster is one JSON value in one row).
pub const MAX_GROUP_MEMBERS: usize = 100_000;

/// A named roster of patients. The members are the group's current members; earlier
/// rosters live in the record's history like any other change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientGroup {
    /// What the group is called.
    pub name: String,
    /// The system of a business identifier (a URI), when the group has one.
    pub identifier_system: Option<String>,
    /// A business identifier.
    pub identifier_value: Option<String>,
    /// The patients on the roster, each once, in the order given.
    pub members: Vec<PatientId>,
}

impl RecordKind for PatientGroup {
    const KIND: &'static str = "group";
}

impl Validate for PatientGroup {
    fn check(&self, v: &mut Validator) {
        v.required("name", &self.name);
        v.max_len("name", &self.name, 200);
        v.optional_text("identifier_system", self.identifier_system.as_deref(), 500);
        v.optional_text("identifier_value", self.identifier_value.as_deref(), 200);
        if self.identifier_system.is_some() && self.identifier_value.is_none() {
            v.error("identifier_value", "an identifier system needs a value");
        }
        if self.members.len() > MAX_GROUP_MEMBERS {
            v.error(
                "members",
                format!(
                    "at most {MAX_GROUP_MEMBERS} members, not {}",
                    self.members.len()
                ),
            );
        }
        let mut seen = std::collections::HashSet::new();
        for (idx, member) in self.members.iter().enumerate() {
            if member.0 <= 0 {
                v.error(&format!("members[{idx}]"), "is not a patient id");
            } else if !seen.insert(member.0) {
                v.error(
                    &format!("members[{idx}]"),
                    format!("patient {member} is already a member"),
                );
            }
        }
    }
}
