"""An incident of a pre- or post-script is repaired as a script task's is.

A failed pre-script leaves its task not ready; the retry brings it up to date again
with the data it had and what the administrator set on it (not its parent's data
again), so setting the variable and retrying clears the incident. An instance failing
while its loop creates the instances fails the loop: the value is set once, on the
loop, and the retry creates every instance again. Skipping a task completes it
without its post-script. Every step goes through the incident service, the case
restored from storage first.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import services
from engine.office import incidents
from engine.storage.tables import HumanTask, Incident
from engine.validation.process import validate_file
from tests.test_bpmn_coverage import complete, restored

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions '
    'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs" targetNamespace="t">'
)


@pytest.fixture
def office(session):
    services.create_user(session, "vera", roles=["verifier"])
    session.commit()
    return session


def _start(session, key: str, task: str, data: dict, after: str = ""):
    """A case of ``start -> task -> (after) -> end`` with ``data`` at the start."""
    flows = [("s", "u"), ("u", "e")]
    if after:
        flows = [("s", "u"), ("u", "a"), ("a", "e")]
    xml = (
        f'{HEAD}<bpmn:process id="{key}" isExecutable="true"><bpmn:startEvent id="s"/>'
        f'{task}{after}<bpmn:endEvent id="e"/>'
        + "".join(
            f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>'
            for i, (a, b) in enumerate(flows)
        )
        + "</bpmn:process></bpmn:definitions>"
    ).encode()
    assert not [p for p in validate_file(xml, f"{key}.bpmn")[1] if p.severity == "error"]
    services.deploy(session, xml, source=f"{key}.bpmn", deployed_by="designer")
    session.commit()
    case = services.start_case(session, key, data)
    session.commit()
    return case


def _review(scripts: str, loop: str = "") -> str:
    return (
        '<bpmn:userTask id="u" name="Review" camunda:candidateGroups="verifier">'
        f"<bpmn:extensionElements>{scripts}</bpmn:extensionElements>{loop}</bpmn:userTask>"
    )


def _pre(script: str) -> str:
    return f"<spiffworkflow:preScript>{script}</spiffworkflow:preScript>"


def _multi(sequential: bool, on_instances: bool, inner: str) -> str:
    return (
        f'<bpmn:multiInstanceLoopCharacteristics isSequential="{str(sequential).lower()}" '
        f'spiffworkflow:scriptsOnInstances="{str(on_instances).lower()}">{inner}'
        "</bpmn:multiInstanceLoopCharacteristics>"
    )


def _incident(session, case) -> Incident:
    case = restored(session, case)
    [incident] = session.scalars(
        select(Incident).where(Incident.case_id == case.id, Incident.status == "open")
    ).all()
    return incident


def _repair(session, case, name: str, value) -> Incident | None:
    incident = _incident(session, case)
    incidents.set_variable(session, incident.id, name, value, actor="admin")
    session.commit()
    restored(session, case)
    again = incidents.retry(session, incident.id, actor="admin")
    session.commit()
    return again


def _reviews(session, case) -> list[dict]:
    case = restored(session, case)
    tasks = [t for t in services.tasks_for_user(session, "vera") if t.case_id == case.id]
    return [services.task_data(t) for t in tasks]


def test_the_value_set_on_a_failed_pre_script_is_what_its_retry_sees(office):
    """``d`` is in the case's data (0): the retry no longer inherits it back."""
    case = _start(office, "plain", _review(_pre("y = 10 / d")), {"d": 0})
    incident = _incident(office, case)
    assert incident.element_id == "u" and incident.values == {"d": 0}
    assert _repair(office, case, "d", 2) is None
    [seen] = _reviews(office, case)
    assert (seen["d"], seen["y"]) == (2, 5)
    complete(office, case, "vera", "Review")
    assert restored(office, case).status == "completed"


def test_a_wrong_value_fails_again_and_the_next_repair_still_holds(office):
    case = _start(office, "twice", _review(_pre("y = 10 / d")), {"d": 0})
    again = _repair(office, case, "d", 0)
    assert again is not None and "pre-script" in again.message
    assert _repair(office, case, "d", 5) is None
    assert [seen["y"] for seen in _reviews(office, case)] == [2]


@pytest.mark.parametrize("sequential", [False, True])
def test_instances_failing_as_their_loop_creates_them_are_repaired_on_the_loop(office, sequential):
    """The first instance's pre-script fails: the loop is the failed step (a parallel
    loop would otherwise lose its later instances); setting ``d`` on it and retrying
    creates both instances, each running its pre-script on the repaired value."""
    cardinality = "<bpmn:loopCardinality>2</bpmn:loopCardinality>"
    task = _review(_pre("y = 10 / d"), _multi(sequential, True, cardinality))
    case = _start(office, f"instances{sequential}", task, {"d": 0})
    incident = _incident(office, case)
    assert incident.element_id == "u" and "pre-script" in incident.message
    assert _repair(office, case, "d", 2) is None
    assert [seen["y"] for seen in _reviews(office, case)] == [5] * (1 if sequential else 2)
    complete(office, case, "vera", "Review")
    complete(office, case, "vera", "Review")  # a sequential loop's second instance
    case = restored(office, case)
    assert case.status == "completed"
    assert not office.scalars(select(HumanTask).where(HumanTask.case_id == case.id)).all()


def test_an_instance_failing_on_its_own_item_is_repaired_by_setting_the_collection(office):
    """Only the second agency's item makes the pre-script fail: the loop's instances are
    undone, the administrator corrects the collection, both instances come again."""
    inner = (
        "<bpmn:loopDataInputRef>sizes</bpmn:loopDataInputRef>"
        '<bpmn:inputDataItem id="size" name="size"/>'
    )
    task = _review(_pre("share = 100 / size"), _multi(False, True, inner))
    case = _start(office, "items", task, {"sizes": [4, 0]})
    assert _incident(office, case).element_id == "u"
    assert _reviews(office, case) == []  # the first instance was undone too
    assert _repair(office, case, "sizes", "[4, 5]") is None
    assert sorted(seen["share"] for seen in _reviews(office, case)) == [20, 25]


def test_a_pre_script_around_the_whole_loop_is_repaired_the_same_way(office):
    cardinality = "<bpmn:loopCardinality>2</bpmn:loopCardinality>"
    task = _review(_pre("y = 10 / d"), _multi(False, False, cardinality))
    case = _start(office, "around", task, {"d": 0})
    assert _repair(office, case, "d", 2) is None
    assert [seen["y"] for seen in _reviews(office, case)] == [5, 5]


def test_a_later_instance_of_a_sequential_loop_is_repaired_on_itself(office):
    """The second instance fails once the first is done (the loop is running): the
    instance is the failed step, and the value set on it is what it sees."""
    inner = (
        "<bpmn:loopDataInputRef>sizes</bpmn:loopDataInputRef>"
        '<bpmn:inputDataItem id="size" name="size"/>'
    )
    task = _review(_pre("share = 100 / (size + d)"), _multi(True, True, inner))
    case = _start(office, "later", task, {"sizes": [4, 0], "d": 0})
    complete(office, case, "vera", "Review", {})
    incident = _incident(office, case)
    assert incident.values == {"d": 0, "size": 0}
    assert _repair(office, case, "d", 0) is not None  # the same value: fails again
    assert _repair(office, case, "d", 5) is None
    assert [seen["share"] for seen in _reviews(office, case)] == [20]
    complete(office, case, "vera", "Review", {})
    assert restored(office, case).status == "completed"


def test_skipping_a_task_whose_post_script_failed_does_not_run_it_again(office):
    """The post-script fails when the review completes; the administrator skips the
    review to the next task: the case moves on, with no new incident."""
    task = _review("<spiffworkflow:postScript>y = 10 / d</spiffworkflow:postScript>")
    after = '<bpmn:userTask id="a" name="Approve" camunda:candidateGroups="verifier"/>'
    case = _start(office, "post", task, {"d": 0}, after=after)
    complete(office, case, "vera", "Review")
    incident = _incident(office, case)
    assert "post-script" in incident.message
    restored(office, case)
    assert incidents.skip(office, incident.id, "a", actor="admin") is None
    office.commit()
    case = restored(office, case)
    assert case.status == "running"
    assert [
        t.name for t in office.scalars(select(HumanTask).where(HumanTask.case_id == case.id))
    ] == ["Approve"]
    assert "y" not in services.case_data(case)


def test_an_iteration_of_a_standard_loop_is_repaired_on_itself(office):
    """A standard loop starts before it creates its iteration: the iteration is the
    failed step, and the next iteration inherits the repaired value from it."""
    loop = (
        '<bpmn:standardLoopCharacteristics spiffworkflow:scriptsOnInstances="true" '
        'loopMaximum="2"/>'
    )
    case = _start(office, "standard", _review(_pre("y = 10 / d"), loop), {"d": 0})
    assert _repair(office, case, "d", 2) is None
    assert [seen["y"] for seen in _reviews(office, case)] == [5]
    complete(office, case, "vera", "Review")
    assert [seen["y"] for seen in _reviews(office, case)] == [5]
    complete(office, case, "vera", "Review")
    assert restored(office, case).status == "completed"
