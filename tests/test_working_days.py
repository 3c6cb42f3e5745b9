"""Working days in England and Wales: weekends and bank holidays do not count."""

from datetime import date, timedelta

import pytest

from qismet_portal.working_days import add_working_days, is_working_day, working_days_between


def test_bank_holidays_of_2026_are_not_working_days():
    assert not is_working_day(date(2026, 12, 25))  # Christmas Day, a Friday
    assert not is_working_day(date(2026, 12, 28))  # Boxing Day (Saturday) observed on Monday
    assert not is_working_day(date(2026, 4, 6))  # Easter Monday
    assert not is_working_day(date(2026, 4, 3))  # Good Friday
    assert is_working_day(date(2026, 4, 7))
    assert not is_working_day(date(2026, 4, 4))  # a Saturday


def test_counting_skips_weekends():
    friday = date(2026, 3, 6)
    assert working_days_between(friday, friday) == 0
    assert working_days_between(friday, date(2026, 3, 9)) == 1  # Monday
    assert working_days_between(friday, date(2026, 3, 13)) == 5
    assert working_days_between(date(2026, 3, 9), friday) == -1


def test_counting_skips_easter_and_christmas():
    # Thursday 2 April to Tuesday 7 April 2026: Good Friday and Easter Monday do not count.
    assert working_days_between(date(2026, 4, 2), date(2026, 4, 7)) == 1
    # Thursday 24 December 2026 to Tuesday 29 December: Christmas, the weekend, Boxing Day
    # observed; only the Tuesday counts.
    assert working_days_between(date(2026, 12, 24), date(2026, 12, 29)) == 1
    # Across the new year: 1 January 2027 is a bank holiday.
    assert working_days_between(date(2026, 12, 31), date(2027, 1, 4)) == 1


def test_adding_working_days_skips_bank_holidays():
    assert add_working_days(date(2026, 4, 2), 1) == date(2026, 4, 7)
    assert add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)
    assert add_working_days(date(2026, 12, 24), 0) == date(2026, 12, 24)
    assert add_working_days(date(2026, 4, 7), -1) == date(2026, 4, 2)
    # Twenty working days from Monday 7 December 2026: three bank holidays push it on.
    assert add_working_days(date(2026, 12, 7), 20) == date(2027, 1, 7)


@pytest.mark.parametrize("days", [0, 1, 4, 5, 20, 61, 250])
@pytest.mark.parametrize("start", [date(2026, 3, 27), date(2026, 12, 20), date(2027, 5, 1)])
def test_the_two_functions_agree(start, days):
    end = add_working_days(start, days)
    assert working_days_between(start, end) == days
    # and the day before the end is one working day short (when the end is not the start)
    if days:
        assert working_days_between(start, end - timedelta(days=1)) == days - 1
