//! CSV tables as every reader of one takes them (the bulk events reader and
//! `geocode --batch`): records read with CR LF line ends as LF, each named by the physical
//! line it starts on, and a row whose width is not the header's a problem at its line.

use std::io::Read;
use std::path::Path;

use super::lines::{excerpt, CrLf};
use crate::error::Problem;

/// A CSV reader over `input` as the table readers build it: CR LF read as LF ([`CrLf`], so
/// that lines are counted as a text editor counts them), rows of any width (a wrong one is
/// a problem on its line, [`row_width`], not the end of the file).
pub fn reader<R: Read>(input: R) -> csv::Reader<CrLf<R>> {
    csv::ReaderBuilder::new()
        .flexible(true)
        .buffer_capacity(1 << 20)
        .from_reader(CrLf::new(input))
}

/// The physical line where the record read at `position` starts: the csv crate gives a
/// record the line after the previous one, before the blank lines it skipped.
pub fn first_line<R: Read>(
    reader: &mut csv::Reader<CrLf<R>>,
    position: Option<&csv::Position>,
) -> u64 {
    let after_previous = position.map_or(1, csv::Position::line);
    after_previous + reader.get_mut().blank_lines_at(after_previous)
}

/// Whether `record` (starting on `line` of `path`) is a row of a table whose header has
/// `width` columns: `Ok(true)` for a row, `Ok(false)` for a blank line to skip, or the
/// problem naming both counts.
pub fn row_width(
    path: &Path,
    line: u64,
    record: &csv::StringRecord,
    width: usize,
) -> Result<bool, Problem> {
    if record.len() == width {
        return Ok(true);
    }
    if record.len() == 1 && record.get(0).is_some_and(str::is_empty) {
        return Ok(false); // a blank line
    }
    let text: Vec<&str> = record.iter().collect();
    Err(Problem::new(
        path,
        usize::try_from(line).ok(),
        excerpt(&text.join(","), 80),
        format!(
            "expected {width} columns as in the header, found {}",
            record.len()
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn a_row_of_another_width_is_a_problem_at_its_line() {
        let row = csv::StringRecord::from(vec!["a", "b", "c"]);
        let p = row_width(Path::new("t.csv"), 3, &row, 2).unwrap_err();
        assert_eq!(
            p.to_string(),
            "t.csv:3: \"a,b,c\": expected 2 columns as in the header, found 3"
        );
        assert_eq!(row_width(Path::new("t.csv"), 3, &row, 3), Ok(true));
        let blank = csv::StringRecord::from(vec![""]);
        assert_eq!(row_width(Path::new("t.csv"), 3, &blank, 2), Ok(false));
    }
}
