"""Designers: upload, validation report, diff, deploy, versions, migration."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from engine import services
from engine.errors import ProcessNotFound
from tests.web.conftest import open_task, revised_building, start_building_case

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:process id="p" name="&xxe;" isExecutable="true"/>
</bpmn:definitions>"""

BROKEN = b"""<?xml version="1.0"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:process id="broken" name="Broken" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="orphan" name="Lonely task"/>
  </bpmn:process>
</bpmn:definitions>"""


def upload(client, data: bytes, name: str = "upload.bpmn"):
    return client.post(
        "/designer/upload",
        data={"bpmn": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_a_broken_file_shows_the_report_not_a_500(staff):
    designer = staff("designer")
    response = upload(designer, BROKEN)
    assert response.status_code == 302
    page = designer.get(response.headers["Location"]).get_data(as_text=True)
    assert "orphan" in page and "problem-error" in page
    assert "deploy_draft" not in page and "/deploy" not in page
    assert upload(designer, b"this is not xml at all").status_code == 400


def test_an_xxe_file_is_refused_with_a_message(staff):
    response = upload(staff("designer"), XXE)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "root:" not in page
    assert "DTD" in page or "entit" in page.lower()


def test_upload_diff_deploy_and_migrate(staff, db):
    case = start_building_case(db)
    designer = staff("designer")
    response = upload(designer, revised_building(), "building_approval.bpmn")
    report_url = response.headers["Location"]
    report = designer.get(report_url).get_data(as_text=True)
    assert "/deploy" in report
    xml = designer.get(report_url + ".bpmn")
    assert xml.status_code == 200 and xml.mimetype == "application/xml"
    diff = designer.get(report_url + "/diff").get_data(as_text=True)
    assert "sign_permit" in diff and "Sign and seal PBG" in diff
    assert "max_days" in diff or "max days" in diff
    deployed = designer.post(report_url + "/deploy")
    assert deployed.headers["Location"].endswith("/designer/procedures/building_approval")
    assert services.get_definition(db, "building_approval").version == 2
    plan = designer.get("/designer/procedures/building_approval/1/migrate").get_data(as_text=True)
    assert case.tracking_code in plan and 'name="case_id"' in plan
    for hostile in ("\u00b2", "9" * 25):  # a digit that is no number; an id past any case
        refused = designer.post(
            "/designer/procedures/building_approval/1/migrate", data={"case_id": hostile}
        )
        assert refused.status_code == 302  # nothing moved, no 500
    db.expire_all()
    assert services.get_case(db, case.id).definition.version == 1
    moved = designer.post(
        "/designer/procedures/building_approval/1/migrate", data={"case_id": str(case.id)}
    )
    assert moved.status_code == 302
    db.expire_all()
    assert services.get_case(db, case.id).definition.version == 2
    assert open_task(db, case).element_id == "register_application"


def test_deploying_the_same_file_twice_makes_no_new_version(staff, db):
    designer = staff("designer")
    from tests.web.conftest import BUILDING

    location = upload(designer, BUILDING.read_bytes(), "building_approval.bpmn").headers["Location"]
    designer.post(location + "/deploy")
    assert services.get_definition(db, "building_approval").version == 1


def test_unknown_draft_is_404(staff):
    assert staff("designer").get("/designer/drafts/..%2F..%2Fsecret").status_code == 404
    assert staff("designer").get("/designer/drafts/AAAAAAAAAAAAAAAAAAAAAAAA").status_code == 404


# --- decision tables (DMN) uploaded beside the BPMN file ------------------------------------

FEATURES = Path(__file__).parents[1] / "bpmn_features"
RULE_BPMN = (FEATURES / "business_rule.bpmn").read_bytes()
FEES_DMN = (FEATURES / "fees.dmn").read_bytes()


def upload_with(client, bpmn: bytes, dmn: list[tuple[bytes, str]]):
    return client.post(
        "/designer/upload",
        data={
            "bpmn": (io.BytesIO(bpmn), "business_rule.bpmn"),
            "dmn": [(io.BytesIO(data), name) for data, name in dmn],
        },
        content_type="multipart/form-data",
    )


def test_a_bpmn_file_with_its_decision_table_is_checked_and_deployed(staff, db):
    designer = staff("designer")
    alone = designer.get(upload_with(designer, RULE_BPMN, []).headers["Location"])
    assert "unknown_decision" in alone.get_data(as_text=True) or "fees" in alone.get_data(
        as_text=True
    )
    assert "/deploy" not in alone.get_data(as_text=True)  # the table it calls is missing
    report_url = upload_with(designer, RULE_BPMN, [(FEES_DMN, "fees.dmn")]).headers["Location"]
    report = designer.get(report_url).get_data(as_text=True)
    assert "/deploy" in report and 'id="decision-files"' in report and "fees.dmn" in report
    assert "fees.dmn" not in designer.get("/designer/").get_data(as_text=True)  # part of it
    designer.post(report_url + "/deploy")
    assert services.get_definition(db, "business_rule").version == 1
    case = services.start_case(
        db, "business_rule", {"building_type": "house", "floor_area": 80}, started_by="web"
    )
    db.commit()
    data = services.case_data(case)
    assert (data["fee"], data["risk"]) == (500000, "low")  # the uploaded table decided


def test_a_bad_cell_is_named_by_rule_and_cell_not_a_500(staff):
    designer = staff("designer")
    bad = FEES_DMN.replace(b"floor_area * 6000", b"__import__('os').system('id')")
    response = upload_with(designer, RULE_BPMN, [(bad, "fees.dmn")])
    assert response.status_code == 302
    page = designer.get(response.headers["Location"]).get_data(as_text=True)
    assert "rule 2, output 1" in page and "fees.dmn" in page and "problem-error" in page
    assert "/deploy" not in page
    broken = upload_with(designer, RULE_BPMN, [(b"<not-dmn", "fees.dmn")])
    page = designer.get(broken.headers["Location"]).get_data(as_text=True)
    assert "fees.dmn" in page and "problem-error" in page and "/deploy" not in page
    refused = upload_with(designer, RULE_BPMN, [(FEES_DMN, "fees.txt")])
    assert refused.status_code == 302 and refused.headers["Location"].endswith("/designer/")
    assert "Tabel keputusan" in designer.get("/designer/").get_data(as_text=True)


def test_new_decision_tables_for_a_deployed_procedure(staff, db):
    designer = staff("designer")
    designer.post(
        upload_with(designer, RULE_BPMN, [(FEES_DMN, "fees.dmn")]).headers["Location"] + "/deploy"
    )
    cheaper = FEES_DMN.replace(b"<text>500000</text>", b"<text>250000</text>")
    response = designer.post(
        "/designer/procedures/business_rule/decisions",
        data={"dmn": [(io.BytesIO(cheaper), "fees.dmn")]},
        content_type="multipart/form-data",
    )
    report_url = response.headers["Location"]
    assert "/deploy" in designer.get(report_url).get_data(as_text=True)
    designer.post(report_url + "/deploy")
    assert services.get_definition(db, "business_rule").version == 2
    case = services.start_case(
        db, "business_rule", {"building_type": "house", "floor_area": 80}, started_by="web"
    )
    db.commit()
    assert services.case_data(case)["fee"] == 250000


def test_a_refused_deploy_goes_back_to_the_report_in_indonesian(staff, db):
    """Posting deploy for a file with errors (the report hides the button, a stale page or
    a script may still post) answered with the engine's English error dump; it now goes
    back to the report, which lists each problem by element, with an Indonesian notice."""
    designer = staff("designer")
    report_url = upload_with(designer, RULE_BPMN, []).headers["Location"]  # no DMN file
    response = designer.post(report_url + "/deploy")
    assert response.status_code == 302 and response.headers["Location"].endswith(report_url)
    page = designer.get(report_url).get_data(as_text=True)
    assert "business_rule.bpmn tidak dapat dipasang: 2 kesalahan, tercantum di bawah." in page
    assert "cannot be deployed" not in page
    with pytest.raises(ProcessNotFound):
        services.get_definition(db, "business_rule")
