#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use std::time::Instant;
fn main() {
    let qs: Vec<String> = std::fs::read_to_string(std::env::args().nth(1).unwrap()).unwrap().lines().map(|l| l.split('\t').next().unwrap().to_owned()).collect();
    let t = Instant::now();
    let mut n = 0;
    for _ in 0..10 { for q in &qs { n += drillmap::resolve::normalize::NameKey::new(q).loose.len(); } }
    println!("namekey/s {:.0} {n}", (10 * qs.len()) as f64 / t.elapsed().as_secs_f64());
    let keys: Vec<Vec<char>> = qs.iter().map(|q| drillmap::resolve::normalize::NameKey::new(q).loose.chars().collect()).collect();
    let t = Instant::now();
    let mut m = 0;
    for a in &keys { for b in keys.iter().take(100) { m += drillmap::resolve::geocoder::osa_distance(a, b, 2).unwrap_or(9); } }
    println!("osa/s {:.0} {m}", (100 * keys.len()) as f64 / t.elapsed().as_secs_f64());
}
