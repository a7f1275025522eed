"""An association proposes a project; the mahalla's clerk adopts it as her draft, or
declines it with a reason the association sees."""

from decimal import Decimal

import pytest
from django.urls import reverse

from matching import models as m
from matching import services
from matching.errors import Forbidden, InvalidInput


def propose(client, mahalla, **changes):
    data = {"mahalla": mahalla.pk, "title": "Navbahor street lamps", "category": "electricity",
            "description": "Forty solar lamps on the school road.", "cost": "65000000"}
    data.update(changes)
    return client.post(reverse("association-propose"), data)


def test_a_proposal_becomes_the_clerks_draft(world, login):
    answer = propose(login(world.migrant), world.mahalla_a)
    assert answer.status_code == 302
    proposal = m.ProjectProposal.objects.get()
    assert (proposal.association, proposal.proposed_by, proposal.currency, proposal.status) == (
        world.association, world.migrant, "UZS", "proposed")
    clerk = login(world.alice)
    assert "Navbahor street lamps" in clerk.get(reverse("clerk-dashboard")).content.decode()
    answer = clerk.post(reverse("clerk-proposal", args=[proposal.pk]), {
        "adopt": "1", "title": "Navbahor street lighting", "scheme": world.scheme.pk,
        "category": "electricity", "cost": "64000000", "description": "Forty solar lamps.",
        "executor": "", "executor_kind": "contractor", "deadline": ""})
    assert answer.status_code == 302, answer.content.decode()[:2000]
    proposal.refresh_from_db()
    project = proposal.project
    assert proposal.status == "adopted" and proposal.decided_by == world.alice
    assert (project.status, project.created_by, project.mahalla, project.association,
            project.cost) == ("draft", world.alice, world.mahalla_a, world.association,
                              Decimal("64000000"))
    assert answer.url == reverse("clerk-project", args=[project.pk])
    # the association sees what became of it
    page = login(world.migrant).get(reverse("association-home")).content.decode()
    assert project.code in page


def test_a_declined_proposal_carries_its_reason(world, login):
    proposal = services.proposal_create(actor=world.migrant, mahalla=world.mahalla_a,
                                        title="Lamps", category="electricity",
                                        description="Lamps.", cost=Decimal("1000"))
    clerk = login(world.alice)
    answer = clerk.post(reverse("clerk-proposal", args=[proposal.pk]), {"decline": "1",
                                                                       "reason": ""})
    assert answer.status_code == 400
    answer = clerk.post(reverse("clerk-proposal", args=[proposal.pk]), {
        "decline": "1", "reason": "The hokimiyat lights this road next year."})
    assert answer.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.project) == ("declined", None)
    page = login(world.migrant).get(reverse("association-home")).content.decode()
    assert "The hokimiyat lights this road next year." in page


def test_a_proposal_outside_the_home_mahallas_is_refused(world, regions, login):
    answer = propose(login(world.stranger), world.mahalla_a)  # Bekobod Diaspora: mahalla B only
    assert answer.status_code == 400
    assert answer.context["form"].errors["mahalla"]
    with pytest.raises(InvalidInput):
        services.proposal_create(actor=world.stranger, mahalla=world.mahalla_a, title="x",
                                 category="road", description="x", cost=Decimal(1))
    assert not m.ProjectProposal.objects.exists()


@pytest.mark.parametrize("_case, changes, field", [
    ("no title", {"title": ""}, "title"), ("no description", {"description": ""}, "description"),
    ("cost zero", {"cost": "0"}, "cost"), ("unknown category", {"category": "bridge"},
                                           "category")])
def test_bad_proposals_are_field_errors(world, login, _case, changes, field):
    answer = propose(login(world.migrant), world.mahalla_a, **changes)
    assert answer.status_code == 400 and answer.context["form"].errors[field]
    assert not m.ProjectProposal.objects.exists()


def test_another_mahallas_clerk_cannot_see_or_adopt_it(world, login):
    proposal = services.proposal_create(actor=world.migrant, mahalla=world.mahalla_a,
                                        title="Lamps", category="electricity",
                                        description="Lamps.", cost=Decimal("1000"))
    assert login(world.charlie).get(reverse("clerk-proposal", args=[proposal.pk])).status_code == 404
    with pytest.raises(Forbidden):
        services.proposal_adopt(actor=world.charlie, proposal=proposal, scheme=world.scheme,
                                title="x", category="road", cost=Decimal(1))
    assert "Lamps" not in login(world.charlie).get(reverse("clerk-dashboard")).content.decode()
    proposal.refresh_from_db()
    assert proposal.status == "proposed"


def test_a_proposal_is_adopted_once(world):
    proposal = services.proposal_create(actor=world.migrant, mahalla=world.mahalla_a,
                                        title="Lamps", category="electricity",
                                        description="Lamps.", cost=Decimal("1000"))
    services.proposal_adopt(actor=world.alice, proposal=proposal, scheme=world.scheme,
                            title="Lamps", category="electricity", cost=Decimal("1000"))
    from matching.errors import NotAllowed

    with pytest.raises(NotAllowed):
        services.proposal_adopt(actor=world.alice, proposal=proposal, scheme=world.scheme,
                                title="Lamps", category="electricity", cost=Decimal("1000"))
    assert m.Project.objects.filter(title="Lamps").count() == 1
