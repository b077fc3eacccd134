//! `drillmap geocode`: what a lookup prints, as text or JSON.

use std::io::Write;

use drillmap::derive::AfghanBorder;
use drillmap::model::Place;
use drillmap::resolve::{Candidate, Resolution, Status};
use serde::Serialize;

#[derive(Serialize)]
struct JsonCandidate<'a> {
    place_id: &'a str,
    name: &'a str,
    kind: &'a str,
    country: &'a str,
    lat: f64,
    lon: f64,
    precision: &'a str,
    uncertainty_km: f64,
    point_note: &'a str,
    score: f64,
    matched: &'a str,
    r#match: drillmap::resolve::MatchKind,
    source: &'a str,
    table_line: usize,
    afghan_border_km: f64,
    nearest_border: &'a str,
}

#[derive(Serialize)]
struct JsonAnswer<'a> {
    query: &'a str,
    status: Status,
    best: Option<JsonCandidate<'a>>,
    candidates: Vec<JsonCandidate<'a>>,
}

fn json_candidate<'a>(c: &Candidate<'a>, border: &'a AfghanBorder) -> JsonCandidate<'a> {
    let p: &Place = c.place;
    let d = border.distance(p.lon, p.lat);
    JsonCandidate {
        place_id: &p.id,
        name: &p.name,
        kind: p.kind.as_str(),
        country: &p.country,
        lat: p.lat,
        lon: p.lon,
        precision: p.precision.as_str(),
        uncertainty_km: p.uncertainty_km,
        point_note: &p.point_note,
        score: c.score,
        matched: c.matched,
        r#match: c.how,
        source: &p.source,
        table_line: p.line,
        afghan_border_km: (d.km * 100.0).round() / 100.0,
        nearest_border: d.segment,
    }
}

/// Print the answers as one JSON array.
pub fn print_json(
    out: &mut impl Write,
    answers: &[(String, Resolution<'_>)],
    border: &AfghanBorder,
) -> std::io::Result<()> {
    let list: Vec<JsonAnswer<'_>> = answers
        .iter()
        .map(|(q, r)| JsonAnswer {
            query: q,
            status: r.status,
            best: r.best().map(|c| json_candidate(c, border)),
            candidates: r
                .candidates
                .iter()
                .map(|c| json_candidate(c, border))
                .collect(),
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &list).map_err(std::io::Error::other)?;
    writeln!(out)
}

fn describe(c: &Candidate<'_>) -> String {
    let p = c.place;
    format!(
        "{} \"{}\" ({}, {}) at {},{} score {:.2} ({} match on \"{}\"), precision {} ±{} km",
        p.id,
        p.name,
        p.kind,
        p.country,
        p.lat,
        p.lon,
        c.score,
        c.how.as_str(),
        c.matched,
        p.precision,
        p.uncertainty_km,
    )
}

/// Print the answers as text, one block per name.
pub fn print_text(
    out: &mut impl Write,
    answers: &[(String, Resolution<'_>)],
    border: &AfghanBorder,
    table: &str,
) -> std::io::Result<()> {
    for (query, r) in answers {
        match r.status {
            Status::Resolved => {
                let best = &r.candidates[0];
                writeln!(out, "{query}: resolved {}", describe(best))?;
                if !best.place.point_note.is_empty() {
                    writeln!(out, "  point: {}", best.place.point_note)?;
                }
                let d = border.distance(best.place.lon, best.place.lat);
                writeln!(out, "  afghan border: {:.1} km ({})", d.km, d.segment)?;
                writeln!(
                    out,
                    "  provenance: {table} line {} ({})",
                    best.place.line, best.place.source
                )?;
                for other in &r.candidates[1..] {
                    writeln!(out, "  other candidate: {}", describe(other))?;
                }
            }
            Status::Ambiguous => {
                writeln!(
                    out,
                    "{query}: ambiguous between {} places",
                    r.candidates.len()
                )?;
                for c in &r.candidates {
                    writeln!(out, "  candidate: {}", describe(c))?;
                }
            }
            Status::Unresolved => writeln!(out, "{query}: unresolved (no place matches)")?,
        }
    }
    Ok(())
}
