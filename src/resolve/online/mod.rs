//! The online geocoding fallback: ask a Nominatim-compatible service for names that neither
//! the hand-kept table nor GeoNames knows, politely, and keep every answer in a lockfile.
//!
//! - [`cache`]: `places/geocode-cache.toml`, read by every build, with or without network;
//! - [`nominatim`]: parsing and validating answers, choosing a result;
//! - [`photon`]: Photon's GeoJSON answers, turned into Nominatim's shape;
//! - [`limiter`]: one request per second for the whole run, backoff, `Retry-After`;
//! - `client` (feature `online`): the HTTP client, [`NominatimClient`], and
//!   [`lookup_missing`], which asks only what the cache lacks and saves after each answer.
//!
//! Without the `online` feature everything but the HTTP client remains, so a build from a
//! committed cache needs no network code at all.

pub mod cache;
#[cfg(feature = "online")]
mod client;
pub mod limiter;
pub mod nominatim;
pub mod photon;

use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use cache::{
    cache_path, normalise_countries, query_key, rate_path, CacheEntry, CandidateRecord,
    ChosenResult, GeocodeCache, GeocoderProvenance, Status, CACHE_FILE_NAME,
};
#[cfg(feature = "online")]
pub use client::{lookup_missing, NominatimClient, MAX_ANSWER};

use crate::model::{PlaceKind, Precision};

/// Whether a point lies in the country an answer files it under: the one containment check
/// (`derive::containment::CountryIndex::outside`, which gazetteer rows and bulk rows with
/// their own coordinates answer to), handed in because it sits above the resolver. An
/// answer whose point fails it is rejected, so `places promote` never appends a row that
/// `check` then refuses.
pub trait Containment {
    /// `None` when `lat`, `lon` lies in `alpha2` (or nothing can be tested), else why not.
    fn outside(&mut self, lat: f64, lon: f64, alpha2: &str) -> Option<String>;
}

/// The provider name written to the cache and to provenance.
pub const NOMINATIM: &str = "nominatim";

/// The public Nominatim instance, for a default `--geocoder-url`.
pub const PUBLIC_NOMINATIM_URL: &str = "https://nominatim.openstreetmap.org";

/// The public Photon instance.
pub const PUBLIC_PHOTON_URL: &str = "https://photon.komoot.io";

/// The area of interest: Afghanistan and the five Central Asian states, the countries
/// (`countrycodes`) a query is restricted to unless it brings its own.
pub const AREA_COUNTRIES: [&str; 6] = ["AF", "KG", "KZ", "TJ", "TM", "UZ"];

/// Which search API the service speaks.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// Nominatim `/search` (`format=jsonv2`, hard `countrycodes` filter).
    #[default]
    Nominatim,
    /// Photon `/api` (GeoJSON; countries filtered on our side only).
    Photon,
}

impl Provider {
    /// Both providers.
    pub const ALL: [Provider; 2] = [Provider::Nominatim, Provider::Photon];

    /// The lower-case name used in the cache, provenance and `--geocoder`.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Nominatim => NOMINATIM,
            Provider::Photon => "photon",
        }
    }

    /// The path of the search endpoint under the base URL.
    pub fn search_path(self) -> &'static str {
        match self {
            Provider::Nominatim => "/search",
            Provider::Photon => "/api",
        }
    }

    /// The public instance's base URL.
    pub fn public_url(self) -> &'static str {
        match self {
            Provider::Nominatim => PUBLIC_NOMINATIM_URL,
            Provider::Photon => PUBLIC_PHOTON_URL,
        }
    }

    /// The name in sources (`Nominatim/OSM way 123`).
    fn title(self) -> &'static str {
        match self {
            Provider::Nominatim => "Nominatim",
            Provider::Photon => "Photon",
        }
    }
}

impl std::fmt::Display for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Provider {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Provider::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| format!("unknown geocoder {s:?} (expected nominatim or photon)"))
    }
}

pub use crate::model::without_credentials;

/// The most queries one run asks online unless told otherwise (about 8 minutes at 1/s).
pub const DEFAULT_MAX_LOOKUPS: usize = 500;

/// The environment variable a user agent may be given in.
pub const USER_AGENT_ENV: &str = "DRILLMAP_USER_AGENT";

/// Everything the online geocoder needs, validated by [`NominatimClient::new`]
/// (`NominatimClient` is only there with the `online` feature).
#[derive(Debug, Clone, PartialEq)]
pub struct OnlineOptions {
    /// Which API the service speaks.
    pub provider: Provider,
    /// The service's base URL (`https://nominatim.openstreetmap.org`, or a self-hosted
    /// instance); the provider's search path (`/search`, `/api`) is appended unless it is
    /// already there.
    pub base_url: String,
    /// An identifying User-Agent with a contact; see [`validate_user_agent`].
    pub user_agent: String,
    /// Allowed countries (ISO 3166-1 alpha-2) for queries that bring none of their own.
    /// Sent lower-case as `countrycodes`; a result elsewhere is rejected.
    pub countries: Vec<String>,
    /// `limit`: how many candidates to ask for (1 to 40). Photon filters by country on our
    /// side only, so give it a larger limit.
    pub limit: u32,
    /// The least time between the starts of two requests. Never below one second,
    /// whatever is set here: the public service's policy is a maximum of 1 request/s.
    pub min_interval: Duration,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed for a whole request, body included.
    pub timeout: Duration,
    /// Retries after the first attempt, on connection errors, timeouts, 429 and 5xx.
    pub max_retries: u32,
    /// Delay before the first retry (doubled each time, with jitter, up to `backoff_cap`).
    pub backoff_base: Duration,
    /// Largest backoff delay.
    pub backoff_cap: Duration,
    /// A `Retry-After` longer than this ends the query's retries instead of stalling the run.
    pub max_retry_after: Duration,
    /// Re-ask expired and found entries (`--refresh`).
    pub refresh: bool,
    /// The most queries one run asks online; the rest are reported as not asked, so a
    /// mistake (a whole dataset missing from the gazetteer) does not turn into bulk use of
    /// a public service.
    pub max_lookups: usize,
}

impl OnlineOptions {
    /// Options with the polite defaults: 5 candidates, 1 request/s, 10 s to connect, 30 s
    /// per request, 3 retries from 1 s backoff capped at 30 s, `Retry-After` up to 120 s,
    /// at most [`DEFAULT_MAX_LOOKUPS`] queries a run.
    pub fn new(base_url: impl Into<String>, user_agent: impl Into<String>) -> Self {
        OnlineOptions {
            provider: Provider::Nominatim,
            base_url: base_url.into(),
            user_agent: user_agent.into(),
            countries: Vec::new(),
            limit: 5,
            min_interval: limiter::MIN_INTERVAL,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_retries: 3,
            backoff_base: Duration::from_secs(1),
            backoff_cap: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(120),
            refresh: false,
            max_lookups: DEFAULT_MAX_LOOKUPS,
        }
    }
}

/// Why the config's `[online]` table may not set `countries`, which a user may expect to
/// (it was once read only to be refused, and so listed among the expected fields): a name
/// is asked within its own country, else the area's, by which the cache files the answer.
pub fn countries_not_a_setting() -> String {
    format!(
        "countries: not a setting: a name is asked within its own country (its record's, or \
         --country), else the area's ({}), by which the cache files the answer; leave it out",
        AREA_COUNTRIES.join(", ")
    )
}

/// The online settings as a config file's `[online]` table, an environment variable or a
/// flag gives them, before any check. Layer them with [`OnlineConfig::overridden_by`]
/// (file, then environment, then flags) and turn the result into options with
/// [`OnlineConfig::to_options`].
///
/// ```toml
/// [online]
/// enabled = true
/// geocoder = "nominatim"
/// geocoder-url = "https://nominatim.openstreetmap.org"
/// user-agent = "drillmap/0.1 (<your e-mail address or web page>)"
/// ```
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct OnlineConfig {
    /// Ask online at all (`--online`). Off unless set.
    pub enabled: Option<bool>,
    /// The provider (`--geocoder`), Nominatim unless set.
    pub geocoder: Option<Provider>,
    /// The base URL (`--geocoder-url`), the provider's public instance unless set.
    pub geocoder_url: Option<String>,
    /// The User-Agent (`--user-agent`, `DRILLMAP_USER_AGENT`); required when enabled.
    pub user_agent: Option<String>,
    /// Candidates per query.
    pub limit: Option<u32>,
    /// Seconds allowed for one request (`--online-timeout`), 1 to [`MAX_TIMEOUT_SECS`].
    pub timeout_secs: Option<u64>,
    /// Seconds allowed to connect.
    pub connect_timeout_secs: Option<u64>,
    /// Retries per query.
    pub max_retries: Option<u32>,
    /// Re-ask expired and found entries (`--refresh`).
    pub refresh: Option<bool>,
    /// The most queries one run asks online (`--online-max`).
    pub max_lookups: Option<usize>,
}

impl OnlineConfig {
    /// `self` with every field that `over` sets replaced by `over`'s value.
    pub fn overridden_by(self, over: OnlineConfig) -> OnlineConfig {
        OnlineConfig {
            enabled: over.enabled.or(self.enabled),
            geocoder: over.geocoder.or(self.geocoder),
            geocoder_url: over.geocoder_url.or(self.geocoder_url),
            user_agent: over.user_agent.or(self.user_agent),
            limit: over.limit.or(self.limit),
            timeout_secs: over.timeout_secs.or(self.timeout_secs),
            connect_timeout_secs: over.connect_timeout_secs.or(self.connect_timeout_secs),
            max_retries: over.max_retries.or(self.max_retries),
            refresh: over.refresh.or(self.refresh),
            max_lookups: over.max_lookups.or(self.max_lookups),
        }
    }

    /// Refuse a value out of range (a limit, a timeout), whether or not lookups are
    /// enabled: a config is settings, as flags are. A setting drillmap does not use is not
    /// a field, so the reader refuses it ([`countries_not_a_setting`] says why of one).
    pub fn check(&self) -> Result<(), OnlineError> {
        if let Some(limit) = self.limit {
            check_limit(limit)?;
        }
        if let Some(secs) = self.timeout_secs {
            seconds("timeout-secs (--online-timeout)", secs)?;
        }
        if let Some(secs) = self.connect_timeout_secs {
            seconds("connect-timeout-secs", secs)?;
        }
        Ok(())
    }

    /// The options, or `None` when online lookups are not enabled (no network at all).
    /// Fails on a value [`OnlineConfig::check`] refuses, and when enabled without an
    /// acceptable User-Agent.
    pub fn to_options(&self) -> Result<Option<OnlineOptions>, OnlineError> {
        self.check()?;
        if self.enabled != Some(true) {
            return Ok(None);
        }
        let provider = self.geocoder.unwrap_or_default();
        let url = self
            .geocoder_url
            .clone()
            .unwrap_or_else(|| provider.public_url().to_string());
        let user_agent = self.user_agent.clone().unwrap_or_default();
        validate_user_agent(&user_agent)?;
        let mut o = OnlineOptions::new(url, user_agent);
        o.provider = provider;
        o.countries = AREA_COUNTRIES.iter().map(|c| (*c).to_string()).collect();
        if let Some(limit) = self.limit {
            o.limit = limit;
        }
        if let Some(secs) = self.timeout_secs {
            o.timeout = seconds("timeout-secs (--online-timeout)", secs)?;
        }
        if let Some(secs) = self.connect_timeout_secs {
            o.connect_timeout = seconds("connect-timeout-secs", secs)?;
        }
        if let Some(n) = self.max_retries {
            o.max_retries = n;
        }
        o.refresh = self.refresh.unwrap_or(false);
        if let Some(n) = self.max_lookups {
            o.max_lookups = n;
        }
        Ok(Some(o))
    }
}

/// Candidates asked per query: 1 to 40 (Nominatim's own bound).
pub(crate) fn check_limit(limit: u32) -> Result<(), OnlineError> {
    if (1..=40).contains(&limit) {
        return Ok(());
    }
    Err(OnlineError::Options(format!(
        "geocoder limit {limit} is outside 1..=40"
    )))
}

/// The most seconds a timeout may be set to: a request that takes longer is a dead service.
pub const MAX_TIMEOUT_SECS: u64 = 600;

/// A timeout setting (`what`) of `secs` seconds, checked: 1 to [`MAX_TIMEOUT_SECS`].
fn seconds(what: &str, secs: u64) -> Result<Duration, OnlineError> {
    if (1..=MAX_TIMEOUT_SECS).contains(&secs) {
        Ok(Duration::from_secs(secs))
    } else {
        Err(OnlineError::Options(format!(
            "{what} {secs} is outside 1..={MAX_TIMEOUT_SECS} seconds"
        )))
    }
}

/// Why an online lookup (or setting one up) failed. Every message names the query and what
/// happened; none of these is ever stored in the cache.
#[derive(Debug, thiserror::Error)]
pub enum OnlineError {
    /// The User-Agent is missing, generic or has no contact.
    #[error("user agent {value:?} refused: {reason}")]
    UserAgent {
        /// The value given.
        value: String,
        /// Why it is refused.
        reason: String,
    },
    /// The geocoder URL is not usable.
    #[error("geocoder URL {url:?}: {reason}")]
    BaseUrl {
        /// The value given.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// An option is out of range: an unknown country code, no countries at all, a limit
    /// outside 1..=40.
    #[error("{0}")]
    Options(String),
    /// The HTTP client could not be built.
    #[error("cannot set up the HTTP client: {0}")]
    Client(String),
    /// An empty query.
    #[error("empty query: nothing to geocode")]
    EmptyQuery,
    /// Not asked: the run reached its cap on online lookups.
    #[error("{query:?}: {}", over_cap(*.cap))]
    NotAsked {
        /// The query.
        query: String,
        /// The cap in force.
        cap: usize,
    },
    /// The service could not be reached or kept failing (connection error, timeout, 429,
    /// 5xx), or refused the request (another 4xx, not retried).
    #[error("{query:?}: {what} from {url}, {}", retried(*.retries, *.elapsed))]
    Failed {
        /// The query.
        query: String,
        /// The search URL (without parameters).
        url: String,
        /// What the last attempt ran into (`HTTP 429 Too Many Requests`, `timed out`, ...).
        what: String,
        /// How many retries were made after the first attempt.
        retries: u32,
        /// Time from the start of the first attempt to giving up.
        elapsed: Duration,
    },
    /// The service answered 2xx with something that is not a search answer.
    #[error("{query:?}: malformed answer from {url}: {message}")]
    Malformed {
        /// The query.
        query: String,
        /// The search URL.
        url: String,
        /// What is wrong with the answer.
        message: String,
    },
    /// Not asked: the service stopped answering earlier in this run (the circuit breaker,
    /// `UNREACHABLE_LIMIT` attempts in a row timed out or could not connect).
    #[error("{query:?}: {}", stopped_answering(.url, *.attempts, *.not_asked))]
    Unreachable {
        /// The query.
        query: String,
        /// The search URL.
        url: String,
        /// The attempts in a row that found nothing answering.
        attempts: u32,
        /// How many names this run left unasked because of it.
        not_asked: usize,
    },
    /// Not asked: the service asked earlier in this run to wait longer than allowed
    /// (`Retry-After` beyond [`OnlineOptions::max_retry_after`]).
    #[error("{query:?}: {}", held_off(.url, .retry_after, *.not_asked))]
    HeldOff {
        /// The query.
        query: String,
        /// The search URL.
        url: String,
        /// The wait asked for, as the server sent it (`86400 s`, `until <date>`): see
        /// [`limiter::shown_retry_after`].
        retry_after: String,
        /// How many names this run left unasked because of it.
        not_asked: usize,
    },
}

fn retried(retries: u32, elapsed: Duration) -> String {
    match retries {
        0 => "not retried".to_string(),
        1 => format!("retried once over {:.1} s", elapsed.as_secs_f64()),
        n => format!("retried {n} times over {:.1} s", elapsed.as_secs_f64()),
    }
}

/// Refuse a User-Agent that does not identify its user: empty, a stock client's (browsers,
/// curl, HTTP libraries), or without a contact (an e-mail address or a URL). Nominatim's
/// usage policy requires an identifying User-Agent and blocks stock ones.
pub fn validate_user_agent(ua: &str) -> Result<(), OnlineError> {
    let refuse = |reason: &str| {
        Err(OnlineError::UserAgent {
            value: ua.to_string(),
            reason: reason.to_string(),
        })
    };
    let trimmed = ua.trim();
    if trimmed.is_empty() {
        return refuse(
            "it is empty; pass --user-agent or set DRILLMAP_USER_AGENT to the tool's name \
             and your own contact: \"drillmap/0.1 (<your e-mail address or web page>)\"",
        );
    }
    // The one rule for names and ids, which says which character it found.
    if let Some(why) = crate::read::lines::control_character(trimmed) {
        return refuse(&format!("it {why}"));
    }
    const STOCK: &[&str] = &[
        "mozilla/",
        "curl/",
        "wget/",
        "python-requests",
        "python-urllib",
        "python-httpx",
        "aiohttp",
        "reqwest",
        "java/",
        "go-http-client",
        "okhttp",
        "axios",
        "node-fetch",
        "libwww-perl",
        "postmanruntime",
        "httpie",
        "apache-httpclient",
    ];
    let lower = trimmed.to_ascii_lowercase();
    if STOCK.iter().any(|s| lower.starts_with(s)) {
        return refuse("it is a stock browser or HTTP library user agent, which Nominatim blocks");
    }
    let has_url = lower.contains("http://") || lower.contains("https://");
    let has_email = lower
        .split(|c: char| c.is_whitespace() || "()<>;,".contains(c))
        .any(|w| {
            w.split_once('@').is_some_and(|(user, host)| {
                !user.is_empty()
                    && host.contains('.')
                    && !host.starts_with('.')
                    && !host.ends_with('.')
            })
        });
    if !has_url && !has_email {
        return refuse(
            "it has no contact; add your own e-mail address or web page: \
             \"drillmap/0.1 (<your e-mail address or web page>)\"",
        );
    }
    if lower
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
        .any(is_placeholder_host)
    {
        return refuse(
            "its contact is a placeholder (example.com/.org/.net, or a name under .example or \
             .invalid, which are kept for documentation); give a real one",
        );
    }
    Ok(())
}

/// Whether `host` (lower case) is a name kept for documentation (RFC 2606, RFC 6761), so
/// no one can be reached there: `example.com`, `.org`, `.net` and their subdomains, and
/// names under `.example` or `.invalid` (the placeholder drillmap's own messages suggest,
/// `you@your-org.example`, among them). `.test`, kept for testing, passes: a test run's
/// User-Agent against a local server.
fn is_placeholder_host(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    let under = |domain: &str| {
        host == domain
            || host
                .strip_suffix(domain)
                .is_some_and(|rest| rest.ends_with('.'))
    };
    ["example.com", "example.org", "example.net"]
        .into_iter()
        .any(under)
        || [".example", ".invalid"]
            .into_iter()
            .any(|tld| host.ends_with(tld))
}

/// A query to geocode online: the name as the dataset writes it, and the countries it may
/// lie in (empty: the options' countries).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Query {
    /// The name, as given.
    pub text: String,
    /// Allowed countries, ISO 3166-1 alpha-2.
    pub countries: Vec<String>,
}

impl Query {
    /// A query for `text` within `countries`.
    pub fn new<S: AsRef<str>>(text: impl Into<String>, countries: &[S]) -> Self {
        Query {
            text: text.into(),
            countries: countries.iter().map(|c| c.as_ref().to_string()).collect(),
        }
    }
}

/// What happened to one query in [`lookup_missing`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// Answered from the cache; no request made.
    Cached,
    /// Asked online; a result was chosen and cached.
    Found,
    /// Asked online; nothing acceptable, and that answer was cached.
    NotFound,
}

/// Why a name was not asked online: the run had made its `cap` lookups. The one wording of
/// it, for the lookup's outcome ([`OnlineError::NotAsked`]) and the advice to the name
/// (`resolve::OnlineAdvice::OverCap`).
pub fn over_cap(cap: usize) -> String {
    format!(
        "not asked online: this run already made {}, its cap (raise it with --online-max)",
        crate::read::lines::counted(cap as u64, "lookup")
    )
}

/// Why a name was not asked online: `url` stopped answering earlier in the run (`attempts`
/// in a row timed out or could not connect), leaving `not_asked` names unasked. The one
/// wording of it, for the lookup's outcome ([`OnlineError::Unreachable`]) and the advice to
/// the name (`resolve::OnlineAdvice::Stopped`).
pub fn stopped_answering(url: &str, attempts: u32, not_asked: usize) -> String {
    format!(
        "not asked online: {url} stopped answering ({attempts} attempts in a row timed out or could not connect), so this run asked none of the {not_asked} remaining name(s); run again when it is back"
    )
}

/// Why a name was not asked online: `url` asked earlier in the run to wait `retry_after`,
/// longer than the run waits, leaving `not_asked` names unasked. The one wording of it, for
/// the lookup's outcome ([`OnlineError::HeldOff`]) and the advice to the name
/// (`resolve::OnlineAdvice::Stopped`).
pub fn held_off(url: &str, retry_after: &str, not_asked: usize) -> String {
    format!(
        "not asked online: {url} asked to wait {retry_after} (Retry-After), longer than this run waits, so it asked none of the {not_asked} remaining name(s); run again after that"
    )
}

impl OnlineError {
    /// Why the run did not ask about the name, when it did not ([`OnlineError::NotAsked`],
    /// [`OnlineError::Unreachable`], [`OnlineError::HeldOff`]): [`over_cap`],
    /// [`stopped_answering`] or [`held_off`]. `None` when the name was asked, or could not
    /// be: its lookup failed.
    pub fn not_asked(&self) -> Option<String> {
        match self {
            OnlineError::NotAsked { cap, .. } => Some(over_cap(*cap)),
            OnlineError::Unreachable {
                url,
                attempts,
                not_asked,
                ..
            } => Some(stopped_answering(url, *attempts, *not_asked)),
            OnlineError::HeldOff {
                url,
                retry_after,
                not_asked,
                ..
            } => Some(held_off(url, retry_after, *not_asked)),
            _ => None,
        }
    }
}

/// One query's outcome in [`lookup_missing`].
#[derive(Debug)]
pub struct LookupOutcome {
    /// The query.
    pub query: String,
    /// Its normalised countries (the cache key together with `query`).
    pub countries: Vec<String>,
    /// What happened; an error leaves the cache as it was for this query.
    pub result: Result<Lookup, OnlineError>,
}

/// The `drillmap places promote` command that turns the cached answer to `query` asked
/// within `country` (empty: the area's countries, the cache key's default) in the data
/// folder `data` into a gazetteer row: what `check` and `build` tell an analyst to run.
pub fn promote_command(data: &std::path::Path, query: &str, country: &str) -> String {
    let mut command = String::from("drillmap places promote");
    if data != std::path::Path::new("places") {
        command.push_str(&format!(" --data {:?}", data.display().to_string()));
    }
    if !country.is_empty() {
        command.push_str(&format!(" --country {country}"));
    }
    command.push_str(&format!(" {query:?}"));
    command
}

/// What kind of gazetteer place a chosen result is.
pub fn place_kind(chosen: &ChosenResult) -> PlaceKind {
    match (chosen.category.as_str(), chosen.kind.as_str()) {
        ("military", "training_area" | "range" | "danger_area") => PlaceKind::TrainingGround,
        ("military", "base" | "barracks" | "naval_base") => PlaceKind::Base,
        ("military", "airfield") | ("aeroway", _) => PlaceKind::Airfield,
        ("military", _) | ("landuse", "military") => PlaceKind::Facility,
        _ => match chosen.precision {
            Precision::Site => PlaceKind::Facility,
            Precision::Settlement => PlaceKind::Settlement,
            Precision::Region => PlaceKind::Region,
            Precision::Country => PlaceKind::Country,
        },
    }
}

/// A row for `places/places.csv` (its [`crate::read::places::COLUMNS`]) from a found cache entry, so an
/// analyst can promote an online answer into the hand-kept table after checking it.
/// `None` for a `not_found` entry. The row has no line terminator.
pub fn promote_row(entry: &CacheEntry) -> Option<String> {
    let c = entry.chosen.as_ref()?;
    Some(gazetteer_row(
        c,
        &entry.provider,
        &entry.query,
        &source_of(c, &entry.provider, entry.retrieved_date()),
    ))
}

/// The source of an online answer: the `source` cell of its promoted row and the
/// `point_source` of a place resolved by it: the OSM object, as `check` reads a feature
/// reference (`Nominatim/OSM way 123, retrieved 2026-11-22`).
pub(crate) fn source_of(c: &ChosenResult, provider: &str, retrieved: &str) -> String {
    let provider = provider.parse().unwrap_or_default();
    format!(
        "{}/OSM {} {}, retrieved {}",
        Provider::title(provider),
        c.osm_type,
        c.osm_id,
        retrieved
    )
}

/// The gazetteer row of `c`, answered by `provider` to `query`, citing `source`.
fn gazetteer_row(c: &ChosenResult, provider: &str, query: &str, source: &str) -> String {
    let kind = place_kind(c);
    let base = crate::read::places::slug(&c.name);
    let id = match (base.is_empty(), kind) {
        (true, _) => format!("osm-{}-{}", c.osm_type, c.osm_id),
        (false, PlaceKind::Settlement | PlaceKind::Region | PlaceKind::Country) => base,
        (false, k) => format!("{base}-{}", k.as_str().replace('_', "-")),
    };
    let point_note = if c.precision == Precision::Site {
        String::new()
    } else {
        format!("{} point from {provider}: {}", c.precision, c.display_name)
    };
    // The gazetteer's own fold: a query it would file under the name's key is no alias.
    let aliases = if query_key(query) == query_key(&c.name) {
        String::new()
    } else {
        query.to_string()
    };
    let fields: [String; crate::read::places::COLUMNS.len()] = [
        id,
        c.name.clone(),
        kind.as_str().to_string(),
        c.country_code.clone(),
        c.admin1.clone(),
        format!("{:.6}", c.lat),
        format!("{:.6}", c.lon),
        c.precision.as_str().to_string(),
        format!("{}", c.uncertainty_km),
        point_note,
        aliases,
        source.to_string(),
    ];
    csv_record(&fields)
}

/// `fields` as one CSV record without its line terminator, written by the csv crate (the
/// gazetteer's reader's own), which quotes the fields that need it.
fn csv_record(fields: &[String]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    // Into memory, neither can fail; an empty row would only make `row_problem` refuse it.
    let _ = writer.write_record(fields);
    let bytes = writer.into_inner().unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes);
    text.strip_suffix('\n').unwrap_or(&text).to_string()
}

/// The most bytes any one text of a result (a name, a label, a tag) may hold: far above any
/// real place's, and far below the cache reader's line cap ([`crate::read::input::MAX_LINE`]),
/// so no answer can make a cache line that reader refuses (probe 6 H1: a 5 MiB
/// `display_name` did).
pub const MAX_TEXT: usize = 4096;

/// A text longer than [`MAX_TEXT`] in `c`, by field, with its length.
pub(crate) fn overlong_text(c: &ChosenResult) -> Option<String> {
    [
        ("name", &c.name),
        ("display_name", &c.display_name),
        ("osm_type", &c.osm_type),
        ("category", &c.category),
        ("type", &c.kind),
        ("addresstype", &c.addresstype),
        ("country_code", &c.country_code),
        ("admin1", &c.admin1),
    ]
    .into_iter()
    .find(|(_, v)| v.len() > MAX_TEXT)
    .map(|(field, v)| {
        format!(
            "{field} is {} bytes long, more than the {MAX_TEXT} allowed",
            v.len()
        )
    })
}

/// What `check` would refuse in the row `places promote` makes of `c`: the row is read by
/// the gazetteer's own reader ([`crate::read::places::parse`]) and its source by the
/// evidence check's rule for an OSM object ([`crate::evidence::is_feature_reference`]), so
/// an answer can never give a row `check` refuses (probe 6 M5: an `osm_type` of
/// `node\u{7}<b>x</b>` did, and reached `place_id` in the layers).
pub(crate) fn row_problem(c: &ChosenResult) -> Option<String> {
    if crate::names::normalize::NameKey::nothing_to_match(&c.name) {
        return Some(format!(
            "name {:?} {}",
            c.name,
            crate::names::normalize::NOTHING_TO_MATCH
        ));
    }
    let source = source_of(c, NOMINATIM, "2000-01-01");
    if !crate::evidence::is_feature_reference(&source) {
        return Some(format!(
            "osm_type {:?} is not node, way or relation",
            c.osm_type
        ));
    }
    let text = format!(
        "{}\n{}\n",
        crate::read::places::COLUMNS.join(","),
        gazetteer_row(c, NOMINATIM, &c.name, &source)
    );
    let path = std::path::Path::new(cache::CACHE_FILE_NAME);
    match crate::read::places::parse(path, text.as_bytes()) {
        Err(e) => Some(format!("as a gazetteer row: {e}")),
        Ok((_, problems)) => problems
            .first()
            .map(|p| format!("as a gazetteer row, {:?}: {}", p.value, p.message)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Probe finding 2: `--geocoder-url http://user:pw@host/` published the password in the
    /// cache and the layers.
    #[test]
    fn credentials_are_dropped_from_a_url_shown_or_recorded() {
        for (given, shown) in [
            ("http://user:pw@127.0.0.1:18777/", "http://127.0.0.1:18777/"),
            (
                "https://token@nominatim.example.net/x?y=a@b",
                "https://nominatim.example.net/x?y=a@b",
            ),
            ("http://u:p@ss@host:99999", "http://host:99999"),
            (
                "https://nominatim.openstreetmap.org",
                "https://nominatim.openstreetmap.org",
            ),
            ("http://host/path@x", "http://host/path@x"),
            ("https://h.com\\@evil.com/", "https://h.com\\@evil.com/"),
            ("no scheme user@host", "no scheme user@host"),
        ] {
            assert_eq!(without_credentials(given), shown, "{given}");
        }
    }

    #[test]
    fn user_agents_must_identify_their_user() {
        for ok in [
            "drillmap/0.1 (analyst@osint-desk.org)",
            "drillmap/0.1 (+https://github.com/someone/drillmap)",
            "Jane Doe <jane.doe@uni-tuebingen.de>",
            "drillmap-tests (qa@drillmap.test)",
            "drillmap/0.1 (ops@counterexample.org)",
        ] {
            assert!(validate_user_agent(ok).is_ok(), "{ok}");
        }
        for (bad, why) in [
            ("", "empty"),
            ("   ", "empty"),
            ("Mozilla/5.0 (X11; Linux x86_64) jane@uni.de", "stock"),
            ("curl/8.5.0", "stock"),
            ("python-requests/2.31", "stock"),
            ("reqwest/0.13", "stock"),
            ("drillmap", "no contact"),
            ("drillmap/0.1 (jane@)", "no contact"),
            ("drillmap/0.1 (you@example.org)", "placeholder"),
            // Probe 8 #9: the placeholder the messages suggest is one too.
            ("drillmap/0.1 (you@your-org.example)", "placeholder"),
            (
                "drillmap/0.1 (https://www.example.com/contact)",
                "placeholder",
            ),
            ("drillmap/0.1 (me@host.invalid)", "placeholder"),
            (
                "drillmap\n(jane@uni.de)",
                "must not contain control characters (found U+000A)",
            ),
        ] {
            let err = validate_user_agent(bad).unwrap_err().to_string();
            assert!(err.contains(why), "{bad:?}: {err}");
            // Probe (session 33): the example a message gave was one it refused; it is a
            // template now, the contact the user's own.
            if err.contains("e-mail") {
                assert!(err.contains("<your e-mail address or web page>"), "{err}");
                assert!(!err.contains(".example"), "{err}");
            }
        }
    }

    #[test]
    fn config_layers_and_stays_off_unless_enabled() {
        let file: OnlineConfig = toml::from_str(
            "enabled = true\ngeocoder = \"photon\"\nuser-agent = \"drillmap/0.1 (a@b.org)\"\n",
        )
        .unwrap();
        assert!(toml::from_str::<OnlineConfig>("enable = true").is_err());
        assert_eq!(OnlineConfig::default().to_options().unwrap(), None);
        let o = file.clone().to_options().unwrap().unwrap();
        assert_eq!(o.provider, Provider::Photon);
        assert_eq!(o.base_url, PUBLIC_PHOTON_URL);
        assert_eq!(o.countries.len(), 6);
        let flags = OnlineConfig {
            enabled: Some(false),
            ..OnlineConfig::default()
        };
        assert_eq!(
            file.clone().overridden_by(flags).to_options().unwrap(),
            None
        );
        let no_ua = OnlineConfig {
            user_agent: Some(String::new()),
            ..OnlineConfig::default()
        };
        assert!(file.overridden_by(no_ua).to_options().is_err());
    }

    #[test]
    fn error_messages_name_query_url_and_retries() {
        let e = OnlineError::Failed {
            query: "Kharbmaidon".into(),
            url: "http://127.0.0.1:9/search".into(),
            what: "HTTP 429 Too Many Requests".into(),
            retries: 3,
            elapsed: Duration::from_millis(7_240),
        };
        assert_eq!(
            e.to_string(),
            "\"Kharbmaidon\": HTTP 429 Too Many Requests from http://127.0.0.1:9/search, \
             retried 3 times over 7.2 s"
        );
    }

    #[test]
    fn the_promote_command_names_the_country_asked_for() {
        let places = std::path::Path::new("places");
        assert_eq!(
            promote_command(places, "Zzplace", "TJ"),
            "drillmap places promote --country TJ \"Zzplace\""
        );
        assert_eq!(
            promote_command(places, "Zzplace", ""),
            "drillmap places promote \"Zzplace\""
        );
        assert_eq!(
            promote_command(std::path::Path::new("p"), "Zzplace", ""),
            "drillmap places promote --data \"p\" \"Zzplace\""
        );
    }

    /// A found entry: a training area in Tajikistan, asked for by another spelling.
    fn found_entry() -> CacheEntry {
        CacheEntry {
            query: "Harbmaidon".into(),
            countries: vec!["TJ".into()],
            provider: NOMINATIM.into(),
            endpoint: PUBLIC_NOMINATIM_URL.into(),
            retrieved_at: "2026-11-22T01:02:03Z".into(),
            status: Status::Found,
            chosen: Some(ChosenResult {
                name: "Kharbmaidon".into(),
                display_name: "Kharbmaidon, Khatlon Region, Tajikistan".into(),
                lat: 37.6123456,
                lon: 68.8765432,
                osm_type: "way".into(),
                osm_id: 123,
                place_id: 9,
                category: "military".into(),
                kind: "training_area".into(),
                addresstype: "military".into(),
                country_code: "TJ".into(),
                admin1: "TJ-KT".into(),
                precision: Precision::Site,
                uncertainty_km: 4.5,
                score: 0.7,
            }),
            candidates: Vec::new(),
        }
    }

    #[test]
    fn promote_row_fits_the_gazetteer() {
        let mut entry = found_entry();
        let row = promote_row(&entry).unwrap();
        assert_eq!(
            row,
            "kharbmaidon-training-ground,Kharbmaidon,training_ground,TJ,TJ-KT,37.612346,\
             68.876543,site,4.5,,Harbmaidon,\"Nominatim/OSM way 123, retrieved 2026-11-22\""
        );
        assert_eq!(
            row.split(',').count(),
            crate::read::places::COLUMNS.len() + 1,
            "only the quoted source holds a comma"
        );
        if let Some(c) = entry.chosen.as_mut() {
            c.category = "place".into();
            c.kind = "village".into();
            c.precision = Precision::Settlement;
        }
        let row = promote_row(&entry).unwrap();
        assert!(
            row.starts_with("kharbmaidon,Kharbmaidon,settlement,"),
            "{row}"
        );
        assert!(row.contains("\"settlement point from nominatim: Kharbmaidon, Khatlon"));
        entry.chosen = None;
        assert_eq!(promote_row(&entry), None);
    }

    /// The row's id and aliases follow the gazetteer's own fold ([`query_key`]), not a
    /// second one that kept Cyrillic as it was: a name in Cyrillic got no id of its own
    /// (`osm-node-…`), and a query the gazetteer files under the name's key was added as an
    /// alias it already matches.
    #[test]
    fn promote_row_folds_names_as_the_gazetteer_does() {
        let mut entry = found_entry();
        entry.query = "Khorog".into();
        if let Some(c) = entry.chosen.as_mut() {
            c.name = "Хорог".into();
            c.display_name = "Хорог".into();
            c.category = "place".into();
            c.kind = "town".into();
            c.precision = Precision::Settlement;
        }
        let row = promote_row(&entry).unwrap();
        assert!(row.starts_with("khorog,Хорог,settlement,"), "{row}");
        let fields: Vec<&str> = row.split(',').collect();
        assert_eq!(fields[10], "", "no alias the name already matches: {row}");
        let text = format!("{}\n{row}\n", crate::read::places::COLUMNS.join(","));
        let (places, problems) =
            crate::read::places::parse(std::path::Path::new("p.csv"), text.as_bytes()).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(places[0].id, "khorog");
    }
}
