//! A scripted HTTP server on 127.0.0.1 for the online geocoder's tests, and Nominatim-shaped
//! fixtures. No test reaches the internet.
//!
//! The server answers connections in arrival order from a script of [`Reply`]s (each
//! connection gets the next one, then `503 script exhausted`), records when each request
//! arrived and its headers, and stops by itself when dropped or after [`LIFETIME`].

#![allow(dead_code)] // Each test crate that includes this module uses a different part of it.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The longest a mock server lives, whatever the test does.
pub const LIFETIME: Duration = Duration::from_secs(60);

/// A User-Agent the client accepts.
pub const UA: &str = "drillmap-tests/0.1 (qa@drillmap.test)";

/// One scripted answer.
#[derive(Debug, Clone)]
pub enum Reply {
    /// An HTTP response.
    Http {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// Read the request, then say nothing for this long (a server that never answers).
    Silent(Duration),
    /// These bytes, whatever they are, then the connection closed (a server that does not
    /// speak HTTP).
    Raw(String),
    /// 200 with a JSON body of `piece` sent `times` times, `pause` apart: with
    /// `Transfer-Encoding: chunked` (no `Content-Length`, one chunk a piece) when `chunked`,
    /// else with the whole body's `Content-Length`. The body is never held whole, so it may
    /// be far larger than memory; sending stops when the client hangs up.
    Stream {
        piece: String,
        times: u64,
        pause: Duration,
        chunked: bool,
    },
}

impl Reply {
    /// 200 with a JSON body.
    pub fn json(body: &str) -> Reply {
        Reply::Http {
            status: 200,
            headers: vec![(
                "Content-Type".into(),
                "application/json; charset=utf-8".into(),
            )],
            body: body.to_string(),
        }
    }

    /// An error status with a small text body.
    pub fn status(status: u16) -> Reply {
        Reply::Http {
            status,
            headers: vec![("Content-Type".into(), "text/html".into())],
            body: format!("<html><body>{status}</body></html>"),
        }
    }

    /// 200 with `times` copies of `piece` as a chunked body, sent as fast as it is taken.
    pub fn chunked(piece: &str, times: u64) -> Reply {
        Reply::Stream {
            piece: piece.to_string(),
            times,
            pause: Duration::ZERO,
            chunked: true,
        }
    }

    /// 200 with a `Content-Length` body of `bytes` spaces, one every `pause` (a server that
    /// answers, slowly, for ever).
    pub fn drip(bytes: u64, pause: Duration) -> Reply {
        Reply::Stream {
            piece: " ".into(),
            times: bytes,
            pause,
            chunked: false,
        }
    }

    /// 429 with `Retry-After: secs`.
    pub fn too_many(retry_after: &str) -> Reply {
        Reply::Http {
            status: 429,
            headers: vec![("Retry-After".into(), retry_after.into())],
            body: "<html><body>Too many requests</body></html>".into(),
        }
    }
}

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// When its header had fully arrived.
    pub at: Instant,
    /// Path and query (`/search?q=...`).
    pub target: String,
    /// Header names (lower case) and values.
    pub headers: Vec<(String, String)>,
}

impl Recorded {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The decoded query parameters, in order.
    pub fn params(&self) -> Vec<(String, String)> {
        reqwest::Url::parse(&format!("http://mock{}", self.target))
            .map(|u| u.query_pairs().into_owned().collect())
            .unwrap_or_default()
    }

    /// One decoded query parameter.
    pub fn param(&self, name: &str) -> Option<String> {
        self.params()
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }
}

/// The scripted server. Dropping it stops it.
pub struct MockServer {
    port: u16,
    recorded: Arc<Mutex<Vec<Recorded>>>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl MockServer {
    /// Start serving `script` on an ephemeral port of 127.0.0.1.
    pub fn start(script: Vec<Reply>) -> MockServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let port = listener.local_addr().expect("local addr").port();
        let recorded = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let script = Arc::new(script);
        let next = Arc::new(AtomicUsize::new(0));
        let accept = {
            let (recorded, stop) = (recorded.clone(), stop.clone());
            std::thread::spawn(move || {
                let born = Instant::now();
                while !stop.load(Ordering::SeqCst) && born.elapsed() < LIFETIME {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let i = next.fetch_add(1, Ordering::SeqCst);
                            let reply = script.get(i).cloned().unwrap_or_else(|| Reply::Http {
                                status: 503,
                                headers: Vec::new(),
                                body: "script exhausted".into(),
                            });
                            let (recorded, stop) = (recorded.clone(), stop.clone());
                            std::thread::spawn(move || serve(stream, reply, &recorded, &stop));
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(2)),
                    }
                }
            })
        };
        MockServer {
            port,
            recorded,
            stop,
            accept: Some(accept),
        }
    }

    /// The base URL (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The requests received so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        let mut r = self.recorded.lock().map(|r| r.clone()).unwrap_or_default();
        r.sort_by_key(|r| r.at);
        r
    }

    /// Wait (at most `limit`) until `n` requests have arrived.
    pub fn wait_for(&self, n: usize, limit: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < limit {
            if self.requests().len() >= n {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

fn serve(mut stream: TcpStream, reply: Reply, recorded: &Mutex<Vec<Recorded>>, stop: &AtomicBool) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 64 * 1024 {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let at = Instant::now();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let mut lines = text.split("\r\n");
    let target = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .unwrap_or_default()
        .to_string();
    let headers = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    if let Ok(mut r) = recorded.lock() {
        r.push(Recorded {
            at,
            target,
            headers,
        });
    }
    match reply {
        Reply::Silent(how_long) => {
            let start = Instant::now();
            while start.elapsed() < how_long && !stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        Reply::Http {
            status,
            headers,
            body,
        } => {
            let mut out = format!(
                "HTTP/1.1 {status} Mock\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (n, v) in headers {
                out.push_str(&format!("{n}: {v}\r\n"));
            }
            out.push_str("\r\n");
            out.push_str(&body);
            let _ = stream.write_all(out.as_bytes());
            let _ = stream.flush();
        }
        Reply::Raw(bytes) => {
            let _ = stream.write_all(bytes.as_bytes());
            let _ = stream.flush();
        }
        Reply::Stream {
            piece,
            times,
            pause,
            chunked,
        } => {
            let length = if chunked {
                "Transfer-Encoding: chunked".to_string()
            } else {
                format!("Content-Length: {}", piece.len() as u64 * times)
            };
            let head = format!(
                "HTTP/1.1 200 Mock\r\n{length}\r\nContent-Type: application/json\r\n\
                 Connection: close\r\n\r\n"
            );
            if stream.write_all(head.as_bytes()).is_err() {
                return;
            }
            let piece = if chunked {
                format!("{:x}\r\n{piece}\r\n", piece.len())
            } else {
                piece
            };
            for _ in 0..times {
                if stop.load(Ordering::SeqCst) || stream.write_all(piece.as_bytes()).is_err() {
                    return; // the client hung up
                }
                if !pause.is_zero() {
                    let _ = stream.flush();
                    std::thread::sleep(pause);
                }
            }
            if chunked {
                let _ = stream.write_all(b"0\r\n\r\n");
            }
            let _ = stream.flush();
        }
    }
}

/// A port on 127.0.0.1 that was bound and closed again: connecting to it is refused.
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    port
}

/// A listener on 127.0.0.1 that accepts no connection, its queue of connections waiting
/// to be accepted full: a connection to it is never made (the kernel drops its SYN), so
/// connecting times out. Keep it alive while it is used.
pub struct Unaccepting {
    /// Its port.
    pub port: u16,
    _listener: TcpListener,
    _queued: Vec<TcpStream>,
}

/// See [`Unaccepting`]: the queue is filled (the backlog std asks for, at most the
/// system's `somaxconn`) until a connection no longer completes.
pub fn unaccepting() -> Unaccepting {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let mut queued = Vec::new();
    while let Ok(s) = TcpStream::connect_timeout(&addr, Duration::from_millis(300)) {
        queued.push(s);
        assert!(queued.len() < 10_000, "the listener's queue never filled");
    }
    Unaccepting {
        port: addr.port(),
        _listener: listener,
        _queued: queued,
    }
}

/// A Nominatim `jsonv2` result (with `addressdetails=1&namedetails=1`), as the real service
/// writes it: ids as numbers, coordinates and box as strings.
#[allow(clippy::too_many_arguments)]
pub fn result(
    osm: (&str, u64),
    name: &str,
    (lat, lon): (f64, f64),
    (category, kind, addresstype): (&str, &str, &str),
    country: (&str, &str),
    importance: f64,
    half_box_deg: f64,
) -> String {
    let (osm_type, osm_id) = osm;
    let (country_name, cc) = country;
    format!(
        r#"{{"place_id":{pid},"licence":"Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright","osm_type":"{osm_type}","osm_id":{osm_id},"lat":"{lat:.7}","lon":"{lon:.7}","category":"{category}","type":"{kind}","place_rank":19,"importance":{importance},"addresstype":"{addresstype}","name":"{name}","display_name":"{name}, {country_name}","address":{{"{addresstype}":"{name}","ISO3166-2-lvl4":"{CC}-XX","country":"{country_name}","country_code":"{cc}"}},"namedetails":{{"name":"{name}","name:en":"{name}"}},"boundingbox":["{s:.7}","{n:.7}","{w:.7}","{e:.7}"]}}"#,
        pid = osm_id % 1_000_000 + 7,
        CC = cc.to_ascii_uppercase(),
        s = lat - half_box_deg,
        n = lat + half_box_deg,
        w = lon - half_box_deg,
        e = lon + half_box_deg,
    )
}

/// A village in Tajikistan.
pub fn village(name: &str) -> String {
    result(
        ("node", 2_751_234_567),
        name,
        (37.6123456, 68.8765432),
        ("place", "village", "village"),
        ("Tajikistan", "tj"),
        0.25,
        0.02,
    )
}

/// A military training area in Tajikistan.
pub fn training_area(name: &str) -> String {
    result(
        ("way", 987_654_321),
        name,
        (38.5012345, 68.7012345),
        ("military", "training_area", "military"),
        ("Tajikistan", "tj"),
        0.31,
        0.05,
    )
}

/// The same name in Afghanistan.
pub fn afghan(name: &str) -> String {
    result(
        ("node", 1_122_334_455),
        name,
        (36.7, 68.9),
        ("place", "village", "village"),
        ("Afghanistan", "af"),
        0.4,
        0.02,
    )
}

/// A JSON array of results.
pub fn answer(results: &[String]) -> String {
    format!("[{}]", results.join(","))
}
