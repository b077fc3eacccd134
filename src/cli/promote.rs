//! `drillmap places promote`: a place resolved only online becomes a gazetteer row.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use drillmap::pipeline::PLACES;
use drillmap::resolve::online::{self, GeocodeCache};
use drillmap::write::atomic;
use drillmap::Error;

/// Print (or append to places.csv) the row for the cached answer to `query`.
pub fn run(
    data: &Path,
    country: Option<&str>,
    append: bool,
    query: &str,
) -> Result<ExitCode, Error> {
    let cache = GeocodeCache::load(&online::cache_path(data))?;
    let countries: Vec<String> = match country {
        Some(c) => vec![c.trim().to_ascii_uppercase()],
        None => online::AREA_COUNTRIES
            .iter()
            .map(|c| (*c).to_owned())
            .collect(),
    };
    let Some(row) = cache.get(query, &countries).and_then(online::promote_row) else {
        let _ = writeln!(
            std::io::stderr(),
            "error: no found answer for {query:?} in {} {countries:?} (run `drillmap build --online` first)",
            online::cache_path(data).display()
        );
        return Ok(ExitCode::from(1));
    };
    if append {
        let path = data.join(PLACES);
        let mut text = drillmap::read::input::read_text(&path)?;
        if !text.ends_with('\n') && !text.is_empty() {
            text.push('\n');
        }
        text.push_str(&row);
        text.push('\n');
        atomic::write(&path, text.as_bytes())?;
        let _ = writeln!(std::io::stderr(), "{}: appended {row}", path.display());
    } else {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{row}").map_err(|e| Error::io("<stdout>", e))?;
    }
    Ok(ExitCode::SUCCESS)
}
