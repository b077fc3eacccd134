//! `drillmap serve`: the layers in `output/` and a MapLibre preview page, over HTTP on
//! 127.0.0.1, with an optional watch mode that rebuilds when `places/` changes.
//!
//! - [`assets`]: the page and its vendored JavaScript, embedded in the binary;
//! - [`http`]: routes, content types, byte ranges (PMTiles reads by range), the `Host` check;
//! - [`files`]: which files may be opened, streamed bodies, validators and `304`s;
//! - [`watch`]: polling the data folder for changes.
//!
//! The page polls [`http::STATUS`], whose `version` is the generation `manifest.json` names
//! ([`crate::write::generation`]): when it changes (a rebuild here, or a `drillmap build`
//! run elsewhere) the page fetches the layers again, each URL pinned to that version, and
//! the server serves a named file only as the manifest names it, so the page never mixes
//! two generations. A rebuild is [`pipeline::build`], so a broken edit writes nothing: the page
//! keeps the last good layers and the status carries the problems for the page to show. The
//! library prints nothing; it reports what happens as [`Event`]s to the caller.
//!
//! A client cannot hold the server: at most [`Limits::max_connections`] connections are
//! served at once (more wait in the listen backlog), and a connection that has not sent a
//! whole request head within [`Limits::header_timeout`] (the first request's, or the next
//! one's on a kept-alive connection) is closed, as is one whose client has taken nothing of
//! a response for [`Limits::send_timeout`] ([`stall`]).

pub mod assets;
pub mod files;
pub mod http;
mod stall;
pub mod watch;

use std::collections::HashMap;
use std::convert::Infallible;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::thread;
use std::time::Duration;

use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Method, Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde::Serialize;

use crate::error::Error;
use crate::pipeline::{self, LayerSummary, Paths};
use crate::write::generation::{FileEntry, Manifest, MANIFEST};
use files::Body;
use http::Route;

/// The layers the page draws, in drawing order (bottom first): every layer `build` writes
/// from the dataset.
pub const LAYER_NAMES: [&str; 4] = crate::derive::features::LAYERS;
/// Where the Natural Earth boundaries are, inside the data folder.
pub const BOUNDARIES: &str = "boundaries/countries-10m.json";

/// How often the accept loop looks at the stop flag while no connection comes.
const TICK: Duration = Duration::from_millis(200);

/// What `serve` needs, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The data folder (watched, and the basemap's home) and the output folder (served).
    pub paths: Paths,
    /// Address to listen on; port 0 picks a free port.
    pub addr: SocketAddr,
    /// Rebuild when the data folder changes (and once at start).
    pub watch: bool,
    /// How often the data folder is polled when watching.
    pub poll: Duration,
    /// What one client may hold.
    pub limits: Limits,
}

/// What one client may hold of the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections served at once; more wait in the listen backlog until one closes.
    pub max_connections: usize,
    /// Time a connection has to send a whole request head, for its first request and,
    /// kept alive, for each next one: an idle connection is closed after it.
    pub header_timeout: Duration,
    /// Time a client may take nothing of a response before its connection is closed (a
    /// client that keeps reading, however slowly, is served to the end).
    pub send_timeout: Duration,
}

impl Options {
    /// Check the folders before serving: the data folder must exist (it holds the basemap,
    /// and is what `--watch` builds from), and so must the output folder unless `--watch`
    /// builds it. Returns the warnings to show: an output folder with no layer to serve.
    pub fn check(&self) -> Result<Vec<String>, ServeError> {
        if !self.paths.data.is_dir() {
            return Err(ServeError::Folder {
                flag: "--data",
                path: self.paths.data.clone(),
                hint: " (the data folder: the basemap, and what --watch builds from)",
            });
        }
        if self.watch {
            // Each build's writes would be changes to build again.
            self.paths
                .check_apart("serve --watch")
                .map_err(|e| ServeError::Apart(e.to_string()))?;
            return Ok(Vec::new());
        }
        if !self.paths.out.is_dir() {
            return Err(ServeError::Folder {
                flag: "--out",
                path: self.paths.out.clone(),
                hint: " (run `drillmap build` first, or `drillmap serve --watch` to build it)",
            });
        }
        let (_, served, _) = served_files(&self.paths.out);
        if served.is_empty() {
            return Ok(vec![format!(
                "{} holds no layer to serve (no NAME.geojson or NAME.pmtiles): the map will be empty until `drillmap build` writes there",
                self.paths.out.display()
            )]);
        }
        Ok(undrawn_bulk_layers(&self.paths.out, &served))
    }
}

/// The warnings for bulk GeoJSON layers among the `served` files of `out` that the page
/// does not draw: it draws a bulk layer from its archive (`NAME.pmtiles`), and draws only
/// the dataset's layers ([`LAYER_NAMES`]) from GeoJSON (probe 8 #5: a `build --events
/// --no-tiles` folder showed an empty map without a word).
fn undrawn_bulk_layers(out: &Path, served: &[String]) -> Vec<String> {
    let drawn = |n: &String| {
        n.ends_with(".pmtiles")
            || n.strip_suffix(".geojson")
                .is_some_and(|stem| LAYER_NAMES.contains(&stem))
    };
    let nothing_drawn = !served.iter().any(drawn);
    served
        .iter()
        .filter_map(|n| n.strip_suffix(".geojson"))
        .filter(|stem| !LAYER_NAMES.contains(stem))
        .filter(|stem| !served.iter().any(|n| *n == format!("{stem}.pmtiles")))
        .map(|stem| {
            let geojson = out.join(format!("{stem}.geojson"));
            let archive = out.join(format!("{stem}.pmtiles"));
            format!(
                "{} is not drawn: the page draws a bulk layer from its archive, {}, which is \
                 missing{} (`drillmap build --events FILE --layer {stem}` without `--no-tiles` \
                 writes it, or `drillmap tiles {} --out {}`)",
                geojson.display(),
                archive.display(),
                if nothing_drawn {
                    ", so the map is empty"
                } else {
                    ""
                },
                geojson.display(),
                archive.display()
            )
        })
        .collect()
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 256,
            header_timeout: Duration::from_secs(10),
            send_timeout: Duration::from_secs(30),
        }
    }
}

/// Default poll interval of the watcher.
pub const DEFAULT_POLL: Duration = Duration::from_millis(300);

/// A failure that stops the server.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The address cannot be listened on (in use, not local, not permitted).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A folder to serve from is missing (or not a folder): `serve` would show an empty
    /// map, so it does not start.
    #[error(
        "{flag} {}: {}{hint}",
        .path.display(),
        if .path.exists() { "not a folder" } else { "no such folder" }
    )]
    Folder {
        /// The flag that names it (`--data`, `--out`).
        flag: &'static str,
        /// The folder.
        path: std::path::PathBuf,
        /// What to do about it.
        hint: &'static str,
    },
    /// The threads that answer requests could not be started.
    #[error("cannot start the HTTP server: {0}")]
    Start(#[source] io::Error),
    /// `--watch` would build into the data folder it watches
    /// ([`crate::pipeline::Paths::check_apart`]).
    #[error("{0}")]
    Apart(String),
}

/// Something the caller may want to tell the user about.
#[derive(Debug)]
pub enum Event {
    /// The server listens at this address.
    Listening(SocketAddr),
    /// The data folder changed; a rebuild starts.
    DataChanged,
    /// The watcher reached its bound ([`watch::MAX_ENTRIES`]) in what this symlinked
    /// folder (under the data folder) leads to: changes past it are not seen. Sent once.
    WatchBounded(std::path::PathBuf),
    /// A rebuild wrote (or left unchanged) these layers.
    Rebuilt(Vec<LayerSummary>),
    /// A rebuild failed; nothing was written. `served`: the output folder holds earlier
    /// layers, still served; else the map stays empty until the data builds.
    RebuildFailed {
        /// What stopped it.
        error: Error,
        /// Whether the folder has layers of an earlier build (its manifest).
        served: bool,
    },
}

/// What the last rebuild said, for the page.
#[derive(Debug, Clone, Default, Serialize)]
struct Rebuild {
    /// Rebuilds done since the start.
    builds: u64,
    /// Whether the last one succeeded.
    ok: bool,
    /// Its problems, one line each, as `build` prints them.
    problems: Vec<String>,
}

/// What the connections share.
#[derive(Debug)]
struct Shared {
    paths: Paths,
    addr: SocketAddr,
    watch: bool,
    limits: Limits,
    rebuild: Mutex<Option<Rebuild>>,
    /// SHA-256 of the file versions checked against the manifest, by identity
    /// ([`files::Opened::identity`]): each computed once, by the first request that needs
    /// it, while the requests for the same version at that time wait for it.
    verified: Mutex<HashMap<files::Identity, Arc<OnceLock<Option<String>>>>>,
}

/// A bound server, not yet answering.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    shared: Arc<Shared>,
    poll: Duration,
    stop: Arc<AtomicBool>,
}

/// Stops a running [`Server`] from another thread.
#[derive(Debug, Clone)]
pub struct StopHandle(Arc<AtomicBool>);

impl StopHandle {
    /// Ask the server to stop; [`Server::run`] returns within a second.
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

impl Server {
    /// Listen on `opts.addr`.
    pub fn bind(opts: &Options) -> Result<Server, ServeError> {
        let bind_error = |source| ServeError::Bind {
            addr: opts.addr,
            source,
        };
        let listener = TcpListener::bind(opts.addr).map_err(bind_error)?;
        let addr = listener.local_addr().map_err(bind_error)?;
        listener.set_nonblocking(true).map_err(bind_error)?;
        Ok(Server {
            listener,
            shared: Arc::new(Shared {
                paths: opts.paths.clone(),
                addr,
                watch: opts.watch,
                limits: opts.limits,
                rebuild: Mutex::new(None),
                verified: Mutex::new(HashMap::new()),
            }),
            poll: opts.poll,
            stop: Arc::new(AtomicBool::new(false)),
        })
    }

    /// The address actually listened on (the port chosen when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    /// A handle that stops [`Server::run`].
    pub fn stop_handle(&self) -> StopHandle {
        StopHandle(Arc::clone(&self.stop))
    }

    /// Answer requests until stopped; when watching, rebuild at start and on every change
    /// of the data folder. Connections are served by two background threads, each answer
    /// made on the runtime's blocking pool; the watching and `on_event` happen on this one.
    pub fn run(self, on_event: &mut dyn FnMut(Event)) -> Result<(), ServeError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("drillmap-http")
            .enable_io()
            .enable_time()
            .build()
            .map_err(ServeError::Start)?;
        let listener = {
            let _entered = runtime.enter();
            tokio::net::TcpListener::from_std(self.listener).map_err(ServeError::Start)?
        };
        runtime.spawn(accept(
            listener,
            Arc::clone(&self.shared),
            Arc::clone(&self.stop),
        ));
        on_event(Event::Listening(self.shared.addr));
        let mut watcher = self
            .shared
            .watch
            .then(|| watch::Watcher::new(&self.shared.paths.data));
        if let Some(link) = watcher.as_mut().and_then(watch::Watcher::take_bounded) {
            on_event(Event::WatchBounded(link));
        }
        if watcher.is_some() {
            rebuild(&self.shared, on_event);
        }
        let pause = if watcher.is_some() { self.poll } else { TICK };
        while !self.stop.load(Ordering::SeqCst) {
            thread::sleep(pause);
            if let Some(w) = watcher.as_mut() {
                let changed = w.poll();
                if let Some(link) = w.take_bounded() {
                    on_event(Event::WatchBounded(link));
                }
                if changed {
                    on_event(Event::DataChanged);
                    rebuild(&self.shared, on_event);
                }
            }
        }
        runtime.shutdown_timeout(Duration::from_millis(500));
        Ok(())
    }
}

fn rebuild(shared: &Shared, on_event: &mut dyn FnMut(Event)) {
    let result = pipeline::build(&shared.paths, None);
    let mut state = shared
        .rebuild
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let builds = state.as_ref().map_or(0, |r| r.builds) + 1;
    let (ok, problems) = match &result {
        Ok(_) => (true, Vec::new()),
        Err(e) => (false, problem_lines(e)),
    };
    *state = Some(Rebuild {
        builds,
        ok,
        problems,
    });
    drop(state);
    on_event(match result {
        Ok(summaries) => Event::Rebuilt(summaries),
        Err(error) => Event::RebuildFailed {
            error,
            served: shared
                .paths
                .out
                .join(crate::write::generation::MANIFEST)
                .is_file(),
        },
    });
    // Reported: a signal while waiting for the next edit says nothing of this rebuild.
    crate::fsutil::interrupt::reported();
}

/// An error as the lines `build` prints for it.
pub fn problem_lines(e: &Error) -> Vec<String> {
    e.problem_lines().unwrap_or_else(|| vec![e.to_string()])
}

/// Accept connections until stopped, [`Limits::max_connections`] at most at once; each is
/// served by hyper (HTTP/1.1, keep-alive, [`Limits::header_timeout`]).
async fn accept(listener: tokio::net::TcpListener, shared: Arc<Shared>, stop: Arc<AtomicBool>) {
    let slots = Arc::new(tokio::sync::Semaphore::new(
        shared.limits.max_connections.max(1),
    ));
    while !stop.load(Ordering::SeqCst) {
        // A free slot first: while every slot is taken, new connections wait unaccepted.
        let slot = match tokio::time::timeout(TICK, Arc::clone(&slots).acquire_owned()).await {
            Ok(Ok(slot)) => slot,
            Ok(Err(_)) => return,
            Err(_) => continue,
        };
        let stream = match tokio::time::timeout(TICK, listener.accept()).await {
            Ok(Ok((stream, _))) => stream,
            Ok(Err(_)) => {
                // Out of file descriptors, say: wait rather than spin.
                tokio::time::sleep(TICK).await;
                continue;
            }
            Err(_) => continue,
        };
        let shared = Arc::clone(&shared);
        let header_timeout = shared.limits.header_timeout;
        // hyper writes a response's head and its body apart: with Nagle's algorithm the
        // body of a small file waited for the client's delayed ACK, about 40 ms for every
        // response after the first on a kept-alive connection (probe, session 43: a tile's
        // 127-byte range took 44 ms, 0.3 ms once sent at once).
        let _ = stream.set_nodelay(true);
        let stream = stall::SendTimeout::new(stream, shared.limits.send_timeout);
        tokio::spawn(async move {
            let service = service_fn(move |request: Request<Incoming>| {
                // Answering blocks (a file opened, a layer's SHA-256 checked against the
                // manifest, which reads it whole): on the blocking pool, so the check of a
                // large layer never holds the threads every other request is answered on
                // (probe, session 31: the page waited up to 5 s behind a 1.5 GB archive).
                let shared = Arc::clone(&shared);
                async move {
                    let reply = tokio::task::spawn_blocking(move || respond(&shared, &request))
                        .await
                        .unwrap_or_else(|_| text(500, "the server failed to answer"));
                    Ok::<_, Infallible>(reply)
                }
            });
            // A client that went away or timed out is no concern of the server's.
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(TokioIo::new(stream), service)
                .await;
            drop(slot);
        });
    }
}

type Reply = Response<Body>;

fn reply(status: u16, headers: &[(&str, &str)], body: impl Into<Bytes>) -> Reply {
    reply_body(status, headers, Body::bytes(body))
}

fn reply_body(status: u16, headers: &[(&str, &str)], body: Body) -> Reply {
    let mut builder = Response::builder()
        .status(status)
        .header("X-Content-Type-Options", "nosniff");
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(body).unwrap_or_else(|_| {
        let mut r = Response::new(Body::bytes(Bytes::new()));
        *r.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
        r
    })
}

fn text(status: u16, message: &str) -> Reply {
    reply(
        status,
        &[
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Cache-Control", "no-store"),
        ],
        format!("{message}\n"),
    )
}

/// The page's Content-Security-Policy: scripts, styles, fetches, images and workers from
/// this server only; no inline script or style, no `eval`, no plugin, no `<base>`, no form
/// target, no framing. One exception: `img-src data:`, for the control icons of MapLibre's
/// stylesheet (`data:image/svg+xml` URLs) and the page's empty favicon (`data:,`, which
/// spares a request for `/favicon.ico`); a `data:` image runs no script. MapLibre needs no
/// `blob:` here: its worker script is same-origin, so it is started from its URL. The
/// browser tests fail on any refusal this policy makes.
pub const CSP: &str = "default-src 'self'; script-src 'self'; worker-src 'self'; \
    style-src 'self'; img-src 'self' data:; connect-src 'self'; \
    object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

fn respond(shared: &Shared, request: &Request<Incoming>) -> Reply {
    let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok());
    // The request's host: the target's authority when it has one (absolute form, RFC 9112
    // 3.2.2: the Host header is then ignored), else its one Host header; two are none.
    let host = match request.uri().authority() {
        Some(a) => Some(a.as_str()),
        None if request.headers().get_all("host").iter().count() == 1 => header("host"),
        None => None,
    };
    if !http::host_allowed(host, shared.addr) {
        return text(
            421,
            "this server answers requests to 127.0.0.1 or localhost only",
        );
    }
    if request.method() != Method::GET && request.method() != Method::HEAD {
        // RFC 9110 §15.5.6: a 405 names the methods the resource has.
        return reply(
            405,
            &[
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Cache-Control", "no-store"),
                ("Allow", "GET, HEAD"),
            ],
            "only GET and HEAD\n".to_owned(),
        );
    }
    let target = request.uri().path_and_query().map_or("/", |p| p.as_str());
    match http::route(target) {
        Route::Asset(path) => match assets::find(path) {
            Some(a) => {
                let mut headers = vec![
                    ("Content-Type", http::content_type(a.path)),
                    ("Cache-Control", "no-cache"),
                ];
                if a.path == "/index.html" {
                    headers.push(("Content-Security-Policy", CSP));
                }
                reply(200, &headers, Bytes::from_static(a.bytes))
            }
            None => text(404, "not found"),
        },
        Route::Layer(name) => layer(shared, &name, request),
        Route::Basemap => file(&shared.paths.data, BOUNDARIES, http::BASEMAP, request, None),
        Route::Status => reply(
            200,
            &[
                ("Content-Type", "application/json"),
                ("Cache-Control", "no-store"),
            ],
            status(shared),
        ),
        Route::Forbidden => text(400, "not a file this server serves"),
        Route::NotFound => text(404, "not found"),
    }
}

/// A file of the output folder. A file `manifest.json` names is served only as it names it
/// (size and SHA-256): one between two generations (a build publishing, or one killed while
/// publishing) is `503`. A request pinned to a version of the layers (`?v=VERSION`, as the
/// page asks, from [`served_files`]) that is no longer the folder's is `409`, so a page
/// never draws layers of two generations. Other layer files are served as they are.
fn layer(shared: &Shared, name: &str, request: &Request<Incoming>) -> Reply {
    let out = &shared.paths.out;
    let (version, _, manifest) = served_files(out);
    let pinned = request.uri().query().and_then(|q| {
        q.split('&')
            .find_map(|kv| kv.strip_prefix("v="))
            .map(str::to_owned)
    });
    if manifest.is_some() && pinned.is_some_and(|v| v != version) {
        return text(
            409,
            &format!(
                "that version of the layers is no longer served; now {version} (see {})",
                http::STATUS
            ),
        );
    }
    match manifest.as_ref().and_then(|m| Some((m, m.file(name)?))) {
        Some((m, entry)) => file(out, name, name, request, Some((shared, m, entry))),
        None => file(out, name, name, request, None),
    }
}

/// Whether `opened` holds what `entry` says (its SHA-256 computed once per file version).
fn as_named(shared: &Shared, opened: &mut files::Opened, entry: &FileEntry) -> bool {
    if opened.len != entry.bytes {
        return false;
    }
    let id = opened.identity;
    let digest = {
        let mut verified = shared
            .verified
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if verified.len() > 1024 && !verified.contains_key(&id) {
            verified.clear();
        }
        Arc::clone(verified.entry(id).or_default())
    };
    let Some(sha256) = digest.get_or_init(|| opened.sha256().ok()) else {
        // A read that failed is tried again by the next request, not remembered.
        let mut verified = shared
            .verified
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if verified.get(&id).is_some_and(|d| Arc::ptr_eq(d, &digest)) {
            verified.remove(&id);
        }
        return false;
    };
    *sha256 == entry.sha256
}

/// A file from disk ([`files::open_inside`] `folder`), whole or the byte range asked for,
/// revalidated by the browser on every use (`no-cache` with an `ETag`, so an unchanged
/// layer costs a `304`); with `named`, only when it is the file the manifest names.
fn file(
    folder: &Path,
    name: &str,
    served_as: &str,
    request: &Request<Incoming>,
    named: Option<(&Shared, &Manifest, &FileEntry)>,
) -> Reply {
    let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok());
    let mut opened = match files::open_inside(folder, name) {
        Ok(Some(f)) => f,
        Ok(None) => return text(404, "not found"),
        Err(_) => return text(500, "cannot read the file"),
    };
    if let Some((shared, manifest, entry)) = named {
        if !as_named(shared, &mut opened, entry) {
            return reply(
                503,
                &[
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("Cache-Control", "no-store"),
                    ("Retry-After", "1"),
                ],
                format!(
                    "{name} is not the file {MANIFEST} names (generation {}): a build is publishing, or was killed while publishing (the next build completes it)\n",
                    manifest.generation
                ),
            );
        }
    }
    let len = opened.len;
    let etag = opened.etag();
    let last_modified = opened.last_modified();
    let mut headers = vec![
        ("Content-Type", http::content_type(served_as)),
        ("Cache-Control", "no-cache"),
        ("Accept-Ranges", "bytes"),
        ("ETag", etag.as_str()),
    ];
    if let Some(date) = &last_modified {
        headers.push(("Last-Modified", date));
    }
    if opened.precondition_failed(header("if-match"), header("if-unmodified-since")) {
        return reply(
            412,
            &[("ETag", etag.as_str()), ("Cache-Control", "no-cache")],
            Bytes::new(),
        );
    }
    if opened.not_modified(header("if-none-match"), header("if-modified-since")) {
        return reply(304, &headers, Bytes::new());
    }
    let range = if opened.range_applies(header("if-range")) {
        http::range(header("range"), len)
    } else {
        http::Range::Whole
    };
    let (status, start, end, content_range) = match range {
        http::Range::Whole => (200, 0, len, None),
        http::Range::Part { start, end } => (
            206,
            start,
            end + 1,
            Some(format!("bytes {start}-{end}/{len}")),
        ),
        http::Range::Unsatisfiable => {
            let content_range = format!("bytes */{len}");
            return reply(
                416,
                &[
                    ("Content-Range", &content_range),
                    ("Cache-Control", "no-cache"),
                ],
                Bytes::new(),
            );
        }
    };
    if let Some(r) = &content_range {
        headers.push(("Content-Range", r));
    }
    match opened.body(start, end - start) {
        Ok(body) => reply_body(status, &headers, body),
        Err(_) => text(500, "cannot read the file"),
    }
}

/// What the page polls.
#[derive(Debug, Serialize)]
struct Status {
    /// The generation `manifest.json` names (and, when other layer files are present, a
    /// fingerprint of them): see [`served_files`]. The layer URLs are pinned to it.
    version: String,
    /// Whether the server rebuilds on changes.
    watch: bool,
    /// The drawn layers present in the output folder, with their URLs.
    layers: Vec<LayerFile>,
    /// PMTiles archives in the output folder.
    tiles: Vec<String>,
    /// URL of the basemap, when the boundaries are in the data folder.
    basemap: Option<&'static str>,
    /// The last rebuild, when watching.
    rebuild: Option<Rebuild>,
}

#[derive(Debug, Serialize)]
struct LayerFile {
    name: &'static str,
    url: String,
}

/// The layer files of the output folder the page may draw, and their version: the files
/// `manifest.json` names with its generation as the version, and the other layer files
/// present (written by another command, or by hand) with a fingerprint of their sizes and
/// times added to it.
fn served_files(out: &Path) -> (String, Vec<String>, Option<Manifest>) {
    let manifest = Manifest::read(out).ok().flatten();
    let named = |n: &str| manifest.as_ref().is_some_and(|m| m.file(n).is_some());
    let mut others: Vec<(String, u64, Option<std::time::SystemTime>)> = std::fs::read_dir(out)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| {
                    let name = e.file_name().to_str()?.to_owned();
                    let meta = e.metadata().ok()?;
                    (http::is_layer_file(&name) && meta.is_file() && !named(&name)).then(|| {
                        let modified = meta.modified().ok();
                        (name, meta.len(), modified)
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    others.sort();
    let mut version = manifest
        .as_ref()
        .map(|m| m.generation.clone())
        .unwrap_or_default();
    if !others.is_empty() || manifest.is_none() {
        let mut hasher = DefaultHasher::new();
        others.hash(&mut hasher);
        if !version.is_empty() {
            version.push('-');
        }
        version.push_str(&format!("{:016x}", hasher.finish()));
    }
    let mut served: Vec<String> = manifest
        .iter()
        .flat_map(|m| m.files.iter().map(|f| f.name.clone()))
        .filter(|n| http::is_layer_file(n))
        .chain(others.into_iter().map(|(n, _, _)| n))
        .collect();
    served.sort();
    (version, served, manifest)
}

fn status(shared: &Shared) -> Vec<u8> {
    let (version, served, _) = served_files(&shared.paths.out);
    let pin = format!("?v={version}");
    let has = |file: &str| served.iter().any(|n| n == file);
    let layers = LAYER_NAMES
        .iter()
        .filter(|name| has(&format!("{name}.geojson")))
        .map(|&name| LayerFile {
            name,
            url: format!("{}{name}.geojson{pin}", http::LAYERS),
        })
        .collect();
    let tiles = served
        .iter()
        .filter(|n| n.ends_with(".pmtiles"))
        .map(|n| format!("{}{n}", http::LAYERS))
        .collect();
    let rebuild = shared
        .rebuild
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let status = Status {
        version,
        watch: shared.watch,
        layers,
        tiles,
        basemap: shared
            .paths
            .data
            .join(BOUNDARIES)
            .is_file()
            .then_some(http::BASEMAP),
        rebuild,
    };
    serde_json::to_vec(&status).unwrap_or_else(|_| b"{}".to_vec())
}

/// The URL a browser opens for a server at `addr`.
pub fn page_url(addr: SocketAddr) -> String {
    format!("http://{addr}/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpStream;

    fn get(addr: SocketAddr, path: &str, extra: &str) -> (String, Vec<u8>) {
        let mut s = TcpStream::connect(addr).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{extra}Connection: close\r\n\r\n"
        )
        .unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        (
            String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase(),
            raw[split + 4..].to_vec(),
        )
    }

    /// Probe 8 #5: a folder holding only a bulk `events.geojson` (`build --events
    /// --no-tiles`) started without a warning and showed an empty map.
    #[test]
    fn a_bulk_geojson_layer_without_its_archive_is_warned_of() {
        let dir = tempfile::tempdir().unwrap();
        let (data, out) = (dir.path().join("data"), dir.path().join("out"));
        std::fs::create_dir_all(&out).unwrap();
        std::fs::create_dir_all(&data).unwrap();
        std::fs::write(
            out.join("events.geojson"),
            br#"{"type":"FeatureCollection"}"#,
        )
        .unwrap();
        let opts = Options {
            paths: Paths {
                data,
                out: out.clone(),
            },
            addr: "127.0.0.1:0".parse().unwrap(),
            watch: false,
            poll: DEFAULT_POLL,
            limits: Limits::default(),
        };
        let warnings = opts.check().unwrap();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        let w = &warnings[0];
        assert!(w.contains("events.geojson is not drawn"), "{w}");
        assert!(
            w.contains("events.pmtiles, which is missing, so the map is empty"),
            "{w}"
        );
        assert!(
            w.contains("without `--no-tiles`") && w.contains("drillmap tiles"),
            "{w}"
        );
        // With a dataset layer beside it, the map is not empty; with its archive, no warning.
        std::fs::write(out.join("exercises.geojson"), b"{}").unwrap();
        let warnings = opts.check().unwrap();
        assert!(!warnings[0].contains("map is empty"), "{warnings:?}");
        std::fs::write(out.join("events.pmtiles"), b"0123").unwrap();
        assert_eq!(opts.check().unwrap(), Vec::<String>::new());
    }

    #[test]
    fn serves_the_page_layers_ranges_and_status_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let (data, out) = (dir.path().join("data"), dir.path().join("out"));
        std::fs::create_dir_all(&out).unwrap();
        std::fs::create_dir_all(&data).unwrap();
        std::fs::write(
            out.join("exercises.geojson"),
            br#"{"type":"FeatureCollection"}"#,
        )
        .unwrap();
        std::fs::write(out.join("drillmap.pmtiles"), b"0123456789").unwrap();
        std::fs::write(dir.path().join("secret.txt"), b"secret").unwrap();
        let server = Server::bind(&Options {
            paths: Paths { data, out },
            addr: "127.0.0.1:0".parse().unwrap(),
            watch: false,
            poll: DEFAULT_POLL,
            limits: Limits::default(),
        })
        .unwrap();
        let addr = server.addr();
        assert!(addr.ip().is_loopback() && addr.port() != 0);
        let stop = server.stop_handle();
        let running = thread::spawn(move || server.run(&mut |_| {}));

        let (head, body) = get(addr, "/", "");
        assert!(head.starts_with("http/1.1 200"), "{head}");
        assert!(head.contains("text/html; charset=utf-8"));
        assert!(head.contains("content-security-policy"));
        assert!(String::from_utf8_lossy(&body).contains("maplibre"));

        let (head, body) = get(addr, "/layers/exercises.geojson?v=1", "");
        assert!(head.contains("application/geo+json"), "{head}");
        assert!(head.contains("cache-control: no-cache"), "{head}");
        assert_eq!(body, br#"{"type":"FeatureCollection"}"#);

        let (head, body) = get(addr, "/layers/drillmap.pmtiles", "Range: bytes=2-4\r\n");
        assert!(head.starts_with("http/1.1 206"), "{head}");
        assert!(head.contains("content-range: bytes 2-4/10"), "{head}");
        assert_eq!(body, b"234");

        let (head, _) = get(addr, "/layers/bases.geojson", "");
        assert!(head.starts_with("http/1.1 404"), "{head}");
        let (head, body) = get(addr, "/layers/../secret.txt", "");
        assert!(head.starts_with("http/1.1 400"), "{head}");
        assert!(!String::from_utf8_lossy(&body).contains("secret\n"));

        let (_, body) = get(addr, "/api/status", "");
        let status: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(status["layers"][0]["name"], "exercises");
        assert_eq!(status["tiles"][0], "/layers/drillmap.pmtiles");
        assert!(status["basemap"].is_null());

        let mut s = TcpStream::connect(addr).unwrap();
        write!(
            s,
            "GET / HTTP/1.1\r\nHost: attacker.example\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut raw = String::new();
        s.read_to_string(&mut raw).unwrap();
        assert!(raw.starts_with("HTTP/1.1 421"), "{raw}");

        stop.stop();
        running.join().unwrap().unwrap();
    }
}
