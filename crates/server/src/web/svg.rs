//! Small SVG drawings rendered on the server.

use maud::{Markup, html};

/// A sparkline of counts, `width`×`height` pixels, with a text alternative.
pub fn sparkline(counts: &[u64], width: u32, height: u32, label: &str) -> Markup {
    let max = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let step = if counts.len() > 1 { f64::from(width) / (counts.len() - 1) as f64 } else { 0.0 };
    let points: Vec<String> = counts
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            format!("{:.1},{:.1}", i as f64 * step, f64::from(height) - (n as f64 / max) * f64::from(height))
        })
        .collect();
    html! {
        svg.sparkline id="rate" width=(width) height=(height) viewBox={ "0 0 " (width) " " (height) }
            role="img" aria-label=(label) data-height=(height) data-width=(width) {
            polyline fill="none" stroke="currentColor" stroke-width="2" points=(points.join(" ")) {}
        }
    }
}

/// A bar chart of counts, `width`×`height` pixels: one bar per bucket,
/// each titled with its label and count, and a text alternative.
pub fn histogram(bars: &[(String, u64)], width: u32, height: u32, label: &str) -> Markup {
    let max = bars.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1) as f64;
    let step = f64::from(width) / bars.len().max(1) as f64;
    // A gap between bars only where they are wide enough to show one.
    let gap = if step >= 4.0 { 1.0 } else { 0.0 };
    html! {
        svg.histogram id="histogram" width=(width) height=(height) viewBox={ "0 0 " (width) " " (height) }
            role="img" aria-label=(label) {
            @for (i, (title, n)) in bars.iter().enumerate() {
                @let h = (*n as f64 / max) * f64::from(height);
                rect x=(format!("{:.1}", i as f64 * step)) y=(format!("{:.1}", f64::from(height) - h))
                    width=(format!("{:.1}", (step - gap).max(0.5))) height=(format!("{h:.1}")) data-count=(n) {
                    title { (title) ": " (n) }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_bars_scale_to_the_highest_count() {
        let bars = vec![("a".to_owned(), 5), ("b".to_owned(), 10), ("c".to_owned(), 0)];
        let svg = histogram(&bars, 30, 20, "per hour").into_string();
        assert!(svg.contains(r#"x="0.0" y="10.0" width="9.0" height="10.0" data-count="5""#), "{svg}");
        assert!(svg.contains(r#"x="10.0" y="0.0" width="9.0" height="20.0" data-count="10""#), "{svg}");
        assert!(svg.contains("<title>c: 0</title>"), "{svg}");
    }

    #[test]
    fn sparkline_scales_to_the_highest_count() {
        let svg = sparkline(&[0, 5, 10], 100, 20, "rate").into_string();
        assert!(svg.contains("points=\"0.0,20.0 50.0,10.0 100.0,0.0\""), "{svg}");
        assert!(sparkline(&[], 100, 20, "rate").into_string().contains("points=\"\""));
    }
}
