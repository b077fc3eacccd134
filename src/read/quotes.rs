//! CSV quoted fields left open at the end of the input: the csv crate takes a field whose
//! closing quote never comes as running to the end of the file and keeps the cut value,
//! so a truncated CSV would read as whole. [`QuoteWatch`] follows the quoting of the bytes
//! the csv reader reads (the csv crate's own rule: a quote opens a quoted field only at the
//! start of a field, `""` inside one is a quote) and fails the read at the end of the input
//! when a quoted field is still open, with an [`UnclosedQuote`] naming where it opened.
//!
//! It also notes each quoted field that goes on after its closing quote (`"n2"x`, which
//! the csv crate reads as `n2x` without a word): a [`TextAfterQuote`], which the table
//! readers ask for after each record ([`QuoteWatch::text_after_quote`]) and report as a
//! bad row (`read::table::read_text`).

use std::fmt;
use std::io::{self, Read};
use std::path::Path;

use crate::error::Error;

/// Most characters of the open field's start a message quotes.
const SHOWN: usize = 40;

/// A quoted field still open at the end of the input: the error a [`QuoteWatch`] read
/// returns, carried inside an [`io::Error`] and turned into an [`Error::Syntax`] on the
/// field's first line by [`Error::io`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnclosedQuote {
    /// The 1-based line the field opened on.
    pub line: usize,
    /// The start of its value.
    pub start: String,
}

impl fmt::Display for UnclosedQuote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message())
    }
}

impl std::error::Error for UnclosedQuote {}

impl UnclosedQuote {
    /// The one an I/O error carries, if any.
    pub fn of(e: &io::Error) -> Option<&UnclosedQuote> {
        e.get_ref()?.downcast_ref::<UnclosedQuote>()
    }

    fn message(&self) -> String {
        format!(
            "the quoted field starting {:?} is never closed: the file ends inside it (is it cut short?)",
            self.start
        )
    }

    /// As the syntax error on its line of `path`.
    pub fn to_error(&self, path: &Path) -> Error {
        Error::Syntax {
            path: path.into(),
            line: Some(self.line),
            message: self.message(),
        }
    }
}

/// `bytes` without a character cut at its end.
fn whole_chars(bytes: &[u8]) -> &[u8] {
    match std::str::from_utf8(bytes) {
        Err(e) if e.error_len().is_none() => bytes.get(..e.valid_up_to()).unwrap_or(bytes),
        _ => bytes,
    }
}

/// A record longer than the line cap ([`super::lines::MAX_LINE`]) because its quoted fields
/// hold line ends: each of its lines is under the cap, the record is not, and the CSV
/// reader would hold it whole. The error a [`QuoteWatch`] read returns, carried inside an
/// [`io::Error`] and turned into an [`Error::Syntax`] by [`Error::io`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordTooLong {
    /// The 1-based line a quoted field of the record opened on (the last one before the
    /// cap was passed).
    pub line: usize,
    /// The cap, bytes.
    pub max: usize,
}

impl fmt::Display for RecordTooLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message())
    }
}

impl std::error::Error for RecordTooLong {}

impl RecordTooLong {
    /// The one an I/O error carries, if any.
    pub fn of(e: &io::Error) -> Option<RecordTooLong> {
        e.get_ref()?.downcast_ref::<RecordTooLong>().copied()
    }

    fn message(&self) -> String {
        format!(
            "the record with the quoted field opened here runs over lines to more than {} \
             bytes: refused as input (is a quote left open?)",
            self.max
        )
    }

    /// As the syntax error on its line of `path`.
    pub fn to_error(&self, path: &Path) -> Error {
        Error::Syntax {
            path: path.into(),
            line: Some(self.line),
            message: self.message(),
        }
    }
}

/// A quoted field that goes on after its closing quote (a quote inside one is written
/// `""`): where it is and its text as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextAfterQuote {
    /// The 1-based line the field opened on.
    pub line: usize,
    /// The field's 0-based place in its record.
    pub field: usize,
    /// The field as written (its first bytes).
    pub raw: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Outside a quoted field, the last byte ended a line (or nothing was read yet).
    LineStart,
    /// Inside a comment line.
    Comment,
    /// Outside a quoted field, the last byte ended a field.
    FieldStart,
    /// Outside a quoted field, inside an unquoted one.
    Unquoted,
    /// Inside a quoted field.
    Quoted,
    /// Inside a quoted field, just after a quote: `"` goes on quoted, anything else ends it.
    QuoteInQuoted,
}

/// A reader that follows the CSV quoting of what passes through it and fails, with an
/// [`UnclosedQuote`], at the end of the input if a quoted field is still open.
#[derive(Debug)]
pub struct QuoteWatch<R> {
    inner: R,
    state: State,
    /// Bytes read so far (to skip a byte order mark at the start).
    offset: u64,
    /// Lines before the current chunk's counted part, 1-based.
    line: usize,
    /// Where the open quoted field started: its line and the first bytes of its value.
    open_line: usize,
    open_start: Vec<u8>,
    /// The byte a comment line starts with, if the CSV reader skips comments.
    comment: Option<u8>,
    /// The field being read, 0-based, once the bytes up to the last event are counted.
    field: usize,
    /// Fields that go on after their closing quote, not yet asked about; whether the
    /// last one's text is still being read.
    after_quote: std::collections::VecDeque<TextAfterQuote>,
    capturing: bool,
    /// Where the record being read starts (a byte offset of the input), as far as the
    /// watch has looked for line ends outside quotes, and the most one may hold.
    record_from: u64,
    max_record: usize,
    /// A record passed `max_record` ([`RecordTooLong`]): the read fails.
    too_long: Option<RecordTooLong>,
}

impl<R: Read> QuoteWatch<R> {
    /// Watch the quoting of `inner`.
    pub fn new(inner: R) -> Self {
        QuoteWatch {
            inner,
            state: State::LineStart,
            offset: 0,
            line: 1,
            open_line: 0,
            open_start: Vec::new(),
            comment: None,
            field: 0,
            after_quote: std::collections::VecDeque::new(),
            capturing: false,
            record_from: 0,
            max_record: super::lines::MAX_LINE,
            too_long: None,
        }
    }

    /// Cap records at `max` bytes ([`RecordTooLong`]) rather than the line cap.
    #[cfg(test)]
    fn with_max_record(inner: R, max: usize) -> Self {
        QuoteWatch {
            max_record: max,
            ..QuoteWatch::new(inner)
        }
    }

    /// Watch the quoting of `inner`, whose lines starting with `comment` the CSV reader
    /// skips (quotes in them are text).
    pub fn with_comments(inner: R, comment: u8) -> Self {
        QuoteWatch {
            comment: Some(comment),
            ..QuoteWatch::new(inner)
        }
    }
}

impl<R> QuoteWatch<R> {
    /// The reader watched.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// Whether a field that goes on after its closing quote was read and not asked about.
    pub fn has_text_after_quote(&self) -> bool {
        !self.after_quote.is_empty()
    }

    /// The first field that goes on after its closing quote in the record on lines
    /// `first..=last`: those noted before `last` are forgotten (asked record by record).
    pub fn text_after_quote(&mut self, first: usize, last: usize) -> Option<TextAfterQuote> {
        let mut found = None;
        while self.after_quote.front().is_some_and(|q| q.line <= last) {
            let q = self.after_quote.pop_front()?;
            if q.line >= first && found.is_none() {
                found = Some(q);
            }
        }
        found
    }

    /// Note that the record being read reaches byte `at` of the input: past the cap, the
    /// read fails ([`RecordTooLong`]).
    fn reach(&mut self, at: u64) -> bool {
        if at.saturating_sub(self.record_from) > self.max_record as u64 {
            self.too_long = Some(RecordTooLong {
                line: self.open_line.max(1),
                max: self.max_record,
            });
            return false;
        }
        true
    }

    /// The unquoted bytes `buf[from..to]` were read: a line end among them ends the record
    /// being read (which [`Self::reach`]es it: its last piece, after its last quoted field,
    /// counts too) and the last one starts the next. Whether there was one.
    fn end_lines(&mut self, buf: &[u8], from: usize, to: usize) -> bool {
        let span = &buf[from..to];
        let Some(first) = memchr::memchr(b'\n', span) else {
            return false;
        };
        if self.reach(self.offset + (from + first) as u64) {
            let last = memchr::memrchr(b'\n', span).unwrap_or(first);
            self.record_from = self.offset + (from + last + 1) as u64;
        }
        true
    }

    /// Count the fields of the unquoted bytes `span`: a line end starts the count again.
    fn count_fields(&mut self, span: &[u8]) {
        let commas = |s: &[u8]| memchr::memchr_iter(b',', s).count();
        match memchr::memrchr(b'\n', span) {
            Some(nl) => self.field = commas(&span[nl + 1..]),
            None => self.field += commas(span),
        }
    }
}

impl<R: Read> QuoteWatch<R> {
    fn follow(&mut self, buf: &[u8]) {
        let mut i = 0;
        // A byte order mark before the first field is not part of it (the csv crate skips it).
        let offset = usize::try_from(self.offset).unwrap_or(usize::MAX);
        while i < buf.len() && super::lines::BOM.get(offset.saturating_add(i)) == Some(&buf[i]) {
            i += 1;
        }
        let mut counted = i;
        // Unquoted bytes from here on are not counted into `field` yet.
        let mut fields_from = i;
        // The text after a closing quote is captured up to here (once).
        let mut captured = i;
        while i < buf.len() {
            match self.state {
                State::LineStart if self.comment == Some(buf[i]) => {
                    self.state = State::Comment;
                    i += 1;
                }
                State::Comment => {
                    i = memchr::memchr(b'\n', &buf[i..]).map_or(buf.len(), |n| {
                        self.state = State::LineStart;
                        // A comment line is no record's.
                        self.record_from = self.offset + (i + n + 1) as u64;
                        i + n + 1
                    });
                    (self.field, fields_from) = (0, i);
                }
                State::LineStart | State::FieldStart | State::Unquoted => {
                    if self.capturing && i >= captured {
                        let end = memchr::memchr3(b',', b'\n', b'\r', &buf[i..])
                            .map_or(buf.len(), |n| i + n);
                        if let Some(q) = self.after_quote.back_mut() {
                            let room = (SHOWN * 4).saturating_sub(q.raw.len());
                            let kept = end.min(i.saturating_add(room));
                            if kept < end && room > 0 {
                                // Cut on a character, and said to be cut (probe, session 27).
                                q.raw.extend_from_slice(whole_chars(&buf[i..kept]));
                                q.raw.extend_from_slice("…".as_bytes());
                            } else {
                                q.raw.extend_from_slice(&buf[i..kept]);
                            }
                        }
                        self.capturing = end == buf.len();
                        captured = end;
                    }
                    // Only a quote opens anything (and, where comments are, a line end
                    // starts a line that may be one); a delimiter or line end before it
                    // decides whether it starts a field.
                    let found = if self.comment.is_some() {
                        memchr::memchr2(b'"', b'\n', &buf[i..])
                    } else {
                        memchr::memchr(b'"', &buf[i..])
                    };
                    let Some(q) = found else {
                        if let Some(&last) = buf.last() {
                            self.state = after(self.state, last);
                        }
                        // The record ends at a line end here, or goes on to the end.
                        if !self.end_lines(buf, i, buf.len()) {
                            self.reach(self.offset + buf.len() as u64);
                        }
                        break;
                    };
                    let at = i + q;
                    if buf[at] == b'\n' {
                        self.state = State::LineStart;
                        self.end_lines(buf, i, at + 1);
                        if self.too_long.is_some() {
                            break;
                        }
                        i = at + 1;
                        continue;
                    }
                    self.end_lines(buf, i, at);
                    if self.too_long.is_some() || !self.reach(self.offset + at as u64) {
                        break;
                    }
                    let before = if at > i {
                        after(self.state, buf[at - 1])
                    } else {
                        self.state
                    };
                    if before == State::FieldStart || before == State::LineStart {
                        self.line += memchr::memchr_iter(b'\n', &buf[counted..at]).count();
                        counted = at;
                        self.count_fields(&buf[fields_from..at]);
                        fields_from = at;
                        self.open_line = self.line;
                        self.open_start.clear();
                        self.state = State::Quoted;
                    } else {
                        self.state = State::Unquoted;
                    }
                    i = at + 1;
                }
                State::Quoted => {
                    let end = memchr::memchr(b'"', &buf[i..]).map_or(buf.len(), |q| i + q);
                    // Up to its closing quote, which counts (the last byte of a file that
                    // ends with it is the record's).
                    let upto = (end + 1).min(buf.len());
                    if !self.reach(self.offset + upto as u64) {
                        break;
                    }
                    let room = SHOWN * 4 - self.open_start.len().min(SHOWN * 4);
                    self.open_start
                        .extend_from_slice(&buf[i..end.min(i.saturating_add(room))]);
                    if end < buf.len() {
                        self.state = State::QuoteInQuoted;
                    }
                    i = end + 1;
                }
                State::QuoteInQuoted => {
                    fields_from = i;
                    match buf[i] {
                        b'"' => {
                            if self.open_start.len() < SHOWN * 4 {
                                self.open_start.push(b'"');
                            }
                            self.state = State::Quoted;
                            i += 1;
                        }
                        b',' | b'\n' | b'\r' => {
                            self.state = after(State::Unquoted, buf[i]);
                            self.end_lines(buf, i, i + 1);
                            if self.too_long.is_some() {
                                break;
                            }
                            i += 1;
                        }
                        _ => {
                            // Text after the closing quote: noted, and read on as the csv
                            // crate does (the byte is part of the field).
                            // The field's start, and the text after its quote: a long
                            // field's first half of what is shown, cut on a character
                            // and said to be cut, so the text after the quote shows.
                            let full = self.open_start.len() >= SHOWN * 4;
                            let start = if full {
                                whole_chars(&self.open_start[..SHOWN * 2])
                            } else {
                                &self.open_start[..]
                            };
                            let mut raw = vec![b'"'];
                            for &b in start {
                                if b == b'"' {
                                    raw.push(b'"');
                                }
                                raw.push(b);
                            }
                            if full {
                                raw.extend_from_slice("…".as_bytes());
                            }
                            raw.push(b'"');
                            self.after_quote.push_back(TextAfterQuote {
                                line: self.open_line,
                                field: self.field,
                                raw,
                            });
                            (self.state, self.capturing, captured) = (State::Unquoted, true, i);
                        }
                    }
                }
            }
        }
        if matches!(
            self.state,
            State::LineStart | State::FieldStart | State::Unquoted
        ) {
            self.count_fields(&buf[fields_from.min(buf.len())..]);
        }
        self.line += memchr::memchr_iter(b'\n', &buf[counted.min(buf.len())..]).count();
        self.offset += buf.len() as u64;
    }
}

/// The state after byte `b` read outside a quoted field.
fn after(state: State, b: u8) -> State {
    match b {
        b'\n' | b'\r' => State::LineStart,
        b',' => State::FieldStart,
        _ if matches!(
            state,
            State::LineStart | State::FieldStart | State::Unquoted
        ) =>
        {
            State::Unquoted
        }
        _ => state,
    }
}

impl<R: Read> Read for QuoteWatch<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() && self.state == State::Quoted {
            let start = String::from_utf8_lossy(&self.open_start);
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                UnclosedQuote {
                    line: self.open_line,
                    start: super::lines::excerpt(&start, SHOWN),
                },
            ));
        }
        self.follow(&buf[..n]);
        if let Some(long) = self.too_long {
            return Err(io::Error::new(io::ErrorKind::InvalidData, long));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Read `text` through a watch in chunks of `chunk` bytes.
    fn watch(text: &[u8], chunk: usize) -> Result<(), UnclosedQuote> {
        use crate::read::lines::tests::Chunks;
        let mut out = Vec::new();
        QuoteWatch::new(Chunks(text, chunk))
            .read_to_end(&mut out)
            .map(|_| ())
            .map_err(|e| UnclosedQuote::of(&e).cloned().expect("an unclosed quote"))
    }

    /// Probe finding (session 15): `"n2"x` was read by the csv crate as `n2x` without a
    /// word. Whatever the reads' sizes, each such field is noted with its line, its place
    /// in the record and its text; quotes in comment lines are text.
    /// Probe, session 27: a long field's start filled what is shown, so the text after
    /// its quote (what the message is about) was hidden, and a cut fell inside a character.
    #[test]
    fn a_long_field_and_its_text_after_the_quote_are_cut_on_characters_and_said_cut() {
        let shown = |text: &str| {
            let mut watch = QuoteWatch::new(text.as_bytes());
            let mut out = Vec::new();
            watch.read_to_end(&mut out).unwrap();
            let q = watch.after_quote.front().cloned().unwrap();
            String::from_utf8(q.raw).unwrap()
        };
        let long = "a".repeat(170);
        let got = shown(&format!("id,note\n1,\"{long}\" Кулябский район\n"));
        assert!(got.ends_with("a…\" Кулябский район"), "{got}");
        let got = shown(&format!(
            "id,note\n1,\"{}\" {}\n",
            "a".repeat(150),
            "Ж".repeat(40)
        ));
        assert!(got.ends_with("Ж…"), "{got}");
        assert!(got.contains("a\" Ж"), "{got}");
    }

    #[test]
    fn text_after_a_closing_quote_is_noted() {
        use crate::read::lines::tests::Chunks;
        let text = b"id,name\n1,\"n2\"x\n# a \"comment\"x, \"open\n\"a,b\",\"c\"\"\"\r\n\"x\ny\"z w,ok\n3,\"q\"";
        for chunk in [1, 2, 3, 7, 1 << 16] {
            let mut watch = QuoteWatch::with_comments(Chunks(text, chunk), b'#');
            let mut out = Vec::new();
            watch.read_to_end(&mut out).unwrap();
            let got: Vec<(usize, usize, String)> = watch
                .after_quote
                .iter()
                .map(|q| {
                    (
                        q.line,
                        q.field,
                        String::from_utf8_lossy(&q.raw).into_owned(),
                    )
                })
                .collect();
            assert_eq!(
                got,
                [
                    (2, 1, "\"n2\"x".to_owned()),
                    (5, 0, "\"x\ny\"z w".to_owned()),
                ],
                "{chunk}"
            );
            assert_eq!(watch.text_after_quote(1, 1), None);
            assert_eq!(watch.text_after_quote(4, 6).map(|q| q.line), Some(5));
            assert!(!watch.has_text_after_quote());
        }
    }

    /// Probe finding (session 29): a quoted field over many short lines was read whole
    /// (a 101 MB record, 800 MB of memory), each line under the cap. A record, over all
    /// its lines, is capped as a line is; records that each fit pass, however many.
    #[test]
    fn a_record_running_over_lines_past_the_cap_fails_at_its_quoted_field() {
        use crate::read::lines::tests::Chunks;
        let read = |text: &str, chunk: usize| {
            let mut out = Vec::new();
            QuoteWatch::with_max_record(Chunks(text.as_bytes(), chunk), 20)
                .read_to_end(&mut out)
                .map(|_| ())
                .map_err(|e| RecordTooLong::of(&e).expect("a record too long"))
        };
        let fits = "id,v\n1,\"a\nb\nc\"\n2,\"d\ne\"\n3,plain,words\n4,\"f\ng\nh\"\n";
        let many = fits.repeat(50);
        for chunk in [1, 2, 3, 7, 1 << 16] {
            assert_eq!(read(fits, chunk), Ok(()), "chunk {chunk}");
            assert_eq!(read(&many, chunk), Ok(()), "chunk {chunk}");
            let long = "id,v\n1,x\n2,\"aaaa\nbbbb\ncccc\ndddd\neeee\"\n3,y\n";
            assert_eq!(
                read(long, chunk),
                Err(RecordTooLong { line: 3, max: 20 }),
                "chunk {chunk}"
            );
            // Unquoted text between quoted line ends counts too, and after the last one.
            let between = "id,v,w\n\"a\nb\",cccccccc,\"d\ne\",ffffffff\n";
            let tail = "id,v\n1,\"aaaa\nb\",xxxxxxxxxxxxxxxxxx\n2,y\n";
            // Named at the line its last quoted field opened on, before the cap.
            for (text, line) in [(between, 3), (tail, 2)] {
                assert_eq!(
                    read(text, chunk),
                    Err(RecordTooLong { line, max: 20 }),
                    "chunk {chunk}: {text:?}"
                );
            }
        }
        // A record that ends with its closing quote as the file's last byte: the quote
        // counts (probe, session 29: one byte over passed).
        for chunk in [1, 3, 1 << 16] {
            // 20 bytes, then 21.
            assert_eq!(
                read("1,\"aaaa\nbbbbbbbbbbb\"", chunk),
                Ok(()),
                "chunk {chunk}"
            );
            assert_eq!(
                read("1,\"aaaa\nbbbbbbbbbbbb\"", chunk),
                Err(RecordTooLong { line: 1, max: 20 }),
                "chunk {chunk}"
            );
        }
        // Read at once (one `read` of the whole text), not cut where a chunk ends.
        for (text, line) in [
            ("id,v,w\n\"a\nb\",cccccccc,\"d\ne\",ffffffff\n", 3),
            ("id,v\n1,\"aaaa\nb\",xxxxxxxxxxxxxxxxxx\n2,y\n", 2),
        ] {
            let mut watch = QuoteWatch::with_max_record(text.as_bytes(), 20);
            let mut buf = [0u8; 4096];
            let e = watch.read(&mut buf).unwrap_err();
            assert_eq!(
                RecordTooLong::of(&e).map(|l| l.line),
                Some(line),
                "{text:?}"
            );
        }
        let e = Error::io(
            "t.csv",
            io::Error::new(
                io::ErrorKind::InvalidData,
                RecordTooLong { line: 3, max: 20 },
            ),
        );
        assert_eq!(
            e.to_string(),
            "t.csv:3: the record with the quoted field opened here runs over lines to more \
             than 20 bytes: refused as input (is a quote left open?)"
        );
    }

    #[test]
    fn closed_and_literal_quotes_pass_an_open_one_fails_at_its_line() {
        for chunk in [1, 2, 3, 7, 1 << 16] {
            for ok in [
                &b"name\n\"Termiz\"\n"[..],
                b"a,b\n\"x,\"\"y\"\"\",z\n",
                b"a,b\nab\"c,d\n",
                b"a\n\"x\"y\"z\n",
                b"\xEF\xBB\xBF\"a\",b\n1,2\n",
                b"a\r\n\"x\r\ny\"\r\n",
                b"",
            ] {
                assert_eq!(
                    watch(ok, chunk),
                    Ok(()),
                    "{:?} / {chunk}",
                    String::from_utf8_lossy(ok)
                );
            }
            assert_eq!(
                watch(b"name\n\"Termiz\n", chunk),
                Err(UnclosedQuote {
                    line: 2,
                    start: "Termiz\n".into()
                })
            );
            assert_eq!(
                watch(b"a,b\n1,2\n3,\"x\n\ny\"\"z", chunk),
                Err(UnclosedQuote {
                    line: 3,
                    start: "x\n\ny\"z".into()
                })
            );
            assert_eq!(
                watch(b"\"h\"\n\"a\"\"", chunk),
                Err(UnclosedQuote {
                    line: 2,
                    start: "a\"".into()
                })
            );
        }
    }
}
