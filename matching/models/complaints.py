"""Complaints and feedback from anyone about a public project (Mexico's *contraloría social*
had a complaints box on every site; Hashar's is a page).

Who filed it is not known: a complaint needs no account. Its `contact` is for the officer
who answers and is never published; nor is its text or photo, which people write as they
speak (names, addresses). The public sees its category, its dates, its status and the
officer's answer, which the officer writes for the public.
"""

import datetime
import secrets
import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..querysets import ComplaintQuerySet
from .base import audited

# 15 days to answer (DOMAIN "Works, oversight and complaints"), then escalation
ANSWER_WITHIN_DAYS = 15
# the tracking code's letters: no 0/O, 1/I/L, which people misread when they copy it
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_GROUPS, CODE_GROUP_LENGTH = 3, 4  # 12 letters of 31: about 59 bits, not guessable
TEXT_MAX = 2000
CONTACT_MAX = 200


class ComplaintCategory(models.TextChoices):
    WORKS_NOT_DONE = "works_not_done", _("Works not done")
    QUALITY = "quality", _("Quality of the works")
    MONEY = "money", _("Use of the money")
    CONDUCT = "conduct", _("Conduct of officials or contractors")
    OTHER = "other", _("Other, or feedback")


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("Waiting for an answer")
    ANSWERED = "answered", _("Answered")


def new_code() -> str:
    letters = "".join(secrets.choice(CODE_ALPHABET)
                      for _ in range(CODE_GROUPS * CODE_GROUP_LENGTH))
    return "-".join(letters[i:i + CODE_GROUP_LENGTH]
                    for i in range(0, len(letters), CODE_GROUP_LENGTH))


def normalise_code(typed: str) -> str:
    """A code as people type it (lower case, spaces, no dashes) in its stored form, or ""."""
    letters = "".join(c for c in (typed or "").upper() if c.isalnum())
    if len(letters) != CODE_GROUPS * CODE_GROUP_LENGTH or any(
            c not in CODE_ALPHABET for c in letters):
        return ""
    return "-".join(letters[i:i + CODE_GROUP_LENGTH]
                    for i in range(0, len(letters), CODE_GROUP_LENGTH))


def photo_path(instance, filename):
    # our own name, never the sender's
    suffix = filename.rsplit(".", 1)[-1].lower()[:5] if "." in filename else "bin"
    return f"complaints/{instance.project_id}/{uuid.uuid4().hex}.{suffix}"


@audited()
class Complaint(models.Model):
    project = models.ForeignKey("matching.Project", models.PROTECT, related_name="complaints",
                                verbose_name=_("project"))
    code = models.CharField(_("tracking code"), max_length=20, unique=True, default=new_code,
                            editable=False)
    category = models.CharField(_("category"), max_length=20, choices=ComplaintCategory.choices)
    text = models.TextField(_("what happened"), max_length=TEXT_MAX)
    photo = models.FileField(_("photo"), upload_to=photo_path, blank=True)
    # personal data: for the officer only, never on a public page, export or API answer
    contact = models.CharField(_("contact"), max_length=CONTACT_MAX, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=ComplaintStatus.choices,
                              default=ComplaintStatus.RECEIVED)
    filed_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey("matching.User", models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("answered by"))

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        ordering = ["-filed_at", "-id"]
        verbose_name = _("complaint")
        indexes = [
            models.Index(fields=["project", "filed_at"], name="complaint_project_filed"),
            # the planner's and the officer's "waiting for an answer"
            models.Index(fields=["filed_at"], name="complaint_waiting",
                         condition=Q(status="received")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="received", answered_at__isnull=True, answer="")
                | (Q(status="answered", answered_at__isnull=False) & ~Q(answer="")),
                name="complaint_answered_has_answer"),
        ]

    def __str__(self):
        return f"{self.code} ({self.project_id})"

    @property
    def filed_on(self) -> datetime.date:
        return timezone.localdate(self.filed_at)

    @property
    def due_on(self) -> datetime.date:
        """The last day of its 15 days to be answered."""
        return self.filed_on + datetime.timedelta(days=ANSWER_WITHIN_DAYS)

    @property
    def days_to_answer(self) -> int | None:
        if self.answered_at is None:
            return None
        return (timezone.localdate(self.answered_at) - self.filed_on).days

    def late_on(self, today: datetime.date) -> bool:
        """Answered after its due day, or still waiting past it."""
        if self.answered_at is not None:
            return timezone.localdate(self.answered_at) > self.due_on
        return today > self.due_on
