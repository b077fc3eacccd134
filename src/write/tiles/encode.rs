//! Encoding one tile: a tile's entries become MVT layers, with each layer's keys and
//! values remapped from the layer's tables to tile-local indices.

use rustc_hash::FxHashMap;

use super::cluster::{number_value, Cluster, ClusterTable, NONE};
use super::cut::{TileEntry, TileGeom};
use super::mvt::{self, GeomType};
use super::prepare::{PreparedLayer, KIND_NUMBER};

/// Per-worker scratch for remapping a layer's keys and values to tile-local indices.
pub(super) struct Remap {
    pub(super) stamp: u32,
    pub(super) key_stamp: Vec<Vec<u32>>,
    pub(super) key_local: Vec<Vec<u32>>,
    pub(super) value_stamp: Vec<Vec<u32>>,
    pub(super) value_local: Vec<Vec<u32>>,
    pub(super) tags: Vec<u32>,
    pub(super) keys: Vec<u32>,
    pub(super) values: Vec<u32>,
    /// Encoded values of this layer of this tile not in the layer's table.
    pub(super) extras: Vec<Vec<u8>>,
    pub(super) extra_index: FxHashMap<Vec<u8>, u32>,
}

impl Remap {
    pub(super) fn new(layers: &[PreparedLayer]) -> Self {
        Remap {
            stamp: 0,
            key_stamp: layers.iter().map(|l| vec![0; l.keys.len()]).collect(),
            key_local: layers.iter().map(|l| vec![0; l.keys.len()]).collect(),
            value_stamp: layers.iter().map(|l| vec![0; l.values.len()]).collect(),
            value_local: layers.iter().map(|l| vec![0; l.values.len()]).collect(),
            tags: Vec::new(),
            keys: Vec::new(),
            values: Vec::new(),
            extras: Vec::new(),
            extra_index: FxHashMap::default(),
        }
    }

    /// Free the buffers grown for a large tile (the stamps start again from zero, which
    /// no tile's stamp is).
    pub(super) fn release(&mut self) {
        for v in self.value_stamp.iter_mut().chain(&mut self.value_local) {
            *v = Vec::new();
        }
        self.tags = Vec::new();
        self.keys = Vec::new();
        self.values = Vec::new();
        self.extras = Vec::new();
        self.extra_index = FxHashMap::default();
    }
}

/// Local index of `global` in a tile, adding it to `order` on first use.
pub(super) fn local(
    stamp_v: &mut [u32],
    local_v: &mut [u32],
    stamp: u32,
    global: u32,
    order: &mut Vec<u32>,
) -> u32 {
    let g = global as usize;
    match (stamp_v.get_mut(g), local_v.get_mut(g)) {
        (Some(s), Some(l)) => {
            if *s != stamp {
                *s = stamp;
                *l = u32::try_from(order.len()).unwrap_or(u32::MAX);
                order.push(global);
            }
            *l
        }
        _ => 0,
    }
}

/// Marks a tile-local value that is not in the layer's table (a cluster's count or sum).
const EXTRA: u32 = 1 << 31;

/// Encode one tile: its entries (sorted by layer then feature) and its clusters (sorted by
/// layer), each layer's features first, then its clusters. Features are encoded straight
/// into `out`, in their layer's message ([`mvt::begin_layer`]), never gathered apart.
#[allow(clippy::too_many_arguments)]
pub(super) fn encode_tile(
    entries: &[TileEntry],
    clusters: &[Cluster],
    sums: &[f64],
    layers: &[PreparedLayer],
    pool: &[u32],
    extent: u32,
    remap: &mut Remap,
    key_kinds: &mut [Vec<u8>],
    out: &mut Vec<u8>,
) {
    out.clear();
    // Buffers reused from tile to tile (a zoom 14 pyramid has millions of small tiles).
    let mut tags = std::mem::take(&mut remap.tags);
    let mut keys = std::mem::take(&mut remap.keys);
    let mut values = std::mem::take(&mut remap.values);
    let mut extras = std::mem::take(&mut remap.extras);
    let mut extra_index = std::mem::take(&mut remap.extra_index);
    let mut point: [u32; 3];
    let (mut entries, mut clusters) = (entries, clusters);
    loop {
        let li = match (entries.first(), clusters.first()) {
            (Some(e), Some(c)) => e.layer.min(c.layer),
            (Some(e), None) => e.layer,
            (None, Some(c)) => c.layer,
            (None, None) => break,
        };
        let n_entries = entries.iter().take_while(|e| e.layer == li).count();
        let n_clusters = clusters.iter().take_while(|c| c.layer == li).count();
        let (run, rest) = entries.split_at(n_entries);
        let (run_clusters, rest_clusters) = clusters.split_at(n_clusters);
        entries = rest;
        clusters = rest_clusters;
        let li = li as usize;
        let Some(layer) = layers.get(li) else {
            continue;
        };
        remap.stamp = remap.stamp.wrapping_add(1);
        if remap.stamp == 0 {
            // Wrapped: clear the stamps so no stale entry matches.
            for v in remap
                .key_stamp
                .iter_mut()
                .chain(remap.value_stamp.iter_mut())
            {
                v.iter_mut().for_each(|s| *s = 0);
            }
            remap.stamp = 1;
        }
        let stamp = remap.stamp;
        keys.clear();
        values.clear();
        extras.clear();
        extra_index.clear();
        let mut cx = TagContext {
            remap: &mut *remap,
            keys: &mut keys,
            values: &mut values,
            extras: &mut extras,
            extra_index: &mut extra_index,
            kinds: &mut key_kinds[li],
            li,
            stamp,
        };
        let started = mvt::begin_layer(out, &layer.name);
        for e in run {
            let Some(f) = layer.features.get(e.feature as usize) else {
                continue;
            };
            tags.clear();
            let pairs = layer
                .tag_pool
                .get(f.tags.0 as usize..f.tags.1 as usize)
                .unwrap_or(&[]);
            for pair in pairs.chunks_exact(2) {
                let kind = layer.value_kind.get(pair[1] as usize).copied().unwrap_or(0);
                cx.tag(pair[0], pair[1], kind, &mut tags);
            }
            let (kind, geometry): (GeomType, &[u32]) = match e.geom {
                TileGeom::Point(x, y) => {
                    point = [mvt::command(1, 1), mvt::zigzag(x), mvt::zigzag(y)];
                    (GeomType::Point, &point)
                }
                TileGeom::Pool { start, len, kind } => (
                    kind,
                    pool.get(start as usize..(start as usize + len as usize))
                        .unwrap_or(&[]),
                ),
            };
            mvt::encode_feature(out, f.id, &tags, kind, geometry);
        }
        let table = &layer.cluster;
        for c in run_clusters {
            tags.clear();
            cx.number(
                table,
                table.count_key,
                &mvt::Value::UInt(c.count),
                &mut tags,
            );
            let member_sums = sums.get(c.sums..c.sums + table.sum_keys.len());
            for (&k, &x) in table.sum_keys.iter().zip(member_sums.unwrap_or(&[])) {
                cx.number(table, k, &number_value(x), &mut tags);
            }
            let dates = [
                (table.start_key, c.start),
                (table.end_key, c.end),
                (table.bound_key, c.bound),
            ];
            for (k, v) in dates {
                if v != NONE {
                    let kind = layer.value_kind.get(v as usize).copied().unwrap_or(0);
                    cx.tag(k, v, kind, &mut tags);
                }
            }
            point = [mvt::command(1, 1), mvt::zigzag(c.x), mvt::zigzag(c.y)];
            mvt::encode_feature(out, c.id, &tags, GeomType::Point, &point);
        }
        started.finish(
            out,
            extent,
            keys.iter()
                .map(|&k| layer.keys.get(k as usize).map_or("", String::as_str)),
            values.iter().map(|&v| {
                if v & EXTRA != 0 {
                    extras
                        .get((v & !EXTRA) as usize)
                        .map_or(&[][..], Vec::as_slice)
                } else {
                    layer.values.get(v as usize).map_or(&[][..], Vec::as_slice)
                }
            }),
        );
    }
    remap.tags = tags;
    remap.keys = keys;
    remap.values = values;
    remap.extras = extras;
    remap.extra_index = extra_index;
}

/// One layer of one tile being encoded: maps its keys and values to tile-local indices.
struct TagContext<'a> {
    remap: &'a mut Remap,
    keys: &'a mut Vec<u32>,
    values: &'a mut Vec<u32>,
    extras: &'a mut Vec<Vec<u8>>,
    extra_index: &'a mut FxHashMap<Vec<u8>, u32>,
    kinds: &'a mut [u8],
    li: usize,
    stamp: u32,
}

impl TagContext<'_> {
    fn key(&mut self, k: u32, kind: u8) -> u32 {
        if let Some(kk) = self.kinds.get_mut(k as usize) {
            *kk |= kind;
        }
        local(
            &mut self.remap.key_stamp[self.li],
            &mut self.remap.key_local[self.li],
            self.stamp,
            k,
            self.keys,
        )
    }

    /// Tag with key `k` and value `v` of the layer's tables.
    fn tag(&mut self, k: u32, v: u32, kind: u8, tags: &mut Vec<u32>) {
        let lk = self.key(k, kind);
        let lv = local(
            &mut self.remap.value_stamp[self.li],
            &mut self.remap.value_local[self.li],
            self.stamp,
            v,
            self.values,
        );
        tags.push(lk);
        tags.push(lv);
    }

    /// Tag with key `k` and a number: the layer's own value when it has it, else one
    /// added to this tile.
    fn number(&mut self, table: &ClusterTable, k: u32, value: &mvt::Value, tags: &mut Vec<u32>) {
        let mut buf = Vec::new();
        mvt::encode_value(value, &mut buf);
        if let Some(&v) = table.numbers.get(&buf) {
            return self.tag(k, v, KIND_NUMBER, tags);
        }
        let lk = self.key(k, KIND_NUMBER);
        let lv = match self.extra_index.get(&buf) {
            Some(&lv) => lv,
            None => {
                let lv = u32::try_from(self.values.len()).unwrap_or(u32::MAX);
                let marker = u32::try_from(self.extras.len()).unwrap_or(0) | EXTRA;
                self.values.push(marker);
                self.extras.push(buf.clone());
                self.extra_index.insert(buf, lv);
                lv
            }
        };
        tags.push(lk);
        tags.push(lv);
    }
}
