//! `drillmap extract`: the five articles against golden drafts, the drafts pasted into a
//! dataset that `check` accepts, JSON output, bad input and atomic `--out`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod util;

use std::fs;
use std::path::Path;

use util::{root, Run, Work};

/// The five articles and the publication date each is extracted with: none where the text
/// has a dateline (003) or no date at all (000, 002).
const ARTICLES: [(&str, Option<&str>); 5] = [
    ("000_b46247683da7a7f2.txt", None),
    ("001_721b475338128ad3.txt", Some("2018-07-23")),
    ("002_40d51b471cd5f3bd.txt", None),
    ("003_05eb747850c79f77.txt", None),
    ("004_b1421c71e36eabd6.txt", Some("2021-07")),
];

fn extract(work_dir: &Path, args: &[&str]) -> Run {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_drillmap"))
        .arg("extract")
        .args(args)
        .current_dir(work_dir)
        .output()
        .unwrap();
    Run(output)
}

fn article_args(file: &str, published: Option<&str>) -> Vec<String> {
    let mut args = vec![
        "--data".to_owned(),
        "places".to_owned(),
        format!("places/articles/{file}"),
    ];
    if let Some(p) = published {
        args.extend(["--published".to_owned(), p.to_owned()]);
    }
    args
}

#[test]
fn golden_drafts_of_the_five_articles() {
    let expected = root().join("tests/fixtures/extract");
    for (file, published) in ARTICLES {
        let args = article_args(file, published);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = extract(&root(), &args);
        run.expect_code(0);
        let got = run.stdout();
        let name = format!("{}.toml", &file[..3]);
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            fs::create_dir_all(&expected).unwrap();
            fs::write(expected.join(&name), &got).unwrap();
        }
        let want = fs::read_to_string(expected.join(&name)).unwrap();
        assert!(
            got == want,
            "{name} differs from tests/fixtures/extract (UPDATE_GOLDEN=1 cargo test --test extract golden to accept):\n{got}"
        );
        // The draft is TOML.
        toml::from_str::<toml::Table>(&got).unwrap();
    }
}

#[test]
fn the_records_the_dataset_holds_are_proposed_with_quotes() {
    let dir = root().join("tests/fixtures/extract");
    let read = |n: &str| fs::read_to_string(dir.join(n)).unwrap();
    let zapad = read("003.toml");
    assert!(zapad.contains("name = \"Zapad-2021\""));
    assert!(zapad.contains("start = \"2021-09-10\"  # \"September 10-16\""));
    assert!(zapad.contains("invited = [\"KZ\"]"));
    assert!(zapad.contains("{ field = \"start\", quote = \"September 10-16\""));
    assert!(zapad.contains("published = \"2021-08-05\"  # dateline: \"05 Августа 2021\""));
    let ib = read("002.toml");
    assert!(ib.contains("place = \"Bereg training ground\"  # resolved: bereg-training-ground"));
    assert!(ib.contains("participants = [\"KZ\", \"RU\", \"BY\", \"KG\", \"TJ\"]"));
    let kh = read("004.toml");
    assert!(kh.contains("place = \"Kharbmaidon training ground\""));
    assert!(kh.contains("troops = 1500  # \"around 1,500 troops\""));
    assert!(kh.contains("{ field = \"troops\", quote = \"around 1,500 troops\""));
    assert!(kh.contains("start = \"2021-04\"  # \"late April\" (0.80; year inferred)"));
    let steppe = read("001.toml");
    assert!(steppe.contains("stage = \"Second stage\""));
    assert!(steppe.contains("start = \"2018-07-16\""));
}

#[test]
fn drafts_pasted_into_a_dataset_pass_check() {
    let work = Work::new(root().join("places").to_str().unwrap());
    let mut args = vec!["--data".to_owned(), "data".to_owned()];
    for (file, _) in ARTICLES {
        args.push(format!("data/articles/{file}"));
    }
    // One date for the two undated articles is enough for check; the others keep theirs.
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = extract(work.dir.path(), &args);
    run.expect_code(0);
    paste(&work, &run.stdout());
    work.check().expect_code(0);
    build_without_bases(&work).expect_code(0);
    let layer = fs::read_to_string(work.out().join("exercises.geojson")).unwrap();
    assert!(layer.contains("kharbmaidon-training-ground"));
}

/// Probe (session 26): drafts of Russian articles failed `check`, which the README says a
/// reviewed draft passes: a compound's first part was quoted alone ("Казахстанско", no
/// country `check` reads), and a place in a case ("под Термезом", "близ Бохтара") was
/// found by `extract` and called unnamed by `check`. Both read names as the other does now.
#[test]
fn drafts_of_russian_articles_pass_check() {
    let work = Work::new(root().join("places").to_str().unwrap());
    let articles = [
        (
            "ru1.txt",
            "Учения на полигоне Харбмайдон прошли\n\n05 Августа 2021\n\n\
             Казахстанско-узбекско-таджикские учения пройдут с 10 по 15 сентября на полигоне \
             Харбмайдон. На учения приглашены наблюдатели из Китая.\n",
        ),
        (
            "ru2.txt",
            "Учения у границы с Афганистаном начнутся в ноябре\n\nРоссийские и узбекские \
             военные проведут учения под Термезом с 20 по 25 ноября. Также учения пройдут \
             близ Бохтара и в районе города Куляба.\n",
        ),
    ];
    let mut args: Vec<String> = ["--data", "data", "--published", "2021-08-05"]
        .map(String::from)
        .into();
    for (name, text) in articles {
        fs::write(work.data().join("articles").join(name), text).unwrap();
        args.push(format!("data/articles/{name}"));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = extract(work.dir.path(), &args);
    run.expect_code(0);
    let drafts = run.stdout();
    for wanted in [
        "quote = \"Казахстанско-узбекско-таджикские\"",
        "учения под Термезом с 20 по 25 ноября.\"",
        "близ Бохтара",
    ] {
        assert!(drafts.contains(wanted), "{wanted}: {drafts}");
    }
    // Added to the shipped dataset, whose places cite its articles.
    append_drafts(&work, &drafts);
    work.check().expect_code(0);
}

#[test]
fn a_reviewed_draft_with_its_deployment_placed_builds() {
    // The README's steps: extract 004 on its day, name the range the article only
    // describes, paste, check, build.
    let work = Work::new(root().join("places").to_str().unwrap());
    let run = extract(
        work.dir.path(),
        &[
            "--data",
            "data",
            "--published",
            "2021-07-21",
            "data/articles/004_b1421c71e36eabd6.txt",
        ],
    );
    run.expect_code(0);
    let draft = run.stdout();
    let unnamed = "place = \"\"  # not named in the article, only \"a military range near the Afghan border\"";
    assert!(draft.contains(unnamed), "{draft}");
    paste(&work, &draft);
    work.check()
        .expect_code(1)
        .expect_stderr_line(&["exercises.toml:", "`place` must not be empty"]);
    paste(
        &work,
        &draft.replacen(
            "place = \"\"",
            "place = \"Kharbmaidon training ground\"\nlocated_by = \"urdupoint-1307020\"",
            1,
        ),
    );
    work.check().expect_code(0);
    build_without_bases(&work).expect_code(0);
    let layer: serde_json::Value =
        serde_json::from_slice(&fs::read(work.out().join("exercises.geojson")).unwrap()).unwrap();
    let march = layer["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"].as_str().unwrap().ends_with("/deployment"))
        .unwrap();
    let p = &march["properties"];
    assert_eq!(p["place_id"], "kharbmaidon-training-ground");
    assert_eq!(p["start_date"], "2021-07-20");
    assert_eq!(p["participants"], serde_json::json!(["RU"]));
}

/// A name in a script the gazetteer does not transliterate (`Αετός-2024`) was drafted with
/// the id `αετος-2024`, which `check` refuses: a draft's ids are made by the one rule of
/// ids from names, the rows `places promote` makes, and a draft passes `check`.
#[test]
fn a_draft_of_a_name_in_another_script_has_an_id_check_reads() {
    let work = Work::new(root().join("places").to_str().unwrap());
    fs::write(
        work.data().join("articles").join("gr.txt"),
        "Russian and Tajik troops held the exercise \"Αετός-2024\" at the Kharbmaidon \
         training ground in Tajikistan on 5 May 2024, the Ministry of Defence said.\n",
    )
    .unwrap();
    let run = extract(
        work.dir.path(),
        &[
            "--data",
            "data",
            "--published",
            "2024-05-06",
            "data/articles/gr.txt",
        ],
    );
    run.expect_code(0);
    let drafts = run.stdout();
    assert!(
        drafts.contains("id = \"2024\"\nname = \"Αετός-2024\""),
        "{drafts}"
    );
    append_drafts(&work, &drafts);
    work.check().expect_code(0);
}

/// Probe, session 38: two articles of one run about one drill drafted one id twice, so the
/// drafts pasted together failed `check` ("duplicate id").
#[test]
fn two_articles_about_one_drill_draft_two_ids_that_pass_check() {
    let work = Work::new(root().join("places").to_str().unwrap());
    for name in ["k1.txt", "k2.txt"] {
        fs::write(
            work.data().join("articles").join(name),
            format!(
                "Regional digest {name}\n\nTajik troops held drills near Kulob on 5 May 2021.\n"
            ),
        )
        .unwrap();
    }
    let run = extract(
        work.dir.path(),
        &[
            "--data",
            "data",
            "data/articles/k1.txt",
            "data/articles/k2.txt",
        ],
    );
    run.expect_code(0);
    let drafts = run.stdout();
    let draft: toml::Table = toml::from_str(&drafts).unwrap();
    let ids: Vec<&str> = draft["exercise"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "{drafts}");
    assert_ne!(ids[0], ids[1], "{drafts}");
    assert_eq!(ids[1], format!("{}-2", ids[0]), "{drafts}");
    append_drafts(&work, &drafts);
    work.check().expect_code(0);
}

/// Add drafts' sources and exercises to the work copy's dataset, beside what it holds.
fn append_drafts(work: &Work, drafts: &str) {
    let draft: toml::Table = toml::from_str(drafts).unwrap();
    for (file, key) in [("sources.toml", "source"), ("exercises.toml", "exercise")] {
        let more = toml::to_string(&toml::Table::from_iter([(
            key.to_owned(),
            draft[key].clone(),
        )]))
        .unwrap();
        work.append(file, &format!("\n{more}"));
    }
}

/// `drillmap build` of a dataset [`paste`] left without bases (`--allow-empty`).
fn build_without_bases(work: &Work) -> Run {
    work.run(&["build", "--data", "data", "--out", "out", "--allow-empty"])
}

/// Paste drafts into the work copy's dataset as an analyst would: their sources in place
/// of the articles' entries (the other sources stay, for the places the gazetteer cites),
/// their exercises for the dataset's, no bases.
fn paste(work: &Work, drafts: &str) {
    let draft: toml::Table = toml::from_str(drafts).unwrap();
    let kept: toml::Table =
        toml::from_str(&fs::read_to_string(work.data().join("sources.toml")).unwrap()).unwrap();
    let mut all: Vec<toml::Value> = kept["source"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s.get("file").is_none())
        .cloned()
        .collect();
    all.extend(draft["source"].as_array().unwrap().iter().cloned());
    let sources = toml::to_string(&toml::Table::from_iter([(
        "source".to_owned(),
        toml::Value::Array(all),
    )]))
    .unwrap();
    let exercises = toml::to_string(&toml::Table::from_iter([(
        "exercise".to_owned(),
        draft["exercise"].clone(),
    )]))
    .unwrap();
    fs::write(work.data().join("sources.toml"), sources).unwrap();
    fs::write(work.data().join("exercises.toml"), exercises).unwrap();
    fs::write(work.data().join("bases.toml"), "").unwrap();
}

/// Defect: the second stage of Steppe Freedom, whose timing "is not yet set" in the article
/// of 23 July 2018, was drafted with no date beside the exercise's `start`, the first
/// stage's July 16, so the built layer put it at Forish on July 16 (`period`). A stage the
/// article says is still to come is drafted `after` the article's date, backed by the words
/// that say so, and the exercise keeps no one stage's date: on the map it is on or after
/// that day, as the hand-kept record has it.
#[test]
fn a_planned_stage_is_after_the_article_s_date_not_another_stage_s() {
    let work = Work::new(root().join("places").to_str().unwrap());
    let file = "data/articles/001_721b475338128ad3.txt";
    let run = extract(
        work.dir.path(),
        &["--data", "data", file, "--published", "2018-07-23"],
    );
    run.expect_code(0);
    let drafts = run.stdout();
    let draft: toml::Table = toml::from_str(&drafts).unwrap();
    let exercise = &draft["exercise"][0];
    assert!(exercise.get("start").is_none(), "{drafts}");
    let sites = exercise["site"].as_array().unwrap();
    let stage = |id: &str| sites.iter().find(|s| s["id"].as_str() == Some(id)).unwrap();
    assert_eq!(stage("stage-1")["start"].as_str(), Some("2018-07-16"));
    let planned = stage("stage-2");
    assert!(planned.get("start").is_none(), "{drafts}");
    assert_eq!(planned["after"].as_str(), Some("2018-07-23"), "{drafts}");
    let evidence = planned["evidence"].as_array().unwrap();
    assert!(
        evidence.iter().any(|e| e["field"].as_str() == Some("after")
            && e["quote"]
                .as_str()
                .is_some_and(|q| q.contains("We plan to carry out"))),
        "{drafts}"
    );
    // The other articles' drafts too, for the sources `places.csv` cites.
    let mut args = vec!["--data".to_owned(), "data".to_owned()];
    for (other, _) in ARTICLES.iter().filter(|(f, _)| !file.ends_with(f)) {
        args.push(format!("data/articles/{other}"));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let others = extract(work.dir.path(), &args);
    others.expect_code(0);
    paste(&work, &format!("{}{drafts}", others.stdout()));
    work.check().expect_code(0);
    build_without_bases(&work).expect_code(0);
    let layer: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(work.out().join("exercises.geojson")).unwrap())
            .unwrap();
    let feature = |id: &str| {
        layer["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"].as_str() == Some(id))
            .unwrap_or_else(|| panic!("no {id}"))["properties"]
            .clone()
    };
    let second = feature("steppe-freedom/stage-2");
    assert_eq!(second["start_date"], "2018-07-23");
    assert_eq!(second["end_date"], serde_json::Value::Null);
    assert_eq!(second["date_bound"], "on_or_after");
    let first = feature("steppe-freedom/stage-1");
    assert_eq!(first["start_date"], "2018-07-16");
    assert_eq!(first["date_bound"], "period");
}

/// Without the article's date, a stage still to come beside another stage's date is left
/// `after = ""`, with its quote, which `check` refuses until the analyst gives the day: it
/// does not take the other stage's date.
#[test]
fn a_planned_stage_without_the_article_s_date_is_left_for_review() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("a.txt"),
        "Joint drills\n\nThe first stage of the Steppe Freedom exercise took place in Almaty \
         Province on 16 July 2018. \"We plan to carry out the second stage of the exercise at \
         Forish Training Centre in Uzbekistan,\" he said.\n",
    )
    .unwrap();
    let data = root().join("places");
    let run = extract(dir.path(), &["--data", data.to_str().unwrap(), "a.txt"]);
    run.expect_code(0);
    let drafts = run.stdout();
    let draft: toml::Table = toml::from_str(&drafts).unwrap();
    let sites = draft["exercise"][0]["site"].as_array().unwrap();
    let planned = sites.iter().find(|s| s["id"].as_str() == Some("stage-2"));
    let planned = planned.unwrap_or_else(|| panic!("no stage-2: {drafts}"));
    assert!(planned.get("start").is_none(), "{drafts}");
    assert_eq!(planned["after"].as_str(), Some(""), "{drafts}");
    assert_eq!(planned["evidence"][0]["field"].as_str(), Some("after"));
}

#[test]
fn json_has_fields_with_quotes_and_every_mention() {
    let run = extract(
        &root(),
        &[
            "--data",
            "places",
            "--format",
            "json",
            "places/articles/004_b1421c71e36eabd6.txt",
            "--published",
            "2021-07",
        ],
    );
    run.expect_code(0);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    let article = &doc["articles"][0];
    assert_eq!(article["source"], "004");
    let records = article["records"].as_array().unwrap();
    let termez = records
        .iter()
        .find(|r| r["troops"]["value"]["value"] == 1500)
        .unwrap();
    assert_eq!(termez["troops"]["value"]["qualifier"], "around");
    assert_eq!(termez["troops"]["reported"], "around 1,500 troops");
    assert_eq!(termez["date"]["value"]["start"], "2021-07-30");
    assert_eq!(termez["date"]["value"]["year_inferred"], true);
    let places: Vec<&str> = article["places"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["reported"].as_str().unwrap())
        .collect();
    assert!(
        places.contains(&"Kharbmaidon training ground"),
        "{places:?}"
    );
}

#[test]
fn cyrillic_spellings_and_unknown_grounds_are_found() {
    let work = Work::new("small");
    let article = work.dir.path().join("a.txt");
    fs::write(
        &article,
        "Учения на полигоне Харбмайдон.\nJoint drills took place at the Harb-Maidon range and at the Momirak training ground on August 5.\n",
    )
    .unwrap();
    let run = extract(
        work.dir.path(),
        &[
            "--data",
            "data",
            "--format",
            "json",
            "a.txt",
            "--published",
            "2021-08-10",
        ],
    );
    run.expect_code(0);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    let places = doc["articles"][0]["places"].as_array().unwrap();
    let found: Vec<(&str, &str)> = places
        .iter()
        .map(|p| {
            (
                p["reported"].as_str().unwrap(),
                p["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(found.contains(&("Харбмайдон", "resolved")), "{found:?}");
    assert!(
        found.contains(&("Harb-Maidon range", "resolved")),
        "{found:?}"
    );
    assert!(
        found.contains(&("Momirak training ground", "unresolved")),
        "{found:?}"
    );
}

/// The `start` and `end` lines of the draft of `text` published on `published`.
fn draft_dates(text: &str, published: &str) -> Vec<String> {
    let work = Work::new("small");
    fs::write(work.dir.path().join("a.txt"), text).unwrap();
    let run = extract(
        work.dir.path(),
        &["--data", "data", "a.txt", "--published", published],
    );
    run.expect_code(0);
    run.stdout()
        .lines()
        .filter(|l| l.starts_with("start = ") || l.starts_with("end = "))
        .map(|l| l.split("  #").next().unwrap().to_owned())
        .collect()
}

// Probe 9, E3, E4 and E7: future drills took last year; "from May 5 to 9" lost its end;
// "в 2021 году" and "на следующей неделе" were not read.
#[test]
fn dates_follow_the_tense_keep_month_first_ranges_and_read_russian_years_and_weeks() {
    let at = "at the Kharbmaidon training ground";
    for (text, want) in [
        (
            format!("Russia and Tajikistan will hold joint drills October 18 to 22 {at}.\n"),
            ["start = \"2023-10-18\"", "end = \"2023-10-22\""],
        ),
        (
            "Российские и таджикские военные проведут учения с 18 по 22 октября на полигоне Харбмайдон.\n".to_owned(),
            ["start = \"2023-10-18\"", "end = \"2023-10-22\""],
        ),
        (
            format!("Russia and Tajikistan held joint drills October 18 to 22 {at}.\n"),
            ["start = \"2022-10-18\"", "end = \"2022-10-22\""],
        ),
        (
            format!("Russia and Tajikistan will hold drills {at} from May 5 to 9.\n"),
            ["start = \"2023-05-05\"", "end = \"2023-05-09\""],
        ),
        (
            format!("Russia and Tajikistan will hold drills {at} May 5 through 9.\n"),
            ["start = \"2023-05-05\"", "end = \"2023-05-09\""],
        ),
        (
            "На следующей неделе Россия и Таджикистан проведут учения на полигоне Харбмайдон.\n".to_owned(),
            ["start = \"2023-04-10\"", "end = \"2023-04-16\""],
        ),
    ] {
        assert_eq!(draft_dates(&text, "2023-04-03"), want, "{text}");
    }
    assert_eq!(
        draft_dates(
            "Россия и Таджикистан провели учения на полигоне Харбмайдон в 2021 году.\n",
            "2023-04-03"
        ),
        ["start = \"2021\""]
    );
}

#[test]
fn bad_articles_are_named_and_nothing_is_written() {
    let work = Work::new("small");
    let dir = work.dir.path();
    fs::write(dir.join("empty.txt"), "  \n").unwrap();
    fs::write(dir.join("binary.txt"), b"PK\x03\x04\x00\x00binary").unwrap();
    fs::write(dir.join("latin1.txt"), b"Drills\nat Forish in \xe9t\xe9").unwrap();
    fs::write(dir.join("huge.txt"), vec![b'a'; 5 << 20]).unwrap();
    fs::write(
        dir.join("good.txt"),
        "Drills at the Kharbmaidon training ground.",
    )
    .unwrap();
    for (file, words) in [
        ("empty.txt", "empty"),
        ("binary.txt", "binary"),
        ("latin1.txt", "not UTF-8"),
        ("huge.txt", "too large"),
    ] {
        let run = extract(
            dir,
            &["--data", "data", "good.txt", file, "--out", "draft.toml"],
        );
        run.expect_code(1).expect_stderr_line(&[file, words]);
        assert!(
            !dir.join("draft.toml").exists(),
            "{file}: nothing is written"
        );
    }
    extract(dir, &["--data", "data", "latin1.txt"]).expect_stderr_line(&["latin1.txt:2:"]);
    extract(dir, &["--data", "data", "missing.txt"])
        .expect_code(2)
        .expect_stderr_line(&["missing.txt"]);
    extract(
        dir,
        &["--data", "data", "good.txt", "--published", "2021-13"],
    )
    .expect_code(2)
    .expect_stderr_line(&["--published", "2021-13"]);
    // Refused for the reasons `check` gives (probe, session 30).
    for (date, why) in [
        ("2021-02-30", "no such date on the calendar"),
        ("2021-2", "not an ISO 8601 date"),
    ] {
        extract(dir, &["--data", "data", "good.txt", "--published", date])
            .expect_code(2)
            .expect_stderr_line(&["--published", date, why]);
    }
    extract(dir, &["--data", "data", "good.txt", "--country", "XX"]).expect_code(2);
}

/// Defect: `--published 0001` (or `0999`) was "not an ISO 8601 date (expected YYYY, …)",
/// though it is YYYY: the year is below the range dates are read in, and the message says
/// so and names the range; 1000 is read.
#[test]
fn a_published_year_out_of_range_is_said_to_be_so() {
    let work = Work::new(root().join("places").to_str().unwrap());
    let dir = work.dir.path();
    let file = "data/articles/001_721b475338128ad3.txt";
    for year in ["0001", "0999", "0999-07-23"] {
        extract(dir, &["--data", "data", file, "--published", year])
            .expect_code(2)
            .expect_stderr_line(&[
                "--published",
                year,
                "out of the accepted range",
                "1000",
                "9999",
            ]);
    }
    extract(dir, &["--data", "data", file, "--published", "1000"]).expect_code(0);
}

#[test]
fn out_is_written_atomically_and_places_are_untouched() {
    let work = Work::new(root().join("places").to_str().unwrap());
    let before = snapshot(&work.data());
    let dir = work.dir.path();
    // What a killed run left (probe, session 24: never swept by extract): a temporary
    // file of a process that is gone (above Linux's largest process id).
    fs::write(dir.join(".draft.toml.drillmap-4194305.tmp"), "half a draft").unwrap();
    let run = extract(
        dir,
        &[
            "--data",
            "data",
            "data/articles/002_40d51b471cd5f3bd.txt",
            "--out",
            "draft.toml",
        ],
    );
    run.expect_code(0)
        .expect_stderr_line(&["draft.toml", "1 draft record"]);
    let draft = fs::read_to_string(dir.join("draft.toml")).unwrap();
    assert!(draft.contains("Indestructible Brotherhood-2024"));
    let litter: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(litter.is_empty(), "{litter:?}");
    assert_eq!(snapshot(&work.data()), before, "nothing in places/ changes");
}

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            for (n, b) in snapshot(&e.path()) {
                out.push((format!("{}/{n}", e.file_name().to_string_lossy()), b));
            }
        } else {
            out.push((
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            ));
        }
    }
    out.sort();
    out
}

/// probe4 (HIGH 2): `extract art.txt --out art.txt` replaced the article with its draft,
/// and `--out places/places.csv` the gazetteer. Both are refused (exit 2), nothing changed;
/// a missing folder is created, as `build --out` and `tiles --out` create theirs.
#[test]
fn out_never_overwrites_an_article_or_the_data() {
    let work = Work::new("small");
    let dir = work.dir.path();
    let text = "Drills at the Kharbmaidon training ground on August 5.\n";
    fs::write(dir.join("art.txt"), text).unwrap();
    let before = snapshot(&work.data());
    for out in ["art.txt", "./art.txt", "data/places.csv", "data/new.toml"] {
        extract(dir, &["--data", "data", "art.txt", "--out", out])
            .expect_code(2)
            .expect_stderr_line(&["--out", out]);
    }
    extract(
        dir,
        &["--data", "./data/", "art.txt", "--out", "data/x/d.toml"],
    )
    .expect_code(2);
    assert_eq!(fs::read_to_string(dir.join("art.txt")).unwrap(), text);
    assert_eq!(
        snapshot(&work.data()),
        before,
        "nothing in the data changes"
    );
    extract(dir, &["--data", "data", "art.txt", "--out", "new/d.toml"]).expect_code(0);
    assert!(dir.join("new/d.toml").is_file());
}

/// probe4 (LOW 18): `extract A.txt A.txt` gave the same article twice; refused (exit 2).
#[test]
fn the_same_article_twice_is_refused() {
    let work = Work::new("small");
    let dir = work.dir.path();
    fs::write(
        dir.join("a.txt"),
        "Drills at the Kharbmaidon training ground.\n",
    )
    .unwrap();
    extract(dir, &["--data", "data", "a.txt", "./a.txt"])
        .expect_code(2)
        .expect_stderr_line(&["./a.txt", "the same article as a.txt"]);
}

/// Probe 5 M4: a hard link is the same article under another name (a symlink was refused,
/// a hard link gave two `[[source]]`s); a copy is another file.
#[test]
fn the_same_article_through_a_hard_link_is_refused() {
    let work = Work::new("small");
    let dir = work.dir.path();
    let text = "Russian and Tajik troops will hold joint drills at the Kharbmaidon training \
                ground on August 5-7, 2021.\n";
    fs::write(dir.join("art1.txt"), text).unwrap();
    fs::hard_link(dir.join("art1.txt"), dir.join("art1hard.txt")).unwrap();
    fs::write(dir.join("art1copy.txt"), text).unwrap();
    extract(dir, &["--data", "data", "art1.txt", "art1hard.txt"])
        .expect_code(2)
        .expect_stderr_line(&["art1hard.txt", "the same article as art1.txt"]);
    extract(dir, &["--data", "data", "art1.txt", "art1copy.txt"]).expect_code(0);
}

/// probe4 (MEDIUM 7): JSON mentions and quotes had no positions. Every `reported` has its
/// `start` and `end`, byte offsets into the article (a byte-order mark not counted), and
/// the article's bytes there are the quote.
#[test]
fn json_quotes_have_their_byte_positions() {
    let run = extract(
        &root(),
        &[
            "--data",
            "places",
            "--format",
            "json",
            "places/articles/004_b1421c71e36eabd6.txt",
            "--published",
            "2021-07-21",
        ],
    );
    run.expect_code(0);
    let text = fs::read(root().join("places/articles/004_b1421c71e36eabd6.txt")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    let mut checked = 0;
    let mut tuesdays = std::collections::BTreeSet::new();
    fn walk(v: &serde_json::Value, f: &mut dyn FnMut(&serde_json::Value)) {
        match v {
            serde_json::Value::Object(m) => {
                f(v);
                m.values().for_each(|x| walk(x, f));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, f)),
            _ => {}
        }
    }
    walk(&doc["articles"][0], &mut |o| {
        let Some(reported) = o.get("reported").and_then(|r| r.as_str()) else {
            return;
        };
        if o.get("value").is_some_and(serde_json::Value::is_null) || reported.is_empty() {
            return;
        }
        // `byte_start`, not `start`: a date mention's `start` and `end` are its dates.
        let at = |key: &str| usize::try_from(o[key].as_u64().unwrap()).unwrap();
        let (start, end) = (at("byte_start"), at("byte_end"));
        let quoted = &text[start..end];
        assert_eq!(std::str::from_utf8(quoted).unwrap(), reported, "{o}");
        if reported == "Tuesday" {
            tuesdays.insert(start);
        }
        checked += 1;
    });
    assert!(checked > 30, "{checked} quotes checked");
    assert!(
        tuesdays.len() >= 2,
        "each Tuesday at its own place: {tuesdays:?}"
    );
}

/// The TOML draft of one sentence, published 2023-04-03, against the repository's tables.
fn draft_of(sentence: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let article = dir.path().join("a.txt");
    fs::write(&article, format!("{sentence}\n")).unwrap();
    let data = root().join("places");
    let run = extract(
        dir.path(),
        &[
            "--data",
            data.to_str().unwrap(),
            "--published",
            "2023-04-03",
            "a.txt",
        ],
    );
    run.expect_code(0);
    run.stdout()
}

/// Assert that the draft of `sentence` holds every line part of `wanted` and none of
/// `unwanted`.
fn draft_has(sentence: &str, wanted: &[&str], unwanted: &[&str]) {
    let draft = draft_of(sentence);
    for w in wanted {
        assert!(draft.contains(w), "{sentence}: no {w}: {draft}");
    }
    for u in unwanted {
        assert!(!draft.contains(u), "{sentence}: {u}: {draft}");
    }
}

/// Probe (session 30): "5 billion troops" was drafted as `troops = 5000000000`, which
/// `check` refuses (a count is at most 4,294,967,295): no count is drafted over that; one
/// under it is.
#[test]
fn a_count_the_dataset_cannot_hold_is_not_drafted() {
    draft_has(
        "Russia and Tajikistan held exercises at the Kharbmaidon training ground involving 5 billion troops.",
        &[],
        &["troops ="],
    );
    draft_has(
        "Russia and Tajikistan held exercises at the Kharbmaidon training ground involving 4 billion troops.",
        &["troops = 4000000000"],
        &[],
    );
}

/// Review finding E2 (probe9): "In 2021, Russia …" was an exercise named "In 2021" and
/// Russia was dropped.
#[test]
fn in_2021_is_no_exercise_name_and_russia_takes_part() {
    let draft = draft_of(
        "In 2021, Russia and Tajikistan held exercises at the Kharbmaidon training ground.",
    );
    assert!(!draft.contains("name = \"In 2021\""), "{draft}");
    assert!(draft.contains("participants = [\"RU\", \"TJ\"]"), "{draft}");
}

/// Review finding E5 (probe9): "Российско-таджикские учения" had TJ alone.
#[test]
fn a_russian_compound_adjective_names_every_country() {
    let draft = draft_of("Российско-таджикские учения прошли на полигоне Харбмайдон 5-9 апреля.");
    assert!(draft.contains("participants = [\"RU\", \"TJ\"]"), "{draft}");
    assert!(
        draft.contains("name = \"Russian-Tajik exercise at Kharbmaidon training ground\""),
        "{draft}"
    );
}

/// "12 500 troops" was drafted as 500 troops (the count started at the last group of
/// digits) and "2 thousand troops" as no count: both are drafted whole, quoted whole.
#[test]
fn grouped_thousands_and_a_multiplier_are_drafted_whole() {
    for (count, value) in [("12 500 troops", 12_500), ("2 thousand troops", 2000)] {
        let draft = draft_of(&format!(
            "Russia and Tajikistan held exercises at the Kharbmaidon training ground with {count}."
        ));
        assert!(
            draft.contains(&format!("troops = {value}  # \"{count}\"")),
            "{draft}"
        );
        assert!(
            draft.contains(&format!("{{ field = \"troops\", quote = \"{count}\" }}")),
            "{draft}"
        );
    }
}

/// Countries a sentence names without their taking part: absent, the enemy, the maker of
/// the tanks. None is drafted as a participant; the observers are drafted as invited.
#[test]
fn absent_enemy_and_maker_countries_are_no_participants_and_observers_are_invited() {
    let draft = draft_of(
        "Russian and Tajik troops held joint drills at the Kharbmaidon training ground on April 5, \
         repelling a simulated attack from Afghanistan with Russian-made T-72 tanks; observers \
         from China attended and Kyrgyzstan did not take part.",
    );
    assert!(draft.contains("participants = [\"RU\", \"TJ\"]"), "{draft}");
    assert!(draft.contains("invited = [\"CN\"]"), "{draft}");
    for absent in ["\"AF\"", "\"KG\""] {
        assert!(!draft.contains(absent), "{absent}: {draft}");
    }
    let draft = draft_of(
        "Таджикские военные провели учения на полигоне Харбмайдон 5-9 апреля без участия \
         Кыргызстана, отразив нападение условного противника из Афганистана на танках \
         российского производства; присутствовали наблюдатели из Китая.",
    );
    assert!(draft.contains("participants = [\"TJ\"]"), "{draft}");
    assert!(draft.contains("invited = [\"CN\"]"), "{draft}");
    for absent in ["\"AF\"", "\"KG\"", "\"RU\""] {
        assert!(!draft.contains(absent), "{absent}: {draft}");
    }
}

/// Probe, session 44: the invited named in a sentence of their own, right after the
/// exercise's, were lost.
#[test]
fn the_invited_in_the_next_sentence_are_drafted_as_invited() {
    for (text, code) in [
        (
            "Russian and Tajik troops held joint drills at the Kharbmaidon training ground on \
             April 5. Observers from Uzbekistan have been invited.",
            "UZ",
        ),
        (
            "Российские и таджикские военные провели учения на полигоне Харбмайдон 5 апреля. \
             На учения приглашены наблюдатели из Китая.",
            "CN",
        ),
    ] {
        let draft = draft_of(text);
        assert!(
            draft.contains(&format!("invited = [\"{code}\"]")),
            "{draft}"
        );
        assert!(
            !draft.contains(&format!("participants = [\"RU\", \"TJ\", \"{code}\"")),
            "{draft}"
        );
    }
    // Not two sentences on.
    let draft = draft_of(
        "Russian and Tajik troops held joint drills at the Kharbmaidon training ground on April 5. \
         The weather was fine. Observers from Uzbekistan have been invited.",
    );
    assert!(!draft.contains("invited ="), "{draft}");
}

/// Probe, session 45: drills the article says did not or will not take place were
/// drafted as exercises. They are written as comments, for reference, with the words that
/// call them off; drills put off to another date take the new date, the old one noted.
#[test]
fn drills_called_off_are_no_exercise_and_drills_put_off_take_the_new_date() {
    for (text, words) in [
        (
            "Kazakhstan said on Tuesday that no exercise took place at the Bereg training ground \
             last week, denying reports of Russian-Kazakh drills there.",
            "no exercise",
        ),
        (
            "Russian-Tajik drills at the Lyaur training ground on May 9-13 have been cancelled.",
            "cancelled",
        ),
        (
            "Учения России и Таджикистана на полигоне Ляур, запланированные на 9-13 мая, \
             отменены.",
            "отменены",
        ),
        (
            "The Russian-Tajik drills at the Lyaur training ground did not take place in May.",
            "not take place",
        ),
    ] {
        let draft = draft_of(text);
        assert!(!draft.contains("\n[[exercise]]"), "{draft}");
        assert!(
            draft.contains(&format!(
                "not drafted as an exercise: the article says it did not or will not take \
                 place ({words:?}:"
            )),
            "{draft}"
        );
        assert!(draft.contains("\n# [[exercise]]\n# id = "), "{draft}");
    }
    // Not called off: held later, a country staying away, a denial of something else, a
    // place not given (review, session 45).
    for text in [
        "Russia denied that its troops crossed the border during the drills at the Lyaur \
         training ground on May 9-13.",
        "The Russian-Tajik drills at the Lyaur training ground on May 9-13 did not specify \
         the place of the final stage.",
        "The Russian-Tajik drills at the Lyaur training ground will not be held until October.",
        "Russian and Tajik troops held drills at the Lyaur training ground on May 9-13; \
         Kyrgyzstan did not take part.",
    ] {
        let draft = draft_of(text);
        assert!(draft.contains("\n[[exercise]]"), "{text}: {draft}");
        assert!(!draft.contains("not drafted"), "{text}: {draft}");
    }
    for (text, start, end, note) in [
        (
            "A joint Russian-Kyrgyz exercise planned at Kant Air Base on June 20-24 has been \
             postponed until September.",
            "2023-09",
            None,
            "Put off: \"postponed until September\", from \"June 20-24\".",
        ),
        (
            "Russian-Tajik drills at the Lyaur training ground have been postponed from 9-13 \
             September to 7-11 October.",
            "2023-10-07",
            Some("2023-10-11"),
            "Put off: \"postponed from 9-13 September to 7-11 October\", from \"9-13 \
             September\".",
        ),
        (
            "Российско-таджикские учения на полигоне Ляур перенесены на октябрь.",
            "2023-10",
            None,
            "Put off: \"перенесены на октябрь\".",
        ),
    ] {
        let draft = draft_of(text);
        assert!(draft.contains(&format!("start = \"{start}\"")), "{draft}");
        match end {
            Some(end) => assert!(draft.contains(&format!("end = \"{end}\"")), "{draft}"),
            None => assert!(!draft.contains("\nend = "), "{draft}"),
        }
        assert!(draft.contains(note), "{draft}");
    }
}

/// Probe, session 45: two sites named in the sentence of the first day each took that day
/// alone, so the layer drew two one-day sites of a six-day exercise. They take the
/// exercise's dates.
#[test]
fn sites_that_all_share_the_exercise_s_first_day_take_its_dates() {
    let draft = draft_of(
        "Tajik and Russian forces began joint drills near Bokhtar in Khatlon region on April 1. \
         The exercise will last until April 10.",
    );
    assert!(draft.contains("start = \"2023-04-01\""), "{draft}");
    assert!(draft.contains("end = \"2023-04-10\""), "{draft}");
    assert_eq!(draft.matches("[[exercise.site]]").count(), 2, "{draft}");
    assert_eq!(draft.matches("\nstart = ").count(), 1, "{draft}");
}

/// Probe finding E7: a Russian exercise sentence drafted no count ("с участием 2 тысяч
/// военнослужащих": no participation word; "5 тыс. человек": "человек" was no troop word),
/// and "в учениях" was no event word.
#[test]
fn russian_exercise_sentences_are_drafted_with_their_counts() {
    let draft = draft_of("Учения с участием 2 тысяч военнослужащих прошли на полигоне Харбмайдон.");
    assert!(
        draft.contains("troops = 2000  # \"2 тысяч военнослужащих\""),
        "{draft}"
    );
    // Number words in the instrumental ("с тремя тысячами военнослужащих").
    let draft = draft_of(
        "Российские военные проведут учения с тремя тысячами военнослужащих на полигоне \
         Харбмайдон.",
    );
    assert!(
        draft.contains("troops = 3000  # \"тремя тысячами военнослужащих\""),
        "{draft}"
    );
    let draft = draft_of(
        "Россия и Таджикистан провели учения на полигоне Харбмайдон, в учениях приняли участие \
         5 тыс. человек.",
    );
    assert!(
        draft.contains("troops = 5000  # \"5 тыс. человек\""),
        "{draft}"
    );
    assert!(draft.contains("participants = [\"RU\", \"TJ\"]"), "{draft}");
    // "учениях" alone opens the record.
    let draft = draft_of("В учениях на полигоне Харбмайдон приняли участие 5 тыс. человек.");
    assert!(draft.contains("troops = 5000"), "{draft}");
    assert!(
        draft.contains("place = \"Kharbmaidon training ground\""),
        "{draft}"
    );
    // People counted outside an exercise are no troops.
    let draft = draft_of("Учения прошли на полигоне Харбмайдон. В городе живут 5 тыс. человек.");
    assert!(!draft.contains("troops ="), "{draft}");
}

/// Probe finding E6: Russian settlements were no sites ("в районе города Термез": no
/// Russian site preposition; "под Термезом": an inflected name was not found).
#[test]
fn russian_settlements_in_any_case_are_sites() {
    for sentence in [
        "Российские и таджикские военные провели учения в районе города Термез.",
        "Учения прошли под Термезом.",
        "Учения прошли близ Термеза.",
        "Учения прошли вблизи Термеза.",
        "Учения прошли на территории Термеза.",
    ] {
        let draft = draft_of(sentence);
        assert!(draft.contains("place = \"Termez\""), "{sentence}: {draft}");
    }
    let draft = draft_of("Российские и таджикские военные провели учения в районе города Термез.");
    assert!(draft.contains("participants = [\"RU\", \"TJ\"]"), "{draft}");
}

/// Probe finding E9: "Oct. 18-22", "Sept. 5", "18.10.2021", "18-22.10.2021" were not read
/// ("2021-10-18" was, and still is); dotted dates are always day first.
#[test]
fn abbreviated_months_dotted_and_iso_dates_are_drafted() {
    let at = "at the Kharbmaidon training ground";
    for (text, want) in [
        (
            format!("Russia and Tajikistan held joint drills Oct. 18-22 {at}.\n"),
            vec!["start = \"2022-10-18\"", "end = \"2022-10-22\""],
        ),
        (
            format!("Russia and Tajikistan will hold joint drills Sept. 5 {at}.\n"),
            vec!["start = \"2023-09-05\""],
        ),
        (
            "Россия и Таджикистан провели учения 18.10.2021 на полигоне Харбмайдон.\n".to_owned(),
            vec!["start = \"2021-10-18\""],
        ),
        (
            "Россия и Таджикистан провели учения 18-22.10.2021 на полигоне Харбмайдон.\n"
                .to_owned(),
            vec!["start = \"2021-10-18\"", "end = \"2021-10-22\""],
        ),
        (
            "Россия и Таджикистан провели учения 10.12.2021 на полигоне Харбмайдон.\n".to_owned(),
            vec!["start = \"2021-12-10\""],
        ),
        (
            format!("Russia and Tajikistan held joint drills on 2021-10-18 {at}.\n"),
            vec!["start = \"2021-10-18\""],
        ),
    ] {
        assert_eq!(draft_dates(&text, "2023-04-03"), want, "{text}");
    }
}

/// Probe finding: "Kyrgyzstan, Armenia and Belarus did not take part" drafted Kyrgyzstan as
/// a participant (the cue stopped at the comma); the list shares it.
#[test]
fn a_list_of_countries_not_taking_part_drafts_none_of_them() {
    let draft = draft_of(
        "Kazakhstan and Russia held drills at the Kharbmaidon training ground; Kyrgyzstan, \
         Armenia and Belarus did not take part.",
    );
    assert!(draft.contains("participants = [\"KZ\", \"RU\"]"), "{draft}");
    for absent in ["\"KG\"", "\"AM\"", "\"BY\""] {
        assert!(!draft.contains(absent), "{absent}: {draft}");
    }
}

/// Review lead 5: a Russian country name in an oblique case ("в Казахстане", "с
/// Казахстаном") was drafted as a site at Aqsay, the GeoNames town that has "Kazakhstan" among
/// its alternate names; as in English ("in Kazakhstan"), a country is where, not a site, and
/// place names in any case resolve to their rows of the place table.
#[test]
fn a_russian_country_in_any_case_is_no_town_and_places_in_any_case_resolve() {
    let draft =
        draft_of("Российские и казахстанские военные провели учения в Казахстане 5-9 апреля.");
    assert!(!draft.contains("Aqsay"), "{draft}");
    assert!(draft.contains("host = \"KZ\""), "{draft}");
    assert!(draft.contains("participants = [\"RU\", \"KZ\"]"), "{draft}");
    let draft = draft_of("Россия провела учения с Казахстаном на полигоне Харбмайдон 5-9 апреля.");
    assert!(!draft.contains("Aqsay"), "{draft}");
    assert!(
        draft.contains("place = \"Kharbmaidon training ground\""),
        "{draft}"
    );
    assert!(draft.contains("participants = [\"RU\", \"KZ\"]"), "{draft}");
    let draft = draft_of("Учения прошли на полигоне Харбмайдон в Таджикистане 5-9 апреля.");
    assert!(
        draft.contains("place = \"Kharbmaidon training ground\""),
        "{draft}"
    );
    assert!(draft.contains("host = \"TJ\""), "{draft}");
    let draft = draft_of("Учения прошли в Термезе на юге Узбекистана 5-9 апреля.");
    assert!(draft.contains("place = \"Termez\""), "{draft}");
    assert!(draft.contains("host = \"UZ\""), "{draft}");
}

/// Review lead 2: "in Russia and Kazakhstan" drafted Russia as the host and Kazakhstan as a
/// participant (only the country right after "in" was where); "в России и Казахстане" the
/// same. A list of countries after "in" / "в" / "на территории" is where the exercise is,
/// every country of it: no single host, both written, each with its words.
#[test]
fn a_pair_of_countries_after_in_is_where_both() {
    for (sentence, quotes) in [
        (
            "Russian and Kazakh troops will hold joint drills in Russia and Kazakhstan on \
             August 5-10.",
            ["Russia", "Kazakhstan"],
        ),
        (
            "Российские и казахстанские военные проведут учения в России и Казахстане 5-10 \
             августа.",
            ["России", "Казахстане"],
        ),
        (
            "Российские и казахстанские военные проведут учения на территории России и \
             Казахстана 5-10 августа.",
            ["России", "Казахстана"],
        ),
    ] {
        let draft = draft_of(sentence);
        assert!(!draft.contains("host ="), "{sentence}: {draft}");
        assert!(
            draft.contains(&format!(
                "# held in: \"RU\" (\"{}\"), \"KZ\" (\"{}\"): several countries, no one host",
                quotes[0], quotes[1]
            )),
            "{sentence}: {draft}"
        );
        assert!(
            draft.contains("participants = [\"RU\", \"KZ\"]"),
            "{sentence}: {draft}"
        );
    }
    // One country after "in" is still the host.
    let draft = draft_of("Russian troops held drills in Kazakhstan on April 5.");
    assert!(draft.contains("host = \"KZ\""), "{draft}");
    assert!(draft.contains("participants = [\"RU\"]"), "{draft}");
}

/// Review lead 1: counts in words ("полторы тысячи", "тысячу"), with "k" or in billions were
/// not drafted, and "1,250 млн" (a Russian decimal comma) was read as 1 250 000 000.
#[test]
fn counts_in_words_and_with_k_are_drafted_with_their_words() {
    for (sentence, value, quote) in [
        (
            "В учениях на полигоне Харбмайдон 5-9 апреля приняли участие полторы тысячи \
             военнослужащих.",
            1500,
            "полторы тысячи военнослужащих",
        ),
        (
            "Учения с участием более тысячи военнослужащих прошли на полигоне Харбмайдон.",
            1000,
            "более тысячи военнослужащих",
        ),
        (
            "Russia and Tajikistan held exercises at the Kharbmaidon training ground with 2k \
             troops.",
            2000,
            "2k troops",
        ),
    ] {
        let draft = draft_of(sentence);
        assert!(
            draft.contains(&format!("troops = {value}  # \"{quote}\"")),
            "{sentence}: {draft}"
        );
    }
}

/// Second review, leads 1 and 2: an upper bound ("до", "up to", "не более", "as many as")
/// is the count's qualifier, and number words before a multiplier ("две тысячи") and "2.5k"
/// are read whole.
#[test]
fn upper_bounds_number_words_and_decimal_k_are_drafted() {
    for (sentence, value, quote, qualifier) in [
        (
            "В учениях на полигоне Харбмайдон 5-9 апреля примут участие до 500 военнослужащих.",
            500,
            "до 500 военнослужащих",
            "; \"до\"",
        ),
        (
            "Учения с участием не более 500 военнослужащих прошли на полигоне Харбмайдон.",
            500,
            "не более 500 военнослужащих",
            "; \"не более\"",
        ),
        (
            "Russia and Tajikistan held exercises at the Kharbmaidon training ground with as \
             many as 500 troops.",
            500,
            "as many as 500 troops",
            "; \"as many as\"",
        ),
        (
            "В учениях на полигоне Харбмайдон 5-9 апреля приняли участие две тысячи \
             военнослужащих.",
            2000,
            "две тысячи военнослужащих",
            "",
        ),
        (
            "Russia and Tajikistan held exercises at the Kharbmaidon training ground with 2.5k \
             troops.",
            2500,
            "2.5k troops",
            "",
        ),
    ] {
        let draft = draft_of(sentence);
        let line = draft
            .lines()
            .find(|l| l.starts_with("troops = "))
            .unwrap_or_default();
        assert!(
            line.starts_with(&format!("troops = {value}  # \"{quote}\""))
                && line.ends_with(&format!("{qualifier})")),
            "{sentence}: {draft}"
        );
        if qualifier.is_empty() {
            assert!(!line.contains("; \""), "{line}");
        }
    }
}

/// Review lead 3: "near Beshkent in Kyrgyzstan" was drafted at the Beshkent of Uzbekistan
/// (GeoNames knows both), and "the Zarnitsa training ground in Kazakhstan", which no table
/// knows, had no country. The country named right after a place is that place's.
#[test]
fn the_country_named_after_a_site_is_the_sites() {
    for sentence in [
        "Russian troops will hold drills near Beshkent in Kyrgyzstan on August 5-10.",
        "Российские военные проведут учения под Бешкентом в Киргизии 5-10 августа.",
    ] {
        draft_has(
            sentence,
            &[
                "place = \"Beshkent\"  # resolved: geonames:1538310",
                "country = \"KG\"",
                "host = \"KG\"",
            ],
            &[],
        );
    }
    let draft = draft_of(
        "Russian and Kazakh troops will hold drills at the Zarnitsa training ground in \
         Kazakhstan on August 5-10.",
    );
    assert!(
        draft.contains("place = \"Zarnitsa training ground\""),
        "{draft}"
    );
    assert!(draft.contains("country = \"KZ\""), "{draft}");
    // The host's quote is the words that name the country, not the place's.
    for (sentence, quote) in [
        (
            "Russian troops will hold drills near Beshkent in Kyrgyzstan on August 5-10.",
            "host = \"KG\"  # \"in Kyrgyzstan\"",
        ),
        (
            "Российские военные проведут учения под Бешкентом в Киргизии 5-10 августа.",
            "host = \"KG\"  # \"в Киргизии\"",
        ),
        (
            "Russian and Kazakh troops will hold drills at the Zarnitsa training ground in \
             Kazakhstan on August 5-10.",
            "host = \"KZ\"  # \"in Kazakhstan\"",
        ),
        (
            "Российские и казахстанские военные проведут учения на полигоне Зарница в \
             Казахстане 5-10 августа.",
            "host = \"KZ\"  # \"в Казахстане\"",
        ),
    ] {
        draft_has(sentence, &[quote], &[]);
    }
    // A site the tables place with no country named after it keeps the place's words.
    draft_has(
        "Russian troops will hold drills near Termez on August 5-10.",
        &["host = \"UZ\"  # \"Termez\""],
        &[],
    );
}

/// Second review, lead 3: "на полигоне Зарница", a name no table knows after the site
/// word, drafted no site; "the Zarnitsa training ground" did.
#[test]
fn an_unknown_name_after_polygon_is_a_site() {
    for (sentence, place) in [
        (
            "Российские и казахстанские военные проведут учения на полигоне Зарница в \
             Казахстане 5-10 августа.",
            "Зарница",
        ),
        (
            "Российские военные проведут учения на полигоне «Зарница» в Казахстане 5-10 \
             августа.",
            "Зарница",
        ),
        (
            "Russian and Kazakh troops will hold drills at the Zarnitsa range in Kazakhstan \
             on August 5-10.",
            "Zarnitsa range",
        ),
    ] {
        draft_has(
            sentence,
            &[&format!("place = \"{place}\""), "country = \"KZ\""],
            &[],
        );
    }
}

/// Second review, lead 4: "на юге Узбекистана" drafted Uzbekistan as a participant, not
/// where the exercise is held.
#[test]
fn a_region_of_a_country_is_where_the_exercise_is_held() {
    for sentence in [
        "Российские военные проведут учения на юге Узбекистана 5-10 августа.",
        "Russian troops will hold drills in the south of Uzbekistan on August 5-10.",
    ] {
        draft_has(
            sentence,
            &["participants = [\"RU\"]", "host = \"UZ\""],
            &["[[exercise.site]]"],
        );
    }
}

/// Review lead 4: a comma inside a Russian phrase cut a list off its cue. "Кыргызстан,
/// Армения и Беларусь, входящие в ОДКБ, не приняли участия" drafted all three as
/// participants (the participial clause between commas hid the cue).
#[test]
fn a_clause_between_commas_does_not_make_absent_countries_participants() {
    let draft = draft_of(
        "Россия и Таджикистан провели учения на полигоне Харбмайдон 5-9 апреля. Кыргызстан, \
         Армения и Беларусь, входящие в ОДКБ, не приняли участия в учениях.",
    );
    assert!(draft.contains("participants = [\"RU\", \"TJ\"]"), "{draft}");
}

/// Review lead 4: "на полигонах Харбмайдон и Ляур" drafted Kharbmaidon alone: Lyaur stood
/// more than three words after "на". The next place of a list of sites is a site too.
#[test]
fn every_place_of_a_list_of_sites_is_a_site() {
    for sentence in [
        "Учения прошли 5-9 апреля в Таджикистане, в том числе на полигонах Харбмайдон и Ляур.",
        "Drills were held on April 5-9 in Tajikistan, including at the Kharbmaidon training \
         ground and Lyaur.",
    ] {
        let draft = draft_of(sentence);
        assert!(
            draft.contains("place = \"Kharbmaidon training ground\""),
            "{sentence}: {draft}"
        );
        assert!(
            draft.contains("place = \"Lyaur training ground\""),
            "{sentence}: {draft}"
        );
    }
}

/// Probe (session 33): the shipped articles' place mentions held a headline's first word
/// ("Более 28 млрд тенге": the Chinese town of Bole) and a newspaper ("the Kazakh newspaper
/// Karavan", then "an interview also with Karavan": a Kyrgyz village). Neither is a place.
#[test]
fn the_articles_name_no_common_word_or_newspaper_as_a_place() {
    for (file, published) in ARTICLES {
        let mut args = article_args(file, published);
        args.extend(["--format".to_owned(), "json".to_owned()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = extract(&root(), &args);
        run.expect_code(0);
        let v: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
        for place in v["articles"][0]["places"].as_array().unwrap() {
            let reported = place["reported"].as_str().unwrap();
            assert!(!["Более", "Karavan"].contains(&reported), "{file}: {place}");
        }
    }
}

/// Bug h43, 1: the article of 20 August 2021 says the drills "will conclude today"; the
/// draft gave `start = "2021-08-20"`. It is their last day: `end`, quoted, and no `start`
/// (`check` asks the analyst for one).
#[test]
fn will_conclude_today_is_drafted_as_the_end() {
    let run = extract(
        &root(),
        &[
            "--data",
            "places",
            "places/articles/000_b46247683da7a7f2.txt",
            "--published",
            "2021-08-20",
        ],
    );
    run.expect_code(0);
    let drafts = run.stdout();
    let draft: toml::Table = toml::from_str(&drafts).unwrap();
    let serbia = &draft["exercise"][0];
    assert!(serbia.get("start").is_none(), "{drafts}");
    assert_eq!(serbia["end"].as_str(), Some("2021-08-20"), "{drafts}");
    assert!(
        drafts.contains("{ field = \"end\", quote = \"today\""),
        "{drafts}"
    );
    assert!(
        !drafts.contains("{ field = \"start\", quote = \"today\""),
        "{drafts}"
    );
}

/// Bug h43, 2 (/tmp/probeB/t/u06.txt): "The drills, which began on August 1, will end on
/// August 10" in an article of 5 August 2021 was drafted `start = "2022-08-01"` and no
/// end. Each date is read by its own verb, each quoted by its own words, and `check`
/// accepts the draft.
#[test]
fn began_and_will_end_in_one_sentence_are_the_start_and_the_end() {
    let work = Work::new(root().join("places").to_str().unwrap());
    fs::write(
        work.data().join("articles/u06.txt"),
        "Moscow, 5 August 2021. The drills, which began on August 1, will end on August 10 at \
         the Kharbmaidon training ground. Russian and Tajik troops are taking part. The \
         exercise was first held in 2019 with 1,000 troops.\n",
    )
    .unwrap();
    let mut args = vec!["--data".to_owned(), "data".to_owned()];
    for (file, _) in ARTICLES {
        args.push(format!("data/articles/{file}"));
    }
    args.push("data/articles/u06.txt".to_owned());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = extract(work.dir.path(), &args);
    run.expect_code(0);
    let drafts = run.stdout();
    let draft: toml::Table = toml::from_str(&drafts).unwrap();
    let drills = draft["exercise"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["sources"][0].as_str() == Some("u06"))
        .unwrap_or_else(|| panic!("no u06 record: {drafts}"));
    assert_eq!(drills["start"].as_str(), Some("2021-08-01"), "{drafts}");
    assert_eq!(drills["end"].as_str(), Some("2021-08-10"), "{drafts}");
    let quote = |field: &str| {
        drills["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["field"].as_str() == Some(field))
            .and_then(|e| e["quote"].as_str())
    };
    assert_eq!(quote("start"), Some("August 1"));
    assert_eq!(quote("end"), Some("August 10"));
    paste(&work, &drafts);
    work.check().expect_code(0);
}

/// Probe, session 44: "until April 25" was drafted as the start (or lost), "The drills
/// will last until April 25" after the sentence that began them opened a second record,
/// and "с декабря 2023 года по февраль 2024 года" had no end. Each article drafts one
/// record with its first and last day, quoted by their own words, and `check` accepts the
/// drafts.
#[test]
fn until_a_later_end_and_a_range_of_months_give_one_record_with_both_days() {
    let work = Work::new(root().join("places").to_str().unwrap());
    let articles = [
        (
            "u1",
            "DUSHANBE, March 29, 2024. Tajik troops began drills at the Kharbmaidon training \
             ground on March 28. The drills will last until April 25.",
            ("2024-03-28", "March 28"),
            ("2024-04-25", "April 25"),
        ),
        (
            "u2",
            "DUSHANBE, March 3, 2024. Russian and Tajik troops will hold joint drills at the \
             Kharbmaidon training ground until March 15. The exercise began on March 1.",
            ("2024-03-01", "March 1"),
            ("2024-03-15", "March 15"),
        ),
        (
            "u3",
            "Душанбе, 5 марта 2024 года. Учения на полигоне Харбмайдон проводились с декабря \
             2023 года по февраль 2024 года.",
            ("2023-12", "декабря 2023"),
            ("2024-02", "февраль 2024"),
        ),
    ];
    // The shipped articles too: the pasted sources replace the dataset's, which places.csv
    // cites.
    let mut args = vec!["--data".to_owned(), "data".to_owned()];
    for (file, _) in ARTICLES {
        args.push(format!("data/articles/{file}"));
    }
    for (name, text, _, _) in &articles {
        fs::write(work.data().join(format!("articles/{name}.txt")), text).unwrap();
        args.push(format!("data/articles/{name}.txt"));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = extract(work.dir.path(), &args);
    run.expect_code(0);
    let drafts = run.stdout();
    let draft: toml::Table = toml::from_str(&drafts).unwrap();
    let records = draft["exercise"].as_array().unwrap();
    for (name, _, (start, start_quote), (end, end_quote)) in articles {
        let of: Vec<_> = records
            .iter()
            .filter(|e| e["sources"][0].as_str() == Some(name))
            .collect();
        assert_eq!(of.len(), 1, "{name}: {drafts}");
        let r = of[0];
        assert_eq!(
            r.get("start").and_then(|v| v.as_str()),
            Some(start),
            "{name}: {drafts}"
        );
        assert_eq!(
            r.get("end").and_then(|v| v.as_str()),
            Some(end),
            "{name}: {drafts}"
        );
        let quote = |field: &str| {
            r["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["field"].as_str() == Some(field))
                .and_then(|e| e["quote"].as_str())
        };
        assert_eq!(quote("start"), Some(start_quote), "{name}");
        assert_eq!(quote("end"), Some(end_quote), "{name}");
    }
    paste(&work, &drafts);
    work.check().expect_code(0);
}

/// Review, session 44: a later sentence completed a record whatever it said: "Another
/// exercise … until May 30, 2025" ended the drills begun on March 28 a year later, and
/// "held exercises on March 1, 2021" started drills that run until April 25 (of 2023).
/// Another exercise, or a day more than a quarter away, opens its own record.
#[test]
fn another_exercise_or_a_distant_day_opens_its_own_record() {
    for text in [
        "Russian troops began exercises at the Lyaur training ground on March 28. Another \
         exercise will be held at Momirak until May 30, 2025.",
        "The drills at the Lyaur training ground will run until April 25. Russian troops at \
         Momirak held exercises on March 1, 2021.",
    ] {
        let draft = draft_of(text);
        assert_eq!(records(&draft), 2, "{text}: {draft}");
    }
    let draft = draft_of(
        "Russian troops began exercises at the Lyaur training ground on March 28. The drills \
         will last until April 25.",
    );
    assert_eq!(records(&draft), 1, "{draft}");
}

/// The records of a draft.
fn records(draft: &str) -> usize {
    draft.lines().filter(|l| *l == "[[exercise]]").count()
}

/// Probe, session 44: `--published` overrode an article's dateline without a word, and the
/// drafts' dates followed it. The draft says which dateline it overrode, for review; the
/// same date as the dateline's needs no word.
#[test]
fn published_that_overrides_a_dateline_says_so() {
    let text = "DUSHANBE, 3 October 2023. Russian and Tajik troops held drills at the \
                Lyaur training ground.";
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.txt"), text).unwrap();
    let data = root().join("places");
    let draft = |published: &str| {
        let run = extract(
            dir.path(),
            &[
                "--data",
                data.to_str().unwrap(),
                "--published",
                published,
                "a.txt",
            ],
        );
        run.expect_code(0);
        run.stdout()
    };
    assert!(draft("2024-01-01").contains(
        "published = \"2024-01-01\"  # --published, not the dateline's \"3 October 2023\": check which is right"
    ));
    assert!(draft("2023-10-03").contains("published = \"2023-10-03\"  # --published\n"));
}
