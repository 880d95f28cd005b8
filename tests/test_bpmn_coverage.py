"""BPMN features permitflow accepts: one small model each in ``tests/bpmn_features/``.

Each model is validated (no errors), deployed and run to its end through the engine
facade, the workflow restored from the database before every step.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from engine import services
from engine.calendar import clock
from engine.errors import InvalidBpmn, InvalidFormData
from engine.validation.process import format_report, has_errors, validate_file
from engine.workflow import runtime

FEATURES = Path(__file__).parent / "bpmn_features"


def read(name: str) -> bytes:
    return (FEATURES / name).read_bytes()


def codes(name: str, severity: str) -> set[str]:
    _, problems = validate_file(read(name), name)
    return {p.code for p in problems if p.severity == severity}


def deploy(session, name: str):
    """Validate (no errors) and deploy ``name``; the deployed definition."""
    _, problems = validate_file(read(name), name)
    assert not has_errors(problems), format_report(problems)
    definition, _ = services.deploy(session, read(name), source=name, deployed_by="designer")
    session.commit()
    return definition


@pytest.fixture
def office(session):
    for username, roles in [
        ("vera", ["verifier"]),
        ("tina", ["technical"]),
        ("hana", ["head"]),
        ("admin", ["admin"]),
    ]:
        services.create_user(session, username, roles=roles)
    session.commit()
    return session


def restored(session, case):
    """The case as stored: live workflows forgotten, rows reloaded."""
    runtime.forget_live_workflows()
    session.expire_all()
    return services.get_case(session, case.tracking_code)


def inbox(session, case, user: str) -> list[str]:
    """Names of the open tasks of ``case`` that ``user`` sees in the inbox."""
    case = restored(session, case)
    return sorted(t.name for t in services.tasks_for_user(session, user) if t.case_id == case.id)


def complete(session, case, user: str, name: str, data: dict | None = None) -> None:
    """``user`` completes the open task ``name`` of ``case`` (restored first)."""
    case = restored(session, case)
    [task] = [
        t for t in services.tasks_for_user(session, user) if t.case_id == case.id and t.name == name
    ][:1]
    services.complete_task(session, task.id, user, data or {})
    session.commit()


def status(session, case) -> str:
    return restored(session, case).status


# -- accepted is deployable -------------------------------------------------------------


def test_roles_without_lanes_from_candidate_groups(office):
    assert {"not_executable", "user_task_without_role"} <= codes(
        "roles_without_lanes.bpmn", "warning"
    )
    deploy(office, "roles_without_lanes.bpmn")
    case = services.start_case(office, "roles_without_lanes", {}, started_by="vera")
    office.commit()
    assert inbox(office, case, "vera") == ["Verify"]
    assert inbox(office, case, "tina") == []
    complete(office, case, "vera", "Verify", {"complete": True})
    assert inbox(office, case, "vera") == [] and inbox(office, case, "admin") == ["Archive"]
    complete(office, case, "admin", "Archive")
    assert status(office, case) == "completed"


def test_a_data_store_is_refused_by_validation_naming_it(office):
    _, problems = validate_file(read("data_store.bpmn"), "data_store.bpmn")
    [problem] = [p for p in problems if p.severity == "error"]
    assert problem.element_id == "registry_ref" and "(dataStoreReference)" in problem.message
    with pytest.raises(InvalidBpmn, match="dataStoreReference"):
        services.deploy(office, read("data_store.bpmn"), source="data_store.bpmn")


def test_what_spiffworkflow_refuses_is_a_validation_error_naming_the_element():
    data = read("roles_without_lanes.bpmn").replace(
        b'<bpmn:sequenceFlow id="f3" sourceRef="archive" targetRef="end"/>',
        b'<bpmn:sequenceFlow id="f3" sourceRef="archive" targetRef="end"/>'
        b'<bpmn:callActivity id="call" name="Call"/>'
        b'<bpmn:sequenceFlow id="f4" sourceRef="archive" targetRef="call"/>'
        b'<bpmn:sequenceFlow id="f5" sourceRef="call" targetRef="end"/>',
    )
    _, problems = validate_file(data, "t.bpmn")
    assert has_errors(problems)
    assert any(p.element_id == "call" for p in problems if p.severity == "error")


def test_pre_and_post_scripts_on_events_are_refused_by_element():
    """On tasks they run (tests/test_pre_post_scripts.py); SpiffArena runs none on events."""
    data = read("roles_without_lanes.bpmn").replace(
        b'<bpmn:endEvent id="end"/>',
        b'<bpmn:endEvent id="end"><bpmn:extensionElements>'
        b'<spiffworkflow:preScript xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core">'
        b"x = 1</spiffworkflow:preScript></bpmn:extensionElements></bpmn:endEvent>",
    )
    _, problems = validate_file(data, "t.bpmn")
    [problem] = [p for p in problems if p.code == "extension_script"]
    assert problem.severity == "error" and problem.element_id == "end"
    assert "preScript" in problem.message and "script task" in problem.message


# -- multi-instance ------------------------------------------------------------------


def test_multi_instance_reviews_one_task_per_agency_then_sequential_signatures(office):
    deploy(office, "multi_instance_reviews.bpmn")
    case = services.start_case(office, "multi_instance_reviews", {"applicant_name": "Siti"})
    office.commit()
    assert inbox(office, case, "tina") == ["Technical review"] * 3  # Fire, Environment, Transport
    assert inbox(office, case, "hana") == []
    for _ in range(3):
        complete(office, case, "tina", "Technical review", {"approved": True})
    assert services.case_data(restored(office, case))["verdicts"] == [True, True, True]
    complete(office, case, "hana", "Sign")  # the head...
    assert inbox(office, case, "hana") == ["Sign"]  # ...then the secretary, one at a time
    complete(office, case, "hana", "Sign")
    assert status(office, case) == "completed"


def test_multi_instance_completion_condition_stops_the_other_instances(office):
    deploy(office, "multi_instance_reviews.bpmn")
    case = services.start_case(office, "multi_instance_reviews", {"applicant_name": "Siti"})
    office.commit()
    complete(office, case, "tina", "Technical review", {"approved": False})
    assert inbox(office, case, "tina") == []
    assert inbox(office, case, "hana") == ["Sign"]


# -- events and loops ------------------------------------------------------------------


def test_a_signal_thrown_on_one_branch_is_caught_on_the_other(office):
    deploy(office, "signals.bpmn")
    case = services.start_case(office, "signals", {})
    office.commit()
    assert inbox(office, case, "vera") == []  # the archive waits for the signal
    complete(office, case, "tina", "Inspect")
    complete(office, case, "vera", "Archive")
    assert status(office, case) == "completed"


@pytest.mark.parametrize(("risk", "outcome"), [(5, "Reviewed by the head"), (2, "Checked")])
def test_an_escalation_interrupts_the_check_for_the_head(office, risk, outcome):
    deploy(office, "escalation.bpmn")
    case = services.start_case(office, "escalation", {})
    office.commit()
    complete(office, case, "tina", "Assess risk", {"risk": risk})
    if risk > 3:
        complete(office, case, "hana", "Head review")
    case = restored(office, case)
    assert (case.status, case.outcome) == ("completed", outcome)


def test_a_standard_loop_repeats_while_its_condition_holds(office):
    deploy(office, "standard_loop.bpmn")
    case = services.start_case(office, "standard_loop", {"copies": 3})
    office.commit()
    for _ in range(3):
        assert inbox(office, case, "vera") == ["Stamp a copy"]
        complete(office, case, "vera", "Stamp a copy")
    assert status(office, case) == "completed"
    assert services.case_data(restored(office, case))["stamped"] == 3


def test_a_non_interrupting_event_sub_process_adds_work_and_never_holds_the_case(office):
    deploy(office, "event_subprocess.bpmn")
    case = services.start_case(office, "event_subprocess", {})
    office.commit()
    clock.advance(timedelta(days=2, minutes=1))
    services.tick(office)
    office.commit()
    assert inbox(office, case, "hana") == ["Remind the verifier"]
    assert inbox(office, case, "vera") == ["Check documents"]  # the check goes on
    complete(office, case, "hana", "Remind the verifier")
    complete(office, case, "vera", "Check documents", {"complete": True})
    assert status(office, case) == "completed"
    # a case whose reminder never fired ends with its main flow
    other = services.start_case(office, "event_subprocess", {})
    office.commit()
    complete(office, other, "vera", "Check documents", {"complete": True})
    assert status(office, other) == "completed"


def test_a_receive_task_stores_only_the_declared_reply(office):
    deploy(office, "receive_send.bpmn")
    case = services.start_case(office, "receive_send", {})
    office.commit()
    case = restored(office, case)
    services.deliver_message(office, case, "reply", {"answer": "yes", "fee": 1})
    office.commit()
    case = restored(office, case)
    assert (case.status, case.outcome) == ("completed", "Agreed")
    assert services.case_data(case) == {"answer": "yes"}


@pytest.mark.parametrize("path", sorted(FEATURES.glob("*.bpmn")), ids=lambda p: p.stem)
def test_the_simulator_runs_every_feature_model(path):
    from engine.bpmn.reader import load_bpmn_file
    from simulations.des.simulator import simulate_once
    from simulations.params.model import SimParams

    result = simulate_once(load_bpmn_file(path), SimParams(cases=10), seed=1)
    assert result is not None


# -- DMN business rule tasks -----------------------------------------------------------

DMN = {"fees.dmn": (FEATURES / "fees.dmn").read_bytes()}


@pytest.mark.parametrize(
    ("building_type", "floor_area", "fee", "risk"),
    [
        ("house", 80, 500000, "low"),
        ("house", 200, 1200000, "medium"),
        ("shop", 50, 2500000, "high"),
    ],
)
def test_a_business_rule_task_computes_fee_and_risk_with_a_dmn_table(
    office, building_type, floor_area, fee, risk
):
    _, problems = validate_file(read("business_rule.bpmn"), "business_rule.bpmn", dmn_files=DMN)
    assert not has_errors(problems), format_report(problems)
    services.deploy(office, read("business_rule.bpmn"), source="business_rule.bpmn", dmn_files=DMN)
    office.commit()
    start = {"building_type": building_type, "floor_area": floor_area}
    case = services.start_case(office, "business_rule", start)
    office.commit()
    data = services.case_data(restored(office, case))
    assert (data["fee"], data["risk"]) == (fee, risk)
    if risk == "high":
        complete(office, case, "hana", "Head approval")
    assert status(office, case) == "completed"


def test_a_changed_dmn_table_is_a_new_version(office):
    first, _ = services.deploy(office, read("business_rule.bpmn"), dmn_files=DMN)
    cheaper = {"fees.dmn": DMN["fees.dmn"].replace(b">500000<", b">400000<")}
    second, created = services.deploy(office, read("business_rule.bpmn"), dmn_files=cheaper)
    assert created and second.version == first.version + 1


def test_a_business_rule_task_needs_its_dmn_file():
    _, problems = validate_file(read("business_rule.bpmn"), "business_rule.bpmn")
    [problem] = [p for p in problems if p.code == "unknown_decision"]
    assert problem.severity == "error" and "'fees'" in problem.message
    assert problem.element_id == "compute_fee"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (b"&lt;= 100", None),
        (b"__import__('os')", "is not available"),
        (b"[1..5]", "FEEL ranges"),
        (b"&lt;= 9**9**9**9", "cannot be computed"),
    ],
)
def test_every_dmn_cell_is_checked_like_an_expression(cell, expected):
    dmn = {
        "fees.dmn": DMN["fees.dmn"].replace(
            b"<text>&lt;= 100</text>", b"<text>" + cell + b"</text>"
        )
    }
    _, problems = validate_file(read("business_rule.bpmn"), "business_rule.bpmn", dmn_files=dmn)
    found = [p for p in problems if p.code == "invalid_decision"]
    if expected is None:
        assert found == []
    else:
        [problem] = found
        assert problem.severity == "error" and expected in problem.message
        assert "rule 1, input 2" in problem.message and problem.source == "fees.dmn"


# -- call activities -------------------------------------------------------------------


@pytest.mark.parametrize(("approved", "outcome"), [(True, "Issued"), (False, "Rejected")])
def test_a_called_process_keeps_its_lanes_and_forms(office, approved, outcome):
    deploy(office, "call_activity.bpmn")
    case = services.start_case(office, "call_activity", {"applicant_name": "Siti"})
    office.commit()
    assert inbox(office, case, "tina") == ["Assess the design"]  # the called process's lane
    assert inbox(office, case, "vera") == []
    [task] = services.open_tasks(office, restored(office, case))
    assert task.lane_name == "Technical" and task.role == "technical"
    assert [f.id for f in services.task_form(task)] == ["approved", "remarks"]
    with pytest.raises(InvalidFormData):
        services.complete_task(office, task.id, "tina", {"approved": approved})  # no remarks
    office.rollback()
    complete(office, case, "tina", "Assess the design", {"approved": approved, "remarks": "ok"})
    if approved:
        complete(office, case, "vera", "Issue the permit")
    case = restored(office, case)
    assert (case.status, case.outcome) == ("completed", outcome)
    assert services.case_data(case)["remarks"] == "ok"


def test_a_call_activity_passes_only_its_declared_data(office):
    deploy(office, "call_mapping.bpmn")
    case = services.start_case(office, "call_mapping", {"applicant_name": "Siti"})
    office.commit()
    running = runtime.open_case(restored(office, case))
    [review] = [
        t for t in runtime.all_tasks(running.workflow, 16) if t.task_spec.bpmn_id == "assess"
    ]
    assert review.data == {"applicant": "Siti (PBG)"}  # camunda:in only, not the caller's data
    complete(office, case, "tina", "Assess the design", {"approved": True, "remarks": "ok"})
    complete(office, case, "vera", "Issue the permit")
    case = restored(office, case)
    assert (case.status, case.outcome) == ("completed", "Issued")
    data = services.case_data(case)
    assert data["tech_approved"] is True and data["applicant_name"] == "Siti"
    assert "remarks" not in data and "approved" not in data  # camunda:out only


def test_a_call_activity_runs_a_deployed_procedure_pinned_at_deploy_time(office):
    with pytest.raises(InvalidBpmn, match="neither a process in this file nor a deployed"):
        services.deploy(office, read("calls_deployed.bpmn"), source="calls_deployed.bpmn")
    office.rollback()
    deploy(office, "called_review.bpmn")
    definition, _ = services.deploy(office, read("calls_deployed.bpmn"), source="c.bpmn")
    office.commit()
    renamed = read("called_review.bpmn").replace(b'name="Assess the design"', b'name="Assess v2"')
    services.deploy(office, renamed, source="called_review_v2.bpmn")  # after the pin
    office.commit()
    case = services.start_case(office, "calls_deployed", {"applicant_name": "Siti"})
    office.commit()
    assert inbox(office, case, "tina") == ["Assess the design"]  # version 1, its lane's role
    [task] = services.open_tasks(office, restored(office, case))
    assert (task.role, [f.id for f in services.task_form(task)]) == ("technical", ["approved"])
    complete(office, case, "tina", "Assess the design", {"approved": True})
    case = restored(office, case)
    assert (case.status, case.outcome) == ("completed", "Approved")
    assert services.case_data(case) == {"applicant_name": "Siti", "tech_approved": True}


def test_the_cli_deploys_a_dmn_file_beside_the_bpmn(sqlite_engine, monkeypatch, tmp_path):
    import shutil

    from click.testing import CliRunner

    from engine.cli import main

    url = sqlite_engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("PERMITFLOW_DATABASE_URL", url)
    alone = tmp_path / "business_rule.bpmn"  # no decision table beside it
    shutil.copy(FEATURES / "business_rule.bpmn", alone)
    bpmn_path, dmn_path = str(alone), str(FEATURES / "fees.dmn")
    refused = CliRunner().invoke(main, ["deploy", bpmn_path])
    assert refused.exit_code != 0 and "'fees'" in refused.output + (refused.stderr or "")
    result = CliRunner().invoke(main, ["deploy", bpmn_path, "--dmn", dmn_path])
    assert result.exit_code == 0, result.output
    assert "business_rule version 1 deployed" in result.output


@pytest.mark.parametrize("order", [["Verify", "Notify applicant"], ["Notify applicant", "Verify"]])
def test_a_task_without_outgoing_flow_ends_its_path(office, order):
    _, problems = validate_file(read("implicit_end.bpmn"), "implicit_end.bpmn")
    [warning] = [p for p in problems if p.code == "implicit_end"]
    assert warning.severity == "warning" and warning.element_id == "notify"
    assert "ends its path without an end event" in warning.message
    deploy(office, "implicit_end.bpmn")
    case = services.start_case(office, "implicit_end", {}, started_by="vera")
    office.commit()
    assert inbox(office, case, "vera") == ["Notify applicant", "Verify"]
    complete(office, case, "vera", order[0])
    assert inbox(office, case, "vera") == [order[1]]
    assert status(office, case) != "completed"
    complete(office, case, "vera", order[1])
    assert inbox(office, case, "vera") == []
    case = restored(office, case)
    assert case.status == "completed" and case.outcome == "Verified"


def test_a_case_ending_only_implicitly_is_completed_with_the_task_as_outcome(office):
    data = (
        read("implicit_end.bpmn")
        .replace(
            b'<bpmn:parallelGateway id="fork"/>', b'<bpmn:exclusiveGateway id="fork" default="f2"/>'
        )
        .replace(
            b'<bpmn:sequenceFlow id="f4" sourceRef="fork" targetRef="notify"/>',
            b'<bpmn:sequenceFlow id="f4" sourceRef="fork" targetRef="notify">'
            b"<bpmn:conditionExpression>1 == 1</bpmn:conditionExpression></bpmn:sequenceFlow>",
        )
    )
    services.deploy(office, data, source="implicit_end.bpmn", deployed_by="designer")
    case = services.start_case(office, "implicit_end", {}, started_by="vera")
    office.commit()
    assert inbox(office, case, "vera") == ["Notify applicant"]
    complete(office, case, "vera", "Notify applicant")
    case = restored(office, case)
    assert case.status == "completed" and case.outcome == "Notify applicant"


def test_an_intermediate_event_without_outgoing_flow_ends_its_path(office):
    data = read("implicit_end.bpmn").replace(
        b'<bpmn:userTask id="notify" name="Notify applicant" camunda:candidateGroups="verifier"/>',
        b'<bpmn:intermediateThrowEvent id="notify" name="Applicant notified"/>',
    )
    _, problems = validate_file(data, "implicit_end.bpmn")
    assert not has_errors(problems), format_report(problems)
    services.deploy(office, data, source="implicit_end.bpmn", deployed_by="designer")
    case = services.start_case(office, "implicit_end", {}, started_by="vera")
    office.commit()
    assert inbox(office, case, "vera") == ["Verify"]
    complete(office, case, "vera", "Verify")
    case = restored(office, case)
    assert case.status == "completed" and case.outcome == "Verified"


def test_unnamed_messages_and_signals_are_known_by_their_id(office):
    """BPMN makes a message's and a signal's name optional (MIWG C.2.0 has unnamed ones):
    SpiffWorkflow 3.2 failed on them with a TypeError of its own; they now run under
    their id."""
    text = read("receive_send.bpmn").replace(b' name="reply"', b"").replace(b' name="notice"', b"")
    definition, _ = services.deploy(office, text, source="unnamed.bpmn", deployed_by="designer")
    office.commit()
    case = services.start_case(office, definition.key, {})
    office.commit()
    services.deliver_message(office, restored(office, case), "msg_reply", {"answer": "yes"})
    office.commit()
    assert (restored(office, case).status, restored(office, case).outcome) == (
        "completed",
        "Agreed",
    )
    signals = read("signals.bpmn").replace(b' name="inspected"', b"")
    definition, _ = services.deploy(office, signals, source="s.bpmn", deployed_by="designer")
    office.commit()
    case = services.start_case(office, definition.key, {})
    office.commit()
    complete(office, case, "tina", "Inspect")
    complete(office, case, "vera", "Archive")
    assert status(office, case) == "completed"
