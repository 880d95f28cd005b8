"""The private parts of SpiffWorkflow 3.2 the adapter reads or sets, in one place.

SpiffWorkflow keeps a timer's computed due value and an event's "fired" mark in a
task's internal data, and has no public way to make a failed task ready again or to
send it down another path. Every such access goes through these functions, so an
upgrade of SpiffWorkflow is checked here (its attribute corrections are
:func:`engine.workflow.specs.install_corrections`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from SpiffWorkflow.util.task import TaskState

_UNSET = object()


def event_value(task) -> Any:
    """The value SpiffWorkflow computed for a waiting event (a timer's due moment)."""
    return task._get_internal_data("event_value")


def set_event_value(task, value: Any) -> None:
    task._set_internal_data(event_value=value)


def mark_event_fired(task) -> None:
    """Tell a catch or start event that its event came."""
    task._set_internal_data(event_fired=True)


def awaited_definitions(task) -> list:
    """The event definitions a waiting catch still waits for.

    An event with several definitions (BPMN's "multiple") keeps the events it has seen
    in ``seen_events``; with ``parallelMultiple`` it waits on for the others.
    """
    definition = task.task_spec.event_definition
    parts = getattr(definition, "event_definitions", None)
    if parts is None:
        return [definition]
    seen = [event.event_definition for event in seen_events(task)]
    return [part for part in parts if part not in seen]


def seen_events(task) -> list:
    """The events an event with several definitions has caught so far (BpmnEvents)."""
    return list(task.internal_data.get("seen_events", []))


def make_ready(task) -> None:
    """Put a task (e.g. one in the ERROR state) back to READY."""
    task._set_state(TaskState.READY)


def drop(task) -> None:
    """Remove ``task`` (and what hangs under it) from its workflow's tree."""
    task.workflow._remove_task(task.id)


def conditional_starts_seen(task) -> dict[str, bool]:
    """What a scope's conditional starts of event sub-processes last evaluated to."""
    return dict(task._get_internal_data("conditional_starts", None) or {})


def set_conditional_starts_seen(task, seen: dict[str, bool]) -> None:
    task._set_internal_data(conditional_starts=seen)


def run_now(task) -> None:
    """Make a waiting task READY as its spec does when its wait is over (leaving the
    event manager), without re-inheriting its parent's data."""
    task._ready()


def refresh(task) -> None:
    """Let the task's spec bring it up to date again (re-evaluate what made it wait).

    The spec re-inherits its parent's data first; the values set on the task itself (an
    administrator's "set variable" on a timer whose date failed, the latest values
    :mod:`engine.workflow.conditions` brought to a waiting conditional event) are kept
    over the inherited ones.
    """
    parent = task.parent
    if parent is None:
        task.task_spec._update(task)
        return
    inherited = parent.data
    own = {k: v for k, v in task.data.items() if inherited.get(k, _UNSET) != v}
    parent.data = {**inherited, **own}
    try:
        task.task_spec._update(task)
    finally:
        parent.data = inherited


def redirect(task, target_spec) -> None:
    """Make ``task`` ready with ``target_spec`` as its only next step (skipping the rest)."""
    task._set_state(TaskState.READY)
    task._sync_children([target_spec], TaskState.FUTURE)
    for child in task.children:
        child.task_spec._predict(child, mask=TaskState.FUTURE | TaskState.PREDICTED_MASK)


def predict_children(task) -> None:
    """Give ``task`` its next steps (FUTURE), as its parent's completion would have."""
    task._sync_children(task.task_spec.outputs, TaskState.FUTURE)
    for child in task.children:
        child.task_spec._predict(child, mask=TaskState.FUTURE | TaskState.PREDICTED_MASK)


@contextmanager
def encoder_mode(registry) -> Iterator[None]:
    """The serializer registry writing plain JSON (how SpiffWorkflow's own encoder runs)."""
    registry._encoder_mode = True
    try:
        yield
    finally:
        registry._encoder_mode = False


def note_written(task, names) -> None:
    """Remember the names a form (or another step's own input) set on ``task``, also
    when a value equals the one the task inherited (a restated value is a write)."""
    task._set_internal_data(written=sorted(set(names)))


def written(task) -> list[str]:
    return list(task._get_internal_data("written", None) or [])


def conditional_brought(task) -> dict[str, list]:
    """Per name, [value, when] a waiting conditional event was last brought up to date with."""
    return dict(task._get_internal_data("conditional_brought", None) or {})


def set_conditional_brought(task, brought: dict[str, list]) -> None:
    task._set_internal_data(conditional_brought=brought)
