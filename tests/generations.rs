//! One output generation, nothing left behind (issue 14, items 3 and 4): a build's files are
//! published together under a lock with a manifest naming them, a second build waits for
//! the first, and a run killed at any stage leaves the previous generation (or one the next
//! run completes) and no temporary file after the next run. Kills are placed at named
//! stages (`DRILLMAP_TEST_KILL_AT`, honoured by test builds only), not at moments.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod util;

use std::fmt::Write as _;
use std::fs;
use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};

use serde_json::Value;
use util::{Run, Work};

/// Run drillmap in `work` with `env` set.
fn run_env(work: &Work, args: &[&str], env: &[(&str, &str)]) -> Run {
    work.run_env(args, env)
}

/// Assert the run was killed (SIGKILL), as the kill point asked.
fn killed(run: &Run, stage: &str) {
    assert_eq!(
        run.0.status.signal(),
        Some(9),
        "not killed at {stage}\n--- stderr\n{}",
        run.stderr()
    );
}

/// The manifest names exactly the files in out/ (but itself and hidden ones), each with
/// the size and SHA-256 that `sha256sum`, an independent tool, finds.
fn consistent(work: &Work) -> Value {
    let manifest: Value =
        serde_json::from_slice(&fs::read(work.out().join("manifest.json")).unwrap()).unwrap();
    let named: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    let on_disk: Vec<String> = work
        .outputs()
        .into_iter()
        .map(|(n, _)| n)
        .filter(|n| n != "manifest.json" && !n.starts_with('.'))
        .collect();
    assert_eq!(
        named, on_disk,
        "the manifest names every file, and no other"
    );
    for f in manifest["files"].as_array().unwrap() {
        let name = f["name"].as_str().unwrap();
        let path = work.out().join(name);
        let sum = util::tool_output("sha256sum", &[path.to_str().unwrap()]);
        assert_eq!(
            sum.split_whitespace().next(),
            f["sha256"].as_str(),
            "{name} is not the file the manifest names"
        );
        assert_eq!(
            fs::metadata(&path).unwrap().len(),
            f["bytes"].as_u64().unwrap()
        );
    }
    manifest
}

/// Every visible file in out/ (the generation), by name, as its size and a hash (so a
/// difference shows as names, not bytes).
fn files(work: &Work) -> Vec<(String, usize, u64)> {
    use std::hash::{Hash, Hasher};
    work.outputs()
        .into_iter()
        .filter(|(n, _)| !n.starts_with('.'))
        .map(|(n, bytes)| {
            let mut h = std::hash::DefaultHasher::new();
            bytes.hash(&mut h);
            (n, bytes.len(), h.finish())
        })
        .collect()
}

/// Bytes of the litter in out/ that is not the publish journal (the temporary files).
fn temporary_bytes(work: &Work) -> u64 {
    work.litter()
        .iter()
        .filter(|n| n.as_str() != ".drillmap-publish.json")
        .map(|n| fs::metadata(work.out().join(n)).unwrap().len())
        .sum()
}

/// What the next run says about the litter a kill at `stage` left, and that it leaves none.
fn next_run_cleans_up(next: &Run, stage: &str, bytes: u64, work: &Work) {
    if ["renamed", "manifest"].contains(&stage) {
        next.expect_stderr_line(&["completed the publish a killed or failed run left in out"]);
    } else {
        next.expect_stderr_line(&[
            "removed",
            &format!("({bytes} bytes) that killed runs left in out"),
        ]);
    }
    assert_eq!(work.litter(), Vec::<String>::new(), "litter after {stage}");
}

#[test]
fn a_build_killed_at_any_stage_leaves_one_generation_and_the_next_run_cleans_up() {
    let edit = |w: &Work| w.edit("exercises.toml", "Drill One", "Drill One, renamed");
    let fresh = Work::new("small");
    edit(&fresh);
    fresh.build().expect_code(0);
    let wanted = files(&fresh);
    for stage in ["staged", "renamed", "manifest"] {
        let work = Work::new("small");
        work.build().expect_code(0);
        let before = files(&work);
        let old_manifest = consistent(&work);
        edit(&work);
        let args = ["build", "--data", "data", "--out", "out"];
        killed(
            &run_env(&work, &args, &[("DRILLMAP_TEST_KILL_AT", stage)]),
            stage,
        );
        let manifest: Value =
            serde_json::from_slice(&fs::read(work.out().join("manifest.json")).unwrap()).unwrap();
        assert_eq!(
            manifest, old_manifest,
            "{stage}: the manifest still names the old generation"
        );
        if stage == "staged" {
            assert_eq!(
                files(&work),
                before,
                "{stage}: the old generation, byte for byte"
            );
        } else {
            assert!(work.litter().contains(&".drillmap-publish.json".to_owned()));
        }
        assert!(
            !work.litter().is_empty(),
            "{stage}: the kill left its temporaries"
        );
        let bytes = temporary_bytes(&work);
        let next = work.build();
        next.expect_code(0);
        next_run_cleans_up(&next, stage, bytes, &work);
        assert_eq!(files(&work), wanted, "{stage}: the next run's generation");
        consistent(&work);
    }
}

/// `rows` events with their own coordinates, in reverse id order (so the build sorts, and
/// with a small buffer spills), named `name N`.
fn events(rows: usize, name: &str) -> String {
    let mut s = String::from("id,name,start_date,place,country,lat,lon\n");
    for k in (0..rows).rev() {
        let lon = 60.0 + (k % 997) as f64 * 0.0173;
        let lat = 35.0 + (k % 499) as f64 * 0.0191;
        writeln!(s, "ev{k:06},{name} {k},2021-08-05,,,{lat},{lon}").unwrap();
    }
    s
}

/// `build --data data --out out --events EVENTS` and `extra`.
fn bulk_args(events: &str, extra: &[&str]) -> Vec<String> {
    let mut args = [
        "build", "--data", "data", "--out", "out", "--events", events,
    ]
    .to_vec();
    args.extend_from_slice(extra);
    args.into_iter().map(str::to_owned).collect()
}

#[test]
fn a_bulk_build_killed_while_spilling_or_publishing_leaves_one_generation() {
    let args = bulk_args("data/big.csv", &["--seq", "--sort-buffer-mib", "1"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let fresh = Work::new("events");
    fs::write(fresh.data().join("big.csv"), events(8000, "Drill")).unwrap();
    fresh.run(&args).expect_code(0);
    let wanted = files(&fresh);
    for stage in ["spilled", "staged", "renamed"] {
        let work = Work::new("events");
        fs::write(work.data().join("big.csv"), events(8000, "Event")).unwrap();
        work.run(&args).expect_code(0);
        let before = files(&work);
        consistent(&work);
        fs::write(work.data().join("big.csv"), events(8000, "Drill")).unwrap();
        killed(
            &run_env(&work, &args, &[("DRILLMAP_TEST_KILL_AT", stage)]),
            stage,
        );
        if stage != "renamed" {
            assert_eq!(
                files(&work),
                before,
                "{stage}: the old generation, byte for byte"
            );
        }
        if stage == "spilled" {
            let litter = work.litter();
            assert!(
                litter.iter().any(|n| n.contains(".run0.drillmap-")),
                "a spilled run: {litter:?}"
            );
        }
        let bytes = temporary_bytes(&work);
        assert!(bytes > 0, "{stage}: the kill left its temporaries");
        let next = work.run(&args);
        next.expect_code(0);
        next_run_cleans_up(&next, stage, bytes, &work);
        assert_eq!(files(&work), wanted, "{stage}: the next run's generation");
        consistent(&work);
    }
}

#[test]
fn a_second_build_into_the_same_folder_waits_and_both_finish_as_one_generation() {
    let work = Work::new("small");
    let other = work.dir.path().join("other");
    Command::new("cp")
        .args(["-r", "data"])
        .arg(&other)
        .current_dir(work.dir.path())
        .status()
        .unwrap();
    work.edit("exercises.toml", "Drill One", "Drill One, first");
    let (first, go) = work.spawn_held(&["build", "--data", "data", "--out", "out"], "locked");
    let mut second = Command::new(env!("CARGO_BIN_EXE_drillmap"))
        .args(["build", "--data", "other", "--out", "out"])
        .current_dir(work.dir.path())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(second.stderr.take().unwrap()).lines();
    let waiting = lines.next().unwrap().unwrap();
    assert!(
        waiting.starts_with(&format!(
            "out is being written by another drillmap (process {})",
            first.id()
        )) && waiting.contains("waiting for it to finish (lock: out/.drillmap.lock)"),
        "{waiting}"
    );
    fs::write(&go, "").unwrap();
    let first = first.wait_with_output().unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    assert!(second.wait().unwrap().success(), "{rest:?}");
    // The second build ran after the first: its generation is the folder's.
    let alone = Work::new("small");
    alone.build().expect_code(0);
    assert_eq!(files(&work), files(&alone));
    assert_eq!(work.litter(), Vec::<String>::new());
    consistent(&work);
}

#[test]
fn a_file_changed_behind_the_manifest_is_reported_and_left_out() {
    let work = Work::new("small");
    work.build().expect_code(0);
    fs::write(work.data().join("few.csv"), events(5, "Drill")).unwrap();
    let layer = work.out().join("bases.geojson");
    let text = fs::read_to_string(&layer).unwrap();
    // The same size, other bytes: only the hash tells.
    fs::write(&layer, text.replacen("Feature", "FEATURE", 1)).unwrap();
    let args = bulk_args("data/few.csv", &[]);
    let run = work.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    run.expect_code(0).expect_stderr_line(&[
        "out/bases.geojson does not match manifest.json (generation ",
        "other bytes",
        "left out of the new generation",
    ]);
    let manifest = fs::read_to_string(work.out().join("manifest.json")).unwrap();
    assert!(!manifest.contains("bases.geojson") && manifest.contains("events.geojson"));
    work.build().expect_code(0);
    consistent(&work);
}

/// Change one word of the layer at `path` in place, the same size, and put its
/// modification time back (as `touch -r` would); its text before.
fn edit_in_place(path: &std::path::Path) -> String {
    let mtime = fs::metadata(path).unwrap().modified().unwrap();
    // A later clock tick than the file's last change.
    std::thread::sleep(std::time::Duration::from_millis(50));
    let text = fs::read_to_string(path).unwrap();
    fs::write(path, text.replacen("Feature", "FEATURE", 1)).unwrap();
    let file = fs::File::options().write(true).open(path).unwrap();
    file.set_modified(mtime).unwrap();
    text
}

/// A digest known from an earlier run (`out/.drillmap-digests.json`) is taken for a file
/// while the file is untouched, and only then: a file written by the run before is verified
/// once and remembered, a remembered digest is used as it is (shown here by spoiling it),
/// and a file written in place since, the same size with its modification time put back,
/// is hashed again and found changed.
#[test]
fn a_remembered_digest_serves_while_the_file_is_untouched_and_no_longer() {
    let work = Work::new("small");
    fs::write(work.data().join("few.csv"), events(5, "Drill")).unwrap();
    let args = bulk_args("data/few.csv", &[]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let known_path = work.out().join(".drillmap-digests.json");
    let known = || -> Value { serde_json::from_slice(&fs::read(&known_path).unwrap()).unwrap() };
    let sha_of = |v: &Value, name: &str| -> Option<String> {
        v["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .map(|f| f["sha256"].as_str().unwrap().to_owned())
    };
    work.build().expect_code(0);
    work.run(&args).expect_code(0);
    // The hand-kept layers, older than the second run, were verified by it (carried over)
    // and remembered; events.geojson was renamed into place by it: not yet.
    let manifest = consistent(&work);
    let k = known();
    assert_eq!(
        sha_of(&k, "bases.geojson"),
        sha_of(&manifest, "bases.geojson")
    );
    assert_eq!(sha_of(&k, "events.geojson"), None, "{k}");
    work.run(&args).expect_code(0);
    let manifest = consistent(&work);
    assert_eq!(
        sha_of(&known(), "events.geojson"),
        sha_of(&manifest, "events.geojson")
    );
    // Spoilt, the remembered digest is what the manifest takes for the unchanged layer.
    let spoilt = "0".repeat(64);
    let right = sha_of(&manifest, "events.geojson").unwrap();
    let text = fs::read_to_string(&known_path)
        .unwrap()
        .replace(&right, &spoilt);
    fs::write(&known_path, text).unwrap();
    work.run(&args).expect_code(0);
    let manifest: Value =
        serde_json::from_slice(&fs::read(work.out().join("manifest.json")).unwrap()).unwrap();
    assert_eq!(sha_of(&manifest, "events.geojson"), Some(spoilt));
    // Written in place, the same size, its modification time put back: its status change
    // time moved, so it is hashed and the layer, differing, written again.
    let layer = work.out().join("events.geojson");
    let text = edit_in_place(&layer);
    work.run(&args).expect_code(0);
    assert_eq!(fs::read_to_string(&layer).unwrap(), text);
    consistent(&work);
    // The same for a file carried over: hashed, found changed, left out.
    edit_in_place(&work.out().join("bases.geojson"));
    work.run(&args).expect_code(0).expect_stderr_line(&[
        "out/bases.geojson does not match manifest.json (generation ",
        "other bytes",
    ]);
    assert_eq!(sha_of(&known(), "bases.geojson"), None);
}

/// Probe finding 4: Ctrl-C (SIGINT) or SIGTERM left the run's temporary files in the
/// output folder. Now the run removes them and exits 128 + the signal, the previous
/// generation intact; a signal during a publish waits for it, so the journal never names a
/// staged file that is gone. The run is held at a named stage (no timing) and signalled.
#[test]
fn an_interrupted_build_removes_its_temporaries_and_leaves_one_generation() {
    let args = bulk_args("data/big.csv", &["--seq", "--sort-buffer-mib", "1"]);
    for (stage, signal, code) in [
        ("spilled", "-INT", 130),
        ("staged", "-INT", 130),
        ("staged", "-TERM", 143),
        ("renamed", "-INT", 130),
    ] {
        let work = Work::new("events");
        fs::write(work.data().join("big.csv"), events(8000, "Event")).unwrap();
        work.run(&args.iter().map(String::as_str).collect::<Vec<_>>())
            .expect_code(0);
        let before = files(&work);
        fs::write(work.data().join("big.csv"), events(8000, "Drill")).unwrap();
        let (child, until) = work.spawn_held(&args, stage);
        assert!(
            temporary_bytes(&work) > 0,
            "{stage}: temporaries while held"
        );
        Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        if stage == "renamed" {
            // The signal thread waits for the publish the held run is in: let it go on.
            // (Elsewhere the run stays held, so it cannot publish before the signal acts.)
            fs::write(&until, "").unwrap();
        }
        let out = child.wait_with_output().unwrap();
        let (status, stderr) = (out.status, String::from_utf8_lossy(&out.stderr));
        assert_eq!(
            work.litter(),
            Vec::<String>::new(),
            "{stage} {signal}: no temporary file, no journal"
        );
        consistent(&work);
        // The lock is left empty, as a run that ends leaves it (probe, session 38: a
        // signal left the process id of a process gone).
        assert_eq!(
            fs::read_to_string(work.out().join(".drillmap.lock")).unwrap(),
            "",
            "{stage} {signal}"
        );
        let says_published = stderr
            .lines()
            .any(|l| l.starts_with("interrupted after the new output was published"));
        if stage == "renamed" {
            // The publish completes before the handler cleans up: the new generation,
            // and an exit by the signal says so (probe, session 24: 143 alone read as
            // "the previous output stays").
            assert!(
                [Some(0), Some(code)].contains(&status.code()),
                "{stage}: {status}"
            );
            // A run that ends its report as the signal comes exits 0 and says nothing of
            // it; one the signal ends says it was interrupted (probe, session 38: it could
            // say so and exit 0).
            assert_eq!(
                says_published,
                status.code() == Some(code),
                "{status}: {stderr}"
            );
            assert_ne!(files(&work), before);
        } else {
            assert!(!says_published, "{stage}: {stderr}");
            assert_eq!(status.code(), Some(code), "{stage} {signal}: {status}");
            assert_eq!(
                files(&work),
                before,
                "{stage}: the old generation, byte for byte"
            );
        }
    }
}

/// Review (session 34): a build signalled before it wrote anything into an output folder
/// it made left that folder holding only its lock (the handler exits without the lock's
/// `Drop`, which removes it when the run fails). The handler removes it too, with the
/// parents made for it; a folder that was there stays.
#[test]
fn an_interrupted_build_into_a_new_folder_leaves_no_folder() {
    let work = Work::new("small");
    for (out, signal, code) in [("new/deeper/out", "-INT", 130), ("new", "-TERM", 143)] {
        let args = ["build", "--data", "data", "--out", out];
        let (child, _until) = work.spawn_held(&args, "locked");
        assert!(work.dir.path().join(out).join(".drillmap.lock").exists());
        Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        let status = child.wait_with_output().unwrap().status;
        assert_eq!(status.code(), Some(code), "{out}");
        assert!(!work.dir.path().join("new").exists(), "{out}: left behind");
        fs::remove_file(work.dir.path().join("go.reached")).unwrap();
    }
    // Into a folder that was there: it stays, with the lock file it holds.
    fs::create_dir(work.dir.path().join("was")).unwrap();
    let args = ["build", "--data", "data", "--out", "was"];
    let (child, _until) = work.spawn_held(&args, "locked");
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert_eq!(child.wait_with_output().unwrap().status.code(), Some(130));
    assert!(work.dir.path().join("was").is_dir());
}

/// Probe finding 6: the README's `drillmap tiles --max-zoom 12 --out output/drillmap.pmtiles`
/// after `build` replaced the archive behind `manifest.json`, so `serve` answered 503 for
/// it. Into a folder with a manifest, `tiles` publishes the archive as a new generation.
#[test]
fn tiles_into_a_built_folder_publish_a_new_generation() {
    let work = Work::new("small");
    work.build().expect_code(0);
    let before = consistent(&work);
    let archive = || fs::read(work.out().join("drillmap.pmtiles")).unwrap();
    let built = archive();
    work.run(&[
        "tiles",
        "--data",
        "data",
        "--max-zoom",
        "12",
        "--out",
        "out/drillmap.pmtiles",
    ])
    .expect_code(0);
    assert_ne!(archive(), built, "other zooms, other bytes");
    let after = consistent(&work);
    assert_ne!(after["generation"], before["generation"]);
    assert_eq!(work.litter(), Vec::<String>::new());
    // The next build writes it back with its own zooms, again as a generation.
    work.build().expect_code(0);
    assert_eq!(archive(), built);
    consistent(&work);
}

/// Review finding: any `manifest.json` made the folder a built one, so `tiles` replaced a web
/// app's manifest with drillmap's and left its lock file there. Only a drillmap manifest does.
#[test]
fn tiles_leave_a_manifest_json_that_is_not_drillmaps_alone() {
    let work = Work::new("small");
    let site = work.data().parent().unwrap().join("site");
    fs::create_dir_all(&site).unwrap();
    let theirs = "{\"name\":\"My PWA\",\"start_url\":\"/\"}\n";
    fs::write(site.join("manifest.json"), theirs).unwrap();
    work.run(&["tiles", "--data", "data", "--out", "site/drillmap.pmtiles"])
        .expect_code(0);
    assert_eq!(
        fs::read_to_string(site.join("manifest.json")).unwrap(),
        theirs
    );
    let mut names: Vec<String> = fs::read_dir(&site)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["drillmap.pmtiles", "manifest.json"]);
}

/// Probe s11 #13: a `build` into an output folder it cannot write, whose layers are already
/// current, failed with only `OUT/.drillmap.lock: Read-only file system`; then (review, s12)
/// it failed still, saying so, because the lock was taken before the build knew nothing
/// would change. Now an unchanged rebuild succeeds, writing nothing, and one that would
/// change a layer fails saying the folder cannot be written, the outputs as they were.
/// (Run as root, the builds are run as `nobody` through setpriv, since root may write
/// anywhere.)
#[cfg(unix)]
#[test]
fn build_into_an_unwritable_output_folder_succeeds_unchanged_and_fails_saying_so_on_a_change() {
    let work = Work::new("small");
    work.build().expect_code(0);
    let before = work.outputs();
    let args = ["build", "--data", "data", "--out", "out"];
    work.with_read_only_out(|| {
        work.run_unprivileged(&args)
            .expect_code(0)
            .expect_stderr_line(&["exercises.geojson", "unchanged"])
            .expect_stderr_line(&["drillmap.pmtiles", "unchanged"]);
        assert_eq!(work.outputs(), before);
        work.edit("exercises.toml", "Drill One", "Drill One, again");
        work.run_unprivileged(&args)
            .expect_code(2)
            .expect_stderr_line(&[
                "out: the output folder cannot be written (",
                "this run would write exercises.geojson there",
                "make the folder writable, or give another --out",
            ]);
    });
    assert_eq!(work.outputs(), before);
    assert_eq!(work.litter(), Vec::<String>::new());

    // Probe (session 29): a run that would only remove a file said it would write it.
    let work = Work::new("events");
    let args = bulk_args("data/events.csv", &["--seq"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    work.run(&args).expect_code(0);
    let before = work.outputs();
    work.with_read_only_out(|| {
        work.run_unprivileged(&args[..args.len() - 1])
            .expect_code(2)
            .expect_stderr_line(&["this run would remove events.geojsons there"]);
    });
    assert_eq!(work.outputs(), before);
}

/// Probe s11 #12: a layer file that is a symlink is replaced, not written through: every
/// file is published by rename (atomically), which replaces the link and leaves its target
/// as it was. Documented in the README; symlink the output folder instead (`--out LINK`).
#[cfg(unix)]
#[test]
fn a_symlinked_layer_file_is_replaced_by_the_new_file_and_its_target_left_alone() {
    let work = Work::new("small");
    work.build().expect_code(0);
    let layer = work.out().join("exercises.geojson");
    let elsewhere = work.dir.path().join("elsewhere.geojson");
    fs::rename(&layer, &elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &layer).unwrap();
    let old = fs::read(&elsewhere).unwrap();
    work.edit("exercises.toml", "Drill One", "Drill One, again");
    work.build().expect_code(0);
    assert!(!fs::symlink_metadata(&layer)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_ne!(fs::read(&layer).unwrap(), old);
    assert_eq!(
        fs::read(&elsewhere).unwrap(),
        old,
        "the target is left as it was"
    );
}

/// Probe (session 26): a folder where a layer goes (`out/uncertainty.geojson/`) failed the
/// build at its rename, after the other layers had been replaced: the manifest still named
/// the old generation, the journal and a temporary file were left, and the run said only
/// "Is a directory". It is refused before anything is published, saying what is in the way.
#[test]
fn a_folder_where_a_layer_goes_is_refused_before_anything_is_published() {
    let work = Work::new("small");
    work.build().expect_code(0);
    let layer = work.out().join("uncertainty.geojson");
    fs::remove_file(&layer).unwrap();
    fs::create_dir_all(layer.join("x")).unwrap();
    let names = [
        "exercises.geojson",
        "bases.geojson",
        "afghan_border.geojson",
        "drillmap.pmtiles",
        "manifest.json",
    ];
    let read = || names.map(|n| fs::read(work.out().join(n)).unwrap());
    let before = read();
    work.edit("exercises.toml", "Drill One", "Drill One, again");
    work.build().expect_code(2).expect_stderr_line(&[
        "uncertainty.geojson: a folder is where drillmap writes a file of its output",
        "nothing was written",
    ]);
    assert!(read() == before, "no file was replaced");
    assert_eq!(work.litter(), Vec::<String>::new());
    assert!(layer.join("x").is_dir());
    // Moved away, the next build publishes the whole generation.
    fs::remove_dir_all(&layer).unwrap();
    work.build().expect_code(0);
    consistent(&work);
}

#[test]
fn a_killed_publish_is_completed_from_what_is_on_disk_when_its_staged_files_are_gone() {
    let args = bulk_args("data/big.csv", &["--seq"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let fresh = Work::new("events");
    fs::write(fresh.data().join("big.csv"), events(3000, "Drill")).unwrap();
    fresh.run(&args).expect_code(0);
    let wanted = files(&fresh);
    let staged = |work: &Work| -> Vec<String> {
        work.litter()
            .into_iter()
            .filter(|n| n.ends_with(".tmp"))
            .collect()
    };
    for by_hand in [false, true] {
        let work = Work::new("events");
        fs::write(work.data().join("big.csv"), events(3000, "Event")).unwrap();
        work.run(&args).expect_code(0);
        fs::write(work.data().join("big.csv"), events(3000, "Drill")).unwrap();
        // Killed after its first rename: the other changed files are still staged.
        killed(
            &run_env(&work, &args, &[("DRILLMAP_TEST_KILL_AT", "renamed")]),
            "renamed",
        );
        let left = staged(&work);
        assert!(left.len() >= 2, "{left:?}");
        if by_hand {
            for name in &left {
                fs::remove_file(work.out().join(name)).unwrap();
            }
        } else {
            // Another command writing beside them sweeps what dead runs left, but not
            // the files a journal still places.
            fs::write(work.dir.path().join("article.txt"), "Troops held drills.\n").unwrap();
            work.run(&[
                "extract",
                "article.txt",
                "--data",
                "data",
                "--out",
                "out/drafts.toml",
            ])
            .expect_code(0);
            assert_eq!(staged(&work), left, "extract left the journal's files");
            fs::remove_file(work.out().join("drafts.toml")).unwrap();
        }
        // A next build that fails on its own input: it completes the publish first, and
        // the manifest then names what is on disk.
        fs::write(work.data().join("bad.csv"), "id,name,start_date\ne1,A\n").unwrap();
        let bad = bulk_args("data/bad.csv", &["--seq"]);
        let next = work.run(&bad.iter().map(String::as_str).collect::<Vec<_>>());
        next.expect_code(1);
        next.expect_stderr_line(&["completed the publish a killed or failed run left in out"]);
        if by_hand {
            next.expect_stderr_line(&[
                "the killed run's staged files were gone",
                "not listed as this generation's:",
                "(the previous generation's, removed)",
            ]);
        }
        assert_eq!(work.litter(), Vec::<String>::new());
        consistent(&work);
        work.run(&args).expect_code(0);
        assert_eq!(files(&work), wanted, "by hand {by_hand}");
        consistent(&work);
    }
    // Probe (session 29): killed after its journal, before any rename, its staged files
    // removed by hand: the publish never began, and the previous generation, whole, stays
    // (it was removed, for a manifest of no file).
    let work = Work::new("events");
    fs::write(work.data().join("big.csv"), events(3000, "Event")).unwrap();
    work.run(&args).expect_code(0);
    let before = files(&work);
    let old_manifest = consistent(&work);
    fs::write(work.data().join("big.csv"), events(3000, "Drill")).unwrap();
    killed(
        &run_env(&work, &args, &[("DRILLMAP_TEST_KILL_AT", "journal")]),
        "journal",
    );
    let left = staged(&work);
    assert!(left.len() >= 3, "{left:?}");
    for name in &left {
        fs::remove_file(work.out().join(name)).unwrap();
    }
    fs::write(work.data().join("bad.csv"), "id,name,start_date\ne1,A\n").unwrap();
    let bad = bulk_args("data/bad.csv", &["--seq"]);
    let next = work.run(&bad.iter().map(String::as_str).collect::<Vec<_>>());
    next.expect_code(1);
    next.expect_stderr_line(&["never began", "the previous generation stays"]);
    assert_eq!(files(&work), before);
    assert_eq!(consistent(&work), old_manifest);
    assert_eq!(work.litter(), Vec::<String>::new());
}

/// Probe (session 40): `tiles` into a folder with no manifest yet, while a `build` wrote
/// its first generation there, replaced the build's archive outside the generation (it had
/// found no manifest before it tiled), so the manifest named bytes no longer there and the
/// next build left the archive out. A folder that became a built one while `tiles` tiled
/// gets the archive in its generation, under its lock.
#[test]
fn tiles_into_a_folder_a_build_publishes_into_meanwhile_join_its_generation() {
    let work = Work::new("small");
    fs::create_dir(work.out()).unwrap();
    let args = [
        "tiles",
        "--data",
        "data",
        "--max-zoom",
        "8",
        "--out",
        "out/drillmap.pmtiles",
    ];
    let (child, until) = work.spawn_held(&args, "tiles-staged");
    work.build().expect_code(0);
    let built = fs::read(work.out().join("drillmap.pmtiles")).unwrap();
    let generation = consistent(&work)["generation"].clone();
    fs::write(&until, "").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tiled = fs::read(work.out().join("drillmap.pmtiles")).unwrap();
    assert_ne!(tiled, built, "zooms 0-8, not the build's");
    let after = consistent(&work);
    assert_ne!(after["generation"], generation, "a generation of its own");
    assert_eq!(work.litter(), Vec::<String>::new());
}

/// Review (session 41): a lock file a failed build left (emptied, not removed, in a folder
/// that was there before it) made `tiles` treat any folder as a built one, so a web app's
/// `manifest.json` beside the archive was replaced by a drillmap manifest. Only a
/// drillmap manifest makes a folder a built one; its lock is only waited for.
#[test]
fn tiles_beside_a_lock_a_failed_build_left_leave_a_web_apps_manifest_alone() {
    let work = Work::new("small");
    fs::create_dir(work.out()).unwrap();
    let app = r#"{"name": "my map", "start_url": "."}"#;
    fs::write(work.out().join("manifest.json"), app).unwrap();
    fs::write(work.out().join(".drillmap.lock"), "").unwrap();
    work.run(&[
        "tiles",
        "--data",
        "data",
        "--max-zoom",
        "6",
        "--out",
        "out/drillmap.pmtiles",
    ])
    .expect_code(0);
    assert!(work.out().join("drillmap.pmtiles").is_file());
    assert_eq!(
        fs::read_to_string(work.out().join("manifest.json")).unwrap(),
        app
    );
    assert_eq!(work.litter(), Vec::<String>::new());
}

/// Probe, session 42: a rename failing mid-publish (EIO, injected) ended the run with the
/// bare I/O error, the folder holding part of the new generation. The error says the
/// publish stopped part way and that the next run completes it, which it does.
#[test]
fn a_publish_that_fails_part_way_says_so_and_the_next_run_completes_it() {
    let work = Work::new("small");
    let (child, go) = work.spawn_held(&["build", "--data", "data", "--out", "out"], "renamed");
    // The first file is in place; a folder where the next goes makes its rename fail.
    let mut staged: Vec<String> = work
        .litter()
        .into_iter()
        .filter(|n| n.contains(".drillmap-"))
        .filter(|n| n != ".drillmap-publish.json" && n != ".drillmap.lock")
        .collect();
    staged.sort();
    let next = staged
        .iter()
        .filter_map(|n| n.strip_prefix('.')?.split(".drillmap-").next())
        .next()
        .expect("a staged file still to rename")
        .to_owned();
    fs::create_dir(work.out().join(&next)).unwrap();
    fs::write(work.out().join(&next).join("keep"), "").unwrap();
    fs::write(&go, "").unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("out/{next}: "))
            && stderr.contains(
                "the publish stopped part way: out may hold part of the new generation, and \
                 the next run into it completes the rest from .drillmap-publish.json"
            ),
        "{stderr}"
    );
    fs::remove_dir_all(work.out().join(&next)).unwrap();
    work.build()
        .expect_code(0)
        .expect_stderr_line(&["completed the publish a killed or failed run left in out"]);
    consistent(&work);
    assert_eq!(work.litter(), Vec::<String>::new());
    let alone = Work::new("small");
    alone.build().expect_code(0);
    assert_eq!(files(&work), files(&alone));
}
