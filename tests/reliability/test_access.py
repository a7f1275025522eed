"""Access: the web pages' permission matrix (role × page × own and another tenant's object),
no personal data on public pages and exports, login throttling, and the security log.

The API's matrix is tests/api/test_matrix.py; this one covers the pages of clerks, officers,
reports, imports and reminders. "own" is in the caller's scope where the role has one (alice's
mahalla A, bob's district A, the migrant's association); "other" is the other association's
project in mahalla B of district B. The administrator is one of another region.
"""

import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from matching import ledger
from matching import models as m
from matching import services
from tests import factories as f

from ..jobs.helpers import fetch

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ROLES = ["clerk", "officer", "administrator", "association", "auditor", "anonymous"]
L = "login"  # a redirect to the login page


def _pdf(name="slip.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def tenants(world):
    own = world.approved()
    other = services.project_create(
        actor=world.charlie, mahalla=world.mahalla_b, association=world.other_association,
        scheme=world.scheme, category="road", title="Bekobod road", cost="40000000.00")
    services.project_submit(project=other, actor=world.charlie)
    services.project_review_start(project=other, actor=world.dave)
    services.project_approve(project=other, actor=world.dave, reason="ok")
    draft = services.project_create(
        actor=world.charlie, mahalla=world.mahalla_b, association=world.other_association,
        scheme=world.scheme, category="school", title="Guliston school roof", cost="9000000.00")
    now, today = timezone.now(), timezone.localdate()

    def reminder(user, project):
        return m.Reminder.objects.create(subject_type="project", subject_id=project.pk,
                                         kind=m.ReminderKind.TRANCHE_DUE_7, period=today,
                                         recipient=user, project=project, due_at=now)

    def objects(project, user, *, evidence_on, file_name, description):
        return {
            "project": project,
            "receipt": world.receipt(project, "1000.00", proof=_pdf()),
            "tranche": m.Tranche.objects.filter(commitment__project=project).first(),
            "evidence": services.evidence_add(project=evidence_on, actor=user, kind="photo",
                                              file=_pdf(file_name), description=description),
            "reminder": reminder(user, project),
        }

    return {
        "own": objects(own, world.alice, evidence_on=own, file_name="works.pdf",
                       description="pipe"),
        "other": objects(other, world.charlie, evidence_on=draft, file_name="roof.pdf",
                         description="roof"),
    }


def _user(world, role):
    if role == "administrator":
        region = f.RegionFactory(country=world.country, name="Samarqand viloyati")
        return f.UserFactory(username="samarqand-admin", role=m.Role.ADMINISTRATOR,
                             region=region)
    return {"clerk": world.alice, "officer": world.bob, "association": world.migrant,
            "auditor": world.auditor, "anonymous": None}[role]


def _client(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# page: (method, path, object it names or None)
PAGES = {
    "clerk dashboard": ("get", "/clerk/", None),
    "clerk project": ("get", "/clerk/projects/{project}/", "project"),
    "clerk pledge form": ("get", "/clerk/projects/{project}/pledges/new/", "project"),
    "clerk receipt form": ("get", "/clerk/projects/{project}/receipts/new/", "project"),
    "clerk evidence form": ("get", "/clerk/projects/{project}/evidence/new/", "project"),
    "clerk submit": ("post", "/clerk/projects/{project}/submit/", "project"),
    "officer queue": ("get", "/officer/", None),
    "officer overdue": ("get", "/officer/overdue/", None),
    "officer project": ("get", "/officer/projects/{project}/", "project"),
    "officer review": ("post", "/officer/projects/{project}/review/", "project"),
    "officer decide": ("post", "/officer/projects/{project}/decide/", "project"),
    "officer disburse": ("get", "/officer/tranches/{tranche}/disburse/", "tranche"),
    "receipt proof": ("get", "/files/receipts/{receipt}/proof/", "receipt"),
    "evidence file": ("get", "/files/evidence/{evidence}/", "evidence"),
    "reminders": ("get", "/reminders/", None),
    "reminder done": ("post", "/reminders/{reminder}/done/", "reminder"),
    "overdue tranches": ("get", "/reminders/overdue-tranches/", None),
    "import pledges": ("get", "/imports/pledges/", None),
    "import receipts": ("get", "/imports/receipts/", None),
    "import rates": ("get", "/imports/rates/", None),
    "reports": ("get", "/reports/", None),
    "notification preferences": ("get", "/account/notifications/", None),
    "telegram status": ("get", "/account/telegram/", None),
}
#                      clerk officer admin(other region) association auditor anonymous
OWN = {
    "clerk dashboard": [200, 403, 403, 403, 403, L],
    "clerk project": [200, 403, 403, 403, 403, L],
    "clerk pledge form": [200, 403, 403, 403, 403, L],
    "clerk receipt form": [200, 403, 403, 403, 403, L],
    "clerk evidence form": [200, 403, 403, 403, 403, L],
    "clerk submit": [302, 403, 403, 403, 403, L],  # refused by the service: not a draft
    "officer queue": [403, 200, 200, 403, 403, L],
    "officer overdue": [403, 200, 200, 403, 403, L],
    "officer project": [403, 200, 404, 403, 403, L],
    "officer review": [403, 302, 404, 403, 403, L],  # refused by the service: approved
    "officer decide": [403, 400, 404, 403, 403, L],  # an empty form
    "officer disburse": [403, 200, 404, 403, 403, L],
    "receipt proof": [200, 200, 404, 200, 200, L],
    "evidence file": [200, 200, 200, 200, 200, 200],  # an approved project's: public
    "reminders": [200, 200, 200, 200, 200, L],
    "reminder done": [302, 404, 404, 404, 404, L],  # alice's reminder
    "overdue tranches": [403, 200, 200, 403, 403, L],
    "import pledges": [200, 403, 403, 200, 403, L],
    "import receipts": [200, 403, 403, 403, 403, L],
    "import rates": [403, 403, 200, 403, 403, L],
    "reports": [200, 200, 200, 200, 200, 200],
    "notification preferences": [200, 200, 200, 200, 200, L],  # each his own
    "telegram status": [200, 200, 200, 200, 200, L],
}
OTHER = {
    **OWN,
    "clerk project": [404, 403, 403, 403, 403, L],
    "clerk pledge form": [404, 403, 403, 403, 403, L],
    "clerk receipt form": [404, 403, 403, 403, 403, L],
    "clerk evidence form": [404, 403, 403, 403, 403, L],
    "clerk submit": [404, 403, 403, 403, 403, L],
    "officer project": [403, 404, 404, 403, 403, L],
    "officer review": [403, 404, 404, 403, 403, L],
    "officer decide": [403, 404, 404, 403, 403, L],
    "officer disburse": [403, 404, 404, 403, 403, L],
    "receipt proof": [404, 404, 404, 404, 200, L],
    "evidence file": [404, 404, 404, 404, 200, 404],  # a draft's: in scope only
    "reminder done": [404, 404, 404, 404, 404, L],  # charlie's reminder
}


def _status(response):
    if response.status_code == 302 and response["Location"].startswith("/login/"):
        return L
    return response.status_code


@pytest.mark.parametrize("role", ROLES)
def test_web_pages_answer_each_role_within_its_scope(world, tenants, role, figures):
    user = _user(world, role)
    client = _client(user)
    foreign = tenants["other"]["project"]
    wrong, cells, lists = [], 0, 0
    for side, table in (("own", OWN), ("other", OTHER)):
        objects = tenants[side]
        for page, (method, template, name) in PAGES.items():
            if name is None and side == "other":
                continue
            path = template.format(**{k: getattr(v, "pk", None) for k, v in objects.items()})
            response = getattr(client, method)(path)
            expected = table[page][ROLES.index(role)]
            cells += 1
            if _status(response) != expected:
                wrong.append(f"{side} {page}: {_status(response)}, expected {expected}")
            # a page that lists things never names the other tenant's project
            if (response.status_code == 200 and name is None
                    and response.get("Content-Type", "").startswith("text/html")
                    and role != "auditor" and page != "reports"):
                lists += 1
                body = response.content.decode()
                if foreign.code in body or foreign.title in body:
                    wrong.append(f"{page} names the other tenant's project {foreign.code}")
    assert not wrong, wrong
    # every page once, and the pages that name an object once more with the other tenant's
    assert cells == len(PAGES) + sum(1 for *_, name in PAGES.values() if name is not None)
    assert ledger.verify() == []
    figures("web permission matrix", f"{role}: {cells} page × own/other cells answered as "
            f"expected, {lists} listing pages scanned for the other tenant's project → "
            f"{len(wrong)} wrong, 0 leaks")


# --- no personal data in public pages and exports --------------------------------------------

PERSONAL = ["Rustam Karimov", "+998 90 123 45 67", "rustam.karimov@mail.example",
            "migrant-login-name", "alice@example.org", "Dilnoza", "Yusupova",
            "board-office@mail.example", "+998 91 765 43 21", "bob@example.org"]


def test_public_pages_and_exports_carry_no_personal_data(world, tenants, figures):
    _add_personal_data(world)
    project = tenants["own"]["project"]
    region, district = world.region.pk, world.district_a.pk
    paths = ["/projects/", f"/projects/{project.code}/", "/projects/export.csv",
             "/projects/export.json", "/reports/", f"/reports/region/{region}/",
             f"/reports/district/{district}/", "/reports/iati.xml",
             "/api/v1/schemes/", "/api/v1/reports/regional/"]
    for name in ("regional", "funders", "associations", "leverage"):
        paths += [f"/reports/{name}/", f"/reports/{name}.csv", f"/reports/{name}.json"]
    anonymous = Client()
    checked, found = 0, []
    for path in paths:
        response = fetch(anonymous, path)  # whole-programme files: through their job
        if response.status_code == 404:
            continue
        assert response.status_code == 200, (path, response.status_code)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode("utf-8", errors="replace")
        checked += 1
        found += [(path, value) for value in PERSONAL if value in text]
    assert checked >= 15 and not found, found
    figures("personal data", f"{checked} public pages and exports scanned for "
            f"{len(PERSONAL)} names, phones, e-mails and usernames → 0 found")


def _add_personal_data(world):
    m.BoardMember.objects.create(association=world.association, full_name="Rustam Karimov",
                                 position="chair", phone="+998 90 123 45 67",
                                 email="rustam.karimov@mail.example")
    m.MigrantAssociation.objects.filter(pk=world.association.pk).update(
        email="board-office@mail.example")
    m.User.objects.filter(pk=world.migrant.pk).update(
        username="migrant-login-name", first_name="Dilnoza", last_name="Yusupova",
        phone="+998 91 765 43 21")


# --- login throttling and the security log -------------------------------------------------

def test_web_and_api_logins_lock_out_after_five_failures_and_are_logged(world, caplog, figures):
    caplog.set_level(logging.INFO, logger="matching.security")
    web, api = Client(REMOTE_ADDR="203.0.113.7"), Client(REMOTE_ADDR="203.0.113.8")
    web_statuses = [web.post("/login/", {"username": "alice", "password": "wrong"}).status_code
                    for _ in range(6)]
    api_statuses = [api.post("/api/v1/auth/login/", {"username": "bob", "password": "wrong"},
                             content_type="application/json").status_code for _ in range(6)]
    # the right password does not help once locked out
    locked_web = web.post("/login/", {"username": "alice", "password": "pass-word-123"})
    locked_api = api.post("/api/v1/auth/login/", {"username": "bob",
                                                  "password": "pass-word-123"},
                          content_type="application/json")
    # the fifth failure is the last one heard: it locks the name and address out
    assert web_statuses == [200] * 4 + [429] * 2, web_statuses
    assert api_statuses == [401] * 4 + [429] * 2, api_statuses
    assert locked_web.status_code == 429 and locked_api.status_code == 429
    # a good login from another address is logged with user, IP and UTC time
    ok = Client(REMOTE_ADDR="198.51.100.4").post("/login/", {"username": "erin",
                                                              "password": "pass-word-123"})
    assert ok.status_code == 302
    lines = [r.getMessage() for r in caplog.records if r.name == "matching.security"]
    assert any("login: user=erin ip=198.51.100.4 at=" in line and "+00:00" in line
               for line in lines), lines
    assert sum("login failed for alice" in line and "ip=203.0.113.7" in line
               for line in lines) == 4
    assert any("locked out for alice" in line for line in lines)
    assert any("locked out for bob" in line and "ip=203.0.113.8" in line for line in lines)
    figures("login throttle", f"web {web_statuses} then right password → "
            f"{locked_web.status_code}; API {api_statuses} then right password → "
            f"{locked_api.status_code}; every attempt logged with user, IP, UTC time OK")


def test_forged_forwarded_for_neither_hides_the_caller_nor_dodges_the_lock_out(world, caplog):
    caplog.set_level(logging.INFO, logger="matching.security")
    client = Client(REMOTE_ADDR="203.0.113.9")
    statuses = [client.post("/login/", {"username": "alice", "password": "wrong"},
                            HTTP_X_FORWARDED_FOR=f"10.0.0.{i}").status_code for i in range(6)]
    assert statuses[-1] == 429, statuses
    lines = [r.getMessage() for r in caplog.records if r.name == "matching.security"]
    assert lines and all("ip=203.0.113.9 " in line for line in lines), lines


def test_refused_web_requests_are_logged_with_user_ip_and_utc_time(world, tenants, caplog,
                                                                     figures):
    caplog.set_level(logging.INFO, logger="matching.security")
    foreign = tenants["other"]["project"]
    alice = Client(REMOTE_ADDR="192.0.2.10")
    alice.force_login(world.alice)
    bob = Client(REMOTE_ADDR="192.0.2.11")
    bob.force_login(world.bob)
    assert alice.get("/officer/").status_code == 403
    assert alice.get(f"/clerk/projects/{foreign.pk}/").status_code == 404
    assert bob.get(f"/officer/projects/{foreign.pk}/").status_code == 404
    assert Client().get("/clerk/").status_code == 302
    migrant = Client(REMOTE_ADDR="192.0.2.12")
    migrant.force_login(world.migrant)
    assert migrant.get(f"/api/v1/projects/{foreign.pk}/").status_code == 404
    assert migrant.get("/api/v1/webhook-deliveries/").status_code in (200, 403)
    lines = [r.getMessage() for r in caplog.records if r.name == "matching.security"]
    expected = [("status=403 user=alice ip=192.0.2.10 path=/officer/", "forbidden"),
                (f"status=404 user=alice ip=192.0.2.10 path=/clerk/projects/{foreign.pk}/",
                 "out of scope"),
                (f"status=404 user=bob ip=192.0.2.11 path=/officer/projects/{foreign.pk}/",
                 "out of scope"),
                ("status=302 user=- ip=127.0.0.1 path=/clerk/", "login required"),
                (f"status=404 user=migrant ip=192.0.2.12 path=/api/v1/projects/{foreign.pk}/",
                 "out of scope")]
    missing = [e for e in expected
               if not any(e[0] in line and e[1] in line and "+00:00" in line for line in lines)]
    assert not missing, (missing, lines)
    figures("security log", f"{len(expected)} refusals (web 403, web and API 404 out of scope, "
            "login required) each logged with user, IP and UTC time OK")
