//! Articles: the news reports the dataset cites (`articles/` in the data folder) and the
//! ones `extract` reads, read by one rule.
//!
//! An article is opened through [`super::input::open`] (a device or a FIFO is refused
//! before it is opened), holds at most [`MAX_BYTES`] and is UTF-8 text: a leading
//! byte-order mark is dropped; a NUL, many control characters, invalid UTF-8 or nothing but
//! white space is an [`InputProblem`] naming the file (and the line, for invalid UTF-8).
//! Lines may be of any length: a report pasted as one paragraph is still a report.

use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};

/// The largest article read, in bytes (a news report is a few kilobytes).
pub const MAX_BYTES: u64 = 4 << 20;

/// Why an article's bytes are not text to extract from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputProblem {
    /// Nothing but white space.
    #[error("empty: there is no text to extract from")]
    Empty,
    /// A NUL or many control bytes.
    #[error("binary, not text: byte {byte:#04x} at offset {offset}")]
    Binary {
        /// The offending byte.
        byte: u8,
        /// Its offset.
        offset: usize,
    },
    /// Not valid UTF-8.
    #[error("not UTF-8: invalid byte {byte:#04x} at line {line}, byte offset {offset} (convert the file to UTF-8 first)")]
    NotUtf8 {
        /// The first invalid byte.
        byte: u8,
        /// Its offset.
        offset: usize,
        /// Its 1-based line.
        line: usize,
    },
    /// Larger than [`MAX_BYTES`].
    #[error("too large: more than {MAX_BYTES} bytes; an article is expected, not a corpus")]
    TooLarge,
}

/// The text of an article's bytes (a leading byte-order mark dropped), or why there is none.
pub fn check_text(bytes: &[u8]) -> Result<&str, InputProblem> {
    if bytes.len() as u64 > MAX_BYTES {
        return Err(InputProblem::TooLarge);
    }
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    if let Some(offset) = bytes.iter().position(|&b| b == 0) {
        return Err(InputProblem::Binary { byte: 0, offset });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        InputProblem::NotUtf8 {
            byte: bytes.get(offset).copied().unwrap_or(0),
            offset,
            line: 1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count(),
        }
    })?;
    let controls = text
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        .count();
    if controls * 20 > text.chars().count().max(1) {
        let (offset, c) = text
            .char_indices()
            .find(|(_, c)| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
            .unwrap_or((0, '\0'));
        return Err(InputProblem::Binary {
            byte: u8::try_from(u32::from(c)).unwrap_or(0),
            offset,
        });
    }
    if text.trim().is_empty() {
        return Err(InputProblem::Empty);
    }
    Ok(text)
}

/// Read an article: at most [`MAX_BYTES`], checked by [`check_text`]; a problem names the
/// file.
pub fn read_article(path: &Path) -> Result<String> {
    let problem = |p: InputProblem| Error::Syntax {
        path: path.to_owned(),
        line: match p {
            InputProblem::NotUtf8 { line, .. } => Some(line),
            _ => None,
        },
        message: p.to_string(),
    };
    let file = super::input::open(path)?;
    // Refused by its size before any of it is read; the cap on the read holds a file that
    // grows meanwhile.
    if file.metadata().map_err(|e| Error::io(path, e))?.len() > MAX_BYTES {
        return Err(problem(InputProblem::TooLarge));
    }
    let mut bytes = Vec::new();
    file.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    check_text(&bytes).map(str::to_owned).map_err(problem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_bytes_are_named_problems() {
        assert_eq!(check_text(b"  \n\t"), Err(InputProblem::Empty));
        assert_eq!(check_text(b""), Err(InputProblem::Empty));
        assert!(matches!(
            check_text(b"ab\0cd"),
            Err(InputProblem::Binary { offset: 2, .. })
        ));
        assert_eq!(
            check_text(b"line one\nIn \xe9t\xe9"),
            Err(InputProblem::NotUtf8 {
                byte: 0xe9,
                offset: 12,
                line: 2
            })
        );
        let big = vec![b'a'; usize::try_from(MAX_BYTES).unwrap() + 1];
        assert_eq!(check_text(&big), Err(InputProblem::TooLarge));
        assert_eq!(check_text(b"\xef\xbb\xbfText"), Ok("Text"));
        assert!(matches!(
            check_text(b"\x01\x02\x03\x04abc"),
            Err(InputProblem::Binary { .. })
        ));
    }

    #[test]
    fn a_file_names_its_problem_and_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, b"Dushanbe, 20 July\nIn \xe9t\xe9").unwrap();
        let e = read_article(&path).unwrap_err().to_string();
        assert!(e.contains("a.txt:2"), "{e}");
        assert!(e.contains("not UTF-8"), "{e}");
        // One long line is text; a byte-order mark is not part of it.
        let long = format!("\u{feff}{}", "word ".repeat(300_000));
        std::fs::write(&path, &long).unwrap();
        assert_eq!(read_article(&path).unwrap(), &long[3..]);
    }
}
