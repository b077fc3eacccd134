//! Vector tiles: every layer in one PMTiles v3 archive of Mapbox Vector Tile 2.1 tiles, or
//! an XYZ folder of `.mvt` files.
//!
//! The tiler takes the same `&[Layer]` the GeoJSON writer takes, or layers fed feature by
//! feature through a [`LayerBuilder`] (`drillmap tiles FILE...` and a bulk build's layer,
//! [`layer_file`]), which projects each feature and enters its properties in the layer's tables as
//! it arrives, so no file or [`Layer`] is held whole. Each layer becomes an MVT layer of
//! the same name (`exercises`, `bases`, `afghan_border`); features without a geometry
//! (unlocated records) are skipped and counted.
//!
//! - **Projection and grid**: Web Mercator, extent 4096, a buffer of 64 units around each
//!   tile by default. Points are placed in every tile whose buffered square holds them;
//!   lines and polygons are clipped to the buffered square ([`clip`]).
//! - **A tile budget, nothing lost**: no tile holds more than
//!   [`TileOptions::max_tile_features`] features or is stored larger than
//!   [`TileOptions::max_tile_bytes`]. A tile within budget holds every feature, as it is;
//!   below the base zoom ([`TileOptions::base_zoom`]) the points of a tile over budget are
//!   merged into cluster features ([`cluster`]), so every point is still counted at every
//!   zoom. From the base zoom up every point stands on its own, except that a tile over
//!   budget there merges the points drawn at the same position (stacked points); a tile
//!   still over budget is an error naming it. Small layers never reach the budget and come out unclustered.
//! - **Zooms**: [`DEFAULT_MAX_ZOOM`] is 10. At zoom 10 one tile unit is about 7.6 m at
//!   Termez's latitude (9.6 m at the equator), finer than the Natural Earth 1:10m border's
//!   own accuracy (hundreds of metres) and than a town-level geocode, so the border keeps
//!   every vertex and points are exact to well under their precision; map clients overzoom
//!   past the last zoom without loss. Change it with [`TileOptions::max_zoom`] (the CLI's
//!   `--max-zoom`, up to [`MAX_ZOOM_LIMIT`]).
//! - **Feature ids**: [`feature_id`], a 53-bit FNV-1a hash of layer and string id: the same
//!   in every tile and every run, and exact in JavaScript numbers.
//! - **Properties**: strings, numbers and booleans as MVT values (non-negative integers as
//!   `uint`, negative as `sint`, others as `double`); arrays and objects as their JSON text,
//!   as tippecanoe does; nulls omitted. Keys and values are deduplicated per layer per tile.
//! - **Order**: layers in a tile in the order given; features within a layer by the Hilbert
//!   position (at zoom 16) of their first vertex, ties by the layer's id order. This is
//!   their draw order, the same in every run, and it keeps each tile's features together
//!   in memory, which is what makes a million points fast.
//! - **Archive** ([`pmtiles`]): gzip'd tiles, clustered, deduplicated and run-length encoded,
//!   leaf directories when the root would not fit in 16 KiB; bounds and centre from the
//!   data's box by the GeoJSON layers' one bbox rule ([`Pyramid::bounds`]: west < east in
//!   the header, -180..180 for a box across the antimeridian); JSON metadata with that box
//!   as `bbox`, `vector_layers` whose fields are exactly the keys found in the tiles, the
//!   layers' attributions and a description.
//! - **Determinism**: zooms are cut and encoded in parallel but collected in tile-id order,
//!   hash maps are only looked up (never iterated into output), and gzip headers carry no
//!   time, so the same input gives byte-identical output whatever the thread count.
//! - **Gzip**: level 1 by default ([`TileOptions::gzip_level`]), through flate2's `zlib-rs`
//!   backend (pure Rust, and about twice as fast as `miniz_oxide` at this level).
//!
//! Modules: [`prepare`](self) (projection, ids, property tables), `cut` (entries per
//! zoom), [`cluster`], `encode` (MVT per tile), `pyramid` (zooms on threads, metadata,
//! archive), [`pmtiles`], [`mvt`], [`clip`], [`hilbert`], [`mercator`].
//!
//! Memory: each prepared feature is one record of an external sort
//! ([`RecordSorter`](crate::write::sort::RecordSorter)); a layer for a file
//! ([`LayerBuilder::spilling`], [`TileOptions::sort_buffer`]) spills sorted runs beside
//! the archive and merges them into one sorted temporary file. Each zoom reads the records
//! twice, in order: once to note each tile's run and the copies of features that reach
//! other tiles, once to finish the tiles one by one from a window of their own features,
//! so memory is what the tiles being finished need, not the layers. A tile over the
//! feature budget (at low zooms, most of a layer) never holds its points: as its records
//! are read, the points lying in it are folded into cell aggregates ([`cluster`]), at most
//! the feature budget's number of cells (merged four into one past it), and a lone point
//! is read again when it is encoded as it is. Windows together hold at most the feature
//! budget of features (a tile larger than that alone). The check that no two features of
//! a layer share a tile id sorts the ids apart, spilled like the features. Finished
//! tiles are spilled to temporary files beside the archive as they are done and the
//! archive is streamed from them; in memory ([`encode_pmtiles`]) records and tiles are
//! held.
//!
//! - **Simplification** ([`simplify`](self)): below the max zoom lines are simplified
//!   with Douglas–Peucker to one tile unit before clipping; the max zoom keeps every
//!   vertex; polygons are not simplified.
//!
//! Not done: antimeridian wrapping (nothing in Central Asia needs it). `GeometryCollection`s are
//! skipped and counted in [`TileStats::skipped`].

pub mod clip;
pub mod cluster;
pub mod hilbert;
pub mod mercator;
pub mod mvt;
pub mod pmtiles;

mod ahead;
mod cut;
mod encode;
pub mod input;
pub mod layer_file;
mod prepare;
mod pyramid;
mod reach;
mod simplify;
mod valid;
pub mod xyz;

use std::path::Path;

use crate::derive::Layer;
use crate::error::{Error, Result};
use crate::write::atomic;

pub use cluster::cluster_id;
pub use prepare::{feature_id, LayerBuilder, SortSpill};
pub use pyramid::{tile_pyramid, Pyramid, Timings};

/// The default last zoom (see the module documentation for why).
pub const DEFAULT_MAX_ZOOM: u8 = 10;
/// The default largest stored tile: 500 KiB (tippecanoe's default too).
pub const DEFAULT_MAX_TILE_BYTES: usize = 500 * 1024;
/// The default most features in one tile.
pub const DEFAULT_MAX_TILE_FEATURES: usize = 200_000;
/// The default bytes of prepared features a layer holds before spilling a sorted run.
pub const DEFAULT_SORT_BUFFER: usize = 32 << 20;
/// The largest `max_zoom` accepted.
pub const MAX_ZOOM_LIMIT: u8 = 16;

/// How to cut tiles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileOptions {
    /// First zoom written (default 0).
    pub min_zoom: u8,
    /// Last zoom written (default [`DEFAULT_MAX_ZOOM`]).
    pub max_zoom: u8,
    /// Tile extent in units (default 4096).
    pub extent: u32,
    /// Buffer around each tile in tile units (default 64).
    pub buffer: u32,
    /// Tileset name in the metadata.
    pub name: String,
    /// Tileset description in the metadata; empty: the layers it holds, named
    /// ([`TileOptions::description_of`]).
    pub description: String,
    /// Gzip level for tiles, 0–9 (default 1, the fastest that compresses).
    pub gzip_level: u32,
    /// Worker threads; `None` uses the machine's parallelism. Output does not depend on it.
    pub threads: Option<usize>,
    /// No tile is stored larger than this many bytes (compressed, in an archive).
    pub max_tile_bytes: usize,
    /// No tile holds more features than this.
    pub max_tile_features: usize,
    /// The zoom from which every point stands on its own (default: `max_zoom`); below it
    /// points of over-budget tiles are clustered ([`cluster`]).
    pub base_zoom: Option<u8>,
    /// Numeric columns summed into clusters.
    pub accumulate: Vec<String>,
    /// Bytes of prepared features a layer written to a file holds in memory before
    /// spilling a sorted run beside it (default [`DEFAULT_SORT_BUFFER`]); the repeated-id
    /// check sorts the ids with a buffer of the same size. Output does not depend on it.
    pub sort_buffer: usize,
}

impl Default for TileOptions {
    fn default() -> Self {
        TileOptions {
            min_zoom: 0,
            max_zoom: DEFAULT_MAX_ZOOM,
            extent: 4096,
            buffer: 64,
            name: "drillmap".into(),
            description: String::new(),
            gzip_level: 1,
            threads: None,
            max_tile_bytes: DEFAULT_MAX_TILE_BYTES,
            max_tile_features: DEFAULT_MAX_TILE_FEATURES,
            base_zoom: None,
            accumulate: Vec::new(),
            sort_buffer: DEFAULT_SORT_BUFFER,
        }
    }
}

impl TileOptions {
    /// Where layers for the archive `dest` spill their prepared features.
    pub fn spill_beside(&self, dest: &Path) -> SortSpill {
        SortSpill {
            beside: dest.to_path_buf(),
            buffer: self.sort_buffer,
        }
    }

    /// The tileset's description for an archive of the layers `names`: the one given, else
    /// what is in it (`Vector tiles of the layer events (drillmap)`), so an archive of
    /// other layers never carries the dataset's description.
    pub fn description_of(&self, names: &[&str]) -> String {
        if !self.description.is_empty() {
            return self.description.clone();
        }
        match names {
            [] => "Vector tiles (drillmap), empty".to_owned(),
            [one] => format!("Vector tiles of the layer {one} (drillmap)"),
            [rest @ .., last] => format!(
                "Vector tiles of the layers {} and {last} (drillmap)",
                rest.join(", ")
            ),
        }
    }

    /// The worker threads [`TileOptions::threads`] asks for: the machine's parallelism
    /// when not given, at least 1.
    pub fn thread_count(&self) -> usize {
        self.threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
            .max(1)
    }

    /// The zoom from which points are never clustered.
    pub fn base_zoom(&self) -> u8 {
        self.base_zoom.unwrap_or(self.max_zoom).min(self.max_zoom)
    }

    /// Check the options: zooms in order (the base zoom within them) and at most
    /// [`MAX_ZOOM_LIMIT`], an extent of
    /// 256–65536 units and a buffer of at most half of it, each `--accumulate` column
    /// named once and none a key clusters write ([`cluster::CLUSTER_KEYS`]).
    pub fn validate(&self) -> Result<()> {
        if self.min_zoom > self.max_zoom {
            return Err(Error::Usage(format!(
                "min zoom {} is above max zoom {}",
                self.min_zoom, self.max_zoom
            )));
        }
        if let Some(base) = self.base_zoom.filter(|&b| b > self.max_zoom) {
            return Err(Error::Usage(format!(
                "--base-zoom {base} is above --max-zoom {}",
                self.max_zoom
            )));
        }
        // Probe 9: accepted silently, though no zoom written is below it to cluster.
        if let Some(base) = self.base_zoom.filter(|&b| b < self.min_zoom) {
            return Err(Error::Usage(format!(
                "--base-zoom {base} is below --min-zoom {min}: no zoom written is below it, so \
                 nothing would be clustered; give a base zoom from {min} (every point on its \
                 own at every zoom) to {}",
                self.max_zoom,
                min = self.min_zoom
            )));
        }
        if self.max_zoom > MAX_ZOOM_LIMIT {
            return Err(Error::Usage(format!(
                "max zoom {} is above the limit of {MAX_ZOOM_LIMIT}",
                self.max_zoom
            )));
        }
        if !(256..=65_536).contains(&self.extent) {
            return Err(Error::Usage(format!(
                "tile extent {} is outside 256..=65536",
                self.extent
            )));
        }
        if self.buffer > self.extent / 2 {
            return Err(Error::Usage(format!(
                "tile buffer {} is more than half the extent {}",
                self.buffer, self.extent
            )));
        }
        for (i, column) in self.accumulate.iter().enumerate() {
            // Probe 7 M1: one column summed twice was summed by neither (one rule with
            // `--columns`' "mapped twice" and `extract`'s article given twice: refused).
            if self.accumulate[..i].contains(column) {
                return Err(Error::Usage(format!(
                    "--accumulate {column:?} is given twice: name each column once"
                )));
            }
            // Probe 7 M2: clusters write these themselves; a sum under one would be lost.
            if cluster::CLUSTER_KEYS.contains(&column.as_str()) {
                return Err(Error::Usage(format!(
                    "--accumulate {column:?}: clusters write {} themselves; name a numeric \
                     column of the input",
                    cluster::CLUSTER_KEYS.join(", ")
                )));
            }
        }
        if self.max_tile_features == 0 || self.max_tile_bytes < 1024 {
            return Err(Error::Usage(format!(
                "tile budget of {} features and {} bytes is too small (at least 1 feature \
                 and 1024 bytes)",
                self.max_tile_features, self.max_tile_bytes
            )));
        }
        Ok(())
    }
}

/// What a tiling run produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TileStats {
    /// Tiles written (addressed tiles).
    pub tiles: usize,
    /// Distinct tile contents stored (PMTiles deduplicates identical tiles).
    pub contents: usize,
    /// Bytes written: the archive's size, or the sum of the `.mvt` files.
    pub bytes: usize,
    /// Located features tiled, over all layers.
    pub features: usize,
    /// Features skipped: no geometry, or a geometry type tiles do not carry.
    pub skipped: usize,
    /// The largest tile in bytes (as stored: gzipped in an archive).
    pub max_tile_bytes: usize,
    /// Tiles whose points were clustered to keep within the budget.
    pub clustered_tiles: usize,
    /// Whether the written file(s) changed (false when the output was already identical).
    pub changed: bool,
    /// The archive's size and SHA-256, taken as it was streamed to its file (for the
    /// manifest, so it is not read again); `None` for an XYZ folder or an archive in memory.
    pub digest: Option<crate::fsutil::digest::Digest>,
}

/// Builders for layers held in memory.
pub fn builders(layers: &[Layer]) -> Result<Vec<LayerBuilder>> {
    layers.iter().map(LayerBuilder::from_layer).collect()
}

/// Encode every layer into a PMTiles v3 archive in memory. Same input, same bytes.
pub fn encode_pmtiles(layers: &[Layer], opts: &TileOptions) -> Result<(Vec<u8>, TileStats)> {
    encode_built(builders(layers)?, opts)
}

/// [`encode_pmtiles`] of layers fed feature by feature.
pub fn encode_built(layers: Vec<LayerBuilder>, opts: &TileOptions) -> Result<(Vec<u8>, TileStats)> {
    let pyramid = tile_pyramid(layers, opts, true)?;
    let (bytes, mut stats) = pyramid.into_pmtiles(opts)?;
    stats.bytes = bytes.len();
    Ok((bytes, stats))
}

/// [`encode_pmtiles`], also returning where the time went (for benchmarks and profiling).
pub fn encode_pmtiles_timed(
    layers: &[Layer],
    opts: &TileOptions,
) -> Result<(Vec<u8>, TileStats, Timings)> {
    let pyramid = tile_pyramid(builders(layers)?, opts, true)?;
    let (bytes, mut stats, timings) = pyramid.into_pmtiles_timed(opts)?;
    stats.bytes = bytes.len();
    Ok((bytes, stats, timings))
}

/// Write the PMTiles archive to `path` atomically (temp file + rename; an identical file is
/// left untouched).
pub fn write_pmtiles(path: &Path, layers: &[Layer], opts: &TileOptions) -> Result<TileStats> {
    let spill = opts.spill_beside(path);
    let built = layers
        .iter()
        .map(|l| {
            let mut b = LayerBuilder::create(&l.name, &l.attribution, Some(&spill));
            for f in &l.features {
                b.push(&f.id, f.geometry.as_ref(), &f.properties)?;
            }
            Ok(b)
        })
        .collect::<Result<Vec<_>>>()?;
    write_built_pmtiles(path, built, opts)
}

/// [`write_pmtiles`] of layers fed feature by feature. The finished tiles are spilled to
/// temporary files beside `path` and the archive is streamed to its own temporary file, so
/// they are never held in memory; first, temporary files killed runs left beside `path`
/// are removed.
pub fn write_built_pmtiles(
    path: &Path,
    layers: Vec<LayerBuilder>,
    opts: &TileOptions,
) -> Result<TileStats> {
    let (staged, mut stats) = stage_built_pmtiles(path, layers, opts)?;
    stats.changed = staged.is_some();
    if let Some(staged) = staged {
        staged.commit()?;
    }
    Ok(stats)
}

/// [`write_built_pmtiles`] up to the staged temporary file (`None` when `path` already
/// holds these bytes), for a caller that publishes several files together.
pub fn stage_built_pmtiles(
    path: &Path,
    layers: Vec<LayerBuilder>,
    opts: &TileOptions,
) -> Result<(Option<atomic::Staged>, TileStats)> {
    make_room_beside(path)?;
    pyramid::spilled_pyramid(layers, opts, path)?.stage_pmtiles(path, opts)
}

/// Make the folder `path` is written in (when it, or a folder above it, is a file: "a
/// file, not a folder", as `build --out` says) and remove the temporary files killed runs
/// left there. `x.pmtiles`: the current folder.
fn make_room_beside(path: &Path) -> Result<()> {
    let dir = atomic::folder_of(path);
    atomic::create_dir(dir)?;
    atomic::sweep_orphans(dir)?;
    Ok(())
}

/// Write an XYZ folder (see [`xyz`]): staged whole beside `dir`, then swapped in.
pub fn write_xyz(dir: &Path, layers: &[Layer], opts: &TileOptions) -> Result<TileStats> {
    write_built_xyz(dir, builders(layers)?, opts)
}

/// [`write_xyz`] of layers fed feature by feature.
pub fn write_built_xyz(
    dir: &Path,
    layers: Vec<LayerBuilder>,
    opts: &TileOptions,
) -> Result<TileStats> {
    let (staged, stats) = xyz::stage_built_xyz(dir, layers, opts)?;
    if let Some(staged) = staged {
        staged.commit()?;
    }
    Ok(stats)
}

/// Publish an archive and an XYZ folder staged for it, outside an output folder `build`
/// publishes into: both renamed in one go, a signal waiting until both are in place.
pub fn publish_staged(
    archive: Option<atomic::Staged>,
    xyz: Option<atomic::StagedDir>,
) -> Result<()> {
    let _publishing = crate::fsutil::interrupt::hold();
    if let Some(archive) = archive {
        archive.commit()?;
    }
    if let Some(xyz) = xyz {
        xyz.commit()?;
    }
    crate::fsutil::interrupt::published();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accumulating(columns: &[&str]) -> std::result::Result<(), String> {
        TileOptions {
            accumulate: columns.iter().map(|&c| c.to_owned()).collect(),
            ..TileOptions::default()
        }
        .validate()
        .map_err(|e| e.to_string())
    }

    /// Probe 7 M1 and M2: a column accumulated twice was summed by neither, and a key
    /// clusters write (`point_count`, the dates) could be "summed" into nothing.
    #[test]
    fn an_accumulated_column_is_named_once_and_is_not_a_clusters_own_key() {
        assert_eq!(accumulating(&["fatalities", "troops"]), Ok(()));
        let twice = accumulating(&["fatalities", "troops", "fatalities"]).unwrap_err();
        assert!(
            twice.contains("--accumulate \"fatalities\" is given twice"),
            "{twice}"
        );
        for own in cluster::CLUSTER_KEYS {
            let err = accumulating(&[own]).unwrap_err();
            assert!(
                err.contains("clusters write point_count, start_date, end_date, date_bound"),
                "{err}"
            );
        }
    }
}
