//! Line simplification per zoom, as tippecanoe does: below the max zoom every line is
//! simplified with Douglas–Peucker to a tolerance of [`TOLERANCE_UNITS`] tile unit in
//! that zoom's global pixels (tippecanoe's default tolerance, `-S 1`), before it is
//! clipped, so neighbouring tiles cut the same simplified line and meet without seams.
//! At the max zoom every vertex is kept.
//!
//! What it keeps, and the tests check: every simplified vertex is an original vertex, in
//! order; both endpoints stay; every original vertex lies within the tolerance of the
//! simplified line; a line of two or more vertices never falls below two (a closed line
//! keeps its farthest vertex too, so it does not collapse onto its endpoint).
//!
//! Polygons (the uncertainty circles) are left unsimplified: Douglas–Peucker on a ring can
//! make it cross itself, which MVT forbids, and the clipper already drops rings that
//! quantise to no area at low zooms.
//!
//! Douglas–Peucker here runs with an explicit stack, not geo's recursive `Simplify`: the
//! recursion depth of geo's grows with the line (a million-vertex line from `drillmap
//! tiles` could overflow a worker thread's stack), and it allocates at every level.

use super::clip::Pt;

/// The tolerance below the max zoom, in tile units (tippecanoe's default).
pub(super) const TOLERANCE_UNITS: f64 = 1.0;

/// The tolerance in tile units for `zoom`: [`TOLERANCE_UNITS`] below `max_zoom`, 0 (keep
/// every vertex) at it.
pub(super) fn tolerance(zoom: u8, max_zoom: u8) -> f64 {
    if zoom < max_zoom {
        TOLERANCE_UNITS
    } else {
        0.0
    }
}

/// `line` (world coordinates, 0–1) scaled by `size` into global pixels and simplified to
/// `tolerance` pixels (none when it is 0).
pub(super) fn in_pixels(line: &[Pt], size: f64, tolerance: f64) -> Vec<Pt> {
    let global: Vec<Pt> = line.iter().map(|&(x, y)| (x * size, y * size)).collect();
    if tolerance <= 0.0 || global.len() < 3 {
        return global;
    }
    let keep = douglas_peucker(&global, tolerance);
    global
        .into_iter()
        .zip(keep)
        .filter_map(|(p, k)| k.then_some(p))
        .collect()
}

/// Which vertices of `line` Douglas–Peucker keeps at `tolerance`: the endpoints, and
/// recursively the vertex farthest from the segment joining a span's ends while it is
/// farther than `tolerance`.
fn douglas_peucker(line: &[Pt], tolerance: f64) -> Vec<bool> {
    let n = line.len();
    let mut keep = vec![false; n];
    let Some(last) = n.checked_sub(1) else {
        return keep;
    };
    keep[0] = true;
    keep[last] = true;
    let mut spans = vec![(0, last)];
    while let Some((a, b)) = spans.pop() {
        if b <= a + 1 {
            continue;
        }
        let (mut far, mut far_d) = (a + 1, -1.0);
        for (i, &p) in line.iter().enumerate().take(b).skip(a + 1) {
            let d = segment_distance(p, line[a], line[b]);
            if d > far_d {
                (far, far_d) = (i, d);
            }
        }
        // A closed line (first == last) keeps its farthest vertex whatever the tolerance,
        // so it never collapses onto one point.
        let closed = a == 0 && b == last && line[a] == line[b];
        if far_d > tolerance || closed {
            keep[far] = true;
            spans.push((far, b));
            spans.push((a, far));
        }
    }
    keep
}

/// Distance from `p` to the segment `a`–`b` (to `a` when the segment is a point).
pub(super) fn segment_distance(p: Pt, a: Pt, b: Pt) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (cx, cy) = (a.0 + t * dx, a.1 + t * dy);
    (p.0 - cx).hypot(p.1 - cy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Distance from `p` to the polyline `line`.
    fn distance_to(p: Pt, line: &[Pt]) -> f64 {
        line.windows(2)
            .map(|s| segment_distance(p, s[0], s[1]))
            .fold(f64::INFINITY, f64::min)
    }

    /// Whether `sub` is `line` with vertices removed (same vertices, same order).
    fn is_subsequence(sub: &[Pt], line: &[Pt]) -> bool {
        let mut it = line.iter();
        sub.iter().all(|p| it.any(|q| q == p))
    }

    #[test]
    fn the_max_zoom_keeps_every_vertex() {
        assert_eq!(tolerance(10, 10), 0.0);
        assert_eq!(tolerance(9, 10), TOLERANCE_UNITS);
        let line = [(0.1, 0.1), (0.1000001, 0.1), (0.2, 0.1)];
        assert_eq!(in_pixels(&line, 4096.0, 0.0).len(), 3);
        assert_eq!(in_pixels(&line, 4096.0, 1.0).len(), 2);
    }

    #[test]
    fn a_closed_line_keeps_its_shape() {
        let square = [
            (0.0, 0.0),
            (10.0, 0.0),
            (10.0, 10.0),
            (0.0, 10.0),
            (0.0, 0.0),
        ];
        let out = in_pixels(&square, 1.0, 100.0);
        assert!(out.len() >= 3, "{out:?}");
        assert_eq!(out.first(), Some(&(0.0, 0.0)));
        assert_eq!(out.last(), Some(&(0.0, 0.0)));
    }

    /// The shipped Afghan border's lines, in world coordinates.
    fn afghan_border() -> Vec<Vec<Pt>> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/output/afghan_border.geojson");
        let text = std::fs::read_to_string(path).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let features = json["features"].as_array().unwrap();
        features
            .iter()
            .map(|f| {
                let coords = f["geometry"]["coordinates"].as_array().unwrap();
                coords
                    .iter()
                    .map(|c| {
                        super::super::mercator::world(
                            c[0].as_f64().unwrap(),
                            c[1].as_f64().unwrap(),
                        )
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn the_afghan_border_keeps_its_shape_at_every_zoom() {
        let border = afghan_border();
        let total: usize = border.iter().map(Vec::len).sum();
        assert!(
            border.len() >= 6 && total > 1000,
            "{} lines, {total} vertices",
            border.len()
        );
        let max_zoom = 10;
        let mut kept_by_zoom = Vec::new();
        for zoom in 0..=max_zoom {
            let size = f64::from(1u32 << zoom) * 4096.0;
            let tol = tolerance(zoom, max_zoom);
            let mut kept = 0;
            for line in &border {
                let original = in_pixels(line, size, 0.0);
                let out = in_pixels(line, size, tol);
                assert!(out.len() >= 2, "zoom {zoom}: a line collapsed");
                assert!(
                    is_subsequence(&out, &original),
                    "zoom {zoom}: a vertex was moved"
                );
                assert_eq!(
                    (out.first(), out.last()),
                    (original.first(), original.last())
                );
                for &p in &original {
                    let d = distance_to(p, &out);
                    assert!(
                        d <= tol + 1e-9,
                        "zoom {zoom}: a vertex is {d} units off the line"
                    );
                }
                kept += out.len();
            }
            kept_by_zoom.push(kept);
        }
        // Every vertex at the max zoom; fewer, and fewer still, going out.
        assert_eq!(kept_by_zoom[usize::from(max_zoom)], total);
        assert!(
            kept_by_zoom.windows(2).all(|w| w[0] <= w[1]),
            "{kept_by_zoom:?}"
        );
        assert!(kept_by_zoom[0] < total / 4, "{kept_by_zoom:?}");
    }

    proptest! {
        #[test]
        fn simplified_lines_keep_vertices_ends_and_tolerance(
            pts in prop::collection::vec((0.0f64..1.0, 0.0f64..1.0), 2..60),
            size in 256.0f64..1e6,
            tol in 0.0f64..50.0,
        ) {
            let original = in_pixels(&pts, size, 0.0);
            let out = in_pixels(&pts, size, tol);
            prop_assert!(out.len() >= 2);
            prop_assert!(is_subsequence(&out, &original));
            prop_assert_eq!(out.first(), original.first());
            prop_assert_eq!(out.last(), original.last());
            for &p in &original {
                let d = distance_to(p, &out);
                prop_assert!(d <= tol + 1e-9 * size, "{:?} is {} from the simplified line", p, d);
            }
        }
    }
}
