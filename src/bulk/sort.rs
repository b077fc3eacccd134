//! Deterministic streaming output: features sorted by id, whatever the input order, in
//! bounded memory.
//!
//! While ids arrive in strictly increasing (byte) order, each feature goes straight to the
//! staged GeoJSON file (and the staged GeoJSONSeq file): one pass, nothing held. The first
//! id out of order switches to sorting: what was written so far becomes the first sorted
//! run, later features are collected in a buffer of bounded size, sorted by id (ties keep
//! input order) and spilled to temporary run files beside the output, and
//! [`Sink::finish`] merges the runs into a fresh staged file. A repeated id keeps its first
//! row and reports the later ones.
//!
//! Ids are checked by the caller to be JSON strings that need no escaping, so the id's
//! bytes appear verbatim in the feature text, which starts with [`FEATURE_PREFIX`].

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Problem, Result};
use crate::write::atomic::{temp_path, Staged, Streaming};
use crate::write::geojson::Coordinate;

/// Every feature's text starts with this; the id follows, then `"`.
pub const FEATURE_PREFIX: &[u8] = b"{\"type\":\"Feature\",\"id\":\"";

/// What the layer's FeatureCollection starts with, before the first feature.
fn header(layer: &str) -> Vec<u8> {
    let mut h = b"{\"type\":\"FeatureCollection\",\"name\":".to_vec();
    super::push_json_str(&mut h, layer);
    h.extend_from_slice(b",\"features\":[");
    h
}

/// One feature as held for sorting.
#[derive(Debug, Clone, Copy)]
struct Entry {
    start: usize,
    len: usize,
    id_len: usize,
    line: u64,
    point: [f64; 2],
}

/// A temporary file removed when dropped.
#[derive(Debug)]
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Where sorted features go; see the module documentation.
#[derive(Debug)]
pub struct Sink {
    events: PathBuf,
    layer: String,
    geojson_dest: PathBuf,
    seq_dest: Option<PathBuf>,
    geojson: Option<Streaming>,
    seq: Option<Streaming>,
    /// Features written to `geojson` so far (direct mode), or in total.
    written: u64,
    last_id: Vec<u8>,
    bbox: Option<[f64; 4]>,
    /// Attribution owed to the data the points come from, written after the features
    /// (empty: none).
    pub attribution: String,
    /// Sorting mode: the first run (the direct output so far), spilled runs, the buffer.
    sorting: bool,
    runs: Vec<TempFile>,
    arena: Vec<u8>,
    entries: Vec<Entry>,
    buffer: usize,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::io(path, e)
}

fn grow(bbox: &mut Option<[f64; 4]>, [x, y]: [f64; 2]) {
    *bbox = Some(match *bbox {
        None => [x, y, x, y],
        Some([w, s, e, n]) => [w.min(x), s.min(y), e.max(x), n.max(y)],
    });
}

impl Sink {
    /// Stage `geojson` (and `seq`, RS-prefixed records) for the layer named `layer`, reading
    /// rows from `events` (named in duplicate-id problems); `buffer` bytes of features are
    /// sorted in memory at a time when the input is out of order.
    pub fn new(
        events: &Path,
        layer: &str,
        geojson: &Path,
        seq: Option<&Path>,
        buffer: usize,
    ) -> Result<Sink> {
        let mut g = Streaming::create(geojson)?;
        let tmp = g.temp().to_path_buf();
        g.writer().write_all(&header(layer)).map_err(io(&tmp))?;
        let s = seq.map(Streaming::create).transpose()?;
        Ok(Sink {
            events: events.to_path_buf(),
            layer: layer.to_owned(),
            geojson_dest: geojson.to_path_buf(),
            seq_dest: seq.map(Path::to_path_buf),
            geojson: Some(g),
            seq: s,
            written: 0,
            last_id: Vec::new(),
            bbox: None,
            attribution: String::new(),
            sorting: false,
            runs: Vec::new(),
            arena: Vec::new(),
            entries: Vec::new(),
            buffer: buffer.max(1 << 16),
        })
    }

    /// Add a feature (`feature` starts with [`FEATURE_PREFIX`] and `id`) of row `line` with its
    /// rounded `point`. Returns a problem when the id repeats the previous one.
    pub fn push(
        &mut self,
        id: &str,
        line: u64,
        point: [f64; 2],
        feature: &[u8],
    ) -> Result<Option<Problem>> {
        self.push_parts(id, line, point, &[feature])
    }

    /// [`Sink::push`] with the feature's text in pieces, written one after the other.
    pub fn push_parts(
        &mut self,
        id: &str,
        line: u64,
        point: [f64; 2],
        parts: &[&[u8]],
    ) -> Result<Option<Problem>> {
        if !self.sorting {
            let id = id.as_bytes();
            if self.written > 0 && id == self.last_id.as_slice() {
                return Ok(Some(duplicate(&self.events, line, id)));
            }
            if self.written == 0 || id > self.last_id.as_slice() {
                self.write_direct(id, Some(point), parts)?;
                return Ok(None);
            }
            self.sorting = true;
        }
        let start = self.arena.len();
        for p in parts {
            self.arena.extend_from_slice(p);
        }
        self.entries.push(Entry {
            start,
            len: self.arena.len() - start,
            id_len: id.len(),
            line,
            point,
        });
        if self.arena.len() >= self.buffer {
            self.spill()?;
        }
        Ok(None)
    }

    fn write_direct(&mut self, id: &[u8], point: Option<[f64; 2]>, parts: &[&[u8]]) -> Result<()> {
        let first = self.written == 0;
        if let Some(g) = &mut self.geojson {
            let w = g.writer();
            let written = w
                .write_all(if first { b"\n" } else { b",\n" })
                .and_then(|()| parts.iter().try_for_each(|p| w.write_all(p)));
            written.map_err(|e| Error::io(g.temp(), e))?;
        }
        if let Some(s) = &mut self.seq {
            let w = s.writer();
            let written = w
                .write_all(&[super::seq::RS])
                .and_then(|()| parts.iter().try_for_each(|p| w.write_all(p)))
                .and_then(|()| w.write_all(b"\n"));
            written.map_err(|e| Error::io(s.temp(), e))?;
        }
        self.written += 1;
        self.last_id.clear();
        self.last_id.extend_from_slice(id);
        if let Some(p) = point {
            grow(&mut self.bbox, p);
        }
        Ok(())
    }

    /// Sort the buffer and write it to a new run file.
    fn spill(&mut self) -> Result<()> {
        if self.entries.is_empty() {
            return Ok(());
        }
        let arena = &self.arena;
        let id = |e: &Entry| &arena[e.start + FEATURE_PREFIX.len()..][..e.id_len];
        self.entries.sort_by(|a, b| id(a).cmp(id(b)));
        let path = temp_path(&self.geojson_dest.with_file_name(format!(
            "{}.run{}",
            self.layer,
            self.runs.len()
        )));
        let run = TempFile(path.clone());
        let mut w = BufWriter::with_capacity(1 << 20, File::create(&path).map_err(io(&path))?);
        for e in &self.entries {
            let mut head = [0u8; 40];
            head[..8].copy_from_slice(&(e.len as u64).to_le_bytes());
            head[8..16].copy_from_slice(&(e.id_len as u64).to_le_bytes());
            head[16..24].copy_from_slice(&e.line.to_le_bytes());
            head[24..32].copy_from_slice(&e.point[0].to_le_bytes());
            head[32..40].copy_from_slice(&e.point[1].to_le_bytes());
            w.write_all(&head)
                .and_then(|()| w.write_all(&arena[e.start..e.start + e.len]))
                .map_err(io(&path))?;
        }
        w.flush().map_err(io(&path))?;
        self.runs.push(run);
        self.entries.clear();
        self.arena.clear();
        Ok(())
    }

    /// Finish the output: the staged files (to commit, or drop to discard), the number of
    /// features, and the problems of repeated ids found while merging.
    pub fn finish(mut self) -> Result<Finished> {
        let mut problems = Vec::new();
        if self.sorting {
            self.spill()?;
            problems = self.merge()?;
        }
        let mut g = self
            .geojson
            .take()
            .ok_or_else(|| Error::Usage("internal: the output was finished twice".to_owned()))?;
        let tmp = g.temp().to_path_buf();
        let mut tail: Vec<u8> = b"\n]".to_vec();
        if let Some(b) = self.bbox {
            tail.extend_from_slice(b",\"bbox\":[");
            for (i, v) in b.into_iter().enumerate() {
                if i > 0 {
                    tail.push(b',');
                }
                tail.extend_from_slice(Coordinate::new(v).as_str().as_bytes());
            }
            tail.push(b']');
        }
        if !self.attribution.is_empty() {
            tail.extend_from_slice(b",\"attribution\":");
            super::push_json_str(&mut tail, &self.attribution);
        }
        tail.extend_from_slice(b"}\n");
        g.writer().write_all(&tail).map_err(io(&tmp))?;
        let mut staged = vec![g.finish()?];
        if let Some(s) = self.seq.take() {
            staged.push(s.finish()?);
        }
        Ok(Finished {
            staged,
            features: self.written,
            problems,
        })
    }

    /// Merge the direct output so far (the first run) and the spilled runs into new staged
    /// files.
    fn merge(&mut self) -> Result<Vec<Problem>> {
        let first = self
            .geojson
            .take()
            .ok_or_else(|| Error::Usage("internal: the output was finished twice".to_owned()))?;
        let first_run = TempFile(temp_path(
            &self
                .geojson_dest
                .with_file_name(format!("{}.run-direct", self.layer)),
        ));
        first.move_to(&first_run.0)?;
        let mut sources: Vec<Source> = Vec::new();
        if self.written > 0 {
            let mut r = BufReader::with_capacity(
                1 << 20,
                File::open(&first_run.0).map_err(io(&first_run.0))?,
            );
            let mut skip = Vec::new();
            r.read_until(b'\n', &mut skip).map_err(io(&first_run.0))?; // the header
            sources.push(Source::Direct {
                input: r,
                path: first_run.0.clone(),
            });
        }
        for run in &self.runs {
            let f = File::open(&run.0).map_err(io(&run.0))?;
            sources.push(Source::Run {
                input: BufReader::with_capacity(1 << 20, f),
                path: run.0.clone(),
            });
        }
        // Fresh outputs.
        let mut g = Streaming::create(&self.geojson_dest)?;
        let gtmp = g.temp().to_path_buf();
        g.writer()
            .write_all(&header(&self.layer))
            .map_err(io(&gtmp))?;
        self.geojson = Some(g);
        self.seq = None;
        if let Some(d) = &self.seq_dest {
            self.seq = Some(Streaming::create(d)?);
        }
        self.written = 0;
        self.sorting = false;
        let mut heads: Vec<Option<Record>> = Vec::with_capacity(sources.len());
        let mut heap = BinaryHeap::new();
        for (i, s) in sources.iter_mut().enumerate() {
            let rec = s.next()?;
            if let Some(r) = &rec {
                heap.push(Reverse((r.id().to_vec(), i)));
            }
            heads.push(rec);
        }
        let mut problems = Vec::new();
        let mut last: Option<Vec<u8>> = None;
        while let Some(Reverse((id, i))) = heap.pop() {
            let Some(rec) = heads[i].take() else { continue };
            if last.as_deref() == Some(id.as_slice()) {
                problems.push(duplicate(&self.events, rec.line, &id));
            } else {
                // Direct-run features are in the bbox already.
                let point = if matches!(sources[i], Source::Direct { .. }) {
                    None
                } else {
                    Some(rec.point)
                };
                self.write_merged(&rec.feature, point)?;
                last = Some(id);
            }
            let next = sources[i].next()?;
            if let Some(r) = &next {
                heap.push(Reverse((r.id().to_vec(), i)));
            }
            heads[i] = next;
        }
        Ok(problems)
    }

    fn write_merged(&mut self, feature: &[u8], point: Option<[f64; 2]>) -> Result<()> {
        let id_end = feature[FEATURE_PREFIX.len()..]
            .iter()
            .position(|&b| b == b'"')
            .map_or(feature.len(), |i| FEATURE_PREFIX.len() + i);
        let id = feature
            .get(FEATURE_PREFIX.len()..id_end)
            .unwrap_or_default()
            .to_vec();
        self.write_direct(&id, point, &[feature])
    }
}

/// The staged output of a [`Sink`].
#[derive(Debug)]
pub struct Finished {
    /// The GeoJSON file, then the GeoJSONSeq file if asked for: commit to publish.
    pub staged: Vec<Staged>,
    /// Features written.
    pub features: u64,
    /// Rows dropped because their id repeats an earlier row's.
    pub problems: Vec<Problem>,
}

fn duplicate(events: &Path, line: u64, id: &[u8]) -> Problem {
    Problem::new(
        events,
        usize::try_from(line).ok(),
        String::from_utf8_lossy(id),
        "duplicate id: an earlier row has the same id (ids must be unique)",
    )
}

#[derive(Debug)]
struct Record {
    feature: Vec<u8>,
    id_len: usize,
    line: u64,
    point: [f64; 2],
}

impl Record {
    fn id(&self) -> &[u8] {
        self.feature
            .get(FEATURE_PREFIX.len()..FEATURE_PREFIX.len() + self.id_len)
            .unwrap_or_default()
    }
}

#[derive(Debug)]
enum Source {
    /// The direct output: a header line, then one feature per line ending in `,` but the last.
    Direct {
        input: BufReader<File>,
        path: PathBuf,
    },
    /// A spilled run.
    Run {
        input: BufReader<File>,
        path: PathBuf,
    },
}

impl Source {
    fn next(&mut self) -> Result<Option<Record>> {
        match self {
            Source::Direct { input, path } => {
                let mut line = Vec::new();
                if input.read_until(b'\n', &mut line).map_err(io(path))? == 0 {
                    return Ok(None);
                }
                while matches!(line.last(), Some(b'\n' | b',')) {
                    line.pop();
                }
                let id_len = line[FEATURE_PREFIX.len().min(line.len())..]
                    .iter()
                    .position(|&b| b == b'"')
                    .unwrap_or(0);
                Ok(Some(Record {
                    feature: line,
                    id_len,
                    line: 0,
                    point: [0.0; 2],
                }))
            }
            Source::Run { input, path } => {
                let mut head = [0u8; 40];
                match input.read_exact(&mut head) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
                    Err(e) => return Err(Error::io(&*path, e)),
                }
                let word = |i: usize| {
                    let mut b = [0u8; 8];
                    b.copy_from_slice(&head[i..i + 8]);
                    b
                };
                let len = usize::try_from(u64::from_le_bytes(word(0))).unwrap_or(0);
                let id_len = usize::try_from(u64::from_le_bytes(word(8))).unwrap_or(0);
                let mut feature = vec![0u8; len];
                input.read_exact(&mut feature).map_err(io(path))?;
                Ok(Some(Record {
                    feature,
                    id_len,
                    line: u64::from_le_bytes(word(16)),
                    point: [f64::from_le_bytes(word(24)), f64::from_le_bytes(word(32))],
                }))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feature(id: &str, x: f64) -> Vec<u8> {
        format!("{{\"type\":\"Feature\",\"id\":\"{id}\",\"geometry\":{{\"type\":\"Point\",\"coordinates\":[{x},1]}},\"properties\":{{}}}}").into_bytes()
    }

    fn run(ids: &[&str], buffer: usize) -> (String, String, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        let g = dir.path().join("l.geojson");
        let s = dir.path().join("l.geojsons");
        let mut sink = Sink::new(Path::new("e.csv"), "l", &g, Some(&s), buffer).unwrap();
        sink.buffer = buffer; // below the floor, to test spilling
        let mut problems = Vec::new();
        for (line, id) in ids.iter().enumerate() {
            let x = line as f64;
            if let Some(p) = sink
                .push(id, line as u64 + 2, [x, 1.0], &feature(id, x))
                .unwrap()
            {
                problems.push(p.to_string());
            }
        }
        let done = sink.finish().unwrap();
        problems.extend(done.problems.iter().map(|p| p.to_string()));
        for st in done.staged {
            st.commit().unwrap();
        }
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "temporaries left: {names:?}");
        (
            std::fs::read_to_string(g).unwrap(),
            std::fs::read_to_string(s).unwrap(),
            problems,
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
    fn any_order_gives_the_same_bytes_and_reports_duplicates() {
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
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(
            p.iter()
                .any(|m| m.starts_with("e.csv:4: \"b\": duplicate id")),
            "{p:?}"
        );
        assert!(
            p.iter()
                .any(|m| m.starts_with("e.csv:6: \"a\": duplicate id")),
            "{p:?}"
        );
        let (_, _, p) = run(&["a", "a"], 1 << 20);
        assert_eq!(
            p,
            ["e.csv:3: \"a\": duplicate id: an earlier row has the same id (ids must be unique)"]
        );
    }
}
