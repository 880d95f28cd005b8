"""Issued permits: templates checked at deploy, numbered, signed, verified, revoked."""

from __future__ import annotations

import hashlib
import io
import threading
from datetime import timedelta

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy.orm import Session

from engine import services
from engine.calendar import clock
from engine.errors import InvalidBpmn, InvalidState, NotAllowed
from engine.office import numbering, pdf, permits, signing
from tests.conftest import PROCESSES
from tests.permit_ca import make_office_ca, make_stranger_root

BPMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:pf="https://permitflow.org/schema/bpmn/1.0"
    id="d" targetNamespace="t">
  <bpmn:process id="shop_permit" name="Shop permit" isExecutable="true">
    <bpmn:extensionElements>
      <pf:serviceStandard code="SIP" name="Izin Toko"><pf:maxDays>5</pf:maxDays></pf:serviceStandard>
      <pf:documentTemplate name="permit" href="templates/shop.html"/>
    </bpmn:extensionElements>
    <bpmn:laneSet id="ls"><bpmn:lane id="Lane_front" name="Front" pf:role="front_office">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>grant</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>done</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:extensionElements><camunda:formData>
      <camunda:formField id="applicant_name" label="Name" type="string"/>
      <camunda:formField id="shop_name" label="Shop" type="string"/>
      <camunda:formField id="kind" label="Kind" type="enum">
        <camunda:value id="food" name="Warung makan"/><camunda:value id="retail" name="Toko"/>
      </camunda:formField>
    </camunda:formData></bpmn:extensionElements>
      <bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="grant" name="Grant">
      <bpmn:extensionElements>
        <camunda:formData><camunda:formField id="conditions" label="Conditions" type="string"/></camunda:formData>
        <camunda:properties>
          <camunda:property name="issues" value="permit"/>
          <camunda:property name="object" value="shop_name"/>
          <camunda:property name="validity" value="P1Y"/>
          <camunda:property name="numberFormat" value="{code}/{region}/{year}/{seq:04d}"/>
        </camunda:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="done" name="Granted"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="grant"/>
    <bpmn:sequenceFlow id="f2" sourceRef="grant" targetRef="done"/>
  </bpmn:process>
</bpmn:definitions>
"""

TEMPLATE = """<html><head><title>{{ permit.title }} {{ permit.number }}</title></head><body>
<h1>{{ permit.number }}</h1><p>{{ applicant_name }} · {{ shop_name }} · {{ kind }}</p>
<p>{{ conditions }}</p><p>{{ permit.valid_until|long_date }}</p>
{% if replaces %}<p>Replaces {{ replaces.number }}</p>{% endif %}
<img src="{{ qr_code }}"><p>{{ signer.name }}, {{ signer.title }}</p></body></html>"""


@pytest.fixture
def ca(tmp_path, monkeypatch):
    for key, value in make_office_ca(tmp_path / "ca").items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("PERMITFLOW_DOCUMENT_DIR", str(tmp_path / "documents"))
    monkeypatch.setenv("PERMITFLOW_REGION", "3273")
    monkeypatch.setenv("PERMITFLOW_SIGNER_NAME", "Ir. Bambang Sutrisno")
    return tmp_path / "ca"


@pytest.fixture
def office(session, ca):
    services.create_user(session, "ani", roles=["front_office"])
    services.create_user(session, "kepala", roles=["head_of_office"])
    services.deploy(session, BPMN, source="shop.bpmn", templates={"templates/shop.html": TEMPLATE})
    session.commit()
    return session


def grant(session, name="Siti Rahayu", conditions="Buka 08.00-21.00"):
    data = {"applicant_name": name, "shop_name": "Warung Siti", "kind": "food"}
    case = services.start_case(session, "shop_permit", data, started_by="ani")
    task = services.tasks_for_user(session, "ani")[0]
    services.complete_task(session, task.id, "ani", {"conditions": conditions})
    session.commit()
    (permit,) = permits.case_permits(session, case)
    return case, permit


def pdf_title(data: bytes) -> str:
    return str(PdfFileReader(io.BytesIO(data)).trailer_view["/Info"]["/Title"])


# -- deploying templates ---------------------------------------------------------------


def test_a_placeholder_the_process_never_sets_is_named_at_deploy(session):
    bad = TEMPLATE.replace("{{ shop_name }}", "{{ shop_owner }}")
    with pytest.raises(InvalidBpmn) as raised:
        services.deploy(session, BPMN, source="shop.bpmn", templates={"shop.html": bad})
    assert "shop_owner" in raised.value.message and "never sets" in raised.value.message


def test_a_missing_template_file_is_named_at_deploy(session):
    with pytest.raises(InvalidBpmn) as raised:
        services.deploy(session, BPMN, source="shop.bpmn")
    assert "templates/shop.html was not supplied" in raised.value.message


def test_bad_number_format_and_unknown_template_are_refused(session):
    broken = BPMN.replace(b"{seq:04d}", b"{seq.__class__}").replace(
        b'value="permit"', b'value="licence"'
    )
    with pytest.raises(InvalidBpmn) as raised:
        services.deploy(session, broken, source="shop.bpmn", templates={"shop.html": TEMPLATE})
    message = raised.value.message
    assert "seq.__class__" in message and "'licence' names no pf:documentTemplate" in message


def test_templates_are_versioned_with_the_procedure(office):
    changed = TEMPLATE.replace("<h1>", "<h1>Izin ")
    v2, created = services.deploy(
        office, BPMN, source="shop.bpmn", templates={"shop.html": changed}
    )
    again, created_again = services.deploy(
        office, BPMN, source="shop.bpmn", templates={"shop.html": changed}
    )
    assert created and v2.version == 2 and not created_again and again.id == v2.id
    assert v2.templates["permit"]["text"] == changed
    assert services.get_definition(office, "shop_permit", 1).templates["permit"]["text"] == TEMPLATE


def test_the_shipped_building_approval_deploys_with_its_permit_template(session):
    definition, _ = services.deploy(
        session, (PROCESSES / "building_approval.bpmn").read_bytes(), source="x.bpmn"
    )
    assert "{{ permit.number }}" in definition.templates["permit"]["text"]


# -- issuing -----------------------------------------------------------------------------


def test_completing_the_issuing_task_issues_a_signed_numbered_permit(office):
    case, permit = grant(office)
    year = clock.now().astimezone(pdf.WIB).year
    assert permit.number == f"SIP/3273/{year}/0001"
    assert permit.holder_name == "Siti Rahayu" and permit.object_text == "Warung Siti"
    assert permit.signed and permit.signer == "Ir. Bambang Sutrisno"
    assert permit.valid_until == permits.today_wib().replace(year=year + 1) - timedelta(days=1)
    document, data = permits.permit_pdf(office, permit)
    assert data.startswith(b"%PDF-") and hashlib.sha256(data).hexdigest() == permit.sha256
    assert document.case_id == case.id and document.sha256 == permit.sha256
    assert pdf_title(data) == f"Izin Toko {permit.number}"
    check = signing.check(data)
    assert check.valid and "Kepala Dinas Kota Contoh" in check.signer
    assert len(permit.code) == 20 and permit.code != permits.new_code()
    history = [e.action for e in services.case_history(office, case.id)]
    assert "permit_issued" in history


def test_numbers_follow_on_without_gaps_and_restart_each_year(office):
    numbers = [grant(office)[1].number for _ in range(3)]
    assert [n.rsplit("/", 1)[1] for n in numbers] == ["0001", "0002", "0003"]
    assert numbering.next_in_sequence(office, "shop_permit", 1999) == 1


def test_a_rolled_back_issue_gives_its_number_back(office):
    year = permits.today_wib().year
    assert numbering.next_in_sequence(office, "shop_permit", year) == 1
    office.rollback()
    assert numbering.next_in_sequence(office, "shop_permit", year) == 1


def test_concurrent_numbers_are_distinct_and_without_gaps(db_engine):
    """Eight transactions at once take eight different numbers 1..8 (PostgreSQL: locks)."""
    taken: list[int] = []
    errors: list[Exception] = []
    barrier = threading.Barrier(8)

    def take() -> None:
        try:
            barrier.wait()
            for _ in range(5):
                try:
                    with Session(db_engine) as session:
                        taken.append(numbering.next_in_sequence(session, "pbg", 2026))
                        session.commit()
                        return
                except Exception as exc:  # SQLite: "database is locked" -> retry
                    if "locked" not in str(exc):
                        raise
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(taken) == list(range(1, 9))


def test_permits_are_issued_unsigned_when_no_key_is_configured(office, monkeypatch):
    monkeypatch.delenv("PERMITFLOW_SIGNING_KEY")
    _, permit = grant(office)
    assert not permit.signed
    _, data = permits.permit_pdf(office, permit)
    assert signing.check(data).reason == "the PDF carries no electronic signature"


def test_case_data_cannot_inject_markup_or_reach_python(office):
    html = pdf.render_html("<p>{{ applicant_name }}</p>", {"applicant_name": "<script>x</script>"})
    assert "<script>" not in html and "&lt;script&gt;" in html
    with pytest.raises(pdf.DocumentError, match="unsafe"):
        pdf.render_html("{{ permit.__class__.__mro__ }}", {"permit": {}})


def test_rupiah_and_dates_for_documents():
    assert pdf.rupiah(1500000) == "Rp 1.500.000"
    assert pdf.long_date("2026-12-01") == "1 Desember 2026"
    assert pdf.long_date("2026-12-01", "en") == "1 December 2026"


# -- verification, revocation, correction ------------------------------------------------


def test_verifying_codes_and_files(office):
    _, permit = grant(office)
    assert permits.verify_code(office, permit.code.lower()).status == "valid"
    assert permits.verify_code(office, "NOPE").status == "unknown"
    assert permits.verify_code(office, permit.code).holder_masked == "S*** R***"
    _, data = permits.permit_pdf(office, permit)
    genuine = permits.verify_file(office, data, permit.code)
    assert genuine.genuine and genuine.verdict.permit.id == permit.id
    altered = bytearray(data)
    altered[len(data) // 3] ^= 0x01
    refused = permits.verify_file(office, bytes(altered), permit.code)
    assert not refused.genuine and refused.reason == "not_issued"
    assert not refused.signature.valid


def test_a_permit_past_its_validity_is_expired(office):
    _, permit = grant(office)
    clock.set_offset(timedelta(days=400))
    assert permits.verify_code(office, permit.code).status == "expired"


def test_only_the_head_of_office_revokes_with_a_reason(office):
    case, permit = grant(office)
    with pytest.raises(NotAllowed):
        permits.revoke(office, permit.code, actor="ani", reason="x")
    with pytest.raises(InvalidState, match="reason"):
        permits.revoke(office, permit.code, actor="kepala", reason="  ")
    permits.revoke(office, permit.code, actor="kepala", reason="Izin diperoleh dengan data palsu")
    verdict = permits.verify_code(office, permit.code)
    assert verdict.status == "revoked"
    assert verdict.permit.status_reason == "Izin diperoleh dengan data palsu"
    assert "permit_revoked" in [e.action for e in services.case_history(office, case.id)]
    with pytest.raises(InvalidState, match="already revoked"):
        permits.revoke(office, permit.code, actor="kepala", reason="again")


def test_a_correction_issues_a_new_document_naming_the_old_one(office):
    case, old = grant(office)
    new = permits.correct(
        office,
        old.code,
        actor="kepala",
        reason="Nama toko salah",
        changes={"shop_name": "Warung Sari"},
    )
    assert (
        new.replaces_id == old.id and new.number != old.number and new.object_text == "Warung Sari"
    )
    verdict = permits.verify_code(office, old.code)
    assert verdict.status == "replaced" and verdict.replaced_by.id == new.id
    assert permits.verify_code(office, new.code).status == "valid"
    with pytest.raises(InvalidState, match="not part of"):
        permits.correct(office, new.code, actor="kepala", reason="x", changes={"owner": "y"})


def test_a_signature_from_an_untrusted_root_is_refused(office, tmp_path, monkeypatch):
    _, permit = grant(office)
    _, data = permits.permit_pdf(office, permit)
    monkeypatch.setenv("PERMITFLOW_TRUST_ROOTS", make_stranger_root(tmp_path / "other"))
    check = signing.check(data)
    assert not check.valid and "not one the office trusts" in check.reason


TIMER_BPMN = (
    BPMN.replace(
        b'<bpmn:endEvent id="done" name="Granted">',
        b'<bpmn:endEvent id="done" name="Granted">'
        b"<bpmn:extensionElements><camunda:properties>"
        b'<camunda:property name="issues" value="permit"/>'
        b'<camunda:property name="object" value="shop_name"/>'
        b"</camunda:properties></bpmn:extensionElements>",
    )
    .replace(
        b'<camunda:property name="issues" value="permit"/>\n          <camunda:property name="object" value="shop_name"/>',
        b"",
    )
    .replace(
        b'<bpmn:sequenceFlow id="f2" sourceRef="grant" targetRef="done"/>',
        b'<bpmn:sequenceFlow id="f2" sourceRef="grant" targetRef="wait"/>'
        b'<bpmn:intermediateCatchEvent id="wait" name="Cooling-off"><bpmn:incoming>f2</bpmn:incoming>'
        b"<bpmn:outgoing>f3</bpmn:outgoing><bpmn:timerEventDefinition><bpmn:timeDuration>P3D"
        b"</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
        b'<bpmn:sequenceFlow id="f3" sourceRef="wait" targetRef="done"/>',
    )
    .replace(
        b"<bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>",
        b"<bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>",
    )
    .replace(
        b"<bpmn:flowNodeRef>done</bpmn:flowNodeRef>",
        b"<bpmn:flowNodeRef>done</bpmn:flowNodeRef><bpmn:flowNodeRef>wait</bpmn:flowNodeRef>",
    )
)


def test_an_end_event_reached_by_a_timer_issues_the_permit(session, ca):
    services.create_user(session, "ani", roles=["front_office"])
    services.deploy(session, TIMER_BPMN, source="t.bpmn", templates={"shop.html": TEMPLATE})
    session.commit()
    case = services.start_case(
        session, "shop_permit", {"applicant_name": "Siti", "shop_name": "Warung", "kind": "food"}
    )
    task = services.tasks_for_user(session, "ani")[0]
    services.complete_task(session, task.id, "ani", {"conditions": "-"})
    session.commit()
    assert permits.case_permits(session, case) == []  # the timer has not fired yet
    clock.set_offset(timedelta(days=4))
    services.tick(session)
    (permit,) = permits.case_permits(session, services.get_case(session, case.id))
    assert permit.element_id == "done" and permit.object_text == "Warung"


@pytest.mark.parametrize(
    "text", ["{seq:0{year}d}", "{seq:099999999999d}", "{seq:0{year}{year}{year}d}", "{seq:040d}"]
)
def test_nested_or_huge_number_formats_are_refused(text):
    assert "nested or wider" in numbering.format_problem(text)
    assert numbering.format_problem("PBG-{region}-{year}-{seq:06d}") is None


@pytest.mark.parametrize(
    "source, message",
    [
        ("{% include 'other.html' %}", "may not include"),
        ("{% extends 'base.html' %}", "may not include"),
        ("{% import 'macros.html' as m %}", "may not include"),
    ],
)
def test_a_template_stands_alone(source, message):
    with pytest.raises(pdf.DocumentError, match=message):
        pdf.placeholders(source)


def test_a_template_cannot_build_huge_strings():
    with pytest.raises(pdf.DocumentError, match="raise to a power"):
        pdf.render_html("{{ 'a' * 10**12 }}", {})
    with pytest.raises(pdf.DocumentError, match="at most"):
        pdf.render_html("{{ 'a' * 1000000000000 }}", {})
    with pytest.raises(pdf.DocumentError, match="at most"):
        pdf.render_html("{{ ('ab' * 100000)|length }}", {})
    assert pdf.render_html("{{ '-' * 3 }}", {}) == "---"
