//! Typed errors and data diagnostics.
//!
//! Two kinds of failure are kept apart, because users act on them differently:
//! an [`Error`] stops a run (a file cannot be read, a TOML file does not parse), while a
//! [`Problem`] is one bad value in otherwise readable data (an impossible date, an unknown
//! country code, a place that does not resolve). `check` collects every problem it can find
//! before reporting, so one run shows the analyst all of them.

use std::fmt;
use std::path::PathBuf;

/// A failure that stops the run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder involved.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A file is not well-formed (CSV, TOML or JSON syntax, wrong shape).
    #[error("{}: {message}", location(path, *line))]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line, when known.
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// The data has problems; nothing was written.
    #[error("{} found", crate::read::lines::counted(.0.len() as u64, "data problem"))]
    Data(Vec<Problem>),
    /// The data has more problems than are kept to be listed (a file of malformed lines):
    /// the first `problems`, of `total`; nothing was written. Made by [`Error::data`].
    #[error("{} found", crate::read::lines::counted(*total as u64, "data problem"))]
    Listed {
        /// The problems listed, the first in the file.
        problems: Vec<Problem>,
        /// How many there are, the listed ones included.
        total: usize,
    },
    /// The caller asked for something impossible (an unknown option value, say).
    #[error("{0}")]
    Usage(String),
    /// Something that should never happen did: a bug (a worker thread panicked or stopped
    /// early, say), not a problem with the input. The binary exits with its own code.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// Wrap an I/O error with the path it concerns (a line over the input cap, a CSV
    /// quoted field left open at the end, or a CSV record over the cap across its lines,
    /// becomes a [`Error::Syntax`] on its line).
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        let path = path.into();
        if let Some(long) = crate::read::lines::LineTooLong::of(&source) {
            return long.into_error(&path);
        }
        if let Some(open) = crate::read::quotes::UnclosedQuote::of(&source) {
            return open.to_error(&path);
        }
        if let Some(long) = crate::read::quotes::RecordTooLong::of(&source) {
            return long.to_error(&path);
        }
        Error::Io { path, source }
    }

    /// The data problems `problems`, the first of `total`: [`Error::Data`] when they are
    /// all of them, else [`Error::Listed`].
    pub fn data(problems: Vec<Problem>, total: usize) -> Self {
        match total > problems.len() {
            true => Error::Listed { problems, total },
            false => Error::Data(problems),
        }
    }

    /// The problems of a data error ([`Error::Data`], [`Error::Listed`]) and how many there
    /// are; `None` for any other error.
    pub fn problems(&self) -> Option<(&[Problem], usize)> {
        match self {
            Error::Data(problems) => Some((problems, problems.len())),
            Error::Listed { problems, total } => Some((problems, *total)),
            _ => None,
        }
    }

    /// The lines a data error is listed in: each problem, then how many more are not
    /// listed; `None` for any other error.
    pub fn problem_lines(&self) -> Option<Vec<String>> {
        let (problems, total) = self.problems()?;
        let mut lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
        if total > problems.len() {
            lines.push(format!("… and {} more, not listed", total - problems.len()));
        }
        Some(lines)
    }

    /// Whether this is a file or folder that does not exist (an [`Error::Io`] of kind
    /// `NotFound`): what callers that treat a missing optional file as absent test.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    }
}

/// Shorthand for results in this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One problem in the data: where it is, the offending value, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// The file the value comes from.
    pub path: PathBuf,
    /// 1-based line of the value, when known.
    pub line: Option<usize>,
    /// The offending value as written (may be empty for a missing field).
    pub value: String,
    /// What is wrong, in words an analyst understands.
    pub message: String,
}

impl Problem {
    /// A problem at `path:line` with the offending `value` (cut to
    /// [`MAX_SHOWN`](crate::read::lines::MAX_SHOWN) characters:
    /// [`shown`](crate::read::lines::shown)).
    pub fn new(
        path: impl Into<PathBuf>,
        line: Option<usize>,
        value: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        let value: String = value.into();
        Problem {
            path: path.into(),
            line,
            value: crate::read::lines::shown(&value),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", location(&self.path, self.line))?;
        if self.value.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{:?}: {}", self.value, self.message)
        }
    }
}

fn location(path: &std::path::Path, line: Option<usize>) -> String {
    match line {
        Some(line) => format!("{}:{line}", path.display()),
        None => path.display().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_data_error_lists_what_it_keeps_and_counts_them_all() {
        let p = Problem::new("g.txt", Some(1), "x", "bad");
        let all = Error::data(vec![p.clone()], 1);
        assert!(matches!(all, Error::Data(_)));
        assert_eq!(all.problem_lines(), Some(vec![p.to_string()]));
        let listed = Error::data(vec![p.clone()], 3);
        assert_eq!(listed.to_string(), "3 data problems found");
        assert_eq!(listed.problems().map(|(l, n)| (l.len(), n)), Some((1, 3)));
        assert_eq!(
            listed.problem_lines(),
            Some(vec![p.to_string(), "… and 2 more, not listed".to_owned()])
        );
        assert_eq!(Error::Usage("u".into()).problem_lines(), None);
    }

    #[test]
    fn problem_names_file_line_and_value() {
        let p = Problem::new(
            "places/exercises.toml",
            Some(12),
            "2021-02-30",
            "no such day",
        );
        assert_eq!(
            p.to_string(),
            "places/exercises.toml:12: \"2021-02-30\": no such day"
        );
    }

    #[test]
    fn missing_value_is_not_quoted() {
        let p = Problem::new("a.csv", None, "", "missing column `lat`");
        assert_eq!(p.to_string(), "a.csv: missing column `lat`");
    }
}
