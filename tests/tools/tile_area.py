"""Area check of a tiled polygon layer, read with independent readers (pmtiles,
mapbox-vector-tile, shapely).

    python3 tile_area.py ARCHIVE LAYER INPUT.geojson

For every zoom of the archive, adds up the area the layer's polygons cover in the tiles
(each tile clipped to its own square, without its buffer) and prints it as a share of the
input's Web Mercator area (the input made valid by GEOS): one line `zZ RATIO` per zoom.
"""
import gzip
import json
import math
import sys
from collections import defaultdict

import mapbox_vector_tile
import shapely
from pmtiles.reader import MmapSource, Reader, all_tiles
from shapely.geometry import box, shape
from shapely.ops import transform

LAT = 85.0511287798066


def mercator(lon, lat, z=None):
    s = math.sin(math.radians(max(-LAT, min(LAT, lat))))
    return ((lon + 180) / 360, 0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi))


def main():
    archive, layer, fixture = sys.argv[1:4]
    with open(fixture, encoding="utf-8") as f:
        features = json.load(f)["features"]
    want = sum(
        shapely.make_valid(transform(mercator, shape(ft["geometry"]))).area
        for ft in features
        if ft.get("geometry") and ft["geometry"]["type"] in ("Polygon", "MultiPolygon")
    )
    got = defaultdict(float)
    with open(archive, "rb") as f:
        source = MmapSource(f)
        header = Reader(source).header()
        for (z, _x, _y), data in all_tiles(source):
            tile = mapbox_vector_tile.decode(
                gzip.decompress(data), default_options={"y_coord_down": True}
            )
            for ft in tile.get(layer, {}).get("features", []):
                geom = shape(ft["geometry"])
                covered = geom.intersection(box(0, 0, 4096, 4096)).area
                got[z] += covered / (4096 * 4096) / 4**z
    for z in range(header["min_zoom"], header["max_zoom"] + 1):
        print(f"z{z} {got[z] / want:.4f}")


if __name__ == "__main__":
    main()
