//! The bulk build's rows derived on several threads, written in input order.
//!
//! The reader hands over its rows in owned [`Chunk`]s (the CSV reader fills them on its
//! reading thread), which build threads take in turn from one queue; each thread has its own
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

use crate::bulk::chunk::{Chunk, Item};
use crate::bulk::csv::panic_message;
use crate::derive::event::Builder;
use crate::error::{Error, Problem};
use crate::write::geojson;
use crate::write::sink::SEPARATOR;

/// What became of one row of a chunk.
#[derive(Debug)]
pub enum Outcome {
    /// A feature: its text ends at `end` in [`Derived::text`] (and starts, after
    /// [`SEPARATOR`], where the previous feature's ended); its rounded point; whether the
    /// row had its own coordinates.
    Feature {
        /// End of its text.
        end: usize,
        /// `[lon, lat]`; `None` for an unlocated feature.
        point: Option<[f64; 2]>,
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
    /// The features' text, back to back, each after [`SEPARATOR`]: the GeoJSON layer's
    /// bytes, handed to its writer as they are ([`crate::write::sink::Block`]).
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
                    let geometry = point.map(|[x, y]| Geometry::Point(Point::new(x, y)));
                    self.text.extend_from_slice(SEPARATOR);
                    geojson::push_feature_head(&mut self.text, row.id, geometry.as_ref());
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

    /// Have `fill` put the next rows in a chunk (see [`crate::bulk::EventReader::fill`])
    /// and hand them to a build thread. Returns whether the input goes on; the error that
    /// stopped it is returned after the rows read before it were sent.
    pub fn read<E>(
        &mut self,
        fill: impl FnOnce(&mut Chunk) -> (bool, Option<E>),
    ) -> Result<bool, E> {
        let (mut chunk, derived) = self.spare.pop().unwrap_or_default();
        let (more, failed) = fill(&mut chunk);
        if !chunk.items.is_empty() {
            if let Some(jobs) = &self.jobs {
                // The build threads hold the queue until they stop; one that stopped early
                // handed back a chunk with its failure, met in `next`.
                let _ = jobs.send((self.sent, chunk, derived));
                self.sent += 1;
            }
        } else {
            self.spare.push((chunk, derived));
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
