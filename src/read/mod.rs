//! Read: the gazetteer, the dataset and the boundaries, into validated model types.
//!
//! Each reader returns what it could validate together with every [`crate::Problem`] it
//! found, and fails outright (a [`crate::Error`]) only when a file cannot be read or parsed
//! at all.

pub mod article;
pub mod collection;
pub mod dataset;
pub mod geonames;
pub mod input;
pub mod lines;
pub mod places;
pub mod quotes;
pub mod seq;
pub mod table;
pub mod topojson;
