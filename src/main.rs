//! The `drillmap` command line: parse flags and dispatch to [`cli`]; print the error chain
//! and pick the exit code.
//!
//! Exit codes: 0 success; 1 data problems (`check`, `build`: a bad value, or a file that
//! does not parse) or a name not resolved (`geocode`); 2 a usage error or a file that could
//! not be read or written; 3 an internal error (a bug: a panic, caught here, or a worker
//! thread that failed).

mod cli;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;
use cli::args::{Cli, Command, PlacesCommand};
use cli::{DATA_PROBLEMS, FAILURE, INTERNAL};
use drillmap::Error;

fn main() -> ExitCode {
    let code = run_and_report();
    // The exit status is decided: a signal handled meanwhile ends the process with its own
    // (130, 143) before this returns, and one after it waits for this one.
    drillmap::fsutil::interrupt::exiting();
    code
}

/// Parse the command line, run the command and report how it ended.
fn run_and_report() -> ExitCode {
    let cli = Cli::parse();
    // What a failed run adds: `check` and `geocode` write nothing in any case.
    let unwritten = if matches!(cli.command, Command::Check { .. } | Command::Geocode { .. }) {
        ""
    } else {
        "; nothing was written"
    };
    drillmap::memory::tune();
    // Ctrl-C or SIGTERM: no temporary file left behind (exit 130 or 143).
    if let Err(e) = drillmap::fsutil::interrupt::install() {
        let _ = writeln!(io::stderr(), "warning: {e}");
    }
    // A panic is a bug: the panic hook has printed it; exit with the internal error code.
    let Ok(result) = std::panic::catch_unwind(move || run(cli)) else {
        let _ = writeln!(
            io::stderr(),
            "error: internal error (a bug in drillmap; please report it); nothing was written"
        );
        return ExitCode::from(INTERNAL);
    };
    match result {
        Ok(code) => code,
        Err(e @ (Error::Data(_) | Error::Listed { .. })) => {
            let mut err = io::stderr().lock();
            for line in e.problem_lines().unwrap_or_default() {
                let _ = writeln!(err, "{line}");
            }
            let n = e.problems().map_or(0, |(_, total)| total);
            let _ = writeln!(
                err,
                "error: {}{unwritten}",
                drillmap::read::lines::counted(n as u64, "data problem")
            );
            ExitCode::from(DATA_PROBLEMS)
        }
        Err(Error::Io { source, .. }) if source.kind() == io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(e @ Error::Internal(_)) => {
            let _ = writeln!(
                io::stderr(),
                "error: {e} (a bug in drillmap; please report it){unwritten}"
            );
            ExitCode::from(INTERNAL)
        }
        // Not only a file that does not parse: a value that cannot be laid out (two
        // features with one tile id, say) is one too, so say only what was (not) done.
        Err(e @ Error::Syntax { .. }) => {
            let _ = writeln!(io::stderr(), "error: {e}{unwritten}");
            ExitCode::from(DATA_PROBLEMS)
        }
        Err(e) => {
            let _ = writeln!(io::stderr(), "error: {e}");
            ExitCode::from(FAILURE)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, Error> {
    match cli.command {
        Command::Serve(args) => Ok(cli::serve::run(args)),
        Command::Extract(args) => cli::extract::run(&args),
        Command::Build {
            data,
            out,
            online,
            bulk,
            strict,
            allow_empty,
        } => cli::build::run(data, out, &online, &bulk, strict, allow_empty),
        Command::Check { data, strict } => cli::build::check(&data, strict),
        Command::Places(PlacesCommand::Promote {
            data,
            country,
            append,
            query,
        }) => cli::promote::run(&data, country.as_deref(), append, &query),
        Command::Tiles(args) => cli::tiles::run(args),
        Command::Places(PlacesCommand::ImportGeonames {
            out,
            countries,
            bbox,
            strict,
            allow_empty,
            force,
            file,
        }) => cli::import::run(&file, &out, &countries, bbox, strict, allow_empty, force),
        Command::Geocode {
            data,
            countries,
            kinds,
            bbox,
            json,
            batch,
            online,
            names,
        } => cli::geocode::run(
            &data, &countries, &kinds, bbox, json, batch, &online, &names,
        ),
    }
}
