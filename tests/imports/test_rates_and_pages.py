"""Exchange rates from a central bank table (command and upload page), and the pages."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from matching import models as m
from matching.jobs.tasks import run_job

CBU = ("Code;Ccy;Nominal;Rate;Date\n"
       "840;USD;1;12850,25;15.03.2025\n"
       "643;RUB;1;147.12;15.03.2025\n"
       "392;JPY;100;8625.00;15.03.2025\n").encode()
DAY = datetime.date(2025, 3, 15)


def test_import_rates_command_reads_the_central_bank_table(world, tmp_path):
    path = tmp_path / "cbu.csv"
    path.write_bytes(CBU)
    call_command("import_rates", str(path), "--user", "admin")
    rates = {r.currency: r for r in m.ExchangeRate.objects.filter(on=DAY)}
    assert rates["USD"].rate == Decimal("12850.25") and rates["USD"].quote_currency == "UZS"
    assert rates["JPY"].rate == Decimal("86.25")  # quoted per 100 yen
    assert not any(r.entered_by_hand for r in rates.values())
    call_command("import_rates", str(path), "--user", "admin")  # the same file: nothing new
    assert m.ExchangeRate.objects.count() == 3


def test_a_different_rate_for_a_stored_day_is_refused_not_overwritten(world, tmp_path):
    m.ExchangeRate.objects.create(currency="USD", quote_currency="UZS", on=DAY,
                                  rate=Decimal("12000"))
    path = tmp_path / "cbu.csv"
    path.write_bytes(CBU)
    with pytest.raises(CommandError):
        call_command("import_rates", str(path), "--user", "admin")
    assert m.ExchangeRate.objects.count() == 1
    assert m.ExchangeRate.objects.get().rate == Decimal("12000")


def test_clerks_cannot_import_rates(world, tmp_path):
    path = tmp_path / "cbu.csv"
    path.write_bytes(CBU)
    with pytest.raises(CommandError):
        call_command("import_rates", str(path), "--user", "alice")
    assert not m.ExchangeRate.objects.exists()


def test_receipt_service_uses_an_imported_rate(world, tmp_path):
    path = tmp_path / "cbu.csv"
    path.write_bytes(CBU)
    call_command("import_rates", str(path), "--user", "admin")
    project = world.approved()
    receipt = world.receipt(project, "1000.00", currency="RUB", received_on=DAY)
    assert (receipt.rate, receipt.rate_entered_by_hand) == (Decimal("147.12"), False)


def test_upload_page_and_row_report(client, world):
    project = world.submitted()
    client.force_login(world.alice)
    assert client.get("/imports/pledges/").status_code == 200
    content = (f"project,amount,currency,expected_on\n{project.code},=1+1,RUB,2030-01-01\n"
               .encode())
    response = client.post("/imports/pledges/", {
        "mode": "all", "file": SimpleUploadedFile("p.csv", content, content_type="text/csv")})
    job = m.Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    run_job(job.pk)  # the worker's part
    batch = m.ImportBatch.objects.get()
    assert f"/imports/{batch.pk}/" in client.get(response["Location"]).content.decode()
    page = client.get(f"/imports/{batch.pk}/")
    assert page.status_code == 200 and "Not a valid decimal number" in page.content.decode()
    assert b"line,outcome" in client.get(f"/imports/{batch.pk}/rows.csv").content.lower()
    # charlie, a clerk elsewhere, does not even learn that the import exists
    client.force_login(world.charlie)
    assert client.get(f"/imports/{batch.pk}/").status_code == 404


@pytest.mark.parametrize("user, kind, status", [
    ("bob", "pledges", 403), ("migrant", "receipts", 403), ("alice", "rates", 403),
    ("admin", "rates", 200), ("alice", "nonsense", 404)])
def test_upload_permissions(client, world, user, kind, status):
    client.force_login(getattr(world, user))
    assert client.get(f"/imports/{kind}/").status_code == status


def test_upload_of_a_wrong_file_type_is_a_form_error(client, world):
    client.force_login(world.alice)
    response = client.post("/imports/pledges/", {
        "mode": "all", "file": SimpleUploadedFile("p.pdf", b"%PDF-1.4")})
    assert response.status_code == 400 and not m.ImportBatch.objects.exists()


def test_anonymous_is_sent_to_login(client, db):
    assert client.get("/imports/pledges/").status_code == 302
