"""Execution semantics Camunda's own test models rely on, in small models of our own.

Each shape comes from a file of Camunda 7's engine tests (not committed here) that
permitflow accepted and then ran differently from BPMN, or crashed on. Every step
restores the case from the database.
"""

from __future__ import annotations

import pytest

from engine import services
from engine.validation.process import format_report, has_errors, validate_file
from tests.test_bpmn_coverage import complete, inbox, restored

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"'
    ' xmlns:camunda="http://camunda.org/schema/1.0/bpmn"'
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" targetNamespace="t">'
)


def model(body: str, key: str = "p") -> bytes:
    return f'{HEAD}<process id="{key}" isExecutable="true">{body}</process></definitions>'.encode()


def deploy(session, data: bytes):
    _, problems = validate_file(data, "t.bpmn")
    assert not has_errors(problems), format_report(problems)
    definition, _ = services.deploy(session, data, source="t.bpmn", deployed_by="designer")
    session.commit()
    return definition


@pytest.fixture
def office(session):
    services.create_user(session, "vera", roles=["verifier"])
    session.commit()
    return session


def _reviews(sequential: bool, condition: str) -> bytes:
    return model(
        '<startEvent id="s"/><sequenceFlow id="f0" sourceRef="s" targetRef="review"/>'
        '<userTask id="review" name="Review" camunda:candidateGroups="verifier">'
        f'<multiInstanceLoopCharacteristics isSequential="{str(sequential).lower()}">'
        "<loopCardinality>3</loopCardinality>"
        f"<completionCondition>{condition}</completionCondition>"
        "</multiInstanceLoopCharacteristics></userTask>"
        '<sequenceFlow id="f1" sourceRef="review" targetRef="decide"/>'
        '<userTask id="decide" name="Decide" camunda:candidateGroups="verifier"/>'
        '<sequenceFlow id="f2" sourceRef="decide" targetRef="e"/><endEvent id="e"/>'
    )


@pytest.mark.parametrize(
    ("sequential", "condition", "reviews"),
    [
        (True, "${nrOfCompletedInstances == 2}", 2),
        (False, "${nrOfCompletedInstances / nrOfInstances &gt;= 0.6}", 2),
        (False, "${nrOfActiveInstances == 1}", 2),
        (True, "${loopCounter == 0}", 1),
    ],
)
def test_a_completion_condition_reads_camundas_instance_counters(
    office, sequential, condition, reviews
):
    data = _reviews(sequential, condition)
    _, problems = validate_file(data, "t.bpmn")
    assert not [p for p in problems if p.code == "name_from_start_data"], format_report(problems)
    deploy(office, data)
    case = services.start_case(office, "p", {})
    office.commit()
    done = 0
    while "Review" in inbox(office, case, "vera"):
        complete(office, case, "vera", "Review")
        done += 1
    assert done == reviews
    assert inbox(office, case, "vera") == ["Decide"]
    assert restored(office, case).status == "running"
