import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from matching import models as m

from .conftest import tranche_of

D = timezone.localdate()


def test_dry_run_shows_what_would_be_sent_and_writes_nothing(world, funded_project):
    tranche_of(funded_project, "district", due_on=D + datetime.timedelta(days=7))
    out = StringIO()
    call_command("send_reminders", "--today", D.isoformat(), "--dry-run", stdout=out)
    assert "tranche_due_7" in out.getvalue() and "→ bob" in out.getvalue()
    assert "2 reminders would be sent" in out.getvalue()
    assert not m.Reminder.objects.exists()


def test_send_reminders_plans_and_sends_the_due_ones(world, funded_project, settings):
    settings.REMINDER_LOCAL_HOUR = 0
    tranche_of(funded_project, "district", due_on=D)
    call_command("send_reminders", "--today", D.isoformat(), stdout=StringIO())
    assert sorted(message.to[0] for message in mail.outbox) == [world.bob.email,
                                                                 world.erin.email]
    out = StringIO()
    call_command("send_reminders", "--today", D.isoformat(), "--dry-run", stdout=out)
    assert "0 reminders would be sent" in out.getvalue()


def test_bad_date_is_a_clear_error(db):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_reminders", "--today", "01/04/2026")
