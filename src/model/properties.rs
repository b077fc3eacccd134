//! The record properties of each layer's features, beside their [`Location`]: what the
//! exercises, bases, border and bulk event layers carry, key by key, in the order written.
//!
//! `crate::derive` fills them in (`derive::features` for the dataset's layers,
//! `derive::event` for bulk rows); every writer takes them as serialised here. See the
//! README's "Layer properties" for what each key means.

use serde::Serialize;

use super::{BaseStatus, Evidence, Location, Source};
use crate::date::{DatePrecision, DateSpan, Day};

/// The date properties every dated feature has (exercises and bulk events), in this order.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Dates {
    /// First day, or the start of the reported period.
    pub start_date: Option<Day>,
    /// Last day, or the end of the reported period.
    pub end_date: Option<Day>,
    /// Day, month or year: how precisely the source dates it.
    pub date_precision: DatePrecision,
}

impl Dates {
    /// The properties of a reported span.
    pub fn of(span: &DateSpan) -> Dates {
        Dates {
            start_date: span.start,
            end_date: span.end,
            date_precision: span.precision,
        }
    }
}

/// The properties of an exercise feature (one per site).
#[derive(Debug, Serialize)]
#[allow(missing_docs)] // the README documents each key
pub struct ExerciseProps<'a> {
    pub name: &'a str,
    pub exercise_id: &'a str,
    pub site_id: Option<&'a str>,
    pub stage: Option<&'a str>,
    pub kind: &'a str,
    pub organisation: &'a str,
    pub host_country: Option<&'a str>,
    pub participants: &'a [String],
    pub invited: &'a [String],
    #[serde(flatten)]
    pub dates: Dates,
    pub date_bound: Option<&'static str>,
    pub troops: Option<u32>,
    pub equipment: Option<u32>,
    pub scenario: &'a str,
    #[serde(flatten)]
    pub site: SiteProperties<'a>,
}

/// What every hand-kept site feature (exercise or base) ends with: where it is, how that is
/// known, the notes, the evidence and the sources cited.
#[derive(Debug, Serialize)]
pub struct SiteProperties<'a> {
    /// The location properties.
    #[serde(flatten)]
    pub location: Location<'a>,
    /// Where the place and the point come from.
    #[serde(flatten)]
    pub provenance: SiteProvenance<'a>,
    /// The record's notes.
    pub notes: Option<&'a str>,
    /// The site's note.
    pub site_note: Option<&'a str>,
    /// The evidence entries of the record and the site.
    pub evidence: Vec<&'a Evidence>,
    /// Every source the feature cites, in citation order.
    pub sources: Vec<&'a Source>,
}

/// Where the place and the point of a hand-kept feature come from, beside its location.
#[derive(Debug, Default, Serialize)]
pub struct SiteProvenance<'a> {
    /// The source that names the place when the article does not.
    pub place_located_by: Option<&'a str>,
    /// The gazetteer row's sources for the point.
    pub point_source: Option<&'a str>,
}

/// The properties of a base feature (one per site).
#[derive(Debug, Serialize)]
#[allow(missing_docs)] // the README documents each key
pub struct BaseProps<'a> {
    pub name: &'a str,
    pub base_id: &'a str,
    pub base_name: &'a str,
    pub site_id: &'a str,
    pub operator: &'a str,
    pub host_country: &'a str,
    pub units: &'a [String],
    pub status: BaseStatus,
    pub since: Option<Day>,
    pub until: Option<Day>,
    #[serde(flatten)]
    pub site: SiteProperties<'a>,
}

/// The properties of a border segment feature.
#[derive(Debug, Serialize)]
#[allow(missing_docs)] // the README documents each key
pub struct BorderProps<'a> {
    pub name: String,
    pub country_a: &'static str,
    pub country_a_name: &'a str,
    pub country_b: &'a str,
    pub country_b_name: &'a str,
    pub length_km: f64,
    pub arcs: usize,
    pub source: String,
    pub scale: &'a str,
}
