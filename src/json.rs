//! JSON text as every writer makes it: the one string escaper and the one number format
//! for coordinates, shared by the layer writers and the bulk readers' free properties.

use std::fmt::Write as _;

use crate::model::round6;

/// Append `s` to `out` as a JSON string, quotes included, escaped as `serde_json` escapes
/// every other string in our output.
pub fn push_str(out: &mut Vec<u8>, s: &str) {
    // Most strings need no escape: copy them whole (every row of a bulk layer has several).
    // The test is a fold, not a search that stops early, so it runs on whole vectors.
    let plain = s
        .bytes()
        .fold(true, |ok, b| ok & (b >= 0x20 && b != b'"' && b != b'\\'));
    if plain {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
        return;
    }
    // Writing a string into a Vec cannot fail.
    let _ = serde_json::to_writer(out, s);
}

/// Append `s` as a JSON string, or `null` when it is empty.
pub fn push_str_or_null(out: &mut Vec<u8>, s: &str) {
    if s.is_empty() {
        out.extend_from_slice(b"null");
    } else {
        push_str(out, s);
    }
}

/// Append `v` as JSON text (a `Value`, a property map, a derived struct).
pub fn push_value<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) {
    // Our values hold no non-finite floats or non-string keys, so this cannot fail.
    let _ = serde_json::to_writer(out, v);
}

/// Append a JSON array of `items`, each written by `push`, with no blank space. Generic,
/// so each use compiles to the loop it would write itself (the geometry writers' loops).
pub fn push_array<T>(
    out: &mut Vec<u8>,
    items: impl Iterator<Item = T>,
    mut push: impl FnMut(&mut Vec<u8>, T),
) {
    out.push(b'[');
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push(out, item);
    }
    out.push(b']');
}

/// Append a JSON string to a `String` (for the writers that build text).
pub fn push_str_to(out: &mut String, s: &str) {
    let mut buf = Vec::with_capacity(s.len() + 2);
    push_str(&mut buf, s);
    out.push_str(&String::from_utf8_lossy(&buf));
}

/// Append `v` as every layer writes coordinates: rounded to 6 decimals ([`round6`]), the
/// shortest digits that read back to it, never an exponent or "-0" (what `Display` prints
/// for the rounded value), written in place, without allocating. Shared by every writer.
pub fn push_coordinate(out: &mut Vec<u8>, v: f64) {
    // The millionths round6 rounds to: below 1e15 of them, round6(v) * 1e6 reads back
    // as exactly that integer (two roundings, each within 2^-53, stay under 0.5), so
    // one rounding does; larger values take the long way.
    let m = (v * 1e6).round();
    // `m` is an integer under 1e15 in magnitude: it fits an i64 exactly.
    #[allow(clippy::cast_possible_truncation)]
    let micro = if m.abs() < 1e15 {
        m as i64
    } else {
        let r = round6(v);
        if r.is_nan() || r.abs() >= 1e12 {
            let mut s = String::new();
            let _ = write!(s, "{r}");
            out.extend_from_slice(s.as_bytes());
            return;
        }
        // |r| < 1e12, so r * 1e6 < 1e18 fits an i64 exactly enough to round.
        (r * 1e6).round() as i64
    };
    let mut digits = itoa::Buffer::new();
    let abs = micro.unsigned_abs();
    let (int, frac) = (abs / 1_000_000, abs % 1_000_000);
    if micro < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(digits.format(int).as_bytes());
    if frac != 0 {
        let mut f = [b'0'; 7];
        f[0] = b'.';
        let text = digits.format(frac).as_bytes();
        f[7 - text.len()..].copy_from_slice(text);
        let mut end = 7;
        while f[end - 1] == b'0' {
            end -= 1;
        }
        out.extend_from_slice(&f[..end]);
    }
}

/// serde_json's message for `e` as it prints it (with its position, when it has one), in
/// words a user can act on where serde_json's own are obscure: the one wording of every
/// reader of JSON input. A lone UTF-16 surrogate escape (`"\ud83d"` alone: half an emoji,
/// as text cut short in UTF-16 leaves) is "unexpected end of hex escape" to serde_json; a
/// raw line break in a string, or a line of GeoJSONSeq cut inside a string, "control
/// character (\u0000-\u001F) found while parsing a string".
pub fn error_message(e: &serde_json::Error) -> String {
    let bare = bare_error_message(e);
    if e.line() == 0 {
        return bare;
    }
    format!("{bare} at line {} column {}", e.line(), e.column())
}

/// [`error_message`] of a record that is one line of its file (a GeoJSONSeq feature): the
/// file's line is said beside it, so its position is the column, "at column 6", not "at
/// line 1 column 6" of a file's line 15 (probe, session 45).
pub fn record_error_message(e: &serde_json::Error) -> String {
    let bare = bare_error_message(e);
    match e.line() {
        0 => bare,
        1 => format!("{bare} at column {}", e.column()),
        l => format!("{bare} at line {l} column {} of the record", e.column()),
    }
}

/// [`error_message`] without its position.
pub fn bare_error_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let at = format!(" at line {} column {}", e.line(), e.column());
    let bare = match text.strip_suffix(&at) {
        Some(bare) if e.line() != 0 => bare,
        _ => &text,
    };
    match bare {
        "unexpected end of hex escape" | "lone leading surrogate in hex escape" => {
            "a lone UTF-16 surrogate escape (one of \\ud800-\\udfff without its pair: half \
             a character, as text cut inside an emoji leaves), which is no Unicode character; \
             write \\ufffd or the whole character instead"
        }
        "control character (\\u0000-\\u001F) found while parsing a string" => {
            "a raw control character inside a string (a line break or a tab must be written \
             \\n or \\t in JSON), or the text ends inside the string"
        }
        other => other,
    }
    .to_owned()
}

/// Why an object naming `name` twice is refused: `what` the name is (`property`,
/// `member`). The one rule of every GeoJSON reader (a FeatureCollection's members, a
/// Feature's, its properties, in the tiles reader and the bulk reader alike): RFC 8259
/// §4 leaves such an object's meaning open (serde_json and most readers keep the last
/// value, others the first or an error), so it is refused rather than read one way.
pub fn given_twice(what: &str, name: &str) -> String {
    format!(
        "{what} {name:?} appears twice: JSON leaves which value counts open (RFC 8259 \
         §4), so the object is refused; keep one"
    )
}

/// The members of a GeoJSON Feature the readers read (`type`, `id`, `properties`,
/// `geometry`, `crs`): each may be given once ([`Once`]).
pub const FEATURE_MEMBERS: [&str; 5] = ["type", "id", "properties", "geometry", "crs"];

/// The members of a GeoJSON geometry the readers read (`type`, `coordinates`, a legacy
/// `crs`): each may be given once ([`Once`]).
pub const GEOMETRY_MEMBERS: [&str; 3] = ["type", "coordinates", "crs"];

/// Which of the members a reader reads (`names`: [`FEATURE_MEMBERS`], [`GEOMETRY_MEMBERS`])
/// an object has given so far: the one check of every GeoJSON reader (the tiles reader's,
/// the bulk GeoJSONSeq reader's) that none is given twice ([`given_twice`]). Foreign
/// members (any other name) are not read, so their values, given twice or holding a name
/// given twice, are left as they are, by every reader alike.
#[derive(Debug)]
pub struct Once<const N: usize> {
    names: &'static [&'static str; N],
    seen: [bool; N],
}

impl<const N: usize> Once<N> {
    /// None of `names` met yet.
    pub fn new(names: &'static [&'static str; N]) -> Self {
        Once {
            names,
            seen: [false; N],
        }
    }

    /// Note the member `key`: its name when it is one of the names and was met before.
    pub fn twice(&mut self, key: &str) -> Option<&'static str> {
        let i = self.names.iter().position(|n| *n == key)?;
        std::mem::replace(&mut self.seen[i], true).then_some(self.names[i])
    }
}

/// An object's key as one of `names` (`None` for any other), matched as read, neither
/// copied nor kept: for a reader that reads only those members.
pub struct MemberSeed<const N: usize>(pub &'static [&'static str; N]);

impl<'de, const N: usize> serde::de::DeserializeSeed<'de> for MemberSeed<N> {
    type Value = Option<&'static str>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de, const N: usize> serde::de::Visitor<'de> for MemberSeed<N> {
    type Value = Option<&'static str>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self::Value, E> {
        Ok(self.0.iter().find(|n| **n == s).copied())
    }
}

/// An object's members as written, in order, each value's JSON text borrowed as it is
/// ([`serde_json::value::RawValue`]), a name given twice kept twice ([`repeated`] finds
/// it: what it is, a property or a member, the caller says by [`given_twice`]).
#[derive(Debug, Default)]
pub struct Entries<'a>(pub Vec<(String, &'a serde_json::value::RawValue)>);

/// Reads an object's members.
struct Visit<'a>(std::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visit<'a> {
    type Value = Vec<(String, &'a serde_json::value::RawValue)>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
        let mut members: Vec<(String, &'a serde_json::value::RawValue)> = Vec::new();
        while let Some(k) = a.next_key::<String>()? {
            members.push((k, a.next_value()?));
        }
        Ok(members)
    }
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for Entries<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(Visit(std::marker::PhantomData))
            .map(Entries)
    }
}

/// An object's key, copied into a reused string.
pub struct KeySeed<'a>(pub &'a mut String);

impl<'de> serde::de::DeserializeSeed<'de> for KeySeed<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> serde::de::Visitor<'de> for KeySeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> std::result::Result<(), E> {
        self.0.clear();
        self.0.push_str(s);
        Ok(())
    }
}

/// A name given twice among `members`, if any (sorted apart when there are many, so a
/// line of a hundred thousand members costs no more than sorting them).
pub fn repeated<T>(members: &[(String, T)]) -> Option<&str> {
    if members.len() <= 16 {
        let mut seen: Vec<&str> = Vec::with_capacity(members.len());
        for (k, _) in members {
            if seen.contains(&k.as_str()) {
                return Some(k);
            }
            seen.push(k);
        }
        return None;
    }
    let mut names: Vec<&str> = members.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    names.windows(2).find(|w| w[0] == w[1]).map(|w| w[0])
}

/// The id a feature's `id` given as a JSON number `text` has, in every reader (the tiles
/// reader's, the bulk GeoJSONSeq reader's, for the `id` member or the `id` property): the
/// number's plainest decimal form, computed on its digits as written, so no digit is lost
/// and one number is one id whatever its form: `100`, `1e2`, `100.0` and `1.00E+2` are all
/// `100`, `1.50` and `15e-1` are `1.5`, `-0` is `0`. A number more than 20 zeros away from
/// its digits is written in exponent form (`1e400`, `1.5e-30`). Text that is not a JSON
/// number, or whose exponent has more than 18 digits, is returned as it is.
pub fn number_id(text: &str) -> String {
    let (sign, rest) = match text.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", text),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (rest, "0"),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
    let number = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let exp_digits = exponent.strip_prefix('-').unwrap_or(exponent);
    if !number(int) || !(frac.is_empty() || number(frac)) || !number(exp_digits) {
        return text.to_owned();
    }
    // The value is `digits` × 10^`exp`.
    let digits = format!("{int}{frac}");
    let digits = digits.trim_start_matches('0');
    let significant = digits.trim_end_matches('0');
    if significant.is_empty() {
        return "0".into();
    }
    // An exponent of more than 18 digits is beyond any id: kept as written.
    if exp_digits.len() > 18 {
        return text.to_owned();
    }
    let exp: i64 = exponent.parse().unwrap_or(0);
    let len = significant.len() as i64;
    let exp = exp - frac.len() as i64 + (digits.len() as i64 - len);
    const MOST_ZEROS: i64 = 20;
    if (0..=MOST_ZEROS).contains(&exp) {
        let zeros = "0".repeat(usize::try_from(exp).unwrap_or(0));
        return format!("{sign}{significant}{zeros}");
    }
    if exp < 0 && -exp < len {
        let (whole, part) = significant.split_at(usize::try_from(len + exp).unwrap_or(0));
        return format!("{sign}{whole}.{part}");
    }
    if exp < 0 && -exp - len <= MOST_ZEROS {
        let zeros = "0".repeat(usize::try_from(-exp - len).unwrap_or(0));
        return format!("{sign}0.{zeros}{significant}");
    }
    let (first, others) = significant.split_at(1);
    let point = if others.is_empty() { "" } else { "." };
    format!("{sign}{first}{point}{others}e{}", exp + len - 1)
}

/// A feature's id from the JSON value `raw` of its `id` member or property, by the one
/// rule of every reader of features (`build --events`, `tiles`): a string trimmed, a
/// number by [`number_id`] (`1e2` is `100`), `null` empty (no id); `None` for any other
/// value (RFC 7946 §3.2: an id is a string or a number), which the readers refuse.
pub fn id_of(raw: &serde_json::value::RawValue) -> Option<String> {
    let text = raw.get();
    match text.as_bytes().first()? {
        // Most ids need no unescaping: borrowed, then copied.
        b'"' => serde_json::from_str::<&str>(text)
            .map(|s| s.trim().to_owned())
            .or_else(|_| serde_json::from_str::<String>(text).map(|s| s.trim().to_owned()))
            .ok(),
        b'-' | b'0'..=b'9' => Some(number_id(text)),
        b'n' => Some(String::new()),
        _ => None,
    }
}

/// Why a feature's id is refused ([`id_of`] gave `None`), in every reader's words.
pub const BAD_ID: &str = "the feature id must be a string or a number";

/// Append the JSON value `raw` as written (a free property read from GeoJSONSeq keeps its
/// JSON): numbers, `true`, `false` and `null` copied as they are (no digit lost, `1E2`
/// left `1E2`: what a number is the JSON text says, never a float that reads it),
/// strings checked (escapes, surrogates) and escaped as every other string is
/// ([`push_str`]), arrays and objects member by member without the blank space between
/// them; an object naming a member twice is an error ([`given_twice`]: the caller names
/// the property it is within). So is what drillmap's readers could not read back from the
/// layer written: a value nested deeper than [`MAX_NESTING`], or a number beyond the range
/// of a 64-bit float (`1e400`), which serde_json refuses.
pub fn push_raw(out: &mut Vec<u8>, raw: &serde_json::value::RawValue) -> Result<(), String> {
    push_nested(out, raw, MAX_NESTING)
}

/// The most arrays and objects a property's value may nest within one another: what
/// serde_json (its limit is 127 levels), the parser of every feature drillmap reads, reads
/// back within a layer read whole: its FeatureCollection, the `features` array, a feature
/// and its `properties` (four levels).
pub const MAX_NESTING: usize = 123;

/// [`push_raw`] of a value within which `levels` more arrays or objects may open.
fn push_nested(
    out: &mut Vec<u8>,
    raw: &serde_json::value::RawValue,
    levels: usize,
) -> Result<(), String> {
    let text = raw.get();
    match text.as_bytes().first() {
        Some(b'[' | b'{') if levels == 0 => {
            return Err(format!(
                "arrays and objects nested more than {MAX_NESTING} deep, more than a \
                 layer drillmap reads back may hold"
            ));
        }
        Some(b'-' | b'0'..=b'9') if !text.parse::<f64>().is_ok_and(f64::is_finite) => {
            return Err(format!(
                "{text} is beyond the range of a 64-bit float, as a layer drillmap reads \
                 back may not hold"
            ));
        }
        Some(b'"') => {
            let s: std::borrow::Cow<'_, str> = serde_json::from_str::<&str>(text)
                .map_or_else(
                    |_| serde_json::from_str::<String>(text).map(std::borrow::Cow::Owned),
                    |s| Ok(std::borrow::Cow::Borrowed(s)),
                )
                .map_err(|e| error_message(&e))?;
            push_str(out, &s);
        }
        Some(b'[') => {
            let items: Vec<&serde_json::value::RawValue> =
                serde_json::from_str(text).map_err(|e| error_message(&e))?;
            out.push(b'[');
            for (i, item) in items.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                push_nested(out, item, levels - 1)?;
            }
            out.push(b']');
        }
        Some(b'{') => {
            let Entries(members) = serde_json::from_str(text).map_err(|e| error_message(&e))?;
            if let Some(k) = repeated(&members) {
                return Err(given_twice("member", k));
            }
            out.push(b'{');
            for (i, (k, v)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                push_str(out, &k);
                out.push(b':');
                push_nested(out, v, levels - 1)?;
            }
            out.push(b'}');
        }
        // A number or a literal: the parser checked its grammar (no NaN, no Infinity).
        _ => out.extend_from_slice(text.as_bytes()),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Probe (session 24): a lone surrogate was "unexpected end of hex escape", a line of
    /// GeoJSONSeq cut inside a string "control character ... at line 2 column 0".
    #[test]
    fn obscure_serde_json_messages_are_said_in_plain_words_keeping_the_position() {
        let message = |text: &str| {
            let e = serde_json::from_str::<serde_json::Value>(text).unwrap_err();
            (error_message(&e), bare_error_message(&e))
        };
        for lone in [
            r#"{"n":"\ud800"}"#,
            r#"{"n":"\udc00"}"#,
            r#"{"n":"\ud83d\u0041"}"#,
        ] {
            let (m, bare) = message(lone);
            assert!(
                m.starts_with("a lone UTF-16 surrogate escape"),
                "{lone}: {m}"
            );
            assert!(m.contains(" at line 1 column "), "{m}");
            assert!(!bare.contains(" at line "), "{bare}");
        }
        let (m, _) = message("{\"n\":\"ab\ncd\"}");
        assert!(
            m.starts_with("a raw control character inside a string"),
            "{m}"
        );
        assert!(m.ends_with(" at line 2 column 0"), "{m}");
        // Any other message is serde_json's.
        let (m, bare) = message("{\"n\":1,}");
        assert_eq!(m, "trailing comma at line 1 column 8");
        assert_eq!(bare, "trailing comma");
        // A record that is one line of its file: the column (probe, session 45: "at line 1
        // column 8" of a file's line 15).
        let e = serde_json::from_str::<serde_json::Value>("{\"n\":1,}").unwrap_err();
        assert_eq!(record_error_message(&e), "trailing comma at column 8");
        let e = serde_json::from_str::<serde_json::Value>("{\n\"n\":1,}").unwrap_err();
        assert_eq!(
            record_error_message(&e),
            "trailing comma at line 2 column 7 of the record"
        );
        // A paired surrogate is a character.
        assert!(serde_json::from_str::<serde_json::Value>(r#""\ud83d\ude00""#).is_ok());
    }

    #[test]
    fn arrays_have_commas_between_items_only() {
        let text = |items: &[&str]| {
            let mut out = Vec::new();
            push_array(&mut out, items.iter(), |out, s| push_str(out, s));
            String::from_utf8_lossy(&out).into_owned()
        };
        assert_eq!(text(&[]), "[]");
        assert_eq!(text(&["a"]), r#"["a"]"#);
        assert_eq!(text(&["a", "b", "c"]), r#"["a","b","c"]"#);
    }

    /// [`push_coordinate`]'s text alone.
    fn coordinate(v: f64) -> String {
        let mut out = Vec::new();
        push_coordinate(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn coordinates_print_like_display_of_the_rounded_value() {
        let cases = [
            0.0,
            -0.0,
            -0.000_000_4,
            0.000_001,
            -0.000_001,
            68.777_624_9,
            179.999_999_9,
            -180.0,
            37.5,
            1e11 + 0.25,
            2e15,
        ];
        for v in cases {
            assert_eq!(coordinate(v), round6(v).to_string(), "{v}");
        }
        let mut x = -181.0_f64;
        while x < 181.0 {
            assert_eq!(coordinate(x), round6(x).to_string(), "{x}");
            x += 0.001_234_567_1;
        }
        // Appended in place, after what the buffer holds.
        let mut out = b"[".to_vec();
        push_coordinate(&mut out, -68.777_624_9);
        assert_eq!(out, b"[-68.777625");
    }

    #[test]
    fn strings_are_escaped_as_serde_json_does() {
        let mut out = Vec::new();
        push_str(&mut out, "a\"b\\c\nd\u{1}\u{8}é");
        assert_eq!(out, serde_json::to_vec("a\"b\\c\nd\u{1}\u{8}é").unwrap());
        let back: String = serde_json::from_slice(&out).unwrap();
        assert_eq!(back, "a\"b\\c\nd\u{1}\u{8}é");
    }

    /// What the coordinate writer printed before it rounded once: round6, then the millionths
    /// of the rounded value.
    #[allow(clippy::cast_possible_truncation)]
    fn two_roundings(v: f64) -> String {
        let r = round6(v);
        if r.is_nan() || r.abs() >= 1e12 {
            return format!("{r}");
        }
        let micro = (r * 1e6).round() as i64;
        let (int, frac) = (
            micro.unsigned_abs() / 1_000_000,
            micro.unsigned_abs() % 1_000_000,
        );
        let sign = if micro < 0 { "-" } else { "" };
        if frac == 0 {
            format!("{sign}{int}")
        } else {
            format!("{sign}{int}.{}", format!("{frac:06}").trim_end_matches('0'))
        }
    }

    proptest::proptest! {
        /// The escaper's plain-string shortcut writes what serde_json writes, for any text.
        #[test]
        fn any_string_is_escaped_as_serde_json_does(s in proptest::prelude::any::<String>(), t in "[ -~é\u{1}\u{7f}]{0,40}") {
            for text in [&s, &t] {
                let mut out = b"x".to_vec();
                push_str(&mut out, text);
                let mut want = b"x".to_vec();
                want.extend(serde_json::to_vec(text).unwrap());
                proptest::prop_assert_eq!(out, want);
            }
        }

        /// One rounding prints what Display prints of the value rounded by round6 (where
        /// coordinates live), and what two roundings printed for any value.
        #[test]
        fn any_coordinate_prints_like_display(v in -2e9f64..2e9, w in proptest::num::f64::ANY) {
            for x in [v, v / 1e7] {
                proptest::prop_assert_eq!(coordinate(x), round6(x).to_string());
            }
            for x in [v, w] {
                proptest::prop_assert_eq!(coordinate(x), two_roundings(x));
            }
        }
    }

    /// Probe 6 L6: free properties lost digits (`123456789012345678901234567890` came out
    /// `1.2345678901234568e+29`, `1E2` as `100.0`). Their JSON is kept as written, blank
    /// space between tokens aside; strings are escaped as every string is.
    #[test]
    fn raw_values_keep_their_json() {
        let raw = |t: &str| -> String {
            let v: Box<serde_json::value::RawValue> = serde_json::from_str(t).unwrap();
            let mut out = Vec::new();
            push_raw(&mut out, &v).unwrap();
            String::from_utf8(out).unwrap()
        };
        for (given, kept) in [
            (
                "123456789012345678901234567890",
                "123456789012345678901234567890",
            ),
            ("1E2", "1E2"),
            ("-0.10", "-0.10"),
            ("true", "true"),
            ("null", "null"),
            (r#""a\/b \u00e9\t""#, "\"a/b é\\t\""),
            (
                "[ 1 , {\"x\" : 1.000000000000000000001, \"y\":[]} ]",
                r#"[1,{"x":1.000000000000000000001,"y":[]}]"#,
            ),
        ] {
            assert_eq!(raw(given), kept, "{given}");
        }
        let v: Box<serde_json::value::RawValue> =
            serde_json::from_str(r#"{"a":1,"b":{"c":1,"c":2}}"#).unwrap();
        let e = push_raw(&mut Vec::new(), &v).unwrap_err();
        assert_eq!(e, given_twice("member", "c"));
        // Not JSON is refused by the parser, before any value is kept.
        for bad in ["NaN", "[1,Infinity]", r#""\ud800""#] {
            let parsed = serde_json::from_str::<Box<serde_json::value::RawValue>>(bad);
            let kept = parsed.map(|v| push_raw(&mut Vec::new(), &v));
            assert!(!matches!(kept, Ok(Ok(()))), "{bad}");
        }
        // What serde_json would refuse to read back: nesting past MAX_NESTING (as deep
        // as it goes is kept), a number beyond a float's range (one below its smallest
        // is 0 to it, and kept as written).
        let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert_eq!(raw(&nested(MAX_NESTING)), nested(MAX_NESTING));
        for too_deep in [
            nested(MAX_NESTING + 1),
            nested(30_000),
            format!("{{\"a\":{}}}", nested(MAX_NESTING)),
        ] {
            let v: Box<serde_json::value::RawValue> = serde_json::from_str(&too_deep).unwrap();
            let e = push_raw(&mut Vec::new(), &v).unwrap_err();
            assert!(e.contains("nested more than 123 deep"), "{e}");
        }
        assert_eq!(
            raw("[1e-400,-1.7976931348623157e308]"),
            "[1e-400,-1.7976931348623157e308]"
        );
        for beyond in ["1e400", "-1E309", "[0,{\"x\":2e308}]"] {
            let v: Box<serde_json::value::RawValue> = serde_json::from_str(beyond).unwrap();
            let e = push_raw(&mut Vec::new(), &v).unwrap_err();
            assert!(
                e.contains("beyond the range of a 64-bit float"),
                "{beyond}: {e}"
            );
        }
        let many: String = (0..40).map(|i| format!("\"k{}\":{i},", i % 39)).collect();
        let v: Box<serde_json::value::RawValue> =
            serde_json::from_str(&format!("{{{}\"z\":0}}", many)).unwrap();
        assert!(push_raw(&mut Vec::new(), &v)
            .unwrap_err()
            .contains("\"k0\""));
    }

    /// Review finding (session 20): an id given as the number 1e2 was `1e2` to the bulk
    /// reader and `100.0` to the tiles reader (another tile feature id). One number, one id.
    #[test]
    fn a_numeric_id_is_its_plainest_decimal_form() {
        for (given, id) in [
            ("100", "100"),
            ("1e2", "100"),
            ("1E+2", "100"),
            ("100.0", "100"),
            ("1.00E+2", "100"),
            ("10000e-2", "100"),
            ("0", "0"),
            ("-0", "0"),
            ("-0.0e5", "0"),
            ("-7", "-7"),
            ("1.50", "1.5"),
            ("15e-1", "1.5"),
            ("0.05", "0.05"),
            ("5e-3", "0.005"),
            (
                "123456789012345678901234567890",
                "123456789012345678901234567890",
            ),
            ("1e20", "100000000000000000000"),
            ("1e21", "1e21"),
            ("1.5e-30", "1.5e-30"),
            ("25e400", "2.5e401"),
            ("1e99999999999999999999", "1e99999999999999999999"),
            ("abc", "abc"),
        ] {
            assert_eq!(number_id(given), id, "{given}");
        }
    }

    proptest::proptest! {
        /// Idempotent, and the same number as JSON reads it.
        #[test]
        fn a_numeric_id_is_the_same_number(text in "-?(0|[1-9][0-9]{0,20})(\\.[0-9]{1,6})?([eE][-+]?[0-9]{1,3})?") {
            let id = number_id(&text);
            proptest::prop_assert_eq!(number_id(&id), id.clone());
            let (a, b) = (text.parse::<f64>().unwrap(), id.parse::<f64>().unwrap());
            // One decimal value: one float (`-0` is `0`).
            proptest::prop_assert_eq!(a, b, "{} {}", text, id);
        }
    }
}
