//! Longitudes across the antimeridian: moving a longitude by whole turns next to another,
//! and cutting a ring along a meridian. Natural Earth's boundaries (read by
//! `read::topojson`) and the uncertainty circles (`derive::uncertainty`) are both cut at ±180
//! with these, so that no edge spans the globe.

use geo::Coord;

/// `lon` moved by whole turns to within 180° of `around`.
pub fn unwrap(lon: f64, around: f64) -> f64 {
    let mut x = lon;
    if x - around > 180.0 {
        x -= 360.0 * ((x - around - 180.0) / 360.0).ceil();
    }
    if around - x > 180.0 {
        x += 360.0 * ((around - x - 180.0) / 360.0).ceil();
    }
    x
}

/// Whether the box `[west, south, east, north]` holds the point: a box with west greater
/// than east crosses the antimeridian (RFC 7946 section 5.2, the form drillmap's layers
/// write): `[170, -10, -170, 10]` holds longitudes 170 to 180 and -180 to -170. The one
/// test of every `--bbox` (`geocode`, `places import-geonames`).
pub fn bbox_holds([w, s, e, n]: [f64; 4], lon: f64, lat: f64) -> bool {
    let east_of_west = lon >= w;
    let west_of_east = lon <= e;
    let across = if w <= e {
        east_of_west && west_of_east
    } else {
        east_of_west || west_of_east
    };
    across && lat >= s && lat <= n
}

/// The closed ring's part with x ≥ `edge` (`keep_above`) or x ≤ `edge` (Sutherland–Hodgman
/// against one vertical line), closed again. Stretches on the other side are replaced by
/// runs along the line, which change no even-odd count of a point off it.
pub fn clip_half(ring: &[Coord<f64>], edge: f64, keep_above: bool) -> Vec<Coord<f64>> {
    let inside = |c: &Coord<f64>| if keep_above { c.x >= edge } else { c.x <= edge };
    let mut out: Vec<Coord<f64>> = Vec::new();
    for w in ring.windows(2) {
        let (a, b) = (w[0], w[1]);
        let cross = || {
            let t = (edge - a.x) / (b.x - a.x);
            Coord {
                x: edge,
                y: a.y + t * (b.y - a.y),
            }
        };
        match (inside(&a), inside(&b)) {
            (true, true) => out.push(b),
            (true, false) => out.push(cross()),
            (false, true) => {
                out.push(cross());
                out.push(b);
            }
            (false, false) => {}
        }
    }
    if let Some(&first) = out.first() {
        if out.last() != Some(&first) {
            out.push(first);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_box_across_the_antimeridian_holds_both_sides() {
        let fiji = [170.0, -20.0, -170.0, -10.0];
        assert!(bbox_holds(fiji, 178.0, -15.0));
        assert!(bbox_holds(fiji, -178.0, -15.0));
        assert!(bbox_holds(fiji, 180.0, -15.0) && bbox_holds(fiji, -180.0, -15.0));
        assert!(!bbox_holds(fiji, 0.0, -15.0));
        assert!(!bbox_holds(fiji, 178.0, 0.0));
        let plain = [60.0, 30.0, 70.0, 40.0];
        assert!(bbox_holds(plain, 65.0, 35.0) && !bbox_holds(plain, 71.0, 35.0));
    }

    #[test]
    fn unwrap_moves_by_whole_turns() {
        assert_eq!(unwrap(-179.0, 179.0), 181.0);
        assert_eq!(unwrap(179.0, -179.0), -181.0);
        assert_eq!(unwrap(10.0, 0.0), 10.0);
        assert_eq!(unwrap(-170.0, 400.0), 550.0);
        assert_eq!(unwrap(180.0, 0.0), 180.0);
        assert_eq!(unwrap(-180.0, 180.0), 180.0);
    }
}
