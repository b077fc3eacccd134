//! What a layer owes to the data it is made from, and the one `attribution` text that says
//! so: every layer, hand-kept or bulk, is credited here (its GeoJSON `attribution` and its
//! PMTiles metadata).
//!
//! A point owes GeoNames (CC BY 4.0) when it was geocoded from the GeoNames table or its
//! gazetteer row cites `GeoNames N`; OpenStreetMap (ODbL) when it was geocoded online (an
//! answer of the online cache) or its row was promoted from an OSM answer; and every located
//! feature owes the Natural Earth boundaries its `afghan_border_km` is measured to.

/// What a layer cites GeoNames with.
pub const GEONAMES: &str = "Places from GeoNames (https://www.geonames.org), CC BY 4.0";
/// What a layer cites OpenStreetMap with.
pub const OPENSTREETMAP: &str = "Places from OpenStreetMap, © OpenStreetMap contributors, ODbL 1.0";

/// The sources a layer's features were made from, gathered feature by feature.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Credits {
    /// A point from GeoNames.
    pub geonames: bool,
    /// A point from OpenStreetMap.
    pub openstreetmap: bool,
    /// A feature measured on the Natural Earth boundaries.
    pub natural_earth: bool,
}

/// The items of a place row's `source` (`tass-1324249; GeoNames 1220747`), trimmed: the
/// one reading of a row's citations.
pub fn source_items(source: &str) -> impl Iterator<Item = &str> {
    source.split(';').map(str::trim).filter(|i| !i.is_empty())
}

/// The geonameid an item of a `source` cites: `GeoNames N`, as a row cites it, or `GeoNames
/// N (CC BY 4.0)`, as the GeoNames table's own rows say it; `None` for any other item.
pub fn geonames_id(item: &str) -> Option<u64> {
    let rest = item.strip_prefix("GeoNames ")?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let (number, after) = rest.split_at(digits);
    if after.is_empty() || after.starts_with(" (") {
        number.parse().ok()
    } else {
        None
    }
}

impl Credits {
    /// What a point owes: it was chosen by `geocoder` (the table or the online provider)
    /// from a row whose `source` is `point_source`. Located: measured on Natural Earth.
    pub fn of_point(geocoder: &str, point_source: &str) -> Credits {
        let row_cites = |what: &str| source_items(point_source).any(|i| i.contains(what));
        Credits {
            geonames: geocoder == "geonames"
                || source_items(point_source).any(|i| geonames_id(i).is_some()),
            openstreetmap: matches!(geocoder, "nominatim" | "photon") || row_cites("/OSM "),
            natural_earth: true,
        }
    }

    /// A feature that is not located owes nothing.
    pub const NONE: Credits = Credits {
        geonames: false,
        openstreetmap: false,
        natural_earth: false,
    };

    /// Both credits at once.
    #[must_use]
    pub fn and(self, other: Credits) -> Credits {
        Credits {
            geonames: self.geonames || other.geonames,
            openstreetmap: self.openstreetmap || other.openstreetmap,
            natural_earth: self.natural_earth || other.natural_earth,
        }
    }

    /// The `attribution` text: the sources owed, `; `-separated, with `natural_earth` the
    /// boundaries' own credit (empty: none owed).
    pub fn attribution(self, natural_earth: &str) -> String {
        let mut parts = Vec::new();
        if self.geonames {
            parts.push(GEONAMES);
        }
        if self.openstreetmap {
            parts.push(OPENSTREETMAP);
        }
        if self.natural_earth && !natural_earth.is_empty() {
            parts.push(natural_earth);
        }
        parts.join("; ")
    }
}

/// The attribution of data made from several layers (a tile archive): every credit of
/// their `attribution` texts (each `; `-separated, as [`Credits::attribution`] writes them)
/// once, in the order first met.
pub fn union<'a>(attributions: impl IntoIterator<Item = &'a str>) -> String {
    let mut credits: Vec<&str> = Vec::new();
    for text in attributions {
        for credit in text.split("; ").map(str::trim) {
            if !credit.is_empty() && !credits.contains(&credit) {
                credits.push(credit);
            }
        }
    }
    credits.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_geonames_citation_is_read_one_way() {
        let items: Vec<Option<u64>> = source_items(
            " tass-1; GeoNames 1220747;GeoNames 1518980 (CC BY 4.0); GeoNames x; GeoNames 12a;;",
        )
        .map(geonames_id)
        .collect();
        assert_eq!(items, [None, Some(1220747), Some(1518980), None, None]);
        assert_eq!(geonames_id("GeoNames "), None);
        assert_eq!(geonames_id("see GeoNames 5"), None);
    }

    /// Probe s10 finding 12: `drillmap.pmtiles` named Natural Earth twice (the layers'
    /// "GeoNames; Natural Earth" and the border's "Natural Earth" were kept whole).
    #[test]
    fn a_union_names_each_credit_once() {
        let ne = "Made with Natural Earth. Free vector and raster map data @ naturalearthdata.com.";
        let points = Credits::of_point("geonames", "").attribution(ne);
        assert_eq!(union([points.as_str(), ne, "", points.as_str()]), points);
        assert_eq!(
            union([ne, OPENSTREETMAP, GEONAMES]),
            format!("{ne}; {OPENSTREETMAP}; {GEONAMES}")
        );
        assert_eq!(union([""]), "");
    }

    #[test]
    fn a_point_owes_its_table_its_row_and_the_boundaries() {
        let ne = "Natural Earth";
        assert_eq!(Credits::NONE.attribution(ne), "");
        assert_eq!(Credits::of_point("gazetteer", "004").attribution(ne), ne);
        assert_eq!(
            Credits::of_point("gazetteer", "004; GeoNames 1220747").attribution(ne),
            format!("{GEONAMES}; {ne}")
        );
        assert_eq!(
            Credits::of_point("nominatim", "").attribution(""),
            OPENSTREETMAP
        );
        assert_eq!(
            Credits::of_point("gazetteer", "Nominatim/OSM way 1, retrieved 2026-11-22")
                .and(Credits::of_point("geonames", ""))
                .attribution(ne),
            format!("{GEONAMES}; {OPENSTREETMAP}; {ne}")
        );
    }
}
