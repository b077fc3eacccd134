#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::build::deletion_hashes;
use super::*;
use crate::resolve::Gazetteer;

const ROWS: &str = "\
1215957\tTirmiz\tTirmiz\tTermez,Termiz,Термез,TMJ\t37.22417\t67.27833\tP\tPPLA\tUZ\t\t12\t\t\t\t182800\t\t302\tAsia/Samarkand\t2023-01-01
1221874\tKharbmaidon training ground\tKharbmaidon\tHarb-Maidon,Харбмайдон\t38.5\t69.8\tL\tMVA\tTJ\t\t01\t\t\t\t0\t\t900\tAsia/Dushanbe\t2023-01-01
1221875\tAyni\tAyni\tАйни\t39.39\t68.54\tP\tPPL\tTJ\t\t01\t\t\t\t0\t\t900\tAsia/Dushanbe\t2023-01-01
1221876\tAyni\tAyni\t\t38.5\t68.8\tP\tPPL\tTJ\t\t01\t\t\t\t0\t\t900\tAsia/Dushanbe\t2023-01-01
1221877\tAyni Air Base\tAyni Air Base\t\t38.5\t68.8\tS\tAIRB\tTJ\t\t01\t\t\t\t0\t\t900\tAsia/Dushanbe\t2023-01-01
999\tSome stream\tSome stream\t\t38.5\t68.8\tH\tSTM\tTJ\t\t01\t\t\t\t0\t\t900\tAsia/Dushanbe\t2023-01-01
";

fn setup(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("geonames.txt");
    std::fs::write(&table, text).unwrap();
    build(&table).unwrap();
    (dir, table)
}

#[test]
fn answers_as_the_in_memory_table_does() {
    let (_d, table) = setup(ROWS);
    let index = GeonamesIndex::open(&table).unwrap();
    assert_eq!(index.len(), 5);
    let (places, _) = geonames::read_places(&table, &|_| false).unwrap();
    let g = Gazetteer::named("geonames", ALTERNATE_NAME, places);
    for q in [
        "Termez",
        "Термез",
        "Termes",
        "Tirmis",
        "Kharbmaidon",
        "Harbmadion",
        "Ayni",
        "Ayni air base",
        "Ayni airfield",
        "Айни",
        "Atlantis",
        "",
        "Ayn",
        "Kharbmaidon training ground",
        "Tarmuz",
    ] {
        for filter in [Filter::default(), Filter::country("UZ")] {
            let a = g.lookup(q, &filter);
            let b = index.lookup(q, &filter);
            assert_eq!(a.status, b.status, "{q}");
            let ids_a: Vec<_> = a
                .candidates
                .iter()
                .map(|c| (c.place.id.clone(), c.score, c.how))
                .collect();
            let ids_b: Vec<_> = b
                .candidates
                .iter()
                .map(|c| (c.place_id(), c.score, c.how))
                .collect();
            assert_eq!(ids_a, ids_b, "{q}");
            let near_a: Vec<_> = a
                .near
                .iter()
                .map(|c| (c.place.id.clone(), c.score))
                .collect();
            let near_b: Vec<_> = b.near.iter().map(|c| (c.place_id(), c.score)).collect();
            assert_eq!(near_a, near_b, "{q}");
        }
    }
    // Two edits in six letters: no answer, but a near name, the same from both.
    let near = index.lookup("Tarmuz", &Filter::default()).near;
    assert_eq!(near.first().map(|c| c.geonameid), Some(1215957));
    let p = index.place(0).unwrap();
    assert_eq!(p, g.places()[0]);
}

#[test]
fn deletion_variants_cover_two_deletions() {
    let mut out = Vec::new();
    deletion_hashes(&['a', 'b', 'c'], &mut out);
    // abc, bc, ac, ab, c, b, a
    assert_eq!(out.len(), 7);
    deletion_hashes(&['a', 'a'], &mut out);
    // aa, a, ""
    assert_eq!(out.len(), 3);
}

#[test]
fn a_changed_table_makes_the_index_stale() {
    let (_d, table) = setup(ROWS);
    std::fs::write(&table, ROWS.replace("Tirmiz", "Tirmis")).unwrap();
    assert!(matches!(
        GeonamesIndex::open(&table),
        Err(IndexError::Stale { .. })
    ));
}

#[test]
fn damaged_index_bytes_never_panic() {
    let (_d, table) = setup(ROWS);
    let idx = index_path(&table);
    let good = std::fs::read(&idx).unwrap();
    let mut rng = fastrand::Rng::with_seed(7);
    for round in 0..300 {
        let mut bad = good.clone();
        match round % 3 {
            0 => bad.truncate(rng.usize(..good.len())),
            1 => {
                for _ in 0..8 {
                    let i = rng.usize(..bad.len());
                    bad[i] = rng.u8(..);
                }
            }
            _ => {
                // Damage the body but keep the header valid: every byte after the section
                // table is in a checked block or in the block table.
                let i = rng.usize(HEADER + SECTION_ENTRY * SECTIONS..bad.len());
                bad[i] ^= 0xff;
                std::fs::write(&idx, &bad).unwrap();
                let verified = GeonamesIndex::open_verified(&table);
                assert!(
                    matches!(verified, Err(IndexError::Corrupt { .. })),
                    "byte {i} damaged: {verified:?}"
                );
            }
        }
        std::fs::write(&idx, &bad).unwrap();
        if let Ok(index) = GeonamesIndex::open(&table) {
            for q in ["Termez", "Termes", "Ayni", "Kharbmaiden"] {
                let r = index.lookup(q, &Filter::default());
                for c in r.candidates {
                    let _ = index.place(c.record);
                }
                let _ = index.places_for([q]);
            }
        }
    }
}

/// A table of `n` rows named `Place{i}abad`, spread over many blocks of the index.
fn many(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "{}\tPlace{i}abad\tPlace{i}abad\t\t38.5\t68.5\tP\tPPL\tTJ\t\t01\t\t\t\t0\t\t900\tAsia/Dushanbe\t2023-01-01\n",
                100_000 + i
            )
        })
        .collect()
}

/// File offset of record `row` in the index at `idx`.
fn record_offset(idx: &[u8], row: usize) -> usize {
    usize::try_from(u64_at(&idx[HEADER..], 2 * sec::PLACES).unwrap()).unwrap() + row * RECORD
}

fn ids(places: &RankedPlaces) -> Vec<String> {
    places.places.iter().map(|p| p.id.clone()).collect()
}

#[test]
fn a_damaged_block_is_found_by_the_first_read_of_it_not_at_open() {
    let (_d, table) = setup(&format!("{ROWS}{}", many(3000)));
    let idx = index_path(&table);
    let good = std::fs::read(&idx).unwrap();
    let mut bad = good.clone();
    bad[record_offset(&good, 2500) + 1] ^= 0x40; // the geonameid of record 2500, Place2495abad
    std::fs::write(&idx, &bad).unwrap();

    // Opening reads the header and block table only: the damage is not seen yet.
    let index = GeonamesIndex::open(&table).unwrap();
    assert!(index.damage().is_ok());
    // A lookup that reads other blocks (record 0 and the keys) answers, sees nothing wrong.
    let near = index.places_for(["Termez"]).unwrap();
    assert_eq!(ids(&near), ["geonames:1215957"]);
    assert!(index.damage().is_ok());
    // The first read of the damaged block finds it.
    let _ = index.lookup("Place2495abad", &Filter::default());
    assert!(
        matches!(index.damage(), Err(IndexError::Corrupt { what, .. }) if what.contains("block"))
    );
    assert!(matches!(
        index.places_for(["Place2495abad"]),
        Err(IndexError::Corrupt { .. })
    ));
    // verify checks every block at once.
    assert!(GeonamesIndex::open(&table).unwrap().verify().is_err());
    std::fs::write(&idx, &good).unwrap();
    assert!(GeonamesIndex::open_verified(&table).is_ok());
}

#[test]
fn damage_found_by_a_lookup_rebuilds_an_index_opened_to_be_rebuilt() {
    let (_d, table) = setup(&format!("{ROWS}{}", many(3000)));
    let idx = index_path(&table);
    let good = std::fs::read(&idx).unwrap();
    let queries = ["Place2495abad", "Place2501abd"];
    let want = ids(&GeonamesIndex::open(&table)
        .unwrap()
        .places_for(queries)
        .unwrap());
    assert!(want.contains(&"geonames:102495".to_owned()));
    let mut bad = good.clone();
    bad[record_offset(&good, 2500)..record_offset(&good, 2502)].fill(0xff);
    std::fs::write(&idx, &bad).unwrap();
    let plain = GeonamesIndex::open(&table).unwrap();
    assert!(plain.places_for(queries).is_err());
    let index = open_or_rebuild(&table).unwrap();
    // Rebuilt on the first read of the damaged block, then answered as before, now and on
    // every later call.
    for _ in 0..2 {
        assert_eq!(ids(&index.places_for(queries).unwrap()), want);
    }
    assert_eq!(std::fs::read(&idx).unwrap(), good);
}

#[test]
fn an_index_of_the_previous_version_is_rebuilt() {
    let (_d, table) = setup(ROWS);
    let idx = index_path(&table);
    let good = std::fs::read(&idx).unwrap();
    let mut old = good.clone();
    let previous = super::VERSION - 1;
    old[8..12].copy_from_slice(&previous.to_le_bytes());
    std::fs::write(&idx, &old).unwrap();
    let e = GeonamesIndex::open(&table).unwrap_err();
    let said = format!(
        "format version {previous}, this drillmap reads {}",
        super::VERSION
    );
    assert!(e.to_string().contains(&said), "{e}");
    let index = open_or_rebuild(&table).unwrap();
    assert_eq!(std::fs::read(&idx).unwrap(), good);
    assert_eq!(
        index.lookup("Termez", &Filter::default()).status,
        Status::Resolved
    );
}

/// OSA distance by the textbook full table, no early exit.
fn osa_reference(a: &[char], b: &[char]) -> usize {
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

proptest::proptest! {
    #[test]
    fn osa_distance_agrees_with_the_full_table(a in "[a-dй]{0,12}|[ab]{60,70}", b in "[a-dй]{0,12}|[ab]{60,70}") {
        let (x, y): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        let full = osa_reference(&x, &y);
        proptest::prop_assert_eq!(osa_distance(&x, &y, MAX_EDITS), (full <= MAX_EDITS).then_some(full));
    }
}
