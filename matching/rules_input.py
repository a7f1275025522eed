"""Reading rules and the match-preview request: untrusted JSON in, validated values out.

Pure like rules.py (no Django): every error is a RulesError naming the field it blames
("rules.parties[1].weight", "receipts[0].currency"), collected in one pass, and nothing else
escapes whatever the input (a Hypothesis test feeds it junk).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from matching.currencies import (
    MAX_AMOUNT,
    MINOR_UNITS,
    amount_error,
    convert,
    parse_decimal,
)
from matching.rules import (
    ASSOCIATION,
    MAX_RATE,
    Party,
    Rules,
    RulesError,
    _,
    _add,
    _identity,
    compute_match,
)

__all__ = ["PreviewInput", "parse_preview", "preview", "rules_from_dict"]


@dataclass(frozen=True)
class PreviewInput:
    """A match-preview request, validated. ``received_total`` is in the scheme currency: the
    "received" amount plus every receipt converted at its own rate."""

    rules: Rules
    cost: Decimal
    received_total: Decimal
    category: str | None
    envelopes: dict[str, Decimal | None]


def _read_decimal(raw: object, path: str, errors: dict[str, list[str]]) -> Decimal | None:
    value, message = parse_decimal(raw)
    _add(errors, path, message)
    return value


def _read_amount(
    raw: object, path: str, errors: dict[str, list[str]], places: int | None, positive: bool = False
) -> Decimal | None:
    value = _read_decimal(raw, path, errors)
    if value is not None and (message := amount_error(value, places, positive=positive)):
        _add(errors, path, message)
        return None
    return value


def _read_rules(raw: object, prefix: str, found: dict[str, list[str]]) -> Rules | None:
    """Read the rules object; format errors are found here, the rest by Rules itself. An
    unreadable value is replaced by a harmless placeholder so that the other checks still run."""
    errors: dict[str, list[str]] = {}
    rules = _read_rules_into(raw, prefix, errors)
    for path, messages in errors.items():
        found.setdefault(path, []).extend(messages)
    return None if errors else rules


def _read_rules_into(raw: object, prefix: str, errors: dict[str, list[str]]) -> Rules | None:
    if not isinstance(raw, Mapping):
        _add(errors, prefix, _("Expected an object."))
        return None
    currency = raw.get("currency")
    if not isinstance(currency, str) or currency not in MINOR_UNITS:
        _add(errors, f"{prefix}.currency", _("Unknown currency code."))
    parties: list[Party] = []
    raw_parties = raw.get("parties")
    if not isinstance(raw_parties, list) or not raw_parties:
        _add(errors, f"{prefix}.parties", _("Expected a list of parties."))
        raw_parties = []
    for i, item in enumerate(raw_parties):
        path = f"{prefix}.parties[{i}]"
        placeholder = Party(role=f"\x00{i}", weight=Decimal(1))
        if not isinstance(item, Mapping):
            _add(errors, path, _("Expected an object."))
            parties.append(placeholder)
            continue
        role = item.get("role")
        if not isinstance(role, str) or not role.strip():
            _add(errors, f"{path}.role", _("Role must be a non-empty string."))
            role = placeholder.role
        weight = _read_decimal(item.get("weight"), f"{path}.weight", errors)
        cap = item.get("cap")
        if cap is not None:
            cap = _read_decimal(cap, f"{path}.cap", errors)
        category_weights: dict[str, Decimal] = {}
        raw_weights = item.get("category_weights")
        if raw_weights is None:  # absent; but 0, "" or [] are not an object
            raw_weights = {}
        if not isinstance(raw_weights, Mapping):
            _add(errors, f"{path}.category_weights", _("Expected an object."))
            raw_weights = {}
        for category, raw_weight in raw_weights.items():
            value = _read_decimal(raw_weight, f"{path}.category_weights.{category}", errors)
            if value is not None and isinstance(category, str):
                category_weights[category] = value
        parties.append(Party(role, Decimal(1) if weight is None else weight, cap, category_weights))
    optional = {}
    for name in ("max_project_cost", "max_public_share"):
        if raw.get(name) is not None:
            optional[name] = _read_decimal(raw[name], f"{prefix}.{name}", errors)
    eligible = raw.get("eligible_categories")
    if eligible is not None:
        if not isinstance(eligible, list) or not all(isinstance(c, str) for c in eligible):
            _add(errors, f"{prefix}.eligible_categories", _("Expected a list of category names."))
            eligible = None
        else:
            eligible = frozenset(eligible)
    try:
        rules = Rules(currency if isinstance(currency, str) else "", tuple(parties),
                      eligible_categories=eligible, **optional)  # fmt: skip
    except RulesError as error:
        for path, messages in error.errors.items():
            errors.setdefault(f"{prefix}.{path}", messages)
        return None
    return rules


def rules_from_dict(data: object) -> Rules:
    """Rules from their JSON form (the "rules" object of the preview contract, as a scheme
    version stores it). Raises RulesError with paths such as "parties[1].weight"."""
    errors: dict[str, list[str]] = {}
    rules = _read_rules(data, "rules", errors)
    if rules is None:
        raise RulesError({
            path.removeprefix("rules").lstrip(".") or "non_field_errors": messages
            for path, messages in errors.items()
        })  # fmt: skip
    return rules


def parse_preview(
    data: object, resolve_scheme: Callable[[str], Mapping[str, Any]] | None = None
) -> PreviewInput:
    """Read and validate a match-preview request (see the contract in the module tests).

    ``resolve_scheme`` returns the rules mapping of a scheme code; when it raises, the code is
    unknown. Raises RulesError with every error found, and nothing else, whatever ``data`` is.
    """
    errors: dict[str, list[str]] = {}
    if not isinstance(data, Mapping):
        raise RulesError({"non_field_errors": [_("Expected an object.")]})
    rules: Rules | None = None
    scheme = data.get("scheme")
    if data.get("rules") is not None:
        if scheme is not None:
            _add(errors, "scheme", _("Give either rules or a scheme, not both."))
        rules = _read_rules(data["rules"], "rules", errors)
    elif scheme is not None:
        raw_rules = None
        if isinstance(scheme, str) and resolve_scheme is not None:
            try:
                raw_rules = resolve_scheme(scheme)
            except Exception:  # the resolver is the caller's: any failure means "not found"
                raw_rules = None
        if raw_rules is None:
            _add(errors, "scheme", _("Unknown scheme."))
        else:
            rules = _read_rules(raw_rules, "scheme", errors)
    else:
        _add(errors, "rules", _("This field is required."))

    currency = rules.currency if rules else None
    places = MINOR_UNITS.get(currency) if currency else None
    cost = _read_amount(data.get("cost"), "cost", errors, places, positive=True)
    if cost is not None and rules and rules.max_project_cost is not None:
        if cost > rules.max_project_cost:
            _add(errors, "cost", _("Cost is above the scheme's maximum project cost."))

    received = Decimal(0)
    if data.get("received") is not None:
        received = _read_amount(data["received"], "received", errors, places) or received
    receipts = data.get("receipts")
    if receipts is not None and not isinstance(receipts, list):
        _add(errors, "receipts", _("Expected a list."))
        receipts = None
    for i, receipt in enumerate(receipts or []):
        path = f"receipts[{i}]"
        if not isinstance(receipt, Mapping):
            _add(errors, path, _("Expected an object."))
            continue
        code = receipt.get("currency")
        if not isinstance(code, str) or code not in MINOR_UNITS:
            _add(errors, f"{path}.currency", _("Unknown currency code."))
            code = None
        amount = _read_amount(receipt.get("amount"), f"{path}.amount", errors,
                              MINOR_UNITS.get(code) if code else None, positive=True)  # fmt: skip
        rate: Decimal | None = Decimal(1)
        if receipt.get("rate") is not None:
            rate = _read_decimal(receipt["rate"], f"{path}.rate", errors)
            if rate is not None and not (0 < rate < MAX_RATE and rate.as_tuple().exponent >= -12):  # type: ignore[operator]
                _add(errors, f"{path}.rate", _("Rate must be more than 0, below 1,000,000,000, with at most 12 decimals."))  # fmt: skip
                rate = None
            elif rate is not None and code is not None and code == currency and rate != 1:
                _add(errors, f"{path}.rate", _("A receipt in the scheme currency has rate 1."))
        elif code is not None and currency is not None and code != currency:
            _add(errors, f"{path}.rate", _("A rate is required for a receipt in another currency."))
        if amount is not None and rate is not None and currency is not None and code is not None:
            converted = convert(amount, rate, currency)
            if converted >= MAX_AMOUNT:
                _add(errors, f"{path}.amount", _("Amount is too large."))
            received += converted
    if received >= MAX_AMOUNT and not any(k.startswith(("received", "receipts")) for k in errors):
        _add(errors, "received", _("The total received is too large."))

    category = data.get("category")
    if category is not None and not isinstance(category, str):
        _add(errors, "category", _("Expected a string."))
    elif category is not None and rules and rules.eligible_categories is not None:
        if category not in rules.eligible_categories:
            _add(errors, "category", _("This category is not eligible under the scheme."))

    envelopes: dict[str, Decimal | None] = {}
    raw_envelopes = data.get("envelopes")
    if raw_envelopes is not None and not isinstance(raw_envelopes, Mapping):
        _add(errors, "envelopes", _("Expected an object."))
        raw_envelopes = None
    co_roles = {p.role for p in rules.co_funders} if rules else None
    for role, raw in (raw_envelopes or {}).items():
        path = f"envelopes.{role}"
        if role == ASSOCIATION:
            _add(errors, path, _("The association has no envelope."))
        elif co_roles is not None and role not in co_roles:
            _add(errors, path, _("No co-funder has this role."))
        elif raw is not None:
            envelopes[role] = _read_amount(raw, path, errors, places)
        else:
            envelopes[role] = None

    if errors or rules is None or cost is None:
        raise RulesError(errors or {"non_field_errors": [_("Invalid input.")]})
    return PreviewInput(rules, cost, received, category, envelopes)


def preview(
    data: object,
    resolve_scheme: Callable[[str], Mapping[str, Any]] | None = None,
    translate: Callable[[str], str] = _identity,
) -> dict[str, Any]:
    """The match-preview contract end to end: parse ``data``, compute, return the JSON shape."""
    request = parse_preview(data, resolve_scheme)
    result = compute_match(request.rules, cost=request.cost, received=request.received_total,
                           category=request.category, envelopes=request.envelopes)  # fmt: skip
    return result.to_dict(translate)
