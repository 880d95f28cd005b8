"""Need to know inside the one-stop bundle: a called procedure's clerk sees that
procedure's data, and the personal values a called procedure brings back are masked."""

from __future__ import annotations

from engine import services
from engine.demo import fill
from tests import test_procedures
from tests.test_bundle import ALL_AGREE, BUNDLE, ISSUE_ALL

clerks = test_procedures.clerks  # the fixture: a clerk per role, every procedure deployed
KNOWN_NIK = "3171022505850002"  # the population registry stub knows this person


def _walk_to(session, case, element_id: str, role: str):
    """Complete the bundle's tasks until ``element_id`` of ``role``'s lane is open."""
    answers = ALL_AGREE | ISSUE_ALL
    for _ in range(30):
        session.expire_all()
        tasks = services.open_tasks(session, services.get_case(session, case.id))
        wanted = [t for t in tasks if t.element_id == element_id and t.role == role]
        if wanted:
            return wanted[0]
        task = tasks[0]
        answer = (answers.get(task.element_id) or [{}])[0]
        clerk = task.role.replace("_", "-")
        services.complete_task(session, task.id, clerk, fill(services.task_form(task)) | answer)
        session.commit()
    raise AssertionError(f"{element_id} never opened")


def test_a_building_cashier_sees_the_building_approval_not_the_licence(clerks):
    session = clerks
    model = services.load_deployed_model(session, "small_business_bundle")
    start = fill(services.start_form(model.processes["small_business_bundle"]))
    case = services.start_case(
        session, "small_business_bundle", start | BUNDLE | {"nik": KNOWN_NIK}, started_by="x"
    )
    session.commit()
    task = _walk_to(session, case, "confirm_payment", "cashier")
    case = services.get_case(session, case.id)
    whole = services.case_data(case)
    assert whole.get("registry_name") and "oss_business_name" in whole  # the licence's

    shown = services.privacy.case_data_for(session, "cashier", case, task=task)
    assert "fee_amount" in shown  # the building approval's own data
    assert not {"oss_business_name", "nib_found", "company_name", "kbli"} & set(shown)

    page = services.privacy.case_data_for(session, "front-office", case)
    assert page["registry_name"] != whole["registry_name"]  # masked on the case page
    assert page["registry_birth_date"] != whole["registry_birth_date"]
