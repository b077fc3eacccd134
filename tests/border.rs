//! The Afghan border layer and distances, checked against hand-checkable facts and against an
//! independent computation: GDAL decodes the same TopoJSON itself, GEOS intersects the two
//! countries' boundaries, and SpatiaLite measures lengths and distances on the ellipsoid.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod util;

use std::collections::BTreeMap;

use drillmap::derive::AfghanBorder;
use drillmap::pipeline;
use util::{root, tool_output, Work};

fn border() -> AfghanBorder {
    pipeline::read_border(&root().join("places")).unwrap().0
}

fn lengths(b: &AfghanBorder) -> BTreeMap<String, f64> {
    b.segments
        .iter()
        .map(|s| (s.id.clone(), s.length_km))
        .collect()
}

/// Run a SpatiaLite query over the shipped TopoJSON with GDAL and return the CSV rows.
fn spatialite(sql: &str) -> Vec<Vec<String>> {
    let file = root().join("places/boundaries/countries-10m.json");
    let csv = tool_output(
        "ogr2ogr",
        &[
            "-f",
            "CSV",
            "/vsistdout/",
            file.to_str().unwrap(),
            "-dialect",
            "SQLite",
            "-sql",
            sql,
        ],
    );
    csv.lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

#[test]
fn six_segments_with_plausible_lengths() {
    let b = border();
    let got = lengths(&b);
    let ids: Vec<&str> = got.keys().map(String::as_str).collect();
    assert_eq!(ids, ["AF-CN", "AF-IR", "AF-PK", "AF-TJ", "AF-TM", "AF-UZ"]);
    // Surveyed lengths (CIA World Factbook); generalised 1:10m lines are somewhat shorter.
    let surveyed = [
        ("AF-CN", 91.0),
        ("AF-IR", 921.0),
        ("AF-PK", 2670.0),
        ("AF-TJ", 1357.0),
        ("AF-TM", 804.0),
        ("AF-UZ", 144.0),
    ];
    for (id, km) in surveyed {
        let ratio = got[id] / km;
        assert!(
            (0.8..=1.05).contains(&ratio),
            "{id}: {} km against {km} km surveyed",
            got[id]
        );
    }
    let total = b.length_km();
    assert!(
        (5_100.0..=5_350.0).contains(&total),
        "whole border {total} km, expected about 5,200"
    );
    // Tajikistan's part is the longest on the north side.
    assert!(got["AF-TJ"] > got["AF-TM"] && got["AF-TJ"] > got["AF-UZ"]);
}

#[test]
fn segment_lengths_match_gdal_and_spatialite() {
    let rows = spatialite(
        "SELECT b.id, ST_Length(ST_Intersection(ST_Boundary(a.geometry), ST_Boundary(b.geometry)), 1) / 1000.0 \
         FROM countries a, countries b WHERE a.id = '004' AND b.id IN ('156','364','586','762','795','860')",
    );
    let numeric_to_id = [
        ("156", "AF-CN"),
        ("364", "AF-IR"),
        ("586", "AF-PK"),
        ("762", "AF-TJ"),
        ("795", "AF-TM"),
        ("860", "AF-UZ"),
    ];
    let ours = lengths(&border());
    assert_eq!(rows.len(), 6, "{rows:?}");
    for row in rows {
        let numeric = row[0].trim_matches('"');
        let id = numeric_to_id.iter().find(|(n, _)| *n == numeric).unwrap().1;
        let theirs: f64 = row[1].parse().unwrap();
        let rel = (ours[id] - theirs).abs() / theirs;
        assert!(
            rel < 0.001,
            "{id}: ours {} km, GDAL/SpatiaLite {theirs} km",
            ours[id]
        );
    }
}

#[test]
fn distances_match_an_independent_brute_force() {
    // tests/tools/border_distances.py densifies the written layer to 100 m and takes the
    // nearest vertex by haversine: no code shared with our closest-point search. (SpatiaLite's
    // ellipsoidal ST_Distance is no reference here: to a line it is not the nearest-point
    // distance, 133 km for Dushanbe where both this and the brute force say 124 km.)
    let work = Work::new(root().join("places").to_str().unwrap());
    work.build().expect_code(0);
    let b = border();
    let points = [
        (67.27833, 37.22417),
        (76.9115, 43.25249),
        (69.21627, 41.26465),
        (68.77905, 38.53575),
        (69.17233, 34.52813),
        (63.305, 45.965),
    ];
    let layer = work.out().join("afghan_border.geojson");
    let mut args = vec![
        root()
            .join("tests/tools/border_distances.py")
            .to_str()
            .unwrap()
            .to_owned(),
        layer.to_str().unwrap().to_owned(),
    ];
    args.extend(points.iter().map(|(lon, lat)| format!("{lon},{lat}")));
    let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = tool_output("python3", &arg_refs);
    for ((lon, lat), theirs) in points.iter().zip(out.lines()) {
        let theirs: f64 = theirs.parse().unwrap();
        let ours = b.distance(*lon, *lat).km.abs();
        // 100 m densification: the brute force is at most ~50 m long.
        assert!(
            (ours - theirs).abs() < 0.06,
            "{lon},{lat}: ours {ours} km, brute force {theirs} km"
        );
    }
}

#[test]
fn hand_checkable_distances() {
    let b = border();
    let termez = b.distance(67.27833, 37.22417);
    assert!(
        termez.km > 0.0 && termez.km < 10.0,
        "Termez on the Amu Darya: {termez:?}"
    );
    assert_eq!(termez.segment, "AF-UZ");
    // Almaty is far from the border: about 680 km (to the Wakhan), not near it.
    let almaty = b.distance(76.9115, 43.25249);
    assert!(almaty.km > 600.0, "{almaty:?}");
    // Inside Afghanistan the distance is negative.
    let kabul = b.distance(69.17233, 34.52813);
    assert!(
        kabul.km < -50.0,
        "Kabul, about 86 km from the Pakistani border: {kabul:?}"
    );
}

#[test]
fn every_feature_carries_its_distance_to_the_border() {
    let layers = pipeline::layers(&root().join("places")).unwrap();
    let points = |l: &&drillmap::derive::Layer| l.name == "exercises" || l.name == "bases";
    for layer in layers.iter().filter(points) {
        for f in layer.features.iter().filter(|f| f.geometry.is_some()) {
            let km = f.properties["afghan_border_km"]
                .as_f64()
                .unwrap_or_else(|| panic!("{}", f.id));
            assert!(km > 0.0, "{} lies inside Afghanistan?", f.id);
            assert!(f.properties["nearest_border"]
                .as_str()
                .is_some_and(|s| s.starts_with("AF-")));
        }
    }
    let ex = &layers[0];
    let termez = ex
        .features
        .iter()
        .find(|f| f.id == "ru-uz-termez-2021/main")
        .unwrap();
    assert!(termez.properties["afghan_border_km"].as_f64().unwrap() < 10.0);
}

#[test]
fn the_border_layer_is_written_with_provenance() {
    let work = Work::new(root().join("places").to_str().unwrap());
    work.build()
        .expect_code(0)
        .expect_stderr_line(&["afghan_border.geojson", "6 features"]);
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(work.out().join("afghan_border.geojson")).unwrap())
            .unwrap();
    assert!(v["attribution"].as_str().unwrap().contains("Natural Earth"));
    let tj = v["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "AF-TJ")
        .unwrap();
    let p = &tj["properties"];
    assert_eq!(
        (
            p["country_a"].as_str(),
            p["country_b"].as_str(),
            p["country_b_name"].as_str()
        ),
        (Some("AF"), Some("TJ"), Some("Tajikistan"))
    );
    assert_eq!(p["scale"], "1:10m");
    assert!(p["source"].as_str().unwrap().contains("world-atlas 2.0.2"));
    assert!(matches!(
        tj["geometry"]["type"].as_str(),
        Some("LineString" | "MultiLineString")
    ));
    let out = tool_output(
        "ogrinfo",
        &[
            "-ro",
            "-al",
            "-so",
            work.out().join("afghan_border.geojson").to_str().unwrap(),
        ],
    );
    assert!(
        out.contains("Geometry: Line String") && out.contains("Feature Count: 6"),
        "{out}"
    );
}

#[test]
fn a_swapped_point_is_caught_by_the_containment_check() {
    let work = Work::new("small");
    work.edit("places.csv", "38.53575,68.77905", "68.77905,38.53575");
    work.check().expect_code(1).expect_stderr_line(&[
        "places.csv:6:",
        "\"68.77905,38.53575\"",
        "outside TJ",
        "lat and lon look swapped",
    ]);
}

#[test]
fn a_wrong_country_is_caught_by_the_containment_check() {
    let work = Work::new("small");
    // Its region left out: a region of another country is refused first (the admin1 rule).
    work.edit(
        "places.csv",
        "dushanbe,Dushanbe,settlement,TJ,TJ-DU,",
        "dushanbe,Dushanbe,settlement,UZ,,",
    );
    work.check().expect_code(1).expect_stderr_line(&[
        "places.csv:6:",
        "outside UZ",
        "in Tajikistan",
    ]);
}

#[test]
fn baikonur_counts_as_kazakhstan_although_natural_earth_cuts_it_out() {
    let work = Work::new("small");
    work.append("places.csv", "baikonur,Baikonur Cosmodrome,facility,KZ,KZ-43,45.965,63.305,site,45,launch complex,,test\n");
    work.check().expect_code(0);
}

/// Russian places north of 65° N pass `check` and a point in the Norwegian Sea filed under
/// Russia does not, nor one in Finland (Natural Earth's rings crossing the antimeridian
/// used to flip the test on whole bands of latitude).
#[test]
fn places_north_of_65_are_checked_where_they_are() {
    let work = Work::new("small");
    for (id, lat, lon) in [
        ("vorkuta", 67.50, 64.05),
        ("salekhard", 66.53, 66.60),
        ("novy-urengoy", 66.09, 76.68),
        ("chukotka-west", 67.0, 179.9),
        ("chukotka-east", 66.5, -175.0),
    ] {
        work.append(
            "places.csv",
            &format!("{id},{id},settlement,RU,,{lat},{lon},site,5,,,test\n"),
        );
    }
    work.check().expect_code(0);
    work.append(
        "places.csv",
        "sea,Sea,settlement,RU,,67.29,0.0,site,5,,,test\nrovaniemi,Rovaniemi,settlement,SE,,66.5,25.7,site,5,,,test\n",
    );
    let run = work.check();
    run.expect_code(1)
        .expect_stderr_line(&["\"67.29,0\"", "outside RU", "in no country"])
        .expect_stderr_line(&["\"66.5,25.7\"", "outside SE", "in Finland"]);
}
