//! Resolve: every place a record names becomes a point with a precision, a score and its
//! provenance.
//!
//! [`normalize`] makes the keys, [`geocoder`] looks names up in the [`Gazetteer`], and
//! [`resolve_dataset`] resolves each distinct place reference of the dataset once,
//! reporting the ones that are unresolved or ambiguous as problems at their line.

pub mod geocoder;
pub mod normalize;

use std::collections::BTreeMap;

pub use geocoder::{Candidate, Filter, Gazetteer, MatchKind, Resolution, Status};

use crate::error::Problem;
use crate::model::{Dataset, Place, PlaceRef};

/// Where a resolved point comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved<'g> {
    /// The gazetteer row.
    pub place: &'g Place,
    /// Match score in [0, 1].
    pub score: f64,
    /// Exact or loose.
    pub how: MatchKind,
}

/// Resolutions of a dataset's place references, keyed by (query, country filter).
#[derive(Debug, Clone, Default)]
pub struct Resolutions<'g> {
    by_query: BTreeMap<(String, String), Resolved<'g>>,
}

impl<'g> Resolutions<'g> {
    /// The resolution of a place reference, if it resolved.
    pub fn get(&self, place: &PlaceRef) -> Option<&Resolved<'g>> {
        self.by_query
            .get(&(place.query.clone(), place.country.clone()))
    }

    /// How many distinct references resolved.
    pub fn len(&self) -> usize {
        self.by_query.len()
    }

    /// Whether none resolved.
    pub fn is_empty(&self) -> bool {
        self.by_query.is_empty()
    }
}

/// Resolve every place reference of `dataset` (each distinct query and country once).
/// References that do not resolve to exactly one place become problems.
pub fn resolve_dataset<'g>(
    gazetteer: &'g Gazetteer,
    dataset: &Dataset,
) -> (Resolutions<'g>, Vec<Problem>) {
    let mut out = Resolutions::default();
    let mut failed: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut problems = Vec::new();
    for place in dataset.place_refs() {
        if place.query.is_empty() {
            continue; // already reported as a missing field
        }
        let key = (place.query.clone(), place.country.clone());
        if out.by_query.contains_key(&key) {
            continue;
        }
        let message = match failed.get(&key) {
            Some(m) => m.clone(),
            None => {
                let r = gazetteer.lookup(&place.query, &Filter::country(&place.country));
                match r.best() {
                    Some(best) => {
                        out.by_query.insert(
                            key,
                            Resolved {
                                place: best.place,
                                score: best.score,
                                how: best.how,
                            },
                        );
                        continue;
                    }
                    None => {
                        let m = explain(&r, &place.country);
                        failed.insert(key, m.clone());
                        m
                    }
                }
            }
        };
        problems.push(Problem::new(
            &place.path,
            Some(place.line),
            &place.query,
            message,
        ));
    }
    (out, problems)
}

/// Why a resolution has no answer, with the candidates and what to do.
pub fn explain(r: &Resolution<'_>, country: &str) -> String {
    let within = if country.is_empty() {
        String::new()
    } else {
        format!(" in {country}")
    };
    match r.status {
        Status::Unresolved => format!("unresolved: no place{within} in the gazetteer matches; add the name as an alias or a new row"),
        Status::Ambiguous => {
            let list: Vec<String> = r
                .candidates
                .iter()
                .map(|c| format!("{} ({}, {:.2})", c.place.id, c.place.kind, c.score))
                .collect();
            format!(
                "ambiguous{within}: {}; say which (\"… training ground\", \"… air base\") or make the alias unique",
                list.join(", ")
            )
        }
        Status::Resolved => String::from("resolved"),
    }
}
