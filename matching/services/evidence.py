"""Storing an uploaded file as evidence of a project: checked, and for a photo with its
thumbnail, its copy without metadata and what its EXIF says (matching/photos.py)."""

import contextlib

from django.utils.translation import gettext as _

from .. import photos
from ..errors import InvalidInput
from ..models import Evidence, EvidenceKind, Project
from ..uploads import validate_upload


def check_photo(upload, *, field: str, project: Project) -> photos.Photo:
    """A photo of the works: an image, decoded (refused otherwise), read before anything is
    stored so that a bad one refuses the whole request."""
    validate_upload(upload, field=field)
    if not photos.is_image(upload.name):
        raise InvalidInput(_("Upload photos: JPEG, PNG or WebP."), field=field)
    return photos.read(upload, field=field, zone=_zone(project))


def _zone(project: Project) -> str | None:
    try:
        return project.mahalla.district.region.country.timezone
    except AttributeError:
        return None


def check_file(upload, *, field: str, project: Project) -> photos.Photo | None:
    """Any evidence file: a PDF as it is, an image decoded like a photo."""
    validate_upload(upload, field=field)
    if photos.is_image(upload.name):
        return photos.read(upload, field=field, zone=_zone(project))
    return None


def store(*, project: Project, actor, kind: str, upload, photo: photos.Photo | None,
          description: str = "", quantity: str = "", report=None) -> Evidence:
    """Save a checked upload (and its copies) as an Evidence row."""
    if kind not in EvidenceKind.values:
        raise InvalidInput(_("Unknown kind of evidence."), field="kind")
    evidence = Evidence(project=project, kind=kind, file=upload, uploaded_by=actor,
                        description=description[:300], quantity=quantity[:100],
                        progress_report=report)
    if photo is not None:
        evidence.thumbnail = photo.thumbnail
        evidence.public_copy = photo.public_copy
        evidence.taken_at = photo.taken_at
        evidence.latitude, evidence.longitude = photo.latitude, photo.longitude
    evidence.save()
    return evidence


def remove_files(evidence: Evidence) -> None:
    """Delete the stored file and its copies (of a row that is being rolled back)."""
    for field in (evidence.file, evidence.thumbnail, evidence.public_copy):
        if field:
            field.storage.delete(field.name)


@contextlib.contextmanager
def files_removed_on_failure(stored: list[Evidence]):
    """Files are written when their row is saved; a refusal or a crash after that rolls the
    rows back but not the files: remove them too."""
    try:
        yield
    except BaseException:
        for evidence in stored:
            remove_files(evidence)
        raise
