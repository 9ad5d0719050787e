//! The login page (a plain form, so it works without script), in the
//! language the browser asks for when SafeCare has it, else the site's.

use axum::Form;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};
use safecare_i18n::{Defaults, Language, Locale};
use serde::Deserialize;

use super::layout::head;
use crate::auth::LoginError;
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

/// Nobody is known before the login: the first language of the browser's
/// `Accept-Language` that SafeCare has, else the site's.
fn visitor(headers: &HeaderMap, display: &Defaults) -> Locale {
    let asked = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .into_iter()
        .flat_map(|v| v.split(','))
        .filter_map(|item| item.split(';').next())
        .filter_map(|tag| tag.trim().split('-').next())
        .find_map(|primary| primary.parse::<Language>().ok());
    Locale::new(asked.unwrap_or(display.language), display.zone.clone())
}

/// Why a login failed, in the visitor's language.
fn refusal(locale: &Locale, err: &LoginError) -> String {
    match err {
        LoginError::Invalid => locale.text("login-invalid"),
        LoginError::Locked(until) => locale.text_with("login-locked", &[("time", locale.time(*until).into())]),
        LoginError::Throttled => locale.text("login-throttled"),
        LoginError::Store(_) | LoginError::Random(_) => {
            locale.text_with("login-unavailable", &[("reason", err.to_string().into())])
        }
    }
}

/// The form; after a refusal it keeps the name typed (never the password).
fn login_page(locale: &Locale, next: &str, error: Option<&str>, username: &str) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(locale.language().tag()) {
            (head(&locale.text("login-title"), false))
            body.login {
                main id="main" {
                    h1 { "SafeCare" }
                    p { (locale.text("login-tagline")) }
                    @if let Some(error) = error {
                        p.error role="alert" { (error) }
                    }
                    form method="post" action="/login" {
                        input type="hidden" name="next" value=(next);
                        label for="username" { (locale.text("login-user-name")) }
                        input id="username" name="username" value=(username) autocomplete="username" required autofocus[username.is_empty()];
                        label for="password" { (locale.text("login-password")) }
                        input id="password" name="password" type="password" autocomplete="current-password" required autofocus[!username.is_empty()];
                        button type="submit" { (locale.text("login-submit")) }
                    }
                }
            }
        }
    }
}

pub async fn form(State(display): State<Arc<Defaults>>, headers: HeaderMap, Query(next): Query<Next>) -> Markup {
    login_page(&visitor(&headers, &display), safe_next(next.next.as_deref()), None, "")
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

pub async fn submit(
    State(logins): State<Logins>,
    State(display): State<Arc<Defaults>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = safe_next(form.next.as_deref()).to_owned();
    match start_session(&logins, peer.ip(), &form.username, &form.password).await {
        Ok((_, cookie)) => {
            (StatusCode::SEE_OTHER, [(header::LOCATION, next)], [(header::SET_COOKIE, cookie)]).into_response()
        }
        Err(err) => {
            let locale = visitor(&headers, &display);
            (login_status(&err), login_page(&locale, &next, Some(&refusal(&locale, &err)), &form.username))
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_visitor_gets_the_first_language_asked_for_that_safecare_has() {
        let display = Defaults::default();
        let mut headers = HeaderMap::new();
        assert_eq!(visitor(&headers, &display).language(), Language::En);
        headers.insert(header::ACCEPT_LANGUAGE, "de-CH, fr-BE;q=0.8, en;q=0.5".parse().unwrap());
        assert_eq!(visitor(&headers, &display).language(), Language::Fr);
        headers.insert(header::ACCEPT_LANGUAGE, "de, ja".parse().unwrap());
        let site = Defaults { language: Language::Nl, ..Defaults::default() };
        assert_eq!(visitor(&headers, &site).language(), Language::Nl);
    }

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
