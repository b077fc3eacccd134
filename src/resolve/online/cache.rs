//! The geocode cache, kept as a lockfile: `places/geocode-cache.toml`.
//!
//! Every answer an online geocoder gave, "nothing found" included, is one entry keyed by
//! its query folded as every lookup folds names ([`crate::names::normalize::fold`]: case,
//! blanks, marks and punctuation do not count) and its normalised country list. The file is TOML, sorted by that
//! key and serialised from structs (never a `HashMap`), so it diffs cleanly and can be
//! reviewed like code; it is written atomically ([`crate::fsutil::atomic::write`]) so a run
//! killed mid-way leaves the last good file. `build` reads it without network, which is
//! what makes output byte-identical offline. Failures (timeouts, HTTP errors, malformed
//! answers) are never stored: only answers are.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{Precision, LATITUDES, LONGITUDES};
use crate::read::lines::counted;

/// The cache's file name inside `places/`.
pub const CACHE_FILE_NAME: &str = "geocode-cache.toml";

/// Where the cache lives: `<places>/geocode-cache.toml`.
pub fn cache_path(places_dir: &Path) -> std::path::PathBuf {
    places_dir.join(CACHE_FILE_NAME)
}

/// Where the runs on `places_dir` share the rate limit:
/// [`super::limiter::RATE_FILE_NAME`] beside the cache.
pub fn rate_path(places_dir: &Path) -> std::path::PathBuf {
    places_dir.join(super::limiter::RATE_FILE_NAME)
}

/// How long an answer is considered fresh, unless the file says otherwise.
pub const DEFAULT_EXPIRES_AFTER_DAYS: u32 = 180;

/// The format version this code reads and writes.
pub const CACHE_VERSION: u32 = 1;

const HEADER: &str = "\
# drillmap geocode cache: every answer an online geocoder gave, kept as a lockfile.
# `drillmap build` reads it without network; `build --online` adds to it and
# `build --online --refresh` re-asks expired and found entries. Review changes like code.
# Entries are sorted by (query, countries); do not reorder or hand-edit retrieved_at.
";

/// Whether the geocoder found the place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// A result was accepted and chosen.
    Found,
    /// The service answered, and no result was acceptable (none at all, or all rejected).
    NotFound,
}

/// The result chosen for a query: where it is and what it is, with its OSM identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChosenResult {
    /// The result's own name (English name when the service gave one, else its local name,
    /// else the first part of `display_name`).
    pub name: String,
    /// The service's full label ("Kharbmaidon, Khatlon Region, Tajikistan").
    pub display_name: String,
    /// Latitude, WGS 84 degrees.
    pub lat: f64,
    /// Longitude, WGS 84 degrees.
    pub lon: f64,
    /// `node`, `way` or `relation`.
    pub osm_type: String,
    /// The OSM object id.
    pub osm_id: u64,
    /// Nominatim's internal place id (not stable across Nominatim databases).
    pub place_id: u64,
    /// OSM main tag key (`military`, `place`, `boundary`, `aeroway`, ...).
    pub category: String,
    /// OSM main tag value (`training_area`, `village`, `administrative`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    /// Nominatim's `addresstype` (`village`, `state`, `country`, ...), or empty.
    #[serde(default)]
    pub addresstype: String,
    /// ISO 3166-1 alpha-2, upper case.
    pub country_code: String,
    /// First-level region as ISO 3166-2 (`TJ-KT`), or empty when the service gave none.
    #[serde(default)]
    pub admin1: String,
    /// What the point is a point of, derived from category/type/addresstype.
    #[serde(with = "precision_word")]
    pub precision: Precision,
    /// Radius in km within which the place lies: half the bounding box's diagonal
    /// (haversine), with a floor.
    pub uncertainty_km: f64,
    /// How well the result matches the query, in [0, 1].
    pub score: f64,
}

impl ChosenResult {
    /// The result as a place called `id`, for the tables and layers: its point, kind,
    /// precision and radius (no aliases, note or source: the caller's to say).
    pub(crate) fn to_place(&self, id: String) -> crate::model::Place {
        crate::model::Place {
            id,
            name: self.name.clone(),
            kind: super::place_kind(self),
            country: self.country_code.clone(),
            admin1: self.admin1.clone(),
            lat: self.lat,
            lon: self.lon,
            precision: self.precision,
            uncertainty_km: self.uncertainty_km,
            point_note: String::new(),
            aliases: Vec::new(),
            source: String::new(),
            valid: crate::model::Validity::ALWAYS,
            line: 0,
        }
    }

    /// What is wrong with where the result lies, asked within the countries `allowed`: an
    /// answer in another country is none, and its point must lie in the country it names
    /// (`within`, the one containment check, as for the gazetteer's rows). The one check
    /// of a result's place, whether it comes from the service or from the cache file
    /// (probe 5 M1: a point 57 km inside Afghanistan answered as `tj`; probe, session 30:
    /// a UZ point filed under `["TJ"]` was promoted as a row of UZ).
    pub(crate) fn placed_problem(
        &self,
        allowed: &[String],
        within: Option<&mut dyn super::Containment>,
    ) -> Option<String> {
        if !allowed.contains(&self.country_code) {
            return Some(format!(
                "in {}, outside the allowed countries {}",
                self.country_code,
                allowed.join(", ")
            ));
        }
        within
            .and_then(|w| w.outside(self.lat, self.lon, &self.country_code))
            .map(|why| format!("point {why}"))
    }

    /// What is wrong with a value a hand edit may have broken (the point is checked
    /// apart): a radius that is not positive, a score outside [0, 1], a country that is not
    /// an upper-case ISO 3166-1 code, a name with a control character. The one check of a
    /// result, whether it comes from the service or from the cache file.
    pub(crate) fn problem(&self) -> Option<String> {
        if let Some(why) = super::overlong_text(self) {
            return Some(why);
        }
        if let Some(why) = crate::model::uncertainty_problem(self.uncertainty_km) {
            return Some(why);
        }
        if !(0.0..=1.0).contains(&self.score) {
            return Some(format!("score {} is not in [0, 1]", self.score));
        }
        if crate::country::by_alpha2(&self.country_code).is_none() {
            return Some(format!(
                "country_code {:?} is not an ISO 3166-1 alpha-2 code (upper case)",
                self.country_code
            ));
        }
        for (field, value) in [("name", &self.name), ("display_name", &self.display_name)] {
            if let Some(m) = crate::read::lines::control_character(value) {
                return Some(format!("{field} {value:?} {m}"));
            }
        }
        super::row_problem(self)
    }
}

/// One candidate the service returned, compact, with whether it was accepted and why not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateRecord {
    /// `osm_type/osm_id` (`way/123`), or empty when the service gave none.
    pub osm: String,
    /// The service's full label.
    pub display_name: String,
    /// Latitude, when it parsed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    /// Longitude, when it parsed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    /// ISO 3166-1 alpha-2, upper case, or empty.
    pub country_code: String,
    /// Nominatim's `importance`, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub importance: Option<f64>,
    /// Our score in [0, 1] (0 for rejected candidates).
    pub score: f64,
    /// Whether the candidate passed validation.
    pub accepted: bool,
    /// Why it was rejected, or why an accepted one was not chosen (`ambiguous: ...`); empty
    /// otherwise.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

/// One cached answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacheEntry {
    /// The query as the dataset writes it.
    pub query: String,
    /// The allowed countries sent with it (ISO 3166-1 alpha-2, upper case, sorted).
    pub countries: Vec<String>,
    /// The provider (`nominatim`).
    pub provider: String,
    /// The base URL that answered.
    pub endpoint: String,
    /// When the answer was received, RFC 3339 UTC (`2026-11-22T01:02:03Z`).
    pub retrieved_at: String,
    /// Whether a result was chosen.
    pub status: Status,
    /// The chosen result, when `status` is `found`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chosen: Option<ChosenResult>,
    /// Every candidate the service returned, in its order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<CandidateRecord>,
}

impl CacheEntry {
    /// The day of `retrieved_at` (`2026-11-22`), for provenance and sources.
    pub fn retrieved_date(&self) -> &str {
        self.retrieved_at.get(..10).unwrap_or(&self.retrieved_at)
    }

    /// The provenance to put on a feature resolved from this entry, when it was found.
    pub fn provenance(&self) -> Option<GeocoderProvenance> {
        let c = self.chosen.as_ref()?;
        Some(GeocoderProvenance {
            service: self.provider.clone(),
            id: format!("osm:{}/{}", c.osm_type, c.osm_id),
            query: self.query.clone(),
            match_type: "online".to_string(),
            score: c.score,
            retrieved: self.retrieved_date().to_string(),
        })
    }

    /// Why a `not_found` entry gives no place, for messages: the provider found nothing,
    /// nothing that matched the name (`N results rejected`), or two results equally good;
    /// then when it was asked (`(asked 2026-11-22)`).
    pub fn nothing_found(&self) -> String {
        let tie = self
            .candidates
            .iter()
            .find_map(|c| c.reason.strip_prefix("ambiguous: "));
        let asked = self.retrieved_date();
        match (tie, self.candidates.len()) {
            (Some(tie), _) => format!(
                "{}'s answer is ambiguous too: {tie} (asked {asked})",
                self.provider
            ),
            (None, 0) => format!("{} found nothing either (asked {asked})", self.provider),
            (None, n) => format!(
                "{} found nothing either ({} rejected; asked {asked})",
                self.provider,
                counted(n as u64, "result")
            ),
        }
    }

    /// The cache key of this entry ([`key`]).
    fn key(&self) -> (String, Vec<String>) {
        key(&self.query, &self.countries)
    }
}

/// How a coordinate was chosen online, for a feature's `geocoder` property: everything
/// comes from the cache entry, so it is the same on every offline rebuild.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GeocoderProvenance {
    /// The provider (`nominatim`, `photon`).
    pub service: String,
    /// The OSM object (`osm:way/123`).
    pub id: String,
    /// The query that was asked.
    pub query: String,
    /// Always `online`, to tell these from gazetteer matches.
    pub match_type: String,
    /// The chosen result's score in [0, 1].
    pub score: f64,
    /// The day the answer was retrieved (`2026-11-22`).
    pub retrieved: String,
}

/// The file: entries as they are written, or as read with where each stands
/// (`toml::Spanned`), so a message about one names its line.
#[derive(Serialize, Deserialize)]
struct CacheFile<E> {
    version: u32,
    #[serde(default = "default_expiry")]
    expires_after_days: u32,
    #[serde(default = "Vec::new")]
    entry: Vec<E>,
}

fn default_expiry() -> u32 {
    DEFAULT_EXPIRES_AFTER_DAYS
}

/// The cache in memory: entries by (query, countries), plus the freshness policy.
#[derive(Debug, Clone, PartialEq)]
pub struct GeocodeCache {
    /// Days after `retrieved_at` when an entry counts as expired (for `--refresh`).
    pub expires_after_days: u32,
    entries: BTreeMap<(String, Vec<String>), CacheEntry>,
}

impl Default for GeocodeCache {
    fn default() -> Self {
        GeocodeCache {
            expires_after_days: DEFAULT_EXPIRES_AFTER_DAYS,
            entries: BTreeMap::new(),
        }
    }
}

/// The key of `query` within `countries`: the query folded as the gazetteer folds every
/// name it files and finds ([`crate::names::normalize::fold`]), so `qizilqala`,
/// `QIZILQALA` and `Qizilqala ` are the one question `Qizilqala` (probe 5 M3: each was
/// asked again, and an offline lookup in another case missed the answer).
pub fn key<S: AsRef<str>>(query: &str, countries: &[S]) -> (String, Vec<String>) {
    (query_key(query), normalise_countries(countries))
}

/// The query's part of the cache's key: the name as every lookup folds it, so spellings
/// that differ only in case or spacing are one question.
pub fn query_key(query: &str) -> String {
    crate::names::normalize::fold(query)
}

/// Normalise a country list for keys and requests: trimmed, upper case, sorted, unique.
pub fn normalise_countries<S: AsRef<str>>(countries: &[S]) -> Vec<String> {
    let mut out: Vec<String> = countries
        .iter()
        .map(|c| c.as_ref().trim().to_ascii_uppercase())
        .filter(|c| !c.is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
}

impl GeocodeCache {
    /// An empty cache.
    pub fn new() -> Self {
        GeocodeCache::default()
    }

    /// Read the cache file. A missing file is an empty cache; a malformed one is an error
    /// naming the file and line, never silently discarded.
    pub fn load(path: &Path) -> Result<Self> {
        Self::read(path, None)
    }

    /// [`GeocodeCache::load`], every chosen point also checked against the country it is
    /// filed under (`within`: the one containment check, as for the gazetteer's rows).
    pub fn load_within(path: &Path, within: &mut dyn super::Containment) -> Result<Self> {
        Self::read(path, Some(within))
    }

    fn read(path: &Path, within: Option<&mut dyn super::Containment>) -> Result<Self> {
        let text = match crate::read::input::read_toml(path) {
            Ok(t) => t,
            Err(e) if e.is_not_found() => return Ok(Self::new()),
            Err(e) => return Err(e),
        };
        Self::parse_within(&text, path, within)
    }

    /// Parse cache text; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        Self::parse_within(text, path, None)
    }

    fn parse_within(
        text: &str,
        path: &Path,
        mut within: Option<&mut dyn super::Containment>,
    ) -> Result<Self> {
        let syntax = |line: Option<usize>, message: String| Error::Syntax {
            path: path.to_path_buf(),
            line,
            message,
        };
        // One index of line starts: every entry's line is looked up, so counting newlines
        // from the start for each would be quadratic in the cache's size.
        let lines = crate::read::lines::LineIndex::new(text);
        let line_at = |offset: usize| lines.line(offset);
        let file: CacheFile<toml::Spanned<CacheEntry>> =
            crate::read::input::parse_toml(path, text)?;
        if file.version != CACHE_VERSION {
            return Err(syntax(
                None,
                format!(
                    "unsupported cache version {} (this drillmap reads version {CACHE_VERSION})",
                    file.version
                ),
            ));
        }
        let mut cache = GeocodeCache {
            expires_after_days: file.expires_after_days,
            entries: BTreeMap::new(),
        };
        let mut spellings = std::collections::BTreeSet::new();
        for spanned in file.entry {
            let line = Some(line_at(spanned.span().start));
            let entry = spanned.into_inner();
            let what = format!("entry {:?} {:?}", entry.query, entry.countries);
            if entry.countries != normalise_countries(&entry.countries) {
                return Err(syntax(
                    line,
                    format!("{what}: countries must be upper case, sorted and unique"),
                ));
            }
            // The provider is what a feature's `geocoder` says: a hand edit to one no
            // drillmap asks would be cited as it is.
            if let Err(why) = entry.provider.parse::<super::Provider>() {
                return Err(syntax(line, format!("{what}: provider: {why}")));
            }
            if parse_timestamp(&entry.retrieved_at).is_none() {
                return Err(syntax(
                    line,
                    format!(
                        "{what}: retrieved_at {:?} is not an RFC 3339 UTC time like 2026-11-22T01:02:03Z",
                        entry.retrieved_at
                    ),
                ));
            }
            if (entry.status == Status::Found) != entry.chosen.is_some() {
                return Err(syntax(
                    line,
                    format!(
                        "{what}: status `found` needs a [entry.chosen] table and only it has one"
                    ),
                ));
            }
            if let Some(chosen) = &entry.chosen {
                if !LATITUDES.contains(&chosen.lat) || !LONGITUDES.contains(&chosen.lon) {
                    return Err(syntax(
                        line,
                        format!(
                            "{what}: chosen point {} {} is off the globe",
                            chosen.lat, chosen.lon
                        ),
                    ));
                }
                if let Some(why) = chosen.problem() {
                    return Err(syntax(line, format!("{what}: chosen {why}")));
                }
                // The query becomes the promoted row's alias (review, session 30: `!!`
                // was appended, which `check` then refused).
                if crate::names::normalize::NameKey::nothing_to_match(&entry.query) {
                    return Err(syntax(
                        line,
                        format!(
                            "{what}: the query {}",
                            crate::names::normalize::NOTHING_TO_MATCH
                        ),
                    ));
                }
                let within = within
                    .as_deref_mut()
                    .map(|w| w as &mut dyn super::Containment);
                if let Some(why) = chosen.placed_problem(&entry.countries, within) {
                    return Err(syntax(line, format!("{what}: chosen {why}")));
                }
            }
            // Every spelling read so far, not only the one its key's slot holds: after
            // `Qizilqala` and a later `qizilqala`, a second `Qizilqala` is still a duplicate.
            if !spellings.insert((entry.query.clone(), entry.countries.clone())) {
                return Err(syntax(line, format!("{what} appears twice")));
            }
            match cache.entries.entry(entry.key()) {
                std::collections::btree_map::Entry::Vacant(slot) => {
                    slot.insert(entry);
                }
                // Spellings an older drillmap kept apart (`Qizilqala`, `qizilqala`): one
                // question, the later answer kept; the next save writes it alone.
                std::collections::btree_map::Entry::Occupied(mut slot) => {
                    if entry.retrieved_at > slot.get().retrieved_at {
                        slot.insert(entry);
                    }
                }
            }
        }
        Ok(cache)
    }

    /// The cached answer for `query` within `countries` (any order or case).
    pub fn get<S: AsRef<str>>(&self, query: &str, countries: &[S]) -> Option<&CacheEntry> {
        self.entries.get(&key(query, countries))
    }

    /// Whether `query` must be asked online: it is not cached, or `refresh` is set and the
    /// entry is expired or found (a chosen result is re-checked on refresh).
    pub fn needs_lookup<S: AsRef<str>>(
        &self,
        query: &str,
        countries: &[S],
        refresh: bool,
        now: SystemTime,
    ) -> bool {
        match self.get(query, countries) {
            None => true,
            Some(entry) => {
                refresh && (entry.status == Status::Found || self.is_expired(entry, now))
            }
        }
    }

    /// Whether `entry` is older than `expires_after_days` at `now`.
    pub fn is_expired(&self, entry: &CacheEntry, now: SystemTime) -> bool {
        let Some(at) = parse_timestamp(&entry.retrieved_at) else {
            return true;
        };
        let ttl = Duration::from_secs(u64::from(self.expires_after_days) * 86_400);
        now.duration_since(at).is_ok_and(|age| age > ttl)
    }

    /// Add or replace an entry (its countries are normalised).
    pub fn insert(&mut self, mut entry: CacheEntry) {
        entry.countries = normalise_countries(&entry.countries);
        self.entries.insert(entry.key(), entry);
    }

    /// Every entry, sorted by (query, countries).
    pub fn entries(&self) -> impl Iterator<Item = &CacheEntry> {
        self.entries.values()
    }

    /// The entries with a chosen result: the places resolved only online, which `check`
    /// lists so an analyst can promote them into the hand-kept table.
    pub fn found(&self) -> impl Iterator<Item = &CacheEntry> {
        self.entries().filter(|e| e.status == Status::Found)
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The file's text: a comment header, then the entries sorted by key.
    pub fn to_toml(&self) -> Result<String> {
        let file: CacheFile<&CacheEntry> = CacheFile {
            version: CACHE_VERSION,
            expires_after_days: self.expires_after_days,
            entry: self.entries.values().collect(),
        };
        let body = toml::to_string(&file).map_err(|e| Error::Syntax {
            path: CACHE_FILE_NAME.into(),
            line: None,
            message: format!("cannot serialise the geocode cache: {e}"),
        })?;
        let text = format!("{HEADER}\n{body}");
        // Never write what `load` refuses (probe 6 H1: a run wrote a 420 MB file, and one
        // with a 5 MiB line, that every later command then refused).
        use crate::read::input::{MAX_FILE, MAX_LINE};
        let refuse = |line, what: String| Error::Syntax {
            path: CACHE_FILE_NAME.into(),
            line,
            message: format!("{what}, more than the cache's reader takes: not written"),
        };
        if let Some(line) = crate::read::lines::overlong(text.as_bytes(), MAX_LINE) {
            return Err(refuse(
                Some(line),
                format!("the line would be longer than {MAX_LINE} bytes"),
            ));
        }
        if text.len() as u64 > MAX_FILE {
            return Err(refuse(
                None,
                format!(
                    "the file would be {} bytes, larger than {} MiB",
                    text.len(),
                    MAX_FILE >> 20
                ),
            ));
        }
        Ok(text)
    }

    /// Write the cache atomically, through a symlink to its target. Returns whether the
    /// file changed.
    pub fn save(&self, path: &Path) -> Result<bool> {
        // `to_toml` knows no path: its refusals name the file this one is.
        let text = self.to_toml().map_err(|e| match e {
            Error::Syntax { line, message, .. } => Error::Syntax {
                path: path.to_path_buf(),
                line,
                message,
            },
            other => other,
        })?;
        crate::fsutil::atomic::write_through(path, text.as_bytes())
    }

    /// Add `entry` and write the file at `path`, merged with what is on disk: under an
    /// advisory lock ([`LOCK_FILE_NAME`] beside it, as an output folder's lock), the file is
    /// read again, `entry` goes in, and the result is written atomically and becomes this
    /// cache. Two runs asking online at once each keep the other's answers. Every other
    /// entry is the file's: this run wrote its own earlier answers there the same way; the
    /// file is read as [`GeocodeCache::load_within`] reads it, checked by `within`.
    pub fn insert_and_save(
        &mut self,
        path: &Path,
        entry: CacheEntry,
        within: &mut dyn super::Containment,
    ) -> Result<bool> {
        // A symlinked cache is written through the link, under the lock beside its target.
        let (path, _lock) = crate::fsutil::atomic::lock_for_edit(path)?;
        let path = &path;
        // Read back as the run read it at its start, every chosen point checked (review,
        // session 31: an edit made meanwhile was taken unchecked for the rest of the run).
        let mut merged = GeocodeCache::read(path, Some(within))?;
        merged.insert(entry);
        let changed = merged.save(path)?;
        *self = merged;
        Ok(changed) // the lock is released as `_lock` closes
    }
}

/// The lock [`GeocodeCache::insert_and_save`] holds while it reads, merges and writes the
/// cache, beside it in `places/` (named by [`crate::fsutil::atomic::lock_for_edit`]).
pub const LOCK_FILE_NAME: &str = ".geocode-cache.lock";

/// Format a time as RFC 3339 UTC to the second (`2026-11-22T01:02:03Z`).
pub fn format_timestamp(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let t = i64::try_from(secs).map_or(Ok(Timestamp::MAX), Timestamp::from_second);
    t.unwrap_or(Timestamp::MAX).to_string()
}

/// Parse the RFC 3339 UTC form [`format_timestamp`] writes (a `Z` or `+00:00` suffix, no
/// fraction of a second).
pub fn parse_timestamp(s: &str) -> Option<SystemTime> {
    let utc = s.strip_suffix('Z').or_else(|| s.strip_suffix("+00:00"))?;
    // Exactly `YYYY-MM-DDTHH:MM:SS` before the offset (jiff also takes other forms).
    if utc.len() != 19 || utc.as_bytes().get(10) != Some(&b'T') {
        return None;
    }
    let t: Timestamp = s.parse().ok()?;
    let secs = u64::try_from(t.as_second()).ok()?;
    Some(UNIX_EPOCH + Duration::from_secs(secs))
}

/// Serialise [`Precision`] as its lower-case word, both ways.
mod precision_word {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::model::Precision;

    pub fn serialize<S: Serializer>(p: &Precision, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(p.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Precision, D::Error> {
        let word = String::deserialize(d)?;
        word.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample_entry(query: &str, found: bool) -> CacheEntry {
        CacheEntry {
            query: query.into(),
            countries: vec!["TJ".into()],
            provider: "nominatim".into(),
            endpoint: "http://127.0.0.1:1".into(),
            retrieved_at: "2026-11-22T01:02:03Z".into(),
            status: if found {
                Status::Found
            } else {
                Status::NotFound
            },
            chosen: found.then(|| ChosenResult {
                name: query.into(),
                display_name: format!("{query}, Khatlon Region, Tajikistan"),
                lat: 37.5,
                lon: 68.25,
                osm_type: "node".into(),
                osm_id: 123,
                place_id: 456,
                category: "place".into(),
                kind: "village".into(),
                addresstype: "village".into(),
                country_code: "TJ".into(),
                admin1: "TJ-KT".into(),
                precision: Precision::Settlement,
                uncertainty_km: 1.2,
                score: 0.9,
            }),
            candidates: vec![CandidateRecord {
                osm: "node/123".into(),
                display_name: format!("{query}, Khatlon Region, Tajikistan"),
                lat: Some(37.5),
                lon: Some(68.25),
                country_code: "TJ".into(),
                importance: Some(0.3),
                score: 0.9,
                accepted: true,
                reason: String::new(),
            }],
        }
    }

    #[test]
    fn timestamps_round_trip() {
        for secs in [0u64, 951_782_400, 1_795_741_323, 4_102_444_799] {
            let t = UNIX_EPOCH + Duration::from_secs(secs);
            let s = format_timestamp(t);
            assert_eq!(parse_timestamp(&s), Some(t), "{s}");
        }
        assert_eq!(
            format_timestamp(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00Z"
        );
        assert_eq!(parse_timestamp("2026-02-30T00:00:00Z"), None);
        assert_eq!(parse_timestamp("2026-11-22 01:02:03"), None);
        assert_eq!(parse_timestamp("2026-11-22T01:02:03+01:00"), None);
        assert_eq!(parse_timestamp("2026-11-22T01:02:03.5Z"), None);
        assert_eq!(parse_timestamp("2026-11-22T24:00:00Z"), None);
        assert_eq!(parse_timestamp("2026-11-22 01:02:03Z"), None);
        assert_eq!(parse_timestamp("2026-11-22T01:02Z"), None);
        assert_eq!(
            parse_timestamp("2026-11-22T01:02:03+00:00"),
            parse_timestamp("2026-11-22T01:02:03Z")
        );
    }

    #[test]
    fn round_trips_sorted_and_stable() {
        let mut cache = GeocodeCache::new();
        cache.insert(sample_entry("Zeta", true));
        cache.insert(sample_entry("Alpha", false));
        let text = cache.to_toml().unwrap();
        assert!(text.find("Alpha").unwrap() < text.find("Zeta").unwrap());
        let back = GeocodeCache::parse(&text, Path::new("c.toml")).unwrap();
        assert_eq!(back, cache);
        assert_eq!(back.to_toml().unwrap(), text);
        assert!(text.contains("[entry.chosen]"), "{text}");
        assert!(text.contains("precision = \"settlement\""), "{text}");
        assert_eq!(back.found().count(), 1);
        let p = back.get("Zeta", &["TJ"]).unwrap().provenance().unwrap();
        assert_eq!(
            (p.service.as_str(), p.id.as_str(), p.retrieved.as_str()),
            ("nominatim", "osm:node/123", "2026-11-22")
        );
        assert!(back.get("Alpha", &["TJ"]).unwrap().provenance().is_none());
    }

    #[test]
    fn get_ignores_country_order_and_case() {
        let mut cache = GeocodeCache::new();
        let mut e = sample_entry("Kharbmaidon", true);
        e.countries = vec!["tj".into(), "UZ".into()];
        cache.insert(e);
        assert!(cache.get("Kharbmaidon", &["UZ", "TJ"]).is_some());
        assert!(cache.get("Kharbmaidon", &["TJ"]).is_none());
    }

    #[test]
    fn refresh_re_asks_found_and_expired_only() {
        let mut cache = GeocodeCache::new();
        cache.insert(sample_entry("Found", true));
        cache.insert(sample_entry("Missing", false));
        let soon = parse_timestamp("2026-12-01T00:00:00Z").unwrap();
        let late = parse_timestamp("2027-12-01T00:00:00Z").unwrap();
        assert!(!cache.needs_lookup("Found", &["TJ"], false, late));
        assert!(cache.needs_lookup("Found", &["TJ"], true, soon));
        assert!(!cache.needs_lookup("Missing", &["TJ"], true, soon));
        assert!(cache.needs_lookup("Missing", &["TJ"], true, late));
        assert!(cache.needs_lookup("Other", &["TJ"], false, soon));
    }

    #[test]
    fn malformed_files_are_errors_with_a_line() {
        let err = GeocodeCache::parse("version = 1\n[[entry]\n", Path::new("c.toml")).unwrap_err();
        assert!(err.to_string().starts_with("c.toml:2:"), "{err}");
        let err = GeocodeCache::parse("version = 9\n", Path::new("c.toml")).unwrap_err();
        assert!(err.to_string().contains("version 9"), "{err}");
        let mut cache = GeocodeCache::new();
        cache.insert(sample_entry("A", true));
        let text = cache
            .to_toml()
            .unwrap()
            .replace("status = \"found\"", "status = \"not_found\"");
        let err = GeocodeCache::parse(&text, Path::new("c.toml")).unwrap_err();
        assert!(err.to_string().contains("\"A\""), "{err}");
    }

    /// Probe finding 9: hand-edited values out of range flowed into the layers ("±-3 km")
    /// or made `geocode` answer "unresolved" with no message.
    #[test]
    fn chosen_values_out_of_range_are_errors_naming_them() {
        type Edit = fn(&mut ChosenResult);
        let edits: [(Edit, &str); 5] = [
            (|c| c.uncertainty_km = -3.0, "uncertainty_km -3"),
            (|c| c.uncertainty_km = 0.0, "uncertainty_km 0"),
            (|c| c.score = 7.0, "score 7"),
            (|c| c.country_code = "tj".into(), "country_code \"tj\""),
            (
                |c| c.name = "A\nB".into(),
                "must not contain control characters",
            ),
        ];
        for (edit, says) in edits {
            let mut entry = sample_entry("A", true);
            edit(entry.chosen.as_mut().unwrap());
            let mut cache = GeocodeCache::new();
            cache.insert(entry);
            let text = cache.to_toml().unwrap();
            let err = GeocodeCache::parse(&text, Path::new("c.toml"))
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with("c.toml") && err.contains("\"A\"") && err.contains(says),
                "{says}: {err}"
            );
        }
        let mut cache = GeocodeCache::new();
        cache.insert(sample_entry("A", true));
        assert!(GeocodeCache::parse(&cache.to_toml().unwrap(), Path::new("c.toml")).is_ok());
    }

    /// A bad entry was reported as `c.toml: entry "B" ["TJ"]: ...`, with no line: in a file
    /// of hundreds of entries the line of its `[[entry]]` is what finds it.
    #[test]
    fn a_bad_entry_is_reported_at_its_line() {
        let mut cache = GeocodeCache::new();
        cache.insert(sample_entry("A", true));
        let mut bad = sample_entry("B", true);
        if let Some(c) = bad.chosen.as_mut() {
            c.score = 7.0;
        }
        cache.insert(bad);
        let text = cache.to_toml().unwrap();
        let line = text
            .lines()
            .enumerate()
            .filter(|(_, l)| *l == "[[entry]]")
            .map(|(i, _)| i + 1)
            .nth(1)
            .unwrap();
        let err = GeocodeCache::parse(&text, Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(&format!("c.toml:{line}: entry \"B\"")) && err.contains("score 7"),
            "{err}"
        );
        // A point off the globe too (probe, session 31: `lat = nan` or 95 had no line).
        let first = text.lines().position(|l| l == "[[entry]]").unwrap() + 1;
        let lat = text.lines().find(|l| l.starts_with("lat = ")).unwrap();
        for off in ["lat = nan", "lat = 95.0"] {
            let text = text.replacen(lat, off, 1);
            let err = GeocodeCache::parse(&text, Path::new("c.toml"))
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with(&format!("c.toml:{first}: entry \"A\""))
                    && err.contains("off the globe"),
                "{off}: {err}"
            );
        }
    }

    /// Probe finding 8: two runs asking online at once each rewrote the whole file from
    /// what they had read at their start, losing the other's answers.
    #[test]
    fn an_answer_is_saved_merged_with_what_another_run_wrote_meanwhile() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("places").join(CACHE_FILE_NAME);
        let mut ours = GeocodeCache::load(&path).unwrap();
        let mut theirs = GeocodeCache::load(&path).unwrap();
        let anywhere = &mut super::super::nominatim::tests::Anywhere;
        ours.insert_and_save(&path, sample_entry("gamma1", true), anywhere)
            .unwrap();
        theirs
            .insert_and_save(&path, sample_entry("delta1", false), anywhere)
            .unwrap();
        ours.insert_and_save(&path, sample_entry("gamma2", true), anywhere)
            .unwrap();
        let on_disk = GeocodeCache::load(&path).unwrap();
        let queries: Vec<&str> = on_disk.entries().map(|e| e.query.as_str()).collect();
        assert_eq!(queries, ["delta1", "gamma1", "gamma2"]);
        assert_eq!(ours, on_disk, "the run sees the merged cache");
        assert!(path.with_file_name(LOCK_FILE_NAME).exists());
    }

    /// Review (session 31): the cache was read back for each answer saved without the
    /// containment check the run's first read made, so a chosen point moved out of its
    /// country meanwhile was taken for the rest of the run. It is read as at the start.
    #[test]
    fn the_cache_read_back_to_save_an_answer_is_checked_as_at_the_start() {
        struct Nowhere;
        impl super::super::Containment for Nowhere {
            fn outside(&mut self, _: f64, _: f64, alpha2: &str) -> Option<String> {
                Some(format!("point lies outside {alpha2}"))
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CACHE_FILE_NAME);
        let mut cache = GeocodeCache::load(&path).unwrap();
        let anywhere = &mut super::super::nominatim::tests::Anywhere;
        cache
            .insert_and_save(&path, sample_entry("gamma1", true), anywhere)
            .unwrap();
        let before = std::fs::read(&path).unwrap();
        let err = cache
            .insert_and_save(&path, sample_entry("delta1", false), &mut Nowhere)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("\"gamma1\"") && err.contains("point lies outside"),
            "{err}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), before);
    }

    /// Review LOW: duplicates were judged against the one spelling a key's slot held, so
    /// `Qizilqala`, a later `qizilqala` (which took the slot) and `Qizilqala` again loaded
    /// without a word. Case variants of an older file still load (the later one kept);
    /// a spelling written twice is refused, wherever its twin stands.
    #[test]
    fn a_spelling_written_twice_is_refused_after_a_case_variant_of_it() {
        let entry = |query: &str, at: &str| {
            let mut cache = GeocodeCache::new();
            let mut e = sample_entry(query, true);
            e.retrieved_at = at.into();
            cache.insert(e);
            let text = cache.to_toml().unwrap();
            text[text.find("[[entry]]").unwrap()..].to_owned()
        };
        let head = {
            let mut cache = GeocodeCache::new();
            cache.insert(sample_entry("head", true));
            let text = cache.to_toml().unwrap();
            text[..text.find("[[entry]]").unwrap()].to_owned()
        };
        let (early, late) = ("2026-11-22T01:02:03Z", "2026-11-23T01:02:03Z");
        let variants = format!(
            "{head}\n{}\n{}",
            entry("Qizilqala", early),
            entry("qizilqala", late)
        );
        let cache = GeocodeCache::parse(&variants, Path::new("c.toml")).unwrap();
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.get("QIZILQALA", &["TJ"]).unwrap().query, "qizilqala");
        for (first, second, third) in [
            (
                ("Qizilqala", early),
                ("qizilqala", late),
                ("Qizilqala", early),
            ),
            (
                ("Qizilqala", late),
                ("qizilqala", early),
                ("qizilqala", early),
            ),
        ] {
            let text = format!(
                "{head}\n{}\n{}\n{}",
                entry(first.0, first.1),
                entry(second.0, second.1),
                entry(third.0, third.1)
            );
            let err = GeocodeCache::parse(&text, Path::new("c.toml"))
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with("c.toml")
                    && err.contains(&format!("{:?}", third.0))
                    && err.ends_with("appears twice"),
                "{err}"
            );
        }
    }

    #[test]
    fn missing_file_is_empty_and_save_is_atomic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("places").join(CACHE_FILE_NAME);
        let mut cache = GeocodeCache::load(&path).unwrap();
        assert!(cache.is_empty());
        cache.insert(sample_entry("A", true));
        assert!(cache.save(&path).unwrap());
        assert!(!cache.save(&path).unwrap());
        assert_eq!(GeocodeCache::load(&path).unwrap(), cache);
    }
}
