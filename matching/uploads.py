"""Checks on uploaded proof and evidence: type by content, size, and a name we choose."""

from django.conf import settings
from django.utils.translation import gettext as _

from .errors import InvalidInput

# magic numbers of what clerks photograph or scan
SIGNATURES = {
    "pdf": [b"%PDF-"],
    "png": [b"\x89PNG\r\n\x1a\n"],
    "jpg": [b"\xff\xd8\xff"],
    "jpeg": [b"\xff\xd8\xff"],
    "webp": [b"RIFF"],
}


IMAGES = ("png", "jpg", "jpeg", "webp")


def validate_upload(upload, *, field: str, images_only: bool = False,
                    max_bytes: int | None = None) -> None:
    """Refuse what is not a PDF or an image (`images_only`: an image), what is larger than
    `max_bytes` (UPLOAD_MAX_BYTES by default), and names that try paths."""
    if upload is None:
        raise InvalidInput(_("Attach the document."), field=field)
    name = upload.name or ""
    if "/" in name or "\\" in name or ".." in name or "\x00" in name:
        raise InvalidInput(_("The file name is not acceptable."), field=field)
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if images_only and suffix not in IMAGES:
        raise InvalidInput(_("Upload a photo: a JPEG, PNG or WebP file."), field=field)
    if suffix not in SIGNATURES:
        raise InvalidInput(_("Upload a PDF, JPEG, PNG or WebP file."), field=field)
    max_bytes = max_bytes or settings.UPLOAD_MAX_BYTES
    if upload.size > max_bytes:
        raise InvalidInput(_("The file is larger than %(mb)s MB.") % {
            "mb": f"{round(max_bytes / (1024 * 1024), 1):g}"}, field=field)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(magic) for magic in SIGNATURES[suffix]):
        raise InvalidInput(_("The file's content does not match its type."), field=field)
