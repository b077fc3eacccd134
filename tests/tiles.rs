//! Vector tiles through the library API, checked by readers we did not write.
//!
//! The fixture is built in code (Termez and other points, an unlocated record, border lines
//! crossing tile edges, a polygon with a hole), written as a PMTiles archive and an XYZ
//! folder into a temporary directory, and handed with GeoJSON copies of the layers to
//! `tests/tools/verify_tiles.py`, which reads them with the PyPI `pmtiles` and
//! `mapbox-vector-tile` packages (and GDAL's `ogrinfo`, when installed).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use drillmap::derive::{Feature, Layer};
use drillmap::write::tiles::{
    encode_pmtiles, feature_id, write_pmtiles, write_xyz, TileOptions, DEFAULT_MAX_ZOOM,
};
use geo::{line_string, point, polygon, Geometry, MultiLineString, Point};
use serde_json::{json, Map, Value};

fn props(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn feature(id: &str, geometry: Option<Geometry<f64>>, p: Value) -> Feature {
    Feature {
        id: id.into(),
        geometry,
        properties: props(p),
    }
}

fn fixture() -> Vec<Layer> {
    let exercises = Layer::new(
        "exercises",
        "GeoNames (CC BY 4.0)",
        vec![
            feature(
                "termez-2021",
                Some(point!(x: 67.27833, y: 37.22417).into()),
                json!({"name": "Termez joint drill", "year": 2021, "score": 0.85,
                       "multinational": true, "countries": ["UZ", "RU"], "note": null,
                       "delta": -3}),
            ),
            feature(
                "dushanbe-2022",
                Some(point!(x: 68.77905, y: 38.53575).into()),
                json!({"name": "Dushanbe CSTO", "year": 2022, "score": 1.0,
                       "multinational": true, "countries": ["TJ", "RU", "KZ"]}),
            ),
            // On a z6 tile edge (67.5 E): in both neighbours' buffers.
            feature(
                "edge-2020",
                Some(point!(x: 67.5, y: 37.5).into()),
                json!({"name": "Edge case", "year": 2020, "multinational": false}),
            ),
            feature(
                "unlocated-2019",
                None,
                json!({"name": "Somewhere", "year": 2019}),
            ),
        ],
    );
    let bases = Layer::new(
        "bases",
        "GeoNames (CC BY 4.0)",
        vec![
            feature(
                "kant",
                Some(point!(x: 74.85083, y: 42.85306).into()),
                json!({"name": "Kant air base", "country": "KG"}),
            ),
            feature(
                "201st",
                Some(Geometry::MultiPoint(
                    vec![point!(x: 68.78, y: 38.56), point!(x: 68.86, y: 37.86)].into(),
                )),
                json!({"name": "201st base sites", "country": "TJ", "sites": 2}),
            ),
        ],
    );
    let border = Layer::new(
        "afghan_border",
        "Natural Earth",
        vec![
            feature(
                "TJ-AF",
                Some(
                    line_string![
                        (x: 67.78, y: 37.18), (x: 68.30, y: 37.10), (x: 68.89, y: 37.33),
                        (x: 69.52, y: 37.58), (x: 70.16, y: 37.93), (x: 70.97, y: 38.47),
                        (x: 71.58, y: 37.90), (x: 72.65, y: 37.02), (x: 74.89, y: 37.24),
                    ]
                    .into(),
                ),
                json!({"segment": "TJ-AF", "length_km": 1357.0}),
            ),
            feature(
                "UZ-TM-AF",
                Some(Geometry::MultiLineString(MultiLineString(vec![
                    line_string![(x: 66.52, y: 37.36), (x: 67.08, y: 37.34), (x: 67.78, y: 37.18)],
                    line_string![(x: 62.48, y: 35.25), (x: 63.10, y: 35.86), (x: 64.55, y: 36.43),
                                 (x: 65.55, y: 37.24), (x: 66.52, y: 37.36)],
                ]))),
                json!({"segment": "UZ-TM-AF"}),
            ),
        ],
    );
    let areas = Layer::new(
        "training_areas",
        "",
        vec![feature(
            "harbiy",
            Some(
                polygon!(
                    exterior: [(x: 66.9, y: 37.0), (x: 67.6, y: 37.0), (x: 67.6, y: 37.6),
                               (x: 66.9, y: 37.6), (x: 66.9, y: 37.0)],
                    interiors: [[(x: 67.1, y: 37.2), (x: 67.2, y: 37.4), (x: 67.3, y: 37.2),
                                 (x: 67.1, y: 37.2)]],
                )
                .into(),
            ),
            json!({"name": "range"}),
        )],
    );
    vec![exercises, bases, border, areas]
}

fn geometry_json(g: &Geometry<f64>) -> Value {
    let pts =
        |ls: &geo::LineString<f64>| -> Vec<[f64; 2]> { ls.0.iter().map(|c| [c.x, c.y]).collect() };
    match g {
        Geometry::Point(p) => json!({"type": "Point", "coordinates": [p.x(), p.y()]}),
        Geometry::MultiPoint(mp) => json!({"type": "MultiPoint",
            "coordinates": mp.0.iter().map(|p| [p.x(), p.y()]).collect::<Vec<_>>()}),
        Geometry::LineString(ls) => json!({"type": "LineString", "coordinates": pts(ls)}),
        Geometry::MultiLineString(m) => json!({"type": "MultiLineString",
            "coordinates": m.0.iter().map(pts).collect::<Vec<_>>()}),
        Geometry::Polygon(p) => json!({"type": "Polygon",
            "coordinates": std::iter::once(p.exterior()).chain(p.interiors()).map(pts).collect::<Vec<_>>()}),
        Geometry::MultiPolygon(m) => json!({"type": "MultiPolygon",
            "coordinates": m.0.iter().map(|p| std::iter::once(p.exterior()).chain(p.interiors())
                .map(pts).collect::<Vec<_>>()).collect::<Vec<_>>()}),
        other => panic!("fixture has no {other:?}"),
    }
}

/// Write each layer as a GeoJSON FeatureCollection named after it; return the paths.
fn write_geojson(dir: &Path, layers: &[Layer]) -> Vec<PathBuf> {
    layers
        .iter()
        .map(|l| {
            let features: Vec<Value> = l
                .features
                .iter()
                .map(|f| {
                    json!({"type": "Feature", "id": f.id,
                           "geometry": f.geometry.as_ref().map(geometry_json),
                           "properties": f.properties})
                })
                .collect();
            let path = dir.join(format!("{}.geojson", l.name));
            let fc = json!({"type": "FeatureCollection", "name": l.name, "features": features});
            std::fs::write(&path, serde_json::to_vec(&fc).unwrap()).unwrap();
            path
        })
        .collect()
}

/// Run `tests/tools/<script>` with `args` and return its standard output; fail with a clear
/// message when its Python modules are missing or it fails.
fn python_tool(script: &str, args: &[&std::ffi::OsStr]) -> String {
    let probe = Command::new("python3")
        .args(["-c", "import pmtiles, mapbox_vector_tile"])
        .output();
    match probe {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!(
            "the tile verifier's Python modules are missing ({}); run \
             `python3 -m pip install -r tests/tools/requirements-tiles.txt` (the project's \
             test script does this)",
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(e) => panic!(
            "python3 is needed to verify tiles ({e}); install it, then run \
             `python3 -m pip install -r tests/tools/requirements-tiles.txt`"
        ),
    }
    let out = Command::new("python3")
        .arg(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/tools")
                .join(script),
        )
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{script} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Run the independent verifier (`tests/tools/verify_tiles.py`).
fn verify(archive: &Path, fixtures: &[PathBuf], extra: &[&str]) -> String {
    let mut args = vec![archive.as_os_str()];
    args.extend(fixtures.iter().map(|f| f.as_os_str()));
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    python_tool("verify_tiles.py", &args)
}

#[test]
fn archive_and_xyz_pass_independent_readers() {
    let dir = tempfile::tempdir().unwrap();
    let layers = fixture();
    let opts = TileOptions {
        max_zoom: 12,
        ..TileOptions::default()
    };
    let archive = dir.path().join("drillmap.pmtiles");
    let stats = write_pmtiles(&archive, &layers, &opts).unwrap();
    assert!(stats.changed);
    assert_eq!(stats.features, 8);
    assert_eq!(stats.skipped, 1, "the unlocated exercise");
    let xyz = dir.path().join("xyz");
    let xstats = write_xyz(&xyz, &layers, &opts).unwrap();
    assert_eq!(xstats.tiles, stats.tiles);
    let fixtures = write_geojson(dir.path(), &layers);
    let out = verify(
        &archive,
        &fixtures,
        &[
            "--min-zoom",
            "0",
            "--max-zoom",
            "12",
            "--xyz",
            xyz.to_str().unwrap(),
        ],
    );
    assert!(out.contains(", 0 failures"), "{out}");
    eprintln!("{out}");
    if let Some(keep) = std::env::var_os("DRILLMAP_KEEP_TILES") {
        // Keep the outputs for a look by hand: DRILLMAP_KEEP_TILES=/some/dir cargo test ...
        let keep = PathBuf::from(keep);
        std::fs::create_dir_all(&keep).unwrap();
        for p in fixtures.iter().chain([&archive]) {
            std::fs::copy(p, keep.join(p.file_name().unwrap())).unwrap();
        }
    }
}

#[test]
fn many_tiles_spill_into_leaf_directories_that_readers_follow() {
    let dir = tempfile::tempdir().unwrap();
    // 6000 points on a jittered grid over Central Asia: thousands of tiles per zoom.
    let mut state = 42u64;
    let mut rnd = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let features: Vec<Feature> = (0..6000)
        .map(|i| {
            let lon = 50.0 + 35.0 * rnd();
            let lat = 32.0 + 20.0 * rnd();
            feature(
                &format!("p{i:05}"),
                Some(point!(x: lon, y: lat).into()),
                json!({"n": i, "kind": if i % 3 == 0 { "drill" } else { "base" }}),
            )
        })
        .collect();
    let layers = vec![Layer::new("exercises", "", features)];
    let opts = TileOptions {
        min_zoom: 11,
        max_zoom: 13,
        ..TileOptions::default()
    };
    let archive = dir.path().join("many.pmtiles");
    let stats = write_pmtiles(&archive, &layers, &opts).unwrap();
    assert!(stats.tiles > 10_000, "{stats:?}");
    let fixtures = write_geojson(dir.path(), &layers);
    let out = verify(
        &archive,
        &fixtures,
        &["--min-zoom", "11", "--max-zoom", "13", "--expect-leaves"],
    );
    assert!(out.contains(", 0 failures"), "{out}");
}

#[test]
fn same_input_gives_byte_identical_archives_whatever_the_threads() {
    let layers = fixture();
    let one = TileOptions {
        threads: Some(1),
        ..TileOptions::default()
    };
    let four = TileOptions {
        threads: Some(4),
        ..TileOptions::default()
    };
    let (a, sa) = encode_pmtiles(&layers, &one).unwrap();
    let (b, sb) = encode_pmtiles(&layers, &four).unwrap();
    let (c, _) = encode_pmtiles(&fixture(), &TileOptions::default()).unwrap();
    assert_eq!(a, b);
    assert_eq!(a, c);
    assert_eq!(sa, sb);
    assert_eq!(&a[..8], b"PMTiles\x03");
    assert_eq!(a[101], DEFAULT_MAX_ZOOM);
}

#[test]
fn rewriting_an_unchanged_archive_leaves_it_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.pmtiles");
    let layers = fixture();
    let opts = TileOptions {
        max_zoom: 6,
        ..TileOptions::default()
    };
    assert!(write_pmtiles(&path, &layers, &opts).unwrap().changed);
    let again = write_pmtiles(&path, &layers, &opts).unwrap();
    assert!(!again.changed);
    assert_eq!(again.bytes as u64, std::fs::metadata(&path).unwrap().len());
    // No temporary left beside it.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn xyz_rewrite_removes_tiles_of_the_previous_run() {
    let dir = tempfile::tempdir().unwrap();
    let opts = TileOptions {
        max_zoom: 8,
        ..TileOptions::default()
    };
    write_xyz(dir.path(), &fixture(), &opts).unwrap();
    let count = |d: &Path| {
        walk(d)
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "mvt"))
            .count()
    };
    let before = count(dir.path());
    let termez_only = vec![Layer::new(
        "exercises",
        "",
        vec![feature(
            "t",
            Some(point!(x: 67.27833, y: 37.22417).into()),
            json!({}),
        )],
    )];
    let stats = write_xyz(dir.path(), &termez_only, &opts).unwrap();
    assert_eq!(count(dir.path()), stats.tiles);
    assert!(stats.tiles < before);
    assert!(dir.path().join("6/43/24.mvt").exists(), "Termez's z6 tile");
    assert!(dir.path().join("metadata.json").exists());
}

fn walk(d: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(d).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn bad_options_and_empty_input_are_errors_not_panics() {
    let layers = fixture();
    for opts in [
        TileOptions {
            min_zoom: 5,
            max_zoom: 4,
            ..TileOptions::default()
        },
        TileOptions {
            max_zoom: 30,
            ..TileOptions::default()
        },
        TileOptions {
            extent: 0,
            ..TileOptions::default()
        },
        TileOptions {
            buffer: 5000,
            ..TileOptions::default()
        },
    ] {
        assert!(encode_pmtiles(&layers, &opts).is_err(), "{opts:?}");
    }
    let unlocated = vec![Layer::new(
        "exercises",
        "",
        vec![feature("x", None, json!({}))],
    )];
    // Nothing to tile is a data problem naming the layer.
    match encode_pmtiles(&unlocated, &TileOptions::default()) {
        Err(drillmap::Error::Data(problems)) => {
            assert_eq!(problems.len(), 1, "{problems:?}");
            let p = problems[0].to_string();
            assert!(p.starts_with("exercises: nothing to tile"), "{p}");
        }
        other => panic!("{other:?}"),
    }
    let twice = vec![layers[0].clone(), layers[0].clone()];
    assert!(encode_pmtiles(&twice, &TileOptions::default()).is_err());
}

#[test]
fn a_repeated_id_is_an_error_naming_it_whatever_the_sort_buffer() {
    // The duplicate check sorts ids apart (in memory, or spilled when the buffer is tiny):
    // the error names the later feature either way, and no run file is left.
    let dir = tempfile::tempdir().unwrap();
    let mut layer = dense_points(500);
    let mut again = layer.features[123].clone();
    again.geometry = Some(point!(x: 70.0, y: 40.0).into());
    layer.features.push(again);
    let layers = vec![layer];
    let err = encode_pmtiles(&layers, &TileOptions::default()).unwrap_err();
    assert!(err.to_string().contains("\"ev-000123\""), "{err}");
    for buffer in [1, 4096] {
        let o = TileOptions {
            sort_buffer: buffer,
            ..TileOptions::default()
        };
        let archive = dir.path().join("events.pmtiles");
        let err = write_pmtiles(&archive, &layers, &o).unwrap_err();
        assert!(err.to_string().contains("same tile id"), "{err}");
        assert!(err.to_string().contains("\"ev-000123\""), "{err}");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(names.is_empty(), "{names:?}");
    }
}

/// Session 26 probe: a feature without an id took its position as its id, and so clashed
/// with a feature whose given id is that number. Tester's report: with ids 0, 1, (none), 3
/// the run was refused, where the README says tiles numbers a feature without an id. It is
/// numbered apart from every given id: both features are tiled.
#[test]
fn a_feature_without_an_id_never_clashes_with_a_given_id() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let collection = concat!(
        "{\"type\":\"FeatureCollection\",\"features\":[\n",
        "{\"type\":\"Feature\",\"id\":0,\"geometry\":{\"type\":\"Point\",\"coordinates\":[60,35]},\"properties\":{}},\n",
        "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[60,35]},\"properties\":{}},\n",
        "{\"type\":\"Feature\",\"id\":1,\"geometry\":{\"type\":\"Point\",\"coordinates\":[61,35]},\"properties\":{}},\n",
        "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[62,35]},\"properties\":{}},\n",
        "{\"type\":\"Feature\",\"id\":\"4\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[63,35]},\"properties\":{}}\n",
        "]}\n"
    );
    std::fs::write(d.join("noid.geojson"), collection).unwrap();
    let (code, err) = tiles_in(d, &["--out", "o.pmtiles", "noid.geojson"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("5 features"), "{err}");
    let first = std::fs::read(d.join("o.pmtiles")).unwrap();
    let (code, err) = tiles_in(d, &["--out", "again.pmtiles", "noid.geojson"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(std::fs::read(d.join("again.pmtiles")).unwrap(), first);
}

#[test]
fn feature_ids_are_documented_hashes_below_2_pow_53() {
    let id = feature_id("exercises", "termez-2021");
    assert!(id > 0 && id < (1u64 << 53));
    assert_ne!(id, feature_id("bases", "termez-2021"));
}

#[test]
fn big_layers_give_the_same_bytes_on_one_and_two_threads() {
    // Zooms are cut on threads; a big layer fills every zoom.
    let features: Vec<Feature> = (0..12_000)
        .map(|i| {
            let lon = 46.0 + f64::from(i % 400) * 0.1;
            let lat = 29.0 + f64::from(i / 400) * 0.9;
            let geometry = (i % 1000 != 0).then(|| point!(x: lon, y: lat).into());
            feature(
                &format!("f{i}"),
                geometry,
                json!({"i": i, "odd": i % 2 == 1}),
            )
        })
        .collect();
    let layers = vec![Layer::new("exercises", "", features)];
    let opts = |threads| TileOptions {
        max_zoom: 5,
        threads: Some(threads),
        ..TileOptions::default()
    };
    let (one, s1) = encode_pmtiles(&layers, &opts(1)).unwrap();
    let (two, s2) = encode_pmtiles(&layers, &opts(2)).unwrap();
    assert_eq!(one, two);
    assert_eq!(s1, s2);
    assert_eq!(s1.skipped, 12);
}

/// Termez (37.22417 N, 67.27833 E), hand-computed in `mercator.rs`: tile 0/0/0 pixel
/// (2813, 1591), 6/43/24 (3935, 3526), 12/2813/1591 (1957, 360). Look for the encoded point
/// (`MoveTo(1)` and the zigzagged pixel) in the written `.mvt` files themselves.
#[test]
fn termez_is_at_the_hand_computed_pixel_in_written_tiles() {
    let dir = tempfile::tempdir().unwrap();
    let layers = vec![Layer::new(
        "exercises",
        "",
        vec![feature(
            "termez",
            Some(point!(x: 67.27833, y: 37.22417).into()),
            json!({}),
        )],
    )];
    let opts = TileOptions {
        max_zoom: 12,
        ..TileOptions::default()
    };
    write_xyz(dir.path(), &layers, &opts).unwrap();
    let varint = |mut v: u32, out: &mut Vec<u8>| {
        while v >= 0x80 {
            out.push((v & 0x7f) as u8 | 0x80);
            v >>= 7;
        }
        out.push(u8::try_from(v).unwrap());
    };
    for (path, px, py) in [
        ("0/0/0.mvt", 2813u32, 1591u32),
        ("6/43/24.mvt", 3935, 3526),
        ("12/2813/1591.mvt", 1957, 360),
    ] {
        let tile = std::fs::read(dir.path().join(path)).unwrap();
        let mut cmds = vec![9u8];
        varint(px * 2, &mut cmds); // zigzag of a positive value
        varint(py * 2, &mut cmds);
        let mut field = vec![0x22, u8::try_from(cmds.len()).unwrap()];
        field.extend_from_slice(&cmds);
        assert!(
            tile.windows(field.len()).any(|w| w == field.as_slice()),
            "{path}: no point at ({px}, {py})"
        );
    }
}

#[test]
fn build_writes_an_archive_of_the_shipped_layers_that_independent_readers_decode() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = Command::new(env!("CARGO_BIN_EXE_drillmap"))
        .args(["build", "--data"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("places"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let layers: Vec<PathBuf> = ["exercises", "bases", "afghan_border", "uncertainty"]
        .iter()
        .map(|n| out.join(format!("{n}.geojson")))
        .collect();
    let report = verify(&out.join("drillmap.pmtiles"), &layers, &[]);
    assert!(report.contains("0 failures"), "{report}");
}

/// `n` points scattered (deterministic pseudo-random) over 4 by 3 degrees around Termez,
/// with dates and a numeric column, every 97th exactly at Termez.
fn dense_points(n: usize) -> Layer {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let features = (0..n)
        .map(|i| {
            let (dx, dy) = (next(), next());
            let (lon, lat) = if i % 97 == 0 {
                (67.27833, 37.22417)
            } else {
                (65.3 + 4.0 * dx, 35.7 + 3.0 * dy)
            };
            let day = 1 + i % 28;
            feature(
                &format!("ev-{i:06}"),
                Some(point!(x: lon, y: lat).into()),
                json!({"start_date": format!("2020-{:02}-{day:02}", 1 + i % 12),
                       "end_date": format!("2021-{:02}-{day:02}", 1 + i % 12),
                       "fatalities": i % 5, "name": format!("Event {i}")}),
            )
        })
        .collect();
    Layer::new("events", "synthetic", features)
}

#[test]
fn over_budget_tiles_cluster_and_counts_add_up_for_independent_readers() {
    let dir = tempfile::tempdir().unwrap();
    let mut layers = vec![dense_points(20_000)];
    layers.extend(fixture());
    let opts = TileOptions {
        max_zoom: 11,
        max_tile_features: 1_500,
        max_tile_bytes: 24 * 1024,
        accumulate: vec!["fatalities".into()],
        ..TileOptions::default()
    };
    let archive = dir.path().join("events.pmtiles");
    let stats = write_pmtiles(&archive, &layers, &opts).unwrap();
    assert!(stats.max_tile_bytes <= 24 * 1024, "{stats:?}");
    let fixtures = write_geojson(dir.path(), &layers);
    let out = verify(
        &archive,
        &fixtures,
        &[
            "--max-zoom",
            "11",
            "--max-tile-features",
            "1500",
            "--max-tile-bytes",
            &(24 * 1024).to_string(),
            "--expect-clusters",
        ],
    );
    assert!(out.contains(", 0 failures"), "{out}");
    // The same bytes on one thread and on four.
    let one = encode_pmtiles(
        &layers,
        &TileOptions {
            threads: Some(1),
            ..opts.clone()
        },
    );
    let four = encode_pmtiles(
        &layers,
        &TileOptions {
            threads: Some(4),
            ..opts.clone()
        },
    );
    assert_eq!(one.unwrap().0, four.unwrap().0);
}

#[test]
fn a_tile_over_budget_at_the_base_zoom_is_an_error_naming_it() {
    let layers = vec![dense_points(5_000)];
    let opts = TileOptions {
        max_zoom: 3,
        max_tile_features: 100,
        ..TileOptions::default()
    };
    let err = encode_pmtiles(&layers, &opts).unwrap_err().to_string();
    assert!(err.contains("tile 3/"), "{err}");
    assert!(err.contains("base zoom"), "{err}");
    // With a higher base zoom than the budget allows below, clustering takes over.
    let ok = TileOptions {
        max_zoom: 12,
        base_zoom: Some(12),
        max_tile_features: 2_000,
        ..TileOptions::default()
    };
    encode_pmtiles(&layers, &ok).unwrap();
}

/// Probe 5 L9: with --base-zoom given, a tile over budget at the base zoom said "raise ...
/// or --max-zoom", which does not move the base zoom. The hint names the flag that does.
#[test]
fn a_tile_over_budget_at_the_base_zoom_names_the_flag_that_sets_it() {
    let layers = vec![dense_points(5_000)];
    let hint = |max_zoom, base_zoom| {
        let opts = TileOptions {
            max_zoom,
            base_zoom,
            max_tile_features: 100,
            ..TileOptions::default()
        };
        let err = encode_pmtiles(&layers, &opts).unwrap_err().to_string();
        assert!(err.contains("base zoom"), "{err}");
        err.rsplit("; ").next().unwrap_or_default().to_owned()
    };
    assert_eq!(
        hint(10, Some(3)),
        "raise --max-tile-bytes or --max-tile-features, or --base-zoom"
    );
    assert_eq!(
        hint(3, None),
        "raise --max-tile-bytes or --max-tile-features, or --max-zoom"
    );
    // Probe, session 41: a base zoom given at the last zoom cannot be raised alone.
    assert_eq!(
        hint(3, Some(3)),
        "raise --max-tile-bytes or --max-tile-features, or --max-zoom with --base-zoom"
    );
}

#[test]
fn tiles_command_writes_one_archive_from_a_csv_and_a_geojsonseq() {
    let dir = tempfile::tempdir().unwrap();
    // A CSV row's coordinates are rounded to 6 decimals as a bulk row's are: so are the
    // fixture's, to compare.
    let mut events = dense_points(6_000);
    let round6 = |v: f64| (v * 1e6).round() / 1e6;
    for f in &mut events.features {
        if let Some(Geometry::Point(p)) = &mut f.geometry {
            *p = Point::new(round6(p.x()), round6(p.y()));
        }
    }
    let mut csv = String::from("id,lat,lon,start_date,end_date,fatalities,name\n");
    for f in &events.features {
        let Some(Geometry::Point(p)) = &f.geometry else {
            unreachable!()
        };
        let q = |k: &str| f.properties[k].to_string().trim_matches('"').to_string();
        csv.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            f.id,
            p.y(),
            p.x(),
            q("start_date"),
            q("end_date"),
            q("fatalities"),
            q("name")
        ));
    }
    std::fs::write(dir.path().join("events.csv"), csv).unwrap();
    // A CSV's dates are written as `build --events` writes them: with their precision and
    // their bound (a start and an end: a period).
    for f in &mut events.features {
        f.properties.insert("date_precision".into(), json!("day"));
        f.properties.insert("date_bound".into(), json!("period"));
    }
    let bases = &fixture()[1];
    let mut seq = String::new();
    for f in &bases.features {
        let geometry = f.geometry.as_ref().map_or(Value::Null, geometry_json);
        let feat = json!({"type": "Feature", "id": f.id, "geometry": geometry, "properties": f.properties});
        seq.push_str(&format!("\u{1e}{feat}\n"));
    }
    std::fs::write(dir.path().join("bases.geojsonl"), seq).unwrap();
    let archive = dir.path().join("both.pmtiles");
    let run = Command::new(env!("CARGO_BIN_EXE_drillmap"))
        .args(["tiles", "--max-zoom", "11", "--max-tile-features", "400"])
        .args(["--accumulate", "fatalities", "--out"])
        .arg(&archive)
        .arg(dir.path().join("events.csv"))
        .arg(dir.path().join("bases.geojsonl"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(stderr.contains("tiles clustered"), "{stderr}");
    let fixtures = write_geojson(dir.path(), &[events, bases.clone()]);
    let out = verify(
        &archive,
        &fixtures,
        &[
            "--max-zoom",
            "11",
            "--max-tile-features",
            "400",
            "--expect-clusters",
        ],
    );
    assert!(out.contains(", 0 failures"), "{out}");
    // A bad row is an error naming the file and line, and nothing is written.
    std::fs::write(dir.path().join("bad.csv"), "lat,lon\n37,67\n37,east\n").unwrap();
    let bad = dir.path().join("bad.pmtiles");
    let run = Command::new(env!("CARGO_BIN_EXE_drillmap"))
        .args(["tiles", "--out"])
        .arg(&bad)
        .arg(dir.path().join("bad.csv"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("bad.csv:3") && stderr.contains("east"),
        "{stderr}"
    );
    assert!(!bad.exists());
}

/// A layer of one square polygon, `side` degrees from (`lon`, `lat`).
fn square(lon: f64, lat: f64, side: f64) -> Layer {
    let (e, n) = (lon + side, lat + side);
    Layer::new(
        "square",
        "",
        vec![feature(
            "sq",
            Some(polygon![(x: lon, y: lat), (x: e, y: lat), (x: e, y: n), (x: lon, y: n)].into()),
            json!({"name": "square"}),
        )],
    )
}

/// A closed ring of `(lon, lat)` corners.
fn ring(corners: &[(f64, f64)]) -> geo::LineString<f64> {
    let mut c: Vec<(f64, f64)> = corners.to_vec();
    c.push(corners[0]);
    c.into()
}

/// A square ring, `side` degrees from (`lon`, `lat`).
fn square_ring(lon: f64, lat: f64, side: f64) -> geo::LineString<f64> {
    ring(&[
        (lon, lat),
        (lon + side, lat),
        (lon + side, lat + side),
        (lon, lat + side),
    ])
}

/// Probe (session 24): clipping to a tile's buffered square and rounding to its grid made
/// polygons GEOS reads as invalid (MVT 2.1 §4.3.4.4): holes crossing the square's edge were
/// cut along the exterior's cut (self-intersection), small holes and the parts of a
/// MultiPolygon snapped onto each other, and a ring narrower than a unit doubled back on
/// itself (the shipped uncertainty circle of the 201st base at z2). Every polygon in every
/// tile is now valid for GEOS (shapely, in the verifier), holes and all.
#[test]
fn polygons_cut_at_tile_edges_and_rounded_to_the_grid_are_valid_for_geos() {
    use geo::{MultiPolygon, Polygon};
    let dir = tempfile::tempdir().unwrap();
    // 67.5 E and 40.979898 N are tile edges from z3 to z12: the holes straddle them.
    let (edge_lon, edge_lat) = (67.5, 40.979_898);
    let holes: Vec<geo::LineString<f64>> = (0..8)
        .map(|i| {
            let lat = 40.9 + 0.02 * f64::from(i);
            square_ring(edge_lon - 0.005, lat, 0.01)
        })
        .chain((0..8).map(|i| square_ring(67.4 + 0.02 * f64::from(i), edge_lat - 0.004, 0.008)))
        .collect();
    let holed = Polygon::new(square_ring(67.35, 40.85, 0.3), holes);
    // Two parts a hair apart (they meet once rounded), and a third far away.
    let parts = MultiPolygon(vec![
        Polygon::new(square_ring(68.0, 41.0, 0.1), vec![]),
        Polygon::new(square_ring(68.10001, 41.0, 0.1), vec![]),
        Polygon::new(
            square_ring(69.0, 41.0, 0.2),
            vec![square_ring(69.05, 41.05, 0.1)],
        ),
    ]);
    // A sliver narrower than a unit below z12, and a 64-sided circle of 5 km.
    let sliver = Polygon::new(
        ring(&[
            (66.0, 40.0),
            (66.5, 40.0),
            (66.5, 40.000_01),
            (66.2, 40.000_005),
        ]),
        vec![],
    );
    let circle = Polygon::new(
        ring(
            &(0..64)
                .map(|k| {
                    let a = f64::from(k) * std::f64::consts::TAU / 64.0;
                    (68.8 + 0.059 * a.cos(), 38.6 + 0.045 * a.sin())
                })
                .collect::<Vec<_>>(),
        ),
        vec![],
    );
    let layer = Layer::new(
        "polygons",
        "",
        vec![
            feature("holed", Some(holed.into()), json!({})),
            feature("parts", Some(parts.into()), json!({})),
            feature("sliver", Some(sliver.into()), json!({})),
            feature("circle", Some(circle.into()), json!({})),
        ],
    );
    let opts = TileOptions {
        max_zoom: 12,
        ..TileOptions::default()
    };
    let archive = dir.path().join("p.pmtiles");
    let layers = vec![layer];
    write_pmtiles(&archive, &layers, &opts).unwrap();
    let fixtures = write_geojson(dir.path(), &layers);
    let out = verify(&archive, &fixtures, &["--max-zoom", "12"]);
    assert!(out.contains(", 0 failures"), "{out}");
}

/// `drillmap tiles --max-zoom MAX_ZOOM --out ARCHIVE INPUT`, which must succeed.
fn tile_to(archive: &Path, input: &Path, max_zoom: u8) {
    let run = Command::new(env!("CARGO_BIN_EXE_drillmap"))
        .args(["tiles", "--max-zoom", &max_zoom.to_string(), "--out"])
        .arg(archive)
        .arg(input)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

/// Probe (session 30): two points 1 km apart with a budget of one feature a tile are
/// clustered in the one tile of each zoom z0-z15 that holds them; tiles holding them only
/// in their buffer, not stored, were counted too: "18 tiles (22 tiles clustered)".
#[test]
fn only_stored_tiles_are_counted_as_clustered() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("two.geojsonl");
    std::fs::write(
        &input,
        "{\"type\":\"Feature\",\"id\":1,\"geometry\":{\"type\":\"Point\",\"coordinates\":[1,1]},\"properties\":{}}\n\
         {\"type\":\"Feature\",\"id\":2,\"geometry\":{\"type\":\"Point\",\"coordinates\":[1.01,1]},\"properties\":{}}\n",
    )
    .unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_drillmap"))
        .args([
            "tiles",
            "--max-tile-features",
            "1",
            "--max-zoom",
            "16",
            "--out",
        ])
        .arg(dir.path().join("two.pmtiles"))
        .arg(&input)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(
        stderr.contains(": 18 tiles (18 distinct)") && stderr.contains("(16 tiles clustered)"),
        "{stderr}"
    );
}

/// Probe (session 30): a valid polygon with five small holes (shapely: valid), and a ring of
/// 15 vertices that crosses itself, came out with a hole written after an exterior that
/// does not hold it (z0-z2; GEOS "Hole lies outside shell"): the integer overlay (i_overlay
/// 9.1) gave a hole of the large polygon to a one-unit island beside it. Every hole now
/// follows the exterior that holds it, checked by the independent verifier at every zoom.
#[test]
fn every_hole_follows_the_exterior_that_holds_it() {
    let dir = tempfile::tempdir().unwrap();
    let holes = r#"{"type":"FeatureCollection","features":[{"type":"Feature","id":"u","geometry":{"type":"MultiPolygon","coordinates":[[[[69.528603,39.118079],[69.365607,39.22699],[69.210858,40.586165],[69.222426,40.586165],[70.0,41.0],[69.528603,39.118079]],[[69.47975,40.436487],[69.428057,40.428504],[69.465775,40.36559],[69.47975,40.436487]],[[69.410473,40.476651],[69.420517,40.486694],[69.299542,40.548578],[69.410473,40.476651]],[[69.46824,39.32146],[69.48503,39.333658],[69.485965,39.335495],[69.46824,39.32146]],[[69.551814,40.486604],[69.557138,40.476155],[69.575879,40.462539],[69.551814,40.486604]],[[69.50171,40.545173],[69.474257,40.549521],[69.467117,40.539694],[69.50171,40.545173]]]]},"properties":{}}]}"#;
    let crossing = r#"{"type":"FeatureCollection","features":[{"type":"Feature","id":"r","geometry":{"type":"Polygon","coordinates":[[[70.715,11.0],[69.479,9.676],[70.716,10.749],[70.85,10.023],[69.463,9.911],[70.129,9.72],[70.139,10.86],[70.291,9.81],[70.727,10.99],[69.344,10.876],[70.381,10.438],[69.573,9.99],[69.937,10.681],[70.11,9.803],[70.65,9.637],[70.715,11.0]]]},"properties":{}}]}"#;
    for (name, text, zoom) in [("holes", holes, "10"), ("crossing", crossing, "7")] {
        let input = dir.path().join(format!("{name}.geojson"));
        std::fs::write(&input, text).unwrap();
        let archive = dir.path().join(format!("{name}.pmtiles"));
        tile_to(&archive, &input, zoom.parse().unwrap());
        let out = verify(
            &archive,
            std::slice::from_ref(&input),
            &["--max-zoom", zoom],
        );
        assert!(out.contains(", 0 failures"), "{name}: {out}");
    }
}

/// Probe (session 26): a real coastline (`tests/fixtures/tiles/chukotka-coast.geojson`, one
/// polygon of 17,000 vertices cut from Natural Earth's 1:10m countries, public domain, whose
/// edges cross) never finished at z3: the integer overlay that repairs a tile's polygons
/// (`i_overlay` 4.5) looped for ever in its contour extraction, OGC or not. With `i_overlay`
/// 9.1 every zoom is written, every polygon valid for GEOS.
#[test]
fn a_coastline_whose_edges_cross_is_tiled_at_every_zoom_and_valid() {
    let dir = tempfile::tempdir().unwrap();
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiles/chukotka-coast.geojson");
    let archive = dir.path().join("coast.pmtiles");
    tile_to(&archive, &fixture, 5);
    let out = verify(&archive, &[fixture], &["--max-zoom", "5"]);
    assert!(out.contains(", 0 failures"), "{out}");
}

/// Probe (session 29): a polygon whose ring crosses itself (a figure eight: two triangles
/// meeting at a point, of no signed area) was in no tile that held it whole, and counted as
/// tiled. It is tiled as the union of its loops: at every zoom the area its tiles cover is
/// the input's (made valid by GEOS), read back by independent readers
/// (`tests/tools/tile_area.py`), as for the same triangles given as a MultiPolygon.
#[test]
fn a_ring_that_crosses_itself_is_tiled_as_its_loops() {
    let dir = tempfile::tempdir().unwrap();
    let eight = r#"{"type":"FeatureCollection","features":[{"type":"Feature","id":"bow","geometry":{"type":"Polygon","coordinates":[[[20,20],[22,22],[22,20],[20,22],[20,20]]]},"properties":{}}]}"#;
    let two = r#"{"type":"FeatureCollection","features":[{"type":"Feature","id":"bow","geometry":{"type":"MultiPolygon","coordinates":[[[[20,20],[21,21],[20,22],[20,20]]],[[[21,21],[22,20],[22,22],[21,21]]]]},"properties":{}}]}"#;
    for (name, text) in [("eight", eight), ("two", two)] {
        let input = dir.path().join(format!("{name}.geojson"));
        std::fs::write(&input, text).unwrap();
        let archive = dir.path().join(format!("{name}.pmtiles"));
        tile_to(&archive, &input, 6);
        let out = verify(&archive, std::slice::from_ref(&input), &["--max-zoom", "6"]);
        assert!(out.contains(", 0 failures"), "{out}");
        let lines = python_tool(
            "tile_area.py",
            &[archive.as_os_str(), name.as_ref(), input.as_os_str()],
        );
        assert_eq!(lines.lines().count(), 7, "{lines}");
        for line in lines.lines() {
            let ratio: f64 = line.split(' ').nth(1).unwrap().parse().unwrap();
            assert!((ratio - 1.0).abs() < 0.05, "{name}: {line}\n{lines}");
        }
    }
}

#[test]
fn archives_streamed_from_spilled_tiles_are_the_in_memory_bytes_and_leave_no_litter() {
    let dir = tempfile::tempdir().unwrap();
    // A square covering many whole tiles, so identical tiles are deduplicated (compared in
    // the spills), beside clustered points and the fixture.
    let square = square(60.0, 35.0, 10.0);
    let mut layers = vec![dense_points(20_000), square];
    layers.extend(fixture());
    let opts = TileOptions {
        max_zoom: 11,
        max_tile_features: 1_500,
        max_tile_bytes: 24 * 1024,
        threads: Some(2),
        ..TileOptions::default()
    };
    // What a killed run left: a spill and an archive temporary of a process that is gone.
    let dead = u32::MAX;
    let litter = [
        dir.path()
            .join(format!(".events.pmtiles.z3.drillmap-{dead}.tmp")),
        dir.path()
            .join(format!(".events.pmtiles.drillmap-{dead}.tmp")),
        dir.path()
            .join(format!(".events.pmtiles.run4.drillmap-{dead}.tmp")),
        dir.path()
            .join(format!(".events.pmtiles.sorted9.drillmap-{dead}.tmp")),
    ];
    for l in &litter {
        std::fs::write(l, b"half a tile").unwrap();
    }
    let archive = dir.path().join("events.pmtiles");
    let stats = write_pmtiles(&archive, &layers, &opts).unwrap();
    let (memory, mstats) = encode_pmtiles(&layers, &opts).unwrap();
    assert_eq!(std::fs::read(&archive).unwrap(), memory);
    assert_eq!(stats.bytes, memory.len());
    assert_eq!(
        (stats.tiles, stats.contents),
        (mstats.tiles, mstats.contents)
    );
    assert!(stats.contents < stats.tiles, "{stats:?}");
    assert!(stats.clustered_tiles > 0, "{stats:?}");
    // The killed run's temporaries are swept, and this run's spills are gone.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["events.pmtiles"]);
}

#[test]
fn archives_are_the_same_bytes_whatever_the_sort_buffer_and_threads() {
    // Prepared features go through an external sort: a tiny buffer spills one run per
    // feature (and merges them in several passes); the archive must not change, nor depend
    // on the thread count, and no run file may be left.
    let dir = tempfile::tempdir().unwrap();
    let square = square(64.0, 35.0, 4.0);
    let mut layers = vec![dense_points(3_000), square];
    layers.extend(fixture());
    let opts = TileOptions {
        max_zoom: 9,
        max_tile_features: 400,
        max_tile_bytes: 16 * 1024,
        threads: Some(1),
        ..TileOptions::default()
    };
    let (memory, _) = encode_pmtiles(&layers, &opts).unwrap();
    for (buffer, threads) in [(1, 2), (4096, 1), (1 << 20, 2)] {
        let archive = dir.path().join(format!("b{buffer}.pmtiles"));
        let o = TileOptions {
            sort_buffer: buffer,
            threads: Some(threads),
            ..opts.clone()
        };
        let stats = write_pmtiles(&archive, &layers, &o).unwrap();
        assert!(stats.clustered_tiles > 0, "{stats:?}");
        assert_eq!(std::fs::read(&archive).unwrap(), memory, "buffer {buffer}");
    }
    // Runs spill before the archive's folder would otherwise be made.
    let nested = dir.path().join("new/sub/x.pmtiles");
    let o = TileOptions {
        sort_buffer: 1,
        ..opts.clone()
    };
    write_pmtiles(&nested, &layers, &o).unwrap();
    assert_eq!(std::fs::read(&nested).unwrap(), memory);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

/// Run `drillmap tiles` with `args` in `dir`: its exit code and stderr.
fn tiles_in(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let run = Command::new(env!("CARGO_BIN_EXE_drillmap"))
        .current_dir(dir)
        .arg("tiles")
        .args(args)
        .output()
        .unwrap();
    (
        run.status.code(),
        String::from_utf8_lossy(&run.stderr).into_owned(),
    )
}

#[test]
fn tiles_exit_codes_tell_data_problems_from_usage() {
    // Probe finding 15: --xyz at a file is refused before the archive is written (2); a
    // repeated id and nothing to tile are data problems (1) naming the file (and line).
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("ok.csv"), "id,lat,lon\na,37,67\nb,38,68\n").unwrap();
    std::fs::write(d.join("afile"), "").unwrap();
    let (code, err) = tiles_in(d, &["--out", "o.pmtiles", "--xyz", "afile", "ok.csv"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--xyz afile: a file, not a folder"), "{err}");
    assert!(!d.join("o.pmtiles").exists());
    std::fs::write(
        d.join("twice.csv"),
        "id,lat,lon\na,37,67\nb,38,68\na,39,69\n",
    )
    .unwrap();
    let (code, err) = tiles_in(d, &["--out", "o.pmtiles", "twice.csv"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("twice.csv:4: layer \"twice\": feature \"a\" would have the same tile id"),
        "{err}"
    );
    // Probe 9, K2: a repeated id is no file that "does not parse".
    assert!(
        !err.contains("does not parse") && err.contains("nothing was written"),
        "{err}"
    );
    // The folders made for the archive go with the failed run (the archive fails before
    // the XYZ folder is staged: an interrupted run's are tested in tests/tiles_xyz.rs).
    let (code, err) = tiles_in(d, &["--out", "new/dir/o.pmtiles", "twice.csv"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(!d.join("new").exists(), "{err}");
    std::fs::create_dir(d.join("kept")).unwrap();
    let (code, err) = tiles_in(d, &["--out", "kept/dir/o.pmtiles", "twice.csv"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        d.join("kept").is_dir() && !d.join("kept/dir").exists(),
        "{err}"
    );
    let seq = "{\"type\":\"Feature\",\"id\":\"x\",\"geometry\":null,\"properties\":{}}\n";
    std::fs::write(d.join("none.geojsonl"), seq).unwrap();
    let (code, err) = tiles_in(d, &["--out", "o.pmtiles", "none.geojsonl"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("none.geojsonl: nothing to tile"), "{err}");
    assert!(!d.join("o.pmtiles").exists());
}

/// A `--columns` mapping was dropped unsaid for GeoJSON input and for the --data layers:
/// GeoJSON ids are read from the column `build --events` reads (`id=NAME`, else `id`,
/// `event_id_cnty` or `event_id`), and a mapping nothing reads is a usage error.
#[test]
fn tiles_reads_geojson_ids_as_build_does_and_refuses_columns_nothing_reads() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let point = |props: &str| {
        format!(
            "{{\"type\":\"Feature\",\"geometry\":{{\"type\":\"Point\",\
             \"coordinates\":[67.3,37.2]}},\"properties\":{{{props}}}}}\n"
        )
    };
    std::fs::write(d.join("e.geojsonl"), point("\"note\":\"a\"")).unwrap();
    let (code, err) = tiles_in(
        d,
        &["--out", "o.pmtiles", "--columns", "place=zzz", "e.geojsonl"],
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("--columns place=zzz: only a CSV FILE has columns"),
        "{err}"
    );
    assert!(!d.join("o.pmtiles").exists());
    let (code, err) = tiles_in(d, &["--out", "o.pmtiles", "--columns", "id=x"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--columns id=x: no FILE is given"), "{err}");
    assert!(!d.join("o.pmtiles").exists());
    // The named id property is missing on line 2: a data problem naming file and line.
    let two = point("\"note\":\"a\"") + &point("\"other\":1");
    std::fs::write(d.join("n.geojsonl"), two).unwrap();
    let (code, err) = tiles_in(
        d,
        &["--out", "o.pmtiles", "--columns", "id=note", "n.geojsonl"],
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("n.geojsonl:2:"), "{err}");
    assert!(
        err.contains("the feature has no property \"note\""),
        "{err}"
    );
    assert!(!d.join("o.pmtiles").exists());
    // An ACLED export's id column is read with no mapping; two rows with one id clash.
    let acled = point("\"EVENT_ID_CNTY\":\"TJK1\"") + &point("\"EVENT_ID_CNTY\":\"TJK1\"");
    std::fs::write(d.join("a.geojsonl"), acled).unwrap();
    let (code, err) = tiles_in(d, &["--out", "o.pmtiles", "a.geojsonl"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("a.geojsonl:2:"), "{err}");
    assert!(
        err.contains("feature \"TJK1\" would have the same tile id"),
        "{err}"
    );
    let acled = point("\"EVENT_ID_CNTY\":\"TJK1\"") + &point("\"EVENT_ID_CNTY\":\"TJK2\"");
    std::fs::write(d.join("a.geojsonl"), acled).unwrap();
    let (code, err) = tiles_in(d, &["--out", "o.pmtiles", "a.geojsonl"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(d.join("o.pmtiles").exists());
}

/// Probe 5 L7: two inputs whose layers have one name were refused without saying which
/// files, nor where the name comes from (the collection's `name` member, so renaming the
/// file did not help).
#[test]
fn two_layers_with_one_name_are_refused_naming_both_files_and_the_name_member() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (sub, file) in [("a", "events.geojson"), ("b", "renamed.geojson")] {
        std::fs::create_dir(d.join(sub)).unwrap();
        std::fs::write(
            d.join(sub).join(file),
            format!(
                "{{\"type\":\"FeatureCollection\",\"name\":\"events\",\"features\":[\
                 {{\"type\":\"Feature\",\"id\":\"{sub}\",\"geometry\":{{\"type\":\"Point\",\
                 \"coordinates\":[67.3,37.2]}},\"properties\":{{}}}}]}}"
            ),
        )
        .unwrap();
    }
    let (code, err) = tiles_in(
        d,
        &[
            "--out",
            "x.pmtiles",
            "a/events.geojson",
            "b/renamed.geojson",
        ],
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("a/events.geojson and b/renamed.geojson: two layers are named \"events\""),
        "{err}"
    );
    assert!(err.contains("`name` member"), "{err}");
    assert!(!d.join("x.pmtiles").exists());
}

#[test]
fn a_csv_cut_inside_a_quoted_field_is_refused_by_tiles_too() {
    // Read as `build --events` reads it: the unclosed quote is an error on its line (1).
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("cut.csv"),
        "id,lat,lon,name\na,37,67,x\nb,38,68,\"cut\nshort",
    )
    .unwrap();
    let (code, err) = tiles_in(d, &["--out", "o.pmtiles", "cut.csv"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("cut.csv:3:") && err.contains("never closed"),
        "{err}"
    );
    assert!(!d.join("o.pmtiles").exists());
}

/// Probe, session 45: an empty MultiPoint (RFC 7946 §3.1) and a GeometryCollection were
/// refused, and the file with them. Empty, a geometry is unlocated as `null` is; a
/// collection of points is tiled as one MultiPoint.
#[test]
fn empty_geometries_are_unlocated_and_a_collection_of_one_type_is_tiled() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("g.geojson"),
        concat!(
            "{\"type\":\"FeatureCollection\",\"features\":[\n",
            r#"{"type":"Feature","properties":{"n":1},"geometry":{"type":"Point","coordinates":[67,37]}},"#,
            "\n",
            r#"{"type":"Feature","properties":{"n":2},"geometry":{"type":"MultiPoint","coordinates":[]}},"#,
            "\n",
            r#"{"type":"Feature","properties":{"n":3},"geometry":{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[68,38]},{"type":"MultiPoint","coordinates":[[69,39]]}]}}"#,
            "\n]}\n"
        ),
    )
    .unwrap();
    let (code, err) = tiles_in(d, &["--out", "o.pmtiles", "g.geojson"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("2 features (1 unlocated, not tiled)"), "{err}");
}

#[test]
fn geometries_tiles_would_drop_or_clamp_are_errors_naming_file_line_and_value() {
    // Probe finding (session 9): `[200,95]` was clamped and tiled, a 2-position ring and a
    // 1-position LineString dropped unsaid, and the summary said they were unlocated.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let feature =
        |n: u8, g: &str| format!(r#"{{"type":"Feature","properties":{{"n":{n}}},"geometry":{g}}}"#);
    let good = feature(1, r#"{"type":"Point","coordinates":[67,37]}"#);
    for (bad, wanted) in [
        (
            r#"{"type":"Point","coordinates":[200,95]}"#,
            "position [200,95]: lat out of range (-90..90)",
        ),
        (
            r#"{"type":"Point","coordinates":[200,45]}"#,
            "position [200,45]: lon out of range (-180..180)",
        ),
        (
            r#"{"type":"Polygon","coordinates":[[[67,37],[68,38]]]}"#,
            "a polygon ring [[67,37],[68,38]] has 2 position(s), fewer than 4",
        ),
        (
            r#"{"type":"LineString","coordinates":[[67,37]]}"#,
            "a LineString [[67,37]] has 1 position(s), fewer than 2",
        ),
        (
            r#"{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2]},{"type":"Polygon","coordinates":[[[67,37],[68,38]]]}]}"#,
            "a polygon ring [[67,37],[68,38]] has 2 position(s), fewer than 4",
        ),
    ] {
        let collection = format!(
            "{{\"type\":\"FeatureCollection\",\"features\":[\n{good},\n{}\n]}}\n",
            feature(2, bad)
        );
        std::fs::write(d.join("bad.geojson"), collection).unwrap();
        let (code, err) = tiles_in(d, &["--out", "o.pmtiles", "bad.geojson"]);
        assert_eq!(code, Some(1), "{err}");
        assert!(
            err.contains(&format!("bad.geojson:3: feature 2: {wanted}")),
            "{err}"
        );
        std::fs::write(
            d.join("bad.geojsonl"),
            format!("{good}\n{}\n", feature(2, bad)),
        )
        .unwrap();
        let (code, err) = tiles_in(d, &["--out", "o.pmtiles", "bad.geojsonl"]);
        assert_eq!(code, Some(1), "{err}");
        assert!(err.contains(&format!("bad.geojsonl:2: {wanted}")), "{err}");
        assert!(!d.join("o.pmtiles").exists());
    }
    // What is tiled is counted as tiled; only a null geometry is unlocated.
    let null = feature(2, "null");
    std::fs::write(d.join("ok.geojsonl"), format!("{good}\n{null}\n")).unwrap();
    let (code, err) = tiles_in(d, &["--out", "o.pmtiles", "ok.geojsonl"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains(" 1 feature (1 unlocated, not tiled)"), "{err}");
}

/// Probe 7 L7: a value quoted in a message is cut to 200 characters, with its length
/// (README "Inputs"): a 1e300 coordinate was spelt out in 301 digits, in a Point, a
/// LineString or a polygon's hole alike, as was an altitude.
#[test]
fn a_huge_coordinate_is_quoted_cut_to_200_characters() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let hole = "[[[0,0],[9,0],[9,9],[0,9],[0,0]],[[1,1],[2,1],[2,1e300],[1,1]]]";
    for geometry in [
        r#"{"type":"Point","coordinates":[1e300,0]}"#.to_owned(),
        r#"{"type":"LineString","coordinates":[[0,0],[1,1e300]]}"#.to_owned(),
        format!(r#"{{"type":"MultiPolygon","coordinates":[{hole}]}}"#),
        r#"{"type":"Point","coordinates":[0,0,1e300,4]}"#.to_owned(),
        r#"{"type":"LineString","coordinates":[[0,0,1e300]]}"#.to_owned(),
    ] {
        std::fs::write(
            d.join("t.geojsons"),
            format!(r#"{{"type":"Feature","id":"x","geometry":{geometry},"properties":{{}}}}"#)
                + "\n",
        )
        .unwrap();
        let (code, err) = tiles_in(d, &["--out", "t.pmtiles", "t.geojsons"]);
        assert_eq!(code, Some(1), "{err}");
        let first = err.lines().next().unwrap_or_default();
        assert!(first.contains("t.geojsons:1: "), "{first}");
        // What the run did not do follows on the same line (probe 9 K2).
        let message = first.trim_end_matches("; nothing was written");
        assert!(
            // The value cut to 200 characters, then what a position is (session 42).
            message.chars().count() < 340 && message.contains("… (") && message.contains(" bytes)"),
            "{geometry}: {first}"
        );
    }
}

/// Probe (session 41): without FILE, `--accumulate` was not checked at all: a misspelt
/// name, or a text property, gave clusters with no sums and no word. The layers built from
/// `--data` are checked as a FILE is; an empty name is refused by every command.
#[test]
fn an_accumulated_property_of_the_built_layers_is_checked_too() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let places = Path::new(env!("CARGO_MANIFEST_DIR")).join("places");
    let places = places.to_str().unwrap();
    let run = |name: &str| {
        tiles_in(
            d,
            &["--data", places, "--out", "o.pmtiles", "--accumulate", name],
        )
    };
    let (code, err) = run("no_such_property");
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("--accumulate no_such_property: no feature of the layers built from")
            && err.contains("has a property \"no_such_property\""),
        "{err}"
    );
    let (code, err) = run("kind");
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("--accumulate kind:") && err.contains("not a number"),
        "{err}"
    );
    assert!(!d.join("o.pmtiles").exists());
    let (code, err) = run("troops");
    assert_eq!(code, Some(0), "{err}");
    for empty in ["", "troops,,equipment"] {
        let (code, err) = run(empty);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains("an empty name names no column"), "{err}");
    }
}

#[test]
fn an_accumulated_column_is_checked_as_build_events_checks_it() {
    // As `build --events` (push_numeric): absent or blank is not summed, a numeric string
    // is its number, anything else is a data problem naming file, line and value.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let point = |lat: u8, t: &str| {
        format!(
            r#"{{"type":"Feature","properties":{{{t}}},"geometry":{{"type":"Point","coordinates":[67,{lat}]}}}}"#
        )
    };
    let fine = [
        point(36, r#""t":5"#),
        point(37, ""),
        point(38, r#""t":"12""#),
        point(39, r#""t":null"#),
    ]
    .join("\n");
    std::fs::write(d.join("fine.geojsonl"), format!("{fine}\n")).unwrap();
    let (code, err) = tiles_in(
        d,
        &["--out", "o.pmtiles", "--accumulate", "t", "fine.geojsonl"],
    );
    assert_eq!(code, Some(0), "{err}");
    std::fs::write(d.join("fine.csv"), "id,lat,lon,t\na,37,67,1\nb,38,67,\n").unwrap();
    let (code, err) = tiles_in(d, &["--out", "o.pmtiles", "--accumulate", "t", "fine.csv"]);
    assert_eq!(code, Some(0), "{err}");
    for (value, shown) in [
        (r#""x""#, r#""x""#),
        ("true", r#""true""#),
        ("[1]", r#""[1]""#),
    ] {
        let t = format!(r#""t":{value}"#);
        std::fs::write(
            d.join("bad.geojsonl"),
            format!("{fine}\n{}\n", point(40, &t)),
        )
        .unwrap();
        let (code, err) = tiles_in(
            d,
            &["--out", "bad.pmtiles", "--accumulate", "t", "bad.geojsonl"],
        );
        assert_eq!(code, Some(1), "{err}");
        assert!(
            err.contains(&format!(
                "bad.geojsonl:5: {shown}: column t is numeric (--numeric/--accumulate) but this \
                 is not a finite number"
            )),
            "{err}"
        );
        let collection = format!(
            "{{\"type\":\"FeatureCollection\",\"features\":[\n{}\n]}}\n",
            point(40, &t)
        );
        std::fs::write(d.join("bad.geojson"), collection).unwrap();
        let (code, err) = tiles_in(
            d,
            &["--out", "bad.pmtiles", "--accumulate", "t", "bad.geojson"],
        );
        assert_eq!(code, Some(1), "{err}");
        assert!(
            err.contains(&format!("bad.geojson:2: feature 1: {shown}: column t")),
            "{err}"
        );
        assert!(!d.join("bad.pmtiles").exists());
    }
    std::fs::write(d.join("bad.csv"), "id,lat,lon,t\na,37,67,1\nb,38,67,zz\n").unwrap();
    let (code, err) = tiles_in(d, &["--out", "bad.pmtiles", "--accumulate", "t", "bad.csv"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("bad.csv:3: \"zz\": column t is numeric"),
        "{err}"
    );
    assert!(!d.join("bad.pmtiles").exists());
}

/// Probe 7 M1 and M2: a column accumulated twice was summed by neither (every cluster said
/// `fatalities: 0`), and a field's column (`name`, `lat`) or a key clusters write
/// (`point_count`) was accepted and gave clusters an invented `name: 0`. The repeat and the
/// clusters' own keys are usage errors (exit 2, before anything is read), a field's column
/// is refused at the header naming the file, line and field.
#[test]
fn an_accumulated_column_is_named_once_and_is_a_free_numeric_column() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("a.csv"),
        "id,lat,lon,name,fatalities,sum\na,37,67,n1,1,2\nb,38,68,n2,3,4\n",
    )
    .unwrap();
    for args in [
        &["--accumulate", "fatalities", "--accumulate", "fatalities"][..],
        &["--accumulate", "fatalities,sum,fatalities"][..],
    ] {
        let (code, err) = tiles_in(d, &[args, &["--out", "o.pmtiles", "a.csv"]].concat());
        assert_eq!(code, Some(2), "{err}");
        assert!(
            err.contains("--accumulate \"fatalities\" is given twice: name each column once"),
            "{err}"
        );
    }
    for own in ["point_count", "start_date", "end_date"] {
        let (code, err) = tiles_in(d, &["--accumulate", own, "--out", "o.pmtiles", "a.csv"]);
        assert_eq!(code, Some(2), "{err}");
        assert!(
            err.contains(&format!("--accumulate \"{own}\": clusters write")),
            "{err}"
        );
    }
    for (field, column) in [("name", "name"), ("lat", "lat"), ("id", "id")] {
        let (code, err) = tiles_in(d, &["--accumulate", column, "--out", "o.pmtiles", "a.csv"]);
        assert_eq!(code, Some(2), "{err}");
        assert!(
            err.contains(&format!(
                "--accumulate {column}: a.csv:1: \"{column}\" is read as the {field} field, not \
                 a free column"
            )),
            "{err}"
        );
    }
    assert!(!d.join("o.pmtiles").exists());
    let (code, err) = tiles_in(
        d,
        &[
            "--accumulate",
            "fatalities,sum",
            "--out",
            "o.pmtiles",
            "a.csv",
        ],
    );
    assert_eq!(code, Some(0), "{err}");
}

/// The bytes of every `.mvt` file of an XYZ folder at `zoom`.
fn xyz_tiles(dir: &Path, zoom: u8) -> Vec<Vec<u8>> {
    walk(&dir.join(zoom.to_string()))
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "mvt"))
        .map(|p| std::fs::read(p).unwrap())
        .collect()
}

/// How often `needle` occurs in `hay`.
fn occurrences(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

/// Probe 7 M3: an input's own `point_count` (a CSV column, a GeoJSON property) was kept on
/// lone points, so a lone point read as a cluster of 100 and the counts no longer added up.
/// It is written `src_point_count`, as a bulk build writes a source's column named like a
/// key drillmap writes: `point_count` is only ever a cluster's.
#[test]
fn an_input_point_count_is_renamed_so_the_tiles_count_is_drillmaps() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // 60 points along a parallel: clustered at zoom 0 (one tile, over the budget of 20),
    // each on its own at zoom 3 (tiles of 45°, 15 points each).
    let mut csv = String::from("id,lat,lon,point_count\n");
    let mut seq = String::new();
    for i in 0..60 {
        let lon = f64::from(i) * 3.0 - 89.0;
        csv.push_str(&format!("p{i},37,{lon},100\n"));
        seq.push_str(&format!(
            "{{\"type\":\"Feature\",\"id\":\"q{i}\",\"geometry\":{{\"type\":\"Point\",\
             \"coordinates\":[{lon},37]}},\"properties\":{{\"Point_Count\":100}}}}\n"
        ));
    }
    std::fs::write(d.join("a.csv"), csv).unwrap();
    std::fs::write(d.join("b.geojsons"), seq).unwrap();
    let count = |tile: &[u8], key: &str| occurrences(&tile.to_ascii_lowercase(), key.as_bytes());
    for input in ["a.csv", "b.geojsons"] {
        let args = [
            "--max-zoom",
            "3",
            "--max-tile-features",
            "20",
            "--out",
            "o.pmtiles",
            "--xyz",
            "x",
            input,
        ];
        let (code, err) = tiles_in(d, &args);
        assert_eq!(code, Some(0), "{err}");
        // At the last zoom every point stands alone: only the source's renamed count.
        let last = xyz_tiles(&d.join("x"), 3);
        assert!(!last.is_empty());
        for tile in &last {
            assert_eq!(count(tile, "src_point_count"), 1, "{input}");
            assert_eq!(count(tile, "point_count"), 1, "{input}");
        }
        // At zoom 0 the points are clustered: drillmap's count beside the source's.
        let first = xyz_tiles(&d.join("x"), 0);
        assert_eq!(first.len(), 1, "{input}");
        let own = count(&first[0], "src_point_count");
        assert_eq!(count(&first[0], "point_count"), own + 1, "{input}");
    }
}

/// Probe 7 L6: a polygon or a line smaller than one tile unit at the last zoom (a 1 m
/// square, a 1.4 m line, a degenerate line) was in no tile, yet counted as written. From
/// the base zoom up it is drawn as the least shape of its kind (one unit), at its first
/// vertex; below, it may be generalised away as before.
#[test]
fn a_feature_smaller_than_a_tile_unit_is_drawn_from_the_base_zoom_up() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (name, geometry) in [
        (
            "square",
            "{\"type\":\"Polygon\",\"coordinates\":[[[68.8,38.5],[68.80001,38.5],\
             [68.80001,38.50001],[68.8,38.50001],[68.8,38.5]]]}",
        ),
        (
            "short",
            "{\"type\":\"LineString\",\"coordinates\":[[68.9,38.5],[68.90001,38.50001]]}",
        ),
        (
            "degenerate",
            "{\"type\":\"LineString\",\"coordinates\":[[0,0],[0,0]]}",
        ),
    ] {
        let file = format!("{name}.geojsons");
        std::fs::write(
            d.join(&file),
            format!("{{\"type\":\"Feature\",\"id\":\"{name}\",\"geometry\":{geometry},\"properties\":{{}}}}\n"),
        )
        .unwrap();
        let (code, err) = tiles_in(
            d,
            &["--max-zoom", "6", "--out", "o.pmtiles", "--xyz", "x", &file],
        );
        assert_eq!(code, Some(0), "{err}");
        assert!(err.contains(": 1 tile"), "{name}: {err}");
        let tiles = xyz_tiles(&d.join("x"), 6);
        assert_eq!(tiles.len(), 1, "{name}: {err}");
        // A layer named after the file, holding the feature.
        assert!(occurrences(&tiles[0], name.as_bytes()) == 1, "{name}");
    }
}

/// Probe 7 L6: a polygon ring that does not end where it starts was tiled without a word
/// (geo closes it); RFC 7946 requires closed rings, so it is an error naming file, line
/// and positions.
#[test]
fn an_unclosed_polygon_ring_is_refused_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ok = "{\"type\":\"Feature\",\"id\":\"a\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[1,2]},\"properties\":{}}";
    let open = "{\"type\":\"Feature\",\"id\":\"b\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,1]]]},\"properties\":{}}";
    std::fs::write(d.join("open.geojsons"), format!("{ok}\n{open}\n")).unwrap();
    let (code, err) = tiles_in(d, &["--out", "o.pmtiles", "open.geojsons"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains(
            "open.geojsons:2: a polygon ring is not closed: it starts at [0,0] and ends at [0,1]"
        ),
        "{err}"
    );
    assert!(!d.join("o.pmtiles").exists());
}

/// Probe 7 L9: a tile over budget below the base zoom because of its lines said "raise ...
/// or --max-zoom", which cannot help: lines are held whole at every zoom, and the points
/// were merged as far as they go. The hint says so and names what can.
#[test]
fn a_tile_over_budget_by_its_lines_is_not_told_to_raise_the_max_zoom() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut seq = String::new();
    for i in 0..50 {
        let x = 60.0 + f64::from(i) * 0.01;
        seq.push_str(&format!(
            "{{\"type\":\"Feature\",\"id\":\"l{i}\",\"geometry\":{{\"type\":\"LineString\",\
             \"coordinates\":[[{x},30],[{},30.5]]}},\"properties\":{{}}}}\n\
             {{\"type\":\"Feature\",\"id\":\"p{i}\",\"geometry\":{{\"type\":\"Point\",\
             \"coordinates\":[{x},30.2]}},\"properties\":{{}}}}\n",
            x + 0.5
        ));
    }
    std::fs::write(d.join("lines.geojsons"), seq).unwrap();
    let (code, err) = tiles_in(
        d,
        &[
            "--max-zoom",
            "8",
            "--max-tile-features",
            "10",
            "--out",
            "l.pmtiles",
            "lines.geojsons",
        ],
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("tile 0/0/0 has 100 features (budget 10)"),
        "{err}"
    );
    assert!(!err.contains("or --max-zoom"), "{err}");
    assert!(
        err.contains(
            "lines, polygons and multipoints are kept whole at every zoom and its points are merged as far \
             as they go, so neither --max-zoom nor --base-zoom can bring it within budget: \
             raise --max-tile-bytes or --max-tile-features, or start the tiles at a zoom \
             where fewer of them share a tile (--min-zoom)"
        ),
        "{err}"
    );
}

/// Review (session 15): a feature with both `point_count` (written `src_point_count`,
/// probe 7 M3) and its own `src_point_count` kept the last of the two values without a
/// word. It is refused as other bad input is (exit 1, nothing written), naming the file,
/// the feature's line (and its place in a FeatureCollection) and both properties as given,
/// in either order and any case; a CSV with both columns is refused at its header.
#[test]
fn point_count_beside_src_point_count_is_refused_naming_file_feature_and_both_keys() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let feature = |id: &str, props: &str| {
        format!(
            "{{\"type\":\"Feature\",\"id\":\"{id}\",\"geometry\":{{\"type\":\"Point\",\
             \"coordinates\":[67.3,37.2]}},\"properties\":{props}}}"
        )
    };
    let ok = feature("a", "{\"point_count\":3}");
    let seq = format!(
        "{ok}\n{}\n",
        feature("b", "{\"point_count\":3,\"src_point_count\":7}")
    );
    std::fs::write(d.join("seq.geojsons"), seq).unwrap();
    let collection = format!(
        "{{\"type\":\"FeatureCollection\",\"features\":[\n{ok},\n{},\n{}\n]}}\n",
        feature("c", "{\"name\":\"x\"}"),
        feature("d", "{\"src_Point_Count\":1,\"n\":2,\"Point_Count\":2}")
    );
    std::fs::write(d.join("fc.geojson"), collection).unwrap();
    std::fs::write(
        d.join("both.csv"),
        "id,lat,lon,point_count,src_point_count\na,37,67,3,7\n",
    )
    .unwrap();
    for (input, wanted) in [
        (
            "seq.geojsons",
            "seq.geojsons:2: properties \"point_count\" and \"src_point_count\" would both be \
             written as property \"src_point_count\" (the tiles' point_count is the clusters' \
             count, so an input's own is renamed): rename one of them",
        ),
        (
            "fc.geojson",
            // The line is where the reading stopped (the end of the feature, or the line
            // after it), as for every fault found once a feature is read.
            ": feature 3: properties \"src_Point_Count\" and \"Point_Count\" would \
             both be written as property \"src_Point_Count\"",
        ),
        (
            "both.csv",
            "both.csv:1: \"src_point_count\": columns \"point_count\" and \"src_point_count\" \
             would both be written as property \"src_point_count\"",
        ),
    ] {
        let (code, err) = tiles_in(d, &["--out", "o.pmtiles", input]);
        assert_eq!(code, Some(1), "{input}: {err}");
        assert!(err.contains(wanted), "{input}: {err}");
        assert!(err.contains(&format!("{input}:")), "{input}: {err}");
        assert!(!d.join("o.pmtiles").exists(), "{input}");
    }
    // Either alone is tiled.
    let alone = format!("{ok}\n{}\n", feature("e", "{\"src_point_count\":7}"));
    std::fs::write(d.join("alone.geojsons"), alone).unwrap();
    let (code, err) = tiles_in(d, &["--out", "o.pmtiles", "alone.geojsons"]);
    assert_eq!(code, Some(0), "{err}");
}

/// Review (session 15): a cluster one of whose members has an open end (`date_bound`
/// `on_or_after`, no `end_date`) said the latest closed `end_date` of the others, as if
/// the activity had ended then. It says its end is open as such a point does: no
/// `end_date` and `date_bound` `on_or_after`; a cluster of closed spans keeps the latest
/// end and no `date_bound`. Two stacks of 30 points, over the budget of 20 features at
/// every zoom, so each is one cluster whose members the independent verifier knows (the
/// points at its position) and checks the dates of, from GeoJSON and from a CSV.
#[test]
fn a_cluster_with_a_member_whose_end_is_open_says_its_end_is_open() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut features = Vec::new();
    let mut csv = String::from("id,lat,lon,start_date,end_date,date_bound\n");
    for (stack, (lon, lat)) in [
        ("open", (67.27833, 37.22417)),
        ("closed", (68.77905, 38.53575)),
    ] {
        for i in 0..30u32 {
            let id = format!("{stack}-{i}");
            let start = format!("2021-{:02}-01", 1 + i % 12);
            // In the open stack, one member known only to have begun: the last one.
            let end = (stack == "closed" || i < 29).then(|| format!("2021-{:02}-28", 1 + i % 12));
            let bound = if end.is_some() {
                "period"
            } else {
                "on_or_after"
            };
            features.push(feature(
                &id,
                Some(point!(x: lon, y: lat).into()),
                json!({"start_date": start, "end_date": end, "date_bound": bound}),
            ));
            csv.push_str(&format!(
                "{id},{lat},{lon},{start},{},{bound}\n",
                end.as_deref().unwrap_or("")
            ));
        }
    }
    let layers = [Layer::new("stacks", "", features)];
    let fixtures = write_geojson(d, &layers);
    std::fs::write(d.join("stacks.csv"), csv).unwrap();
    let budget = ["--max-zoom", "8", "--max-tile-features", "20"];
    for input in [fixtures[0].to_str().unwrap(), "stacks.csv"] {
        let args = [&budget[..], &["--out", "o.pmtiles", input]].concat();
        let (code, err) = tiles_in(d, &args);
        assert_eq!(code, Some(0), "{input}: {err}");
        let extra = [&budget[..], &["--expect-stacks"]].concat();
        let out = verify(&d.join("o.pmtiles"), &fixtures, &extra);
        assert!(out.contains(", 0 failures"), "{input}: {out}");
        assert!(
            out.contains(" 2 stacked clusters' dates compared"),
            "{input}: {out}"
        );
    }
}

/// The archive's header, its gzipped JSON metadata, and the metadata's `bbox`.
fn header_and_bbox(archive: &Path) -> (drillmap::write::tiles::pmtiles::Header, Value) {
    use std::io::Read;
    let bytes = std::fs::read(archive).unwrap();
    let h = drillmap::write::tiles::pmtiles::Header::parse(&bytes, bytes.len() as u64).unwrap();
    let (at, len) = (
        usize::try_from(h.metadata.0).unwrap(),
        usize::try_from(h.metadata.1).unwrap(),
    );
    let mut meta = String::new();
    flate2::read::GzDecoder::new(&bytes[at..at + len])
        .read_to_string(&mut meta)
        .unwrap();
    let meta: Value = serde_json::from_str(&meta).unwrap();
    (h, meta["bbox"].clone())
}

/// Session 16: the archive's header bounds and centre were taken apart from the GeoJSON
/// bbox rule (RFC 7946 section 5.2). One rule now: points at 179.5 and -179.5 have the
/// GeoJSON bbox `[179.5, s, -179.5, n]` and so does the metadata's `bbox`; the header keeps
/// west < east, as pmtiles.js and MapLibre read it, so across the antimeridian it says
/// -180..180, with its centre on the antimeridian, between the points. Points exactly at
/// 180 and -180 lie on neither side: both writers give `[-180, s, 180, n]`.
#[test]
fn the_archive_takes_its_box_from_the_geojson_bbox_rule() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (name, lons, want) in [
        ("fiji", [179.5, -179.5], [179.5, -17.0, -179.5, -16.0]),
        ("meridian", [180.0, -180.0], [-180.0, -17.0, 180.0, -16.0]),
        ("termez", [67.27833, 67.3], [67.27833, -17.0, 67.3, -16.0]),
    ] {
        let features = lons
            .iter()
            .zip([-17.0, -16.0])
            .enumerate()
            .map(|(i, (&x, y))| {
                feature(&format!("p{i}"), Some(point!(x: x, y: y).into()), json!({}))
            })
            .collect();
        let layer = Layer::new(name, "", features);
        let path = d.join(format!("{name}.geojson"));
        drillmap::write::geojson::write_layer(&path, &layer)
            .unwrap()
            .commit()
            .unwrap();
        let numbers = |v: &Value| -> Vec<f64> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        };
        let written: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(numbers(&written["bbox"]), want, "{name}");
        let out = format!("{name}.pmtiles");
        let (code, err) = tiles_in(d, &["--out", &out, path.to_str().unwrap()]);
        assert_eq!(code, Some(0), "{name}: {err}");
        let (h, bbox) = header_and_bbox(&d.join(&out));
        assert_eq!(numbers(&bbox), want, "{name}");
        // The header: the same box, west < east, widened by the 5e-7° an exact position
        // may lie past its rounding (to the unit of 1e-7° below or above), within ±180.
        // Degrees × 10^7 of positions within ±180 fit an i32.
        #[allow(clippy::cast_possible_truncation)]
        let e7 = |v: f64| ((v * 1e7).round() as i32).clamp(-1_800_000_000, 1_800_000_000);
        let near =
            |got: [i32; 4], want: [i32; 4]| got.iter().zip(want).all(|(g, w)| (g - w).abs() <= 1);
        let (cz, clon, clat) = h.center;
        let [w, s, e, n] = if want[0] > want[2] {
            assert_eq!(clon.abs(), e7(180.0), "{name}: {:?}", h.center);
            assert!(cz > 0, "{name}: {:?}", h.center);
            [-180.0, want[1], 180.0, want[3]]
        } else {
            want
        };
        let header = [e7(w - 5e-7), e7(s - 5e-7), e7(e + 5e-7), e7(n + 5e-7)];
        assert!(
            near(h.bounds_e7, header),
            "{name}: {:?} {header:?}",
            h.bounds_e7
        );
        assert!(
            h.bounds_e7[1] <= clat && clat <= h.bounds_e7[3],
            "{name}: {:?}",
            h.center
        );
        let out = verify(&d.join(&out), &[path], &[]);
        assert!(out.contains(", 0 failures"), "{name}: {out}");
    }
}

/// Session 16: a hand-written point with a `start_date` and neither an `end_date` nor a
/// `date_bound` did not count toward its cluster's latest end. Its end is its start day (a
/// one-day event), or the end of the month its `date_precision` says: a cluster of two
/// such points has the later end. Two stacks of two points, each its own cluster at the max
/// zoom (a budget of one feature), checked by the independent verifier.
#[test]
fn a_cluster_of_points_with_a_start_alone_ends_at_the_later_end() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut features = Vec::new();
    for (stack, (lon, lat), members) in [
        (
            "days",
            (67.27833, 37.22417),
            [
                json!({"start_date": "2021-03-05"}),
                json!({"start_date": "2021-01-10"}),
            ],
        ),
        (
            "months",
            (76.9, 43.2),
            [
                json!({"start_date": "2021-02-14"}),
                json!({"start_date": "2021-06-01", "date_precision": "month"}),
            ],
        ),
    ] {
        for (i, p) in members.into_iter().enumerate() {
            features.push(feature(
                &format!("{stack}-{i}"),
                Some(point!(x: lon, y: lat).into()),
                p,
            ));
        }
    }
    let fixtures = write_geojson(d, &[Layer::new("starts", "", features)]);
    let budget = ["--max-zoom", "6", "--max-tile-features", "1"];
    let input = fixtures[0].to_str().unwrap();
    let args = [&budget[..], &["--out", "o.pmtiles", "--xyz", "xyz", input]].concat();
    let (code, err) = tiles_in(d, &args);
    assert_eq!(code, Some(0), "{err}");
    let extra = [&budget[..], &["--expect-stacks"]].concat();
    let out = verify(&d.join("o.pmtiles"), &fixtures, &extra);
    assert!(out.contains(", 0 failures"), "{out}");
    assert!(out.contains(" 2 stacked clusters' dates compared"), "{out}");
    // The max-zoom tiles' clusters, read back: each has the later of its members' ends.
    let tiles = xyz_tiles(&d.join("xyz"), 6);
    let all: Vec<u8> = tiles.concat();
    for (end, not) in [("2021-03-05", "2021-01-10"), ("2021-06-30", "2021-02-14")] {
        assert_eq!(occurrences(&all, end.as_bytes()), 1, "{end}");
        // The earlier member's start is the cluster's start, never its end.
        assert_eq!(occurrences(&all, not.as_bytes()), 1, "{not}");
    }
}

/// Session 26 probe: a GeoJSON point's `start_date` "2019/05/01" or `end_date` "zzz" was
/// compared as text, so a cluster's earliest start was a later day ("2019/05/01" sorts after
/// "2019-06-01"). In GeoJSON and GeoJSONSeq a `start_date` or `end_date` is a date
/// (YYYY-MM-DD, YYYY-MM or YYYY) or null, anything else a data problem naming the file,
/// the line and the value, as a CSV's dates are checked.
#[test]
fn a_start_or_end_date_that_is_not_a_date_is_refused_naming_file_line_and_value() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let point = |dates: &str| {
        format!(
            r#"{{"type":"Feature","properties":{{{dates}}},"geometry":{{"type":"Point","coordinates":[67,37]}}}}"#
        )
    };
    let fine = [
        point(r#""start_date":"2019-06-01","end_date":null"#),
        point(r#""start_date":"2020-02-29","end_date":"2020-03-01""#),
        point(r#""start_date":"2021","end_date":"2021-05""#),
    ]
    .join("\n");
    std::fs::write(d.join("fine.geojsonl"), format!("{fine}\n")).unwrap();
    let (code, err) = tiles_in(d, &["--out", "o.pmtiles", "fine.geojsonl"]);
    assert_eq!(code, Some(0), "{err}");
    for (dates, shown) in [
        (
            r#""start_date":"2019/05/01""#,
            r#"start_date "2019/05/01": not a date YYYY-MM-DD"#,
        ),
        (r#""end_date":"zzz""#, r#"end_date "zzz": not a date"#),
        (r#""end_date":"2021-5""#, r#"end_date "2021-5": not a date"#),
        (
            r#""start_date":20210501"#,
            "start_date 20210501: not a date",
        ),
        (
            r#""start_date":["2021-05-01"]"#,
            r#"start_date ["2021-05-01"]: not a date"#,
        ),
        (
            r#""start_date":"2021-02-29""#,
            r#"start_date "2021-02-29": no such date on the calendar"#,
        ),
        // As `build --events` refuses the same feature.
        (
            r#""start_date":"2021-05-10","end_date":"2021-05-01""#,
            "end_date is before start_date",
        ),
    ] {
        std::fs::write(
            d.join("bad.geojsonl"),
            format!("{fine}\n{}\n", point(dates)),
        )
        .unwrap();
        let (code, err) = tiles_in(d, &["--out", "bad.pmtiles", "bad.geojsonl"]);
        assert_eq!(code, Some(1), "{err}");
        assert!(err.contains(&format!("bad.geojsonl:4: {shown}")), "{err}");
        let collection = format!(
            "{{\"type\":\"FeatureCollection\",\"features\":[\n{}\n]}}\n",
            point(dates)
        );
        std::fs::write(d.join("bad.geojson"), collection).unwrap();
        let (code, err) = tiles_in(d, &["--out", "bad.pmtiles", "bad.geojson"]);
        assert_eq!(code, Some(1), "{err}");
        assert!(
            err.contains(&format!("bad.geojson:2: feature 1: {shown}")),
            "{err}"
        );
        assert!(!d.join("bad.pmtiles").exists());
    }
}

/// `drillmap tiles --threads N` on `inputs`: the archive's bytes, or the exit code and the
/// error printed.
fn tiles_on_threads(dir: &Path, threads: u8, inputs: &[PathBuf]) -> Result<Vec<u8>, String> {
    let out = dir.join(format!("t{threads}.pmtiles"));
    let _ = std::fs::remove_file(&out);
    let run = Command::new(env!("CARGO_BIN_EXE_drillmap"))
        .args([
            "tiles",
            "--max-zoom",
            "6",
            "--threads",
            &threads.to_string(),
        ])
        .arg("--out")
        .arg(&out)
        .args(inputs)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    if run.status.success() {
        Ok(std::fs::read(&out).unwrap())
    } else {
        assert!(!out.exists(), "{stderr}");
        Err(format!("{:?} {stderr}", run.status.code()))
    }
}

/// The features are parsed on worker threads and pushed in file order: a FeatureCollection
/// (its name after its features), a GeoJSONSeq and a CSV of several batches give the same
/// archive on 1, 2 and 3 threads, and the first bad feature in file order is the error,
/// with the same message, however the threads are scheduled.
#[test]
fn features_parsed_on_threads_give_the_same_archive_and_the_same_first_error() {
    let dir = tempfile::tempdir().unwrap();
    let n = 12_000;
    let feature = |i: usize| {
        let (x, y) = (
            60.0 + (i % 397) as f64 * 0.05,
            30.0 + (i % 211) as f64 * 0.07,
        );
        json!({"type": "Feature", "id": format!("p{i}"),
               "geometry": {"type": "Point", "coordinates": [x, y]},
               "properties": {"name": format!("n{}", i % 1000), "year": 1990 + i % 30,
                              "score": (i % 17) as f64 / 4.0, "pad": "x".repeat(i % 300)}})
        .to_string()
    };
    let collection = |features: &[String]| {
        format!(
            "{{\"type\":\"FeatureCollection\",\"features\":[\n{}\n],\"name\":\"late\"}}",
            features.join(",\n")
        )
    };
    let features: Vec<String> = (0..n).map(feature).collect();
    let fc = dir.path().join("points.geojson");
    let seq = dir.path().join("points.geojsonl");
    let csv = dir.path().join("rows.csv");
    std::fs::write(&fc, collection(&features)).unwrap();
    std::fs::write(&seq, features.join("\n")).unwrap();
    let mut rows = String::from("id,lat,lon,name,score\n");
    for i in 0..n {
        rows.push_str(&format!(
            "c{i},{},{},n{},{}\n",
            30.0 + (i % 211) as f64 * 0.07,
            60.0 + (i % 397) as f64 * 0.05,
            i % 100,
            (i % 9) as f64 / 2.0
        ));
    }
    std::fs::write(&csv, rows).unwrap();
    for inputs in [
        vec![fc.clone()],
        vec![seq.clone()],
        vec![csv.clone()],
        vec![fc, seq, csv],
    ] {
        let one = tiles_on_threads(dir.path(), 1, &inputs).unwrap();
        for threads in [2, 3] {
            let many = tiles_on_threads(dir.path(), threads, &inputs).unwrap();
            assert!(
                one == many,
                "{inputs:?}: {threads} threads give other bytes"
            );
        }
    }
    // Two bad features far apart (the second in a later batch), then text that is not JSON:
    // the first is the error on any number of threads.
    let mut bad = features.clone();
    bad[9_000] = bad[9_000].replace("\"coordinates\":[", "\"coordinates\":[500,");
    bad[10_500] = bad[10_500].replace("\"Point\"", "\"Pt\"");
    bad[11_000] = "{\"type\":".into();
    let bad_fc = dir.path().join("bad.geojson");
    let bad_seq = dir.path().join("bad.geojsonl");
    std::fs::write(&bad_fc, collection(&bad)).unwrap();
    std::fs::write(&bad_seq, bad.join("\n")).unwrap();
    for (path, wanted) in [
        (&bad_fc, "bad.geojson:9002"),
        (&bad_seq, "bad.geojsonl:9001"),
    ] {
        let one = tiles_on_threads(dir.path(), 1, std::slice::from_ref(path)).unwrap_err();
        assert!(one.contains(wanted) && one.contains("position"), "{one}");
        for threads in [2, 3] {
            assert_eq!(
                tiles_on_threads(dir.path(), threads, std::slice::from_ref(path)).unwrap_err(),
                one
            );
        }
    }
    // Only the text that is not JSON: its error, after every feature before it.
    bad[9_000].clone_from(&features[9_000]);
    bad[10_500].clone_from(&features[10_500]);
    std::fs::write(&bad_fc, collection(&bad)).unwrap();
    std::fs::write(&bad_seq, bad.join("\n")).unwrap();
    for path in [&bad_fc, &bad_seq] {
        let one = tiles_on_threads(dir.path(), 1, std::slice::from_ref(path)).unwrap_err();
        assert!(one.contains("not JSON"), "{one}");
        for threads in [2, 3] {
            assert_eq!(
                tiles_on_threads(dir.path(), threads, std::slice::from_ref(path)).unwrap_err(),
                one
            );
        }
    }
}

/// Session 18: input RFC 7946 and common readers would not take as meant is refused with
/// exit 1, naming the file, the line and the value, and no archive is written: a legacy
/// `crs` naming another system than longitude/latitude WGS 84 (on the collection or a
/// feature), a second `features` member (both were read), a property given twice (the
/// last value won while the bulk reader refused it). WGS 84's names are read.
#[test]
fn input_not_meant_as_read_is_refused_naming_file_line_and_value() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let point = r#""geometry":{"type":"Point","coordinates":[67.3,37.2]}"#;
    let feature = |id: &str, more: &str| {
        format!(r#"{{"type":"Feature","id":"{id}",{more}{point},"properties":{{"n":1}}}}"#)
    };
    let named =
        |name: &str| format!(r#""crs":{{"type":"name","properties":{{"name":"{name}"}}}},"#);
    for (file, text, wanted) in [
        (
            "utm.geojson",
            format!(
                "{{\"type\":\"FeatureCollection\",\n{}\n\"features\":[{}]}}",
                named("urn:ogc:def:crs:EPSG::32642"),
                feature("a", "")
            ),
            "utm.geojson:2: \"crs\" {\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::32642\"}}: the \"crs\" names \"urn:ogc:def:crs:EPSG::32642\", not longitude/latitude WGS 84",
        ),
        (
            "utm.geojsonl",
            format!("{}\n{}\n", feature("a", ""), feature("b", &named("EPSG:32642"))),
            "utm.geojsonl:2: \"crs\" {",
        ),
        (
            "utm2.geojson",
            format!(
                "{{\"type\":\"FeatureCollection\",\"features\":[\n{},\n{}]}}",
                feature("a", ""),
                feature("b", &named("EPSG:32642"))
            ),
            "utm2.geojson:3: feature 2: \"crs\" {",
        ),
        (
            "two.geojson",
            format!(
                "{{\"type\":\"FeatureCollection\",\"features\":[{}],\n\"features\":[{}]}}",
                feature("a", ""),
                feature("b", "")
            ),
            "two.geojson:2: member \"features\" appears twice",
        ),
        (
            "twice.geojsonl",
            format!(
                "{}\n{{\"type\":\"Feature\",\"id\":\"b\",{point},\"properties\":{{\"n\":1,\"n\":2}}}}\n",
                feature("a", "")
            ),
            "twice.geojsonl:2: property \"n\" appears twice",
        ),
    ] {
        std::fs::write(d.join(file), &text).unwrap();
        let (code, err) = tiles_in(d, &["--out", "o.pmtiles", file]);
        assert_eq!(code, Some(1), "{text}\n{err}");
        assert!(err.contains(wanted), "{text}\n{err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(!d.join("o.pmtiles").exists(), "{file}");
    }
    // Longitude/latitude WGS 84 by any of its names, on the collection and the features.
    let wgs84 = format!(
        "{{\"type\":\"FeatureCollection\",{}\"features\":[{},{}]}}",
        named("urn:ogc:def:crs:OGC:1.3:CRS84"),
        feature("a", &named("urn:ogc:def:crs:EPSG::4326")),
        feature("b", &named("EPSG:4326"))
    );
    std::fs::write(d.join("wgs84.geojson"), wgs84).unwrap();
    let (code, err) = tiles_in(d, &["--out", "o.pmtiles", "wgs84.geojson"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(d.join("o.pmtiles").exists());
}

/// Session 18: a property named "" is tiled under the key "": MVT 2.1 sets no rule on a
/// key's text, tippecanoe reads such keys (1.26.0 fixed an error on them) and map
/// libraries look them up like any other. The independent readers decode it as given and
/// find it in `vector_layers`.
#[test]
fn a_property_named_empty_is_tiled_under_the_empty_key() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fixture = d.join("blank.geojson");
    std::fs::write(
        &fixture,
        r#"{"type":"FeatureCollection","name":"blank","features":[
{"type":"Feature","id":"a","geometry":{"type":"Point","coordinates":[67.3,37.2]},"properties":{"":"empty key","n":1}},
{"type":"Feature","id":"b","geometry":{"type":"Point","coordinates":[68.8,38.5]},"properties":{"":2}}]}"#,
    )
    .unwrap();
    let (code, err) = tiles_in(d, &["--out", "o.pmtiles", "blank.geojson"]);
    assert_eq!(code, Some(0), "{err}");
    let out = verify(&d.join("o.pmtiles"), &[fixture], &[]);
    assert!(out.contains(", 0 failures"), "{out}");
}

/// Tester's report: a FeatureCollection's `name` member, empty or holding a control
/// character, became the layer's name (`vector_layers` id `""`). It is refused naming the
/// file and the value; without the member the layer is named after the file.
#[test]
fn an_empty_or_control_character_collection_name_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let point = "{\"type\":\"Feature\",\"id\":1,\"geometry\":{\"type\":\"Point\",\"coordinates\":[60,35]},\"properties\":{}}";
    for (file, name) in [
        ("empty", "\"\""),
        ("blank", "\"  \""),
        ("control", "\"ev\\u0007\""),
    ] {
        std::fs::write(
            d.join(format!("{file}.geojson")),
            format!(
                "{{\"type\":\"FeatureCollection\",\"name\":{name},\n\"features\":[{point}]}}\n"
            ),
        )
        .unwrap();
        let (code, err) = tiles_in(d, &["--out", "o.pmtiles", &format!("{file}.geojson")]);
        assert_eq!(code, Some(1), "{err}");
        assert!(err.contains(&format!("{file}.geojson:1:")), "{err}");
        assert!(err.contains("the collection's \"name\""), "{err}");
        assert!(!d.join("o.pmtiles").exists());
    }
    std::fs::write(
        d.join("plain.geojson"),
        format!(
            "{{\"type\":\"FeatureCollection\",\"name\":\"événements\",\"features\":[{point}]}}\n"
        ),
    )
    .unwrap();
    let (code, err) = tiles_in(d, &["--out", "o.pmtiles", "plain.geojson"]);
    assert_eq!(code, Some(0), "{err}");
}

/// Tester's report: a feature with `POINT_COUNT` beside `src_point_count` was tiled with
/// both (`src_POINT_COUNT` and `src_point_count`), where `build --events` refuses them and
/// the README says an input's own `point_count`, in any case, beside `src_point_count` is
/// refused. Two keys one in any case are refused, in either order, naming both.
#[test]
fn point_count_in_another_case_beside_src_point_count_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let feature = |id: &str, props: &str| {
        format!(
            "{{\"type\":\"Feature\",\"id\":\"{id}\",\"geometry\":{{\"type\":\"Point\",\
             \"coordinates\":[67.3,37.2]}},\"properties\":{props}}}"
        )
    };
    for (i, props) in [
        "{\"POINT_COUNT\":3,\"src_point_count\":7}",
        "{\"src_point_count\":7,\"n\":1,\"POINT_COUNT\":3}",
        "{\"point_count\":3,\"SRC_POINT_COUNT\":7}",
    ]
    .into_iter()
    .enumerate()
    {
        let name = format!("case{i}.geojsons");
        std::fs::write(d.join(&name), format!("{}\n", feature("a", props))).unwrap();
        let (code, err) = tiles_in(d, &["--out", "o.pmtiles", &name]);
        assert_eq!(code, Some(1), "{props}: {err}");
        assert!(err.contains(&format!("{name}:1: properties")), "{err}");
        assert!(err.contains("in any case"), "{err}");
        assert!(!d.join("o.pmtiles").exists(), "{props}");
    }
}

/// Tester's report: `--accumulate latitude` (a field's column) exited 1, where the README
/// says such a column is refused with exit 2, as `--accumulate point_count` is. Refused
/// before any file is read, naming the file and the field, for CSV and GeoJSON alike.
#[test]
fn accumulating_a_fields_column_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("ev.csv"), "id,latitude,longitude,n\na,37,67,1\n").unwrap();
    std::fs::write(
        d.join("ev.geojsons"),
        "{\"type\":\"Feature\",\"id\":\"a\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[67,37]},\"properties\":{\"title\":\"x\",\"n\":1}}\n",
    )
    .unwrap();
    // A CSV's column is checked at its header (line 1), against the column read.
    std::fs::write(d.join("up.csv"), "id,LAT,LON,n\na,37,67,1\n").unwrap();
    for (input, column, field) in [
        ("ev.csv:1", "latitude", "lat"),
        ("up.csv:1", "LAT", "lat"),
        ("ev.geojsons", "event_id", "id"),
    ] {
        let file = input.trim_end_matches(":1");
        let (code, err) = tiles_in(d, &["--out", "o.pmtiles", "--accumulate", column, file]);
        assert_eq!(code, Some(2), "{column}: {err}");
        assert!(
            err.contains(&format!(
                "--accumulate {column}: {input}: \"{column}\" is read as the {field} field"
            )),
            "{err}"
        );
        assert!(!d.join("o.pmtiles").exists());
    }
    // A column mapped to a field is read as it too; a free column is summed.
    let (code, err) = tiles_in(
        d,
        &[
            "--out",
            "o.pmtiles",
            "--columns",
            "name=n",
            "--accumulate",
            "n",
            "ev.csv",
        ],
    );
    assert_eq!(code, Some(2), "{err}");
    let (code, err) = tiles_in(d, &["--out", "o.pmtiles", "--accumulate", "n", "ev.csv"]);
    assert_eq!(code, Some(0), "{err}");
}

/// Tester's report: two features of 1e308 in one cluster summed to Infinity in the MVT
/// (each value is checked finite, the sum was not). A sum beyond the largest double is
/// refused naming the layer, the column and the tile; nothing is written.
#[test]
fn an_accumulated_sum_beyond_the_largest_number_is_refused_naming_the_column() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("big.csv"),
        "id,lat,lon,n\na,37,67,1e308\nb,37,67,1e308\n",
    )
    .unwrap();
    let args = [
        "--out",
        "o.pmtiles",
        "--max-tile-features",
        "1",
        "--accumulate",
        "n",
    ];
    let (code, err) = tiles_in(d, &[&args[..], &["big.csv"]].concat());
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("layer \"big\": tile "), "{err}");
    assert!(
        err.contains("the --accumulate n sum of 2 points is beyond the largest number"),
        "{err}"
    );
    assert!(!d.join("o.pmtiles").exists());
    // Large values whose sum is finite are summed.
    std::fs::write(
        d.join("big.csv"),
        "id,lat,lon,n\na,37,67,1e307\nb,37,67,1e307\n",
    )
    .unwrap();
    let (code, err) = tiles_in(d, &[&args[..], &["big.csv"]].concat());
    assert_eq!(code, Some(0), "{err}");
}

/// `--accumulate location` (or `title`) on a GeoJSON input was refused as "read as the
/// place field", though `drillmap tiles` tiles a feature's properties under their own names
/// (only its id and dates are read as fields); and an `--accumulate` property no feature
/// has was accepted, summing nothing, where `build --events` refuses it.
#[test]
fn geojson_properties_are_accumulated_as_the_tiler_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let feature = |id: &str, props: &str| {
        format!(
            "{{\"type\":\"Feature\",\"id\":\"{id}\",\"geometry\":{{\"type\":\"Point\",\
             \"coordinates\":[67,37]}},\"properties\":{props}}}"
        )
    };
    let (a, b) = (
        feature("a", "{\"location\":1e308,\"title\":1}"),
        feature("b", "{\"location\":1e308,\"title\":2}"),
    );
    std::fs::write(d.join("ev.geojsons"), format!("{a}\n{b}\n")).unwrap();
    std::fs::write(
        d.join("ev.geojson"),
        format!("{{\"type\":\"FeatureCollection\",\"features\":[{a},{b}]}}"),
    )
    .unwrap();
    for input in ["ev.geojsons", "ev.geojson"] {
        // Summed: two 1e308 in one cluster are beyond the largest number.
        let args = ["--out", "o.pmtiles", "--max-tile-features", "1"];
        let (code, err) = tiles_in(
            d,
            &[&args[..], &["--accumulate", "location", input]].concat(),
        );
        assert_eq!(code, Some(1), "{input}: {err}");
        assert!(
            err.contains("the --accumulate location sum of 2 points is beyond the largest number"),
            "{input}: {err}"
        );
        let (code, err) = tiles_in(d, &[&args[..], &["--accumulate", "title", input]].concat());
        assert_eq!(code, Some(0), "{input}: {err}");
        std::fs::remove_file(d.join("o.pmtiles")).unwrap();
        // A property no feature has is refused, naming it; nothing is written.
        let (code, err) = tiles_in(
            d,
            &[&args[..], &["--accumulate", "title,troops", input]].concat(),
        );
        assert_eq!(code, Some(1), "{input}: {err}");
        assert!(
            err.contains(&format!(
                "{input}: --accumulate troops: no feature has a property \"troops\""
            )),
            "{input}: {err}"
        );
        assert!(!d.join("o.pmtiles").exists(), "{input}");
    }
    // Beside a layer that has it, a layer without it is tiled (nothing of it summed); one no
    // input has is refused naming them all.
    std::fs::write(
        d.join("other.geojsons"),
        format!("{}\n", feature("c", "{}")),
    )
    .unwrap();
    let two = [
        "--out",
        "o.pmtiles",
        "--accumulate",
        "title",
        "ev.geojsons",
        "other.geojsons",
    ];
    let (code, err) = tiles_in(d, &two);
    assert_eq!(code, Some(0), "{err}");
    let (code, err) = tiles_in(
        d,
        &[&two[..2], &["--accumulate", "troops"], &two[4..]].concat(),
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("ev.geojsons: --accumulate troops: no feature has a property \"troops\"")
            && err.contains("; nor has any feature of other.geojsons"),
        "{err}"
    );
    // So with CSV inputs: one input's header may lack it beside one that has it; a lone
    // CSV without it is refused at its header, and several none of which has it once read.
    std::fs::write(d.join("a.csv"), "id,lat,lon,n\na,37,67,1\n").unwrap();
    std::fs::write(d.join("b.csv"), "id,lat,lon\nb,38,68\n").unwrap();
    let args = ["--out", "o.pmtiles", "--accumulate", "n"];
    for inputs in [&["a.csv", "b.csv"][..], &["b.csv", "ev.geojsons", "a.csv"]] {
        let (code, err) = tiles_in(d, &[&args[..], inputs].concat());
        assert_eq!(code, Some(0), "{inputs:?}: {err}");
        std::fs::remove_file(d.join("o.pmtiles")).unwrap();
    }
    let (code, err) = tiles_in(d, &[&args[..], &["b.csv"]].concat());
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("b.csv:1: --accumulate n: no column \"n\" in the header"),
        "{err}"
    );
    let (code, err) = tiles_in(d, &[&args[..], &["b.csv", "other.geojsons"]].concat());
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("b.csv: --accumulate n: no feature has a property \"n\"")
            && err.contains("; nor has any feature of other.geojsons"),
        "{err}"
    );
    assert!(!d.join("o.pmtiles").exists());
}

/// `--accumulate latitude` was refused as "read as the lat field" on a CSV whose `lat`
/// column is the one read, and on GeoJSONSeq, whose position is its geometry. A CSV's
/// column is checked against the columns its header gives each field, at the header.
#[test]
fn a_latitude_column_beside_the_lat_read_is_free_to_accumulate() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("pts.csv"),
        "id,lat,lon,latitude\na,37,67,1.5\nb,38,68,2\n",
    )
    .unwrap();
    std::fs::write(
        d.join("pts.geojsons"),
        "{\"type\":\"Feature\",\"id\":\"a\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[67,37]},\"properties\":{\"latitude\":1.5}}\n",
    )
    .unwrap();
    for input in ["pts.csv", "pts.geojsons"] {
        let (code, err) = tiles_in(
            d,
            &["--out", "o.pmtiles", "--accumulate", "latitude", input],
        );
        assert_eq!(code, Some(0), "{input}: {err}");
        std::fs::remove_file(d.join("o.pmtiles")).unwrap();
    }
    let (code, err) = tiles_in(d, &["--out", "o.pmtiles", "--accumulate", "lat", "pts.csv"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("--accumulate lat: pts.csv:1: \"lat\" is read as the lat field"),
        "{err}"
    );
    assert!(!d.join("o.pmtiles").exists());
}
