//! Records: the mentions grouped into candidate exercises, each field with its quote.
//!
//! The article is read sentence by sentence. A sentence that names an exercise
//! ("Zapad-2021") joins the record of that name, or opens it. A sentence with an event word
//! ("exercise", "drills", "war games") joins the record being read, unless it brings a date
//! that cannot be that record's (then it opens a new one, when it also has something to
//! record: a date to the month or day, a site or a count). A "first stage" or "second stage"
//! adds a site to the record rather than a record. A sentence without an event word only adds
//! a count with a participation word ("using over 150 pieces of military hardware") to the
//! record of the sentence before it.
//!
//! Within a sentence, the event's date is the first date after the event word (or the one
//! before it, unless a verb of saying stands next to it: "announced last week that the
//! drills"), and a date a verb of ending governs, that one or a later one, is its last day
//! ("will conclude today"; "began on August 1, will end on August 10"); its sites are the places after "in", "at", "near" or "on", or the Russian "в",
//! "на", "под", "близ", "вблизи", "в районе (города)", "на территории", and the places of a
//! list after one ("на полигонах Харбмайдон и Ляур"; a training ground wins over the region
//! it lies in); its participants are the countries and demonyms named,
//! but not those next to "border", after "amid" or "where", or withdrawing, nor those the
//! words around them say take no part ([`actors::standing`]: absent, the enemy, the maker of
//! equipment); the invited ("invited X") and observers are recorded as invited. The
//! countries after "in" / "в" / "на территории" are where it is held, every country of a
//! list ("in Russia and Kazakhstan"): the host when they are one.

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;
use std::sync::Arc;

use serde::Serialize;

use super::actors::{self, CountryMention, NameMention, OrgMention, Standing};
use super::counts::{CountKind, CountMention};
use super::dates::{self, DateMention, Published};
use super::places::{round2, PlaceCandidate, PlaceMention};
use super::text::Text;
use super::Position;
use crate::date::DatePrecision;
use crate::model::{Count, PlaceKind};
use crate::resolve::Status;

/// Words for a border: a country named next to one ("the Afghan border", "the border with
/// Afghanistan", "у границы с Афганистаном", "афганской границы") is where, not who.
/// Russian as transliterated keys: граница in its cases, рубеж.
const BORDER: &[&str] = &[
    "border",
    "borders",
    "frontier",
    "granitsa",
    "granitsy",
    "granitse",
    "granitsu",
    "granitsey",
    "granits",
    "granitsakh",
    "granitsam",
    "rubezha",
    "rubezhey",
];
/// The article's words a value comes from, written as a string. A sentence is held once
/// however many values quote it ([`Text::shared_sentence`]): a sentence naming thousands of
/// places is not copied for each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Quote(Arc<str>);

impl Quote {
    /// The words.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `self` and `other` hold the same text, not only equal texts.
    pub fn shares(&self, other: &Quote) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl std::ops::Deref for Quote {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl Serialize for Quote {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// A value with the article's words it comes from and how sure the extractor is of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field<T> {
    /// The value.
    pub value: T,
    /// The exact phrase (or sentence) of the article.
    pub reported: Quote,
    /// Where `reported` is in the article (empty for a value the article does not say).
    #[serde(flatten)]
    pub at: Position,
    /// In [0, 1].
    pub confidence: f64,
}

impl<T> Field<T> {
    /// `value`, quoted by the article's words at `span`.
    fn quote(value: T, text: &Text<'_>, span: Range<usize>, confidence: f64) -> Field<T> {
        Field {
            value,
            reported: Quote(Arc::from(&text.source[span.clone()])),
            at: span.into(),
            confidence,
        }
    }

    /// `value`, quoted by sentence `s` (its text shared with every other quote of it).
    fn sentence(value: T, text: &Text<'_>, s: usize, confidence: f64) -> Field<T> {
        Field {
            value,
            reported: Quote(text.shared_sentence(s)),
            at: text.sentence_span(s).into(),
            confidence,
        }
    }

    /// `value`, which no words of the article say.
    fn unquoted(value: T) -> Field<T> {
        Field {
            value,
            reported: Quote::default(),
            at: Position::default(),
            confidence: 0.0,
        }
    }
}

/// The words of tokens `tokens` (a mention's).
fn span(text: &Text<'_>, tokens: &Range<usize>) -> Range<usize> {
    text.phrase_span(tokens.start, tokens.end.saturating_sub(1))
}

/// A count with its qualifier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QualifiedCount {
    /// The number as written.
    pub value: Count,
    /// "over", "around", … or empty.
    pub qualifier: String,
}

/// The date of a record: start, end (reduced ISO 8601) and how it was read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DateValue {
    /// First day, month or year.
    pub start: String,
    /// Last, when it differs.
    pub end: Option<String>,
    /// Day, month or year.
    pub precision: DatePrecision,
    /// Whether the year is inferred.
    pub year_inferred: bool,
    /// Whether it is relative to the publication date.
    pub relative: bool,
    /// Whether it is a weekday ("on Tuesday"), by the rule its note states.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub weekday: bool,
}

/// One site (or stage) of a record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteDraft {
    /// `main`, `stage-1`, `site-2`, …
    pub id: String,
    /// "First stage", "Second stage", when the article says so.
    pub stage: Option<String>,
    /// What the geocoder should look up: the chosen place's name, or the words as written;
    /// `None` for a stage whose place the article does not name, only describes ("a
    /// military range near the Afghan border", in `reported`): no place is proposed, the
    /// analyst names it.
    pub place: Option<String>,
    /// The place as the article wrote it (named or described), with the sentence.
    pub reported: Field<String>,
    /// The country of the chosen place.
    pub country: Option<String>,
    /// Resolved, ambiguous or unresolved.
    pub status: Status,
    /// Candidates, best first.
    pub candidates: Vec<PlaceCandidate>,
    /// The site's own date, when it has one.
    pub date: Option<Field<DateValue>>,
    /// A stage the article says is still to come and gives no date ("We plan to carry out
    /// the second stage …"), where the record's date cannot be its own: on or after the
    /// article's date (`value`; `None` when the article's date is not known, for the
    /// analyst to give), with the words that say it is to come.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<Field<Option<String>>>,
    /// Who was at this site, when a sentence says so and it is not everyone of the record
    /// (written only when the record has several sites).
    pub participants: Vec<Field<String>>,
    /// Where the place's words (`reported.value`) are in the article.
    #[serde(skip)]
    words_at: Range<usize>,
    /// The sentence the site was first read from.
    #[serde(skip)]
    sentence: usize,
    /// Where the article names the site's country right after the place ("near Druzhba in
    /// Kazakhstan": "in Kazakhstan"), when that is the site's country.
    #[serde(skip)]
    country_at: Option<Range<usize>>,
}

/// A candidate exercise.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    /// Draft id (a slug).
    pub id: String,
    /// The exercise's name, or a draft name made from participants and site.
    pub name: Field<String>,
    /// Whether the name is the article's (not a draft).
    pub named: bool,
    /// Kind words ("counter-terrorism", "command-staff").
    pub kind: Option<Field<String>>,
    /// Organisation (CSTO, SCO, …).
    pub organisation: Option<Field<String>>,
    /// Host country.
    pub host: Option<Field<String>>,
    /// Participating countries, in order of mention.
    pub participants: Vec<Field<String>>,
    /// Countries invited (not reported as taking part).
    pub invited: Vec<Field<String>>,
    /// Troops or personnel.
    pub troops: Option<Field<QualifiedCount>>,
    /// Vehicles, hardware.
    pub equipment: Option<Field<QualifiedCount>>,
    /// What the exercise practised, as the article put it.
    pub scenario: Option<Field<String>>,
    /// When: the period, or its first day when the article gives the last apart (`end`);
    /// `None` when it gives only the last.
    pub date: Option<Field<DateValue>>,
    /// The last day (of `value`'s period), when a verb of ending gives it apart from the
    /// first: "will end on August 10" after "began on August 1", or alone ("will conclude
    /// today").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<Field<DateValue>>,
    /// Where.
    pub sites: Vec<SiteDraft>,
    /// The countries the article says the exercise is held in ("in Kazakhstan", "в России и
    /// Казахстане"), each with its words: the host when it is one and no site says
    /// another; several are no one host.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub held_in: Vec<Field<String>>,
    /// The words that say the exercise did not or will not take place ("no exercise took
    /// place", "отменены"), with their sentence: the record is no exercise to paste, and
    /// its draft is written for reference only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub called_off: Option<Field<String>>,
    /// The date the exercise was planned for before it was put off to `date` (its words;
    /// empty when the article gives none), quoted by the words that put it off
    /// ("postponed until September").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub put_off: Option<Field<String>>,
    /// The sentences (indices) the record was read from.
    #[serde(skip)]
    pub sentences: Vec<usize>,
    /// The mention the record's date comes from.
    #[serde(skip)]
    date_mention: Option<DateMention>,
    /// The sentence `held_in` is read from.
    #[serde(skip)]
    held_in_sentence: usize,
}

/// Every mention in the article, for grouping; each list in text order (as the finders
/// return them), so a sentence's mentions are one slice of it.
#[derive(Debug, Clone, Copy)]
pub struct Mentions<'m> {
    /// Places.
    pub places: &'m [PlaceMention],
    /// Dates.
    pub dates: &'m [DateMention],
    /// Counts.
    pub counts: &'m [CountMention],
    /// Countries and demonyms.
    pub countries: &'m [CountryMention],
    /// Organisations.
    pub orgs: &'m [OrgMention],
    /// Exercise names.
    pub names: &'m [NameMention],
}

impl<'m> Mentions<'m> {
    /// The mentions of sentence `s`: a binary search in each list, so that reading every
    /// sentence costs the mentions once, not once per sentence.
    fn of_sentence(&self, s: usize) -> Mentions<'m> {
        fn part<T>(list: &[T], s: usize, at: impl Fn(&T) -> usize) -> &[T] {
            let a = list.partition_point(|x| at(x) < s);
            let b = a + list[a..].partition_point(|x| at(x) <= s);
            &list[a..b]
        }
        Mentions {
            places: part(self.places, s, |x| x.sentence),
            dates: part(self.dates, s, |x| x.sentence),
            counts: part(self.counts, s, |x| x.sentence),
            countries: part(self.countries, s, |x| x.sentence),
            orgs: part(self.orgs, s, |x| x.sentence),
            names: part(self.names, s, |x| x.sentence),
        }
    }

    /// Whether every list is in sentence order.
    fn in_order(&self) -> bool {
        self.places.is_sorted_by_key(|x| x.sentence)
            && self.dates.is_sorted_by_key(|x| x.sentence)
            && self.counts.is_sorted_by_key(|x| x.sentence)
            && self.countries.is_sorted_by_key(|x| x.sentence)
            && self.orgs.is_sorted_by_key(|x| x.sentence)
            && self.names.is_sorted_by_key(|x| x.sentence)
    }
}

const SAYING: &[&str] = &[
    "said",
    "says",
    "announced",
    "stated",
    "reported",
    "told",
    "noted",
    "added",
    "declared",
];

const PARTICIPATION: &[&str] = &[
    "participate",
    "participating",
    "participated",
    "participation",
    "part",
    "involving",
    "involved",
    "involve",
    "from",
    "with",
    "alongside",
    "between",
    "hosting",
    "hosted",
    "joint",
    "held",
    "conduct",
    "conducting",
    "conducted",
    "using",
    "saw",
];

/// Russian words of taking part and of holding, as stems of exact keys: участие,
/// участием, участвовали; провели, проведут, проводят; прошли, пройдут, проходят;
/// задействованы, привлечены.
const RUSSIAN_PARTICIPATION: &[&str] = &[
    "uchast",
    "provel",
    "proved",
    "provod",
    "proshl",
    "proyd",
    "prokhod",
    "zadeystvov",
    "privlech",
];

/// Words before a site (within three words of it): English prepositions, and Russian
/// ones as exact keys: в, во, на, под, у, близ, вблизи, около, возле, недалеко, "в районе
/// (города)", "на территории", "на полигоне".
const SITE_PREPOSITIONS: &[&str] = &[
    "in",
    "at",
    "near",
    "on",
    "to",
    "poligone",
    "poligon",
    "v",
    "vo",
    "na",
    "pod",
    "u",
    "bliz",
    "vblizi",
    "okolo",
    "vozle",
    "nedaleko",
    "rayone",
    "territorii",
];

const KIND_WORDS: &[&str] = &[
    "counterterrorism",
    "counterterrorist",
    "counter",
    "terrorism",
    "terrorist",
    "command",
    "staff",
    "strategic",
    "tactical",
    "large",
    "scale",
    "peacekeeping",
    "combined",
    "arms",
    "special",
    "operations",
    "air",
    "defence",
    "defense",
    "naval",
    "mountain",
];

/// The stage of a movement ahead of the drills ([`Record::add_movement`]).
const DEPLOYMENT: &str = "Deployment";

/// Words of troops moving to a site ahead of an exercise (a tank march, a deployment).
const MOVEMENT: &[&str] = &[
    "deployed",
    "redeployed",
    "marched",
    "journey",
    "relocated",
    "arrived",
];

const CAPTION: &[&str] = &["shown", "pictured", "arrives", "arrive", "photo"];

/// Words of a plan: what "we plan to carry out" is still to come.
const PLAN: &[&str] = &[
    "plan", "plans", "planned", "planning", "intend", "intends", "intended",
];

/// Whether sentence `s` says that what it tells is still to come: a plan ("We plan to
/// carry out the second stage"), or the future ([`dates::to_come`]: "the next drills").
fn to_come(text: &Text<'_>, s: usize) -> bool {
    text.sentence_tokens(s).any(|i| PLAN.contains(&text.key(i))) || dates::to_come(text, s)
}

/// What one sentence says about an event.
struct Sentence<'m> {
    index: usize,
    event: Option<usize>,
    names: Vec<&'m NameMention>,
    date: Option<&'m DateMention>,
    /// The last day, when a verb of ending gives it: `date` itself, or a date after it.
    end: Option<&'m DateMention>,
    sites: Vec<&'m PlaceMention>,
    counts: Vec<&'m CountMention>,
    participants: Vec<&'m CountryMention>,
    invited: Vec<&'m CountryMention>,
    host: Option<&'m CountryMention>,
    held_in: Vec<&'m CountryMention>,
    org: Option<&'m OrgMention>,
    cue: bool,
    stage: Option<String>,
    scenario: bool,
    movement: Option<&'m DateMention>,
    moving: bool,
    /// The words that say the event did not or will not take place ([`called_off`]).
    called_off: Option<String>,
    /// The words that put the event off to `date`, and the date it was put off from.
    put_off: Option<PutOff<'m>>,
}

/// Drills put off to a later date ("has been postponed until September"): the words from
/// the verb to the new date (tokens), and the words of the date they were planned for.
struct PutOff<'m> {
    words: Range<usize>,
    new: &'m DateMention,
    from: Option<String>,
}

/// Whether sentence `range`, which names an event at token `event`, says it did not or will
/// not take place, and its words: "cancelled", "called off", "scrapped", "отменены"; a
/// denial ("denied reports", "опроверг"); "no exercise took place"; a negation of its
/// holding ("did not take place", "were not held", "не состоялись", "не проводились"), but
/// not of its holding before a day ("will not be held until October": put off, not called
/// off). Probe, session 45: "Kazakhstan said that no exercise took place at the Bereg
/// training ground, denying reports of Russian-Kazakh drills" was drafted as the drills.
fn called_off(text: &Text<'_>, range: Range<usize>, event: usize) -> Option<String> {
    let key = |i: usize| text.key(i);
    let russian = |i: usize, stem: &str| key(i).starts_with(stem) && !text.word(i).is_ascii();
    let until = range.clone().any(|i| {
        matches!(key(i), "until" | "till" | "before") || text.word(i).to_lowercase() == "до"
    });
    // What a denial denies: reports of the drills, not any statement ("Russia denied that
    // its troops crossed the border during the drills" calls nothing off).
    let reports = |j: usize| {
        (j..(j + 2).min(range.end)).any(|k| {
            matches!(
                key(k),
                "reports" | "claims" | "allegations" | "rumours" | "rumors"
            ) || ["soobshch", "informats", "slukh", "dannye"]
                .iter()
                .any(|stem| russian(k, stem))
        })
    };
    range.clone().find_map(|i| {
        let word = |to: usize| Some(text.phrase(i, to.min(range.end - 1)).to_owned());
        match key(i) {
            "cancelled" | "canceled" | "cancel" | "cancels" | "cancellation" | "scrapped" => {
                word(i)
            }
            "called" if key(i + 1) == "off" => word(i + 1),
            "denied" | "denying" | "denies" | "deny" if reports(i + 1) => word(i + 1),
            "no" if (i + 1..=i + 2).contains(&event) => word(event),
            "not" | "never" | "ne" if !until && key(i + 1) != "only" => (i + 1
                ..(i + 4).min(range.end))
                .find(|&j| {
                    matches!(key(j), "held" | "happen" | "happened" | "conducted")
                        || key(j) == "place" && matches!(key(j - 1), "take" | "took" | "takes")
                        || russian(j, "sostoya")
                        || russian(j, "provod")
                        || russian(j, "proshl")
                })
                .and_then(word),
            _ if russian(i, "otmen") => word(i),
            _ if russian(i, "oproverg") && reports(i + 1) => word(i + 1),
            _ => None,
        }
    })
}

/// The most days between the first and last day a record is given from two sentences
/// ([`Record::completed_by`]): a quarter. The exercises the articles describe last days to
/// weeks, a strategic one's stages a month.
const LONGEST_DAYS: i64 = 92;

/// Russian words of "another" exercise ("другие учения", "ещё одни учения" reads as "одни").
const ANOTHER: &[&str] = &["другие", "другое", "другой", "другая", "другом", "других"];

/// Group the mentions into records; `published` is the article's date, when known.
pub fn group(text: &Text<'_>, m: Mentions<'_>, published: Option<Published>) -> Vec<Record> {
    let mut records: Vec<Record> = Vec::new();
    let mut current: Option<usize> = None;
    let mut last_attached: Option<usize> = None;
    let mut seen = BTreeSet::new();
    // The named records by name key.
    let mut named: HashMap<String, usize> = HashMap::new();
    debug_assert!(m.in_order(), "mentions out of text order");
    for s in 0..text.sentences.len() {
        if !seen.insert(text.sentence(s)) {
            continue; // a repeated photo caption
        }
        let facts = read_sentence(text, s, m.of_sentence(s));
        if !facts.names.is_empty() {
            // A name said again in the sentence brings nothing new to its record.
            let mut attached: Vec<usize> = Vec::new();
            for name in &facts.names {
                let at = *named
                    .entry(actors::name_key(&name.name))
                    .or_insert_with(|| {
                        records.push(Record::named(text, name));
                        records.len() - 1
                    });
                if !attached.contains(&at) {
                    attached.push(at);
                    let creating = records[at].sentences.is_empty();
                    records[at].attach(text, &facts, true, creating);
                }
                current = Some(at);
            }
            last_attached = Some(s);
            continue;
        }
        if facts.event.is_some() {
            let news = facts.date.is_some_and(|d| {
                d.start.is_some()
                    && matches!(d.precision, DatePrecision::Day | DatePrecision::Month)
                    || d.start.is_none() && d.relative
            }) || !facts.sites.is_empty()
                || !facts.counts.is_empty();
            let conflict = current.is_some_and(|c| {
                let r = &records[c];
                facts.stage.is_none()
                    && match (facts.date, r.date_mention.as_ref()) {
                        (Some(d), Some(rd)) => !d.compatible(rd) && !r.completed_by(text, d),
                        _ => false,
                    }
            });
            let target = match current {
                Some(c) if !conflict => Some(c),
                _ if news => {
                    records.push(Record::unnamed());
                    Some(records.len() - 1)
                }
                _ => None,
            };
            if let Some(t) = target {
                let creating = records[t].sentences.is_empty();
                if creating && records[t].open_with_movement(text, &facts) {
                    current = Some(t);
                    last_attached = Some(s);
                    continue;
                }
                records[t].attach(text, &facts, false, creating);
                if !creating {
                    records[t].add_movement(text, &facts);
                }
                current = Some(t);
                last_attached = Some(s);
            }
            continue;
        }
        if let (Some(c), Some(prev)) = (current, last_attached) {
            // The next sentence of a record that says who took part and how many ("В них
            // приняли участие более 1,5 тыс. военнослужащих из России, Таджикистана и
            // Киргизии"): its counts and its countries, the ones with the others (probe,
            // session 38: the count was taken, the countries dropped).
            // So does one that names only the invited ("Observers from Uzbekistan have
            // been invited": probe, session 44, the country was lost).
            let cued = !facts.counts.is_empty()
                || !facts.participants.is_empty()
                || !facts.invited.is_empty();
            if prev + 1 == s && facts.cue && cued {
                records[c].add_cued(text, &facts);
                last_attached = Some(s);
            }
            if prev + 1 == s && records[c].add_movement(text, &facts) {
                last_attached = Some(s);
            }
        }
    }
    records.retain(|r| {
        r.named
            || r.date_mention.is_some()
            || !r.sites.is_empty()
            || r.troops.is_some()
            || r.equipment.is_some()
    });
    for r in &mut records {
        r.finish(text, published);
    }
    unique_ids(&mut records, &mut BTreeSet::new());
    records
}

/// Number the ids of `records` that an earlier record took (`taken`, which gets theirs):
/// the second `tajik-exercise-2021` is `tajik-exercise-2021-2`. One article's records, and
/// the records of every article of one `extract` run, so the drafts pasted together pass
/// `check`.
pub fn unique_ids(records: &mut [Record], taken: &mut BTreeSet<String>) {
    for r in records {
        let mut id = r.id.clone();
        let mut k = 2;
        while !taken.insert(id.clone()) {
            id = format!("{}-{k}", r.id);
            k += 1;
        }
        r.id = id;
    }
}

fn read_sentence<'m>(text: &Text<'_>, s: usize, m: Mentions<'m>) -> Sentence<'m> {
    let range = text.sentence_tokens(s);
    let keys: Vec<&str> = range.clone().map(|i| text.key(i)).collect();
    let key_at = |i: usize| text.key(i);
    let event = range.clone().find(|&i| {
        actors::event_word(key_at(i)) && !(key_at(i) == "games" && i > 0 && key_at(i - 1) != "war")
            || (key_at(i) == "operations"
                && i > 0
                && matches!(
                    key_at(i - 1),
                    "counterterrorist" | "terrorist" | "counterterrorism"
                ))
    });
    let names: Vec<&NameMention> = m.names.iter().filter(|n| n.sentence == s).collect();
    // The clause that says what happened ends at "amid", "where", "following".
    let cut = range
        .clone()
        .find(|&i| matches!(key_at(i), "amid" | "where" | "following" | "whereas"))
        .unwrap_or(range.end);
    let caption = keys.iter().any(|k| CAPTION.contains(k));
    let anchor = event.or_else(|| names.first().map(|n| n.tokens.start));
    let date = anchor.and_then(|e| {
        let in_sentence: Vec<&DateMention> = m.dates.iter().filter(|d| d.sentence == s).collect();
        in_sentence
            .iter()
            .find(|d| d.tokens.start > e)
            .or_else(|| {
                in_sentence.iter().rev().find(|d| {
                    d.tokens.end <= e
                        && !(d.tokens.start.saturating_sub(2)..e.min(d.tokens.end + 3))
                            .any(|i| SAYING.contains(&key_at(i)))
                })
            })
            .copied()
    });
    // Put off ("has been postponed until September", "перенесены на октябрь"): the first
    // date after the verb, not the one it is put off from ("postponed from 9-13 September
    // to 7-11 October"), is the drills' date (probe, session 45: the old dates were kept).
    let put_off = event
        .and_then(|_| range.clone().find(|&i| dates::put_off(text, i)))
        .and_then(|verb| {
            let new = m.dates.iter().find(|d| {
                d.sentence == s
                    && d.tokens.start > verb
                    && !matches!(key_at(d.tokens.start.saturating_sub(1)), "from" | "s")
            })?;
            Some((verb, new))
        });
    // What it was put off from: the event's date as read before, or the date after "from".
    let put_off = put_off.map(|(verb, new)| {
        let from = date.filter(|d| !std::ptr::eq(*d, new)).or_else(|| {
            m.dates.iter().find(|d| {
                d.sentence == s
                    && d.tokens.start > verb
                    && matches!(key_at(d.tokens.start.saturating_sub(1)), "from" | "s")
            })
        });
        PutOff {
            words: verb..new.tokens.end,
            new,
            from: from.map(|d| d.reported.clone()),
        }
    });
    let date = put_off.as_ref().map(|p| p.new).or(date);
    // A verb of ending makes its date the last day: the event's date ("will conclude
    // today"), or one after it ("began on August 1, will end on August 10").
    let end = date.and_then(|d| {
        m.dates
            .iter()
            .find(|e| e.sentence == s && e.ends && e.tokens.start >= d.tokens.start)
    });
    // A place after a site preposition is a site, and so is the next of a list of places
    // ("на полигонах Харбмайдон и Ляур", "at Kharbmaidon, Lyaur and Momirak").
    let mut sites: Vec<&PlaceMention> = Vec::new();
    if !caption {
        let mut previous: Option<&PlaceMention> = None;
        for p in m.places {
            if p.sentence != s || p.tokens.start >= cut {
                continue;
            }
            let after_preposition = (p.tokens.start.saturating_sub(3).max(range.start)
                ..p.tokens.start)
                .any(|i| SITE_PREPOSITIONS.contains(&key_at(i)));
            let listed = previous.is_some_and(|q| {
                sites.last().is_some_and(|l| std::ptr::eq(*l, q))
                    && actors::listed(text, &q.tokens, &p.tokens)
            });
            if after_preposition || listed {
                sites.push(p);
            }
            previous = Some(p);
        }
    }
    if sites.iter().any(|p| training_ground(p)) {
        sites.retain(|p| training_ground(p));
    }
    let cue = keys.iter().any(|k| {
        PARTICIPATION.contains(k) || RUSSIAN_PARTICIPATION.iter().any(|p| k.starts_with(p))
    });
    // A count after "due to" or "mobilization of" counts another movement of troops: every
    // count after the first such word (found once, not once per count).
    let counts: Vec<&CountMention> = if cue {
        let from = range
            .clone()
            .find(|&i| {
                matches!(
                    key_at(i),
                    "mobilization" | "mobilisation" | "buildup" | "because"
                ) || (key_at(i) == "due" && key_at(i + 1) == "to")
            })
            .unwrap_or(range.end);
        let elsewhere = |c: &CountMention| from < c.tokens.start;
        m.counts
            .iter()
            .filter(|c| c.sentence == s && !elsewhere(c))
            .collect()
    } else {
        Vec::new()
    };
    let mut participants = Vec::new();
    let mut invited = Vec::new();
    let mut host = None;
    let mut held_in: Vec<&CountryMention> = Vec::new();
    // The first country of the list `held_in` is read from.
    let mut held_list = None;
    for (at, c) in m.countries.iter().enumerate() {
        if c.sentence != s {
            continue;
        }
        let (own, b) = (c.tokens.start, c.tokens.end);
        let near = |from: usize, to: usize, words: &[&str]| {
            (from.max(range.start)..to.min(range.end)).any(|i| words.contains(&key_at(i)))
        };
        // A country of a list ("in Russia and Kazakhstan") is where its first one is.
        let first = actors::list_start(text, m.countries, at);
        let a = m.countries[first].tokens.start;
        // A word of `words` one or two words before the country (the list), in the same
        // phrase: "in southern Uzbekistan", not "In 2021, Russia" (a comma or a number
        // between).
        let right_before = |words: &[&str]| {
            (a.saturating_sub(2).max(range.start)..a).any(|i| {
                words.contains(&key_at(i))
                    && (i + 1..=a).all(|k| text.tokens[k].joined)
                    && !(i + 1..a).any(|k| text.tokens[k].number)
            })
        };
        let mut k = b;
        while k < range.end
            && k < b + 3
            && matches!(
                key_at(k),
                "s" | "southern"
                    | "northern"
                    | "eastern"
                    | "western"
                    | "tajik"
                    | "afghan"
                    | "uzbek"
            )
        {
            k += 1;
        }
        if BORDER.contains(&key_at(k))
            || (own >= 2
                && matches!(key_at(own - 1), "with" | "s" | "so")
                && BORDER.contains(&key_at(own - 2)))
            || near(
                b,
                b + 4,
                &["withdraw", "withdrawal", "declaration", "decision"],
            )
            || own >= cut
        {
            continue;
        }
        // Absent, the enemy and the maker of equipment take no part; observers and the
        // invited are recorded as invited.
        match actors::standing(text, m.countries, at) {
            Standing::Absent | Standing::Enemy | Standing::Maker => continue,
            Standing::Observer | Standing::Invited => {
                invited.push(c);
                continue;
            }
            Standing::Named => {}
        }
        // "in Serbia", "in Afghanistan", "на юге Узбекистана": where, not who.
        let region = region_of(text, a, range.start);
        let located = right_before(&["in", "inside", "across", "v", "vo", "territorii"])
            || region
            || (own >= 2 && key_at(own - 1) == "of" && key_at(own - 2) == "out");
        if near(b, b + 3, &["hosting", "hosts", "hosted"]) && !c.demonym {
            host = Some(c);
        }
        if held_list.is_none_or(|l| l == first)
            && !c.demonym
            && event.is_some_and(|e| a > e)
            && (right_before(&["in", "v", "vo", "territorii"]) || region)
        {
            held_list = Some(first);
            held_in.push(c);
        }
        if !located {
            participants.push(c);
        }
    }
    let org = m
        .orgs
        .iter()
        .find(|o| o.sentence == s && o.tokens.start < cut);
    let stage = range.clone().find_map(|i| {
        (key_at(i) == "stage").then(|| match key_at(i.saturating_sub(1)) {
            "first" => Some("First stage"),
            "second" => Some("Second stage"),
            "third" => Some("Third stage"),
            "final" => Some("Final stage"),
            _ => None,
        })?
    });
    let scenario = keys.iter().enumerate().any(|(k, w)| {
        *w == "scenario"
            || matches!(
                *w,
                "rehearsed" | "practised" | "practiced" | "aimed" | "focused"
            )
            || (*w == "to"
                && keys.get(k + 1).is_some_and(|n| {
                    matches!(
                        *n,
                        "defeat"
                            | "neutralize"
                            | "neutralise"
                            | "practice"
                            | "practise"
                            | "repel"
                            | "destroy"
                            | "wipe"
                            | "rehearse"
                    )
                }))
    });
    // A movement with its own day ("deployed … on Tuesday"): the first date of the sentence
    // to the day, whatever the event word.
    let moving = keys.iter().any(|k| MOVEMENT.contains(k));
    let called_off = event.and_then(|e| called_off(text, range.clone(), e));
    let movement = moving
        .then(|| {
            m.dates.iter().find(|d| {
                d.sentence == s
                    && d.start.is_some()
                    && (d.precision == DatePrecision::Day || d.relative)
            })
        })
        .flatten();
    Sentence {
        index: s,
        event,
        movement,
        moving,
        names,
        date,
        end,
        sites,
        counts,
        participants,
        invited,
        host,
        held_in,
        org,
        cue,
        stage: stage.map(str::to_owned),
        scenario,
        called_off,
        put_off,
    }
}

/// Whether the words right before token `a` (a country, or the first of a list), from
/// `start` on, name a region of it after "на", "в" or "in": "на юге Узбекистана", "на
/// юго-востоке", "в южной части", "в юго-восточной части", "in the south of Uzbekistan",
/// "in the north-east of", "in the southern part of", "in south-eastern Uzbekistan" ("in
/// southern Uzbekistan" is "in" two words before, read as "in Uzbekistan" is).
fn region_of(text: &Text<'_>, a: usize, start: usize) -> bool {
    let key = |i: usize| if i >= start { text.key(i) } else { "" };
    let joined = |from: usize| (from + 1..=a).all(|k| text.tokens.get(k).is_some_and(|t| t.joined));
    const SIDES: &[&str] = &["yuge", "severe", "vostoke", "zapade"];
    const COMPASS: &[&str] = &[
        "south",
        "north",
        "east",
        "west",
        "southeast",
        "northeast",
        "southwest",
        "northwest",
    ];
    let Some(before) = a.checked_sub(1) else {
        return false;
    };
    // "на юге", "на юго-востоке".
    if SIDES.contains(&key(before)) {
        let mut p = before;
        if p > 0 && matches!(key(p - 1), "yugo" | "severo") {
            p -= 1;
        }
        return p > 0 && key(p - 1) == "na" && joined(p - 1);
    }
    // "in south-eastern", "in north-western".
    if matches!(key(before), "eastern" | "western")
        && before >= 2
        && matches!(key(before - 1), "south" | "north")
        && key(before - 2) == "in"
    {
        return joined(before - 2);
    }
    // "в южной части", "в юго-восточной части".
    const PART: &[&str] = &[
        "yuzhnoy",
        "severnoy",
        "vostochnoy",
        "zapadnoy",
        "tsentralnoy",
    ];
    if key(before) == "chasti" && before > 0 && PART.contains(&key(before - 1)) {
        let mut p = before - 1;
        if p > 0 && matches!(key(p - 1), "yugo" | "severo") {
            p -= 1;
        }
        return p > 0 && key(p - 1) == "v" && joined(p - 1);
    }
    // "in the southern part of", "in the south-eastern part of".
    const PART_EN: &[&str] = &["southern", "northern", "eastern", "western", "central"];
    if key(before) == "of"
        && before >= 2
        && key(before - 1) == "part"
        && PART_EN.contains(&key(before - 2))
    {
        let mut p = before - 2;
        if p > 0 && matches!(key(p - 1), "south" | "north") {
            p -= 1;
        }
        return p >= 2 && key(p - 1) == "the" && key(p - 2) == "in" && joined(p - 2);
    }
    // "in the south of", "in the north-east of".
    if key(before) == "of" && before > 0 && COMPASS.contains(&key(before - 1)) {
        let mut p = before - 1;
        if p > 0 && matches!(key(p - 1), "south" | "north") {
            p -= 1;
        }
        return p >= 2 && key(p - 1) == "the" && key(p - 2) == "in" && joined(p - 2);
    }
    false
}

fn training_ground(p: &PlaceMention) -> bool {
    match p.status {
        Status::Unresolved => true,
        _ => p
            .candidates
            .first()
            .is_some_and(|c| c.kind == PlaceKind::TrainingGround.as_str()),
    }
}

/// A site the sentence describes without naming it: "a military range near the Afghan
/// border", from "a" or "the" through a site word ("range", "training ground") to the end
/// of the clause (at most six words after it). Its byte span.
fn described_site(text: &Text<'_>, s: usize) -> Option<Range<usize>> {
    let range = text.sentence_tokens(s);
    let head = range
        .clone()
        .find(|&i| super::places::head_word(text, i) && !text.capitalised(i))?;
    let mut first = head;
    while first > range.start
        && head - first < 4
        && text.tokens[first].joined
        && !text.capitalised(first - 1)
        && !matches!(text.key(first), "a" | "an" | "the")
    {
        first -= 1;
    }
    if !matches!(text.key(first), "a" | "an" | "the") {
        return None;
    }
    let mut last = head;
    while last + 1 < range.end && last - head < 6 && text.tokens[last + 1].joined {
        last += 1;
    }
    Some(text.phrase_span(first, last))
}

/// What tells a record's sites apart: the chosen place's id, else its words; `None` for a
/// stage whose place the article does not name.
fn site_key(s: &SiteDraft) -> Option<&str> {
    s.candidates
        .first()
        .map(|c| c.id.as_str())
        .or(s.place.as_deref())
}

/// Add a country to a list of participants or invited, with its words, unless listed.
fn add_country(
    list: &mut Vec<Field<String>>,
    text: &Text<'_>,
    c: &CountryMention,
    confidence: f64,
) {
    if !list.iter().any(|p| p.value == c.code) {
        list.push(Field::quote(
            c.code.to_owned(),
            text,
            span(text, &c.quoted),
            confidence,
        ));
    }
}

fn date_value(d: &DateMention) -> Option<DateValue> {
    Some(DateValue {
        start: d.start_iso()?,
        end: d.end_iso(),
        precision: d.precision,
        year_inferred: d.year_inferred,
        relative: d.relative,
        weekday: d.weekday,
    })
}

fn date_confidence(d: &DateMention) -> f64 {
    if d.relative {
        0.6
    } else if d.year_inferred {
        0.8
    } else {
        0.9
    }
}

/// `s` as an id, by the one rule of ids made from names ([`crate::read::places::slug`]),
/// or `or` when it gives none (a name in a script that is not transliterated): a draft's
/// ids are read back by `check` as any record's.
fn slug_or(s: &str, or: &str) -> String {
    match crate::read::places::slug(s) {
        id if id.is_empty() => or.to_owned(),
        id => id,
    }
}

impl Record {
    fn named(text: &Text<'_>, name: &NameMention) -> Record {
        let quoted =
            text.source[..text.tokens[name.tokens.start].span.start].ends_with(['“', '"', '«']);
        Record {
            name: Field::quote(
                name.name.clone(),
                text,
                span(text, &name.tokens),
                if quoted || name.year.is_some() {
                    0.9
                } else {
                    0.7
                },
            ),
            named: true,
            ..Record::unnamed()
        }
    }

    fn unnamed() -> Record {
        Record {
            id: String::new(),
            name: Field::unquoted(String::new()),
            named: false,
            kind: None,
            organisation: None,
            host: None,
            participants: Vec::new(),
            invited: Vec::new(),
            troops: None,
            equipment: None,
            scenario: None,
            date: None,
            end: None,
            sites: Vec::new(),
            called_off: None,
            put_off: None,
            sentences: Vec::new(),
            date_mention: None,
            held_in: Vec::new(),
            held_in_sentence: 0,
        }
    }

    fn attach(&mut self, text: &Text<'_>, f: &Sentence<'_>, named: bool, creating: bool) {
        self.sentences.push(f.index);
        if let (None, Some(words)) = (&self.called_off, &f.called_off) {
            self.called_off = Some(Field::sentence(words.clone(), text, f.index, 0.7));
        }
        if let (None, Some(p)) = (&self.put_off, &f.put_off) {
            let from = p.from.clone().unwrap_or_default();
            self.put_off = Some(Field::quote(from, text, span(text, &p.words), 0.7));
        }
        if let Some(d) = f.date {
            self.take_date(text, d, f.end);
        }
        for p in &f.sites {
            self.add_site(text, p, f);
        }
        let speaks = creating || named || f.cue;
        if speaks {
            for c in &f.participants {
                add_country(
                    &mut self.participants,
                    text,
                    c,
                    if creating { 0.8 } else { 0.6 },
                );
            }
        }
        for c in &f.invited {
            add_country(&mut self.invited, text, c, 0.7);
        }
        if self.host.is_none() {
            if let Some(h) = f.host {
                self.host = Some(Field::sentence(h.code.to_owned(), text, f.index, 0.9));
            }
        }
        if self.organisation.is_none() && (creating || named) {
            if let Some(o) = f.org {
                self.organisation = Some(Field::quote(
                    o.acronym.to_owned(),
                    text,
                    span(text, &o.tokens),
                    0.7,
                ));
            }
        }
        if self.kind.is_none() {
            if let Some(e) = f.event {
                let from = (e.saturating_sub(4)..e)
                    .find(|&i| KIND_WORDS.contains(&text.key(i)))
                    .filter(|&i| (i..e).all(|k| KIND_WORDS.contains(&text.key(k))));
                if let Some(i) = from {
                    let phrase = text.phrase(i, e - 1).to_lowercase();
                    self.kind = Some(Field::quote(phrase, text, text.phrase_span(i, e), 0.7));
                }
            }
        }
        if self.scenario.is_none() && f.scenario {
            let sentence = text.sentence(f.index).to_owned();
            self.scenario = Some(Field::sentence(sentence, text, f.index, 0.5));
        }
        if self.held_in.is_empty() && !f.held_in.is_empty() {
            self.held_in = f
                .held_in
                .iter()
                .map(|c| Field::quote(c.code.to_owned(), text, span(text, &c.quoted), 0.6))
                .collect();
            self.held_in_sentence = f.index;
        }
        self.add_counts(text, f);
    }

    /// The record's date from a date a sentence gives it, when it agrees with the one it has
    /// and says more, with the last day a verb of ending gives (`end`): the date itself
    /// ("will conclude today": no first day), or a later date of one day or month after a
    /// first one ("began on August 1, will end on August 10").
    fn take_date(&mut self, text: &Text<'_>, d: &DateMention, end: Option<&DateMention>) {
        if self.completed_by(text, d) {
            let v = date_value(d).map(|v| Field::quote(v, text, d.at.into(), date_confidence(d)));
            if d.ends {
                self.end = v;
            } else {
                self.date = v;
                self.date_mention = Some(d.clone());
            }
            return;
        }
        let compatible = self
            .date_mention
            .as_ref()
            .is_none_or(|old| d.compatible(old));
        let finer = self.date_mention.as_ref().is_none_or(|old| {
            d.precision < old.precision || (old.start.is_none() && d.start.is_some())
        });
        if compatible && finer {
            let quote = |d: &DateMention| {
                date_value(d).map(|v| Field::quote(v, text, d.at.into(), date_confidence(d)))
            };
            let (first, last) = match end {
                Some(e) if std::ptr::eq(e, d) => (None, Some(e)),
                Some(e) if d.end_iso().is_none() && e.start.is_some() && e.start >= d.end => {
                    (Some(d), Some(e))
                }
                _ => (Some(d), None),
            };
            if date_value(d).is_some() {
                self.date = first.and_then(quote);
                self.end = last.and_then(quote);
            }
            self.date_mention = Some(d.clone());
        }
    }

    /// Whether `d`, from a later sentence, gives the other end of the record's period: a
    /// first day on or before the only day it has, a last one ("…will run until April 25.
    /// The exercise began on March 28"), or a last day on or after the first day it has and
    /// no last ("began on March 28. The drills will last until April 25"). Probe, session
    /// 44: either sentence opened a second record.
    ///
    /// Not across more than [`LONGEST_DAYS`] from the day it has, nor from a sentence of
    /// "another" exercise (review, session 44: "…began at Lyaur on March 28. Another exercise
    /// will be held at Momirak until May 30, 2025" made one record of both).
    fn completed_by(&self, text: &Text<'_>, d: &DateMention) -> bool {
        let Some(rd) = &self.date_mention else {
            return false;
        };
        let (Some(first), Some(last), Some(day)) = (rd.start, rd.end, d.start) else {
            return false;
        };
        let another = text
            .sentence_tokens(d.sentence)
            .any(|i| text.key(i) == "another" || crate::names::dates::is_russian(text, i, ANOTHER));
        let near = (day.epoch_days() - first.epoch_days()).abs() <= LONGEST_DAYS;
        if another || !near {
            return false;
        }
        if rd.ends {
            !d.ends && self.date.is_none() && day <= first
        } else {
            d.ends && self.end.is_none() && rd.end_iso().is_none() && day >= last
        }
    }

    /// A record opened by a movement ahead of it ("Russian tanks were deployed to the Lyaur
    /// training ground on Tuesday ahead of military exercises next month", before the drills'
    /// own sentence): the sentence dates the record and opens its "Deployment" stage, and
    /// says nothing else of the drills, so the next sentence about them speaks for the record
    /// as if it came first (probe, session 38: the stage's place became the drills' site, the
    /// drills' organisation was dropped). Whether the sentence was such a lead; if not, the
    /// record is left as it was.
    fn open_with_movement(&mut self, text: &Text<'_>, f: &Sentence<'_>) -> bool {
        let (Some(_), Some(d)) = (f.movement, f.date) else {
            return false;
        };
        self.take_date(text, d, f.end);
        if self.add_movement(text, f) {
            return true;
        }
        self.date = None;
        self.end = None;
        self.date_mention = None;
        false
    }

    /// What a sentence of taking part without an event word adds to the record before it:
    /// its counts, its participants and the invited.
    fn add_cued(&mut self, text: &Text<'_>, f: &Sentence<'_>) {
        self.add_counts(text, f);
        for c in &f.participants {
            add_country(&mut self.participants, text, c, 0.6);
        }
        for c in &f.invited {
            add_country(&mut self.invited, text, c, 0.7);
        }
    }

    fn add_counts(&mut self, text: &Text<'_>, f: &Sentence<'_>) {
        for c in &f.counts {
            let slot = match c.kind {
                CountKind::Troops => &mut self.troops,
                CountKind::Equipment => &mut self.equipment,
            };
            if slot.is_none() {
                let value = QualifiedCount {
                    value: c.value,
                    qualifier: c.qualifier.clone(),
                };
                *slot = Some(Field::quote(value, text, c.at.into(), 0.8));
            }
        }
    }

    /// A movement to a site before the record's own date ("Russian tanks were deployed …
    /// on Tuesday ahead of military exercises next month"; "Tank crews … made a journey to a
    /// military range"): a "Deployment" stage with its own day and its own participants,
    /// each with its quote. Its place is the place a sentence of the movement names (a
    /// training ground first), looked up like any site; where they only describe it ("a
    /// military range near the Afghan border"), the description is kept as `reported` and
    /// no place is proposed. Whether the sentence added to the stage.
    fn add_movement(&mut self, text: &Text<'_>, f: &Sentence<'_>) -> bool {
        let staged = self
            .sites
            .iter()
            .position(|s| s.stage.as_deref() == Some(DEPLOYMENT));
        // A movement with a day before the record's opens the stage; a movement without
        // one, right after, only tells more of it ("made a journey to a military range").
        let dated = f.movement.and_then(|d| {
            let before = match (
                self.date_mention.as_ref().and_then(|r| r.start),
                d.end.or(d.start),
            ) {
                (Some(record_start), Some(moved)) => moved < record_start,
                _ => false,
            };
            let value = date_value(d).filter(|_| before)?;
            Some(Field::quote(value, text, d.at.into(), date_confidence(d)))
        });
        let at = match (staged, &dated) {
            (Some(at), _) if f.moving => at,
            (None, Some(_)) => {
                self.sites.push(SiteDraft {
                    id: String::new(),
                    stage: Some(DEPLOYMENT.to_owned()),
                    place: None,
                    reported: Field::unquoted(String::new()),
                    country: None,
                    status: Status::Unresolved,
                    candidates: Vec::new(),
                    date: None,
                    after: None,
                    participants: Vec::new(),
                    words_at: 0..0,
                    sentence: f.index,
                    country_at: None,
                });
                self.sites.len() - 1
            }
            _ => return false,
        };
        let sentence: Position = text.sentence_span(f.index).into();
        let site = &mut self.sites[at];
        if site.date.is_none() {
            site.date = dated;
        }
        // A named place (the sentence's sites: a training ground wins over its region)
        // wins over a description; the first of each is kept.
        if site.place.is_none() {
            if let Some(p) = f.sites.first() {
                let best = p.best();
                site.place = Some(best.map_or_else(|| p.reported.clone(), |b| b.name.clone()));
                site.reported = Field::sentence(
                    p.reported.clone(),
                    text,
                    f.index,
                    round2(p.confidence * 0.9),
                );
                site.words_at = p.at.into();
                site.country = p.country().map(str::to_owned);
                site.status = p.status;
                site.candidates = p.candidates.clone();
            } else if site.reported.value.is_empty() {
                if let Some(words) = described_site(text, f.index) {
                    site.reported = Field::sentence(
                        text.source[words.clone()].to_owned(),
                        text,
                        f.index,
                        super::places::UNRESOLVED_CONFIDENCE,
                    );
                    site.words_at = words;
                }
            }
        }
        for c in &f.participants {
            add_country(&mut site.participants, text, c, 0.6);
        }
        // A place the sentence named is the stage's, not another site of the record.
        let stage_key = site_key(site).map(str::to_owned);
        self.sites.retain(|s| {
            s.stage.is_some() || s.reported.at != sentence || site_key(s) != stage_key.as_deref()
        });
        true
    }

    /// A stage without a date of its own that the article says is still to come (its
    /// sentence, or the one right after it: "We plan to carry out the second stage …";
    /// "The timing of the next drills is not yet set.") is on or after the article's date,
    /// quoted by the sentence that says so, unless the record's date may be its own (it
    /// lasts to the article's date or later). Otherwise it would take the record's date,
    /// another stage's (defect: Steppe Freedom's second stage, planned in an article of 23
    /// July 2018, drafted undated beside the exercise's July 16, was put on the map on July
    /// 16). Without the article's date, the bound is left for the analyst to give.
    fn bound_stages_to_come(&mut self, text: &Text<'_>, published: Option<Published>) {
        let record_last = self.date_mention.as_ref().and_then(|d| d.end.or(d.start));
        let published_first = published.and_then(|p| p.first_day());
        if let (Some(last), Some(first)) = (record_last, published_first) {
            if last >= first {
                return; // the record's date may be the stage's
            }
        }
        for site in &mut self.sites {
            let undated_stage =
                site.date.is_none() && site.stage.as_deref().is_some_and(|s| s != DEPLOYMENT);
            if !undated_stage {
                continue;
            }
            let says = [site.sentence, site.sentence + 1]
                .into_iter()
                .filter(|&s| s < text.sentences.len())
                .find(|&s| to_come(text, s));
            if let Some(s) = says {
                let value = published.map(|p| p.iso());
                site.after = Some(Field::sentence(value, text, s, 0.6));
            }
        }
    }

    fn add_site(&mut self, text: &Text<'_>, p: &PlaceMention, f: &Sentence<'_>) {
        let best = p.best();
        let key = best.map_or_else(|| p.reported.clone(), |b| b.id.clone());
        // A last day alone ("will conclude today") is the record's `end`: a site's date
        // is a period from its first day.
        let date = f.date.filter(|d| !d.ends).and_then(|d| {
            Some(Field::quote(
                date_value(d)?,
                text,
                d.at.into(),
                date_confidence(d),
            ))
        });
        if let Some(old) = self
            .sites
            .iter_mut()
            .find(|s| site_key(s) == Some(key.as_str()))
        {
            if old.stage.is_none() {
                old.stage = f.stage.clone();
            }
            if old.date.is_none() {
                old.date = date;
            }
            return;
        }
        self.sites.push(SiteDraft {
            id: String::new(),
            stage: f.stage.clone(),
            place: Some(best.map_or_else(|| p.reported.clone(), |b| b.name.clone())),
            reported: Field::sentence(
                p.reported.clone(),
                text,
                f.index,
                round2(p.confidence * 0.9),
            ),
            country: p.country().map(str::to_owned),
            status: p.status,
            candidates: p.candidates.clone(),
            date,
            after: None,
            participants: Vec::new(),
            words_at: p.at.into(),
            sentence: f.index,
            country_at: p
                .named_country_at
                .filter(|_| p.named_country.as_deref() == p.country())
                .map(Into::into),
        });
    }

    /// Settle the id, draft name, host, site ids and the dates of stages still to come once
    /// every sentence is read.
    fn finish(&mut self, text: &Text<'_>, published: Option<Published>) {
        // The drills' own sites come first (they name the record and give its host), then
        // the movement ahead of them, whichever the article told first.
        let (mut sites, moved): (Vec<SiteDraft>, Vec<SiteDraft>) = std::mem::take(&mut self.sites)
            .into_iter()
            .partition(|s| s.stage.as_deref() != Some(DEPLOYMENT));
        sites.extend(moved);
        self.sites = sites;
        if self.host.is_none() {
            let countries: BTreeSet<&str> = self
                .sites
                .iter()
                .filter_map(|s| s.country.as_deref())
                .collect();
            if countries.len() == 1 {
                if let (Some(c), Some(site)) = (countries.first(), self.sites.first()) {
                    // The words that name the country ("in Kazakhstan" after the place), else the
                    // place's.
                    let words = site.country_at.clone().unwrap_or(site.words_at.clone());
                    self.host = Some(Field::quote((*c).to_owned(), text, words, 0.7));
                }
            } else if countries.is_empty() {
                if let [c] = self.held_in.as_slice() {
                    let s = self.held_in_sentence;
                    self.host = Some(Field::sentence(c.value.clone(), text, s, 0.6));
                }
            }
        }
        // A site's date that is the record's date is the record's, not the site's: of one
        // site, or of several that all have it (probe, session 45: "began joint drills near
        // Bokhtar in Khatlon region on Thursday. The exercise will last until August 10"
        // gave each site Thursday alone, and the layer a one-day site).
        let record_date = self.date.as_ref().map(|d| d.value.clone());
        let all_the_record_s = self.sites.iter().all(|s| {
            s.stage.is_none()
                && s.date
                    .as_ref()
                    .is_none_or(|d| Some(&d.value) == record_date.as_ref())
        });
        if self.sites.len() <= 1 || all_the_record_s {
            for s in &mut self.sites {
                if s.date.as_ref().map(|d| &d.value) == record_date.as_ref() {
                    s.date = None;
                }
            }
        }
        if self.scenario.is_none() {
            if let Some(&first) = self.sentences.first() {
                let sentence = text.sentence(first).to_owned();
                self.scenario = Some(Field::sentence(sentence, text, first, 0.2));
            }
        }
        self.bound_stages_to_come(text, published);
        // A deployment whose site no sentence names or describes is no site.
        self.sites
            .retain(|s| s.place.is_some() || !s.reported.value.is_empty());
        // Per-site participants are written when they say something the record does not:
        // several sites, and not everyone of the record at this one.
        let several = self.sites.len() > 1;
        let everyone: BTreeSet<&str> = self.participants.iter().map(|p| p.value.as_str()).collect();
        for s in &mut self.sites {
            let here: BTreeSet<&str> = s.participants.iter().map(|p| p.value.as_str()).collect();
            if !several || here == everyone {
                s.participants.clear();
            }
        }
        // One site without a stage beside stages is the main one.
        let unstaged = self.sites.iter().filter(|s| s.stage.is_none()).count();
        let single = self.sites.len() == 1 || unstaged == 1;
        for (i, s) in self.sites.iter_mut().enumerate() {
            s.id = match (&s.stage, single) {
                (Some(stage), _) => slug_or(stage, &format!("site-{}", i + 1))
                    .replace("first-stage", "stage-1")
                    .replace("second-stage", "stage-2")
                    .replace("third-stage", "stage-3"),
                (None, true) => "main".to_owned(),
                (None, false) => format!("site-{}", i + 1),
            };
        }
        if !self.named {
            let adjectives: Vec<String> = self
                .participants
                .iter()
                .filter_map(|p| actors::adjective(&p.value))
                .collect();
            let mut name = if adjectives.is_empty() {
                match &self.organisation {
                    Some(o) => format!("{} exercise", o.value),
                    None => "Exercise".to_owned(),
                }
            } else {
                format!("{} exercise", adjectives.join("-"))
            };
            if let Some((site, place)) =
                self.sites.iter().find_map(|s| Some((s, s.place.as_ref()?)))
            {
                let at = site
                    .candidates
                    .first()
                    .is_none_or(|c| c.kind == PlaceKind::TrainingGround.as_str());
                name.push_str(&format!(" {} {place}", if at { "at" } else { "in" }));
            }
            self.name = match self.sentences.first() {
                Some(&s) => Field::sentence(name, text, s, 0.3),
                None => Field {
                    confidence: 0.3,
                    ..Field::unquoted(name)
                },
            };
        }
        let year = self
            .date
            .as_ref()
            .or(self.end.as_ref())
            .map(|d| d.value.start[..4].to_owned());
        self.id = match (self.named, year) {
            (true, _) => slug_or(&self.name.value, "exercise"),
            (false, Some(y)) => format!("{}-{y}", slug_or(&self.name.value, "exercise")),
            (false, None) => slug_or(&self.name.value, "exercise"),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Review finding: each quote of a sentence was a copy of it. The quotes of one
    /// sentence hold one text, written as before.
    #[test]
    fn quotes_of_one_sentence_share_its_text() {
        let text = Text::new("Drills at Termez. Troops at Ayni and Kulob.");
        let a = Field::sentence("a", &text, 1, 0.5);
        let b = Field::sentence("b", &text, 1, 0.5);
        assert_eq!(a.reported.as_str(), "Troops at Ayni and Kulob.");
        assert!(a.reported.shares(&b.reported));
        assert_eq!(a.at, b.at);
        assert_eq!(
            serde_json::to_value(&a).unwrap()["reported"],
            "Troops at Ayni and Kulob."
        );
        assert!(!Field::sentence("c", &text, 0, 0.5)
            .reported
            .shares(&a.reported));
        assert_eq!(Field::sentence("d", &text, 9, 0.5).reported.as_str(), "");
    }
}
