//! The floor of a bulk build: parse a CSV with `X`/`Y` columns and write every row as a
//! GeoJSON point with its other columns as string properties, in one buffered pass. No
//! geocoding, no checks, no sorting: what any CSV-to-GeoJSON conversion must at least cost.
//! `benches/bulk/run.sh` times it against `drillmap build --events` on the same data.
//!
//! Usage: `cargo run --release --example bulk_floor -- IN.csv OUT.geojson`

use std::error::Error;
use std::fs::File;
use std::io::{BufWriter, Write};

use drillmap::json::{push_coordinate, push_str as push_json_str};

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(input), Some(output)) = (args.get(1), args.get(2)) else {
        return Err("usage: bulk_floor IN.csv OUT.geojson".into());
    };
    let mut reader = csv::ReaderBuilder::new()
        .buffer_capacity(1 << 20)
        .from_path(input)?;
    let header = reader.headers()?.clone();
    let x = header.iter().position(|h| h == "X").ok_or("no X column")?;
    let y = header.iter().position(|h| h == "Y").ok_or("no Y column")?;
    let keys: Vec<Vec<u8>> = header
        .iter()
        .map(|h| {
            let mut k = Vec::new();
            push_json_str(&mut k, h);
            k.push(b':');
            k
        })
        .collect();
    let mut out = BufWriter::with_capacity(1 << 20, File::create(output)?);
    out.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[")?;
    let mut record = csv::StringRecord::new();
    let mut feature = Vec::with_capacity(2048);
    let mut n = 0u64;
    while reader.read_record(&mut record)? {
        feature.clear();
        feature.extend_from_slice(if n == 0 { b"\n" } else { b",\n" });
        feature.extend_from_slice(
            b"{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[",
        );
        let coord = |i: usize| -> Result<f64, Box<dyn Error>> {
            Ok(record.get(i).unwrap_or("").parse::<f64>()?)
        };
        push_coordinate(&mut feature, coord(x)?);
        feature.push(b',');
        push_coordinate(&mut feature, coord(y)?);
        feature.extend_from_slice(b"]},\"properties\":{");
        let mut first = true;
        for (i, value) in record.iter().enumerate() {
            if i == x || i == y {
                continue;
            }
            if !first {
                feature.push(b',');
            }
            first = false;
            feature.extend_from_slice(&keys[i]);
            push_json_str(&mut feature, value);
        }
        feature.extend_from_slice(b"}}");
        out.write_all(&feature)?;
        n += 1;
    }
    out.write_all(b"\n]}\n")?;
    out.flush()?;
    eprintln!("{output}: {n} features");
    Ok(())
}
