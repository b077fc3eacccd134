//! The uncertainty layer: for every located point of the exercises and bases layers, the
//! area within which the site lies, as a polygon with the point's id.
//!
//! A point at Konaev with "±300 km" in a popup reads as a site in Konaev; the circle shows
//! what the data knows. Each area is a geodesic circle of the place's `uncertainty_km`
//! around the point (on the WGS 84 ellipsoid, [`VERTICES`] vertices), written as RFC 7946
//! asks: the exterior ring counter-clockwise, closed, and never crossing the antimeridian. A
//! circle that crosses it is cut in two at ±180° (a MultiPolygon); one that takes in a pole
//! becomes the cap between its edge and the pole, from −180° to 180°.

use geo::{
    Coord, Destination, Distance, Geodesic, Geometry, LineString, MultiPolygon, Point, Polygon,
};
use serde_json::{Map, Value};

use crate::antimeridian::{clip_half, unwrap};
use crate::model::{Feature, Layer};

/// Name of the uncertainty layer.
pub const UNCERTAINTY: &str = "uncertainty";

/// Vertices of each circle: one every 5.625°, within 0.12 % of the true radius.
pub const VERTICES: usize = 64;

/// The properties the uncertainty features copy from their point.
const COPIED: [&str; 6] = [
    "name",
    "place_id",
    "place_name",
    "geo_precision",
    "uncertainty_km",
    "point_note",
];

/// The areas of every located point feature of `layers`, with the point's id, a `layer`
/// property naming the layer it belongs to, its name, place and precision, and its period
/// (`start_date`/`end_date`: an exercise's, or a base site's `since`/`until`).
pub fn layer(layers: &[&Layer], attribution: &str) -> Layer {
    let mut features = Vec::new();
    for l in layers {
        for f in &l.features {
            let Some(Geometry::Point(p)) = &f.geometry else {
                continue;
            };
            let Some(km) = f.properties.get("uncertainty_km").and_then(Value::as_f64) else {
                continue;
            };
            let mut properties = Map::new();
            properties.insert("layer".into(), Value::from(l.name.as_str()));
            for key in COPIED {
                properties.insert(
                    key.into(),
                    f.properties.get(key).cloned().unwrap_or(Value::Null),
                );
            }
            // The point's period, so that a date filter keeps an area with its point:
            // an exercise's start and end, a base site's since and until.
            for (key, from) in [("start_date", "since"), ("end_date", "until")] {
                let v = f
                    .properties
                    .get(key)
                    .or_else(|| f.properties.get(from))
                    .cloned()
                    .unwrap_or(Value::Null);
                properties.insert(key.into(), v);
            }
            features.push(Feature {
                id: f.id.clone(),
                geometry: Some(circle(*p, km)),
                properties,
            });
        }
    }
    Layer::new(UNCERTAINTY, attribution, features)
}

/// The geodesic circle of `km` around `centre` as an RFC 7946 polygon (see the module
/// documentation for the antimeridian and the poles). A radius of 0 gives a point.
pub fn circle(centre: Point<f64>, km: f64) -> Geometry<f64> {
    if km <= 0.0 || !km.is_finite() {
        return Geometry::Point(centre);
    }
    let metres = km * 1000.0;
    // Bearings from north going west (decreasing), so that the ring runs counter-clockwise
    // in lon/lat.
    let mut ring: Vec<Coord<f64>> = (0..VERTICES)
        .map(|i| {
            #[allow(clippy::cast_precision_loss)]
            let bearing = 360.0 - (i as f64) * 360.0 / (VERTICES as f64);
            Geodesic.destination(centre, bearing, metres).0
        })
        .collect();
    let pole = |lat: f64| Point::new(centre.x(), lat);
    let to_pole = |lat: f64| Geodesic.distance(centre, pole(lat));
    if to_pole(90.0) < metres {
        return cap(ring, 90.0);
    }
    if to_pole(-90.0) < metres {
        return cap(ring, -90.0);
    }
    // Unwrap longitudes around the centre so the ring is continuous.
    for c in &mut ring {
        c.x = unwrap(c.x, centre.x());
    }
    ring.push(ring[0]);
    let (min, max) = ring
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), c| (a.min(c.x), b.max(c.x)));
    if min >= -180.0 && max <= 180.0 {
        return Geometry::Polygon(Polygon::new(LineString::new(ring), vec![]));
    }
    // Cut at the antimeridian: the part on this side, and the part beyond it moved by 360°.
    let edge = if max > 180.0 { 180.0 } else { -180.0 };
    let shift = if max > 180.0 { -360.0 } else { 360.0 };
    let inside = clip_half(&ring, edge, max <= 180.0);
    let beyond: Vec<Coord<f64>> = clip_half(&ring, edge, max > 180.0)
        .into_iter()
        .map(|c| Coord {
            x: c.x + shift,
            y: c.y,
        })
        .collect();
    let parts: Vec<Polygon<f64>> = [inside, beyond]
        .into_iter()
        .filter(|r| r.len() >= 4)
        .map(|r| Polygon::new(LineString::new(r), vec![]))
        .collect();
    Geometry::MultiPolygon(MultiPolygon::new(parts))
}

/// A circle that takes in the pole at `pole_lat`: the cap between its edge (a function of
/// longitude) and the pole, from −180° to 180°, counter-clockwise.
fn cap(ring: Vec<Coord<f64>>, pole_lat: f64) -> Geometry<f64> {
    let mut edge: Vec<Coord<f64>> = ring
        .into_iter()
        .map(|c| Coord {
            x: unwrap(c.x, 0.0),
            y: c.y,
        })
        .collect();
    edge.sort_by(|a, b| a.x.total_cmp(&b.x));
    // The edge's latitude at ±180°, between its last and first vertex across the meridian.
    let (first, last) = (edge[0], edge[edge.len() - 1]);
    let span = first.x + 360.0 - last.x;
    let t = if span > 0.0 {
        (180.0 - last.x) / span
    } else {
        0.0
    };
    let at_180 = last.y + t * (first.y - last.y);
    let mut out = Vec::with_capacity(edge.len() + 5);
    if pole_lat > 0.0 {
        // East along the edge, up to the pole on the right, west along the top.
        out.push(Coord {
            x: -180.0,
            y: at_180,
        });
        out.extend(edge);
        out.push(Coord {
            x: 180.0,
            y: at_180,
        });
        out.push(Coord { x: 180.0, y: 90.0 });
        out.push(Coord { x: -180.0, y: 90.0 });
    } else {
        // West along the edge, down to the pole on the left, east along the bottom.
        out.push(Coord {
            x: 180.0,
            y: at_180,
        });
        out.extend(edge.into_iter().rev());
        out.push(Coord {
            x: -180.0,
            y: at_180,
        });
        out.push(Coord {
            x: -180.0,
            y: -90.0,
        });
        out.push(Coord { x: 180.0, y: -90.0 });
    }
    out.push(out[0]);
    Geometry::Polygon(Polygon::new(LineString::new(out), vec![]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Haversine;

    /// Twice the signed area of a ring in lon/lat (positive: counter-clockwise).
    fn signed_area2(ring: &LineString<f64>) -> f64 {
        ring.0
            .windows(2)
            .map(|w| w[0].x * w[1].y - w[1].x * w[0].y)
            .sum()
    }

    fn polygons(g: &Geometry<f64>) -> Vec<Polygon<f64>> {
        match g {
            Geometry::Polygon(p) => vec![p.clone()],
            Geometry::MultiPolygon(m) => m.0.clone(),
            other => panic!("not a polygon: {other:?}"),
        }
    }

    #[test]
    fn a_circle_is_closed_counter_clockwise_and_at_its_radius() {
        let centre = Point::new(77.06304, 43.86681);
        let g = circle(centre, 300.0);
        let [p] = polygons(&g).try_into().unwrap();
        let ring = p.exterior();
        assert_eq!(ring.0.len(), VERTICES + 1);
        assert_eq!(ring.0.first(), ring.0.last());
        assert!(signed_area2(ring) > 0.0, "clockwise");
        for c in &ring.0 {
            let d = Haversine.distance(centre, Point(*c)) / 1000.0;
            assert!((d - 300.0).abs() < 2.0, "{d} km");
        }
    }

    #[test]
    fn a_circle_across_the_antimeridian_is_cut_in_two() {
        let g = circle(Point::new(179.5, 10.0), 200.0);
        let parts = polygons(&g);
        assert_eq!(parts.len(), 2);
        for p in &parts {
            let ring = p.exterior();
            assert!(signed_area2(ring) > 0.0);
            assert_eq!(ring.0.first(), ring.0.last());
            for w in ring.0.windows(2) {
                assert!((w[0].x - w[1].x).abs() <= 180.0);
                assert!((-180.0..=180.0).contains(&w[0].x));
            }
        }
    }

    #[test]
    fn a_circle_round_a_pole_is_a_cap() {
        for lat in [89.0, -89.0] {
            let g = circle(Point::new(20.0, lat), 300.0);
            let [p] = polygons(&g).try_into().unwrap();
            let ring = p.exterior();
            assert!(signed_area2(ring) > 0.0, "{lat}");
            assert!(ring.0.iter().any(|c| c.y == lat.signum() * 90.0));
            assert!(ring.0.iter().all(|c| (-180.0..=180.0).contains(&c.x)));
        }
    }

    /// Probe (session 25): radii of 15,000 and 19,000 km round Dushanbe gave a cap over the
    /// north pole that left out the south pole (inside the circle) and took in the
    /// antipode (outside it). A radius is at most a hemisphere now
    /// (`model::UNCERTAINTY_KM`); up to it, the cap holds what the circle holds.
    #[test]
    fn the_widest_radius_gives_a_cap_holding_what_the_circle_holds() {
        use geo::{Contains, Distance, Geodesic};
        let dushanbe = Point::new(68.77905, 38.53575);
        let km = *crate::model::UNCERTAINTY_KM.end();
        let g = circle(dushanbe, km);
        let [cap] = polygons(&g).try_into().unwrap();
        for (lon, lat) in [
            (68.8, 89.9),
            (0.0, 60.0),
            (-111.2, -38.5),
            (0.0, -89.9),
            (150.0, 10.0),
        ] {
            let p = Point::new(lon, lat);
            let inside = Geodesic.distance(dushanbe, p) < km * 1000.0;
            // Points well inside or outside (the 64-gon's chords cut within 0.12 %).
            assert_eq!(cap.contains(&p), inside, "{lon} {lat}");
        }
    }

    #[test]
    fn no_radius_is_the_point_itself() {
        let p = Point::new(1.0, 2.0);
        assert_eq!(circle(p, 0.0), Geometry::Point(p));
    }
}
