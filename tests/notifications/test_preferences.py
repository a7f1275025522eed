"""Reminders follow what each recipient chose: the channels of each topic, quiet hours on his
own clock (across time zones), and still go out exactly once; SMS kept within their
segments."""

import datetime

import time_machine
from django.core import mail
from django.utils import timezone

from matching import models as m
from matching import services
from matching.notifications import dispatch, sms

from .conftest import link_telegram, local, tranche_of

UTC = datetime.timezone.utc
D = timezone.localdate() + datetime.timedelta(days=10)
T = datetime.time
ALL_TOPICS = m.NotificationTopic.values


def _choose(user, channels: dict, **kwargs):
    kwargs.setdefault("language", user.language)
    kwargs.setdefault("timezone_name", user.timezone)
    return services.preferences_update(actor=user, channels=channels, **kwargs)


def _send_due(moment):
    with time_machine.travel(moment, tick=False):
        return {pk: dispatch.reminder_send(reminder_id=pk)
                for pk in dispatch.reminders_dispatch(send=lambda ids: None)}


def test_every_kind_of_reminder_has_a_topic():
    assert set(m.TOPIC_OF) == set(m.ReminderKind.values)


def test_each_recipient_gets_the_channels_he_chose_for_the_topic(
        world, funded_project, gateway, bot):
    # bob: tranches by SMS and Telegram only; erin: tranches nowhere but the in-app list
    # (decisions by e-mail, which this reminder is not)
    link_telegram(world.bob, bot)
    _choose(world.bob, {"tranches": {"sms", "telegram"}}, phone="+998 90 111-22-33")
    _choose(world.erin, {"decisions": {"email"}})
    tranche_of(funded_project, "district", due_on=D)

    assert set(_send_due(local(D, 10)).values()) == {"sent"}

    assert mail.outbox == []
    assert [body["to"] for _key, body in gateway.received] == ["+998901112233"]
    assert [p["chat_id"] for p in bot.sent() if funded_project.code in p["text"]] == [777]
    logs = set(m.MessageLog.objects.values_list("reminder__recipient__username", "channel"))
    assert logs == {("bob", "sms"), ("bob", "telegram"), ("erin", "in_app")}


def test_a_topic_never_chosen_follows_the_accounts_defaults(world, funded_project):
    m.User.objects.filter(pk=world.erin.pk).update(notify_by_email=False)
    tranche_of(funded_project, "district", due_on=D)
    _send_due(local(D, 10))
    assert [message.to for message in mail.outbox] == [[world.bob.email]]


def test_quiet_hours_hold_a_reminder_until_they_end_on_each_recipients_clock(
        world, funded_project):
    """Both are told at 09:00 on their own clock: bob in Tashkent (UTC+5) is quiet until
    10:30; erin in Bishkek (UTC+6) is quiet from 22:00 to 10:00, over midnight."""
    m.User.objects.filter(pk=world.erin.pk).update(timezone="Asia/Bishkek")
    world.erin.refresh_from_db()
    _choose(world.bob, {t: {"email"} for t in ALL_TOPICS}, quiet_from=T(7),
            quiet_until=T(10, 30))
    _choose(world.erin, {t: {"email"} for t in ALL_TOPICS}, quiet_from=T(22),
            quiet_until=T(10))
    tranche_of(funded_project, "district", due_on=D)

    told = {}  # who got his e-mail at which moment (UTC)
    start = datetime.datetime.combine(D, T(2), UTC)
    for step in range(12):  # every half hour from 02:00 to 07:30 UTC
        moment = start + datetime.timedelta(minutes=30 * step)
        before = len(mail.outbox)
        _send_due(moment)
        for message in mail.outbox[before:]:
            told.setdefault(message.to[0], []).append(moment)

    # erin: due 03:00 UTC (09:00 Bishkek), held until 10:00 Bishkek = 04:00 UTC
    # bob: due 04:00 UTC (09:00 Tashkent), held until 10:30 Tashkent = 05:30 UTC
    assert told == {world.erin.email: [datetime.datetime.combine(D, T(4), UTC)],
                    world.bob.email: [datetime.datetime.combine(D, T(5, 30), UTC)]}
    reminders = m.Reminder.objects.filter(kind="tranche_due_today")
    assert sorted(reminders.values_list("recipient__username", "status", "attempts")) == [
        ("bob", "sent", 1), ("erin", "sent", 1)]
    assert reminders.get(recipient=world.bob).due_at == local(D, 10, "Asia/Tashkent") \
        + datetime.timedelta(minutes=30)
    # nothing more, however often the dispatcher runs
    assert _send_due(datetime.datetime.combine(D, T(12), UTC)) == {}
    assert len(mail.outbox) == 2


def test_a_reminder_held_by_quiet_hours_is_sent_once_even_if_two_workers_try(
        world, funded_project):
    m.User.objects.filter(pk=world.erin.pk).update(is_active=False)
    _choose(world.bob, {t: {"email"} for t in ALL_TOPICS}, quiet_from=T(8), quiet_until=T(11))
    tranche_of(funded_project, "district", due_on=D)
    (held,) = _send_due(local(D, 9)).items()
    assert held[1] == "pending" and mail.outbox == []
    reminder_id = held[0]
    with time_machine.travel(local(D, 9, ) + datetime.timedelta(minutes=5), tick=False):
        assert dispatch.reminder_send(reminder_id=reminder_id) is None  # not due yet
    with time_machine.travel(local(D, 11), tick=False):
        results = [dispatch.reminder_send(reminder_id=reminder_id) for _ in range(2)]
    assert results == ["sent", None]
    assert len(mail.outbox) == 1


def test_an_sms_is_kept_within_the_set_segments_with_its_link_whole(
        world, funded_project, gateway, settings):
    settings.SMS_MAX_SEGMENTS = 1
    m.User.objects.filter(pk=world.erin.pk).update(is_active=False)
    _choose(world.bob, {"tranches": {"sms"}}, phone="+998901112233", language="ru")
    tranche_of(funded_project, "district", due_on=D)
    _send_due(local(D, 10))
    (_key, body), = gateway.received
    link = f"http://127.0.0.1:8000/officer/projects/{funded_project.pk}/"
    assert body["text"].endswith("\n" + link)
    assert sms.encoding(body["text"]) == sms.UCS2  # Russian
    assert sms.segments(body["text"]) == 1
    shortened = body["text"][:-len(link) - 1]
    assert shortened.endswith("…") and len(shortened) > 10


def test_preferences_change_only_the_actors_own_account(world):
    before = {u.pk: (u.language, u.timezone, u.phone) for u in m.User.objects.all()}
    _choose(world.alice, {"tranches": {"email"}}, language="ky", timezone_name="Asia/Bishkek",
            phone="+996555123456", quiet_from=T(22), quiet_until=T(7))
    assert set(m.NotificationPreference.objects.values_list("user", flat=True)) == {
        world.alice.pk}
    assert m.NotificationPreference.objects.count() == len(ALL_TOPICS)
    for user in m.User.objects.exclude(pk=world.alice.pk):
        assert (user.language, user.timezone, user.phone) == before[user.pk]
    alice = m.User.objects.get(pk=world.alice.pk)
    assert (alice.language, alice.timezone, alice.phone) == ("ky", "Asia/Bishkek",
                                                             "+996555123456")
    assert (alice.quiet_from, alice.quiet_until) == (T(22), T(7))
