//! What `--out FILE` may replace (probe 6 H2; README, Guarantees, "What `--out` may
//! replace"): never one of the run's own inputs, however it is named, nor a file inside the
//! `--data` folder it reads; an existing file only when it is what the command writes, or
//! with `--force`. One check (`src/cli/out.rs`) for `tiles`, `places import-geonames` and
//! `extract`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod util;

use std::fs;

use util::Work;

/// A small layer, built, and copied beside the work folder's `data/` and `out/` as `ex.geojson`.
fn built(work: &Work) {
    work.build().expect_code(0);
    fs::copy(
        work.out().join("exercises.geojson"),
        work.dir.path().join("ex.geojson"),
    )
    .unwrap();
}

fn tiles(work: &Work, args: &[&str]) -> util::Run {
    let mut all = vec!["tiles", "--data", "data", "--max-zoom", "2"];
    all.extend_from_slice(args);
    work.run(&all)
}

#[test]
fn tiles_out_never_replaces_its_own_input_file_even_with_force() {
    let work = Work::new("small");
    built(&work);
    let dir = work.dir.path();
    let before = fs::read(dir.join("ex.geojson")).unwrap();
    fs::hard_link(dir.join("ex.geojson"), dir.join("hard.geojson")).unwrap();
    std::os::unix::fs::symlink("ex.geojson", dir.join("link.geojson")).unwrap();
    for out in ["ex.geojson", "./ex.geojson", "hard.geojson", "link.geojson"] {
        for force in [&[][..], &["--force"]] {
            let mut args = vec!["--out", out, "ex.geojson"];
            args.extend_from_slice(force);
            tiles(&work, &args).expect_code(2).expect_stderr_line(&[
                "--out",
                out,
                "that is the input ex.geojson",
            ]);
        }
    }
    assert_eq!(fs::read(dir.join("ex.geojson")).unwrap(), before);
    assert!(fs::symlink_metadata(dir.join("link.geojson"))
        .unwrap()
        .is_symlink());
}

#[test]
fn tiles_out_refuses_a_layer_of_a_built_folder_unless_forced() {
    let work = Work::new("small");
    built(&work);
    let layer = work.out().join("bases.geojson");
    let before = fs::read(&layer).unwrap();
    let manifest = fs::read(work.out().join("manifest.json")).unwrap();
    tiles(&work, &["--out", "out/bases.geojson"])
        .expect_code(2)
        .expect_stderr_line(&[
            "--out out/bases.geojson",
            "exists and is not a PMTiles archive",
            "--force",
        ]);
    assert_eq!(fs::read(&layer).unwrap(), before);
    assert_eq!(
        fs::read(work.out().join("manifest.json")).unwrap(),
        manifest
    );
    // An archive is replaced, as every run of `tiles` replaces its own.
    tiles(&work, &["--out", "out/drillmap.pmtiles", "--min-zoom", "1"]).expect_code(0);
    // A new name, and an empty file, are written.
    fs::write(work.dir.path().join("empty.pmtiles"), "").unwrap();
    tiles(&work, &["--out", "empty.pmtiles"]).expect_code(0);
    // Plainly asked for: replaced.
    tiles(&work, &["--out", "out/bases.geojson", "--force"]).expect_code(0);
    assert!(fs::read(&layer).unwrap().starts_with(b"PMTiles"));
}

#[test]
fn tiles_out_never_lies_inside_the_data_it_tiles() {
    let work = Work::new("small");
    let places = fs::read(work.data().join("places.csv")).unwrap();
    for force in [&[][..], &["--force"]] {
        let mut args = vec!["--out", "data/places.csv"];
        args.extend_from_slice(force);
        tiles(&work, &args).expect_code(2).expect_stderr_line(&[
            "--out data/places.csv",
            "inside the data folder data, which tiles reads",
        ]);
        let mut args = vec!["--out", "data/x.pmtiles"];
        args.extend_from_slice(force);
        tiles(&work, &args)
            .expect_code(2)
            .expect_stderr_line(&["inside the data folder"]);
    }
    assert_eq!(fs::read(work.data().join("places.csv")).unwrap(), places);
    assert!(!work.data().join("x.pmtiles").exists());
}

#[test]
fn import_geonames_out_refuses_the_gazetteer_and_its_own_dump() {
    let work = Work::new("small");
    let dump = util::root().join("tests/fixtures/geonames/sample.txt");
    fs::copy(&dump, work.dir.path().join("dump.txt")).unwrap();
    let places = fs::read(work.data().join("places.csv")).unwrap();
    let import = |out: &str, force: bool| {
        let mut args = vec!["places", "import-geonames", "dump.txt", "--out", out];
        if force {
            args.push("--force");
        }
        work.run(&args)
    };
    import("data/places.csv", false)
        .expect_code(2)
        .expect_stderr_line(&[
            "--out data/places.csv",
            "exists and is not a GeoNames table",
        ]);
    assert_eq!(fs::read(work.data().join("places.csv")).unwrap(), places);
    assert!(!work.data().join("places.idx").exists());
    work.check().expect_code(0);
    for force in [false, true] {
        import("dump.txt", force)
            .expect_code(2)
            .expect_stderr_line(&["--out dump.txt", "that is the input dump.txt"]);
    }
    assert_eq!(
        fs::read(work.dir.path().join("dump.txt")).unwrap(),
        fs::read(&dump).unwrap()
    );
    // Its own table and index are replaced run after run.
    import("data/geonames.txt", false).expect_code(0);
    import("data/geonames.txt", false).expect_code(0);
    // An index beside it that is not one is not.
    fs::write(work.dir.path().join("t.idx"), "notes\n").unwrap();
    import("t.txt", false)
        .expect_code(2)
        .expect_stderr_line(&["t.idx exists and is not a GeoNames index"]);
    assert!(!work.dir.path().join("t.txt").exists());
}

#[test]
fn extract_out_refuses_an_existing_file_that_is_not_a_draft_unless_forced() {
    let work = Work::new("small");
    let dir = work.dir.path();
    fs::write(
        dir.join("a.txt"),
        "Drills at the Kharbmaidon training ground.\n",
    )
    .unwrap();
    fs::write(dir.join("notes.md"), "# my notes\n").unwrap();
    let extract = |args: &[&str]| {
        let mut all = vec!["extract", "--data", "data", "a.txt", "--published", "2021"];
        all.extend_from_slice(args);
        work.run(&all)
    };
    extract(&["--out", "notes.md"])
        .expect_code(2)
        .expect_stderr_line(&["--out notes.md", "is not a draft of `drillmap extract`"]);
    assert_eq!(
        fs::read_to_string(dir.join("notes.md")).unwrap(),
        "# my notes\n"
    );
    // A draft is replaced (TOML or JSON), and --force replaces anything but an input.
    extract(&["--out", "d.toml"]).expect_code(0);
    extract(&["--out", "d.toml"]).expect_code(0);
    extract(&["--out", "d.json", "--format", "json"]).expect_code(0);
    extract(&["--out", "d.json", "--format", "json"]).expect_code(0);
    extract(&["--out", "notes.md", "--force"]).expect_code(0);
    extract(&["--out", "a.txt", "--force"])
        .expect_code(2)
        .expect_stderr_line(&["--out a.txt", "that is the input a.txt"]);
}
