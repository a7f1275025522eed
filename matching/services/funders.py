"""Funders and their budget envelopes: opened, increased and cut by administrators, each
change an append-only adjustment with its reason and author."""

from decimal import Decimal

from django.utils.translation import gettext as _

from .. import currencies, policies
from ..errors import Conflict, Forbidden, InvalidInput, NotAllowed
from ..models import BudgetEnvelope, EnvelopeAdjustment, Funder, FunderKind, Scheme
from .base import required_reason, service

# the place each kind of funder stands for
PLACE_OF_KIND = {FunderKind.MAHALLA: "mahalla", FunderKind.DISTRICT: "district",
                 FunderKind.REGION: "region", FunderKind.NATIONAL: "country"}


def _require_manages(actor, queryset, obj, message) -> None:
    policies.require_administrator(actor)
    if not queryset.managed_by(actor).filter(pk=obj.pk).exists():
        raise Forbidden(message)


@service
def funder_save(*, actor, funder: Funder | None = None, name: str, kind: str, place=None,
                country=None) -> Funder:
    """Create or rename a funder. A mahalla committee, district, region or national
    government stands for its place (`place`: the Mahalla, District or Region; `country`
    for a national one); a private sponsor for no place. A regional administrator creates
    only funders of places in his region."""
    policies.require_administrator(actor)
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("Give the funder's name."), field="name")
    if funder is not None:  # a funder's kind and place never change: envelopes depend on them
        _require_manages(actor, Funder.objects, funder, _("This funder is not in your region."))
        funder = Funder.objects.select_for_update().get(pk=funder.pk)
        funder.name = name
        funder.save(update_fields=["name", "updated_at"])
        return funder
    if kind not in FunderKind.values:
        raise InvalidInput(_("Choose the kind of funder."), field="kind")
    funder = Funder(name=name, kind=kind)
    field = PLACE_OF_KIND.get(kind)
    if field in (None, "country") and not policies.programme_wide(actor):
        raise Forbidden(_("Only programme administrators add national funders and sponsors."))
    if field == "country":
        if country is None:
            raise InvalidInput(_("Choose the country."), field="country")
        funder.country = country
    elif field:
        if place is None or place._meta.model_name != field:
            raise InvalidInput(_("Choose the %(place)s this funder stands for.") % {
                "place": Funder._meta.get_field(field).related_model._meta.verbose_name},
                field=field)
        setattr(funder, field, place)
        if not place.__class__.objects.managed_by(actor).filter(pk=place.pk).exists():
            raise Forbidden(_("This place is not in your region."))
        if Funder.objects.filter(**{field: place}).exists():
            raise Conflict(_("%(place)s already has a funder.") % {"place": place}, field=field)
    if field == "country" and Funder.objects.filter(kind=kind, country=country).exists():
        raise Conflict(_("%(country)s already has its national funder.") % {
            "country": country}, field="country")
    funder.save()
    return funder


def _require_amount(amount: Decimal, currency: str, field: str, *, allow_zero: bool) -> None:
    problem = currencies.amount_error(str(amount), currencies.minor_unit(currency),
                                      positive=not allow_zero)
    if problem:
        raise InvalidInput(problem, field=field)


def _reason(reason: str) -> str:
    return required_reason(reason, _("Give a reason: it is kept with the envelope's history."))


@service
def envelope_open(*, actor, funder: Funder, scheme: Scheme, amount: Decimal,
                  reason: str) -> BudgetEnvelope:
    """Give a funder its envelope under a scheme (and so a fiscal year); the opening amount
    is the envelope's first adjustment."""
    reason = _reason(reason)
    _require_manages(actor, Funder.objects, funder, _("This funder is not in your region."))
    _require_manages(actor, Scheme.objects, scheme, _("This scheme is not in your country."))
    _require_amount(amount, scheme.currency, "amount", allow_zero=True)
    roles = set(scheme.parties.values_list("role", flat=True))
    if funder.kind not in roles:
        raise NotAllowed(_("Scheme %(scheme)s has no %(kind)s among its parties.") % {
            "scheme": scheme.code, "kind": funder.get_kind_display()}, field="funder")
    if funder.kind == FunderKind.SPONSOR and not scheme.parties.filter(sponsor=funder).exists():
        raise NotAllowed(_("%(funder)s is not the sponsor that scheme %(scheme)s names.") % {
            "funder": funder.name, "scheme": scheme.code}, field="funder")
    if BudgetEnvelope.objects.filter(funder=funder, scheme=scheme).exists():
        raise Conflict(_("%(funder)s already has an envelope under %(scheme)s: increase or "
                         "cut it instead.") % {"funder": funder.name, "scheme": scheme.code},
                       field="funder")
    envelope = BudgetEnvelope.objects.create(funder=funder, scheme=scheme, amount=amount)
    EnvelopeAdjustment.objects.create(envelope=envelope, change=amount, amount_before=0,
                                      amount_after=amount, reserved=0, reason=reason,
                                      created_by=actor)
    return envelope


@service
def envelope_adjust(*, actor, envelope: BudgetEnvelope, change: Decimal,
                    reason: str) -> EnvelopeAdjustment:
    """Increase (`change` > 0) or cut (`change` < 0) an envelope, with a reason.

    A cut can never take the envelope below what is already reserved for approved projects.
    The envelope's row is locked first: an approval reserving against it, or another cut,
    waits, so two cuts that each leave enough room alone can never together go below the
    reservations (the database refuses it too).
    """
    reason = _reason(reason)
    _require_manages(actor, BudgetEnvelope.objects, envelope,
                     _("This envelope is not in your region."))
    currency = envelope.scheme.currency
    if change == 0:
        raise InvalidInput(_("Give the amount of the increase or the cut."), field="amount")
    _require_amount(abs(change), currency, "amount", allow_zero=False)
    envelope = BudgetEnvelope.objects.select_for_update().get(pk=envelope.pk)
    after = envelope.amount + change
    if after < envelope.reserved:
        raise Conflict(_("The envelope cannot be cut below what is already reserved for "
                         "approved projects: %(reserved)s. The largest cut possible now is "
                         "%(room)s.") % {
            "reserved": currencies.format_amount(envelope.reserved, currency),
            "room": currencies.format_amount(envelope.amount - envelope.reserved, currency)},
            field="amount", code="below_reserved")
    if after >= currencies.MAX_AMOUNT:
        raise InvalidInput(_("Amount is too large."), field="amount")
    adjustment = EnvelopeAdjustment.objects.create(
        envelope=envelope, change=change, amount_before=envelope.amount, amount_after=after,
        reserved=envelope.reserved, reason=reason, created_by=actor)
    envelope.amount = after
    envelope.save(update_fields=["amount", "updated_at"])
    return adjustment
