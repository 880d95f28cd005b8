"""Who may work on a task and who may see a case's documents: one rule, used everywhere.

A task belongs to the role of its BPMN lane; the holders of that role work on it, and
an admin may step in anywhere. A case's clerks are the holders of any lane role of
its procedure version (and admins): they see its documents. The CLI, the engine's
task functions, the web pages and the API all ask here.
"""

from __future__ import annotations

from collections.abc import Set

from sqlalchemy.orm import Session, object_session

from engine.accounts.users import SYSTEM_ROLES, roles_of
from engine.storage.tables import Case, HumanTask, ProcessDefinition
from engine.workflow import specs

ADMIN_ROLE = "admin"


def may_work_in_lane(roles: Set[str], role: str | None) -> bool:
    """Holders of ``role`` work on its tasks; an admin on any.

    A system role is never a lane role (validation refuses it); were one deployed
    before that check, holding ``designer`` or ``reformer`` still opens no task.
    """
    return ADMIN_ROLE in roles or (role is not None and role not in SYSTEM_ROLES and role in roles)


def may_work_on(session: Session, username: str, task: HumanTask) -> bool:
    """Whether ``username`` may claim, complete or return ``task``."""
    return may_work_in_lane(roles_of(session, username), task.role)


def case_lane_roles(case: Case) -> set[str]:
    """The role keys of the lanes of the case's procedure version and of the deployed
    versions its call activities run (a bundle's clerks include the called permits')."""
    roles = _lane_roles(case.definition)
    session = object_session(case.definition)
    if session is not None and case.definition.spec_json:
        for called_id in specs.called_definition_ids(case.definition).values():
            called = session.get(ProcessDefinition, called_id)
            if called is not None:
                roles |= _lane_roles(called)
    return roles


def _lane_roles(definition: ProcessDefinition) -> set[str]:
    lanes = (definition.lanes or {}).values()
    return {lane["role"] for lane in lanes if lane.get("role") and lane["role"] not in SYSTEM_ROLES}


def is_clerk_of(roles: Set[str], case: Case) -> bool:
    """An admin, or a holder of a lane role of the case's procedure."""
    return ADMIN_ROLE in roles or bool(set(roles) & case_lane_roles(case))


def may_see_case(session: Session, username: str, case: Case) -> bool:
    """Need to know (UU 27/2022): a case's data and documents are for its clerks only.

    The holders of a lane role of its procedure and admins; a designer or a reformer
    (who work on models and figures, not on cases) sees none of its personal data.
    """
    return is_clerk_of(roles_of(session, username), case)


def may_see_documents(session: Session, username: str, case: Case) -> bool:
    """The case's clerks see (and download) its documents."""
    return may_see_case(session, username, case)
