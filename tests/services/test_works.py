"""The works: milestones whose shares add up to 100 %, progress reports with real photos
(thumbnails, EXIF date and position kept and checked), the oversight committee, and the
completion it signs off."""

import datetime
from decimal import Decimal
from pathlib import Path

import pghistory.models
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import formats, timezone
from PIL import Image

from matching import models as m
from matching import photos, services
from matching.demo import images
from matching.errors import Forbidden, InvalidInput, NotAllowed
from matching.services.works import MilestoneInput, committee_status

S = m.ProjectStatus
TODAY = datetime.date.today()
NAVBAHOR = (41.46890, 69.58220)
TASHKENT = (41.29950, 69.24010)  # about 30 km away


@pytest.fixture
def started(world):
    """Project in progress in mahalla A, whose position is known."""
    m.Mahalla.objects.filter(pk=world.mahalla_a.pk).update(latitude=Decimal("41.46890"),
                                                          longitude=Decimal("69.58220"))
    return world.in_progress()


def _milestones(project, actor, *shares):
    return services.milestones_set(project=project, actor=actor, milestones=[
        MilestoneInput(title=f"Stage {n}", planned_on=TODAY + datetime.timedelta(days=30 * n),
                       share=Decimal(share)) for n, share in enumerate(shares, start=1)])


def _jpeg(name="works.jpg", **exif):
    return SimpleUploadedFile(name, images.photo(**exif), content_type="image/jpeg")


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- milestones ---------------------------------------------------------------------------

def test_milestones_are_set_in_order_and_their_shares_add_up(world):
    project = world.project()
    first = _milestones(project, world.alice, "30", "50", "20")
    assert [(x.title, x.share, x.position) for x in project.milestones.all()] == [
        ("Stage 1", Decimal("30.00"), 0), ("Stage 2", Decimal("50.00"), 1),
        ("Stage 3", Decimal("20.00"), 2)]
    # edited as a set: one changed, one removed, one added
    services.milestones_set(project=project, actor=world.alice, milestones=[
        MilestoneInput(id=first[0].pk, title="Trench", planned_on=TODAY, share=Decimal("40")),
        MilestoneInput(title="Roof", planned_on=TODAY, share=Decimal("60"))])
    assert [(x.title, x.share) for x in project.milestones.all()] == [
        ("Trench", Decimal("40.00")), ("Roof", Decimal("60.00"))]
    assert project.milestones.get(title="Trench").pk == first[0].pk


@pytest.mark.parametrize("shares, message", [
    (("30", "50"), "add up to 80 %"), (("60", "50"), "add up to 110 %"),
    (("100", "0"), "above zero"), (("120",), "from 0 to 100"), (("33.333", "66.667"), "decimal"),
], ids=["short", "over", "zero_share", "over_100", "three_places"])
def test_milestone_shares_that_do_not_add_up_are_refused_whole(world, shares, message):
    project = world.project()
    _milestones(project, world.alice, "100")
    with pytest.raises(InvalidInput, match=message):
        _milestones(project, world.alice, *shares)
    assert [(x.title, x.share) for x in project.milestones.all()] == [
        ("Stage 1", Decimal("100.00"))]


def test_a_milestone_of_another_project_cannot_be_slipped_in(world):
    mine, other = world.project(), world.project(title="Other")
    theirs = _milestones(other, world.alice, "100")[0]
    with pytest.raises(InvalidInput, match="another project"):
        services.milestones_set(project=mine, actor=world.alice, milestones=[
            MilestoneInput(id=theirs.pk, title="Stolen", planned_on=TODAY, share=Decimal(100))])
    assert m.Milestone.objects.get(pk=theirs.pk).project == other


def test_a_milestone_with_reported_progress_stays(world, started):
    stage = _milestones(started, world.alice, "100")[0]
    services.progress_report_create(project=started, actor=world.alice, reported_on=TODAY,
                                    text="Half done", progress={stage.pk: Decimal("50")})
    with pytest.raises(NotAllowed, match="has progress reported"):
        _milestones(started, world.alice, "40", "60")
    assert list(started.milestones.all()) == [stage]


def test_milestones_of_a_completed_project_no_longer_change(world, started):
    _milestones(started, world.alice, "100")
    services.evidence_add(project=started, actor=world.alice, kind="handover_act",
                          file=SimpleUploadedFile("act.pdf", b"%PDF-1.4 act"))
    world.signed_off(started)
    services.project_complete(project=started, actor=world.alice)
    with pytest.raises(NotAllowed, match="can no longer change"):
        _milestones(started, world.alice, "50", "50")


@pytest.mark.parametrize("who", ["charlie", "bob", "migrant", "auditor"])
def test_only_the_projects_clerk_sets_milestones(world, who):
    project = world.project()
    with pytest.raises(Forbidden):
        _milestones(project, getattr(world, who), "100")
    assert not m.Milestone.objects.exists()


# --- progress reports ---------------------------------------------------------------------

def test_progress_is_the_milestones_progress_weighted_by_their_shares(world, started):
    trench, pipe, houses = _milestones(started, world.alice, "30", "50", "20")
    first = services.progress_report_create(
        project=started, actor=world.alice, reported_on=TODAY, text="Trench dug",
        progress={trench.pk: Decimal("100"), pipe.pk: Decimal("40")})
    # 30 × 100 % + 50 × 40 % + 20 × 0 % = 50 %
    assert first.progress == Decimal("50.00")
    assert [(x.milestone.title, x.before, x.progress) for x in first.moves.all()] == [
        ("Stage 1", Decimal("0.00"), Decimal("100.00")),
        ("Stage 2", Decimal("0.00"), Decimal("40.00"))]
    second = services.progress_report_create(
        project=started, actor=world.alice, reported_on=TODAY, text="Connections begun",
        progress={trench.pk: Decimal("100"), pipe.pk: Decimal("90"), houses.pk: Decimal("12.5")})
    # only what moved is recorded as moved
    assert [x.milestone.title for x in second.moves.all()] == ["Stage 2", "Stage 3"]
    assert second.progress == Decimal("77.50")  # 30 + 45 + 2.5
    assert m.Milestone.objects.filter(project=started).progress() == Decimal("77.50")
    event = (pghistory.models.Events.objects.tracks(second).filter(pgh_label="insert").first())
    assert event.pgh_context["user"] == world.alice.pk
    assert event.pgh_context["service"] == "progress_report_create"


def test_a_project_without_milestones_reports_without_a_percentage(world, started):
    report = services.progress_report_create(project=started, actor=world.alice,
                                             reported_on=TODAY, text="Materials bought")
    assert report.progress is None


@pytest.mark.parametrize("change, field", [
    ({"text": "  "}, "text"),
    ({"reported_on": TODAY + datetime.timedelta(days=1)}, "reported_on"),
    ({"progress": {"first": Decimal("101")}}, "milestone_first"),
    ({"progress": {"first": Decimal("-1")}}, "milestone_first"),
], ids=["no_text", "future", "over_100", "negative"])
def test_a_bad_progress_report_writes_nothing(world, started, change, field):
    stage = _milestones(started, world.alice, "100")[0]
    if "progress" in change:
        change = {"progress": {stage.pk: change["progress"]["first"]}}
        field = f"milestone_{stage.pk}"
    data = {"reported_on": TODAY, "text": "Works", "photos": [_jpeg()], **change}
    with pytest.raises(InvalidInput) as refused:
        services.progress_report_create(project=started, actor=world.alice, **data)
    assert refused.value.field == field
    assert not m.ProgressReport.objects.exists() and not m.Evidence.objects.exists()
    assert m.Milestone.objects.get(pk=stage.pk).progress == 0


def test_progress_is_reported_only_while_the_works_are_in_progress(world):
    project = world.approved()
    with pytest.raises(NotAllowed, match="while the works are in progress"):
        services.progress_report_create(project=project, actor=world.alice, reported_on=TODAY,
                                        text="Not started")
    assert not m.ProgressReport.objects.exists()


def test_a_photo_keeps_its_capture_date_and_place_and_gets_copies(world, started, settings):
    taken = timezone.now() - datetime.timedelta(days=2)
    report = services.progress_report_create(
        project=started, actor=world.alice, reported_on=TODAY, text="Trench",
        photos=[_jpeg(taken_at=taken.replace(microsecond=0), position=NAVBAHOR)])
    photo = report.photos.get()
    assert photo.kind == m.EvidenceKind.PHOTO and photo.uploaded_by == world.alice
    assert abs(photo.taken_at - taken) < datetime.timedelta(seconds=1)
    assert (photo.latitude, photo.longitude) == (Decimal("41.468900"), Decimal("69.582200"))
    with Image.open(photo.thumbnail.path) as thumbnail:
        assert max(thumbnail.size) <= 320 and thumbnail.format == "JPEG"
        assert not thumbnail.getexif()
    with Image.open(photo.public_copy.path) as copy:
        assert copy.format == "JPEG" and copy.size == (640, 480)
        assert not copy.getexif()  # no position, no date: nothing for the public to read
    with Image.open(photo.file.path) as original:
        assert original.getexif().get_ifd(0x8825)  # the evidence itself keeps its GPS
    assert photos.flags(photo, mahalla=started.mahalla) == []


def test_a_png_without_exif_has_no_date_or_place_and_no_flag(world, started):
    report = services.progress_report_create(
        project=started, actor=world.alice, reported_on=TODAY, text="Roof",
        photos=[SimpleUploadedFile("roof.png", images.photo("PNG"), content_type="image/png")])
    photo = report.photos.get()
    assert photo.taken_at is None and photo.latitude is None and photo.longitude is None
    assert photo.thumbnail and photo.public_copy.name.endswith(".png")
    assert photos.flags(photo, mahalla=started.mahalla) == []


def test_an_old_photo_and_a_far_one_are_flagged_with_the_reason(world, started, settings):
    settings.PHOTO_MAX_AGE_DAYS, settings.PHOTO_MAX_DISTANCE_KM = 30, 5
    old = timezone.now() - datetime.timedelta(days=45)
    report = services.progress_report_create(
        project=started, actor=world.alice, reported_on=TODAY, text="Works", photos=[
            _jpeg("old.jpg", taken_at=old, position=NAVBAHOR),
            _jpeg("far.jpg", taken_at=timezone.now(), position=TASHKENT),
            _jpeg("recent.jpg", taken_at=timezone.now() - datetime.timedelta(days=29))])
    old_photo, far_photo, recent = report.photos.order_by("id")
    taken_on = formats.date_format(timezone.localdate(old), "DATE_FORMAT")
    assert photos.flags(old_photo, mahalla=started.mahalla) == [
        f"Taken on {taken_on}, 45 days before its report."]
    far = photos.flags(far_photo, mahalla=started.mahalla)
    assert len(far) == 1 and far[0].startswith("Taken 3") and far[0].endswith("km from Navbahor.")
    assert photos.flags(recent, mahalla=started.mahalla) == []
    # a wider limit (a setting) flags nothing
    settings.PHOTO_MAX_AGE_DAYS, settings.PHOTO_MAX_DISTANCE_KM = 60, 50
    assert photos.flags(old_photo, mahalla=started.mahalla) == []
    assert photos.flags(far_photo, mahalla=started.mahalla) == []


def test_without_the_mahallas_position_no_distance_is_judged(world, started):
    m.Mahalla.objects.filter(pk=world.mahalla_a.pk).update(latitude=None, longitude=None)
    started.mahalla.refresh_from_db()
    report = services.progress_report_create(
        project=started, actor=world.alice, reported_on=TODAY, text="Works",
        photos=[_jpeg(taken_at=timezone.now(), position=TASHKENT)])
    assert photos.flags(report.photos.get(), mahalla=started.mahalla) == []


def test_evidence_photos_are_judged_against_their_upload_day(world, started):
    evidence = services.evidence_add(
        project=started, actor=world.alice, kind="photo",
        file=_jpeg(taken_at=timezone.now() - datetime.timedelta(days=90)))
    assert evidence.thumbnail and evidence.taken_at is not None
    assert photos.flags(evidence, mahalla=started.mahalla)[0].endswith(
        "90 days before it was uploaded.")


@pytest.mark.parametrize("name, content, message", [
    ("broken.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 200, "cannot be read"),
    ("half.jpg", images.photo()[:600], "cannot be read"),
    ("photo.jpg", images.photo("PNG"), "does not match"),
    ("scan.pdf", b"%PDF-1.4 scan", "Upload photos"),
    ("photo.gif", b"GIF89a", "Upload a PDF, JPEG, PNG or WebP file."),
], ids=["corrupt", "truncated", "png_named_jpg", "pdf", "gif"])
def test_a_bad_photo_refuses_the_whole_report_and_leaves_no_file(world, started, settings,
                                                                 name, content, message):
    before = _files(Path(settings.MEDIA_ROOT))  # the works contract, uploaded at the start
    with pytest.raises(InvalidInput, match=message) as refused:
        services.progress_report_create(
            project=started, actor=world.alice, reported_on=TODAY, text="Works",
            photos=[_jpeg("good.jpg"), SimpleUploadedFile(name, content)])
    assert refused.value.field == "photos"
    assert not m.ProgressReport.objects.exists() and not m.Evidence.objects.exists()
    assert _files(Path(settings.MEDIA_ROOT)) == before


def test_too_many_photos_are_refused(world, started):
    with pytest.raises(InvalidInput, match="At most 10 photos"):
        services.progress_report_create(
            project=started, actor=world.alice, reported_on=TODAY, text="Works",
            photos=[_jpeg(f"{n}.jpg", size=(16, 16)) for n in range(11)])


# --- the oversight committee and completion -----------------------------------------------

def test_members_are_recorded_edited_and_removed_before_they_answer(world, started):
    chair = services.oversight_member_add(project=started, actor=world.alice,
                                          full_name="Karim Rahimov", contact="+998 90 1",
                                          role="chair")
    services.oversight_member_edit(member=chair, actor=world.alice, full_name="Karimjon Rahimov",
                                   contact="+998 90 2", role="chair")
    assert m.OversightMember.objects.get(pk=chair.pk).full_name == "Karimjon Rahimov"
    services.oversight_sign_off(member=chair, actor=world.alice, decision="signed", on=TODAY)
    with pytest.raises(NotAllowed, match="answer stays on record"):
        services.oversight_member_remove(member=chair, actor=world.alice)
    other = services.oversight_member_add(project=started, actor=world.alice,
                                          full_name="Moved away")
    services.oversight_member_remove(member=other, actor=world.alice)
    assert list(started.oversight_members.all()) == [chair]


@pytest.mark.parametrize("fields, field", [
    ({"full_name": " "}, "full_name"), ({"full_name": "A", "role": "boss"}, "role")])
def test_a_member_needs_a_name_and_a_known_role(world, started, fields, field):
    with pytest.raises(InvalidInput) as refused:
        services.oversight_member_add(project=started, actor=world.alice, **fields)
    assert refused.value.field == field and not m.OversightMember.objects.exists()


def test_a_refusal_needs_its_findings_and_a_date_not_in_the_future(world, started):
    member = services.oversight_member_add(project=started, actor=world.alice, full_name="A")
    with pytest.raises(InvalidInput) as refused:
        services.oversight_sign_off(member=member, actor=world.alice, decision="refused",
                                    on=TODAY)
    assert refused.value.field == "findings"
    with pytest.raises(InvalidInput) as refused:
        services.oversight_sign_off(member=member, actor=world.alice, decision="signed",
                                    on=TODAY + datetime.timedelta(days=2))
    assert refused.value.field == "on"
    assert m.OversightMember.objects.get(pk=member.pk).sign_off == ""


def test_the_committee_signs_only_while_the_works_are_in_progress(world):
    project = world.approved()
    member = services.oversight_member_add(project=project, actor=world.alice, full_name="A")
    with pytest.raises(NotAllowed, match="while the works are in progress"):
        services.oversight_sign_off(member=member, actor=world.alice, decision="signed",
                                    on=TODAY)


@pytest.mark.parametrize("members, signed, refused, ok", [
    (2, 2, 0, False),  # too small a committee
    (3, 1, 0, False), (3, 2, 1, True), (4, 2, 0, False), (4, 3, 1, True), (5, 5, 0, True),
])
def test_completion_needs_a_majority_of_the_committee(world, started, members, signed,
                                                       refused, ok):
    recorded = world.signed_off(started, members=members, signed=signed)
    for member in recorded[signed:signed + refused]:
        services.oversight_sign_off(member=member, actor=world.alice, decision="refused",
                                    on=TODAY, findings="The ditch is not finished.")
    act = SimpleUploadedFile("act.pdf", b"%PDF-1.4 handover act")
    if ok:
        services.project_complete(project=started, actor=world.alice, handover_act=act,
                                  reason="Handed over")
        started.refresh_from_db()
        assert started.status == S.COMPLETED
        assert started.evidence.get(kind=m.EvidenceKind.HANDOVER_ACT).uploaded_by == world.alice
        assert started.timeline.get(to_status=S.COMPLETED).actor == world.alice
    else:
        with pytest.raises(NotAllowed) as refused_completion:
            services.project_complete(project=started, actor=world.alice, handover_act=act)
        assert refused_completion.value.field == "committee"
        assert m.Project.objects.get(pk=started.pk).status == S.IN_PROGRESS
        assert not started.evidence.filter(kind=m.EvidenceKind.HANDOVER_ACT).exists()
    assert committee_status(started).signed == signed


def test_a_bad_handover_act_leaves_no_file(world, started, settings):
    world.signed_off(started)
    with pytest.raises(InvalidInput):
        services.project_complete(project=started, actor=world.alice,
                                  handover_act=SimpleUploadedFile("act.pdf", b"not a pdf"))
    assert m.Project.objects.get(pk=started.pk).status == S.IN_PROGRESS
    assert _files(Path(settings.MEDIA_ROOT) / "evidence") == []


@pytest.mark.parametrize("who", ["bob", "charlie", "admin", "migrant"])
def test_only_the_clerk_completes(world, started, who):
    world.signed_off(started)
    with pytest.raises(Forbidden):
        services.project_complete(project=started, actor=getattr(world, who),
                                  handover_act=SimpleUploadedFile("a.pdf", b"%PDF-1.4 a"))
    assert m.Project.objects.get(pk=started.pk).status == S.IN_PROGRESS
