"""Real photos made with Pillow, with the EXIF a phone writes (capture time, GPS position):
for the demo programme and for the tests of matching/photos.py."""

import datetime
import io
from fractions import Fraction

from PIL import ExifTags, Image

DATETIME_ORIGINAL, OFFSET_ORIGINAL = 0x9003, 0x9011


def _dms(value: float) -> tuple[float, float, float]:
    """Degrees, minutes and seconds as EXIF rationals."""
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = Fraction((value - degrees - minutes / 60) * 3600).limit_denominator(10000)
    return (float(degrees), float(minutes), float(seconds))


def photo(fmt: str = "JPEG", *, taken_at: datetime.datetime | None = None,
          position: tuple[float, float] | None = None, size=(640, 480),
          colour=(70, 130, 90)) -> bytes:
    """An image of `size` in `fmt` (JPEG, PNG or WEBP); with EXIF when `taken_at` or
    `position` are given (a PNG made here carries none)."""
    image = Image.new("RGB", size, colour)
    for x in range(0, size[0], 40):  # some structure, so that it is not a flat colour
        image.paste((x % 255, 200, 120), (x, 0, x + 8, size[1]))
    exif = Image.Exif()
    if taken_at is not None:
        details = exif.get_ifd(ExifTags.IFD.Exif)
        details[DATETIME_ORIGINAL] = taken_at.strftime("%Y:%m:%d %H:%M:%S")
        if taken_at.utcoffset() is not None:
            offset = taken_at.strftime("%z")
            details[OFFSET_ORIGINAL] = f"{offset[:3]}:{offset[3:]}"
    if position is not None:
        latitude, longitude = position
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[1], gps[2] = ("N" if latitude >= 0 else "S"), _dms(latitude)
        gps[3], gps[4] = ("E" if longitude >= 0 else "W"), _dms(longitude)
    out = io.BytesIO()
    options = {"exif": exif} if (taken_at or position) else {}
    image.save(out, format=fmt, **options)
    return out.getvalue()
