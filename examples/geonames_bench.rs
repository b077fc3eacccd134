//! Benchmark of the on-disk GeoNames index (see `benches/geonames/run.sh`): open time, exact
//! and fuzzy lookups per second on one thread, and fuzzy recall on perturbed names. Writes
//! the perturbed queries (query, intended geonameid) for the Python baseline.
//!
//! usage: geonames_bench TABLE QUERIES_OUT [N_EXACT] [N_FUZZY]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use drillmap::resolve::geocoder::AMBIGUITY_MARGIN;
use drillmap::resolve::index::{GeonamesIndex, IndexResolution};
use drillmap::resolve::normalize::NameKey;
use drillmap::resolve::{Filter, Status};

/// CPU time this thread has run, in seconds (`/proc/thread-self/schedstat`, Linux): on a
/// machine shared with other work, lookups per CPU-second say what wall-clock rates cannot.
fn cpu_s() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(f64::NAN, |ns| ns / 1e9)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// One or two random edits (substitution, deletion, insertion, transposition) on letters.
fn perturb(name: &str, rng: &mut fastrand::Rng) -> String {
    let mut c: Vec<char> = name.chars().collect();
    let edits = if rng.bool() { 1 } else { 2 };
    for _ in 0..edits {
        if c.len() < 3 {
            break;
        }
        let i = rng.usize(1..c.len() - 1);
        let letter = rng.char('a'..='z');
        match rng.u8(0..4) {
            0 => c[i] = letter,
            1 => {
                c.remove(i);
            }
            2 => c.insert(i, letter),
            _ => c.swap(i, i + 1),
        }
    }
    c.into_iter().collect()
}

/// The intended row is the best, or among the candidates within the ambiguity margin of it.
fn hit(r: &IndexResolution, id: u64) -> bool {
    let Some(top) = r.candidates.first() else {
        return false;
    };
    match r.status {
        Status::Resolved => top.geonameid == id,
        Status::Ambiguous => r
            .candidates
            .iter()
            .take_while(|c| top.score - c.score < AMBIGUITY_MARGIN)
            .any(|c| c.geonameid == id),
        Status::Unresolved => false,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let table = Path::new(&args[1]);
    let out = Path::new(&args[2]);
    let n_exact: usize = args.get(3).map_or(200_000, |s| s.parse().unwrap());
    let n_fuzzy: usize = args.get(4).map_or(5_000, |s| s.parse().unwrap());

    let mut opens = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let index = GeonamesIndex::open(table).unwrap();
        opens.push(t.elapsed().as_secs_f64());
        drop(index);
    }
    // What the pipeline pays to open an index it trusts: version 3 checked every
    // section's checksum (`open_verified`); version 4 checks blocks as lookups read them.
    let mut verified = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let index = GeonamesIndex::open_verified(table).unwrap();
        verified.push(t.elapsed().as_secs_f64());
        drop(index);
    }
    let t = Instant::now();
    let index = GeonamesIndex::open(table).unwrap();
    let r = index.lookup("Novoselovka", &Filter::default());
    let first_lookup = t.elapsed().as_secs_f64();
    drop(r);
    let n = u32::try_from(index.len()).unwrap();
    let (exact_keys, loose_keys) = index.key_counts();
    let mut rng = fastrand::Rng::with_seed(2024);

    // Queries: a random name (main or alternate) of a random row.
    let mut names: Vec<(String, u64)> = Vec::new();
    while names.len() < n_exact.max(n_fuzzy) {
        let i = rng.u32(0..n);
        let p = index.place(i).unwrap();
        let all: Vec<&str> = p.names().collect();
        let name = all[rng.usize(0..all.len())].to_owned();
        let id: u64 = p.id.trim_start_matches("geonames:").parse().unwrap();
        names.push((name, id));
    }
    let exact: Vec<&(String, u64)> = names.iter().take(n_exact).collect();
    let (t, c) = (Instant::now(), cpu_s());
    let mut found = 0usize;
    for (q, _) in &exact {
        found += usize::from(index.lookup_keys(q, &Filter::default()).status != Status::Unresolved);
    }
    let exact_rate = exact.len() as f64 / t.elapsed().as_secs_f64();
    let exact_cpu = exact.len() as f64 / (cpu_s() - c);
    // The normaliser alone on the same names: what bounds every lookup path.
    let c = cpu_s();
    let mut bytes = 0usize;
    for (q, _) in &exact {
        let k = NameKey::new(q);
        bytes += k.exact.len() + k.loose.len();
    }
    let normalise_cpu = exact.len() as f64 / (cpu_s() - c);
    std::hint::black_box(bytes);
    // The same queries again: pages and blocks already read (and checked).
    let t = Instant::now();
    for (q, _) in &exact {
        let _ = index.lookup_keys(q, &Filter::default());
    }
    let exact_again = exact.len() as f64 / t.elapsed().as_secs_f64();

    let fuzzy: Vec<(String, u64)> = names
        .iter()
        .take(n_fuzzy)
        .map(|(q, id)| (perturb(q, &mut rng), *id))
        .collect();
    let (t, c) = (Instant::now(), cpu_s());
    let mut hits = 0usize;
    // GEONAMES_BENCH_ANSWERS=FILE writes each fuzzy query's answer (query, intended id,
    // status, hit, the first candidates as id:how:score:rank) to compare two scorers.
    let mut answers = std::env::var_os("GEONAMES_BENCH_ANSWERS")
        .map(|p| std::io::BufWriter::new(std::fs::File::create(p).unwrap()));
    // Unresolved typos by the score of their best near name (in steps of 0.05 from 0.45,
    // the lowest the fuzzy stage scores): how many, and in how many the intended row is
    // the best near name, or among them.
    let mut near = [(0usize, 0usize, 0usize); 6];
    for (q, id) in &fuzzy {
        let r = index.lookup(q, &Filter::default());
        let h = hit(&r, *id);
        hits += usize::from(h);
        if let Some(top) = r.near.first() {
            let step = (0..near.len())
                .rev()
                .find(|i| top.score + 1e-9 >= 0.45 + 0.05 * *i as f64)
                .unwrap_or(0);
            near[step].0 += 1;
            near[step].1 += usize::from(top.geonameid == *id);
            near[step].2 += usize::from(r.near.iter().any(|c| c.geonameid == *id));
        }
        if let Some(a) = answers.as_mut() {
            let c: Vec<String> = r
                .candidates
                .iter()
                .take(6)
                .map(|c| {
                    format!(
                        "{}:{}:{:.3}:{:.3}",
                        c.geonameid,
                        c.how.as_str(),
                        c.score,
                        c.rank
                    )
                })
                .collect();
            writeln!(
                a,
                "{q}\t{id}\t{:?}\t{}\t{}",
                r.status,
                u8::from(h),
                c.join(" ")
            )
            .unwrap();
        }
    }
    if let Some(mut a) = answers {
        a.flush().unwrap();
    }
    let fuzzy_rate = fuzzy.len() as f64 / t.elapsed().as_secs_f64();
    let fuzzy_cpu = fuzzy.len() as f64 / (cpu_s() - c);
    let t = Instant::now();
    for (q, _) in &fuzzy {
        let _ = index.lookup_fuzzy(q, &Filter::default());
    }
    let fuzzy_only_rate = fuzzy.len() as f64 / t.elapsed().as_secs_f64();

    let mut f = std::io::BufWriter::new(std::fs::File::create(out).unwrap());
    for (q, id) in &fuzzy {
        writeln!(f, "{q}\t{id}").unwrap();
    }
    f.flush().unwrap();

    println!("rows_indexed\t{n}");
    println!("exact_keys\t{exact_keys}");
    println!("loose_keys\t{loose_keys}");
    println!("open_median_s\t{:.6}", median(opens));
    println!("open_verified_median_s\t{:.6}", median(verified));
    println!("open_and_first_lookup_s\t{first_lookup:.6}");
    println!("exact_queries\t{}", exact.len());
    println!("exact_found\t{found}");
    println!("exact_lookups_per_s\t{exact_rate:.0}");
    println!("exact_lookups_per_cpu_s\t{exact_cpu:.0}");
    println!("exact_lookups_second_pass_per_s\t{exact_again:.0}");
    println!("normaliser_names_per_cpu_s\t{normalise_cpu:.0}");
    println!("fuzzy_queries\t{}", fuzzy.len());
    println!("fuzzy_lookups_per_s\t{fuzzy_rate:.0}");
    println!("fuzzy_lookups_per_cpu_s\t{fuzzy_cpu:.0}");
    println!("fuzzy_stage_only_per_s\t{fuzzy_only_rate:.0}");
    println!("fuzzy_recall\t{:.4}", hits as f64 / fuzzy.len() as f64);
    for (i, (n, top, any)) in near.iter().enumerate() {
        let from = 0.45 + 0.05 * i as f64;
        println!(
            "near_from_{from:.2}\t{n} unresolved\t{top} intended first\t{any} intended listed"
        );
    }
}
