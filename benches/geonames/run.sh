#!/usr/bin/env bash
# GeoNames at scale: generate a GeoNames-format dump of ROWS rows (default 13,000,000), import
# it (time and peak memory), then measure index open time, exact and fuzzy lookups per second
# on one thread and fuzzy recall on perturbed names, against Python + rapidfuzz on a sample.
#
# usage: bash benches/geonames/run.sh [ROWS] [PYTHON_SAMPLE]
# Needs: cargo, python3, /usr/bin/time; rapidfuzz in .tools/venv
#   (python3 -m venv .tools/venv && .tools/venv/bin/pip install -r benches/geonames/requirements.txt)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS=${1:-13000000}
SAMPLE=${2:-50}
DIR=target/bench
mkdir -p "$DIR"
DUMP=$DIR/allCountries-$ROWS.txt
OUT=$DIR/t$ROWS
PY=${PYTHON:-.tools/venv/bin/python}

echo "date	$(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine	$(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "load_before	$(cut -d' ' -f1-3 /proc/loadavg)"
[ -s "$DUMP" ] || python3 benches/geonames/generate.py "$ROWS" "$DUMP"
echo "dump_bytes	$(stat -c %s "$DUMP")"
[ -n "${SKIP_BUILD:-}" ] || CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1} cargo build --quiet --release --bin drillmap --example geonames_bench
rm -rf "$OUT" && mkdir -p "$OUT"
/usr/bin/time -v target/release/drillmap places import-geonames "$DUMP" --out "$OUT/geonames.txt" 2> "$OUT/import.log" || true
grep -E 'written|unchanged|idx' "$OUT/import.log" | sed 's/^/# /'
echo "import_wall	$(grep 'Elapsed (wall' "$OUT/import.log" | awk '{print $NF}')"
echo "import_cpu_s	$(awk '/User time|System time/{s+=$NF} END{print s}' "$OUT/import.log") (user + system: on a shared machine, what the import itself used)"
echo "import_load_after	$(cut -d' ' -f1-3 /proc/loadavg)"
echo "import_peak_rss_mb	$(( $(grep 'Maximum resident' "$OUT/import.log" | awk '{print $NF}') / 1024 ))"
echo "index_bytes	$(stat -c %s "$OUT/geonames.idx")"
for run in 1 2 3; do
  echo "# bench run $run (load $(cut -d' ' -f1 /proc/loadavg))"
  target/release/examples/geonames_bench "$OUT/geonames.txt" "$OUT/queries.tsv" 200000 5000 | tee "$OUT/bench-$run.tsv"
done
"$PY" benches/geonames/rapidfuzz_baseline.py "$OUT/geonames.txt" "$OUT/queries.tsv" "$SAMPLE"
echo "load_after	$(cut -d' ' -f1-3 /proc/loadavg)"
