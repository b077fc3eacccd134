//! drillmap: geocode the military exercises and bases reported in news articles against a
//! local gazetteer, and write GeoJSON layers that any web map opens as they are.
//!
//! The crate is one pipeline, and its modules follow it:
//!
//! 1. [`read`]: the gazetteer (`places/places.csv`), the dataset (`places/*.toml`) and the
//!    Natural Earth boundaries, into the validated types of [`model`];
//! 2. [`resolve`]: every place a record names becomes a point with a precision, a score and
//!    its provenance, through the [`resolve::Geocoder`];
//! 3. [`derive`]: layer features and their properties ([`model::Layer`]), the location
//!    properties of every point feature in one place ([`derive::location`]);
//! 4. [`write`]: GeoJSON, GeoJSONSeq and PMTiles files from one pass over the features
//!    ([`write::sink`]), atomically and byte-for-byte deterministic.
//!
//! [`pipeline`] strings the stages together for every command, and for event exports of
//! millions of rows ([`pipeline::bulk`], reading through [`bulk`]); [`serve`] serves the
//! layers with a live preview map (`drillmap serve`); [`extract`] proposes draft records
//! from a news report, every fact with its quote (`drillmap extract`). Dependencies point
//! down only: cli → pipeline → write → derive → resolve → read → model, with the
//! primitives every layer from `read` up shares ([`fsutil`]'s atomic file writes,
//! [`error`], [`json`], [`memory`]'s allocator settings, [`workers`]' threads taken back in
//! order) at the `read` level, and
//! geometry and date primitives ([`antimeridian`], [`date`], [`country`]) with [`model`]
//! (`tests/layering.rs` checks it).

pub mod antimeridian;
pub mod bulk;
pub mod country;
pub mod date;
pub mod derive;
pub mod error;
pub mod evidence;
pub mod extract;
pub mod fsutil;
pub mod json;
pub mod memory;
pub mod model;
pub mod names;
pub mod pipeline;
pub mod read;
pub mod resolve;
pub mod serve;
pub mod workers;
pub mod write;

pub use error::{Error, Problem, Result};
