"""The states of a workflow's tasks, for the office modules that look at a case's workflow.

Only :mod:`engine.workflow` imports SpiffWorkflow (an import-linter contract); the
office code names task states through this module.
"""

from __future__ import annotations

from SpiffWorkflow.util.task import TaskState

__all__ = ["TaskState", "completed_tasks", "ready_tasks"]


def ready_tasks(workflow) -> list:
    """The workflow's tasks that can be worked on now."""
    return list(workflow.get_tasks(state=TaskState.READY))


def completed_tasks(workflow) -> list:
    """The workflow's tasks that are done."""
    return list(workflow.get_tasks(state=TaskState.COMPLETED))
