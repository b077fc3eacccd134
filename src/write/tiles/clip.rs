//! Cutting projected geometry into tiles, with a buffer around each tile.
//!
//! Work happens in one zoom's global pixel space (`f64`, `2^z × extent` units across).
//! Lines are cut segment by segment with Liang–Barsky against each buffered tile square
//! they can reach, so a segment costs only the few tiles it touches; consecutive pieces in
//! the same tile join into one part. Polygon rings are cut with Sutherland–Hodgman. The
//! results are quantised to tile-local integers, consecutive duplicates removed, and
//! degenerate parts dropped (MVT §4.3.4: no zero-length `LineTo`, rings of ≥ 3 vertices
//! with non-zero area).

use std::collections::BTreeMap;

/// A point in a zoom's global pixel space.
pub type Pt = (f64, f64);

/// The buffered square of tile `(tx, ty)`: `[min x, min y, max x, max y]` in global pixels.
pub fn tile_rect(tx: u32, ty: u32, extent: f64, buffer: f64) -> [f64; 4] {
    let x0 = f64::from(tx) * extent;
    let y0 = f64::from(ty) * extent;
    [
        x0 - buffer,
        y0 - buffer,
        x0 + extent + buffer,
        y0 + extent + buffer,
    ]
}

/// The tiles (inclusive ranges of x and y) whose buffered squares can hold a box.
pub fn tile_range(
    min: Pt,
    max: Pt,
    extent: f64,
    buffer: f64,
    tiles: u32,
) -> ((u32, u32), (u32, u32)) {
    let last = f64::from(tiles.saturating_sub(1));
    let idx = |v: f64| -> u32 {
        let t = (v / extent).floor().clamp(0.0, last);
        // Clamped to [0, tiles − 1] just above, so the cast is exact.
        #[allow(clippy::cast_possible_truncation)]
        let t = t as u32;
        t
    };
    (
        (idx(min.0 - buffer), idx(max.0 + buffer)),
        (idx(min.1 - buffer), idx(max.1 + buffer)),
    )
}

/// Liang–Barsky: the parameter interval `[t0, t1]` of segment `a → b` inside `rect`.
pub fn clip_segment(a: Pt, b: Pt, rect: &[f64; 4]) -> Option<(f64, f64)> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let mut t0 = 0.0f64;
    let mut t1 = 1.0f64;
    for (p, q) in [
        (-dx, a.0 - rect[0]),
        (dx, rect[2] - a.0),
        (-dy, a.1 - rect[1]),
        (dy, rect[3] - a.1),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                if r > t1 {
                    return None;
                }
                t0 = t0.max(r);
            } else {
                if r < t0 {
                    return None;
                }
                t1 = t1.min(r);
            }
        }
    }
    Some((t0, t1))
}

fn lerp(a: Pt, b: Pt, t: f64) -> Pt {
    if t <= 0.0 {
        a
    } else if t >= 1.0 {
        b
    } else {
        (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t)
    }
}

/// The pieces of one line in each tile, in global pixels, keyed by `(tx, ty)`.
pub type TileParts = BTreeMap<(u32, u32), Vec<Vec<Pt>>>;

/// Cut `line` into the buffered squares of the `tiles × tiles` grid, appending each tile's
/// parts to `out`.
pub fn clip_line(line: &[Pt], extent: f64, buffer: f64, tiles: u32, out: &mut TileParts) {
    if line.len() == 1 {
        // A one-vertex line would be invalid; treat it as a zero-length segment so it is
        // dropped by the caller's degenerate-part check.
        return;
    }
    // Per tile: the index of the last segment that reached it and whether it left that
    // segment's end inside the tile (so the next segment continues the same part).
    let mut open: BTreeMap<(u32, u32), usize> = BTreeMap::new();
    for (i, seg) in line.windows(2).enumerate() {
        let (a, b) = (seg[0], seg[1]);
        let min = (a.0.min(b.0), a.1.min(b.1));
        let max = (a.0.max(b.0), a.1.max(b.1));
        let ((x0, x1), (y0, y1)) = tile_range(min, max, extent, buffer, tiles);
        for tx in x0..=x1 {
            for ty in y0..=y1 {
                let rect = tile_rect(tx, ty, extent, buffer);
                let Some((t0, t1)) = clip_segment(a, b, &rect) else {
                    continue;
                };
                let parts = out.entry((tx, ty)).or_default();
                let continues = t0 <= 0.0 && i > 0 && open.get(&(tx, ty)) == Some(&(i - 1));
                match parts.last_mut() {
                    Some(part) if continues => part.push(lerp(a, b, t1)),
                    _ => parts.push(vec![lerp(a, b, t0), lerp(a, b, t1)]),
                }
                if t1 >= 1.0 {
                    open.insert((tx, ty), i);
                } else {
                    open.remove(&(tx, ty));
                }
            }
        }
    }
}

/// Sutherland–Hodgman: `ring` (global pixels, not closed) clipped to `rect`.
pub fn clip_ring(ring: &[Pt], rect: &[f64; 4]) -> Vec<Pt> {
    let mut cur: Vec<Pt> = ring.to_vec();
    let edges: [(usize, bool); 4] = [(0, false), (2, true), (1, false), (3, true)];
    for (axis_bound, is_max) in edges {
        if cur.is_empty() {
            break;
        }
        let bound = rect[axis_bound];
        let axis = axis_bound % 2; // 0 = x, 1 = y
        let coord = |p: &Pt| if axis == 0 { p.0 } else { p.1 };
        let inside = |p: &Pt| {
            if is_max {
                coord(p) <= bound
            } else {
                coord(p) >= bound
            }
        };
        let input = std::mem::take(&mut cur);
        let n = input.len();
        for i in 0..n {
            let p = input[i];
            let q = input[(i + 1) % n];
            let (pin, qin) = (inside(&p), inside(&q));
            if pin {
                cur.push(p);
            }
            if pin != qin {
                let (cp, cq) = (coord(&p), coord(&q));
                let t = (bound - cp) / (cq - cp);
                cur.push(lerp(p, q, t));
            }
        }
    }
    cur
}

/// Round global pixels to tile-local integers, dropping consecutive duplicates.
pub fn quantise(points: &[Pt], tx: u32, ty: u32, extent: f64, out: &mut Vec<(i32, i32)>) {
    out.clear();
    let ox = f64::from(tx) * extent;
    let oy = f64::from(ty) * extent;
    for &(x, y) in points {
        let q = (to_i32(x - ox), to_i32(y - oy));
        if out.last() != Some(&q) {
            out.push(q);
        }
    }
}

/// Round to the nearest integer, saturating at the `i32` range (never reached for tile-local
/// coordinates, which stay within the buffer of the tile).
pub fn to_i32(v: f64) -> i32 {
    let r = v.round().clamp(f64::from(i32::MIN), f64::from(i32::MAX));
    // Clamped to the i32 range just above.
    #[allow(clippy::cast_possible_truncation)]
    let r = r as i32;
    r
}

/// Twice the signed shoelace area of a ring in tile coordinates (x right, y down):
/// positive for a ring that is clockwise on screen, the MVT exterior orientation.
pub fn area2(ring: &[(i32, i32)]) -> i64 {
    let n = ring.len();
    let mut s = 0i64;
    for i in 0..n {
        let (x0, y0) = ring[i];
        let (x1, y1) = ring[(i + 1) % n];
        s += i64::from(x0) * i64::from(y1) - i64::from(x1) * i64::from(y0);
    }
    s
}

/// Whether a ring in tile coordinates covers no area at all: fewer than three points, or
/// every point on one line. A ring whose signed area ([`area2`]) is zero may still cover
/// some (a figure eight, whose two loops turn opposite ways), so this, not the sign, tells
/// what can be dropped before the ring is made valid.
pub fn no_area(ring: &[(i32, i32)]) -> bool {
    let Some(&(x0, y0)) = ring.first() else {
        return true;
    };
    let Some(&(x1, y1)) = ring.iter().find(|&&p| p != (x0, y0)) else {
        return true;
    };
    let (dx, dy) = (i64::from(x1) - i64::from(x0), i64::from(y1) - i64::from(y0));
    ring.iter()
        .all(|&(x, y)| dx * (i64::from(y) - i64::from(y0)) == dy * (i64::from(x) - i64::from(x0)))
}

#[cfg(test)]
#[allow(clippy::cast_possible_truncation)]
mod tests {
    use super::*;

    #[test]
    fn a_figure_eight_has_area_though_its_signed_area_is_zero() {
        let eight = [(0, 0), (10, 10), (10, 0), (0, 10)];
        assert_eq!(area2(&eight), 0);
        assert!(!no_area(&eight));
        assert!(no_area(&[(0, 0), (5, 5), (10, 10), (5, 5)]));
        assert!(no_area(&[(3, 3), (3, 3), (3, 3)]));
        assert!(no_area(&[(0, 0), (1, 0)]));
        assert!(!no_area(&[(0, 0), (1, 0), (1, 1)]));
    }

    #[test]
    fn segment_clipping() {
        let r = [0.0, 0.0, 10.0, 10.0];
        assert_eq!(
            clip_segment((-5.0, 5.0), (15.0, 5.0), &r),
            Some((0.25, 0.75))
        );
        assert_eq!(clip_segment((1.0, 1.0), (2.0, 2.0), &r), Some((0.0, 1.0)));
        assert_eq!(clip_segment((-5.0, -5.0), (-1.0, 20.0), &r), None);
        assert_eq!(clip_segment((3.0, 3.0), (3.0, 3.0), &r), Some((0.0, 1.0)));
    }

    #[test]
    fn a_line_across_two_tiles_is_cut_with_the_buffer() {
        // Extent 100, buffer 10, 2 × 2 tiles: a horizontal line from x = 50 to x = 150 at
        // y = 50 lies in tile (0,0) up to x = 110 and in tile (1,0) from x = 90.
        let mut out = TileParts::new();
        clip_line(&[(50.0, 50.0), (150.0, 50.0)], 100.0, 10.0, 2, &mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(out[&(0, 0)], vec![vec![(50.0, 50.0), (110.0, 50.0)]]);
        assert_eq!(out[&(1, 0)], vec![vec![(90.0, 50.0), (150.0, 50.0)]]);
    }

    #[test]
    fn consecutive_segments_in_a_tile_form_one_part_and_reentry_a_new_one() {
        // Goes right out of tile (0,0) into (1,0) and comes back: (0,0) gets two parts.
        let line = [
            (10.0, 10.0),
            (50.0, 10.0),
            (150.0, 10.0),
            (150.0, 30.0),
            (20.0, 30.0),
        ];
        let mut out = TileParts::new();
        clip_line(&line, 100.0, 0.0, 2, &mut out);
        let t00 = &out[&(0, 0)];
        assert_eq!(t00.len(), 2, "{t00:?}");
        assert_eq!(t00[0], vec![(10.0, 10.0), (50.0, 10.0), (100.0, 10.0)]);
        assert_eq!(t00[1], vec![(100.0, 30.0), (20.0, 30.0)]);
        let t10 = &out[&(1, 0)];
        assert_eq!(t10.len(), 1);
        assert_eq!(
            t10[0],
            vec![(100.0, 10.0), (150.0, 10.0), (150.0, 30.0), (100.0, 30.0)]
        );
    }

    #[test]
    fn ring_clipping_and_orientation() {
        let square = [(-10.0, -10.0), (20.0, -10.0), (20.0, 20.0), (-10.0, 20.0)];
        let clipped = clip_ring(&square, &[0.0, 0.0, 10.0, 10.0]);
        let mut q = Vec::new();
        quantise(&clipped, 0, 0, 4096.0, &mut q);
        q.dedup();
        assert_eq!(q.len(), 4);
        assert_eq!(area2(&q), 200, "clockwise on screen (y down) is positive");
        assert!(clip_ring(&square, &[30.0, 30.0, 40.0, 40.0]).is_empty());
    }

    #[test]
    fn quantise_drops_repeated_points() {
        let mut q = Vec::new();
        quantise(&[(0.2, 0.2), (0.4, 0.1), (1.6, 0.0)], 0, 0, 4096.0, &mut q);
        assert_eq!(q, [(0, 0), (2, 0)]);
        assert_eq!(to_i32(1e20), i32::MAX);
    }

    proptest::proptest! {
        #[test]
        fn clipped_lines_stay_in_their_buffered_tiles(
            pts in proptest::collection::vec((0.0f64..400.0, 0.0f64..400.0), 2..20),
            buffer in 0.0f64..20.0,
        ) {
            let mut out = TileParts::new();
            clip_line(&pts, 100.0, buffer, 4, &mut out);
            for ((tx, ty), parts) in &out {
                let r = tile_rect(*tx, *ty, 100.0, buffer);
                for part in parts {
                    proptest::prop_assert!(part.len() >= 2);
                    for &(x, y) in part {
                        proptest::prop_assert!(x >= r[0] - 1e-9 && x <= r[2] + 1e-9);
                        proptest::prop_assert!(y >= r[1] - 1e-9 && y <= r[3] + 1e-9);
                    }
                }
            }
            // Every vertex lands in the tile that contains it.
            for &(x, y) in &pts {
                let t = ((x / 100.0).floor().min(3.0) as u32, (y / 100.0).floor().min(3.0) as u32);
                let found = out.get(&t).is_some_and(|parts| {
                    parts.iter().flatten().any(|&(px, py)| (px - x).abs() < 1e-9 && (py - y).abs() < 1e-9)
                });
                proptest::prop_assert!(found, "vertex ({}, {}) missing from tile {:?}", x, y, t);
            }
        }
    }
}
