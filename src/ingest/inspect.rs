//! One pass over a delimited export before the DuckDB-native path trusts `read_csv` with it:
//! SHA-256 (on a second thread), UTF-8 validity, and whether its quoting is plain RFC 4180 — the
//! shape on which DuckDB's CSV reader and the `csv` crate of the reference readers split records
//! and fields identically. Anything else goes to the reference reader, which makes its own
//! checks (cut-off quotes, encoding) and its own refusals.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use super::{IngestError, sha256_file};

/// What one pass over a file found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    pub sha256: String,
    /// Valid UTF-8 and plain quoting: quotes only open a field or close it (doubled inside), no
    /// `\r` without `\n`, one kind of line end, no blank line before the header, the last
    /// quoted field closed. The scan stops early when it finds otherwise.
    pub plain: bool,
    /// Some field starts or ends with white space (Unicode's, as `str::trim` removes): the SQL
    /// must trim every value exactly like the reference reader, a slower expression.
    pub ragged: bool,
    /// Records, the header included; blank lines are not records (neither reader counts them).
    pub records: u64,
}

/// Reads `path` once (and once more, concurrently, for its SHA-256) with `delimiter` as the
/// field separator. `progress` is told how many bytes were read so far.
pub fn inspect(
    path: &Path,
    delimiter: u8,
    progress: &dyn Fn(u64),
) -> Result<Inspection, IngestError> {
    let read_err = |source| IngestError::Read {
        path: path.display().to_string(),
        source,
    };
    std::thread::scope(|scope| {
        // Hashing is the slowest part of the pass; the other core is idle until DuckDB starts.
        let sha = scope.spawn(|| sha256_file(path));
        let scanned = scan(path, delimiter, progress).map_err(read_err);
        let sha256 = sha.join().unwrap_or_else(|_| {
            Err(IngestError::Read {
                path: path.display().to_string(),
                source: std::io::Error::other("el cálculo del SHA-256 falló"),
            })
        })?;
        let shape = scanned?;
        Ok(Inspection {
            sha256,
            plain: shape.plain,
            ragged: shape.ragged,
            records: shape.records,
        })
    })
}

/// Lines longer than this (a whole buffer without a line end) are not plain exports.
const MAX_BUFFER: usize = 64 << 20;

/// Feeds the state machine chunks that end right after a `\n`: a line end is never inside a
/// UTF-8 sequence, so each chunk validates on its own and every character near a field boundary
/// lies whole inside one chunk.
fn scan(path: &Path, delimiter: u8, progress: &dyn Fn(u64)) -> std::io::Result<Shape> {
    let mut file = File::open(path)?;
    let mut buf = vec![0u8; 1 << 20];
    let (mut filled, mut total, mut first) = (0usize, 0u64, true);
    let mut shape = Shape::new(delimiter);
    loop {
        if filled == buf.len() {
            if buf.len() >= MAX_BUFFER {
                shape.plain = false;
                return Ok(shape);
            }
            buf.resize(buf.len() * 2, 0);
        }
        let n = file.read(&mut buf[filled..])?;
        total += n as u64;
        progress(total);
        filled += n;
        let end = if n == 0 {
            filled
        } else {
            match memchr::memrchr(b'\n', &buf[..filled]) {
                Some(p) => p + 1,
                None => continue,
            }
        };
        let mut chunk = &buf[..end];
        if first {
            chunk = chunk.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(chunk);
            first = false;
        }
        match std::str::from_utf8(chunk) {
            Ok(text) => shape.feed(text),
            Err(_) => shape.plain = false,
        }
        if !shape.plain {
            return Ok(shape);
        }
        if n == 0 {
            shape.finish();
            return Ok(shape);
        }
        buf.copy_within(end..filled, 0);
        filled -= end;
    }
}

/// `value.trim() != value`, looking at bytes first: this runs on every field of the file.
fn has_edge_space(value: &str) -> bool {
    let bytes = value.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    let ascii_space = |b: u8| b == b' ' || (b'\t'..=b'\r').contains(&b);
    // Non-ASCII white space starts with one of these bytes (U+0085, U+00A0, U+1680, U+2000…).
    let first_space = if first < 0x80 {
        ascii_space(first)
    } else {
        matches!(first, 0xC2 | 0xE1 | 0xE2 | 0xE3) && value.starts_with(char::is_whitespace)
    };
    let last_space = if last < 0x80 {
        ascii_space(last)
    } else {
        value.ends_with(char::is_whitespace)
    };
    first_space || last_space
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Outside quotes, inside the unquoted field that started at `field_start`.
    Unquoted,
    /// Outside quotes, right after a closing quote: only a delimiter or a line end may follow.
    Closed,
    /// Inside a quoted field.
    Quoted,
}

/// The quoting state machine. It jumps (memchr) from one delimiter, quote or line end to the
/// next and looks at the characters at both ends of each field.
#[derive(Debug)]
struct Shape {
    delimiter: u8,
    state: State,
    /// Nothing on the current line yet.
    line_empty: bool,
    lf: bool,
    crlf: bool,
    plain: bool,
    ragged: bool,
    records: u64,
}

impl Shape {
    fn new(delimiter: u8) -> Shape {
        Shape {
            delimiter,
            state: State::Unquoted,
            line_empty: true,
            lf: false,
            crlf: false,
            plain: true,
            ragged: false,
            records: 0,
        }
    }

    fn end_line(&mut self, crlf: bool) {
        if self.line_empty {
            // DuckDB takes a blank first line for the header; the csv crate skips it.
            if self.records == 0 {
                self.plain = false;
            }
        } else {
            self.records += 1;
        }
        if crlf {
            self.crlf = true;
        } else {
            self.lf = true;
        }
        self.plain &= !(self.lf && self.crlf);
        self.line_empty = true;
    }

    /// A field's value as both readers give it: does `str::trim` change it? Header names do
    /// not count (both readers trim them; GLPI 10 writes one with a trailing space).
    fn check_edges(&mut self, value: &str) {
        self.ragged |= self.records > 0 && has_edge_space(value);
    }

    /// One chunk that ends with `\n` (or the end of the file).
    fn feed(&mut self, text: &str) {
        let buf = text.as_bytes();
        let mut i = 0;
        // Where the current unquoted field (or quoted content) starts in this chunk: a chunk
        // always starts at a line start, inside quotes or not.
        let mut start = 0;
        // Quoted content that began in an earlier chunk (its start was checked there).
        let mut continuing = self.state == State::Quoted;
        while i < buf.len() && self.plain {
            match self.state {
                State::Closed => {
                    // After a closing quote: a delimiter, `\n` or `\r\n`, nothing else.
                    let b = buf[i];
                    if b == self.delimiter {
                        i += 1;
                    } else if b == b'\n' {
                        self.end_line(false);
                        i += 1;
                    } else if b == b'\r' && buf.get(i + 1) == Some(&b'\n') {
                        self.end_line(true);
                        i += 2;
                    } else {
                        self.plain = false;
                        return;
                    }
                    self.state = State::Unquoted;
                    start = i;
                }
                State::Unquoted if i == start && buf[i] == b'"' => {
                    // A quote opening a field.
                    self.line_empty = false;
                    self.state = State::Quoted;
                    i += 1;
                    start = i;
                }
                State::Unquoted => {
                    if i == start
                        && self.line_empty
                        && let Some(next) = self.plain_line(text, i)
                    {
                        // A whole line without quotes, done at once.
                        i = next;
                        start = i;
                        continue;
                    }
                    let Some(k) = memchr::memchr3(self.delimiter, b'"', b'\n', &buf[i..]) else {
                        // The end of the file without a final line end.
                        let rest = &text[start..];
                        if rest.contains('\r') {
                            self.plain = false;
                        } else {
                            self.check_edges(rest);
                            self.line_empty = false;
                        }
                        return;
                    };
                    let p = i + k;
                    let b = buf[p];
                    if b == b'"' {
                        // Not at the start of a field (`ab"c`, ` "x"`): not plain CSV.
                        self.plain = false;
                        return;
                    }
                    let crlf = b == b'\n' && p > 0 && buf[p - 1] == b'\r';
                    let end = if crlf { p - 1 } else { p };
                    // `start <= end`: a chunk never starts with the `\n` of a `\r\n`.
                    let value = text.get(start..end).unwrap_or("");
                    if !value.is_empty() || b == self.delimiter {
                        self.line_empty = false;
                    }
                    self.check_edges(value);
                    if value.contains('\r') {
                        // A `\r` that does not end a line.
                        self.plain = false;
                        return;
                    }
                    if b == b'\n' {
                        self.end_line(crlf);
                    }
                    i = p + 1;
                    start = i;
                }
                State::Quoted => match memchr::memchr(b'"', &buf[i..]) {
                    Some(k) => {
                        let q = i + k;
                        if buf.get(q + 1) == Some(&b'"') {
                            // A doubled quote inside the value.
                            i = q + 2;
                            continue;
                        }
                        let content = &text[start..q];
                        if continuing {
                            // At the start of a chunk the value's last character is the `\n`
                            // that ended the previous one.
                            self.ragged |= self.records > 0
                                && (q == 0 || content.ends_with(char::is_whitespace));
                            continuing = false;
                        } else {
                            self.check_edges(content);
                        }
                        self.state = State::Closed;
                        i = q + 1;
                    }
                    None => {
                        // The value goes on in the next chunk: only its start is known here.
                        if !continuing {
                            self.ragged |=
                                self.records > 0 && text[start..].starts_with(char::is_whitespace);
                        }
                        return;
                    }
                },
            }
        }
    }

    /// The line starting at `at`, when it ends with a line end and has no quote: checks its
    /// fields (found with one memchr pass over its delimiters), ends it and returns where the
    /// next line starts. `None` leaves the line to the field-by-field path.
    fn plain_line(&mut self, text: &str, at: usize) -> Option<usize> {
        let buf = &text.as_bytes()[at..];
        let nl = memchr::memchr(b'\n', buf)?;
        if memchr::memchr(b'"', &buf[..nl]).is_some() {
            return None;
        }
        let crlf = nl > 0 && buf[nl - 1] == b'\r';
        let line = &text[at..at + if crlf { nl - 1 } else { nl }];
        if memchr::memchr(b'\r', line.as_bytes()).is_some() {
            // A `\r` that does not end a line.
            self.plain = false;
            return Some(at + nl + 1);
        }
        if !line.is_empty() && self.records > 0 {
            let mut from = 0;
            for d in memchr::memchr_iter(self.delimiter, line.as_bytes()) {
                self.check_edges(&line[from..d]);
                from = d + 1;
            }
            self.check_edges(&line[from..]);
        }
        self.line_empty = line.is_empty();
        self.end_line(crlf);
        Some(at + nl + 1)
    }

    fn finish(&mut self) {
        match self.state {
            State::Unquoted | State::Closed if !self.line_empty => self.records += 1,
            State::Unquoted | State::Closed => {}
            // A file cut inside quotes.
            State::Quoted => self.plain = false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (plain, ragged, records) of a text fed in chunks that end at line ends, like `scan`;
    /// fed whole, it must give the same answer.
    fn shape_of(text: &str, delimiter: u8) -> (bool, bool, u64) {
        let run = |chunks: Vec<&str>| {
            let mut s = Shape::new(delimiter);
            for c in chunks {
                s.feed(c);
            }
            if s.plain {
                s.finish();
            }
            (s.plain, s.ragged, s.records)
        };
        let lines = run(text.split_inclusive('\n').collect());
        let whole = run(vec![text]);
        if lines.0 || whole.0 {
            assert_eq!(lines, whole, "{text:?}");
        }
        lines
    }

    fn shape(text: &str) -> (bool, bool, u64) {
        shape_of(text, b',')
    }

    #[test]
    fn plain_csv_and_its_records() {
        assert_eq!(shape("a,b\n1,2\n"), (true, false, 2));
        assert_eq!(shape("a,b\n1,2"), (true, false, 2));
        assert_eq!(shape("a,b\r\n1,2\r\n\r\n3,4\r\n"), (true, false, 3));
        assert_eq!(shape("a,b\n\n1,2\n\n"), (true, false, 2));
        assert_eq!(
            shape("\"a\",\"b\"\n\"x \"\"y\"\"\",\"1\n2\"\n"),
            (true, false, 2)
        );
        assert_eq!(
            shape("\"a\",\"b\"\r\n\"x\",\"1\r\n2\"\r\n"),
            (true, false, 2)
        );
        assert_eq!(shape("a,b\n\"\",\n"), (true, false, 2));
        assert_eq!(shape("a,b\n,\n"), (true, false, 2));
        assert_eq!(
            shape_of("\"a\";\"b\";\n\"1\";\"it''s\";\n", b';'),
            (true, false, 2)
        );
    }

    #[test]
    fn white_space_at_the_edges_of_a_value() {
        for text in [
            "a,b\n1, 2\n",
            "a,b\n1 ,2\n",
            "a,b\n1,2 \n",
            "a,b\r\n1,2 \r\n",
            "a,b\n1,\"2\t\"\n",
            "a,b\n1,\"\n2\"\n",
            "a,b\n1,\"2\n\"\n",
            "a,b\n1,\u{a0}2\n",
            "a,b\n1,2\u{3000}\n",
            "a,b\n1,  \n",
        ] {
            assert_eq!(shape(text), (true, true, 2), "{text:?}");
        }
        assert_eq!(shape("a,b\n1,\"x y\"\n"), (true, false, 2));
        assert_eq!(shape("a ,\" b\"\n1,2\n"), (true, false, 2));
        assert_eq!(shape("a,b\n1,¿é?\n"), (true, false, 2));
        assert_eq!(shape("a,b\n\"1\",José\n"), (true, false, 2));
        for text in [
            "x\u{85}",
            "\u{85}x",
            "\u{2028}x",
            "x\u{205f}",
            "\u{1680}x",
            "x\u{3000}",
        ] {
            assert!(has_edge_space(text), "{text:?}");
        }
        for text in ["xé", "éx", "¿x?", "“x”", "–x", "x\u{200b}", "", "x"] {
            assert!(!has_edge_space(text), "{text:?}");
        }
    }

    #[test]
    fn what_is_not_plain() {
        for text in [
            "a,b\n1,x\"y\n",
            "a,b\n1, \"y\"\n",
            "a,b\n1,\"y\" \n",
            "a,b\n1,\"y\"z\n",
            "a,b\r1,2\r",
            "a,b\n1,2\r\n",
            "a,b\n1\r2,3\n",
            "\na,b\n1,2\n",
            "a,b\n1,\"open\n",
            "a,b\n1,2\r",
        ] {
            assert!(!shape(text).0, "{text:?}");
        }
    }
}
