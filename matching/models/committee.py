"""The selection committee of a call: its members and their declared interests, their
independent scores, and its sessions with attendance and votes.

Scores are final once submitted (the database refuses to change a submitted score), so a
member who sees the others' scores after submitting his own cannot revise his in their light.
A score annulled because an interest was declared later is kept, marked void, with the reason.
A session's attendance and votes change only until its minutes are published.
"""

import pgtrigger
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..querysets import ScoreSheetQuerySet
from .base import audited
from .calls import SCORE_MAX, parent_state_guard


@audited()
class CommitteeMember(models.Model):
    """A selection-committee member sitting on one call. `number` names him in the published
    minutes and results ("Member 2"): the public pages carry no personal names."""

    call = models.ForeignKey("matching.Call", models.PROTECT, related_name="members")
    user = models.ForeignKey("matching.User", models.PROTECT, related_name="committee_seats")
    number = models.PositiveSmallIntegerField(_("number"))
    added_by = models.ForeignKey("matching.User", models.PROTECT, related_name="+")
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        ordering = ["call", "number"]
        verbose_name = _("committee member")
        constraints = [
            models.UniqueConstraint(fields=["call", "user"], name="committee_member_once"),
            models.UniqueConstraint(fields=["call", "number"], name="committee_member_number"),
        ]

    def __str__(self):
        return f"{self.call_id}: {self.user}"

    @property
    def label(self) -> str:
        return _("Member %(n)s") % {"n": self.number}


@audited()
class Interest(models.Model):
    """A member's declared interest in a mahalla or an association: he scores and votes on
    none of their applications."""

    member = models.ForeignKey(CommitteeMember, models.PROTECT, related_name="interests")
    mahalla = models.ForeignKey("matching.Mahalla", models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("mahalla"))
    association = models.ForeignKey("matching.MigrantAssociation", models.PROTECT, null=True,
                                    blank=True, related_name="+",
                                    verbose_name=_("association"))
    note = models.CharField(_("what the interest is"), max_length=300)
    declared_at = models.DateTimeField(_("declared at"), auto_now_add=True)

    class Meta:
        ordering = ["member", "declared_at", "id"]
        verbose_name = _("declared interest")
        constraints = [
            models.CheckConstraint(condition=Q(mahalla__isnull=True, association__isnull=False)
                                   | Q(mahalla__isnull=False, association__isnull=True),
                                   name="interest_names_one_thing"),
        ]
        triggers = [pgtrigger.Protect(name="interest_append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self):
        return f"{self.member_id}: {self.mahalla_id or self.association_id}"


@audited(deletes=False)
class ScoreSheet(models.Model):
    """One member's scores of one application, submitted once."""

    application = models.ForeignKey("matching.Application", models.PROTECT,
                                    related_name="sheets")
    member = models.ForeignKey(CommitteeMember, models.PROTECT, related_name="sheets")
    comment = models.TextField(_("comment"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    voided_at = models.DateTimeField(_("void since"), null=True, blank=True)
    void_reason = models.TextField(_("why it is void"), blank=True)

    objects = ScoreSheetQuerySet.as_manager()

    class Meta:
        ordering = ["application", "member"]
        verbose_name = _("score sheet")
        constraints = [
            models.UniqueConstraint(fields=["application", "member"], name="score_sheet_once"),
            models.CheckConstraint(condition=Q(voided_at__isnull=True) | ~Q(void_reason=""),
                                   name="score_sheet_void_has_reason"),
        ]
        triggers = [
            pgtrigger.Protect(name="score_sheet_kept", operation=pgtrigger.Delete),
            # once submitted, only voiding may change it
            pgtrigger.Protect(name="score_sheet_final", operation=pgtrigger.Update,
                              condition=pgtrigger.AnyChange("application", "member", "comment",
                                                            "submitted_at")),
        ]

    def __str__(self):
        return f"{self.application_id} by {self.member_id}"


@audited(deletes=False)
class Score(models.Model):
    sheet = models.ForeignKey(ScoreSheet, models.PROTECT, related_name="scores")
    criterion = models.ForeignKey("matching.Criterion", models.PROTECT, related_name="scores")
    value = models.PositiveSmallIntegerField(_("score"))

    class Meta:
        ordering = ["sheet", "criterion__position"]
        verbose_name = _("score")
        constraints = [
            models.UniqueConstraint(fields=["sheet", "criterion"], name="score_once"),
            models.CheckConstraint(condition=Q(value__lte=SCORE_MAX), name="score_range"),
        ]
        triggers = [pgtrigger.Protect(name="score_append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self):
        return f"{self.sheet_id}:{self.criterion_id}={self.value}"


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held: minutes being written")
    PUBLISHED = "published", _("Minutes published")


@audited()
class CommitteeSession(models.Model):
    """A meeting of the call's committee: its date and place, who attended, the votes, and
    the minutes (generated from them, with the secretary's notes), published after it."""

    call = models.ForeignKey("matching.Call", models.PROTECT, related_name="sessions")
    number = models.PositiveSmallIntegerField(_("number"))
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200)
    status = models.CharField(_("status"), max_length=20, choices=SessionStatus.choices,
                              default=SessionStatus.SCHEDULED)
    notes = models.TextField(_("notes for the minutes"), blank=True,
                             help_text=_("What was discussed, in plain words; published."))
    quorum = models.PositiveSmallIntegerField(_("quorum"), help_text=_("Of the call, when "
                                                                       "the session was held."))
    created_by = models.ForeignKey("matching.User", models.PROTECT, related_name="+")
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey("matching.User", models.PROTECT, null=True, blank=True,
                                     related_name="+")

    class Meta:
        ordering = ["call", "number"]
        verbose_name = _("committee session")
        constraints = [models.UniqueConstraint(fields=["call", "number"],
                                               name="session_number_once")]
        # published minutes are final
        triggers = [pgtrigger.Protect(name="session_published_final",
                                      operation=pgtrigger.Update | pgtrigger.Delete,
                                      condition=pgtrigger.Q(old__status="published"))]

    def __str__(self):
        return f"{self.call_id} #{self.number}"


@audited()
class Attendance(models.Model):
    session = models.ForeignKey(CommitteeSession, models.CASCADE, related_name="attendance")
    member = models.ForeignKey(CommitteeMember, models.PROTECT, related_name="+")

    class Meta:
        ordering = ["session", "member__number"]
        verbose_name = _("attendance")
        constraints = [models.UniqueConstraint(fields=["session", "member"],
                                               name="attendance_once")]
        triggers = [parent_state_guard(
            name="attendance_until_published", column="session_id",
            table="matching_committeesession", states=("scheduled", "held"),
            message="the attendance of a session whose minutes are published is final")]


class VoteChoice(models.TextChoices):
    FOR = "for", _("For funding it")
    AGAINST = "against", _("Against")
    ABSTAIN = "abstain", _("Abstains")


@audited()
class Vote(models.Model):
    """A present member's vote, in a session, on funding one application."""

    session = models.ForeignKey(CommitteeSession, models.CASCADE, related_name="votes")
    application = models.ForeignKey("matching.Application", models.PROTECT, related_name="votes")
    member = models.ForeignKey(CommitteeMember, models.PROTECT, related_name="votes")
    choice = models.CharField(_("vote"), max_length=10, choices=VoteChoice.choices)

    class Meta:
        ordering = ["session", "application", "member__number"]
        verbose_name = _("vote")
        constraints = [models.UniqueConstraint(fields=["session", "application", "member"],
                                               name="vote_once")]
        triggers = [parent_state_guard(
            name="vote_until_published", column="session_id",
            table="matching_committeesession", states=("held",),
            message="votes are recorded in a held session, until its minutes are published")]

    def __str__(self):
        return f"{self.session_id}:{self.application_id} {self.member_id} {self.choice}"
