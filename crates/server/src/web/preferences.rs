//! The caller's own settings page (`/me`): their language and time zone,
//! saved through `PUT /api/v1/me/preferences`; the page reloads in the new
//! language.

use std::sync::Arc;

use axum::extract::{Extension, State};
use maud::{Markup, html};
use safecare_i18n::{Defaults, Language, Locale};
use safecare_store::AccountStore;
use strum::IntoEnumIterator;

use super::layout::page as shell;
use crate::auth::Principal;

pub async fn page(
    State(accounts): State<Arc<dyn AccountStore>>,
    State(display): State<Arc<Defaults>>,
    Extension(principal): Extension<Principal>,
) -> Markup {
    let locale = &principal.locale;
    // API tokens and vanished users have no record to change: the form is
    // not offered to them.
    let chosen = match principal.csrf {
        Some(_) => accounts.get_user(&principal.name).await.ok().flatten().map(|u| u.preferences),
        None => None,
    };
    let site = Locale::new(display.language, display.zone.clone());
    let zones = {
        let mut names: Vec<String> = jiff::tz::db().available().map(|name| name.to_string()).collect();
        names.sort();
        names
    };
    let content = html! {
        p { (locale.text_with("me-now", &[("time", locale.time(jiff::Timestamp::now()).into())])) }
        @match chosen {
            None => p.error role="alert" { (locale.text("me-no-record")) },
            Some(chosen) => form.api.preferences data-method="PUT" data-url="/api/v1/me/preferences" {
                label for="language" { (locale.text("layout-language")) }
                select id="language" name="language" data-empty-null {
                    option value="" selected[chosen.language.is_none()] {
                        (locale.text_with("me-site-default", &[("value", site.language().endonym().into())]))
                    }
                    @for language in Language::iter() {
                        option value=(language.tag()) lang=(language.tag()) selected[chosen.language == Some(language)] {
                            (language.endonym())
                        }
                    }
                }
                label for="time_zone" { (locale.text("layout-time-zone")) }
                select id="time_zone" name="time_zone" data-empty-null {
                    option value="" selected[chosen.time_zone.is_none()] {
                        (locale.text_with("me-site-default", &[("value", site.zone_name().into())]))
                    }
                    @for zone in &zones {
                        option value=(zone) selected[chosen.time_zone.as_deref() == Some(zone.as_str())] { (zone) }
                    }
                }
                button type="submit" { (locale.text("me-save")) }
            },
        }
        p id="action-status" aria-live="polite" {}
    };
    shell(&locale.text("me-title"), &principal, "/me", content)
}
