"""Every signal a case throws is kept for the other cases (see :mod:`engine.workflow.signals`).

Apart from that module because :mod:`engine.workflow.specs` installs it, and the
delivery needs the runtime, which needs the specs.
"""

from __future__ import annotations

from collections.abc import Callable

from SpiffWorkflow.bpmn.util.event import BpmnEvent


def broadcast_throw(throw: Callable) -> Callable:
    """SpiffWorkflow's signal ``throw``, leaving the signal for the other cases too.

    SpiffWorkflow keeps a thrown event for the outside (``bpmn_events``) only when no
    task of the workflow caught it; a signal is kept in every case.
    """

    def throw_everywhere(self, my_task):
        top = my_task.workflow.top_workflow
        before = len(top.bpmn_events)
        throw(self, my_task)
        if len(top.bpmn_events) == before:
            top.bpmn_events.append(BpmnEvent(self))

    return throw_everywhere
