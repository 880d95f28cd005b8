"""Signals between cases: BPMN broadcasts a signal to everyone waiting for it.

SpiffWorkflow 3.2 delivers a signal only inside the workflow that throws it. BPMN's
signal is a broadcast: a "office closed" thrown by one case reaches every running case
that waits for that signal, of the same procedure or another (an intermediate catch
event, a boundary event, an event sub-process started by it). :func:`engine.workflow.signal_throw.broadcast_throw`
(installed on SpiffWorkflow's signal definition by :mod:`engine.workflow.specs`) hands
every signal a case throws to the engine, caught inside the case or not. A signal
carries no data to other cases (the thrower's data stay its own).

After the thrower's step, never inside it. :func:`broadcast` only records a background
job (:mod:`engine.background.jobs`, kind :data:`JOB_KIND`) in the thrower's transaction,
handed to the workers once it commits: a step that rolls back throws nothing, and no
receiving case can roll the thrower's step back (a clerk's completion used to fail with
a conflict because another case it signalled was changed meanwhile). The job delivers to
each receiving case in a transaction of its own; the case's ``signal_received`` history
entry, written with the delivery, is the receipt that keeps a job run twice (a killed
worker's, taken over) from delivering to it again. A receiving case another transaction
holds or changed meanwhile is tried again after a pause (:data:`RETRY_PAUSES`), then by a
follow-up job, never skipped silently. Tests and step-by-step scripts run the job in the
committing thread, with the service task calls (``PERMITFLOW_CALLS_EAGER``,
:func:`engine.integration.calls.eagerly`).

A case is reached when it waits for the signal as the job comes to it (a moment after
the throw). A case in incident is reached too when another of its branches waits for the
signal: the signal is caught in its stored workflow (the catching event marked fired,
an event sub-process it starts created) but nothing runs (:func:`_hold`): the case stays
in incident, as stopped as it was, and the caught branch moves on with the rest when an
administrator retries or skips the failed step (their engine steps run it), so a signal
that came meanwhile is not lost. The job looks only at the open cases of the versions
that catch the signal, and loads each of those once: the case is opened, asked whether it waits for
the signal, and the signal is caught in the same workflow (signal waits are kept in no side
table, so the stored state is the only place that says so).

One top-level throw is bounded in breadth as well as depth, through its chain of jobs (a
delivered signal may make the receiving case throw again, which queues the next job of
the chain): the chain is at most :data:`MAX_CHAIN` throws deep (the one beyond is not
queued, and the case's history says so), each case takes each signal name at most
once per chain (nor is it sent back to a case that threw it earlier in the chain), and
the chain reaches at most :data:`MAX_DELIVERIES` cases in all (counted from the
receipts; when the jobs of one chain run at once on several workers a few more may slip
through); the cases beyond are not reached, and the broadcasting case's history says how
many (its step still succeeded). The chain a delivery belongs to is per thread (a
:class:`contextvars.ContextVar`) and travels to the next job in its parameters, never
shared between concurrent throws.

Escalations and errors are not broadcast: BPMN keeps them inside the case that throws
them (to the enclosing scopes).
"""

from __future__ import annotations

import importlib
import logging
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from engine.background import jobs
from engine.errors import Conflict
from engine.integration import calls
from engine.office import audit
from engine.storage import db
from engine.storage.cache import BoundedCache
from engine.storage.tables import AuditEntry, Case, CaseStatus, ProcessDefinition
from engine.workflow import specs
from engine.workflow.event_subprocesses import event_starts
from engine.workflow.runtime import Running, advance, open_case, save

log = logging.getLogger("permitflow.signals")
JOB_KIND = "signal_delivery"
#: how deep signals may set off signals in other cases before the chain is stopped
MAX_CHAIN = 8
#: how many cases one top-level throw may reach in all, its chain of signals included
MAX_DELIVERIES = 100
#: pauses (seconds) before a job tries again the cases that were held or changed meanwhile
RETRY_PAUSES = (0.05, 0.25, 1.0, 3.0)
#: follow-up jobs for the cases still held after those pauses, each after a longer pause
MAX_FOLLOW_UPS = 5
FOLLOW_UP_PAUSE = 10.0
RECEIVED = "signal_received"
_HELD = ("busy", "conflict")  # database failures after which a case is tried again
#: the statuses of the cases a signal reaches (one in incident caught, run when resolved)
_RECEIVING = (CaseStatus.RUNNING, CaseStatus.INCIDENT)


@dataclass(frozen=True)
class _Throw:
    """The chain of jobs a delivery belongs to: the job of the top-level throw (``root``),
    how deep this job is, the (case, signal) of every throw before it in the chain, and
    the last history entry before the top-level throw (its receipts all come after)."""

    root: int
    depth: int = 0
    chain: tuple[tuple[int, str], ...] = field(default_factory=tuple)
    after: int = 0


_current: ContextVar[_Throw | None] = ContextVar("permitflow_signal_throw", default=None)
_caught: BoundedCache[tuple[int, str], frozenset[str]] = BoundedCache(256)


def signals_caught(definition: ProcessDefinition) -> frozenset[str]:
    """Names of the signals some element of a deployed version catches."""

    def read() -> frozenset[str]:
        spec, subprocess_specs = specs.specs_for(definition)
        names = set()
        for process_spec in [spec, *subprocess_specs.values()]:
            for task_spec in process_spec.task_specs.values():
                if isinstance(task_spec, CatchingEvent):
                    names.update(_signal_names(task_spec.event_definition))
        return frozenset(names)

    return _caught.get_or_make((definition.id, definition.sha256), read)


def _signal_names(definition) -> list[str]:
    parts = [definition, *(getattr(definition, "event_definitions", None) or ())]
    return [p.name for p in parts if isinstance(p, SignalEventDefinition)]


def broadcast(session: Session, source: Running, name: str, actor: str) -> int:
    """Queue the delivery of signal ``name`` thrown by ``source`` to the other running
    cases waiting for it, for once this transaction commits; returns how many cases it
    reached now, which is none (the job's history entries say whom it reached)."""
    throw = _current.get()  # set while a job delivers: this throw continues its chain
    depth = throw.depth + 1 if throw else 0
    if depth >= MAX_CHAIN:
        message = (
            f"Signal '{name}' was broadcast to no case: {MAX_CHAIN} signals in a row "
            "set each other off (a loop?)"
        )
        _record(session, source.case.id, "signal_not_broadcast", message, actor)
        return 0
    params: dict[str, Any] = {
        "signal": name,
        "source": source.case.id,
        "actor": actor,
        "root": throw.root if throw else None,
        "depth": depth,
        "chain": [list(link) for link in throw.chain] if throw else [],
        "after": throw.after if throw else session.scalar(select(func.max(AuditEntry.id))) or 0,
    }
    job = jobs.create(session, JOB_KIND, params, created_by=actor)
    if throw is None:  # a top-level throw: its job names the chain
        job.params = {**params, "root": job.id}
    jobs.submit_after_commit(session, [job.id], now=calls.eager())
    return 0


def deliver_job(params: dict[str, Any], report) -> dict[str, Any]:
    """The job of one throw: deliver it to each case waiting for it, each in a transaction
    of its own, once; then say in the thrower's history whom it reached."""
    importlib.import_module("engine.services")  # a step's hooks (messages, bills) in a worker
    engine = jobs.current_engine()
    name, source, actor = str(params["signal"]), int(params["source"]), str(params["actor"])
    chain = tuple((int(c), str(n)) for c, n in params.get("chain") or ())
    depth, after = int(params.get("depth") or 0), int(params.get("after") or 0)
    throw = _Throw(int(params["root"]), depth, chain, after)
    if params.get("follow_up"):  # the cases were held through the pauses of the last job
        time.sleep(FOLLOW_UP_PAUSE * int(params["follow_up"]))
    with Session(engine) as session:
        thrower = session.get(Case, source)
        code = thrower.tracking_code if thrower else str(source)
        ids = params.get("only") or _candidates(session, name, {source, *_threw(chain, name)})
    outcome = _deliver_all(engine, throw, name, source, code, actor, ids, report)
    with Session(engine) as session:
        _summarize(session, params, outcome)
        session.commit()
    return {key: len(value) for key, value in outcome.items()}


def _threw(chain: tuple[tuple[int, str], ...], name: str) -> set[int]:
    return {case_id for case_id, thrown in chain if thrown == name}


def _deliver_all(engine, throw, name, source, code, actor, ids, report) -> dict[str, list]:
    """Deliver to the cases ``ids``; try the held ones again after each pause."""
    outcome: dict[str, list] = {"reached": [], "over": [], "busy": []}
    pending = list(ids)
    link = _Throw(throw.root, throw.depth, (*throw.chain, (source, name)), throw.after)
    for pause in (*RETRY_PAUSES, None):
        held = []
        for case_id in pending:
            result = _deliver_once(engine, link, name, case_id, code, actor)
            if result in outcome:
                outcome[result].append(case_id)
            elif result == "held":
                held.append(case_id)
        if not held or pause is None:
            outcome["busy"] = held
            break
        report(len(outcome["reached"]) / max(1, len(ids)), f"{len(held)} cases held; waiting")
        time.sleep(pause)
        pending = held
    return outcome


def _deliver_once(engine: Engine, throw: _Throw, name: str, case_id: int, code, actor) -> str:
    """``"reached"``, ``"skipped"`` (received already, or waits for it no longer),
    ``"over"`` (the chain reached :data:`MAX_DELIVERIES` cases) or ``"held"`` (another
    transaction held or changed the case: try again)."""
    with Session(engine) as session:
        try:
            if _received(session, throw, name, case_id):
                return "skipped"
            if _deliveries(session, throw) >= MAX_DELIVERIES:
                return "over"
            case = session.get(Case, case_id)
            if case is None or case.status not in _RECEIVING:
                return "skipped"
            running = open_case(case)
            if not _waits_for(running.workflow, name):
                return "skipped"
            if case.status == CaseStatus.INCIDENT:
                _hold(session, running, name, code, actor, throw.root)
            else:
                token = _current.set(throw)  # what the receiving case throws continues the chain
                try:
                    _deliver(session, running, name, code, actor, throw.root)
                finally:
                    _current.reset(token)
            session.commit()
        except (Conflict, SQLAlchemyError) as exc:
            session.rollback()
            if isinstance(exc, SQLAlchemyError) and db.describe_failure(exc)[0] not in _HELD:
                raise
            log.info("signal %r: case %s held (%s); tried again later", name, case_id, exc)
            return "held"
    return "reached"


def _summarize(session: Session, params: dict[str, Any], outcome: dict[str, list]) -> None:
    """The thrower's history: whom the throw reached, whom not, who is tried again."""
    name, source, actor = params["signal"], params["source"], params["actor"]
    reached = outcome["reached"]
    rows = session.execute(select(Case.id, Case.tracking_code).where(Case.id.in_(reached)))
    codes = {case_id: code for case_id, code in rows}
    listed = f": {', '.join(codes.get(i, str(i)) for i in reached)}" if reached else ""
    message = f"Signal '{name}' broadcast to {len(reached)} other cases{listed}"
    _record(session, source, "signal_broadcast", message, actor)
    if outcome["over"]:
        _record(session, source, "signal_not_broadcast", _over_limit(name, outcome["over"]), actor)
    busy = outcome["busy"]
    if not busy:
        return
    round_ = int(params.get("follow_up") or 0) + 1
    if round_ > MAX_FOLLOW_UPS:
        message = (
            f"Signal '{name}' was not delivered to {len(busy)} cases that other work held "
            f"through {MAX_FOLLOW_UPS} follow-up attempts (case ids {busy})"
        )
        _record(session, source, "signal_not_broadcast", message, actor)
        return
    follow_up = {**params, "only": busy, "follow_up": round_}
    job = jobs.create(session, JOB_KIND, follow_up, created_by=actor)
    jobs.submit_after_commit(session, [job.id], now=calls.eager())


def _over_limit(name: str, left: list) -> str:
    return (
        f"Signal '{name}' was not delivered to {len(left)} further running cases of procedures "
        f"that catch it: one signal and the signals it sets off reach at most "
        f"{MAX_DELIVERIES} cases"
    )


def _candidates(session: Session, name: str, exclude: set[int]) -> list[int]:
    """Ids of the running cases and cases in incident (but ``exclude``) of the versions
    that catch ``name``."""
    running = select(Case.definition_id).where(Case.status.in_(_RECEIVING)).distinct()
    versions = session.execute(
        select(ProcessDefinition.id, ProcessDefinition.sha256).where(
            ProcessDefinition.id.in_(running)
        )
    )
    ids = [d for d, sha in versions if name in _caught_by(session, d, sha)]
    if not ids:
        return []
    query = (
        select(Case.id)
        .where(Case.definition_id.in_(ids), Case.status.in_(_RECEIVING))
        .where(Case.id.not_in(exclude))
        .order_by(Case.id)
    )
    return list(session.scalars(query))


def _caught_by(session: Session, definition_id: int, sha256: str) -> frozenset[str]:
    """:func:`signals_caught` of a version, loading its row only the first time."""
    known = _caught.get((definition_id, sha256))
    if known is not None:
        return known
    definition = session.get(ProcessDefinition, definition_id)
    return signals_caught(definition) if definition else frozenset()


def _receipt(root: int) -> str:
    """The receipts of one chain: the ``task_id`` of their ``signal_received`` entries."""
    return f"signal-throw:{root}"


def _received(session: Session, throw: _Throw, name: str, case_id: int) -> bool:
    """Whether the case took signal ``name`` of this chain already (its receipt)."""
    query = select(AuditEntry.id).where(
        AuditEntry.case_id == case_id,
        AuditEntry.id > throw.after,
        AuditEntry.action == RECEIVED,
        AuditEntry.task_id == _receipt(throw.root),
        AuditEntry.element_id == name[:200],
    )
    return session.scalar(query.limit(1)) is not None


def _deliveries(session: Session, throw: _Throw) -> int:
    """How many cases the chain reached so far (only the entries since it began are read)."""
    query = select(func.count()).where(
        AuditEntry.id > throw.after,
        AuditEntry.action == RECEIVED,
        AuditEntry.task_id == _receipt(throw.root),
    )
    return session.scalar(query) or 0


def _event(name: str) -> BpmnEvent:
    return BpmnEvent(SignalEventDefinition(name))


def _waits_for(workflow, name: str) -> bool:
    event = _event(name)
    waiting = [
        t
        for t in workflow.event_manager.tasks.values()
        if t.state == TaskState.WAITING and t.task_spec.catches(t, event)
    ]
    return bool(waiting or event_starts(workflow, SignalEventDefinition, name))


def _deliver(
    session: Session, running: Running, name: str, thrower: str, actor: str, root: int
) -> None:
    """Catch the signal in the receiving case, with its receipt in its history."""
    _receipt_entry(session, running, name, f"Signal '{name}' received from case {thrower}",
                   actor, root)  # fmt: skip
    advance(
        session,
        running,
        actor,
        lambda: running.workflow.event_manager.catch(_event(name), internal=False),
    )


def _hold(
    session: Session, running: Running, name: str, thrower: str, actor: str, root: int
) -> None:
    """Catch the signal in a case in incident without running anything: the caught event
    waits, fired, for the engine steps of the administrator's retry or skip (the case's
    status, its open incident and its tasks stay as they are)."""
    message = (
        f"Signal '{name}' received from case {thrower} while the case is in incident; "
        "its branch goes on once the incident is retried or skipped"
    )
    _receipt_entry(session, running, name, message, actor, root)
    running.workflow.event_manager.catch(_event(name), internal=False)
    save(session, running, actor)


def _receipt_entry(
    session: Session, running: Running, name: str, message: str, actor: str, root: int
) -> None:
    """The receipt of signal ``name`` in the receiving case's history (one per throw)."""
    audit.record(
        session,
        RECEIVED,
        actor=actor,
        case_id=running.case.id,
        task_id=_receipt(root),
        element_id=name[:200],
        message=message,
    )


def _record(session: Session, case_id: int, action: str, message: str, actor: str) -> None:
    audit.record(session, action, actor=actor, case_id=case_id, message=message)


jobs.register(JOB_KIND, deliver_job)
