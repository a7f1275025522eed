"""Complaints: filed by anyone about a public project, answered by the district's officer.

Filing needs no account (`actor` is None for the anonymous public). What keeps a flood out is
the page's business, before it calls here (matching/web/complaints.py: per-address limits, a
honeypot, a minimum fill time); these services check what is filed and who answers.
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import outbox, policies
from ..errors import InvalidInput, NotAllowed
from ..models import Complaint, ComplaintCategory, ComplaintStatus, Project
from ..models.complaints import CONTACT_MAX, TEXT_MAX, new_code
from ..uploads import validate_upload
from .base import service

TEXT_MIN = 10
ANSWER_MAX = 4000
CODE_ATTEMPTS = 3


def photo_max_bytes() -> int:
    return getattr(settings, "COMPLAINT_PHOTO_MAX_BYTES", 5 * 1024 * 1024)


def _text(value: str, *, field: str, low: int, high: int, missing: str) -> str:
    value = (value or "").strip()
    if len(value) < low:
        raise InvalidInput(missing, field=field)
    if len(value) > high:
        raise InvalidInput(_("Keep it under %(n)s characters.") % {"n": high}, field=field)
    return value


@service
def complaint_file(*, actor, project: Project, category: str, text: str,
                   contact: str = "", photo=None) -> Complaint:
    """File a complaint about a public project; it gets a tracking code and goes to the
    officers of the project's district (outbox event `complaint.filed`). `actor` is None for
    the public, who file without an account."""
    if not Project.objects.public().filter(pk=project.pk).exists():
        raise NotAllowed(_("Complaints can be filed about public projects only."),
                         code="not_public")
    if category not in ComplaintCategory.values:
        raise InvalidInput(_("Choose what the complaint is about."), field="category")
    text = _text(text, field="text", low=TEXT_MIN, high=TEXT_MAX,
                 missing=_("Say what happened, in a few words at least."))
    contact = (contact or "").strip()
    if len(contact) > CONTACT_MAX:
        raise InvalidInput(_("Keep it under %(n)s characters.") % {"n": CONTACT_MAX},
                           field="contact")
    if photo is not None:
        validate_upload(photo, field="photo", images_only=True, max_bytes=photo_max_bytes())
    complaint = Complaint(project=project, category=category, text=text, contact=contact)
    if photo is not None:
        complaint.photo = photo
    for attempt in range(CODE_ATTEMPTS):
        try:
            with transaction.atomic():  # a savepoint: a code already taken is drawn again
                complaint.save()
            break
        except IntegrityError:
            if attempt == CODE_ATTEMPTS - 1:
                raise
            complaint.pk, complaint.code = None, new_code()
    outbox.emit("complaint.filed", project_id=project.pk, complaint_id=complaint.pk)
    return complaint


@service
def complaint_answer(*, actor, complaint: Complaint, answer: str) -> Complaint:
    """The officer's answer, published with the complaint's status (never its text, photo or
    contact). Once: a second answer to the same complaint is refused."""
    answer = _text(answer, field="answer", low=1, high=ANSWER_MAX,
                   missing=_("Write the answer: it is published."))
    policies.require(actor, "answer_complaint", complaint.project)
    # compare-and-swap: two officers answering at once, the second is told, not overwritten
    updated = Complaint.objects.filter(pk=complaint.pk, status=ComplaintStatus.RECEIVED).update(
        status=ComplaintStatus.ANSWERED, answer=answer, answered_at=timezone.now(),
        answered_by=actor)
    if not updated:
        raise NotAllowed(_("This complaint was already answered."), code="already_answered")
    complaint.refresh_from_db()
    return complaint
