//! Names and words: the keys every lookup compares ([`normalize`]), an article as tokens and
//! sentences ([`text`]), the numbers it writes and their values ([`numbers`]), the countries
//! a text names ([`countries`]) and the dates it writes ([`dates`]). Below `read`, so the
//! dataset's checks, the geocoder and `extract` share them.

pub mod countries;
pub mod dates;
pub mod normalize;
pub mod numbers;
pub mod text;
