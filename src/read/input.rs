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

/// A compressed format a text input may turn out to be.
struct Compression {
    magic: &'static [u8],
    name: &'static str,
    /// The suffixes its files usually have.
    suffixes: &'static [&'static str],
    /// The command that decompresses a file with such a suffix to one beside it.
    beside: &'static str,
    /// The command that writes any file's content to standard output.
    to_stdout: &'static str,
}

const COMPRESSED: [Compression; 6] = [
    Compression {
        magic: b"\x1f\x8b",
        name: "gzip",
        suffixes: &["gz", "tgz"],
        beside: "gunzip -k",
        to_stdout: "gzip -dc",
    },
    Compression {
        magic: b"PK\x03\x04",
        name: "zip",
        suffixes: &[],
        beside: "unzip",
        to_stdout: "unzip",
    },
    Compression {
        magic: b"PK\x05\x06",
        name: "zip",
        suffixes: &[],
        beside: "unzip",
        to_stdout: "unzip",
    },
    Compression {
        magic: b"BZh",
        name: "bzip2",
        suffixes: &["bz2"],
        beside: "bunzip2 -k",
        to_stdout: "bzip2 -dc",
    },
    Compression {
        magic: b"\xfd7zXZ\x00",
        name: "xz",
        suffixes: &["xz"],
        beside: "unxz -k",
        to_stdout: "xz -dc",
    },
    Compression {
        magic: b"\x28\xb5\x2f\xfd",
        name: "zstd",
        suffixes: &["zst"],
        beside: "unzstd",
        to_stdout: "zstd -dc",
    },
];

/// The compressed format a file starting with `head` is in; `None` for anything else.
fn compressed(head: &[u8]) -> Option<&'static Compression> {
    COMPRESSED.iter().find(|c| {
        // `BZh` is also text: a bzip2 stream goes on with its block size digit.
        head.starts_with(c.magic)
            && (c.name != "bzip2"
                || (head.get(3).is_some_and(u8::is_ascii_digit) && head.get(4) == Some(&0x31)))
    })
}

/// The name of the compressed format a file starting with `head` is in, and the command
/// that decompresses `path` to a file beside it; `None` for anything else. A name without
/// the format's suffix gets the form that writes to standard output: `gunzip -k` refuses a
/// `.txt` name ("unknown suffix -- ignored"), so the hint could not be followed.
pub fn decompress_hint(path: &Path, head: &[u8]) -> Option<(&'static str, String)> {
    let c = compressed(head)?;
    let shown = path.display();
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if c.suffixes.is_empty() || c.suffixes.iter().any(|s| ext.eq_ignore_ascii_case(s)) {
        return Some((c.name, format!("{} {shown}", c.beside)));
    }
    let stem = path
        .file_stem()
        .map_or_else(Default::default, |s| s.to_string_lossy());
    let out = match ext {
        "" => format!("{stem}-decompressed"),
        ext => format!("{stem}-decompressed.{ext}"),
    };
    let out = path.with_file_name(out);
    Some((
        c.name,
        format!("{} {shown} > {}", c.to_stdout, out.display()),
    ))
}

/// How a PDF document starts (its header line, ISO 32000-1 section 7.5.2).
const PDF: &[u8] = b"%PDF-";

/// A syntax error for a text input at `path` that starts with `head`, when that is a
/// compressed file's magic number or a PDF's: read as text either is only "binary" or
/// "not UTF-8", and a PDF's binary comment line read as Windows-1251 Cyrillic got a
/// conversion hint that cannot help.
pub(crate) fn refuse_not_text(path: &Path, head: &[u8]) -> Result<()> {
    let message = if let Some((name, command)) = decompress_hint(path, head) {
        format!(
            "a {name}-compressed file, not text: decompress it first (`{command}`) and give \
             drillmap the file it holds"
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
        let bytes = e.as_bytes();
        let at = e.utf8_error().valid_up_to();
        let (line, column) = line_and_column(bytes, at);
        // How to convert it, from its line's bytes, as a table's field says (a UTF-16 file
        // from Notepad, a cp1251 one; probe, session 45: a TOML file gave no hint).
        let start = at + 1 - column;
        let hint = super::table::encoding_hint(&bytes[start..bytes.len().min(start + 256)]);
        Error::Syntax {
            path: path.into(),
            line: Some(line),
            message: format!(
                "not valid UTF-8 (byte 0x{:02x} at column {column}): {hint}",
                bytes.get(at).copied().unwrap_or(0)
            ),
        }
    })
}

/// TOML `text` read from `path` as a `T`: a syntax error names the file, the line and
/// what is wrong ([`toml_message`]); the one reading of every TOML file drillmap reads (the
/// dataset, a config, the geocode cache).
pub fn parse_toml<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T> {
    toml::from_str(text).map_err(|e| Error::Syntax {
        path: path.into(),
        line: e.span().map(|s| lines::LineIndex::new(text).line(s.start)),
        message: toml_message(&e, text),
    })
}

/// What to say of TOML `text` that does not parse, for every TOML file drillmap reads (the
/// dataset, a config, the geocode cache): the reader's message, with the value it stands
/// on where the message does not name it: a date written where a string is wanted
/// ([`toml_date`]), the key given twice (probe, session 41: `duplicate key` alone).
pub fn toml_message(e: &toml::de::Error, text: &str) -> String {
    let value = e.span().and_then(|s| text.get(s)).unwrap_or("").trim();
    let message = e.message().trim();
    if message.starts_with("invalid type") {
        if let Some(date) = toml_date(value) {
            return date;
        }
    }
    match message == "duplicate key" && !value.is_empty() {
        true => format!("duplicate key `{value}`: each key is given once in a table"),
        false => message.to_owned(),
    }
}

/// What to say of a TOML date or time written where the dataset wants a string (`start =
/// 2021-08-05`), which the TOML reader calls "invalid type: map, expected a string" (probe,
/// session 39): the value, and how to write it.
pub(crate) fn toml_date(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let date = bytes.len() >= 10
        && bytes[..10].iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    let time = bytes.len() >= 8 && bytes[2] == b':' && bytes[5] == b':';
    (date || time).then(|| {
        format!("{value:?}: a TOML date or time, not a string: write it in quotes (\"{value}\")")
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
        // Session 42: under a name without the suffix the hint was `gunzip -k x.txt`,
        // which gunzip refuses ("unknown suffix -- ignored"); it writes to stdout instead.
        let txt = dir.path().join("cities500.txt");
        std::fs::write(&txt, b"\x1f\x8b\x08\x00rest").unwrap();
        let e = open_lines(&txt).unwrap_err().to_string();
        let want = format!(
            "`gzip -dc {} > {}`",
            txt.display(),
            dir.path().join("cities500-decompressed.txt").display()
        );
        assert!(e.contains(&want) && !e.contains("gunzip"), "{e}");
        let xz = dir.path().join("events");
        std::fs::write(&xz, b"\xfd7zXZ\x00rest").unwrap();
        let e = open_lines(&xz).unwrap_err().to_string();
        assert!(
            e.contains("`xz -dc ") && e.contains("events-decompressed`"),
            "{e}"
        );
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
