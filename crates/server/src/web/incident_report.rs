//! A regulatory report draft read as a page: the Markdown draft rendered
//! to HTML, with the way back to its incident and the downloads (Markdown,
//! HTML). The draft quotes event text an attacker may have written, so raw
//! HTML in it is shown as text, never passed through.

use axum::extract::{Extension, Path, State};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use pulldown_cmark::{Event, Options, Parser, html::push_html};
use safecare_respond::Incidents;

use super::incident::word;
use super::layout::page as shell;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::routes::incidents::draft;

/// Markdown to HTML, with any raw HTML in it escaped as text.
pub(crate) fn markdown_html(markdown: &str) -> String {
    let events = Parser::new_ext(markdown, Options::ENABLE_TABLES).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    push_html(&mut out, events);
    out
}

/// A draft as a standalone HTML document, to keep or attach to an e-mail.
pub(crate) fn report_document(title: &str, markdown: &str) -> String {
    let doc = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { (title) }
                style { "body{font-family:sans-serif;max-width:50rem;margin:2rem auto;line-height:1.45}table{border-collapse:collapse}td,th{border:1px solid #999;padding:.2rem .4rem}" }
            }
            body { (PreEscaped(markdown_html(markdown))) }
        }
    };
    doc.into_string()
}

/// `/incidents/{id}/reports/{kind}`: the draft rendered, with its way back.
pub async fn page(
    State(incidents): State<Incidents>,
    Extension(principal): Extension<Principal>,
    Path((id, kind)): Path<(String, String)>,
) -> Result<Markup, ApiError> {
    let locale = &principal.locale;
    let (record, kind, text) = draft(&incidents, &id, &kind, locale.language()).await?;
    let id = record.id();
    let api = format!("/api/v1/incidents/{id}/reports/{}", kind.as_str());
    let report = word(locale, "incident-clock-", kind.clock().as_str());
    let title = locale.text_with("incident-report-title", &[("report", report.as_str().into())]);
    let file = format!("incident-{id}-{}", kind.as_str());
    let content = html! {
        div.report-draft {
            p {
                a href={ "/incidents/" (id) } id="report-back" { "← " (locale.text("incident-report-back")) }
                " · " a href=(api) download={ (file) ".md" } { (locale.text("incident-report-download-md")) }
                " · " a href={ (api) "?format=html" } download={ (file) ".html" } { (locale.text("incident-report-download-html")) }
            }
            p.calm { (locale.text("incident-report-note")) }
            article.markdown id="report" { (PreEscaped(markdown_html(&text))) }
        }
    };
    Ok(shell(&title, &principal, "/incidents", content))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_renders_and_raw_html_is_escaped() {
        let html = markdown_html("# Early warning\n\n- alert: <script>alert(1)</script>\n\n<img src=x onerror=y>\n");
        assert!(html.contains("<h1>Early warning</h1>"), "{html}");
        assert!(html.contains("<li>alert: &lt;script&gt;alert(1)&lt;/script&gt;</li>"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("<script"), "{html}");
    }

    #[test]
    fn the_document_stands_alone() {
        let doc = report_document("Fire <hq>", "**due** soon");
        assert!(doc.starts_with("<!DOCTYPE html>"), "{doc}");
        assert!(doc.contains("<title>Fire &lt;hq&gt;</title>"), "{doc}");
        assert!(doc.contains("<strong>due</strong>"), "{doc}");
    }
}
