//! Bar and line charts as inline SVG: no script, prints as drawn, and each number is also
//! in the table beside it (the chart carries a title and a text alternative). The legend
//! is drawn inside the SVG, so an exported file says what each colour is.

use maud::{Markup, html};

/// One series: its name and one value per category (`None` where withheld).
pub(crate) struct Series {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 320.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;
/// Room above the plot for the legend's row.
const TOP: f64 = 34.0;
const BOTTOM: f64 = 72.0;
const COLOURS: &[&str] = &[
    "#1f5fa8", "#d9822b", "#2f8f5b", "#8c4fa8", "#b23a48", "#5b6675", "#c9a227", "#2a9d9d",
];

/// A round upper bound and tick step for values up to `max` (1, 2 or 5 times a power of 10).
fn nice_scale(max: f64) -> (f64, f64) {
    if max <= 0.0 || !max.is_finite() {
        return (1.0, 0.25);
    }
    let rough = max / 4.0;
    let power = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| *s >= rough)
        .unwrap_or(10.0 * power);
    ((max / step).ceil() * step, step)
}

fn label(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        let whole = value as i64;
        let digits = whole.abs().to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        if whole < 0 { format!("-{out}") } else { out }
    } else {
        format!("{value:.2}")
    }
}

/// A chart of `series` over `categories` in a figure: lines when `line` (time on the x
/// axis), else grouped bars.
pub(crate) fn chart(title: &str, categories: &[String], series: &[Series], line: bool) -> Markup {
    html! { figure.chart { (svg(title, categories, series, line)) } }
}

/// The chart's SVG element alone, as the page embeds it and the export writes it.
pub(crate) fn svg(title: &str, categories: &[String], series: &[Series], line: bool) -> Markup {
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .fold(0.0f64, |a, b| a.max(*b));
    let (top, step) = nice_scale(max);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let n = categories.len().max(1) as f64;
    let band = plot_w / n;
    let y = |v: f64| TOP + plot_h - (v / top) * plot_h;
    let ticks: Vec<f64> = (0..=((top / step).round() as usize))
        .map(|i| i as f64 * step)
        .collect();
    let every = ((categories.len() as f64) / 24.0).ceil().max(1.0) as usize;
    let bar_w = (band * 0.8) / series.len().max(1) as f64;
    // The legend's entries side by side, each as wide as its name (about 6.5 px a
    // character at 11 px) plus its swatch.
    let mut legend_x = LEFT;
    let legend: Vec<(f64, &str, &str)> = series
        .iter()
        .zip(0..)
        .map(|(s, i)| {
            let x = legend_x;
            legend_x += 22.0 + 6.5 * s.name.chars().count() as f64;
            (x, s.name.as_str(), COLOURS[i % COLOURS.len()])
        })
        .collect();
    html! {
            svg viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } role="img" aria-label=(title) xmlns="http://www.w3.org/2000/svg" {
                title { (title) }
                @for (x, name, colour) in &legend {
                    rect x=(format!("{x:.1}")) y="6" width="12" height="12" fill=(colour) {}
                    text x=(format!("{:.1}", x + 16.0)) y="16" font-size="11" { (name) }
                }
                @for tick in &ticks {
                    line x1=(LEFT) x2=(WIDTH - RIGHT) y1=(y(*tick)) y2=(y(*tick)) stroke="#d5dae1" {}
                    text x=(LEFT - 6.0) y=(y(*tick) + 4.0) text-anchor="end" font-size="11" { (label(*tick)) }
                }
                @for (i, category) in categories.iter().enumerate() {
                    @if i % every == 0 {
                        @let x = LEFT + band * (i as f64 + 0.5);
                        text x=(x) y=(HEIGHT - BOTTOM + 14.0) font-size="11" text-anchor="end"
                            transform={ "rotate(-35 " (x) " " (HEIGHT - BOTTOM + 14.0) ")" } { (category) }
                    }
                }
                @for (s, series_i) in series.iter().zip(0..) {
                    @let colour = COLOURS[series_i % COLOURS.len()];
                    @if line {
                        // A withheld or missing value breaks the line rather than
                        // bridging it, so a gap is never read as a trend.
                        @for run in s.values.iter().enumerate().collect::<Vec<_>>().split(|(_, v)| v.is_none()) {
                            @let points: Vec<String> = run.iter()
                                .filter_map(|(i, v)| v.map(|v| format!("{:.1},{:.1}", LEFT + band * (*i as f64 + 0.5), y(v))))
                                .collect();
                            @if !points.is_empty() {
                                polyline points=(points.join(" ")) fill="none" stroke=(colour) stroke-width="2" {}
                            }
                        }
                    } @else {
                        @for (i, value) in s.values.iter().enumerate() {
                            @if let Some(v) = value {
                                @let x = LEFT + band * i as f64 + band * 0.1 + bar_w * series_i as f64;
                                rect x=(format!("{x:.1}")) y=(format!("{:.1}", y(*v))) width=(format!("{bar_w:.1}"))
                                    height=(format!("{:.1}", (TOP + plot_h - y(*v)).max(0.0))) fill=(colour) {
                                    title { (categories.get(i).map(String::as_str).unwrap_or("")) ", " (s.name) ": " (label(*v)) }
                                }
                            }
                        }
                    }
                }
                line x1=(LEFT) x2=(LEFT) y1=(TOP) y2=(TOP + plot_h) stroke="#5b6675" {}
                line x1=(LEFT) x2=(WIDTH - RIGHT) y1=(TOP + plot_h) y2=(TOP + plot_h) stroke="#5b6675" {}
            }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_are_round() {
        assert_eq!(nice_scale(315_736.0), (400_000.0, 100_000.0));
        assert_eq!(nice_scale(7.0), (8.0, 2.0));
        assert_eq!(label(1_234_567.0), "1,234,567");
    }

    #[test]
    fn a_line_breaks_at_a_missing_value_and_the_legend_is_inside_the_svg() {
        let categories: Vec<String> = (1..=4).map(|d| format!("2025-10-0{d}")).collect();
        let series = [Series {
            name: "count".into(),
            values: vec![Some(1.0), Some(2.0), None, Some(4.0)],
        }];
        let svg = svg("Daily", &categories, &series, true).into_string();
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains(">count</text>"), "{svg}");
        assert!(svg.starts_with("<svg"), "{svg}");
    }

    #[test]
    fn bars_are_drawn_per_value_and_withheld_values_are_skipped() {
        let categories = vec!["0-17".to_owned(), "18-49".to_owned()];
        let series = [Series {
            name: "patients".into(),
            values: vec![Some(10.0), None],
        }];
        let svg = chart("Flu coverage", &categories, &series, false).into_string();
        // One bar and the legend's swatch.
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains("<title>Flu coverage</title>"));
    }
}
