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
//! every feature before it. At most a few batches per worker are out at once and their
//! buffers are reused, so memory stays bounded. With no worker thread the batches are
//! parsed on the calling thread as they fill, in the same order.
//!
//! The workers, the order and a worker's panic (an [`Error::Internal`] met at its batch's
//! place in the order) are [`crate::workers`]'s, as for the bulk build's rows.

use super::input::{FeatureError, RawFeature};
use crate::bulk::Columns;
use crate::error::Error;
use crate::workers::Ordered;

/// The text a batch holds before it is handed out: 256 KiB. The batches out at once and
/// their parsed features are the read's peak memory beside the layer's sort buffers; 1 MiB
/// batches peaked 10 MiB higher at 1M points with no less CPU (BENCHMARKS, "Tiles").
pub const BATCH_BYTES: usize = 1 << 18;

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
}

impl<M> Default for Batch<M> {
    fn default() -> Self {
        Batch {
            text: Vec::new(),
            texts: Vec::new(),
            features: Vec::new(),
            parsed: 0,
            fault: None,
        }
    }
}

impl<M> Batch<M> {
    fn clear(&mut self) {
        self.text.clear();
        self.texts.clear();
        self.parsed = 0;
        self.fault = None;
    }

    /// Parse every text up to the first fault, by `columns` ([`RawFeature::reading`]).
    fn parse(&mut self, columns: &Columns, line: impl Fn(&M) -> Option<usize>) {
        let mut start = 0;
        for t in &self.texts {
            if self.features.len() == self.parsed {
                self.features.push(RawFeature::reading(columns));
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

/// What a worker needs besides its batch: what features are read by and where a text's line
/// is.
struct Parser<M> {
    columns: Columns,
    line: fn(&M) -> Option<usize>,
}

/// A worker's job: parse `batch`.
fn parse<M>(parser: &mut Parser<M>, batch: &mut Batch<M>) {
    batch.parse(&parser.columns, parser.line);
}

/// Feature texts parsed ahead, taken back in file order.
pub struct Ahead<M> {
    /// The batches out, on the workers (or parsed on this thread as they are sent).
    pool: Ordered<Batch<M>, Parser<M>>,
    /// The batch being filled.
    open: Batch<M>,
    /// The batch being handed back, and the next of its features to hand.
    current: Batch<M>,
    at: usize,
    spare: Vec<Batch<M>>,
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
    /// `columns` as [`RawFeature::reading`]'s; `line` gives a feature's line from what was given
    /// with its text.
    pub fn start<'scope>(
        scope: &'scope std::thread::Scope<'scope, '_>,
        workers: usize,
        columns: &Columns,
        line: fn(&M) -> Option<usize>,
    ) -> Ahead<M>
    where
        M: 'scope,
    {
        let parser = || Parser {
            columns: columns.clone(),
            line,
        };
        let pool = if workers == 0 {
            Ordered::inline(parser(), parse, "parsing thread")
        } else {
            // The workers are joined with the scope; a panic is caught and met in `next`.
            Ordered::on_threads(
                scope,
                (0..workers).map(|_| parser()).collect(),
                parse,
                "parsing thread",
            )
            .0
        };
        Ahead {
            pool,
            open: Batch::default(),
            current: Batch::default(),
            at: 0,
            spare: Vec::new(),
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
        let batch = std::mem::take(&mut self.open);
        if let Some(spare) = self.spare.pop() {
            self.open = spare;
        }
        self.pool.send(batch);
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
            if full && self.pool.has_room() {
                self.send_open();
                continue;
            }
            let Some(batch) = self.pool.next(all || full)? else {
                return Ok(None);
            };
            let used = std::mem::replace(&mut self.current, batch);
            self.recycle(used);
            self.at = 0;
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
