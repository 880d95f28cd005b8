"""The safe expression language: what it computes, what it refuses, how fast it fails."""

from __future__ import annotations

import importlib
import time
from datetime import UTC, datetime

import pytest

from engine.calendar import clock
from engine.errors import ExpressionFailed, UnsafeExpression
from engine.expressions import language as expressions
from engine.expressions.language import (
    FUNCTIONS,
    check_expression,
    check_script,
    check_timer_expression,
    evaluate,
    execute_script,
    names_read,
    names_read_by_script,
    names_written,
    timer_value,
)

DATA = {
    "decision": "approve",
    "floor_area": 120,
    "fee": 2.5,
    "documents": ["ktp", "sertifikat"],
    "applicant": {"name": "Budi", "age": 40},
    "empty": None,
}


@pytest.fixture(autouse=True)
def _real_time():
    yield
    clock.reset()


def set_now(moment: datetime) -> None:
    clock.set_offset(moment - datetime.now(UTC))


# -- what the language computes -------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('decision == "approve"', True),
        ('${decision == "approve"}', True),
        (' ${ floor_area > 100 and "ktp" in documents } ', True),
        ("floor_area * 1000 + fee", 120_002.5),
        ("floor_area // 7, floor_area % 7, -floor_area, 2 ** 10", (17, 1, -120, 1024)),
        ('applicant["name"]', "Budi"),
        ("documents[-1][:4]", "sert"),
        ("1 < floor_area <= 120 != 3", True),
        ("empty is None and not empty", True),
        ('"big" if floor_area > 100 else "small"', "big"),
        ("decision in {'approve', 'reject'}", True),
        ('{"a": [1, 2], "b": (3,)}["a"][1]', 2),
        ("f\"{applicant['name']} ({floor_area} m2)\"", "Budi (120 m2)"),
        ("len(documents) + max(1, 5) + min([4, 2]) + sum([1, 2]) + abs(-1)", 2 + 5 + 2 + 3 + 1),
        ("round(fee) + round(3.14159, 2)", 2 + 3.14),
        ("max([], default=0)", 0),
        ("any([False, floor_area]) and all(documents)", True),
        ('int("42") + float("0.5") + int(bool(1))', 43.5),
        ('str(floor_area) + "!"', "120!"),
        ("False or empty or 0", 0),
        ('floor_area > 1000 and missing["key"]', False),  # short-circuit: never looked up
        # Camunda's JUEL inside ${...} (MIWG C.1.0 has ${!approved})
        ("${!empty}", True),
        ("#{!empty}", True),
        ('${floor_area gt 100 && !(decision ne "approve") || false}', True),
        ('${decision eq "approve" && empty == null}', True),
        ('${decision == "a && !b || c"}', False),  # operators in quotes stay text
    ],
)
def test_evaluate(expression, expected):
    assert evaluate(expression, DATA) == expected


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("floor_aera > 100", "unknown name 'floor_aera' (did you mean 'floor_area'?)"),
        ("floor_area / 0", "division by zero"),
        ('floor_area + "m2"', "wrong types: unsupported operand"),
        ('applicant["email"]', "key 'email' not found"),
        ("documents[5]", "index out of range"),
        ('int("twelve")', "wrong value"),
        ("floor_area < None", "wrong types"),
        ("len", "'len' is a function"),
        ("floor_area[0]", "int has no items"),
        ("sum(documents)", "sum() adds numbers only"),
    ],
)
def test_evaluation_failures_name_the_problem(expression, message):
    with pytest.raises(ExpressionFailed) as info:
        evaluate(expression, DATA)
    assert message in str(info.value)
    assert repr(expression)[1:-1] in str(info.value) or expression in str(info.value)


# -- what it refuses ---------------------------------------------------------------------

ESCAPES = [
    "().__class__.__base__.__subclasses__()",
    "[].__class__.__mro__[1].__subclasses__()",
    "getattr(floor_area, '__globals__')",
    "__import__('os').system('id')",
    "open('/etc/passwd').read()",
    "eval('1')",
    "exec('x = 1')",
    "compile('1', 'f', 'eval')",
    "globals()",
    "locals()",
    "vars()",
    "type(1)",
    "dir()",
    "lambda: 1",
    "(lambda: 1)()",
    "'{0.__class__}'.format(1)",
    '"x".__class__',
    "f'{floor_area!r:>{10**9}}'",
    "f'{floor_area:>1000000000}'",
    "[x for x in documents]",
    "{k: 1 for k in documents}",
    "(x for x in documents)",
    "(y := 1)",
    "{**applicant}",
    "max(*documents)",
    "__builtins__",
    "applicant._private",
    "documents.append(1)",
    "'%999999999d' % 1",
    "1 << 10**9",
    "~floor_area",
    "b'bytes'",
    "1j * 2",
    "...",
    "max(documents, key=len)",
    "9**9**9",
    "10**10**10",
    "'a' * 10**10",
    "[1] * 10**9",
    "[[1] * 1000] * 1000",
    "'a' * 60000 + 'b' * 60000",
    "round(5, -10**9)",
    "int('9' * 5000)",
    "add_days('2026-01-01', 10**12)",
    "add_working_days('2026-01-01', 10**6)",
    "working_days_between('1000-01-01', '9000-01-01')",
    "(" * 500 + "1" + ")" * 500,
    "-" * 5000 + "1",
    "1" + " + 1" * 2000,
    "x" * 20_000,
]


@pytest.mark.parametrize("payload", ESCAPES)
def test_escape_payloads_are_refused_or_fail_quickly(payload):
    started = time.thread_time()  # CPU time: what a payload costs, whatever the load
    with pytest.raises((UnsafeExpression, ExpressionFailed)):
        evaluate(payload, DATA)
    assert time.thread_time() - started < 0.5


@pytest.mark.parametrize("payload", ESCAPES)
def test_escape_payloads_fail_in_scripts_too(payload):
    with pytest.raises((UnsafeExpression, ExpressionFailed)):
        execute_script(f"x = {payload}", dict(DATA))


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("().__class__", "attribute '__class__' is not allowed"),
        ("applicant.name", "attribute 'name' is not allowed"),
        ("open('/etc/passwd')", "function 'open' is not available"),
        ("__import__('os')", "function '__import__' is not available"),
        ("_secret", "name '_secret' is not allowed"),
        ("lambda: 1", "lambda is not allowed"),
        ("(lambda: 1)()", "lambda is not allowed"),
        ("[].__class__.__mro__[1].__subclasses__()", "attribute '__subclasses__' is not allowed"),
        ("[d for d in documents]", "comprehensions are not allowed"),
        ("f'{fee!r}'", "conversions (!r) and format specifications"),
        ("1 | 2", "the operator '|' is not allowed"),
        ("decision ==", "not a valid expression"),
        ("", "empty"),
        ("1" * 10_001, "longer than 10000 characters"),
    ],
)
def test_check_expression_names_what_is_not_allowed(expression, message):
    with pytest.raises(UnsafeExpression) as info:
        check_expression(expression)
    assert message in str(info.value)


def test_check_accepts_the_language_without_data():
    check_expression('${decision == "approve" and len(documents) >= 2}')
    check_expression("due_in_working_days(3)")
    check_script("fee = floor_area * 1000\n\n# a comment\nfee += 500\nlabel = f'{fee}'")


def test_names_that_are_only_data_pass_the_check_but_fail_without_data():
    check_expression("exec")  # a case field may be called anything not starting with '_'
    with pytest.raises(ExpressionFailed, match="unknown name 'exec'"):
        evaluate("exec", {})


def test_evaluation_stops_when_the_time_budget_runs_out():
    data = {"big": list(range(1_000_000))}
    started = time.thread_time()  # the budget is CPU time: a busy machine does not count
    with pytest.raises(ExpressionFailed, match="took longer than"):
        evaluate("[" + ", ".join(["max(big)"] * 300) + "]", data)
    assert time.thread_time() - started < 1.0  # all 300 would take about 3 s


def test_evaluation_stops_after_the_step_budget(monkeypatch):
    monkeypatch.setattr(expressions, "MAX_STEPS", 10)
    with pytest.raises(ExpressionFailed, match="more than 10 steps"):
        evaluate(str(list(range(20))), {})


def test_size_limits_allow_reasonable_values():
    assert len(evaluate("'a' * 100000", {})) == 100_000
    assert evaluate("2 ** 4000 > 0", {})
    with pytest.raises(ExpressionFailed, match="too long"):
        evaluate("'a' * 100001", {})


# -- scripts ---------------------------------------------------------------------------


def test_script_assigns_and_later_lines_see_earlier_ones():
    data = dict(DATA)
    script = """
# fee in rupiah
fee = floor_area * 1000
fee += 500
label = f"{decision}: {fee}"
deadline = add_days(date("2026-05-01"), 3)
start = date("2026-05-01")
pair = (1, [2, 3])
a = b = 7
"""
    assigned = execute_script(script, data)
    assert assigned == {
        "fee": 120_500,
        "label": "approve: 120500",
        "deadline": "2026-05-04",
        "start": "2026-05-01",  # dates are stored as ISO strings
        "pair": [1, [2, 3]],
        "a": 7,
        "b": 7,
    }
    assert data == DATA  # the caller merges


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("import os", "imports are not allowed"),
        ("from os import system", "imports are not allowed"),
        ("applicant['name'] = 'x'", "only assignments 'name = expression' are allowed"),
        ("a, b = 1, 2", "only assignments 'name = expression' are allowed"),
        ("print(1)", "only assignments 'name = expression' are allowed"),
        ("if fee: x = 1", "only assignments 'name = expression' are allowed"),
        ("def f(): pass", "only assignments 'name = expression' are allowed"),
        ("x = 1\ny = ().__class__", "line 2 of the script ('y = ().__class__'): attribute"),
        ("_x = 1", "name '_x' is not allowed"),
        ("x <<= 1", "the operator '<<' is not allowed"),
    ],
)
def test_check_script_refuses_anything_but_assignments(script, message):
    with pytest.raises(UnsafeExpression) as info:
        check_script(script)
    assert message in str(info.value)


def test_script_failure_names_the_line():
    with pytest.raises(ExpressionFailed) as info:
        execute_script("a = 1\nb = a / 0", {})
    assert "line 2" in str(info.value) and "division by zero" in str(info.value)
    assert info.value.line_number == 2
    assert info.value.error_line == "b = a / 0"


def test_script_values_must_fit_in_case_data():
    with pytest.raises(ExpressionFailed, match="cannot be stored"):
        execute_script("s = {1, 2}", {})
    with pytest.raises(ExpressionFailed, match="keys of dict 'd' must be texts"):
        execute_script("d = {1: 2}", {})
    with pytest.raises(ExpressionFailed, match="unknown name 'total'"):
        execute_script("total += 1", {})


def test_names_read_and_written():
    assert names_read('${len(documents) > 1 and applicant["age"] >= limit}') == {
        "documents",
        "applicant",
        "limit",
    }
    script = "fee = floor_area * rate\ntotal = fee + tax\ncount += 1"
    assert names_written(script) == {"fee", "total", "count"}
    assert names_read_by_script(script) == {"floor_area", "rate", "tax", "count"}


def test_functions_are_the_whitelist():
    assert set(FUNCTIONS) == {
        "len",
        "min",
        "max",
        "sum",
        "abs",
        "round",
        "any",
        "all",
        "int",
        "float",
        "str",
        "bool",
        "today",
        "now",
        "date",
        "days_between",
        "add_days",
        "add_working_days",
        "working_days_between",
        "due_in_working_days",
    }


# -- dates -----------------------------------------------------------------------------


def test_today_and_now_are_jakarta_time_from_the_engine_clock():
    set_now(datetime(2026, 5, 1, 18, 30, tzinfo=UTC))  # 01:30 on 2 May in Jakarta
    assert evaluate("today()", {}) == "2026-05-02"
    assert evaluate("now()", {}).startswith("2026-05-02T01:3")
    assert evaluate("now()", {}).endswith("+07:00")


def test_calendar_day_helpers():
    assert evaluate("days_between('2026-05-01', '2026-05-11')", {}) == 10
    assert evaluate("days_between('2026-05-11T10:00:00+07:00', '2026-05-01')", {}) == -10
    assert evaluate("add_days('2026-12-30', 3)", {}) == "2027-01-02"
    assert evaluate("date('2026-05-01') < date('2026-05-02')", {}) is True
    with pytest.raises(ExpressionFailed, match="ISO date like 2026-05-01"):
        evaluate("date('1 Mei 2026')", {})


def test_working_day_helpers_skip_the_weekend():
    importlib.import_module("engine.calendar.working_days")
    # 6 February 2026 is a Friday; no Indonesian holiday falls on 6-13 February 2026
    assert evaluate("add_working_days('2026-02-06', 1)", {}) == "2026-02-09"
    assert evaluate("add_working_days('2026-02-06', 5)", {}) == "2026-02-13"
    assert evaluate("working_days_between('2026-02-06', '2026-02-13')", {}) == 5
    set_now(datetime(2026, 2, 6, 3, 0, tzinfo=UTC))
    assert evaluate("due_in_working_days(1)", {}).startswith("2026-02-09T23:59:59")


# -- timers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "expression"),
    [
        ("duration", "P3D"),
        ("duration", "PT4H"),
        ("duration", " P1Y2M10DT2H30M "),
        ("duration", '"PT15M"'),
        ("date", "2026-12-01T10:00:00+07:00"),
        ("date", "2026-12-01"),
        ("date", "due_in_working_days(3)"),
        ("cycle", "R3/PT1H"),
        ("cycle", "R/2026-01-01T00:00:00Z/P1D"),
        ("duration", "${pause}"),
    ],
)
def test_check_timer_expression_accepts(kind, expression):
    check_timer_expression(kind, expression)


@pytest.mark.parametrize(
    ("kind", "expression", "message"),
    [
        ("duration", "2026-12-01", "must be an ISO 8601 duration"),
        ("duration", '"3 days"', "must be an ISO 8601 duration"),
        ("date", "P3D", "must be an ISO 8601 date"),
        ("date", "2026-13-01T10:00:00", "not a valid expression"),
        ("cycle", "PT1H", "must be an ISO 8601 cycle"),
        ("duration", "open('x')", "function 'open' is not available"),
    ],
)
def test_check_timer_expression_refuses(kind, expression, message):
    with pytest.raises(UnsafeExpression, match=message):
        check_timer_expression(kind, expression)


def test_timer_value():
    assert timer_value("duration", " P3D ", {}) == "P3D"
    assert timer_value("cycle", "R3/PT1H", {}) == "R3/PT1H"
    assert timer_value("duration", 'f"P{days}D"', {"days": 5}) == "P5D"
    set_now(datetime(2026, 2, 6, 3, 0, tzinfo=UTC))
    assert timer_value("date", "now()", {}) == "2026-02-06T10:00:00+07:00"
    assert timer_value("date", "2026-12-01T10:00:00", {}) == "2026-12-01T10:00:00+07:00"
    assert timer_value("date", "2026-12-01T10:00:00Z", {}) == "2026-12-01T10:00:00Z"
    assert timer_value("date", "'2026-12-01'", {}) == "2026-12-01T00:00:00+07:00"
    with pytest.raises(ExpressionFailed, match="not an ISO 8601 duration"):
        timer_value("duration", "days", {"days": 5})
    with pytest.raises(ValueError, match="timer kind"):
        timer_value("weekly", "P1W", {})


def test_date_helpers_follow_the_offices_time_zone(monkeypatch):
    from engine.calendar.working_days import default_calendar

    monkeypatch.setenv("PERMITFLOW_TIMEZONE", "Asia/Jayapura")
    default_calendar.cache_clear()
    try:
        assert evaluate("now()", {}).endswith("+09:00")
    finally:
        monkeypatch.delenv("PERMITFLOW_TIMEZONE")
        default_calendar.cache_clear()
    assert evaluate("now()", {}).endswith("+07:00")
