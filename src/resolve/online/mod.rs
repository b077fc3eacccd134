//! The online geocoding fallback: ask a Nominatim-compatible service for names that neither
//! the hand-kept table nor GeoNames knows, politely, and keep every answer in a lockfile.
//!
//! - [`cache`]: `places/geocode-cache.toml`, read by every build (no network needed);
//! - [`nominatim`]: parsing and validating answers, choosing a result;
//! - [`limiter`]: one request per second for the whole run, backoff, `Retry-After`;
//! - `client` (feature `online`): the HTTP client and [`lookup_missing`].

pub mod cache;
pub mod limiter;
pub mod nominatim;

pub use cache::{
    normalise_countries, CacheEntry, CandidateRecord, ChosenResult, GeocodeCache, Status,
    CACHE_FILE_NAME,
};
