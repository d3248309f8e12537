//! The report charts drawn with plotters, as SVG and PNG at slide size (1280×720): monthly
//! compliance against the goal, volume by category, distribution of solution times and
//! compliance by priority. Spanish titles and axes; the dashboard serves the same files.

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;

use super::ReportError;
use crate::indicators::{Dimension, IndicatorSet, Quantity, fmt_count};

const SIZE: (u32, u32) = (1280, 720);
const FONT: &str = "sans-serif";
const BLUE: RGBColor = RGBColor(0x2F, 0x55, 0x97);
const ORANGE: RGBColor = RGBColor(0xC5, 0x5A, 0x11);
const GREEN: RGBColor = RGBColor(0x00, 0x8A, 0x3E);
const GREY: RGBColor = RGBColor(0x59, 0x59, 0x59);

/// The charts, by file stem.
pub const CHARTS: [(&str, &str); 4] = [
    ("cumplimiento_mensual", "Cumplimiento mensual de los ANS"),
    ("volumen_por_categoria", "Casos registrados por categoría"),
    (
        "distribucion_solucion",
        "Distribución de los tiempos de solución",
    ),
    (
        "cumplimiento_por_prioridad",
        "Cumplimiento de los ANS por prioridad",
    ),
];

/// Bitmap text needs a font of its own: DejaVu Sans ships in `assets/fonts` (SVG text is
/// rendered by the viewer). A pure-Rust rasteriser avoids a system font dependency.
fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let fonts: [(FontStyle, &'static [u8]); 2] = [
            (
                FontStyle::Normal,
                include_bytes!("../../assets/fonts/DejaVuSans.ttf"),
            ),
            (
                FontStyle::Bold,
                include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf"),
            ),
        ];
        for (style, bytes) in fonts {
            // The embedded fonts are valid TrueType files; a failure would only lose text.
            if plotters::style::register_font(FONT, style, bytes).is_err() {
                tracing::warn!("no se pudo registrar la fuente de los gráficos");
            }
        }
    });
}

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Writes every chart as `<chart>_<stem>.svg` and `.png` in `dir`; returns the paths.
pub fn write_all(set: &IndicatorSet, dir: &Path, stem: &str) -> Result<Vec<PathBuf>, ReportError> {
    register_fonts();
    let mut out = Vec::new();
    for (name, _) in CHARTS {
        for ext in ["svg", "png"] {
            let path = dir.join(format!("{name}_{stem}.{ext}"));
            let fail = |e: String| ReportError::Chart {
                path: path.display().to_string(),
                message: e,
            };
            if ext == "svg" {
                let root = SVGBackend::new(&path, SIZE).into_drawing_area();
                draw(name, set, &root).map_err(|e| fail(e.to_string()))?;
                root.present().map_err(|e| fail(e.to_string()))?;
            } else {
                let root = BitMapBackend::new(&path, SIZE).into_drawing_area();
                draw(name, set, &root).map_err(|e| fail(e.to_string()))?;
                root.present().map_err(|e| fail(e.to_string()))?;
            }
            out.push(path);
        }
    }
    Ok(out)
}

/// Renders one chart as an SVG document in memory (for the dashboard).
pub fn svg(name: &str, set: &IndicatorSet) -> Result<String, String> {
    register_fonts();
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, SIZE).into_drawing_area();
        draw(name, set, &root).map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(text)
}

fn draw<DB: DrawingBackend>(
    name: &str,
    set: &IndicatorSet,
    root: &DrawingArea<DB, Shift>,
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let root = root.margin(12, 0, 0, 0);
    let subtitle = format!("{} · {}", set.entity, set.quarter);
    let title = CHARTS.iter().find(|c| c.0 == name).map_or(name, |c| c.1);
    let area = root.titled(title, (FONT, 34).into_font().style(FontStyle::Bold))?;
    let (top, area) = area.split_vertically(34);
    top.draw_text(
        &subtitle,
        &(FONT, 22)
            .into_font()
            .color(&GREY)
            .pos(plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Center,
                plotters::style::text_anchor::VPos::Top,
            )),
        (SIZE.0 as i32 / 2, 0),
    )?;
    match name {
        "cumplimiento_mensual" => monthly(set, &area),
        "volumen_por_categoria" => by_category(set, &area),
        "distribucion_solucion" => distribution(set, &area),
        _ => by_priority(set, &area),
    }
}

fn pct_label(v: &f64) -> String {
    format!("{v:.0} %")
}

/// Monthly attention and solution compliance over the previous and the current quarter.
fn monthly<DB: DrawingBackend>(
    set: &IndicatorSet,
    area: &DrawingArea<DB, Shift>,
) -> DrawResult<DB> {
    let months: Vec<_> = set
        .previous
        .rows(Dimension::Month)
        .chain(set.current.rows(Dimension::Month))
        .collect();
    let n = months.len().max(1) as i32;
    let labels: Vec<String> = months.iter().map(|m| m.label.clone()).collect();
    let mut chart = ChartBuilder::on(area)
        .margin(24)
        .x_label_area_size(60)
        .y_label_area_size(90)
        .build_cartesian_2d((0..n - 1).into_segmented(), 0f64..105f64)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(RGBColor(0xEE, 0xEE, 0xEE))
        .x_labels(n as usize)
        .x_label_formatter(&|x| segment_label(x, &labels))
        .y_label_formatter(&pct_label)
        .y_desc("% de casos dentro del ANS")
        .x_desc("Mes (trimestre anterior y actual)")
        .label_style((FONT, 20))
        .axis_desc_style((FONT, 22))
        .draw()?;
    let series = [
        (Quantity::AttentionOnTime, "Atención en ANS", BLUE),
        (Quantity::SolutionOnTime, "Solución en ANS", ORANGE),
    ];
    for (q, label, color) in series {
        let points: Vec<(SegmentValue<i32>, f64)> = months
            .iter()
            .enumerate()
            .filter_map(|(i, m)| {
                m.figures
                    .value(q)
                    .value
                    .map(|v| (SegmentValue::CenterOf(i as i32), v))
            })
            .collect();
        chart
            .draw_series(LineSeries::new(points.clone(), color.stroke_width(4)))?
            .label(label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 30, y)], color.stroke_width(4)));
        chart.draw_series(
            points
                .into_iter()
                .map(|p| Circle::new(p, 7, color.filled())),
        )?;
    }
    if let Some(goal) = set.goal(Quantity::SolutionOnTime) {
        chart
            .draw_series(DashedLineSeries::new(
                [
                    (SegmentValue::Exact(0), goal),
                    (SegmentValue::Exact(n), goal),
                ],
                12,
                8,
                GREEN.stroke_width(3),
            ))?
            .label(format!("Meta ({goal:.0} %)"))
            .legend(|(x, y)| PathElement::new([(x, y), (x + 30, y)], GREEN.stroke_width(3)));
    }
    legend(&mut chart, SeriesLabelPosition::LowerRight)
}

fn segment_label(x: &SegmentValue<i32>, labels: &[String]) -> String {
    match x {
        SegmentValue::CenterOf(i) => usize::try_from(*i)
            .ok()
            .and_then(|i| labels.get(i))
            .cloned()
            .unwrap_or_default(),
        _ => String::new(),
    }
}

fn legend<'a, DB: DrawingBackend + 'a, X, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    position: SeriesLabelPosition,
) -> DrawResult<DB>
where
    X: plotters::coord::ranged1d::Ranged,
    Y: plotters::coord::ranged1d::Ranged,
{
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.9))
        .border_style(GREY)
        .label_font((FONT, 20))
        .draw()
}

/// The ten categories with most tickets registered, as horizontal bars.
fn by_category<DB: DrawingBackend>(
    set: &IndicatorSet,
    area: &DrawingArea<DB, Shift>,
) -> DrawResult<DB> {
    let rows: Vec<_> = set.current.rows(Dimension::Category).take(10).collect();
    let n = rows.len().max(1) as i32;
    // Plotters counts segments from the bottom: reverse so the largest category is on top.
    let rows: Vec<_> = rows.into_iter().rev().collect();
    let labels: Vec<String> = rows.iter().map(|r| shorten(&r.label, 42)).collect();
    let max = rows
        .iter()
        .map(|r| r.figures.registered)
        .max()
        .unwrap_or(0)
        .max(1) as f64
        * 1.15;
    let mut chart = ChartBuilder::on(area)
        .margin(24)
        .x_label_area_size(60)
        .y_label_area_size(430)
        .build_cartesian_2d(0f64..max, (0..n - 1).into_segmented())?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(RGBColor(0xEE, 0xEE, 0xEE))
        .y_labels(n as usize)
        .y_label_formatter(&|y| segment_label(y, &labels))
        .x_label_formatter(&|v| fmt_count(v.max(0.0) as u64))
        .x_desc("Casos registrados")
        .label_style((FONT, 18))
        .axis_desc_style((FONT, 22))
        .draw()?;
    chart.draw_series(rows.iter().enumerate().map(|(i, r)| {
        let i = i as i32;
        let mut bar = Rectangle::new(
            [
                (0.0, SegmentValue::Exact(i)),
                (r.figures.registered as f64, SegmentValue::Exact(i + 1)),
            ],
            BLUE.filled(),
        );
        bar.set_margin(6, 6, 0, 0);
        bar
    }))?;
    chart.draw_series(rows.iter().enumerate().map(|(i, r)| {
        Text::new(
            format!(" {}", fmt_count(r.figures.registered)),
            (
                r.figures.registered as f64,
                SegmentValue::CenterOf(i as i32),
            ),
            TextStyle::from((FONT, 18).into_font()).pos(plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Left,
                plotters::style::text_anchor::VPos::Center,
            )),
        )
    }))?;
    Ok(())
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let head: String = text.chars().take(max - 1).collect();
    format!("{head}…")
}

/// Solved tickets of the quarter by business hours of solution.
fn distribution<DB: DrawingBackend>(
    set: &IndicatorSet,
    area: &DrawingArea<DB, Shift>,
) -> DrawResult<DB> {
    let bins = &set.current.solution_histogram;
    let n = bins.len().max(1) as i32;
    let labels: Vec<String> = bins.iter().map(|b| b.label.clone()).collect();
    let max = bins.iter().map(|b| b.count).max().unwrap_or(0).max(1) as f64 * 1.15;
    let mut chart = ChartBuilder::on(area)
        .margin(24)
        .x_label_area_size(60)
        .y_label_area_size(100)
        .build_cartesian_2d((0..n - 1).into_segmented(), 0f64..max)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(RGBColor(0xEE, 0xEE, 0xEE))
        .x_labels(n as usize)
        .x_label_formatter(&|x| segment_label(x, &labels))
        .y_label_formatter(&|v| fmt_count(v.max(0.0) as u64))
        .x_desc("Tiempo de solución (horas hábiles, sin pausas)")
        .y_desc("Casos solucionados")
        .label_style((FONT, 20))
        .axis_desc_style((FONT, 22))
        .draw()?;
    chart.draw_series(bins.iter().enumerate().map(|(i, b)| {
        let i = i as i32;
        let mut bar = Rectangle::new(
            [
                (SegmentValue::Exact(i), 0.0),
                (SegmentValue::Exact(i + 1), b.count as f64),
            ],
            BLUE.filled(),
        );
        bar.set_margin(0, 0, 8, 8);
        bar
    }))?;
    chart.draw_series(bins.iter().enumerate().map(|(i, b)| {
        Text::new(
            fmt_count(b.count),
            (SegmentValue::CenterOf(i as i32), b.count as f64),
            TextStyle::from((FONT, 18).into_font()).pos(plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Center,
                plotters::style::text_anchor::VPos::Bottom,
            )),
        )
    }))?;
    Ok(())
}

/// Attention and solution compliance per priority, side by side, with the goal.
fn by_priority<DB: DrawingBackend>(
    set: &IndicatorSet,
    area: &DrawingArea<DB, Shift>,
) -> DrawResult<DB> {
    let rows: Vec<_> = set.current.rows(Dimension::Priority).collect();
    let n = rows.len().max(1) as i32;
    let labels: Vec<String> = rows.iter().map(|r| r.label.clone()).collect();
    let mut chart = ChartBuilder::on(area)
        .margin(24)
        .x_label_area_size(60)
        .y_label_area_size(90)
        // Headroom above 100 % keeps the legend off the bars.
        .build_cartesian_2d((0..n - 1).into_segmented(), 0f64..128f64)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(RGBColor(0xEE, 0xEE, 0xEE))
        .x_labels(n as usize)
        .x_label_formatter(&|x| segment_label(x, &labels))
        .y_label_formatter(&|v| {
            if *v > 100.0 {
                String::new()
            } else {
                pct_label(v)
            }
        })
        .y_desc("% de casos dentro del ANS")
        .x_desc("Prioridad")
        .label_style((FONT, 20))
        .axis_desc_style((FONT, 22))
        .draw()?;
    // Two bars per segment: pixel margins split the segment in halves.
    let segment = chart.plotting_area().dim_in_pixel().0 / n as u32;
    let pad = segment / 8;
    let half = segment / 2;
    let series = [
        (
            Quantity::AttentionOnTime,
            "Atención en ANS",
            BLUE,
            (pad, half),
        ),
        (
            Quantity::SolutionOnTime,
            "Solución en ANS",
            ORANGE,
            (half, pad),
        ),
    ];
    for (q, label, color, (left, right)) in series {
        chart
            .draw_series(rows.iter().enumerate().filter_map(|(i, r)| {
                let v = r.figures.value(q).value?;
                let i = i as i32;
                let mut bar = Rectangle::new(
                    [
                        (SegmentValue::Exact(i), 0.0),
                        (SegmentValue::Exact(i + 1), v),
                    ],
                    color.filled(),
                );
                bar.set_margin(0, 0, left, right);
                Some(bar)
            }))?
            .label(label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 8), (x + 24, y + 8)], color.filled()));
    }
    if let Some(goal) = set.goal(Quantity::SolutionOnTime) {
        chart
            .draw_series(DashedLineSeries::new(
                [
                    (SegmentValue::Exact(0), goal),
                    (SegmentValue::Exact(n), goal),
                ],
                12,
                8,
                GREEN.stroke_width(3),
            ))?
            .label(format!("Meta ({goal:.0} %)"))
            .legend(|(x, y)| PathElement::new([(x, y), (x + 30, y)], GREEN.stroke_width(3)));
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}
