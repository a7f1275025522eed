"""Malformed input answers 4xx, never a 500: ids, cursors, query parameters, bodies, keys."""

import base64

import pytest

from matching.models import Pledge

LIST, PLEDGES, RECEIPTS = "/api/v1/projects/", "/api/v1/pledges/", "/api/v1/receipts/"
HUGE = str(2**70)
BEYOND_INT4, BIGINT_MAX = str(2**31), str(2**63 - 1)


def cursor(position, reverse=False):
    query = f"o=0&p={position}" + ("&r=1" if reverse else "")
    return base64.b64encode(query.encode()).decode()


@pytest.mark.parametrize("url", [
    f"{LIST}{HUGE}/", f"{LIST}{HUGE}/ledger/", f"{LIST}{HUGE}/timeline/",
    f"{PLEDGES}{HUGE}/", f"{RECEIPTS}{HUGE}/", f"/api/v1/webhooks/{HUGE}/",
])
def test_huge_ids_are_404(world, projects, as_user, url):
    for size in (BEYOND_INT4, BIGINT_MAX):
        assert as_user(world.alice).get(url.replace(HUGE, size)).status_code in (403, 404)
    who = world.migrant if "webhooks" in url else world.alice
    assert as_user(who).get(url).status_code == 404


@pytest.mark.parametrize("url", [LIST, PLEDGES, RECEIPTS])
@pytest.mark.parametrize("position", ["abc", HUGE, "-" + HUGE, "1.5", "\u00b2"])
def test_forged_cursors_are_refused_not_500(world, projects, as_user, url, position):
    answer = as_user(world.alice).get(url, {"cursor": cursor(position)})
    assert answer.status_code in (200, 400, 404), answer.content


@pytest.mark.parametrize("query", [
    {"region": HUGE}, {"district": "x"}, {"mahalla": "1e400"}, {"fiscal_year": HUGE},
    {"status": "nope"}, {"page_size": "x"}, {"page_size": HUGE}, {"search": "\x00"},
])
def test_malformed_list_filters_are_not_500(world, projects, as_user, query):
    assert as_user(world.alice).get(LIST, query).status_code in (200, 400)


@pytest.mark.parametrize("query", [{"project": HUGE}, {"project": "x"}, {"status": "x"}])
def test_malformed_money_filters_are_not_500(world, projects, as_user, query):
    assert as_user(world.alice).get(PLEDGES, query).status_code in (200, 400)
    assert as_user(world.alice).get(RECEIPTS, query).status_code in (200, 400)


@pytest.mark.parametrize("object_id", ["\u00b2", "\u0663", HUGE, "-1"])
def test_odd_audit_object_ids_are_not_500(world, client, object_id):
    client.force_login(world.auditor)
    answer = client.get("/api/v1/audit/", {"model": "Project", "object_id": object_id})
    assert answer.status_code in (200, 400)


@pytest.mark.parametrize("body, content_type", [
    ("{not json", "application/json"), ("[1, 2]", "application/json"),
    ('"text"', "application/json"), ("null", "application/json"),
])
def test_non_json_or_odd_json_pledges_are_400(world, projects, as_user, body, content_type):
    client = as_user(world.migrant)
    for key in (None, "k-1"):
        headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
        answer = client.post(PLEDGES, body, content_type=content_type, **headers)
        assert answer.status_code == 400, answer.content
    assert not Pledge.objects.exists()


@pytest.mark.parametrize("change", [{"project": HUGE}, {"project": "x"}, {"project": [1]},
                                    {"amount": "1e400"}, {"amount": HUGE}])
def test_odd_pledge_fields_are_400(world, projects, as_user, change):
    body = {"project": projects[0].pk, "amount": "250000.00", "currency": "RUB",
            "expected_on": "2030-06-30", **change}
    answer = as_user(world.migrant).post(PLEDGES, body, format="json")
    assert answer.status_code == 400, answer.content
    assert not Pledge.objects.exists()


def test_receipt_with_a_huge_pledge_id_is_400(world, projects, as_user):
    answer = as_user(world.alice).post(RECEIPTS, {
        "project": projects[0].pk, "amount": "1.00", "currency": "RUB", "rate": "151.40",
        "received_on": "2026-01-01", "reference": "R-1", "pledge": HUGE}, format="json")
    assert answer.status_code == 400, answer.content


@pytest.mark.parametrize("key", ["x" * 256, "a\tb", " "])
def test_bad_idempotency_keys_are_400(world, projects, as_user, key):
    body = {"project": projects[0].pk, "amount": "250000.00", "currency": "RUB",
            "expected_on": "2030-06-30"}
    answer = as_user(world.migrant).post(PLEDGES, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert answer.status_code == 400, answer.content
    assert not Pledge.objects.exists()


@pytest.mark.parametrize("body", ["{not json", "[]", '{"rules": 5}', '{"cost": "1e400"}'])
def test_odd_previews_are_400(db, api, body):
    answer = api.post("/api/v1/match-preview/", body, content_type="application/json")
    assert answer.status_code == 400, answer.content


@pytest.mark.parametrize("position", ["abc", "1.5", "\u00b2", HUGE])
def test_forged_cursors_on_the_ledger_and_the_audit_trail(world, projects, as_user, position):
    ledger = as_user(world.alice).get(f"{LIST}{projects[0].pk}/ledger/",
                                      {"cursor": cursor(position)})
    assert ledger.status_code in (200, 404), ledger.content
    audit = as_user(world.auditor).get("/api/v1/audit/",
                                       {"model": "Project", "cursor": cursor(position)})
    assert audit.status_code in (200, 404), audit.content


def test_a_forged_cursor_is_the_bad_cursor_404(world, projects, as_user):
    answer = as_user(world.alice).get(LIST, {"cursor": cursor("abc")})
    assert answer.status_code == 404
    assert answer.json()["errors"][0]["detail"] == "Invalid cursor"


def test_a_pledge_outside_the_clerks_scope_reads_as_missing(world, projects, as_user):
    from matching import services

    theirs = services.pledge_create(actor=world.migrant, project=projects[1], amount="100.00",
                                    currency="RUB", expected_on="2030-06-30")
    answer = as_user(world.alice).post(RECEIPTS, {
        "project": projects[0].pk, "amount": "1.00", "currency": "RUB", "rate": "151.40",
        "received_on": "2026-01-01", "reference": "R-1", "pledge": theirs.pk}, format="json")
    assert answer.status_code == 400, answer.content
    error = answer.json()["errors"][0]
    assert (error["attr"], error["code"]) == ("pledge", "does_not_exist")


@pytest.mark.parametrize("header", ["Token \u00e9\u00e9\u00e9", "Token " + "a" * 300,
                                    "Token a b", "Token ", "Token \u00ff" * 3])
def test_malformed_tokens_are_401(db, api, header):
    answer = api.get(LIST, HTTP_AUTHORIZATION=header)
    assert answer.status_code == 401, answer.content


@pytest.mark.parametrize("url", ["http://[::1", "https://", "ftp://example.org/", "x" * 3000,
                                 "https://user:pw@example.org/", "https://exa mple.org/",
                                 ["https://example.org/"], None, 5])
def test_odd_webhook_urls_are_400(world, as_user, url):
    client = as_user(world.migrant)
    answer = client.post("/api/v1/webhooks/", {"url": url}, format="json")
    assert answer.status_code == 400, answer.content


@pytest.mark.parametrize("query", [{"endpoint": HUGE}, {"endpoint": "x"}, {"topic": "\x00"},
                                   {"status": "nope"}])
def test_malformed_delivery_filters_are_not_500(world, as_user, query):
    answer = as_user(world.migrant).get("/api/v1/webhook-deliveries/", query)
    assert answer.status_code in (200, 400), answer.content


@pytest.mark.parametrize("code", ["%00", "a" * 500, HUGE])
def test_odd_scheme_codes_are_404(db, api, code):
    assert api.get(f"/api/v1/schemes/{code}/").status_code == 404


@pytest.mark.parametrize("body", ['{"cost": 1e308, "received": 1e308, "scheme": "x"}',
                                  '{"rules": {"parties": "x"}, "cost": "1", "received": "1"}',
                                  '{"rules": [], "cost": [], "received": {}}'])
def test_stranger_previews_are_400(db, api, body):
    answer = api.post("/api/v1/match-preview/", body, content_type="application/json")
    assert answer.status_code == 400, answer.content
