//! CSV tables as every reader of one takes them (the bulk events reader, `geocode
//! --batch` and `places.csv`'s, which also skips `#` comment lines): records read with CR
//! LF line ends as LF, each named by the physical line it starts on, and a row whose width
//! is not the header's a problem at its line. Every CSV reader checks its records here
//! ([`read_text`]): a quoted field that goes on after its closing quote is a bad row, and
//! so is a field that is not UTF-8 ([`not_utf8`] says what it holds).

use std::io::Read;
use std::path::Path;

use super::lines::{shown, CrLf};
use super::quotes::QuoteWatch;
use crate::error::{Error, Problem};

/// A CSV reader as the table readers build it ([`reader`]).
pub type Reader<R> = csv::Reader<QuoteWatch<CrLf<R>>>;

/// A CSV reader over `input` as the table readers build it: its quoting watched
/// ([`QuoteWatch`]: a quoted field the file ends in is an error on the line it opened, one
/// that goes on after its closing quote a bad row, [`read_text`]), CR LF and a lone CR
/// read as LF ([`CrLf`], so that lines are counted as a text editor counts them, by the
/// quote watch as by the CSV reader), rows of any width
/// (a wrong one is a problem on its line, [`row_width`], not the end of the file).
pub fn reader<R: Read>(input: R) -> Reader<R> {
    builder().from_reader(QuoteWatch::new(CrLf::new(input)))
}

/// A [`reader`] that skips the lines starting with `comment` (`places.csv`'s `#`), and
/// counts them as [`first_line`] counts blank lines.
pub fn reader_with_comments<R: Read>(input: R, comment: u8) -> Reader<R> {
    builder()
        .comment(Some(comment))
        .from_reader(QuoteWatch::with_comments(
            CrLf::with_comments(input, comment),
            comment,
        ))
}

fn builder() -> csv::ReaderBuilder {
    let mut b = csv::ReaderBuilder::new();
    b.flexible(true).buffer_capacity(1 << 20);
    b
}

/// The physical line where the record read at `position` starts: the csv crate gives a
/// record the line after the previous one, before the blank (and comment) lines it skipped.
pub fn first_line<R: Read>(reader: &mut Reader<R>, position: Option<&csv::Position>) -> u64 {
    let after_previous = position.map_or(1, csv::Position::line);
    after_previous + reader.get_mut().get_mut().skipped_lines_at(after_previous)
}

/// The error reading `path` stops at when `reader` cannot read a record (or its header):
/// [`unreadable`]'s error, or its problem as a syntax error on the record's line.
pub fn stop<R: Read>(path: &Path, reader: &mut Reader<R>, e: csv::Error) -> Error {
    match unreadable(path, reader, e) {
        Err(stop) => stop,
        Ok(p) => Error::Syntax {
            path: p.path,
            line: p.line,
            message: p.message,
        },
    }
}

/// What it comes to when `reader` cannot read a record (or its header) of `path`: the one
/// place where a [`csv::Error`] becomes a message, for every CSV reader. An I/O error stops
/// the reading (`Err`: a line over the cap, or a quoted field the file ends in, is worded
/// on its own line by [`Error::io`]); anything else is a problem on the line where the
/// record starts ([`first_line`]), in drillmap's words, not the csv crate's (which count
/// lines otherwise and show its types): the caller stops at it ([`stop`]) or skips the row.
pub fn unreadable<R: Read>(
    path: &Path,
    reader: &mut Reader<R>,
    e: csv::Error,
) -> Result<Problem, Error> {
    let line = usize::try_from(first_line(reader, e.position())).ok();
    let shown = e.to_string();
    let message = match e.into_kind() {
        csv::ErrorKind::Io(io) => return Err(Error::io(path, io)),
        // Not met by the table readers, which read bytes of any width; worded all the same.
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => width_message(expected_len, len),
        csv::ErrorKind::Utf8 { err, .. } => format!(
            "{} is not UTF-8 text: save the file as UTF-8",
            column(Some(&[]), err.field())
        ),
        csv::ErrorKind::Deserialize { err, .. } => err.to_string(),
        // Not met in reading (seeking, writing): the csv crate's words, which hold no line.
        _ => shown,
    };
    Ok(Problem::new(path, line, "", message))
}

/// What is wrong with a row of `found` fields in a table whose header has `width`.
fn width_message(width: impl std::fmt::Display, found: impl std::fmt::Display) -> String {
    format!("expected {width} columns as in the header, found {found}")
}

/// Whether `record` (starting on `line` of `path`) is a row of a table whose header has
/// `width` columns, or the problem naming both counts. A blank line is no record (the csv
/// crate skips it), so a record of one empty field is a line of `""`: a short row too.
pub fn row_width(
    path: &Path,
    line: u64,
    record: &csv::StringRecord,
    width: usize,
) -> Result<(), Problem> {
    if record.len() == width {
        return Ok(());
    }
    let text: Vec<&str> = record.iter().collect();
    Err(Problem::new(
        path,
        usize::try_from(line).ok(),
        text.join(","),
        width_message(width, record.len()),
    ))
}

/// A record read but not taken, for a problem on its line ([`BadRecord::problem`]).
#[derive(Debug)]
pub struct BadRecord {
    /// Where the record starts.
    pub position: Option<csv::Position>,
    /// The value shown (empty for none).
    pub value: String,
    /// What is wrong.
    pub message: String,
}

impl BadRecord {
    /// The problem, on the record's line of `path`.
    pub fn problem<R: Read>(self, path: &Path, reader: &mut Reader<R>) -> Problem {
        let line = first_line(reader, self.position.as_ref());
        Problem::new(path, usize::try_from(line).ok(), self.value, self.message)
    }
}

/// The next record of `reader`, read into `record` (whose buffers are reused from one
/// record to the next) and checked: the record, `None` at the end, or (the inner `Err`)
/// why it is not a row: a quoted field goes on after its closing quote (`"n2"x`, which the
/// csv crate reads as `n2x`: [`QuoteWatch`] noted it), or some field is not UTF-8
/// ([`not_utf8`], the check of the csv crate's `read_record`, which drops the bytes a
/// message would show). Fields are named by `header`.
pub fn read_text<'r, R: Read>(
    reader: &mut Reader<R>,
    record: &'r mut Option<csv::StringRecord>,
    header: &[String],
) -> csv::Result<Result<Option<&'r csv::StringRecord>, BadRecord>> {
    // Taken out of the slot, not `mem::take`n: an empty record allocates.
    let mut bytes = record
        .take()
        .map_or_else(csv::ByteRecord::new, csv::StringRecord::into_byte_record);
    let more = reader.read_byte_record(&mut bytes)?;
    if more && reader.get_ref().has_text_after_quote() {
        let first = first_line(reader, bytes.position());
        let last = first + memchr::memchr_iter(b'\n', bytes.as_slice()).count() as u64;
        let (first, last) = (
            usize::try_from(first).unwrap_or(usize::MAX),
            usize::try_from(last).unwrap_or(usize::MAX),
        );
        if let Some(q) = reader.get_mut().text_after_quote(first, last) {
            let bad = BadRecord {
                position: bytes.position().cloned(),
                value: String::from_utf8_lossy(&q.raw).into_owned(),
                message: format!(
                    "{} goes on after its closing quote: a quoted field ends with its quote \
                     and a comma or the end of the line (a quote inside it is written \"\")",
                    column(Some(header), q.field)
                ),
            };
            *record = csv::StringRecord::from_byte_record(bytes).ok();
            return Ok(Err(bad));
        }
    }
    match csv::StringRecord::from_byte_record(bytes) {
        Ok(text) => {
            let text = record.insert(text);
            Ok(Ok(more.then_some(&*text)))
        }
        Err(e) => {
            let bytes = e.into_byte_record();
            Ok(Err(BadRecord {
                position: bytes.position().cloned(),
                value: String::new(),
                message: not_utf8(&bytes, Some(header)),
            }))
        }
    }
}

/// Why a header that names a column twice is refused (which of the two cells a row's value
/// is would be a guess), or `None`: the one rule of every CSV read by its column names
/// (`build --events`, `drillmap tiles`, `geocode --batch`).
pub fn repeated_column(names: &[&str]) -> Option<String> {
    // A set, not each name against those before it: a header of 80,000 names took 10 s
    // (probe, session 27).
    let mut seen = std::collections::HashSet::with_capacity(names.len());
    names
        .iter()
        .find(|n| !n.is_empty() && !seen.insert(**n))
        .map(|n| format!("column {n:?} appears twice"))
}

/// The index in `header` of the column `name` in any case; two columns spelling it in
/// different cases are refused, naming both, as the `label` column (one would be dropped
/// without a word): the one rule of every header read by name in any case (`build
/// --events`' CSV columns and GeoJSONSeq properties, `geocode --batch`).
pub fn column_in_any_case(
    header: &[&str],
    name: &str,
    label: &str,
) -> Result<Option<usize>, String> {
    let mut found = header
        .iter()
        .enumerate()
        .filter(|(_, h)| h.eq_ignore_ascii_case(name));
    match (found.next(), found.next()) {
        (Some((_, first)), Some((_, second))) => Err(case_clash(first, second, label)),
        (first, _) => Ok(first.map(|(i, _)| i)),
    }
}

/// Why two names spelling one in different cases are refused as the `label` column.
pub fn case_clash(first: &str, second: &str, label: &str) -> String {
    format!(
        "{first:?} and {second:?} differ only in case and would both be the {label} column: \
         rename one"
    )
}

/// The header of `reader`, its names trimmed, and the line it is on; or what is wrong with
/// it: not UTF-8 ([`not_utf8`]), or separated by something else than commas
/// ([`separator_hint`]). Excel's first line `sep=,` is skipped (the header follows it).
pub fn header<R: Read>(reader: &mut Reader<R>) -> csv::Result<(u64, Result<Vec<String>, String>)> {
    let mut bytes = reader.byte_headers()?.clone();
    if bytes.len() == 2 && &bytes[0] == b"sep=" && bytes[1].is_empty() {
        // Records after the header are read as they come: this one is the header.
        reader.read_byte_record(&mut bytes)?;
    }
    // The header's physical line, after any blank lines before it (none in an empty file).
    let line = if bytes.is_empty() {
        1
    } else {
        first_line(reader, bytes.position())
    };
    let names = match csv::StringRecord::from_byte_record(bytes) {
        Ok(h) => separator_hint(&h)
            .map_or_else(|| Ok(h.iter().map(|s| s.trim().to_owned()).collect()), Err),
        Err(e) => Err(not_utf8(&e.into_byte_record(), None)),
    };
    Ok((line, names))
}

/// The separators a header may turn out to be separated by, as messages name them.
const SEPARATORS: [(char, &str); 3] = [(';', "';'"), ('\t', "tabs"), ('|', "'|'")];

/// Why `header` looks separated by something else than commas, which drillmap reads (the
/// quote check and the messages assume them): Excel's `sep=X` line, or a separator found in
/// its names at least as many times as there are names (`id;place;notes, more` is two
/// names holding three `;`). `None` for a header of commas.
pub fn separator_hint(header: &csv::StringRecord) -> Option<String> {
    let fix = "drillmap reads comma-separated CSV (save or export the file with commas)";
    if let Some(sep) = header.get(0).and_then(|h| h.strip_prefix("sep=")) {
        if header.len() == 1 && sep.chars().count() == 1 {
            let name = SEPARATORS
                .iter()
                .find(|(c, _)| sep.starts_with(*c))
                .map_or_else(|| format!("{sep:?}"), |(_, n)| (*n).to_owned());
            return Some(format!(
                "the first line {:?} is Excel's note that the file is separated by {name}: {fix}",
                format!("sep={sep}")
            ));
        }
    }
    let (_, name) = SEPARATORS.iter().find(|(c, _)| {
        let found: usize = header.iter().map(|h| h.matches(*c).count()).sum();
        found > 0 && found >= header.len()
    })?;
    let text: Vec<&str> = header.iter().collect();
    Some(format!(
        "the header {:?} looks separated by {name}, not commas: {fix}",
        shown(&text.join(",")),
    ))
}

/// What is wrong with `record`, some field of which is not UTF-8: the first such field by
/// its column's name in `header` (`None` for the header itself) and its 1-based place, its
/// bytes, the other such fields, and how to convert the file (the one message of every CSV
/// reader).
pub fn not_utf8(record: &csv::ByteRecord, header: Option<&[String]>) -> String {
    let name = |i: usize| column(header, i);
    let bad: Vec<usize> = (0..record.len())
        .filter(|&i| std::str::from_utf8(&record[i]).is_err())
        .collect();
    let Some((&first, others)) = bad.split_first() else {
        return "not UTF-8 text: save the file as UTF-8".into();
    };
    let field = &record[first];
    let mut m = format!("{} is not UTF-8 text: {}", name(first), escaped(field));
    if !others.is_empty() {
        let others: Vec<String> = others.iter().map(|&i| name(i)).collect();
        m.push_str(&format!(" (so is {})", others.join(", ")));
    }
    m.push_str("; ");
    m.push_str(&encoding_hint(field));
    m
}

/// Field `i` (0-based) as messages name it: by its column's name in `header` (`None`
/// for the header itself) and its 1-based place.
fn column(header: Option<&[String]>, i: usize) -> String {
    match (header, header.and_then(|h| h.get(i))) {
        (_, Some(n)) => format!("column {n:?} (field {})", i + 1),
        (None, _) => format!("field {} of the header", i + 1),
        (Some(_), None) => format!("field {}", i + 1),
    }
}

/// Most bytes of a field [`not_utf8`] shows.
const SHOWN_BYTES: usize = 24;

/// `bytes` as a quoted string, printable ASCII as it is, any other byte as `\xNN`.
fn escaped(bytes: &[u8]) -> String {
    let mut s = String::from("\"");
    for &b in bytes.iter().take(SHOWN_BYTES) {
        match b {
            b'"' | b'\\' => {
                s.push('\\');
                s.push(char::from(b));
            }
            0x20..=0x7e => s.push(char::from(b)),
            _ => s.push_str(&format!("\\x{b:02X}")),
        }
    }
    if bytes.len() > SHOWN_BYTES {
        s.push('…');
    }
    s.push('"');
    s
}

/// How to make UTF-8 of text that starts as `start` does, when that is UTF-32 or UTF-16:
/// by its byte-order mark or, without one, by the NULs of its first characters: two in
/// every four bytes at the same place, a character's high bytes in UTF-32 (at whichever
/// byte `start` begins: a field of a table may begin inside a character), or one in every
/// other byte, as ASCII text in UTF-16 has. `None` for anything else (a PDF or an image
/// holds NULs too, and is no text to convert).
pub(crate) fn wide_encoding_hint(start: &[u8]) -> Option<String> {
    if start.starts_with(&[0xFF, 0xFE, 0, 0]) || start.starts_with(&[0, 0, 0xFE, 0xFF]) {
        return Some(convert_from("UTF-32"));
    }
    if start.starts_with(&[0xFF, 0xFE]) || start.starts_with(&[0xFE, 0xFF]) {
        return Some(convert_from("UTF-16"));
    }
    // Little-endian from byte `at`, big-endian from two bytes further on.
    let utf32 = (0..4).any(|at| {
        let from = start.get(at..).unwrap_or_default();
        let units: Vec<&[u8]> = from.chunks_exact(4).take(16).collect();
        units.len() >= 4 && units.iter().all(|u| u[2..] == [0, 0] && u[..2] != [0, 0])
    });
    if utf32 {
        return Some(convert_from("UTF-32"));
    }
    let pairs: Vec<&[u8]> = start.chunks_exact(2).take(16).collect();
    let nul_in = |i: usize| pairs.len() >= 4 && pairs.iter().all(|p| p[i] == 0 && p[1 - i] != 0);
    (nul_in(0) || nul_in(1)).then(|| convert_from("UTF-16"))
}

/// How to make UTF-8 of text in `encoding` (`UTF-16`, `UTF-32`): the one wording of every
/// such hint.
fn convert_from(encoding: &str) -> String {
    format!(
        "it looks like {encoding}: save the file as UTF-8, or convert it with \
         `iconv -f {} -t utf-8`",
        encoding.to_lowercase()
    )
}

/// The Cyrillic letter byte `b` is in Windows-1251: А to я (0xC0 to 0xFF), and the letters
/// of the code page's upper half that Russian does not use but Belarusian, Ukrainian,
/// Serbian and Macedonian do (і ї є ґ ў ј љ њ ћ ђ џ ѓ ќ ѕ and their capitals), and Ё ё.
/// `None` for every other byte (ASCII, punctuation, signs).
fn cp1251_letter(b: u8) -> Option<char> {
    let c = match b {
        0xC0.. => return char::from_u32(0x0410 + u32::from(b - 0xC0)),
        0x80 => 'Ђ',
        0x81 => 'Ѓ',
        0x83 => 'ѓ',
        0x8A => 'Љ',
        0x8C => 'Њ',
        0x8D => 'Ќ',
        0x8E => 'Ћ',
        0x8F => 'Џ',
        0x90 => 'ђ',
        0x9A => 'љ',
        0x9C => 'њ',
        0x9D => 'ќ',
        0x9E => 'ћ',
        0x9F => 'џ',
        0xA1 => 'Ў',
        0xA2 => 'ў',
        0xA3 => 'Ј',
        0xA5 => 'Ґ',
        0xA8 => 'Ё',
        0xAA => 'Є',
        0xAF => 'Ї',
        0xB2 => 'І',
        0xB3 => 'і',
        0xB4 => 'ґ',
        0xB8 => 'ё',
        0xBA => 'є',
        0xBC => 'ј',
        0xBD => 'Ѕ',
        0xBE => 'ѕ',
        0xBF => 'ї',
        _ => return None,
    };
    Some(c)
}

/// The character byte `b` is in Windows-1251 when it is a Cyrillic letter
/// ([`cp1251_letter`]) or a sign Russian text carries (dashes, quotes, `№`, `…`, a
/// no-break space, `°`): a Cyrillic line with an en dash is still Windows-1251 (probe,
/// session 39). `None` for every other byte past ASCII.
fn cp1251_char(b: u8) -> Option<char> {
    let c = match b {
        0x84 => '„',
        0x85 => '…',
        0x91 => '‘',
        0x92 => '’',
        0x93 => '“',
        0x94 => '”',
        0x95 => '•',
        0x96 => '–',
        0x97 => '—',
        0xA0 => '\u{a0}',
        0xA7 => '§',
        0xAB => '«',
        0xB0 => '°',
        0xB1 => '±',
        0xB9 => '№',
        0xBB => '»',
        _ => return cp1251_letter(b),
    };
    Some(c)
}

/// How to make text UTF-8 whose `field` is not: from UTF-32 or UTF-16 (a byte order mark
/// or NULs), from Windows-1251 (every byte past ASCII a Cyrillic letter or a sign there
/// ([`cp1251_char`]), two letters in a row somewhere: the text as it reads then is shown),
/// or from another code page.
pub(crate) fn encoding_hint(field: &[u8]) -> String {
    if let Some(hint) = wide_encoding_hint(field) {
        return hint;
    }
    // A field of a text table with NULs too short for the patterns above is wide text all
    // the same: UTF-32 when three NULs stand in a row (a character below U+0100 has them,
    // UTF-16 text never does), UTF-16 otherwise.
    if field.contains(&0) {
        let utf32 = field.windows(3).any(|w| w == [0, 0, 0]);
        return convert_from(if utf32 { "UTF-32" } else { "UTF-16" });
    }
    let high = |b: &u8| *b >= 0x80;
    let letter = |b: &u8| cp1251_letter(*b).is_some();
    if field
        .iter()
        .filter(|b| high(b))
        .all(|&b| cp1251_char(b).is_some())
        && field.windows(2).any(|w| letter(&w[0]) && letter(&w[1]))
    {
        let text: String = field
            .iter()
            .take(SHOWN_BYTES)
            .map(|&b| cp1251_char(b).unwrap_or(char::from(b)))
            .collect();
        return format!(
            "read as Windows-1251 (Cyrillic) it is {text:?}: save the file as UTF-8, or \
             convert it with `iconv -f cp1251 -t utf-8`"
        );
    }
    "save the file as UTF-8 (text in another code page converts with \
     `iconv -f CODEPAGE -t utf-8`, e.g. cp1252 for Western European text)"
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_column_named_twice_is_named() {
        assert_eq!(repeated_column(&["a", "", "b", ""]), None);
        assert_eq!(
            repeated_column(&["a", "b", "c", "b", "a"]).as_deref(),
            Some("column \"b\" appears twice")
        );
        assert_eq!(repeated_column(&["a", "A"]), None);
    }

    /// Every record's physical line, CRLF or LF, with blank lines and quoted line ends.
    fn lines(text: &str) -> Vec<u64> {
        let mut r = reader(text.as_bytes());
        let mut record = csv::StringRecord::new();
        let mut out = Vec::new();
        while r.read_record(&mut record).unwrap() {
            out.push(first_line(&mut r, record.position()));
        }
        out
    }

    /// Probe 8 #3: `geocode --batch` counted a CRLF file's lines one too early.
    #[test]
    fn records_are_named_by_their_physical_line() {
        for eol in ["\n", "\r\n"] {
            let text = "name\n\na\n\"b\nc\"\nd\n".replace('\n', eol);
            assert_eq!(lines(&text), [3, 4, 6], "{eol:?}");
        }
    }

    /// Probe finding (session 15): a quoted field going on after its closing quote was
    /// read as one value (`"n2"x` as `n2x`); it is a bad row naming the line, the column
    /// and the field as written, and the rows after it are read.
    #[test]
    fn a_quoted_field_that_goes_on_after_its_quote_is_a_bad_row() {
        let header: Vec<String> = ["id", "name"].map(String::from).to_vec();
        let text = "id,name\r\n1,\"n1\"\r\n\r\n2,\"n2\"x\r\n3,\"n\"\"3\"\"\"\r\n";
        let mut r = reader(text.as_bytes());
        header_of_reader(&mut r);
        let mut slot = None;
        let mut got = Vec::new();
        loop {
            match read_text(&mut r, &mut slot, &header).unwrap() {
                Ok(Some(row)) => got.push(row.iter().collect::<Vec<_>>().join("|")),
                Ok(None) => break,
                Err(bad) => got.push(bad.problem(Path::new("t.csv"), &mut r).to_string()),
            }
        }
        assert_eq!(
            got,
            [
                "1|n1".to_owned(),
                "t.csv:4: \"\\\"n2\\\"x\": column \"name\" (field 2) goes on after its closing \
                 quote: a quoted field ends with its quote and a comma or the end of the line \
                 (a quote inside it is written \"\")"
                    .to_owned(),
                "3|n\"3\"".to_owned(),
            ]
        );
    }

    /// Review finding (session 20): the bulk reader worded a csv error by its Debug form
    /// (`unreadable CSV row: UnequalLengths { .. }`) and `places.csv`'s header by the csv
    /// crate's text with its own line (`places.csv:2: line 2: the quoted field ...`). One
    /// function words every one, on the line where its record starts.
    #[test]
    fn a_csv_error_is_worded_once_on_the_line_its_record_starts() {
        let said = |text: &'static [u8]| {
            // A strict reader (not the tables' own) meets the kinds they never do.
            let mut r = csv::ReaderBuilder::new().from_reader(QuoteWatch::new(CrLf::new(text)));
            let mut row = csv::StringRecord::new();
            let e = loop {
                match r.read_record(&mut row) {
                    Err(e) => break e,
                    Ok(more) => assert!(more, "no error"),
                }
            };
            stop(Path::new("t.csv"), &mut r, e).to_string()
        };
        assert_eq!(
            said(b"a,b\r\n\r\n1,2,3\r\n"),
            "t.csv:3: expected 2 columns as in the header, found 3"
        );
        assert_eq!(
            said(b"a,b\n1,2\n\n1,\xff\n"),
            "t.csv:4: field 2 is not UTF-8 text: save the file as UTF-8"
        );
        let mut r = reader_with_comments(&b"# note\nid,\"name\n"[..], b'#');
        let e = header(&mut r).unwrap_err();
        assert_eq!(
            stop(Path::new("t.csv"), &mut r, e).to_string(),
            "t.csv:2: the quoted field starting \"name\\n\" is never closed: the file ends \
             inside it (is it cut short?)"
        );
        // A row the caller may skip; an I/O error stops the reading.
        let mut r = reader(&b"a\n\"x\n"[..]);
        let e = r.records().next().unwrap().unwrap_err();
        assert!(matches!(
            unreadable(Path::new("t.csv"), &mut r, e),
            Err(Error::Syntax { line: Some(2), .. })
        ));
    }

    fn header_of_reader<R: Read>(r: &mut Reader<R>) {
        assert!(header(r).unwrap().1.is_ok());
    }

    #[test]
    fn a_row_of_another_width_is_a_problem_at_its_line() {
        let row = csv::StringRecord::from(vec!["a", "b", "c"]);
        let p = row_width(Path::new("t.csv"), 3, &row, 2).unwrap_err();
        assert_eq!(
            p.to_string(),
            "t.csv:3: \"a,b,c\": expected 2 columns as in the header, found 3"
        );
        assert_eq!(row_width(Path::new("t.csv"), 3, &row, 3), Ok(()));
    }

    /// Independent probe: a line of `""` (one empty quoted field) was skipped as a blank
    /// line, where any other short row is a bad row. Blank lines are still skipped.
    #[test]
    fn a_line_of_an_empty_quoted_field_is_a_short_row_and_a_blank_line_none() {
        let mut r = reader(&b"id,name\n\n\"\"\n\r\na,b\n"[..]);
        header_of_reader(&mut r);
        let (mut record, mut found) = (csv::StringRecord::new(), Vec::new());
        while r.read_record(&mut record).unwrap() {
            let line = first_line(&mut r, record.position());
            let width = row_width(Path::new("t.csv"), line, &record, 2);
            found.push(width.map_err(|p| p.to_string()));
        }
        assert_eq!(
            found,
            [
                Err("t.csv:3: expected 2 columns as in the header, found 1".to_owned()),
                Ok(())
            ]
        );
    }

    fn header_of(text: &str) -> (u64, Result<Vec<String>, String>) {
        header(&mut reader(text.as_bytes())).unwrap()
    }

    /// Probe 8 #10: Excel's `sep=,` line was read as the header ("no id column"), and a
    /// `;` header with a comma in a name was not told it is `;`-separated.
    #[test]
    fn excel_separator_lines_and_other_separators() {
        let (line, names) = header_of("sep=,\r\nid,place\r\na,b\r\n");
        assert_eq!(
            (line, names),
            (2, Ok(vec!["id".to_owned(), "place".to_owned()]))
        );
        let mut r = reader(&b"\xEF\xBB\xBFsep=,\nid,place\na,b\n"[..]);
        assert_eq!(header(&mut r).unwrap().0, 2);
        let mut row = csv::StringRecord::new();
        assert!(r.read_record(&mut row).unwrap());
        assert_eq!((&row[0], first_line(&mut r, row.position())), ("a", 3));
        for (text, says) in [
            (
                "sep=;\nid;place\n",
                "the first line \"sep=;\" is Excel's note that the file is separated by ';'",
            ),
            ("sep=\t\nid\tplace\n", "separated by tabs"),
            (
                "id;place;country;notes, more\n",
                "the header \"id;place;country;notes, more\" looks separated by ';', not commas",
            ),
            ("id;place\n", "looks separated by ';'"),
            ("name\tcountry\n", "looks separated by tabs"),
        ] {
            let m = header_of(text).1.unwrap_err();
            assert!(
                m.contains(says) && m.ends_with("(save or export the file with commas)"),
                "{text:?}: {m}"
            );
        }
        // A name with a `;` in a header of commas is a name; an empty file has no header.
        assert!(header_of("id,name;alias,country\n").1.is_ok());
        assert_eq!(header_of(""), (1, Ok(vec![])));
    }

    /// Probe 8 #7: a Windows-1251 field was "not UTF-8 text (field 3)", or the csv
    /// crate's text with a 0-based field; it is named, shown, and the fix suggested.
    #[test]
    fn a_field_that_is_not_utf8_is_named_shown_and_its_encoding_guessed() {
        let header: Vec<String> = ["id", "location", "notes"].map(String::from).to_vec();
        let mut row = csv::ByteRecord::new();
        row.push_field(b"A1");
        row.push_field(b"\xD2\xE5\xF0\xEC\xE5\xE7");
        row.push_field(b"\xD3\xF7");
        assert_eq!(
            not_utf8(&row, Some(&header)),
            "column \"location\" (field 2) is not UTF-8 text: \"\\xD2\\xE5\\xF0\\xEC\\xE5\\xE7\" \
             (so is column \"notes\" (field 3)); read as Windows-1251 (Cyrillic) it is \
             \"Термез\": save the file as UTF-8, or convert it with `iconv -f cp1251 -t utf-8`"
        );
        let latin = csv::ByteRecord::from(vec![&b"D\xFCsseldorf"[..]]);
        let m = not_utf8(&latin, None);
        assert!(
            m.starts_with("field 1 of the header is not UTF-8 text: \"D\\xFCsseldorf\""),
            "{m}"
        );
        assert!(m.contains("cp1252"), "{m}");
        let utf16 = csv::ByteRecord::from(vec![&b"\xFF\xFEi\0d\0"[..]]);
        assert!(not_utf8(&utf16, None).contains("UTF-16"));
    }

    /// Probe (session 39): a Belarusian or Serbian name in Windows-1251 (`Мінск`, і = 0xB3;
    /// `Србија`, ј = 0xBC) got the cp1252 advice, the bytes of letters Russian does not use
    /// not being counted as Cyrillic. Every Cyrillic letter of the code page is, checked
    /// against the code page's own table (iconv's, here written out).
    #[test]
    fn a_cp1251_field_of_letters_russian_does_not_use_reads_as_cyrillic() {
        for (bytes, text) in [
            (&b"\xCC\xB3\xED\xF1\xEA"[..], "Мінск"),
            (b"\xD1\xF0\xE1\xE8\xBC\xE0", "Србија"),
            (b"\xAF\xE6\xE0\xEA", "Їжак"),
            (b"\xA1\xEB\xE0\xE4\xE7\xB3\xEC\xA2", "Ўладзімў"),
            (
                b"\x80\x90\x8A\x9A\x8C\x9C\x8E\x9E\x8F\x9F\xA3\xBC\xA5\xB4\xAA\xBA\xB2\xB3\x81\x83\x8D\x9D\xBD\xBE",
                "ЂђЉљЊњЋћЏџЈјҐґЄєІіЃѓЌќЅѕ",
            ),
        ] {
            let hint = encoding_hint(bytes);
            assert_eq!(
                hint,
                format!(
                    "read as Windows-1251 (Cyrillic) it is {text:?}: save the file as UTF-8, \
                     or convert it with `iconv -f cp1251 -t utf-8`"
                )
            );
        }
        // Signs Russian text carries beside its letters (probe, session 39: a line with an
        // en dash got the cp1252 advice).
        let signs = b"\xD2\xE5\xF0\xEC\xE5\xE7 \x96 \xAB\xF3\xF7\xE5\xED\xE8\xFF\xBB \xB9 5";
        assert!(
            encoding_hint(signs).contains("it is \"Термез – «учения» № 5\""),
            "{}",
            encoding_hint(signs)
        );
        // Signs alone are no Cyrillic text.
        assert!(encoding_hint(b"a \x96 b \xAB\xBB").contains("cp1252"));
        // Western European text is still told of code pages in general.
        assert!(encoding_hint(b"D\xFCsseldorf").contains("cp1252"));
        assert!(encoding_hint(b"\xA9 2020 \xB0C").contains("cp1252"));
    }

    /// Independent probe: a field of a UTF-32 table without a byte-order mark was said to
    /// be UTF-16, by a second wording of the hint. Fields as a UTF-32 file's are split at
    /// its commas (the NULs of a comma's character fall into the field beside it), long and
    /// short, either byte order; UTF-16 ones are still UTF-16.
    #[test]
    fn a_field_of_utf32_without_a_byte_order_mark_is_told_from_utf16() {
        let text = "Düsseldorf,Ürgüp,ü,Термез";
        // The hints of the fields of `text` in a wide encoding that are not UTF-8.
        let hints = |bytes: Vec<u8>| -> Vec<String> {
            let mut r = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(&bytes[..]);
            let record = r.byte_records().next().unwrap().unwrap();
            let fields = record.iter().filter(|f| std::str::from_utf8(f).is_err());
            fields.map(encoding_hint).collect()
        };
        let utf32 = "`iconv -f utf-32 -t utf-8`";
        let le = hints(
            text.chars()
                .flat_map(|c| u32::from(c).to_le_bytes())
                .collect(),
        );
        let be = hints(
            text.chars()
                .flat_map(|c| u32::from(c).to_be_bytes())
                .collect(),
        );
        assert_eq!((le.len(), be.len()), (3, 3));
        for hint in le.iter().chain(&be) {
            assert!(hint.contains(utf32), "{hint}");
        }
        let le = hints(text.encode_utf16().flat_map(u16::to_le_bytes).collect());
        let be = hints(text.encode_utf16().flat_map(u16::to_be_bytes).collect());
        assert_eq!((le.len(), be.len()), (3, 3));
        for hint in le.iter().chain(&be) {
            assert!(hint.contains("`iconv -f utf-16 -t utf-8`"), "{hint}");
        }
        // The file's start, as an article's is read; binary NULs are no text.
        let start: Vec<u8> = "Dushanbe"
            .chars()
            .flat_map(|c| u32::from(c).to_be_bytes())
            .collect();
        assert!(wide_encoding_hint(&start).is_some_and(|h| h.contains(utf32)));
        assert_eq!(
            wide_encoding_hint(b"%PDF\0\0\0\0\0\0\0\0\0\0\0\0\0\0"),
            None
        );
    }
}
