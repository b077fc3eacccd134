//! `drillmap serve` end to end, in Debian's headless Chromium driven by playwright-core
//! (`tests/browser/preview.js`): the page loads the three layers with the files' feature
//! counts, a clicked exercise's popup shows its name, hostile markup in the data stays
//! text, and with `--watch` an edit of the data reaches the served layer and the open page
//! within seconds while a broken edit keeps the last good layers; a bulk archive of 100,000
//! points beside them draws as clusters at zoom 0 without a page error.
//!
//! `bash scripts/install-test-tools.sh` installs Chromium and playwright-core; without them
//! these tests fail and say so. The screenshots are saved as
//! `target/browser-artifacts/preview.png` and `preview-pmtiles.png` (the page reading the
//! PMTiles archive by byte ranges instead of the GeoJSON).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod util;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use util::{root, Work};

/// A hostile string: if the page used it as HTML it would make an element and run code.
const HOSTILE: &str = "<img src=x onerror=window.__xss=1><script>window.__xss=3</script>";

fn tools_missing(what: &str) -> ! {
    panic!(
        "{what} is missing: run `bash scripts/install-test-tools.sh` \
         (it installs Debian's chromium and tests/browser's playwright-core)"
    )
}

fn chromium() -> PathBuf {
    let path = std::env::var_os("DRILLMAP_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if !path.is_file() {
        tools_missing(&format!("Chromium ({})", path.display()));
    }
    path
}

fn browser_dir() -> PathBuf {
    let dir = root().join("tests/browser");
    if !dir
        .join("node_modules/playwright-core/package.json")
        .is_file()
    {
        tools_missing("tests/browser/node_modules (playwright-core)");
    }
    dir
}

/// `node tests/browser/SCRIPT`.
fn node_script(script: &str) -> Command {
    if Command::new("node").arg("--version").output().is_err() {
        tools_missing("node");
    }
    let mut cmd = Command::new("node");
    cmd.arg(browser_dir().join(script))
        .current_dir(browser_dir())
        .env("DRILLMAP_CHROMIUM", chromium());
    cmd
}

/// `node tests/browser/preview.js`.
fn node() -> Command {
    node_script("preview.js")
}

/// A running `drillmap serve`, killed when dropped, whatever happened.
struct Served {
    child: Child,
    url: String,
    addr: String,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    /// Start `drillmap serve --watch --port 0` on the work folder and wait for its first build.
    fn start(work: &Work) -> Served {
        let mut child = Command::new(env!("CARGO_BIN_EXE_drillmap"))
            .args([
                "serve", "--watch", "--port", "0", "--data", "data", "--out", "out",
            ])
            .current_dir(work.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let keep = Arc::clone(&lines);
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                keep.lock().unwrap().push(line.clone());
                let _ = tx.send(line);
            }
        });
        let mut served = Served {
            child,
            url: String::new(),
            addr: String::new(),
            stderr: lines,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut built = false;
        while !built || served.url.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = rx.recv_timeout(left).unwrap_or_else(|_| {
                panic!(
                    "drillmap serve did not start and build:\n{}",
                    served.stderr()
                )
            });
            if let Some(url) = line.strip_prefix("serving the preview at ") {
                served.url = url.trim().to_owned();
                served.addr = served
                    .url
                    .trim_start_matches("http://")
                    .trim_end_matches('/')
                    .to_owned();
            }
            built |= line.starts_with("built:");
        }
        assert!(
            served.url.starts_with("http://127.0.0.1:"),
            "serves on loopback: {}",
            served.url
        );
        served
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().join("\n")
    }

    /// Wait until stderr has a line containing every one of `parts`.
    fn wait_stderr(&self, parts: &[&str], within: Duration) -> Duration {
        let t0 = Instant::now();
        while t0.elapsed() < within {
            if self
                .stderr
                .lock()
                .unwrap()
                .iter()
                .any(|l| parts.iter().all(|p| l.contains(p)))
            {
                return t0.elapsed();
            }
            thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "no stderr line with {parts:?} within {within:?}:\n{}",
            self.stderr()
        );
    }

    /// GET `path` over plain HTTP/1.1; the status line and the body.
    fn get(&self, path: &str) -> (String, String) {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.addr
        )
        .unwrap();
        let mut raw = String::new();
        s.read_to_string(&mut raw).unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap();
        (head.lines().next().unwrap().to_owned(), body.to_owned())
    }
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Features in a layer file, and those with a geometry.
fn counts(layer: &Value) -> (usize, usize) {
    let features = layer["features"].as_array().unwrap();
    let located = features.iter().filter(|f| !f["geometry"].is_null()).count();
    (features.len(), located)
}

/// `build` writes the Afghan border layer; the page's third layer is that file.
fn ensure_border(work: &Work) {
    let path = work.out().join("afghan_border.geojson");
    assert!(path.exists(), "build did not write {}", path.display());
}

/// A located exercise whose point no other located feature is near, so a click on it is
/// a click on it alone.
fn lonely_exercise(exercises: &Value, bases: &Value) -> Value {
    let point = |f: &Value| -> Option<(f64, f64)> {
        let c = f["geometry"]["coordinates"].as_array()?;
        Some((c[0].as_f64()?, c[1].as_f64()?))
    };
    let all: Vec<(f64, f64)> = exercises["features"]
        .as_array()
        .unwrap()
        .iter()
        .chain(bases["features"].as_array().unwrap())
        .filter_map(point)
        .collect();
    exercises["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["geometry"]["type"] == "Point")
        .max_by(|a, b| {
            let gap = |f: &Value| {
                let (x, y) = point(f).unwrap();
                all.iter()
                    .filter(|&&(u, v)| (u, v) != (x, y))
                    .map(|&(u, v)| ((u - x).powi(2) + (v - y).powi(2)).sqrt())
                    .fold(f64::INFINITY, f64::min)
            };
            gap(a).total_cmp(&gap(b))
        })
        .expect("a located exercise")
        .clone()
}

#[test]
fn preview_page_shows_the_layers_popups_and_escapes_hostile_data_in_chromium() {
    let t0 = Instant::now();
    let _ = (chromium(), browser_dir());
    let work = Work::new(root().join("places").to_str().unwrap());
    work.build().expect_code(0);

    // Pick the exercise to click, and make its name hostile.
    let target = lonely_exercise(
        &read_json(&work.out().join("exercises.geojson")),
        &read_json(&work.out().join("bases.geojson")),
    );
    let name = target["properties"]["name"].as_str().unwrap().to_owned();
    let hostile_name = format!("{name} {HOSTILE}");
    work.edit(
        "exercises.toml",
        &format!("name = {}", toml_string(&name)),
        &format!("name = {}", toml_string(&hostile_name)),
    );
    // `check` refuses a `javascript:` URL (tests/shipped.rs) and an address with a space;
    // an https URL with markup in it (no space: `/` separates the attributes) must not
    // break out of its link.
    let sources = std::fs::read_to_string(work.data().join("sources.toml")).unwrap();
    let hostile_url = "url = \"https://example.org/?q=\\\"><img/src/onerror=window.__xss=2>\"";
    let first = sources.find("[[source]]\n").unwrap() + "[[source]]\n".len();
    let block_end = sources[first..]
        .find("\n[[")
        .map_or(sources.len(), |i| first + i);
    let sources = match sources[first - 1..block_end].find("\nurl = ") {
        // The first source has a URL already: make it hostile.
        Some(i) => {
            let start = first + i;
            let end = sources[start..]
                .find('\n')
                .map_or(sources.len(), |j| start + j);
            format!("{}{hostile_url}{}", &sources[..start], &sources[end..])
        }
        None => format!("{}{hostile_url}\n{}", &sources[..first], &sources[first..]),
    };
    std::fs::write(work.data().join("sources.toml"), sources).unwrap();

    let served = Served::start(&work);
    ensure_border(&work);
    let layers: Vec<(&str, Value)> = ["exercises", "bases", "afghan_border"]
        .into_iter()
        .map(|n| (n, read_json(&work.out().join(format!("{n}.geojson")))))
        .collect();

    // The date filter is set to the clicked exercise's own dates.
    let period = [
        target["properties"]["start_date"].as_str().unwrap(),
        target["properties"]["end_date"].as_str().unwrap(),
    ];
    let artifacts = root().join("target/browser-artifacts");
    let screenshot = artifacts.join("preview.png");
    let _ = std::fs::remove_file(&screenshot);
    let plan = json!({
        "click": {"coordinates": target["geometry"]["coordinates"]},
        "screenshot": screenshot,
        "hostile": HOSTILE,
        "period": period,
    });
    let report = check(&served.url, &plan);
    assert_eq!(report["ok"], true, "{report:#}");

    // Every layer is on the page with the file's counts; every located feature is drawn.
    for (layer, file) in &layers {
        let (features, located) = counts(file);
        let seen = &report["layers"][layer];
        assert_eq!(seen["present"], true, "{layer}: {report:#}");
        assert_eq!(seen["layer"], true, "{layer} has a map layer");
        assert_eq!(seen["features"], features, "{layer} features: {report:#}");
        assert_eq!(seen["located"], located, "{layer} located: {report:#}");
        assert_eq!(seen["rendered"], located, "{layer} drawn: {report:#}");
    }
    assert!(
        counts(&layers[0].1).0 > counts(&layers[0].1).1,
        "the shipped exercises include an unlocated one, counted but not drawn"
    );

    // The popup names the clicked exercise, hostile markup and all, as text.
    let names = report["popup"]["names"].as_array().unwrap();
    assert!(
        names
            .iter()
            .any(|n| n["layer"] == "exercises" && n["name"] == hostile_name.as_str()),
        "popup names {names:?}, expected {hostile_name:?}"
    );
    // It shows the feature's properties: dates, sources and, once the pipeline derives it,
    // the distance to the Afghan border.
    let props = &target["properties"];
    let text = report["popup"]["text"].as_str().unwrap();
    assert!(
        text.contains(props["start_date"].as_str().unwrap()),
        "{text}"
    );
    let title = props["sources"][0]["title"].as_str().unwrap();
    assert!(text.contains(title), "{text}");
    if let Some(km) = props["afghan_border_km"].as_f64() {
        // toFixed(1) rounds exact ties up, Rust to even: accept either.
        let shown = [km - 1e-9, km, km + 1e-9].map(|k| format!("{k:.1} km"));
        assert!(
            shown.iter().any(|s| text.contains(s)),
            "{shown:?} in {text}"
        );
    }
    assert_eq!(report["popup"]["injectedElements"], 0, "{report:#}");
    assert!(report["xss"].is_null(), "hostile data ran: {report:#}");
    assert_eq!(report["dialogs"], json!([]), "{report:#}");
    for href in report["popup"]["links"].as_array().unwrap() {
        assert!(
            href.as_str().unwrap().starts_with("http"),
            "only http(s) links: {href}"
        );
    }
    // Every field of every layer's popup, hostile, stays text.
    for layer in ["exercises", "bases", "afghan_border"] {
        let f = &report["fields"][layer];
        assert_eq!(
            f["foreign"],
            json!([]),
            "{layer}: elements made from data: {f}"
        );
        assert_eq!(
            f["attributes"],
            json!([]),
            "{layer}: attributes made from data: {f}"
        );
        assert!(f["hostileTexts"].as_u64().unwrap() >= 3, "{layer}: {f}");
        for href in f["links"].as_array().unwrap() {
            assert!(
                href.as_str().unwrap().starts_with("https://"),
                "{layer}: {f}"
            );
        }
    }
    assert_eq!(report["pageErrors"], json!([]), "{report:#}");
    assert_eq!(report["external"], json!([]), "nothing from the internet");
    assert_no_csp_refusal(&report);

    // The date sliders keep the located features whose dates overlap the period.
    let filtered = &report["filtered"];
    assert_eq!(filtered["labels"], json!(period), "{filtered}");
    for ((layer, file), (start, end)) in
        layers
            .iter()
            .zip([("start_date", "end_date"), ("since", "until"), ("", "")])
    {
        let overlapping = file["features"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| !f["geometry"].is_null())
            .filter(|f| {
                let p = &f["properties"];
                let a = p[start].as_str().unwrap_or("0000-01-01");
                let b = p[end].as_str().unwrap_or("9999-12-31");
                a <= period[1] && b >= period[0]
            })
            .count();
        assert_eq!(
            filtered[layer], overlapping,
            "{layer} in {period:?}: {filtered}"
        );
    }
    assert!(
        filtered["exercises"].as_u64().unwrap() < counts(&layers[0].1).1 as u64,
        "the period hides some exercises: {filtered}"
    );

    let png = std::fs::read(&screenshot).unwrap();
    assert!(png.starts_with(b"\x89PNG") && png.len() > 20_000);
    eprintln!(
        "browser test: page ready in {} ms, browser run {} ms, test {} ms; screenshot {}",
        report["loadedMs"],
        report["totalMs"],
        t0.elapsed().as_millis(),
        screenshot.display()
    );
}

/// Run preview.js's `check` with `plan`; its report.
fn check(url: &str, plan: &Value) -> Value {
    let out = node()
        .args(["check", url, &plan.to_string()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.trim()).unwrap_or_else(|_| {
        panic!(
            "no report from preview.js\n--- stdout\n{stdout}\n--- stderr\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn preview_page_reads_the_pmtiles_archive_by_byte_ranges_when_there_is_one() {
    let _ = (chromium(), browser_dir());
    let work = Work::new(root().join("places").to_str().unwrap());
    work.build().expect_code(0);
    ensure_border(&work);
    // build writes drillmap's own archive; the page must read the layers from it.
    assert!(
        work.out().join("drillmap.pmtiles").exists(),
        "build did not write drillmap.pmtiles"
    );
    let served = Served::start(&work);
    let layers: Vec<(&str, Value)> = ["exercises", "bases", "afghan_border"]
        .into_iter()
        .map(|n| (n, read_json(&work.out().join(format!("{n}.geojson")))))
        .collect();
    let target = lonely_exercise(&layers[0].1, &layers[1].1);
    let screenshot = root().join("target/browser-artifacts/preview-pmtiles.png");
    let report = check(
        &served.url,
        &json!({
            "query": "?source=pmtiles",
            "click": {"coordinates": target["geometry"]["coordinates"]},
            "screenshot": screenshot,
            "hostile": HOSTILE,
        }),
    );
    assert_eq!(report["ok"], true, "{report:#}");
    assert_eq!(report["source"], "pmtiles", "{report:#}");
    for (layer, file) in &layers {
        let (_, located) = counts(file);
        assert_eq!(
            report["layers"][layer]["rendered"], located,
            "{layer} drawn from the tiles: {report:#}"
        );
    }
    let statuses = report["tileResponses"].as_array().unwrap();
    assert!(
        !statuses.is_empty() && statuses.iter().all(|s| s == 206),
        "the archive is read by byte ranges: {statuses:?}"
    );
    let name = target["properties"]["name"].as_str().unwrap();
    assert!(
        report["popup"]["names"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["layer"] == "exercises" && n["name"] == name),
        "{report:#}"
    );
    assert_eq!(report["pageErrors"], json!([]), "{report:#}");
    assert_eq!(report["external"], json!([]), "{report:#}");
    assert_no_csp_refusal(&report);
}

/// The page's Content-Security-Policy refused nothing the page does (Chromium reports a
/// refusal as a console error).
fn assert_no_csp_refusal(report: &Value) {
    let refused: Vec<&Value> = report["console"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| {
            m.as_str()
                .unwrap_or_default()
                .contains("Content Security Policy")
        })
        .collect();
    assert!(refused.is_empty(), "{refused:#?}");
}

#[test]
fn preview_page_draws_a_bulk_archive_of_100k_points_as_clusters_at_zoom_0() {
    let _ = (chromium(), browser_dir());
    let work = Work::new(root().join("places").to_str().unwrap());
    work.build().expect_code(0);
    ensure_border(&work);
    // 100,000 events over Central Asia (a fixed scatter), tiled into their own archive.
    let csv = work.out().join("events-input.csv");
    let mut text = String::from("id,lat,lon,start_date,end_date,fatalities\n");
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for i in 0..100_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let (a, b) = (
            (state >> 40) as f64 / (1u64 << 24) as f64,
            (state & 0xff_ffff) as f64 / (1u64 << 24) as f64,
        );
        text.push_str(&format!(
            "ev-{i},{:.5},{:.5},2021-{:02}-01,2021-{:02}-28,{}\n",
            29.0 + 27.0 * a,
            46.0 + 42.0 * b,
            1 + i % 12,
            1 + i % 12,
            i % 4
        ));
    }
    std::fs::write(&csv, text).unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_drillmap"))
        .args(["tiles", "--accumulate", "fatalities", "--out"])
        .arg(work.out().join("events.pmtiles"))
        .arg(&csv)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    std::fs::remove_file(&csv).unwrap();
    let served = Served::start(&work);
    let exercises = read_json(&work.out().join("exercises.geojson"));
    let bases = read_json(&work.out().join("bases.geojson"));
    let target = lonely_exercise(&exercises, &bases);
    let report = check(
        &served.url,
        &json!({
            "click": {"coordinates": target["geometry"]["coordinates"]},
            "screenshot": root().join("target/browser-artifacts/preview-bulk.png"),
            "hostile": HOSTILE,
            "bulkZoom0": true,
        }),
    );
    assert_eq!(report["ok"], true, "{report:#}");
    assert_eq!(report["pageErrors"], json!([]), "{report:#}");
    let bulk = &report["bulk"];
    // Zoom 0 tiles: MapLibre stops a little above 0 when the world is narrower than the page.
    assert!(bulk["zoom"].as_f64().unwrap() < 1.0, "{report:#}");
    assert!(bulk["layers"].as_array().unwrap().len() >= 2, "{report:#}");
    assert!(
        bulk["clusters"].as_u64().unwrap() > 0,
        "z0 draws clusters: {report:#}"
    );
    assert!(bulk["largest"].as_u64().unwrap() > 1, "{report:#}");
}

/// The "Done when" at a size CI runs in seconds: `build --events` on a generated
/// export writes an archive whose every tile is within the budget and whose `point_count`s
/// add up at every zoom (the PyPI readers of `verify_tiles.py`), which `serve` on the bulk
/// build's folder draws at z0 as clusters; a click on the largest cluster shows its count
/// and date range, a click on a lone point its properties.
#[test]
fn a_bulk_build_writes_tiles_within_budget_that_the_preview_draws_and_explains() {
    let _ = (chromium(), browser_dir());
    let work = Work::new(root().join("places").to_str().unwrap());
    work.build().expect_code(0);
    // 20,000 rows: most name one of a few places (so they stack and must be clustered below
    // the last zoom), some carry their own scattered coordinates, each with a note of its
    // own (tiles that do not compress away); one lone row far from the rest.
    let places = [
        "Termez", "Kulob", "Dushanbe", "Tashkent", "Almaty", "Astana",
    ];
    let mut text = String::from("id,name,start_date,end_date,place,lat,lon,notes\n");
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for i in 0..20_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let month = 1 + i % 12;
        let (place, lat, lon) = if i % 4 == 0 {
            let a = (state >> 40) as f64 / (1u64 << 24) as f64;
            let b = (state & 0xff_ffff) as f64 / (1u64 << 24) as f64;
            (
                String::new(),
                format!("{:.5}", 37.0 + 8.0 * a),
                format!("{:.5}", 60.0 + 16.0 * b),
            )
        } else {
            (
                places[i % places.len()].to_string(),
                String::new(),
                String::new(),
            )
        };
        text.push_str(&format!(
            "ev-{i:05},Drill {i},2021-{month:02}-01,2021-{month:02}-20,{place},{lat},{lon},note {state:x}\n"
        ));
    }
    text.push_str("lone,Lone drill,2019-03-01,2019-03-02,,51.5,83.5,the lone one\n");
    std::fs::write(work.dir.path().join("events.csv"), text).unwrap();
    work.run(&[
        "build",
        "--data",
        "data",
        "--out",
        "out",
        "--events",
        "events.csv",
    ])
    .expect_code(0)
    .expect_stderr_line(&["20001 features", "out/events.pmtiles"]);
    let archive = work.out().join("events.pmtiles");
    let verified = util::tool_output(
        "python3",
        &[
            root().join("tests/tools/verify_tiles.py").to_str().unwrap(),
            archive.to_str().unwrap(),
            work.out().join("events.geojson").to_str().unwrap(),
            "--expect-clusters",
        ],
    );
    assert!(verified.contains(" 0 failures"), "{verified}");

    let served = Served::start(&work);
    let exercises = read_json(&work.out().join("exercises.geojson"));
    let bases = read_json(&work.out().join("bases.geojson"));
    let target = lonely_exercise(&exercises, &bases);
    let report = check(
        &served.url,
        &json!({
            "click": {"coordinates": target["geometry"]["coordinates"]},
            "screenshot": root().join("target/browser-artifacts/preview-bulk-build.png"),
            "hostile": HOSTILE,
            "bulkZoom0": true,
            "bulkPoint": {"coordinates": [83.5, 51.5], "zoom": 10},
        }),
    );
    assert_eq!(report["ok"], true, "{report:#}");
    assert_eq!(report["pageErrors"], json!([]), "{report:#}");
    let bulk = &report["bulk"];
    assert!(bulk["zoom"].as_f64().unwrap() < 1.0, "{report:#}");
    let drawn = bulk["layers"].as_array().unwrap();
    assert!(
        drawn
            .iter()
            .any(|l| l.as_str().unwrap().contains("events.pmtiles")),
        "{report:#}"
    );
    assert!(
        bulk["clusters"].as_u64().unwrap() > 0,
        "z0 draws clusters: {report:#}"
    );
    let largest = bulk["largest"].as_u64().unwrap();
    assert!(largest > 1, "{report:#}");
    // The largest cluster's popup: its count and its members' date range.
    let cluster = &bulk["clusterPopup"];
    assert!(cluster["clusters"].as_u64().unwrap() >= 1, "{report:#}");
    assert!(
        cluster["names"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap() == format!("{largest} events")),
        "{report:#}"
    );
    assert!(
        cluster["text"].as_str().unwrap().contains("2021-01-01"),
        "{report:#}"
    );
    // The lone point at z10: its own properties.
    let point = &bulk["pointPopup"];
    assert_eq!(point["clusters"], 0, "{report:#}");
    assert_eq!(point["features"], 1, "{report:#}");
    assert!(
        point["text"].as_str().unwrap().contains("Lone drill"),
        "{report:#}"
    );
    assert!(
        point["text"].as_str().unwrap().contains("the lone one"),
        "{report:#}"
    );
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// One request to the `watch` conversation of preview.js, and its answer.
fn ask(stdin: &mut ChildStdin, answers: &Receiver<Value>, request: Value) -> Value {
    writeln!(stdin, "{request}").unwrap();
    answers
        .recv_timeout(WATCH_WAIT + Duration::from_secs(30))
        .unwrap_or_else(|_| panic!("preview.js did not answer {request}"))
}

/// How long the watch test waits for a rebuild to show: a bound on the wait, generous for a
/// loaded machine, never a performance claim (the times taken are printed).
const WATCH_WAIT: Duration = Duration::from_secs(60);

#[test]
fn watch_rebuilds_on_an_edit_and_the_open_page_reloads_and_keeps_the_last_good_layers() {
    let _ = (chromium(), browser_dir());
    let work = Work::new(root().join("places").to_str().unwrap());
    work.build().expect_code(0);
    let served = Served::start(&work);

    // The conversation ends with the process killed: keep Chromium's profile and
    // Playwright's artifacts in the test's own temporary folder, which goes with it.
    let mut browser = node()
        .env("TMPDIR", work.dir.path())
        .args(["watch", &served.url])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    struct Kill(Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut stdin = browser.stdin.take().unwrap();
    let stdout = browser.stdout.take().unwrap();
    let _browser = Kill(browser);
    let (tx, answers) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Ok(v) = serde_json::from_str::<Value>(&line) {
                let _ = tx.send(v);
            }
        }
    });
    let ready = answers.recv_timeout(Duration::from_secs(30)).unwrap();
    assert_eq!(ready["ready"], true, "{ready}");

    // An edit: rename an exercise.
    let layer = read_json(&work.out().join("exercises.geojson"));
    let name = layer["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| !f["geometry"].is_null())
        .unwrap()["properties"]["name"]
        .as_str()
        .unwrap()
        .to_owned();
    let edited = format!("{name} (edited)");
    let t0 = Instant::now();
    work.edit(
        "exercises.toml",
        &format!("name = {}", toml_string(&name)),
        &format!("name = {}", toml_string(&edited)),
    );
    // The served layer changes…
    loop {
        let (status, body) = served.get("/layers/exercises.geojson");
        // 503: asked between the rebuild's renames and its manifest (a new generation being
        // published); asked again below.
        assert!(status.contains("200") || status.contains("503"), "{status}");
        if status.contains("200") && body.contains(&toml_string(&edited)) {
            break;
        }
        // A bound on the wait, not a performance claim: how long it took is printed below.
        assert!(
            t0.elapsed() < WATCH_WAIT,
            "the served layer did not change within {WATCH_WAIT:?}:\n{}",
            served.stderr()
        );
        thread::sleep(Duration::from_millis(50));
    }
    let served_after = t0.elapsed();
    // …and so does the open page, by itself.
    let seen = ask(&mut stdin, &answers, json!({"expect_name": edited}));
    assert_eq!(seen["ok"], true, "{seen}");
    let page_after = t0.elapsed();
    assert!(seen["reloads"].as_u64().unwrap() >= 1);

    // A broken edit: an impossible date, and another name that must not reach the map.
    let exercises = std::fs::read_to_string(work.data().join("exercises.toml")).unwrap();
    let date_line = exercises
        .lines()
        .find(|l| l.starts_with("start = \"") && l.len() == "start = \"2017-07-16\"".len())
        .expect("a site with a full start date")
        .to_owned();
    let broken = format!("{name} (broken)");
    std::fs::write(
        work.data().join("exercises.toml"),
        exercises
            .replacen(&date_line, "start = \"2021-02-30\"", 1)
            .replacen(
                &format!("name = {}", toml_string(&edited)),
                &format!("name = {}", toml_string(&broken)),
                1,
            ),
    )
    .unwrap();
    served.wait_stderr(&["2021-02-30"], WATCH_WAIT);
    served.wait_stderr(&["error: the build failed", "last good layers"], WATCH_WAIT);
    let (_, body) = served.get("/layers/exercises.geojson");
    assert!(
        body.contains(&toml_string(&edited)) && !body.contains("(broken)"),
        "the last good layer is still served"
    );
    let (_, status) = served.get("/api/status");
    let status: Value = serde_json::from_str(&status).unwrap();
    assert_eq!(status["rebuild"]["ok"], false, "{status}");
    let shown = ask(&mut stdin, &answers, json!({"expect_problems": true}));
    assert_eq!(shown["ok"], true, "{shown}");
    assert!(
        shown["problems"].as_str().unwrap().contains("2021-02-30"),
        "{shown}"
    );
    let names = shown["names"].as_array().unwrap();
    assert!(names.iter().any(|n| n == edited.as_str()), "{shown}");
    assert!(!names.iter().any(|n| n == broken.as_str()), "{shown}");

    writeln!(stdin, "{}", json!({"quit": true})).unwrap();
    eprintln!(
        "watch test: served layer changed after {} ms, page after {} ms",
        served_after.as_millis(),
        page_after.as_millis()
    );
}
