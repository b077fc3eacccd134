//! The pyramid: every zoom cut and encoded on worker threads into per-zoom slots (so the
//! output is the same whatever the number of threads), each zoom tile by tile from the
//! layers' sorted records ([`build_zoom`]), then the metadata and the PMTiles archive
//! assembled from the tiles in tile-id order.
//!
//! A zoom's finished tiles are kept in memory ([`encode_pmtiles`](super::encode_pmtiles),
//! the XYZ folder) or, when the archive goes to a file, spilled to a temporary file per
//! zoom beside it as each tile is done ([`Spill`]), keeping only ids, lengths and content
//! hashes in memory; the archive is then streamed to its own temporary file from the
//! spills (the directory and the duplicates are laid out from the hashes, then one pass
//! copies the stored tiles). Both give the same bytes.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use rustc_hash::FxHashMap;
use serde_json::{json, Map, Value as Json};

use super::cluster::{Budget, Cluster, Share, TileClusters, NONE, OPEN, OPEN_BOUND};
use super::cut::{cut_feature, pool_push, CutScratch, Grid, TileEntry, TileGeom};
use super::encode::{encode_tile, Remap};
use super::hilbert::{ancestor, zxy};
use super::mercator::{lon_lat, pixel, world, MAX_LAT};
use super::mvt;
use super::pmtiles::{self, Directories, Gzip, Header, TileData, TileIndex};
use super::prepare::{
    prepare, Geom, LayerBuilder, PreparedLayer, PreparedSet, Record, StreamLayer, Window,
    KIND_BOOL, KIND_NUMBER, KIND_STRING,
};
use super::{TileOptions, TileStats};
use crate::error::{Error, Result};
use crate::fsutil::atomic::{self, Staged};
use crate::write::geojson::Bounds;
use crate::write::sort::{temp_file, TempFile};

/// The tiles of one zoom: ids ascending, contents concatenated in `data` or in `spill`.
#[derive(Debug, Default)]
pub(super) struct ZoomTiles {
    pub(super) ids: Vec<u64>,
    /// Where each tile ends in the zoom's concatenated contents.
    pub(super) ends: Vec<u64>,
    /// The contents, when held in memory.
    pub(super) data: Vec<u8>,
    /// The contents, when spilled to a file.
    pub(super) spill: Option<Spill>,
    /// Each spilled tile's [`pmtiles::content_hash`], taken on the worker that made it, so
    /// the archive is laid out without reading the spills twice.
    hashes: Vec<u64>,
    /// The largest tile.
    pub(super) largest: usize,
    /// The first error writing the spill.
    pub(super) error: Option<Error>,
    /// Per layer, per key: OR of the kinds of values seen in tiles.
    pub(super) key_kinds: Vec<Vec<u8>>,
    /// The same for the tile's last encoding only: a tile over budget is encoded more than
    /// once while its clusters are chosen, and only the encoding kept counts.
    tile_kinds: Vec<Vec<u8>>,
    pub(super) timings: Timings,
    /// Tiles clustered to keep within the budget.
    pub(super) clustered: usize,
    /// The first tile found over budget, described.
    pub(super) over_budget: Option<String>,
}

/// A zoom's finished tiles in a temporary file beside the archive (named by the one
/// [`temp_path`] rule, so a killed run's spills are swept by the next run); removed when
/// dropped.
#[derive(Debug)]
pub(super) struct Spill {
    /// The file's path; removes it when dropped.
    temp: TempFile,
    writer: Option<BufWriter<File>>,
    /// The file, flushed, once every tile is written.
    file: Option<File>,
}

impl Spill {
    /// The spill of `zoom` for the archive `dest`.
    fn create(dest: &Path, zoom: u8) -> Result<Spill> {
        let (temp, file) = temp_file(dest, &format!("z{zoom}."))?;
        Ok(Spill {
            temp,
            writer: Some(BufWriter::with_capacity(1 << 20, file)),
            file: None,
        })
    }

    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        match &mut self.writer {
            Some(w) => w
                .write_all(bytes)
                .map_err(|e| Error::io(self.temp.path(), e)),
            None => Err(Error::Internal(format!(
                "{}: tile spill written after it was closed",
                self.temp.path().display()
            ))),
        }
    }

    /// Flush: the spill is read from here on.
    fn close(&mut self) -> Result<()> {
        if let Some(w) = self.writer.take() {
            let file = w
                .into_inner()
                .map_err(|e| Error::io(self.temp.path(), e.into_error()))?;
            self.file = Some(file);
        }
        Ok(())
    }

    /// The closed spill's file.
    fn file(&self) -> Result<&File> {
        self.file.as_ref().ok_or_else(|| {
            Error::Internal(format!(
                "{}: tile spill read before it was closed",
                self.temp.path().display()
            ))
        })
    }
}

/// Add the kinds of values of `from` to `acc` (per layer, per key).
fn or_kinds(acc: &mut [Vec<u8>], from: &[Vec<u8>]) {
    for (acc, from) in acc.iter_mut().zip(from) {
        for (a, b) in acc.iter_mut().zip(from) {
            *a |= *b;
        }
    }
}

impl ZoomTiles {
    /// Append a finished tile.
    fn push(&mut self, id: u64, tile: &[u8]) {
        or_kinds(&mut self.key_kinds, &self.tile_kinds);
        self.ids.push(id);
        let end = self.ends.last().copied().unwrap_or(0) + tile.len() as u64;
        self.ends.push(end);
        self.largest = self.largest.max(tile.len());
        match &mut self.spill {
            Some(spill) => {
                self.hashes.push(pmtiles::content_hash(tile));
                if self.error.is_none() {
                    self.error = spill.write(tile).err();
                }
            }
            None => self.data.extend_from_slice(tile),
        }
    }

    /// The spill's path (empty when held in memory), for errors.
    fn spill_path(&self) -> PathBuf {
        self.spill
            .as_ref()
            .map_or_else(PathBuf::new, |s| s.temp.path().to_path_buf())
    }

    /// Where tile `i` starts and ends in the zoom's contents.
    fn range(&self, i: usize) -> (u64, u64) {
        let start = i.checked_sub(1).map_or(0, |p| self.ends[p]);
        (start, self.ends[i])
    }
}

/// Where the time of a run went, summed over worker threads (so CPU time, roughly; the
/// phases of different zooms overlap in wall time). For profiling only: never part of
/// the output or of [`TileStats`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Timings {
    /// Projecting features and building the key and value tables.
    pub prepare: Duration,
    /// Placing features in tiles: point bucketing, line and polygon clipping.
    pub cut: Duration,
    /// Sorting each zoom's entries by tile id.
    pub sort: Duration,
    /// Protobuf encoding of tiles.
    pub encode: Duration,
    /// Gzipping tiles.
    pub gzip: Duration,
    /// Deduplicating tiles, directories, metadata and the archive's bytes.
    pub assemble: Duration,
    /// Wall time of the whole run.
    pub wall: Duration,
}

/// A worker's buffers, reused from zoom to zoom (fresh multi-megabyte buffers cost page
/// faults).
pub(super) struct Scratch {
    pub(super) entries: Vec<TileEntry>,
    pub(super) pool: Vec<u32>,
    pub(super) remap: Remap,
    pub(super) raw: Vec<u8>,
    /// The tile being finished (gzipped or not).
    pub(super) tile: Vec<u8>,
    pub(super) clusters: TileClusters,
    /// The features of the tile being finished, per layer.
    pub(super) windows: Windows,
    cut: CutScratch,
    /// Entries of features whose first vertex lies in another tile, for every tile.
    side: Vec<Side>,
    /// The records of the first entries of `side`, kept as pass 1 read them (up to
    /// [`SIDE_BYTES`]) so pass 2 does not read them again from the file.
    side_bytes: Vec<u8>,
    /// Per layer: the runs of features whose first vertex lies in one tile, `(tile, count)`.
    runs: Vec<Vec<(u64, u64)>>,
    buf: Vec<u8>,
}

impl Scratch {
    pub(super) fn new(layers: &[StreamLayer], accumulate: &[String]) -> Scratch {
        let windows = Windows {
            layers: Vec::new(),
            windows: layers.iter().map(|l| Window::new(l, accumulate)).collect(),
        };
        let mut scratch = Scratch {
            entries: Vec::new(),
            pool: Vec::new(),
            remap: Remap::new(&[]),
            raw: Vec::new(),
            tile: Vec::new(),
            clusters: TileClusters::default(),
            windows,
            cut: CutScratch::default(),
            side: Vec::new(),
            side_bytes: Vec::new(),
            runs: vec![Vec::new(); layers.len()],
            buf: Vec::new(),
        };
        scratch.windows.sync();
        scratch.remap = Remap::new(&scratch.windows.layers);
        scratch
    }
}

/// A feature entered in a tile other than the one its first vertex lies in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Side {
    tile: u64,
    layer: u32,
    /// Its record's position (ascending in storage order).
    at: u64,
    /// Where its record's bytes are in [`Scratch::side_bytes`], when they are kept.
    held: Option<(u32, u32)>,
}

/// Most bytes of records a worker keeps from a zoom's first pass for the features other
/// tiles hold ([`Scratch::side_bytes`]); the others are read again from the file.
const SIDE_BYTES: usize = 16 << 20;

/// Bytes of a side record kept in `arena` (the same slice for every tile it reaches, kept
/// once): where they are, or `None` past [`SIDE_BYTES`].
fn keep_side(arena: &mut Vec<u8>, bytes: &[u8]) -> Option<(u32, u32)> {
    if arena.len() + bytes.len() > SIDE_BYTES {
        return None;
    }
    let start = u32::try_from(arena.len()).ok()?;
    let len = u32::try_from(bytes.len()).ok()?;
    arena.extend_from_slice(bytes);
    Some((start, len))
}

/// The windows of every layer for one tile, and the layers the cutter, clusterer and
/// encoder read (moved out of the windows while a tile is finished).
pub(super) struct Windows {
    layers: Vec<PreparedLayer>,
    windows: Vec<Window>,
}

impl Windows {
    /// Move the windows' layers into `layers` (after filling the windows).
    fn sync(&mut self) {
        self.layers.clear();
        for w in &mut self.windows {
            self.layers
                .push(std::mem::replace(&mut w.layer, PreparedLayer::empty()));
        }
    }

    /// Move the layers back into their windows (before filling them again).
    fn unsync(&mut self) {
        for (w, l) in self.windows.iter_mut().zip(self.layers.drain(..)) {
            w.layer = l;
        }
    }

    /// Free the windows' buffers.
    fn release(&mut self) {
        self.unsync();
        for w in &mut self.windows {
            w.release();
        }
        self.sync();
    }
}

/// Grow a worker's remap tables to the values of the tile's layers.
fn fit(remap: &mut Remap, layers: &[PreparedLayer]) {
    for (li, l) in layers.iter().enumerate() {
        for v in [&mut remap.value_stamp, &mut remap.value_local] {
            if let Some(v) = v.get_mut(li) {
                if v.len() < l.values.len() {
                    v.resize(l.values.len(), 0);
                }
            }
        }
    }
}

/// Bytes of a tile's encoding buffer kept for the next encoding when one is found over
/// the byte budget (a larger buffer is freed: the clustered encodings that follow are
/// smaller).
const SPARE_BUFFER: usize = 4 << 20;

/// A worker keeps the buffers of a tile of at most this share of the feature budget for
/// the next tile; a larger one's are freed when it is done.
const RETAINED: u64 = 4;

/// How many tiles at the feature budget may be held at once by all workers together. One:
/// two side by side finished the low zooms' folded tiles on both cores (1M points z0-10 on
/// an idle machine: 0.88x the wall time) but took 1.09x the CPU and 1.11x the peak memory,
/// above tippecanoe's (145 against 131 MiB), which the memory aim is held to (BENCHMARKS.md,
/// "The gate").
const GATE_TILES: u64 = 1;

/// Features a tile of at most this share of the feature budget may hold beside tiles at
/// the budget (a folded tile): the small tiles of a high zoom go on beside one folded
/// tile instead of waiting for it, for a sixteenth of a folded tile's features at most.
const GATE_SLACK: u64 = 16;

/// Limits the features held in tile windows by all workers together: a tile of `n`
/// features waits until `n` more fit under the cap, or until no other tile is held (so a
/// tile larger than the cap is finished alone). The cap is [`GATE_TILES`] times the
/// feature budget, whatever the number of threads, plus a [`GATE_SLACK`]th of it: that
/// many tiles near the budget (the folded tiles of the low zooms) are finished side by
/// side, more wait, and small tiles go on beside them. The output does not depend on it.
pub(super) struct Gate {
    held: Mutex<u64>,
    freed: Condvar,
    cap: u64,
}

impl Gate {
    fn new(cap: u64) -> Gate {
        Gate {
            held: Mutex::new(0),
            freed: Condvar::new(),
            cap,
        }
    }

    fn acquire(&self, n: u64) {
        let Ok(mut held) = self.held.lock() else {
            return;
        };
        while *held > 0 && *held + n > self.cap {
            held = match self.freed.wait(held) {
                Ok(h) => h,
                Err(_) => return,
            };
        }
        *held += n;
    }

    fn release(&self, n: u64) {
        if let Ok(mut held) = self.held.lock() {
            *held = held.saturating_sub(n);
        }
        self.freed.notify_all();
    }
}

/// Cut and encode one zoom from the layers' records, one tile at a time.
///
/// A first pass over the records notes, per layer, the runs of features whose first
/// vertex lies in the same tile of this zoom (storage order nests: each tile's run is
/// contiguous), and every entry of a feature in another tile (points in a neighbour's
/// buffer, lines and polygons crossing tiles) as a keyed copy, sorted by tile. The second
/// pass reads the runs again, in step with the copies, and finishes the tiles in id
/// order, each from its window: its own run and its copies, in storage order. Memory is
/// what one tile needs (and the copies), not the layer.
pub(super) fn build_zoom(
    layers: &[StreamLayer],
    opts: &TileOptions,
    zoom: u8,
    gzip: Option<&mut Gzip>,
    scratch: &mut Scratch,
    spill: Option<Spill>,
    gate: &Gate,
) -> ZoomTiles {
    let kinds: Vec<Vec<u8>> = layers.iter().map(|l| vec![0u8; l.keys.len()]).collect();
    let mut zt = ZoomTiles {
        key_kinds: kinds.clone(),
        tile_kinds: kinds,
        spill,
        ..ZoomTiles::default()
    };
    if let Err(e) = zoom_tiles(layers, opts, zoom, gzip, scratch, &mut zt, gate) {
        zt.error.get_or_insert(e);
    }
    if let Some(spill) = &mut zt.spill {
        if let Err(e) = spill.close() {
            zt.error.get_or_insert(e);
        }
    }
    zt
}

fn zoom_tiles(
    layers: &[StreamLayer],
    opts: &TileOptions,
    zoom: u8,
    mut gzip: Option<&mut Gzip>,
    scratch: &mut Scratch,
    zt: &mut ZoomTiles,
    gate: &Gate,
) -> Result<()> {
    let grid = Grid {
        zoom,
        extent: i64::from(opts.extent),
        buffer: i64::from(opts.buffer),
        tiles: 1i64 << zoom,
        simplify: super::simplify::tolerance(zoom, opts.max_zoom),
        keep_tiny: zoom >= opts.base_zoom(),
    };
    let mut timings = Timings::default();
    let t = Instant::now();
    // Pass 1: the runs and the copies.
    scratch.side.clear();
    scratch.side_bytes.clear();
    for (li, layer) in layers.iter().enumerate() {
        let li32 = u32::try_from(li).unwrap_or(u32::MAX);
        let runs = &mut scratch.runs[li];
        runs.clear();
        let mut reader = layer.records.reader();
        while let Some((at, bytes)) = reader.next_record()? {
            let own = ancestor(Record::key(bytes)?, 16, zoom);
            match runs.last_mut() {
                Some((tile, n)) if *tile == own => *n += 1,
                _ => runs.push((own, 1)),
            }
            let (_, geom) = Record::new(bytes).head()?;
            scratch.entries.clear();
            scratch.pool.clear();
            cut_feature(
                li32,
                0,
                &geom,
                &grid,
                &mut scratch.pool,
                &mut scratch.entries,
                &mut scratch.cut,
            );
            let mut held = None;
            for e in &scratch.entries {
                if e.tile != own {
                    if held.is_none() {
                        held = Some(keep_side(&mut scratch.side_bytes, bytes));
                    }
                    scratch.side.push(Side {
                        tile: e.tile,
                        layer: li32,
                        at,
                        held: held.flatten(),
                    });
                }
            }
        }
    }
    if scratch
        .runs
        .iter()
        .flatten()
        .any(|&(_, n)| n > opts.max_tile_features as u64)
    {
        // A tile of this zoom will be folded: memory for its cells, not for side records
        // (they are read again from the file).
        scratch.side_bytes = Vec::new();
        scratch.side.iter_mut().for_each(|s| s.held = None);
    }
    scratch.side.sort_unstable();
    timings.cut += t.elapsed();
    // Pass 2: tile by tile.
    let budget = Budget {
        bytes: opts.max_tile_bytes,
        features: opts.max_tile_features,
    };
    let may_cluster = zoom < opts.base_zoom();
    let bits = u32::BITS - (opts.extent - 1).leading_zeros();
    let mut readers: Vec<_> = layers.iter().map(|l| l.records.reader()).collect();
    let mut next_run = vec![0usize; layers.len()];
    let mut next_side = 0usize;
    let mut wide = WideCuts::default();
    let Scratch {
        entries,
        pool,
        remap,
        raw,
        tile: out,
        clusters,
        windows,
        cut,
        side,
        side_bytes,
        runs,
        buf,
    } = scratch;
    loop {
        let own_tiles = runs
            .iter()
            .zip(&next_run)
            .filter_map(|(r, &i)| r.get(i).map(|&(t, _)| t));
        let side_tile = side.get(next_side).map(|s| s.tile);
        let Some(tile) = own_tiles.chain(side_tile).min() else {
            break;
        };
        let side_end = next_side + side[next_side..].partition_point(|s| s.tile == tile);
        let copies = &side[next_side..side_end];
        next_side = side_end;
        let mut count = copies.len() as u64;
        let mut own = vec![0u64; layers.len()];
        for (li, (r, i)) in runs.iter().zip(next_run.iter_mut()).enumerate() {
            if let Some(&(t, n)) = r.get(*i) {
                if t == tile {
                    own[li] = n;
                    count += n;
                    *i += 1;
                }
            }
        }
        // A tile over the feature budget will be clustered (or is an error): its points
        // lying in it are folded into cells as they are read, never held.
        let full = count <= budget.features as u64;
        let mut fold = (!full).then(|| {
            let (_, tx, ty) = zxy(tile);
            clusters.begin(tile, opts.accumulate.len(), budget.features);
            Fold {
                tile: (i64::from(tx), i64::from(ty)),
                zoom,
                extent: opts.extent,
                buffered: 0,
                most: budget.features,
                columns: opts.accumulate.len(),
                share: Share::default(),
            }
        });
        // What the tile holds at most: its features in its windows, or, folded, cells, the
        // points in its buffer and, while its cell grid is tried, the lone points it keeps:
        // up to the budget's features, so it is finished alone.
        let held = if full { count } else { budget.features as u64 };
        gate.acquire(held);
        let t = Instant::now();
        windows.unsync();
        let mut filled = Ok(());
        for (li, ((window, reader), layer)) in windows
            .windows
            .iter_mut()
            .zip(readers.iter_mut())
            .zip(layers)
            .enumerate()
        {
            window.clear();
            let li32 = u32::try_from(li).unwrap_or(u32::MAX);
            let mut copies = copies.iter().filter(|c| c.layer == li32).peekable();
            let mut left = own[li];
            // Merge the run (read in order) and the copies (read at their positions) by
            // position, which is storage order.
            let mut pending: Option<u64> = None;
            loop {
                if left > 0 && pending.is_none() {
                    match reader.next_record() {
                        Ok(Some((at, bytes))) => {
                            let copy_first = copies.peek().is_some_and(|c| c.at < at);
                            if copy_first {
                                buf.clear();
                                buf.extend_from_slice(bytes);
                                pending = Some(at);
                            } else {
                                left -= 1;
                                if let Err(e) = take(window, &mut fold, clusters, li32, at, bytes) {
                                    filled = Err(e);
                                    break;
                                }
                                continue;
                            }
                        }
                        Ok(None) => {
                            filled = Err(Error::Internal("a tile's run ended early".into()));
                            break;
                        }
                        Err(e) => {
                            filled = Err(e);
                            break;
                        }
                    }
                }
                match (pending, copies.peek()) {
                    (Some(at), Some(c)) if c.at < at => {
                        let c = *c;
                        copies.next();
                        let mut other = Vec::new();
                        let added = side_record(c, side_bytes, layer, &mut other)
                            .and_then(|b| take(window, &mut fold, clusters, li32, c.at, b));
                        if let Err(e) = added {
                            filled = Err(e);
                            break;
                        }
                    }
                    (Some(at), _) => {
                        pending = None;
                        left -= 1;
                        if let Err(e) = take(window, &mut fold, clusters, li32, at, buf) {
                            filled = Err(e);
                            break;
                        }
                    }
                    (None, Some(c)) => {
                        let c = *c;
                        copies.next();
                        let added = side_record(c, side_bytes, layer, buf)
                            .and_then(|b| take(window, &mut fold, clusters, li32, c.at, b));
                        if let Err(e) = added {
                            filled = Err(e);
                            break;
                        }
                    }
                    (None, None) if left == 0 => break,
                    (None, None) => {}
                }
            }
            if filled.is_err() {
                break;
            }
        }
        windows.sync();
        if let Err(e) = filled {
            gate.release(held);
            return Err(e);
        }
        // The tile's entries, sorted by layer then feature (window order is storage order).
        entries.clear();
        pool.clear();
        for (li, (layer, window)) in windows.layers.iter().zip(&windows.windows).enumerate() {
            let li32 = u32::try_from(li).unwrap_or(u32::MAX);
            for (fi, f) in layer.features.iter().enumerate() {
                let fi = u32::try_from(fi).unwrap_or(u32::MAX);
                if let Geom::Point(_) = f.geom {
                    let from = entries.len();
                    cut_feature(li32, fi, &f.geom, &grid, pool, entries, cut);
                    let mut keep = from;
                    for i in from..entries.len() {
                        if entries[i].tile == tile {
                            entries.swap(keep, i);
                            keep += 1;
                        }
                    }
                    entries.truncate(keep);
                } else {
                    let at = window.position(fi as usize);
                    wide.entry(tile, li32, fi, at, &f.geom, &grid, cut, pool, entries);
                }
            }
        }
        wide.evict(tile);
        timings.cut += t.elapsed();
        if !entries.is_empty() || fold.is_some() {
            let finished = finish_tile(
                TileJob {
                    tile,
                    entries,
                    pool,
                    layers,
                    opts,
                    budget: &budget,
                    may_cluster,
                    bits,
                    folded: fold.is_some(),
                    count,
                },
                TileBuffers {
                    gzip: gzip.as_deref_mut(),
                    remap,
                    raw,
                    out,
                    clusters,
                    windows,
                    buf,
                },
                zt,
                &mut timings,
            );
            if let Err(e) = finished {
                gate.release(held);
                return Err(e);
            }
        }
        if !full || count > budget.features as u64 / RETAINED {
            // Give back what a large tile took (most of the layer, or a good share of the
            // feature budget), so a worker between large tiles keeps only what small ones
            // need, not the largest tile it met.
            *entries = Vec::new();
            *pool = Vec::new();
            *clusters = TileClusters::default();
            *raw = Vec::new();
            *out = Vec::new();
            remap.release();
            windows.release();
            crate::memory::give_back();
        }
        gate.release(held);
    }
    zt.timings = timings;
    // The side records were this zoom's only.
    *side_bytes = Vec::new();
    Ok(())
}

/// The record of side entry `c`: kept from pass 1, or read again into `buf`.
fn side_record<'a>(
    c: &Side,
    kept: &'a [u8],
    layer: &'a StreamLayer,
    buf: &'a mut Vec<u8>,
) -> Result<&'a [u8]> {
    match c.held {
        Some((start, len)) => kept
            .get(start as usize..start as usize + len as usize)
            .ok_or_else(|| Error::Internal("a kept side record is out of range".into())),
        None => layer.records.read_at(c.at, buf),
    }
}

/// The cuts of this zoom's features that reach several tiles (lines, polygons,
/// multipoints), each cut once and kept until the last tile it reaches is finished, so a
/// polygon over thousands of tiles is not clipped again for each.
#[derive(Default)]
struct WideCuts {
    /// By layer and record position: the last tile reached, and per tile (ascending) its
    /// geometry, commands in `pool`.
    cuts: FxHashMap<(u32, u64), (u64, Vec<TileEntry>)>,
    pool: Vec<u32>,
    scratch: Vec<TileEntry>,
}

impl WideCuts {
    /// Append the entry of feature `fi` (record `at` of layer `li`) in `tile`, if any.
    #[allow(clippy::too_many_arguments)]
    fn entry(
        &mut self,
        tile: u64,
        li: u32,
        fi: u32,
        at: u64,
        geom: &Geom,
        grid: &Grid,
        cut: &mut CutScratch,
        pool: &mut Vec<u32>,
        entries: &mut Vec<TileEntry>,
    ) {
        let WideCuts {
            cuts,
            pool: own_pool,
            scratch,
        } = self;
        let (_, cached) = cuts.entry((li, at)).or_insert_with(|| {
            scratch.clear();
            cut_feature(li, 0, geom, grid, own_pool, scratch, cut);
            let mut list = std::mem::take(scratch);
            list.sort_unstable_by_key(|e| e.tile);
            let last = list.last().map_or(0, |e| e.tile);
            (last, list)
        });
        let Ok(i) = cached.binary_search_by_key(&tile, |e| e.tile) else {
            return;
        };
        let e = cached[i];
        let geom = match e.geom {
            TileGeom::Pool { start, len, kind } => {
                let cmds = own_pool
                    .get(start as usize..start as usize + len as usize)
                    .unwrap_or(&[]);
                pool_push(pool, cmds, kind)
            }
            point => point,
        };
        entries.push(TileEntry {
            tile,
            layer: li,
            feature: fi,
            geom,
        });
    }

    /// Forget the cuts whose last tile is `tile` or before (tiles are finished in order).
    fn evict(&mut self, tile: u64) {
        self.cuts.retain(|_, (last, _)| *last > tile);
        if self.cuts.is_empty() {
            self.pool.clear();
        }
    }
}

/// What one tile is made of.
struct TileJob<'a> {
    tile: u64,
    entries: &'a [TileEntry],
    pool: &'a [u32],
    layers: &'a [StreamLayer],
    opts: &'a TileOptions,
    budget: &'a Budget,
    may_cluster: bool,
    bits: u32,
    /// Whether its points were folded into cells as they were read (a tile over the
    /// feature budget), not entered in its window.
    folded: bool,
    /// Its features.
    count: u64,
}

/// A worker's buffers lent to one tile.
struct TileBuffers<'a, 'g> {
    gzip: Option<&'g mut Gzip>,
    remap: &'a mut Remap,
    raw: &'a mut Vec<u8>,
    out: &'a mut Vec<u8>,
    clusters: &'a mut TileClusters,
    windows: &'a mut Windows,
    buf: &'a mut Vec<u8>,
}

/// Encode one tile within the budget (clustering its points when it is over: below the
/// base zoom on cells as large as needed, from it only points at the same position) and
/// append it to `zt`.
fn finish_tile(
    job: TileJob<'_>,
    b: TileBuffers<'_, '_>,
    zt: &mut ZoomTiles,
    timings: &mut Timings,
) -> Result<()> {
    let TileJob {
        tile: tile_id,
        entries: tile,
        pool,
        layers: stream,
        opts,
        budget,
        may_cluster,
        bits,
        folded,
        count,
    } = job;
    let mut b = b;
    let (remap, raw, out, buf) = (b.remap, b.raw, b.out, b.buf);
    let (clusters, windows) = (b.clusters, b.windows);
    let mut failed: Option<Error> = None;
    let Windows {
        layers: tile_layers,
        windows: sides,
    } = windows;
    let (mut kept, mut made) = (Vec::new(), Vec::new());
    // The size of the last encoding, and whether it holds no feature at all.
    let mut last = 0usize;
    let mut empty = false;
    let mut encode = |c: Option<&TileClusters>,
                      sides: &mut [Window],
                      layers: &mut [PreparedLayer],
                      zt: &mut ZoomTiles| {
        let (entries, cs, sums): (&[TileEntry], &[Cluster], &[f64]) = match c {
            None => (tile, &[], &[]),
            Some(c) => {
                let resolved =
                    resolve(c, tile_id, sides, layers, stream, buf, &mut kept, &mut made);
                if let Err(e) = resolved {
                    failed.get_or_insert(e);
                    return usize::MAX;
                }
                (&kept, &made, &c.sums)
            }
        };
        if let Err(e) = load_into(sides, layers, entries, stream, buf) {
            failed.get_or_insert(e);
            return usize::MAX;
        }
        if let Some(e) = overflowed(cs, sums, layers, &opts.accumulate, tile_id) {
            failed.get_or_insert(e);
            return usize::MAX;
        }
        fit(remap, layers);
        let t = Instant::now();
        zt.tile_kinds.iter_mut().for_each(|k| k.fill(0));
        encode_tile(
            entries,
            cs,
            sums,
            layers,
            pool,
            opts.extent,
            remap,
            &mut zt.tile_kinds,
            raw,
        );
        empty = raw.is_empty();
        let t2 = Instant::now();
        timings.encode += t2 - t;
        out.clear();
        // A tile found over the byte budget is not compressed to its end: its size is
        // then an estimate above the budget (and `out` is empty).
        let size = match b.gzip.as_deref_mut() {
            Some(gz) => gz
                .compress_within(raw, out, budget.bytes)
                .map_or_else(|estimate| estimate, |()| out.len()),
            None => {
                out.extend_from_slice(raw);
                out.len()
            }
        };
        timings.gzip += t2.elapsed();
        if size > budget.bytes && raw.capacity() > SPARE_BUFFER {
            // Over budget: this encoding is thrown away, and the next (clustered) is
            // smaller. Its buffers go back now, not after the tile.
            *raw = Vec::new();
            *out = Vec::new();
        }
        last = size;
        size
    };
    // Most tiles: within budget as they are.
    let mut fits = false;
    let mut measured = None;
    let mut clustered = false;
    if !folded && tile.len() <= budget.features {
        let bytes = encode(None, sides, tile_layers, zt);
        fits = bytes <= budget.bytes;
        measured = Some((bytes, tile.len()));
    }
    if !fits {
        cluster_tables(sides, tile_layers, &opts.accumulate);
        if folded {
            clusters.split_folded(tile, tile_layers);
        } else {
            clusters.split(tile_id, tile, tile_layers, opts.extent);
        }
        clustered = clusters.has_points();
        if clustered {
            // From the base zoom up, only points drawn at the same position are merged.
            let max_shift = if may_cluster { bits } else { 0 };
            fits = clusters.fit(budget, max_shift, tile_layers, measured, |c, layers| {
                encode(Some(c), sides, layers, zt)
            });
        } else if folded {
            // Over the feature budget without a point to cluster: encoded for the error.
            encode(None, sides, tile_layers, zt);
        }
    }
    if let Some(e) = failed {
        return Err(e);
    }
    if !fits {
        let bytes = last;
        if zt.over_budget.is_none() {
            let (z, x, y) = zxy(tile_id);
            let size = if count > budget.features as u64 {
                format!("{count} features (budget {})", budget.features)
            } else {
                format!("about {bytes} bytes (budget {})", budget.bytes)
            };
            let place = if may_cluster {
                ""
            } else {
                " at the base zoom, where only points at the same position are merged"
            };
            // What can help: one feature is not split by any zoom or feature budget; the
            // points stand apart from the base zoom, which is the last zoom unless given.
            // Below the base zoom the points were merged as far as a grid goes (into one
            // cluster), and with no point to merge there is nothing a zoom can split: what
            // is left over is lines and polygons, held whole at every zoom (probe 7 L9).
            let held_whole = may_cluster || !clusters.has_points();
            let hint = if count == 1 {
                let (vertices, properties) = tile
                    .first()
                    .map_or((0, 0), |e| feature_size(e, tile_layers, pool));
                one_feature_hint(vertices, properties, budget.bytes)
            } else if held_whole {
                let higher = if z < opts.max_zoom {
                    ", or start the tiles at a zoom where fewer of them share a tile \
                     (--min-zoom)"
                } else {
                    ""
                };
                format!(
                    "; lines, polygons and multipoints are kept whole at every zoom and its points are \
                     merged as far as they go, so neither --max-zoom nor --base-zoom can \
                     bring it within budget: raise --max-tile-bytes or --max-tile-features\
                     {higher}"
                )
            } else {
                // A base zoom given at the last zoom is raised with it (probe, session 41:
                // "or --base-zoom" alone, which is refused above --max-zoom).
                let zooms = match opts.base_zoom {
                    Some(base) if base < opts.max_zoom => "--base-zoom",
                    Some(_) => "--max-zoom with --base-zoom",
                    None => "--max-zoom",
                };
                format!("; raise --max-tile-bytes or --max-tile-features, or {zooms}")
            };
            zt.over_budget = Some(format!("tile {z}/{x}/{y} has {size}{place}{hint}"));
        }
    }
    if fits && empty {
        // Nothing left to draw (its only points lay in the buffer, say): not stored, nor
        // counted as clustered (probe, session 30: "18 tiles (22 tiles clustered)").
        return Ok(());
    }
    zt.clustered += usize::from(clustered);
    zt.push(tile_id, out);
    Ok(())
}

/// Call `f` on the window of layer `li` with its own layer in it (see [`Windows::sync`]).
/// What makes the one feature of a tile big: the vertices of its geometry in the tile and
/// the bytes of its properties' keys and values.
fn feature_size(e: &TileEntry, layers: &[PreparedLayer], pool: &[u32]) -> (u64, usize) {
    let vertices = match e.geom {
        TileGeom::Point(..) => 1,
        TileGeom::Pool { start, len, .. } => pool
            .get(start as usize..start as usize + len as usize)
            .map_or(0, mvt::vertex_count),
    };
    let properties = layers.get(e.layer as usize).map_or(0, |l| {
        let Some(f) = l.features.get(e.feature as usize) else {
            return 0;
        };
        let pairs = l
            .tag_pool
            .get(f.tags.0 as usize..f.tags.1 as usize)
            .unwrap_or(&[]);
        pairs
            .chunks_exact(2)
            .map(|p| {
                l.keys.get(p[0] as usize).map_or(0, String::len)
                    + l.values.get(p[1] as usize).map_or(0, Vec::len)
            })
            .sum()
    });
    (vertices, properties)
}

/// The remedies for a tile over budget by one feature (which no zoom splits): its size,
/// then what helps. A larger budget always; for a line or polygon, a higher `--min-zoom`
/// (its low zooms, where it covers most of a tile, are not made) or a simpler geometry;
/// fewer or shorter properties only when they take half the budget.
pub(super) fn one_feature_hint(vertices: u64, properties: usize, budget: usize) -> String {
    let noun = if vertices == 1 { "vertex" } else { "vertices" };
    let mut out = format!(
        "; it is one feature, whose geometry has {vertices} {noun} in this tile and whose \
         properties take {properties} bytes: raise --max-tile-bytes"
    );
    if vertices > 1 {
        out.push_str(
            ", raise --min-zoom, or simplify the geometry beforehand \
             (e.g. ogr2ogr -simplify)",
        );
    }
    if properties * 2 >= budget {
        out.push_str(", or give it fewer or shorter properties");
    }
    out
}

fn with_window<T>(
    sides: &mut [Window],
    layers: &mut [PreparedLayer],
    li: u32,
    f: impl FnOnce(&mut Window) -> Result<T>,
) -> Result<T> {
    let (Some(w), Some(l)) = (sides.get_mut(li as usize), layers.get_mut(li as usize)) else {
        return Err(Error::Internal(format!("no tile window for layer {li}")));
    };
    std::mem::swap(&mut w.layer, l);
    let r = f(w);
    std::mem::swap(&mut w.layer, l);
    r
}

/// The features of the last [`TileClusters::build`] as the encoder takes them: the lone
/// points that were folded read into their windows and entered in `kept` (sorted by layer
/// then feature), and the clusters in `made` with their dates as values of their layers
/// (an open end as its `date_bound`).
#[allow(clippy::too_many_arguments)]
fn resolve(
    c: &TileClusters,
    tile: u64,
    sides: &mut [Window],
    layers: &mut [PreparedLayer],
    stream: &[StreamLayer],
    buf: &mut Vec<u8>,
    kept: &mut Vec<TileEntry>,
    made: &mut Vec<Cluster>,
) -> Result<()> {
    kept.clear();
    kept.extend_from_slice(&c.kept);
    for &(li, at, x, y) in &c.lone {
        let records = &stream
            .get(li as usize)
            .ok_or_else(|| Error::Internal(format!("no records for layer {li}")))?
            .records;
        let fi = with_window(sides, layers, li, |w| w.find_or_load(at, records, buf))?;
        kept.push(TileEntry {
            tile,
            layer: li,
            feature: fi,
            geom: TileGeom::Point(x, y),
        });
    }
    kept.sort_unstable_by_key(|e| (e.layer, e.feature));
    made.clear();
    for cluster in &c.clusters {
        let mut m = *cluster;
        if m.end == OPEN {
            // Said as a point with an open end says it: `date_bound`, no `end_date`.
            m.end = NONE;
            m.bound = with_window(sides, layers, m.layer, |w| {
                Ok(w.intern(&OPEN_BOUND, KIND_STRING))
            })?;
        }
        for v in [&mut m.start, &mut m.end] {
            if let Some((bytes, kind)) = c.dates.values.get(*v as usize) {
                *v = with_window(sides, layers, m.layer, |w| Ok(w.intern(bytes, *kind)))?;
            }
        }
        made.push(m);
    }
    Ok(())
}

/// Where a tile over the feature budget is in its zoom, and what folding its points needs.
struct Fold {
    /// Tile column and row.
    tile: (i64, i64),
    zoom: u8,
    extent: u32,
    /// Points in the buffer entered in the window so far, and the most entered.
    buffered: usize,
    most: usize,
    /// The accumulated columns.
    columns: usize,
    /// The point being folded.
    share: Share,
}

/// Enter the record `bytes` (at `at` of layer `li`) in its tile: into the window with every
/// property, or, when the tile's points are folded (`fold`), a point lying in the tile into
/// its cell in `clusters` and anything else into the window, decoding only what clusters
/// need until it is encoded (points in the buffer past the budget's number are left out:
/// with them the tile cannot fit).
fn take(
    window: &mut Window,
    fold: &mut Option<Fold>,
    clusters: &mut TileClusters,
    li: u32,
    at: u64,
    bytes: &[u8],
) -> Result<()> {
    let Some(fold) = fold else {
        return window.add(at, bytes, true);
    };
    let mut rec = window.record(bytes);
    let (id, geom) = rec.head()?;
    if let Geom::Point((wx, wy)) = geom {
        let e = i64::from(fold.extent);
        let x = pixel(wx, fold.zoom, fold.extent) - fold.tile.0 * e;
        let y = pixel(wy, fold.zoom, fold.extent) - fold.tile.1 * e;
        let share = &mut fold.share;
        if share.start(li, (x, y), fold.extent, (id, at, NONE), fold.columns) {
            let dates = &mut clusters.dates;
            rec.each_property(|k, kind, v, shared| {
                if let Some(field) = window.cluster_key(k) {
                    share.note(dates, field, (v, kind), shared.map(|i| (li, i)));
                }
            })?;
            let agg = *share.end(dates);
            clusters.fold(agg, &share.sums);
            return Ok(());
        }
        fold.buffered += 1;
        if fold.buffered > fold.most {
            clusters.no_buffer = true;
            return Ok(());
        }
    }
    window.add(at, bytes, false)
}

/// Decode every property of the features of `entries` into `layers`, whose windows'
/// tables are `sides` (their own layers moved out, see [`Windows::sync`]).
fn load_into(
    sides: &mut [Window],
    layers: &mut [PreparedLayer],
    entries: &[TileEntry],
    stream: &[StreamLayer],
    buf: &mut Vec<u8>,
) -> Result<()> {
    for e in entries {
        let li = e.layer as usize;
        let (Some(w), Some(l), Some(s)) = (sides.get_mut(li), layers.get_mut(li), stream.get(li))
        else {
            continue;
        };
        std::mem::swap(&mut w.layer, l);
        let loaded = w.load(e.feature as usize, &s.records, buf);
        std::mem::swap(&mut w.layer, l);
        loaded?;
    }
    Ok(())
}

/// Build the cluster tables of the tile's features (see [`load_into`]).
fn cluster_tables(sides: &mut [Window], layers: &mut [PreparedLayer], accumulate: &[String]) {
    for (w, l) in sides.iter_mut().zip(layers.iter_mut()) {
        std::mem::swap(&mut w.layer, l);
        w.cluster_table(accumulate);
        std::mem::swap(&mut w.layer, l);
    }
}

/// Every tile of every zoom, in tile-id order, with what the metadata needs.
#[derive(Debug)]
pub struct Pyramid {
    pub(super) zooms: Vec<ZoomTiles>,
    pub(super) layers: Vec<LayerInfo>,
    pub(super) bounds: Bounds,
    pub(super) attribution: String,
    pub(super) compressed: bool,
    pub(super) min_zoom: u8,
    pub(super) max_zoom: u8,
    pub(super) features: usize,
    pub(super) skipped: usize,
    pub(super) timings: Timings,
    pub(super) started: Instant,
}

#[derive(Debug)]
pub(super) struct LayerInfo {
    pub(super) name: String,
    /// Keys found in tiles, in first-appearance order, with their value-kind bits.
    pub(super) fields: Vec<(String, u8)>,
}

/// Cut and encode every zoom from `opts.min_zoom` to `opts.max_zoom`, gzipping tiles when
/// `compress` is set; the tiles are held in memory.
pub fn tile_pyramid(
    layers: Vec<LayerBuilder>,
    opts: &TileOptions,
    compress: bool,
) -> Result<Pyramid> {
    build_pyramid(layers, opts, compress, None)
}

/// [`tile_pyramid`], gzipped, with each zoom's tiles spilled to a temporary file beside
/// the archive `dest` as they are finished (see [`Pyramid::stage_pmtiles`]).
pub(super) fn spilled_pyramid(
    layers: Vec<LayerBuilder>,
    opts: &TileOptions,
    dest: &Path,
) -> Result<Pyramid> {
    build_pyramid(layers, opts, true, Some(dest))
}

fn build_pyramid(
    layers: Vec<LayerBuilder>,
    opts: &TileOptions,
    compress: bool,
    spill_beside: Option<&Path>,
) -> Result<Pyramid> {
    let start = Instant::now();
    opts.validate()?;
    let threads = opts.thread_count();
    let PreparedSet {
        layers: prepared,
        bounds,
        reach,
        attributions,
        tiled: features,
        skipped,
    } = prepare(layers, &opts.accumulate)?;
    reach
        .check(opts.min_zoom, opts.max_zoom)
        .map_err(Error::Usage)?;
    let mut timings = Timings {
        prepare: start.elapsed(),
        ..Timings::default()
    };
    // What reading the layers freed (their parse, a bulk build's rows and tables) is not
    // needed again: its pages go back before the zooms take theirs.
    crate::memory::give_back();
    let zooms: Vec<u8> = (opts.min_zoom..=opts.max_zoom).collect();
    let threads = threads.min(zooms.len().max(1));
    let budget = opts.max_tile_features as u64;
    let gate = Gate::new(budget * GATE_TILES + budget / GATE_SLACK);
    let slots: Vec<Mutex<Option<ZoomTiles>>> = zooms.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let worker = || {
        let mut gz = Gzip::new(opts.gzip_level);
        let mut scratch = Scratch::new(&prepared, &opts.accumulate);
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(&zoom) = zoom_order(zooms.len(), i).and_then(|j| zooms.get(j)) else {
                break;
            };
            let zt = match spill_beside
                .map(|dest| Spill::create(dest, zoom))
                .transpose()
            {
                Ok(spill) => build_zoom(
                    &prepared,
                    opts,
                    zoom,
                    compress.then_some(&mut gz),
                    &mut scratch,
                    spill,
                    &gate,
                ),
                Err(e) => ZoomTiles {
                    error: Some(e),
                    ..ZoomTiles::default()
                },
            };
            if let Some(slot) = slots.get(usize::from(zoom - opts.min_zoom)) {
                if let Ok(mut s) = slot.lock() {
                    *s = Some(zt);
                }
            }
        }
    };
    std::thread::scope(|s| {
        for _ in 1..threads {
            s.spawn(worker);
        }
        worker();
    });
    let mut zoom_tiles = Vec::with_capacity(slots.len());
    for slot in slots {
        let mut zt = slot
            .into_inner()
            .ok()
            .flatten()
            .ok_or_else(|| Error::Internal("a tiling worker failed".into()))?;
        if let Some(e) = zt.error.take() {
            return Err(e);
        }
        if let Some(over) = &zt.over_budget {
            return Err(Error::Usage(over.clone()));
        }
        zoom_tiles.push(zt);
    }
    let mut kinds: Vec<Vec<u8>> = prepared.iter().map(|l| vec![0u8; l.keys.len()]).collect();
    for zt in &zoom_tiles {
        timings.cut += zt.timings.cut;
        timings.sort += zt.timings.sort;
        timings.encode += zt.timings.encode;
        timings.gzip += zt.timings.gzip;
        or_kinds(&mut kinds, &zt.key_kinds);
    }
    let layer_infos = prepared
        .iter()
        .zip(&kinds)
        .filter(|(l, _)| l.count > 0)
        .map(|(l, k)| LayerInfo {
            name: l.name.clone(),
            fields: l
                .keys
                .iter()
                .zip(k)
                .filter(|(_, &kind)| kind != 0)
                .map(|(key, &kind)| (key.clone(), kind))
                .collect(),
        })
        .collect();
    let attribution = crate::model::credits::union(attributions.iter().map(String::as_str));
    let pyramid = Pyramid {
        zooms: zoom_tiles,
        layers: layer_infos,
        bounds,
        attribution,
        compressed: compress,
        min_zoom: opts.min_zoom,
        max_zoom: opts.max_zoom,
        features,
        skipped,
        timings,
        started: start,
    };
    Ok(pyramid)
}

/// The index of the `i`th zoom to build among `n`: from both ends in turn, the highest
/// first (`n-1, 0, n-2, 1, …`). The highest zooms have the most tiles and the lowest the
/// folded ones, which pass the [`Gate`] one at a time: so a folded tile is finished while
/// the other workers cut the small tiles of a high zoom beside it, and the queue ends on
/// the middle zooms, small jobs.
fn zoom_order(n: usize, i: usize) -> Option<usize> {
    (i < n).then(|| {
        if i.is_multiple_of(2) {
            n - 1 - i / 2
        } else {
            i / 2
        }
    })
}

pub(super) fn kind_name(kind: u8) -> &'static str {
    match kind {
        KIND_STRING => "String",
        KIND_NUMBER => "Number",
        KIND_BOOL => "Boolean",
        _ => "Mixed",
    }
}

impl Pyramid {
    /// Every tile held in memory as `(PMTiles tile id, bytes)`, ascending by id (none of a
    /// spilled pyramid's).
    pub fn tiles(&self) -> impl Iterator<Item = (u64, &[u8])> + '_ {
        self.zooms.iter().flat_map(|zt| {
            zt.ids.iter().enumerate().filter_map(move |(i, &id)| {
                let (start, end) = zt.range(i);
                let tile = zt
                    .data
                    .get(usize::try_from(start).ok()?..usize::try_from(end).ok()?)?;
                Some((id, tile))
            })
        })
    }

    /// Counts for the caller (bytes left at 0: the writer fills them in).
    pub fn stats(&self) -> TileStats {
        let tiles: usize = self.zooms.iter().map(|z| z.ids.len()).sum();
        TileStats {
            tiles,
            contents: tiles,
            bytes: 0,
            features: self.features,
            skipped: self.skipped,
            max_tile_bytes: self.zooms.iter().map(|z| z.largest).max().unwrap_or(0),
            clustered_tiles: self.zooms.iter().map(|z| z.clustered).sum(),
            changed: false,
            digest: None,
        }
    }

    /// The box `[west, south, east, north]` of everything tiled, by the one bbox rule of
    /// the GeoJSON layers ([`Bounds`]: west > east where the data lie across the
    /// antimeridian): the metadata's `bbox`, the same numbers as the layers' own `bbox`.
    /// `None` when nothing was tiled.
    pub fn bbox(&self) -> Option<[f64; 4]> {
        self.bounds.get()
    }

    /// The header's bounds `[west, south, east, north]` in degrees: [`Pyramid::bbox`] where
    /// it does not cross the antimeridian, `[-180, south, 180, north]` where it does, since
    /// readers take west < east (pmtiles.js calls such bounds not valid, and MapLibre asks
    /// its source only for tiles inside them); latitudes kept to Web Mercator's. The box is
    /// of positions rounded to 6 decimals, as the layers write them: it is widened by the
    /// 5e-7° an exact position may lie past its rounding, so it holds the data both as
    /// tiled and as written (and has an area, a single point too).
    pub fn bounds(&self) -> [f64; 4] {
        let Some([w, s, e, n]) = self.bbox() else {
            return [-180.0, -MAX_LAT, 180.0, MAX_LAT];
        };
        let (w, e) = if w > e { (-180.0, 180.0) } else { (w, e) };
        let half = 5e-7;
        let lon = |v: f64| v.clamp(-180.0, 180.0);
        let lat = |v: f64| v.clamp(-MAX_LAT, MAX_LAT);
        let (s, n) = (lat(s - half), lat(n + half));
        // Data beyond Web Mercator's latitudes (all clamped to one) keep a sliver inside.
        let (s, n) = if n - s < 2.0 * half {
            (s.min(MAX_LAT - 2.0 * half), n.max(2.0 * half - MAX_LAT))
        } else {
            (s, n)
        };
        [lon(w - half), s, lon(e + half), n]
    }

    /// Centre `(lon, lat, zoom)`: the middle of [`Pyramid::bbox`] on the Mercator square
    /// (of a box across the antimeridian, the middle of its way across), at the zoom where
    /// the box fills about one tile.
    pub fn center(&self) -> (f64, f64, u8) {
        let [w, s, e, n] = self.bbox().unwrap_or_else(|| self.bounds());
        let (x0, y0) = world(w, n);
        let (x1, y1) = world(e, s);
        // Across the antimeridian the box's east edge is a turn further east.
        let x1 = if w > e { x1 + 1.0 } else { x1 };
        let x = (x0 + x1) / 2.0;
        let (lon, lat) = lon_lat(if x > 1.0 { x - 1.0 } else { x }, (y0 + y1) / 2.0);
        let span = (x1 - x0).max(y1 - y0).max(1e-12);
        let z = (-span.log2())
            .floor()
            .clamp(f64::from(self.min_zoom), f64::from(self.max_zoom));
        // Clamped to the zoom range (u8) just above.
        #[allow(clippy::cast_possible_truncation)]
        let z = z as u8;
        (lon, lat, z)
    }

    pub(super) fn vector_layers(&self) -> Json {
        let layers: Vec<Json> = self
            .layers
            .iter()
            .map(|l| {
                let mut fields = Map::new();
                for (k, kind) in &l.fields {
                    fields.insert(k.clone(), Json::from(kind_name(*kind)));
                }
                json!({
                    "id": l.name,
                    "description": "",
                    "minzoom": self.min_zoom,
                    "maxzoom": self.max_zoom,
                    "fields": fields,
                })
            })
            .collect();
        Json::Array(layers)
    }

    /// The tileset's description: [`TileOptions::description`], else its layers named.
    fn description(&self, opts: &TileOptions) -> String {
        let names: Vec<&str> = self.layers.iter().map(|l| l.name.as_str()).collect();
        opts.description_of(&names)
    }

    /// The PMTiles JSON metadata. Its `bbox` is [`Pyramid::bbox`], the box the header's
    /// bounds ([`Pyramid::bounds`]) cannot say where the data lie across the antimeridian.
    pub fn metadata(&self, opts: &TileOptions) -> Json {
        let mut meta = json!({
            "name": opts.name,
            "description": self.description(opts),
            "attribution": self.attribution,
            "type": "overlay",
            "format": "pbf",
            "bbox": self.bbox(),
            "vector_layers": self.vector_layers(),
        });
        without_empty_attribution(&mut meta);
        meta
    }

    /// MBTiles-style `metadata.json` for an XYZ folder, as GDAL's MVT driver reads it.
    pub fn xyz_metadata(&self, opts: &TileOptions) -> Result<String> {
        let [w, s, e, n] = self.bounds();
        let (lon, lat, z) = self.center();
        let inner = serde_json::to_string(&json!({ "vector_layers": self.vector_layers() }))
            .map_err(|e| Error::Usage(format!("metadata: {e}")))?;
        let mut meta = json!({
            "name": opts.name,
            "description": self.description(opts),
            "attribution": self.attribution,
            "type": "overlay",
            "format": "pbf",
            "version": "2",
            "minzoom": self.min_zoom.to_string(),
            "maxzoom": self.max_zoom.to_string(),
            "bounds": format!("{w:.7},{s:.7},{e:.7},{n:.7}"),
            "bbox": self.bbox(),
            "center": format!("{lon:.7},{lat:.7},{z}"),
            "json": inner,
        });
        without_empty_attribution(&mut meta);
        serde_json::to_string_pretty(&meta)
            .map(|s| s + "\n")
            .map_err(|e| Error::Usage(format!("metadata: {e}")))
    }

    /// Where the time went so far (`wall` counts from the start of [`tile_pyramid`]).
    pub fn timings(&self) -> Timings {
        Timings {
            wall: self.started.elapsed(),
            ..self.timings
        }
    }

    /// Assemble the PMTiles archive.
    pub fn into_pmtiles(self, opts: &TileOptions) -> Result<(Vec<u8>, TileStats)> {
        self.into_pmtiles_timed(opts).map(|(b, s, _)| (b, s))
    }

    /// Assemble the PMTiles archive, also returning where the time of the run went.
    pub fn into_pmtiles_timed(self, opts: &TileOptions) -> Result<(Vec<u8>, TileStats, Timings)> {
        let assemble_start = Instant::now();
        let mut stats = self.stats();
        let mut data = TileData::default();
        data.data
            .reserve_exact(self.zooms.iter().map(|z| z.data.len()).sum());
        let mut zooms = self.zooms;
        for zt in &mut zooms {
            for (i, &id) in zt.ids.iter().enumerate() {
                let (start, end) = zt.range(i);
                let tile = usize::try_from(start)
                    .ok()
                    .zip(usize::try_from(end).ok())
                    .and_then(|(s, e)| zt.data.get(s..e))
                    .ok_or_else(|| {
                        Error::Internal("a spilled pyramid assembled in memory".into())
                    })?;
                data.push(id, tile);
            }
            // Free each zoom's copy as soon as it is in the archive's buffer.
            *zt = ZoomTiles::default();
        }
        let rest = Pyramid { zooms, ..self };
        stats.contents = usize::try_from(data.index.contents).unwrap_or(usize::MAX);
        let (header, dirs, metadata) = rest.sections(opts, &data.index)?;
        let bytes = pmtiles::assemble(header, &dirs, &metadata, data.data);
        let timings = Timings {
            assemble: assemble_start.elapsed(),
            wall: rest.started.elapsed(),
            ..rest.timings
        };
        Ok((bytes, stats, timings))
    }

    /// Stream the archive of a spilled pyramid ([`spilled_pyramid`]) to a temporary file
    /// beside `dest`, the same bytes [`Pyramid::into_pmtiles`] gives. The directory and the
    /// duplicate tiles are laid out from the hashes taken as the tiles were made (two tiles
    /// are compared byte for byte in the spills only when hash and length match); one pass
    /// over the spills then writes the header, directories, metadata and each stored tile. Returns the staged file, or `None` when `dest`
    /// already holds these bytes.
    pub(super) fn stage_pmtiles(
        self,
        dest: &Path,
        opts: &TileOptions,
    ) -> Result<(Option<Staged>, TileStats)> {
        let mut stats = self.stats();
        // Where each zoom starts in the concatenation of the spills (the tiles' sources).
        let mut starts = Vec::with_capacity(self.zooms.len());
        let mut total = 0u64;
        for zt in &self.zooms {
            starts.push(total);
            total += zt.ends.last().copied().unwrap_or(0);
        }
        let files: Vec<&File> = self
            .zooms
            .iter()
            .map(|zt| match &zt.spill {
                Some(s) => s.file(),
                None => Err(Error::Internal(
                    "an in-memory pyramid streamed from spills".into(),
                )),
            })
            .collect::<Result<_>>()?;
        // The `len` bytes at `src` in the concatenated spills, into `buf`.
        let read_at = |src: u64, len: u64, buf: &mut Vec<u8>| -> bool {
            let z = starts.partition_point(|&s| s <= src).saturating_sub(1);
            let (Some(file), Some(&at)) = (files.get(z), starts.get(z)) else {
                return false;
            };
            buf.resize(usize::try_from(len).unwrap_or(usize::MAX), 0);
            file.read_exact_at(buf, src - at).is_ok()
        };
        let mut index = TileIndex::default();
        let mut stored = Vec::new();
        let (mut tile, mut other) = (Vec::new(), Vec::new());
        for (zt, &at) in self.zooms.iter().zip(&starts) {
            if zt.hashes.len() != zt.ids.len() {
                return Err(Error::Internal("a spilled tile without its hash".into()));
            }
            for (i, (&id, &hash)) in zt.ids.iter().zip(&zt.hashes).enumerate() {
                let (start, end) = zt.range(i);
                let len = end - start;
                // Only a tile whose hash and length match an earlier one's is read.
                let same = |src| {
                    read_at(at + start, len, &mut tile)
                        && read_at(src, len, &mut other)
                        && tile == other
                };
                stored.push(index.add_hashed(id, hash, len, at + start, same));
            }
        }
        stats.contents = usize::try_from(index.contents).unwrap_or(usize::MAX);
        let (header, dirs, metadata) = self.sections(opts, &index)?;
        let prefix = pmtiles::prefix(header, &dirs, &metadata, index.len);
        let mut out = atomic::Streaming::create(dest)?;
        let wrap = |e: std::io::Error, out: &atomic::Streaming| Error::io(out.temp(), e);
        out.writer().write_all(&prefix).map_err(|e| wrap(e, &out))?;
        let mut stored = stored.into_iter();
        for (zt, file) in self.zooms.iter().zip(&files) {
            let mut reader = spill_reader(file, zt)?;
            for i in 0..zt.ids.len() {
                let (start, end) = zt.range(i);
                read_tile(&mut reader, end - start, &mut tile, zt)?;
                if stored.next() == Some(true) {
                    out.writer().write_all(&tile).map_err(|e| wrap(e, &out))?;
                }
            }
        }
        stats.bytes = usize::try_from(prefix.len() as u64 + index.len).unwrap_or(usize::MAX);
        let (staged, digest) = out.finish_digest()?;
        stats.digest = Some(digest);
        Ok((staged, stats))
    }

    /// The header, directories and gzipped metadata of an archive whose tile data `index`
    /// lays out.
    fn sections(
        &self,
        opts: &TileOptions,
        index: &TileIndex,
    ) -> Result<(Header, Directories, Vec<u8>)> {
        let metadata = serde_json::to_vec(&self.metadata(opts))
            .map_err(|e| Error::Usage(format!("metadata: {e}")))?;
        let mut gz = Gzip::new(6);
        let metadata = gz.compress(&metadata);
        let [w, s, e, n] = self.bounds();
        let (clon, clat, cz) = self.center();
        let dirs = pmtiles::build_directories(&index.entries, &mut gz);
        let e7 = |v: f64, up: bool| {
            let x = v * 1e7;
            let x = if up { x.ceil() } else { x.floor() };
            // Degrees × 10^7 are within ±1.8e9, inside i32.
            #[allow(clippy::cast_possible_truncation)]
            let x = x.clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32;
            x
        };
        let header = Header {
            counts: (index.addressed, index.entries.len() as u64, index.contents),
            clustered: true,
            internal_compression: pmtiles::COMPRESSION_GZIP,
            tile_compression: if self.compressed {
                pmtiles::COMPRESSION_GZIP
            } else {
                pmtiles::COMPRESSION_NONE
            },
            tile_type: pmtiles::TILE_TYPE_MVT,
            zooms: (self.min_zoom, self.max_zoom),
            bounds_e7: [e7(w, false), e7(s, false), e7(e, true), e7(n, true)],
            center: (cz, e7(clon, false), e7(clat, false)),
            ..Header::default()
        };
        Ok((header, dirs, metadata))
    }
}

/// A buffered reader of a closed spill from its start.
fn spill_reader<'a>(file: &'a File, zt: &ZoomTiles) -> Result<BufReader<&'a File>> {
    let mut f = file;
    f.seek(SeekFrom::Start(0))
        .map_err(|e| Error::io(zt.spill_path(), e))?;
    Ok(BufReader::with_capacity(1 << 20, file))
}

/// Read the next tile, `len` bytes, of `zt`'s spill into `tile`.
fn read_tile(
    reader: &mut BufReader<&File>,
    len: u64,
    tile: &mut Vec<u8>,
    zt: &ZoomTiles,
) -> Result<()> {
    tile.resize(usize::try_from(len).unwrap_or(usize::MAX), 0);
    reader
        .read_exact(tile)
        .map_err(|e| Error::io(zt.spill_path(), e))
}

/// No `attribution` member when nothing is credited: an empty one tells a map to show an
/// empty credit (probe, session 31: an archive of a GeoJSONSeq file said `""`).
fn without_empty_attribution(meta: &mut Json) {
    if let Some(m) = meta.as_object_mut() {
        if m.get("attribution").and_then(Json::as_str) == Some("") {
            m.remove("attribution");
        }
    }
}

/// The error of a cluster whose `--accumulate` sum is no finite number: each member's
/// value is checked finite as it is read, but values near the largest double (1e308, a
/// sentinel?) add up beyond it, and the tile would say `Infinity`, which no JSON reader of
/// a clicked feature takes, and which is no sum. Refused naming the layer, the column and
/// the tile, rather than written as a number it is not (tester's report).
fn overflowed(
    clusters: &[Cluster],
    sums: &[f64],
    layers: &[PreparedLayer],
    accumulate: &[String],
    tile: u64,
) -> Option<Error> {
    let ns = accumulate.len();
    clusters.iter().find_map(|c| {
        let own = sums.get(c.sums..c.sums + ns)?;
        let j = own.iter().position(|s| !s.is_finite())?;
        let (z, x, y) = zxy(tile);
        let layer = layers.get(c.layer as usize).map_or("", |l| l.name.as_str());
        let column = accumulate.get(j).map_or("", String::as_str);
        Some(Error::Syntax {
            path: PathBuf::from(layer),
            line: None,
            message: format!(
                "layer {layer:?}: tile {z}/{x}/{y}: the --accumulate {column} sum of {} \
                 points is beyond the largest number a tile holds (about 1.8e308): check \
                 the column's largest values, or leave it out of --accumulate",
                c.count
            ),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::{one_feature_hint, zoom_order};

    #[test]
    fn every_zoom_is_built_once_from_both_ends() {
        let order: Vec<usize> = (0..6).map_while(|i| zoom_order(5, i)).collect();
        assert_eq!(order, [4, 0, 3, 1, 2]);
        assert_eq!(zoom_order(1, 0), Some(0));
        assert_eq!(zoom_order(0, 0), None);
    }

    #[test]
    fn one_feature_over_budget_is_told_what_makes_it_big() {
        // Probe 9 G2: a polygon's vertices, not its 9 bytes of properties.
        let polygon = one_feature_hint(155_830, 9, 60_000);
        assert_eq!(
            polygon,
            "; it is one feature, whose geometry has 155830 vertices in this tile and whose \
             properties take 9 bytes: raise --max-tile-bytes, raise --min-zoom, or simplify \
             the geometry beforehand (e.g. ogr2ogr -simplify)"
        );
        // A point with a long property: no zoom and no simplifying helps it.
        let point = one_feature_hint(1, 900_000, 512_000);
        assert_eq!(
            point,
            "; it is one feature, whose geometry has 1 vertex in this tile and whose \
             properties take 900000 bytes: raise --max-tile-bytes, or give it fewer or \
             shorter properties"
        );
        // Both big: every remedy.
        let both = one_feature_hint(50_000, 40_000, 60_000);
        assert!(
            both.contains("--min-zoom") && both.contains("fewer or shorter"),
            "{both}"
        );
    }
}
