"""What a case produces as it runs: bills and permits, after each completed step.

Installed in :func:`engine.workflow.runtime.advance`, so it runs however the case moved
(a task completed, a timer fired, a message caught); issuing and billing are idempotent
per element, so running it again changes nothing.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from engine.office import payments, permits
from engine.storage.tables import CaseStatus
from engine.workflow import runtime
from engine.workflow.states import completed_tasks


def completed_steps(workflow) -> list[tuple[str, dict]]:
    """``(element id, data)`` of every completed step of ``workflow``, in order."""
    return [
        (task.task_spec.bpmn_id, task.data)
        for task in completed_tasks(workflow)
        if getattr(task.task_spec, "bpmn_id", None)
    ]


def after_steps(session: Session, running, actor: str) -> None:
    """Issue what the steps completed so far call for and was not issued yet."""
    if running.case.status == CaseStatus.INCIDENT:
        return
    steps = completed_steps(running.workflow)
    payments.bill_due(session, running.case, running.process, steps, actor)
    permits.issue_due(session, running.case, running.process, steps, actor)


runtime.run_after_steps(after_steps)
