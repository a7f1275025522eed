"""Selection rounds: the `world` plus a call on its scheme spending both districts'
envelopes, three committee members (kamola, rustam, dilnoza), and helpers that move a call
through its life: open, applications, close (a day after its closing day), scores, a held
session, a proposal and decisions; and `stage`, such a call closed, with sessions."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from matching import models as m
from matching import services
from tests import factories as f
from tests.setup.conftest import regions  # noqa: F401 (both sides of a regional boundary)
from tests.web.conftest import login  # noqa: F401 (page tests log in)

CRITERIA = [
    {"name": "Need", "description": "Category and people served, judged by the members.",
     "kind": "scored", "weight": Decimal("3")},
    {"name": "Equity", "description": "The district's matched funding per head so far.",
     "kind": "equity", "weight": Decimal("2")},
    {"name": "Share", "description": "The association's money in hand over the cost.",
     "kind": "share", "weight": Decimal("1")},
    {"name": "Readiness", "description": "Technical file and executor.", "kind": "scored",
     "weight": Decimal("2")},
]


@dataclass
class Rounds:
    world: object
    call: m.Call
    kamola: m.User
    rustam: m.User
    dilnoza: m.User
    seats: dict = field(default_factory=dict)

    @property
    def admin(self):
        return self.world.admin

    def apply(self, project, call=None):
        clerk = self.world.alice if project.mahalla == self.world.mahalla_a else self.world.charlie
        return services.application_submit(actor=clerk, call=call or self.call, project=project)

    def after_close(self, days=1):
        """A time machine to the day after the call's closing day (plus `days` - 1)."""
        day = self.call.closes_on + datetime.timedelta(days=days)
        return time_machine.travel(datetime.datetime.combine(day, datetime.time(10)).replace(
            tzinfo=timezone.get_current_timezone()), tick=True)

    def close(self):
        services.call_close(actor=self.admin, call=self.call)
        self.call.refresh_from_db()

    def score_all(self, values=None, members=None):
        """Every member scores every application he may, `values(application, criterion)`
        (default: 7 on everything)."""
        from matching.services.scoring import criteria_to_score, why_not_score

        self.call.refresh_from_db()
        for user in members or (self.kamola, self.rustam, self.dilnoza):
            for application in self.call.applications.active():
                if why_not_score(user, application):
                    continue
                services.score_submit(actor=user, application=application, values={
                    c.pk: (values(application, c) if values else 7)
                    for c in criteria_to_score(application)})

    def held_session(self, present=None):
        session = services.session_schedule(actor=self.admin, call=self.call,
                                            held_on=timezone.localdate(), place="Hokimiyat")
        members = [self.seats[u.pk] for u in (present or (self.kamola, self.rustam, self.dilnoza))]
        return services.session_attendance(actor=self.admin, session=session, present=members)


@pytest.fixture
def rounds(world) -> Rounds:
    today = timezone.localdate()
    call = services.call_save(
        actor=world.admin,
        fields={"code": "tash-2026-1", "scheme": world.scheme, "title": "Water first",
                "description": "Drinking water and roads.", "opens_on": today,
                "closes_on": today + datetime.timedelta(days=10), "quorum": 2},
        envelopes=[world.envelope_a, world.envelope_b], criteria=CRITERIA)
    services.call_open(actor=world.admin, call=call)
    people = {name: f.UserFactory(username=name, role=m.Role.COMMITTEE,
                                  first_name=name.capitalize())
              for name in ("kamola", "rustam", "dilnoza")}
    result = Rounds(world=world, call=call, **people)
    for user in people.values():
        result.seats[user.pk] = services.member_add(actor=world.admin, call=call, user=user)
    call.refresh_from_db()
    return result


@pytest.fixture
def stage(rounds, request):
    """A national call, closed, with two applications, a session and its published minutes;
    a regional draft of tash's; everyone who might knock."""
    admins = request.getfixturevalue("regions")
    w = rounds.world
    a = rounds.apply(w.submitted())
    rounds.apply(w.submitted(mahalla=w.mahalla_b))
    regional = services.call_save(
        actor=admins.tash, fields={"code": "tash-draft", "scheme": w.scheme, "title": "Draft",
                                    "opens_on": rounds.call.opens_on,
                                    "closes_on": rounds.call.closes_on, "quorum": 1},
        envelopes=[w.envelope_a], criteria=CRITERIA)
    with rounds.after_close():
        rounds.close()
        session = rounds.held_session()
        published = rounds.held_session()
        services.session_publish(actor=rounds.admin, session=published)
        rounds.things = {"call": rounds.call, "regional": regional, "application": a,
                         "session": session, "project": a.project,
                         "member": rounds.seats[rounds.dilnoza.pk]}
        rounds.people = {"alice": w.alice, "bob": w.bob, "auditor": w.auditor,
                         "migrant": w.migrant, "kamola": rounds.kamola,
                         "committee": admins.committee, "admin": w.admin,
                         "programme": admins.programme, "tash": admins.tash,
                         "fer": admins.fer}
        yield rounds
