"""Complaints: anyone files one without an account, follows it by its code, the district's
officer answers it, the public sees the status and answer and never the sender's contact;
robots and floods are kept out by a honeypot, a minimum fill time and per-address limits
counted in the real Redis."""

import time
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from matching import models as m
from matching import services
from matching.errors import Forbidden, NotAllowed
from matching.web import abuse

from .conftest import PDF, PNG, png

CONTACT = "+998 93 555 77 11, nodira.complains@mail.example"
TEXT = "The trench on Navbahor street was left open for three weeks."


@pytest.fixture(autouse=True)
def _own_counters(settings):
    """The per-address counters live in the shared Redis: each test counts on its own."""
    settings.CACHES = {"default": {**settings.CACHES["default"],
                                   "KEY_PREFIX": f"hashar-test-{uuid.uuid4().hex}"}}
    settings.COMPLAINTS_PER_IP_HOUR = 3
    settings.COMPLAINTS_PER_IP_DAY = 10


@pytest.fixture
def project(world):
    return world.approved(title="Navbahor drinking water")


def _form(**changes):
    data = {"category": "works_not_done", "text": TEXT, "contact": CONTACT, "website": "",
            "started": abuse.form_token(now=time.time() - 60)}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _file(client, project, **changes):
    return client.post(reverse("complaint-new", args=[project.code]), _form(**changes))


def test_anyone_files_a_complaint_and_follows_it_by_its_code(client, project):
    form = client.get(reverse("complaint-new", args=[project.code]))
    assert form.status_code == 200 and 'name="started"' in form.content.decode()

    response = _file(client, project)

    complaint = m.Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("complaint-track", args=[complaint.code])
    assert (complaint.project, complaint.contact, complaint.status) == (project, CONTACT,
                                                                         "received")
    assert m.OutboxMessage.objects.filter(topic="complaint.filed",
                                          payload__complaint_id=complaint.pk).exists()
    page = client.get(response["Location"]).content.decode()
    assert complaint.code in page and TEXT in page and "Waiting for an answer" in page
    assert "nodira" not in page and "+998 93" not in page
    # typed as people copy it: lower case, spaces for dashes
    typed = complaint.code.lower().replace("-", " ")
    found = client.get(reverse("complaint-lookup"), {"code": typed})
    assert found.status_code == 302 and found["Location"].endswith(f"/{complaint.code}/")


def test_an_unknown_code_says_so(client, project):
    response = client.get(reverse("complaint-lookup"), {"code": "AAAA-BBBB-CCCC"})
    assert response.status_code == 404 and "No complaint has this code" in response.content.decode()
    assert client.get(reverse("complaint-track", args=["not-a-code"])).status_code == 404


def test_drafts_take_no_complaints(client, world):
    draft = world.project(title="Secret draft")
    assert client.get(reverse("complaint-new", args=[draft.code])).status_code == 404
    assert _file(client, draft).status_code == 404
    with pytest.raises(NotAllowed):
        services.complaint_file(actor=None, project=draft, category="other", text=TEXT)
    assert not m.Complaint.objects.exists()


@pytest.mark.parametrize("_case, changes, field", [
    ("no category", {"category": None}, "category"),
    ("unknown category", {"category": "weather"}, "category"),
    ("text too short", {"text": "bad"}, "text"),
    ("text too long", {"text": "x" * 2001}, "text"),
    ("contact too long", {"contact": "9" * 201}, "contact"),
])
def test_bad_input_is_refused_and_what_was_typed_is_kept(client, project, _case, changes,
                                                          field):
    response = _file(client, project, **changes)
    assert response.status_code == 400
    assert response.context["form"].errors.get(field), response.context["form"].errors
    if changes.get("text", TEXT) == TEXT:
        assert TEXT in response.content.decode()
    assert not m.Complaint.objects.exists()


def test_a_filled_honeypot_is_refused_and_nothing_stored(client, project):
    response = _file(client, project, website="http://cheap-pills.example")
    assert response.status_code == 400
    assert "could not be accepted" in response.content.decode()
    assert not m.Complaint.objects.exists()


@pytest.mark.parametrize("_case, token, message", [
    ("sent back at once", lambda: abuse.form_token(), "faster than a person"),
    ("open for a day", lambda: abuse.form_token(now=time.time() - 86400), "open for too long"),
    ("forged", lambda: "1700000000:abc", "could not be read"),
    ("missing", lambda: "", "could not be read"),
])
def test_a_form_filled_in_no_human_time_is_refused(client, project, _case, token, message):
    response = _file(client, project, started=token())
    body = response.content.decode()
    assert response.status_code == 400 and message in body
    assert TEXT in body  # kept, to be sent again
    assert not m.Complaint.objects.exists()
    # the page handed back carries a fresh start time: waiting, then sending, works
    fresh = response.context["form"].data["started"]
    assert abuse.token_problem(fresh, now=time.time() + 60) is None


def test_a_flood_from_one_address_is_refused_and_loses_nothing_accepted(client, project):
    flooder = Client(REMOTE_ADDR="203.0.113.50")
    statuses = [_file(flooder, project, text=f"{TEXT} ({n})").status_code for n in range(5)]
    assert statuses == [302, 302, 302, 429, 429]
    refused = _file(flooder, project)
    assert "Too many complaints were sent from your connection" in refused.content.decode()
    assert TEXT in refused.content.decode()
    assert m.Complaint.objects.count() == 3
    for complaint in m.Complaint.objects.all():  # every accepted one is still there to follow
        assert client.get(reverse("complaint-track", args=[complaint.code])).status_code == 200
    # another address is not held back by this one
    assert _file(Client(REMOTE_ADDR="198.51.100.9"), project).status_code == 302
    assert m.Complaint.objects.count() == 4


def test_the_day_limit_holds_across_hours(client, project, settings):
    settings.COMPLAINTS_PER_IP_HOUR, settings.COMPLAINTS_PER_IP_DAY = 100, 2
    sender = Client(REMOTE_ADDR="203.0.113.51")
    assert [_file(sender, project).status_code for _ in range(3)] == [302, 302, 429]


def test_refusals_for_what_was_typed_cost_no_place_in_the_limit(client, project):
    sender = Client(REMOTE_ADDR="203.0.113.52")
    photo = SimpleUploadedFile("slip.pdf", PDF, content_type="application/pdf")
    for _ in range(4):
        assert _file(sender, project, text="bad").status_code == 400
    assert _file(sender, project, photo=photo).status_code == 400  # refused by the service
    assert [_file(sender, project).status_code for _ in range(4)] == [302, 302, 302, 429]


def test_the_throttle_counts_in_redis_per_address_and_window(rf, settings):
    request = rf.post("/", REMOTE_ADDR="192.0.2.77")
    now = 1_900_000_000.0
    taken = [abuse.Throttle(request, now=now).take() for _ in range(4)]
    assert taken == [True, True, True, False]
    later = abuse.Throttle(request, now=now + 3600)  # the next hour: a new window
    assert later.take() is True
    later.give_back()
    # the keys hold a keyed hash of the address, never the address itself
    assert all("192.0.2.77" not in key for key, _w in later.keys)


@pytest.mark.parametrize("_case, upload, message", [
    ("a PDF is no photo", SimpleUploadedFile("act.pdf", PDF, content_type="application/pdf"),
     "Upload a photo"),
    ("a PNG name on other bytes", SimpleUploadedFile("x.png", b"GIF89a....", content_type="image/png"),
     "does not match its type"),
])
def test_a_photo_must_be_an_image(client, project, _case, upload, message):
    response = _file(client, project, photo=upload)
    assert response.status_code == 400 and message in response.content.decode()
    assert not m.Complaint.objects.exists()


def test_a_photo_over_the_limit_is_refused(client, project, settings):
    settings.COMPLAINT_PHOTO_MAX_BYTES = 1024
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * 2048, content_type="image/png")
    response = _file(client, project, photo=big)
    assert response.status_code == 400 and "larger than" in response.content.decode()
    assert not m.Complaint.objects.exists()


def _filed(world, project, **kwargs):
    return services.complaint_file(actor=None, project=project, category=kwargs.pop("category", "quality"),
                                   text=kwargs.pop("text", TEXT), contact=CONTACT, **kwargs)


def test_the_photo_is_for_the_district_officers_only(client, login, world, project):
    complaint = _filed(world, project, photo=png())
    url = reverse("complaint-photo", args=[complaint.pk])
    assert login(world.bob).get(url).status_code == 200
    assert login(world.auditor).get(url).status_code == 200
    for outsider in (world.dave, world.alice, world.migrant):  # another district, the clerk
        assert login(outsider).get(url).status_code == 404, outsider
    assert client.get(url).status_code == 302  # to the login page


def test_the_officer_of_the_district_answers_and_the_answer_is_public(client, login, world,
                                                                      project):
    complaint = _filed(world, project, photo=png())
    bob = login(world.bob)
    listing = bob.get(reverse("officer-complaints")).content.decode()
    assert project.code in listing
    page = bob.get(reverse("officer-complaint", args=[complaint.pk])).content.decode()
    assert TEXT in page and CONTACT in page
    assert reverse("complaint-photo", args=[complaint.pk]) in page

    empty = bob.post(reverse("officer-complaint", args=[complaint.pk]), {"answer": " "})
    assert empty.status_code == 400
    response = bob.post(reverse("officer-complaint", args=[complaint.pk]),
                        {"answer": "The contractor closed the trench on 12 May."})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == "answered" and complaint.answered_by == world.bob

    public = client.get(reverse("public-project", args=[project.code])).content.decode()
    assert "The contractor closed the trench on 12 May." in public
    assert "Municipal officer" in public and "Quality of the works" in public
    # the sender's words, contact and tracking code stay off the project's page
    for private in (TEXT, "nodira", "+998 93", complaint.code, "bob"):
        assert private not in public, private
    again = bob.post(reverse("officer-complaint", args=[complaint.pk]), {"answer": "Again"})
    assert again.status_code == 409 and "already answered" in again.content.decode()


def test_complaints_reach_no_one_outside_the_district(login, world, project):
    complaint = _filed(world, project)
    assert project.code not in login(world.dave).get(reverse("officer-complaints")) \
        .content.decode()
    assert login(world.dave).get(reverse("officer-complaint", args=[complaint.pk])) \
        .status_code == 404
    assert login(world.dave).post(reverse("officer-complaint", args=[complaint.pk]),
                                  {"answer": "Not mine"}).status_code == 404
    for role_user in (world.alice, world.migrant, world.auditor):  # no officer's pages
        assert login(role_user).get(reverse("officer-complaints")).status_code == 403
    with pytest.raises(Forbidden):
        services.complaint_answer(actor=world.alice, complaint=complaint, answer="I did it")
    with pytest.raises(Forbidden):
        services.complaint_answer(actor=world.dave, complaint=complaint, answer="Not mine")
    complaint.refresh_from_db()
    assert complaint.status == "received" and complaint.answer == ""
    assert set(m.Complaint.objects.visible_to(world.auditor)) == {complaint}
    assert not m.Complaint.objects.visible_to(world.alice).exists()
    assert not m.Complaint.objects.visible_to(None).exists()


def test_the_project_page_counts_complaints_and_shows_the_late_ones(client, world, project):
    import datetime

    from django.utils import timezone

    old = _filed(world, project, category="money")
    m.Complaint.objects.filter(pk=old.pk).update(
        filed_at=timezone.now() - datetime.timedelta(days=20))
    _filed(world, project)
    html = client.get(reverse("public-project", args=[project.code])).content.decode()
    assert "2 complaints so far" in html and "2 waiting for an answer" in html
    assert "Use of the money" in html and "Late: the programme administrator has been told" in html


def test_the_tracking_page_after_the_answer(client, world, project):
    complaint = _filed(world, project)
    services.complaint_answer(actor=world.erin, complaint=complaint, answer="Fixed on Monday.")
    page = client.get(reverse("complaint-track", args=[complaint.code])).content.decode()
    assert "Fixed on Monday." in page and "Answered" in page and "Municipal officer" in page
    assert "erin" not in page and "nodira" not in page
