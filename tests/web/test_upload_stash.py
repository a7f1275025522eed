"""A refused form keeps its chosen file for the corrected submit, without JavaScript
(matching/web/stash.py through common.submit): the client here sends no script at all."""

import datetime
import re
import time

import time_machine
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from matching import models as m
from matching.demo import images
from matching.tasks import purge_upload_stashes
from matching.web import stash

from .. import factories as f
from .conftest import PDF, PNG, pdf, png

TOKEN = re.compile(r'name="(\w+__kept)" value="([^"]+)"')


def _receipt(rub_rate, **overrides):
    data = {"pledge": "", "received_on": rub_rate.on.isoformat(), "amount": "200000",
            "currency": "RUB", "rate": "151.40", "fee": "3000", "reference": "WU-2025-0001",
            "proof": pdf("bank-slip.pdf")}
    return {**data, **overrides}


def _kept(response) -> tuple[str, str]:
    found = TOKEN.search(response.content.decode())
    assert found, "the refused form carries no kept file"
    return found.group(1), found.group(2)


def _stashed_paths() -> list[str]:
    paths = []
    try:
        users = default_storage.listdir(stash.PREFIX)[0]
    except FileNotFoundError:
        return paths
    for user in users:
        for folder in default_storage.listdir(f"{stash.PREFIX}/{user}")[0]:
            for name in default_storage.listdir(f"{stash.PREFIX}/{user}/{folder}")[1]:
                paths.append(f"{stash.PREFIX}/{user}/{folder}/{name}")
    return paths


def test_a_refused_receipt_keeps_its_proof_for_the_corrected_submit(login, world, rub_rate):
    # given a receipt refused for a missing reference, its proof chosen
    project = world.approved()
    clerk = login(world.alice)
    url = reverse("clerk-receipt-new", args=[project.pk])
    refused = clerk.post(url, _receipt(rub_rate, reference=""))
    name, token = _kept(refused)
    html = refused.content.decode()
    assert refused.status_code == 400 and name == "proof__kept"
    assert "Kept from your last try: bank-slip.pdf" in html
    assert len(_stashed_paths()) == 1
    # when she corrects the reference and sends it without choosing the file again
    data = _receipt(rub_rate)
    del data["proof"]
    done = clerk.post(url, {**data, name: token})
    # then the receipt has the very file, and the kept copy is gone
    assert done.status_code == 302
    receipt = m.Receipt.objects.get()
    assert receipt.proof.read() == PDF
    assert receipt.proof.name.endswith(".pdf") and not receipt.proof.name.startswith("stash/")
    assert _stashed_paths() == []


def test_a_new_file_replaces_the_kept_one(login, world):
    project = world.approved()
    clerk = login(world.alice)
    url = reverse("clerk-evidence-new", args=[project.pk])
    refused = clerk.post(url, {"kind": "nonsense", "file": png("trench.png"),
                               "description": "Trench dug"})
    name, token = _kept(refused)
    assert refused.status_code == 400 and "trench.png" in refused.content.decode()
    other = images.photo("PNG", size=(9, 9))
    done = clerk.post(url, {"kind": "photo", "file": SimpleUploadedFile("other.png", other),
                            "description": "Trench dug",
                            name: token})
    assert done.status_code == 302
    evidence = m.Evidence.objects.get()
    assert evidence.file.read() == other != PNG


def test_a_file_in_error_is_not_kept(login, world, rub_rate):
    project = world.approved()
    response = login(world.alice).post(reverse("clerk-receipt-new", args=[project.pk]),
                                       _receipt(rub_rate, proof=png("slip.pdf")))
    assert response.status_code == 400
    assert TOKEN.search(response.content.decode()) is None and _stashed_paths() == []


def test_another_users_token_is_refused(login, world, rub_rate):
    # alice's refused receipt leaves a kept file: another clerk of the same mahalla (who
    # may record on the project) cannot use her token, nor can a forged one be used
    project = world.approved()
    url = reverse("clerk-receipt-new", args=[project.pk])
    name, token = _kept(login(world.alice).post(url, _receipt(rub_rate, reference="")))
    data = _receipt(rub_rate)
    del data["proof"]
    other_clerk = f.UserFactory(username="alice2", role=m.Role.CLERK, mahallas=[world.mahalla_a])
    response = login(other_clerk).post(url, {**data, name: token})
    forged = login(world.alice).post(url, {**data, name: token[:-2] + "xx"})
    for refused in (response, forged):
        assert refused.status_code == 400
        assert "The file kept from your last try is no longer available" in (
            refused.content.decode())
    assert not m.Receipt.objects.exists()


def test_a_token_older_than_a_day_is_refused(login, world, rub_rate):
    project = world.approved()
    url = reverse("clerk-receipt-new", args=[project.pk])
    with time_machine.travel(time.time() - 25 * 3600):
        name, token = _kept(login(world.alice).post(url, _receipt(rub_rate, reference="")))
    data = _receipt(rub_rate)
    del data["proof"]
    response = login(world.alice).post(url, {**data, name: token})
    assert response.status_code == 400 and not m.Receipt.objects.exists()


def test_progress_report_photos_are_kept_all_of_them(login, world):
    project = world.in_progress()
    clerk = login(world.alice)
    url = reverse("clerk-progress-new", args=[project.pk])
    refused = clerk.post(url, {"reported_on": "", "text": "Roof done",
                               "photos": [png("a.png"), png("b.png")]})
    name, token = _kept(refused)
    assert refused.status_code == 400 and len(_stashed_paths()) == 2
    done = clerk.post(url, {"reported_on": datetime.date.today().isoformat(),
                            "text": "Roof done", name: token})
    assert done.status_code == 302
    report = m.ProgressReport.objects.get()
    assert sorted(p.file.read() == PNG for p in report.photos.all()) == [True, True]


def test_purge_removes_kept_files_older_than_a_day_only(login, world, rub_rate):
    project = world.approved()
    url = reverse("clerk-receipt-new", args=[project.pk])
    with time_machine.travel(time.time() - 25 * 3600):
        login(world.alice).post(url, _receipt(rub_rate, reference=""))
    login(world.alice).post(url, _receipt(rub_rate, reference=""))
    assert len(_stashed_paths()) == 2
    assert purge_upload_stashes() == 1
    assert len(_stashed_paths()) == 1


def test_an_officers_refused_disbursement_keeps_its_act(login, world):
    # the officer's evidence forms go through the same common.submit
    project = world.approved()
    world.receipt(project, "20000000.00")
    tranche = m.Tranche.objects.filter(commitment__project=project,
                                       commitment__role="district").order_by("number").first()
    officer = login(world.bob)
    url = reverse("officer-disburse", args=[tranche.pk])
    refused = officer.post(url, {"amount": str(tranche.amount + 1), "evidence": "",
                                 "file": png("act.png"), "description": "Act of works"})
    name, token = _kept(refused)
    assert refused.status_code == 400 and not m.Evidence.objects.exists()
    done = officer.post(url, {"amount": "", "evidence": "", "description": "Act of works",
                              name: token})
    tranche.refresh_from_db()
    assert done.status_code == 302 and tranche.disbursed == tranche.amount
    assert tranche.evidence.file.read() == PNG and _stashed_paths() == []
