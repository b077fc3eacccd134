//! The article as tokens and sentences, each with its byte span in the original text.
//!
//! Every finder works on the same [`Text`]: word and number tokens (punctuation between them
//! is kept only as a "gap" kind), each token's geocoder keys from
//! [`super::normalize::NameKey`] (computed once per distinct word), and the
//! sentences. Offsets always point into the original text, so any phrase found can be quoted
//! exactly as the article wrote it.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use super::normalize::{KindHint, NameKey};

/// Most distinct words kept in a [`Keys`] cache before it starts again.
const MAX_CACHED_WORDS: usize = 200_000;

/// The keys of words already seen (exact, loose, generic hint), kept across articles: the
/// normaliser is the costly part of reading a text, and news vocabularies repeat.
#[derive(Debug, Clone, Default)]
pub struct Keys(HashMap<String, WordKeys>);

/// A word's exact and loose keys (shared by every token of that word) and generic hint.
type WordKeys = (Arc<str>, Arc<str>, Option<KindHint>);

/// One word or number of the article.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// Byte span in the original text.
    pub span: Range<usize>,
    /// Index of the sentence the token is in.
    pub sentence: usize,
    /// Whether the token is a number (digits, with `1,500`-style separators).
    pub number: bool,
    /// Whether only spaces, one hyphen or one apostrophe separate it from the previous token
    /// in the same sentence (a name may run across such a gap, not across a comma).
    pub joined: bool,
    /// The exact key of the word alone (folded, lower case, Latin).
    pub exact: Arc<str>,
    /// The loose key of the word alone.
    pub loose: Arc<str>,
    /// The generic facility word this token is ("range", "полигон"), if any.
    pub generic: Option<KindHint>,
}

/// The article, tokenised.
#[derive(Debug, Clone)]
pub struct Text<'a> {
    /// The original text.
    pub source: &'a str,
    /// Word and number tokens, in order.
    pub tokens: Vec<Token>,
    /// Sentence byte spans, in order; every token's `sentence` indexes this.
    pub sentences: Vec<Range<usize>>,
    /// Each sentence's text, made on its first [`Text::shared_sentence`].
    shared: Vec<std::sync::OnceLock<Arc<str>>>,
}

impl<'a> Text<'a> {
    /// Tokenise `source`.
    pub fn new(source: &'a str) -> Text<'a> {
        Text::with_keys(source, &mut Keys::default())
    }

    /// Tokenise `source`, reusing (and adding to) the word keys of earlier articles.
    pub fn with_keys(source: &'a str, keys: &mut Keys) -> Text<'a> {
        let sentences = sentences(source);
        if keys.0.len() > MAX_CACHED_WORDS {
            keys.0.clear();
        }
        let keys = &mut keys.0;
        let mut tokens = Vec::new();
        let mut sentence = 0;
        let mut prev_end: Option<usize> = None;
        for (span, number) in words(source) {
            while sentences.get(sentence).is_some_and(|s| s.end <= span.start) {
                sentence += 1;
                prev_end = None;
            }
            let word = &source[span.clone()];
            let cached = keys.get(word).cloned();
            let (exact, loose, generic) = match cached {
                Some(k) => k,
                None => {
                    let k = {
                        let k = NameKey::new(word);
                        // A lone generic word keeps itself as its key and loses the hint; ask
                        // for the hint with a name in front of it.
                        let hint = NameKey::new(&format!("x {word}")).hint;
                        (Arc::from(k.exact), Arc::from(k.loose), hint)
                    };
                    keys.insert(word.to_owned(), k.clone());
                    k
                }
            };
            let joined = prev_end.is_some_and(|e| joinable(&source[e..span.start]));
            prev_end = Some(span.end);
            tokens.push(Token {
                span,
                sentence,
                number,
                joined,
                exact,
                loose,
                generic,
            });
        }
        Text {
            source,
            tokens,
            shared: sentences
                .iter()
                .map(|_| std::sync::OnceLock::new())
                .collect(),
            sentences,
        }
    }

    /// The original words of a token.
    pub fn word(&self, i: usize) -> &'a str {
        self.tokens
            .get(i)
            .map_or("", |t| &self.source[t.span.clone()])
    }

    /// The original text of tokens `first..=last`.
    pub fn phrase(&self, first: usize, last: usize) -> &'a str {
        &self.source[self.phrase_span(first, last)]
    }

    /// The byte span of tokens `first..=last` in the original text (empty when there are
    /// no such tokens).
    pub fn phrase_span(&self, first: usize, last: usize) -> Range<usize> {
        match (self.tokens.get(first), self.tokens.get(last)) {
            (Some(a), Some(b)) if a.span.start <= b.span.end => a.span.start..b.span.end,
            _ => 0..0,
        }
    }

    /// The sentence `i`, trimmed, as the article wrote it.
    pub fn sentence(&self, i: usize) -> &'a str {
        &self.source[self.sentence_span(i)]
    }

    /// [`Text::sentence`] `i`, shared: made once, then every quote of the sentence holds
    /// the same text (one sentence naming thousands of places is quoted by each of them).
    pub fn shared_sentence(&self, i: usize) -> Arc<str> {
        match self.shared.get(i) {
            Some(cell) => Arc::clone(cell.get_or_init(|| Arc::from(self.sentence(i)))),
            None => Arc::from(""),
        }
    }

    /// The byte span of sentence `i`, trimmed (what [`Text::sentence`] quotes; empty past
    /// the end).
    pub fn sentence_span(&self, i: usize) -> Range<usize> {
        let Some(s) = self.sentences.get(i) else {
            return 0..0;
        };
        let whole = &self.source[s.clone()];
        let start = s.start + (whole.len() - whole.trim_start().len());
        start..(s.start + whole.trim_end().len()).max(start)
    }

    /// Whether token `i` starts with an upper-case letter.
    pub fn capitalised(&self, i: usize) -> bool {
        self.word(i).chars().next().is_some_and(char::is_uppercase)
    }

    /// The tokens of sentence `s`, as an index range.
    pub fn sentence_tokens(&self, s: usize) -> Range<usize> {
        let start = self.tokens.partition_point(|t| t.sentence < s);
        let end = self.tokens.partition_point(|t| t.sentence <= s);
        start..end
    }

    /// The exact key of token `i` ("" past the end).
    pub fn key(&self, i: usize) -> &str {
        #[cfg(test)]
        KEY_READS.with(|n| n.set(n.get() + 1));
        self.tokens.get(i).map_or("", |t| &*t.exact)
    }
}

#[cfg(test)]
thread_local! {
    /// How many token keys this thread has read: the work the finders do, for tests that
    /// bound it (a finder that rescans its sentence per mention reads quadratically many).
    pub(crate) static KEY_READS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Keys shorter than this (in bytes) name no place in running text: too many English words
/// and abbreviations collide with three-letter place names (the extractor searches for
/// none, and no case ending is taken off below it).
pub const MIN_KEY: usize = 4;

/// Russian case endings of place names, as exact (transliterated) keys, longest first:
/// "Термезом" (instrumental), "Термезе" (prepositional), "Термеза" (genitive), "Термезу",
/// "Бухары", "Бухаре", "Бухарой", "Бухару".
const RUSSIAN_CASE_ENDINGS: &[&str] = &["om", "em", "oy", "ey", "yu", "e", "a", "u", "y", "i"];

/// The nominatives an inflected Russian name (exact key) may have, as loose keys: its stem
/// without a case ending, and that stem with "-a" (a feminine name, "Бухары" of "Бухара").
/// None shorter than [`MIN_KEY`].
pub fn russian_stems(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    for end in RUSSIAN_CASE_ENDINGS {
        let Some(stem) = key.strip_suffix(end) else {
            continue;
        };
        for nominative in [stem.to_owned(), format!("{stem}a")] {
            let loose = NameKey::new(&nominative).loose;
            if loose.len() >= MIN_KEY && !out.contains(&loose) {
                out.push(loose);
            }
        }
    }
    out
}

/// Whether `text` names `name`: some run of its words has the loose keys of `name`'s words,
/// the breaks between words aside ("the Kharb-Maydon training ground" names "Kharbmaidon
/// training ground"; "a military range near the Afghan border" does not); or, for a name
/// of one word, a capitalised Russian word is that name in a case ("под Термезом", "близ
/// Бохтара": [`russian_stems`], as the extractor reads them).
pub fn names(text: &Text<'_>, name: &str) -> bool {
    let words = Text::new(name);
    let wanted: String = words.tokens.iter().map(|t| &*t.loose).collect();
    if wanted.is_empty() {
        return false;
    }
    let inflected = |i: usize| {
        words.tokens.len() == 1
            && !text.word(i).is_ascii()
            && text.capitalised(i)
            && russian_stems(text.key(i)).contains(&wanted)
    };
    (0..text.tokens.len()).any(|first| {
        if inflected(first) {
            return true;
        }
        let mut run = String::new();
        for t in &text.tokens[first..] {
            run.push_str(&t.loose);
            if run.len() >= wanted.len() {
                return run == wanted;
            }
        }
        false
    })
}

/// The spans of `source`'s words and numbers as [`Text`] cuts them (`true` for a number),
/// with a number written with its thousands apart ("12 500", "50 000": one space, a
/// no-break or a thin space between groups of three digits, as Russian and much translated
/// copy writes them) taken whole: what a quote must not cut, and what
/// [`super::numbers::numbers`] reads numbers (and their multipliers) from.
pub fn whole_words(source: &str) -> Vec<(Range<usize>, bool)> {
    let mut out: Vec<(Range<usize>, bool)> = Vec::new();
    // Whether the last span is a number a further group of three digits may continue.
    let mut grouping = false;
    for (span, number) in words(source) {
        let plain = number && source[span.clone()].bytes().all(|b| b.is_ascii_digit());
        if let Some((last, _)) = out.last_mut() {
            let mut gap = source[last.end..span.start].chars();
            let one_space = matches!((gap.next(), gap.next()), (Some(c), None) if c.is_whitespace() && c != '\n');
            if grouping && plain && span.len() == 3 && one_space {
                last.end = span.end;
                continue;
            }
        }
        grouping = plain && span.len() <= 3;
        out.push((span, number));
    }
    out
}

/// Only spaces (not a line break), one hyphen or dash, or one apostrophe between two words.
fn joinable(gap: &str) -> bool {
    let trimmed = gap.trim_matches(' ');
    !gap.contains('\n')
        && (trimmed.is_empty() || matches!(trimmed, "-" | "–" | "'" | "’" | "ʼ" | "ʻ"))
}

/// Word and number spans: runs of letters and digits (a number may carry `,` or `.` followed
/// by three digits, `1,500`), with the combining marks within a word (a decomposed "й",
/// "и" and U+0306 as text copied on macOS gives it; a stress accent, "Харбмайдо́н") and
/// the invisible characters ([`super::normalize::is_invisible`]: a soft hyphen, "Тер\u{AD}мез").
fn words(source: &str) -> Vec<(Range<usize>, bool)> {
    let mut out = Vec::new();
    let mut chars = source.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if !c.is_alphanumeric() {
            continue;
        }
        let mut end = i + c.len_utf8();
        let mut number = c.is_ascii_digit();
        while let Some(&(j, d)) = chars.peek() {
            if d.is_alphanumeric()
                || unicode_normalization::char::is_combining_mark(d)
                || super::normalize::is_invisible(d)
            {
                number &= d.is_ascii_digit();
                end = j + d.len_utf8();
                chars.next();
            } else if number && matches!(d, ',' | '.') && three_digits(&source[j + 1..]) {
                end = j + 4;
                chars.next();
                chars.next();
                chars.next();
                chars.next();
            } else {
                break;
            }
        }
        out.push((i..end, number));
    }
    out
}

fn three_digits(rest: &str) -> bool {
    let b = rest.as_bytes();
    b.len() >= 3
        && b[..3].iter().all(u8::is_ascii_digit)
        && !b.get(3).is_some_and(u8::is_ascii_digit)
}

/// Sentence spans: a sentence ends at a line break, or at `.`, `!` or `?` (and any closing
/// quotes) followed by white space and an upper-case letter, a digit or an opening quote.
fn sentences(source: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes: Vec<(usize, char)> = source.char_indices().collect();
    let mut k = 0;
    while k < bytes.len() {
        let (i, c) = bytes[k];
        let mut end = None;
        if c == '\n' {
            end = Some(i);
        } else if matches!(c, '.' | '!' | '?') && !(k > 0 && bytes[k - 1].1 == '.') {
            let mut m = k + 1;
            while m < bytes.len() && matches!(bytes[m].1, '"' | '”' | '’' | '\'' | '»' | ')') {
                m += 1;
            }
            let close = bytes.get(m).map_or(source.len(), |b| b.0);
            let next_word = bytes[m..]
                .iter()
                .find(|(_, c)| !c.is_whitespace())
                .map(|b| b.1);
            let space = bytes.get(m).is_some_and(|b| b.1.is_whitespace());
            let sentence_starts = space
                && next_word.is_some_and(|n| {
                    n.is_uppercase() || n.is_ascii_digit() || matches!(n, '"' | '“' | '«' | '[')
                })
                && !abbreviation(&source[start..i])
                && !(next_word.is_some_and(|n| n.is_ascii_digit())
                    && month_abbreviation(&source[start..i]));
            if sentence_starts || m >= bytes.len() {
                end = Some(close);
                k = m;
            }
        }
        if let Some(e) = end {
            if !source[start..e].trim().is_empty() {
                out.push(start..e);
            }
            start = e;
        }
        k += 1;
    }
    if !source[start..].trim().is_empty() {
        out.push(start..source.len());
    }
    out
}

/// The last word of `before` (after its last white space).
fn last_word(before: &str) -> &str {
    before
        .rsplit(|c: char| c.is_whitespace())
        .next()
        .unwrap_or("")
}

/// Whether the text before a full stop ends in a month's abbreviation ("Oct", "Sept"): a
/// day follows it ("Oct. 18-22"), not a sentence.
fn month_abbreviation(before: &str) -> bool {
    matches!(
        last_word(before),
        "Jan"
            | "Feb"
            | "Mar"
            | "Apr"
            | "Jun"
            | "Jul"
            | "Aug"
            | "Sep"
            | "Sept"
            | "Oct"
            | "Nov"
            | "Dec"
    )
}

/// Whether the text before a full stop ends in a title or an initial ("Maj", "U.S").
fn abbreviation(before: &str) -> bool {
    let last = last_word(before);
    matches!(
        last,
        "Mr" | "Mrs" | "Ms" | "Dr" | "Gen" | "Lt" | "Col" | "Maj" | "Capt" | "St" | "No" | "vs"
    ) || (last.chars().count() == 1 && last.chars().all(char::is_uppercase))
        || last.ends_with(".S")
        || last.ends_with(".N")
        || last.ends_with(".K")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_their_separators() {
        let t = Text::new("around 1,500 troops and 200 vehicles, 2021.");
        let words: Vec<&str> = (0..t.tokens.len()).map(|i| t.word(i)).collect();
        assert_eq!(
            words,
            ["around", "1,500", "troops", "and", "200", "vehicles", "2021"]
        );
        assert!(t.tokens[1].number && !t.tokens[0].number);
    }

    /// Probe (session 24): a decomposed "й" (и and U+0306) split "Харбмайдон" into
    /// "Харбмаи" and "дон", and a stress accent cut off the last letter: a combining mark
    /// is part of its word, and the word is found by its spelling either way.
    #[test]
    fn combining_marks_stay_within_their_word() {
        for text in [
            "на полигоне Харбмаи\u{306}дон 5",
            "на полигоне Харбмайдо\u{301}н 5",
            // And an invisible character (probe, session 25): a soft hyphen, a zero-width
            // space.
            "на полигоне Харб\u{AD}майдон 5",
            "на полигоне Харбмай\u{200B}дон 5",
        ] {
            let t = Text::new(text);
            let words: Vec<&str> = (0..t.tokens.len()).map(|i| t.word(i)).collect();
            assert_eq!(words.len(), 4, "{words:?}");
            assert_eq!(
                words[2],
                &text[text.find('Х').unwrap()..text.rfind(' ').unwrap()]
            );
        }
    }

    #[test]
    fn whole_words_take_numbers_grouped_by_spaces_whole() {
        let spans = |s: &str| -> Vec<String> {
            whole_words(s)
                .into_iter()
                .map(|(r, _)| s[r].to_owned())
                .collect()
        };
        assert_eq!(spans("with 12 500 troops"), ["with", "12 500", "troops"]);
        assert_eq!(
            spans("50\u{a0}000 and 1\u{202f}200 300"),
            ["50\u{a0}000", "and", "1\u{202f}200 300"]
        );
        assert_eq!(spans("around 1,500 troops"), ["around", "1,500", "troops"]);
        // A year, a four-digit group or two spaces are no thousands.
        assert_eq!(spans("in 2023 500 troops"), ["in", "2023", "500", "troops"]);
        assert_eq!(spans("12 5000"), ["12", "5000"]);
        assert_eq!(spans("12  500"), ["12", "500"]);
        assert_eq!(spans("May 5, 200 troops"), ["May", "5", "200", "troops"]);
    }

    #[test]
    fn sentences_split_at_stops_and_lines_but_not_initials() {
        let t = Text::new(
            "Under a U.N. mandate. Then U.S. troops left at ... Forish.\nAlmaty. August 5.",
        );
        let s: Vec<&str> = (0..t.sentences.len()).map(|i| t.sentence(i)).collect();
        assert_eq!(
            s,
            [
                "Under a U.N. mandate.",
                "Then U.S. troops left at ... Forish.",
                "Almaty.",
                "August 5."
            ]
        );
        // A month's abbreviation before a day ends no sentence; before a word it may.
        let t = Text::new("Drills Oct. 18-22 and Sept. 5. Troops left in Oct. They came.");
        let s: Vec<&str> = (0..t.sentences.len()).map(|i| t.sentence(i)).collect();
        assert_eq!(
            s,
            [
                "Drills Oct. 18-22 and Sept. 5.",
                "Troops left in Oct.",
                "They came."
            ]
        );
    }

    #[test]
    fn keys_are_the_geocoders_and_gaps_decide_joins() {
        let t = Text::new("Харб-Майдон полигон, Almaty Province");
        assert_eq!(&*t.tokens[0].exact, "kharb");
        assert!(t.tokens[1].joined);
        assert_eq!(t.tokens[2].generic, Some(KindHint::TrainingGround));
        assert!(!t.tokens[3].joined, "a comma breaks a name");
        assert_eq!(&*t.tokens[4].exact, "region");
    }

    #[test]
    fn offsets_quote_the_original() {
        let t = Text::new("At the «Берег» range.");
        assert_eq!(t.phrase(2, 3), "Берег» range");
        assert_eq!(t.sentence(0), "At the «Берег» range.");
    }

    #[test]
    fn a_text_names_a_place_by_any_spelling_of_its_words() {
        let reported = Text::new("the Kharb-Maydon training ground in Tajikistan");
        assert!(names(&reported, "Kharbmaidon training ground"));
        assert!(names(&reported, "Kharbmaidon"));
        assert!(names(&reported, "Tajikistan"));
        assert!(!names(&reported, "Kharbmaidon range"));
        assert!(!names(&reported, "Tajik"));
        assert!(!names(
            &Text::new("a military range near the Afghan border"),
            "Kharbmaidon"
        ));
        assert!(!names(&reported, ""));
    }
}
