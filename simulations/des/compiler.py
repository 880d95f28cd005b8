"""Compile a BPMN process plus parameters into integer-indexed arrays for the event loop.

Every flow node gets an index, a behaviour code (:data:`TASK`, :data:`XOR`...), its
successors as a tuple of indices and, for exclusive gateways, cumulative branch
probabilities (the arrays: :mod:`simulations.des.compiled`). A transaction runs as a
sub-process (its cancel end event ends it like an end event); a conditional catch event
is a wait (``events.<id>.delay``, else none). The event loop then never touches a string
or a dict per step.

A call activity of a known process compiles that process's nodes in too, run as a
sub-process (:mod:`simulations.des.calls`); a looping activity gets a
:class:`~simulations.des.repeats.Repeat`; the starts of event sub-processes are kept
per scope, like boundary events (:mod:`simulations.des.compiled_events`).
"""

from __future__ import annotations

from collections import deque

from engine.bpmn.model import BpmnModel, Node, Process
from simulations.des.calls import place_nodes
from simulations.des.compiled import (  # callers may import these from here too
    AND,
    DELAY,
    END,
    EVGW,
    OR,
    PASS,
    SUB,
    TASK,
    TERMINATE,
    XOR,
    CompiledProcess,
)
from simulations.des.compiled import Boundary as Boundary  # re-exported, as it was
from simulations.des.compiled_events import boundaries_of, event_subprocesses, warn_about_timers
from simulations.des.repeats import repeat_of
from simulations.params.distributions import Distribution, ParamsError
from simulations.params.parameters import SimParams

RESOURCE_KINDS = frozenset({"task", "userTask", "manualTask"})
_SUB_KINDS = frozenset({"subProcess", "transaction", "adHocSubProcess"})
_GATEWAYS = {
    "exclusiveGateway": XOR,
    "complexGateway": XOR,
    "parallelGateway": AND,
    "inclusiveGateway": OR,
    "eventBasedGateway": EVGW,
}


def compile_process(
    model: BpmnModel,
    params: SimParams,
    process_id: str | None = None,
    called: dict[str, BpmnModel] | None = None,
) -> CompiledProcess:
    """Compile ``model``'s process (``process_id``, else params', else the main one).

    ``called`` maps process keys to models, so call activities of processes not in
    ``model`` (deployed ones) run inline too; see :mod:`simulations.des.calls`.

    Raises
    ------
    ParamsError
        When the process does not exist or has no start event, or parameters name
        flows, tasks or lanes the process does not have.
    """
    process = _pick_process(model, process_id or params.process)
    c = CompiledProcess(process)
    placed = place_nodes(model, process, params, called, c.warnings)
    index = {p.key: i for i, p in enumerate(placed)}
    taken: set[str] = set()
    for p in placed:
        shown = p.node.id if p.node.id not in taken else p.key
        taken.add(shown)
        _compile_node(c, p.node, params, shown, p.inlined)
    boundaries: dict[str, list[Node]] = {}
    sub_starts: dict[str, list[str]] = {}
    for p in placed:  # once, not per node: compiling stays linear
        if p.node.attached_to:
            boundaries.setdefault(p.prefix + p.node.attached_to, []).append(p.node)
        if p.node.kind == "startEvent" and p.parent:
            inner = sub_starts.setdefault(p.parent, [])
            if p.node.parent_id or not inner:  # a called process starts at its first start
                inner.append(p.key)
    for i, p in enumerate(placed):
        flows = p.process.outgoing(p.node.id)
        targets = (index.get(p.prefix + f.target) for f in flows)
        c.succ.append(tuple(t for t in targets if t is not None))
        c.probs.append(_branch_probabilities(c.kinds[i], [f.id for f in flows], params, c))
        need = len(p.process.incoming(p.node.id))
        c.join_need.append(need if c.kinds[i] in (AND, OR) and need > 1 else 1)
        c.boundaries.append(boundaries_of(boundaries.get(p.key, []), params, index, p.prefix))
        c.sub_starts.append(tuple(index[s] for s in sub_starts.get(p.key, [])))
    c.or_join = [
        _paired_join(c, i) if c.kinds[i] == OR and len(c.succ[i]) > 1 else -1
        for i in range(len(placed))
    ]
    starts = [n for n in process.start_events() if n.id in index]
    if not starts:
        raise ParamsError(f"process {process.id!r} has no start event to simulate")
    c.start_nodes = (index[starts[0].id],)
    event_subprocesses(c, placed, index, sub_starts, params)
    c.cancellable = (
        any(k == TERMINATE for k in c.kinds)
        or any(
            b.interrupting
            for i, bs in enumerate(c.boundaries)
            for b in bs
            if c.kinds[i] == SUB or c.repeat[i] is not None
        )
        or any(b.interrupting for bs in [*c.event_subs, c.case_event_subs] for b in bs)
    )
    _check_references(c, params, placed)
    warn_about_timers(c, params)
    return c


def _pick_process(model: BpmnModel, process_id: str | None) -> Process:
    if process_id:
        if process_id not in model.processes:
            raise ParamsError(f"process: {process_id!r} is not in {model.source}")
        return model.processes[process_id]
    try:
        return model.main_process()
    except LookupError as exc:
        raise ParamsError(str(exc)) from None


def _compile_node(
    c: CompiledProcess, node: Node, params: SimParams, shown: str, inlined: bool
) -> None:
    task = params.tasks.get(node.id)
    kind, duration, pool = PASS, None, -1
    if node.kind in _GATEWAYS:
        kind = _GATEWAYS[node.kind]
    elif node.kind == "endEvent":
        kind = TERMINATE if "terminate" in node.event_definitions else END
    elif node.kind in _SUB_KINDS or inlined:
        kind = SUB
    elif node.kind == "serviceTask":  # another system answers: automatic, no clerk
        if task and task.duration:
            kind, duration = DELAY, task.duration
        else:
            c.warnings.append(
                f"{node.id}: service tasks take no time unless tasks.{node.id} says so"
            )
    elif node.kind in RESOURCE_KINDS or (task and task.lane):
        kind = TASK
        duration = task.duration if task and task.duration else params.default_duration
        lane = (task.lane if task and task.lane else None) or node.lane_id or "default"
        if lane not in c.pool_index:
            c.pool_index[lane] = len(c.pools)
            c.pools.append(lane)
        pool = c.pool_index[lane]
    elif node.kind == "intermediateCatchEvent" or node.kind == "receiveTask":
        kind, duration = DELAY, _event_delay(node, params)
        if "conditional" in node.event_definitions and node.id not in params.events:
            c.warnings.append(  # a wait for data another branch sets: its time is unknown
                f"{node.id}: a conditional event waits no time unless events.{node.id} "
                "gives its delay"
            )
    elif node.is_activity and task and task.duration:
        kind, duration = DELAY, task.duration  # automated work without a clerk
    elif node.kind == "callActivity":
        c.warnings.append(
            f"{node.id}: calls {node.called_element or 'a process'!r}, which is not in this "
            f"file, so it takes no time unless tasks.{node.id} says so"
        )
    event = params.events.get(node.id)
    c.repeat.append(repeat_of(node, task, c.warnings) if kind in (TASK, DELAY, SUB) else None)
    c.ids.append(shown)
    c.names.append(node.name or node.id)
    c.kinds.append(kind)
    c.pool.append(pool)
    c.duration.append(duration)
    c.timer.append(node.timer if kind == DELAY and duration is None else None)
    c.message_probability.append(event.probability if event else 1.0)
    c.cost.append(task.cost if task else 0.0)


def _event_delay(node: Node, params: SimParams) -> Distribution | None:
    """How long a catch event waits: its ``events`` or ``tasks`` parameter, else no time
    for a message and the timer as written (None: the timer decides).

    An event catching any one of several definitions (BPMN's "multiple") takes its
    message at once, before its timer; one waiting for all (``parallelMultiple``) waits
    for its timer.
    """
    event = params.events.get(node.id)
    if event and event.delay:
        return event.delay
    task = params.tasks.get(node.id)
    if task and task.duration:
        return task.duration
    if node.timer and len(node.event_definitions) > 1 and not node.parallel_multiple:
        return Distribution.fixed(0.0)
    return None if node.timer else Distribution.fixed(0.0)


def _branch_probabilities(
    kind: int, flow_ids: list[str], params: SimParams, c
) -> tuple[float, ...]:
    if kind not in (XOR, OR) or len(flow_ids) < 2:
        return ()
    given = {f: params.flows[f] for f in flow_ids if f in params.flows}
    missing = [f for f in flow_ids if f not in given]
    if kind == OR:
        return tuple(given.get(f, 0.5) for f in flow_ids)
    rest = max(0.0, 1.0 - sum(given.values()))
    probs = [given.get(f, rest / len(missing) if missing else 0.0) for f in flow_ids]
    total = sum(probs)
    if total <= 0:
        probs, total = [1.0] * len(flow_ids), float(len(flow_ids))
    cumulative, acc = [], 0.0
    for p in probs:
        acc += p / total
        cumulative.append(acc)
    cumulative[-1] = 1.0
    return tuple(cumulative)


def _paired_join(c: CompiledProcess, split: int) -> int:
    """The inclusive join that every branch of an inclusive split reaches first."""
    reach: list[dict[int, int]] = []
    for first in c.succ[split]:
        dist, queue = {first: 0}, deque([first])
        while queue:
            n = queue.popleft()
            for s in c.succ[n]:
                if s not in dist:
                    dist[s] = dist[n] + 1
                    queue.append(s)
        reach.append(dist)
    common = [
        n
        for n in reach[0]
        if c.kinds[n] == OR and c.join_need[n] > 1 and all(n in r for r in reach)
    ]
    if not common:
        c.warnings.append(f"{c.ids[split]}: inclusive split without a matching join")
        return -1
    return min(common, key=lambda n: max(r[n] for r in reach))


def _check_references(c: CompiledProcess, params: SimParams, placed: list) -> None:
    process = c.process
    flows = {f for proc in {id(p.process): p.process for p in placed}.values() for f in proc.flows}
    nodes = {p.node.id for p in placed}
    for flow_id in params.flows:
        if flow_id not in flows:
            raise ParamsError(f"flows.{flow_id}: no such sequence flow in process {process.id!r}")
    for task_id in params.tasks:
        if task_id not in nodes:
            raise ParamsError(f"tasks.{task_id}: no such task in process {process.id!r}")
    for event_id in params.events:
        if event_id not in nodes:
            raise ParamsError(f"events.{event_id}: no such event in process {process.id!r}")
