//! GeoJSONSeq records (RFC 8142): one JSON text per line, each optionally preceded by the
//! record separator (RS, 0x1E). Blank lines are skipped, several RS-separated records on
//! one line are read one by one, and a record must fit on one line (the line cap of
//! [`super::input::open_lines`] bounds it).
//!
//! The one record splitter of both GeoJSONSeq readers: bulk events
//! ([`crate::bulk::seq`]) and layers to tile ([`crate::write::tiles::input`]).

use std::io::{self, BufRead};
use std::ops::Range;

/// The RFC 8142 record separator.
pub const RS: u8 = 0x1e;

/// The records of a GeoJSONSeq text, read line by line into one reused buffer.
#[derive(Debug)]
pub struct Records<R> {
    input: R,
    line: Vec<u8>,
    /// Start of the next record within `line`.
    cursor: usize,
    line_no: u64,
}

impl<R: BufRead> Records<R> {
    /// Split `input`.
    pub fn new(input: R) -> Self {
        Records {
            input,
            line: Vec::new(),
            cursor: 0,
            line_no: 0,
        }
    }

    /// The 1-based line of the record last returned (0 before the first).
    pub fn line(&self) -> u64 {
        self.line_no
    }

    /// Where the next non-blank record lies in [`Records::get`], reading lines as needed;
    /// `None` at the end of the input.
    pub fn next_record(&mut self) -> io::Result<Option<Range<usize>>> {
        loop {
            if self.cursor >= self.line.len() {
                self.line.clear();
                self.cursor = 0;
                if self.input.read_until(b'\n', &mut self.line)? == 0 {
                    return Ok(None);
                }
                self.line_no += 1;
                if self.line_no == 1 && self.line.starts_with(super::lines::BOM) {
                    self.cursor = super::lines::BOM.len(); // a byte order mark some editors add
                }
            }
            let mut start = self.cursor;
            while self.line.get(start) == Some(&RS) {
                start += 1;
            }
            let stop = self.line[start..]
                .iter()
                .position(|&b| b == RS)
                .map_or(self.line.len(), |i| start + i);
            self.cursor = stop;
            if self.line[start..stop].iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Ok(Some(start..stop));
        }
    }

    /// The bytes of a record [`Records::next_record`] returned.
    pub fn get(&self, record: Range<usize>) -> &[u8] {
        self.line.get(record).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(bytes: &[u8]) -> Vec<(u64, String)> {
        let mut r = Records::new(bytes);
        let mut out = Vec::new();
        while let Some(rec) = r.next_record().unwrap() {
            out.push((r.line(), String::from_utf8_lossy(r.get(rec)).into_owned()));
        }
        out
    }

    #[test]
    fn records_are_lines_or_rs_separated_texts_with_their_line() {
        let text =
            b"{\"a\":1}\n\n  \n\x1e{\"b\":2}\n\x1e{\"c\":3}\x1e{\"d\":4}\n\x1e\x1e\n{\"e\":5}";
        assert_eq!(
            split(text),
            [
                (1, "{\"a\":1}\n".to_owned()),
                (4, "{\"b\":2}\n".to_owned()),
                (5, "{\"c\":3}".to_owned()),
                (5, "{\"d\":4}\n".to_owned()),
                (7, "{\"e\":5}".to_owned()),
            ]
        );
        assert!(split(b"").is_empty());
        // Probe finding 16: a byte order mark before the first record is not part of it.
        assert_eq!(
            split(b"\xEF\xBB\xBF{\"a\":1}\n\xEF\xBB\xBF{}"),
            [(1, "{\"a\":1}\n".to_owned()), (2, "\u{feff}{}".to_owned())]
        );
        assert!(split(b"\n\x1e\n \t\n").is_empty());
    }

    proptest::proptest! {
        /// Whatever the bytes, the records are the non-blank RS/newline-separated pieces,
        /// in order, and reading never panics.
        #[test]
        fn records_are_the_non_blank_pieces(bytes in proptest::collection::vec(
            proptest::sample::select(vec![b'a', b' ', b'\n', RS, b'{', b'}']), 0..200)) {
            let got: Vec<String> = split(&bytes).into_iter().map(|(_, s)| s.trim().to_owned()).collect();
            let want: Vec<String> = bytes
                .split(|b| *b == b'\n' || *b == RS)
                .map(|p| String::from_utf8_lossy(p).trim().to_owned())
                .filter(|p| !p.is_empty())
                .collect();
            proptest::prop_assert_eq!(got, want);
        }
    }
}
