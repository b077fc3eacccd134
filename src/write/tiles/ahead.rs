//! Feature texts parsed on worker threads, handed back in file order.
//!
//! The splitter of a file ([`crate::read::collection::Pieces`], [`crate::read::seq::Records`])
//! stays on the calling thread and adds each feature's text with [`Ahead::add`]; the texts
//! are copied into batches of about [`BATCH_BYTES`], which worker threads parse with the
//! one feature parser ([`RawFeature::read_slice`]) into owned features (their properties
//! encoded, nothing interned). The caller takes the features back strictly in file order
//! ([`Ahead::next`]) and pushes them into its layer on its own thread, so the interning,
//! the ids and the output are the same for any number of threads. A batch stops at its
//! first bad feature: the first fault in file order is the one the caller meets, after
//! every feature before it. At most [`Ahead::in_flight`] batches are out at once and their
//! buffers are reused, so memory stays bounded. With no worker thread the batches are
//! parsed on the calling thread as they fill, in the same order.
//!
//! A worker's panic becomes an [`Error::Internal`] met at its batch's place in the order,
//! as the bulk build threads' are ([`crate::pipeline::parallel`]).

use std::collections::BTreeMap;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};

use super::input::{FeatureError, RawFeature};
use crate::bulk::csv::panic_message;
use crate::error::Error;

/// The text a batch holds before it is handed out.
pub const BATCH_BYTES: usize = 1 << 20;

/// Why a feature was not read: its fault, with the line within its text of the value that
/// stopped the reading (as [`RawFeature::read_slice`] gives it).
pub type Fault = (FeatureError, Option<usize>);

/// One feature's text in a batch.
#[derive(Debug)]
struct Text<M> {
    /// Its end in [`Batch::text`] (it starts where the previous one ended).
    end: usize,
    /// Its 1-based position in the file, the id of last resort.
    n: usize,
    /// What the caller needs to place its fault (its line, its column).
    meta: M,
}

/// Feature texts and, once parsed, their features.
#[derive(Debug)]
struct Batch<M> {
    text: Vec<u8>,
    texts: Vec<Text<M>>,
    /// The features of `texts`, in order, up to the first fault; more may be kept for reuse
    /// (`parsed` of them are this batch's).
    features: Vec<RawFeature>,
    parsed: usize,
    /// The fault of `texts[parsed]`, if reading stopped there.
    fault: Option<Fault>,
    /// A worker's panic, met before any of the batch's features.
    panic: Option<String>,
}

impl<M> Default for Batch<M> {
    fn default() -> Self {
        Batch {
            text: Vec::new(),
            texts: Vec::new(),
            features: Vec::new(),
            parsed: 0,
            fault: None,
            panic: None,
        }
    }
}

impl<M> Batch<M> {
    fn clear(&mut self) {
        self.text.clear();
        self.texts.clear();
        self.parsed = 0;
        self.fault = None;
        self.panic = None;
    }

    /// Parse every text up to the first fault; `numeric` as [`RawFeature`]'s.
    fn parse(&mut self, numeric: &[String], line: impl Fn(&M) -> Option<usize>) {
        let mut start = 0;
        for t in &self.texts {
            if self.features.len() == self.parsed {
                self.features.push(RawFeature::with_numeric(numeric));
            }
            let f = &mut self.features[self.parsed];
            if let Err(fault) = f.read_located(&self.text[start..t.end], t.n) {
                self.fault = Some(fault);
                return;
            }
            f.line = line(&t.meta);
            self.parsed += 1;
            start = t.end;
        }
    }
}

/// A batch handed out, or handed back parsed, with its place in the order.
type Job<M> = (u64, Batch<M>);

/// What a worker needs besides its queue: the numeric properties and where a text's line is.
struct Parser<M> {
    numeric: Vec<String>,
    line: fn(&M) -> Option<usize>,
}

impl<M> Parser<M> {
    /// Parse `batch`; a panic is kept in it. Whether it panicked.
    fn run(&self, batch: &mut Batch<M>) -> bool {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            batch.parse(&self.numeric, self.line);
        }));
        match result {
            Ok(()) => false,
            Err(payload) => {
                batch.panic = Some(panic_message(payload.as_ref()).to_owned());
                true
            }
        }
    }
}

/// A worker: parse batches from `jobs` until it closes, each handed back on `done`; it
/// stops after a panic.
fn work<M>(parser: &Parser<M>, jobs: &Mutex<Receiver<Job<M>>>, done: &Sender<Job<M>>) {
    loop {
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return, // another worker panicked holding the queue
        };
        let Ok((seq, mut batch)) = job else {
            return;
        };
        let panicked = parser.run(&mut batch);
        if done.send((seq, batch)).is_err() || panicked {
            return;
        }
    }
}

/// Feature texts parsed ahead, taken back in file order.
pub struct Ahead<M> {
    /// `None` without workers (or once closed).
    jobs: Option<Sender<Job<M>>>,
    done: Option<Receiver<Job<M>>>,
    /// Parses on the calling thread when there are no workers.
    inline: Parser<M>,
    /// The batch being filled.
    open: Batch<M>,
    /// The batch being handed back, and the next of its features to hand.
    current: Batch<M>,
    at: usize,
    /// Batches parsed ahead of their turn.
    ready: BTreeMap<u64, Batch<M>>,
    spare: Vec<Batch<M>>,
    /// The number of the next batch to send, and of the next to take back.
    sent: u64,
    taken: u64,
    /// At most this many batches out at once (sent and not taken back).
    pub in_flight: u64,
}

/// The next thing handed back by [`Ahead::next`].
pub enum Parsed<'a, M> {
    /// A feature, with what was given with its text.
    Feature(&'a M, &'a RawFeature),
    /// The first bad feature, and what was given with its text.
    Fault(&'a M, Fault),
}

impl<M: Send> Ahead<M> {
    /// Parse on `workers` threads spawned in `scope` (none: on the calling thread);
    /// `numeric` as [`RawFeature`]'s; `line` gives a feature's line from what was given
    /// with its text.
    pub fn start<'scope>(
        scope: &'scope std::thread::Scope<'scope, '_>,
        workers: usize,
        numeric: &[String],
        line: fn(&M) -> Option<usize>,
    ) -> Ahead<M>
    where
        M: 'scope,
    {
        let (jobs, done) = if workers == 0 {
            (None, None)
        } else {
            let (jobs, queue) = channel::<Job<M>>();
            let (done_tx, done) = channel::<Job<M>>();
            let queue = Arc::new(Mutex::new(queue));
            for _ in 0..workers {
                let queue = Arc::clone(&queue);
                let done_tx = done_tx.clone();
                let parser = Parser {
                    numeric: numeric.to_vec(),
                    line,
                };
                scope.spawn(move || work(&parser, &queue, &done_tx));
            }
            (Some(jobs), Some(done))
        };
        Ahead {
            jobs,
            done,
            inline: Parser {
                numeric: numeric.to_vec(),
                line,
            },
            open: Batch::default(),
            current: Batch::default(),
            at: 0,
            ready: BTreeMap::new(),
            spare: Vec::new(),
            sent: 0,
            taken: 0,
            in_flight: 2 * workers as u64 + 2,
        }
    }

    /// Add the text of the `n`th feature of the file, with what its fault needs
    /// (`meta`). Take back what is ready with [`Ahead::next`] after each.
    pub fn add(&mut self, text: &[u8], n: usize, meta: M) {
        self.open.text.extend_from_slice(text);
        self.open.texts.push(Text {
            end: self.open.text.len(),
            n,
            meta,
        });
    }

    fn send_open(&mut self) {
        let mut batch = std::mem::take(&mut self.open);
        if let Some(spare) = self.spare.pop() {
            self.open = spare;
        }
        match &self.jobs {
            Some(jobs) => {
                // A worker that stopped early handed back its batch with its panic, met
                // in turn; if all stopped, `next` says so.
                let _ = jobs.send((self.sent, batch));
            }
            None => {
                self.inline.run(&mut batch);
                self.ready.insert(self.sent, batch);
            }
        }
        self.sent += 1;
    }

    /// The next feature in file order, or the first fault, once parsed; `None` when
    /// nothing more is ready yet (more texts may be added). With `all`, everything added
    /// is handed back (waiting for it) before `None`. After a [`Parsed::Fault`] nothing more
    /// is handed back. An error when a worker panicked or the workers stopped early.
    pub fn next(&mut self, all: bool) -> Result<Option<Parsed<'_, M>>, Error> {
        loop {
            if self.at < self.current.texts.len() {
                break;
            }
            let full = self.open.text.len() >= BATCH_BYTES || (all && !self.open.texts.is_empty());
            let room = self.sent - self.taken < self.in_flight;
            if full && room {
                self.send_open();
                continue;
            }
            if self.taken == self.sent {
                return Ok(None);
            }
            let batch = match self.ready.remove(&self.taken) {
                Some(batch) => batch,
                None => {
                    let Some(done) = &self.done else {
                        return Ok(None); // unreachable: inline batches are ready when sent
                    };
                    let received = if all || full {
                        done.recv().ok()
                    } else {
                        match done.try_recv() {
                            Ok(job) => Some(job),
                            Err(std::sync::mpsc::TryRecvError::Empty) => return Ok(None),
                            Err(std::sync::mpsc::TryRecvError::Disconnected) => None,
                        }
                    };
                    let Some((seq, batch)) = received else {
                        return Err(Error::Internal(
                            "the parsing threads stopped before the end of the input".into(),
                        ));
                    };
                    self.ready.insert(seq, batch);
                    continue;
                }
            };
            self.taken += 1;
            let used = std::mem::replace(&mut self.current, batch);
            self.recycle(used);
            self.at = 0;
            if let Some(message) = self.current.panic.take() {
                self.current.texts.clear();
                return Err(Error::Internal(format!(
                    "a parsing thread panicked: {message}"
                )));
            }
        }
        let at = self.at;
        self.at += 1;
        let meta = &self.current.texts[at].meta;
        if at < self.current.parsed {
            return Ok(Some(Parsed::Feature(meta, &self.current.features[at])));
        }
        // The first fault: nothing after it is handed back.
        self.at = self.current.texts.len();
        match self.current.fault.take() {
            Some(fault) => Ok(Some(Parsed::Fault(meta, fault))),
            None => Err(Error::Internal("a batch of features was not parsed".into())),
        }
    }

    fn recycle(&mut self, mut batch: Batch<M>) {
        if batch.text.capacity() > 0 {
            batch.clear();
            self.spare.push(batch);
        }
    }
}
