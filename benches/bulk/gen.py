#!/usr/bin/env python3
"""Generate an ACLED-style events CSV over Central Asia for the bulk benchmark.

Usage: gen.py ROWS OUT.csv [--seed N] [--shuffle] [--coords | --names]

Rows name places from places/places.csv (names and every alias, Latin and Cyrillic), with a
country hint (alpha-2 or English name) as ACLED exports have. About 10% of the rows carry
their own lat/lon (from a pool of 5,000 points, as ACLED repeats its location table), 5% use
press spellings that only the geocoder's loose key matches ("Harbmaidon", "Dzhetygen"), and
1 row in 10,000 a misspelling (resolved by the fuzzy stage when it is within two edits of
one place, otherwise unresolved), which the
build must report and skip (--max-errors). Ids are sequential (`EV0000001`...) so the input
is in id order; --shuffle writes the same rows in a random order. The output is a pure
function of ROWS, the seed and --shuffle. --coords gives every row its own lat/lon, uniform
over Central Asia (lon 46-88, lat 29-56), as exports such as ACLED's do: the case where the
border distance is computed for every row. --names gives no row its own lat/lon (every row
is geocoded by name; those that would have had them use a loose spelling). Rows with their
own lat/lon carry no country hint: `build --events` checks a point against its hint, and
the generator cannot tell which country a random point lies in.
"""
import csv
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COUNTRY_NAMES = {"TJ": "Tajikistan", "UZ": "Uzbekistan", "KZ": "Kazakhstan", "KG": "Kyrgyzstan",
                 "RU": "Russian Federation", "BY": "Belarus", "RS": "Serbia", "TM": "Turkmenistan",
                 "AF": "Afghanistan", "CN": "China"}
# Press spellings the loose key folds (kh/h, zh/dzh/j), applied to the first word.
LOOSE = [("Kh", "H"), ("kh", "h"), ("Zh", "Dzh"), ("zh", "j"), ("Dzh", "J")]
EVENT_TYPES = ["Strategic developments", "Military exercise", "Command-staff exercise",
               "Live-fire drill", "Joint counter-terrorism exercise"]


def places():
    rows = []
    with open(ROOT / "places" / "places.csv", newline="", encoding="utf-8") as f:
        lines = [l for l in f if not l.startswith("#")]
    for r in csv.DictReader(lines):
        names = [r["name"]] + [a for a in r["aliases"].split("|") if a]
        rows.append((r["country"], names))
    return rows


def loose_variant(rng, name):
    first, _, rest = name.partition(" ")
    for a, b in rng.sample(LOOSE, len(LOOSE)):
        if a in first:
            return " ".join(x for x in (first.replace(a, b, 1), rest) if x)
    return None


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    n, out = int(args[0]), Path(args[1])
    seed = int(args[args.index("--seed") + 1]) if "--seed" in args else 42
    rng = random.Random(seed)
    coords = "--coords" in args
    names_only = "--names" in args
    table = places()
    pool = [(round(rng.uniform(52.0, 80.0), 5), round(rng.uniform(36.0, 50.0), 5)) for _ in range(5000)]
    ids = list(range(1, n + 1))
    if "--shuffle" in args:
        rng.shuffle(ids)
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "name", "start_date", "end_date", "place", "country", "lat", "lon",
                    "event_type", "actor1", "troops", "notes"])
        for i in ids:
            # Each row from its own generator, so that --shuffle reorders the same rows.
            rng = random.Random(seed * 10_000_019 + i)
            country, names = table[rng.randrange(len(table))]
            place = names[rng.randrange(len(names))]
            r = rng.random()
            lat = lon = ""
            if coords:
                lon, lat = round(rng.uniform(46.0, 88.0), 5), round(rng.uniform(29.0, 56.0), 5)
            elif r < 0.10 and not names_only:
                lon, lat = pool[rng.randrange(len(pool))]
            elif r < 0.15:
                place = loose_variant(rng, place) or place
            elif r < 0.1501:
                place = place[:-2] + "qx" if len(place) > 3 else "Qx" + place
            y, m, d = rng.randrange(2015, 2025), rng.randrange(1, 13), rng.randrange(1, 29)
            start = f"{y}-{m:02d}-{d:02d}"
            end = "" if rng.random() < 0.5 else f"{y}-{m:02d}-{min(28, d + rng.randrange(0, 10)):02d}"
            hint = country if rng.random() < 0.5 else COUNTRY_NAMES.get(country, country)
            if lat != "":
                # A row's own point is checked against its country hint: the generator cannot
                # tell which country a random point lies in, so such rows carry no hint.
                hint = ""
            w.writerow([f"EV{i:07d}", f"Exercise {i % 997}", start, end, place, hint, lat, lon,
                        EVENT_TYPES[i % len(EVENT_TYPES)], "Military Forces of " + COUNTRY_NAMES.get(country, country),
                        str(rng.randrange(50, 20000)),
                        'reported by "Asia-Plus", several units, see source' if i % 7 == 0 else ""])


if __name__ == "__main__":
    main()
