"""The permission matrix of the draft, works, association, audit and import pages: every role
against every page, on its own record and on someone else's. A record out of the reader's
scope answers exactly like a missing one (404, the same page)."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from matching import services
from matching.demo import images

ROLES = ["clerk", "other_clerk", "officer", "administrator", "association",
         "other_association", "auditor", "anonymous"]
USERS = {"clerk": "alice", "other_clerk": "charlie", "officer": "bob", "administrator": "admin",
         "association": "migrant", "other_association": "stranger", "auditor": "auditor"}
L = "login"

CLERK_ONLY = {"clerk": 200, "other_clerk": 404, "officer": 403, "administrator": 403,
              "association": 403, "other_association": 403, "auditor": 403, "anonymous": L}
ANY_CLERK = {**CLERK_ONLY, "other_clerk": 200}
ASSOCIATION_ONLY = {"clerk": 403, "other_clerk": 403, "officer": 403, "administrator": 403,
                    "association": 200, "other_association": 404, "auditor": 403,
                    "anonymous": L}
ANY_ASSOCIATION = {**ASSOCIATION_ONLY, "other_association": 200}
AUDIT = {"clerk": 403, "other_clerk": 403, "officer": 403, "administrator": 200,
         "association": 403, "other_association": 403, "auditor": 200, "anonymous": L}
IN_SCOPE_FILE = {"clerk": 200, "other_clerk": 404, "officer": 200, "administrator": 200,
                 "association": 200, "other_association": 404, "auditor": 200,
                 "anonymous": 404}
# each person's own page (there is no page for anyone else's)
EVERYONE = {**{role: 200 for role in ROLES}, "anonymous": L}
IMPORTERS = {"clerk": 200, "other_clerk": 200, "officer": 403, "administrator": 200,
             "association": 200, "other_association": 200, "auditor": 200, "anonymous": L}

# page name, the record it is about, the expected answer per role
PAGES = [
    ("clerk-eligibility", None, ANY_CLERK),
    ("clerk-project-eligibility", "draft", CLERK_ONLY),
    ("clerk-project-edit", "draft", CLERK_ONLY),
    ("clerk-project-withdraw", "draft", CLERK_ONLY),
    ("clerk-milestones", "started", CLERK_ONLY),
    ("clerk-progress-new", "started", CLERK_ONLY),
    ("clerk-committee", "started", CLERK_ONLY),
    ("clerk-complete", "started", CLERK_ONLY),
    ("clerk-member-edit", "member", CLERK_ONLY),
    ("clerk-sign-off", "member", CLERK_ONLY),
    ("association-home", None, ANY_ASSOCIATION),
    ("association-project", "started", ASSOCIATION_ONLY),
    ("audit-home", None, AUDIT),
    ("audit-ledger", None, AUDIT),
    ("audit-ledger-csv", None, AUDIT),
    ("audit-trail", None, AUDIT),
    ("audit-checks", None, AUDIT),
    ("evidence-thumbnail", "photo", IN_SCOPE_FILE),
    ("imports:index", None, IMPORTERS),
    ("account-notifications", None, EVERYONE),
    ("account-telegram", None, EVERYONE),
]


@pytest.fixture
def records(world):
    draft = world.project(title="Navbahor clinic")
    started = world.approved()
    world.receipt(started, "20000000.00")
    world.start_works(started)
    member = services.oversight_member_add(project=started, actor=world.alice,
                                           full_name="Karimjon Rahimov")
    photo = services.evidence_add(project=draft, actor=world.alice, kind="photo",
                                  file=SimpleUploadedFile("a.jpg", images.photo()))
    return {"draft": draft, "started": started, "member": member, "photo": photo}


def _client(world, role):
    client = Client()
    if role != "anonymous":
        client.force_login(getattr(world, USERS[role]))
    return client


def _answer(response):
    if response.status_code == 302 and reverse("login") in response["Location"]:
        return L
    return response.status_code


@pytest.mark.parametrize("name, record, expected", PAGES, ids=[p[0] for p in PAGES])
def test_permission_matrix(world, records, name, record, expected):
    url = reverse(name, args=[records[record].pk] if record else [])
    answers = {role: _answer(_client(world, role).get(url)) for role in ROLES}
    assert answers == expected


@pytest.mark.parametrize("name, record", [(n, r) for n, r, e in PAGES if r and 404 in e.values()])
def test_out_of_scope_answers_exactly_like_missing(world, records, name, record):
    # the other clerk (or the other association) reads a record of alice's mahalla
    role = "other_association" if name.startswith("association") else "other_clerk"
    if name == "evidence-thumbnail":
        role = "other_clerk"
    client = _client(world, role)
    pk = records[record].pk
    theirs = client.get(reverse(name, args=[pk]))
    missing = client.get(reverse(name, args=[10**9]))
    assert theirs.status_code == missing.status_code == 404
    # the same page, but for the address it was asked at (the language form returns there)
    # and the form's token (masked anew on every page)
    assert _page(theirs, reverse(name, args=[pk])) == _page(missing, reverse(name, args=[10**9]))


def _page(response, url) -> str:
    html = response.content.decode().replace(url, "URL")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "TOKEN", html)


@pytest.mark.parametrize("role", ROLES)
def test_who_may_post_to_the_works_pages(world, records, role):
    """The forms that write: only the project's clerk gets through; everyone else is
    refused before anything is written."""
    started, member = records["started"], records["member"]
    client = _client(world, role)
    today = datetime.date.today().isoformat()
    posts = [
        (reverse("clerk-committee", args=[started.pk]),
         {"full_name": "Intruder", "contact": "", "role": "member"}),
        (reverse("clerk-sign-off", args=[member.pk]),
         {"decision": "signed", "on": today, "findings": ""}),
        (reverse("clerk-progress-new", args=[started.pk]),
         {"reported_on": today, "text": "Fake report"}),
        (reverse("clerk-project-withdraw", args=[records["draft"].pk]), {"reason": "Take it"}),
    ]
    for url, data in posts:
        answer = _answer(client.post(url, data))
        if role == "clerk":
            assert answer == 302, url
        else:
            assert answer == CLERK_ONLY[role], url
    started.refresh_from_db()
    records["draft"].refresh_from_db()
    if role != "clerk":
        assert not started.oversight_members.filter(full_name="Intruder").exists()
        assert started.progress_reports.count() == 0
        assert records["draft"].status == "draft"
        assert started.oversight_members.get().sign_off == ""
    answer = _answer(client.post(reverse("clerk-member-remove", args=[member.pk])))
    assert answer == (302 if role == "clerk" else CLERK_ONLY[role])
