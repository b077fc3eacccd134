//! Names and words: the keys every lookup compares ([`normalize`]), an article as tokens and
//! sentences ([`text`]), and the countries a text names ([`countries`]). Below `read`, so
//! the dataset's checks, the geocoder and `extract` share them.

pub mod countries;
pub mod normalize;
pub mod text;
