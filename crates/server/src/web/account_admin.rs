//! User administration: every account with its roles and state, a form to create one,
//! and per-account role changes, disabling and enabling (each takes effect at once).

use super::forms::{PageForm, PageResult, Refusal, check_token, html};
use super::layout::{Nav, field_error, nav, page, token_field};
use super::text::instant;
use crate::admin::{NewUserBody, change_account, create_account, parse_roles};
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

async fn users_page(
    state: &AppState,
    principal: &Principal,
    posted: &Map<String, Value>,
    errors: &[(String, String)],
    status: StatusCode,
) -> PageResult {
    let users = state
        .blocking(|state| Ok(state.store.security(|s| s.users())?))
        .await?;
    let now = state.store.clock().now();
    let nav = nav(state, principal);
    let body = html! {
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
                        td { (instant(user.created_at)) }
                        td {
                            details {
                                summary { "Change" }
                                (change_form(&nav, &user.username, &roles, user.disabled))
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

/// `GET /admin/users`.
pub(crate) async fn users(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> PageResult {
    users_page(&state, &principal, &Map::new(), &[], StatusCode::OK).await
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
    match create_account(&state, principal.clone(), body).await {
        Ok(_) => Ok(Redirect::to("/admin/users").into_response()),
        Err(WebError::BadRequest { field, reason }) => {
            users_page(
                &state,
                &principal,
                &posted,
                &[(field, reason)],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(WebError::Conflict(reason)) => {
            let errors = [("username".to_owned(), reason)];
            users_page(&state, &principal, &posted, &errors, StatusCode::CONFLICT).await
        }
        Err(other) => Err(Refusal(other)),
    }
}

/// `POST /admin/users/{username}` with `action` = roles, disable or enable.
pub(crate) async fn change(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(username): Path<String>,
    PageForm(posted): PageForm<Map<String, Value>>,
) -> PageResult {
    check_token(&state, &principal, &text_of(&posted, "token"))?;
    match text_of(&posted, "action").as_str() {
        "roles" => {
            let roles = parse_roles(&roles_of(&posted))?;
            change_account(
                &state,
                principal,
                username,
                "roles changed",
                move |s, name| s.set_roles(name, &roles),
            )
            .await?;
        }
        "disable" => {
            change_account(&state, principal, username, "user disabled", |s, name| {
                s.set_disabled(name, true)
            })
            .await?;
        }
        "enable" => {
            change_account(&state, principal, username, "user enabled", |s, name| {
                s.set_disabled(name, false)
            })
            .await?;
        }
        other => {
            return Err(Refusal(WebError::bad(
                "action",
                format!("\"{other}\" is not roles, disable or enable"),
            )));
        }
    }
    Ok(Redirect::to("/admin/users").into_response())
}
