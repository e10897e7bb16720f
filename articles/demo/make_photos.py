"""Draw the demo photographs (procedural landscapes) and write them with EXIF and a GPS position.

    .venv/bin/python -m articles.demo.make_photos      # rewrites articles/demo/photos/*.jpg

The pictures are drawn by this script (no outside source): © Newsroom, CC0 1.0. Their EXIF carries a
camera model and a GPS position on purpose, so the demo shows that none of it survives an upload.
Deterministic (seeded), so running it again gives the same files.
"""

import math
import random
from pathlib import Path

from PIL import ExifTags, Image, ImageDraw, ImageFilter

OUT = Path(__file__).resolve().parent / "photos"
SIZE = (1600, 900)


def dms(value):
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60, 2)
    return (float(degrees), float(minutes), float(seconds))


def exif_with_gps(lat, lon):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Newsroom"
    exif[ExifTags.Base.Model] = "Appareil de démonstration"
    exif[ExifTags.Base.Artist] = "Photographe de démonstration"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N" if lat >= 0 else "S",
        ExifTags.GPS.GPSLatitude: dms(lat),
        ExifTags.GPS.GPSLongitudeRef: "E" if lon >= 0 else "W",
        ExifTags.GPS.GPSLongitude: dms(lon),
    }
    return exif


def sky(draw, top, bottom, horizon):
    for y in range(horizon):
        t = y / max(horizon - 1, 1)
        draw.line([(0, y), (SIZE[0], y)], fill=tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))


def ridge(draw, rng, base, amplitude, colour, roughness=6):
    points = [(0, SIZE[1])]
    phases = [rng.uniform(0, 6.28) for _ in range(roughness)]
    for x in range(0, SIZE[0] + 20, 20):
        y = base - sum(amplitude / (i + 1) * math.sin(x / (180 / (i + 1)) + phases[i]) for i in range(roughness))
        points.append((x, y))
    points.append((SIZE[0], SIZE[1]))
    draw.polygon(points, fill=colour)


def ground(draw, top, bottom, horizon):
    for y in range(horizon, SIZE[1]):
        t = (y - horizon) / max(SIZE[1] - horizon - 1, 1)
        draw.line([(0, y), (SIZE[0], y)], fill=tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))


def mountains(rng):
    picture = Image.new("RGB", SIZE)
    draw = ImageDraw.Draw(picture)
    sky(draw, (88, 140, 200), (200, 222, 240), 560)
    ridge(draw, rng, 420, 140, (150, 165, 190))
    ridge(draw, rng, 500, 90, (95, 110, 135))
    ground(draw, (70, 120, 160), (40, 80, 120), 600)  # a lake
    ridge(draw, rng, 700, 40, (60, 95, 60))
    return picture


def steppe(rng):
    picture = Image.new("RGB", SIZE)
    draw = ImageDraw.Draw(picture)
    sky(draw, (120, 170, 220), (235, 225, 200), 520)
    ground(draw, (190, 175, 110), (140, 120, 70), 520)
    for _ in range(5):  # yurts
        x, y = rng.randint(200, 1400), rng.randint(600, 760)
        draw.ellipse([x, y - 70, x + 140, y + 10], fill=(245, 240, 230))
        draw.rectangle([x, y - 30, x + 140, y + 20], fill=(245, 240, 230))
        draw.rectangle([x + 55, y - 15, x + 85, y + 20], fill=(150, 60, 40))
    draw.ellipse([1250, 90, 1370, 210], fill=(255, 236, 160))
    return picture


def city(rng):
    picture = Image.new("RGB", SIZE)
    draw = ImageDraw.Draw(picture)
    sky(draw, (40, 80, 150), (240, 170, 110), 640)
    ground(draw, (200, 180, 150), (170, 150, 120), 640)
    for x0 in (250, 650, 1050):  # three madrasas, domes in turquoise
        draw.rectangle([x0, 330, x0 + 300, 640], fill=(205, 170, 120))
        draw.rectangle([x0 + 100, 420, x0 + 200, 640], fill=(40, 90, 140))
        draw.ellipse([x0 + 80, 230, x0 + 220, 380], fill=(40, 170, 180))
        for mx in (x0 - 20, x0 + 300):
            draw.rectangle([mx, 200, mx + 20, 640], fill=(190, 150, 100))
    return picture


def desert(rng):
    picture = Image.new("RGB", SIZE)
    draw = ImageDraw.Draw(picture)
    sky(draw, (150, 190, 230), (250, 230, 190), 470)
    ridge(draw, rng, 520, 60, (225, 185, 120), roughness=3)
    ridge(draw, rng, 650, 50, (205, 160, 95), roughness=3)
    ridge(draw, rng, 780, 40, (185, 140, 80), roughness=3)
    draw.line([(0, 610), (1600, 560)], fill=(90, 90, 90), width=10)  # a pipeline
    return picture


def dam(rng):
    picture = Image.new("RGB", SIZE)
    draw = ImageDraw.Draw(picture)
    sky(draw, (110, 150, 200), (215, 225, 235), 400)
    ridge(draw, rng, 380, 120, (120, 110, 95))
    draw.polygon([(500, 300), (1100, 300), (1180, 900), (420, 900)], fill=(170, 170, 165))
    ground(draw, (60, 110, 140), (40, 90, 120), 820)
    return picture


PHOTOS = {
    "montagnes-issyk-koul.jpg": (mountains, 42.45, 77.25),
    "steppe-yourtes.jpg": (steppe, 41.87, 75.12),
    "registan-samarcande.jpg": (city, 39.6547, 66.9758),
    "desert-gazoduc.jpg": (desert, 37.95, 58.38),
    "barrage-rogoun.jpg": (dam, 38.72, 69.79),
}


def main():
    OUT.mkdir(exist_ok=True)
    for index, (name, (draw, lat, lon)) in enumerate(sorted(PHOTOS.items())):
        picture = draw(random.Random(index)).filter(ImageFilter.GaussianBlur(1.2))
        picture.save(OUT / name, "JPEG", quality=70, optimize=True, exif=exif_with_gps(lat, lon))
        print(OUT / name, (OUT / name).stat().st_size)


if __name__ == "__main__":
    main()
