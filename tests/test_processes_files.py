"""The procedures shipped in ``processes/``: well-formed, drawn, staffed and runnable.

Each file must parse with SpiffWorkflow's Camunda parser, draw every element, put every
user task in a lane with a role, publish a service standard, and run down one happy
path in bare SpiffWorkflow with permitflow's safe script engine. (Every path through
the persisted engine is tested elsewhere.)
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from lxml import etree
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
from SpiffWorkflow.camunda.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from engine.bpmn.model import HUMAN_KINDS

PROCESSES = Path(__file__).resolve().parents[1] / "processes"
KEYS = ["building_approval", "business_license", "resident_id_card", "complaint"]
SUPPORTED_KINDS = {
    "startEvent",
    "endEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
    "task",
    "userTask",
    "manualTask",
    "scriptTask",
    "serviceTask",  # naming a registered connector (pf:connector), see engine/integration
    "subProcess",
    "callActivity",
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
    "eventBasedGateway",
}
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
APPLICANT = {
    "applicant_name": "Siti Rahmawati",
    "nik": "3174056501900002",
    "phone": "081234567890",
    "email": "siti@example.id",
}

# One happy path per procedure: start form data, then the answers of each user task in
# the order the task comes up (a list when the task comes up more than once).
IDENTITY = {  # the population registry's answer, mapped (the service task's outputs)
    "nik_match": True,
    "registry_note": "",
    "registry_name": "SITI RAHAYU",
    "registry_birth_date": "1990-01-01",
    "registry_address": "JL. ASIA AFRIKA NO. 8, BANDUNG",
}
HAPPY_PATHS = {
    "building_approval": (
        {
            **APPLICANT,
            "building_address": "Jl. Merdeka No. 10, Bandung",
            "building_function": "usaha",
            "floor_area": 650,
            "floors": 3,
            "land_certificate": "shm.pdf",
            "building_plan": "plan.pdf",
        },
        {
            "fetch_identity": IDENTITY,
            "register_application": {"documents_received": True},
            "verify_documents": [{"decision": "incomplete"}, {"decision": "complete"}],
            "notify_missing_documents": {"revised_documents_received": True},
            "technical_review": {"technical_decision": "approve"},
            "field_inspection": {
                "inspection_date": "2025-03-04",
                "site_matches_plan": True,
                "inspection_report": "report.pdf",
            },
            "fee_assessment": {"fee_amount": 12_500_000},
            "confirm_payment": {"payment_received": True, "payment_reference": "NTPD-1"},
            "sign_permit": {"signed": True},
            "issue_permit": {"permit_number": "PBG-3273-01", "issued_on": "2025-03-20"},
        },
        "end_issued",
    ),
    "business_license": (
        {
            **APPLICANT,
            "company_name": "CV Maju Jaya",
            "nib": "1234567890123",
            "kbli": "47111",
            "risk_level": "menengah_tinggi",
            "business_category": "perdagangan",
            "business_address": "Jl. Asia Afrika No. 5, Bandung",
            "zone": "perdagangan_jasa",
            "kkpr_document": "kkpr.pdf",
            "environmental_approval": "sppl.pdf",
        },
        {
            "fetch_identity": IDENTITY,
            "fetch_business": {"nib_found": False, "oss_note": "NIB tidak ditemukan di OSS"},
            "register_application": {"oss_reference": "OSS-2025-0001"},
            "verify_documents": {"decision": "complete"},
            "sector_review": {"technical_decision": "approve"},
            "sign_license": {"signed": True},
            "publish_license": {"license_number": "IU-01", "published_on": "2025-03-10"},
        },
        "end_issued",
    ),
    "resident_id_card": (
        {
            "applicant_name": "Budi Santoso",
            "nik": "3273011201070001",
            "kk_number": "3273010101070009",
            "birth_date": "2007-01-12",
            "phone": "081298765432",
            "application_type": "baru",
            "kk_scan": "kk.pdf",
        },
        {
            "register_application": {"documents_checked": True},
            "verify_population_data": [{"data_check": "mismatch"}, {"data_check": "match"}],
            "correct_population_data": {
                "correction_document": "kk-baru.pdf",
                "correction_note": "Birth date corrected",
            },
            "record_biometrics": {"biometrics_recorded": True},
            "print_card": {"card_serial": "B-0001"},
            "hand_over_card": {"received_by": "Budi Santoso", "handed_over_on": "2025-03-14"},
        },
        "end_handed_over",
    ),
    "complaint": (
        {
            "complainant_name": "Anonim",
            "channel": "lapor",
            "service_concerned": "pbg",
            "subject": "Loket PBG tutup",
            "description": "Loket PBG tutup pada jam layanan hari Senin.",
        },
        {
            "verify_and_forward": {"verification": "forward", "unit_name": "Bidang PBG"},
            "follow_up": {"follow_up_text": "Jadwal petugas loket telah diperbaiki mulai Selasa."},
            "publish_follow_up": {"published_on": "2025-03-12"},
            "review_response": {"response_assessment": "satisfied"},
        },
        "end_closed",
    ),
}


def _xml(key: str) -> bytes:
    return (PROCESSES / f"{key}.bpmn").read_bytes()


def _spec(key: str):
    parser = CamundaParser()
    parser.add_bpmn_str(_xml(key))
    return parser.get_spec(key)


@pytest.fixture(params=KEYS)
def key(request) -> str:
    return request.param


@pytest.fixture
def model(key):
    loader = importlib.import_module("engine.bpmn.reader")
    return loader.load_bpmn(_xml(key), f"{key}.bpmn")


def test_every_procedure_has_a_file():
    bundle = ["signage_permit", "small_business_bundle"]  # checked in tests/test_bundle.py
    assert sorted(p.stem for p in PROCESSES.glob("*.bpmn")) == sorted(KEYS + bundle)


def test_spiffworkflow_parses_the_file(key):
    spec = _spec(key)
    assert spec.name == key


def test_files_are_what_the_authoring_script_writes():
    authoring = importlib.import_module("processes.author")
    for path, content in authoring.render_all().items():
        assert path.read_bytes() == content, f"{path.name}: run python -m processes.author"


def test_every_flow_node_and_flow_is_drawn(key):
    root = etree.fromstring(_xml(key))
    drawn = {
        e.get("bpmnElement") for e in root.iter(f"{{{BPMNDI}}}BPMNShape", f"{{{BPMNDI}}}BPMNEdge")
    }
    process = root.find("{http://www.omg.org/spec/BPMN/20100524/MODEL}process")
    ids = {
        e.get("id")
        for e in process.iter()
        if etree.QName(e).localname in SUPPORTED_KINDS | {"sequenceFlow", "lane"}
    }
    assert ids and ids <= drawn


def test_only_supported_elements(model, key):
    process = model.processes[key]
    assert process.is_executable
    assert {n.kind for n in process.nodes.values()} <= SUPPORTED_KINDS
    assert not model.unsupported


def test_every_human_task_is_in_a_lane_with_a_role(model, key):
    process = model.processes[key]
    for node in process.nodes.values():
        if node.kind in HUMAN_KINDS:
            lane = process.lane_of(node.id)
            assert lane is not None and lane.role, node.id
            assert node.form_fields, f"{node.id} has no form"


def test_start_form_asks_the_applicant(model, key):
    (start,) = model.processes[key].start_events()
    assert start.form_fields
    assert any(f.required for f in start.form_fields)


def test_exclusive_gateways_have_conditions_or_a_default(model, key):
    process = model.processes[key]
    for node in process.nodes.values():
        if node.kind == "exclusiveGateway" and len(node.outgoing) > 1:
            for flow in process.outgoing(node.id):
                assert flow.condition or node.default_flow == flow.id, flow.id


def test_service_standard_is_published(model, key):
    standard = model.processes[key].service_standard
    assert standard is not None
    assert standard.code and standard.name and standard.product and standard.complaint_channel
    assert standard.max_days and 0 < standard.max_days <= 60
    assert standard.legal_basis and standard.requirements
    assert standard.fee.currency == "IDR" and standard.fee.description


def test_file_validates_without_problems(key):
    validation = importlib.import_module("engine.validation.process")
    _, problems = validation.validate_file(_xml(key), f"{key}.bpmn")
    assert problems == [], validation.format_report(problems)


def _answer(answers: dict, task_id: str) -> dict:
    answer = answers[task_id]
    if isinstance(answer, list):
        return answer.pop(0) if len(answer) > 1 else answer[0]
    return answer


def _run(key: str, start: dict, answers: dict, messages: list[str]) -> BpmnWorkflow:
    """Run the process, answering user tasks in turn and sending messages when stuck."""
    script_engine = importlib.import_module("engine.workflow.script_engine")
    workflow = BpmnWorkflow(_spec(key), script_engine=script_engine.SafeScriptEngine())
    workflow.get_next_task(state=TaskState.READY).data.update(start)
    for _ in range(100):
        workflow.do_engine_steps()
        if workflow.is_completed():
            break
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        calling = [  # a service task waits for its connector's answer (mapped outputs)
            t for t in workflow.get_tasks(state=TaskState.STARTED) if t.task_spec.bpmn_id in answers
        ]
        if calling:
            calling[0].data.update(_answer(answers, calling[0].task_spec.bpmn_id))
            calling[0].complete()
        elif ready:
            ready[0].data.update(_answer(answers, ready[0].task_spec.bpmn_id))
            ready[0].run()
        elif messages:
            payload = {"payload": {"response": "Terima kasih, sudah beres."}}  # Camunda style
            event = BpmnEvent(MessageEventDefinition(messages.pop(0)), payload=payload)
            workflow.send_event(event)
        else:
            break
    return workflow


def test_happy_path_runs_to_its_end(key):
    start, answers, end = HAPPY_PATHS[key]
    answers = {k: list(v) if isinstance(v, list) else v for k, v in answers.items()}
    messages = ["complainant_response"] if key == "complaint" else []
    workflow = _run(key, start, answers, messages)
    assert workflow.is_completed()
    done = {t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.COMPLETED)}
    assert end in done
