//! The CSV events reader: a header row, then one event site per row.
//!
//! Columns are found by [`Columns`] (documented default names, or a mapping). Every column
//! that is not a field is a free property, written under its header name (prefixed `src_`
//! when the name is one drillmap writes itself, e.g. ACLED's `geo_precision`) as a string, or
//! as a number when listed in [`Columns::numeric`]. Records are split into fields, checked
//! as UTF-8 and put, with their free properties formatted, into [`Chunk`]s of rows on a
//! thread of their own, a few chunks ahead of the build; the build threads take those
//! chunks as they are ([`EventReader::fill`]), and used chunks come back to be refilled.

use rustc_hash::FxHashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender};

use super::chunk::{Chunk, Item};
use super::{Columns, EventReader, Field, Next};
use crate::error::{Error, Problem, Result};
use crate::json;
use crate::model::properties::{is_event_key_in_any_case, same_key_message, source_key};
use crate::model::properties::{ReadBack, GEOCODER_READ_BACK, POINT_SOURCE_READ_BACK};
use crate::read::table::{self, first_line};
use crate::workers::panic_message;

/// The JSON key a free column or property is written under: its name, or `src_<name>` when
/// drillmap writes that key itself, in any case ([`is_event_key_in_any_case`]: `Admin1`
/// gives `src_Admin1`).
pub fn free_key(name: &str) -> String {
    if is_event_key_in_any_case(name) {
        source_key(name)
    } else {
        name.to_owned()
    }
}

/// The keys the free columns of a header, or the free properties of a GeoJSONSeq feature,
/// are written under ([`free_key`]), by the one rule of free names: a name that is empty or
/// holds a control character is refused, and so is a name whose key another name already
/// took, in any case (`admin1` and `src_admin1` both give `src_admin1`; `Notes` beside
/// `notes` is one name to GeoPackage, shapefiles and SQL, which ignore case), naming both,
/// since one of the two values would be lost.
#[derive(Debug, Default)]
pub struct FreeKeys {
    /// The names taken, each with its key, in order.
    taken: Vec<(String, String)>,
    /// Each key's index in `taken` by its ASCII lower case, once they are more than
    /// [`FreeKeys::SCAN`] (few names are looked for in a scan, many in this map: a header
    /// or a feature of 80,000 names took 20 s compared pair by pair; probe, session 27).
    index: FxHashMap<String, usize>,
}

impl FreeKeys {
    /// Up to this many names, a new one is compared with each.
    const SCAN: usize = 32;

    /// Forget the keys taken (for the next feature).
    pub fn clear(&mut self) {
        self.taken.clear();
        self.index.clear();
    }

    /// The index in `taken` of the name whose key is `key` in any case.
    fn find(&mut self, key: &str) -> Option<usize> {
        if self.taken.len() <= Self::SCAN {
            return self
                .taken
                .iter()
                .position(|(_, k)| k.eq_ignore_ascii_case(key));
        }
        if self.index.is_empty() {
            for (i, (_, k)) in self.taken.iter().enumerate() {
                self.index.entry(k.to_ascii_lowercase()).or_insert(i);
            }
        }
        self.index.get(&key.to_ascii_lowercase()).copied()
    }

    /// The key `name` is written under, or why not: `what` the names are (`columns`,
    /// `properties`) in the message, which follows the name.
    pub fn take(&mut self, name: &str, what: &str) -> std::result::Result<&str, String> {
        if name.is_empty() {
            return Err(format!("{what} need a name: this one is empty"));
        }
        if let Some(m) = crate::read::lines::control_character(name) {
            return Err(format!("a name {m}"));
        }
        let key = free_key(name);
        if let Some((first, taken)) = self.find(&key).and_then(|i| self.taken.get(i)) {
            return Err(if *taken == key {
                same_key_message(what, first, name, &key)
            } else {
                format!(
                    "{what} {first:?} and {name:?} would be written as properties {taken:?} \
                     and {key:?}, one name to GeoPackage, shapefiles and SQL, which ignore \
                     case: rename one"
                )
            });
        }
        if !self.index.is_empty() {
            self.index
                .insert(key.to_ascii_lowercase(), self.taken.len());
        }
        self.taken.push((name.to_owned(), key));
        Ok(self.taken.last().map_or("", |(_, k)| k.as_str()))
    }
}

/// One free column: where it is, its `,"key":` fragment, and whether it is numeric.
#[derive(Debug, Clone)]
struct FreeColumn {
    index: usize,
    key: Vec<u8>,
    name: String,
    numeric: bool,
}

/// Chunks read ahead by the reading thread.
const AHEAD: usize = 4;

/// What the reading thread hands over, in file order: rows, then the end of the file or
/// the error that stopped the reading. The end is said, never inferred: a channel closed
/// without it means the thread failed.
#[derive(Debug)]
enum Batch {
    Rows(Chunk),
    End,
    Failed(Error),
}

/// How the reading thread turns records into rows.
#[derive(Debug)]
struct Layout {
    path: PathBuf,
    fields: [Option<usize>; Field::ALL.len()],
    width: usize,
    /// The header's names, which a field that is not UTF-8 is named by.
    header: Vec<String>,
    free: Vec<FreeColumn>,
    /// The free columns a layer's `geocoder` and `point_source` are read back under, if
    /// any ([`Row::read_back`](super::Row::read_back)).
    read_back: [Option<usize>; 2],
}

impl Layout {
    /// Add `record` (read without error, starting on `line`) to `chunk`: a row, or a
    /// problem at its line.
    fn push(&self, record: &csv::StringRecord, line: u64, chunk: &mut Chunk) {
        if let Err(p) = table::row_width(&self.path, line, record, self.width) {
            return chunk.items.push(Item::Bad(p));
        }
        let field = |f: Field| {
            self.fields[f as usize]
                .and_then(|i| record.get(i))
                .map_or("", str::trim_ascii)
        };
        let [geocoder, point_source] = self
            .read_back
            .map(|c| c.and_then(|i| record.get(i)).unwrap_or(""));
        let read_back = ReadBack::of(geocoder, point_source);
        chunk.push_fields(line, read_back, Field::ALL.map(field), |out| {
            free_properties(&self.free, record, out).map_err(|(value, message)| {
                Problem::new(&self.path, usize::try_from(line).ok(), value, message)
            })
        });
    }
}

/// Records read (split into fields, checked as UTF-8, their free properties formatted)
/// into chunks of rows on a thread of their own, handed over in file order; used chunks go
/// back to be refilled.
#[derive(Debug)]
struct Feed {
    batches: Receiver<Batch>,
    recycle: Sender<Chunk>,
    /// The reading thread, joined when its channel closes.
    thread: Option<std::thread::JoinHandle<()>>,
    /// Whether the thread said the file ended (or failed).
    ended: bool,
}

impl Feed {
    fn start<R: Read + Send + 'static>(mut reader: table::Reader<R>, layout: Layout) -> Feed {
        let (send, batches) = sync_channel::<Batch>(AHEAD);
        let (recycle, used) = channel::<Chunk>();
        let thread = std::thread::spawn(move || {
            let mut record = None;
            loop {
                let mut chunk = used.try_recv().unwrap_or_default();
                chunk.clear();
                let (more, failed) = chunk.fill(|chunk| {
                    match table::read_text(&mut reader, &mut record, &layout.header) {
                        Ok(Ok(Some(record))) => {
                            let line = first_line(&mut reader, record.position());
                            layout.push(record, line, chunk);
                            Ok(true)
                        }
                        Ok(Ok(None)) => Ok(false),
                        Ok(Err(bad)) => {
                            chunk
                                .items
                                .push(Item::Bad(bad.problem(&layout.path, &mut reader)));
                            Ok(true)
                        }
                        Err(e) => {
                            let bad = table::unreadable(&layout.path, &mut reader, e)?;
                            chunk.items.push(Item::Bad(bad));
                            Ok(true)
                        }
                    }
                });
                // A closed channel means the reader was dropped: stop.
                if !chunk.items.is_empty() && send.send(Batch::Rows(chunk)).is_err() {
                    return;
                }
                let end = match (more, failed) {
                    (_, Some(e)) => Batch::Failed(e),
                    (false, None) => Batch::End,
                    (true, None) => continue,
                };
                let _ = send.send(end);
                return;
            }
        });
        Feed {
            batches,
            recycle,
            thread: Some(thread),
            ended: false,
        }
    }

    /// Swap the next chunk read into `chunk` (the one given goes back to be refilled):
    /// whether the file goes on, and the error that stopped the reading. An
    /// [`Error::Internal`] when the reading thread panicked or stopped without reaching
    /// the end.
    fn next(&mut self, chunk: &mut Chunk) -> (bool, Option<Error>) {
        chunk.clear();
        if self.ended {
            return (false, None);
        }
        match self.batches.recv() {
            Ok(Batch::Rows(mut rows)) => {
                std::mem::swap(chunk, &mut rows);
                let _ = self.recycle.send(rows);
                (true, None)
            }
            Ok(Batch::End) => {
                self.ended = true;
                (false, self.join().err())
            }
            Ok(Batch::Failed(e)) => {
                self.ended = true;
                (false, Some(e))
            }
            Err(_) => {
                self.ended = true;
                let e = self.join().err().unwrap_or_else(|| {
                    Error::Internal(
                        "the CSV reading thread stopped before the end of the file".into(),
                    )
                });
                (false, Some(e))
            }
        }
    }

    /// Wait for the reading thread; its panic is an [`Error::Internal`].
    fn join(&mut self) -> Result<()> {
        match self.thread.take().map(std::thread::JoinHandle::join) {
            Some(Err(payload)) => Err(Error::Internal(format!(
                "the CSV reading thread panicked: {}",
                panic_message(payload.as_ref())
            ))),
            _ => Ok(()),
        }
    }
}

/// Reads rows from CSV; the records are read ahead on a thread.
#[derive(Debug)]
pub struct CsvReader {
    feed: Feed,
    /// The chunk [`EventReader::next_row`] reads from, and its next item.
    chunk: Chunk,
    at: usize,
    /// Whether the header has each [`Columns::numeric`] column, in that order.
    numeric_present: Vec<bool>,
}

impl CsvReader {
    /// Open `path`.
    pub fn open(path: &Path, columns: &Columns) -> Result<Self> {
        let file = crate::read::input::open_csv(path)?;
        CsvReader::new(path, file, columns)
    }

    /// Read the header of `input` (named `path` in messages) and map its columns.
    pub fn new<R: Read + Send + 'static>(path: &Path, input: R, columns: &Columns) -> Result<Self> {
        let mut reader = table::reader(input);
        let (header_line, header) = match table::header(&mut reader) {
            Ok(h) => h,
            Err(e) => return Err(table::stop(path, &mut reader, e)),
        };
        let syntax = |message: String| Error::Syntax {
            path: path.to_path_buf(),
            line: usize::try_from(header_line).ok(),
            message,
        };
        let header = header.map_err(syntax)?;
        if header.iter().all(String::is_empty) {
            return Err(syntax("no header row".into()));
        }
        let names: Vec<&str> = header.iter().map(String::as_str).collect();
        if let Some(why) = table::repeated_column(&names) {
            return Err(syntax(why));
        }
        let fields = columns.resolve(&names).map_err(syntax)?;
        let numeric_present: Vec<bool> = (columns.numeric.iter())
            .map(|n| names.contains(&n.as_str()))
            .collect();
        if let Some((n, _)) = (columns.numeric.iter())
            .zip(&numeric_present)
            .find(|(_, present)| !**present && !columns.numeric_optional)
        {
            let flag = columns.numeric_flag(n);
            return Err(syntax(format!("{flag} {n}: no column {n:?} in the header")));
        }
        // Probe 7 M2: a field's column is read as that field, never as a number; the
        // column read, not every name the field may take (`latitude` beside `lat` is free).
        columns.check_numeric(path, Some(header_line), |n| {
            let at = names.iter().position(|h| *h == n)?;
            Field::ALL
                .into_iter()
                .find(|f| fields[f.index()] == Some(at))
        })?;
        let mut free = Vec::new();
        let mut keys = FreeKeys::default();
        for (index, name) in header.iter().enumerate() {
            if fields.contains(&Some(index)) {
                continue;
            }
            if name.is_empty() {
                return Err(syntax(format!("column {} has no name", index + 1)));
            }
            let key_name = keys
                .take(name, "columns")
                .map_err(|m| syntax(format!("{name:?}: {m}")))?;
            let mut key = vec![b','];
            json::push_str(&mut key, key_name);
            key.push(b':');
            free.push(FreeColumn {
                index,
                key,
                name: name.clone(),
                numeric: columns.numeric.contains(name),
            });
        }
        let read_back = [GEOCODER_READ_BACK, POINT_SOURCE_READ_BACK].map(|key| {
            free.iter()
                .find(|c| free_key(&c.name) == key)
                .map(|c| c.index)
        });
        let layout = Layout {
            path: path.to_path_buf(),
            fields,
            width: header.len(),
            header,
            free,
            read_back,
        };
        Ok(CsvReader {
            feed: Feed::start(reader, layout),
            chunk: Chunk::default(),
            at: 0,
            numeric_present,
        })
    }

    /// Whether the header has each [`Columns::numeric`] column, in that order (all of them
    /// unless [`Columns::numeric_optional`]).
    pub fn numeric_present(&self) -> &[bool] {
        &self.numeric_present
    }
}

/// A JSON number for a numeric free column, with its digits as written (as GeoJSONSeq keeps
/// a number property's): text already in JSON's number form is copied (`12`, `-1.50`,
/// `1E2`, `99999999999999999999`), other forms of a number are written in JSON's form
/// without changing a digit (`+7` is `7`, `007` is `7`, `.5` is `0.5`, `5.` is `5`);
/// `false` (and `out` unspecified) when `text` is not a finite number.
pub fn push_number(out: &mut Vec<u8>, text: &str) -> bool {
    // An integer already in JSON's form with at most 18 digits is finite: copied as it is,
    // without parsing (most numeric cells).
    let digits = text.strip_prefix('-').unwrap_or(text).as_bytes();
    if (1..=18).contains(&digits.len())
        && digits.iter().all(u8::is_ascii_digit)
        && (digits[0] != b'0' || digits.len() == 1)
    {
        out.extend_from_slice(text.as_bytes());
        return true;
    }
    // What Rust reads as a finite f64: `[+-]? (D+ (. D*)? | . D+) ([eE] [+-]? D+)?`
    // (`inf` and `NaN` are not finite), D an ASCII digit.
    if !text.parse::<f64>().is_ok_and(f64::is_finite) {
        return false;
    }
    let (sign, rest) = match text.as_bytes() {
        [b'-', rest @ ..] => (&b"-"[..], rest),
        [b'+', rest @ ..] => (&b""[..], rest),
        rest => (&b""[..], rest),
    };
    let mantissa = rest
        .iter()
        .position(|b| matches!(b, b'e' | b'E'))
        .unwrap_or(rest.len());
    let (mantissa, exponent) = rest.split_at(mantissa);
    let point = mantissa
        .iter()
        .position(|&b| b == b'.')
        .unwrap_or(mantissa.len());
    let (whole, fraction) = mantissa.split_at(point);
    let fraction = fraction.get(1..).unwrap_or_default();
    out.extend_from_slice(sign);
    // The whole part without leading zeros, `0` when none is left.
    match whole.iter().position(|&b| b != b'0') {
        Some(first) => out.extend_from_slice(&whole[first..]),
        None => out.push(b'0'),
    }
    if !fraction.is_empty() {
        out.push(b'.');
        out.extend_from_slice(fraction);
    }
    out.extend_from_slice(exponent);
    true
}

/// Write the value `text` of the numeric column (or GeoJSONSeq property) `name` (a
/// `--numeric` or `--accumulate` one) as a JSON number, `null` when blank, or say why it
/// is not one: the one check of a numeric value, for CSV and GeoJSONSeq rows.
pub fn push_numeric(
    out: &mut Vec<u8>,
    name: &str,
    text: &str,
) -> std::result::Result<(), (String, String)> {
    let v = text.trim();
    if v.is_empty() {
        out.extend_from_slice(b"null");
    } else if !push_number(out, v) {
        return Err((
            text.to_owned(),
            format!(
                "column {name} is numeric (--numeric/--accumulate) but this is not a finite number"
            ),
        ));
    }
    Ok(())
}

/// Append the free columns of `record` as `,"key":value...` to `out`, or say which value
/// is not the number its column must hold.
fn free_properties(
    free: &[FreeColumn],
    record: &csv::StringRecord,
    out: &mut Vec<u8>,
) -> std::result::Result<(), (String, String)> {
    for col in free {
        let value = record.get(col.index).unwrap_or("");
        out.extend_from_slice(&col.key);
        if col.numeric {
            push_numeric(out, &col.name, value)?;
        } else {
            json::push_str(out, value);
        }
    }
    Ok(())
}

impl EventReader for CsvReader {
    fn next_row(&mut self) -> Result<Option<Next<'_>>> {
        while self.at >= self.chunk.items.len() {
            self.at = 0;
            let (more, failed) = self.feed.next(&mut self.chunk);
            if let Some(e) = failed {
                return Err(e);
            }
            if !more {
                return Ok(None);
            }
        }
        self.at += 1;
        Ok(match self.chunk.items.get(self.at - 1) {
            Some(Item::Row(spans)) => Some(Next::Row(self.chunk.row(spans))),
            // Rows that cannot be read are rare: the problem is copied.
            Some(Item::Bad(p)) => Some(Next::Bad(p.clone())),
            None => None,
        })
    }

    /// The chunks as the reading thread filled them.
    fn fill(&mut self, chunk: &mut Chunk) -> (bool, Option<Error>) {
        self.feed.next(chunk)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Probe 6 L4: `Admin1` beside drillmap's own `admin1` was kept as it was, a pair
    /// GeoPackage and SQL see as one column twice (ogr2ogr renamed one `Admin12`).
    #[test]
    fn a_free_name_that_is_drillmaps_own_key_in_another_case_is_renamed() {
        assert_eq!(free_key("admin1"), "src_admin1");
        assert_eq!(free_key("Admin1"), "src_Admin1");
        assert_eq!(free_key("GEO_PRECISION"), "src_GEO_PRECISION");
        assert_eq!(free_key("Sources"), "src_Sources");
        assert_eq!(free_key("fatalities"), "fatalities");
        assert_eq!(free_key("Admin2"), "Admin2");
        // Probe 7 M3: the count tile clusters write is drillmap's too.
        assert_eq!(free_key("point_count"), "src_point_count");
    }

    /// Probe 8 #12: one rule for free names, CSV columns and GeoJSONSeq properties: not
    /// empty, no control character, no two keys one name to a reader that ignores case.
    #[test]
    fn free_names_are_checked_by_one_rule() {
        let mut keys = FreeKeys::default();
        assert_eq!(keys.take("notes", "properties"), Ok("notes"));
        assert_eq!(keys.take("Admin1", "properties"), Ok("src_Admin1"));
        let e = keys.take("Notes", "properties").unwrap_err();
        assert!(
            e.contains("\"notes\" and \"Notes\"") && e.contains("ignore case"),
            "{e}"
        );
        let e = keys.take("src_admin1", "properties").unwrap_err();
        assert!(e.contains("\"Admin1\" and \"src_admin1\""), "{e}");
        assert!(keys.take("", "properties").unwrap_err().contains("empty"));
        let e = keys.take("\u{0}k", "properties").unwrap_err();
        assert!(e.contains("control characters (found U+0000)"), "{e}");
        let e = keys.take("a\u{85}", "columns").unwrap_err();
        assert!(e.contains("(found U+0085)"), "{e}");
        // Past the names compared one by one, the same rule (looked up in a map), and the
        // map forgotten with the names.
        for round in 0..2 {
            keys.clear();
            for i in 0..100 {
                assert_eq!(
                    keys.take(&format!("c{i}"), "columns"),
                    Ok(format!("c{i}").as_str())
                );
            }
            let e = keys.take("C7", "columns").unwrap_err();
            assert!(e.contains("\"c7\" and \"C7\""), "{round}: {e}");
            let e = keys.take("c99", "columns").unwrap_err();
            assert!(e.contains("\"c99\""), "{round}: {e}");
            assert_eq!(keys.take("point_count", "columns"), Ok("src_point_count"));
            let e = keys.take("SRC_POINT_COUNT", "columns").unwrap_err();
            assert!(
                e.contains("\"point_count\" and \"SRC_POINT_COUNT\""),
                "{round}: {e}"
            );
        }
        keys.clear();
        assert_eq!(keys.take("c7", "columns"), Ok("c7"));
    }

    /// Probe 7 M2: `--accumulate name` (a field's column) was taken, and clusters got an
    /// invented `name: 0`: a field's column is refused at the header (exit 2). The column
    /// read, not every name of the field: `latitude` beside the `lat` read is free.
    #[test]
    fn a_numeric_column_is_refused_at_the_header_when_it_is_the_one_a_field_reads() {
        let read = |numeric: &str, text: &str| {
            let columns = Columns {
                numeric: vec![numeric.into()],
                ..Columns::default()
            };
            let input = std::io::Cursor::new(text.as_bytes().to_vec());
            CsvReader::new(Path::new("t.csv"), input, &columns).map(|_| ())
        };
        let both = "id,place,lat,lon,latitude\na,Termiz,37,67,37.5\n";
        let err = read("lat", both).unwrap_err();
        assert!(matches!(err, Error::Usage(_)), "{err:?}");
        assert!(
            err.to_string()
                .starts_with("--numeric lat: t.csv:1: \"lat\" is read as the lat field"),
            "{err}"
        );
        assert!(read("latitude", both).is_ok());
        let alone = "id,place,latitude,longitude\na,Termiz,37,67\n";
        assert!(matches!(read("latitude", alone), Err(Error::Usage(_))));
    }

    fn rows(
        text: &str,
        columns: &Columns,
    ) -> Vec<std::result::Result<(u64, String, String), String>> {
        let mut r = CsvReader::new(
            Path::new("t.csv"),
            std::io::Cursor::new(text.as_bytes().to_vec()),
            columns,
        )
        .unwrap();
        let mut out = Vec::new();
        while let Some(next) = r.next_row().unwrap() {
            out.push(match next {
                Next::Row(row) => Ok((
                    row.line,
                    format!(
                        "{}|{}|{}|{}|{}",
                        row.id, row.place, row.start_date, row.lat, row.lon
                    ),
                    String::from_utf8(row.extra.to_vec()).unwrap(),
                )),
                Next::Bad(p) => Err(p.to_string()),
            });
        }
        out
    }

    #[test]
    fn maps_default_and_acled_columns_and_keeps_free_ones() {
        let text =
            "event_id_cnty,event_date,location,latitude,longitude,fatalities,geo_precision\n\
                    TJK1,2021-08-05,Termez,37.2,67.3,0,1\n";
        let mut cols = Columns::default();
        cols.numeric.push("fatalities".into());
        let got = rows(text, &cols);
        assert_eq!(
            got,
            [Ok((
                2,
                "TJK1|Termez|2021-08-05|37.2|67.3".to_owned(),
                ",\"fatalities\":0,\"src_geo_precision\":\"1\"".to_owned()
            ))]
        );
    }

    #[test]
    fn wrong_column_count_and_bad_numbers_are_row_problems_with_lines() {
        let text = "id,place,troops\na,Termez,1\nb,Termez\n\"c\nd\",Termez,x\ne,Ayni,2\n";
        let mut cols = Columns::default();
        cols.numeric.push("troops".into());
        let got = rows(text, &cols);
        assert!(got[0].is_ok());
        assert_eq!(
            got[1].as_ref().unwrap_err(),
            "t.csv:3: \"b,Termez\": expected 3 columns as in the header, found 2"
        );
        assert!(got[2]
            .as_ref()
            .unwrap_err()
            .starts_with("t.csv:4: \"x\": column troops is numeric"));
        assert_eq!(got[3].as_ref().unwrap().0, 6);
    }

    #[test]
    fn header_problems_stop_the_run() {
        let err = CsvReader::new(
            Path::new("t.csv"),
            "name,when\n".as_bytes(),
            &Columns::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("no id column"), "{err}");
        let err = CsvReader::new(
            Path::new("t.csv"),
            "id,place,id\n".as_bytes(),
            &Columns::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("appears twice"), "{err}");
        let err = CsvReader::new(
            Path::new("t.csv"),
            "id,place,geo_precision,src_geo_precision\n".as_bytes(),
            &Columns::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("src_geo_precision"), "{err}");
    }

    /// Reviewer finding: a header problem said "line 1" even after blank lines before the
    /// header. It names the header's own line, CRLF or not, UTF-8 faults included.
    #[test]
    fn header_problems_name_the_line_of_the_header() {
        for (text, line) in [
            (&b"id,place,id\n"[..], 1),
            (b"\n\nid,place,id\n", 3),
            (b"\r\n\r\n\r\nid,place,id\r\n", 4),
            (b"\n\n,,\n", 3),
            (b"\n\nid;place;start_date\n", 3),
            (b"\nid,pl\xffce\n", 2),
        ] {
            let err = CsvReader::new(Path::new("t.csv"), text, &Columns::default()).unwrap_err();
            assert!(
                err.to_string().starts_with(&format!("t.csv:{line}: ")),
                "{:?}: {err}",
                String::from_utf8_lossy(text)
            );
        }
    }

    #[test]
    fn invalid_utf8_is_a_row_problem() {
        let mut bytes = b"id,place\na,Termez\nb,".to_vec();
        bytes.extend_from_slice(&[0xff, 0xfe, b'\n']);
        bytes.extend_from_slice(b"c,Ayni\n");
        let mut r = CsvReader::new(
            Path::new("t.csv"),
            std::io::Cursor::new(bytes),
            &Columns::default(),
        )
        .unwrap();
        let mut seen = Vec::new();
        while let Some(n) = r.next_row().unwrap() {
            seen.push(match n {
                Next::Row(row) => row.id.to_owned(),
                Next::Bad(p) => p.to_string(),
            });
        }
        assert_eq!(seen[0], "a");
        assert_eq!(
            seen[1],
            "t.csv:3: column \"place\" (field 2) is not UTF-8 text: \"\\xFF\\xFE\"; it looks like \
             UTF-16: save the file as UTF-8, or convert it with `iconv -f utf-16 -t utf-8`"
        );
        assert_eq!(seen[2], "c");
    }

    /// Input that reads `ok` bytes of `text`, then fails: with an I/O error, or by
    /// panicking (a bug in the reading thread).
    struct Failing {
        text: std::io::Cursor<Vec<u8>>,
        ok: u64,
        panic: bool,
    }

    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.text.position() >= self.ok {
                if self.panic {
                    panic!("injected reader panic");
                }
                return Err(std::io::Error::other("injected read failure"));
            }
            let room = usize::try_from(self.ok - self.text.position()).unwrap();
            let n = buf.len().min(room).min(7);
            self.text.read(&mut buf[..n])
        }
    }

    /// Read every row of a `Failing` input that fails after its header and `rows` rows;
    /// the rows read and how the reading ended.
    fn read_failing(rows: usize, panic: bool) -> (usize, Result<()>) {
        let mut text = b"id,place\n".to_vec();
        for i in 0..20_000 {
            text.extend_from_slice(format!("{i:>30},Termez\n").as_bytes());
        }
        let ok = (9 + 38 * rows) as u64; // 9 bytes of header, 38 per row
        let input = Failing {
            text: std::io::Cursor::new(text),
            ok,
            panic,
        };
        let mut r = CsvReader::new(Path::new("t.csv"), input, &Columns::default()).unwrap();
        let mut n = 0;
        loop {
            match r.next_row() {
                Ok(Some(_)) => n += 1,
                Ok(None) => return (n, Ok(())),
                Err(e) => return (n, Err(e)),
            }
        }
    }

    #[test]
    fn a_read_error_in_the_reading_thread_stops_the_run() {
        // Past the first batch, so that the failure comes from the thread mid-file.
        let (n, end) = read_failing(9000, false);
        assert_eq!(n, 9000);
        match end {
            Err(Error::Io { path, source }) => {
                assert_eq!(path, Path::new("t.csv"));
                assert!(source.to_string().contains("injected read failure"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_panic_in_the_reading_thread_is_an_internal_error_not_the_end_of_the_file() {
        let (n, end) = read_failing(9000, true);
        // The rows of the batch the thread was filling are lost with it.
        assert!(n < 9000, "{n}");
        match end {
            Err(Error::Internal(m)) => {
                assert!(m.contains("panicked: injected reader panic"), "{m}");
            }
            other => panic!("{other:?}"),
        }
    }

    /// Probe 8 #13: `--numeric` wrote `99999999999999999999` as `1e20`, another number,
    /// while `12345678901234567` kept its digits. A number keeps its digits as written,
    /// as a GeoJSONSeq number property does; only a form JSON lacks is rewritten.
    #[test]
    fn numbers_keep_their_digits_as_written() {
        for (text, written) in [
            ("0", Some("0")),
            ("-0", Some("-0")),
            ("7", Some("7")),
            ("-7", Some("-7")),
            ("007", Some("7")),
            ("-007", Some("-7")),
            ("+7", Some("7")),
            ("123456789012345678", Some("123456789012345678")),
            ("12345678901234567", Some("12345678901234567")),
            ("99999999999999999999", Some("99999999999999999999")),
            ("-9223372036854775809", Some("-9223372036854775809")),
            ("1.50", Some("1.50")),
            ("1e3", Some("1e3")),
            ("1E+03", Some("1E+03")),
            (".5", Some("0.5")),
            ("-.5", Some("-0.5")),
            ("5.", Some("5")),
            ("00.250e-2", Some("0.250e-2")),
            ("1e400", None),
            ("inf", None),
            ("NaN", None),
            ("-", None),
            ("", None),
            (" 1", None),
            ("0x10", None),
            ("1_000", None),
        ] {
            let mut out = Vec::new();
            let ok = push_number(&mut out, text);
            let got = ok.then(|| String::from_utf8(out).unwrap());
            assert_eq!(got.as_deref(), written, "{text:?}");
        }
    }

    proptest::proptest! {
        /// Whatever form a number takes, what is written is JSON and the same number.
        #[test]
        fn any_number_text_is_written_as_json_of_the_same_value(
            text in "[-+]?[0-9]{0,22}(\\.[0-9]{0,3})?([eE][-+]?[0-9]{1,3})?",
        ) {
            let mut out = Vec::new();
            let ok = push_number(&mut out, &text);
            let value = text.parse::<f64>().ok().filter(|v| v.is_finite());
            proptest::prop_assert_eq!(ok, value.is_some());
            if let Some(v) = value {
                let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
                proptest::prop_assert_eq!(json.as_f64(), Some(v));
                let digits = |t: &[u8]| -> Vec<u8> {
                    let t = t.split(|&b| b == b'e' || b == b'E').next().unwrap_or_default();
                    t.iter().copied().filter(u8::is_ascii_digit).skip_while(|&b| b == b'0').collect()
                };
                proptest::prop_assert_eq!(digits(&out), digits(text.as_bytes()));
            }
        }

        #[test]
        fn any_bytes_never_panic(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400),
            with_header in proptest::prelude::any::<bool>(),
        ) {
            let mut input = if with_header { b"id,place,lat,lon,x\n".to_vec() } else { Vec::new() };
            input.extend_from_slice(&bytes);
            let mut cols = Columns::default();
            cols.numeric.push("x".into());
            if let Ok(mut r) = CsvReader::new(Path::new("t.csv"), std::io::Cursor::new(input.clone()), &cols) {
                let mut n = 0;
                while let Ok(Some(_)) = r.next_row() {
                    n += 1;
                    proptest::prop_assert!(n <= input.len() + 1);
                }
            }
        }
    }
}
