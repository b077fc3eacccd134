//! The faults an adversarial run found (issue 14), each pinned by the bug it was: inputs
//! that are not files or never end, bytes that are not UTF-8, control characters, names that
//! collide with the hand-kept layers, formulas in CSV cells, and correct coordinates taken
//! for a lat/lon swap. The server's share is in `tests/serve.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod util;

use std::fmt::Write as _;
use std::fs;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use util::{root, Run, Work};

/// Run drillmap in `work` with a 2 GB address-space limit and a deadline, so a regression
/// that reads a device for ever fails the test instead of taking the machine's memory.
fn run_bounded(work: &Work, args: &[&str]) -> Run {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 2000000; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_drillmap"))
        .args(args)
        .current_dir(work.dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("drillmap {args:?} did not finish: it is reading something without end");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Run(child.wait_with_output().unwrap())
}

/// `drillmap build --data data --out out` and `extra`, bounded as [`run_bounded`].
fn build(work: &Work, extra: &[&str]) -> Run {
    let mut args = vec!["build", "--data", "data", "--out", "out"];
    args.extend_from_slice(extra);
    run_bounded(work, &args)
}

// Item 5: `places.csv -> /dev/zero` grew to 4.4 GB in 10 s.
#[cfg(unix)]
#[test]
fn a_device_a_fifo_or_a_folder_is_refused_as_input() {
    let work = Work::new("small");
    let places = work.data().join("places.csv");
    fs::remove_file(&places).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &places).unwrap();
    run_bounded(&work, &["check", "--data", "data"])
        .expect_code(2)
        .expect_stderr_line(&["places.csv: a device, not a regular file: refused as input"]);

    let work = Work::new("small");
    let exercises = work.data().join("exercises.toml");
    fs::remove_file(&exercises).unwrap();
    let made = Command::new("mkfifo").arg(&exercises).status().unwrap();
    assert!(made.success());
    run_bounded(&work, &["check", "--data", "data"])
        .expect_code(2)
        .expect_stderr_line(&["exercises.toml: a FIFO, not a regular file"]);

    let work = Work::new("events");
    fs::create_dir(work.data().join("folder.csv")).unwrap();
    build(&work, &["--events", "data/folder.csv"])
        .expect_code(2)
        .expect_stderr_line(&["folder.csv: a folder, not a regular file"]);
}

// Probe 2, finding 1: an article or the geocode cache that was `/dev/zero` filled memory, a
// FIFO hung `check`, and an article of 300 MB was read whole.
#[cfg(unix)]
#[test]
fn an_article_or_the_geocode_cache_that_is_not_a_regular_file_is_refused() {
    let fifo = |path: &std::path::Path| {
        assert!(Command::new("mkfifo").arg(path).status().unwrap().success());
    };
    let work = Work::new("small");
    let article = work.data().join("articles/a.txt");
    fs::remove_file(&article).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &article).unwrap();
    for command in ["check", "build"] {
        let mut args = vec![command, "--data", "data"];
        if command == "build" {
            args.extend(["--out", "out"]);
        }
        run_bounded(&work, &args)
            .expect_code(2)
            .expect_stderr_line(&["a.txt: a device, not a regular file: refused as input"]);
    }
    assert!(!work.out().exists() || work.outputs().is_empty());
    fs::remove_file(&article).unwrap();
    fifo(&article);
    run_bounded(&work, &["check", "--data", "data"])
        .expect_code(2)
        .expect_stderr_line(&["a.txt: a FIFO, not a regular file: refused as input"]);
    run_bounded(&work, &["extract", "data/articles/a.txt"])
        .expect_code(2)
        .expect_stderr_line(&["a.txt: a FIFO, not a regular file: refused as input"]);

    // Over the cap (an article's, the same for `check` and `extract`): sparse, so the test
    // writes nothing and reads nothing.
    fs::remove_file(&article).unwrap();
    fs::File::create(&article)
        .unwrap()
        .set_len((4 << 20) + 1)
        .unwrap();
    run_bounded(&work, &["check", "--data", "data"])
        .expect_code(1)
        .expect_stderr_line(&["a.txt", "too large: more than 4194304 bytes"]);
    run_bounded(&work, &["extract", "data/articles/a.txt"])
        .expect_code(1)
        .expect_stderr_line(&["a.txt", "too large: more than 4194304 bytes"]);

    let work = Work::new("small");
    let cache = work.data().join("geocode-cache.toml");
    std::os::unix::fs::symlink("/dev/zero", &cache).unwrap();
    run_bounded(&work, &["geocode", "--data", "data", "Termiz"])
        .expect_code(2)
        .expect_stderr_line(&[
            "geocode-cache.toml: a device, not a regular file: refused as input",
        ]);
    fs::remove_file(&cache).unwrap();
    fifo(&cache);
    run_bounded(&work, &["check", "--data", "data"])
        .expect_code(2)
        .expect_stderr_line(&["geocode-cache.toml: a FIFO, not a regular file"]);
}

// Item 5: a line of a million columns was echoed whole (a megabyte of stderr).
#[test]
fn an_overlong_line_is_refused_on_its_line_and_not_echoed() {
    let work = Work::new("small");
    let lines = fs::read_to_string(work.data().join("places.csv"))
        .unwrap()
        .lines()
        .count();
    work.append("places.csv", &",".repeat(1_100_000));
    let run = run_bounded(&work, &["check", "--data", "data"]);
    run.expect_code(1).expect_stderr_line(&[
        &format!("places.csv:{}: longer than 1048576 bytes", lines + 1),
        "refused as input",
    ]);
    assert!(
        run.stderr().len() < 1000,
        "{} bytes of stderr",
        run.stderr().len()
    );

    let work = Work::new("events");
    let mut events = fs::read_to_string(work.data().join("events.csv")).unwrap();
    events.push_str(&format!("ev-9,{}\n", "x".repeat(2 << 20)));
    let long_csv = work.write_csv("long.csv", &events);
    let run = build(&work, &["--events", &long_csv]);
    run.expect_code(1)
        .expect_stderr_line(&["long.csv:", "longer than 1048576 bytes"]);
    assert!(
        run.stderr().len() < 1000,
        "{} bytes of stderr",
        run.stderr().len()
    );
    assert!(!work.out().join("events.geojson").exists());

    // Probe (session 29): a quoted field over many short lines, each under the cap, was
    // read whole. The record is capped as a line is, named at its quoted field's line.
    let mut events = fs::read_to_string(work.data().join("events.csv")).unwrap();
    let rows = events.lines().count();
    events.push_str(&format!("ev-9,\"{}\"\n", "x".repeat(99).repeat(12_000)));
    let events = events.replacen(&"x".repeat(99), &format!("{}\n", "x".repeat(98)), 12_000);
    let long_csv = work.write_csv("long.csv", &events);
    let run = build(&work, &["--events", &long_csv]);
    run.expect_code(1).expect_stderr_line(&[
        &format!(
            "long.csv:{}: the record with the quoted field opened here",
            rows + 1
        ),
        "runs over lines to more than 1048576 bytes: refused as input",
    ]);
    assert!(!work.out().join("events.geojson").exists());
}

// Probe (session 29): a row under the line cap whose feature is over it (its free column
// escaped six-fold, `\u0001` for each control character) was written, and neither
// `build --events` nor `tiles` could read the layer back. Such a row is a bad row.
#[test]
fn a_row_whose_feature_would_pass_the_line_cap_is_a_bad_row() {
    let work = Work::new("events");
    let csv = format!(
        "id,name,start_date,lat,lon,notes\n\
         e1,A,2021-05-05,38.5,68.8,\"{}\"\n\
         e2,B,2021-05-06,38.6,68.9,fine\n",
        "\u{1}".repeat(180_000)
    );
    let input = work.write_csv("ctrl.csv", csv);
    let run = build(&work, &["--events", &input, "--seq", "--max-errors", "1"]);
    run.expect_code(0).expect_stderr_line(&[
        "ctrl.csv:2: \"e1\": its feature's line would be",
        "bytes of GeoJSON, more than the 1048576 a line may hold",
    ]);
    let errors = fs::read_to_string(work.out().join("events.errors.csv")).unwrap();
    assert!(errors.contains("its feature's line would be"), "{errors}");
    // What was written reads back: the GeoJSONSeq as events, the layer as tiles.
    let events = ["build", "--data", "data", "--out", "again"];
    run_bounded(
        &work,
        &[&events[..], &["--events", "out/events.geojsons"]].concat(),
    )
    .expect_code(0);
    let back = fs::read_to_string(work.dir.path().join("again/events.geojson")).unwrap();
    assert!(
        back.contains("\"e2\"") && !back.contains("\"e1\""),
        "{back}"
    );
    run_bounded(
        &work,
        &["tiles", "out/events.geojson", "--out", "t.pmtiles"],
    )
    .expect_code(0);
}

// Item 5: a value under the line cap is still quoted cut short in messages.
#[test]
fn a_long_bad_value_is_quoted_cut_short() {
    let work = Work::new("small");
    work.append("places.csv", &format!("{},x\n", "y".repeat(500_000)));
    let run = run_bounded(&work, &["check", "--data", "data"]);
    run.expect_code(1).expect_stderr_line(&[
        "places.csv:",
        "… (500002 bytes)\": expected 12 columns as in the header, found 2",
    ]);
    assert!(
        run.stderr().len() < 1000,
        "{} bytes of stderr",
        run.stderr().len()
    );
}

// Item 7: invalid UTF-8 in a TOML file exited 2 with no line.
#[test]
fn invalid_utf8_in_a_toml_file_names_its_line_and_exits_1() {
    let work = Work::new("small");
    let path = work.data().join("exercises.toml");
    let original = fs::read(&path).unwrap();
    let mut bytes = original.clone();
    let at = bytes.windows(9).position(|w| w == b"Drill One").unwrap();
    bytes[at + 1] = 0xff;
    fs::write(&path, bytes).unwrap();
    work.check()
        .expect_code(1)
        .expect_stderr_line(&["exercises.toml:3: not valid UTF-8 (byte 0xff at column 10)"]);
    // Probe, session 45: a TOML file saved as UTF-16 (Notepad's "Unicode") said only "not
    // valid UTF-8"; it now says how to convert it, as a CSV does.
    fs::write(&path, original).unwrap();
    let text = fs::read_to_string(work.data().join("bases.toml")).unwrap();
    let mut wide = vec![0xff, 0xfe];
    for unit in text.encode_utf16() {
        wide.extend_from_slice(&unit.to_le_bytes());
    }
    fs::write(work.data().join("bases.toml"), wide).unwrap();
    work.check().expect_code(1).expect_stderr_line(&[
        "bases.toml:1: not valid UTF-8 (byte 0xff at column 1)",
        "iconv -f utf-16 -t utf-8",
    ]);
}

// Item 7: `geocode --batch missing.csv` exited 1 ("does not parse").
#[test]
fn geocode_batch_of_a_missing_file_exits_2() {
    let work = Work::new("small");
    work.run(&["geocode", "--data", "data", "--batch", "missing.csv"])
        .expect_code(2)
        .expect_stderr_line(&["missing.csv"]);
}

// Item 7: NUL and other control characters were accepted in names and ids.
#[test]
fn control_characters_in_names_and_ids_are_refused() {
    let work = Work::new("small");
    work.edit(
        "exercises.toml",
        "name = \"Drill One\"",
        "name = \"Drill\\u0000One\"",
    );
    work.edit(
        "places.csv",
        "Kharbmaidon training ground,",
        "Kharbmaidon\ttraining ground,",
    );
    let run = work.check();
    run.expect_code(1)
        .expect_stderr_line(&[
            "exercises.toml:3:",
            "`name` must not contain control characters (found U+0000)",
        ])
        .expect_stderr_line(&[
            "places.csv:",
            "`name` must not contain control characters (found U+0009)",
        ]);

    let work = Work::new("events");
    let ctl_csv = work.write_csv(
        "ctl.csv",
        "id,name,start_date,place,country\nev-1,Bad\u{1}name,2021-08,Termiz,UZ\n",
    );
    build(&work, &["--events", &ctl_csv])
        .expect_code(1)
        .expect_stderr_line(&[
            "ctl.csv:2:",
            "name must not contain control characters (found U+0001)",
        ]);
}

/// Probe 8 #2: a tab, NUL or U+0085 in a bulk row's place was published in
/// `place_as_reported` and looked up loosely, in CSV and GeoJSONSeq alike, while the same
/// characters in its name were refused. A place takes the rule of names and ids.
#[test]
fn control_characters_in_a_bulk_place_are_a_problem_at_its_line() {
    let work = Work::new("events");
    let csv = work.write_csv(
        "ctl.csv",
        "id,location,country,start_date\n\
         A1,\"Ter\tmez\",UZ,2021\n\
         A2,Ter\u{0}mez,UZ,2021\n\
         A3,Ter\u{85}mez,UZ,2021\n\
         A4,Termez,UZ,2021\n",
    );
    build(&work, &["--events", &csv, "--no-tiles"])
        .expect_code(1)
        .expect_stderr_line(&[
            "ctl.csv:2:",
            "place must not contain control characters (found U+0009)",
        ])
        .expect_stderr_line(&[
            "ctl.csv:3:",
            "place must not contain control characters (found U+0000)",
        ])
        .expect_stderr_line(&[
            "ctl.csv:4:",
            "place must not contain control characters (found U+0085)",
        ])
        .expect_stderr_line(&["3 bad rows of 4"]);
    let seq = work.write_csv(
        "ctl.geojsonl",
        "{\"type\":\"Feature\",\"id\":\"s1\",\"geometry\":null,\"properties\":{\"place\":\"Ter\\tmez\"}}\n",
    );
    build(&work, &["--events", &seq, "--no-tiles"])
        .expect_code(1)
        .expect_stderr_line(&[
            "ctl.geojsonl:1:",
            "place must not contain control characters (found U+0009)",
        ]);
}

// Item 7: `--layer exercises` overwrote the hand-kept layer.
#[test]
fn a_bulk_layer_may_not_take_a_hand_kept_layers_name() {
    let work = Work::new("events");
    // `drillmap` is the dataset's archive, drillmap.pmtiles (probe 2, finding 6).
    // In any case (probe 8 #6): `Exercises.geojson` is `exercises.geojson` on macOS.
    let names = [
        "exercises",
        "bases",
        "afghan_border",
        "uncertainty",
        "drillmap",
        "Exercises",
        "DRILLMAP",
        "Afghan_Border",
    ];
    for name in names {
        build(&work, &["--events", "data/events.csv", "--layer", name])
            .expect_code(2)
            .expect_stderr_line(&[
                &format!("--layer {name}: the name of a layer"),
                "choose another",
            ]);
    }
    assert!(!work.out().exists() || work.outputs().is_empty());

    // Probe 8 #6: nor a bulk layer's name in another case, for the same reason.
    let layer = |name: &str| {
        let events = ["--events", "data/events.csv", "--no-tiles", "--layer"];
        build(&work, &[&events[..], &[name]].concat())
    };
    layer("drills").expect_code(0);
    layer("Drills").expect_code(2).expect_stderr_line(&[
        "--layer Drills:",
        "holds the layer \"drills\", whose name differs from this one only in case",
        "case-insensitive file system",
    ]);
    assert!(!work.out().join("Drills.geojson").exists());
    layer("drills").expect_code(0);
}

// Item 8: values beginning with `=`, `+`, `-`, `@` were written raw to CSV for spreadsheets.
#[test]
fn formulas_are_neutralised_in_batch_output_and_the_errors_file() {
    let work = Work::new("small");
    let batch_csv = work.write_csv("batch.csv", "name,country\n\"=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",\n@SUM(1),\n+1,\nTermiz,UZ\n");
    let run = work.run(&["geocode", "--data", "data", "--batch", &batch_csv, "-q"]);
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(run.stdout().as_bytes())
        .records()
        .map(Result::unwrap)
        .collect();
    let names: Vec<&str> = rows.iter().map(|r| r.get(0).unwrap()).collect();
    assert_eq!(
        names,
        [
            "'=HYPERLINK(\"http://evil.example\",\"x\")",
            "'@SUM(1)",
            "+1",
            "Termiz"
        ]
    );

    let work = Work::new("events");
    let f_csv = work.write_csv("f.csv", "id,name,start_date,place,country\nev-1,ok,2021-08,Termiz,UZ\nev-2,x,2021-08,=cmd|' /C calc'!A0,\nev-3,y,-1+2,Termiz,UZ\n");
    build(&work, &["--events", &f_csv, "--max-errors", "5"]).expect_code(0);
    let errors = fs::read_to_string(work.out().join("events.errors.csv")).unwrap();
    let values: Vec<String> = csv::Reader::from_reader(errors.as_bytes())
        .records()
        .map(|r| r.unwrap().get(1).unwrap().to_owned())
        .collect();
    assert_eq!(values, ["'=cmd|' /C calc'!A0", "'-1+2"], "{errors}");
}

fn features(v: &Value) -> Vec<(String, Value)> {
    let mut f: Vec<_> = v["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !f["geometry"].is_null())
        .map(|f| (f["id"].as_str().unwrap().to_owned(), f["geometry"].clone()))
        .collect();
    f.sort_by(|a, b| a.0.cmp(&b.0));
    f
}

// Item 6: the gazetteer's own Mulino (56.28923 N, 42.92005 E) was refused as "lat and lon
// look swapped", and 3 of 200 rows of drillmap's own `--seq` output did not read back.
#[test]
fn every_layer_drillmap_writes_reads_back_as_events_with_the_same_features() {
    let work = Work::new(root().join("places").to_str().unwrap());
    work.build().expect_code(0);
    let mut all = String::new();
    for layer in ["exercises", "bases"] {
        let v: Value =
            serde_json::from_slice(&fs::read(work.out().join(format!("{layer}.geojson"))).unwrap())
                .unwrap();
        let mut seq = String::new();
        // Every located feature (an exercise without a place has no point to give back).
        for f in v["features"].as_array().unwrap() {
            if f["geometry"].is_null() {
                continue;
            }
            let p = &f["properties"];
            let line = serde_json::json!({
                "type": "Feature",
                "id": f["id"],
                "geometry": f["geometry"],
                "properties": {"name": p["name"], "country_hint": p["country"]},
            });
            writeln!(seq, "{line}").unwrap();
        }
        all.push_str(&seq);
        fs::write(work.data().join(format!("{layer}.geojsons")), &seq).unwrap();
        work.run(&[
            "build",
            "--data",
            "data",
            "--out",
            "back",
            "--events",
            &format!("data/{layer}.geojsons"),
            "--layer",
            &format!("{layer}-back"),
            "--seq",
        ])
        .expect_code(0);
        let back: Value = serde_json::from_slice(
            &fs::read(work.dir.path().join(format!("back/{layer}-back.geojson"))).unwrap(),
        )
        .unwrap();
        assert_eq!(features(&back), features(&v), "{layer}");

        // The bulk layer's own GeoJSONSeq output, read back as it is.
        let own = format!("back/{layer}-back.geojsons");
        work.run(&[
            "build", "--data", "data", "--out", "again", "--events", &own, "--layer", "again",
        ])
        .expect_code(0);
        let again: Value =
            serde_json::from_slice(&fs::read(work.dir.path().join("again/again.geojson")).unwrap())
                .unwrap();
        assert_eq!(features(&again), features(&v), "{layer} (bulk output)");
    }
    assert!(
        all.contains("42.92005,56.28923"),
        "Mulino is in the dataset"
    );
}

// Item 6: every row of the gazetteer, as a bulk row with its own coordinates, with and
// without its country as the hint, reads as a feature at that point.
#[test]
fn no_gazetteer_place_is_taken_for_a_swap() {
    let work = Work::new(root().join("places").to_str().unwrap());
    let table = fs::read_to_string(work.data().join("places.csv")).unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_reader(table.as_bytes());
    let mut csv = String::from("id,name,start_date,country,lat,lon\n");
    let mut rows = 0;
    for r in reader.records() {
        let r = r.unwrap();
        let (id, cc, lat, lon) = (&r[0], &r[3], &r[5], &r[6]);
        writeln!(csv, "{id}-hint,x,2021,{cc},{lat},{lon}").unwrap();
        writeln!(csv, "{id}-bare,x,2021,,{lat},{lon}").unwrap();
        rows += 2;
    }
    assert!(csv.contains("mulino-training-ground-hint,x,2021,RU,56.28923,42.92005"));
    let gazetteer_csv = work.write_csv("gazetteer.csv", csv);
    build(&work, &["--events", &gazetteer_csv]).expect_code(0);
    let v: Value =
        serde_json::from_slice(&fs::read(work.out().join("events.geojson")).unwrap()).unwrap();
    assert_eq!(v["features"].as_array().unwrap().len(), rows);

    // A real swap is still caught: Samarkand written the wrong way round.
    let swapped_csv = work.write_csv(
        "swapped.csv",
        "id,name,start_date,country,lat,lon\ns1,x,2021,UZ,66.96,39.65\n",
    );
    build(&work, &["--events", &swapped_csv])
        .expect_code(1)
        .expect_stderr_line(&[
            "swapped.csv:2:",
            "lat and lon look swapped: as given the point is not in UZ, swapped it is",
        ]);
}

// Item 7: an empty `exercises.toml` silently emptied the exercises layer.
#[test]
fn an_empty_exercises_file_is_refused_unless_asked() {
    let work = Work::new("small");
    work.build().expect_code(0);
    let good = work.outputs();
    fs::write(work.data().join("exercises.toml"), "# nothing yet\n").unwrap();
    build(&work, &[]).expect_code(1).expect_stderr_line(&[
        "data/exercises.toml: no [[exercise]] records",
        "nothing was written",
        "--allow-empty",
    ]);
    assert_eq!(work.outputs(), good);
    work.check()
        .expect_stderr_line(&["warning: data/exercises.toml: no [[exercise]] records"]);
    build(&work, &["--allow-empty"])
        .expect_code(0)
        .expect_stderr_line(&["warning:", "the exercises layer is empty"])
        .expect_stderr_line(&["exercises.geojson: 0 features"]);
    // An emptied bases.toml is refused alike (probe, session 39: it emptied the layer).
    let work = Work::new("small");
    work.build().expect_code(0);
    let good = work.outputs();
    fs::write(work.data().join("bases.toml"), "").unwrap();
    build(&work, &[]).expect_code(1).expect_stderr_line(&[
        "data/bases.toml: no [[base]] records: the bases layer would be empty",
        "nothing was written",
    ]);
    assert_eq!(work.outputs(), good);
    work.check()
        .expect_code(0)
        .expect_stderr_line(&["warning: data/bases.toml: no [[base]] records"]);
    // Probe 10: `check --strict`, a gate before `build`, passed what `build` refuses.
    work.run(&["check", "--data", "data", "--strict"])
        .expect_code(1)
        .expect_stderr_line(&["data/bases.toml: no [[base]] records", "--allow-empty"])
        .expect_stderr_line(&["0 bases: 2 problems"]);
    build(&work, &["--allow-empty"])
        .expect_code(0)
        .expect_stderr_line(&["warning:", "the bases layer is empty"])
        .expect_stderr_line(&["bases.geojson: 0 features"]);
}

/// Probe finding 11: a UTF-16 events CSV gave a raw Rust dump (`Utf8 { pos: Some(...`), and
/// `tiles` said "lat is empty but the other coordinate is given" when both were empty.
#[test]
fn a_utf16_events_file_and_a_row_without_coordinates_are_told_plainly() {
    let work = Work::new("events");
    let mut utf16 = vec![0xFF, 0xFE];
    for u in "id,place\nq1,Termiz\n".encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    std::fs::write(work.data().join("u16.csv"), utf16).unwrap();
    let run = work.run(&[
        "build",
        "--data",
        "data",
        "--out",
        "out",
        "--events",
        "data/u16.csv",
    ]);
    run.expect_code(1).expect_stderr_line(&[
        "u16.csv:1",
        "not UTF-8 text",
        "save the file as UTF-8",
    ]);
    assert!(!run.stderr().contains("Utf8 {"), "{}", run.stderr());
    let nocoords_csv = work.write_csv("nocoords.csv", "id,lat,lon\nq1,,\n");
    work.run(&["tiles", "--out", "out/t.pmtiles", &nocoords_csv])
        .expect_stderr_line(&["nocoords.csv:2", "no coordinates: lat and lon are empty"]);
}

// Probe finding 11: `--out` at a file said "File exists (os error 17)", a folder under a
// file "Not a directory", and a folder named `geonames.idx` "No such device (os error 19)".
#[test]
fn an_output_folder_that_is_a_file_and_an_index_that_is_a_folder_are_named_plainly() {
    let work = Work::new("small");
    fs::write(work.dir.path().join("afile"), "x").unwrap();
    work.run(&["build", "--data", "data", "--out", "afile"])
        .expect_code(2)
        .expect_stderr_line(&["afile: a file, not a folder: cannot write output into it"]);
    work.run(&["build", "--data", "data", "--out", "afile/sub"])
        .expect_code(2)
        .expect_stderr_line(&["afile: a file, not a folder: cannot make afile/sub inside it"]);
    assert_eq!(
        fs::read_to_string(work.dir.path().join("afile")).unwrap(),
        "x"
    );

    let places = Work::new(root().join("places").to_str().unwrap());
    let idx = places.data().join("geonames.idx");
    let _ = fs::remove_file(&idx);
    fs::create_dir(&idx).unwrap();
    places
        .run(&["geocode", "--data", "data", "Termiz"])
        .expect_code(2)
        .expect_stderr_line(&["geonames.idx: a folder, not a regular file"]);
}

/// Probe 8 #3: `geocode --batch` named every row of a CRLF file one line too early (the
/// first row as the header's line), and a row of the wrong width failed the whole file
/// with the csv crate's text. It reads as `build --events` does.
#[test]
fn geocode_batch_names_physical_lines_and_rows_of_the_wrong_width() {
    let work = Work::new("small");
    let b = work.write_csv("b.csv", "name,country\r\nTermiz,UZ\r\n\r\n,TJ\r\n");
    work.run(&["geocode", "--data", "data", "--batch", &b, "-q"])
        .expect_code(1)
        .expect_stderr_line(&["b.csv:4:", "empty name"]);
    let b2 = work.write_csv(
        "b2.csv",
        "name,country\r\nTermiz,UZ\r\nTermiz,UZ,x\r\n,TJ\r\n",
    );
    work.run(&["geocode", "--data", "data", "--batch", &b2, "-q"])
        .expect_code(1)
        .expect_stderr_line(&[
            "b2.csv:3: \"Termiz,UZ,x\": expected 2 columns as in the header, found 3",
        ])
        .expect_stderr_line(&["b2.csv:4:", "empty name"]);
}

/// Probe 8 #7: Windows-1251 text got three messages, none naming the column or showing the
/// bytes (and a 0-based field in two), and a gzipped CSV was told it may be UTF-16. Every
/// CSV reader gives one message; a compressed file is said to be one.
#[test]
fn text_that_is_not_utf8_is_named_by_column_and_a_compressed_file_is_said_to_be_one() {
    let work = Work::new("events");
    let mut cp1251 = b"id,name,start_date,place,country\nq1,x,2021-08,".to_vec();
    cp1251.extend_from_slice(b"\xD2\xE5\xF0\xEC\xE5\xE7,UZ\n");
    let w = work.write_csv("w.csv", &cp1251);
    build(&work, &["--events", &w])
        .expect_code(1)
        .expect_stderr_line(&[
        "w.csv:2: column \"place\" (field 4) is not UTF-8 text: \"\\xD2\\xE5\\xF0\\xEC\\xE5\\xE7\"",
        "read as Windows-1251 (Cyrillic) it is \"Термез\"",
        "iconv -f cp1251 -t utf-8",
    ]);
    let wb = work.write_csv("wb.csv", b"name,country\n\xD2\xE5\xF0\xEC\xE5\xE7,UZ\n");
    work.run(&["geocode", "--data", "data", "--batch", &wb, "-q"])
        .expect_code(1)
        .expect_stderr_line(&[
            "wb.csv:2: column \"name\" (field 1) is not UTF-8 text",
            "iconv -f cp1251 -t utf-8",
        ]);
    let gz = work.write_csv("w.csv.gz", b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03");
    build(&work, &["--events", &gz, "--format", "csv"])
        .expect_stderr_line(&["w.csv.gz: a gzip-compressed file, not text", "gunzip -k"]);
}

/// Probe 8 #10: Excel's `sep=,` first line was taken for the header ("no id column"), a
/// `;` header with a comma in a name got no separator hint, and `geocode --batch` never
/// gave it.
#[test]
fn excel_separator_lines_and_semicolon_headers_are_understood() {
    let work = Work::new("events");
    let a = work.write_csv(
        "a.csv",
        "sep=,\r\nid,name,start_date,place,country\r\nq1,x,2021-08,Termiz,UZ\r\nq2,x,2021-13,Termiz,UZ\r\n",
    );
    // The header is read on line 2, the rows after it keep their lines.
    build(&work, &["--events", &a])
        .expect_code(1)
        .expect_stderr_line(&["a.csv:4:"]);
    let b = work.write_csv(
        "b.csv",
        "id;name;start_date;place;notes, more\nq1;x;2021;Termiz;y\n",
    );
    build(&work, &["--events", &b])
        .expect_code(1)
        .expect_stderr_line(&["b.csv:1:", "looks separated by ';', not commas"]);
    let c = work.write_csv("c.csv", "name;country\nTermiz;UZ\n");
    work.run(&["geocode", "--data", "data", "--batch", &c, "-q"])
        .expect_code(1)
        .expect_stderr_line(&["c.csv:1:", "looks separated by ';', not commas"]);
    let d = work.write_csv("d.csv", "sep=;\nname;country\nTermiz;UZ\n");
    work.run(&["geocode", "--data", "data", "--batch", &d, "-q"])
        .expect_code(1)
        .expect_stderr_line(&[
            "d.csv:1:",
            "\"sep=;\" is Excel's note that the file is separated by ';'",
        ]);
}

/// Review finding (session 20): a CSV fault was worded by whichever reader met it (the
/// bulk reader by the Debug form of the csv crate's error kind, `places.csv`'s header by
/// the crate's text after drillmap's own line: `places.csv:2: line 2: the quoted field
/// ...`). The same fault in `places.csv`, a bulk CSV, a CSV to tile and a batch to geocode
/// says the same words, on the line it is on, after a blank line.
#[test]
fn a_csv_fault_is_worded_alike_by_every_csv_reader() {
    let work = Work::new("small");
    let places = fs::read_to_string(work.data().join("places.csv")).unwrap();
    // Each reader: the file, the text before the faulty row, how it is read.
    let readers = [
        ("places.csv", places.as_str(), "check --data data"),
        (
            "events.csv",
            "id,name,place,start_date\n",
            "build --data data --out out --events data/events.csv",
        ),
        (
            "points.csv",
            "id,name,lat,lon\n",
            "tiles --out out/p.pmtiles data/points.csv",
        ),
        (
            "names.csv",
            "id,name\n",
            "geocode --data data --batch data/names.csv",
        ),
    ];
    let never_closed = |start: &str| {
        format!(
            "the quoted field starting {start:?} is never closed: the file ends inside it \
             (is it cut short?)"
        )
    };
    for (file, before, args) in readers {
        let args: Vec<&str> = args.split(' ').collect();
        let width = before.lines().last().unwrap().split(',').count();
        let wide = vec!["x"; width + 1].join(",");
        // The row's line: after `before` and a blank line.
        let line = before.lines().count() + 2;
        for (text, at, said) in [
            // A header whose quoted field is never closed.
            (b"\nid,\"name\n".to_vec(), 2, never_closed("name\n")),
            (
                format!("{before}\nx,\"open\n").into_bytes(),
                line,
                never_closed("open\n"),
            ),
            (
                [format!("{before}\nx,").as_bytes(), b"na\xFFme\n"].concat(),
                line,
                "column \"name\" (field 2) is not UTF-8 text: \"na\\xFFme\"; save the file as \
                 UTF-8 (text in another code page converts with `iconv -f CODEPAGE -t utf-8`, \
                 e.g. cp1252 for Western European text)"
                    .to_owned(),
            ),
            (
                format!("{before}\n{wide}\n").into_bytes(),
                line,
                format!(
                    "{wide:?}: expected {width} columns as in the header, found {}",
                    width + 1
                ),
            ),
        ] {
            fs::write(work.data().join(file), &text).unwrap();
            let run = work.run(&args);
            let at = format!("data/{file}:{at}: {said}");
            assert!(
                run.stderr().lines().any(|l| l.contains(&at)),
                "{args:?} on {:?}: no line with {at:?}\n--- stderr\n{}",
                String::from_utf8_lossy(&text),
                run.stderr()
            );
        }
        fs::write(work.data().join("places.csv"), &places).unwrap();
    }
}
