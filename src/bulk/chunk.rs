//! Rows read, owned, in chunks: what a reader hands to the build threads
//! ([`crate::pipeline::parallel`]). A chunk holds the text of its rows back to back and
//! each row's spans in it, so a row is borrowed from it as a [`Row`] without copying. Every
//! chunk is filled by [`Chunk::fill`], the one rule of when a chunk is full: by the CSV
//! reader on its own reading thread ([`super::csv`]), by any other reader row by row with
//! [`EventReader::next_row`](super::EventReader::next_row).

use super::{Field, Next, Row};
use crate::error::Problem;
use crate::model::properties::ReadBack;

/// Rows per chunk handed to a build thread, at most.
pub const CHUNK_ROWS: usize = 4096;

/// Bytes of row text per chunk, at most (a chunk closes at the row that reaches it): wide
/// rows make shorter chunks, so the chunks read ahead hold a bounded amount of text.
pub const CHUNK_BYTES: usize = 4 << 20;

/// The byte offsets of a row's text fields in [`Chunk::text`] (start of each, and
/// the end of the last) and of its free properties in [`Chunk::extra`].
#[derive(Debug, Clone, Copy)]
pub struct Spans {
    line: u64,
    unlocated: bool,
    read_back: ReadBack,
    fields: [usize; Field::ALL.len() + 1],
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
    pub fn clear(&mut self) {
        self.text.clear();
        self.extra.clear();
        self.items.clear();
        // A chunk that held one very wide row does not keep its memory for the next.
        self.text.shrink_to(2 * CHUNK_BYTES);
        self.extra.shrink_to(2 * CHUNK_BYTES);
    }

    /// Add rows with `next_row` until [`CHUNK_ROWS`] rows or [`CHUNK_BYTES`] of text are
    /// held, the input ends (`more` false) or `next_row` fails (the error is returned).
    pub fn fill<E>(
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
    pub fn bytes(&self) -> usize {
        self.text.len() + self.extra.len()
    }

    /// Add what a reader yielded.
    pub fn push(&mut self, next: Next<'_>) {
        match next {
            Next::Bad(p) => self.items.push(Item::Bad(p)),
            Next::Row(row) => self.push_row(
                row.line,
                (row.unlocated, row.read_back),
                [
                    row.id,
                    row.name,
                    row.start_date,
                    row.end_date,
                    row.place,
                    row.country,
                    row.lat,
                    row.lon,
                    row.date_precision,
                    row.source,
                    row.date_bound,
                    row.sources,
                ],
                |out| {
                    out.extend_from_slice(row.extra);
                    Ok(())
                },
            ),
        }
    }

    /// Add a row from its fields in [`super::Field`] order, read at `line`, where its
    /// point came from when read back ([`Row::read_back`]), and its free properties,
    /// which `extra` appends to the buffer it is given; when `extra` finds a problem, the
    /// row is that problem instead.
    pub fn push_fields(
        &mut self,
        line: u64,
        read_back: ReadBack,
        fields: [&str; Field::ALL.len()],
        extra: impl FnOnce(&mut Vec<u8>) -> Result<(), Problem>,
    ) {
        self.push_row(line, (false, read_back), fields, extra);
    }

    /// [`Chunk::push_fields`] of a row that may say it has no location ([`Row::unlocated`]):
    /// `flags` are its `unlocated` and `read_back`.
    fn push_row(
        &mut self,
        line: u64,
        (unlocated, read_back): (bool, ReadBack),
        fields: [&str; Field::ALL.len()],
        extra: impl FnOnce(&mut Vec<u8>) -> Result<(), Problem>,
    ) {
        let (text, start) = (self.text.len(), self.extra.len());
        match extra(&mut self.extra) {
            Err(p) => {
                self.extra.truncate(start);
                self.text.truncate(text);
                self.items.push(Item::Bad(p));
            }
            Ok(()) => {
                let mut spans = [0usize; Field::ALL.len() + 1];
                spans[0] = text;
                for (i, f) in fields.into_iter().enumerate() {
                    self.text.push_str(f);
                    spans[i + 1] = self.text.len();
                }
                self.items.push(Item::Row(Spans {
                    line,
                    unlocated,
                    read_back,
                    fields: spans,
                    extra: [start, self.extra.len()],
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
            date_precision: f(8),
            source: f(9),
            date_bound: f(10),
            sources: f(11),
            unlocated: spans.unlocated,
            read_back: spans.read_back,
            extra: self
                .extra
                .get(spans.extra[0]..spans.extra[1])
                .unwrap_or_default(),
        }
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
            date_precision: "",
            source: "",
            date_bound: "",
            sources: "",
            unlocated: false,
            read_back: ReadBack::default(),
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
