//! Names and words: the keys every lookup compares ([`normalize`]), an article as tokens and
//! sentences ([`text`]), the numbers it writes and their values ([`numbers`]), the countries
//! a text names ([`countries`]) and what a sentence makes of each ([`standing`]), the dates it writes ([`dates`]), the words of an event
//! ([`events`]) and the counts of troops and equipment it gives ([`counts`]). Below `read`,
//! so the dataset's checks, the geocoder and `extract` share them: the count `check` finds
//! in a quote is the one `extract` drafts from it.

pub mod countries;
pub mod counts;
pub mod dates;
pub mod events;
pub mod normalize;
pub mod numbers;
pub mod standing;
pub mod text;

use serde::Serialize;

/// Where a quote is in the article: byte offsets into its text (UTF-8 bytes, not
/// characters; a leading byte-order mark, which is dropped on reading, is not counted),
/// `end` exclusive, so the article's `text[start..end]` is the quote. Written as
/// `byte_start` and `byte_end` (flattened into mentions whose own `start` and `end` are
/// dates).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Position {
    /// The first byte.
    #[serde(rename = "byte_start")]
    pub start: usize,
    /// One past the last byte.
    #[serde(rename = "byte_end")]
    pub end: usize,
}

impl From<std::ops::Range<usize>> for Position {
    fn from(r: std::ops::Range<usize>) -> Position {
        Position {
            start: r.start,
            end: r.end,
        }
    }
}

impl From<Position> for std::ops::Range<usize> {
    fn from(p: Position) -> std::ops::Range<usize> {
        p.start..p.end
    }
}
