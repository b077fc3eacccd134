//! The module tree points down only: cli → pipeline → write → derive → resolve → read →
//! model. Every `crate::` path in `src/` (tests included; comments and doc links not) names
//! a module of the same layer or one below.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};

/// The layer of each top-level module of the library, lowest first. `bulk` reads event
/// exports (a reader); `fsutil`, `error`, `json` and `workers` are the primitives every layer
/// from `read` up writes files, errors and JSON text with and runs worker threads with; `extract` and the evidence checks
/// read and resolve; `serve` runs the pipeline.
const LAYERS: &[(&str, u8)] = &[
    ("model", 0),
    ("date", 0),
    ("country", 0),
    ("antimeridian", 0),
    ("names", 1),
    ("read", 1),
    ("bulk", 1),
    ("error", 1),
    ("json", 1),
    ("memory", 1),
    ("fsutil", 1),
    ("workers", 1),
    ("evidence", 1),
    ("resolve", 2),
    ("derive", 3),
    ("extract", 3),
    ("write", 4),
    ("pipeline", 5),
    ("serve", 6),
];

const NAMES: [&str; 7] = [
    "model", "read", "resolve", "derive", "write", "pipeline", "cli",
];

fn layer(module: &str) -> Option<u8> {
    // `crate::Error`, `crate::Result`, `crate::Problem`: the root's re-exports of `error`.
    let module = if matches!(module, "Error" | "Result" | "Problem") {
        "error"
    } else {
        module
    };
    LAYERS.iter().find(|(m, _)| *m == module).map(|&(_, l)| l)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules a line's code names through `crate::`.
fn crate_paths(line: &str) -> Vec<String> {
    let code = line.split("//").next().unwrap_or("");
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let after = &rest[i + "crate::".len()..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let word_start = i == 0 || {
            let before = rest.as_bytes()[i - 1];
            !(before.is_ascii_alphanumeric() || before == b'_')
        };
        if word_start && !name.is_empty() {
            found.push(name);
        }
        rest = after;
    }
    found
}

#[test]
fn every_module_imports_only_its_layer_and_those_below() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut upward = Vec::new();
    let mut checked = 0;
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        // The binary (main.rs, cli/) is the top layer: it may use anything.
        if top == "main" || top == "cli" || top == "lib" {
            continue;
        }
        let own = layer(&top).unwrap_or_else(|| {
            panic!("src/{top}: a top-level module with no layer in tests/layering.rs")
        });
        for (n, line) in fs::read_to_string(file).unwrap().lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for module in crate_paths(line) {
                checked += 1;
                let Some(theirs) = layer(&module) else {
                    upward.push(format!(
                        "src/{}:{}: crate::{module}: unknown module",
                        rel.display(),
                        n + 1
                    ));
                    continue;
                };
                if theirs > own {
                    upward.push(format!(
                        "src/{}:{}: {} ({}) imports crate::{module} ({})",
                        rel.display(),
                        n + 1,
                        top,
                        NAMES[own as usize],
                        NAMES[theirs as usize]
                    ));
                }
            }
        }
    }
    assert!(checked > 100, "only {checked} crate:: paths found");
    assert!(
        upward.is_empty(),
        "imports that point up:\n{}",
        upward.join("\n")
    );
}

#[test]
fn crate_paths_are_found_in_code_not_comments() {
    assert_eq!(
        crate_paths("use crate::model::{Feature, Layer};"),
        ["model"]
    );
    assert_eq!(
        crate_paths("let x = crate::json::push(a, crate::derive::f()); // crate::write"),
        ["json", "derive"]
    );
    assert!(crate_paths("use drillmap_crate::x;").is_empty());
}
