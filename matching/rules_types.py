"""The rules of a scheme as the match arithmetic takes them: parties, top-ups, the rules
themselves and their validation. Pure like rules.py, which computes with them (and
re-exports them: import from there)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from matching.currencies import MINOR_UNITS, amount_error

ASSOCIATION = "association"
MAX_WEIGHT = Decimal("1000000")
MAX_RATE = Decimal("1e9")  # the largest rate per unit accepted anywhere (previews, receipts, imports)


def _(message: str) -> str:
    """Mark a message for translation (xgettext picks up ``_``) without importing Django."""
    return message


def _identity(message: str) -> str:
    return message


class RulesError(ValueError):
    """Invalid rules or input. ``errors`` maps a field path ("rules.parties[1].weight") to
    messages; each message is a fixed English msgid, so a caller can translate it as is."""

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        self.errors = {path: list(messages) for path, messages in errors.items()}
        super().__init__(self.errors)


def _add(errors: dict[str, list[str]], path: str, message: str | None) -> None:
    if message is not None:
        errors.setdefault(path, []).append(message)


@dataclass(frozen=True)
class Step:
    """One sentence of the explanation: an English msgid with %(name)s placeholders."""

    template: str
    params: dict[str, str] = field(default_factory=dict)

    def render(self, translate: Callable[[str], str] = _identity) -> str:
        return translate(self.template) % self.params


@dataclass(frozen=True)
class Party:
    """One funder of a scheme. ``cap`` is an absolute amount per project, in scheme currency."""

    role: str
    weight: Decimal
    cap: Decimal | None = None
    category_weights: Mapping[str, Decimal] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "category_weights", dict(self.category_weights))


@dataclass(frozen=True)
class TopUp:
    """An extra commitment that covers (part of) a funding gap: ``role`` keys its commitment,
    ``name`` (the funder's) is what the explanation says; ``amount`` is in scheme currency."""

    role: str
    amount: Decimal
    name: str = ""


@dataclass(frozen=True)
class Rules:
    """The rules of one scheme version. Exactly one party is the association (the migrants)."""

    currency: str
    parties: tuple[Party, ...]
    max_project_cost: Decimal | None = None
    max_public_share: Decimal | None = None
    eligible_categories: frozenset[str] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "parties", tuple(self.parties))
        if isinstance(self.eligible_categories, (set, frozenset, list, tuple)):
            object.__setattr__(self, "eligible_categories", frozenset(self.eligible_categories))
        errors = _rules_errors(self)
        if errors:
            raise RulesError(errors)

    @property
    def association(self) -> Party:
        return next(p for p in self.parties if p.role == ASSOCIATION)

    @property
    def co_funders(self) -> tuple[Party, ...]:
        return tuple(p for p in self.parties if p.role != ASSOCIATION)

    def weight_of(self, party: Party | str, category: str | None = None) -> Decimal:
        """The party's weight for ``category`` when it has one, else its general weight."""
        if isinstance(party, str):
            party = next(p for p in self.parties if p.role == party)
        if category is not None and category in party.category_weights:
            return party.category_weights[category]
        return party.weight


def _weight_error(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        return _("Expected a decimal weight.")
    if not Decimal(value).is_finite() or Decimal(value) <= 0:
        return _("Weight must be greater than zero.")
    if Decimal(value) > MAX_WEIGHT:
        return _("Weight is too large.")
    return None


def _role_error(role: object, seen: set[str]) -> str | None:
    """A role is a non-empty string that no party or top-up before it has (added to `seen`)."""
    if not isinstance(role, str) or not role.strip():
        return _("Role must be a non-empty string.")
    if role in seen:
        return _("Duplicate role.")
    seen.add(role)
    return None


def _rules_errors(rules: Rules) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    places = MINOR_UNITS.get(rules.currency) if isinstance(rules.currency, str) else None
    if places is None:
        _add(errors, "currency", _("Unknown currency code."))
    roles: set[str] = set()
    associations = 0
    for i, party in enumerate(rules.parties):
        path = f"parties[{i}]"
        if not isinstance(party, Party):
            _add(errors, path, _("Expected a party."))
            continue
        _add(errors, f"{path}.role", _role_error(party.role, roles))
        associations += party.role == ASSOCIATION
        _add(errors, f"{path}.weight", _weight_error(party.weight))
        for category, weight in party.category_weights.items():
            _add(errors, f"{path}.category_weights.{category}", _weight_error(weight))
        if party.cap is not None:
            _add(errors, f"{path}.cap", amount_error(party.cap, places))
    if associations != 1:
        _add(errors, "parties", _("Exactly one party must be the association."))
    if len(rules.parties) - associations < 1:
        _add(errors, "parties", _("At least one co-funder is needed."))
    if rules.max_project_cost is not None:
        _add(errors, "max_project_cost", amount_error(rules.max_project_cost, places, positive=True))
    share = rules.max_public_share
    if share is not None:
        if isinstance(share, bool) or not isinstance(share, (Decimal, int)):
            _add(errors, "max_public_share", _("Expected a decimal number."))
        elif not (Decimal(share).is_finite() and 0 < share <= 1):
            _add(errors, "max_public_share", _("Must be more than 0 and at most 1."))
    eligible = rules.eligible_categories
    if eligible is not None and not (
        isinstance(eligible, frozenset) and all(isinstance(c, str) for c in eligible)
    ):
        _add(errors, "eligible_categories", _("Expected a list of category names."))
    return errors


def _top_up_errors(errors: dict[str, list[str]], rules: Rules, top_ups: tuple,
                   raised: Decimal, places: int | None) -> None:
    """Each top-up is a positive amount under a role of its own; the raise is not negative."""
    roles = {p.role for p in rules.parties}
    for i, top_up in enumerate(top_ups):
        path = f"top_ups[{i}]"
        if not isinstance(top_up, TopUp):
            _add(errors, path, _("Expected a top-up."))
            continue
        _add(errors, f"{path}.role", _role_error(top_up.role, roles))
        _add(errors, f"{path}.amount", amount_error(top_up.amount, places, positive=True))
    _add(errors, "raised", amount_error(raised, places))
