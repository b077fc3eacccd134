//! The preview page and the JavaScript it loads, embedded in the binary.
//!
//! `preview/index.html`, `app.js` and `style.css` are the page; `preview/vendor/` holds
//! MapLibre GL JS, the PMTiles protocol and topojson-client as published on npm, copied there
//! by `scripts/vendor-preview.sh`. Everything is `include_bytes!`'d, so `drillmap serve`
//! needs no npm, no CDN and no internet at run time.

/// One embedded file and the URL path it is served at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asset {
    /// The URL path, e.g. `/vendor/maplibre-gl.mjs`.
    pub path: &'static str,
    /// The file's bytes.
    pub bytes: &'static [u8],
}

macro_rules! asset {
    ($url:literal, $file:literal) => {
        Asset {
            path: $url,
            bytes: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/preview/", $file)),
        }
    };
}

/// Every embedded file.
pub const ASSETS: &[Asset] = &[
    asset!("/index.html", "index.html"),
    asset!("/app.js", "app.js"),
    asset!("/style.css", "style.css"),
    asset!("/vendor/maplibre-gl.mjs", "vendor/maplibre-gl.mjs"),
    asset!(
        "/vendor/maplibre-gl-worker.mjs",
        "vendor/maplibre-gl-worker.mjs"
    ),
    asset!("/vendor/maplibre-gl.css", "vendor/maplibre-gl.css"),
    asset!("/vendor/pmtiles.js", "vendor/pmtiles.js"),
    asset!(
        "/vendor/topojson-client.min.js",
        "vendor/topojson-client.min.js"
    ),
    asset!(
        "/vendor/LICENSE-maplibre-gl.txt",
        "vendor/LICENSE-maplibre-gl.txt"
    ),
    asset!(
        "/vendor/LICENSE-topojson-client.txt",
        "vendor/LICENSE-topojson-client.txt"
    ),
    asset!("/vendor/VERSIONS.txt", "vendor/VERSIONS.txt"),
];

/// The embedded file served at `path` (`/` is the page).
pub fn find(path: &str) -> Option<&'static Asset> {
    let path = if path == "/" { "/index.html" } else { path };
    ASSETS.iter().find(|a| a.path == path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_and_maplibre_are_embedded() {
        let page = find("/").unwrap();
        assert_eq!(page.path, "/index.html");
        assert!(std::str::from_utf8(page.bytes).unwrap().contains("/app.js"));
        let maplibre = find("/vendor/maplibre-gl.mjs").unwrap();
        assert!(maplibre.bytes.len() > 100_000);
        assert!(find("/vendor/../Cargo.toml").is_none());
        assert!(find("/vendor/").is_none());
    }

    #[test]
    fn every_asset_is_reachable_and_non_empty() {
        for a in ASSETS {
            assert!(!a.bytes.is_empty(), "{} is empty", a.path);
            assert_eq!(find(a.path), Some(a));
        }
    }
}
