//! `drillmap serve`: its flags, their conversion to [`drillmap::serve::Options`], and what it
//! prints (the URL, each rebuild, each rebuild's problems) on stderr.

use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use drillmap::pipeline::Paths;
use drillmap::serve::{self, Event, Options, Server};

/// The flags of `drillmap serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Folder with the data (watched with --watch; holds boundaries/countries-10m.json).
    #[arg(long, default_value = "places")]
    data: PathBuf,
    /// Folder whose layers are served (and written with --watch).
    #[arg(long, default_value = "output")]
    out: PathBuf,
    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 8017)]
    port: u16,
    /// Address to listen on (an IP address, or `localhost` for 127.0.0.1). Only loopback
    /// by default: another address exposes the server to the network, so it must be asked
    /// for.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST), value_parser = parse_host)]
    host: IpAddr,
    /// Rebuild the layers at start and whenever a file in the data folder changes.
    #[arg(long)]
    watch: bool,
}

/// An address to listen on: an IP address, or `localhost` (any case) for 127.0.0.1, the
/// name a user types (probe, session 45: "invalid IP address syntax"). No other name is
/// looked up: which address a name gives is the resolver's, not the user's, choice.
fn parse_host(s: &str) -> Result<IpAddr, String> {
    if s.eq_ignore_ascii_case("localhost") {
        return Ok(IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
    s.parse()
        .map_err(|e| format!("{e}: give an IP address (127.0.0.1, ::1) or localhost"))
}

impl ServeArgs {
    fn options(self) -> Options {
        Options {
            paths: Paths {
                data: self.data,
                out: self.out,
            },
            addr: SocketAddr::new(self.host, self.port),
            watch: self.watch,
            poll: serve::DEFAULT_POLL,
            limits: serve::Limits::default(),
        }
    }
}

/// Run the server until it is stopped; exit code 2 when it cannot start.
pub fn run(args: ServeArgs) -> ExitCode {
    let opts = args.options();
    let data = opts.paths.data.clone();
    match opts.check() {
        Ok(warnings) => {
            for w in warnings {
                let _ = writeln!(io::stderr(), "warning: {w}");
            }
        }
        Err(e) => {
            let _ = writeln!(io::stderr(), "error: {e}");
            return ExitCode::from(2);
        }
    }
    let server = match Server::bind(&opts) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(io::stderr(), "error: {e}");
            return ExitCode::from(2);
        }
    };
    let result = server.run(&mut |event| print_event(&event, &data));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(io::stderr(), "error: {e}");
            ExitCode::from(2)
        }
    }
}

fn print_event(event: &Event, data: &std::path::Path) {
    let mut err = io::stderr().lock();
    let _ = match event {
        Event::Listening(addr) => {
            if !addr.ip().is_loopback() {
                let _ = writeln!(
                    err,
                    "warning: listening on {}, reachable from other machines",
                    addr.ip()
                );
            }
            writeln!(err, "serving the preview at {}", serve::page_url(*addr))
        }
        Event::DataChanged => writeln!(err, "{} changed: rebuilding", data.display()),
        Event::WatchBounded(link) => writeln!(
            err,
            "warning: --watch: the symlinked folder {} (with any linked after it) leads to more \
             than {n} files and folders; changes past the first {n}, in name order, are not seen: \
             run `drillmap build` after editing there",
            link.display(),
            n = serve::watch::MAX_ENTRIES
        ),
        Event::Rebuilt(summaries) => {
            let parts: Vec<String> = summaries
                .iter()
                .map(|s| {
                    format!(
                        "{} {}{}",
                        s.name,
                        super::counted(s.features as u64, "feature"),
                        if s.changed { "" } else { " (unchanged)" }
                    )
                })
                .collect();
            writeln!(err, "built: {}", parts.join(", "))
        }
        Event::RebuildFailed { error, served } => {
            for line in serve::problem_lines(error) {
                let _ = writeln!(err, "{line}");
            }
            if *served {
                writeln!(
                    err,
                    "error: the build failed; nothing was written, the last good layers are still served"
                )
            } else {
                writeln!(
                    err,
                    "error: the build failed; nothing was written, and no earlier build left \
                     layers to serve: the map stays empty until the data builds"
                )
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Probe, session 45: `--host localhost` was "invalid IP address syntax".
    #[test]
    fn host_is_an_ip_address_or_localhost() {
        assert_eq!(parse_host("localhost"), Ok(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        assert_eq!(parse_host("LocalHost"), Ok(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        assert_eq!(parse_host("::1"), Ok("::1".parse().unwrap()));
        assert_eq!(parse_host("127.0.0.1"), Ok(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        let e = parse_host("example.org").unwrap_err();
        assert!(e.contains("give an IP address"), "{e}");
    }
}
