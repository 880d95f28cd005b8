"""Every procedure in processes/ down every path to its end, persisted.

Each task is done by a clerk of its own lane, and the live-workflow cache is dropped
after every step, so each step restores the case from its stored state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from engine import services
from engine.calendar import clock
from engine.demo import fill
from engine.workflow import runtime
from tests.conftest import PROCESSES

ROLES = [
    "front_office",
    "verifier",
    "technical_team",
    "inspector",
    "cashier",
    "head_of_office",
    "complaint_admin",
    "responsible_unit",
    "registration_officer",
    "data_verifier",
    "recording_operator",
    "printing_officer",
]


@dataclass
class Path:
    key: str
    start: dict[str, Any]
    answers: dict[str, list[dict[str, Any]]]
    outcome: str
    visits: list[str] = field(default_factory=list)  # elements that must be done
    skips: list[str] = field(default_factory=list)  # elements that must not be done
    events: list[tuple[str, Any]] = field(default_factory=list)  # when nothing is open
    wait_at: tuple[str, ...] = ()  # tasks left undone: the next event happens instead


PBG = {
    "applicant_name": "Siti",
    "nik": "3174000000000001",
    "phone": "081234567890",
    "email": "siti@example.id",
    "building_function": "hunian",
    "floors": 1,
    "floor_area": 120,
    "land_certificate": "shm.pdf",
    "building_plan": "plan.pdf",
}

PATHS = {
    "pbg-issued-small-building": Path(
        "building_approval",
        PBG,
        {
            "verify_documents": [{"decision": "complete"}],
            "technical_review": [{"technical_decision": "approve"}],
            "confirm_payment": [{"payment_received": True}],
            "sign_permit": [{"signed": True}],
        },
        "Permit issued",
        visits=["fee_assessment", "issue_permit"],
        skips=["field_inspection"],
    ),
    "pbg-issued-after-every-loop": Path(
        "building_approval",
        PBG | {"floor_area": 800, "floors": 3},
        {
            "verify_documents": [{"decision": "incomplete"}, {"decision": "complete"}],
            "technical_review": [
                {"technical_decision": "revise"},
                {"technical_decision": "approve"},
            ],
            "field_inspection": [{"site_matches_plan": False}, {"site_matches_plan": True}],
            "confirm_payment": [{"payment_received": False}, {"payment_received": True}],
            "sign_permit": [{"signed": False}, {"signed": True}],
        },
        "Permit issued",
        visits=[
            "notify_missing_documents",
            "request_plan_revision",
            "field_inspection",
            "issue_permit",
        ],
    ),
    "pbg-rejected": Path(
        "building_approval",
        PBG,
        {
            "verify_documents": [{"decision": "complete"}],
            "technical_review": [{"technical_decision": "reject"}],
        },
        "Application rejected",
        skips=["fee_assessment"],
    ),
    "pbg-cancelled-for-non-payment": Path(
        "building_approval",
        PBG,
        {
            "verify_documents": [{"decision": "complete"}],
            "technical_review": [{"technical_decision": "approve"}],
        },
        "Cancelled for non-payment",
        skips=["sign_permit", "confirm_payment"],
        events=[("days", 15)],
        wait_at=("confirm_payment",),
    ),
    "licence-issued": Path(
        "business_license",
        {
            "risk_level": "menengah_tinggi",
            "business_category": "perdagangan",
            "zone": "perdagangan_jasa",
        },
        {
            "verify_documents": [{"decision": "complete"}],
            "sector_review": [{"technical_decision": "approve"}],
            "sign_license": [{"signed": True}],
        },
        "Licence issued",
        visits=["publish_license"],
    ),
    "licence-zoning-refused": Path(
        "business_license",
        {"risk_level": "tinggi", "business_category": "industri", "zone": "perumahan"},
        {
            "verify_documents": [{"decision": "incomplete"}, {"decision": "complete"}],
            "sector_review": [{"technical_decision": "approve"}],
        },
        "Application rejected",
        visits=["notify_missing_documents"],
        skips=["sign_license"],
    ),
    "licence-sector-refused": Path(
        "business_license",
        {"risk_level": "tinggi", "business_category": "jasa", "zone": "campuran"},
        {
            "verify_documents": [{"decision": "complete"}],
            "sector_review": [{"technical_decision": "reject"}],
        },
        "Application rejected",
        skips=["sign_license"],
    ),
    "licence-signature-refused": Path(
        "business_license",
        {"risk_level": "tinggi", "business_category": "jasa", "zone": "campuran"},
        {
            "verify_documents": [{"decision": "complete"}],
            "sector_review": [{"technical_decision": "approve"}],
            "sign_license": [{"signed": False}],
        },
        "Application rejected",
        visits=["sign_license"],
        skips=["publish_license"],
    ),
    "ktp-new-applicant": Path(
        "resident_id_card",
        {"application_type": "baru"},
        {"verify_population_data": [{"data_check": "match"}]},
        "KTP-el handed over",
        visits=["record_biometrics", "print_card", "hand_over_card"],
    ),
    "ktp-replacement-with-correction": Path(
        "resident_id_card",
        {"application_type": "rusak"},
        {"verify_population_data": [{"data_check": "mismatch"}, {"data_check": "match"}]},
        "KTP-el handed over",
        visits=["correct_population_data"],
        skips=["record_biometrics"],
    ),
    "complaint-not-admissible": Path(
        "complaint",
        {"channel": "lapor", "service_concerned": "pbg"},
        {"verify_and_forward": [{"verification": "not_admissible"}]},
        "Closed as not admissible",
        skips=["follow_up"],
    ),
    "complaint-answered-and-closed": Path(
        "complaint",
        {"channel": "loket", "service_concerned": "ktp_el"},
        {
            "verify_and_forward": [{"verification": "forward"}],
            "review_response": [{"response_assessment": "satisfied"}],
        },
        "Complaint closed",
        visits=["publish_follow_up", "review_response"],
        events=[("message", "complainant_response")],
    ),
    "complaint-reopened-then-auto-closed": Path(
        "complaint",
        {"channel": "surel", "service_concerned": "izin_usaha"},
        {
            "verify_and_forward": [{"verification": "forward"}],
            "review_response": [{"response_assessment": "reopen"}],
        },
        "Closed automatically",
        visits=["review_response"],
        events=[("message", "complainant_response"), ("days", 16)],
    ),
    "complaint-escalated-when-late": Path(
        "complaint",
        {"channel": "whatsapp", "service_concerned": "lainnya"},
        {"verify_and_forward": [{"verification": "not_admissible"}]},
        "Closed as not admissible",
        visits=["escalate_verify_and_forward"],
        events=[],
    ),
}


@pytest.fixture
def clerks(session):
    for role in ROLES:
        services.create_user(session, role.replace("_", "-"), roles=[role])
    for path in sorted(PROCESSES.glob("*.bpmn")):
        data = path.read_bytes()
        dmn = services.decisions_beside(path, data) or None
        services.deploy(session, data, source=path.name, dmn_files=dmn)
    session.commit()
    return session


def _do_task(session, task, path: Path, done: list[str]) -> None:
    queue = path.answers.get(task.element_id)
    answer = (queue.pop(0) if len(queue) > 1 else queue[0]) if queue else {}
    data = fill(services.task_form(task)) | answer
    clerk = task.role.replace("_", "-")
    assert services.tasks_for_user(session, clerk), (
        f"{task.name} is not in the inbox of {task.role}"
    )
    services.complete_task(session, task.id, clerk, data)
    done.append(task.element_id)


def _next_event(session, case, path: Path) -> None:
    assert path.events, f"case stuck at {case.current_step!r} with nothing left to do"
    kind, value = path.events.pop(0)
    if kind == "days":
        clock.advance(timedelta(days=value))
        services.tick(session)
    else:
        services.deliver_message(session, case, value, {"response": "Terima kasih"})


def _start(session, path: Path):
    model = services.load_deployed_model(session, path.key)
    data = fill(services.start_form(model.processes[path.key])) | path.start
    case = services.start_case(session, path.key, data, started_by="applicant")
    session.commit()
    return case


def run_path(session, path: Path) -> tuple[Any, list[str]]:
    path = Path(
        path.key,
        dict(path.start),
        {k: list(v) for k, v in path.answers.items()},
        path.outcome,
        path.visits,
        path.skips,
        list(path.events),
        path.wait_at,
    )
    case = _start(session, path)
    done: list[str] = []
    for _step in range(60):
        runtime.forget_live_workflows()  # every step restores from the stored state
        case = services.get_case(session, case.id)
        if case.status != "running":
            break
        open_tasks = [
            t for t in services.open_tasks(session, case) if t.element_id not in path.wait_at
        ]
        if open_tasks:
            _do_task(session, open_tasks[0], path, done)
        else:
            _next_event(session, case, path)
        session.commit()
    return case, done


@pytest.mark.parametrize("name", sorted(PATHS))
def test_procedure_path(clerks, name):
    path = PATHS[name]
    if name == "complaint-escalated-when-late":
        return _escalation_path(clerks, path)
    case, done = run_path(clerks, path)
    assert case.status == "completed", f"{name}: {case.status} at {case.current_step}"
    assert case.outcome == path.outcome
    assert all(v in done for v in path.visits), (path.visits, done)
    assert not any(s in done for s in path.skips), (path.skips, done)
    assert services.open_tasks(clerks, case) == []


def _escalation_path(session, path: Path) -> None:
    case = _start(session, path)
    clock.advance(timedelta(days=6))  # more than 3 working days, whatever the weekday
    assert [f.element_id for f in services.tick(session)] == ["verify_and_forward_deadline"]
    session.commit()
    names = sorted(t.element_id for t in services.open_tasks(session, case))
    assert names == ["escalate_verify_and_forward", "verify_and_forward"]
    case, done = run_path_from(session, case, path)
    assert "escalate_verify_and_forward" in done and case.status == "completed"


def run_path_from(session, case, path: Path):
    done: list[str] = []
    for _step in range(20):
        runtime.forget_live_workflows()
        case = services.get_case(session, case.id)
        open_tasks = services.open_tasks(session, case)
        if case.status != "running" or not open_tasks:
            break
        _do_task(session, open_tasks[0], path, done)
        session.commit()
    return case, done


def test_every_procedure_end_is_reached_by_a_path():
    from engine.bpmn.reader import load_bpmn_file
    from tests.test_bundle import PATHS as BUNDLE_PATHS  # the bundle and signage permit

    outcomes = {p.outcome for p in [*PATHS.values(), *BUNDLE_PATHS.values()]}
    outcomes |= {"Escalation handled"}
    for bpmn in PROCESSES.glob("*.bpmn"):
        model = load_bpmn_file(bpmn)
        ends = {n.name for n in model.main_process().nodes.values() if n.kind == "endEvent"}
        assert ends <= outcomes, f"{bpmn.name}: no path test reaches {ends - outcomes}"
