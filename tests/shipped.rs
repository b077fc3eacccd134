//! The shipped data in places/: it checks clean, every record of the five articles is a
//! feature, every spelling in the gazetteer resolves to its own row, and the committed
//! output/ is what a build writes today (so the repository never ships stale layers).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod util;

use std::fs;

use drillmap::pipeline;
use drillmap::resolve::{Filter, Status};
use util::{root, Work};

#[test]
fn shipped_data_checks_clean() {
    let report = pipeline::check(&root().join("places")).unwrap();
    assert!(report.problems.is_empty(), "{:#?}", report.problems);
    assert!(report.places >= 27);
}

#[test]
fn committed_output_is_what_a_build_writes() {
    let work = Work::new(root().join("places").to_str().unwrap());
    work.build().expect_code(0);
    for (name, bytes) in work.outputs() {
        let committed = fs::read(root().join("output").join(&name)).unwrap_or_default();
        assert!(
            committed == bytes,
            "output/{name} is stale: run `cargo run --release -- build` and commit output/"
        );
    }
}

#[test]
fn every_exercise_site_and_base_site_is_a_feature() {
    let inputs = pipeline::read(&root().join("places")).unwrap();
    let layers = pipeline::layers(&root().join("places")).unwrap();
    let ids = |name: &str| -> Vec<String> {
        layers
            .iter()
            .find(|l| l.name == name)
            .unwrap()
            .features
            .iter()
            .map(|f| f.id.clone())
            .collect()
    };
    let ex = ids("exercises");
    for e in &inputs.dataset.exercises {
        if e.sites.is_empty() {
            assert!(ex.contains(&e.id), "{} missing", e.id);
        }
        for s in &e.sites {
            assert!(
                ex.contains(&format!("{}/{}", e.id, s.id)),
                "{}/{} missing",
                e.id,
                s.id
            );
        }
    }
    let ba = ids("bases");
    for b in &inputs.dataset.bases {
        for s in &b.sites {
            assert!(ba.contains(&format!("{}/{}", b.id, s.id)));
        }
    }
    // The five articles' records, by name: a regression list, not a count.
    for id in [
        "kharbmaidon-2021/main",
        "ru-uz-termez-2021/main",
        "steppe-freedom-2017/stage-1",
        "steppe-freedom-2017/stage-2",
        "indestructible-brotherhood-2024/main",
        "zapad-2021/mulino",
        "ru-kz-counterterrorism-2021/main",
        "ru-tj-border-2021/main",
        "csto-counterterrorism-2021",
    ] {
        assert!(ex.contains(&id.to_owned()), "{id}");
    }
    for id in [
        "ru-201st-base/dushanbe",
        "ru-201st-base/bokhtar",
        "ru-201st-base/kulob",
        "kz-zhetygen/main",
    ] {
        assert!(ba.contains(&id.to_owned()), "{id}");
    }
}

#[test]
fn every_spelling_in_the_gazetteer_resolves_to_its_own_row() {
    let inputs = pipeline::read(&root().join("places")).unwrap();
    let g = &inputs.gazetteer;
    let mut checked = 0;
    for place in g.places() {
        for name in place.names() {
            let r = g.lookup(name, &Filter::country(&place.country));
            assert_eq!(
                r.best().map(|c| c.place.id.as_str()),
                Some(place.id.as_str()),
                "{name:?}"
            );
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} spellings");
}

#[test]
fn spellings_from_the_issue_meet() {
    let inputs = pipeline::read(&root().join("places")).unwrap();
    let g = &inputs.gazetteer;
    let cases = [
        ("Харбмайдон", "kharbmaidon-training-ground"),
        ("Kharb-Maidon", "kharbmaidon-training-ground"),
        ("Harbmaidon", "kharbmaidon-training-ground"),
        (
            "Kharb-Maydon training ground",
            "kharbmaidon-training-ground",
        ),
        ("полигон Харб-Майдон", "kharbmaidon-training-ground"),
        ("Termiz", "termez"),
        ("Tirmiz", "termez"),
        ("Zhetigen", "zhetygen-training-centre"),
        ("Jetigen", "zhetygen-training-centre"),
        ("Жетыген", "zhetygen-training-centre"),
        ("Qurghonteppa", "bokhtar"),
        ("Kurgan-Tyube", "bokhtar"),
        ("Almaty Province", "almaty-region"),
        ("ALMA-ATA", "almaty"),
        ("Nur-Sultan", "astana"),
        ("Kulyab", "kulob"),
        ("the Bereg training ground", "bereg-training-ground"),
        ("Forish Training Centre", "forish-training-ground"),
    ];
    for (q, id) in cases {
        let r = g.lookup(q, &Filter::default());
        assert_eq!(
            r.status,
            Status::Resolved,
            "{q}: {:?}",
            r.candidates.iter().map(|c| &c.place.id).collect::<Vec<_>>()
        );
        assert_eq!(r.best().map(|c| c.place.id.as_str()), Some(id), "{q}");
    }
}

#[test]
fn no_site_point_is_presented_as_a_site() {
    // Rows whose point is a stand-in say so: a coarse precision and a point note.
    let inputs = pipeline::read(&root().join("places")).unwrap();
    for id in [
        "kharbmaidon-training-ground",
        "forish-training-ground",
        "bereg-training-ground",
        "lyaur-training-ground",
    ] {
        let p = inputs.gazetteer.get(id).unwrap();
        assert_ne!(p.precision, drillmap::model::Precision::Site, "{id}");
        assert!(p.point_note.starts_with("fallback:"), "{id}");
        assert!(p.uncertainty_km >= 40.0, "{id}");
    }
}
