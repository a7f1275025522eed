"""Scheme versions and the link between a scheme's parties and real funders."""

from django.utils.translation import gettext as _

from .. import rules, rules_input
from ..errors import NotAllowed
from ..models import (ASSOCIATION_ROLE, BudgetEnvelope, Funder, FunderKind, Project, Scheme,
                      SchemeVersion)
from .base import service


def scheme_rules(scheme: Scheme) -> dict:
    """The scheme's current rules as the match-preview `rules` JSON."""
    parties = []
    for party in scheme.parties.order_by("position", "id").prefetch_related("category_weights"):
        item = {"role": party.role, "weight": str(party.weight.normalize())}
        if party.cap is not None:
            item["cap"] = str(party.cap)
        weights = {cw.category: str(cw.weight.normalize()) for cw in party.category_weights.all()}
        if weights:
            item["category_weights"] = weights
        parties.append(item)
    data = {"currency": scheme.currency, "parties": parties}
    if scheme.max_project_cost is not None:
        data["max_project_cost"] = str(scheme.max_project_cost)
    if scheme.max_public_share is not None:
        data["max_public_share"] = str(scheme.max_public_share.normalize())
    if scheme.eligible_categories:
        data["eligible_categories"] = sorted(scheme.eligible_categories)
    return data


@service
def scheme_publish(*, scheme: Scheme, actor) -> SchemeVersion:
    """Snapshot the scheme's rules as a new version when they changed since the last one.

    Matches keep the version they were computed under, so a published edit never changes
    them. Rules that would not compute (no association party, say) are refused.
    """
    data = scheme_rules(scheme)
    try:
        rules_input.rules_from_dict(data)
    except rules.RulesError as error:
        raise NotAllowed(_("These rules cannot be used: %(errors)s") % {
            "errors": "; ".join(f"{k}: {' '.join(v)}" for k, v in error.errors.items())})
    latest = SchemeVersion.objects.filter(scheme=scheme).order_by("-number").first()
    if latest and latest.rules == data:
        return latest
    return SchemeVersion.objects.create(scheme=scheme, number=(latest.number + 1) if latest else 1,
                                        rules=data, created_by=actor)


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
