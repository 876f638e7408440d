//! Small line charts of numbers over weeks, drawn as SVG: the geometry is pure (tested here),
//! the component only draws it. Weeks without a value leave a gap in the line.

use dioxus::prelude::*;

pub const WIDTH: f64 = 320.0;
pub const HEIGHT: f64 = 120.0;
const PAD: f64 = 8.0;

/// The top of the scale: `fixed` when given (percentages), else the largest value rounded up
/// to a tidy number (at least 1).
pub fn scale_top(values: &[Option<f64>], fixed: Option<f64>) -> f64 {
    if let Some(top) = fixed {
        return top;
    }
    let largest = values.iter().flatten().copied().fold(0.0_f64, f64::max);
    if largest <= 1.0 {
        return 1.0;
    }
    let magnitude = 10_f64.powf(largest.log10().floor());
    let tidy = [1.0, 2.0, 2.5, 5.0, 10.0].into_iter().map(|m| m * magnitude).find(|t| *t >= largest);
    tidy.unwrap_or(largest)
}

/// The polylines of a series: one per run of weeks that have a value, as SVG `points`.
pub fn lines(values: &[Option<f64>], top: f64) -> Vec<String> {
    let step = if values.len() > 1 { (WIDTH - 2.0 * PAD) / (values.len() - 1) as f64 } else { 0.0 };
    let mut runs = Vec::new();
    let mut current: Vec<String> = Vec::new();
    for (i, value) in values.iter().enumerate() {
        match value {
            Some(v) => {
                let x = PAD + step * i as f64;
                let y = HEIGHT - PAD - (v.clamp(0.0, top) / top) * (HEIGHT - 2.0 * PAD);
                current.push(format!("{x:.1},{y:.1}"));
            }
            None if !current.is_empty() => runs.push(std::mem::take(&mut current).join(" ")),
            None => {}
        }
    }
    if !current.is_empty() {
        runs.push(current.join(" "));
    }
    runs
}

/// One chart: a title, the latest value, the line, and the numbers as a list for screen readers.
#[component]
pub fn LineChart(
    id: String,
    title: String,
    weeks: Vec<String>,
    values: Vec<Option<f64>>,
    unit: String,
    fixed_top: Option<f64>,
) -> Element {
    let top = scale_top(&values, fixed_top);
    let runs = lines(&values, top);
    let latest =
        values.iter().rev().flatten().next().map(|v| format!("{v:.0}{unit}")).unwrap_or_else(|| "—".to_owned());
    let summary: Vec<String> = weeks
        .iter()
        .zip(&values)
        .map(|(week, value)| format!("{week}: {}", value.map_or("—".to_owned(), |v| format!("{v:.0}{unit}"))))
        .collect();
    let dots: Vec<(String, String)> = runs
        .iter()
        .flat_map(|run| run.split(' ').map(str::to_owned).collect::<Vec<_>>())
        .filter_map(|point| point.split_once(',').map(|(x, y)| (x.to_owned(), y.to_owned())))
        .collect();
    rsx! {
        figure { class: "chart", id: "{id}",
            figcaption { span { "{title}" } strong { class: "latest", "{latest}" } }
            svg { view_box: "0 0 {WIDTH} {HEIGHT}", role: "img", "aria-label": summary.join("; "),
                line { class: "axis", x1: "{PAD}", y1: "{HEIGHT - PAD}", x2: "{WIDTH - PAD}", y2: "{HEIGHT - PAD}" }
                for run in runs.iter() {
                    polyline { class: "series", points: "{run}" }
                }
                for (x, y) in dots.iter() {
                    circle { class: "dot", cx: "{x}", cy: "{y}", r: "3" }
                }
                if runs.is_empty() {
                    text { class: "no-data", x: "{WIDTH / 2.0}", y: "{HEIGHT / 2.0}", text_anchor: "middle", {crate::t!("admin-chart-no-data")} }
                }
            }
            div { class: "chart-scale muted", span { {weeks.first().cloned().unwrap_or_default()} } span { {weeks.last().cloned().unwrap_or_default()} } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_to_tidy_tops_and_percentages_stay_at_a_hundred() {
        assert_eq!(scale_top(&[Some(3.0), Some(7.0)], None), 10.0);
        assert_eq!(scale_top(&[Some(0.0), None], None), 1.0);
        assert_eq!(scale_top(&[Some(21.0)], None), 25.0);
        assert_eq!(scale_top(&[Some(130.0)], None), 200.0);
        assert_eq!(scale_top(&[Some(40.0)], Some(100.0)), 100.0);
    }

    #[test]
    fn a_missing_week_breaks_the_line_and_values_map_into_the_box() {
        let runs = lines(&[Some(0.0), Some(100.0), None, Some(50.0)], 100.0);
        assert_eq!(runs.len(), 2);
        let first: Vec<&str> = runs[0].split(' ').collect();
        assert_eq!(first, ["8.0,112.0", "109.3,8.0"]);
        assert_eq!(runs[1], "312.0,60.0");
        assert!(lines(&[None, None], 1.0).is_empty());
        assert_eq!(lines(&[Some(1.0)], 1.0), ["8.0,8.0"]);
    }
}
