//! Command-line flags (clap), and their conversion to validated options.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use drillmap::model::{PlaceKind, LATITUDES, LONGITUDES};
use drillmap::resolve::Filter;
use drillmap::Error;

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  data problems (check, build: a bad value or a file that does not parse),
     or a name not resolved (geocode)
  2  usage error (a config file that does not parse included), or a file could
     not be read or written (for geocode, also a geocode cache that does not
     parse, and data that check refuses; the GeoNames index included, also in
     the middle of a run; nothing is written)
  3  internal error: a bug (a panic, a failed worker thread); nothing is written
  130, 143  interrupted by SIGINT (Ctrl-C) or SIGTERM: the run's temporary files
     are removed and the previous output stays, unless the signal came while or
     after the new output was published: then it is in place, and stderr says so";

/// Geocode military exercises and bases from news reports and write GeoJSON layers.
#[derive(Debug, Parser)]
#[command(name = "drillmap", version, about, after_help = EXIT_CODES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The exit codes every command shares with the others, after its own: one text for all
/// the subcommands' help.
macro_rules! exit_codes_tail {
    () => {
        ",\n3 internal error, 130/143 interrupted (drillmap --help)."
    };
}
pub(crate) use exit_codes_tail;

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the data, geocode every place and write the layers.
    #[command(
        after_help = concat!("Example:\n  drillmap build --data places --out output\n  \
        drillmap build --events acled.csv --columns place=location --max-errors 100 --seq\n\n\
        Writes five files to OUT: exercises.geojson, bases.geojson, afghan_border.geojson,\n\
        uncertainty.geojson and drillmap.pmtiles (the four layers as vector tiles). Nothing is\n\
        written when check finds a problem; a file whose content did not change is left\n\
        untouched. Places resolved by a weak match are listed as notices (--strict: problems).\n\
        With --events, writes one point layer instead (OUT/events.geojson, features sorted by\n\
        id, and its vector tiles OUT/events.pmtiles unless --no-tiles; with --seq also\n\
        OUT/events.geojsons; with --max-errors, OUT/events.errors.csv) from a CSV or GeoJSONSeq\n\
        export, left untouched too when unchanged. The files are published together and named\n\
        in OUT/manifest.json (one generation); a second build into OUT waits for the first.\n\n\
        Exit codes: 0 written, 1 data problems (nothing written), 2 usage or I/O error", exit_codes_tail!())
    )]
    Build {
        /// Folder with places.csv, sources.toml, exercises.toml, bases.toml and
        /// boundaries/countries-10m.json (the Natural Earth countries places are checked
        /// against).
        #[arg(long, default_value = "places")]
        data: PathBuf,
        /// Folder the layers are written to.
        #[arg(long, default_value = "output")]
        out: PathBuf,
        /// The online geocoder (off unless asked for).
        #[command(flatten)]
        online: OnlineArgs,
        /// A bulk events file instead of the dataset.
        #[command(flatten)]
        bulk: super::bulk::BulkArgs,
        /// Count places resolved by a weak match (notices) as problems: nothing is written.
        /// With --events, a row whose place resolved by a weak match is a bad row (skipped
        /// and listed under --max-errors).
        #[arg(long)]
        strict: bool,
        /// Build even when exercises.toml or bases.toml holds no record (an empty layer), or
        /// with --events when no row makes a feature (an empty layer).
        #[arg(long)]
        allow_empty: bool,
    },
    /// Validate the data and geocode every place, without writing anything.
    #[command(after_help = concat!("Example:\n  drillmap check --data places\n\n\
        Reports each problem as FILE:LINE: \"VALUE\": what is wrong. Places resolved by a match\n\
        weaker than an exact key (loose, fuzzy, a GeoNames alternate name, online) are listed as\n\
        notices, with what they matched; --strict makes them problems.\n\n\
        Exit codes: 0 no problem, 1 data problems, 2 usage or I/O error", exit_codes_tail!()))]
    Check {
        /// Folder with the data.
        #[arg(long, default_value = "places")]
        data: PathBuf,
        /// Count places resolved by a weak match (notices) as problems.
        #[arg(long)]
        strict: bool,
    },
    /// Write the layers as vector tiles: one PMTiles v3 archive of MVT 2.1 tiles.
    #[command(
        after_help = concat!("Examples:\n  drillmap tiles\n  drillmap tiles --max-zoom 12 --out z12.pmtiles --xyz tiles\n  \
        drillmap tiles --out events.pmtiles --accumulate fatalities output/events.geojson\n\n\
        Without FILEs: layers exercises, bases, afghan_border and uncertainty, from the same\n\
        features as the GeoJSON layers. With FILEs (GeoJSON, GeoJSONSeq, CSV with lat/lon): one\n\
        layer each, in one archive. No tile is above --max-tile-bytes or --max-tile-features:\n\
        below the base zoom the points of a tile over budget are merged into clusters\n\
        (point_count, earliest start_date, latest end_date, sums of --accumulate columns); at\n\
        the base zoom every point is on its own. The default zooms 0-10 keep the border's\n\
        detail (one tile unit is about 8 m at z10).\n\
        build writes output/drillmap.pmtiles with these defaults.\n\n\
        Exit codes: 0 written, 1 data problems (nothing written), 2 usage or I/O error", exit_codes_tail!())
    )]
    Tiles(crate::cli::tiles::TilesArgs),
    /// Manage the gazetteer.
    #[command(
        subcommand,
        after_help = concat!("Examples:\n  drillmap places import-geonames cities500.txt --countries KZ,UZ,TJ,KG,TM,AF\n  \
        drillmap places promote Qizilqala --country TJ --append\n\n\
        import-geonames writes places/geonames.txt, the second table behind places.csv; promote\n\
        turns a place the online geocoder found into a places.csv row. drillmap places COMMAND\n\
        --help tells more.\n\n\
        Exit codes: 0 done, 1 see the command's help, 2 usage or I/O error", exit_codes_tail!())
    )]
    Places(PlacesCommand),
    /// Look names up in the gazetteer and show the best place and the other candidates.
    #[command(
        after_help = concat!("Examples:\n  drillmap geocode Kharbmaidon 'Харб-Майдон' 'Termez training ground'\n  \
        drillmap geocode --country UZ --json Termiz\n  \
        drillmap geocode --online --country TJ Qizilqala\n\n\
        A name the local tables do not know at all is answered from places/geocode-cache.toml,\n\
        as build does; with --online, one the cache lacks is asked first and its answer kept.\n\n\
        Exit codes: 0 every name resolved, 1 a name unresolved or ambiguous, 2 usage or I/O error", exit_codes_tail!())
    )]
    Geocode {
        /// Folder with places.csv and boundaries/countries-10m.json (the Natural Earth
        /// countries places are checked against), and geonames.txt and geocode-cache.toml
        /// when there are.
        #[arg(long, default_value = "places")]
        data: PathBuf,
        /// Only places in this country (ISO 3166-1 alpha-2); repeat for several.
        #[arg(long = "country", value_name = "CC")]
        countries: Vec<String>,
        /// Only places of this kind; repeat for several.
        #[arg(long = "kind", value_name = "KIND", value_parser = parse_kind)]
        kinds: Vec<PlaceKind>,
        /// Only places inside WEST,SOUTH,EAST,NORTH (degrees; WEST > EAST crosses the
        /// antimeridian).
        #[arg(long, value_name = "W,S,E,N", value_parser = parse_bbox, allow_hyphen_values = true)]
        bbox: Option<[f64; 4]>,
        /// Print JSON instead of text (with --batch: JSON instead of CSV).
        #[arg(long)]
        json: bool,
        /// Geocode every row of a CSV file with a `name` column (and optionally `country`),
        /// writing one result row per name to stdout.
        #[arg(long, value_name = "FILE", conflicts_with = "names")]
        batch: Option<PathBuf>,
        /// The online geocoder, for names the local tables do not know (off unless asked
        /// for; not with --batch). `--quiet`: no progress bar.
        #[command(flatten)]
        online: OnlineArgs,
        /// The names to look up.
        #[arg(required_unless_present = "batch", value_name = "NAME")]
        names: Vec<String>,
    },
    /// Serve the layers and a live preview map (MapLibre) on 127.0.0.1.
    #[command(after_help = concat!("Examples:\n  drillmap serve --watch\n  \
        drillmap serve --port 8080 --data places --out output\n\n\
        Open the printed URL. The page shows output/'s layers over the Natural Earth countries\n\
        in places/boundaries/, with popups and a date filter, and reloads them when they change.\n\
        --watch rebuilds (like build) at start and whenever places/ changes; a broken edit prints\n\
        its problems here and the page keeps the last good layers. Stop with Ctrl-C.\n\n\
        Exit codes: 2 the address cannot be listened on, or --data is no folder, or --out is no\n\
        folder (with --watch it need not exist: the build makes it)", exit_codes_tail!()))]
    Serve(crate::cli::serve::ServeArgs),
    /// Propose draft exercise records from news articles, every value with its quote.
    Extract(crate::cli::extract::ExtractArgs),
}

/// `drillmap places ...`.
#[derive(Debug, Subcommand)]
pub enum PlacesCommand {
    /// Import a GeoNames dump as the second table behind the hand-kept gazetteer.
    #[command(
        after_help = concat!("Example:\n  drillmap places import-geonames cities500.txt --countries KZ,UZ,TJ,KG,TM,AF\n\n\
        Keeps settlements (P.*), regions (A.ADM1), countries, and military and air features\n\
        (L.MILB, L.MVA, L.RNGA, S.AIRB, ...), with their alternate names, as GeoNames lines sorted\n\
        by geonameid. A malformed line is reported with its number and skipped (with --strict,\n\
        nothing is written). GeoNames data is CC BY 4.0: attribute it where you publish.\n\n\
        Exit codes: 0 written, 1 malformed lines (written unless --strict) or no usable rows\n\
        (nothing written unless --allow-empty), 2 usage or I/O error", exit_codes_tail!())
    )]
    ImportGeonames {
        /// Where the table is written (its index beside it, as .idx). An existing file is
        /// replaced only when it is a GeoNames table (an index), or with --force; never FILE.
        #[arg(long, default_value = "places/geonames.txt")]
        out: PathBuf,
        /// Only rows of these countries (ISO alpha-2, comma-separated).
        #[arg(long, value_name = "CC,CC", value_delimiter = ',')]
        countries: Vec<String>,
        /// Only rows inside WEST,SOUTH,EAST,NORTH (WEST > EAST crosses the antimeridian).
        #[arg(long, value_name = "W,S,E,N", value_parser = parse_bbox, allow_hyphen_values = true)]
        bbox: Option<[f64; 4]>,
        /// Refuse the whole file (write nothing) if any line is malformed.
        #[arg(long)]
        strict: bool,
        /// Write the table even when the dump yields no rows (refused otherwise, exit 1).
        #[arg(long)]
        allow_empty: bool,
        /// Replace an existing --out file that is not a GeoNames table (or index).
        #[arg(long)]
        force: bool,
        /// The GeoNames dump (allCountries.txt, KZ.txt, cities500.txt, ...).
        file: PathBuf,
    },
    /// Turn a place resolved only online into a gazetteer row (printed, or appended).
    #[command(
        after_help = concat!("Examples:\n  drillmap geocode --online --country TJ Qizilqala\n  \
        drillmap places promote Qizilqala --country TJ\n  \
        drillmap places promote Qizilqala --country TJ --append\n\n\
        A name only the online geocoder found (asked first, as above, with --user-agent or\n\
        DRILLMAP_USER_AGENT) becomes a places.csv row, printed or appended (to the file a\n\
        symlink names). Review the row (kind, precision, radius, aliases) before committing it:\n\
        an online answer is a starting point, not a verified site.\n\n\
        Exit codes: 0 printed or appended, 1 no found answer cached for QUERY, or (with --append) a places.csv `check` refuses, 2 usage or I/O error", exit_codes_tail!())
    )]
    Promote {
        /// Folder with places.csv, boundaries/countries-10m.json (the Natural Earth
        /// countries places are checked against) and geocode-cache.toml.
        #[arg(long, default_value = "places")]
        data: PathBuf,
        /// The country the query was asked for, an ISO 3166-1 alpha-2 code (as in the dataset); default: the area's countries.
        #[arg(long, value_name = "CC")]
        country: Option<String>,
        /// Append the row to places.csv instead of printing it.
        #[arg(long)]
        append: bool,
        /// The query, exactly as the dataset writes it.
        query: String,
    },
}

/// Flags of the opt-in online geocoder (Nominatim or Photon).
#[derive(Debug, Args)]
pub struct OnlineArgs {
    /// Ask an online geocoder about names neither the gazetteer nor the cache knows.
    /// Answers are kept in places/geocode-cache.toml and used by later offline builds.
    #[arg(long)]
    pub online: bool,
    /// Provider: nominatim or photon.
    #[arg(long, value_name = "PROVIDER")]
    pub geocoder: Option<drillmap::resolve::online::Provider>,
    /// Base URL of the service (e.g. a self-hosted Nominatim).
    #[arg(long, value_name = "URL")]
    pub geocoder_url: Option<String>,
    /// An identifying User-Agent with a contact (e-mail or URL), as the service's usage policy asks.
    #[arg(
        long,
        value_name = "UA",
        env = "DRILLMAP_USER_AGENT",
        hide_env_values = true
    )]
    pub user_agent: Option<String>,
    /// Ask again about cached answers that were found or have expired.
    #[arg(long)]
    pub refresh: bool,
    /// The most names one run asks online.
    #[arg(long, value_name = "N")]
    pub online_max: Option<usize>,
    /// Seconds one request may take (1 to 600; default 30). After 3 attempts in a row time
    /// out or cannot connect, the run asks nothing more and lists the names not asked.
    #[arg(long, value_name = "SECS")]
    pub online_timeout: Option<u64>,
    /// A config file with an [online] table (default: drillmap.toml, if it exists).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

impl OnlineArgs {
    /// The first online flag given (`--online` first), for a message refusing it where it
    /// does nothing; `--user-agent`, `--config` and `--quiet` are not asked about, as they
    /// may come from the environment or serve other runs.
    pub fn first_given(&self) -> Option<&'static str> {
        [
            ("--online", self.online),
            ("--geocoder", self.geocoder.is_some()),
            ("--geocoder-url", self.geocoder_url.is_some()),
            ("--refresh", self.refresh),
            ("--online-max", self.online_max.is_some()),
            ("--online-timeout", self.online_timeout.is_some()),
        ]
        .into_iter()
        .find_map(|(flag, given)| given.then_some(flag))
    }
}

fn parse_kind(s: &str) -> Result<PlaceKind, String> {
    s.parse()
}

fn parse_bbox(s: &str) -> Result<[f64; 4], String> {
    let parts: Vec<f64> = s
        .split(',')
        .map(|p| {
            p.trim()
                .parse::<f64>()
                .map_err(|_| format!("{p:?} is not a number"))
        })
        .collect::<Result<_, _>>()?;
    let [w, so, e, n] = <[f64; 4]>::try_from(parts)
        .map_err(|_| "expected four numbers: WEST,SOUTH,EAST,NORTH".to_owned())?;
    if !LONGITUDES.contains(&w)
        || !LONGITUDES.contains(&e)
        || !LATITUDES.contains(&so)
        || !LATITUDES.contains(&n)
    {
        return Err("longitudes must be within -180..180 and latitudes within -90..90".into());
    }
    // West greater than east crosses the antimeridian, as the layers' own `bbox` does
    // (RFC 7946 section 5.2).
    if so > n {
        return Err("expected SOUTH <= NORTH".into());
    }
    Ok([w, so, e, n])
}

/// The online options from the config file, the environment and the flags (later wins);
/// `None` when online lookups are not asked for.
pub fn online(args: &OnlineArgs) -> Result<Option<drillmap::pipeline::Online>, Error> {
    use drillmap::resolve::online::OnlineConfig;
    let file = config(args)?;
    let flags = OnlineConfig {
        enabled: args.online.then_some(true),
        geocoder: args.geocoder,
        geocoder_url: args.geocoder_url.clone(),
        user_agent: args.user_agent.clone(),
        refresh: args.refresh.then_some(true),
        max_lookups: args.online_max,
        timeout_secs: args.online_timeout,
        ..OnlineConfig::default()
    };
    let options = file
        .overridden_by(flags)
        .to_options()
        .map_err(|e| Error::Usage(format!("online geocoder: {e}")))?;
    if options.is_none() {
        // An online flag on a run that asks nothing online is a mistake worth a word; it
        // is allowed wherever lookups are on, by `--online` or by the config's `enabled`
        // (probe, session 40: clap's `requires = "online"` refused `--geocoder-url` when
        // the config enabled them).
        if let Some(flag) = args.first_given() {
            let config = match &args.config {
                Some(path) => format!(
                    "`enabled = true` in the [online] table of {}",
                    path.display()
                ),
                None => {
                    "`enabled = true` in the [online] table of drillmap.toml or of --config FILE"
                        .to_owned()
                }
            };
            return Err(Error::Usage(format!(
                "{flag} is a setting of online lookups, which this run does not make: \
                 add --online (or {config})"
            )));
        }
    }
    Ok(options.map(|options| drillmap::pipeline::Online {
        options,
        progress: !args.quiet,
    }))
}

/// The `[online]` settings of the config file (`--config FILE`, else `drillmap.toml` when
/// present), checked: one that cannot be read as TOML, does not parse or holds a value out
/// of range is a usage error naming the file (exit 2), for every run given the flags,
/// `build --events` too, which asks nothing online (README: a config is settings).
pub fn config(args: &OnlineArgs) -> Result<drillmap::resolve::online::OnlineConfig, Error> {
    use drillmap::resolve::online::OnlineConfig;
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct ConfigFile {
        online: Option<OnlineConfig>,
    }
    let (path, explicit) = match &args.config {
        Some(p) => (p.clone(), true),
        None => (PathBuf::from("drillmap.toml"), false),
    };
    match drillmap::read::input::read_toml(&path) {
        Ok(text) => {
            // A config is settings, as flags are: one that does not parse is a usage error
            // (exit 2, as a value out of range in it is), naming the file and the line.
            let parsed: ConfigFile =
                drillmap::read::input::parse_toml(&path, &text).map_err(|e| match e {
                    // Refused as unknown, said why (session 41 noted: it was a field read
                    // only to be refused, so every unknown field's message listed it).
                    Error::Syntax { message, .. }
                        if message.starts_with("unknown field `countries`") =>
                    {
                        Error::Usage(format!(
                            "{}: [online] {}",
                            path.display(),
                            drillmap::resolve::online::countries_not_a_setting()
                        ))
                    }
                    e => Error::Usage(e.to_string()),
                })?;
            let config = parsed.online.unwrap_or_default();
            // Checked alone, so the message names the file (probe 10: `timeout-secs = 0`
            // was accepted by a run that does not ask online).
            config
                .check()
                .map_err(|e| Error::Usage(format!("{}: [online] {e}", path.display())))?;
            Ok(config)
        }
        Err(e) if !explicit && e.is_not_found() => Ok(OnlineConfig::default()),
        // Text that cannot be read as TOML (not UTF-8, say) is a config that does not
        // parse: a usage error as well (probe, session 41: exit 1, which `geocode` uses
        // for a name not resolved).
        Err(e @ (Error::Syntax { .. } | Error::Data(_) | Error::Listed { .. })) => {
            Err(Error::Usage(e.to_string()))
        }
        Err(e) => Err(e),
    }
}

/// Refuse (a usage error naming `what` and the name, escaped) a name given on the command
/// line to look up (`geocode NAME`, `places promote QUERY`) that is blank, has no letter
/// or digit to match, or holds a control character, as every file drillmap reads refuses
/// one (a `--batch` row's included): written as it is, an ESC would reach the terminal in
/// the answer, which repeats the name.
pub fn name_to_look_up(what: &str, name: &str) -> Result<(), Error> {
    if name.trim().is_empty() {
        return Err(Error::Usage(format!(
            "{what} {name:?}: empty, there is nothing to look up"
        )));
    }
    // Punctuation alone (`-`, `!!`) matches nothing: the advice to add it as an alias
    // could not be followed, `check` refusing such a spelling (probe, session 41).
    if drillmap::names::normalize::NameKey::nothing_to_match(name) {
        return Err(Error::Usage(format!(
            "{what} {name:?}: {}",
            drillmap::names::normalize::NOTHING_TO_MATCH
        )));
    }
    match drillmap::read::lines::control_character(name) {
        Some(m) => Err(Error::Usage(format!("{what} {name:?}: {m}"))),
        None => Ok(()),
    }
}

/// The ISO 3166-1 alpha-2 code a country flag gives (in any case), or a usage error
/// naming `flag` and the value: the one check of every country flag.
pub fn country_code(flag: &str, c: &str) -> Result<&'static str, Error> {
    let upper = c.trim().to_ascii_uppercase();
    drillmap::country::by_alpha2(&upper)
        .map(|country| country.alpha2)
        .ok_or_else(|| Error::Usage(format!("{flag} {c:?}: not an ISO 3166-1 alpha-2 code")))
}

/// A validated geocoder filter from the flags; `flag` names the country flag in a message.
pub fn filter(
    flag: &str,
    countries: &[String],
    kinds: &[PlaceKind],
    bbox: Option<[f64; 4]>,
) -> Result<Filter, Error> {
    let mut codes = Vec::new();
    for c in countries {
        codes.push(country_code(flag, c)?.to_owned());
    }
    Ok(Filter {
        countries: codes,
        kinds: kinds.to_vec(),
        bbox,
        date: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bbox_is_checked() {
        assert_eq!(parse_bbox("60,35,80,45"), Ok([60.0, 35.0, 80.0, 45.0]));
        assert!(parse_bbox("60,35,80").is_err());
        // Across the antimeridian (session 45: refused).
        assert_eq!(
            parse_bbox("170,-10,-170,10"),
            Ok([170.0, -10.0, -170.0, 10.0])
        );
        assert!(parse_bbox("60,45,80,35").is_err());
        assert!(parse_bbox("60,35,80,95").is_err());
        assert!(parse_bbox("a,b,c,d").is_err());
    }

    #[test]
    fn country_flags_are_upper_cased_and_checked() {
        let f = filter("--country", &["tj".into()], &[], None).unwrap();
        assert_eq!(f.countries, ["TJ"]);
        let bad = filter("--countries", &["XX".into()], &[], None).unwrap_err();
        assert!(bad.to_string().contains("--countries \"XX\""), "{bad}");
    }
}
