#!/usr/bin/env python3
"""Independent check of drillmap's distances to the Afghan border.

Reads a border layer (GeoJSON, any LineString/MultiLineString features), densifies every
segment to a vertex at least every 100 m and prints, for each LON,LAT argument, the smallest
haversine distance in km (mean Earth radius 6371.0088 km) to any vertex. Brute force and
standard library only: it shares no code or algorithm with drillmap's closest-point search.

Usage: border_distances.py LAYER.geojson LON,LAT [LON,LAT ...]
"""
import json
import math
import sys

R_KM = 6371.0088


def haversine(a, b):
    lon1, lat1, lon2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * R_KM * math.asin(math.sqrt(h))


def main():
    layer = json.load(open(sys.argv[1]))
    lines = []
    for f in layer["features"]:
        g = f["geometry"]
        lines += [g["coordinates"]] if g["type"] == "LineString" else g["coordinates"]
    vertices = []
    for line in lines:
        for a, b in zip(line, line[1:]):
            n = max(1, math.ceil(haversine(a, b) / 0.1))
            vertices += [(a[0] + (b[0] - a[0]) * i / n, a[1] + (b[1] - a[1]) * i / n) for i in range(n)]
        vertices.append(tuple(line[-1]))
    for arg in sys.argv[2:]:
        p = tuple(map(float, arg.split(",")))
        print(f"{min(haversine(p, q) for q in vertices):.4f}")


if __name__ == "__main__":
    main()
