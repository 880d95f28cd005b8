"""Personal data protection (UU 27/2022): need to know, masking, the access log, encryption
at rest, pseudonymised exports, retention and the applicant's access ZIP."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import text

from engine import services
from engine.calendar import clock
from engine.errors import InvalidFormData, NotAllowed
from engine.office import documents
from engine.privacy import access_log, crypto, keys, retention
from engine.reporting import event_log

NIK = "3174010101900001"
PDF = b"%PDF-1.4 KTP scan of NIK " + NIK.encode() + b"\n%%EOF"
PERMIT = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
  xmlns:pf="https://permitflow.org/schema/bpmn/1.0" id="defs" targetNamespace="http://x">
  <bpmn:process id="kk_permit" name="Family card" isExecutable="true">
    <bpmn:extensionElements><pf:serviceStandard code="KK" name="Family card">
      <pf:maxDays>5</pf:maxDays><pf:retentionYears>2</pf:retentionYears>
    </pf:serviceStandard></bpmn:extensionElements>
    <bpmn:laneSet id="ls">
      <bpmn:lane id="Lane_registry" name="Registry" pf:role="registry">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>verify</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef></bpmn:lane>
      <bpmn:lane id="Lane_head" name="Head" pf:role="head">
        <bpmn:flowNodeRef>sign</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:extensionElements><camunda:formData>
      <camunda:formField id="applicant_name" label="Nama" type="string" pf:personal="true"/>
      <camunda:formField id="nik" label="NIK" type="string" pf:personal="true"/>
      <camunda:formField id="phone" label="Telepon" type="string" pf:personal="true"/>
      <camunda:formField id="members" label="Anggota" type="long"/>
    </camunda:formData></bpmn:extensionElements></bpmn:startEvent>
    <bpmn:userTask id="verify" name="Verify NIK"><bpmn:extensionElements><camunda:formData>
      <camunda:formField id="nik" label="NIK" type="string" pf:personal="true">
        <camunda:validation><camunda:constraint name="readonly"/></camunda:validation>
      </camunda:formField>
      <camunda:formField id="nik_ok" label="NIK valid" type="boolean"/>
    </camunda:formData></bpmn:extensionElements></bpmn:userTask>
    <bpmn:userTask id="sign" name="Sign"><bpmn:extensionElements><camunda:formData>
      <camunda:formField id="signed" label="Signed" type="boolean"/>
    </camunda:formData></bpmn:extensionElements></bpmn:userTask>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="verify"/>
    <bpmn:sequenceFlow id="f2" sourceRef="verify" targetRef="sign"/>
    <bpmn:sequenceFlow id="f3" sourceRef="sign" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


@pytest.fixture(autouse=True)
def _data_key(tmp_path, monkeypatch):
    monkeypatch.delenv("PERMITFLOW_DATA_KEY", raising=False)
    monkeypatch.setenv("PERMITFLOW_DATA_KEY_FILE", str(tmp_path / "data.key"))
    crypto.reset()
    yield
    crypto.reset()


@pytest.fixture
def office(session):
    services.create_user(session, "rina", roles=["registry"])
    services.create_user(session, "hadi", roles=["head"])
    services.create_user(session, "dewi", roles=["designer"])
    services.create_user(session, "rudi", roles=["reformer"])
    services.create_user(session, "admin", roles=["admin"])
    services.deploy(session, PERMIT, source="kk.bpmn", deployed_by="dewi")
    session.commit()
    return session


def start(session):
    data = {"applicant_name": "Siti Rahma", "nik": NIK, "phone": "081234567890", "members": 3}
    case = services.start_case(session, "kk_permit", data, started_by="")
    documents.store(session, case, "ktp.pdf", PDF, field_id="ktp")
    session.commit()
    return case


def task_of(session, user):
    [task] = services.tasks_for_user(session, user)
    return task


def test_a_designer_or_reformer_cannot_read_a_cases_personal_data(office):
    case = start(office)
    for user in ("dewi", "rudi"):
        assert not services.privacy.may_see_case(office, user, case)
        with pytest.raises(NotAllowed, match="need to know"):
            services.privacy.case_data_for(office, user, case)
        with pytest.raises(NotAllowed):
            services.privacy.unmask(office, user, case, "nik", "I am curious about it")
    assert services.privacy.may_see_case(office, "admin", case)


def test_a_clerk_sees_masked_values_outside_the_fields_of_their_task(office):
    case = start(office)
    task = task_of(office, "rina")  # "Verify NIK" asks for the NIK only
    seen = services.privacy.case_data_for(office, "rina", case, task=task)
    assert seen["nik"] == NIK  # the task needs it
    assert seen["phone"] == "0812*****890"
    assert seen["applicant_name"] == "S*** R***"
    assert seen["members"] == 3  # not personal
    # without the task (the case page) everything personal is masked
    plain = services.privacy.case_data_for(office, "rina", case)
    assert plain["nik"] == "3174********0001"
    # the head's lane sees the case, but "Sign" needs no personal field
    services.complete_task(office, task.id, "rina", {"nik_ok": True})
    office.commit()
    signing = task_of(office, "hadi")
    assert services.privacy.case_data_for(office, "hadi", case, task=signing)["nik"] != NIK
    [viewed] = [e for e in access_log.entries(office) if e.action == "viewed"]
    assert (viewed.actor, viewed.field_id) == ("rina", "nik")


def test_each_unmasking_is_logged_with_who_which_field_and_why(office):
    case = start(office)
    with pytest.raises(InvalidFormData):
        services.privacy.unmask(office, "rina", case, "phone", "")  # no reason, no value
    value = services.privacy.unmask(office, "rina", case, "phone", "calling about the KK scan")
    assert value == "081234567890"
    [entry] = access_log.entries(office, case_id=case.id)
    assert (entry.actor, entry.action, entry.field_id) == ("rina", "unmasked", "phone")
    assert entry.reason == "calling about the KK scan" and entry.case_code == case.tracking_code
    with pytest.raises(InvalidFormData, match="not a personal field"):
        services.privacy.unmask(office, "rina", case, "members", "just checking it")


def test_an_altered_or_deleted_access_log_row_is_detected(office):
    case = start(office)
    for field in ("nik", "phone", "applicant_name"):
        services.privacy.unmask(office, "rina", case, field, "verifying identity")
    office.commit()
    assert access_log.verify(office) == []
    ids = sorted(e.id for e in access_log.entries(office))
    office.execute(text("UPDATE access_log SET actor = 'someone' WHERE id = :i"), {"i": ids[0]})
    office.commit()
    assert [b.entry_id for b in access_log.verify(office)] == [ids[0]]
    office.execute(text("UPDATE access_log SET actor = 'rina' WHERE id = :i"), {"i": ids[0]})
    office.execute(text("DELETE FROM access_log WHERE id = :i"), {"i": ids[1]})
    office.commit()
    [broken] = access_log.verify(office)
    assert broken.entry_id == ids[2] and "deleted" in broken.problem


def _raw_bytes(session) -> bytes:
    """Every stored byte of the database (the SQLite file, or a dump of each table)."""
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        path = bind.url.database
        return open(path, "rb").read()
    rows = []
    for table in ("cases", "audit_log", "access_log", "documents", "human_tasks", "outbox"):
        rows += [repr(tuple(r)) for r in session.execute(text(f"SELECT * FROM {table}"))]
    return "\n".join(rows).encode()


def test_the_database_and_the_document_store_hold_no_planted_nik_in_clear(office, tmp_path):
    case = start(office)
    task = task_of(office, "rina")
    services.complete_task(office, task.id, "rina", {"nik_ok": True})
    office.commit()
    office.close()
    raw = _raw_bytes(office)
    assert NIK.encode() not in raw and b"Siti Rahma" not in raw
    for path in (tmp_path / "documents").iterdir():
        assert NIK.encode() not in path.read_bytes()
    # and everything still reads back
    case = services.get_case(office, case.tracking_code)
    assert services.case_data(case)["nik"] == NIK and case.applicant_name == "Siti Rahma"
    [document] = services.case_documents(office, case)
    assert services.read(document) == PDF


def test_the_event_log_export_is_pseudonymised(office):
    case = start(office)
    services.complete_task(office, task_of(office, "rina").id, "rina", {"nik_ok": True})
    office.commit()
    rows = event_log.pseudonymised(event_log.event_rows(office, "kk_permit"))
    exported = event_log.to_csv(rows) + event_log.to_xes(rows).decode()
    assert NIK not in exported and "rina" not in exported and case.tracking_code not in exported
    assert rows[0].resource.startswith("staff-") and rows[0].case_id.startswith("case-")
    again = event_log.pseudonymised(event_log.event_rows(office, "kk_permit"))
    assert again[0].resource == rows[0].resource  # the same clerk stays one resource


def finish(session):
    case = start(session)
    services.complete_task(session, task_of(session, "rina").id, "rina", {"nik_ok": True})
    services.complete_task(session, task_of(session, "hadi").id, "hadi", {"signed": True})
    session.commit()
    return case


def test_retention_anonymises_an_expired_case_and_keeps_its_statistics(office):
    from engine.office import notifications

    case = finish(office)
    case.applicant_email = "siti.rahma@example.id"
    notifications.status_changed(office, case, "completed")
    services.privacy.request_data_right(office, case, "correction", "Nama: Siti Rahmah")
    office.commit()
    assert case.status == "completed"
    assert retention.run(office) == []  # 2 years (pf:retentionYears) have not passed
    clock.advance(timedelta(days=3 * 365))
    [expired] = retention.run(office, dry_run=True)
    assert expired.tracking_code == case.tracking_code
    assert services.case_data(case)["nik"] == NIK  # a dry run changes nothing
    retention.run(office)
    office.commit()
    case = services.get_case(office, case.tracking_code)
    data = services.case_data(case)
    assert data["nik"] is None and data["phone"] is None and data["members"] == 3
    assert case.applicant_name == "" and case.anonymised_at is not None
    assert case.status == "completed" and case.completed_at is not None  # statistics stay
    assert len(event_log.event_rows(office, "kk_permit")) == 2
    [document] = services.case_documents(office, case)
    assert document.filename == "(removed)"
    assert [e.action for e in access_log.entries(office, case_id=case.id)][0] == "anonymised"
    assert all(m.recipient == "" for m in services.messages_for_case(office, case.id))
    [request] = services.privacy.requests_of(office, case=case)
    assert services.privacy.message_of(request) == ""
    assert retention.run(office) == []  # once


def test_the_access_zip_holds_the_applicants_data_and_documents(office):
    case = start(office)
    archive = zipfile.ZipFile(io.BytesIO(services.privacy.access_package(office, case)))
    data = json.loads(archive.read("data.json"))
    assert data["data"]["nik"] == NIK and data["case"]["applicant_name"] == "Siti Rahma"
    [document] = [n for n in archive.namelist() if n.startswith("documents/")]
    assert archive.read(document) == PDF
    assert data["history"][0]["data"]["nik"] == NIK  # the sealed audit data, opened
    assert access_log.entries(office, case_id=case.id)[0].action == "subject_access"


def test_a_correction_request_is_due_in_three_times_24_hours(office):
    case = start(office)
    with pytest.raises(InvalidFormData):
        services.privacy.request_data_right(office, case, "correction", "")
    row = services.privacy.request_data_right(office, case, "correction", "Nama: Siti Rahmah")
    office.commit()
    assert row.due_at - row.created_at == timedelta(hours=72)
    assert services.privacy.message_of(row) == "Nama: Siti Rahmah"
    assert b"Siti Rahmah" not in _raw_bytes(office)
    services.privacy.answer(office, row.id, actor="rina", text="Diperbaiki")
    assert services.privacy.requests_of(office, open_only=True) == []


def test_keys_rotate_reencrypts_everything_under_a_new_key(office, tmp_path):
    case = start(office)
    old = crypto.fernet_key_texts()
    result = keys.rotate(office, actor="admin")
    office.commit()
    assert result.new_key and result.cases == 1 and result.files == 1
    new = crypto.fernet_key_texts()
    assert new[1:] == old and new[0] not in old
    # with only the new key everything still opens
    (tmp_path / "data.key").write_text(new[0] + "\n")
    crypto.reset()
    office.expire_all()
    case = services.get_case(office, case.tracking_code)
    assert services.case_data(case)["nik"] == NIK and case.applicant_name == "Siti Rahma"
    assert services.read(services.case_documents(office, case)[0]) == PDF


def test_a_missing_key_in_production_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PERMITFLOW_ENV", "production")
    monkeypatch.setenv("PERMITFLOW_DATA_KEY_FILE", str(tmp_path / "absent.key"))
    crypto.reset()
    with pytest.raises(crypto.DataKeyError, match="PERMITFLOW_DATA_KEY"):
        crypto.seal_text("x")


def test_the_ticker_runs_retention_once_a_day(office, monkeypatch):
    from engine.background import ticker

    case = finish(office)
    monkeypatch.setattr(retention, "_last_run", None)
    clock.advance(timedelta(days=3 * 365))
    ticker.tick_once(office.get_bind())
    office.expire_all()
    assert services.get_case(office, case.tracking_code).anonymised_at is not None
    assert retention.run_daily(office) == []  # not again the same day


def test_a_case_whose_permit_is_still_valid_is_kept(office):
    from datetime import date

    from engine.storage.tables import Permit

    case = finish(office)
    permit = Permit(
        case_id=case.id,
        process_key="kk_permit",
        number="KK-1",
        code="c0de",
        issued_at=clock.now(),
        valid_until=date.today() + timedelta(days=10 * 365),
        sha256="0" * 64,
    )
    office.add(permit)
    office.commit()
    clock.advance(timedelta(days=3 * 365))
    assert retention.run(office) == []  # the permit is valid for 10 years
    permit.status = "revoked"
    office.commit()
    assert [e.tracking_code for e in retention.run(office)] == [case.tracking_code]


def test_concurrent_writers_keep_one_chain(office, db_engine):
    import threading

    from sqlalchemy.orm import Session

    case = start(office)
    if db_engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers itself")
    first = Session(db_engine)
    access_log.record(first, "unmasked", actor="a", case=first.get(type(case), case.id))

    def second_writer():
        with Session(db_engine) as second:
            access_log.record(second, "unmasked", actor="b", case=second.get(type(case), case.id))
            second.commit()

    thread = threading.Thread(target=second_writer)
    thread.start()
    thread.join(0.5)
    assert thread.is_alive()  # waits for the first writer's commit
    first.commit()
    first.close()
    thread.join(10)
    office.expire_all()
    assert access_log.verify(office) == [] and len(access_log.entries(office)) == 2


def test_the_outbox_holds_the_applicants_email_encrypted(office):
    from engine.office import notifications

    case = start(office)
    case.applicant_email = "siti.rahma@example.id"
    notifications.status_changed(office, case, "received")
    office.commit()
    assert b"siti.rahma@example.id" not in _raw_bytes(office)
    office.expire_all()
    message = services.messages_for_case(office, case.id)[-1]
    assert message.recipient == "siti.rahma@example.id"
