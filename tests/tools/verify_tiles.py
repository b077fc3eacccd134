#!/usr/bin/env python3
"""Check a drillmap PMTiles archive with readers drillmap did not write.

    verify_tiles.py ARCHIVE.pmtiles FIXTURE.geojson... [--min-zoom N] [--max-zoom N]
                    [--buffer N] [--xyz DIR]

The archive is opened with the PyPI `pmtiles` reader and every tile is decoded twice: with
`mapbox-vector-tile` (geometry and properties) and with the protobuf classes it ships
(the raw message, for the MVT 2.1 rules a decoder hides). Each FIXTURE is a GeoJSON
FeatureCollection whose `name` member (or file stem) is the layer name; its features carry
the string `id` the tiles' integer ids are derived from.

Checked (the MVT 2.1 and PMTiles v3 rules):
  header: magic, version 3, clustered, gzip internal and tile compression, MVT, zooms,
    bounds containing the data with an area, centre inside, sections inside the file,
    header + root directory within 16 KiB, leaf offset not 0;
  directories: ascending ids, run lengths and lengths > 0, at most one leaf level,
    clustered data (each new content starts where the previous ended), header counts;
  tiles: gzip magic and no double gzip; layer version 2, extent 4096, unique names;
    keys and values deduplicated, one field per value, tags even and in range, no key
    twice in a feature; geometry commands well formed with no zero-length LineTo;
    polygon exteriors of positive area; every polygon valid for GEOS (shapely: rings
    without self-intersection, holes inside their exterior and apart), and a feature's
    polygons a valid multipolygon;
  metadata: vector_layers ids and fields exactly the layers and keys in the tiles; a bbox
    (RFC 7946's form, west > east across the antimeridian) holding every position and the
    centre, no wider than the plain box, held by the header's bounds (-180..180 across);
  budget: every tile stored in at most --max-tile-bytes and holding at most
    --max-tile-features features, and at least one (no empty tile is stored);
  features: ids are integers below 2^53, equal to the documented hash of layer and
    string id, the same in every tile; every point is in its tile at every zoom within
    1 unit of where Web Mercator puts it, or (below the max zoom only) that tile holds
    clusters of its layer; every line vertex is within 1 unit of a decoded vertex at max
    zoom; properties equal the fixture's;
  clusters: at every zoom, the point_counts (1 for a point on its own) of a layer's point
    features lying inside their tile add up to the fixture's number of located points;
    at the max zoom a cluster only merges stacked points: the fixture has at least its
    point_count points of its layer within 1 unit of it, and a point missing from its tile
    there (or from every tile) has such a cluster within 1 unit; a max-zoom cluster with
    exactly point_count such points (its members) has their dates: the earliest
    start_date and the latest end_date (a member's start without an end ends on its day,
    or at the end of the month or year its date_precision says), or, when a member's end
    is open (date_bound on_or_after), no end_date and date_bound on_or_after, as such a
    point says it.

Exit status 0 when all checks pass; otherwise the failures are printed and it is 1.
"""

import argparse
import calendar
import gzip
import json
import math
import os
import subprocess
import sys

try:
    import mapbox_vector_tile
    from mapbox_vector_tile.Mapbox import vector_tile_pb2
    from pmtiles.reader import MmapSource, Reader, all_tiles
    from pmtiles.tile import Compression, TileType, deserialize_directory, zxy_to_tileid
    import shapely
    from shapely.geometry import MultiPolygon, Polygon
except ImportError as e:  # pragma: no cover - reported by tests/tiles.rs
    sys.stderr.write(
        f"verify_tiles.py: missing Python module ({e}); run "
        "`python3 -m pip install -r tests/tools/requirements-tiles.txt`\n"
    )
    sys.exit(3)

EXTENT = 4096
MAX_LAT = 85.0511287798066

failures = []


def fail(msg):
    failures.append(msg)
    if len(failures) <= 50:
        print("FAIL:", msg)


def feature_id(layer, sid):
    """The documented id: FNV-1a 64 of layer, a zero byte and id, folded to 53 bits."""
    h = 0xCBF29CE484222325
    for b in layer.encode() + b"\0" + sid.encode():
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return max((h ^ (h >> 53)) & ((1 << 53) - 1), 1)


def world(lon, lat):
    lat = max(-MAX_LAT, min(MAX_LAT, lat))
    s = math.sin(math.radians(lat))
    return (lon + 180.0) / 360.0, 0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)


def tile_and_pixel(lon, lat, z):
    """Tile (x, y) and unrounded pixel inside it at zoom z."""
    x, y = world(lon, lat)
    gx, gy = x * (1 << z) * EXTENT, y * (1 << z) * EXTENT
    tx = min(int(gx // EXTENT), (1 << z) - 1)
    ty = min(int(gy // EXTENT), (1 << z) - 1)
    return tx, ty, gx - tx * EXTENT, gy - ty * EXTENT


def load_fixtures(paths):
    layers = {}
    for p in paths:
        with open(p, encoding="utf-8") as f:
            fc = json.load(f)
        name = fc.get("name") or os.path.splitext(os.path.basename(p))[0]
        layers[name] = fc["features"]
    return layers


def coords_of(geom):
    t, c = geom["type"], geom["coordinates"]
    if t == "Point":
        return [c]
    if t in ("MultiPoint", "LineString"):
        return list(c)
    if t in ("MultiLineString", "Polygon"):
        return [p for part in c for p in part]
    if t == "MultiPolygon":
        return [p for poly in c for ring in poly for p in ring]
    return []


def check_bbox(bbox, header, centre, fixtures):
    """The metadata's bbox, RFC 7946 section 5.2's form (west > east across the
    antimeridian): it holds every fixture position and the centre, is never wider than the
    plain box of the longitudes, and the header's bounds (west < east, as readers take
    them: -180..180 for a box across the antimeridian) hold it."""
    if not (isinstance(bbox, list) and len(bbox) == 4 and all(isinstance(v, (int, float)) for v in bbox)):
        fail(f"metadata bbox {bbox!r} is not [west, south, east, north]")
        return
    w, s, e, n = bbox
    # The bbox is of positions rounded to 6 decimals, as the GeoJSON layers write them.
    eps = 1e-6

    def in_lon(lon):
        if w <= e:
            return w - eps <= lon <= e + eps
        return lon >= w - eps or lon <= e + eps

    lons = []
    for name, feats in fixtures.items():
        for feat in feats:
            for lon, lat in coords_of(feat.get("geometry") or {"type": None, "coordinates": None}):
                lons.append(lon)
                if not (in_lon(lon) and s - eps <= lat <= n + eps):
                    fail(f"{name}/{feat['id']}: ({lon}, {lat}) outside metadata bbox {bbox}")
    span = e - w if w <= e else e + 360 - w
    if lons and span > max(lons) - min(lons) + eps:
        fail(f"metadata bbox {bbox} is wider than the longitudes {min(lons)}..{max(lons)}")
    if not in_lon(centre[0]):
        fail(f"centre {centre} outside metadata bbox {bbox}")
    hw, hs, he, hn = header
    west, east = (w, e) if w <= e else (-180, 180)
    if not (hw <= west + eps and east - eps <= he):
        fail(f"header bounds {header} do not hold metadata bbox {bbox}")
    if not (hs <= max(s, -MAX_LAT) + eps and min(n, MAX_LAT) - eps <= hn):
        fail(f"header bounds {header} do not hold metadata bbox {bbox}'s latitudes")


def check_commands(geometry, gtype, where):
    """Walk an MVT command stream: counts, no zero-length LineTo, ring areas."""
    i, x, y = 0, 0, 0
    rings = []
    cur = None
    while i < len(geometry):
        cmd, count = geometry[i] & 7, geometry[i] >> 3
        i += 1
        if cmd == 1:  # MoveTo
            if count == 0 or (gtype != 1 and count != 1):
                fail(f"{where}: MoveTo count {count} for type {gtype}")
            for _ in range(count):
                dx, dy = geometry[i], geometry[i + 1]
                x += (dx >> 1) ^ -(dx & 1)
                y += (dy >> 1) ^ -(dy & 1)
                i += 2
            cur = [(x, y)]
            rings.append(cur)
        elif cmd == 2:  # LineTo
            if gtype == 1 or cur is None or count == 0:
                fail(f"{where}: bad LineTo (count {count}, type {gtype})")
                return
            for _ in range(count):
                dx, dy = geometry[i], geometry[i + 1]
                dx, dy = (dx >> 1) ^ -(dx & 1), (dy >> 1) ^ -(dy & 1)
                if dx == 0 and dy == 0:
                    fail(f"{where}: zero-length LineTo")
                x, y = x + dx, y + dy
                cur.append((x, y))
                i += 2
        elif cmd == 7:  # ClosePath
            if gtype != 3 or count != 1:
                fail(f"{where}: ClosePath count {count} for type {gtype}")
        else:
            fail(f"{where}: unknown command {cmd}")
            return
    if gtype == 2 and any(len(r) < 2 for r in rings):
        fail(f"{where}: line part with fewer than 2 vertices")
    if gtype == 3:
        for k, r in enumerate(rings):
            a = sum(r[j][0] * r[(j + 1) % len(r)][1] - r[(j + 1) % len(r)][0] * r[j][1] for j in range(len(r)))
            if len(r) < 3 or a == 0:
                fail(f"{where}: degenerate ring")
            if k == 0 and a < 0:
                fail(f"{where}: first ring has negative area (exterior must be clockwise on screen)")
        check_polygons(rings, where)


def check_polygons(rings, where):
    """MVT 2.1 §4.3.4.4: rings without self-intersection or self-tangency, holes that do not
    intersect and lie in their exterior, read as OGC polygons by GEOS (shapely)."""
    polys = []
    for r in rings:
        if len(r) < 3:
            return
        a = sum(r[j][0] * r[(j + 1) % len(r)][1] - r[(j + 1) % len(r)][0] * r[j][1] for j in range(len(r)))
        if a > 0:
            polys.append([r, []])
        elif polys:
            polys[-1][1].append(r)
    shapes = []
    for k, (ext, holes) in enumerate(polys):
        p = Polygon(ext, holes)
        if not p.is_valid:
            fail(f"{where}: polygon {k} ({len(ext)} vertices, {len(holes)} holes) is not valid: "
                 f"{shapely.is_valid_reason(p)}")
            return
        shapes.append(p)
    if len(shapes) > 1:
        m = MultiPolygon(shapes)
        if not m.is_valid:
            fail(f"{where}: its {len(shapes)} polygons are not a valid multipolygon: {shapely.is_valid_reason(m)}")


def check_raw_tile(raw, where):
    tile = vector_tile_pb2.tile()
    tile.ParseFromString(raw)
    names = [l.name for l in tile.layers]
    if len(names) != len(set(names)):
        fail(f"{where}: repeated layer names {names}")
    layers = {}
    for layer in tile.layers:
        w = f"{where} layer {layer.name}"
        if layer.version != 2:
            fail(f"{w}: version {layer.version}")
        if layer.extent != EXTENT:
            fail(f"{w}: extent {layer.extent}")
        if len(set(layer.keys)) != len(layer.keys):
            fail(f"{w}: keys not deduplicated")
        vals = []
        for v in layer.values:
            fields = v.ListFields()
            if len(fields) != 1:
                fail(f"{w}: a value sets {len(fields)} fields")
            vals.append(v.SerializeToString())
        if len(set(vals)) != len(vals):
            fail(f"{w}: values not deduplicated")
        used_k, used_v = set(), set()
        for f in layer.features:
            fw = f"{w} feature {f.id}"
            if not f.HasField("id"):
                fail(f"{fw}: no id")
            if f.id >= 2**53:
                fail(f"{fw}: id not below 2^53")
            if len(f.tags) % 2:
                fail(f"{fw}: odd tags")
            ks = f.tags[0::2]
            if len(set(ks)) != len(ks):
                fail(f"{fw}: a key repeats")
            for k, v in zip(f.tags[0::2], f.tags[1::2]):
                if k >= len(layer.keys) or v >= len(layer.values):
                    fail(f"{fw}: tag index out of range")
                used_k.add(k)
                used_v.add(v)
            check_commands(list(f.geometry), f.type, fw)
        if len(used_k) != len(layer.keys) or len(used_v) != len(layer.values):
            fail(f"{w}: unused keys or values")
        layers[layer.name] = layer
    return layers


def value_type(v):
    if isinstance(v, bool):
        return "Boolean"
    if isinstance(v, (int, float)):
        return "Number"
    return "String"


def expected_props(props):
    out = {}
    for k, v in props.items():
        if v is None:
            continue
        if isinstance(v, (list, dict)):
            v = json.dumps(v, separators=(",", ":"), ensure_ascii=False)
        out[k] = v
    return out


def member_end(m):
    """A member's end: its end_date, or for a start without one (its end not open) the last
    day of the period the start names: the day itself; the month or year its date_precision
    says, when the start is that period's first day; the month or year of a reduced start
    (2021-08, 2021). None when there is no end or the start is not such a date."""
    if m.get("end_date") is not None:
        return m["end_date"]
    start = m.get("start_date")
    if not isinstance(start, str) or m.get("date_bound") == "on_or_after":
        return None
    try:
        nums = [int(p) for p in start.split("-")]
    except ValueError:
        return None
    prec = m.get("date_precision")
    if len(nums) == 3:
        y, mo, d = nums
        if prec == "year" and (mo, d) == (1, 1):
            nums = [y]
        elif prec == "month" and d == 1:
            nums = [y, mo]
        else:
            return start
    if len(nums) == 1:
        return f"{nums[0]:04d}-12-31"
    if len(nums) == 2:
        y, mo = nums
        return f"{y:04d}-{mo:02d}-{calendar.monthrange(y, mo)[1]:02d}"
    return None


def cluster_dates(members):
    """The date properties a cluster of `members` (fixture properties) has: the earliest
    start_date, and the latest end ([`member_end`]) or, when a member's end is open,
    date_bound on_or_after and no end_date; None when the dates are not all strings (not
    compared)."""
    starts = [m["start_date"] for m in members if m.get("start_date") is not None]
    ends = [e for e in map(member_end, members) if e is not None]
    if not all(isinstance(d, str) for d in starts + ends):
        return None
    want = {}
    if starts:
        want["start_date"] = min(starts)
    if any(m.get("date_bound") == "on_or_after" for m in members):
        want["date_bound"] = "on_or_after"
    elif ends:
        want["end_date"] = max(ends)
    return want


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("archive")
    ap.add_argument("fixtures", nargs="+")
    ap.add_argument("--min-zoom", type=int)
    ap.add_argument("--max-zoom", type=int)
    ap.add_argument("--buffer", type=int, default=64)
    ap.add_argument("--xyz", help="an XYZ folder written from the same input; must hold the same tiles")
    ap.add_argument("--max-tile-bytes", type=int, default=500 * 1024)
    ap.add_argument("--max-tile-features", type=int, default=200_000)
    ap.add_argument("--expect-clusters", action="store_true", help="fail unless some tile holds clusters")
    ap.add_argument("--expect-stacks", action="store_true",
                    help="fail unless some max-zoom tile merges stacked points")
    ap.add_argument("--expect-leaves", action="store_true", help="fail unless leaf directories are used")
    args = ap.parse_args()

    fixtures = load_fixtures(args.fixtures)
    size = os.path.getsize(args.archive)
    with open(args.archive, "rb") as f:
        raw_head = f.read(127)
        src = MmapSource(f)
        reader = Reader(src)
        h = reader.header()

        # --- header ---
        if raw_head[:7] != b"PMTiles" or raw_head[7] != 3:
            fail("bad magic or version")
        if not h["clustered"]:
            fail("not clustered")
        if h["internal_compression"] != Compression.GZIP or h["tile_compression"] != Compression.GZIP:
            fail(f"compression {h['internal_compression']} / {h['tile_compression']}")
        if h["tile_type"] != TileType.MVT:
            fail(f"tile type {h['tile_type']}")
        if args.min_zoom is not None and h["min_zoom"] != args.min_zoom:
            fail(f"min zoom {h['min_zoom']} != {args.min_zoom}")
        if args.max_zoom is not None and h["max_zoom"] != args.max_zoom:
            fail(f"max zoom {h['max_zoom']} != {args.max_zoom}")
        if h["root_offset"] + h["root_length"] > 16384:
            fail("root directory beyond the first 16 KiB")
        if h["leaf_directory_offset"] == 0:
            fail("leaf directory offset is 0")
        for sec in ("root", "metadata", "leaf_directory", "tile_data"):
            off, ln = h[f"{sec}_offset"], h[f"{sec}_length"]
            if off + ln > size:
                fail(f"{sec} section beyond the file")
        if h["tile_data_offset"] + h["tile_data_length"] != size:
            fail("tile data does not end the file")
        b = [h["min_lon_e7"] / 1e7, h["min_lat_e7"] / 1e7, h["max_lon_e7"] / 1e7, h["max_lat_e7"] / 1e7]
        if not (b[2] > b[0] and b[3] > b[1]):
            fail(f"bounds {b} have no area")
        for name, feats in fixtures.items():
            for feat in feats:
                if feat.get("geometry"):
                    for lon, lat in coords_of(feat["geometry"]):
                        if not (b[0] - 1e-7 <= lon <= b[2] + 1e-7 and b[1] - 1e-7 <= lat <= b[3] + 1e-7):
                            fail(f"{name}/{feat['id']}: ({lon}, {lat}) outside header bounds {b}")
        c = (h["center_lon_e7"] / 1e7, h["center_lat_e7"] / 1e7)
        if not (b[0] <= c[0] <= b[2] and b[1] <= c[1] <= b[3]):
            fail(f"centre {c} outside bounds {b}")
        if not (h["min_zoom"] <= h["center_zoom"] <= h["max_zoom"]):
            fail("centre zoom outside the zooms")

        # --- directories ---
        root = deserialize_directory(src(h["root_offset"], h["root_length"]))
        entries, leaves = [], 0
        for e in root:
            if e.run_length == 0:
                leaves += 1
                leaf = deserialize_directory(src(h["leaf_directory_offset"] + e.offset, e.length))
                if any(x.run_length == 0 for x in leaf):
                    fail("more than one level of leaf directories")
                if leaf and leaf[0].tile_id != e.tile_id:
                    fail("leaf pointer id is not its first entry's id")
                entries.extend(leaf)
            else:
                entries.append(e)
        if args.expect_leaves and leaves == 0:
            fail("expected leaf directories")
        if not entries:
            fail("no tiles")
        next_new = 0
        for i, e in enumerate(entries):
            if e.length <= 0 or e.run_length <= 0:
                fail(f"entry {e.tile_id}: length {e.length} run {e.run_length}")
            if i and e.tile_id < entries[i - 1].tile_id + entries[i - 1].run_length:
                fail(f"entry {e.tile_id} out of order or overlapping")
            if e.offset == next_new:
                next_new += e.length
            elif e.offset > next_new:
                fail(f"entry {e.tile_id}: not clustered (offset {e.offset}, expected <= {next_new})")
        if next_new != h["tile_data_length"]:
            fail("tile data has bytes no entry addresses")
        addressed = sum(e.run_length for e in entries)
        contents = len({e.offset for e in entries})
        if (h["addressed_tiles_count"], h["tile_entries_count"], h["tile_contents_count"]) != (
            addressed,
            len(entries),
            contents,
        ):
            fail(
                f"header counts {h['addressed_tiles_count']}/{h['tile_entries_count']}/"
                f"{h['tile_contents_count']} != {addressed}/{len(entries)}/{contents}"
            )

        # --- metadata ---
        meta = reader.metadata()
        if not isinstance(meta, dict):
            fail("metadata is not a JSON object")
        vl = {l["id"]: l for l in meta.get("vector_layers", [])}
        for key in ("name", "description"):
            if key not in meta:
                fail(f"metadata has no {key}")
        # Optional (PMTiles v3 metadata): when present, a credit to show, never empty.
        if "attribution" in meta and (
            not isinstance(meta["attribution"], str) or not meta["attribution"].strip()
        ):
            fail(f"metadata attribution {meta['attribution']!r} is empty or not text")
        check_bbox(meta.get("bbox"), b, c, fixtures)

        # --- tiles ---
        seen_layers, seen_fields = set(), {}
        field_types = {}
        decoded = {}  # (z, x, y) -> decoded tile
        ids = {}  # (layer, id) -> properties
        counts = {}  # (layer, zoom) -> sum of point_count of points inside their tile
        clustered = set()  # (z, x, y, layer) of tiles holding clusters
        stacks = {}  # (x, y, layer) -> [(px, py, point_count, properties)] of max-zoom clusters
        point_ids = {
            (lname, feature_id(lname, str(f["id"])))
            for lname, feats in fixtures.items()
            for f in feats
            if (f.get("geometry") or {}).get("type") == "Point"
        }
        zs = set()
        ntiles = 0
        for (z, x, y), data in all_tiles(src):
            ntiles += 1
            zs.add(z)
            where = f"tile {z}/{x}/{y}"
            if len(data) > args.max_tile_bytes:
                fail(f"{where}: {len(data)} bytes, over the budget of {args.max_tile_bytes}")
            if data[:2] != b"\x1f\x8b":
                fail(f"{where}: not gzip")
                continue
            raw = gzip.decompress(data)
            if raw[:2] == b"\x1f\x8b":
                fail(f"{where}: gzipped twice")
            if args.xyz:
                p = os.path.join(args.xyz, str(z), str(x), f"{y}.mvt")
                try:
                    with open(p, "rb") as xf:
                        if xf.read() != raw:
                            fail(f"{p}: differs from the archive's tile")
                except OSError as e:
                    fail(f"{p}: {e}")
            check_raw_tile(raw, where)
            tile = mapbox_vector_tile.decode(raw, default_options={"y_coord_down": True})
            index = decoded[(z, x, y)] = {}
            nfeat = sum(len(layer["features"]) for layer in tile.values())
            if nfeat > args.max_tile_features:
                fail(f"{where}: {nfeat} features, over the budget of {args.max_tile_features}")
            if nfeat == 0:
                fail(f"{where}: stored with no feature (an empty tile is not stored)")
            for lname, layer in tile.items():
                seen_layers.add(lname)
                by_id = index[lname] = {}
                for feat in layer["features"]:
                    g = feat["geometry"]
                    single = (lname, feat["id"]) in point_ids or "point_count" in feat["properties"]
                    if g["type"] == "Point" and single:
                        px, py = g["coordinates"]
                        if 0 <= px < EXTENT and 0 <= py < EXTENT:
                            n = feat["properties"].get("point_count", 1)
                            counts[(lname, z)] = counts.get((lname, z), 0) + n
                    if "point_count" in feat["properties"]:
                        clustered.add((z, x, y, lname))
                        if z == h["max_zoom"] and g["type"] == "Point":
                            px, py = g["coordinates"]
                            n = feat["properties"].get("point_count", 0)
                            stacks.setdefault((x, y, lname), []).append((px, py, n, feat["properties"]))
                    by_id.setdefault(feat["id"], []).extend(coords_of(feat["geometry"]))
                    for k, v in feat["properties"].items():
                        seen_fields.setdefault(lname, set()).add(k)
                        field_types.setdefault((lname, k), set()).add(value_type(v))
                    if "point_count" in feat["properties"]:
                        continue
                    key = (lname, feat["id"])
                    if key in ids and ids[key] != feat["properties"]:
                        fail(f"{where}: feature {key} has other properties than in another tile")
                    ids[key] = feat["properties"]
        if addressed != ntiles:
            fail(f"reader saw {ntiles} tiles, directories address {addressed}")
        if zs != set(range(h["min_zoom"], h["max_zoom"] + 1)):
            fail(f"zooms with tiles {sorted(zs)} != header {h['min_zoom']}..{h['max_zoom']}")
        if set(vl) != seen_layers:
            fail(f"vector_layers {sorted(vl)} != layers in tiles {sorted(seen_layers)}")
        for lname, l in vl.items():
            fields = l.get("fields", {})
            if set(fields) != seen_fields.get(lname, set()):
                fail(f"{lname}: fields {sorted(fields)} != keys in tiles {sorted(seen_fields.get(lname, set()))}")
            for k, t in fields.items():
                types = field_types.get((lname, k), set())
                want = types.pop() if len(types) == 1 else "Mixed"
                if t != want:
                    fail(f"{lname}.{k}: metadata type {t}, tiles hold {want}")
        if args.xyz:
            n = sum(1 for _, _, files in os.walk(args.xyz) for f in files if f.endswith(".mvt"))
            if n != ntiles:
                fail(f"XYZ folder has {n} tiles, the archive {ntiles}")

        # --- features against the fixtures ---
        zmin, zmax = h["min_zoom"], h["max_zoom"]
        compared = 0

        def stacked(lname, lon, lat):
            """The max-zoom clusters within 1 unit of a point."""
            tx, ty, px, py = tile_and_pixel(lon, lat, zmax)
            return [c for c in stacks.get((tx, ty, lname), [])
                    if abs(c[0] - px) <= 1 and abs(c[1] - py) <= 1]

        # Every max-zoom cluster merges only points at its position.
        near = {}  # id of a max-zoom cluster -> properties of the fixture points within 1 unit
        for lname, feats in fixtures.items():
            for feat in feats:
                geom = feat.get("geometry") or {}
                if geom.get("type") == "Point" and stacks:
                    for c in stacked(lname, *geom["coordinates"][:2]):
                        near.setdefault(id(c), []).append(feat.get("properties") or {})
        dated = 0  # max-zoom clusters whose dates were compared with their members'
        for (tx, ty, lname), cs in stacks.items():
            for c in cs:
                members = near.get(id(c), [])
                if len(members) < c[2]:
                    fail(f"{lname} {zmax}/{tx}/{ty}: cluster of {c[2]} at ({c[0]}, {c[1]}) at the "
                         f"max zoom, but only {len(members)} points lie within 1 unit of it")
                    continue
                want = cluster_dates(members) if len(members) == c[2] else None
                if want is None:
                    continue
                got = {k: c[3][k] for k in ("start_date", "end_date", "date_bound") if k in c[3]}
                if got != want:
                    fail(f"{lname} {zmax}/{tx}/{ty}: cluster of {c[2]} at ({c[0]}, {c[1]}) has dates "
                         f"{got}, its members say {want}")
                dated += 1
        for lname, feats in fixtures.items():
            for feat in feats:
                geom = feat.get("geometry")
                fid = feature_id(lname, str(feat["id"]))
                if not geom:
                    if (lname, fid) in ids:
                        fail(f"{lname}/{feat['id']}: unlocated feature is in the tiles")
                    continue
                if (lname, fid) not in ids:
                    if geom["type"] == "Point" and stacked(lname, *geom["coordinates"][:2]):
                        continue  # merged with the points at its position at every zoom
                    fail(f"{lname}/{feat['id']}: id {fid} not found in any tile")
                    continue
                if ids[(lname, fid)] != expected_props(feat.get("properties") or {}):
                    fail(f"{lname}/{feat['id']}: properties {ids[(lname, fid)]} != fixture")
                t = geom["type"]
                if t in ("Point", "MultiPoint"):
                    for lon, lat in coords_of(geom):
                        for z in range(zmin, zmax + 1):
                            tx, ty, px, py = tile_and_pixel(lon, lat, z)
                            pts = decoded.get((z, tx, ty), {}).get(lname, {}).get(fid, [])
                            if z < zmax and (z, tx, ty, lname) in clustered and not pts:
                                continue
                            if z == zmax and not pts and stacked(lname, lon, lat):
                                continue
                            if not any(abs(p[0] - px) <= 1 and abs(p[1] - py) <= 1 for p in pts):
                                fail(f"{lname}/{feat['id']} z{z}: no point within 1 unit of ({px:.2f}, {py:.2f}) in {z}/{tx}/{ty}")
                            compared += 1
                elif t in ("LineString", "MultiLineString"):
                    z = zmax
                    for lon, lat in coords_of(geom):
                        tx, ty, px, py = tile_and_pixel(lon, lat, z)
                        pts = decoded.get((z, tx, ty), {}).get(lname, {}).get(fid, [])
                        if not any(math.hypot(p[0] - px, p[1] - py) <= 1 for p in pts):
                            fail(f"{lname}/{feat['id']}: vertex ({lon}, {lat}) not within 1 unit in {z}/{tx}/{ty}")
                        compared += 1
                    # Every decoded vertex lies inside the buffered tile.
                    lim = args.buffer + 1
                    for (tz, tx, ty), index in decoded.items():
                        for p in index.get(lname, {}).get(fid, []):
                            if not (-lim <= p[0] <= EXTENT + lim and -lim <= p[1] <= EXTENT + lim):
                                fail(f"{lname}/{feat['id']} {tz}/{tx}/{ty}: vertex {p} outside the buffer")

    # --- clusters: every located point counted once at every zoom ---
    if args.expect_clusters and not clustered:
        fail("expected clusters, found none")
    if args.expect_stacks and not stacks:
        fail("expected stacked points merged at the max zoom, found none")
    for lname, feats in fixtures.items():
        points = sum(1 for f in feats if (f.get("geometry") or {}).get("type") == "Point")
        if not points:
            continue
        for z in range(zmin, zmax + 1):
            got = counts.get((lname, z), 0)
            if got != points:
                fail(f"{lname} z{z}: point_counts add up to {got}, the layer has {points} points")

    # --- GDAL, when installed, on the XYZ folder (its MVT driver opens one zoom level) ---
    gdal = "not run"
    if args.xyz:
        zdir = os.path.join(args.xyz, str(h["max_zoom"]))
        try:
            r = subprocess.run(
                ["ogrinfo", "-ro", "-so", "-al", "-oo", "TILE_EXTENSION=mvt", zdir],
                capture_output=True,
                text=True,
                timeout=300,
            )
            if r.returncode != 0 or "ERROR" in r.stderr:
                fail(f"ogrinfo on {zdir} (exit {r.returncode}): {r.stderr.strip()} {r.stdout[-300:]}")
            else:
                counts = {}
                current = None
                for line in r.stdout.splitlines():
                    if line.startswith("Layer name: "):
                        current = line[len("Layer name: ") :].strip()
                    elif line.startswith("Feature Count: ") and current:
                        counts[current] = int(line.split(":")[1])
                for lname, feats in fixtures.items():
                    located = sum(1 for f in feats if f.get("geometry"))
                    if located and counts.get(lname, 0) < located:
                        fail(f"GDAL reads {counts.get(lname, 0)} {lname} features at z{h['max_zoom']}, fixture has {located}")
                gdal = "ok " + json.dumps(counts, sort_keys=True)
        except FileNotFoundError:
            gdal = "ogrinfo not installed"

    print(
        f"verify_tiles: {ntiles} tiles, {len(entries)} entries, {contents} contents, {leaves} leaf directories, "
        f"zooms {h['min_zoom']}-{h['max_zoom']}, layers {sorted(seen_layers)}, {compared} positions compared, "
        f"{len(clustered)} clustered tile layers, {dated} stacked clusters' dates compared, "
        f"GDAL: {gdal}, {len(failures)} failures"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
