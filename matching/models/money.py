"""Money: exchange rates, pledges, receipts, commitments, tranches and the ledger."""

import pgtrigger
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ..querysets import PledgeQuerySet, ReceiptQuerySet, ScopedQuerySet, TrancheQuerySet
from .base import audited, currency_check, currency_field, money_field, stored_name


@audited()
class ExchangeRate(models.Model):
    """1 unit of `currency` = `rate` units of `quote_currency` on `on`."""

    currency = currency_field()
    quote_currency = currency_field(_("quote currency"))
    on = models.DateField(_("date"))
    rate = models.DecimalField(_("rate"), max_digits=18, decimal_places=6)
    source = models.CharField(_("source"), max_length=60, default="central bank")
    entered_by_hand = models.BooleanField(_("entered by hand"), default=False)

    class Meta:
        ordering = ["-on", "currency"]
        verbose_name = _("exchange rate")
        constraints = [
            models.UniqueConstraint(fields=["currency", "quote_currency", "on"],
                                    name="exchange_rate_unique_day"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="exchange_rate_positive"),
            currency_check("currency", "exchange_rate_currency_iso"),
            currency_check("quote_currency", "exchange_rate_quote_iso"),
        ]

    def __str__(self):
        return f"{self.on} 1 {self.currency} = {self.rate} {self.quote_currency}"


class PledgeStatus(models.TextChoices):
    ANNOUNCED = "announced", _("Announced")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Inserts audited per statement: a file of 100,000 pledges is one INSERT (imports/pledges.py).
# The import fields are not audited: written once with the pledge, never changed.
@audited(statement_inserts=True, exclude=["import_batch", "import_line", "import_key"])
class Pledge(models.Model):
    """An association's announced contribution, in the currency it was raised in.

    A pledge from a bulk import names its file and line (the import's report lists the
    imported rows from here) and the row's content key (kind, project, amount as written,
    currency, date: a row already imported from another file is skipped, not pledged twice).
    """

    project = models.ForeignKey("matching.Project", models.PROTECT, related_name="pledges")
    association = models.ForeignKey("matching.MigrantAssociation", models.PROTECT,
                                    related_name="pledges")
    amount = money_field(_("amount pledged"), help_text=_("In the currency raised."))
    currency = currency_field()
    expected_on = models.DateField(_("expected on"))
    status = models.CharField(_("status"), max_length=20, choices=PledgeStatus.choices,
                              default=PledgeStatus.ANNOUNCED)
    announced_by = models.ForeignKey("matching.User", models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("announced at"), auto_now_add=True)
    withdrawn_by = models.ForeignKey("matching.User", models.PROTECT, null=True, blank=True,
                                     related_name="+")
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    import_batch = models.ForeignKey("matching.ImportBatch", models.PROTECT, null=True,
                                     blank=True, editable=False, db_index=False,
                                     related_name="pledges", verbose_name=_("import"))
    import_line = models.PositiveIntegerField(_("line in the file"), null=True, blank=True,
                                              editable=False)
    import_key = models.CharField(max_length=64, blank=True, editable=False, default="",
                                  db_default="")

    objects = PledgeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("pledge")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="pledge_amount_positive"),
            currency_check("currency", "pledge_currency_iso"),
            models.CheckConstraint(
                condition=Q(import_batch__isnull=True, import_line__isnull=True, import_key="")
                | Q(import_batch__isnull=False, import_line__isnull=False),
                name="pledge_import_line_given"),
            # the import's report (and the batch's foreign key) read this index
            models.UniqueConstraint(fields=["import_batch", "import_line"],
                                    condition=Q(import_batch__isnull=False),
                                    name="pledge_import_line_once"),
        ]

    def __str__(self):
        return f"{self.amount} {self.currency} → {self.project_id}"


class ReceiptStatus(models.TextChoices):
    RECORDED = "recorded", _("Recorded")
    HELD = "held", _("Held for confirmation")
    REVERSED = "reversed", _("Reversed (recorded in error)")
    REFUNDED = "refunded", _("Refunded to the association")


def proof_path(instance, filename):
    return stored_name(f"receipts/{instance.project_id}", filename)


@audited(statement_inserts=True)  # files of receipts are one INSERT (imports)
class Receipt(models.Model):
    """Money actually in hand. Matching follows receipts, not pledges.

    A receipt that would take the project's money received far beyond its cost (more than
    RECEIPT_HOLD_COST_RATIO × the cost: a typo of three zeros, a wrong currency) is `held`:
    kept, with no ledger entry, so it counts toward nothing until an officer of the district
    other than the recorder confirms it (then its entries are posted) or rejects it.
    """

    project = models.ForeignKey("matching.Project", models.PROTECT, related_name="receipts")
    association = models.ForeignKey("matching.MigrantAssociation", models.PROTECT,
                                    related_name="receipts")
    pledge = models.ForeignKey(Pledge, models.PROTECT, null=True, blank=True,
                               related_name="receipts")
    received_on = models.DateField(_("received on"))
    amount = money_field(_("amount received"),
                         help_text=_("As it arrived, in its own currency, after the fee."))
    currency = currency_field()
    rate = models.DecimalField(_("rate to the scheme currency"), max_digits=18, decimal_places=6)
    rate_entered_by_hand = models.BooleanField(_("rate entered by hand"), default=False)
    converted = money_field(_("amount in the scheme currency"),
                            help_text=_("amount × rate, rounded half-up."))
    fee = money_field(_("transfer fee"), default=0,
                      help_text=_("Paid by the senders on top of the amount, same currency."))
    reference = models.CharField(_("bank or transfer reference"), max_length=60)
    proof = models.FileField(_("proof"), upload_to=proof_path, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=ReceiptStatus.choices,
                              default=ReceiptStatus.RECORDED)
    recorded_by = models.ForeignKey("matching.User", models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    confirmed_by = models.ForeignKey("matching.User", models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("confirmed by"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    objects = ReceiptQuerySet.as_manager()

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("receipt")
        constraints = [
            models.UniqueConstraint(fields=["association", "reference"],
                                    name="receipt_unique_reference"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="receipt_amount_positive"),
            models.CheckConstraint(condition=Q(converted__gt=0), name="receipt_converted_positive"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="receipt_rate_positive"),
            models.CheckConstraint(condition=Q(fee__gte=0), name="receipt_fee_not_negative"),
            currency_check("currency", "receipt_currency_iso"),
        ]

    def __str__(self):
        return f"{self.reference}: {self.amount} {self.currency}"


@audited(statement_updates=True)  # totals moved in bulk by the ledger
class Commitment(models.Model):
    """One per project and party: what the match rules give it under one scheme version.

    For a co-funder, `target` is reserved against its envelope at approval and `matched` is
    what it owes for the association money received so far. For the association, `matched` is
    its effective contribution (received money up to its target). Every amount is in the
    scheme currency and cached from the ledger.
    """

    project = models.ForeignKey("matching.Project", models.PROTECT, related_name="commitments")
    role = models.CharField(_("party"), max_length=20)
    funder = models.ForeignKey("matching.Funder", models.PROTECT, null=True, blank=True,
                               related_name="commitments")
    envelope = models.ForeignKey("matching.BudgetEnvelope", models.PROTECT, null=True,
                                 blank=True, related_name="commitments")
    # a top-up's commitment (role "top_up_<id>"): its funder may also hold a share commitment
    top_up = models.OneToOneField("matching.TopUp", models.PROTECT, null=True, blank=True,
                                  related_name="commitment")
    scheme_version = models.ForeignKey("matching.SchemeVersion", models.PROTECT,
                                       related_name="commitments")
    position = models.PositiveSmallIntegerField(default=0)
    target = money_field(_("target"))
    matched = money_field(_("matched"), default=0)
    reserved = money_field(_("reserved"), default=0)
    disbursed = money_field(_("disbursed"), default=0)
    bound_by = models.CharField(_("bound by"), max_length=20, blank=True,
                                help_text=_("share, cap, envelope, public_share or top_up"))
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "position"]
        verbose_name = _("commitment")
        constraints = [
            models.UniqueConstraint(fields=["project", "role"], name="commitment_unique_role"),
            models.UniqueConstraint(fields=["project", "funder"],
                                    condition=Q(funder__isnull=False, top_up__isnull=True),
                                    name="commitment_unique_funder"),
            models.CheckConstraint(condition=Q(target__gte=0), name="commitment_target_not_negative"),
            models.CheckConstraint(condition=Q(matched__gte=0) & Q(matched__lte=F("target")),
                                   name="commitment_matched_within_target"),
            models.CheckConstraint(condition=Q(reserved__gte=0) & Q(reserved__lte=F("target")),
                                   name="commitment_reserved_within_target"),
            models.CheckConstraint(condition=Q(disbursed__gte=0) & Q(disbursed__lte=F("matched")),
                                   name="commitment_disbursed_within_matched"),
        ]

    def __str__(self):
        return f"{self.project_id} {self.role}: {self.target}"


@audited(statement_updates=True)  # totals moved in bulk by the ledger
class Tranche(models.Model):
    """A scheduled disbursement of one commitment: the party's share of tranche `number`."""

    commitment = models.ForeignKey(Commitment, models.PROTECT, related_name="tranches")
    number = models.PositiveSmallIntegerField(_("tranche"))
    due_on = models.DateField(_("due on"))
    amount = money_field(_("amount due"))
    disbursed = money_field(_("disbursed"), default=0)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    evidence = models.ForeignKey("matching.Evidence", models.PROTECT, null=True, blank=True,
                                 related_name="tranches")

    objects = TrancheQuerySet.as_manager()

    class Meta:
        ordering = ["commitment", "number"]
        verbose_name = _("tranche")
        indexes = [models.Index(fields=["due_on"], name="tranche_due_unpaid",
                                condition=Q(paid_on__isnull=True))]
        constraints = [
            models.UniqueConstraint(fields=["commitment", "number"], name="tranche_unique_number"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="tranche_amount_positive"),
            models.CheckConstraint(condition=Q(disbursed__gte=0) & Q(disbursed__lte=F("amount")),
                                   name="tranche_disbursed_within_amount"),
        ]

    def __str__(self):
        return f"#{self.number} {self.amount} due {self.due_on}"


class MatchRecord(models.Model):
    """Every computation of a project's match, with its explanation, kept forever.

    `result` is the match-preview output; its `steps` are kept untranslated
    (`{"template": ..., "params": ...}`) so each reader sees them in their own language.
    """

    project = models.ForeignKey("matching.Project", models.PROTECT, related_name="match_records")
    scheme_version = models.ForeignKey("matching.SchemeVersion", models.PROTECT,
                                       related_name="match_records")
    reason = models.CharField(_("reason"), max_length=100)
    result = models.JSONField(_("result"))
    created_by = models.ForeignKey("matching.User", models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["project", "-id"]
        get_latest_by = "id"
        verbose_name = _("match computation")
        triggers = [pgtrigger.Protect(name="append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self):
        return f"{self.project_id} {self.reason} {self.created_at:%Y-%m-%d %H:%M}"


class EntryKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    FEE = "fee", _("Transfer fee")
    REFUND = "refund", _("Refund")
    MATCH = "match", _("Match accrual")
    RESERVATION = "reservation", _("Envelope reservation")
    DISBURSEMENT = "disbursement", _("Disbursement")
    CLAWBACK = "clawback", _("Clawback")


class LedgerEntry(models.Model):
    """One movement of money, in the scheme currency. Append-only.

    Never updated, never deleted (a trigger refuses both, whoever asks): a mistake is corrected
    by a new entry with `reverses` set and the opposite amount, so that the history of every
    som stays readable. Balances are sums of `amount` per kind; a reversal keeps its
    original's kind so that the sums stay right.
    """

    project = models.ForeignKey("matching.Project", models.PROTECT, related_name="ledger")
    kind = models.CharField(_("kind"), max_length=20, choices=EntryKind.choices)
    role = models.CharField(_("party"), max_length=20)
    amount = money_field(_("amount"), help_text=_("Signed, in the scheme currency."))
    currency = currency_field()
    original_amount = money_field(_("original amount"), null=True, blank=True)
    original_currency = models.CharField(_("original currency"), max_length=3, blank=True)
    receipt = models.ForeignKey(Receipt, models.PROTECT, null=True, blank=True,
                                related_name="entries")
    commitment = models.ForeignKey(Commitment, models.PROTECT, null=True, blank=True,
                                   related_name="entries")
    envelope = models.ForeignKey("matching.BudgetEnvelope", models.PROTECT, null=True,
                                 blank=True, related_name="entries")
    tranche = models.ForeignKey(Tranche, models.PROTECT, null=True, blank=True,
                                related_name="entries")
    reverses = models.OneToOneField("self", models.PROTECT, null=True, blank=True,
                                    related_name="reversed_by")
    # what the movement rests on: the works paid for, the finding behind a clawback
    evidence = models.ForeignKey("matching.Evidence", models.PROTECT, null=True, blank=True,
                                 related_name="entries")
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    value_date = models.DateField(
        _("value date"), null=True, blank=True,
        help_text=_("The day that fixes the value: when a receipt's money arrived (its rate's "
                    "day), when a disbursement was paid."))
    created_by = models.ForeignKey("matching.User", models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [models.Index(fields=["project", "kind"], name="ledger_project_kind")]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_amount_not_zero"),
            currency_check("currency", "ledger_currency_iso"),
        ]
        triggers = [
            pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self):
        return f"#{self.pk} {self.kind} {self.role} {self.amount} {self.currency}"
