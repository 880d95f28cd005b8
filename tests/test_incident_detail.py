"""An incident keeps why the case stopped as data (``detail``: a code and its parameters)
next to the English message, so a page can word it in its reader's language; migration
0022 adds the column (old incidents have NULL) and takes it away again."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from engine import services
from engine.calendar import clock
from engine.errors import ExpressionFailed
from engine.expressions.language import evaluate, execute_script
from engine.office import incidents
from engine.privacy import crypto, keys, retention
from engine.storage import migrate
from tests.test_dmn_kept import _alembic
from tests.test_incidents import NO_BRANCH, SITE, SIZE_BOMB, TIMER_READS_UNSET, _bpmn

WRONG_TYPES = _bpmn(
    "wrong_types",
    """<bpmn:scriptTask id="compute" name="Compute fee" scriptFormat="python">
      <bpmn:script>base = 10
fee = area * 2 + base</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="register" targetRef="compute"/>
    <bpmn:sequenceFlow id="f3" sourceRef="compute" targetRef="done"/>""",
    ["compute"],
)


def _stop(session, xml: bytes, data: dict):
    services.create_user(session, "ani", roles=["front_office"])
    definition, _ = services.deploy(session, xml, source="inline.bpmn")
    case = services.start_case(session, definition.key, data)
    [task] = services.open_tasks(session, case)
    services.complete_task(session, task.id, "ani", {})
    session.commit()
    session.expire_all()  # read back what was stored
    return incidents.open_incident_of(session, case)


@pytest.mark.parametrize(
    "xml, data, detail",
    [
        (SITE.read_bytes(), {"applicant_name": "Siti"}, {"code": "unknown_name"}),
        (NO_BRANCH, {"fee": 5}, {"code": "no_branch", "params": {}}),
        (SIZE_BOMB, {"exponent": 10**9}, {"code": "number_too_large", "line": 1}),
        (TIMER_READS_UNSET, {}, {"code": "unknown_name", "params": {"name": "wait_period"}}),
        (
            WRONG_TYPES,
            {"area": "large"},
            {
                "code": "wrong_types",
                "params": {"operator": "+", "left": "text", "right": "number"},
                "line": 2,
            },
        ),
    ],
)
def test_the_incident_stores_the_reason_as_data(session, xml, data, detail):
    incident = _stop(session, xml, data)
    assert incident.detail is not None
    assert {key: incident.detail[key] for key in detail} == detail


def test_the_condition_names_the_unset_name_and_the_history_keeps_the_reason(session):
    incident = _stop(session, SITE.read_bytes(), {"applicant_name": "Siti"})
    assert incident.detail == {"code": "unknown_name", "params": {"name": "floor_area"}}
    assert "unknown name 'floor_area'" in incident.message  # the English message stays
    [opened] = [
        e for e in services.case_history(session, incident.case_id) if e.action == "incident_opened"
    ]
    assert opened.data["detail"] == incident.detail


@pytest.mark.parametrize(
    "expression, data, message, reason, params",
    [
        ("fee > 5", {"fee": None}, "wrong types: '>' not supported", "wrong_types", None),
        ("a / b", {"a": 1, "b": 0}, "division by zero", "division_by_zero", {}),
        ("fe + 1", {"fee": 1}, "unknown name 'fe' (did you mean 'fee'?)", "unknown_name", None),
        ("add_days(d, 1)", {"d": "soon"}, "got 'soon'", "not_a_date", {"value": "'soon'"}),
        ("x['k']", {"x": {}}, "key 'k' not found", "key_not_found", {"key": "k"}),
        ("len(1, 2)", {}, "wrong types: len()", "wrong_arguments", {"function": "len"}),
        ("today", {}, "'today' is a function", "function_not_called", {"name": "today"}),
    ],
)
def test_expression_failures_keep_their_english_and_carry_a_reason(
    expression, data, message, reason, params
):
    with pytest.raises(ExpressionFailed) as info:
        evaluate(expression, data)
    assert str(info.value).startswith(f"cannot evaluate '{expression}': ")
    assert message in str(info.value) and info.value.reason == reason
    if params is not None:
        assert info.value.params == params


def test_the_reason_names_the_kinds_of_values_and_survives_a_script_line():
    with pytest.raises(ExpressionFailed) as info:
        execute_script("a = 1\nb = fee > 5", {"fee": None})
    assert str(info.value) == (
        "cannot run line 2 of the script ('b = fee > 5'): wrong types: "
        "'>' not supported between instances of 'NoneType' and 'int'"
    )
    assert (info.value.reason, info.value.params) == (
        "wrong_types",
        {"operator": ">", "left": "none", "right": "number"},
    )
    assert info.value.line_number == 2


def _stored(db_engine, incident_id: int) -> tuple:
    with db_engine.connect() as connection:
        row = connection.execute(
            text('SELECT detail, "values" FROM incidents WHERE id = :id'), {"id": incident_id}
        ).one()
    return tuple(json.loads(v) if isinstance(v, str) else v for v in row)


def test_migration_0022_seals_the_values_and_adds_the_detail(session, db_engine):
    """Down to 0021: the detail goes, the values are stored in clear as before; up again:
    the values are sealed (neither the names read nor their values in clear), the detail NULL."""
    incident = _stop(session, SITE.read_bytes(), {"applicant_name": "Siti"})
    session.close()
    assert "floor_area" not in json.dumps(_stored(db_engine, incident.id)[1])
    try:
        with db_engine.begin() as connection:
            command.downgrade(_alembic(connection), "0021")
        columns = {c["name"] for c in inspect(db_engine).get_columns("incidents")}
        assert "detail" not in columns and "message" in columns
        with db_engine.connect() as connection:
            values = connection.execute(
                text('SELECT "values" FROM incidents WHERE id = :id'), {"id": incident.id}
            ).scalar_one()
        assert (json.loads(values) if isinstance(values, str) else values) == {
            "floor_area": "(not set)"
        }
    finally:
        migrate.upgrade(db_engine)
    detail, values = _stored(db_engine, incident.id)
    assert detail is None and set(values) == {"sealed"}
    with Session(db_engine) as fresh:
        assert incidents.get_incident(fresh, incident.id).values == {"floor_area": "(not set)"}


def test_a_pre_script_failure_names_its_part_and_line(session):
    from tests.test_pre_script_repair import _incident, _pre, _review, _start

    services.create_user(session, "vera", roles=["verifier"])
    case = _start(session, "pre", _review(_pre("x = 1\ny = 10 / d")), {"d": 0})
    incident = _incident(session, case)
    assert incident.detail == {
        "code": "division_by_zero",
        "params": {},
        "line": 2,
        "part": "pre-script",
    }
    assert incident.message.startswith("pre-script: cannot run line 2 of the script")


QUOTES_A_NAME = _bpmn(
    "quotes_a_name",
    """<bpmn:scriptTask id="compute" name="Compute due date" scriptFormat="python">
      <bpmn:script>due = add_days(applicant_name, 14)</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="register" targetRef="compute"/>
    <bpmn:sequenceFlow id="f3" sourceRef="compute" targetRef="done"/>""",
    ["compute"],
)
NAME = "Wahyu Kurniasih"


def test_a_detail_quoting_a_value_is_sealed_resealed_and_cleared_by_retention(
    session, tmp_path, monkeypatch
):
    monkeypatch.delenv("PERMITFLOW_DATA_KEY", raising=False)
    monkeypatch.setenv("PERMITFLOW_DATA_KEY_FILE", str(tmp_path / "data.key"))
    crypto.reset()
    try:
        incident = _stop(session, QUOTES_A_NAME, {"applicant_name": NAME})
        assert incident.detail["params"] == {"value": f"'{NAME}'"}
        stored = session.execute(
            text("SELECT detail FROM incidents WHERE id = :id"), {"id": incident.id}
        ).scalar_one()
        assert NAME not in str(stored) and "sealed" in str(stored)
        keys.rotate(session, actor="admin")
        session.commit()
        (tmp_path / "data.key").write_text(crypto.fernet_key_texts()[0] + "\n")  # old key gone
        crypto.reset()
        session.expire_all()
        incident = incidents.get_incident(session, incident.id)
        assert incident.detail["params"] == {"value": f"'{NAME}'"}
        incidents.cancel(session, incident.id, actor="admin")
        session.commit()
        clock.advance(timedelta(days=6 * 365))
        assert len(retention.run(session)) == 1
        session.commit()
        session.expire_all()
        assert incidents.get_incident(session, incident.id).detail is None
    finally:
        crypto.reset()
