"""When a message may go: quiet hours, the preferred send time and calendar days, all read in
the customer's own time zone.

Times of day are minutes after local midnight. Quiet hours are the half-open window
``[start, end)``, which may wrap past midnight (22:00–08:00). A message is never scheduled
inside it: one offered there waits for the end of the window (or for the preferred send time,
which is refused inside quiet hours, see ``prefero.messaging.terms``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["QuietHours", "Window", "candidate_times", "local_day", "minutes", "zone_of"]

MINUTES_A_DAY = 24 * 60


def minutes(text: str) -> int:
    """``"HH:MM"`` (24-hour clock) as minutes after midnight; ``ValueError`` otherwise.

    >>> minutes("08:30"), minutes("0:05")
    (510, 5)
    """
    hours, sep, mins = text.strip().partition(":")
    if not sep or not hours.isdigit() or not mins.isdigit() or len(mins) != 2:
        raise ValueError(f"{text!r} is not a time of day written HH:MM")
    value = int(hours) * 60 + int(mins)
    if int(hours) > 23 or int(mins) > 59:
        raise ValueError(f"{text!r} is not a time of day written HH:MM")
    return value


def clock(value: int) -> str:
    """Minutes after midnight as ``"HH:MM"``.

    >>> clock(510)
    '08:30'
    """
    return f"{value // 60:02d}:{value % 60:02d}"


def zone_of(name: str | None, *, fallback: str) -> ZoneInfo:
    """The customer's zone, else the shop's, else UTC (a zone the system lost is no error
    worth refusing a message for)."""
    for candidate in (name, fallback):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


@dataclass(frozen=True, slots=True)
class QuietHours:
    start: int
    end: int

    def holds(self, minute: int) -> bool:
        """Whether the minute of the day falls inside the window.

        >>> night = QuietHours(22 * 60, 8 * 60)
        >>> night.holds(23 * 60), night.holds(7 * 60 + 59), night.holds(8 * 60)
        (True, True, False)
        """
        if self.start == self.end:
            return False  # an empty window
        if self.start < self.end:
            return self.start <= minute < self.end
        return minute >= self.start or minute < self.end


@dataclass(frozen=True, slots=True)
class Window:
    """What ``candidate_times`` needs of the customer's terms."""

    zone: ZoneInfo
    quiet: QuietHours | None
    send_time: int | None


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    """The customer's calendar day at ``moment``: what daily caps count by."""
    return moment.astimezone(zone).date()


def _minute_of(moment: datetime) -> int:
    return moment.hour * 60 + moment.minute


def _at(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """``minute`` of local ``day`` as a UTC instant (a wall time skipped by a clock change
    resolves as zoneinfo resolves it; callers re-check the result)."""
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
    return local.astimezone(UTC)


def _allowed(moment: datetime, window: Window, day: date) -> bool:
    local = moment.astimezone(window.zone)
    if local.date() != day:
        return False
    return window.quiet is None or not window.quiet.holds(_minute_of(local))


def _earliest_on(day: date, *, after: datetime, window: Window) -> datetime | None:
    """The first moment of local ``day``, not before ``after``, at which a message may go:
    the preferred send time if the customer set one, else the first minute outside quiet
    hours. None when the day has no such moment left."""
    zone = window.zone
    if window.send_time is not None:
        chosen = _at(day, window.send_time, zone)
        if chosen < after:
            return None
        return chosen if _allowed(chosen, window, day) else None
    local_after = after.astimezone(zone)
    start = after if local_after.date() == day else _at(day, 0, zone)
    if start < after:
        start = after
    if _allowed(start, window, day):
        return start
    quiet = window.quiet
    if quiet is None:
        return None
    # Inside quiet hours: their end, if it falls on this day after ``start``.
    end = _at(day, quiet.end, zone)
    if end >= start and _allowed(end, window, day):
        return end
    return None


def candidate_times(now: datetime, window: Window, *, days: int) -> Iterator[datetime]:
    """For each local calendar day from today, ``days`` days on, the earliest moment on it a
    message offered at ``now`` may be sent (days with none are skipped). The caller takes the
    first whose day still has room under the caps. A preferred send time the clock skips
    that day (02:30 when 02:00 jumps to 03:00) goes as much later as the clock jumped
    (03:30), as zoneinfo reads a wall time in a gap; one the clock repeats goes the first
    time round.

    >>> from zoneinfo import ZoneInfo
    >>> w = Window(ZoneInfo("Europe/Warsaw"), QuietHours(22 * 60, 8 * 60), None)
    >>> now = datetime(2026, 12, 6, 22, 30, tzinfo=UTC)  # 23:30 in Warsaw
    >>> [t.isoformat() for t in candidate_times(now, w, days=1)]
    ['2026-12-07T07:00:00+00:00']
    """
    today = local_day(now, window.zone)
    for offset in range(days + 1):
        moment = _earliest_on(today + timedelta(days=offset), after=now, window=window)
        if moment is not None:
            yield moment
