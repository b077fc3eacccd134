#!/usr/bin/env bash
# drillmap against the previous release (and, for rows with their own coordinates, against
# GDAL's ogr2ogr and the floor), every case's commands alternating in one run:
#
#   OLD=/path/to/previous/drillmap bash benches/bulk/versus.sh
#   OLD=... RUNS=5 SIZE=200000 bash benches/bulk/versus.sh
#   OLD=... BENCH_LOCK=/path/to/lock bash benches/bulk/versus.sh   # flock per case
#   OLD=... CASES=names,shuffled bash benches/bulk/versus.sh   # some cases, tables printed only
#
# Cases: SIZE (default 1,000,000) rows with their own lat/lon, uniform over Central Asia
# (gen.py --coords: a border distance per row), against the old release, the floor and
# ogr2ogr on the same CSV; SIZE rows geocoded by name (gen.py --names); SIZE mixed rows
# (gen.py: 10% with coordinates); the same mixed rows shuffled (the sorting path); the
# hand-kept `build` of places/; `geocode --batch` of 20,000 names; the mixed rows rebuilt
# into a folder holding their unchanged layer (rebuild: the previous release, drillmap
# --no-tiles, and drillmap with tiles, the archive kept; the warm-up run writes the folder).
# Writes the tables to the "Side by side with the previous release" section of BENCHMARKS.md.
# CASES (a comma-separated subset of coords, names, mixed, shuffled, hand, batch, rebuild)
# runs only those cases and prints their
# tables (target/bulk-bench/versus.md) without touching BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${OLD:?set OLD to the previous release binary}"
SIZE=${SIZE:-1000000}
RUNS=${RUNS:-3}
WARMUP=${WARMUP:-1}
WORK=target/bulk-bench
mkdir -p "$WORK"
START_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
[ -n "${SKIP_BUILD:-}" ] || CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1} cargo build --release --quiet --bin drillmap --example bulk_floor
NEW=${NEW:-target/release/drillmap}
FLOOR=${FLOOR:-target/release/examples/bulk_floor}

want() { [ -z "${CASES:-}" ] || [[ ",$CASES," == *",$1,"* ]]; }
gen() { [ -s "$2" ] || python3 benches/bulk/gen.py "$1" "$2" "${@:3}"; }
coords="$WORK/events-coords-$SIZE.csv"; ! want coords || gen "$SIZE" "$coords" --coords
names="$WORK/events-names-$SIZE.csv"; ! want names || gen "$SIZE" "$names" --names
mixed="$WORK/events-$SIZE.csv"; if want mixed || want batch || want rebuild; then gen "$SIZE" "$mixed"; fi
shuffled="$WORK/events-$SIZE-shuffled.csv"; ! want shuffled || gen "$SIZE" "$shuffled" --shuffle
batch="$WORK/batch-20000.csv"
! want batch || [ -s "$batch" ] || python3 - "$mixed" "$batch" <<'PY'
import csv, sys
rows = csv.DictReader(open(sys.argv[1], encoding="utf-8"))
with open(sys.argv[2], "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["name", "country"])
    for i, r in zip(range(20000), rows):
        w.writerow([r["place"], r["country"]])
PY
# The previous release predates places.csv's optional valid_from/valid_to columns and rejects
# the file: it reads OLD_PLACES, a copy of places/ whose places.csv lacks those two columns.
# Bulk rows resolve on today's places, where a spelling shared by a row valid today and one
# that is not means today's; the old release would call it ambiguous, so the copy drops
# such spellings from the rows not valid today: every name resolves to the same place in
# both releases. Remade whenever places/ is newer. (The hand-kept build cannot be compared
# on one dataset: the old release reads none of today's records, the new one refuses its
# unsourced ones; each builds its own places/, the old one from git.)
OLD_PLACES=${OLD_PLACES:-$WORK/old-places}
if [ ! -s "$OLD_PLACES/places.csv" ] || [ -n "$(find places -newer "$OLD_PLACES/places.csv" -print -quit)" ]; then
  rm -rf "$OLD_PLACES" && cp -a places "$OLD_PLACES"
  python3 - places/places.csv "$OLD_PLACES/places.csv" <<'PY'
import csv, datetime, io, sys
src = open(sys.argv[1], encoding="utf-8", newline="").read().splitlines(keepends=True)
comments = [l for l in src if l.startswith("#")]
rows = list(csv.reader(io.StringIO("".join(l for l in src if not l.startswith("#")))))
vf, vt = rows[0].index("valid_from"), rows[0].index("valid_to")
today = datetime.date.today().isoformat()
# YYYY, YYYY-MM or YYYY-MM-DD: the first or last day it can mean, as text that sorts.
first = lambda d: (d + "-01-01")[:10]
last = lambda d: (d + "-12-31")[:10] if len(d) == 4 else (d + "-31")[:10]
valid = lambda r: (not r[vf] or first(r[vf]) <= today) and (not r[vt] or last(r[vt]) >= today)
al = rows[0].index("aliases")
today_names = {n.casefold() for r in rows[1:] if valid(r) for n in r[al].split("|") + [r[1]]}
for r in rows[1:]:
    if not valid(r):
        r[al] = "|".join(a for a in r[al].split("|") if a.casefold() not in today_names)
with open(sys.argv[2], "w", encoding="utf-8", newline="") as f:
    f.writelines(comments)
    w = csv.writer(f, lineterminator="\n")
    for r in rows:
        w.writerow([v for i, v in enumerate(r) if i not in (vf, vt)])
PY
fi
# The previous release's own places/ (from git, OLD_COMMIT) for its hand-kept build.
OLD_COMMIT=${OLD_COMMIT:-fe8562f}
OLD_HAND=$WORK/old-release-$OLD_COMMIT
if [ ! -s "$OLD_HAND/places/places.csv" ]; then
  rm -rf "$OLD_HAND" && mkdir -p "$OLD_HAND" && git archive "$OLD_COMMIT" places | tar -x -C "$OLD_HAND"
fi
# The floor's input: drillmap's output for the coordinates case as a CSV with X/Y and every
# property (what a conversion without checks or derivation reads and writes).
out="$WORK/versus"
mkdir -p "$out"/{old,new,floor,gdal}
max=$(( SIZE / 100 + 10 ))
fcsv="$WORK/floor-coords-$SIZE.csv"
if want coords && [ ! -s "$fcsv" ]; then
  ${BENCH_LOCK:+flock "$BENCH_LOCK"} "$NEW" build --data places --out "$out/new" --events "$coords" --numeric troops --max-errors $(( SIZE / 10 )) --no-tiles -q 2>/dev/null
  ${BENCH_LOCK:+flock "$BENCH_LOCK"} ogr2ogr -f CSV "$fcsv" "$out/new/events.geojson" -lco GEOMETRY=AS_XY
fi

# The previous release, the floor and ogr2ogr write no tiles: drillmap is timed with --no-tiles.
notiles() { [ "$1" != new ] || echo " --no-tiles"; }
ev() { echo "build --data $3 --out $out/$1 --events $2 --numeric troops --max-errors $max -q$(notiles "$1")"; }
# Uniform points keep the country hint of the place the row names, so the swap check flags
# about 2% of them (a point outside the hinted country whose swapped twin is inside it).
cmax=$(( SIZE / 10 ))
evc() { echo "build --data $2 --out $out/$1 --events $coords --numeric troops --max-errors $cmax -q$(notiles "$1")"; }
T=$'\t'
cases="$WORK/versus-cases.txt"
: > "$cases"
! want coords || cat >> "$cases" <<CASES
# $SIZE rows, each with its own lat/lon (gen.py --coords)
previous release${T}$out/old/events.geojson${T}$OLD $(evc old "$OLD_PLACES")
drillmap${T}$out/new/events.geojson${T}$NEW $(evc new places)
drillmap --threads 1${T}$out/new/events.geojson${T}$NEW $(evc new places) --threads 1
floor${T}$out/floor/events.geojson${T}$FLOOR $fcsv $out/floor/events.geojson
ogr2ogr -lco RFC7946=YES${T}$out/gdal/events.geojson${T}ogr2ogr -f GeoJSON -lco RFC7946=YES -lco COORDINATE_PRECISION=6 -oo X_POSSIBLE_NAMES=lon -oo Y_POSSIBLE_NAMES=lat -oo KEEP_GEOM_COLUMNS=NO $out/gdal/events.geojson $coords

CASES
! want names || cat >> "$cases" <<CASES
# $SIZE rows geocoded by name (gen.py --names)
previous release${T}$out/old/events.geojson${T}$OLD $(ev old "$names" "$OLD_PLACES")
drillmap${T}$out/new/events.geojson${T}$NEW $(ev new "$names" places)
drillmap --threads 1${T}$out/new/events.geojson${T}$NEW $(ev new "$names" places) --threads 1

CASES
! want mixed || cat >> "$cases" <<CASES
# $SIZE mixed rows, 10% with their own lat/lon (gen.py)
previous release${T}$out/old/events.geojson${T}$OLD $(ev old "$mixed" "$OLD_PLACES")
drillmap${T}$out/new/events.geojson${T}$NEW $(ev new "$mixed" places)

CASES
! want shuffled || cat >> "$cases" <<CASES
# $SIZE mixed rows, ids shuffled (the sorting path)
previous release${T}$out/old/events.geojson${T}$OLD $(ev old "$shuffled" "$OLD_PLACES")
drillmap${T}$out/new/events.geojson${T}$NEW $(ev new "$shuffled" places)

CASES
! want rebuild || cat >> "$cases" <<CASES
# $SIZE mixed rows rebuilt unchanged, each into the folder of its warm-up run
previous release${T}-${T}$OLD build --data $OLD_PLACES --out $out/old/rebuild --events $mixed --numeric troops --max-errors $max -q
drillmap --no-tiles${T}-${T}$NEW build --data places --out $out/new/rebuild-no-tiles --events $mixed --numeric troops --max-errors $max -q --no-tiles
drillmap, tiles kept${T}-${T}$NEW build --data places --out $out/new/rebuild --events $mixed --numeric troops --max-errors $max -q

CASES
! want hand || cat >> "$cases" <<CASES
# hand-kept build of places/ (exercises, bases, border; the previous release builds its own places/ of $OLD_COMMIT)
previous release${T}-${T}rm -rf $out/old/hand && $OLD build --data $OLD_HAND/places --out $out/old/hand -q
drillmap${T}-${T}rm -rf $out/new/hand && $NEW build --data places --out $out/new/hand -q

CASES
! want batch || cat >> "$cases" <<CASES
# geocode --batch, 20,000 names with country hints
previous release${T}-${T}$OLD geocode --data $OLD_PLACES --batch $batch -q > /dev/null
drillmap${T}-${T}$NEW geocode --data places --batch $batch -q > /dev/null

CASES
python3 benches/bulk/versus.py "$WORK/versus.md" "$cases" --runs "$RUNS" --warmup "$WARMUP"
if [ -n "${CASES:-}" ]; then
  cat "$WORK/versus.md"
  exit 0
fi

SECTION=$(cat <<MD
## Side by side with the previous release

\`OLD=<previous release> bash benches/bulk/versus.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) × $(lscpu | awk -F': +' '/Model name/ {print $2; exit}'), $(uname -sr).
Load average (1, 5, 15 min) at the start: $START_LOAD, at the end: $(cut -d' ' -f1-3 /proc/loadavg).
Every case's commands alternate ($WARMUP untimed warm-up round(s), then $RUNS timed runs each);
medians; the ratios are to the case's first row (the previous release). drillmap's runs
include start-up (tables, boundaries) and the final fsync; ogr2ogr and the floor do not sync.
The floor is \`examples/bulk_floor.rs\` on a CSV holding drillmap's output (X/Y and every
property): parse and write the same bytes, no checks, no geocoding, no border distance.
ogr2ogr reads the same input CSV as drillmap (lat/lon columns) and computes no border
distance.

$(cat "$WORK/versus.md")
MD
)
python3 - "$SECTION" <<'PY'
import re, sys
from pathlib import Path
p = Path("BENCHMARKS.md")
text = p.read_text()
start, end = "<!-- bulk-versus:start -->", "<!-- bulk-versus:end -->"
block = f"{start}\n{sys.argv[1].rstrip()}\n{end}"
if start in text:
    text = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda m: block, text, flags=re.S)
else:
    text = text.replace("<!-- bulk-bench:end -->", "<!-- bulk-bench:end -->\n\n" + block, 1)
p.write_text(text)
PY
echo "updated BENCHMARKS.md (Side by side with the previous release)" >&2
