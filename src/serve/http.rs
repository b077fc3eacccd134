//! The HTTP side of `drillmap serve`: which URL is which file, content types, byte ranges,
//! and the `Host` check, as plain functions the server and the tests share.
//!
//! Only known things are served: the embedded page ([`super::assets`]), layers in the output
//! folder by bare file name (`/layers/exercises.geojson`, `/layers/drillmap.pmtiles`), the
//! basemap and the status. A path with `..`, a backslash, a percent escape or a nested
//! folder never reaches the file system.

use std::net::SocketAddr;

/// URL prefix of the layers in the output folder.
pub const LAYERS: &str = "/layers/";
/// URL of the Natural Earth basemap (the TopoJSON in the data folder).
pub const BASEMAP: &str = "/basemap/countries.json";
/// URL of the status the page polls (version of the layers, last rebuild).
pub const STATUS: &str = "/api/status";

/// What a request path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// An embedded file of the page, by its path.
    Asset(&'static str),
    /// A file in the output folder, by its bare name.
    Layer(String),
    /// The basemap.
    Basemap,
    /// The status.
    Status,
    /// A path that tries to leave its folder or is not a plain name: refused.
    Forbidden,
    /// Nothing here.
    NotFound,
}

/// The route of a request target (`/path?query`); the query is ignored.
pub fn route(target: &str) -> Route {
    let path = target.split(['?', '#']).next().unwrap_or_default();
    if path.contains("..") || path.contains('\\') || path.contains('%') || path.contains('\0') {
        return Route::Forbidden;
    }
    if path == STATUS {
        return Route::Status;
    }
    if path == BASEMAP {
        return Route::Basemap;
    }
    if let Some(name) = path.strip_prefix(LAYERS) {
        return if is_layer_file(name) {
            Route::Layer(name.to_owned())
        } else if name.contains('/') {
            Route::Forbidden
        } else {
            Route::NotFound
        };
    }
    match super::assets::find(path) {
        Some(a) => Route::Asset(a.path),
        None => Route::NotFound,
    }
}

/// A file name the output folder may serve: a layer name ([`crate::model::is_layer_name`],
/// the rule the writers keep) then `.geojson` or `.pmtiles`. Such a name is its own URL path
/// segment: nothing in it needs escaping.
pub fn is_layer_file(name: &str) -> bool {
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return false;
    };
    crate::model::is_layer_name(stem) && matches!(ext, "geojson" | "pmtiles")
}

/// The `Content-Type` of a file, by its name.
pub fn content_type(name: &str) -> &'static str {
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or_default();
    match ext {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "geojson" => "application/geo+json",
        "json" => "application/json",
        "pmtiles" => "application/vnd.pmtiles",
        "txt" => "text/plain; charset=utf-8",
        "png" => "image/png",
        _ => "application/octet-stream",
    }
}

/// A byte range asked for by a `Range` header, resolved against a length of `len`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range {
    /// No usable single range: send the whole body (200).
    Whole,
    /// Bytes `start..=end` (206).
    Part {
        /// First byte.
        start: u64,
        /// Last byte, inclusive.
        end: u64,
    },
    /// A range outside the body (416).
    Unsatisfiable,
}

/// Resolve a `Range` header (`bytes=a-b`, `bytes=a-`, `bytes=-n`) against `len` bytes.
/// Anything else (several ranges, other units, garbage) gets the whole body, as RFC 9110
/// allows a server to do.
pub fn range(header: Option<&str>, len: u64) -> Range {
    // The unit is case-insensitive (RFC 9110 section 14.1: `BYTES=0-1` is a range too).
    let Some(spec) = header.map(str::trim).and_then(|h| {
        h.get(..6)
            .filter(|u| u.eq_ignore_ascii_case("bytes="))
            .map(|_| &h[6..])
    }) else {
        return Range::Whole;
    };
    if spec.contains(',') {
        return Range::Whole;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return Range::Whole;
    };
    let (a, b) = (a.trim(), b.trim());
    // Digits only; a number past u64 (a client asking for "everything from here") is
    // u64::MAX, clamped to the body like any other end (RFC 9110 section 14.1.2).
    let number = |s: &str| -> Result<u64, ()> {
        if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
            return Err(());
        }
        Ok(s.parse::<u64>().unwrap_or(u64::MAX))
    };
    let parsed = match (a.is_empty(), b.is_empty()) {
        (true, false) => number(b).ok().map(|n| {
            if n == 0 {
                None
            } else {
                Some((len.saturating_sub(n), len.saturating_sub(1)))
            }
        }),
        (false, true) => number(a).ok().map(|s| Some((s, len.saturating_sub(1)))),
        (false, false) => match (number(a), number(b)) {
            (Ok(s), Ok(e)) if s <= e => Some(Some((s, e.min(len.saturating_sub(1))))),
            _ => None,
        },
        (true, true) => None,
    };
    match parsed {
        None => Range::Whole,
        Some(None) => Range::Unsatisfiable,
        Some(Some((start, _))) if start >= len => Range::Unsatisfiable,
        Some(Some((start, end))) => Range::Part { start, end },
    }
}

/// Whether a request's `Host` header may be answered by a server bound to `bound`.
///
/// A server on a loopback address answers only requests addressed to a loopback name
/// (`127.0.0.1`, `localhost`, `[::1]`), so a web page elsewhere cannot reach it through
/// DNS rebinding. A server bound elsewhere on purpose (`--host`) answers any host.
pub fn host_allowed(host: Option<&str>, bound: SocketAddr) -> bool {
    if !bound.ip().is_loopback() {
        return true;
    }
    let Some(host) = host else {
        return false;
    };
    let name = match host.rsplit_once(':') {
        Some((name, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    let name = name.trim_start_matches('[').trim_end_matches(']');
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_paths_route_to_their_files() {
        assert_eq!(route("/"), Route::Asset("/index.html"));
        assert_eq!(route("/app.js?v=3"), Route::Asset("/app.js"));
        assert_eq!(
            route("/vendor/maplibre-gl-worker.mjs?v=6.17.0"),
            Route::Asset("/vendor/maplibre-gl-worker.mjs")
        );
        assert_eq!(
            route("/layers/exercises.geojson?v=7"),
            Route::Layer("exercises.geojson".into())
        );
        assert_eq!(
            route("/layers/afghan_border.geojson"),
            Route::Layer("afghan_border.geojson".into())
        );
        assert_eq!(
            route("/layers/drillmap.pmtiles"),
            Route::Layer("drillmap.pmtiles".into())
        );
        assert_eq!(route(BASEMAP), Route::Basemap);
        assert_eq!(route("/api/status?t=1"), Route::Status);
        assert_eq!(route("/nothing"), Route::NotFound);
        assert_eq!(route("/layers/notes.txt"), Route::NotFound);
        assert_eq!(route("/layers/"), Route::NotFound);
    }

    #[test]
    fn traversal_is_refused() {
        for bad in [
            "/layers/../Cargo.toml",
            "/layers/..%2fCargo.toml",
            "/layers/%2e%2e/places/places.csv",
            "/layers/sub/exercises.geojson",
            "/layers/..\\Cargo.toml",
            "/vendor/../../etc/passwd",
            "/../../etc/passwd",
            "/layers/.geojson/..",
        ] {
            assert_eq!(route(bad), Route::Forbidden, "{bad}");
        }
        assert!(!is_layer_file(".geojson"));
        assert!(is_layer_file("Exercises.geojson"));
        assert!(is_layer_file("a.b.geojson"));
        assert!(is_layer_file("Ab_c-1.pmtiles"));
        assert!(!is_layer_file(".drillmap.lock"));
        assert!(!is_layer_file("..geojson"));
        assert!(!is_layer_file("my layer.pmtiles"));
        assert!(!is_layer_file("exercises.geojson.tmp"));
        assert!(!is_layer_file("/etc/passwd"));
        assert!(is_layer_file("bases.geojson"));
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type("/index.html"), "text/html; charset=utf-8");
        assert_eq!(
            content_type("maplibre-gl.mjs"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type("app.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("style.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("exercises.geojson"), "application/geo+json");
        assert_eq!(content_type("countries.json"), "application/json");
        assert_eq!(content_type("drillmap.pmtiles"), "application/vnd.pmtiles");
        assert_eq!(content_type("noext"), "application/octet-stream");
    }

    #[test]
    fn byte_ranges() {
        assert_eq!(range(None, 100), Range::Whole);
        assert_eq!(
            range(Some("bytes=0-9"), 100),
            Range::Part { start: 0, end: 9 }
        );
        assert_eq!(
            range(Some("bytes=90-"), 100),
            Range::Part { start: 90, end: 99 }
        );
        assert_eq!(
            range(Some("bytes=-10"), 100),
            Range::Part { start: 90, end: 99 }
        );
        assert_eq!(
            range(Some("bytes=50-500"), 100),
            Range::Part { start: 50, end: 99 }
        );
        assert_eq!(range(Some("bytes=100-"), 100), Range::Unsatisfiable);
        assert_eq!(range(Some("bytes=-0"), 100), Range::Unsatisfiable);
        assert_eq!(range(Some("bytes=9-0"), 100), Range::Whole);
        assert_eq!(range(Some("bytes=0-1,5-6"), 100), Range::Whole);
        // Probe (session 30): the unit in any case.
        assert_eq!(range(Some("BYTES=0-9"), 100), range(Some("bytes=0-9"), 100));
        assert_eq!(range(Some("Bytes=-10"), 100), range(Some("bytes=-10"), 100));
        assert_eq!(range(Some("byte=0-9"), 100), Range::Whole);
        assert_eq!(range(Some("bytés=0-9"), 100), Range::Whole);
        assert_eq!(range(Some("items=0-1"), 100), Range::Whole);
        assert_eq!(range(Some("bytes=x-y"), 100), Range::Whole);
        // Probe s11 #10: an end past u64 is clamped like any other, not ignored.
        assert_eq!(
            range(Some("bytes=0-99999999999999999999999"), 100),
            Range::Part { start: 0, end: 99 }
        );
        assert_eq!(
            range(Some("bytes=-99999999999999999999999"), 100),
            Range::Part { start: 0, end: 99 }
        );
        assert_eq!(
            range(Some("bytes=99999999999999999999999-"), 100),
            Range::Unsatisfiable
        );
    }

    #[test]
    fn loopback_servers_answer_loopback_hosts_only() {
        let lo: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        assert!(host_allowed(Some("127.0.0.1:8080"), lo));
        assert!(host_allowed(Some("localhost:8080"), lo));
        assert!(host_allowed(Some("LOCALHOST"), lo));
        assert!(host_allowed(Some("[::1]:8080"), lo));
        assert!(!host_allowed(Some("evil.example:8080"), lo));
        assert!(!host_allowed(Some("192.168.1.4:8080"), lo));
        assert!(!host_allowed(None, lo));
        // Not a port: a name after it.
        assert!(!host_allowed(Some("127.0.0.1:18802@evil.example"), lo));
        assert!(!host_allowed(Some("user@127.0.0.1"), lo));
        assert!(host_allowed(Some("[::1]"), lo));
        let any: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        assert!(host_allowed(Some("evil.example"), any));
    }
}
