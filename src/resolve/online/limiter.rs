//! Politeness towards the geocoding service: one global request limiter, exponential
//! backoff with jitter, and `Retry-After`.
//!
//! Nominatim's usage policy allows at most one request per second for a whole application.
//! [`RateLimiter`] owns the instant of the last request and is owned by the one client of a
//! run, so every request (first tries and retries alike) passes through it. It is consulted
//! only when a request is about to be sent: a cache hit never waits. Runs on one data
//! folder share the second too ([`RateLimiter::share`]): two at once (`build --online`
//! and `geocode --online`, say) take turns through a lock file beside the cache, which
//! holds when the last exchange of any of them ended.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use crate::read::lines::shown;

/// The shortest interval the public service allows between two requests.
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);

/// Added to every interval, for the clock's granularity.
pub const MARGIN: Duration = Duration::from_millis(20);

/// Spaces requests at least `interval` + [`MARGIN`] apart, measured from the *end* of one
/// exchange ([`RateLimiter::finished`]: its answer read, or its failure) to the start of the
/// next. The service received the request before it answered, so it sees two requests at
/// least the interval apart however long either took on the way: timed from the start of
/// the first, a request slowed in transit (a loaded machine, a slow connection set-up) and
/// the next one on time reached the service less than a second apart.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    last: Option<Instant>,
    /// The lock file other runs share the second through ([`RateLimiter::share`]), and
    /// whether this run holds its lock (from [`RateLimiter::wait`] to
    /// [`RateLimiter::finished`]).
    shared: Option<(std::fs::File, bool)>,
}

/// The file beside the geocode cache through which runs on one data folder share the
/// second ([`RateLimiter::share`]); it holds the end of the last exchange, in nanoseconds
/// since the Unix epoch, as text.
pub const RATE_FILE_NAME: &str = ".geocode-rate.lock";

impl RateLimiter {
    /// A limiter allowing one request per `interval`; never less than [`MIN_INTERVAL`].
    pub fn new(interval: Duration) -> Self {
        RateLimiter {
            interval: interval.max(MIN_INTERVAL),
            last: None,
            shared: None,
        }
    }

    /// Share the interval with every other run that shares `path` (probe, session 43:
    /// two runs at once sent their requests 0.1 s apart, a pair every second). Each
    /// exchange holds an advisory lock on the file from [`RateLimiter::wait`] to
    /// [`RateLimiter::finished`], so the runs take turns, and each waits the interval after
    /// the end the file records. Opened as every drillmap lock file is, never through a
    /// symbolic link.
    pub fn share(&mut self, path: &Path) -> crate::error::Result<()> {
        use crate::fsutil::atomic::{lock_error, open_lock_file};
        let file = open_lock_file(path).map_err(|e| lock_error(path, e))?;
        self.shared = Some((file, false));
        Ok(())
    }

    /// Take the shared lock and wait out the interval after the last exchange any run
    /// sharing it recorded. The wall clock is all runs share: a recorded end in the future
    /// (a clock set back) waits at most one interval. A lock that cannot be taken (a file
    /// system without locks) leaves this run's own spacing, which [`RateLimiter::wait`]
    /// keeps whatever happens here.
    fn wait_shared(&mut self) {
        use std::io::{Read, Seek};
        let Some((file, held)) = self.shared.as_mut() else {
            return;
        };
        if file.lock().is_err() {
            return;
        }
        *held = true;
        let mut text = String::new();
        let _ = file.rewind().and_then(|()| file.read_to_string(&mut text));
        let Some(ended) = text
            .trim()
            .parse::<u64>()
            .ok()
            .map(|ns| SystemTime::UNIX_EPOCH + Duration::from_nanos(ns))
        else {
            return;
        };
        let spacing = self.interval + MARGIN;
        let slot = ended + spacing;
        let wait = slot
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO)
            .min(spacing);
        std::thread::sleep(wait);
    }

    /// Record the end of this run's exchange for the runs that share the file, and let
    /// them take their turn.
    fn finished_shared(&mut self) {
        use std::io::{Seek, Write};
        let Some((file, held)) = self.shared.as_mut() else {
            return;
        };
        if !std::mem::take(held) {
            return;
        }
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
        let _ = file
            .set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| writeln!(file, "{now}"));
        let _ = file.unlock();
    }

    /// The interval this limiter enforces.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// How long a request starting at `now` would have to wait.
    pub fn delay_at(&self, now: Instant) -> Duration {
        match self.last {
            Some(last) => (last + self.interval + MARGIN).saturating_duration_since(now),
            None => Duration::ZERO,
        }
    }

    /// Sleep until a request may start, and record that it starts now.
    pub fn wait(&mut self) {
        self.wait_shared();
        if let Some(last) = self.last {
            let slot = last + self.interval + MARGIN;
            // `sleep` never returns early on Linux, but the standard library does not promise
            // it everywhere: check again rather than start before the slot.
            loop {
                let now = Instant::now();
                if now >= slot {
                    break;
                }
                std::thread::sleep(slot - now);
            }
        }
        self.last = Some(Instant::now());
    }

    /// Record that the exchange begun at the last [`RateLimiter::wait`] is over (answered,
    /// failed or timed out): the next request is timed from now.
    pub fn finished(&mut self) {
        self.last = Some(Instant::now());
        self.finished_shared();
    }
}

/// Exponential backoff with jitter: attempt `n` (0-based, counting retries) waits a random
/// time between half and all of `min(cap, base * 2^n)` ("equal jitter"), so that clients
/// failing together do not retry together.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// Delay before the first retry, before jitter.
    pub base: Duration,
    /// Largest delay, before jitter.
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: Duration::from_secs(1),
            cap: Duration::from_secs(30),
        }
    }
}

impl Backoff {
    /// The un-jittered delay before retry `retry` (0-based).
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(16)).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// The delay before retry `retry`, with jitter drawn from `rng`.
    pub fn delay(&self, retry: u32, rng: &mut fastrand::Rng) -> Duration {
        let ceiling = self.ceiling(retry);
        let half = ceiling / 2;
        half + half.mul_f64(rng.f64())
    }
}

/// Parse a `Retry-After` header value: either delay-seconds or an HTTP-date (RFC 9110
/// §10.2.3). A date in the past means "now"; delay-seconds too many for a `u64` mean
/// [`Duration::MAX`], a wait beyond any allowed (probe 6 L2: they were taken as no header
/// at all, and the run retried at once). Returns `None` for anything else.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(
            value
                .parse::<u64>()
                .map_or(Duration::MAX, Duration::from_secs),
        );
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A `Retry-After` value as the server sent it, for messages: delay-seconds as `N s`, a date
/// as `until <date>`, as a message quotes a value ([`shown`]: cut, with its length) with
/// control characters escaped.
/// Never the parsed wait: delay-seconds too many for a `u64` were shown as
/// `18446744073709551615 s`, a number the server never sent.
pub fn shown_retry_after(value: &str) -> String {
    let value = value.trim();
    let text: String = shown(value).escape_debug().collect();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        format!("{text} s")
    } else {
        format!("until {text}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::lines::MAX_SHOWN;

    #[test]
    fn limiter_never_allows_less_than_one_second() {
        let limiter = RateLimiter::new(Duration::from_millis(10));
        assert_eq!(limiter.interval(), Duration::from_secs(1));
    }

    #[test]
    fn limiter_delays_the_second_request() {
        let mut limiter = RateLimiter::new(MIN_INTERVAL);
        assert_eq!(limiter.delay_at(Instant::now()), Duration::ZERO);
        limiter.wait();
        let d = limiter.delay_at(Instant::now());
        assert!(
            d > Duration::from_millis(900) && d <= MIN_INTERVAL + MARGIN,
            "{d:?}"
        );
    }

    /// Under load (15-20 on two cores) a request slowed on its way reached the test server
    /// 980 ms after the one before. The interval runs from the end of an exchange, so a slow
    /// one pushes the next request back by as much.
    #[test]
    fn the_interval_runs_from_the_end_of_the_exchange() {
        let mut limiter = RateLimiter::new(MIN_INTERVAL);
        limiter.wait();
        std::thread::sleep(Duration::from_millis(300)); // the exchange takes a while
        limiter.finished();
        let d = limiter.delay_at(Instant::now());
        assert!(d > Duration::from_millis(900), "{d:?}");
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let b = Backoff {
            base: Duration::from_secs(1),
            cap: Duration::from_secs(5),
        };
        assert_eq!(b.ceiling(0), Duration::from_secs(1));
        assert_eq!(b.ceiling(1), Duration::from_secs(2));
        assert_eq!(b.ceiling(2), Duration::from_secs(4));
        assert_eq!(b.ceiling(3), Duration::from_secs(5));
        assert_eq!(b.ceiling(100), Duration::from_secs(5));
        let mut rng = fastrand::Rng::with_seed(7);
        for retry in 0..6 {
            let d = b.delay(retry, &mut rng);
            assert!(d >= b.ceiling(retry) / 2 && d <= b.ceiling(retry), "{d:?}");
        }
    }

    #[test]
    fn retry_after_seconds_and_http_date() {
        let now = httpdate::parse_http_date("Sun, 22 Nov 2026 01:00:00 GMT").unwrap();
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Sun, 22 Nov 2026 01:00:07 GMT", now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            parse_retry_after("Sun, 22 Nov 2026 00:59:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::MAX)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }

    #[test]
    fn a_retry_after_is_shown_as_sent_cut_and_escaped() {
        assert_eq!(shown_retry_after(" 3600 "), "3600 s");
        assert_eq!(
            shown_retry_after("99999999999999999999999"),
            "99999999999999999999999 s"
        );
        assert_eq!(
            shown_retry_after("Sun, 22 Nov 2026 01:00:07 GMT"),
            "until Sun, 22 Nov 2026 01:00:07 GMT"
        );
        let long = "9".repeat(5000);
        assert_eq!(
            shown_retry_after(&long),
            format!("{}… (5000 bytes) s", "9".repeat(MAX_SHOWN))
        );
        assert_eq!(shown_retry_after("a\tb\u{1b}"), "until a\\tb\\u{1b}");
    }
}
