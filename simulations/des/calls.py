"""Which nodes a compiled process holds: its own, and those of the processes it calls.

A call activity of a process defined in the same file, or in a model the caller passes
in ``called`` (``{process key: BpmnModel}``, e.g. the deployed versions), runs that
process inline, like a sub-process: its tasks take clerks of their own lanes and show in
the KPIs under their own ids (``CALL/ID`` when an id is already taken). A call whose
process is unknown, or whose ``tasks.ID.duration`` times it as a whole, stays one step.
The engine refuses call cycles; here a process already being called is not inlined again
and calls nest at most :data:`MAX_CALL_DEPTH` deep, so compiling always ends.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.bpmn.model import BpmnModel, Node, Process
from simulations.params.parameters import SimParams

MAX_CALL_DEPTH = 8


@dataclass
class Placed:
    """A node where the compiled process has it.

    ``prefix`` is "" for the simulated process and ``CALL/`` inside a called process, so
    ``key`` is unique; ``parent`` is the key of the enclosing sub-process or call
    activity (None at the top); ``inlined`` marks a call activity run inline.
    """

    process: Process
    node: Node
    prefix: str
    parent: str | None
    inlined: bool = False

    @property
    def key(self) -> str:
        return self.prefix + self.node.id


def place_nodes(
    model: BpmnModel,
    process: Process,
    params: SimParams,
    called: dict[str, BpmnModel] | None,
    warnings: list[str],
) -> list[Placed]:
    """The nodes of ``process`` and, after each inlined call activity, its process's."""
    placed: list[Placed] = []
    _place(model, process, "", None, (process.id,), params, called or {}, warnings, placed)
    return placed


def _place(model, process, prefix, parent, stack, params, called, warnings, out) -> None:
    for node in process.nodes.values():
        inner = prefix + node.parent_id if node.parent_id else parent
        placed = Placed(process, node, prefix, inner)
        out.append(placed)
        if node.kind != "callActivity" or not node.called_element:
            continue
        task = params.tasks.get(node.id)
        if task is not None and task.duration is not None:
            continue  # the parameters time the call as a whole
        target = called_process(model, node.called_element, called)
        if target is None:
            continue
        if target.id in stack or len(stack) > MAX_CALL_DEPTH:
            warnings.append(
                f"{node.id}: calls {target.id!r} inside itself (a call cycle, or calls "
                f"nested over {MAX_CALL_DEPTH} deep); this call takes no time"
            )
            continue
        placed.inlined = True
        key = placed.key + "/"
        _place(model, target, key, placed.key, stack + (target.id,), params, called, warnings, out)


def called_process(
    model: BpmnModel, key: str, called: dict[str, BpmnModel] | None = None
) -> Process | None:
    """The process a call activity's ``calledElement`` names: in ``model``, else in
    ``called[key]`` (its process of that id, else its main process); None if unknown."""
    if key in model.processes:
        return model.processes[key]
    other = (called or {}).get(key)
    if other is None:
        return None
    if key in other.processes:
        return other.processes[key]
    try:
        return other.main_process()
    except LookupError:
        return None
