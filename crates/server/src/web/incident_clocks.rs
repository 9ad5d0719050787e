//! The incident page's regulatory clocks: who declared the incident
//! significant (NIS2) or a personal-data breach (GDPR), each deadline with
//! the time left, a link to its report draft and the form that records the
//! report as submitted (with its reference), which stops the clock; and the
//! declarations themselves, each behind a confirmation that says which
//! legal clocks it starts.

use jiff::{SignedDuration, Timestamp};
use maud::{Markup, html};
use safecare_i18n::Locale;
use safecare_respond::{IncidentRecord, RegulatoryClock, ReportKind};

use super::incident::word;

/// Where the time-left text's span goes in its template, for `app.js` to
/// fill in as the minutes pass.
const SPAN: &str = "{span}";

/// "3 h 12 min", "2 d 2 h", "40 min": the units read alike in every
/// language the dashboard speaks.
fn span(left: SignedDuration) -> String {
    let minutes = left.as_secs().unsigned_abs() / 60;
    match (minutes / (24 * 60), minutes / 60 % 24, minutes % 60) {
        (0, 0, m) => format!("{m} min"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

/// "3 h 12 min left", or "overdue by 40 min", in the reader's words.
fn remaining(locale: &Locale, now: Timestamp, due: Timestamp) -> String {
    let left = due.duration_since(now);
    let id = if left < SignedDuration::ZERO { "incident-overdue" } else { "incident-left" };
    locale.text_with(id, &[("span", span(left).into())])
}

fn report_of(clock: &RegulatoryClock) -> Option<&'static str> {
    ReportKind::ALL.into_iter().find(|k| k.clock() == clock.kind).map(ReportKind::as_str)
}

pub(super) fn clocks(record: &IncidentRecord, api: &str, declare: bool, now: Timestamp, locale: &Locale) -> Markup {
    let id = record.incident.id;
    html! {
        section.clocks aria-labelledby="clocks-h" {
            h2 id="clocks-h" { (locale.text("incident-clocks")) }
            @if let Some(m) = &record.significant {
                p { (locale.text_with("incident-significant-by", &[("by", m.by.as_str().into()), ("since", locale.time(m.aware_at).into())])) }
            }
            @if let Some(m) = &record.personal_data_breach {
                p { (locale.text_with("incident-breach-by", &[("by", m.by.as_str().into()), ("since", locale.time(m.aware_at).into())])) }
            }
            @if record.clocks.is_empty() {
                p.calm { (locale.text("incident-no-clock")) }
            } @else {
                table {
                    thead {
                        tr {
                            th scope="col" { (locale.text("incident-deadline")) }
                            th scope="col" { (locale.text("incident-due")) }
                            th scope="col" { (locale.text("incident-remaining")) }
                        }
                    }
                    tbody {
                        @for clock in &record.clocks {
                            tr data-clock=(clock.kind.as_str()) class=[(clock.submitted.is_none() && clock.due < now).then_some("bad")] {
                                td {
                                    (word(locale, "incident-clock-", clock.kind.as_str()))
                                    @if declare && let Some(report) = report_of(clock) {
                                        br; a href={ "/incidents/" (id) "/reports/" (report) } { (locale.text("incident-draft-report")) }
                                    }
                                }
                                td { (locale.time(clock.due)) }
                                td {
                                    @if let Some(s) = &clock.submitted {
                                        span.submitted {
                                            (locale.text_with("incident-submitted", &[("by", s.by.as_str().into()), ("at", locale.time(s.at).into())]))
                                            @if !s.note.is_empty() {
                                                br; (locale.text_with("incident-submitted-reference", &[("reference", s.note.as_str().into())]))
                                            }
                                        }
                                    } @else {
                                        span data-due=(clock.due.to_string())
                                            data-left=(locale.text_with("incident-left", &[("span", SPAN.into())]))
                                            data-overdue=(locale.text_with("incident-overdue", &[("span", SPAN.into())])) {
                                            (remaining(locale, now, clock.due))
                                        }
                                        @if declare && let Some(report) = report_of(clock) {
                                            (submission_form(api, report, locale))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if declare && (record.significant.is_none() || record.personal_data_breach.is_none()) {
                div.declare role="group" aria-label=(locale.text("incident-declare")) {
                    @if record.significant.is_none() {
                        (confirmed_marking(api, "significant", ["incident-mark-significant", "incident-mark-significant-explain", "incident-mark-significant-confirm"], locale))
                    }
                    @if record.personal_data_breach.is_none() {
                        (confirmed_marking(api, "personal_data_breach", ["incident-mark-breach", "incident-mark-breach-explain", "incident-mark-breach-confirm"], locale))
                    }
                }
            }
        }
    }
}

fn submission_form(api: &str, report: &str, locale: &Locale) -> Markup {
    html! {
        details.record-submission data-report=(report) {
            summary { (locale.text("incident-record-submission")) }
            form.api data-url={ (api) "/reports/" (report) } data-method="POST" {
                label {
                    (locale.text("incident-submission-reference")) " "
                    input name="note" required placeholder=(locale.text("incident-submission-hint"));
                }
                button type="submit" { (locale.text("incident-submission-submit")) }
            }
        }
    }
}

/// A declaration starts legal clocks that cannot be stopped but by
/// reporting: one click must not do it. The summary opens the explanation
/// and the one button that confirms.
fn confirmed_marking(api: &str, marking: &str, [open, explain, confirm]: [&str; 3], locale: &Locale) -> Markup {
    let body = serde_json::json!({ "marking": marking }).to_string();
    html! {
        details.confirm data-marking=(marking) {
            summary { (locale.text(open)) }
            p.warning { (locale.text(explain)) }
            button type="button" data-action="api" data-url={ (api) "/markings" } data-body=(body) { (locale.text(confirm)) }
        }
    }
}

#[cfg(test)]
mod tests {
    use safecare_i18n::{Language, Locale};

    use super::*;

    #[test]
    fn remaining_time_reads_as_words() {
        let now: Timestamp = "2026-11-28T10:00:00Z".parse().unwrap();
        let at = |s: &str| -> Timestamp { s.parse().unwrap() };
        let en = Locale::new(Language::En, jiff::tz::TimeZone::UTC);
        assert_eq!(remaining(&en, now, at("2026-11-28T10:40:00Z")), "40 min left");
        assert_eq!(remaining(&en, now, at("2026-11-28T13:12:30Z")), "3 h 12 min left");
        assert_eq!(remaining(&en, now, at("2026-11-30T12:00:00Z")), "2 d 2 h left");
        assert_eq!(remaining(&en, now, at("2026-11-28T09:20:00Z")), "overdue by 40 min");
        let fr = Locale::new(Language::Fr, jiff::tz::TimeZone::UTC);
        assert_eq!(remaining(&fr, now, at("2026-11-28T09:20:00Z")), "en retard de 40 min");
    }
}
