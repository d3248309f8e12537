//! The quarterly workbook (rust_xlsxwriter): *Resumen* with native charts, *Ficha de
//! indicadores*, one sheet per breakdown, *Incumplimientos* and *Casos* (constant memory, so a
//! quarter of a million tickets stays small in RAM).

use std::path::Path;

use arrow::array::{Array, BooleanArray, Float64Array, Int64Array, StringArray};
use arrow::record_batch::RecordBatch;
use rust_xlsxwriter::{
    Chart, ChartLegendPosition, ChartLine, ChartLineDashType, ChartSolidFill, Color, DocProperties,
    Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use super::ReportError;
use crate::indicators::{
    BreakdownRow, Dimension, Figures, Indicator, IndicatorSet, Kind, Light, Quantity, Quarter,
};
use crate::model::{Status, TicketType, priority_label_es};
use crate::store::arrow_cols::{bools, f64s, i64s, strs};
use crate::store::indicators::{Filters, QuarterList, UNVERSIONED, stream_quarter_list};
use crate::store::{Store, StoreError};

#[path = "history_sheet.rs"]
mod history_sheet;
#[path = "ola_sheet.rs"]
mod ola_sheet;

/// Excel allows at most 65,530 hyperlinks per sheet; later breaches get the id as plain text.
const MAX_LINKS: usize = 65_000;

/// Cases above which the workbook is compressed for speed rather than size.
const LARGE_WORKBOOK: usize = 200_000;

/// Counts of what was written.
#[derive(Debug, Clone, Copy, Default)]
pub struct WorkbookStats {
    pub cases: usize,
    pub breaches: usize,
}

pub(super) struct Formats {
    pub(super) title: Format,
    pub(super) subtitle: Format,
    pub(super) header: Format,
    pub(super) label: Format,
    text: Format,
    pub(super) int: Format,
    pct: Format,
    hours: Format,
    date: Format,
    change_pct: Format,
    change_int: Format,
    change_hours: Format,
    green: Format,
    yellow: Format,
    red: Format,
}

impl Formats {
    pub(super) fn new() -> Formats {
        let header = Format::new()
            .set_bold()
            .set_background_color(Color::RGB(0x1F4E78))
            .set_font_color(Color::White)
            .set_text_wrap()
            .set_align(FormatAlign::VerticalCenter)
            .set_border(FormatBorder::Thin);
        let light = |bg: u32, fg: u32| {
            Format::new()
                .set_background_color(Color::RGB(bg))
                .set_font_color(Color::RGB(fg))
                .set_bold()
                .set_align(FormatAlign::Center)
        };
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            subtitle: Format::new()
                .set_italic()
                .set_font_color(Color::RGB(0x595959)),
            header,
            label: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0xDDEBF7))
                .set_border(FormatBorder::Thin)
                .set_align(FormatAlign::Top),
            text: Format::new(),
            int: Format::new().set_num_format("#,##0"),
            pct: Format::new().set_num_format("0.0%"),
            hours: Format::new().set_num_format("#,##0.00"),
            date: Format::new().set_num_format("dd/mm/yyyy hh:mm"),
            change_pct: Format::new().set_num_format("+0.0\" pp\";-0.0\" pp\";0.0\" pp\""),
            change_int: Format::new().set_num_format("+#,##0;-#,##0;0"),
            change_hours: Format::new().set_num_format("+0.00\" h\";-0.00\" h\";0.00\" h\""),
            green: light(0xC6EFCE, 0x006100),
            yellow: light(0xFFEB9C, 0x9C5700),
            red: light(0xFFC7CE, 0x9C0006),
        }
    }

    pub(super) fn light(&self, light: Light) -> Option<&Format> {
        match light {
            Light::Green => Some(&self.green),
            Light::Yellow => Some(&self.yellow),
            Light::Red => Some(&self.red),
            Light::None => None,
        }
    }
}

pub(super) fn xe(path: &Path) -> impl Fn(XlsxError) -> ReportError + '_ {
    move |source| ReportError::Workbook {
        path: path.display().to_string(),
        source,
    }
}

/// Writes the workbook of one entity and quarter. The case sheets are written first; `set`
/// is then asked for the indicator set (computed meanwhile elsewhere) that fills the others.
/// Nothing is saved when `set` fails. Returns what was written and the set.
pub fn write(
    store: &Store,
    entity: &str,
    quarter: Quarter,
    filters: &Filters,
    glpi_base_url: Option<&str>,
    path: &Path,
    set: impl FnOnce() -> Result<IndicatorSet, ReportError>,
) -> Result<(WorkbookStats, IndicatorSet), ReportError> {
    let err = xe(path);
    let f = Formats::new();
    let mut wb = Workbook::new();
    // Sheets in their final order; the large ones keep one row in memory and share strings.
    for name in SMALL_SHEETS {
        wb.add_worksheet().set_name(name).map_err(&err)?;
    }
    let list = ListScope {
        store,
        entity,
        quarter,
        filters,
        base: glpi_base_url.map(|u| u.trim_end_matches('/').to_owned()),
    };
    let ws = wb.add_worksheet_with_low_memory().map_err(&err)?;
    let breaches = breaches_sheet(ws, &list, &f).map_err(|e| e.into_report(path))?;
    let ws = wb.add_worksheet_with_low_memory().map_err(&err)?;
    let cases = cases_sheet(ws, &list, &f).map_err(|e| e.into_report(path))?;

    let set = set()?;
    wb.set_properties(&properties(&set));
    summary_sheet(wb.worksheet_from_index(0).map_err(&err)?, &set, &f).map_err(&err)?;
    super::ficha::form_sheet(wb.worksheet_from_index(1).map_err(&err)?, &set, &f).map_err(&err)?;
    for (i, dim) in BREAKDOWNS.into_iter().enumerate() {
        let ws = wb.worksheet_from_index(2 + i).map_err(&err)?;
        breakdown_sheet(ws, dim, &set, &f).map_err(&err)?;
    }
    let ola_started = std::time::Instant::now();
    let ola = crate::store::ola_groups::quarter_ola(store, Some(entity), quarter, filters)?;
    tracing::debug!(
        ola_s = ola_started.elapsed().as_secs_f64(),
        "OLA por grupo del informe"
    );
    ola_sheet::write(&mut wb, &set, &ola, &f).map_err(&err)?;
    history_sheet::write(&mut wb, &set, &f).map_err(&err)?;
    save(&mut wb, path, cases)?;
    Ok((WorkbookStats { breaches, cases }, set))
}

/// The sheets written from the indicator set, in their final order: the summary, the form,
/// then one per breakdown ([`BREAKDOWNS`]).
const SMALL_SHEETS: [&str; 8] = [
    "Resumen",
    "Ficha de indicadores",
    "Mensual",
    "Por prioridad",
    "Por categoría",
    "Por tipo",
    "Por técnico",
    "Por grupo",
];

/// The dimension of each breakdown sheet, in sheet order.
const BREAKDOWNS: [Dimension; 6] = [
    Dimension::Month,
    Dimension::Priority,
    Dimension::Category,
    Dimension::Type,
    Dimension::Technician,
    Dimension::Group,
];

/// The document properties of the workbook.
fn properties(set: &IndicatorSet) -> DocProperties {
    DocProperties::new()
        .set_title(format!(
            "Indicadores de la Mesa de Servicios {} — {}",
            set.quarter, set.entity_name
        ))
        .set_subject(format!("Indicadores ANS del {}", set.quarter.name_es()))
        .set_author("mesa-sla")
        .set_company(set.entity.as_str())
        .set_category("Indicadores de gestión")
        .set_keywords("ANS, mesa de servicios, indicadores")
        .set_custom_property("Entidad", set.entity.as_str())
        .set_custom_property("Trimestre", set.quarter.to_string().as_str())
}

/// Saves the workbook, creating its folder. Compression is the single-threaded tail of a save:
/// a large workbook favours speed (level 1, about 40 % larger), an everyday one size (level 3,
/// what Excel itself uses).
pub(super) fn save(wb: &mut Workbook, path: &Path, cases: usize) -> Result<(), ReportError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| ReportError::Io {
            path: dir.display().to_string(),
            source,
        })?;
    }
    wb.set_zip_compression_level(if cases > LARGE_WORKBOOK { 1 } else { 3 });
    wb.save(path).map_err(xe(path))
}

/// Writes a value of an indicator in its unit (percent values are stored as fractions).
pub(super) fn write_value(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    kind: Kind,
    value: Option<f64>,
    f: &Formats,
    light: Option<&Format>,
) -> Result<(), XlsxError> {
    let Some(v) = value else {
        ws.write_string(row, col, "—")?;
        return Ok(());
    };
    let (v, base) = match kind {
        Kind::Percent => (v / 100.0, &f.pct),
        Kind::Hours => (v, &f.hours),
        Kind::Count => (v, &f.int),
    };
    let format = match light {
        Some(l) => &base.clone().merge(l),
        None => base,
    };
    ws.write_number_with_format(row, col, v, format)?;
    Ok(())
}

pub(super) fn write_change(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    kind: Kind,
    change: Option<f64>,
    f: &Formats,
) -> Result<(), XlsxError> {
    match change {
        None => {
            ws.write_string(row, col, "—")?;
        }
        Some(c) => {
            let format = match kind {
                Kind::Percent => &f.change_pct,
                Kind::Hours => &f.change_hours,
                Kind::Count => &f.change_int,
            };
            ws.write_number_with_format(row, col, c, format)?;
        }
    }
    Ok(())
}

fn unit_goal(i: &Indicator) -> Option<f64> {
    i.definition.goal
}

/// *Resumen*: title, one row per indicator, and native charts of the breakdown sheets.
fn summary_sheet(ws: &mut Worksheet, set: &IndicatorSet, f: &Formats) -> Result<(), XlsxError> {
    summary_title(ws, set, f)?;
    let top = 3u32;
    summary_table(ws, set, f, top)?;
    let last = top + set.indicators.len() as u32;
    ws.autofilter(top, 0, last, 8)?;
    super::print::table_print(ws, true, (top, top))?;
    ws.set_freeze_panes(top + 1, 1)?;
    ws.set_column_width(0, 46)?;
    ws.set_column_width(1, 14)?;
    for c in 2..=8 {
        ws.set_column_width(c, 14)?;
    }
    summary_charts(ws, set, last + 2)
}

fn summary_title(ws: &mut Worksheet, set: &IndicatorSet, f: &Formats) -> Result<(), XlsxError> {
    ws.write_string_with_format(
        0,
        0,
        format!("Indicadores de la Mesa de Servicios — {}", set.entity_name),
        &f.title,
    )?;
    let evaluated = set
        .as_of
        .map(|t| format!(" · tiempos evaluados al {}", t.format("%d/%m/%Y %H:%M")))
        .unwrap_or_default();
    ws.write_string_with_format(
        1,
        0,
        format!(
            "Periodo: {} ({}) · comparado con {}{evaluated}",
            set.quarter,
            set.quarter.name_es(),
            set.previous_quarter
        ),
        &f.subtitle,
    )?;
    ws.write_string_with_format(2, 0, set.filters_text(), &f.subtitle)?;
    Ok(())
}

/// The header at row `top`, then one row per indicator.
fn summary_table(
    ws: &mut Worksheet,
    set: &IndicatorSet,
    f: &Formats,
    top: u32,
) -> Result<(), XlsxError> {
    let headers = [
        "Indicador".to_owned(),
        "Unidad".to_owned(),
        "Resultado".to_owned(),
        "Meta".to_owned(),
        "Semáforo".to_owned(),
        format!("Resultado {}", set.previous_quarter),
        "Variación".to_owned(),
        "Numerador".to_owned(),
        "Denominador".to_owned(),
    ];
    ws.write_row_with_format(top, 0, headers, &f.header)?;
    ws.set_row_height(top, 30)?;
    for (i, ind) in set.indicators.iter().enumerate() {
        let row = top + 1 + i as u32;
        let kind = ind.definition.quantity.kind();
        let light = f.light(ind.light);
        ws.write_string(row, 0, &ind.definition.name)?;
        ws.write_string(row, 1, &ind.definition.unit)?;
        write_value(ws, row, 2, kind, ind.current.value, f, light)?;
        write_value(ws, row, 3, kind, unit_goal(ind), f, None)?;
        match light {
            Some(l) => ws.write_string_with_format(row, 4, ind.light.label_es(), l)?,
            None => ws.write_string(row, 4, ind.light.label_es())?,
        };
        write_value(ws, row, 5, kind, ind.previous, f, None)?;
        write_change(ws, row, 6, kind, ind.change, f)?;
        for (col, v) in [(7u16, ind.current.numerator), (8, ind.current.denominator)] {
            match v {
                Some(n) if kind == Kind::Percent => {
                    ws.write_number_with_format(row, col, n, &f.int)?;
                }
                _ => {
                    ws.write_blank(row, col, &f.text)?;
                }
            }
        }
    }
    Ok(())
}

/// The on-time series of the breakdown sheets: column, name and colour.
const ON_TIME_SERIES: [(u16, &str, u32); 2] = [
    (BD_ATT_PCT, "% atención en ANS", 0x2F5597),
    (BD_SOL_PCT, "% solución en ANS", 0xC55A11),
];

/// Native charts from row `chart_row`: they read the breakdown sheets, so they stay live if
/// someone edits a figure.
fn summary_charts(ws: &mut Worksheet, set: &IndicatorSet, chart_row: u32) -> Result<(), XlsxError> {
    let months = set.current.rows(Dimension::Month).count() as u32;
    let goal = set.goal(Quantity::SolutionOnTime);
    ws.insert_chart(chart_row, 0, &monthly_chart(months, goal.is_some()))?;
    let categories = set.current.rows(Dimension::Category).count().min(10) as u32;
    if categories > 0 {
        // Column E starts past the first chart's 620 pixels (A is 46 characters wide).
        ws.insert_chart(chart_row, 4, &category_chart(categories))?;
    }
    let priorities = set.current.rows(Dimension::Priority).count() as u32;
    if priorities > 0 {
        ws.insert_chart(chart_row + 18, 0, &priority_chart(priorities))?;
    }
    Ok(())
}

/// Monthly compliance of both clocks (rows 1..=`months` of *Mensual*), with the goal.
fn monthly_chart(months: u32, goal: bool) -> Chart {
    let mut monthly = Chart::new_line();
    monthly
        .title()
        .set_name("Cumplimiento mensual de los ANS frente a la meta");
    for (col, name, color) in ON_TIME_SERIES {
        monthly
            .add_series()
            .set_name(name)
            .set_categories(("Mensual", 1, 0, months, 0))
            .set_values(("Mensual", 1, col, months, col))
            .set_format(
                ChartLine::new()
                    .set_color(Color::RGB(color))
                    .set_width(2.25),
            );
    }
    if goal {
        monthly
            .add_series()
            .set_name("Meta")
            .set_categories(("Mensual", 1, 0, months, 0))
            .set_values(("Mensual", 1, BD_GOAL, months, BD_GOAL))
            .set_format(
                ChartLine::new()
                    .set_color(Color::RGB(0x00B050))
                    .set_dash_type(ChartLineDashType::Dash),
            );
    }
    monthly.y_axis().set_num_format("0%").set_min(0).set_max(1);
    monthly.legend().set_position(ChartLegendPosition::Bottom);
    monthly.set_width(620).set_height(340);
    monthly
}

/// Registered cases of the first `categories` rows of *Por categoría*.
fn category_chart(categories: u32) -> Chart {
    let mut volume = Chart::new_bar();
    volume
        .title()
        .set_name("Casos registrados por categoría (10 principales)");
    volume
        .add_series()
        .set_name("Registrados")
        .set_categories(("Por categoría", 1, 0, categories, 0))
        .set_values(("Por categoría", 1, BD_REGISTERED, categories, BD_REGISTERED))
        .set_format(ChartSolidFill::new().set_color(Color::RGB(0x2F5597)));
    // In a bar chart the categories run up the vertical axis: reversed, the largest
    // category (first row of the sheet) is on top.
    volume.x_axis().set_num_format("#,##0");
    volume.y_axis().set_reverse();
    volume.legend().set_hidden();
    volume.set_width(620).set_height(340);
    volume
}

/// Compliance of both clocks by priority (rows 1..=`priorities` of *Por prioridad*).
fn priority_chart(priorities: u32) -> Chart {
    let mut by_priority = Chart::new_column();
    by_priority
        .title()
        .set_name("Cumplimiento de los ANS por prioridad");
    for (col, name, color) in ON_TIME_SERIES {
        by_priority
            .add_series()
            .set_name(name)
            .set_categories(("Por prioridad", 1, 0, priorities, 0))
            .set_values(("Por prioridad", 1, col, priorities, col))
            .set_format(ChartSolidFill::new().set_color(Color::RGB(color)));
    }
    by_priority
        .y_axis()
        .set_num_format("0%")
        .set_min(0)
        .set_max(1);
    by_priority
        .legend()
        .set_position(ChartLegendPosition::Bottom);
    by_priority.set_width(620).set_height(340);
    by_priority
}

// Columns of the breakdown sheets that the native charts read.
const BD_REGISTERED: u16 = 1;
const BD_ATT_PCT: u16 = 7;
const BD_SOL_PCT: u16 = 10;
const BD_GOAL: u16 = 21;

/// Breakdown sheet columns: heading and how to read the figure (`None` = the row label).
const BREAKDOWN_HEADERS: [&str; 27] = [
    "",
    "Registrados",
    "Solucionados",
    "Pendientes al cierre",
    "% Resolución",
    "Atendidos en ANS",
    "Atención incumplida",
    "% Atención en ANS",
    "Solucionados en ANS",
    "Solución incumplida",
    "% Solución en ANS",
    "Atención media (h)",
    "Atención mediana (h)",
    "Atención p90 (h)",
    "Solución media (h)",
    "Solución mediana (h)",
    "Solución p90 (h)",
    "% Cierre oportuno",
    "% Reabiertos",
    "% Satisfacción",
    "Encuestas respondidas",
    "Meta ANS",
    "Registrados (ant.)",
    "% Atención en ANS (ant.)",
    "Variación atención",
    "% Solución en ANS (ant.)",
    "Variación solución",
];

fn breakdown_sheet(
    ws: &mut Worksheet,
    dim: Dimension,
    set: &IndicatorSet,
    f: &Formats,
) -> Result<(), XlsxError> {
    let mut headers = BREAKDOWN_HEADERS.map(str::to_owned);
    headers[0] = dim.label_es().to_owned();
    for h in headers.iter_mut().skip(22) {
        *h = h.replace("(ant.)", &format!("({})", set.previous_quarter));
    }
    ws.write_row_with_format(0, 0, &headers, &f.header)?;
    ws.set_row_height(0, 32)?;
    let goal = set.goal(Quantity::SolutionOnTime);
    let previous_months: Vec<&BreakdownRow> = set.previous.rows(Dimension::Month).collect();
    let rows: Vec<&BreakdownRow> = set.current.rows(dim).collect();
    for (i, r) in rows.iter().enumerate() {
        let row = 1 + i as u32;
        // Months compare with the same month of the previous quarter; others by key.
        let prev = if dim == Dimension::Month {
            previous_months.get(i).copied()
        } else {
            set.previous.find(dim, r.key.as_deref())
        };
        ws.write_string(row, 0, &r.label)?;
        write_figures(ws, row, &r.figures, prev.map(|p| &p.figures), goal, f)?;
    }
    // A total row for the dimensions that partition the quarter.
    let last = rows.len() as u32;
    ws.autofilter(0, 0, last.max(1), (BREAKDOWN_HEADERS.len() - 1) as u16)?;
    ws.set_freeze_panes(1, 1)?;
    super::print::table_print(ws, true, (0, 0))?;
    ws.set_column_width(0, if dim == Dimension::Month { 16 } else { 40 })?;
    for c in 1..BREAKDOWN_HEADERS.len() as u16 {
        ws.set_column_width(c, 13)?;
    }
    Ok(())
}

fn write_figures(
    ws: &mut Worksheet,
    row: u32,
    x: &Figures,
    prev: Option<&Figures>,
    goal: Option<f64>,
    f: &Formats,
) -> Result<(), XlsxError> {
    let count = |ws: &mut Worksheet, col: u16, n: u64| -> Result<(), XlsxError> {
        ws.write_number_with_format(row, col, n as f64, &f.int)?;
        Ok(())
    };
    let pct = |ws: &mut Worksheet, col: u16, v: Option<f64>| -> Result<(), XlsxError> {
        match v {
            Some(v) => ws.write_number_with_format(row, col, v / 100.0, &f.pct)?,
            None => ws.write_blank(row, col, &f.pct)?,
        };
        Ok(())
    };
    let hours = |ws: &mut Worksheet, col: u16, v: Option<f64>| -> Result<(), XlsxError> {
        match v {
            Some(v) => ws.write_number_with_format(row, col, v, &f.hours)?,
            None => ws.write_blank(row, col, &f.hours)?,
        };
        Ok(())
    };
    let v = |q: Quantity| x.value(q).value;
    count(ws, 1, x.registered)?;
    count(ws, 2, x.solved)?;
    count(ws, 3, x.backlog)?;
    pct(ws, 4, v(Quantity::Resolution))?;
    count(ws, 5, x.attention_met)?;
    count(ws, 6, x.attention_breached)?;
    pct(ws, 7, v(Quantity::AttentionOnTime))?;
    count(ws, 8, x.solution_met)?;
    count(ws, 9, x.solution_breached)?;
    pct(ws, 10, v(Quantity::SolutionOnTime))?;
    hours(ws, 11, x.attention_mean)?;
    hours(ws, 12, x.attention_median)?;
    hours(ws, 13, x.attention_p90)?;
    hours(ws, 14, x.solution_mean)?;
    hours(ws, 15, x.solution_median)?;
    hours(ws, 16, x.solution_p90)?;
    pct(ws, 17, v(Quantity::TimelyClosing))?;
    pct(ws, 18, v(Quantity::Reopening))?;
    pct(ws, 19, v(Quantity::Satisfaction))?;
    count(ws, 20, x.surveys_answered)?;
    pct(ws, BD_GOAL, goal)?;
    match prev {
        Some(p) => {
            count(ws, 22, p.registered)?;
            let pa = p.value(Quantity::AttentionOnTime).value;
            let ps = p.value(Quantity::SolutionOnTime).value;
            pct(ws, 23, pa)?;
            change(ws, row, 24, v(Quantity::AttentionOnTime), pa, f)?;
            pct(ws, 25, ps)?;
            change(ws, row, 26, v(Quantity::SolutionOnTime), ps, f)?;
        }
        None => {
            for c in 22..=26 {
                ws.write_blank(row, c, &f.text)?;
            }
        }
    }
    Ok(())
}

fn change(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    now: Option<f64>,
    before: Option<f64>,
    f: &Formats,
) -> Result<(), XlsxError> {
    write_change(
        ws,
        row,
        col,
        Kind::Percent,
        now.zip(before).map(|(a, b)| a - b),
        f,
    )
}

/// How a column of a streamed table is written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Col {
    Text,
    /// Ticket id: a link to GLPI when configured and the source is GLPI.
    Ticket,
    Source,
    Type,
    Priority,
    Status,
    Metric,
    State,
    Date,
    Hours,
    Int,
    YesNo,
    /// A policy version: `''` is the unversioned `[policy]` («sin versión»).
    Version,
}

type Columns = &'static [(&'static str, f64, Col)];

/// The headings of the *Casos* sheet, in column order (the drill-down CSV uses them too).
pub(crate) fn case_headings() -> impl Iterator<Item = &'static str> {
    CASE_COLUMNS.iter().map(|c| c.0)
}

const CASE_COLUMNS: Columns = &[
    ("Origen", 9.0, Col::Source),
    ("Caso", 10.0, Col::Ticket),
    ("Título", 40.0, Col::Text),
    ("Tipo", 14.0, Col::Type),
    ("Prioridad", 11.0, Col::Priority),
    ("Categoría", 30.0, Col::Text),
    ("Servicio", 20.0, Col::Text),
    ("Técnico", 22.0, Col::Text),
    ("Grupo", 20.0, Col::Text),
    ("Estado", 18.0, Col::Status),
    ("Creado", 16.0, Col::Date),
    ("Atendido", 16.0, Col::Date),
    ("Solucionado", 16.0, Col::Date),
    ("Cerrado", 16.0, Col::Date),
    ("Atención (h hábiles)", 12.0, Col::Hours),
    ("Meta atención (h)", 12.0, Col::Hours),
    ("ANS atención", 13.0, Col::State),
    ("Solución (h hábiles)", 12.0, Col::Hours),
    ("En pausa (h hábiles)", 12.0, Col::Hours),
    ("Meta solución (h)", 12.0, Col::Hours),
    ("ANS solución", 13.0, Col::State),
    ("Regla", 24.0, Col::Text),
    ("Reaperturas", 11.0, Col::Int),
    ("Sin historial", 10.0, Col::YesNo),
    ("Versión de la política", 20.0, Col::Version),
    // The solution clock's calendar, then the attention clock's (they may differ).
    ("Calendario", 16.0, Col::Text),
    ("Calendario de atención", 16.0, Col::Text),
];

const BREACH_COLUMNS: Columns = &[
    ("Origen", 9.0, Col::Source),
    ("Caso", 10.0, Col::Ticket),
    ("Título", 40.0, Col::Text),
    ("Métrica", 11.0, Col::Metric),
    ("Prioridad", 11.0, Col::Priority),
    ("Categoría", 30.0, Col::Text),
    ("Técnico", 22.0, Col::Text),
    ("Grupo", 20.0, Col::Text),
    ("Estado del caso", 18.0, Col::Status),
    ("Creado", 16.0, Col::Date),
    ("Fin del reloj", 16.0, Col::Date),
    ("Tiempo hábil (h)", 12.0, Col::Hours),
    ("Meta (h)", 10.0, Col::Hours),
    ("Exceso (h)", 10.0, Col::Hours),
    ("En pausa (h)", 10.0, Col::Hours),
    ("Regla", 24.0, Col::Text),
];

/// Errors of a streamed sheet: the store or the writer.
pub(crate) enum TableError {
    Store(StoreError),
    Xlsx(XlsxError),
}

impl From<StoreError> for TableError {
    fn from(e: StoreError) -> Self {
        TableError::Store(e)
    }
}
impl From<XlsxError> for TableError {
    fn from(e: XlsxError) -> Self {
        TableError::Xlsx(e)
    }
}

impl TableError {
    fn into_report(self, path: &Path) -> ReportError {
        match self {
            TableError::Store(e) => ReportError::Store(e),
            TableError::Xlsx(source) => ReportError::Workbook {
                path: path.display().to_string(),
                source,
            },
        }
    }
}

/// One column of a batch in the form its writer needs.
enum Data {
    Str(StringArray),
    Int(Int64Array),
    Float(Float64Array),
    Bool(BooleanArray),
}

fn column(batch: &RecordBatch, i: usize, col: Col) -> Result<Data, StoreError> {
    Ok(match col {
        Col::Date | Col::Int | Col::Priority => Data::Int(i64s(batch, i)?),
        Col::Hours => Data::Float(f64s(batch, i)?),
        Col::YesNo => Data::Bool(bools(batch, i)?),
        _ => Data::Str(strs(batch, i)?),
    })
}

/// Excel serial date of local wall-clock microseconds since 1970-01-01.
fn excel_date(micros: i64) -> f64 {
    micros as f64 / 86_400_000_000.0 + 25_569.0
}

/// Spanish name of a clock state code (`met` → "Cumplido").
pub(crate) fn state_label(code: &str) -> &str {
    match code {
        "met" => "Cumplido",
        "breached" => "Incumplido",
        "running" => "En curso",
        "at_risk" => "En riesgo",
        "no_target" => "Sin meta",
        other => other,
    }
}

fn metric_label(code: &str) -> &str {
    match code {
        "attention" => "Atención",
        "solution" => "Solución",
        other => other,
    }
}

/// How a stored policy version is shown: `''` (the unversioned `[policy]`) as «sin versión».
pub(crate) fn version_label(v: &str) -> &str {
    if v.is_empty() { UNVERSIONED } else { v }
}

/// How a source code is shown (`glpi` → "GLPI").
pub(crate) fn source_label(code: &str) -> &str {
    match code {
        "glpi" => "GLPI",
        "dexon" => "Dexon",
        other => other,
    }
}

/// What the ticket-list sheets of one workbook share: where they read and the GLPI base URL
/// (without a trailing `/`) for links to tickets.
struct ListScope<'a> {
    store: &'a Store,
    entity: &'a str,
    quarter: Quarter,
    filters: &'a Filters,
    base: Option<String>,
}

/// *Incumplimientos*: every breached clock of the quarter, the latest first.
fn breaches_sheet(
    ws: &mut Worksheet,
    list: &ListScope<'_>,
    f: &Formats,
) -> Result<usize, TableError> {
    let sheet = TableSheet {
        name: "Incumplimientos",
        columns: BREACH_COLUMNS,
        base: list.base.as_deref(),
    };
    table_sheet(ws, &sheet, f, |w| {
        quarter_rows(list, QuarterList::Breaches, w)
    })
}

/// *Casos*: every ticket created or solved in the quarter.
fn cases_sheet(ws: &mut Worksheet, list: &ListScope<'_>, f: &Formats) -> Result<usize, TableError> {
    let sheet = TableSheet {
        name: "Casos",
        columns: CASE_COLUMNS,
        base: list.base.as_deref(),
    };
    table_sheet(ws, &sheet, f, |w| quarter_rows(list, QuarterList::Cases, w))
}

/// Streams one of the quarter's lists to `write`.
fn quarter_rows(list: &ListScope<'_>, which: QuarterList, write: RowWriter<'_>) -> Rows {
    stream_quarter_list(
        list.store,
        which,
        list.entity,
        list.quarter,
        list.filters,
        write,
    )
}

/// What a streamed sheet is called, its columns and the GLPI base URL for links to tickets.
struct TableSheet<'a> {
    name: &'a str,
    columns: Columns,
    base: Option<&'a str>,
}

/// Takes each batch of a streamed sheet.
pub(crate) type RowWriter<'w> = &'w mut dyn FnMut(&RecordBatch) -> Rows;
pub(crate) type Rows = Result<(), TableError>;

/// Streams a ticket list (the batches `rows` hands to its writer) into a sheet with a header,
/// filters and frozen header.
fn table_sheet(
    ws: &mut Worksheet,
    sheet: &TableSheet<'_>,
    f: &Formats,
    rows: impl FnOnce(RowWriter<'_>) -> Rows,
) -> Result<usize, TableError> {
    let (name, columns) = (sheet.name, sheet.columns);
    ws.set_name(name)?;
    // Dates and hours take their column's format: a per-cell format costs a hash lookup of
    // the whole format on every cell, which dominated writing a million rows.
    for (c, (_, width, kind)) in columns.iter().enumerate() {
        ws.set_column_width(c as u16, *width)?;
        match kind {
            Col::Date => {
                ws.set_column_format(c as u16, &f.date)?;
            }
            Col::Hours => {
                ws.set_column_format(c as u16, &f.hours)?;
            }
            _ => {}
        }
    }
    let last_col = (columns.len() - 1) as u16;
    ws.set_freeze_panes(1, 0)?;
    super::print::table_print(ws, true, (0, 0))?;
    ws.write_row_with_format(0, 0, columns.iter().map(|c| c.0), &f.header)?;
    ws.set_row_height(0, 30)?;
    let mut row = 0u32;
    let mut links = 0usize;
    rows(&mut |batch: &RecordBatch| {
        write_batch(ws, batch, columns, sheet.base, &mut row, &mut links)
    })?;
    if row == 0 {
        ws.write_string(1, 0, "Sin registros en el periodo.")?;
    }
    ws.autofilter(0, 0, row.max(1), last_col)?;
    Ok(row as usize)
}

/// Writes the rows of one batch after row `row`.
fn write_batch(
    ws: &mut Worksheet,
    batch: &RecordBatch,
    columns: Columns,
    base: Option<&str>,
    row: &mut u32,
    links: &mut usize,
) -> Result<(), TableError> {
    {
        let data: Vec<Data> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| column(batch, i, c.2))
            .collect::<Result<_, _>>()?;
        let source = match &data[0] {
            Data::Str(s) => Some(s),
            _ => None,
        };
        for r in 0..batch.num_rows() {
            *row += 1;
            let row = *row;
            for (c, ((_, _, kind), d)) in columns.iter().zip(&data).enumerate() {
                let c = c as u16;
                match d {
                    Data::Str(a) if a.is_null(r) => {}
                    Data::Int(a) if a.is_null(r) => {}
                    Data::Float(a) if a.is_null(r) => {}
                    Data::Bool(a) if a.is_null(r) => {}
                    Data::Str(a) => {
                        let v = a.value(r);
                        match kind {
                            Col::Ticket => {
                                let is_glpi = source.is_some_and(|s| s.value(r) == "glpi");
                                write_ticket_id(ws, (row, c), v, is_glpi, base, links)?;
                            }
                            Col::Type => {
                                let label = TicketType::parse(v).map_or(v, |t| t.label_es());
                                ws.write_string(row, c, label)?;
                            }
                            Col::Status => {
                                let label = Status::parse(v).map_or(v, |s| s.label_es());
                                ws.write_string(row, c, label)?;
                            }
                            Col::State => {
                                ws.write_string(row, c, state_label(v))?;
                            }
                            Col::Metric => {
                                ws.write_string(row, c, metric_label(v))?;
                            }
                            Col::Source => {
                                ws.write_string(row, c, source_label(v))?;
                            }
                            Col::Version => {
                                ws.write_string(row, c, version_label(v))?;
                            }
                            _ => {
                                ws.write_string(row, c, v)?;
                            }
                        }
                    }
                    Data::Int(a) => write_int(ws, (row, c), *kind, a.value(r))?,
                    Data::Float(a) => {
                        ws.write_number(row, c, a.value(r))?;
                    }
                    Data::Bool(a) => {
                        // A boolean cell (VERDADERO/FALSO in a Spanish Excel) filters like a
                        // yes/no column and costs no shared-string lookup.
                        ws.write_boolean(row, c, a.value(r))?;
                    }
                }
            }
        }
    }
    Ok(())
}

/// A ticket id: a link to GLPI when configured and the source is GLPI (up to [`MAX_LINKS`]),
/// else a number when it reads as one.
fn write_ticket_id(
    ws: &mut Worksheet,
    (row, c): (u32, u16),
    v: &str,
    is_glpi: bool,
    base: Option<&str>,
    links: &mut usize,
) -> Result<(), XlsxError> {
    match (base, is_glpi && *links < MAX_LINKS) {
        (Some(b), true) => {
            let url = format!("{b}/front/ticket.form.php?id={v}");
            ws.write_url_with_text(row, c, url.as_str(), v)?;
            *links += 1;
        }
        _ => match v.parse::<f64>() {
            // Numeric ids stay numbers (they sort and filter as such).
            Ok(n) if !v.starts_with('0') || v == "0" => {
                ws.write_number(row, c, n)?;
            }
            _ => {
                ws.write_string(row, c, v)?;
            }
        },
    }
    Ok(())
}

/// An integer cell: a date, a priority label or a number.
fn write_int(ws: &mut Worksheet, (row, c): (u32, u16), kind: Col, v: i64) -> Result<(), XlsxError> {
    match kind {
        Col::Date => {
            ws.write_number(row, c, excel_date(v))?;
        }
        Col::Priority => {
            let label = u8::try_from(v).map_or("", priority_label_es);
            ws.write_string(row, c, label)?;
        }
        _ => {
            ws.write_number(row, c, v as f64)?;
        }
    }
    Ok(())
}

/// Writes a drill-down list (the columns of `indicator_cases.sql`, streamed by `rows`) as a
/// workbook: its *Casos* sheet written as the quarter's, then *Lista* saying what it holds
/// (`about`: label and value rows). Returns the number of cases.
pub(crate) fn write_case_list(
    path: &Path,
    about: &[(&str, String)],
    glpi_base_url: Option<&str>,
    rows: impl FnOnce(RowWriter<'_>) -> Rows,
) -> Result<usize, ReportError> {
    let err = xe(path);
    let f = Formats::new();
    let mut wb = Workbook::new();
    let base = glpi_base_url.map(|u| u.trim_end_matches('/').to_owned());
    let sheet = TableSheet {
        name: "Casos",
        columns: CASE_COLUMNS,
        base: base.as_deref(),
    };
    let ws = wb.add_worksheet_with_low_memory().map_err(&err)?;
    let cases = table_sheet(ws, &sheet, &f, rows).map_err(|e| e.into_report(path))?;
    let ws = wb.add_worksheet().set_name("Lista").map_err(&err)?;
    ws.set_column_width(0, 18).map_err(&err)?;
    ws.set_column_width(1, 80).map_err(&err)?;
    for (r, (label, value)) in (0u32..).zip(about) {
        ws.write_string_with_format(r, 0, *label, &f.label)
            .map_err(&err)?;
        ws.write_string(r, 1, value).map_err(&err)?;
    }
    save(&mut wb, path, cases)?;
    Ok(cases)
}
