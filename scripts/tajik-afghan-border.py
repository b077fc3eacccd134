#!/usr/bin/env python3
"""The point and radius of places.csv's `tajik-afghan-border` row, from the shipped boundaries.

The Tajikistan-Afghanistan boundary is the arcs Tajikistan (ISO 3166-1 762) and Afghanistan
(004) share in places/boundaries/countries-10m.json (Natural Earth 1:10m). The point is the
boundary's midpoint along its length (great-circle), moved to the nearest point 0.02 degrees
inside Tajikistan, so that it lies in the country the row is filed under; the radius is the
distance from it to the farthest boundary vertex, rounded up to 5 km.

Run with the test tools' Python (shapely): .tools/venv/bin/python scripts/tajik-afghan-border.py
"""
import json
import math
import pathlib

from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.ops import nearest_points

ROOT = pathlib.Path(__file__).resolve().parent.parent
topo = json.loads((ROOT / "places/boundaries/countries-10m.json").read_text())
(sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
arcs = []
for arc in topo["arcs"]:
    x = y = 0
    points = []
    for dx, dy in arc:
        x, y = x + dx, y + dy
        points.append((x * sx + tx, y * sy + ty))
    arcs.append(points)
countries = {g.get("id"): g for g in topo["objects"]["countries"]["geometries"]}


def arc_ids(geometry):
    out, stack = set(), [geometry["arcs"]]
    while stack:
        item = stack.pop()
        if isinstance(item, int):
            out.add(item if item >= 0 else ~item)
        else:
            stack.extend(item)
    return out


def ring(ids):
    points = []
    for i in ids:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def km(a, b):
    lat1, lon1, lat2, lon2 = map(math.radians, (a[1], a[0], b[1], b[0]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


shared = arc_ids(countries["762"]) & arc_ids(countries["004"])
assert len(shared) == 1, "the boundary is expected as one arc"
line = arcs[shared.pop()]
length = sum(km(a, b) for a, b in zip(line, line[1:]))
walked = 0.0
for a, b in zip(line, line[1:]):
    step = km(a, b)
    if walked + step >= length / 2:
        f = (length / 2 - walked) / step
        middle = (a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]))
        break
    walked += step
tj = countries["762"]
polygons = tj["arcs"] if tj["type"] == "MultiPolygon" else [tj["arcs"]]
tajikistan = MultiPolygon([Polygon(ring(p[0]), [ring(h) for h in p[1:]]) for p in polygons])
inside = nearest_points(tajikistan.buffer(-0.02), Point(middle))[0]
radius = max(km((inside.x, inside.y), v) for v in line)
print(f"boundary {length:.0f} km, {min(p[0] for p in line):.2f}-{max(p[0] for p in line):.2f} E")
print(f"midpoint lat {middle[1]:.5f} lon {middle[0]:.5f}")
print(f"point lat {inside.y:.5f} lon {inside.x:.5f} ({km(middle, (inside.x, inside.y)):.1f} km from the midpoint)")
print(f"radius {radius:.1f} km -> {5 * math.ceil(radius / 5)} km")
