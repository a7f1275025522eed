"""The API of calls: public calls and results (results only once decided, with no personal
names), applications by role, score sheets hidden from a member until he submits his own,
scores submitted by members only, bad input answered with field errors."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from matching import models as m
from matching import services
from matching.services.scoring import criteria_to_score


def _api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def scoring(rounds):
    w = rounds.world
    rounds.a = rounds.apply(w.submitted())
    rounds.b = rounds.apply(w.submitted(mahalla=w.mahalla_b))
    with rounds.after_close():
        rounds.close()
        yield rounds


def test_calls_and_their_criteria_are_public(scoring):
    draft = services.call_save(actor=scoring.admin, fields={
        "code": "a-draft", "scheme": scoring.world.scheme, "title": "Draft",
        "opens_on": scoring.call.opens_on, "closes_on": scoring.call.closes_on, "quorum": 1},
        envelopes=[scoring.world.envelope_a], criteria=[{
            "name": "Need", "description": "x", "kind": "scored", "weight": 1}])
    listed = _api().get(reverse("api:call-list")).json()["results"]
    assert [c["code"] for c in listed] == [scoring.call.code]
    detail = _api().get(reverse("api:call-detail", args=[scoring.call.code])).json()
    assert [(c["name"], c["weight"]) for c in detail["criteria"]] == [
        ("Need", "3.00"), ("Equity", "2.00"), ("Share", "1.00"), ("Readiness", "2.00")]
    assert _api().get(reverse("api:call-detail", args=[draft.code])).status_code == 404
    # results wait for the decisions
    assert _api().get(reverse("api:call-results", args=[scoring.call.code])).status_code == 404


@pytest.mark.parametrize("person, sees", [
    ("admin", {"a", "b"}), ("auditor", {"a", "b"}), ("kamola", {"a", "b"}),
    ("alice", {"a"}), ("charlie", {"b"}), ("bob", {"a"}), ("migrant", {"a", "b"}),
    ("stranger", set()), ("committee", set()), ("tash", {"a", "b"}), ("fer", set()),
])
def test_applications_are_read_in_scope(scoring, regions, person, sees):
    w = scoring.world
    user = {"kamola": scoring.kamola, "committee": regions.committee, "tash": regions.tash,
            "fer": regions.fer}.get(person) or getattr(w, person)
    names = {scoring.a.pk: "a", scoring.b.pk: "b"}
    found = _api(user).get(reverse("api:application-list")).json()["results"]
    assert {names[row["id"]] for row in found} == sees
    for key, name in names.items():
        status = _api(user).get(reverse("api:application-detail", args=[key])).status_code
        assert status == (200 if name in sees else 404)


def test_a_member_reads_the_others_sheets_only_after_submitting_his_own(scoring):
    a = scoring.a
    url = reverse("api:application-detail", args=[a.pk])
    values = {str(c.pk): 6 for c in criteria_to_score(a)}
    with scoring.after_close():
        created = _api(scoring.rustam).post(reverse("api:application-scores", args=[a.pk]),
                                            {"scores": values, "comment": "R"}, format="json")
        assert created.status_code == 201 and created.json()["member"] == "Member 2"
        assert _api(scoring.kamola).get(url).json()["sheets"] == []
        assert len(_api(scoring.rustam).get(url).json()["sheets"]) == 1
        _api(scoring.kamola).post(reverse("api:application-scores", args=[a.pk]),
                                  {"scores": values}, format="json")
        sheets = _api(scoring.kamola).get(url).json()["sheets"]
    assert {s["member"] for s in sheets} == {"Member 1", "Member 2"}
    assert all(set(s["scores"]) == set(values) for s in sheets)
    assert "rustam" not in str(sheets).lower()  # members by number, never by name


@pytest.mark.parametrize("_case, body, field", [
    ("no scores", {}, "scores"),
    ("a score of 11", "eleven", "scores"),
    ("a criterion id that is a word", {"scores": {"need": 5}}, "scores"),
    ("a score that is text", {"scores": "7"}, "scores"),
    ("a missing criterion", "missing", "criterion"),
])
def test_bad_scores_answer_with_field_errors(scoring, _case, body, field):
    a = scoring.a
    wanted = criteria_to_score(a)
    if body == "eleven":
        body = {"scores": {str(c.pk): 11 for c in wanted}}
    elif body == "missing":
        body = {"scores": {str(wanted[0].pk): 5}}
    with scoring.after_close():
        response = _api(scoring.kamola).post(reverse("api:application-scores", args=[a.pk]),
                                             body, format="json")
    assert response.status_code == 400, response.json()
    assert field in str(response.json())
    assert not m.ScoreSheet.objects.exists()


def test_only_members_of_the_call_submit_scores(scoring, regions):
    a = scoring.a
    body = {"scores": {str(c.pk): 5 for c in criteria_to_score(a)}}
    url = reverse("api:application-scores", args=[a.pk])
    with scoring.after_close():
        assert _api(scoring.admin).post(url, body, format="json").status_code == 403
        assert _api(scoring.world.alice).post(url, body, format="json").status_code == 403
        assert _api(regions.committee).post(url, body, format="json").status_code == 404
        assert _api().post(url, body, format="json").status_code in (401, 403)
        assert _api(scoring.world.auditor).post(url, body, format="json").status_code == 403
        services.interest_declare(actor=scoring.dilnoza, call=scoring.call,
                                  mahalla=scoring.world.mahalla_a, note="kin")
        assert _api(scoring.dilnoza).post(url, body, format="json").status_code == 409
    assert not m.ScoreSheet.objects.exists()


def test_a_decided_calls_results_are_public_for_every_application(scoring,
                                                                  django_assert_max_num_queries):
    with scoring.after_close():
        scoring.score_all()
        services.allocation_propose(actor=scoring.admin, call=scoring.call, time_limit=5)
        session = scoring.held_session()
        services.call_decide(actor=scoring.admin, call=scoring.call, session=session,
                             decisions={scoring.b.pk: {"outcome": "rejected",
                                                       "reason": "Duplicate of another"}})
    client = _api()
    with django_assert_max_num_queries(12):
        rows = client.get(reverse("api:call-results", args=[scoring.call.code])).json()
    by_code = {row["project"]: row for row in rows}
    assert by_code[scoring.b.project.code]["decision"] == "rejected"
    assert by_code[scoring.b.project.code]["reason"] == "Duplicate of another"
    assert by_code[scoring.a.project.code]["decision"] == "selected"
    assert all(len(row["scores"]) == 4 and row["total"] for row in rows)
    # and now everyone reads the sheets, members by number
    sheets = _api(scoring.world.alice).get(
        reverse("api:application-detail", args=[scoring.a.pk])).json()["sheets"]
    assert len(sheets) == 3 and {s["member"] for s in sheets} == {"Member 1", "Member 2",
                                                                   "Member 3"}


def test_the_application_list_reads_in_a_few_queries(scoring, django_assert_max_num_queries):
    with scoring.after_close():
        scoring.score_all()
    client = _api(scoring.world.auditor)
    with django_assert_max_num_queries(8):
        assert len(client.get(reverse("api:application-list")).json()["results"]) == 2
