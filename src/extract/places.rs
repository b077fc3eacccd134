//! Places: every name or alias of the local tables found in the text, with one automaton.
//!
//! The patterns are the geocoder's own loose keys ([`NameKey`]) of every name and alias of
//! the gazetteer and of GeoNames, in one [`AhoCorasick`] automaton. The text is searched as
//! the loose keys of its words run together (so "Harb-Maidon", "Kharbmaidon" and
//! "Харбмайдон" all meet the key `harbmaidon`), with a break wherever a comma, a full stop or
//! a line separates two words; a hit counts only when it starts and ends on word boundaries
//! and its first word is capitalised. Each hit is widened over the generic words around it
//! ("… training ground", "полигон …") and then looked up by the geocoder itself, which
//! decides: resolved, ambiguous (kept so, unless the countries the article names narrow it to
//! one) or, for a typo, fuzzy. A capitalised Cyrillic word no key meets whole is tried
//! without its case ending ("под Термезом", "близ Термеза": `termez`), and looked up by that
//! stem. Capitalised names before a generic word that no table knows
//! ("the Momirak training ground") are proposed as unresolved places with their quote. A
//! country named right after a place, "in" or "в" between ("Druzhba in Kazakhstan", "полигон
//! Зарница в Казахстане"), is that place's: the name is looked up within it, and a place no
//! table knows there (even one whose name the tables know elsewhere) is an unknown place in
//! it.

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;

use aho_corasick::{AhoCorasick, MatchKind as AcMatchKind};
use serde::Serialize;

use super::text::Text;
use crate::date::Day;
use crate::names::countries::CountryMention;
use crate::names::text::{russian_stems, MIN_KEY};
use crate::resolve::normalize::{KindHint, NameKey};
use crate::resolve::{Filter, Gazetteer, Geocoder, Status};

/// Confidence of a capitalised name before a generic word that no table knows.
pub const UNRESOLVED_CONFIDENCE: f64 = 0.3;

/// The automaton over every key of the local tables.
#[derive(Debug, Clone)]
pub struct PlaceFinder {
    automaton: AhoCorasick,
    keys: usize,
}

/// Most distinct names kept in a [`Lookups`] cache before it starts again.
const MAX_CACHED_LOOKUPS: usize = 100_000;

/// The geocoder's answers for names already looked up (by the words and the countries
/// asked for), kept across articles: the geocoder is deterministic for given tables, and a
/// news corpus names the same places again and again, so each distinct name is looked up
/// once per run instead of once per mention. An answer among whose candidates a place has
/// validity dates is kept per date asked for (the date can change it); any other answer
/// holds on every date.
#[derive(Debug, Default)]
pub struct Lookups(HashMap<(String, Vec<String>, bool), Answer>);

/// The geocoder's answer for one name, on any date or per date.
#[derive(Debug)]
enum Answer {
    /// No candidate has validity dates: the answer is the same on every date.
    Always(Looked),
    /// Per date asked for.
    ByDate(HashMap<Option<Day>, Looked>),
}

/// One answer of the geocoder, as written out.
#[derive(Debug, Clone)]
struct Looked {
    status: Status,
    candidates: Vec<PlaceCandidate>,
}

impl Lookups {
    /// The geocoder's answer for `reported` within `filter` (with its fuzzy stage, or on the
    /// exact and loose keys only), from the cache when asked before.
    fn get(
        &mut self,
        geocoder: &Geocoder<'_>,
        reported: &str,
        filter: &Filter,
        fuzzy: bool,
    ) -> Looked {
        let key = (reported.to_owned(), filter.countries.clone(), fuzzy);
        match self.0.get(&key) {
            Some(Answer::Always(l)) => return l.clone(),
            Some(Answer::ByDate(by_date)) => {
                if let Some(l) = by_date.get(&filter.date) {
                    return l.clone();
                }
            }
            None => {}
        }
        if self.0.len() >= MAX_CACHED_LOOKUPS {
            self.0.clear();
        }
        let r = if fuzzy {
            geocoder.lookup(reported, filter)
        } else {
            geocoder.lookup_keys(reported, filter)
        };
        // The date only ranks candidates with validity dates (the geocoder's
        // `date_factor`): without one among them, the answer holds on every date.
        let dated = r.candidates.iter().any(|c| c.place.valid.is_bounded());
        let looked = Looked {
            status: r.status,
            candidates: r.candidates.iter().map(candidate).collect(),
        };
        if dated {
            let answer = self
                .0
                .entry(key)
                .or_insert_with(|| Answer::ByDate(HashMap::new()));
            if let Answer::ByDate(by_date) = answer {
                by_date.insert(filter.date, looked.clone());
            }
        } else {
            self.0.insert(key, Answer::Always(looked.clone()));
        }
        looked
    }
}

/// One candidate of a place mention, as written out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlaceCandidate {
    /// The place id (gazetteer slug or `geonames:ID`).
    pub id: String,
    /// Its preferred name.
    pub name: String,
    /// Its kind.
    pub kind: String,
    /// Its country (ISO alpha-2).
    pub country: String,
    /// The geocoder's score.
    pub score: f64,
    /// The table it is from (`gazetteer`, `geonames`).
    pub table: String,
}

/// A place named in the text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlaceMention {
    /// Token indices of the name, generic words included.
    #[serde(skip)]
    pub tokens: Range<usize>,
    /// The words as the article wrote them.
    pub reported: String,
    /// Where they are in the article.
    #[serde(flatten)]
    pub at: super::Position,
    /// The sentence the name is in.
    #[serde(skip)]
    pub sentence: usize,
    /// Resolved, ambiguous or unresolved.
    pub status: Status,
    /// Candidates, best first (one when resolved, none when unresolved).
    pub candidates: Vec<PlaceCandidate>,
    /// Whether the countries the article names chose among ambiguous candidates, or the
    /// country named right after the place chose among its candidates.
    pub narrowed: bool,
    /// The country the article names right after the place ("the Zarnitsa training ground
    /// in Kazakhstan"), when it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub named_country: Option<String>,
    /// Where the article names that country, with its preposition ("in Kazakhstan").
    #[serde(skip)]
    pub named_country_at: Option<super::Position>,
    /// How sure the finding is, in [0, 1].
    pub confidence: f64,
}

impl PlaceMention {
    /// The chosen place, when resolved.
    pub fn best(&self) -> Option<&PlaceCandidate> {
        match self.status {
            Status::Resolved => self.candidates.first(),
            _ => None,
        }
    }

    /// The country of the chosen place, else the one the article names right after it.
    pub fn country(&self) -> Option<&str> {
        self.best()
            .map(|b| b.country.as_str())
            .or(self.named_country.as_deref())
    }
}

impl PlaceFinder {
    /// One automaton over the loose keys of every name and alias of `tables`.
    pub fn new(tables: &[&Gazetteer]) -> Result<PlaceFinder, aho_corasick::BuildError> {
        let mut keys = BTreeSet::new();
        for table in tables {
            for place in table.places() {
                for name in place.names() {
                    let loose = NameKey::new(name).loose;
                    if loose.len() >= MIN_KEY && !loose.bytes().all(|b| b.is_ascii_digit()) {
                        keys.insert(loose);
                    }
                }
            }
        }
        let automaton = AhoCorasick::builder()
            .match_kind(AcMatchKind::Standard)
            .build(&keys)?;
        Ok(PlaceFinder {
            automaton,
            keys: keys.len(),
        })
    }

    /// How many distinct keys the automaton holds.
    pub fn keys(&self) -> usize {
        self.keys
    }

    /// Every place named in `text`, in order, looked up with `filter`; a name followed by
    /// "in" and a country of `named` is looked up in that country first; ambiguous names are
    /// narrowed to `article_countries` when that leaves one. `is_actor` says which words are
    /// country names or demonyms, never proposed as unresolved places. `lookups` keeps the
    /// geocoder's answers across calls.
    #[allow(clippy::too_many_arguments)]
    pub fn find(
        &self,
        text: &Text<'_>,
        geocoder: &Geocoder<'_>,
        lookups: &mut Lookups,
        filter: &Filter,
        article_countries: &[String],
        named: &[CountryMention],
        is_actor: &dyn Fn(usize) -> bool,
    ) -> Vec<PlaceMention> {
        let hits = self.hits(text);
        // The words no name is in this text ([`NotNames`]), made once when needed.
        let mut not_names = None;
        let mut out = Vec::new();
        let mut covered = vec![false; text.tokens.len()];
        for (hit, stem) in hits {
            let tokens = widen(text, hit);
            // An inflected name is looked up by its stem, the nominative's key.
            let name = match stem {
                Some(stem) if tokens.len() == 1 => stem,
                _ => text.phrase(tokens.start, tokens.end - 1).to_owned(),
            };
            let r = lookups.get(geocoder, &name, filter, true);
            let mention = mention(
                text,
                tokens.clone(),
                &name,
                r,
                (geocoder, lookups),
                filter,
                (article_countries, country_after(text, &tokens, named)),
            );
            // A country's name is a place only as a country ("Serbia"), never as the
            // alternate name of a town (GeoNames files "Kazakhstan" under Aqsay).
            let country_word = tokens.clone().all(is_actor);
            let as_country = mention
                .candidates
                .first()
                .is_some_and(|c| c.kind == "country");
            let geonames_only = mention.candidates.iter().all(|c| c.table != "gazetteer");
            // Unresolved, a name is kept only where the article says which country it is in
            // ("Druzhba in Kazakhstan" where no Druzhba of Kazakhstan is known).
            if (mention.status == Status::Unresolved && mention.named_country.is_none())
                || (country_word && !as_country)
                || tokens.clone().any(|i| super::dates::is_month_word(text, i))
                || (geonames_only && !proper_place(text, &tokens, &mut not_names))
            {
                continue;
            }
            for c in covered.iter_mut().take(tokens.end).skip(tokens.start) {
                *c = true;
            }
            out.push(mention);
        }
        for tokens in unknown_names(text, &covered, is_actor) {
            let reported = text.phrase(tokens.start, tokens.end - 1);
            let r = lookups.get(geocoder, reported, filter, true);
            let after = country_after(text, &tokens, named);
            out.push(mention(
                text,
                tokens,
                reported,
                r,
                (geocoder, lookups),
                filter,
                (article_countries, after),
            ));
        }
        out.sort_by_key(|m| m.tokens.start);
        out
    }

    /// Token ranges of key hits: on word boundaries, capitalised, the longest at each start,
    /// none inside another; then each capitalised Cyrillic word no hit covers whose stem is
    /// a key ([`russian_stems`]: "под Термезом", "близ Термеза"), with that stem.
    fn hits(&self, text: &Text<'_>) -> Vec<(Range<usize>, Option<String>)> {
        const NONE: u32 = u32::MAX;
        let mut joined = String::new();
        let mut start_at: Vec<u32> = Vec::new();
        let mut end_at: Vec<u32> = Vec::new();
        for (i, t) in text.tokens.iter().enumerate() {
            if t.loose.is_empty() || !t.loose.bytes().all(|b| b.is_ascii_alphanumeric()) {
                joined.push('|');
                continue;
            }
            if !t.joined {
                joined.push('|');
            }
            start_at.resize(joined.len() + 1, NONE);
            end_at.resize(joined.len() + 1, NONE);
            let Ok(idx) = u32::try_from(i) else { break };
            start_at[joined.len()] = idx;
            joined.push_str(&t.loose);
            end_at.resize(joined.len() + 1, NONE);
            end_at[joined.len()] = idx;
        }
        let mut longest: Vec<Option<usize>> = vec![None; text.tokens.len()];
        for m in self.automaton.find_overlapping_iter(joined.as_str()) {
            let (Some(&s), Some(&e)) = (start_at.get(m.start()), end_at.get(m.end())) else {
                continue;
            };
            if s == NONE || e == NONE {
                continue;
            }
            let (s, e) = (s as usize, e as usize);
            if !text.capitalised(s) || (s..=e).all(|i| text.tokens[i].generic.is_some()) {
                continue;
            }
            if longest[s].is_none_or(|old| e > old) {
                longest[s] = Some(e);
            }
        }
        let mut out = Vec::new();
        let mut next = 0;
        for (s, e) in longest.iter().enumerate() {
            if s < next {
                continue;
            }
            if let Some(e) = *e {
                out.push((s..e + 1, None));
                next = e + 1;
            } else if let Some(stem) = self.russian_stem(text, s) {
                out.push((s..s + 1, Some(stem)));
            }
        }
        out
    }

    /// The key of the first stem of token `i` ([`russian_stems`]) that the automaton holds
    /// whole, when `i` is a capitalised Cyrillic word.
    fn russian_stem(&self, text: &Text<'_>, i: usize) -> Option<String> {
        let word = text.word(i);
        if word.is_ascii() || !text.capitalised(i) || text.tokens[i].generic.is_some() {
            return None;
        }
        russian_stems(text.key(i)).into_iter().find(|stem| {
            self.automaton
                .find_overlapping_iter(stem.as_str())
                .any(|m| m.start() == 0 && m.end() == stem.len())
        })
    }
}

/// The words of a text (token keys) that are no place names wherever they stand there.
struct NotNames<'t> {
    /// The words the text writes in lower case: common words.
    lower_case: BTreeSet<&'t str>,
    /// The words right after a publication word ([`PUBLICATION_WORDS`]): "the newspaper
    /// Karavan", and so "an interview with Karavan" later on.
    publications: BTreeSet<&'t str>,
}

impl<'t> NotNames<'t> {
    fn of(text: &'t Text<'_>) -> NotNames<'t> {
        let mut words = NotNames {
            lower_case: BTreeSet::new(),
            publications: BTreeSet::new(),
        };
        for i in 0..text.tokens.len() {
            if !text.capitalised(i) {
                words.lower_case.insert(text.key(i));
            } else if i > 0 && PUBLICATION_WORDS.contains(&text.key(i - 1)) {
                words.publications.insert(text.key(i));
            }
        }
        words
    }
}

/// The words (as token keys) after which a name is a publication's, not a place's.
const PUBLICATION_WORDS: &[&str] = &[
    "newspaper",
    "paper",
    "daily",
    "weekly",
    "magazine",
    "journal",
    "agency",
    "outlet",
    "channel",
    "broadcaster",
    "portal",
    "website",
    "gazeta",
    "gazety",
    "gazete",
    "gazetoy",
    "zhurnal",
    "zhurnala",
    "agentstvo",
    "agentstva",
    "telekanal",
    "telekanala",
    "portala",
    "izdanie",
    "izdaniya",
];

/// Whether a name only GeoNames knows stands as a place name in the text: not the first word
/// of a sentence (where any word is capitalised: "Tank crews"), not part of a longer
/// capitalised name (a person, "Alisher Samigjonov"; an office, "Information Center"), and
/// not a publication's name ("the newspaper Karavan"), and not a word the text also writes
/// in lower case: a common word capitalised where a line or headline starts ("Более 28 млрд
/// тенге" beside "более 50 тысяч": the town of Bole). `not_names` is made on first use.
fn proper_place<'t>(
    text: &'t Text<'_>,
    tokens: &Range<usize>,
    not_names: &mut Option<NotNames<'t>>,
) -> bool {
    let first = tokens.start;
    if tokens.len() == 1 {
        let words = not_names.get_or_insert_with(|| NotNames::of(text));
        let key = text.key(first);
        if words.lower_case.contains(key) || words.publications.contains(key) {
            return false;
        }
    }
    let sentence_start =
        first == 0 || text.tokens[first - 1].sentence != text.tokens[first].sentence;
    let before = first > 0
        && text.tokens[first].joined
        && text.capitalised(first - 1)
        && text.tokens[first - 1].generic.is_none();
    let after = tokens.end < text.tokens.len()
        && text.tokens[tokens.end].joined
        && text.capitalised(tokens.end)
        && text.tokens[tokens.end].generic.is_none();
    !sentence_start && !before && !after
}

/// Whether token `i` ends a site phrase: "range", "polygon", "airfield", "air base",
/// "training ground", "training centre" ("centre" alone is any office).
pub(super) fn head_word(text: &Text<'_>, i: usize) -> bool {
    let prev = if i > 0 { text.key(i - 1) } else { "" };
    match text.key(i) {
        "range" | "polygon" | "poligon" | "airfield" | "aerodrome" | "aerodrom" | "airbase" => true,
        "ground" | "grounds" | "centre" | "center" | "tsentr" => matches!(
            prev,
            "training" | "uchebnyy" | "manoeuvre" | "maneuver" | "firing"
        ),
        "base" => prev == "air",
        _ => false,
    }
}

/// Whether a generic word names a kind of site (not "military", "area" or "base" alone).
fn site_word(text: &Text<'_>, i: usize) -> bool {
    text.tokens[i].generic.is_some()
        && !matches!(text.key(i), "military" | "area" | "voyennaya" | "voennaya")
}

/// A hit widened over the generic words after it (and "полигон" before it).
fn widen(text: &Text<'_>, hit: Range<usize>) -> Range<usize> {
    let mut r = hit;
    while r.end < text.tokens.len()
        && r.end - r.start < 8
        && text.tokens[r.end].joined
        && site_word(text, r.end)
    {
        r.end += 1;
    }
    if r.start > 0
        && text.tokens[r.start].joined
        && matches!(text.key(r.start - 1), "poligon" | "polygon")
    {
        r.start -= 1;
    }
    r
}

/// Capitalised names of one to three words right before a generic site word ("Momirak
/// training ground") or right after "полигон" in any case ("на полигоне Зарница"), not
/// already found and not country names or demonyms.
fn unknown_names(
    text: &Text<'_>,
    covered: &[bool],
    is_actor: &dyn Fn(usize) -> bool,
) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let n = text.tokens.len();
    let mut i = 0;
    while i < n {
        let name_word = |k: usize| {
            text.capitalised(k)
                && !covered[k]
                && !text.tokens[k].number
                && text.tokens[k].generic.is_none()
                && !is_actor(k)
                && !matches!(text.key(k), "the" | "a" | "an" | "this" | "that" | "its")
        };
        if !name_word(i) {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i + 1;
        while end < n && end - start < 3 && text.tokens[end].joined && name_word(end) {
            end += 1;
        }
        let head = end < n
            && text.tokens[end].joined
            && matches!(
                text.tokens[end].generic,
                Some(KindHint::TrainingGround | KindHint::Airfield)
            )
            && site_word(text, end);
        if head {
            let r = widen(text, start..end);
            if head_word(text, r.end - 1) {
                out.push(r);
            }
        } else if start > 0 && (text.tokens[start].joined || quote_before(text, start)) {
            // "на полигоне Зарница", "на полигоне «Зарница»": the Russian order, the site
            // word before the name. The nominative "полигон" is part of the name, as
            // [`widen`] takes it; another case is left out of it ("Зарница").
            let joined = text.tokens[start].joined;
            // "полигон Южного военного округа", "полигон Минобороны", "полигон ЦВО": whose
            // range, not its name (a genitive adjective, the ministry, an abbreviation).
            let owner = (start..end).any(|k| {
                let word = text.word(k);
                let key = text.key(k);
                key.ends_with("ogo")
                    || key.ends_with("ego")
                    || key == "minoborony"
                    || word.chars().count() > 1 && word.chars().all(char::is_uppercase)
            });
            match text.key(start - 1) {
                _ if owner => {}
                "poligon" | "polygon" if joined => out.push(start - 1..end),
                "poligone" | "poligona" | "poligonom" | "poligonakh" | "poligony" => {
                    out.push(start..end);
                }
                _ => {}
            }
        }
        i = end;
    }
    out
}

/// Whether one quotation mark and spaces, no line break, stand between token `i` and the
/// one before it ("полигоне «Зарница", "Зарница» в").
fn quote_before(text: &Text<'_>, i: usize) -> bool {
    let (Some(before), Some(t)) = (
        i.checked_sub(1).and_then(|b| text.tokens.get(b)),
        text.tokens.get(i),
    ) else {
        return false;
    };
    let gap = text.source.get(before.span.end..t.span.start).unwrap_or("");
    !gap.contains('\n') && matches!(gap.trim(), "«" | "»" | "\"" | "„" | "“" | "”")
}

fn candidate(c: &crate::resolve::Candidate<'_>) -> PlaceCandidate {
    PlaceCandidate {
        id: c.place.id.clone(),
        name: c.place.name.clone(),
        kind: c.place.kind.as_str().to_owned(),
        country: c.place.country.clone(),
        score: c.score,
        table: c.table.to_owned(),
    }
}

/// The country named right after the words `tokens`, "in" / "в" / "во" between ("the
/// Zarnitsa training ground in Kazakhstan", "под Бешкентом в Узбекистане"): its code, and
/// where its words are ("in Kazakhstan", the preposition with them).
fn country_after(
    text: &Text<'_>,
    tokens: &Range<usize>,
    named: &[CountryMention],
) -> Option<(&'static str, Range<usize>)> {
    let on = tokens.end;
    let joined = |i: usize| text.tokens.get(i).is_some_and(|t| t.joined);
    let after_name = joined(on) || quote_before(text, on);
    if !(after_name && joined(on + 1) && matches!(text.key(on), "in" | "v" | "vo")) {
        return None;
    }
    let at = named.partition_point(|c| c.tokens.start <= on);
    named
        .get(at)
        .filter(|c| c.tokens.start == on + 1 && !c.demonym)
        .map(|c| (c.code, text.phrase_span(on, c.tokens.end - 1)))
}

/// The mention of the words `tokens`, which the geocoder answered `r` for `name` (the
/// words, or an inflected name's stem); `after`, the country named right after them.
fn mention(
    text: &Text<'_>,
    tokens: Range<usize>,
    name: &str,
    r: Looked,
    (geocoder, lookups): (&Geocoder<'_>, &mut Lookups),
    filter: &Filter,
    (article_countries, named_after): (&[String], Option<(&'static str, Range<usize>)>),
) -> PlaceMention {
    let after = named_after.as_ref().map(|(code, _)| *code);
    let sentence = text.tokens.get(tokens.start).map_or(0, |t| t.sentence);
    let mut narrowed = false;
    let mut r = r;
    // "Druzhba in Kazakhstan": among the name's own candidates (the keys only, never a near
    // spelling of another place), those in the country named after it.
    let allowed = |c: &str| filter.countries.is_empty() || filter.countries.iter().any(|f| f == c);
    if let Some(code) = after.filter(|c| r.status != Status::Unresolved && allowed(c)) {
        let within = Filter {
            countries: vec![code.to_owned()],
            ..filter.clone()
        };
        let n = lookups.get(geocoder, name, &within, false);
        if n.status != Status::Unresolved {
            narrowed = n.candidates.first().map(|c| &c.id) != r.candidates.first().map(|c| &c.id)
                || n.status != r.status;
            r = n;
        } else if !r.candidates.iter().any(|c| c.country == code) {
            // None of that name in the country the article puts it in (nor a near spelling
            // there): a place the tables do not know, in that country, not one of the same
            // name elsewhere.
            r = n;
        }
    }
    if r.status == Status::Ambiguous && !article_countries.is_empty() {
        let within = Filter {
            countries: article_countries
                .iter()
                .filter(|c| filter.countries.is_empty() || filter.countries.contains(c))
                .cloned()
                .collect(),
            ..filter.clone()
        };
        // Narrowing chooses among the names' own candidates: the keys only, never a
        // near spelling of another place in those countries.
        let n = lookups.get(geocoder, name, &within, false);
        if n.status == Status::Resolved {
            r = n;
            narrowed = true;
        }
    }
    let candidates = r.candidates;
    let confidence = match r.status {
        Status::Resolved => {
            let s = candidates.first().map_or(0.0, |c| c.score);
            if narrowed {
                s * 0.9
            } else {
                s
            }
        }
        Status::Ambiguous => {
            candidates.first().map_or(0.0, |c| c.score) / candidates.len().max(1) as f64
        }
        Status::Unresolved => UNRESOLVED_CONFIDENCE,
    };
    PlaceMention {
        at: text.phrase_span(tokens.start, tokens.end - 1).into(),
        reported: text.phrase(tokens.start, tokens.end - 1).to_owned(),
        tokens,
        sentence,
        status: r.status,
        candidates,
        narrowed,
        named_country: after.map(str::to_owned),
        named_country_at: named_after.map(|(_, at)| at.into()),
        confidence: round2(confidence),
    }
}

/// Round a confidence or score to two decimals, so output does not depend on float noise.
pub fn round2(x: f64) -> f64 {
    crate::model::round_to(x, 2)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{Place, PlaceKind, Precision};

    /// A gazetteer row for tests: the geocoder's test row, at a site point.
    pub(crate) fn place(
        id: &str,
        name: &str,
        kind: PlaceKind,
        country: &str,
        aliases: &[&str],
    ) -> Place {
        Place {
            lat: 38.0,
            lon: 68.0,
            precision: Precision::Site,
            uncertainty_km: 1.0,
            line: 1,
            ..crate::resolve::geocoder::tests::place(id, name, kind, country, aliases)
        }
    }

    fn table() -> Gazetteer {
        Gazetteer::new(vec![
            place(
                "kharbmaidon-training-ground",
                "Kharbmaidon training ground",
                PlaceKind::TrainingGround,
                "TJ",
                &["Kharbmaidon", "Harb-Maidon", "Харбмайдон"],
            ),
            place(
                "almaty-region",
                "Almaty Region",
                PlaceKind::Region,
                "KZ",
                &["Almaty Province"],
            ),
            place("almaty", "Almaty", PlaceKind::Settlement, "KZ", &[]),
            place("ayni-tj", "Ayni", PlaceKind::Settlement, "TJ", &[]),
            place("ayni-uz", "Ayni", PlaceKind::Settlement, "UZ", &[]),
        ])
    }

    /// The place mentions of `text` against [`table`], `countries` the article's.
    fn mentions(text: &str, countries: &[&str]) -> Vec<PlaceMention> {
        let g = table();
        let finder = PlaceFinder::new(&[&g]).unwrap();
        let geocoder = Geocoder::new(&g, None);
        let t = Text::new(text);
        let countries: Vec<String> = countries.iter().map(|c| (*c).to_owned()).collect();
        let actors = crate::names::countries::Countries::new();
        let named = actors.find(&t);
        finder.find(
            &t,
            &geocoder,
            &mut Lookups::default(),
            &Filter::default(),
            &countries,
            &named,
            &|i| actors.is_country_word(&t, i),
        )
    }

    fn found(text: &str, countries: &[&str]) -> Vec<(String, Status, Vec<String>)> {
        mentions(text, countries)
            .into_iter()
            .map(|m| {
                (
                    m.reported,
                    m.status,
                    m.candidates.into_iter().map(|c| c.id).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn every_spelling_with_its_generic_words() {
        let f = found(
            "Drills at the Harb-Maidon training ground, near Харбмайдон, and in Almaty Province.",
            &[],
        );
        let names: Vec<&str> = f.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(
            names,
            [
                "Harb-Maidon training ground",
                "Харбмайдон",
                "Almaty Province"
            ]
        );
        assert_eq!(
            f[2].2,
            ["almaty-region"],
            "the longest name wins over Almaty"
        );
    }

    #[test]
    fn ambiguity_is_kept_unless_a_named_country_narrows_it() {
        let f = found("Troops met in Ayni.", &[]);
        assert_eq!(f[0].1, Status::Ambiguous);
        assert_eq!(f[0].2.len(), 2);
        let f = found("Troops met in Ayni.", &["UZ"]);
        assert_eq!(
            (f[0].1, f[0].2.as_slice()),
            (Status::Resolved, &["ayni-uz".to_owned()][..])
        );
    }

    /// Review lead 3: "near Beshkent in Kyrgyzstan" resolved to the Beshkent of Uzbekistan
    /// (the first of two), and "the Zarnitsa training ground in Kazakhstan", unknown, had no
    /// country. The country named right after a place is that place's.
    #[test]
    fn the_country_named_after_a_place_is_its_country() {
        let read = |text: &str, article: &[&str]| -> Vec<(String, Option<String>, bool)> {
            mentions(text, article)
                .into_iter()
                .map(|m| {
                    (
                        m.reported.clone(),
                        m.country().map(str::to_owned),
                        m.narrowed,
                    )
                })
                .collect()
        };
        let uz = |words: &str| vec![(words.to_owned(), Some("UZ".to_owned()), true)];
        assert_eq!(read("Troops met near Ayni in Uzbekistan.", &[]), uz("Ayni"));
        assert_eq!(
            read("Учения прошли под Айни в Узбекистане.", &[]),
            uz("Айни")
        );
        // The country named after it wins over the other countries of the article.
        assert_eq!(
            read("Tajik troops met near Ayni in Uzbekistan.", &["TJ", "UZ"]),
            uz("Ayni")
        );
        // An unknown place is in it.
        assert_eq!(
            read("Drills at the Zarnitsa training ground in Kazakhstan.", &[]),
            [(
                "Zarnitsa training ground".to_owned(),
                Some("KZ".to_owned()),
                false
            )]
        );
        // A known name in another country only: an unknown place in the named one, not
        // the others of that name (there are Aynis in TJ and UZ, none in KZ).
        let f = mentions("Troops met near Ayni in Kazakhstan.", &[]);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(
            (f[0].reported.as_str(), f[0].status, f[0].candidates.len()),
            ("Ayni", Status::Unresolved, 0)
        );
        assert_eq!(f[0].country(), Some("KZ"));
        // A near spelling of a place in the named country stays that place.
        let f = found(
            "Drills at the Kharbmaidn training ground in Tajikistan.",
            &[],
        );
        assert_eq!(f[0].2, ["kharbmaidon-training-ground"], "{f:?}");
        // Not across a comma, nor a demonym.
        let f = read("Troops met near Ayni, in Uzbekistan.", &[]);
        assert_eq!(f[0].1, None);
        let f = read("Troops met near Ayni in Uzbek uniforms.", &[]);
        assert_eq!(f[0].1, None);
    }

    #[test]
    fn a_name_two_places_share_over_time_is_the_one_of_the_articles_date() {
        let mut places = crate::resolve::geocoder::tests::almaty_over_time();
        places.push(place("almaty", "Almaty", PlaceKind::Settlement, "KZ", &[]));
        let g = Gazetteer::new(places);
        let finder = PlaceFinder::new(&[&g]).unwrap();
        let geocoder = Geocoder::new(&g, None);
        // One cache across articles of different dates, as `extract` keeps it.
        let mut lookups = Lookups::default();
        let mut best = |text: &str, day: Option<Day>| -> Vec<String> {
            let filter = Filter {
                date: day,
                ..Filter::default()
            };
            finder
                .find(
                    &Text::new(text),
                    &geocoder,
                    &mut lookups,
                    &filter,
                    &[],
                    &[],
                    &|_| false,
                )
                .iter()
                .map(|m| m.best().map_or("-".to_owned(), |c| c.id.clone()))
                .collect()
        };
        let text = "The first stage took place in Almaty Province, near Almaty.";
        assert_eq!(
            best(text, Day::new(2018, 7, 23)),
            ["almaty-province-2018", "almaty"]
        );
        assert_eq!(
            best(text, Day::new(2024, 9, 1)),
            ["almaty-region", "almaty"]
        );
        assert_eq!(
            best(text, Day::new(2018, 7, 23)),
            ["almaty-province-2018", "almaty"],
            "from the cache, per date"
        );
        assert_eq!(
            best(text, None),
            ["almaty-region", "almaty"],
            "undated: today's"
        );
        // Only the name with a dated candidate is kept per date.
        let per_date = lookups
            .0
            .values()
            .filter(|a| matches!(a, Answer::ByDate(_)))
            .count();
        assert_eq!(per_date, 1);
    }

    #[test]
    fn unknown_names_before_a_generic_word_are_proposed() {
        let f = found(
            "Drills at the Momirak training ground and the Kharbmaidon range.",
            &[],
        );
        assert_eq!(f[0].0, "Momirak training ground");
        assert_eq!(f[0].1, Status::Unresolved);
        assert_eq!(f[1].0, "Kharbmaidon range");
    }

    /// Second review, lead 3: "на полигоне Зарница", the site word before a name no table
    /// knows, proposed no place ("the Zarnitsa training ground" did).
    #[test]
    fn unknown_names_after_polygon_are_proposed() {
        let unresolved = |s: &str| -> Vec<String> {
            found(s, &[])
                .into_iter()
                .filter(|f| f.1 == Status::Unresolved)
                .map(|f| f.0)
                .collect()
        };
        assert_eq!(
            unresolved("Учения пройдут на полигоне Зарница."),
            ["Зарница"]
        );
        assert_eq!(
            unresolved("Учения пройдут на полигоне Зарница в Казахстане."),
            ["Зарница"]
        );
        assert_eq!(
            unresolved("Полигон Зарница принял войска."),
            ["Полигон Зарница"]
        );
        assert_eq!(
            unresolved("Drills at the Zarnitsa range."),
            ["Zarnitsa range"]
        );
        // A known name after it stays the known place; a country is no site.
        assert!(unresolved("Учения на полигоне Харбмайдон.").is_empty());
        assert!(unresolved("Учения на полигоне в Казахстане.").is_empty());
        assert!(unresolved("на полигоне Казахстана").is_empty());
        let m = mentions("Учения пройдут на полигоне Зарница в Казахстане.", &[]);
        assert_eq!(m[0].named_country.as_deref(), Some("KZ"));
        // Whose range it is is no name.
        for owner in [
            "Учения прошли на полигоне Южного военного округа.",
            "Учения прошли на полигоне Минобороны России.",
            "Учения прошли на полигоне ЦВО.",
        ] {
            assert!(unresolved(owner).is_empty(), "{owner}");
        }
        // In quotation marks, as the Russian press writes it.
        let m = mentions("Учения пройдут на полигоне «Зарница» в Казахстане.", &[]);
        assert_eq!(m.len(), 1, "{m:?}");
        assert_eq!(m[0].reported, "Зарница");
        assert_eq!(m[0].named_country.as_deref(), Some("KZ"));
    }

    /// Probe finding E6: "под Термезом", "близ Харбмайдона" found no place. An inflected
    /// name is found by its stem and looked up as the nominative, quoted as written.
    #[test]
    fn russian_names_in_any_case_are_found_by_their_stem() {
        let f = found("Учения прошли под Харбмайдоном и у Харбмайдона.", &[]);
        let kharbmaidon = vec!["kharbmaidon-training-ground".to_owned()];
        assert_eq!(
            f,
            [
                (
                    "Харбмайдоном".to_owned(),
                    Status::Resolved,
                    kharbmaidon.clone()
                ),
                ("Харбмайдона".to_owned(), Status::Resolved, kharbmaidon),
            ]
        );
        assert_eq!(russian_stems("termezom"), ["termez", "termeza"]);
        // A Latin word or a lower-case one is never stemmed; nor a stem below four letters.
        assert!(found("near Almatyom, под харбмайдоном", &[]).is_empty());
        assert!(russian_stems("umom").is_empty());
    }

    /// Probe (session 33): "Более 28 млрд тенге", a headline in seed article 003, was
    /// drafted as the Chinese town of Bole (GeoNames, loose match 0.90): a word the text
    /// also writes in lower case ("более 50 тысяч") is a common word, not a GeoNames place.
    #[test]
    fn a_geonames_name_the_text_also_writes_in_lower_case_is_a_common_word() {
        let g = table();
        let n = Gazetteer::named(
            "geonames",
            1.0,
            vec![place(
                "geonames:8521718",
                "Bole",
                PlaceKind::Settlement,
                "CN",
                &[],
            )],
        );
        let finder = PlaceFinder::new(&[&g, &n]).unwrap();
        let geocoder = Geocoder::new(&g, Some(&n));
        let actors = crate::names::countries::Countries::new();
        let ids = |text: &str| -> Vec<String> {
            let t = Text::new(text);
            let named = actors.find(&t);
            finder
                .find(
                    &t,
                    &geocoder,
                    &mut Lookups::default(),
                    &Filter::default(),
                    &[],
                    &named,
                    &|i| actors.is_country_word(&t, i),
                )
                .into_iter()
                .flat_map(|m| m.candidates.into_iter().map(|c| c.id))
                .collect()
        };
        let headlines = "ru Более 28 млрд тенге выделено на завершение\n\
                         ru В Алматы создано более 50 тысяч рабочих мест";
        assert_eq!(ids(headlines), ["almaty"]);
        // Written only as a name, it is the place.
        let alone = "ru Более 28 млрд тенге выделено на завершение\nru В Алматы создано";
        assert_eq!(ids(alone), ["geonames:8521718", "almaty"]);
        assert_eq!(
            ids("Troops met near Bole, not far from bole trees."),
            Vec::<String>::new()
        );
        assert_eq!(ids("Troops met near Bole."), ["geonames:8521718"]);
        // Seed article 001: "the Kazakh newspaper Karavan" is no place.
        assert_eq!(
            ids("said the Kazakh newspaper Bole on Monday."),
            Vec::<String>::new()
        );
        assert_eq!(ids("сообщила газета Bole."), Vec::<String>::new());
        // Named a publication once, it is one wherever else it is named.
        let later = "The newspaper Bole asked. In an interview with Bole, he said so.";
        assert_eq!(ids(later), Vec::<String>::new());
    }

    #[test]
    fn lower_case_words_and_broken_names_are_not_places() {
        assert!(found("the almaty drills", &[]).is_empty());
        // A comma between the words breaks "Almaty, Province".
        let f = found("Almaty, Province", &[]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].0, "Almaty");
    }
}
