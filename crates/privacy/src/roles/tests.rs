//! The matrix, role by role, denials first.

use super::*;

#[test]
fn every_role_appears_in_the_matrix_exactly_once() {
    for role in Role::ALL {
        let n = MATRIX.iter().filter(|(r, _)| r == role).count();
        assert_eq!(n, 1, "{role}");
    }
    assert!(Permission::ALL.len() < 64);
}

/// One line per case: roles, permission, allowed?
#[test]
fn matrix_cases() {
    let cases: &[(&[Role], Permission, bool)] = &[
        (&[Role::Billing], ReadNotes, false),
        (&[Role::Billing], ReadClinical, false),
        (&[Role::FrontDesk], ReadCodes, false),
        (&[Role::FrontDesk], ReadClinical, false),
        (&[Role::PublicHealth], ReadDemographics, false),
        (&[Role::Researcher], ReadDemographics, false),
        (&[Role::Auditor], ReadDemographics, false),
        (&[Role::Administrator], ReadDemographics, false),
        (&[Role::Administrator], ReadNotes, false),
        (&[Role::HimTechnician], SignNotes, false),
        (&[Role::Physician], ManageUsers, false),
        (&[Role::Physician], ReadBilling, false),
        (&[], ReadDemographics, false),
        (&[Role::Billing], ReadCodes, true),
        (&[Role::Billing], ReadBilling, true),
        (&[Role::Billing], ReadInsurance, true),
        (&[Role::FrontDesk], WriteDemographics, true),
        (&[Role::Physician], SignNotes, true),
        (&[Role::Physician], BreakGlass, true),
        (&[Role::HimTechnician], ReadNotes, true),
        (&[Role::HimTechnician], ReleaseInformation, true),
        (&[Role::HimTechnician], ManageAmendments, true),
        (&[Role::Physician], ManageAmendments, false),
        (&[Role::HimTechnician], ManagePatientIndex, true),
        (&[Role::FrontDesk], ManagePatientIndex, false),
        (&[Role::Physician], ManagePatientIndex, false),
        (&[Role::PublicHealth], ReadAggregates, true),
        (&[Role::PublicHealth], WorkSurveillanceAlerts, true),
        (&[Role::Researcher], WorkSurveillanceAlerts, false),
        (&[Role::HimTechnician], WorkSurveillanceAlerts, false),
        (&[Role::PublicHealth], ReportCases, true),
        (&[Role::HimTechnician], ReportCases, true),
        (&[Role::Billing], ReportCases, false),
        (&[Role::Researcher], ReportCases, false),
        (&[Role::PublicHealth], ReadDemographics, false),
        (&[Role::Researcher], ReadDeidentified, true),
        (&[Role::Researcher], ReadAggregates, true),
        (&[Role::Researcher], ReadCodes, false),
        (&[Role::Auditor], ReadAudit, true),
        (&[Role::Billing], TranscribeDictations, false),
        (&[Role::FrontDesk], TranscribeDictations, false),
        (&[Role::HimTechnician], TranscribeDictations, true),
        (&[Role::Physician], TranscribeDictations, true),
        (&[Role::Administrator], ManageUsers, true),
        (&[Role::FrontDesk, Role::Auditor], ReadAudit, true),
        (&[Role::FrontDesk, Role::Auditor], ReadNotes, false),
    ];
    for (roles, permission, allowed) in cases {
        assert_eq!(
            RoleSet::of(roles).allows(*permission),
            *allowed,
            "{roles:?} {permission}"
        );
    }
}

#[test]
fn names_round_trip_and_unknown_names_are_refused() {
    for role in Role::ALL {
        assert_eq!(Role::parse(role.as_str()), Some(*role));
        assert!(!role.purpose().is_empty());
    }
    for permission in Permission::ALL {
        assert_eq!(Permission::parse(permission.as_str()), Some(*permission));
    }
    assert_eq!(Role::parse("HIM_Technician"), Some(Role::HimTechnician));
    assert_eq!(Role::parse("Front Desk"), Some(Role::FrontDesk));
    let error = Role::from_name("janitor").unwrap_err();
    assert!(
        error.to_string().starts_with("\"janitor\" is not a role"),
        "{error}"
    );
}

#[test]
fn role_sets_are_sorted_and_stored_as_lists() {
    let set = RoleSet::of(&[Role::Auditor, Role::Billing, Role::Auditor]);
    assert_eq!(set.to_list(), "billing,auditor");
    assert_eq!(RoleSet::parse_list("billing,auditor").unwrap(), set);
    assert_eq!(RoleSet::parse_list("").unwrap(), RoleSet::new());
    assert!(RoleSet::parse_list("billing,cook").is_err());
    assert_eq!(set.granting(ReadAudit), Some(Role::Auditor));
}
