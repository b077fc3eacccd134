//! The bulk build's rows derived on several threads, written in input order.
//!
//! The reader hands over its rows in owned [`Chunk`]s (the CSV reader fills them on its
//! reading thread), which build threads take in turn from one queue; each thread has its own
//! [`Builder`](crate::derive::event::Builder) (its own memos, shared index cells) and turns a chunk
//! into the features' text, their points and the rows' problems ([`Derived`]). The caller
//! takes the chunks back strictly in the order they were read ([`Ordered::next`]), so the
//! features, the problems and the first error come out exactly as one thread gives them,
//! for any number of threads; a few chunks per thread are read ahead, so memory stays
//! bounded (the threads and the order are [`crate::workers`]'s). A failure that stops the
//! run is met at its place in the order: the GeoNames index cannot be read (the chunk's
//! [`Derived::fatal`]), a build thread panics (an error from [`Ordered::next`]).

use geo::{Geometry, Point};

use crate::bulk::chunk::{Chunk, Item};
use crate::derive::event::Builder;
use crate::error::{Error, Problem};
use crate::read::lines::MAX_LINE;
use crate::workers;
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
                    let start = self.text.len();
                    self.text.extend_from_slice(SEPARATOR);
                    geojson::push_feature_head(&mut self.text, row.id, geometry.as_ref());
                    for part in b.properties(row.extra) {
                        self.text.extend_from_slice(part);
                    }
                    self.text.push(b'}');
                    // Its line holds one byte more: the comma after it in the layer, the
                    // record separator before it in a GeoJSONSeq.
                    let line = self.text.len() - start - SEPARATOR.len() + 1;
                    if line > MAX_LINE {
                        self.text.truncate(start);
                        self.outcomes
                            .push(Outcome::Problem(b.oversized(&row, line)));
                        continue;
                    }
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

/// A build thread's job: derive the chunk's rows with its builder.
fn derive(b: &mut Builder<'_>, job: &mut (Chunk, Derived)) {
    let (chunk, derived) = job;
    derived.derive(b, chunk);
}

/// Chunks read ahead and derived on build threads, taken back in input order.
pub struct Ordered<'g> {
    pool: workers::Ordered<(Chunk, Derived), Builder<'g>>,
    /// Chunks handed back, for reuse.
    spare: Vec<(Chunk, Derived)>,
}

impl<'g> Ordered<'g> {
    /// Derive chunks on one build thread per builder in `builders`, within `scope`; the
    /// builders come back from the threads' handles once the [`Ordered`] is closed.
    pub fn start<'scope>(
        scope: &'scope std::thread::Scope<'scope, '_>,
        builders: Vec<Builder<'g>>,
    ) -> (
        Self,
        Vec<std::thread::ScopedJoinHandle<'scope, Builder<'g>>>,
    )
    where
        'g: 'scope,
        Builder<'g>: Send,
    {
        let (pool, handles) = workers::Ordered::on_threads(scope, builders, derive, "build thread");
        let spare = Vec::new();
        (Ordered { pool, spare }, handles)
    }

    /// Whether another chunk may be read before one is taken back.
    pub fn has_room(&self) -> bool {
        self.pool.has_room()
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
        if chunk.items.is_empty() {
            self.spare.push((chunk, derived));
        } else {
            self.pool.send((chunk, derived));
        }
        match failed {
            Some(e) => Err(e),
            None => Ok(more),
        }
    }

    /// The next chunk in input order, waiting for it with `wait` (else only if it is
    /// derived already); `None` when none is out. Give it back with [`Ordered::recycle`].
    /// An error when a build thread panicked or they stopped early.
    pub fn next(&mut self, wait: bool) -> Result<Option<(Chunk, Derived)>, Error> {
        self.pool.next(wait)
    }

    /// Give back a chunk taken, for reuse.
    pub fn recycle(&mut self, chunk: Chunk, derived: Derived) {
        self.spare.push((chunk, derived));
    }

    /// Close the queue: the build threads stop once it is empty.
    pub fn close(&mut self) {
        self.pool.close();
    }
}
