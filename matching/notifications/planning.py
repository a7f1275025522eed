"""Which reminders are due on a day, as set-based SQL: planning a day costs a few queries
whatever the number of tranches, pledges or projects.

Each kind is one SELECT yielding (subject_type, subject_id, project_id, kind, period,
recipient_id, due_at) rows; `plan` inserts them with ON CONFLICT DO NOTHING against the
reminder's unique key, so planning the same day any number of times, from any number of
processes at once, creates each reminder once. `preview` runs the same SELECTs without writing.

Days are the recipients' own: `days_now` gives every day that is "today" somewhere our users
live (at 00:30 in Bishkek it is still yesterday in Tashkent), and `due_at` is the send hour of
the day in the recipient's time zone, so each person is told on their own day.

Planning runs ahead of the dispatch: beat's planner (`plan_ahead`, every 15 minutes) plans
every day that is today somewhere or begins somewhere within PLAN_AHEAD, again and again so
that what was created since is picked up, and records each day in ReminderPlan. The dispatcher
only plans a day missing there.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ..models import (ASSOCIATION_ROLE, ComplaintStatus, EvidenceKind, PledgeStatus,
                      ProjectStatus, ReceiptStatus, ReminderKind, ReminderStatus, Role)
from ..models.complaints import ANSWER_WITHIN_DAYS
from ..services.projects import MONEY_CLOSED_STATES, OPEN_STATES

K = ReminderKind
ESCALATE_AFTER_DAYS = 14
REVIEW_WAIT_DAYS = 30
REGISTRATION_WARNING_DAYS = 30
QUARTER_MONTHS = (1, 4, 7, 10)
COMPLAINT_REMIND_AFTER_DAYS = 7
# after creating this many reminders, refresh the table's statistics (see plan_days)
ANALYZE_AFTER = 5000
# how long before a day begins (in its first time zone) beat's planner plans it: some runs
# before any send hour, even midnight's; not a day earlier, because the rules' conditions are
# read when planning and the worker re-checks only some of them (a pledge paid in full, a
# progress report sent in between are not re-checked)
PLAN_AHEAD = datetime.timedelta(hours=2)


def send_hour() -> int:
    """The local hour at which a day's reminders go out (0–23)."""
    return getattr(settings, "REMINDER_LOCAL_HOUR", 9)


def days_now(now: datetime.datetime | None = None, *,
             within: datetime.timedelta = datetime.timedelta(0)) -> list[datetime.date]:
    """Every local date that is today for some user right now (one query); with `within`
    (less than a day), also those that begin somewhere before `now + within`."""
    from ..models import User

    now = now or timezone.now()
    zones = set(User.objects.values_list("timezone", flat=True).distinct())
    zones.add(settings.TIME_ZONE)
    return sorted({timezone.localdate(moment, zone(name))
                   for name in zones for moment in {now, now + within}})


def zone(name: str):
    """The time zone `name` (a user's), or the project's when the name is not a zone."""
    import zoneinfo

    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _in(values) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"  # our own enum values, not input


# recipients, as joins on the project `p` (with its mahalla `mh`)
_OFFICERS = f"""
    JOIN matching_user u ON u.role = '{Role.OFFICER}' AND u.district_id = mh.district_id
                        AND u.is_active"""
# (also the clerks told of an imported file of pledges, see handlers.py)
CLERKS = f"""
    JOIN matching_user_mahallas um ON um.mahalla_id = p.mahalla_id
    JOIN matching_user u ON u.id = um.user_id AND u.role = '{Role.CLERK}' AND u.is_active"""
_ADMINISTRATORS = f"""
    JOIN matching_district d ON d.id = mh.district_id
    JOIN matching_user u ON u.role = '{Role.ADMINISTRATOR}' AND u.is_active
                        AND (u.region_id IS NULL OR u.region_id = d.region_id)"""
_ASSOCIATION_USERS = f"""
    JOIN matching_user u ON u.role = '{Role.ASSOCIATION}' AND u.association_id = {{assoc}}
                        AND u.is_active"""

_TRANCHES = f"""
    FROM matching_tranche t
    JOIN matching_commitment c ON c.id = t.commitment_id
    JOIN matching_project p ON p.id = c.project_id
    JOIN matching_mahalla mh ON mh.id = p.mahalla_id
    {{recipients}}
    WHERE t.paid_on IS NULL AND p.status IN {_in(OPEN_STATES)} AND {{condition}}"""


def _tranche(kind: str, condition: str, recipients: str = _OFFICERS) -> str:
    return ("SELECT 'tranche', t.id, p.id, '%s', %%(day)s::date, u.id, u.timezone"
            % kind + _TRANCHES.format(recipients=recipients, condition=condition))


def _weekly_tranches(first_day: int) -> str:
    """`_weekly_from("t.due_on", first_day)` as the list of days it matches, back to the
    oldest unpaid tranche: index lookups on tranche_due_unpaid instead of a scan of every
    unpaid tranche."""
    return (f"t.due_on = ANY(ARRAY(SELECT d::date FROM generate_series("
            f"%(day)s::date - {first_day}, (SELECT min(due_on) FROM matching_tranche "
            f"WHERE paid_on IS NULL), interval '-7 days') AS d))")


def _tranche_officers_and_clerks(kind: str, condition: str) -> str:
    """The district's officers for every party's tranche; the mahalla's clerks too for the
    association's share, which they collect."""
    return (_tranche(kind, condition) + "\nUNION ALL\n"
            + _tranche(kind, f"{condition} AND c.role = '{ASSOCIATION_ROLE}'", CLERKS))


# a weekly cycle counted from `start`: start, start + 7, start + 14, ...
def _weekly_from(column: str, first_day: int) -> str:
    return (f"{column} <= %(day)s::date - {first_day} "
            f"AND (%(day)s::date - {column} - {first_day}) %% 7 = 0")


def _pledge_overdue() -> str:
    missing = f"""pl.amount > COALESCE((
        SELECT SUM(r.amount) FROM matching_receipt r
        WHERE r.pledge_id = pl.id AND r.status = '{ReceiptStatus.RECORDED}'
          AND r.currency = pl.currency), 0)"""
    return f"""
    SELECT 'pledge', pl.id, p.id, '{K.PLEDGE_OVERDUE}', %(day)s::date, u.id, u.timezone
    FROM matching_pledge pl
    JOIN matching_project p ON p.id = pl.project_id
    {_ASSOCIATION_USERS.format(assoc="pl.association_id")}
    WHERE pl.status = '{PledgeStatus.ANNOUNCED}' AND p.status NOT IN {_in(MONEY_CLOSED_STATES)}
      AND {_weekly_from("pl.expected_on", 1)} AND {missing}"""


def _registration_expiring() -> str:
    return f"""
    SELECT 'association', a.id, NULL::bigint, '{K.REGISTRATION_EXPIRING}', a.valid_until,
           u.id, u.timezone
    FROM matching_migrantassociation a
    {_ASSOCIATION_USERS.format(assoc="a.id")}
    WHERE a.valid_until >= %(day)s::date
      AND a.valid_until <= %(day)s::date + {REGISTRATION_WARNING_DAYS}"""


def _progress_report_due() -> str:
    # skipped when a progress report was recorded (on its page, or uploaded as a document)
    # during the quarter that just ended
    return f"""
    SELECT 'project', p.id, p.id, '{K.PROGRESS_REPORT_DUE}', %(day)s::date, u.id, u.timezone
    FROM matching_project p
    JOIN matching_mahalla mh ON mh.id = p.mahalla_id
    {CLERKS}
    WHERE p.status = '{ProjectStatus.IN_PROGRESS}'
      AND NOT EXISTS (SELECT 1 FROM matching_progressreport r
                      WHERE r.project_id = p.id
                        AND r.created_at >= %(day)s::date - interval '3 months')
      AND NOT EXISTS (SELECT 1 FROM matching_evidence e
                      WHERE e.project_id = p.id AND e.kind = '{EvidenceKind.PROGRESS_REPORT}'
                        AND e.uploaded_at >= %(day)s::date - interval '3 months')"""


def _review_waiting() -> str:
    # to the superiors of the district's officers; where none of them has an active superior,
    # to the programme administrators of the region, so that the escalation reaches someone.
    # The recipients are worked out once per district (`r`, a handful of rows), then joined
    # to the waiting projects: as a condition on every (project, user) pair (`u.id IN
    # (superiors of the project's district) OR ...`) it was two thirds of selecting a day's
    # reminders at 10,000 projects (about 250 ms of 340 for 1,423 rows; bench/README.md).
    submitted = "(p.submitted_at AT TIME ZONE %(tz)s)::date"
    superiors = f"""
        SELECT o.district_id, s.id AS user_id FROM matching_user o
        JOIN matching_user s ON s.id = o.superior_id AND s.is_active
        WHERE o.role = '{Role.OFFICER}' AND o.district_id IS NOT NULL"""
    return f"""
    SELECT 'project', p.id, p.id, '{K.REVIEW_WAITING}', {submitted}, u.id, u.timezone
    FROM matching_project p
    JOIN matching_mahalla mh ON mh.id = p.mahalla_id
    JOIN ({superiors}
          UNION
          SELECT d.id, a.id FROM matching_district d
          JOIN matching_user a ON a.role = '{Role.ADMINISTRATOR}' AND a.is_active
                              AND (a.region_id IS NULL OR a.region_id = d.region_id)
          WHERE NOT EXISTS (SELECT 1 FROM ({superiors}) h WHERE h.district_id = d.id)
         ) r ON r.district_id = mh.district_id
    JOIN matching_user u ON u.id = r.user_id
    WHERE p.status IN {_in([ProjectStatus.SUBMITTED, ProjectStatus.UNDER_REVIEW])}
      AND p.submitted_at IS NOT NULL
      AND {submitted} <= %(day)s::date - {REVIEW_WAIT_DAYS + 1}"""


def _complaint(kind: str, first_day: int, recipients: str) -> str:
    """A complaint still waiting for an answer, `first_day` days after the local day it was
    filed and weekly after that."""
    filed = "(c.filed_at AT TIME ZONE %(tz)s)::date"
    return f"""
    SELECT 'complaint', c.id, p.id, '{kind}', %(day)s::date, u.id, u.timezone
    FROM matching_complaint c
    JOIN matching_project p ON p.id = c.project_id
    JOIN matching_mahalla mh ON mh.id = p.mahalla_id
    {recipients}
    WHERE c.status = '{ComplaintStatus.RECEIVED}' AND {_weekly_from(filed, first_day)}"""


@dataclass(frozen=True)
class Rule:
    kind: str
    sql: str
    on_day: object = None  # a predicate on the day; None: every day


def _quarter_start(day: datetime.date) -> bool:
    return day.day == 1 and day.month in QUARTER_MONTHS


RULES = [
    Rule(K.TRANCHE_DUE_7, _tranche_officers_and_clerks(K.TRANCHE_DUE_7,
                                                       "t.due_on = %(day)s::date + 7")),
    Rule(K.TRANCHE_DUE_1, _tranche_officers_and_clerks(K.TRANCHE_DUE_1,
                                                       "t.due_on = %(day)s::date + 1")),
    Rule(K.TRANCHE_DUE_TODAY, _tranche_officers_and_clerks(K.TRANCHE_DUE_TODAY,
                                                           "t.due_on = %(day)s::date")),
    # the day after the due date, then weekly
    Rule(K.TRANCHE_OVERDUE, _tranche_officers_and_clerks(K.TRANCHE_OVERDUE,
                                                         _weekly_tranches(1))),
    # the weekly reminders after 14 days overdue also go to the programme administrators
    Rule(K.TRANCHE_ESCALATED, _tranche(
        K.TRANCHE_ESCALATED,
        _weekly_tranches(1) + f" AND t.due_on < %(day)s::date - {ESCALATE_AFTER_DAYS}",
        _ADMINISTRATORS)),
    Rule(K.PLEDGE_OVERDUE, _pledge_overdue()),
    Rule(K.REGISTRATION_EXPIRING, _registration_expiring()),
    Rule(K.PROGRESS_REPORT_DUE, _progress_report_due(), on_day=_quarter_start),
    Rule(K.REVIEW_WAITING, _review_waiting()),
    # the district's officers a week after a complaint came in, then weekly; the day after
    # its 15 days ran out, the programme administrators too, weekly
    Rule(K.COMPLAINT_UNANSWERED, _complaint(K.COMPLAINT_UNANSWERED,
                                            COMPLAINT_REMIND_AFTER_DAYS, _OFFICERS)),
    Rule(K.COMPLAINT_ESCALATED, _complaint(K.COMPLAINT_ESCALATED, ANSWER_WITHIN_DAYS + 1,
                                           _ADMINISTRATORS)),
]

# (period + send hour) in the recipient's zone
_DUE_AT = "(%(day)s::date + make_interval(hours => %(hour)s)) AT TIME ZONE q.tz"
_COLUMNS = "subject_type, subject_id, project_id, kind, period, recipient_id, tz"


def _rules_for(day: datetime.date) -> list[Rule]:
    return [rule for rule in RULES if rule.on_day is None or rule.on_day(day)]


def _params(day: datetime.date) -> dict:
    return {"day": day, "hour": send_hour(), "tz": settings.TIME_ZONE}


def plan(day: datetime.date) -> int:
    """Create the reminders of `day` that do not exist yet, record the day as planned; return
    how many reminders were created.

    One statement for every rule of the day (their kinds differ, so their rows never collide
    with each other; ON CONFLICT skips what an earlier run or another dispatcher created).
    The day's ReminderPlan row is written first, in the same transaction: two processes
    planning the same day at once take turns on it instead of inserting the same rows side by
    side (which could deadlock), and the second then finds everything already there."""
    rules = "\nUNION ALL\n".join(f"({rule.sql})" for rule in _rules_for(day))
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO matching_reminderplan (day, planned_at) VALUES (%s, %s)
            ON CONFLICT (day) DO UPDATE SET planned_at = EXCLUDED.planned_at""",
                       [day, timezone.now()])
        cursor.execute(f"""
            INSERT INTO matching_reminder
                (subject_type, subject_id, project_id, kind, period, recipient_id, due_at,
                 status, attempts, last_error, created_at)
            SELECT q.subject_type, q.subject_id, q.project_id, q.kind, q.period,
                   q.recipient_id, {_DUE_AT}, '{ReminderStatus.PENDING}', 0, '', now()
            FROM ({rules}) AS q ({_COLUMNS})
            ON CONFLICT DO NOTHING""", _params(day))
        return cursor.rowcount


def planned(days: list[datetime.date]) -> set[datetime.date]:
    """Which of `days` have been planned already (one query)."""
    from ..models.notifications import ReminderPlan

    return set(ReminderPlan.objects.filter(day__in=days).values_list("day", flat=True))


def plan_days(days: list[datetime.date]) -> dict[datetime.date, int]:
    """Plan each day; return how many reminders each got.

    After a large planning the table's statistics are refreshed: the claim picks the earliest
    due rows through reminder_pending_due only if PostgreSQL knows how many pending rows there
    now are; with the statistics of before the planning it estimates a few dozen, reads and
    sorts every due row for each batch instead (about 25 ms a batch for 90,000 rows)."""
    created = {day: plan(day) for day in days}
    if sum(created.values()) >= ANALYZE_AFTER:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE matching_reminder")
    return created


def plan_ahead(now: datetime.datetime | None = None) -> dict[datetime.date, int]:
    """Beat's planner: plan every day that is today somewhere or begins within PLAN_AHEAD,
    so that a day is planned before its first send hour wherever it comes first; planned
    days are planned again, which adds what was created since (a tranche approved this
    morning) and nothing twice."""
    return plan_days(days_now(now, within=PLAN_AHEAD))


def plan_subjects(*, project_ids=(), association_ids=(), now=None) -> list[tuple[int, object]]:
    """Plan, at once, the reminders of these projects (their tranches, pledges, reviews and
    progress reports) and associations (their registrations), for every day already planned
    that is today somewhere or about to begin: what appeared or changed after its day was
    planned (a pledge expected last week, announced today) is reminded on time, not at the
    planner's next run. Returns the new reminders' (id, due_at).

    Only days in ReminderPlan: a day not yet planned is planned whole later, this included.
    The same statement as `plan`, narrowed by the subject (PostgreSQL pushes the condition
    into each rule, so it reads these subjects' rows only); under the days' ReminderPlan row
    locks, so that it takes turns with the planner and with other re-plannings instead of
    inserting the same rows side by side."""
    project_ids, association_ids = sorted(set(project_ids)), sorted(set(association_ids))
    if not (project_ids or association_ids):
        return []
    now = now or timezone.now()
    created = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("""
            SELECT day FROM matching_reminderplan WHERE day = ANY(%s) ORDER BY day
            FOR UPDATE""", [days_now(now, within=PLAN_AHEAD)])
        for (day,) in cursor.fetchall():
            rules = "\nUNION ALL\n".join(f"({rule.sql})" for rule in _rules_for(day))
            cursor.execute(f"""
                INSERT INTO matching_reminder
                    (subject_type, subject_id, project_id, kind, period, recipient_id, due_at,
                     enqueued_at, status, attempts, last_error, created_at)
                SELECT q.subject_type, q.subject_id, q.project_id, q.kind, q.period,
                       q.recipient_id, {_DUE_AT},
                       CASE WHEN {_DUE_AT} <= %(now)s THEN %(now)s END,
                       '{ReminderStatus.PENDING}', 0, '', now()
                FROM ({rules}) AS q ({_COLUMNS})
                WHERE q.project_id = ANY(%(projects)s::bigint[])
                   OR (q.subject_type = 'association'
                       AND q.subject_id = ANY(%(associations)s::bigint[]))
                ON CONFLICT DO NOTHING
                RETURNING id, due_at""", {**_params(day), "now": now, "projects": project_ids,
                                          "associations": association_ids})
            created += cursor.fetchall()
    return created


@dataclass(frozen=True)
class Planned:
    kind: str
    subject_type: str
    subject_id: int
    project_id: int | None
    period: datetime.date
    recipient_id: int
    due_at: datetime.datetime


def preview(day: datetime.date) -> list[Planned]:
    """The reminders that planning `day` would create (those not created already)."""
    rows = []
    with connection.cursor() as cursor:
        for rule in _rules_for(day):
            cursor.execute(f"""
                SELECT q.kind, q.subject_type, q.subject_id, q.project_id, q.period,
                       q.recipient_id, {_DUE_AT}
                FROM ({rule.sql}) AS q ({_COLUMNS})
                WHERE NOT EXISTS (
                    SELECT 1 FROM matching_reminder r
                    WHERE r.subject_type = q.subject_type AND r.subject_id = q.subject_id
                      AND r.kind = q.kind AND r.period = q.period
                      AND r.recipient_id = q.recipient_id)
                ORDER BY q.kind, q.subject_id, q.recipient_id""", _params(day))
            rows += [Planned(*row) for row in cursor.fetchall()]
    return rows
