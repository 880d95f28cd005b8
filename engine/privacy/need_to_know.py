"""What a member of staff sees of a case's personal data, and the logged unmasking.

The rule who sees a case at all is :func:`engine.office.access.may_see_case` (its
clerks and admins). Within it, personal fields are masked except those the user's own
open task asks for (the task form's fields are needed to do the work); showing any other
value is :func:`unmask`: an explicit action with a reason, written to the access log.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from engine.bpmn.model import FormField
from engine.errors import InvalidFormData, NotAllowed
from engine.office import access, definitions, steps
from engine.office.cases import case_data
from engine.privacy import access_log
from engine.privacy.classification import personal_fields
from engine.privacy.masking import kind_of_field, mask, mask_data
from engine.storage.tables import Case, HumanTask


def personal_fields_of(case: Case) -> dict[str, FormField]:
    """The marked personal fields over every form of the case's procedure version and of
    the versions it calls: a called procedure's data comes back into the case (a bundle's
    business licence brings the population registry's name, birth date and address)."""
    found: dict[str, FormField] = {}
    for _version, process in steps.sources(case.definition).values():
        for field_id, field in personal_fields(process).items():
            found.setdefault(field_id, field)
    return found


def fields_of_task(case: Case, task: HumanTask) -> set[str]:
    """The ids of the form fields of ``task`` (what the task needs to see)."""
    found = definitions.locate(case.definition, task.element_id)
    return {f.id for f in found[1].form_fields} if found is not None else set()


def _in_called_procedure(case: Case, task: HumanTask) -> bool:
    found = definitions.locate(case.definition, task.element_id)
    return found is not None and found[0].id != case.process_key


def require_case_access(session: Session, username: str, case: Case) -> None:
    if not access.may_see_case(session, username, case):
        raise NotAllowed(
            f"Case {case.tracking_code}: its data is for the clerks of its procedure only "
            "(need to know, UU 27/2022)."
        )


def case_data_for(
    session: Session,
    username: str,
    case: Case,
    *,
    task: HumanTask | None = None,
    unmasked: Iterable[str] = (),
) -> dict[str, Any]:
    """The case data as ``username`` may see it: masked except the task's own fields; for
    a task of a called procedure, the data that procedure was given and produced.

    ``NotAllowed`` for someone who is not a clerk of the case. Personal fields shown in
    clear (the task's own) are logged as ``viewed``; ``unmasked`` are fields the user
    unmasked with :func:`unmask` in this request (already logged).
    """
    require_case_access(session, username, case)
    # a task of a called procedure (a bundle's permit) sees that procedure's data only
    called = task is not None and _in_called_procedure(case, task)
    data = steps.task_data(task) if called and task is not None else case_data(case)
    personal = personal_fields_of(case)
    needed = set(unmasked)
    if task is not None and access.may_work_on(session, username, task):
        needed |= fields_of_task(case, task)
    shown = sorted(f for f in needed if f in personal and data.get(f) not in (None, ""))
    if shown and task is not None:
        access_log.record(
            session,
            "viewed",
            actor=username,
            case=case,
            field_id=",".join(shown),
            reason=f"task {task.name or task.element_id}",
        )
    return mask_data(data, personal, needed)


def unmask(session: Session, username: str, case: Case, field_id: str, reason: str) -> Any:
    """The clear value of one personal field, logged with ``reason`` (who, when, why)."""
    require_case_access(session, username, case)
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise InvalidFormData(
            {"reason": "say why you need to see this value (5 characters or more)"}
        )
    personal = personal_fields_of(case)
    if field_id not in personal:
        raise InvalidFormData({"field": f"{field_id!r} is not a personal field of this case"})
    access_log.record(
        session, "unmasked", actor=username, case=case, field_id=field_id, reason=reason[:1000]
    )
    return case_data(case).get(field_id)


def masked_applicant(case: Case) -> str:
    """The applicant's name as lists show it (``S*** R***``)."""
    return mask(case.applicant_name, "name") if case.applicant_name else ""


def mask_field_value(field: FormField, value: Any) -> Any:
    return mask(value, kind_of_field(field))
