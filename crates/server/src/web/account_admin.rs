//! User administration: every account with its roles and state, a form to create one,
//! and per-account role changes, disabling, enabling and password resets (each takes
//! effect at once; a reset ends the account's sessions and revokes its tokens).
//!
//! Invariants:
//! - A form with several bad fields shows every problem at once, beside its field, and
//!   nothing is stored.
//! - A change the store refuses (the last active administrator) is shown with its reason
//!   on this page, not on an error page.

use super::forms::{PageForm, PageResult, Refusal, check_token, html};
use super::layout::{Nav, field_error, nav, page, token_field};
use super::text::at_facility;
use crate::admin::{
    NewUserBody, change_account, create_account, parse_roles, reset_account_password,
};
use crate::auth::Principal;
use crate::error::WebError;
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use privacy::Role;
use serde_json::{Map, Value};

fn roles_of(posted: &Map<String, Value>) -> Vec<String> {
    Role::ALL
        .iter()
        .filter(|role| posted.contains_key(&format!("role-{}", role.as_str())))
        .map(|role| role.as_str().to_owned())
        .collect()
}

fn text_of(posted: &Map<String, Value>, field: &str) -> String {
    posted
        .get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn role_boxes(prefix: &str, checked: &[String]) -> Markup {
    html! {
        fieldset.roles {
            legend { "Roles" }
            @for role in Role::ALL {
                label {
                    input type="checkbox" name={ "role-" (role.as_str()) } id={ (prefix) "-" (role.as_str()) }
                        checked[checked.iter().any(|c| c == role.as_str())];
                    " " (role.as_str())
                }
            }
        }
    }
}

/// What went wrong with the last form sent, to show on the page again.
#[derive(Default)]
struct Problems {
    /// The new-user form as sent.
    posted: Map<String, Value>,
    /// Field problems of the new-user form.
    create: Vec<(String, String)>,
    /// The account whose change form failed, and its field problems.
    account: Option<(String, Vec<(String, String)>)>,
    /// A refusal to show above everything.
    refused: Option<String>,
}

async fn users_page(
    state: &AppState,
    principal: &Principal,
    problems: &Problems,
    status: StatusCode,
) -> PageResult {
    let (posted, errors) = (&problems.posted, &problems.create);
    let users = state
        .blocking(|state| Ok(state.store.security(|s| s.users())?))
        .await?;
    let now = state.store.clock().now();
    let nav = nav(state, principal);
    let body = html! {
        @if let Some(reason) = &problems.refused {
            p.error #refused role="alert" { "Not changed: " (reason) }
        }
        table.users {
            thead { tr { th { "Username" } th { "Name" } th { "Roles" } th { "State" } th { "Authenticator" } th { "Created" } th { "Change" } } }
            tbody {
                @for user in &users {
                    @let roles: Vec<String> = user.roles.iter().map(|r| r.as_str().to_owned()).collect();
                    tr id={ "user-" (user.username) } {
                        td { (user.username) }
                        td { (user.display_name) }
                        td { (roles.join(", ")) }
                        td { @if user.disabled { "disabled" } @else if user.locked_until.is_some_and(|u| u > now) { "locked" } @else { "active" } }
                        td { @if user.totp_secret.is_some() { "enrolled" } @else { "—" } }
                        td { (at_facility(&nav.zone, user.created_at)) }
                        td {
                            @let failed = problems.account.as_ref().filter(|(name, _)| *name == user.username);
                            details open[failed.is_some()] {
                                summary { "Change" }
                                (change_form(&nav, &user.username, &roles, user.disabled))
                                (password_form(&nav, &user.username, failed.map_or(&[][..], |(_, e)| e.as_slice())))
                            }
                        }
                    }
                }
            }
        }
        h2 #new { "New user" }
        @if !errors.is_empty() {
            p.error role="alert" { "The user was not created; see the fields below." }
        }
        form.stack method="post" action="/admin/users" {
            (token_field(&nav))
            label for="username" { "Username" }
            input #username name="username" value=(text_of(posted, "username")) autocomplete="off" required;
            (field_error(errors, "username"))
            label for="display_name" { "Full name" }
            input #display_name name="display_name" value=(text_of(posted, "display_name"));
            label for="password" { "Initial password (at least 12 characters, not the username)" }
            input #password name="password" type="password" autocomplete="new-password" required;
            (field_error(errors, "password"))
            (role_boxes("new", &roles_of(posted)))
            (field_error(errors, "roles"))
            button type="submit" { "Create user" }
        }
    };
    Ok(html(status, page("Users", Some(&nav), body)))
}

fn change_form(nav: &Nav, username: &str, roles: &[String], disabled: bool) -> Markup {
    html! {
        form.stack method="post" action={ "/admin/users/" (username) } {
            (token_field(nav))
            (role_boxes(username, roles))
            button type="submit" name="action" value="roles" { "Save roles" }
            @if disabled {
                button type="submit" name="action" value="enable" { "Enable" }
            } @else {
                button.danger type="submit" name="action" value="disable" { "Disable" }
            }
        }
    }
}

fn password_form(nav: &Nav, username: &str, errors: &[(String, String)]) -> Markup {
    html! {
        form.stack method="post" action={ "/admin/users/" (username) } {
            (token_field(nav))
            input type="hidden" name="action" value="password";
            label for={ (username) "-password" } { "New password (at least 12 characters, not the username)" }
            input id={ (username) "-password" } name="password" type="password" autocomplete="new-password";
            (field_error(errors, "password"))
            label for={ (username) "-confirm" } { "The new password again" }
            input id={ (username) "-confirm" } name="confirm" type="password" autocomplete="new-password";
            (field_error(errors, "confirm"))
            button type="submit" { "Reset password" }
        }
    }
}

/// Every problem with a new password at once: the policy and the confirmation.
fn password_problems(username: &str, password: &str, confirm: &str) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    if let Err(e) = privacy::check_password_policy(username, password) {
        problems.push(("password".to_owned(), e.to_string()));
    }
    if password != confirm {
        problems.push((
            "confirm".to_owned(),
            "does not match the new password".to_owned(),
        ));
    }
    problems
}

/// Every problem with a new account at once: username, password and roles.
fn account_problems(body: &NewUserBody) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    let username = store::check_username(&body.username).unwrap_or_else(|e| {
        problems.push(("username".to_owned(), e.to_string()));
        store::normalize_username(&body.username)
    });
    if let Err(e) = privacy::check_password_policy(&username, &body.password) {
        problems.push(("password".to_owned(), e.to_string()));
    }
    if let Err(WebError::BadRequest { field, reason }) = parse_roles(&body.roles) {
        problems.push((field, reason));
    }
    problems
}

/// `GET /admin/users`.
pub(crate) async fn users(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> PageResult {
    users_page(&state, &principal, &Problems::default(), StatusCode::OK).await
}

/// `POST /admin/users`: creates an account, or shows the form again with the problem.
pub(crate) async fn create(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    PageForm(posted): PageForm<Map<String, Value>>,
) -> PageResult {
    check_token(&state, &principal, &text_of(&posted, "token"))?;
    let body = NewUserBody {
        username: text_of(&posted, "username"),
        display_name: text_of(&posted, "display_name"),
        roles: roles_of(&posted),
        password: text_of(&posted, "password"),
    };
    let mut create = account_problems(&body);
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if create.is_empty() {
        match create_account(&state, principal.clone(), body).await {
            Ok(_) => return Ok(Redirect::to("/admin/users").into_response()),
            Err(WebError::BadRequest { field, reason }) => create.push((field, reason)),
            Err(WebError::Conflict(reason)) => {
                create.push(("username".to_owned(), reason));
                status = StatusCode::CONFLICT;
            }
            Err(other) => return Err(Refusal(other)),
        }
    }
    let problems = Problems {
        posted,
        create,
        ..Problems::default()
    };
    users_page(&state, &principal, &problems, status).await
}

/// `POST /admin/users/{username}` with `action` = roles, disable or enable.
pub(crate) async fn change(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(username): Path<String>,
    PageForm(posted): PageForm<Map<String, Value>>,
) -> PageResult {
    check_token(&state, &principal, &text_of(&posted, "token"))?;
    let outcome = match text_of(&posted, "action").as_str() {
        "roles" => {
            let roles = parse_roles(&roles_of(&posted))?;
            change_account(
                &state,
                principal.clone(),
                username.clone(),
                "roles changed",
                move |s, name| s.set_roles(name, &roles),
            )
            .await
        }
        "disable" => {
            change_account(
                &state,
                principal.clone(),
                username.clone(),
                "user disabled",
                |s, name| s.set_disabled(name, true),
            )
            .await
        }
        "enable" => {
            change_account(
                &state,
                principal.clone(),
                username.clone(),
                "user enabled",
                |s, name| s.set_disabled(name, false),
            )
            .await
        }
        "password" => {
            let password = text_of(&posted, "password");
            let name = store::normalize_username(&username);
            let errors = password_problems(&name, &password, &text_of(&posted, "confirm"));
            if !errors.is_empty() {
                let problems = Problems {
                    account: Some((name, errors)),
                    ..Problems::default()
                };
                return users_page(
                    &state,
                    &principal,
                    &problems,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
            reset_account_password(&state, principal.clone(), username.clone(), password).await
        }
        other => {
            return Err(Refusal(WebError::bad(
                "action",
                format!("\"{other}\" is not roles, disable, enable or password"),
            )));
        }
    };
    match outcome {
        Ok(_) => Ok(Redirect::to("/admin/users").into_response()),
        Err(WebError::Conflict(reason)) => {
            let problems = Problems {
                refused: Some(reason),
                account: Some((store::normalize_username(&username), Vec::new())),
                ..Problems::default()
            };
            users_page(&state, &principal, &problems, StatusCode::CONFLICT).await
        }
        Err(other) => Err(Refusal(other)),
    }
}
