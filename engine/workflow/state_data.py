"""User data in the stored workflow state, kept apart from SpiffWorkflow's own objects.

SpiffWorkflow's serializer registry writes its objects (a datetime, a caught event) as
dicts with a ``typename`` key, and on restore reads *every* dict with that key as one of
its objects (``DictionaryConverter.restore``): a plain value such as a form field or
script variable named ``typename``, or a connector's answer ``{"typename": ...}``, was
then restored as an unknown object (``TypeError``) or as the wrong one (a datetime), and
the case could never be loaded again. ``typename`` is the only key that restore path
reacts to (the ``__bytes__`` marker belongs to SpiffWorkflow's older, non-BPMN JSON
serializer; the state is read with plain ``json.loads``).

So every user dict that carries a ``typename`` key is written as a registry object of
its own, ``{"typename": ESCAPED, "dict": {...}}``, and the registry turns it back into
the plain dict (its values restored as usual). A user dict shaped like that escape has a
``typename`` key too, so it is escaped in turn: any data round-trips exactly. States
stored before the escape existed never name ``ESCAPED`` and restore as they always did.

User data sits in a workflow's and sub-process's ``data`` (with the data objects), a
task's data (the root's whole data, the others' delta updates) and internal data
(message payloads, multi-instance items) and in a caught or pending event's payload and
correlations; the converters here escape exactly those.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnEventConverter,
    BpmnSubWorkflowConverter,
    TaskConverter,
)

#: the registry typename of an escaped user dict (never written before the escape)
ESCAPED = "permitflow.EscapedUserDict"
_MARKER = "typename"


def escaped(value: Any) -> Any:
    """``value`` with every dict that has a ``typename`` key (at any depth) escaped.

    The value itself is never changed; containers are copied only where something inside
    them was escaped. Other objects (datetimes, events) are left to the registry.
    """
    if isinstance(value, dict):
        items = {key: escaped(item) for key, item in value.items()}
        changed = any(items[key] is not item for key, item in value.items())
        inner = items if changed else value
        return {_MARKER: ESCAPED, "dict": inner} if _MARKER in value else inner
    if isinstance(value, (list, tuple)):
        items_list = [escaped(item) for item in value]
        if any(new is not old for new, old in zip(items_list, value, strict=True)):
            return items_list
    return value


def register_escape(registry) -> None:
    """Teach ``registry`` to restore an escaped user dict as the plain dict it was."""

    def restore(dct: dict, **_kwargs) -> dict:
        return {key: registry.restore(item) for key, item in dct["dict"].items()}

    registry.convert_from_dict[ESCAPED] = restore


class TaskDataConverter(TaskConverter):
    """SpiffWorkflow's task converter, with the task's data and internal data escaped."""

    def to_dict(self, task):
        dct = super().to_dict(task)
        dct["internal_data"] = self.registry.convert(escaped(task.internal_data))
        if task.parent is None:
            dct["data"] = escaped(dct["data"])
        else:
            dct["delta"]["updates"] = escaped(dct["delta"]["updates"])
        return dct


class SubWorkflowDataConverter(BpmnSubWorkflowConverter):
    """SpiffWorkflow's sub-process converter, with the sub-process's data escaped."""

    def to_dict(self, workflow):
        dct = super().to_dict(workflow)
        dct["data"] = workflow_data(self.registry, workflow)
        return dct


class EventDataConverter(BpmnEventConverter):
    """SpiffWorkflow's event converter, with the payload and correlations escaped."""

    def to_dict(self, event):
        return {
            "event_definition": self.registry.convert(event.event_definition),
            "payload": self.registry.convert(escaped(event.payload)),
            # restored key by key (``mapping_from_dict``): only the values are escaped
            "correlations": self.mapping_to_dict(
                {key: escaped(value) for key, value in event.correlations.items()}
            ),
        }


def workflow_data(registry, workflow) -> Any:
    """A workflow's (or sub-process's) data as written: callables dropped, escaped."""
    return registry.convert(escaped(registry.clean(workflow.data)))
