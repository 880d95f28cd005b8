"""Complaints, the survey and the IKM page, the queue (kiosk, display, counter)."""

from __future__ import annotations

import pytest

from engine import services
from tests.web.conftest import COMPLAINT, apply_for_building, open_task

SCORES = {
    "u1": "4",
    "u2": "3",
    "u3": "3",
    "u4": "4",
    "u5": "4",
    "u6": "3",
    "u7": "4",
    "u8": "3",
    "u9": "3",
}


@pytest.fixture
def complaint_deployed(db):
    services.create_user(db, "gita", roles=["complaint_admin"])
    services.create_user(db, "hadi", roles=["responsible_unit"])
    services.deploy(db, COMPLAINT.read_bytes(), source="complaint.bpmn")
    db.commit()


def test_a_complaint_is_answered_and_the_complainant_replies(citizen, db, complaint_deployed):
    form = {
        "complainant_name": "",
        "contact": "0812999",
        "channel": "lapor",
        "service_concerned": "pbg",
        "subject": "Loket tutup lebih awal",
        "description": "Loket PBG tutup pukul 13.00 padahal jadwalnya 15.00.",
    }
    response = citizen.post("/complaints/new", form, form_page="/complaints/new")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    private = response.headers["Location"].replace("&new=1", "")
    code = private.split("/track/")[1].split("?")[0]
    case = services.get_case(db, code)
    assert case.process_key == "complaint"
    services.complete_task(
        db, open_task(db, case).id, "gita", {"verification": "forward", "unit_name": "Bidang PBG"}
    )
    answer = "Jam layanan loket PBG sudah dikembalikan sampai pukul 15.00 mulai hari ini."
    services.complete_task(
        db, open_task(db, case, "follow_up").id, "hadi", {"follow_up_text": answer}
    )
    services.complete_task(
        db, open_task(db, case, "publish_follow_up").id, "gita", {"published_on": "2026-11-20"}
    )
    db.commit()
    page = citizen.get(private).get_data(as_text=True)
    assert answer in page and 'id="reply-form"' in page
    assert answer not in citizen.get(f"/track/{code}").get_data(
        as_text=True
    )  # the answer needs the link
    reply = citizen.post(
        private.replace(f"/track/{code}", f"/track/{code}/reply"),
        {"satisfied": "yes", "reply": "Terima kasih"},
        form_page=private,
    )
    assert reply.status_code == 302
    assert open_task(db, case).element_id == "review_response"
    again = citizen.post(
        private.replace(f"/track/{code}", f"/track/{code}/reply"),
        {"satisfied": "no"},
        form_page=private,
    )
    assert again.status_code == 409  # no longer waiting for a reply


def test_survey_once_per_finished_case_and_the_ikm_page(citizen, db):
    code, private = apply_for_building(citizen)
    assert "Nilai pelayanan" not in citizen.get(private).get_data(as_text=True)
    services.cancel_case(db, code, actor="front", reason="Pemohon membatalkan")
    db.commit()
    assert "Nilai pelayanan" in citizen.get(private).get_data(as_text=True)
    survey_url = private.replace(f"/track/{code}", f"/track/{code}/survey")
    assert citizen.get(f"/track/{code}/survey").status_code == 404  # the applicant's link only
    assert citizen.post(survey_url, {**SCORES, "u9": ""}, form_page=survey_url).status_code == 422
    assert citizen.post(survey_url, SCORES, form_page=survey_url).status_code == 302
    assert (
        citizen.post(survey_url, SCORES, form_page=survey_url).status_code == 409
    )  # once per case
    page = citizen.get("/ikm").get_data(as_text=True)
    # NRR mean = 31/9 = 3.444..., index = 86.11, grade B
    assert "86,11" in page and "Baik" in page and 'class="ikm-responses">1<' in page
    year = citizen.get("/ikm?service=building_approval&period=2000").get_data(as_text=True)
    assert "Belum ada hasil survei" in year
    assert citizen.get("/ikm?period=nonsense").status_code == 404
    assert citizen.get("/ikm?service=nope").status_code == 404


def test_queue_kiosk_counter_and_display(citizen, staff):
    response = citizen.post("/queue/take", {"service": "building_approval"}, form_page="/queue/")
    assert response.status_code == 302
    ticket = citizen.get(response.headers["Location"]).get_data(as_text=True)
    assert "PBG-001" in ticket and "0 orang sebelum Anda" in ticket
    citizen.post("/queue/take", {"service": "building_approval"}, form_page="/queue/")
    display = citizen.get("/queue/display").get_data(as_text=True)
    assert 'class="board-waiting">2<' in display and "queue_display.js" in display
    assert citizen.get("/queue/counter").status_code == 302  # staff only
    assert citizen.post("/queue/take", {"service": "nope"}, form_page="/queue/").status_code == 404
    front = staff("front")
    called = front.post("/queue/counter", {"service": "building_approval", "counter": "2"})
    assert "PBG-001" in called.get_data(as_text=True)
    board = citizen.get("/queue/board.json").json["boards"]
    building = next(b for b in board if b["service"] == "building_approval")
    assert (
        building["serving"] == [{"number": "PBG-001", "counter": "2"}] and building["waiting"] == 1
    )
    assert "PBG-001" in citizen.get("/queue/display").get_data(as_text=True)
