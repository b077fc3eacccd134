//! Valid polygons in tile coordinates (MVT 2.1 §4.3.4.4): rings without self-intersection
//! or self-tangency, holes that do not intersect and lie inside their exterior.
//!
//! Clipping a polygon to a tile's buffered square and rounding it to the tile grid can break
//! all three: a hole crossing the square's edge is cut along the same line as the exterior
//! (GEOS: self-intersection), a ring narrower than a unit doubles back on itself, small
//! holes snap onto each other or onto the exterior. So every polygon, once quantised, goes
//! through [`Cleaner::polygons`], which keeps a ring that is already simple as it is and
//! otherwise rebuilds the feature's polygons with an integer overlay (`i_overlay`, the one
//! `geo`'s boolean operations use): each exterior minus its holes, then the union of the
//! feature's polygons, read as OGC polygons — what tippecanoe does with wagyu.

use i_overlay::core::fill_rule::FillRule;
use i_overlay::core::overlay::{ContourDirection, IntOverlayOptions, Overlay, ShapeType};
use i_overlay::core::overlay_rule::OverlayRule;
use i_overlay::i_float::int::point::IntPoint;
use i_overlay::i_shape::int::shape::{IntContour, IntShape};

use super::clip::area2;

/// One polygon in one tile: its exterior, then its holes, quantised (any orientation).
pub(super) type Rings = Vec<Vec<(i32, i32)>>;

/// A reusable overlay (its buffers kept between features).
pub(super) struct Cleaner {
    overlay: Overlay<i32>,
}

impl Default for Cleaner {
    fn default() -> Self {
        let options = IntOverlayOptions {
            // A simple ring is kept vertex for vertex (so a tile that needs no repair is
            // the bytes it was); a repaired one loses its collinear vertices.
            preserve_input_collinear: true,
            output_direction: ContourDirection::CounterClockwise,
            preserve_output_collinear: false,
            min_output_area: 0,
            ogc: true,
        };
        Self {
            overlay: Overlay::new_custom(64, options, Default::default()),
        }
    }
}

fn int_contour(ring: &[(i32, i32)]) -> IntContour<i32> {
    ring.iter().map(|&(x, y)| IntPoint::new(x, y)).collect()
}

impl Cleaner {
    /// The valid form of one feature's `polygons` in one tile, each ring handed to `emit`
    /// in MVT order: an exterior (positive area in tile coordinates, clockwise on screen)
    /// followed by its holes (negative). Rings with no area are gone; so is a polygon
    /// that has none left.
    pub(super) fn polygons(&mut self, polygons: &[Rings], mut emit: impl FnMut(&[(i32, i32)])) {
        let shapes = self.shapes(polygons);
        let mut ring = Vec::new();
        for shape in &shapes {
            for (i, contour) in shape.iter().enumerate() {
                ring.clear();
                ring.extend(contour.iter().map(|p| (p.x, p.y)));
                while ring.len() > 1 && ring.first() == ring.last() {
                    ring.pop();
                }
                let area = area2(&ring);
                if ring.len() < 3 || area == 0 {
                    if i == 0 {
                        break;
                    }
                    continue;
                }
                if (area > 0) != (i == 0) {
                    ring.reverse();
                }
                emit(&ring);
            }
        }
    }

    /// The polygons as the overlay's shapes (exterior first, holes after).
    fn shapes(&mut self, polygons: &[Rings]) -> Vec<IntShape<i32>> {
        let mut shapes: Vec<IntShape<i32>> = Vec::new();
        for rings in polygons {
            let Some((exterior, holes)) = rings.split_first() else {
                continue;
            };
            let exterior = int_contour(exterior);
            if holes.is_empty() {
                match self.overlay.simplify_contour(&exterior, FillRule::NonZero) {
                    // Already simple: as it is.
                    None => shapes.push(vec![exterior]),
                    Some(fixed) => shapes.extend(fixed),
                }
                continue;
            }
            // The exterior's area less the union of the holes (each turned the same way,
            // so overlapping holes add up under the non-zero rule).
            self.overlay.clear();
            self.overlay.add_contour(&exterior, ShapeType::Subject);
            for hole in holes {
                let mut hole_int = int_contour(hole);
                if area2(hole) < 0 {
                    hole_int.reverse();
                }
                self.overlay.add_contour(&hole_int, ShapeType::Clip);
            }
            shapes.extend(
                self.overlay
                    .overlay(OverlayRule::Difference, FillRule::NonZero),
            );
        }
        if shapes.len() > 1 && any_boxes_meet(&shapes) {
            // Polygons of one feature that may now touch or overlap: their union.
            shapes = self.overlay.simplify_source(&shapes, FillRule::NonZero);
        }
        rehome_holes(&mut shapes);
        shapes
    }
}

/// Put every hole after the exterior that holds it. The overlay's OGC output can attach a
/// hole to the wrong polygon (i_overlay 9.1: a hole of a large polygon given to a one-unit
/// island beside it, where readers take it as that island's hole: GEOS "Hole lies outside
/// shell"; a probe's polygon with five holes at z0). Each hole goes to the smallest
/// exterior that holds it: in a valid polygon no other exterior can (one that did would lie
/// in a hole of the hole's own polygon, and holes do not overlap), so this is its own even
/// when an island in another polygon's hole was given it. A hole no exterior holds is
/// dropped (it would cut nothing that is filled). Holes keep their order; a moved one
/// comes after its new polygon's own.
fn rehome_holes(shapes: &mut [IntShape<i32>]) {
    if shapes.iter().all(|shape| shape.len() < 2) {
        return;
    }
    let exteriors: Vec<Exterior> = shapes
        .iter()
        .map(|shape| Exterior::new(shape.first().map_or(&[], Vec::as_slice)))
        .collect();
    let mut stay = Vec::new();
    let mut moved = Vec::new();
    for (owner, shape) in shapes.iter_mut().enumerate() {
        for hole in shape.drain(1..) {
            let bounds = bounds(&hole);
            let home = exteriors
                .iter()
                .enumerate()
                .filter(|(_, e)| e.may_hold(&bounds))
                .filter(|&(i, e)| match e.holds(&hole) {
                    Some(held) => held,
                    // Every point on the exterior's edges: its own polygon's, as given.
                    None => i == owner,
                })
                .min_by_key(|(i, e)| (e.area, *i != owner))
                .map(|(i, _)| i);
            match home {
                Some(i) if i == owner => stay.push((i, hole)),
                Some(i) => moved.push((i, hole)),
                None => {}
            }
        }
    }
    for (i, hole) in stay.into_iter().chain(moved) {
        shapes[i].push(hole);
    }
}

/// An exterior prepared for point-in-ring tests: its vertices doubled (so that edge
/// midpoints are whole), its box and its area.
struct Exterior {
    ring: Vec<(i64, i64)>,
    bounds: [i32; 4],
    area: i64,
}

impl Exterior {
    fn new(exterior: &[IntPoint<i32>]) -> Self {
        let ring: Vec<(i64, i64)> = exterior.iter().map(|&p| double(p)).collect();
        let plain: Vec<(i32, i32)> = exterior.iter().map(|p| (p.x, p.y)).collect();
        Self {
            ring,
            bounds: bounds(exterior),
            area: area2(&plain).abs(),
        }
    }

    /// Whether a ring with these bounds can lie inside (a box test).
    fn may_hold(&self, b: &[i32; 4]) -> bool {
        self.bounds[0] <= b[0]
            && self.bounds[1] <= b[1]
            && b[2] <= self.bounds[2]
            && b[3] <= self.bounds[3]
    }

    /// Whether the exterior holds the ring `hole` (which may touch it, never cross it, in a
    /// valid polygon): told by the hole's first vertex off the exterior's edges, then by
    /// the first midpoint of its edges off them; `None` when every one is on them.
    fn holds(&self, hole: &[IntPoint<i32>]) -> Option<bool> {
        let vertices = hole.iter().map(|&p| double(p));
        let midpoints = (0..hole.len()).map(|i| {
            let (a, b) = (double(hole[i]), double(hole[(i + 1) % hole.len()]));
            ((a.0 + b.0) / 2, (a.1 + b.1) / 2)
        });
        vertices
            .chain(midpoints)
            .map(|p| locate(p, &self.ring))
            .find(|&at| at != Place::OnEdge)
            .map(|at| at == Place::Inside)
    }
}

fn double(p: IntPoint<i32>) -> (i64, i64) {
    (2 * i64::from(p.x), 2 * i64::from(p.y))
}

/// A ring's box: west, south, east, north.
fn bounds(ring: &[IntPoint<i32>]) -> [i32; 4] {
    ring.iter()
        .fold([i32::MAX, i32::MAX, i32::MIN, i32::MIN], |b, p| {
            [b[0].min(p.x), b[1].min(p.y), b[2].max(p.x), b[3].max(p.y)]
        })
}

#[cfg(test)]
fn holds(exterior: &[IntPoint<i32>], hole: &[IntPoint<i32>]) -> Option<bool> {
    Exterior::new(exterior).holds(hole)
}

/// Where a point is against a ring.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum Place {
    Inside,
    Outside,
    OnEdge,
}

/// Where `p` is against `ring` (crossing number, edges exact in integers).
fn locate((px, py): (i64, i64), ring: &[(i64, i64)]) -> Place {
    let mut inside = false;
    let n = ring.len();
    for i in 0..n {
        let ((ax, ay), (bx, by)) = (ring[i], ring[(i + 1) % n]);
        let cross = (bx - ax) * (py - ay) - (by - ay) * (px - ax);
        if cross == 0
            && px >= ax.min(bx)
            && px <= ax.max(bx)
            && py >= ay.min(by)
            && py <= ay.max(by)
        {
            return Place::OnEdge;
        }
        // The edge crosses the horizontal line through p to its right.
        if (ay > py) != (by > py) {
            let right = if by > ay { cross > 0 } else { cross < 0 };
            if right {
                inside = !inside;
            }
        }
    }
    if inside {
        Place::Inside
    } else {
        Place::Outside
    }
}

/// Whether the boxes of any two shapes' exteriors meet (touch or overlap): if none do, the
/// shapes are disjoint and need no union. Sorted by west edge, each box is compared only
/// with those starting before it ends.
fn any_boxes_meet(shapes: &[IntShape<i32>]) -> bool {
    let mut boxes: Vec<[i32; 4]> = shapes
        .iter()
        .filter_map(|shape| shape.first().map(|exterior| bounds(exterior)))
        .collect();
    boxes.sort_unstable();
    boxes.iter().enumerate().any(|(i, a)| {
        boxes[i + 1..]
            .iter()
            .take_while(|b| b[0] <= a[2])
            .any(|b| b[1] <= a[3] && a[1] <= b[3])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(polygons: &[Rings]) -> Vec<Vec<(i32, i32)>> {
        let mut out = Vec::new();
        Cleaner::default().polygons(polygons, |r| out.push(r.to_vec()));
        out
    }

    fn square(x: i32, y: i32, side: i32) -> Vec<(i32, i32)> {
        vec![(x, y), (x + side, y), (x + side, y + side), (x, y + side)]
    }

    #[test]
    fn a_simple_ring_is_kept_vertex_for_vertex_as_an_exterior() {
        // Collinear vertex (5, 0) kept; the ring turned to positive area.
        let ring = vec![(0, 0), (5, 0), (10, 0), (10, 10), (0, 10)];
        assert_eq!(clean(&[vec![ring.clone()]]), vec![ring.clone()]);
        let mut reversed = ring.clone();
        reversed.reverse();
        let out = clean(&[vec![reversed]]);
        assert_eq!(out.len(), 1);
        assert!(area2(&out[0]) > 0);
        assert_eq!(out[0].len(), 5);
    }

    #[test]
    fn a_ring_that_doubles_back_loses_its_spike() {
        // The uncertainty circle of the 201st base at z2 (tile 2/2/1) quantised to
        // ..., (3126, 2194), (3127, 2194), (3126, 2194), ...: a spike of no width.
        let ring = vec![(0, 0), (10, 0), (11, 0), (10, 0), (10, 10), (0, 10)];
        let out = clean(&[vec![ring]]);
        // The overlay starts the ring at its own first vertex.
        assert_eq!(out, [vec![(0, 10), (0, 0), (10, 0), (10, 10)]]);
    }

    #[test]
    fn a_hole_cut_along_the_exteriors_edge_becomes_a_notch() {
        // A 100-unit square clipped at x = 100 with a hole crossing that edge: the clipped
        // hole's side lies on the exterior's. Valid: one exterior, no hole, the notch in it.
        let exterior = square(0, 0, 100);
        let hole = vec![(80, 40), (100, 40), (100, 60), (80, 60)];
        let out = clean(&[vec![exterior, hole]]);
        assert_eq!(out.len(), 1, "{out:?}");
        assert!(area2(&out[0]) > 0);
        assert_eq!(area2(&out[0]), 2 * (100 * 100 - 20 * 20));
    }

    #[test]
    fn holes_that_overlap_become_one_hole() {
        let out = clean(&[vec![
            square(0, 0, 100),
            square(20, 20, 30),
            square(40, 40, 30),
        ]]);
        assert_eq!(out.len(), 2, "{out:?}");
        assert!(area2(&out[0]) > 0);
        assert!(area2(&out[1]) < 0);
        assert_eq!(
            area2(&out[0]) + area2(&out[1]),
            2 * (100 * 100 - (900 + 900 - 100))
        );
    }

    #[test]
    fn polygons_that_overlap_are_merged_and_an_island_in_a_hole_stays() {
        // Two overlapping squares become one; an island inside the first's hole stays.
        let out = clean(&[
            vec![square(0, 0, 100), square(30, 30, 40)],
            vec![square(40, 40, 20)],
            vec![square(90, 0, 50)],
        ]);
        let total: i64 = out.iter().map(|r| area2(r)).sum();
        let expect = 100 * 100 - 40 * 40 + 20 * 20 + 50 * 50 - 10 * 50;
        assert_eq!(total, 2 * expect, "{out:?}");
        assert_eq!(out.iter().filter(|r| area2(r) > 0).count(), 2, "{out:?}");
    }

    #[test]
    fn polygons_apart_are_kept_as_they_are() {
        let apart = [vec![square(0, 0, 10)], vec![square(11, 0, 10)]];
        assert_eq!(clean(&apart), [square(0, 0, 10), square(11, 0, 10)]);
        // Touching along an edge: one polygon.
        let out = clean(&[vec![square(0, 0, 10)], vec![square(10, 0, 10)]]);
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(area2(&out[0]), 2 * 200);
    }

    /// Every hole of `rings` (MVT order) lies in the exterior before it.
    fn holes_in_their_exteriors(rings: &[Vec<(i32, i32)>]) {
        let contour = |r: &[(i32, i32)]| int_contour(r);
        let mut exterior = None;
        for r in rings {
            if area2(r) > 0 {
                exterior = Some(contour(r));
            } else {
                let e = exterior.as_ref().expect("a hole before any exterior");
                assert_eq!(holds(e, &contour(r)), Some(true), "{r:?} in {rings:?}");
            }
        }
    }

    /// Probe (session 30): a valid polygon with five small holes, at z0 (tile 0/0/0). Two
    /// holes meet around a one-unit square, which becomes an island; the overlay gave that
    /// island a hole of the large polygon, written after it: GEOS "Hole lies outside shell".
    #[test]
    fn a_hole_follows_the_exterior_that_holds_it() {
        let polygon = vec![
            vec![
                (2839, 1564),
                (2837, 1562),
                (2835, 1542),
                (2836, 1542),
                (2844, 1536),
            ],
            vec![(2839, 1544), (2838, 1544), (2838, 1545)],
            vec![(2838, 1544), (2838, 1543), (2836, 1542)],
            vec![(2838, 1561), (2839, 1561), (2839, 1560)],
            vec![(2839, 1543), (2839, 1544), (2840, 1544)],
            vec![(2839, 1543), (2838, 1542), (2838, 1543)],
        ];
        let out = clean(&[polygon]);
        holes_in_their_exteriors(&out);
        // Nothing lost: the same area as before the move.
        let area: i64 = out.iter().map(|r| area2(r)).sum();
        assert_eq!(area, 2 * 126 - 7 - 1 + 2, "{out:?}");
    }

    /// A hole given to the polygon around the hole its island lies in: inside that polygon's
    /// exterior too, but the island's (the smallest exterior that holds it).
    #[test]
    fn a_hole_of_an_island_in_a_hole_goes_to_the_island() {
        let ring = |r: Vec<(i32, i32)>| int_contour(&r);
        let hole = |x: i32, side: i32| {
            let mut r = square(x, x, side);
            r.reverse();
            ring(r)
        };
        let mut shapes = vec![
            vec![ring(square(0, 0, 100)), hole(10, 80), hole(40, 20)],
            vec![ring(square(20, 20, 60))],
        ];
        rehome_holes(&mut shapes);
        assert_eq!(
            shapes,
            vec![
                vec![ring(square(0, 0, 100)), hole(10, 80)],
                vec![ring(square(20, 20, 60)), hole(40, 20)],
            ]
        );
        // A hole no exterior holds is dropped; a valid polygon is left as it was.
        let mut shapes = vec![vec![ring(square(0, 0, 10)), hole(20, 5)]];
        rehome_holes(&mut shapes);
        assert_eq!(shapes, vec![vec![ring(square(0, 0, 10))]]);
        let valid = vec![
            vec![ring(square(0, 0, 100)), hole(10, 80)],
            vec![ring(square(20, 20, 60)), hole(40, 20)],
        ];
        let mut shapes = valid.clone();
        rehome_holes(&mut shapes);
        assert_eq!(shapes, valid);
    }

    #[test]
    fn a_point_is_inside_outside_or_on_a_ring() {
        let ring: Vec<(i64, i64)> = vec![(0, 0), (10, 0), (10, 10), (0, 10)];
        assert_eq!(locate((5, 5), &ring), Place::Inside);
        assert_eq!(locate((15, 5), &ring), Place::Outside);
        assert_eq!(locate((-1, 0), &ring), Place::Outside);
        assert_eq!(locate((10, 5), &ring), Place::OnEdge);
        assert_eq!(locate((0, 0), &ring), Place::OnEdge);
        // Level with a vertex, either side of it.
        let diamond: Vec<(i64, i64)> = vec![(5, 0), (10, 5), (5, 10), (0, 5)];
        assert_eq!(locate((2, 5), &diamond), Place::Inside);
        assert_eq!(locate((-2, 5), &diamond), Place::Outside);
        assert_eq!(locate((12, 5), &diamond), Place::Outside);
        // A hole touching the exterior at its vertices is told by its edges' midpoints.
        let square = int_contour(&square(0, 0, 10));
        let touching = int_contour(&[(0, 0), (5, 5), (10, 0)]);
        assert_eq!(holds(&square, &touching), Some(true));
        let outside = int_contour(&[(0, 0), (10, 0), (5, -5)]);
        assert_eq!(holds(&square, &outside), Some(false));
    }

    #[test]
    fn rings_of_no_area_are_dropped() {
        assert!(clean(&[vec![vec![(0, 0), (10, 0), (20, 0)]]]).is_empty());
    }
}
