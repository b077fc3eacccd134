//! The HTTP side of the online geocoder (feature `online`): a blocking reqwest client that
//! sends every request through the run's one [`RateLimiter`], retries what is worth
//! retrying, and turns every failure into an [`OnlineError`] that names the query.
//!
//! Retried: connection errors, timeouts, HTTP 429 and 5xx, with exponential backoff and
//! jitter, never sooner than a `Retry-After` asks. Not retried: other 4xx (the request
//! itself is wrong or refused) and malformed 2xx answers (asking again will not fix them).
//!
//! A circuit breaker stops a run from waiting on a dead service: after
//! [`UNREACHABLE_LIMIT`] attempts in a row (whatever their queries) time out or cannot
//! connect, the query in hand gives up and [`lookup_missing`] asks nothing more, reporting
//! every name left as [`OnlineError::Unreachable`], with how many there are.

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use reqwest::blocking::Client;
use reqwest::header::{ACCEPT, LOCATION, RETRY_AFTER};
use reqwest::{StatusCode, Url};

use super::cache::{format_timestamp, normalise_countries, CacheEntry, GeocodeCache, Status};
use super::limiter::{parse_retry_after, shown_retry_after, Backoff, RateLimiter};
use super::nominatim::{evaluate, Evaluation};
use super::{
    nominatim, photon, validate_user_agent, without_credentials, Containment, Lookup,
    LookupOutcome, OnlineError, OnlineOptions, Provider, Query,
};

/// A Nominatim-compatible search client. One per run: it owns the rate limiter, so every
/// request the run makes is spaced by at least [`OnlineOptions::min_interval`] (≥ 1 s).
#[derive(Debug)]
pub struct NominatimClient {
    http: Client,
    options: OnlineOptions,
    search_url: Url,
    limiter: RateLimiter,
    backoff: Backoff,
    rng: fastrand::Rng,
    /// Attempts in a row, across queries, that timed out or could not connect.
    unreachable: u32,
    /// The `Retry-After` longer than the options allow, as shown in messages
    /// ([`shown_retry_after`]): the service asked this run to stop.
    held_off: Option<String>,
}

/// After this many attempts in a row time out or cannot connect, the run stops asking
/// (the circuit breaker): a dead service costs about this many timeouts, not four per name.
pub const UNREACHABLE_LIMIT: u32 = 3;

/// What one attempt ran into, when it is worth another.
struct Retryable {
    what: String,
    /// The wait a `Retry-After` asked for, and the header as shown in messages.
    retry_after: Option<(Duration, String)>,
    /// A timeout or a connection error: nothing answered (what the circuit breaker counts).
    unreachable: bool,
}

/// Why one attempt brought no body.
enum Attempt {
    /// Worth another try (connection error, timeout, 429, 5xx).
    Retry(Retryable),
    /// Not worth another try (another 4xx, a 3xx without a usable `Location`).
    Refused(String),
    /// Moved: ask there instead, through the rate limiter like any request.
    Redirect(Url),
}

/// A redirect's target as messages show it: scheme, host, port and path, without the
/// credentials or the query (which holds the name asked for, said apart).
fn redirect_target(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_query(None);
    shown.set_fragment(None);
    shown.to_string()
}

/// The most redirects one query follows.
const MAX_REDIRECTS: u32 = 3;

impl NominatimClient {
    /// Validate `options` (User-Agent, URL, countries, limit) and build the HTTP client.
    pub fn new(options: OnlineOptions) -> Result<Self, OnlineError> {
        validate_user_agent(&options.user_agent)?;
        let search_url = search_url(&options.base_url, options.provider)?;
        check_countries(&options.countries)?;
        super::check_limit(options.limit)?;
        // reqwest is built without a default crypto provider so that no cmake is needed;
        // ring is ours. An error means one is already installed, which serves as well.
        let _ = rustls::crypto::ring::default_provider().install_default();
        // The whole answer's timeout is each request's own (`send_once`): the client's would
        // time each read of the body on its own.
        let http = Client::builder()
            .user_agent(options.user_agent.trim())
            .connect_timeout(options.connect_timeout)
            .retry(reqwest::retry::never())
            // Redirects are followed by `search`, each through the rate limiter.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| OnlineError::Client(error_chain(&e)))?;
        Ok(NominatimClient {
            http,
            limiter: RateLimiter::new(options.min_interval),
            backoff: Backoff {
                base: options.backoff_base,
                cap: options.backoff_cap,
            },
            search_url,
            options,
            rng: fastrand::Rng::new(),
            unreachable: 0,
            held_off: None,
        })
    }

    /// Share the rate limit with every other run that shares the lock file `path`
    /// ([`RateLimiter::share`]).
    pub fn share_rate_with(&mut self, path: &std::path::Path) -> crate::error::Result<()> {
        self.limiter.share(path)
    }

    /// Whether the circuit breaker has tripped: the last [`UNREACHABLE_LIMIT`] attempts
    /// timed out or could not connect, so the service is taken as down for the run.
    pub fn is_unreachable(&self) -> bool {
        self.unreachable >= UNREACHABLE_LIMIT
    }

    /// The wait a `Retry-After` asked for, as shown in messages, when it is longer than
    /// [`OnlineOptions::max_retry_after`]: the service asked this run to stop, and
    /// [`lookup_missing`] asks nothing more (probe 5 M2: a day's wait, then a name a second).
    pub fn held_off(&self) -> Option<&str> {
        self.held_off.as_deref()
    }

    /// The options in force.
    pub fn options(&self) -> &OnlineOptions {
        &self.options
    }

    /// The search endpoint (`<base>/search`, `<base>/api` for Photon), without the
    /// credentials the base URL may carry ([`without_credentials`]): what messages show.
    pub fn search_url(&self) -> String {
        without_credentials(self.search_url.as_str()).into_owned()
    }

    /// The countries a query is restricted to: its own, or else the options', normalised
    /// and checked. Never empty: `countrycodes` is always sent.
    pub fn countries_for<S: AsRef<str>>(
        &self,
        countries: &[S],
    ) -> Result<Vec<String>, OnlineError> {
        let own = normalise_countries(countries);
        let list = if own.is_empty() {
            normalise_countries(&self.options.countries)
        } else {
            own
        };
        if list.is_empty() {
            return Err(OnlineError::Options(
                "no allowed countries: the online geocoder always restricts results to \
                 countries (countrycodes)"
                    .into(),
            ));
        }
        check_countries(&list)?;
        Ok(list)
    }

    /// Ask the service about `query` within `countries` (see [`Self::countries_for`]),
    /// retrying as the options allow, and validate the answer (each result's point
    /// against `within`).
    pub fn search<S: AsRef<str>>(
        &mut self,
        query: &str,
        countries: &[S],
        within: &mut dyn Containment,
    ) -> Result<Evaluation, OnlineError> {
        if query.trim().is_empty() {
            return Err(OnlineError::EmptyQuery);
        }
        let countries = self.countries_for(countries)?;
        let codes = countries
            .iter()
            .map(|c| c.to_ascii_lowercase())
            .collect::<Vec<_>>()
            .join(",");
        let limit = self.options.limit.to_string();
        let query_text = query.trim();
        let params: Vec<(&str, &str)> = match self.options.provider {
            Provider::Nominatim => vec![
                ("q", query_text),
                ("format", "jsonv2"),
                ("countrycodes", &codes),
                ("limit", &limit),
                ("addressdetails", "1"),
                ("namedetails", "1"),
                ("accept-language", "en"),
            ],
            Provider::Photon => vec![("q", query_text), ("limit", &limit), ("lang", "en")],
        };
        let parse = match self.options.provider {
            Provider::Nominatim => nominatim::parse_response,
            Provider::Photon => photon::parse_response,
        };
        let url = self.search_url();
        let mut request_url = self.search_url.clone();
        request_url.query_pairs_mut().extend_pairs(params);
        let mut started: Option<Instant> = None;
        let mut retries = 0u32;
        let mut redirects = 0u32;
        loop {
            self.limiter.wait();
            let started = *started.get_or_insert_with(Instant::now);
            let attempt = self.send_once(&request_url);
            self.limiter.finished();
            // A redirect's target that cannot be reached counts as the service's (every
            // request of a service moved to a dead address goes there).
            self.unreachable = match &attempt {
                Err(Attempt::Retry(r)) if r.unreachable => self.unreachable + 1,
                _ => 0, // something answered
            };
            let failure = match attempt {
                Ok(body) => {
                    return parse(&body)
                        .and_then(|results| within_limit(results, self.options.limit))
                        .map(|results| evaluate(query, &countries, &results, within))
                        .map_err(|message| OnlineError::Malformed {
                            query: query.to_string(),
                            url,
                            message,
                        });
                }
                Err(Attempt::Refused(what)) => {
                    return Err(OnlineError::Failed {
                        query: query.to_string(),
                        url,
                        what,
                        retries,
                        elapsed: started.elapsed(),
                    });
                }
                Err(Attempt::Redirect(next)) if redirects < MAX_REDIRECTS => {
                    redirects += 1;
                    request_url = next;
                    continue;
                }
                Err(Attempt::Redirect(_)) => {
                    return Err(OnlineError::Failed {
                        query: query.to_string(),
                        url,
                        what: format!("more than {MAX_REDIRECTS} redirects"),
                        retries,
                        elapsed: started.elapsed(),
                    });
                }
                Err(Attempt::Retry(mut failure)) => {
                    if redirects > 0 {
                        // The message names the search URL: say where the failure was.
                        failure.what = format!(
                            "{} at {}, where the service redirected it",
                            failure.what,
                            redirect_target(&request_url)
                        );
                    }
                    failure
                }
            };
            let give_up = |what: String, retries| OnlineError::Failed {
                query: query.to_string(),
                url: url.clone(),
                what,
                retries,
                elapsed: started.elapsed(),
            };
            // A wait longer than allowed holds the run off whether or not retries are left:
            // checked after them, the last attempt's `Retry-After: 86400` was dropped and
            // the next name asked a second later.
            let asked = match failure.retry_after {
                Some((asked, shown)) if asked > self.options.max_retry_after => {
                    let what = format!(
                        "{} asking to wait {shown} (Retry-After), longer than the {} s allowed",
                        failure.what,
                        self.options.max_retry_after.as_secs()
                    );
                    self.held_off = Some(shown);
                    return Err(give_up(what, retries));
                }
                Some((asked, _)) => asked,
                None => Duration::ZERO,
            };
            if retries >= self.options.max_retries || self.is_unreachable() {
                return Err(give_up(failure.what, retries));
            }
            let delay = self.backoff.delay(retries, &mut self.rng).max(asked);
            std::thread::sleep(delay);
            retries += 1;
        }
    }

    /// [`Self::search`], stamped as a cache entry retrieved now.
    pub fn lookup<S: AsRef<str>>(
        &mut self,
        query: &str,
        countries: &[S],
        within: &mut dyn Containment,
    ) -> Result<CacheEntry, OnlineError> {
        let countries = self.countries_for(countries)?;
        let evaluation = self.search(query, &countries, within)?;
        Ok(CacheEntry {
            query: query.trim().to_string(), // what was sent
            countries,
            provider: self.options.provider.as_str().to_string(),
            endpoint: without_credentials(self.options.base_url.trim().trim_end_matches('/'))
                .into_owned(),
            retrieved_at: format_timestamp(SystemTime::now()),
            status: if evaluation.chosen.is_some() {
                Status::Found
            } else {
                Status::NotFound
            },
            chosen: evaluation.chosen,
            candidates: evaluation.candidates,
        })
    }

    /// One request: the body of a 2xx answer, or why there is none.
    fn send_once(&self, url: &Url) -> Result<String, Attempt> {
        let retry = |what: String, retry_after| {
            Attempt::Retry(Retryable {
                what,
                retry_after,
                unreachable: false,
            })
        };
        let unreachable = |e: reqwest::Error| {
            let unreachable = e.is_timeout() || e.is_connect();
            Attempt::Retry(Retryable {
                // Its URL carries the base URL's credentials and the query: the message
                // names the query and the URL without them ([`OnlineError::Failed`]).
                what: self.describe(&e.without_url()),
                retry_after: None,
                unreachable,
            })
        };
        // A request's own timeout bounds it whole, from connecting to the body's last byte
        // (reqwest ends a read at the time left), so a body that trickles in, or stalls
        // late, never holds a query past it.
        let response = self
            .http
            .get(url.clone())
            .header(ACCEPT, "application/json")
            .timeout(self.options.timeout)
            .send()
            .map_err(unreachable)?;
        let status = response.status();
        if status.is_success() {
            return read_body(response).map_err(|e| match e {
                BodyError::Io(e)
                    if e.kind() == std::io::ErrorKind::TimedOut
                        || e.get_ref()
                            .and_then(|inner| inner.downcast_ref::<reqwest::Error>())
                            .is_some_and(reqwest::Error::is_timeout) =>
                {
                    Attempt::Retry(Retryable {
                        what: format!(
                            "no whole answer within {:.1} s (timed out)",
                            self.options.timeout.as_secs_f64()
                        ),
                        retry_after: None,
                        unreachable: true,
                    })
                }
                BodyError::Io(e) => Attempt::Retry(Retryable {
                    what: format!("the answer could not be read ({})", error_chain(&e)),
                    retry_after: None,
                    unreachable: false,
                }),
                BodyError::TooLarge(what) => Attempt::Refused(what),
            });
        }
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| Some((parse_retry_after(v, SystemTime::now())?, v)))
                .map(|(wait, v)| (wait, shown_retry_after(v)));
            return Err(retry(http_status(status), retry_after));
        }
        if status.is_redirection() {
            let next = response
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| url.join(v).ok())
                .filter(|u| matches!(u.scheme(), "http" | "https"));
            return Err(match next {
                Some(next) => Attempt::Redirect(next),
                None => Attempt::Refused(format!(
                    "{} without a usable http(s) Location",
                    http_status(status)
                )),
            });
        }
        Err(Attempt::Refused(http_status(status)))
    }

    /// What went wrong, naming the timeout that fired: connecting, or the whole request.
    fn describe(&self, e: &reqwest::Error) -> String {
        if e.is_connect() && e.is_timeout() {
            format!(
                "could not connect within {:.1} s (the connect timeout)",
                self.options.connect_timeout.as_secs_f64()
            )
        } else if e.is_timeout() {
            format!(
                "no answer within {:.1} s (timed out)",
                self.options.timeout.as_secs_f64()
            )
        } else if e.is_connect() {
            format!("could not connect ({})", root_cause(e))
        } else {
            error_chain(e)
        }
    }
}

/// The most bytes an answer may hold. One with at most 40 results (the largest `limit`) is a
/// few tens of KB; a larger one is refused for its query, unread, instead of being held in
/// memory whole (probe 6 M2: a 300 MB answer took 994 MB).
pub const MAX_ANSWER: u64 = 4 << 20;

/// Why an answer's body was not read.
enum BodyError {
    /// The transfer failed (a reset, or the request's timeout, however the body came:
    /// a byte a second, or stalled): worth another try.
    Io(std::io::Error),
    /// Over [`MAX_ANSWER`]: not worth another try.
    TooLarge(String),
}

/// The body of `response`, at most [`MAX_ANSWER`] bytes, decoded as UTF-8 (an invalid
/// sequence becomes U+FFFD, as `Response::text` did); by the request's timeout, which ends
/// a read at the time left (set in `send_once`). A body without a
/// `Content-Length` (chunked) is read up to the cap and no further; the buffer never holds
/// more than [`MAX_ANSWER`] bytes.
fn read_body(mut response: reqwest::blocking::Response) -> Result<String, BodyError> {
    use std::io::Read;
    let declared = response.content_length();
    if let Some(len) = declared.filter(|&n| n > MAX_ANSWER) {
        return Err(BodyError::TooLarge(format!(
            "an answer of {len} bytes, more than the {MAX_ANSWER} a search answer may hold"
        )));
    }
    let cap = usize::try_from(MAX_ANSWER).unwrap_or(usize::MAX);
    let mut body =
        Vec::with_capacity(declared.map_or(0, |n| usize::try_from(n).unwrap_or(cap).min(cap)));
    let mut buf = vec![0u8; 64 << 10];
    loop {
        let n = match response.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(BodyError::Io(e)),
        };
        if body.len() + n > cap {
            return Err(BodyError::TooLarge(format!(
                "an answer of more than {MAX_ANSWER} bytes{}, more than a search answer may \
                 hold: read no further",
                if declared.is_none() {
                    " (sent without a Content-Length)"
                } else {
                    ""
                }
            )));
        }
        body.extend_from_slice(&buf[..n]);
    }
    Ok(String::from_utf8(body)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// `results`, unless there are more than the `limit` asked for: a service that ignores it
/// is answering another question, and keeping thousands of results made a cache no command
/// could read again (probe 6 H1).
fn within_limit<T>(results: Vec<T>, limit: u32) -> Result<Vec<T>, String> {
    if results.len() > usize::try_from(limit).unwrap_or(usize::MAX) {
        return Err(format!(
            "{} results, more than the {limit} asked for (limit={limit})",
            results.len()
        ));
    }
    Ok(results)
}

/// Ask online for every query the cache lacks (or, with `refresh`, holds expired or found),
/// in the order given, each distinct (query key, countries) once ([`super::cache::key`]:
/// `qizilqala` after `Qizilqala` is the same question). After each answer the cache
/// is saved to `cache_path` atomically, so a run killed mid-way keeps what it got; a failed
/// query leaves its entry (if any) as it was and does not stop the others. Cache hits make
/// no request and never wait on the rate limiter. At most `max_lookups` queries are asked;
/// the rest fail with [`OnlineError::NotAsked`]. Once the circuit breaker trips
/// ([`NominatimClient::is_unreachable`]), the rest fail with [`OnlineError::Unreachable`];
/// once the service asks for a longer wait than allowed ([`NominatimClient::held_off`]),
/// with [`OnlineError::HeldOff`].
/// Every result's point is tested by `within`, the one containment check.
/// `progress` shows a bar on stderr when stderr is a terminal (hidden otherwise). Adds to
/// `outcomes` one outcome per distinct query, as each ends.
///
/// # Errors
///
/// An answer that cannot be saved (a full disk, a read-only folder) stops the run: asking
/// on for answers it cannot keep would only spend the service's goodwill. `outcomes` then
/// holds the queries that ended before it, so what they have to say (a failed refresh)
/// can still be said.
pub fn lookup_missing(
    queries: &[Query],
    cache: &mut GeocodeCache,
    cache_path: &Path,
    client: &mut NominatimClient,
    within: &mut dyn Containment,
    progress: bool,
    outcomes: &mut Vec<LookupOutcome>,
) -> crate::error::Result<()> {
    let now = SystemTime::now();
    let refresh = client.options.refresh;
    let mut seen = BTreeSet::new();
    let mut plan: Vec<(String, Result<Vec<String>, OnlineError>, bool)> = Vec::new();
    for q in queries {
        let countries = client.countries_for(&q.countries);
        let key = super::cache::key(
            &q.text,
            countries.as_ref().map(Vec::as_slice).unwrap_or_default(),
        );
        if !seen.insert(key) {
            continue;
        }
        let ask = match &countries {
            Ok(c) => cache.needs_lookup(&q.text, c, refresh, now),
            Err(_) => false,
        };
        plan.push((q.text.clone(), countries, ask));
    }
    let cap = client.options.max_lookups;
    let bar = progress_bar(plan.iter().filter(|p| p.2).count().min(cap), progress);
    outcomes.reserve(plan.len());
    let mut asked = 0usize;
    // Queries still to ask, and how many of them the circuit breaker left unasked.
    let mut to_ask = plan.iter().filter(|p| p.2).count();
    let mut not_asked = None;
    for (query, countries, ask) in plan {
        let (countries, result) = match countries {
            Err(e) => (Vec::new(), Err(e)),
            Ok(countries) if !ask => (countries, Ok(Lookup::Cached)),
            Ok(countries) if client.is_unreachable() => (
                countries,
                Err(OnlineError::Unreachable {
                    query: query.clone(),
                    url: client.search_url(),
                    attempts: UNREACHABLE_LIMIT,
                    not_asked: *not_asked.get_or_insert(to_ask),
                }),
            ),
            Ok(countries) if client.held_off().is_some() => (
                countries,
                Err(OnlineError::HeldOff {
                    query: query.clone(),
                    url: client.search_url(),
                    retry_after: client.held_off().unwrap_or_default().to_owned(),
                    not_asked: *not_asked.get_or_insert(to_ask),
                }),
            ),
            Ok(countries) if asked >= cap => (
                countries,
                Err(OnlineError::NotAsked {
                    query: query.clone(),
                    cap,
                }),
            ),
            Ok(countries) => {
                asked += 1;
                to_ask -= 1;
                bar.set_message(query.clone());
                let result = match client.lookup(&query, &countries, within) {
                    Ok(entry) => {
                        let found = entry.status == Status::Found;
                        cache.insert_and_save(cache_path, entry, within)?;
                        Ok(if found {
                            Lookup::Found
                        } else {
                            Lookup::NotFound
                        })
                    }
                    Err(e) => Err(e),
                };
                bar.inc(1);
                (countries, result)
            }
        };
        outcomes.push(LookupOutcome {
            query,
            countries,
            result,
        });
    }
    bar.finish_and_clear();
    Ok(())
}

fn progress_bar(len: usize, wanted: bool) -> ProgressBar {
    let target = if wanted && std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(len as u64), target);
    bar.set_style(
        ProgressStyle::with_template(
            "geocoding online {bar:30} {pos}/{len} (1 request/s, ~{eta} left) {wide_msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

fn search_url(base: &str, provider: Provider) -> Result<Url, OnlineError> {
    let refuse = |reason: String| OnlineError::BaseUrl {
        url: without_credentials(base).into_owned(),
        reason,
    };
    let mut url = Url::parse(base.trim()).map_err(|e| refuse(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(refuse(format!(
            "scheme {:?} is not http or https",
            url.scheme()
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(refuse(
            "give the base URL without ?query or #fragment".into(),
        ));
    }
    let path = url.path().trim_end_matches('/').to_string();
    let search = provider.search_path();
    if !path.ends_with(search) {
        url.set_path(&format!("{path}{search}"));
    }
    Ok(url)
}

fn check_countries(codes: &[String]) -> Result<(), OnlineError> {
    for code in codes {
        let upper = code.trim().to_ascii_uppercase();
        if crate::country::by_alpha2(&upper).is_none() {
            return Err(OnlineError::Options(format!(
                "country {code:?} is not an ISO 3166-1 alpha-2 code"
            )));
        }
    }
    Ok(())
}

fn http_status(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("HTTP {} {reason}", status.as_u16()),
        None => format!("HTTP {}", status.as_u16()),
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let s = c.to_string();
        if !out.contains(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        cause = c.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_url_appends_search_once() {
        for (base, want) in [
            (
                "https://nominatim.openstreetmap.org",
                "https://nominatim.openstreetmap.org/search",
            ),
            (
                "https://nominatim.openstreetmap.org/",
                "https://nominatim.openstreetmap.org/search",
            ),
            (
                "http://127.0.0.1:8080/nominatim/",
                "http://127.0.0.1:8080/nominatim/search",
            ),
            (
                "http://127.0.0.1:8080/search",
                "http://127.0.0.1:8080/search",
            ),
        ] {
            assert_eq!(
                search_url(base, Provider::Nominatim).unwrap().as_str(),
                want
            );
        }
        assert_eq!(
            search_url("https://photon.komoot.io", Provider::Photon)
                .unwrap()
                .as_str(),
            "https://photon.komoot.io/api"
        );
        assert!(search_url("ftp://x.org", Provider::Nominatim).is_err());
        assert!(search_url("nominatim.openstreetmap.org", Provider::Nominatim).is_err());
        assert!(search_url("https://x.org/?format=json", Provider::Nominatim).is_err());
    }

    #[test]
    fn client_refuses_bad_options() {
        let mut o = OnlineOptions::new("http://127.0.0.1:9", "drillmap-tests (qa@drillmap.test)");
        o.countries = vec!["TJ".into(), "XX".into()];
        assert!(NominatimClient::new(o.clone())
            .unwrap_err()
            .to_string()
            .contains("\"XX\""));
        o.countries = vec!["tj".into()];
        o.limit = 0;
        assert!(NominatimClient::new(o.clone()).is_err());
        o.limit = 5;
        o.user_agent = "curl/8".into();
        assert!(NominatimClient::new(o.clone()).is_err());
        o.user_agent = "drillmap-tests (qa@drillmap.test)".into();
        let client = NominatimClient::new(o).unwrap();
        assert_eq!(client.countries_for::<&str>(&[]).unwrap(), vec!["TJ"]);
        assert_eq!(
            client.countries_for(&["uz", "kg"]).unwrap(),
            vec!["KG", "UZ"]
        );
    }

    #[test]
    fn progress_bar_is_hidden_unless_wanted_on_a_terminal() {
        assert!(progress_bar(3, false).is_hidden());
        assert_eq!(
            progress_bar(3, true).is_hidden(),
            !std::io::stderr().is_terminal()
        );
    }

    #[test]
    fn https_client_builds_with_the_ring_provider() {
        let mut o = OnlineOptions::new(
            super::super::PUBLIC_NOMINATIM_URL,
            "drillmap-tests (qa@drillmap.test)",
        );
        o.countries = vec!["TJ".into()];
        let client = NominatimClient::new(o).unwrap();
        assert_eq!(
            client.search_url(),
            "https://nominatim.openstreetmap.org/search"
        );
    }
}
