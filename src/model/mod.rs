//! The domain: places from the gazetteer, and the exercises and bases of the dataset.
//!
//! These are validated values: every reader in [`crate::read`] turns raw rows into them and
//! reports what it cannot turn, so the rest of the pipeline never re-checks a field.

mod event;
mod place;

pub use event::{
    Base, BaseSite, BaseStatus, Dataset, Evidence, Exercise, PlaceRef, Quote, Site, Source,
};
pub use place::{Place, PlaceKind, Precision};
