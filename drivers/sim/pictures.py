"""Pictures a simulated plate camera sends: a plate crop and a scene, as real JPEG files.

Real files (not placeholder bytes) so the demo, the record view and the documents show
what an operator would see: a plate in its colour with its characters, and a truck on the
lane with the camera's caption. Drawn with Pillow and the shipped CJK font.
"""

from __future__ import annotations

import io
import zlib
from functools import lru_cache
from importlib import resources

from PIL import Image, ImageDraw, ImageFont

# Plate backgrounds and characters by the internal plate colour name.
PLATE_COLOURS = {
    "blue": ((16, 72, 190), (255, 255, 255)),
    "yellow": ((250, 200, 20), (0, 0, 0)),
    "black": ((20, 20, 20), (255, 255, 255)),
    "white": ((245, 245, 245), (0, 0, 0)),
    "green": ((120, 200, 140), (0, 0, 0)),
    "yellow_green": ((170, 210, 60), (0, 0, 0)),
}


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        path = resources.files("paperang_p2_fonts_cjk") / "fonts" / "wqy-microhei.ttc"
        return ImageFont.truetype(str(path), size, index=0)
    except (ModuleNotFoundError, OSError):
        return ImageFont.load_default()


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def plate_picture(plate: str, colour: str) -> bytes:
    """A 240x76 plate crop."""
    background, ink = PLATE_COLOURS.get(colour.lower(), PLATE_COLOURS["yellow"])
    image = Image.new("RGB", (240, 76), background)
    draw = ImageDraw.Draw(image)
    draw.rectangle((3, 3, 236, 72), outline=ink, width=2)
    draw.text((120, 38), plate, font=_font(40), fill=ink, anchor="mm")
    return _jpeg(image)


def scene_picture(plate: str, caption: str, axles: int = 6) -> bytes:
    """A 640x360 scene: road, a truck with `axles` wheels, the camera's caption."""
    shade = zlib.crc32(plate.encode()) % 120
    image = Image.new("RGB", (640, 360), (96, 104, 112))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 640, 120), fill=(150, 180, 210))
    draw.rectangle((0, 300, 640, 310), fill=(230, 230, 230))
    body = (60 + shade, 90, 140 + shade)
    draw.rectangle((60, 150, 170, 260), fill=(200, 60, 40), outline=(30, 30, 30), width=2)
    draw.rectangle((180, 130, 590, 260), fill=body, outline=(30, 30, 30), width=2)
    step = 480 / max(axles, 2)
    for i in range(axles):
        x = 100 + i * step
        draw.ellipse((x - 22, 250, x + 22, 294), fill=(25, 25, 25))
    draw.rectangle((0, 0, 640, 28), fill=(0, 0, 0))
    draw.text((8, 4), f"{caption}  {plate}", font=_font(18), fill=(255, 255, 255))
    return _jpeg(image)
