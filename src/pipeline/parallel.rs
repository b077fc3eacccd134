//! The bulk build's rows derived on several threads, written in input order.
//!
//! The reading thread's rows are copied into owned [`Chunk`]s of [`CHUNK_ROWS`] rows (fewer
//! when they pass [`CHUNK_BYTES`] of text), which
//! build threads take in turn from one queue; each thread has its own
//! [`Builder`](crate::derive::event::Builder) (its own memos, shared index cells) and turns a chunk
//! into the features' text, their points and the rows' problems ([`Derived`]). The caller
//! takes the chunks back strictly in the order they were read ([`Ordered::next`]), so the
//! features, the problems and the first error come out exactly as one thread gives them,
//! for any number of threads. At most [`Ordered::in_flight`] chunks are read ahead, so
//! memory stays bounded. A failure that stops the run (the GeoNames index cannot be read, a
//! build thread panics) is the chunk's [`Derived::fatal`], met at its place in the order.

use std::collections::BTreeMap;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};

use geo::{Geometry, Point};

use crate::bulk::csv::panic_message;
use crate::bulk::{Next, Row};
use crate::derive::event::Builder;
use crate::error::{Error, Problem};
use crate::write::geojson;

/// Rows per chunk handed to a build thread, at most.
pub const CHUNK_ROWS: usize = 4096;

/// Bytes of row text per chunk, at most (a chunk closes at the row that reaches it): wide
/// rows make shorter chunks, so the chunks read ahead hold a bounded amount of text.
pub const CHUNK_BYTES: usize = 4 << 20;

/// The byte offsets of a row's eight text fields in [`Chunk::text`] (start of each, and
/// the end of the last) and of its free properties in [`Chunk::extra`].
#[derive(Debug, Clone, Copy)]
pub struct Spans {
    line: u64,
    fields: [usize; 9],
    extra: [usize; 2],
}

/// One row read: its text, or the problem that kept it from being read.
#[derive(Debug)]
pub enum Item {
    /// A readable row (see [`Chunk::row`]).
    Row(Spans),
    /// A row that could not be read.
    Bad(Problem),
}

/// Rows read, owned, in input order.
#[derive(Debug, Default)]
pub struct Chunk {
    text: String,
    extra: Vec<u8>,
    /// The rows, in input order.
    pub items: Vec<Item>,
}

impl Chunk {
    /// Empty it for reuse.
    fn clear(&mut self) {
        self.text.clear();
        self.extra.clear();
        self.items.clear();
        // A chunk that held one very wide row does not keep its memory for the next.
        self.text.shrink_to(2 * CHUNK_BYTES);
        self.extra.shrink_to(2 * CHUNK_BYTES);
    }

    /// Add rows with `next_row` until [`CHUNK_ROWS`] rows or [`CHUNK_BYTES`] of text are
    /// held, the input ends (`more` false) or `next_row` fails (the error is returned).
    fn fill<E>(
        &mut self,
        mut next_row: impl FnMut(&mut Chunk) -> Result<bool, E>,
    ) -> (bool, Option<E>) {
        while self.items.len() < CHUNK_ROWS && self.bytes() < CHUNK_BYTES {
            match next_row(self) {
                Ok(true) => {}
                Ok(false) => return (false, None),
                Err(e) => return (true, Some(e)),
            }
        }
        (true, None)
    }

    /// Bytes of row text held.
    fn bytes(&self) -> usize {
        self.text.len() + self.extra.len()
    }

    /// Add what a reader yielded.
    pub fn push(&mut self, next: Next<'_>) {
        match next {
            Next::Bad(p) => self.items.push(Item::Bad(p)),
            Next::Row(row) => {
                let mut fields = [0usize; 9];
                fields[0] = self.text.len();
                for (i, f) in [
                    row.id,
                    row.name,
                    row.start_date,
                    row.end_date,
                    row.place,
                    row.country,
                    row.lat,
                    row.lon,
                ]
                .into_iter()
                .enumerate()
                {
                    self.text.push_str(f);
                    fields[i + 1] = self.text.len();
                }
                let start = self.extra.len();
                self.extra.extend_from_slice(row.extra);
                let end = self.extra.len();
                self.items.push(Item::Row(Spans {
                    line: row.line,
                    fields,
                    extra: [start, end],
                }));
            }
        }
    }

    /// The id and line of the row `spans` describes (all the writer needs of it: not the
    /// whole [`Chunk::row`], whose text the build thread read last).
    pub fn id_and_line(&self, spans: &Spans) -> (&str, u64) {
        let id = self
            .text
            .get(spans.fields[0]..spans.fields[1])
            .unwrap_or("");
        (id, spans.line)
    }

    /// The row `spans` describes, borrowed from the chunk.
    pub fn row(&self, spans: &Spans) -> Row<'_> {
        let f = |i: usize| {
            self.text
                .get(spans.fields[i]..spans.fields[i + 1])
                .unwrap_or("")
        };
        Row {
            line: spans.line,
            id: f(0),
            name: f(1),
            start_date: f(2),
            end_date: f(3),
            place: f(4),
            country: f(5),
            lat: f(6),
            lon: f(7),
            extra: self
                .extra
                .get(spans.extra[0]..spans.extra[1])
                .unwrap_or_default(),
        }
    }
}

/// What became of one row of a chunk.
#[derive(Debug)]
pub enum Outcome {
    /// A feature: its text ends at `end` in [`Derived::text`] (and starts where the
    /// previous feature's ended); its rounded point; whether the row had its own
    /// coordinates.
    Feature {
        /// End of its text.
        end: usize,
        /// `[lon, lat]`.
        point: [f64; 2],
        /// Located by its own coordinates.
        own: bool,
    },
    /// The row's problem (also a row that could not be read).
    Problem(Problem),
}

/// A chunk's rows derived: one [`Outcome`] per row, in order, up to the failure that stopped
/// the run, if any.
#[derive(Debug, Default)]
pub struct Derived {
    /// The features' text, back to back.
    pub text: Vec<u8>,
    /// One per row of the chunk (fewer when `fatal`).
    pub outcomes: Vec<Outcome>,
    /// A failure that stops the run, after the rows in `outcomes`.
    pub fatal: Option<Error>,
}

impl Derived {
    /// Derive every row of `chunk` with `b`.
    fn derive(&mut self, b: &mut Builder<'_>, chunk: &Chunk) {
        self.text.clear();
        self.outcomes.clear();
        self.fatal = None;
        for item in &chunk.items {
            let spans = match item {
                Item::Bad(p) => {
                    // Rows that cannot be read are rare: the problem is copied.
                    self.outcomes.push(Outcome::Problem(p.clone()));
                    continue;
                }
                Item::Row(spans) => spans,
            };
            let row = chunk.row(spans);
            match b.feature(&row) {
                Ok(Ok((point, own))) => {
                    let [x, y] = point;
                    let geometry = Geometry::Point(Point::new(x, y));
                    geojson::push_feature_head(&mut self.text, row.id, Some(&geometry));
                    for part in b.properties(row.extra) {
                        self.text.extend_from_slice(part);
                    }
                    self.text.push(b'}');
                    self.outcomes.push(Outcome::Feature {
                        end: self.text.len(),
                        point,
                        own,
                    });
                }
                Ok(Err(p)) => self.outcomes.push(Outcome::Problem(p)),
                Err(e) => {
                    self.fatal = Some(e);
                    return;
                }
            }
        }
    }
}

/// A chunk handed out, or handed back derived, with its place in the order.
type Job = (u64, Chunk, Derived);

/// A build thread: derive chunks from `jobs` until it closes, each handed back on `done`.
/// A panic becomes the chunk's fatal error, and the thread stops.
fn work<'g>(mut b: Builder<'g>, jobs: &Mutex<Receiver<Job>>, done: &Sender<Job>) -> Builder<'g> {
    loop {
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return b, // another build thread panicked holding the queue
        };
        let Ok((seq, chunk, mut derived)) = job else {
            return b;
        };
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            derived.derive(&mut b, &chunk);
        }));
        let panicked = result.is_err();
        if let Err(payload) = result {
            derived.fatal = Some(Error::Internal(format!(
                "a build thread panicked: {}",
                panic_message(payload.as_ref())
            )));
        }
        if done.send((seq, chunk, derived)).is_err() || panicked {
            return b;
        }
    }
}

/// Chunks read ahead and derived on build threads, taken back in input order.
pub struct Ordered {
    jobs: Option<Sender<Job>>,
    done: Receiver<Job>,
    /// Chunks derived ahead of their turn.
    ready: BTreeMap<u64, (Chunk, Derived)>,
    /// Chunks handed back, for reuse.
    spare: Vec<(Chunk, Derived)>,
    /// The number of the next chunk to send, and of the next to take back.
    sent: u64,
    taken: u64,
    /// At most this many chunks out at once.
    pub in_flight: u64,
}

impl Ordered {
    /// Derive chunks on one build thread per builder in `builders`, within `scope`; the
    /// builders come back from the threads' handles when the [`Ordered`] is dropped.
    pub fn start<'scope, 'env, 'g: 'scope>(
        scope: &'scope std::thread::Scope<'scope, 'env>,
        builders: Vec<Builder<'g>>,
    ) -> (
        Ordered,
        Vec<std::thread::ScopedJoinHandle<'scope, Builder<'g>>>,
    )
    where
        Builder<'g>: Send,
    {
        let (jobs, queue) = channel::<Job>();
        let (done_tx, done) = channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let threads = builders.len().max(1) as u64;
        let handles = builders
            .into_iter()
            .map(|b| {
                let queue = Arc::clone(&queue);
                let done_tx = done_tx.clone();
                scope.spawn(move || work(b, &queue, &done_tx))
            })
            .collect();
        (
            Ordered {
                jobs: Some(jobs),
                done,
                ready: BTreeMap::new(),
                spare: Vec::new(),
                sent: 0,
                taken: 0,
                in_flight: 2 * threads + 2,
            },
            handles,
        )
    }

    /// Whether another chunk may be read before one is taken back.
    pub fn has_room(&self) -> bool {
        self.sent - self.taken < self.in_flight
    }

    /// Whether every chunk sent has been taken back.
    pub fn is_idle(&self) -> bool {
        self.sent == self.taken
    }

    /// Read up to [`CHUNK_ROWS`] rows (or [`CHUNK_BYTES`] of text) with `next_row` and hand
    /// them to a build thread.
    /// Returns whether the input goes on; an `Err` from `next_row` is returned after the
    /// rows read before it were sent.
    pub fn read<E>(
        &mut self,
        mut next_row: impl FnMut(&mut Chunk) -> Result<bool, E>,
    ) -> Result<bool, E> {
        let (mut chunk, derived) = self.spare.pop().unwrap_or_default();
        chunk.clear();
        let (more, failed) = chunk.fill(&mut next_row);
        if !chunk.items.is_empty() {
            if let Some(jobs) = &self.jobs {
                // The build threads hold the queue until they stop; one that stopped early
                // handed back a chunk with its failure, met in `next`.
                let _ = jobs.send((self.sent, chunk, derived));
                self.sent += 1;
            }
        }
        match failed {
            Some(e) => Err(e),
            None => Ok(more),
        }
    }

    /// The next chunk in input order, waiting for it; `None` when none is out. Give it
    /// back with [`Ordered::recycle`].
    pub fn next(&mut self) -> Result<Option<(Chunk, Derived)>, Error> {
        if self.is_idle() {
            return Ok(None);
        }
        loop {
            if let Some(c) = self.ready.remove(&self.taken) {
                self.taken += 1;
                return Ok(Some(c));
            }
            match self.done.recv() {
                Ok((seq, chunk, derived)) => {
                    self.ready.insert(seq, (chunk, derived));
                }
                Err(_) => {
                    return Err(Error::Internal(
                        "the build threads stopped before the end of the input".into(),
                    ))
                }
            }
        }
    }

    /// The next chunk in input order if it is already derived.
    pub fn try_next(&mut self) -> Option<(Chunk, Derived)> {
        while let Ok((seq, chunk, derived)) = self.done.try_recv() {
            self.ready.insert(seq, (chunk, derived));
        }
        let c = self.ready.remove(&self.taken)?;
        self.taken += 1;
        Some(c)
    }

    /// Give back a chunk taken, for reuse.
    pub fn recycle(&mut self, chunk: Chunk, derived: Derived) {
        self.spare.push((chunk, derived));
    }

    /// Close the queue: the build threads stop once it is empty.
    pub fn close(&mut self) {
        self.jobs = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row with the free properties `extra`.
    fn wide(chunk: &mut Chunk, line: u64, extra: &[u8]) {
        chunk.push(Next::Row(Row {
            line,
            id: "EV1",
            name: "n",
            start_date: "2021-09-10",
            end_date: "2021-09-16",
            place: "Termez",
            country: "UZ",
            lat: "",
            lon: "",
            extra,
        }));
    }

    #[test]
    fn a_chunk_closes_at_its_rows_or_its_bytes_whichever_comes_first() {
        let mut chunk = Chunk::default();
        let mut line = 0;
        let (more, failed) = chunk.fill(|c| -> Result<bool, ()> {
            line += 1;
            wide(c, line, b"");
            Ok(true)
        });
        assert!(more && failed.is_none());
        assert_eq!(chunk.items.len(), CHUNK_ROWS);

        let extra = vec![b'x'; 100_000];
        chunk.clear();
        chunk.fill(|c| -> Result<bool, ()> {
            wide(c, 1, &extra);
            Ok(true)
        });
        let row = "EV1n2021-09-102021-09-16TermezUZ".len() + extra.len();
        assert_eq!(chunk.items.len(), CHUNK_BYTES.div_ceil(row));
        assert!(chunk.bytes() < CHUNK_BYTES + row);
        // The text reads back whole, however far into the chunk.
        let Some(Item::Row(last)) = chunk.items.last() else {
            panic!("a row")
        };
        assert_eq!(chunk.row(last).extra.len(), extra.len());
        assert_eq!(chunk.row(last).place, "Termez");
    }

    #[test]
    fn a_failure_ends_the_chunk_after_the_rows_before_it() {
        let mut chunk = Chunk::default();
        let mut n = 0;
        let (more, failed) = chunk.fill(|c| {
            n += 1;
            if n == 3 {
                return Err("broken");
            }
            wide(c, n, b"");
            Ok(true)
        });
        assert!(more);
        assert_eq!(failed, Some("broken"));
        assert_eq!(chunk.items.len(), 2);
        let mut m = 0;
        let (more, failed) = {
            chunk.clear();
            chunk.fill(|c| -> Result<bool, ()> {
                m += 1;
                if m > 5 {
                    return Ok(false);
                }
                wide(c, m, b"");
                Ok(true)
            })
        };
        assert!(!more && failed.is_none());
        assert_eq!(chunk.items.len(), 5);
    }
}
