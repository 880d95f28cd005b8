"""Service tasks call registered connectors in the background; never another host."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from engine import services
from engine.errors import InvalidBpmn
from engine.integration import calls, client, registry, stubs
from engine.office import incidents
from engine.storage.tables import ConnectorCallLog, ServiceCallRow

PF = "https://permitflow.org/schema/bpmn/1.0"


def _bpmn(service: str, key: str = "nik_check") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:pf="{PF}" id="defs" targetNamespace="http://example.org">
  <bpmn:process id="{key}" name="NIK check" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="L" name="Front Office">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>lookup</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>review</bpmn:flowNodeRef><bpmn:flowNodeRef>done</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"/>
    {service}
    <bpmn:userTask id="review" name="Review applicant"/>
    <bpmn:endEvent id="done"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="lookup"/>
    <bpmn:sequenceFlow id="f2" sourceRef="lookup" targetRef="review"/>
    <bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="done"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


GOOD = _bpmn(
    """<bpmn:serviceTask id="lookup" name="Verify NIK" pf:connector="population.nik_lookup">
      <bpmn:extensionElements>
        <pf:input name="nik" expression="applicant_nik"/>
        <pf:output name="nik_match" expression="match"/>
        <pf:output name="nik_reason" expression="reason"/>
        <pf:output name="applicant_name" expression="name"/>
        <pf:output name="applicant_address" expression="address"/>
      </bpmn:extensionElements>
    </bpmn:serviceTask>"""
)


@pytest.fixture(autouse=True)
def _calls_in_the_background(monkeypatch):
    """These tests watch the call happen after the commit, as in production."""
    monkeypatch.delenv("PERMITFLOW_CALLS_EAGER", raising=False)


@pytest.fixture
def stub():
    server = stubs.start()
    yield server
    server.shutdown()
    server.server_close()


def _register(session, base_url: str, retries: int = 2) -> None:
    registry.add_connector(
        session,
        "population",
        base_url,
        stubs.CONNECTOR_OPERATIONS["population"],
        retries=retries,
        backoff_seconds=0.01,
        timeout_seconds=2,
    )


def _start(session, db_engine, nik: str):
    """Start a case; its call runs in a background job once the start is committed."""
    services.deploy(session, GOOD, source="nik.bpmn")
    case = services.start_case(session, "nik_check", {"applicant_nik": nik})
    [row] = session.query(ServiceCallRow).filter_by(case_id=case.id).all()
    assert row.status == "pending" and case.status == "running"
    assert services.open_tasks(session, case) == []  # the case waits at the service task
    session.commit()
    return case, row.id


def _finished(session, call_id: str, seconds: float = 10) -> ServiceCallRow:
    for _ in range(int(seconds / 0.05)):
        session.expire_all()
        row = session.get(ServiceCallRow, call_id)
        if row.status not in ("pending", "running"):
            return row
        time.sleep(0.05)
    raise AssertionError(f"call still {row.status}")


def test_the_answer_is_mapped_into_the_case_and_it_moves_on(session, db_engine, stub):
    _register(session, stubs.base_url(stub))
    case, call_id = _start(session, db_engine, "3273010101900001")
    assert _finished(session, call_id).status == "done"
    assert calls.run_call(call_id, db_engine) == "busy"  # made once
    [task] = services.open_tasks(session, case)
    assert task.element_id == "review"
    workflow_data = _data(case)
    assert workflow_data["applicant_name"] == "SITI RAHAYU"
    assert workflow_data["applicant_address"].startswith("JL. ASIA AFRIKA")
    assert workflow_data["nik_match"] is True
    [log] = session.query(ConnectorCallLog).all()
    assert (log.connector, log.operation, log.http_status, log.outcome) == (
        "population",
        "nik_lookup",
        200,
        "ok",
    )
    assert "3273010101900001" not in repr(vars(log))  # no personal data in the call log


def _data(case) -> dict:
    from engine.workflow.runtime import peek_workflow

    return dict(peek_workflow(case).last_task.data)


def test_a_mismatch_says_why(session, db_engine, stub):
    _register(session, stubs.base_url(stub))
    case, call_id = _start(session, db_engine, "1234")
    assert _finished(session, call_id).status == "done"
    data = _data(case)
    assert data["nik_match"] is False and "16 digit" in data["nik_reason"]


def test_a_stopped_system_becomes_an_incident_that_an_admin_retries(session, db_engine):
    server = stubs.start()
    url = stubs.base_url(server)
    server.shutdown()
    server.server_close()
    _register(session, url, retries=2)
    case, call_id = _start(session, db_engine, "3273010101900001")
    assert _finished(session, call_id).status == "failed"
    assert case.status == "incident"
    [incident] = incidents.list_incidents(session)
    assert incident.element_id == "lookup" and "after 3 attempt(s)" in incident.message
    assert incident.detail["code"] == "connector_failed"  # worded in the reader's language
    assert {k: incident.detail["params"][k] for k in ("connector", "operation", "attempts")} == {
        "connector": "population",
        "operation": "nik_lookup",
        "attempts": 3,
    }
    assert session.query(ConnectorCallLog).filter_by(outcome="error").count() == 3
    restarted = stubs.start(int(url.rsplit(":", 1)[1]))
    try:
        incidents.retry(session, incident.id, actor="admin")
        [row] = session.query(ServiceCallRow).filter_by(case_id=case.id).all()
        assert row.status == "pending"
        session.commit()
        assert _finished(session, call_id).status == "done"
        assert case.status == "running"
        assert [t.element_id for t in services.open_tasks(session, case)] == ["review"]
    finally:
        restarted.shutdown()
        restarted.server_close()


@pytest.mark.parametrize(
    ("service", "code"),
    [
        (
            '<bpmn:serviceTask id="lookup" name="Verify NIK" pf:connector="population.nik_lookup"'
            ' pf:endpoint="http://evil.example/steal"><bpmn:extensionElements>'
            '<pf:input name="nik" expression="applicant_nik"/>'
            '<pf:output name="n" expression="name"/></bpmn:extensionElements></bpmn:serviceTask>',
            "service_url",
        ),
        (
            '<bpmn:serviceTask id="lookup" name="Verify NIK" pf:connector="land.parcel">'
            '<bpmn:extensionElements><pf:input name="nik" expression="applicant_nik"/>'
            '<pf:output name="n" expression="name"/></bpmn:extensionElements></bpmn:serviceTask>',
            "unknown_connector",
        ),
        (
            '<bpmn:serviceTask id="lookup" name="Verify NIK" pf:connector="population.nope">'
            '<bpmn:extensionElements><pf:input name="nik" expression="applicant_nik"/>'
            '<pf:output name="n" expression="name"/></bpmn:extensionElements></bpmn:serviceTask>',
            "unknown_operation",
        ),
        (
            '<bpmn:serviceTask id="lookup" name="Verify NIK" pf:connector="population.nik_lookup">'
            '<bpmn:extensionElements><pf:input name="nik" expression="applicant_nik"/>'
            '<pf:output name="n" expression="salary"/></bpmn:extensionElements>'
            "</bpmn:serviceTask>",
            "unmapped_output",
        ),
        (
            '<bpmn:serviceTask id="lookup" name="Verify NIK" pf:connector="population.nik_lookup">'
            "</bpmn:serviceTask>",
            "unmapped_input",
        ),
    ],
)
def test_a_bad_service_task_is_refused_by_element(session, service, code):
    _register(session, "http://127.0.0.1:9")
    with pytest.raises(InvalidBpmn) as refused:
        services.deploy(session, _bpmn(service), source="bad.bpmn")
    found = [p for p in refused.value.problems if p.code == code]
    assert found and found[0].element_id == "lookup", refused.value.problems


def test_a_service_task_without_a_connector_stays_refused(session):
    service = '<bpmn:serviceTask id="lookup" name="Call" implementation="##WebService"/>'
    with pytest.raises(InvalidBpmn):
        services.deploy(session, _bpmn(service), source="plain.bpmn")


def test_no_request_leaves_for_another_host(session, stub):
    """Case data cannot steer the URL; a redirect to another host is not followed."""
    other = stubs.start()  # an unregistered host that must see no request
    try:
        connector = registry.add_connector(
            session,
            "oss",
            stubs.base_url(stub),
            stubs.CONNECTOR_OPERATIONS["oss"],
            retries=0,
        )
        for trick in ("@127.0.0.1:1/x", "../../nik", f"x/../{stubs.base_url(other)}"):
            method, host, port, _, target, _ = client.build_request(
                connector, "nib_lookup", {"nib": trick}
            )
            assert (host, port) == ("127.0.0.1", stub.server_address[1])
            assert target.startswith("/nib/") and "/" not in target[len("/nib/") :]
        answer = client.call(session, connector, "nib_lookup", {"nib": "9120001234567"})
        assert answer.fields["business_name"] == "CV MAJU BERSAMA"
        redirecting = registry.add_connector(
            session, "redirector", stubs.base_url(_redirector(other)), ["go=GET /go out:x"]
        )
        with pytest.raises(client.CallFailed, match="redirect"):
            client.call(session, redirecting, "go", {})
        assert other.hits == 0
    finally:
        other.shutdown()
        other.server_close()


def _redirector(target):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Redirect(BaseHTTPRequestHandler):
        def log_message(self, *args):
            return

        def do_GET(self):  # noqa: N802
            self.send_response(302)
            self.send_header("Location", stubs.base_url(target) + "/nib/9120001234567")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.mark.parametrize(
    ("operation", "words"),
    [
        ("x=GET http://evil/x out:a", "must start with /"),
        ("x=DELETE /a out:a", "method"),
        ("x=GET /a/{id} out:a", "not an in: field"),
        ("x=GET /a in:b", "no out:"),
    ],
)
def test_a_bad_connector_is_refused_with_a_reason(session, operation, words):
    with pytest.raises(registry.InvalidConnector, match=words):
        registry.add_connector(session, "bad", "http://127.0.0.1:9", [operation])


def test_a_base_url_with_credentials_is_refused(session):
    with pytest.raises(registry.InvalidConnector, match="password"):
        registry.add_connector(session, "bad", "http://u:p@127.0.0.1:9", ["x=GET /a out:a"])


def test_the_ticker_makes_a_call_whose_job_was_lost(session, db_engine, stub, monkeypatch):
    from engine.background.ticker import tick_once
    from engine.workflow import service_tasks

    monkeypatch.setattr(service_tasks, "on_new_calls", [])  # the job never reaches a worker
    _register(session, stubs.base_url(stub))
    case, call_id = _start(session, db_engine, "3171022505850002")
    time.sleep(0.2)
    session.expire_all()
    assert session.get(ServiceCallRow, call_id).status == "pending"
    tick_once(db_engine)
    assert _finished(session, call_id).status == "done"
    assert _data(case)["applicant_name"] == "BUDI SANTOSO"


BUSINESS = (
    Path(__file__).resolve().parents[1] / "processes" / "integration" / "business_identity.bpmn"
)


@pytest.mark.parametrize(
    ("nib", "expected"),
    [
        (
            "9120001234567",
            {
                "nib_found": True,
                "business_name": "CV MAJU BERSAMA",
                "main_kbli": "47111",
                "kbli_codes": ["47111", "56101"],
                "risk_level": "menengah rendah",
            },
        ),
        (
            "9999999999999",
            {
                "nib_found": False,
                "registry_note": "NIB tidak ditemukan di OSS",
                "business_name": "",
                "main_kbli": "",
            },
        ),
    ],
)
def test_the_nib_lookup_fills_the_business_from_oss(session, stub, nib, expected):
    registry.add_connector(session, "oss", stubs.base_url(stub), stubs.CONNECTOR_OPERATIONS["oss"])
    services.deploy(session, BUSINESS.read_bytes(), source="business_identity.bpmn")
    case = services.start_case(session, "business_identity", {"nib": nib, "phone": "0812"})
    session.commit()
    [row] = session.query(ServiceCallRow).filter_by(case_id=case.id).all()
    assert _finished(session, row.id).status == "done"
    data = _data(case)
    assert {k: data[k] for k in expected} == expected
    [task] = services.open_tasks(session, case)
    assert task.element_id == "check_business"


def test_a_rolled_back_start_submits_no_call(session, db_engine, stub, monkeypatch):
    from engine.background import jobs

    submitted = []
    monkeypatch.setattr(jobs, "submit", lambda job_id, engine=None: submitted.append(job_id))
    _register(session, stubs.base_url(stub))
    services.deploy(session, GOOD, source="nik.bpmn")
    session.commit()
    services.start_case(session, "nik_check", {"applicant_nik": "3273010101900001"})
    session.rollback()
    services.create_user(session, "ani", roles=["front_office"])
    session.commit()
    assert submitted == [] and session.query(ServiceCallRow).count() == 0
    services.start_case(session, "nik_check", {"applicant_nik": "3273010101900001"})
    session.commit()
    assert len(submitted) == 1


def test_a_slow_system_does_not_hold_up_the_start(session, db_engine):
    """The registry takes 1.5 s to answer; starting the case takes far less."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Slow(BaseHTTPRequestHandler):
        def log_message(self, *args):
            return

        def do_POST(self):  # noqa: N802
            time.sleep(1.5)
            body = b'{"match": true, "reason": "", "name": "A", "address": "B"}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        _register(session, f"http://127.0.0.1:{server.server_address[1]}")
        started = time.monotonic()
        case, call_id = _start(session, db_engine, "3273010101900001")
        assert time.monotonic() - started < 1.0
        assert session.get(ServiceCallRow, call_id).status in ("pending", "running")
        assert _finished(session, call_id).status == "done"
        assert _data(case)["applicant_name"] == "A"
    finally:
        server.shutdown()
        server.server_close()


def test_a_service_task_is_written_back_out_with_its_connector_and_mappings():
    from engine.bpmn.reader import load_bpmn
    from engine.bpmn.writer import process_to_bpmn

    process = load_bpmn(GOOD, source="nik.bpmn").processes["nik_check"]
    again = load_bpmn(process_to_bpmn(process), source="again.bpmn").processes["nik_check"]
    assert again.nodes["lookup"].service == process.nodes["lookup"].service
    assert again.nodes["lookup"].service.connector == "population.nik_lookup"
