#!/usr/bin/env python3
"""Generate the tile benchmark's input: N points over Central Asia and border lines.

    gen.py N OUT_DIR   ->  OUT_DIR/points-N.geojson, OUT_DIR/border.geojson

Deterministic (fixed seed). Points are uniform over lon 46-88 E, lat 29-56 N with six
properties (name, year, score, multinational, start_date, end_date), like the `exercises` layer. The border is
six LineStrings following the Afghan border's course, densified to about 3000 vertices
in total with a little jitter, like the Natural Earth 1:10m `afghan_border` layer.
"""

import json
import os
import random
import sys


def points(n, path):
    rnd = random.Random(20240611 + n)
    with open(path, "w", encoding="utf-8") as f:
        f.write('{"type":"FeatureCollection","name":"exercises","features":[\n')
        for i in range(n):
            lon = round(46 + 42 * rnd.random(), 6)
            lat = round(29 + 27 * rnd.random(), 6)
            feat = {
                "type": "Feature",
                "id": f"pt-{i:07d}",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "name": f"Exercise {i}",
                    "year": 2000 + i % 25,
                    "score": round(rnd.random(), 3),
                    "multinational": i % 7 == 0,
                    "start_date": f"{2000 + i % 25}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                    # Three days later, within the month (an end before its start is
                    # refused, as every reader refuses it).
                    "end_date": f"{2000 + i % 25}-{1 + i % 12:02d}-{1 + min(i % 28 + 3, 27):02d}",
                },
            }
            f.write(("," if i else "") + json.dumps(feat, separators=(",", ":")) + "\n")
        f.write("]}\n")


# Rough course of the Afghan border, west to east, split into six segments.
SEGMENTS = {
    "IR-AF": [(60.85, 29.86), (61.0, 31.0), (60.85, 32.5), (60.55, 33.6), (60.9, 34.3), (61.25, 35.6)],
    "TM-AF": [(61.25, 35.6), (62.3, 35.2), (63.1, 35.85), (64.5, 36.3), (65.6, 37.3), (66.5, 37.35)],
    "UZ-AF": [(66.5, 37.35), (67.0, 37.35), (67.5, 37.25), (67.8, 37.18)],
    "TJ-AF": [(67.8, 37.18), (68.3, 37.1), (68.9, 37.33), (69.5, 37.58), (70.2, 37.93), (71.0, 38.45),
              (71.6, 37.9), (72.65, 37.02), (74.9, 37.24)],
    "CN-AF": [(74.9, 37.24), (74.6, 37.05)],
    "PK-AF": [(74.6, 37.05), (71.5, 36.5), (71.1, 35.0), (70.0, 34.0), (69.5, 33.0), (68.0, 31.8),
              (66.5, 30.0), (64.0, 29.4), (60.85, 29.86)],
}


def border(path):
    rnd = random.Random(7)
    total = sum(len(v) - 1 for v in SEGMENTS.values())
    per_leg = 3000 // total
    feats = []
    for name, way in SEGMENTS.items():
        coords = []
        for (x0, y0), (x1, y1) in zip(way, way[1:]):
            for k in range(per_leg):
                t = k / per_leg
                coords.append([round(x0 + (x1 - x0) * t + rnd.uniform(-0.01, 0.01), 6),
                               round(y0 + (y1 - y0) * t + rnd.uniform(-0.01, 0.01), 6)])
        coords.append(list(way[-1]))
        feats.append({"type": "Feature", "id": name, "geometry": {"type": "LineString", "coordinates": coords},
                      "properties": {"segment": name}})
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"type": "FeatureCollection", "name": "afghan_border", "features": feats}, f)


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    os.makedirs(out, exist_ok=True)
    p = os.path.join(out, f"points-{n}.geojson")
    if not os.path.exists(p):
        points(n, p + ".tmp")
        os.replace(p + ".tmp", p)
    b = os.path.join(out, "border.geojson")
    if not os.path.exists(b):
        border(b)
    print(p, b)


if __name__ == "__main__":
    main()
