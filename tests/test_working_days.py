"""The SLA clock: due dates and durations in Indonesian working days."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest

from engine.calendar.working_days import WorkingCalendar, default_calendar

JAKARTA = ZoneInfo("Asia/Jakarta")


def end_of(day: date, tz: ZoneInfo = JAKARTA) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59, 59, 999999, tzinfo=tz)


@pytest.fixture
def calendar() -> WorkingCalendar:
    return WorkingCalendar()


@pytest.fixture
def fresh_default_calendar():
    default_calendar.cache_clear()
    yield default_calendar
    default_calendar.cache_clear()


def test_the_holidays_package_knows_2026_indonesian_holidays():
    known = holidays.country_holidays("ID", years=2026, language="en_US")
    assert known[date(2026, 8, 17)] == "Independence Day"
    assert known[date(2026, 6, 1)] == "Pancasila Day"
    assert known[date(2026, 12, 25)] == "Christmas Day"


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 8, 17), "Independence Day"),  # a Monday
        (date(2026, 6, 1), "Pancasila Day"),  # a Monday
        (date(2026, 1, 1), "New Year's Day"),  # a Thursday
        (date(2026, 5, 1), "International Labor Day"),  # a Friday
    ],
)
def test_public_holidays_are_not_working_days(calendar, day, name):
    assert not calendar.is_working_day(day)
    assert calendar.holiday_name(day) == name


def test_ordinary_weekdays_are_working_days_and_weekends_are_not(calendar):
    assert calendar.is_working_day(date(2026, 7, 10))  # Friday
    assert not calendar.is_working_day(date(2026, 7, 11))  # Saturday
    assert not calendar.is_working_day(date(2026, 7, 12))  # Sunday
    assert calendar.holiday_name(date(2026, 7, 11)) is None


def test_holiday_names_can_be_indonesian():
    assert WorkingCalendar(language="id").holiday_name(date(2026, 8, 17)) == (
        "Hari Kemerdekaan Republik Indonesia"
    )


def test_friday_plus_one_working_day_is_the_end_of_monday(calendar):
    due = calendar.add_working_days(date(2026, 7, 10), 1)
    assert due == end_of(date(2026, 7, 13))
    assert due.tzinfo.key == "Asia/Jakarta"
    assert due + timedelta(microseconds=1) == datetime(2026, 7, 14, tzinfo=JAKARTA)


def test_weekends_are_skipped(calendar):
    assert calendar.add_working_days(date(2026, 7, 9), 2) == end_of(date(2026, 7, 13))
    assert calendar.add_working_days(date(2026, 7, 6), 10) == end_of(date(2026, 7, 20))


def test_public_holidays_are_skipped(calendar):
    # Friday 14 August + 1: Monday 17 August is Independence Day.
    assert calendar.add_working_days(date(2026, 8, 14), 1) == end_of(date(2026, 8, 18))
    # Monday 24 August + 2: Tuesday 25 August is the Prophet's Birthday.
    assert calendar.add_working_days(date(2026, 8, 24), 2) == end_of(date(2026, 8, 27))


def test_collective_leave_is_skipped_and_named():
    calendar = WorkingCalendar(collective_leave=[date(2026, 7, 13)])
    assert calendar.add_working_days(date(2026, 7, 10), 1) == end_of(date(2026, 7, 14))
    assert calendar.holiday_name(date(2026, 7, 13)) == "Cuti bersama"
    assert not calendar.is_working_day(date(2026, 7, 13))


def test_extra_holidays_and_a_custom_weekend():
    calendar = WorkingCalendar(extra_holidays=[date(2026, 7, 14)], weekend=(6,))
    assert calendar.is_working_day(date(2026, 7, 11))  # Saturday is open
    assert not calendar.is_working_day(date(2026, 7, 14))
    assert calendar.add_working_days(date(2026, 7, 10), 2) == end_of(date(2026, 7, 13))


def test_zero_days_is_the_end_of_the_start_day_or_the_next_working_day(calendar):
    assert calendar.add_working_days(date(2026, 7, 10), 0) == end_of(date(2026, 7, 10))
    assert calendar.add_working_days(date(2026, 7, 11), 0) == end_of(date(2026, 7, 13))
    assert calendar.add_working_days(date(2026, 8, 17), 0) == end_of(date(2026, 8, 18))


def test_a_negative_number_of_days_is_refused(calendar):
    with pytest.raises(ValueError, match="negative"):
        calendar.add_working_days(date(2026, 7, 10), -1)


def test_a_utc_evening_is_already_the_next_day_in_jakarta(calendar):
    thursday_evening_utc = datetime(2026, 7, 9, 20, 0, tzinfo=UTC)  # Friday 03:00 WIB
    assert calendar.local_date(thursday_evening_utc) == date(2026, 7, 10)
    assert calendar.add_working_days(thursday_evening_utc, 1) == end_of(date(2026, 7, 13))
    naive_is_utc = datetime(2026, 7, 9, 20, 0)
    assert calendar.add_working_days(naive_is_utc, 1) == end_of(date(2026, 7, 13))
    thursday_noon_utc = datetime(2026, 7, 9, 12, 0, tzinfo=UTC)  # Thursday 19:00 WIB
    assert calendar.add_working_days(thursday_noon_utc, 1) == end_of(date(2026, 7, 10))


def test_another_time_zone_counts_its_own_days():
    jayapura = WorkingCalendar(tz="Asia/Jayapura")  # WIT, UTC+9
    start = datetime(2026, 7, 9, 16, 0, tzinfo=UTC)  # Thursday 23:00 WIB, Friday 01:00 WIT
    assert jayapura.add_working_days(start, 1) == end_of(
        date(2026, 7, 13), ZoneInfo("Asia/Jayapura")
    )
    assert WorkingCalendar().add_working_days(start, 1) == end_of(date(2026, 7, 10))


def test_end_of_day_is_right_on_a_daylight_saving_day():
    berlin = ZoneInfo("Europe/Berlin")
    calendar = WorkingCalendar(tz="Europe/Berlin", country="DE", weekend=())
    due = calendar.add_working_days(date(2026, 10, 24), 1)  # clocks go back on the 25th
    assert due + timedelta(microseconds=1) == datetime(2026, 10, 26, tzinfo=berlin)
    assert due.utcoffset() == timedelta(hours=1)


def test_working_days_between_skips_weekends_and_holidays(calendar):
    # (Fri 14 Aug, Wed 19 Aug]: Sat, Sun, Mon 17 (Independence Day), Tue 18, Wed 19.
    assert calendar.working_days_between(date(2026, 8, 14), date(2026, 8, 19)) == 2
    assert calendar.working_days_between(date(2026, 7, 10), date(2026, 7, 17)) == 5
    assert calendar.working_days_between(date(2026, 7, 10), date(2026, 7, 10)) == 0
    assert calendar.working_days_between(date(2026, 7, 17), date(2026, 7, 10)) == 0


def test_working_days_between_uses_local_dates(calendar):
    friday_morning = datetime(2026, 7, 10, 1, 0, tzinfo=JAKARTA)
    monday_via_utc = datetime(2026, 7, 12, 18, 0, tzinfo=UTC)  # Monday 01:00 WIB
    assert calendar.working_days_between(friday_morning, monday_via_utc) == 1


def test_next_working_day(calendar):
    assert calendar.next_working_day(date(2026, 7, 9)) == date(2026, 7, 10)
    assert calendar.next_working_day(date(2026, 8, 14)) == date(2026, 8, 18)
    assert calendar.next_working_day(datetime(2026, 7, 9, 20, 0, tzinfo=UTC)) == date(2026, 7, 13)


def test_overdue_working_days(calendar):
    due = calendar.add_working_days(date(2026, 7, 9), 1)  # end of Friday 10 July
    assert calendar.overdue_working_days(due, datetime(2026, 7, 10, 9, tzinfo=JAKARTA)) == 0
    assert calendar.overdue_working_days(due, datetime(2026, 7, 11, 9, tzinfo=JAKARTA)) == 0
    assert calendar.overdue_working_days(due, datetime(2026, 7, 13, 9, tzinfo=JAKARTA)) == 1
    assert calendar.overdue_working_days(due, datetime(2026, 7, 15, 9, tzinfo=JAKARTA)) == 3


def test_default_calendar_reads_the_environment(monkeypatch, fresh_default_calendar):
    monkeypatch.setenv("PERMITFLOW_TIMEZONE", "Asia/Makassar")
    monkeypatch.setenv("PERMITFLOW_COLLECTIVE_LEAVE", "2026-07-13, 2026-07-14,")
    calendar = fresh_default_calendar()
    assert calendar.tz.key == "Asia/Makassar"
    assert calendar.holiday_name(date(2026, 7, 14)) == "Cuti bersama"
    assert calendar.add_working_days(date(2026, 7, 10), 1).date() == date(2026, 7, 15)
    assert fresh_default_calendar() is calendar


def test_default_calendar_defaults_to_jakarta(monkeypatch, fresh_default_calendar):
    monkeypatch.delenv("PERMITFLOW_TIMEZONE", raising=False)
    monkeypatch.delenv("PERMITFLOW_COLLECTIVE_LEAVE", raising=False)
    calendar = fresh_default_calendar()
    assert calendar.tz.key == "Asia/Jakarta"
    assert calendar.collective_leave == frozenset()


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("PERMITFLOW_COLLECTIVE_LEAVE", "2026-07-13,13/07/2026", "not a date"),
        ("PERMITFLOW_TIMEZONE", "Asia/Nowhere", "not a known time zone"),
    ],
)
def test_default_calendar_explains_bad_settings(
    monkeypatch, fresh_default_calendar, variable, value, message
):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValueError, match=message):
        fresh_default_calendar()


def test_adding_working_days_is_cheap(calendar):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    began = time.perf_counter()
    for i in range(2000):
        calendar.add_working_days(start + timedelta(hours=5 * i), 28)
    assert time.perf_counter() - began < 2.0
