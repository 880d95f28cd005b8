"""Starting a case by hand (a clerk through the API, the command line): refused for a
procedure that starts by itself.

A procedure whose every top-level start event is a timer or a message start event
(:func:`engine.workflow.start_events.starts_by_itself`) has its cases started by the
engine: on its schedule, or when its message arrives. Started by hand, such a case would
wait at its start event for a time or a message that never comes for it, so a hand start
is refused with a message saying how its cases start. The public catalogue does not
offer such a procedure at all (its apply page is a 404).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from engine.errors import InvalidState
from engine.office import definitions
from engine.office.cases import start_case
from engine.storage.tables import Case, ProcessDefinition
from engine.workflow.start_events import starts_by_itself


class StartsByItself(InvalidState):
    """A hand start of a procedure whose cases start on a schedule or by a message."""

    code = "starts_by_itself"

    def __init__(self, definition: ProcessDefinition, how: list[str]) -> None:
        self.key, self.name, self.how = definition.key, definition.name, how
        super().__init__(
            f"Cases of {definition.name!r} start by themselves ({'; '.join(how)}); "
            "they cannot be started by hand."
        )


def how_it_starts(definition: ProcessDefinition) -> list[str]:
    """``timer 'Every month'`` / ``message 'complaint_filed'`` for each start event."""
    process = definitions.model_for(definition).processes[definition.key]
    found = []
    for node in process.start_events():
        for kind in dict.fromkeys(node.event_definitions):  # once for several messages
            found.append(f"{kind} {node.label!r}")
    return found


def start_by_hand(
    session: Session,
    key: str,
    data: dict[str, Any] | None = None,
    *,
    started_by: str,
    version: int | None = None,
    language: str = "id",
) -> Case:
    """Start a case as a clerk; refused (:class:`StartsByItself`) when it starts by itself."""
    definition = definitions.get_definition(session, key, version)
    if starts_by_itself(definition):
        raise StartsByItself(definition, how_it_starts(definition))
    return start_case(session, key, data, started_by=started_by, version=version, language=language)
