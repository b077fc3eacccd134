//! Numbers as an article writes them, and their values: the one reader of numbers that
//! `extract`'s counts and the dataset's evidence check share.
//!
//! A number is a whole number of [`whole_words`] (`1500`, `1,500`, `12 500`), or one followed
//! by a multiplier word ("2 thousand", "2 тысячи", "5 тыс.", "3 млн"), the multiplier (and the
//! full stop of "тыс.") part of its span. A decimal ("1.5", "1,5") is read only before a
//! multiplier ("1.5 million", "1,5 млн"), where its value is whole; written alone ("1.5 km")
//! it is no number at all, nor are its pieces.

use std::ops::Range;

use super::text::whole_words;

/// The multiplier words (lower case) and their factors.
const MULTIPLIERS: &[(&str, u64)] = &[
    ("thousand", 1_000),
    ("thousands", 1_000),
    ("тысяча", 1_000),
    ("тысячи", 1_000),
    ("тысяч", 1_000),
    ("тыс", 1_000),
    ("million", 1_000_000),
    ("millions", 1_000_000),
    ("миллион", 1_000_000),
    ("миллиона", 1_000_000),
    ("миллионов", 1_000_000),
    ("млн", 1_000_000),
];

/// Every number of `source`, in order: its byte span (multiplier word included) and its
/// value. A number whose value does not fit a `u64`, or a decimal whose value with its
/// multiplier is not whole ("1.2345 thousand"), is left out.
pub fn numbers(source: &str) -> Vec<(Range<usize>, u64)> {
    let words = whole_words(source);
    let mut out = Vec::new();
    let mut k = 0;
    while let Some((span, number)) = words.get(k) {
        if !number {
            k += 1;
            continue;
        }
        if let Some((end, value, used)) = decimal(source, &words, k) {
            out.extend(value.map(|v| (span.start..end, v)));
            k += used;
            continue;
        }
        let whole = number_value(&source[span.clone()]);
        match multiplier(source, &words, k) {
            Some((factor, end)) => {
                out.extend(
                    whole
                        .and_then(|w| w.checked_mul(factor))
                        .map(|v| (span.start..end, v)),
                );
                k += 2;
            }
            None => {
                out.extend(whole.map(|v| (span.clone(), v)));
                k += 1;
            }
        }
    }
    out
}

/// The value of a number [`whole_words`] gives (`1,500`, `1.500` and `12 500` without
/// their separators), if it fits.
fn number_value(number: &str) -> Option<u64> {
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    let separators_only = number
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ',' | '.') || c.is_whitespace());
    (separators_only && !digits.is_empty())
        .then(|| digits.parse().ok())
        .flatten()
}

/// The factor of the multiplier word right after word `k` (spaces between, no line break)
/// and where it ends (after the full stop of "тыс.").
fn multiplier(source: &str, words: &[(Range<usize>, bool)], k: usize) -> Option<(u64, usize)> {
    let (before, _) = words.get(k)?;
    let (word, _) = words.get(k + 1)?;
    let gap = &source[before.end..word.start];
    if gap.is_empty() || gap.contains('\n') || !gap.chars().all(char::is_whitespace) {
        return None;
    }
    let lower = source[word.clone()].to_lowercase();
    let &(name, factor) = MULTIPLIERS.iter().find(|(m, _)| *m == lower)?;
    let stop = name == "тыс" && source[word.end..].starts_with('.');
    Some((factor, word.end + usize::from(stop)))
}

/// A decimal at word `k` (digits, one `.` or `,`, digits that are no group of three):
/// where it ends (after its multiplier, if one follows), the words it takes, and its value if a multiplier
/// follows ("1.5 million") and makes it whole and fitting. Alone ("1.5 km") it has none: a
/// decimal is no count, nor are its pieces.
fn decimal(
    source: &str,
    words: &[(Range<usize>, bool)],
    k: usize,
) -> Option<(usize, Option<u64>, usize)> {
    let plain = |w: &Range<usize>| source[w.clone()].bytes().all(|b| b.is_ascii_digit());
    let (units, _) = words.get(k).filter(|(w, number)| *number && plain(w))?;
    let (fraction, _) = words.get(k + 1).filter(|(w, number)| *number && plain(w))?;
    if !matches!(&source[units.end..fraction.start], "." | ",") {
        return None;
    }
    let Some((factor, end)) = multiplier(source, words, k + 1) else {
        return Some((fraction.end, None, 2));
    };
    let fraction = &source[fraction.clone()];
    let scale = u32::try_from(fraction.len())
        .ok()
        .and_then(|n| 10u64.checked_pow(n));
    let value = (|| {
        let units: u64 = source[units.clone()].parse().ok()?;
        let fraction: u64 = fraction.parse().ok()?;
        let scale = scale?;
        let part = fraction.checked_mul(factor)?;
        (part % scale == 0)
            .then(|| units.checked_mul(factor)?.checked_add(part / scale))
            .flatten()
    })();
    Some((end, value, 3))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Each number's text and value.
    fn read(s: &str) -> Vec<(&str, u64)> {
        numbers(s).into_iter().map(|(r, v)| (&s[r], v)).collect()
    }

    #[test]
    fn whole_numbers_read_as_written() {
        assert_eq!(read("with 12 500 troops"), [("12 500", 12_500)]);
        assert_eq!(read("around 1,500 troops"), [("1,500", 1500)]);
        assert_eq!(
            read("50\u{a0}000 and 1\u{202f}200 300"),
            [("50\u{a0}000", 50_000), ("1\u{202f}200 300", 1_200_300)]
        );
        assert_eq!(read("in 2023 500 troops"), [("2023", 2023), ("500", 500)]);
        assert_eq!(read("troops"), []);
        assert_eq!(read("2021x troops"), []);
        assert_eq!(read("99999999999999999999 troops"), [], "too big for a u64");
    }

    #[test]
    fn a_multiplier_word_multiplies_and_is_part_of_the_number() {
        assert_eq!(read("2 thousand troops"), [("2 thousand", 2000)]);
        assert_eq!(read("2 Thousand troops"), [("2 Thousand", 2000)]);
        assert_eq!(read("2 thousands troops"), [("2 thousands", 2000)]);
        assert_eq!(read("2 тысячи военнослужащих"), [("2 тысячи", 2000)]);
        assert_eq!(read("1 тысяча человек"), [("1 тысяча", 1000)]);
        assert_eq!(read("более 50 тысяч"), [("50 тысяч", 50_000)]);
        assert_eq!(read("5 тыс. человек"), [("5 тыс.", 5000)]);
        assert_eq!(read("5 тыс человек"), [("5 тыс", 5000)]);
        assert_eq!(read("3 million"), [("3 million", 3_000_000)]);
        assert_eq!(read("3 millions"), [("3 millions", 3_000_000)]);
        assert_eq!(read("1 миллион"), [("1 миллион", 1_000_000)]);
        assert_eq!(read("2 миллиона"), [("2 миллиона", 2_000_000)]);
        assert_eq!(read("5 миллионов"), [("5 миллионов", 5_000_000)]);
        assert_eq!(read("3 млн рублей"), [("3 млн", 3_000_000)]);
        assert_eq!(read("12 500 thousand"), [("12 500 thousand", 12_500_000)]);
        // A line break, a comma or another word between is no multiplier.
        assert_eq!(read("2\nthousand"), [("2", 2)]);
        assert_eq!(read("2, thousand"), [("2", 2)]);
        assert_eq!(read("2 thousandth"), [("2", 2)]);
        // Only "тыс" takes its full stop.
        assert_eq!(read("3 млн. рублей"), [("3 млн", 3_000_000)]);
        assert_eq!(read("20000000000000000 million"), [], "too big for a u64");
    }

    #[test]
    fn a_decimal_counts_only_before_a_multiplier() {
        assert_eq!(read("1.5 million"), [("1.5 million", 1_500_000)]);
        assert_eq!(read("1,5 млн"), [("1,5 млн", 1_500_000)]);
        assert_eq!(read("2,5 тыс. человек"), [("2,5 тыс.", 2500)]);
        assert_eq!(read("1.25 thousand"), [("1.25 thousand", 1250)]);
        // Not whole: no number at all, not "1" and "2345 thousand".
        assert_eq!(read("1.2345 thousand"), []);
        // Without a multiplier a decimal is no count, nor are its pieces.
        assert_eq!(read("1.5 km"), []);
        assert_eq!(read("a 2,75 km front, 300 troops"), [("300", 300)]);
        // Nor are a dotted date's day and month.
        assert_eq!(read("18.10.2021"), [("2021", 2021)]);
        // "1.500" is a thousands separator, not a decimal.
        assert_eq!(read("1.500 thousand"), [("1.500 thousand", 1_500_000)]);
        // A space after the comma is a list.
        assert_eq!(read("1, 5 million"), [("1", 1), ("5 million", 5_000_000)]);
    }

    /// `n` written with its thousands apart by `sep` ("12 500", "1,500,000").
    fn grouped(n: u64, sep: &str) -> String {
        let digits = n.to_string();
        let first = match digits.len() % 3 {
            0 => 3,
            r => r,
        };
        let mut out = digits[..first].to_owned();
        for group in digits.as_bytes()[first..].chunks(3) {
            out.push_str(sep);
            out.extend(group.iter().map(|&b| char::from(b)));
        }
        out
    }

    proptest! {
        #[test]
        fn a_formatted_number_reads_back_its_value(
            n in 0u64..1_000_000_000_000_000,
            sep in prop::sample::select(vec!["", " ", ",", "\u{a0}", "\u{202f}"]),
            multiplier in prop::sample::select(vec![
                ("", 1u64), (" thousand", 1_000), (" тысяч", 1_000), (" тыс.", 1_000),
                (" million", 1_000_000), (" млн", 1_000_000),
            ]),
        ) {
            let (word, factor) = multiplier;
            let number = format!("{}{word}", grouped(n, sep));
            let text = format!("about {number} troops");
            let want = n.checked_mul(factor).map(|v| ("about ".len()..("about ".len() + number.len()), v));
            prop_assert_eq!(numbers(&text), want.into_iter().collect::<Vec<_>>());
        }

        #[test]
        fn any_text_reads_as_spans_in_order_on_its_characters(
            text in r"([0-9]{1,4}|[ ,.\n]|thousand|тыс|млн|million|troops|\PC){0,24}",
        ) {
            let read = numbers(&text);
            for (span, _) in &read {
                prop_assert!(text.get(span.clone()).is_some_and(|s| !s.is_empty()), "{span:?}");
            }
            for pair in read.windows(2) {
                prop_assert!(pair[0].0.end <= pair[1].0.start, "{pair:?}");
            }
        }

        #[test]
        fn a_decimal_with_a_multiplier_reads_back_its_value(
            units in 0u64..1_000,
            tenths in 0u64..10,
            point in prop::sample::select(vec![".", ","]),
            million in any::<bool>(),
        ) {
            let (word, factor) = if million { ("million", 1_000_000) } else { ("тысячи", 1_000) };
            let text = format!("{units}{point}{tenths} {word}");
            prop_assert_eq!(numbers(&text), vec![(0..text.len(), units * factor + tenths * factor / 10)]);
        }
    }
}
