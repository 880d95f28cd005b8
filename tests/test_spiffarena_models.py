"""Process models made with SpiffArena's modeller (bpmn-js-spiffworkflow) run as written.

Each test is a small model of ours with the shape SpiffArena writes, for a problem a
SpiffArena process model met: validated, deployed and run through the engine facade and
the command line, the case restored from storage before each step.
"""

from __future__ import annotations

import json
import shutil
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session

from engine import services
from engine.calendar import clock
from engine.cli import main
from engine.validation.process import format_report, has_errors, validate_file
from tests.test_bpmn_coverage import FEATURES, complete, read, restored

DMN = {"fees.dmn": (FEATURES / "fees.dmn").read_bytes()}


@pytest.fixture
def cli(sqlite_engine, monkeypatch):
    monkeypatch.setenv(
        "PERMITFLOW_DATABASE_URL", sqlite_engine.url.render_as_string(hide_password=False)
    )
    runner = CliRunner()

    def run(*args: str, code: int = 0):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == code, result.output + result.stderr
        return result

    return run


def test_a_called_decision_id_runs_the_dmn_table_uploaded_beside(session):
    name = "spiff_business_rule.bpmn"
    _, problems = validate_file(read(name), name, dmn_files=DMN)
    assert not has_errors(problems), format_report(problems)
    services.deploy(session, read(name), source=name, dmn_files=DMN)
    session.commit()
    case = services.start_case(
        session, "spiff_business_rule", {"building_type": "house", "floor_area": 200}
    )
    session.commit()
    data = services.case_data(restored(session, case))
    assert (data["fee"], data["risk"]) == (1_200_000, "medium")


def test_the_cli_finds_the_dmn_file_a_called_decision_id_names(cli, tmp_path):
    shutil.copy(FEATURES / "spiff_business_rule.bpmn", tmp_path)
    shutil.copy(FEATURES / "fees.dmn", tmp_path)
    bpmn = str(tmp_path / "spiff_business_rule.bpmn")
    report = json.loads(cli("validate", "--json", bpmn).output)[bpmn]
    assert not [p for p in report if p["severity"] == "error"]
    assert "deployed" in cli("deploy", bpmn).output
    start = '{"building_type": "shop", "floor_area": 10}'
    out = json.loads(cli("start", "spiff_business_rule", "--data", start, "--json").output)
    assert [t["name"] for t in out["open_tasks"]] == ["Head approval"]  # the table's "high"


SCHEMA_FORM = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="schema_form" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="ask" name="Ask the size" camunda:candidateGroups="clerk">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formJsonSchemaFilename" value="ask-schema.json"/>
          <spiffworkflow:property name="formUiSchemaFilename" value="ask-uischema.json"/>
        </spiffworkflow:properties>
        FIELDS
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="ask"/>
    <bpmn:sequenceFlow id="f2" sourceRef="ask" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_a_json_schema_form_whose_file_did_not_come_warns_and_runs_without_fields(session):
    """SpiffWorkflow's own spiff_properties.bpmn names a schema file it does not ship: as
    SpiffWorkflow, the task runs without fields; the designer is told what to do."""
    data = SCHEMA_FORM.replace(b"FIELDS", b"")
    _, problems = validate_file(data, "t.bpmn")
    assert not has_errors(problems), format_report(problems)
    [problem] = [p for p in problems if p.code == "json_schema_form_missing"]
    assert (problem.severity, problem.element_id) == ("warning", "ask")
    assert "'ask-schema.json'" in problem.message and "camunda:formField" in problem.message
    services.create_user(session, "clerk", full_name="Clerk", roles=["clerk"])
    services.deploy(session, data, source="t.bpmn")
    case = services.start_case(session, "schema_form", {})
    [task] = services.open_tasks(session, case)
    services.claim(session, task.id, "clerk")
    services.complete_task(session, task.id, "clerk", {})
    assert case.status == "completed"


def test_a_json_schema_form_rewritten_as_form_fields_is_accepted():
    fields = b'<camunda:formData><camunda:formField id="size" label="Size"/></camunda:formData>'
    model, problems = validate_file(SCHEMA_FORM.replace(b"FIELDS", fields), "t.bpmn")
    assert not has_errors(problems), format_report(problems)
    assert model.processes["schema_form"].nodes["ask"].properties["formUiSchemaFilename"]


UNNAMED_MESSAGE_OR_TIMER = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="unnamed_message_or_timer" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:eventBasedGateway id="which"/>
    <bpmn:intermediateCatchEvent id="reply"><bpmn:messageEventDefinition id="md"/></bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="later">
      <bpmn:timerEventDefinition><bpmn:timeDuration>"PT15M"</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="replied"/>
    <bpmn:endEvent id="timed_out"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="which"/>
    <bpmn:sequenceFlow id="f2" sourceRef="which" targetRef="reply"/>
    <bpmn:sequenceFlow id="f3" sourceRef="which" targetRef="later"/>
    <bpmn:sequenceFlow id="f4" sourceRef="reply" targetRef="replied"/>
    <bpmn:sequenceFlow id="f5" sourceRef="later" targetRef="timed_out"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_an_event_gateway_with_an_unnamed_message_starts_and_its_timer_ends_it(session):
    """SpiffArena's modeller leaves a message catch without a message until one is
    picked; the case failed to start ("changed by someone else") on its nameless wait."""
    _, problems = validate_file(UNNAMED_MESSAGE_OR_TIMER, "t.bpmn")
    assert "message_without_ref" in {p.code for p in problems if p.severity == "warning"}
    services.deploy(session, UNNAMED_MESSAGE_OR_TIMER, source="t.bpmn")
    session.commit()
    case = services.start_case(session, "unnamed_message_or_timer", {})
    session.commit()
    assert restored(session, case).status == "running"
    clock.advance(timedelta(minutes=16))
    services.tick(session)
    session.commit()
    assert restored(session, case).status == "completed"


CALLEE = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="group_fee" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:scriptTask id="calc" name="Compute"><bpmn:script>fee = area * 1000</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="calc"/>
    <bpmn:sequenceFlow id="f2" sourceRef="calc" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>"""

CALLER = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="group_permit" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:scriptTask id="set" name="Measure"><bpmn:script>area = 12</bpmn:script></bpmn:scriptTask>
    <bpmn:callActivity id="call" name="Compute the fee" calledElement="group_fee"/>
    <bpmn:scriptTask id="after" name="Total"><bpmn:script>total = fee + 500</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="set"/>
    <bpmn:sequenceFlow id="f2" sourceRef="set" targetRef="call"/>
    <bpmn:sequenceFlow id="f3" sourceRef="call" targetRef="after"/>
    <bpmn:sequenceFlow id="f4" sourceRef="after" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_a_process_group_deploys_in_one_command_whatever_the_order(cli, tmp_path, sqlite_engine):
    """SpiffArena's process models of one group call each other across folders; listed
    caller first (``permitflow deploy group/*/*.bpmn``), the caller was refused."""
    for folder, data in (("a-permit", CALLER), ("b-fee", CALLEE)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / f"{folder}.bpmn").write_bytes(data)
    files = sorted(str(p) for p in tmp_path.glob("*/*.bpmn"))
    report = json.loads(cli("validate", "--json", *files).output)  # checked together too
    assert not [p for problems in report.values() for p in problems if p["severity"] == "error"]
    out = cli("deploy", *files).output
    assert out.index("group_fee version 1") < out.index("group_permit version 1")
    started = json.loads(cli("start", "group_permit", "--json").output)
    assert started["status"] == "completed"
    with Session(sqlite_engine) as session:
        case = services.get_case(session, started["tracking_code"])
        assert services.case_data(case)["total"] == 12_500  # into the call and back


EMPTY_CORRELATION = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="wait_for_payment" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:receiveTask id="paid" name="Payment received" messageRef="payment"/>
    <bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="paid"/>
    <bpmn:sequenceFlow id="f2" sourceRef="paid" targetRef="e"/>
  </bpmn:process>
  <bpmn:message id="payment" name="payment"/>
  <bpmn:correlationProperty id="cp_invoice" name="Invoice number"/>
</bpmn:definitions>"""


def test_an_empty_correlation_property_is_refused_saying_what_to_add():
    """SpiffArena's modeller adds a correlation property before its retrieval
    expression; SpiffWorkflow's refusal named it but not what to write."""
    _, problems = validate_file(EMPTY_CORRELATION, "t.bpmn")
    [problem] = [p for p in problems if p.severity == "error"]
    assert (problem.code, problem.element_id) == ("empty_correlation_property", "cp_invoice")
    assert "correlationPropertyRetrievalExpression" in problem.message


def test_a_spiffarena_conversation_answers_each_request_to_its_own_case(session):
    """Send and receive tasks carry SpiffArena's messagePayload / messageVariable in their
    own extension elements (the payload was lost: the answering case never started);
    the answer's correlation is read on its payload, not on the answering case's data
    (which stopped it: "unknown name 'po_number'")."""
    services.create_user(session, "cici", roles=["clerk"])
    services.create_user(session, "hadi", roles=["head"])
    session.commit()
    for name in ("spiff_conversation_answer.bpmn", "spiff_conversation_request.bpmn"):
        _, problems = validate_file(read(name), name)
        assert not has_errors(problems), format_report(problems)
        services.deploy(session, read(name), source=name)
        session.commit()
    asking = {}
    for po_number in (1, 2):
        case = services.start_case(session, "spiff_conversation_request", {})
        session.commit()
        complete(session, case, "cici", "Enter the order", {"po_number": po_number, "amount": 9})
        asking[po_number] = case
    decide = {
        services.task_data(t)["request"]["po_number"]: t
        for t in services.tasks_for_user(session, "hadi")
    }
    assert sorted(decide) == [1, 2]  # each request started its own answering case
    for po_number, approved in ((2, False), (1, True)):
        services.complete_task(session, decide[po_number].id, "hadi", {"approved": approved})
        session.commit()
    for po_number, approved in ((1, True), (2, False)):
        case = restored(session, asking[po_number])
        assert case.status == "completed"
        assert services.case_data(case)["result"] == {"po_number": po_number, "approved": approved}


ASK_SCHEMA = {
    "title": "Ask the size",
    "required": ["size", "floors"],
    "properties": {
        "size": {"type": "string", "title": "Size", "enum": ["small", "large"]},
        "floors": {"type": "integer", "title": "Floors", "minimum": 1},
        "inspected_on": {"type": "string", "format": "date", "title": "Inspected on"},
        "corner_plot": {"type": "boolean", "title": "Corner plot", "default": False},
        "zone": {
            "type": "string",
            "title": "Zone",
            "oneOf": [{"const": "R1", "title": "Housing"}, {"const": "K1", "title": "Trade"}],
        },
    },
}


def _process_model(tmp_path, schema) -> str:
    """A SpiffArena process model folder: the BPMN file and its form's schema beside it."""
    (tmp_path / "ask-schema.json").write_text(json.dumps(schema), encoding="utf-8")
    (tmp_path / "ask.bpmn").write_bytes(SCHEMA_FORM.replace(b"FIELDS", b""))
    return str(tmp_path / "ask.bpmn")


def test_a_json_schema_form_beside_the_file_becomes_the_task_s_form(cli, tmp_path, sqlite_engine):
    bpmn = _process_model(tmp_path, ASK_SCHEMA)
    report = json.loads(cli("validate", "--json", bpmn).output)[bpmn]
    assert not [p for p in report if p["severity"] == "error"]
    cli("user", "add", "cici", "--role", "clerk")
    cli("deploy", bpmn)
    task = json.loads(cli("start", "schema_form", "--json").output)["open_tasks"][0]
    with Session(sqlite_engine) as session:
        form = {f.id: f for f in services.task_form(services.get_task(session, task["id"]))}
    assert [(f.label, f.type, f.required) for f in form.values()] == [
        ("Size", "enum", True),
        ("Floors", "long", True),
        ("Inspected on", "date", False),
        ("Corner plot", "boolean", False),
        ("Zone", "enum", False),
    ]
    assert [(v.id, v.name) for v in form["zone"].enum_values] == [
        ("R1", "Housing"),
        ("K1", "Trade"),
    ]
    assert form["floors"].constraints["min"] == "1" and form["corner_plot"].default == "false"
    answer = '{"size": "large", "floors": 3, "zone": "K1"}'
    cli("complete", task["id"], "--as", "cici", "--data", answer)
    with Session(sqlite_engine) as session:
        case = services.get_case(session, task["tracking_code"])
        assert case.status == "completed"
        assert services.case_data(case) | {"size": "large", "floors": 3, "zone": "K1"} == (
            services.case_data(case)
        )


def test_a_json_schema_form_with_a_control_character_is_refused_not_a_traceback(cli, tmp_path):
    nul = {"properties": {"size": {"type": "string", "default": "a\x00b"}}}
    bpmn = _process_model(tmp_path, nul)  # lxml cannot write a NUL into the task's form
    report = json.loads(cli("validate", "--json", bpmn, code=1).output)[bpmn]
    assert [p["code"] for p in report if p["severity"] == "error"] == ["json_schema_form"]


def test_a_json_schema_form_with_a_list_stays_refused(cli, tmp_path):
    listed = {"properties": {"toppings": {"type": "array", "items": {"type": "string"}}}}
    bpmn = _process_model(tmp_path, listed)
    report = json.loads(cli("validate", "--json", bpmn, code=1).output)[bpmn]
    assert [p["code"] for p in report if p["severity"] == "error"] == ["json_schema_form"]


MESSAGE_LEVEL_VARIABLE = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="priced_by_message" isExecutable="true">
    <bpmn:startEvent id="asked"><bpmn:messageEventDefinition id="md" messageRef="m_quote"/></bpmn:startEvent>
    <bpmn:scriptTask id="price" name="Price"><bpmn:script>price = 15 if request["size"] == "large" else 10</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f1" sourceRef="asked" targetRef="price"/>
    <bpmn:sequenceFlow id="f2" sourceRef="price" targetRef="e"/>
  </bpmn:process>
  <bpmn:message id="m_quote" name="quote">
    <bpmn:extensionElements>
      <spiffworkflow:messageVariable>request</spiffworkflow:messageVariable>
    </bpmn:extensionElements>
  </bpmn:message>
</bpmn:definitions>"""


def test_a_message_variable_on_the_message_keeps_the_payload_whole(session):
    """Older SpiffArena models name the variable on the bpmn:message itself; the payload
    was stored field by field, and the script reading ``request`` stopped the case."""
    services.deploy(session, MESSAGE_LEVEL_VARIABLE, source="t.bpmn")
    session.commit()
    [case] = services.start_by_message(session, "quote", {"size": "large"}, actor="api")
    session.commit()
    case = restored(session, case)
    assert case.status == "completed"
    assert services.case_data(case) == {"request": {"size": "large"}, "price": 15}


def test_a_data_store_is_refused_saying_what_to_use_instead():
    store = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:dataStore id="fees_store" name="Fees"/>
  <bpmn:process id="stored_fees" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="e"/>
    <bpmn:dataStoreReference id="fees_ref" name="Fee table" dataStoreRef="fees_store"/>
  </bpmn:process>
</bpmn:definitions>"""
    _, problems = validate_file(store, "t.bpmn")
    [problem] = [p for p in problems if p.severity == "error"]
    assert (problem.code, problem.element_id) == ("unsupported_element", "fees_ref")
    assert "pf:connector" in problem.message and "data object" in problem.message
