//! Access decisions case by case, denials first, including emergency grants and expiry.

use super::*;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-11-25 10:00 UTC);
const P1: PatientId = PatientId(1);
const P2: PatientId = PatientId(2);

fn grant(user: &str, patient: PatientId) -> BreakGlassGrant {
    BreakGlassGrant::request(
        user,
        &RoleSet::of(&[Role::Physician]),
        patient,
        "unconscious patient in the emergency room",
        NOW,
        30,
    )
    .unwrap()
}

fn allowed(
    roles: &[Role],
    access: Access,
    category: DataCategory,
    grants: &[BreakGlassGrant],
    at: OffsetDateTime,
) -> bool {
    decide("ann", &RoleSet::of(roles), access, category, P1, grants, at).is_allowed()
}

/// Roles, access, category, grants, time, allowed?
type Case<'a> = (
    &'a [Role],
    Access,
    DataCategory,
    &'a [BreakGlassGrant],
    OffsetDateTime,
    bool,
);

#[test]
fn decisions() {
    use Access::*;
    use DataCategory::*;
    let g = [grant("ann", P1)];
    let later = NOW + Duration::minutes(31);
    let cases: &[Case<'_>] = &[
        (&[Role::Billing], Read, Notes, &[], NOW, false),
        (&[Role::Billing], Read, Results, &[], NOW, false),
        (&[Role::FrontDesk], Read, Diagnoses, &[], NOW, false),
        (&[Role::FrontDesk], Write, Billing, &[], NOW, false),
        (&[Role::Physician], Write, Billing, &[], NOW, false),
        (&[Role::Physician], Read, Billing, &[], NOW, false),
        (&[Role::Physician], Write, Billing, &g, NOW, false),
        (&[Role::Physician], Read, Billing, &g, later, false),
        (&[Role::HimTechnician], Write, Notes, &[], NOW, false),
        (&[], Read, Demographics, &[], NOW, false),
        (&[Role::Physician], Read, Billing, &g, NOW, true),
        (&[Role::Billing], Read, Diagnoses, &[], NOW, true),
        (&[Role::Billing], Read, Billing, &[], NOW, true),
        (&[Role::FrontDesk], Write, Demographics, &[], NOW, true),
        (&[Role::Physician], Read, Notes, &[], NOW, true),
        (&[Role::HimTechnician], Read, Notes, &[], NOW, true),
    ];
    for (roles, access, category, grants, at, expected) in cases {
        assert_eq!(
            allowed(roles, *access, *category, grants, *at),
            *expected,
            "{roles:?} {access:?} {category} grants={} at={at}",
            grants.len()
        );
    }
}

#[test]
fn denial_names_the_missing_permission_and_role_basis_is_given() {
    let roles = RoleSet::of(&[Role::Billing]);
    assert_eq!(
        decide(
            "bo",
            &roles,
            Access::Read,
            DataCategory::Notes,
            P1,
            &[],
            NOW
        ),
        Decision::Denied {
            needs: Permission::ReadNotes
        }
    );
    assert_eq!(
        decide(
            "bo",
            &roles,
            Access::Read,
            DataCategory::Billing,
            P1,
            &[],
            NOW
        ),
        Decision::Allowed(Basis::Role(Role::Billing))
    );
}

#[test]
fn grants_cover_one_user_one_patient_until_expiry() {
    let g = grant("ann", P1);
    assert!(g.covers("ann", P1, NOW));
    assert!(g.covers("ann", P1, NOW + Duration::minutes(29)));
    assert!(!g.covers("ann", P1, NOW + Duration::minutes(30)));
    assert!(!g.covers("ann", P1, NOW - Duration::seconds(1)));
    assert!(!g.covers("ann", P2, NOW));
    assert!(!g.covers("bob", P1, NOW));
    let roles = RoleSet::of(&[Role::Billing]);
    assert_eq!(
        decide(
            "ann",
            &roles,
            Access::Read,
            DataCategory::Notes,
            P1,
            std::slice::from_ref(&g),
            NOW
        ),
        Decision::Allowed(Basis::BreakGlass)
    );
    assert!(
        !decide(
            "ann",
            &roles,
            Access::Read,
            DataCategory::Notes,
            P2,
            &[g],
            NOW
        )
        .is_allowed()
    );
}

#[test]
fn grant_requests_the_policy_refuses() {
    let physician = RoleSet::of(&[Role::Physician]);
    let reason = "unconscious patient in the emergency room";
    let refused = |roles: &RoleSet, reason: &str, minutes: i64| {
        BreakGlassGrant::request("ann", roles, P1, reason, NOW, minutes)
            .unwrap_err()
            .to_string()
    };
    assert!(
        refused(&RoleSet::of(&[Role::Researcher]), reason, 30)
            .contains("no role that may break the glass")
    );
    assert!(refused(&physician, "  because ", 30).contains("reason of at least 10"));
    assert!(refused(&physician, reason, 0).contains("1 to 480 minutes"));
    assert!(refused(&physician, reason, BREAK_GLASS_MAX_MINUTES + 1).contains("not 481"));
    let g = BreakGlassGrant::request(
        "ann",
        &physician,
        P1,
        reason,
        NOW,
        BREAK_GLASS_DEFAULT_MINUTES,
    )
    .unwrap();
    assert_eq!(g.expires_at, NOW + Duration::hours(1));
}

#[test]
fn the_emergency_set_narrows_what_a_grant_opens() {
    let grants = [grant("ann", P1)];
    let by_glass = decide(
        "ann",
        &RoleSet::of(&[Role::Physician]),
        Access::Read,
        DataCategory::Billing,
        P1,
        &grants,
        NOW,
    );
    assert_eq!(by_glass, Decision::Allowed(Basis::BreakGlass));
    let set = EmergencySet::parse("clinical").unwrap();
    assert!(
        !set.narrow(by_glass.clone(), DataCategory::Billing)
            .is_allowed()
    );
    assert!(!set.unlocks(DataCategory::Insurance));
    assert!(set.unlocks(DataCategory::Allergies));
    let all = EmergencySet::parse("all").unwrap();
    assert!(all.narrow(by_glass, DataCategory::Billing).is_allowed());
    // A role's own permission is never narrowed.
    let by_role = Decision::Allowed(Basis::Role(Role::Billing));
    assert!(set.narrow(by_role, DataCategory::Billing).is_allowed());
    let narrow = EmergencySet::parse("allergies, medications").unwrap();
    assert_eq!(
        narrow.categories(),
        [DataCategory::Medications, DataCategory::Allergies]
    );
    let error = EmergencySet::parse("allergies,wallet")
        .unwrap_err()
        .to_string();
    assert!(error.contains("\"wallet\""), "{error}");
}

/// Nobody may break the glass by default, physicians included (issue 10): a facility
/// names its emergency staff by user or by role, and always within roles holding
/// `BreakGlass`.
#[test]
fn emergency_staff_is_nobody_until_named() {
    let physician = RoleSet::of(&[Role::Physician]);
    let billing = RoleSet::of(&[Role::Billing]);
    let nobody = EmergencyStaff::default();
    assert!(!nobody.allows("doc", &physician));
    assert!(
        nobody
            .refusal("doc", &physician)
            .unwrap()
            .contains("no one is named")
    );
    let by_user = EmergencyStaff::new(vec!["ed-doc".into()], RoleSet::new());
    assert!(by_user.allows("ed-doc", &physician));
    assert!(!by_user.allows("doc", &physician));
    assert!(
        !by_user.allows("ed-doc", &billing),
        "the role must allow it too"
    );
    assert!(
        by_user
            .refusal("ed-doc", &billing)
            .unwrap()
            .contains("has no role that may break the glass")
    );
    let by_role = EmergencyStaff::new(Vec::new(), physician.clone());
    assert!(by_role.allows("doc", &RoleSet::of(&[Role::Physician, Role::Auditor])));
    assert!(!by_role.allows("him", &RoleSet::of(&[Role::HimTechnician])));
    assert_eq!(by_role.refusal("doc", &physician), None);
}
