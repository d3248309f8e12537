//! The trend chart: one indicator over the quarters of a history (the dashboard's
//! `/tendencia`), the entity's line, every entity's together and the goal as a dashed line. It
//! reuses the axes, legend and marks of the report charts; a quarter without data breaks the
//! line instead of being drawn as 0.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    BLUE, ChartError, DrawResult, FONT, GREY, Key, LEGEND_HEIGHT, ORANGE, band_axis, band_label,
    builder, count_axis, count_label, draw_mesh, fit_label, goal_label, goal_line, legend, no_data,
    pct_label, percent_axis, register_fonts, runs, shorten, text_width,
};
use crate::indicators::history::Series;
use crate::indicators::{Kind, Quarter, fmt_count, fmt_hours, fmt_number, fmt_percent};

/// Size of a trend chart: two fit side by side on a wide screen.
pub const TREND_SIZE: (u32, u32) = (960, 420);

/// What one trend chart shows.
pub struct TrendChart<'a> {
    /// The quarters, oldest first.
    pub quarters: &'a [Quarter],
    /// The entity's display name and its series.
    pub entity: (&'a str, &'a Series),
    /// The same indicator for every entity together, when the store has several.
    pub all: Option<&'a Series>,
    /// The line under the title (entity, filters).
    pub subtitle: String,
}

/// The chart as an SVG document in memory.
pub fn svg(chart: &TrendChart<'_>) -> Result<String, ChartError> {
    register_fonts();
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, TREND_SIZE).into_drawing_area();
        draw(chart, &root).map_err(|e| ChartError::Draw(e.to_string()))?;
        root.present()
            .map_err(|e| ChartError::Present(e.to_string()))?;
    }
    Ok(text)
}

/// A value as the chart's labels write it.
fn value_label(kind: Kind, v: f64) -> String {
    match kind {
        Kind::Percent => fmt_percent(v),
        Kind::Hours => fmt_hours(v),
        Kind::Count => fmt_number(v, 0),
    }
}

/// The goal's legend entry in the indicator's unit.
fn goal_text(kind: Kind, goal: f64) -> String {
    match kind {
        Kind::Percent => goal_label(goal),
        _ => format!("Meta ({})", value_label(kind, goal)),
    }
}

fn hours_tick(v: &f64) -> String {
    format!("{} h", fmt_count(v.round().max(0.0) as u64))
}

fn draw<DB: DrawingBackend>(c: &TrendChart<'_>, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let root = root.margin(8, 0, 0, 0);
    let series = c.entity.1;
    let area = root.titled(
        &shorten(&series.name, 64),
        (FONT, 26).into_font().style(FontStyle::Bold),
    )?;
    let (top, area) = area.split_vertically(28);
    top.draw_text(
        &shorten(&c.subtitle, 90),
        &(FONT, 18)
            .into_font()
            .color(&GREY)
            .pos(Pos::new(HPos::Center, VPos::Top)),
        (TREND_SIZE.0 as i32 / 2, 0),
    )?;
    let (key, area) = area.split_vertically(LEGEND_HEIGHT);
    let mine: Vec<Option<f64>> = series.values.iter().map(|v| v.value).collect();
    let all: Option<Vec<Option<f64>>> = c.all.map(|s| s.values.iter().map(|v| v.value).collect());
    let top_value = mine
        .iter()
        .chain(all.iter().flatten())
        .flatten()
        .chain(&series.goal)
        .fold(0.0_f64, |m, v| m.max(*v));
    type Tick = dyn Fn(&f64) -> String;
    let (y_axis, y_tick) = match series.kind {
        // Headroom above 100 % for the value labels.
        Kind::Percent => (percent_axis(112.0), &pct_label as &Tick),
        Kind::Hours => (count_axis(top_value.ceil() as u64), &hours_tick as &Tick),
        Kind::Count => (count_axis(top_value.ceil() as u64), &count_label as &Tick),
    };
    let n = c.quarters.len();
    let mut chart = builder(&area, 90).build_cartesian_2d(band_axis(n), y_axis)?;
    let room = chart.plotting_area().dim_in_pixel().0 / n.max(1) as u32;
    let labels: Vec<String> = c
        .quarters
        .iter()
        .map(|q| fit_label(&area, &q.to_string(), 18, room.saturating_sub(6)))
        .collect();
    draw_mesh(
        &mut chart,
        ("Trimestre", &|v| band_label(v, &labels)),
        (series.unit.as_str(), y_tick),
        true,
        18,
    )?;
    if mine.iter().chain(all.iter().flatten()).all(Option::is_none) {
        return no_data(&chart, "Ningún valor medido en estos trimestres");
    }
    let mut items = vec![(c.entity.0.to_owned(), Key::Line(BLUE))];
    if let Some(goal) = series.goal {
        goal_line(&mut chart, goal, n)?;
    }
    if let Some(all) = &all {
        line(&mut chart, all, ORANGE, (2, 4))?;
        items.push(("Todas las entidades".to_owned(), Key::Line(ORANGE)));
    }
    line(&mut chart, &mine, BLUE, (4, 6))?;
    if let Some(goal) = series.goal {
        items.push((goal_text(series.kind, goal), Key::Goal));
    }
    value_labels(&mut chart, &area, series.kind, &mine)?;
    legend(&key, &items)
}

/// One series: its runs of consecutive quarters as lines, every value as a dot.
fn line<DB: DrawingBackend>(
    chart: &mut super::Chart<'_, DB>,
    values: &[Option<f64>],
    color: RGBColor,
    (width, radius): (u32, u32),
) -> DrawResult<DB> {
    for run in runs(values).into_iter().filter(|r| r.len() > 1) {
        chart.draw_series(LineSeries::new(run, color.stroke_width(width)))?;
    }
    chart.draw_series(values.iter().enumerate().filter_map(|(i, v)| {
        v.map(|v| Circle::new((i as f64 + 0.5, v), radius, color.filled()))
    }))?;
    Ok(())
}

/// The entity's values above its dots, on a white backing over the lines.
fn value_labels<DB: DrawingBackend>(
    chart: &mut super::Chart<'_, DB>,
    area: &DrawingArea<DB, Shift>,
    kind: Kind,
    values: &[Option<f64>],
) -> DrawResult<DB> {
    let style = TextStyle::from((FONT, 16).into_font()).pos(Pos::new(HPos::Center, VPos::Bottom));
    chart.draw_series(values.iter().enumerate().filter_map(|(i, v)| {
        let v = (*v)?;
        let text = value_label(kind, v);
        let half = text_width(area, &text, 16) as i32 / 2 + 3;
        Some(
            EmptyElement::at((i as f64 + 0.5, v))
                + Rectangle::new([(-half, -30), (half, -9)], WHITE.filled())
                + Text::new(text, (0, -10), style.clone()),
        )
    }))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::Value;
    use crate::indicators::history::quarters_ending;

    fn series(kind: Kind, goal: Option<f64>, values: &[Option<f64>]) -> Series {
        Series {
            id: "x".into(),
            name: "Casos solucionados dentro del ANS".into(),
            unit: "%".into(),
            kind,
            goal,
            values: values
                .iter()
                .map(|v| Value {
                    value: *v,
                    ..Value::default()
                })
                .collect(),
        }
    }

    #[test]
    fn a_gap_breaks_the_line_and_each_value_is_labelled_in_es_co() {
        let quarters = quarters_ending(Quarter::parse("2025-Q4").expect("q"), 4);
        let mine = series(
            Kind::Percent,
            Some(90.0),
            &[Some(92.4), None, Some(50.0), Some(100.0)],
        );
        let all = series(Kind::Percent, Some(90.0), &[Some(80.0), None, None, None]);
        let chart = TrendChart {
            quarters: &quarters,
            entity: ("Alcaldía", &mine),
            all: Some(&all),
            subtitle: "Alcaldía · últimos 4 trimestres".into(),
        };
        let text = svg(&chart).expect("svg");
        for label in [
            "92,4 %",
            "50,0 %",
            "100,0 %",
            "Meta (90 %)",
            "2025-Q1",
            "2025-Q4",
        ] {
            assert!(text.contains(label), "{label}");
        }
        assert!(text.contains("Todas las entidades"));
        // Dots: three of the entity, one of all entities, two in the legend.
        assert_eq!(text.matches("<circle").count(), 6, "{text}");
        // One line of the entity (2025-Q3 to Q4; Q1 stands alone) besides its legend key,
        // none of all entities (a single value).
        let lines = |stroke: &str| text.matches(&format!("stroke=\"{stroke}\"")).count();
        assert_eq!(lines("#2F5597\" stroke-width=\"4"), 2, "{text}");
        assert_eq!(lines("#C55A11\" stroke-width=\"2"), 0, "{text}");
        assert!(!text.contains("Sin datos"));
    }

    #[test]
    fn hours_and_counts_get_their_units_and_nothing_measured_says_so() {
        let quarters = quarters_ending(Quarter::parse("2025-Q4").expect("q"), 2);
        let hours = series(Kind::Hours, Some(8.0), &[Some(7.5), Some(12.5)]);
        let chart = TrendChart {
            quarters: &quarters,
            entity: ("Alcaldía", &hours),
            all: None,
            subtitle: String::new(),
        };
        let text = svg(&chart).expect("svg");
        assert!(text.contains("7,5 h") && text.contains("12,5 h") && text.contains("Meta (8,0 h)"));
        assert!(!text.contains("Todas las entidades"));
        let empty = series(Kind::Count, None, &[None, None]);
        let chart = TrendChart {
            entity: ("Alcaldía", &empty),
            ..chart
        };
        let text = svg(&chart).expect("svg");
        assert!(text.contains("Sin datos"));
        assert!(!text.contains("<circle"));
    }
}
