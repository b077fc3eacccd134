#!/usr/bin/env bash
# The CPU floor the issue's rules put under `drillmap tiles`, against tippecanoe's whole run.
#
#   bash benches/tiles/floor.sh [POINTS.geojson]     # default: points-1000000 of gen.py
#   TIPPECANOE=/path/to/tippecanoe bash benches/tiles/floor.sh ...   # with tippecanoe's CPU
#
# Every point stands in every zoom from the one where its tile fits the budget (z6-z10 of
# the benchmark's 1M points each hold all of them), so every run must at least read the
# input once and gzip the archive's MVT bytes. `examples/tiles_floor.rs` times those two
# steps alone on one thread: the tiler's own gzip at its level on exactly the tiles of the
# archive `drillmap tiles --max-zoom 10` wrote (checked: every member comes out as stored),
# and the input read into the tiler's records. Their sum is the floor; tippecanoe's CPU
# over that floor is the most "x faster than tippecanoe" any tiler keeping these tiles
# could reach if cutting, encoding, clustering and writing cost nothing.
#
# Output: the floor's JSON line and a summary in $BENCH_DIR/floor.txt. CPU is user + system
# time (/usr/bin/time) and varies with the machine's load, printed beside it: run it under
# the benchmark lock on a shared machine.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BENCH_DIR=${BENCH_DIR:-$ROOT/target/tiles-bench}
mkdir -p "$BENCH_DIR"
IN=${1:-$BENCH_DIR/points-1000000.geojson}
[ -f "$IN" ] || python3 benches/tiles/gen.py 1000000 "$BENCH_DIR" >/dev/null
CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1} cargo build --release --quiet --bin drillmap --example tiles_floor

cpu_of() { # prints "CPU_SECONDS PEAK_KIB" of the command given
  local t
  t=$(mktemp)
  /usr/bin/time -f "%U %S %M" -o "$t" "$@" >/dev/null
  awk '{printf "%.2f %d\n", $1 + $2, $3}' "$t"
  rm -f "$t"
}

ARCHIVE=$BENCH_DIR/floor-drillmap.pmtiles
echo "== $(uptime)"
read -r DM_CPU DM_KIB < <(cpu_of target/release/drillmap tiles --max-zoom 10 --out "$ARCHIVE" "$IN")
FLOOR=$(target/release/examples/tiles_floor "$ARCHIVE" "$IN")
TP_CPU=""
if [ -n "${TIPPECANOE:-}" ]; then
  read -r TP_CPU _ < <(cpu_of "$TIPPECANOE" -q --force -z10 -o "$BENCH_DIR/floor-tippecanoe.pmtiles" "$IN")
fi
LOAD=$(cut -d' ' -f1 /proc/loadavg)
python3 - "$FLOOR" "$DM_CPU" "$DM_KIB" "$LOAD" "$TP_CPU" <<'EOF' | tee "$BENCH_DIR/floor.txt"
import json, sys
f = json.loads(sys.argv[1])
dm, kib, load = float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
tp = float(sys.argv[5]) if sys.argv[5] else None
floor = f["gzip_cpu_s"] + f["read_cpu_s"]
print(json.dumps(f))
print(f"load {load}")
print(f"archive: {f['tiles']} tiles, {f['raw_bytes']:,} B of MVT, {f['archive_bytes']:,} B stored "
      f"({f['members_not_as_stored']} members not as stored)")
print(f"drillmap tiles --max-zoom 10: {dm:.2f} CPU s, {kib // 1024} MiB")
print(f"floor: gzip {f['gzip_cpu_s']:.2f} + read {f['read_cpu_s']:.2f} = {floor:.2f} CPU s "
      f"({100 * floor / dm:.0f}% of drillmap's run)")
if tp:
    print(f"tippecanoe -z10: {tp:.2f} CPU s; drillmap is {100 * dm / tp:.1f}% of it ({tp / dm:.2f}x); "
          f"10x needs <= {tp / 10:.2f} s, of which the floor takes {100 * floor / (tp / 10):.0f}%; "
          f"tippecanoe / floor = {tp / floor:.1f}x at most")
EOF
