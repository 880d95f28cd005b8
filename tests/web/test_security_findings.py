"""One test (or a few) per finding of the external security review (issue 10).

Each test failed on the code the review ran against; docs/security.md points here.
"""

from __future__ import annotations

import hashlib
import time

import pytest

from engine import services
from engine.bpmn.model import FormField
from engine.errors import InvalidBpmn, InvalidFormData
from engine.office.forms import describe_field, validate_form
from engine.storage.tables import Case, ProcessDefinition
from tests.web.conftest import BUILDING, BUILDING_START, apply_for_building

APPLY = "/services/building_approval/apply"
BACKTRACKING = r"^(\w+\s?)*$"


def building_with(old: str, new: str) -> bytes:
    xml = BUILDING.read_text(encoding="utf-8")
    assert old in xml
    return xml.replace(old, new, 1).encode()


def smuggle_version(db, xml: bytes) -> None:
    """Put ``xml`` in the newest deployed version as if deployed before today's checks."""
    definition = services.get_definition(db, "building_approval")
    definition.bpmn_xml = xml
    definition.sha256 = hashlib.sha256(xml).hexdigest()
    db.commit()


# -- 1. an email with a newline never gets into the case --------------------------------


@pytest.mark.parametrize(
    "email", ["x@example.id\nX: y", "a@example.id, b@example.id", "x@example.id\r\nBcc: z@e.id"]
)
def test_1_email_fields_take_one_address_only(citizen, db, email):
    data = {**BUILDING_START, "email": email}
    response = citizen.post(APPLY, data, form_page=APPLY)
    assert response.status_code == 422
    assert "surel" in response.get_data(as_text=True)
    assert db.query(Case).count() == 0


def test_1_a_plain_email_is_kept(citizen, db):
    code, _private = apply_for_building(citizen, email="siti.rahayu@example.id")
    case = services.get_case(db, code)
    assert case.applicant_email == "siti.rahayu@example.id"


# -- 2. form patterns run in linear time ------------------------------------------------


def test_2_a_backtracking_pattern_answers_at_once():
    field = FormField("nik", "NIK", constraints={"pattern": BACKTRACKING})
    started = time.perf_counter()
    with pytest.raises(InvalidFormData):
        validate_form([field], {"nik": "a " * 5000 + "!"})
    with pytest.raises(InvalidFormData):
        validate_form([field], {"nik": "a" * 30 + "!"})  # Python's re: minutes
    assert time.perf_counter() - started < 1


def test_2_an_uploaded_backtracking_pattern_cannot_freeze_the_apply_page(citizen, db):
    smuggle_version(db, building_with('config="^[0-9]{16}$"', f'config="{BACKTRACKING}"'))
    started = time.perf_counter()
    response = citizen.post(APPLY, {**BUILDING_START, "nik": "a" * 40 + "!"}, form_page=APPLY)
    assert response.status_code == 422
    assert time.perf_counter() - started < 5


def test_2_patterns_re2_cannot_run_are_refused_at_deploy(db):
    with pytest.raises(InvalidBpmn, match="linear time"):
        services.deploy(
            db, building_with('config="^[0-9]{16}$"', r'config="^(a)\1$"'), source="b.bpmn"
        )


# -- 8. unicode digits in constraints ---------------------------------------------------


@pytest.mark.parametrize("config", ["²", "١٢", "1²"])
def test_8_unicode_digits_are_refused_at_validation(db, config):
    xml = building_with('name="maxlength" config="100"', f'name="maxlength" config="{config}"')
    with pytest.raises(InvalidBpmn, match="digits 0-9"):
        services.deploy(db, xml, source="b.bpmn")


def test_8_a_deployed_superscript_length_never_breaks_the_apply_page(citizen, db):
    smuggle_version(
        db, building_with('name="maxlength" config="100"', 'name="maxlength" config="²"')
    )
    assert citizen.get(APPLY).status_code == 200
    code, _private = apply_for_building(citizen)  # the unreadable length is ignored
    assert services.get_case(db, code).status == "running"
    field = FormField("n", "Name", constraints={"maxlength": "²", "min": "١"})
    assert describe_field(field)["constraints"] == {}
    assert isinstance(db.get(ProcessDefinition, 1).bpmn_xml, bytes)


# -- 6. the login limiter counts each attempt once; unknown usernames cost a scrypt -----


def test_6_concurrent_wrong_passwords_get_five_checks(app, staff):
    from concurrent.futures import ThreadPoolExecutor

    clients = [staff() for _ in range(16)]
    for client in clients:
        client.fresh_token("/login")
    with ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(lambda c: c.login("front", "wrong-password").status_code, clients))
    assert sorted(codes) == [401] * 5 + [429] * 11


def _login_seconds(staff, username: str) -> float:
    started = time.perf_counter()
    assert staff().login(username, "wrong-password").status_code == 401
    return time.perf_counter() - started


def test_6_unknown_usernames_answer_as_slowly_as_wrong_passwords(staff):
    known = min(_login_seconds(staff, "front") for _ in range(3))
    unknown = min(_login_seconds(staff, f"nobody-{i}") for i in range(3))
    assert unknown > 0.6 * known, (unknown, known)


def test_1_a_user_email_is_one_address(db):
    from engine.errors import EngineError

    with pytest.raises(EngineError, match="not one email address"):
        services.create_user(db, "newclerk", email="a@example.id\nBcc: b@example.id")
    with pytest.raises(EngineError, match="not one email address"):
        services.update_user(db, "front", email="x@example.id\r\nX: y")


# -- 7. deeply nested JSON is a 400 with a message, never a traceback -------------------


@pytest.mark.parametrize("depth", [33, 500, 100_000])
def test_7_deeply_nested_json_is_refused_with_a_message(app, api_token, caplog, depth):
    raw = '{"process": "building_approval", "data": {"x": ' + "[" * depth + "]" * depth + "}}"
    response = app.test_client().post(
        "/api/v1/cases",
        data=raw,
        headers={**api_token("front"), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert "nests deeper than 32 levels" in response.get_json()["error"]["message"]
    assert not [r for r in caplog.records if r.levelname == "ERROR" or r.exc_info]


def test_7_nesting_in_a_form_value_is_refused_too(citizen, caplog):
    data = {**BUILDING_START, "land_certificate": "[" * 100_000, "building_plan": "x.pdf"}
    response = citizen.post(APPLY, data, form_page=APPLY)
    assert response.status_code in (400, 422)
    assert not [r for r in caplog.records if r.levelname == "ERROR" or r.exc_info]
