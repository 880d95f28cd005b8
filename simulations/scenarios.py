"""What-if scenarios: a list of changes applied to copies of a model and its parameters.

A scenario file is YAML::

    name: merge checks, one more clerk
    base: params.yaml            # optional, relative to this file
    changes:
      - {op: merge_tasks, tasks: [check_form, check_documents]}
      - {op: staff, lane: Lane_back, count: 3}

Operations (the vocabulary :mod:`simulations.findings` suggests in):
``remove_task`` {task}, ``merge_tasks`` {tasks}, ``parallelize`` {tasks},
``move_task`` {task, lane}, ``staff`` {lane, count}, ``duration`` {task,
distribution | factor}, ``probability`` {flow, p}, ``arrival_rate`` {rate_per_day |
factor | distribution}. The baseline is never modified.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from engine.model import BpmnModel, Process
from simulations.building import add_flow, add_node, remove_flow, remove_node, unique_id
from simulations.distributions import Distribution, ParamsError
from simulations.params import SimParams, TaskParams, load_params


class ScenarioError(ParamsError):
    """A change cannot be applied; the message names the change and what is wrong."""


@dataclass
class Scenario:
    """A named list of changes, optionally with its own baseline parameters file."""

    name: str
    changes: list[dict] = field(default_factory=list)
    base: Path | None = None


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario YAML file (``name``, optional ``base``, ``changes``)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ScenarioError(f"{path}: cannot read the scenario: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("changes", []), list):
        raise ScenarioError(f"{path}: expected a mapping with a list under 'changes'")
    unknown = set(data) - {"name", "base", "changes"}
    if unknown:
        raise ScenarioError(f"{path}: {sorted(unknown)[0]}: unknown key; use name, base, changes")
    base = (path.parent / data["base"]) if data.get("base") else None
    return Scenario(str(data.get("name", path.stem)), list(data.get("changes", [])), base)


def apply_changes(
    model: BpmnModel, params: SimParams, changes: list[dict], process_id: str | None = None
) -> tuple[BpmnModel, SimParams]:
    """Copies of ``model`` and ``params`` with ``changes`` applied in order.

    Examples
    --------
    >>> from simulations.building import linear_model
    >>> m, p = apply_changes(linear_model(["a", "b", "c"]), SimParams(), [{"op": "remove_task", "task": "b"}])
    >>> [n for n in m.processes["p"].nodes]
    ['start', 'a', 'c', 'end']
    """
    model, params = copy.deepcopy(model), params.copy()
    process = _process(model, process_id or params.process)
    for i, change in enumerate(changes):
        where = f"changes[{i}]"
        if not isinstance(change, dict) or change.get("op") not in OPERATIONS:
            op = change.get("op") if isinstance(change, dict) else change
            raise ScenarioError(
                f"{where}.op: unknown operation {op!r}; use one of {sorted(OPERATIONS)}"
            )
        try:
            OPERATIONS[change["op"]](process, params, change, where)
        except KeyError as exc:
            raise ScenarioError(f"{where}.{exc.args[0]}: required for {change['op']}") from None
    return model, params


def _process(model: BpmnModel, process_id: str | None) -> Process:
    if process_id:
        return model.processes[process_id]
    return model.main_process()


def _task(process: Process, task_id: str, where: str):
    node = process.nodes.get(task_id)
    if node is None or not node.is_activity:
        raise ScenarioError(f"{where}: {task_id!r} is not a task of process {process.id!r}")
    return node


def remove_task(process: Process, params: SimParams, change: dict, where: str) -> None:
    """Drop a task; its predecessors flow straight to its successors."""
    node = _task(process, change["task"], f"{where}.task")
    _bypass(process, node.id)
    params.tasks.pop(node.id, None)


def _bypass(process: Process, node_id: str) -> None:
    node = process.nodes[node_id]
    targets = [process.flows[f].target for f in node.outgoing]
    if len(targets) > 1:  # an implicit parallel split: keep it explicit
        gateway = add_node(process, unique_id(process, f"{node_id}_split"), "parallelGateway")
        for target in targets:
            add_flow(process, gateway.id, target)
        targets = [gateway.id]
    for flow_id in list(node.incoming):
        flow = process.flows[flow_id]
        for k, target in enumerate(targets or []):
            if k == 0:
                flow.target = target  # keep the flow (and its branch probability)
                process.nodes[target].incoming.append(flow_id)
            else:
                add_flow(process, flow.source, target)
        node.incoming.remove(flow_id)
    remove_node(process, node_id)


def merge_tasks(process: Process, params: SimParams, change: dict, where: str) -> None:
    """Make one task of a sequence: the first's lane, the sum of all durations."""
    ids = list(change["tasks"])
    nodes = [_task(process, t, f"{where}.tasks") for t in ids]
    _check_sequence(process, ids, where)
    first = nodes[0]
    parts = [_duration(params, t) for t in ids]
    task = params.tasks.setdefault(first.id, TaskParams())
    task.duration = Distribution.total(parts)
    first.name = " + ".join(n.name or n.id for n in nodes)
    for node in nodes[1:]:
        _bypass(process, node.id)
        params.tasks.pop(node.id, None)


def parallelize(process: Process, params: SimParams, change: dict, where: str) -> None:
    """Run a sequence of tasks side by side between a parallel split and join."""
    ids = list(change["tasks"])
    for t in ids:
        _task(process, t, f"{where}.tasks")
    _check_sequence(process, ids, where)
    first, last = process.nodes[ids[0]], process.nodes[ids[-1]]
    split = add_node(
        process, unique_id(process, f"{ids[0]}_fork"), "parallelGateway", lane=first.lane_id
    )
    join = add_node(
        process, unique_id(process, f"{ids[-1]}_join"), "parallelGateway", lane=last.lane_id
    )
    for flow_id in list(first.incoming):
        process.flows[flow_id].target = split.id
        split.incoming.append(flow_id)
    first.incoming.clear()
    for flow_id in list(last.outgoing):
        process.flows[flow_id].source = join.id
        join.outgoing.append(flow_id)
    last.outgoing.clear()
    for a, b in zip(ids, ids[1:], strict=False):
        for flow_id in [f for f in process.nodes[a].outgoing if process.flows[f].target == b]:
            remove_flow(process, flow_id)
    for t in ids:
        add_flow(process, split.id, t)
        add_flow(process, t, join.id)


def _check_sequence(process: Process, ids: list[str], where: str) -> None:
    if len(ids) < 2:
        raise ScenarioError(f"{where}.tasks: name at least two tasks")
    for a, b in zip(ids, ids[1:], strict=False):
        targets = [process.flows[f].target for f in process.nodes[a].outgoing]
        if targets != [b] or len(process.nodes[b].incoming) != 1:
            raise ScenarioError(
                f"{where}.tasks: {a!r} must lead straight to {b!r} (one flow, nothing between)"
            )


def move_task(process: Process, params: SimParams, change: dict, where: str) -> None:
    """Give a task to another lane (created when new)."""
    node = _task(process, change["task"], f"{where}.task")
    lane = str(change["lane"])
    for other in process.lanes.values():
        if node.id in other.node_ids:
            other.node_ids.remove(node.id)
    if lane not in process.lanes:
        from engine.model import Lane

        process.lanes[lane] = Lane(lane, lane, process.id)
    process.lanes[lane].node_ids.append(node.id)
    node.lane_id = lane
    if node.id in params.tasks and params.tasks[node.id].lane:
        params.tasks[node.id].lane = lane


def staff(process: Process, params: SimParams, change: dict, where: str) -> None:
    """Set the number of clerks in a lane."""
    count = change["count"]
    if not isinstance(count, int) or count < 1:
        raise ScenarioError(f"{where}.count: expected a whole number >= 1, got {count!r}")
    lane = str(change["lane"])
    params.lanes.setdefault(lane, copy.deepcopy(params.default_lane))
    params.lanes[lane].count = count


def duration(process: Process, params: SimParams, change: dict, where: str) -> None:
    """Set a task's duration distribution, or multiply it by ``factor``."""
    node = _task(process, change["task"], f"{where}.task")
    task = params.tasks.setdefault(node.id, TaskParams())
    if "factor" in change:
        task.duration = _duration(params, node.id).scaled(float(change["factor"]))
    else:
        task.duration = Distribution.from_spec(change["distribution"], f"{where}.distribution")


def probability(process: Process, params: SimParams, change: dict, where: str) -> None:
    """Set one branch's probability; the gateway's other branches share the rest."""
    flow = process.flows.get(change["flow"])
    p = change["p"]
    if flow is None:
        raise ScenarioError(f"{where}.flow: no sequence flow {change['flow']!r}")
    if isinstance(p, bool) or not isinstance(p, int | float) or not 0 <= p <= 1:
        raise ScenarioError(f"{where}.p: expected a probability in [0, 1], got {p!r}")
    gateway = process.nodes[flow.source]
    siblings = [f for f in gateway.outgoing if f != flow.id]
    if gateway.kind == "exclusiveGateway" and siblings:
        default = 1.0 / len(gateway.outgoing)
        weights = {f: params.flows.get(f, default) for f in siblings}
        total = sum(weights.values())
        for f, w in weights.items():
            params.flows[f] = (1 - p) * (w / total if total > 0 else 1 / len(siblings))
    params.flows[flow.id] = float(p)


def arrival_rate(process: Process, params: SimParams, change: dict, where: str) -> None:
    """Change how often cases arrive: ``rate_per_day``, ``factor`` or ``distribution``."""
    current = params.arrivals.distribution
    if "rate_per_day" in change:
        params.arrivals.distribution = Distribution.exponential(
            86400.0 / float(change["rate_per_day"])
        )
    elif "factor" in change:
        params.arrivals.distribution = current.scaled(1.0 / float(change["factor"]))
    elif "distribution" in change:
        params.arrivals.distribution = Distribution.from_spec(
            change["distribution"], f"{where}.distribution"
        )
    else:
        raise ScenarioError(f"{where}: give rate_per_day, factor or distribution")


def _duration(params: SimParams, task_id: str) -> Distribution:
    task = params.tasks.get(task_id)
    return task.duration if task and task.duration else params.default_duration


OPERATIONS = {
    "remove_task": remove_task,
    "merge_tasks": merge_tasks,
    "parallelize": parallelize,
    "move_task": move_task,
    "staff": staff,
    "duration": duration,
    "probability": probability,
    "arrival_rate": arrival_rate,
}


def scenario_bpmn(model: BpmnModel) -> bytes:
    """The scenario's model as a BPMN file with a laid-out diagram, for designers."""
    from engine.bpmn_writer import write_bpmn

    model = copy.deepcopy(model)
    model.has_diagram = False
    model.diagram_element_ids = set()
    return write_bpmn(model)


def scenario_params(scenario: Scenario, params: SimParams) -> SimParams:
    """The scenario's own baseline parameters when it names one, else ``params``."""
    return load_params(scenario.base) if scenario.base else params


__all__ = ["Scenario", "ScenarioError", "apply_changes", "load_scenario", "scenario_bpmn"]
