"""The citizen's language: no untranslated element name on the Indonesian public pages.

Every shipped procedure is walked from application to its end; at each step the
applicant's private tracking page (status, current step, outcome, messages) is read in
Indonesian and must show none of the English element names written in the BPMN.
"""

from __future__ import annotations

import re

import pytest

from engine import services
from engine.bpmn.reader import load_bpmn
from engine.demo import fill
from engine.office.labels import labels_of_xml
from tests.conftest import PROCESSES
from webapp.public.links import access_key

KEYS = ["building_approval", "business_license", "resident_id_card", "complaint"]


def english_names(data: bytes) -> set[str]:
    """BPMN names that have an Indonesian label different from themselves."""
    labels = labels_of_xml(data)
    names = set()
    for process in load_bpmn(data, "x").processes.values():
        for node in process.nodes.values():
            translated = labels.name(node.id, "id", node.name)
            if node.name and translated != node.name:
                names.add(node.name)
    return names


def visible_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("key", KEYS)
def test_no_english_element_name_on_the_indonesian_pages(key, db, app, citizen, monkeypatch):
    monkeypatch.setenv("PERMITFLOW_SIGNING_KEY", "")  # permits issued unsigned here
    data = (PROCESSES / f"{key}.bpmn").read_bytes()
    services.deploy(db, data, source=f"{key}.bpmn")
    services.create_user(db, "walker", roles=["admin"])
    db.commit()
    english = english_names(data)
    assert english, "the procedure should have translated names"
    process = load_bpmn(data, key).main_process()
    start = services.start_form(process)
    case = services.start_case(db, key, fill(start), started_by="citizen")
    db.commit()
    url = f"/track/{case.tracking_code}?k={access_key_for(app, case.tracking_code)}"
    for _ in range(25):
        text = visible_text(citizen.get(url).get_data(as_text=True))
        shown = sorted(name for name in english if name in text)
        assert not shown, f"{key}: untranslated on the tracking page: {shown}"
        tasks = services.open_tasks(db, services.get_case(db, case.id))
        if not tasks:
            break
        task = tasks[0]
        services.complete_task(db, task.id, "walker", fill(services.task_form(task)))
        db.commit()
    db.expire_all()
    finished = services.get_case(db, case.id)
    assert finished.status in ("completed", "cancelled") or key == "complaint"  # awaits a reply
    service = visible_text(citizen.get(f"/services/{key}").get_data(as_text=True))
    assert not sorted(name for name in english if name in service)


def test_an_english_reader_and_applicant_get_english(db, app, citizen):
    citizen.post("/language", {"lang": "en", "next": "/services"}, form_page="/track")
    page = citizen.get("/services/building_approval").get_data(as_text=True)
    assert "Building Approval (PBG)" in page
    code = citizen_applies(citizen)
    case = services.get_case(db, code)
    assert case.language == "en"
    (received,) = services.messages_for_case(db, case.id)
    assert received.subject == f"Application {code} received"
    # written at the start, while the applicant's data is fetched from the registry
    fetching = "Current step: Waiting: Fetch applicant data from the population registry"
    assert fetching in received.body and "Langkah" not in received.body
    track = citizen.get(f"/track/{code}?k={access_key_for(app, code)}").get_data(as_text=True)
    assert "Register application" in track


def test_an_indonesian_applicant_gets_one_indonesian_notification(db, citizen):
    code = citizen_applies(citizen)
    (received,) = services.messages_for_case(db, services.get_case(db, code).id)
    assert received.subject == f"Permohonan {code} diterima"
    assert "Langkah saat ini: Menunggu: Ambil data pemohon dari Dukcapil" in received.body
    assert "Application" not in received.body + received.subject


def citizen_applies(citizen) -> str:
    from tests.web.conftest import apply_for_building

    code, _ = apply_for_building(citizen)
    return code


def access_key_for(app, code: str) -> str:
    with app.test_request_context():
        return access_key(code)


def test_the_apply_form_speaks_the_readers_language(citizen):
    form = "/services/building_approval/apply"
    indonesian = citizen.get(form).get_data(as_text=True)
    assert "Fungsi bangunan gedung" in indonesian and ">Hunian<" in indonesian
    citizen.post("/language", {"lang": "en", "next": form}, form_page="/track")
    english = citizen.get(form).get_data(as_text=True)
    assert "Function of the building" in english and ">Residential<" in english
    assert "Fungsi bangunan gedung" not in english
