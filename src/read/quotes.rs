//! CSV quoted fields left open at the end of the input: the csv crate takes a field whose
//! closing quote never comes as running to the end of the file and keeps the cut value,
//! so a truncated CSV would read as whole. [`QuoteWatch`] follows the quoting of the bytes
//! the csv reader reads (the csv crate's own rule: a quote opens a quoted field only at the
//! start of a field, `""` inside one is a quote) and fails the read at the end of the input
//! when a quoted field is still open, with an [`UnclosedQuote`] naming where it opened.

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Outside a quoted field, the last byte ended a field (or nothing was read yet).
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
}

impl<R: Read> QuoteWatch<R> {
    /// Watch the quoting of `inner`.
    pub fn new(inner: R) -> Self {
        QuoteWatch {
            inner,
            state: State::FieldStart,
            offset: 0,
            line: 1,
            open_line: 0,
            open_start: Vec::new(),
        }
    }

    fn follow(&mut self, buf: &[u8]) {
        let mut i = 0;
        // A byte order mark before the first field is not part of it (the csv crate skips it).
        let offset = usize::try_from(self.offset).unwrap_or(usize::MAX);
        while i < buf.len() && super::lines::BOM.get(offset.saturating_add(i)) == Some(&buf[i]) {
            i += 1;
        }
        let mut counted = i;
        while i < buf.len() {
            match self.state {
                State::FieldStart | State::Unquoted => {
                    // Only a quote opens anything; a delimiter or line end before it
                    // decides whether it starts a field.
                    let Some(q) = memchr::memchr(b'"', &buf[i..]) else {
                        if let Some(&last) = buf.last() {
                            self.state = after(self.state, last);
                        }
                        break;
                    };
                    let at = i + q;
                    let before = if at > i {
                        after(self.state, buf[at - 1])
                    } else {
                        self.state
                    };
                    if before == State::FieldStart {
                        self.line += memchr::memchr_iter(b'\n', &buf[counted..at]).count();
                        counted = at;
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
                    let room = SHOWN * 4 - self.open_start.len().min(SHOWN * 4);
                    self.open_start
                        .extend_from_slice(&buf[i..end.min(i.saturating_add(room))]);
                    if end < buf.len() {
                        self.state = State::QuoteInQuoted;
                    }
                    i = end + 1;
                }
                State::QuoteInQuoted => {
                    self.state = match buf[i] {
                        b'"' => {
                            if self.open_start.len() < SHOWN * 4 {
                                self.open_start.push(b'"');
                            }
                            State::Quoted
                        }
                        b => after(State::Unquoted, b),
                    };
                    i += 1;
                }
            }
        }
        self.line += memchr::memchr_iter(b'\n', &buf[counted.min(buf.len())..]).count();
        self.offset += buf.len() as u64;
    }
}

/// The state after byte `b` read outside a quoted field.
fn after(state: State, b: u8) -> State {
    match b {
        b',' | b'\n' | b'\r' => State::FieldStart,
        _ if state == State::FieldStart || state == State::Unquoted => State::Unquoted,
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
