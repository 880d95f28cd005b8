"""A boundary event without outgoing flow ends its path (BPMN's implicit end).

Validation warns (``implicit_end``) instead of refusing; at run time an interrupting one
cancels its activity and nothing follows it, a non-interrupting one leaves the activity
running. Model: ``tests/bpmn_features/boundary_implicit_end.bpmn``.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine import services
from engine.bpmn.reader import load_bpmn_file
from engine.calendar import clock
from engine.validation.process import format_report, has_errors, validate_file
from tests.test_bpmn_coverage import FEATURES, complete, deploy, inbox, read, restored

MODEL = "boundary_implicit_end.bpmn"
KEY = "boundary_implicit_end"


@pytest.fixture
def office(session):
    services.create_user(session, "vera", roles=["verifier"])
    session.commit()
    return session


def _pass_the_deadline(session) -> None:
    clock.advance(timedelta(days=2, minutes=1))
    services.tick(session)
    session.commit()


def test_a_boundary_event_without_outgoing_flow_is_a_warning_naming_it():
    _, problems = validate_file(read(MODEL), MODEL)
    assert not has_errors(problems), format_report(problems)
    warnings = {p.element_id: p for p in problems if p.code == "implicit_end"}
    assert set(warnings) == {"deadline", "reminded"}
    assert all(w.severity == "warning" for w in warnings.values())
    assert "'Deadline passed' ends its path without an end event" in warnings["deadline"].message


def test_an_interrupting_boundary_event_cancels_the_activity_and_its_path_ends(office):
    deploy(office, MODEL)
    case = services.start_case(office, KEY, {})
    office.commit()
    assert inbox(office, case, "vera") == ["Notify applicant", "Review"]
    _pass_the_deadline(office)
    assert inbox(office, case, "vera") == ["Notify applicant"]  # the review was cancelled
    assert restored(office, case).status == "running"  # the notification still runs
    complete(office, case, "vera", "Notify applicant")
    case = restored(office, case)
    assert (case.status, case.outcome) == ("completed", "Notified")


def test_a_case_whose_only_path_ends_at_a_boundary_event_completes(office):
    data = (
        read(MODEL)
        .replace(b'<bpmn:sequenceFlow id="f4" sourceRef="fork" targetRef="notify"/>', b"")
        .replace(b'<bpmn:sequenceFlow id="f5" sourceRef="notify" targetRef="end_notified"/>', b"")
    )
    data = data.replace(
        b'<bpmn:userTask id="notify" name="Notify applicant" camunda:candidateGroups="verifier"/>',
        b"",
    )
    data = data.replace(b'<bpmn:endEvent id="end_notified" name="Notified"/>', b"")
    _, problems = validate_file(data, MODEL)
    assert not has_errors(problems), format_report(problems)
    services.deploy(office, data, source=MODEL, deployed_by="designer")
    case = services.start_case(office, KEY, {})
    office.commit()
    assert inbox(office, case, "vera") == ["Review"]
    _pass_the_deadline(office)
    assert inbox(office, case, "vera") == []
    case = restored(office, case)
    assert (case.status, case.outcome) == ("completed", "Deadline passed")


def test_a_non_interrupting_boundary_event_ends_its_path_and_the_activity_goes_on(office):
    deploy(office, MODEL)
    case = services.start_case(office, KEY, {})
    office.commit()
    services.deliver_message(office, restored(office, case), "reminder", {})
    office.commit()
    assert inbox(office, case, "vera") == ["Notify applicant", "Review"]
    complete(office, case, "vera", "Notify applicant")
    complete(office, case, "vera", "Review")
    case = restored(office, case)
    assert (case.status, case.outcome) == ("completed", "Reviewed")


def test_the_simulator_runs_the_model():
    from simulations.des.simulator import simulate_once
    from simulations.params.model import SimParams

    result = simulate_once(load_bpmn_file(FEATURES / MODEL), SimParams(cases=20), seed=1)
    assert result is not None
