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

/// Probe 9: `tiles --xyz` wrote its tile folder into the `--data` folder that `--out` may
/// not lie in, and `build --out` (and `serve --watch`, whose rebuilds then saw their own
/// writes as changes) wrote the layers into it. One rule for every output of a run that
/// reads the data folder: never it, nor inside it (exit 2, nothing written).
#[test]
fn no_output_folder_lies_inside_the_data_folder() {
    let work = Work::new("small");
    let names = |dir: &std::path::Path| -> Vec<_> {
        let mut v: Vec<_> = walk(dir);
        v.sort();
        v
    };
    let before = names(&work.data());
    tiles(&work, &["--out", "t.pmtiles", "--xyz", "data/xyz"])
        .expect_code(2)
        .expect_stderr_line(&[
            "--xyz data/xyz",
            "inside the data folder data, which tiles reads",
        ]);
    for out in ["data", "data/out", "./data/../data/o"] {
        work.run(&["build", "--data", "data", "--out", out])
            .expect_code(2)
            .expect_stderr_line(&[
                &format!("--out {out}"),
                "inside the data folder data, which build reads and never changes",
            ]);
    }
    fs::write(work.dir.path().join("ev.csv"), "id,lat,lon\na,37,67\n").unwrap();
    work.run(&[
        "build",
        "--events",
        "ev.csv",
        "--data",
        "data",
        "--out",
        "data/bulk",
    ])
    .expect_code(2)
    .expect_stderr_line(&["--out data/bulk", "inside the data folder data"]);
    work.run(&[
        "serve", "--watch", "--port", "0", "--data", "data", "--out", "data/o",
    ])
    .expect_code(2)
    .expect_stderr_line(&["inside the data folder data, which serve --watch reads"]);
    assert_eq!(names(&work.data()), before);
    // Beside it, as the shipped layout has it, is fine.
    work.run(&["build", "--data", "data", "--out", "out2"])
        .expect_code(0);
}

/// Probe 10: a `manifest.json` entry naming a file outside OUT (`../data/places.csv`, with
/// its true size and digest) was hashed and carried into the next generation. Such a
/// manifest is not drillmap's: the build says so, writes a new one, and leaves the file.
#[test]
fn a_manifest_entry_outside_the_output_folder_is_not_carried_on() {
    use sha2::Digest;
    let work = Work::new("small");
    work.build().expect_code(0);
    let places = fs::read(work.data().join("places.csv")).unwrap();
    let path = work.out().join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    let sha: String = sha2::Sha256::digest(&places)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    manifest["files"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "name": "../data/places.csv", "bytes": places.len(), "sha256": sha,
        }));
    fs::write(&path, serde_json::to_vec(&manifest).unwrap()).unwrap();
    work.build()
        .expect_code(0)
        .expect_stderr_line(&["\"../data/places.csv\" names no file of this folder"]);
    let after = fs::read_to_string(&path).unwrap();
    assert!(!after.contains("places.csv"), "{after}");
    assert_eq!(fs::read(work.data().join("places.csv")).unwrap(), places);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        }
        out.push(p);
    }
    out
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

/// Run drillmap in the work folder with its stdout sent to `stdout`, killed (and the test
/// failed) if it is still running after 60 s: a run that waits on a FIFO never ends.
fn run_within(work: &Work, args: &[&str], stdout: std::process::Stdio) -> util::Run {
    use std::time::{Duration, Instant};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_drillmap"))
        .args(args)
        .current_dir(work.dir.path())
        .stdout(stdout)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{args:?}: still running after 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    util::Run(child.wait_with_output().unwrap())
}

/// The names in the work folder (not in data/ or out/), sorted.
fn names(work: &Work) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(work.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Every command that writes `--out`, with `out` as its output.
fn commands(out: &str) -> Vec<Vec<&str>> {
    vec![
        vec!["tiles", "--data", "data", "--max-zoom", "2", "--out", out],
        vec![
            "extract",
            "--data",
            "data",
            "a.txt",
            "--published",
            "2021",
            "--out",
            out,
        ],
        vec!["places", "import-geonames", "dump.txt", "--out", out],
    ]
}

/// A work folder with an article `a.txt` and a GeoNames dump `dump.txt`.
fn with_inputs() -> Work {
    let work = Work::new("small");
    fs::write(
        work.dir.path().join("a.txt"),
        "Drills at the Kharbmaidon training ground.\n",
    )
    .unwrap();
    fs::copy(
        util::root().join("tests/fixtures/geonames/sample.txt"),
        work.dir.path().join("dump.txt"),
    )
    .unwrap();
    work
}

#[test]
fn out_that_is_a_device_fifo_socket_or_folder_is_refused_before_anything_is_written() {
    use std::os::unix::fs::FileTypeExt;
    let work = with_inputs();
    let dir = work.dir.path();
    let fifo = dir.join("f.out");
    util::tool_output("mkfifo", &[fifo.to_str().unwrap()]);
    let _socket = std::os::unix::net::UnixListener::bind(dir.join("s.out")).unwrap();
    fs::create_dir(dir.join("d.out")).unwrap();
    fs::write(dir.join("target.txt"), "").unwrap();
    // A private device node (never the machine's /dev/null, which a failed run replaced).
    let device = std::process::Command::new("mknod")
        .args([dir.join("null.out").to_str().unwrap(), "c", "1", "3"])
        .status()
        .is_ok_and(|s| s.success());
    let mut cases = vec![
        ("f.out", "a FIFO"),
        ("s.out", "a socket"),
        ("d.out", "a folder"),
    ];
    if device {
        cases.push(("null.out", "a device"));
    } else {
        eprintln!("mknod is not permitted here: the device case is not run");
    }
    // A symlink to one is refused as well: the run would replace the link, not the node.
    std::os::unix::fs::symlink("f.out", dir.join("link.out")).unwrap();
    cases.push(("link.out", "a FIFO"));
    let before = names(&work);
    for (out, what) in cases {
        for args in commands(out) {
            for force in [false, true] {
                let mut args = args.clone();
                if force {
                    args.push("--force");
                }
                run_within(&work, &args, std::process::Stdio::null())
                    .expect_code(2)
                    .expect_stderr_line(&[
                        &format!("--out {out}: {what}, not a regular file"),
                        "refused as output",
                    ]);
                assert_eq!(names(&work), before, "{args:?}");
            }
        }
    }
    assert!(fs::metadata(&fifo).unwrap().file_type().is_fifo());
    if device {
        assert!(fs::metadata(dir.join("null.out"))
            .unwrap()
            .file_type()
            .is_char_device());
    }
    // The index beside a GeoNames table is held to the same rule.
    let index = dir.join("t.idx");
    util::tool_output("mkfifo", &[index.to_str().unwrap()]);
    run_within(
        &work,
        &["places", "import-geonames", "dump.txt", "--out", "t.txt"],
        std::process::Stdio::null(),
    )
    .expect_code(2)
    .expect_stderr_line(&["--out t.txt: t.idx (written beside it): a FIFO, not a regular file"]);
    assert!(!dir.join("t.txt").exists());
}

#[test]
fn out_that_is_the_process_own_stdout_is_refused_piped_or_redirected() {
    let work = with_inputs();
    let dir = work.dir.path();
    // What /dev/stdout is, in a folder of the test's own.
    std::os::unix::fs::symlink("/proc/self/fd/1", dir.join("so")).unwrap();
    let redirect = dir.join("redirected");
    for args in commands("so") {
        for piped in [true, false] {
            let stdout = if piped {
                std::process::Stdio::piped()
            } else {
                fs::File::create(&redirect).unwrap().into()
            };
            run_within(&work, &args, stdout)
                .expect_code(2)
                .expect_stderr_line(&["--out so: a file descriptor of the process", "/proc/"]);
            assert!(fs::symlink_metadata(dir.join("so")).unwrap().is_symlink());
            assert_eq!(fs::read(&redirect).unwrap_or_default(), b"", "{args:?}");
        }
    }
}

/// `places import-geonames ARGS`, with `--force` if `force`.
fn import(work: &Work, args: &[&str], force: bool) -> util::Run {
    let mut all = vec!["places", "import-geonames"];
    all.extend_from_slice(args);
    if force {
        all.push("--force");
    }
    work.run(&all)
}

#[test]
fn import_geonames_never_writes_its_index_over_its_own_dump_even_with_force() {
    let work = with_inputs();
    let dir = work.dir.path();
    fs::copy(dir.join("dump.txt"), dir.join("in.idx")).unwrap();
    let dump = fs::read(dir.join("in.idx")).unwrap();
    for force in [false, true] {
        import(&work, &["in.idx", "--out", "in.txt"], force)
            .expect_code(2)
            .expect_stderr_line(&[
                "--out in.txt: in.idx (written beside it): that is the input in.idx",
            ]);
        assert_eq!(fs::read(dir.join("in.idx")).unwrap(), dump);
        assert!(!dir.join("in.txt").exists());
    }
}

#[test]
fn import_geonames_refuses_a_table_named_as_its_own_index() {
    let work = with_inputs();
    let before = names(&work);
    for force in [false, true] {
        import(&work, &["dump.txt", "--out", "bar.idx"], force)
            .expect_code(2)
            .expect_stderr_line(&[
            "--out bar.idx: a GeoNames table and a GeoNames index would both be written to bar.idx",
            "another extension",
        ]);
        assert_eq!(names(&work), before);
    }
}

#[test]
fn out_that_only_starts_like_an_output_is_not_replaced_without_force() {
    let work = with_inputs();
    let dir = work.dir.path();
    let notes = "PMTiles notes: my thesis\n";
    fs::write(dir.join("notes.txt"), notes).unwrap();
    work.run(&commands("notes.txt")[0])
        .expect_code(2)
        .expect_stderr_line(&["notes.txt exists and is not a PMTiles archive"]);
    assert_eq!(fs::read_to_string(dir.join("notes.txt")).unwrap(), notes);
    let scraped = "{\n  \"articles\": [\n    {\"url\": \"https://example.com/a\", \"text\": \"my scraped corpus\"}\n  ]\n}\n";
    fs::write(dir.join("scraped.json"), scraped).unwrap();
    let mut extract = commands("scraped.json")[1].clone();
    extract.extend(["--format", "json"]);
    work.run(&extract)
        .expect_code(2)
        .expect_stderr_line(&["scraped.json exists and is not a draft of `drillmap extract`"]);
    assert_eq!(
        fs::read_to_string(dir.join("scraped.json")).unwrap(),
        scraped
    );
}
