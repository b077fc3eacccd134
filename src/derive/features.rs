//! Exercise and base features: one point per site, with what analysts filter and label by.
//!
//! Every feature carries the same keys in the same order (null where a value is not
//! reported), so GDAL, QGIS and kepler.gl infer one schema for the whole layer.

use geo::{Geometry, Point};
use serde::Serialize;
use serde_json::{Map, Value};

use super::border::AfghanBorder;
use super::layer::{Feature, Layer};
use super::uncertainty;
use crate::date::{DatePrecision, Day};
use crate::model::{
    Base, BaseStatus, Dataset, Evidence, Exercise, Place, PlaceKind, PlaceRef, Precision, Source,
};
use crate::read::topojson::Provenance;
use crate::resolve::{MatchKind, Resolutions};

/// Name of the exercises layer.
pub const EXERCISES: &str = "exercises";
/// Name of the bases layer.
pub const BASES: &str = "bases";
/// What a layer with places from GeoNames says in its `attribution`.
pub const GEONAMES_ATTRIBUTION: &str = "Places from GeoNames (https://www.geonames.org), CC BY 4.0";

/// Name of the border layer.
pub const AFGHAN_BORDER: &str = "afghan_border";

/// Where a feature is and how that is known: the same keys on exercises and bases.
#[derive(Debug, Serialize)]
struct Location<'a> {
    place_as_reported: Option<&'a str>,
    place_located_by: Option<&'a str>,
    place_query: Option<&'a str>,
    place_id: Option<&'a str>,
    place_name: Option<&'a str>,
    place_kind: Option<PlaceKind>,
    place_country: Option<&'a str>,
    admin1: Option<&'a str>,
    geo_precision: Option<Precision>,
    acled_geo_precision: Option<u8>,
    uncertainty_km: Option<f64>,
    point_note: Option<&'a str>,
    point_source: Option<&'a str>,
    geocoder: Option<&'a str>,
    geocode_match: Option<MatchKind>,
    geocode_score: Option<f64>,
    geocoded_on: Option<&'a str>,
    afghan_border_km: Option<f64>,
    nearest_border: Option<&'a str>,
}

impl<'a> Location<'a> {
    const NONE: Location<'static> = Location {
        place_as_reported: None,
        place_located_by: None,
        place_query: None,
        place_id: None,
        place_name: None,
        place_kind: None,
        place_country: None,
        admin1: None,
        geo_precision: None,
        acled_geo_precision: None,
        uncertainty_km: None,
        point_note: None,
        point_source: None,
        geocoder: None,
        geocode_match: None,
        geocode_score: None,
        geocoded_on: None,
        afghan_border_km: None,
        nearest_border: None,
    };

    fn new(place_ref: &'a PlaceRef, ctx: &'a Context<'_>) -> (Location<'a>, Option<Geometry<f64>>) {
        let Some(r) = ctx.resolutions.get(place_ref) else {
            return (
                Location {
                    place_as_reported: non_empty(&place_ref.reported),
                    place_located_by: place_ref.located_by.as_deref(),
                    place_query: Some(&place_ref.query),
                    ..Location::NONE
                },
                None,
            );
        };
        let p: &Place = &r.place;
        let d = ctx.border.distance(p.lon, p.lat);
        let loc = Location {
            place_as_reported: non_empty(&place_ref.reported),
            place_located_by: place_ref.located_by.as_deref(),
            place_query: Some(&place_ref.query),
            place_id: Some(&p.id),
            place_name: Some(&p.name),
            place_kind: Some(p.kind),
            place_country: Some(&p.country),
            admin1: (!p.admin1.is_empty()).then_some(p.admin1.as_str()),
            geo_precision: Some(p.precision),
            acled_geo_precision: Some(p.precision.acled_code()),
            uncertainty_km: Some(p.uncertainty_km),
            point_note: (!p.point_note.is_empty()).then_some(p.point_note.as_str()),
            point_source: non_empty(&p.source),
            geocoder: Some(r.geocoder()),
            geocode_match: Some(r.how),
            geocode_score: Some(r.score),
            geocoded_on: r.online.map(|e| e.retrieved_date()),
            afghan_border_km: Some(round_km(d.km)),
            nearest_border: Some(d.segment),
        };
        (loc, Some(Geometry::Point(Point::new(p.lon, p.lat))))
    }
}

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
    invited: &'a [String],
    start_date: Option<Day>,
    end_date: Option<Day>,
    date_precision: DatePrecision,
    date_bound: Option<&'static str>,
    troops: Option<u32>,
    equipment: Option<u32>,
    scenario: &'a str,
    #[serde(flatten)]
    location: Location<'a>,
    notes: Option<&'a str>,
    site_note: Option<&'a str>,
    evidence: Vec<&'a Evidence>,
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
    evidence: Vec<&'a Evidence>,
    sources: Vec<&'a Source>,
}

/// What deriving features needs besides the records.
struct Context<'a> {
    resolutions: &'a Resolutions<'a>,
    border: &'a AfghanBorder,
}

/// km to 0.01 (10 m): finer than any point here is known.
fn round_km(km: f64) -> f64 {
    (km * 100.0).round() / 100.0
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

/// The sources a feature cites, each once, in this order: the record's, the one that places
/// the site, those its evidence cites, and those its point's gazetteer row cites.
fn sources<'a>(
    dataset: &'a Dataset,
    record: &'a [String],
    place: Option<&'a PlaceRef>,
    evidence: &[&'a Evidence],
    point_source: Option<&'a str>,
) -> Vec<&'a Source> {
    let located = place.and_then(|p| p.located_by.as_deref());
    let cited = evidence.iter().filter_map(|e| e.source.as_deref());
    let row = point_source
        .into_iter()
        .flat_map(|s| s.split(';'))
        .map(str::trim)
        .map(|item| {
            if item.starts_with("GeoNames ") {
                "geonames"
            } else {
                item
            }
        });
    let mut out: Vec<&Source> = Vec::new();
    for id in record
        .iter()
        .map(String::as_str)
        .chain(located)
        .chain(cited)
        .chain(row)
    {
        if let Some(s) = dataset.source(id) {
            if !out.iter().any(|o| o.id == s.id) {
                out.push(s);
            }
        }
    }
    out
}

fn exercise_features<'a>(
    dataset: &'a Dataset,
    e: &'a Exercise,
    res: &'a Context<'_>,
) -> Vec<Feature> {
    let base = |site: Option<&'a crate::model::Site>, location: Location<'a>| {
        let evidence: Vec<&Evidence> = e
            .evidence
            .iter()
            .chain(site.into_iter().flat_map(|s| &s.evidence))
            .collect();
        let dates = site.map_or(e.dates, |s| s.dates);
        let cited = sources(
            dataset,
            &e.sources,
            site.map(|s| &s.place),
            &evidence,
            location.point_source,
        );
        ExerciseProps {
            name: &e.name,
            exercise_id: &e.id,
            site_id: site.map(|s| s.id.as_str()),
            stage: site.and_then(|s| s.stage.as_deref()),
            kind: &e.kind,
            organisation: &e.organisation,
            host_country: e.host.as_deref(),
            participants: site
                .and_then(|s| s.participants.as_deref())
                .unwrap_or(&e.participants),
            invited: &e.invited,
            start_date: dates.start,
            end_date: dates.end,
            date_precision: dates.precision,
            date_bound: dates.bound(),
            troops: e.troops,
            equipment: e.equipment,
            scenario: &e.scenario,
            location,
            notes: non_empty(&e.notes),
            site_note: site.and_then(|s| non_empty(&s.note)),
            evidence,
            sources: cited,
        }
    };
    if e.sites.is_empty() {
        return vec![Feature {
            id: e.id.clone(),
            geometry: None,
            properties: properties(&base(None, Location::NONE)),
        }];
    }
    e.sites
        .iter()
        .map(|s| {
            let (location, geometry) = Location::new(&s.place, res);
            let props = base(Some(s), location);
            Feature {
                id: format!("{}/{}", e.id, s.id),
                geometry,
                properties: properties(&props),
            }
        })
        .collect()
}

fn base_features<'a>(dataset: &'a Dataset, b: &'a Base, res: &'a Context<'_>) -> Vec<Feature> {
    b.sites
        .iter()
        .map(|s| {
            let (location, geometry) = Location::new(&s.place, res);
            let evidence: Vec<&Evidence> = s.evidence.iter().collect();
            let cited = sources(
                dataset,
                &b.sources,
                Some(&s.place),
                &evidence,
                location.point_source,
            );
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
                evidence,
                sources: cited,
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

/// The attribution a layer of points owes to every data source it is made from: GeoNames
/// (CC BY 4.0) when any point is a GeoNames point (geocoded from the GeoNames table, or a
/// gazetteer row that cites `GeoNames N`), OpenStreetMap (ODbL) when any feature was
/// geocoded online or its row was promoted from an OSM answer, and the Natural Earth boundaries every `afghan_border_km` is measured to.
fn attribution(features: &[Feature], natural_earth: &str) -> String {
    let prop = |f: &Feature, key: &str| {
        f.properties
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let used = |geocoder: &str| {
        features
            .iter()
            .any(|f| prop(f, "geocoder").as_deref() == Some(geocoder))
    };
    let geonames_point = features.iter().any(|f| {
        prop(f, "point_source")
            .is_some_and(|s| s.split(';').any(|i| i.trim().starts_with("GeoNames ")))
    });
    let osm_point = features.iter().any(|f| {
        prop(f, "point_source").is_some_and(|s| s.split(';').any(|i| i.contains("/OSM ")))
    });
    let located = features.iter().any(|f| f.geometry.is_some());
    let mut parts = Vec::new();
    if used("geonames") || geonames_point {
        parts.push(GEONAMES_ATTRIBUTION);
    }
    if used("nominatim") || used("photon") || osm_point {
        parts.push("Places from OpenStreetMap, © OpenStreetMap contributors, ODbL 1.0");
    }
    if located && !natural_earth.is_empty() {
        parts.push(natural_earth);
    }
    parts.join("; ")
}

/// The exercises, bases, Afghan border and uncertainty layers of a resolved dataset.
pub fn layers(
    dataset: &Dataset,
    resolutions: &Resolutions<'_>,
    border: &AfghanBorder,
    provenance: &Provenance,
) -> [Layer; 4] {
    let ctx = Context {
        resolutions,
        border,
    };
    let exercises: Vec<Feature> = dataset
        .exercises
        .iter()
        .flat_map(|e| exercise_features(dataset, e, &ctx))
        .collect();
    let bases: Vec<Feature> = dataset
        .bases
        .iter()
        .flat_map(|b| base_features(dataset, b, &ctx))
        .collect();
    let ne = provenance.attribution.as_str();
    let exercises = Layer::new(EXERCISES, attribution(&exercises, ne), exercises);
    let bases = Layer::new(BASES, attribution(&bases, ne), bases);
    let both: Vec<Feature> = exercises
        .features
        .iter()
        .chain(&bases.features)
        .cloned()
        .collect();
    let areas = uncertainty::layer(&[&exercises, &bases], &attribution(&both, ne));
    [
        exercises,
        bases,
        Layer::new(
            AFGHAN_BORDER,
            provenance.attribution.clone(),
            border_features(border, provenance),
        ),
        areas,
    ]
}
