//! The indicator form (*Ficha de indicadores*) of the hand-computed quarter: read back with
//! calamine (the ficha's fields, the light ranges in words, the serie histórica equal to each
//! quarter's own indicator set, the generated analysis labelled, the blank cells), the print
//! setup of every sheet in the xlsx XML, and LibreOffice printing one indicator per page and the
//! case list one page wide (required under CI).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx, open_workbook};
use mesa_sla::indicators::{Definitions, IndicatorSet, Kind, Quarter};
use mesa_sla::report::{self, ReportFiles};
use mesa_sla::store::Store;

use crate::helpers::{cut, sample_config, sample_store};
use crate::ingest_xlsx::{entries, write_zip};
use crate::report::{cell, hand_engine, hand_store, libreoffice_pdf, number};

const FICHA: &str = "Ficha de indicadores";

fn q(text: &str) -> Quarter {
    Quarter::parse(text).expect("quarter")
}

/// The workbook of the hand-computed quarter (2025-Q3), with the store it came from.
fn hand_workbook(dir: &Path) -> (Store, ReportFiles) {
    let mut store = Store::open_in_memory().expect("store");
    hand_store(&mut store);
    let files = report::write_entity_report(
        &store,
        &hand_engine(),
        &Definitions::builtin(),
        "Prueba",
        q("2025-Q3"),
        None,
        dir,
    )
    .expect("report");
    (store, files)
}

/// How many indicators go on the form.
fn on_form(files: &ReportFiles) -> usize {
    files
        .set
        .indicators
        .iter()
        .filter(|i| i.definition.on_form)
        .count()
}

/// Keeps a PDF in the folder `MESA_SLA_KEEP_PDF` names, if set (to look at it).
fn keep(pdf: &[u8], name: &str) {
    if let Ok(dir) = std::env::var("MESA_SLA_KEEP_PDF") {
        std::fs::write(Path::new(&dir).join(name), pdf).expect("keep the PDF");
    }
}

fn text(d: &Data) -> String {
    d.to_string()
}

/// The row of each label in column A from `from` to the next card (or the end).
fn card_labels(sheet: &calamine::Range<Data>, from: usize) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    for r in from + 1..sheet.height() {
        let label = text(&cell(sheet, r, 0));
        if label.starts_with("Indicador ") {
            break;
        }
        out.entry(label).or_insert(r);
    }
    out
}

/// The ranges in words the shipped definitions mean, written out by hand.
fn expected_ranges(id: &str) -> &'static str {
    match id {
        "reapertura" => "Verde ≤ 5 %; Amarillo > 5 %–≤ 10 %; Rojo > 10 %",
        "respuesta_encuesta" => "Verde ≥ 30 %; Amarillo 20 %–< 30 %; Rojo < 20 %",
        _ => "Verde ≥ 90 %; Amarillo 80 %–< 90 %; Rojo < 80 %",
    }
}

#[test]
fn the_ficha_reads_back_with_its_fields_history_and_analysis() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, files) = hand_workbook(dir.path());
    let set = &files.set;
    let mut wb: Xlsx<_> = open_workbook(&files.workbook).expect("opens");
    let form = wb.worksheet_range(FICHA).expect("Ficha");
    let on_form: Vec<_> = set
        .indicators
        .iter()
        .filter(|i| i.definition.on_form)
        .collect();
    assert_eq!(on_form.len(), 7);
    // The quarters' own sets, to compare the serie histórica with.
    let mut sets: HashMap<String, IndicatorSet> = HashMap::new();
    for (n, ind) in on_form.iter().enumerate() {
        let d = &ind.definition;
        let title = format!("Indicador {}: {}", n + 1, d.name);
        let start = (0..form.height())
            .find(|r| text(&cell(&form, *r, 0)) == title)
            .unwrap_or_else(|| panic!("no card «{title}»"));
        let rows = card_labels(&form, start);
        let at = |label: &str| {
            *rows
                .get(label)
                .unwrap_or_else(|| panic!("{}: no «{label}» in {:?}", d.id, rows.keys()))
        };
        assert_eq!(text(&cell(&form, at("Código"), 1)), d.code);
        assert!(d.code.starts_with("IND-MS-"), "{}", d.code);
        assert_eq!(text(&cell(&form, at("Código"), 4)), "Tipo");
        assert!(
            ["Eficacia", "Eficiencia", "Efectividad"]
                .contains(&text(&cell(&form, at("Código"), 6)).as_str())
        );
        assert!(text(&cell(&form, at("Proceso"), 1)).contains("Mesa de Servicios"));
        assert_eq!(text(&cell(&form, at("Fórmula"), 1)), d.formula);
        assert_eq!(text(&cell(&form, at("Línea base"), 1)), "No definida");
        assert_eq!(
            text(&cell(&form, at("Rangos del semáforo"), 1)),
            expected_ranges(&d.id)
        );
        let source = text(&cell(&form, at("Fuente de información"), 1));
        if d.id.starts_with("satisf") || d.id.starts_with("respuesta") {
            assert!(
                source.starts_with("Encuesta de percepción"),
                "{}: {source}",
                d.id
            );
        } else {
            assert!(
                source.starts_with("Mesa de Servicios"),
                "{}: {source}",
                d.id
            );
        }
        // The light: the cached result of the formula that follows the result cell.
        let result_row = at("Resultado 2025-Q3");
        assert_eq!(text(&cell(&form, result_row, 6)), ind.light.label_es());
        // The analysis, labelled as generated; the team's cells are blank.
        assert_eq!(
            text(&cell(&form, at("Análisis generado por mesa-sla"), 1)),
            ind.analysis
        );
        for blank in [
            "Análisis del equipo",
            "Acciones de mejora (FO-EM-15)",
            "Firma",
        ] {
            assert_eq!(cell(&form, at(blank), 1), Data::Empty, "{}: {blank}", d.id);
        }
        let signed = at("Nombre y cargo") - 1;
        let heads: Vec<String> = [1, 3, 5, 7]
            .iter()
            .map(|c| text(&cell(&form, signed, *c)))
            .collect();
        assert_eq!(heads, ["Elaboró", "Revisó", "Aprobó", "Fecha"]);
        check_history(&form, at("Serie histórica"), ind, &store, &mut sets);
    }
}

/// The quarters of the serie histórica (4 to 8, ending at the report's) and each value equal to
/// the indicator in that quarter's own set.
fn check_history(
    form: &calamine::Range<Data>,
    row: usize,
    ind: &mesa_sla::indicators::Indicator,
    store: &Store,
    sets: &mut HashMap<String, IndicatorSet>,
) {
    let quarters: Vec<String> = (1..=8)
        .map(|c| text(&cell(form, row, c)))
        .filter(|t| !t.is_empty())
        .collect();
    assert!((4..=8).contains(&quarters.len()), "{quarters:?}");
    assert_eq!(quarters.last().map(String::as_str), Some("2025-Q3"));
    for (i, quarter) in quarters.iter().enumerate() {
        let set = sets.entry(quarter.clone()).or_insert_with(|| {
            report::indicator_set(
                store,
                &hand_engine(),
                &Definitions::builtin(),
                "Prueba",
                q(quarter),
            )
            .expect("set")
        });
        let want = set
            .indicators
            .iter()
            .find(|i| i.definition.id == ind.definition.id)
            .and_then(|i| i.current.value);
        let shown = cell(form, row + 1, i + 1);
        match want {
            Some(v) => {
                let v = if ind.definition.quantity.kind() == Kind::Percent {
                    v / 100.0
                } else {
                    v
                };
                let got = number(&shown).unwrap_or_else(|| panic!("{quarter}: {shown:?}"));
                assert!(
                    (got - v).abs() < 1e-9,
                    "{} {quarter}: {got} vs {v}",
                    ind.definition.id
                );
            }
            None => assert_eq!(text(&shown), "—", "{} {quarter}", ind.definition.id),
        }
    }
}

/// The XML of each sheet of a workbook by sheet name, and the workbook's own XML.
fn sheet_xml(path: &Path) -> (Vec<(String, String)>, String) {
    let all: HashMap<String, String> = entries(path)
        .into_iter()
        .map(|(n, b)| (n, String::from_utf8(b).expect("utf-8")))
        .collect();
    let workbook = all["xl/workbook.xml"].clone();
    let rels = &all["xl/_rels/workbook.xml.rels"];
    let attr = |tag: &str, name: &str| -> String {
        let tag = format!(" {tag}");
        let key = format!(" {name}=\"");
        let start = tag
            .find(&key)
            .map(|i| i + key.len())
            .unwrap_or_else(|| panic!("no {name} in {tag}"));
        tag[start..]
            .split('"')
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    let targets: HashMap<String, String> = rels
        .split("<Relationship ")
        .skip(1)
        .map(|t| (attr(t, "Id"), attr(t, "Target")))
        .collect();
    let sheets = workbook
        .split("<sheet ")
        .skip(1)
        .map(|t| {
            let target = &targets[&attr(t, "r:id")];
            let name = attr(t, "name").replace("&amp;", "&");
            (name, all[&format!("xl/{target}")].clone())
        })
        .collect();
    (sheets, workbook)
}

#[test]
fn every_sheet_is_set_up_for_printing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, files) = hand_workbook(dir.path());
    let on_form = on_form(&files);
    let (sheets, workbook) = sheet_xml(&files.workbook);
    assert!(sheets.len() >= 10);
    for (i, (name, xml)) in sheets.iter().enumerate() {
        let setup = xml
            .split("<pageSetup ")
            .nth(1)
            .and_then(|t| t.split("/>").next())
            .unwrap_or_else(|| panic!("{name}: no pageSetup"));
        assert!(setup.contains("paperSize=\"1\""), "{name}: Letter: {setup}");
        // Repeated header rows: a print-titles name of this sheet.
        assert!(
            workbook.contains(&format!("name=\"_xlnm.Print_Titles\" localSheetId=\"{i}\"")),
            "{name}: no print titles"
        );
        if name == FICHA {
            assert!(setup.contains("orientation=\"portrait\""), "{setup}");
            // Fitting a sheet makes Excel ignore its page breaks: the columns fit instead.
            assert!(!xml.contains("fitToPage=\"1\""), "{name}");
            let breaks = format!("<rowBreaks count=\"{}\"", on_form - 1);
            assert!(xml.contains(&breaks), "{name}: {breaks}");
            assert!(xml.contains("<conditionalFormatting"), "{name}");
            assert!(xml.contains("ISNUMBER("), "{name}");
        } else {
            assert!(
                setup.contains("orientation=\"landscape\""),
                "{name}: {setup}"
            );
            assert!(xml.contains("fitToPage=\"1\""), "{name}: fit to page");
            // One page wide (1 is the default Excel leaves out), as long as needed.
            assert!(
                !setup.contains("fitToWidth=") || setup.contains("fitToWidth=\"1\""),
                "{name}: {setup}"
            );
            assert!(setup.contains("fitToHeight=\"0\""), "{name}: {setup}");
        }
    }
}

/// Pages of a PDF: its `/Type /Page` objects (not the `/Pages` tree nodes).
fn pdf_pages(pdf: &[u8]) -> usize {
    let mut n = 0;
    for (i, w) in pdf.windows(5).enumerate() {
        if w != b"/Type" {
            continue;
        }
        let rest: Vec<u8> = pdf[i + 5..]
            .iter()
            .take(12)
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        if rest.starts_with(b"/Page") && !rest.starts_with(b"/Pages") {
            n += 1;
        }
    }
    n
}

/// A copy of `workbook` in which only the sheet `name` is visible (and active): LibreOffice
/// prints visible sheets only, so its PDF is that sheet's print.
fn only_sheet(workbook: &Path, name: &str, dst: &Path) -> PathBuf {
    let mut all = entries(workbook);
    let (sheets, _) = sheet_xml(workbook);
    let index = sheets
        .iter()
        .position(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no sheet {name}"));
    for (entry, bytes) in all.iter_mut() {
        let xml = String::from_utf8(bytes.clone()).unwrap_or_default();
        if entry == "xl/workbook.xml" {
            let mut out = String::new();
            for (i, part) in xml.split("<sheet ").enumerate() {
                if i > 0 {
                    out.push_str("<sheet ");
                    if i - 1 != index {
                        out.push_str("state=\"hidden\" ");
                    }
                }
                out.push_str(part);
            }
            let out = match out.find("<workbookView ") {
                Some(at) => format!(
                    "{}<workbookView activeTab=\"{index}\" {}",
                    &out[..at],
                    &out[at + "<workbookView ".len()..].replacen("activeTab=", "oldTab=", 1)
                ),
                None => out,
            };
            *bytes = out.into_bytes();
        } else if entry.starts_with("xl/worksheets/sheet") {
            *bytes = xml.replace("tabSelected=\"1\"", "").into_bytes();
        }
    }
    let path = dst.join(format!("{}.xlsx", report::slug(name)));
    write_zip(&path, &all, "");
    path
}

#[test]
fn libreoffice_prints_one_indicator_per_page_and_the_cases_one_page_wide() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, files) = hand_workbook(dir.path());
    let on_form = on_form(&files);
    let ficha = only_sheet(&files.workbook, FICHA, dir.path());
    let Some(pdf) = libreoffice_pdf(&ficha) else {
        return;
    };
    keep(&pdf, "ficha.pdf");
    assert_eq!(pdf_pages(&pdf), on_form, "one printed page per indicator");
    // The four cases: one page (three columns wide before).
    let casos = only_sheet(&files.workbook, "Casos", dir.path());
    let pdf = libreoffice_pdf(&casos).expect("converted");
    assert_eq!(pdf_pages(&pdf), 1, "Casos of four cases on one page");
    // The samples' quarter: every page is a full page of rows, none a slice of columns.
    let samples = tempfile::tempdir().expect("tempdir");
    let mut store = sample_store();
    let engine = sample_config().engine().expect("engine");
    mesa_sla::evaluation::evaluate_store(&mut store, &engine, cut(), cut()).expect("evaluates");
    let entity = "Entidad Raíz > Alcaldía de Villa Esperanza";
    let files = report::write_entity_report(
        &store,
        &engine,
        &Definitions::builtin(),
        entity,
        q("2025-Q4"),
        None,
        samples.path(),
    )
    .expect("report");
    let casos = only_sheet(&files.workbook, "Casos", samples.path());
    let pdf = libreoffice_pdf(&casos).expect("converted");
    keep(&pdf, "casos.pdf");
    // One strip of columns: no more pages than the rows need even at full size (a landscape
    // Letter page less its margins, 504 pt, holds 39 rows of LibreOffice's 12,8 pt); the
    // unfitted sheet printed three strips of columns for each page of rows.
    let rows = files.cases + 1;
    let pages = pdf_pages(&pdf);
    eprintln!("Casos: {rows} filas, {pages} páginas");
    assert!(
        files.cases > 39,
        "{} cases: a quarter that needs a second page at 100 %",
        files.cases
    );
    assert!(
        pages >= 1 && pages <= rows.div_ceil(39),
        "{rows} rows on {pages} pages"
    );
}
