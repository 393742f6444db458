"""The outlines of the communes, drawn once for the map of the territory.

``seed/communes.geojson`` (a copy of ``../shared/reference/communes-caph.geojson``: WGS 84, one
Polygon per commune) is projected once, equirectangular at the territory's mean latitude (over
some 25 km wide the error is far below a pixel), simplified (Douglas-Peucker) and written as SVG
path data to ``data/communes-caph.svgpaths.json``, which the package ships and the pages read. Run
``python -m app.reference.geography`` after replacing the GeoJSON;
``tests/web/test_map.py`` fails while the committed file differs from what this produces.
"""

import json
import math
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any, TypedDict

DATA = Path(__file__).parent / "data" / "communes-caph.svgpaths.json"
SOURCE = Path(__file__).resolve().parents[2] / "seed" / "communes.geojson"
WIDTH = 1000.0  # the map's width in SVG units; its height follows the territory's shape
MARGIN = 4.0
TOLERANCE = 1.5  # SVG units (~ 40 m on the ground): how far a dropped point may lie

Point = tuple[float, float]


class Outline(TypedDict):
    name: str
    d: str


class Outlines(TypedDict):
    view_box: str
    communes: dict[str, Outline]


def simplify(points: Sequence[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker: the points of ``points`` kept so that none dropped lies farther than
    ``tolerance`` from the polyline kept (the first and last points always stay)."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = points[first], points[last]
        length = math.hypot(bx - ax, by - ay)
        farthest, distance = first, -1.0
        for i in range(first + 1, last):
            px, py = points[i]
            if length == 0:
                d = math.hypot(px - ax, py - ay)
            else:
                d = abs((bx - ax) * (ay - py) - (ax - px) * (by - ay)) / length
            if d > distance:
                farthest, distance = i, d
        if distance > tolerance:
            keep[farthest] = True
            stack += [(first, farthest), (farthest, last)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def _path(points: Sequence[Point]) -> str:
    cells = [f"{x:.1f},{y:.1f}" for x, y in points]
    return "M" + "L".join(cells) + "Z"


def build(geojson: dict[str, Any], *, tolerance: float = TOLERANCE) -> Outlines:
    """Every commune's outer ring projected into a ``WIDTH``-wide box, north up, simplified."""
    rings = {
        str(f["properties"]["code"]): (
            str(f["properties"]["nom"]),
            [(float(lon), float(lat)) for lon, lat, *_ in f["geometry"]["coordinates"][0]],
        )
        for f in geojson["features"]
    }
    lons = [lon for _, ring in rings.values() for lon, _ in ring]
    lats = [lat for _, ring in rings.values() for _, lat in ring]
    x_factor = math.cos(math.radians((min(lats) + max(lats)) / 2))
    scale = (WIDTH - 2 * MARGIN) / ((max(lons) - min(lons)) * x_factor)

    def project(lon: float, lat: float) -> Point:
        return (
            MARGIN + (lon - min(lons)) * x_factor * scale,
            MARGIN + (max(lats) - lat) * scale,
        )

    height = 2 * MARGIN + (max(lats) - min(lats)) * scale
    communes: dict[str, Outline] = {}
    for code in sorted(rings):
        name, ring = rings[code]
        projected = [project(lon, lat) for lon, lat in ring]
        if projected[0] == projected[-1]:
            projected = projected[:-1]
        communes[code] = {"name": name, "d": _path(simplify(projected, tolerance))}
    return {"view_box": f"0 0 {WIDTH:.0f} {math.ceil(height):.0f}", "communes": communes}


def render(outlines: Outlines) -> str:
    """The file's text: stable, one commune a line, for a readable diff."""
    return json.dumps(outlines, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


@cache
def outlines() -> Outlines:
    """The committed outlines (read once per process)."""
    loaded: Outlines = json.loads(DATA.read_text(encoding="utf-8"))
    return loaded


def main(argv: Sequence[str]) -> None:
    source = Path(argv[0]) if argv else SOURCE
    built = build(json.loads(source.read_text(encoding="utf-8")))
    DATA.write_text(render(built), encoding="utf-8")
    points = sum(o["d"].count("L") + 1 for o in built["communes"].values())
    print(f"{DATA.name}: {len(built['communes'])} communes, {points} points")


if __name__ == "__main__":
    main(sys.argv[1:])
