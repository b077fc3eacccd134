//! Tiles of bulk-sized layers: regressions found building a generated million-row export.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod util;

use std::fmt::Write as _;
use std::process::Command;

use util::{root, tool_output};

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
    let run = Command::new(env!("CARGO_BIN_EXE_drillmap"))
        .args([
            "tiles",
            "--max-zoom",
            "14",
            "--max-tile-bytes",
            "4096",
            "--out",
        ])
        .arg(&archive)
        .arg(&input)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    // Converted for the verifier: a FeatureCollection named after the layer.
    let features: Vec<String> = std::fs::read_to_string(&input)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    let fixture = dir.path().join("strip.geojson");
    std::fs::write(
        &fixture,
        format!(
            r#"{{"type":"FeatureCollection","name":"strip","features":[{}]}}"#,
            features.join(",")
        ),
    )
    .unwrap();
    let report = tool_output(
        "python3",
        &[
            root().join("tests/tools/verify_tiles.py").to_str().unwrap(),
            archive.to_str().unwrap(),
            fixture.to_str().unwrap(),
            "--max-tile-bytes",
            "4096",
            "--max-zoom",
            "14",
            "--expect-clusters",
        ],
    );
    assert!(report.contains(" 0 failures"), "{report}");
}
