"""Events with several definitions (BPMN's "multiple"): a caught message keeps its payload.

SpiffWorkflow 3.2's ``MultipleEventDefinition`` records which of its definitions have
come (``seen_events``) and runs the task when any one has (all of them with
``parallelMultiple``), but drops what a single message catch keeps: the message's
payload (which the task's data take when it runs) and its correlation values (compared
on a later message). :mod:`engine.workflow.specs` installs these two corrections, so a
message caught by such an event is stored as any catching element stores it
(:mod:`engine.workflow.messages` then keeps only the declared fields).
"""

from __future__ import annotations

from collections.abc import Callable

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition


def catch_with_payload(catch: Callable) -> Callable:
    """``MultipleEventDefinition.catch``, keeping a caught message's payload and correlations."""

    def catch_and_keep(self, my_task, event=None):
        catch(self, my_task, event)
        if event is None:
            return
        for part in self.event_definitions:
            if isinstance(part, MessageEventDefinition) and part.catches(my_task, event):
                part.update_internal_data(my_task, event)
                correlations = part.get_correlations(my_task, event.payload)
                my_task.workflow.correlations.update(correlations)
                return

    return catch_and_keep


def update_task_data(self, my_task) -> None:
    """Each caught message's payload into the task's data (as a single catch does)."""
    for part in self.event_definitions:
        part.update_task_data(my_task)
