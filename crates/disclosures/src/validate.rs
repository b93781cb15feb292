//! The checks a request passes before anything leaves, each failure named with its field
//! and the rule it breaks: the requester's identity verified (45 CFR 164.514(h)); for an
//! authorisation, every core element and required statement of 164.508(c), not expired,
//! not revoked, not dated ahead, and the request inside what it authorises; a subpoena's
//! assurances (164.512(e)(1)(ii)); minimum necessary where it applies (164.502(b));
//! protected classes only with the specific consent each needs (psychotherapy notes by an
//! authorisation of their own, 164.508(a)(2) and (b)(3)(ii); Part 2 records by a written
//! consent, 42 CFR 2.31; HIV, genetic and reproductive records by a specific consent).
//!
//! Pure: the request, the patient's consents, what the chart holds and the day.

use records::{Consent, ConsentKind, LegalBasis, ReleaseCategory, RoiRequest, RoiStatus};
use serde::Serialize;
use time::Date;

/// One reason a request may not be released yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Defect {
    /// The field of the request to fix (`authorization_form.expires_on`).
    pub field: String,
    /// The rule it breaks (`45 CFR 164.508(c)(1)(v)`).
    pub rule: &'static str,
    /// What is wrong, in words.
    pub message: String,
}

impl std::fmt::Display for Defect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} ({})", self.field, self.message, self.rule)
    }
}

struct Defects(Vec<Defect>);

impl Defects {
    fn add(&mut self, field: &str, rule: &'static str, message: impl Into<String>) {
        self.0.push(Defect {
            field: field.to_owned(),
            rule,
            message: message.into(),
        });
    }
}

fn blank(text: Option<&str>) -> bool {
    text.is_none_or(|t| t.trim().is_empty())
}

/// Bases on which minimum necessary does not apply (164.502(b)(2)): treatment, the
/// patient, an authorisation (which sets its own scope), and what another law requires.
fn minimum_necessary_applies(basis: LegalBasis) -> bool {
    !matches!(
        basis,
        LegalBasis::Treatment
            | LegalBasis::PatientAccess
            | LegalBasis::Authorization
            | LegalBasis::RequiredByLaw
    )
}

/// Every defect of `request` on `today`, given the patient's `consents` and the protected
/// classes the chart holds in the request's scope (`present`). Empty: it may be released.
pub fn validate(
    request: &RoiRequest,
    consents: &[Consent],
    present: &[ReleaseCategory],
    today: Date,
) -> Vec<Defect> {
    let mut defects = Defects(Vec::new());
    if matches!(request.status, RoiStatus::Released | RoiStatus::Denied) {
        defects.add(
            "status",
            "release workflow",
            format!("the request is {} already", request.status.as_str()),
        );
    }
    if blank(request.identity_verified.as_deref()) {
        defects.add(
            "identity_verified",
            "45 CFR 164.514(h)",
            "the requester's identity and authority are not verified; say how they were",
        );
    }
    if request.legal_basis == LegalBasis::Authorization {
        authorization(request, today, &mut defects);
    }
    if request.legal_basis == LegalBasis::Subpoena && blank(request.subpoena_assurances.as_deref())
    {
        defects.add(
            "subpoena_assurances",
            "45 CFR 164.512(e)(1)(ii)",
            "a subpoena without a court order needs satisfactory assurances that the patient was notified or a protective order was sought",
        );
    }
    if minimum_necessary_applies(request.legal_basis) && blank(request.minimum_necessary.as_deref())
    {
        defects.add(
            "minimum_necessary",
            "45 CFR 164.502(b)",
            format!(
                "a disclosure for {} must be limited to the minimum necessary; say why each part asked is needed",
                request.legal_basis.as_str()
            ),
        );
    }
    protected(request, consents, present, today, &mut defects);
    defects.0
}

fn authorization(request: &RoiRequest, today: Date, defects: &mut Defects) {
    let Some(form) = &request.authorization_form else {
        defects.add(
            "authorization_form",
            "45 CFR 164.508(a)",
            "the basis is an authorization but none is on file",
        );
        return;
    };
    let elements: [(&str, &'static str, bool, &str); 4] = [
        (
            "authorization_form.description",
            "45 CFR 164.508(c)(1)(i)",
            blank(form.description.as_deref()),
            "does not describe the information to be disclosed",
        ),
        (
            "authorization_form.discloser",
            "45 CFR 164.508(c)(1)(ii)",
            blank(form.discloser.as_deref()),
            "does not name who may disclose",
        ),
        (
            "authorization_form.recipient",
            "45 CFR 164.508(c)(1)(iii)",
            blank(form.recipient.as_deref()),
            "does not name the recipient",
        ),
        (
            "authorization_form.purpose",
            "45 CFR 164.508(c)(1)(iv)",
            blank(form.purpose.as_deref()),
            "does not state the purpose",
        ),
    ];
    for (field, rule, missing, message) in elements {
        if missing {
            defects.add(field, rule, format!("the authorization {message}"));
        }
    }
    if form.expires_on.is_none() && blank(form.expiry_event.as_deref()) {
        defects.add(
            "authorization_form.expires_on",
            "45 CFR 164.508(c)(1)(v)",
            "the authorization has no expiration date or event",
        );
    }
    if !form.signature {
        defects.add(
            "authorization_form.signature",
            "45 CFR 164.508(c)(1)(vi)",
            "the authorization is not signed",
        );
    }
    match form.signed_on {
        None => defects.add(
            "authorization_form.signed_on",
            "45 CFR 164.508(c)(1)(vi)",
            "the authorization is not dated",
        ),
        Some(signed) if signed > today => defects.add(
            "authorization_form.signed_on",
            "45 CFR 164.508(b)(2)(i)",
            format!("the authorization is dated {signed}, after today"),
        ),
        Some(_) => {}
    }
    let statements: [(&str, &'static str, bool, &str); 3] = [
        (
            "authorization_form.revocation_statement",
            "45 CFR 164.508(c)(2)(i)",
            form.revocation_statement,
            "the right to revoke it in writing",
        ),
        (
            "authorization_form.conditioning_statement",
            "45 CFR 164.508(c)(2)(ii)",
            form.conditioning_statement,
            "that treatment is not conditioned on signing it",
        ),
        (
            "authorization_form.redisclosure_notice",
            "45 CFR 164.508(c)(2)(iii)",
            form.redisclosure_notice,
            "that the recipient may redisclose the information",
        ),
    ];
    for (field, rule, present, what) in statements {
        if !present {
            defects.add(
                field,
                rule,
                format!("the authorization does not state {what}"),
            );
        }
    }
    if let Some(expires) = form.expires_on
        && expires < today
    {
        defects.add(
            "authorization_form.expires_on",
            "45 CFR 164.508(b)(2)(i)",
            format!("the authorization expired on {expires}"),
        );
    }
    if let Some(revoked) = form.revoked_on
        && revoked <= today
    {
        defects.add(
            "authorization_form.revoked_on",
            "45 CFR 164.508(b)(5)",
            format!("the patient revoked the authorization on {revoked}"),
        );
    }
    // The request stays inside what the form authorises.
    if !form.categories.is_empty() {
        let beyond: Vec<&str> = request
            .categories
            .iter()
            .filter(|c| !form.categories.contains(c))
            .map(|c| c.as_str())
            .collect();
        if !beyond.is_empty() {
            defects.add(
                "categories",
                "45 CFR 164.508(b)(2)(iii)",
                format!(
                    "asks for {} beyond what the authorization covers",
                    beyond.join(", ")
                ),
            );
        }
    }
    if let Some(from) = form.from_date
        && request.from_date.is_none_or(|asked| asked < from)
    {
        defects.add(
            "from_date",
            "45 CFR 164.508(b)(2)(iii)",
            format!("the authorization covers care from {from} only; the request reaches earlier"),
        );
    }
    if let Some(to) = form.to_date
        && request.to_date.is_none_or(|asked| asked > to)
    {
        defects.add(
            "to_date",
            "45 CFR 164.508(b)(2)(iii)",
            format!("the authorization covers care until {to} only; the request reaches later"),
        );
    }
    if form
        .categories
        .contains(&ReleaseCategory::PsychotherapyNotes)
        && form
            .categories
            .iter()
            .any(|c| *c != ReleaseCategory::PsychotherapyNotes)
    {
        defects.add(
            "authorization_form.categories",
            "45 CFR 164.508(b)(3)(ii)",
            "an authorization for psychotherapy notes may not be combined with one for other information",
        );
    }
}

fn protected(
    request: &RoiRequest,
    consents: &[Consent],
    present: &[ReleaseCategory],
    today: Date,
    defects: &mut Defects,
) {
    let form_names = |class: ReleaseCategory| {
        request.legal_basis == LegalBasis::Authorization
            && request
                .authorization_form
                .as_ref()
                .is_some_and(|form| form.categories.contains(&class))
    };
    let recipient_matches = |named: Option<&str>| {
        named.is_none_or(|named| {
            let named = named.trim().to_lowercase();
            [
                Some(request.requester_name.as_str()),
                request.requester_organization.as_deref(),
            ]
            .into_iter()
            .flatten()
            .any(|ours| ours.trim().to_lowercase() == named)
        })
    };
    let consented = |class: ReleaseCategory| {
        consents.iter().any(|c| {
            c.kind == ConsentKind::SpecificDisclosure
                && c.in_force(today)
                && c.categories.contains(&class)
                && recipient_matches(c.recipient.as_deref())
        })
    };
    for class in request.categories.iter().filter(|c| c.is_sensitive()) {
        let class = *class;
        if class == ReleaseCategory::PsychotherapyNotes {
            if request.legal_basis == LegalBasis::PatientAccess {
                defects.add(
                    "categories",
                    "45 CFR 164.524(a)(1)(i)",
                    "psychotherapy notes are not part of the patient's right of access",
                );
            } else if !form_names(class) {
                defects.add(
                    "categories",
                    "45 CFR 164.508(a)(2)",
                    "psychotherapy notes are released only under an authorization that names them",
                );
            }
            continue;
        }
        // The patient may have their own records; everyone else needs the specific consent.
        if request.legal_basis == LegalBasis::PatientAccess || form_names(class) || consented(class)
        {
            continue;
        }
        let rule = match class {
            ReleaseCategory::SubstanceUse => "42 CFR 2.31",
            _ => "specific consent (state law)",
        };
        let held = if present.contains(&class) {
            "the chart holds such records in the scope asked"
        } else {
            "none are in the scope asked today, but the request names them"
        };
        defects.add(
            "categories",
            rule,
            format!(
                "{} need the patient's specific consent naming them and this recipient; {held}",
                class.label()
            ),
        );
    }
}
