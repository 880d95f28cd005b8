"""Camunda's instance counters in a multi-instance completion condition.

Camunda (and Activiti, Flowable) give a multi-instance activity's ``completionCondition``
four names: ``nrOfInstances`` (how many instances the activity has in all),
``nrOfCompletedInstances``, ``nrOfActiveInstances`` (those still open; always 1 for a
sequential one, as Camunda keeps it) and ``loopCounter`` (the 0-based position of the
instance that just completed). "Two of the three reviewers agreed" is written
``${nrOfCompletedInstances >= 2}``. SpiffWorkflow 3.2 knows none of them: the condition
failed with "unknown name" at the first completed instance. :mod:`engine.workflow.specs`
installs :func:`check_with_counts`, which evaluates the condition with the counters
beside the instance's data (a name the case data already has keeps its value there);
:mod:`engine.validation.data_flow` treats them as set in a completion condition.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import SequentialMultiInstanceTask

#: the names a completion condition reads besides the case data
COUNTERS = frozenset(
    {"nrOfInstances", "nrOfCompletedInstances", "nrOfActiveInstances", "loopCounter"}
)


def counts(spec: Any, my_task: Any, last_child: Any) -> dict[str, int]:
    """The counters of the multi-instance task ``my_task`` after ``last_child`` merged."""
    instances = list(spec._instances(my_task))
    completed = len(my_task.internal_data.get("merged", []))
    if isinstance(spec, SequentialMultiInstanceTask):
        if spec.data_input is not None:
            total = completed + len(my_task.internal_data.get("remaining", []))
        else:
            total = int(my_task.internal_data.get("cardinality", completed))
        active = 1
    else:
        total = len(instances)
        active = total - completed
    return {
        "nrOfInstances": total,
        "nrOfCompletedInstances": completed,
        "nrOfActiveInstances": active,
        "loopCounter": instances.index(last_child) if last_child in instances else completed - 1,
    }


def check_with_counts(self: Any, my_task: Any) -> Any:
    """``MultiInstanceTask.check_completion_condition`` with :data:`COUNTERS` known."""
    merged = my_task.internal_data.get("merged", [])
    if not merged or self.condition is None:
        return None
    [last_child] = [c for c in my_task.children if str(c.id) == merged[-1]]
    engine = my_task.workflow.script_engine
    return engine.evaluate(last_child, self.condition, counts(self, my_task, last_child))
