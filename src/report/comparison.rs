//! The comparison between entities of one quarter: every entity's indicator set (the same
//! [`super::indicator_set`] as its own report, nothing aggregated again) lined up and ranked
//! ([`Comparison`]), and its workbook `comparacion_<quarter>.xlsx` (*Comparación*: the
//! dashboard's table; *Puestos*: each indicator's ranking).

use std::path::{Path, PathBuf};

use rust_xlsxwriter::{DocProperties, Workbook, Worksheet, XlsxError};

use super::ReportError;
use super::workbook::{Formats, save, write_change, write_value, xe};
use crate::engine::Engine;
use crate::indicators::comparison::{Cell, Column, Comparison, Row};
use crate::indicators::{Definitions, Direction, Quarter};
use crate::store::Store;

/// The comparison of every entity in the store for `quarter`, from the SLA results currently
/// in the store. An entity without cases in the quarter has a row with no values (and no
/// place).
pub fn comparison(
    store: &Store,
    engine: &Engine,
    definitions: &Definitions,
    quarter: Quarter,
) -> Result<Comparison, ReportError> {
    let sets = store
        .dashboard()
        .entities()?
        .iter()
        .map(|e| super::indicator_set(store, engine, definitions, e, quarter))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(line_up(engine, quarter, &sets.iter().collect::<Vec<_>>()))
}

/// [`Comparison::build`] with each row named as the dashboard names entities side by side
/// ([`Engine::display_names`]: two entities that share a last part show their full paths).
pub fn line_up(
    engine: &Engine,
    quarter: Quarter,
    sets: &[&crate::indicators::IndicatorSet],
) -> Comparison {
    let mut c = Comparison::build(quarter, sets);
    let entities: Vec<String> = c.entities.iter().map(|r| r.entity.clone()).collect();
    let names = engine.display_names(&entities);
    for row in &mut c.entities {
        if let Some(name) = names.get(&row.entity) {
            row.name.clone_from(name);
        }
    }
    c
}

/// The workbook's file name: `comparacion_2025-Q3.xlsx`.
pub fn file_name(quarter: Quarter) -> String {
    format!("comparacion_{quarter}.xlsx")
}

/// How the places are given, said under the titles of the page and the workbook.
pub const RANKING_NOTE: &str = "Puesto: 1 es el mejor, según el sentido de cada indicador (mayor \
     es mejor en los porcentajes, salvo la reapertura; menor es mejor en los tiempos). Los \
     empates —el mismo valor con un decimal— comparten puesto (1, 1, 3); una entidad sin valor \
     no tiene puesto; los conteos (casos registrados, solucionados, pendientes) no se \
     clasifican. Variación: frente al trimestre anterior, en puntos porcentuales (pp) o en horas.";

/// Writes `DIR/comparacion_<quarter>.xlsx`; returns its path.
pub fn write_workbook(comparison: &Comparison, dir: &Path) -> Result<PathBuf, ReportError> {
    let path = dir.join(file_name(comparison.quarter));
    write_to(comparison, &path)?;
    Ok(path)
}

fn write_to(comparison: &Comparison, path: &Path) -> Result<(), ReportError> {
    let err = xe(path);
    let f = Formats::new();
    let mut wb = Workbook::new();
    wb.set_properties(
        &DocProperties::new()
            .set_title(format!(
                "Comparación entre entidades {}",
                comparison.quarter
            ))
            .set_author("mesa-sla")
            .set_category("Indicadores de gestión")
            .set_custom_property("Trimestre", comparison.quarter.to_string().as_str()),
    );
    let ws = wb.add_worksheet().set_name("Comparación").map_err(&err)?;
    table_sheet(ws, comparison, &f).map_err(&err)?;
    let ws = wb.add_worksheet().set_name("Puestos").map_err(&err)?;
    ranking_sheet(ws, comparison, &f).map_err(&err)?;
    save(&mut wb, path, 0)
}

/// Title, period and how places are given (rows 0–2).
fn titles(ws: &mut Worksheet, c: &Comparison, f: &Formats) -> Result<(), XlsxError> {
    ws.write_string_with_format(
        0,
        0,
        format!(
            "Comparación entre entidades — {} ({})",
            c.quarter,
            c.quarter.name_es()
        ),
        &f.title,
    )?;
    let evaluated = c
        .as_of
        .map(|t| format!(" · tiempos evaluados al {}", t.format("%d/%m/%Y %H:%M")))
        .unwrap_or_default();
    ws.write_string_with_format(
        1,
        0,
        format!(
            "Mismas definiciones para todas las entidades · variación frente a {}{evaluated}",
            c.previous_quarter
        ),
        &f.subtitle,
    )?;
    ws.write_string_with_format(2, 0, RANKING_NOTE, &f.subtitle)?;
    Ok(())
}

/// Columns of each indicator in *Comparación*: result, place, change.
const PER_INDICATOR: u16 = 3;

/// *Comparación*: one row per entity, three columns per indicator, as on the dashboard.
fn table_sheet(ws: &mut Worksheet, c: &Comparison, f: &Formats) -> Result<(), XlsxError> {
    titles(ws, c, f)?;
    let (top, sub) = (4u32, 5u32);
    ws.write_string_with_format(top, 0, "Entidad", &f.header)?;
    ws.write_string_with_format(top, 1, "Ruta completa", &f.header)?;
    ws.merge_range(sub, 0, sub, 1, "", &f.header)?;
    for (n, column) in c.indicators.iter().enumerate() {
        let first = 2 + n as u16 * PER_INDICATOR;
        ws.merge_range(
            top,
            first,
            top,
            first + PER_INDICATOR - 1,
            &column.name,
            &f.header,
        )?;
        ws.write_row_with_format(sub, first, ["Resultado", "Puesto", "Variación"], &f.header)?;
    }
    ws.set_row_height(top, 45)?;
    for (r, row) in c.entities.iter().enumerate() {
        let at = sub + 1 + r as u32;
        ws.write_string(at, 0, &row.name)?;
        ws.write_string(at, 1, &row.entity)?;
        for (n, (column, cell)) in c.indicators.iter().zip(&row.cells).enumerate() {
            let first = 2 + n as u16 * PER_INDICATOR;
            write_cell(ws, (at, first), column, cell, f)?;
        }
    }
    ws.set_column_width(0, 28)?;
    ws.set_column_width(1, 36)?;
    ws.set_freeze_panes(sub + 1, 1)?;
    Ok(())
}

/// An entity's result (with its traffic light), place and change at `(row, col)`.
fn write_cell(
    ws: &mut Worksheet,
    (row, col): (u32, u16),
    column: &Column,
    cell: &Cell,
    f: &Formats,
) -> Result<(), XlsxError> {
    let kind = column.quantity.kind();
    write_value(ws, row, col, kind, cell.value, f, f.light(cell.light))?;
    match cell.rank {
        Some(place) => ws.write_number_with_format(row, col + 1, place as f64, &f.int)?,
        None => ws.write_string(row, col + 1, "—")?,
    };
    write_change(ws, row, col + 2, kind, cell.change, f)
}

/// *Puestos*: each indicator's entities by place (those without a place last).
fn ranking_sheet(ws: &mut Worksheet, c: &Comparison, f: &Formats) -> Result<(), XlsxError> {
    titles(ws, c, f)?;
    let top = 4u32;
    let headers = [
        "Indicador".to_owned(),
        "Sentido".to_owned(),
        "Puesto".to_owned(),
        "Entidad".to_owned(),
        "Resultado".to_owned(),
        "Semáforo".to_owned(),
        format!("Resultado {}", c.previous_quarter),
        "Variación".to_owned(),
    ];
    ws.write_row_with_format(top, 0, headers, &f.header)?;
    let mut at = top + 1;
    for (n, column) in c.indicators.iter().enumerate() {
        let kind = column.quantity.kind();
        for (row, cell) in by_place(&c.entities, n) {
            ws.write_string(at, 0, &column.name)?;
            ws.write_string(at, 1, direction_text(column))?;
            match cell.rank {
                Some(place) => ws.write_number_with_format(at, 2, place as f64, &f.int)?,
                None => ws.write_string(at, 2, "—")?,
            };
            ws.write_string(at, 3, &row.name)?;
            write_value(ws, at, 4, kind, cell.value, f, f.light(cell.light))?;
            ws.write_string(at, 5, cell.light.label_es())?;
            write_value(ws, at, 6, kind, cell.previous, f, None)?;
            write_change(ws, at, 7, kind, cell.change, f)?;
            at += 1;
        }
    }
    ws.set_column_width(0, 44)?;
    ws.set_column_width(1, 22)?;
    ws.set_column_width(3, 28)?;
    ws.set_column_width(6, 14)?;
    ws.autofilter(top, 0, at.saturating_sub(1).max(top), 7)?;
    ws.set_freeze_panes(top + 1, 0)?;
    Ok(())
}

/// The rows with their cell of indicator `n`, best place first; without a place, last, by
/// name.
pub fn by_place(rows: &[Row], n: usize) -> Vec<(&Row, &Cell)> {
    let mut out: Vec<(&Row, &Cell)> = rows
        .iter()
        .filter_map(|r| Some((r, r.cells.get(n)?)))
        .collect();
    out.sort_by(|(ra, a), (rb, b)| {
        let place = |c: &Cell| c.rank.unwrap_or(usize::MAX);
        place(a).cmp(&place(b)).then_with(|| ra.name.cmp(&rb.name))
    });
    out
}

/// How an indicator is ranked, as the reader sees it.
pub fn direction_text(column: &Column) -> &'static str {
    match (column.ranked, column.direction) {
        (false, _) => "sin clasificar (conteo)",
        (true, Direction::Higher) => "mayor es mejor",
        (true, Direction::Lower) => "menor es mejor",
    }
}
