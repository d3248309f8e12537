//! Hostile XLSX workbooks through the real binary (a reader that aborts must not take the test
//! runner with it): a cell at the far corner of Excel's grid, and zip bombs — honest about
//! their size, lying about it, or merely too well compressed. Each ends in the same cases as
//! the sample or in a Spanish refusal, with the store unchanged.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use mesa_sla::store::Store;

use crate::helpers::{assert_reproduces, fixtures, run, stderr, stdout};

const SHEET: &str = "xl/worksheets/sheet1.xml";

fn sample(name: &str) -> PathBuf {
    fixtures().join("samples/dexon").join(name)
}

/// The entries of a zip file, in order.
pub fn entries(path: &Path) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).expect("open")).expect("zip");
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).expect("entry");
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).expect("read entry");
            (f.name().expect("name").to_string(), bytes)
        })
        .collect()
}

/// Writes a zip with `entries` (deflated; `stored` names stored as they are).
pub fn write_zip(dst: &Path, entries: &[(String, Vec<u8>)], stored: &str) {
    use zip::write::SimpleFileOptions;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        let method = if name == stored {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        w.start_file(
            name,
            SimpleFileOptions::default().compression_method(method),
        )
        .expect("start");
        w.write_all(bytes).expect("write");
    }
    let bytes = w.finish().expect("finish").into_inner();
    std::fs::write(dst, bytes).expect("write zip");
}

/// The sample case report with its sheet XML edited.
fn edited_cases(dst: &Path, edit: impl Fn(&str) -> String) {
    let mut all = entries(&sample("casos.xlsx"));
    let sheet = all.iter_mut().find(|(n, _)| n == SHEET).expect("sheet");
    let xml = String::from_utf8(sheet.1.clone()).expect("utf-8");
    let edited = edit(&xml);
    assert_ne!(edited, xml, "the edit changes the sheet");
    sheet.1 = edited.into_bytes();
    write_zip(dst, &all, "");
}

/// `ingest dexon` of `cases` (and the sample history, if asked) into `dir/store.duckdb`.
fn ingest(dir: &Path, cases: &Path, with_history: bool) -> std::process::Output {
    let history = sample("historial.xlsx");
    let mut args = vec![
        "--db",
        "store.duckdb",
        "ingest",
        "dexon",
        cases.to_str().expect("utf-8"),
    ];
    if with_history {
        args.extend(["--history", history.to_str().expect("utf-8")]);
    }
    run(dir, &args)
}

/// The edited workbook loads as the sample does and reproduces its expected results.
fn assert_loads_like_the_sample(edit: impl Fn(&str) -> String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = dir.path().join("casos.xlsx");
    edited_cases(&cases, edit);
    let o = ingest(dir.path(), &cases, true);
    assert!(o.status.success(), "{:?}: {}", o.status, stderr(&o));
    // The sample report has 300 cases, all valid (see ingest_dexon.rs).
    assert!(
        stdout(&o).contains(
            "300 filas leídas; casos: 300 nuevos, 0 actualizados, 0 sin cambios; 0 rechazadas"
        ),
        "{}",
        stdout(&o)
    );
    let mut store = Store::open(&dir.path().join("store.duckdb")).expect("store");
    assert_reproduces(&mut store, &sample("expected.csv"));
}

#[test]
fn a_cell_at_the_far_corner_is_not_a_grid_to_allocate() {
    // The sheet declares Excel's whole grid and has a value at XFD1048576, in a column no
    // header names. On main: "memory allocation of 549755813888 bytes failed", SIGABRT (the
    // declared dimension alone does not abort calamine 0.38; the far cell does).
    assert_loads_like_the_sample(|xml| {
        xml.replace(
            r#"<dimension ref="A1:L301" />"#,
            r#"<dimension ref="A1:XFD1048576" />"#,
        )
        .replace(
            "</sheetData>",
            r#"<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>"#,
        )
    });
}

/// A DEFLATE bit stream, least significant bit first (RFC 1951).
#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits {
    fn put(&mut self, value: u64, count: u32) {
        self.acc |= value << self.n;
        self.n += count;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    /// A Huffman code, sent most significant bit first.
    fn code(&mut self, code: u64, len: u32) {
        let reversed = (0..len).fold(0, |r, i| r | (((code >> i) & 1) << (len - 1 - i)));
        self.put(reversed, len);
    }

    fn align(&mut self) {
        if self.n > 0 {
            self.out.push(self.acc as u8);
            self.acc = 0;
            self.n = 0;
        }
    }

    /// Stored blocks holding `bytes`.
    fn stored(&mut self, bytes: &[u8], last: bool) {
        let chunks: Vec<&[u8]> = bytes.chunks(65_535).collect();
        for (i, chunk) in chunks.iter().enumerate() {
            self.put(u64::from(last && i + 1 == chunks.len()), 1);
            self.put(0, 2);
            self.align();
            let len = chunk.len() as u16;
            self.out.extend_from_slice(&len.to_le_bytes());
            self.out.extend_from_slice(&(!len).to_le_bytes());
            self.out.extend_from_slice(chunk);
        }
    }

    /// One dynamic-Huffman block of `n` spaces: a space, then copies of 258 bytes at distance
    /// 1 in two bits each (the best DEFLATE can do, about 1,000 to 1).
    fn spaces(&mut self, n: u64) {
        self.put(0, 1); // not the last block
        self.put(2, 2); // dynamic Huffman codes
        self.put(29, 5); // 286 literal/length codes
        self.put(1, 5); // 2 distance codes
        self.put(14, 4); // 18 code-length codes
        // Code-length code lengths, in RFC order: only 18 (1 bit), 2 and 1 (2 bits) are used.
        for sym in [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1] {
            self.put(
                match sym {
                    18 => 1,
                    1 | 2 => 2,
                    _ => 0,
                },
                3,
            );
        }
        // Canonical code-length codes: 18 → 0, 1 → 10, 2 → 11.
        let zeros = |b: &mut Bits, n: u64| {
            b.code(0, 1);
            b.put(n - 11, 7);
        };
        zeros(self, 32); // literals 0–31
        self.code(0b11, 2); // ' ' (32): length 2
        zeros(self, 138); // 33–170
        zeros(self, 85); // 171–255
        self.code(0b11, 2); // end of block (256): length 2
        zeros(self, 28); // 257–284
        self.code(0b10, 2); // 285 (length 258): length 1
        self.code(0b10, 2); // distance code 0: length 1
        self.code(0b10, 2); // distance code 1: length 1
        // Literal codes: 285 → 0, ' ' → 10, end → 11; distance 1 → 0.
        self.code(0b10, 2);
        let copies = (n - 1) / 258;
        for _ in 0..copies {
            self.code(0, 1);
            self.code(0, 1);
        }
        for _ in 0..(n - 1) % 258 {
            self.code(0b10, 2);
        }
        self.code(0b11, 2);
    }
}

/// Sets the compression method (DEFLATE) and declared uncompressed size of `name` in both of
/// its headers (local and central directory).
fn patch_entry(zip: &mut [u8], name: &str, declared: u32) {
    let name = name.as_bytes();
    let u16_at = |z: &[u8], i: usize| usize::from(u16::from_le_bytes([z[i], z[i + 1]]));
    let mut patched = 0;
    for i in 0..zip.len().saturating_sub(46 + name.len()) {
        if zip[i..].starts_with(b"PK\x03\x04")
            && u16_at(zip, i + 26) == name.len()
            && zip[i + 30..].starts_with(name)
        {
            zip[i + 8..i + 10].copy_from_slice(&8u16.to_le_bytes());
            zip[i + 22..i + 26].copy_from_slice(&declared.to_le_bytes());
            patched += 1;
        } else if zip[i..].starts_with(b"PK\x01\x02")
            && u16_at(zip, i + 28) == name.len()
            && zip[i + 46..].starts_with(name)
        {
            zip[i + 10..i + 12].copy_from_slice(&8u16.to_le_bytes());
            zip[i + 24..i + 28].copy_from_slice(&declared.to_le_bytes());
            patched += 1;
        }
    }
    assert_eq!(patched, 2, "both headers of the sheet found");
}

/// The sample case report whose sheet holds `spaces` blanks after `<sheetData>` (valid XML),
/// deflated to a few bytes per kilobyte, declaring `declared` bytes uncompressed (`None`: its
/// true size).
fn bomb(dst: &Path, spaces: u64, declared: Option<u32>) {
    let mut all = entries(&sample("casos.xlsx"));
    let sheet = all.iter_mut().find(|(n, _)| n == SHEET).expect("sheet");
    let xml = String::from_utf8(sheet.1.clone()).expect("utf-8");
    let (head, tail) = xml.split_once("<sheetData>").expect("sheet data");
    let mut bits = Bits::default();
    bits.stored(format!("{head}<sheetData>").as_bytes(), false);
    bits.spaces(spaces);
    bits.stored(tail.as_bytes(), true);
    bits.align();
    let size = head.len() as u64 + "<sheetData>".len() as u64 + spaces + tail.len() as u64;
    let declared = declared.unwrap_or_else(|| u32::try_from(size).expect("under 4 GiB"));
    sheet.1 = bits.out;
    write_zip(dst, &all, SHEET);
    let mut bytes = std::fs::read(dst).expect("read zip");
    patch_entry(&mut bytes, SHEET, declared);
    std::fs::write(dst, bytes).expect("write zip");
}

/// The bomb is refused with `message`, the process ends by itself (no signal), the store
/// holds nothing.
fn assert_refused(spaces: u64, declared: Option<u32>, message: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = dir.path().join("casos.xlsx");
    bomb(&cases, spaces, declared);
    let size = std::fs::metadata(&cases).expect("size").len();
    assert!(size < 4 << 20, "a small file on disk: {size} bytes");
    let o = ingest(dir.path(), &cases, false);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{:?}: {err}", o.status);
    assert!(err.contains(message), "{err}");
    assert!(err.contains("posible archivo malicioso o dañado"), "{err}");
    assert!(err.contains("exporte el reporte de nuevo"), "{err}");
    let store = Store::open(&dir.path().join("store.duckdb")).expect("store");
    let counts = store.counts().expect("counts");
    assert_eq!((counts.tickets, counts.runs), (0, 0), "{counts:?}");
}

#[test]
fn a_zip_bomb_is_refused_by_its_declared_size() {
    // 3 GB of sheet XML in a 3 MB file (on main: 9.3 GB of memory and 47 s).
    assert_refused(
        3_000_000_000,
        None,
        "el libro se descomprime a más de 2.048 MB: la parte «xl/worksheets/sheet1.xml» declara",
    );
}

#[test]
fn a_zip_bomb_lying_about_its_size_stops_at_the_declared_size() {
    // Declares 1 MB, inflates to 3 GB: reading stops past the declared megabyte.
    assert_refused(
        3_000_000_000,
        Some(1 << 20),
        "una parte comprimida del libro está dañada o se descomprime a más de lo que declara",
    );
}

#[test]
fn a_part_compressed_a_thousand_times_is_refused() {
    // 200 MB (under the size limit) from 0.2 MB: a real workbook compresses 5–20 times.
    assert_refused(
        200_000_000,
        None,
        "la parte «xl/worksheets/sheet1.xml» se descomprime",
    );
}
