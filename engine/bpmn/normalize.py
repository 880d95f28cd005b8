"""What a BPMN file may leave implicit, made explicit once, right after parsing.

:func:`engine.bpmn.xml.parse_xml` calls :func:`normalize`, so validation, the model and
SpiffWorkflow's parser all read the same document:

- **a sequence flow without an id** (BPMN makes ``id`` optional and Camunda runs such
  files) gets one, ``<source>_to_<target>`` (with ``_2``, ``_3``... when taken). Without
  it the model kept one flow of all of them, and SpiffWorkflow took every id-less flow
  out of a gateway for its default flow (``None == None``), their conditions ignored.
- **a flow node without an id** gets ``<kind>_line<N>`` (its line in the file): a task
  needs one to be run at all, and the model kept every id-less node under ``""``, which
  is also what a top-level node's missing parent is looked up as, so walking up from a
  node never ended (validation hung on such a file).
- **a sequence flow from an activity straight back to itself** ("do it again") is led
  through an exclusive gateway of its own (``<flow>_again``, one outgoing flow): the
  same path, but SpiffWorkflow's look-ahead went round such a loop without end when the
  activity has a boundary event (a RecursionError when the case started).
- **a multi-instance with ``camunda:collection``** naming a list of the case data
  (``reviewers`` or ``${reviewers}``, as Camunda Modeler writes it) and no
  ``loopDataInputRef`` gets that ``loopDataInputRef``, and its ``camunda:elementVariable``
  an ``inputDataItem``: what BPMN itself writes for "one instance per item". Another
  expression is left alone (SpiffWorkflow then asks for a loop input data reference).
"""

from __future__ import annotations

import re

from lxml import etree

from engine.bpmn.model import ACTIVITY_KINDS, EVENT_KINDS, GATEWAY_KINDS, TASK_KINDS

_BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
_CAMUNDA = "{http://camunda.org/schema/1.0/bpmn}"
FLOW_NODE_KINDS = TASK_KINDS | ACTIVITY_KINDS | GATEWAY_KINDS | EVENT_KINDS
_NAME = re.compile(r"\s*(?:[$#]\{\s*([A-Za-z_]\w*)\s*\}|([A-Za-z_]\w*))\s*")


def normalize(root) -> None:
    """Make ``root`` (a parsed ``definitions``) explicit in place, as the module says."""
    taken = {element.get("id") for element in root.iter() if element.get("id")}
    for flow in root.iter(f"{_BPMN}sequenceFlow"):
        if not flow.get("id"):
            flow.set("id", _free_id(f"{flow.get('sourceRef')}_to_{flow.get('targetRef')}", taken))
    for element in root.iter(*(f"{_BPMN}{kind}" for kind in FLOW_NODE_KINDS)):
        if not element.get("id"):
            kind = element.tag.rpartition("}")[2]
            element.set("id", _free_id(f"{kind}_line{element.sourceline}", taken))
    for flow in list(root.iter(f"{_BPMN}sequenceFlow")):
        if flow.get("sourceRef") and flow.get("sourceRef") == flow.get("targetRef"):
            _through_a_gateway(flow, taken)
    for loop in root.iter(f"{_BPMN}multiInstanceLoopCharacteristics"):
        _collection_as_loop_input(loop)


def _through_a_gateway(flow, taken: set) -> None:
    gateway_id = _free_id(f"{flow.get('id')}_again", taken)
    gateway = etree.Element(f"{_BPMN}exclusiveGateway", id=gateway_id)
    onward = etree.Element(f"{_BPMN}sequenceFlow")
    onward.set("id", _free_id(f"{gateway_id}_to_{flow.get('targetRef')}", taken))
    onward.set("sourceRef", gateway_id)
    onward.set("targetRef", flow.get("targetRef"))
    flow.set("targetRef", gateway_id)
    flow.addnext(onward)
    flow.addnext(gateway)


def _free_id(wanted: str, taken: set) -> str:
    candidate, number = wanted, 1
    while candidate in taken:
        number += 1
        candidate = f"{wanted}_{number}"
    taken.add(candidate)
    return candidate


def _collection_as_loop_input(loop) -> None:
    collection = _NAME.fullmatch(loop.get(f"{_CAMUNDA}collection") or "")
    if collection is None or any(
        loop.find(f"{_BPMN}{tag}") is not None for tag in ("loopCardinality", "loopDataInputRef")
    ):
        return
    reference = etree.Element(f"{_BPMN}loopDataInputRef")
    reference.text = collection.group(1) or collection.group(2)
    loop.insert(0, reference)
    variable = (loop.get(f"{_CAMUNDA}elementVariable") or "").strip()
    if variable and loop.find(f"{_BPMN}inputDataItem") is None:
        item = etree.Element(f"{_BPMN}inputDataItem", id=variable, name=variable)
        output = loop.find(f"{_BPMN}loopDataOutputRef")
        loop.insert(loop.index(output) + 1 if output is not None else 1, item)
