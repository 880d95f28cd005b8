"""How many times an activity runs per execution: multi-instance and standard loops.

A multi-instance activity runs ``tasks.ID.instances`` instances (a number or a
distribution, rounded to whole draws), else its loop cardinality when that is a
constant, else once with a warning naming the parameter to set: the engine counts the
items of a collection (the agencies to consult...) the simulation does not have.
Parallel instances each take a clerk; sequential ones run one after the other. A
standard loop runs once and then again with ``tasks.ID.loop_probability`` (default 0),
at most ``loopMaximum`` times.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.bpmn.model import Node
from simulations.params.distributions import Distribution, ParamsError
from simulations.params.model import TaskParams

UNBOUNDED = 10**9  # a standard loop without loopMaximum (its probability is below 1)


@dataclass(frozen=True)
class Repeat:
    """An activity's instances: ``instances`` drawn per execution (multi-instance; None
    for a standard loop), run in a row when ``sequential``; a standard loop repeats with
    ``probability``, at most ``maximum`` executions, testing first when ``test_before``."""

    instances: Distribution | None
    sequential: bool
    probability: float = 0.0
    maximum: int = UNBOUNDED
    test_before: bool = False


def repeat_of(node: Node, task: TaskParams | None, warnings: list[str]) -> Repeat | None:
    """The :class:`Repeat` of ``node`` (None when it runs once); warns what it assumes.

    Raises
    ------
    ParamsError
        When a standard loop would repeat for ever (probability 1 and no maximum).
    """
    loop = node.loop
    if loop is None:
        for name in ("instances", "loop_probability"):
            if task is not None and getattr(task, name) is not None:
                warnings.append(f"tasks.{node.id}.{name}: {node.id} has no loop; ignored")
        return None
    if loop.kind == "multiInstance":
        return Repeat(_instances(node, task, warnings), loop.sequential)
    probability = task.loop_probability if task else None
    test_before = loop.test_before and probability is not None  # else it runs once, as ever
    if probability is None:
        probability = 0.0
        if loop.condition:
            warnings.append(
                f"{node.id}: the loop runs once unless tasks.{node.id}.loop_probability "
                "gives the chance that it runs again"
            )
    maximum = loop.maximum if loop.maximum and loop.maximum > 0 else UNBOUNDED
    if probability >= 1.0 and maximum == UNBOUNDED:
        raise ParamsError(
            f"tasks.{node.id}.loop_probability: 1 repeats the loop for ever (it has no "
            "loopMaximum); give a probability below 1"
        )
    return Repeat(None, True, probability, maximum, test_before)


def _instances(node: Node, task: TaskParams | None, warnings: list[str]) -> Distribution:
    loop = node.loop
    assert loop is not None
    if loop.condition:
        warnings.append(
            f"{node.id}: the completion condition {loop.condition!r} is ignored: all "
            f"instances run (tasks.{node.id}.instances sets how many)"
        )
    if task is not None and task.instances is not None:
        return task.instances
    count = constant_cardinality(loop.cardinality)
    if count is not None:
        return Distribution.fixed(float(count))
    what = f"the items of {loop.collection!r}" if loop.collection else "its cardinality"
    warnings.append(
        f"{node.id}: multi-instance over {what} runs once unless "
        f"tasks.{node.id}.instances gives the number of instances"
    )
    return Distribution.fixed(1.0)


def constant_cardinality(text: str | None) -> int | None:
    """The number a cardinality expression states, or None when it needs case data.

    Examples
    --------
    >>> constant_cardinality("3"), constant_cardinality("${ 2 }"), constant_cardinality("n")
    (3, 2, None)
    """
    text = (text or "").strip()
    if text.startswith("${") and text.endswith("}"):
        text = text[2:-1].strip()
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if value >= 0 and value == int(value) else None
