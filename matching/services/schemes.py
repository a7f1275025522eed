"""Schemes: their rules written and published as versions, copied to a new year, and the
link between a scheme's parties and real funders."""

from decimal import Decimal

from django.utils.translation import gettext as _

from .. import policies, rules, rules_input
from ..errors import Conflict, Forbidden, InvalidInput, NotAllowed
from ..models import (ASSOCIATION_ROLE, BudgetEnvelope, Funder, FunderKind, Project, Scheme,
                      SchemeCategoryWeight, SchemeParty, SchemeVersion)
from .base import service


CENT = Decimal("0.01")
# Code, country and currency are set when a scheme is created and never change (project
# codes, amounts and envelopes are in them); the fiscal year only while no project uses it.
SCHEME_FIELDS = ("name", "fiscal_year", "max_project_cost", "max_public_share",
                 "eligible_categories", "win_cooldown_seasons", "block_with_overdue_project",
                 "second_officer_threshold", "is_active")


def _plain(value: Decimal) -> str:
    """A weight or share as the rules JSON writes it: no trailing zeros and never an exponent
    (str(Decimal("10").normalize()) is "1E+1", which the rules reader refuses)."""
    return format(Decimal(value).normalize(), "f")


def rules_dict(*, currency: str, parties: list[dict], max_project_cost=None,
               max_public_share=None, eligible_categories=(), win_cooldown_seasons=None,
               block_with_overdue_project=False, second_officer_threshold=None, **_ignored) -> dict:
    """A scheme's rules as the match-preview `rules` JSON, plus the rules that are not
    arithmetic (second officer, repeat winners, overdue projects), which a version keeps too.

    `parties` are dicts with role, weight, cap and category_weights ({category: weight}), in
    their order. The page's preview, the service that saves and `scheme_rules` all build the
    JSON here, so a save that changes nothing publishes nothing.
    """
    items = []
    for party in parties:
        item = {"role": party["role"], "weight": _plain(party["weight"])}
        if party.get("cap") is not None:
            item["cap"] = str(Decimal(party["cap"]).quantize(CENT))
        weights = {c: _plain(w) for c, w in sorted((party.get("category_weights") or {}).items())}
        if weights:
            item["category_weights"] = weights
        items.append(item)
    data = {"currency": currency, "parties": items}
    if max_project_cost is not None:
        data["max_project_cost"] = str(Decimal(max_project_cost).quantize(CENT))
    if max_public_share is not None:
        data["max_public_share"] = _plain(max_public_share)
    if eligible_categories:
        data["eligible_categories"] = sorted(eligible_categories)
    if second_officer_threshold is not None:
        data["second_officer_threshold"] = str(Decimal(second_officer_threshold).quantize(CENT))
    if win_cooldown_seasons:
        data["win_cooldown_seasons"] = win_cooldown_seasons
    if block_with_overdue_project:
        data["block_with_overdue_project"] = True
    return data


def party_dicts(scheme: Scheme) -> list[dict]:
    """The scheme's parties as `rules_dict` and the editor read them."""
    return [{"role": p.role, "weight": p.weight, "cap": p.cap, "sponsor": p.sponsor,
             "category_weights": {cw.category: cw.weight for cw in p.category_weights.all()}}
            for p in scheme.parties.order_by("position", "id").select_related("sponsor")
            .prefetch_related("category_weights")]


def scheme_rules(scheme: Scheme) -> dict:
    """The scheme's current rules as the match-preview `rules` JSON."""
    return rules_dict(currency=scheme.currency, parties=party_dicts(scheme),
                      **{f: getattr(scheme, f) for f in SCHEME_FIELDS})


def rules_errors(data: dict) -> dict[str, list[str]]:
    """What is wrong with rules in their JSON form, by path ("parties[1].weight"); empty
    when they compute."""
    try:
        rules_input.rules_from_dict(data)
    except rules.RulesError as error:
        return error.errors
    return {}


@service
def scheme_publish(*, scheme: Scheme, actor) -> SchemeVersion:
    """Snapshot the scheme's rules as a new version when they changed since the last one.

    Matches keep the version they were computed under, so a published edit never changes
    them. Rules that would not compute (no association party, say) are refused.
    """
    data = scheme_rules(scheme)
    errors = rules_errors(data)
    if errors:
        raise NotAllowed(_("These rules cannot be used: %(errors)s") % {
            "errors": "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items())})
    latest = SchemeVersion.objects.filter(scheme=scheme).order_by("-number").first()
    if latest and latest.rules == data:
        return latest
    return SchemeVersion.objects.create(scheme=scheme, number=(latest.number + 1) if latest else 1,
                                        rules=data, created_by=actor)


def _check_parties(parties: list[dict]) -> None:
    roles = [p["role"] for p in parties]
    if len(set(roles)) != len(roles):
        raise InvalidInput(_("Each party may appear once."), field="parties")
    if ASSOCIATION_ROLE not in roles:
        raise InvalidInput(_("A scheme needs the migrant association among its parties."),
                           field="parties")
    for party in parties:
        sponsor = party.get("sponsor")
        if party["role"] == FunderKind.SPONSOR and (sponsor is None
                                                    or sponsor.kind != FunderKind.SPONSOR):
            raise InvalidInput(_("Name the private sponsor that plays this part."),
                               field="parties")
        if party["role"] != FunderKind.SPONSOR and sponsor is not None:
            raise InvalidInput(_("Only a private sponsor party names a funder."), field="parties")


def _write_parties(scheme: Scheme, parties: list[dict]) -> None:
    """Make the scheme's parties and category weights those given, updating rows in place
    (a role is unique in a scheme), so the audit trail shows what changed."""
    existing = {p.role: p for p in scheme.parties.all()}
    for role in set(existing) - {p["role"] for p in parties}:
        existing[role].delete()
    for position, data in enumerate(parties):
        party = existing.get(data["role"]) or SchemeParty(scheme=scheme, role=data["role"])
        party.position, party.weight, party.cap = position, data["weight"], data.get("cap")
        party.sponsor = data.get("sponsor")
        party.save()
        weights = data.get("category_weights") or {}
        party.category_weights.exclude(category__in=list(weights)).delete()
        for category, weight in weights.items():
            SchemeCategoryWeight.objects.update_or_create(party=party, category=category,
                                                          defaults={"weight": weight})


@service
def scheme_save(*, actor, scheme: Scheme | None = None, fields: dict, parties: list[dict],
                based_on: int | None = None) -> tuple[Scheme, SchemeVersion]:
    """Create a scheme, or change one, and publish its rules as a new version: all in one
    transaction, so rules and published rules never part ways.

    `fields`: the scheme's own (code, country and currency for a new one; name, fiscal year,
    limits, eligibility, second-officer threshold, active). `parties`: see `rules_dict`.
    `based_on`: the version the editor showed; if another version was published meanwhile,
    nothing is saved (the editor would overwrite it unseen).
    """
    if not policies.may_edit_schemes(actor):
        raise Forbidden(_("Only programme administrators may change scheme rules."))
    _check_parties(parties)
    if scheme is None:
        scheme = Scheme(code=fields["code"], country=fields["country"],
                        currency=fields["currency"])
        if Scheme.objects.filter(code=scheme.code).exists():
            raise InvalidInput(_("Another scheme has this code."), field="code")
    else:
        # two administrators saving at once: the second waits, then sees the first's version
        scheme = Scheme.objects.select_for_update().get(pk=scheme.pk)
        latest = scheme.versions.order_by("-number").values_list("number", flat=True).first()
        if based_on is not None and latest is not None and latest != based_on:
            raise Conflict(_("Version %(n)s was published while you edited: reload the page "
                             "to see it before you change the rules.") % {"n": latest})
        if (fields.get("fiscal_year", scheme.fiscal_year) != scheme.fiscal_year
                and scheme.projects.exists()):
            raise NotAllowed(_("Projects are registered under this scheme: its fiscal year "
                               "cannot change. Copy it to the new year instead."),
                             field="fiscal_year")
    for name in SCHEME_FIELDS:
        if name in fields:
            setattr(scheme, name, fields[name])
    errors = rules_errors(rules_dict(currency=scheme.currency, parties=parties,
                                     **{f: getattr(scheme, f) for f in SCHEME_FIELDS}))
    if errors:
        raise InvalidInput(_("These rules cannot be used: %(errors)s") % {
            "errors": "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items())},
            field="parties")
    scheme.save()
    _write_parties(scheme, parties)
    return scheme, scheme_publish(scheme=scheme, actor=actor)


@service
def scheme_copy(*, actor, scheme: Scheme, code: str, name: str, fiscal_year: int,
                copy_envelopes: bool = False) -> Scheme:
    """The scheme's rules, parties and weights as a new scheme for another fiscal year
    (version 1 published); with `copy_envelopes`, each funder's envelope opens with the
    amount it had, recorded as its opening adjustment."""
    from .funders import envelope_open  # noqa: PLC0415 (funders import this module)

    fields = {f: getattr(scheme, f) for f in SCHEME_FIELDS}
    fields.update(code=code, name=name, fiscal_year=fiscal_year, country=scheme.country,
                  currency=scheme.currency, is_active=True)
    copy, _version = scheme_save(actor=actor, fields=fields, parties=party_dicts(scheme))
    if copy_envelopes:
        for envelope in scheme.envelopes.select_related("funder").order_by("id"):
            envelope_open(actor=actor, funder=envelope.funder, scheme=copy,
                          amount=envelope.amount,
                          reason=_("Copied from %(code)s.") % {"code": scheme.code})
    return copy


def current_version(scheme: Scheme) -> SchemeVersion:
    version = SchemeVersion.objects.filter(scheme=scheme).order_by("-number").first()
    if version is None:
        raise NotAllowed(_("Scheme %(code)s has no published rules yet.") % {"code": scheme.code})
    return version


def rules_of(version: SchemeVersion) -> rules.Rules:
    return rules_input.rules_from_dict(version.rules)


def funder_for(project: Project, role: str) -> Funder | None:
    """The funder that plays `role` for this project: its own mahalla committee, district,
    region, country, or the sponsor the scheme names."""
    district = project.mahalla.district
    lookups = {
        FunderKind.MAHALLA: {"kind": FunderKind.MAHALLA, "mahalla_id": project.mahalla_id},
        FunderKind.DISTRICT: {"kind": FunderKind.DISTRICT, "district_id": district.pk},
        FunderKind.REGION: {"kind": FunderKind.REGION, "region_id": district.region_id},
        FunderKind.NATIONAL: {"kind": FunderKind.NATIONAL,
                              "country_id": project.scheme.country_id},
    }
    if role == ASSOCIATION_ROLE:
        return None
    if role == FunderKind.SPONSOR:
        party = project.scheme.parties.filter(role=role).select_related("sponsor").first()
        return party.sponsor if party else None
    return Funder.objects.filter(**lookups[role]).first() if role in lookups else None


def envelopes_for(project: Project, roles: list[str]) -> dict[str, BudgetEnvelope]:
    """The envelope of each co-funder role under the project's scheme; refuses if one is
    missing, naming it."""
    found = {}
    for role in roles:
        funder = funder_for(project, role)
        envelope = (BudgetEnvelope.objects.filter(funder=funder, scheme=project.scheme).first()
                    if funder else None)
        if envelope is None:
            raise NotAllowed(_("No budget envelope of the %(role)s for scheme %(scheme)s.")
                             % {"role": role, "scheme": project.scheme.code})
        found[role] = envelope
    return found
