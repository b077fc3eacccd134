//! Name normalisation: the keys under which the geocoder files and finds names.
//!
//! News about Central Asia spells one place many ways: `Харбмайдон`, `Kharb-Maidon`,
//! `Harbmaidon`. Two keys make them meet:
//!
//! - the **exact key**: Unicode-normalised (NFKC), lower-cased, Cyrillic transliterated (Russian by
//!   BGN/PCGN, plus the Kazakh, Tajik, Uzbek and Belarusian letters), Latin diacritics and
//!   apostrophes dropped (`Oʻzbekiston` → `ozbekiston`), every run of other characters one
//!   space, region words made one (`province`, `oblast`, `облысы` → `region`), and generic
//!   facility words (`training ground`, `range`, `полигон`, `air base`) taken out of the key
//!   and kept as a [`KindHint`];
//! - the **loose key**: the exact key without spaces and with the press's habits folded:
//!   `dzh`/`zh`/`j`, `kh`/`h`/`x`, `gh`/`g`, `q`/`k`, `w`/`v`, `ye`/`e`, `y`/`i`, doubled letters.
//!
//! Both are idempotent: normalising a key gives the same key.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use crate::model::PlaceKind;

/// What kind of place a query's generic words ask for ("… training ground", "… air base").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KindHint {
    /// training ground, range, polygon, training centre.
    TrainingGround,
    /// base, garrison.
    Base,
    /// air base, airfield, aerodrome.
    Airfield,
}

impl KindHint {
    /// Whether a place of `kind` is what the hint asks for.
    pub fn accepts(self, kind: PlaceKind) -> bool {
        match self {
            KindHint::TrainingGround => kind == PlaceKind::TrainingGround,
            KindHint::Base => matches!(
                kind,
                PlaceKind::Base | PlaceKind::Airfield | PlaceKind::Facility
            ),
            KindHint::Airfield => matches!(kind, PlaceKind::Airfield | PlaceKind::Base),
        }
    }
}

/// A name taken apart for matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameKey {
    /// Normalised tokens joined by single spaces, generic facility words removed.
    pub exact: String,
    /// [`loose_key`] of `exact`.
    pub loose: String,
    /// The kind the removed generic words ask for, if any.
    pub hint: Option<KindHint>,
}

impl NameKey {
    /// Take a name apart. A name made only of generic words ("Training Ground") keeps them
    /// as its key, so it still matches itself.
    pub fn new(name: &str) -> NameKey {
        let folded = fold(name);
        let mut hint = None;
        let mut kept: Vec<&str> = Vec::new();
        for token in folded.split(' ').filter(|t| !t.is_empty()) {
            if STOP_WORDS.contains(&token) {
                continue;
            }
            match generic_word(token) {
                Some(h) => hint = strongest(hint, h),
                None => kept.push(region_word(token).unwrap_or(token)),
            }
        }
        let exact = if kept.is_empty() {
            folded
                .split(' ')
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            kept.join(" ")
        };
        if kept.is_empty() {
            hint = None;
        }
        let loose = loose_key(&exact);
        NameKey { exact, loose, hint }
    }
}

/// "Air base" says more than "base": keep the more specific hint.
fn strongest(old: Option<KindHint>, new: KindHint) -> Option<KindHint> {
    match (old, new) {
        (Some(KindHint::Airfield), _) => Some(KindHint::Airfield),
        (Some(KindHint::TrainingGround), KindHint::Base) => Some(KindHint::TrainingGround),
        _ => Some(new),
    }
}

const STOP_WORDS: &[&str] = &["the", "of", "im", "imeni"];

fn generic_word(token: &str) -> Option<KindHint> {
    Some(match token {
        "training" | "ground" | "grounds" | "range" | "polygon" | "poligon" | "centre"
        | "center" | "tsentr" | "uchebnyy" | "uchebnyi" | "uchebnyj" | "manoeuvre" | "maneuver"
        | "firing" | "area" => KindHint::TrainingGround,
        "base" | "baza" | "garrison" | "garnizon" | "military" | "voyennaya" | "voennaya" => {
            KindHint::Base
        }
        "air" | "airbase" | "airfield" | "aerodrome" | "aerodrom" | "aviabaza" => {
            KindHint::Airfield
        }
        _ => return None,
    })
}

fn region_word(token: &str) -> Option<&'static str> {
    matches!(
        token,
        "region"
            | "province"
            | "oblast"
            | "oblasti"
            | "oblys"
            | "oblysy"
            | "viloyat"
            | "viloyati"
            | "vilayat"
            | "velayat"
            | "wilayat"
            | "welayaty"
            | "oblasty"
    )
    .then_some("region")
}

/// Lower-case, transliterate, drop diacritics and apostrophes, and make every other run of
/// non-alphanumeric characters a single space. Idempotent. ASCII text (most names in
/// exports) takes a fast path that gives the same result without Unicode normalisation;
/// every lookup path, in memory or on disk, goes through here.
pub fn fold(text: &str) -> String {
    if text.is_ascii() {
        return fold_ascii(text);
    }
    fold_unicode(text)
}

/// [`fold`] of ASCII text: NFKC and NFD leave it as it is, and no ASCII letter is Cyrillic
/// or carries a diacritic, so folding is lower-casing, dropping the ASCII apostrophes and
/// making other runs of non-alphanumerics one space.
fn fold_ascii(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = true; // no leading space
    for b in text.bytes() {
        let c = char::from(b.to_ascii_lowercase());
        if is_apostrophe(c) {
            continue;
        }
        if c.is_ascii_alphanumeric() {
            out.push(c);
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

fn fold_unicode(text: &str) -> String {
    let mut latin = String::with_capacity(text.len() + 8);
    for c in text.nfkc().flat_map(char::to_lowercase) {
        match cyrillic(c).or_else(|| latin_digraph(c)) {
            Some(s) => latin.push_str(s),
            None => latin.push(c),
        }
    }
    let mut out = String::with_capacity(latin.len());
    let mut space = true; // no leading space
    for c in latin.nfd().flat_map(char::to_lowercase) {
        if is_combining_mark(c) || is_apostrophe(c) {
            continue;
        }
        let c = match c {
            'ı' => 'i',
            'ø' => 'o',
            'đ' => 'd',
            'ł' => 'l',
            'ə' => 'a',
            _ => c,
        };
        if let Some(latin) = cyrillic(c) {
            // A Cyrillic base letter that only appears once its diacritic is split off (ӛ → ә).
            out.push_str(latin);
            space = false;
        } else if c.is_alphanumeric() {
            out.push(c);
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '’' | '‘' | 'ʻ' | 'ʼ' | '`' | '´' | 'ʹ' | 'ʺ' | '"' | '«' | '»' | '“' | '”'
    )
}

/// One lower-case Cyrillic letter in Latin: Russian by BGN/PCGN (without its digraph
/// separators), then the letters of Kazakh, Tajik, Uzbek, Kyrgyz, Belarusian and Ukrainian.
fn cyrillic(c: char) -> Option<&'static str> {
    Some(match c {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'д' => "d",
        'е' => "e",
        'ё' => "yo",
        'ж' => "zh",
        'з' => "z",
        'и' => "i",
        'й' => "y",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' => "u",
        'ф' => "f",
        'х' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ъ' | 'ь' => "",
        'ы' => "y",
        'э' => "e",
        'ю' => "yu",
        'я' => "ya",
        // Kazakh, Kyrgyz, Tajik, Uzbek.
        'ә' => "a",
        'ғ' => "gh",
        'қ' => "q",
        'ң' => "ng",
        'ө' => "o",
        'ұ' | 'ү' => "u",
        'һ' | 'ҳ' => "h",
        'і' => "i",
        'ӣ' => "i",
        'ӯ' => "u",
        'ҷ' => "j",
        'ў' => "o",
        // Ukrainian and Belarusian.
        'ї' => "yi",
        'є' => "ye",
        'ґ' => "g",
        _ => return None,
    })
}

/// Latin letters whose diacritic is a sound of its own, as the romanisations write them:
/// ISO 9 and GOST (`ž`, `š`, `č`, `ŝ`), the Kazakh, Uzbek and Turkmen Latin alphabets
/// (`ş`, `ç`, `ñ`, `ň`, `ğ`) and the like. Letters not listed lose their diacritic.
fn latin_digraph(c: char) -> Option<&'static str> {
    Some(match c {
        'ž' => "zh",
        'š' | 'ş' | 'ș' => "sh",
        'č' | 'ç' => "ch",
        'ŝ' => "shch",
        'ñ' | 'ň' | 'ŋ' => "ng",
        'ğ' | 'ǵ' => "gh",
        'ß' => "ss",
        _ => return None,
    })
}

/// The loose key of an exact key: no spaces, and the spelling habits of the press folded
/// (see the module documentation). Idempotent.
pub fn loose_key(exact: &str) -> String {
    // Each rule only maps towards the canonical letter and never lengthens the key, so
    // repeating the rules reaches a fixed point; repeating them is what makes the key
    // idempotent when one rule's output forms another's input (`kkh` → `kh` → `h`).
    let mut s: String = exact.chars().filter(|c| !c.is_whitespace()).collect();
    loop {
        let next = loose_step(&s);
        if next == s {
            return s;
        }
        s = next;
    }
}

fn loose_step(s: &str) -> String {
    let mut s = s.to_owned();
    for (from, to) in [
        ("x", "h"),
        ("dzh", "j"),
        ("dj", "j"),
        ("zh", "j"),
        ("kh", "h"),
        ("gh", "g"),
        ("q", "k"),
        ("w", "v"),
        ("iya", "ia"),
        ("ye", "e"),
        ("yo", "o"),
        ("yu", "u"),
        ("ya", "a"),
        ("y", "i"),
        ("ts", "c"),
    ] {
        if s.contains(from) {
            s = s.replace(from, to);
        }
    }
    // GOST writes `й` as `j` and `ю`, `я` as `ju`, `ja`: a `j` between a vowel and a
    // consonant (or the end) is an `i` (`Harbmajdon`), one between a consonant and a vowel
    // only softens it and goes (`Kurgan-Tjube`); elsewhere it is the `j` of `dzh`
    // (`Jizzakh`, `Tojikiston`).
    let chars: Vec<char> = s.chars().collect();
    let vowel = |c: Option<&char>| c.is_some_and(|c| "aeiou".contains(*c));
    let consonant =
        |c: Option<&char>| c.is_some_and(|c| c.is_ascii_alphabetic() && !"aeiouj".contains(*c));
    let mut out = String::with_capacity(s.len());
    let mut last = None;
    for (i, &c) in chars.iter().enumerate() {
        let before = i.checked_sub(1).and_then(|p| chars.get(p));
        let after = chars.get(i + 1);
        let c = if c == 'j' && vowel(before) && !vowel(after) {
            'i'
        } else if c == 'j' && consonant(before) && vowel(after) {
            continue;
        } else {
            c
        };
        if last != Some(c) {
            out.push(c);
        }
        last = Some(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn the_ascii_fast_path_folds_as_the_unicode_path(s in "[ -~]{0,40}") {
            proptest::prop_assert_eq!(fold_ascii(&s), fold_unicode(&s));
        }
    }

    fn key(s: &str) -> String {
        NameKey::new(s).exact
    }
    fn loose(s: &str) -> String {
        NameKey::new(s).loose
    }

    #[test]
    fn spellings_of_kharbmaidon_meet() {
        let want = loose("Kharbmaidon");
        for s in [
            "Харбмайдон",
            "Kharb-Maidon",
            "Harbmaidon",
            "Harb-Maidon",
            "Kharb-Maydon",
            "Харб-Майдон",
            "KHARBMAIDON training ground",
        ] {
            assert_eq!(loose(s), want, "{s}");
        }
        assert_eq!(key("Kharb-Maidon"), "kharb maidon");
        assert_eq!(key("Харбмайдон"), "kharbmaydon");
    }

    #[test]
    fn press_habits_fold_in_the_loose_key() {
        assert_eq!(loose("Zhetygen"), loose("Jetigen"));
        assert_eq!(loose("Жетыген"), loose("Zhetigen"));
        assert_eq!(loose("Жетіген"), loose("Zhetigen"));
        assert_eq!(loose("Oʻzbekiston"), loose("O'zbekiston"));
        assert_eq!(loose("Oʻzbekiston"), "ozbekiston");
        assert_eq!(loose("Qurghonteppa"), loose("Kurgonteppa"));
        assert_eq!(loose("Kulyab"), loose("Куляб"));
        assert_eq!(loose("Dzhizak"), loose("Jizak"));
    }

    #[test]
    fn iso9_gost_and_central_asian_latin_meet_bgn() {
        for (a, b) in [
            ("Žetygen", "Zhetygen"),
            ("Harbmajdon", "Kharbmaidon"),
            ("Kurgan-Tjube", "Kurgan-Tyube"),
            ("Kurgan-Tube", "Kurgan-Tyube"),
            ("Čimkent", "Chimkent"),
            ("Şymkent", "Shymkent"),
            ("Türkmenabat", "Turkmenabat"),
            ("Qoʻqon", "Kokand".replace("and", "on").as_str()),
            ("Ǵazaly", "Gazaly"),
            ("Ashgabat", "Ashkhabad".replace("khabad", "gabat").as_str()),
            ("Tojikiston", "Tojikiston"),
        ] {
            assert_eq!(loose(a), loose(b), "{a} / {b}");
        }
        // `j` before a vowel stays the `j` of `dzh`.
        assert_eq!(loose("Jizzakh"), "jizah");
        assert_eq!(loose("Tojikiston"), "tojikiston");
    }

    #[test]
    fn diacritics_case_and_punctuation_fold() {
        assert_eq!(key("Ayní"), "ayni");
        assert_eq!(key("  Alma–Ata  "), "alma ata");
        assert_eq!(key("ALMATY"), "almaty");
        assert_eq!(key("«Берег»"), "bereg");
        assert_eq!(key("Nur-Sultan"), key("nur sultan"));
    }

    #[test]
    fn generic_words_leave_the_key_and_become_a_hint() {
        let k = NameKey::new("Termez training ground");
        assert_eq!(
            (k.exact.as_str(), k.hint),
            ("termez", Some(KindHint::TrainingGround))
        );
        let k = NameKey::new("полигон Харбмайдон");
        assert_eq!(
            (k.exact.as_str(), k.hint),
            ("kharbmaydon", Some(KindHint::TrainingGround))
        );
        let k = NameKey::new("Ayni air base");
        assert_eq!(
            (k.exact.as_str(), k.hint),
            ("ayni", Some(KindHint::Airfield))
        );
        let k = NameKey::new("Forish Training Centre");
        assert_eq!(k.exact, "forish");
        // Nothing but generic words: the words are the key.
        let k = NameKey::new("Training Ground");
        assert_eq!((k.exact.as_str(), k.hint), ("training ground", None));
    }

    proptest::proptest! {
        #[test]
        fn keys_are_idempotent(name in "\\PC{0,24}") {
            let k = NameKey::new(&name);
            proptest::prop_assert_eq!(fold(&k.exact), k.exact.clone());
            proptest::prop_assert_eq!(loose_key(&k.loose), k.loose.clone());
            proptest::prop_assert_eq!(NameKey::new(&k.exact).exact, k.exact);
        }

        #[test]
        fn cyrillic_and_latin_mix_is_idempotent(name in "[а-яёәғқңөұүһіӣӯҷўkhzyqxw' -]{0,20}") {
            let k = NameKey::new(&name);
            proptest::prop_assert_eq!(NameKey::new(&k.exact).loose, k.loose);
        }
    }

    #[test]
    fn region_words_are_one_word() {
        assert_eq!(key("Almaty Province"), "almaty region");
        assert_eq!(key("Almaty oblast"), "almaty region");
        assert_eq!(key("Алматы облысы"), "almaty region");
        assert_eq!(key("Surxondaryo viloyati"), "surxondaryo region");
    }
}
