//! Web Mercator (EPSG:3857) projection of WGS 84 lon/lat into tile space.
//!
//! Coordinates are first projected to the unit square ("world" coordinates, x east and y
//! south, both in `[0, 1]`), then scaled to a zoom's pixel grid of `2^z × extent` units.
//! Latitudes beyond ±85.0511° (the square's edge) are clamped; longitudes are clamped to
//! ±180°. Everything here is plain `f64` arithmetic, so results are identical on every run.

/// The largest latitude Web Mercator shows (the square's edge), in degrees.
pub const MAX_LAT: f64 = 85.051_128_779_806_59;

/// Project lon/lat (degrees) to world coordinates in `[0, 1]`, x east, y south.
pub fn world(lon: f64, lat: f64) -> (f64, f64) {
    let lon = lon.clamp(-180.0, 180.0);
    let lat = lat.clamp(-MAX_LAT, MAX_LAT);
    let x = (lon + 180.0) / 360.0;
    let s = lat.to_radians().sin();
    let y = 0.5 - ((1.0 + s) / (1.0 - s)).ln() / (4.0 * std::f64::consts::PI);
    (x, y.clamp(0.0, 1.0))
}

/// Inverse of [`world`]: world coordinates back to lon/lat degrees.
pub fn lon_lat(x: f64, y: f64) -> (f64, f64) {
    let lon = x * 360.0 - 180.0;
    let n = std::f64::consts::PI * (1.0 - 2.0 * y);
    let lat = n.sinh().atan().to_degrees();
    (lon, lat)
}

/// The size of the whole world in pixel units at `zoom`: `2^zoom × extent`.
pub fn world_size(zoom: u8, extent: u32) -> f64 {
    f64::from(extent) * f64::from(1u32 << zoom.min(30))
}

/// A world coordinate as an integer pixel at `zoom` (rounded to the nearest unit and kept
/// inside the world, so the far edge belongs to the last tile).
pub fn pixel(w: f64, zoom: u8, extent: u32) -> i64 {
    let size = world_size(zoom, extent);
    let max = size - 1.0;
    // The clamp keeps the value within [0, 2^46], so the cast is exact.
    #[allow(clippy::cast_possible_truncation)]
    let p = (w * size).round().clamp(0.0, max) as i64;
    p
}

#[cfg(test)]
#[allow(clippy::cast_possible_truncation)]
mod tests {
    use super::*;

    /// Termez, Uzbekistan (37.22417 N, 67.27833 E), by hand: x = (67.27833 + 180) / 360 =
    /// 0.68688425; y = 1/2 − ln((1 + sin φ) / (1 − sin φ)) / 4π = 0.388449219.
    /// At zoom z the pixel is (x, y) · 2^z · 4096, the tile its quotient by 4096.
    #[test]
    fn termez_lands_in_the_right_tile_and_pixel() {
        let (x, y) = world(67.27833, 37.22417);
        assert!((x - 0.686_884_25).abs() < 1e-9);
        assert!((y - 0.388_449_218_6).abs() < 1e-9);
        // (zoom, tile x, tile y, pixel x within tile, pixel y within tile)
        let expected = [
            (0u8, 0, 0, 2813, 1591),
            (6, 43, 24, 3935, 3526),
            (12, 2813, 1591, 1957, 360),
        ];
        for (z, tx, ty, px, py) in expected {
            let gx = pixel(x, z, 4096);
            let gy = pixel(y, z, 4096);
            assert_eq!((gx / 4096, gy / 4096), (tx, ty), "tile at z{z}");
            assert_eq!((gx % 4096, gy % 4096), (px, py), "pixel at z{z}");
        }
    }

    #[test]
    fn mercator_y_is_not_linear_latitude() {
        // 60 N is at y = 0.2904, not at the linear 0.1667 (tylertoo PR#171's bug).
        let (_, y) = world(0.0, 60.0);
        assert!((y - 0.290_399_6).abs() < 1e-6, "{y}");
    }

    #[test]
    fn edges_and_round_trip() {
        assert_eq!(world(-180.0, MAX_LAT), (0.0, 0.0));
        let (x, y) = world(180.0, -90.0);
        assert_eq!(x, 1.0);
        assert!((y - 1.0).abs() < 1e-12);
        assert_eq!(pixel(1.0, 0, 4096), 4095);
        let (lon, lat) = lon_lat(0.686_884_25, 0.388_449_218_579_636_3);
        assert!((lon - 67.27833).abs() < 1e-9 && (lat - 37.22417).abs() < 1e-9);
    }
}
