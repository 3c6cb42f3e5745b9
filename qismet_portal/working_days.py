"""Working days in England and Wales: Monday to Friday, bank holidays excluded.

QISMET's promises to providers are made in working days ("you will hear within 10 working
days"), and its queues age applications the same way, so a Christmas week does not make an
application look a week older than the time anyone could have spent on it. Bank holidays come
from the ``holidays`` library (United Kingdom, subdivision ENG: England and Wales share their
bank holidays), including substitute days such as a Boxing Day that falls on a Saturday.

The two functions agree: ``working_days_between(d, add_working_days(d, n)) == n``.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

SATURDAY = 5


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_working_day(day: date) -> bool:
    return day.weekday() < SATURDAY and day not in _bank_holidays(day.year)


def _weekdays_after(start: date, end: date) -> int:
    """Weekdays d with start < d <= end (start <= end)."""
    days = (end - start).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    weekday = start.weekday()
    for offset in range(1, rest + 1):
        if (weekday + offset) % 7 < SATURDAY:
            count += 1
    return count


def working_days_between(start: date, end: date) -> int:
    """How many working days after ``start`` up to and including ``end``: 0 on the same day,
    1 from a Friday to the next Monday. Negative when ``end`` is before ``start``."""
    if end < start:
        return -working_days_between(end, start)
    count = _weekdays_after(start, end)
    for year in range(start.year, end.year + 1):
        count -= sum(
            1
            for holiday in _bank_holidays(year)
            if start < holiday <= end and holiday.weekday() < SATURDAY
        )
    return count


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (before it, when ``days`` is negative);
    ``start`` itself for 0, whether or not it is a working day."""
    step = 1 if days >= 0 else -1
    remaining = abs(days)
    day = start
    while remaining:
        day += timedelta(days=step)
        if is_working_day(day):
            remaining -= 1
    return day
