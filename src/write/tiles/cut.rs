//! Cutting one feature at one zoom: its `(tile, layer, feature)` entries with their
//! geometry in tile coordinates. Points go to every tile whose buffered square holds them; lines and
//! polygons are clipped to the buffered square and quantised to the tile grid.

use std::collections::BTreeMap;

use super::clip::{self, Pt, TileParts};
use super::hilbert::tile_id;
use super::mercator::{pixel, world_size};
use super::mvt::{GeomType, GeometryEncoder};
use super::prepare::Geom;
use super::simplify;
use super::valid::{Cleaner, Rings};

/// One feature's geometry in one tile.
#[derive(Debug, Clone, Copy)]
pub(super) enum TileGeom {
    Point(i32, i32),
    Pool {
        start: u32,
        len: u32,
        kind: GeomType,
    },
}

#[derive(Debug, Clone, Copy)]
pub(super) struct TileEntry {
    pub(super) tile: u64,
    pub(super) layer: u32,
    pub(super) feature: u32,
    pub(super) geom: TileGeom,
}

pub(super) struct Grid {
    pub(super) zoom: u8,
    pub(super) extent: i64,
    pub(super) buffer: i64,
    pub(super) tiles: i64,
    /// Line simplification tolerance at this zoom, in tile units (0: keep every vertex).
    pub(super) simplify: f64,
    /// Whether a line or polygon that quantises to nothing is kept as the least shape of
    /// its kind ([`least_shape`]): from the base zoom up, where nothing is generalised
    /// away.
    pub(super) keep_tiny: bool,
}

impl Grid {
    /// Tile range (inclusive) whose buffered squares hold global pixel `g`.
    pub(super) fn range(&self, g: i64) -> (i64, i64) {
        let lo = (g - self.buffer)
            .div_euclid(self.extent)
            .clamp(0, self.tiles - 1);
        let hi = (g + self.buffer)
            .div_euclid(self.extent)
            .clamp(0, self.tiles - 1);
        (lo, hi)
    }

    /// Call `f(tx, ty, local)` for every tile whose buffered square holds the world point
    /// `(wx, wy)`, columns then rows, with the point in that tile's own pixels.
    fn each_tile(&self, (wx, wy): (f64, f64), mut f: impl FnMut(u32, u32, (i32, i32))) {
        let extent = u32_of(self.extent);
        let gx = pixel(wx, self.zoom, extent);
        let gy = pixel(wy, self.zoom, extent);
        let (x0, x1) = self.range(gx);
        let (y0, y1) = self.range(gy);
        for tx in x0..=x1 {
            for ty in y0..=y1 {
                f(
                    u32_of(tx),
                    u32_of(ty),
                    (i32_of(gx - tx * self.extent), i32_of(gy - ty * self.extent)),
                );
            }
        }
    }
}

pub(super) fn u32_of(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

pub(super) fn i32_of(v: i64) -> i32 {
    i32::try_from(v).unwrap_or(if v < 0 { i32::MIN } else { i32::MAX })
}

pub(super) fn pool_push(pool: &mut Vec<u32>, cmds: &[u32], kind: GeomType) -> TileGeom {
    let start = u32::try_from(pool.len()).unwrap_or(u32::MAX);
    pool.extend_from_slice(cmds);
    TileGeom::Pool {
        start,
        len: u32::try_from(cmds.len()).unwrap_or(0),
        kind,
    }
}

/// Reused buffers of [`cut_feature`].
#[derive(Default)]
pub(super) struct CutScratch {
    enc: GeometryEncoder,
    q: Vec<(i32, i32)>,
    cleaner: Cleaner,
}

/// Append an entry for every tile of `grid` that feature `fi` of layer `li` reaches, with
/// its geometry in that tile's coordinates (commands of lines, polygons and multipoints in
/// `pool`).
pub(super) fn cut_feature(
    li: u32,
    fi: u32,
    geom: &Geom,
    grid: &Grid,
    pool: &mut Vec<u32>,
    entries: &mut Vec<TileEntry>,
    scratch: &mut CutScratch,
) {
    let size = world_size(grid.zoom, 1) * grid.extent as f64;
    let extent_f = grid.extent as f64;
    let buffer_f = grid.buffer as f64;
    let tiles_u = u32_of(grid.tiles);
    let CutScratch { enc, q, cleaner } = scratch;
    // The feature in tile `(tx, ty)` of this zoom, drawn as `geom`.
    let entry = |(tx, ty): (u32, u32), geom: TileGeom| TileEntry {
        tile: tile_id(grid.zoom, tx, ty),
        layer: li,
        feature: fi,
        geom,
    };
    match geom {
        Geom::Point(w) => {
            grid.each_tile(*w, |tx, ty, (x, y)| {
                entries.push(entry((tx, ty), TileGeom::Point(x, y)));
            });
        }
        Geom::MultiPoint(pts) => {
            let mut per_tile: BTreeMap<(u32, u32), Vec<(i32, i32)>> = BTreeMap::new();
            for w in pts {
                grid.each_tile(*w, |tx, ty, local| {
                    per_tile.entry((tx, ty)).or_default().push(local);
                });
            }
            for (tile, pts) in per_tile {
                *enc = GeometryEncoder::with_buffer(std::mem::take(&mut enc.commands));
                enc.points(&pts);
                entries.push(entry(tile, pool_push(pool, &enc.commands, GeomType::Point)));
            }
        }
        Geom::Lines(lines) => {
            let before = entries.len();
            let mut parts = TileParts::new();
            for line in lines {
                let global = simplify::in_pixels(line, size, grid.simplify);
                clip::clip_line(&global, extent_f, buffer_f, tiles_u, &mut parts);
            }
            for ((tx, ty), tile_parts) in parts {
                *enc = GeometryEncoder::with_buffer(std::mem::take(&mut enc.commands));
                for part in &tile_parts {
                    clip::quantise(part, tx, ty, extent_f, q);
                    if q.len() >= 2 {
                        enc.line(q);
                    }
                }
                if enc.commands.is_empty() {
                    continue;
                }
                let geom = pool_push(pool, &enc.commands, GeomType::LineString);
                entries.push(entry((tx, ty), geom));
            }
            let first = lines.iter().flatten().next();
            if let Some(&w) = first.filter(|_| grid.keep_tiny && entries.len() == before) {
                let (tile, geom) = least_shape(grid, w, GeomType::LineString, enc, pool);
                entries.push(entry(tile, geom));
            }
        }
        Geom::Polygons(polys) => {
            let mut per_tile: BTreeMap<(u32, u32), Vec<Rings>> = BTreeMap::new();
            for poly in polys {
                cut_polygon(poly, size, grid, &mut per_tile, q);
            }
            let before = entries.len();
            for (tile, polygons) in per_tile {
                // One encoder for every polygon of the feature in the tile: the cursor
                // carries from one polygon's rings to the next's (MVT 2.1 §4.3).
                *enc = GeometryEncoder::with_buffer(std::mem::take(&mut enc.commands));
                cleaner.polygons(&polygons, |ring| enc.ring(ring));
                if !enc.commands.is_empty() {
                    let geom = pool_push(pool, &enc.commands, GeomType::Polygon);
                    entries.push(entry(tile, geom));
                }
            }
            let first = polys.iter().flatten().flatten().next();
            if let Some(&w) = first.filter(|_| grid.keep_tiny && entries.len() == before) {
                let (tile, geom) = least_shape(grid, w, GeomType::Polygon, enc, pool);
                entries.push(entry(tile, geom));
            }
        }
    }
}

/// The least shape of a line or polygon that quantises to nothing at this zoom (smaller
/// than a tile unit: a 1 m square, a degenerate line), at its first vertex `w`: a line one
/// unit long, or a square ring of one unit (positive area: an exterior), in the tile that
/// holds the vertex; its commands go to `pool`. So a feature the run counts as tiled is
/// drawn from the base zoom up, as tippecanoe keeps a tiny polygon as a pixel-sized square
/// (probe 7 L6).
fn least_shape(
    grid: &Grid,
    (wx, wy): Pt,
    kind: GeomType,
    enc: &mut GeometryEncoder,
    pool: &mut Vec<u32>,
) -> ((u32, u32), TileGeom) {
    let extent = u32_of(grid.extent);
    let at = |w: f64| {
        let g = pixel(w, grid.zoom, extent);
        let t = g.div_euclid(grid.extent).clamp(0, grid.tiles - 1);
        // Within the tile, with room for the one unit (the world's last pixel is clamped).
        (
            u32_of(t),
            i32_of((g - t * grid.extent).min(grid.extent - 1)),
        )
    };
    let ((tx, x), (ty, y)) = (at(wx), at(wy));
    *enc = GeometryEncoder::with_buffer(std::mem::take(&mut enc.commands));
    if kind == GeomType::Polygon {
        // Clockwise on screen (y down): positive area, as exteriors are written.
        enc.ring(&[(x, y), (x + 1, y), (x + 1, y + 1), (x, y + 1)]);
    } else {
        enc.line(&[(x, y), (x + 1, y)]);
    }
    ((tx, ty), pool_push(pool, &enc.commands, kind))
}

/// Clip one polygon (exterior then holes, world coordinates) into every tile its exterior
/// reaches, appending its rings in that tile's coordinates to the tile's polygons (made
/// valid and oriented by [`Cleaner::polygons`]). Rings that collapse to fewer than three
/// points or onto one line are dropped ([`clip::no_area`]; a figure eight, of no signed
/// area, is kept for the cleaner to split), and a polygon whose exterior collapses is
/// dropped in that tile (and a tile with no polygon has no entry).
pub(super) fn cut_polygon(
    poly: &[Vec<Pt>],
    size: f64,
    grid: &Grid,
    per_tile: &mut BTreeMap<(u32, u32), Vec<Rings>>,
    q: &mut Vec<(i32, i32)>,
) {
    let rings: Vec<Vec<Pt>> = poly
        .iter()
        .map(|r| r.iter().map(|&(x, y)| (x * size, y * size)).collect())
        .collect();
    let Some(exterior) = rings.first() else {
        return;
    };
    let mut min = (f64::INFINITY, f64::INFINITY);
    let mut max = (f64::NEG_INFINITY, f64::NEG_INFINITY);
    for &(x, y) in exterior {
        min = (min.0.min(x), min.1.min(y));
        max = (max.0.max(x), max.1.max(y));
    }
    let extent = grid.extent as f64;
    let buffer = grid.buffer as f64;
    let ((x0, x1), (y0, y1)) = clip::tile_range(min, max, extent, buffer, u32_of(grid.tiles));
    for tx in x0..=x1 {
        for ty in y0..=y1 {
            let rect = clip::tile_rect(tx, ty, extent, buffer);
            let mut polygon: Rings = Vec::new();
            for (i, ring) in rings.iter().enumerate() {
                let clipped = clip::clip_ring(ring, &rect);
                clip::quantise(&clipped, tx, ty, extent, q);
                while q.len() > 1 && q.first() == q.last() {
                    q.pop();
                }
                if q.len() < 3 || clip::no_area(q) {
                    if i == 0 {
                        break;
                    }
                    continue;
                }
                polygon.push(q.clone());
            }
            if !polygon.is_empty() {
                per_tile.entry((tx, ty)).or_default().push(polygon);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::write::tiles::mercator::world;

    fn cut(geom: &Geom, keep_tiny: bool) -> Vec<(u64, Vec<u32>)> {
        let grid = Grid {
            zoom: 10,
            extent: 4096,
            buffer: 64,
            tiles: 1 << 10,
            simplify: 0.0,
            keep_tiny,
        };
        let (mut pool, mut entries) = (Vec::new(), Vec::new());
        cut_feature(
            0,
            0,
            geom,
            &grid,
            &mut pool,
            &mut entries,
            &mut CutScratch::default(),
        );
        entries
            .iter()
            .map(|e| match e.geom {
                TileGeom::Pool { start, len, .. } => (
                    e.tile,
                    pool[start as usize..(start + len) as usize].to_vec(),
                ),
                TileGeom::Point(..) => (e.tile, Vec::new()),
            })
            .collect()
    }

    /// Probe (session 24): each polygon of a MultiPolygon after the first was encoded
    /// from a cursor at (0, 0), not where the one before ended (MVT 2.1 §4.3), so it was
    /// drawn off by that much (out of the tile). A feature's polygons in one tile decode to
    /// the rings each gives alone, in order, holes included.
    #[test]
    fn the_polygons_of_a_multipolygon_decode_where_each_lies_alone() {
        let square = |lon: f64, lat: f64, side: f64| -> Vec<Pt> {
            [(0.0, 0.0), (side, 0.0), (side, side), (0.0, side)]
                .iter()
                .map(|&(dx, dy)| world(lon + dx, lat + dy))
                .collect()
        };
        // All in tile 707/393 at zoom 10, clear of its buffer's edge.
        let with_hole = vec![square(68.70, 38.38, 0.05), square(68.71, 38.39, 0.01)];
        let polys = vec![
            vec![square(68.60, 38.30, 0.03)],
            with_hole,
            vec![square(68.80, 38.45, 0.03)],
        ];
        let alone: Vec<Vec<(i32, i32)>> = polys
            .iter()
            .flat_map(|p| {
                let cut = cut(&Geom::Polygons(vec![p.clone()]), false);
                assert_eq!(cut.len(), 1, "one tile");
                crate::write::tiles::mvt::tests::decode(&cut[0].1)
            })
            .collect();
        assert_eq!(alone.len(), 4);
        let together = cut(&Geom::Polygons(polys), false);
        assert_eq!(together.len(), 1);
        assert_eq!(
            crate::write::tiles::mvt::tests::decode(&together[0].1),
            alone
        );
    }

    /// Probe 7 L6: a 1 m square and a 1.4 m line quantise to nothing at zoom 10 and were
    /// in no tile. From the base zoom up they are the least shape of their kind, at their
    /// first vertex; below it (`keep_tiny` false) they may vanish as before.
    #[test]
    fn a_shape_smaller_than_a_unit_is_kept_as_one_unit_at_its_first_vertex() {
        let (x, y) = world(68.8, 38.5);
        let (x2, y2) = world(68.80001, 38.50001);
        let square = Geom::Polygons(vec![vec![vec![(x, y), (x2, y), (x2, y2), (x, y2)]]]);
        let line = Geom::Lines(vec![vec![(x, y), (x2, y2)]]);
        let degenerate = Geom::Lines(vec![vec![(x, y), (x, y)]]);
        for geom in [&square, &line, &degenerate] {
            assert_eq!(cut(geom, false), []);
            let kept = cut(geom, true);
            assert_eq!(kept.len(), 1);
            let (tile, cmds) = &kept[0];
            let gx = pixel(x, 10, 4096);
            let gy = pixel(y, 10, 4096);
            assert_eq!(*tile, tile_id(10, u32_of(gx / 4096), u32_of(gy / 4096)));
            let (lx, ly) = (i32_of(gx % 4096), i32_of(gy % 4096));
            let decoded = crate::write::tiles::mvt::tests::decode(cmds);
            if matches!(geom, Geom::Polygons(_)) {
                let ring = vec![(lx, ly), (lx + 1, ly), (lx + 1, ly + 1), (lx, ly + 1)];
                assert!(clip::area2(&ring) > 0, "an exterior");
                assert_eq!(decoded, [ring]);
            } else {
                assert_eq!(decoded, [vec![(lx, ly), (lx + 1, ly)]]);
            }
        }
    }
}
