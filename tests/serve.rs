//! `drillmap serve` over plain HTTP, without a browser: where it listens, what it serves and
//! refuses, and how it fails when the port is taken.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod util;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use util::Work;

/// `drillmap serve` without --watch, killed when dropped.
struct Served {
    child: Child,
    addr: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(work: &Work, extra: &[&str]) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_drillmap"))
        .args(["serve", "--port", "0", "--data", "data", "--out", "out"])
        .args(extra)
        .current_dir(work.dir.path())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut served = Served {
        child,
        addr: String::new(),
    };
    while served.addr.is_empty() {
        let line = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("serve prints its URL");
        if let Some(url) = line.strip_prefix("serving the preview at http://") {
            served.addr = url.trim_end_matches('/').to_owned();
        }
    }
    served
}

/// One request; the status line, the headers (lower-cased) and the body.
fn request(addr: &str, raw: &str) -> (String, String, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(raw.as_bytes()).unwrap();
    let mut bytes = Vec::new();
    s.read_to_end(&mut bytes).unwrap();
    let split = bytes.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&bytes[..split]).to_ascii_lowercase();
    let (status, headers) = head.split_once("\r\n").unwrap_or((&head, ""));
    (
        status.to_owned(),
        headers.to_owned(),
        bytes[split + 4..].to_vec(),
    )
}

fn get(addr: &str, path: &str) -> (String, String, Vec<u8>) {
    request(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
    )
}

#[test]
fn serve_listens_on_loopback_and_serves_the_page_and_the_layers() {
    let work = Work::new("small");
    work.build().expect_code(0);
    let served = serve(&work, &[]);
    assert!(served.addr.starts_with("127.0.0.1:"), "{}", served.addr);

    let (status, headers, body) = get(&served.addr, "/");
    assert!(status.contains(" 200"), "{status}");
    assert!(headers.contains("content-type: text/html; charset=utf-8"));
    assert!(headers.contains("content-security-policy: default-src 'self'"));
    assert!(String::from_utf8_lossy(&body).contains("/app.js"));

    let (status, headers, body) = get(&served.addr, "/layers/exercises.geojson");
    assert!(status.contains(" 200"), "{status}");
    assert!(headers.contains("content-type: application/geo+json"));
    assert!(headers.contains("cache-control: no-store"));
    assert_eq!(
        body,
        std::fs::read(work.out().join("exercises.geojson")).unwrap()
    );

    let (status, headers, _) = get(&served.addr, "/vendor/maplibre-gl.mjs?v=1");
    assert!(status.contains(" 200"), "{status}");
    assert!(headers.contains("content-type: text/javascript"));

    let (_, _, body) = get(&served.addr, "/api/status");
    let status: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status["watch"], false);
    assert!(status["rebuild"].is_null());
    let names: Vec<_> = status["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["afghan_border", "bases", "exercises"]);

    // A layer written by anything (here by hand, as a `drillmap build` elsewhere would)
    // changes the version the page polls, so the open page reloads it.
    let version = status["version"].as_str().unwrap().to_owned();
    let mut layer = std::fs::read(work.out().join("bases.geojson")).unwrap();
    layer.push(b'\n');
    std::fs::write(work.out().join("bases.geojson"), layer).unwrap();
    let (_, _, body) = get(&served.addr, "/api/status");
    let status: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_ne!(status["version"], version.as_str());
}

#[test]
fn serve_refuses_traversal_other_files_other_hosts_and_other_methods() {
    let work = Work::new("small");
    work.build().expect_code(0);
    let served = serve(&work, &[]);
    for path in [
        "/layers/../data/places.csv",
        "/layers/%2e%2e/data/places.csv",
        "/layers/..%2Fdata%2Fplaces.csv",
        "/../data/places.csv",
    ] {
        let (status, _, body) = get(&served.addr, path);
        assert!(status.contains(" 400"), "{path}: {status}");
        assert!(!String::from_utf8_lossy(&body).contains("kind"), "{path}");
    }
    for path in [
        "/data/places.csv",
        "/layers/places.csv",
        "/out/bases.geojson",
    ] {
        let (status, _, _) = get(&served.addr, path);
        assert!(status.contains(" 404"), "{path}: {status}");
    }
    let (status, _, _) = request(
        &served.addr,
        "GET / HTTP/1.1\r\nHost: rebinding.example:80\r\nConnection: close\r\n\r\n",
    );
    assert!(status.contains(" 421"), "{status}");
    let (status, _, _) = request(
        &served.addr,
        &format!(
            "POST /api/status HTTP/1.1\r\nHost: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            served.addr
        ),
    );
    assert!(status.contains(" 405"), "{status}");
}

#[test]
fn serve_on_a_taken_port_exits_2_and_says_why() {
    let work = Work::new("small");
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    work.run(&["serve", "--port", &port, "--data", "data", "--out", "out"])
        .expect_code(2)
        .expect_stderr_line(&["error: cannot listen on 127.0.0.1:", &port]);
}
