"""The pages of selection rounds: the permission matrix of every page by role and by region,
bad input answered on its field (never a 500, what was typed kept), scores hidden on the
members' pages until each submits his own, and query counts of the list pages."""

import re

import pytest
from django.urls import reverse

from matching import models as m
from matching import services
from matching.services.scoring import criteria_to_score

from .conftest import CRITERIA

ANON, ADMINS = "anonymous", ("admin", "programme", "tash", "fer")
PEOPLE = ("anonymous", "alice", "bob", "auditor", "migrant", "kamola", "committee", *ADMINS)


def _client(stage, login, person):
    from django.test import Client

    return Client() if person == ANON else login(stage.people[person])


def _expected(rule, person):
    """The status `person` gets under `rule`."""
    if rule == "public":
        return 200
    if person == ANON:
        return 302  # to the login page
    if rule == "national":  # a national call: programme administrators only; regional: 404
        return {"admin": 200, "programme": 200, "tash": 404, "fer": 404}.get(person, 403)
    if rule == "regional":  # tash's region's call: tash and the programme's; fer: 404
        return {"admin": 200, "programme": 200, "tash": 200, "fer": 404}.get(person, 403)
    if rule == "admins":
        return 200 if person in ADMINS else 403
    if rule == "member":  # kamola sits on the call; another committee member: 404
        return {"kamola": 200, "committee": 404}.get(person, 403)
    if rule == "committee":
        return 200 if person in ("kamola", "committee") else 403
    raise AssertionError(rule)


PAGES = [
    ("setup-calls", [], "admins"),
    ("setup-call-new", [], "admins"),
    ("setup-call", ["call"], "national"),
    ("setup-call", ["regional"], "regional"),
    ("setup-call-edit", ["regional"], "regional"),
    ("setup-call-member-add", ["call"], "national"),
    ("setup-call-session-new", ["call"], "national"),
    ("setup-call-allocation", ["call"], "national"),
    ("setup-session", ["session"], "national"),
    ("committee-home", [], "committee"),
    ("committee-call", ["call"], "member"),
    ("committee-application", ["application"], "member"),
    ("public-calls", [], "public"),
    ("public-call", ["~code"], "public"),
]


@pytest.mark.parametrize("name, args, rule", PAGES)
def test_every_page_answers_each_role_as_it_should(stage, login, name, args, rule):
    values = [stage.call.code if a == "~code" else stage.things[a].pk for a in args]
    url = reverse(name, args=values)
    with stage.after_close():
        for person in PEOPLE:
            response = _client(stage, login, person).get(url)
            assert response.status_code == _expected(rule, person), (person, url)


def test_the_published_minutes_and_results_are_public_and_drafts_are_not(stage, login):
    with stage.after_close():
        for person in PEOPLE:
            client = _client(stage, login, person)
            assert client.get(reverse("public-minutes", args=[stage.call.code, 2])) \
                .status_code == 200
            assert client.get(reverse("public-minutes", args=[stage.call.code, 1])) \
                .status_code == 404  # held, not published
            assert client.get(reverse("public-call", args=["tash-draft"])).status_code == 404


POSTS = [  # (url name, arguments, data, who may)
    ("setup-call-open", ["regional"], {}, "regional"),
    ("setup-call-close", ["call"], {}, "national"),
    ("setup-call-member-remove", ["call", "member"], {}, "national"),
    ("setup-session-publish", ["session"], {}, "national"),
    ("setup-session-votes", ["session", "application"], {}, "national"),
    ("setup-session-decide", ["session"], {}, "national"),
]


@pytest.mark.parametrize("name, args, data, rule", POSTS)
def test_every_action_is_refused_to_those_who_may_not(stage, login, name, args, data, rule):
    url = reverse(name, args=[stage.things[a].pk for a in args])
    with stage.after_close():
        for person in PEOPLE:
            if _expected(rule, person) == 200:
                continue  # (the allowed are tried in the tests of each action)
            response = _client(stage, login, person).post(url, data)
            assert response.status_code == _expected(rule, person), (person, url)
    assert m.CommitteeMember.objects.filter(pk=stage.things["member"].pk).exists()
    assert m.Call.objects.get(pk=stage.things["regional"].pk).status == m.CallStatus.DRAFT


def test_a_clerk_applies_and_withdraws_only_her_own_projects(rounds, login):
    w = rounds.world
    mine, hers = w.submitted(), w.submitted(mahalla=w.mahalla_b)
    alice = login(w.alice)
    page = alice.get(reverse("clerk-project", args=[mine.pk]))
    assert rounds.call.code in page.content.decode()
    assert alice.post(reverse("clerk-project-apply", args=[hers.pk]),
                      {"call": rounds.call.pk}).status_code == 404
    assert login(w.bob).post(reverse("clerk-project-apply", args=[mine.pk]),
                             {"call": rounds.call.pk}).status_code == 403
    alice.post(reverse("clerk-project-apply", args=[mine.pk]), {"call": rounds.call.pk})
    application = m.Application.objects.get(project=mine)
    assert login(w.charlie).post(reverse("clerk-application-withdraw",
                                         args=[application.pk])).status_code == 404
    alice.post(reverse("clerk-application-withdraw", args=[application.pk]))
    application.refresh_from_db()
    assert application.withdrawn_at is not None
    # a call id that is not open for the project is a message, not a 500
    response = alice.post(reverse("clerk-project-apply", args=[mine.pk]), {"call": "x"},
                          follow=True)
    assert response.status_code == 200 and "open for this project" in response.content.decode()


def _errors(response) -> str:
    return " ".join(re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>',
                               response.content.decode(), re.S))


def _call_form(call=None, **changes):
    data = {"code": "new-call", "title": "Roads", "scheme": call.scheme_id if call else "",
            "opens_on": "2026-01-10", "closes_on": "2026-01-20", "quorum": "2",
            "criteria-TOTAL_FORMS": "1", "criteria-INITIAL_FORMS": "0",
            "criteria-0-name": "Need", "criteria-0-description": "Judged", "criteria-0-kind":
            "scored", "criteria-0-weight": "3"}
    data.update(changes)
    return data


@pytest.mark.parametrize("_case, changes, field_text", [
    ("closes before it opens", {"closes_on": "2026-01-01"}, "close on or after"),
    ("a weight of zero", {"criteria-0-weight": "0"}, "greater than or equal"),
    ("a half-filled criterion", {"criteria-0-description": ""}, "empty the whole row"),
    ("no envelope", {"envelopes": []}, "required"),
    ("a date that is not one", {"opens_on": "31/31/2026"}, "valid date"),
    ("a quorum of words", {"quorum": "three"}, "whole number"),
])
def test_a_bad_call_form_answers_on_its_field_and_keeps_what_was_typed(rounds, login, _case,
                                                                       changes, field_text):
    admin = login(rounds.admin)
    data = _call_form(rounds.call, **{"envelopes": [rounds.world.envelope_a.pk], **changes})
    response = admin.post(reverse("setup-call-new"), data)
    assert response.status_code == 400
    assert field_text in _errors(response) + response.content.decode()
    assert 'value="Roads"' in response.content.decode()
    assert not m.Call.objects.filter(code="new-call").exists()


def test_a_good_call_form_saves_a_draft(rounds, login):
    admin = login(rounds.admin)
    response = admin.post(reverse("setup-call-new"), _call_form(
        rounds.call, envelopes=[rounds.world.envelope_a.pk]))
    call = m.Call.objects.get(code="new-call")
    assert response.status_code == 302 and call.status == m.CallStatus.DRAFT
    assert list(call.criteria.values_list("name", flat=True)) == ["Need"]


def test_bad_scores_answer_on_their_field_and_hidden_scores_stay_hidden(stage, login):
    application = stage.things["application"]
    url = reverse("committee-application", args=[application.pk])
    criteria = criteria_to_score(application)
    with stage.after_close():
        services.score_submit(actor=stage.rustam, application=application,
                              values={c.pk: 3 for c in criteria}, comment="RUSTAM-SECRET")
        kamola = login(stage.kamola)
        page = kamola.get(url).content.decode()
        assert "RUSTAM-SECRET" not in page and 'id="hidden-scores"' in page
        response = kamola.post(url, {f"criterion_{criteria[0].pk}": "11", "comment": "mine"})
        assert response.status_code == 400 and "mine" in response.content.decode()
        assert "RUSTAM-SECRET" not in response.content.decode()
        response = kamola.post(url, {"comment": "mine"})
        assert response.status_code == 400 and _errors(response)
        assert not m.ScoreSheet.objects.filter(member__user=stage.kamola).exists()
        kamola.post(url, {**{f"criterion_{c.pk}": "8" for c in criteria}, "comment": "mine"})
        assert "RUSTAM-SECRET" in kamola.get(url).content.decode()
        # the administrator's page of a member's call application shows the sheets' count,
        # the public call page nothing until the call is decided
        public = login(stage.world.alice).get(reverse("public-call", args=[stage.call.code]))
        assert "RUSTAM-SECRET" not in public.content.decode()
        assert 'id="results"' not in public.content.decode()


def test_bad_input_on_the_running_pages_answers_on_its_field(stage, login):
    admin = login(stage.admin)
    call, session = stage.call, stage.things["session"]
    with stage.after_close():
        response = admin.post(reverse("setup-call-member-add", args=[call.pk]),
                              {"user": stage.world.bob.pk})
        assert response.status_code == 400 and _errors(response)
        response = admin.post(reverse("setup-call-session-new", args=[call.pk]),
                              {"held_on": "soon", "place": ""})
        assert response.status_code == 400 and "valid date" in _errors(response)
        response = admin.post(reverse("setup-call-allocation", args=[call.pk]),
                              {"time_limit": "0"})
        assert response.status_code == 400
        response = admin.post(reverse("setup-call-allocation", args=[call.pk]),
                              {"time_limit": "601"})  # longer than a job may solve
        assert response.status_code == 400 and "600" in _errors(response)
        response = admin.post(reverse("setup-call-allocation", args=[call.pk]),
                              {"time_limit": "45"})  # not scored yet: said on the page
        assert response.status_code == 409 and "not fully scored" in response.content.decode()
        response = login(stage.kamola).post(reverse("committee-call", args=[call.pk]),
                                            {"note": "kin"})
        assert response.status_code == 400 and "either a mahalla" in _errors(response)
        response = admin.post(reverse("setup-session", args=[session.pk]),
                              {"present": ["999999"]})
        assert response.status_code == 400
    assert admin.get(reverse("setup-call", args=[999999])).status_code == 404


def test_a_departure_without_a_reason_is_refused_on_its_row(stage, login):
    application = stage.things["application"]
    with stage.after_close():
        stage.score_all()
        services.allocation_propose(actor=stage.admin, call=stage.call, time_limit=5)
        admin = login(stage.admin)
        url = reverse("setup-session-decide", args=[stage.things["session"].pk])
        page = admin.get(url)
        assert page.status_code == 200
        data = {f"outcome_{a.pk}": "selected" for a in stage.call.applications.all()}
        data[f"outcome_{application.pk}"] = "rejected"
        data["reason_0"] = "ignored"
        response = admin.post(url, data)
        assert response.status_code == 400
        assert "reason for departing" in _errors(response)
        assert 'value="rejected" selected' in response.content.decode()
    assert not m.CallDecision.objects.exists()


def test_list_pages_read_in_a_few_queries(stage, login, django_assert_max_num_queries):
    w = stage.world
    for n in range(5):
        services.call_save(actor=w.admin, fields={
            "code": f"extra-{n}", "scheme": w.scheme, "title": "More",
            "opens_on": stage.call.opens_on, "closes_on": stage.call.closes_on, "quorum": 1},
            envelopes=[w.envelope_a], criteria=CRITERIA)
    admin, alice = login(w.admin), login(w.alice)
    with stage.after_close():
        with django_assert_max_num_queries(12):
            assert admin.get(reverse("setup-calls")).status_code == 200
        with django_assert_max_num_queries(8):
            assert alice.get(reverse("public-calls")).status_code == 200
        with django_assert_max_num_queries(25):
            assert admin.get(reverse("setup-call", args=[stage.call.pk])).status_code == 200
