#!/usr/bin/env python3
"""The script an analyst would otherwise write: every name and alternate of the imported
GeoNames table in a list, and `rapidfuzz.process.extractOne` (scorer `fuzz.ratio`, names
lower-cased by `utils.default_process` once, up front) for each perturbed query.

A query is a hit when the best choice is one of the intended row's names (the same recall
definition as the Rust bench, where a hit is the intended row best or tied within the
ambiguity margin). Reports load time, lookups/s and recall on the first SAMPLE queries.

usage: rapidfuzz_baseline.py TABLE QUERIES [SAMPLE]
"""
import sys
import time

from rapidfuzz import fuzz, process, utils


def main():
    table, queries = sys.argv[1], sys.argv[2]
    sample = int(sys.argv[3]) if len(sys.argv) > 3 else 50
    t = time.perf_counter()
    choices, owner = [], []
    with open(table, encoding="utf-8") as f:
        for line in f:
            col = line.rstrip("\n").split("\t")
            gid = int(col[0])
            names = [col[1], col[2]] + [a for a in col[3].split(",") if a]
            for n in dict.fromkeys(names):
                choices.append(utils.default_process(n))
                owner.append(gid)
    load = time.perf_counter() - t
    qs = []
    with open(queries, encoding="utf-8") as f:
        for line in f:
            q, gid = line.rstrip("\n").split("\t")
            qs.append((q, int(gid)))
    qs = qs[:sample]
    t = time.perf_counter()
    hits = 0
    for q, gid in qs:
        best = process.extractOne(utils.default_process(q), choices, scorer=fuzz.ratio, processor=None)
        if best is not None:
            # A row whose name is exactly the best choice's text counts too, like a tie.
            hits += owner[best[2]] == gid or best[0] in names_of(gid, choices, owner)
    elapsed = time.perf_counter() - t
    print(f"python_choices\t{len(choices)}")
    print(f"python_load_s\t{load:.2f}")
    print(f"python_queries\t{len(qs)}")
    print(f"python_fuzzy_lookups_per_s\t{len(qs) / elapsed:.2f}")
    print(f"python_fuzzy_recall\t{hits / len(qs):.4f}")


_names = {}


def names_of(gid, choices, owner):
    if not _names:
        for c, o in zip(choices, owner):
            _names.setdefault(o, set()).add(c)
    return _names.get(gid, set())


if __name__ == "__main__":
    main()
