"""Messages between cases, and from outside (e.g. a complainant's response).

A message a case throws that no task of its own catches is delivered to the other
cases waiting for a message of that name; a ``case_code`` in the payload narrows it
to one case.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import InvalidState
from engine.office import audit
from engine.storage.tables import Case, MessageWait
from engine.workflow.runtime import advance, open_case


def waiting_cases(session: Session, name: str, exclude: int | None = None) -> list[Case]:
    query = (
        select(Case)
        .join(MessageWait, MessageWait.case_id == Case.id)
        .where(MessageWait.message_name == name, Case.status == "running")
        .distinct()
    )
    cases = list(session.scalars(query))
    return [c for c in cases if c.id != exclude]


def deliver(
    session: Session,
    case: Case,
    name: str,
    payload: dict[str, Any] | None = None,
    *,
    actor: str = "system",
) -> None:
    """Deliver message ``name`` with ``payload`` to one case waiting for it."""
    if case.status != "running":
        raise InvalidState(f"Case {case.tracking_code} is {case.status}; it takes no messages.")
    running = open_case(case)
    event = BpmnEvent(MessageEventDefinition(name), payload=dict(payload or {}))
    if running.workflow.event_manager.catch(event, internal=False) == 0:
        raise InvalidState(f"Case {case.tracking_code} is not waiting for the message {name!r}.")
    audit.record(
        session,
        "message_received",
        actor=actor,
        case_id=case.id,
        message=f"Message '{name}' received",
        data=dict(payload or {}),
    )
    advance(session, running, actor)


def route_thrown(session: Session, source: Case, events: list, actor: str) -> int:
    """Deliver the messages ``source`` threw outward to the cases waiting for them."""
    delivered = 0
    for event in events:
        definition = event.event_definition
        if not isinstance(definition, MessageEventDefinition):
            continue
        payload = event.payload if isinstance(event.payload, dict) else {}
        targets = waiting_cases(session, definition.name, exclude=source.id)
        code = payload.get("case_code")
        if code:
            targets = [c for c in targets if c.tracking_code == code]
        for target in targets:
            deliver(session, target, definition.name, payload, actor=actor)
            delivered += 1
    return delivered
