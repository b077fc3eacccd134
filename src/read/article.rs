//! Articles: the news reports the dataset cites (`articles/` in the data folder) and the
//! ones `extract` reads, read by one rule.
//!
//! An article is opened through [`super::input::open`] (a device or a FIFO is refused
//! before it is opened), holds at most [`MAX_BYTES`] and is UTF-8 text: a leading
//! byte-order mark is dropped; a NUL, many control characters, invalid UTF-8 or nothing but
//! white space is an [`InputProblem`] naming the file (and the line, for invalid UTF-8).
//! Lines may be of any length: a report pasted as one paragraph is still a report.

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
    #[error("not UTF-8: invalid byte {byte:#04x} at line {line}, column {column}")]
    NotUtf8 {
        /// The first invalid byte.
        byte: u8,
        /// Its 1-based line.
        line: usize,
        /// Its 1-based column, in bytes.
        column: usize,
    },
    /// Larger than [`MAX_BYTES`].
    #[error("too large: more than {MAX_BYTES} bytes; an article is expected, not a corpus")]
    TooLarge,
}

/// The text of an article's bytes (a leading byte-order mark dropped), or why there is none;
/// offsets, lines and columns count in the bytes as given, the mark included.
pub fn check_text(bytes: &[u8]) -> Result<&str, InputProblem> {
    if bytes.len() as u64 > MAX_BYTES {
        return Err(InputProblem::TooLarge);
    }
    let all = bytes;
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mark = all.len() - bytes.len();
    if let Some(offset) = bytes.iter().position(|&b| b == 0) {
        return Err(InputProblem::Binary {
            byte: 0,
            offset: mark + offset,
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let at = mark + e.valid_up_to();
        let (line, column) = super::input::line_and_column(all, at);
        InputProblem::NotUtf8 {
            byte: all.get(at).copied().unwrap_or(0),
            line,
            column,
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
            offset: mark + offset,
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
    let problem = |p: InputProblem, bytes: &[u8]| {
        // How to make it UTF-8, as the tables say (probe, session 30: a UTF-16 article was
        // only "binary"): told by the line that is not UTF-8, or the file's start.
        let hint = match p {
            InputProblem::NotUtf8 { line, .. } => {
                let starts = || super::lines::line_starts(bytes);
                let start = line
                    .checked_sub(2)
                    .map_or(0, |n| starts().nth(n).unwrap_or(0));
                let end = starts().find(|&e| e > start).unwrap_or(bytes.len());
                let text = &bytes[start..end];
                let text = text.strip_suffix(b"\n").unwrap_or(text);
                Some(super::table::encoding_hint(
                    text.strip_suffix(b"\r").unwrap_or(text),
                ))
            }
            // Only UTF-16 or UTF-32 text: a PDF or an image holds NULs too (review, session
            // 30: a PDF was told to convert from Windows-1251).
            InputProblem::Binary { byte: 0, .. } => {
                super::table::wide_encoding_hint(&bytes[..bytes.len().min(64)])
            }
            _ => None,
        };
        Error::Syntax {
            path: path.to_owned(),
            line: match p {
                InputProblem::NotUtf8 { line, .. } => Some(line),
                _ => None,
            },
            message: match hint {
                Some(hint) => format!("{p}; {hint}"),
                None => p.to_string(),
            },
        }
    };
    let bytes = super::input::read_at_most(path, MAX_BYTES)?
        .ok_or_else(|| problem(InputProblem::TooLarge, &[]))?;
    // A compressed article or a PDF says so and what to do first, as every text input does
    // (read as text it is only "binary", or a PDF "not UTF-8" with a code page's hint).
    super::input::refuse_not_text(path, &bytes)?;
    check_text(&bytes)
        .map(str::to_owned)
        .map_err(|p| problem(p, &bytes))
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
                line: 2,
                column: 4
            })
        );
        let big = vec![b'a'; usize::try_from(MAX_BYTES).unwrap() + 1];
        assert_eq!(check_text(&big), Err(InputProblem::TooLarge));
        assert_eq!(check_text(b"\xef\xbb\xbfText"), Ok("Text"));
        // Offsets and columns count the byte-order mark: they point into the file.
        assert!(matches!(
            check_text(b"\xef\xbb\xbfab\0"),
            Err(InputProblem::Binary { offset: 5, .. })
        ));
        assert_eq!(
            check_text(b"\xef\xbb\xbfab\xff"),
            Err(InputProblem::NotUtf8 {
                byte: 0xff,
                line: 1,
                column: 6
            })
        );
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
        // Probe (session 30): how to convert it, as the tables say: Windows-1251 told by
        // the line that is not UTF-8; UTF-16 by its byte-order mark (was only "binary").
        std::fs::write(
            &path,
            b"Dushanbe, 20 July\r\n\xd3\xf7\xe5\xed\xe8\xff\r\nmore",
        )
        .unwrap();
        let e = read_article(&path).unwrap_err().to_string();
        assert!(e.contains("a.txt:2") && e.contains("\"Учения\""), "{e}");
        assert!(e.contains("iconv -f cp1251 -t utf-8"), "{e}");
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("Dushanbe".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        std::fs::write(&path, &utf16).unwrap();
        let e = read_article(&path).unwrap_err().to_string();
        assert!(
            e.contains("binary, not text") && e.contains("iconv -f utf-16"),
            "{e}"
        );
        std::fs::write(&path, &utf16[2..]).unwrap();
        let e = read_article(&path).unwrap_err().to_string();
        assert!(e.contains("iconv -f utf-16"), "no byte-order mark: {e}");
        let utf32: Vec<u8> = [0xFF, 0xFE, 0, 0]
            .into_iter()
            .chain("Dushanbe".chars().flat_map(|c| u32::from(c).to_le_bytes()))
            .collect();
        std::fs::write(&path, &utf32).unwrap();
        let e = read_article(&path).unwrap_err().to_string();
        assert!(e.contains("iconv -f utf-32"), "{e}");
        // Independent probe: without its byte-order mark it got no hint.
        std::fs::write(&path, &utf32[4..]).unwrap();
        let e = read_article(&path).unwrap_err().to_string();
        assert!(e.contains("iconv -f utf-32"), "no byte-order mark: {e}");
        // A PDF is no text to convert (review, session 30: it was told to convert from
        // Windows-1251): it is named, with NULs or without (independent probe: its binary
        // comment line, read as Windows-1251, still got that hint).
        let pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Length 5 >> stream\n".to_vec();
        for tail in [&b"x\0\0y endstream"[..], b"xy endstream"] {
            std::fs::write(&path, [&pdf[..], tail].concat()).unwrap();
            let e = read_article(&path).unwrap_err().to_string();
            assert!(e.contains("a PDF document, not text"), "{e}");
            assert!(e.contains("pdftotext") && !e.contains("iconv"), "{e}");
        }
        // One long line is text; a byte-order mark is not part of it.
        let long = format!("\u{feff}{}", "word ".repeat(300_000));
        std::fs::write(&path, &long).unwrap();
        assert_eq!(read_article(&path).unwrap(), &long[3..]);
        // Probe (session 24): a gzipped article was "binary, not text: byte 0x00 at
        // offset 8"; it is named as gzip, with the command that decompresses it.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, b"Dushanbe, 20 July").unwrap();
        std::fs::write(&path, gz.finish().unwrap()).unwrap();
        let e = read_article(&path).unwrap_err().to_string();
        assert!(e.contains("a gzip-compressed file, not text"), "{e}");
        // The article is named `.txt`, which `gunzip -k` refuses: the hint writes to a file.
        assert!(
            e.contains("`gzip -dc ") && e.contains("a-decompressed.txt`"),
            "{e}"
        );
    }
}
