//! The real binary on fixture data: builds, golden output, determinism, and every kind of
//! bad input `check` must catch (a clear message with file, line and value, exit code 1,
//! and the previous output untouched).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod util;

use std::fs;

use serde_json::Value;
use util::{root, Work};

fn layer(work: &Work, name: &str) -> Value {
    serde_json::from_slice(&fs::read(work.out().join(name)).unwrap()).unwrap()
}

#[test]
fn golden_output_of_the_small_fixture() {
    let work = Work::new("small");
    work.build().expect_code(0);
    let expected = root().join("tests/fixtures/small/expected");
    for name in [
        "exercises.geojson",
        "bases.geojson",
        "afghan_border.geojson",
        "uncertainty.geojson",
    ] {
        let got = fs::read(work.out().join(name)).unwrap();
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            fs::create_dir_all(&expected).unwrap();
            fs::write(expected.join(name), &got).unwrap();
        }
        let want = fs::read(expected.join(name)).unwrap();
        assert!(
            got == want,
            "{name} differs from tests/fixtures/small/expected (UPDATE_GOLDEN=1 cargo test --test cli golden to accept):\n{}",
            String::from_utf8_lossy(&got)
        );
    }
}

#[test]
fn features_carry_what_analysts_filter_by() {
    let work = Work::new("small");
    work.build().expect_code(0).expect_stderr_line(&[
        "exercises.geojson",
        "3 features (1 unlocated)",
        "written",
    ]);
    let ex = layer(&work, "exercises.geojson");
    assert_eq!(ex["type"], "FeatureCollection");
    assert!(ex.get("crs").is_none());
    let f = &ex["features"][0];
    assert_eq!(f["id"], "drill-one/main");
    assert_eq!(
        f["geometry"]["coordinates"],
        serde_json::json!([68.77762, 37.83654])
    );
    let p = &f["properties"];
    assert_eq!(p["place_id"], "kharbmaidon-training-ground");
    assert_eq!(p["place_as_reported"], "the Kharbmaidon range");
    assert_eq!(p["start_date"], "2021-08-05");
    assert_eq!(p["date_precision"], "day");
    assert_eq!(p["geo_precision"], "region");
    assert_eq!(p["uncertainty_km"], 150.0);
    assert_eq!(p["participants"], serde_json::json!(["RU", "TJ"]));
    assert_eq!(p["troops"], 1500);
    assert_eq!(p["sources"][0]["title"], "Drills near the border");
    // A month-precision stage carries the whole month.
    let second = &ex["features"][1]["properties"];
    assert_eq!(
        (second["start_date"].as_str(), second["end_date"].as_str()),
        (Some("2021-08-01"), Some("2021-08-31"))
    );
    assert_eq!(second["place_id"], "termez-training-ground");
    // bbox is [west, south, east, north] over every position.
    assert_eq!(
        ex["bbox"],
        serde_json::json!([67.27833, 37.22417, 68.77762, 37.83654])
    );
    let bases = layer(&work, "bases.geojson");
    let ayni = &bases["features"][0]["properties"];
    assert_eq!(
        (ayni["status"].as_str(), ayni["until"].as_str()),
        (Some("historic"), Some("2020-06-30"))
    );
}

#[test]
fn two_builds_give_identical_bytes_and_an_unchanged_rebuild_touches_nothing() {
    let work = Work::new("small");
    work.build().expect_code(0);
    let first = work.outputs();
    let mtimes: Vec<_> = first
        .iter()
        .map(|(n, _)| {
            fs::metadata(work.out().join(n))
                .unwrap()
                .modified()
                .unwrap()
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(30));
    work.build()
        .expect_code(0)
        .expect_stderr_line(&["exercises.geojson", "unchanged"]);
    assert_eq!(work.outputs(), first);
    let again: Vec<_> = first
        .iter()
        .map(|(n, _)| {
            fs::metadata(work.out().join(n))
                .unwrap()
                .modified()
                .unwrap()
        })
        .collect();
    assert_eq!(again, mtimes);
    let other = Work::new("small");
    other.build().expect_code(0);
    assert_eq!(
        other.outputs(),
        first,
        "a second checkout gives the same bytes"
    );
}

/// Probe (session 25): a `places.csv` saved with classic Mac line ends (a lone CR, as some
/// spreadsheets still write CSV) read as one comment line, and the message ("the header
/// must be ..., found ``") did not say why. Every line end is read alike: the layers are
/// the same bytes, a problem is named on its line, `promote --append` ends its row alike.
#[test]
fn a_places_table_with_any_line_ends_gives_the_same_layers() {
    let work = Work::new("small");
    work.build().expect_code(0);
    let lf = work.geojson_layers();
    let table = work.data().join("places.csv");
    let text = fs::read_to_string(&table).unwrap();
    for end in ["\r\n", "\r"] {
        fs::write(&table, text.replace('\n', end)).unwrap();
        work.build().expect_code(0);
        assert_eq!(work.geojson_layers(), lf, "{end:?}");
    }
    // A problem on the table's last row is named on its line, in a CR-only file too.
    let rows = text.lines().count();
    let bad = text.replace(
        "37.22417,67.27833,settlement,5,",
        "97.5,67.27833,settlement,5,",
    );
    assert_ne!(bad, text);
    let at = bad.lines().position(|l| l.contains("97.5")).unwrap() + 1;
    assert!(at > 1 && at <= rows);
    fs::write(&table, bad.replace('\n', "\r")).unwrap();
    work.check()
        .expect_code(1)
        .expect_stderr_line(&[&format!("places.csv:{at}:"), "97.5"]);
}

/// Break the fixture with `edit`, then expect `check` to report `parts` on one line, exit 1,
/// and `build` to leave the previous good output byte for byte.
fn rejects(edit: impl Fn(&Work), parts: &[&str]) {
    let work = Work::new("small");
    work.build().expect_code(0);
    let good = work.outputs();
    edit(&work);
    work.check().expect_code(1).expect_stderr_line(parts);
    work.build()
        .expect_code(1)
        .expect_stderr_line(parts)
        .expect_stderr_line(&["nothing was written"]);
    assert_eq!(
        work.outputs(),
        good,
        "bad data must not replace good output"
    );
    let leftovers: Vec<_> = fs::read_dir(work.out())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

/// Probe, session 27: an alias with nothing to match ("-", a spreadsheet's "none") had the
/// empty key, and every place written with nothing to match ("?", "...") resolved to its
/// row at 1.00, with no warning. The spelling is a problem on its row's line.
#[test]
fn a_spelling_with_nothing_to_match_is_a_problem_on_its_row() {
    rejects(
        |w| w.edit("places.csv", "Termiz|Термез", "Termiz|-|Термез"),
        &[
            "places.csv:4:",
            "\"-\"",
            "this spelling of `termez` has nothing to match",
        ],
    );
}

/// Probe, session 27: a source's `file` outside `articles/` was refused and opened all the
/// same: its quotes were looked for in `/etc/passwd`, and `/dev/zero` stopped the run as an
/// I/O error (exit 2). A refused name is a data problem only, never opened.
#[test]
fn a_source_file_outside_the_articles_is_refused_and_never_opened() {
    rejects(
        |w| w.edit("sources.toml", "file = \"a.txt\"", "file = \"/dev/zero\""),
        &[
            "sources.toml:3:",
            "\"/dev/zero\"",
            "is a file name inside articles/",
        ],
    );
}

/// Probe, session 27: `units = [""]` passed `check` (a blank unit is "named" by any text)
/// and was published.
#[test]
fn a_blank_unit_is_reported() {
    // Punctuation only is named by any quote too (probe, session 31: `units = ["-"]`).
    for blank in ["\"\"", "\"  \"", "\"-\"", "\"…\""] {
        rejects(
            |w| {
                w.edit(
                    "bases.toml",
                    "units = [\"Unit 1\"]",
                    &format!("units = [{blank}]"),
                )
            },
            &[
                "bases.toml:6:",
                "a unit in `units` must hold a word or number",
            ],
        );
    }
}

/// Review (session 33): a unit was "named" by a quote holding it inside a longer word or
/// number ("Base 20" by "Base 201"), where every quote must hold its words whole.
#[test]
fn a_unit_is_named_by_a_quote_only_whole() {
    let quoted = |unit: &'static str| {
        move |w: &Work| {
            w.edit(
                "bases.toml",
                "units = [\"Unit 1\"]",
                &format!("units = [\"{unit}\"]"),
            );
            w.edit(
                "bases.toml",
                "{ field = \"units\", source = \"test\" }",
                "{ field = \"units\", quote = \"its air group at Ayni was there\" }",
            );
        }
    };
    rejects(
        quoted("Ayn"),
        &[
            "bases.toml:6:",
            "\"Ayn\"",
            "`units` is named in none of the base's quotes",
        ],
    );
    let work = Work::new("small");
    quoted("air group")(&work);
    work.check().expect_code(0);
}

#[test]
fn unresolved_base_site_is_reported() {
    rejects(
        |w| w.edit("bases.toml", "place = \"Dushanbe\"", "place = \"Atlantis\""),
        &[
            "bases.toml:13:",
            "\"Atlantis\"",
            // Nothing is near "Atlantis": the advice to add it, not "did you mean".
            "unresolved: no place in TJ in the gazetteer matches; add the name as an alias or a new row",
        ],
    );
}

/// A misspelt place (two edits in eight letters: no answer) is told the name it is near,
/// with its place, and to fix the spelling rather than add the typo as an alias.
#[test]
fn a_misspelt_place_is_told_the_name_it_is_near() {
    rejects(
        |w| w.edit("bases.toml", "place = \"Dushanbe\"", "place = \"Dishanbi\""),
        &[
            "bases.toml:13:",
            "\"Dishanbi\"",
            "unresolved: no place in TJ in the gazetteer matches; did you mean Dushanbe (dushanbe, settlement, TJ, 0.68)? fix the spelling, or add the name as an alias",
        ],
    );
}

/// `geocode` says the same, as text and in JSON (`near`, `advice`); a name nothing is near
/// gets the advice to add it.
#[test]
fn geocode_says_what_a_misspelt_name_is_near() {
    let work = Work::new("small");
    let run = work.run(&["geocode", "--data", "data", "Dishanbi", "Atlantis"]);
    run.expect_code(1);
    let out = run.stdout();
    assert!(
        out.contains("Dishanbi: unresolved: no place in the gazetteer matches; did you mean Dushanbe (dushanbe, settlement, TJ, 0.68)? fix the spelling"),
        "{out}"
    );
    assert!(
        out.contains(
            "Atlantis: unresolved: no place in the gazetteer matches; add the name as an alias"
        ),
        "{out}"
    );
    let run = work.run(&[
        "geocode",
        "--data",
        "data",
        "--json",
        "--country",
        "TJ",
        "Dishanbi",
        "Atlantis",
        "Termez",
    ]);
    run.expect_code(1);
    let v: Value = serde_json::from_str(&run.stdout()).unwrap();
    assert_eq!(v[0]["status"], "unresolved");
    assert_eq!(v[0]["candidates"], serde_json::json!([]));
    assert_eq!(v[0]["near"][0]["place_id"], "dushanbe");
    assert_eq!(v[0]["near"][0]["match"], "fuzzy");
    assert_eq!(v[0]["near"].as_array().map(Vec::len), Some(1));
    let advice = v[0]["advice"].as_str().unwrap();
    assert!(
        advice.starts_with("unresolved: no place in TJ in the gazetteer matches; did you mean Dushanbe (dushanbe, settlement, TJ, 0.68)?"),
        "{advice}"
    );
    assert_eq!(v[1]["near"], serde_json::json!([]));
    assert!(v[1]["advice"]
        .as_str()
        .unwrap()
        .contains("matches; add the name as an alias"));
    // Termez is in UZ: nothing in TJ, nothing near there either.
    assert_eq!(v[2]["status"], "unresolved");
    assert_eq!(v[2]["near"], serde_json::json!([]));
    // A batch row's note says it too.
    let batch = work.write_csv("names.csv", "name,country\nDishanbi,TJ\nAtlantis,TJ\n");
    let run = work.run(&["geocode", "--data", "data", "--batch", &batch]);
    run.expect_code(1);
    let out = run.stdout();
    let rows: Vec<&str> = out.lines().collect();
    assert!(
        rows[1].starts_with("Dishanbi,TJ,unresolved,")
            && rows[1].ends_with("\"did you mean Dushanbe (dushanbe, settlement, TJ, 0.68)?\""),
        "{out}"
    );
    assert!(
        rows[2].starts_with("Atlantis,TJ,unresolved,") && rows[2].ends_with(','),
        "{out}"
    );
}

/// Probe (session 25): a batch file with a header and no rows printed nothing at all in CSV,
/// so a script reading the output found no columns; it prints the header row, as a batch
/// of names prints it above them (JSON says `[]`).
#[test]
fn a_batch_of_no_rows_prints_the_header_of_its_columns() {
    let work = Work::new("small");
    let batch = work.write_csv("names.csv", "name,country\n");
    let run = work.run(&["geocode", "--data", "data", "--batch", &batch]);
    run.expect_code(0);
    let empty = run.stdout();
    let one = work.write_csv("one.csv", "name,country\nTermez,UZ\n");
    let run = work.run(&["geocode", "--data", "data", "--batch", &one]);
    run.expect_code(0);
    let full = run.stdout();
    let header = full.lines().next().unwrap();
    assert!(
        header.starts_with("name,country,status,place_id,"),
        "{full}"
    );
    assert_eq!(empty, format!("{header}\n"));
    let run = work.run(&["geocode", "--data", "data", "--batch", &batch, "--json"]);
    run.expect_code(0);
    assert_eq!(run.stdout().trim(), "[]");
}

/// Probe (session 25): `geocode --batch` with `country,name,country` used the first
/// country and dropped the second without a word (`name,NAME` likewise), where
/// `build --events` refuses such a header. The same rule now (`table::repeated_column`).
#[test]
fn a_batch_header_naming_a_column_twice_is_refused_naming_it() {
    let work = Work::new("small");
    for (header, said) in [
        ("country,name,country", "column \"country\" appears twice"),
        ("name,name", "column \"name\" appears twice"),
        (
            "name,NAME",
            "\"name\" and \"NAME\" differ only in case and would both be the name column",
        ),
        (
            "name,Country,COUNTRY",
            "\"Country\" and \"COUNTRY\" differ only in case",
        ),
    ] {
        let batch = work.write_csv("names.csv", format!("{header}\nTermez,UZ,TJ\n"));
        work.run(&["geocode", "--data", "data", "--batch", &batch])
            .expect_code(1)
            .expect_stderr_line(&["names.csv:1:", said]);
    }
}

#[test]
fn a_place_the_reported_words_do_not_name_needs_the_source_that_places_it() {
    // "near Termez" names the city, not the training ground: without `located_by` nothing
    // says where the stage was.
    rejects(
        |w| w.edit("exercises.toml", "located_by = \"test\"\n", ""),
        &[
            "exercises.toml:22:",
            "\"near Termez\"",
            "the reported words do not name Termez training ground (termez-training-ground): cite the source that places it with `located_by`",
        ],
    );
    // The first site's "the Kharbmaidon range" names its place by an alias: the golden
    // test builds it.
}

#[test]
fn unresolved_place_names_file_line_and_value() {
    rejects(
        |w| {
            w.edit(
                "exercises.toml",
                "place = \"Харб-Майдон\"",
                "place = \"Atlantis\"",
            )
        },
        &["exercises.toml:14:", "\"Atlantis\"", "unresolved"],
    );
}

#[test]
fn ambiguous_place_is_reported_with_its_candidates() {
    // Without a host country, "Ayni" is a village in TJ and one in UZ.
    rejects(
        |w| {
            w.edit("exercises.toml", "host = \"TJ\"\n", "");
            w.edit(
                "exercises.toml",
                "place = \"Харб-Майдон\"",
                "place = \"Ayni\"",
            );
        },
        &[
            "exercises.toml:13:",
            "\"Ayni\"",
            "ambiguous: ayni-uz (settlement, 1.00), ayni-village (settlement, 1.00)",
        ],
    );
}

#[test]
fn malformed_date_is_reported() {
    rejects(
        |w| {
            w.edit(
                "exercises.toml",
                "start = \"2021-08-05\"",
                "start = \"5 August 2021\"",
            )
        },
        &[
            "exercises.toml:16:",
            "\"5 August 2021\"",
            "not an ISO 8601 date",
        ],
    );
}

/// Defect: a dataset date in a year before 1000 was "not an ISO 8601 date (expected YYYY…)",
/// though written YYYY-MM-DD: the message names the accepted range of years.
#[test]
fn a_year_out_of_range_is_reported_as_such() {
    rejects(
        |w| {
            w.edit(
                "exercises.toml",
                "start = \"2021-08-05\"",
                "start = \"0021-08-05\"",
            )
        },
        &[
            "exercises.toml:16:",
            "\"0021-08-05\"",
            "year out of the accepted range (1000 to 9999)",
        ],
    );
}

#[test]
fn impossible_date_is_reported() {
    rejects(
        |w| {
            w.edit(
                "exercises.toml",
                "end = \"2021-08-10\"",
                "end = \"2021-02-30\"",
            )
        },
        &["exercises.toml:17:", "\"2021-02-30\"", "no such date"],
    );
}

#[test]
fn end_before_start_is_reported() {
    rejects(
        |w| {
            w.edit(
                "exercises.toml",
                "end = \"2021-08-10\"",
                "end = \"2021-08-01\"",
            )
        },
        &[
            "exercises.toml:17:",
            "\"2021-08-01\"",
            "end date is before the start date 2021-08-05",
        ],
    );
}

/// Probe 5 L3 (the rule bulk rows share): an end inside the start's month before its last
/// day would make a span shorter than the month its precision says, and an end without a
/// start a start invented as that day; both are refused at the end's line.
#[test]
fn an_end_inside_the_starts_month_or_without_a_start_is_reported() {
    rejects(
        |w| {
            w.edit(
                "exercises.toml",
                "start = \"2021-08\"\n",
                "start = \"2021-08\"\nend = \"2021-08-15\"\n",
            )
        },
        &[
            "exercises.toml:27:",
            "\"2021-08-15\"",
            "`start` and `end`: the end falls inside the start's month before its last day",
        ],
    );
    rejects(
        |w| w.edit("exercises.toml", "start = \"2021-08-05\"\n", ""),
        &[
            "exercises.toml:16:",
            "\"2021-08-10\"",
            "`end` without `start`",
        ],
    );
}

#[test]
fn duplicate_id_is_reported() {
    rejects(
        |w| w.edit("exercises.toml", "id = \"unlocated\"", "id = \"drill-one\""),
        &[
            "exercises.toml:",
            "\"drill-one\"",
            "duplicate id (first on line 2)",
        ],
    );
}

#[test]
fn unknown_country_code_is_reported() {
    rejects(
        |w| {
            w.edit(
                "exercises.toml",
                "participants = [\"RU\", \"TJ\"]",
                "participants = [\"RU\", \"TAJ\"]",
            )
        },
        &["exercises.toml:7:", "\"TAJ\"", "unknown country code"],
    );
    rejects(
        |w| {
            w.edit(
                "places.csv",
                "dushanbe,Dushanbe,settlement,TJ,",
                "dushanbe,Dushanbe,settlement,XX,",
            )
        },
        &["places.csv:6:", "\"XX\"", "unknown country code"],
    );
    // Probe, session 42: a country given twice was taken once, silently.
    rejects(
        |w| {
            w.edit(
                "exercises.toml",
                "participants = [\"RU\", \"TJ\"]",
                "participants = [\"RU\", \"TJ\", \"RU\"]",
            )
        },
        &["exercises.toml:7:", "\"RU\"", "`participants`: given twice"],
    );
}

/// Review (admin1): `admin1` was never checked: `not a code at all!`, and `TJ-SU` on a UZ
/// row, passed `check` and were published in every layer's `admin1`. Each is a problem at
/// its line for `check`, `build`, `build --events` and `geocode` alike.
#[test]
fn an_admin1_that_is_no_region_code_of_its_country_is_reported() {
    let row = "termez,Termez,settlement,UZ,";
    for (bad, why) in [
        (
            "not a code at all!",
            "admin1: not an ISO 3166-2 region code",
        ),
        (
            "TJ-SU",
            "admin1: a region of TJ, not of the row's country UZ",
        ),
    ] {
        let parts = ["places.csv:4:", &format!("\"{bad}\""), why];
        rejects(
            |w| {
                w.edit(
                    "places.csv",
                    &format!("{row}UZ-SU,"),
                    &format!("{row}{bad},"),
                )
            },
            &parts,
        );
        let work = Work::new("events");
        work.edit(
            "places.csv",
            &format!("{row}UZ-SU,"),
            &format!("{row}{bad},"),
        );
        let args = ["--data", "data", "--out", "out"];
        work.run(&[&["build"], &args[..], &["--events", "data/events.csv"]].concat())
            .expect_code(1)
            .expect_stderr_line(&parts);
        assert!(!work.out().join("events.geojson").exists());
        work.run(&["geocode", "--data", "data", "Dushanbe"])
            .expect_code(2)
            .expect_stderr_line(&parts);
    }
}

#[test]
fn coordinates_out_of_range_are_reported() {
    rejects(
        |w| w.edit("places.csv", "38.53575,68.77905", "138.53575,68.77905"),
        &["places.csv:6:", "\"138.53575\"", "lat out of range"],
    );
    rejects(
        |w| w.edit("places.csv", "38.53575,68.77905", "38.53575,268.77905"),
        &["places.csv:6:", "\"268.77905\"", "lon out of range"],
    );
}

#[test]
fn missing_required_fields_are_reported() {
    rejects(
        |w| {
            w.edit(
                "exercises.toml",
                "scenario = \"Repel a border breach\"\n",
                "",
            )
        },
        &["exercises.toml:1:", "missing required field `scenario`"],
    );
    rejects(
        |w| {
            w.edit(
                "bases.toml",
                "reported = \"a base in Tajikistan\"\nlocated_by = \"test\"\n",
                "",
            )
        },
        &["bases.toml:", "missing required field `reported`"],
    );
    rejects(
        |w| {
            w.edit(
                "places.csv",
                ",city centre,Душанбе,test",
                ",city centre,Душанбе,",
            )
        },
        &["places.csv:6:", "missing required field `source`"],
    );
}

#[test]
fn unknown_source_and_unknown_field_are_reported() {
    rejects(
        |w| w.edit("exercises.toml", "sources = [\"a\"]", "sources = [\"zz\"]"),
        &["exercises.toml:10:", "\"zz\"", "unknown source"],
    );
    rejects(
        |w| w.edit("exercises.toml", "troops = 1500", "trops = 1500"),
        &["exercises.toml:8:", "unknown field `trops`"],
    );
}

#[test]
fn a_toml_syntax_error_names_its_line() {
    rejects(
        |w| w.edit("bases.toml", "name = \"Test base\"", "name = \"Test base"),
        &["bases.toml:3:"],
    );
}

/// A data folder without `places.csv` names the file (a folder not there is named as
/// such: [`a_data_folder_that_is_not_there_is_named`]).
#[test]
fn a_data_folder_without_places_csv_is_an_io_error() {
    let work = Work::new("small");
    fs::create_dir(work.dir.path().join("empty")).unwrap();
    work.run(&["check", "--data", "empty"])
        .expect_code(2)
        .expect_stderr_line(&["empty/places.csv", "No such file"]);
}

/// Probe (session 39): a places.csv row refused for a bad value (a `NaN` latitude, an
/// unknown kind, a cell in Windows-1251) left the names it answers unresolved, and those
/// came first, advised to "add the name as an alias or a new row"; the row's own problem
/// came last. The gazetteer's problems come first, and a name that a refused row answers
/// is told the row was refused, and where.
#[test]
fn a_refused_places_row_is_listed_first_and_its_names_are_told_so() {
    let row = "kharbmaidon-training-ground,Kharbmaidon training ground,training_ground,TJ,TJ-KT,37.83654,";
    for (from, to, cause) in [
        (
            format!("{row}68.77762,"),
            format!("{row}NaN,"),
            "\"NaN\": lon is not a number",
        ),
        (
            "training_ground,TJ,TJ-KT,37.83654".to_owned(),
            "training-range,TJ,TJ-KT,37.83654".to_owned(),
            "\"training-range\"",
        ),
    ] {
        let work = Work::new("small");
        work.edit("places.csv", &from, &to);
        for run in [work.check(), work.build()] {
            run.expect_code(1);
            let lines: Vec<String> = run.stderr().lines().map(str::to_owned).collect();
            assert!(
                lines[0].contains("places.csv:3:") && lines[0].contains(cause),
                "{lines:#?}"
            );
            let unresolved: Vec<&String> =
                lines.iter().filter(|l| l.contains("unresolved")).collect();
            assert!(!unresolved.is_empty(), "{lines:#?}");
            for l in unresolved {
                assert!(
                    l.contains("exercises.toml")
                        && l.ends_with(
                            "unresolved: the gazetteer row that would answer it was refused \
                             (see its problem at data/places.csv:3)"
                        ),
                    "{l}"
                );
            }
        }
    }
    // A row in Windows-1251: the encoding problem first.
    let work = Work::new("small");
    let text = fs::read_to_string(work.data().join("places.csv")).unwrap();
    let cp1251: Vec<u8> = text
        .chars()
        .map(|c| match c {
            'А'..='я' => u8::try_from(u32::from(c) - 0x410 + 0xC0).unwrap(),
            _ => u8::try_from(c).unwrap_or(b'?'),
        })
        .collect();
    fs::write(work.data().join("places.csv"), cp1251).unwrap();
    let run = work.check();
    run.expect_code(1);
    let first = run.stderr().lines().next().unwrap_or_default().to_owned();
    assert!(
        first.contains("places.csv:3:") && first.contains("iconv -f cp1251"),
        "{}",
        run.stderr()
    );
}

/// Probe (session 39): `geocode --help` said `--data` is a "Folder with places.csv", and
/// `extract`'s and `places promote`'s said as little; all read the boundaries too, and a
/// folder without them was refused with a bare "No such file or directory" (exit 2).
#[test]
fn a_data_folder_without_the_boundaries_is_told_what_it_lacks() {
    let work = Work::new("small");
    fs::remove_dir_all(work.data().join("boundaries")).unwrap();
    for args in [
        &["geocode", "--data", "data", "Termez"][..],
        &["places", "promote", "--data", "data", "Termez"],
        &["check", "--data", "data"],
    ] {
        work.run(args).expect_code(2).expect_stderr_line(&[
            "boundaries/countries-10m.json: no such file",
            "Natural Earth country boundaries",
        ]);
    }
    for (args, flag) in [
        (&["build", "--help"][..], "--data"),
        (&["geocode", "--help"], "--data"),
        (&["extract", "--help"], "--data"),
        (&["places", "promote", "--help"], "--data"),
    ] {
        let help = work.run(args).stdout();
        let at = help
            .find(&format!("{flag} <DATA>"))
            .unwrap_or_else(|| panic!("{help}"));
        let said: String = help[at..]
            .split_whitespace()
            .take(12)
            .collect::<Vec<_>>()
            .join(" ");
        assert!(said.contains("boundaries/countries-10m.json"), "{said}");
    }
    // The README's commands table says it of geocode and promote, and lists check --strict.
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let row = |start: &str| {
        readme
            .lines()
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no README row {start}"))
            .to_owned()
    };
    assert!(row("| `drillmap geocode [--data").contains("boundaries/countries-10m.json"));
    assert!(row("| `drillmap places promote").contains("boundaries/countries-10m.json"));
    assert!(row("| `drillmap check [--data places] [--strict]`").contains("--strict"));
}

#[test]
fn geocode_prints_status_best_place_and_candidates() {
    let work = Work::new("small");
    let run = work.run(&["geocode", "--data", "data", "Harbmaidon", "Termez"]);
    run.expect_code(0);
    let out = run.stdout();
    assert!(
        out.contains("Harbmaidon: resolved kharbmaidon-training-ground"),
        "{out}"
    );
    assert!(
        out.contains("other candidate: termez-training-ground"),
        "{out}"
    );

    let run = work.run(&[
        "geocode",
        "--data",
        "data",
        "--json",
        "Ayni",
        "Atlantis",
        "Термез",
    ]);
    run.expect_code(1);
    let v: Value = serde_json::from_str(&run.stdout()).unwrap();
    assert_eq!(v[0]["status"], "ambiguous");
    let ids: Vec<_> = v[0]["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["place_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["ayni-uz", "ayni-village", "ayni-air-base"]);
    assert_eq!(v[0]["best"], Value::Null);
    assert_eq!(v[1]["status"], "unresolved");
    assert_eq!(v[2]["status"], "resolved");
    assert_eq!(v[2]["best"]["place_id"], "termez");
    assert_eq!(v[2]["best"]["score"], 1.0);

    // A kind or a country decides.
    let run = work.run(&[
        "geocode", "--data", "data", "--json", "--kind", "airfield", "Ayni",
    ]);
    run.expect_code(0);
    let v: Value = serde_json::from_str(&run.stdout()).unwrap();
    assert_eq!(v[0]["best"]["place_id"], "ayni-air-base");
    let run = work.run(&[
        "geocode",
        "--data",
        "data",
        "--json",
        "--country",
        "uz",
        "Ayni",
    ]);
    run.expect_code(0);
    let v: Value = serde_json::from_str(&run.stdout()).unwrap();
    assert_eq!(v[0]["best"]["place_id"], "ayni-uz");
    work.run(&[
        "geocode",
        "--data",
        "data",
        "--country",
        "Tajikistan",
        "Ayni",
    ])
    .expect_code(2)
    .expect_stderr_line(&["--country", "not an ISO 3166-1 alpha-2 code"]);

    // Probe 9: a place `--kind` or `--bbox` left out was told "no place in the gazetteer
    // matches; add the name as an alias or a new row": the filter is named, and the place
    // the name has outside it.
    let run = work.run(&["geocode", "--data", "data", "--kind", "base", "Dushanbe"]);
    run.expect_code(1);
    let out = run.stdout();
    assert!(
        out.contains("no place of kind base in the gazetteer matches")
            && out.contains("dushanbe (settlement, TJ) matches it outside --kind"),
        "{out}"
    );
    let run = work.run(&[
        "geocode",
        "--data",
        "data",
        "--bbox",
        "0,0,10,10",
        "--json",
        "Dushanbe",
    ]);
    run.expect_code(1);
    let v: Value = serde_json::from_str(&run.stdout()).unwrap();
    let advice = v[0]["advice"].as_str().unwrap();
    assert!(
        advice.contains("no place inside 0,0,10,10")
            && advice.contains("dushanbe (settlement, TJ) matches it outside --bbox"),
        "{advice}"
    );
    fs::write(work.dir.path().join("b.csv"), "name\nDushanbe\nAtlantis\n").unwrap();
    let run = work.run(&[
        "geocode", "--data", "data", "--kind", "base", "--batch", "b.csv",
    ]);
    run.expect_code(1);
    let out = run.stdout();
    assert!(
        out.contains("\"dushanbe (settlement, TJ) matches it outside --kind\"")
            && !out.contains("Atlantis,,unresolved,,,,,,,,,,,,0,\""),
        "{out}"
    );
    // Probe, session 45: a box across the antimeridian (as the layers write one) was
    // refused, and a western longitude first was read as a flag.
    work.run(&[
        "geocode",
        "--data",
        "data",
        "--bbox",
        "60,30,-170,50",
        "Dushanbe",
    ])
    .expect_code(0);
    let run = work.run(&[
        "geocode",
        "--data",
        "data",
        "--bbox",
        "170,30,-170,50",
        "Dushanbe",
    ]);
    run.expect_code(1);
    assert!(
        run.stdout().contains("no place inside 170,30,-170,50"),
        "{}",
        run.stdout()
    );
    work.run(&[
        "geocode",
        "--data",
        "data",
        "--bbox",
        "-75,-60,-30,15",
        "Dushanbe",
    ])
    .expect_code(1);
    // Probe, session 45: a row's country took the place of --country (Dushanbe, TJ was
    // resolved under --country UZ), and a place --country left out was not named.
    fs::write(
        work.dir.path().join("c.csv"),
        "name,country\nDushanbe,TJ\nDushanbe,\nDushanbe,UZ\n",
    )
    .unwrap();
    let run = work.run(&[
        "geocode",
        "--data",
        "data",
        "--country",
        "UZ",
        "--batch",
        "c.csv",
    ]);
    run.expect_code(1);
    let out = run.stdout();
    assert!(
        out.contains("\nDushanbe,TJ,unresolved,,,,,,,,,,,,0,its country TJ is not one of --country UZ\n")
            && out.contains(
                "\nDushanbe,,unresolved,,,,,,,,,,,,0,\"dushanbe (settlement, TJ) matches it outside --country\"\n"
            )
            && out.contains("\"dushanbe (settlement, TJ) matches it outside its row's country\""),
        "{out}"
    );
    let run = work.run(&["geocode", "--data", "data", "--country", "UZ", "Dushanbe"]);
    run.expect_code(1);
    assert!(
        run.stdout()
            .contains("dushanbe (settlement, TJ) matches it outside --country"),
        "{}",
        run.stdout()
    );
}

/// Review (geocode): `geocode "Dush\x1b[31manbe"` wrote the ESC to stdout as it was (the
/// terminal read it), `--json` answered it escaped, and a `--batch` row holding it was
/// refused. A NAME with a control character is refused as an empty one is (exit 2), the
/// message showing it escaped, and nothing is printed.
#[test]
fn geocode_refuses_a_name_with_a_control_character() {
    let work = Work::new("small");
    for json in [false, true] {
        let mut args = vec!["geocode", "--data", "data"];
        if json {
            args.push("--json");
        }
        args.extend(["Termez", "Dush\u{1b}[31manbe"]);
        let run = work.run(&args);
        run.expect_code(2).expect_stderr_line(&[
            "NAME \"Dush\\u{1b}[31manbe\"",
            "must not contain control characters (found U+001B)",
        ]);
        // Probe 10: `places promote` took them as a query not in the cache (exit 1), and
        // advised `geocode ""`, itself refused. One check of a name given to look up.
        let query = if json { "Dush\u{1b}[31manbe" } else { " " };
        let said = if json {
            "must not contain control"
        } else {
            "empty"
        };
        work.run(&[
            "places",
            "promote",
            "--data",
            "data",
            "--country",
            "TJ",
            query,
        ])
        .expect_code(2)
        .expect_stderr_line(&["QUERY ", said]);
        assert_eq!(run.stdout(), "", "json: {json}");
        assert!(!run.stderr().contains('\u{1b}'), "{}", run.stderr());
    }
    // A batch row: a problem at its line, escaped; no output.
    let b = work.write_csv("b.csv", "name\nTermez\nDush\u{1b}[31manbe\n");
    let run = work.run(&["geocode", "--data", "data", "--batch", &b, "-q"]);
    run.expect_code(1).expect_stderr_line(&[
        "b.csv:3:",
        "\"Dush\\u{1b}[31manbe\"",
        "name must not contain control characters (found U+001B)",
    ]);
    assert!(!run.stdout().contains('\u{1b}') && !run.stderr().contains('\u{1b}'));
    // A point note, which the text answer prints: a problem of places.csv, shown escaped.
    work.edit(
        "places.csv",
        "settlement,5,city centre,Termiz",
        "settlement,5,city \u{1b}[31mcentre,Termiz",
    );
    // Data `check` refuses: exit 2, not the 1 of a name not resolved (session 45).
    let run = work.run(&["geocode", "--data", "data", "Termez"]);
    run.expect_code(2).expect_stderr_line(&[
        "places.csv:4:",
        "`point_note` must not contain control characters (found U+001B)",
    ]);
    assert!(!run.stdout().contains('\u{1b}') && !run.stderr().contains('\u{1b}'));
}

/// Probe, session 45: a mistyped `located_by` was told first as a place its reported words
/// do not name, "cite the source that places it with `located_by`", though it does.
#[test]
fn a_mistyped_located_by_is_one_problem() {
    let work = Work::new("small");
    work.edit(
        "exercises.toml",
        "reported = \"near Termez\"",
        "reported = \"near the border\"",
    );
    work.edit(
        "exercises.toml",
        "located_by = \"test\"\ncountry = \"UZ\"",
        "located_by = \"tset\"\ncountry = \"UZ\"",
    );
    let run = work.check();
    run.expect_code(1).expect_stderr_line(&[
        "exercises.toml:",
        "\"tset\": unknown source (not in sources.toml)",
    ]);
    assert!(!run.stderr().contains("do not name"), "{}", run.stderr());
    assert!(run.stderr().contains(": 1 problem"), "{}", run.stderr());
}

/// Probe, session 45: a Cyrillic "а" in a Latin place name passed into the layers, a
/// direction override too, and a source id with a look-alike letter was "unknown" in words
/// that showed it as the known one.
#[test]
fn look_alike_letters_and_direction_overrides_are_named() {
    let work = Work::new("small");
    work.edit(
        "places.csv",
        "termez-training-ground,Termez training ground,",
        "termez-training-ground,Termez trаining ground,",
    );
    work.edit("places.csv", "Termiz|Термез", "Termiz|Термез\u{202e}");
    work.edit(
        "exercises.toml",
        "sources = [\"a\"]",
        "sources = [\"a\", \"tеst\"]",
    );
    let run = work.check();
    run.expect_code(1)
        .expect_stderr_line(&[
            "places.csv:5:",
            "`name` mixes scripts within a word: U+0430, a Cyrillic letter, at character 10",
        ])
        .expect_stderr_line(&[
            "places.csv:4:",
            "`aliases` must not contain control characters (found U+202E)",
        ])
        .expect_stderr_line(&[
            "exercises.toml:",
            "unknown source (not in sources.toml); it holds U+0435, a Cyrillic letter, at character 2",
        ]);
}

/// Probe (session 33): `serve` exits 2 when `--data` or `--out` is no folder, which its
/// help did not say (it named only an address it cannot listen on).
#[test]
fn serve_help_names_the_exit_code_of_a_missing_folder() {
    let work = Work::new("small");
    for (data, out, flag) in [("nowhere", "out", "--data"), ("data", "nowhere", "--out")] {
        work.run(&["serve", "--data", data, "--out", out, "--port", "0"])
            .expect_code(2)
            .expect_stderr_line(&[flag, "nowhere", "no such folder"]);
    }
    let help = work.run(&["serve", "--help"]).stdout();
    assert!(
        help.contains(
            "Exit codes: 2 the address cannot be listened on, or --data is no folder, or --out is no\nfolder (with --watch it need not exist: the build makes it)"
        ),
        "{help}"
    );
}

#[test]
fn help_documents_exit_codes_and_examples() {
    let work = Work::new("small");
    let run = work.run(&["--help"]);
    run.expect_code(0);
    assert!(run.stdout().contains("Exit codes:"));
    // probe4 (LOW 17): `places --help` had neither.
    let commands: [&[&str]; 9] = [
        &["build"],
        &["check"],
        &["geocode"],
        &["tiles"],
        &["serve"],
        &["extract"],
        &["places"],
        &["places", "import-geonames"],
        &["places", "promote"],
    ];
    for cmd in commands {
        let mut args = cmd.to_vec();
        args.push("--help");
        let run = work.run(&args);
        run.expect_code(0);
        assert!(
            run.stdout().contains("Example"),
            "{cmd:?} --help has no example"
        );
        assert!(
            run.stdout().contains("Exit codes"),
            "{cmd:?} --help does not document exit codes"
        );
        // Probe s10: every command names the codes of a bug and of an interrupt too.
        if !cmd.contains(&"serve") {
            assert!(
                run.stdout()
                    .contains("3 internal error, 130/143 interrupted"),
                "{cmd:?} --help lists only some exit codes"
            );
        }
        // Probe finding 17: no command that does not exist.
        assert!(
            !run.stdout().contains("drillmap bulk"),
            "{cmd:?} --help names `drillmap bulk`"
        );
    }
    // Probe finding 17: the layers `build` writes and `tiles` tiles include uncertainty.
    let build = work.run(&["build", "--help"]).stdout();
    assert!(build.contains("uncertainty.geojson"), "{build}");
    let tiles = work.run(&["tiles", "--help"]).stdout();
    assert!(tiles.contains("afghan_border and uncertainty"), "{tiles}");
    let readme = std::fs::read_to_string(util::root().join("README.md")).unwrap();
    assert!(
        !readme.contains("drillmap bulk"),
        "README names `drillmap bulk`"
    );
    work.run(&["build", "--bogus"]).expect_code(2);
}

/// Probe 5 L10: `build --help` listed the fields `--columns` maps without date_precision
/// and source, which it accepts. Its list is every field the parser knows.
#[test]
fn build_help_columns_names_every_field_the_mapping_accepts() {
    let work = Work::new("small");
    let help = work.run(&["build", "--help"]).stdout();
    let lines: Vec<&str> = help.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.trim_start().starts_with("--columns"))
        .unwrap_or_else(|| panic!("no --columns in {help}"));
    let text: String = lines[at + 1..]
        .iter()
        .take_while(|l| !l.trim_start().starts_with('-'))
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    let words: Vec<&str> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .collect();
    for field in drillmap::bulk::Field::ALL {
        assert!(
            words.contains(&field.as_str()),
            "--columns help lacks {field}: {text}"
        );
    }
}

/// Probe finding 15: `--base-zoom 12` above `--max-zoom 10` was accepted (and clamped).
#[test]
fn a_base_zoom_above_the_max_zoom_is_a_usage_error() {
    let work = Work::new("small");
    for cmd in [
        &["tiles", "--data", "data", "--out", "out/t.pmtiles"][..],
        &[
            "build",
            "--data",
            "data",
            "--out",
            "out",
            "--events",
            "data/places.csv",
        ][..],
    ] {
        let mut args = cmd.to_vec();
        args.extend_from_slice(&["--max-zoom", "10", "--base-zoom", "12"]);
        work.run(&args)
            .expect_code(2)
            .expect_stderr_line(&["--base-zoom 12 is above --max-zoom 10"]);
        // Probe 9: below the first zoom written it was accepted, clustering nothing.
        let mut args = cmd.to_vec();
        args.extend_from_slice(&["--min-zoom", "5", "--base-zoom", "3"]);
        work.run(&args).expect_code(2).expect_stderr_line(&[
            "--base-zoom 3 is below --min-zoom 5",
            "give a base zoom from 5",
        ]);
    }
    assert!(!work.out().join("t.pmtiles").exists());
}

/// Tester finding (session 38, 2): a config file that did not parse (an unknown field)
/// exited 1, which `geocode` keeps for a name it cannot resolve, and named no line. A
/// config is settings, as flags are: exit 2, naming the file and the line, for every
/// command, as a missing config and a value out of range in one already did.
#[test]
fn a_config_that_does_not_parse_is_exit_2_with_its_line() {
    let work = Work::new("small");
    fs::write(
        work.dir.path().join("bad.toml"),
        "# settings\n[online]\nbogus = 1\n",
    )
    .unwrap();
    let expect = ["error: ", "bad.toml:3:", "unknown field `bogus`"];
    work.run(&[
        "geocode", "--data", "data", "--config", "bad.toml", "Termez",
    ])
    .expect_code(2)
    .expect_stderr_line(&expect);
    work.run(&[
        "build", "--data", "data", "--out", "out", "--config", "bad.toml",
    ])
    .expect_code(2)
    .expect_stderr_line(&expect);
    assert!(work.outputs().is_empty(), "nothing written");
    // Probe, session 41: `build --events`, which asks nothing online, did not read it.
    fs::write(
        work.dir.path().join("events.csv"),
        "id,place,country,start_date\ne1,Termez,UZ,2021-08-05\n",
    )
    .unwrap();
    work.run(&[
        "build",
        "--data",
        "data",
        "--out",
        "out",
        "--events",
        "events.csv",
        "--config",
        "bad.toml",
    ])
    .expect_code(2)
    .expect_stderr_line(&expect);
    assert!(work.outputs().is_empty(), "nothing written");
    fs::write(work.dir.path().join("bad.toml"), "[online\n").unwrap();
    work.run(&[
        "geocode", "--data", "data", "--config", "bad.toml", "Termez",
    ])
    .expect_code(2)
    .expect_stderr_line(&["bad.toml:1:"]);
    work.run(&[
        "geocode",
        "--data",
        "data",
        "--config",
        "none.toml",
        "Termez",
    ])
    .expect_code(2);
    // `geocode` and `build` with bad.toml: exit 2, saying `said`.
    let refused = |said: &[&str]| {
        for command in [&["geocode", "Termez"][..], &["build", "--out", "out"]] {
            let mut args = vec![command[0], "--data", "data", "--config", "bad.toml"];
            args.extend_from_slice(&command[1..]);
            work.run(&args).expect_code(2).expect_stderr_line(said);
        }
    };
    // Probe, session 41: text that is not UTF-8 was exit 1, a name not resolved.
    fs::write(
        work.dir.path().join("bad.toml"),
        b"[online]\nlimit = \xff\n",
    )
    .unwrap();
    refused(&["error: bad.toml:2:", "not valid UTF-8"]);
    // Probe 10: a value out of range was accepted by a run that does not ask online (and
    // an online run's refusal named no file); `countries` was accepted and ignored.
    for (setting, said) in [
        (
            "timeout-secs = 0",
            "timeout-secs (--online-timeout) 0 is outside 1..=600",
        ),
        ("limit = 99", "geocoder limit 99 is outside 1..=40"),
        ("countries = [\"RU\"]", "countries: not a setting"),
    ] {
        fs::write(
            work.dir.path().join("bad.toml"),
            format!("[online]\n{setting}\n"),
        )
        .unwrap();
        refused(&["error: bad.toml: [online] ", said]);
    }
    // Session 42: `countries`, read only to be refused, was listed among the fields an
    // unknown one could have been.
    fs::write(work.dir.path().join("bad.toml"), "[online]\nfoo = 1\n").unwrap();
    refused(&["error: bad.toml:2: unknown field `foo`, expected one of `enabled`"]);
    let run = work.run(&[
        "geocode", "--data", "data", "--config", "bad.toml", "Termez",
    ]);
    assert!(!run.stderr().contains("`countries`"), "{}", run.stderr());
    assert!(work.outputs().is_empty(), "nothing written");
}

/// Probe, session 39: `geocode --json` and `geocode --batch --json` exited 2 with "Broken
/// pipe" when the reader stopped early (`| head -c 10`), where the text output and
/// `extract --format json` end quietly: the JSON writer's error lost the I/O error's kind.
#[test]
fn geocode_json_into_a_closed_pipe_ends_quietly() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let work = Work::new("small");
    let names = vec!["Termez"; 3000];
    work.write_csv("names.csv", format!("name\n{}\n", names.join("\n")));
    let batch = work.data().join("names.csv");
    let batch = batch.to_str().unwrap();
    let data = work.data();
    let data = data.to_str().unwrap();
    let mut by_name = vec!["geocode", "--data", data, "--json"];
    by_name.extend(&names);
    let by_batch = vec!["geocode", "--data", data, "--batch", batch, "--json"];
    for args in [by_name, by_batch] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_drillmap"))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 10];
        stdout.read_exact(&mut first).unwrap();
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let what = &args[..4];
        assert_eq!(out.status.code(), Some(0), "{what:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{what:?}: {stderr}");
    }
}

/// Session 42 (an audit of the data): a base's `since = "2015"` was written 2015-01-01 with
/// nothing saying the day is not known. Each date carries the precision the record gives
/// it, and a `last_reported` raised to a later `since` keeps its own (review).
#[test]
fn base_dates_carry_the_precision_the_record_gives_them() {
    let work = Work::new("small");
    work.edit(
        "bases.toml",
        "last_reported = \"2019\"\nevidence = [{ field = \"last_reported\", source = \"test\" }]",
        "last_reported = \"2019\"\nsince = \"2019-06-15\"\nevidence = [{ field = \"last_reported\", source = \"test\" }, { field = \"since\", source = \"test\" }]",
    );
    work.build().expect_code(0);
    let layer = work.layer("bases.geojson");
    let site = |id: &str| {
        layer["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id)
            .unwrap_or_else(|| panic!("{id}"))["properties"]
            .clone()
    };
    let ayni = site("ru-base/ayni");
    assert_eq!(
        (&ayni["since"], &ayni["since_precision"]),
        (&"2015-01-01".into(), &"year".into())
    );
    assert_eq!(
        (&ayni["until"], &ayni["until_precision"]),
        (&"2020-06-30".into(), &"month".into())
    );
    assert_eq!(ayni["last_reported_precision"], serde_json::Value::Null);
    let dushanbe = site("ru-base/dushanbe");
    assert_eq!(
        (
            &dushanbe["last_reported"],
            &dushanbe["last_reported_precision"]
        ),
        (&"2019-06-15".into(), &"year".into())
    );
    assert_eq!(dushanbe["since_precision"], "day");
}

/// Probe, session 44: `check --data nosuch` said "nosuch/places.csv: No such file or
/// directory", the first file looked for, not the folder. Every command that reads the
/// data folder names it when it is not there, or is a file (exit 2).
#[test]
fn a_data_folder_that_is_not_there_is_named() {
    let work = Work::new("small");
    fs::write(work.dir.path().join("afile"), "").unwrap();
    fs::write(
        work.dir.path().join("a.txt"),
        "Russian troops held drills at the Lyaur training ground.\n",
    )
    .unwrap();
    for args in [
        &["check"][..],
        &["build", "--out", "o"],
        &["geocode", "Dushanbe"],
        &["extract", "a.txt"],
    ] {
        for (data, says) in [
            ("nowhere", "no such folder"),
            ("afile", "a file, not a folder"),
        ] {
            let mut all = args.to_vec();
            all.extend(["--data", data]);
            work.run(&all).expect_code(2).expect_stderr_line(&[&format!(
                "{data}: {says}: --data names the folder that holds places.csv"
            )]);
        }
    }
    assert!(!work.dir.path().join("o").exists());
}
