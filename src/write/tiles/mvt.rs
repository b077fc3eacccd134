//! Mapbox Vector Tile 2.1 encoding, written by hand as protobuf.
//!
//! A tile is a `Tile { repeated Layer layers = 3 }`; each layer has `version = 2`, its
//! `name`, `extent`, and its features, keys and values. Geometry is the spec's command
//! stream: `(id & 7) | (count << 3)` command integers followed by zigzag-encoded deltas,
//! with the cursor carried across parts and features' parts alike (MVT §4.3). Keys and
//! values are deduplicated per layer per tile by the caller (the tiling engine), and
//! every [`Value`] sets exactly one field.

/// Geometry type of a feature (MVT `GeomType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeomType {
    /// `POINT` (one or more points).
    Point = 1,
    /// `LINESTRING` (one or more lines).
    LineString = 2,
    /// `POLYGON` (one or more polygons).
    Polygon = 3,
}

/// An MVT property value, in the field it is written to.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `string_value` (1).
    String(String),
    /// `double_value` (3).
    Double(f64),
    /// `sint_value` (6), for negative integers.
    SInt(i64),
    /// `uint_value` (5), for non-negative integers.
    UInt(u64),
    /// `bool_value` (7).
    Bool(bool),
}

/// The protobuf wire encoding of a value message (its contents, without the length).
pub fn encode_value(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::String(s) => bytes_field(out, 1, s.as_bytes()),
        Value::Double(d) => {
            key(out, 3, 1);
            out.extend_from_slice(&d.to_le_bytes());
        }
        Value::SInt(i) => {
            key(out, 6, 0);
            varint(out, zigzag64(*i));
        }
        Value::UInt(u) => {
            key(out, 5, 0);
            varint(out, *u);
        }
        Value::Bool(b) => {
            key(out, 7, 0);
            varint(out, u64::from(*b));
        }
    }
}

/// Append `v` as a base-128 varint.
// Each cast keeps the low 7 bits on purpose (the varint's groups).
#[allow(clippy::cast_possible_truncation)]
pub fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Append a field key (field number and wire type).
fn key(out: &mut Vec<u8>, field: u32, wire: u32) {
    varint(out, u64::from((field << 3) | wire));
}

/// Append a length-delimited field.
pub fn bytes_field(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    key(out, field, 2);
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn varint_len(v: u64) -> usize {
    let bits = 64 - (v | 1).leading_zeros() as usize;
    bits.div_ceil(7)
}

/// Zigzag-encode a 32-bit parameter: `(n << 1) ^ (n >> 31)`.
pub fn zigzag(n: i32) -> u32 {
    ((n << 1) ^ (n >> 31)) as u32
}

fn zigzag64(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

/// A command integer: `(id & 7) | (count << 3)`.
pub fn command(id: u32, count: u32) -> u32 {
    (id & 7) | (count << 3)
}

const MOVE_TO: u32 = 1;
const LINE_TO: u32 = 2;
const CLOSE_PATH: u32 = 7;

/// Builds one feature's geometry command stream, carrying the cursor across parts.
#[derive(Debug, Default)]
pub struct GeometryEncoder {
    /// The encoded command integers.
    pub commands: Vec<u32>,
    cursor: (i32, i32),
}

impl GeometryEncoder {
    /// An encoder with the cursor at (0, 0), reusing `buf`'s allocation.
    pub fn with_buffer(mut buf: Vec<u32>) -> Self {
        buf.clear();
        GeometryEncoder {
            commands: buf,
            cursor: (0, 0),
        }
    }

    fn delta(&mut self, p: (i32, i32)) {
        let dx = p.0.wrapping_sub(self.cursor.0);
        let dy = p.1.wrapping_sub(self.cursor.1);
        self.commands.push(zigzag(dx));
        self.commands.push(zigzag(dy));
        self.cursor = p;
    }

    /// One `MoveTo` with every point as its parameters (a point or multipoint).
    pub fn points(&mut self, points: &[(i32, i32)]) {
        if points.is_empty() {
            return;
        }
        self.commands
            .push(command(MOVE_TO, u32::try_from(points.len()).unwrap_or(0)));
        for &p in points {
            self.delta(p);
        }
    }

    /// A line: `MoveTo(1)` then `LineTo(n − 1)`. The caller guarantees at least two points
    /// and no consecutive duplicates (so no zero-length `LineTo`).
    pub fn line(&mut self, line: &[(i32, i32)]) {
        let Some((&first, rest)) = line.split_first() else {
            return;
        };
        if rest.is_empty() {
            return;
        }
        self.commands.push(command(MOVE_TO, 1));
        self.delta(first);
        self.commands
            .push(command(LINE_TO, u32::try_from(rest.len()).unwrap_or(0)));
        for &p in rest {
            self.delta(p);
        }
    }

    /// A polygon ring: `MoveTo(1)`, `LineTo(n − 1)`, `ClosePath`. The ring is given without
    /// repeating its first vertex.
    pub fn ring(&mut self, ring: &[(i32, i32)]) {
        if ring.len() < 3 {
            return;
        }
        self.line(ring);
        self.commands.push(command(CLOSE_PATH, 1));
    }
}

/// The vertices of a geometry's commands: the counts of its MoveTo and LineTo commands.
pub fn vertex_count(geometry: &[u32]) -> u64 {
    let mut n = 0u64;
    let mut i = 0usize;
    while let Some(&c) = geometry.get(i) {
        let (id, count) = (c & 7, c >> 3);
        i += 1;
        if id == 1 || id == 2 {
            n += u64::from(count);
            i = i.saturating_add(2 * usize::try_from(count).unwrap_or(usize::MAX / 2));
        }
    }
    n
}

fn packed_len(values: &[u32]) -> usize {
    values.iter().map(|&v| varint_len(u64::from(v))).sum()
}

/// Append one feature message (`id` = 1, `tags` = 2, `type` = 3, `geometry` = 4) as field 2
/// of a layer, written in place (its length is computed first).
pub fn encode_feature(out: &mut Vec<u8>, id: u64, tags: &[u32], kind: GeomType, geometry: &[u32]) {
    let tags_len = packed_len(tags);
    let geom_len = packed_len(geometry);
    let mut len = 1 + varint_len(id) + 2 + 1 + varint_len(geom_len as u64) + geom_len;
    if !tags.is_empty() {
        len += 1 + varint_len(tags_len as u64) + tags_len;
    }
    out.reserve(len + 6);
    key(out, 2, 2);
    varint(out, len as u64);
    key(out, 1, 0);
    varint(out, id);
    if !tags.is_empty() {
        key(out, 2, 2);
        varint(out, tags_len as u64);
        for &t in tags {
            varint(out, u64::from(t));
        }
    }
    key(out, 3, 0);
    varint(out, kind as u64);
    key(out, 4, 2);
    varint(out, geom_len as u64);
    for &g in geometry {
        varint(out, u64::from(g));
    }
}

/// Room left for a layer's length before its contents are known: a varint of a length
/// below 2^35 bytes.
const LAYER_LEN_ROOM: usize = 5;

/// A layer message being written in place at the end of a tile ([`begin_layer`]): its
/// features are appended to the tile's own buffer as they are encoded (with
/// [`encode_feature`]), not gathered apart and copied, and [`LayerStart::finish`] appends
/// the keys, values, extent and version, then writes the length in front.
#[derive(Debug, Clone, Copy)]
#[must_use = "a layer is only valid once finished"]
pub struct LayerStart {
    /// Where the layer's field key is in the buffer.
    at: usize,
}

/// Start a layer message (as field 3 of the tile) named `name` at the end of `out`;
/// append its features next.
pub fn begin_layer(out: &mut Vec<u8>, name: &str) -> LayerStart {
    let at = out.len();
    key(out, 3, 2);
    out.extend_from_slice(&[0; LAYER_LEN_ROOM]);
    bytes_field(out, 1, name.as_bytes());
    LayerStart { at }
}

impl LayerStart {
    /// Finish the layer begun here, the features appended since: its keys, encoded value
    /// messages, extent and version, and its length (the contents moved down over the
    /// room left for it that the length does not need).
    pub fn finish<'a>(
        self,
        out: &mut Vec<u8>,
        extent: u32,
        keys: impl Iterator<Item = &'a str>,
        values: impl Iterator<Item = &'a [u8]>,
    ) {
        for k in keys {
            bytes_field(out, 3, k.as_bytes());
        }
        for v in values {
            bytes_field(out, 4, v);
        }
        key(out, 5, 0);
        varint(out, u64::from(extent));
        key(out, 15, 0);
        varint(out, 2);
        let body = self.at + 1 + LAYER_LEN_ROOM;
        let len = out.len() - body;
        let mut head = Vec::with_capacity(LAYER_LEN_ROOM);
        varint(&mut head, len as u64);
        out.splice(self.at + 1..body, head);
    }
}

/// Append a complete layer message (as field 3 of the tile) from its parts: encoded
/// features (already field-2 framed), keys, and encoded value messages. The tests' reference
/// for [`begin_layer`] and [`LayerStart::finish`], which the encoder uses.
#[cfg(test)]
pub fn encode_layer<'a>(
    out: &mut Vec<u8>,
    name: &str,
    extent: u32,
    features: &[u8],
    keys: impl Iterator<Item = &'a str>,
    values: impl Iterator<Item = &'a [u8]>,
) {
    let layer = begin_layer(out, name);
    out.extend_from_slice(features);
    layer.finish(out, extent, keys, values);
}

#[cfg(test)]
#[allow(clippy::cast_possible_truncation)]
pub(super) mod tests {
    use super::*;

    #[test]
    fn zigzag_and_commands_follow_the_spec() {
        assert_eq!(zigzag(0), 0);
        assert_eq!(zigzag(-1), 1);
        assert_eq!(zigzag(1), 2);
        assert_eq!(zigzag(-2), 3);
        assert_eq!(zigzag(i32::MAX), u32::MAX - 1);
        assert_eq!(command(MOVE_TO, 1), 9);
        assert_eq!(command(LINE_TO, 3), 26);
        assert_eq!(command(CLOSE_PATH, 1), 15);
    }

    /// MVT 2.1 §4.3.5.1: a point at (25, 17).
    #[test]
    fn spec_point() {
        let mut g = GeometryEncoder::default();
        g.points(&[(25, 17)]);
        assert_eq!(g.commands, [9, 50, 34]);
    }

    /// §4.3.5.2: multipoint (5, 7), (3, 2).
    #[test]
    fn spec_multipoint() {
        let mut g = GeometryEncoder::default();
        g.points(&[(5, 7), (3, 2)]);
        assert_eq!(g.commands, [17, 10, 14, 3, 9]);
    }

    /// §4.3.5.3: linestring (2,2) (2,10) (10,10).
    #[test]
    fn spec_linestring() {
        let mut g = GeometryEncoder::default();
        g.line(&[(2, 2), (2, 10), (10, 10)]);
        assert_eq!(g.commands, [9, 4, 4, 18, 0, 16, 16, 0]);
    }

    /// §4.3.5.4: multilinestring; the cursor carries from the first line to the second.
    #[test]
    fn spec_multilinestring() {
        let mut g = GeometryEncoder::default();
        g.line(&[(2, 2), (2, 10), (10, 10)]);
        g.line(&[(1, 1), (3, 5)]);
        assert_eq!(g.commands, [9, 4, 4, 18, 0, 16, 16, 0, 9, 17, 17, 10, 4, 8]);
    }

    /// §4.3.5.5: polygon (3,6) (8,12) (20,34) closed.
    #[test]
    fn vertex_count_counts_move_to_and_line_to() {
        // The spec's polygon: MoveTo(1), LineTo(2), ClosePath.
        let polygon = [9, 6, 12, 18, 10, 12, 24, 44, 15];
        assert_eq!(vertex_count(&polygon), 3);
        assert_eq!(vertex_count(&[command(1, 2), 2, 2, 4, 4]), 2);
        assert_eq!(vertex_count(&[]), 0);
    }

    #[test]
    fn spec_polygon() {
        let mut g = GeometryEncoder::default();
        g.ring(&[(3, 6), (8, 12), (20, 34)]);
        assert_eq!(g.commands, [9, 6, 12, 18, 10, 12, 24, 44, 15]);
    }

    /// §4.3.5.6: multipolygon with a hole; exterior rings clockwise, hole counter-clockwise.
    #[test]
    fn spec_multipolygon() {
        let mut g = GeometryEncoder::default();
        g.ring(&[(0, 0), (10, 0), (10, 10), (0, 10)]);
        g.ring(&[(11, 11), (20, 11), (20, 20), (11, 20)]);
        g.ring(&[(13, 13), (13, 17), (17, 17), (17, 13)]);
        assert_eq!(
            g.commands,
            [
                9, 0, 0, 26, 20, 0, 0, 20, 19, 0, 15, 9, 22, 2, 26, 18, 0, 0, 18, 17, 0, 15, 9, 4,
                13, 26, 0, 8, 8, 0, 0, 7, 15
            ]
        );
    }

    #[test]
    fn values_set_exactly_one_field() {
        let enc = |v: Value| {
            let mut out = Vec::new();
            encode_value(&v, &mut out);
            out
        };
        assert_eq!(enc(Value::String("ab".into())), [0x0a, 2, b'a', b'b']);
        assert_eq!(enc(Value::UInt(300)), [0x28, 0xac, 0x02]);
        assert_eq!(enc(Value::SInt(-1)), [0x30, 1]);
        assert_eq!(enc(Value::Bool(true)), [0x38, 1]);
        let d = enc(Value::Double(1.5));
        assert_eq!(d[0], 0x19);
        assert_eq!(&d[1..], 1.5f64.to_le_bytes());
    }

    /// A layer written in place is the message its parts make: field 3, the length of
    /// what follows, then name, features, keys, values, extent and version; for lengths
    /// of one to three varint bytes, after bytes already in the tile.
    #[test]
    fn layers_written_in_place_are_length_prefixed_messages() {
        for n in [0usize, 5, 100, 200, 20_000] {
            let features = vec![0x12u8; n];
            let mut out = b"before".to_vec();
            encode_layer(
                &mut out,
                "ab",
                4096,
                &features,
                ["k"].into_iter(),
                [&b"\x0a\x01v"[..]].into_iter(),
            );
            let mut want = vec![0x0a, 2, b'a', b'b'];
            want.extend_from_slice(&features);
            want.extend_from_slice(&[0x1a, 1, b'k', 0x22, 3, 0x0a, 1, b'v']);
            want.extend_from_slice(&[0x28, 0x80, 0x20, 0x78, 2]);
            let mut head = vec![0x1a];
            varint(&mut head, want.len() as u64);
            assert_eq!(&out[..6], b"before");
            assert_eq!(out[6..6 + head.len()], head, "{n}");
            assert_eq!(out[6 + head.len()..], want, "{n}");
        }
    }

    #[test]
    fn varints() {
        let mut out = Vec::new();
        varint(&mut out, 1);
        varint(&mut out, 300);
        varint(&mut out, u64::MAX);
        assert_eq!(&out[..3], [1, 0xac, 0x02]);
        assert_eq!(out.len(), 3 + 10);
        for v in [0u64, 127, 128, 16_383, 16_384, u64::MAX] {
            let mut b = Vec::new();
            varint(&mut b, v);
            assert_eq!(b.len(), varint_len(v), "{v}");
        }
    }

    /// Decode a command stream back to parts (test helper, after the spec's §4.3 rules;
    /// also the cutter's tests').
    pub(in crate::write::tiles) fn decode(cmds: &[u32]) -> Vec<Vec<(i32, i32)>> {
        let (mut x, mut y, mut i) = (0i32, 0i32, 0usize);
        let mut parts: Vec<Vec<(i32, i32)>> = Vec::new();
        let unzig = |v: u32| ((v >> 1) as i32) ^ -((v & 1) as i32);
        while i < cmds.len() {
            let (id, count) = (cmds[i] & 7, cmds[i] >> 3);
            i += 1;
            for _ in 0..count {
                if id == CLOSE_PATH {
                    continue;
                }
                x += unzig(cmds[i]);
                y += unzig(cmds[i + 1]);
                i += 2;
                if id == MOVE_TO {
                    parts.push(Vec::new());
                }
                parts.last_mut().unwrap().push((x, y));
            }
        }
        parts
    }

    proptest::proptest! {
        #[test]
        fn lines_decode_to_what_was_encoded(
            lines in proptest::collection::vec(
                proptest::collection::vec((-200i32..4300, -200i32..4300), 2..30), 1..5),
        ) {
            let mut lines = lines;
            for l in &mut lines {
                l.dedup();
            }
            lines.retain(|l| l.len() >= 2);
            let mut g = GeometryEncoder::default();
            for l in &lines {
                g.line(l);
            }
            proptest::prop_assert_eq!(decode(&g.commands), lines);
        }
    }
}
