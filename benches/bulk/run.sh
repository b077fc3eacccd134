#!/usr/bin/env bash
# Bulk build benchmark: drillmap build --events against GDAL ogr2ogr and a bare
# parse-format-write loop (examples/bulk_floor.rs), on 10k, 100k and 1M generated events.
#
#   bash benches/bulk/run.sh              # all sizes, writes the "Bulk build" section of BENCHMARKS.md
#   SIZES="10000 100000" RUNS=5 bash benches/bulk/run.sh
#
# Every figure is the median of RUNS runs (default 3; GDAL_RUNS for ogr2ogr, default 3, and
# GDAL_RUNS_1M at 1M rows, default 1), wall time and peak RSS from /usr/bin/time -v.
# Inputs and outputs go to target/bulk-bench/. The 1M output is checked with ogrinfo.
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZES=${SIZES:-"10000 100000 1000000"}
RUNS=${RUNS:-3}
GDAL_RUNS=${GDAL_RUNS:-3}
GDAL_RUNS_1M=${GDAL_RUNS_1M:-1}
WORK=target/bulk-bench
START_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$WORK"
for tool in ogr2ogr ogrinfo /usr/bin/time python3; do
    command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install gdal-bin time python3)" >&2; exit 2; }
done
CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1} cargo build --release --quiet --bin drillmap --example bulk_floor
DRILLMAP=target/release/drillmap
FLOOR=target/release/examples/bulk_floor

# measure RUNS OUTPUT CMD...: run CMD RUNS times, deleting OUTPUT (untimed) before each run
# so that no tool pays for freeing the previous run's file; print "median_wall_s
# median_max_rss_mb".
measure() {
    local runs=$1 output=$2; shift 2
    local walls=() rss=()
    for _ in $(seq "$runs"); do
        rm -f "$output"
        sync
        /usr/bin/time -v -o "$WORK/time.txt" "$@" >/dev/null 2>"$WORK/stderr.txt" || {
            cat "$WORK/stderr.txt" >&2; echo "failed: $*" >&2; exit 1; }
        walls+=("$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$WORK/time.txt")")
        rss+=("$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$WORK/time.txt")")
    done
    python3 -c 'import statistics,sys; w=[float(x) for x in sys.argv[1].split()]; r=[float(x) for x in sys.argv[2].split()]; print(f"{statistics.median(w):.2f} {statistics.median(r):.0f}")' "${walls[*]}" "${rss[*]}"
}

ROWS_TABLE=""
for n in $SIZES; do
    events="$WORK/events-$n.csv"
    [ -s "$events" ] || python3 benches/bulk/gen.py "$n" "$events"
    out="$WORK/out-$n"
    rm -rf "$out"; mkdir -p "$out"
    max=$(( n / 100 + 10 ))
    args=(build --data places --out "$out" --events "$events" --numeric troops --max-errors "$max" --no-tiles)
    echo "== $n rows: drillmap" >&2
    d=$(measure "$RUNS" "$out/events.geojson" "$DRILLMAP" "${args[@]}")
    skipped=0
    [ -f "$out/events.errors.csv" ] && skipped=$(($(wc -l < "$out/events.errors.csv") - 1))
    features=$(grep -c '^{"type":"Feature"' "$out/events.geojson")
    # The same points and properties as a CSV with X/Y columns, for GDAL and the floor.
    gcsv="$WORK/gdal-$n.csv"
    [ -s "$gcsv" ] || ogr2ogr -f CSV "$gcsv" "$out/events.geojson" -lco GEOMETRY=AS_XY
    echo "== $n rows: floor" >&2
    f=$(measure "$RUNS" "$WORK/floor-$n.geojson" "$FLOOR" "$gcsv" "$WORK/floor-$n.geojson")
    echo "== $n rows: ogr2ogr" >&2
    gruns=$GDAL_RUNS; [ "$n" -ge 1000000 ] && gruns=$GDAL_RUNS_1M
    g=$(measure "$gruns" "$WORK/gdal-$n.geojson" ogr2ogr -f GeoJSON -lco RFC7946=YES -lco COORDINATE_PRECISION=6 \
        -oo X_POSSIBLE_NAMES=X -oo Y_POSSIBLE_NAMES=Y -oo KEEP_GEOM_COLUMNS=NO "$WORK/gdal-$n.geojson" "$gcsv")
    read -r dw dr <<<"$d"; read -r fw fr <<<"$f"; read -r gw gr <<<"$g"
    speedup=$(python3 -c "print(f'{$gw/$dw:.1f}')")
    floor_ratio=$(python3 -c "print(f'{$dw/$fw:.2f}')")
    ROWS_TABLE+="| $n | $features ($skipped skipped) | $dw s / $dr MB | $fw s / $fr MB | $gw s / $gr MB ($gruns run$([ "$gruns" = 1 ] || echo s)) | ${speedup}× | ${floor_ratio}× |"$'\n'
    if [ "$n" -ge 1000000 ]; then
        count=$(ogrinfo -ro -so -al "$out/events.geojson" | awk -F': ' '/Feature Count/ {print $2}')
        [ "$count" = "$features" ] || { echo "ogrinfo counts $count features, expected $features" >&2; exit 1; }
        VALIDATED="ogrinfo (GDAL $(ogrinfo --version | awk '{print $2}' | tr -d ,)) reads the 1M layer: Feature Count $count."
    fi
    echo "$n: drillmap $d, floor $f, ogr2ogr $g" >&2
done

# The sorting path: the 1M input with its rows shuffled (ids out of order), drillmap only.
SHUFFLED_ROW=""
if [[ " $SIZES " == *" 1000000 "* ]]; then
    n=1000000
    events="$WORK/events-$n-shuffled.csv"
    [ -s "$events" ] || python3 benches/bulk/gen.py "$n" "$events" --shuffle
    out="$WORK/out-$n-shuffled"
    rm -rf "$out"; mkdir -p "$out"
    echo "== $n shuffled rows: drillmap" >&2
    s=$(measure "$RUNS" "$out/events.geojson" "$DRILLMAP" build --data places --out "$out" --events "$events" \
        --numeric troops --max-errors $(( n / 100 + 10 )) --no-tiles)
    read -r sw sr <<<"$s"
    same=$(cmp -s "$out/events.geojson" "$WORK/out-$n/events.geojson" && echo "same bytes as in order" || echo "DIFFERENT bytes")
    SHUFFLED_ROW="| $n, ids shuffled | $(grep -c '^{"type":"Feature"' "$out/events.geojson") ($same) | $sw s / $sr MB | | | | |"$'\n'
    echo "$n shuffled: drillmap $s" >&2
fi

SECTION=$(cat <<MD
## Bulk build

\`bash benches/bulk/run.sh\` on $(date -u +%Y-%m-%d), $(nproc) × $(lscpu | awk -F': +' '/Model name/ {print $2; exit}'), $(free -g | awk '/Mem:/ {print $2}') GB RAM, $(uname -sr).
Load average (1, 5, 15 min) at the start: $START_LOAD, at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other engineers' builds may have been running on the same 2 cores).

Input: \`benches/bulk/gen.py\` events over Central Asia naming places from \`places/places.csv\`
(names and aliases, Latin and Cyrillic; 5% loose press spellings the loose key matches; 10%
with their own lat/lon; 1 in 10,000 misspelled, which the fuzzy stage resolves when it is
within two edits of one place and otherwise reports and skips with \`--max-errors\`). Ids in
input order (the one-pass path).
drillmap: \`drillmap build --events events.csv --numeric troops --max-errors N --no-tiles\` (GeoJSON only).
floor: \`examples/bulk_floor.rs\`, parse a CSV with X/Y and write points, nothing else.
ogr2ogr: \`ogr2ogr -f GeoJSON -lco RFC7946=YES -lco COORDINATE_PRECISION=6\` on a CSV of the
same points and properties (made from drillmap's output with \`-lco GEOMETRY=AS_XY\`).
Wall time and peak RSS (\`/usr/bin/time -v\`), median of $RUNS runs (ogr2ogr: $GDAL_RUNS, at 1M: $GDAL_RUNS_1M),
each into an output folder without the previous run's file (freeing a 750 MB file takes
about 0.2 s, which no tool is charged with). drillmap's figure includes its fixed start-up
(reading places.csv, the GeoNames table and the 3.6 MB Natural Earth TopoJSON: about 0.25 s and most of its
RSS) and the final fsync of the layer before the rename; ogr2ogr and the floor do not sync.

| rows | features | drillmap | floor | ogr2ogr | drillmap vs ogr2ogr | drillmap / floor |
|---:|---|---|---|---|---:|---:|
${ROWS_TABLE}${SHUFFLED_ROW}
${VALIDATED:-}

$(cat benches/bulk/notes.md)
MD
)
python3 - "$SECTION" <<'PY'
import re, sys
from pathlib import Path
p = Path("BENCHMARKS.md")
text = p.read_text() if p.exists() else "# Benchmarks\n"
section = sys.argv[1].rstrip() + "\n"
start = "<!-- bulk-bench:start -->"
end = "<!-- bulk-bench:end -->"
block = f"{start}\n{section}{end}"
if start in text:
    text = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda m: block, text, flags=re.S)
else:
    text = text.rstrip() + "\n\n" + block + "\n"
p.write_text(text)
PY
echo "updated BENCHMARKS.md (Bulk build)" >&2
