//! The one external sort: records in key order, in bounded memory, whatever the input
//! order ([`RecordSorter`]), and on it the features of a streamed layer put in id order for
//! its [`Sinks`] ([`Sorter`]).
//!
//! A [`RecordSorter`] collects records under byte-string keys (numbers as big-endian bytes,
//! so they sort by value) in a buffer of bounded size; a full buffer is sorted by key (ties
//! keep push order) and spilled to a temporary run file beside the output (named by
//! [`temp_path`], so a killed run's files are swept by the next run); at the end the runs
//! are merged (at most [`FAN_IN`] at once), or a lone buffer is sorted in memory. The tiles'
//! prepared features go through it keyed by storage order, a bulk layer's features keyed
//! by id.
//!
//! A [`Sorter`] sends features straight to the sinks while ids arrive in strictly
//! increasing (byte) order: one pass, nothing held. The first id out of order switches to
//! sorting: the sinks are rewound ([`Sink::rewind`](super::sink::Sink::rewind)), what they
//! had written (already in id order) becomes the [`RecordSorter`]'s first run as it is
//! ([`SortedLines`]: read back once, in the merge, never sorted again), later features are
//! sorted after it, and [`Sorter::finish`] sends them to the sinks in id order. A repeated id keeps its first
//! feature and reports the later ones as [`Duplicate`]s.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use super::atomic::{scratch_path, temp_path};
use super::geojson::FEATURE_PREFIX;
use super::sink::{Block, Encoded, Output, Sinks};
use crate::error::{Error, Result};

/// A feature dropped because an earlier one has its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    /// The line (or record number) the caller gave with it.
    pub line: u64,
    /// The line given with the feature kept, the first with the id.
    pub first: u64,
    /// The id.
    pub id: String,
}

/// The sinks' outputs, once every feature has gone through.
#[derive(Debug)]
pub struct Sorted {
    /// One per sink, in the sinks' order.
    pub outputs: Vec<Output>,
    /// Features written.
    pub features: u64,
    /// Features written that were marked when pushed ([`Sorter::push`]).
    pub marked: u64,
    /// Features dropped because their id repeats an earlier one's.
    pub duplicates: Vec<Duplicate>,
}

/// A temporary file removed when dropped.
#[derive(Debug)]
pub struct TempFile(PathBuf);

impl TempFile {
    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::io(path, e)
}

/// Bytes before a feature's text in its sort record: its line, its bounds, its mark.
const FEATURE_HEAD: usize = 41;

/// Puts features in id order on their way to the sinks; see the module documentation.
#[derive(Debug)]
pub struct Sorter {
    sinks: Sinks,
    written: u64,
    /// Features written that were marked ([`Sorted::marked`]).
    marked: u64,
    last_id: Vec<u8>,
    /// The features, keyed by id, once the input was found out of order (or, in order, the
    /// ids of an abandoned run).
    records: Option<RecordSorter>,
    /// Whether the input was found out of order.
    sorting: bool,
    /// Where the records spill, and how many bytes they hold before they do.
    runs_beside: PathBuf,
    buffer: usize,
    /// A feature's sort record head (reused).
    head: Vec<u8>,
    /// The run fails: the sinks are gone, and only ids are kept, to find repeated ones.
    abandoned: bool,
    /// The line of the last feature taken in order, and the lines of those sent to the
    /// sinks (LEB128 deltas, about a byte each): what was written has no line, and a
    /// repeat of its id found in the merge names it.
    last_line: u64,
    sent_lines: Vec<u8>,
    /// Ids taken in order so far, features and bad rows ([`Sorter::push_bad`]), and the line
    /// of the last: what a repeat of `last_id` names as the first.
    seen: u64,
    last_seen_line: u64,
    /// The bad rows' ids taken in order while the features go straight to the sinks (which
    /// hold no trace of them), with their lines: put in the sort if it starts.
    bad_rows: Vec<(String, u64)>,
    /// About the bytes `bad_rows` holds: past the buffer, the sort starts, which spills them.
    bad_bytes: usize,
}

/// The mark of a bad row's id in a sort record ([`Sorter::push_bad`]): no feature.
const BAD_ROW: u8 = 2;

impl Sorter {
    /// Feed `sinks` in id order; run files go beside `runs_beside`, and `buffer` bytes of
    /// features are sorted in memory at a time when the input is out of order.
    pub fn new(sinks: Sinks, runs_beside: &Path, buffer: usize) -> Sorter {
        Sorter {
            sinks,
            written: 0,
            marked: 0,
            last_id: Vec::new(),
            records: None,
            sorting: false,
            runs_beside: runs_beside.to_path_buf(),
            buffer: buffer.max(1 << 16),
            head: Vec::with_capacity(FEATURE_HEAD),
            abandoned: false,
            last_line: 0,
            sent_lines: Vec::new(),
            seen: 0,
            last_seen_line: 0,
            bad_rows: Vec::new(),
            bad_bytes: 0,
        }
    }

    /// The run will fail (too many bad rows): drop the sinks, whose output would be thrown
    /// away, and from now on keep only the features' ids (and lines), so that every repeated
    /// id, of the features already written too, is still found and counted. Input still in
    /// order stays so: its ids are appended as they come (a repeat is the previous id), and
    /// sorted only if an id comes out of order.
    pub fn abandon(&mut self) -> Result<()> {
        if self.abandoned {
            return Ok(());
        }
        self.abandoned = true;
        if self.records.is_none() {
            self.rewind_into_records()?;
        }
        self.sinks = Sinks(Vec::new());
        Ok(())
    }

    /// Whether [`Sorter::abandon`] was called.
    pub fn abandoned(&self) -> bool {
        self.abandoned
    }

    /// Add the feature `id` (given with its `line`, named if it turns out to repeat an
    /// earlier id), with the `bounds` of its positions and its text in pieces, `marked` or
    /// not (the marked features written are counted: [`Sorted::marked`]). Returns the
    /// duplicate when the id repeats the previous one.
    pub fn push(
        &mut self,
        id: &str,
        line: u64,
        bounds: Option<[f64; 4]>,
        text: &[&[u8]],
        marked: bool,
    ) -> Result<Option<Duplicate>> {
        if !self.sorting {
            let key = id.as_bytes();
            if self.seen > 0 && key == self.last_id.as_slice() {
                return Ok(Some(Duplicate {
                    line,
                    first: self.last_seen_line,
                    id: id.to_owned(),
                }));
            }
            if self.seen == 0 || key > self.last_id.as_slice() {
                match &mut self.records {
                    Some(records) if self.abandoned => {
                        feature_head(&mut self.head, line, None, 0);
                        records.push_last(key, &[&self.head])?;
                    }
                    _ => {
                        self.sinks.feature(&Encoded { id, bounds, text })?;
                        self.marked += u64::from(marked);
                        push_delta(&mut self.sent_lines, line.wrapping_sub(self.last_line));
                    }
                }
                self.last_line = line;
                self.written += 1;
                self.took_in_order(key, line);
                return Ok(None);
            }
            self.start_sorting()?;
        }
        feature_head(&mut self.head, line, bounds, u8::from(marked));
        let mut parts = Vec::with_capacity(text.len() + 1);
        parts.push(self.head.as_slice());
        if !self.abandoned {
            parts.extend_from_slice(text);
        }
        match &mut self.records {
            Some(records) => records.push(id.as_bytes(), &parts)?,
            None => return Err(Error::Internal("the features to sort were lost".into())),
        }
        Ok(None)
    }

    /// `key`, at `line`, is the last id taken in order.
    fn took_in_order(&mut self, key: &[u8], line: u64) {
        self.seen += 1;
        self.last_seen_line = line;
        self.last_id.clear();
        self.last_id.extend_from_slice(key);
    }

    /// Take the id of a bad row at `line` (a problem of its own, no feature): a later row
    /// with its id is a [`Duplicate`] of it, as of a written feature, and it is none of an
    /// earlier one (its problem is told already). A source with two events of one id
    /// holds a mistake whichever of them is bad (probe, session 45: with the first row's
    /// date bad, the second was published under the id unsaid).
    pub fn push_bad(&mut self, id: &str, line: u64) -> Result<()> {
        let key = id.as_bytes();
        if !self.sorting {
            if self.seen > 0 && key == self.last_id.as_slice() {
                return Ok(());
            }
            if self.seen == 0 || key > self.last_id.as_slice() {
                match &mut self.records {
                    Some(records) if self.abandoned => {
                        feature_head(&mut self.head, line, None, BAD_ROW);
                        records.push_last(key, &[&self.head])?;
                    }
                    _ => {
                        self.bad_rows.push((id.to_owned(), line));
                        self.bad_bytes += id.len() + 40;
                    }
                }
                self.took_in_order(key, line);
                // So many bad rows that their ids would not fit in the buffer: sort, and
                // they spill with the features (memory stays bounded).
                if self.bad_bytes > self.buffer {
                    self.start_sorting()?;
                }
                return Ok(());
            }
            self.start_sorting()?;
        }
        feature_head(&mut self.head, line, None, BAD_ROW);
        match &mut self.records {
            Some(records) => records.push(key, &[&self.head]),
            None => Err(Error::Internal("the features to sort were lost".into())),
        }
    }

    /// Add the features of `block` as [`Sorter::push`] adds them one at a time, handing
    /// the block to the sinks whole ([`Sinks::block`]: the GeoJSON layer's writer takes its
    /// buffer). Returns `false`, having done nothing, unless its ids come in strictly
    /// increasing order after every id so far, with the features going straight to the
    /// sinks (not sorting, not abandoned): then push them one at a time.
    pub fn push_block(&mut self, block: &mut Block<'_>) -> Result<bool> {
        if self.sorting || self.abandoned || self.records.is_some() {
            return Ok(false);
        }
        let mut last = (self.seen > 0).then_some(self.last_id.as_slice());
        for p in block.features {
            let key = p.id.as_bytes();
            if last.is_some_and(|l| key <= l) {
                return Ok(false);
            }
            last = Some(key);
        }
        let Some(final_feature) = block.features.last() else {
            return Ok(true);
        };
        self.sinks.block(block)?;
        for p in block.features {
            self.marked += u64::from(p.marked);
            push_delta(&mut self.sent_lines, p.line.wrapping_sub(self.last_line));
            self.last_line = p.line;
        }
        self.written += block.features.len() as u64;
        self.seen += block.features.len() as u64 - 1;
        self.took_in_order(final_feature.id.as_bytes(), final_feature.line);
        Ok(true)
    }

    /// From now on, sort.
    fn start_sorting(&mut self) -> Result<()> {
        if self.records.is_none() {
            self.rewind_into_records()?;
        }
        self.sorting = true;
        Ok(())
    }

    /// Rewind the sinks and put what they had written first in the sort.
    fn rewind_into_records(&mut self) -> Result<()> {
        let mut records = RecordSorter::spilling(&self.runs_beside, self.buffer);
        match self.sinks.rewind()?.map(TempFile) {
            // The header, then one feature per line, in id order; their bounds are in the
            // sinks already.
            Some(first) => {
                // Their marks were counted as they were written.
                feature_head(&mut self.head, 0, None, 0);
                records.push_sorted(
                    SortedLines {
                        file: first,
                        skip: 1,
                        head: self.head.clone(),
                        numbers: std::mem::take(&mut self.sent_lines),
                        split: if self.abandoned {
                            feature_id
                        } else {
                            feature_line
                        },
                    },
                    self.written,
                )?;
            }
            None if self.written > 0 => {
                return Err(Error::Internal(
                    "no output can give back the features to sort".into(),
                ))
            }
            None => {}
        }
        // The bad rows' ids, after the features of lines before and after theirs: a repeat
        // of one is found in the merge either way (a later line's is dropped, an earlier
        // line's is a feature that stays; equal keys keep push order, and a bad row's id
        // repeating a feature's is passed over).
        self.bad_bytes = 0;
        for (id, line) in std::mem::take(&mut self.bad_rows) {
            feature_head(&mut self.head, line, None, BAD_ROW);
            records.push(id.as_bytes(), &[&self.head])?;
        }
        self.records = Some(records);
        Ok(())
    }

    /// Send every feature left to the sinks and finish them, with the layer's
    /// `attribution`.
    pub fn finish(mut self, attribution: &str) -> Result<Sorted> {
        let mut duplicates = Vec::new();
        // Ids kept in order were checked as they came: nothing to merge.
        if let Some(records) = self.records.take().filter(|_| self.sorting) {
            self.written = 0;
            let mut last: Option<Vec<u8>> = None;
            let mut last_line = 0;
            let sinks = &mut self.sinks;
            let written = &mut self.written;
            let marked_written = &mut self.marked;
            records.for_each(|id, rec| {
                let (line, bounds, mark, text) = split_feature(rec)?;
                if last.as_deref() == Some(id) {
                    if mark != BAD_ROW {
                        duplicates.push(Duplicate {
                            line,
                            first: last_line,
                            id: String::from_utf8_lossy(id).into_owned(),
                        });
                    }
                    return Ok(());
                }
                last_line = line;
                let l = last.get_or_insert_with(Vec::new);
                l.clear();
                l.extend_from_slice(id);
                if mark == BAD_ROW {
                    return Ok(());
                }
                let marked = mark == 1;
                sinks.feature(&Encoded {
                    id: std::str::from_utf8(id).unwrap_or_default(),
                    bounds,
                    text: &[text],
                })?;
                *written += 1;
                *marked_written += u64::from(marked);
                Ok(())
            })?;
        }
        let outputs = std::mem::take(&mut self.sinks).finish(attribution)?;
        Ok(Sorted {
            outputs,
            features: self.written,
            marked: self.marked,
            duplicates,
        })
    }
}

/// Append `n` to `out` as LEB128 (7 bits a byte, low first).
fn push_delta(out: &mut Vec<u8>, mut n: u64) {
    loop {
        let [low, ..] = n.to_le_bytes();
        n >>= 7;
        if n == 0 {
            out.push(low & 0x7f);
            return;
        }
        out.push(low | 0x80);
    }
}

/// The LEB128 number at `*at` in `bytes` (0 past the end), moving `*at` past it.
fn next_delta(bytes: &[u8], at: &mut usize) -> u64 {
    let mut n = 0u64;
    for shift in (0..64).step_by(7) {
        let Some(&b) = bytes.get(*at) else { break };
        *at += 1;
        n |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            break;
        }
    }
    n
}

/// A feature's sort record before its text: its line, its bounds (NaN for none) and its
/// mark.
fn feature_head(head: &mut Vec<u8>, line: u64, bounds: Option<[f64; 4]>, mark: u8) {
    head.clear();
    head.extend_from_slice(&line.to_le_bytes());
    for v in bounds.unwrap_or([f64::NAN; 4]) {
        head.extend_from_slice(&v.to_le_bytes());
    }
    head.push(mark);
}

/// A feature's line, bounds, mark (1 marked, 0 not, [`BAD_ROW`]) and text.
type FeatureParts<'a> = (u64, Option<[f64; 4]>, u8, &'a [u8]);

/// A feature's line, bounds, mark and text from its sort record.
fn split_feature(rec: &[u8]) -> Result<FeatureParts<'_>> {
    let (head, text) = rec
        .split_at_checked(FEATURE_HEAD)
        .ok_or_else(|| Error::Internal("a sorted feature lost its head".into()))?;
    let word = |i: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&head[8 * i..8 * i + 8]);
        b
    };
    let b = [1, 2, 3, 4].map(|i| f64::from_le_bytes(word(i)));
    Ok((
        u64::from_le_bytes(word(0)),
        (!b[0].is_nan()).then_some(b),
        head[FEATURE_HEAD - 1],
        text,
    ))
}

/// A line of a rewound GeoJSON layer ([`SortedLines::split`]): its feature's id (a JSON
/// string after [`FEATURE_PREFIX`]) into `key`, and its text, without the `,` that
/// separates it from the next.
fn feature_line<'a>(line: &'a [u8], key: &mut Vec<u8>) -> Option<&'a [u8]> {
    let text = line.strip_suffix(b",").unwrap_or(line);
    let rest = text.get(FEATURE_PREFIX.len()..)?;
    key.clear();
    // Most ids have no escape: the bytes between the quotes.
    if let Some(id) = rest
        .strip_prefix(b"\"")
        .and_then(|r| r.get(..memchr::memchr(b'"', r)?))
        .filter(|id| !id.contains(&b'\\'))
    {
        key.extend_from_slice(id);
        return Some(text);
    }
    let id = serde_json::Deserializer::from_slice(rest)
        .into_iter::<String>()
        .next()?
        .ok()?;
    key.extend_from_slice(id.as_bytes());
    Some(text)
}

/// [`feature_line`] for a run that will fail ([`Sorter::abandon`]): the id alone, no text.
fn feature_id<'a>(line: &'a [u8], key: &mut Vec<u8>) -> Option<&'a [u8]> {
    feature_line(line, key).map(|_| &line[..0])
}

/// Records ordered by a byte-string key in bounded memory; see the module documentation.
/// The order is the same whatever the buffer is.
#[derive(Debug)]
pub struct RecordSorter {
    beside: Option<PathBuf>,
    buffer: usize,
    /// Each record's key, then its bytes.
    arena: Vec<u8>,
    entries: Vec<Entry>,
    runs: Vec<Run>,
    /// The run [`RecordSorter::push_last`] appends to, while it does.
    tail: Option<(TempFile, BufWriter<File>)>,
    records: u64,
}

/// Records already in key order in a text file, one per line after `skip` header lines
/// (what a sink wrote while its input came in order), merged as one run
/// ([`RecordSorter::push_sorted`]) without being sorted or written again.
#[derive(Debug)]
pub struct SortedLines {
    /// The file, removed with the run.
    pub file: TempFile,
    /// Lines before the first record.
    pub skip: usize,
    /// Bytes put before each line's text in its record.
    pub head: Vec<u8>,
    /// When not empty, a number for each record, put in place of the first 8 bytes of
    /// `head` (u64, little-endian): LEB128 deltas from 0, one per line in turn (a bulk
    /// layer's input lines).
    pub numbers: Vec<u8>,
    /// A line (without its newline): its key, into the buffer given, and the text its record
    /// holds after `head`; `None` when the line is no record (an internal error).
    pub split: for<'a> fn(&'a [u8], &mut Vec<u8>) -> Option<&'a [u8]>,
}

/// A sorted run to merge: records spilled from the buffer ([`write_run_record`]'s format),
/// or lines already in order.
#[derive(Debug)]
enum Run {
    Records(TempFile),
    Lines(SortedLines),
}

impl Run {
    fn path(&self) -> &Path {
        match self {
            Run::Records(t) => t.path(),
            Run::Lines(l) => l.file.path(),
        }
    }
}

/// A record held in the buffer: its key and bytes are at `start` in the arena.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// The key's first 16 bytes as a big-endian number, zero-padded: ordering by it, then
    /// by the whole key, is the keys' byte order, and most comparisons stop at it.
    prefix: u128,
    start: usize,
    key_len: u32,
    len: u32,
}

/// The first 16 bytes of `key`, zero-padded, as a big-endian number.
fn prefix_of(key: &[u8]) -> u128 {
    let mut b = [0u8; 16];
    let n = key.len().min(16);
    b[..n].copy_from_slice(&key[..n]);
    u128::from_be_bytes(b)
}

fn len_u32(n: usize) -> Result<u32> {
    u32::try_from(n).map_err(|_| Error::Usage("a record to sort is larger than 4 GiB".into()))
}

/// A unique suffix for this process's run files.
fn next_run() -> u64 {
    static RUNS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// A new temporary file beside `beside` (`.{name}.{tag}{n}…tmp`, named by [`temp_path`] so
/// the sweep of a later run removes it if this one is killed), removed when dropped.
pub fn temp_file(beside: &Path, tag: &str) -> Result<(TempFile, File)> {
    let name = beside
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let run = beside.with_file_name(format!("{name}.{tag}{}", next_run()));
    let path = temp_path(&run);
    // The first spill may come before the output's folder is made (`--out new/x.pmtiles`).
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let _creating = crate::fsutil::interrupt::creating();
    let open = |path: &Path| {
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
    };
    match open(&path) {
        Ok(file) => Ok((TempFile(path), file)),
        // An output folder that cannot be written (a rebuild that may change nothing
        // there): the run is kept in the system's temporary folder instead.
        Err(e) if crate::fsutil::atomic::is_unwritable(&e) => {
            let elsewhere = scratch_path(&run);
            let file = crate::fsutil::atomic::create_scratch(&elsewhere).map_err(io(&elsewhere))?;
            Ok((TempFile(elsewhere), file))
        }
        Err(e) => Err(io(&path)(e)),
    }
}

impl RecordSorter {
    /// Sort in memory only: records are never spilled.
    pub fn in_memory() -> RecordSorter {
        RecordSorter::with_runs(None, usize::MAX)
    }

    /// Spill runs beside `beside` whenever `buffer` bytes of records are held.
    pub fn spilling(beside: &Path, buffer: usize) -> RecordSorter {
        RecordSorter::with_runs(Some(beside.to_path_buf()), buffer)
    }

    fn with_runs(beside: Option<PathBuf>, buffer: usize) -> RecordSorter {
        RecordSorter {
            beside,
            buffer: buffer.max(1),
            arena: Vec::new(),
            entries: Vec::new(),
            runs: Vec::new(),
            tail: None,
            records: 0,
        }
    }

    /// Records pushed so far.
    pub fn len(&self) -> u64 {
        self.records
    }

    /// Whether no record was pushed.
    pub fn is_empty(&self) -> bool {
        self.records == 0
    }

    /// Add a record, in pieces, under `key`, which sorts after (or with) every key pushed so
    /// far: it is appended to a run file as it is, never sorted. A spilling sort only.
    pub fn push_last(&mut self, key: &[u8], parts: &[&[u8]]) -> Result<()> {
        if self.tail.is_none() {
            self.spill()?;
            let Some(beside) = &self.beside else {
                return Err(Error::Internal(
                    "records appended to an in-memory sort".into(),
                ));
            };
            let (run, file) = temp_file(beside, "run")?;
            self.tail = Some((run, BufWriter::with_capacity(1 << 20, file)));
        }
        if let Some((run, w)) = &mut self.tail {
            let len = parts.iter().map(|p| p.len()).sum();
            write_run_head(w, key.len(), len)
                .and_then(|()| w.write_all(key))
                .and_then(|()| parts.iter().try_for_each(|p| w.write_all(p)))
                .map_err(io(&run.0))?;
        }
        self.records += 1;
        Ok(())
    }

    /// Close the run [`RecordSorter::push_last`] appended to: records pushed later sort
    /// after it.
    fn close_tail(&mut self) -> Result<()> {
        if let Some((run, mut w)) = self.tail.take() {
            w.flush().map_err(io(&run.0))?;
            self.runs.push(Run::Records(run));
        }
        Ok(())
    }

    /// Add a record, in pieces, under `key`.
    pub fn push(&mut self, key: &[u8], parts: &[&[u8]]) -> Result<()> {
        self.close_tail()?;
        self.make_room(key.len() + parts.iter().map(|p| p.len()).sum::<usize>())?;
        let start = self.arena.len();
        self.arena.extend_from_slice(key);
        for p in parts {
            self.arena.extend_from_slice(p);
        }
        self.entries.push(Entry {
            prefix: prefix_of(key),
            start,
            key_len: len_u32(key.len())?,
            len: len_u32(self.arena.len() - start - key.len())?,
        });
        self.records += 1;
        Ok(())
    }

    /// Make room in the buffer for one more record of `need` bytes (key and record) while
    /// what the buffer's two vectors have allocated stays within `buffer` bytes: each grows
    /// by doubling while the buffer allows it, to what is left of it after that, and when
    /// even the record does not fit the records held are spilled (their room is used
    /// again). A lone record larger than the buffer is still taken. An in-memory sort
    /// grows as it needs.
    fn make_room(&mut self, need: usize) -> Result<()> {
        const ENTRY: usize = std::mem::size_of::<Entry>();
        // Grown to at least this much at once (a buffer smaller than it excepted).
        const MIN_ARENA: usize = 64 << 10;
        const MIN_ENTRIES: usize = 1 << 10;
        let arena_short = need.saturating_sub(self.arena.capacity() - self.arena.len());
        let entries_short = usize::from(self.entries.len() == self.entries.capacity());
        if (arena_short == 0 && entries_short == 0) || self.beside.is_none() {
            return Ok(());
        }
        let held = self.arena.capacity() + self.entries.capacity() * ENTRY;
        let short = arena_short + entries_short * ENTRY;
        if held + short > self.buffer {
            if !self.entries.is_empty() {
                let used = self.arena.len() + self.entries.len() * ENTRY;
                self.spill()?;
                // Room mostly taken by the other vector (records of another size came
                // first), or grown past the buffer for a lone large record: start again
                // from nothing, to grow in the records' proportions.
                if used < self.buffer / 2 || held > self.buffer {
                    self.arena = Vec::new();
                    self.entries = Vec::new();
                }
                return self.make_room(need);
            }
            if held > 0 {
                // Nothing held, and the room there is cannot take the record: free it.
                self.arena = Vec::new();
                self.entries = Vec::new();
                return self.make_room(need);
            }
        }
        let mut spare = self.buffer.saturating_sub(held + short);
        if arena_short > 0 {
            let more = self.arena.capacity().max(MIN_ARENA).min(spare);
            spare -= more;
            let len = self.arena.len();
            self.arena
                .reserve_exact(self.arena.capacity() + arena_short + more - len);
        }
        if entries_short > 0 {
            let more = self.entries.capacity().max(MIN_ENTRIES).min(spare / ENTRY);
            let len = self.entries.len();
            self.entries
                .reserve_exact(self.entries.capacity() + 1 + more - len);
        }
        Ok(())
    }

    /// Bytes the buffer has allocated (what [`RecordSorter::spilling`]'s `buffer` bounds).
    #[cfg(test)]
    fn allocated(&self) -> usize {
        self.arena.capacity() + self.entries.capacity() * std::mem::size_of::<Entry>()
    }

    /// Add `count` records already in key order, as [`SortedLines`] of a file: after every
    /// record pushed so far (for equal keys) and before every later one. They are read once,
    /// when the runs are merged.
    pub fn push_sorted(&mut self, lines: SortedLines, count: u64) -> Result<()> {
        if self.beside.is_none() {
            return Err(Error::Internal(
                "sorted lines given to an in-memory sort".into(),
            ));
        }
        self.spill()?;
        self.runs.push(Run::Lines(lines));
        self.records += count;
        Ok(())
    }

    fn sort_buffer(&mut self) {
        let arena = &self.arena;
        let key = |e: &Entry| &arena[e.start..e.start + e.key_len as usize];
        // Equal keys keep push order: records are pushed at increasing `start`, so ties
        // are broken by it, and an unstable sort (in place: no scratch of half the
        // buffer, as a stable sort takes) gives the one order. Past equal prefixes, two
        // keys of at most 16 bytes differ only in length (the shorter first).
        self.entries.sort_unstable_by(|a, b| {
            a.prefix
                .cmp(&b.prefix)
                .then_with(|| {
                    if a.key_len <= 16 && b.key_len <= 16 {
                        a.key_len.cmp(&b.key_len)
                    } else {
                        key(a).cmp(key(b))
                    }
                })
                .then(a.start.cmp(&b.start))
        });
    }

    /// The key and bytes of a record held in the buffer.
    fn held(&self, e: &Entry) -> (&[u8], &[u8]) {
        let at = e.start + e.key_len as usize;
        (
            &self.arena[e.start..at],
            &self.arena[at..at + e.len as usize],
        )
    }

    /// Sort the buffer into a new run file.
    fn spill(&mut self) -> Result<()> {
        self.close_tail()?;
        let Some(beside) = self.beside.clone() else {
            return Ok(());
        };
        if self.entries.is_empty() {
            return Ok(());
        }
        self.sort_buffer();
        let (run, file) = temp_file(&beside, "run")?;
        let mut w = BufWriter::with_capacity(1 << 20, file);
        for e in &self.entries {
            let (key, rec) = self.held(e);
            write_run_record(&mut w, key, rec).map_err(io(&run.0))?;
        }
        w.flush().map_err(io(&run.0))?;
        self.runs.push(Run::Records(run));
        crate::fsutil::test_point("spilled");
        self.entries.clear();
        self.arena.clear();
        Ok(())
    }

    /// Every record in key order.
    pub fn finish(mut self) -> Result<SortedRecords> {
        self.close_tail()?;
        if self.runs.is_empty() {
            self.sort_buffer();
            return Ok(SortedRecords::Memory {
                entries: self
                    .entries
                    .iter()
                    .map(|e| (e.start + e.key_len as usize, e.len))
                    .collect(),
                arena: std::mem::take(&mut self.arena),
            });
        }
        let beside = self.merge_down()?;
        let (temp, file) = temp_file(&beside, "sorted")?;
        let mut out = BufWriter::with_capacity(1 << 20, &file);
        let mut len = 0u64;
        merge_runs(&self.runs, |_, rec| {
            len += 4 + rec.len() as u64;
            out.write_all(&len_u32(rec.len())?.to_le_bytes())
                .and_then(|()| out.write_all(rec))
                .map_err(io(&temp.0))
        })?;
        out.flush().map_err(io(&temp.0))?;
        drop(out);
        // The runs are merged: remove them now.
        self.runs.clear();
        Ok(SortedRecords::File { file, temp, len })
    }

    /// Call `f(key, record)` for every record in key order (equal keys in push order),
    /// without writing them out again: a lone buffer is sorted in memory, runs are merged
    /// as they are read.
    pub fn for_each(mut self, mut f: impl FnMut(&[u8], &[u8]) -> Result<()>) -> Result<()> {
        self.close_tail()?;
        if self.runs.is_empty() {
            self.sort_buffer();
            for e in &self.entries {
                let (key, rec) = self.held(e);
                f(key, rec)?;
            }
            return Ok(());
        }
        self.merge_down()?;
        merge_runs(&self.runs, f)
    }

    /// Spill the buffer, then merge the earliest runs into one until at most [`FAN_IN`]
    /// are left (the merged run stays first, so equal keys keep push order). Returns the
    /// folder's file the runs are named after.
    fn merge_down(&mut self) -> Result<PathBuf> {
        self.spill()?;
        // Nothing is held from here on: the buffer's room goes back before the merge.
        self.arena = Vec::new();
        self.entries = Vec::new();
        let Some(beside) = self.beside.clone() else {
            return Err(Error::Internal("records spilled without a folder".into()));
        };
        while self.runs.len() > FAN_IN {
            let group: Vec<Run> = self.runs.drain(..FAN_IN).collect();
            let (run, file) = temp_file(&beside, "run")?;
            let mut w = BufWriter::with_capacity(1 << 20, file);
            merge_runs(&group, |key, rec| {
                write_run_record(&mut w, key, rec).map_err(io(&run.0))
            })?;
            w.flush().map_err(io(&run.0))?;
            self.runs.insert(0, Run::Records(run));
        }
        Ok(beside)
    }
}

/// The most run files merged at once.
const FAN_IN: usize = 64;

/// One record of a run file: key length and record length (u32 each, checked when the
/// record was pushed), key, record.
fn write_run_record(w: &mut impl Write, key: &[u8], rec: &[u8]) -> std::io::Result<()> {
    write_run_head(w, key.len(), rec.len())?;
    w.write_all(key)?;
    w.write_all(rec)
}

/// The lengths that start a record of a run file.
fn write_run_head(w: &mut impl Write, key: usize, rec: usize) -> std::io::Result<()> {
    let len = |n: usize| u32::try_from(n).map_err(std::io::Error::other);
    w.write_all(&len(key)?.to_le_bytes())?;
    w.write_all(&len(rec)?.to_le_bytes())
}

/// A run's next record: its key then its bytes, and the key's length (and, for lines, the
/// line read and its key).
#[derive(Debug, Clone, Default)]
struct Head {
    bytes: Vec<u8>,
    key_len: usize,
    line: Vec<u8>,
    key: Vec<u8>,
    /// For lines with numbers: the last one, and where the next delta is.
    number: u64,
    at: usize,
}

/// Merge sorted runs, calling `emit(key, record)` in key order (equal keys: earlier runs
/// first).
fn merge_runs(runs: &[Run], mut emit: impl FnMut(&[u8], &[u8]) -> Result<()>) -> Result<()> {
    let mut inputs = Vec::with_capacity(runs.len());
    for run in runs {
        let path = run.path();
        let f = File::open(path).map_err(io(path))?;
        let mut input = BufReader::with_capacity(1 << 18, f);
        if let Run::Lines(lines) = run {
            let mut skipped = Vec::new();
            for _ in 0..lines.skip {
                input.read_until(b'\n', &mut skipped).map_err(io(path))?;
            }
        }
        inputs.push(input);
    }
    // One record per run, refilled in place, and one key per heap entry, handed back when
    // popped: nothing is allocated per record.
    let mut heads = vec![Head::default(); inputs.len()];
    let mut heap = BinaryHeap::new();
    for (i, input) in inputs.iter_mut().enumerate() {
        if read_run_record(input, &mut heads[i], &runs[i])? {
            let key = heads[i].bytes[..heads[i].key_len].to_vec();
            heap.push(Reverse((prefix_of(&key), key, i)));
        }
    }
    while let Some(Reverse((_, mut key, i))) = heap.pop() {
        let h = &heads[i];
        emit(&h.bytes[..h.key_len], &h.bytes[h.key_len..])?;
        if read_run_record(&mut inputs[i], &mut heads[i], &runs[i])? {
            key.clear();
            key.extend_from_slice(&heads[i].bytes[..heads[i].key_len]);
            heap.push(Reverse((prefix_of(&key), key, i)));
        }
    }
    Ok(())
}

/// Read the next record of a run into `head`; `false` at the end.
fn read_run_record(input: &mut BufReader<File>, head: &mut Head, run: &Run) -> Result<bool> {
    let path = run.path();
    if let Run::Lines(lines) = run {
        head.line.clear();
        if input.read_until(b'\n', &mut head.line).map_err(io(path))? == 0 {
            return Ok(false);
        }
        let line = head.line.strip_suffix(b"\n").unwrap_or(&head.line);
        let text = (lines.split)(line, &mut head.key)
            .ok_or_else(|| Error::Internal(format!("{}: a line without a key", path.display())))?;
        head.bytes.clear();
        head.bytes.extend_from_slice(&head.key);
        head.bytes.extend_from_slice(&lines.head);
        head.bytes.extend_from_slice(text);
        head.key_len = head.key.len();
        if !lines.numbers.is_empty() {
            head.number = head
                .number
                .wrapping_add(next_delta(&lines.numbers, &mut head.at));
            if let Some(n) = head.bytes.get_mut(head.key_len..head.key_len + 8) {
                n.copy_from_slice(&head.number.to_le_bytes());
            }
        }
        return Ok(true);
    }
    let mut lens = [0u8; 8];
    match input.read_exact(&mut lens) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(false),
        Err(e) => return Err(Error::io(path, e)),
    }
    let [k0, k1, k2, k3, n0, n1, n2, n3] = lens;
    let key_len = u32::from_le_bytes([k0, k1, k2, k3]) as usize;
    let len = u32::from_le_bytes([n0, n1, n2, n3]) as usize;
    head.bytes.resize(key_len + len, 0);
    input.read_exact(&mut head.bytes).map_err(io(path))?;
    head.key_len = key_len;
    Ok(true)
}

/// Records in key order ([`RecordSorter::finish`]): held in memory, or in one temporary
/// file (removed when dropped) read sequentially or at a record's position.
#[derive(Debug)]
pub enum SortedRecords {
    /// The records, in the arena, in order.
    Memory {
        /// Their bytes, in push order.
        arena: Vec<u8>,
        /// Start and length of each, in key order.
        entries: Vec<(usize, u32)>,
    },
    /// The records in order, each its length (u32) then its bytes.
    File {
        /// The open file.
        file: File,
        /// Its path, removed when dropped.
        temp: TempFile,
        /// Its length.
        len: u64,
    },
}

impl SortedRecords {
    /// A reader of the records in order, from the first.
    pub fn reader(&self) -> RecordReader<'_> {
        RecordReader {
            records: self,
            next: 0,
            buf: Vec::new(),
            at: 0,
            filled: 0,
        }
    }

    /// The record at `at` (a position a [`RecordReader`] gave) into `buf`.
    pub fn read_at<'a>(&'a self, at: u64, buf: &'a mut Vec<u8>) -> Result<&'a [u8]> {
        match self {
            SortedRecords::Memory { arena, entries } => {
                let (start, len) = usize::try_from(at)
                    .ok()
                    .and_then(|i| entries.get(i))
                    .copied()
                    .ok_or_else(|| Error::Internal(format!("no sorted record {at}")))?;
                Ok(&arena[start..start + len as usize])
            }
            SortedRecords::File { file, temp, len } => {
                use std::os::unix::fs::FileExt;
                // One read for the length and a record of up to READ_AT_GUESS bytes (most),
                // a second for the rest of a longer one.
                let first = usize::try_from(len.saturating_sub(at))
                    .unwrap_or(usize::MAX)
                    .min(READ_AT_GUESS);
                buf.resize(first, 0);
                file.read_exact_at(buf, at).map_err(io(&temp.0))?;
                let mut l = [0u8; 4];
                l.copy_from_slice(buf.get(..4).ok_or_else(|| {
                    Error::Internal(format!("{}: no sorted record at {at}", temp.0.display()))
                })?);
                let end = 4 + u32::from_le_bytes(l) as usize;
                if end > first {
                    buf.resize(end, 0);
                    file.read_exact_at(&mut buf[first..], at + first as u64)
                        .map_err(io(&temp.0))?;
                }
                Ok(&buf[4..end])
            }
        }
    }
}

/// Bytes [`SortedRecords::read_at`] reads at first: the length and most records whole.
const READ_AT_GUESS: usize = 512;

/// Reads [`SortedRecords`] in order (each reader has its own position, so threads can read
/// the same records at once).
#[derive(Debug)]
pub struct RecordReader<'a> {
    records: &'a SortedRecords,
    /// The next record's position: an index in memory, a byte offset in a file.
    next: u64,
    /// File bytes read ahead, from file offset `at`; `filled` of them valid.
    buf: Vec<u8>,
    at: u64,
    filled: usize,
}

impl RecordReader<'_> {
    /// The next record and its position (for [`SortedRecords::read_at`]), or `None` after
    /// the last.
    pub fn next_record(&mut self) -> Result<Option<(u64, &[u8])>> {
        match self.records {
            SortedRecords::Memory { arena, entries } => {
                let at = self.next;
                let Some(&(start, len)) = usize::try_from(at).ok().and_then(|i| entries.get(i))
                else {
                    return Ok(None);
                };
                self.next += 1;
                Ok(Some((at, &arena[start..start + len as usize])))
            }
            SortedRecords::File { file, temp, len } => {
                use std::os::unix::fs::FileExt;
                let at = self.next;
                if at >= *len {
                    return Ok(None);
                }
                let need = |this: &mut Self, n: usize| -> Result<()> {
                    let have_from = usize::try_from(at - this.at).unwrap_or(usize::MAX);
                    if this.filled >= have_from && this.filled - have_from >= n {
                        return Ok(());
                    }
                    // Refill from `at`: at least `n` bytes, up to 1 MiB or the file's end.
                    let want = usize::try_from((*len - at).min(n.max(1 << 20) as u64)).unwrap_or(n);
                    if want < n {
                        return Err(Error::Internal(format!(
                            "{}: a sorted record runs past the end",
                            temp.0.display()
                        )));
                    }
                    this.buf.resize(want, 0);
                    file.read_exact_at(&mut this.buf[..want], at)
                        .map_err(io(&temp.0))?;
                    this.at = at;
                    this.filled = want;
                    Ok(())
                };
                need(self, 4)?;
                let off = usize::try_from(at - self.at).unwrap_or(0);
                let mut l = [0u8; 4];
                l.copy_from_slice(&self.buf[off..off + 4]);
                let n = u32::from_le_bytes(l) as usize;
                need(self, 4 + n)?;
                let off = usize::try_from(at - self.at).unwrap_or(0);
                self.next = at + 4 + n as u64;
                Ok(Some((at, &self.buf[off + 4..off + 4 + n])))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::sink::{GeoJson, GeoJsonSeq, Placed, Sink, SEPARATOR};
    use super::*;

    fn feature(id: &str, x: f64) -> Vec<u8> {
        format!("{{\"type\":\"Feature\",\"id\":\"{id}\",\"geometry\":{{\"type\":\"Point\",\"coordinates\":[{x},1]}},\"properties\":{{}}}}").into_bytes()
    }

    fn run(ids: &[&str], buffer: usize) -> (String, String, Vec<Duplicate>) {
        run_blocks(ids, buffer, None)
    }

    /// [`run`] with the features handed over in blocks of `block` ids (when given), each
    /// pushed one at a time when the sorter does not take it whole.
    fn run_blocks(
        ids: &[&str],
        buffer: usize,
        block: Option<usize>,
    ) -> (String, String, Vec<Duplicate>) {
        let dir = tempfile::tempdir().unwrap();
        let g = dir.path().join("l.geojson");
        let s = dir.path().join("l.geojsons");
        let sinks: Vec<Box<dyn Sink>> = vec![
            Box::new(GeoJson::create(&g, "l").unwrap()),
            Box::new(GeoJsonSeq::create(&s).unwrap()),
        ];
        let mut sorter = Sorter::new(Sinks(sinks), &dir.path().join("l"), buffer);
        sorter.buffer = buffer; // below the floor, to test spilling
        let mut dups = Vec::new();
        // Every other row is marked: the marks counted are those of the features kept,
        // the first of each id (probe 8 #11: rows dropped as repeats were counted).
        let marked = |line: usize| line.is_multiple_of(2);
        let mut line = 0;
        for group in ids.chunks(block.unwrap_or(1)) {
            if block.is_some() {
                let mut text = Vec::new();
                let mut placed = Vec::new();
                for (k, id) in group.iter().enumerate() {
                    let x = (line + k) as f64;
                    text.extend_from_slice(SEPARATOR);
                    text.extend_from_slice(&feature(id, x));
                    placed.push(Placed {
                        id,
                        bounds: Some([x, 1.0, x, 1.0]),
                        end: text.len(),
                        line: (line + k) as u64 + 2,
                        marked: marked(line + k),
                    });
                }
                let first = sorter.written == 0;
                let mut b = Block {
                    text: &mut text,
                    features: &placed,
                };
                if sorter.push_block(&mut b).unwrap() {
                    // The GeoJSON sink took the buffer, but for the layer's first features.
                    assert_eq!(text.is_empty(), !first, "{ids:?}");
                    line += group.len();
                    continue;
                }
            }
            for id in group {
                let x = line as f64;
                let text = feature(id, x);
                dups.extend(
                    sorter
                        .push(
                            id,
                            line as u64 + 2,
                            Some([x, 1.0, x, 1.0]),
                            &[&text],
                            marked(line),
                        )
                        .unwrap(),
                );
                line += 1;
            }
        }
        let done = sorter.finish("").unwrap();
        let kept_marked = (0..ids.len())
            .filter(|&i| !ids[..i].contains(&ids[i]) && marked(i))
            .count();
        assert_eq!(done.marked, kept_marked as u64, "{ids:?}");
        dups.extend(done.duplicates);
        for o in done.outputs {
            o.commit().unwrap();
        }
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "temporaries left: {names:?}");
        (
            std::fs::read_to_string(g).unwrap(),
            std::fs::read_to_string(s).unwrap(),
            dups,
        )
    }

    fn ids_of(geojson: &str) -> Vec<String> {
        let v: serde_json::Value = serde_json::from_str(geojson).unwrap();
        v["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_owned())
            .collect()
    }

    /// Review, session 46: a bad row's id is taken (a later good row repeating it is a
    /// duplicate, a later bad one passed over), in order or sorting, its ids held or, past
    /// the buffer, spilled. Rows marked `!` are bad.
    #[test]
    fn a_bad_rows_id_is_taken_whatever_the_order_and_the_buffer() {
        for rows in [
            &["!a", "a", "b"][..],
            &["a", "!a", "b", "a"][..],
            &["b", "!a", "c", "a", "!b", "!c", "d"][..],
            &["!c", "!b", "a", "b", "c", "!a"][..],
            &["a", "b", "!c", "d", "!a", "c"][..],
        ] {
            for buffer in [1, 1 << 20] {
                let dir = tempfile::tempdir().unwrap();
                let g = dir.path().join("l.geojson");
                let sinks: Vec<Box<dyn Sink>> = vec![Box::new(GeoJson::create(&g, "l").unwrap())];
                let mut sorter = Sorter::new(Sinks(sinks), &dir.path().join("l"), buffer);
                sorter.buffer = buffer;
                let mut dups = Vec::new();
                for (i, row) in rows.iter().enumerate() {
                    let line = i as u64 + 2;
                    match row.strip_prefix('!') {
                        Some(id) => sorter.push_bad(id, line).unwrap(),
                        None => {
                            let text = feature(row, 0.0);
                            dups.extend(sorter.push(row, line, None, &[&text], false).unwrap());
                        }
                    }
                }
                let done = sorter.finish("").unwrap();
                dups.extend(done.duplicates);
                for o in done.outputs {
                    o.commit().unwrap();
                }
                // The first row of each id is kept when good; later good ones repeat it.
                let id = |r: &str| r.trim_start_matches('!').to_owned();
                let first = |i: usize| rows[..i].iter().all(|r| id(r) != id(rows[i]));
                let mut want: Vec<String> = (0..rows.len())
                    .filter(|&i| first(i) && !rows[i].starts_with('!'))
                    .map(|i| id(rows[i]))
                    .collect();
                want.sort_unstable();
                let text = std::fs::read_to_string(&g).unwrap();
                assert_eq!(ids_of(&text), want, "{rows:?} buffer {buffer}");
                let mut got: Vec<u64> = dups.iter().map(|d| d.line).collect();
                got.sort_unstable();
                let repeats: Vec<u64> = (0..rows.len())
                    .filter(|&i| !first(i) && !rows[i].starts_with('!'))
                    .map(|i| i as u64 + 2)
                    .collect();
                assert_eq!(got, repeats, "{rows:?} buffer {buffer}");
            }
        }
    }

    /// A run abandoned after `at` features (in order or sorting, spilled or not) writes
    /// nothing, leaves nothing, and still finds every repeated id.
    #[test]
    fn an_abandoned_run_writes_nothing_and_still_finds_repeated_ids() {
        for (ids, at, buffer) in [
            (&["a", "b", "c", "a", "b"][..], 2, 1 << 20),
            (&["a", "b", "c", "a", "b"][..], 0, 1),
            (&["c", "a", "b", "a", "c"][..], 3, 1),
            // In order after the abandon, then not; in order to the end.
            (&["a", "b", "c", "d", "d", "a", "b"][..], 2, 1),
            (&["a", "b", "c", "c", "d"][..], 1, 1),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let sinks: Vec<Box<dyn Sink>> = vec![Box::new(
                GeoJson::create(&dir.path().join("l.geojson"), "l").unwrap(),
            )];
            let mut sorter = Sorter::new(Sinks(sinks), &dir.path().join("l"), buffer);
            sorter.buffer = buffer;
            let mut dups = Vec::new();
            for (line, id) in ids.iter().enumerate() {
                if line == at {
                    sorter.abandon().unwrap();
                }
                let text = feature(id, 0.0);
                dups.extend(
                    sorter
                        .push(id, line as u64 + 2, None, &[&text], false)
                        .unwrap(),
                );
            }
            let done = sorter.finish("").unwrap();
            dups.extend(done.duplicates);
            assert!(done.outputs.is_empty());
            let mut lines: Vec<(u64, &str)> =
                dups.iter().map(|d| (d.line, d.id.as_str())).collect();
            lines.sort_unstable();
            let want: Vec<(u64, &str)> = (0..ids.len())
                .filter(|&i| ids[..i].contains(&ids[i]))
                .map(|i| (i as u64 + 2, ids[i]))
                .collect();
            assert_eq!(lines, want, "{ids:?} abandoned at {at}");
            let left = std::fs::read_dir(dir.path()).unwrap().count();
            assert_eq!(left, 0, "temporaries left behind");
        }
    }

    /// An appended export: the features written in order before the first early id go back
    /// as one run, read once in the merge, not pushed through the sort buffer again (with a
    /// one-byte buffer each would otherwise be a run of its own).
    #[test]
    fn the_rewound_layer_is_merged_as_one_sorted_run() {
        let dir = tempfile::tempdir().unwrap();
        let g = dir.path().join("l.geojson");
        let sinks: Vec<Box<dyn Sink>> = vec![Box::new(GeoJson::create(&g, "l").unwrap())];
        let mut sorter = Sorter::new(Sinks(sinks), &dir.path().join("l"), 1);
        sorter.buffer = 1;
        let ids: Vec<String> = (10..60).map(|i| format!("id{i}")).collect();
        let late = ["id05", "id30", "id99"];
        for (line, id) in ids.iter().map(String::as_str).chain(late).enumerate() {
            let text = feature(id, line as f64);
            let x = line as f64;
            let dup = sorter.push(id, line as u64 + 2, Some([x, 1.0, x, 1.0]), &[&text], true);
            assert!(
                dup.unwrap().is_none(),
                "{id}: repeats are found in the merge"
            );
        }
        let runs = sorter.records.as_ref().map(|r| r.runs.len());
        assert_eq!(
            runs,
            Some(3),
            "the rewound layer, then one run per late feature but the last (still held)"
        );
        let done = sorter.finish("").unwrap();
        let dups: Vec<_> = done
            .duplicates
            .iter()
            .map(|d| (d.line, d.id.as_str()))
            .collect();
        assert_eq!(dups, [(53, "id30")]);
        assert_eq!(
            done.marked,
            ids.len() as u64 + 2,
            "the repeat's mark is not counted"
        );
        for o in done.outputs {
            o.commit().unwrap();
        }
        let mut want: Vec<String> = ids.clone();
        want.extend(["id05".into(), "id99".into()]);
        want.sort();
        let text = std::fs::read_to_string(&g).unwrap();
        assert_eq!(ids_of(&text), want);
        assert!(text.contains("\"bbox\":[0,1,52,1]"), "{text}");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "temporaries left"
        );
    }

    #[test]
    fn a_rewound_line_gives_its_id_unescaped_and_its_text_without_the_comma() {
        let mut key = Vec::new();
        let line = br#"{"type":"Feature","id":"a\"b","geometry":null,"properties":{}},"#;
        let text = feature_line(line, &mut key).unwrap();
        assert_eq!(key, b"a\"b");
        assert_eq!(text, &line[..line.len() - 1]);
        let line = br#"{"type":"Feature","id":"EV1","geometry":null,"properties":{}}"#;
        assert_eq!(feature_line(line, &mut key).unwrap(), line.as_slice());
        assert_eq!(key, b"EV1");
        assert_eq!(feature_id(line, &mut key).unwrap(), b"");
        assert!(feature_line(b"{\"type\":\"FeatureCollection\"", &mut key).is_none());
    }

    #[test]
    fn sorted_input_is_written_in_one_pass() {
        let (g, s, p) = run(&["a", "b", "c"], 1 << 20);
        assert_eq!(ids_of(&g), ["a", "b", "c"]);
        assert!(g.ends_with("\n],\"bbox\":[0,1,2,1]}\n"), "{g}");
        assert_eq!(s.lines().count(), 3);
        assert!(s.lines().all(|l| l.starts_with('\u{1e}')));
        assert!(p.is_empty());
    }

    #[test]
    fn any_order_gives_the_same_ids_and_reports_duplicates() {
        // Each duplicate names the line of the first feature with its id, whether found in
        // order, in the merge of sorted runs or in the rewound layer.
        for (ids, buffer) in [
            (&["a", "b", "b", "c"][..], 1 << 20),
            (&["a", "b", "c", "b", "a"][..], 1),
            (&["a", "b", "c", "b", "a"][..], 1 << 20),
            (&["c", "a", "b", "a", "c"][..], 1),
        ] {
            let (_, _, p) = run(ids, buffer);
            let mut got: Vec<(u64, u64)> = p.iter().map(|d| (d.line, d.first)).collect();
            got.sort_unstable();
            let want: Vec<(u64, u64)> = (0..ids.len())
                .filter_map(|i| {
                    let first = ids.iter().position(|x| *x == ids[i])?;
                    (first < i).then_some((i as u64 + 2, first as u64 + 2))
                })
                .collect();
            assert_eq!(got, want, "{ids:?}");
        }
        let sorted = run(&["a", "b", "c", "d", "e"], 1 << 20);
        for (order, buffer) in [
            (vec!["c", "a", "e", "b", "d"], 1 << 20),
            (vec!["b", "c", "a", "e", "d"], 1),
            (vec!["e", "d", "c", "b", "a"], 1),
        ] {
            let (g, s, p) = run(&order, buffer);
            assert_eq!(ids_of(&g), ids_of(&sorted.0));
            assert_eq!(s.lines().count(), 5);
            assert!(p.is_empty(), "{p:?}");
            // Same features, same bbox (coordinates differ per order, so compare keys only).
            assert!(g.contains("\"bbox\":[0,1,4,1]"), "{g}");
        }
        let (g, _, p) = run(&["b", "a", "b", "c", "a"], 1);
        assert_eq!(ids_of(&g), ["a", "b", "c"]);
        let mut lines: Vec<(u64, &str)> = p.iter().map(|d| (d.line, d.id.as_str())).collect();
        lines.sort_unstable();
        assert_eq!(lines, [(4, "b"), (6, "a")]);
        let (_, _, p) = run(&["a", "a"], 1 << 20);
        assert_eq!(
            p,
            [Duplicate {
                line: 3,
                first: 2,
                id: "a".into()
            }]
        );
    }

    /// Features handed over in blocks (the GeoJSON sink writing a block's buffer as it is)
    /// give the same files and the same repeats as one at a time: blocks in order, blocks
    /// refused (an id out of order or repeated in or before them) and pushed one at a time,
    /// blocks after the sorting began, blocks rewound into the sort.
    #[test]
    fn blocks_write_what_features_one_at_a_time_write() {
        for ids in [
            &["a", "b", "c", "d", "e", "f", "g"][..],
            &["a", "b", "d", "c", "e", "f", "g"],
            &["a", "b", "b", "c", "d", "e", "f"],
            &["c", "d", "e", "f", "a", "b", "g"],
            &["a", "b", "c", "d", "e", "f", "a"],
            &["g", "f", "e", "d", "c", "b", "a"],
        ] {
            for buffer in [1, 1 << 20] {
                let want = run(ids, buffer);
                for block in 1..=4 {
                    let got = run_blocks(ids, buffer, Some(block));
                    assert_eq!(got, want, "{ids:?} in blocks of {block}, buffer {buffer}");
                }
            }
        }
    }

    /// Read every record of `sorted` in order, checking `read_at` gives the same bytes.
    fn read_all(sorted: &SortedRecords) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut positions = Vec::new();
        let mut r = sorted.reader();
        while let Some((at, rec)) = r.next_record().unwrap() {
            out.push(rec.to_vec());
            positions.push(at);
        }
        assert!(
            positions.windows(2).all(|w| w[0] < w[1]),
            "positions ascend"
        );
        let mut buf = Vec::new();
        for (at, rec) in positions.iter().zip(&out) {
            assert_eq!(sorted.read_at(*at, &mut buf).unwrap(), rec.as_slice());
        }
        out
    }

    /// Records longer than what `read_at` reads at first are read whole, by position,
    /// among short ones.
    #[test]
    fn long_records_are_read_whole_by_position() {
        let dir = tempfile::tempdir().unwrap();
        let mut sorted = RecordSorter::spilling(&dir.path().join("out.pmtiles"), 1 << 10);
        let sizes = [0, 10, READ_AT_GUESS - 4, READ_AT_GUESS, 600, 70_000, 3, 4];
        for (i, &n) in sizes.iter().enumerate() {
            let fill = u8::try_from(i).unwrap();
            sorted.push(&[fill], &[&vec![fill; n]]).unwrap();
        }
        let sorted = sorted.finish().unwrap();
        let got = read_all(&sorted);
        let want: Vec<Vec<u8>> = sizes
            .iter()
            .enumerate()
            .map(|(i, &n)| vec![u8::try_from(i).unwrap(); n])
            .collect();
        assert_eq!(got, want);
    }

    proptest::proptest! {
        /// Records come out in the byte order of their keys (short and long, sharing
        /// prefixes past 16 bytes), equal keys in push order, the same whatever the buffer
        /// (so however many runs are spilled and merged, up to more than FAN_IN), and no
        /// run file is left once the sorted records are dropped.
        #[test]
        fn records_come_out_in_stable_key_order_whatever_the_buffer(
            records in proptest::collection::vec((proptest::collection::vec(0u8..3, 0..20), proptest::collection::vec(proptest::prelude::any::<u8>(), 0..12)), 0..300),
            buffer in 1usize..400,
        ) {
            let dir = tempfile::tempdir().unwrap();
            let mut want: Vec<(Vec<u8>, usize, Vec<u8>)> = Vec::new();
            let mut spilled = RecordSorter::spilling(&dir.path().join("out.pmtiles"), buffer);
            let mut memory = RecordSorter::in_memory();
            let mut each = RecordSorter::spilling(&dir.path().join("out.pmtiles"), buffer);
            for (i, (key, bytes)) in records.iter().enumerate() {
                // The index makes each record unique, so the order of equal keys shows.
                let tag = u32::try_from(i).unwrap().to_le_bytes();
                spilled.push(key, &[&tag, bytes]).unwrap();
                memory.push(key, &[&tag, bytes]).unwrap();
                each.push(key, &[&tag, bytes]).unwrap();
                want.push((key.clone(), i, [&tag[..], bytes].concat()));
            }
            want.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
            let mut got = Vec::new();
            each.for_each(|k, r| {
                got.push((k.to_vec(), r.to_vec()));
                Ok(())
            }).unwrap();
            proptest::prop_assert_eq!(got, want.iter().map(|w| (w.0.clone(), w.2.clone())).collect::<Vec<_>>());
            let want: Vec<Vec<u8>> = want.into_iter().map(|w| w.2).collect();
            let spilled = spilled.finish().unwrap();
            proptest::prop_assert_eq!(read_all(&spilled), want.clone());
            proptest::prop_assert_eq!(read_all(&memory.finish().unwrap()), want);
            drop(spilled);
            proptest::prop_assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        }
    }

    proptest::proptest! {
        /// What a spilling sort allocates for the records it holds stays within its buffer
        /// (a lone record larger than the buffer excepted), whatever the records' sizes
        /// and their order: the buffer's vectors grew by doubling past it (a 32 MiB buffer
        /// held up to 64 MiB), and kept that room through the merge.
        #[test]
        fn a_spilling_sort_allocates_within_its_buffer(
            sizes in proptest::collection::vec((0usize..40, proptest::prop_oneof![0usize..20, 0usize..3_000]), 1..400),
            buffer in 64usize..20_000,
        ) {
            let dir = tempfile::tempdir().unwrap();
            let mut s = RecordSorter::spilling(&dir.path().join("out.pmtiles"), buffer);
            for (i, &(key, len)) in sizes.iter().enumerate() {
                let key = vec![u8::try_from(i % 251).unwrap(); key];
                s.push(&key, &[&vec![7u8; len]]).unwrap();
                let lone = key.len() + len + std::mem::size_of::<Entry>();
                proptest::prop_assert!(
                    s.allocated() <= buffer.max(lone),
                    "{} allocated for a buffer of {buffer} after a record of {lone}",
                    s.allocated()
                );
            }
            let mut n = 0;
            s.for_each(|_, _| {
                n += 1;
                Ok(())
            }).unwrap();
            proptest::prop_assert_eq!(n, sizes.len());
        }
    }

    #[test]
    fn numbers_as_big_endian_keys_sort_by_value() {
        let mut s = RecordSorter::in_memory();
        for k in [300u64, 2, u64::MAX, 0, 1 << 40] {
            s.push(&k.to_be_bytes(), &[]).unwrap();
        }
        let mut got = Vec::new();
        s.for_each(|k, _| {
            got.push(u64::from_be_bytes(k.try_into().unwrap()));
            Ok(())
        })
        .unwrap();
        assert_eq!(got, [0, 2, 300, 1 << 40, u64::MAX]);
    }
}
