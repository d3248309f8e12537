//! The report charts drawn with plotters, as SVG and PNG at slide size (1280×720): monthly
//! compliance against the goal, volume by category, distribution of solution times and
//! compliance by priority. Spanish titles and axes; the dashboard serves the same files.
//! They must read well with one category or priority as with many, and an empty quarter or a
//! filter matching nothing draws the axes with "Sin datos" instead of failing.

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, ValueFormatter};
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub mod trend;

use super::ReportError;
use crate::indicators::{Dimension, IndicatorSet, Quantity, fmt_count, fmt_percent};

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

/// Why a chart could not be made; the message is plotters' own.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// Drawing on the canvas failed.
    #[error("{0}")]
    Draw(String),
    /// Writing out the finished chart (the file, or the PNG encoding) failed.
    #[error("{0}")]
    Present(String),
}

/// Draws chart `name` on `root` and writes it out.
fn render<DB: DrawingBackend>(
    name: &str,
    set: &IndicatorSet,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), ChartError> {
    draw(name, set, root).map_err(|e| ChartError::Draw(e.to_string()))?;
    root.present()
        .map_err(|e| ChartError::Present(e.to_string()))
}

/// Writes every chart as `<chart>_<stem>.svg` and `.png` in `dir`; returns the paths.
pub fn write_all(set: &IndicatorSet, dir: &Path, stem: &str) -> Result<Vec<PathBuf>, ReportError> {
    register_fonts();
    let mut out = Vec::new();
    for (name, _) in CHARTS {
        for ext in ["svg", "png"] {
            let path = dir.join(format!("{name}_{stem}.{ext}"));
            let drawn = if ext == "svg" {
                render(name, set, &SVGBackend::new(&path, SIZE).into_drawing_area())
            } else {
                render(
                    name,
                    set,
                    &BitMapBackend::new(&path, SIZE).into_drawing_area(),
                )
            };
            drawn.map_err(|source| ReportError::Chart {
                path: path.display().to_string(),
                source,
            })?;
            out.push(path);
        }
    }
    Ok(out)
}

/// Renders one chart as a PNG file at `path` (the dashboard's slide-sized download).
pub fn png(name: &str, set: &IndicatorSet, path: &Path) -> Result<(), ChartError> {
    register_fonts();
    render(
        name,
        set,
        &BitMapBackend::new(path, SIZE).into_drawing_area(),
    )
}

/// Renders one chart as an SVG document in memory (for the dashboard).
pub fn svg(name: &str, set: &IndicatorSet) -> Result<String, ChartError> {
    register_fonts();
    let mut text = String::new();
    render(
        name,
        set,
        &SVGBackend::with_string(&mut text, SIZE).into_drawing_area(),
    )?;
    Ok(text)
}

/// A linear axis whose ticks are chosen here: a band axis (`band_axis`) for categories and
/// priorities, a count axis with integer ticks (`count_axis`) or a percent axis. Plotters'
/// segmented axis collapses to zero width when there is a single category, and its automatic
/// ticks on a small count range fall on fractions that a count label prints as repeated integers.
#[derive(Clone)]
struct Scale {
    start: f64,
    end: f64,
    ticks: Vec<f64>,
}

impl Ranged for Scale {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let span = self.end - self.start;
        // Clamped: a value far off the axis must not overflow the pixel coordinate.
        let t = if span > 0.0 {
            ((value - self.start) / span).clamp(-1.0, 2.0)
        } else {
            0.5
        };
        limit.0 + (f64::from(limit.1 - limit.0) * t).round() as i32
    }

    /// The chosen ticks carry the labels and the grid; there are no light grid lines.
    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.start..self.end
    }
}

/// Every label is given by a formatter of the chart; this only satisfies plotters' bound.
impl ValueFormatter<f64> for Scale {
    fn format(value: &f64) -> String {
        value.to_string()
    }
}

type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<Scale, Scale>>;

const GRID: RGBColor = RGBColor(0xDD, 0xDD, 0xDD);
/// Height of the legend row between the subtitle and the plot (drawn even when empty, so the
/// four charts line up on a slide).
const LEGEND_HEIGHT: u32 = 40;
/// Thickest bar, in pixels: one category or priority must not fill the whole plot.
const MAX_BAR: f64 = 110.0;

fn draw<DB: DrawingBackend>(
    name: &str,
    set: &IndicatorSet,
    root: &DrawingArea<DB, Shift>,
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let root = root.margin(12, 0, 0, 0);
    let mut subtitle = format!("{} · {}", set.entity_name, set.quarter);
    if !set.filters.is_empty() {
        subtitle = shorten(&format!("{subtitle} · {}", set.filters.join(" · ")), 100);
    }
    let title = CHARTS.iter().find(|c| c.0 == name).map_or(name, |c| c.1);
    let area = root.titled(title, (FONT, 34).into_font().style(FontStyle::Bold))?;
    let (top, area) = area.split_vertically(32);
    top.draw_text(
        &subtitle,
        &(FONT, 22)
            .into_font()
            .color(&GREY)
            .pos(Pos::new(HPos::Center, VPos::Top)),
        (SIZE.0 as i32 / 2, 0),
    )?;
    let (key, area) = area.split_vertically(LEGEND_HEIGHT);
    match name {
        "cumplimiento_mensual" => monthly(set, &key, &area),
        "volumen_por_categoria" => by_category(set, &area),
        "distribucion_solucion" => distribution(set, &area),
        _ => by_priority(set, &key, &area),
    }
}

/// One band per category: band `i` spans `i..i + 1`, its tick and label sit at `i + 0.5`.
/// No categories give one empty band without ticks.
fn band_axis(n: usize) -> Scale {
    Scale {
        start: 0.0,
        end: n.max(1) as f64,
        ticks: (0..n).map(|i| i as f64 + 0.5).collect(),
    }
}

fn band_label(v: &f64, labels: &[String]) -> String {
    if *v < 0.0 {
        return String::new();
    }
    labels.get(v.floor() as usize).cloned().unwrap_or_default()
}

/// Integer ticks for a count axis on a 1-2-5 step, up to the first tick that leaves room for
/// the value labels above the largest bar. Nothing to count gives the single tick 0.
fn count_ticks(max: u64) -> Vec<u64> {
    if max == 0 {
        return vec![0];
    }
    let room = max as f64 * 1.15;
    let raw = room / 6.0;
    let mut magnitude = 1u64;
    let step = loop {
        if let Some(s) = [1, 2, 5]
            .iter()
            .map(|m| m * magnitude)
            .find(|s| *s as f64 >= raw)
        {
            break s;
        }
        magnitude = magnitude.saturating_mul(10);
    };
    let top = (room / step as f64).ceil() as u64;
    (0..=top).map(|k| k * step).collect()
}

fn count_axis(max: u64) -> Scale {
    let ticks = count_ticks(max);
    Scale {
        start: 0.0,
        end: ticks.last().copied().unwrap_or(0).max(1) as f64,
        ticks: ticks.into_iter().map(|t| t as f64).collect(),
    }
}

fn count_label(v: &f64) -> String {
    fmt_count(v.round().max(0.0) as u64)
}

/// 0 % to 100 % every 10 points; `top` leaves headroom above 100 % for markers and labels.
fn percent_axis(top: f64) -> Scale {
    Scale {
        start: 0.0,
        end: top,
        ticks: (0..=10).map(|k| f64::from(k) * 10.0).collect(),
    }
}

fn pct_label(v: &f64) -> String {
    format!("{v:.0} %")
}

fn goal_label(goal: f64) -> String {
    if goal.fract() == 0.0 {
        format!("Meta ({goal:.0} %)")
    } else {
        format!("Meta ({})", fmt_percent(goal))
    }
}

fn builder<'a, 'b, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    y_label_area: u32,
) -> ChartBuilder<'a, 'b, DB> {
    let mut b = ChartBuilder::on(area);
    b.margin_top(8)
        .margin_bottom(16)
        .margin_left(24)
        .margin_right(36)
        .x_label_area_size(60)
        .y_label_area_size(y_label_area);
    b
}

/// Axes, tick labels and the grid along the value axis (the band axis has no grid).
fn draw_mesh<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    x: (&str, &dyn Fn(&f64) -> String),
    y: (&str, &dyn Fn(&f64) -> String),
    bands_on_x: bool,
    label_size: u32,
) -> DrawResult<DB> {
    let mut mesh = chart.configure_mesh();
    mesh.bold_line_style(GRID)
        .x_label_formatter(x.1)
        .y_label_formatter(y.1)
        .label_style((FONT, label_size))
        .axis_desc_style((FONT, 22));
    if bands_on_x {
        mesh.disable_x_mesh();
    } else {
        mesh.disable_y_mesh();
    }
    if !x.0.is_empty() {
        mesh.x_desc(x.0);
    }
    if !y.0.is_empty() {
        mesh.y_desc(y.0);
    }
    mesh.draw()
}

/// An empty chart keeps its axes and says so in the middle, with the reason below.
fn no_data<DB: DrawingBackend>(chart: &Chart<'_, DB>, why: &str) -> DrawResult<DB> {
    let area = chart.plotting_area().strip_coord_spec();
    let (w, h) = area.dim_in_pixel();
    let (x, y) = (w as i32 / 2, h as i32 / 2);
    area.draw_text(
        "Sin datos",
        &(FONT, 44)
            .into_font()
            .style(FontStyle::Bold)
            .color(&GREY)
            .pos(Pos::new(HPos::Center, VPos::Bottom)),
        (x, y),
    )?;
    area.draw_text(
        why,
        &(FONT, 22)
            .into_font()
            .color(&GREY)
            .pos(Pos::new(HPos::Center, VPos::Top)),
        (x, y + 14),
    )
}

/// Width of a text in pixels (a rough estimate if the font cannot measure it).
fn text_width<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, text: &str, size: u32) -> u32 {
    let style = TextStyle::from((FONT, size).into_font());
    area.estimate_text_size(text, &style)
        .map_or(text.chars().count() as u32 * size * 6 / 10, |(w, _)| w)
}

/// A band label that fits `room` pixels: as is, else with its first word cut to three letters
/// ("Septiembre 2025" → "Sep 2025"), else cut with an ellipsis.
fn fit_label<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    size: u32,
    room: u32,
) -> String {
    if text_width(area, text, size) <= room {
        return text.to_owned();
    }
    let mut words = text.split(' ');
    let first: String = words.next().unwrap_or_default().chars().take(3).collect();
    let short = std::iter::once(first.as_str())
        .chain(words)
        .collect::<Vec<_>>()
        .join(" ");
    if text_width(area, &short, size) <= room {
        return short;
    }
    let mut max = text.chars().count();
    while max > 2 {
        max -= 1;
        let cut = shorten(text, max);
        if text_width(area, &cut, size) <= room {
            return cut;
        }
    }
    shorten(text, 2)
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let head: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{head}…")
}

/// How a legend entry is drawn.
#[derive(Clone, Copy)]
enum Key {
    Line(RGBColor),
    Bar(RGBColor),
    Goal,
}

/// The legend as one centred row above the plot, where it can never cover the data.
fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    items: &[(String, Key)],
) -> DrawResult<DB> {
    const MARK: i32 = 36;
    const GAP: i32 = 10;
    const SPACING: i32 = 40;
    let widths: Vec<i32> = items
        .iter()
        .map(|(t, _)| text_width(area, t, 20) as i32)
        .collect();
    let total: i32 = widths.iter().map(|w| MARK + GAP + w).sum::<i32>()
        + SPACING * (items.len() as i32 - 1).max(0);
    let (w, h) = area.dim_in_pixel();
    let mut x = (w as i32 - total) / 2;
    let y = h as i32 / 2;
    let style = TextStyle::from((FONT, 20).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    for ((text, key), width) in items.iter().zip(widths) {
        match *key {
            Key::Line(c) => {
                area.draw(&PathElement::new(
                    [(x, y), (x + MARK, y)],
                    c.stroke_width(4),
                ))?;
                area.draw(&Circle::new((x + MARK / 2, y), 6, c.filled()))?;
            }
            Key::Bar(c) => {
                area.draw(&Rectangle::new(
                    [(x + 6, y - 9), (x + MARK - 6, y + 9)],
                    c.filled(),
                ))?;
            }
            Key::Goal => {
                for dash in [0, 14, 28] {
                    area.draw(&PathElement::new(
                        [(x + dash, y), (x + dash + 8, y)],
                        GREEN.stroke_width(3),
                    ))?;
                }
            }
        }
        area.draw_text(text, &style, (x + MARK + GAP, y))?;
        x += MARK + GAP + width + SPACING;
    }
    Ok(())
}

/// The goal as a dashed line across every band.
fn goal_line<DB: DrawingBackend>(chart: &mut Chart<'_, DB>, goal: f64, n: usize) -> DrawResult<DB> {
    chart.draw_series(DashedLineSeries::new(
        [(0.0, goal), (n.max(1) as f64, goal)],
        12,
        8,
        GREEN.stroke_width(3),
    ))?;
    Ok(())
}

/// Runs of consecutive months with a value, as points at the band centres: a month without
/// measured cases breaks the line instead of being bridged.
fn runs(values: &[Option<f64>]) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    let mut run = Vec::new();
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) => run.push((i as f64 + 0.5, *v)),
            None if !run.is_empty() => out.push(std::mem::take(&mut run)),
            None => {}
        }
    }
    if !run.is_empty() {
        out.push(run);
    }
    out
}

const COMPLIANCE: [(Quantity, &str, RGBColor); 2] = [
    (Quantity::AttentionOnTime, "Atención en ANS", BLUE),
    (Quantity::SolutionOnTime, "Solución en ANS", ORANGE),
];

/// Monthly attention and solution compliance over the previous and the current quarter.
fn monthly<DB: DrawingBackend>(
    set: &IndicatorSet,
    key: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
) -> DrawResult<DB> {
    let months: Vec<_> = set
        .previous
        .rows(Dimension::Month)
        .chain(set.current.rows(Dimension::Month))
        .collect();
    let n = months.len().max(1);
    let values: Vec<Vec<Option<f64>>> = COMPLIANCE
        .iter()
        .map(|(q, _, _)| months.iter().map(|m| m.figures.value(*q).value).collect())
        .collect();
    let empty = values.iter().flatten().all(Option::is_none);
    let mut chart =
        builder(area, 90).build_cartesian_2d(band_axis(months.len()), percent_axis(105.0))?;
    let room = chart.plotting_area().dim_in_pixel().0 / n as u32;
    let labels: Vec<String> = months
        .iter()
        .map(|m| fit_label(area, &m.label, 20, room.saturating_sub(8)))
        .collect();
    draw_mesh(
        &mut chart,
        ("Mes (trimestre anterior y actual)", &|v| {
            band_label(v, &labels)
        }),
        ("% de casos dentro del ANS", &pct_label),
        true,
        20,
    )?;
    if empty {
        return no_data(&chart, "Ningún caso con el ANS medido en estos meses");
    }
    let goal = set.goal(Quantity::SolutionOnTime);
    if let Some(goal) = goal {
        goal_line(&mut chart, goal, n)?;
    }
    let mut items = Vec::new();
    // The second series is drawn thinner over the first, so equal values (both 100 %, say)
    // still show both colours.
    let marks = [(5, 8), (3, 5)];
    for (((_, label, color), values), (width, radius)) in COMPLIANCE.iter().zip(&values).zip(marks)
    {
        for run in runs(values).into_iter().filter(|r| r.len() > 1) {
            chart.draw_series(LineSeries::new(run, color.stroke_width(width)))?;
        }
        chart.draw_series(values.iter().enumerate().filter_map(|(i, v)| {
            v.map(|v| Circle::new((i as f64 + 0.5, v), radius, color.filled()))
        }))?;
        items.push(((*label).to_owned(), Key::Line(*color)));
    }
    if let Some(goal) = goal {
        items.push((goal_label(goal), Key::Goal));
    }
    legend(key, &items)
}

/// The ten categories with most tickets registered, as horizontal bars.
fn by_category<DB: DrawingBackend>(
    set: &IndicatorSet,
    area: &DrawingArea<DB, Shift>,
) -> DrawResult<DB> {
    // Rows come ordered by registered plus solved; this chart counts registered only.
    let mut rows: Vec<_> = set
        .current
        .rows(Dimension::Category)
        .filter(|r| r.figures.registered > 0)
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.figures.registered));
    rows.truncate(10);
    // Bands count from the bottom: reverse so the largest category is on top.
    rows.reverse();
    let n = rows.len().max(1);
    let labels: Vec<String> = rows.iter().map(|r| shorten(&r.label, 42)).collect();
    let widest = labels
        .iter()
        .map(|l| text_width(area, l, 18))
        .max()
        .unwrap_or(0);
    let max = rows.iter().map(|r| r.figures.registered).max().unwrap_or(0);
    let mut chart = builder(area, (widest + 24).clamp(90, 460))
        .build_cartesian_2d(count_axis(max), band_axis(rows.len()))?;
    draw_mesh(
        &mut chart,
        ("Casos registrados", &count_label),
        ("", &|v| band_label(v, &labels)),
        false,
        18,
    )?;
    if rows.is_empty() {
        return no_data(&chart, "Ningún caso registrado en el trimestre");
    }
    let band = (chart.plotting_area().dim_in_pixel().1 as f64 / n as f64).max(1.0);
    let half = (band * 0.75).min(MAX_BAR * 0.6) / band / 2.0;
    chart.draw_series(rows.iter().enumerate().map(|(i, r)| {
        let c = i as f64 + 0.5;
        Rectangle::new(
            [(0.0, c - half), (r.figures.registered as f64, c + half)],
            BLUE.filled(),
        )
    }))?;
    let style = TextStyle::from((FONT, 18).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    chart.draw_series(rows.iter().enumerate().map(|(i, r)| {
        EmptyElement::at((r.figures.registered as f64, i as f64 + 0.5))
            + Text::new(fmt_count(r.figures.registered), (6, 0), style.clone())
    }))?;
    Ok(())
}

/// Solved tickets of the quarter by business hours of solution.
fn distribution<DB: DrawingBackend>(
    set: &IndicatorSet,
    area: &DrawingArea<DB, Shift>,
) -> DrawResult<DB> {
    let bins = &set.current.solution_histogram;
    let n = bins.len().max(1);
    let max = bins.iter().map(|b| b.count).max().unwrap_or(0);
    let mut chart =
        builder(area, 100).build_cartesian_2d(band_axis(bins.len()), count_axis(max))?;
    let band = (chart.plotting_area().dim_in_pixel().0 as f64 / n as f64).max(1.0);
    let labels: Vec<String> = bins
        .iter()
        .map(|b| fit_label(area, &b.label, 20, (band as u32).saturating_sub(8)))
        .collect();
    draw_mesh(
        &mut chart,
        ("Tiempo de solución (horas hábiles, sin pausas)", &|v| {
            band_label(v, &labels)
        }),
        ("Casos solucionados", &count_label),
        true,
        20,
    )?;
    if max == 0 {
        return no_data(&chart, "Ningún caso solucionado en el trimestre");
    }
    let half = (band * 0.88).min(MAX_BAR * 1.5) / band / 2.0;
    let bars = bins.iter().enumerate().filter(|(_, b)| b.count > 0);
    chart.draw_series(bars.clone().map(|(i, b)| {
        let c = i as f64 + 0.5;
        Rectangle::new([(c - half, 0.0), (c + half, b.count as f64)], BLUE.filled())
    }))?;
    let style = TextStyle::from((FONT, 18).into_font()).pos(Pos::new(HPos::Center, VPos::Bottom));
    chart.draw_series(bars.map(|(i, b)| {
        EmptyElement::at((i as f64 + 0.5, b.count as f64))
            + Text::new(fmt_count(b.count), (0, -4), style.clone())
    }))?;
    Ok(())
}

/// Attention and solution compliance per priority, side by side, with the goal.
fn by_priority<DB: DrawingBackend>(
    set: &IndicatorSet,
    key: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
) -> DrawResult<DB> {
    // A priority without any measured case has no bar to show.
    let rows: Vec<_> = set
        .current
        .rows(Dimension::Priority)
        .filter(|r| {
            COMPLIANCE
                .iter()
                .any(|(q, _, _)| r.figures.value(*q).value.is_some())
        })
        .collect();
    let n = rows.len().max(1);
    // Headroom above 100 % for the value labels.
    let mut chart =
        builder(area, 90).build_cartesian_2d(band_axis(rows.len()), percent_axis(112.0))?;
    let band = (chart.plotting_area().dim_in_pixel().0 as f64 / n as f64).max(1.0);
    let labels: Vec<String> = rows
        .iter()
        .map(|r| fit_label(area, &r.label, 20, (band as u32).saturating_sub(8)))
        .collect();
    draw_mesh(
        &mut chart,
        ("Prioridad", &|v| band_label(v, &labels)),
        ("% de casos dentro del ANS", &pct_label),
        true,
        20,
    )?;
    if rows.is_empty() {
        return no_data(&chart, "Ningún caso con el ANS medido en el trimestre");
    }
    let goal = set.goal(Quantity::SolutionOnTime);
    // Two bars per band, left and right of the centre with a small gap.
    let bar = (band * 0.36).min(MAX_BAR) / band;
    let gap = 4.0 / band;
    let mut labels = Vec::new();
    let mut items = Vec::new();
    for (k, (q, label, color)) in COMPLIANCE.iter().enumerate() {
        let (lo, hi) = if k == 0 {
            (-gap / 2.0 - bar, -gap / 2.0)
        } else {
            (gap / 2.0, gap / 2.0 + bar)
        };
        let bars: Vec<(f64, f64)> = rows
            .iter()
            .enumerate()
            .filter_map(|(i, r)| Some((i as f64 + 0.5, r.figures.value(*q).value?)))
            .collect();
        chart.draw_series(
            bars.iter()
                .map(|(c, v)| Rectangle::new([(c + lo, 0.0), (c + hi, *v)], color.filled())),
        )?;
        labels.extend(bars.iter().map(|(c, v)| (c + (lo + hi) / 2.0, *v)));
        items.push(((*label).to_owned(), Key::Bar(*color)));
    }
    // Over the bars, so it shows where a bar passes the goal.
    if let Some(goal) = goal {
        goal_line(&mut chart, goal, n)?;
        items.push((goal_label(goal), Key::Goal));
    }
    // Value labels last, on a white backing so the goal line never strikes them through.
    let style = TextStyle::from((FONT, 16).into_font()).pos(Pos::new(HPos::Center, VPos::Bottom));
    chart.draw_series(labels.into_iter().map(|(x, v)| {
        let text = fmt_percent(v);
        let half = text_width(area, &text, 16) as i32 / 2 + 3;
        EmptyElement::at((x, v))
            + Rectangle::new([(-half, -24), (half, -3)], WHITE.filled())
            + Text::new(text, (0, -4), style.clone())
    }))?;
    legend(key, &items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::coord::ranged1d::BoldPoints;

    use crate::indicators::{
        BreakdownRow, Definitions, Figures, HistogramBin, Quarter, QuarterFigures,
    };

    fn set_with(rows: Vec<BreakdownRow>, histogram: Vec<HistogramBin>) -> IndicatorSet {
        let current = QuarterFigures {
            total: Figures::default(),
            rows,
            solution_histogram: histogram,
        };
        IndicatorSet::build(
            "Prueba",
            Quarter::parse("2025-Q3").expect("quarter"),
            None,
            &Definitions::builtin(),
            current,
            QuarterFigures::default(),
        )
    }

    fn row(dimension: Dimension, label: &str, figures: Figures) -> BreakdownRow {
        BreakdownRow {
            dimension,
            key: Some(label.to_owned()),
            label: label.to_owned(),
            figures,
        }
    }

    /// Rectangles filled with `colour` below the legend row (the bars, not the legend keys).
    fn bars(svg: &str, colour: RGBColor) -> usize {
        let fill = format!("fill=\"#{:02X}{:02X}{:02X}\"", colour.0, colour.1, colour.2);
        svg.split("<rect")
            .skip(1)
            .filter(|r| {
                let tag = r.split('>').next().unwrap_or_default();
                let y = tag
                    .split("y=\"")
                    .nth(1)
                    .and_then(|v| v.split('"').next())
                    .and_then(|v| v.parse::<i32>().ok());
                tag.contains(&fill) && y.is_some_and(|y| y > 120)
            })
            .count()
    }

    #[test]
    fn count_ticks_are_distinct_integers_with_room_above_the_largest_bar() {
        assert_eq!(count_ticks(0), [0]);
        assert_eq!(count_ticks(1), [0, 1, 2]);
        assert_eq!(count_ticks(2), [0, 1, 2, 3]);
        assert_eq!(count_ticks(3), [0, 1, 2, 3, 4]);
        assert_eq!(count_ticks(156), [0, 50, 100, 150, 200]);
        assert_eq!(count_ticks(99), [0, 20, 40, 60, 80, 100, 120]);
        for max in 1..=20_000u64 {
            let ticks = count_ticks(max);
            assert_eq!(ticks[0], 0);
            assert!((3..=9).contains(&ticks.len()), "{max}: {ticks:?}");
            let step = ticks[1];
            assert!(ticks.windows(2).all(|w| w[1] - w[0] == step), "{ticks:?}");
            assert!(*ticks.last().expect("ticks") > max, "{max}: {ticks:?}");
        }
    }

    #[test]
    fn count_labels_round_to_whole_numbers() {
        assert_eq!(count_label(&0.0), "0");
        assert_eq!(count_label(&2.0), "2");
        assert_eq!(count_label(&-0.2), "0");
    }

    #[test]
    fn bands_put_one_tick_at_each_centre() {
        let axis = band_axis(1);
        assert_eq!(axis.range(), 0.0..1.0);
        assert_eq!(axis.key_points(BoldPoints(10)), [0.5]);
        // The one band spans the whole axis: plotters' segmented axis mapped it to zero width.
        assert_eq!(axis.map(&0.0, (100, 1100)), 100);
        assert_eq!(axis.map(&1.0, (100, 1100)), 1100);
        assert!(band_axis(0).key_points(BoldPoints(10)).is_empty());
        let labels = ["Alta".to_owned(), "Baja".to_owned()];
        assert_eq!(band_label(&0.5, &labels), "Alta");
        assert_eq!(band_label(&1.5, &labels), "Baja");
        assert_eq!(band_label(&2.5, &labels), "");
        assert_eq!(band_label(&-0.5, &labels), "");
    }

    #[test]
    fn a_month_without_data_breaks_the_line() {
        let runs = runs(&[Some(100.0), Some(50.0), None, Some(100.0), None]);
        assert_eq!(runs, [vec![(0.5, 100.0), (1.5, 50.0)], vec![(3.5, 100.0)]]);
        assert!(super::runs(&[None, None]).is_empty());
    }

    #[test]
    fn long_labels_are_cut_with_an_ellipsis() {
        assert_eq!(shorten("Hardware", 42), "Hardware");
        assert_eq!(shorten("Telecomunicaciones", 6), "Telec…");
        assert_eq!(shorten("abc", 0), "…");
    }

    #[test]
    fn goal_labels_keep_decimals_only_when_there_are_some() {
        assert_eq!(goal_label(90.0), "Meta (90 %)");
        assert_eq!(goal_label(92.5), "Meta (92,5 %)");
    }

    fn on_time(met: u64, breached: u64) -> Figures {
        Figures {
            registered: met + breached,
            attention_met: met,
            attention_breached: breached,
            solved: met + breached,
            solution_met: met,
            solution_breached: breached,
            ..Figures::default()
        }
    }

    #[test]
    fn a_single_month_priority_and_category_each_get_their_marks() {
        let set = set_with(
            vec![
                row(Dimension::Month, "Julio 2025", on_time(1, 0)),
                row(Dimension::Priority, "Alta", on_time(1, 0)),
                row(Dimension::Category, "Hardware", on_time(1, 0)),
            ],
            vec![HistogramBin {
                label: "≤ 1 h".into(),
                count: 1,
            }],
        );
        let monthly = svg("cumplimiento_mensual", &set).expect("svg");
        // One point per series in the plot, and the legend key.
        assert_eq!(monthly.matches("<circle").count(), 4, "{monthly}");
        assert!(monthly.contains("Julio 2025"));
        assert!(!monthly.contains("Sin datos"));
        let priority = svg("cumplimiento_por_prioridad", &set).expect("svg");
        assert_eq!(bars(&priority, BLUE), 1, "{priority}");
        assert_eq!(bars(&priority, ORANGE), 1);
        assert!(priority.contains("Meta (90 %)"));
        assert_eq!(priority.matches("100,0 %").count(), 2);
        let category = svg("volumen_por_categoria", &set).expect("svg");
        assert_eq!(bars(&category, BLUE), 1, "{category}");
        assert!(category.contains("Hardware"));
        let distribution = svg("distribucion_solucion", &set).expect("svg");
        assert_eq!(bars(&distribution, BLUE), 1, "{distribution}");
    }

    #[test]
    fn many_categories_show_the_ten_largest() {
        let rows = (1..=15)
            .map(|i| {
                let figures = Figures {
                    registered: i * 3,
                    ..Figures::default()
                };
                row(Dimension::Category, &format!("Categoría {i:02}"), figures)
            })
            .collect();
        let category = svg("volumen_por_categoria", &set_with(rows, vec![])).expect("svg");
        assert_eq!(bars(&category, BLUE), 10);
        assert!(category.contains("Categoría 15") && category.contains("Categoría 06"));
        assert!(!category.contains("Categoría 05"));
    }

    #[test]
    fn charts_without_data_say_so() {
        let set = set_with(vec![], vec![]);
        for (name, _) in CHARTS {
            let text = svg(name, &set).expect("svg");
            assert!(text.contains("Sin datos"), "{name}");
            assert_eq!(bars(&text, BLUE) + bars(&text, ORANGE), 0, "{name}");
            assert!(!text.contains("<circle"), "{name}");
        }
    }
}
