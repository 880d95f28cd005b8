"""What-if scenarios: a list of changes applied to copies of a model and its parameters.

A scenario file is YAML::

    name: merge checks, one more clerk
    base: params.yaml            # optional, relative to this file
    changes:
      - {op: merge_tasks, tasks: [check_form, check_documents]}
      - {op: staff, lane: Lane_back, count: 3}

Operations (the vocabulary :mod:`simulations.analysis.findings` suggests in):
``remove_task`` {task}, ``merge_tasks`` {tasks}, ``parallelize`` {tasks},
``move_task`` {task, lane}, ``staff`` {lane, count}, ``duration`` {task,
distribution | factor}, ``probability`` {flow, p}, ``arrival_rate`` {rate_per_day |
factor | distribution}. The baseline is never modified.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from engine.bpmn.builder import add_flow, add_node, remove_flow, remove_node, unique_id
from engine.bpmn.model import BpmnModel, Process
from simulations.params.distributions import Distribution, ParamsError
from simulations.params.parameters import SimParams, TaskParams, load_params


class ScenarioError(ParamsError):
    """A change cannot be applied; the message names the change and what is wrong.

    ``key`` and ``params`` (when given) say the same for
    :func:`simulations.scenarios.texts.refusal`, which words it in another language.
    """

    def __init__(self, message: str, key: str | None = None, **params) -> None:
        super().__init__(message)
        self.key, self.params = key, params


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
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read the scenario: {exc}") from None
    data = load_yaml(text, str(path), ScenarioError) or {}
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
    >>> from engine.bpmn.builder import linear_model
    >>> m, p = apply_changes(linear_model(["a", "b", "c"]), SimParams(), [{"op": "remove_task", "task": "b"}])
    >>> [n for n in m.processes["p"].nodes]
    ['start', 'a', 'c', 'end']
    """
    if not isinstance(changes, list):
        raise ScenarioError(f"changes: expected a list of changes, got {_kind(changes)}", "list")
    for i, change in enumerate(changes):
        check_change(change, f"changes[{i}]")
    model, params = copy.deepcopy(model), params.copy()
    process = _process(model, process_id or params.process)
    for i, change in enumerate(changes):
        OPERATIONS[change["op"]](process, params, change, f"changes[{i}]")
    return model, params


def _process(model: BpmnModel, process_id: str | None) -> Process:
    if process_id:
        if not isinstance(process_id, str) or process_id not in model.processes:
            raise ScenarioError(
                f"process: {_kind(process_id)} is not a process of the model; "
                f"use one of {sorted(model.processes)}",
                "no_process",
            )
        return model.processes[process_id]
    return model.main_process()


process_of = _process


def _task(process: Process, task_id: str, where: str):
    node = process.nodes.get(task_id)
    if node is None or not node.is_activity:
        raise ScenarioError(
            f"{where}: {_kind(task_id)} is not a task of process {process.id!r}",
            "not_a_task",
            where=where,
            task=task_id,
        )
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
        raise ScenarioError(f"{where}.tasks: name at least two tasks", "two_tasks", where=where)
    for a, b in zip(ids, ids[1:], strict=False):
        targets = [process.flows[f].target for f in process.nodes[a].outgoing]
        if targets != [b] or len(process.nodes[b].incoming) != 1:
            raise ScenarioError(
                f"{where}.tasks: {a!r} must lead straight to {b!r} (one flow, nothing between)",
                "not_adjacent",
                where=where,
                task=a,
                next_task=b,
            )


def move_task(process: Process, params: SimParams, change: dict, where: str) -> None:
    """Give a task to another lane (created when new)."""
    node = _task(process, change["task"], f"{where}.task")
    lane = change["lane"]
    for other in process.lanes.values():
        if node.id in other.node_ids:
            other.node_ids.remove(node.id)
    if lane not in process.lanes:
        from engine.bpmn.model import Lane

        process.lanes[lane] = Lane(lane, lane, process.id)
    process.lanes[lane].node_ids.append(node.id)
    node.lane_id = lane
    if node.id in params.tasks and params.tasks[node.id].lane:
        params.tasks[node.id].lane = lane


def staff(process: Process, params: SimParams, change: dict, where: str) -> None:
    """Set the number of clerks in a lane."""
    lane = change["lane"]
    params.lanes.setdefault(lane, copy.deepcopy(params.default_lane))
    params.lanes[lane].count = change["count"]


def duration(process: Process, params: SimParams, change: dict, where: str) -> None:
    """Set a task's duration distribution, or multiply it by ``factor``."""
    node = _task(process, change["task"], f"{where}.task")
    task = params.tasks.setdefault(node.id, TaskParams())
    if "factor" in change:
        task.duration = _duration(params, node.id).scaled(float(change["factor"]))
    else:
        task.duration = _distribution(change["distribution"], f"{where}.distribution")


def probability(process: Process, params: SimParams, change: dict, where: str) -> None:
    """Set one branch's probability; the gateway's other branches share the rest."""
    flow = process.flows.get(change["flow"])
    p = change["p"]
    if flow is None:
        raise ScenarioError(
            f"{where}.flow: no sequence flow {_kind(change['flow'])}", "no_flow", where=where
        )
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
    else:
        params.arrivals.distribution = _distribution(
            change["distribution"], f"{where}.distribution"
        )


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

# Validation: every change is checked here, before anything is applied, so the
# operations above only see fields of the right type and range.
MAX_DEPTH = 32  # levels of nested lists and mappings in a change or a parameters file
MAX_VALUES = 200_000  # values, counting repeats
MAX_YAML_CHARS = 200_000  # characters of a parameters or changes text
MAX_COUNT = 1000  # clerks in one lane
FACTORS = (1e-6, 1e6)  # duration and arrival factors, arrivals per day
_FIELDS = {  # op -> (required fields, fields of which exactly one is given)
    "remove_task": (("task",), ()),
    "merge_tasks": (("tasks",), ()),
    "parallelize": (("tasks",), ()),
    "move_task": (("task", "lane"), ()),
    "staff": (("lane", "count"), ()),
    "duration": (("task",), ("factor", "distribution")),
    "probability": (("flow", "p"), ()),
    "arrival_rate": ((), ("rate_per_day", "factor", "distribution")),
}


def _kind(value) -> str:
    """How an error message shows a wrong value: short, whatever its size."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        text = repr(value)
        return text if len(text) <= 40 else text[:37] + "..."
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"


def check_shape(value, where: str, error: type[ParamsError] = ScenarioError) -> None:
    """Raise ``error`` when ``value`` nests deeper than :data:`MAX_DEPTH` levels or holds
    more than :data:`MAX_VALUES` values (without recursing, so any input is safe)."""
    stack, seen = [(value, 0)], 0
    while stack:
        item, level = stack.pop()
        seen += 1
        if level > MAX_DEPTH:
            raise error(f"{where}: too deeply nested (more than {MAX_DEPTH} levels)")
        if seen > MAX_VALUES:
            raise error(f"{where}: too large (more than {MAX_VALUES} values)")
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            stack.extend((v, level + 1) for v in item)


class _NoAliasLoader(yaml.SafeLoader):
    """PyYAML's safe loader without aliases (``*name``).

    An alias repeats a value without repeating its text: nine levels of ten aliases make
    a 300-byte text a billion values, and printing them back (the scenario page shows
    the changes as YAML) took minutes and tens of megabytes. Parameters and changes
    never need them; without aliases a value is never larger than its text.
    """

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None,
                None,
                f"aliases (*{event.anchor}) are not allowed; write the value out",
                event.start_mark,
            )
        return super().compose_node(parent, index)


def _keyed(error: type[ParamsError], message: str, key: str, **params) -> ParamsError:
    if issubclass(error, ScenarioError):
        return ScenarioError(message, key, **params)
    return error(message)


def load_yaml(text: str, where: str, error: type[ParamsError] = ScenarioError):
    """Parse untrusted YAML text; any failure becomes ``error`` naming ``where``.

    The text is at most :data:`MAX_YAML_CHARS` characters and has no aliases.
    """
    if len(text or "") > MAX_YAML_CHARS:
        raise _keyed(
            error,
            f"{where}: too long ({len(text):,} characters; at most {MAX_YAML_CHARS:,})",
            "too_long",
            length=len(text),
            limit=MAX_YAML_CHARS,
        )
    try:
        data = yaml.load(text or "", Loader=_NoAliasLoader)  # noqa: S506 (a SafeLoader)
    except RecursionError:
        raise _keyed(error, f"{where}: too deeply nested", "too_deep") from None
    except (yaml.YAMLError, ValueError, TypeError, AttributeError, OverflowError) as exc:
        # PyYAML's constructors raise plain errors too, e.g. for "2025-13-45" or "!!int x"
        key = "yaml_alias" if "aliases (*" in str(exc) else "bad_yaml"
        raise _keyed(error, f"{where}: not valid YAML: {exc}", key) from None
    check_shape(data, where, error)
    return data


def _text(value, where: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ScenarioError(
            f"{where}: expected {what} (text), got {_kind(value)}", "text", where=where
        )
    return value


def _task_ids(value, where: str) -> list[str]:
    if not isinstance(value, list):
        raise ScenarioError(
            f"{where}: expected a list of task ids, got {_kind(value)}", "two_tasks", where=where
        )
    if len(value) < 2:
        raise ScenarioError(
            f"{where}: name at least two tasks, got {len(value)}", "two_tasks", where=where
        )
    for k, task in enumerate(value):
        _text(task, f"{where}[{k}]", "a task id")
    if len(set(value)) != len(value):
        raise ScenarioError(f"{where}: names a task twice", "twice", where=where)
    return value


def _number(value, where: str, what: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(f"{where}: expected {what}, got {_kind(value)}", "number", where=where)
    if not low <= value <= high:  # also refuses NaN and infinity
        raise ScenarioError(
            f"{where}: expected {what}, got {_kind(value)}",
            "range",
            where=where,
            low=f"{low:g}",
            high=f"{high:g}",
        )
    return float(value)


def _positive(value, where: str) -> float:
    if not isinstance(value, bool) and isinstance(value, int | float) and value <= 0:
        raise ScenarioError(
            f"{where}: must be greater than 0, got {_kind(value)}", "positive", where=where
        )
    low, high = FACTORS
    return _number(value, where, f"a positive number (from {low:g} to {high:g})", low, high)


def _count(value, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_COUNT:
        raise ScenarioError(
            f"{where}: expected a whole number from 1 to {MAX_COUNT}, got {_kind(value)}",
            "count",
            where=where,
            high=MAX_COUNT,
        )
    return value


def _distribution(spec, where: str) -> Distribution:
    """A distribution from a change, with a finite, non-negative mean."""
    if isinstance(spec, bool) or not isinstance(spec, dict | int | float):
        raise ScenarioError(
            f"{where}: expected a distribution (a mapping with 'type'), got {_kind(spec)}"
        )
    try:
        dist = Distribution.from_spec(spec, where)
        mean = dist.mean
    except ParamsError as exc:
        raise ScenarioError(str(exc)) from None
    except (TypeError, ValueError, ArithmeticError, KeyError) as exc:
        raise ScenarioError(f"{where}: not a valid distribution ({exc})") from None
    if not 0 <= mean < math.inf:
        raise ScenarioError(f"{where}: expected a finite, non-negative mean, got {_kind(mean)}")
    return dist


_CHECKS = {
    "task": lambda v, w: _text(v, w, "a task id"),
    "tasks": _task_ids,
    "lane": lambda v, w: _text(v, w, "a lane id"),
    "flow": lambda v, w: _text(v, w, "a sequence flow id"),
    "count": _count,
    "p": lambda v, w: _number(v, w, "a probability from 0 to 1", 0, 1),
    "factor": _positive,
    "rate_per_day": _positive,
    "distribution": _distribution,
}


def check_change(change, where: str) -> None:
    """Raise :class:`ScenarioError` unless ``change`` names a known ``op`` and gives that
    operation's fields, each of the right type and range; the message names the field.

    Examples
    --------
    >>> check_change({"op": "remove_task", "task": ["x"]}, "changes[0]")
    Traceback (most recent call last):
    ...
    simulations.scenarios.changes.ScenarioError: changes[0].task: expected a task id (text), got a list
    """
    if not isinstance(change, dict):
        raise ScenarioError(f"{where}: expected a mapping with an 'op', got {_kind(change)}")
    check_shape(change, where)
    op = change.get("op")
    if not isinstance(op, str) or op not in OPERATIONS:
        raise ScenarioError(
            f"{where}.op: unknown operation {_kind(op)}; use one of {sorted(OPERATIONS)}",
            "unknown_op",
            where=where,
        )
    required, one_of = _FIELDS[op]
    for key in change:
        if key != "op" and key not in required and key not in one_of:
            name = key[:40] if isinstance(key, str) else _kind(key)
            raise ScenarioError(
                f"{where}.{name}: not a field of {op}; use {', '.join(required + one_of)}"
            )
    for key in required:
        if key not in change:
            raise ScenarioError(f"{where}.{key}: required for {op}", "required", where=where)
    given = [key for key in one_of if key in change]
    if one_of and len(given) != 1:
        raise ScenarioError(
            f"{where}.{(given or one_of)[-1]}: give exactly one of {', '.join(one_of)} for {op}"
        )
    for key in (*required, *given):
        _CHECKS[key](change[key], f"{where}.{key}")


def scenario_bpmn(model: BpmnModel) -> bytes:
    """The scenario's model as a BPMN file with a laid-out diagram, for designers."""
    from engine.bpmn.writer import write_bpmn

    return write_bpmn(model)  # the writer always lays the diagram out anew


def scenario_params(scenario: Scenario, params: SimParams) -> SimParams:
    """The scenario's own baseline parameters when it names one, else ``params``."""
    return load_params(scenario.base) if scenario.base else params


__all__ = [
    "Scenario",
    "ScenarioError",
    "apply_changes",
    "check_change",
    "load_scenario",
    "load_yaml",
    "process_of",
    "scenario_bpmn",
]
