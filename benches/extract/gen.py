#!/usr/bin/env python3
"""Generate a corpus of synthetic news articles for the extraction speed benchmark.

    python3 benches/extract/gen.py N OUTDIR [--seed 1]

Each article (about 3 to 5 kB, like the five real ones) mixes sentences in the press's forms
(exercise names with years, "the X training ground", "August 5-10", "from 5 to 10 August",
"over 500 Russian and Kazak troops", "on Tuesday", "next month") with filler sentences, and
names places from places/places.csv and places/geonames.txt (Latin and Cyrillic spellings).
Deterministic for a seed. The texts are for timing only: they are not news and not gold data.
"""
import csv
import os
import random
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

COUNTRIES = ["Russia", "Kazakhstan", "Tajikistan", "Uzbekistan", "Kyrgyzstan", "Belarus", "Armenia"]
DEMONYMS = ["Russian", "Kazakh", "Tajik", "Uzbek", "Kyrgyz", "Belarusian", "Armenian"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
NAMES = ["Zapad", "Vostok", "Tsentr", "Kavkaz", "Rubezh", "Poisk", "Interaction",
         "Indestructible Brotherhood", "Cooperation", "Frontier", "Steppe Eagle"]
ORGS = ["CSTO", "SCO", "CIS", "the Collective Security Treaty Organization"]
FILLER = [
    "Officials said the talks covered regional security and economic ties.",
    "Analysts say the region faces threats from instability across the border.",
    "The ministry did not say how many aircraft would take part.",
    "Both sides signed several agreements, which neither country described.",
    "The visit followed consultations between the security councils of the two countries.",
    "Experts believe the drills send a signal to neighbouring states.",
    "The commander told reporters that the goals of the first stage had been achieved.",
    "According to the statement, the units practised repelling enemy fire and protecting convoys.",
    "The defence minister is expected to attend the final stage.",
    "Observers from several countries were invited to watch the manoeuvres.",
]


def places():
    names = []
    with open(os.path.join(ROOT, "places", "places.csv"), encoding="utf-8") as f:
        rows = [l for l in f if not l.startswith("#")]
    for row in csv.DictReader(rows):
        names.append((row["name"], row["kind"]))
        names.extend((a, row["kind"]) for a in row["aliases"].split("|") if a)
    with open(os.path.join(ROOT, "places", "geonames.txt"), encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) > 2:
                names.append((cols[2], "settlement"))
    return names


def article(rng, names):
    ground = [n for n, k in names if k == "training_ground"]
    year = rng.randint(2015, 2025)
    m = rng.randrange(12)
    d = rng.randint(1, 20)
    a, b = rng.sample(range(len(COUNTRIES)), 2)
    ex = f"{rng.choice(NAMES)}-{year}"
    site = rng.choice(ground)
    town = rng.choice(names)[0]
    lines = [
        f"{COUNTRIES[a]} and {COUNTRIES[b]} hold joint \u201c{ex}\u201d drills",
        "",
        f"{COUNTRIES[a]} is hosting the \u201c{ex}\u201d military exercise from {MONTHS[m]} {d} to {MONTHS[(m + 1) % 12]} {rng.randint(1, 28)}, "
        f"involving forces from {COUNTRIES[b]} and {rng.choice(COUNTRIES)}.",
        f"The drills take place at the {site} near {town}, the {DEMONYMS[a]} defence ministry said.",
        f"The exercise saw {rng.choice(['over', 'around', 'more than', 'about'])} {rng.randint(2, 90) * 100:,} {DEMONYMS[a]} and {DEMONYMS[b]} troops "
        f"and {rng.randint(1, 90) * 10} pieces of military hardware take part.",
        f"On Tuesday, {rng.choice(ORGS)} announced joint exercises in {rng.choice(names)[0]} from {rng.randint(1, 9)} to {rng.randint(10, 28)} {MONTHS[(m + 2) % 12]}, "
        f"involving {rng.randint(5, 40) * 100:,} military personnel and {rng.randint(5, 70) * 10} units of military hardware.",
        f"In late {MONTHS[(m + 5) % 12]}, {COUNTRIES[b]} held a large-scale exercise with {rng.choice(COUNTRIES)} near {rng.choice(names)[0]}.",
    ]
    for _ in range(rng.randint(30, 46)):
        r = rng.random()
        if r < 0.6:
            lines.append(rng.choice(FILLER))
        elif r < 0.8:
            lines.append(f"Troops from {rng.choice(COUNTRIES)} arrived in {rng.choice(names)[0]} on {MONTHS[rng.randrange(12)]} {rng.randint(1, 28)}.")
        else:
            lines.append(f"The delegation visited {rng.choice(names)[0]} and the {rng.choice(ground)} next month, officials said.")
    return "\n\n".join(lines) + "\n"


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 1
    rng = random.Random(seed)
    names = places()
    os.makedirs(out, exist_ok=True)
    total = 0
    for i in range(n):
        text = article(rng, names)
        total += len(text.encode())
        with open(os.path.join(out, f"{i:05d}.txt"), "w", encoding="utf-8") as f:
            f.write(text)
    print(f"{n} articles, {total} bytes, {total // n} bytes on average", file=sys.stderr)


if __name__ == "__main__":
    main()
