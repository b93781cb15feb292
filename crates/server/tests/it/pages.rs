//! The web pages driven as a browser would: forms, redirects, the form token, field
//! messages, and the same permissions and audit entries as the API.

use crate::harness::{Harness, PASSWORD, Reply, cookie_of};
use axum::http::StatusCode;
use privacy::{Action, Role};

pub(crate) fn html(reply: &Reply) -> &str {
    reply.body.as_str().unwrap_or_default()
}

pub(crate) fn location(reply: &Reply) -> &str {
    reply.headers["location"].to_str().unwrap()
}

/// The form token in a page.
pub(crate) fn token(reply: &Reply) -> String {
    let page = html(reply);
    let start = page.find("name=\"token\" value=\"").expect("a form token") + 20;
    page[start..start + 64].to_owned()
}

/// Signs in through the sign-in form, then passes the second factor where the roles
/// require one (enrolling an authenticator on first use).
pub(crate) async fn sign_in(h: &Harness, name: &str) -> String {
    let reply = h
        .form(
            "/login",
            None,
            &[("username", name), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let mfa = match location(&reply) {
        "/" => "passed",
        "/mfa/enroll" => "enrolment-required",
        "/mfa" => "code-required",
        other => panic!("sign-in led to {other}"),
    };
    h.second_factor(name, &cookie_of(&reply), mfa).await
}

pub(crate) async fn page_token(h: &Harness, cookie: &str) -> String {
    let home = h.call("GET", "/", Some(cookie), None).await;
    assert_eq!(home.status, StatusCode::OK);
    token(&home)
}

#[tokio::test]
async fn sign_in_form_leads_to_a_start_page_showing_only_what_the_roles_open() {
    let h = Harness::new();
    h.add_user("bill", &[Role::Billing]);
    let anonymous = h.call("GET", "/", None, None).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&anonymous), "/login?why=signin");
    let page = h.call("GET", "/login?why=idle", None, None).await;
    assert!(html(&page).contains("signed out after a period of inactivity"));
    let wrong = h
        .form(
            "/login",
            None,
            &[("username", "bill"), ("password", "nope")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(html(&wrong).contains("role=\"alert\""));
    let cookie = sign_in(&h, "bill").await;
    let home = h.call("GET", "/", Some(&cookie), None).await;
    assert_eq!(home.status, StatusCode::OK);
    assert_eq!(home.headers["cache-control"], "no-store");
    let text = html(&home);
    assert!(text.contains("href=\"/patients\""));
    assert!(!text.contains("href=\"/admin/users\""));
    assert!(!text.contains("href=\"/audit\""));
}

#[tokio::test]
async fn search_tolerates_typos_and_every_listed_patient_is_audited() {
    let h = Harness::new();
    let id = h.add_patient("P100");
    h.add_user("him", &[Role::HimTechnician]);
    let cookie = sign_in(&h, "him").await;
    let token = page_token(&h, &cookie).await;
    let found = h
        .form(
            "/patients",
            Some(&cookie),
            &[("token", &token), ("text", "testpateint")],
        )
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    assert!(html(&found).contains(&format!("href=\"/patients/{id}\"")));
    assert!(html(&found).contains("Testpatient, Tess"));
    let last = h.audit().pop().unwrap();
    assert_eq!(last.event.action, Action::Read);
    assert_eq!(last.event.patient_id, Some(records::PatientId(id)));
    assert_eq!(last.event.reason.as_deref(), Some("patient search"));
    let empty = h
        .form(
            "/patients",
            Some(&cookie),
            &[("token", &token), ("birth_date", "1980-13-45")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&empty).contains("is not a date"));
    let no_token = h
        .form("/patients", Some(&cookie), &[("text", "test")])
        .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn billing_sees_no_note_text_and_a_physician_may_break_the_glass() {
    let h = Harness::configured(|config| {
        config.emergency_staff =
            privacy::EmergencyStaff::new(vec!["doc".into()], privacy::RoleSet::new());
    });
    let id = h.add_patient("P200");
    h.add_note(id, "Patient reports chest pain since Tuesday.");
    h.add_user("bill", &[Role::Billing]);
    let cookie = sign_in(&h, "bill").await;
    let chart = h
        .call("GET", &format!("/patients/{id}"), Some(&cookie), None)
        .await;
    assert_eq!(chart.status, StatusCode::OK);
    let text = html(&chart);
    assert!(text.contains("Testpatient, Tess"));
    assert!(!text.contains("chest pain"));
    assert!(text.contains("Not shown to your roles"));
    let look = h.audit().pop().unwrap();
    assert_eq!(look.event.patient_id, Some(records::PatientId(id)));
    assert!(
        !look
            .event
            .categories
            .contains(&privacy::DataCategory::Notes)
    );
    // Billing holds no emergency access; a physician does, for what their roles lack.
    assert!(!text.contains("Break the glass"));
    h.add_user("doc", &[Role::Physician]);
    let doc = sign_in(&h, "doc").await;
    let chart = h
        .call("GET", &format!("/patients/{id}"), Some(&doc), None)
        .await;
    assert!(html(&chart).contains("chest pain"));
    assert!(!html(&chart).contains("Charges and balance"));
    let token = token(&chart);
    let short = h
        .form(
            &format!("/patients/{id}/break-glass"),
            Some(&doc),
            &[("token", &token), ("reason", "need")],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&short).contains("reason"));
    let granted = h
        .form(
            &format!("/patients/{id}/break-glass"),
            Some(&doc),
            &[
                ("token", &token),
                (
                    "reason",
                    "patient collapsed; checking the account for a guardian",
                ),
                ("minutes", "30"),
            ],
        )
        .await;
    assert_eq!(granted.status, StatusCode::SEE_OTHER, "{}", granted.body);
    let during = h
        .call("GET", &format!("/patients/{id}"), Some(&doc), None)
        .await;
    assert!(html(&during).contains("Charges and balance"));
    assert!(html(&during).contains("Emergency access"));
    assert!(
        h.audit()
            .iter()
            .any(|e| e.event.action == Action::BreakGlass)
    );
}

#[tokio::test]
async fn the_demographics_form_names_each_bad_field_and_saves_nothing_until_right() {
    let h = Harness::new();
    let id = h.add_patient("P300");
    h.add_user("him", &[Role::HimTechnician]);
    let cookie = sign_in(&h, "him").await;
    let form = h
        .call("GET", &format!("/patients/{id}/edit"), Some(&cookie), None)
        .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let token = token(&form);
    let uri = format!("/patients/{id}/edit");
    let bad = h
        .form(
            &uri,
            Some(&cookie),
            &[
                ("token", &token),
                ("version", "1"),
                ("family_name", ""),
                ("given_name", "Tess"),
                ("birth_date", "1980-02-30"),
                ("sex", "female"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = html(&bad);
    assert!(text.contains("id=\"error-family_name\""), "{text}");
    assert!(text.contains("id=\"error-birth_date\""), "{text}");
    let unchanged = h.store.read(|tx| tx.get::<records::Patient>(id)).unwrap();
    assert_eq!(unchanged.meta.version, 1);
    let good = h
        .form(
            &uri,
            Some(&cookie),
            &[
                ("token", &token),
                ("version", "1"),
                ("family_name", "Testpatient-Rowe"),
                ("given_name", "Tess"),
                ("birth_date", "1980-04-12"),
                ("sex", "female"),
                ("city", "Springfield"),
            ],
        )
        .await;
    assert_eq!(good.status, StatusCode::SEE_OTHER, "{}", good.body);
    let changed = h.store.read(|tx| tx.get::<records::Patient>(id)).unwrap();
    assert_eq!(changed.meta.version, 2);
    assert_eq!(changed.record.family_name, "Testpatient-Rowe");
    assert_eq!(changed.record.address.city.as_deref(), Some("Springfield"));
    let update = h.audit().pop().unwrap();
    assert_eq!(update.event.action, Action::Update);
    assert!(update.event.old_values.unwrap().contains("Testpatient"));
    assert!(
        update
            .event
            .new_values
            .unwrap()
            .contains("Testpatient-Rowe")
    );
    // The same stale form again is refused: someone (this user) changed it meanwhile.
    let stale = h
        .form(
            &uri,
            Some(&cookie),
            &[
                ("token", &token),
                ("version", "1"),
                ("family_name", "Other"),
                ("given_name", "Tess"),
                ("birth_date", "1980-04-12"),
                ("sex", "female"),
            ],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let missing = h.call("GET", "/patients/999999", Some(&cookie), None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(html(&missing).contains("role=\"alert\""));
}

#[tokio::test]
async fn administrators_add_users_and_disabling_one_ends_their_session_at_once() {
    let h = Harness::new();
    h.add_user("admin", &[Role::Administrator]);
    h.add_user("fd", &[Role::FrontDesk]);
    let admin = h.login("admin").await;
    let fd = sign_in(&h, "fd").await;
    let users = h.call("GET", "/admin/users", Some(&admin), None).await;
    assert_eq!(users.status, StatusCode::OK, "{}", users.body);
    let token = token(&users);
    let weak = h
        .form(
            "/admin/users",
            Some(&admin),
            &[
                ("token", &token),
                ("username", "billy"),
                ("password", "short"),
                ("role-billing", "on"),
            ],
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&weak).contains("id=\"error-password\""));
    let created = h
        .form(
            "/admin/users",
            Some(&admin),
            &[
                ("token", &token),
                ("username", "billy"),
                ("display_name", "Billy Biller"),
                ("password", PASSWORD),
                ("role-billing", "on"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let user = h.store.security(|s| s.existing_user("billy")).unwrap();
    assert!(user.roles.contains(Role::Billing));
    assert_eq!(
        h.call("GET", "/", Some(&fd), None).await.status,
        StatusCode::OK
    );
    let disabled = h
        .form(
            "/admin/users/fd",
            Some(&admin),
            &[("token", &token), ("action", "disable")],
        )
        .await;
    assert_eq!(disabled.status, StatusCode::SEE_OTHER, "{}", disabled.body);
    let after = h.call("GET", "/", Some(&fd), None).await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert!(location(&after).starts_with("/login?why="));
}

/// The users page shows every problem of a form at once, resets a password (ending the
/// user's session), and refuses with its reason to leave no active administrator.
#[tokio::test]
async fn the_users_page_resets_passwords_and_keeps_the_last_administrator() {
    let h = Harness::new();
    h.add_user("admin", &[Role::Administrator]);
    h.add_user("fd", &[Role::FrontDesk]);
    let admin = h.login("admin").await;
    let fd = sign_in(&h, "fd").await;
    let users = h.call("GET", "/admin/users", Some(&admin), None).await;
    let token = token(&users);

    let bad = h
        .form(
            "/admin/users",
            Some(&admin),
            &[
                ("token", &token),
                ("username", "b o"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["username", "password", "roles"] {
        assert!(
            html(&bad).contains(&format!("id=\"error-{field}\"")),
            "{field}: {}",
            html(&bad)
        );
    }

    let mismatched = h
        .form(
            "/admin/users/fd",
            Some(&admin),
            &[
                ("token", &token),
                ("action", "password"),
                ("password", "fd-short"),
                ("confirm", "something else"),
            ],
        )
        .await;
    assert_eq!(mismatched.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = html(&mismatched);
    assert!(page.contains("id=\"error-password\""), "{page}");
    assert!(page.contains("does not match the new password"), "{page}");
    assert_eq!(
        h.call("GET", "/", Some(&fd), None).await.status,
        StatusCode::OK
    );

    let reset = h
        .form(
            "/admin/users/fd",
            Some(&admin),
            &[
                ("token", &token),
                ("action", "password"),
                ("password", "Fresh-Passphrase-42"),
                ("confirm", "Fresh-Passphrase-42"),
            ],
        )
        .await;
    assert_eq!(reset.status, StatusCode::SEE_OTHER, "{}", reset.body);
    let after = h.call("GET", "/", Some(&fd), None).await;
    assert!(location(&after).starts_with("/login"));

    let refused = h
        .form(
            "/admin/users/admin",
            Some(&admin),
            &[("token", &token), ("action", "disable")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        html(&refused).contains("Not changed: admin is the only active administrator"),
        "{}",
        html(&refused)
    );
    assert!(
        !h.store
            .security(|s| s.existing_user("admin"))
            .unwrap()
            .disabled
    );
}

#[tokio::test]
async fn the_audit_page_lists_looks_and_catches_a_hand_edited_entry() {
    let h = Harness::new();
    let id = h.add_patient("P400");
    h.add_user("aud", &[Role::Auditor]);
    h.add_user("him", &[Role::HimTechnician]);
    let him = sign_in(&h, "him").await;
    h.call("GET", &format!("/patients/{id}"), Some(&him), None)
        .await;
    let auditor = sign_in(&h, "aud").await;
    let report = h.call("GET", "/audit", Some(&auditor), None).await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);
    let token = token(&report);
    let by_patient = h
        .form(
            "/audit",
            Some(&auditor),
            &[("token", &token), ("patient_id", &id.to_string())],
        )
        .await;
    assert_eq!(by_patient.status, StatusCode::OK);
    assert!(html(&by_patient).contains("<td>him</td>"));
    // A FHIR search over two patients is one entry listing both (issue 10), and the
    // report's patient filter finds it by either.
    let other = h.add_patient("P401");
    let search = h
        .call(
            "GET",
            &format!("/fhir/Patient?_id={id},{other}"),
            Some(&him),
            None,
        )
        .await;
    assert_eq!(search.status, StatusCode::OK, "{}", search.body);
    let both = if id < other {
        format!("<td>{id}, {other}</td>")
    } else {
        format!("<td>{other}, {id}</td>")
    };
    for patient in [id, other] {
        let found = h
            .form(
                "/audit",
                Some(&auditor),
                &[("token", &token), ("patient_id", &patient.to_string())],
            )
            .await;
        let page = html(&found);
        assert!(
            page.contains("<td>fhir</td>") && page.contains(&both),
            "{patient}: {page}"
        );
    }
    let csv = h
        .form(
            "/audit",
            Some(&auditor),
            &[
                ("token", &token),
                ("patient_id", &id.to_string()),
                ("export", "csv"),
            ],
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    let csv = html(&csv);
    assert!(csv.starts_with("seq,at,user,roles,action"), "{csv}");
    assert!(
        csv.contains(",him,him-technician,read,success,web,"),
        "{csv}"
    );
    assert_eq!(h.audit().pop().unwrap().event.action, Action::Export);
    let verified = h
        .form("/audit/verify", Some(&auditor), &[("token", &token)])
        .await;
    assert!(
        html(&verified).contains("The audit trail is intact"),
        "{}",
        verified.body
    );
    // What someone with database access would do: drop the guard triggers, edit an entry.
    h.store
        .write(|tx| {
            tx.query("DROP TRIGGER audit_log_no_update", &[])?;
            tx.query(
                "UPDATE audit_log SET username = 'nobody' WHERE seq = 2",
                &[],
            )
        })
        .unwrap();
    let tampered = h
        .form("/audit/verify", Some(&auditor), &[("token", &token)])
        .await;
    assert!(html(&tampered).contains("tampered"), "{}", tampered.body);
}

#[tokio::test]
async fn code_pages_search_and_show_a_code_with_its_inherited_notes() {
    let h = Harness::new();
    h.add_user("fd", &[Role::FrontDesk]);
    let cookie = sign_in(&h, "fd").await;
    let token = page_token(&h, &cookie).await;
    let hits = h
        .form(
            "/codes",
            Some(&cookie),
            &[
                ("token", &token),
                ("system", "icd10cm"),
                ("q", "type 2 diabetes"),
                ("date", "2026-03-01"),
            ],
        )
        .await;
    assert_eq!(hits.status, StatusCode::OK, "{}", hits.body);
    assert!(html(&hits).contains("E11"), "{}", hits.body);
    let page = h
        .call(
            "GET",
            "/codes/icd10cm/E11.9?date=2026-03-01",
            Some(&cookie),
            None,
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let text = html(&page);
    assert!(text.contains("Type 2 diabetes mellitus without complications"));
    assert!(text.contains("FY2026"), "{text}");
    assert!(
        text.contains("(from <a"),
        "inherited notes name their code: {text}"
    );
    let unknown = h
        .call("GET", "/codes/icd10cm/Q99.99", Some(&cookie), None)
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let bad = h.call("GET", "/codes/icd11/E11", Some(&cookie), None).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_diagnosis_is_validated_on_the_encounters_date_before_it_is_stored() {
    let h = Harness::new();
    let id = h.add_patient("P500");
    let eid = h
        .add_encounter(
            id,
            records::EncounterClass::Outpatient,
            time::macros::datetime!(2026-02-10 09:00 UTC),
            None,
        )
        .to_string();
    h.add_user("him", &[Role::HimTechnician]);
    let cookie = sign_in(&h, "him").await;
    let form = h
        .call(
            "GET",
            &format!("/patients/{id}/diagnoses/new"),
            Some(&cookie),
            None,
        )
        .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(html(&form).contains("data-code-picker=\"icd10cm\""));
    let token = token(&form);
    let uri = format!("/patients/{id}/diagnoses");
    let category = h
        .form(
            &uri,
            Some(&cookie),
            &[
                ("token", &token),
                ("encounter_id", &eid),
                ("code", "E11"),
                ("rank", "first_listed"),
            ],
        )
        .await;
    assert_eq!(category.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html(&category).contains("<code>E11.00</code>"),
        "billable children are offered: {}",
        html(&category)
    );
    // A male-only code on a female patient is stopped by the sex edit.
    let prostate = h
        .form(
            &uri,
            Some(&cookie),
            &[
                ("token", &token),
                ("encounter_id", &eid),
                ("code", "N40.0"),
                ("rank", "secondary"),
            ],
        )
        .await;
    assert_eq!(
        prostate.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        prostate.body
    );
    let none: Vec<store::Stored<records::Diagnosis>> =
        h.store.read(|tx| tx.for_patient(id)).unwrap();
    assert!(none.is_empty());
    let saved = h
        .form(
            &uri,
            Some(&cookie),
            &[
                ("token", &token),
                ("encounter_id", &eid),
                ("code", "e119"),
                ("rank", "first_listed"),
                ("poa", ""),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let stored: Vec<store::Stored<records::Diagnosis>> =
        h.store.read(|tx| tx.for_patient(id)).unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].record.code, "E11.9");
    assert_eq!(stored[0].record.sequence, 1);
    assert!(
        stored[0]
            .record
            .description
            .as_deref()
            .unwrap()
            .contains("Type 2 diabetes")
    );
    let created = h.audit().pop().unwrap();
    assert_eq!(created.event.action, Action::Create);
    assert!(created.event.new_values.unwrap().contains("E11.9"));
}

#[tokio::test]
async fn the_query_page_lists_patients_with_chart_links_and_exports_them_audited() {
    let h = Harness::new();
    let first = h.add_patient("P1");
    let second = h.add_patient("P2");
    h.add_user("him", &[Role::HimTechnician]);
    let cookie = sign_in(&h, "him").await;
    let page = h.call("GET", "/queries", Some(&cookie), None).await;
    let token = token(&page);
    let list = "list patients as of 2026-01-01 columns name, mrn, age order by age";
    let shown = h
        .form(
            "/queries",
            Some(&cookie),
            &[("token", &token), ("action", "run"), ("text", list)],
        )
        .await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    let text = html(&shown);
    assert!(text.contains("2 patients listed"), "{text}");
    assert!(
        text.contains(&format!(
            "<a href=\"/patients/{first}\">Testpatient, Tess</a>"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("href=\"/patients/{second}\"")),
        "{text}"
    );
    assert!(text.contains("<td>P2</td>"), "{text}");
    let csv = h
        .form(
            "/queries",
            Some(&cookie),
            &[("token", &token), ("action", "csv"), ("text", list)],
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(
        html(&csv),
        "name,mrn,age\r\n\"Testpatient, Tess\",P1,45\r\n\"Testpatient, Tess\",P2,45\r\n"
    );
    let exported = h.audit().pop().unwrap();
    assert_eq!(exported.event.action, Action::Export);
    assert_eq!(exported.event.all_patients().len(), 2);
    // Saved like any other question, in its normal form.
    let saved = h
        .form(
            "/queries",
            Some(&cookie),
            &[
                ("token", &token),
                ("action", "save"),
                ("name", "all-by-age"),
                ("text", list),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert!(html(&saved).contains("all-by-age"));
    let rerun = h
        .form(
            "/queries",
            Some(&cookie),
            &[("token", &token), ("action", "run"), ("text", "all-by-age")],
        )
        .await;
    assert!(html(&rerun).contains("2 patients listed"));
}

#[tokio::test]
async fn the_query_page_builds_runs_charts_exports_and_saves_a_question() {
    let h = Harness::new();
    for mrn in ["Q1", "Q2", "Q3"] {
        h.add_patient(mrn);
    }
    h.add_user("him", &[Role::HimTechnician]);
    h.add_user("ph", &[Role::PublicHealth]);
    let cookie = sign_in(&h, "him").await;
    let page = h.call("GET", "/queries", Some(&cookie), None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let token = token(&page);
    let built = h
        .form(
            "/queries",
            Some(&cookie),
            &[
                ("token", &token),
                ("action", "run"),
                ("sex", "F"),
                ("age_min", "18"),
                ("as_of", "2026-01-01"),
                ("group_by", "sex"),
            ],
        )
        .await;
    assert_eq!(built.status, StatusCode::OK, "{}", built.body);
    let text = html(&built);
    assert!(
        text.contains(
            "count patients where sex = F and age &gt;= 18 as of 2026-01-01 group by sex"
        ),
        "{text}"
    );
    assert!(text.contains("<svg"), "a chart is drawn");
    assert!(text.contains("<td class=\"num\">3</td>"), "{text}");
    let csv = h
        .form(
            "/queries",
            Some(&cookie),
            &[
                ("token", &token),
                ("action", "csv"),
                ("text", "count patients as of 2026-01-01 group by sex"),
            ],
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    assert!(html(&csv).starts_with("sex,"), "{}", csv.body);
    let saved = h
        .form(
            "/queries",
            Some(&cookie),
            &[
                ("token", &token),
                ("action", "save"),
                ("name", "women-by-sex"),
                (
                    "text",
                    "count patients where sex = F as of 2026-01-01 group by sex",
                ),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert!(html(&saved).contains("women-by-sex"));
    // The save is sealed into an audit entry as the user's (issue 10).
    let entry = h
        .audit()
        .into_iter()
        .rev()
        .find(|e| e.event.writes.is_some())
        .unwrap();
    assert!(
        entry
            .event
            .reason
            .as_deref()
            .unwrap()
            .starts_with("saved query: ")
            && entry
                .event
                .writes
                .as_deref()
                .unwrap()
                .contains("women-by-sex"),
        "{entry:?}"
    );
    let bad = h
        .form(
            "/queries",
            Some(&cookie),
            &[("token", &token), ("text", "count sheep")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&bad).contains("id=\"error-text\""));
    let builder_error = h
        .form(
            "/queries",
            Some(&cookie),
            &[("token", &token), ("age_min", "old"), ("group_by", "")],
        )
        .await;
    assert_eq!(builder_error.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&builder_error).contains("id=\"error-age_min\""));
    // Public health sees aggregates with small cells withheld, and runs the saved query by name.
    let ph = sign_in(&h, "ph").await;
    let ph_token = page_token(&h, &ph).await;
    let suppressed = h
        .form(
            "/queries",
            Some(&ph),
            &[("token", &ph_token), ("text", "women-by-sex")],
        )
        .await;
    assert_eq!(suppressed.status, StatusCode::OK, "{}", suppressed.body);
    assert!(html(&suppressed).contains("&lt;11"), "{}", suppressed.body);
    assert!(h.audit().iter().any(|e| {
        e.event
            .reason
            .as_deref()
            .is_some_and(|r| r.starts_with("population query"))
    }));
}

#[tokio::test]
async fn a_daily_series_is_a_line_beside_its_table_and_the_chart_exports_as_svg() {
    let h = Harness::new();
    let patient = h.add_patient("Series");
    h.store
        .write(|tx| {
            tx.create(
                &store::Actor::new("test"),
                &records::Immunization {
                    patient_id: records::PatientId(patient),
                    encounter_id: None,
                    cvx: "158".into(),
                    administered_at: time::macros::datetime!(2025-10-02 09:00 UTC),
                    status: records::ImmunizationStatus::Completed,
                    lot_number: None,
                    site: None,
                    route: None,
                    performer_id: None,
                    description: None,
                },
            )
        })
        .unwrap();
    h.add_user("him", &[Role::HimTechnician]);
    let cookie = sign_in(&h, "him").await;
    let page = h.call("GET", "/queries", Some(&cookie), None).await;
    let token = token(&page);
    let text =
        "count immunizations where date >= 2025-10-01 and date <= 2025-10-03 group by day(date)";
    let ran = h
        .form(
            "/queries",
            Some(&cookie),
            &[("token", &token), ("action", "run"), ("text", text)],
        )
        .await;
    assert_eq!(ran.status, StatusCode::OK, "{}", ran.body);
    let shown = html(&ran);
    assert!(shown.contains("class=\"answer-view\""), "{shown}");
    assert!(
        shown.contains("<polyline"),
        "a time series is a line: {shown}"
    );
    assert!(!shown.contains("<rect x=\"7"), "no bars");
    for day in ["2025-10-01", "2025-10-02", "2025-10-03"] {
        assert!(shown.contains(&format!("<td>{day}</td>")), "{day}: {shown}");
    }
    assert!(
        shown.contains("<td class=\"num\">0</td>"),
        "zero days shown"
    );
    let exported = h
        .form(
            "/queries",
            Some(&cookie),
            &[("token", &token), ("action", "svg"), ("text", text)],
        )
        .await;
    assert_eq!(exported.status, StatusCode::OK, "{}", exported.body);
    assert!(
        exported.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("image/svg+xml")
    );
    let drawn = html(&exported);
    assert!(drawn.starts_with("<?xml"), "{drawn}");
    assert!(
        drawn.contains("<svg") && drawn.contains("<polyline"),
        "{drawn}"
    );
    assert!(
        drawn.contains(">count</text>"),
        "the legend is in the file: {drawn}"
    );
    let entry = h.audit().pop().unwrap();
    assert_eq!(entry.event.action, Action::Export);
    // A single figure has no chart to export: said on the form, not a broken file.
    let refused = h
        .form(
            "/queries",
            Some(&cookie),
            &[
                ("token", &token),
                ("action", "svg"),
                ("text", "count immunizations"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html(&refused).contains("no chart to export"),
        "{}",
        refused.body
    );
}

#[tokio::test]
async fn a_procedure_is_validated_in_its_code_set_before_it_is_stored() {
    let h = Harness::new();
    let id = h.add_patient("P600");
    let eid = h
        .add_encounter(
            id,
            records::EncounterClass::Inpatient,
            time::macros::datetime!(2026-02-10 09:00 UTC),
            Some(time::macros::datetime!(2026-02-12 11:00 UTC)),
        )
        .to_string();
    h.add_user("him", &[Role::HimTechnician]);
    let cookie = sign_in(&h, "him").await;
    let form = h
        .call(
            "GET",
            &format!("/patients/{id}/procedures/new"),
            Some(&cookie),
            None,
        )
        .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let token = token(&form);
    let uri = format!("/patients/{id}/procedures");
    let submit = |system: &'static str, code: &'static str| {
        let (h, uri, cookie, token, eid) = (&h, &uri, &cookie, &token, &eid);
        async move {
            h.form(
                uri,
                Some(cookie),
                &[
                    ("token", token.as_str()),
                    ("encounter_id", eid.as_str()),
                    ("system", system),
                    ("code", code),
                ],
            )
            .await
        }
    };
    let wrong = submit("icd10pcs", "0DTJ4ZZ9").await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.body
    );
    let no_cpt = submit("cpt", "4497").await;
    assert_eq!(
        no_cpt.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "without a CPT file a CPT code is still checked for its shape"
    );
    assert!(html(&no_cpt).contains("not shaped like a CPT code"));
    assert!(html(&no_cpt).contains("checked for its format only"));
    let saved = submit("icd10pcs", "0DTJ4ZZ").await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let stored: Vec<store::Stored<records::Procedure>> =
        h.store.read(|tx| tx.for_patient(id)).unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].record.code, "0DTJ4ZZ");
    let description = stored[0].record.description.clone().unwrap().to_lowercase();
    assert!(description.contains("appendix"), "{description}");
    // No CPT file is loaded: a well-shaped CPT code is accepted on its format alone.
    let cpt = submit("cpt", "44970").await;
    assert_eq!(cpt.status, StatusCode::SEE_OTHER, "{}", cpt.body);
    let stored: Vec<store::Stored<records::Procedure>> =
        h.store.read(|tx| tx.for_patient(id)).unwrap();
    assert_eq!(stored[1].record.code, "44970");
    assert_eq!(
        stored[1].record.code_system,
        records::ProcedureCodeSystem::Cpt
    );
    let chart = h
        .call("GET", &format!("/patients/{id}"), Some(&cookie), None)
        .await;
    assert!(html(&chart).contains("CPT format checked only"));
}

#[tokio::test]
async fn amendment_requests_are_recorded_and_decided_once_from_the_chart() {
    let h = Harness::new();
    let id = h.add_patient("P700");
    h.add_user("him", &[Role::HimTechnician]);
    let cookie = sign_in(&h, "him").await;
    let chart = h
        .call("GET", &format!("/patients/{id}"), Some(&cookie), None)
        .await;
    assert!(html(&chart).contains(&format!("/patients/{id}/amendments")));
    let page = h
        .call(
            "GET",
            &format!("/patients/{id}/amendments"),
            Some(&cookie),
            None,
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let token = token(&page);
    let uri = format!("/patients/{id}/amendments");
    let empty = h
        .form(
            &uri,
            Some(&cookie),
            &[("token", &token), ("description", "  ")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&empty).contains("id=\"error-description\""));
    let recorded = h
        .form(
            &uri,
            Some(&cookie),
            &[
                ("token", &token),
                ("description", "My birth date is 1980-04-21, not 1980-04-12"),
            ],
        )
        .await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
    let amendment = h
        .store
        .amendments(records::PatientId(id))
        .unwrap()
        .remove(0);
    let decide = format!("/amendments/{}/decision", amendment.id);
    // The HIM technician's start page lists it, linked to the request, until decided.
    let link = format!("/patients/{id}/amendments#amendment-{}", amendment.id);
    let start = h.call("GET", "/", Some(&cookie), None).await;
    let start = html(&start);
    assert!(start.contains("id=\"amendment-work\""), "{start}");
    assert!(start.contains(&link), "{start}");
    assert!(start.contains("My birth date is 1980-04-21"), "{start}");
    let unlinked = h
        .form(
            &decide,
            Some(&cookie),
            &[
                ("token", &token),
                ("decision", "accept"),
                ("reason", "corrected"),
                ("record_kind", "patient"),
            ],
        )
        .await;
    assert_eq!(
        unlinked.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        unlinked.body
    );
    let accepted = h
        .form(
            &decide,
            Some(&cookie),
            &[
                ("token", &token),
                ("decision", "accept"),
                ("reason", "birth date corrected"),
                ("record_kind", "patient"),
                ("record_id", &id.to_string()),
            ],
        )
        .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    let start = h.call("GET", "/", Some(&cookie), None).await;
    let start = html(&start);
    assert!(!start.contains(&link), "{start}");
    assert!(
        start.contains("No amendment request is waiting."),
        "{start}"
    );
    let listed = h.call("GET", &uri, Some(&cookie), None).await;
    assert!(
        html(&listed).contains(&format!("(changed patient {id})")),
        "{}",
        listed.body
    );
    let again = h
        .form(
            &decide,
            Some(&cookie),
            &[
                ("token", &token),
                ("decision", "deny"),
                ("reason", "changed my mind about it"),
            ],
        )
        .await;
    assert!(
        again.status.is_client_error(),
        "decided once: {}",
        again.status
    );
}

#[tokio::test]
async fn printing_a_chart_is_audited_with_what_was_on_it() {
    let h = Harness::new();
    let id = h.add_patient("P800");
    h.add_note(id, "Confidential progress note.");
    h.add_user("bill", &[Role::Billing]);
    let cookie = sign_in(&h, "bill").await;
    let chart = h
        .call("GET", &format!("/patients/{id}"), Some(&cookie), None)
        .await;
    let token = token(&chart);
    let uri = format!("/patients/{id}/print");
    let refused = h.form(&uri, Some(&cookie), &[("token", "forged")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let printed = h.form(&uri, Some(&cookie), &[("token", &token)]).await;
    assert_eq!(printed.status, StatusCode::OK, "{}", printed.body);
    assert!(html(&printed).contains("id=\"print-now\""));
    assert!(!html(&printed).contains("Confidential progress note"));
    let entry = h.audit().pop().unwrap();
    assert_eq!(entry.event.action, Action::Print);
    assert_eq!(entry.event.patient_id, Some(records::PatientId(id)));
    assert!(
        entry
            .event
            .categories
            .contains(&privacy::DataCategory::Billing)
    );
    assert!(
        !entry
            .event
            .categories
            .contains(&privacy::DataCategory::Notes)
    );
}
