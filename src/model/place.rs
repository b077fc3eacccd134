//! A place of the hand-kept gazetteer: where it is, how well that is known, and its names.

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;

use serde::Serialize;

use crate::date::{Day, ReportedDate};

/// The latitudes on the globe, in degrees: the one range every reader and check of a
/// coordinate holds a latitude to (WGS 84, as RFC 7946 gives positions).
pub const LATITUDES: RangeInclusive<f64> = -90.0..=90.0;
/// The longitudes on the globe, in degrees: the one range of a longitude, as [`LATITUDES`].
pub const LONGITUDES: RangeInclusive<f64> = -180.0..=180.0;

/// The radii, in km, an `uncertainty_km` may have: the one range of every place's (the
/// hand-kept table's, an online result's as the cache keeps it). At least 10 m: a smaller
/// circle's 64 vertices meet once written to 6 decimals (about 0.1 m), and a site is not
/// known more closely than its footprint. At most 10,000 km, a hemisphere: a circle wider
/// says nothing of where a place is, and would take in both poles, which no RFC 7946
/// polygon drawn around one point can show.
pub const UNCERTAINTY_KM: RangeInclusive<f64> = 0.01..=10_000.0;

/// Why `km` is not an `uncertainty_km` ([`UNCERTAINTY_KM`]), or `None`.
pub fn uncertainty_problem(km: f64) -> Option<String> {
    let (min, max) = (UNCERTAINTY_KM.start(), UNCERTAINTY_KM.end());
    if km.is_finite() && UNCERTAINTY_KM.contains(&km) {
        return None;
    }
    Some(format!(
        "uncertainty_km {km} is out of range ({min} to {max} km: at least 10 m, and at most a \
         hemisphere, beyond which a circle says nothing of where the place is)"
    ))
}

/// How exactly a point locates the place it stands for.
///
/// Ordered from finest to coarsest. The point itself is always a real coordinate; the
/// precision says what it is a coordinate *of* (the facility, a settlement standing in for
/// it, a region's capital or centre, a country's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Precision {
    /// A point on the facility itself.
    Site,
    /// A settlement's point: the place is that settlement, or at or near it.
    Settlement,
    /// The place is known only to lie within a region; the point is a labelled stand-in.
    Region,
    /// Only the country is known; the point is a labelled stand-in.
    Country,
}

impl Precision {
    /// All values, finest first.
    pub const ALL: [Precision; 4] = [
        Precision::Site,
        Precision::Settlement,
        Precision::Region,
        Precision::Country,
    ];

    /// The lower-case word used in files and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Site => "site",
            Precision::Settlement => "settlement",
            Precision::Region => "region",
            Precision::Country => "country",
        }
    }

    /// ACLED's `geo_precision` code: 1 the place itself, 2 near a town or part of a region,
    /// 3 a larger region or a country.
    pub fn acled_code(self) -> u8 {
        match self {
            Precision::Site | Precision::Settlement => 1,
            Precision::Region => 2,
            Precision::Country => 3,
        }
    }
}

/// Written as its word ([`Precision::as_str`]), the one spelling of it.
impl Serialize for Precision {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl fmt::Display for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Precision {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        by_word(Precision::ALL, Precision::as_str, s, "precision")
    }
}

/// What sort of place a row is. Geocoding uses it to honour "training ground" or "air base"
/// in a query, and analysts filter by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PlaceKind {
    /// A training ground, training centre, manoeuvre area or firing range.
    TrainingGround,
    /// A garrison or military base.
    Base,
    /// An airfield or air base.
    Airfield,
    /// Any other military facility (radar, test range, space or naval facility).
    Facility,
    /// A city, town or village.
    Settlement,
    /// A first-level administrative region.
    Region,
    /// A country.
    Country,
}

impl PlaceKind {
    /// All values.
    pub const ALL: [PlaceKind; 7] = [
        PlaceKind::TrainingGround,
        PlaceKind::Base,
        PlaceKind::Airfield,
        PlaceKind::Facility,
        PlaceKind::Settlement,
        PlaceKind::Region,
        PlaceKind::Country,
    ];

    /// The snake-case word used in files and output.
    pub fn as_str(self) -> &'static str {
        match self {
            PlaceKind::TrainingGround => "training_ground",
            PlaceKind::Base => "base",
            PlaceKind::Airfield => "airfield",
            PlaceKind::Facility => "facility",
            PlaceKind::Settlement => "settlement",
            PlaceKind::Region => "region",
            PlaceKind::Country => "country",
        }
    }
}

/// Written as its word ([`PlaceKind::as_str`]), the one spelling of it.
impl Serialize for PlaceKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl fmt::Display for PlaceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PlaceKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        by_word(PlaceKind::ALL, PlaceKind::as_str, s, "kind")
    }
}

/// The value of `all` whose word ([`Precision::as_str`], [`PlaceKind::as_str`]) is `s`, or
/// a message naming `what` it is not and every word it could be.
fn by_word<T: Copy, const N: usize>(
    all: [T; N],
    as_str: fn(T) -> &'static str,
    s: &str,
    what: &str,
) -> Result<T, String> {
    all.into_iter().find(|&v| as_str(v) == s).ok_or_else(|| {
        format!(
            "unknown {what} (expected one of {})",
            all.map(as_str).join(", ")
        )
    })
}

/// One row of the gazetteer.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    /// Stable slug (`kharbmaidon-training-ground`).
    pub id: String,
    /// Preferred English name.
    pub name: String,
    /// What sort of place it is.
    pub kind: PlaceKind,
    /// ISO 3166-1 alpha-2 country.
    pub country: String,
    /// First-level region as ISO 3166-2 (`TJ-KT`), or empty when not applicable.
    pub admin1: String,
    /// Latitude, WGS 84 degrees.
    pub lat: f64,
    /// Longitude, WGS 84 degrees.
    pub lon: f64,
    /// What the point is a point of.
    pub precision: Precision,
    /// Radius in km within which the place itself lies, around the point.
    pub uncertainty_km: f64,
    /// What the point is, in words, when it is not the site itself
    /// ("fallback: Bokhtar, capital of Khatlon; no published site coordinate").
    pub point_note: String,
    /// Every other spelling we know, Latin and Cyrillic.
    pub aliases: Vec<String>,
    /// Where the coordinate and names come from.
    pub source: String,
    /// When the row describes the place (`valid_from`, `valid_to`): a region as it was
    /// before a reform. Open at both ends for most rows.
    pub valid: Validity,
    /// 1-based line in the gazetteer file, for messages.
    pub line: usize,
}

/// When a row describes its place: from the first day of `from` to the last day of `to`,
/// either end open. A region before a reform ("Almaty Province (2018 borders)", to June 2022)
/// and the region after it (from June 2022) can share a name; the geocoder prefers the row
/// that holds on the date it is asked for (`resolve::geocoder::date_factor`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Validity {
    /// Since when, if the place began within the period the data covers (`valid_from`).
    pub from: Option<ReportedDate>,
    /// Until when, if the place as the row describes it has ended (`valid_to`).
    pub to: Option<ReportedDate>,
}

impl Validity {
    /// Open at both ends: a place that is simply there.
    pub const ALWAYS: Validity = Validity {
        from: None,
        to: None,
    };

    /// Whether the row describes the place on `day`; without a day, whether it still does
    /// (a name without a date means the place as it is now, so a row that has ended does
    /// not hold).
    pub fn holds(&self, day: Option<Day>) -> bool {
        match day {
            Some(d) => {
                self.from.is_none_or(|f| f.first <= d) && self.to.is_none_or(|t| d <= t.last)
            }
            None => self.to.is_none(),
        }
    }

    /// A day the row holds, for checking that its names reach it: its last day, else its
    /// first; `None` when it is open at both ends (it holds today).
    pub fn a_day(&self) -> Option<Day> {
        self.to.map(|t| t.last).or(self.from.map(|f| f.first))
    }

    /// Whether either end is set.
    pub fn is_bounded(&self) -> bool {
        self.from.is_some() || self.to.is_some()
    }
}

impl Place {
    /// The name and every alias.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.name.as_str()).chain(self.aliases.iter().map(String::as_str))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip() {
        for p in Precision::ALL {
            assert_eq!(p.as_str().parse::<Precision>(), Ok(p));
        }
        for k in PlaceKind::ALL {
            assert_eq!(k.as_str().parse::<PlaceKind>(), Ok(k));
        }
        assert!("exact"
            .parse::<Precision>()
            .unwrap_err()
            .contains("site, settlement"));
        assert_eq!(
            "barracks".parse::<PlaceKind>().unwrap_err(),
            "unknown kind (expected one of training_ground, base, airfield, facility, \
             settlement, region, country)"
        );
    }

    #[test]
    fn validity_holds_within_its_days_and_an_ended_row_not_today() {
        let date = |s: &str| ReportedDate::parse(s).ok();
        let day = |y, m, d| Day::new(y, m, d);
        let old = Validity {
            from: date("1997-04-22"),
            to: date("2022-06-07"),
        };
        let new = Validity {
            from: date("2022-06"),
            to: None,
        };
        assert!(old.holds(day(2018, 7, 16)));
        assert!(old.holds(day(1997, 4, 22)) && !old.holds(day(1997, 4, 21)));
        assert!(old.holds(day(2022, 6, 7)) && !old.holds(day(2022, 6, 8)));
        assert!(!new.holds(day(2018, 7, 16)) && new.holds(day(2022, 6, 1)));
        // A month (or year) bound takes in its whole period.
        let to_year = Validity {
            from: None,
            to: date("2021"),
        };
        assert!(to_year.holds(day(2021, 12, 31)) && !to_year.holds(day(2022, 1, 1)));
        // Undated: the place as it is now.
        assert!(!old.holds(None) && new.holds(None) && Validity::ALWAYS.holds(None));
        assert!(Validity::ALWAYS.holds(day(1000, 1, 1)));
        assert!(old.is_bounded() && !Validity::ALWAYS.is_bounded());
        assert!(old.holds(old.a_day()) && new.holds(new.a_day()));
        assert_eq!(Validity::ALWAYS.a_day(), None);
    }

    #[test]
    fn precision_orders_finest_first() {
        assert!(Precision::Site < Precision::Country);
        assert_eq!(Precision::Region.acled_code(), 2);
    }
}
