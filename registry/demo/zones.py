"""Demo zones (exchange.md, Geometry): a protection zone (保护范围) and a construction-control
zone (建设控制地带) for each generated district with a point, a small protection zone for one
building in ten.

Each ring is star-shaped around a centre: its vertices go round at strictly increasing angles,
less than 180 degrees apart, at distances between two bounds, so the ring cannot cross
itself and holds the disk of radius `low * cos(29 degrees)`. What lies inside it is built
within that disk (a hole, always CW) or well outside its outer bound (a MultiPolygon's second
part), and the control zone's disk holds the whole protection zone: valid by construction,
which tests/test_demo_generator.py checks with registry.zones.geometry.parse_zone on
thousands. The rings are drawn in metres east and north of the point, then turned into
degrees and rounded to 6 decimals (~0.1 m), as the exporter writes them back: exterior
counter-clockwise, holes clockwise (RFC 7946). Like everything here, shapes of no real place.
"""

import math

from .names import Rand

METRES_PER_DEGREE_LAT = 110_574.0
METRES_PER_DEGREE_LON = 111_320.0  # at the equator; times cos(latitude)
# A ring of n vertices has its angles at 2*pi/n steps, each moved by up to +-40 % of a step,
# so two neighbours are 0.2 to 1.8 steps apart: at most 130 degrees for the fewest vertices (5),
# 54 for 12 or more.
_JITTER = 0.8
BUILDING_SHARE = 0.10
HOLE_SHARE = 0.06
TWO_PARTS_SHARE = 0.05

Ring = list[list[float]]


def _inner_share(vertices: int) -> float:
    """How much of a star ring's lowest radius is certainly inside it: cos(widest gap / 2)."""
    widest = 2 * math.pi / vertices * (1 + _JITTER)
    return math.cos(widest / 2)


class ZoneDrawer:
    """Draws zones from its own random stream, so the records' other values do not move."""

    def __init__(self, r: Rand):
        self.r = r

    def _radii(self, vertices: int, low: float, high: float) -> list[tuple[float, float]]:
        """(angle, radius) pairs, angles increasing: a wavy outline between low and high."""
        r = self.r
        start = r() * 2 * math.pi
        waves = [(2 + int(r() * 4), r() * 2 * math.pi, r()) for _ in range(2)]
        weight = sum(w for _, _, w in waves) or 1.0
        out = []
        for i in range(vertices):
            angle = start + 2 * math.pi * (i + _JITTER * (r() - 0.5)) / vertices
            wave = sum(w * math.sin(k * angle + phase) for k, phase, w in waves) / weight
            share = 0.5 + 0.35 * wave + 0.15 * (r() - 0.5)  # within [0, 1]
            out.append((angle, low + (high - low) * share))
        return out

    def _ring(self, lat, lon, dx, dy, vertices, low, high, clockwise=False) -> Ring:
        """A closed ring around the point (lat, lon) moved dx, dy metres east and north."""
        per_lon = METRES_PER_DEGREE_LON * math.cos(math.radians(lat))
        ring = [
            [
                round(lon + (dx + radius * math.cos(angle)) / per_lon, 6),
                round(lat + (dy + radius * math.sin(angle)) / METRES_PER_DEGREE_LAT, 6),
            ]
            for angle, radius in self._radii(vertices, low, high)
        ]
        if clockwise:
            ring.reverse()
        ring.append(ring[0])
        return ring

    def district(self, lat: float, lon: float) -> tuple[dict, dict]:
        """(protection_zone, control_zone) around a district's point: a few hundred metres
        across, now and then with a hole or in two parts; the control zone holds it."""
        r = self.r
        vertices = 12 + int(r() * 29)
        high = 120 + r() * 230  # metres from the point
        low = high * (0.6 + r() * 0.15)
        shell = self._ring(lat, lon, 0, 0, vertices, low, high)
        # The disk of radius `safe` lies inside the shell whatever the draw.
        safe = low * _inner_share(vertices)
        polygon = [shell]
        roll = r()
        if roll < HOLE_SHARE:
            # A courtyard or pond left out: within 0.45 of the safe radius.
            angle, offset = r() * 2 * math.pi, safe * 0.2 * r()
            polygon.append(
                self._ring(
                    lat, lon, offset * math.cos(angle), offset * math.sin(angle),
                    6 + int(r() * 7), safe * 0.1, safe * 0.25, clockwise=True,
                )
            )  # fmt: skip
        reach = high  # how far from the point the protection zone goes
        if roll >= 1 - TWO_PARTS_SHARE:
            # A second, detached part (an outlying temple, a bridge) beyond the first.
            size = high * (0.25 + r() * 0.25)
            distance = high + size + 40 + r() * 150
            angle = r() * 2 * math.pi
            second = self._ring(
                lat, lon, distance * math.cos(angle), distance * math.sin(angle),
                8 + int(r() * 9), size * 0.6, size,
            )  # fmt: skip
            protection = {"type": "MultiPolygon", "coordinates": [polygon, [second]]}
            reach = distance + size
        else:
            protection = {"type": "Polygon", "coordinates": polygon}
        control = self._control(lat, lon, reach)
        return protection, control

    def _control(self, lat: float, lon: float, reach: float) -> dict:
        """A wider band all round: its certainly-inside disk is 1.25 to 2 times `reach`."""
        r = self.r
        vertices = 12 + int(r() * 25)
        low = reach * (1.25 + r() * 0.75) / _inner_share(vertices)
        high = low * (1.15 + r() * 0.35)
        return {"type": "Polygon", "coordinates": [self._ring(lat, lon, 0, 0, vertices, low, high)]}

    def building(self, lat: float | None, lon: float | None) -> dict | None:
        """One building in ten with a point: its plot, tens of metres across."""
        r = self.r
        if lat is None or r() >= BUILDING_SHARE:
            return None
        high = 8 + r() * 20
        ring = self._ring(lat, lon, 0, 0, 5 + int(r() * 8), high * 0.65, high)
        return {"type": "Polygon", "coordinates": [ring]}
