"""What a case produces as it runs: bills and permits, after each completed step.

Installed in :func:`engine.workflow.runtime.advance`, so it runs however the case moved
(a task completed, a timer fired, a message caught); issuing and billing are idempotent
per element, so running it again changes nothing. The steps of a called procedure
(a call activity) bill and issue as that procedure does alone (:mod:`engine.office.steps`).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from engine.office import payments, permits
from engine.office.steps import completed_steps
from engine.storage.tables import CaseStatus
from engine.workflow import runtime


def after_steps(session: Session, running, actor: str) -> None:
    """Issue what the steps completed so far call for and was not issued yet."""
    if running.case.status == CaseStatus.INCIDENT:
        return
    steps = completed_steps(running.workflow, running.case.definition)
    if any(_BILLING & step.node.properties.keys() for step in steps):
        payments.bill_due(session, running.case, steps, actor)
    if any(_ISSUING & step.node.properties.keys() for step in steps):
        permits.issue_due(session, running.case, steps, actor)


# the step properties :func:`payments.bill_due` and :func:`permits.issue_due` act on: a case
# whose completed steps have none of them needs no look at its bills or permits (no query)
_BILLING = frozenset({"bill", "confirmsPayment"})
_ISSUING = frozenset({"issues"})


runtime.run_after_steps(after_steps)
