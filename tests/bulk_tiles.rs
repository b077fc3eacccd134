//! Tiles of bulk-sized layers: regressions found building a generated million-row export,
//! checked by the independent readers of `verify_tiles.py`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod util;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use util::{root, tool_output};

/// GeoJSONSeq `lines` as the FeatureCollection named `name` the verifier reads, in `dir`.
fn collection_of(lines: &str, name: &str, dir: &Path) -> PathBuf {
    let features: Vec<&str> = lines.lines().collect();
    let fixture = dir.join(format!("{name}.geojson"));
    std::fs::write(
        &fixture,
        format!(
            r#"{{"type":"FeatureCollection","name":"{name}","features":[{}]}}"#,
            features.join(",")
        ),
    )
    .unwrap();
    fixture
}

/// `drillmap tiles ARGS --out ARCHIVE INPUT`: `Err(stderr)` when it fails.
fn tiles(args: &[&str], archive: &Path, input: &Path) -> Result<(), String> {
    let run = Command::new(env!("CARGO_BIN_EXE_drillmap"))
        .arg("tiles")
        .args(args)
        .arg("--out")
        .arg(archive)
        .arg(input)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    if run.status.success() {
        Ok(())
    } else {
        Err(stderr)
    }
}

/// The independent verifier's report on `archive` against `fixture`.
fn verify(archive: &Path, fixture: &Path, extra: &[&str]) -> String {
    let script = root().join("tests/tools/verify_tiles.py");
    let mut args = vec![
        script.to_str().unwrap(),
        archive.to_str().unwrap(),
        fixture.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    tool_output("python3", &args)
}

/// A tile whose only points lie in its buffer (a dense strip just across its edge) was
/// reported over budget below the base zoom instead of leaving the buffer out: a million-row
/// export failed at z9 on 32,146 events stacked 46 units from a tile's edge.
#[test]
fn a_tile_over_budget_with_points_only_in_its_buffer_leaves_them_out() {
    let dir = tempfile::tempdir().unwrap();
    // 3,000 points on a strip 0.006° west of the z9 tile edge at lon 26.015625 (inside the
    // buffer of the tile east of it at z9), spread over half a degree of latitude.
    let mut text = String::new();
    for i in 0..3000 {
        let lat = 53.0 + 0.5 * f64::from(i) / 3000.0;
        writeln!(
            text,
            r#"{{"type":"Feature","id":"p{i}","geometry":{{"type":"Point","coordinates":[26.0096,{lat:.6}]}},"properties":{{}}}}"#
        )
        .unwrap();
    }
    let input = dir.path().join("strip.geojsons");
    std::fs::write(&input, text).unwrap();
    let archive = dir.path().join("strip.pmtiles");
    tiles(
        &["--max-zoom", "14", "--max-tile-bytes", "4096"],
        &archive,
        &input,
    )
    .unwrap();
    let fixture = collection_of(
        &std::fs::read_to_string(&input).unwrap(),
        "strip",
        dir.path(),
    );
    let report = verify(
        &archive,
        &fixture,
        &[
            "--max-tile-bytes",
            "4096",
            "--max-zoom",
            "14",
            "--expect-clusters",
        ],
    );
    assert!(report.contains(" 0 failures"), "{report}");
}

/// 50,000 events at Termez and 2,000 scattered around it, as GeoJSONSeq lines.
fn stacked_events() -> String {
    let mut text = String::new();
    for i in 0..52_000u32 {
        let (lon, lat) = if i < 50_000 {
            (67.27833, 37.22417)
        } else {
            let k = f64::from(i - 50_000);
            (66.0 + (k * 0.618_034) % 3.0, 36.0 + (k * 0.414_214) % 2.5)
        };
        let day = 1 + i % 28;
        writeln!(
            text,
            r#"{{"type":"Feature","id":"ev-{i}","geometry":{{"type":"Point","coordinates":[{lon:.6},{lat:.6}]}},"properties":{{"name":"Event {i}","start_date":"2020-{:02}-{day:02}","end_date":"2021-{:02}-{day:02}","fatalities":{}}}}}"#,
            1 + i % 12,
            1 + i % 12,
            i % 5
        )
        .unwrap();
    }
    text
}

/// Before: "tile 8/… has … at the base zoom, where points are not clustered". Now the stack
/// is one feature with `point_count` at the base zoom, every other point stands alone, and
/// the counts add up.
#[test]
fn fifty_thousand_stacked_points_merge_at_the_base_zoom_and_counts_add_up() {
    let dir = tempfile::tempdir().unwrap();
    let text = stacked_events();
    let input = dir.path().join("events.geojsons");
    std::fs::write(&input, &text).unwrap();
    let archive = dir.path().join("events.pmtiles");
    // 20,000 features a tile: the stack is over budget whatever gzip makes of its bytes.
    let budget = ["--max-zoom", "8", "--max-tile-features", "20000"];
    let args = [&budget[..], &["--accumulate", "fatalities"]].concat();
    tiles(&args, &archive, &input).unwrap();
    let fixture = collection_of(&text, "events", dir.path());
    let report = verify(
        &archive,
        &fixture,
        &[
            "--max-zoom",
            "8",
            "--max-tile-features",
            "20000",
            "--expect-clusters",
            "--expect-stacks",
        ],
    );
    assert!(report.contains(" 0 failures"), "{report}");

    // Scattered points alone are never merged at the base zoom: a budget they cannot keep
    // is still an error naming the tile.
    let scattered: String = text
        .lines()
        .skip(50_000)
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&input, scattered).unwrap();
    let err = tiles(
        &["--max-zoom", "3", "--max-tile-features", "500"],
        &archive,
        &input,
    )
    .unwrap_err();
    assert!(
        err.contains("tile 3/") && err.contains("base zoom"),
        "{err}"
    );
}

/// A key only stacked points carry (the place properties of geocoded rows, 90% of a
/// generated million-row export, all merged at the base zoom) was listed in the metadata's
/// `vector_layers` fields though no tile holds it: the trial encodings of a tile over budget
/// counted its keys before its points were merged.
#[test]
fn metadata_lists_only_the_keys_the_kept_tiles_hold() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for i in 0..3_200u32 {
        let line = if i < 3_000 {
            format!(
                r#"{{"type":"Feature","id":"s{i}","geometry":{{"type":"Point","coordinates":[67.27833,37.22417]}},"properties":{{"name":"Stacked {i}","place_id":"termez"}}}}"#
            )
        } else {
            let k = f64::from(i - 3_000);
            format!(
                r#"{{"type":"Feature","id":"p{i}","geometry":{{"type":"Point","coordinates":[{:.6},{:.6}]}},"properties":{{"name":"Lone {i}"}}}}"#,
                60.0 + (k * 0.618_034) % 10.0,
                40.0 + (k * 0.414_214) % 5.0
            )
        };
        writeln!(text, "{line}").unwrap();
    }
    let input = dir.path().join("events.geojsons");
    std::fs::write(&input, &text).unwrap();
    let archive = dir.path().join("events.pmtiles");
    // Within the feature budget, over the bytes: encoded whole first, then clustered.
    let budget = ["--max-zoom", "6", "--max-tile-bytes", "4096"];
    tiles(&budget, &archive, &input).unwrap();
    let fixture = collection_of(&text, "events", dir.path());
    let report = verify(
        &archive,
        &fixture,
        &[&budget[..], &["--expect-clusters", "--expect-stacks"]].concat(),
    );
    assert!(report.contains(" 0 failures"), "{report}");
}
