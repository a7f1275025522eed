"""The works pages: milestones, progress reports with photos, the oversight committee, its
answers on the handover act and completion; what the officer and the public see of them."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from matching import models as m
from matching import services
from matching.demo import images
from matching.services.works import MilestoneInput

from .conftest import pdf

TODAY = datetime.date.today()


@pytest.fixture
def started(world):
    m.Mahalla.objects.filter(pk=world.mahalla_a.pk).update(latitude=Decimal("41.4689"),
                                                          longitude=Decimal("69.5822"))
    return world.in_progress()


def _rows(*rows, total=None):
    """The milestones formset's POST data for `rows` of (id, title, date, share, delete)."""
    data = {"milestones-TOTAL_FORMS": str(total or len(rows)),
            "milestones-INITIAL_FORMS": str(sum(1 for r in rows if r[0])),
            "milestones-MIN_NUM_FORMS": "0", "milestones-MAX_NUM_FORMS": "30"}
    for n, (pk, title, day, share, delete) in enumerate(rows):
        data.update({f"milestones-{n}-id": pk or "", f"milestones-{n}-title": title,
                     f"milestones-{n}-planned_on": day, f"milestones-{n}-share": share})
        if delete:
            data[f"milestones-{n}-DELETE"] = "on"
    return data


def _milestones(project, actor, *shares):
    return services.milestones_set(project=project, actor=actor, milestones=[
        MilestoneInput(title=f"Stage {n}", planned_on=TODAY, share=Decimal(share))
        for n, share in enumerate(shares, start=1)])


def test_the_clerk_sets_milestones_on_one_page(login, world):
    project = world.project()
    clerk = login(world.alice)
    url = reverse("clerk-milestones", args=[project.pk])
    assert clerk.get(url).status_code == 200
    response = clerk.post(url, _rows((None, "Trench", "2030-03-01", "30", False),
                                     (None, "Pipe", "2030-06-01", "70", False),
                                     (None, "", "", "", False)))
    assert response.status_code == 302
    trench, pipe = project.milestones.all()
    assert (trench.title, trench.share, pipe.share) == ("Trench", Decimal("30.00"),
                                                        Decimal("70.00"))
    # the page shows them, and a row is removed by ticking it
    html = clerk.get(url).content.decode()
    assert 'value="Trench"' in html
    response = clerk.post(url, _rows((trench.pk, "Trench", "2030-03-01", "30", True),
                                     (pipe.pk, "Pipe and houses", "2030-06-01", "100", False)))
    assert response.status_code == 302
    assert [(x.title, x.share) for x in project.milestones.all()] == [
        ("Pipe and houses", Decimal("100.00"))]


@pytest.mark.parametrize("rows, message, status", [
    ([(None, "Trench", "2030-03-01", "30", False), (None, "Pipe", "2030-06-01", "60", False)],
     "The shares add up to 90 %", 400),
    ([(None, "Trench", "2030-03-01", "thirty", False)], "Use digits only", 400),
    ([(None, "Trench", "2030-03-01", "130", False)], "Give a per cent from 0 to 100.", 400),
    ([(None, "Trench", "not a date", "100", False)], "Enter a valid date.", 400),
    ([(None, "", "2030-03-01", "100", False)], "This field is required.", 400),
], ids=["shares", "share_text", "share_over", "date", "title"])
def test_bad_milestones_keep_what_was_typed(login, world, rows, message, status):
    project = world.project()
    response = login(world.alice).post(reverse("clerk-milestones", args=[project.pk]),
                                       _rows(*rows))
    html = response.content.decode()
    assert response.status_code == status
    assert message in html
    assert 'value="2030-03-01"' in html or 'value="not a date"' in html  # kept as typed
    assert not project.milestones.exists()


def test_a_tampered_formset_is_a_form_error_not_a_crash(login, world):
    project = world.project()
    data = _rows((None, "Trench", "2030-03-01", "100", False))
    data["milestones-TOTAL_FORMS"] = "many"
    response = login(world.alice).post(reverse("clerk-milestones", args=[project.pk]), data)
    assert response.status_code == 400 and not project.milestones.exists()


def test_the_clerk_records_a_progress_report_with_photos(login, world, started):
    trench, pipe = _milestones(started, world.alice, "40", "60")
    taken = timezone.now() - datetime.timedelta(days=1)
    photo = SimpleUploadedFile("trench.jpg", images.photo(taken_at=taken,
                                                          position=(41.4690, 69.5823)))
    clean = SimpleUploadedFile("roof.png", images.photo("PNG"))
    response = login(world.alice).post(reverse("clerk-progress-new", args=[started.pk]), {
        "reported_on": TODAY.isoformat(), "text": "Trench dug, pipe half laid",
        "photos": [photo, clean], f"milestone_{trench.pk}": "100",
        f"milestone_{pipe.pk}": "50.5"})
    assert response.status_code == 302
    report = started.progress_reports.get()
    assert report.progress == Decimal("70.30") and report.photos.count() == 2
    # the clerk's project page shows the progress, the milestones and the thumbnails
    html = login(world.alice).get(reverse("clerk-project", args=[started.pk])).content.decode()
    assert "70.3\xa0%" in html and "Trench dug, pipe half laid" in html
    for evidence in report.photos.all():
        assert reverse("evidence-thumbnail", args=[evidence.pk]) in html


@pytest.mark.parametrize("change, message", [
    ({"text": ""}, "This field is required."),
    ({"reported_on": "2999-01-01"}, "This date is in the future."),
    ({"milestone": "120"}, "Give a per cent from 0 to 100."),
    ({"photos": SimpleUploadedFile("x.jpg", b"\xff\xd8\xff\xe0 nothing")}, "cannot be read"),
], ids=["text", "future", "percent", "photo"])
def test_a_bad_progress_report_keeps_what_was_typed(login, world, started, change, message):
    stage = _milestones(started, world.alice, "100")[0]
    data = {"reported_on": TODAY.isoformat(), "text": "Roof beams up",
            f"milestone_{stage.pk}": "20"}
    if "milestone" in change:
        data[f"milestone_{stage.pk}"] = change.pop("milestone")
    data.update(change)
    response = login(world.alice).post(reverse("clerk-progress-new", args=[started.pk]), data)
    html = response.content.decode()
    assert response.status_code == 400, html
    assert message in html
    if data["text"]:
        assert "Roof beams up" in html
    assert not m.ProgressReport.objects.exists() and not m.Evidence.objects.exists()


def test_no_progress_form_before_the_works_start(login, world):
    project = world.approved()
    html = login(world.alice).get(reverse("clerk-progress-new", args=[project.pk])).content
    assert b"Progress is reported while the works are in progress" in html
    assert b'name="text"' not in html


def test_the_committee_is_recorded_and_answers_on_the_handover_act(login, world, started):
    clerk = login(world.alice)
    url = reverse("clerk-committee", args=[started.pk])
    for name, role in (("Karimjon Rahimov", "chair"), ("Gulnora Sodiqova", "secretary"),
                       ("Bahodir Ergashev", "member")):
        response = clerk.post(url, {"full_name": name, "contact": "+998 90 123", "role": role})
        assert response.status_code == 302
    chair, secretary, member = started.oversight_members.all()
    html = clerk.get(url).content.decode()
    assert "Karimjon Rahimov" in html and "at least 3" not in html
    assert "0 of the 3 committee members signed" in html
    for person, decision, findings in ((chair, "signed", "Laid as planned"),
                                       (secretary, "signed", ""),
                                       (member, "refused", "Ditch not finished")):
        response = clerk.post(reverse("clerk-sign-off", args=[person.pk]), {
            "decision": decision, "on": TODAY.isoformat(), "findings": findings})
        assert response.status_code == 302
    html = clerk.get(url).content.decode()
    assert "2 of the 3 members signed the handover act" in html
    # an edit, and a removal refused once the member has answered
    response = clerk.post(reverse("clerk-member-edit", args=[chair.pk]), {
        "full_name": "Karimjon Rahimov", "contact": "+998 90 999", "role": "chair"})
    assert response.status_code == 302
    assert m.OversightMember.objects.get(pk=chair.pk).contact == "+998 90 999"
    response = clerk.post(reverse("clerk-member-remove", args=[chair.pk]), follow=True)
    assert "the answer stays on record" in response.content.decode()
    assert started.oversight_members.count() == 3


@pytest.mark.parametrize("data, message", [
    ({"full_name": "", "contact": "+998", "role": "member"}, "This field is required."),
    ({"full_name": "A", "contact": "+998", "role": "king"}, "Select a valid choice."),
], ids=["name", "role"])
def test_a_bad_member_keeps_what_was_typed(login, world, started, data, message):
    response = login(world.alice).post(reverse("clerk-committee", args=[started.pk]), data)
    assert response.status_code == 400 and message in response.content.decode()
    assert 'value="+998"' in response.content.decode()
    assert not m.OversightMember.objects.exists()


@pytest.mark.parametrize("data, message", [
    ({"decision": "refused", "on": TODAY.isoformat(), "findings": ""}, "why the act was not"),
    ({"decision": "maybe", "on": TODAY.isoformat(), "findings": "x"}, "Select a valid choice"),
    ({"decision": "signed", "on": "2999-01-01", "findings": "Fine"}, "in the future"),
], ids=["refusal_without_findings", "decision", "future"])
def test_a_bad_answer_keeps_what_was_typed(login, world, started, data, message):
    member = services.oversight_member_add(project=started, actor=world.alice, full_name="A")
    response = login(world.alice).post(reverse("clerk-sign-off", args=[member.pk]), data)
    assert response.status_code == 400 and message in response.content.decode()
    assert m.OversightMember.objects.get(pk=member.pk).sign_off == ""


def test_the_clerk_completes_with_the_handover_act_once_signed_off(login, world, started):
    clerk = login(world.alice)
    url = reverse("clerk-complete", args=[started.pk])
    # not signed off yet: refused on the page, with the reason, nothing kept
    response = clerk.post(url, {"handover_act": pdf("act.pdf"), "reason": "Done"})
    assert response.status_code == 409
    assert "Record the community oversight committee" in response.content.decode()
    assert not started.evidence.filter(kind="handover_act").exists()
    world.signed_off(started)
    # no act uploaded and none among the evidence
    response = clerk.post(url, {"reason": "Done"})
    assert response.status_code == 409 and "handover act" in response.content.decode()
    response = clerk.post(url, {"handover_act": pdf("act.pdf"), "reason": "Handed over"})
    assert response.status_code == 302
    started.refresh_from_db()
    assert started.status == "completed"
    assert started.timeline.get(to_status="completed").reason == "Handed over"


def test_a_bad_handover_act_is_a_field_error(login, world, started):
    world.signed_off(started)
    response = login(world.alice).post(reverse("clerk-complete", args=[started.pk]), {
        "handover_act": SimpleUploadedFile("act.pdf", b"MZ not a pdf"), "reason": "Done"})
    assert response.status_code == 400
    assert "content does not match its type" in response.content.decode()
    assert m.Project.objects.get(pk=started.pk).status == "in_progress"


def test_the_officer_sees_progress_committee_and_flagged_photos(login, world, started, settings):
    settings.PHOTO_MAX_AGE_DAYS, settings.PHOTO_MAX_DISTANCE_KM = 30, 5
    _milestones(started, world.alice, "100")
    old = timezone.now() - datetime.timedelta(days=60)
    services.progress_report_create(project=started, actor=world.alice, reported_on=TODAY,
                                    text="Works", photos=[
        SimpleUploadedFile("old.jpg", images.photo(taken_at=old, position=(41.2995, 69.2401))),
        SimpleUploadedFile("fine.jpg", images.photo(taken_at=timezone.now(),
                                                    position=(41.4690, 69.5823)))])
    services.oversight_member_add(project=started, actor=world.alice, full_name="Gulnora S.")
    html = login(world.bob).get(reverse("officer-project", args=[started.pk])).content.decode()
    assert "Photos to check" in html
    assert "60 days before its report." in html and "km from Navbahor." in html
    assert html.count("days before its report") == 1  # the fine one is not flagged
    assert "Gulnora S." in html  # the committee, for the officer of the district


def test_the_public_sees_progress_and_findings_but_no_names_nor_positions(client, login, world,
                                                                          started):
    _milestones(started, world.alice, "100")
    report = services.progress_report_create(
        project=started, actor=world.alice, reported_on=TODAY, text="Pipe laid",
        progress={started.milestones.get().pk: Decimal("75")}, photos=[SimpleUploadedFile(
            "pipe.jpg", images.photo(taken_at=timezone.now(), position=(41.4690, 69.5823)))])
    members = world.signed_off(started, members=3, signed=2)
    services.oversight_sign_off(member=members[2], actor=world.alice, decision="refused",
                                on=TODAY, findings="Pressure test not done")
    html = client.get(reverse("public-project", args=[started.code])).content.decode()
    assert "Pipe laid" in html and "75\xa0%" in html
    assert "Pressure test not done" in html and "Refused to sign" in html
    assert "Resident 0" not in html and "+998 90 000" not in html  # names, contacts
    photo = report.photos.get()
    # the public gets the copy without EXIF, those in scope the original with its position
    public_file = client.get(reverse("evidence-file", args=[photo.pk]))
    with Image.open(_content(public_file)) as image:
        assert not image.getexif()
    clerk_file = login(world.alice).get(reverse("evidence-file", args=[photo.pk]))
    with Image.open(_content(clerk_file)) as image:
        assert image.getexif().get_ifd(0x8825)
    assert client.get(reverse("evidence-thumbnail", args=[photo.pk])).status_code == 200


def test_thumbnails_of_a_draft_are_not_public(client, login, world):
    draft = world.project()
    evidence = services.evidence_add(project=draft, actor=world.alice, kind="photo",
                                     file=SimpleUploadedFile("a.jpg", images.photo()))
    url = reverse("evidence-thumbnail", args=[evidence.pk])
    assert client.get(url).status_code == 404
    assert login(world.charlie).get(url).status_code == 404
    assert login(world.alice).get(url).status_code == 200


def _content(response):
    import io

    return io.BytesIO(b"".join(response.streaming_content))
