//! The XYZ folder of `drillmap tiles --xyz DIR` (probe s10 finding 3): built whole under a
//! temporary name beside DIR and swapped in with the archive, so a run killed or
//! interrupted at any stage leaves the previous folder and archive, the next run removes
//! what it left, and a smaller `--max-zoom` leaves no emptied zoom folders. Kills are
//! placed at named stages (`DRILLMAP_TEST_KILL_AT` / `DRILLMAP_TEST_HOLD_AT`, honoured by
//! test builds only), not at moments. Beside a built folder, not inside it (probe s11 #6:
//! its manifest names files, so an XYZ folder inside would go stale at the next `build`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod util;

use std::fs;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use util::Work;

/// Every file under `dir` (folders too, as `NAME/`), by relative path, with its bytes.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, d: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            if p.is_dir() {
                out.push((format!("{rel}/"), Vec::new()));
                walk(root, &p, out);
            } else {
                out.push((rel, fs::read(&p).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Hidden entries in `dir` (temporary files and folders, a journal) but the lock and the
/// digests known.
fn litter(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') && !util::FOLDER_FILES.contains(&n.as_str()))
        .collect();
    names.sort();
    names
}

fn tiles_args(zoom: &str, out: &str, xyz: &str) -> Vec<String> {
    [
        "tiles",
        "--data",
        "data",
        "--max-zoom",
        zoom,
        "--out",
        out,
        "--xyz",
        xyz,
    ]
    .map(str::to_owned)
    .to_vec()
}

/// The folder and archive an uninterrupted run gives, from a fresh copy.
fn reference(zoom: &str) -> (Vec<(String, Vec<u8>)>, Vec<u8>) {
    let work = Work::new("small");
    work.build().expect_code(0);
    let args = tiles_args(zoom, "out/drillmap.pmtiles", "tiles");
    work.run(&args.iter().map(String::as_str).collect::<Vec<_>>())
        .expect_code(0);
    (
        tree(&work.dir.path().join("tiles")),
        fs::read(work.out().join("drillmap.pmtiles")).unwrap(),
    )
}

#[test]
fn tiles_xyz_killed_at_any_stage_leave_the_previous_folder_or_the_next_run_completes_it() {
    let (old_tree, old_archive) = reference("3");
    let (new_tree, new_archive) = reference("5");
    assert_ne!(old_tree, new_tree);
    for stage in ["xyz", "staged", "renamed"] {
        let work = Work::new("small");
        work.build().expect_code(0);
        let old = tiles_args("3", "out/drillmap.pmtiles", "tiles");
        work.run(&old.iter().map(String::as_str).collect::<Vec<_>>())
            .expect_code(0);
        let manifest = fs::read(work.out().join("manifest.json")).unwrap();
        let new = tiles_args("5", "out/drillmap.pmtiles", "tiles");
        let new: Vec<&str> = new.iter().map(String::as_str).collect();
        let run = work.run_env(&new, &[("DRILLMAP_TEST_KILL_AT", stage)]);
        assert_eq!(run.0.status.signal(), Some(9), "{stage}: {}", run.stderr());
        let archive = fs::read(work.out().join("drillmap.pmtiles")).unwrap();
        if stage == "renamed" {
            // Killed between the archive's rename and the folder's swap: the journal names
            // both, and the next run into the folder completes the publish first.
            assert!(!litter(&work.out()).is_empty());
            let next = work.build();
            next.expect_code(0)
                .expect_stderr_line(&["completed the publish a killed or failed run left in out"]);
            assert_eq!(tree(&work.dir.path().join("tiles")), new_tree, "{stage}");
        } else {
            assert_eq!(
                tree(&work.dir.path().join("tiles")),
                old_tree,
                "{stage}: the old folder"
            );
            assert_eq!(archive, old_archive, "{stage}: the old archive");
            assert_eq!(
                fs::read(work.out().join("manifest.json")).unwrap(),
                manifest,
                "{stage}: the old generation"
            );
            assert!(
                litter(work.dir.path())
                    .iter()
                    .any(|n| n.starts_with(".tiles.drillmap-")),
                "{stage}: the staged folder is left by the kill: {:?}",
                litter(work.dir.path())
            );
            work.run(&new).expect_code(0);
            assert_eq!(tree(&work.dir.path().join("tiles")), new_tree, "{stage}");
            assert_eq!(
                fs::read(work.out().join("drillmap.pmtiles")).unwrap(),
                new_archive
            );
        }
        assert_eq!(
            litter(&work.out()),
            Vec::<String>::new(),
            "{stage}: no litter"
        );
        assert_eq!(
            litter(work.dir.path()),
            Vec::<String>::new(),
            "{stage}: no litter beside the folder"
        );
    }
}

/// Ctrl-C while the folder is being staged: exit 130, nothing published (the archive was
/// staged first and is not in place either), no temporary file or folder left.
#[test]
fn tiles_xyz_interrupted_exit_130_with_nothing_published_and_no_litter() {
    let (old_tree, old_archive) = reference("3");
    let work = Work::new("small");
    work.build().expect_code(0);
    let old = tiles_args("3", "out/drillmap.pmtiles", "tiles");
    work.run(&old.iter().map(String::as_str).collect::<Vec<_>>())
        .expect_code(0);
    let (mut child, _) = work.spawn_held(&tiles_args("5", "out/drillmap.pmtiles", "tiles"), "xyz");
    assert!(
        !litter(&work.out()).is_empty() || !litter(work.dir.path()).is_empty(),
        "staged while held"
    );
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert_eq!(tree(&work.dir.path().join("tiles")), old_tree);
    assert_eq!(
        fs::read(work.out().join("drillmap.pmtiles")).unwrap(),
        old_archive
    );
    assert_eq!(litter(&work.out()), Vec::<String>::new());
    assert_eq!(litter(work.dir.path()), Vec::<String>::new());
}

/// Interrupted, a run outside a built folder leaves no folder it made for `--out` or
/// `--xyz` either (they were left, empty, before the handler knew of them).
#[test]
fn tiles_interrupted_remove_the_folders_made_for_out_and_xyz() {
    let work = Work::new("small");
    let args = tiles_args("5", "new/dir/x.pmtiles", "new2/d/tiles");
    let (mut child, _) = work.spawn_held(&args, "xyz");
    assert!(work.dir.path().join("new/dir").is_dir(), "made while held");
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(130));
    for made in ["new", "new2"] {
        assert!(!work.dir.path().join(made).exists(), "{made}");
    }
    assert_eq!(litter(work.dir.path()), Vec::<String>::new());
}

/// Outside a built folder (no manifest, no lock): the same staging, both swapped in one
/// go; a killed run's staged folder beside DIR is removed by the next run, and a smaller
/// `--max-zoom` leaves no emptied zoom folder.
#[test]
fn tiles_xyz_outside_a_built_folder_swap_whole_and_shrink_without_empty_folders() {
    let work = Work::new("small");
    let site = work.dir.path().join("site");
    let args = |zoom: &str| tiles_args(zoom, "site/x.pmtiles", "site/tiles");
    let run = |zoom: &str, env: &[(&str, &str)]| {
        work.run_env(
            &args(zoom).iter().map(String::as_str).collect::<Vec<_>>(),
            env,
        )
    };
    run("6", &[]).expect_code(0);
    let six = tree(&site.join("tiles"));
    assert!(six.iter().any(|(n, _)| n == "6/"));
    let killed = run("4", &[("DRILLMAP_TEST_KILL_AT", "xyz")]);
    assert_eq!(killed.0.status.signal(), Some(9), "{}", killed.stderr());
    assert_eq!(
        tree(&site.join("tiles")),
        six,
        "the previous folder, intact"
    );
    assert!(!litter(&site).is_empty());
    run("4", &[]).expect_code(0);
    assert_eq!(
        litter(&site),
        Vec::<String>::new(),
        "the killed run's folder removed"
    );
    let four = tree(&site.join("tiles"));
    let zooms: Vec<&str> = four
        .iter()
        .map(|(n, _)| n.as_str())
        .filter(|n| n.ends_with('/') && n.matches('/').count() == 1)
        .collect();
    assert_eq!(
        zooms,
        ["0/", "1/", "2/", "3/", "4/"],
        "no emptied zoom folder"
    );
    // The same again: nothing to swap, the files keep their times.
    let mtime = |p: PathBuf| fs::metadata(p).unwrap().modified().unwrap();
    let before = mtime(site.join("tiles/metadata.json"));
    run("4", &[])
        .expect_code(0)
        .expect_stderr_line(&["site/tiles", "unchanged"]);
    assert_eq!(mtime(site.join("tiles/metadata.json")), before);
}

/// The folder is replaced whole: a file drillmap does not write there is refused, not lost.
#[test]
fn tiles_xyz_refuse_a_folder_holding_files_drillmap_does_not_write() {
    let work = Work::new("small");
    let mine = work.dir.path().join("site/tiles/index.html");
    fs::create_dir_all(mine.parent().unwrap()).unwrap();
    fs::write(&mine, "<html>").unwrap();
    let args = tiles_args("3", "site/x.pmtiles", "site/tiles");
    work.run(&args.iter().map(String::as_str).collect::<Vec<_>>())
        .expect_code(2)
        .expect_stderr_line(&[
            "site/tiles/index.html",
            "is not a file drillmap writes there",
        ]);
    assert_eq!(fs::read_to_string(&mine).unwrap(), "<html>");
    assert!(!work.dir.path().join("site/x.pmtiles").exists());
}

/// Probe s11 #6: `tiles --xyz output/tiles` put a folder no manifest names into a built
/// folder, and the next `build` left it stale beside layers of another generation. It is
/// refused before anything is written, however deep inside.
#[test]
fn tiles_xyz_inside_a_built_folder_is_refused() {
    let work = Work::new("small");
    work.build().expect_code(0);
    let before = work.outputs();
    for xyz in ["out/tiles", "out/deeper/tiles"] {
        let args = tiles_args("3", "out/drillmap.pmtiles", xyz);
        work.run(&args.iter().map(String::as_str).collect::<Vec<_>>())
            .expect_code(2)
            .expect_stderr_line(&[
                &format!("--xyz {xyz}"),
                "a folder `drillmap build` publishes into",
                "write them elsewhere",
            ]);
    }
    assert_eq!(work.outputs(), before);
    assert!(!work.out().join("tiles").exists());
}

/// Probe s11 #12: `--xyz LINK` replaced the link by a folder, so tiles meant for a bigger
/// disk landed beside it. The link is followed, and stays a link.
#[test]
fn tiles_xyz_through_a_symlink_writes_where_it_points() {
    let work = Work::new("small");
    let target = work.dir.path().join("bigdisk/tiles");
    fs::create_dir_all(&target).unwrap();
    std::os::unix::fs::symlink(&target, work.dir.path().join("xl")).unwrap();
    let args = tiles_args("3", "site/x.pmtiles", "xl");
    work.run(&args.iter().map(String::as_str).collect::<Vec<_>>())
        .expect_code(0);
    let link = fs::symlink_metadata(work.dir.path().join("xl")).unwrap();
    assert!(link.file_type().is_symlink(), "the link stays a link");
    assert!(target.join("0/0/0.mvt").is_file());
    assert_eq!(
        litter(&work.dir.path().join("bigdisk")),
        Vec::<String>::new()
    );
}

/// Probe 5 H1: `--out tiles/drillmap.pmtiles --xyz tiles` wrote the archive, then swapped
/// the XYZ folder in whole over it: the archive was gone, the run said it was written, exit
/// 0. An archive inside the folder (however named: a new folder, an existing empty one,
/// through a symlink) is refused before anything is written.
#[test]
fn tiles_refuse_an_archive_inside_the_xyz_folder_before_writing_anything() {
    let work = Work::new("small");
    let root = work.dir.path();
    fs::create_dir(root.join("xx")).unwrap();
    let target = root.join("bigdisk/tiles");
    fs::create_dir_all(&target).unwrap();
    std::os::unix::fs::symlink(&target, root.join("xl")).unwrap();
    for (out, xyz) in [
        ("tiles/drillmap.pmtiles", "tiles"),
        ("xx/a.pmtiles", "xx"),
        ("xx/deeper/a.pmtiles", "./xx"),
        ("bigdisk/tiles/a.pmtiles", "xl"),
    ] {
        let args = tiles_args("3", out, xyz);
        work.run(&args.iter().map(String::as_str).collect::<Vec<_>>())
            .expect_code(2)
            .expect_stderr_line(&[
                &format!("--out {out}: inside the XYZ folder {xyz}"),
                "replaces whole",
            ]);
        assert!(!root.join(out).exists(), "{out}");
    }
    assert!(!root.join("tiles").exists());
    assert_eq!(fs::read_dir(root.join("xx")).unwrap().count(), 0);
    assert_eq!(fs::read_dir(&target).unwrap().count(), 0);
}

/// Probe 5 L8: `--out same/x.pmtiles --xyz same/x.pmtiles` failed on `File exists`, naming
/// an internal temporary file. The two flags naming one path is said as such.
#[test]
fn tiles_out_and_xyz_naming_one_path_are_refused_as_such() {
    let work = Work::new("small");
    fs::create_dir(work.dir.path().join("same")).unwrap();
    let args = tiles_args("3", "same/x.pmtiles", "same/x.pmtiles");
    work.run(&args.iter().map(String::as_str).collect::<Vec<_>>())
        .expect_code(2)
        .expect_stderr_line(&["--out same/x.pmtiles and --xyz same/x.pmtiles name the same path"]);
    assert_eq!(litter(&work.dir.path().join("same")), Vec::<String>::new());
    assert_eq!(
        fs::read_dir(work.dir.path().join("same")).unwrap().count(),
        0
    );
}

/// Probe 5 L1: the second example of `tiles --help` put the XYZ folder inside `output/`,
/// which `tiles` refuses. Every example there runs, from a folder with `places/` (and the
/// events layer the last one tiles).
#[test]
fn every_example_of_tiles_help_runs() {
    let work = Work::new("small");
    let root = work.dir.path();
    fs::rename(work.data(), root.join("places")).unwrap();
    work.run(&["build"]).expect_code(0);
    fs::write(
        root.join("events.csv"),
        "id,place,country,fatalities\na,Termez,UZ,3\nb,Dushanbe,TJ,4\n",
    )
    .unwrap();
    work.run(&[
        "build",
        "--events",
        "events.csv",
        "--numeric",
        "fatalities",
        "--no-tiles",
    ])
    .expect_code(0);
    let help = work.run(&["tiles", "--help"]).stdout();
    let examples: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Examples:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    assert_eq!(examples.len(), 3, "{help}");
    for example in examples {
        let words: Vec<&str> = example.split_whitespace().collect();
        assert_eq!(words[..2], ["drillmap", "tiles"], "{example}");
        let run = work.run(&words[1..]);
        assert_eq!(run.code(), 0, "{example}: {}", run.stderr());
    }
}
