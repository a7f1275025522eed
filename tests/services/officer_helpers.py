"""What the tests of the officers' actions share: a gap to cover, funders to cover it, a
second-officer threshold, and the audit trail's actor."""

from decimal import Decimal

from matching import models as m
from matching import services

from .. import factories as f


def capped(world, cap="15000000.00"):
    """Cap the district's share: a 40,000,000 project then has a gap of 5,000,000."""
    world.scheme.parties.filter(role="district").update(cap=Decimal(cap))
    services.scheme_publish(scheme=world.scheme, actor=world.admin)


def committee(world, amount="50000000.00", mahalla=None):
    """Mahalla A's committee with an envelope under the scheme: a funder of bob's district."""
    mahalla = mahalla or world.mahalla_a
    funder = f.FunderFactory(name=f"{mahalla.name} mahalla committee", kind="mahalla",
                             mahalla=mahalla)
    m.BudgetEnvelope.objects.create(funder=funder, scheme=world.scheme, amount=Decimal(amount))
    return funder


def region_funder(world, amount="50000000.00"):
    funder = f.FunderFactory(name="Toshkent viloyati hokimligi", kind="region",
                             region=world.region)
    m.BudgetEnvelope.objects.create(funder=funder, scheme=world.scheme, amount=Decimal(amount))
    return funder


def sponsor(name="Navbahor Cement LLC"):
    """A private sponsor without an envelope: only an administrator commits its money."""
    return f.FunderFactory(name=name, kind="sponsor")


def second_officer_above(world, threshold="10000000.00"):
    m.Scheme.objects.filter(pk=world.scheme.pk).update(
        second_officer_threshold=Decimal(threshold))
    world.scheme.refresh_from_db()


def in_review(world, **kwargs):
    project = world.submitted(**kwargs)
    services.project_review_start(project=project, actor=world.bob)
    return project


def last_actor(obj) -> int | None:
    """The user the audit trail names for the latest change of `obj`."""
    from django.apps import apps

    audit = apps.get_model("matching", f"{type(obj).__name__}Audit")
    event = (audit.objects.filter(pgh_obj_id=obj.pk).select_related("pgh_context")
             .order_by("-pgh_id").first())
    return event.pgh_context.metadata.get("user") if event and event.pgh_context else None
