#!/usr/bin/env python3
"""Draws the six theme default thumbnails (runs without a picture) into
assets/theme-defaults/, named byte for byte as contract images.md §5 wants
(partly NFD-decomposed Hangul: only 산 has a precomposed 본).

Simple flat graphics of our own (sky, ground and one motif per theme), 768x512
PNG, standard library only. Re-running it rewrites identical files.
"""
import math
import os
import struct
import sys
import zlib
from urllib.parse import unquote

W, H = 768, 512

# Percent-encoded names exactly as in the contract (decoded to the stored key).
NAMES = {
    "산": "%E1%84%80%E1%85%B5%EB%B3%B8%EC%8D%B8%EB%84%A4%EC%9D%BC_%E1%84%89%E1%85%A1%E1%86%AB.png",
    "도시": "%E1%84%80%E1%85%B5%E1%84%87%E1%85%A9%E1%86%AB%EC%8D%B8%EB%84%A4%EC%9D%BC_%E1%84%83%E1%85%A9%E1%84%89%E1%85%B5.png",
    "강변": "%E1%84%80%E1%85%B5%E1%84%87%E1%85%A9%E1%86%AB%EC%8D%B8%EB%84%A4%EC%9D%BC_%E1%84%80%E1%85%A1%E1%86%BC%E1%84%87%E1%85%A7%E1%86%AB.png",
    "해변": "%E1%84%80%E1%85%B5%E1%84%87%E1%85%A9%E1%86%AB%EC%8D%B8%EB%84%A4%EC%9D%BC_%E1%84%92%E1%85%A2%E1%84%87%E1%85%A7%E1%86%AB.png",
    "공원": "%E1%84%80%E1%85%B5%E1%84%87%E1%85%A9%E1%86%AB%EC%8D%B8%EB%84%A4%EC%9D%BC_%E1%84%80%E1%85%A9%E1%86%BC%E1%84%8B%E1%85%AF%E1%86%AB.png",
    "트랙": "%E1%84%80%E1%85%B5%E1%84%87%E1%85%A9%E1%86%AB%EC%8D%B8%EB%84%A4%EC%9D%BC_%E1%84%90%E1%85%B3%E1%84%85%E1%85%A2%E1%86%A8.png",
}


def sky(y, top, bottom):
    t = y / H
    return tuple(round(a + (b - a) * t) for a, b in zip(top, bottom))


def mountain(x, y):
    peaks = [(220, 150, 260), (470, 110, 300), (660, 190, 220)]
    for px, py, half in peaks:
        if y >= py + abs(x - px) * (H - py) / half and y > py:
            snow = y < py + 40 - abs(x - px) * 0.3
            return (245, 245, 250) if snow else (70, 110, 80)
    return None


def city(x, y):
    blocks = [(40, 140, 230), (150, 230, 160), (250, 330, 260), (350, 420, 120),
              (440, 520, 200), (540, 600, 90), (620, 730, 180)]
    for x0, x1, top in blocks:
        if x0 <= x < x1 and y >= top:
            window = (x - x0) % 24 < 10 and (y - top) % 30 < 14 and y < H - 40
            return (250, 220, 120) if window else (60, 70, 95)
    return None


def river(x, y):
    bank = 300 + 20 * math.sin(x / 60)
    if y < bank:
        return None
    band = 360 + 25 * math.sin(x / 90 + 1)
    if abs(y - band) < 45:
        return (70, 140, 210) if (int(x / 14 + y / 7) % 9) else (200, 230, 250)
    return (100, 170, 90)


def beach(x, y):
    if math.hypot(x - 600, y - 120) < 55:
        return (255, 200, 70)
    sea = 280 + 8 * math.sin(x / 25)
    sand = 400 - 30 * math.sin(x / 200)
    if y >= sand:
        return (235, 210, 160)
    if y >= sea:
        return (40, 120, 190)
    return None


def park(x, y):
    if y >= 360:
        return (90, 160, 80) if abs(y - 430 - (x - 384) * 0.1) > 14 else (200, 180, 140)
    for tx in (130, 300, 500, 660):
        if abs(x - tx) < 10 and y > 290:
            return (110, 80, 50)
        if math.hypot(x - tx, y - 250) < 70:
            return (50, 130, 60)
    return None


def track(x, y):
    if y < 220:
        return None
    dx, dy = (x - 384) / 330, (y - 370) / 120
    r = math.hypot(dx, dy)
    if 0.78 < r < 1.0:
        lane = int((r - 0.78) / 0.055)
        return (255, 255, 255) if abs((r - 0.78) - lane * 0.055) < 0.006 else (200, 80, 60)
    return (80, 160, 90)


THEMES = [
    ("산", mountain, (150, 200, 240), (220, 235, 250)),
    ("도시", city, (250, 170, 120), (120, 110, 170)),
    ("강변", river, (170, 215, 245), (230, 240, 250)),
    ("해변", beach, (120, 190, 240), (210, 235, 250)),
    ("공원", park, (180, 220, 250), (235, 245, 250)),
    ("트랙", track, (140, 190, 235), (225, 235, 245)),
]


def png(pixels):
    raw = b"".join(b"\x00" + bytes(row) for row in pixels)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "assets", "theme-defaults")
    os.makedirs(out, exist_ok=True)
    for thema, draw, top, bottom in THEMES:
        rows = []
        for y in range(H):
            row = []
            for x in range(W):
                row.extend(draw(x, y) or sky(y, top, bottom))
            rows.append(row)
        name = unquote(NAMES[thema])  # NFD bytes kept as they are: no normalisation
        with open(os.path.join(out, name), "wb") as f:
            f.write(png(rows))
        print(thema, name.encode().hex()[:24], "...")


if __name__ == "__main__":
    main()
