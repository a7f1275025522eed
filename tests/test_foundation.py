"""The foundation: settings from the environment, deploy checks, migrations, the compose
stack, demo data, and the invariants the database itself holds."""

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.db import IntegrityError, transaction

from matching import ledger
from matching import models as m

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "k3y-" + "".join(chr(97 + (i * 7) % 26) for i in range(60)),
    "DJANGO_ALLOWED_HOSTS": "hashar.example.org",
    "DATABASE_URL": "postgres://u:p@db.example.org:5432/hashar",
    "REDIS_URL": "redis://cache.example.org:6379/0",
}


def run_django(*args, env=None):
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    environ.update(env or {})
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environ,
                          capture_output=True, text=True, timeout=120)


# --- settings -------------------------------------------------------------------------------

@pytest.mark.parametrize("env, message", [
    ({"DJANGO_ENV": "staging"}, "DJANGO_ENV must be one of"),
    ({"DJANGO_DEBUG": "perhaps"}, "DJANGO_DEBUG"),
    ({"DATABASE_URL": "sqlite:///db.sqlite3"}, "must point to PostgreSQL"),
    ({"DATABASE_URL": ""}, "DATABASE_URL must point to PostgreSQL"),
    ({"REDIS_URL": "memory://"}, "REDIS_URL must be a redis"),
    ({"LANGUAGE_CODE": "fr"}, "LANGUAGE_CODE must be one of"),
    ({"DATABASE_CONN_MAX_AGE": "sixty"}, "invalid literal"),
    ({**PRODUCTION, "DJANGO_SECRET_KEY": "short"}, "at least 50"),
    ({**PRODUCTION, "DJANGO_DEBUG": "true"}, "cannot be on in production"),
    ({**PRODUCTION, "DJANGO_ALLOWED_HOSTS": ""}, "DJANGO_ALLOWED_HOSTS must be set"),
], ids=["unknown-mode", "bad-bool", "sqlite", "no-database", "fake-redis", "unknown-language",
        "bad-int", "weak-secret", "debug-in-production", "no-hosts"])
def test_bad_settings_fail_loudly_at_start(env, message):
    result = run_django("check", env=env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_settings_pass_the_deploy_check():
    result = run_django("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_languages_and_time_zone(settings):
    assert {"uz", "ru", "tg", "ky", "en"} <= {code for code, _ in settings.LANGUAGES}
    assert settings.USE_TZ is True
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert settings.CELERY_BROKER_URL.startswith("redis://")


def test_migrations_are_complete(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_redis_is_real():
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.REDIS_URL)
    assert client.ping() is True
    assert "redis_version" in client.info("server")


# --- the production stack -------------------------------------------------------------------

def test_compose_has_the_production_shape():
    stack = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = stack["services"]
    assert services["db"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    assert "gunicorn" in services["web"]["command"]
    beats = [name for name, svc in services.items() if "beat" in svc.get("command", [])]
    workers = {name: svc["command"][svc["command"].index("-Q") + 1]
               for name, svc in services.items() if "worker" in svc.get("command", [])}
    # exactly one beat; a worker service per queue, each consuming its own (scaled on its own)
    assert beats == ["beat"]
    assert workers == {f"worker-{queue}": queue for queue in settings.WORKER_QUEUES}
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1
    assert "container_name" not in str(services) and "--appendonly" in services["redis"]["command"]
    for name in ("db", "redis", "web", *workers):
        assert "healthcheck" in services[name], name
    for name in ("web", *workers, "beat"):
        depends = services[name]["depends_on"]
        assert depends["db"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"


def test_make_run_starts_a_worker_for_every_queue():
    from config import devservices

    assert devservices.QUEUES == settings.WORKER_QUEUES
    served = (ROOT / "config" / "devservices.py").read_text()
    assert '"-Q", ",".join(QUEUES)' in served


def test_every_task_goes_to_its_queue():
    from config.celery import app

    route = app.amqp.router.route
    queues = {name: route({}, name)["queue"].name for name in (
        "matching.notifications.send_reminder", "matching.notifications.dispatch_reminders",
        "matching.api.webhooks.deliver_webhook", "matching.jobs.run",
        "matching.tasks.process_outbox_message", "matching.jobs.sweep")}
    assert queues == {
        "matching.notifications.send_reminder": "reminders",
        "matching.notifications.dispatch_reminders": "reminders",
        "matching.api.webhooks.deliver_webhook": "webhooks", "matching.jobs.run": "imports",
        "matching.tasks.process_outbox_message": "default", "matching.jobs.sweep": "default"}
    # a job goes to its kind's queue
    from matching.jobs.runner import QUEUES

    assert set(QUEUES.values()) <= set(settings.WORKER_QUEUES)


# --- demo data ------------------------------------------------------------------------------

@pytest.mark.slow
def test_demo_data_is_idempotent_and_consistent(db):
    call_command("seed_demo", verbosity=0)
    counts = [model.objects.count() for model in (m.Project, m.User, m.Receipt, m.LedgerEntry,
                                                   m.Mahalla, m.Scheme, m.BudgetEnvelope)]
    call_command("seed_demo", verbosity=0)
    assert counts == [model.objects.count() for model in (
        m.Project, m.User, m.Receipt, m.LedgerEntry, m.Mahalla, m.Scheme, m.BudgetEnvelope)]
    assert set(m.Country.objects.values_list("code", flat=True)) == {"UZ", "TJ", "KG"}
    # on the real divisions: Tashkent region cities, a Sughd district, an Issyk-Kul raion
    assert m.Region.objects.filter(country__code="UZ", code__isnull=False).count() == 14
    chirchiq = m.District.objects.get(code="1727419")
    assert chirchiq.region.code == "UZ-TO"
    assert m.Project.objects.filter(mahalla__district=chirchiq).count() >= 5
    assert m.Project.objects.filter(mahalla__district__region__code="TJ-SU").exists()
    assert m.Project.objects.filter(mahalla__district__code="KG02215000000").exists()
    # nothing divides by an invented population; every envelope has its opening recorded
    assert not m.District.objects.filter(population__isnull=False,
                                         population_source="").exists()
    assert m.EnvelopeAdjustment.objects.count() == m.BudgetEnvelope.objects.count()
    assert m.RegistrationApplication.objects.filter(status="pending").count() == 1
    assert m.ProjectProposal.objects.filter(status="proposed").count() == 1
    assert set(m.Pledge.objects.values_list("currency", flat=True)) >= {"RUB", "KZT", "USD"}
    assert len(set(m.Project.objects.values_list("status", flat=True))) >= 8
    # an open call with three applications and a committee of two, one of them interested
    call = m.Call.objects.get(code="tash-1x1-spring")
    assert (call.status, call.applications.count(), call.members.count()) == ("open", 3, 2)
    assert m.Interest.objects.get().member.user.username == "committee2"
    assert ledger.verify() == []
    _demo_users_chose_how_they_are_told()


def _demo_users_chose_how_they_are_told():
    """A clerk on Telegram in Uzbek with quiet hours, a board member in Moscow with SMS: set
    once (the second seed changed nothing) and shown on their notification page."""
    import datetime

    from django.test import Client

    from matching.demo.people import DEMO_CHAT_ID
    from matching.notifications import preferences

    clerk2 = m.User.objects.get(username="clerk2")
    link = m.TelegramLink.objects.get(user=clerk2)
    assert (link.linked, link.chat_id, clerk2.language) == (True, DEMO_CHAT_ID, "uz")
    assert (clerk2.quiet_from, clerk2.quiet_until) == (datetime.time(22), datetime.time(7))
    assert preferences.table(clerk2)["tranches"] == {"telegram", "email"}
    assert preferences.table(clerk2)["complaints"] == {"telegram"}
    board = m.User.objects.get(username="association")
    assert (board.language, board.timezone, board.phone) == ("ru", "Europe/Moscow",
                                                             "+79161234567")
    assert preferences.table(board)["money"] == {"email", "sms"}
    assert m.NotificationPreference.objects.filter(user__in=[clerk2, board]).count() == 12
    client = Client()
    client.force_login(clerk2)
    client.cookies["django_language"] = "uz"
    html = client.get("/account/notifications/").content.decode()
    assert "@gulnora_istiqlol" in html and 'value="22:00"' in html


def test_generated_data_set_balances(db):
    call_command("seed_demo", projects=300, verbosity=0)
    assert m.Project.objects.filter(code__startswith="BENCH-").count() == 300
    assert m.LedgerEntry.objects.filter(project__code__startswith="BENCH-").count() > 1000
    assert ledger.verify() == []


# --- invariants in the database itself -----------------------------------------------------

def refused(write) -> bool:
    try:
        with transaction.atomic():
            write()
    except IntegrityError:
        return True
    return False


def test_database_refuses_negative_and_duplicate_money(world):
    project = world.approved()
    receipt = world.receipt(project, "100.00", reference="R-1")
    assert refused(lambda: m.Receipt.objects.filter(pk=receipt.pk).update(amount=Decimal("-1")))
    assert refused(lambda: m.Pledge.objects.create(
        project=project, association=world.association, amount=Decimal("-5"), currency="RUB",
        expected_on="2026-01-01", announced_by=world.migrant))
    assert refused(lambda: m.Receipt.objects.create(
        project=project, association=world.association, received_on="2026-01-01",
        amount=Decimal("1"), currency="UZS", rate=1, converted=Decimal("1"), reference="R-1",
        recorded_by=world.alice))
    assert refused(lambda: m.Commitment.objects.create(
        project=project, role="district", scheme_version=project.scheme_version,
        target=Decimal("1")))
    assert refused(lambda: m.Project.objects.filter(pk=project.pk).update(cost=0))
    assert refused(lambda: m.Pledge.objects.create(
        project=project, association=world.association, amount=Decimal("5"), currency="rub",
        expected_on="2026-01-01", announced_by=world.migrant))
    assert refused(lambda: m.Commitment.objects.filter(project=project, role="district")
                   .update(matched=Decimal("999999999.00")))
    assert refused(lambda: m.LedgerEntry.objects.create(
        project=project, kind="receipt", role="association", amount=0, currency="UZS",
        created_by=world.alice))
