//! The login page (a plain form, so it works without script).

use axum::Form;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;

use super::layout::head;
use crate::routes::session::{Logins, login_status, start_session};

#[derive(Debug, Default, Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// Only same-origin paths are followed after login, never another site:
/// a path that starts with one `/` and holds only visible ASCII other than
/// a backslash. Browsers drop tabs and newlines from URLs (`/\t/evil.example`
/// becomes `//evil.example`, another host) and read a backslash as `/`; a CR or
/// LF could not go into a header anyway; anything else falls back to `/`.
fn safe_next(next: Option<&str>) -> &str {
    let same_origin =
        |n: &&str| n.starts_with('/') && !n.starts_with("//") && n.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
    next.filter(same_origin).unwrap_or("/")
}

fn login_page(next: &str, error: Option<&str>) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head("Log in", false))
            body.login {
                main id="main" {
                    h1 { "SafeCare" }
                    p { "Hospital security operations: cyber and physical, one picture." }
                    @if let Some(error) = error {
                        p.error role="alert" { (error) }
                    }
                    form method="post" action="/login" {
                        input type="hidden" name="next" value=(next);
                        label for="username" { "User name" }
                        input id="username" name="username" autocomplete="username" required autofocus;
                        label for="password" { "Password" }
                        input id="password" name="password" type="password" autocomplete="current-password" required;
                        button type="submit" { "Log in" }
                    }
                }
            }
        }
    }
}

pub async fn form(Query(next): Query<Next>) -> Markup {
    login_page(safe_next(next.next.as_deref()), None)
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

pub async fn submit(
    State(logins): State<Logins>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = safe_next(form.next.as_deref()).to_owned();
    match start_session(&logins, peer.ip(), &form.username, &form.password).await {
        Ok((_, cookie)) => {
            (StatusCode::SEE_OTHER, [(header::LOCATION, next)], [(header::SET_COOKIE, cookie)]).into_response()
        }
        Err(err) => (login_status(&err), login_page(&next, Some(&err.to_string()))).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next(Some("/events?q=x")), "/events?q=x");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil")), "/");
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(Some("/\n/evil.example")), "/");
        assert_eq!(safe_next(Some("/x\r\nSet-Cookie: a=b")), "/");
        assert_eq!(safe_next(Some("/événements")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
