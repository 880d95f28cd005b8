"""The one-stop bundle on the web: the catalogue lists it beside the single services, the
tracking page and the staff case page show each called permit's progress."""

from __future__ import annotations

import pytest

from engine import services
from engine.demo import fill
from tests.conftest import PROCESSES
from tests.test_bundle import BUNDLE


@pytest.fixture
def bundle_case(db):
    for key in ("business_license", "signage_permit", "small_business_bundle"):
        path = PROCESSES / f"{key}.bpmn"
        data = path.read_bytes()
        dmn = services.decisions_beside(path, data) or None
        services.deploy(db, data, source=path.name, dmn_files=dmn)
    services.create_user(db, "tina", roles=["technical_team", "front_office"])
    model = services.load_deployed_model(db, "small_business_bundle")
    start = fill(services.start_form(model.processes["small_business_bundle"])) | BUNDLE
    case = services.start_case(db, "small_business_bundle", start, started_by="applicant")
    db.commit()
    return case


def _work(db, case, count: int, answers: dict) -> None:
    for _ in range(count):
        task = services.open_tasks(db, services.get_case(db, case.id))[0]
        data = fill(services.task_form(task)) | answers.get(task.element_id, {})
        services.complete_task(db, task.id, "tina", data)
        db.commit()


def test_the_catalogue_shows_the_bundle_beside_single_services(citizen, bundle_case):
    page = citizen.get("/services/").get_data(as_text=True)
    assert "Paket Perizinan Usaha Kecil (satu pintu)" in page
    assert "Persetujuan Bangunan Gedung" in page and "Izin Penyelenggaraan Reklame" in page
    assert citizen.get("/services/small_business_bundle/apply").status_code == 200


def test_tracking_shows_each_permit_s_progress_in_indonesian(citizen, db, bundle_case):
    page = citizen.get(f"/track/{bundle_case.tracking_code}").get_data(as_text=True)
    assert 'id="called-procedures"' in page and page.count('class="called called-not_started"') == 3
    assert "Izin usaha" in page and "Izin reklame" in page and "Menunggu" in page
    _work(db, bundle_case, 4, {"agency_review": {"agency_opinion": "agree"}})
    page = citizen.get(f"/track/{bundle_case.tracking_code}").get_data(as_text=True)
    assert page.count('class="called called-running"') == 3
    assert "Pendaftaran permohonan izin reklame" in page  # the called step, in Indonesian
    assert "Register signage application" not in page


def test_the_staff_case_page_shows_the_called_procedures(staff, db, bundle_case):
    _work(db, bundle_case, 4, {"agency_review": {"agency_opinion": "agree"}})
    page = staff("admin").get(f"/cases/{bundle_case.id}").get_data(as_text=True)
    assert 'id="called-procedures"' in page
    assert "Register signage application" in page or "Pendaftaran permohonan izin reklame" in page


def test_a_procedure_that_starts_by_itself_is_no_public_service(citizen, db):
    from tests.test_start_events import COMPLAINT, _round

    services.deploy(db, _round(), source="round.bpmn")
    services.deploy(db, COMPLAINT, source="complaint_intake.bpmn")
    db.commit()
    assert services.starts_by_itself(services.get_definition(db, "inspection_round"))
    assert not services.starts_by_itself(services.get_definition(db, "building_approval"))
    page = citizen.get("/services/").get_data(as_text=True)
    assert "Persetujuan Bangunan Gedung" in page
    assert "Monthly inspection round" not in page and "Complaint intake" not in page
    for key in ("inspection_round", "complaint_intake"):
        assert citizen.get(f"/services/{key}").status_code == 404
        assert citizen.get(f"/services/{key}/apply").status_code == 404


def test_the_reformers_simulation_runs_the_called_procedures_inline(
    staff, db, bundle_case, monkeypatch
):
    """Issue 9: what the engine runs is simulated too. The bundle calls three deployed
    procedures: the simulation of a deployed version runs the versions it pinned inline
    (their clerks' tasks take time) instead of counting each call as no time."""
    from engine.background import jobs
    from engine.storage.tables import Job

    monkeypatch.setattr(jobs, "submit", lambda job_id, engine=None: jobs.run(job_id, engine))
    reformer = staff("reformer")
    run = reformer.post("/reformer/small_business_bundle/1/run", data={"cases": "20", "seed": "1"})
    assert run.status_code == 302
    job = db.get(Job, int(run.headers["Location"].rstrip("/").rsplit("/", 1)[-1]))
    db.refresh(job)
    assert job.status == "done", job.error
    baseline = job.result["comparison"]
    text = str(baseline)
    assert "take no time" not in text  # no call was skipped
    assert "verify_documents" in text  # a task of the called building approval was simulated


@pytest.mark.parametrize("language", ["en", "id"])
def test_a_stopped_or_waiting_step_of_a_called_permit_is_named_in_the_readers_language(
    app, bundle_case, language
):
    """'Incident: <a step of a called procedure>' was shown "Terhenti: Register signage
    application": the prefix was translated by the bundle's labels, the name never looked up
    in the called procedure's."""
    from flask_babel import force_locale

    from webapp.public.formats import step

    text = "Incident: Register signage application, Waiting: Register signage application"
    with app.test_request_context(), force_locale(language):
        shown = step(bundle_case, text)
    assert (
        shown
        == {
            "id": "Terhenti: Pendaftaran permohonan izin reklame, "
            "Menunggu: Pendaftaran permohonan izin reklame",
            "en": text,
        }[language]
    )
