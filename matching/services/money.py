"""Pledges, receipts, refunds, evidence, disbursements and clawbacks."""

import datetime
from decimal import Decimal

import pghistory
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import bounds, currencies, ledger, outbox, policies, rules
from ..errors import Conflict, InvalidInput, NotAllowed
from ..models import (ASSOCIATION_ROLE, EntryKind, Evidence, ExchangeRate,
                      Pledge, PledgeStatus, Project, ProjectStatus, Receipt, ReceiptStatus,
                      Tranche)
from ..uploads import validate_upload
from . import evidence as evidence_files
from .approvals import lock_envelopes, recompute_locked
from .base import service
from .projects import MONEY_CLOSED_STATES, lock, require_reason


def checked_amount(value, currency: str, field: str, *, positive: bool = True) -> Decimal:
    if currency not in currencies.MINOR_UNITS:
        raise InvalidInput(_("Unknown currency."), field="currency")
    if currencies.minor_unit(currency) > 2:
        raise InvalidInput(_("Amounts in %(c)s cannot be kept to the unit.") % {"c": currency},
                           field="currency")
    problem = currencies.amount_error(str(value), currencies.minor_unit(currency),
                                      positive=positive)
    if problem:
        raise InvalidInput(problem, field=field)
    return Decimal(str(value))


def _require_money_open(project: Project) -> None:
    if project.status in MONEY_CLOSED_STATES:
        raise NotAllowed(_("Project %(code)s is %(status)s: it takes no more money.") % {
            "code": project.code, "status": project.get_status_display()},
            code="project_closed")


def require_date(value, kind: str, field: str) -> datetime.date:
    """`value` (a date, or one in ISO form) within the window of dates of its kind
    (bounds.window), or refused."""
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value)
        except ValueError:
            raise InvalidInput(_("Give the date as YYYY-MM-DD or DD.MM.YYYY."),
                               field=field) from None
    problem = bounds.date_problem(value, kind)
    if problem:
        raise InvalidInput(problem, field=field)
    return value


def _require_registered(project: Project, on: datetime.date) -> None:
    problem = project.association.registration_problem(on)
    if problem:
        raise NotAllowed(problem, code="association_lapsed")


@service
def pledge_create(*, project: Project, actor, amount, currency: str,
                  expected_on: datetime.date) -> Pledge:
    project = lock(project)
    policies.require(actor, "pledge", project)
    amount = checked_amount(amount, currency, "amount")
    expected_on = require_date(expected_on, "expected", "expected_on")
    _require_money_open(project)
    _require_registered(project, timezone.localdate())
    pledge = Pledge.objects.create(project=project, association=project.association,
                                   amount=amount, currency=currency, expected_on=expected_on,
                                   announced_by=actor)
    outbox.emit("pledge.created", project_id=project.pk, pledge_id=pledge.pk)
    return pledge


@service
def pledge_withdraw(*, pledge: Pledge, actor) -> Pledge:
    """The association will not send the rest of a pledge: it stays on record, withdrawn, and
    its receipts stay where they are."""
    project = lock(pledge.project)
    policies.require(actor, "pledge", project)
    # compare-and-swap: a second click or a racing withdrawal changes nothing
    updated = Pledge.objects.filter(pk=pledge.pk, status=PledgeStatus.ANNOUNCED).update(
        status=PledgeStatus.WITHDRAWN, withdrawn_by=actor, withdrawn_at=timezone.now())
    if not updated:
        raise NotAllowed(_("This pledge was already withdrawn."), code="already_withdrawn")
    outbox.emit("pledge.withdrawn", project_id=project.pk, pledge_id=pledge.pk)
    pledge.refresh_from_db()
    return pledge


def rate_on(currency: str, quote_currency: str, on: datetime.date) -> ExchangeRate | None:
    """The stored rate of the day, or None."""
    return ExchangeRate.objects.filter(currency=currency, quote_currency=quote_currency,
                                       on=on).first()


@service
def receipt_record(*, project: Project, actor, amount, currency: str, received_on,
                   reference: str, fee=Decimal("0"), rate=None, proof=None,
                   pledge: Pledge | None = None) -> Receipt:
    """Record money in hand, converted at the day's rate, and recompute the match.

    Without a stored rate for the day the clerk must enter one, which is marked as entered by
    hand. The same bank reference can be recorded once per association: the database's
    unique constraint decides between two clerks racing, not a check before the insert. A
    receipt that would take the project's money far beyond its cost is stored `held`, with
    no ledger entry, until an officer confirms it (`receipt_confirm`).
    """
    project = lock(project)
    policies.require(actor, "receipt", project)
    amount = checked_amount(amount, currency, "amount")
    fee = checked_amount(fee, currency, "fee", positive=False)
    problem = bounds.fee_problem(fee, amount)
    if problem:
        raise InvalidInput(problem, field="fee")
    reference = (reference or "").strip()
    if not reference:
        raise InvalidInput(_("Give the bank or transfer reference."), field="reference")
    received_on = require_date(received_on, "received", "received_on")
    _require_money_open(project)
    _require_registered(project, received_on)
    if pledge is not None and pledge.project_id != project.pk:
        raise InvalidInput(_("That pledge is for another project."), field="pledge")
    rate, by_hand = _rate_for(currency, project.currency, received_on, rate)
    converted_amount = converted(amount, rate, project.currency)
    if proof is not None:
        validate_upload(proof, field="proof")
    held = bounds.hold_receipt(received=project.received, converted=converted_amount,
                               cost=project.cost)
    receipt = Receipt(project=project, association=project.association, pledge=pledge,
                      received_on=received_on, amount=amount, currency=currency, rate=rate,
                      rate_entered_by_hand=by_hand, fee=fee, reference=reference,
                      converted=converted_amount, recorded_by=actor,
                      status=ReceiptStatus.HELD if held else ReceiptStatus.RECORDED)
    if proof is not None:
        receipt.proof = proof
    try:
        with transaction.atomic():
            receipt.save()
    except IntegrityError:
        if receipt.proof:  # stored just before the refused INSERT: do not keep it
            receipt.proof.storage.delete(receipt.proof.name)
        raise Conflict(_("Reference %(ref)s is already recorded for %(association)s.") % {
            "ref": reference, "association": project.association.name},
            field="reference", code="duplicate_reference")
    if held:
        outbox.emit("receipt.held", project_id=project.pk, receipt_id=receipt.pk)
        return receipt
    ledger.post_many(receipt_entries(project, receipt, actor))
    recompute_locked(project, actor=actor, reason="receipt recorded")
    outbox.emit("receipt.recorded", project_id=project.pk, receipt_id=receipt.pk)
    return receipt


def receipt_entries(project: Project, receipt: Receipt, actor) -> list:
    """The ledger entries of a receipt counted toward the match: the money in the scheme
    currency, then the fee the senders paid (the bulk import posts the same)."""
    entries = [ledger.entry(project=project, kind=EntryKind.RECEIPT, role=ASSOCIATION_ROLE,
                            amount=receipt.converted, actor=actor, receipt=receipt,
                            original_amount=receipt.amount, original_currency=receipt.currency,
                            value_date=receipt.received_on,
                            memo=_("Receipt %(ref)s") % {"ref": receipt.reference})]
    if receipt.fee > 0:
        fee = currencies.convert(receipt.fee, receipt.rate, project.currency)
        if fee > 0:
            entries.append(ledger.entry(
                project=project, kind=EntryKind.FEE, role=ASSOCIATION_ROLE, amount=fee,
                actor=actor, receipt=receipt, original_amount=receipt.fee,
                original_currency=receipt.currency, value_date=receipt.received_on,
                memo=_("Transfer fee of receipt %(ref)s") % {"ref": receipt.reference}))
    return entries


def _held_for(receipt: Receipt, actor) -> Project:
    """The locked project of a held receipt that `actor` may decide on: an officer of its
    district, not the person who recorded it."""
    project = lock(receipt.project)
    policies.require(actor, "confirm_receipt", project)
    if receipt.recorded_by_id == actor.pk:
        raise NotAllowed(_("You recorded this receipt: another person must confirm it."),
                         code="four_eyes")
    return project


@service
def receipt_confirm(*, receipt: Receipt, actor) -> Receipt:
    """A held receipt is real: its ledger entries are posted and the match recomputed."""
    project = _held_for(receipt, actor)
    _require_money_open(project)
    updated = Receipt.objects.filter(pk=receipt.pk, status=ReceiptStatus.HELD).update(
        status=ReceiptStatus.RECORDED, confirmed_by=actor, confirmed_at=timezone.now())
    if not updated:  # compare-and-swap: a second click confirms nothing twice
        raise NotAllowed(_("This receipt is not waiting for confirmation."), code="not_held")
    receipt.refresh_from_db()
    ledger.post_many(receipt_entries(project, receipt, actor))
    recompute_locked(project, actor=actor, reason="receipt confirmed")
    outbox.emit("receipt.recorded", project_id=project.pk, receipt_id=receipt.pk)
    return receipt


@service
def receipt_reject(*, receipt: Receipt, actor, reason: str) -> Receipt:
    """A held receipt recorded in error: marked reversed; it never counted, so no entry
    moves. The reason is kept in the audit trail."""
    reason = require_reason(reason)
    _held_for(receipt, actor)
    with pghistory.context(reason=reason):
        updated = Receipt.objects.filter(pk=receipt.pk, status=ReceiptStatus.HELD).update(
            status=ReceiptStatus.REVERSED, confirmed_by=actor, confirmed_at=timezone.now())
    if not updated:
        raise NotAllowed(_("This receipt is not waiting for confirmation."), code="not_held")
    outbox.emit("receipt.reversed", project_id=receipt.project_id, receipt_id=receipt.pk,
                reason=reason)
    receipt.refresh_from_db()
    return receipt


def _rate_for(currency: str, scheme_currency: str, on: datetime.date, entered) \
        -> tuple[Decimal, bool]:
    if currency == scheme_currency:
        return Decimal("1"), False
    stored = rate_on(currency, scheme_currency, on)
    if entered in (None, ""):
        if stored is None:
            raise InvalidInput(_("No %(c)s rate is stored for %(day)s: enter the rate of the "
                                 "day.") % {"c": currency, "day": on.isoformat()}, field="rate")
        return stored.rate, False
    entered = entered_rate(entered)
    return entered, stored is None or stored.rate != entered


def entered_rate(value) -> Decimal:
    """A rate entered by hand (form, API or import file), checked as the receipt keeps it."""
    problem = currencies.amount_error(str(value), 6, positive=True)
    if problem:
        raise InvalidInput(problem, field="rate")
    rate = Decimal(str(value))
    if rate >= rules.MAX_RATE:
        raise InvalidInput(_("The rate per unit is out of range."), field="rate")
    return rate


def converted(amount: Decimal, rate: Decimal, currency: str) -> Decimal:
    """`amount × rate` in the scheme currency, refused when it rounds to nothing or is too
    large to keep (the receipt's constraint and column would otherwise fail on save)."""
    value = currencies.convert(amount, rate, currency)
    if value <= 0:
        raise InvalidInput(_("The amount is worth nothing in %(c)s at this rate.") % {
            "c": currency}, field="amount")
    if value >= currencies.MAX_AMOUNT:
        raise InvalidInput(_("Amount is too large."), field="amount")
    return value


def _undo_receipt(receipt: Receipt, *, actor, kind: str, status: str, reason: str) -> Receipt:
    project = lock(receipt.project)
    policies.require(actor, "undo_receipt", project)
    reason = require_reason(reason)
    if receipt.recorded_by_id == actor.pk:
        raise NotAllowed(_("You recorded this receipt: another officer must refund or reverse "
                           "it."), code="four_eyes")
    # a closed or cancelled project already settled its money (cancellation refunds what was
    # not spent): undoing one of its receipts now would take back money twice
    _require_money_open(project)
    updated = Receipt.objects.filter(pk=receipt.pk, status=ReceiptStatus.RECORDED).update(
        status=status)
    if not updated:  # compare-and-swap: a second click or a racing clerk changes nothing
        raise NotAllowed(_("This receipt was already reversed or refunded."))
    entries = receipt.entries.filter(reverses__isnull=True, reversed_by__isnull=True)
    if kind == EntryKind.REFUND:
        ledger.post(project=project, kind=EntryKind.REFUND, role=ASSOCIATION_ROLE,
                    amount=-receipt.converted, actor=actor, receipt=receipt,
                    original_amount=-receipt.amount, original_currency=receipt.currency,
                    memo=reason)
    else:
        for entry in entries:
            ledger.reverse(entry, actor=actor, memo=reason)
    recompute_locked(project, actor=actor, reason=f"receipt {status}")
    outbox.emit(f"receipt.{status}", project_id=project.pk, receipt_id=receipt.pk)
    receipt.refresh_from_db()
    return receipt


@service
def receipt_reverse(*, receipt: Receipt, actor, reason: str) -> Receipt:
    """A receipt recorded in error: reversing entries; the originals stay."""
    return _undo_receipt(receipt, actor=actor, kind="reversal", status=ReceiptStatus.REVERSED,
                         reason=reason)


@service
def receipt_refund(*, receipt: Receipt, actor, reason: str) -> Receipt:
    """Money sent back to the association."""
    return _undo_receipt(receipt, actor=actor, kind=EntryKind.REFUND,
                         status=ReceiptStatus.REFUNDED, reason=reason)


@service
def evidence_add(*, project: Project, actor, kind: str, file, description: str = "",
                 quantity: str = "") -> Evidence:
    """Evidence of the works or of a payment; a photo gets its thumbnail and a copy without
    metadata, and its capture date and place are kept (services.evidence)."""
    policies.require(actor, "evidence", project)
    photo = evidence_files.check_file(file, field="file", project=project)
    return evidence_files.store(project=project, actor=actor, kind=kind, upload=file, photo=photo,
                                description=description, quantity=quantity)


def evidence_of(data: dict) -> dict:
    """The evidence chosen (`evidence`) or uploaded (`file`, `description`) in a form's or a
    request's data, as `with_evidence` takes it."""
    return {"evidence": data.get("evidence"), "file": data.get("file"),
            "description": data.get("description") or ""}


def with_evidence(*, project: Project, actor, kind: str, evidence: Evidence | None = None,
                  file=None, description: str = "", work):
    """`work(evidence)` with `evidence` already uploaded for the project, or one uploaded now
    from `file`: the upload is kept only if the work goes through (its row rolls back with a
    refusal, and its file is deleted)."""
    uploaded = None
    try:
        with transaction.atomic():
            if evidence is None:
                evidence = uploaded = evidence_add(project=project, actor=actor, kind=kind,
                                                   file=file, description=description or "")
            return work(evidence)
    except Exception:  # a refusal or a crash: the row is rolled back either way
        if uploaded is not None:
            evidence_files.remove_files(uploaded)
        raise


@service
def tranche_disburse(*, tranche: Tranche, actor, evidence: Evidence, amount=None,
                     paid_on: datetime.date | None = None) -> Tranche:
    """Pay (part of) a tranche against evidence. A party never pays out more than it has
    matched: for the association, more than its money received up to its target."""
    commitment = tranche.commitment
    project = lock(commitment.project)
    policies.require(actor, "disburse", project)
    if evidence is None or evidence.project_id != project.pk:
        raise InvalidInput(_("Attach evidence of the works from this project."),
                           field="evidence")
    if project.status not in ("funding", "funded", "in_progress"):
        raise NotAllowed(_("Project %(code)s is %(status)s: nothing can be disbursed.") % {
            "code": project.code, "status": project.get_status_display()})
    if commitment.envelope_id:
        lock_envelopes([commitment.envelope_id])
    if paid_on is not None:
        paid_on = require_date(paid_on, "paid", "paid_on")
    tranche = Tranche.objects.select_related("commitment").get(pk=tranche.pk)
    commitment = tranche.commitment
    due = tranche.amount - tranche.disbursed
    amount = due if amount in (None, "") else checked_amount(amount, project.currency, "amount")
    if amount <= 0 or amount > due:
        raise InvalidInput(_("This tranche has %(due)s left to pay.") % {
            "due": currencies.format_amount(due, project.currency)}, field="amount")
    if commitment.disbursed + amount > commitment.matched:
        raise NotAllowed(_("The %(role)s has matched %(matched)s and paid %(paid)s: it cannot "
                           "pay %(amount)s more yet.") % {
            "role": commitment.role, "amount": currencies.format_amount(amount, project.currency),
            "matched": currencies.format_amount(commitment.matched, project.currency),
            "paid": currencies.format_amount(commitment.disbursed, project.currency)},
            code="not_matched_yet")
    ledger.post(project=project, kind=EntryKind.DISBURSEMENT, role=commitment.role,
                amount=amount, actor=actor, commitment=commitment, tranche=tranche,
                envelope=commitment.envelope, evidence=evidence,
                value_date=paid_on or timezone.localdate(),
                memo=_("Tranche %(n)s") % {"n": tranche.number})
    tranche.refresh_from_db()
    tranche.evidence = evidence
    if tranche.disbursed == tranche.amount:
        tranche.paid_on = paid_on or timezone.localdate()
    tranche.save(update_fields=["evidence", "paid_on"])
    outbox.emit("tranche.disbursed", project_id=project.pk, tranche_id=tranche.pk,
                amount=str(amount))
    return tranche


# a clawback recovers money paid out: from a project that paid something and whose accounts
# are not settled by refunds (a cancellation refunded what the association had not spent)
CLAWBACK_STATES = frozenset({ProjectStatus.FUNDING, ProjectStatus.FUNDED,
                             ProjectStatus.IN_PROGRESS, ProjectStatus.SUSPENDED,
                             ProjectStatus.COMPLETED, ProjectStatus.CLOSED})


@service
def clawback_record(*, tranche: Tranche, actor, amount, reason: str,
                    evidence: Evidence | None) -> Tranche:
    """Money paid out and recovered (works not executed, quantities inflated), on the evidence
    of the finding: a negative disbursement, so the tranche can be paid again.

    A closed project can take one (audits find inflated quantities after the handover): its
    accounts stay settled, as closure left them, because the recovered money also goes back
    where it came from: the reservation is released to the envelope and the match brought
    down by the same amount (reserved = matched = disbursed). A cancelled project cannot: its
    cancellation already refunded what the association had not spent."""
    project = lock(tranche.commitment.project)
    policies.require(actor, "disburse", project)
    reason = require_reason(reason)
    if project.status not in CLAWBACK_STATES:
        raise NotAllowed(_("Project %(code)s is %(status)s: nothing can be clawed back.") % {
            "code": project.code, "status": project.get_status_display()},
            code="project_closed")
    if evidence is None or evidence.project_id != project.pk:
        raise InvalidInput(_("Attach the evidence of the finding, from this project."),
                           field="evidence")
    tranche = Tranche.objects.select_related("commitment").get(pk=tranche.pk)
    amount = checked_amount(amount, project.currency, "amount")
    if amount > tranche.disbursed:
        raise InvalidInput(_("Only %(paid)s was paid from this tranche.") % {
            "paid": currencies.format_amount(tranche.disbursed, project.currency)},
            field="amount")
    commitment = tranche.commitment
    if commitment.envelope_id:
        lock_envelopes([commitment.envelope_id])
    entries = [ledger.entry(project=project, kind=EntryKind.CLAWBACK, role=commitment.role,
                            amount=-amount, actor=actor, commitment=commitment, tranche=tranche,
                            envelope=commitment.envelope, evidence=evidence, memo=reason)]
    if project.status == ProjectStatus.CLOSED:
        if commitment.reserved:
            entries.append(ledger.entry(
                project=project, kind=EntryKind.RESERVATION, role=commitment.role,
                amount=-amount, actor=actor, commitment=commitment,
                envelope=commitment.envelope, memo=_("Released at closure: clawback")))
        entries.append(ledger.entry(project=project, kind=EntryKind.MATCH,
                                    role=commitment.role, amount=-amount, actor=actor,
                                    commitment=commitment, memo=_("Closed project: clawback")))
    ledger.post_many(entries)
    Tranche.objects.filter(pk=tranche.pk).update(paid_on=None)
    outbox.emit("clawback.recorded", project_id=project.pk, tranche_id=tranche.pk,
                amount=str(amount))
    tranche.refresh_from_db()
    return tranche
