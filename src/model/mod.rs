//! The domain: places from the gazetteer, the exercises and bases of the dataset, and the
//! layers of features every writer takes.
//!
//! These are validated values: every reader in [`crate::read`] turns raw rows into them and
//! reports what it cannot turn, so the rest of the pipeline never re-checks a field.

pub mod credits;
mod event;
mod feature;
mod place;
pub mod properties;

pub use credits::Credits;
pub use event::{
    address, without_any_credentials, without_credentials, Base, BaseSite, BaseStatus, Count,
    Dataset, Evidence, Exercise, PlaceRef, Quote, Site, Source, SourceError,
};
pub use feature::{is_layer_name, round6, round_to, Feature, Layer, Location, LAYER_NAME_RULE};
pub use place::{
    uncertainty_problem, Place, PlaceKind, Precision, Validity, LATITUDES, LONGITUDES,
    UNCERTAINTY_KM,
};
