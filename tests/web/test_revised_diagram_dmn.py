"""A deployed version keeps the DMN files deployed with it (migration 0021), so a revised
diagram a reformer sends to the designers comes with the decision tables its business
rule tasks call: the designer's report no longer refuses it with ``unknown_decision``.
Only that hand-off attaches them; a version deployed before 0021 (no files) sends the
diagram alone, as before."""

from __future__ import annotations

import io
import re

import pytest

from engine import services
from engine.background import jobs
from tests.conftest import PROCESSES

CALLED = ("business_license.bpmn", "building_approval.bpmn", "signage_permit.bpmn")
FEES = "small_business_fees.dmn"
UNKNOWN_DECISION = "in none of the DMN files uploaded"  # the report's unknown_decision


def _deploy_bundle(db, *, keep_files: bool = True):
    for name in CALLED:
        services.deploy(db, (PROCESSES / name).read_bytes(), source=name, deployed_by="designer")
    dmn = {FEES: (PROCESSES / FEES).read_bytes()}
    bundle = (PROCESSES / "small_business_bundle.bpmn").read_bytes()
    definition, _ = services.deploy(
        db, bundle, source="small_business_bundle.bpmn", deployed_by="designer", dmn_files=dmn
    )
    if not keep_files:  # as deployed before migration 0021
        definition.dmn_files = None
    db.commit()
    return definition


def _sent_draft(staff, monkeypatch) -> tuple:
    """A reformer runs version 1 and sends the revised diagram; the designer's client and
    the draft's token."""
    monkeypatch.setattr(jobs, "submit", lambda job_id, engine=None: jobs.run(job_id, engine))
    reformer = staff("reformer")
    run = reformer.post("/reformer/small_business_bundle/1/run", data={"cases": "20", "seed": "1"})
    assert run.status_code == 302
    assert reformer.post(f"{run.headers['Location']}/send").status_code == 302
    designer = staff("designer")
    listing = designer.get("/designer/").get_data(as_text=True)
    token = re.search(r'href="/designer/drafts/([^"]+)">small_business_bundle_scenario_', listing)
    return designer, token.group(1)


def test_a_deployed_version_keeps_its_dmn_files(db):
    definition = _deploy_bundle(db)
    db.expire_all()
    kept = services.decision_drafts.of_version(services.get_definition(db, definition.key))
    assert kept == {FEES: (PROCESSES / FEES).read_bytes()}


def test_the_revised_diagram_of_a_procedure_with_a_decision_table_can_be_deployed(
    db, staff, monkeypatch
):
    _deploy_bundle(db)
    designer, token = _sent_draft(staff, monkeypatch)
    report = designer.get(f"/designer/drafts/{token}").get_data(as_text=True)
    assert UNKNOWN_DECISION not in report
    assert FEES in report  # the report names the decision tables that go with it
    assert f"/designer/drafts/{token}/deploy" in report
    deployed = designer.post(f"/designer/drafts/{token}/deploy")
    assert deployed.status_code == 302
    db.expire_all()
    version = services.get_definition(db, "small_business_bundle")
    assert version.version == 2
    assert services.decision_drafts.of_version(version) == {FEES: (PROCESSES / FEES).read_bytes()}


def test_a_version_deployed_before_its_files_were_kept_sends_the_diagram_alone(
    db, staff, monkeypatch
):
    _deploy_bundle(db, keep_files=False)
    designer, token = _sent_draft(staff, monkeypatch)
    report = designer.get(f"/designer/drafts/{token}").get_data(as_text=True)
    assert UNKNOWN_DECISION in report and "small_business_fees" in report
    assert f"/designer/drafts/{token}/deploy" not in report


def test_a_designers_upload_gets_no_tables_it_did_not_bring(db, staff):
    """The newest version's tables are the same procedure's data, but only the reformer's
    hand-off attaches them: the designer's own upload names its own."""
    _deploy_bundle(db)
    designer = staff("designer")
    data = (PROCESSES / "small_business_bundle.bpmn").read_bytes()
    upload = designer.post(
        "/designer/upload",
        data={"bpmn": (io.BytesIO(data), "small_business_bundle.bpmn")},
        content_type="multipart/form-data",
    )
    report = designer.get(upload.headers["Location"]).get_data(as_text=True)
    assert UNKNOWN_DECISION in report


@pytest.mark.parametrize("name", [FEES])
def test_a_dmn_file_that_is_not_utf8_is_not_kept(name):
    latin = "<definitions name='Bea é'/>".encode("latin-1")
    assert services.decision_drafts.for_version({name: latin}) is None


def test_the_designer_downloads_the_dmn_files_of_a_version(db, staff):
    _deploy_bundle(db)
    designer = staff("designer")
    page = designer.get("/designer/procedures/small_business_bundle").get_data(as_text=True)
    link = f"/designer/procedures/small_business_bundle/1/decisions/{FEES}"
    assert link in page and "Unduh tabel keputusan ini" in page
    download = designer.get(link)
    assert download.status_code == 200 and download.data == (PROCESSES / FEES).read_bytes()
    assert "attachment" in download.headers["Content-Disposition"]
    assert designer.get(link.replace(FEES, "other.dmn")).status_code == 404
    assert staff("reformer").get(link).status_code in (302, 403)


def test_a_version_without_kept_files_has_no_download(db, staff):
    _deploy_bundle(db, keep_files=False)
    page = staff("designer").get("/designer/procedures/small_business_bundle")
    assert "/decisions/" not in page.get_data(as_text=True)
