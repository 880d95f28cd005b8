"""Engine parts of the public side: documents, queue numbers, IKM survey, API tokens."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from engine import services
from engine.accounts import api_tokens
from engine.calendar import clock
from engine.errors import InvalidFormData, InvalidState, NotAllowed
from engine.office import documents
from engine.public import queues, surveys

TWO_LANES = (Path(__file__).parent / "engine_bpmn" / "two_lanes.bpmn").read_bytes()
PDF = b"%PDF-1.7\n% a tiny pdf\n"


@pytest.fixture
def case(session):
    services.create_user(session, "ani", roles=["front_office"])
    services.create_user(session, "budi", roles=["head_of_office"])
    services.deploy(session, TWO_LANES, source="two_lanes.bpmn")
    case = services.start_case(session, "small_permit", {"applicant_name": "Siti", "area": 4})
    session.commit()
    return case


def finish(session, case):
    services.complete_task(session, services.open_tasks(session, case)[0].id, "ani", {})
    services.complete_task(
        session, services.open_tasks(session, case)[0].id, "budi", {"decision": "reject"}
    )
    session.commit()


def test_document_stored_outside_state(session, case, tmp_path, monkeypatch):
    monkeypatch.setenv("PERMITFLOW_DOCUMENT_DIR", str(tmp_path))
    doc = documents.store(
        session,
        case,
        "../../etc/sertifikat.pdf",
        PDF,
        field_id="land_certificate",
        uploaded_by="applicant",
    )
    assert doc.filename == "sertifikat.pdf" and doc.size == len(PDF)
    assert documents.read(doc) == PDF and (tmp_path / doc.storage_key).exists()
    assert PDF not in case.state
    assert [d.id for d in documents.case_documents(session, case)] == [doc.id]


@pytest.mark.parametrize(
    "name,data,message",
    [
        ("virus.exe", b"MZ...", "only PDF, JPEG and PNG"),
        ("fake.pdf", b"<html>", "not really a PDF"),
        ("empty.png", b"", "is empty"),
        ("huge.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "the limit is 10 MB"),
    ],
)
def test_bad_uploads_are_refused_clearly(name, data, message):
    with pytest.raises(documents.InvalidDocument, match=message):
        documents.check_upload(name, data)


def test_queue_numbers_board_and_estimate(session):
    clock.set_offset(timedelta(0))
    first = queues.take_number(session, "building_approval")
    second = queues.take_number(session, "building_approval")
    other = queues.take_number(session, "resident_id_card")
    assert (first.number, second.number, other.number) == (1, 2, 1)
    assert queues.label(second) == "B-002"
    assert queues.position(session, second) == 1
    called = queues.call_next(session, "building_approval", "Loket 1")
    assert called.number == 1 and called.status == "called"
    clock.advance(timedelta(minutes=6))
    board = queues.board(session, "building_approval")
    assert [t.number for t in board.serving] == [1] and board.waiting == 1
    nxt = queues.call_next(session, "building_approval", "Loket 1")
    assert nxt.number == 2 and first.status == "served"
    third = queues.take_number(session, "building_approval")
    assert queues.board(session, "building_approval").estimated_wait_minutes == pytest.approx(6.0)
    assert third.number == 3
    queues.call_next(session, "building_approval", "Loket 1")
    assert queues.call_next(session, "building_approval", "Loket 1") is None


def test_numbers_restart_each_day(session):
    queues.take_number(session, "complaint")
    clock.advance(timedelta(days=1))
    assert queues.take_number(session, "complaint").number == 1


def test_survey_once_per_finished_case(session, case):
    scores = {key: 4 for key in surveys.KEYS}
    with pytest.raises(InvalidState):
        surveys.submit(session, case, scores)
    finish(session, case)
    with pytest.raises(InvalidFormData) as err:
        surveys.submit(session, case, scores | {"u3": 5})
    assert list(err.value.errors) == ["u3"]
    surveys.submit(session, case, scores)
    with pytest.raises(InvalidState):
        surveys.submit(session, case, scores)
    result = surveys.ikm(session, "small_permit")
    assert result.responses == 1 and result.index == 100.0 and result.grade == "A"


def test_ikm_worked_example():
    # two respondents: NRR 3.5 on every element -> 3.5 x 25 = 87.5 (B, Baik);
    # with the regulation's rounded weight 0.111: 3.5 x 0.999 x 25 = 87.41
    responses = [{k: 4 for k in surveys.KEYS}, {k: 3 for k in surveys.KEYS}]
    result = surveys.compute(responses)
    assert result.nrr["u1"] == 3.5 and result.index == 87.5 and result.index_0111 == 87.41
    assert (result.grade, result.grade_label) == ("B", "Baik")
    assert surveys.grade_of(88.31)[0] == "A" and surveys.grade_of(65.0)[0] == "C"
    assert surveys.grade_of(64.99)[0] == "D"


def test_api_tokens(session, case):
    token = api_tokens.issue(session, "ani", "kiosk")
    assert api_tokens.authenticate(session, token).username == "ani"
    stored = {t.token_hash for t in session.query(api_tokens.ApiToken)}
    assert token not in stored
    api_tokens.revoke(session, token)
    with pytest.raises(NotAllowed):
        api_tokens.authenticate(session, token)
    with pytest.raises(NotAllowed):
        api_tokens.authenticate(session, "pf_guess")


def test_a_lost_document_file_is_a_clear_not_found(session, case, tmp_path, monkeypatch):
    from engine.errors import NotFound

    monkeypatch.setenv("PERMITFLOW_DOCUMENT_DIR", str(tmp_path))
    doc = documents.store(session, case, "ktp.pdf", PDF)
    (tmp_path / doc.storage_key).unlink()
    with pytest.raises(NotFound, match="missing from storage"):
        documents.read(doc)
