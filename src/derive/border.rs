//! The Afghan border: one segment per neighbour, made of the TopoJSON arcs Afghanistan and
//! that neighbour share, and the distance from any point to it.
//!
//! A segment is exactly the boundary the two countries' polygons have in common (TopoJSON
//! stores it once, as arcs both reference), joined into as few lines as the arcs allow. Its
//! length is geodesic, on the WGS 84 ellipsoid. Distances from points are on the sphere
//! (great-circle arcs, mean Earth radius: [`sphere`]), to the nearest point of any segment, in km; a point
//! inside Afghanistan gets a **negative** distance (minus its distance to the border), so
//! `afghan_border_km < 0` selects points inside and `abs()` is always the distance.

use geo::{Coord, Geodesic, Length, LineString, MultiLineString, MultiPolygon, Point};

use crate::country;
use crate::derive::{sphere, BorderIndex};
use crate::read::topojson::Boundaries;

/// ISO alpha-2 of Afghanistan's neighbours, in id order of the segments.
pub const NEIGHBOURS: [&str; 6] = ["CN", "IR", "PK", "TJ", "TM", "UZ"];

/// The boundary between Afghanistan and one neighbour.
#[derive(Debug, Clone, PartialEq)]
pub struct BorderSegment {
    /// `AF-` and the neighbour's alpha-2 code (`AF-TJ`).
    pub id: String,
    /// The neighbour's alpha-2 code.
    pub neighbour: String,
    /// The neighbour's name as Natural Earth has it.
    pub neighbour_name: String,
    /// The shared arcs, joined.
    pub lines: MultiLineString<f64>,
    /// Geodesic length on WGS 84, km.
    pub length_km: f64,
    /// How many TopoJSON arcs it is made of.
    pub arcs: usize,
}

/// Afghanistan's border with all its neighbours.
#[derive(Debug, Clone, PartialEq)]
pub struct AfghanBorder {
    /// Afghanistan's name as Natural Earth has it.
    pub name: String,
    /// Afghanistan's polygons (for the sign of distances).
    pub shape: MultiPolygon<f64>,
    /// One segment per neighbour, by id.
    pub segments: Vec<BorderSegment>,
}

/// Distance from a point to the border.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BorderDistance<'a> {
    /// km to the nearest point of the border; negative inside Afghanistan.
    pub km: f64,
    /// Id of the nearest segment.
    pub segment: &'a str,
}

impl AfghanBorder {
    /// Derive the border from decoded boundaries; an error names what is missing.
    pub fn from_boundaries(b: &Boundaries) -> Result<AfghanBorder, String> {
        let af_numeric = country::by_alpha2("AF").map(|c| c.numeric).unwrap_or("004");
        let af = b
            .by_numeric(af_numeric)
            .ok_or("the boundaries have no Afghanistan (id 004)")?;
        let mut segments = Vec::new();
        for code in NEIGHBOURS {
            let numeric = country::by_alpha2(code)
                .map(|c| c.numeric)
                .ok_or(format!("unknown country {code}"))?;
            let other = b
                .by_numeric(numeric)
                .ok_or(format!("the boundaries have no {code} (id {numeric})"))?;
            let shared: Vec<usize> = af
                .arcs
                .iter()
                .copied()
                .filter(|a| other.arcs.binary_search(a).is_ok())
                .collect();
            if shared.is_empty() {
                return Err(format!("Afghanistan and {code} share no arc"));
            }
            let lines = join(
                shared
                    .iter()
                    .filter_map(|&i| b.arcs.get(i).cloned())
                    .collect(),
            );
            let length_km = lines.iter().map(|l| Geodesic.length(l)).sum::<f64>() / 1000.0;
            segments.push(BorderSegment {
                id: format!("AF-{code}"),
                neighbour: code.to_owned(),
                neighbour_name: other.name.clone(),
                lines,
                length_km,
                arcs: shared.len(),
            });
        }
        Ok(AfghanBorder {
            name: af.name.clone(),
            shape: af.shape.clone(),
            segments,
        })
    }

    /// Total length, km.
    pub fn length_km(&self) -> f64 {
        self.segments.iter().map(|s| s.length_km).sum()
    }

    /// Distance from `(lon, lat)` to the nearest point of the border (negative inside), by
    /// the one [`BorderIndex`]; for many points keep one index instead.
    pub fn distance(&self, lon: f64, lat: f64) -> BorderDistance<'_> {
        BorderIndex::new(self).distance(lon, lat)
    }
}

/// Distance in km from `p` to the nearest point of `lines`, over every edge
/// ([`sphere::line_km`], the one per-edge measure): a brute-force scan, which the indexes
/// are checked against.
pub fn distance_km(lines: &MultiLineString<f64>, p: Point<f64>) -> f64 {
    lines
        .iter()
        .map(|l| sphere::line_km(&l.0, p.0))
        .fold(f64::INFINITY, f64::min)
}

/// Join arcs end to start into as few lines as they allow, deterministically: each line
/// starts with the lowest-numbered arc left and grows at either end.
fn join(mut arcs: Vec<LineString<f64>>) -> MultiLineString<f64> {
    let mut lines = Vec::new();
    while !arcs.is_empty() {
        let mut line: Vec<Coord<f64>> = arcs.remove(0).0;
        while let (Some(first), Some(last)) = (line.first().copied(), line.last().copied()) {
            let Some(i) = arcs.iter().position(|a| {
                let (af, al) = (a.0.first(), a.0.last());
                af == Some(&last) || al == Some(&last) || al == Some(&first) || af == Some(&first)
            }) else {
                break;
            };
            let mut next = arcs.remove(i).0;
            if next.first() == Some(&last) {
                line.extend(next.into_iter().skip(1));
            } else if next.last() == Some(&last) {
                next.reverse();
                line.extend(next.into_iter().skip(1));
            } else if next.last() == Some(&first) {
                next.extend(line.into_iter().skip(1));
                line = next;
            } else {
                next.reverse();
                next.extend(line.into_iter().skip(1));
                line = next;
            }
        }
        lines.push(LineString::new(line));
    }
    MultiLineString::new(lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{line_string, Densify, Distance, Haversine};

    #[test]
    fn joins_arcs_in_any_direction() {
        let a = line_string![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0)];
        let b = line_string![(x: 2.0, y: 0.0), (x: 1.0, y: 0.0)]; // reversed
        let c = line_string![(x: -1.0, y: 0.0), (x: 0.0, y: 0.0)]; // before the start
        let d = line_string![(x: 5.0, y: 5.0), (x: 6.0, y: 5.0)]; // apart
        let m = join(vec![a, b, c, d]);
        assert_eq!(m.0.len(), 2);
        let xs: Vec<f64> = m.0[0].0.iter().map(|c| c.x).collect();
        assert_eq!(xs, [-1.0, 0.0, 1.0, 2.0]);
    }

    #[test]
    fn distance_agrees_with_brute_force_haversine() {
        // A line from Termez along the Amu Darya to Kelif, and points around it.
        let line = line_string![(x: 67.2, y: 37.2), (x: 66.3, y: 37.4), (x: 65.5, y: 37.6)];
        let lines = MultiLineString::new(vec![line.clone()]);
        let dense = Haversine.densify(&line, 50.0); // a vertex every 50 m
        for (lon, lat) in [
            (67.0, 38.0),
            (66.3, 37.0),
            (68.5, 36.0),
            (60.0, 40.0),
            (66.3, 37.4),
        ] {
            let p = Point::new(lon, lat);
            let brute = dense
                .points()
                .map(|q| Haversine.distance(p, q))
                .fold(f64::INFINITY, f64::min)
                / 1000.0;
            let ours = distance_km(&lines, p);
            assert!(
                (ours - brute).abs() < 0.05,
                "{lon},{lat}: {ours} vs {brute}"
            );
        }
    }
}
