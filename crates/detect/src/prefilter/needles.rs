//! Which of a set of needles occur in a text: the substring half of the
//! prefilter, over texts the caller has already folded with [`fold_into`].
//!
//! Why not an overlapping, ASCII-case-insensitive automaton: that kind of
//! search gets no SIMD prefilter from `aho-corasick` and walks the automaton
//! byte by byte, which measured as the prefilter's largest cost. Folding the
//! text once and searching leftmost-longest lets `aho-corasick` use its
//! packed (Teddy) or rare-byte prefilters; what a non-overlapping search
//! skips is recovered by restarting one byte after each match's start and by
//! each needle carrying the slots of the needles that are its prefixes.

use aho_corasick::{AhoCorasick, Input, MatchKind};
use rustc_hash::FxHashMap;

/// Separates the values of one text: never part of UTF-8, so no needle can
/// match across it.
pub(crate) const SEPARATOR: u8 = 0xFF;

/// One automaton over lowercased needles, with the slots each one satisfies.
pub(crate) struct Needles {
    automaton: AhoCorasick,
    /// Per needle: its own slots and those of every needle it starts with.
    slots: Vec<Vec<u32>>,
    /// Byte length of the shortest needle: a shorter text holds none.
    shortest: usize,
}

impl Needles {
    /// `Err` holds the slots of a set too large to compile, which the caller
    /// must then treat as always satisfied.
    pub fn build(map: FxHashMap<String, Vec<u32>>) -> Result<Option<Needles>, Vec<u32>> {
        if map.is_empty() {
            return Ok(None);
        }
        let mut entries: Vec<(String, Vec<u32>)> =
            map.into_iter().map(|(needle, slots)| (needle.to_ascii_lowercase(), slots)).collect();
        entries.sort();
        entries.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                kept.1.append(&mut later.1);
            }
            same
        });
        let slots = with_prefix_slots(&entries);
        let shortest = entries.iter().map(|(n, _)| n.len()).min().unwrap_or(0);
        // The kind is left to `aho-corasick`: a DFA over thousands of needles
        // measured slower than its choice (a contiguous NFA), its table
        // missing the cache on every byte.
        let automaton =
            AhoCorasick::builder().match_kind(MatchKind::LeftmostLongest).build(entries.iter().map(|(n, _)| n));
        match automaton {
            Ok(automaton) => Ok(Some(Needles { automaton, slots, shortest })),
            Err(_) => Err(entries.into_iter().flat_map(|(_, r)| r).collect()),
        }
    }

    pub fn shortest(&self) -> usize {
        self.shortest
    }

    /// Calls `admit` with the slots of every needle found in `text`.
    pub fn mark(&self, text: &[u8], admit: &mut impl FnMut(&[u32])) {
        if text.len() < self.shortest {
            return;
        }
        let mut at = 0;
        while let Some(m) = self.automaton.try_find(Input::new(text).range(at..)).ok().flatten() {
            if let Some(slots) = self.slots.get(m.pattern().as_usize()) {
                admit(slots);
            }
            // A needle starting later may overlap this match.
            at = m.start() + 1;
        }
    }
}

/// Leftmost-longest reports, at a position, only the longest needle found
/// there; the shorter ones are its prefixes, so their slots ride along.
fn with_prefix_slots(entries: &[(String, Vec<u32>)]) -> Vec<Vec<u32>> {
    let index: FxHashMap<&str, usize> = entries.iter().enumerate().map(|(i, (n, _))| (n.as_str(), i)).collect();
    entries
        .iter()
        .map(|(needle, own)| {
            let mut slots = own.clone();
            for (end, _) in needle.char_indices().skip(1) {
                if let Some(&i) = needle.get(..end).and_then(|prefix| index.get(prefix)) {
                    slots.extend(entries.get(i).map_or(&[][..], |(_, r)| r.as_slice()));
                }
            }
            slots.sort_unstable();
            slots.dedup();
            slots
        })
        .collect()
}

/// Appends `s` as the needles are compared: lowercased, Unicode-wise when
/// it is not ASCII, as `rsigma-eval`'s case-insensitive matchers do.
pub(crate) fn fold_into(out: &mut Vec<u8>, s: &str) {
    let start = out.len();
    if s.is_ascii() {
        out.extend_from_slice(s.as_bytes());
    } else if s.contains('Σ') {
        // The one letter whose lowercase depends on its neighbours.
        out.extend_from_slice(s.to_lowercase().as_bytes());
        return;
    } else {
        // Otherwise `str::to_lowercase` is the characters' own lowercase,
        // one by one: ASCII runs are copied whole and lowercased below.
        let mut rest = s;
        while !rest.is_empty() {
            let (run, tail) = rest.split_at(ascii_prefix(rest.as_bytes()));
            out.extend_from_slice(run.as_bytes());
            let mut chars = tail.chars();
            if let Some(c) = chars.next() {
                let mut buf = [0u8; 4];
                for lower in c.to_lowercase() {
                    out.extend_from_slice(lower.encode_utf8(&mut buf).as_bytes());
                }
            }
            rest = chars.as_str();
        }
    }
    if let Some(folded) = out.get_mut(start..) {
        folded.make_ascii_lowercase();
    }
}

/// Length of the leading ASCII bytes, checked a block at a time (a byte at
/// a time measured as a large part of folding a kilobyte of `Message`).
fn ascii_prefix(bytes: &[u8]) -> usize {
    const BLOCK: usize = 32;
    let mut n = 0;
    while let Some(block) = bytes.get(n..n + BLOCK) {
        if !block.is_ascii() {
            break;
        }
        n += BLOCK;
    }
    n + bytes.get(n..).map_or(0, |rest| rest.iter().take_while(|b| b.is_ascii()).count())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(needles: &[(&str, u32)], text: &str) -> Vec<u32> {
        let mut map: FxHashMap<String, Vec<u32>> = FxHashMap::default();
        for (n, r) in needles {
            map.entry((*n).to_owned()).or_default().push(*r);
        }
        let needles = Needles::build(map).ok().flatten().expect("builds");
        let mut folded = Vec::new();
        fold_into(&mut folded, text);
        let mut out = Vec::new();
        needles.mark(&folded, &mut |slots| out.extend_from_slice(slots));
        out.sort_unstable();
        out.dedup();
        out
    }

    #[test]
    fn overlapping_and_nested_needles_are_all_found() {
        let needles = [("abc", 1), ("cde", 2), ("ab", 3), ("b", 4), ("bcdef", 5), ("zz", 6)];
        assert_eq!(found(&needles, "xxABCDEyy"), [1, 2, 3, 4]);
        assert_eq!(found(&needles, "abcdef"), [1, 2, 3, 4, 5]);
        assert_eq!(found(&needles, "a"), Vec::<u32>::new());
    }

    #[test]
    fn values_are_folded_like_the_matchers_and_separated() {
        assert_eq!(found(&[("straße", 1)], "STRASSE STRAßE"), [1]);
        for text in ["ΟΔΟΣ Σ", "İstanbul KELVIN \u{212A} Å", "plain ASCII", "", "ÉCOLE ®"] {
            let mut folded = Vec::new();
            fold_into(&mut folded, text);
            assert_eq!(folded, text.to_lowercase().into_bytes(), "{text}");
        }
        let mut text = Vec::new();
        fold_into(&mut text, "ab");
        text.push(SEPARATOR);
        fold_into(&mut text, "cd");
        let needles = Needles::build([("bc".to_owned(), vec![1])].into_iter().collect()).ok().flatten();
        let mut hits = 0;
        needles.expect("builds").mark(&text, &mut |_| hits += 1);
        assert_eq!(hits, 0);
    }
}
