#!/usr/bin/env python3
"""Print one line of JSON about a PMTiles archive: its size, tile count, largest tile as
stored, and the features in the zoom-0 tile (all layers), decoded with the PyPI `pmtiles`
and `mapbox-vector-tile` readers (tests/tools/requirements-tiles.txt).

    archive_stats.py ARCHIVE.pmtiles
"""

import gzip
import json
import os
import sys

import mapbox_vector_tile
from pmtiles.reader import MmapSource, all_tiles


def main(path):
    tiles = largest = z0 = 0
    with open(path, "r+b") as f:
        for (z, _x, _y), data in all_tiles(MmapSource(f)):
            tiles += 1
            largest = max(largest, len(data))
            if z == 0:
                raw = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
                z0 = sum(len(l["features"]) for l in mapbox_vector_tile.decode(raw).values())
    print(json.dumps({"bytes": os.path.getsize(path), "tiles": tiles,
                      "largest_tile": largest, "z0_features": z0}))


if __name__ == "__main__":
    main(sys.argv[1])
