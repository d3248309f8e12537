//! The workbook's *Histórico* sheet: each indicator over the quarters of the set's history
//! (`IndicatorSet::history`, the same series as the dashboard's `/tendencia`), quarters as
//! columns, with the goal, and a native line chart of the main ratio indicators that reads the
//! table (it follows a number someone edits). A quarter without a value is an empty cell, which
//! the chart leaves as a gap instead of a 0.

use rust_xlsxwriter::{
    Chart, ChartLegendPosition, ChartMarker, ChartMarkerType, Workbook, Worksheet, XlsxError,
};

use super::{Formats, write_value};
use crate::indicators::{IndicatorSet, Kind, Quantity};

/// The sheet's name.
pub const SHEET: &str = "Histórico";

/// The ratios drawn on the chart: the ANS clocks and the cases' resolution and closing.
const CHARTED: [Quantity; 4] = [
    Quantity::AttentionOnTime,
    Quantity::SolutionOnTime,
    Quantity::Resolution,
    Quantity::TimelyClosing,
];

/// Row of the table's header; the indicators follow.
const HEADER: u32 = 4;
/// First quarter column (after indicator, unit and goal).
const FIRST_QUARTER: u16 = 3;

/// Adds the sheet (last in the workbook) from `set.history`.
pub fn write(wb: &mut Workbook, set: &IndicatorSet, f: &Formats) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet().set_name(SHEET)?;
    let h = &set.history;
    ws.write_string_with_format(
        0,
        0,
        format!("Histórico de indicadores — {}", set.entity_name),
        &f.title,
    )?;
    let span = match (h.quarters.first(), h.quarters.last()) {
        (Some(first), Some(last)) => format!(
            "Últimos {} trimestres: de {first} a {last} · celda vacía: nada que medir en ese trimestre",
            h.quarters.len()
        ),
        _ => "Sin serie histórica".to_owned(),
    };
    ws.write_string_with_format(1, 0, span, &f.subtitle)?;
    ws.write_string_with_format(2, 0, set.filters_text(), &f.subtitle)?;
    let mut headers = vec![
        "Indicador".to_owned(),
        "Unidad".to_owned(),
        "Meta".to_owned(),
    ];
    headers.extend(h.quarters.iter().map(ToString::to_string));
    ws.write_row_with_format(HEADER, 0, &headers, &f.header)?;
    for (i, s) in h.series.iter().enumerate() {
        let row = HEADER + 1 + i as u32;
        ws.write_string(row, 0, &s.name)?;
        ws.write_string(row, 1, &s.unit)?;
        write_cell(ws, row, 2, s.kind, s.goal, f)?;
        for (j, v) in s.values.iter().enumerate() {
            write_cell(ws, row, FIRST_QUARTER + j as u16, s.kind, v.value, f)?;
        }
    }
    layout(ws, h.quarters.len() as u16)?;
    super::super::print::table_print(ws, true, (HEADER, HEADER))?;
    let charted = charted_rows(set);
    if !charted.is_empty() && !h.quarters.is_empty() {
        let below = HEADER + h.series.len() as u32 + 2;
        ws.insert_chart(below, 0, &chart(&charted, h.quarters.len() as u16))?;
    }
    Ok(())
}

/// A value in its unit, or an empty cell when there is none (not "—": the chart would draw
/// a text cell as 0).
fn write_cell(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    kind: Kind,
    value: Option<f64>,
    f: &Formats,
) -> Result<(), XlsxError> {
    match value {
        Some(_) => write_value(ws, row, col, kind, value, f, None),
        None => ws.write_blank(row, col, &f.text).map(|_| ()),
    }
}

fn layout(ws: &mut Worksheet, quarters: u16) -> Result<(), XlsxError> {
    ws.set_column_width(0, 46)?;
    ws.set_column_width(1, 14)?;
    for c in 2..FIRST_QUARTER + quarters {
        ws.set_column_width(c, 11)?;
    }
    ws.set_row_height(HEADER, 20)?;
    ws.set_freeze_panes(HEADER + 1, 1)?;
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    Ok(())
}

/// The sheet rows of the charted indicators that the definitions include.
fn charted_rows(set: &IndicatorSet) -> Vec<u32> {
    set.history
        .series
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            set.indicators
                .iter()
                .any(|i| i.definition.id == s.id && CHARTED.contains(&i.definition.quantity))
        })
        .map(|(i, _)| HEADER + 1 + i as u32)
        .collect()
}

/// One line per charted row, over the quarter columns of the header.
fn chart(rows: &[u32], quarters: u16) -> Chart {
    let last = FIRST_QUARTER + quarters - 1;
    let mut chart = Chart::new_line();
    chart
        .title()
        .set_name("Indicadores de los ANS en los últimos trimestres");
    for &row in rows {
        chart
            .add_series()
            .set_name((SHEET, row, 0))
            .set_categories((SHEET, HEADER, FIRST_QUARTER, HEADER, last))
            .set_values((SHEET, row, FIRST_QUARTER, row, last))
            .set_marker(
                ChartMarker::new()
                    .set_type(ChartMarkerType::Circle)
                    .set_size(7),
            );
    }
    chart.y_axis().set_num_format("0%").set_min(0).set_max(1);
    chart.legend().set_position(ChartLegendPosition::Bottom);
    chart.set_width(760).set_height(360);
    chart
}
