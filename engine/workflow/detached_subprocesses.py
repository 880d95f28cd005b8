"""Sub-processes whose task was removed: cancelled and forgotten, not run.

When SpiffWorkflow 3.2 cancels a multi-instance sub-process (an error or timer boundary
event on it, an interrupting event sub-process around it), ``Task.cancel`` drops the
instances' tasks from the tree without cancelling them, so each instance's sub-process
stays in ``workflow.subprocesses``, no longer attached to any task. The next engine step
looked for that task and failed ("A task with id ... was not found"): the case got an
incident instead of following the boundary event. :func:`engine_steps` (installed by
:mod:`engine.workflow.specs` as ``BpmnWorkflow._do_engine_steps``) is SpiffWorkflow's
step with one change: a sub-process whose task (or an enclosing one's) is gone is
cancelled (its waiting events deregistered) and removed, as a cancelled instance's is.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskState


def engine_steps(self: Any, will_complete_task=None, did_complete_task=None) -> bool:
    """``BpmnWorkflow._do_engine_steps``, skipping and removing detached sub-processes."""

    def update_workflow(wf) -> int:
        count = 0
        for task in wf.get_tasks(state=TaskState.READY):
            if not task.task_spec.manual:
                if will_complete_task is not None:
                    will_complete_task(task)
                task.run()
                count += 1
                if did_complete_task is not None:
                    did_complete_task(task)
        return count

    active = self.get_active_subprocesses()
    for subprocess in sorted(active, key=lambda v: v.depth, reverse=True):
        if _forget_if_detached(self, subprocess):
            continue
        count = None
        while count is None or count > 0:
            count = update_workflow(subprocess)
        if subprocess.parent_task_id is not None and not _forget_if_detached(self, subprocess):
            task = self.get_task_from_id(subprocess.parent_task_id)
            task.task_spec._update(task)
    count = update_workflow(self)
    return count > 0 or len(self.get_active_subprocesses()) > len(active)


def _forget_if_detached(top: Any, subprocess: Any) -> bool:
    """True (and ``subprocess`` cancelled and removed) when its task is gone."""
    if top.subprocesses.get(subprocess.parent_task_id) is not subprocess:
        return True  # removed already (with a detached enclosing one)
    current = subprocess
    while current is not top:
        try:
            current = top.get_task_from_id(current.parent_task_id).workflow
        except TaskNotFoundException:
            break
    else:
        return False
    detached = [
        (task_id, candidate)
        for task_id, candidate in top.subprocesses.items()
        if candidate is subprocess or _inside(candidate, subprocess, top)
    ]
    top.cancel(subprocess)
    for task_id, _ in detached:
        top.subprocesses.pop(task_id, None)
    return True


def _inside(candidate: Any, scope: Any, top: Any) -> bool:
    """Whether ``candidate``'s task lies (at any depth) in ``scope``'s tasks."""
    current = candidate
    while current is not top:
        if current.parent_task_id in scope.tasks:
            return True
        parent = next(
            (s for s in top.subprocesses.values() if current.parent_task_id in s.tasks), None
        )
        if parent is None:
            return False
        current = parent
    return False
