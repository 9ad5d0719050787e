//! What the service writes into its log about requests and callers.
//!
//! Two dangers: personal data (a search for a name is a query string, so
//! request spans name the path only) and forged lines (a user name with a
//! newline in a refused login would otherwise start a line of its own, so
//! caller-controlled text is logged escaped).

use axum::http::Request;
use tracing::Span;

/// The span of one request: method and path, never the query string, which
/// carries search terms (`q=`), names and tokens.
pub fn request_span<B>(request: &Request<B>) -> Span {
    tracing::debug_span!("request", method = %request.method(), path = %Escaped(request.uri().path()))
}

/// Caller-controlled text as it may appear in a log line: control
/// characters (newlines, escape sequences) written as Rust escapes, and cut
/// at 200 characters.
pub struct Escaped<'a>(pub &'a str);

impl std::fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut chars = self.0.chars();
        for c in chars.by_ref().take(200) {
            if c.is_control() {
                write!(f, "{}", c.escape_default())?;
            } else {
                write!(f, "{c}")?;
            }
        }
        if chars.next().is_some() {
            f.write_str("…")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_cannot_start_a_line() {
        let forged = "bob\n2026-01-01T00:00:00Z  INFO login user=admin\r\u{1b}[31m";
        let shown = Escaped(forged).to_string();
        assert!(!shown.contains(['\n', '\r', '\u{1b}']), "{shown}");
        assert!(shown.starts_with("bob\\n2026"), "{shown}");
        assert_eq!(Escaped(&"x".repeat(300)).to_string().chars().count(), 201);
    }
}
