"""Photos of the works: a thumbnail and a copy without the file's metadata (Pillow), the
capture date and place read from EXIF, and the checks that flag a photo to the officer.

The original upload keeps its EXIF (it is the evidence, shown to those whose scope covers the
project); the public only ever gets the copy, so that no position leaves the system. The
capture place is compared with the mahalla's position, the capture date with the date of the
report the photo belongs to (or of its upload): a photo much older than its report, or taken
far away, is shown to the officer with the reason. The limits are settings
(PHOTO_MAX_AGE_DAYS, PHOTO_MAX_DISTANCE_KM).
"""

from __future__ import annotations

import datetime
import io
import math
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from .errors import InvalidInput

IMAGE_FORMATS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}
THUMBNAIL_SIZE = (320, 320)
PUBLIC_SIZE = (1600, 1600)
# far below Pillow's own bomb limit: a phone photo has 12 to 50 million pixels
MAX_PIXELS = 60_000_000
EARTH_RADIUS_KM = 6371.0088

# EXIF tags (ExifTags.Base) and GPS tags (ExifTags.GPS)
DATETIME, DATETIME_ORIGINAL, OFFSET_ORIGINAL = 0x0132, 0x9003, 0x9011
GPS_LAT_REF, GPS_LAT, GPS_LON_REF, GPS_LON = 1, 2, 3, 4


@dataclass
class Photo:
    thumbnail: ContentFile
    public_copy: ContentFile
    taken_at: datetime.datetime | None
    latitude: Decimal | None
    longitude: Decimal | None


def is_image(name: str) -> bool:
    return name.rsplit(".", 1)[-1].lower() in IMAGE_FORMATS if "." in name else False


def read(upload, *, field: str, zone: str | None = None) -> Photo:
    """Decode the upload (refused when it is not a whole image of its type), read its
    capture time and position, and make its thumbnail and public copy. A capture time
    without an offset is read in `zone` (where the mahalla is)."""
    expected = IMAGE_FORMATS.get(upload.name.rsplit(".", 1)[-1].lower())
    unreadable = InvalidInput(_("The image cannot be read: upload a whole JPEG, PNG or WebP "
                                "photo."), field=field)
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            if image.format != expected:
                raise InvalidInput(_("The file's content does not match its type."),
                                   field=field)
            if image.width * image.height > MAX_PIXELS:
                raise InvalidInput(_("The image is too large: at most %(n)s million pixels.")
                                   % {"n": MAX_PIXELS // 1_000_000}, field=field)
            image.load()  # a truncated or corrupt file fails here, not in a later request
            exif = image.getexif()
            taken_at = _taken_at(exif, zone)
            latitude, longitude = _position(exif)
            upright = ImageOps.exif_transpose(image)
            thumbnail = _encode(upright, THUMBNAIL_SIZE, "JPEG")
            public_copy = _encode(upright, PUBLIC_SIZE, image.format)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError,
            ValueError, EOFError):
        raise unreadable from None
    finally:
        upload.seek(0)
    suffix = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
    return Photo(thumbnail=ContentFile(thumbnail, name="thumbnail.jpg"),
                 public_copy=ContentFile(public_copy, name=f"photo.{suffix[image.format]}"),
                 taken_at=taken_at, latitude=latitude, longitude=longitude)


def _encode(image: Image.Image, size: tuple[int, int], fmt: str) -> bytes:
    """A resized copy with no metadata at all: only the pixels are carried over."""
    copy = image.copy()
    copy.thumbnail(size)
    if fmt == "JPEG" and copy.mode not in ("RGB", "L"):
        rgba = copy.convert("RGBA")
        copy = Image.new("RGB", rgba.size, "white")
        copy.paste(rgba, mask=rgba.getchannel("A"))
    clean = Image.new(copy.mode, copy.size)
    clean.paste(copy)
    if copy.mode == "P":
        clean.putpalette(copy.getpalette())
    out = io.BytesIO()
    options = {"quality": 82} if fmt in ("JPEG", "WEBP") else {}
    clean.save(out, format=fmt, **options)
    return out.getvalue()


def _taken_at(exif, zone: str | None) -> datetime.datetime | None:
    details = exif.get_ifd(ExifTags.IFD.Exif)
    raw = details.get(DATETIME_ORIGINAL) or exif.get(DATETIME)
    if not isinstance(raw, str):
        return None
    try:
        naive = datetime.datetime.strptime(raw.strip().rstrip("\x00")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:  # "0000:00:00 00:00:00" and other blanks of cameras without a clock
        return None
    offset = details.get(OFFSET_ORIGINAL)
    if isinstance(offset, str):
        try:
            return datetime.datetime.fromisoformat(naive.isoformat() + offset.strip())
        except ValueError:
            pass
    try:
        tz = zoneinfo.ZoneInfo(zone) if zone else timezone.get_current_timezone()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = timezone.get_current_timezone()
    return timezone.make_aware(naive, tz)


def _degrees(value, ref) -> float | None:
    try:
        degrees, minutes, seconds = (float(part) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    result = degrees + minutes / 60 + seconds / 3600
    if not math.isfinite(result):
        return None
    return -result if str(ref).strip().upper() in ("S", "W") else result


def _position(exif) -> tuple[Decimal | None, Decimal | None]:
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    if not gps:
        return None, None
    latitude = _degrees(gps.get(GPS_LAT), gps.get(GPS_LAT_REF))
    longitude = _degrees(gps.get(GPS_LON), gps.get(GPS_LON_REF))
    if latitude is None or longitude is None or abs(latitude) > 90 or abs(longitude) > 180:
        return None, None
    return Decimal(f"{latitude:.6f}"), Decimal(f"{longitude:.6f}")


def distance_km(lat1, lon1, lat2, lon2) -> float:
    """Great-circle distance (haversine): accurate to well under the limits it checks."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lon2) - float(lon1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))


def flags(evidence, *, mahalla) -> list[str]:
    """Why the officer should look twice at this photo, in words (empty when nothing is
    odd). The photo's date is compared with its report's date, or its upload's."""
    problems = []
    report = evidence.progress_report
    if evidence.taken_at is not None:
        taken = timezone.localdate(evidence.taken_at)
        if report is not None:
            days = (report.reported_on - taken).days
            message = _("Taken on %(date)s, %(days)s days before its report.")
        else:
            days = (timezone.localdate(evidence.uploaded_at) - taken).days
            message = _("Taken on %(date)s, %(days)s days before it was uploaded.")
        if days > settings.PHOTO_MAX_AGE_DAYS:
            problems.append(message % {"date": formats.date_format(taken, "DATE_FORMAT"),
                                       "days": days})
    if (evidence.latitude is not None and evidence.longitude is not None
            and mahalla.latitude is not None and mahalla.longitude is not None):
        km = distance_km(evidence.latitude, evidence.longitude, mahalla.latitude,
                         mahalla.longitude)
        if km > settings.PHOTO_MAX_DISTANCE_KM:
            problems.append(_("Taken %(km)s km from %(mahalla)s.") % {
                "km": formats.number_format(round(km, 1), decimal_pos=1, use_l10n=True),
                "mahalla": mahalla.name})
    return problems
