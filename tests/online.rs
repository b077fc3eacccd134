//! The online geocoding fallback against a scripted server on 127.0.0.1 (never the
//! internet): answers, faults, politeness and the cache as a lockfile.
#![cfg(feature = "online")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use drillmap::model::Precision;
use drillmap::read::input::{MAX_FILE, MAX_LINE};
use drillmap::resolve::online::{
    lookup_missing, promote_row, CacheEntry, GeocodeCache, Lookup, LookupOutcome, NominatimClient,
    OnlineError, OnlineOptions, Provider, Query, Status, CACHE_FILE_NAME, MAX_ANSWER, MAX_TEXT,
};
use support::{
    afghan, answer, closed_port, training_area, unaccepting, village, MockServer, Reply, UA,
};

/// Clock slop allowed when comparing request arrival gaps with the 1 s interval.
const SLOP: Duration = Duration::from_millis(5);

fn options(url: &str) -> OnlineOptions {
    let mut o = OnlineOptions::new(url, UA);
    o.countries = vec!["TJ".into()];
    o.connect_timeout = Duration::from_secs(1);
    o.timeout = Duration::from_secs(2);
    o.max_retries = 2;
    // Short backoff keeps the suite fast; the 1 s minimum interval still holds (and is
    // measured below), because the limiter does not go below it whatever is set.
    o.backoff_base = Duration::from_millis(100);
    o.backoff_cap = Duration::from_secs(1);
    o
}

fn cache_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("places").join(CACHE_FILE_NAME)
}

fn run(queries: &[&str], opts: OnlineOptions, path: &Path) -> (GeocodeCache, Vec<LookupOutcome>) {
    run_client(queries, NominatimClient::new(opts).unwrap(), path)
}

/// [`run`] through `client`.
fn run_client(
    queries: &[&str],
    mut client: NominatimClient,
    path: &Path,
) -> (GeocodeCache, Vec<LookupOutcome>) {
    let mut cache = GeocodeCache::load(path).unwrap();
    let queries: Vec<Query> = queries.iter().map(|q| Query::new(*q, &["TJ"])).collect();
    let boundaries = drillmap::read::topojson::read(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("places/boundaries/countries-10m.json"),
    )
    .unwrap();
    let mut within = drillmap::derive::containment::CountryIndex::new(&boundaries);
    let mut outcomes = Vec::new();
    lookup_missing(
        &queries,
        &mut cache,
        path,
        &mut client,
        &mut within,
        true,
        &mut outcomes,
    )
    .unwrap();
    (cache, outcomes)
}

fn gaps(server: &MockServer) -> Vec<Duration> {
    server
        .requests()
        .windows(2)
        .map(|w| w[1].at.duration_since(w[0].at))
        .collect()
}

fn error_of(outcome: &LookupOutcome) -> String {
    match &outcome.result {
        Err(e) => e.to_string(),
        Ok(l) => panic!("{:?}: expected an error, got {l:?}", outcome.query),
    }
}

#[test]
fn success_is_cached_with_provenance_and_asked_politely() {
    let server = MockServer::start(vec![Reply::json(&answer(&[training_area("Kharbmaidon")]))]);
    let dir = tempfile::tempdir().unwrap();
    let path = cache_path(&dir);
    let (cache, outcomes) = run(&["Kharbmaidon"], options(&server.url()), &path);
    assert_eq!(outcomes[0].result.as_ref().unwrap(), &Lookup::Found);

    let req = &server.requests()[0];
    assert_eq!(req.header("user-agent"), Some(UA));
    assert!(req.target.starts_with("/search?"), "{}", req.target);
    for (k, v) in [
        ("q", "Kharbmaidon"),
        ("format", "jsonv2"),
        ("countrycodes", "tj"),
        ("limit", "5"),
        ("addressdetails", "1"),
        ("namedetails", "1"),
    ] {
        assert_eq!(req.param(k).as_deref(), Some(v), "parameter {k}");
    }

    let entry = GeocodeCache::load(&path)
        .unwrap()
        .get("Kharbmaidon", &["TJ"])
        .cloned()
        .unwrap();
    assert_eq!(Some(&entry), cache.get("Kharbmaidon", &["tj"]));
    assert_eq!(entry.provider, "nominatim");
    assert_eq!(entry.endpoint, server.url());
    assert_eq!(entry.status, Status::Found);
    assert_eq!(entry.retrieved_at.len(), 20, "{}", entry.retrieved_at);
    let chosen = entry.chosen.unwrap();
    assert_eq!(
        (chosen.osm_type.as_str(), chosen.osm_id),
        ("way", 987_654_321)
    );
    assert_eq!((chosen.lat, chosen.lon), (38.5012345, 68.7012345));
    assert_eq!(chosen.precision, Precision::Site);
    assert!(
        chosen.uncertainty_km > 5.0 && chosen.uncertainty_km < 8.0,
        "{chosen:?}"
    );
    assert!((0.0..=1.0).contains(&chosen.score));
}

#[test]
fn empty_answer_is_cached_as_not_found_and_not_asked_again() {
    let server = MockServer::start(vec![Reply::json("[]")]);
    let dir = tempfile::tempdir().unwrap();
    let path = cache_path(&dir);
    let (cache, outcomes) = run(&["Nowhere-abad"], options(&server.url()), &path);
    assert_eq!(outcomes[0].result.as_ref().unwrap(), &Lookup::NotFound);
    let entry = cache.get("Nowhere-abad", &["TJ"]).unwrap();
    assert_eq!(entry.status, Status::NotFound);
    assert!(entry.chosen.is_none() && entry.candidates.is_empty());

    // A cache hit makes no request and does not wait on the rate limiter.
    let start = Instant::now();
    let (_, again) = run(&["Nowhere-abad"], options(&server.url()), &path);
    assert_eq!(again[0].result.as_ref().unwrap(), &Lookup::Cached);
    assert!(
        start.elapsed() < Duration::from_millis(500),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn several_candidates_are_recorded_and_the_best_chosen() {
    let body = answer(&[
        village("Kharbmaidon Bolo"),
        training_area("Kharbmaidon"),
        afghan("Kharbmaidon"),
    ]);
    let server = MockServer::start(vec![Reply::json(&body)]);
    let dir = tempfile::tempdir().unwrap();
    let (cache, _) = run(&["Kharbmaidon"], options(&server.url()), &cache_path(&dir));
    let entry = cache.get("Kharbmaidon", &["TJ"]).unwrap();
    assert_eq!(entry.candidates.len(), 3);
    assert_eq!(
        entry
            .candidates
            .iter()
            .map(|c| c.accepted)
            .collect::<Vec<_>>(),
        [false, true, false],
        "a name that only contains the query does not match it (as in the gazetteer)"
    );
    assert!(entry.candidates[0].reason.contains("no name of it matches"));
    assert_eq!(entry.chosen.as_ref().unwrap().osm_id, 987_654_321);
    assert!(entry.candidates[2]
        .reason
        .contains("outside the allowed countries"));
}

#[test]
fn result_outside_allowed_countries_is_rejected_not_chosen() {
    let server = MockServer::start(vec![Reply::json(&answer(&[afghan("Kharbmaidon")]))]);
    let dir = tempfile::tempdir().unwrap();
    let (cache, outcomes) = run(&["Kharbmaidon"], options(&server.url()), &cache_path(&dir));
    assert_eq!(outcomes[0].result.as_ref().unwrap(), &Lookup::NotFound);
    let entry = cache.get("Kharbmaidon", &["TJ"]).unwrap();
    assert!(entry.chosen.is_none());
    assert_eq!(entry.candidates[0].country_code, "AF");
    assert_eq!(
        entry.candidates[0].reason,
        "in AF, outside the allowed countries TJ"
    );
}

#[test]
fn malformed_json_is_an_error_and_leaves_the_cache_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = cache_path(&dir);
    let first = MockServer::start(vec![Reply::json("[]")]);
    run(&["Known"], options(&first.url()), &path);
    let before = std::fs::read(&path).unwrap();

    let server = MockServer::start(vec![Reply::json(r#"[{"place_id": 1, "lat": "38.5""#)]);
    let (cache, outcomes) = run(&["Kharbmaidon"], options(&server.url()), &path);
    let message = error_of(&outcomes[0]);
    assert!(
        message.starts_with(&format!(
            "\"Kharbmaidon\": malformed answer from {}/search: not JSON",
            server.url()
        )),
        "{message}"
    );
    assert!(matches!(
        outcomes[0].result,
        Err(OnlineError::Malformed { .. })
    ));
    assert_eq!(
        server.requests().len(),
        1,
        "a malformed answer is not retried"
    );
    assert!(
        cache.get("Kharbmaidon", &["TJ"]).is_none(),
        "a failure is not cached"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn http_429_waits_as_long_as_retry_after_asks() {
    let server = MockServer::start(vec![
        Reply::too_many("2"),
        Reply::json(&answer(&[village("Kharbmaidon")])),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let (_, outcomes) = run(&["Kharbmaidon"], options(&server.url()), &cache_path(&dir));
    assert_eq!(outcomes[0].result.as_ref().unwrap(), &Lookup::Found);
    let gaps = gaps(&server);
    assert_eq!(gaps.len(), 1);
    assert!(gaps[0] + SLOP >= Duration::from_secs(2), "{gaps:?}");
}

#[test]
fn http_500_then_success_is_retried() {
    let server = MockServer::start(vec![
        Reply::status(500),
        Reply::status(502),
        Reply::json(&answer(&[village("Kharbmaidon")])),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let (_, outcomes) = run(&["Kharbmaidon"], options(&server.url()), &cache_path(&dir));
    assert_eq!(outcomes[0].result.as_ref().unwrap(), &Lookup::Found);
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn persistent_429_gives_up_with_a_clear_message() {
    let server = MockServer::start(vec![Reply::too_many("1"); 3]);
    let dir = tempfile::tempdir().unwrap();
    let path = cache_path(&dir);
    let (_, outcomes) = run(&["Kharbmaidon"], options(&server.url()), &path);
    let message = error_of(&outcomes[0]);
    let want = format!(
        "\"Kharbmaidon\": HTTP 429 Too Many Requests from {}/search, retried 2 times over ",
        server.url()
    );
    assert!(message.starts_with(&want), "{message}");
    assert!(message.ends_with(" s"), "{message}");
    assert_eq!(server.requests().len(), 3);
    assert!(!path.exists(), "nothing is cached for a failure");
}

#[test]
fn retry_after_beyond_the_allowed_wait_gives_up_at_once() {
    let server = MockServer::start(vec![Reply::too_many("3600")]);
    let dir = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let (_, outcomes) = run(&["Kharbmaidon"], options(&server.url()), &cache_path(&dir));
    let message = error_of(&outcomes[0]);
    assert!(
        message.contains("asking to wait 3600 s (Retry-After), longer than the 120 s allowed"),
        "{message}"
    );
    assert!(start.elapsed() < Duration::from_secs(2));
    assert_eq!(server.requests().len(), 1);
}

/// With no retries left, a `Retry-After` beyond the allowed wait was dropped with the
/// query, and the next name was asked a second later, against the service's word.
#[test]
fn a_retry_after_on_the_last_attempt_still_holds_the_run_off() {
    let server = MockServer::start(vec![Reply::too_many("86400"); 2]);
    let dir = tempfile::tempdir().unwrap();
    let mut opts = options(&server.url());
    opts.max_retries = 0;
    let (_, outcomes) = run(&["Iii4", "Iii5"], opts, &cache_path(&dir));
    let first = error_of(&outcomes[0]);
    assert!(
        first.contains("asking to wait 86400 s (Retry-After)"),
        "{first}"
    );
    assert!(
        matches!(outcomes[1].result, Err(OnlineError::HeldOff { .. })),
        "{outcomes:?}"
    );
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn other_client_errors_are_not_retried() {
    let server = MockServer::start(vec![Reply::status(403)]);
    let dir = tempfile::tempdir().unwrap();
    let (_, outcomes) = run(&["Kharbmaidon"], options(&server.url()), &cache_path(&dir));
    let message = error_of(&outcomes[0]);
    assert!(message.contains("HTTP 403 Forbidden from"), "{message}");
    assert!(message.contains("not retried"), "{message}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_server_that_never_answers_times_out() {
    let server = MockServer::start(vec![Reply::Silent(Duration::from_secs(10)); 2]);
    let dir = tempfile::tempdir().unwrap();
    let path = cache_path(&dir);
    let mut opts = options(&server.url());
    opts.timeout = Duration::from_secs(1);
    opts.max_retries = 1;
    let start = Instant::now();
    let (_, outcomes) = run(&["Kharbmaidon"], opts, &path);
    let message = error_of(&outcomes[0]);
    assert!(
        message.contains("no answer within 1.0 s (timed out)"),
        "{message}"
    );
    assert!(message.contains("retried once"), "{message}");
    assert_eq!(server.requests().len(), 2);
    assert!(
        start.elapsed() < Duration::from_secs(6),
        "{:?}",
        start.elapsed()
    );
    assert!(!path.exists());
}

#[test]
fn connection_refused_is_reported() {
    let url = format!("http://127.0.0.1:{}", closed_port());
    let dir = tempfile::tempdir().unwrap();
    let path = cache_path(&dir);
    let mut opts = options(&url);
    opts.max_retries = 1;
    let (_, outcomes) = run(&["Kharbmaidon"], opts, &path);
    let message = error_of(&outcomes[0]);
    assert!(
        message.starts_with("\"Kharbmaidon\": could not connect ("),
        "{message}"
    );
    assert!(message.to_lowercase().contains("refused"), "{message}");
    assert!(message.contains("retried once"), "{message}");
    assert!(!path.exists());
}

/// Review: a connection that timed out was reported as "no answer within" the whole
/// request's timeout, which had not fired. The message names the connect timeout and its
/// value.
#[test]
fn a_connection_that_times_out_names_the_connect_timeout() {
    let server = unaccepting();
    let url = format!("http://127.0.0.1:{}", server.port);
    let dir = tempfile::tempdir().unwrap();
    let mut opts = options(&url);
    opts.timeout = Duration::from_secs(20);
    opts.max_retries = 0;
    let (_, outcomes) = run(&["Kharbmaidon"], opts, &cache_path(&dir));
    let message = error_of(&outcomes[0]);
    assert!(
        message
            .starts_with("\"Kharbmaidon\": could not connect within 1.0 s (the connect timeout)"),
        "{message}"
    );
    assert!(!message.contains("20.0 s"), "{message}");
    let Err(OnlineError::Failed { elapsed, .. }) = &outcomes[0].result else {
        panic!("{message}")
    };
    assert!(*elapsed < Duration::from_secs(5), "{elapsed:?}");
}

#[test]
fn one_failure_does_not_lose_the_others() {
    let server = MockServer::start(vec![
        Reply::json(&answer(&[village("Alpha")])),
        Reply::status(400),
        Reply::json("[]"),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let path = cache_path(&dir);
    let (_, outcomes) = run(
        &["Alpha", "Bravo", "Charlie", "Alpha"],
        options(&server.url()),
        &path,
    );
    let results: Vec<_> = outcomes
        .iter()
        .map(|o| (o.query.as_str(), o.result.is_ok()))
        .collect();
    assert_eq!(
        results,
        [("Alpha", true), ("Bravo", false), ("Charlie", true)]
    );
    let saved = GeocodeCache::load(&path).unwrap();
    assert_eq!(
        saved
            .entries()
            .map(|e| e.query.as_str())
            .collect::<Vec<_>>(),
        ["Alpha", "Charlie"]
    );
    assert_eq!(server.requests().len(), 3, "the duplicate is asked once");
}

#[test]
fn each_answer_is_saved_before_the_next_request() {
    let server = MockServer::start(vec![
        Reply::json(&answer(&[village("Alpha")])),
        Reply::Silent(Duration::from_secs(5)),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let path = cache_path(&dir);
    let mut opts = options(&server.url());
    opts.max_retries = 0;
    let worker = {
        let path = path.clone();
        std::thread::spawn(move || run(&["Alpha", "Bravo"], opts, &path))
    };
    // While the second request hangs (as if the run were killed now), the file on disk
    // already holds the first answer, whole.
    assert!(server.wait_for(2, Duration::from_secs(10)));
    let on_disk = GeocodeCache::load(&path).unwrap();
    assert_eq!(on_disk.len(), 1);
    assert!(on_disk.get("Alpha", &["TJ"]).is_some());
    let (_, outcomes) = worker.join().unwrap();
    assert!(outcomes[1].result.is_err());
    assert_eq!(GeocodeCache::load(&path).unwrap(), on_disk);
}

#[test]
fn request_rate_never_exceeds_one_per_second() {
    let ok = |n: &str| Reply::json(&answer(&[village(n)]));
    let server = MockServer::start(vec![
        ok("A"),
        Reply::status(503),
        ok("B"),
        Reply::too_many("0"),
        ok("C"),
        ok("D"),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let mut opts = options(&server.url());
    opts.min_interval = Duration::from_millis(1); // raised to 1 s by the limiter
    opts.backoff_base = Duration::from_millis(1);
    let (_, outcomes) = run(&["A", "B", "C", "D"], opts, &cache_path(&dir));
    assert!(outcomes.iter().all(|o| o.result.is_ok()), "{outcomes:?}");
    let gaps = gaps(&server);
    assert_eq!(gaps.len(), 5, "4 queries + 2 retries");
    for gap in &gaps {
        assert!(*gap + SLOP >= Duration::from_secs(1), "{gaps:?}");
    }
    eprintln!("request gaps: {gaps:?}");
}

/// Probe (session 43): two runs asking at once each kept its own second, so the service
/// got their requests 0.1 s apart, in pairs. Clients that share the rate file (as every
/// run on one data folder does, `pipeline::ask_online`) take turns: every request of
/// either arrives at least a second after the one before.
#[test]
fn two_runs_sharing_the_rate_file_ask_once_a_second_between_them() {
    let ok = |n: &str| Reply::json(&answer(&[village(n)]));
    let server = MockServer::start(vec![ok("A"), ok("B"), ok("C"), ok("D")]);
    let shared = tempfile::tempdir().unwrap();
    let rate = drillmap::resolve::online::rate_path(shared.path());
    let url = server.url();
    let runs: Vec<_> = [["A", "B"], ["C", "D"]]
        .into_iter()
        .map(|names| {
            let (url, rate) = (url.clone(), rate.clone());
            std::thread::spawn(move || {
                let dir = tempfile::tempdir().unwrap();
                let mut client = NominatimClient::new(options(&url)).unwrap();
                client.share_rate_with(&rate).unwrap();
                let (_, outcomes) = run_client(&names, client, &cache_path(&dir));
                outcomes.iter().all(|o| o.result.is_ok())
            })
        })
        .collect();
    for run in runs {
        assert!(run.join().unwrap());
    }
    let gaps = gaps(&server);
    assert_eq!(gaps.len(), 3, "{gaps:?}");
    for gap in &gaps {
        assert!(*gap + SLOP >= Duration::from_secs(1), "{gaps:?}");
    }
}

#[test]
fn offline_reload_is_byte_identical_and_needs_no_network() {
    let server = MockServer::start(vec![
        Reply::json(&answer(&[training_area("Kharbmaidon")])),
        Reply::json("[]"),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let path = cache_path(&dir);
    let (online, _) = run(&["Kharbmaidon", "Nowhere"], options(&server.url()), &path);
    drop(server);
    let bytes = std::fs::read(&path).unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(
        text.contains("[[entry]]\nquery = \"Kharbmaidon\""),
        "{text}"
    );
    assert!(text.contains("status = \"not_found\""), "{text}");

    // What `build` without --online does: read the file, no client at all.
    let offline = GeocodeCache::load(&path).unwrap();
    assert_eq!(offline, online);
    assert_eq!(offline.to_toml().unwrap().as_bytes(), bytes.as_slice());
    assert!(
        !offline.save(&path).unwrap(),
        "an unchanged cache is not rewritten"
    );
}

#[test]
fn refresh_re_asks_found_entries_only() {
    let server = MockServer::start(vec![
        Reply::json(&answer(&[village("Alpha")])),
        Reply::json("[]"),
        Reply::json(&answer(&[village("Alpha")])),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let path = cache_path(&dir);
    run(&["Alpha", "Bravo"], options(&server.url()), &path);
    let mut opts = options(&server.url());
    opts.refresh = true;
    let (_, outcomes) = run(&["Alpha", "Bravo"], opts, &path);
    assert_eq!(outcomes[0].result.as_ref().unwrap(), &Lookup::Found);
    assert_eq!(outcomes[1].result.as_ref().unwrap(), &Lookup::Cached);
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn photon_answers_are_validated_the_same_way() {
    let body = r#"{"type":"FeatureCollection","features":[
        {"type":"Feature","geometry":{"type":"Point","coordinates":[68.7012345,38.5012345]},
         "properties":{"osm_type":"W","osm_id":987654321,"extent":[68.65,38.55,68.75,38.45],
           "country":"Tajikistan","countrycode":"TJ","state":"Khatlon Region",
           "osm_key":"military","osm_value":"training_area","name":"Kharbmaidon","type":"other"}},
        {"type":"Feature","geometry":{"type":"Point","coordinates":[68.9,36.7]},
         "properties":{"osm_type":"N","osm_id":5,"country":"Afghanistan","countrycode":"AF",
           "osm_key":"place","osm_value":"village","name":"Kharbmaidon","type":"city"}}]}"#;
    let server = MockServer::start(vec![Reply::json(body)]);
    let dir = tempfile::tempdir().unwrap();
    let mut opts = options(&server.url());
    opts.provider = Provider::Photon;
    let (cache, outcomes) = run(&["Kharbmaidon"], opts, &cache_path(&dir));
    assert_eq!(outcomes[0].result.as_ref().unwrap(), &Lookup::Found);
    let req = &server.requests()[0];
    assert!(req.target.starts_with("/api?"), "{}", req.target);
    assert_eq!(req.param("q").as_deref(), Some("Kharbmaidon"));
    assert_eq!(req.param("lang").as_deref(), Some("en"));
    let entry = cache.get("Kharbmaidon", &["TJ"]).unwrap();
    assert_eq!(entry.provider, "photon");
    let chosen = entry.chosen.as_ref().unwrap();
    assert_eq!(
        (chosen.osm_type.as_str(), chosen.precision),
        ("way", Precision::Site)
    );
    assert_eq!((chosen.lat, chosen.lon), (38.5012345, 68.7012345));
    assert!(!entry.candidates[1].accepted);
    assert!(promote_row(entry)
        .unwrap()
        .contains("Photon/OSM way 987654321"));
}

#[test]
fn a_run_asks_at_most_max_lookups() {
    let server = MockServer::start(vec![Reply::json("[]"), Reply::json("[]")]);
    let dir = tempfile::tempdir().unwrap();
    let mut opts = options(&server.url());
    opts.max_lookups = 1;
    let (cache, outcomes) = run(&["A", "B", "C"], opts, &cache_path(&dir));
    assert!(outcomes[0].result.is_ok());
    for o in &outcomes[1..] {
        assert!(
            matches!(&o.result, Err(OnlineError::NotAsked { cap: 1, .. })),
            "{o:?}"
        );
    }
    assert!(error_of(&outcomes[1]).contains("this run already made 1 lookup"));
    assert_eq!(server.requests().len(), 1);
    assert_eq!(cache.len(), 1);
}

/// Probe finding 11: redirects were followed inside the HTTP client, so one lookup made four
/// requests in the same millisecond. Each hop now waits on the rate limiter like a retry;
/// past three the query fails, naming why.
#[test]
fn redirects_are_followed_through_the_rate_limiter() {
    let moved = |to: &str| Reply::Http {
        status: 302,
        headers: vec![("Location".into(), to.into())],
        body: String::new(),
    };
    let server = MockServer::start(vec![
        moved("/elsewhere/search?q=Kharbmaidon"),
        moved("/again/search?q=Kharbmaidon"),
        Reply::json(&answer(&[training_area("Kharbmaidon")])),
        moved("/a"),
        moved("/b"),
        moved("/c"),
        moved("/d"),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let (_, outcomes) = run(&["Kharbmaidon"], options(&server.url()), &cache_path(&dir));
    assert_eq!(outcomes[0].result.as_ref().unwrap(), &Lookup::Found);
    let targets: Vec<String> = server.requests().iter().map(|r| r.target.clone()).collect();
    assert!(
        targets[1].starts_with("/elsewhere/search?q="),
        "{targets:?}"
    );
    for gap in gaps(&server) {
        assert!(gap + SLOP >= Duration::from_secs(1), "{gap:?}");
    }
    let (_, outcomes) = run(&["Elsewhere"], options(&server.url()), &cache_path(&dir));
    assert!(
        error_of(&outcomes[0]).contains("more than 3 redirects"),
        "{outcomes:?}"
    );
    assert_eq!(server.requests().len(), 7);
}

/// Probe (session 43): a redirect to an address that refused connections was reported as
/// the search URL's failure ("could not connect … from http://127.0.0.1:N/search" while
/// that answered). The message names the redirect's target.
#[test]
fn a_dead_redirect_target_is_named_in_the_failure() {
    let dead = format!("http://127.0.0.1:{}/moved", closed_port());
    let server = MockServer::start(vec![
        Reply::Http {
            status: 302,
            headers: vec![("Location".into(), format!("{dead}?q=Alpha"))],
            body: String::new(),
        },
        Reply::json(&answer(&[village("Bravo")])),
    ]);
    let dir = tempfile::tempdir().unwrap();
    // One retry: two attempts, under the three that take the service for dead.
    let mut opts = options(&server.url());
    opts.max_retries = 1;
    let (_, outcomes) = run(&["Alpha", "Bravo"], opts, &cache_path(&dir));
    let message = error_of(&outcomes[0]);
    assert!(
        message.starts_with("\"Alpha\": could not connect ("),
        "{message}"
    );
    assert!(
        message.contains(&format!("at {dead}, where the service redirected it")),
        "{message}"
    );
    assert!(!message.contains("q=Alpha"), "{message}");
    assert_eq!(
        outcomes[1].result.as_ref().unwrap(),
        &Lookup::Found,
        "{outcomes:?}"
    );
    assert_eq!(server.requests().len(), 2);
}

/// Every line of the cache at `path` within the reader's cap, and the file loads again.
fn assert_readable(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.len() as u64 <= MAX_FILE);
    let longest = text.lines().map(str::len).max().unwrap_or(0);
    assert!(longest <= MAX_LINE, "a line of {longest} bytes");
    GeocodeCache::load(path).unwrap();
}

/// Probe 6 H1 (a): a 5 MiB `display_name` was written to the cache as one line, which every
/// later command refused. A text over [`MAX_TEXT`] rejects its result, and the record keeps
/// only the start of it.
#[test]
fn an_overlong_name_is_rejected_and_the_cache_stays_readable() {
    let huge = "x".repeat(2 << 20);
    let body = answer(&[village("Bigname").replace(
        r#""display_name":"Bigname, Tajikistan""#,
        &format!(r#""display_name":"Bigname, {huge}""#),
    )]);
    let server = MockServer::start(vec![Reply::json(&body)]);
    let dir = tempfile::tempdir().unwrap();
    let path = cache_path(&dir);
    let (cache, outcomes) = run(&["Bigname"], options(&server.url()), &path);
    assert_eq!(outcomes[0].result.as_ref().unwrap(), &Lookup::NotFound);
    let c = &cache.get("Bigname", &["TJ"]).unwrap().candidates[0];
    assert_eq!(
        c.reason,
        format!(
            "display_name is {} bytes long, more than the {MAX_TEXT} allowed",
            huge.len() + 9
        )
    );
    assert!(c.display_name.chars().count() <= MAX_TEXT + 1);
    assert_readable(&path);
}

/// A village "Fff" in Tajikistan, node `id`, 20 km north of node `id - 1`'s.
fn fff(id: u64) -> String {
    support::result(
        ("node", id),
        "Fff",
        (37.6 + 0.2 * (id - 100) as f64, 68.8),
        ("place", "village", "village"),
        ("Tajikistan", "tj"),
        0.25,
        0.02,
    )
}

/// Probe 6 H1 (b): 5,000 results to a `limit=5` query were all kept, each with a reason
/// listing all the others: a 420 MB cache no command could read. More results than asked
/// for is a malformed answer, and nothing is cached.
#[test]
fn more_results_than_the_limit_asked_for_is_a_malformed_answer() {
    let six: Vec<String> = (0..6).map(|i| fff(100 + i)).collect();
    let server = MockServer::start(vec![Reply::json(&answer(&six))]);
    let dir = tempfile::tempdir().unwrap();
    let path = cache_path(&dir);
    let (cache, outcomes) = run(&["Fff"], options(&server.url()), &path);
    let message = error_of(&outcomes[0]);
    assert!(
        message.ends_with("6 results, more than the 5 asked for (limit=5)"),
        "{message}"
    );
    assert!(matches!(
        outcomes[0].result,
        Err(OnlineError::Malformed { .. })
    ));
    assert!(cache.is_empty() && !path.exists());
    assert_eq!(server.requests().len(), 1);
}

/// Probe 6 H1: each tied result's reason repeated the whole list of results, so the cache
/// grew with the square of their number. A reason names the result and one other.
#[test]
fn an_ambiguous_reason_names_two_results_not_all() {
    let five: Vec<String> = (0..5).map(|i| fff(100 + i)).collect();
    let server = MockServer::start(vec![Reply::json(&answer(&five))]);
    let dir = tempfile::tempdir().unwrap();
    let path = cache_path(&dir);
    let (cache, outcomes) = run(&["Fff"], options(&server.url()), &path);
    assert_eq!(outcomes[0].result.as_ref().unwrap(), &Lookup::NotFound);
    let entry = cache.get("Fff", &["TJ"]).unwrap();
    for (i, c) in entry.candidates.iter().enumerate() {
        let own = format!("ambiguous: node/{} \"Fff\", node/", 100 + i);
        assert!(c.reason.starts_with(&own), "{:?}", c.reason);
        assert_eq!(c.reason.matches("node/").count(), 2, "{:?}", c.reason);
    }
    assert!(entry
        .nothing_found()
        .starts_with("nominatim's answer is ambiguous too: node/100 \"Fff\", node/101 \"Fff\""));
    assert_readable(&path);
}

/// Probe 6 H1: the writer never writes what its reader refuses; it fails, naming the line,
/// and leaves the file as it was.
#[test]
fn the_cache_writer_never_writes_what_its_reader_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let path = cache_path(&dir);
    let server = MockServer::start(vec![Reply::json("[]")]);
    let (mut cache, _) = run(&["Known"], options(&server.url()), &path);
    let before = std::fs::read(&path).unwrap();
    let mut entry: CacheEntry = cache.get("Known", &["TJ"]).unwrap().clone();
    entry.query = "q".repeat(MAX_LINE);
    let boundaries = drillmap::read::topojson::read(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("places/boundaries/countries-10m.json"),
    )
    .unwrap();
    let mut within = drillmap::derive::containment::CountryIndex::new(&boundaries);
    let err = cache
        .insert_and_save(&path, entry, &mut within)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&format!("the line would be longer than {MAX_LINE} bytes"))
            && err.contains("not written"),
        "{err}"
    );
    // It names the file it did not write, not a bare `geocode-cache.toml`.
    assert!(err.starts_with(&format!("{}:", path.display())), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

/// Probe 6 M2: a 300 MB answer was read whole (994 MB of memory). An answer over
/// [`MAX_ANSWER`] is refused for its query, unread and not asked again.
#[test]
fn an_answer_larger_than_the_cap_is_refused_unread() {
    let body = format!("[{}]", " ".repeat(5 << 20));
    let server = MockServer::start(vec![Reply::json(&body)]);
    let dir = tempfile::tempdir().unwrap();
    let path = cache_path(&dir);
    let (_, outcomes) = run(&["Hhh"], options(&server.url()), &path);
    let message = error_of(&outcomes[0]);
    assert!(
        message.contains(&format!(
            "an answer of {} bytes, more than the {MAX_ANSWER} a search answer may hold",
            body.len()
        )),
        "{message}"
    );
    assert_eq!(server.requests().len(), 1, "not asked again");
    assert!(!path.exists());
}

/// A failure that is neither a timeout nor a refused connection (here, an answer that is not
/// HTTP) was described by reqwest's own message, which ends `for url (<the request>)`: the
/// base URL's credentials and the whole query string, in a message promised without them.
#[test]
fn a_garbled_answer_is_reported_without_the_credentials() {
    let server = MockServer::start(vec![Reply::Raw("HTTX/9.9 ???\r\n\r\n".into())]);
    let dir = tempfile::tempdir().unwrap();
    let with_secret = server.url().replace("http://", "http://analyst:s3cret@");
    let mut opts = options(&with_secret);
    opts.max_retries = 0;
    let (_, outcomes) = run(&["Hhg"], opts, &cache_path(&dir));
    let message = error_of(&outcomes[0]);
    assert!(
        message.starts_with("\"Hhg\": ") && message.contains(&server.url()),
        "{message}"
    );
    assert!(
        !message.contains("s3cret") && !message.contains("countrycodes"),
        "{message}"
    );
}

/// The process's peak resident memory (`VmHWM`), where Linux tells it.
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse::<u64>()
        .ok()?;
    Some(kb << 10)
}

/// An answer over [`MAX_ANSWER`] sent with `Transfer-Encoding: chunked` (no
/// `Content-Length` to refuse it by) is read up to the cap and no further: the query fails
/// naming the size, nothing is cached, and the 1 GiB offered never reaches memory.
#[test]
fn a_chunked_answer_larger_than_the_cap_is_refused_at_the_cap() {
    let piece = format!("[{}", " ".repeat((64 << 10) - 1));
    let offered = 16_384u64; // 1 GiB in 64 KiB chunks, made as they are sent
    let server = MockServer::start(vec![Reply::chunked(&piece, offered)]);
    let dir = tempfile::tempdir().unwrap();
    let path = cache_path(&dir);
    let before = peak_rss_bytes();
    let (_, outcomes) = run(&["Hhc"], options(&server.url()), &path);
    let message = error_of(&outcomes[0]);
    assert!(
        message.starts_with("\"Hhc\": ")
            && message.contains(&format!(
                "an answer of more than {MAX_ANSWER} bytes (sent without a Content-Length), \
                 more than a search answer may hold"
            ))
            && message.contains("not retried"),
        "{message}"
    );
    assert_eq!(server.requests().len(), 1, "not asked again");
    assert!(!path.exists(), "nothing cached");
    if let (Some(before), Some(after)) = (before, peak_rss_bytes()) {
        // Other tests of this binary run alongside: the bound is loose, far below 1 GiB.
        assert!(
            after.saturating_sub(before) < 256 << 20,
            "peak memory grew by {} MiB",
            after.saturating_sub(before) >> 20
        );
    }
}

/// reqwest's blocking client times each read of a body on its own: a server sending its
/// answer a byte every 200 ms was never late, and held a query for as long as it liked.
/// Then (review) the deadline was checked between reads, so a body that stalled just
/// before it held the query for one more timeout (a byte at 0.9 s, the next at 1.8 s:
/// given up at 1.8 s for a 1 s timeout). The whole answer must come within the timeout.
#[test]
fn an_answer_that_trickles_in_or_stalls_late_times_out() {
    for (query, reply) in [
        ("Hhd", Reply::drip(100, Duration::from_millis(200))),
        ("Hhs", Reply::drip(3, Duration::from_millis(900))),
    ] {
        let server = MockServer::start(vec![reply]);
        let dir = tempfile::tempdir().unwrap();
        let path = cache_path(&dir);
        let mut opts = options(&server.url());
        opts.timeout = Duration::from_secs(1);
        opts.max_retries = 0;
        let (_, outcomes) = run(&[query], opts, &path);
        let message = error_of(&outcomes[0]);
        // Read whole (after 20 s), the 100 spaces were a malformed answer.
        assert!(
            message.contains("no whole answer within 1.0 s (timed out)"),
            "{message}"
        );
        let Err(OnlineError::Failed { elapsed, .. }) = &outcomes[0].result else {
            panic!("{message}")
        };
        assert!(
            *elapsed < Duration::from_millis(1_500),
            "{query}: {elapsed:?}"
        );
        assert!(!path.exists(), "nothing cached");
    }
}

/// Probe 6 M5: the service's `osm_type` was not checked, so `node\u{7}<b>x</b>` reached
/// `place_id` in the layers and `places promote` wrote a row `check` refused. A result
/// whose gazetteer row `check` would refuse is rejected, by the gazetteer's own checks; a
/// cache file holding one is refused.
#[test]
fn a_result_whose_gazetteer_row_check_refuses_is_rejected() {
    let with_type = |osm_type: &str, id: u64| {
        village("Xxx")
            .replace(
                r#""osm_type":"node""#,
                &format!(r#""osm_type":"{osm_type}""#),
            )
            .replace("2751234567", &id.to_string())
    };
    let body = answer(&[
        with_type(r"node\u0007<b>x</b>", 1),
        with_type("relation/../../x", 2),
        with_type("Node", 3),
    ]);
    let server = MockServer::start(vec![Reply::json(&body)]);
    let dir = tempfile::tempdir().unwrap();
    let path = cache_path(&dir);
    let (cache, outcomes) = run(&["Xxx"], options(&server.url()), &path);
    assert_eq!(outcomes[0].result.as_ref().unwrap(), &Lookup::NotFound);
    let reasons: Vec<&str> = cache
        .get("Xxx", &["TJ"])
        .unwrap()
        .candidates
        .iter()
        .map(|c| c.reason.as_str())
        .collect();
    assert_eq!(
        reasons,
        [
            r#"osm_type "node\u{7}<b>x</b>" is not node, way or relation"#,
            r#"osm_type "relation/../../x" is not node, way or relation"#,
            r#"osm_type "Node" is not node, way or relation"#,
        ]
    );
    // A hand edit that does the same is refused on load.
    let server = MockServer::start(vec![Reply::json(&answer(&[village("Kharbmaidon")]))]);
    run(&["Kharbmaidon"], options(&server.url()), &path);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("osm_type = \"node\""), "{text}");
    let edited = text.replace("osm_type = \"node\"", "osm_type = \"node\\u0000\"");
    let err = GeocodeCache::parse(&edited, &path).unwrap_err().to_string();
    assert!(err.contains("is not node, way or relation"), "{err}");
}

/// Probe 6 L2: `Retry-After: 99999999999999999999999` does not fit a `u64` and was taken
/// as no header, so each name was retried at once. It is a wait beyond any allowed: the
/// run stops asking. Both messages show the header as the server sent it, not the
/// `18446744073709551615 s` it was parsed to.
#[test]
fn a_retry_after_too_large_to_parse_holds_the_run_off() {
    let server = MockServer::start(vec![Reply::too_many("99999999999999999999999"); 4]);
    let dir = tempfile::tempdir().unwrap();
    let (_, outcomes) = run(&["Iii1", "Iii2"], options(&server.url()), &cache_path(&dir));
    let first = error_of(&outcomes[0]);
    assert!(
        first.contains("asking to wait 99999999999999999999999 s (Retry-After)"),
        "{first}"
    );
    assert!(
        matches!(outcomes[1].result, Err(OnlineError::HeldOff { .. })),
        "{outcomes:?}"
    );
    let second = error_of(&outcomes[1]);
    assert!(
        second.contains("asked to wait 99999999999999999999999 s (Retry-After)"),
        "{second}"
    );
    for message in [first, second] {
        assert!(!message.contains("18446744073709551615"), "{message}");
    }
    assert_eq!(server.requests().len(), 1);
}

/// A `Retry-After` date beyond the allowed wait is shown as the server sent it, cut to a
/// readable length.
#[test]
fn a_retry_after_date_is_shown_as_sent() {
    let date = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(86_400));
    let server = MockServer::start(vec![Reply::too_many(&date)]);
    let dir = tempfile::tempdir().unwrap();
    let (_, outcomes) = run(&["Iii3"], options(&server.url()), &cache_path(&dir));
    let message = error_of(&outcomes[0]);
    assert!(
        message.contains(&format!("asking to wait until {date} (Retry-After)")),
        "{message}"
    );
}
