//! The CSV events reader: a header row, then one event site per row.
//!
//! Columns are found by [`Columns`] (documented default names, or a mapping). Every column
//! that is not a field is a free property, written under its header name (prefixed `src_`
//! when the name is one drillmap writes itself, e.g. ACLED's `geo_precision`) as a string, or
//! as a number when listed in [`Columns::numeric`]. Records are split into fields and
//! checked as UTF-8 on a thread of their own, a few batches ahead of the build (the records
//! are reused batch after batch), and the free properties are formatted into one reused
//! buffer.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender};

use super::{Columns, EventReader, Field, Next, Row};
use crate::error::{Error, Problem, Result};
use crate::json;
use crate::model::properties::is_event_key;

/// The JSON key a free column or property is written under: its name, or `src_<name>` when
/// drillmap writes that key itself ([`is_event_key`]).
pub fn free_key(name: &str) -> String {
    if is_event_key(name) {
        format!("src_{name}")
    } else {
        name.to_owned()
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

/// Records per batch handed over by the reading thread.
const BATCH: usize = 4096;
/// Batches read ahead.
const AHEAD: usize = 4;

/// One record read ahead, or the error reading it.
#[derive(Debug)]
struct Slot {
    record: csv::StringRecord,
    error: Option<csv::Error>,
    /// The free properties' JSON text.
    extra: Vec<u8>,
    /// A free value that is not what its column must hold: (value, what is wrong).
    bad: Option<(String, String)>,
}

/// What the reading thread hands over: a batch, or the end of the file. The end is said,
/// never inferred: a channel closed without it means the thread failed.
#[derive(Debug)]
enum Batch {
    Records(Vec<Slot>),
    End,
}

/// Records read (split into fields and checked as UTF-8) on a thread of their own, handed
/// over in batches in file order; used batches go back to be refilled.
#[derive(Debug)]
struct Feed {
    batches: Receiver<Batch>,
    recycle: Sender<Vec<Slot>>,
    batch: Vec<Slot>,
    /// Index of the next slot in `batch`.
    next: usize,
    /// The reading thread, joined when its channel closes.
    thread: Option<std::thread::JoinHandle<()>>,
    /// Whether the thread said the file ended.
    ended: bool,
}

/// The message of a thread's panic payload.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("no message")
}

impl Feed {
    fn start<R: Read + Send + 'static>(
        mut reader: csv::Reader<R>,
        free: Vec<FreeColumn>,
        width: usize,
    ) -> Feed {
        let (send, batches) = sync_channel::<Batch>(AHEAD);
        let (recycle, used) = channel::<Vec<Slot>>();
        let thread = std::thread::spawn(move || loop {
            let mut spare = used.try_recv().unwrap_or_default();
            let mut batch = Vec::with_capacity(BATCH);
            let mut done = false;
            while batch.len() < BATCH {
                let mut slot = spare.pop().unwrap_or_else(|| Slot {
                    record: csv::StringRecord::new(),
                    error: None,
                    extra: Vec::new(),
                    bad: None,
                });
                slot.error = None;
                slot.bad = None;
                match reader.read_record(&mut slot.record) {
                    Ok(true) => {
                        if slot.record.len() == width {
                            slot.bad = free_properties(&free, &slot.record, &mut slot.extra).err();
                        }
                        batch.push(slot);
                    }
                    Ok(false) => {
                        done = true;
                        break;
                    }
                    Err(e) => {
                        done = matches!(e.kind(), csv::ErrorKind::Io(_));
                        slot.error = Some(e);
                        batch.push(slot);
                        if done {
                            break;
                        }
                    }
                }
            }
            // A closed channel means the reader was dropped: stop.
            if !batch.is_empty() && send.send(Batch::Records(batch)).is_err() {
                return;
            }
            if done {
                let _ = send.send(Batch::End);
                return;
            }
        });
        Feed {
            batches,
            recycle,
            batch: Vec::new(),
            next: 0,
            thread: Some(thread),
            ended: false,
        }
    }

    /// Move to the next slot; `Ok(false)` at the end of the file; an [`Error::Internal`]
    /// when the reading thread panicked or stopped without reaching the end.
    fn advance(&mut self) -> Result<bool> {
        while self.next >= self.batch.len() {
            let used = std::mem::take(&mut self.batch);
            if !used.is_empty() {
                let _ = self.recycle.send(used);
            }
            self.next = 0;
            if self.ended {
                return Ok(false);
            }
            match self.batches.recv() {
                Ok(Batch::Records(b)) => self.batch = b,
                Ok(Batch::End) => {
                    self.ended = true;
                    self.join()?;
                    return Ok(false);
                }
                Err(_) => {
                    self.join()?;
                    return Err(Error::Internal(
                        "the CSV reading thread stopped before the end of the file".into(),
                    ));
                }
            }
        }
        self.next += 1;
        Ok(true)
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

    fn slot(&mut self) -> Option<&mut Slot> {
        self.batch.get_mut(self.next.wrapping_sub(1))
    }

    fn record(&self) -> Option<&csv::StringRecord> {
        self.batch.get(self.next.wrapping_sub(1)).map(|s| &s.record)
    }

    fn extra(&self) -> &[u8] {
        self.batch
            .get(self.next.wrapping_sub(1))
            .map_or(&[], |s| s.extra.as_slice())
    }
}

/// Reads rows from CSV; the records are read ahead on a thread.
#[derive(Debug)]
pub struct CsvReader {
    path: PathBuf,
    feed: Feed,
    fields: [Option<usize>; 8],
    width: usize,
}

impl CsvReader {
    /// Open `path`.
    pub fn open(path: &Path, columns: &Columns) -> Result<Self> {
        let file = crate::read::input::open_csv(path)?;
        CsvReader::new(path, file, columns)
    }

    /// Read the header of `input` (named `path` in messages) and map its columns.
    pub fn new<R: Read + Send + 'static>(path: &Path, input: R, columns: &Columns) -> Result<Self> {
        let syntax = |line: Option<usize>, message: String| Error::Syntax {
            path: path.to_path_buf(),
            line,
            message,
        };
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .buffer_capacity(1 << 20)
            .from_reader(crate::read::lines::CrLf::new(input));
        let header: Vec<String> = match reader.headers() {
            Ok(h) => h.iter().map(|s| s.trim().to_owned()).collect(),
            Err(e) => return Err(csv_fatal(path, e)),
        };
        if header.iter().all(String::is_empty) {
            return Err(syntax(Some(1), "no header row".into()));
        }
        let names: Vec<&str> = header.iter().map(String::as_str).collect();
        for (i, n) in names.iter().enumerate() {
            if !n.is_empty() && names[..i].contains(n) {
                return Err(syntax(Some(1), format!("column {n:?} appears twice")));
            }
        }
        let fields = columns.resolve(&names).map_err(|m| syntax(Some(1), m))?;
        for n in &columns.numeric {
            if !names.contains(&n.as_str()) {
                return Err(syntax(
                    Some(1),
                    format!("--numeric/--accumulate {n}: no column {n:?} in the header"),
                ));
            }
        }
        let mut free = Vec::new();
        let mut keys: Vec<String> = Vec::new();
        for (index, name) in header.iter().enumerate() {
            if fields.contains(&Some(index)) {
                continue;
            }
            if name.is_empty() {
                return Err(syntax(Some(1), format!("column {} has no name", index + 1)));
            }
            let key_name = free_key(name);
            if keys.contains(&key_name) {
                return Err(syntax(
                    Some(1),
                    format!("{name:?}: two columns would both be written as property {key_name:?}"),
                ));
            }
            let mut key = vec![b','];
            json::push_str(&mut key, &key_name);
            key.push(b':');
            keys.push(key_name);
            free.push(FreeColumn {
                index,
                key,
                name: name.clone(),
                numeric: columns.numeric.contains(name),
            });
        }
        Ok(CsvReader {
            path: path.to_path_buf(),
            feed: Feed::start(reader, free, header.len()),
            fields,
            width: header.len(),
        })
    }

    fn field(&self, f: Field) -> &str {
        self.fields[f as usize]
            .and_then(|i| self.feed.record().and_then(|r| r.get(i)))
            .map_or("", str::trim_ascii)
    }
}

fn csv_fatal(path: &Path, e: csv::Error) -> Error {
    let line = e.position().and_then(|p| usize::try_from(p.line()).ok());
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::io(path, io),
        csv::ErrorKind::Utf8 { err, .. } => Error::Syntax {
            path: path.to_path_buf(),
            line,
            message: format!(
                "not UTF-8 text (field {}): save the file as UTF-8 (a UTF-16 export, say, is not read)",
                err.field() + 1
            ),
        },
        other => Error::Syntax {
            path: path.to_path_buf(),
            line,
            message: format!("{other:?}"),
        },
    }
}

pub use crate::read::lines::excerpt;

/// A JSON number for a numeric free column: integers as written, other finite numbers as
/// serde_json prints them; `false` (and `out` unspecified) when `text` is not a finite number.
pub fn push_number(out: &mut Vec<u8>, text: &str) -> bool {
    if let Ok(i) = text.parse::<i64>() {
        out.extend_from_slice(itoa::Buffer::new().format(i).as_bytes());
        return true;
    }
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => serde_json::to_writer(&mut *out, &v).is_ok(),
        _ => false,
    }
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
            excerpt(text, 80),
            format!(
                "column {name} is numeric (--numeric/--accumulate) but this is not a finite number"
            ),
        ));
    }
    Ok(())
}

/// Format the free columns of `record` as `,"key":value...` into `out`, or say which value
/// is not the number its column must hold.
fn free_properties(
    free: &[FreeColumn],
    record: &csv::StringRecord,
    out: &mut Vec<u8>,
) -> std::result::Result<(), (String, String)> {
    out.clear();
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
        let path = &self.path;
        if !self.feed.advance()? {
            return Ok(None);
        }
        if let Some(e) = self.feed.slot().and_then(|s| s.error.take()) {
            let line = e.position().map_or(0, |p| p.line());
            return match e.into_kind() {
                csv::ErrorKind::Io(io) => Err(Error::io(path, io)),
                csv::ErrorKind::Utf8 { err, .. } => Ok(Some(Next::Bad(Problem::new(
                    path,
                    usize::try_from(line).ok(),
                    "",
                    format!("not UTF-8 text (field {})", err.field() + 1),
                )))),
                other => Ok(Some(Next::Bad(Problem::new(
                    path,
                    usize::try_from(line).ok(),
                    "",
                    format!("unreadable CSV row: {other:?}"),
                )))),
            };
        }
        let Some(record) = self.feed.record() else {
            return Ok(None);
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != self.width {
            if record.len() == 1 && record.get(0).is_some_and(str::is_empty) {
                return self.next_row(); // a blank line
            }
            let text: Vec<&str> = record.iter().collect();
            return Ok(Some(Next::Bad(Problem::new(
                path,
                usize::try_from(line).ok(),
                excerpt(&text.join(","), 80),
                format!(
                    "expected {} columns as in the header, found {}",
                    self.width,
                    record.len()
                ),
            ))));
        }
        if let Some((value, message)) = self.feed.slot().and_then(|s| s.bad.take()) {
            return Ok(Some(Next::Bad(Problem::new(
                path,
                usize::try_from(line).ok(),
                value,
                message,
            ))));
        }
        Ok(Some(Next::Row(Row {
            line,
            id: self.field(Field::Id),
            name: self.field(Field::Name),
            start_date: self.field(Field::StartDate),
            end_date: self.field(Field::EndDate),
            place: self.field(Field::Place),
            country: self.field(Field::Country),
            lat: self.field(Field::Lat),
            lon: self.field(Field::Lon),
            extra: self.feed.extra(),
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(seen[1].starts_with("t.csv:3: not UTF-8"), "{seen:?}");
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

    proptest::proptest! {
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
