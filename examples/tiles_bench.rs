//! Benchmark driver for the tile writer (`bash benches/tiles/run.sh` runs it).
//!
//! `tiles_bench MAX_ZOOM OUT.pmtiles POINTS.geojson BORDER.geojson`
//!
//! Reads the generated GeoJSON into [`Layer`]s (typed serde), then times
//! [`encode_pmtiles_timed`] (projection, tiling, MVT encoding, gzip and archive assembly,
//! all in memory) and the atomic write, and prints one JSON line with the timings, the
//! per-phase profile, tile counts, output size and memory (resident set after loading
//! and peak, from `/proc/self/status`). `TILES_GZIP_LEVEL` and `TILES_THREADS` override
//! the defaults, for experiments.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::time::Instant;

use drillmap::derive::{Feature, Layer};
use drillmap::write::tiles::{encode_pmtiles_timed, TileOptions};
use serde::Deserialize;
use serde_json::{json, Map, Value};

#[derive(Deserialize)]
struct Collection {
    name: String,
    features: Vec<InFeature>,
}

#[derive(Deserialize)]
struct InFeature {
    id: String,
    geometry: Option<InGeometry>,
    properties: Map<String, Value>,
}

#[derive(Deserialize)]
#[serde(tag = "type", content = "coordinates")]
enum InGeometry {
    Point([f64; 2]),
    LineString(Vec<[f64; 2]>),
    MultiLineString(Vec<Vec<[f64; 2]>>),
}

fn line(c: Vec<[f64; 2]>) -> geo::LineString<f64> {
    c.into_iter()
        .map(|[x, y]| geo::coord! {x: x, y: y})
        .collect()
}

fn load(path: &Path, attribution: &str) -> Result<Layer, Box<dyn std::error::Error>> {
    // Parsing from memory is about twice as fast as from a reader; the text is dropped
    // right after, before tiling starts.
    let mut text = Vec::new();
    BufReader::new(File::open(path)?).read_to_end(&mut text)?;
    let fc: Collection = serde_json::from_slice(&text)?;
    drop(text);
    let features = fc
        .features
        .into_iter()
        .map(|f| Feature {
            id: f.id,
            geometry: f.geometry.map(|g| match g {
                InGeometry::Point([x, y]) => geo::Point::new(x, y).into(),
                InGeometry::LineString(c) => line(c).into(),
                InGeometry::MultiLineString(c) => {
                    geo::MultiLineString(c.into_iter().map(line).collect()).into()
                }
            }),
            properties: f.properties,
        })
        .collect();
    Ok(Layer::new(fc.name, attribution, features))
}

/// `VmRSS` and `VmHWM` (peak) of this process, in KiB.
fn memory_kb() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, zoom, out, points, border] = args.as_slice() else {
        return Err("usage: tiles_bench MAX_ZOOM OUT.pmtiles POINTS.geojson BORDER.geojson".into());
    };
    let t = Instant::now();
    let layers = vec![
        load(Path::new(points), "synthetic")?,
        load(Path::new(border), "Natural Earth (synthetic course)")?,
    ];
    let load_s = t.elapsed().as_secs_f64();
    let (rss_loaded, _) = memory_kb();
    let mut opts = TileOptions {
        max_zoom: zoom.parse()?,
        ..TileOptions::default()
    };
    // For experiments: TILES_GZIP_LEVEL and TILES_THREADS override the defaults.
    if let Ok(level) = std::env::var("TILES_GZIP_LEVEL") {
        opts.gzip_level = level.parse()?;
    }
    if let Ok(threads) = std::env::var("TILES_THREADS") {
        opts.threads = Some(threads.parse()?);
    }
    let t = Instant::now();
    let (bytes, stats, timings) = encode_pmtiles_timed(&layers, &opts)?;
    let encode_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    drillmap::write::atomic::write(Path::new(out), &bytes)?;
    let write_s = t.elapsed().as_secs_f64();
    let (_, peak) = memory_kb();
    let secs = |d: std::time::Duration| (d.as_secs_f64() * 1000.0).round() / 1000.0;
    println!(
        "{}",
        json!({
            "max_zoom": opts.max_zoom,
            "gzip_level": opts.gzip_level,
            "features": stats.features,
            "load_s": load_s,
            "encode_s": encode_s,
            "write_s": write_s,
            "tiles": stats.tiles,
            "contents": stats.contents,
            "bytes": stats.bytes,
            "max_tile_bytes": stats.max_tile_bytes,
            "rss_after_load_kb": rss_loaded,
            "peak_rss_kb": peak,
            "profile_cpu_s": {
                "prepare": secs(timings.prepare),
                "cut": secs(timings.cut),
                "sort": secs(timings.sort),
                "encode": secs(timings.encode),
                "gzip": secs(timings.gzip),
                "assemble": secs(timings.assemble),
            },
        })
    );
    Ok(())
}
