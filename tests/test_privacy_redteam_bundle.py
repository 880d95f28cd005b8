"""Retention of a one-stop bundle (issue 13 red team): the personal values the called
procedures brought back (the population registry's name, birth date and address) go too."""

from __future__ import annotations

from engine import services
from engine.privacy import retention
from engine.workflow.runtime import open_case
from tests import test_procedures
from tests.test_bundle import PATHS
from tests.test_procedures import Path, run_path

clerks = test_procedures.clerks  # the fixture: a clerk per role, every procedure deployed
PERSONAL = {"SITI RAHAYU", "JL. ASIA AFRIKA NO. 8, BANDUNG", "3273010101900001", "1990-01-01"}


def _personal_values_left(workflow) -> set:
    spiffs = [workflow, *getattr(workflow, "subprocesses", {}).values()]
    return {
        (key, value)
        for spiff in spiffs
        for task in spiff.get_tasks()
        for key, value in task.data.items()
        if isinstance(value, str) and value in PERSONAL
    }


def test_retention_of_a_bundle_removes_the_called_procedures_personal_values(clerks):
    p = PATHS["bundle-three-permits-issued"]
    start = dict(p.start) | {"nik": "3273010101900001", "nib": "9120001234567"}
    path = Path(p.key, start, p.answers, p.outcome, p.visits, p.skips, p.events, p.wait_at)
    case, _ = run_path(clerks, path)
    assert case.status == "completed"
    assert _personal_values_left(open_case(case).workflow)  # the registry's values arrived
    retention.anonymise(clerks, case)
    clerks.commit()
    case = services.get_case(clerks, case.id)
    assert _personal_values_left(open_case(case).workflow) == set()
