//! Exercises and bases as the articles report them, and the articles themselves.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::date::{DateSpan, Day, ReportedDate};

/// A source the data cites: a news article a record is taken from (with its text in
/// `articles/`), or another source a reader can open (with its URL). Layers write it as
/// serialised here, and a layer's `sources` read back
/// ([`crate::read::dataset::sources_of_layer`]) are read by the same keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Short stable id (the article's number, `004`, or a slug, `tass-1324249`).
    pub id: String,
    /// The article's file name under `articles/` in the data folder, for an article.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Who published it, as far as the text says.
    pub publisher: String,
    /// The headline.
    pub title: String,
    /// Publication date in reduced ISO 8601 (`2021-08-05`, `2021-07`), if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// Where the article can be read, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// What is inferred about the source (a publisher or date read from context).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// 1-based line of the source's `id` in `sources.toml`, for messages.
    #[serde(skip)]
    pub line: usize,
}

impl Source {
    /// The sources a bulk row's source cell names, in order: its `;`-separated parts (a `;`
    /// inside an address kept, [`cell_parts`]), each
    /// an address (`http://` or `https://` in any case: the `url`, its host, lowercase and
    /// without a port, the `publisher`) or a publisher's name (ACLED's `source` column);
    /// the part as written is the `id`, and the title is not known (empty). An address's
    /// user credentials (`user:secret@`) are dropped from its `id` and `url`, never
    /// published; a part that starts as an address but is none (no host, a space, a port
    /// that is no number) is an error naming it (without its credentials too). A bulk feature's `sources` then has the
    /// key and shape of a hand-kept one's.
    pub fn of_cell(cell: &str) -> Result<Vec<Source>, SourceError> {
        cell_parts(cell)
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(|part| {
                let address = address(part).map_err(|why| SourceError {
                    part: without_any_credentials(part).into_owned(),
                    why: why.to_owned(),
                })?;
                // A name that is or holds an address (`ftp://u:p@h`, "TASS
                // https://u:p@tass.ru/a") keeps its credentials unpublished too.
                let name = without_any_credentials(part).into_owned();
                let (publisher, url) = match address {
                    Some((host, url)) => (host, Some(url)),
                    None => (name.clone(), None),
                };
                Ok(Source {
                    id: url.clone().unwrap_or(name),
                    file: None,
                    publisher,
                    title: String::new(),
                    published: None,
                    url,
                    note: String::new(),
                    line: 0,
                })
            })
            .collect()
    }
}

/// The `;`-separated parts of a source cell. A `;` inside an address (legal in a URL:
/// `https://a.tj/x;id=5`) does not separate: within a part that starts as an address, a
/// `;` ends it only when blank space or another address (`http://`, `https://`, in any
/// case) follows. Elsewhere every `;` separates.
fn cell_parts(cell: &str) -> impl Iterator<Item = &str> {
    let starts_address = |s: &str| {
        ["https://", "http://"].into_iter().any(|scheme| {
            s.get(..scheme.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(scheme))
        })
    };
    let mut rest = Some(cell);
    std::iter::from_fn(move || {
        let text = rest?;
        let in_address = starts_address(text.trim_start());
        let mut from = 0;
        loop {
            let Some(i) = text[from..].find(';').map(|i| from + i) else {
                rest = None;
                return Some(text);
            };
            let after = &text[i + 1..];
            let separates = !in_address
                || after.is_empty()
                || after.starts_with(char::is_whitespace)
                || starts_address(after);
            if separates {
                rest = Some(after);
                return Some(&text[..i]);
            }
            from = i + 1;
        }
    })
}

/// A part of a source cell that starts as an address but is none ([`Source::of_cell`]),
/// or a layer's `sources` that are not a layer's
/// ([`crate::read::dataset::sources_of_layer`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("source {part:?}: {why}")]
pub struct SourceError {
    /// The part, or the value, as written.
    pub part: String,
    /// What is wrong with it.
    pub why: String,
}

/// `url` without the credentials (`user:password@`) its authority may carry: an address
/// is recorded and shown without them (a bulk source's `id` and `url`; the online
/// geocoder's endpoint in its cache and messages). Works on a URL that does not parse too,
/// so an error about it shows none. The authority ends where a WHATWG URL parser (a
/// browser) ends it: at `/`, `?`, `#`, or `\`, which it reads as `/` in http(s) addresses.
pub fn without_credentials(url: &str) -> std::borrow::Cow<'_, str> {
    let Some(scheme_end) = authority_start(url) else {
        return std::borrow::Cow::Borrowed(url);
    };
    let rest = &url[scheme_end..];
    match rest[..authority_end(rest)].rfind('@') {
        Some(at) => std::borrow::Cow::Owned(format!("{}{}", &url[..scheme_end], &rest[at + 1..])),
        None => std::borrow::Cow::Borrowed(url),
    }
}

/// `text` without the credentials of any address in it ([`without_credentials`] of each
/// word that starts with a scheme): "TASS https://u:p@tass.ru/a" or "Archive
/// (ftp://u:p@h/a)" is published without them (probe, session 45: only an address that
/// began the text lost its credentials).
pub fn without_any_credentials(text: &str) -> std::borrow::Cow<'_, str> {
    let in_scheme = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-');
    let mut out = String::new();
    let mut copied = 0;
    let mut prev: Option<char> = None;
    for (i, c) in text.char_indices() {
        let schemeless = c == '/'
            && text[i..].starts_with("//")
            && !prev.is_some_and(|p| in_scheme(p) || matches!(p, ':' | '/' | '\\'));
        let starts = ((c.is_ascii_alphabetic() && !prev.is_some_and(in_scheme)) || schemeless)
            && i >= copied;
        prev = Some(c);
        if !starts {
            continue;
        }
        // A word ends where a CSV field or a JSON string would: at a space, a comma or a
        // quote (review, session 46: "https://tass.ru,press@tass.ru" of a CSV line lost
        // "press@" as if it were credentials). A password with a comma in it is left,
        // what follows the comma then shown.
        let end = text[i..]
            .find(|c: char| c.is_whitespace() || matches!(c, ',' | '"' | '<' | '>'))
            .map_or(text.len(), |k| i + k);
        if let std::borrow::Cow::Owned(clean) = without_credentials(&text[i..end]) {
            out.push_str(&text[copied..i]);
            out.push_str(&clean);
            copied = end;
        }
    }
    if copied == 0 {
        return std::borrow::Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    std::borrow::Cow::Owned(out)
}

/// Where the authority of `url` starts, as a browser finds it: after its scheme
/// (`[A-Za-z][A-Za-z0-9+.-]*`), its `:` and any `/` or `\` after it (`https:/u:p@h`,
/// `https:\\u:p@h` and `ftp://u:p@h` all give the user `u`), of which a special scheme
/// (`http`, `https`, `ftp`, `ws`, `wss`) needs none (`https:u:p@h`) and any other
/// at least one (`mailto:a@b` has no authority).
fn authority_start(url: &str) -> Option<usize> {
    // `//u:p@h/a`, an address without its scheme (a browser takes the page's; probe,
    // session 45: its credentials were published).
    let lead = url
        .bytes()
        .take_while(|b| matches!(b, b'/' | b'\\'))
        .count();
    if lead >= 2 {
        return Some(lead);
    }
    let colon = url.find(':')?;
    let scheme = &url[..colon];
    let mut chars = scheme.chars();
    let is_scheme = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'));
    if !is_scheme {
        return None;
    }
    let slashes = url[colon + 1..]
        .bytes()
        .take_while(|b| matches!(b, b'/' | b'\\'))
        .count();
    let special = ["http", "https", "ftp", "ws", "wss"]
        .iter()
        .any(|s| scheme.eq_ignore_ascii_case(s));
    (special || slashes > 0).then_some(colon + 1 + slashes)
}

/// Where the authority of an address's `rest` (what follows `scheme://`) ends.
fn authority_end(rest: &str) -> usize {
    rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len())
}

/// An `http(s)://` address's host (lowercase, without its port) and the address without
/// its user credentials; `Ok(None)` for a part that is no address (a publisher's name),
/// `Err` for one that starts as an address and is none. The one test of an address a
/// source gives: a source cell's parts ([`Source::of_cell`]) and a source's `url`
/// (`crate::read::dataset::source_problems`).
pub fn address(part: &str) -> Result<Option<(String, String)>, &'static str> {
    let starts = |s: &str| {
        part.get(..s.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(s))
    };
    let Some(scheme) = ["https://", "http://"].into_iter().find(|s| starts(s)) else {
        // `https:/h`, `https:\\h` or `https:h`: a browser's address of `h`, never a name.
        if ["https:", "http:"].into_iter().any(starts) {
            return Err(
                "an address without the two slashes after its scheme (write https:// or http://)",
            );
        }
        return Ok(None);
    };
    if part.contains(char::is_whitespace) {
        return Err("an address with a space in it (write a space in an address as %20)");
    }
    let rest = &part[scheme.len()..];
    let authority = &rest[..authority_end(rest)];
    let host_port = authority
        .rfind('@')
        .map_or(authority, |at| &authority[at + 1..]);
    // An IPv6 host is bracketed (`[::1]`); any other ends at the port's colon.
    let host_len = match host_port.strip_prefix('[') {
        Some(v6) => v6.find(']').map_or(host_port.len(), |i| i + 2),
        None => host_port.find(':').unwrap_or(host_port.len()),
    };
    let (host, port) = host_port.split_at(host_len);
    if host.is_empty() || host == "[]" || (host.starts_with('[') && !host.ends_with(']')) {
        return Err("an address without a host");
    }
    // A port is at most 65535 (a URL parser refuses more); `host:` alone means the default.
    let port_ok = port.is_empty()
        || port.strip_prefix(':').is_some_and(|p| {
            p.is_empty() || (p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u16>().is_ok())
        });
    if !port_ok {
        return Err("an address whose port is not a number from 0 to 65535");
    }
    Ok(Some((
        host.to_lowercase(),
        without_credentials(part).into_owned(),
    )))
}

/// A record's count (`troops`, `equipment`): a whole number from 0 to `Count::MAX`
/// (4,294,967,295). `check` refuses one outside, and `extract` drafts none outside.
pub type Count = u32;

/// What backs one field of a record: words of its article, another source, or both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// The field it backs (`troops`, `start`, `participants`).
    pub field: String,
    /// The article's words, verbatim.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
    /// Id of a source in `sources.toml`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// What is inferred, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Words a record says its articles contain: a `reported` place or an evidence `quote`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    /// The words, as written in the record.
    pub text: String,
    /// The ids of the record's sources (those with an article are searched).
    pub sources: Vec<String>,
    /// The dataset file.
    pub path: PathBuf,
    /// 1-based line of the quote.
    pub line: usize,
    /// It backs a count (`troops`, `equipment`): not a number of a date of the article.
    pub counts: bool,
}

/// A place named by a record: the text to geocode, and the words the article used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceRef {
    /// The name handed to the geocoder (`Kharbmaidon training ground`).
    pub query: String,
    /// The place exactly as the article puts it (`a military range near the Afghan border`);
    /// empty when the article does not name it.
    pub reported: String,
    /// The source that names the place when the article does not (a source id).
    pub located_by: Option<String>,
    /// ISO 3166-1 alpha-2 country the place is in, used to filter candidates (empty: any).
    pub country: String,
    /// The day the record asks for it: an exercise site's first day, a historic base
    /// site's `since`; `None` for the place as it is now. Among places of the same name the
    /// geocoder prefers the one that existed then (`Filter::date`).
    pub date: Option<Day>,
    /// Where the record asks for it.
    pub path: PathBuf,
    /// 1-based line of the `place` value.
    pub line: usize,
}

/// One site (or stage) of an exercise.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// Id unique within its exercise (`stage-2`).
    pub id: String,
    /// The stage's name, for multi-stage exercises.
    pub stage: Option<String>,
    /// Where it took place.
    pub place: PlaceRef,
    /// When.
    pub dates: DateSpan,
    /// The countries that took part in this site or stage, when the article says they differ
    /// from the exercise's; `None` takes the exercise's.
    pub participants: Option<Vec<String>>,
    /// What is doubtful or inferred about this site, in words.
    pub note: String,
    /// What backs the site's dates and participants.
    pub evidence: Vec<Evidence>,
}

/// An exercise: one record, one or more sites.
#[derive(Debug, Clone, PartialEq)]
pub struct Exercise {
    /// Stable slug (`kharbmaidon-2021`).
    pub id: String,
    /// Name as reported (`Indestructible Brotherhood-2024`).
    pub name: String,
    /// What sort of exercise (`counter-terrorism`, `command-staff`, `strategic`).
    pub kind: String,
    /// CSTO, SCO, bilateral, trilateral, national.
    pub organisation: String,
    /// ISO alpha-2 of the host country, when reported.
    pub host: Option<String>,
    /// ISO alpha-2 of every participating country reported, sorted (empty: none named).
    pub participants: Vec<String>,
    /// ISO alpha-2 of every country the article says was invited, sorted, kept apart from
    /// the participants.
    pub invited: Vec<String>,
    /// Troop count, where the article gives one (a lower bound when it says "over").
    pub troops: Option<Count>,
    /// Pieces of equipment, where given.
    pub equipment: Option<Count>,
    /// One line on what was rehearsed.
    pub scenario: String,
    /// What is doubtful or inferred about the record.
    pub notes: String,
    /// Ids of the sources that report it.
    pub sources: Vec<String>,
    /// When, as a whole (sites without dates of their own take these).
    pub dates: DateSpan,
    /// Where and when, one entry per site or stage; empty when the articles name no place.
    pub sites: Vec<Site>,
    /// What backs the record's counts, dates and participants.
    pub evidence: Vec<Evidence>,
}

/// Whether a base is still in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BaseStatus {
    /// In use as far as the sources say.
    Active,
    /// Closed, returned or moved; carries an end date.
    Historic,
}

/// One site of a base (a garrison, an air group).
#[derive(Debug, Clone, PartialEq)]
pub struct BaseSite {
    /// Id unique within its base (`dushanbe`).
    pub id: String,
    /// The site's own name (`Dushanbe garrison`).
    pub name: String,
    /// Where it is.
    pub place: PlaceRef,
    /// Active or historic.
    pub status: BaseStatus,
    /// Since when, if known.
    pub since: Option<ReportedDate>,
    /// Until when (required for historic sites).
    pub until: Option<ReportedDate>,
    /// The latest date a cited source shows the site in use, when that is all that is
    /// known of an active site's present (the Zhetygen training centre: visited on 13 July
    /// 2018, nothing later).
    pub last_reported: Option<ReportedDate>,
    /// What is doubtful or inferred about the site.
    pub note: String,
    /// What backs the site's dates.
    pub evidence: Vec<Evidence>,
}

/// A foreign or national military base with its sites.
#[derive(Debug, Clone, PartialEq)]
pub struct Base {
    /// Stable slug (`ru-201st-base`).
    pub id: String,
    /// Name (`201st Military Base`).
    pub name: String,
    /// ISO alpha-2 of the country that operates it.
    pub operator: String,
    /// ISO alpha-2 of the host country.
    pub host: String,
    /// Units stationed there.
    pub units: Vec<String>,
    /// What is doubtful or inferred about the record.
    pub notes: String,
    /// Ids of the sources that report it.
    pub sources: Vec<String>,
    /// Its sites.
    pub sites: Vec<BaseSite>,
    /// What backs its operator, host and units where its sites' `reported` words do not.
    pub evidence: Vec<Evidence>,
}

/// Everything the dataset files hold, validated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dataset {
    /// The articles.
    pub sources: Vec<Source>,
    /// The exercises.
    pub exercises: Vec<Exercise>,
    /// The bases.
    pub bases: Vec<Base>,
    /// Every quote the records hold, for [`crate::evidence`] to find in the articles.
    pub quotes: Vec<Quote>,
}

impl Dataset {
    /// The source with this id.
    pub fn source(&self, id: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.id == id)
    }

    /// Every place reference in the dataset, exercises first, in file order.
    pub fn place_refs(&self) -> impl Iterator<Item = &PlaceRef> {
        let ex = self
            .exercises
            .iter()
            .flat_map(|e| e.sites.iter().map(|s| &s.place));
        let ba = self
            .bases
            .iter()
            .flat_map(|b| b.sites.iter().map(|s| &s.place));
        ex.chain(ba)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(part: &str) -> Result<(String, String, Option<String>), SourceError> {
        let mut s = Source::of_cell(part)?;
        assert_eq!(s.len(), 1, "{part}");
        let s = s.remove(0);
        Ok((s.id, s.publisher, s.url))
    }

    /// Probe 5 L4: an address's credentials were published in its publisher, a port kept
    /// in it, `HTTPS://` taken for a name, and `https://` alone or an address with spaces
    /// kept as an address. The host is the publisher (lowercase, no port, no
    /// credentials), credentials are dropped from id and url, and what starts as an
    /// address but is none is an error naming the part.
    #[test]
    fn a_source_address_publishes_its_host_only() {
        let url = |u: &str| Some(u.to_owned());
        assert_eq!(
            one("https://user:secret@tass.ru/a").unwrap(),
            (
                "https://tass.ru/a".into(),
                "tass.ru".into(),
                url("https://tass.ru/a")
            )
        );
        assert_eq!(one("https://tass.ru:8443/x?y=1").unwrap().1, "tass.ru");
        assert_eq!(
            one("HTTPS://Tass.RU/a").unwrap(),
            (
                "HTTPS://Tass.RU/a".into(),
                "tass.ru".into(),
                url("HTTPS://Tass.RU/a")
            )
        );
        assert_eq!(one("http://[::1]:80/x").unwrap().1, "[::1]");
        assert_eq!(one("https://kloop.kg").unwrap().1, "kloop.kg");
        // Not addresses: publishers' names.
        for name in [
            "Asia-Plus",
            "javascript:alert(1)",
            "Radio Ozodi",
            "mailto:desk@a.tj",
            "ftp://h.tj/a",
        ] {
            assert_eq!(one(name).unwrap(), (name.into(), name.into(), None));
        }
        // Probe 8: credentials of an address a browser reads though it is written with
        // one slash, backslashes or another scheme were published in the id and the
        // publisher. An http(s) address without its `//` is refused, named without them;
        // another scheme's is a name, without them.
        let name = "ftp://h.tj/a".to_owned();
        assert_eq!(one("ftp://u:p@h.tj/a").unwrap(), (name.clone(), name, None));
        // Probe, session 45: an address inside a name kept its credentials.
        for (cell, published) in [
            (
                "TASS https://user:secret@tass.ru/a",
                "TASS https://tass.ru/a",
            ),
            ("Archive ftp://user:secret@h/a", "Archive ftp://h/a"),
            ("TASS (ftp://u:p@h/a)", "TASS (ftp://h/a)"),
            (
                "A http://u:p@a.tj/x and B https://v:q@b.tj/y",
                "A http://a.tj/x and B https://b.tj/y",
            ),
            ("desk: mailto:desk@a.tj", "desk: mailto:desk@a.tj"),
        ] {
            let name = published.to_owned();
            assert_eq!(one(cell).unwrap(), (name.clone(), name, None), "{cell}");
        }
        for bad in [
            "https:/u:p@x.com/a",
            "HTTPS:\\\\u:p@x.com/a",
            "http:u:p@x.com",
            "https:/x",
        ] {
            let e = one(bad).unwrap_err();
            assert!(!e.part.contains("u:p"), "{bad}: {e}");
            assert!(
                e.to_string()
                    .contains("without the two slashes after its scheme"),
                "{bad}: {e}"
            );
        }
        for (bad, why) in [
            ("https://", "without a host"),
            ("https:///a", "without a host"),
            ("https://user@/a", "without a host"),
            ("https://[::1/a", "without a host"),
            ("https://tass.ru/a b c", "with a space"),
            ("https://tass.ru:84x3/a", "port is not a number"),
            (
                "https://u:p@[::1]:99999/x",
                "port is not a number from 0 to 65535",
            ),
        ] {
            let e = one(bad).unwrap_err();
            // Named without its credentials, as it would be published.
            assert_eq!(e.part, without_credentials(bad));
            assert!(e.to_string().contains(why), "{bad}: {e}");
        }
        // Probe 7 L5: a browser reads `\` as `/`, so the host is `h.com`, never the
        // `evil.com` after it, and nothing before the `\` is taken for credentials.
        assert_eq!(
            one("https://h.com\\@evil.com/").unwrap(),
            (
                "https://h.com\\@evil.com/".into(),
                "h.com".into(),
                url("https://h.com\\@evil.com/")
            )
        );
        assert_eq!(one("https://tass.ru:65535/a").unwrap().1, "tass.ru");
        // Parts are trimmed, empty ones skipped, order kept.
        let two = Source::of_cell(" Asia-Plus ;  ; https://a.tj/x ").unwrap();
        assert_eq!(two.len(), 2);
        assert_eq!(two[1].publisher, "a.tj");
    }

    /// Probe 6: an address with a `;` in it (legal in a URL) was cut in two at it. Inside
    /// an address a `;` separates only before blank space or another address.
    #[test]
    fn a_semicolon_inside_an_address_does_not_split_it() {
        let ids = |cell: &str| -> Vec<String> {
            Source::of_cell(cell)
                .unwrap()
                .into_iter()
                .map(|s| s.id)
                .collect()
        };
        assert_eq!(ids("https://a.tj/x;id=5;v=2"), ["https://a.tj/x;id=5;v=2"]);
        assert_eq!(
            ids("https://a.tj/x;id=5; Asia-Plus;Radio Ozodi"),
            ["https://a.tj/x;id=5", "Asia-Plus", "Radio Ozodi"]
        );
        assert_eq!(
            ids("https://a.tj/x;HTTPS://b.kg/y;z;"),
            ["https://a.tj/x", "HTTPS://b.kg/y;z"]
        );
        // Names split at every `;`, as before.
        assert_eq!(ids("ACLED;Reuters; TASS"), ["ACLED", "Reuters", "TASS"]);
        assert_eq!(
            Source::of_cell("https://a.tj/x;y")
                .unwrap()
                .remove(0)
                .publisher,
            "a.tj"
        );
    }
}
