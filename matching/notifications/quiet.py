"""Quiet hours: when a message due at some moment may go out. Pure functions (the time zone
comes in as a `tzinfo`), no Django.

Quiet hours are a span of local wall-clock time, `start` to `end`, that may run over
midnight (22:00 to 07:00). A message due inside them goes out when they end, on the
recipient's own clock; start equal to end, or either missing, means no quiet hours.
"""

import datetime


def is_quiet(local: datetime.time, start: datetime.time | None,
             end: datetime.time | None) -> bool:
    """Whether the local time `local` lies in [start, end)."""
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end  # over midnight


def release_at(moment: datetime.datetime, zone: datetime.tzinfo,
               start: datetime.time | None, end: datetime.time | None) -> datetime.datetime:
    """The first moment at or after `moment` (aware) outside the quiet hours in `zone`.

    `moment` itself when it is not quiet; else the next `end` on the local clock: today's
    when the quiet span has not crossed it yet, tomorrow's otherwise. On a day whose clocks
    jump over `end` (a DST change) the same wall-clock time is taken as the zone reads it.
    """
    local = moment.astimezone(zone)
    if not is_quiet(local.time().replace(tzinfo=None), start, end):
        return moment
    day = local.date()
    if local.time().replace(tzinfo=None) >= end:  # the span ends tomorrow (over midnight)
        day += datetime.timedelta(days=1)
    released = datetime.datetime.combine(day, end, tzinfo=zone)
    return max(released, moment)
