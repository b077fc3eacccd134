//! How many tiles the lines and polygons of the layers reach at a zoom, known before any is
//! cut, so a zoom they would fill memory at is refused up front with the zoom that fits.
//!
//! A zoom's cut holds every piece of a line or polygon until the last tile it reaches is
//! finished, and one entry for each tile a feature reaches besides its own. A polygon over
//! the whole world is 16.8 million pieces at zoom 12 (about 7 GB: probe, session 44, which
//! ended in an allocation failure), where points cost the same at every zoom. The reach of
//! a polygon is the tiles of its box, `(w·2^z + 2)(h·2^z + 2)` for a box `w` by `h` in
//! world units (the 2s: the tiles its buffer reaches); of a line, the tiles its segments
//! cross and the buffers it passes through, `2·Σ(|dx| + |dy|)·2^z + 1`. Points and multipoints reach at most four tiles each.

use super::clip::Pt;
use super::prepare::Geom;

/// Most tiles one line or polygon may reach at a zoom: its pieces are held together (about
/// 500 bytes each, so about 0.5 GiB).
pub(super) const MAX_FEATURE_REACH: f64 = (1u64 << 20) as f64;

/// Most tiles the lines and polygons of all layers may reach together at a zoom, besides
/// their own (an entry of about 32 bytes each, 256 MiB).
pub(super) const MAX_TOTAL_REACH: f64 = (1u64 << 23) as f64;

/// The terms of a reach: `area·4^z + length·2^z + parts` tiles at zoom `z`.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub(super) struct Terms {
    area: f64,
    length: f64,
    parts: f64,
}

impl Terms {
    /// The reach of `geom`; nothing for points.
    pub(super) fn of(geom: &Geom) -> Terms {
        let mut t = Terms::default();
        match geom {
            Geom::Point(_) | Geom::MultiPoint(_) => {}
            Geom::Lines(lines) => {
                for line in lines {
                    // Twice: a line near a tile's edge is in its neighbour's buffer too.
                    t.length += 2.0
                        * line
                            .windows(2)
                            .map(|w| (w[1].0 - w[0].0).abs() + (w[1].1 - w[0].1).abs())
                            .sum::<f64>();
                    t.parts += 1.0;
                }
            }
            Geom::Polygons(polys) => {
                for exterior in polys.iter().filter_map(|p| p.first()) {
                    let (w, h) = extent(exterior);
                    t.area += w * h;
                    t.length += 2.0 * (w + h);
                    t.parts += 4.0;
                }
            }
        }
        t
    }

    /// Tiles reached at `zoom`.
    pub(super) fn at(&self, zoom: u8) -> f64 {
        let side = f64::from(1u32 << zoom.min(31));
        self.area * side * side + self.length * side + self.parts
    }

    fn add(&mut self, other: Terms) {
        self.area += other.area;
        self.length += other.length;
        self.parts += other.parts;
    }
}

fn extent(ring: &[Pt]) -> (f64, f64) {
    let mut min = (f64::INFINITY, f64::INFINITY);
    let mut max = (f64::NEG_INFINITY, f64::NEG_INFINITY);
    for &(x, y) in ring {
        min = (min.0.min(x), min.1.min(y));
        max = (max.0.max(x), max.1.max(y));
    }
    if min.0 > max.0 {
        return (0.0, 0.0);
    }
    (max.0 - min.0, max.1 - min.1)
}

/// The feature of a layer that reaches most, for the refusal to name.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Widest {
    pub(super) terms: Terms,
    /// Its line in its source, when known.
    pub(super) line: Option<usize>,
    pub(super) id: String,
    /// "polygon" or "line".
    pub(super) kind: &'static str,
}

/// The reach of a layer's (or every layer's) lines and polygons.
#[derive(Debug, Default, Clone, PartialEq)]
pub(super) struct Reach {
    total: Terms,
    /// The features that reach most as the zoom grows: by area (the polygon with the
    /// largest box) and by length (the longest line or box outline), with their files. At
    /// a given zoom the widest is one of the two (review, session 44: one chosen at zoom
    /// 16 could fit at zoom 12 where a long line did not).
    widest: [Option<(Widest, std::path::PathBuf)>; 2],
}

/// Which of two reaches grows more: by area, then by length.
fn wider(a: &Terms, b: &Terms, by_area: bool) -> bool {
    if by_area {
        (a.area, a.length) > (b.area, b.length)
    } else {
        (a.length, a.area) > (b.length, b.area)
    }
}

impl Reach {
    /// Count feature `id` (at `line`) of the file `source`, of geometry `geom`.
    pub(super) fn add(
        &mut self,
        geom: &Geom,
        line: Option<usize>,
        id: &str,
        source: impl Fn() -> std::path::PathBuf,
    ) {
        let kind = match geom {
            Geom::Lines(_) => "line",
            Geom::Polygons(_) => "polygon",
            Geom::Point(_) | Geom::MultiPoint(_) => return,
        };
        let terms = Terms::of(geom);
        self.total.add(terms);
        for (k, slot) in self.widest.iter_mut().enumerate() {
            if slot
                .as_ref()
                .is_none_or(|(w, _)| wider(&terms, &w.terms, k == 0))
            {
                let widest = Widest {
                    terms,
                    line,
                    id: id.to_owned(),
                    kind,
                };
                *slot = Some((widest, source()));
            }
        }
    }

    /// Take in the reach of another layer.
    pub(super) fn merge(&mut self, other: Reach) {
        self.total.add(other.total);
        for (k, theirs) in other.widest.into_iter().enumerate() {
            let Some((w, path)) = theirs else { continue };
            let slot = &mut self.widest[k];
            if slot
                .as_ref()
                .is_none_or(|(mine, _)| wider(&w.terms, &mine.terms, k == 0))
            {
                *slot = Some((w, path));
            }
        }
    }

    /// The feature that reaches most at `zoom`.
    fn widest_at(&self, zoom: u8) -> Option<&(Widest, std::path::PathBuf)> {
        self.widest
            .iter()
            .flatten()
            .max_by(|a, b| a.0.terms.at(zoom).total_cmp(&b.0.terms.at(zoom)))
    }

    /// Refuse `max_zoom` when a feature, or the features together, reach more tiles there
    /// than a zoom's cut holds: the message names the widest feature and the highest zoom
    /// that fits.
    pub(super) fn check(&self, min_zoom: u8, max_zoom: u8) -> std::result::Result<(), String> {
        let fits = |z: u8| {
            self.widest_at(z)
                .is_none_or(|(w, _)| w.terms.at(z) <= MAX_FEATURE_REACH)
                && self.total.at(z) <= MAX_TOTAL_REACH
        };
        if fits(max_zoom) {
            return Ok(());
        }
        let Some((widest, path)) = self.widest_at(max_zoom) else {
            return Ok(());
        };
        let place = match widest.line {
            Some(line) => format!("{}:{line}", path.display()),
            None => path.display().to_string(),
        };
        // A feature without an id is numbered after a space (`tiles::input`).
        let name = match widest.id.strip_prefix(' ') {
            Some(n) => format!("the {} of feature {n} (no id)", widest.kind),
            None => format!("{} {:?}", widest.kind, widest.id),
        };
        let one = widest.terms.at(max_zoom) > MAX_FEATURE_REACH;
        let what = if one {
            format!(
                "{name} reaches about {:.0} tiles at zoom {max_zoom}, more than the {:.0} one \
                 line or polygon may reach at a zoom (its pieces are held together, about 500 \
                 bytes each)",
                widest.terms.at(max_zoom),
                MAX_FEATURE_REACH
            )
        } else {
            format!(
                "the lines and polygons reach about {:.0} tiles together at zoom {max_zoom} \
                 ({name} the most), more than the {:.0} a zoom may hold",
                self.total.at(max_zoom),
                MAX_TOTAL_REACH
            )
        };
        let advice = match (0..max_zoom).rev().find(|&z| fits(z)) {
            Some(z) if z >= min_zoom => format!("lower --max-zoom to {z}"),
            Some(z) => format!("lower --min-zoom and --max-zoom to {z}"),
            None if one => "split it into smaller features".to_owned(),
            None => "tile fewer lines and polygons in one archive".to_owned(),
        };
        Err(format!("{place}: {what}: {advice}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::write::tiles::mercator::world;

    fn square(lon: f64, lat: f64, side: f64) -> Geom {
        rect(lon, lat, side, side)
    }

    fn rect(lon: f64, lat: f64, w: f64, h: f64) -> Geom {
        let ring = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)]
            .iter()
            .map(|&(dx, dy)| world(lon + dx, lat + dy))
            .collect();
        Geom::Polygons(vec![vec![ring]])
    }

    fn reach(geoms: &[Geom]) -> Reach {
        let mut r = Reach::default();
        for (i, g) in geoms.iter().enumerate() {
            r.add(g, Some(i + 2), &format!("f{i}"), || "in.geojson".into());
        }
        r
    }

    /// A polygon's reach is the tiles of its box, never fewer: counted against a cut.
    #[test]
    fn a_polygon_reaches_at_least_the_tiles_of_its_box() {
        // 10 degrees of longitude is 1/36 of the world: 1/36 · 2^z tiles wide.
        let g = square(60.0, 0.0, 10.0);
        let t = Terms::of(&g);
        for z in [0u8, 4, 8, 12] {
            let side = f64::from(1u32 << z) / 36.0;
            assert!(t.at(z) >= side * side, "zoom {z}: {}", t.at(z));
            // Mercator stretches the box's height a little at these latitudes.
            assert!(t.at(z) <= (side + 2.0) * (side * 1.02 + 2.0), "zoom {z}");
        }
        assert_eq!(Terms::of(&Geom::Point((0.5, 0.5))), Terms::default());
    }

    /// Probe, session 44: a polygon over the world at zoom 12 was cut into 16.8 million
    /// pieces held at once (7 GB) until an allocation failed. It is refused up front, named
    /// with its line, with the zoom that fits.
    #[test]
    fn a_polygon_over_the_world_is_refused_at_a_zoom_too_deep_with_the_one_that_fits() {
        // The probe's polygon: 340 by 160 degrees.
        let r = reach(&[rect(-170.0, -80.0, 340.0, 160.0), square(60.0, 30.0, 1.0)]);
        assert_eq!(r.check(0, 10), Ok(()));
        let err = r.check(0, 12).unwrap_err();
        assert!(
            err.starts_with("in.geojson:2: polygon \"f0\" reaches about "),
            "{err}"
        );
        assert!(err.ends_with("lower --max-zoom to 10"), "{err}");
        // No zoom from --min-zoom up fits.
        let err = r.check(11, 12).unwrap_err();
        assert!(
            err.ends_with("lower --min-zoom and --max-zoom to 10"),
            "{err}"
        );
        // Points reach nothing that grows.
        assert_eq!(reach(&[Geom::Point((0.5, 0.5))]).check(0, 16), Ok(()));
    }

    /// Review, session 44: the widest feature was chosen at zoom 16, where a polygon's box
    /// outgrows a line; at zoom 12 a long line reaching more tiles than the polygon was
    /// let through. The widest at the zoom checked is named.
    #[test]
    fn the_feature_that_reaches_most_at_the_zoom_checked_is_named() {
        // A line up and down the world 300 times, and a polygon of a degree.
        let zigzag: Vec<Pt> = (0..600)
            .map(|i| {
                world(
                    -170.0 + f64::from(i) * 0.5,
                    if i % 2 == 0 { -80.0 } else { 80.0 },
                )
            })
            .collect();
        let line = Geom::Lines(vec![zigzag]);
        let mut r = Reach::default();
        r.add(&line, Some(2), "zigzag", || "a.geojson".into());
        r.add(&square(60.0, 30.0, 20.0), Some(3), "box", || {
            "b.geojson".into()
        });
        let err = r.check(0, 12).unwrap_err();
        assert!(
            err.starts_with("a.geojson:2: line \"zigzag\" reaches about "),
            "{err}"
        );
        let mut r2 = Reach::default();
        r2.add(&square(60.0, 30.0, 20.0), Some(3), "box", || {
            "b.geojson".into()
        });
        r2.merge(r);
        assert!(r2
            .check(0, 12)
            .unwrap_err()
            .starts_with("a.geojson:2: line"));
    }

    /// Many polygons that each fit may not fit together.
    #[test]
    fn polygons_that_fit_alone_are_refused_together() {
        let many: Vec<Geom> = (0..100).map(|_| square(-170.0, -80.0, 160.0)).collect();
        let r = reach(&many);
        assert_eq!(reach(&many[..1]).check(0, 9), Ok(()));
        let err = r.check(0, 9).unwrap_err();
        assert!(err.contains("reach about"), "{err}");
        assert!(err.contains("together at zoom 9"), "{err}");
    }
}
