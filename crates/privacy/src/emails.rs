//! Finding e-mail addresses in free text (a rendered message, a command
//! line), so that an address nobody configured a field for is still
//! replaced by its token.
//!
//! Hand-written rather than a regex: the scan runs over every text of every
//! event, and almost all of them hold no `@`, which `memchr`-backed `find`
//! rejects at once.

use crate::token::bare_token;

/// Bytes allowed in the local part (RFC 5322 atext minus the rare ones).
fn local_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"._%+-'".contains(&b)
}

fn domain_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'.' || b == b'-'
}

/// The byte spans of the addresses in `text`, in order. An address whose
/// local part is already a token (`eml_…@hospital.org`, `usr_…@hosp.local`)
/// is not one.
pub(crate) fn find(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find('@').map(|i| i + from) {
        from = at + 1;
        let start = (0..at).rev().take_while(|&i| local_byte(bytes[i])).last().unwrap_or(at);
        let mut end = (at + 1..bytes.len()).take_while(|&i| domain_byte(bytes[i])).last().map_or(at + 1, |i| i + 1);
        while end > at + 1 && matches!(bytes[end - 1], b'.' | b'-') {
            end -= 1;
        }
        let local = text[start..at].trim_start_matches(['.', '\'']);
        let start = at - local.len();
        let domain = &text[at + 1..end];
        let dotted = domain.split('.').count() >= 2 && domain.split('.').all(|label| !label.is_empty());
        if local.is_empty() || !dotted || bare_token(local) == Some(local) {
            continue;
        }
        if spans.last().is_none_or(|&(_, last_end)| start >= last_end) {
            spans.push((start, end));
        }
        from = end.max(from);
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<&str> {
        find(text).into_iter().map(|(s, e)| &text[s..e]).collect()
    }

    #[test]
    fn addresses_are_found_in_running_text() {
        assert_eq!(found("Mail to jean.martin@hq.example, flagged."), ["jean.martin@hq.example"]);
        assert_eq!(found("<a.b+c@x.org> and d@y.co.uk."), ["a.b+c@x.org", "d@y.co.uk"]);
        assert_eq!(found("from:x@host"), Vec::<&str>::new(), "no dot, no address");
        assert_eq!(found("@example.org user@ nothing"), Vec::<&str>::new());
        assert_eq!(found("eml_abcdefghijklmnop@hq.example"), Vec::<&str>::new(), "already a token");
    }
}
