//! The local geocoder: names to gazetteer rows, with a score and the other candidates.
//!
//! Every name and alias of every place is filed under its exact and its loose key
//! ([`super::normalize`]). A query is looked up under both; an exact-key match scores 1.0
//! and a loose-key match 0.9. When the query carries generic words ("training ground",
//! "air base"), places of other kinds drop to 0.8 of their score; when it carries none but
//! the name it matched does ("Termez" against "Termez training ground"), the match drops to
//! 0.9 of its score, so a bare name means the place that bears it bare (the city). Filters
//! (country, kinds, bounding box) remove candidates outright.
//!
//! A name that matches no key at all goes to the **fuzzy** stage: loose keys within an edit
//! distance of 2 (optimal string alignment: a transposition counts once) score
//! `0.9 × (1 − distance / length)`, so a typo in a long name ("Kharbmaiden") still resolves
//! while short names need to be nearly right.
//!
//! The outcome is never a silent guess: one best candidate ahead of the next by more than
//! [`AMBIGUITY_MARGIN`] is `resolved`; two within the margin are `ambiguous`; nothing at or
//! above [`MIN_SCORE`] is `unresolved`.

use std::collections::HashMap;

use serde::Serialize;

use super::normalize::NameKey;
use crate::model::{Place, PlaceKind};

/// Score of a match on the exact key.
pub const EXACT: f64 = 1.0;
/// Score of a match on the loose key only.
pub const LOOSE: f64 = 0.9;
/// Factor for a candidate whose kind the query's generic words do not ask for.
pub const KIND_MISMATCH: f64 = 0.8;
/// Factor for a match on a name with generic words the query does not have.
pub const GENERIC_NAME: f64 = 0.9;
/// Two candidates closer than this are ambiguous.
pub const AMBIGUITY_MARGIN: f64 = 0.05;
/// Below this a candidate is not an answer.
pub const MIN_SCORE: f64 = 0.7;

/// How a query matched a place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchKind {
    /// On the exact key.
    Exact,
    /// On the loose key.
    Loose,
    /// Within a small edit distance of a loose key (a typo or near-miss).
    Fuzzy,
    /// Not from the gazetteer: a cached online geocoder answer.
    Online,
}

impl MatchKind {
    /// The lower-case word used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKind::Exact => "exact",
            MatchKind::Loose => "loose",
            MatchKind::Fuzzy => "fuzzy",
            MatchKind::Online => "online",
        }
    }
}

/// One place a query may mean.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate<'g> {
    /// The place.
    pub place: &'g Place,
    /// Score in [0, 1].
    pub score: f64,
    /// The name or alias that matched.
    pub matched: &'g str,
    /// Exact, loose or fuzzy.
    pub how: MatchKind,
    /// The table the place is from (`gazetteer`, `geonames`).
    pub table: &'static str,
}

/// Outcome of one query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// One best place.
    Resolved,
    /// Two or more places equally good.
    Ambiguous,
    /// No place.
    Unresolved,
}

/// The answer to one query: status and candidates, best first.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolution<'g> {
    /// Resolved, ambiguous or unresolved.
    pub status: Status,
    /// Candidates at or above [`MIN_SCORE`], best first (ties by place id).
    pub candidates: Vec<Candidate<'g>>,
}

impl<'g> Resolution<'g> {
    /// Rank candidates (best first, ties by place id), drop those below [`MIN_SCORE`], and
    /// decide the status.
    pub fn from_candidates(mut candidates: Vec<Candidate<'g>>) -> Resolution<'g> {
        candidates.retain(|c| c.score >= MIN_SCORE);
        candidates.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.place.id.cmp(&b.place.id))
        });
        let status = match candidates.as_slice() {
            [] => Status::Unresolved,
            [a, b, ..] if a.score - b.score < AMBIGUITY_MARGIN => Status::Ambiguous,
            _ => Status::Resolved,
        };
        Resolution { status, candidates }
    }

    /// The chosen candidate, when resolved.
    pub fn best(&self) -> Option<&Candidate<'g>> {
        match self.status {
            Status::Resolved => self.candidates.first(),
            _ => None,
        }
    }
}

/// Restrictions on what a query may return.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    /// Only places in these countries (ISO alpha-2); empty means any.
    pub countries: Vec<String>,
    /// Only places of these kinds; empty means any.
    pub kinds: Vec<PlaceKind>,
    /// Only places inside `[west, south, east, north]`.
    pub bbox: Option<[f64; 4]>,
}

impl Filter {
    /// Only places in `country` (an empty string means any).
    pub fn country(country: &str) -> Filter {
        Filter {
            countries: if country.is_empty() {
                Vec::new()
            } else {
                vec![country.to_owned()]
            },
            ..Filter::default()
        }
    }

    fn accepts(&self, p: &Place) -> bool {
        self.accepts_parts(&p.country, p.kind, p.lon, p.lat)
    }

    /// [`Filter`]'s test on a place's country, kind and point (for the on-disk index, which
    /// filters before it makes a [`Place`]).
    pub(crate) fn accepts_parts(&self, country: &str, kind: PlaceKind, lon: f64, lat: f64) -> bool {
        (self.countries.is_empty() || self.countries.iter().any(|c| c == country))
            && (self.kinds.is_empty() || self.kinds.contains(&kind))
            && self
                .bbox
                .is_none_or(|[w, s, e, n]| lon >= w && lon <= e && lat >= s && lat <= n)
    }
}

/// Factor for a match on an alternate name in a table whose main names come first
/// (GeoNames: "Samarkand" is the city's name and only a former name of Temirtau).
pub const ALTERNATE_NAME: f64 = 0.9;

/// Largest edit distance the fuzzy stage considers.
pub const MAX_EDITS: usize = 2;

/// A table of places, indexed for lookup.
#[derive(Debug, Clone)]
pub struct Gazetteer {
    /// Which table this is (`gazetteer`, `geonames`), for provenance.
    table: &'static str,
    /// Factor for matches on alternate names (1.0 where every alias is as good as the name).
    alternate_factor: f64,
    places: Vec<Place>,
    exact: HashMap<String, Vec<Entry>>,
    loose: HashMap<String, Vec<Entry>>,
    /// Every loose key with its length in chars, sorted by length, for the fuzzy stage.
    by_length: Vec<(usize, String)>,
}

/// One name of one place, as filed under a key.
#[derive(Debug, Clone, Copy)]
struct Entry {
    place: usize,
    name: usize,
    /// Whether the name had generic words ("… training ground").
    generic: bool,
}

impl Gazetteer {
    /// Index `places` (rows of the hand-kept table, where every alias is as good a spelling
    /// as the name).
    pub fn new(places: Vec<Place>) -> Gazetteer {
        Gazetteer::named("gazetteer", 1.0, places)
    }

    /// Index `places` as the table called `table`, with matches on alternate names scored
    /// `alternate_factor` of a match on the main name.
    pub fn named(table: &'static str, alternate_factor: f64, places: Vec<Place>) -> Gazetteer {
        let mut exact: HashMap<String, Vec<Entry>> = HashMap::new();
        let mut loose: HashMap<String, Vec<Entry>> = HashMap::new();
        for (pi, place) in places.iter().enumerate() {
            for (ni, name) in place.names().enumerate() {
                let key = NameKey::new(name);
                let entry = Entry {
                    place: pi,
                    name: ni,
                    generic: key.hint.is_some(),
                };
                exact.entry(key.exact).or_default().push(entry);
                loose.entry(key.loose).or_default().push(entry);
            }
        }
        let mut by_length: Vec<(usize, String)> = loose
            .keys()
            .map(|k| (k.chars().count(), k.clone()))
            .collect();
        by_length.sort_unstable();
        Gazetteer {
            table,
            alternate_factor,
            places,
            exact,
            loose,
            by_length,
        }
    }

    /// The table's name (`gazetteer`, `geonames`).
    pub fn table(&self) -> &'static str {
        self.table
    }

    /// Every place, in table order.
    pub fn places(&self) -> &[Place] {
        &self.places
    }

    /// The place with this id.
    pub fn get(&self, id: &str) -> Option<&Place> {
        self.places.iter().find(|p| p.id == id)
    }

    /// Look `query` up: exact and loose keys, then, if nothing matched, the fuzzy stage.
    pub fn lookup(&self, query: &str, filter: &Filter) -> Resolution<'_> {
        let r = self.lookup_keys(query, filter);
        if r.status == Status::Unresolved {
            return self.lookup_fuzzy(query, filter);
        }
        r
    }

    /// Look `query` up on the exact and loose keys only.
    pub fn lookup_keys(&self, query: &str, filter: &Filter) -> Resolution<'_> {
        let key = NameKey::new(query);
        let mut best: HashMap<usize, Candidate<'_>> = HashMap::new();
        let hits = [
            (&self.exact, &key.exact, MatchKind::Exact, EXACT),
            (&self.loose, &key.loose, MatchKind::Loose, LOOSE),
        ];
        for (index, k, how, base) in hits {
            for entry in index.get(k.as_str()).into_iter().flatten() {
                self.consider(&key, filter, *entry, how, base, &mut best);
            }
        }
        Resolution::from_candidates(best.into_values().collect())
    }

    /// Look `query` up in the fuzzy stage only.
    pub fn lookup_fuzzy(&self, query: &str, filter: &Filter) -> Resolution<'_> {
        let key = NameKey::new(query);
        let mut best: HashMap<usize, Candidate<'_>> = HashMap::new();
        self.fuzzy(&key, filter, &mut best);
        Resolution::from_candidates(best.into_values().collect())
    }

    /// Score one indexed name against the query and keep it if it beats what the place has.
    fn consider<'g>(
        &'g self,
        key: &NameKey,
        filter: &Filter,
        entry: Entry,
        how: MatchKind,
        base: f64,
        best: &mut HashMap<usize, Candidate<'g>>,
    ) {
        let place = &self.places[entry.place];
        if !filter.accepts(place) {
            return;
        }
        let mut score = if entry.name > 0 {
            base * self.alternate_factor
        } else {
            base
        };
        match key.hint {
            Some(h) if !h.accepts(place.kind) => score *= KIND_MISMATCH,
            None if entry.generic => score *= GENERIC_NAME,
            _ => {}
        }
        let matched = place.names().nth(entry.name).unwrap_or(&place.name);
        match best.get(&entry.place) {
            Some(old) if old.score >= score => {}
            _ => {
                let table = self.table;
                best.insert(
                    entry.place,
                    Candidate {
                        place,
                        score,
                        matched,
                        how,
                        table,
                    },
                );
            }
        }
    }

    /// Loose keys within [`MAX_EDITS`] of the query's.
    fn fuzzy<'g>(
        &'g self,
        key: &NameKey,
        filter: &Filter,
        best: &mut HashMap<usize, Candidate<'g>>,
    ) {
        let q: Vec<char> = key.loose.chars().collect();
        // Short keys are too easily a few edits from something else.
        if q.len() < 4 {
            return;
        }
        let lo = self
            .by_length
            .partition_point(|(n, _)| *n + MAX_EDITS < q.len());
        let mut buf = Vec::new();
        for (n, k) in &self.by_length[lo..] {
            if *n > q.len() + MAX_EDITS {
                break;
            }
            buf.clear();
            buf.extend(k.chars());
            let Some(d) = osa_distance(&q, &buf, MAX_EDITS) else {
                continue;
            };
            let len = q.len().max(buf.len()) as f64;
            let base = LOOSE * (1.0 - d as f64 / len);
            for entry in self.loose.get(k).into_iter().flatten() {
                self.consider(key, filter, *entry, MatchKind::Fuzzy, base, best);
            }
        }
    }
}

/// Optimal string alignment distance between `a` and `b` (insertions, deletions,
/// substitutions and adjacent transpositions, each 1), or `None` when it exceeds `max`.
pub fn osa_distance(a: &[char], b: &[char], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let w = b.len() + 1;
    let mut prev2 = vec![0usize; w];
    let mut prev: Vec<usize> = (0..w).collect();
    let mut cur = vec![0usize; w];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..w {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[w - 1];
    (d <= max).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Precision;

    fn place(id: &str, name: &str, kind: PlaceKind, country: &str, aliases: &[&str]) -> Place {
        Place {
            id: id.into(),
            name: name.into(),
            kind,
            country: country.into(),
            admin1: String::new(),
            lat: 37.2,
            lon: 67.3,
            precision: Precision::Settlement,
            uncertainty_km: 5.0,
            point_note: String::new(),
            aliases: aliases.iter().map(|s| s.to_string()).collect(),
            source: "test".into(),
            line: 2,
        }
    }

    fn gazetteer() -> Gazetteer {
        Gazetteer::new(vec![
            place(
                "termez",
                "Termez",
                PlaceKind::Settlement,
                "UZ",
                &["Termiz", "Термез"],
            ),
            place(
                "termez-tg",
                "Termez training ground",
                PlaceKind::TrainingGround,
                "UZ",
                &["Termiz training ground"],
            ),
            place(
                "kharbmaidon",
                "Kharbmaidon training ground",
                PlaceKind::TrainingGround,
                "TJ",
                &["Harb-Maidon"],
            ),
            place("ayni-tj", "Ayni air base", PlaceKind::Airfield, "TJ", &[]),
            place("ayni-village", "Ayni", PlaceKind::Settlement, "TJ", &[]),
        ])
    }

    #[test]
    fn spellings_resolve_to_their_row() {
        let g = gazetteer();
        for q in [
            "Kharbmaidon",
            "Харбмайдон",
            "Kharb-Maydon training ground",
            "HARBMAIDON",
        ] {
            let r = g.lookup(q, &Filter::default());
            assert_eq!(r.status, Status::Resolved, "{q}");
            assert_eq!(
                r.best().map(|c| c.place.id.as_str()),
                Some("kharbmaidon"),
                "{q}"
            );
        }
        let r = g.lookup("Харбмайдон", &Filter::default());
        assert_eq!(r.candidates[0].how, MatchKind::Loose);
        assert_eq!(r.candidates[0].score, LOOSE);
    }

    #[test]
    fn a_name_two_places_share_is_ambiguous_until_a_hint_decides() {
        let g = gazetteer();
        // A bare name means the place that bears it bare.
        let r = g.lookup("Termez", &Filter::default());
        assert_eq!(r.best().map(|c| c.place.id.as_str()), Some("termez"));
        assert_eq!(r.candidates[1].score, EXACT * GENERIC_NAME);
        // Two places sharing a bare name are ambiguous.
        let g2 = Gazetteer::new(vec![
            place("ayni-tj", "Ayni", PlaceKind::Settlement, "TJ", &[]),
            place("ayni-tj-2", "Ayni", PlaceKind::Settlement, "TJ", &["Айни"]),
        ]);
        let r = g2.lookup("Ayni", &Filter::default());
        assert_eq!(r.status, Status::Ambiguous);
        assert!(r.best().is_none());
        let ids: Vec<_> = r.candidates.iter().map(|c| c.place.id.as_str()).collect();
        assert_eq!(ids, ["ayni-tj", "ayni-tj-2"]);

        let r = g.lookup("Termez training ground", &Filter::default());
        assert_eq!(r.best().map(|c| c.place.id.as_str()), Some("termez-tg"));
        assert_eq!(r.candidates[1].score, EXACT * KIND_MISMATCH);

        let kinds = Filter {
            kinds: vec![PlaceKind::Settlement],
            ..Filter::default()
        };
        assert_eq!(
            g.lookup("Termiz", &kinds)
                .best()
                .map(|c| c.place.id.as_str()),
            Some("termez")
        );
        let r = g.lookup("Ayni airfield", &Filter::default());
        assert_eq!(r.best().map(|c| c.place.id.as_str()), Some("ayni-tj"));
    }

    #[test]
    fn typos_resolve_fuzzily_with_a_lower_score() {
        let g = gazetteer();
        for (q, id) in [
            ("Kharbmaiden", "kharbmaidon"),
            ("Harbmadion", "kharbmaidon"),
            ("Termes", "termez"),
        ] {
            let r = g.lookup(q, &Filter::default());
            let best = r.best().unwrap_or_else(|| panic!("{q}: {r:?}"));
            assert_eq!(
                (best.place.id.as_str(), best.how),
                (id, MatchKind::Fuzzy),
                "{q}"
            );
            assert!(
                best.score < LOOSE && best.score >= MIN_SCORE,
                "{q}: {}",
                best.score
            );
        }
        // Too far, or too short to guess.
        assert_eq!(
            g.lookup("Kharkov", &Filter::default()).status,
            Status::Unresolved
        );
        assert_eq!(
            g.lookup("Ayn", &Filter::default()).status,
            Status::Unresolved
        );
    }

    #[test]
    fn osa_distance_counts_transpositions_once_and_stops_early() {
        let d = |a: &str, b: &str| {
            osa_distance(
                &a.chars().collect::<Vec<_>>(),
                &b.chars().collect::<Vec<_>>(),
                2,
            )
        };
        assert_eq!(d("termez", "termez"), Some(0));
        assert_eq!(d("termez", "termes"), Some(1));
        assert_eq!(d("harbmaidon", "harbmadion"), Some(1));
        assert_eq!(d("abc", "cab"), Some(2));
        assert_eq!(d("kharkov", "harbmaidon"), None);
        assert_eq!(d("", "ab"), Some(2));
    }

    proptest::proptest! {
        #[test]
        fn osa_distance_is_symmetric_and_bounded(a in "[a-e]{0,8}", b in "[a-e]{0,8}") {
            let (x, y): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
            let ab = osa_distance(&x, &y, 2);
            proptest::prop_assert_eq!(ab, osa_distance(&y, &x, 2));
            if let Some(d) = ab {
                proptest::prop_assert!(d <= 2 && d >= x.len().abs_diff(y.len()));
                proptest::prop_assert_eq!(d == 0, a == b);
            }
        }
    }

    #[test]
    fn filters_remove_candidates() {
        let g = gazetteer();
        assert_eq!(
            g.lookup("Termez", &Filter::country("TJ")).status,
            Status::Unresolved
        );
        let bbox = Filter {
            bbox: Some([0.0, 0.0, 10.0, 10.0]),
            ..Filter::default()
        };
        assert_eq!(g.lookup("Kharbmaidon", &bbox).status, Status::Unresolved);
        assert_eq!(
            g.lookup("Atlantis", &Filter::default()).status,
            Status::Unresolved
        );
        assert_eq!(g.lookup("", &Filter::default()).status, Status::Unresolved);
    }
}
