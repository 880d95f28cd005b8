"""SafeScriptEngine runs tiny literal BPMN processes with the safe language only."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import escape

import pytest
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine.errors import ExpressionFailed, UnsafeExpression
from engine.workflow.script_engine import SafeScriptEngine

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    id="defs" targetNamespace="https://permitflow.org/test">
  <bpmn:process id="proc" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="enter" />
    <bpmn:userTask id="enter" name="Enter data" />
    <bpmn:sequenceFlow id="f1" sourceRef="enter" targetRef="work" />
"""
TAIL = """    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def script_task(task_id: str, script: str) -> str:
    return (
        f'<bpmn:scriptTask id="{task_id}" scriptFormat="python">'
        f"<bpmn:script>{escape(script)}</bpmn:script></bpmn:scriptTask>\n"
    )


def gateway_process(condition: str, script: str = "fee = area * 1000") -> str:
    """enter -> work (script) -> gateway: condition -> big, else -> small -> end."""
    return (
        HEAD
        + script_task("work", script)
        + '<bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="gw" />\n'
        + '<bpmn:exclusiveGateway id="gw" default="to_small" />\n'
        + '<bpmn:sequenceFlow id="to_big" sourceRef="gw" targetRef="big">'
        + f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{escape(condition)}'
        + "</bpmn:conditionExpression></bpmn:sequenceFlow>\n"
        + '<bpmn:sequenceFlow id="to_small" sourceRef="gw" targetRef="small" />\n'
        + script_task("big", 'route = "big"')
        + script_task("small", 'route = "small"')
        + '<bpmn:sequenceFlow id="f3" sourceRef="big" targetRef="end" />\n'
        + '<bpmn:sequenceFlow id="f4" sourceRef="small" targetRef="end" />\n'
        + TAIL
    )


def timer_process(timer_xml: str) -> str:
    """enter -> work (script) -> timer catch event -> end."""
    return (
        HEAD
        + script_task("work", "waited = False")
        + '<bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="wait" />\n'
        + f'<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition id="t">{timer_xml}'
        + "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>\n"
        + '<bpmn:sequenceFlow id="f3" sourceRef="wait" targetRef="done" />\n'
        + script_task("done", "waited = True")
        + '<bpmn:sequenceFlow id="f4" sourceRef="done" targetRef="end" />\n'
        + TAIL
    )


def start(xml: str, data: dict) -> BpmnWorkflow:
    """Parse, start, fill in the user task with ``data`` and run the engine steps."""
    parser = CamundaParser()
    parser.add_bpmn_str(xml.encode(), filename="test.bpmn")
    workflow = BpmnWorkflow(parser.get_spec("proc"), script_engine=SafeScriptEngine())
    workflow.do_engine_steps()
    task = workflow.get_next_task(state=TaskState.READY, manual=True)
    task.data.update(data)
    task.run()
    workflow.do_engine_steps()
    return workflow


def final_data(workflow: BpmnWorkflow) -> dict:
    assert workflow.is_completed()
    return workflow.get_next_task(spec_name="end").data


@pytest.mark.parametrize(
    ("area", "route"),
    [(500, "big"), (50, "small")],
)
def test_gateway_condition_chooses_the_branch(area, route):
    workflow = start(gateway_process("${fee > 100000}"), {"area": area})
    data = final_data(workflow)
    assert data["route"] == route
    assert data["fee"] == area * 1000


def test_script_task_assigns_variables_seen_by_later_lines():
    script = "fee = area * 1000\nlabel = f\"{applicant['name']}: {fee}\"\nfee += 1"
    workflow = start(gateway_process("False", script), {"area": 2, "applicant": {"name": "Budi"}})
    data = final_data(workflow)
    assert data["label"] == "Budi: 2000"
    assert data["fee"] == 2001


def test_condition_error_names_the_expression():
    with pytest.raises(WorkflowTaskException, match=r"fee > limit.*unknown name 'limit'") as info:
        start(gateway_process("fee > limit"), {"area": 1})
    assert isinstance(info.value.__cause__, ExpressionFailed)


def test_script_error_names_the_line():
    with pytest.raises(WorkflowTaskException, match="division by zero") as info:
        start(gateway_process("True", "a = 1\nfee = area / 0"), {"area": 1})
    assert info.value.line_number == 2
    assert info.value.error_line == "fee = area / 0"


@pytest.mark.parametrize(
    "payload",
    [
        "__import__('os').system('touch {marker}')",
        "().__class__.__base__.__subclasses__()",
        "open('{marker}', 'w')",
        "exec(\"open('{marker}', 'w')\")",
    ],
)
@pytest.mark.parametrize("where", ["condition", "script"])
def test_escape_payloads_fail_and_do_not_run(tmp_path, monkeypatch, payload, where):
    marker = tmp_path / "pwned"
    calls = []
    monkeypatch.setattr(os, "system", lambda *args: calls.append(args))
    payload = payload.format(marker=marker)
    xml = (
        gateway_process(payload)
        if where == "condition"
        else gateway_process("True", f"x = {payload}")
    )
    with pytest.raises(WorkflowTaskException, match="not (allowed|available)") as info:
        start(xml, {"area": 1})
    assert isinstance(info.value.__cause__, UnsafeExpression)
    assert not marker.exists()
    assert calls == []


def test_python_statements_in_scripts_are_refused(tmp_path):
    script = f"import os\nos.system('touch {tmp_path / 'pwned'}')"
    with pytest.raises(WorkflowTaskException, match="imports are not allowed"):
        start(gateway_process("True", script), {"area": 1})
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize(
    "timer_xml",
    [
        "<bpmn:timeDuration>P0D</bpmn:timeDuration>",
        "<bpmn:timeDuration> PT0S </bpmn:timeDuration>",
        '<bpmn:timeDuration>"PT0S"</bpmn:timeDuration>',
        "<bpmn:timeDuration>${pause}</bpmn:timeDuration>",
        "<bpmn:timeDate>2020-01-01T08:00:00+07:00</bpmn:timeDate>",
        "<bpmn:timeDate>now()</bpmn:timeDate>",
    ],
)
def test_timer_with_bare_iso_literal_or_expression_fires(timer_xml):
    workflow = start(timer_process(timer_xml), {"pause": "PT0S"})
    workflow.refresh_timers()
    workflow.do_engine_steps()
    assert final_data(workflow)["waited"] is True


def test_timer_in_the_future_waits():
    workflow = start(timer_process("<bpmn:timeDuration>P3D</bpmn:timeDuration>"), {})
    workflow.refresh_timers()
    workflow.do_engine_steps()
    assert not workflow.is_completed()
    waiting = workflow.get_next_task(spec_name="wait")
    assert waiting.state == TaskState.WAITING
    due = datetime.fromisoformat(waiting._get_internal_data("event_value"))
    assert timedelta(days=2, hours=23) < due - datetime.now(UTC) <= timedelta(days=3)


def test_waiting_timer_survives_save_and_restore():
    workflow = start(timer_process("<bpmn:timeDuration>PT1H</bpmn:timeDuration>"), {})
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(CAMUNDA_CONFIG))
    restored = serializer.deserialize_json(serializer.serialize_json(workflow))
    restored.script_engine = SafeScriptEngine()
    restored.refresh_timers()
    restored.do_engine_steps()
    assert not restored.is_completed()
    assert restored.get_next_task(spec_name="wait").state == TaskState.WAITING


def test_timer_expression_with_wrong_value_fails():
    with pytest.raises(WorkflowTaskException, match="not an ISO 8601 duration"):
        start(timer_process("<bpmn:timeDuration>pause</bpmn:timeDuration>"), {"pause": 3})


def test_validate_and_service_calls():
    engine = SafeScriptEngine()
    engine.validate('decision == "approve"')
    with pytest.raises(UnsafeExpression, match="attribute '__class__' is not allowed"):
        engine.validate("().__class__")
    with pytest.raises(Exception, match="service tasks are not supported"):
        engine.environment.call_service({}, operation_name="http/GetRequest")


def test_indented_script_runs_as_validated():
    from engine.expressions.language import check_script, execute_script

    script = "\n        total = price * 2\n        label = str(total)\n    "
    check_script(script)
    assert execute_script(script, {"price": 4}) == {"total": 8, "label": "8"}
