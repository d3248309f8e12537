//! The workbook's *OLA por grupo* sheet: for the cases solved in the quarter (the population of
//! the solution indicator), the time each technician group held their solution clock, its
//! compliance with the group's `[[ola.rule]]` target, the median hold, and the share of the
//! solution time each group consumed ([`crate::store::ola_groups`]), with a total row.

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::{Formats, write_value};
use crate::indicators::{IndicatorSet, Kind};
use crate::store::ola_groups::{OlaGroup, OlaGroups};

/// The sheet's name.
pub const SHEET: &str = "OLA por grupo";

/// What the figures measure, under the title (two lines, so that they print within the table's
/// width).
pub const NOTE: [&str; 2] = [
    "Tiempo hábil de solución mientras el grupo tenía el caso, sin pausas; el tiempo sin grupo \
     va a (sin grupo).",
    "Cumplimiento: tenencias dentro de la meta OLA del grupo ([[ola.rule]]) sobre las que tienen \
     meta. Los porcentajes del tiempo de solución de los grupos suman 100 %.",
];

/// Said instead of the table when no case of the quarter has OLA data.
pub const NO_DATA: &str = "Ningún caso solucionado en el trimestre tiene datos de OLA por grupo \
    (si los casos se evaluaron con una versión anterior, vuelva a ejecutar «mesa-sla evaluate»).";

/// Row of the table's header; the groups follow, then the total.
const HEADER: u32 = 5;

const HEADERS: [&str; 9] = [
    "Grupo",
    "Casos que tuvo",
    "Tenencias con meta OLA",
    "Dentro de la meta",
    "Fuera de la meta",
    "Cumplimiento OLA",
    "Mediana por tenencia (h)",
    "Horas totales",
    "% del tiempo de solución",
];

/// Adds the sheet (after *Casos*, before *Histórico*) from `ola`, titled after `set`.
pub fn write(
    wb: &mut Workbook,
    set: &IndicatorSet,
    ola: &OlaGroups,
    f: &Formats,
) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet().set_name(SHEET)?;
    ws.write_string_with_format(
        0,
        0,
        format!("OLA por grupo — {}", set.entity_name),
        &f.title,
    )?;
    ws.write_string_with_format(
        1,
        0,
        format!(
            "Periodo: {} ({}) · casos solucionados en el trimestre, los mismos del indicador de solución",
            set.quarter,
            set.quarter.name_es()
        ),
        &f.subtitle,
    )?;
    ws.write_string_with_format(2, 0, set.filters_text(), &f.subtitle)?;
    for (i, line) in NOTE.iter().enumerate() {
        ws.write_string_with_format(3 + i as u32, 0, *line, &f.subtitle)?;
    }
    layout(ws)?;
    if ola.is_empty() {
        ws.write_string(HEADER, 0, NO_DATA)?;
        // The text overflows column A: print the table's width, as when there is a table.
        ws.set_print_area(0, 0, HEADER, HEADERS.len() as u16 - 1)?;
        return super::super::print::table_print(ws, true, (0, 0));
    }
    ws.write_row_with_format(HEADER, 0, HEADERS, &f.header)?;
    ws.set_row_height(HEADER, 30)?;
    for (i, g) in ola.groups.iter().enumerate() {
        write_row(ws, HEADER + 1 + i as u32, g, &g.group, f, None)?;
    }
    let total = HEADER + 1 + ola.groups.len() as u32;
    write_row(ws, total, &ola.total, "Total", f, Some(&f.label))?;
    ws.autofilter(HEADER, 0, total - 1, HEADERS.len() as u16 - 1)?;
    super::super::print::table_print(ws, true, (HEADER, HEADER))
}

/// One group's figures at `row`, labelled `name` (in `bold` for the total).
fn write_row(
    ws: &mut Worksheet,
    row: u32,
    g: &OlaGroup,
    name: &str,
    f: &Formats,
    bold: Option<&Format>,
) -> Result<(), XlsxError> {
    match bold {
        Some(b) => ws.write_string_with_format(row, 0, name, b)?,
        None => ws.write_string(row, 0, name)?,
    };
    let counts = [g.tickets, g.with_target, g.met, g.breached];
    for (c, n) in counts.into_iter().enumerate() {
        write_value(ws, row, 1 + c as u16, Kind::Count, Some(n as f64), f, None)?;
    }
    write_value(ws, row, 5, Kind::Percent, g.compliance, f, None)?;
    write_value(ws, row, 6, Kind::Hours, g.median_hours, f, None)?;
    write_value(ws, row, 7, Kind::Hours, Some(g.total_hours), f, None)?;
    write_value(ws, row, 8, Kind::Percent, g.share, f, None)
}

fn layout(ws: &mut Worksheet) -> Result<(), XlsxError> {
    ws.set_column_width(0, 36)?;
    for c in 1..HEADERS.len() as u16 {
        ws.set_column_width(c, 14)?;
    }
    ws.set_freeze_panes(HEADER + 1, 1)?;
    Ok(())
}
