//! FHIR `Group` (patient rosters) and Bulk Data's Group-level `$export`: create, read,
//! update, soft delete and search of rosters with their validation errors, permissions
//! and audit entries; a Group export holds its members' compartments and nothing of
//! anyone else.

use crate::fhir_export::{ACCEPT, ASYNC, download_all, finished, kick_off, types_of};
use crate::fhir_rest::{fhir, signed_in};
use crate::harness::{Harness, Reply};
use axum::http::StatusCode;
use privacy::{Action, Channel, DataCategory, Role};
use serde_json::{Value, json};

pub fn group_json(name: &str, members: &[i64]) -> Value {
    json!({
        "resourceType": "Group",
        "identifier": [{"system": "urn:chartroom:panel", "value": name.to_lowercase().replace(' ', "-")}],
        "type": "person",
        "actual": true,
        "name": name,
        "member": members
            .iter()
            .map(|id| json!({"entity": {"reference": format!("Patient/{id}")}}))
            .collect::<Vec<_>>(),
    })
}

fn expressions(reply: &Reply) -> Vec<String> {
    reply.body["issue"]
        .as_array()
        .unwrap_or_else(|| panic!("not an OperationOutcome: {}", reply.body))
        .iter()
        .flat_map(|i| i["expression"].as_array().cloned().unwrap_or_default())
        .map(|e| e.as_str().unwrap().to_owned())
        .collect()
}

fn member_ids(group: &Value) -> Vec<String> {
    group["member"]
        .as_array()
        .map(|members| {
            members
                .iter()
                .map(|m| m["entity"]["reference"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn search_names(reply: &Reply) -> Vec<String> {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body["entry"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .map(|e| e["resource"]["name"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_group_is_created_read_searched_updated_and_deleted() {
    let h = Harness::new();
    let (a, b, c) = (
        h.add_patient("G100"),
        h.add_patient("G200"),
        h.add_patient("G300"),
    );
    let me = signed_in(&h, &[Role::FrontDesk]).await;

    let created = fhir(
        &h,
        "POST",
        "/fhir/Group",
        &me,
        Some(group_json("Diabetes panel", &[a, b])),
        &[("prefer", "return=representation")],
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(created.headers["etag"], "W/\"1\"");
    assert_eq!(created.body["type"], "person");
    assert_eq!(created.body["actual"], true);
    assert_eq!(created.body["quantity"], 2);
    assert_eq!(
        member_ids(&created.body),
        [format!("Patient/{a}"), format!("Patient/{b}")]
    );
    assert!(
        fhir::validate_value(&created.body).is_empty(),
        "{}",
        created.body
    );
    let other = fhir(
        &h,
        "POST",
        "/fhir/Group",
        &me,
        Some(group_json("Asthma panel", &[c])),
        &[],
    )
    .await;
    assert_eq!(other.status, StatusCode::CREATED, "{}", other.body);

    let read = fhir(&h, "GET", &format!("/fhir/Group/{id}"), &me, None, &[]).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.body, created.body);

    for (query, expected) in [
        ("name=diab", vec!["Diabetes panel"]),
        ("name:exact=Asthma%20panel", vec!["Asthma panel"]),
        ("name=panel", vec![]),
        (
            "identifier=urn:chartroom:panel%7Casthma-panel",
            vec!["Asthma panel"],
        ),
        ("identifier=diabetes-panel", vec!["Diabetes panel"]),
        ("identifier=urn:other%7Cdiabetes-panel", vec![]),
        (&format!("member=Patient/{a}"), vec!["Diabetes panel"]),
        (&format!("member={c}"), vec!["Asthma panel"]),
        ("member=Patient/99999", vec![]),
    ] {
        let reply = fhir(&h, "GET", &format!("/fhir/Group?{query}"), &me, None, &[]).await;
        assert_eq!(search_names(&reply), expected, "{query}");
    }

    // A new roster is a new version; the old one stays readable.
    let mut changed = group_json("Diabetes panel", &[b, c]);
    changed["id"] = json!(id);
    let updated = fhir(
        &h,
        "PUT",
        &format!("/fhir/Group/{id}"),
        &me,
        Some(changed),
        &[("if-match", "W/\"1\""), ("prefer", "return=representation")],
    )
    .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    assert_eq!(updated.body["meta"]["versionId"], "2");
    assert_eq!(
        member_ids(&updated.body),
        [format!("Patient/{b}"), format!("Patient/{c}")]
    );
    let old = fhir(
        &h,
        "GET",
        &format!("/fhir/Group/{id}/_history/1"),
        &me,
        None,
        &[],
    )
    .await;
    assert_eq!(
        member_ids(&old.body),
        [format!("Patient/{a}"), format!("Patient/{b}")]
    );
    let reply = fhir(
        &h,
        "GET",
        &format!("/fhir/Group?member=Patient/{a}"),
        &me,
        None,
        &[],
    )
    .await;
    assert!(search_names(&reply).is_empty());
    let history = fhir(
        &h,
        "GET",
        &format!("/fhir/Group/{id}/_history"),
        &me,
        None,
        &[],
    )
    .await;
    assert_eq!(history.body["total"], 2, "{}", history.body);

    let deleted = fhir(&h, "DELETE", &format!("/fhir/Group/{id}"), &me, None, &[]).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    let gone = fhir(&h, "GET", &format!("/fhir/Group/{id}"), &me, None, &[]).await;
    assert_eq!(gone.status, StatusCode::GONE);
    let reply = fhir(&h, "GET", "/fhir/Group?name=diab", &me, None, &[]).await;
    assert!(search_names(&reply).is_empty());

    // Each interaction is one audit entry about the group, as demographic data.
    let entries: Vec<_> = h
        .audit()
        .into_iter()
        .filter(|e| {
            e.event.channel == Channel::Fhir && e.event.record_kind.as_deref() == Some("group")
        })
        .collect();
    for action in [Action::Create, Action::Read, Action::Update, Action::Delete] {
        assert!(
            entries.iter().any(|e| e.event.action == action),
            "{action:?}: {entries:#?}"
        );
    }
    assert!(
        entries
            .iter()
            .all(|e| e.event.categories == [DataCategory::Demographics])
    );
}

#[tokio::test]
async fn a_bad_group_is_refused_naming_each_element() {
    let h = Harness::new();
    let a = h.add_patient("G100");
    let me = signed_in(&h, &[Role::FrontDesk]).await;

    // A member that resolves to no patient: 422 at that member's entity.
    let unknown = fhir(
        &h,
        "POST",
        "/fhir/Group",
        &me,
        Some(group_json("Panel", &[a, 99_999])),
        &[],
    )
    .await;
    assert_eq!(
        unknown.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        unknown.body
    );
    assert_eq!(expressions(&unknown), ["Group.member[1].entity"]);
    assert!(
        unknown.body.to_string().contains("Patient/99999"),
        "{}",
        unknown.body
    );

    let mut practitioner = group_json("Panel", &[a]);
    practitioner["member"][0]["entity"]["reference"] = json!("Practitioner/1");
    let wrong_type = fhir(&h, "POST", "/fhir/Group", &me, Some(practitioner), &[]).await;
    assert_eq!(wrong_type.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(expressions(&wrong_type), ["Group.member[0].entity"]);

    // What Chartroom cannot keep, all at once.
    let mut descriptive = group_json("Panel", &[a]);
    descriptive["actual"] = json!(false);
    let grp_1 = fhir(&h, "POST", "/fhir/Group", &me, Some(descriptive), &[]).await;
    assert_eq!(grp_1.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(expressions(&grp_1), ["Group"]);
    assert!(grp_1.body.to_string().contains("grp-1"), "{}", grp_1.body);

    let mut odd = group_json("Panel", &[a, a]);
    odd["type"] = json!("device");
    odd.as_object_mut().unwrap().remove("name");
    let refused = fhir(&h, "POST", "/fhir/Group", &me, Some(odd), &[]).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    let found = expressions(&refused);
    for expected in ["Group.type", "Group.name", "Group.member[1].entity"] {
        assert!(
            found.contains(&expected.to_owned()),
            "{expected}: {found:?}"
        );
    }

    // Invalid FHIR: the validator names the elements.
    let invalid = json!({
        "resourceType": "Group",
        "type": "people",
        "name": "Panel",
        "member": [{"entity": "Patient/1"}],
    });
    let refused = fhir(&h, "POST", "/fhir/Group", &me, Some(invalid), &[]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let found = expressions(&refused);
    for expected in ["Group.type", "Group.actual", "Group.member[0].entity"] {
        assert!(
            found.contains(&expected.to_owned()),
            "{expected}: {found:?}"
        );
    }
    let not_json = h
        .send_raw(
            "POST",
            "/fhir/Group",
            &[("cookie", &me), ("content-type", "application/fhir+json")],
            "{\"resourceType\": ",
        )
        .await;
    assert_eq!(not_json.status, StatusCode::BAD_REQUEST);
    assert_eq!(not_json.body["resourceType"], "OperationOutcome");

    // Nothing was stored.
    let all = fhir(&h, "GET", "/fhir/Group", &me, None, &[]).await;
    assert!(search_names(&all).is_empty());
}

#[tokio::test]
async fn reading_a_group_needs_demographics_and_changing_one_writing_them() {
    let h = Harness::new();
    let a = h.add_patient("G100");
    let clerk = signed_in(&h, &[Role::FrontDesk]).await;
    let created = fhir(
        &h,
        "POST",
        "/fhir/Group",
        &clerk,
        Some(group_json("Panel", &[a])),
        &[],
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let location = created.headers["location"].to_str().unwrap().to_owned();
    let id = location.split('/').nth(5).unwrap().to_owned();

    // Billing reads demographics but does not write them.
    h.add_user("biller", &[Role::Billing]);
    let biller = h.login("biller").await;
    let read = fhir(&h, "GET", &format!("/fhir/Group/{id}"), &biller, None, &[]).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    let write = fhir(
        &h,
        "POST",
        "/fhir/Group",
        &biller,
        Some(group_json("Mine", &[a])),
        &[],
    )
    .await;
    assert_eq!(write.status, StatusCode::FORBIDDEN);
    assert!(
        write.body.to_string().contains("write-demographics"),
        "{}",
        write.body
    );
    let delete = fhir(
        &h,
        "DELETE",
        &format!("/fhir/Group/{id}"),
        &biller,
        None,
        &[],
    )
    .await;
    assert_eq!(delete.status, StatusCode::FORBIDDEN);

    // A researcher sees no patient-level data at all.
    h.add_user("researcher", &[Role::Researcher]);
    let researcher = h.login("researcher").await;
    let read = fhir(
        &h,
        "GET",
        &format!("/fhir/Group/{id}"),
        &researcher,
        None,
        &[],
    )
    .await;
    assert_eq!(read.status, StatusCode::FORBIDDEN);
    assert_eq!(read.body["resourceType"], "OperationOutcome");
}

/// Every patient a resource refers to.
fn patients_named(resource: &Value) -> Vec<String> {
    let mut found = Vec::new();
    fn walk(value: &Value, found: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("reference")
                    && r.starts_with("Patient/")
                {
                    found.push(r.clone());
                }
                map.values().for_each(|v| walk(v, found));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, found)),
            _ => {}
        }
    }
    walk(resource, &mut found);
    if resource["resourceType"] == "Patient" {
        found.push(format!("Patient/{}", resource["id"].as_str().unwrap()));
    }
    found
}

#[tokio::test]
async fn a_group_export_holds_its_members_compartments_and_nothing_else() {
    let h = Harness::new();
    let patients: Vec<i64> = ["G100", "G200", "G300"]
        .iter()
        .map(|m| h.add_patient(m))
        .collect();
    for (n, patient) in patients.iter().enumerate() {
        let at = h.now() - time::Duration::days(n as i64 + 1);
        h.add_encounter(*patient, records::EncounterClass::Outpatient, at, Some(at));
        h.add_note(*patient, "group export note");
        h.add_charge(*patient, "99213", 10_000 + n as i64);
    }
    let (a, b, outsider) = (patients[0], patients[1], patients[2]);
    let me = signed_in(&h, &[Role::HimTechnician, Role::Billing]).await;
    let created = fhir(
        &h,
        "POST",
        "/fhir/Group",
        &me,
        Some(group_json("Export panel", &[a, b])),
        &[],
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let location = created.headers["location"].to_str().unwrap().to_owned();
    let id = location.split('/').nth(5).unwrap().to_owned();

    let status = kick_off(&h, &me, &format!("/fhir/Group/{id}/$export")).await;
    let manifest = finished(&h, &me, &status).await;
    assert!(
        manifest["request"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/fhir/Group/{id}/$export")),
        "{manifest}"
    );
    let files = download_all(&h, &me, &manifest).await;
    let types = types_of(&manifest);
    for expected in ["Patient", "Encounter", "DocumentReference", "ChargeItem"] {
        assert!(
            types.contains(&expected.to_owned()),
            "{expected}: {manifest}"
        );
    }
    for outside in ["Organization", "Practitioner", "Group"] {
        assert!(
            !types.contains(&outside.to_owned()),
            "{outside}: {manifest}"
        );
    }
    let members = [format!("Patient/{a}"), format!("Patient/{b}")];
    for (type_name, resources) in &files {
        assert_eq!(resources.len(), 2, "{type_name}: one per member");
        for resource in resources {
            let named = patients_named(resource);
            assert!(!named.is_empty(), "{resource}");
            assert!(
                named.iter().all(|p| members.contains(p)),
                "{type_name}: {resource}"
            );
        }
    }
    assert!(
        !files
            .iter()
            .flat_map(|(_, r)| r)
            .any(|r| r.to_string().contains(&format!("Patient/{outsider}\""))),
        "nothing of the non-member"
    );

    // The kick-off entry names the group and both members.
    let entry = h
        .audit()
        .into_iter()
        .find(|e| {
            e.event.action == Action::Export && e.event.record_kind.as_deref() == Some("group")
        })
        .unwrap();
    let mut members = vec![records::PatientId(a), records::PatientId(b)];
    members.sort_unstable_by_key(|p| p.0);
    assert_eq!(entry.event.patients, members);
    assert!(entry.event.categories.contains(&DataCategory::Billing));

    // `_type` and `_since` work as at Patient level; Group is not in the compartment.
    let status = kick_off(
        &h,
        &me,
        &format!("/fhir/Group/{id}/$export?_type=Patient,ChargeItem"),
    )
    .await;
    let manifest = finished(&h, &me, &status).await;
    assert_eq!(types_of(&manifest), ["Patient", "ChargeItem"]);
    let status = kick_off(
        &h,
        &me,
        &format!("/fhir/Group/{id}/$export?_since=2099-01-01T00:00:00Z"),
    )
    .await;
    assert_eq!(finished(&h, &me, &status).await["output"], json!([]));
    let refused = fhir(
        &h,
        "GET",
        &format!("/fhir/Group/{id}/$export?_type=Group"),
        &me,
        None,
        &[ASYNC, ACCEPT],
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(expressions(&refused), ["_type"]);

    // The roster at kick-off decides: after an update, only the new member's data.
    let mut changed = group_json("Export panel", &[outsider]);
    changed["id"] = json!(id);
    let updated = fhir(
        &h,
        "PUT",
        &format!("/fhir/Group/{id}"),
        &me,
        Some(changed),
        &[],
    )
    .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    let status = kick_off(&h, &me, &format!("/fhir/Group/{id}/$export?_type=Patient")).await;
    let manifest = finished(&h, &me, &status).await;
    let files = download_all(&h, &me, &manifest).await;
    assert_eq!(files[0].1.len(), 1);
    assert_eq!(files[0].1[0]["id"], outsider.to_string());

    // A system-level export writes the Groups themselves.
    let status = kick_off(&h, &me, "/fhir/$export?_type=Group").await;
    let files = download_all(&h, &me, &finished(&h, &me, &status).await).await;
    assert_eq!(files[0].0, "Group");
    assert_eq!(files[0].1[0]["name"], "Export panel");
}

#[tokio::test]
async fn exporting_an_unknown_or_deleted_group_is_refused() {
    let h = Harness::new();
    let a = h.add_patient("G100");
    let me = signed_in(&h, &[Role::HimTechnician]).await;
    for uri in ["/fhir/Group/999/$export", "/fhir/Group/not-a-group/$export"] {
        let reply = fhir(&h, "GET", uri, &me, None, &[ASYNC, ACCEPT]).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{uri}: {}", reply.body);
        assert_eq!(reply.body["resourceType"], "OperationOutcome");
        assert!(reply.body.to_string().contains("Group"), "{}", reply.body);
    }
    let created = fhir(
        &h,
        "POST",
        "/fhir/Group",
        &me,
        Some(group_json("Closed", &[a])),
        &[],
    )
    .await;
    let location = created.headers["location"].to_str().unwrap().to_owned();
    let id = location.split('/').nth(5).unwrap().to_owned();
    let deleted = fhir(&h, "DELETE", &format!("/fhir/Group/{id}"), &me, None, &[]).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let reply = fhir(
        &h,
        "GET",
        &format!("/fhir/Group/{id}/$export"),
        &me,
        None,
        &[ASYNC, ACCEPT],
    )
    .await;
    assert_eq!(reply.status, StatusCode::GONE, "{}", reply.body);
    // Without Prefer: respond-async the kick-off is refused before the group is looked at.
    let reply = fhir(&h, "GET", "/fhir/Group/999/$export", &me, None, &[ACCEPT]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    // Nothing was started, so nothing was audited as an export.
    assert!(h.audit().iter().all(|e| e.event.action != Action::Export));
    // And a user without export-records may not start one.
    h.add_user("clerk", &[Role::FrontDesk]);
    let clerk = h.login("clerk").await;
    let reply = fhir(
        &h,
        "GET",
        &format!("/fhir/Group/{id}/$export"),
        &clerk,
        None,
        &[ASYNC, ACCEPT],
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_capability_statement_lists_group_with_its_export() {
    let h = Harness::new();
    let metadata = h.call("GET", "/fhir/metadata", None, None).await;
    let resources = metadata.body["rest"][0]["resource"].as_array().unwrap();
    let of = |name: &str| {
        resources
            .iter()
            .find(|r| r["type"] == name)
            .unwrap()
            .clone()
    };
    let group = of("Group");
    let codes: Vec<&str> = group["interaction"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    for code in [
        "read",
        "vread",
        "update",
        "delete",
        "history-instance",
        "create",
        "search-type",
    ] {
        assert!(codes.contains(&code), "{code}: {group}");
    }
    assert_eq!(group["operation"][0]["name"], "export");
    assert_eq!(
        group["operation"][0]["definition"],
        "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export"
    );
    // Charges, claims and the payers' decisions change through billing: read and search
    // only.
    for name in ["ChargeItem", "Claim", "ExplanationOfBenefit"] {
        let resource = of(name);
        let codes: Vec<&str> = resource["interaction"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["code"].as_str().unwrap())
            .collect();
        assert!(
            !codes.contains(&"create") && codes.contains(&"read") && codes.contains(&"search-type"),
            "{resource}"
        );
    }
    assert!(fhir::validate_value(&metadata.body).is_empty());
}
