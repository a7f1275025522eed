"""The demo's selection round: an open call of the Uzbek 1x1 scheme in Tashkent region,
spending Chirchiq's envelope, with three applications and a committee of two (one of whom
declared an interest), so that the clerk, the administrator and the committee members each
find their part of a call on their pages. Built through the services, like the rest."""

import datetime
from decimal import Decimal

from django.utils import timezone

from .. import models as m
from .. import services

CODE = "tash-1x1-spring"
CRITERIA = [
    {"name": "Need", "description": "How many people the works serve and how badly they lack "
     "them, judged by the members.", "kind": "scored", "weight": Decimal("3")},
    {"name": "Equity", "description": "The district's matched funding per head so far (less "
     "is better).", "kind": "equity", "weight": Decimal("2")},
    {"name": "Share", "description": "The association's money in hand over the cost.",
     "kind": "share", "weight": Decimal("1")},
    {"name": "Readiness", "description": "Technical file, quotes and executor.",
     "kind": "scored", "weight": Decimal("2")},
]
# the projects that apply (built by seed._build, like the others): submitted, waiting
PROJECTS = [
    ("uz-1x1", "1727419/Navbahor", "Chirchiq Community Moscow", "drinking_water",
     "Navbahor spring water catchment", "70000000.00", "submitted", [],
     [("300000.00", "RUB", 40)]),
    ("uz-1x1", "1727419/Istiqlol", "Chirchiq Community Moscow", "sewerage",
     "Istiqlol sewer to the clinic", "95000000.00", "submitted", [], []),
]
APPLYING = ["Bog'ishamol street lighting", "Navbahor spring water catchment",
            "Istiqlol sewer to the clinic"]


def call(admin, scheme, members) -> m.Call:
    """The open call, its applications and its committee (found again when it exists)."""
    found = m.Call.objects.filter(code=CODE).first()
    if found is not None:
        return found
    tashkent = m.Region.objects.get(districts__code="1727419")
    today = timezone.localdate()
    envelopes = m.BudgetEnvelope.objects.filter(scheme=scheme, funder__district__region=tashkent)
    created = services.call_save(
        actor=admin, fields={
            "code": CODE, "scheme": scheme, "region": tashkent,
            "title": "Spring round: water and sanitation first",
            "description": "Projects of Tashkent region's mahallas compete for the districts' "
                           "1x1 envelopes; the committee scores them after the closing day.",
            "opens_on": today, "closes_on": today + datetime.timedelta(days=21), "quorum": 2},
        envelopes=list(envelopes), criteria=CRITERIA)
    services.call_open(actor=admin, call=created)
    for title in APPLYING:
        project = m.Project.objects.get(title=title, scheme=scheme)
        clerk = m.User.objects.filter(role="clerk", mahallas=project.mahalla).order_by("pk")[0]
        services.application_submit(actor=clerk, call=created, project=project)
    for user in members:
        services.member_add(actor=admin, call=created, user=user)
    services.interest_declare(actor=members[-1], call=created,
                              mahalla=m.Mahalla.objects.get(name="Navbahor",
                                                            district__code="1727419"),
                              note="My brother-in-law chairs Navbahor's committee.")
    return created
