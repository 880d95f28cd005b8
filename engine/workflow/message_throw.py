"""A thrown message keeps the correlation values its thrower's data can give.

SpiffWorkflow 3.2 computes a thrown message's correlations on the thrower's task data
and stops the case when a retrieval expression names something only the payload
carries. With SpiffArena's ``spiffworkflow:messagePayload`` the payload is built from
other names: a receiver answers with ``invoice`` (the request it caught, whole), and
the reply correlates by ``po_number``, which is in ``invoice`` but not in the data.
permitflow routes a thrown message by evaluating its correlation on the declared
payload (:mod:`engine.workflow.messages`), so a value the thrower's data lacks is left
out here instead of stopping the case. Apart from that module because
:mod:`engine.workflow.specs` installs it.
"""

from __future__ import annotations

from copy import deepcopy

from SpiffWorkflow.bpmn.util.event import BpmnEvent

from engine.errors import EngineError


def throw_with_readable_correlations(self, my_task) -> None:
    """SpiffWorkflow's ``MessageEventDefinition.throw``, skipping unreadable values."""
    payload = deepcopy(my_task.data)
    environment = my_task.workflow.script_engine.environment
    correlations: dict[str, dict] = {}
    for prop in self.correlation_properties:
        try:
            value = environment.evaluate(prop.retrieval_expression, payload)
        except EngineError:
            continue  # read from the declared payload when the message is routed
        for key in prop.correlation_keys:
            correlations.setdefault(key, {})[prop.name] = value
    my_task.workflow.correlations.update(correlations)
    event = BpmnEvent(self, payload=payload, correlations=correlations)
    my_task.workflow.top_workflow.catch(event)
