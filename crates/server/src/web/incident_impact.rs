//! The incident page's impact sections: the graph of impacted clinical
//! services with its worst path, one row per impacted service with its
//! level on the impact scale, and the ranked mitigations (the ones that
//! lower nothing folded away behind a "show all" toggle).

use std::collections::HashMap;

use maud::{Markup, html};
use safecare_i18n::Locale;
use safecare_impact::{ImpactLevel, RankedMitigation};
use safecare_model::AssetId;
use safecare_respond::IncidentImpact;

use super::impact_graph::{Graph, draw};
use super::incident::words;

/// How many of the worst impacted services the graph draws; the table
/// lists them all.
const DRAWN_SERVICES: usize = 8;

/// The word of a level on the impact scale, in the reader's language.
pub(super) fn level_word(locale: &Locale, level: ImpactLevel) -> String {
    match level {
        ImpactLevel::None => locale.text("impact-level-none"),
        ImpactLevel::Low => locale.text("impact-level-low"),
        ImpactLevel::Moderate => locale.text("impact-level-moderate"),
        ImpactLevel::Severe => locale.text("impact-level-severe"),
        ImpactLevel::Critical => locale.text("impact-level-critical"),
    }
}

/// A score as a level word with its figure: "severe (0.65)".
pub(super) fn level_and_score(locale: &Locale, score: f64) -> Markup {
    let level = ImpactLevel::of(score);
    html! { span class={ "level level-" (level.as_str()) } { (level_word(locale, level)) } " (" (locale.number(score, 2)) ")" }
}

fn name_of<'a>(names: &'a HashMap<String, String>, id: &'a str) -> &'a str {
    names.get(id).map_or(id, String::as_str)
}

pub(super) fn impact_graph(
    impact: Option<&IncidentImpact>,
    names: &HashMap<String, String>,
    locale: &Locale,
) -> Markup {
    html! {
        section.impact aria-labelledby="impact-h" {
            h2 id="impact-h" { (locale.text("impact-heading")) }
            @match impact {
                None => p.calm { (locale.text("impact-not-assessed")) },
                Some(impact) => {
                    @let report = &impact.report;
                    @let rows = report.by_service();
                    @let seeds = report.seeds.iter().map(|s| name_of(names, s.as_str())).collect::<Vec<_>>().join(", ");
                    p.legend {
                        (locale.text_with("impact-assessed", &[
                            ("threat", words(&report.threat).into()),
                            ("assets", seeds.into()),
                            ("time", locale.time(impact.assessed_at).into()),
                            ("count", rows.len().into()),
                        ]))
                        @if rows.len() > DRAWN_SERVICES { " " (locale.text_with("impact-drawn-worst", &[("count", DRAWN_SERVICES.into())])) }
                    }
                    @if let Some(worst) = rows.first() {
                        @let graph = Graph::of(report, names, DRAWN_SERVICES);
                        @let path = &report.services[worst.worst].path;
                        @let label = locale.text_with("impact-graph-label", &[("count", rows.len().into()), ("worst", worst.name.to_string().into())]);
                        // Focusable, so that keyboard users can scroll it where it is wider than the window.
                        div.graph-box tabindex="0" role="region" aria-label=(locale.text("impact-graph-region")) {
                            (draw(&graph, &label, locale))
                        }
                        p.legend id="worst-path" {
                            (locale.text_with("impact-worst-path", &[
                                ("from", path.first().map_or("", |s| name_of(names, s.asset.as_str())).to_owned().into()),
                                ("service", worst.name.to_string().into()),
                            ]))
                            " "
                            (path.iter().map(|s| name_of(names, s.asset.as_str())).collect::<Vec<_>>().join(" → "))
                            ". " (locale.text("impact-graph-boxes"))
                        }
                        (scale(locale))
                    } @else {
                        p.calm { (locale.text("impact-no-service")) }
                    }
                }
            }
        }
    }
}

/// What the words of the scale mean, folded under the graph.
fn scale(locale: &Locale) -> Markup {
    html! {
        details.impact-scale {
            summary { (locale.text("impact-scale-summary")) }
            p { (locale.text("impact-scale-meaning")) }
            dl {
                dt { (level_word(locale, ImpactLevel::Critical)) } dd { (locale.text("impact-scale-critical")) }
                dt { (level_word(locale, ImpactLevel::Severe)) } dd { (locale.text("impact-scale-severe")) }
                dt { (level_word(locale, ImpactLevel::Moderate)) } dd { (locale.text("impact-scale-moderate")) }
                dt { (level_word(locale, ImpactLevel::Low)) } dd { (locale.text("impact-scale-low")) }
            }
        }
    }
}

pub(super) fn impact_tables(
    impact: Option<&IncidentImpact>,
    names: &HashMap<String, String>,
    locale: &Locale,
) -> Markup {
    html! {
        @if let Some(impact) = impact {
            @let rows = impact.report.by_service();
            section.impact-tables aria-labelledby="services-h" {
                h2 id="services-h" { (locale.text("impact-tables-heading")) }
                @if !rows.is_empty() {
                    table.services {
                        caption { (locale.text("impact-services-caption")) }
                        thead { tr {
                            th scope="col" { (locale.text("impact-col-service")) }
                            th scope="col" { (locale.text("impact-col-level")) }
                            th scope="col" { (locale.text("impact-col-types")) }
                            th scope="col" { (locale.text("impact-col-in-about")) }
                        } }
                        tbody {
                            @for row in &rows {
                                tr data-service=(row.asset) {
                                    td { (row.name) }
                                    td { (level_and_score(locale, row.score)) }
                                    td { (row.impacts.iter().map(|i| words(i.as_str())).collect::<Vec<_>>().join(", ")) }
                                    td { (locale.text_with("impact-minutes", &[("minutes", locale.number(row.minutes, 0).into())])) }
                                }
                            }
                        }
                    }
                }
                (mitigations(&impact.mitigations, names, locale))
            }
        }
    }
}

fn mitigations(ranked: &[RankedMitigation], names: &HashMap<String, String>, locale: &Locale) -> Markup {
    let (reducing, idle): (Vec<&RankedMitigation>, Vec<&RankedMitigation>) = ranked.iter().partition(|m| m.reduces());
    html! {
        @if !reducing.is_empty() {
            (mitigation_table(&reducing, 1, &locale.text("impact-mitigations-caption"), names, locale))
        } @else if !ranked.is_empty() {
            p.calm { (locale.text("impact-mitigations-none-reduce")) }
        }
        @if !idle.is_empty() {
            details.no-reduction {
                summary { (locale.text_with("impact-mitigations-show-all", &[("count", idle.len().into())])) }
                p.legend { (locale.text("impact-mitigations-no-reduction-why")) }
                (mitigation_table(&idle, reducing.len() + 1, &locale.text("impact-mitigations-idle-caption"), names, locale))
            }
        }
    }
}

fn mitigation_table(
    rows: &[&RankedMitigation],
    first_rank: usize,
    caption: &str,
    names: &HashMap<String, String>,
    locale: &Locale,
) -> Markup {
    html! {
        table.mitigations {
            caption { (caption) }
            thead { tr {
                th scope="col" { "#" }
                th scope="col" { (locale.text("impact-col-mitigation")) }
                th scope="col" { (locale.text("impact-col-reduction")) }
                th scope="col" { (locale.text("impact-col-safety")) }
            } }
            tbody {
                @for (rank, m) in rows.iter().enumerate() {
                    tr class=[m.patient_safety_risk.then_some("risky")] data-mitigation=(m.id) {
                        td { (first_rank + rank) }
                        td { (m.name) br; (targets(&m.targets, names, locale)) }
                        td {
                            (figure(locale, m.reduction)) br;
                            small { (figure(locale, m.service_impact_before)) " → " (figure(locale, m.service_impact_after)) }
                        }
                        td {
                            @if m.patient_safety_risk {
                                strong { "⚠ " (locale.text("impact-safety-risk")) }
                                @if !m.safety_reasons.is_empty() { ul { @for r in &m.safety_reasons { li { (r) } } } }
                            } @else { (locale.text("impact-safety-none")) }
                        }
                    }
                }
            }
        }
    }
}

/// How many of a mitigation's targets are named before the rest fold away.
const SHOWN_TARGETS: usize = 4;

fn targets(targets: &[AssetId], names: &HashMap<String, String>, locale: &Locale) -> Markup {
    let named: Vec<&str> = targets.iter().map(|t| name_of(names, t.as_str())).collect();
    html! {
        @if named.len() <= SHOWN_TARGETS {
            small { (locale.text_with("impact-targets", &[("assets", named.join(", ").into())])) }
        } @else {
            details.targets {
                summary { small { (locale.text_with("impact-targets-more", &[
                    ("assets", named[..SHOWN_TARGETS].join(", ").into()),
                    ("count", (named.len() - SHOWN_TARGETS).into()),
                ])) } }
                small { (named[SHOWN_TARGETS..].join(", ")) }
            }
        }
    }
}

/// A sum of scores to two decimals, without the "-0.00" of a rounding residue.
fn figure(locale: &Locale, x: f64) -> String {
    let rounded = (x * 100.0).round() / 100.0;
    locale.number(if rounded == 0.0 { 0.0 } else { rounded }, 2)
}

#[cfg(test)]
mod tests {
    use safecare_i18n::Language;

    use super::*;

    fn english() -> Locale {
        Locale::new(Language::En, jiff::tz::TimeZone::UTC)
    }

    #[test]
    fn figures_drop_the_sign_of_zero() {
        let locale = english();
        assert_eq!(figure(&locale, -0.001), "0.00");
        assert_eq!(figure(&locale, -2.034), "-2.03");
        assert_eq!(figure(&locale, 11.338), "11.34");
    }

    #[test]
    fn every_level_has_its_own_word_in_english_and_french() {
        let french = Locale::new(Language::Fr, jiff::tz::TimeZone::UTC);
        for locale in [english(), french] {
            let words: Vec<String> = [
                ImpactLevel::None,
                ImpactLevel::Low,
                ImpactLevel::Moderate,
                ImpactLevel::Severe,
                ImpactLevel::Critical,
            ]
            .into_iter()
            .map(|l| level_word(&locale, l))
            .collect();
            let mut distinct = words.clone();
            distinct.sort();
            distinct.dedup();
            assert_eq!(distinct.len(), 5, "{words:?}");
        }
        assert_eq!(level_word(&english(), ImpactLevel::Severe), "severe");
        assert!(level_and_score(&english(), 0.6480000000000001).into_string().contains("severe</span> (0.65)"));
    }
}
