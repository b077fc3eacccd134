//! `drillmap build --online` end to end against a mock Nominatim on 127.0.0.1: a name no
//! table knows is resolved, cached, and a later offline build is byte-identical with no
//! request at all.
#![cfg(feature = "online")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
mod util;

use std::fs;
use std::time::Duration;

use support::{answer, result, village, MockServer, Reply, UA};
use util::Work;

/// `--online` against the mock at `url`, with the test User-Agent and no progress bar.
fn online_flags(url: &str) -> [&str; 6] {
    [
        "--online",
        "--geocoder-url",
        url,
        "--user-agent",
        UA,
        "--quiet",
    ]
}

fn build_online(work: &Work, url: &str) -> util::Run {
    let mut args = vec!["build", "--data", "data", "--out", "out"];
    args.extend_from_slice(&online_flags(url));
    work.run(&args)
}

/// The feature of the exercise whose place `unknown_place` renames, as built.
fn drill_one(work: &Work) -> serde_json::Value {
    let ex: serde_json::Value =
        serde_json::from_slice(&fs::read(work.out().join("exercises.geojson")).unwrap()).unwrap();
    ex["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "drill-one/main")
        .unwrap()
        .clone()
}

fn unknown_place(work: &Work) {
    // The site's words ("the Kharbmaidon range") do not name Qizilqala: the source that
    // places it is cited.
    work.edit(
        "exercises.toml",
        "place = \"Харб-Майдон\"",
        "place = \"Qizilqala\"\nlocated_by = \"test\"",
    );
}

#[test]
fn online_build_resolves_caches_and_rebuilds_offline_byte_for_byte() {
    let server = MockServer::start(vec![Reply::json(&answer(&[village("Qizilqala")]))]);
    let work = Work::new("small");
    unknown_place(&work);
    work.build().expect_code(1).expect_stderr_line(&[
        "exercises.toml:14:",
        "\"Qizilqala\"",
        "unresolved",
        "--online",
    ]);
    assert_eq!(server.requests().len(), 0, "no network without --online");

    build_online(&work, &server.url()).expect_code(0);
    assert_eq!(server.requests().len(), 1);
    let req = &server.requests()[0];
    assert_eq!(req.param("q").as_deref(), Some("Qizilqala"));
    assert_eq!(req.param("countrycodes").as_deref(), Some("tj"));
    let cache = fs::read_to_string(work.data().join("geocode-cache.toml")).unwrap();
    assert!(
        cache.contains("query = \"Qizilqala\"") && cache.contains("status = \"found\""),
        "{cache}"
    );

    let first = work.outputs();
    let f = &drill_one(&work);
    let p = &f["properties"];
    assert_eq!(p["geocoder"], "nominatim");
    assert_eq!(p["geocode_match"], "online");
    assert_eq!(p["place_id"], "osm:node/2751234567");
    assert_eq!(p["geocoded_on"].as_str().map(str::len), Some(10));
    assert_eq!(
        f["geometry"]["coordinates"],
        serde_json::json!([68.876543, 37.612346])
    );
    // The point is cited as the row `places promote` makes cites it (it was
    // `nominatim http://127.0.0.1:N, OSM node ...`, which `check` refuses in a row).
    let cited = p["point_source"].clone();
    assert_eq!(
        cited.as_str().and_then(|s| s.strip_suffix(&format!(
            ", retrieved {}",
            p["geocoded_on"].as_str().unwrap()
        ))),
        Some("Nominatim/OSM node 2751234567"),
        "{p}"
    );

    // Offline again: the cache answers, nothing changes, no request is made.
    work.build()
        .expect_code(0)
        .expect_stderr_line(&["exercises.geojson", "unchanged"]);
    assert_eq!(work.outputs(), first);
    assert_eq!(server.requests().len(), 1);

    // check lists what only the online geocoder resolved; promote makes it a gazetteer row.
    work.check().expect_code(0).expect_stderr_line(&[
        "note:",
        "\"Qizilqala\" resolved only online",
        "osm:node/2751234567",
    ]);
    let run = work.run(&[
        "places",
        "promote",
        "--data",
        "data",
        "--country",
        "TJ",
        "Qizilqala",
    ]);
    run.expect_code(0);
    assert!(
        run.stdout().contains(",Qizilqala,settlement,TJ,"),
        "{}",
        run.stdout()
    );
    work.run(&[
        "places",
        "promote",
        "--data",
        "data",
        "--country",
        "TJ",
        "--append",
        "Qizilqala",
    ])
    .expect_code(0);
    work.check().expect_code(0);
    let after = work.check();
    assert!(
        !after.stderr().contains("resolved only online"),
        "{}",
        after.stderr()
    );
    // Promoted, the point comes from the gazetteer and is cited as it was.
    work.build().expect_code(0);
    let p = &drill_one(&work)["properties"];
    assert_eq!(p["geocoder"], "gazetteer", "{p}");
    assert_eq!(p["point_source"], cited, "{p}");
}

#[test]
fn online_refuses_a_missing_or_generic_user_agent_before_any_request() {
    let server = MockServer::start(vec![Reply::json("[]")]);
    let work = Work::new("small");
    unknown_place(&work);
    work.run(&[
        "build",
        "--data",
        "data",
        "--out",
        "out",
        "--online",
        "--geocoder-url",
        &server.url(),
    ])
    .expect_code(2)
    .expect_stderr_line(&["user agent"]);
    work.run(&[
        "build",
        "--data",
        "data",
        "--out",
        "out",
        "--online",
        "--geocoder-url",
        &server.url(),
        "--user-agent",
        "curl/8.0",
    ])
    .expect_code(2)
    .expect_stderr_line(&["user agent", "curl/8.0"]);
    assert_eq!(server.requests().len(), 0);
    assert!(work.outputs().is_empty());
}

#[test]
fn a_failed_lookup_is_reported_and_good_output_is_kept() {
    let server = MockServer::start(vec![Reply::json("{not json")]);
    let work = Work::new("small");
    work.build().expect_code(0);
    let good = work.outputs();
    unknown_place(&work);
    let run = build_online(&work, &server.url());
    run.expect_code(1).expect_stderr_line(&[
        "exercises.toml:14:",
        "\"Qizilqala\"",
        "online lookup failed",
    ]);
    // Asked and failed, it is not told to ask with --online (tester finding, session 38, 5).
    run.expect_stderr_line(&["exercises.toml:14:", "\"Qizilqala\"", "unresolved"]);
    assert!(
        !run.stderr().contains("geocode it with --online"),
        "{}",
        run.stderr()
    );
    assert_eq!(work.outputs(), good);
    assert!(
        !work.data().join("geocode-cache.toml").exists(),
        "a failure is never cached"
    );
}

#[test]
fn a_not_found_answer_is_cached_and_explained_offline() {
    let server = MockServer::start(vec![Reply::json("[]")]);
    let work = Work::new("small");
    unknown_place(&work);
    build_online(&work, &server.url()).expect_code(1);
    let run = work.build();
    run.expect_code(1)
        .expect_stderr_line(&["\"Qizilqala\"", "nominatim found nothing either"]);
    // Asked, it is not told to ask (README walkthrough, session 33: "or geocode it with
    // --online; nominatim found nothing either").
    assert!(!run.stderr().contains("--online"), "{}", run.stderr());
    assert_eq!(server.requests().len(), 1);
    // `geocode` says the same on its answer's line.
    let run = work.run(&["geocode", "--data", "data", "--country", "TJ", "Qizilqala"]);
    run.expect_code(1);
    let out = run.stdout();
    assert!(
        out.contains("Qizilqala: unresolved") && out.contains("nominatim found nothing either"),
        "{out}"
    );
    assert!(!out.contains("--online"), "{out}");
    // And `geocode --batch` in its row's note (review, session 35: the note was empty).
    fs::write(work.data().join("b.csv"), "name,country\nQizilqala,TJ\n").unwrap();
    let run = work.run(&["geocode", "--data", "data", "--batch", "data/b.csv"]);
    run.expect_code(1);
    let row = run.stdout().lines().nth(1).unwrap_or_default().to_owned();
    assert!(
        row.starts_with("Qizilqala,TJ,unresolved,")
            && row.contains("nominatim found nothing either (asked "),
        "{row}"
    );
}

/// The JSON metadata of the PMTiles v3 archive at `path` (header: offset at byte 24, length
/// at 32, internal compression at 97, 2 = gzip).
fn pmtiles_metadata(path: &std::path::Path) -> serde_json::Value {
    use std::io::Read;
    let bytes = fs::read(path).unwrap();
    let at = |i: usize| {
        usize::try_from(u64::from_le_bytes(bytes[i..i + 8].try_into().unwrap())).unwrap()
    };
    let (offset, len) = (at(24), at(32));
    let raw = &bytes[offset..offset + len];
    let mut json = Vec::new();
    match bytes[97] {
        2 => {
            flate2::read::GzDecoder::new(raw)
                .read_to_end(&mut json)
                .unwrap();
        }
        1 => json.extend_from_slice(raw),
        other => panic!("internal compression {other}"),
    }
    serde_json::from_slice(&json).unwrap()
}

fn geocode_online(work: &Work, url: &str, names: &[&str]) -> util::Run {
    let mut args = vec!["geocode", "--data", "data", "--country", "TJ"];
    args.extend_from_slice(&online_flags(url));
    args.extend_from_slice(names);
    work.run(&args)
}

/// The location properties a feature's place gives it, whatever the path.
fn location(feature: &serde_json::Value) -> Vec<(String, serde_json::Value)> {
    [
        "place_id",
        "place_name",
        "geocoder",
        "geocode_match",
        "geocode_score",
        "geocoded_on",
        "geo_precision",
        "uncertainty_km",
    ]
    .iter()
    .map(|k| (k.to_string(), feature["properties"][k].clone()))
    .collect()
}

#[test]
fn geocode_online_asks_once_caches_and_a_bulk_build_uses_the_answer_offline() {
    let server = MockServer::start(vec![
        Reply::json(&answer(&[village("Qizilqala")])),
        Reply::json("[]"),
    ]);
    let work = Work::new("small");
    fs::write(
        work.data().join("events.csv"),
        "id,name,start_date,end_date,place,country\nq-1,Qizilqala drill,2021-08-05,,Qizilqala,TJ\n",
    )
    .unwrap();
    let bulk = [
        "build",
        "--data",
        "data",
        "--out",
        "out",
        "--events",
        "data/events.csv",
    ];
    // Nothing knows the name yet: the bulk build refuses the row.
    work.run(&bulk).expect_code(1).expect_stderr_line(&[
        "events.csv:2:",
        "\"Qizilqala\"",
        "unresolved",
    ]);

    // One question, through the same client and cache as `build --online`.
    let run = geocode_online(&work, &server.url(), &["Qizilqala"]);
    run.expect_code(0);
    assert_eq!(server.requests().len(), 1);
    let req = &server.requests()[0];
    assert_eq!(req.param("q").as_deref(), Some("Qizilqala"));
    assert_eq!(req.param("countrycodes").as_deref(), Some("tj"));
    let text = run.stdout();
    assert!(
        text.contains("Qizilqala: resolved osm:node/2751234567")
            && text.contains("online match")
            && text.contains("provenance: online cache geocode-cache.toml (Nominatim/OSM node"),
        "{text}"
    );
    // Asked again, offline or not, the cache answers: no second request.
    let again = work.run(&["geocode", "--data", "data", "--country", "TJ", "Qizilqala"]);
    again.expect_code(0);
    assert_eq!(again.stdout(), text);
    geocode_online(&work, &server.url(), &["Qizilqala"]).expect_code(0);
    assert_eq!(server.requests().len(), 1);

    // A bulk build, offline, resolves the row from the cache as the hand-kept path does.
    work.run(&bulk).expect_code(0);
    let events: serde_json::Value =
        serde_json::from_slice(&fs::read(work.out().join("events.geojson")).unwrap()).unwrap();
    let bulk_feature = &events["features"][0];
    assert_eq!(bulk_feature["properties"]["geocoder"], "nominatim");
    assert_eq!(bulk_feature["properties"]["geocode_match"], "online");
    assert_eq!(
        bulk_feature["geometry"]["coordinates"],
        serde_json::json!([68.876543, 37.612346])
    );
    // It credits OpenStreetMap and Natural Earth, in the layer and in its tiles' metadata
    // (probe 2, finding 5: both were empty).
    let credits = events["attribution"].as_str().unwrap();
    assert!(
        credits.starts_with(drillmap::model::credits::OPENSTREETMAP)
            && credits.contains("Natural Earth"),
        "{credits}"
    );
    let metadata = pmtiles_metadata(&work.out().join("events.pmtiles"));
    assert_eq!(metadata["attribution"], credits);
    unknown_place(&work);
    work.build().expect_code(0);
    assert_eq!(location(bulk_feature), location(&drill_one(&work)));
    assert_eq!(server.requests().len(), 1, "builds never ask");

    // A name the service does not know: said, cached, and exit 1.
    geocode_online(&work, &server.url(), &["Nowhereabad"])
        .expect_code(1)
        .expect_stderr_line(&["Nowhereabad", "nominatim found nothing either"]);
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn geocode_online_refuses_batch_and_a_bad_user_agent_before_any_request() {
    let server = MockServer::start(vec![Reply::json("[]")]);
    let work = Work::new("small");
    fs::write(work.data().join("names.csv"), "name\nQizilqala\n").unwrap();
    let url = server.url();
    let ask = |ua: &str, rest: &[&str]| {
        let mut args = vec!["geocode", "--data", "data", "--online"];
        args.extend_from_slice(&["--geocoder-url", &url, "--user-agent", ua]);
        args.extend_from_slice(rest);
        work.run(&args)
    };
    ask(UA, &["--batch", "data/names.csv"])
        .expect_code(2)
        .expect_stderr_line(&["--online", "--batch"]);
    ask("curl/8.0", &["Qizilqala"])
        .expect_code(2)
        .expect_stderr_line(&["user agent", "curl/8.0"]);
    assert_eq!(server.requests().len(), 0);
}

/// Probe finding 2: credentials in `--geocoder-url` reached the cache's `endpoint`, the
/// layers' `point_source` (which cited the endpoint then) and what was printed. They are sent (as the request's basic
/// authorization) and shown nowhere.
#[test]
fn credentials_in_the_geocoder_url_are_sent_and_never_recorded_or_shown() {
    let server = MockServer::start(vec![Reply::json(&answer(&[village("Qizilqala")]))]);
    let work = Work::new("small");
    let with_secret = server.url().replace("http://", "http://analyst:s3cret@");
    let run = geocode_online(&work, &with_secret, &["Qizilqala"]);
    run.expect_code(0);
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some("Basic YW5hbHlzdDpzM2NyZXQ="),
        "the credentials are still used"
    );
    let cache = fs::read_to_string(work.data().join("geocode-cache.toml")).unwrap();
    assert!(
        cache.contains(&format!("endpoint = \"{}\"", server.url())),
        "{cache}"
    );
    unknown_place(&work);
    work.build().expect_code(0);
    let layers = fs::read_to_string(work.out().join("exercises.geojson")).unwrap();
    // The point cites the OSM object; the endpoint asked is the cache's record only.
    assert!(layers.contains("Nominatim/OSM node 2751234567"), "{layers}");
    // A failure names the URL without them too.
    let closed = format!("http://analyst:s3cret@127.0.0.1:{}", support::closed_port());
    let mut args = vec!["geocode", "--data", "data", "--country", "TJ"];
    args.extend_from_slice(&online_flags(&closed));
    args.push("Nowhereabad");
    let failed = work.run(&args);
    failed
        .expect_code(1)
        .expect_stderr_line(&["Nowhereabad", "online lookup failed", "127.0.0.1"]);
    for text in [
        &cache,
        &layers,
        &run.stdout(),
        &run.stderr(),
        &failed.stdout(),
        &failed.stderr(),
    ] {
        assert!(
            !text.contains("s3cret") && !text.contains("analyst"),
            "{text}"
        );
    }
}

/// Probe finding 3: an online result whose name shares nothing with the query was chosen
/// at score 0.38; two results of one name were resolved to the first. Online answers meet
/// the rules every answer meets (the 0.7 floor, the 0.05 ambiguity margin).
#[test]
fn an_online_result_that_does_not_match_the_name_or_ties_is_no_answer() {
    let twin = village("Qizilqala").replace("2751234567", "42");
    let server = MockServer::start(vec![
        Reply::json(&answer(&[village("Харбмайдон")])),
        Reply::json(&answer(&[village("Qizilqala"), twin])),
    ]);
    let work = Work::new("small");
    let run = geocode_online(&work, &server.url(), &["cyr"]);
    run.expect_code(1).expect_stderr_line(&[
        "cyr:",
        "nominatim found nothing either (1 result rejected; asked ",
    ]);
    assert!(run.stdout().contains("cyr: unresolved"), "{}", run.stdout());
    let cache = fs::read_to_string(work.data().join("geocode-cache.toml")).unwrap();
    assert!(
        cache.contains("status = \"not_found\"")
            && cache.contains("no name of it matches \"cyr\" at a score of 0.7 or more"),
        "{cache}"
    );
    unknown_place(&work);
    build_online(&work, &server.url())
        .expect_code(1)
        .expect_stderr_line(&[
            "exercises.toml:14:",
            "nominatim's answer is ambiguous too: node/2751234567 \"Qizilqala\", node/42",
        ]);
    assert_eq!(server.requests().len(), 2);
}

/// Probe finding 8: two online runs at once each rewrote the cache from what they had read
/// at their start, so the one that finished last dropped the other's answers (both said
/// them resolved). Each answer is now merged into the file under a lock.
#[test]
fn two_online_runs_at_once_keep_every_answer() {
    let server = MockServer::start(vec![Reply::json("[]"); 6]);
    let work = Work::new("small");
    let url = server.url();
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| geocode_online(&work, &url, &["gamma1", "gamma2", "gamma3"]));
        let b = s.spawn(|| geocode_online(&work, &url, &["delta1", "delta2", "delta3"]));
        (a.join().unwrap(), b.join().unwrap())
    });
    a.expect_code(1);
    b.expect_code(1);
    assert_eq!(server.requests().len(), 6);
    let cache = fs::read_to_string(work.data().join("geocode-cache.toml")).unwrap();
    let queries: Vec<&str> = cache
        .lines()
        .filter_map(|l| l.strip_prefix("query = "))
        .collect();
    assert_eq!(
        queries,
        [
            "\"delta1\"",
            "\"delta2\"",
            "\"delta3\"",
            "\"gamma1\"",
            "\"gamma2\"",
            "\"gamma3\""
        ],
        "{cache}"
    );
}

/// Probe finding 9: the promote command `check` suggested after an online build failed (it
/// lacked the site's `--country`), the error then advised `build --online` again, and
/// `promote --append` twice appended the row twice, which `check` then refused.
#[test]
fn the_suggested_promote_command_works_and_appending_twice_adds_one_row() {
    let server = MockServer::start(vec![Reply::json(&answer(&[village("Qizilqala")]))]);
    let work = Work::new("small");
    unknown_place(&work);
    build_online(&work, &server.url()).expect_code(0);
    let check = work.check();
    let note = check
        .stderr()
        .lines()
        .find(|l| l.contains("resolved only online"))
        .map(str::to_owned)
        .expect("a note");
    let command = note.split('`').nth(1).expect("a command in backticks");
    assert_eq!(
        command,
        "drillmap places promote --data \"data\" --country TJ \"Qizilqala\""
    );
    // The command as a shell would split it (no quote in these words).
    let words: Vec<String> = command
        .split(' ')
        .skip(1)
        .map(|w| w.trim_matches('"').to_owned())
        .collect();
    let args: Vec<&str> = words.iter().map(String::as_str).collect();
    let run = work.run(&args);
    run.expect_code(0);
    assert!(
        run.stdout().contains(",Qizilqala,settlement,TJ,"),
        "{}",
        run.stdout()
    );

    // Without the country, the error says which command has the answer.
    work.run(&["places", "promote", "--data", "data", "Qizilqala"])
        .expect_code(1)
        .expect_stderr_line(&[
            "no found answer for \"Qizilqala\"",
            "run `drillmap places promote --data \"data\" --country TJ \"Qizilqala\"`",
        ]);
    work.run(&["places", "promote", "--data", "data", "Nowhereabad"])
        .expect_code(1)
        .expect_stderr_line(&["ask for it first", "geocode --data \"data\" --online"]);
    // Probe, session 27: any value was taken as the country, and the run told "asked
    // within other countries" (exit 1). A country flag is checked as every one is.
    for (country, code) in [("Tajikistan", 2), ("TJK", 2), ("zz", 2), ("", 2), ("tj", 0)] {
        let promote = ["places", "promote", "--data", "data", "--country"];
        let run = work.run(&[&promote[..], &[country, "Qizilqala"]].concat());
        let run = run.expect_code(code);
        if code == 2 {
            run.expect_stderr_line(&["--country", "not an ISO 3166-1 alpha-2 code"]);
        }
    }

    let mut append = args.clone();
    append.push("--append");
    work.run(&append).expect_code(0);
    let once = fs::read_to_string(work.data().join("places.csv")).unwrap();
    work.run(&append)
        .expect_code(0)
        .expect_stderr_line(&["places.csv:", "already there, nothing appended"]);
    assert_eq!(
        fs::read_to_string(work.data().join("places.csv")).unwrap(),
        once
    );
    work.check().expect_code(0);
    // Another row under that id is not overwritten nor doubled.
    assert!(once.contains(",37.612346,68.876543,"), "{once}");
    fs::write(
        work.data().join("places.csv"),
        once.replace(",37.612346,68.876543,", ",37.6123,68.8765,"),
    )
    .unwrap();
    work.run(&append)
        .expect_code(1)
        .expect_stderr_line(&["places.csv:", "id \"qizilqala\" is already taken"]);
}

/// Probe (session 31): `places promote --append` run twice at once lost a row in 13 of 20
/// trials, both runs saying "appended": each read places.csv, added its row and wrote the
/// file whole. The gazetteer is edited under a lock and read again under it, as the geocode
/// cache is; every row lands.
#[test]
fn promotes_appending_at_once_keep_every_row() {
    let names = ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot"];
    let replies = names
        .iter()
        .zip(0u32..)
        .map(|(name, i)| {
            Reply::json(&answer(&[result(
                ("node", 100 + u64::from(i)),
                name,
                (37.6 + 0.01 * f64::from(i), 68.8),
                ("place", "village", "village"),
                ("Tajikistan", "tj"),
                0.25,
                0.02,
            )]))
        })
        .collect();
    let server = MockServer::start(replies);
    let work = Work::new("small");
    geocode_online(&work, &server.url(), &names).expect_code(0);
    let before = fs::read_to_string(work.data().join("places.csv")).unwrap();
    let runs: Vec<std::process::Child> = names
        .iter()
        .map(|name| {
            std::process::Command::new(env!("CARGO_BIN_EXE_drillmap"))
                .args(["places", "promote", "--data", "data", "--country", "TJ"])
                .args(["--append", name])
                .current_dir(work.dir.path())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for run in runs {
        let out = run.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert!(stderr.contains("appended"), "{stderr}");
    }
    let after = fs::read_to_string(work.data().join("places.csv")).unwrap();
    assert!(after.starts_with(&before), "{after}");
    for name in names {
        let row = format!(",{name},settlement,TJ,");
        assert_eq!(after.matches(&row).count(), 1, "{row} in {after}");
    }
    work.check().expect_code(0);
}

/// Probe (session 31): `places promote --append` appended its row to a gazetteer every
/// other command refuses (a row at latitude 95). It checks the table as they do, and the
/// table with its row: an error naming the line, nothing appended.
#[test]
fn promote_appends_to_no_gazetteer_the_others_refuse() {
    let server = MockServer::start(vec![Reply::json(&answer(&[village("Qizilqala")]))]);
    let work = Work::new("small");
    geocode_online(&work, &server.url(), &["Qizilqala"]).expect_code(0);
    let places = work.data().join("places.csv");
    let good = fs::read_to_string(&places).unwrap();
    let bad = format!("{good}northpole,Northpole,settlement,TJ,,95,68.7,settlement,5,,,test\n");
    fs::write(&places, &bad).unwrap();
    let append = ["places", "promote", "--data", "data", "--country", "TJ"];
    work.run(&[&append[..], &["--append", "Qizilqala"]].concat())
        .expect_code(1)
        .expect_stderr_line(&["places.csv:", "95"]);
    assert_eq!(fs::read_to_string(&places).unwrap(), bad);
    work.check().expect_code(1);
    // Printing the row is refused for nothing else the table holds.
    work.run(&[&append[..], &["Qizilqala"]].concat())
        .expect_code(0);
    // A table `check` accepts that the row would break (its name another TJ row's
    // alias, so the name no longer leads back to one row): nothing appended.
    let aliased = format!(
        "{good}qizil-other,Qizil Other,settlement,TJ,,38.5,68.7,settlement,5,centre,Qizilqala,test\n"
    );
    fs::write(&places, &aliased).unwrap();
    work.check().expect_code(0);
    work.run(&[&append[..], &["--append", "Qizilqala"]].concat())
        .expect_code(1)
        .expect_stderr_line(&["places.csv:"]);
    assert_eq!(fs::read_to_string(&places).unwrap(), aliased);
}

/// Probe (session 30): a cached answer moved by hand out of its country (464 km inside
/// Kazakhstan, filed under TJ), or given a name with nothing to match ("-"), was used by
/// `check`, `build` and `geocode`, and `places promote --append` wrote a row `check` then
/// refused. The cache's chosen points answer to the containment check the gazetteer's rows
/// do, and its names to the same rule: an error naming the file and entry, nothing written.
#[test]
fn a_cached_answer_outside_its_country_or_with_no_name_is_refused_everywhere() {
    let server = MockServer::start(vec![Reply::json(&answer(&[village("Qizilqala")]))]);
    let work = Work::new("small");
    unknown_place(&work);
    build_online(&work, &server.url()).expect_code(0);
    let cache = work.data().join("geocode-cache.toml");
    let good = fs::read_to_string(&cache).unwrap();
    let places = fs::read_to_string(work.data().join("places.csv")).unwrap();
    let promote = [
        "places",
        "promote",
        "--data",
        "data",
        "--country",
        "TJ",
        "--append",
        "Qizilqala",
    ];
    // The review and the probe of the fix (session 30): a query with nothing to match
    // (the promoted row's alias), and an answer in a country not asked.
    for (from, to, entry, why) in [
        (
            "lat = 37.6123456",
            "lat = 45.0",
            "entry \"Qizilqala\" [\"TJ\"]",
            "chosen point lat 45, lon 68.8765432 lies",
        ),
        (
            "name = \"Qizilqala\"",
            "name = \"-\"",
            "entry \"Qizilqala\" [\"TJ\"]",
            "chosen name \"-\" has nothing to match",
        ),
        (
            "query = \"Qizilqala\"",
            "query = \"!!\"",
            "entry \"!!\" [\"TJ\"]",
            "the query has nothing to match",
        ),
        // The region moved with it: a UZ answer with a TJ region is refused for that first
        // (`admin1`, by the gazetteer's rule).
        (
            "country_code = \"TJ\"\nadmin1 = \"TJ-XX\"",
            "country_code = \"UZ\"\nadmin1 = \"UZ-XX\"",
            "entry \"Qizilqala\" [\"TJ\"]",
            "chosen in UZ, outside the allowed countries TJ",
        ),
        (
            "admin1 = \"TJ-XX\"",
            "admin1 = \"UZ-XX\"",
            "entry \"Qizilqala\" [\"TJ\"]",
            "chosen as a gazetteer row, \"UZ-XX\": admin1: a region of UZ, not of the row's country TJ",
        ),
        // Tester finding (session 38, 4): an unknown provider passed, and the feature said
        // `"geocoder":"bogus"`.
        (
            "provider = \"nominatim\"",
            "provider = \"bogus\"",
            "entry \"Qizilqala\" [\"TJ\"]",
            "provider: unknown geocoder \"bogus\" (expected nominatim or photon)",
        ),
    ] {
        assert!(good.contains(from), "{good}");
        fs::write(&cache, good.replacen(from, to, 1)).unwrap();
        let expect = ["geocode-cache.toml:", entry, why];
        work.check().expect_code(1).expect_stderr_line(&expect);
        work.build().expect_code(1).expect_stderr_line(&expect);
        // `geocode` keeps exit 1 for a name it cannot resolve: a cache that cannot be read
        // is exit 2 (tester finding, session 38, 2).
        work.run(&["geocode", "--data", "data", "--country", "TJ", "Qizilqala"])
            .expect_code(2)
            .expect_stderr_line(&expect);
        work.run(&promote)
            .expect_code(1)
            .expect_stderr_line(&expect);
        assert_eq!(
            fs::read_to_string(work.data().join("places.csv")).unwrap(),
            places,
            "nothing appended"
        );
    }
    fs::write(&cache, good).unwrap();
    work.run(&promote).expect_code(0);
    work.check().expect_code(0);
}

/// Probe finding (session 11, MEDIUM 3): a service that accepts and never answers cost
/// every name four full timeouts. After three attempts in a row time out, the run asks
/// nothing more and says which names, and how many, were not asked (on their advice, not
/// as lookups that failed).
#[test]
fn online_timeouts_trip_a_circuit_breaker_and_list_the_names_not_asked() {
    let server = MockServer::start(vec![Reply::Silent(Duration::from_secs(20)); 8]);
    let url = server.url();
    let work = Work::new("small");
    let mut args = vec!["geocode", "--data", "data", "--country", "TJ"];
    args.extend_from_slice(&online_flags(&url));
    args.extend_from_slice(&["--online-timeout", "1"]);
    args.extend_from_slice(&["Nowhereabad", "Zzqxx", "Qqzzyy", "Xxyyzz"]);
    let run = work.run(&args);
    run.expect_code(1).expect_stderr_line(&[
        "Nowhereabad: online lookup failed",
        "no answer within 1.0 s (timed out)",
        "retried 2 times",
    ]);
    let out = run.stdout();
    for name in ["Zzqxx", "Qqzzyy", "Xxyyzz"] {
        assert!(
            lines_of(&out, name).iter().any(|l| [
                "unresolved",
                "not asked online",
                "stopped answering (3 attempts in a row timed out or could not connect)",
                "none of the 3 remaining name(s)",
            ]
            .iter()
            .all(|part| l.contains(part))),
            "{out}"
        );
    }
    assert_eq!(server.requests().len(), 3, "three attempts, then no more");

    // The timeout is one option, checked the same way as a flag and in the config file.
    let mut bad = vec!["geocode", "--data", "data", "--country", "TJ"];
    bad.extend_from_slice(&online_flags(&url));
    bad.extend_from_slice(&["--online-timeout", "0", "Nowhereabad"]);
    work.run(&bad)
        .expect_code(2)
        .expect_stderr_line(&["timeout-secs (--online-timeout) 0 is outside 1..=600"]);
    fs::write(
        work.dir.path().join("cfg.toml"),
        "[online]\ntimeout-secs = 601\n",
    )
    .unwrap();
    let mut bad = vec![
        "geocode",
        "--data",
        "data",
        "--country",
        "TJ",
        "--config",
        "cfg.toml",
    ];
    bad.extend_from_slice(&online_flags(&url));
    bad.push("Nowhereabad");
    work.run(&bad)
        .expect_code(2)
        .expect_stderr_line(&["timeout-secs (--online-timeout) 601 is outside 1..=600"]);
    assert_eq!(server.requests().len(), 3);
}

/// Probe finding (session 11, MEDIUM 4): an answer that could not be saved (a full disk)
/// became a per-name "unresolved" and exit 1. It is a file that cannot be written: exit 2,
/// and the run asks nothing more.
#[test]
fn online_cache_write_failure_stops_the_run_with_exit_2() {
    let server = MockServer::start(vec![
        Reply::json(&answer(&[village("Qizilqala")])),
        Reply::json(&answer(&[village("Zzqxx")])),
    ]);
    let work = Work::new("small");
    // The cache's lock cannot be opened for writing: any write error will do.
    fs::create_dir(work.data().join(".geocode-cache.lock")).unwrap();
    let run = geocode_online(&work, &server.url(), &["Qizilqala", "Zzqxx"]);
    run.expect_code(2)
        .expect_stderr_line(&[".geocode-cache.lock"]);
    assert!(!run.stderr().contains("unresolved"), "{}", run.stderr());
    assert_eq!(
        server.requests().len(),
        1,
        "nothing asked after the failure"
    );
    assert!(!work.data().join("geocode-cache.toml").exists());
}

/// Probe 5 M1: an answer filed under `tj` whose point lies 57 km inside Afghanistan was
/// accepted; `places promote --append` then made every command refuse places.csv. The
/// one containment check now rejects it.
#[test]
fn an_online_answer_whose_point_lies_outside_its_country_is_rejected() {
    let afghan_point = result(
        ("node", 42),
        "Afgville",
        (36.7, 68.8),
        ("place", "village", "village"),
        ("Tajikistan", "tj"),
        0.4,
        0.02,
    );
    let server = MockServer::start(vec![Reply::json(&answer(&[afghan_point]))]);
    let work = Work::new("small");
    geocode_online(&work, &server.url(), &["Afgville"])
        .expect_code(1)
        .expect_stderr_line(&["Afgville", "nominatim found nothing either"]);
    let cache = fs::read_to_string(work.data().join("geocode-cache.toml")).unwrap();
    assert!(
        cache.contains("km outside TJ") && cache.contains("in Afghanistan"),
        "{cache}"
    );
    let promote = [
        "places",
        "promote",
        "--data",
        "data",
        "--country",
        "TJ",
        "--append",
    ];
    work.run(&[&promote[..], &["Afgville"]].concat())
        .expect_code(1);
    work.check().expect_code(0);
}

/// Probe 5 M2: a 429 asking to wait a day failed one name, and the next were asked a
/// second apart. The run stops asking; the rest are reported as not asked (on their
/// advice).
#[test]
fn a_retry_after_longer_than_allowed_stops_the_run() {
    let server = MockServer::start(vec![
        Reply::too_many("86400"),
        Reply::json(&answer(&[village("Aqq2")])),
    ]);
    let work = Work::new("small");
    let run = geocode_online(&work, &server.url(), &["Aqq1", "Aqq2", "Aqq3"]);
    run.expect_code(1)
        .expect_stderr_line(&["Aqq1", "HTTP 429", "86400 s"]);
    let out = run.stdout();
    let said = |name: &str, parts: &[&str]| {
        lines_of(&out, name)
            .iter()
            .any(|l| parts.iter().all(|part| l.contains(part)))
    };
    assert!(
        said("Aqq2", &["not asked online", "86400 s", "2 remaining"]),
        "{out}"
    );
    assert!(said("Aqq3", &["not asked online"]), "{out}");
    assert_eq!(server.requests().len(), 1);
}

/// Probe 5 M3: the cache was keyed by the raw string: `qizilqala` was asked again after
/// `Qizilqala`, and an offline lookup in another case missed the answer.
#[test]
fn the_online_cache_is_keyed_by_the_folded_name() {
    let server = MockServer::start(vec![
        Reply::json(&answer(&[village("Qizilqala")])),
        Reply::json("[]"),
    ]);
    let work = Work::new("small");
    for name in ["Qizilqala ", "qizilqala", "QIZILQALA", "Qizilqala"] {
        geocode_online(&work, &server.url(), &[name]).expect_code(0);
    }
    assert_eq!(server.requests().len(), 1);
    assert_eq!(
        server.requests()[0].param("q").as_deref(),
        Some("Qizilqala")
    );
    let cache = fs::read_to_string(work.data().join("geocode-cache.toml")).unwrap();
    assert_eq!(cache.matches("query = ").count(), 1, "{cache}");
    assert!(cache.contains("query = \"Qizilqala\"\n"), "{cache}");
    let offline = work.run(&["geocode", "--data", "data", "--country", "TJ", "qIzIlQaLa"]);
    offline.expect_code(0);
    assert!(
        offline.stdout().contains("osm:node/2751234567"),
        "{}",
        offline.stdout()
    );
    work.run(&[
        "places",
        "promote",
        "--data",
        "data",
        "--country",
        "TJ",
        "QIZILQALA",
    ])
    .expect_code(0);
}

/// Probe 5 L2: `places promote` of a name the gazetteer knows advised asking online first,
/// which asks nothing for such a name.
#[test]
fn promoting_a_name_the_gazetteer_knows_says_so() {
    let work = Work::new("small");
    let run = work.run(&[
        "places",
        "promote",
        "--data",
        "data",
        "--country",
        "TJ",
        "Kharbmaidon",
    ]);
    run.expect_code(1)
        .expect_stderr_line(&["\"Kharbmaidon\"", "already in the gazetteer"]);
    assert!(!run.stderr().contains("--online"), "{}", run.stderr());
}

/// Probe 6 M4: `geocode --batch` did not read the online cache, so a name `geocode NAME`
/// and `build --events` resolved from it came out `unresolved` in a batch. One lookup
/// (`resolve::lookup_or_cached`) serves all three.
#[test]
fn geocode_batch_answers_from_the_online_cache_as_geocode_name_does() {
    let server = MockServer::start(vec![Reply::json(&answer(&[village("Qizilqala")]))]);
    let work = Work::new("small");
    geocode_online(&work, &server.url(), &["Qizilqala"]).expect_code(0);
    fs::write(
        work.data().join("b.csv"),
        "name,country\nQizilqala,TJ\nqizilqala,Tajikistan\nKharbmaidon,TJ\n",
    )
    .unwrap();
    let run = work.run(&[
        "geocode",
        "--data",
        "data",
        "--batch",
        "data/b.csv",
        "--json",
    ]);
    run.expect_code(0);
    let rows: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    for row in &rows.as_array().unwrap()[..2] {
        assert_eq!(row["status"], "resolved", "{row}");
        assert_eq!(row["place_id"], "osm:node/2751234567", "{row}");
        assert_eq!(row["match"], "online", "{row}");
        // The provider, as a layer's `geocoder` names it, and what the point owes.
        assert_eq!(row["geocoder"], "nominatim", "{row}");
        assert!(
            row["point_source"].as_str().unwrap().contains("OSM node"),
            "{row}"
        );
        assert!(row["afghan_border_km"].as_f64().is_some(), "{row}");
    }
    assert_eq!(rows[2]["geocoder"], "gazetteer");
    // The same answer `geocode NAME` gives.
    let one = work.run(&[
        "geocode",
        "--data",
        "data",
        "--json",
        "--country",
        "TJ",
        "Qizilqala",
    ]);
    let one: serde_json::Value = serde_json::from_str(&one.stdout()).unwrap();
    assert_eq!(one[0]["best"]["place_id"], rows[0]["place_id"]);
    assert_eq!(one[0]["best"]["lat"], rows[0]["lat"]);
    // Under another country the answer does not apply.
    fs::write(work.data().join("c.csv"), "name,country\nQizilqala,UZ\n").unwrap();
    work.run(&["geocode", "--data", "data", "--batch", "data/c.csv"])
        .expect_code(1);
    assert_eq!(server.requests().len(), 1);
}

/// Probe 6 M3: `places promote --append` and the online cache replaced a symlinked
/// `places.csv` / `geocode-cache.toml` with a regular file, so the shared file the link
/// named never got the row or the answer. Both are written through the link, atomically
/// beside its target, and the link stays.
#[test]
fn promote_append_and_the_online_cache_write_through_a_symlink() {
    let server = MockServer::start(vec![Reply::json(&answer(&[village("Qizilqala")]))]);
    let work = Work::new("small");
    let common = work.dir.path().join("common");
    fs::create_dir(&common).unwrap();
    fs::rename(work.data().join("places.csv"), common.join("places.csv")).unwrap();
    std::os::unix::fs::symlink("../common/places.csv", work.data().join("places.csv")).unwrap();
    // A link to a cache that does not exist yet: the first answer creates its target.
    std::os::unix::fs::symlink(
        "../common/geocode-cache.toml",
        work.data().join("geocode-cache.toml"),
    )
    .unwrap();
    geocode_online(&work, &server.url(), &["Qizilqala"]).expect_code(0);
    let is_link = |name: &str| {
        fs::symlink_metadata(work.data().join(name))
            .unwrap()
            .is_symlink()
    };
    assert!(is_link("geocode-cache.toml"));
    let cache = fs::read_to_string(common.join("geocode-cache.toml")).unwrap();
    assert!(cache.contains("Qizilqala"), "{cache}");
    work.run(&[
        "places",
        "promote",
        "--data",
        "data",
        "--country",
        "TJ",
        "Qizilqala",
        "--append",
    ])
    .expect_code(0);
    assert!(is_link("places.csv"));
    let table = fs::read_to_string(common.join("places.csv")).unwrap();
    assert!(table.contains(",Qizilqala,settlement,TJ,"), "{table}");
    work.check().expect_code(0);
    // No temporary file left beside the link or the target.
    for dir in [work.data(), common] {
        for e in fs::read_dir(dir).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            assert!(!name.ends_with(".tmp"), "{name}");
        }
    }
}

/// Probe 6 L7: the example of `places promote --help` (and `places --help`) named a place
/// already in the gazetteer, so it exited 1. Every example line of both runs, in order, in
/// a folder laid out as the examples assume (`places/`, a `drillmap.toml` naming the
/// service), each exit 0.
#[test]
fn the_places_promote_help_examples_run() {
    let server = MockServer::start(vec![Reply::json(&answer(&[village("Qizilqala")]))]);
    let work = Work::new("small");
    let dir = work.dir.path();
    fs::rename(work.data(), dir.join("places")).unwrap();
    fs::write(
        dir.join("drillmap.toml"),
        format!(
            "[online]\ngeocoder-url = \"{}\"\nuser-agent = \"{UA}\"\n",
            server.url()
        ),
    )
    .unwrap();
    let examples = |cmd: &[&str]| -> Vec<String> {
        let mut args = cmd.to_vec();
        args.push("--help");
        let help = work.run(&args).stdout();
        help.lines()
            .skip_while(|l| !l.starts_with("Example"))
            .skip(1)
            .take_while(|l| !l.trim().is_empty())
            .map(|l| l.trim().to_owned())
            .filter(|l| l.contains(" promote ") || l.contains("geocode --online"))
            .collect()
    };
    let promote = examples(&["places", "promote"]);
    assert_eq!(promote.len(), 3, "{promote:?}");
    let parent = examples(&["places"]);
    assert_eq!(parent.len(), 1, "{parent:?}");
    for example in promote.iter().chain(&parent) {
        let words: Vec<&str> = example.split_whitespace().collect();
        assert_eq!(words[0], "drillmap", "{example}");
        let run = work.run(&words[1..]);
        assert_eq!(run.code(), 0, "{example}: {}", run.stderr());
    }
    assert_eq!(server.requests().len(), 1);
}

/// Probe 8 #15: `places promote --append` ended its row with LF in a CR LF `places.csv`
/// (as Excel saves it), leaving the file with mixed line ends; likewise in a file of
/// classic Mac line ends (lone CRs, session 26).
#[test]
fn promote_append_keeps_the_line_ends_of_the_table() {
    for end in ["\r\n", "\r"] {
        promote_append_keeps(end);
    }
}

fn promote_append_keeps(end: &str) {
    let server = MockServer::start(vec![Reply::json(&answer(&[village("Qizilqala")]))]);
    let work = Work::new("small");
    geocode_online(&work, &server.url(), &["Qizilqala"]).expect_code(0);
    let table = work.data().join("places.csv");
    let crlf = fs::read_to_string(&table).unwrap().replace('\n', end);
    fs::write(&table, &crlf).unwrap();
    let append = || {
        work.run(&[
            "places",
            "promote",
            "--data",
            "data",
            "--country",
            "TJ",
            "--append",
            "Qizilqala",
        ])
    };
    append().expect_code(0);
    let text = fs::read_to_string(&table).unwrap();
    assert!(
        text.starts_with(&crlf),
        "the table before the row is unchanged"
    );
    let row = &text[crlf.len()..];
    assert!(
        row.contains(",Qizilqala,settlement,TJ,") && row.ends_with(end),
        "{row:?}"
    );
    assert_eq!(text.matches('\n').count(), text.matches("\r\n").count());
    assert_eq!(text.matches(end).count(), crlf.matches(end).count() + 1);
    work.check().expect_code(0);
    // Promoted again, the row is there already: said on its own line.
    let line = text.matches(end).count();
    append()
        .expect_code(0)
        .expect_stderr_line(&[&format!("places.csv:{line}:"), "already there"]);
    assert_eq!(fs::read_to_string(&table).unwrap(), text);
}

/// Tester finding (session 38, 1): `build --online --refresh` against a failing service
/// exited 1 ("nothing was written") although the cache answered every name, while an
/// offline build and `geocode --online --refresh` exited 0. A failed refresh of a name the
/// cache answers keeps the cached answer, with a warning, in `build` and `geocode` alike.
#[test]
fn a_failed_refresh_keeps_the_cached_answer_in_build_and_geocode() {
    let server = MockServer::start(vec![Reply::json(&answer(&[village("Qizilqala")]))]);
    let work = Work::new("small");
    unknown_place(&work);
    build_online(&work, &server.url()).expect_code(0);
    let first = work.outputs();
    let cache = fs::read_to_string(work.data().join("geocode-cache.toml")).unwrap();
    // No retries, so a failure is one request.
    fs::write(
        work.dir.path().join("cfg.toml"),
        "[online]\nmax-retries = 0\n",
    )
    .unwrap();
    let failing = MockServer::start(vec![Reply::status(500); 2]);
    let refused = format!("http://127.0.0.1:{}", support::closed_port());
    for url in [failing.url(), refused] {
        let mut args = vec!["build", "--data", "data", "--out", "out"];
        args.extend_from_slice(&online_flags(&url));
        args.extend_from_slice(&["--refresh", "--config", "cfg.toml"]);
        work.run(&args).expect_code(0).expect_stderr_line(&[
            "warning: ",
            "exercises.toml:14:",
            "\"Qizilqala\"",
            "online refresh failed",
            "the cached answer (retrieved ",
            "was used",
        ]);
        assert_eq!(work.outputs(), first, "{url}");
        let mut args = vec!["geocode", "--data", "data", "--country", "TJ"];
        args.extend_from_slice(&online_flags(&url));
        args.extend_from_slice(&["--refresh", "--config", "cfg.toml", "Qizilqala"]);
        let run = work.run(&args);
        run.expect_code(0).expect_stderr_line(&[
            "warning: Qizilqala: online refresh failed",
            "the cached answer (retrieved ",
        ]);
        assert!(
            run.stdout().contains("Qizilqala: resolved"),
            "{}",
            run.stdout()
        );
    }
    assert_eq!(failing.requests().len(), 2);
    assert_eq!(
        fs::read_to_string(work.data().join("geocode-cache.toml")).unwrap(),
        cache,
        "a failure leaves the cache as it was"
    );
    // A name nothing answers still fails the build.
    work.edit("exercises.toml", "Qizilqala", "Nowhereabad");
    let mut args = vec!["build", "--data", "data", "--out", "out"];
    let url = failing.url();
    args.extend_from_slice(&online_flags(&url));
    args.extend_from_slice(&["--refresh", "--config", "cfg.toml"]);
    work.run(&args).expect_code(1).expect_stderr_line(&[
        "exercises.toml:14:",
        "\"Nowhereabad\"",
        "online lookup failed",
    ]);
    assert_eq!(work.outputs(), first);
    // `geocode --online` says so too, and does not tell it to ask with --online (5).
    let mut args = vec!["geocode", "--data", "data", "--country", "TJ"];
    args.extend_from_slice(&online_flags(&url));
    args.extend_from_slice(&["--config", "cfg.toml", "Nowhereabad"]);
    let run = work.run(&args);
    run.expect_code(1)
        .expect_stderr_line(&["Nowhereabad: online lookup failed"]);
    assert!(
        run.stdout().contains("Nowhereabad: unresolved"),
        "{}",
        run.stdout()
    );
    assert!(!run.stdout().contains("--online"), "{}", run.stdout());
}

/// A failed `--refresh` of a name the cache answers was said only when the build
/// succeeded: a build that then failed for another reason (a bad value on another record)
/// printed its problems and not the warning, so the user never learnt the refresh failed.
#[test]
fn a_failed_refresh_is_warned_of_also_when_the_build_fails_for_another_reason() {
    let server = MockServer::start(vec![Reply::json(&answer(&[village("Qizilqala")]))]);
    let work = Work::new("small");
    unknown_place(&work);
    build_online(&work, &server.url()).expect_code(0);
    let good = work.outputs();
    fs::write(
        work.dir.path().join("cfg.toml"),
        "[online]\nmax-retries = 0\n",
    )
    .unwrap();
    work.edit(
        "exercises.toml",
        "start = \"2021-08-05\"",
        "start = \"2021-08-45\"",
    );
    let failing = MockServer::start(vec![Reply::status(500)]);
    let url = failing.url();
    let mut args = vec!["build", "--data", "data", "--out", "out"];
    args.extend_from_slice(&online_flags(&url));
    args.extend_from_slice(&["--refresh", "--config", "cfg.toml"]);
    let run = work.run(&args);
    run.expect_code(1)
        .expect_stderr_line(&["exercises.toml:17:", "\"2021-08-45\""])
        .expect_stderr_line(&[
            "warning: ",
            "exercises.toml:14:",
            "\"Qizilqala\"",
            "online refresh failed",
            "the cached answer (retrieved ",
        ]);
    assert_eq!(work.outputs(), good, "nothing was written");
    assert_eq!(failing.requests().len(), 1);
}

/// A name `--online-max` left unasked was told what a name asked was (nothing online, as
/// if its lookup had failed: "online lookup failed: … not asked online"); it is told it
/// was left unasked at the cap, and how to raise it, on its own line, in `build` and
/// `geocode` alike.
#[test]
fn a_name_the_online_cap_left_unasked_is_told_so_not_that_it_was_asked() {
    let server = MockServer::start(vec![Reply::json("[]"), Reply::json("[]")]);
    let url = server.url();
    let work = Work::new("small");
    unknown_place(&work);
    work.edit(
        "exercises.toml",
        "place = \"Termiz training ground\"",
        "place = \"Nowhereabad\"",
    );
    let mut args = vec!["build", "--data", "data", "--out", "out"];
    args.extend_from_slice(&online_flags(&url));
    args.extend_from_slice(&["--online-max", "1"]);
    let run = work.run(&args);
    run.expect_code(1)
        .expect_stderr_line(&["\"Qizilqala\"", "nominatim found nothing"])
        .expect_stderr_line(&[
            "\"Nowhereabad\"",
            "unresolved",
            "not asked online: this run already made 1 lookup",
            "raise it with --online-max",
        ]);
    assert!(
        !run.stderr().contains("online lookup failed"),
        "{}",
        run.stderr()
    );
    assert_eq!(server.requests().len(), 1);
    // `geocode` says it on the name's answer, in the same words.
    let mut args = vec!["geocode", "--data", "data", "--country", "TJ"];
    args.extend_from_slice(&online_flags(&url));
    args.extend_from_slice(&["--online-max", "1", "Zzqxx", "Qqzzyy"]);
    let run = work.run(&args);
    run.expect_code(1);
    let out = run.stdout();
    let line = |name: &str| {
        out.lines()
            .find(|l| l.starts_with(&format!("{name}: unresolved")))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(line("Zzqxx").contains("nominatim found nothing"), "{out}");
    assert!(!line("Zzqxx").contains("not asked"), "{out}");
    assert!(
        line("Qqzzyy").contains(
            "not asked online: this run already made 1 lookup, its cap (raise it with --online-max)"
        ),
        "{out}"
    );
    assert!(
        !run.stderr().contains("online lookup failed"),
        "{}",
        run.stderr()
    );
    assert_eq!(server.requests().len(), 2);
}

/// Session 38's notes: with `--refresh`, a name the `--online-max` cap left unrefreshed, which
/// the cache answers, was warned "online refresh failed", though no refresh was tried. It is
/// told it was not refreshed, and why; the cached answer is used.
#[test]
fn a_refresh_the_cap_left_untried_is_not_called_failed() {
    let server = MockServer::start(vec![
        Reply::json(&answer(&[village("Qizilqala")])),
        Reply::json(&answer(&[village("Qaraqum")])),
        Reply::json(&answer(&[village("Qizilqala")])),
    ]);
    let work = Work::new("small");
    geocode_online(&work, &server.url(), &["Qizilqala", "Qaraqum"]).expect_code(0);
    let url = server.url();
    let mut args = vec!["geocode", "--data", "data", "--country", "TJ"];
    args.extend_from_slice(&online_flags(&url));
    args.extend_from_slice(&["--refresh", "--online-max", "1", "Qizilqala", "Qaraqum"]);
    let run = work.run(&args);
    run.expect_code(0).expect_stderr_line(&[
        "warning: Qaraqum: not refreshed: not asked online: this run already made 1 lookup,",
        "the cached answer (retrieved ",
        "was used",
    ]);
    assert!(!run.stderr().contains("refresh failed"), "{}", run.stderr());
    assert!(
        run.stdout().contains("Qaraqum: resolved"),
        "{}",
        run.stdout()
    );
    assert_eq!(server.requests().len(), 3);
}

/// The lines of `text` that start with `name: `: what `geocode` says of one name.
fn lines_of(text: &str, name: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}: ")))
        .map(str::to_owned)
        .collect()
}

/// A name the run left unasked because the service stopped answering was told what a name
/// asked is ("online lookup failed: … not asked online …", and advice that offers nothing
/// online), as if its lookup had failed. It is told, on its advice, that it was not asked
/// and to run again when the service is back, in `build` and `geocode` alike; the name
/// whose lookup did fail is still said to have failed.
#[test]
fn a_name_left_unasked_by_a_service_that_stopped_answering_is_told_to_run_again() {
    let refused = format!("http://127.0.0.1:{}", support::closed_port());
    let work = Work::new("small");
    unknown_place(&work);
    work.edit(
        "exercises.toml",
        "place = \"Termiz training ground\"",
        "place = \"Nowhereabad\"",
    );
    // Two retries, so the first name's three attempts trip the circuit breaker.
    fs::write(
        work.dir.path().join("cfg.toml"),
        "[online]\nmax-retries = 2\n",
    )
    .unwrap();
    let mut args = vec!["build", "--data", "data", "--out", "out"];
    args.extend_from_slice(&online_flags(&refused));
    args.extend_from_slice(&["--config", "cfg.toml"]);
    let run = work.run(&args);
    run.expect_code(1)
        .expect_stderr_line(&["\"Qizilqala\"", "online lookup failed"])
        .expect_stderr_line(&[
            "\"Nowhereabad\"",
            "unresolved: no place in UZ",
            "not asked online:",
            "stopped answering",
            "none of the 1 remaining name(s); run again when it is back",
        ]);
    let err = run.stderr();
    let nowhereabad: Vec<&str> = err.lines().filter(|l| l.contains("Nowhereabad")).collect();
    assert_eq!(nowhereabad.len(), 1, "{err}");
    assert!(!nowhereabad[0].contains("online lookup failed"), "{err}");

    let mut args = vec!["geocode", "--data", "data", "--country", "TJ"];
    args.extend_from_slice(&online_flags(&refused));
    args.extend_from_slice(&["--config", "cfg.toml", "Nowhereabad", "Zzqxx", "Qqzzyy"]);
    let run = work.run(&args);
    run.expect_code(1)
        .expect_stderr_line(&["Nowhereabad: online lookup failed"]);
    let (out, err) = (run.stdout(), run.stderr());
    for name in ["Zzqxx", "Qqzzyy"] {
        assert_eq!(lines_of(&err, name), Vec::<String>::new(), "{err}");
        let said = lines_of(&out, name);
        assert_eq!(said.len(), 1, "{out}");
        for part in [
            "unresolved: no place in TJ",
            "not asked online:",
            "stopped answering",
            "none of the 2 remaining name(s); run again when it is back",
        ] {
            assert!(said[0].contains(part), "{part:?}\n{out}");
        }
    }
}

/// As with a service that stopped answering, a name left unasked after the service asked
/// the run to wait longer than it waits (`Retry-After`) was told its lookup failed; and a
/// `--refresh` of a name the cache answers, left untried, was warned "online refresh
/// failed". The one is told it was not asked and to run again after that wait, the other
/// that it was not refreshed.
#[test]
fn a_name_left_unasked_after_a_long_retry_after_is_told_to_run_again_after_it() {
    let good = MockServer::start(vec![Reply::json(&answer(&[village("Qizilqala")]))]);
    let work = Work::new("small");
    geocode_online(&work, &good.url(), &["Qizilqala"]).expect_code(0);
    let server = MockServer::start(vec![Reply::too_many("86400")]);
    let url = server.url();
    let mut args = vec!["geocode", "--data", "data", "--country", "TJ"];
    args.extend_from_slice(&online_flags(&url));
    args.extend_from_slice(&["--refresh", "Aqq1", "Aqq2", "Qizilqala"]);
    let run = work.run(&args);
    run.expect_code(1)
        .expect_stderr_line(&["Aqq1: online lookup failed", "HTTP 429", "86400 s"])
        .expect_stderr_line(&[
            "warning: Qizilqala: not refreshed: not asked online:",
            "asked to wait 86400 s",
            "the cached answer (retrieved ",
        ]);
    let (out, err) = (run.stdout(), run.stderr());
    assert!(!err.contains("refresh failed"), "{err}");
    assert_eq!(lines_of(&err, "Aqq2"), Vec::<String>::new(), "{err}");
    let said = lines_of(&out, "Aqq2");
    assert_eq!(said.len(), 1, "{out}");
    for part in [
        "unresolved: no place in TJ",
        "not asked online:",
        "asked to wait 86400 s",
        "none of the 2 remaining name(s); run again after that",
    ] {
        assert!(said[0].contains(part), "{part:?}\n{out}");
    }
    assert!(out.contains("Qizilqala: resolved"), "{out}");
    assert_eq!(server.requests().len(), 1);
}
/// A failed `--refresh` of a name the cache answers was warned of when the build failed
/// for a problem in the data, but not when asking online itself stopped the run (an answer
/// that could not be saved, exit 2): the user never learnt that refresh failed. It is
/// warned of before the error, in `build` and `geocode` alike.
#[test]
fn a_failed_refresh_is_warned_of_also_when_the_cache_cannot_be_saved() {
    let server = MockServer::start(vec![Reply::json(&answer(&[village("Qizilqala")]))]);
    let work = Work::new("small");
    unknown_place(&work);
    work.edit(
        "exercises.toml",
        "place = \"Termiz training ground\"",
        "place = \"Nowhereabad\"",
    );
    let mut args = vec!["build", "--data", "data", "--out", "out"];
    let url = server.url();
    args.extend_from_slice(&online_flags(&url));
    args.extend_from_slice(&["--online-max", "1"]);
    work.run(&args).expect_code(1);
    assert_eq!(server.requests().len(), 1, "Qizilqala asked and cached");
    fs::write(
        work.dir.path().join("cfg.toml"),
        "[online]\nmax-retries = 0\n",
    )
    .unwrap();
    // The cache's lock cannot be opened for writing: the next answer cannot be saved.
    let lock = work.data().join(".geocode-cache.lock");
    let _ = fs::remove_file(&lock);
    fs::create_dir(&lock).unwrap();
    let failing = MockServer::start(vec![
        Reply::status(500),
        Reply::json("[]"),
        Reply::status(500),
        Reply::json("[]"),
    ]);
    let url = failing.url();
    let mut args = vec!["build", "--data", "data", "--out", "out"];
    args.extend_from_slice(&online_flags(&url));
    args.extend_from_slice(&["--refresh", "--config", "cfg.toml"]);
    let run = work.run(&args);
    run.expect_code(2)
        .expect_stderr_line(&[".geocode-cache.lock"])
        .expect_stderr_line(&[
            "warning: ",
            "exercises.toml:14:",
            "\"Qizilqala\"",
            "online refresh failed",
            "the cached answer (retrieved ",
        ]);
    let err = run.stderr();
    assert!(
        err.find("online refresh failed") < err.find("error: "),
        "{err}"
    );
    let mut args = vec!["geocode", "--data", "data", "--country", "TJ"];
    args.extend_from_slice(&online_flags(&url));
    args.extend_from_slice(&["--refresh", "--config", "cfg.toml", "Qizilqala", "Zzqxx"]);
    let run = work.run(&args);
    run.expect_code(2)
        .expect_stderr_line(&[".geocode-cache.lock"])
        .expect_stderr_line(&[
            "warning: Qizilqala: online refresh failed",
            "the cached answer (retrieved ",
        ]);
    let err = run.stderr();
    assert!(
        err.find("online refresh failed") < err.find("error: "),
        "{err}"
    );
    assert_eq!(failing.requests().len(), 4);
}

/// Probe (session 40): `[online] enabled = true` in the config turns lookups on, but
/// `--geocoder-url` (and the other online flags) still required `--online` on the command
/// line. They are settings of lookups made either way; where no lookup is made (no
/// `--online`, no `enabled`, or `--events`, `--batch`) giving one is a usage error naming it.
#[test]
fn online_flags_work_with_lookups_enabled_by_the_config_and_are_refused_where_none_are_made() {
    let server = MockServer::start(vec![Reply::json(&answer(&[village("Qizilqala")]))]);
    let work = Work::new("small");
    unknown_place(&work);
    let url = server.url();
    fs::write(
        work.dir.path().join("on.toml"),
        format!("[online]\nenabled = true\nuser-agent = \"{UA}\"\n"),
    )
    .unwrap();
    // Enabled by the config: the flag sets where to ask.
    work.run(&[
        "build",
        "--data",
        "data",
        "--out",
        "out",
        "--config",
        "on.toml",
        "--geocoder-url",
        &url,
        "--quiet",
    ])
    .expect_code(0);
    assert_eq!(server.requests().len(), 1);
    assert!(work.out().join("exercises.geojson").exists());
    // Not enabled: the flag is named, and so is how to enable lookups.
    let before = work.outputs();
    for (flag, value) in [
        ("--geocoder", Some("photon")),
        ("--geocoder-url", Some(url.as_str())),
        ("--refresh", None),
        ("--online-max", Some("3")),
        ("--online-timeout", Some("5")),
    ] {
        let mut args = vec!["build", "--data", "data", "--out", "out", flag];
        args.extend(value);
        work.run(&args).expect_code(2).expect_stderr_line(&[
            flag,
            "is a setting of online lookups, which this run does not make",
            "add --online",
            "`enabled = true`",
        ]);
        let mut args = vec!["geocode", "--data", "data", flag];
        args.extend(value);
        args.push("Qizilqala");
        work.run(&args)
            .expect_code(2)
            .expect_stderr_line(&[flag, "add --online"]);
    }
    // Where no lookup is made at all, whatever the config says.
    fs::write(work.data().join("names.csv"), "name\nQizilqala\n").unwrap();
    work.run(&[
        "geocode",
        "--data",
        "data",
        "--config",
        "on.toml",
        "--refresh",
        "--batch",
        "data/names.csv",
    ])
    .expect_code(2)
    .expect_stderr_line(&["--refresh does not apply to --batch"]);
    fs::write(
        work.dir.path().join("events.csv"),
        "id,place,country,start_date\ne1,Termez,UZ,2021-08-05\n",
    )
    .unwrap();
    work.run(&[
        "build",
        "--data",
        "data",
        "--out",
        "bulk",
        "--events",
        "events.csv",
        "--geocoder-url",
        &url,
    ])
    .expect_code(2)
    .expect_stderr_line(&["--geocoder-url does not apply to --events"]);
    assert_eq!(work.outputs(), before, "nothing written");
    assert!(!work.dir.path().join("bulk").exists());
    assert_eq!(server.requests().len(), 1, "nothing more asked");
}
