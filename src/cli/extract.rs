//! `drillmap extract ARTICLE...`: the flags, their validation into
//! [`drillmap::extract::Options`], and where the drafts go (stdout or `--out`, atomically).

use std::collections::hash_map::{Entry, HashMap};
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use drillmap::extract::{self, output, Extractor, Published};
use drillmap::write::atomic;
use drillmap::{pipeline, Error};

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
#[command(after_help = concat!("Examples:\n  \
    drillmap extract places/articles/004_b1421c71e36eabd6.txt --published 2021-07\n  \
    drillmap extract report.txt --published 2021-08-05 --country TJ --format json --out draft.json\n\n\
    Proposes draft exercise records (TOML in the dataset's own form, with a [[source]] entry,\n\
    or JSON), every value followed by the article's words and a confidence. Dates without a year\n\
    and relative dates (\"next month\", \"on Tuesday\") are read against --published, or a dateline\n\
    in the text. Nothing in places/ is changed: review the draft, then paste it.\n\n\
    Exit codes: 0 drafts written, 1 an article that is not text (empty, binary, not UTF-8, over\n\
    4 MiB; nothing is written), 2 usage or I/O error", crate::cli::args::exit_codes_tail!()))]
pub struct ExtractArgs {
    /// Folder with places.csv and boundaries/countries-10m.json (the Natural Earth
    /// countries places are checked against), and geonames.txt when there is one.
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
    /// Write to FILE (atomically) instead of stdout. An existing FILE is replaced only
    /// when it is a draft, or with --force; never an ARTICLE nor a file inside --data.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace an existing --out FILE that is not a draft.
    #[arg(long, requires = "out")]
    pub force: bool,
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
            // Refused for the reason `check` gives a date (probe, session 30: "2021-02-30"
            // was "not a date" here, "no such date on the calendar" there).
            drillmap::date::ReportedDate::parse(p)
                .map_err(|e| Error::Usage(format!("--published {p:?}: {e}")))
                .and_then(|_| {
                    Published::parse(p).ok_or_else(|| {
                        Error::Internal(format!("--published {p:?}: a date, not read as one"))
                    })
                })
        })
        .transpose()?;
    let filter = super::args::filter("--country", &a.countries, &[], None)?;
    Ok(extract::Options {
        published,
        countries: filter.countries,
    })
}

/// Run `extract`.
///
/// Every article is read and checked first (nothing is written when one is not text), then
/// each is read again, extracted and written as soon as it is finished, so memory stays
/// flat in the number of articles: to `--out` through a temporary file renamed into place
/// at the end, or to stdout.
pub fn run(a: &ExtractArgs) -> Result<ExitCode, Error> {
    let options = options(a)?;
    check_paths(a)?;
    for p in &a.articles {
        extract::read_article(p)?;
    }
    // The gazetteer (checked, as for every command) and GeoNames, when there is one.
    let tables = pipeline::Tables::read(&a.data)?.checked()?;
    let geonames = pipeline::load_geonames(&a.data, &tables.gazetteer)?;
    let extractor = Extractor::new(tables.gazetteer, geonames)?;
    match &a.out {
        Some(path) => {
            // What killed runs left beside it, as every command writing a file sweeps.
            atomic::sweep_orphans(atomic::folder_of(path))?;
            let mut file = atomic::Streaming::create(path)?;
            let tmp = file.temp().to_path_buf();
            let records =
                write_drafts(a, &extractor, &options, file.writer()).map_err(|e| e.at(&tmp))?;
            file.finish()?.commit()?;
            let _ = writeln!(
                io::stderr(),
                "{}: {} from {}",
                path.display(),
                super::counted(records as u64, "draft record"),
                super::counted(a.articles.len() as u64, "article")
            );
        }
        None => {
            let mut out = io::BufWriter::new(io::stdout().lock());
            write_drafts(a, &extractor, &options, &mut out).map_err(|e| e.at("<stdout>"))?;
            out.flush().map_err(|e| Error::io("<stdout>", e))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Refuse an article given twice (the same file, however named: one `[[source]]` per
/// article), and an `--out` that `--out`'s rule refuses ([`super::out::check`]): one of the
/// articles, inside `--data` (nothing of `places/` is changed by `extract`), or an existing
/// file that is not a draft, without `--force`. Paths are compared canonical, symlinks
/// followed; files by device and inode (a hard link is the same article).
fn check_paths(a: &ExtractArgs) -> Result<(), Error> {
    // Each article's file looked up once (not compared with every article before it: the
    // articles of a corpus are thousands).
    let mut articles: HashMap<super::out::FileKey, &PathBuf> = HashMap::new();
    for p in &a.articles {
        let Ok(c) = p.canonicalize() else { continue };
        match articles.entry(super::out::file_key(&c)) {
            Entry::Occupied(first) => {
                return Err(Error::Usage(format!(
                    "{}: the same article as {}: give each article once",
                    p.display(),
                    first.get().display()
                )));
            }
            Entry::Vacant(v) => {
                v.insert(p);
            }
        }
    }
    let Some(out) = &a.out else { return Ok(()) };
    let inputs = super::out::Inputs {
        files: a.articles.iter().map(PathBuf::as_path).collect(),
        folder: Some((&a.data, "extract")),
    };
    super::out::check(out, super::out::Kind::Draft, &inputs, &[], a.force)
}

/// Why writing the drafts stopped: the output failed, or an article changed since it was
/// checked.
enum WriteError {
    Io(io::Error),
    Article(Error),
}

impl WriteError {
    fn at(self, path: impl AsRef<std::path::Path>) -> Error {
        match self {
            WriteError::Io(e) => Error::io(path.as_ref(), e),
            WriteError::Article(e) => e,
        }
    }
}

impl From<io::Error> for WriteError {
    fn from(e: io::Error) -> WriteError {
        WriteError::Io(e)
    }
}

/// Extract every article in order and write its drafts to `out` as soon as it is finished;
/// the number of records written.
fn write_drafts(
    a: &ExtractArgs,
    extractor: &Extractor,
    options: &extract::Options,
    out: &mut impl Write,
) -> Result<usize, WriteError> {
    let mut records = 0;
    out.write_all(
        match a.format {
            Format::Toml => output::TOML_HEADER,
            Format::Json => output::JSON_OPEN,
        }
        .as_bytes(),
    )?;
    let sources = output::source_ids(
        &a.articles
            .iter()
            .map(|p| output::file_name(p))
            .collect::<Vec<_>>(),
    );
    // Ids unique across the run: two articles about one drill draft one id twice.
    let mut ids = std::collections::BTreeSet::new();
    for (k, (path, source)) in a.articles.iter().zip(sources).enumerate() {
        let text = extract::read_article(path).map_err(WriteError::Article)?;
        let mut x = extractor.extract(&text, options);
        extract::records::unique_ids(&mut x.records, &mut ids);
        records += x.records.len();
        let mut article = output::Article::new(path, &x);
        article.source = source;
        match a.format {
            Format::Toml => out.write_all(output::toml_article(&article, options).as_bytes())?,
            Format::Json => {
                if k > 0 {
                    out.write_all(output::JSON_BETWEEN.as_bytes())?;
                }
                let json = output::json_article(&article)
                    .map_err(|e| WriteError::Io(io::Error::other(e)))?;
                out.write_all(json.as_bytes())?;
            }
        }
    }
    if a.format == Format::Json {
        out.write_all(output::JSON_CLOSE.as_bytes())?;
    }
    Ok(records)
}
