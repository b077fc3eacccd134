#!/usr/bin/env python3
"""Evaluate `drillmap extract` on the five articles against the hand-kept dataset.

    python3 benches/extract/evaluate.py [--drillmap target/release/drillmap] [--json OUT]

Gold: every [[exercise]] of places/exercises.toml whose `sources` name an article of
places/sources.toml. Each article is extracted with its publication date from sources.toml
(`published`), unless the text has a dateline, in which case none is passed and the dateline
is what is tested. Proposed records are paired with gold exercises of the same article (shared
site, overlapping date, same name, shared participants; greedy, best pair first).

Per field, over the five articles:
- records: gold exercises paired / proposed records paired;
- place: a gold site counts as found when its paired record has a site with the same place id
  (gazetteer id from places.csv); "named" sites are those whose place (name or alias) the
  article's text contains, the others come from the places research, not the article;
  precision over every proposed place: a site whose `place` is null (a stage the article
  describes but does not name, "a military range near the Afghan border") proposes none and
  is not counted (the figure counting it as a wrong place is printed below the table);
- start, end: per gold date unit (a site with its own dates, else the exercise), exact
  reduced-ISO equality with the paired record's (site's, else record's) date; only units the
  article dates (month or day precision: a year alone is the analyst's inference);
- participants, invited: per country code, over paired records (unpaired ones count against);
- site participants: per country code of a site's own `participants`, our site paired with the
  gold site of the same id (the stage: `deployment`);
- troops, equipment: exact value, over gold exercises with a count / proposed counts.

Prints a Markdown table; --json writes every figure and the pairing.
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLACES = os.path.join(ROOT, "places")

def load_toml(name):
    with open(os.path.join(PLACES, name), "rb") as f:
        return tomllib.load(f)


def place_ids():
    """Lower-cased name and alias -> gazetteer id; id -> every spelling."""
    by_name, names = {}, {}
    with open(os.path.join(PLACES, "places.csv"), encoding="utf-8") as f:
        rows = [l for l in f if not l.startswith("#")]
    for row in csv.DictReader(rows):
        spellings = [row["name"]] + [a for a in row["aliases"].split("|") if a]
        names[row["id"]] = spellings
        for s in spellings:
            by_name.setdefault(s.lower(), row["id"])
    return by_name, names


def gold_units(ex):
    """(site or None, start, end) date units of a gold exercise."""
    units = []
    for site in ex.get("site", []):
        if "start" in site:
            units.append((site, site["start"], site.get("end", site["start"])))
    if not units and "start" in ex:
        units.append((None, ex["start"], ex.get("end", ex["start"])))
    return units


def ours_span(rec, place_id=None):
    """(start, end) of a proposed record, or of its site at place_id when that has a date."""
    if place_id:
        for s in rec["sites"]:
            if s["candidates"] and s["candidates"][0]["id"] == place_id and s.get("date"):
                v = s["date"]["value"]
                return v["start"], v["end"] or v["start"]
    d = rec.get("date")
    if not d:
        return None, None
    return d["value"]["start"], d["value"]["end"] or d["value"]["start"]


def site_ids(rec):
    return [s["candidates"][0]["id"] for s in rec["sites"] if s["status"] == "resolved" and s["candidates"]]


def overlaps(a, b):
    if not a[0] or not b[0]:
        return False
    pad = lambda s, end: s + ("-12-31" if len(s) == 4 and end else "-01-01" if len(s) == 4 else "-31" if len(s) == 7 and end else "-01" if len(s) == 7 else "")
    return pad(a[0], False) <= pad(b[1], True) and pad(b[0], False) <= pad(a[1], True)


def name_key(s):
    return "".join(c for c in s.lower() if c.isalnum())


def pair(golds, recs, gold_site_ids):
    scores = []
    for gi, g in enumerate(golds):
        gsites = set(gold_site_ids[g["id"]])
        gspan = (min([u[1] for u in gold_units(g)] or [None]) if gold_units(g) else None,
                 max([u[2] for u in gold_units(g)] or [None]) if gold_units(g) else None)
        for ri, r in enumerate(recs):
            sc = 3 * len(gsites & set(site_ids(r)))
            if gspan[0] and overlaps(gspan, ours_span(r)):
                sc += 2
            if r["named"] and (name_key(r["name"]["value"]) in name_key(g["name"]) or name_key(g["name"]) in name_key(r["name"]["value"])):
                sc += 4
            gp, rp = set(g.get("participants", [])), {p["value"] for p in r["participants"]}
            if gp | rp:
                sc += len(gp & rp) / len(gp | rp)
            if g.get("organisation") and r.get("organisation") and r["organisation"]["value"] == g["organisation"]:
                sc += 1.0
            if sc >= 1:
                scores.append((sc, gi, ri))
    scores.sort(key=lambda x: (-x[0], x[1], x[2]))
    used_g, used_r, pairs = set(), set(), {}
    for sc, gi, ri in scores:
        if gi in used_g or ri in used_r:
            continue
        used_g.add(gi)
        used_r.add(ri)
        pairs[gi] = ri
    return pairs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--drillmap", default=os.path.join(ROOT, "target", "release", "drillmap"))
    ap.add_argument("--json")
    args = ap.parse_args()
    by_name, names = place_ids()
    sources = load_toml("sources.toml")["source"]
    exercises = load_toml("exercises.toml")["exercise"]
    t = {k: [0, 0, 0, 0] for k in ["records", "place (named in the article)", "place (all gold sites)",
                                   "start", "end", "participants", "invited", "site participants", "troops", "equipment"]}
    # each: [gold found, gold total, proposed correct, proposed total]
    detail = []
    unnamed_sites = 0  # proposed sites with no place: counted apart (see the docstring)
    for src in sources:
        path = os.path.join(PLACES, "articles", src.get("file", ""))
        if not src.get("file") or not os.path.isfile(path):
            continue  # a source that is not one of the articles (a table, a web page)
        with open(path, encoding="utf-8") as f:
            text = f.read().lower()
        base = [args.drillmap, "extract", "--data", PLACES, "--format", "json", path]
        probe = json.loads(subprocess.run(base, check=True, capture_output=True).stdout)["articles"][0]
        cmd = list(base)
        if not (probe.get("published") and probe["published"]["from"] == "dateline") and src.get("published"):
            cmd += ["--published", src["published"]]
        art = json.loads(subprocess.run(cmd, check=True, capture_output=True).stdout)["articles"][0]
        recs = art["records"]
        golds = [e for e in exercises if src["id"] in e.get("sources", [])]
        gold_site_ids = {g["id"]: [by_name.get(s["place"].lower(), s["place"]) for s in g.get("site", [])] for g in golds}
        pairs = pair(golds, recs, gold_site_ids)
        t["records"][0] += len(pairs)
        t["records"][1] += len(golds)
        t["records"][2] += len(pairs)
        t["records"][3] += len(recs)
        for gi, g in enumerate(golds):
            r = recs[pairs[gi]] if gi in pairs else None
            ours = set(site_ids(r)) if r else set()
            for s, pid in zip(g.get("site", []), gold_site_ids[g["id"]]):
                named = any(n.lower() in text for n in names.get(pid, [pid]))
                hit = pid in ours
                for key in (["place (named in the article)"] if named else []) + ["place (all gold sites)"]:
                    t[key][0] += hit
                    t[key][1] += 1
            for site, gs, ge in gold_units(g):
                if len(gs) == 4:
                    continue  # a year alone: not dated by the article
                pid = by_name.get(site["place"].lower()) if site else None
                os_, oe = ours_span(r, pid) if r else (None, None)
                t["start"][0] += os_ == gs
                t["start"][1] += 1
                t["end"][0] += oe == ge
                t["end"][1] += 1
            for key in ("participants", "invited"):
                gk = set(g.get(key, []))
                rk = {p["value"] for p in r[key]} if r else set()
                t[key][0] += len(gk & rk)
                t[key][1] += len(gk)
            # Per-site participants: a gold site with its own list against our site of the
            # same id (or stage) in the paired record.
            for site in g.get("site", []):
                if "participants" in site:
                    ours_site = next((s for s in (r["sites"] if r else []) if s["id"] == site["id"]), None)
                    rk = {p["value"] for p in ours_site.get("participants", [])} if ours_site else set()
                    t["site participants"][0] += len(set(site["participants"]) & rk)
                    t["site participants"][1] += len(site["participants"])
            gp = set(g.get("participants", []))
            rp = {p["value"] for p in r["participants"]} if r else set()
            for key in ("troops", "equipment"):
                if key in g:
                    t[key][0] += bool(r and r.get(key) and r[key]["value"]["value"] == g[key])
                    t[key][1] += 1
            detail.append({"article": src["id"], "gold": g["id"], "record": r["id"] if r else None,
                           "gold_sites": gold_site_ids[g["id"]], "our_sites": sorted(ours),
                           "gold_participants": sorted(gp), "our_participants": sorted(rp),
                           "gold_dates": [(u[1], u[2]) for u in gold_units(g)], "our_date": ours_span(r) if r else None})
        paired = {pairs[gi]: golds[gi] for gi in pairs}
        for ri, r in enumerate(recs):
            g = paired.get(ri)
            gsites = set(gold_site_ids[g["id"]]) if g else set()
            for s in r["sites"]:
                if s["place"] is None:
                    unnamed_sites += 1
                    continue
                sid = s["candidates"][0]["id"] if s["candidates"] else s["place"]
                for key in ("place (named in the article)", "place (all gold sites)"):
                    t[key][2] += sid in gsites
                    t[key][3] += 1
            for key in ("participants", "invited"):
                rk = {p["value"] for p in r[key]}
                gk = set(g.get(key, [])) if g else set()
                t[key][2] += len(rk & gk)
                t[key][3] += len(rk)
            gsites_by_id = {s["id"]: s for s in (g.get("site", []) if g else [])}
            for s in r["sites"]:
                rk = {p["value"] for p in s.get("participants", [])}
                gk = set(gsites_by_id.get(s["id"], {}).get("participants", []))
                t["site participants"][2] += len(rk & gk)
                t["site participants"][3] += len(rk)
            os_, oe = ours_span(r)
            if os_:
                units = [(gs, ge) for _, gs, ge in gold_units(g)] if g else []
                t["start"][2] += any(os_ == gs for gs, _ in units) or any(
                    ours_span(r, by_name.get(site["place"].lower()))[0] == gs for site, gs, _ in (gold_units(g) if g else []) if site)
                t["start"][3] += 1
                t["end"][2] += any(oe == ge for _, ge in units) or any(
                    ours_span(r, by_name.get(site["place"].lower()))[1] == ge for site, _, ge in (gold_units(g) if g else []) if site)
                t["end"][3] += 1
            for key in ("troops", "equipment"):
                if r.get(key):
                    t[key][2] += bool(g and g.get(key) == r[key]["value"]["value"])
                    t[key][3] += 1
    rows = []
    print("| field | recall | precision |")
    print("|---|---|---|")
    for k, (f, n, c, p) in t.items():
        rec = f"{f / n:.2f} ({f}/{n})" if n else "–"
        pre = f"{c / p:.2f} ({c}/{p})" if p else "–"
        print(f"| {k} | {rec} | {pre} |")
        rows.append({"field": k, "found": f, "gold": n, "correct": c, "proposed": p})
    if unnamed_sites:
        print()
        for k in ("place (named in the article)", "place (all gold sites)"):
            _, _, c, p = t[k]
            print(f"{k}, precision counting the {unnamed_sites} site(s) with no place as wrong places: "
                  f"{c / (p + unnamed_sites):.2f} ({c}/{p + unnamed_sites})")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"fields": rows, "pairs": detail, "sites_without_place": unnamed_sites},
                      f, indent=1, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
