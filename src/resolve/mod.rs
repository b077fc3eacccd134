//! Resolve: every place a record names becomes a point with a precision, a score and its provenance.
pub mod online;
