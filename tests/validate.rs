//! The layers checked by validators we did not write: GDAL's ogrinfo and the npm
//! validators @mapbox/geojsonhint and @placemarkio/check-geojson.
//! `bash scripts/install-test-tools.sh` installs them; without them these tests fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod util;

use std::path::Path;
use std::process::Command;

use util::{root, tool_missing, Work};

fn ogrinfo(path: &Path) -> (String, String) {
    let out = Command::new("ogrinfo")
        .args(["-ro", "-al", "-so"])
        .arg(path)
        .output()
        .unwrap_or_else(|_| tool_missing("ogrinfo (Debian gdal-bin)"));
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(
        out.status.success(),
        "ogrinfo failed on {}:\n{stderr}",
        path.display()
    );
    (stdout, stderr)
}

fn built_shipped_layers() -> Work {
    let work = Work::new(root().join("places").to_str().unwrap());
    work.build().expect_code(0);
    work
}

#[test]
fn gdal_opens_every_layer_without_warnings() {
    let work = built_shipped_layers();
    let layers = work.geojson_layers();
    assert_eq!(layers.len(), 4);
    for (name, bytes) in &layers {
        let path = work.out().join(name);
        let (stdout, stderr) = ogrinfo(&path);
        assert!(
            !stderr.contains("Warning") && !stderr.contains("ERROR"),
            "{name}: {stderr}"
        );
        let v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        let n = v["features"].as_array().unwrap().len();
        assert!(
            stdout.contains(&format!("Feature Count: {n}")),
            "{name}:\n{stdout}"
        );
        assert!(
            stdout.contains("ID[\"EPSG\",4326]"),
            "{name} is not read as WGS 84"
        );
    }
}

#[test]
fn gdal_reads_the_coordinates_we_wrote() {
    let work = built_shipped_layers();
    let out = Command::new("ogrinfo")
        .args([
            "-ro",
            "-q",
            "-where",
            "place_id = 'zhetygen-training-centre'",
        ])
        .arg(work.out().join("bases.geojson"))
        .arg("bases")
        .output()
        .unwrap_or_else(|_| tool_missing("ogrinfo"));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("POINT (77.1168 43.733)"), "{text}");
}

#[test]
fn npm_validators_accept_every_layer() {
    let work = built_shipped_layers();
    let script = root().join("tests/tools/validate-geojson.js");
    if !root()
        .join("tests/tools/node_modules/@mapbox/geojsonhint")
        .exists()
    {
        tool_missing("the npm validators");
    }
    let files: Vec<_> = work
        .geojson_layers()
        .into_iter()
        .map(|(n, _)| work.out().join(n))
        .collect();
    let out = Command::new("node")
        .arg(script)
        .args(&files)
        .output()
        .unwrap_or_else(|_| tool_missing("node"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn the_validators_do_catch_a_bad_layer() {
    // A validator that accepts anything proves nothing: feed it one broken layer.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.geojson");
    std::fs::write(&bad, r#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[68.12345678,37]},"properties":{}},{"type":"Feature","geometry":{"type":"LineString","coordinates":[[1,2]]}}]}"#).unwrap();
    let out = Command::new("node")
        .arg(root().join("tests/tools/validate-geojson.js"))
        .arg(&bad)
        .output()
        .unwrap_or_else(|_| tool_missing("node"));
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("precision"), "{text}");
}
