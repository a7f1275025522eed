"""Plan, claim, send, mark: the life of a reminder.

    planning.plan_ahead()    beat, every 15 minutes: plan every day that is today somewhere
                             or about to begin (see planning.py)
    reminders_dispatch()     beat, every few minutes: claim the due reminders (SKIP LOCKED)
                             in batches and hand each batch to a worker as one task; plan a
                             day only if the planner has not
    reminders_send(ids)      a worker: each reminder of the batch on its own, as
    reminder_send(id)        does: lock the row, send on the recipient's channels, mark it

A reminder is sent under its row lock, in one transaction: if the worker dies mid-send the
database drops the lock and the row is still pending, so the re-delivered task (acks_late) or
the next dispatch sends it, and a second worker never sends it at the same time (SKIP LOCKED).
A batch is never one transaction: each of its reminders is locked, sent and marked on its own,
so a redelivered or retried batch skips what was already sent, and one reminder that fails
(or crashes) never holds back the others.
Each channel reached is logged in the same transaction, so a retry after a partial failure only
tries the channels that failed; a channel that fails never stops the others.

It goes on the channels the recipient chose for its kind (preferences.py). One that falls in
his quiet hours is not sent: its `due_at` moves to their end and it waits, still pending and
still one row, for the dispatch of that moment.
"""

import datetime
import logging

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from ..errors import NotAllowed
from ..services.base import service
from ..models import DeliveryResult, MessageLog, NotificationChannel, Reminder, ReminderStatus
from . import channels as channels_module
from . import messages, planning, preferences
from .channels import AddressGone, PermanentDeliveryError, TransientDeliveryError

log = logging.getLogger(__name__)
CLAIM_BATCH = 500
MAX_BATCHES = 20
# worth another try later: a channel's gateway, the database or the network
TRANSIENT = (TransientDeliveryError, OperationalError, InterfaceError, ConnectionError,
             TimeoutError)


def max_attempts() -> int:
    return getattr(settings, "REMINDER_MAX_ATTEMPTS", 6)


def requeue_after() -> datetime.timedelta:
    """How long a reminder handed to a worker waits before the dispatcher hands it again
    (the task was lost: Redis flushed, or the worker died and the message is invisible)."""
    return datetime.timedelta(seconds=getattr(settings, "REMINDER_REQUEUE_SECONDS", 600))


def claim_due(*, now: datetime.datetime, limit: int = CLAIM_BATCH,
              after: int | None = None) -> list[int]:
    """Stamp up to `limit` due, pending reminders as handed out and return their ids."""
    return sorted(_claim(now=now, limit=limit, after=after))


def _claim(*, now, limit, after) -> list[int]:
    """Claim a batch; return its ids in (due_at, id) order.

    One statement: the inner SELECT locks the rows it picks, SKIP LOCKED, so two dispatchers
    at once claim different rows, and a row being sent right now (locked by its worker) is
    left alone; the UPDATE stamps them before the locks are released. `= ANY(ARRAY(...))`
    makes PostgreSQL pick the rows once, then update them by primary key: with `IN (...)` it
    may plan a nested loop over the whole table (it did, for minutes, right after a day's
    planning inserted 70,000 rows whose statistics it had not seen yet).

    The rows are picked in reminder_pending_due's order (due_at, id); `after`, the last id of
    the previous batch, starts the index scan past that row, so batch n does not step again
    over the n - 1 batches just claimed (still pending until their workers send them; were
    that row deleted meanwhile, the batch finds nothing and the next dispatch goes on). Only
    `enqueued_at` changes, which no index covers: a HOT update (see the model's indexes).
    Only ids come back: loading 500 timestamps a batch into Python cost more than the SQL.
    """
    keyset = ("AND (due_at, id) > ((SELECT due_at FROM matching_reminder WHERE id = %(after)s),"
              " %(after)s)" if after else "")
    with connection.cursor() as cursor:
        cursor.execute(f"""
            WITH claimed AS (
                UPDATE matching_reminder SET enqueued_at = %(now)s
                WHERE id = ANY(ARRAY(
                    SELECT id FROM matching_reminder
                    WHERE status = %(pending)s AND due_at <= %(now)s
                      AND (enqueued_at IS NULL OR enqueued_at < %(stale)s) {keyset}
                    ORDER BY due_at, id
                    LIMIT %(limit)s
                    FOR UPDATE SKIP LOCKED))
                RETURNING due_at, id)
            SELECT id FROM claimed ORDER BY due_at, id""", {
            "now": now, "pending": ReminderStatus.PENDING, "stale": now - requeue_after(),
            "limit": limit, "after": after})
        return [row[0] for row in cursor.fetchall()]


def enqueue(ids: list[int]) -> int:
    """Hand a batch of reminders to the workers as one task; with the broker down they wait
    for the next dispatch. One message a batch, not one a reminder: publishing a Celery
    message costs about 1.4 ms of Python here, which made 97 % of a busy day's dispatch (14 s
    for 10,318 reminders, bench/README.md "A whole reminder day")."""
    from .tasks import send_reminders

    if not ids:
        return 0
    try:
        # argsrepr: not 500 ids in every log line (and not Celery's repr of them, 5 % of a day)
        send_reminders.apply_async(args=[list(ids)], retry=False,
                                   argsrepr=f"[{len(ids)} reminders: {ids[0]}…{ids[-1]}]")
    except Exception:  # broker down: the rows stay pending and are claimed again later
        log.warning("could not hand %s reminders to the workers", len(ids), exc_info=True)
        return 0
    return len(ids)


def reminders_dispatch(*, now: datetime.datetime | None = None, send=enqueue) -> list[int]:
    """Claim and hand out what is due; first plan any day that is today somewhere and that
    beat's planner has not planned yet (a safety net: it normally has, before the day).

    Queries: one for the time zones, one to find the days planned, one per batch claimed
    (and, only when a day has to be planned here, two per day and an ANALYZE after a large
    planning); never one per reminder. A row that a batch skipped (SKIP LOCKED) is left to
    its holder or to the next dispatch."""
    now = now or timezone.now()
    days = planning.days_now(now)
    done = planning.planned(days)
    planning.plan_days([day for day in days if day not in done])
    claimed, after = [], None
    for _batch in range(MAX_BATCHES):
        ids = _claim(now=now, limit=CLAIM_BATCH, after=after)
        if ids:
            after = ids[-1]
            ids.sort()
            send(ids)
            claimed += ids
        if len(ids) < CLAIM_BATCH:
            break
    return claimed


def reminder_send(*, reminder_id: int, now: datetime.datetime | None = None) -> str | None:
    """Send one reminder if it is pending and due; return its new status, or None when there
    was nothing to do (already sent, being sent by another worker, not due yet). One due in
    the recipient's quiet hours is put off to their end and stays pending.

    Raises TransientDeliveryError after recording the failure, so the task retries.
    """
    now = now or timezone.now()
    transient = None
    with transaction.atomic():
        reminder = (Reminder.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("recipient")
                    .filter(pk=reminder_id, status=ReminderStatus.PENDING, due_at__lte=now)
                    .first())
        if reminder is None:
            return None
        subject = messages.subject_of(reminder)
        if reminder.done_at is not None or not messages.still_due(reminder, subject):
            Reminder.objects.filter(pk=reminder.pk).update(status=ReminderStatus.CANCELLED)
            return ReminderStatus.CANCELLED
        release = preferences.release_at(reminder.recipient, now)
        if release > now:  # the dispatch of that moment claims it again
            Reminder.objects.filter(pk=reminder.pk).update(due_at=release, enqueued_at=None)
            return ReminderStatus.PENDING
        status, error, transient = _deliver(reminder, subject)
        attempts = reminder.attempts + 1
        if status == ReminderStatus.PENDING and attempts >= max_attempts():
            status, transient = ReminderStatus.FAILED, None
        Reminder.objects.filter(pk=reminder.pk).update(
            status=status, attempts=F("attempts") + 1, last_error=error,
            sent_at=now if status == ReminderStatus.SENT else None,
            # a failed attempt waits for the task's own backoff before a dispatch takes it
            enqueued_at=now)
    if transient is not None:
        raise transient
    return status


def reminders_send(*, reminder_ids: list[int]) -> tuple[dict[int, str | None], list[int]]:
    """Send a batch: each reminder on its own, through `reminder_send` (its own row lock and
    transaction, at the moment it is reached, so its quiet hours are those of that moment).
    Returns each reminder's outcome and the ids to try again (a transient failure, already
    recorded on the reminder).

    What was sent already, or is being sent by another worker, is skipped (None): a batch
    delivered twice sends each reminder once. A reminder that fails does not stop the others;
    one that crashes (an unexpected error: a bug, bad data) is logged and its attempt recorded,
    so that it fails for good after `max_attempts` instead of being handed out forever.
    The database gone mid-batch fails the rest quickly (transient): the task retries them
    after its backoff, on a fresh connection (Celery closes an unusable one after a task).
    Queries: those of `reminder_send`, per reminder."""
    outcome, again = {}, []
    for reminder_id in reminder_ids:
        try:
            outcome[reminder_id] = reminder_send(reminder_id=reminder_id)
        except TRANSIENT:
            again.append(reminder_id)
            outcome[reminder_id] = ReminderStatus.PENDING
        except Exception as error:  # noqa: BLE001 - one reminder must not hold up the batch
            log.exception("reminder %s could not be sent", reminder_id)
            outcome[reminder_id] = _crashed(reminder_id, error)
    return outcome, again


def _crashed(reminder_id: int, error: Exception) -> str | None:
    """Record a crashed attempt (its own transaction rolled back); failed after the last."""
    try:
        with transaction.atomic():
            reminder = (Reminder.objects.select_for_update(skip_locked=True)
                        .filter(pk=reminder_id, status=ReminderStatus.PENDING).first())
            if reminder is None:
                return None
            Reminder.objects.filter(pk=reminder_id).update(
                attempts=F("attempts") + 1, last_error=f"{type(error).__name__}: {error}"[:1000],
                status=Case(When(attempts__gte=max_attempts() - 1,
                                 then=Value(ReminderStatus.FAILED)),
                            default=Value(ReminderStatus.PENDING)))
            reminder.refresh_from_db(fields=["status"])
            return reminder.status
    except DatabaseError:
        log.exception("could not record the failure of reminder %s", reminder_id)
        return None


def _deliver(reminder: Reminder, subject) -> tuple[str, str, Exception | None]:
    """Send on every channel the recipient chose and not yet reached; log each attempt.

    Returns the reminder's status, its error text, and the transient error to retry on.
    An address that is gone (a Telegram chat that blocked the bot) is forgotten by its
    channel, in the same transaction.
    """
    user = reminder.recipient
    done = set(reminder.messages.filter(result=DeliveryResult.SENT)
               .values_list("channel", flat=True))
    wanted = preferences.chosen(user, reminder.kind)
    targets = [(channel, channel.address(user)) for channel in channels_module.channels()
               if channel.name in wanted]
    targets = [(channel, address) for channel, address in targets if address]
    if not targets:  # the recipient chose no channel we can reach: the in-app list only
        MessageLog.objects.get_or_create(reminder=reminder, channel=NotificationChannel.IN_APP,
                                         result=DeliveryResult.SENT)
        return ReminderStatus.SENT, "", None
    errors, transient, reached = [], None, bool(done)
    for channel, address in targets:
        if channel.name in done:
            continue
        result, detail = DeliveryResult.SENT, ""
        try:
            channel.send(messages.render(reminder, subject, channel.name), to=address)
        except TransientDeliveryError as error:
            result, detail, transient = DeliveryResult.TRANSIENT_ERROR, str(error), error
        except AddressGone as error:
            result, detail = DeliveryResult.PERMANENT_ERROR, str(error)
            channel.forget(user, address, detail)
        except PermanentDeliveryError as error:
            result, detail = DeliveryResult.PERMANENT_ERROR, str(error)
        reached = reached or result == DeliveryResult.SENT
        if detail:
            errors.append(f"{channel.name}: {detail}")
        MessageLog.objects.create(reminder=reminder, channel=channel.name, address=address,
                                  result=result, detail=detail)
    error = "\n".join(errors)
    if transient is not None:
        return ReminderStatus.PENDING, error, transient
    if reached:
        return ReminderStatus.SENT, error, None
    return ReminderStatus.FAILED, error, None


@service
def reminder_mark_done(*, actor, reminder_id: int) -> Reminder:
    """The recipient has dealt with it. Someone else's reminder does not exist for them."""
    updated = Reminder.objects.filter(pk=reminder_id, recipient=actor,
                                      done_at__isnull=True).update(done_at=timezone.now())
    reminder = Reminder.objects.filter(pk=reminder_id, recipient=actor).first()
    if reminder is None:
        raise Reminder.DoesNotExist
    if not updated:
        raise NotAllowed(_("This reminder was already marked done."))
    return reminder
