//! Lines of text inputs: byte offsets to 1-based line numbers, for messages about values in
//! text files, and the cap on how long one line may be ([`MAX_LINE`], [`LineCap`]).

use std::fmt;
use std::io::{self, Read};
use std::path::Path;

use crate::error::Error;

/// Most bytes one line of a text input may hold (its newline not counted).
pub const MAX_LINE: usize = 1 << 20;

/// A line longer than the cap: the error a [`LineCap`] read returns, carried inside an
/// [`io::Error`] and turned into an [`Error::Syntax`] on that line by [`Error::io`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineTooLong {
    /// The 1-based line.
    pub line: usize,
    /// The cap, bytes.
    pub max: usize,
}

impl fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {} is longer than {} bytes: refused as input",
            self.line, self.max
        )
    }
}

impl std::error::Error for LineTooLong {}

impl LineTooLong {
    /// The one an I/O error carries, if any.
    pub fn of(e: &io::Error) -> Option<LineTooLong> {
        e.get_ref()?.downcast_ref::<LineTooLong>().copied()
    }

    /// As the syntax error on its line of `path`.
    pub fn into_error(self, path: &Path) -> Error {
        Error::Syntax {
            path: path.into(),
            line: Some(self.line),
            message: format!("longer than {} bytes: refused as input", self.max),
        }
    }
}

/// The UTF-8 byte order mark, which some editors put before the first line of a text:
/// the readers skip it there.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Skip a byte order mark at the start of `input`, before anything else is read from it
/// (RFC 8259 section 8.1 lets a JSON parser ignore one).
pub fn skip_bom(input: &mut impl std::io::BufRead) -> std::io::Result<()> {
    if input.fill_buf()?.starts_with(BOM) {
        input.consume(BOM.len());
    }
    Ok(())
}

/// Most characters of a value a message quotes; a longer value is cut ([`shown`]).
pub const MAX_SHOWN: usize = 200;

/// A value as a message quotes it: cut to [`MAX_SHOWN`] characters ([`excerpt`]), with
/// its length in bytes when cut (README "Inputs"). Every error that quotes a value read
/// from input goes through here ([`crate::error::Problem::new`] for data problems).
///
/// An address in it is shown without its credentials
/// ([`crate::model::without_any_credentials`]), before it is cut: cut inside them, an
/// address would keep what the cut left of them (review, session 46).
pub fn shown(value: &str) -> String {
    let value = &*crate::model::without_any_credentials(value);
    let cut = excerpt(value, MAX_SHOWN);
    if cut.len() < value.len() {
        format!("{cut} ({} bytes)", value.len())
    } else {
        value.to_owned()
    }
}

/// `n` and `noun`, plural unless `n` is 1 (`1 feature`, `2 features`, `0 bases`): every
/// count a message or summary prints.
pub fn counted(n: impl Into<u64>, noun: &str) -> String {
    let n = n.into();
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// A message that quotes values (a serde error: ``invalid type: string "…", expected a
/// sequence at line 1 column 9``, ``unknown field `…`, expected one of …``) as a message
/// shows it: each value quoted in it, between `"` (escapes skipped) or backticks, cut as
/// [`shown`] cuts a value, and the rest kept whole, so what the message says of the value
/// (what was expected, and where) is never cut off with it.
pub fn shown_message(message: &str) -> String {
    let message = &*crate::model::without_any_credentials(message);
    let mut out = String::with_capacity(message.len().min(4 * MAX_SHOWN));
    let mut rest = message;
    while let Some(open) = rest.find(['"', '`']) {
        let quote = &rest[open..=open];
        out.push_str(&rest[..=open]);
        let inner = &rest[open + 1..];
        let close = match quote {
            // Debug escapes: `\"` and `\\` do not end the value.
            "\"" => {
                let mut escaped = false;
                inner
                    .bytes()
                    .position(|b| {
                        let end = b == b'"' && !escaped;
                        escaped = b == b'\\' && !escaped;
                        end
                    })
                    .unwrap_or(inner.len())
            }
            _ => inner.find('`').unwrap_or(inner.len()),
        };
        out.push_str(&shown(&inner[..close]));
        out.push_str(inner.get(close..=close).unwrap_or_default());
        rest = inner.get(close + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// The first `max` characters of `s`, with `…` when cut.
pub fn excerpt(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// The message for a name or id holding a control character (NUL, a tab, a newline,
/// U+007F, C1 controls), which no name or id may hold; `None` when it holds none.
///
/// The direction controls that reorder what is shown (embeddings, overrides and isolates,
/// U+202A to U+202E and U+2066 to U+2069) are refused alike: "Kulob" with a U+202E shows
/// differently from what it is, and reversed what follows it on a terminal (probe, session
/// 45). The marks U+200E and U+200F, and the joiners of Persian and Arabic script, are
/// letters' business and stay.
pub fn control_character(value: &str) -> Option<String> {
    value
        .chars()
        .find(|c| c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
        .map(|c| {
            format!(
                "must not contain control characters (found U+{:04X})",
                c as u32
            )
        })
}

/// The script of a letter that has look-alikes in another: Latin, Cyrillic or Greek.
fn script(c: char) -> Option<&'static str> {
    match c {
        _ if c.is_ascii_alphabetic() => Some("Latin"),
        '\u{00C0}'..='\u{024F}' if c.is_alphabetic() => Some("Latin"),
        '\u{0370}'..='\u{03FF}' => Some("Greek"),
        '\u{0400}'..='\u{052F}' => Some("Cyrillic"),
        _ => None,
    }
}

/// The first letter of a word of `value` that mixes Latin, Cyrillic or Greek letters, of
/// the script fewer of its letters are in ("trаining" with a Cyrillic "а"): its 1-based
/// position in `value`, the letter and its script. No real name mixes them within a word;
/// a letter typed on the other keyboard looks the same and is not.
fn mixed_letter(value: &str) -> Option<(usize, char, &'static str, &'static str)> {
    let mut word: Vec<(usize, char, &'static str)> = Vec::new();
    let chars = value.chars().chain(std::iter::once(' ')).enumerate();
    for (i, c) in chars {
        if c.is_alphanumeric() {
            if let Some(s) = script(c) {
                word.push((i + 1, c, s));
            }
            continue;
        }
        let first = word.first().map(|w| w.2);
        if let Some(odd) = word.iter().find(|w| Some(w.2) != first) {
            let count = |s: &str| word.iter().filter(|w| w.2 == s).count();
            let (a, b) = (first.unwrap_or_default(), odd.2);
            let (minority, majority) = if count(a) < count(b) { (a, b) } else { (b, a) };
            return word
                .iter()
                .find(|w| w.2 == minority)
                .map(|w| (w.0, w.1, w.2, majority));
        }
        word.clear();
    }
    None
}

/// What to add to the message of a value that is not known (an id, a code, a field's name)
/// when a word of it mixes scripts ([`mixed_letter`]): "; it holds U+043E, a Cyrillic
/// letter, at character 4 among Latin ones", else nothing. On screen the value looks right
/// (probe, session 45: "unknown source" of a `trеnd-3458218` that looked like the known one).
pub fn look_alike(value: &str) -> String {
    match mixed_letter(value) {
        Some((at, c, s, others)) => format!(
            "; it holds U+{:04X}, a {s} letter, at character {at} among {others} ones",
            c as u32
        ),
        None => String::new(),
    }
}

/// The message for a name mixing scripts within a word ([`mixed_letter`]), `None` for
/// one that does not.
pub fn mixed_scripts(value: &str) -> Option<String> {
    mixed_letter(value).map(|(at, c, s, _)| {
        format!(
            "mixes scripts within a word: U+{:04X}, a {s} letter, at character {at} (a \
             look-alike typed on the other keyboard?)",
            c as u32
        )
    })
}

/// The line end `text` uses, to write more lines into it alike: its first line's, CR LF (a
/// file saved by Excel or on Windows) or a lone CR (classic Mac), else LF.
pub fn line_end(text: &str) -> &'static str {
    let bytes = text.as_bytes();
    match memchr::memchr2(b'\n', b'\r', bytes) {
        Some(at) if bytes[at] == b'\r' && bytes.get(at + 1) == Some(&b'\n') => "\r\n",
        Some(at) if bytes[at] == b'\r' => "\r",
        _ => "\n",
    }
}

/// The lines of `text` without their line ends, as [`str::lines`] gives them but with a lone
/// CR ending a line too ([`line_starts`]).
pub fn text_lines(text: &str) -> impl Iterator<Item = &str> + '_ {
    let mut ends = line_starts(text.as_bytes()).chain(std::iter::once(text.len()));
    let mut start = 0;
    std::iter::from_fn(move || {
        let end = ends.next().filter(|_| start < text.len())?;
        let line = text[start..end].trim_end_matches(['\n', '\r']);
        start = end;
        Some(line)
    })
}

/// Where each line of `bytes` after the first starts: after an LF, a CR LF or a lone CR
/// (the classic Mac line end), the line ends [`CrLf`] reads as LF and [`LineCap`] counts.
pub fn line_starts(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr2_iter(b'\n', b'\r', bytes)
        .filter(|&at| !(bytes[at] == b'\r' && bytes.get(at + 1) == Some(&b'\n')))
        .map(|at| at + 1)
}

/// The first line of `bytes` longer than `max` bytes, 1-based.
pub fn overlong(bytes: &[u8], max: usize) -> Option<usize> {
    // The capped reader's count, so that a whole file and a stream agree.
    let e = io::copy(&mut LineCap::with_max(bytes, max), &mut io::sink()).err()?;
    LineTooLong::of(&e).map(|l| l.line)
}

/// A reader that fails, with a [`LineTooLong`], as soon as a line runs past [`MAX_LINE`]
/// bytes (its line end not counted), so no reader downstream ever buffers more than that
/// for one line. Lines end as [`line_starts`] says: LF, CR LF or a lone CR.
#[derive(Debug)]
pub struct LineCap<R> {
    inner: R,
    max: usize,
    /// The line being read, 1-based, and its bytes so far.
    line: usize,
    run: usize,
    /// The last byte read was a CR: an LF right after it ends no other line.
    after_cr: bool,
}

impl<R: Read> LineCap<R> {
    /// Cap the lines of `inner` at [`MAX_LINE`] bytes.
    pub fn new(inner: R) -> Self {
        LineCap::with_max(inner, MAX_LINE)
    }

    /// Cap the lines of `inner` at `max` bytes.
    pub fn with_max(inner: R, max: usize) -> Self {
        LineCap {
            inner,
            max,
            line: 1,
            run: 0,
            after_cr: false,
        }
    }
}

impl<R> LineCap<R> {
    fn too_long(&self) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidData,
            LineTooLong {
                line: self.line,
                max: self.max,
            },
        )
    }
}

impl<R: Read> Read for LineCap<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        // memchr, not a byte loop: every byte of a bulk input passes here.
        let mut start = 0;
        for end in memchr::memchr2_iter(b'\n', b'\r', &buf[..n]) {
            self.run += end - start;
            if self.run > self.max {
                return Err(self.too_long());
            }
            let lf_of_crlf = buf[end] == b'\n' && end == start && self.after_cr;
            if !lf_of_crlf {
                self.line += 1;
            }
            self.after_cr = buf[end] == b'\r';
            self.run = 0;
            start = end + 1;
        }
        if n > start {
            self.after_cr = false;
        }
        self.run += n - start;
        if self.run > self.max {
            return Err(self.too_long());
        }
        Ok(n)
    }
}

/// The start offset of every line of a text.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Index `text`.
    pub fn new(text: &str) -> LineIndex {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { starts }
    }

    /// The 1-based line holding byte `offset`.
    pub fn line(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Probe, session 45: a Cyrillic letter in a Latin name passed, and an id or code with
    /// one was "unknown" though it looked right.
    #[test]
    fn a_word_mixing_scripts_is_named_by_its_odd_letter() {
        assert_eq!(
            look_alike("trеnd-3458218"),
            "; it holds U+0435, a Cyrillic letter, at character 3 among Latin ones"
        );
        assert_eq!(
            look_alike("RУ"),
            "; it holds U+0423, a Cyrillic letter, at character 2 among Latin ones"
        );
        assert_eq!(
            look_alike("Харбмaйдон"),
            "; it holds U+0061, a Latin letter, at character 6 among Cyrillic ones"
        );
        assert_eq!(
            look_alike("Αθηνа"),
            "; it holds U+0430, a Cyrillic letter, at character 5 among Greek ones"
        );
        for fine in [
            "Termez",
            "Харб-Майдон",
            "Kharbmaidon (Харбмайдон)",
            "Düsseldorf",
            "7th",
        ] {
            assert_eq!(look_alike(fine), "", "{fine}");
            assert_eq!(mixed_scripts(fine), None, "{fine}");
        }
        assert_eq!(
            mixed_scripts("Bereg trаining ground").as_deref(),
            Some(
                "mixes scripts within a word: U+0430, a Cyrillic letter, at character 9 (a \
                 look-alike typed on the other keyboard?)"
            )
        );
    }

    #[test]
    fn a_capped_reader_stops_on_the_first_long_line() {
        let text = b"ab\ncdef\ng\nhijklm\n";
        let mut out = Vec::new();
        let e = LineCap::with_max(&text[..], 4)
            .read_to_end(&mut out)
            .unwrap_err();
        assert_eq!(LineTooLong::of(&e), Some(LineTooLong { line: 4, max: 4 }));
        // Read one byte at a time, the count is the same.
        let mut capped = LineCap::with_max(&text[..], 4);
        let mut one = [0u8; 1];
        let e = loop {
            match capped.read(&mut one) {
                Ok(0) => unreachable!("the fourth line is too long"),
                Ok(_) => {}
                Err(e) => break e,
            }
        };
        assert_eq!(LineTooLong::of(&e).map(|l| l.line), Some(4));
        let mut out = Vec::new();
        LineCap::with_max(&text[..], 6)
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, text);
        assert_eq!(overlong(text, 4), Some(4));
        assert_eq!(overlong(text, 6), None);
        assert_eq!(
            Error::io("g.txt", e).to_string(),
            "g.txt:4: longer than 4 bytes: refused as input"
        );
    }

    /// A reader that gives at most `chunk` bytes per read (also the quote watch's tests').
    pub(crate) struct Chunks<'a>(pub(crate) &'a [u8], pub(crate) usize);

    impl Read for Chunks<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(self.1).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    proptest::proptest! {
        /// Whatever the reads' sizes, the capped reader stops on the first line longer
        /// than the cap, lines ending as a text editor ends them (LF, CR LF, lone CR), and
        /// passes every byte through when there is none; `overlong` says the same line.
        #[test]
        fn the_cap_stops_on_the_first_long_line_whatever_its_line_ends(
            text in proptest::collection::vec(proptest::sample::select(vec![b'a', b'\n', b'\r']), 0..200),
            max in 0usize..12,
            chunk in 1usize..40,
        ) {
            let lines = String::from_utf8(text.clone()).unwrap().replace("\r\n", "\n").replace('\r', "\n");
            let long = lines.split('\n').position(|l| l.len() > max).map(|i| i + 1);
            proptest::prop_assert_eq!(overlong(&text, max), long);
            // `line_starts` counts the same lines.
            proptest::prop_assert_eq!(line_starts(&text).count(), lines.matches('\n').count());
            let mut out = Vec::new();
            let got = LineCap::with_max(Chunks(&text, chunk), max).read_to_end(&mut out);
            match long {
                Some(line) => proptest::prop_assert_eq!(
                    got.err().as_ref().and_then(LineTooLong::of),
                    Some(LineTooLong { line, max })
                ),
                None => proptest::prop_assert_eq!(out, text),
            }
        }
    }

    /// Probe 8 #11: "1 features", "1 bases".
    #[test]
    fn counts_are_singular_for_one() {
        assert_eq!(counted(1u64, "feature"), "1 feature");
        assert_eq!(counted(0u64, "base"), "0 bases");
        assert_eq!(counted(2u32, "bad row"), "2 bad rows");
    }

    #[test]
    fn control_characters_are_named() {
        assert_eq!(control_character("Termez"), None);
        // Probe, session 45: a direction override passed into the layers.
        assert_eq!(
            control_character("Kulob\u{202E}").as_deref(),
            Some("must not contain control characters (found U+202E)")
        );
        assert_eq!(control_character("می\u{200C}شود"), None, "a Persian joiner");
        assert_eq!(control_character("Харб-Майдон"), None);
        for (bad, code) in [
            ("a\0b", "0000"),
            ("a\tb", "0009"),
            ("a\nb", "000A"),
            ("\u{7f}", "007F"),
            ("\u{85}", "0085"),
        ] {
            let m = control_character(bad).unwrap();
            assert!(m.ends_with(&format!("(found U+{code})")), "{m}");
        }
    }

    /// Review: a serde message cut to a length lost what it said of the value (the
    /// `expected …` and `at line … column …` after it). The values it quotes are cut, the
    /// rest kept.
    #[test]
    fn a_message_keeps_its_tail_when_the_value_it_quotes_is_cut() {
        let long = "A".repeat(10_000);
        let e = serde_json::from_str::<Vec<u32>>(&format!("[\"{long}\"]")).unwrap_err();
        let m = shown_message(&e.to_string());
        let cut = format!("\"{}… (10000 bytes)\"", "A".repeat(MAX_SHOWN));
        assert_eq!(
            m,
            format!("invalid type: string {cut}, expected u32 at line 1 column 10003")
        );
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct One {
            id: u32,
        }
        let e = serde_json::from_str::<One>(&format!("{{\"{long}\":1}}")).unwrap_err();
        let m = shown_message(&e.to_string());
        assert!(
            m.starts_with(&format!(
                "unknown field `{}… (10000 bytes)`",
                "A".repeat(MAX_SHOWN)
            )) && m.ends_with(", expected `id` at line 1 column 10003"),
            "{m}"
        );
        // Escaped quotes stay inside the value; short values and the rest are as given.
        let text = r#"invalid value: string "a \"b\" \\", expected x"#;
        assert_eq!(shown_message(text), text);
        assert_eq!(shown_message("no quotes"), "no quotes");
        assert_eq!(shown_message("open \"end"), "open \"end");
    }

    #[test]
    fn a_texts_line_end_is_its_first_lines() {
        assert_eq!(line_end("a,b\r\nc\r\n"), "\r\n");
        assert_eq!(line_end("a,b\nc\r\n"), "\n");
        assert_eq!(line_end("a,b\rc\r"), "\r");
        assert_eq!(line_end(""), "\n");
        assert_eq!(line_end("a\r"), "\r");
        for text in ["", "a", "a\n", "a\nb", "a\r\n\r\nb\r\n", "\n\n"] {
            let want: Vec<&str> = text.lines().collect();
            let cr = text.replace("\r\n", "\n").replace('\n', "\r");
            assert_eq!(text_lines(text).collect::<Vec<_>>(), want, "{text:?}");
            assert_eq!(text_lines(&cr).collect::<Vec<_>>(), want, "{cr:?}");
        }
    }

    #[test]
    fn maps_offsets_to_lines() {
        let idx = LineIndex::new("ab\ncd\n\nef");
        assert_eq!(
            [0, 1, 2, 3, 6, 7, 8].map(|o| idx.line(o)),
            [1, 1, 1, 2, 3, 4, 4]
        );
    }
}

/// A reader that turns every line end into LF, CR LF (RFC 4180, Excel) and a lone CR (the
/// classic Mac line end some spreadsheets still save) alike, so that a CSV parser counting
/// LFs numbers lines as a text editor does, whatever the file's line ends. (The `csv` crate
/// ends a record at the CR and reads its LF as the start of the next, which put every row
/// of a CRLF file one line too early, and more after blank lines; it ends a comment line
/// only at an LF, which read a CR-only `places.csv` as one comment.) A lone CR inside a
/// quoted field is read as LF too, as a text editor shows it.
///
/// It also notes the lines it passes on that a CSV reader skips between records, blank
/// lines and (when it reads them so) comment lines ([`CrLf::skipped_lines_at`]): the `csv`
/// crate skips them but gives a record the line where the previous one ended, before them.
#[derive(Debug)]
pub struct CrLf<R> {
    inner: R,
    /// A CR ended the previous read: held until the next byte shows whether an LF follows
    /// (either way, one LF is passed on).
    held: bool,
    /// A byte read for a one-byte buffer that did not fit: the next read's.
    spill: Option<u8>,
    /// The byte a comment line starts with, if the reader skips comments.
    comment: Option<u8>,
    /// The 1-based line of the next byte passed on, whether it starts that line, and
    /// whether the line it is on (begun before) is a comment.
    line: u64,
    line_start: bool,
    in_comment: bool,
    /// Runs of skipped lines passed on and not yet asked about: first line, count.
    skipped: std::collections::VecDeque<(u64, u64)>,
}

impl<R: Read> CrLf<R> {
    /// Wrap `inner`.
    pub fn new(inner: R) -> Self {
        CrLf {
            inner,
            held: false,
            spill: None,
            comment: None,
            line: 1,
            line_start: true,
            in_comment: false,
            skipped: std::collections::VecDeque::new(),
        }
    }

    /// Wrap `inner`, whose lines starting with `comment` the CSV reader skips.
    pub fn with_comments(inner: R, comment: u8) -> Self {
        CrLf {
            comment: Some(comment),
            ..CrLf::new(inner)
        }
    }
}

impl<R> CrLf<R> {
    /// The reader wrapped.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The reader wrapped.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// How many skipped lines (blank, or comments) follow one another from `line` on,
    /// among the lines passed on so far. Asked with increasing lines: the runs before
    /// `line` are forgotten.
    pub fn skipped_lines_at(&mut self, line: u64) -> u64 {
        while let Some(&(first, n)) = self.skipped.front() {
            if first + n > line {
                return if first <= line { first + n - line } else { 0 };
            }
            self.skipped.pop_front();
        }
        0
    }

    /// Note the lines of `out`, the bytes about to be passed on (first, and once).
    fn note_lines(&mut self, out: &[u8]) {
        // Where the current line's bytes in `out` start, and whether it starts there.
        let (mut start, mut whole) = (0, self.line_start);
        let comment = self.comment;
        let is_comment = |at: usize| comment.is_some() && out.get(at).copied() == comment;
        for at in memchr::memchr_iter(b'\n', out) {
            let skipped = if whole {
                at == start || is_comment(start)
            } else {
                self.in_comment
            };
            if skipped {
                match self.skipped.back_mut() {
                    Some((first, n)) if *first + *n == self.line => *n += 1,
                    _ => self.skipped.push_back((self.line, 1)),
                }
            }
            self.line += 1;
            (start, whole) = (at + 1, true);
        }
        if whole && start < out.len() {
            self.in_comment = is_comment(start);
        }
        if let Some(&last) = out.last() {
            self.line_start = last == b'\n';
        }
    }
}

impl<R: Read> Read for CrLf<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if let Some(b) = self.spill.take() {
            buf[0] = b;
            return Ok(1);
        }
        if buf.len() < 2 {
            // Too small to hold a held CR and the byte after it: read two, keep one.
            let mut two = [0u8; 2];
            let n = self.read(&mut two)?;
            if n == 2 {
                self.spill = Some(two[1]);
            }
            buf[0] = two[0];
            return Ok(n.min(1));
        }
        loop {
            let start = usize::from(self.held);
            if self.held {
                buf[0] = b'\r';
            }
            let got = self.inner.read(&mut buf[start..])?;
            if got == 0 {
                self.held = false;
                if start > 0 {
                    buf[0] = b'\n'; // the held CR ends the last line
                }
                self.note_lines(&buf[..start]);
                return Ok(start);
            }
            let end = start + got;
            self.held = false;
            // Drop each CR that an LF follows, make a lone one LF; hold a CR that ends what
            // was read.
            let mut out = 0;
            let mut i = 0;
            while let Some(at) = memchr::memchr(b'\r', &buf[i..end]) {
                let cr = i + at;
                buf.copy_within(i..cr, out);
                out += cr - i;
                if cr + 1 == end {
                    self.held = true;
                    i = end;
                    break;
                }
                if buf[cr + 1] != b'\n' {
                    buf[out] = b'\n';
                    out += 1;
                }
                i = cr + 1;
            }
            buf.copy_within(i..end, out);
            out += end - i;
            if out > 0 {
                self.note_lines(&buf[..out]);
                return Ok(out);
            }
            // Only a held CR was read: read on (returning 0 would mean the end).
        }
    }
}

#[cfg(test)]
mod crlf_tests {
    use super::*;

    fn through(input: &[u8], chunk: usize) -> Vec<u8> {
        let mut r = CrLf::new(io::Cursor::new(input.to_vec()));
        let mut out = Vec::new();
        let mut buf = vec![0u8; chunk];
        loop {
            let n = r.read(&mut buf).unwrap();
            if n == 0 {
                return out;
            }
            out.extend_from_slice(&buf[..n]);
        }
    }

    proptest::proptest! {
        /// Whatever the read sizes, the output is the input with every CR LF and every
        /// lone CR made LF.
        #[test]
        fn every_line_end_becomes_lf_across_any_read_size(
            bytes in proptest::collection::vec(proptest::sample::select(vec![b'\r', b'\n', b'a', b',']), 0..200),
            chunk in 1usize..9,
        ) {
            let text = String::from_utf8(bytes.clone()).unwrap();
            let want = text.replace("\r\n", "\n").replace('\r', "\n");
            proptest::prop_assert_eq!(String::from_utf8(through(&bytes, chunk)).unwrap(), want);
        }

        /// Whatever the read sizes, the blank lines noted are the text's: asked line by
        /// line, each says how many blank lines follow one another from it.
        #[test]
        fn blank_lines_are_noted_across_any_read_size(
            bytes in proptest::collection::vec(proptest::sample::select(vec![b'\r', b'\n', b'a']), 0..200),
            chunk in 1usize..9,
        ) {
            let mut r = CrLf::new(io::Cursor::new(bytes.clone()));
            let mut buf = vec![0u8; chunk];
            while r.read(&mut buf).unwrap() > 0 {}
            let text = String::from_utf8(bytes).unwrap().replace("\r\n", "\n").replace('\r', "\n");
            // Lines ended by an LF; a blank one holds nothing else.
            let ended: Vec<&str> = text.split('\n').collect();
            let ended = &ended[..ended.len() - 1];
            for line in 1..=ended.len() + 1 {
                let want = ended
                    .get(line - 1..)
                    .unwrap_or_default()
                    .iter()
                    .take_while(|l| l.is_empty())
                    .count() as u64;
                proptest::prop_assert_eq!(r.skipped_lines_at(line as u64), want, "line {}", line);
            }
        }
    }
}
