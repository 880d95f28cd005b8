"""Messages between cases, and from outside (e.g. a complainant's response).

A message a case throws that no task of its own catches goes to the one other case
that waits for a message of that name **and correlates**: every correlation property
the BPMN declares for the message (``bpmn:correlationProperty``) gives the same value
on the message's payload and on the waiting case's data, or the payload's
``case_code`` names the case. Only the fields the throwing element declares
(``pf:messagePayload``) travel, into the names the catching element declares
(``pf:messageData``). A message without a correlation, or that matches no waiting
case or several, is delivered to none: the sending case's history says why. A case
started on the public portal may not name a case by ``case_code``: a code an applicant
types proves no ownership of the case it names (see :func:`_public_case_code`), and a
message it throws reaches only a case of the same applicant, whatever it correlates by
(see :func:`not_the_applicants`). See "Messages between cases" in
``docs/bpmn-conventions.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.bpmn.message_contracts import MessageContracts, read_contracts
from engine.bpmn.xml import parse_xml
from engine.errors import EngineError, InvalidState
from engine.expressions import language
from engine.office import audit
from engine.office.pilots import APPLICANT
from engine.storage.cache import BoundedCache
from engine.storage.tables import Case, CaseStatus, MessageWait, ProcessDefinition
from engine.workflow import internals, signals
from engine.workflow.event_subprocesses import event_starts, message_scope
from engine.workflow.runtime import (
    Running,
    advance,
    open_case,
    peek_workflow,
    route_messages_with,
)

_contracts: BoundedCache[tuple[int, str], MessageContracts] = BoundedCache(256)


def contracts_for(definition: ProcessDefinition) -> MessageContracts:
    """The message declarations of a deployed version (read once per version)."""
    source = definition.source_name or definition.key
    return _contracts.get_or_make(
        (definition.id, definition.sha256),
        lambda: read_contracts(parse_xml(definition.bpmn_xml, source)),
    )


def waiting(session: Session, name: str, exclude: int | None = None) -> list[MessageWait]:
    """The waits for message ``name`` of running cases (other than ``exclude``)."""
    query = (
        select(MessageWait)
        .join(Case, MessageWait.case_id == Case.id)
        .where(MessageWait.message_name == name, Case.status == CaseStatus.RUNNING)
        .order_by(MessageWait.case_id)
    )
    return [w for w in session.scalars(query) if w.case_id != exclude]


def deliver(
    session: Session,
    case: Case,
    name: str,
    payload: dict[str, Any] | None = None,
    *,
    actor: str = "system",
) -> None:
    """Deliver message ``name`` with ``payload`` to ``case``, which must be waiting for it."""
    if case.status != CaseStatus.RUNNING:
        raise InvalidState(f"Case {case.tracking_code} is {case.status}; it takes no messages.")
    waits = [w for w in waiting(session, name) if w.case_id == case.id]
    running = open_case(case)
    starts = [] if waits else event_starts(running.workflow, MessageEventDefinition, name)
    if not waits and not starts:
        raise InvalidState(f"Case {case.tracking_code} is not waiting for the message {name!r}.")
    payload = dict(payload or {})
    if waits:
        event = _event_for(running, waits, name, payload)
        element_id = waits[0].element_id
    else:  # the message starts an event sub-process of the case
        event = BpmnEvent(MessageEventDefinition(name), payload=payload)
        message_scope(running.workflow, event)  # several scopes could take it: refused here
        element_id = starts[0]
    contracts = contracts_for(case.definition)
    variable = contracts.receipt_variables.get(element_id)
    receipts = contracts.receipts.get(element_id)
    stored = {variable: payload} if variable else _received(receipts, payload)
    audit.record(
        session,
        "message_received",
        actor=actor,
        case_id=case.id,
        element_id=element_id,
        message=f"Message '{name}' received",
        data=stored,
    )

    def catch() -> None:
        running.workflow.event_manager.catch(event, internal=False)
        _store_only_declared(running, name, stored)

    advance(session, running, actor, catch)


def _event_for(running: Running, waits: list[MessageWait], name: str, payload: dict) -> BpmnEvent:
    """The event to catch, with the correlations SpiffWorkflow compares on a later message.

    A case that caught a correlated message before only catches messages carrying the
    same correlation values; SpiffWorkflow needs them on the event itself.
    """
    code = running.case.tracking_code
    for wait in waits:
        task = running.workflow.get_task_from_id(UUID(wait.task_id))
        definition = _message_definition(getattr(task, "task_spec", None), name)
        if definition is None:
            continue
        try:
            correlations = definition.get_correlations(task, payload)
        except EngineError as exc:
            raise InvalidState(
                f"The message {name!r} to case {code} lacks its correlation: {exc}"
            ) from exc
        event = BpmnEvent(MessageEventDefinition(name), payload=payload, correlations=correlations)
        if task.task_spec.catches(task, event):
            return event
    raise InvalidState(
        f"Case {code} waits for the message {name!r}, but for other correlation values."
    )


def _message_definition(spec, name: str) -> MessageEventDefinition | None:
    definition = getattr(spec, "event_definition", None)
    for candidate in [definition, *(getattr(definition, "event_definitions", None) or ())]:
        if isinstance(candidate, MessageEventDefinition) and candidate.name == name:
            return candidate
    return None


def _received(receipts: list[tuple[str, str]] | None, payload: dict[str, Any]) -> dict:
    """What the catching element stores: its declared fields, else the whole payload."""
    if receipts is None:
        return {k: v for k, v in payload.items() if k != "case_code"}
    return {target: payload[source] for target, source in receipts if source in payload}


def _store_only_declared(running: Running, name: str, stored: dict):
    """SpiffWorkflow copies the whole payload into the task: keep only what is declared."""
    for task in running.workflow.get_tasks(state=TaskState.READY | TaskState.WAITING):
        if name in task.internal_data and _message_definition(task.task_spec, name):
            task.internal_data[name] = dict(stored)


def route_thrown(session: Session, source: Running, events: list, actor: str) -> int:
    """Deliver the messages ``source`` threw outward to the one case each correlates to,
    and its signals to every case waiting for them (:mod:`engine.workflow.signals`)."""
    delivered = 0
    for event in events:
        definition = event.event_definition
        if isinstance(definition, SignalEventDefinition):
            delivered += signals.broadcast(session, source, definition.name, actor)
        if not isinstance(definition, MessageEventDefinition):
            continue
        element_id = _thrower(source, definition)
        try:
            payload = _declared_payload(source, element_id, event.payload)
        except EngineError as exc:
            _not_delivered(session, source.case, definition.name, element_id, exc.message, actor)
            continue
        refused = _public_case_code(source.case, payload)
        if refused:
            _not_delivered(session, source.case, definition.name, element_id, refused, actor)
            continue
        try:
            target = _correlated_case(session, source.case, definition.name, payload)
        except EngineError as exc:
            if _unmatched and _unmatched[0](session, source, definition.name, payload, actor):
                delivered += 1  # it started a case of a procedure with a message start event
            else:
                _not_delivered(
                    session, source.case, definition.name, element_id, exc.message, actor
                )
            continue
        refused = not_the_applicants(source.case, target, definition.name, payload)
        if refused:
            _not_delivered(session, source.case, definition.name, element_id, refused, actor)
            continue
        deliver(session, target, definition.name, payload, actor=actor)
        delivered += 1
    return delivered


#: Starts the cases a thrown message that matches no waiting case starts (procedures
#: whose start event catches it): :mod:`engine.workflow.start_events` installs it here
#: (it needs this module, so this module cannot import it).
_unmatched: list[Callable] = []


def start_unmatched_with(starter: Callable) -> None:
    """Install ``starter(session, source, name, payload, actor) -> bool``."""
    _unmatched[:] = [starter]


def _thrower(source: Running, definition) -> str:
    """The element that threw ``definition`` (alone, or one of its several definitions)."""
    for process_spec in [source.workflow.spec, *source.workflow.subprocess_specs.values()]:
        for spec in process_spec.task_specs.values():
            own = getattr(spec, "event_definition", None)
            parts = [own, *(getattr(own, "event_definitions", None) or ())]
            if any(part is definition for part in parts):
                return spec.bpmn_id or spec.name
    return ""


def _declared_payload(source: Running, element_id: str, data: Any) -> dict[str, Any]:
    """The fields the throwing element declares, evaluated on its data; else nothing."""
    contracts = contracts_for(source.case.definition)
    fields = contracts.payloads.get(element_id, [])
    data = data if isinstance(data, dict) else {}
    expression = contracts.payload_expressions.get(element_id)
    if expression and not fields:  # SpiffArena's spiffworkflow:messagePayload
        try:
            value = language.evaluate(expression, data)
        except EngineError as exc:
            raise EngineError(f"its payload could not be computed: {exc}") from exc
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise EngineError("its payload expression must give a dict of names and values")
        return dict(value)
    payload: dict[str, Any] = {}
    for name, expression in fields:
        try:
            payload[name] = language.evaluate(expression, data)
        except EngineError as exc:
            raise EngineError(f"its payload field {name!r} could not be computed: {exc}") from exc
    return payload


def _public_case_code(source: Case, payload: dict) -> str | None:
    """Why ``source`` may not send ``payload`` naming a case by ``case_code``; else None.

    A case the applicant started on the public portal carries what the applicant typed,
    and a tracking code is no secret (it opens a case's status page): naming another
    case with it would let anyone withdraw or change someone else's application. Such
    a message is delivered by a clerk's task of a case started in the office, or the
    applicant acts on their own private tracking page.
    """
    code = payload.get("case_code")
    if not code or source.started_by != APPLICANT:
        return None
    return (
        f"it names case {code} by case_code, but case {source.tracking_code} was started "
        "on the public portal, where a typed tracking code proves no ownership of the case "
        "it names; let a clerk send it from a case started in the office"
    )


def _correlated_case(session: Session, source: Case, name: str, payload: dict) -> Case:
    """The one running case waiting for ``name`` whose correlation values match."""
    code = payload.get("case_code")
    waits = waiting(session, name, exclude=source.id)
    if code:
        matches = {w.case_id for w in waits if _case(session, w.case_id).tracking_code == code}
        matches = matches or _starting_event_subprocess(session, source, name, code)
        wanted = f"case_code = {code!r}"
    else:
        properties = contracts_for(source.definition).correlations.get(name)
        if not properties:
            raise EngineError(
                "it declares no correlation (a bpmn:correlationProperty for the message, or "
                "a case_code field in its pf:messagePayload), so it cannot tell which case "
                "it is for"
            )
        values = {label: _value(expr, payload, "its payload") for label, expr in properties}
        wanted = ", ".join(f"{label} = {value!r}" for label, value in values.items())
        matches = {w.case_id for w in waits if _correlates(session, w, values)}
    if len(matches) != 1:
        found = "no waiting case" if not matches else f"{len(matches)} waiting cases"
        raise EngineError(f"{found} correlates to {wanted}")
    return _case(session, matches.pop())


def _starting_event_subprocess(session: Session, source: Case, name: str, code) -> set[int]:
    """The running case named ``code`` when message ``name`` starts one of its event
    sub-processes (no wait row stands for those); else nothing."""
    case = session.scalar(
        select(Case).where(Case.tracking_code == str(code), Case.status == CaseStatus.RUNNING)
    )
    if case is None or case.id == source.id:
        return set()
    return {case.id} if event_starts(peek_workflow(case), MessageEventDefinition, name) else set()


def _case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:  # a waiting row outlives no case (cascade); say so rather than crash
        raise EngineError(f"case {case_id} waiting for a message no longer exists")
    return case


def _value(expression: str, data: Any, where: str) -> Any:
    try:
        return language.evaluate(expression, data)
    except EngineError as exc:
        message = f"the correlation {expression!r} cannot be read from {where}: {exc}"
        raise EngineError(message) from exc


def _correlates(session: Session, wait: MessageWait, values: dict) -> bool:
    """Whether the waiting case declares the message's correlation with the same values.

    A case whose own procedure declares no correlation for the message never matches
    by correlation (only a ``case_code`` reaches it).
    """
    case = _case(session, wait.case_id)
    own = contracts_for(case.definition).correlations.get(wait.message_name) or []
    shared = [(label, expression) for label, expression in own if label in values]
    task = peek_workflow(case).get_task_from_id(UUID(wait.task_id)) if shared else None
    if task is None:
        return False
    data = _data_with_caught(task)
    for label, expression in shared:
        try:
            if language.evaluate(expression, data) != values[label]:
                return False
        except EngineError:
            return False
    return True


def _data_with_caught(task) -> dict:
    """The waiting task's data with the payloads it has caught already: an event waiting
    for all its messages (``parallelMultiple``) takes them into its data only when the
    last comes, but a later message correlates on the earlier ones (e.g. a case started
    by the first message of such a start event)."""
    data = dict(task.data)
    for event in internals.seen_events(task):
        caught = task.internal_data.get(getattr(event.event_definition, "name", None))
        if isinstance(event.event_definition, MessageEventDefinition) and isinstance(caught, dict):
            data.update(caught)
    return data


def _not_delivered(
    session: Session, case: Case, name: str, element_id: str, reason: str, actor: str
) -> None:
    audit.record(
        session,
        "message_not_delivered",
        actor=actor,
        case_id=case.id,
        element_id=element_id or None,
        message=f"Message '{name}' was delivered to no case: {reason}.",
    )


# -- whose case a message reaches -----------------------------------------------------


def applicant_of(case: Case) -> str:
    """Whose case it is, as messages between cases compare it: the applicant's email
    address (where the case's private link and notices go), without case or spaces.

    The public portal has no applicant accounts; this address is the one thing a case
    records that says who its applicant is. Empty when the case records none.
    """
    return (case.applicant_email or "").strip().casefold()


def not_the_applicants(source: Case, target: Case, name: str, payload: dict) -> str | None:
    """Why ``source`` may not deliver message ``name`` to ``target``; None when it may.

    A case the applicant started on the public portal carries what the applicant typed,
    and a permit or registration number is no secret: correlated by it, a message would
    let anyone amend or withdraw someone else's case. So such a case reaches only a case
    of the same applicant (:func:`applicant_of`), whether that one was started on the
    portal or by a clerk for them. A case started in the office is not checked: a clerk
    saw who asks.
    """
    if source.started_by != APPLICANT:
        return None
    mine = applicant_of(source)
    if mine and applicant_of(target) == mine:
        return None
    whose = (
        f"case {source.tracking_code} was started on the public portal and records no "
        "applicant email, so no case can be shown to be the applicant's"
        if not mine
        else f"it belongs to another applicant than case {source.tracking_code}, which was "
        "started on the public portal"
    )
    return (
        f"case {target.tracking_code} correlates to {_wanted(source, name, payload)}, but "
        f"{whose}; a typed value proves no ownership of the case it names, so the applicant "
        "reaches only their own cases (the same email address): let a clerk send it from a "
        "case started in the office"
    )


def _wanted(source: Case, name: str, payload: dict) -> str:
    """``permit number = 'IMB-1'``: the correlation values ``payload`` carries."""
    properties = contracts_for(source.definition).correlations.get(name) or []
    return ", ".join(
        f"{label} = {_value(expression, payload, 'its payload')!r}"
        for label, expression in properties
    )


def take_applicant(source: Case, started: Case) -> None:
    """A case a message of ``source`` started belongs to ``source``'s applicant when
    ``source`` was started on the public portal: its data is what they typed, so its
    own messages are checked as theirs, and their notices go to them."""
    if source.started_by != APPLICANT:
        return
    started.started_by = APPLICANT
    started.applicant_name = source.applicant_name
    started.applicant_email = source.applicant_email
    started.language = source.language


route_messages_with(route_thrown)
