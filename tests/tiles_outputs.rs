//! What `drillmap tiles FILE...` writes besides the tiles (probe s10 findings 4, 10, 12):
//! the archive's metadata credits every input's data once and describes what it holds,
//! read back with the PyPI `pmtiles` reader.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod util;

use std::fs;
use std::path::Path;

use serde_json::Value;
use util::{root, tool_output, Work};

/// The JSON metadata of `archive`, as the PyPI `pmtiles` reader reads it.
fn metadata(archive: &Path) -> Value {
    let script = "import json, sys\n\
                  from pmtiles.reader import MmapSource, Reader\n\
                  with open(sys.argv[1], 'rb') as f:\n    \
                  print(json.dumps(Reader(MmapSource(f)).metadata()))\n";
    let out = tool_output("python3", &["-c", script, archive.to_str().unwrap()]);
    serde_json::from_str(&out).unwrap()
}

const GEONAMES: &str = "Places from GeoNames (https://www.geonames.org), CC BY 4.0";
const NE: &str = "Made with Natural Earth. Free vector and raster map data @ naturalearthdata.com.";

/// A FeatureCollection as drillmap writes it: its `attribution` member before the features
/// (`first`) or after them.
fn layer(dir: &Path, name: &str, attribution: &str, first: bool) -> String {
    let features = format!(
        r#""features":[{{"type":"Feature","id":"{name}-1","geometry":{{"type":"Point","coordinates":[67.2,37.2]}},"properties":{{"name":"x"}}}}]"#
    );
    let credit = format!(
        r#""attribution":{}"#,
        serde_json::to_string(attribution).unwrap()
    );
    let members = if first {
        format!(r#""type":"FeatureCollection","name":"{name}",{credit},{features}"#)
    } else {
        format!(r#""type":"FeatureCollection",{features},"name":"{name}",{credit}"#)
    };
    let path = dir.join(format!("{name}.geojson"));
    fs::write(&path, format!("{{{members}}}")).unwrap();
    path.to_string_lossy().into_owned()
}

/// Probe s10 finding 4: `tiles FILE...` wrote `attribution: ''` for layers crediting
/// GeoNames (CC BY, which requires the credit) and Natural Earth, and described an events
/// layer as "Military exercises and bases ... and the Afghan border".
#[test]
fn tiles_of_files_credit_their_inputs_once_and_describe_their_layers() {
    let work = Work::new("small");
    let dir = work.dir.path();
    let a = layer(dir, "events", &format!("{GEONAMES}; {NE}"), true);
    let b = layer(dir, "sites", NE, false);
    let archive = dir.join("both.pmtiles");
    work.run(&[
        "tiles",
        "--out",
        archive.to_str().unwrap(),
        a.as_str(),
        b.as_str(),
    ])
    .expect_code(0);
    let meta = metadata(&archive);
    assert_eq!(meta["attribution"], format!("{GEONAMES}; {NE}"));
    assert_eq!(
        meta["description"],
        "Vector tiles of the layers events and sites (drillmap)"
    );
    // A layer drillmap built, as the README's example tiles it.
    work.build().expect_code(0);
    let one = dir.join("one.pmtiles");
    work.run(&["tiles", "--out", one.to_str().unwrap(), "out/bases.geojson"])
        .expect_code(0);
    let meta = metadata(&one);
    assert_eq!(meta["attribution"], NE);
    assert_eq!(
        meta["description"],
        "Vector tiles of the layer bases (drillmap)"
    );
    // The dataset's own archive keeps the dataset's description.
    let meta = metadata(&work.out().join("drillmap.pmtiles"));
    assert!(
        meta["description"]
            .as_str()
            .unwrap()
            .starts_with("Military exercises and bases"),
        "{meta}"
    );
}

/// Probe (session 31): `tiles` of drillmap's own GeoJSONSeq layer (`build --events --seq`)
/// wrote `attribution: ""`, the GeoNames credit its GeoJSON twin carries lost without a
/// word. A file that credits nothing is named in a note, its archive has no empty
/// `attribution` member, and `--attribution` credits it (after a layer's own credits).
#[test]
fn tiles_of_a_file_that_credits_nothing_say_so_and_take_attribution() {
    let work = Work::new("small");
    let dir = work.dir.path();
    let seq = dir.join("events.geojsons");
    fs::write(
        &seq,
        "\u{1e}{\"type\":\"Feature\",\"id\":\"a\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[67.2,37.2]},\"properties\":{\"name\":\"x\"}}\n",
    )
    .unwrap();
    let seq = seq.to_str().unwrap();
    let archive = dir.join("seq.pmtiles");
    let archive = archive.to_str().unwrap();
    work.run(&["tiles", "--out", archive, seq])
        .expect_code(0)
        .expect_stderr_line(&["note:", seq, "credited with nothing", "--attribution"]);
    let meta = metadata(Path::new(archive));
    assert!(meta.get("attribution").is_none(), "{meta}");
    let run = work.run(&["tiles", "--out", archive, "--attribution", GEONAMES, seq]);
    run.expect_code(0);
    assert!(!run.stderr().contains("note:"), "{}", run.stderr());
    assert_eq!(metadata(Path::new(archive))["attribution"], GEONAMES);
    // After a layer's own credits, each once.
    let credited = layer(dir, "sites", &format!("{GEONAMES}; {NE}"), true);
    let both = dir.join("both.pmtiles");
    let both = both.to_str().unwrap();
    let extra = "Exercise reports by the analyst";
    work.run(&[
        "tiles",
        "--out",
        both,
        "--attribution",
        GEONAMES,
        &credited,
        seq,
    ])
    .expect_code(0);
    assert_eq!(
        metadata(Path::new(both))["attribution"],
        format!("{GEONAMES}; {NE}")
    );
    work.run(&["tiles", "--out", both, "--attribution", extra, &credited])
        .expect_code(0);
    assert_eq!(
        metadata(Path::new(both))["attribution"],
        format!("{GEONAMES}; {NE}; {extra}")
    );
}

/// Probe s10 finding 12: the shipped `drillmap.pmtiles` named Natural Earth twice (the
/// layers' "GeoNames; Natural Earth" and the border's "Natural Earth" kept whole).
#[test]
fn the_shipped_archive_names_each_credit_once() {
    let meta = metadata(&root().join("output/drillmap.pmtiles"));
    let attribution = meta["attribution"].as_str().unwrap();
    assert_eq!(
        attribution.matches("Natural Earth").count(),
        1,
        "{attribution}"
    );
    assert_eq!(attribution.matches("GeoNames").count(), 1, "{attribution}");
}

/// The features of `archive` at zoom `z` (layer `layer`), as `mapbox-vector-tile` decodes
/// them: their properties.
fn properties(archive: &Path, z: u8, layer: &str) -> Vec<Value> {
    let script = "import gzip, json, sys\n\
                  import mapbox_vector_tile\n\
                  from pmtiles.reader import MmapSource, all_tiles\n\
                  out = []\n\
                  with open(sys.argv[1], 'rb') as f:\n    \
                  for (z, x, y), data in all_tiles(MmapSource(f)):\n        \
                  if z == int(sys.argv[2]):\n            \
                  t = mapbox_vector_tile.decode(gzip.decompress(data))\n            \
                  out += [ft['properties'] for ft in t.get(sys.argv[3], {}).get('features', [])]\n\
                  print(json.dumps(out))\n";
    let out = tool_output(
        "python3",
        &[
            "-c",
            script,
            archive.to_str().unwrap(),
            z.to_string().as_str(),
            layer,
        ],
    );
    serde_json::from_str(&out).unwrap()
}

/// Probe s10 finding 10: `tiles FILE.csv` put `2021-13` and a bare `2021` into the tiles as
/// raw text (clusters compared them as text) and took a 4-element position `build --events`
/// refuses. Now the dates go through `build --events`' check and are written as it writes
/// them; positions likewise.
#[test]
fn tiles_of_a_csv_check_and_normalise_dates_as_build_events_does() {
    let work = Work::new("small");
    let dir = work.dir.path();
    fs::write(
        dir.join("d.csv"),
        "id,lat,lon,start_date\na,37.2,67.2,2021\nb,37.3,67.2,2021-08\nc,37.4,67.2,2021-13\n",
    )
    .unwrap();
    work.run(&["tiles", "--out", "x.pmtiles", "d.csv"])
        .expect_code(1)
        .expect_stderr_line(&["d.csv:4", "\"2021-13\"", "start_date"]);
    let events =
        "id,lat,lon,start_date,end_date\na,37.2,67.2,2021,\nb,37.3,67.2,2021-08,2021-09-03\n";
    fs::write(dir.join("d.csv"), events).unwrap();
    work.run(&["tiles", "--max-zoom", "4", "--out", "x.pmtiles", "d.csv"])
        .expect_code(0);
    let mut got = properties(&dir.join("x.pmtiles"), 4, "d");
    got.sort_by_key(|p| p["start_date"].as_str().unwrap().to_owned());
    got.dedup(); // a point near a tile's edge is in its neighbour's buffer too
    let dates = |p: &Value| {
        (
            p["start_date"].clone(),
            p["end_date"].clone(),
            p["date_precision"].clone(),
        )
    };
    assert_eq!(
        got.iter().map(dates).collect::<Vec<_>>(),
        [
            ("2021-01-01", "2021-12-31", "year"),
            ("2021-08-01", "2021-09-03", "month"),
        ]
        .map(|(s, e, p)| (Value::from(s), Value::from(e), Value::from(p)))
    );
    // `build --events` writes the same dates for the same rows.
    fs::write(work.data().join("d.csv"), events).unwrap();
    work.run(&[
        "build",
        "--data",
        "data",
        "--out",
        "ev",
        "--events",
        "data/d.csv",
        "--no-tiles",
    ])
    .expect_code(0);
    let layer: Value =
        serde_json::from_slice(&fs::read(dir.join("ev/events.geojson")).unwrap()).unwrap();
    let mut built: Vec<Value> = layer["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"].clone())
        .collect();
    built.sort_by_key(|p| p["start_date"].as_str().unwrap().to_owned());
    assert_eq!(
        built.iter().map(dates).collect::<Vec<_>>(),
        got.iter().map(dates).collect::<Vec<_>>()
    );
    // A position of four numbers is refused, as `build --events` refuses it.
    fs::write(
        dir.join("p.geojsons"),
        "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[67.2,37.2,0,5]},\"properties\":{}}\n",
    )
    .unwrap();
    work.run(&["tiles", "--out", "p.pmtiles", "p.geojsons"])
        .expect_code(1)
        .expect_stderr_line(&["p.geojsons:1", "[67.2,37.2,0,5]"]);
}

/// Probe s10 finding 12: `tiles --out afile/x.pmtiles` said `File exists (os error 17)`;
/// a single feature over the byte budget was told to raise `--max-tile-features` or
/// `--max-zoom`, which cannot help it.
#[test]
fn tiles_say_a_file_is_not_a_folder_and_what_helps_one_feature_over_budget() {
    let work = Work::new("small");
    let dir = work.dir.path();
    fs::write(dir.join("afile"), "").unwrap();
    let one = layer(dir, "one", "", true);
    work.run(&["tiles", "--out", "afile/x.pmtiles", one.as_str()])
        .expect_code(2)
        .expect_stderr_line(&["afile", "a file, not a folder"]);
    // 900 kB of text gzip cannot shrink below the 500 KiB budget.
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let noise: String = (0..900_000)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            char::from(b'a' + u8::try_from(seed % 26).unwrap())
        })
        .collect();
    fs::write(
        dir.join("big.geojsons"),
        format!(
            "{{\"type\":\"Feature\",\"geometry\":{{\"type\":\"Point\",\"coordinates\":[67.2,37.2]}},\"properties\":{{\"note\":\"{noise}\"}}}}\n"
        ),
    )
    .unwrap();
    let run = work.run(&["tiles", "--out", "big.pmtiles", "big.geojsons"]);
    run.expect_code(2).expect_stderr_line(&[
        "it is one feature, whose geometry has 1 vertex",
        "raise --max-tile-bytes, or give it fewer or shorter properties",
    ]);
    assert!(!run.stderr().contains("--max-zoom"), "{}", run.stderr());
    assert!(!run.stderr().contains("--min-zoom"), "{}", run.stderr());
}

/// Probe 9 G2: a polygon too big for a tile was told to have "fewer or shorter properties";
/// its vertices are what is big, and a higher `--min-zoom` or a simpler geometry helps.
#[test]
fn tiles_say_a_polygon_over_budget_has_too_many_vertices() {
    let work = Work::new("small");
    let dir = work.dir.path();
    let n = 40_000;
    let ring: Vec<String> = (0..=n)
        .map(|i| {
            let a = std::f64::consts::TAU * f64::from(i % n) / f64::from(n);
            let r = 1.0 + 0.01 * (f64::from(i % n) * 0.37).sin();
            format!(
                "[{:.6},{:.6}]",
                69.0 + 5.0 * a.cos() * r,
                40.0 + 3.0 * a.sin() * r
            )
        })
        .collect();
    fs::write(
        dir.join("poly.geojson"),
        format!(
            "{{\"type\":\"FeatureCollection\",\"features\":[{{\"type\":\"Feature\",\"properties\":{{\"name\":\"big\"}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[[{}]]}}}}]}}\n",
            ring.join(",")
        ),
    )
    .unwrap();
    let run = work.run(&[
        "tiles",
        "--out",
        "p.pmtiles",
        "--max-zoom",
        "3",
        "--max-tile-bytes",
        "8000",
        "poly.geojson",
    ]);
    run.expect_code(2).expect_stderr_line(&[
        "it is one feature, whose geometry has ",
        " vertices in this tile and whose properties take 9 bytes",
        "raise --max-tile-bytes, raise --min-zoom, or simplify the geometry",
    ]);
    assert!(!run.stderr().contains("properties;"), "{}", run.stderr());
    assert!(
        !run.stderr().contains("fewer or shorter"),
        "{}",
        run.stderr()
    );
}

/// Probe, session 44: a polygon over most of the world at `--max-zoom 12` was cut into
/// 16.8 million pieces held at once; memory grew past 6 GB until an allocation failed
/// (exit 134, temporary files left). It is refused before any tile is cut (exit 2), named
/// with its line and the zoom that fits, the previous archive untouched and nothing left
/// beside it; at a zoom that fits (3 here) it is tiled.
#[test]
fn tiles_refuse_a_zoom_where_a_polygon_reaches_too_many_tiles() {
    let work = Work::new("small");
    let dir = work.dir.path();
    fs::write(
        dir.join("world.geojson"),
        "{\"type\":\"FeatureCollection\",\"features\":[\n{\"type\":\"Feature\",\"id\":\"w\",\"properties\":{},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[-170,-80],[170,-80],[170,80],[-170,80],[-170,-80]]]}}]}\n",
    )
    .unwrap();
    work.run(&[
        "tiles",
        "--out",
        "w.pmtiles",
        "--max-zoom",
        "3",
        "world.geojson",
    ])
    .expect_code(0);
    let before = fs::read(dir.join("w.pmtiles")).unwrap();
    let listing = || {
        let mut names: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        names
    };
    let files = listing();
    let run = work.run(&[
        "tiles",
        "--out",
        "w.pmtiles",
        "--max-zoom",
        "12",
        "world.geojson",
    ]);
    run.expect_code(2).expect_stderr_line(&[
        "world.geojson:2: polygon \"w\" reaches about ",
        " tiles at zoom 12, more than the 1048576 one line or polygon may reach at a zoom",
        "lower --max-zoom to 10",
    ]);
    assert_eq!(fs::read(dir.join("w.pmtiles")).unwrap(), before);
    assert_eq!(listing(), files);
}
