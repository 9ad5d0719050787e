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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_scales_to_the_highest_count() {
        let svg = sparkline(&[0, 5, 10], 100, 20, "rate").into_string();
        assert!(svg.contains("points=\"0.0,20.0 50.0,10.0 100.0,0.0\""), "{svg}");
        assert!(sparkline(&[], 100, 20, "rate").into_string().contains("points=\"\""));
    }
}
