"""Incidents in the reader's language: why a case stopped, where, how it was resolved.

The engine stores the reason as data (``Incident.detail``); the admin's incident page,
the case page, its history, the clerk's notice and the citizen's tracking page word it
in Indonesian (or English for an English reader), never showing the engine's English
sentence, an English element name or a raw resolution on an Indonesian page. An incident
stored before reasons were kept shows its message.
"""

from __future__ import annotations

import html
import re

import pytest

from engine import services
from tests.web.test_incidents_web import SITE, _incident_id, _register
from tests.web.test_public_language import access_key_for
from tests.web.test_public_language import visible_text as _visible


def visible_text(page: str) -> str:
    return html.unescape(_visible(page))


GATEWAY = '<bpmn:exclusiveGateway id="gw" name="Large building?"/>'
LABELLED = SITE.read_text(encoding="utf-8").replace(
    GATEWAY,
    '<bpmn:exclusiveGateway id="gw" name="Large building?"><bpmn:extensionElements>'
    '<pf:label xml:lang="id">Bangunan besar?</pf:label>'
    "</bpmn:extensionElements></bpmn:exclusiveGateway>",
)
ENGLISH = ["unknown name", "Large building?", "retried", "Incident:", "(not set)", "system"]


@pytest.fixture
def stopped(db):
    """A site permit (its gateway labelled in Indonesian) stopped at the gateway."""
    assert GATEWAY in SITE.read_text(encoding="utf-8")
    services.deploy(db, LABELLED.encode(), source="incident.bpmn")
    case = services.start_case(db, "site_permit", {"applicant_name": "Siti"})
    db.commit()
    return case


def _english_in(page: str) -> list[str]:
    text = visible_text(page)
    return [word for word in ENGLISH if word in text]


def _speak_english(db, username: str) -> None:
    services.find_user(db, username).language = "en"
    db.commit()


def test_the_admin_reads_the_incident_in_indonesian(staff, db, stopped):
    notice = _register(staff, db, stopped)
    assert "Bangunan besar?" in notice and "Large building?" not in notice
    admin = staff("admin")
    listing = admin.get("/admin/incidents/").get_data(as_text=True)
    assert "Bangunan besar?" in listing and not _english_in(listing)
    number = _incident_id(listing)
    page = admin.get(f"/admin/incidents/{number}").get_data(as_text=True)
    details = visible_text(re.search(r'id="incident-message">(.*?)</dd>', page).group(1))
    assert details.strip() == (
        "Tidak ada nilai bernama 'floor_area': belum ada formulir atau langkah yang mengisinya."
    )
    assert "belum diisi" in visible_text(page) or "tidak diisi" in visible_text(page)
    assert not _english_in(page), _english_in(page)
    admin.post(f"/admin/incidents/{number}/set-var", {"name": "floor_area", "value": "650"})
    admin.post(f"/admin/incidents/{number}/retry")
    resolved = admin.get(f"/admin/incidents/{number}").get_data(as_text=True)
    status = visible_text(re.search(r'id="incident-status">(.*?)</dd>', resolved).group(1))
    assert "dicoba lagi" in status and "admin" in status
    assert not _english_in(resolved), _english_in(resolved)
    assert "dicoba lagi" in admin.get("/admin/incidents/?all=1").get_data(as_text=True)


def test_an_english_admin_reads_it_in_english(staff, db, stopped):
    _register(staff, db, stopped)
    _speak_english(db, "admin")
    admin = staff("admin")
    number = _incident_id(admin.get("/admin/incidents/").get_data(as_text=True))
    page = visible_text(admin.get(f"/admin/incidents/{number}").get_data(as_text=True))
    assert "No value named 'floor_area': no form or step has filled it in." in page
    assert "Large building?" in page and "Bangunan besar?" not in page
    admin.post(f"/admin/incidents/{number}/retry")  # fails again: a new incident
    old = visible_text(admin.get(f"/admin/incidents/{number}").get_data(as_text=True))
    assert "resolved — retried (admin" in old


def test_the_case_page_and_history_word_the_reason(staff, db, stopped):
    _register(staff, db, stopped)
    page = staff("front").get(f"/cases/{stopped.tracking_code}").get_data(as_text=True)
    text = visible_text(page)
    assert "terhenti karena kesalahan: Bangunan besar?" in text
    assert text.count("Tidak ada nilai bernama 'floor_area'") == 2  # the notice, the history
    assert not _english_in(page), _english_in(page)
    _speak_english(db, "front")
    english = visible_text(
        staff("front").get(f"/cases/{stopped.tracking_code}").get_data(as_text=True)
    )
    assert "No value named 'floor_area'" in english and "Large building?" in english


def test_the_history_words_the_administrators_fix(staff, db, stopped):
    _register(staff, db, stopped)
    admin = staff("admin")
    number = _incident_id(admin.get("/admin/incidents/").get_data(as_text=True))
    admin.post(f"/admin/incidents/{number}/set-var", {"name": "floor_area", "value": "650"})
    text = visible_text(admin.get(f"/cases/{stopped.tracking_code}").get_data(as_text=True))
    assert "nilai diperbaiki administrator: Bangunan besar? floor_area diisi 650" in text
    assert "set to" not in text


def test_the_citizen_sees_where_the_case_stopped_in_indonesian(app, citizen, staff, db, stopped):
    _register(staff, db, stopped)
    code = stopped.tracking_code
    page = citizen.get(f"/track/{code}?k={access_key_for(app, code)}").get_data(as_text=True)
    assert "Terhenti: Bangunan besar?" in visible_text(page)
    assert not _english_in(page), _english_in(page)


def test_an_incident_stored_before_reasons_shows_its_message(staff, db, stopped):
    _register(staff, db, stopped)
    db.expire_all()
    incident = services.incidents.open_incident_of(db, services.get_case(db, stopped.id))
    incident.detail = None  # as opened before migration 0022
    db.commit()
    page = staff("admin").get(f"/admin/incidents/{incident.id}").get_data(as_text=True)
    assert "cannot evaluate 'floor_area > 500': unknown name 'floor_area'" in visible_text(page)


@pytest.mark.parametrize(
    "detail, indonesian, english",
    [
        (
            {"code": "wrong_types", "params": {"operator": ">", "left": "none", "right": "number"}},
            "'>' tidak dapat dipakai pada nilai kosong dan angka.",
            "'>' cannot be used on an empty value and a number.",
        ),
        (
            {"code": "division_by_zero", "params": {}, "line": 2, "part": "post-script"},
            "Skrip akhir, baris 2: Sebuah angka dibagi dengan nol.",
            "Post-script, line 2: A number is divided by zero.",
        ),
        (
            {"code": "text_too_long", "params": {"limit": 100000}, "line": 3},
            "Baris 3 skrip: Sebuah teks terlalu panjang (lebih dari 100.000 karakter).",
            "Line 3 of the script: A text is too long (over 100,000 characters).",
        ),
        (
            {
                "code": "connector_failed",
                "params": {"connector": "population", "operation": "nik_lookup", "attempts": 3}
                | {"error": "connection refused"},
            },
            "population.nik_lookup tidak menjawab setelah 3 kali percobaan (connection refused). "
            "Coba lagi setelah sistem itu dapat dihubungi kembali.",
            "population.nik_lookup did not answer after 3 attempt(s) (connection refused). "
            "Retry once that system answers again.",
        ),
        ({"code": "not_a_code_we_know", "params": {}}, "the message", "the message"),
        ({"code": "unknown_name", "params": {}}, "the message", "the message"),  # params missing
    ],
)
def test_reasons_are_worded_in_both_languages(app, detail, indonesian, english):
    from flask_babel import force_locale

    from webapp.incident_reasons import incident_reason

    with app.test_request_context():
        with force_locale("id"):
            assert incident_reason(detail, "the message") == indonesian
        with force_locale("en"):
            assert incident_reason(detail, "the message") == english


def test_a_data_object_the_step_could_not_set_is_worded_in_indonesian(staff, db):
    """SpiffWorkflow's own error for a data object whose id is not the value's name was
    shown in English on the Indonesian incident page (foreign_files_web found it)."""
    from tests.test_incidents import DATA_OBJECT_ID_NOT_NAME

    definition, _ = services.deploy(db, DATA_OBJECT_ID_NOT_NAME, source="inline.bpmn")
    case = services.start_case(db, definition.key, {})
    [task] = services.open_tasks(db, case)
    services.complete_task(db, task.id, "front", {})
    db.commit()
    incident = services.incidents.open_incident_of(db, case)
    assert incident.detail == {
        "code": "data_not_set",
        "params": {"name": "fee", "id": "DataObject_fee"},
    }
    page = staff("admin").get(f"/admin/incidents/{incident.id}").get_data(as_text=True)
    details = visible_text(re.search(r'id="incident-message">(.*?)</dd>', page).group(1))
    assert details.strip() == (
        "Langkah ini meneruskan 'DataObject_fee' ke objek data 'fee', tetapi belum ada "
        "formulir atau langkah yang mengisi 'DataObject_fee' (id objek data dan nama nilainya "
        "harus sama)."
    )
