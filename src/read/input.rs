//! Opening input files: every reader of the data folder and of bulk inputs (places, the
//! dataset's TOML, the boundaries, GeoNames dumps and tables, bulk CSV and GeoJSONSeq)
//! opens its file here, so every input has the same limits.
//!
//! - Only regular files are read (a symlink to one is fine): a device, a FIFO, a socket or
//!   a folder is refused before it is opened, so `places.csv -> /dev/zero` cannot fill
//!   memory and a FIFO cannot hang a build.
//! - A file read whole holds at most [`MAX_FILE`] bytes.
//! - A line of a text table (CSV, TOML, GeoNames, GeoJSONSeq) holds at most
//!   [`MAX_LINE`] bytes; a longer one is a syntax error on that line
//!   ([`super::lines::LineTooLong`]), never read into memory whole.
//! - Text must be UTF-8; where it is not, the error names the line. A compressed file
//!   (gzip, zip, bzip2, xz or zstd by its first bytes) is said to be one ([`compressed`]),
//!   and so is a PDF ([`refuse_not_text`]).

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use super::lines::{self, LineCap};
use crate::error::{Error, Result};

pub use super::lines::MAX_LINE;

/// Most bytes a file read whole may hold (the TopoJSON boundaries are 3.6 MB).
pub const MAX_FILE: u64 = 256 << 20;

/// Open `path` for reading if it is a regular file (following symlinks); anything else is
/// refused with an [`Error::Io`] naming it.
pub fn open(path: &Path) -> Result<File> {
    let refuse = |what: &str| {
        Error::io(
            path,
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{what}, not a regular file: refused as input"),
            ),
        )
    };
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if !meta.is_file() {
        return Err(refuse(kind_of(&meta)));
    }
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    // The name may have been swapped for something else between the two looks.
    let meta = file.metadata().map_err(|e| Error::io(path, e))?;
    if !meta.is_file() {
        return Err(refuse(kind_of(&meta)));
    }
    Ok(file)
}

/// What a file that is not a regular one is, as messages name it: "a device", "a FIFO", "a
/// socket", "a folder" (for inputs here, and for `--out`).
pub fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a folder"
    } else {
        "not a file"
    }
}

/// Open a text table at `path` to be read line by line: a line longer than [`MAX_LINE`]
/// stops the read with a syntax error on its line.
pub fn open_lines(path: &Path) -> Result<LineCap<File>> {
    use std::io::Seek;
    let mut file = open(path)?;
    let mut head = Vec::with_capacity(8);
    (&mut file)
        .take(8)
        .read_to_end(&mut head)
        .and_then(|_| file.rewind())
        .map_err(|e| Error::io(path, e))?;
    refuse_not_text(path, &head)?;
    Ok(LineCap::new(file))
}

/// The compressed formats a text input may turn out to be: magic number, name, the command
/// that decompresses it.
const COMPRESSED: [(&[u8], &str, &str); 6] = [
    (b"\x1f\x8b", "gzip", "gunzip -k"),
    (b"PK\x03\x04", "zip", "unzip"),
    (b"PK\x05\x06", "zip", "unzip"),
    (b"BZh", "bzip2", "bunzip2 -k"),
    (b"\xfd7zXZ\x00", "xz", "unxz -k"),
    (b"\x28\xb5\x2f\xfd", "zstd", "unzstd"),
];

/// The compressed format a file starting with `head` is in, and the command that
/// decompresses it; `None` for anything else.
pub fn compressed(head: &[u8]) -> Option<(&'static str, &'static str)> {
    COMPRESSED
        .iter()
        .find(|(magic, name, _)| {
            // `BZh` is also text: a bzip2 stream goes on with its block size digit.
            head.starts_with(magic)
                && (*name != "bzip2"
                    || (head.get(3).is_some_and(u8::is_ascii_digit) && head.get(4) == Some(&0x31)))
        })
        .map(|&(_, name, tool)| (name, tool))
}

/// How a PDF document starts (its header line, ISO 32000-1 section 7.5.2).
const PDF: &[u8] = b"%PDF-";

/// A syntax error for a text input at `path` that starts with `head`, when that is a
/// compressed file's magic number or a PDF's: read as text either is only "binary" or
/// "not UTF-8", and a PDF's binary comment line read as Windows-1251 Cyrillic got a
/// conversion hint that cannot help.
pub(crate) fn refuse_not_text(path: &Path, head: &[u8]) -> Result<()> {
    let message = if let Some((name, tool)) = compressed(head) {
        format!(
            "a {name}-compressed file, not text: decompress it first (`{tool} {}`) and give \
             drillmap the file it holds",
            path.display()
        )
    } else if head.starts_with(PDF) {
        format!(
            "a PDF document, not text: extract its text first (`pdftotext {}` writes it to a \
             .txt file beside it) and give drillmap that file",
            path.display()
        )
    } else {
        return Ok(());
    };
    Err(Error::Syntax {
        path: path.into(),
        line: None,
        message,
    })
}

/// Open a CSV table at `path` to be read record by record: lines capped as by
/// [`open_lines`]; its quoting is watched by the reader every CSV table is read through
/// ([`super::table::reader`]): a quoted field still open at the end of the file is a
/// syntax error on the line it opened ([`super::quotes::UnclosedQuote`]).
pub fn open_csv(path: &Path) -> Result<LineCap<File>> {
    open_lines(path)
}

/// The whole of the regular file at `path`, at most [`MAX_FILE`] bytes (a JSON document:
/// no line limit).
pub fn read(path: &Path) -> Result<Vec<u8>> {
    read_at_most(path, MAX_FILE)?.ok_or_else(|| Error::Syntax {
        path: path.into(),
        line: None,
        message: format!("larger than {} MiB: refused as input", MAX_FILE >> 20),
    })
}

/// The whole of the regular file at `path` if it holds at most `cap` bytes, `None` if it
/// holds more: refused by its size before any of it is read, and by the read itself if
/// it grows meanwhile.
pub fn read_at_most(path: &Path, cap: u64) -> Result<Option<Vec<u8>>> {
    let file = open(path)?;
    if file.metadata().map_err(|e| Error::io(path, e))?.len() > cap {
        return Ok(None);
    }
    let mut bytes = Vec::new();
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    Ok((bytes.len() as u64 <= cap).then_some(bytes))
}

/// The 1-based line and column (in bytes) of byte `at` of `bytes`, for messages.
pub fn line_and_column(bytes: &[u8], at: usize) -> (usize, usize) {
    let before = bytes.get(..at).unwrap_or(bytes);
    let (mut line, mut start) = (1, 0);
    for s in lines::line_starts(before) {
        (line, start) = (line + 1, s);
    }
    (line, at - start + 1)
}

/// The whole of the text table at `path`: [`read`], and no line longer than [`MAX_LINE`].
pub fn read_lines(path: &Path) -> Result<Vec<u8>> {
    let bytes = read(path)?;
    refuse_not_text(path, &bytes)?;
    match lines::overlong(&bytes, MAX_LINE) {
        Some(line) => Err(lines::LineTooLong {
            line,
            max: MAX_LINE,
        }
        .into_error(path)),
        None => Ok(bytes),
    }
}

/// The TOML file at `path` ([`read_text`]: the dataset's files, the geocode cache, the
/// config), its CRLF line ends read as LF: a file saved with CRLF (Windows, git's
/// `autocrlf`) reads as the same text, so a multi-line string carries no `\r` into the
/// layers and a checkout's line ends do not change their bytes (probe, session 39). Lines
/// stay where they were.
pub fn read_toml(path: &Path) -> Result<String> {
    let text = read_text(path)?;
    Ok(if text.contains("\r\n") {
        text.replace("\r\n", "\n")
    } else {
        text
    })
}

/// The whole of the UTF-8 text file at `path` ([`read_lines`]), as it is (a file rewritten
/// with a row more keeps its line ends); bytes that are not UTF-8 are a syntax error on
/// their line.
pub fn read_text(path: &Path) -> Result<String> {
    let bytes = read_lines(path)?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let (line, column) = line_and_column(e.as_bytes(), at);
        Error::Syntax {
            path: path.into(),
            line: Some(line),
            message: format!(
                "not valid UTF-8 (byte 0x{:02x} at column {column})",
                e.as_bytes().get(at).copied().unwrap_or(0)
            ),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_line_ends_read_as_lf() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.toml");
        std::fs::write(&f, "notes = \"\"\"one\r\ntwo\"\"\"\r\nx = 1\r\n").unwrap();
        assert_eq!(
            read_toml(&f).unwrap(),
            "notes = \"\"\"one\ntwo\"\"\"\nx = 1\n"
        );
        // Other text is read as it is (a table rewritten with a row more keeps its ends).
        assert!(read_text(&f).unwrap().ends_with("x = 1\r\n"));
    }

    #[test]
    fn regular_files_and_symlinks_to_them_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.csv");
        std::fs::write(&f, "a\nb\n").unwrap();
        assert_eq!(read(&f).unwrap(), b"a\nb\n");
        #[cfg(unix)]
        {
            let link = dir.path().join("link.csv");
            std::os::unix::fs::symlink(&f, &link).unwrap();
            assert_eq!(read_text(&link).unwrap(), "a\nb\n");
        }
    }

    #[test]
    fn devices_folders_and_fifos_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let e = read(dir.path()).unwrap_err().to_string();
        assert!(e.contains("a folder, not a regular file"), "{e}");
        #[cfg(unix)]
        {
            let link = dir.path().join("zero.csv");
            std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
            let e = open_lines(&link).unwrap_err().to_string();
            assert!(e.contains("a device, not a regular file"), "{e}");
            assert!(e.starts_with(&link.display().to_string()), "{e}");
        }
    }

    #[test]
    fn a_file_over_the_cap_is_refused_before_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("big.txt");
        // Sparse: no disk and, if it were read, 256 MiB of memory.
        File::create(&f).unwrap().set_len(MAX_FILE + 1).unwrap();
        let e = read_text(&f).unwrap_err().to_string();
        assert!(e.contains("larger than 256 MiB: refused as input"), "{e}");
    }

    #[test]
    fn invalid_utf8_names_its_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("e.toml");
        std::fs::write(&f, b"a = 1\nb = \"x\xffy\"\n").unwrap();
        let e = read_text(&f).unwrap_err();
        assert!(matches!(e, Error::Syntax { line: Some(2), .. }), "{e:?}");
        assert!(e.to_string().contains("byte 0xff at column 7"), "{e}");
        // Lines end as a text editor ends them: CR LF and a lone CR are one line end each.
        let text = b"a = 1\r\nb = 2\rc = \"x\xffy\"\n";
        assert_eq!(line_and_column(text, 11), (2, 5));
        assert_eq!(line_and_column(text, 19), (3, 7));
    }

    /// Probe 8 #7: a gzipped CSV was told it may be "a UTF-16 export".
    #[test]
    fn a_compressed_file_is_said_to_be_one() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("e.csv.gz");
        std::fs::write(&f, b"\x1f\x8b\x08\x00rest").unwrap();
        for e in [open_lines(&f).map(|_| ()), read_lines(&f).map(|_| ())] {
            let e = e.unwrap_err().to_string();
            assert!(e.contains("a gzip-compressed file, not text"), "{e}");
            assert!(e.contains("gunzip -k"), "{e}");
        }
        std::fs::write(&f, b"PK\x03\x04\x14\x00").unwrap();
        assert!(open_lines(&f)
            .unwrap_err()
            .to_string()
            .contains("zip-compressed"));
        // Independent probe: a PDF got the hint to convert it from Windows-1251.
        std::fs::write(&f, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n").unwrap();
        let e = open_lines(&f).unwrap_err().to_string();
        assert!(
            e.contains("a PDF document, not text") && e.contains("pdftotext"),
            "{e}"
        );
        // Text that starts like a magic number is text, and is read from its start.
        std::fs::write(&f, b"BZh,b\n1,2\n").unwrap();
        let mut text = String::new();
        open_lines(&f).unwrap().read_to_string(&mut text).unwrap();
        assert_eq!(text, "BZh,b\n1,2\n");
    }

    #[test]
    fn an_overlong_line_is_refused_on_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("p.csv");
        let mut text = b"id,name\n".to_vec();
        text.extend(std::iter::repeat_n(b',', MAX_LINE + 1));
        std::fs::write(&f, &text).unwrap();
        let e = read_lines(&f).unwrap_err();
        assert!(matches!(e, Error::Syntax { line: Some(2), .. }), "{e:?}");
        assert!(e.to_string().len() < 200, "{e}");
    }
}
