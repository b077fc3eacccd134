//! The one measure of how far a point is from an edge, on the sphere of mean Earth radius:
//! every distance to a line or a ring (the Afghan border's [`BorderIndex`], how far a point
//! lies outside its country's outline in [`PolygonIndex::distance_km`]) is the least of
//! these over the edges it reads.
//!
//! An edge is the minor great-circle arc between two vertices, kept as unit vectors with
//! its plane's normal, so the distance from a point to it is a few dot and cross products
//! and one `asin`: the foot of the perpendicular when it falls on the arc, else the nearer
//! end. Exact at any distance (geo's haversine closest point, an approximation, was 1.5 m
//! off at 1,738 km and could fall off the edge for a far point).
//!
//! [`BorderIndex`]: super::BorderIndex
//! [`PolygonIndex::distance_km`]: super::polygon_index::PolygonIndex::distance_km

use geo::Coord;

/// Mean Earth radius, km (as `geo::Haversine` has it).
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// A point on the unit sphere.
pub type V3 = [f64; 3];

/// The unit vector of `(lon, lat)` in degrees.
pub fn unit(lon: f64, lat: f64) -> V3 {
    let (sl, cl) = lat.to_radians().sin_cos();
    let (so, co) = lon.to_radians().sin_cos();
    [cl * co, cl * so, sl]
}

/// The dot product.
pub fn dot(a: V3, b: V3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// The cross product.
pub fn cross(a: V3, b: V3) -> V3 {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

/// The squared chord length between two unit vectors.
pub fn chord2(a: V3, b: V3) -> f64 {
    let d = [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
    dot(d, d)
}

/// The central angle (radians) of a squared chord length.
pub fn angle(chord2: f64) -> f64 {
    2.0 * (chord2.sqrt() / 2.0).min(1.0).asin()
}

/// The squared chord length of a central angle (radians).
pub fn chord2_of(angle: f64) -> f64 {
    let c = 2.0 * (angle.min(std::f64::consts::PI) / 2.0).sin();
    c * c
}

/// A minor great-circle arc: its ends and the unit normal of its plane (`a × b`), zero for
/// a degenerate arc (one point, or two antipodes), which is measured by its ends.
#[derive(Debug, Clone, Copy)]
pub struct GreatArc {
    /// One end.
    pub a: V3,
    /// The other end.
    pub b: V3,
    n: V3,
}

impl GreatArc {
    /// The arc from `a` to `b`.
    pub fn new(a: V3, b: V3) -> GreatArc {
        let n = cross(a, b);
        let len = dot(n, n).sqrt();
        let n = if len > 0.0 {
            [n[0] / len, n[1] / len, n[2] / len]
        } else {
            [0.0; 3]
        };
        GreatArc { a, b, n }
    }

    /// Squared chord length from `p` to the nearest point of the arc.
    pub fn chord2(&self, p: V3) -> f64 {
        if self.n != [0.0; 3]
            && dot(cross(self.a, p), self.n) >= 0.0
            && dot(cross(p, self.b), self.n) >= 0.0
        {
            // The nearest point is inside the arc: sin of the angle is |p·n|; the chord of
            // that angle without cancellation: 2(1 - cos) = 2 sin² / (1 + cos).
            let s = dot(p, self.n).abs().min(1.0);
            let s2 = s * s;
            return 2.0 * s2 / (1.0 + (1.0 - s2).sqrt());
        }
        chord2(p, self.a).min(chord2(p, self.b))
    }
}

/// The distance in km from `p` to the nearest point of the nearest edge of `line` (its
/// consecutive vertices, lon/lat degrees; a lone vertex is a point): infinite for no
/// vertex.
pub fn line_km(line: &[Coord<f64>], p: Coord<f64>) -> f64 {
    let p = unit(p.x, p.y);
    let mut ends = line.iter().map(|c| unit(c.x, c.y));
    let Some(mut a) = ends.next() else {
        return f64::INFINITY;
    };
    let mut best = chord2(p, a);
    for b in ends {
        best = best.min(GreatArc::new(a, b).chord2(p));
        a = b;
    }
    angle(best) * EARTH_RADIUS_KM
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(x: f64, y: f64) -> Coord<f64> {
        Coord { x, y }
    }

    /// Known answers: on the equator a meridian arc from 10° S to 10° N is at exactly the
    /// longitude difference; past its end, at the distance to the end; a lone vertex is a
    /// point.
    #[test]
    fn exact_on_known_arcs() {
        let deg = std::f64::consts::PI / 180.0 * EARTH_RADIUS_KM;
        let meridian = [c(0.0, -10.0), c(0.0, 10.0)];
        assert!((line_km(&meridian, c(30.0, 0.0)) - 30.0 * deg).abs() < 1e-9);
        assert!((line_km(&meridian, c(0.0, 25.0)) - 15.0 * deg).abs() < 1e-9);
        // Off the equator, the perpendicular to the meridian: sin d = cos φ sin Δλ.
        let d = (3f64.to_radians().cos() * 2.5f64.to_radians().sin()).asin();
        assert!((line_km(&meridian, c(-2.5, 3.0)) - d * EARTH_RADIUS_KM).abs() < 1e-9);
        assert!(line_km(&meridian, c(0.0, 5.0)) < 1e-9);
        assert!((line_km(&[c(1.0, 0.0)], c(0.0, 0.0)) - deg).abs() < 1e-9);
        assert_eq!(line_km(&[], c(0.0, 0.0)), f64::INFINITY);
    }

    /// Far from a short edge, where geo's haversine closest point fell off the edge (Russia
    /// from 150.9 E 58.2 S came out 5,231 km, its nearest vertex 11,313 km): the nearest
    /// point is the nearer end, and nothing is measured nearer than any point of the edge.
    #[test]
    fn a_far_point_is_measured_to_the_edge_not_its_circle() {
        let edge = [c(60.0, 30.0), c(61.0, 31.0)];
        let p = c(150.9, -58.2);
        let ends = edge
            .iter()
            .map(|e| line_km(&[*e], p))
            .fold(f64::INFINITY, f64::min);
        let got = line_km(&edge, p);
        assert!(got <= ends && got > ends - 1.0, "{got} vs {ends}");
        // Every point of the arc is at least as far.
        let (a, b, pv) = (unit(60.0, 30.0), unit(61.0, 31.0), unit(p.x, p.y));
        for i in 0..=100 {
            let t = f64::from(i) / 100.0;
            let m = [0, 1, 2].map(|k| a[k] * (1.0 - t) + b[k] * t);
            let len = dot(m, m).sqrt();
            let q = m.map(|x| x / len);
            assert!(angle(chord2(pv, q)) * EARTH_RADIUS_KM >= got - 1e-6);
        }
    }
}
