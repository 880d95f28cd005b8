"""Any user data round-trips through the stored workflow state, and states stored before
user dicts were escaped (``engine.workflow.state_data``) still load unchanged."""

from __future__ import annotations

import json
import zlib
from datetime import datetime
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.util.task import TaskState

from engine import services
from engine.integration import stubs
from engine.privacy import crypto
from engine.workflow import specs
from engine.workflow.state_data import ESCAPED
from tests.test_bpmn_coverage import complete, deploy, restored

HERE = Path(__file__).parent
OLD_STATES = HERE / "data" / "states_before_escape"

#: values shaped like what SpiffWorkflow's registry (or the escape) writes for its objects
HOSTILE = {
    "unknown_object": {"typename": "Nope", "note": "typed by the applicant"},
    "shaped_like_datetime": {"typename": "datetime", "value": "2020-01-01T00:00:00"},
    "shaped_like_event": {"typename": "BpmnEvent", "payload": {}, "correlations": {}},
    "shaped_like_the_escape": {"typename": ESCAPED, "dict": {"typename": "x"}},
    "legacy_bytes_marker": {"__bytes__": "YQ=="},
    "nested": [{"a": [{"typename": None}, {"typename": {"typename": 1}}]}, "plain"],
}


@pytest.fixture
def office(session):
    services.create_user(session, "vera", roles=["verifier"])
    services.create_user(session, "tina", roles=["technical"])
    session.commit()
    return session


def _round_trip(workflow, spec, subprocess_specs):
    return specs.load_state(specs.dump_state(workflow), spec, subprocess_specs)


def test_hostile_values_round_trip_at_every_data_level(office):
    definition = deploy(office, "multi_instance_reviews.bpmn")
    spec, subprocess_specs = specs.specs_for(definition)
    workflow = specs.new_workflow(spec, subprocess_specs)
    root = workflow.task_tree
    child = root.children[0]
    when = datetime(2026, 1, 2, 3, 4, 5)
    root.data = {"typename": "a variable", **HOSTILE, "when": when}
    child.data = {**root.data, "typename": {"typename": "changed"}, "extra": HOSTILE}
    child.internal_data = {"typename": HOSTILE, "item": HOSTILE["nested"]}
    workflow.data = {"typename": 1, "data_objects": {"doc": HOSTILE}}
    event = BpmnEvent(None, {"typename": "payload", **HOSTILE}, {"typename": HOSTILE})
    workflow.bpmn_events = [event]

    again = _round_trip(workflow, spec, subprocess_specs)

    assert again.task_tree.data == root.data
    assert isinstance(again.task_tree.data["when"], datetime)  # real objects still restored
    moved = again.get_task_from_id(child.id)
    assert moved.data == child.data and moved.internal_data == child.internal_data
    assert again.data == workflow.data
    [back] = again.bpmn_events
    assert back.payload == event.payload and back.correlations == event.correlations
    assert root.data["unknown_object"] == HOSTILE["unknown_object"]  # the live data unchanged


FORM_NAMED_TYPENAME = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs" targetNamespace="t">
  <bpmn:process id="typename_form" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:userTask id="fill" name="Fill" camunda:candidateGroups="verifier">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="typename" label="Type name" type="string"/>
      </camunda:formData></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:userTask id="check" name="Check" camunda:candidateGroups="verifier"/>
    <bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="fill"/>
    <bpmn:sequenceFlow id="f2" sourceRef="fill" targetRef="check"/>
    <bpmn:sequenceFlow id="f3" sourceRef="check" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_a_form_field_named_typename_and_hostile_start_data_survive_every_step(office):
    services.deploy(office, FORM_NAMED_TYPENAME, source="f.bpmn", deployed_by="designer")
    case = services.start_case(office, "typename_form", {"applicant": HOSTILE})
    office.commit()
    complete(office, case, "vera", "Fill", {"typename": "Perorangan"})
    data = services.case_data(restored(office, case))
    assert data["typename"] == "Perorangan" and data["applicant"] == HOSTILE
    complete(office, case, "vera", "Check")
    assert restored(office, case).status == "completed"


# -- states stored before the escape ------------------------------------------------------
#
# Each fixture is the (decompressed) state of a case as the dump before the escape wrote it:
# two_lanes waiting on its timer, multi_instance_reviews with one review done, and an event
# with two message definitions that caught a payload.

FIXTURES = {
    "two_lanes_waiting_on_timer": HERE / "engine_bpmn" / "two_lanes.bpmn",
    "multi_instance_reviews_in_flight": HERE / "bpmn_features" / "multi_instance_reviews.bpmn",
    "caught_reply_with_payload": OLD_STATES / "caught_reply.bpmn",
}


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_a_state_stored_before_the_escape_loads_and_is_written_back_the_same(office, name):
    source = FIXTURES[name]
    definition, _ = services.deploy(
        office, source.read_bytes(), source=source.name, deployed_by="designer"
    )
    office.commit()
    spec, subprocess_specs = specs.specs_for(definition)
    old = json.loads((OLD_STATES / f"{name}.json").read_text())
    blob = zlib.compress(json.dumps(old).encode())  # stored before encryption: read as is

    workflow = specs.load_state(blob, spec, subprocess_specs, specs.SERIALIZER_VERSION)

    assert workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)
    written = json.loads(zlib.decompress(crypto.open_bytes(specs.dump_state(workflow))))
    assert written == old  # nothing in it needed escaping, nothing was unescaped


def test_a_connector_answer_shaped_like_a_serialized_object_is_kept(
    session, db_engine, monkeypatch
):
    """The population registry answers an address object with a ``typename`` key; the
    case restores it as sent and moves on."""
    from tests import test_integration as integration

    monkeypatch.delenv("PERMITFLOW_CALLS_EAGER", raising=False)
    address = {"typename": "Alamat", "street": "JL. ASIA AFRIKA NO. 8", "rt": [1, 2]}
    person = {**stubs.PEOPLE["3273010101900001"], "address": address}
    monkeypatch.setitem(stubs.PEOPLE, "3273010101900001", person)
    server = stubs.start()
    try:
        integration._register(session, stubs.base_url(server))
        case, call_id = integration._start(session, db_engine, "3273010101900001")
        assert integration._finished(session, call_id).status == "done"
    finally:
        server.shutdown()
        server.server_close()
    case = restored(session, case)
    [task] = services.open_tasks(session, case)
    assert services.task_data(task)["applicant_address"] == address
    services.create_user(session, "ani", roles=["front_office"])
    services.complete_task(session, task.id, "ani", {})
    session.commit()
    assert restored(session, case).status == "completed"
