//! A GeoJSON FeatureCollection split into pieces of JSON text: each element of its
//! `features` array, and each other member of the top-level object with its key (a key
//! given twice, a second `features` say, is refused: [`Fault::Repeated`]). The one
//! splitter of FeatureCollections read feature by feature
//! ([`crate::write::tiles::input`]), as [`super::seq`] is of GeoJSONSeq.
//!
//! The text is read from a [`Read`] in large chunks into one reused buffer, which grows
//! only to the largest piece: a file of any size is read in the memory of its largest
//! feature. Only the structure is scanned here (strings found with `memchr`, brackets
//! matched, the commas, colons and whitespace between pieces checked); every piece is
//! then parsed by serde_json, whose fast slice reader checks it in full. So text that is
//! not JSON is refused wherever it is: here between pieces, by serde_json within one. A
//! fault is reported with its line and column as serde_json writes them ("... at line L
//! column C"), counted from the start of the text; [`Piece::located`] turns an error
//! serde_json found within a piece into the same form.

use std::collections::HashSet;
use std::io::{self, Read};
use std::ops::Range;

/// The names of longitude/latitude WGS 84 a legacy `crs` member may give (compared in
/// any case): OGC's CRS84, as GeoJSON 2008 recommends and GDAL and QGIS write, and EPSG's
/// 4326, as files from other tools say it (with the axes in lon/lat order all the same).
pub const WGS84_NAMES: [&str; 6] = [
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:OGC::CRS84",
    "EPSG:4326",
    "urn:ogc:def:crs:EPSG::4326",
    // The same two as OGC's web addresses for them.
    "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
    "http://www.opengis.net/def/crs/EPSG/0/4326",
];

/// Why a `crs` member (of a FeatureCollection, a Feature or a geometry) is refused, if it is: the one
/// check of every GeoJSON reader. RFC 7946 removed the member (§4: coordinates are always
/// longitude/latitude WGS 84), but GeoJSON 2008 files still carry it, and one naming
/// another system (a projection in metres, say) would be read as degrees without a word.
/// `null` names nothing, and a named CRS is taken when it is one of [`WGS84_NAMES`];
/// anything else (another name, a `link` CRS, a shape GeoJSON 2008 does not give) is
/// refused. The message does not repeat the value: each reader shows it its way.
pub fn crs_problem(crs: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    if crs.is_null() {
        return None;
    }
    let name = match (crs.get("type"), crs.pointer("/properties/name")) {
        (Some(Value::String(kind)), Some(Value::String(name))) if kind == "name" => name,
        _ => {
            return Some(
                "a \"crs\" drillmap cannot read as longitude/latitude WGS 84 (it takes only \
                 {\"type\": \"name\", \"properties\": {\"name\": \"urn:ogc:def:crs:OGC:1.3:CRS84\"}} \
                 or EPSG:4326; RFC 7946 coordinates are always WGS 84): remove the member if \
                 the coordinates are longitude/latitude, else reproject the file \
                 (ogr2ogr -t_srs EPSG:4326)"
                    .to_owned(),
            )
        }
    };
    if WGS84_NAMES.iter().any(|n| n.eq_ignore_ascii_case(name)) {
        return None;
    }
    Some(format!(
        "the \"crs\" names {name:?}, not longitude/latitude WGS 84, which RFC 7946 \
         coordinates always are: reproject the file (ogr2ogr -t_srs EPSG:4326), or remove \
         the member if the coordinates are longitude/latitude already"
    ))
}

/// Bytes read at a time (the buffer starts at this size).
const CHUNK: usize = 1 << 20;

/// The largest piece read by default: as large as a JSON document read whole may be
/// ([`super::input::MAX_FILE`]), as a piece is held and parsed whole. A value whose
/// brackets never close would otherwise grow the buffer to the rest of the file.
#[allow(clippy::cast_possible_truncation)] // 256 MiB fits any usize drillmap runs on
pub const MAX_PIECE: usize = super::input::MAX_FILE as usize;

/// A piece of a FeatureCollection: where its text lies in [`Pieces::get`] and where it
/// starts in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// A top-level member other than `features` (with its key, unescaped), or `None`
    /// for an element of `features`.
    pub key: Option<String>,
    /// Where its text lies in [`Pieces::get`].
    pub range: Range<usize>,
    /// The 1-based line its text starts on.
    pub line: usize,
    /// The bytes before its text on that line.
    column: usize,
}

impl Piece {
    /// The line of an error serde_json found in this piece's text, and its message with
    /// the position counted from the start of the file.
    pub fn located(&self, e: &serde_json::Error) -> (usize, String) {
        if e.line() == 0 {
            return (self.line, crate::json::error_message(e));
        }
        let line = self.line + e.line() - 1;
        let column = if e.line() == 1 {
            self.column + e.column()
        } else {
            e.column()
        };
        (
            line,
            format!(
                "{} at line {line} column {column}",
                crate::json::bare_error_message(e)
            ),
        )
    }
}

/// Why a text is not read as a FeatureCollection.
#[derive(Debug)]
pub enum Fault {
    /// The file could not be read.
    Io(io::Error),
    /// The text is not JSON: serde_json's message with its position, and the line.
    NotJson {
        /// The 1-based line of the fault.
        line: usize,
        /// What is wrong, ending "at line L column C".
        message: String,
    },
    /// The text is JSON (as far as read) but its top-level value is not an object, or
    /// its `features` member is not an array, starting on `line`.
    NotACollection {
        /// The 1-based line where the value starts.
        line: usize,
    },
    /// A top-level member is given twice (a second `features`, say), its key starting on
    /// `line`: refused by the one rule of names given twice ([`crate::json::given_twice`]).
    Repeated {
        /// The member's key.
        key: String,
        /// The 1-based line of its second key.
        line: usize,
    },
    /// A value (a feature, a member) runs past the largest piece read
    /// ([`Pieces::with_limit`]) from `line`, unended.
    TooLarge {
        /// The 1-based line where the value starts.
        line: usize,
        /// The limit, in bytes.
        limit: usize,
    },
}

/// Where the splitter is in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the top-level value.
    Start,
    /// After `{` (`first`) or a comma: a key is due.
    Key { first: bool },
    /// After a top-level member's value: a comma or `}` is due.
    AfterMember,
    /// After `[` of `features` (`first`) or a comma between its elements.
    Element { first: bool },
    /// After an element of `features`: a comma or `]` is due.
    AfterElement,
    /// After the top-level object: only whitespace may follow.
    Trailing,
    /// At the end.
    Done,
}

/// The end of a value being scanned.
enum Scan {
    /// It ends before this position.
    End(usize),
    /// The text read so far ends first.
    More,
    /// A closing bracket at this position does not match the open one.
    Mismatch(usize),
}

/// The pieces of a FeatureCollection read from `R` (a byte order mark is skipped by the
/// caller, as [`super::lines::skip_bom`] does).
#[derive(Debug)]
pub struct Pieces<R> {
    input: R,
    /// The text read and kept: `buf[..filled]`.
    buf: Vec<u8>,
    filled: usize,
    /// Where the scan is.
    pos: usize,
    /// Everything before this position may be dropped.
    keep: usize,
    eof: bool,
    state: State,
    /// The newlines before `counted` (a buffer position) are counted: it is on line
    /// `line`, which starts at buffer position `line_start` (negative when the start was
    /// dropped).
    counted: usize,
    line: usize,
    line_start: isize,
    /// The brackets open in the value being scanned (their closing bytes).
    stack: Vec<u8>,
    features: bool,
    /// The keys of the top-level members met so far.
    keys: HashSet<String>,
    /// The most bytes one piece may hold.
    limit: usize,
}

/// JSON's whitespace (RFC 8259: space, tab, newline, carriage return).
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// The end (past the closing quote) of the string whose text starts at `from` (after its
/// opening quote); `None` when `bytes` ends first.
fn string_end(bytes: &[u8], mut from: usize) -> Option<usize> {
    loop {
        let at = from + memchr::memchr2(b'"', b'\\', bytes.get(from..)?)?;
        if bytes.get(at) == Some(&b'"') {
            return Some(at + 1);
        }
        from = at + 2; // past the escaped byte
    }
}

/// The extent of the value starting at `start` (not whitespace); `stack` is a scratch
/// buffer.
fn value_end(bytes: &[u8], start: usize, stack: &mut Vec<u8>) -> Scan {
    match bytes.get(start) {
        None => Scan::More,
        Some(b'"') => string_end(bytes, start + 1).map_or(Scan::More, Scan::End),
        Some(b'{' | b'[') => {
            stack.clear();
            let mut i = start;
            while let Some(&b) = bytes.get(i) {
                match b {
                    b'"' => match string_end(bytes, i + 1) {
                        Some(end) => {
                            i = end;
                            continue;
                        }
                        None => return Scan::More,
                    },
                    b'{' => stack.push(b'}'),
                    b'[' => stack.push(b']'),
                    b'}' | b']' => {
                        if stack.pop() != Some(b) {
                            return Scan::Mismatch(i);
                        }
                        if stack.is_empty() {
                            return Scan::End(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            Scan::More
        }
        // A number or literal, checked by serde_json: up to the next structural byte.
        Some(_) => match bytes[start..].iter().position(|&b| {
            is_space(b) || matches!(b, b',' | b':' | b'[' | b']' | b'{' | b'}' | b'"')
        }) {
            Some(n) => Scan::End(start + n),
            None => Scan::More,
        },
    }
}

impl<R: Read> Pieces<R> {
    /// Split the text `input` gives.
    pub fn new(input: R) -> Self {
        Pieces {
            input,
            buf: Vec::new(),
            filled: 0,
            pos: 0,
            keep: 0,
            eof: false,
            state: State::Start,
            counted: 0,
            line: 1,
            line_start: 0,
            stack: Vec::new(),
            features: false,
            keys: HashSet::new(),
            limit: MAX_PIECE,
        }
    }

    /// Refuse a piece of more than `limit` bytes (default [`MAX_PIECE`]): the buffer never
    /// grows past about twice that.
    pub fn with_limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    /// Whether a `features` member was met (an array, or the text was refused).
    pub fn saw_features(&self) -> bool {
        self.features
    }

    /// The text of a piece [`Pieces::next_piece`] returned (until the next call).
    pub fn get(&self, piece: &Piece) -> &[u8] {
        self.buf.get(piece.range.clone()).unwrap_or_default()
    }

    /// The line of buffer position `at` (not before the last asked) and the bytes before
    /// it on that line.
    fn position(&mut self, at: usize) -> (usize, usize) {
        let at = at.min(self.filled);
        if at > self.counted {
            let text = &self.buf[self.counted..at];
            let newlines = memchr::memchr_iter(b'\n', text).count();
            if newlines > 0 {
                self.line += newlines;
                let last = memchr::memrchr(b'\n', text).unwrap_or(0);
                self.line_start = (self.counted + last + 1) as isize;
            }
            self.counted = at;
        }
        (self.line, (at as isize - self.line_start).max(0) as usize)
    }

    fn not_json(&mut self, at: usize, what: &str) -> Fault {
        // serde_json's column of a byte counts it; of the end, the bytes before it.
        let at_end = at >= self.filled;
        let (line, before) = self.position(at);
        let column = if at_end { before } else { before + 1 };
        Fault::NotJson {
            line,
            message: format!("{what} at line {line} column {column}"),
        }
    }

    /// Read more text, dropping what is no longer needed; `false` at the end of input.
    fn fill(&mut self) -> Result<bool, Fault> {
        if self.eof {
            return Ok(false);
        }
        if self.keep > 0 {
            let keep = self.keep;
            self.position(keep);
            self.buf.copy_within(keep..self.filled, 0);
            self.filled -= keep;
            self.pos -= keep;
            self.counted -= keep;
            self.line_start -= keep as isize;
            self.keep = 0;
        }
        if self.filled == self.buf.len() {
            let size = (self.buf.len() * 2).max(CHUNK);
            self.buf.resize(size, 0);
        }
        let before = self.filled;
        while self.filled < self.buf.len() {
            match self.input.read(&mut self.buf[self.filled..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => self.filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Fault::Io(e)),
            }
        }
        Ok(self.filled > before)
    }

    /// The next byte that is not whitespace (the scan left at it), or `None` at the end.
    fn next_byte(&mut self) -> Result<Option<u8>, Fault> {
        loop {
            match self.buf[self.pos..self.filled]
                .iter()
                .position(|&b| !is_space(b))
            {
                Some(n) => {
                    self.pos += n;
                    return Ok(Some(self.buf[self.pos]));
                }
                None => {
                    self.pos = self.filled;
                    self.keep = self.pos;
                    if !self.fill()? {
                        return Ok(None);
                    }
                }
            }
        }
    }

    /// The extent of the value starting at the scan, read in whole; the scan is left
    /// after it. `context` names what it is in ("an object", "a list") for an end of
    /// text right after a complete value.
    fn value(&mut self, context: &str) -> Result<Range<usize>, Fault> {
        let start = self.pos;
        self.keep = start;
        loop {
            // Scanned again from its start when more text comes: the buffer at least
            // doubles each time, so a value is scanned about twice at most.
            let start = self.keep;
            match value_end(&self.buf[..self.filled], start, &mut self.stack) {
                Scan::End(end) if end > start => {
                    self.pos = end;
                    return Ok(start..end);
                }
                Scan::End(_) => return Err(self.not_json(start, "expected value")),
                Scan::Mismatch(at) => return Err(self.serde_fault(start..at + 1, context)),
                Scan::More => {
                    if self.filled - start >= self.limit {
                        let (line, _) = self.position(start);
                        return Err(Fault::TooLarge {
                            line,
                            limit: self.limit,
                        });
                    }
                    if !self.fill()? {
                        return Err(self.serde_fault(self.keep..self.filled, context));
                    }
                }
            }
        }
    }

    /// The fault in `range`, a value cut short (by the end of the text or a bracket that
    /// does not match), as serde_json finds it, else at the end of the text.
    fn serde_fault(&mut self, range: Range<usize>, context: &str) -> Fault {
        let piece = self.piece(None, range.clone());
        match serde_json::from_slice::<serde::de::IgnoredAny>(&self.buf[range]) {
            Err(e) => {
                let (line, message) = piece.located(&e);
                Fault::NotJson { line, message }
            }
            Ok(_) => self.not_json(self.filled, &format!("EOF while parsing {context}")),
        }
    }

    fn piece(&mut self, key: Option<String>, range: Range<usize>) -> Piece {
        let (line, column) = self.position(range.start);
        Piece {
            key,
            range,
            line,
            column,
        }
    }

    /// The next piece, or `None` after the top-level object (and only whitespace after
    /// it).
    pub fn next_piece(&mut self) -> Result<Option<Piece>, Fault> {
        loop {
            self.keep = self.pos;
            if self.state == State::Done {
                return Ok(None);
            }
            let byte = self.next_byte()?;
            let eof = |s: &mut Self, what: &str| Err(s.not_json(s.filled, what));
            match (self.state, byte) {
                (State::Start, None) => return eof(self, "EOF while parsing a value"),
                (State::Start, Some(b'{')) => {
                    self.pos += 1;
                    self.state = State::Key { first: true };
                }
                (State::Start, Some(b'[' | b'"' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n')) => {
                    let (line, _) = self.position(self.pos);
                    return Err(Fault::NotACollection { line });
                }
                (State::Start, Some(_)) => return Err(self.not_json(self.pos, "expected value")),
                (State::Key { .. } | State::AfterMember, None) => {
                    return eof(self, "EOF while parsing an object")
                }
                (State::Key { first: true }, Some(b'}')) | (State::AfterMember, Some(b'}')) => {
                    self.pos += 1;
                    self.state = State::Trailing;
                }
                (State::Key { first: false }, Some(b'}')) => {
                    return Err(self.not_json(self.pos, "trailing comma"))
                }
                (State::Key { .. }, Some(b'"')) => {
                    if let Some(piece) = self.member()? {
                        return Ok(Some(piece));
                    }
                }
                (State::Key { .. }, Some(_)) => {
                    return Err(self.not_json(self.pos, "key must be a string"))
                }
                (State::AfterMember, Some(b',')) => {
                    self.pos += 1;
                    self.state = State::Key { first: false };
                }
                (State::AfterMember, Some(_)) => {
                    return Err(self.not_json(self.pos, "expected `,` or `}`"))
                }
                (State::Element { .. } | State::AfterElement, None) => {
                    return eof(self, "EOF while parsing a list")
                }
                (State::Element { first: true }, Some(b']'))
                | (State::AfterElement, Some(b']')) => {
                    self.pos += 1;
                    self.state = State::AfterMember;
                }
                (State::Element { first: false }, Some(b']')) => {
                    return Err(self.not_json(self.pos, "trailing comma"))
                }
                (State::Element { .. }, Some(_)) => {
                    let range = self.value("a list")?;
                    self.state = State::AfterElement;
                    return Ok(Some(self.piece(None, range)));
                }
                (State::AfterElement, Some(b',')) => {
                    self.pos += 1;
                    self.state = State::Element { first: false };
                }
                (State::AfterElement, Some(_)) => {
                    return Err(self.not_json(self.pos, "expected `,` or `]`"))
                }
                (State::Trailing, None) => {
                    self.state = State::Done;
                    return Ok(None);
                }
                (State::Trailing, Some(_)) => {
                    return Err(self.not_json(self.pos, "trailing characters"))
                }
                (State::Done, _) => return Ok(None),
            }
        }
    }

    /// A member from its key on: the piece of its value, or `None` when it is
    /// `features` (whose elements come next).
    fn member(&mut self) -> Result<Option<Piece>, Fault> {
        let range = self.value("an object")?;
        let piece = self.piece(None, range.clone());
        let key = serde_json::from_slice::<String>(&self.buf[range]).map_err(|e| {
            let (line, message) = piece.located(&e);
            Fault::NotJson { line, message }
        })?;
        if self.keys.contains(&key) {
            return Err(Fault::Repeated {
                key,
                line: piece.line,
            });
        }
        self.keys.insert(key.clone());
        match self.next_byte()? {
            Some(b':') => self.pos += 1,
            Some(_) => return Err(self.not_json(self.pos, "expected `:`")),
            None => return Err(self.not_json(self.filled, "EOF while parsing an object")),
        }
        match self.next_byte()? {
            None => Err(self.not_json(self.filled, "EOF while parsing a value")),
            Some(b) if key == "features" => {
                self.features = true;
                if b != b'[' {
                    let (line, _) = self.position(self.pos);
                    return Err(Fault::NotACollection { line });
                }
                self.pos += 1;
                self.state = State::Element { first: true };
                Ok(None)
            }
            Some(_) => {
                let range = self.value("an object")?;
                self.state = State::AfterMember;
                Ok(Some(self.piece(Some(key), range)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a text splits into: each piece as (key, text, line), or the fault as text.
    fn split(text: &[u8]) -> std::result::Result<Vec<(Option<String>, String, usize)>, String> {
        split_by(text, text.len().max(1))
    }

    /// The same, read `chunk` bytes at a time.
    fn split_by(
        text: &[u8],
        chunk: usize,
    ) -> std::result::Result<Vec<(Option<String>, String, usize)>, String> {
        struct Trickle<'a>(&'a [u8], usize);
        impl Read for Trickle<'_> {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(self.1).min(out.len());
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut p = Pieces::new(Trickle(text, chunk));
        let mut out = Vec::new();
        loop {
            match p.next_piece() {
                Ok(Some(piece)) => out.push((
                    piece.key.clone(),
                    String::from_utf8_lossy(p.get(&piece)).into_owned(),
                    piece.line,
                )),
                Ok(None) => return Ok(out),
                Err(Fault::NotJson { line, message }) => return Err(format!("{line}: {message}")),
                Err(Fault::NotACollection { line }) => {
                    return Err(format!("{line}: not a collection"))
                }
                Err(Fault::Io(e)) => return Err(e.to_string()),
                Err(Fault::TooLarge { line, .. }) => return Err(format!("{line}: too large")),
                Err(Fault::Repeated { key, line }) => return Err(format!("{line}: {key} again")),
            }
        }
    }

    fn feature(text: &str, line: usize) -> (Option<String>, String, usize) {
        (None, text.to_owned(), line)
    }

    #[test]
    fn members_and_features_are_split_with_their_lines() {
        let text = b"{\"type\" : \"FeatureCollection\",\n \"features\": [ {\"a\":\"}]\\\"\"},\n\t[1,{\"b\":[]}] ,\"x\\\\\",-1.5e3,null\r\n],\"n\\u0061me\":{\"k\":[\"[\"]} }\n ";
        let want = Ok(vec![
            (
                Some("type".to_owned()),
                "\"FeatureCollection\"".to_owned(),
                1,
            ),
            feature("{\"a\":\"}]\\\"\"}", 2),
            feature("[1,{\"b\":[]}]", 3),
            feature("\"x\\\\\"", 3),
            feature("-1.5e3", 3),
            feature("null", 3),
            (Some("name".to_owned()), "{\"k\":[\"[\"]}".to_owned(), 4),
        ]);
        assert_eq!(split(text), want);
        // Read a byte at a time, the same pieces.
        for chunk in [1, 2, 3, 7] {
            assert_eq!(split_by(text, chunk), want, "{chunk}");
        }
        assert_eq!(split(b"{}"), Ok(vec![]));
        assert_eq!(split(b"{\"features\":[]}"), Ok(vec![]));
    }

    /// What the scanner cannot split is refused with serde_json's message and the line
    /// and column counted from the start of the text.
    #[test]
    fn faults_are_refused_with_their_line() {
        for (text, wanted) in [
            (&b""[..], "1: EOF while parsing a value at line 1 column 0"),
            (b"  \n ", "2: EOF while parsing a value at line 2 column 1"),
            (b"[1]", "1: not a collection"),
            (b"\n\"x\"", "2: not a collection"),
            (b"x", "1: expected value at line 1 column 1"),
            (b"{\"features\":{}}", "1: not a collection"),
            (b"{\"features\":\nnull}", "2: not a collection"),
            (b"{\"features\":[}", "1: expected value at line 1 column 14"),
            (
                b"{\"features\":[1,]}",
                "1: trailing comma at line 1 column 16",
            ),
            (b"{\"a\":1,}", "1: trailing comma at line 1 column 8"),
            (
                b"{\"a\":1 \"b\":2}",
                "1: expected `,` or `}` at line 1 column 8",
            ),
            (
                b"{\"features\":[1 2]}",
                "1: expected `,` or `]` at line 1 column 16",
            ),
            (b"{\"a\" 1}", "1: expected `:` at line 1 column 6"),
            (b"{1:2}", "1: key must be a string at line 1 column 2"),
            (b"{\"a\":}", "1: expected value at line 1 column 6"),
            (b"{\"a\":1}x", "1: trailing characters at line 1 column 8"),
            (
                b"{\"a\":1",
                "1: EOF while parsing an object at line 1 column 6",
            ),
            (
                b"{\"a\":",
                "1: EOF while parsing a value at line 1 column 5",
            ),
            (
                b"{\"a\"",
                "1: EOF while parsing an object at line 1 column 4",
            ),
            (b"{\"a", "1: EOF while parsing a string at line 1 column 3"),
            (
                b"{\"features\":[1",
                "1: EOF while parsing a list at line 1 column 14",
            ),
            (
                b"{\"features\":[\n{\"a\":[1}]",
                "2: expected `,` or `]` at line 2 column 8",
            ),
            (
                b"{\"features\":[\n {\"a\":\n[1,",
                "3: EOF while parsing a value at line 3 column 3",
            ),
            (
                b"{\"features\":[\n {\"a\":\"\\",
                "2: EOF while parsing a string at line 2 column 8",
            ),
            (b"{\"fe\\x\":1}", "1: invalid escape at line 1 column 6"),
        ] {
            let got = split(text).map(|_| ()).unwrap_err();
            assert_eq!(got, wanted, "{}", String::from_utf8_lossy(text));
            // serde_json says the same of the whole text, but for what it does not check
            // here (a value after a fault within it).
            if let Err(e) = serde_json::from_slice::<serde_json::Value>(text) {
                if !wanted.contains("collection") {
                    assert!(wanted.ends_with(&e.to_string()), "{wanted} / {e}");
                }
            }
        }
    }

    /// A top-level member given twice is refused at its second key, wherever the two
    /// are: which of two `features` arrays counts is left open by JSON (serde_json would
    /// keep the last, this splitter read both).
    #[test]
    fn a_member_given_twice_is_refused_at_its_second_key() {
        for (text, wanted) in [
            (
                &b"{\"features\":[1],\n\"features\":[2]}"[..],
                "2: features again",
            ),
            (
                b"{\"features\":[],\"name\":\"a\",\n\n\"name\":\"b\"}",
                "3: name again",
            ),
            (
                b"{\"type\":1,\"features\":[],\"t\\u0079pe\":2}",
                "1: type again",
            ),
            (
                b"{\"crs\":null,\"x\":{\"crs\":1},\"crs\":null}",
                "1: crs again",
            ),
        ] {
            assert_eq!(
                split(text),
                Err(wanted.to_owned()),
                "{}",
                String::from_utf8_lossy(text)
            );
            assert_eq!(split_by(text, 1), Err(wanted.to_owned()));
        }
        // A key repeated inside a member or a feature is not a top-level member.
        assert!(split(b"{\"a\":{\"a\":1,\"a\":2},\"features\":[{\"features\":1}]}").is_ok());
    }

    /// The `crs` members GeoJSON 2008 files carry: none naming longitude/latitude WGS 84
    /// is refused, any other is, saying what it names.
    #[test]
    fn a_crs_other_than_wgs84_is_refused() {
        use serde_json::json;
        let named = |name: &str| json!({"type": "name", "properties": {"name": name}});
        for name in WGS84_NAMES {
            assert_eq!(crs_problem(&named(name)), None, "{name}");
            assert_eq!(crs_problem(&named(&name.to_lowercase())), None, "{name}");
        }
        assert_eq!(crs_problem(&json!(null)), None);
        for name in [
            "urn:ogc:def:crs:EPSG::3857",
            "EPSG:32642",
            "urn:ogc:def:crs:OGC:1.3:CRS83",
            "http://www.opengis.net/def/crs/EPSG/0/3857",
            "",
        ] {
            let why = crs_problem(&named(name)).unwrap_or_default();
            assert!(
                why.contains(&format!("names {name:?}")) && why.contains("WGS 84"),
                "{name}: {why}"
            );
        }
        for shape in [
            json!({"type": "link", "properties": {"href": "http://example.com/crs/42"}}),
            json!({"type": "EPSG", "properties": {"code": 3857}}),
            json!({"type": "name", "properties": {"name": 4326}}),
            json!({"type": "name"}),
            json!("EPSG:4326"),
            json!([]),
        ] {
            let why = crs_problem(&shape).unwrap_or_default();
            assert!(why.contains("cannot read"), "{shape}: {why}");
        }
    }

    /// A piece serde_json refuses is located from the start of the text.
    #[test]
    fn errors_within_a_piece_are_located_in_the_text() {
        let text = b"{\"features\":[\n  {\"a\":\n  [1,]}]}";
        let mut p = Pieces::new(&text[..]);
        let piece = p.next_piece().unwrap().unwrap();
        assert_eq!(piece.line, 2);
        let e = serde_json::from_slice::<serde_json::Value>(p.get(&piece)).unwrap_err();
        let whole = serde_json::from_slice::<serde_json::Value>(text).unwrap_err();
        assert_eq!(piece.located(&e), (3, whole.to_string()));
        let text = b"{\"features\":[\n  {\"a\":[1,]}]}";
        let mut p = Pieces::new(&text[..]);
        let piece = p.next_piece().unwrap().unwrap();
        let e = serde_json::from_slice::<serde_json::Value>(p.get(&piece)).unwrap_err();
        let whole = serde_json::from_slice::<serde_json::Value>(text).unwrap_err();
        assert_eq!(piece.located(&e), (2, whole.to_string()));
    }

    /// The buffer grows to the largest piece, not to the text.
    #[test]
    fn the_buffer_holds_the_largest_piece_not_the_text() {
        let element = format!("{{\"a\":\"{}\"}}", "x".repeat(1000));
        let mut text = String::from("{\"features\":[");
        for i in 0..5000 {
            if i > 0 {
                text.push_str(",\n");
            }
            text.push_str(&element);
        }
        text.push_str("]}");
        let mut p = Pieces::new(text.as_bytes());
        let mut n = 0;
        while let Some(piece) = p.next_piece().unwrap() {
            n += 1;
            assert_eq!(piece.line, n);
        }
        assert_eq!(n, 5000);
        assert!(p.buf.len() <= CHUNK * 2, "{}", p.buf.len());
    }

    /// A value whose brackets never close is refused at the limit, from its first line,
    /// not read to the end of the text; a piece within the limit is read.
    #[test]
    fn an_unended_value_is_refused_at_the_limit() {
        let limit = 3 * CHUNK;
        let open = format!("{{\"features\":[\n{{\"a\":[{}", "[1],".repeat(limit));
        let mut p = Pieces::new(open.as_bytes()).with_limit(limit);
        match p.next_piece() {
            Err(Fault::TooLarge { line: 2, limit: l }) if l == limit => {}
            other => panic!("{other:?}"),
        }
        assert!(p.buf.len() <= 2 * limit, "{}", p.buf.len());
        let fits = format!(
            "{{\"features\":[{{\"a\":\"{}\"}}]}}",
            "x".repeat(limit - 10)
        );
        let mut p = Pieces::new(fits.as_bytes()).with_limit(limit);
        assert_eq!(p.next_piece().unwrap().map(|piece| piece.line), Some(1));
    }
}
