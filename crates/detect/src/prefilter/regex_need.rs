//! The literals a regex match must contain, so that `|re` items (a fifth
//! of the rules evaluated per event once the other needs were clauses) can
//! be anchored like `contains`.
//!
//! `regex-syntax`'s prefix extraction gives, when finite, literals one of
//! which starts every match; an unanchored match lies inside the value, so
//! the value contains that literal. The literal is folded as values are:
//! lowercasing maps each character on its own (Σ aside, refused here), so a
//! value containing it also contains it folded.

use regex_syntax::ParserBuilder;
use regex_syntax::hir::literal::Extractor;

/// Lowercased needles of which a value matching `pattern` holds one; `None`
/// when no such finite set is known. `pattern` is a `regex::Regex` source,
/// parsed with `regex`'s own defaults.
pub(crate) fn regex_needles(pattern: &str) -> Option<Vec<String>> {
    let hir = ParserBuilder::new().build().parse(pattern).ok()?;
    let seq = Extractor::new().extract(&hir);
    let mut needles = Vec::new();
    for literal in seq.literals()? {
        let text = std::str::from_utf8(literal.as_bytes()).ok()?;
        if text.is_empty() || text.contains('Σ') {
            return None;
        }
        needles.push(text.to_lowercase());
    }
    needles.sort_unstable();
    needles.dedup();
    (!needles.is_empty()).then_some(needles)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_every_match_holds() {
        let needles = regex_needles(r"(?i)Invoke-(Expression|WebRequest)\s").expect("finite");
        for needle in needles {
            assert!(["invoke-expression", "invoke-webrequest"].iter().any(|m| m.starts_with(&needle)), "{needle}");
        }
        assert_eq!(regex_needles(r"^C:\\Windows\\.*\.exe$"), Some(vec!["c:\\windows\\".into()]));
        let cased = regex_needles(r"(?i)sk").expect("finite");
        assert!(cased.iter().all(|n| n.chars().count() == 2), "{cased:?}");
    }

    #[test]
    fn unbounded_or_empty_starts_give_nothing() {
        assert_eq!(regex_needles(r".*foo"), None);
        assert_eq!(regex_needles(r"\w+\.exe"), None);
        assert_eq!(regex_needles(r"(a|)"), None);
        assert_eq!(regex_needles(r"("), None);
    }
}
