#!/usr/bin/env bash
# Tile benchmark: drillmap's PMTiles writer against GDAL's `ogr2ogr -f MVT` on the same input.
#
#   bash benches/tiles/run.sh            # everything below, results in target/tiles-bench/
#
# Input (generated once by benches/tiles/gen.py, deterministic): 100k and 1M points
# uniformly over Central Asia (lon 46-88, lat 29-56, four properties each) plus six border
# LineStrings of ~3000 vertices in all.
#
# drillmap: `examples/tiles_bench.rs` (release build) reads the GeoJSON into Layers and
# runs `encode_pmtiles` + the atomic write. Reported per case, median of RUNS runs:
#   wall     whole process (GeoJSON parse + tiling + write), from /usr/bin/time
#   CPU      user + system time of the whole process (less sensitive to other load)
#   tile     encode_pmtiles alone (projection, tiling, MVT, gzip, archive) - the library
#   peak     peak resident memory of the whole process (VmHWM)
#   tiler    peak minus resident memory after loading: the tiler's own working memory
# The 1-minute load average at the end of each run is recorded: the machine is shared, and
# figures taken while others compile are slower.
# GDAL: ogr2ogr -f MVT to an MBTiles file from a VRT of the same two GeoJSON files (one run
# by default, GDAL_RUNS to change; it takes minutes). Not run at 1M points, and at zoom 14
# only with GDAL_Z14=1, because of the time (see BENCHMARKS.md).
#
# tippecanoe, side by side (only when TIPPECANOE=/path/to/tippecanoe is set): `drillmap tiles`
# (the whole process, release build) on points-$SIDE_N.geojson, zooms 0-10, against
# `tippecanoe -z10` and `tippecanoe -z10 --cluster-densest-as-needed` on the same file, each
# pair alternating in one `pairbench` run (PAIRBENCH=path, -n SIDE_RUNS):
# wall, CPU, peak RSS and load average from pairbench; archive size, largest tile and
# features at zoom 0 from benches/tiles/archive_stats.py (the Python modules of
# tests/tools/requirements-tiles.txt). Results in $BENCH_DIR/side-*.txt.
# SIDE_ONLY=1 runs only this comparison; SIDE_N is 1000000 by default.
#
# Environment: RUNS (default 5), RUNS_1M (default 3), GDAL_RUNS (default 1), GDAL_Z14 (0),
# SKIP_GDAL (0), VERIFY (1: check the 100k zoom-10 archive with tests/tools/verify_tiles.py),
# BENCH_DIR (default target/tiles-bench).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BENCH_DIR=${BENCH_DIR:-$ROOT/target/tiles-bench}
RUNS=${RUNS:-5}
RUNS_1M=${RUNS_1M:-3}
GDAL_RUNS=${GDAL_RUNS:-1}
GDAL_Z14=${GDAL_Z14:-0}
SKIP_GDAL=${SKIP_GDAL:-0}
VERIFY=${VERIFY:-1}
mkdir -p "$BENCH_DIR"
RESULTS=$BENCH_DIR/results.jsonl
: > "$RESULTS"

side_by_side() {
  local n=$1 bench=${PAIRBENCH:-pairbench} runs=${SIDE_RUNS:-3}
  local in=$BENCH_DIR/points-$n.geojson
  CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1} cargo build --release --quiet --bin drillmap
  [ -f "$in" ] || python3 benches/tiles/gen.py "$n" "$BENCH_DIR" >/dev/null
  local dm="$ROOT/target/release/drillmap tiles --max-zoom 10 --out $BENCH_DIR/side-drillmap-$n.pmtiles $in"
  local tp="$TIPPECANOE -q --force -z10 -o $BENCH_DIR/side-tippecanoe-$n.pmtiles $in"
  local tc="$TIPPECANOE -q --force -z10 --cluster-densest-as-needed -o $BENCH_DIR/side-tippecanoe-cluster-$n.pmtiles $in"
  echo "== $(uptime)"
  "$bench" -n "$runs" --warmup 0 -- "$dm" "$tp" | tee "$BENCH_DIR/side-plain-$n.txt"
  "$bench" -n "$runs" --warmup 0 -- "$dm" "$tc" | tee "$BENCH_DIR/side-cluster-$n.txt"
  for a in drillmap tippecanoe tippecanoe-cluster; do
    echo "$a $n $(python3 benches/tiles/archive_stats.py "$BENCH_DIR/side-$a-$n.pmtiles")"
  done | tee "$BENCH_DIR/side-archives-$n.txt"
}

if [ -n "${TIPPECANOE:-}" ]; then
  side_by_side "${SIDE_N:-1000000}"
  if [ "${SIDE_ONLY:-0}" = 1 ]; then exit 0; fi
fi

echo "== building (release)"
CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1} cargo build --release --quiet --example tiles_bench
BIN=$ROOT/target/release/examples/tiles_bench

echo "== generating input in $BENCH_DIR"
for n in 100000 1000000; do python3 benches/tiles/gen.py "$n" "$BENCH_DIR" >/dev/null; done
BORDER=$BENCH_DIR/border.geojson

# time_cmd LABEL CMD...: run under /usr/bin/time, append one JSON line to $RESULTS.
time_cmd() {
  local label=$1; shift
  local tf; tf=$(mktemp)
  local out
  out=$(/usr/bin/time -f '%e %M %U %S' -o "$tf" "$@")
  local load; load=$(cut -d' ' -f1 /proc/loadavg)
  python3 - "$label" "$tf" "$load" "$out" >> "$RESULTS" <<'EOF'
import json, sys
label, tf, load, out = sys.argv[1:5]
wall, rss, user, system = open(tf).read().split()[-4:]
rec = {"label": label, "wall_s": float(wall), "cpu_s": float(user) + float(system),
       "peak_kb": int(rss), "load1": float(load)}
for line in out.splitlines():
    if line.startswith("{"):
        rec.update(json.loads(line))
print(json.dumps(rec))
EOF
  rm -f "$tf"
}

for n in 100000 1000000; do
  for z in 10 14; do
    runs=$RUNS; [ "$n" = 1000000 ] && runs=$RUNS_1M
    for r in $(seq "$runs"); do
      echo "== drillmap ${n} points z${z} run ${r}/${runs}"
      time_cmd "drillmap n=$n z=$z" "$BIN" "$z" "$BENCH_DIR/drillmap-$n-z$z.pmtiles" \
        "$BENCH_DIR/points-$n.geojson" "$BORDER"
    done
  done
done

if [ "$VERIFY" = 1 ]; then
  echo "== independent check of the 100k zoom-10 archive (tests/tools/verify_tiles.py)"
  python3 tests/tools/verify_tiles.py "$BENCH_DIR/drillmap-100000-z10.pmtiles" \
    "$BENCH_DIR/points-100000.geojson" "$BORDER" --max-zoom 10 | tail -1 | tee "$BENCH_DIR/verify.txt"
fi

if [ "$SKIP_GDAL" != 1 ] && command -v ogr2ogr >/dev/null; then
  n=100000
  cat > "$BENCH_DIR/in-$n.vrt" <<EOF
<OGRVRTDataSource>
  <OGRVRTLayer name="exercises"><SrcDataSource>$BENCH_DIR/points-$n.geojson</SrcDataSource></OGRVRTLayer>
  <OGRVRTLayer name="afghan_border"><SrcDataSource>$BORDER</SrcDataSource></OGRVRTLayer>
</OGRVRTDataSource>
EOF
  zooms="10"; [ "$GDAL_Z14" = 1 ] && zooms="10 14"
  for z in $zooms; do
    for r in $(seq "$GDAL_RUNS"); do
      echo "== GDAL ogr2ogr -f MVT ${n} points z${z} run ${r}/${GDAL_RUNS} ($(ogr2ogr --version))"
      out=$BENCH_DIR/gdal-$n-z$z.mbtiles
      rm -f "$out"
      time_cmd "gdal n=$n z=$z" ogr2ogr -f MVT "$out" "$BENCH_DIR/in-$n.vrt" \
        -dsco MINZOOM=0 -dsco MAXZOOM="$z"
      python3 - "$out" "$RESULTS" <<'EOF'
import json, os, sqlite3, sys
out, res = sys.argv[1:3]
lines = open(res).read().splitlines()
rec = json.loads(lines[-1])
rec["bytes"] = os.path.getsize(out)
rec["tiles"] = sqlite3.connect(out).execute("select count(*) from tiles").fetchone()[0]
lines[-1] = json.dumps(rec)
open(res, "w").write("\n".join(lines) + "\n")
EOF
    done
  done
fi

echo "== summary (medians)"
python3 - "$RESULTS" <<'EOF' | tee "$BENCH_DIR/summary.md"
import json, statistics, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
groups = {}
for r in recs:
    groups.setdefault(r["label"], []).append(r)
med = lambda xs: statistics.median(xs) if xs else float("nan")
print("| case | runs | wall s | CPU s | tile s | peak MiB | tiler MiB | output MB | tiles | load avg |")
print("|---|---|---|---|---|---|---|---|---|---|")
for label, rs in groups.items():
    tile = [r["encode_s"] for r in rs if "encode_s" in r]
    tiler = [(r["peak_rss_kb"] - r["rss_after_load_kb"]) / 1024 for r in rs if "rss_after_load_kb" in r]
    print(f"| {label} | {len(rs)} | {med([r['wall_s'] for r in rs]):.2f} | "
          f"{med([r['cpu_s'] for r in rs]):.2f} | "
          f"{med(tile):.2f} | {med([r['peak_kb'] for r in rs]) / 1024:.0f} | "
          f"{med(tiler):.0f} | {med([r['bytes'] for r in rs]) / 1e6:.1f} | "
          f"{int(med([r['tiles'] for r in rs]))} | {med([r['load1'] for r in rs]):.2f} |")
print()
print("Profile (CPU seconds summed over threads, median run per case):")
for label, rs in groups.items():
    if "profile_cpu_s" in rs[0]:
        r = sorted(rs, key=lambda r: r["encode_s"])[len(rs) // 2]
        print(f"- {label}: " + ", ".join(f"{k} {v:.2f}" for k, v in r["profile_cpu_s"].items()))
EOF
