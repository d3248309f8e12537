//! Opening a delimited text export as it really arrives: UTF-8 with or without BOM, or
//! Windows-1252 (Excel re-saves), `;` or `,`, with or without GLPI 10's trailing delimiter.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use encoding_rs::WINDOWS_1252;
use encoding_rs_io::DecodeReaderBytesBuilder;

use super::{IngestError, limits, sniff};

/// Text encoding of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Windows1252,
}

/// An opened CSV export: its header (trimmed) and a reader positioned on the first record.
pub struct CsvSource {
    pub headers: Vec<String>,
    pub reader: csv::Reader<Box<dyn Read>>,
    pub encoding: Encoding,
    pub delimiter: u8,
    /// Every line ends with a delimiter (GLPI 10): the header has an empty last name.
    pub trailing_delimiter: bool,
    /// The header ends with CRLF (GLPI 11): see [`record_line`].
    pub crlf: bool,
}

/// The physical line a record starts on. The csv crate takes a record's position before it
/// consumes the `\n` of the previous record's CRLF, so in a CRLF file every record after the
/// header reports the line before its own (BurntSushi/rust-csv#395); `crlf` (the header's line
/// end, [`CsvSource::crlf`]) corrects it.
pub fn record_line(position: Option<&csv::Position>, crlf: bool) -> u64 {
    position.map_or(0, |p| p.line() + u64::from(crlf))
}

/// One pass over the file (they may be hundreds of MB): whether it is valid UTF-8, and whether
/// it has an odd number of double quotes — it ends inside a quoted field, i.e. it was cut.
fn scan(path: &Path) -> Result<(bool, bool), std::io::Error> {
    let mut file = BufReader::with_capacity(1 << 16, File::open(path)?);
    let mut buf = vec![0u8; 1 << 16];
    let (mut carry, mut utf8, mut quotes) = (0usize, true, 0u64);
    loop {
        let n = file.read(&mut buf[carry..])?;
        if n == 0 {
            return Ok((utf8 && carry == 0, quotes % 2 == 1));
        }
        quotes += buf[carry..carry + n].iter().filter(|&&b| b == b'"').count() as u64;
        let filled = carry + n;
        if !utf8 {
            continue;
        }
        match std::str::from_utf8(&buf[..filled]) {
            Ok(_) => carry = 0,
            Err(e) if e.error_len().is_none() && filled - e.valid_up_to() <= 4 => {
                // An incomplete sequence at the end of the chunk: keep it for the next read.
                let valid = e.valid_up_to();
                buf.copy_within(valid..filled, 0);
                carry = filled - valid;
            }
            Err(_) => {
                utf8 = false;
                carry = 0;
            }
        }
    }
}

/// Opens `path` as a CSV export, checking the whole file first (encoding, cut-off quotes); the
/// delimiter is read off the header line (the more frequent of `;` and `,` outside quotes).
pub fn open(path: &Path) -> Result<CsvSource, IngestError> {
    sniff(path)?;
    let name = path.display().to_string();
    let read_err = |source| IngestError::Read {
        path: name.clone(),
        source,
    };
    // The header first: a file far too wide is refused before the whole-file scan.
    let delimiter = detect_delimiter(path)?;
    let (utf8, cut) = scan(path).map_err(read_err)?;
    if cut {
        return Err(IngestError::Truncated(name));
    }
    let encoding = if utf8 {
        Encoding::Utf8
    } else {
        Encoding::Windows1252
    };
    reopen(path, encoding, delimiter)
}

/// The delimiter of an export, read off its header line: the more frequent of `;` and `,`
/// outside quotes (`;` on a tie). The header is checked by [`header_line`] first.
pub fn detect_delimiter(path: &Path) -> Result<u8, IngestError> {
    let first_line = header_line(path)?;
    let (semi, comma) = count_outside_quotes(&first_line.bytes);
    Ok(if semi >= comma && semi > 0 {
        b';'
    } else {
        b','
    })
}

/// The first record line of a delimited file (after a UTF-8 BOM; as bytes: both encodings are
/// ASCII-compatible for delimiters and quotes), read with a bounded reader before any CSV parser
/// or DuckDB sees the file: a line of more than [`limits::MAX_COLUMNS`] columns (counting the
/// more frequent of `;` and `,` outside quotes, the delimiter the readers pick), or one that does
/// not end within [`limits::MAX_HEADER_BYTES`], refuses the file. Every CSV reader (GLPI,
/// Dexon, canonical, the DuckDB-native path) and the detection of a file's kind call it.
pub fn header_line(path: &Path) -> Result<HeaderLine, IngestError> {
    let name = path.display().to_string();
    let read_err = |source| IngestError::Read {
        path: name.clone(),
        source,
    };
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let cap = (limits::MAX_HEADER_BYTES + BOM.len()) as u64;
    let mut file = File::open(path).map_err(read_err)?.take(cap + 1);
    let mut head = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let line_len = loop {
        let n = file.read(&mut chunk).map_err(read_err)?;
        head.extend_from_slice(&chunk[..n]);
        let text = head.strip_prefix(BOM).unwrap_or(&head);
        let line = first_record_line(text);
        // The byte after a line end is read too, to tell CRLF from CR.
        if line.len() + 1 < text.len() || n == 0 {
            break Some(line.len());
        }
        if head.len() as u64 > cap {
            break None;
        }
    };
    let wide = |found: String| IngestError::WideHeader {
        path: name.clone(),
        found,
        max: limits::MAX_COLUMNS,
    };
    let Some(len) = line_len else {
        // No line end within the bound: name what was seen of the line.
        let text = head.strip_prefix(BOM).unwrap_or(&head);
        let (semi, comma) = count_outside_quotes(first_record_line(text));
        let seen = semi.max(comma) + 1;
        return Err(wide(if seen > limits::MAX_COLUMNS {
            format!("más de {seen} columnas en su primera línea")
        } else {
            format!(
                "una primera línea de más de {} KiB sin fin de línea",
                limits::MAX_HEADER_BYTES / 1024
            )
        }));
    };
    let start = if head.starts_with(BOM) { BOM.len() } else { 0 };
    let crlf = head.get(start + len..start + len + 2) == Some(b"\r\n".as_slice());
    head.truncate(start + len);
    head.drain(..start);
    let (semi, comma) = count_outside_quotes(&head);
    let columns = semi.max(comma) + 1;
    if columns > limits::MAX_COLUMNS {
        return Err(wide(format!("{columns} columnas en su primera línea")));
    }
    Ok(HeaderLine { bytes: head, crlf })
}

/// The first record line of a file, checked by [`header_line`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderLine {
    /// Its bytes, without the line end (and without a UTF-8 BOM).
    pub bytes: Vec<u8>,
    /// It ends with CRLF.
    pub crlf: bool,
}

/// Opens a file already checked by [`open`] again from its start, with the encoding and
/// delimiter found then: a second pass over a large export must not repeat the whole-file scan.
pub fn reopen(path: &Path, encoding: Encoding, delimiter: u8) -> Result<CsvSource, IngestError> {
    open_reader(path, encoding, delimiter, true)
}

/// [`reopen`] without a progress bar: for reading just the header, or a pass the user does not
/// wait on.
pub fn reopen_quiet(
    path: &Path,
    encoding: Encoding,
    delimiter: u8,
) -> Result<CsvSource, IngestError> {
    open_reader(path, encoding, delimiter, false)
}

fn open_reader(
    path: &Path,
    encoding: Encoding,
    delimiter: u8,
    show_progress: bool,
) -> Result<CsvSource, IngestError> {
    let name = path.display().to_string();
    let read_err = |source| IngestError::Read {
        path: name.clone(),
        source,
    };
    let file = File::open(path).map_err(read_err)?;
    let mut file: Box<dyn Read> = if show_progress {
        progress(path, file)
    } else {
        Box::new(file)
    };
    let inner: Box<dyn Read> = match encoding {
        Encoding::Utf8 => {
            // Skip a UTF-8 BOM; any other first bytes are given back to the reader.
            let mut first = [0u8; 3];
            let n = read_up_to(file.as_mut(), &mut first).map_err(read_err)?;
            let keep = if first[..n] == *b"\xEF\xBB\xBF" { 0 } else { n };
            Box::new(std::io::Cursor::new(first[..keep].to_vec()).chain(file))
        }
        Encoding::Windows1252 => Box::new(
            DecodeReaderBytesBuilder::new()
                .encoding(Some(WINDOWS_1252))
                .build(file),
        ),
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(inner);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| malformed(&name, &e))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    let trailing_delimiter = headers.len() > 1 && headers.last().is_some_and(String::is_empty);
    let crlf = header_line(path)?.crlf;
    Ok(CsvSource {
        headers,
        reader,
        encoding,
        delimiter,
        trailing_delimiter,
        crlf,
    })
}

/// Files at least this large show a progress bar when stderr is a terminal.
pub const PROGRESS_FROM_BYTES: u64 = 4 * 1024 * 1024;

/// Wraps a file in a progress bar on stderr (bytes read of the total), hidden for small files
/// and when stderr is not a terminal (CI, cron, pipes).
fn progress(path: &Path, file: File) -> Box<dyn Read> {
    use std::io::IsTerminal;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if len < PROGRESS_FROM_BYTES || !std::io::stderr().is_terminal() {
        return Box::new(file);
    }
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{bar:40}] {bytes}/{total_bytes} ({eta} restantes)",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_message(format!(
        "Leyendo {}",
        path.file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    ));
    Box::new(bar.wrap_read(file))
}

/// Reads until `buf` is full or the input ends; returns how many bytes were read.
fn read_up_to(file: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// The bytes of the first record (up to the first line break outside quotes).
fn first_record_line(bytes: &[u8]) -> &[u8] {
    let mut quoted = false;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => return &bytes[..i],
            _ => {}
        }
    }
    bytes
}

fn count_outside_quotes(line: &[u8]) -> (usize, usize) {
    let (mut semi, mut comma, mut quoted) = (0, 0, false);
    for &b in line {
        match b {
            b'"' => quoted = !quoted,
            b';' if !quoted => semi += 1,
            b',' if !quoted => comma += 1,
            _ => {}
        }
    }
    (semi, comma)
}

/// The line a CSV error happened on, for messages.
pub fn error_line(e: &csv::Error) -> u64 {
    e.position().map_or(0, |p| p.line())
}

/// A CSV parse error as the file-level refusal it is.
pub fn malformed(path: &str, e: &csv::Error) -> IngestError {
    IngestError::Malformed {
        path: path.to_owned(),
        line: error_line(e),
        reason: e.to_string(),
    }
}
