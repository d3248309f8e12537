//! Guarded opening of spreadsheets: the zip container is checked before anything is
//! decompressed (entries, declared sizes, compression ratio), and an XLSX sheet is read as a
//! stream of cells on its own thread, never as a range sized from what the sheet declares.
//!
//! calamine's `worksheet_range` allocates the bounding box of the sheet (a declared
//! `A1:XFD1048576`, or one cell at the far corner, is 549 GB), and a small zip can inflate to
//! gigabytes. Here the container's central directory is read with the `zip` crate (which also
//! stops any entry that inflates past its declared size), and the cells come from calamine's
//! `worksheet_cells_reader`, kept only where the header row names a column.

use std::fs::File;
use std::io::{BufReader, Seek};
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use calamine::{Data, Reader, Xlsx, XlsxError, open_workbook_auto};

use super::IngestError;
use super::table::{Cell, Row, Table, cell};

/// What a workbook may cost before it is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Entries in the zip container (a workbook has a few dozen).
    pub max_entries: usize,
    /// Declared uncompressed size of one worksheet (read as a stream: costs time, not memory).
    pub max_sheet_bytes: u64,
    /// Declared uncompressed size of the shared strings (read whole, like the next ones).
    pub max_strings_bytes: u64,
    /// Declared uncompressed size of any other part (styles, workbook, relationships…).
    pub max_part_bytes: u64,
    /// Declared uncompressed size of all the entries together.
    pub max_total_bytes: u64,
    /// Uncompressed / compressed size of an entry larger than `ratio_from_bytes`.
    pub max_ratio: u64,
    /// Entries up to this size are not held to `max_ratio` (small parts compress very well).
    pub ratio_from_bytes: u64,
    /// Columns with a header (a Dexon report has about fifteen): the same cap as a CSV header.
    pub max_columns: usize,
}

const MIB: u64 = 1 << 20;

/// The limits of every spreadsheet read. A 1,048,576-row Dexon report (Excel's maximum) has a
/// sheet of about 0.75 GB (0.14 GB for 200,000 rows) and shared strings of well under 0.5 GB,
/// compressed 5–20 times; styles and the rest take kilobytes. A zip bomb is compressed about
/// 1,000 times.
pub const LIMITS: Limits = Limits {
    max_entries: 10_000,
    max_sheet_bytes: 2048 * MIB,
    max_strings_bytes: 512 * MIB,
    max_part_bytes: 64 * MIB,
    max_total_bytes: 3072 * MIB,
    max_ratio: 200,
    ratio_from_bytes: 32 * MIB,
    max_columns: super::limits::MAX_COLUMNS,
};

/// Rows sent to the loader at a time (one message per row costs a thread switch each).
const BATCH: usize = 256;

/// Batches read ahead of the loader: at most `BATCH * BATCHES_AHEAD` rows of at most
/// `max_columns` cells each wait in memory.
const BATCHES_AHEAD: usize = 4;

/// What is done after refusing a workbook.
const WHAT_TO_DO: &str = "exporte el reporte de nuevo desde Dexon o guárdelo como CSV";

fn refuse(path: &Path, reason: impl Into<String>) -> IngestError {
    IngestError::Workbook {
        path: path.display().to_string(),
        reason: reason.into(),
    }
}

/// Sizes for people: "2.048 MB", or "220 kB" under a megabyte.
fn human_size(bytes: u64) -> String {
    if bytes < MIB {
        return format!("{} kB", bytes.div_ceil(1024));
    }
    let mb = bytes.div_ceil(MIB).to_string();
    let mut out = String::new();
    for (i, c) in mb.chars().enumerate() {
        if i > 0 && (mb.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    format!("{out} MB")
}

/// Whether the container is an XLSX workbook (its parts live under `xl/`), checking it
/// against `limits` on the way. Nothing is decompressed.
pub fn check_container(path: &Path, file: &File, limits: &Limits) -> Result<bool, IngestError> {
    let bomb = |what: String| {
        refuse(
            path,
            format!("{what}: posible archivo malicioso o dañado; {WHAT_TO_DO}"),
        )
    };
    let archive = zip::ZipArchive::new(file).map_err(|e| {
        tracing::debug!("{}: zip: {e}", path.display());
        refuse(
            path,
            format!("hoja de cálculo ilegible (su contenedor ZIP está dañado o incompleto); {WHAT_TO_DO}"),
        )
    })?;
    if archive.len() > limits.max_entries {
        return Err(bomb(format!(
            "tiene {} partes (el máximo es {})",
            archive.len(),
            limits.max_entries
        )));
    }
    let mut total: u64 = 0;
    let mut xlsx = false;
    for i in 0..archive.len() {
        let Ok(entry) = archive.by_index_data(i) else {
            continue;
        };
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        let (size, packed) = (entry.size(), entry.compressed_size());
        xlsx |= name.starts_with("xl/");
        let max = if name.starts_with("xl/worksheets/") {
            limits.max_sheet_bytes
        } else if name == "xl/sharedStrings.xml" {
            limits.max_strings_bytes
        } else {
            limits.max_part_bytes
        };
        if size > max {
            return Err(bomb(format!(
                "el libro se descomprime a más de {}: la parte «{name}» declara {}",
                human_size(max),
                human_size(size)
            )));
        }
        if size > limits.ratio_from_bytes && size / packed.max(1) > limits.max_ratio {
            return Err(bomb(format!(
                "la parte «{name}» se descomprime {} veces (de {} a {}; un libro real, menos de {})",
                size / packed.max(1),
                human_size(packed),
                human_size(size),
                limits.max_ratio
            )));
        }
        total = total.saturating_add(size);
    }
    if total > limits.max_total_bytes {
        return Err(bomb(format!(
            "el libro se descomprime a más de {} ({} en total)",
            human_size(limits.max_total_bytes),
            human_size(total)
        )));
    }
    Ok(xlsx)
}

/// Opens a spreadsheet (first sheet, or `sheet` when it exists): XLSX as a guarded stream,
/// other formats (XLS, ODS) through calamine's ranges after the container check.
pub fn open(path: &Path, sheet: Option<&str>) -> Result<Table, IngestError> {
    let limits = &LIMITS;
    let read_err = |source| IngestError::Read {
        path: path.display().to_string(),
        source,
    };
    let mut file = File::open(path).map_err(read_err)?;
    let mut magic = [0u8; 4];
    std::io::Read::read_exact(&mut file, &mut magic).map_err(read_err)?;
    if magic != *b"PK\x03\x04" {
        return open_other(path, sheet);
    }
    if !check_container(path, &file, limits)? {
        return open_other(path, sheet);
    }
    file.rewind().map_err(read_err)?;
    let book = Xlsx::new(BufReader::new(file)).map_err(|e| refuse(path, explain(path, &e)))?;
    let names = book.sheet_names();
    let Some(name) = sheet
        .filter(|s| names.iter().any(|n| n == s))
        .or(names.first().map(String::as_str))
        .map(str::to_owned)
    else {
        return Err(refuse(
            path,
            format!("el libro no tiene hojas; {WHAT_TO_DO}"),
        ));
    };
    stream(path, book, name, limits.max_columns)
}

/// The Spanish reason for a calamine error (its text goes to the debug log).
fn explain(path: &Path, e: &XlsxError) -> String {
    tracing::debug!("{}: calamine: {e}", path.display());
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        let io = err.downcast_ref::<std::io::Error>().or_else(|| {
            err.downcast_ref::<std::sync::Arc<std::io::Error>>()
                .map(|a| &**a)
        });
        if io.is_some_and(|io| io.kind() == std::io::ErrorKind::InvalidData) {
            return format!(
                "una parte comprimida del libro está dañada o se descomprime a más de lo que \
                 declara: posible archivo malicioso o dañado; {WHAT_TO_DO}"
            );
        }
        source = err.source();
    }
    let what = match e {
        XlsxError::Password => "el libro está protegido con contraseña; guárdelo sin contraseña",
        XlsxError::Zip(_) => "su contenedor ZIP está dañado",
        XlsxError::Io(_) => "no se pudo leer su contenido",
        XlsxError::WorksheetNotFound(_)
        | XlsxError::FileNotFound(_)
        | XlsxError::RelationshipNotFound => "le faltan partes: no es un libro XLSX completo",
        XlsxError::ColumnNumberOverflow => "tiene celdas más allá de la última columna de Excel",
        _ => "su contenido XML no es válido",
    };
    format!("{what}; {WHAT_TO_DO}")
}

/// A message from the thread that reads a sheet.
enum Msg {
    Header(Vec<String>),
    Rows(Vec<Row>),
    Failed(String),
    End,
}

/// Reads `name` on a thread that sends the header, then the rows in batches, ahead of the
/// loader by at most [`BATCHES_AHEAD`] batches; dropping the table stops it.
fn stream(
    path: &Path,
    book: Xlsx<BufReader<File>>,
    name: String,
    max_columns: usize,
) -> Result<Table, IngestError> {
    let (tx, rx) = sync_channel(BATCHES_AHEAD);
    let shown = path.to_owned();
    std::thread::Builder::new()
        .name("xlsx-hoja".into())
        .spawn(move || read_sheet(&shown, book, &name, max_columns, &tx))
        .map_err(|source| IngestError::Read {
            path: path.display().to_string(),
            source,
        })?;
    let headers = match rx.recv() {
        Ok(Msg::Header(h)) => h,
        Ok(Msg::Failed(reason)) => return Err(refuse(path, reason)),
        Ok(Msg::End) => return Err(IngestError::Empty(path.display().to_string())),
        Ok(Msg::Rows(_)) | Err(_) => return Err(refuse(path, interrupted())),
    };
    Ok(Table {
        headers,
        rows: Box::new(Rows {
            rx,
            path: path.display().to_string(),
            pending: Vec::new().into_iter(),
            done: false,
        }),
    })
}

fn interrupted() -> String {
    "la lectura de la hoja se interrumpió (error interno de mesa-sla)".into()
}

/// The rows the reading thread sends.
struct Rows {
    rx: Receiver<Msg>,
    path: String,
    /// The rest of the last batch.
    pending: std::vec::IntoIter<Row>,
    done: bool,
}

impl Iterator for Rows {
    type Item = Result<Row, IngestError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(row) = self.pending.next() {
                return Some(Ok(row));
            }
            if self.done {
                return None;
            }
            match self.rx.recv() {
                Ok(Msg::Rows(rows)) => self.pending = rows.into_iter(),
                other => {
                    self.done = true;
                    return self.ended(other.ok());
                }
            }
        }
    }
}

impl Rows {
    /// What the thread's last message means: the end, or an error.
    fn ended(&self, last: Option<Msg>) -> Option<Result<Row, IngestError>> {
        let failed = |reason| IngestError::Workbook {
            path: self.path.clone(),
            reason,
        };
        match last {
            Some(Msg::End) => None,
            Some(Msg::Failed(reason)) => Some(Err(failed(reason))),
            Some(Msg::Header(_) | Msg::Rows(_)) | None => Some(Err(failed(interrupted()))),
        }
    }
}

/// The header row: the first row with a value. Its columns with a name are the table's
/// columns; cells elsewhere carry no field and are dropped.
struct Columns {
    /// Sheet column → table column, for the named columns.
    index: std::collections::HashMap<u32, usize>,
}

/// The reading thread's side: turns gathered rows into the header and batches of rows.
struct Outbox<'a> {
    tx: &'a SyncSender<Msg>,
    columns: Option<Columns>,
    max_columns: usize,
    batch: Vec<Row>,
}

/// Why the reading thread stops early.
enum Stop {
    /// The table was dropped: nobody listens.
    Gone,
    /// The sheet cannot be read; the reason is for the loader.
    Failed(String),
}

impl Outbox<'_> {
    fn send(&self, msg: Msg) -> Result<(), Stop> {
        self.tx.send(msg).map_err(|_| Stop::Gone)
    }

    /// One gathered sheet row `r` (0-based): the header first, then data rows.
    fn row(&mut self, r: u32, cells: Vec<(u32, Cell)>) -> Result<(), Stop> {
        let Some(c) = &self.columns else {
            let (c, names) = header(cells, self.max_columns).map_err(Stop::Failed)?;
            self.columns = Some(c);
            return self.send(Msg::Header(names));
        };
        if let Some(values) = dense(c, cells) {
            self.batch.push((u64::from(r) + 1, values));
        }
        if self.batch.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), Stop> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        self.send(Msg::Rows(batch))
    }
}

/// Runs on the reading thread: sends the header, the rows with a value in batches, then `End`
/// (or `Failed`). Returns early when the table was dropped.
fn read_sheet(
    path: &Path,
    mut book: Xlsx<BufReader<File>>,
    name: &str,
    max_columns: usize,
    tx: &SyncSender<Msg>,
) {
    let mut out = Outbox {
        tx,
        columns: None,
        max_columns,
        batch: Vec::with_capacity(BATCH),
    };
    let result = match book.worksheet_cells_reader(name) {
        Ok(mut reader) => gather(path, &mut reader, &mut out).and_then(|()| out.flush()),
        Err(e) => Err(Stop::Failed(explain(path, &e))),
    };
    // Without a header the table is empty.
    let last = match result {
        Ok(()) => Msg::End,
        Err(Stop::Failed(reason)) => Msg::Failed(reason),
        Err(Stop::Gone) => return,
    };
    let _ = tx.send(last);
}

/// Reads the cells in order and hands each row with a value to `out`.
fn gather(
    path: &Path,
    reader: &mut calamine::XlsxCellReader<'_, BufReader<File>>,
    out: &mut Outbox<'_>,
) -> Result<(), Stop> {
    // The row being gathered: its sheet row and its (sheet column, value) cells.
    let mut row: Option<(u32, Vec<(u32, Cell)>)> = None;
    loop {
        let next = reader
            .next_cell()
            .map_err(|e| Stop::Failed(explain(path, &e)))?;
        let at = next.as_ref().map(|c| c.get_position().0);
        if let Some((r, cells)) = row.take_if(|(r, _)| Some(*r) != at) {
            out.row(r, cells)?;
        }
        let Some(c) = next else {
            return Ok(());
        };
        let value = cell(&Data::from(c.get_value().clone()));
        if value == Cell::Empty {
            continue;
        }
        let (r, col) = c.get_position();
        row.get_or_insert_with(|| (r, Vec::new()))
            .1
            .push((col, value));
    }
}

/// The named columns of the header row, refused past `max_columns`.
fn header(cells: Vec<(u32, Cell)>, max_columns: usize) -> Result<(Columns, Vec<String>), String> {
    let named: Vec<(u32, String)> = cells
        .into_iter()
        .filter_map(|(col, c)| c.text().map(|t| (col, t)))
        .collect();
    if named.len() > max_columns {
        return Err(format!(
            "la primera fila tiene {} columnas con nombre (el máximo es {max_columns}; un reporte \
             de Dexon tiene unas quince): no parece un reporte de casos ni un historial; revise \
             el archivo",
            named.len()
        ));
    }
    let mut index = std::collections::HashMap::with_capacity(named.len());
    let mut names = Vec::with_capacity(named.len());
    for (col, name) in named {
        // A column named twice keeps its first cell (calamine gives one value per position).
        if let std::collections::hash_map::Entry::Vacant(e) = index.entry(col) {
            e.insert(names.len());
            names.push(name);
        }
    }
    Ok((Columns { index }, names))
}

/// A data row as one cell per named column; `None` when none of them has a value.
fn dense(columns: &Columns, cells: Vec<(u32, Cell)>) -> Option<Vec<Cell>> {
    let mut out = vec![Cell::Empty; columns.index.len()];
    let mut any = false;
    for (col, value) in cells {
        if let Some(&i) = columns.index.get(&col) {
            out[i] = value;
            any = true;
        }
    }
    any.then_some(out)
}

/// XLS, ODS and XLSB through calamine's ranges (their readers have no cell stream).
fn open_other(path: &Path, sheet: Option<&str>) -> Result<Table, IngestError> {
    let name = path.display().to_string();
    let bad = |e: calamine::Error| {
        tracing::debug!("{name}: calamine: {e}");
        refuse(
            path,
            format!("hoja de cálculo ilegible o dañada; {WHAT_TO_DO}"),
        )
    };
    let mut book = open_workbook_auto(path).map_err(bad)?;
    let range = match sheet.filter(|s| book.sheet_names().iter().any(|n| n == s)) {
        Some(s) => book.worksheet_range(s),
        None => book
            .worksheet_range_at(0)
            .unwrap_or(Err(calamine::Error::Msg("el libro no tiene hojas"))),
    }
    .map_err(bad)?;
    let mut rows = range.rows();
    let headers: Vec<String> = rows
        .next()
        .map(|r| {
            r.iter()
                .map(|c| cell(c).text().unwrap_or_default())
                .collect()
        })
        .unwrap_or_default();
    if headers.iter().all(String::is_empty) {
        return Err(IngestError::Empty(name));
    }
    let data: Vec<(u64, Vec<Cell>)> = rows
        .enumerate()
        .map(|(i, r)| (i as u64 + 2, r.iter().map(cell).collect::<Vec<Cell>>()))
        .filter(|(_, cells)| cells.iter().any(|c| *c != Cell::Empty))
        .collect();
    Ok(Table {
        headers,
        rows: Box::new(data.into_iter().map(Ok)),
    })
}
