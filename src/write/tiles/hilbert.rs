//! PMTiles v3 tile ids: z/x/y ↔ a position on the Hilbert curve of each zoom.
//!
//! The id of a tile is the number of tiles on all lower zooms, `(4^z − 1) / 3`, plus the
//! tile's distance along the zoom's Hilbert curve. Sorting by id therefore sorts by zoom,
//! then by Hilbert order, which keeps neighbouring tiles near each other in the archive.

/// The number of tiles on zooms below `z`: `(4^z − 1) / 3`.
fn base(z: u8) -> u64 {
    ((1u64 << (2 * u32::from(z))) - 1) / 3
}

/// Reflect and swap a quadrant so that the curve's sub-squares line up (the classic
/// `rot` step of Hilbert's construction).
fn rotate(n: u64, x: &mut u64, y: &mut u64, rx: u64, ry: u64) {
    if ry == 0 {
        if rx == 1 {
            *x = n - 1 - *x;
            *y = n - 1 - *y;
        }
        std::mem::swap(x, y);
    }
}

/// The PMTiles tile id of `z/x/y`. `z` must be at most 31 and `x`, `y` below `2^z`
/// (callers only pass tiles they computed from the zoom's grid).
pub fn tile_id(z: u8, x: u32, y: u32) -> u64 {
    let n = 1u64 << z;
    let (mut x, mut y) = (u64::from(x), u64::from(y));
    let mut d = 0u64;
    let mut s = n / 2;
    while s > 0 {
        let rx = u64::from(x & s > 0);
        let ry = u64::from(y & s > 0);
        d += s * s * ((3 * rx) ^ ry);
        rotate(n, &mut x, &mut y, rx, ry);
        s /= 2;
    }
    base(z) + d
}

/// The id of the tile at zoom `z` (at most `zoom`) that holds the tile `id` of zoom
/// `zoom`: the curve nests, so a tile's descendants are one run of the finer curve and its
/// position is the finer position with the last `2 (zoom - z)` bits dropped.
pub fn ancestor(id: u64, zoom: u8, z: u8) -> u64 {
    let z = z.min(zoom);
    let d = id.saturating_sub(base(zoom));
    base(z) + (d >> (2 * u32::from(zoom - z)))
}

/// The `z/x/y` of a PMTiles tile id (the inverse of [`tile_id`]).
pub fn zxy(id: u64) -> (u8, u32, u32) {
    let mut z = 0u8;
    while z < 31 && base(z + 1) <= id {
        z += 1;
    }
    let n = 1u64 << z;
    let mut t = id - base(z);
    let (mut x, mut y) = (0u64, 0u64);
    let mut s = 1u64;
    while s < n {
        let rx = 1 & (t / 2);
        let ry = 1 & (t ^ rx);
        rotate(s, &mut x, &mut y, rx, ry);
        x += s * rx;
        y += s * ry;
        t /= 4;
        s *= 2;
    }
    // x, y < 2^z ≤ 2^31 by construction.
    (
        z,
        u32::try_from(x).unwrap_or(u32::MAX),
        u32::try_from(y).unwrap_or(u32::MAX),
    )
}

#[cfg(test)]
#[allow(clippy::cast_possible_truncation)]
mod tests {
    use super::*;

    #[test]
    fn spec_test_vectors() {
        // PMTiles v3 spec and the anchors' rule 20.
        assert_eq!(tile_id(0, 0, 0), 0);
        assert_eq!(tile_id(1, 0, 0), 1);
        assert_eq!(tile_id(1, 0, 1), 2);
        assert_eq!(tile_id(1, 1, 1), 3);
        assert_eq!(tile_id(1, 1, 0), 4);
        assert_eq!(tile_id(2, 0, 0), 5);
        assert_eq!(tile_id(12, 3423, 1763), 19_078_479);
    }

    #[test]
    fn round_trips_every_tile_to_zoom_6_and_samples_beyond() {
        let mut seen = Vec::new();
        for z in 0..=6u8 {
            for x in 0..(1u32 << z) {
                for y in 0..(1u32 << z) {
                    let id = tile_id(z, x, y);
                    assert_eq!(zxy(id), (z, x, y));
                    seen.push(id);
                }
            }
        }
        seen.sort_unstable();
        let expected: Vec<u64> = (0..base(7)).collect();
        assert_eq!(seen, expected, "ids are dense and unique");
        for (z, x, y) in [
            (14u8, 11_000u32, 6_000u32),
            (20, 700_000, 400_000),
            (12, 3423, 1763),
        ] {
            assert_eq!(zxy(tile_id(z, x, y)), (z, x, y));
        }
    }

    proptest::proptest! {
        #[test]
        fn tile_ids_round_trip(z in 0u8..=24, fx in 0.0f64..1.0, fy in 0.0f64..1.0) {
            let n = f64::from(1u32 << z);
            let (x, y) = ((fx * n) as u32, (fy * n) as u32);
            let id = tile_id(z, x, y);
            proptest::prop_assert_eq!(zxy(id), (z, x, y));
            proptest::prop_assert!(id >= base(z) && id < base(z + 1));
        }

        #[test]
        fn ancestors_are_the_tiles_that_hold_a_tile(zoom in 0u8..=20, up in 0u8..=20, fx in 0.0f64..1.0, fy in 0.0f64..1.0) {
            let n = f64::from(1u32 << zoom);
            let (x, y) = ((fx * n) as u32, (fy * n) as u32);
            let z = zoom.saturating_sub(up);
            let shift = zoom - z;
            proptest::prop_assert_eq!(ancestor(tile_id(zoom, x, y), zoom, z), tile_id(z, x >> shift, y >> shift));
        }
    }
}
