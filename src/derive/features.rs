//! Exercise and base features: one point per site, with what analysts filter and label by.
//!
//! Every feature carries the same keys in the same order (null where a value is not
//! reported), so GDAL, QGIS and kepler.gl infer one schema for the whole layer.

use geo::{Geometry, Point};
use serde::Serialize;
use serde_json::{Map, Value};

use super::border::AfghanBorder;
use super::location::{locate, Origin};
use super::BorderIndex;
use crate::date::{DatePrecision, DateSpan, Day};
use crate::model::{
    Base, BaseStatus, Dataset, Exercise, Feature, Layer, Location, PlaceRef, Source,
};
use crate::read::topojson::Provenance;
use crate::resolve::Resolutions;

/// Name of the exercises layer.
pub const EXERCISES: &str = "exercises";
/// Name of the bases layer.
pub const BASES: &str = "bases";
/// What a layer with places from GeoNames says in its `attribution`.
pub const GEONAMES_ATTRIBUTION: &str = "Places from GeoNames (https://www.geonames.org), CC BY 4.0";

/// Name of the border layer.
pub const AFGHAN_BORDER: &str = "afghan_border";

#[derive(Debug, Serialize)]
struct ExerciseProps<'a> {
    name: &'a str,
    exercise_id: &'a str,
    site_id: Option<&'a str>,
    stage: Option<&'a str>,
    kind: &'a str,
    organisation: &'a str,
    host_country: Option<&'a str>,
    participants: &'a [String],
    start_date: Option<Day>,
    end_date: Option<Day>,
    date_precision: DatePrecision,
    troops: Option<u32>,
    equipment: Option<u32>,
    scenario: &'a str,
    #[serde(flatten)]
    location: Location<'a>,
    notes: Option<&'a str>,
    site_note: Option<&'a str>,
    sources: Vec<&'a Source>,
}

#[derive(Debug, Serialize)]
struct BaseProps<'a> {
    name: &'a str,
    base_id: &'a str,
    base_name: &'a str,
    site_id: &'a str,
    operator: &'a str,
    host_country: &'a str,
    units: &'a [String],
    status: BaseStatus,
    since: Option<Day>,
    until: Option<Day>,
    #[serde(flatten)]
    location: Location<'a>,
    notes: Option<&'a str>,
    site_note: Option<&'a str>,
    sources: Vec<&'a Source>,
}

/// What deriving features needs besides the records.
struct Context<'a, 'b> {
    resolutions: &'a Resolutions<'a>,
    border: BorderIndex<'b>,
}

impl<'a, 'b: 'a> Context<'a, 'b> {
    /// The location properties and geometry of a site's place.
    fn locate(&mut self, place: &'a PlaceRef) -> (Location<'a>, Option<Geometry<f64>>) {
        let origin = self
            .resolutions
            .get(place)
            .map_or(Origin::Unlocated, Origin::Resolved);
        let located = locate(
            Some(&place.reported),
            Some(&place.query),
            origin,
            &mut self.border,
        );
        let geometry = located
            .point
            .map(|[lon, lat]| Geometry::Point(Point::new(lon, lat)));
        (located.location, geometry)
    }
}

fn non_empty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

fn properties<T: Serialize>(props: &T) -> Map<String, Value> {
    match serde_json::to_value(props) {
        Ok(Value::Object(map)) => map,
        // Property structs are plain data: serialising them cannot fail or be a non-object.
        _ => Map::new(),
    }
}

fn sources<'a>(dataset: &'a Dataset, ids: &[String]) -> Vec<&'a Source> {
    ids.iter().filter_map(|id| dataset.source(id)).collect()
}

fn exercise_features<'a, 'b: 'a>(
    dataset: &'a Dataset,
    e: &'a Exercise,
    ctx: &mut Context<'a, 'b>,
) -> Vec<Feature> {
    let base = |site_id, stage, dates: DateSpan, location, site_note| ExerciseProps {
        name: &e.name,
        exercise_id: &e.id,
        site_id,
        stage,
        kind: &e.kind,
        organisation: &e.organisation,
        host_country: e.host.as_deref(),
        participants: &e.participants,
        start_date: dates.start,
        end_date: dates.end,
        date_precision: dates.precision,
        troops: e.troops,
        equipment: e.equipment,
        scenario: &e.scenario,
        location,
        notes: non_empty(&e.notes),
        site_note,
        sources: sources(dataset, &e.sources),
    };
    if e.sites.is_empty() {
        return vec![Feature {
            id: e.id.clone(),
            geometry: None,
            properties: properties(&base(None, None, e.dates, Location::default(), None)),
        }];
    }
    e.sites
        .iter()
        .map(|s| {
            let (location, geometry) = ctx.locate(&s.place);
            let props = base(
                Some(&s.id),
                s.stage.as_deref(),
                s.dates,
                location,
                non_empty(&s.note),
            );
            Feature {
                id: format!("{}/{}", e.id, s.id),
                geometry,
                properties: properties(&props),
            }
        })
        .collect()
}

fn base_features<'a, 'b: 'a>(
    dataset: &'a Dataset,
    b: &'a Base,
    ctx: &mut Context<'a, 'b>,
) -> Vec<Feature> {
    b.sites
        .iter()
        .map(|s| {
            let (location, geometry) = ctx.locate(&s.place);
            let props = BaseProps {
                name: &s.name,
                base_id: &b.id,
                base_name: &b.name,
                site_id: &s.id,
                operator: &b.operator,
                host_country: &b.host,
                units: &b.units,
                status: s.status,
                since: s.since.map(|d| d.first),
                until: s.until.map(|d| d.last),
                location,
                notes: non_empty(&b.notes),
                site_note: non_empty(&s.note),
                sources: sources(dataset, &b.sources),
            };
            Feature {
                id: format!("{}/{}", b.id, s.id),
                geometry,
                properties: properties(&props),
            }
        })
        .collect()
}

#[derive(Debug, Serialize)]
struct BorderProps<'a> {
    name: String,
    country_a: &'static str,
    country_a_name: &'a str,
    country_b: &'a str,
    country_b_name: &'a str,
    length_km: f64,
    arcs: usize,
    source: String,
    scale: &'a str,
}

fn border_features(border: &AfghanBorder, provenance: &Provenance) -> Vec<Feature> {
    border
        .segments
        .iter()
        .map(|s| {
            let props = BorderProps {
                name: format!("{}–{} border", border.name, s.neighbour_name),
                country_a: "AF",
                country_a_name: &border.name,
                country_b: &s.neighbour,
                country_b_name: &s.neighbour_name,
                length_km: (s.length_km * 1000.0).round() / 1000.0,
                arcs: s.arcs,
                source: provenance.source(),
                scale: &provenance.scale,
            };
            let geometry = match s.lines.0.as_slice() {
                [one] => Geometry::LineString(one.clone()),
                _ => Geometry::MultiLineString(s.lines.clone()),
            };
            Feature {
                id: s.id.clone(),
                geometry: Some(geometry),
                properties: properties(&props),
            }
        })
        .collect()
}

/// The attribution a layer owes to the data its points come from: GeoNames (CC BY 4.0) and
/// OpenStreetMap (ODbL) when any feature was geocoded with them; empty for the hand-kept
/// gazetteer alone.
fn attribution(features: &[Feature]) -> String {
    let used = |geocoder: &str| {
        features
            .iter()
            .any(|f| f.properties.get("geocoder").and_then(Value::as_str) == Some(geocoder))
    };
    let mut parts = Vec::new();
    if used("geonames") {
        parts.push(GEONAMES_ATTRIBUTION);
    }
    if used("nominatim") || used("photon") {
        parts.push("Places from OpenStreetMap, © OpenStreetMap contributors, ODbL 1.0");
    }
    parts.join("; ")
}

/// The exercises, bases and Afghan border layers of a resolved dataset.
pub fn layers(
    dataset: &Dataset,
    resolutions: &Resolutions<'_>,
    border: &AfghanBorder,
    provenance: &Provenance,
) -> [Layer; 3] {
    let mut ctx = Context {
        resolutions,
        border: BorderIndex::new(border),
    };
    let exercises: Vec<Feature> = dataset
        .exercises
        .iter()
        .flat_map(|e| exercise_features(dataset, e, &mut ctx))
        .collect();
    let bases: Vec<Feature> = dataset
        .bases
        .iter()
        .flat_map(|b| base_features(dataset, b, &mut ctx))
        .collect();
    [
        Layer::new(EXERCISES, attribution(&exercises), exercises),
        Layer::new(BASES, attribution(&bases), bases),
        Layer::new(
            AFGHAN_BORDER,
            provenance.attribution.clone(),
            border_features(border, provenance),
        ),
    ]
}
