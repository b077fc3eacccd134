//! Exercise and base features: one point per site, with what analysts filter and label by.
//!
//! Every feature carries the same keys in the same order (null where a value is not
//! reported), so GDAL, QGIS and kepler.gl infer one schema for the whole layer.

use geo::{Geometry, Point};
use serde::Serialize;
use serde_json::{Map, Value};

use super::border::AfghanBorder;
use super::location::{locate, Origin};
use super::uncertainty;
use super::BorderIndex;
use crate::model::properties::{
    BaseProps, BorderProps, Dates, ExerciseProps, SiteProperties, SiteProvenance,
};
use crate::model::{
    Base, Credits, Dataset, Evidence, Exercise, Feature, Layer, Location, PlaceRef, Site, Source,
};
use crate::read::topojson::Provenance;
use crate::resolve::Resolutions;

/// Name of the exercises layer.
pub const EXERCISES: &str = "exercises";
/// Name of the bases layer.
pub const BASES: &str = "bases";

/// Name of the border layer.
pub const AFGHAN_BORDER: &str = "afghan_border";

/// The layers `drillmap build` writes from the dataset, in drawing order (bottom first).
pub const LAYERS: [&str; 4] = [
    AFGHAN_BORDER,
    super::uncertainty::UNCERTAINTY,
    BASES,
    EXERCISES,
];

/// What deriving features needs besides the records.
struct Context<'a, 'b> {
    resolutions: &'a Resolutions<'a>,
    border: BorderIndex<'b>,
}

impl<'a, 'b: 'a> Context<'a, 'b> {
    /// The location properties, provenance and geometry of a site's place.
    fn locate(
        &mut self,
        place: &'a PlaceRef,
    ) -> (Location<'a>, SiteProvenance<'a>, Option<Geometry<f64>>) {
        let resolved = self.resolutions.get(place);
        let origin = resolved.map_or(Origin::Unlocated, Origin::Resolved);
        let located = locate(
            non_empty(&place.reported),
            Some(&place.query),
            origin,
            &mut self.border,
        );
        let geometry = located
            .point
            .map(|[lon, lat]| Geometry::Point(Point::new(lon, lat)));
        let provenance = SiteProvenance {
            place_located_by: place.located_by.as_deref(),
            point_source: resolved.and_then(|r| non_empty(&r.place.source)),
        };
        (located.location, provenance, geometry)
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

/// The sources a feature cites, each once, in this order: the record's, the one that places
/// the site, those its evidence cites, and those its point's gazetteer row cites.
fn sources<'a>(
    dataset: &'a Dataset,
    record: &'a [String],
    provenance: &SiteProvenance<'a>,
    evidence: &[&'a Evidence],
) -> Vec<&'a Source> {
    let cited = evidence.iter().filter_map(|e| e.source.as_deref());
    let row = provenance
        .point_source
        .into_iter()
        .flat_map(crate::model::credits::source_items)
        .map(|item| match crate::model::credits::geonames_id(item) {
            Some(_) => "geonames",
            None => item,
        });
    let mut out: Vec<&Source> = Vec::new();
    for id in record
        .iter()
        .map(String::as_str)
        .chain(provenance.place_located_by)
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

fn exercise_features<'a, 'b: 'a>(
    dataset: &'a Dataset,
    e: &'a Exercise,
    ctx: &mut Context<'a, 'b>,
) -> Vec<Feature> {
    let base = |site: Option<&'a Site>, location: Location<'a>, provenance: SiteProvenance<'a>| {
        let evidence: Vec<&Evidence> = e
            .evidence
            .iter()
            .chain(site.into_iter().flat_map(|s| &s.evidence))
            .collect();
        let dates = site.map_or(e.dates, |s| s.dates);
        let site_props = SiteProperties {
            sources: sources(dataset, &e.sources, &provenance, &evidence),
            location,
            provenance,
            notes: non_empty(&e.notes),
            site_note: site.and_then(|s| non_empty(&s.note)),
            evidence,
        };
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
            dates: Dates::of(&dates),
            troops: e.troops,
            equipment: e.equipment,
            scenario: &e.scenario,
            site: site_props,
        }
    };
    if e.sites.is_empty() {
        return vec![Feature {
            id: e.id.clone(),
            geometry: None,
            properties: properties(&base(None, Location::default(), SiteProvenance::default())),
        }];
    }
    e.sites
        .iter()
        .map(|s| {
            let (location, provenance, geometry) = ctx.locate(&s.place);
            let props = base(Some(s), location, provenance);
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
            let (location, provenance, geometry) = ctx.locate(&s.place);
            let evidence: Vec<&Evidence> = b.evidence.iter().chain(&s.evidence).collect();
            let site = SiteProperties {
                sources: sources(dataset, &b.sources, &provenance, &evidence),
                location,
                provenance,
                notes: non_empty(&b.notes),
                site_note: non_empty(&s.note),
                evidence,
            };
            // The first day of the period the report gives, or the site's first day if
            // later: the site is known in use on or after it (a report of "2018" does not
            // show use on 31 December, nor before a `since` of June 2018).
            // Its precision stays the report's: a report of "2018" raised to a `since` of
            // 2018-06-15 is still known only to the year (review, session 42).
            let last_reported = s.last_reported.map(|d| match s.since {
                Some(since) if since.first > d.first => crate::date::ReportedDate {
                    first: since.first,
                    ..d
                },
                _ => d,
            });
            let props = BaseProps {
                name: &s.name,
                base_id: &b.id,
                base_name: &b.name,
                site_id: &s.id,
                operator: &b.operator,
                host_country: &b.host,
                units: &b.units,
                status: s.status,
                // Each date with the precision it was reported to (session 42 audit:
                // `since = "2015"` was shown as 2015-01-01, a day the record does not give).
                since: s.since.map(|d| d.first),
                since_precision: s.since.map(|d| d.precision),
                until: s.until.map(|d| d.last),
                until_precision: s.until.map(|d| d.precision),
                last_reported: last_reported.map(|d| d.first),
                last_reported_precision: last_reported.map(|d| d.precision),
                site,
            };
            Feature {
                id: format!("{}/{}", b.id, s.id),
                geometry,
                properties: properties(&props),
            }
        })
        .collect()
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
                length_km: crate::model::round_to(s.length_km, 3),
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

/// The attribution a layer owes to every data source its features are made from
/// ([`Credits`]): read back from each feature's `geocoder` and `point_source`, and Natural
/// Earth for a located feature.
fn attribution(features: &[Feature], natural_earth: &str) -> String {
    let prop = |f: &Feature, key: &str| {
        f.properties
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    features
        .iter()
        .map(|f| Credits {
            natural_earth: f.geometry.is_some(),
            ..Credits::of_point(&prop(f, "geocoder"), &prop(f, "point_source"))
        })
        .fold(Credits::NONE, Credits::and)
        .attribution(natural_earth)
}

/// The exercises, bases, Afghan border and uncertainty layers of a resolved dataset.
pub fn layers(
    dataset: &Dataset,
    resolutions: &Resolutions<'_>,
    border: &AfghanBorder,
    provenance: &Provenance,
) -> [Layer; 4] {
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
