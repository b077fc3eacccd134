//! Test harness: a temporary copy of a fixture, the real binary, and readable results.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Fail a test whose independent tool is not installed, saying how to install it.
pub fn tool_missing(what: &str) -> ! {
    panic!("{what} is not installed: run `bash scripts/install-test-tools.sh` (the README's test command does)")
}

/// Run a command and return its stdout, failing the test when it cannot start or fails.
pub fn tool_output(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|_| tool_missing(program));
    assert!(
        out.status.success(),
        "{program} {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A temporary work folder with `data/` (a copy of a fixture) and `out/`.
pub struct Work {
    pub dir: tempfile::TempDir,
}

impl Work {
    /// Copy `fixture` (a folder under tests/fixtures, or an absolute path) to `data/`. A
    /// fixture without its own `boundaries/` gets the shipped Natural Earth boundaries.
    pub fn new(fixture: &str) -> Work {
        let src = if Path::new(fixture).is_absolute() {
            PathBuf::from(fixture)
        } else {
            root().join("tests/fixtures").join(fixture)
        };
        let work = Work {
            dir: tempfile::tempdir().unwrap(),
        };
        copy_dir(&src, &work.data());
        if !work.data().join("boundaries").exists() {
            copy_dir(
                &root().join("places/boundaries"),
                &work.data().join("boundaries"),
            );
        }
        work
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    /// Run drillmap with `args` in the work folder.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_env(args, &[])
    }

    /// [`Work::run`] with the variables `env` set (a test build's kill points, say).
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_drillmap"));
        cmd.args(args)
            .current_dir(self.dir.path())
            .env_remove("DRILLMAP_USER_AGENT");
        for (k, v) in env {
            cmd.env(k, v);
        }
        Run(cmd.output().unwrap())
    }

    /// [`Work::run`] as a user who may not write what this one made: as root (who may write
    /// anywhere), as `nobody` through setpriv (util-linux, which
    /// `scripts/install-test-tools.sh` installs), with the work folder opened to others to
    /// read. Without setpriv as root, the test fails saying how to install it (a skip
    /// would pass unseen).
    #[cfg(unix)]
    pub fn run_unprivileged(&self, args: &[&str]) -> Run {
        use std::os::unix::fs::PermissionsExt;
        let bin = env!("CARGO_BIN_EXE_drillmap");
        if Command::new("id").arg("-u").output().unwrap().stdout != b"0\n" {
            return self.run(args);
        }
        fs::set_permissions(self.dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
        let output = Command::new("setpriv")
            .args([
                "--reuid",
                "65534",
                "--regid",
                "65534",
                "--clear-groups",
                bin,
            ])
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("DRILLMAP_USER_AGENT")
            .output()
            .unwrap_or_else(|_| tool_missing("setpriv (Debian package util-linux)"));
        Run(output)
    }

    /// `out/` made read-only (mode 0555) while `body` runs, and writable again after, even
    /// when `body` fails; `body` runs builds in it with [`Work::run_unprivileged`], as a
    /// user the mode binds.
    #[cfg(unix)]
    pub fn with_read_only_out<T>(&self, body: impl FnOnce() -> T) -> T {
        use std::os::unix::fs::PermissionsExt;
        struct Writable(PathBuf);
        impl Drop for Writable {
            fn drop(&mut self) {
                let _ = fs::set_permissions(&self.0, fs::Permissions::from_mode(0o755));
            }
        }
        fs::set_permissions(self.out(), fs::Permissions::from_mode(0o555)).unwrap();
        let _writable = Writable(self.out());
        body()
    }

    /// Start drillmap with `args` held at the named `stage` of a test build
    /// (`DRILLMAP_TEST_HOLD_AT`), and return once it is there, with the file whose
    /// creation lets it go on. Its stderr is piped.
    pub fn spawn_held<S: AsRef<std::ffi::OsStr>>(
        &self,
        args: &[S],
        stage: &str,
    ) -> (std::process::Child, PathBuf) {
        let until = self.dir.path().join("go");
        let reached = self.dir.path().join("go.reached");
        let mut child = Command::new(env!("CARGO_BIN_EXE_drillmap"))
            .args(args)
            .current_dir(self.dir.path())
            .env("DRILLMAP_TEST_HOLD_AT", stage)
            .env("DRILLMAP_TEST_HOLD_UNTIL", &until)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        while !reached.exists() {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("{stage}: ended before the stage: {status}");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        (child, until)
    }

    /// `drillmap build --data data --out out`.
    pub fn build(&self) -> Run {
        self.run(&["build", "--data", "data", "--out", "out"])
    }

    /// `drillmap check --data data`.
    pub fn check(&self) -> Run {
        self.run(&["check", "--data", "data"])
    }

    /// Write `text` as the events file `data/NAME` (a CSV file, or any other a `build
    /// --events` test reads); returns its path as `--events` takes it, `data/NAME`.
    pub fn write_csv(&self, name: &str, text: impl AsRef<[u8]>) -> String {
        fs::write(self.data().join(name), text).unwrap();
        format!("data/{name}")
    }

    /// Replace `from` by `to` in data file `name` (which must contain it).
    pub fn edit(&self, name: &str, from: &str, to: &str) {
        let path = self.data().join(name);
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{name} does not contain {from:?}");
        fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }

    /// Append `text` to data file `name`.
    pub fn append(&self, name: &str, text: &str) {
        let path = self.data().join(name);
        let mut old = fs::read_to_string(&path).unwrap();
        old.push_str(text);
        fs::write(&path, old).unwrap();
    }

    /// The layer out/NAME, parsed.
    #[allow(dead_code)] // not every test crate reads a layer
    pub fn layer(&self, name: &str) -> serde_json::Value {
        serde_json::from_slice(&fs::read(self.out().join(name)).unwrap()).unwrap()
    }

    /// The GeoJSON layers in out/, by name.
    pub fn geojson_layers(&self) -> Vec<(String, Vec<u8>)> {
        self.outputs()
            .into_iter()
            .filter(|(n, _)| n.ends_with(".geojson"))
            .collect()
    }

    /// Hidden files in out/ but the lock: what a run left behind (temporary files, a
    /// publish journal).
    pub fn litter(&self) -> Vec<String> {
        let mut names: Vec<_> = fs::read_dir(self.out())
            .map(|d| {
                d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .filter(|n| n.starts_with('.') && !FOLDER_FILES.contains(&n.as_str()))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    /// The bytes of every file in out/, by name (but the lock, which holds the process id
    /// of the last build, and the digests known, which hold inodes and times).
    pub fn outputs(&self) -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<_> = fs::read_dir(self.out())
            .map(|d| {
                d.map(|e| {
                    let e = e.unwrap();
                    (
                        e.file_name().to_string_lossy().into_owned(),
                        fs::read(e.path()).unwrap(),
                    )
                })
                .filter(|(name, _)| !FOLDER_FILES.contains(&name.as_str()))
                .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
    }
}

/// The hidden files an output folder keeps between runs (no litter, no output): the lock
/// and the digests known (`fsutil::known`).
pub const FOLDER_FILES: [&str; 2] = [".drillmap.lock", ".drillmap-digests.json"];

fn copy_dir(src: &Path, dst: &Path) {
    fs::create_dir_all(dst).unwrap();
    for entry in fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let to = dst.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() != "expected" {
                copy_dir(&entry.path(), &to);
            }
        } else {
            fs::copy(entry.path(), to).unwrap();
        }
    }
}

/// The outcome of one run.
pub struct Run(pub Output);

impl Run {
    pub fn code(&self) -> i32 {
        self.0.status.code().unwrap_or(-1)
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }
    /// Assert the exit code, showing both streams when it differs.
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code(),
            code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }
    /// Assert that stderr has a line containing every one of `parts`.
    pub fn expect_stderr_line(&self, parts: &[&str]) -> &Self {
        let err = self.stderr();
        assert!(
            err.lines().any(|l| parts.iter().all(|p| l.contains(p))),
            "no stderr line with all of {parts:?}\n--- stderr\n{err}"
        );
        self
    }
}
