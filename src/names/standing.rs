//! What a sentence makes of a country it names: taking part, said not to, the enemy, an
//! observer, the maker of equipment or invited, read from the words around the name
//! ([`standing`]). Below `read`, so the evidence checks and `extract` read a quote alike: a
//! country `extract` drafts as not taking part is one `check` refuses as a participant.

use std::ops::Range;

use super::countries::CountryMention;
use super::text::Text;

/// Each country `quote` names, in order, with what the quote makes of it: a country named
/// twice ("Russia took part with Russian-made tanks") is listed with each of its standings.
pub fn standings(quote: &str) -> Vec<(&'static str, Standing)> {
    let text = Text::new(quote);
    let found = super::countries::table().find(&text);
    (0..found.len())
        .map(|k| (found[k].code, standing(&text, &found, k)))
        .collect()
}

/// What a sentence makes of a country it names, read from the words around the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Named, with nothing around it that says it is not a participant.
    Named,
    /// Said not to take part ("Kyrgyzstan did not take part", "без участия Кыргызстана").
    Absent,
    /// The exercise's enemy or the origin of its scenario ("a simulated attack from
    /// Afghanistan", "условного противника из Афганистана", "Afghan militants").
    Enemy,
    /// Watching ("observers from China attended", "наблюдатели из Китая").
    Observer,
    /// The maker of equipment ("Russian-made T-72 tanks", "российского производства").
    Maker,
    /// Invited ("invited Kazakhstan"), one or two words before it.
    Invited,
}

/// How many words before and after a country the cues are looked for in.
const WINDOW: usize = 6;

/// Words of a cue: English words (exact keys) and Russian stems (key prefixes, which
/// take every case ending).
struct Cue {
    words: &'static [&'static str],
    stems: &'static [&'static str],
}

impl Cue {
    fn has(&self, key: &str) -> bool {
        self.words.contains(&key) || self.stems.iter().any(|s| key.starts_with(s))
    }
}

/// A word that negates or refuses ("not", "declined", "не", "отказался"; the "t" of
/// "didn't" is read apart, after its apostrophe).
const NEGATION: Cue = Cue {
    words: &[
        "not",
        "never",
        "nor",
        "cannot",
        "declined",
        "refused",
        "declines",
        "refuses",
        "ne",
        "net",
        "no",
        "cancelled",
        "canceled",
        "cancels",
    ],
    stems: &["otkaz"],
};

/// Taking part: what a negation before it denies.
const TAKING_PART: Cue = Cue {
    words: &[
        "part",
        "participate",
        "participates",
        "participated",
        "participating",
        "participation",
        "join",
        "joins",
        "joined",
        "attend",
        "attends",
        "attended",
        "involved",
        "invited",
        "participants",
        "send",
        "sent",
        "arrive",
        "arrived",
    ],
    stems: &["uchast", "prisoedin", "priglash"],
};

/// Words after a country that say it stayed away ("Armenia boycotted the drills",
/// "Kyrgyzstan has withdrawn from the drills"; "pulled" only before "out").
const STAYED_AWAY: Cue = Cue {
    words: &[
        "absent",
        "absence",
        "boycotted",
        "boycotts",
        "boycott",
        "skipped",
        "withdrew",
        "withdrawn",
        "withdraws",
    ],
    stems: &["otsutstv"],
};

/// Words that may stand between a country and [`STAYED_AWAY`] ("Armenia was absent",
/// "in Uzbekistan's absence").
const STAYED_AWAY_LINK: &[&str] = &["was", "were", "is", "are", "has", "have", "had", "s"];

/// Words that may stand with a negation after a country when the phrase ends there
/// ("Russia took part, Kyrgyzstan did not.", "Kazakhstan and Armenia will not").
const ELLIPSIS: &[&str] = &[
    "did", "does", "do", "will", "would", "was", "were", "has", "had", "didn", "doesn", "won",
    "wasn", "hasn", "and", "or", "i",
];

/// Words before a country that leave it out ("without Kyrgyzstan", "except Armenia",
/// "без участия Кыргызстана").
const WITHOUT: Cue = Cue {
    words: &["without", "except", "excluding", "bez"],
    stems: &["isklyuchen"],
};

/// Words that may stand between [`WITHOUT`] and the country.
const WITHOUT_LINK: Cue = Cue {
    words: &[
        "the",
        "participation",
        "involvement",
        "presence",
        "of",
        "and",
        "or",
        "i",
        "za",
    ],
    stems: &["uchast", "prisutstv"],
};

/// The exercise's enemy, an attack or a threat.
const ENEMY: Cue = Cue {
    words: &[
        "enemy",
        "enemies",
        "adversary",
        "adversaries",
        "aggressor",
        "aggressors",
        "invader",
        "invaders",
        "invasion",
        "incursion",
        "incursions",
        "infiltration",
        "attack",
        "attacks",
        "militant",
        "militants",
        "insurgent",
        "insurgents",
        "terrorist",
        "terrorists",
        "infiltrators",
        "intruders",
        "raiders",
        "gangs",
        "bandits",
        "threat",
        "threats",
    ],
    stems: &[
        "protivnik",
        "agressor",
        "vtorzh",
        "vtorg",
        "napadeni",
        "napavsh",
        "boevik",
        "terrorist",
        "bandformirov",
        "bandgrupp",
        "bandit",
        "pronik",
        "ugroz",
    ],
};

/// Words after an [`ENEMY`] word that make it a weapon ("attack helicopters").
const WEAPON: &[&str] = &[
    "helicopter",
    "helicopters",
    "aircraft",
    "jet",
    "jets",
    "plane",
    "planes",
    "drone",
    "drones",
    "submarine",
    "submarines",
    "boat",
    "boats",
    "craft",
    "vehicle",
    "vehicles",
];

/// Where an enemy comes from ("from", "из", "с территории", "со стороны").
const ORIGIN: Cue = Cue {
    words: &["from", "by", "iz", "s", "so"],
    stems: &[],
};

/// Words that may stand between an [`ENEMY`] word and the country.
const ENEMY_LINK: Cue = Cue {
    words: &[
        "from",
        "by",
        "the",
        "a",
        "territory",
        "of",
        "neighbouring",
        "neighboring",
        "coming",
        "advancing",
        "infiltrating",
        "invading",
        "crossing",
        "based",
        "backed",
        "group",
        "groups",
        "cells",
        "formations",
        "and",
        "or",
        "i",
        "iz",
        "s",
        "so",
        "storony",
        "territorii",
    ],
    stems: &["sopredel", "sosed", "grupp", "formirovan", "gosudarstv"],
};

/// Observers ("observers", "наблюдатели"), who may be named before their country.
const OBSERVER_NOUN: Cue = Cue {
    words: &["observer", "observers"],
    stems: &["nablyudatel"],
};

/// Watching, said after the country ("China observed the drills", "Китай наблюдал").
const OBSERVING: Cue = Cue {
    words: &[
        "observer",
        "observers",
        "observed",
        "observing",
        "watched",
        "watching",
    ],
    stems: &["nablyuda"],
};

/// Words that may stand between observers and their country ("observers from Russia and
/// China", "в качестве наблюдателей присутствовали представители Китая").
const OBSERVER_BEFORE_LINK: Cue = Cue {
    words: &["from", "of", "the", "and", "or", "iz", "ot", "i"],
    stems: &["prisutstv", "predstavit"],
};

/// Words that may stand between a country and its observers ("China sent military
/// observers", "China attended as an observer", "Китай направил наблюдателей").
const OBSERVER_AFTER_LINK: Cue = Cue {
    words: &[
        "sent",
        "send",
        "sends",
        "will",
        "would",
        "has",
        "have",
        "had",
        "was",
        "were",
        "is",
        "are",
        "attended",
        "attend",
        "attends",
        "as",
        "an",
        "a",
        "its",
        "their",
        "only",
        "also",
        "military",
        "officers",
        "officials",
        "representatives",
        "delegation",
        "represented",
        "by",
        "v",
        "kachestve",
        "byl",
        "byla",
        "byli",
        "budet",
    ],
    stems: &["naprav", "prisla", "prisutstv", "voenn", "predstav"],
};

/// Making, joined to the country by a hyphen ("Russian-made", "US-built").
const MADE: &[&str] = &[
    "made",
    "built",
    "manufactured",
    "produced",
    "designed",
    "supplied",
];

/// Making in Russian ("российского производства", "производства России").
const PRODUCTION: Cue = Cue {
    words: &[],
    stems: &["proizvodstv", "proizvedenn"],
};

/// Words right before a country that invite it ("invited Kazakhstan", "пригласила
/// Казахстан", "приглашены представители Китая").
const INVITING: Cue = Cue {
    words: &["invited", "invite", "invites"],
    stems: &["priglas"],
};

/// The standing of country `at` of `countries` (mentions in text order), from the words
/// around it: at most [`WINDOW`] words either side, never across a comma, other
/// punctuation or the end of the sentence. English and Russian cue words; what none of
/// them marks is [`Standing::Named`]. A country of a list joined by commas and "and" /
/// "и" ("Kyrgyzstan, Armenia and Belarus did not take part") shares the cue after the
/// list's last country, when no cue of its own says otherwise.
pub fn standing(text: &Text<'_>, countries: &[CountryMention], at: usize) -> Standing {
    let Some(c) = countries.get(at) else {
        return Standing::Named;
    };
    let from = after_clause(text, countries, c.tokens.end);
    let own = standing_of(text, c.tokens.clone(), true, from);
    if own != Standing::Named {
        return own;
    }
    let mut last = at;
    while let Some(next) = countries.get(last + 1) {
        if !listed(text, &countries[last].tokens, &next.tokens) {
            break;
        }
        last += 1;
    }
    if last == at {
        return own;
    }
    let tokens = countries[last].tokens.clone();
    let from = after_clause(text, countries, tokens.end);
    standing_of(text, tokens, false, from)
}

/// Where the words that say a country's standing start, from token `end` (right after
/// the country or the list): past a clause set off by commas that describes it, a
/// participle's ("Кыргызстан, Армения и Беларусь, входящие в ОДКБ, не приняли участия"), a
/// relative's ("которые", "which", "who") or "в том числе"'s, when it names no country.
/// `end` itself when no such clause follows.
fn after_clause(text: &Text<'_>, countries: &[CountryMention], end: usize) -> usize {
    const MAX_CLAUSE: usize = 8;
    let n = text.tokens.len();
    let opens = |i: usize| {
        let key = text.key(i);
        let stem = key
            .strip_suffix("sya")
            .or_else(|| key.strip_suffix("s"))
            .filter(|_| !text.word(i).is_ascii())
            .unwrap_or(key);
        PARTICIPLE_ENDINGS.iter().any(|e| stem.ends_with(e)) && !text.word(i).is_ascii()
            || key.starts_with("kotor") && !text.word(i).is_ascii()
            || matches!(key, "which" | "who" | "all" | "both")
            // An apposition: ", a CSTO member,", ", член ОДКБ,".
            || matches!(key, "a" | "an" | "the" | "chlen")
            || key == "v" && text.key(i + 1) == "tom" && text.key(i + 2) == "chisle"
    };
    // A comma (no other mark) before the clause's first word and after its last.
    let comma_before = |i: usize| {
        i > 0
            && i < n
            && text.tokens[i].sentence == text.tokens[i - 1].sentence
            && text.source[text.tokens[i - 1].span.end..text.tokens[i].span.start].trim() == ","
    };
    if !(end < n && comma_before(end) && opens(end)) {
        return end;
    }
    let mut close = end + 1;
    while close < n && close - end <= MAX_CLAUSE && text.tokens[close].joined {
        close += 1;
    }
    // A country inside: another list, not a description.
    let names_a_country = countries
        .iter()
        .any(|c| (end..close).contains(&c.tokens.start));
    if close < n && close - end <= MAX_CLAUSE && comma_before(close) && !names_a_country {
        close
    } else {
        end
    }
}

/// The endings of Russian participles (exact keys, the reflexive "-ся" taken off):
/// входящие, являющиеся, участвовавшие, приглашённые.
const PARTICIPLE_ENDINGS: &[&str] = &[
    "ushchie", "ushchiy", "ushchaya", "ushchee", "ushchikh", "ashchie", "ashchiy", "ashchaya",
    "ashchee", "ashchikh", "vshie", "vshiy", "vshaya", "vshikh", "nnye", "nnyy", "nnaya", "nnykh",
    "emye", "imye",
];

/// The first country of the list that country `at` of `countries` stands in ("в России и
/// Казахстане": Russia, for both), by [`listed`]; `at` itself when it stands in none.
pub fn list_start(text: &Text<'_>, countries: &[CountryMention], at: usize) -> usize {
    let mut first = at.min(countries.len());
    while first > 0
        && first < countries.len()
        && listed(text, &countries[first - 1].tokens, &countries[first].tokens)
    {
        first -= 1;
    }
    first
}

/// Whether the country (or place) at `b` follows the one at `a` in one list: a comma, or
/// "and", "or", "и", "или" (a comma before it allowed), and nothing else between them.
pub fn listed(text: &Text<'_>, a: &Range<usize>, b: &Range<usize>) -> bool {
    let (Some(last), Some(next)) = (
        a.end.checked_sub(1).and_then(|i| text.tokens.get(i)),
        text.tokens.get(b.start),
    ) else {
        return false;
    };
    if b.start < a.end || last.sentence != next.sentence {
        return false;
    }
    let gap = |from: usize, to: usize| text.source.get(from..to).map(str::trim);
    match b.start - a.end {
        0 => gap(last.span.end, next.span.start) == Some(","),
        1 => {
            let and = &text.tokens[a.end];
            matches!(text.key(a.end), "and" | "or" | "i" | "ili")
                && matches!(gap(last.span.end, and.span.start), Some("" | ","))
                && gap(and.span.end, next.span.start) == Some("")
        }
        _ => false,
    }
}

/// The standing of the country named by `tokens` from the words around it; with `before`
/// false, from the words after it only (the cue a list shares).
/// `from`: where the words after it start (`tokens.end`, or past a clause that describes
/// it, [`after_clause`]).
fn standing_of(text: &Text<'_>, tokens: Range<usize>, with_before: bool, from: usize) -> Standing {
    let n = text.tokens.len();
    if tokens.start >= tokens.end || tokens.end > n {
        return Standing::Named;
    }
    // Token `i` belongs to the phrase of the token before it when `joined` to it.
    let mut first = tokens.start;
    while first > 0 && tokens.start - first < WINDOW && text.tokens[first].joined {
        first -= 1;
    }
    let mut end = from;
    while end < n
        && end - from < WINDOW
        && (end == from && from > tokens.end || text.tokens[end].joined)
    {
        end += 1;
    }
    if !with_before {
        first = tokens.start;
    }
    let before = first..tokens.start;
    let after = from..end;
    // Whether the phrase ends right after the window (a comma, the sentence's end).
    let closed = end - from < WINDOW;
    let key = |i: usize| text.key(i);
    let gap = |i: usize| {
        let at = |k: usize| text.tokens.get(k).map_or(0..0, |t| t.span.clone());
        let (a, b) = (at(i.saturating_sub(1)).end, at(i).start);
        match text.source.get(a..b) {
            Some(g) if i > 0 && text.tokens.get(i).is_some_and(|t| t.joined) => g,
            _ => "",
        }
    };
    let hyphen = |i: usize| gap(i).contains(['-', '‐', '‑', '–']);
    let negation =
        |i: usize| NEGATION.has(key(i)) || key(i) == "t" && gap(i).contains(['\'', '’', 'ʼ']);
    // Whether every word strictly between `a` and `b` is a link word (or a capitalised
    // word: another country of a list).
    let linked = |a: usize, b: usize, link: &Cue| {
        (a + 1..b).all(|i| link.has(key(i)) || text.capitalised(i))
    };
    // A negation followed within three words by taking part, "not only" aside.
    // The taking part may lie past the window, in the same phrase ("Uzbekistan hosted the
    // drills but did not take part": probe, session 45).
    // Not past another name: "observers from China attended and Kyrgyzstan did not take
    // part" denies Kyrgyzstan's part only.
    let denied = |r: Range<usize>| {
        r.clone().any(|i| {
            negation(i)
                && !(r.start..i).any(|k| k >= tokens.end && text.capitalised(k))
                && !matches!(key(i + 1), "only" | "tolko" | "lish")
                && (i + 1..(i + 4).min(n))
                    .take_while(|&j| text.tokens[j].joined)
                    .any(|j| TAKING_PART.has(key(j)))
        })
    };
    let elliptic = closed
        && !after.is_empty()
        && after.clone().any(negation)
        && after
            .clone()
            .all(|i| negation(i) || text.capitalised(i) || ELLIPSIS.contains(&key(i)));
    if denied(before.clone())
        || denied(after.clone())
        || elliptic
        || after.clone().take(2).any(|i| {
            (STAYED_AWAY.has(key(i))
                || key(i) == "pulled" && key(i + 1) == "out"
                || matches!(key(i), "stayed" | "stays" | "stay") && key(i + 1) == "away"
                || matches!(key(i), "sent" | "sends" | "send") && key(i + 1) == "no")
                && (from..i).all(|k| STAYED_AWAY_LINK.contains(&key(k)))
        })
        // "Non-Russian troops".
        || (with_before
            && tokens.start > 0
            && key(tokens.start - 1) == "non"
            && hyphen(tokens.start))
        || before
            .clone()
            .any(|i| WITHOUT.has(key(i)) && linked(i, tokens.start, &WITHOUT_LINK))
    {
        return Standing::Absent;
    }
    let enemy_word = |i: usize| {
        ENEMY.has(key(i))
            && !(hyphen(i) && matches!(key(i - 1), "counter" | "anti" | "kontr" | "protivo"))
            && !WEAPON.contains(&key(i + 1))
    };
    let from_enemy = before.clone().any(|i| {
        enemy_word(i)
            && linked(i, tokens.start, &ENEMY_LINK)
            && (i + 1..tokens.start).any(|k| ORIGIN.has(key(k)))
    });
    let enemy_named = after.clone().take(3).any(|i| {
        enemy_word(i)
            && (from..i).all(|k| matches!(key(k), "based" | "backed" | "armed" | "trained"))
    });
    // "a war with Kazakhstan" (not "war games with").
    let war_with = with_before
        && tokens.start >= 2
        && key(tokens.start - 1) == "with"
        && key(tokens.start - 2) == "war";
    if from_enemy || enemy_named || war_with {
        return Standing::Enemy;
    }
    let made_after = after
        .clone()
        .next()
        .is_some_and(|i| MADE.contains(&key(i)) && hyphen(i) || PRODUCTION.has(key(i)));
    let made_before = before.clone().any(|i| {
        (MADE.contains(&key(i))
            && (i + 1..tokens.start).all(|k| matches!(key(k), "in" | "by" | "the"))
            && i + 1 < tokens.start)
            || (PRODUCTION.has(key(i)) && i + 1 == tokens.start)
    });
    if made_after || made_before {
        return Standing::Maker;
    }
    let observed_by = before
        .clone()
        .any(|i| OBSERVER_NOUN.has(key(i)) && linked(i, tokens.start, &OBSERVER_BEFORE_LINK));
    let observing = after
        .clone()
        .any(|i| OBSERVING.has(key(i)) && (from..i).all(|k| OBSERVER_AFTER_LINK.has(key(k))));
    if observed_by || observing {
        return Standing::Observer;
    }
    // "invited Kazakhstan", "invite the US": one or two words before it, no number between.
    let invited = before
        .clone()
        .rev()
        .take(2)
        .any(|i| INVITING.has(key(i)) && !(i + 1..tokens.start).any(|k| text.tokens[k].number));
    if invited {
        return Standing::Invited;
    }
    Standing::Named
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each sentence's countries have the standings given.
    fn expect(cases: &[(&str, &[(&str, Standing)])]) {
        for (sentence, want) in cases {
            assert_eq!(standings(sentence), *want, "{sentence}");
        }
    }

    use Standing::{Absent, Enemy, Invited, Maker, Named, Observer};

    #[test]
    fn a_country_named_with_no_cue_is_named() {
        expect(&[
            (
                "Russian and Kazakh troops took part in the drills.",
                &[("RU", Named), ("KZ", Named)],
            ),
            (
                "Российские и казахстанские военные приняли участие в учениях.",
                &[("RU", Named), ("KZ", Named)],
            ),
            // Near-misses of each cue.
            (
                "Russia will not only take part but host the drills.",
                &[("RU", Named)],
            ),
            (
                "Russian T-90 tanks participated, with Russian attack helicopters.",
                &[("RU", Named), ("RU", Named)],
            ),
            (
                "Russian counter-terrorist units and Kazakh special forces.",
                &[("RU", Named), ("KZ", Named)],
            ),
            (
                "Russia made a decision to send troops from Tajikistan.",
                &[("RU", Named), ("TJ", Named)],
            ),
        ]);
    }

    #[test]
    fn a_country_said_not_to_take_part_is_absent() {
        expect(&[
            (
                "Kyrgyzstan did not take part in the drills.",
                &[("KG", Absent)],
            ),
            (
                "Kyrgyzstan and Armenia didn't participate.",
                &[("KG", Absent), ("AM", Absent)],
            ),
            (
                "Russia took part; Kazakhstan and Armenia did not.",
                &[("RU", Named), ("KZ", Absent), ("AM", Absent)],
            ),
            (
                "The drills were held without Kyrgyzstan.",
                &[("KG", Absent)],
            ),
            ("Armenia boycotted the CSTO drills.", &[("AM", Absent)]),
            ("Учения прошли без участия Кыргызстана.", &[("KG", Absent)]),
            ("Кыргызстан не принял участия в учениях.", &[("KG", Absent)]),
            // Probe, session 45: an apposition, withdrawing, not being invited.
            (
                "Kyrgyzstan, a CSTO member, will not take part.",
                &[("KG", Absent)],
            ),
            (
                "Киргизия, член ОДКБ, не примет участия в учениях.",
                &[("KG", Absent)],
            ),
            (
                "Kyrgyzstan has withdrawn from the drills.",
                &[("KG", Absent)],
            ),
            ("Kyrgyzstan pulled out of the drills.", &[("KG", Absent)]),
            (
                "Kyrgyzstan was not invited to the drills.",
                &[("KG", Absent)],
            ),
            ("Киргизия не приглашена на учения.", &[("KG", Absent)]),
            // Probe, session 45 (check): more ways of staying away.
            ("Kazakhstan stayed away from the drills.", &[("KZ", Absent)]),
            (
                "Kazakhstan sent no troops to the drills.",
                &[("KZ", Absent)],
            ),
            ("Kazakhstan did not send troops.", &[("KZ", Absent)]),
            (
                "Kazakhstan was not among the participants.",
                &[("KZ", Absent)],
            ),
            (
                "Uzbekistan hosted the drills but did not take part.",
                &[("UZ", Absent)],
            ),
            ("Kazakhstan cancelled its participation.", &[("KZ", Absent)]),
            (
                "Troops from Kazakhstan were expected but did not arrive.",
                &[("KZ", Absent)],
            ),
            (
                "Tajik troops drilled in Uzbekistan's absence.",
                &[("TJ", Named), ("UZ", Absent)],
            ),
            ("Non-Russian troops took part.", &[("RU", Absent)]),
            (
                "Russia sent troops to Tajikistan.",
                &[("RU", Named), ("TJ", Named)],
            ),
            (
                "Russia pulled troops from Tajikistan.",
                &[("RU", Named), ("TJ", Named)],
            ),
            (
                "Russia, the host, and Kazakhstan took part.",
                &[("RU", Named), ("KZ", Named)],
            ),
            ("В учениях не участвовала Армения.", &[("AM", Absent)]),
        ]);
    }

    #[test]
    fn the_enemy_and_the_scenarios_origin_are_the_enemy() {
        expect(&[
            // Probe, session 45 (check).
            (
                "Tajik troops repelled a hypothetical attack by Uzbekistan.",
                &[("TJ", Named), ("UZ", Enemy)],
            ),
            (
                "The drills simulated a war with Kazakhstan.",
                &[("KZ", Enemy)],
            ),
            (
                "Russia held war games with Kazakhstan.",
                &[("RU", Named), ("KZ", Named)],
            ),
            ("Iranian officers observed.", &[("IR", Observer)]),
            (
                "Tajik troops repelled a simulated attack from Afghanistan.",
                &[("TJ", Named), ("AF", Enemy)],
            ),
            (
                "Kazakh troops fought Afghan militants.",
                &[("KZ", Named), ("AF", Enemy)],
            ),
            (
                "Drills to counter threats coming from the territory of Afghanistan.",
                &[("AF", Enemy)],
            ),
            (
                "Военные отразили нападение условного противника из Афганистана.",
                &[("AF", Enemy)],
            ),
            (
                "Уничтожены бандформирования с территории Афганистана.",
                &[("AF", Enemy)],
            ),
        ]);
    }

    #[test]
    fn observers_are_observers() {
        expect(&[
            (
                "Observers from China attended the drills.",
                &[("CN", Observer)],
            ),
            (
                "Troops from Russia and observers from China and Mongolia.",
                &[("RU", Named), ("CN", Observer), ("MN", Observer)],
            ),
            ("China sent military observers.", &[("CN", Observer)]),
            // A list shares its cue: Russian and Chinese observers both.
            (
                "Russian and Chinese observers watched.",
                &[("RU", Observer), ("CN", Observer)],
            ),
            (
                "На учениях присутствовали наблюдатели из Китая.",
                &[("CN", Observer)],
            ),
            ("Китай направил наблюдателей.", &[("CN", Observer)]),
        ]);
    }

    #[test]
    fn the_maker_of_equipment_is_the_maker() {
        expect(&[
            (
                "Tajik crews used Russian-made T-72 tanks.",
                &[("TJ", Named), ("RU", Maker)],
            ),
            (
                "Uzbek troops drove tanks made in Russia and US-built trucks.",
                &[("UZ", Named), ("RU", Maker), ("US", Maker)],
            ),
            (
                "Таджикские военные использовали танки российского производства.",
                &[("TJ", Named), ("RU", Maker)],
            ),
            ("Танки производства России.", &[("RU", Maker)]),
        ]);
    }

    /// Probe finding: "Kyrgyzstan, Armenia and Belarus did not take part" marked the last
    /// two absent only. A list joined by commas and "and" / "и" shares the cue after it;
    /// a cue of a country's own, or a list broken by other words, is not shared.
    #[test]
    fn a_list_of_countries_shares_the_cue_after_it() {
        expect(&[
            (
                "Kyrgyzstan, Armenia and Belarus did not take part.",
                &[("KG", Absent), ("AM", Absent), ("BY", Absent)],
            ),
            (
                "Kyrgyzstan, Armenia, and Belarus boycotted the drills.",
                &[("KG", Absent), ("AM", Absent), ("BY", Absent)],
            ),
            (
                "Кыргызстан, Армения и Беларусь не приняли участия в учениях.",
                &[("KG", Absent), ("AM", Absent), ("BY", Absent)],
            ),
            (
                "Russia, Kazakhstan and Tajikistan took part.",
                &[("RU", Named), ("KZ", Named), ("TJ", Named)],
            ),
            (
                "Russia took part and Kyrgyzstan, Armenia did not.",
                &[("RU", Named), ("KG", Absent), ("AM", Absent)],
            ),
            (
                "Observers from China, Russia and Kazakhstan took part.",
                &[("CN", Observer), ("RU", Named), ("KZ", Named)],
            ),
        ]);
    }

    /// Review lead 4: a clause set off by commas between a list and its cue ("входящие в
    /// ОДКБ", "которые входят в ОДКБ", "all CSTO members") cut the cue off: the three were
    /// read as taking part.
    #[test]
    fn a_clause_between_commas_does_not_cut_the_cue_off() {
        expect(&[
            (
                "Кыргызстан, Армения и Беларусь, входящие в ОДКБ, не приняли участия в учениях.",
                &[("KG", Absent), ("AM", Absent), ("BY", Absent)],
            ),
            (
                "Армения, которая входит в ОДКБ, не приняла участия в учениях.",
                &[("AM", Absent)],
            ),
            (
                "Kyrgyzstan and Armenia, both CSTO members, did not take part.",
                &[("KG", Absent), ("AM", Absent)],
            ),
            // A clause that names a country is another list, not a description.
            (
                "Армения, соседствующая с Ираном, не приняла участия в учениях.",
                &[("AM", Named), ("IR", Named)],
            ),
            // Without a clause, as before.
            (
                "Russia, Kazakhstan and Tajikistan took part.",
                &[("RU", Named), ("KZ", Named), ("TJ", Named)],
            ),
        ]);
    }

    /// Review lead 2: where a list of countries is ("в России и Казахстане"), its first
    /// country says it for all.
    #[test]
    fn a_country_of_a_list_has_the_lists_first() {
        for (sentence, want) in [
            ("в России и Казахстане, а также в Беларуси", vec![0, 0, 2]),
            ("in Russia, Belarus, and Kazakhstan", vec![0, 0, 0]),
            ("Russia held drills in Kazakhstan", vec![0, 1]),
        ] {
            let t = Text::new(sentence);
            let found = crate::names::countries::table().find(&t);
            let got: Vec<usize> = (0..found.len())
                .map(|at| list_start(&t, &found, at))
                .collect();
            assert_eq!(got, want, "{sentence}");
        }
    }

    /// "invited X" was read apart in `read_sentence`; it is one more standing.
    #[test]
    fn a_country_invited_is_invited() {
        expect(&[
            (
                "Belarus invited Kazakhstan to the drills.",
                &[("BY", Named), ("KZ", Invited)],
            ),
            ("Russia invites the US.", &[("RU", Named), ("US", Invited)]),
            (
                "Россия пригласила Казахстан на учения.",
                &[("RU", Named), ("KZ", Invited)],
            ),
            (
                "На учения приглашены представители Китая.",
                &[("CN", Invited)],
            ),
            // A number between, or a comma, breaks the phrase.
            ("The drills invited 2 Kazakhstan.", &[("KZ", Named)]),
            ("They were invited, Kazakhstan said.", &[("KZ", Named)]),
        ]);
    }

    /// The cues are read within the country's phrase: never across a comma or the end of
    /// a sentence.
    #[test]
    fn cues_stop_at_a_comma_and_at_the_end_of_a_sentence() {
        expect(&[
            (
                "Without Kyrgyzstan, Russia and Kazakhstan held the drills.",
                &[("KG", Absent), ("RU", Named), ("KZ", Named)],
            ),
            (
                "Without Kyrgyzstan Russia held the drills.",
                &[("KG", Absent), ("RU", Absent)],
            ),
            (
                "Russia took part, Kyrgyzstan did not.",
                &[("RU", Named), ("KG", Absent)],
            ),
            (
                "Observers came from the SCO. China took part.",
                &[("CN", Named)],
            ),
            ("Kazakhstan, observers said, took part.", &[("KZ", Named)]),
            ("Без участия, Кыргызстан провёл учения.", &[("KG", Named)]),
            (
                "Наблюдатели из Китая. Россия провела учения.",
                &[("CN", Observer), ("RU", Named)],
            ),
        ]);
    }
}
