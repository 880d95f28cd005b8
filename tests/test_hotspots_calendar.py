"""The working calendar is built when an app process starts, with its country alone."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import date

from engine.calendar.public_holidays import country_holidays
from engine.calendar.working_days import WorkingCalendar

_START_AN_APP = textwrap.dedent(
    """
    import json, sys, time
    from datetime import date
    from webapp import create_app
    from engine.calendar import clock
    from engine.calendar.working_days import default_calendar

    create_app({"DATABASE_URL": "sqlite://", "TESTING": True, "SECRET_KEY": "x"})
    loaded = sorted(m for m in sys.modules if m.startswith("holidays.countries."))
    started = time.perf_counter()
    name = default_calendar().holiday_name(date(clock.now().year, 8, 17))
    print(json.dumps({"loaded": loaded, "name": name, "seconds": time.perf_counter() - started}))
    """
)


def test_an_app_process_starts_with_its_country_holidays_only(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", _START_AN_APP],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PERMITFLOW_INSTANCE_PATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    started = json.loads(done.stdout.strip().splitlines()[-1])
    assert started["loaded"] == ["holidays.countries.indonesia"]
    assert started["name"] == "Independence Day"
    assert started["seconds"] < 0.01  # built at start: a look-up now is a dictionary read


def test_the_country_tables_match_the_holidays_package():
    import holidays

    for country in ("ID", "MY", "NL"):
        expected = dict(holidays.country_holidays(country, years=2026, language="en_US"))
        assert country_holidays(country, 2026, "en_US") == expected


def test_collective_leave_and_holidays_still_close_days():
    calendar = WorkingCalendar(collective_leave=[date(2026, 12, 24)])
    assert calendar.holiday_name(date(2026, 12, 25)) == "Christmas Day"
    assert calendar.holiday_name(date(2026, 12, 24)) == "Cuti bersama"
    assert calendar.is_working_day(date(2026, 12, 23))
