//! `drillmap extract ARTICLE...`: the flags, their validation into
//! [`drillmap::extract::Options`], and where the drafts go (stdout or `--out`, atomically).

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use drillmap::extract::{self, output, Extractor, Published};
use drillmap::Error;

/// Output format of `extract`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The dataset's own TOML ([[source]], [[exercise]], [[exercise.site]]), with quotes as
    /// comments.
    Toml,
    /// JSON: the records with {value, reported, confidence} and every mention.
    Json,
}

/// Flags of `drillmap extract`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    drillmap extract places/articles/004_b1421c71e36eabd6.txt --published 2021-07\n  \
    drillmap extract report.txt --published 2021-08-05 --country TJ --format json --out draft.json\n\n\
    Proposes draft exercise records (TOML in the dataset's own form, with a [[source]] entry,\n\
    or JSON), every value followed by the article's words and a confidence. Dates without a year\n\
    and relative dates (\"next month\", \"on Tuesday\") are read against --published, or a dateline\n\
    in the text. Nothing in places/ is changed: review the draft, then paste it.\n\n\
    Exit codes: 0 drafts written, 1 an article that is not text (empty, binary, not UTF-8, over\n\
    4 MiB; nothing is written), 2 usage or I/O error.")]
pub struct ExtractArgs {
    /// Folder with places.csv (and geonames.txt, when there is one).
    #[arg(long, default_value = "places")]
    pub data: PathBuf,
    /// Publication date (YYYY, YYYY-MM or YYYY-MM-DD) for dates without a year and relative
    /// dates; by default a dateline in the text.
    #[arg(long, value_name = "DATE")]
    pub published: Option<String>,
    /// Only places in this country (ISO 3166-1 alpha-2); repeat for several.
    #[arg(long = "country", value_name = "CC")]
    pub countries: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "toml")]
    pub format: Format,
    /// Write to FILE (atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The articles: plain UTF-8 text files.
    #[arg(required = true, value_name = "ARTICLE")]
    pub articles: Vec<PathBuf>,
}

/// The validated options.
pub fn options(a: &ExtractArgs) -> Result<extract::Options, Error> {
    let published = a
        .published
        .as_deref()
        .map(|p| {
            Published::parse(p).ok_or_else(|| {
                Error::Usage(format!(
                    "--published {p:?}: not a date (expected YYYY, YYYY-MM or YYYY-MM-DD)"
                ))
            })
        })
        .transpose()?;
    let filter = super::args::filter(&a.countries, &[], None)?;
    Ok(extract::Options {
        published,
        countries: filter.countries,
    })
}

/// Run `extract`.
pub fn run(a: &ExtractArgs) -> Result<ExitCode, Error> {
    let options = options(a)?;
    // Every article is read and checked before anything is written.
    let texts = a
        .articles
        .iter()
        .map(|p| extract::read_article(p))
        .collect::<Result<Vec<_>, _>>()?;
    let extractor = Extractor::load(&a.data)?;
    let extractions: Vec<_> = texts
        .iter()
        .map(|t| extractor.extract(t, &options))
        .collect();
    let articles: Vec<output::Article<'_>> = a
        .articles
        .iter()
        .zip(&extractions)
        .map(|(p, x)| output::Article::new(p, x))
        .collect();
    let text = match a.format {
        Format::Toml => output::toml_all(&articles, &options),
        Format::Json => output::json_all(&articles)
            .map_err(|e| Error::Usage(format!("cannot write JSON: {e}")))?,
    };
    match &a.out {
        Some(path) => {
            drillmap::write::atomic::write(path, text.as_bytes())?;
            let records: usize = extractions.iter().map(|x| x.records.len()).sum();
            let _ = writeln!(
                io::stderr(),
                "{}: {records} draft record{} from {} article{}",
                path.display(),
                if records == 1 { "" } else { "s" },
                articles.len(),
                if articles.len() == 1 { "" } else { "s" }
            );
        }
        None => {
            let mut out = io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .map_err(|e| Error::io("<stdout>", e))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
