"""Five-field cron expressions (minute hour day-of-month month day-of-week), evaluated in UTC.

Enough of cron for schedule slots: `*`, `a`, `a-b`, lists `a,b`, steps `*/n` and `a-b/n`, and the
vixie-cron rule that when both day fields are restricted a day matches either of them.
"""

from __future__ import annotations

import datetime as dt

_RANGES = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]


def _parse_field(text: str, lo: int, hi: int) -> set[int]:
    values: set[int] = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
            if step < 1:
                raise ValueError(f"bad step in {text!r}")
        if part == "*":
            start, end = lo, hi
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = int(a), int(b)
        else:
            start = int(part)
            end = hi if step > 1 else start
        if not (lo <= start <= hi and lo <= end <= hi and start <= end):
            raise ValueError(f"{text!r} is outside {lo}-{hi}")
        values.update(range(start, end + 1, step))
    return values


class Cron:
    def __init__(self, expression: str):
        fields = expression.split()
        if len(fields) != 5:
            raise ValueError(f"cron expression {expression!r} must have 5 fields")
        self.expression = expression
        self.minutes, self.hours, self.days, self.months, dows = (
            _parse_field(f, lo, hi) for f, (lo, hi) in zip(fields, _RANGES)
        )
        self.dows = {d % 7 for d in dows}  # 7 is Sunday too
        self.day_restricted = fields[2] != "*"
        self.dow_restricted = fields[4] != "*"

    def _day_matches(self, t: dt.datetime) -> bool:
        dom = t.day in self.days
        dow = (t.isoweekday() % 7) in self.dows
        if self.day_restricted and self.dow_restricted:
            return dom or dow
        return dom and dow

    def matches(self, t: dt.datetime) -> bool:
        return t.minute in self.minutes and t.hour in self.hours and t.month in self.months and self._day_matches(t)

    def previous(self, now: dt.datetime) -> dt.datetime:
        """The latest fire time at or before `now` (UTC, minute precision)."""
        t = now.astimezone(dt.timezone.utc).replace(second=0, microsecond=0)
        limit = t - dt.timedelta(days=366 * 5)
        while t >= limit:
            if t.month not in self.months or not self._day_matches(t):
                t = t.replace(hour=0, minute=0) - dt.timedelta(minutes=1)
                continue
            if t.hour not in self.hours:
                t = t.replace(minute=0) - dt.timedelta(minutes=1)
                continue
            if t.minute in self.minutes:
                return t
            t -= dt.timedelta(minutes=1)
        raise ValueError(f"{self.expression!r} never fires")
